/*
 * signals: rt_sigaction and rt_sigprocmask, which this milestone records without delivering.
 * Raw syscalls with the kernel's 8-byte sigset, so glibc's filtering of its internal signals
 * (32, 33) does not hide what the kernel does.
 */
#include "common.h"
#include <signal.h>

struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	unsigned long mask;	/* riscv64 has no sa_restorer */
};

#define BIT(s) (1UL << ((s) - 1))

static long sigaction_raw(int sig, const struct ksigaction *act, struct ksigaction *old)
{
	return syscall(SYS_rt_sigaction, sig, act, old, 8);
}

static long sigmask_raw(int how, const unsigned long *set, unsigned long *old)
{
	return syscall(SYS_rt_sigprocmask, how, set, old, 8);
}

static void handler(int sig)
{
	(void)sig;
}

static void handler2(int sig)
{
	(void)sig;
}

static void test_sigaction(void)
{
	section("rt_sigaction");
	struct ksigaction old, act, now;
	memset(&old, 0x55, sizeof old);
	show("query SIGUSR1", sigaction_raw(SIGUSR1, NULL, &old));
	check("initially SIG_DFL, no flags, empty mask", old.handler == SIG_DFL && old.flags == 0 && old.mask == 0);

	act.handler = handler;
	act.flags = SA_RESTART | SA_SIGINFO;
	act.mask = BIT(SIGUSR2) | BIT(SIGTERM);
	show("install a handler for SIGUSR1", sigaction_raw(SIGUSR1, &act, NULL));
	memset(&now, 0, sizeof now);
	show("query SIGUSR1", sigaction_raw(SIGUSR1, NULL, &now));
	check("handler recorded", now.handler == handler);
	check("flags recorded", (now.flags & (SA_RESTART | SA_SIGINFO)) == (SA_RESTART | SA_SIGINFO));
	check("mask recorded", now.mask == (BIT(SIGUSR2) | BIT(SIGTERM)));

	act.handler = handler2;
	act.flags = 0;
	act.mask = 0;
	memset(&old, 0, sizeof old);
	show("replace, returning the old one", sigaction_raw(SIGUSR1, &act, &old));
	check("old action was the first handler", old.handler == handler && old.mask == (BIT(SIGUSR2) | BIT(SIGTERM)));
	act.handler = SIG_IGN;
	show("SIG_IGN for SIGPIPE", sigaction_raw(SIGPIPE, &act, NULL));
	sigaction_raw(SIGPIPE, NULL, &now);
	check("SIGPIPE ignored", now.handler == SIG_IGN);
	act.handler = SIG_DFL;
	show("back to SIG_DFL", sigaction_raw(SIGUSR1, &act, NULL));

	/* SIGKILL and SIGSTOP: cannot be caught, but can be queried */
	act.handler = handler;
	expect_err("handler for SIGKILL", sigaction_raw(SIGKILL, &act, NULL), EINVAL);
	expect_err("handler for SIGSTOP", sigaction_raw(SIGSTOP, &act, NULL), EINVAL);
	show("query SIGKILL", sigaction_raw(SIGKILL, NULL, &now));
	expect_err("signal 0", sigaction_raw(0, NULL, &now), EINVAL);
	expect_err("signal 65", sigaction_raw(65, NULL, &now), EINVAL);
	expect_err("sigsetsize 4", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &now, 4), EINVAL);
	expect_err("sigsetsize 16", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &now, 16), EINVAL);
	show("real-time signal 40", sigaction_raw(40, &act, NULL));
	show("neither act nor oldact", sigaction_raw(SIGUSR2, NULL, NULL));

	/* glibc's wrappers */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	show("sigaction(SIGTERM)", sigaction(SIGTERM, &sa, NULL));
	struct sigaction got;
	sigaction(SIGTERM, NULL, &got);
	check("sigaction(SIGTERM) reads back", got.sa_handler == handler && sigismember(&got.sa_mask, SIGINT));
	check("signal() returns the previous handler", signal(SIGTERM, SIG_DFL) == handler);
}

static void test_sigprocmask(void)
{
	section("rt_sigprocmask");
	unsigned long old = 0x5555, set, now;
	show("query", sigmask_raw(SIG_BLOCK, NULL, &old));
	check("initially empty", old == 0);
	set = BIT(SIGUSR1) | BIT(SIGINT);
	show("SIG_BLOCK USR1|INT", sigmask_raw(SIG_BLOCK, &set, NULL));
	sigmask_raw(SIG_BLOCK, NULL, &now);
	check("mask == USR1|INT", now == set);
	set = BIT(SIGUSR2);
	show("SIG_BLOCK USR2, returning the old mask", sigmask_raw(SIG_BLOCK, &set, &old));
	check("old mask == USR1|INT", old == (BIT(SIGUSR1) | BIT(SIGINT)));
	set = BIT(SIGINT);
	show("SIG_UNBLOCK INT", sigmask_raw(SIG_UNBLOCK, &set, NULL));
	sigmask_raw(SIG_BLOCK, NULL, &now);
	check("mask == USR1|USR2", now == (BIT(SIGUSR1) | BIT(SIGUSR2)));
	set = BIT(SIGKILL) | BIT(SIGSTOP) | BIT(SIGTERM);
	show("SIG_SETMASK KILL|STOP|TERM", sigmask_raw(SIG_SETMASK, &set, NULL));
	sigmask_raw(SIG_BLOCK, NULL, &now);
	check("KILL and STOP silently dropped: mask == TERM", now == BIT(SIGTERM));
	set = BIT(40) | BIT(50);
	show("SIG_SETMASK real-time 40|50", sigmask_raw(SIG_SETMASK, &set, NULL));
	sigmask_raw(SIG_BLOCK, NULL, &now);
	check("mask == 40|50", now == (BIT(40) | BIT(50)));
	expect_err("bad how", sigmask_raw(7, &set, NULL), EINVAL);
	expect_err("sigsetsize 4", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL);
	show("bad how with set == NULL is only a query", sigmask_raw(7, NULL, &now));
	set = 0;
	show("SIG_SETMASK empty", sigmask_raw(SIG_SETMASK, &set, NULL));

	/* glibc's wrapper */
	sigset_t s, o;
	sigemptyset(&s);
	sigaddset(&s, SIGHUP);
	show("sigprocmask(SIG_BLOCK, HUP)", sigprocmask(SIG_BLOCK, &s, NULL));
	sigprocmask(SIG_BLOCK, NULL, &o);
	check("sigismember(HUP)", sigismember(&o, SIGHUP) == 1);
	check("not SIGQUIT", sigismember(&o, SIGQUIT) == 0);
}

int main(void)
{
	test_init();
	test_sigaction();
	test_sigprocmask();
	puts("signals: done");
	return 0;
}
