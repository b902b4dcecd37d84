/* A static-PIE (ET_DYN, no interpreter) program without a C library, for the loader's
 * position-independent path: Debian's riscv64 glibc has no rcrt1.o, so glibc cannot link one.
 * It reads its own stack (argc, argv, envp, auxv) as the kernel laid it out and prints what it
 * finds, so the output can be diffed against Linux (qemu-riscv64). Built with -nostdlib
 * -static-pie -fPIE -ffreestanding -fno-builtin; it uses only PC-relative addressing, so it
 * needs no relocations. */
typedef unsigned long u64;

static long sys3(long n, long a, long b, long c) {
    register long a0 asm("a0") = a, a1 asm("a1") = b, a2 asm("a2") = c, a7 asm("a7") = n;
    asm volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

static u64 len(const char *s) { u64 n = 0; while (s[n]) n++; return n; }
static void puts_(const char *s) { sys3(64, 1, (long)s, len(s)); }
static void putu(u64 v) {
    char b[24]; int i = 23; b[i] = 0;
    do { b[--i] = '0' + v % 10; v /= 10; } while (v);
    puts_(b + i);
}
static void yes(const char *what, int ok) { puts_(what); puts_(ok ? ": yes\n" : ": NO\n"); }

/* Hidden symbols are addressed PC-relative, not through the GOT: no relocations needed. */
extern char __ehdr_start[] __attribute__((visibility("hidden")));   /* the loaded ELF header */
extern void _start(void) __attribute__((visibility("hidden")));
void _start_c(u64 *sp);

void _start_c(u64 *sp) {
    u64 argc = sp[0];
    char **argv = (char **)(sp + 1);
    u64 *p = sp + 1 + argc + 1;          /* envp */
    while (*p) p++;
    p++;                                 /* auxv */
    u64 entry = 0, phdr = 0, phnum = 0, pagesz = 0, base = 1;
    for (; p[0]; p += 2) {
        if (p[0] == 9) entry = p[1];
        if (p[0] == 3) phdr = p[1];
        if (p[0] == 5) phnum = p[1];
        if (p[0] == 6) pagesz = p[1];
        if (p[0] == 7) base = p[1];
    }
    u64 load = (u64)__ehdr_start;
    puts_("pie: argc = "); putu(argc); puts_("\n");
    for (u64 i = 0; i < argc; i++) { puts_("pie: argv: "); puts_(argv[i]); puts_("\n"); }
    yes("pie: sp is 16-byte aligned", ((u64)sp & 15) == 0);
    yes("pie: loaded at a non-zero base", load != 0);
    yes("pie: AT_ENTRY is the address of _start", entry == (u64)_start);
    yes("pie: AT_PHDR is in the loaded image", phdr == load + 64);
    yes("pie: AT_PHNUM > 0", phnum > 0);
    yes("pie: AT_PAGESZ is 4096", pagesz == 4096);
    yes("pie: AT_BASE is 0 (no interpreter)", base == 0);
    sys3(93, 0, 0, 0);                   /* exit(0) */
}

asm(".globl _start\n"
    "_start:\n"
    "  mv a0, sp\n"
    "  andi sp, sp, -16\n"
    "  call _start_c\n");
