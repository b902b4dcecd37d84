/*
 * proc: what /proc shows a program about itself and the system. Kernel-only (mode expect):
 * under qemu-user, /proc is the host's. Run as init, it mounts /proc itself if nothing is
 * mounted there yet, as an init would.
 */
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

static long slurp(const char *path, char *buf, long size)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("open %s = -1 %s\n", path, errno_name(errno));
		return -1;
	}
	long total = 0, n;
	/* Small reads: the offset must carry across calls. */
	while (total < size - 1 && (n = read(fd, buf + total, size - 1 - total < 37 ? size - 1 - total : 37)) > 0)
		total += n;
	buf[total] = 0;
	close(fd);
	return total;
}

/* The value of "Key:" in a status-like text, or NULL. */
static const char *field(const char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, key, klen) && l[klen] == ':') {
			const char *v = l + klen + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t n = strcspn(v, "\n");
			if (n >= size)
				n = size - 1;
			memcpy(out, v, n);
			out[n] = 0;
			return out;
		}
	}
	return NULL;
}

static void mount_proc(void)
{
	section("mount");
	struct statfs sf;
	if (statfs("/proc/self", &sf) != 0 || sf.f_type != 0x9fa0) {
		mkdir("/proc", 0555);
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
			printf("mount proc = -1 %s\n", errno_name(errno));
	}
	check("/proc is a procfs", statfs("/proc", &sf) == 0 && sf.f_type == 0x9fa0);
}

static void self(void)
{
	section("self");
	char buf[4096], want[32];
	long n = readlink("/proc/self", buf, sizeof buf);
	buf[n > 0 ? n : 0] = 0;
	sprintf(want, "%d", getpid());
	check("/proc/self names our pid", strcmp(buf, want) == 0);
	n = readlink("/proc/self/exe", buf, sizeof buf);
	printf("exe: %.*s\n", (int)(n > 0 ? n : 0), buf);
	n = readlink("/proc/self/cwd", buf, sizeof buf);
	printf("cwd: %.*s\n", (int)(n > 0 ? n : 0), buf);
	n = slurp("/proc/self/cmdline", buf, sizeof buf);
	for (long i = 0; i < n; i++)
		if (buf[i] == 0)
			buf[i] = '|';
	printf("cmdline (%ld bytes): %s\n", n, buf);
	n = slurp("/proc/self/comm", buf, sizeof buf);
	printf("comm: %s", buf);
}

static void stat_file(void)
{
	section("stat");
	char buf[4096];
	slurp("/proc/self/stat", buf, sizeof buf);
	char *rp = strrchr(buf, ')');
	char *lp = strchr(buf, '(');
	if (!rp || !lp) {
		printf("no (comm)\n");
		return;
	}
	printf("comm field: %.*s\n", (int)(rp - lp + 1), lp);
	check("starts with our pid", atoi(buf) == getpid());
	int fields = 2;
	for (char *t = strtok(rp + 2, " \n"); t; t = strtok(NULL, " \n")) {
		fields++;
		switch (fields) {
		case 3: printf("state: %s\n", t); break;
		case 4: check("ppid matches getppid", atoi(t) == getppid()); break;
		case 5: check("pgrp matches getpgrp", atoi(t) == getpgrp()); break;
		case 6: check("session matches getsid", atoi(t) == getsid(0)); break;
		case 18: printf("priority: %s\n", t); break;
		case 19: printf("nice: %s\n", t); break;
		case 20: printf("num_threads: %s\n", t); break;
		case 23: check("vsize > 0", strtoul(t, NULL, 10) > 0); break;
		case 24: check("rss > 0", strtol(t, NULL, 10) > 0); break;
		case 25: printf("rsslim: %s\n", t); break;
		case 38: printf("exit_signal: %s\n", t); break;
		}
	}
	printf("fields: %d\n", fields);
}

static void status_file(void)
{
	section("status");
	char buf[4096], v[256];
	slurp("/proc/self/status", buf, sizeof buf);
	const char *keys[] = { "Name", "Umask", "State", "Uid", "Gid", "Threads", "SigBlk" };
	for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++)
		printf("%s: %s\n", keys[i], field(buf, keys[i], v, sizeof v) ? v : "(missing)");
	field(buf, "Pid", v, sizeof v);
	check("Pid matches", atoi(v) == getpid());
	field(buf, "VmRSS", v, sizeof v);
	check("VmRSS in kB", strstr(v, " kB") != NULL && atol(v) > 0);
	long n = slurp("/proc/self/statm", buf, sizeof buf);
	int nums = 0;
	for (char *t = strtok(buf, " \n"); t; t = strtok(NULL, " \n"))
		nums++;
	printf("statm numbers: %d (%s)\n", nums, n > 0 ? "read" : "empty");
}

static void maps_file(void)
{
	section("maps");
	static char buf[16384];
	slurp("/proc/self/maps", buf, sizeof buf);
	int lines = 0, stack = 0, exe = 0, heap = 0, bad = 0, aligned = 0;
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		unsigned long start, end;
		char perms[5];
		if (sscanf(l, "%lx-%lx %4s", &start, &end, perms) != 3 || start >= end)
			bad++;
		lines++;
		if (strstr(l, "[stack]"))
			stack++;
		if (strstr(l, "[heap]"))
			heap++;
		if (strstr(l, "/bin/proc")) {
			exe++;
			aligned += strlen(l) > 73 && l[73] == '/';
		}
	}
	check("some lines", lines > 3);
	check("all parse", bad == 0);
	printf("[stack] lines: %d\n", stack);
	check("the program's own lines", exe >= 1);
	check("their names start at column 74", aligned == exe);
	(void)heap;
}

static void fd_dir(void)
{
	section("fd");
	int p[2];
	pipe(p);
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int count = 0;
	while ((e = readdir(d)))
		count++;
	closedir(d);
	printf("entries in fd/ (with . and .. and the listing's own): %d\n", count);
	char link[64], buf[128];
	for (int fd = 0; fd <= 4; fd++) {
		sprintf(link, "/proc/self/fd/%d", fd);
		long n = readlink(link, buf, sizeof buf);
		buf[n > 0 ? n : 0] = 0;
		if (!strncmp(buf, "pipe:[", 6))
			strcpy(buf, "pipe:[N]");
		printf("fd %d -> %s\n", fd, buf);
	}
	write(p[1], "via proc", 8);
	sprintf(link, "/proc/self/fd/%d", p[0]);
	int fd = open(link, O_RDONLY);
	memset(buf, 0, sizeof buf);
	show("read the pipe through its /proc link", read(fd, buf, sizeof buf));
	printf("got \"%s\"\n", buf);
	close(fd);
	close(p[0]);
	close(p[1]);
}

static void system_files(void)
{
	section("system");
	static char buf[16384];
	char v[256];
	slurp("/proc/meminfo", buf, sizeof buf);
	int n = 0;
	for (char *l = buf; *l && n < 3; n++) {
		printf("meminfo line %d key: %.*s\n", n, (int)strcspn(l, ":"), l);
		l += strcspn(l, "\n") + 1;
	}
	check("MemTotal >= MemFree > 0", field(buf, "MemTotal", v, sizeof v) && atol(v) > 0 &&
						   atol(v) >= atol(field(buf, "MemFree", v, sizeof v) ? v : "0"));
	slurp("/proc/uptime", buf, sizeof buf);
	double up, idle;
	check("uptime has two numbers", sscanf(buf, "%lf %lf", &up, &idle) == 2 && up > 0);
	slurp("/proc/loadavg", buf, sizeof buf);
	check("loadavg starts with three loads", !strncmp(buf, "0.00 0.00 0.00 ", 15));
	slurp("/proc/stat", buf, sizeof buf);
	check("stat starts with the cpu line", !strncmp(buf, "cpu  ", 5));
	slurp("/proc/mounts", buf, sizeof buf);
	check("mounts lists /proc", strstr(buf, " /proc proc ") != NULL);
	slurp("/proc/filesystems", buf, sizeof buf);
	check("filesystems has proc", strstr(buf, "nodev\tproc\n") != NULL);
	slurp("/proc/version", buf, sizeof buf);
	check("version says Linux", !strncmp(buf, "Linux version ", 14));
	slurp("/proc/cpuinfo", buf, sizeof buf);
	check("cpuinfo has processor 0", !strncmp(buf, "processor\t: 0\n", 14));
	DIR *d = opendir("/proc");
	struct dirent *e;
	int self = 0, own = 0;
	char want[32];
	sprintf(want, "%d", getpid());
	while ((e = readdir(d))) {
		self += !strcmp(e->d_name, "self");
		own += !strcmp(e->d_name, want);
	}
	closedir(d);
	check("/proc lists self and our pid", self == 1 && own == 1);
	expect_err("no such pid", access("/proc/999999", F_OK), ENOENT);
	int fd = open("/proc/meminfo", O_WRONLY);
	expect_err("writing meminfo", write(fd, "x", 1), EIO);
	close(fd);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_init();
	mount_proc();
	self();
	stat_file();
	status_file();
	maps_file();
	fd_dir();
	system_files();
	return 0;
}
