/*
 * info: uname, getrandom, and ioctl on a regular file (the console's TCGETS/TIOCGWINSZ are in
 * kcheck.c: the reference's stdin is not a terminal).
 */
#include "common.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <termios.h>

static int nonempty_nul_terminated(const char *s, size_t cap)
{
	return s[0] != 0 && memchr(s, 0, cap) != NULL;
}

static void test_uname(void)
{
	section("uname");
	struct utsname u;
	memset(&u, 0x7f, sizeof u);
	show("uname", uname(&u));
	printf("sysname: %s\n", u.sysname);
	printf("machine: %s\n", u.machine);
	check("nodename non-empty", nonempty_nul_terminated(u.nodename, sizeof u.nodename));
	check("release non-empty", nonempty_nul_terminated(u.release, sizeof u.release));
	check("release starts with a digit", u.release[0] >= '0' && u.release[0] <= '9');
	int major = 0, minor = 0;
	check("release is major.minor with major >= 4 (glibc needs a recent kernel)",
	      sscanf(u.release, "%d.%d", &major, &minor) == 2 && major >= 4);
	check("version non-empty", nonempty_nul_terminated(u.version, sizeof u.version));
	check("domainname NUL-terminated", memchr(u.domainname, 0, sizeof u.domainname) != NULL);
}

static void test_getrandom(void)
{
	section("getrandom");
	unsigned char a[64], b[64], zero[64] = { 0 };
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	show("getrandom(64, 0)", getrandom(a, sizeof a, 0));
	show("getrandom(64, GRND_NONBLOCK)", getrandom(b, sizeof b, GRND_NONBLOCK));
	check("not all zero", memcmp(a, zero, 64) != 0);
	check("two calls differ", memcmp(a, b, 64) != 0);
	unsigned char big[4096];
	long n = getrandom(big, sizeof big, 0);
	check("getrandom(4096) returns 4096", n == 4096);
	int counts[256] = { 0 }, distinct = 0;
	for (int i = 0; i < 4096; i++)
		if (counts[big[i]]++ == 0)
			distinct++;
	check("4096 random bytes take > 200 distinct values", distinct > 200);
	show("getrandom(0 bytes)", getrandom(a, 0, 0));
	show("getrandom(GRND_RANDOM)", getrandom(a, 16, GRND_RANDOM));
	expect_err("getrandom(bad flags)", getrandom(a, 16, 0x100), EINVAL);
}

static void test_ioctl_file(void)
{
	section("ioctl on a regular file");
	int fd = openat(AT_FDCWD, "etc/motd", O_RDONLY);
	struct termios t;
	struct winsize ws;
	expect_err("ioctl(file, TCGETS)", ioctl(fd, TCGETS, &t), ENOTTY);
	expect_err("ioctl(file, TIOCGWINSZ)", ioctl(fd, TIOCGWINSZ, &ws), ENOTTY);
	check("isatty(file) == 0", isatty(fd) == 0 && errno == ENOTTY);
	close(fd);
	expect_err("ioctl(bad fd, TCGETS)", ioctl(55, TCGETS, &t), EBADF);
}

int main(void)
{
	test_init();
	test_uname();
	test_getrandom();
	test_ioctl_file();
	puts("info: done");
	return 0;
}
