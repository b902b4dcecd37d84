/*
 * errors: error paths. Bad user pointers must give EFAULT (never a kernel crash), through raw
 * syscall() so that glibc cannot catch them first; bad descriptors EBADF; unknown syscall
 * numbers ENOSYS; over-long paths ENAMETOOLONG; too many open files EMFILE.
 */
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#define PAGE 4096UL
#define KERNEL_ADDR ((void *)0xffffffc000001000UL)	/* upper half: never user memory */

static void test_efault(void)
{
	section("EFAULT");
	int fd = openat(AT_FDCWD, "data/hello.txt", O_RDONLY);
	expect_err("write(1, NULL, 5)", syscall(SYS_write, 1, NULL, 5), EFAULT);
	expect_err("write(1, (void *)1, 5)", syscall(SYS_write, 1, (void *)1, 5), EFAULT);
	expect_err("write(1, kernel address, 5)", syscall(SYS_write, 1, KERNEL_ADDR, 5), EFAULT);
	expect_err("write(1, -1UL, 5) (wraps around)", syscall(SYS_write, 1, (void *)-1UL, 5), EFAULT);
	expect_err("read(file, NULL, 5)", syscall(SYS_read, fd, NULL, 5), EFAULT);
	expect_err("read(file, kernel address, 5)", syscall(SYS_read, fd, KERNEL_ADDR, 5), EFAULT);
	show("read(file, NULL, 0)", syscall(SYS_read, fd, NULL, 0));
	expect_err("pread64(file, NULL, 5, 0)", syscall(SYS_pread64, fd, NULL, 5, 0), EFAULT);
	expect_err("openat(NULL path)", syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY), EFAULT);
	expect_err("openat(kernel address path)", syscall(SYS_openat, AT_FDCWD, KERNEL_ADDR, O_RDONLY), EFAULT);
	expect_err("fstat(fd, NULL)", syscall(SYS_fstat, fd, NULL), EFAULT);
	expect_err("newfstatat(\"etc/motd\", (void *)8)", syscall(SYS_newfstatat, AT_FDCWD, "etc/motd", (void *)8, 0), EFAULT);
	expect_err("clock_gettime(MONOTONIC, NULL)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, NULL), EFAULT);
	expect_err("clock_gettime(MONOTONIC, kernel address)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, KERNEL_ADDR), EFAULT);
	expect_err("gettimeofday((void *)8, NULL)", syscall(SYS_gettimeofday, (void *)8, NULL), EFAULT);
	/* (nanosleep(NULL) is in kcheck.c: qemu-user answers EINVAL) */
	expect_err("clock_nanosleep(NULL)", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, NULL, NULL), EFAULT);
	expect_err("uname(NULL)", syscall(SYS_uname, NULL), EFAULT);
	expect_err("times((void *)8)", syscall(SYS_times, (void *)8), EFAULT);
	expect_err("getrandom(NULL, 16)", syscall(SYS_getrandom, NULL, 16, 0), EFAULT);
	expect_err("prlimit64(old = (void *)8)", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, (void *)8), EFAULT);
	expect_err("rt_sigaction(act = (void *)8)", syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, NULL, 8), EFAULT);
	expect_err("rt_sigprocmask(set = (void *)8)", syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)8, NULL, 8), EFAULT);
	expect_err("writev(1, NULL iov, 1)", syscall(SYS_writev, 1, NULL, 1), EFAULT);
	struct iovec iov[2] = { { "ok", 2 }, { NULL, 4 } };
	long n = syscall(SYS_writev, 1, iov + 1, 1);
	expect_err("writev(1, iov with a NULL base)", n, EFAULT);
	iov[0].iov_base = (void *)"bad";
	iov[0].iov_len = 3;
	iov[1].iov_base = KERNEL_ADDR;
	expect_err("readv(file, iov with a kernel base)", syscall(SYS_readv, fd, iov + 1, 1), EFAULT);

	/* a path running into an unmapped page without its NUL */
	char *two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(two + PAGE, PAGE);
	char *path = two + PAGE - 8;
	memcpy(path, "etc/motd", 8);	/* no terminating NUL before the unmapped page */
	expect_err("openat(path without NUL before an unmapped page)", syscall(SYS_openat, AT_FDCWD, path, O_RDONLY), EFAULT);
	path[-1] = 0;
	memcpy(path - 9, "etc/motd", 9);
	long ok = syscall(SYS_openat, AT_FDCWD, path - 9, O_RDONLY);
	check("openat(path ending just before the page end) works", ok >= 0);
	close(ok);
	expect_err("pread64(file, into the unmapped page)", syscall(SYS_pread64, fd, two + PAGE, 4, 0), EFAULT);
	munmap(two, PAGE);
	close(fd);
}

static void test_ebadf(void)
{
	section("EBADF");
	char c;
	expect_err("write(100)", syscall(SYS_write, 100, "x", 1), EBADF);
	expect_err("write(-1)", syscall(SYS_write, -1, "x", 1), EBADF);
	expect_err("read(1000000)", syscall(SYS_read, 1000000, &c, 1), EBADF);
	expect_err("close(-1)", syscall(SYS_close, -1), EBADF);
	expect_err("close(1000)", syscall(SYS_close, 1000), EBADF);
	struct stat *st = malloc(256);
	expect_err("fstat(-5)", syscall(SYS_fstat, -5, st), EBADF);
	expect_err("lseek(99)", syscall(SYS_lseek, 99, 0, SEEK_SET), EBADF);
	expect_err("pread64(99)", syscall(SYS_pread64, 99, &c, 1, 0), EBADF);
	expect_err("pwrite64(99)", syscall(SYS_pwrite64, 99, &c, 1, 0), EBADF);
	struct iovec iov = { &c, 1 };
	expect_err("readv(99)", syscall(SYS_readv, 99, &iov, 1), EBADF);
	expect_err("writev(99)", syscall(SYS_writev, 99, &iov, 1), EBADF);
	expect_err("newfstatat(99, relative)", syscall(SYS_newfstatat, 99, "motd", st, 0), EBADF);
	show("newfstatat(AT_FDCWD, \"data/hello.txt\")",
	     syscall(SYS_newfstatat, AT_FDCWD, "data/hello.txt", st, 0));
	int fd = openat(AT_FDCWD, "data/hello.txt", O_RDONLY);
	close(fd);
	expect_err("read(just closed fd)", syscall(SYS_read, fd, &c, 1), EBADF);
	free(st);
}

static void test_enosys(void)
{
	section("ENOSYS");
	expect_err("syscall(1000)", syscall(1000, 1, 2, 3), ENOSYS);
	expect_err("syscall(3000)", syscall(3000), ENOSYS);
	expect_err("syscall(-1)", syscall(-1L), ENOSYS);
	expect_err("syscall(500)", syscall(500), ENOSYS);
	puts("still running after unknown syscalls");
}

static void test_names(void)
{
	section("ENAMETOOLONG");
	char *p = malloc(5000);
	memset(p, 'a', 4999);
	p[4999] = 0;
	expect_err("openat(4999-byte path)", openat(AT_FDCWD, p, O_RDONLY), ENAMETOOLONG);
	struct stat st;
	expect_err("stat(4999-byte path)", stat(p, &st), ENAMETOOLONG);
	memset(p, 'b', 300);
	p[300] = 0;
	expect_err("openat(300-byte name)", openat(AT_FDCWD, p, O_RDONLY), ENAMETOOLONG);
	memcpy(p, "data/", 5);
	expect_err("openat(data/ + 295-byte name)", openat(AT_FDCWD, p, O_RDONLY), ENAMETOOLONG);
	memset(p, 'c', 255);
	p[255] = 0;
	expect_err("openat(255-byte name) is merely missing", openat(AT_FDCWD, p, O_RDONLY), ENOENT);
	/* 4095 bytes + NUL is the longest path */
	for (int i = 0; i < 4094; i += 2)
		memcpy(p + i, "./", 2);
	memcpy(p + 4094, "etc", 4);	/* ...etc with its NUL at 4097: one too long */
	expect_err("openat(4097-byte path of ./././)", openat(AT_FDCWD, p, O_RDONLY), ENAMETOOLONG);
	memcpy(p + 4092, "etc", 4);	/* 4095 bytes + NUL */
	long fd = openat(AT_FDCWD, p, O_RDONLY | O_DIRECTORY);
	check("openat(4095-byte path of ./././etc) works", fd >= 0);
	close(fd);
	free(p);
}

static void test_emfile(void)
{
	section("EMFILE");
	struct rlimit old, rl;
	getrlimit(RLIMIT_NOFILE, &old);
	rl = old;
	rl.rlim_cur = 10;
	show("setrlimit(NOFILE, 10)", setrlimit(RLIMIT_NOFILE, &rl));
	int last = -1, n = 0;
	for (;;) {
		int fd = openat(AT_FDCWD, "etc/motd", O_RDONLY);
		if (fd < 0)
			break;
		last = fd;
		n++;
	}
	printf("opened %d more, last fd %d, then %s\n", n, last, errno_name(errno));
	for (int fd = 3; fd <= last; fd++)
		close(fd);
	show("openat after closing them", openat(AT_FDCWD, "etc/motd", O_RDONLY));
	setrlimit(RLIMIT_NOFILE, &old);
}

int main(void)
{
	test_init();
	test_efault();
	test_ebadf();
	test_enosys();
	test_names();
	test_emfile();
	puts("errors: done");
	return 0;
}
