/*
 * /init of the initramfs in which scripts/bench.sh runs the benchmarks on Linux: mounts devtmpfs
 * on /dev, proc on /proc and a tmpfs on /tmp (as BakaEx does), runs the command given after `--` on the kernel command line (argv[1]
 * onwards, /bin/bench by default) as a child, then prints the same last line as BakaEx,
 * `init exited with status N` / `init killed by signal S`, and powers the machine off.
 * It also brings the loopback interface up (what a distribution's init does; Linux then gives
 * it 127.0.0.1 by itself), because BakaEx's loopback is always up and the socket rows use it.
 */
#define _GNU_SOURCE
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ifconfig lo up: SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP. */
static void loopback_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0) {
		perror("linux-init: socket");
		return;
	}
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
		perror("linux-init: SIOCGIFFLAGS lo");
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
			perror("linux-init: SIOCSIFFLAGS lo");
	}
	close(s);
}

int main(int argc, char **argv)
{
	static char *dflt[] = { "/bin/bench", NULL };
	char **cmd = argc > 1 ? argv + 1 : dflt;
	char *envp[] = { "HOME=/", "PATH=/bin:/usr/bin", "TERM=linux", NULL };
	unsigned long ticks;
	__asm__ volatile("rdtime %0" : "=r"(ticks));
	setvbuf(stdout, NULL, _IONBF, 0);
	/* From the machine's reset to main() of init, in guest ns (QEMU virt's timer: 10 MHz). */
	printf("boot_to_main_ns %llu\n", (unsigned long long)ticks * 100);
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, "mode=755");
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	mkdir("/tmp", 01777);
	mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777");
	loopback_up();
	printf("linux-init: run %s\n", cmd[0]);
	pid_t pid = fork();
	if (pid == 0) {
		execve(cmd[0], cmd, envp);
		perror("execve");
		_exit(127);
	}
	int status = 0;
	if (pid > 0 && waitpid(pid, &status, 0) == pid) {
		if (WIFSIGNALED(status))
			printf("init killed by signal %d\n", WTERMSIG(status));
		else
			printf("init exited with status %d\n", WEXITSTATUS(status));
	} else {
		perror("fork/waitpid");
	}
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
