/*
 * pipes: pipe2 in one process (it writes and reads its own pipe): data order, partial reads,
 * O_NONBLOCK (EAGAIN), the 64 KiB capacity and PIPE_BUF atomicity, EOF after the last writer,
 * EPIPE with SIGPIPE ignored, poll/select readiness (POLLIN, POLLOUT, POLLHUP, POLLERR),
 * fcntl on pipes (F_GETFL, F_GETPIPE_SZ, F_SETPIPE_SZ), dup keeping an end open; then a
 * forked writer that the parent's blocking read waits for.
 */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void basics(void)
{
	section("basics");
	int p[2];
	show("pipe2", pipe2(p, 0));
	check("fds are 3 and 4", p[0] == 3 && p[1] == 4);
	show("write hello", write(p[1], "hello", 5));
	show("write world", write(p[1], " world", 6));
	char buf[64] = { 0 };
	show("read 3", read(p[0], buf, 3));
	printf("got \"%s\"\n", buf);
	memset(buf, 0, sizeof buf);
	show("read rest", read(p[0], buf, sizeof buf));
	printf("got \"%s\"\n", buf);
	show("read 0 bytes", read(p[0], buf, 0));
	struct stat st;
	fstat(p[0], &st);
	check("S_ISFIFO", S_ISFIFO(st.st_mode));
	printf("mode %o\n", st.st_mode);
	struct stat st2;
	fstat(p[1], &st2);
	check("both ends one inode", st.st_ino == st2.st_ino);
	expect_err("lseek", lseek(p[0], 0, SEEK_CUR), ESPIPE);
	expect_err("pread", pread(p[0], buf, 1, 0), ESPIPE);
	expect_err("write to the read end", write(p[0], "x", 1), EBADF);
	expect_err("read from the write end", read(p[1], buf, 1), EBADF);
	printf("F_GETFL read end %o, write end %o\n", fcntl(p[0], F_GETFL), fcntl(p[1], F_GETFL));
	show("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
	expect_err("fsync", fsync(p[1]), EINVAL);
	close(p[0]);
	close(p[1]);
	expect_err("pipe2 bad flags", pipe2(p, O_APPEND), EINVAL);
	expect_err("pipe2 bad pointer", syscall(SYS_pipe2, (void *)8, 0), EFAULT);
	show("pipe2 O_CLOEXEC", pipe2(p, O_CLOEXEC));
	printf("FD_CLOEXEC: %d %d\n", fcntl(p[0], F_GETFD), fcntl(p[1], F_GETFD));
	close(p[0]);
	close(p[1]);
}

static void nonblocking(void)
{
	section("non-blocking, capacity, PIPE_BUF");
	int p[2];
	pipe2(p, O_NONBLOCK);
	char buf[4096];
	expect_err("read empty", read(p[0], buf, 1), EAGAIN);
	int writes = 0;
	memset(buf, 'a', sizeof buf);
	while (write(p[1], buf, 100) == 100)
		writes++;
	printf("100-byte writes that fit: %d (then %s)\n", writes, errno_name(errno));
	long total = 0, n;
	while ((n = read(p[0], buf, sizeof buf)) > 0)
		total += n;
	printf("drained %ld bytes (then %s)\n", total, errno_name(errno));
	static char big[70000];
	show("70000-byte write takes what fits", write(p[1], big, sizeof big));
	expect_err("one more byte", write(p[1], "x", 1), EAGAIN);
	show("read a page", read(p[0], buf, 4096));
	show("PIPE_BUF write fits in the free page", write(p[1], buf, 4096));
	expect_err("and now nothing", write(p[1], buf, 1), EAGAIN);
	show("F_SETPIPE_SZ 8192 with 64 KiB inside", fcntl(p[0], F_SETPIPE_SZ, 8192));
	while (read(p[0], buf, sizeof buf) > 0)
		;
	show("F_SETPIPE_SZ 5000", fcntl(p[0], F_SETPIPE_SZ, 5000));
	show("F_GETPIPE_SZ", fcntl(p[1], F_GETPIPE_SZ));
	show("write 10000 into 8 KiB", write(p[1], big, 10000));
	close(p[0]);
	close(p[1]);
}

static void eof_and_epipe(void)
{
	section("EOF and EPIPE");
	int p[2];
	pipe2(p, 0);
	int w2 = dup(p[1]);
	write(p[1], "last", 4);
	close(p[1]);
	struct pollfd pf = { .fd = p[0], .events = POLLIN };
	show("poll with a writer left", poll(&pf, 1, 0));
	printf("revents %#x\n", pf.revents);
	char buf[16];
	show("read", read(p[0], buf, sizeof buf));
	pf.revents = 0;
	show("poll empty, writer left", poll(&pf, 1, 0));
	close(w2);
	show("poll after the last writer", poll(&pf, 1, 0));
	printf("revents %#x (POLLHUP)\n", pf.revents);
	show("read at EOF", read(p[0], buf, sizeof buf));
	close(p[0]);

	signal(SIGPIPE, SIG_IGN);
	pipe2(p, 0);
	close(p[0]);
	expect_err("write without readers", write(p[1], "x", 1), EPIPE);
	show("empty write without readers", write(p[1], "", 0));
	pf.fd = p[1];
	pf.events = POLLOUT;
	show("poll the orphaned write end", poll(&pf, 1, 0));
	printf("revents %#x (POLLOUT|POLLERR)\n", pf.revents);
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
}

static void readiness(void)
{
	section("poll/select readiness");
	int p[2];
	pipe2(p, 0);
	struct pollfd pf[2] = { { .fd = p[0], .events = POLLIN | POLLOUT }, { .fd = p[1], .events = POLLIN | POLLOUT } };
	show("poll empty pipe", poll(pf, 2, 0));
	printf("revents %#x %#x\n", pf[0].revents, pf[1].revents);
	write(p[1], "x", 1);
	show("poll with data", poll(pf, 2, 0));
	printf("revents %#x %#x\n", pf[0].revents, pf[1].revents);
	fd_set rd, wr;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(p[0], &rd);
	FD_SET(p[1], &rd);
	FD_SET(p[1], &wr);
	struct timeval tv = { 0, 0 };
	show("select", select(p[1] + 1, &rd, &wr, NULL, &tv));
	printf("readable: %d %d writable: %d\n", FD_ISSET(p[0], &rd), FD_ISSET(p[1], &rd), FD_ISSET(p[1], &wr));
	char c;
	read(p[0], &c, 1);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	tv.tv_usec = 20000;
	show("select times out", select(p[0] + 1, &rd, NULL, NULL, &tv));
	check("set cleared", !FD_ISSET(p[0], &rd));
	FD_ZERO(&rd);
	FD_SET(9, &rd);
	tv.tv_usec = 0;
	expect_err("select on a closed fd", select(10, &rd, NULL, NULL, &tv), EBADF);
	struct timespec ts = { 0, 0 };
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	show("pselect", pselect(p[0] + 1, &rd, NULL, NULL, &ts, NULL));
	close(p[0]);
	close(p[1]);
}

static void with_a_child(void)
{
	section("a writer in another process");
	int p[2];
	pipe2(p, 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		usleep(50000);
		write(p[1], "from the child", 14);
		_exit(0);
	}
	close(p[1]);
	char buf[32] = { 0 };
	show("blocking read waits for the child", read(p[0], buf, sizeof buf));
	printf("got \"%s\"\n", buf);
	show("then EOF when it exits", read(p[0], buf, sizeof buf));
	int status;
	waitpid(pid, &status, 0);
	check("child exited 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(p[0]);

	/* A big write that the reader drains: every byte arrives in order. */
	pipe2(p, 0);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		static char data[200000];
		for (unsigned i = 0; i < sizeof data; i++)
			data[i] = (char)(i * 7);
		long n = write(p[1], data, sizeof data);
		_exit(n == sizeof data ? 0 : 1);
	}
	close(p[1]);
	static char got[200000];
	long total = 0, n;
	while ((n = read(p[0], got + total, sizeof got - total)) > 0)
		total += n;
	printf("received %ld bytes, digest %016llx\n", total, (unsigned long long)fnv1a(got, total));
	waitpid(pid, &status, 0);
	check("writer wrote everything", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(p[0]);

	/* SIGPIPE's default action kills the writer. */
	pipe2(p, 0);
	close(p[0]);
	pid = fork();
	if (pid == 0) {
		write(p[1], "x", 1);
		_exit(0);
	}
	close(p[1]);
	waitpid(pid, &status, 0);
	check("writer killed by SIGPIPE", WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE);
}

int main(void)
{
	test_init();
	basics();
	nonblocking();
	eof_and_epipe();
	readiness();
	with_a_child();
	return 0;
}
