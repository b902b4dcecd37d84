/*
 * locks: advisory file locks between processes.
 *
 * flock(2): shared and exclusive locks, LOCK_NB, conversion, locks shared through fork, release
 * at the last close, a waiter woken by the holder's exit or death, EINTR. fcntl(2) record locks:
 * F_SETLK conflicts, F_GETLK's report (type, range, owner), split and merged ranges, SEEK_CUR and
 * SEEK_END, negative lengths, locks not inherited and released by the close of any descriptor,
 * F_SETLKW, EDEADLK; OFD locks; argument errors.
 *
 * Two processes take turns through pipes, so only one prints at a time; pids are shown only as
 * "parent"/"child". Where which of two processes sees something depends on timing (the
 * deadlock), only the outcome is printed.
 */
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#define F "locks.tmp"
#define D "locks.d"

static int to_child[2], to_parent[2];

static void tell(int fd)
{
	if (write(fd, "x", 1) != 1)
		printf("pipe write failed\n");
}

static void hear(int fd)
{
	char c;
	if (read(fd, &c, 1) != 1)
		printf("pipe read failed\n");
}

/* fork with the two hand-over pipes; the child side closes nothing (it exits soon). */
static pid_t start(void)
{
	if (pipe(to_child) < 0 || pipe(to_parent) < 0)
		printf("pipe failed\n");
	return fork();
}

/* Wait for the child and close the pipes; returns its wait status. */
static int reap(pid_t pid)
{
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		printf("waitpid failed: %s\n", errno_name(errno));
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	return st;
}

static int lk(int fd, int cmd, short type, short whence, off_t start, off_t len)
{
	struct flock l = { .l_type = type, .l_whence = whence, .l_start = start, .l_len = len };
	return fcntl(fd, cmd, &l);
}

static const char *type_name(short t)
{
	return t == F_RDLCK ? "F_RDLCK" : t == F_WRLCK ? "F_WRLCK" : t == F_UNLCK ? "F_UNLCK" : "?";
}

/* F_GETLK (or F_OFD_GETLK) for `type` on a range: print what it reports, the owner by name. */
static void getlk(const char *what, int fd, int cmd, short type, off_t start, off_t len, pid_t parent, pid_t child)
{
	struct flock l = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	if (fcntl(fd, cmd, &l) < 0) {
		printf("%s = -1 %s\n", what, errno_name(errno));
		return;
	}
	if (l.l_type == F_UNLCK) {
		printf("%s: F_UNLCK (start %ld len %ld kept)\n", what, (long)l.l_start, (long)l.l_len);
		return;
	}
	const char *owner = l.l_pid == -1 ? "-1" : l.l_pid == parent ? "parent" : l.l_pid == child ? "child" : "?";
	printf("%s: %s whence %d start %ld len %ld pid %s\n", what, type_name(l.l_type), l.l_whence, (long)l.l_start,
	       (long)l.l_len, owner);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void flock_basics(void)
{
	section("flock between two processes");
	int fd = open(F, O_RDWR);
	pid_t pid = start();
	if (pid == 0) {
		int c = open(F, O_RDWR);
		show("child: LOCK_EX", flock(c, LOCK_EX));
		tell(to_parent[1]);
		hear(to_child[0]);
		show("child: LOCK_SH (a downgrade)", flock(c, LOCK_SH));
		tell(to_parent[1]);
		hear(to_child[0]);
		show("child: LOCK_EX|LOCK_NB (the parent lost its lock)", flock(c, LOCK_EX | LOCK_NB));
		tell(to_parent[1]);
		hear(to_child[0]);
		show("child: LOCK_UN", flock(c, LOCK_UN));
		tell(to_parent[1]);
		_exit(0);
	}
	hear(to_parent[0]);
	expect_err("parent: LOCK_SH|LOCK_NB", flock(fd, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	expect_err("parent: LOCK_EX|LOCK_NB", flock(fd, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	tell(to_child[1]);
	hear(to_parent[0]);
	show("parent: LOCK_SH|LOCK_NB", flock(fd, LOCK_SH | LOCK_NB));
	show("parent: LOCK_SH again", flock(fd, LOCK_SH | LOCK_NB));
	expect_err("parent: LOCK_EX|LOCK_NB (drops the shared lock first)", flock(fd, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	tell(to_child[1]);
	hear(to_parent[0]);
	expect_err("parent: LOCK_SH|LOCK_NB", flock(fd, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	tell(to_child[1]);
	hear(to_parent[0]);
	show("parent: LOCK_EX|LOCK_NB", flock(fd, LOCK_EX | LOCK_NB));
	show("parent: LOCK_UN", flock(fd, LOCK_UN));
	show("parent: LOCK_UN without a lock", flock(fd, LOCK_UN));
	reap(pid);
	close(fd);

	section("flock is shared by dup and fork");
	fd = open(F, O_RDWR);
	int dup_fd = dup(fd);
	show("LOCK_EX", flock(fd, LOCK_EX));
	show("LOCK_EX|LOCK_NB on a dup", flock(dup_fd, LOCK_EX | LOCK_NB));
	int other = open(F, O_RDONLY);
	expect_err("LOCK_SH|LOCK_NB on another open", flock(other, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	pid = start();
	if (pid == 0) {
		show("child: LOCK_EX|LOCK_NB on the inherited descriptor", flock(fd, LOCK_EX | LOCK_NB));
		int mine = open(F, O_RDONLY);
		expect_err("child: LOCK_SH|LOCK_NB on its own open", flock(mine, LOCK_SH | LOCK_NB), EWOULDBLOCK);
		show("child: LOCK_UN on the inherited descriptor", flock(fd, LOCK_UN));
		show("child: LOCK_SH|LOCK_NB on its own open", flock(mine, LOCK_SH | LOCK_NB));
		_exit(0);
	}
	reap(pid);
	show("parent: LOCK_EX|LOCK_NB on another open (the child unlocked the shared one)",
	     flock(other, LOCK_EX | LOCK_NB));
	show("LOCK_UN", flock(other, LOCK_UN));
	show("LOCK_EX again", flock(fd, LOCK_EX));
	close(fd);
	expect_err("after closing one descriptor", flock(other, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	close(dup_fd);
	show("after closing the last one", flock(other, LOCK_SH | LOCK_NB));
	close(other);

	section("flock on a directory");
	mkdir(D, 0755);
	int d1 = open(D, O_RDONLY | O_DIRECTORY), d2 = open(D, O_RDONLY | O_DIRECTORY);
	show("LOCK_EX", flock(d1, LOCK_EX));
	expect_err("LOCK_SH|LOCK_NB on another open", flock(d2, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	close(d1);
	close(d2);
	rmdir(D);
}

static void flock_waits(void)
{
	section("a waiter wakes when the holder exits");
	int fd = open(F, O_RDWR);
	pid_t pid = start();
	if (pid == 0) {
		int c = open(F, O_RDWR);
		flock(c, LOCK_EX);
		tell(to_parent[1]);
		usleep(100000);
		_exit(0);
	}
	hear(to_parent[0]);
	expect_err("LOCK_EX|LOCK_NB while the child holds it", flock(fd, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	show("LOCK_EX (waits for the exit)", flock(fd, LOCK_EX));
	reap(pid);
	flock(fd, LOCK_UN);

	section("a waiter wakes when the holder is killed");
	pid = start();
	if (pid == 0) {
		int c = open(F, O_RDWR);
		flock(c, LOCK_EX);
		lk(c, F_SETLK, F_WRLCK, SEEK_SET, 0, 0);
		tell(to_parent[1]);
		for (;;)
			pause();
	}
	hear(to_parent[0]);
	expect_err("F_SETLK while the child holds it", lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EAGAIN);
	kill(pid, SIGKILL);
	show("LOCK_EX", flock(fd, LOCK_EX));
	show("F_SETLKW", lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 0));
	reap(pid);
	flock(fd, LOCK_UN);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);

	section("a signal interrupts a wait");
	pid = start();
	if (pid == 0) {
		int c = open(F, O_RDWR);
		flock(c, LOCK_EX);
		lk(c, F_SETLK, F_WRLCK, SEEK_SET, 0, 0);
		tell(to_parent[1]);
		for (;;)
			pause();
	}
	hear(to_parent[0]);
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval itv = { .it_value = { .tv_usec = 50000 } };
	setitimer(ITIMER_REAL, &itv, NULL);
	expect_err("LOCK_EX", flock(fd, LOCK_EX), EINTR);
	setitimer(ITIMER_REAL, &itv, NULL);
	expect_err("F_SETLKW", lk(fd, F_SETLKW, F_RDLCK, SEEK_SET, 5, 1), EINTR);
	kill(pid, SIGKILL);
	reap(pid);
	signal(SIGALRM, SIG_DFL);
	close(fd);
}

static void record_locks(void)
{
	pid_t parent = getpid();
	section("record locks: conflicts and F_GETLK");
	int fd = open(F, O_RDWR);
	pid_t pid = start();
	if (pid == 0) {
		int c = open(F, O_RDWR);
		show("child: F_WRLCK 0..100", lk(c, F_SETLK, F_WRLCK, SEEK_SET, 0, 100));
		show("child: F_UNLCK 40..60", lk(c, F_SETLK, F_UNLCK, SEEK_SET, 40, 20));
		tell(to_parent[1]);
		hear(to_child[0]);
		show("child: F_RDLCK 20..30 (a downgrade of part)", lk(c, F_SETLK, F_RDLCK, SEEK_SET, 20, 10));
		tell(to_parent[1]);
		hear(to_child[0]);
		show("child: F_WRLCK 20..100", lk(c, F_SETLK, F_WRLCK, SEEK_SET, 20, 80));
		show("child: F_WRLCK from 100 to EOF", lk(c, F_SETLK, F_WRLCK, SEEK_SET, 100, 0));
		tell(to_parent[1]);
		hear(to_child[0]);
		show("child: F_UNLCK everything", lk(c, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
		show("child: F_WRLCK start 200 len -50", lk(c, F_SETLK, F_WRLCK, SEEK_SET, 200, -50));
		lseek(c, 3, SEEK_SET);
		show("child: F_WRLCK SEEK_CUR+2 len 1", lk(c, F_SETLK, F_WRLCK, SEEK_CUR, 2, 1));
		show("child: F_RDLCK SEEK_END-2 len 2", lk(c, F_SETLK, F_RDLCK, SEEK_END, -2, 2));
		tell(to_parent[1]);
		hear(to_child[0]);
		_exit(0);
	}
	hear(to_parent[0]);
	getlk("F_GETLK F_RDLCK 0..EOF", fd, F_GETLK, F_RDLCK, 0, 0, parent, pid);
	getlk("F_GETLK F_RDLCK 50..EOF", fd, F_GETLK, F_RDLCK, 50, 0, parent, pid);
	getlk("F_GETLK F_WRLCK 45..55", fd, F_GETLK, F_WRLCK, 45, 10, parent, pid);
	expect_err("F_SETLK F_RDLCK 0..1", lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EAGAIN);
	show("F_SETLK F_WRLCK 40..60 (the hole)", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 40, 20));
	getlk("F_GETLK of its own range", fd, F_GETLK, F_WRLCK, 40, 20, parent, pid);
	tell(to_child[1]);
	hear(to_parent[0]);
	getlk("F_GETLK F_RDLCK 0..EOF", fd, F_GETLK, F_RDLCK, 0, 0, parent, pid);
	getlk("F_GETLK F_WRLCK 20..25", fd, F_GETLK, F_WRLCK, 20, 5, parent, pid);
	getlk("F_GETLK F_RDLCK 20..25", fd, F_GETLK, F_RDLCK, 20, 5, parent, pid);
	show("F_SETLK F_RDLCK 20..30 (readers share)", lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 20, 10));
	expect_err("F_SETLK F_WRLCK 20..30", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 20, 10), EAGAIN);
	show("F_SETLK F_UNLCK everything", lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
	tell(to_child[1]);
	hear(to_parent[0]);
	getlk("F_GETLK at 1000 (merged to EOF)", fd, F_GETLK, F_RDLCK, 1000, 1, parent, pid);
	tell(to_child[1]);
	hear(to_parent[0]);
	getlk("F_GETLK F_RDLCK 100..EOF", fd, F_GETLK, F_RDLCK, 100, 0, parent, pid);
	getlk("F_GETLK F_WRLCK 0..100", fd, F_GETLK, F_WRLCK, 0, 100, parent, pid);
	getlk("F_GETLK F_WRLCK 6..100", fd, F_GETLK, F_WRLCK, 6, 94, parent, pid);
	getlk("F_GETLK F_RDLCK 6..100", fd, F_GETLK, F_RDLCK, 6, 94, parent, pid);
	tell(to_child[1]);
	reap(pid);
	getlk("F_GETLK after the child exited", fd, F_GETLK, F_WRLCK, 0, 0, parent, pid);
	close(fd);

	section("record locks are per process");
	fd = open(F, O_RDWR);
	show("F_WRLCK 0..10", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
	show("F_RDLCK 5..6 (one's own locks never conflict)", lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 5, 1));
	pid = start();
	if (pid == 0) {
		expect_err("child: F_SETLK on the inherited descriptor", lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EAGAIN);
		getlk("child: F_GETLK", fd, F_GETLK, F_WRLCK, 0, 0, parent, getpid());
		close(fd);
		int c = open(F, O_RDWR);
		getlk("child: F_GETLK after its close (the parent's locks stay)", c, F_GETLK, F_WRLCK, 6, 0, parent,
		      getpid());
		tell(to_parent[1]);
		hear(to_child[0]);
		show("child: F_SETLK after the parent closed another descriptor",
		     lk(c, F_SETLK, F_WRLCK, SEEK_SET, 0, 0));
		_exit(0);
	}
	hear(to_parent[0]);
	int other = open(F, O_RDONLY);
	close(other);
	tell(to_child[1]);
	reap(pid);
	close(fd);

	section("F_SETLKW waits for the holder");
	fd = open(F, O_RDWR);
	pid = start();
	if (pid == 0) {
		int c = open(F, O_RDWR);
		lk(c, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
		lk(c, F_SETLK, F_WRLCK, SEEK_SET, 20, 10);
		tell(to_parent[1]);
		usleep(50000);
		lk(c, F_SETLK, F_UNLCK, SEEK_SET, 0, 10);
		usleep(50000);
		lk(c, F_SETLK, F_UNLCK, SEEK_SET, 20, 10);
		hear(to_child[0]);
		_exit(0);
	}
	hear(to_parent[0]);
	show("F_SETLKW F_WRLCK 5..25", lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 5, 20));
	tell(to_child[1]);
	reap(pid);
	close(fd);

	section("F_SETLKW deadlock");
	fd = open(F, O_RDWR);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1);
	pid = start();
	if (pid == 0) {
		int c = open(F, O_RDWR);
		lk(c, F_SETLK, F_WRLCK, SEEK_SET, 1, 1);
		tell(to_parent[1]);
		int r = lk(c, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1);
		_exit(r < 0 && errno == EDEADLK ? 35 : r < 0 ? 1 : 0);
	}
	hear(to_parent[0]);
	usleep(100000); /* the child is waiting by now (if not, it is the one that sees EDEADLK) */
	int r = lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1);
	int parent_saw = r < 0 && errno == EDEADLK;
	if (parent_saw)
		lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1);
	int st = reap(pid);
	int child_saw = WIFEXITED(st) && WEXITSTATUS(st) == 35;
	check("exactly one of the two got EDEADLK", parent_saw + child_saw == 1);
	check("the other one got its lock", parent_saw ? WIFEXITED(st) && WEXITSTATUS(st) == 0 : r == 0);
	close(fd);
}

static void ofd_locks(void)
{
	pid_t parent = getpid();
	section("OFD locks");
	int a = open(F, O_RDWR), b = open(F, O_RDWR);
	show("F_OFD_SETLK F_WRLCK 0..10 on a", lk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10));
	expect_err("F_OFD_SETLK F_RDLCK on b (another open)", lk(b, F_OFD_SETLK, F_RDLCK, SEEK_SET, 5, 1), EAGAIN);
	expect_err("F_SETLK F_RDLCK on b (a process lock)", lk(b, F_SETLK, F_RDLCK, SEEK_SET, 5, 1), EAGAIN);
	getlk("F_OFD_GETLK on b", b, F_OFD_GETLK, F_RDLCK, 0, 0, parent, 0);
	getlk("F_GETLK on b", b, F_GETLK, F_RDLCK, 0, 0, parent, 0);
	getlk("F_OFD_GETLK on a", a, F_OFD_GETLK, F_WRLCK, 0, 0, parent, 0);
	struct flock l = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_len = 1, .l_pid = 1 };
	expect_err("F_OFD_SETLK with l_pid 1", fcntl(a, F_OFD_SETLK, &l), EINVAL);
	expect_err("F_OFD_GETLK with l_pid 1", fcntl(a, F_OFD_GETLK, &l), EINVAL);
	int d = dup(a);
	show("F_OFD_SETLK F_RDLCK 0..20 on a dup of a", lk(d, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 20));
	getlk("F_OFD_GETLK on b", b, F_OFD_GETLK, F_WRLCK, 0, 0, parent, 0);
	pid_t pid = start();
	if (pid == 0) {
		show("child: F_OFD_SETLK F_WRLCK on the inherited a", lk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 20));
		expect_err("child: on the inherited b", lk(b, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 1), EAGAIN);
		tell(to_parent[1]);
		hear(to_child[0]);
		_exit(0);
	}
	hear(to_parent[0]);
	close(d);
	close(a);
	expect_err("parent: on b after closing a (the child has it)", lk(b, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 1),
		   EAGAIN);
	tell(to_child[1]);
	reap(pid);
	show("parent: on b after the child's exit", lk(b, F_OFD_SETLKW, F_WRLCK, SEEK_SET, 0, 0));
	close(b);
}

static void errors(void)
{
	section("errors");
	int rw = open(F, O_RDWR), ro = open(F, O_RDONLY), path = open(F, O_PATH);
	expect_err("flock(fd, 0)", flock(rw, 0), EINVAL);
	expect_err("flock(fd, LOCK_SH|LOCK_EX)", flock(rw, LOCK_SH | LOCK_EX), EINVAL);
	expect_err("flock(fd, LOCK_NB)", flock(rw, LOCK_NB), EINVAL);
	expect_err("flock(99, 0)", flock(99, 0), EINVAL);
	expect_err("flock(99, LOCK_SH)", flock(99, LOCK_SH), EBADF);
	expect_err("flock(O_PATH, LOCK_SH)", flock(path, LOCK_SH), EBADF);
	show("flock(O_RDONLY, LOCK_EX)", flock(ro, LOCK_EX));
	flock(ro, LOCK_UN);
	expect_err("F_SETLK whence 5", lk(rw, F_SETLK, F_WRLCK, 5, 0, 1), EINVAL);
	expect_err("F_SETLK type 7", lk(rw, F_SETLK, 7, SEEK_SET, 0, 1), EINVAL);
	expect_err("F_SETLK start -1", lk(rw, F_SETLK, F_WRLCK, SEEK_SET, -1, 1), EINVAL);
	expect_err("F_SETLK start 5 len -6", lk(rw, F_SETLK, F_WRLCK, SEEK_SET, 5, -6), EINVAL);
	expect_err("F_SETLK SEEK_END start LONG_MAX", lk(rw, F_SETLK, F_WRLCK, SEEK_END, 0x7fffffffffffffffL, 1),
		   EOVERFLOW);
	expect_err("F_SETLK start LONG_MAX len 2", lk(rw, F_SETLK, F_WRLCK, SEEK_SET, 0x7fffffffffffffffL, 2),
		   EOVERFLOW);
	show("F_SETLK start LONG_MAX len 1", lk(rw, F_SETLK, F_WRLCK, SEEK_SET, 0x7fffffffffffffffL, 1));
	expect_err("F_SETLK F_WRLCK on O_RDONLY", lk(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF);
	expect_err("F_SETLK F_RDLCK on O_WRONLY", lk(open(F, O_WRONLY), F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EBADF);
	show("F_GETLK F_WRLCK on O_RDONLY", lk(ro, F_GETLK, F_WRLCK, SEEK_SET, 0, 1));
	expect_err("F_GETLK F_UNLCK", lk(ro, F_GETLK, F_UNLCK, SEEK_SET, 0, 1), EINVAL);
	expect_err("F_GETLK on O_PATH", lk(path, F_GETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF);
	expect_err("F_SETLK with a bad pointer", fcntl(rw, F_SETLK, (struct flock *)8), EFAULT);
}

int main(void)
{
	test_init();
	int fd = open(F, O_RDWR | O_CREAT | O_TRUNC, 0644);
	show("write 10 bytes", write(fd, "0123456789", 10));
	close(fd);
	flock_basics();
	flock_waits();
	record_locks();
	ofd_locks();
	errors();
	show("unlink", unlink(F));
	return 0;
}
