/*
 * execve: running programs. argv/envp/AT_EXECFN as the new program sees them, the pid kept,
 * `#!` scripts (with and without their one optional argument, and nested), close-on-exec
 * descriptors, signal dispositions/mask/pending signals across execve, errors, execve from a
 * multithreaded process, vfork + execve. Also sa_mask during a handler (qemu-user gets that
 * one wrong).
 *
 * Kernel-only (mode expect): qemu-user cannot execve riscv64 programs without binfmt_misc.
 * user/expected/execve.out was made by running this program on Linux through qemu-user with a
 * private binfmt_misc registration, chrooted into the test root file system:
 *   unshare -Urm sh -c 'mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc &&
 *     cat /usr/lib/binfmt.d/qemu-riscv64.conf > /proc/sys/fs/binfmt_misc/register &&
 *     exec chroot $BUILD/rootfs /bin/execve'
 * Paths are absolute inside the root file system (/bin/execve, /tmp/...).
 */
#include "common.h"
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define SELF "/bin/execve"
extern char **environ;

static void reap(const char *what, pid_t pid)
{
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		printf("%s: waitpid %s\n", what, errno_name(errno));
	else if (WIFEXITED(st))
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", what, WTERMSIG(st));
}

/* The modes the program runs in after an execve (chosen by an argument starting with "@"). */
static int child_mode(int argc, char **argv)
{
	const char *mode = NULL;
	char **rest = NULL;
	if (argc == 1)
		return -1; /* the test itself */
	for (int i = 0; i < argc && !mode; i++)
		if (argv[i][0] == '@') {
			mode = argv[i];
			rest = argv + i + 1;
		}
	if (!mode) {
		printf("  no mode in the arguments\n");
		return 1;
	}
	if (!strncmp(mode, "@show", 5)) {
		printf("  argc %d:", argc);
		for (int i = 0; i < argc; i++)
			printf(" [%s]", argv[i]);
		printf("\n  env:");
		for (char **e = environ; *e; e++)
			printf(" [%s]", *e);
		printf("\n  AT_EXECFN %s\n", (const char *)getauxval(AT_EXECFN));
		return 0;
	}
	if (!strncmp(mode, "@pid", 4)) {
		printf("  same pid after execve: %s\n", atoi(rest[0]) == getpid() ? "yes" : "no");
		printf("  single thread: %s\n", syscall(SYS_gettid) == getpid() ? "yes" : "no");
		return 0;
	}
	if (!strncmp(mode, "@fds", 4)) {
		int a = atoi(rest[0]), b = atoi(rest[1]);
		printf("  close-on-exec fd: ");
		fflush(stdout);
		expect_err("fcntl(F_GETFD)", fcntl(a, F_GETFD), EBADF);
		printf("  plain fd still open: %s\n", fcntl(b, F_GETFD) == 0 ? "yes" : "no");
		return 0;
	}
	if (!strncmp(mode, "@signals", 8)) {
		struct sigaction sa;
		sigaction(SIGUSR1, NULL, &sa);
		printf("  handled SIGUSR1 is SIG_DFL now: %s (flags %#lx)\n", sa.sa_handler == SIG_DFL ? "yes" : "no",
		       (unsigned long)sa.sa_flags);
		sigaction(SIGUSR2, NULL, &sa);
		printf("  ignored SIGUSR2 stays ignored: %s\n", sa.sa_handler == SIG_IGN ? "yes" : "no");
		sigset_t set;
		sigprocmask(SIG_BLOCK, NULL, &set);
		printf("  SIGINT still blocked: %s\n", sigismember(&set, SIGINT) ? "yes" : "no");
		sigpending(&set);
		printf("  SIGINT still pending: %s\n", sigismember(&set, SIGINT) ? "yes" : "no");
		stack_t ss;
		sigaltstack(NULL, &ss);
		printf("  alternate stack dropped: %s\n", ss.ss_flags == SS_DISABLE ? "yes" : "no");
		return 0;
	}
	printf("  unknown mode %s\n", mode);
	return 1;
}

/* fork, execve in the child, wait. */
static void run(const char *what, const char *path, char *const argv[], char *const envp[])
{
	printf("%s:\n", what);
	pid_t pid = fork();
	if (pid == 0) {
		execve(path, argv, envp);
		printf("  execve = -1 %s\n", errno_name(errno));
		_exit(127);
	}
	reap("  child", pid);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	write(fd, text, strlen(text));
	close(fd);
	chmod(path, mode);
}

static void *forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static volatile int usr2_blocked;
static void mask_probe(int sig)
{
	(void)sig;
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	usr2_blocked = sigismember(&cur, SIGUSR2);
}

static void noop(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	int m = child_mode(argc, argv);
	if (m >= 0)
		return m;
	test_init();
	char *env[] = { "ONE=1", "TWO=two words", NULL };

	section("arguments and environment");
	char *a1[] = { "first", "@show", "with space", "", NULL };
	run("execve " SELF, SELF, a1, env);
	char *a2[] = { "x", "@show", NULL };
	char *noenv[] = { NULL };
	run("empty environment", SELF, a2, noenv);
	char pidbuf[16];
	pid_t pid = fork();
	if (pid == 0) {
		snprintf(pidbuf, sizeof pidbuf, "%d", getpid());
		char *a[] = { SELF, "@pid", pidbuf, NULL };
		execve(SELF, a, env);
		_exit(127);
	}
	reap("  pid check", pid);

	section("scripts");
	mkdir("tmp", 0777);
	write_file("tmp/with-arg.sh", "#!" SELF "   @show  one arg  \necho not shell\n", 0755);
	write_file("tmp/no-arg.sh", "#!" SELF "\n", 0755);
	write_file("tmp/nested.sh", "#! /tmp/with-arg.sh nested-arg\n", 0755);
	write_file("tmp/missing.sh", "#!/tmp/no-such-interpreter\n", 0755);
	write_file("tmp/data.bin", "not a program at all", 0755);
	write_file("tmp/noexec.sh", "#!" SELF " @show\n", 0644);
	char *s1[] = { "with-arg.sh", "x", "y", NULL };
	run("#! with an argument", "/tmp/with-arg.sh", s1, env);
	char *s2[] = { "no-arg.sh", "@show", NULL };
	run("#! without an argument", "/tmp/no-arg.sh", s2, env);
	char *s3[] = { "nested.sh", "z", NULL };
	run("a script as interpreter", "/tmp/nested.sh", s3, env);

	section("errors");
	char *e[] = { "x", NULL };
	run("a missing file", "/tmp/no-such-file", e, env);
	run("no execute permission", "/tmp/noexec.sh", e, env);
	run("a directory", "/tmp", e, env);
	run("not an executable format", "/tmp/data.bin", e, env);
	run("a missing interpreter", "/tmp/missing.sh", e, env);
	printf("bad argv pointer:\n");
	pid = fork();
	if (pid == 0) {
		char *bad[] = { "x", (char *)8, NULL };
		expect_err("  execve", execve(SELF, bad, env), EFAULT);
		expect_err("  execve(NULL path)", syscall(SYS_execve, NULL, e, env), EFAULT);
		_exit(0);
	}
	reap("  child", pid);

	section("descriptors");
	int cloexec = open("etc/motd", O_RDONLY | O_CLOEXEC);
	int plain = open("etc/motd", O_RDONLY);
	char fa[16], fb[16];
	snprintf(fa, sizeof fa, "%d", cloexec);
	snprintf(fb, sizeof fb, "%d", plain);
	char *d[] = { SELF, "@fds", fa, fb, NULL };
	run("O_CLOEXEC", SELF, d, env);
	fcntl(plain, F_SETFD, FD_CLOEXEC);
	snprintf(fa, sizeof fa, "%d", plain);
	snprintf(fb, sizeof fb, "%d", 1);
	run("FD_CLOEXEC set by fcntl", SELF, d, env);

	section("signals across execve");
	pid = fork();
	if (pid == 0) {
		signal(SIGUSR1, noop);
		signal(SIGUSR2, SIG_IGN);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigprocmask(SIG_BLOCK, &set, NULL);
		raise(SIGINT);
		stack_t ss = { .ss_sp = malloc(65536), .ss_size = 65536, .ss_flags = 0 };
		sigaltstack(&ss, NULL);
		char *s[] = { SELF, "@signals", NULL };
		execve(SELF, s, env);
		_exit(127);
	}
	reap("  child", pid);

	section("execve with other threads");
	pid = fork();
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, forever, NULL);
		pthread_create(&t, NULL, forever, NULL);
		snprintf(pidbuf, sizeof pidbuf, "%d", getpid());
		char *a[] = { SELF, "@pid", pidbuf, NULL };
		execve(SELF, a, env);
		_exit(127);
	}
	reap("  child", pid);

	section("vfork and execve");
	pid = vfork();
	if (pid == 0) {
		char *a[] = { "vforked", "@show", NULL };
		execve(SELF, a, env);
		_exit(127);
	}
	reap("  child", pid);
	printf("the parent resumed after the child's execve: %s\n", pid > 0 ? "yes" : "no");

	section("sa_mask in a handler");
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = mask_probe;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("SIGUSR2 from sa_mask blocked in the handler: %s\n", usr2_blocked ? "yes" : "no");

	unlink("tmp/with-arg.sh");
	unlink("tmp/no-arg.sh");
	unlink("tmp/nested.sh");
	unlink("tmp/missing.sh");
	unlink("tmp/data.bin");
	unlink("tmp/noexec.sh");
	puts("done");
	return 0;
}
