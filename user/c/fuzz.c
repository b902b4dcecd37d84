/*
 * fuzz: BakaEx's in-kernel system call fuzzer (issue 8: "No user program can take the kernel
 * down"). It runs as init and throws random system calls with hostile arguments at the kernel
 * from a few processes at a time; the kernel must neither panic, nor hang, nor let init die.
 *
 *   /bin/fuzz [--avoid-known] [--no=LIST] <seed> <seconds> [children]     as init (pid 1) only
 *
 * Init forks `children` (default 4) fuzzing processes at a time; each seeds its own PRNG from
 * (seed, child index), makes a random number of calls, and exits (or is killed: by itself, a
 * sibling, or init's watchdog after CHILD_SECS). Init reaps everything with wait4(-1, __WALL),
 * starts new children until `seconds` are up (CLOCK_MONOTONIC), then kills what is left
 * (kill(-1, SIGKILL)), reaps it, prints
 *
 *   fuzz: seed S, N children, M calls, K killed by signals
 *
 * and exits 0. N counts init's own children, M every fuzzed call of every process that shares
 * the counter page (a MAP_SHARED|MAP_ANONYMOUS page made before the first fork; images that a
 * child execs are not counted), K the processes init reaped that a signal had killed. It prints
 * a progress line every 10 s, and "fuzz: FAILED: ..." and exits 4 if the canaries around the
 * counters changed: nothing writes there, so that is memory of one process written through
 * another's (exit 3: processes survived SIGKILL for 20 s, also "FAILED").
 *
 * --no=LIST leaves out special generators (mmap, munmap, mprotect, madvise, touch, clone, exec,
 * futex, mount, reboot, console, exit, sigreturn), table entries by syscall number, or "any" (random
 * numbers), to find out what a failure needs. A run is not reproducible call for call (the
 * scheduler's timing decides who runs when), but a seed that fails usually fails again.
 *
 * What a child does (one call at a time, numbers from the table below, i.e. what
 * crates/syscalls/src/dispatch.rs implements; 3% any number below 460, 0.5% absurd numbers):
 * arguments are edge integers, NULL, unmapped, kernel-half (0xffffffc080000000), non-canonical
 * and unaligned addresses, pointers into its own buffers and right before their unmapped end,
 * into read-only and PROT_NONE pages and its own code, huge lengths, random flags, descriptors
 * it opened (files in /tmp/fz, pipes, /dev/null|zero|full|urandom, /proc files, directories)
 * and closed ones, paths it writes into memory (a pool, overlong ones, ones running into an
 * unmapped page). Structures (iovecs, pollfds, fd_sets, timespecs, sigactions, siginfo, rlimits,
 * stack_t, flock, termios) are built with hostile fields. Special generators: fork and clone
 * (processes that go on fuzzing, threads on their own stacks that fuzz too, and clone/clone3
 * with any flags whose child runs a few instructions of assembly and exits, faults or execs:
 * vfork included), execve/execveat of its own binary (a new fuzzing image), of junk files it
 * wrote (random bytes, mutated copies of its own ELF, #! scripts), of directories and devices,
 * with hostile argv/envp; mmap/munmap/mprotect/madvise/brk on an arena of its own and on what it
 * mapped, and touching the mappings (faults are caught: SIGSEGV & co. siglongjmp back); futexes
 * shared between processes; mount/umount2 of tmpfs/proc/devtmpfs in /tmp/fz; ioctls on the
 * console; signals to itself, its children and threads, its siblings, its parent, init (1),
 * every process (-1) and process groups.
 *
 * Bounds: a child's descendants are bounded (depth MAX_DEPTH, a fork budget shared out at each
 * fork, at most MAX_THREADS threads and MAX_ASM_CLONES assembly children per process); every
 * process has a call budget; a SIGALRM interval timer (re-armed every INFRA_EVERY calls)
 * interrupts blocking calls; init's watchdog SIGKILLs a child's process group after CHILD_SECS
 * and sweeps with kill(-1, SIGKILL) every SWEEP_SECS.
 *
 * Filtered, and why:
 *  - reboot (142): always called with a corrupted first magic (the right ones power off).
 *  - socket calls (198-212, 242, 243, 269) are never made: nothing may talk to the network.
 *    kexec_load/kexec_file_load (104, 294) neither (would replace the kernel once implemented).
 *  - prlimit64 on pid 1 becomes pid 0: the fuzzer must not take init's own limits away.
 *  - destructive path calls (unlink, rename, truncate, chmod, open for writing, symlink targets,
 *    mount targets) only use the scratch pool (/tmp/fz, /dev, /proc, /, relative names), never
 *    /bin, /etc, /proc/self/exe or /proc/self/fd/N: clobbering /bin/fuzz would only stop the
 *    fuzzer from exec-ing itself. Read-only calls (stat, open O_RDONLY, execve) use any path.
 *  - ioctl: no command of the terminal type 'T' outside a safe list (TCXONC, or TIOCSTI typing
 *    a ^S, could stop console output, TIOCCONS redirect it); TCSETS* only get the console's own
 *    termios or bad pointers (so the summary line is never mangled). Children's fds 0-2 are /dev/null: junk never
 *    reaches the console.
 *  - the signal masks it builds never block SIGALRM, and SIGALRM's action is rarely changed (its
 *    interval timer, 5-15 ms, interrupts whatever blocks).
 *  - rt_sigreturn runs on a page of junk, not on our stack (whose words would send us back into
 *    our own code with junk registers); the counter page (SHARED_AT) and our buffer (BUF_AT,
 *    the page after it never mapped) sit at fixed addresses away from mmap's, so that no
 *    overflowing buffer reaches the counters; init puts back /bin/fuzz's mode and /dev's null,
 *    zero, full and urandom every second (repair()), and children open what they need with
 *    O_NONBLOCK (a sibling may have made a FIFO of it).
 *
 * Init and signals: the kernel must protect init as Linux does (signals init has no handler
 * for are dropped, SIGKILL/SIGSTOP included), so children DO send any signal to 1, 0 and -1,
 * and orphans' exit signals (clone's low byte) reach init. Init installs a harmless SA_RESTART
 * handler for SIGCHLD, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH, SIGCONT and 34..48 (those it
 * must survive being delivered) and leaves every other signal at its default action, which the
 * kernel must not apply to init.
 *
 * --avoid-known (or FUZZ_AVOID_KNOWN=1 in the environment): steer clear of kernel bugs that are
 * known and being fixed, to develop the harness; the default must not need it once they are:
 *  - init is killed by signals it has no handler for, and by orphans' non-SIGCHLD exit signals:
 *    init handles every catchable signal; SIGKILL/SIGSTOP never go to pids 0 and 1 (kill, tkill,
 *    tgkill, rt_(tg)sigqueueinfo), nor are they an exit signal of clone/clone3;
 *  - panics "memory allocation of N bytes failed" from execve/mmap of huge sparse files and from
 *    writing ~30 MiB to /tmp or sendfile with huge counts: file sizes, offsets and write/sendfile
 *    lengths are clamped (256 KiB, 16 KiB), lseek SEEK_CUR becomes SEEK_SET, big scratch files are
 *    truncated now and then;
 *  - rename("/tmp/d/e", "/tmp/d") hangs: no rename into an ancestor (or through a symlink);
 *  - a 4 GiB MAP_SHARED|MAP_ANONYMOUS mapping + fork: shared anonymous mappings <= 16 MiB;
 *  - SIGKILL to a vfork parent: no CLONE_VFORK at all.
 * and two found by this fuzzer:
 *  - a page fault on a private mapping of /proc/<pid>/{stat,statm,status,maps} hangs the kernel
 *    (the fault holds the address space's lock, procfs takes it again): no mmap of a descriptor
 *    whose /proc/self/fd link starts with /proc;
 *  - an ITIMER_REAL period of a few microseconds livelocks the kernel (every missed period is
 *    fired, one at a time): setitimer periods under 1 ms become 1 ms.
 *
 * Never run this anywhere but as init in a virtual machine: it refuses to start unless it is
 * pid 1 (kill(-1, SIGKILL) elsewhere would take your session down).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define BUF_PAGES 16
#define BUF_SIZE (BUF_PAGES * PAGE)
#define ARENA_PAGES 32
#define ARENA_SIZE (ARENA_PAGES * PAGE)
#define ALT_SIZE (32 * 1024)
#define THREAD_STACK (64 * 1024)
#define MAXFDS 32
#define MAX_DEPTH 3
#define MAX_THREADS 6
#define MAX_ASM_CLONES 24
#define MAX_ASM_EXECS 4
#define MAX_FAULTS 64
#define INFRA_EVERY 64
#define CHILD_SECS 3.0
#define SWEEP_SECS 15.0
#define MAX_KIDS 16
#define ELF_HEAD 4096
#define BUF_AT 0x1000000000UL    /* g_buf; the page after it is never mapped */
#define SHARED_AT 0x2000000000UL /* the counter page, shared by all */
#define AVOID_FILE_MAX (256UL << 10)
#define AVOID_WRITE_MAX (16UL << 10)
#define AVOID_SHARED_MAX (16UL << 20)

#ifndef __WALL
#define __WALL 0x40000000
#endif

/* ---- raw system calls: no errno, no TLS, nothing glibc checks first ---------------------- */

static inline __attribute__((always_inline)) long sc6(long n, long x0, long x1, long x2, long x3, long x4,
						      long x5)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = x0;
	register long a1 __asm__("a1") = x1;
	register long a2 __asm__("a2") = x2;
	register long a3 __asm__("a3") = x3;
	register long a4 __asm__("a4") = x4;
	register long a5 __asm__("a5") = x5;
	__asm__ volatile("ecall"
			 : "+r"(a0)
			 : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
			 : "memory");
	return a0;
}
#define sc0(n) sc6((n), 0, 0, 0, 0, 0, 0)
#define sc1(n, a) sc6((n), (long)(a), 0, 0, 0, 0, 0)
#define sc2(n, a, b) sc6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define sc3(n, a, b, c) sc6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sc4(n, a, b, c, d) sc6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sc5(n, a, b, c, d, e) sc6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/*
 * clone (or clone3) whose child never returns to C code, so it may have any flags and any
 * stack (CLONE_VM without a stack, CLONE_VFORK, a kernel-half stack pointer, CLONE_SETTLS with
 * junk): the child runs only the instructions below, on registers. mode 0: exit(0); 1: load
 * from address 0 (a fault, with whatever stack it has); 2: execve(path, argv, envp), then exit;
 * 3: kill(getppid(), SIGKILL), then exit.
 */
static long clone_asm(long nr, long x0, long x1, long x2, long x3, long x4, long mode, long path, long argv,
		      long envp)
{
	register long a7 __asm__("a7") = nr;
	register long a0 __asm__("a0") = x0;
	register long a1 __asm__("a1") = x1;
	register long a2 __asm__("a2") = x2;
	register long a3 __asm__("a3") = x3;
	register long a4 __asm__("a4") = x4;
	register long t3 __asm__("t3") = mode;
	register long t4 __asm__("t4") = path;
	register long t5 __asm__("t5") = argv;
	register long t6 __asm__("t6") = envp;
	__asm__ volatile("ecall\n"
			 "bnez a0, 9f\n"
			 "li t0, 1\n"
			 "beq t3, t0, 2f\n"
			 "li t0, 2\n"
			 "beq t3, t0, 3f\n"
			 "li t0, 3\n"
			 "beq t3, t0, 4f\n"
			 "1: li a0, 0\n"
			 "li a7, 93\n"
			 "ecall\n"
			 "j 1b\n"
			 "2: ld t0, 0(zero)\n"
			 "j 1b\n"
			 "3: mv a0, t4\n"
			 "mv a1, t5\n"
			 "mv a2, t6\n"
			 "li a7, 221\n"
			 "ecall\n"
			 "j 1b\n"
			 "4: li a7, 173\n"
			 "ecall\n"
			 "li a1, 9\n"
			 "li a7, 129\n"
			 "ecall\n"
			 "j 1b\n"
			 "9:\n"
			 : "+r"(a0)
			 : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(t3), "r"(t4), "r"(t5), "r"(t6)
			 : "t0", "memory");
	return a0;
}

/* ---- shared state ------------------------------------------------------------------------- */

#define CANARY 0x66757a7a63616e61ULL /* written by init only: nothing else writes there */

struct shared {
	uint64_t canary[8];
	uint64_t calls;
	uint64_t forks, threads, asm_clones, execs, faults, mmaps;
	int32_t kids[MAX_KIDS]; /* init's live children: siblings to signal */
	uint32_t futex[16];
	uint64_t canary2[8];
};

struct ctx {
	uint64_t rng;
	long budget;
	long n;
	int depth;
	int forks_left;
	int is_thread;
	int asm_execs;
};

struct ksigaction {
	uintptr_t handler;
	unsigned long flags;
	uint64_t mask;
};

static struct shared g_dummy;
static struct shared *volatile g_sh = &g_dummy;
static int g_avoid;
static uint64_t g_seed;
static char *g_buf, *g_ro, *g_none, *g_arena, *g_alt;
static volatile long g_main_tid;
static volatile int g_jmp_ok;
static sigjmp_buf g_jb;
static int g_fds[MAXFDS], g_nfds;
static int g_closed[8], g_nclosed;
static int g_kids[16], g_nkids;
static int g_tids[MAX_THREADS], g_ntids;
static struct {
	uintptr_t addr;
	size_t len;
} g_maps[16];
static int g_nmaps;
static int g_asm_clones;
static unsigned char g_elf[ELF_HEAD];
static long g_elf_len;
static unsigned char g_termios[64];
static int g_have_termios;
static long g_self_pid, g_parent_pid;

/* ---- randomness ---------------------------------------------------------------------------- */

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline uint64_t rnd(struct ctx *c)
{
	uint64_t x = c->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x ? x : 0x1234567;
	return x * 0x2545f4914f6cdd1dULL;
}
static inline uint64_t rn(struct ctx *c, uint64_t n)
{
	return n ? rnd(c) % n : 0;
}
static inline int chance(struct ctx *c, int pct)
{
	return (int)rn(c, 100) < pct;
}
#define PICK(c, arr) ((arr)[rn((c), sizeof(arr) / sizeof((arr)[0]))])

static const uint64_t edges[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 65, 100, 127, 128, 255, 256, 511, 512, 1000, 1023, 1024,
	4095, 4096, 4097, 8191, 8192, 65535, 65536, 65537, 0x7fff, 0x8000, 0x10000, 0x7fffffff, 0x80000000,
	0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xffffffffffffffffULL,
	0xfffffffffffffffeULL, 0xfffffffffffff000ULL, 0xffffffff80000000ULL, 0x4000000000ULL, 0x3fffffffffULL,
	1UL << 20, 1UL << 24, 1UL << 30, 1UL << 31, 1UL << 40, 1UL << 48, 1UL << 62, 0x1000000000ULL,
};

static const uint64_t bad_ptrs[] = {
	0, 1, 8, 0xfff, 0x1000, 0x10000, 0x400000, 0xffffffc080000000ULL, 0xffffffc000000000ULL,
	0xffffffff80000000ULL, 0xffffffffffffffffULL, 0xfffffffffffff000ULL, 0xfffffffffffffff8ULL,
	0x8000000000000000ULL, 0x4000000000ULL, 0x3ffffff000ULL, 0x3ffffffff8ULL, 0x7ffffffff000ULL,
	0x800000000000ULL, 0x3fffffffffULL,
};

/* ---- small helpers (no stdio in children) ------------------------------------------------- */

static size_t slen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static char *utoa(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*p++ = tmp[--n];
	*p = 0;
	return p;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void count_call(void)
{
	__atomic_fetch_add(&g_sh->calls, 1, __ATOMIC_RELAXED);
}

static void bump(uint64_t *p)
{
	__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
}

/* ---- path pools ---------------------------------------------------------------------------- */

/* May be created, written, truncated, renamed, removed, mounted on. */
static const char *const scratch_paths[] = {
	"/tmp/fz/a", "/tmp/fz/b", "/tmp/fz/c", "/tmp/fz/d", "/tmp/fz/d/e", "/tmp/fz/d/e/f", "/tmp/fz/d/g",
	"/tmp/fz/l", "/tmp/fz/m", "/tmp/fz/x0", "/tmp/fz/x1", "/tmp/fz/x2", "/tmp/fz/j0", "/tmp/fz/j1",
	"/tmp/fz/j2", "/tmp/fz/a/", "/tmp/fz//b", "/tmp/fz/d/../a", "/tmp/fz/nope/x", "/tmp/fz/l/x",
	"/tmp/fz", "/tmp", "/dev/null", "/dev/zero", "/dev/full", "/dev/urandom", "/dev/shm/fz",
	"/proc/self/stat", "/proc/meminfo", "/proc/self", "/proc", "/dev", "/", ".", "..", "", "fz_rel",
	"fz_rel/sub", "/tmp/fz/d/e/f/g/h/i", "/tmp/./fz/./c",
};
/* Only looked at: stat, access, open read-only, readlink, chdir, execve. */
static const char *const ro_paths[] = {
	"/bin/fuzz", "/bin", "/etc/motd", "/data/numbers.txt", "/proc/self/exe", "/proc/self/maps",
	"/proc/1/status", "/proc/self/cmdline", "/proc/version", "/proc/mounts", "/proc/1/stat",
	"/proc/self/fd", "/proc/self/fd/3", "/proc/self/fd/0", "/proc/1/maps", "/proc/uptime",
	"/proc/self/status", "/proc/self/cwd", "/proc/1/cwd", "/proc/stat", "/dev/shm",
};
static const char *const scratch_files[] = {
	"/tmp/fz/a", "/tmp/fz/b", "/tmp/fz/c", "/tmp/fz/x0", "/tmp/fz/x1", "/tmp/fz/x2", "/tmp/fz/j0",
	"/tmp/fz/j1", "/tmp/fz/j2", "/tmp/fz/d/g", "/tmp/fz/d/e/f", "/tmp/fz/m", "fz_rel", "/dev/shm/fz",
};

/* ---- one call under construction ----------------------------------------------------------- */

struct call {
	struct ctx *c;
	size_t off;    /* bump allocator in g_buf */
	int path_ro;   /* a path of this call came from ro_paths */
	int npaths;
	const char *paths[4];
	int niov;
	uint64_t mask_at; /* where a sigset was built (to unblock SIGALRM), or 0 */
};

static char *balloc(struct call *k, size_t n)
{
	n = (n + 7) & ~7UL;
	if (n > BUF_SIZE / 2)
		n = BUF_SIZE / 2;
	if (k->off + n > BUF_SIZE)
		k->off = 0;
	char *p = g_buf + k->off;
	k->off += n;
	return p;
}

static long hostile_ptr(struct ctx *c)
{
	switch (rn(c, 8)) {
	case 0: { /* anywhere in user space, but never on the counter page */
		uint64_t p = rnd(c) & 0x3ffffffff8ULL;
		return (long)((p & ~(PAGE - 1)) == SHARED_AT ? p ^ 0x10000000 : p);
	}
	case 1:
		return (long)rnd(c);
	default:
		return (long)PICK(c, bad_ptrs);
	}
}

/* A pointer for `size` bytes: mostly valid memory of ours, sometimes not. */
static long ptr_arg(struct call *k, size_t size)
{
	struct ctx *c = k->c;
	switch (rn(c, 24)) {
	case 12:
		return (long)(g_buf + BUF_SIZE - rn(c, size + 16 > BUF_SIZE ? BUF_SIZE : size + 16));
	case 13:
		return (long)(g_ro + rn(c, PAGE));
	case 14:
		return (long)(g_none + rn(c, PAGE));
	case 15:
		return (long)(g_arena + rn(c, ARENA_SIZE));
	case 16:
		return (long)((char *)&hostile_ptr + rn(c, 64)); /* our code */
	case 17:
		return (long)(balloc(k, size + 8) + 1 + rn(c, 7));
	case 18:
	case 19:
	case 20:
		return hostile_ptr(c);
	case 21:
		return 0;
	default:
		return (long)balloc(k, size);
	}
}

static long len_arg(struct ctx *c)
{
	switch (rn(c, 10)) {
	case 0:
	case 1:
	case 2:
	case 3:
		return (long)rn(c, 256);
	case 4:
	case 5:
		return (long)rn(c, 16384);
	case 6:
		return (long)rnd(c);
	default:
		return (long)PICK(c, edges);
	}
}

static long int_arg(struct ctx *c)
{
	switch (rn(c, 6)) {
	case 0:
		return (long)rn(c, 16);
	case 1:
		return (long)rnd(c);
	case 2:
		return -(long)rn(c, 16);
	default:
		return (long)PICK(c, edges);
	}
}

static long flags_arg(struct ctx *c)
{
	switch (rn(c, 6)) {
	case 0:
		return 0;
	case 1:
		return (long)(1UL << rn(c, 32));
	case 2:
		return (long)((1UL << rn(c, 32)) | (1UL << rn(c, 32)) | (1UL << rn(c, 12)));
	case 3:
		return (long)(uint32_t)rnd(c);
	case 4:
		return (long)rnd(c);
	default:
		return (long)rn(c, 16);
	}
}

static void add_fd(struct ctx *c, long fd)
{
	if (fd < 0 || fd > 100000)
		return;
	if (g_nfds < MAXFDS) {
		g_fds[g_nfds++] = (int)fd;
		return;
	}
	int i = (int)rn(c, MAXFDS);
	if (chance(c, 50))
		sc1(SYS_close, g_fds[i]);
	g_fds[i] = (int)fd;
}

static long fd_arg(struct ctx *c)
{
	int r = (int)rn(c, 100);
	if (r < 65 && g_nfds)
		return g_fds[rn(c, g_nfds)];
	if (r < 72)
		return (long)rn(c, 3);
	if (r < 78 && g_nclosed)
		return g_closed[rn(c, g_nclosed)];
	if (r < 84)
		return AT_FDCWD;
	if (r < 90)
		return -1;
	static const long odd[] = {1023, 1024, 65535, 65536, 0x7fffffff, -0x80000000L, 3, 4, 5, 6, 7, 8, 20,
				   100, 0x100000000L, -2};
	return PICK(c, odd);
}

static long dirfd_arg(struct ctx *c)
{
	return chance(c, 55) ? AT_FDCWD : fd_arg(c);
}

static long sig_arg(struct ctx *c)
{
	if (chance(c, 88))
		return (long)rn(c, 65);
	static const long odd[] = {-1, 65, 66, 128, 255, 0x80000000L, (1L << 32) | 9, (1L << 32) | 19, 1L << 32};
	return PICK(c, odd);
}

static long pid_arg(struct ctx *c)
{
	switch (rn(c, 16)) {
	case 0:
		return 0;
	case 1:
		return -1;
	case 2:
		return 1;
	case 3:
	case 4:
		return g_self_pid;
	case 5:
		return g_parent_pid;
	case 6:
	case 7: {
		int32_t p = g_sh->kids[rn(c, MAX_KIDS)];
		return p ? p : g_self_pid;
	}
	case 8:
		return g_nkids ? g_kids[rn(c, g_nkids)] : g_self_pid;
	case 9:
		return g_ntids ? g_tids[rn(c, g_ntids)] : sc0(SYS_gettid);
	case 10:
		return -g_self_pid;
	case 11: {
		int32_t p = g_sh->kids[rn(c, MAX_KIDS)];
		return p ? -p : -1;
	}
	case 12: {
		static const long odd[] = {-0x80000000L, 0x7fffffff, 99999, 4194304, 0x100000001L, -2};
		return PICK(c, odd);
	}
	default:
		return (long)rn(c, 64);
	}
}

/* Write a path somewhere in memory; returns the pointer given to the kernel. */
static long path_arg(struct call *k, int scratch_only)
{
	struct ctx *c = k->c;
	int r = (int)rn(c, 100);
	const char *p;
	if (scratch_only && k->npaths == 1 && k->paths[0][0] == '/' && chance(c, 25)) {
		/* the second path of a rename/link: the first one's parent or child */
		const char *first = k->paths[0];
		size_t n = slen(first);
		char *d = balloc(k, n + 4);
		memcpy(d, first, n + 1);
		if (chance(c, 50)) {
			while (n > 1 && d[n - 1] == '/')
				d[--n] = 0;
			while (n > 1 && d[n - 1] != '/')
				d[--n] = 0;
			if (n > 1)
				d[--n] = 0;
		} else {
			memcpy(d + n, chance(c, 50) ? "/e" : "/x", 3);
		}
		k->paths[k->npaths++] = d;
		return (long)d;
	}
	if (r < 80) {
		if (!scratch_only && chance(c, 30)) {
			p = PICK(c, ro_paths);
			k->path_ro = 1;
		} else {
			p = PICK(c, scratch_paths);
		}
		if (k->npaths < 4)
			k->paths[k->npaths++] = p;
		size_t n = slen(p);
		int where = (int)rn(c, 100);
		if (where < 6) /* no NUL before the unmapped page: EFAULT, never a path */
			return (long)memcpy(g_buf + BUF_SIZE - n, p, n);
		if (where < 12) /* read-only memory: fine for a path */
			return (long)p;
		char *d = balloc(k, n + 1);
		memcpy(d, p, n + 1);
		return (long)d;
	}
	if (r < 88) { /* long: around NAME_MAX and PATH_MAX */
		static const size_t lens[] = {254, 255, 256, 4094, 4095, 4096, 4097, 9000};
		size_t n = PICK(c, lens);
		char *d = balloc(k, n + 1);
		size_t i = 0;
		if (chance(c, 50)) {
			memcpy(d, "/tmp/fz/", 8);
			i = 8;
		}
		int slashes = chance(c, 50);
		for (; i < n; i++)
			d[i] = (char)(slashes && i % 7 == 6 ? '/' : 'a' + (i % 26));
		d[n] = 0;
		if (k->npaths < 4)
			k->paths[k->npaths++] = "/tmp/fz/<long>";
		return (long)d;
	}
	if (r < 92) {
		static const char *const odd[] = {"", "/", "//", "/.", "..///..//../tmp", "/proc/self/fd/",
						  "/tmp/fz/\xff\xfe", "/dev/../dev/null"};
		p = PICK(c, odd);
		if (k->npaths < 4)
			k->paths[k->npaths++] = p;
		char *d = balloc(k, slen(p) + 1);
		memcpy(d, p, slen(p) + 1);
		return (long)d;
	}
	k->npaths = 4; /* unknown: never treat as a safe rename */
	return hostile_ptr(c);
}

static long timespec_arg(struct call *k)
{
	struct ctx *c = k->c;
	if (chance(c, 12))
		return chance(c, 50) ? 0 : hostile_ptr(c);
	long *t = (long *)balloc(k, 32);
	static const long secs[] = {0, 0, 0, 0, 0, 1, -1, 0x7fffffffffffffffL, -0x8000000000000000L, 2};
	static const long nsecs[] = {0, 1, 1000, 1000000, 5000000, 999999999, 1000000000, -1, 0x3fffffff,
				     0x3ffffffe};
	for (int i = 0; i < 2; i++) {
		t[2 * i] = PICK(c, secs);
		t[2 * i + 1] = PICK(c, nsecs);
	}
	return (long)t;
}

static long iov_arg(struct call *k)
{
	struct ctx *c = k->c;
	if (chance(c, 10))
		return hostile_ptr(c);
	int n = 1 + (int)rn(c, 8);
	long *v = (long *)balloc(k, (size_t)n * 16);
	for (int i = 0; i < n; i++) {
		long len = len_arg(c);
		if (g_avoid && (unsigned long)len > AVOID_WRITE_MAX)
			len = (long)rn(c, AVOID_WRITE_MAX);
		v[2 * i] = ptr_arg(k, (size_t)(len > 0 && len < 65536 ? len : 64));
		v[2 * i + 1] = len;
	}
	k->niov = n;
	return (long)v;
}

static long count_arg(struct call *k)
{
	struct ctx *c = k->c;
	if (k->niov && chance(c, 70))
		return k->niov;
	static const long odd[] = {0, 1, 2, 8, 64, 1024, 1025, -1, 0x7fffffff, 0x100000001L};
	return chance(c, 50) ? (long)rn(c, 10) : PICK(c, odd);
}

static long sigset_arg(struct call *k)
{
	struct ctx *c = k->c;
	if (chance(c, 15))
		return chance(c, 50) ? 0 : hostile_ptr(c);
	uint64_t *m = (uint64_t *)balloc(k, 16);
	m[0] = chance(c, 30) ? 0 : (chance(c, 50) ? ~0ULL : rnd(c));
	m[1] = rnd(c);
	m[0] &= ~(1ULL << (SIGALRM - 1)); /* SIGALRM ends whatever blocks: never blocked */
	return (long)m;
}

static long sigsetsize_arg(struct ctx *c)
{
	static const long odd[] = {0, 4, 7, 16, 128, -1, 0x100000008L};
	return chance(c, 85) ? 8 : PICK(c, odd);
}

static void on_noop(int sig);
static void on_fault(int sig, siginfo_t *si, void *uc);

static long sigaction_arg(struct call *k)
{
	struct ctx *c = k->c;
	if (chance(c, 15))
		return chance(c, 50) ? 0 : hostile_ptr(c);
	struct ksigaction *a = (struct ksigaction *)balloc(k, sizeof *a);
	switch (rn(c, 8)) {
	case 0:
	case 1:
		a->handler = 0; /* SIG_DFL */
		break;
	case 2:
	case 3:
		a->handler = 1; /* SIG_IGN */
		break;
	case 4:
	case 5:
		a->handler = (uintptr_t)on_noop;
		break;
	case 6:
		a->handler = (uintptr_t)on_fault;
		break;
	default:
		a->handler = (uintptr_t)hostile_ptr(c);
	}
	static const unsigned long fl[] = {0, SA_RESTART, SA_SIGINFO, SA_NODEFER, SA_RESETHAND, SA_ONSTACK,
					   SA_RESTART | SA_SIGINFO | SA_ONSTACK, SA_NOCLDSTOP, SA_NOCLDWAIT,
					   SA_NODEFER | SA_RESETHAND};
	a->flags = chance(c, 90) ? PICK(c, fl) : (unsigned long)rnd(c);
	a->mask = chance(c, 50) ? 0 : rnd(c);
	return (long)a;
}

static long siginfo_arg(struct call *k)
{
	struct ctx *c = k->c;
	if (chance(c, 15))
		return hostile_ptr(c);
	int32_t *si = (int32_t *)balloc(k, 128);
	for (int i = 0; i < 32; i++)
		si[i] = (int32_t)rnd(c);
	static const int32_t codes[] = {-1, -2, -6, 0, 1, 128, 0x80, -60};
	si[0] = (int32_t)rn(c, 65);
	si[2] = PICK(c, codes);
	return (long)si;
}

static long rlimit_arg(struct call *k)
{
	struct ctx *c = k->c;
	if (chance(c, 40))
		return chance(c, 60) ? 0 : hostile_ptr(c);
	uint64_t *r = (uint64_t *)balloc(k, 16);
	r[0] = PICK(c, edges);
	r[1] = chance(c, 50) ? ~0ULL : PICK(c, edges);
	return (long)r;
}

static long pollfd_arg(struct call *k)
{
	struct ctx *c = k->c;
	if (chance(c, 10))
		return hostile_ptr(c);
	int n = 1 + (int)rn(c, 8);
	int32_t *p = (int32_t *)balloc(k, (size_t)n * 8);
	for (int i = 0; i < n; i++) {
		p[2 * i] = (int32_t)fd_arg(c);
		p[2 * i + 1] = (int32_t)(chance(c, 80) ? rn(c, 0x40) : rnd(c));
	}
	k->niov = n;
	return (long)p;
}

static long fdset_arg(struct call *k)
{
	struct ctx *c = k->c;
	if (chance(c, 30))
		return chance(c, 60) ? 0 : hostile_ptr(c);
	uint64_t *s = (uint64_t *)balloc(k, 128);
	for (int i = 0; i < 16; i++)
		s[i] = chance(c, 70) ? 0 : rnd(c);
	s[0] = rnd(c) & 0xffff;
	return (long)s;
}

static long stack_t_arg(struct call *k)
{
	struct ctx *c = k->c;
	if (chance(c, 20))
		return chance(c, 50) ? 0 : hostile_ptr(c);
	long *s = (long *)balloc(k, 24);
	s[0] = chance(c, 50) ? (long)g_arena + (long)rn(c, 4) * 4096 : ptr_arg(k, 4096);
	static const long fl[] = {0, 1 /* SS_ONSTACK */, 2 /* SS_DISABLE */, 4, -1, 1 << 31};
	s[1] = PICK(c, fl);
	static const long sz[] = {0, 1024, 2048, 4096, 8192, 65536, -1, 0x7fffffff};
	s[2] = PICK(c, sz);
	return (long)s;
}

static long itimerval_arg(struct call *k)
{
	struct ctx *c = k->c;
	if (chance(c, 20))
		return chance(c, 50) ? 0 : hostile_ptr(c);
	long *t = (long *)balloc(k, 32);
	static const long v[] = {0, 0, 1, 1000, 20000, 999999, 1000000, -1, 0x7fffffffffffffffL};
	for (int i = 0; i < 4; i++)
		t[i] = PICK(c, v);
	return (long)t;
}

/* ioctl commands: the type 'T' (0x54, terminals) only from this list, so that the console is
 * never stopped (TCXONC, or TIOCSTI typing a ^S) nor redirected (TIOCCONS). */
static long ioctl_cmd(struct call *k, long *arg)
{
	struct ctx *c = k->c;
	static const long cmds[] = {
		0x5401 /* TCGETS */, 0x5402 /* TCSETS */, 0x5403 /* TCSETSW */, 0x5404 /* TCSETSF */,
		0x5413 /* TIOCGWINSZ */, 0x5414 /* TIOCSWINSZ */, 0x540f /* TIOCGPGRP */,
		0x5410 /* TIOCSPGRP */, 0x541b /* FIONREAD */, 0x5421 /* FIONBIO */, 0x5451 /* FIOCLEX */,
		0x5450 /* FIONCLEX */, 0x5452 /* FIOASYNC */, 0x540e /* TIOCSCTTY */, 0x5422 /* TIOCNOTTY */,
		0x5429 /* TIOCGSID */, 0x540b /* TCFLSH */, 0x5411 /* TIOCOUTQ */,
		0x80086601 /* FS_IOC_GETFLAGS */, 0x40086602 /* FS_IOC_SETFLAGS */, 0x5460 /* FIOQSIZE */,
		0x80045430 /* TIOCGPTN */, 0x40045431 /* TIOCSPTLCK */, 0x5437 /* TIOCVHANGUP */,
	};
	long cmd;
	if (chance(c, 80)) {
		cmd = PICK(c, cmds);
	} else {
		cmd = chance(c, 50) ? (long)(uint32_t)rnd(c) : (long)rnd(c);
		if (((cmd >> 8) & 0xff) == 0x54)
			cmd = 0x5401;
	}
	if (cmd >= 0x5402 && cmd <= 0x5404) {
		if (g_have_termios && chance(c, 70)) {
			char *t = balloc(k, sizeof g_termios);
			memcpy(t, g_termios, sizeof g_termios);
			*arg = (long)t;
		} else {
			*arg = chance(c, 50) ? 0 : hostile_ptr(c);
		}
	} else if (cmd == 0x5437) {
		cmd = 0x5401; /* vhangup of the console: not needed to find kernel bugs, and it is loud */
		*arg = ptr_arg(k, 64);
	} else {
		*arg = chance(c, 60) ? ptr_arg(k, 64) : int_arg(c);
	}
	return cmd;
}

static long fcntl_cmd(struct call *k, long *arg)
{
	struct ctx *c = k->c;
	static const long cmds[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 36, 37, 38, 1030, 1031, 1032,
				    1033, 1034, 1024, 1025, 1026};
	long cmd = chance(c, 90) ? PICK(c, cmds) : int_arg(c);
	switch (cmd) {
	case 5:
	case 6:
	case 7:
	case 36:
	case 37:
	case 38: {
		if (chance(c, 15)) {
			*arg = hostile_ptr(c);
			break;
		}
		int16_t *fl = (int16_t *)balloc(k, 32);
		fl[0] = (int16_t)(chance(c, 90) ? rn(c, 3) : rnd(c)); /* l_type */
		fl[1] = (int16_t)(chance(c, 90) ? rn(c, 3) : rnd(c)); /* l_whence */
		long *l = (long *)(fl + 4);
		l[0] = int_arg(c); /* l_start */
		l[1] = int_arg(c); /* l_len */
		((int32_t *)(fl + 12))[0] = (int32_t)(chance(c, 70) ? 0 : pid_arg(c));
		*arg = (long)fl;
		break;
	}
	case 8:
		*arg = pid_arg(c);
		break;
	case 1031:
		*arg = chance(c, 50) ? (long)PICK(c, edges) : (long)(4096 << rn(c, 12));
		break;
	default:
		*arg = chance(c, 70) ? int_arg(c) : flags_arg(c);
	}
	return cmd;
}

static long open_flags(struct ctx *c)
{
	if (chance(c, 5))
		return (long)(uint32_t)rnd(c);
	static const long bits[] = {O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_APPEND, O_NONBLOCK, O_DSYNC,
				    O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_PATH, O_TMPFILE, O_DIRECT, O_LARGEFILE,
				    O_SYNC, O_NOATIME};
	long f = (long)rn(c, 4);
	int n = (int)rn(c, 4);
	for (int i = 0; i < n; i++)
		f |= PICK(c, bits);
	if (chance(c, 30))
		f |= O_CREAT;
	return f;
}

static long mode_arg(struct ctx *c)
{
	static const long modes[] = {0, 0644, 0755, 0777, 07777, 0600, 010644 /* FIFO */, 020644 /* chr */,
				     060644 /* blk */, 0140644 /* sock */, 0100644, 040755, -1};
	return chance(c, 85) ? PICK(c, modes) : (long)(uint32_t)rnd(c);
}

static long clock_arg(struct ctx *c)
{
	static const long odd[] = {-1, 12, 16, 0x7fffffff, -6 /* a CPU-clock id */, -14, 0x100000000L};
	return chance(c, 85) ? (long)rn(c, 12) : PICK(c, odd);
}

static long wait_opts(struct ctx *c)
{
	static const long o[] = {0, WNOHANG, WUNTRACED, WCONTINUED, __WALL, __WCLONE, __WNOTHREAD,
				 WNOHANG | __WALL, WEXITED, WEXITED | WNOHANG, WSTOPPED, WNOWAIT | WEXITED};
	return chance(c, 90) ? PICK(c, o) : flags_arg(c);
}

static uint64_t clampu(struct ctx *c, uint64_t v, uint64_t max)
{
	return v > max ? rn(c, max) : v;
}

/* ---- the table: what dispatch.rs implements ------------------------------------------------ */

enum {
	X_MMAP = 1000,
	X_MUNMAP,
	X_MPROTECT,
	X_MADVISE,
	X_TOUCH,
	X_CLONE,
	X_CLONE3,
	X_EXECVE,
	X_FUTEX,
	X_MOUNT,
	X_UMOUNT,
	X_REBOOT,
	X_CONSOLE,
	X_EXIT,
	X_SIGRETURN,
};

struct spec {
	short nr;
	short weight;
	const char *args;
};

/*
 * Argument kinds: f fd, d dirfd, p pointer to memory the kernel writes, b pointer to data it
 * reads, l length, o offset, W whence, s path (any), S path (scratch only), O open flags,
 * m mode, x flags, i integer, P pid, g signal, T timespec(s), t itimerval, v iovec array,
 * n count (of the array just built), F pollfd array, X fd_set, k sigset, z sigset size,
 * A sigaction, q siginfo, L rlimit, K stack_t, a address, c clock id, r small integer
 * (which/resource), w wait options, I ioctl command+argument, C fcntl command+argument,
 * 6 pselect6's {sigset, size}, 0 zero, N anything.
 */
static const struct spec specs[] = {
	{SYS_read, 6, "fpl"},
	{SYS_write, 6, "fbl"},
	{SYS_readv, 3, "fvn"},
	{SYS_writev, 3, "fvn"},
	{SYS_pread64, 3, "fplo"},
	{SYS_pwrite64, 3, "fblo"},
	{SYS_lseek, 3, "foW"},
	{SYS_openat, 9, "dsOm"},
	{SYS_close, 5, "f"},
	{SYS_fstat, 3, "fp"},
	{SYS_newfstatat, 4, "dspx"},
	{SYS_ppoll, 3, "FnTkz"},
	{SYS_readlinkat, 2, "dspl"},
	{SYS_ioctl, 4, "fI"},
	{SYS_sendfile, 3, "ffpl"},
	{SYS_pselect6, 2, "nXXXT6"},
	{SYS_fsync, 1, "f"},
	{SYS_fdatasync, 1, "f"},
	{SYS_statx, 2, "dsxxp"},
	{SYS_getdents64, 3, "fpl"},
	{SYS_mkdirat, 3, "dSm"},
	{SYS_mknodat, 2, "dSmi"},
	{SYS_unlinkat, 3, "dSx"},
	{SYS_renameat2, 3, "dSdSx"},
	{SYS_linkat, 2, "dSdSx"},
	{SYS_symlinkat, 2, "SdS"},
	{SYS_chdir, 1, "s"},
	{SYS_fchdir, 1, "f"},
	{SYS_getcwd, 2, "pl"},
	{SYS_dup, 3, "f"},
	{SYS_dup3, 3, "ffx"},
	{SYS_fcntl, 4, "fC"},
	{SYS_pipe2, 3, "px"},
	{SYS_truncate, 2, "So"},
	{SYS_ftruncate, 3, "fo"},
	{SYS_fallocate, 2, "fxoo"},
	{SYS_faccessat, 2, "dsx"},
	{SYS_faccessat2, 2, "dsxx"},
	{SYS_fchmodat, 2, "dSm"},
	{SYS_fchmod, 2, "fm"},
	{SYS_fchownat, 1, "dSiix"},
	{SYS_fchown, 1, "fii"},
	{SYS_utimensat, 2, "dSTx"},
	{SYS_umask, 1, "m"},
	{SYS_statfs, 2, "sp"},
	{SYS_fstatfs, 2, "fp"},
	{SYS_sync, 1, ""},
	{SYS_syncfs, 1, "f"},
	{SYS_brk, 2, "a"},
	{SYS_getpid, 1, ""},
	{SYS_getppid, 1, ""},
	{SYS_gettid, 1, ""},
	{SYS_set_tid_address, 1, "p"},
	{SYS_getuid, 1, ""},
	{SYS_getegid, 1, ""},
	{SYS_prlimit64, 2, "PrLL"},
	{SYS_getrlimit, 1, "rp"},
	{SYS_setrlimit, 1, "rL"},
	{SYS_getresuid, 1, "ppp"},
	{SYS_getresgid, 1, "ppp"},
	{SYS_getgroups, 1, "ip"},
	{SYS_setgroups, 1, "ib"},
	{SYS_getpriority, 1, "rP"},
	{SYS_setpriority, 1, "rPi"},
	{SYS_getrusage, 1, "ip"},
	{SYS_getitimer, 1, "rp"},
	{SYS_setitimer, 2, "rtt"},
	{SYS_setpgid, 2, "PP"},
	{SYS_getpgid, 1, "P"},
	{SYS_setsid, 1, ""},
	{SYS_getsid, 1, "P"},
	{SYS_restart_syscall, 1, ""},
	{SYS_wait4, 3, "Ppwp"},
	{SYS_waitid, 2, "rPpwp"},
	{SYS_set_robust_list, 1, "pl"},
	{SYS_get_robust_list, 1, "Ppp"},
	{SYS_clock_gettime, 2, "cp"},
	{SYS_clock_getres, 1, "cp"},
	{SYS_gettimeofday, 1, "pp"},
	{SYS_nanosleep, 2, "TT"},
	{SYS_clock_nanosleep, 2, "cxTT"},
	{SYS_times, 1, "p"},
	{SYS_sched_yield, 2, ""},
	{SYS_sched_getaffinity, 1, "Plp"},
	{SYS_sched_setaffinity, 1, "Plb"},
	{SYS_uname, 1, "p"},
	{SYS_getrandom, 2, "plx"},
	{SYS_sysinfo, 1, "p"},
	{SYS_syslog, 1, "ipl"},
	{SYS_rt_sigaction, 4, "gAAz"},
	{SYS_rt_sigprocmask, 3, "ikkz"},
	{SYS_rt_sigpending, 1, "kz"},
	{SYS_rt_sigsuspend, 1, "kz"},
	{SYS_rt_sigtimedwait, 2, "kqTz"},
	{SYS_sigaltstack, 1, "KK"},
	{SYS_kill, 5, "Pg"},
	{SYS_tkill, 2, "Pg"},
	{SYS_tgkill, 2, "PPg"},
	{SYS_rt_sigqueueinfo, 1, "Pgq"},
	{SYS_rt_tgsigqueueinfo, 1, "PPgq"},
	{X_SIGRETURN, 1, ""},
	{X_MMAP, 6, ""},
	{X_MUNMAP, 4, ""},
	{X_MPROTECT, 4, ""},
	{X_MADVISE, 3, ""},
	{X_TOUCH, 3, ""},
	{X_CLONE, 4, ""},
	{X_CLONE3, 1, ""},
	{X_EXECVE, 3, ""},
	{X_FUTEX, 4, ""},
	{X_MOUNT, 2, ""},
	{X_UMOUNT, 2, ""},
	{X_REBOOT, 1, ""},
	{X_CONSOLE, 1, ""},
	{X_EXIT, 1, ""},
};
#define NSPECS ((int)(sizeof specs / sizeof specs[0]))
static int g_total_weight;
static short g_weight[NSPECS]; /* specs[i].weight, or 0 if --no= excluded it */
static int g_no_any;           /* --no=any: no random numbers */

/* --no=exec,clone,64,...: leave out the special generators named, syscall numbers of the table,
 * or "any" (random numbers); for reducing a failure to what it needs. Exec'd images ignore it. */
static void exclude(const char *list)
{
	static const struct {
		const char *name;
		short nr[3];
	} names[] = {
		{"mmap", {X_MMAP}}, {"munmap", {X_MUNMAP}}, {"mprotect", {X_MPROTECT}}, {"madvise", {X_MADVISE}}, {"touch", {X_TOUCH}},
		{"clone", {X_CLONE, X_CLONE3}}, {"exec", {X_EXECVE}}, {"futex", {X_FUTEX}},
		{"mount", {X_MOUNT, X_UMOUNT}}, {"reboot", {X_REBOOT}}, {"console", {X_CONSOLE}},
		{"exit", {X_EXIT}}, {"sigreturn", {X_SIGRETURN}},
	};
	for (int i = 0; i < NSPECS; i++)
		g_weight[i] = specs[i].weight;
	while (list && *list) {
		size_t n = strcspn(list, ",");
		if (n == 3 && !strncmp(list, "any", 3))
			g_no_any = 1;
		for (unsigned j = 0; j < sizeof names / sizeof names[0]; j++)
			if (slen(names[j].name) == n && !strncmp(list, names[j].name, n))
				for (int i = 0; i < NSPECS; i++)
					for (int m = 0; m < 3; m++)
						if (names[j].nr[m] && specs[i].nr == names[j].nr[m])
							g_weight[i] = 0;
		if (list[0] >= '0' && list[0] <= '9')
			for (int i = 0; i < NSPECS; i++)
				if (specs[i].nr == atoi(list))
					g_weight[i] = 0;
		list += n + (list[n] == ',');
	}
	g_total_weight = 0;
	for (int i = 0; i < NSPECS; i++)
		g_total_weight += g_weight[i];
}

static long gen(struct call *k, char kind)
{
	struct ctx *c = k->c;
	switch (kind) {
	case 'f':
		return fd_arg(c);
	case 'd':
		return dirfd_arg(c);
	case 'p':
		return ptr_arg(k, 256);
	case 'b':
		return ptr_arg(k, 256);
	case 'l':
		return len_arg(c);
	case 'o':
		return chance(c, 60) ? (long)rn(c, 70000) : int_arg(c);
	case 'W':
		return chance(c, 90) ? (long)rn(c, 5) : int_arg(c);
	case 's':
		return path_arg(k, 0);
	case 'S':
		return path_arg(k, 1);
	case 'O':
		return open_flags(c);
	case 'm':
		return mode_arg(c);
	case 'x':
		return flags_arg(c);
	case 'i':
		return int_arg(c);
	case 'P':
		return pid_arg(c);
	case 'g':
		return sig_arg(c);
	case 'T':
		return timespec_arg(k);
	case 't':
		return itimerval_arg(k);
	case 'v':
		return iov_arg(k);
	case 'n':
		return count_arg(k);
	case 'F':
		return pollfd_arg(k);
	case 'X':
		return fdset_arg(k);
	case 'k':
		return sigset_arg(k);
	case 'z':
		return sigsetsize_arg(c);
	case 'A':
		return sigaction_arg(k);
	case 'q':
		return siginfo_arg(k);
	case 'L':
		return rlimit_arg(k);
	case 'K':
		return stack_t_arg(k);
	case 'a':
		return chance(c, 30) ? (long)sc1(SYS_brk, 0) + int_arg(c) : ptr_arg(k, 0);
	case 'c':
		return clock_arg(c);
	case 'r':
		return chance(c, 85) ? (long)rn(c, 17) : int_arg(c);
	case 'w':
		return wait_opts(c);
	case '6': {
		if (chance(c, 40))
			return chance(c, 60) ? 0 : hostile_ptr(c);
		long *s = (long *)balloc(k, 16);
		s[0] = sigset_arg(k);
		s[1] = sigsetsize_arg(c);
		return (long)s;
	}
	case '0':
		return 0;
	default:
		switch (rn(c, 4)) {
		case 0:
			return int_arg(c);
		case 1:
			return ptr_arg(k, 64);
		case 2:
			return fd_arg(c);
		default:
			return path_arg(k, 1);
		}
	}
}

/* One of a and b names the other's ancestor (or we cannot tell): the known rename hang. */
static int rename_risky(struct call *k)
{
	if (k->npaths != 2)
		return 1;
	const char *a = k->paths[0], *b = k->paths[1];
	if (a[0] != '/' || b[0] != '/')
		return 1;
	for (const char *p = a; *p; p++)
		if (p[0] == '.' && (p[1] == '.' || p[1] == '/'))
			return 1;
	for (const char *p = b; *p; p++)
		if (p[0] == '.' && (p[1] == '.' || p[1] == '/'))
			return 1;
	if (strstr(a, "/l/") || strstr(b, "/l/") || strstr(a, "//") || strstr(b, "//"))
		return 1;
	size_t la = slen(a), lb = slen(b);
	if (la <= lb ? !strncmp(a, b, la) : !strncmp(a, b, lb))
		return 1;
	return 0;
}

static int is_stop_or_kill(long sig)
{
	return (sig & 0xff) == SIGKILL || (sig & 0xff) == SIGSTOP || (int)sig == SIGKILL || (int)sig == SIGSTOP;
}

/* Adjust a generated call: the filters of the header comment. */
static void fixup(struct call *k, long nr, long *a)
{
	struct ctx *c = k->c;
	switch (nr) {
	case SYS_openat:
		if (k->path_ro)
			a[2] &= O_NONBLOCK | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW | O_PATH | O_NOCTTY | O_LARGEFILE;
		break;
	case SYS_ioctl:
		a[1] = ioctl_cmd(k, &a[2]);
		break;
	case SYS_fcntl:
		a[1] = fcntl_cmd(k, &a[2]);
		break;
	case SYS_prlimit64:
		if ((int)a[0] == 1)
			a[0] = 0;
		break;
	case SYS_rt_sigaction:
		if ((int)a[0] == SIGALRM && chance(c, 95))
			a[1] = 0; /* SIGALRM ends whatever blocks: rarely anything else than ours */
		break;
	}
	if (g_avoid) {
		switch (nr) {
		/* pids are read as 32-bit ints: 0x100000001 is pid 1 */
		case SYS_kill:
		case SYS_rt_sigqueueinfo:
			if (((int)a[0] == 0 || (int)a[0] == 1) && is_stop_or_kill(a[1]))
				a[0] = g_self_pid;
			break;
		case SYS_tkill:
			if ((int)a[0] == 1 && is_stop_or_kill(a[1]))
				a[0] = g_self_pid;
			break;
		case SYS_tgkill:
		case SYS_rt_tgsigqueueinfo:
			if (((int)a[0] == 1 || (int)a[1] == 1) && is_stop_or_kill(a[2]))
				a[0] = a[1] = g_self_pid;
			break;
		case SYS_truncate:
		case SYS_ftruncate:
			a[1] = (long)clampu(c, (uint64_t)a[1], AVOID_FILE_MAX);
			break;
		case SYS_fallocate:
			a[2] = (long)clampu(c, (uint64_t)a[2], AVOID_FILE_MAX);
			a[3] = (long)clampu(c, (uint64_t)a[3], AVOID_FILE_MAX);
			break;
		case SYS_pwrite64:
			a[3] = (long)clampu(c, (uint64_t)a[3], AVOID_FILE_MAX);
			/* fall through */
		case SYS_write:
			a[2] = (long)clampu(c, (uint64_t)a[2], AVOID_WRITE_MAX);
			break;
		case SYS_writev:
			if ((uint64_t)a[2] > (uint64_t)k->niov)
				a[2] = k->niov;
			break;
		case SYS_sendfile:
			a[3] = (long)clampu(c, (uint64_t)a[3], AVOID_WRITE_MAX);
			if (a[2] && (uint64_t)a[2] >= (uint64_t)g_buf && (uint64_t)a[2] + 8 <= (uint64_t)g_buf + BUF_SIZE)
				*(uint64_t *)a[2] = clampu(c, *(uint64_t *)a[2], AVOID_FILE_MAX);
			else
				a[2] = 0;
			break;
		case SYS_lseek:
			if (a[2] == SEEK_CUR)
				a[2] = SEEK_SET;
			a[1] = (long)clampu(c, (uint64_t)a[1], AVOID_FILE_MAX);
			break;
		case SYS_renameat2:
			a[0] = a[2] = AT_FDCWD;
			break;
		case SYS_setitimer: /* a period under a millisecond: the kernel fires every missed one */
			if (a[1] && (uint64_t)a[1] >= (uint64_t)g_buf && (uint64_t)a[1] + 32 <= (uint64_t)g_buf + BUF_SIZE) {
				long *t = (long *)a[1];
				if (t[0] <= 0 && t[1] < 1000)
					t[0] = 0, t[1] = 1000;
			} else {
				a[1] = 0;
			}
			break;
		}
	}
}

static void post(struct call *k, long nr, long *a, long r)
{
	struct ctx *c = k->c;
	if (r < 0)
		return;
	switch (nr) {
	case SYS_openat:
	case SYS_dup:
	case SYS_dup3:
		add_fd(c, r);
		break;
	case SYS_fcntl:
		if (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC)
			add_fd(c, r);
		break;
	case SYS_pipe2:
		if ((uint64_t)a[0] >= (uint64_t)g_buf && (uint64_t)a[0] + 8 <= (uint64_t)g_buf + BUF_SIZE) {
			add_fd(c, ((int *)a[0])[0]);
			add_fd(c, ((int *)a[0])[1]);
		}
		break;
	case SYS_close:
		if (g_nclosed < 8)
			g_closed[g_nclosed++] = (int)a[0];
		else
			g_closed[rn(c, 8)] = (int)a[0];
		break;
	case SYS_chdir:
	case SYS_fchdir:
		if (chance(c, 50))
			sc1(SYS_chdir, "/tmp/fz");
		break;
	}
}

/* ---- the special generators ----------------------------------------------------------------- */

static void fuzz_loop(struct ctx *c);

static void record_map(struct ctx *c, uintptr_t addr, size_t len)
{
	int i = g_nmaps < 16 ? g_nmaps++ : (int)rn(c, 16);
	g_maps[i].addr = addr;
	g_maps[i].len = len;
}

static void touch(struct ctx *c, uintptr_t addr, size_t len, int write)
{
	if (!len)
		return;
	size_t span = len < (1UL << 20) ? len : (1UL << 20);
	for (int i = 0; i < 1 + (int)rn(c, 4); i++) {
		volatile char *p = (volatile char *)(addr + rn(c, span));
		if (write)
			*p = (char)rnd(c);
		else
			(void)*p;
	}
}

static void do_mmap(struct call *k)
{
	struct ctx *c = k->c;
	long addr = 0, len, prot, flags, fd = -1, off = 0;
	int fixed = 0;
	switch (rn(c, 20)) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
	case 6:
	case 7:
	case 8:
		break;
	case 9:
	case 10:
	case 11:
	case 12:
	case 13:
		addr = (long)g_arena + (long)rn(c, ARENA_PAGES) * (long)PAGE;
		fixed = chance(c, 70);
		break;
	case 14:
		addr = (long)g_arena + 1 + (long)rn(c, PAGE);
		fixed = chance(c, 50);
		break;
	case 15:
	case 16:
	case 17:
		addr = (long)PICK(c, bad_ptrs);
		fixed = chance(c, 50);
		break;
	default:
		addr = (long)(rnd(c) & 0x3ffffff000ULL); /* a hint, never MAP_FIXED: it could be our code */
		if ((uint64_t)addr == SHARED_AT)
			addr = 0;
	}
	switch (rn(c, 10)) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
		len = (long)((1 + rn(c, 16)) * PAGE);
		break;
	case 5:
		len = (long)rn(c, 3 * PAGE);
		break;
	case 6:
		len = (long)(64UL << 20);
		break;
	case 7:
		len = (long)(1 + rn(c, ARENA_PAGES)) * (long)PAGE;
		break;
	default:
		len = (long)PICK(c, edges);
	}
	prot = chance(c, 90) ? (long)rn(c, 8) : flags_arg(c);
	static const long types[] = {MAP_PRIVATE, MAP_PRIVATE, MAP_PRIVATE, MAP_SHARED, MAP_SHARED, 3, 0, 0xf};
	flags = PICK(c, types);
	if (chance(c, 70))
		flags |= MAP_ANONYMOUS;
	else {
		fd = fd_arg(c);
		off = chance(c, 60) ? 0 : (chance(c, 50) ? (long)(rn(c, 64) * PAGE) : int_arg(c));
	}
	if (fixed)
		flags |= chance(c, 85) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	static const long extra[] = {MAP_POPULATE, MAP_NORESERVE, MAP_GROWSDOWN, MAP_STACK, MAP_LOCKED,
				     MAP_HUGETLB, MAP_NONBLOCK, MAP_SYNC, 0x80 /* MAP_32BIT-ish */};
	if (chance(c, 20))
		flags |= PICK(c, extra);
	if (chance(c, 3))
		flags = flags_arg(c);
	if (flags & MAP_ANONYMOUS && chance(c, 50))
		fd = chance(c, 80) ? -1 : fd_arg(c);
	if (g_avoid && (flags & 3) != MAP_PRIVATE && (flags & MAP_ANONYMOUS) && (uint64_t)len > AVOID_SHARED_MAX)
		len = (long)AVOID_SHARED_MAX;
	if (g_avoid && !(flags & MAP_ANONYMOUS) && fd >= 0) {
		/* a /proc file's page fault locks the faulting process's memory twice: a hang */
		char link[40];
		memcpy(link, "/proc/self/fd/", 14);
		utoa(link + 14, (uint64_t)fd);
		char *target = balloc(k, 64);
		long n = sc4(SYS_readlinkat, AT_FDCWD, link, target, 63);
		if (n < 0 || (n >= 5 && !memcmp(target, "/proc", 5)))
			return;
	}
	count_call();
	long r = sc6(SYS_mmap, addr, len, prot, flags, fd, off);
	if (r < 0 && r > -4096)
		return;
	bump(&g_sh->mmaps);
	record_map(c, (uintptr_t)r, (size_t)len);
	if (chance(c, 50))
		touch(c, (uintptr_t)r, (size_t)len, (prot & PROT_WRITE) && chance(c, 70));
}

/* A range: one we mapped (whole, part, a hole), the arena, or nonsense. */
static void some_range(struct ctx *c, long *addr, long *len)
{
	int r = (int)rn(c, 20);
	if (r < 8 && g_nmaps) {
		int i = (int)rn(c, g_nmaps);
		*addr = (long)g_maps[i].addr;
		*len = (long)g_maps[i].len;
		if (chance(c, 40) && *len > (long)PAGE) {
			long pages = *len / (long)PAGE;
			long first = (long)rn(c, (uint64_t)pages);
			*addr += first * (long)PAGE;
			*len = (long)(1 + rn(c, (uint64_t)(pages - first))) * (long)PAGE;
		}
		return;
	}
	if (r < 15) {
		long first = (long)rn(c, ARENA_PAGES);
		*addr = (long)g_arena + first * (long)PAGE;
		*len = (long)(1 + rn(c, ARENA_PAGES - first)) * (long)PAGE;
		if (chance(c, 10))
			*len -= (long)rn(c, PAGE);
		return;
	}
	if (r < 18) {
		*addr = (long)PICK(c, bad_ptrs);
		*len = len_arg(c);
		return;
	}
	if (r == 18) { /* ranges that run into our own memory: may kill us, which is fine */
		*addr = (long)g_arena;
		*len = (long)PICK(c, edges);
		return;
	}
	*addr = (long)g_buf + (long)rn(c, BUF_PAGES) * (long)PAGE;
	*len = (long)PAGE;
}

static void do_munmap(struct call *k)
{
	long addr, len;
	some_range(k->c, &addr, &len);
	count_call();
	sc2(SYS_munmap, addr, len);
}

static void do_mprotect(struct call *k)
{
	struct ctx *c = k->c;
	long addr, len;
	some_range(c, &addr, &len);
	long prot = chance(c, 90) ? (long)rn(c, 8) : flags_arg(c);
	if (chance(c, 10))
		prot |= chance(c, 50) ? PROT_GROWSDOWN : PROT_GROWSUP;
	count_call();
	sc3(SYS_mprotect, addr, len, prot);
}

static void do_madvise(struct call *k)
{
	struct ctx *c = k->c;
	long addr, len;
	some_range(c, &addr, &len);
	/* mostly MADV_DONTNEED and MADV_FREE (they drop pages), then hints and unknown advice */
	static const long advice[] = {4, 4, 4, 8, 8, 0, 1, 2, 3, 9, 10, 14, 16, 20, 21, 22, 24, 25, 100};
	long a = chance(c, 95) ? PICK(c, advice) : (long)rn(c, 1u << 20);
	count_call();
	sc3(SYS_madvise, addr, len, a);
}

static void do_touch(struct call *k)
{
	struct ctx *c = k->c;
	if (g_nmaps && chance(c, 60)) {
		int i = (int)rn(c, g_nmaps);
		touch(c, g_maps[i].addr, g_maps[i].len, chance(c, 60));
	} else {
		touch(c, (uintptr_t)g_arena, ARENA_SIZE, chance(c, 60));
	}
}

static void do_futex(struct call *k)
{
	struct ctx *c = k->c;
	long uaddr, uaddr2;
	int r = (int)rn(c, 10);
	uint32_t *shared = (uint32_t *)g_sh->futex;
	if (r < 5) {
		uint32_t *w = &shared[rn(c, 16)];
		if (chance(c, 20)) {
			static const long vals[] = {0, 1, 2, 0x80000000L, 0x40000000L, 0xffffffff};
			*w = (uint32_t)(chance(c, 50) ? (long)g_self_pid : PICK(c, vals));
		}
		uaddr = (long)w;
	} else if (r < 7) {
		uaddr = (long)balloc(k, 8);
	} else if (r < 8) {
		uaddr = (long)(g_buf + 1 + rn(c, 3));
	} else {
		uaddr = ptr_arg(k, 4);
	}
	uaddr2 = chance(c, 60) ? (long)&shared[rn(c, 16)] : ptr_arg(k, 4);
	long op = chance(c, 92) ? (long)rn(c, 14) : int_arg(c);
	if (chance(c, 50))
		op |= 128; /* FUTEX_PRIVATE_FLAG */
	if (chance(c, 10))
		op |= 256; /* FUTEX_CLOCK_REALTIME */
	long val;
	int base = (int)(op & 127);
	if ((base == 0 || base == 9) && uaddr >= (long)g_buf && uaddr < (long)g_buf + (long)BUF_SIZE - 4 &&
	    chance(c, 60))
		val = *(volatile uint32_t *)uaddr;
	else if ((base == 0 || base == 9) && uaddr >= (long)shared && uaddr < (long)(shared + 16) && chance(c, 60))
		val = *(volatile uint32_t *)uaddr;
	else
		val = chance(c, 50) ? (long)rn(c, 4) : int_arg(c);
	long arg4 = (base == 0 || base == 9 || base == 6 || base == 11 || base == 13) ? timespec_arg(k) : int_arg(c);
	long val3 = chance(c, 50) ? (long)0xffffffff : int_arg(c);
	count_call();
	sc6(SYS_futex, uaddr, op, val, arg4, uaddr2, val3);
}

static void do_mount(struct call *k)
{
	struct ctx *c = k->c;
	static const char *const srcs[] = {"none", "tmpfs", "proc", "/dev/vda", "/tmp/fz/a", "", "/dev/null"};
	static const char *const types[] = {"tmpfs", "tmpfs", "proc", "devtmpfs", "ramfs", "ext4", "sysfs",
					    "bogus", "", "devpts"};
	static const char *const targets[] = {"/tmp/fz/d", "/tmp/fz/m", "/tmp/fz/d/e", "/tmp/fz/a", "/tmp/fz",
					      "/tmp/fz/x0", "/tmp/fz/nope", "/tmp/fz/l"};
	static const long mflags[] = {0, 0, 0, 1 /* MS_RDONLY */, 32 | 1 /* MS_REMOUNT|MS_RDONLY */, 32,
				      4096 /* MS_BIND */, 4096 | 16384 /* MS_REC */, 8192 /* MS_MOVE */,
				      2 | 4 | 8 /* NOSUID|NODEV|NOEXEC */, 1 << 18 /* MS_PRIVATE */};
	static const char *const datas[] = {"size=64k", "mode=777", "size=1", "nr_inodes=2", ",,,=", "size=99999999999999999999"};
	long src = chance(c, 85) ? (long)PICK(c, srcs) : path_arg(k, 1);
	long target;
	if (chance(c, 75))
		target = (long)PICK(c, targets);
	else if (chance(c, 30))
		target = (long)PICK(c, scratch_paths);
	else
		target = path_arg(k, 1);
	long type = chance(c, 90) ? (long)PICK(c, types) : (chance(c, 50) ? 0 : hostile_ptr(c));
	long flags = chance(c, 90) ? PICK(c, mflags) : flags_arg(c);
	long data = chance(c, 60) ? 0 : (chance(c, 80) ? (long)PICK(c, datas) : ptr_arg(k, 64));
	count_call();
	sc5(SYS_mount, src, target, type, flags, data);
}

static void do_umount(struct call *k)
{
	struct ctx *c = k->c;
	static const char *const targets[] = {"/tmp/fz/d", "/tmp/fz/m", "/tmp/fz/d/e", "/tmp/fz/a", "/tmp/fz",
					      "/tmp", "/proc", "/dev", "/", "/tmp/fz/x0"};
	long target = chance(c, 80) ? (long)PICK(c, targets) : path_arg(k, 1);
	long flags = chance(c, 85) ? (long)rn(c, 16) : flags_arg(c);
	count_call();
	sc2(SYS_umount2, target, flags);
}

static void do_reboot(struct call *k)
{
	struct ctx *c = k->c;
	/* Any arguments, but never LINUX_REBOOT_MAGIC1: a right pair of magic numbers powers off. */
	static const long magic2[] = {672274793, 85072278, 369367448, 537993216, 0};
	static const long cmds[] = {0x01234567, 0xcdef0123, 0x89abcdef, 0, 0x4321fedc, 0xa1b2c3d4, 0xd000fce2,
				    0x45584543};
	long m1 = (long)(uint32_t)rnd(c);
	if ((uint32_t)m1 == 0xfee1deadU)
		m1 ^= 1;
	if (chance(c, 50))
		m1 = 0xfee1deac; /* one off */
	long m2 = chance(c, 70) ? PICK(c, magic2) : int_arg(c);
	count_call();
	sc4(SYS_reboot, m1, m2, PICK(c, cmds), ptr_arg(k, 64));
}

/* The console: open it, a few (safe-listed) ioctls, a non-blocking read, close. */
static void do_console(struct call *k)
{
	struct ctx *c = k->c;
	static const char *const ttys[] = {"/dev/tty", "/dev/console", "/proc/1/fd/0"};
	count_call();
	long fd = sc4(SYS_openat, AT_FDCWD, PICK(c, ttys), O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
	if (fd < 0)
		return;
	for (int i = 0; i < 1 + (int)rn(c, 3); i++) {
		long arg, cmd = ioctl_cmd(k, &arg);
		count_call();
		sc3(SYS_ioctl, fd, cmd, arg);
	}
	count_call();
	sc3(SYS_read, fd, balloc(k, 64), 64);
	sc1(SYS_close, fd);
}

/*
 * rt_sigreturn outside a handler, with the stack pointer on a page of junk: the kernel takes it
 * for a signal frame. Every word is a bad address or a small number, so the pc it restores (if it
 * accepts the frame) faults at once and the fault handler takes us back to the loop. (From our
 * real stack it would restore a real return address and run our code with junk registers.)
 */
static void do_sigreturn(struct call *k)
{
	struct ctx *c = k->c;
	uint64_t *f = (uint64_t *)(g_buf + BUF_SIZE - 2 * PAGE);
	for (int i = 0; i < (int)(2 * PAGE / 8); i++)
		f[i] = chance(c, 50) ? PICK(c, bad_ptrs) : rn(c, 64);
	count_call();
	register long a7 __asm__("a7") = SYS_rt_sigreturn;
	register long a0 __asm__("a0") = 0;
	register long fp __asm__("t1") = (long)f + (long)(rn(c, PAGE / 8) * 8);
	__asm__ volatile("mv t0, sp\n"
			 "mv sp, t1\n"
			 "ecall\n"
			 "mv sp, t0\n"
			 : "+r"(a0)
			 : "r"(a7), "r"(fp)
			 : "t0", "memory");
}

static void do_exit(struct call *k)
{
	struct ctx *c = k->c;
	count_call();
	if (c->is_thread || chance(c, 30))
		sc1(SYS_exit, int_arg(c));
	else
		sc1(SYS_exit_group, int_arg(c));
}

/* Junk for execve: random bytes, a mutated copy of our ELF, a #! script, or nothing. */
static void write_junk(struct call *k, const char *path)
{
	struct ctx *c = k->c;
	count_call();
	long fd = sc4(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0)
		return;
	char *d = balloc(k, 8192);
	long n = 0;
	switch (rn(c, 6)) {
	case 0:
		n = (long)rn(c, 4096);
		for (long i = 0; i < n; i++)
			d[i] = (char)rnd(c);
		break;
	case 1:
	case 2: {
		long whole = g_elf_len > 0 && chance(c, 30);
		if (whole) { /* the whole binary, patched in its headers: loadable, or nearly */
			count_call();
			long in = sc4(SYS_openat, AT_FDCWD, "/bin/fuzz", O_RDONLY, 0);
			if (in >= 0) {
				count_call();
				sc4(SYS_sendfile, fd, in, 0, 1 << 20);
				sc1(SYS_close, in);
			}
		}
		n = g_elf_len > 0 ? g_elf_len : 64;
		memcpy(d, g_elf, (size_t)n);
		int flips = 1 + (int)rn(c, 8);
		for (int i = 0; i < flips; i++) {
			long at = (long)rn(c, chance(c, 50) ? 64 : (uint64_t)(n < 512 ? n : 512));
			if (chance(c, 50))
				d[at] = (char)rnd(c);
			else if (at + 8 <= n) {
				uint64_t v = PICK(c, edges);
				memcpy(d + at, &v, chance(c, 50) ? 8 : 2);
			}
		}
		if (!whole && chance(c, 60))
			n = (long)rn(c, (uint64_t)n);
		if (whole) {
			count_call();
			sc4(SYS_pwrite64, fd, d, n, 0);
			n = 0;
		}
		break;
	}
	case 3: {
		static const char *const interps[] = {"/tmp/fz/j0", "/tmp/fz/j1", "/tmp/fz/j2", "/bin/fuzz --child ",
						      "/bin/fuzz", "/nonexistent", "", "/tmp/fz/d", "/dev/null",
						      "/proc/self/exe", " /tmp/fz/j0 a b c", "/tmp/fz/j0\t-x"};
		char *p = d;
		*p++ = '#';
		*p++ = '!';
		const char *ip = PICK(c, interps);
		size_t l = slen(ip);
		memcpy(p, ip, l);
		p += l;
		if (l && ip[l - 1] == ' ') { /* "#!/bin/fuzz --child[-avoid]": one argument, as Linux passes it */
			p--;
			if (g_avoid) {
				memcpy(p, "-avoid", 6);
				p += 6;
			}
		}
		if (chance(c, 10))
			for (int i = 0; i < 300; i++)
				*p++ = 'a';
		if (chance(c, 85))
			*p++ = '\n';
		n = p - d;
		break;
	}
	case 4: { /* a valid ident, the rest random */
		for (int i = 0; i < 64; i++)
			d[i] = (char)rnd(c);
		memcpy(d, "\177ELF\2\1\1", 7);
		n = 64 + (long)rn(c, 512);
		break;
	}
	default:
		n = 0;
	}
	if (n) {
		count_call();
		sc3(SYS_write, fd, d, n);
	}
	if (!g_avoid && chance(c, 3)) { /* the known huge-sparse-file bug */
		count_call();
		sc2(SYS_ftruncate, fd, (long)(1UL << (32 + rn(c, 8))));
	}
	sc1(SYS_close, fd);
}

/* argv for /bin/fuzz --child[-avoid] seed budget depth. */
static long own_argv(struct call *k, int depth, long budget)
{
	struct ctx *c = k->c;
	long *v = (long *)balloc(k, 8 * 8);
	char *s = balloc(k, 96);
	v[0] = (long)"/bin/fuzz";
	v[1] = (long)(g_avoid ? "--child-avoid" : "--child");
	v[2] = (long)s;
	s = utoa(s, rnd(c)) + 1;
	v[3] = (long)s;
	s = utoa(s, (uint64_t)budget) + 1;
	v[4] = (long)s;
	utoa(s, (uint64_t)depth);
	v[5] = 0;
	return (long)v;
}

static long strvec_arg(struct call *k)
{
	struct ctx *c = k->c;
	switch (rn(c, 8)) {
	case 0:
		return 0;
	case 1:
		return hostile_ptr(c);
	case 2: { /* many long strings: E2BIG */
		long n = chance(c, 50) ? 600 : 4000;
		long *v = (long *)balloc(k, (size_t)(n + 1) * 8);
		char *s = balloc(k, 8000);
		long sl = chance(c, 50) ? 7999 : 100;
		memset(s, 'e', (size_t)sl);
		s[sl] = 0;
		for (long i = 0; i < n; i++)
			v[i] = (long)s;
		v[n] = 0;
		return (long)v;
	}
	case 3: { /* no NULL before the unmapped page */
		long *v = (long *)(g_buf + BUF_SIZE - 8 * (1 + rn(c, 4)));
		for (long *p = v; p < (long *)(g_buf + BUF_SIZE); p++)
			*p = (long)"x";
		return (long)v;
	}
	default: {
		int n = (int)rn(c, 6);
		long *v = (long *)balloc(k, (size_t)(n + 1) * 8);
		for (int i = 0; i < n; i++)
			v[i] = chance(c, 80) ? (long)"arg" : (chance(c, 50) ? path_arg(k, 1) : hostile_ptr(c));
		v[n] = 0;
		return (long)v;
	}
	}
}

static void do_execve(struct call *k)
{
	struct ctx *c = k->c;
	long path, argv, envp = chance(c, 70) ? 0 : strvec_arg(k);
	int r = (int)rn(c, 100);
	if (r < 30) {
		if (c->depth >= MAX_DEPTH || c->is_thread)
			return;
		path = (long)"/bin/fuzz";
		argv = own_argv(k, c->depth + 1, 50 + (long)rn(c, 400));
	} else if (r < 60) {
		static const char *const junk[] = {"/tmp/fz/j0", "/tmp/fz/j1", "/tmp/fz/j2"};
		const char *p = PICK(c, junk);
		write_junk(k, p);
		if (chance(c, 30)) /* the interpreter chain too */
			write_junk(k, PICK(c, junk));
		path = (long)p;
		argv = chance(c, 80) ? own_argv(k, MAX_DEPTH, 30) : strvec_arg(k);
	} else if (r < 85) {
		path = path_arg(k, 0);
		argv = strvec_arg(k);
	} else {
		/* execveat: an fd with AT_EMPTY_PATH, or a dirfd and a name */
		long fd = fd_arg(c);
		long flags = chance(c, 60) ? 0x1000 /* AT_EMPTY_PATH */ : (chance(c, 50) ? 0x100 : flags_arg(c));
		long name = chance(c, 50) ? (long)"" : path_arg(k, 0);
		count_call();
		sc5(SYS_execveat, fd, name, strvec_arg(k), envp, flags);
		return;
	}
	bump(&g_sh->execs);
	count_call();
	sc3(SYS_execve, path, argv, envp);
}

static int thread_main(void *arg)
{
	struct ctx *c = arg;
	fuzz_loop(c);
	sc1(SYS_exit, 0);
	return 0;
}

static long exit_signal(struct ctx *c)
{
	long s = chance(c, 60) ? SIGCHLD : (long)rn(c, 65);
	if (g_avoid && (s == SIGKILL || s == SIGSTOP))
		s = SIGCHLD;
	return s;
}

static void child_reset(struct ctx *c, int depth, int forks)
{
	c->rng = splitmix(c->rng ^ 0x5151);
	c->depth = depth;
	c->forks_left = forks;
	c->asm_execs = 0;
	g_main_tid = sc0(SYS_gettid);
	g_self_pid = sc0(SYS_getpid);
	g_parent_pid = sc0(SYS_getppid);
	g_nkids = 0;
	g_ntids = 0;
	g_asm_clones = 0;
	if (c->is_thread) {
		/* forked from a thread: our setjmp frame is on another thread's stack */
		g_jmp_ok = 0;
	}
}

static void do_clone(struct call *k)
{
	struct ctx *c = k->c;
	int r = (int)rn(c, 100);
	if (r < 45) {
		/* a process that goes on fuzzing: no CLONE_VM, so it may return into C */
		if (c->depth >= MAX_DEPTH || c->forks_left <= 0 || c->is_thread)
			return;
		static const long extra[] = {CLONE_FS, CLONE_FILES, CLONE_SYSVSEM, CLONE_IO, CLONE_PARENT,
					     CLONE_UNTRACED, CLONE_DETACHED, CLONE_PARENT_SETTID,
					     CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID, CLONE_NEWNS, CLONE_PTRACE,
					     CLONE_PIDFD};
		long flags = exit_signal(c);
		for (int i = (int)rn(c, 3); i > 0; i--)
			flags |= PICK(c, extra);
		long ptid = ptr_arg(k, 4), ctid = ptr_arg(k, 4);
		int share = (c->forks_left - 1) / 2;
		count_call();
		long pid = sc6(SYS_clone, flags, 0, ptid, 0, ctid, 0);
		if (pid == 0) {
			long rest = c->budget - c->n;
			child_reset(c, c->depth + 1, share);
			c->budget = c->n + 20 + (long)rn(c, (uint64_t)(rest > 0 ? rest : 1));
			return;
		}
		if (pid > 0) {
			bump(&g_sh->forks);
			c->forks_left -= 1 + share;
			if (g_nkids < 16)
				g_kids[g_nkids++] = (int)pid;
		}
		return;
	}
	if (r < 70) {
		/* a thread (or a CLONE_VM process) that fuzzes too, on its own stack */
		if (g_ntids >= MAX_THREADS || c->forks_left <= 0)
			return;
		char *stk = mmap(NULL, THREAD_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
				 -1, 0);
		if (stk == MAP_FAILED)
			return;
		struct ctx *tc = (struct ctx *)(stk + THREAD_STACK - 128);
		*tc = *c;
		tc->rng = splitmix(rnd(c));
		tc->budget = 20 + (long)rn(c, 300);
		tc->n = 0;
		tc->is_thread = 1;
		tc->forks_left = 0;
		tc->depth = MAX_DEPTH;
		long flags = CLONE_VM;
		if (chance(c, 70))
			flags |= CLONE_THREAD | CLONE_SIGHAND;
		else
			flags |= exit_signal(c) | (chance(c, 50) ? CLONE_SIGHAND : 0);
		static const long extra[] = {CLONE_FS, CLONE_FILES, CLONE_SYSVSEM, CLONE_PARENT_SETTID,
					     CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID, CLONE_SETTLS, CLONE_IO,
					     CLONE_DETACHED, CLONE_PARENT};
		for (int i = (int)rn(c, 4); i > 0; i--)
			flags |= PICK(c, extra);
		long tls = chance(c, 50) ? 0 : hostile_ptr(c);
		int *tid = chance(c, 70) ? (int *)&g_sh->futex[rn(c, 16)] : (int *)ptr_arg(k, 4);
		count_call();
		int t = clone(thread_main, (char *)tc - 64, (int)flags, tc, tid, (void *)tls, tid);
		if (t > 0) {
			bump(&g_sh->threads);
			g_tids[g_ntids++] = t;
			c->forks_left--;
		} else {
			munmap(stk, THREAD_STACK);
		}
		return;
	}
	/* any flags, any stack: the child runs a few instructions of assembly */
	if (g_asm_clones >= MAX_ASM_CLONES)
		return;
	long mode = (long)rn(c, 4);
	if (mode == 3 && (g_avoid || chance(c, 50)))
		mode = 0;
	long path = 0, argv = 0;
	if (mode == 2) {
		if (c->asm_execs >= MAX_ASM_EXECS || c->depth >= MAX_DEPTH) {
			mode = 0;
		} else {
			c->asm_execs++;
			path = chance(c, 70) ? (long)"/bin/fuzz" : (long)"/tmp/fz/j0";
			argv = own_argv(k, MAX_DEPTH, 20 + (long)rn(c, 100));
		}
	}
	long flags;
	if (chance(c, 30)) {
		flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
	} else {
		static const long bits[] = {CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_THREAD,
					    CLONE_VFORK, CLONE_PARENT, CLONE_SETTLS, CLONE_PARENT_SETTID,
					    CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID, CLONE_SYSVSEM, CLONE_PIDFD,
					    CLONE_NEWNS, CLONE_NEWPID, CLONE_UNTRACED, CLONE_IO, CLONE_DETACHED};
		flags = exit_signal(c);
		for (int i = (int)rn(c, 5); i > 0; i--)
			flags |= PICK(c, bits);
		if (chance(c, 5))
			flags = (long)rnd(c);
	}
	if (g_avoid) {
		flags &= ~(long)CLONE_VFORK;
		if (is_stop_or_kill(flags & 0xff))
			flags &= ~0xffL;
	}
	if ((flags & CLONE_VM) && mode == 1)
		mode = 0; /* a fault on a shared stack would scribble on ours */
	long stack = 0;
	switch (rn(c, 4)) {
	case 0:
		stack = 0;
		break;
	case 1:
		stack = hostile_ptr(c);
		break;
	default:
		stack = (long)g_arena + (long)rn(c, ARENA_SIZE);
	}
	if ((flags & CLONE_VM) && !(flags & CLONE_VFORK) && stack == 0 && mode != 0)
		mode = 0;
	long ptid = ptr_arg(k, 4), ctid = ptr_arg(k, 4), tls = chance(c, 50) ? 0 : hostile_ptr(c);
	long ret;
	count_call();
	g_asm_clones++;
	if (!chance(c, 25)) {
		ret = clone_asm(SYS_clone, flags, stack, ptid, tls, ctid, mode, path, argv, 0);
	} else {
		/* clone3: struct clone_args, with a size that is right, short, long or absurd */
		uint64_t *ca = (uint64_t *)balloc(k, 96);
		memset(ca, 0, 96);
		ca[0] = (uint64_t)(flags & ~0xffL);
		ca[1] = (uint64_t)(chance(c, 80) ? 0 : ptr_arg(k, 4)); /* pidfd */
		ca[2] = (uint64_t)ctid;
		ca[3] = (uint64_t)ptid;
		ca[4] = (uint64_t)(flags & 0xff);
		if (chance(c, 10))
			ca[4] = g_avoid ? 65 : (uint64_t)rnd(c);
		ca[5] = (uint64_t)(stack ? (long)g_arena : 0);
		ca[6] = stack ? (chance(c, 70) ? ARENA_SIZE : (uint64_t)len_arg(c)) : 0;
		ca[7] = (uint64_t)tls;
		if (chance(c, 10)) {
			ca[8] = (uint64_t)ptr_arg(k, 8); /* set_tid */
			ca[9] = (uint64_t)int_arg(c);
		}
		static const long sizes[] = {64, 80, 88, 88, 88, 96, 0, 8, 63, 4096, -1};
		long size = PICK(c, sizes);
		long a = chance(c, 90) ? (long)ca : hostile_ptr(c);
		ret = clone_asm(SYS_clone3, a, size, 0, 0, 0, mode, path, argv, 0);
	}
	if (ret > 0) {
		bump(&g_sh->asm_clones);
		if (g_nkids < 16)
			g_kids[g_nkids++] = (int)ret;
	}
}

/* Any number: anything not on the table below 460, or an absurd one (a fixed few, so that the
 * kernel's once-per-number warning stays bounded). */
static void do_any(struct call *k, int absurd)
{
	struct ctx *c = k->c;
	long nr;
	if (absurd) {
		static const long odd[] = {-1, 460, 1000, 4096, 0xffff, 0x7fffffff, 0x80000000L, 1L << 32,
					   -0x8000000000000000L};
		nr = PICK(c, odd);
	} else {
		nr = (long)rn(c, 460);
	}
	switch (nr) {
	case SYS_reboot:
		do_reboot(k);
		return;
	case SYS_clone:
	case SYS_clone3:
		do_clone(k);
		return;
	case SYS_execve:
	case SYS_execveat:
		do_execve(k);
		return;
	case 104: /* kexec_load */
	case 294: /* kexec_file_load */
		return;
	case SYS_exit:
	case SYS_exit_group:
		return; /* the table has them, with a low weight */
	case SYS_rt_sigreturn:
		do_sigreturn(k);
		return;
	}
	if ((nr >= 198 && nr <= 212) || nr == 242 || nr == 243 || nr == 269)
		return; /* sockets: never the network */
	long a[6];
	for (int i = 0; i < 6; i++)
		a[i] = gen(k, 'N');
	fixup(k, nr, a);
	count_call();
	sc6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static void one_call(struct ctx *c)
{
	struct call k = {.c = c};
	k.off = (size_t)rn(c, BUF_SIZE / 2) & ~7UL;
	int r = (int)rn(c, 1000);
	if (r < 30 && !g_no_any) {
		do_any(&k, 0);
		return;
	}
	if (r < 35 && !g_no_any) {
		do_any(&k, 1);
		return;
	}
	int w = (int)rn(c, (uint64_t)g_total_weight), i = 0;
	for (; w >= g_weight[i]; i++)
		w -= g_weight[i];
	const struct spec *s = &specs[i];
	switch (s->nr) {
	case X_MMAP:
		do_mmap(&k);
		return;
	case X_MUNMAP:
		do_munmap(&k);
		return;
	case X_MPROTECT:
		do_mprotect(&k);
		return;
	case X_MADVISE:
		do_madvise(&k);
		return;
	case X_TOUCH:
		do_touch(&k);
		return;
	case X_CLONE:
	case X_CLONE3:
		do_clone(&k);
		return;
	case X_EXECVE:
		do_execve(&k);
		return;
	case X_FUTEX:
		do_futex(&k);
		return;
	case X_MOUNT:
		do_mount(&k);
		return;
	case X_UMOUNT:
		do_umount(&k);
		return;
	case X_REBOOT:
		do_reboot(&k);
		return;
	case X_CONSOLE:
		do_console(&k);
		return;
	case X_EXIT:
		do_exit(&k);
		return;
	case X_SIGRETURN:
		do_sigreturn(&k);
		return;
	}
	long a[6] = {0};
	for (int i = 0; s->args[i] && i < 6; i++)
		a[i] = gen(&k, s->args[i]);
	if (s->nr == SYS_renameat2 && g_avoid && rename_risky(&k))
		return;
	fixup(&k, s->nr, a);
	count_call();
	long ret = sc6(s->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	post(&k, s->nr, a, ret);
}

/* ---- per-process set-up ------------------------------------------------------------------------ */

static void on_noop(int sig)
{
	(void)sig;
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	long tid = sc0(SYS_gettid);
	if (si && g_sh != &g_dummy && (uintptr_t)si->si_addr - (uintptr_t)g_sh < PAGE)
		g_sh = &g_dummy; /* our counter page is gone: count into nothing */
	if (tid != g_main_tid || !g_jmp_ok)
		sc1(SYS_exit, 128 + sig);
	siglongjmp(g_jb, 1);
}

static void set_action(int sig, void *handler, unsigned long flags)
{
	struct ksigaction a = {(uintptr_t)handler, flags, 0};
	sc4(SYS_rt_sigaction, sig, &a, 0, 8);
}

/* What keeps a child useful, restored every INFRA_EVERY calls (not counted as calls). */
static void restore_infra(struct ctx *c)
{
	uint64_t unblock = (1ULL << (SIGALRM - 1)) | (1ULL << (SIGSEGV - 1)) | (1ULL << (SIGBUS - 1)) |
			   (1ULL << (SIGILL - 1)) | (1ULL << (SIGFPE - 1)) | (1ULL << (SIGTRAP - 1));
	sc4(SYS_rt_sigprocmask, SIG_UNBLOCK, &unblock, 0, 8);
	set_action(SIGALRM, on_noop, 0);
	if (!c->is_thread) {
		long itv[4] = {0, 5000 + (long)rn(c, 10000), 0, 5000 + (long)rn(c, 10000)};
		sc3(SYS_setitimer, ITIMER_REAL, itv, 0);
		sc3(SYS_mprotect, g_buf, BUF_SIZE, PROT_READ | PROT_WRITE);
		if ((c->n / INFRA_EVERY) % 4 == 0) {
			long ss[3] = {(long)g_alt, 0, ALT_SIZE};
			sc2(SYS_sigaltstack, ss, 0);
			static const int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};
			for (int i = 0; i < 5; i++)
				set_action(faults[i], on_fault, SA_SIGINFO | SA_ONSTACK);
		}
	}
	if (g_avoid && (c->n / INFRA_EVERY) % 4 == 0) {
		/* keep the scratch files small (the known "~30 MiB in /tmp" bug) */
		for (unsigned i = 0; i < sizeof scratch_files / sizeof scratch_files[0]; i++) {
			long st[16];
			if (sc4(SYS_newfstatat, AT_FDCWD, scratch_files[i], st, 0) == 0 && st[6] > (long)AVOID_FILE_MAX)
				sc2(SYS_truncate, scratch_files[i], 0);
		}
	}
}

static void fuzz_loop(struct ctx *c)
{
	if (!c->is_thread) {
		if (sigsetjmp(g_jb, 1)) {
			bump(&g_sh->faults);
			if (++c->n > c->budget || c->n > 100000)
				sc1(SYS_exit_group, 0);
			static volatile int faults;
			if (++faults > MAX_FAULTS)
				sc1(SYS_exit_group, 0);
		}
		g_jmp_ok = 1;
	}
	while (c->n < c->budget) {
		if (c->n % INFRA_EVERY == 0)
			restore_infra(c);
		c->n++;
		one_call(c);
	}
}

static char *map_or_die(size_t len, int prot)
{
	char *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		sc1(SYS_exit_group, 111);
	return p;
}

static void child_setup(struct ctx *c)
{
	g_main_tid = sc0(SYS_gettid);
	g_self_pid = sc0(SYS_getpid);
	g_parent_pid = sc0(SYS_getppid);
	g_jmp_ok = 0;
	/* At a fixed address far below where mmap places things, so that the page after it stays
	 * unmapped (a hole among the other mappings would soon be filled by the next mmap). */
	g_buf = mmap((void *)BUF_AT, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		     -1, 0);
	if (g_buf != (char *)BUF_AT) {
		g_buf = map_or_die(BUF_SIZE + PAGE, PROT_READ | PROT_WRITE);
		munmap(g_buf + BUF_SIZE, PAGE);
	}
	g_ro = map_or_die(PAGE, PROT_READ | PROT_WRITE);
	char *p = g_ro;
	for (unsigned i = 0; i < sizeof scratch_paths / sizeof scratch_paths[0] && p < g_ro + PAGE - 64; i++) {
		size_t n = slen(scratch_paths[i]) + 1;
		memcpy(p, scratch_paths[i], n);
		p += n;
	}
	mprotect(g_ro, PAGE, PROT_READ);
	g_none = map_or_die(PAGE, PROT_NONE);
	g_arena = map_or_die(ARENA_SIZE, PROT_READ | PROT_WRITE);
	g_alt = map_or_die(ALT_SIZE, PROT_READ | PROT_WRITE);
	if (!g_total_weight)
		exclude(NULL);

	/* fds 0-2 on /dev/null: no junk on the console */
	long null = sc4(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR | O_NONBLOCK, 0);
	for (int fd = 0; fd < 3; fd++) {
		if (null >= 0)
			sc3(SYS_dup3, null, fd, 0);
		else
			sc1(SYS_close, fd);
	}
	if (null > 2)
		sc1(SYS_close, null);
	if (chance(c, 70))
		sc2(SYS_setpgid, 0, 0);
	sc3(SYS_mkdirat, AT_FDCWD, "/tmp/fz", 0755);
	sc3(SYS_mkdirat, AT_FDCWD, "/tmp/fz/d", 0755);
	sc3(SYS_mkdirat, AT_FDCWD, "/tmp/fz/d/e", 0755);
	sc1(SYS_chdir, "/tmp/fz");

	g_nfds = 0;
	static const struct {
		const char *path;
		int flags;
	} opens[] = {
		{"/tmp/fz/x0", O_RDWR | O_CREAT}, {"/tmp/fz/x1", O_RDWR | O_CREAT | O_APPEND},
		{"/dev/null", O_RDWR},	  {"/dev/zero", O_RDONLY},
		{"/dev/urandom", O_RDONLY},	  {"/proc/self/stat", O_RDONLY},
		{"/proc/meminfo", O_RDONLY},	  {"/tmp/fz", O_RDONLY | O_DIRECTORY},
		{"/", O_RDONLY | O_DIRECTORY},	  {"/dev/full", O_WRONLY},
		{"/bin/fuzz", O_RDONLY},
	};
	for (unsigned i = 0; i < sizeof opens / sizeof opens[0]; i++)
		/* O_NONBLOCK: a sibling may have made a FIFO of any of these (open would wait for a peer) */
		add_fd(c, sc4(SYS_openat, AT_FDCWD, opens[i].path, opens[i].flags | O_NONBLOCK, 0644));
	int pfd[2];
	if (sc2(SYS_pipe2, pfd, chance(c, 30) ? O_NONBLOCK : 0) == 0) {
		add_fd(c, pfd[0]);
		add_fd(c, pfd[1]);
	}
	long gone = sc4(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_NONBLOCK, 0);
	if (gone >= 0) {
		sc1(SYS_close, gone);
		g_closed[0] = (int)gone;
		g_nclosed = 1;
	}

	/* Most signals mostly caught (so that signals to ourselves exercise delivery more often than
	 * they end us), some ignored, the rest left to their default action. */
	for (int sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGALRM || sig == SIGSEGV || sig == SIGBUS ||
		    sig == SIGILL || sig == SIGFPE || sig == SIGTRAP)
			continue;
		int r = (int)rn(c, 10);
		if (r < 6)
			set_action(sig, on_noop, chance(c, 50) ? SA_RESTART : 0);
		else if (r < 7 || sig == SIGPIPE || sig == SIGTTOU || sig == SIGTTIN)
			set_action(sig, (void *)1 /* SIG_IGN */, 0);
		else
			set_action(sig, (void *)0 /* SIG_DFL */, 0);
	}
	c->n = 0; /* restore_infra installs SIGALRM, the fault handlers, the timer and the altstack */
}

static void child_run(struct ctx *c)
{
	child_setup(c);
	fuzz_loop(c);
	sc1(SYS_exit_group, 0);
}

/* /bin/fuzz --child[-avoid] [seed budget depth]: an image a fuzzing child exec'd (directly, or
 * as the interpreter of a script: then the arguments are whatever came). */
static int child_main(int argc, char **argv)
{
	struct ctx c = {0};
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 0;
	if (!seed)
		seed = (uint64_t)sc0(SYS_getpid) * 7919 + (uint64_t)time(NULL);
	c.rng = splitmix(seed);
	c.budget = argc > 3 ? strtol(argv[3], NULL, 10) : 100;
	if (c.budget <= 0 || c.budget > 5000)
		c.budget = 100;
	c.depth = argc > 4 ? (int)strtol(argv[4], NULL, 10) : MAX_DEPTH;
	if (c.depth < 0 || c.depth > MAX_DEPTH)
		c.depth = MAX_DEPTH;
	c.forks_left = c.depth < MAX_DEPTH ? 2 : 0;
	g_avoid = !strcmp(argv[1], "--child-avoid");
	child_run(&c);
	return 0;
}

/* ---- init ------------------------------------------------------------------------------------------ */

static volatile long g_caught;
static void on_init_signal(int sig)
{
	(void)sig;
	g_caught++;
}

static struct {
	int pid;
	double start;
	int killed;
} slots[MAX_KIDS];

static long st_children, st_reaped, st_orphans, st_killed, st_watchdog, st_sweeps, st_fork_failed, st_continued;

/* The longest init waited for the kernel: a reap, a fork, a short sleep that took far longer
 * (the scheduler starving init, or a call that holds the CPU). Printed with the summary. */
static double g_pause;
static const char *g_pause_in = "nothing";
static void pause_note(double secs, const char *what)
{
	if (secs > g_pause) {
		g_pause = secs;
		g_pause_in = what;
	}
}

static void reap(void)
{
	for (;;) {
		int status;
		int pid = (int)wait4(-1, &status, WNOHANG | WUNTRACED | __WALL, NULL);
		if (pid <= 0)
			return;
		if (WIFSTOPPED(status)) { /* stopped by a signal: go on (and be stopped again, maybe) */
			kill(pid, SIGCONT);
			st_continued++;
			continue;
		}
		st_reaped++;
		if (WIFSIGNALED(status))
			st_killed++;
		int i;
		for (i = 0; i < MAX_KIDS; i++)
			if (slots[i].pid == pid)
				break;
		if (i < MAX_KIDS) {
			slots[i].pid = 0;
			g_sh->kids[i] = 0;
		} else {
			st_orphans++;
		}
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000};
	nanosleep(&ts, NULL);
}

static void install_init_handlers(void)
{
	static const int handled[] = {SIGCHLD, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH, SIGCONT};
	for (int sig = 1; sig <= 64; sig++) {
		int want = g_avoid ? (sig != SIGKILL && sig != SIGSTOP) : (sig >= 34 && sig <= 48);
		for (unsigned i = 0; i < sizeof handled / sizeof handled[0]; i++)
			if (handled[i] == sig)
				want = 1;
		if (want)
			set_action(sig, on_init_signal, SA_RESTART);
	}
}

/*
 * The counter page is shared by every fuzzing process, which only ever add to its counters and
 * play with its futex words. Its canaries changing means that some process wrote into memory it
 * does not share: a kernel bug (a frame freed while mapped, a stale TLB entry, a COW break gone
 * wrong). Reported once, with the page; init then exits 4.
 */
static int g_corrupted;
static void check_canaries(struct shared *sh, double t)
{
	if (g_corrupted)
		return;
	for (int i = 0; i < 8; i++) {
		if (sh->canary[i] == CANARY + (uint64_t)i && sh->canary2[i] == CANARY + (uint64_t)i)
			continue;
		g_corrupted = 1;
		static unsigned char b[256];
		memcpy(b, (const void *)sh, sizeof b);
		printf("fuzz: FAILED: the shared counter page was overwritten (at %.1f s); its first 256 bytes:\n", t);
		for (int row = 0; row < 256; row += 32) {
			char line[128], *p = line;
			p += sprintf(p, "fuzz:   %03x:", row);
			for (int j = 0; j < 32; j++)
				p += sprintf(p, "%s%02x", j % 8 ? "" : " ", b[row + j]);
			printf("%s\n", line);
		}
		return;
	}
}

/* Once a second: put back what the children need and may have broken for all that follow
 * (fchmod on a descriptor of /bin/fuzz would stop its execs; /dev/zero unlinked and made a FIFO
 * again would make every later child's open of it wait). */
static void repair(void)
{
	static const struct {
		const char *path;
		int minor;
	} devs[] = {{"/dev/null", 3}, {"/dev/zero", 5}, {"/dev/full", 7}, {"/dev/urandom", 9}};
	chmod("/bin/fuzz", 0755);
	mkdir("/tmp/fz", 0755);
	for (unsigned i = 0; i < sizeof devs / sizeof devs[0]; i++) {
		struct stat st;
		if (lstat(devs[i].path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, devs[i].minor))
			continue;
		if (unlink(devs[i].path) && errno == EISDIR)
			rmdir(devs[i].path);
		mknod(devs[i].path, S_IFCHR | 0666, makedev(1, devs[i].minor));
	}
}

static int init_main(uint64_t seed, int secs, int nkids)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("fuzz: seed %llu, %d s, %d children at a time%s\n", (unsigned long long)seed, secs, nkids,
	       g_avoid ? ", avoiding known bugs" : "");
	install_init_handlers();
	/* Away from everything else: a child's buffer overflowing (its pages made writable by a
	 * fuzzed mprotect) must not run into it. */
	struct shared *sh = mmap((void *)SHARED_AT, PAGE, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (sh == MAP_FAILED)
		sh = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		printf("fuzz: cannot map the shared counter page\n");
		return 1;
	}
	memset(sh, 0, sizeof *sh);
	for (int i = 0; i < 8; i++)
		sh->canary[i] = sh->canary2[i] = CANARY + (uint64_t)i;
	g_sh = sh;
	int fd = open("/bin/fuzz", O_RDONLY);
	if (fd >= 0) {
		g_elf_len = read(fd, g_elf, sizeof g_elf);
		close(fd);
	}
	g_have_termios = ioctl(1, TCGETS, g_termios) == 0;
	mkdir("/tmp/fz", 0755);

	double start = now_s(), end = start + secs, next_report = start + 10, next_sweep = start + SWEEP_SECS;
	double next_chmod = start + 1;
	uint64_t spawned = 0;
	while (now_s() < end) {
		double t0 = now_s();
		reap();
		double t = now_s();
		pause_note(t - t0, "reaping");
		check_canaries(sh, t - start);
		for (int i = 0; i < nkids; i++) {
			if (slots[i].pid && !slots[i].killed && t - slots[i].start > CHILD_SECS) {
				kill(-slots[i].pid, SIGKILL);
				kill(slots[i].pid, SIGKILL);
				slots[i].killed = 1;
				st_watchdog++;
			}
			if (!slots[i].pid && t < end) {
				struct ctx c = {0};
				c.rng = splitmix(splitmix(seed) ^ splitmix(spawned + 1));
				c.budget = 50 + (long)rn(&c, chance(&c, 20) ? 5000 : 1500);
				c.forks_left = 8;
				double f0 = now_s();
				int pid = fork();
				if (pid == 0) {
					child_run(&c);
					_exit(0);
				}
				pause_note(now_s() - f0, "fork");
				if (pid < 0) {
					st_fork_failed++;
					continue;
				}
				spawned++;
				st_children++;
				slots[i].pid = pid;
				slots[i].start = t;
				slots[i].killed = 0;
				sh->kids[i] = pid;
			}
		}
		if (t >= next_chmod) {
			repair();
			next_chmod = t + 1;
		}
		if (t >= next_report) {
			printf("fuzz: %.0f s, %ld children, %llu calls\n", t - start, st_children,
			       (unsigned long long)__atomic_load_n(&sh->calls, __ATOMIC_RELAXED));
			next_report += 10;
		}
		if (t >= next_sweep) { /* whatever escaped the watchdog (orphans, new sessions) */
			kill(-1, SIGKILL);
			st_sweeps++;
			next_sweep += SWEEP_SECS;
		}
		double s0 = now_s();
		sleep_ms(20); /* a child's SIGCHLD cuts it short */
		pause_note(now_s() - s0 - 0.02, "a 20 ms nanosleep");
	}
	uint64_t calls = __atomic_load_n(&sh->calls, __ATOMIC_RELAXED);
	double elapsed = now_s() - start;
	/* the end: SIGKILL everything, reap everything */
	double give_up = now_s() + 20;
	for (;;) {
		kill(-1, SIGKILL);
		reap();
		errno = 0;
		int status;
		if (wait4(-1, &status, WNOHANG | __WALL, NULL) < 0 && errno == ECHILD)
			break;
		if (now_s() > give_up) {
			printf("fuzz: FAILED: processes still alive 20 s after kill(-1, SIGKILL)\n");
			return 3;
		}
		sleep_ms(20);
	}
	double reap_secs = now_s() - give_up + 20;
	printf("fuzz: %llu calls in %.1f s (%.0f calls/s), %llu forks, %llu threads, %llu asm clones, "
	       "%llu execs, %llu mmaps, %llu faults caught, %ld reaped (%ld orphans), %ld watchdog kills, "
	       "%ld continued, %ld sweeps, %ld failed forks, init caught %ld signals, final kill and reap %.1f s, "
	       "init's longest wait %.2f s (%s)\n",
	       (unsigned long long)calls, elapsed, calls / elapsed, (unsigned long long)sh->forks,
	       (unsigned long long)sh->threads, (unsigned long long)sh->asm_clones, (unsigned long long)sh->execs,
	       (unsigned long long)sh->mmaps, (unsigned long long)sh->faults, st_reaped, st_orphans, st_watchdog,
	       st_continued, st_sweeps, st_fork_failed, g_caught, reap_secs, g_pause, g_pause_in);
	printf("fuzz: seed %llu, %ld children, %llu calls, %ld killed by signals\n", (unsigned long long)seed,
	       st_children, (unsigned long long)calls, st_killed);
	check_canaries(sh, now_s() - start);
	return g_corrupted ? 4 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--child") || !strcmp(argv[1], "--child-avoid")))
		return child_main(argc, argv);
	const char *env = getenv("FUZZ_AVOID_KNOWN");
	g_avoid = env && env[0] == '1';
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--avoid-known"))
			g_avoid = 1;
		else if (!strncmp(argv[i], "--no=", 5))
			exclude(argv[i] + 5);
		else
			break;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: /bin/fuzz [--avoid-known] [--no=exec,clone,64,...] <seed> <seconds> [children]"
				"   (as init only)\n");
		return 2;
	}
	if (getpid() != 1) {
		fprintf(stderr, "fuzz: refusing to run as pid %d: only as init in a virtual machine\n", getpid());
		return 2;
	}
	g_seed = strtoull(argv[i], NULL, 0);
	int secs = atoi(argv[i + 1]);
	int nkids = argc - i > 2 ? atoi(argv[i + 2]) : 4;
	if (nkids < 1)
		nkids = 1;
	if (nkids > MAX_KIDS)
		nkids = MAX_KIDS;
	return init_main(g_seed, secs, nkids);
}
