/*
 * io: read, write, readv, writev, pread64, pwrite64 on the console and on initramfs files.
 */
#include "common.h"
#include <fcntl.h>
#include <sys/uio.h>

static void test_write(void)
{
	section("write");
	long n = write(1, "plain write to stdout\n", 22);
	show("write(1, 22 bytes)", n);
	show("write(1, 0 bytes)", write(1, "", 0));
	/* stderr exists but its output is not compared; only the return value is. */
	show("write(2, 0 bytes)", write(2, "", 0));
}

static void test_writev(void)
{
	section("writev");
	struct iovec iov[4] = {
		{ "writev ", 7 },
		{ "gathers ", 8 },
		{ NULL, 0 },		/* an empty element is allowed */
		{ "three pieces\n", 13 },
	};
	show("writev(1, 4 iovecs)", writev(1, iov, 4));
	show("writev(1, 0 iovecs)", writev(1, iov, 0));
	expect_err("writev(1, iovcnt=-1)", syscall(SYS_writev, 1, iov, -1), EINVAL);
	expect_err("writev(1, iovcnt=1025)", syscall(SYS_writev, 1, iov, 1025), EINVAL);
}

static void test_read(void)
{
	section("read");
	int fd = openat(AT_FDCWD, "data/hello.txt", O_RDONLY);
	check("open data/hello.txt", fd >= 0);
	char buf[64];
	memset(buf, 0, sizeof buf);
	long n = show("read(fd, 5)", read(fd, buf, 5));
	printf("bytes: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
	n = show("read(fd, 64)", read(fd, buf, 64));
	printf("bytes: \"%.*s\"\n", (int)(n > 1 ? n - 1 : 0), buf);	/* without the newline */
	show("read at EOF", read(fd, buf, 64));
	show("read(fd, 0 bytes)", read(fd, buf, 0));
	close(fd);
}

static void test_readv(void)
{
	section("readv");
	int fd = openat(AT_FDCWD, "data/numbers.txt", O_RDONLY);
	char a[3], b[7], c[20];
	struct iovec iov[3] = { { a, sizeof a }, { b, sizeof b }, { c, sizeof c } };
	long n = show("readv(fd, 3+7+20)", readv(fd, iov, 3));
	printf("a=\"%.3s\" b=\"%.6s\" c=\"%.9s|%.9s\"\n", a, b, c, c + 10);
	show("offset after readv", lseek(fd, 0, SEEK_CUR));
	(void)n;
	/* readv that crosses the end of the file returns a short count */
	lseek(fd, -4, SEEK_END);
	show("readv near EOF", readv(fd, iov, 3));
	printf("a=\"%.3s\"\n", a);
	close(fd);
}

static void test_pread_pwrite(void)
{
	section("pread64/pwrite64");
	int fd = openat(AT_FDCWD, "data/numbers.txt", O_RDONLY);
	char buf[32];
	long n = show("pread(fd, 9, 4000)", pread(fd, buf, 9, 4000));
	printf("bytes: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
	show("offset unchanged", lseek(fd, 0, SEEK_CUR));
	n = show("pread(fd, 32, 9995) short", pread(fd, buf, 32, 9995));
	show("pread at EOF", pread(fd, buf, 32, 10000));
	show("pread past EOF", pread(fd, buf, 32, 1 << 20));
	expect_err("pread negative offset", pread(fd, buf, 4, -1), EINVAL);
	expect_err("pwrite on O_RDONLY fd", pwrite(fd, "x", 1, 0), EBADF);
	close(fd);

	/* data/rw.txt: write, read back, then restore what was there (the reference runs on the
	 * host's copy of the file, so it must be left as it was). */
	fd = openat(AT_FDCWD, "data/rw.txt", O_RDWR);
	if (!check("open data/rw.txt O_RDWR", fd >= 0)) {
		printf("errno %s\n", errno_name(errno));
		return;
	}
	const char *orig = "0123456789abcdefghijklmnopqrstuvwxyz\n";
	show("pwrite(fd, whole, 0)", pwrite(fd, orig, 37, 0));
	show("pwrite(fd, \"XYZ\", 10)", pwrite(fd, "XYZ", 3, 10));
	memset(buf, 0, sizeof buf);
	n = show("pread(fd, 16, 4)", pread(fd, buf, 16, 4));
	printf("bytes: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
	show("offset still 0", lseek(fd, 0, SEEK_CUR));
	show("write at offset 0", write(fd, "AB", 2));
	show("offset now", lseek(fd, 0, SEEK_CUR));
	n = show("read rest", read(fd, buf, 8));
	printf("bytes: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
	show("restore", pwrite(fd, orig, 37, 0));
	n = pread(fd, buf, 32, 0);
	check("restored content", n == 32 && memcmp(buf, orig, 32) == 0);
	close(fd);
}

int main(void)
{
	test_init();
	test_write();
	test_writev();
	test_read();
	test_readv();
	test_pread_pwrite();
	puts("io: done");
	return 0;
}
