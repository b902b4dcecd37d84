/*
 * time: clock_gettime, clock_getres, clock_nanosleep, nanosleep, gettimeofday, times.
 * Only properties of times are printed ("elapsed >= 10ms: yes"), never the times themselves.
 */
#include "common.h"
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

static long long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static long long mono_ns(void)
{
	struct timespec t;
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
	return ns(&t);
}

static void test_clocks(void)
{
	section("clock_gettime/clock_getres");
	static const struct { int id; const char *name; } clocks[] = {
		{ CLOCK_REALTIME, "CLOCK_REALTIME" },
		{ CLOCK_MONOTONIC, "CLOCK_MONOTONIC" },
		{ CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID" },
		{ CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID" },
		{ CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW" },
		{ CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE" },
		{ CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE" },
		{ CLOCK_BOOTTIME, "CLOCK_BOOTTIME" },
	};
	for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
		struct timespec t, r;
		long a = syscall(SYS_clock_gettime, clocks[i].id, &t);
		long b = syscall(SYS_clock_getres, clocks[i].id, &r);
		printf("%s: gettime %s, nsec in range: %s, getres %s, res in (0, 10ms]: %s\n",
		       clocks[i].name, a == 0 ? "ok" : errno_name(errno),
		       a == 0 && t.tv_nsec >= 0 && t.tv_nsec < 1000000000 ? "yes" : "no",
		       b == 0 ? "ok" : errno_name(errno),
		       b == 0 && r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 10000000 ? "yes" : "no");
	}
	struct timespec t;
	expect_err("clock_gettime(invalid id 1000)", syscall(SYS_clock_gettime, 1000, &t), EINVAL);
	expect_err("clock_getres(invalid id 1000)", syscall(SYS_clock_getres, 1000, &t), EINVAL);
	show("clock_getres(CLOCK_MONOTONIC, NULL)", syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL));

	long long prev = mono_ns();
	int monotonic = 1;
	for (int i = 0; i < 1000; i++) {
		long long now = mono_ns();
		monotonic &= now >= prev;
		prev = now;
	}
	check("CLOCK_MONOTONIC never goes back (1000 reads)", monotonic);
	check("CLOCK_MONOTONIC > 0", prev > 0);

	struct timespec rt;
	struct timeval tv;
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &rt);
	show("gettimeofday", gettimeofday(&tv, NULL));
	check("gettimeofday usec in range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	long long diff = (tv.tv_sec * 1000000LL + tv.tv_usec) - ns(&rt) / 1000;
	check("gettimeofday agrees with CLOCK_REALTIME within 1 s", diff >= 0 && diff < 1000000);
	struct timezone tz;
	show("gettimeofday with a timezone", gettimeofday(&tv, &tz));
	show("gettimeofday(NULL, NULL)", syscall(SYS_gettimeofday, NULL, NULL));
}

static void test_sleep(void)
{
	section("sleeping");
	long long t0 = mono_ns();
	struct timespec req = { 0, 10 * 1000000 }, rem = { 99, 99 };
	show("nanosleep 10ms", syscall(SYS_nanosleep, &req, &rem));
	long long t1 = mono_ns();
	check("elapsed >= 10ms", t1 - t0 >= 10000000);
	check("elapsed < 5s", t1 - t0 < 5000000000LL);

	req.tv_nsec = 20 * 1000000;
	show("clock_nanosleep MONOTONIC relative 20ms", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, NULL));
	long long t2 = mono_ns();
	check("elapsed >= 20ms", t2 - t1 >= 20000000);

	struct timespec abs;
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 15 * 1000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_nsec -= 1000000000;
		abs.tv_sec++;
	}
	show("clock_nanosleep MONOTONIC TIMER_ABSTIME now+15ms", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
	check("now >= the deadline", mono_ns() >= ns(&abs));
	abs.tv_sec = 0;	/* 1 ns after boot: always in the past (and a valid timespec) */
	abs.tv_nsec = 1;
	long long t3 = mono_ns();
	show("clock_nanosleep TIMER_ABSTIME in the past", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
	check("returns at once (< 1s)", mono_ns() - t3 < 1000000000LL);

	syscall(SYS_clock_gettime, CLOCK_REALTIME, &abs);
	abs.tv_nsec += 5 * 1000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_nsec -= 1000000000;
		abs.tv_sec++;
	}
	show("clock_nanosleep REALTIME TIMER_ABSTIME now+5ms", syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL));

	req.tv_sec = 0;
	req.tv_nsec = 0;
	show("nanosleep 0", syscall(SYS_nanosleep, &req, NULL));
	req.tv_nsec = 1000000000;
	expect_err("nanosleep tv_nsec = 1e9", syscall(SYS_nanosleep, &req, NULL), EINVAL);
	req.tv_sec = -1;
	req.tv_nsec = 0;
	expect_err("nanosleep tv_sec = -1", syscall(SYS_nanosleep, &req, NULL), EINVAL);
	req.tv_sec = 0;
	req.tv_nsec = 1000;
	expect_err("clock_nanosleep bad clock", syscall(SYS_clock_nanosleep, 1000, 0, &req, NULL), EINVAL);
	/* (glibc's usleep and sleep go through clock_nanosleep too) */
	t0 = mono_ns();
	show("usleep(3000)", usleep(3000));
	check("usleep elapsed >= 3ms", mono_ns() - t0 >= 3000000);
}

static void test_times(void)
{
	section("times");
	struct tms a, b;
	struct timespec cpu0, cpu1;
	syscall(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &cpu0);
	clock_t c0 = times(&a);
	check("times() != -1", c0 != (clock_t)-1);
	check("tms fields >= 0", a.tms_utime >= 0 && a.tms_stime >= 0 && a.tms_cutime == 0 && a.tms_cstime == 0);
	/* busy for 150 ms of monotonic time: some user+system time must be charged */
	long long until = mono_ns() + 150000000;
	volatile unsigned long x = 0;
	while (mono_ns() < until)
		for (int i = 0; i < 1000; i++)
			x += i;
	struct timespec req = { 0, 30 * 1000000 };
	syscall(SYS_nanosleep, &req, NULL);
	clock_t c1 = times(&b);
	check("times() advanced by >= 3 ticks (180ms at 100Hz)", c1 - c0 >= 3);
	check("utime + stime grew", b.tms_utime + b.tms_stime > a.tms_utime + a.tms_stime);
	check("children's times still 0", b.tms_cutime == 0 && b.tms_cstime == 0);
	show("sysconf(_SC_CLK_TCK)", sysconf(_SC_CLK_TCK));
	check("times(NULL) works", syscall(SYS_times, NULL) != -1);
	syscall(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &cpu1);
	check("CLOCK_PROCESS_CPUTIME_ID grew during the busy loop", ns(&cpu1) > ns(&cpu0));
}

int main(void)
{
	test_init();
	test_clocks();
	test_sleep();
	test_times();
	puts("time: done");
	return 0;
}
