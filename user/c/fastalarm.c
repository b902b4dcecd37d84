/*
 * An interval timer faster than the machine can fire it (found by the kernel fuzzer: a 1 us
 * ITIMER_REAL kept the kernel busy firing it and nothing else ran). The program must go on,
 * get its alarms, and end. An expect test: under qemu-user (the Linux reference) this very
 * program livelocks in QEMU's own signal handling.
 */
#include "common.h"
#include <signal.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
	test_init();
	signal(SIGALRM, on_alarm);
	struct itimerval fast = {{0, 1}, {0, 1}}, off = {{0, 0}, {0, 0}};
	show("setitimer(ITIMER_REAL, every 1 us)", setitimer(ITIMER_REAL, &fast, NULL));
	/* Work for 50 ms while the alarms come. */
	long long end = now_ns() + 50000000LL;
	while (now_ns() < end)
		getppid();
	show("setitimer(ITIMER_REAL, off)", setitimer(ITIMER_REAL, &off, NULL));
	check("alarms came and the program went on", alarms > 0);
	/* Ignored, the same: nothing to handle, the kernel still must not drown. */
	signal(SIGALRM, SIG_IGN);
	show("setitimer again, SIGALRM ignored", setitimer(ITIMER_REAL, &fast, NULL));
	end = now_ns() + 20000000LL;
	while (now_ns() < end)
		getppid();
	show("setitimer(ITIMER_REAL, off)", setitimer(ITIMER_REAL, &off, NULL));
	puts("fastalarm: done");
	return 0;
}
