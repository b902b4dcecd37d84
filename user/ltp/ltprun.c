/*
 * ltprun: runs LTP entries one after another as init, in the guest (scripts/ltp.sh boots it,
 * on BakaEx and on the Linux reference alike).
 *
 *   ltprun LIST [DEVICE MOUNTPOINT]
 *
 * LIST holds one entry per line, "tag command [args...]" as in LTP's runtest files. With DEVICE,
 * the ext4 volume holding LTP (its testcases/bin) is mounted read-only at MOUNTPOINT first.
 * Each entry runs in a process group of its own, with LTP's environment (LTPROOT, TMPDIR=/tmp,
 * PATH with testcases/bin first) added to ltprun's own (scripts/ltp.sh gives it LTP_DEV, the
 * spare disk), under a timeout (LTP_TIMEOUT seconds, default 60): then the
 * whole group is killed. Orphans left behind are killed and reaped too, and mounts left under
 * /tmp are detached. Before the first entry it mounts what LTP expects (devtmpfs, proc, sysfs,
 * tmpfs on /tmp and /dev/shm) and brings the loopback interface up if it is down (Linux). Lines
 * the host reads:
 *
 *   ltprun: start <tag>
 *   ltprun: result <tag> exit <status> | signal <n> | timeout
 *   ltprun: noexec <tag> <why>        (before its result: exit 127)
 *   ltprun: done <n> entries
 *
 * A kernel that dies in an entry leaves "start" without "result": the host knows which one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 32

static char *ltproot = "/opt/ltp";

/* The standard mounts LTP needs under /dev (after a new devtmpfs on it). */
static void mount_dev_shm(void)
{
	mkdir("/dev/shm", 01777);
	mount("tmpfs", "/dev/shm", "tmpfs", 0, NULL);
}

/*
 * The loopback interface up, as LTP's network tests expect: Linux boots with lo down (no network
 * set-up runs before this init); BakaEx has it up already, so there only its flags are read.
 */
static void loopback_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
			printf("ltprun: cannot bring lo up: %s\n", strerror(errno));
	}
	close(s);
}

/*
 * What an entry left behind that would break the next ones. An entry killed at its deadline
 * (or dying) leaves its mounts under /tmp, LTP's temporary directories, in place: they are
 * detached, latest first, so that the next entry finds the spare disk unmounted.
 */
static void clean_up_after(const char *tag)
{
	char paths[32][256];
	int n = 0;
	FILE *m = fopen("/proc/self/mounts", "r");
	char line[1024];
	while (m && n < 32 && fgets(line, sizeof line, m)) {
		char src[256], dir[256];
		if (sscanf(line, "%255s %255s", src, dir) == 2 && strncmp(dir, "/tmp/", 5) == 0)
			snprintf(paths[n++], sizeof paths[0], "%s", dir);
	}
	if (m)
		fclose(m);
	while (n > 0) {
		n--;
		if (umount2(paths[n], MNT_DETACH) == 0)
			printf("ltprun: %s left %s mounted: detached\n", tag, paths[n]);
	}
}

/* Run one entry: its result line. */
static void run(char *tag, char **argv, int timeout)
{
	printf("ltprun: start %s\n", tag);
	pid_t pid = fork();
	if (pid < 0) {
		/* The entry could not start: broken, as LTP counts a test that cannot set up. */
		printf("ltprun: fork for %s: %s\nltprun: result %s exit 2\n", tag, strerror(errno), tag);
		return;
	}
	if (pid == 0) {
		/* The entry starts with no signal blocked (exec keeps the mask). */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		char path[512];
		snprintf(path, sizeof path, "%s/testcases/bin:/bin:/usr/bin:/sbin", ltproot);
		setenv("PATH", path, 1);
		setenv("LTPROOT", ltproot, 1);
		setenv("TMPDIR", "/tmp", 1);
		chdir("/tmp");
		execvp(argv[0], argv);
		printf("ltprun: noexec %s %s\n", tag, strerror(errno));
		fflush(stdout);
		_exit(127);
	}
	setpgid(pid, pid);
	/* Wait for the entry, or its deadline: SIGCHLD and a timer through sigtimedwait. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int status = 0, done = 0;
	while (!done) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			done = 1;
			break;
		}
		/* Orphans of earlier entries (reparented to us) are reaped on the way. */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = timeout - (now.tv_sec - start.tv_sec);
		if (left <= 0)
			break;
		struct timespec wait = { left < 1 ? left : 1, 0 };
		sigtimedwait(&set, NULL, &wait);
	}
	char what[64];
	if (!done) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(what, sizeof what, "timeout");
	} else if (WIFEXITED(status)) {
		snprintf(what, sizeof what, "exit %d", WEXITSTATUS(status));
	} else {
		snprintf(what, sizeof what, "signal %d", WTERMSIG(status));
	}
	/*
	 * Whatever the entry left running goes with it: killed and waited for (up to 10 s), so that
	 * its files are closed before the clean-up after it.
	 */
	for (int i = 0; i < 100 && kill(-pid, SIGKILL) == 0; i++) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		struct timespec pause = { 0, 100 * 1000 * 1000 };
		nanosleep(&pause, NULL);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	printf("ltprun: result %s %s\n", tag, what);
	clean_up_after(tag);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: ltprun LIST [DEVICE MOUNTPOINT]\n");
		return 2;
	}
	/* What LTP needs mounted (already there on BakaEx; Linux's initramfs has nothing). */
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	mkdir("/sys", 0555);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mkdir("/tmp", 01777);
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	mount_dev_shm();
	loopback_up();
	if (argc == 4) {
		ltproot = argv[3];
		/* (after /dev: Linux finds the disk there) */
		/* mkdir -p */
		for (char *p = ltproot + 1; *p; p++)
			if (*p == '/') {
				*p = 0;
				mkdir(ltproot, 0755);
				*p = '/';
			}
		mkdir(ltproot, 0755);
		if (mount(argv[2], ltproot, "ext4", MS_RDONLY, NULL) != 0) {
			printf("ltprun: cannot mount %s on %s: %s\n", argv[2], ltproot, strerror(errno));
			return 1;
		}
	}
	/* SIGCHLD is taken with sigtimedwait: blocked, so that it stays pending. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	const char *t = getenv("LTP_TIMEOUT");
	int timeout = t ? atoi(t) : 60;
	FILE *list = fopen(argv[1], "r");
	if (!list) {
		printf("ltprun: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	char line[1024];
	int n = 0;
	while (fgets(line, sizeof line, list)) {
		char *args[MAX_ARGS + 1];
		int k = 0;
		char *save = NULL;
		for (char *w = strtok_r(line, " \t\n", &save); w && k < MAX_ARGS; w = strtok_r(NULL, " \t\n", &save))
			args[k++] = w;
		if (k < 2 || args[0][0] == '#')
			continue;
		args[k] = NULL;
		run(args[0], args + 1, timeout);
		n++;
	}
	printf("ltprun: done %d entries\n", n);
	sync();
	if (getpid() == 1)
		reboot(RB_POWER_OFF);
	return 0;
}
