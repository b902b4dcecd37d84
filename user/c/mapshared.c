/*
 * mapshared: file mappings over the page cache. MAP_SHARED stores are the file's data (read(2),
 * other mappings, a fork child), MAP_PRIVATE copies a page on its first write only, a page past
 * the end of the file is SIGBUS (also after ftruncate shrinks the file under a mapping),
 * msync's checks, memfd_create and its seals, mincore, mlock, fadvise, readahead.
 */
#include "common.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define PAGE 4096UL
#define NAME "mapshared.tmp"

static sigjmp_buf env;
static volatile int bus_code;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	bus_code = sig == SIGBUS ? si->si_code : -1;
	siglongjmp(env, 1);
}

/* Touch *p (a read, or a write of 1): the signal it raised (0 none) and its si_code. */
static const char *touch(volatile char *p, int write)
{
	bus_code = 0;
	if (sigsetjmp(env, 1) == 0) {
		if (write)
			*p = 1;
		else
			(void)*p;
		return "no signal";
	}
	return bus_code == BUS_ADRERR ? "SIGBUS BUS_ADRERR" : "other signal";
}

static int make_file(size_t size, char fill)
{
	unlink(NAME);
	int fd = open(NAME, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char buf[PAGE];
	memset(buf, fill, sizeof buf);
	for (size_t done = 0; done < size; done += PAGE)
		if (write(fd, buf, size - done < PAGE ? size - done : PAGE) < 0)
			return -1;
	return fd;
}

static void test_shared(void)
{
	section("shared file mapping");
	int fd = make_file(2 * PAGE, '.');
	char *a = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check("mmap MAP_SHARED rw", a != MAP_FAILED);
	memcpy(a + PAGE - 3, "across", 6);
	char buf[16] = {0};
	show("pread after a store", pread(fd, buf, 6, PAGE - 3));
	printf("read back: %s\n", buf);
	show("pwrite", pwrite(fd, "by write", 8, 100));
	printf("the mapping shows: %.8s\n", a + 100);
	char *b = mmap(0, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
	printf("a second mapping at offset 4096 shows: %.3s\n", b);
	pid_t pid = fork();
	if (pid == 0) {
		memcpy(a, "child", 5);
		_exit(0);
	}
	waitpid(pid, 0, 0);
	printf("after the child's store: %.5s\n", a);
	show("msync MS_SYNC", msync(a, 2 * PAGE, MS_SYNC));
	show("munmap", munmap(a, 2 * PAGE));
	memset(buf, 0, sizeof buf);
	show("pread after munmap", pread(fd, buf, 5, 0));
	printf("the file keeps: %s\n", buf);
	struct stat st;
	fstat(fd, &st);
	printf("size unchanged by stores: %ld\n", (long)st.st_size);
	munmap(b, PAGE);
	expect_err("shared rw mapping of an O_RDONLY fd", (long)mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   open(NAME, O_RDONLY), 0), EACCES);
	close(fd);
}

static void test_private(void)
{
	section("private file mapping");
	int fd = make_file(PAGE, 'o');
	char *a = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	pwrite(fd, "FILE", 4, 0);
	printf("untouched private page sees the write: %.4s\n", a);
	memcpy(a, "mine", 4);
	char buf[8] = {0};
	pread(fd, buf, 4, 0);
	printf("the file after a private store: %s\n", buf);
	pwrite(fd, "LATER", 5, 4);
	printf("the written private page keeps its copy: %.9s\n", a);
	munmap(a, PAGE);
	close(fd);
}

static void test_sigbus(void)
{
	section("past the end of the file");
	struct sigaction sa = {0};
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, 0);
	int fd = make_file(100, 'x');
	char *a = mmap(0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("byte 99: %c, byte 100: %d\n", a[99], a[100]);
	printf("read of page 1: %s\n", touch(a + PAGE, 0));
	printf("write of page 2: %s\n", touch(a + 2 * PAGE, 1));
	expect_err("write(2) from page 1", write(1, a + PAGE, 1), EFAULT);
	show("ftruncate to 2 pages", ftruncate(fd, 2 * PAGE));
	printf("write of page 1 now: %s\n", touch(a + PAGE, 1));
	printf("page 1 byte: %d\n", a[PAGE]);
	show("ftruncate to 10 bytes", ftruncate(fd, 10));
	printf("page 1 after shrinking: %s\n", touch(a + PAGE, 0));
	printf("byte 20 of page 0 (cleared): %d\n", a[20]);
	char *p = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	printf("private mapping, page 1: %s\n", touch(p + PAGE, 0));
	munmap(a, 3 * PAGE);
	munmap(p, 2 * PAGE);
	close(fd);
	unlink(NAME);
}

static void test_msync(void)
{
	section("msync");
	char *a = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show("msync anonymous MS_ASYNC", msync(a, PAGE, MS_ASYNC));
	expect_err("msync MS_SYNC|MS_ASYNC", msync(a, PAGE, MS_SYNC | MS_ASYNC), EINVAL);
	expect_err("msync bad flag", msync(a, PAGE, 8), EINVAL);
	expect_err("msync unaligned", msync(a + 1, PAGE, MS_SYNC), EINVAL);
	munmap(a + PAGE, PAGE);
	expect_err("msync over a hole", msync(a, 2 * PAGE, MS_SYNC), ENOMEM);
	show("msync length 0", msync(a, 0, MS_SYNC));
	munmap(a, PAGE);
}

static void test_memfd(void)
{
	section("memfd");
	int fd = memfd_create("pool", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	check("memfd_create", fd >= 0);
	printf("FD_CLOEXEC: %ld\n", (long)fcntl(fd, F_GETFD));
	char path[64], link[64] = {0};
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	readlink(path, link, sizeof link - 1);
	printf("link: %s\n", link);
	show("ftruncate", ftruncate(fd, PAGE));
	char *a = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	pid_t pid = fork();
	if (pid == 0) {
		strcpy(a, "shared by a memfd");
		_exit(0);
	}
	waitpid(pid, 0, 0);
	printf("parent sees: %s\n", a);
	show("F_GET_SEALS", fcntl(fd, F_GET_SEALS));
	expect_err("F_SEAL_WRITE while mapped writable", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY);
	munmap(a, PAGE);
	show("F_ADD_SEALS WRITE|SHRINK", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK));
	show("F_GET_SEALS", fcntl(fd, F_GET_SEALS));
	expect_err("write", write(fd, "x", 1), EPERM);
	expect_err("ftruncate smaller", ftruncate(fd, 10), EPERM);
	show("ftruncate larger", ftruncate(fd, 2 * PAGE));
	expect_err("mmap shared writable", (long)mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EPERM);
	show_ok("mmap shared read-only", (long)mmap(0, PAGE, PROT_READ, MAP_SHARED, fd, 0));
	show("F_ADD_SEALS SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
	expect_err("F_ADD_SEALS after F_SEAL_SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), EPERM);
	int plain = memfd_create("plain", 0);
	show("F_GET_SEALS without MFD_ALLOW_SEALING", fcntl(plain, F_GET_SEALS));
	expect_err("memfd_create bad flag", memfd_create("x", 0x100), EINVAL);
	expect_err("F_GET_SEALS of stdin", fcntl(0, F_GET_SEALS), EINVAL);
}

static void show_core(const char *what, char *a, int pages)
{
	unsigned char vec[16];
	if (mincore(a, pages * PAGE, vec) != 0) {
		printf("%s: mincore -1 %s\n", what, errno_name(errno));
		return;
	}
	printf("%s: ", what);
	for (int i = 0; i < pages; i++)
		putchar('0' + (vec[i] & 1));
	putchar('\n');
}

static void test_pages(void)
{
	/* (mlock2 and MAP_POPULATE are not in the reference: qemu-user lacks the first and maps
	 * the second itself; host tests cover them) */
	section("mincore, mlock, fadvise, readahead");
	char *a = mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a[PAGE] = 1;
	show_core("touched page 1", a, 4);
	show("mlock(a + 10, 4096)", mlock(a + 10, PAGE));
	show_core("after mlock", a, 4);
	show("munlock", munlock(a, 4 * PAGE));
	expect_err("mincore unaligned", mincore(a + 1, PAGE, (unsigned char *)a), EINVAL);
	expect_err("mlockall(MCL_ONFAULT)", mlockall(MCL_ONFAULT), EINVAL);
	expect_err("mlockall(0)", mlockall(0), EINVAL);
	show("munlockall", munlockall());
	int fd = make_file(2 * PAGE, 'r');
	show("fadvise WILLNEED", posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED));
	printf("fadvise bad advice: %s\n", errno_name(posix_fadvise(fd, 0, 0, 99)));
	printf("fadvise negative length: %s\n", errno_name(posix_fadvise(fd, 0, -1, POSIX_FADV_NORMAL)));
	show("readahead", readahead(fd, 0, 2 * PAGE));
	int pfd[2];
	pipe(pfd);
	printf("fadvise of a pipe: %s\n", errno_name(posix_fadvise(pfd[0], 0, 0, POSIX_FADV_NORMAL)));
	expect_err("readahead of a pipe", readahead(pfd[0], 0, PAGE), EINVAL);
	close(fd);
	unlink(NAME);
}

int main(void)
{
	test_init();
	test_shared();
	test_private();
	test_sigbus();
	test_msync();
	test_memfd();
	test_pages();
	return 0;
}
