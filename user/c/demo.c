/*
 * demo: what a newcomer sees on `make run`. A tour of the system calls this milestone supports,
 * in friendly words. (Unlike the test programs its output shows times and sizes as they are.)
 */
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int main(int argc, char **argv)
{
	test_init();
	printf("\n  Hello from %s, a static riscv64 Linux program (C, glibc), running in user mode.\n\n",
	       argv[0]);

	struct utsname u;
	if (uname(&u) == 0)
		printf("  uname(2)        : %s %s %s, node \"%s\"\n", u.sysname, u.release, u.machine, u.nodename);
	printf("  getpid(2)       : I am process %d, user %d\n", getpid(), getuid());

	int fd = open("etc/motd", O_RDONLY);
	if (fd >= 0) {
		char buf[512];
		long n = read(fd, buf, sizeof buf - 1);
		buf[n > 0 ? n : 0] = 0;
		printf("  openat+read(2)  : etc/motd says:\n");
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
			printf("                      | %s\n", line);
		close(fd);
	} else {
		printf("  openat(2)       : etc/motd: %s\n", strerror(errno));
	}
	struct stat st;
	if (stat("data/numbers.txt", &st) == 0)
		printf("  newfstatat(2)   : data/numbers.txt is %lld bytes\n", (long long)st.st_size);

	struct timespec now, t0;
	clock_gettime(CLOCK_REALTIME, &now);
	struct tm tm;
	gmtime_r(&now.tv_sec, &tm);
	char date[64];
	strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("  clock_gettime(2): the real-time clock says %s\n", date);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct timespec req = { 0, 100 * 1000000 };
	nanosleep(&req, NULL);
	printf("  nanosleep(2)    : asked for 100 ms, slept %.1f ms\n", ms_since(&t0));

	char *before = sbrk(0);
	char *heap = sbrk(65536);
	memset(heap, 1, 65536);
	long grown = (char *)sbrk(0) - before;
	sbrk(-65536);
	size_t len = 8 << 20;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long touched = 0;
	if (m != MAP_FAILED) {
		for (size_t off = 0; off < len; off += 4096, touched++)
			m[off] = 1;
		munmap(m, len);
	}
	printf("  brk(2)          : sbrk(65536) grew the heap by %ld bytes, then gave them back\n", grown);
	printf("  mmap(2)         : mapped 8 MiB, touched %ld pages, unmapped it again\n", touched);

	unsigned char r[4];
	getrandom(r, sizeof r, 0);
	printf("  getrandom(2)    : four random bytes: %02x %02x %02x %02x\n", r[0], r[1], r[2], r[3]);

	printf("\n  Try: make run INIT=\"/bin/spin A 3\"; more programs are in /bin. Bye!\n\n");
	(void)argc;
	return 0;
}
