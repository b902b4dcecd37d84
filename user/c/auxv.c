/*
 * auxv: the initial process state a Linux kernel hands to a new program: argc/argv/envp, the
 * auxiliary vector (getauxval and a walk over the raw vector after envp), stack alignment, and
 * a usable stack of at least 1 MiB.
 */
#include "common.h"
#include <elf.h>
#include <sys/auxv.h>
#include <sys/resource.h>

extern char **environ;
extern char _start[];
extern const Elf64_Ehdr __ehdr_start;

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_args(int argc, char **argv)
{
	section("argc/argv/envp");
	printf("argc = %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = \"%s\"\n", i, argv[i]);
	check("argv[argc] == NULL", argv[argc] == NULL);
	check("argv is 8 mod 16 (sp 16-aligned at _start, argc at sp)", ((uintptr_t)argv & 15) == 8);
	check("environ == argv + argc + 1", environ == argv + argc + 1);
	/* sorted: the order of the environment is not part of the contract (qemu-user reverses it) */
	int n = 0;
	while (environ[n])
		n++;
	printf("envc = %d\n", n);
	char **sorted = malloc((n + 1) * sizeof *sorted);
	memcpy(sorted, environ, (n + 1) * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_str);
	for (int i = 0; i < n; i++)
		printf("env (sorted): \"%s\"\n", sorted[i]);
	free(sorted);
	const char *home = getenv("HOME");
	printf("getenv(\"HOME\") = %s\n", home ? home : "(null)");
}

static void test_auxv(char **argv)
{
	section("auxv");
	printf("AT_PAGESZ = %lu\n", getauxval(AT_PAGESZ));
	printf("AT_CLKTCK = %lu\n", getauxval(AT_CLKTCK));
	printf("AT_PHENT = %lu\n", getauxval(AT_PHENT));
	check("AT_PHNUM == e_phnum of our ELF header", getauxval(AT_PHNUM) == __ehdr_start.e_phnum);
	check("AT_PHNUM > 0", getauxval(AT_PHNUM) > 0);
	check("AT_PHDR == ELF header + e_phoff",
	      getauxval(AT_PHDR) == (uintptr_t)&__ehdr_start + __ehdr_start.e_phoff);
	check("AT_ENTRY == &_start", getauxval(AT_ENTRY) == (uintptr_t)_start);
	check("AT_ENTRY == e_entry", getauxval(AT_ENTRY) == __ehdr_start.e_entry);
	printf("AT_BASE = %lu (static: no interpreter)\n", getauxval(AT_BASE));
	printf("AT_FLAGS = %lu\n", getauxval(AT_FLAGS));
	printf("AT_SECURE = %lu\n", getauxval(AT_SECURE));
	check("AT_UID == getuid()", getauxval(AT_UID) == getuid());
	check("AT_EUID == geteuid()", getauxval(AT_EUID) == geteuid());
	check("AT_GID == getgid()", getauxval(AT_GID) == getgid());
	check("AT_EGID == getegid()", getauxval(AT_EGID) == getegid());
	unsigned long hw = getauxval(AT_HWCAP), imafdc = 0;
	for (const char *c = "IMAFDC"; *c; c++)
		imafdc |= 1UL << (*c - 'A');
	check("AT_HWCAP has I, M, A, F, D, C", (hw & imafdc) == imafdc);
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	check("AT_RANDOM non-NULL", rnd != NULL);
	int nonzero = 0;
	for (int i = 0; rnd && i < 16; i++)
		nonzero |= rnd[i];
	check("AT_RANDOM's 16 bytes are not all zero", nonzero != 0);
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	check("AT_EXECFN non-NULL", execfn != NULL);
	check("basename(AT_EXECFN) == basename(argv[0])", execfn && strcmp(base(execfn), base(argv[0])) == 0);
	errno = 0;
	getauxval(12345);
	printf("getauxval(unknown type) errno = %s\n", errno_name(errno));

	/* walk the raw vector that follows envp's NULL */
	char **e = environ;
	while (*e)
		e++;
	Elf64_auxv_t *av = (Elf64_auxv_t *)(e + 1);
	int count = 0, agree = 1, dup = 0;
	unsigned long seen[64] = { 0 };
	for (; av->a_type != AT_NULL && count < 100; av++, count++) {
		if (av->a_type < 64 && seen[av->a_type]++)
			dup = 1;
		if (av->a_type != AT_HWCAP2 && getauxval(av->a_type) != av->a_un.a_val)
			agree = 0;
	}
	check("raw auxv ends with AT_NULL", av->a_type == AT_NULL);
	check("raw auxv agrees with getauxval", agree);
	check("no type appears twice", !dup);
	check("raw auxv has PAGESZ, PHDR, ENTRY, RANDOM",
	      seen[AT_PAGESZ] && seen[AT_PHDR] && seen[AT_ENTRY] && seen[AT_RANDOM]);
}

static unsigned long use_stack(int depth)
{
	volatile char frame[16 * 1024];
	for (unsigned i = 0; i < sizeof frame; i += 512)
		frame[i] = (char)depth;
	unsigned long below = depth > 0 ? use_stack(depth - 1) : 0;
	unsigned long sum = below;
	for (unsigned i = 0; i < sizeof frame; i += 512)
		sum += frame[i] == (char)depth;
	return sum;
}

static void test_stack(void)
{
	section("stack");
	struct rlimit rl;
	getrlimit(RLIMIT_STACK, &rl);
	check("RLIMIT_STACK >= 1 MiB", rl.rlim_cur >= (1 << 20));
	/* 64 frames of 16 KiB */
	check("1 MiB of stack usable", use_stack(63) == 64 * (16 * 1024 / 512));
}

int main(int argc, char **argv)
{
	test_init();
	test_args(argc, argv);
	test_auxv(argv);
	test_stack();
	puts("auxv: done");
	return 0;
}
