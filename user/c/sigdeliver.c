/*
 * sigdeliver: signal delivery. Handlers and their arguments (SA_SIGINFO fields), masks while a
 * handler runs (sa_mask, SA_NODEFER), SA_RESETHAND, registers and FP state restored by
 * sigreturn, a handler changing the interrupted context, SIGSEGV handlers, SA_RESTART against
 * EINTR for a blocking pipe read, nanosleep's remaining time, sigsuspend, sigtimedwait,
 * sigaltstack, kill/tgkill errors, default actions in children, SIGCHLD, SIGPIPE.
 */
#include "common.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>

static volatile int hits, last_sig, depth, max_depth;
static volatile int nested_blocked, self_blocked, other_blocked;
static siginfo_t last_info;

static void count(int sig)
{
	hits++;
	last_sig = sig;
}

static void with_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits++;
	last_sig = sig;
	last_info = *si;
}

static void report_info(const char *what)
{
	printf("%s: signo %d code %d pid is us: %s uid %d\n", what, last_info.si_signo, last_info.si_code,
	       last_info.si_pid == getpid() ? "yes" : "no", (int)last_info.si_uid);
}

static void install(int sig, void (*h)(int), int flags, const sigset_t *mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h;
	sa.sa_flags = flags;
	if (mask)
		sa.sa_mask = *mask;
	sigaction(sig, &sa, NULL);
}

static void install_info(int sig, void (*h)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = h;
	sa.sa_flags = flags | SA_SIGINFO;
	sigaction(sig, &sa, NULL);
}

static int blocked_now(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, sig);
}

static void masks(int sig)
{
	(void)sig;
	self_blocked = blocked_now(SIGUSR1);
	other_blocked = blocked_now(SIGUSR2);
}

static volatile int calls;
static void recurse(int sig)
{
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	if (++calls < 3)
		raise(sig);
	depth--;
}

/* Clobber the caller-saved registers a C handler could leave alone. */
static void clobber(int sig)
{
	(void)sig;
	hits++;
	__asm__ volatile("li t0, -1\n li t1, -1\n li t2, -1\n li t3, -1\n li t4, -1\n li t5, -1\n li t6, -1\n"
			 "li a2, -1\n li a3, -1\n li a4, -1\n li a5, -1\n li a6, -1\n"
			 "fmv.d.x ft0, zero\n fmv.d.x fa1, zero\n fmv.d.x fs0, zero\n"
			 ::: "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a2", "a3", "a4", "a5", "a6", "ft0", "fa1", "fs0");
}

/* Skip the faulting instruction (4 bytes: compressed instructions are off around it). */
static void skip(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	hits++;
	last_sig = sig;
	last_info = *si;
	uc->uc_mcontext.__gregs[REG_PC] += 4;
}

static sigjmp_buf jump;
static void jump_out(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	last_sig = sig;
	last_info = *si;
	siglongjmp(jump, 1);
}

static char *alt_base;
static size_t alt_size;
static volatile int on_alt, alt_flags;
static void on_altstack(int sig)
{
	(void)sig;
	char local;
	on_alt = &local > alt_base && &local <= alt_base + alt_size;
	stack_t now;
	sigaltstack(NULL, &now);
	alt_flags = now.ss_flags;
}

static void describe(const char *what, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", what, WTERMSIG(st));
	else if (WIFSTOPPED(st))
		printf("%s: stopped by signal %d\n", what, WSTOPSIG(st));
	else if (WIFCONTINUED(st))
		printf("%s: continued\n", what);
}

static void reap(const char *what, pid_t pid)
{
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		printf("%s: waitpid %s\n", what, errno_name(errno));
	else
		describe(what, st);
}

/* A child that sends `sig` to the parent after `ms` milliseconds, then writes `after` (if
 * any) into `fd` another `ms` later. */
static pid_t later(int sig, int ms, int fd, const char *after)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		usleep(ms * 1000);
		kill(parent, sig);
		if (after) {
			usleep(ms * 1000);
			write(fd, after, strlen(after));
		}
		_exit(0);
	}
	return pid;
}

int main(void)
{
	test_init();
	sigset_t set;

	section("handlers");
	install(SIGUSR1, count, 0, NULL);
	show("raise(SIGUSR1)", raise(SIGUSR1));
	printf("hits %d, signal %d\n", hits, last_sig);
	install_info(SIGUSR2, with_info, 0);
	show("kill(getpid(), SIGUSR2)", kill(getpid(), SIGUSR2));
	report_info("kill");
	show("tgkill(SIGUSR2)", syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2));
	report_info("tgkill");
	union sigval v = { .sival_int = 4242 };
	show("sigqueue(SIGUSR2, 4242)", sigqueue(getpid(), SIGUSR2, v));
	report_info("sigqueue");
	printf("sigqueue: value %d (SI_QUEUE %d)\n", last_info.si_value.sival_int, SI_QUEUE);
	show("kill(getpid(), 0)", kill(getpid(), 0));
	expect_err("kill(getpid(), 65)", kill(getpid(), 65), EINVAL);
	expect_err("kill(no process)", kill(999999, SIGUSR1), ESRCH);
	expect_err("tgkill(tid 0)", syscall(SYS_tgkill, getpid(), 0, SIGUSR1), EINVAL);
	expect_err("tgkill(wrong tgid)", syscall(SYS_tgkill, 999999, syscall(SYS_gettid), SIGUSR1), ESRCH);
	expect_err("tkill(no thread)", syscall(SYS_tkill, 999999, SIGUSR1), ESRCH);

	section("masks while a handler runs");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	install(SIGUSR1, masks, 0, &set);
	raise(SIGUSR1);
	/* sa_mask's SIGUSR2 is blocked in the handler on Linux, not under qemu-user: see ksig.c. */
	printf("in the handler: SIGUSR1 blocked %d\n", self_blocked);
	printf("after it: SIGUSR1 blocked %d, SIGUSR2 blocked %d\n", blocked_now(SIGUSR1), blocked_now(SIGUSR2));
	install(SIGUSR1, masks, SA_NODEFER, NULL);
	raise(SIGUSR1);
	printf("SA_NODEFER: SIGUSR1 blocked in the handler %d\n", self_blocked);
	install(SIGUSR1, recurse, SA_NODEFER, NULL);
	raise(SIGUSR1);
	printf("SA_NODEFER recursion depth %d\n", max_depth);
	max_depth = 0;
	calls = 0;
	install(SIGUSR1, recurse, 0, NULL);
	raise(SIGUSR1);
	printf("without it: depth %d, %d calls (each waits until the handler returns)\n", max_depth, calls);
	hits = 0;
	install(SIGUSR1, count, SA_RESETHAND, NULL);
	raise(SIGUSR1);
	struct sigaction old;
	sigaction(SIGUSR1, NULL, &old);
	printf("SA_RESETHAND: hits %d, handler now SIG_DFL %d\n", hits, old.sa_handler == SIG_DFL);

	section("blocked and pending");
	install(SIGUSR1, count, 0, NULL);
	hits = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	raise(SIGUSR1);
	sigset_t pend;
	sigpending(&pend);
	printf("blocked: hits %d, pending %d\n", hits, sigismember(&pend, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("unblocked: hits %d (standard signals queue once)\n", hits);
	install(SIGUSR1, SIG_IGN, 0, NULL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	install(SIGUSR1, count, 0, NULL);
	sigpending(&pend);
	printf("ignored while blocked, then handled: pending %d\n", sigismember(&pend, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	section("sigreturn restores registers");
	install(SIGUSR1, clobber, 0, NULL);
	hits = 0;
	long regs[11];
	double fregs[3];
	long pid = getpid();
	__asm__ volatile(
		"li t0, 0x1001\n li t1, 0x1002\n li t2, 0x1003\n li t3, 0x1004\n li t4, 0x1005\n"
		"li t5, 0x1006\n li t6, 0x1007\n li a2, 0x1008\n li a3, 0x1009\n li a4, 0x100a\n li a5, 0x100b\n"
		"li a6, 0x3ff8000000000000\n fmv.d.x ft0, a6\n fmv.d.x fa1, a6\n fmv.d.x fs0, a6\n"
		"li a6, 0x100c\n"
		"mv a0, %[pid]\n li a1, 10\n li a7, 129\n ecall\n"
		"sd t0, 0(%[r])\n sd t1, 8(%[r])\n sd t2, 16(%[r])\n sd t3, 24(%[r])\n sd t4, 32(%[r])\n"
		"sd t5, 40(%[r])\n sd t6, 48(%[r])\n sd a2, 56(%[r])\n sd a3, 64(%[r])\n sd a4, 72(%[r])\n"
		"sd a6, 80(%[r])\n"
		"fsd ft0, 0(%[f])\n fsd fa1, 8(%[f])\n fsd fs0, 16(%[f])\n"
		:
		: [pid] "r"(pid), [r] "r"(regs), [f] "r"(fregs)
		: "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "ft0",
		  "fa1", "fs0", "memory");
	printf("handler ran %d\n", hits);
	int ok = 1;
	for (int i = 0; i < 10; i++)
		ok &= regs[i] == 0x1001 + i;
	printf("integer registers kept: %s (a6 %#lx)\n", ok ? "yes" : "no", regs[10]);
	printf("FP registers kept: %s\n", fregs[0] == 1.5 && fregs[1] == 1.5 && fregs[2] == 1.5 ? "yes" : "no");

	section("faults");
	install_info(SIGSEGV, skip, 0);
	hits = 0;
	volatile int value = 7;
	__asm__ volatile(".option push\n .option norvc\n lw %0, 0(zero)\n .option pop\n" : "=r"(value) : : "memory");
	printf("NULL read: handler %d, signal %d, code %d (SEGV_MAPERR %d), si_addr NULL %d, value kept %d\n", hits,
	       last_sig, last_info.si_code, SEGV_MAPERR, last_info.si_addr == NULL, value);
	char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	__asm__ volatile(".option push\n .option norvc\n sw zero, 0(%0)\n .option pop\n" : : "r"(page) : "memory");
	printf("read-only write: handler %d, code %d (SEGV_ACCERR %d), si_addr is the page %d\n", hits,
	       last_info.si_code, SEGV_ACCERR, last_info.si_addr == page);
	install_info(SIGSEGV, jump_out, 0);
	if (sigsetjmp(jump, 1) == 0) {
		volatile int *bad = (volatile int *)16;
		__asm__ volatile("" : "+r"(bad));
		*bad = 1;
		puts("not reached");
	} else {
		printf("siglongjmp out of SIGSEGV: addr %p, SIGSEGV blocked after %d\n", last_info.si_addr,
		       blocked_now(SIGSEGV));
	}
	install_info(SIGILL, jump_out, 0);
	if (sigsetjmp(jump, 1) == 0) {
		__asm__ volatile(".word 0");
	} else {
		printf("illegal instruction: signal %d code %d (ILL_ILLOPC %d)\n", last_sig, last_info.si_code,
		       ILL_ILLOPC);
	}

	section("SA_RESTART and EINTR");
	int p[2];
	pipe(p);
	char buf[8];
	install(SIGUSR1, count, 0, NULL);
	hits = 0;
	pid_t kid = later(SIGUSR1, 100, -1, NULL);
	expect_err("read interrupted without SA_RESTART", read(p[0], buf, sizeof buf), EINTR);
	printf("handler ran %d\n", hits);
	reap("sender", kid);
	install(SIGUSR1, count, SA_RESTART, NULL);
	kid = later(SIGUSR1, 100, p[1], "after");
	show("read with SA_RESTART", read(p[0], buf, sizeof buf));
	printf("handler ran %d\n", hits);
	reap("sender", kid);
	kid = later(SIGUSR1, 100, -1, NULL);
	struct timespec req = { 5, 0 }, rem = { 0, 0 };
	expect_err("nanosleep(5 s), even with SA_RESTART", nanosleep(&req, &rem), EINTR);
	printf("time left between 4 and 5 s: %s\n", rem.tv_sec == 4 ? "yes" : "no");
	reap("sender", kid);

	section("alarm");
	install(SIGALRM, count, 0, NULL);
	hits = 0;
	show("alarm(1)", alarm(1));
	show("alarm(1) again returns the second left", alarm(1));
	expect_err("pause", pause(), EINTR);
	printf("SIGALRM handler ran %d, signal %d\n", hits, last_sig);
	show("alarm(0) after it fired", alarm(0));
	struct itimerval itv = { { 0, 0 }, { 3, 0 } }, oitv;
	setitimer(ITIMER_REAL, &itv, NULL);
	memset(&itv, 0, sizeof itv);
	show("setitimer(0) disarms", setitimer(ITIMER_REAL, &itv, &oitv));
	printf("it had between 2 and 3 s left: %s\n", oitv.it_value.tv_sec == 2 || (oitv.it_value.tv_sec == 3 && oitv.it_value.tv_usec == 0) ? "yes" : "no");

	section("sigsuspend");
	install(SIGUSR2, count, 0, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	hits = 0;
	kid = later(SIGUSR2, 50, -1, NULL);
	sigset_t empty;
	sigemptyset(&empty);
	expect_err("sigsuspend", sigsuspend(&empty), EINTR);
	printf("handler ran %d, SIGUSR2 blocked again %d\n", hits, blocked_now(SIGUSR2));
	reap("sender", kid);

	section("sigtimedwait");
	raise(SIGUSR2);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	show("sigwaitinfo", sigwaitinfo(&set, &si));
	printf("si_signo %d si_code %d, handler ran %d\n", si.si_signo, si.si_code, hits);
	struct timespec ts = { 0, 20000000 };
	expect_err("sigtimedwait with nothing pending", sigtimedwait(&set, &si, &ts), EAGAIN);
	kid = later(SIGUSR2, 50, -1, NULL);
	show("sigtimedwait for a signal sent later", sigtimedwait(&set, &si, NULL));
	reap("sender", kid);
	ts.tv_nsec = 2000000000;
	expect_err("sigtimedwait with a bad timeout", sigtimedwait(&set, &si, &ts), EINVAL);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	section("sigaltstack");
	stack_t ss, oss;
	show("sigaltstack(NULL, &old)", sigaltstack(NULL, &oss));
	printf("disabled at first: %d\n", oss.ss_flags == SS_DISABLE);
	alt_size = 64 * 1024;
	alt_base = malloc(alt_size);
	ss.ss_sp = alt_base;
	ss.ss_size = alt_size;
	ss.ss_flags = 0;
	show("sigaltstack(set)", sigaltstack(&ss, NULL));
	install(SIGUSR1, on_altstack, SA_ONSTACK, NULL);
	raise(SIGUSR1);
	printf("handler on the alternate stack %d, ss_flags there SS_ONSTACK %d\n", on_alt, alt_flags == SS_ONSTACK);
	install(SIGUSR1, on_altstack, 0, NULL);
	raise(SIGUSR1);
	printf("without SA_ONSTACK: on it %d\n", on_alt);
	sigaltstack(NULL, &oss);
	printf("outside a handler: flags %d, size matches %d\n", oss.ss_flags, oss.ss_size == alt_size);
	ss.ss_size = 1024;
	expect_err("sigaltstack with a small stack", sigaltstack(&ss, NULL), ENOMEM);
	ss.ss_flags = 99;
	ss.ss_size = alt_size;
	expect_err("sigaltstack with bad flags", sigaltstack(&ss, NULL), EINVAL);
	ss.ss_flags = SS_DISABLE;
	show("sigaltstack(SS_DISABLE)", sigaltstack(&ss, NULL));

	section("default actions");
	pid_t c = fork();
	if (c == 0) {
		raise(SIGCHLD);
		raise(SIGURG);
		raise(SIGWINCH);
		raise(SIGCONT);
		_exit(0);
	}
	reap("SIGCHLD, SIGURG, SIGWINCH, SIGCONT are ignored", c);
	c = fork();
	if (c == 0) {
		raise(SIGINT);
		_exit(0);
	}
	reap("SIGINT", c);
	c = fork();
	if (c == 0) {
		signal(SIGTERM, SIG_IGN);
		raise(SIGTERM);
		_exit(1);
	}
	reap("SIG_IGN for SIGTERM", c);
	c = fork();
	if (c == 0) {
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		raise(SIGTERM);
		write(1, "blocked SIGTERM is pending\n", 27);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		_exit(2);
	}
	reap("then unblocked", c);
	int hold[2];
	pipe(hold);
	c = fork();
	if (c == 0) {
		close(hold[1]);
		raise(SIGSTOP);
		read(hold[0], buf, 1); /* stay until the parent has seen the continue */
		_exit(3);
	}
	close(hold[0]);
	int st;
	waitpid(c, &st, WUNTRACED);
	describe("SIGSTOP", st);
	kill(c, SIGCONT);
	waitpid(c, &st, WCONTINUED);
	describe("SIGCONT", st);
	close(hold[1]);
	reap("after SIGCONT", c);

	section("SIGCHLD");
	install_info(SIGCHLD, with_info, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	c = fork();
	if (c == 0)
		_exit(9);
	hits = 0;
	sigsuspend(&empty);
	printf("SIGCHLD: handler %d, code %d (CLD_EXITED %d), status %d, pid is the child %d\n", hits,
	       last_info.si_code, CLD_EXITED, last_info.si_status, last_info.si_pid == c);
	reap("child", c);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGCHLD, SIG_DFL);

	section("SIGPIPE");
	int q[2];
	pipe(q);
	close(q[0]);
	signal(SIGPIPE, SIG_IGN);
	expect_err("write to a pipe without readers, SIGPIPE ignored", write(q[1], "x", 1), EPIPE);
	signal(SIGPIPE, SIG_DFL);
	c = fork();
	if (c == 0) {
		write(q[1], "x", 1);
		_exit(0);
	}
	reap("the same with SIGPIPE's default", c);
	puts("done");
	return 0;
}
