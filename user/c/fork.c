/*
 * fork: processes. fork and exit codes, wait statuses (exited, killed, stopped, continued),
 * waitpid/wait4/waitid and their errors, WNOHANG, copy-on-write and MAP_SHARED memory after
 * fork, vfork, process groups and sessions, kill of a group, many children, and orphans
 * (last: on the kernel this program is init, so orphans become its children).
 *
 * Output order is deterministic: a child prints before it exits and the parent prints only
 * after waiting for it, or the two hand over through a pipe.
 */
#include "common.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

static void describe(const char *what, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by signal %d%s\n", what, WTERMSIG(st), WCOREDUMP(st) ? " (core)" : "");
	else if (WIFSTOPPED(st))
		printf("%s: stopped by signal %d\n", what, WSTOPSIG(st));
	else if (WIFCONTINUED(st))
		printf("%s: continued\n", what);
	else
		printf("%s: status %#x?\n", what, st);
}

/* Wait for `pid` and describe how it ended. */
static void reap(const char *what, pid_t pid)
{
	int st = 0;
	pid_t r = waitpid(pid, &st, 0);
	if (r != pid) {
		printf("%s: waitpid = %d %s\n", what, r, errno_name(errno));
		return;
	}
	describe(what, st);
}

static int global = 1;

int main(void)
{
	test_init();
	pid_t me = getpid();

	section("exit codes");
	int codes[] = { 0, 1, 42, 255, 256 + 7 };
	for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(codes[i]);
		char what[32];
		snprintf(what, sizeof what, "_exit(%d)", codes[i]);
		reap(what, pid);
	}
	pid_t pid = fork();
	if (pid == 0)
		exit(3); /* through exit_group, with stdio flushed */
	reap("exit(3)", pid);

	section("the child's view");
	pid = fork();
	if (pid == 0) {
		check("fork returned 0 in the child", 1);
		check("child getppid() == parent", getppid() == me);
		check("child pid differs", getpid() != me);
		check("child gettid() == getpid()", syscall(SYS_gettid) == getpid());
		_exit(0);
	}
	int sane = pid > 0 && pid != me;
	reap("child", pid);
	check("fork returned the child's pid", sane);

	section("copy-on-write memory");
	char *heap = malloc(64);
	strcpy(heap, "parent heap");
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*shared = 10;
	*priv = 20;
	pid = fork();
	if (pid == 0) {
		global = 2;
		strcpy(heap, "child heap");
		*shared = 11;
		*priv = 21;
		printf("child sees: global %d, heap '%s', shared %d, private %d\n", global, heap, *shared, *priv);
		_exit(0);
	}
	reap("writer", pid);
	printf("parent sees: global %d, heap '%s', shared %d, private %d\n", global, heap, *shared, *priv);
	/* A page written by the parent after fork stays the parent's too. */
	pid = fork();
	if (pid == 0) {
		usleep(20000);
		printf("child after parent's write: global %d\n", global);
		_exit(0);
	}
	global = 3;
	reap("reader", pid);

	section("deaths by signal");
	pid = fork();
	if (pid == 0) {
		kill(getpid(), SIGTERM);
		_exit(99);
	}
	reap("kill(self, SIGTERM)", pid);
	pid = fork();
	if (pid == 0) {
		*(volatile int *)0 = 1;
		_exit(99);
	}
	reap("NULL write", pid);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 0, 0 };
		setrlimit(RLIMIT_CORE, &rl);
		abort();
	}
	reap("abort()", pid);
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(99);
	}
	kill(pid, SIGKILL);
	reap("SIGKILL", pid);

	section("wait errors and WNOHANG");
	int st;
	errno = 0;
	expect_err("waitpid(-1) without children", waitpid(-1, &st, 0), ECHILD);
	expect_err("waitpid(-1, WNOHANG) without children", waitpid(-1, &st, WNOHANG), ECHILD);
	expect_err("waitpid(pid of no child)", waitpid(me, &st, 0), ECHILD);
	expect_err("wait4 with a bad option", syscall(SYS_wait4, -1, &st, 0x100, NULL), EINVAL);
	int p[2];
	pipe(p);
	pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1); /* until the parent closes its end */
		_exit(5);
	}
	close(p[0]);
	show("waitpid(child, WNOHANG) while it runs", waitpid(pid, &st, WNOHANG));
	close(p[1]);
	reap("after closing the pipe", pid);
	pid = fork();
	if (pid == 0)
		_exit(6);
	struct rusage ru;
	check("wait4 returns the child", wait4(pid, &st, 0, &ru) == pid);
	describe("wait4", st);
	expect_err("wait4 on a bad status pointer", syscall(SYS_wait4, -1, (void *)1, 0, NULL), ECHILD);

	section("waitid");
	pid = fork();
	if (pid == 0)
		_exit(17);
	siginfo_t si;
	memset(&si, 0xff, sizeof si);
	show("waitid(P_PID, WEXITED|WNOWAIT)", waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
	printf("si_signo %d si_code %d si_status %d si_pid is the child: %s\n", si.si_signo, si.si_code,
	       si.si_status, si.si_pid == pid ? "yes" : "no");
	show("waitid(P_ALL, WEXITED) reaps", waitid(P_ALL, 0, &si, WEXITED));
	printf("si_code %d si_status %d\n", si.si_code, si.si_status);
	expect_err("waitid again", waitid(P_ALL, 0, &si, WEXITED), ECHILD);
	expect_err("waitid without WEXITED etc.", waitid(P_ALL, 0, &si, WNOHANG), EINVAL);
	expect_err("waitid P_PID 0", waitid(P_PID, 0, &si, WEXITED), EINVAL);
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	memset(&si, 0xff, sizeof si);
	show("waitid(WNOHANG) while it runs", waitid(P_PID, pid, &si, WEXITED | WNOHANG));
	printf("si_pid %d si_signo %d\n", si.si_pid, si.si_signo);
	kill(pid, SIGUSR1);
	memset(&si, 0, sizeof si);
	show("waitid after SIGUSR1", waitid(P_PID, pid, &si, WEXITED));
	printf("si_code %d (CLD_KILLED %d) si_status %d\n", si.si_code, CLD_KILLED, si.si_status);

	section("stop and continue");
	pipe(p);
	pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		raise(SIGSTOP);
		read(p[0], &c, 1); /* until the parent has seen the continue */
		_exit(8);
	}
	close(p[0]);
	check("waitpid(WUNTRACED)", waitpid(pid, &st, WUNTRACED) == pid);
	describe("stopped child", st);
	show("waitpid(WUNTRACED|WNOHANG) again", waitpid(pid, &st, WUNTRACED | WNOHANG));
	kill(pid, SIGCONT);
	check("waitpid(WCONTINUED)", waitpid(pid, &st, WCONTINUED) == pid);
	describe("continued child", st);
	close(p[1]);
	reap("then", pid);
	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	kill(pid, SIGTSTP);
	check("waitpid(WUNTRACED) after SIGTSTP", waitpid(pid, &st, WUNTRACED) == pid);
	describe("SIGTSTP", st);
	kill(pid, SIGKILL);
	reap("killed while stopped", pid);

	section("vfork");
	pid = vfork();
	if (pid == 0)
		_exit(7);
	reap("vfork child", pid);

	section("process groups and sessions");
	check("getpgid(0) == getpgrp()", getpgid(0) == getpgrp());
	int go[2], done[2];
	pipe(go);
	pipe(done);
	pid = fork();
	if (pid == 0) {
		char c;
		show("child setpgid(0, 0)", setpgid(0, 0));
		check("child leads its group", getpgid(0) == getpid());
		expect_err("setsid in a group leader", setsid(), EPERM);
		write(done[1], "x", 1);
		read(go[0], &c, 1);
		_exit(0);
	}
	char c;
	read(done[0], &c, 1);
	check("parent sees the child's group", getpgid(pid) == pid);
	check("the child keeps the parent's session", getsid(pid) == getsid(0));
	expect_err("setpgid into a missing group", setpgid(pid, 999999), EPERM);
	expect_err("setpgid(0, -1)", setpgid(0, -1), EINVAL);
	expect_err("getpgid of no process", getpgid(999999), ESRCH);
	expect_err("getsid of no process", getsid(999999), ESRCH);
	write(go[1], "x", 1);
	reap("group leader child", pid);
	pid = fork();
	if (pid == 0) {
		pid_t s = setsid();
		check("setsid returns the pid", s == getpid());
		check("new session and group", getsid(0) == getpid() && getpgid(0) == getpid());
		_exit(0);
	}
	reap("setsid child", pid);
	/* Two children in a group of their own, both ended by one kill(-pgid). */
	pid_t a = fork();
	if (a == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	setpgid(a, a);
	pid_t b = fork();
	if (b == 0) {
		for (;;)
			pause();
	}
	setpgid(b, a);
	check("both in the group", getpgid(a) == a && getpgid(b) == a);
	show("kill(-pgid, SIGTERM)", kill(-a, SIGTERM));
	reap("group member a", a);
	reap("group member b", b);
	expect_err("kill(-pgid) of an empty group", kill(-a, SIGTERM), ESRCH);

	section("many children");
	pid_t kids[20];
	for (int i = 0; i < 20; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(i);
	}
	int sum = 0, all = 1;
	for (int i = 19; i >= 0; i--) {
		if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st))
			all = 0;
		sum += WEXITSTATUS(st);
	}
	printf("20 children reaped: %s, sum of codes %d\n", all ? "yes" : "no", sum);

	section("orphans");
	pipe(p);
	pid = fork();
	if (pid == 0) {
		pid_t mid = getpid();
		if (fork() == 0) {
			/* Wait until our parent has gone, then report through the pipe. */
			for (int i = 0; i < 200 && getppid() == mid; i++)
				usleep(5000);
			const char *msg = getppid() != mid ? "reparented\n" : "still attached\n";
			write(p[1], msg, strlen(msg));
			_exit(0);
		}
		_exit(0);
	}
	close(p[1]);
	reap("middle process", pid);
	char buf[32] = { 0 };
	read(p[0], buf, sizeof buf - 1);
	printf("orphan: %s", buf);
	puts("done");
	return 0;
}
