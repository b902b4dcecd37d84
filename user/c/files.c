/*
 * files: openat, close, lseek, fstat, newfstatat on initramfs files and directories.
 */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>

static void print_file(const char *path)
{
	int fd = openat(AT_FDCWD, path, O_RDONLY);
	if (fd < 0) {
		printf("open %s = -1 %s\n", path, errno_name(errno));
		return;
	}
	char buf[256];
	long n, total = 0;
	printf("--- %s\n", path);
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		fwrite(buf, 1, n, stdout);
		total += n;
	}
	printf("--- %ld bytes, last read = %ld\n", total, n);
	close(fd);
}

static void test_open_close(void)
{
	section("openat/close");
	int fd = openat(AT_FDCWD, "etc/motd", O_RDONLY);
	show("openat etc/motd (lowest free fd)", fd);
	int fd2 = openat(AT_FDCWD, "data/hello.txt", O_RDONLY | O_CLOEXEC);
	show("openat data/hello.txt", fd2);
	show("close first", close(fd));
	int fd3 = openat(AT_FDCWD, "./data/../data/hello.txt", O_RDONLY);
	show("openat ./data/../data/hello.txt reuses the lowest fd", fd3);
	show("close", close(fd3));
	show("close", close(fd2));
	expect_err("close again", close(fd2), EBADF);
	expect_err("openat missing file", openat(AT_FDCWD, "etc/nope", O_RDONLY), ENOENT);
	expect_err("openat missing dir", openat(AT_FDCWD, "nope/motd", O_RDONLY), ENOENT);
	expect_err("openat file/x", openat(AT_FDCWD, "etc/motd/x", O_RDONLY), ENOTDIR);
	expect_err("openat O_DIRECTORY on a file", openat(AT_FDCWD, "etc/motd", O_RDONLY | O_DIRECTORY), ENOTDIR);
	expect_err("openat empty path", openat(AT_FDCWD, "", O_RDONLY), ENOENT);
	expect_err("openat bad dirfd", openat(77, "motd", O_RDONLY), EBADF);
	expect_err("openat O_CREAT|O_EXCL existing", openat(AT_FDCWD, "etc/motd", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);

	int dfd = openat(AT_FDCWD, "etc", O_RDONLY | O_DIRECTORY);
	show("openat etc O_DIRECTORY", dfd);
	int f = openat(dfd, "motd", O_RDONLY);
	show("openat(dirfd, \"motd\")", f);
	char c;
	show("read 1 byte via dirfd-relative fd", read(f, &c, 1));
	printf("byte: '%c'\n", c);
	close(f);
	expect_err("read on a directory", read(dfd, &c, 1), EISDIR);
	expect_err("openat dirfd-relative missing", openat(dfd, "missing", O_RDONLY), ENOENT);
	close(dfd);
	int ffd = openat(AT_FDCWD, "etc/motd", O_RDONLY);
	expect_err("openat relative to a regular file's fd", openat(ffd, "x", O_RDONLY), ENOTDIR);
	close(ffd);
	expect_err("openat directory O_WRONLY", openat(AT_FDCWD, "etc", O_WRONLY), EISDIR);
	int ro = openat(AT_FDCWD, "etc/motd", O_RDONLY);
	expect_err("write to O_RDONLY fd", write(ro, "x", 1), EBADF);
	close(ro);
}

static void test_read_files(void)
{
	section("read files");
	print_file("etc/motd");

	int fd = openat(AT_FDCWD, "data/numbers.txt", O_RDONLY);
	static char data[12000];
	long total = 0, n, reads = 0;
	while ((n = read(fd, data + total, 1000)) > 0) {
		total += n;
		reads++;
	}
	printf("data/numbers.txt: %ld bytes in %ld reads of 1000, fnv1a %016llx\n", total, reads,
	       (unsigned long long)fnv1a(data, total));
	int good = total == 10000;
	for (int i = 0; good && i < 1000; i++) {
		char want[11];
		snprintf(want, sizeof want, "line %04d\n", i);
		good = memcmp(data + i * 10, want, 10) == 0;
	}
	check("content is line 0000..line 0999", good);
	close(fd);
}

static void test_lseek(void)
{
	section("lseek");
	int fd = openat(AT_FDCWD, "data/numbers.txt", O_RDONLY);
	char buf[10];
	show("lseek(fd, 0, SEEK_CUR)", lseek(fd, 0, SEEK_CUR));
	show("lseek(fd, 5000, SEEK_SET)", lseek(fd, 5000, SEEK_SET));
	read(fd, buf, 9);
	printf("read at 5000: \"%.9s\"\n", buf);
	show("lseek(fd, 0, SEEK_CUR) after read", lseek(fd, 0, SEEK_CUR));
	show("lseek(fd, -19, SEEK_CUR)", lseek(fd, -19, SEEK_CUR));
	read(fd, buf, 9);
	printf("read: \"%.9s\"\n", buf);
	show("lseek(fd, -10, SEEK_END)", lseek(fd, -10, SEEK_END));
	read(fd, buf, 9);
	printf("read: \"%.9s\"\n", buf);
	show("lseek(fd, 100, SEEK_END) beyond EOF", lseek(fd, 100, SEEK_END));
	show("read beyond EOF", read(fd, buf, 9));
	expect_err("lseek to -1", lseek(fd, -1, SEEK_SET), EINVAL);
	expect_err("lseek SEEK_CUR before 0", lseek(fd, -20000, SEEK_CUR), EINVAL);
	expect_err("lseek bad whence", lseek(fd, 0, 42), EINVAL);
	show("offset unchanged by failures", lseek(fd, 0, SEEK_CUR));
	close(fd);
	expect_err("lseek closed fd", lseek(fd, 0, SEEK_SET), EBADF);
}

static void print_stat(const char *what, int ret, const struct stat *st)
{
	if (ret < 0) {
		printf("%s = -1 %s\n", what, errno_name(errno));
		return;
	}
	const char *type = S_ISREG(st->st_mode) ? "regular" : S_ISDIR(st->st_mode) ? "directory"
			 : S_ISCHR(st->st_mode) ? "chardev" : "other";
	printf("%s: %s", what, type);
	if (S_ISREG(st->st_mode))
		printf(", size %lld", (long long)st->st_size);
	printf(", nlink >= 1: %s, blksize > 0: %s\n", st->st_nlink >= 1 ? "yes" : "no",
	       st->st_blksize > 0 ? "yes" : "no");
}

static void test_stat(void)
{
	section("fstat/newfstatat");
	struct stat st, st2;
	int fd = openat(AT_FDCWD, "data/numbers.txt", O_RDONLY);
	print_stat("fstat data/numbers.txt", fstat(fd, &st), &st);
	print_stat("fstatat data/numbers.txt", fstatat(AT_FDCWD, "data/numbers.txt", &st2, 0), &st2);
	check("same inode and device", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
	print_stat("fstatat(fd, \"\", AT_EMPTY_PATH)", fstatat(fd, "", &st2, AT_EMPTY_PATH), &st2);
	check("same inode", st.st_ino == st2.st_ino);
	close(fd);
	print_stat("stat etc/motd", stat("etc/motd", &st), &st);
	print_stat("stat etc", stat("etc", &st), &st);
	print_stat("stat .", stat(".", &st), &st);
	print_stat("lstat data/hello.txt", lstat("data/hello.txt", &st), &st);
	int dfd = openat(AT_FDCWD, "data", O_RDONLY | O_DIRECTORY);
	print_stat("fstatat(dirfd, \"hello.txt\")", fstatat(dfd, "hello.txt", &st, 0), &st);
	print_stat("fstat(dirfd)", fstat(dfd, &st), &st);
	close(dfd);
	expect_err("stat missing", stat("data/missing", &st), ENOENT);
	expect_err("stat through a file", stat("data/hello.txt/x", &st), ENOTDIR);
	expect_err("fstat bad fd", fstat(99, &st), EBADF);
	expect_err("fstatat empty path without AT_EMPTY_PATH", fstatat(AT_FDCWD, "", &st, 0), ENOENT);
	expect_err("fstatat bad flags", fstatat(AT_FDCWD, "etc", &st, 0x4000000), EINVAL);
}

int main(void)
{
	test_init();
	test_open_close();
	test_read_files();
	test_lseek();
	test_stat();
	puts("files: done");
	return 0;
}
