/*
 * Panic isolation under fire (issue 8): run on a kernel booted with `panic_on=getcpu`
 * (user/tests.txt: `FAULT=getcpu /bin/panics`), where every getcpu(2) makes the kernel panic
 * inside the syscall. Hundreds of children call it, some while holding what others wait for:
 *
 *   pipe      the dead child held the only write end: the reader sees EOF; it held the only
 *             read end: the writer gets EPIPE
 *   flock     the dead child held an exclusive flock(2): a waiter blocked on it gets it
 *   robust    the dead child held a robust process-shared mutex: a waiter blocked on it gets
 *             EOWNERDEAD, makes it consistent and unlocks it
 *
 * Each child must die of SIGSEGV (what the kernel makes of a panic), every waiter must wake,
 * and free memory must come back to where it was after a warm-up round.
 *
 * Usage: panics [rounds]   (without the fault armed the children exit 0 and the test says so)
 */
#include "common.h"
#include <pthread.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void crash(void)
{
	syscall(SYS_getcpu, 0, 0, 0); /* panics in the kernel: this process dies here */
	_exit(0);                     /* only without panic_on=getcpu */
}

/* MemFree of /proc/meminfo, in KiB. */
static long mem_free(void)
{
	char buf[4096];
	int fd = open("/proc/meminfo", O_RDONLY);
	long n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, "MemFree:");
	return p ? strtol(p + 8, NULL, 10) : -1;
}

static int died_of_segv(pid_t pid)
{
	int st;
	return waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
}

static int segv_deaths, waiter_ok, failures;

static void expect(int ok, const char *what, int round)
{
	if (!ok && failures++ < 10)
		printf("round %d: %s: FAILED\n", round, what);
}

/* A child that only crashes. */
static void plain(int round)
{
	pid_t pid = fork();
	if (pid == 0)
		crash();
	int ok = died_of_segv(pid);
	segv_deaths += ok;
	expect(ok, "plain child died of SIGSEGV", round);
}

/* A child holding the only write end of one pipe and the only read end of another. */
static void pipes(int round)
{
	int to_parent[2], to_child[2];
	if (pipe(to_parent) || pipe(to_child)) {
		expect(0, "pipe", round);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(to_parent[0]);
		close(to_child[1]);
		crash();
	}
	close(to_parent[1]);
	close(to_child[0]);
	char c;
	int eof = read(to_parent[0], &c, 1) == 0; /* blocks until the child is gone */
	int ok = died_of_segv(pid);
	errno = 0;
	int epipe = write(to_child[1], "x", 1) == -1 && errno == EPIPE;
	close(to_parent[0]);
	close(to_child[1]);
	segv_deaths += ok;
	waiter_ok += eof && epipe;
	expect(ok, "pipe holder died of SIGSEGV", round);
	expect(eof, "reader saw EOF", round);
	expect(epipe, "writer got EPIPE", round);
}

/*
 * A child that takes something (`take`: 0 on success) and dies holding it, and another child
 * that waits for it (`wait_for`: 0 when it got it the way it should).
 */
static void contested(int round, const char *what, int (*take)(void), int (*wait_for)(void))
{
	int ready[2];
	if (pipe(ready)) {
		expect(0, "pipe", round);
		return;
	}
	pid_t holder = fork();
	if (holder == 0) {
		if (take())
			_exit(2);
		write(ready[1], "x", 1);
		usleep(2000); /* let the waiter block */
		crash();
	}
	char c;
	close(ready[1]); /* a holder that fails before it is ready gives EOF, not a hang */
	read(ready[0], &c, 1);
	close(ready[0]);
	pid_t waiter = fork();
	if (waiter == 0)
		_exit(wait_for()); /* blocks until the holder is gone */
	int ok = died_of_segv(holder), st = -1;
	waitpid(waiter, &st, 0);
	int got = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	segv_deaths += ok;
	waiter_ok += got;
	char msg[80];
	snprintf(msg, sizeof msg, "%s holder died of SIGSEGV", what);
	expect(ok, msg, round);
	snprintf(msg, sizeof msg, "%s waiter got it", what);
	expect(got, msg, round);
}

/* An exclusive flock. */
static int flock_take(void)
{
	int fd = open("/tmp/panics.lock", O_RDWR | O_CREAT, 0644);
	return fd < 0 || flock(fd, LOCK_EX);
}

static int flock_wait(void)
{
	int fd = open("/tmp/panics.lock", O_RDWR);
	return !(fd >= 0 && flock(fd, LOCK_EX) == 0);
}

/* A robust process-shared mutex: the waiter gets EOWNERDEAD and repairs it. */
static pthread_mutex_t *mutex;

static int mutex_take(void)
{
	return pthread_mutex_lock(mutex) != 0;
}

static int mutex_wait(void)
{
	if (pthread_mutex_lock(mutex) != EOWNERDEAD)
		return 1;
	pthread_mutex_consistent(mutex);
	pthread_mutex_unlock(mutex);
	return 0;
}

static void round_of(int i)
{
	switch (i % 4) {
	case 0: plain(i); break;
	case 1: pipes(i); break;
	case 2: contested(i, "flock", flock_take, flock_wait); break;
	case 3: contested(i, "robust mutex", mutex_take, mutex_wait); break;
	}
}

int main(int argc, char **argv)
{
	test_init();
	int rounds = argc > 1 ? atoi(argv[1]) : 400;
	signal(SIGPIPE, SIG_IGN);
	mutex = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(mutex, &a);

	/* Is the fault armed? A child that survives getcpu says no. */
	pid_t probe = fork();
	if (probe == 0)
		crash();
	if (!died_of_segv(probe)) {
		printf("getcpu did not panic: boot with panic_on=getcpu (make run FAULT=getcpu)\n");
		return 1;
	}
	section("warm-up");
	for (int i = 0; i < 40; i++)
		round_of(i);
	long before = mem_free();
	printf("warm-up: %d children died of SIGSEGV, %d waiters woke, %d failures\n", segv_deaths, waiter_ok,
	       failures);
	section("rounds");
	segv_deaths = waiter_ok = failures = 0;
	for (int i = 0; i < rounds; i++)
		round_of(i);
	long after = mem_free();
	printf("%d rounds: %d children died of SIGSEGV, %d waiters woke, %d failures\n", rounds, segv_deaths, waiter_ok,
	       failures);
	check("every holder died of SIGSEGV", segv_deaths == rounds);
	check("every waiter woke (EOF and EPIPE, flock, EOWNERDEAD)", waiter_ok == rounds / 4 * 3);
	/* Within 64 KiB: the kernel heap may keep a few pages it grew into. */
	long diff = before > after ? before - after : after - before;
	check("free memory came back", before > 0 && diff <= 64);
	if (diff > 64)
		printf("MemFree before %ld kB, after %ld kB\n", before, after);
	check("init is still here", getpid() == 1);
	return failures != 0;
}
