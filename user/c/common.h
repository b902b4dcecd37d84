/*
 * Shared helpers for BakaEx's user test programs.
 *
 * Every program prints what it observes to STDOUT only, unbuffered, and deterministically:
 * return values, errno names, bytes read -- never pids, addresses, times or random bytes
 * themselves, only properties of them ("pid > 0: yes"). The same binary runs under
 * qemu-riscv64-static (the Linux reference) and on the BakaEx kernel, and the two outputs must
 * be equal (see docs/TESTING.md).
 *
 * Files are opened by RELATIVE paths: the cwd is / on the kernel and $BUILD/rootfs for the
 * reference, so both see the same files.
 */
#ifndef BAKAEX_TEST_COMMON_H
#define BAKAEX_TEST_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline const char *errno_name(int e)
{
	switch (e) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case ENOEXEC: return "ENOEXEC";
	case EBADF: return "EBADF";
	case ECHILD: return "ECHILD";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case ENOTBLK: return "ENOTBLK";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENODEV: return "ENODEV";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case ENFILE: return "ENFILE";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case ETXTBSY: return "ETXTBSY";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ESPIPE: return "ESPIPE";
	case EROFS: return "EROFS";
	case EMLINK: return "EMLINK";
	case EPIPE: return "EPIPE";
	case ERANGE: return "ERANGE";
	case EDEADLK: return "EDEADLK";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOSYS: return "ENOSYS";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ELOOP: return "ELOOP";
	case EOVERFLOW: return "EOVERFLOW";
	case ELIBBAD: return "ELIBBAD";
	case ENOTSUP: return "EOPNOTSUPP";
	case EDOM: return "EDOM";
	case ENOTSOCK: return "ENOTSOCK";
	case EDESTADDRREQ: return "EDESTADDRREQ";
	case EMSGSIZE: return "EMSGSIZE";
	case EPROTOTYPE: return "EPROTOTYPE";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EADDRINUSE: return "EADDRINUSE";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case ECONNRESET: return "ECONNRESET";
	case ENOBUFS: return "ENOBUFS";
	case EISCONN: return "EISCONN";
	case ENOTCONN: return "ENOTCONN";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EINPROGRESS: return "EINPROGRESS";
	case EALREADY: return "EALREADY";
	case ENETUNREACH: return "ENETUNREACH";
	default: return "E?";
	}
}

/* Print "<what> = <ret>" or "<what> = -1 <ERRNO>" for a libc-style (ret, errno) result. */
static inline long show(const char *what, long ret)
{
	if (ret < 0)
		printf("%s = -1 %s\n", what, errno_name(errno));
	else
		printf("%s = %ld\n", what, ret);
	return ret;
}

/* Like show() but only says "ok" for success, for calls whose value is not deterministic. */
static inline long show_ok(const char *what, long ret)
{
	if (ret < 0)
		printf("%s = -1 %s\n", what, errno_name(errno));
	else
		printf("%s: ok\n", what);
	return ret;
}

/* Expect failure with a given errno; prints the observed errno either way. */
static inline void expect_err(const char *what, long ret, int want)
{
	if (ret >= 0)
		printf("%s = %ld (expected %s) MISMATCH\n", what, ret, errno_name(want));
	else
		printf("%s = -1 %s%s\n", what, errno_name(errno), errno == want ? "" : " MISMATCH");
}

/* Print a yes/no property. */
static inline int check(const char *what, int cond)
{
	printf("%s: %s\n", what, cond ? "yes" : "no");
	return cond;
}

static inline void section(const char *name)
{
	printf("== %s\n", name);
}

/* Call at the top of main: stdout unbuffered, so output order never depends on buffering. */
static inline void test_init(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
}

/* 64-bit FNV-1a: a deterministic digest of data whose bytes are too many to print. */
static inline uint64_t fnv1a(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#endif
