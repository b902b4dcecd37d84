/* A dynamically linked C program (glibc's ld.so, libc.so.6, libm.so.6): what the loader did
 * (auxiliary vector, loaded objects, symbols found by dladdr, lazy binding through the PLT),
 * libm results, thread-local storage in the program and in libc (errno) across a thread.
 * Built as PIE (`dynhello`) and as a fixed-address ET_EXEC (`dynhello-nopie`); run also through
 * the loader as a command (`/lib/ld-linux-riscv64-lp64d.so.1 /bin/dynhello`).
 * LDFLAGS: -lm -pthread
 */
#define _GNU_SOURCE
#include "common.h"
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <math.h>
#include <pthread.h>
#include <sys/auxv.h>

extern char __executable_start[];
static __thread int tls_counter = 7;

static int objects(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	int *n = data;
	const char *name = info->dlpi_name;
	if (strncmp(name, "linux-vdso", 10) == 0 || strncmp(name, "linux-gate", 10) == 0)
		return 0; /* a vDSO, if the kernel gives one (ours does not) */
	const char *base = strrchr(name, '/');
	printf("object %d: %s (%d program headers, tls module %s)\n", (*n)++, *name ? (base ? base + 1 : name) : "(the program)",
	       info->dlpi_phnum, info->dlpi_tls_modid ? "yes" : "no");
	if (*n == 1) {
		check("  its headers are AT_PHDR", (unsigned long)info->dlpi_phdr == getauxval(AT_PHDR));
		check("  AT_PHNUM", info->dlpi_phnum == getauxval(AT_PHNUM));
		check("  AT_ENTRY inside it", getauxval(AT_ENTRY) > (unsigned long)__executable_start);
	}
	if (strstr(name, "/ld-"))
		check("  the loader is at AT_BASE (0 when run as a command)",
		      getauxval(AT_BASE) == 0 || info->dlpi_addr == getauxval(AT_BASE));
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static const char *lib_of(void *sym)
{
	Dl_info info;
	if (!dladdr(sym, &info) || !info.dli_fname)
		return "?";
	const char *base = strrchr(info.dli_fname, '/');
	return base ? base + 1 : info.dli_fname;
}

static void *thread_main(void *arg)
{
	tls_counter += (int)(long)arg;
	errno = 0;
	close(-1);
	printf("thread: tls_counter = %d, errno after close(-1) = %s\n", tls_counter, errno_name(errno));
	return (void *)(long)tls_counter;
}

int main(int argc, char **argv)
{
	test_init();
	section("hello");
	printf("hello from a dynamically linked program, argc %d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	const char *path = getenv("LD_LIBRARY_PATH");
	printf("LD_LIBRARY_PATH: %s\n", path ? path : "(unset)");

	section("auxv");
	check("AT_SECURE is 0", getauxval(AT_SECURE) == 0);
	check("AT_PAGESZ is 4096", getauxval(AT_PAGESZ) == 4096);
	check("AT_RANDOM given", getauxval(AT_RANDOM) != 0);
	check("AT_PHENT is 56", getauxval(AT_PHENT) == sizeof(Elf64_Phdr));
	int n = 0;
	dl_iterate_phdr(objects, &n);

	section("symbols");
	printf("printf is in %s\n", lib_of((void *)printf));
	printf("cos is in %s\n", lib_of((void *)cos));
	printf("main is in %s\n", strcmp(lib_of((void *)main), "?") ? "the program" : "?");
	void *self = dlsym(RTLD_DEFAULT, "pthread_create");
	check("dlsym(RTLD_DEFAULT, pthread_create) found", self != NULL);
	int v[] = {5, 3, 9, 1, 7};
	qsort(v, 5, sizeof v[0], cmp); /* libc calling back into the program */
	printf("qsort: %d %d %d %d %d\n", v[0], v[1], v[2], v[3], v[4]);

	section("libm");
	volatile double x = 2.0 + (argc > 100);
	printf("sqrt(2) = %.12f\n", sqrt(x));
	printf("cbrt(2) = %.12f\n", cbrt(x));
	printf("sin(2) = %.12f, cos(2) = %.12f\n", sin(x), cos(x));
	printf("exp(2) = %.12f, log(2) = %.12f\n", exp(x), log(x));
	printf("pow(2, 0.5) = %.12f, atan2(1, 2) = %.12f\n", pow(x, 0.5), atan2(1.0, x));
	printf("lgamma(2.5) = %.12f, erf(0.5) = %.12f\n", lgamma(x + 0.5), erf(x / 4));
	printf("fma(2, 3, 1) = %.1f, hypot(3, 4) = %.1f\n", fma(x, 3.0, 1.0), hypot(x + 1, x + 2));

	section("tls");
	tls_counter++;
	pthread_t t;
	void *ret;
	int created = pthread_create(&t, NULL, thread_main, (void *)10L);
	pthread_join(t, &ret);
	printf("pthread_create = %d\n", created);
	printf("thread returned %ld; main's tls_counter = %d\n", (long)ret, tls_counter);

	section("memory");
	void *big = malloc(1 << 20);
	check("malloc(1 MiB)", big != NULL);
	memset(big, 1, 1 << 20);
	free(big);
	check("sbrk(0) above the program", (char *)sbrk(0) > __executable_start);
	return 0;
}
