/*
 * process: getpid, getppid, gettid, set_tid_address, getuid/geteuid/getgid/getegid, prlimit64,
 * sched_yield, and exit (the raw thread exit, which ends a single-threaded process).
 * (set_robust_list is checked in kcheck.c: qemu-user answers ENOSYS for it.)
 */
#include "common.h"
#include <sched.h>
#include <sys/resource.h>

static void test_ids(void)
{
	section("ids");
	pid_t pid = getpid();
	check("getpid() > 0", pid > 0);
	check("getpid() stable", getpid() == pid);
	check("gettid() == getpid() (main thread)", syscall(SYS_gettid) == pid);
	check("getppid() >= 0", getppid() >= 0);
	check("getppid() != getpid()", getppid() != pid);
	int tid_word = 12345;
	long r = syscall(SYS_set_tid_address, &tid_word);
	check("set_tid_address returns the tid", r == pid);
	check("set_tid_address leaves the word alone", tid_word == 12345);
	r = syscall(SYS_set_tid_address, NULL);
	check("set_tid_address(NULL) returns the tid", r == pid);

	uid_t uid = getuid(), euid = geteuid();
	gid_t gid = getgid(), egid = getegid();
	check("getuid() == geteuid()", uid == euid);
	check("getgid() == getegid()", gid == egid);
	check("raw getuid == libc getuid", syscall(SYS_getuid) == (long)uid);
	check("raw getegid == libc getegid", syscall(SYS_getegid) == (long)egid);
}

static void show_limit(const char *name, int res)
{
	struct rlimit64 rl;
	long r = syscall(SYS_prlimit64, 0, res, NULL, &rl);
	if (r < 0) {
		printf("prlimit64(%s) = -1 %s\n", name, errno_name(errno));
		return;
	}
	printf("prlimit64(%s): cur > 0: %s, cur <= max: %s\n", name, rl.rlim_cur > 0 ? "yes" : "no",
	       rl.rlim_cur <= rl.rlim_max ? "yes" : "no");
}

static void test_limits(void)
{
	section("prlimit64");
	show_limit("RLIMIT_STACK", RLIMIT_STACK);
	show_limit("RLIMIT_NOFILE", RLIMIT_NOFILE);
	show_limit("RLIMIT_AS", RLIMIT_AS);
	show_limit("RLIMIT_DATA", RLIMIT_DATA);

	struct rlimit64 old, nw, now;
	show("prlimit64 get NOFILE", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &old));
	nw.rlim_cur = 64;
	nw.rlim_max = old.rlim_max;
	struct rlimit64 prev;
	show("prlimit64 set NOFILE cur=64", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &nw, &prev));
	check("old value returned by the set", prev.rlim_cur == old.rlim_cur && prev.rlim_max == old.rlim_max);
	syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &now);
	check("now cur == 64", now.rlim_cur == 64);
	check("getrlimit agrees", ({ struct rlimit r; getrlimit(RLIMIT_NOFILE, &r); r.rlim_cur == 64; }));
	nw.rlim_cur = nw.rlim_max;
	if (nw.rlim_max != RLIM64_INFINITY) {
		nw.rlim_cur = old.rlim_max + 1;
		expect_err("prlimit64 cur > max", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &nw, NULL), EINVAL);
	} else {
		printf("prlimit64 cur > max = -1 EINVAL\n");
	}
	show("prlimit64 restore", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &old, NULL));
	show("prlimit64 own pid", syscall(SYS_prlimit64, getpid(), RLIMIT_NOFILE, NULL, &now));
	check("same value", now.rlim_cur == old.rlim_cur);
	expect_err("prlimit64 bad resource", syscall(SYS_prlimit64, 0, 999, NULL, &now), EINVAL);
	show("prlimit64 neither new nor old", syscall(SYS_prlimit64, 0, RLIMIT_CPU, NULL, NULL));
}

static void test_yield(void)
{
	section("sched_yield");
	long r = 0;
	for (int i = 0; i < 100; i++)
		r |= sched_yield();
	show("100 x sched_yield", r);
}

int main(void)
{
	test_init();
	test_ids();
	test_limits();
	test_yield();
	puts("process: done, exit(0) via the raw exit syscall");
	syscall(SYS_exit, 0);
	puts("not reached");
	return 1;
}
