/*
 * kcheck: kernel-only checks, compared with user/expected/kcheck.out instead of a reference run,
 * because qemu-riscv64-static cannot match them: on the kernel this program is init (pid 1,
 * cwd /, standard descriptors on the console), and a few of these calls are ones qemu-user
 * emulates differently from Linux (set_robust_list: ENOSYS; nanosleep(NULL): EINVAL; brk shrink
 * keeps pages mapped). Every expected line is what Linux itself gives.
 */
#include "common.h"
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>

#define PAGE 4096UL

static void test_console(void)
{
	section("console");
	struct termios t;
	struct winsize ws;
	for (int fd = 0; fd < 3; fd++) {
		printf("fd %d: ", fd);
		long r = ioctl(fd, TCGETS, &t);
		printf("TCGETS = %s, ", r == 0 ? "0" : errno_name(errno));
		r = ioctl(fd, TIOCGWINSZ, &ws);
		printf("TIOCGWINSZ = %s, ", r == 0 ? "0" : errno_name(errno));
		printf("isatty = %d\n", isatty(fd));
	}
	struct stat st;
	show("fstat(1)", fstat(1, &st));
	check("stdout is a character device", S_ISCHR(st.st_mode));
	expect_err("lseek(1, 0, SEEK_CUR)", lseek(1, 0, SEEK_CUR), ESPIPE);
	expect_err("pwrite(1, .., 0)", pwrite(1, "x", 1, 0), ESPIPE);
	show("write(1, 13 bytes)", write(1, "console line\n", 13));
}

static void test_init_process(void)
{
	section("init");
	show("getpid()", getpid());
	show("getppid()", getppid());
	show("gettid()", syscall(SYS_gettid));
	show("getuid()", getuid());
	show("geteuid()", geteuid());
	show("getgid()", getgid());
	show("getegid()", getegid());
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	printf("AT_EXECFN = %s\n", execfn ? execfn : "(null)");
	struct stat dot, root, dotdot, rootdotdot;
	stat(".", &dot);
	stat("/", &root);
	stat("..", &dotdot);
	stat("/..", &rootdotdot);
	check("cwd is /", dot.st_ino == root.st_ino && dot.st_dev == root.st_dev);
	check("/.. is /", rootdotdot.st_ino == root.st_ino && dotdot.st_ino == root.st_ino);
	char a[32] = { 0 }, b[32] = { 0 };
	int fa = open("/etc/motd", O_RDONLY), fb = open("etc/motd", O_RDONLY);
	read(fa, a, 31);
	read(fb, b, 31);
	check("/etc/motd == etc/motd", fa >= 0 && fb >= 0 && memcmp(a, b, 32) == 0);
	close(fa);
	close(fb);
}

static void test_linux_only(void)
{
	section("where qemu-user differs from Linux");
	struct {
		void *next;
		long offset;
		void *pending;
	} head = { &head, 0, NULL };
	show("set_robust_list(head, 24)", syscall(SYS_set_robust_list, &head, sizeof head));
	expect_err("set_robust_list(head, 23)", syscall(SYS_set_robust_list, &head, 23), EINVAL);
	expect_err("nanosleep(NULL, NULL)", syscall(SYS_nanosleep, NULL, NULL), EFAULT);

	char *cur = (char *)syscall(SYS_brk, 0);
	char *top = (char *)(((uintptr_t)cur + 4 * PAGE) & ~(PAGE - 1));
	check("brk grows by 4 pages", (char *)syscall(SYS_brk, top + 10) == top + 10);
	top[0] = 1;
	check("brk shrinks back", (char *)syscall(SYS_brk, cur) == cur);
	expect_err("write(1, page above the shrunk break)", write(1, top, 1), EFAULT);

	/* a tty write whose buffer runs into an unmapped page: EFAULT, nothing written (Linux's
	 * tty_write copies the whole chunk first); on a regular file Linux writes a short count */
	char *two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(two + PAGE, PAGE);
	two[PAGE - 1] = '!';
	expect_err("write(console, 1 mapped byte + 1 unmapped)", write(1, two + PAGE - 1, 2), EFAULT);
	munmap(two, PAGE);
}

int main(void)
{
	test_init();
	test_console();
	test_init_process();
	test_linux_only();
	puts("kcheck: done");
	return 0;
}
