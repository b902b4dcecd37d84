/*
 * BakaEx's micro-benchmarks: the same static binary runs on BakaEx and on Linux 6.1 under
 * `qemu-system-riscv64 -icount shift=0,sleep=off`, where guest time is deterministic (one
 * nanosecond per instruction). See docs/BENCHMARKS.md and scripts/bench.sh.
 *
 *   bench                      every row
 *   bench ROW...               only these rows
 *   bench --scale N ROW...     N times the iterations (N may be 0.1 etc.)
 *   bench --list               name|iterations|what one operation is (for the docs)
 *   bench --exit               exit(0) at once: what the fork+execve row executes
 *
 * Each row prints one line `name ns_per_op` (guest nanoseconds per operation, from
 * clock_gettime(CLOCK_MONOTONIC) around the timed loop, after a short warm-up of the same loop),
 * or `name n/a <what failed>` when the kernel refused something; the other rows still run.
 * Output is unbuffered, so a row that crashes the program shows where it stopped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *self_path = "/bin/bench";
static char failure[200];

/* Record why a row failed (the first reason wins) and return -1. */
static int fail(const char *fmt, ...)
{
	if (!failure[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(failure, sizeof failure, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int fail_errno(const char *what)
{
	int e = errno;
	return fail("%s: errno %d (%s)", what, e, strerrorname_np(e) ? strerrorname_np(e) : "?");
}

/* Guest time since the machine started (QEMU virt's timer runs at 10 MHz), from the time CSR,
 * which both kernels let user programs read. */
static long long machine_ns(void)
{
	unsigned long t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return (long long)t * 100;
}

static long long now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return -1;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Each row runs n operations and returns the guest nanoseconds they took (set-up excluded),
 * or -1 after fail(). */

static long long row_null_syscall(long n)
{
	long long t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (syscall(SYS_getpid) <= 0)
			return fail_errno("getpid");
	return now_ns() - t0;
}

static long long rw_one(const char *path, int flags, int is_write, long n)
{
	char c = 'x';
	int fd = open(path, flags);
	if (fd < 0)
		return fail_errno(path);
	long long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		ssize_t r = is_write ? write(fd, &c, 1) : read(fd, &c, 1);
		if (r != 1) {
			if (r >= 0)
				return fail("%s of 1 byte on %s returned %zd", is_write ? "write" : "read", path, r);
			return fail_errno(is_write ? "write" : "read");
		}
	}
	long long t = now_ns() - t0;
	close(fd);
	return t;
}

static long long row_read_dev_zero(long n) { return rw_one("/dev/zero", O_RDONLY, 0, n); }
static long long row_write_dev_null(long n) { return rw_one("/dev/null", O_WRONLY, 1, n); }

/* Wait for a child and check that it exited with status 0. */
static int reap(pid_t pid, const char *what)
{
	int status;
	pid_t r;
	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r != pid)
		return fail_errno("waitpid");
	if (WIFSIGNALED(status))
		return fail("%s: child killed by signal %d", what, WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fail("%s: child exited with status %d", what, WEXITSTATUS(status));
	return 0;
}

static long long row_pipe_roundtrip(long n)
{
	int to_child[2], to_parent[2];
	char c = 'p';
	if (pipe(to_child) != 0 || pipe(to_parent) != 0)
		return fail_errno("pipe");
	pid_t pid = fork();
	if (pid < 0)
		return fail_errno("fork");
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		for (;;) {
			ssize_t r = read(to_child[0], &c, 1);
			if (r == 0)
				_exit(0);
			if (r != 1 || write(to_parent[1], &c, 1) != 1)
				_exit(3);
		}
	}
	close(to_child[0]);
	close(to_parent[1]);
	long long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (write(to_child[1], &c, 1) != 1)
			return fail_errno("write to the child");
		ssize_t r = read(to_parent[0], &c, 1);
		if (r != 1)
			return r == 0 ? fail("the child closed the pipe") : fail_errno("read from the child");
	}
	long long t = now_ns() - t0;
	close(to_child[1]);
	close(to_parent[0]);
	if (reap(pid, "pipe echo") != 0)
		return -1;
	return t;
}

static long long row_fork_exit(long n)
{
	long long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return fail_errno("fork");
		if (pid == 0)
			_exit(0);
		if (reap(pid, "fork+exit") != 0)
			return -1;
	}
	return now_ns() - t0;
}

/* n times: fork, the child execve()s argv (its stdout on /dev/null when quiet), waitpid. */
static long long fork_execve_wait(long n, char **argv, int quiet)
{
	long long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return fail_errno("fork");
		if (pid == 0) {
			if (quiet)
				dup2(open("/dev/null", O_WRONLY), 1);
			execve(argv[0], argv, environ);
			_exit(100 + (errno & 0x7f) % 100);   /* the errno, for the parent's message */
		}
		int status;
		if (waitpid(pid, &status, 0) != pid)
			return fail_errno("waitpid");
		if (WIFEXITED(status) && WEXITSTATUS(status) >= 100)
			return fail("execve %s: errno %d (%s)", argv[0], WEXITSTATUS(status) - 100,
				    strerrorname_np(WEXITSTATUS(status) - 100) ?: "?");
		if (WIFSIGNALED(status))
			return fail("fork+execve: child killed by signal %d", WTERMSIG(status));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return fail("fork+execve: child exited with status %d", WEXITSTATUS(status));
	}
	return now_ns() - t0;
}

static long long row_fork_execve(long n)
{
	char *argv[] = { (char *)self_path, "--exit", NULL };
	return fork_execve_wait(n, argv, 0);
}

#define MAP_BYTES (1 << 20)

static long long row_mmap_touch_1m(long n)
{
	long page = sysconf(_SC_PAGESIZE);
	long long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail_errno("mmap");
		for (long off = 0; off < MAP_BYTES; off += page)
			p[off] = 1;
		if (munmap(p, MAP_BYTES) != 0)
			return fail_errno("munmap");
	}
	return now_ns() - t0;
}

static volatile long caught;
static void on_usr1(int sig) { (void)sig; caught++; }

static long long row_signal_catch(long n)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0)
		return fail_errno("sigaction");
	caught = 0;
	pid_t me = getpid();
	long long t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (kill(me, SIGUSR1) != 0)
			return fail_errno("kill");
	long long t = now_ns() - t0;
	signal(SIGUSR1, SIG_DFL);
	if (caught != n)
		return fail("%ld of %ld signals reached the handler", caught, n);
	return t;
}

/* The file-system rows work in /tmp (a tmpfs on both kernels: BakaEx mounts one, the Linux
 * side's init does): a directory with a 4 KiB file and 64 other entries. */
#define FS_DIR "/tmp/bench.d"
#define FS_FILE FS_DIR "/file"
#define FS_ENTRIES 64

static int fs_ready;

static int fs_setup(void)
{
	if (fs_ready)
		return 0;
	if (mkdir(FS_DIR, 0755) != 0 && errno != EEXIST)
		return fail_errno("mkdir " FS_DIR);
	int fd = open(FS_FILE, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail_errno("open " FS_FILE);
	static char page[4096];
	memset(page, 'b', sizeof page);
	if (write(fd, page, sizeof page) != (ssize_t)sizeof page)
		return fail_errno("write " FS_FILE);
	close(fd);
	/* The file and 63 more: 64 entries besides . and .. */
	for (int i = 1; i < FS_ENTRIES; i++) {
		char name[64];
		snprintf(name, sizeof name, FS_DIR "/entry-%02d", i);
		int e = open(name, O_WRONLY | O_CREAT, 0644);
		if (e < 0)
			return fail_errno("open an entry");
		close(e);
	}
	fs_ready = 1;
	return 0;
}

static long long row_open_close(long n)
{
	if (fs_setup() != 0)
		return -1;
	long long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int fd = open(FS_FILE, O_RDONLY);
		if (fd < 0)
			return fail_errno("open " FS_FILE);
		if (close(fd) != 0)
			return fail_errno("close");
	}
	return now_ns() - t0;
}

static long long row_stat_path(long n)
{
	struct stat st;
	if (fs_setup() != 0)
		return -1;
	long long t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (fstatat(AT_FDCWD, FS_FILE, &st, 0) != 0 || st.st_size != 4096)
			return fail_errno("fstatat " FS_FILE);
	return now_ns() - t0;
}

static long long rw_4k(int is_write, long n)
{
	static char buf[4096];
	if (fs_setup() != 0)
		return -1;
	int fd = open(FS_FILE, O_RDWR);
	if (fd < 0)
		return fail_errno("open " FS_FILE);
	memset(buf, 'w', sizeof buf);
	long long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		ssize_t r = is_write ? pwrite(fd, buf, sizeof buf, 0) : pread(fd, buf, sizeof buf, 0);
		if (r != (ssize_t)sizeof buf)
			return r < 0 ? fail_errno(is_write ? "pwrite" : "pread")
				     : fail("%s of 4096 bytes returned %zd", is_write ? "pwrite" : "pread", r);
	}
	long long t = now_ns() - t0;
	close(fd);
	return t;
}

static long long row_read_4k_file(long n) { return rw_4k(0, n); }
static long long row_write_4k_file(long n) { return rw_4k(1, n); }

/* A tmpfs file of MAP_BYTES (made once) for the page-cache rows. */
#define BIG_FILE "/tmp/bench-big"
static int big_file(void)
{
	if (fs_setup() != 0)
		return -1;
	int fd = open(BIG_FILE, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return fail_errno("open " BIG_FILE);
	struct stat st;
	if (fstat(fd, &st) != 0)
		return fail_errno("fstat");
	static char chunk[65536];
	memset(chunk, 'b', sizeof chunk);
	for (off_t at = st.st_size; at < MAP_BYTES; at += sizeof chunk)
		if (pwrite(fd, chunk, sizeof chunk, at) != (ssize_t)sizeof chunk)
			return fail_errno("pwrite " BIG_FILE);
	return fd;
}

static long long row_mmap_file_shared_touch(long n)
{
	int fd = big_file();
	if (fd < 0)
		return -1;
	long page = sysconf(_SC_PAGESIZE);
	long long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return fail_errno("mmap MAP_SHARED " BIG_FILE);
		for (long off = 0; off < MAP_BYTES; off += page)
			p[off] = (char)i;
		if (munmap(p, MAP_BYTES) != 0)
			return fail_errno("munmap");
	}
	long long t = now_ns() - t0;
	close(fd);
	return t;
}

static long long row_page_cache_read_1m(long n)
{
	static char buf[4096];
	int fd = big_file();
	if (fd < 0)
		return -1;
	long long t0 = now_ns();
	for (long i = 0; i < n; i++)
		for (off_t at = 0; at < MAP_BYTES; at += sizeof buf)
			if (pread(fd, buf, sizeof buf, at) != (ssize_t)sizeof buf)
				return fail_errno("pread " BIG_FILE);
	long long t = now_ns() - t0;
	close(fd);
	return t;
}

/* fork, and the child execs the dynamically linked /bin/dynexit (glibc's loader, libc.so.6) with
 * its output sent to /dev/null. */
static long long row_exec_dynamic(long n)
{
	char *argv[] = { "/bin/dynexit", NULL };
	return fork_execve_wait(n, argv, 1);
}

static long long row_getdents_64(long n)
{
	static char buf[8192];
	if (fs_setup() != 0)
		return -1;
	int fd = open(FS_DIR, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fail_errno("open " FS_DIR);
	long long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (lseek(fd, 0, SEEK_SET) != 0)
			return fail_errno("lseek");
		long entries = 0, r;
		while ((r = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
			for (long off = 0; off < r; off += ((struct dirent64 *)(buf + off))->d_reclen)
				entries++;
		if (r < 0)
			return fail_errno("getdents64");
		if (entries != FS_ENTRIES + 2)
			return fail("getdents64 listed %ld entries, not %d", entries, FS_ENTRIES + 2);
	}
	long long t = now_ns() - t0;
	close(fd);
	return t;
}

/* --- sockets ------------------------------------------------------------------------------------
 * The request/response rows run an echo child (fork) on the other end of a connected pair of
 * sockets: the parent writes 1 byte and reads it back, n times (2 writes, 2 reads and 2 context
 * switches per operation, like pipe_roundtrip). */

/* The child's side: echo every byte back until end of file. */
static void echo_child(int fd)
{
	char c;
	for (;;) {
		ssize_t r = read(fd, &c, 1);
		if (r == 0)
			_exit(0);
		if (r != 1 || write(fd, &c, 1) != 1)
			_exit(3);
	}
}

/* n round trips of 1 byte over fd with the echo child pid, then close and reap it. */
static long long rr_loop(int fd, pid_t pid, long n, const char *what)
{
	char c = 'r';
	long long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (write(fd, &c, 1) != 1)
			return fail_errno("write to the echo child");
		ssize_t r = read(fd, &c, 1);
		if (r != 1)
			return r == 0 ? fail("the echo child closed the socket") : fail_errno("read from the echo child");
	}
	long long t = now_ns() - t0;
	close(fd);
	if (reap(pid, what) != 0)
		return -1;
	return t;
}

/* A TCP listener on 127.0.0.1 at a port the kernel picks; its address in *sa. */
static int tcp_listener(struct sockaddr_in *sa)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0)
		return fail_errno("socket(AF_INET, SOCK_STREAM)");
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof *sa;
	if (bind(l, (struct sockaddr *)sa, sizeof *sa) != 0)
		return fail_errno("bind 127.0.0.1:0");
	if (listen(l, 4) != 0)
		return fail_errno("listen");
	if (getsockname(l, (struct sockaddr *)sa, &len) != 0)
		return fail_errno("getsockname");
	return l;
}

/* A connected pair over 127.0.0.1: the accepted socket in *server, the connecting one returned
 * (both with TCP_NODELAY: 1-byte writes go out at once on both kernels). */
static int tcp_pair(int *server)
{
	struct sockaddr_in sa;
	int one = 1;
	int l = tcp_listener(&sa);
	if (l < 0)
		return -1;
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0)
		return fail_errno("socket");
	if (connect(c, (struct sockaddr *)&sa, sizeof sa) != 0)
		return fail_errno("connect 127.0.0.1");
	int s = accept(l, NULL, NULL);
	if (s < 0)
		return fail_errno("accept");
	close(l);
	if (setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
	    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
		return fail_errno("setsockopt TCP_NODELAY");
	*server = s;
	return c;
}

/* Request/response over a connected pair: the child echoes on b, the parent times on a. */
static long long rr_pair(int a, int b, long n, const char *what)
{
	pid_t pid = fork();
	if (pid < 0)
		return fail_errno("fork");
	if (pid == 0) {
		close(a);
		echo_child(b);
	}
	close(b);
	return rr_loop(a, pid, n, what);
}

static long long row_tcp_loopback_rr(long n)
{
	int s, c = tcp_pair(&s);
	if (c < 0)
		return -1;
	return rr_pair(c, s, n, "tcp echo");
}

static long long row_unix_stream_rr(long n)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return fail_errno("socketpair(AF_UNIX, SOCK_STREAM)");
	return rr_pair(sv[0], sv[1], n, "unix echo");
}

#define STREAM_BYTES (16 << 20)
#define STREAM_CHUNK (64 << 10)

/* One operation: a child writes 16 MiB in 64 KiB writes to a TCP socket over 127.0.0.1, the
 * parent reads it all (64 KiB reads) until end of file; connection set-up excluded. */
static long long row_tcp_loopback_stream(long n)
{
	static char buf[STREAM_CHUNK];
	long long total = 0;
	for (long i = 0; i < n; i++) {
		int s, c = tcp_pair(&s);
		if (c < 0)
			return -1;
		long long t0 = now_ns();
		pid_t pid = fork();
		if (pid < 0)
			return fail_errno("fork");
		if (pid == 0) {
			close(s);
			memset(buf, 's', sizeof buf);
			for (long sent = 0; sent < STREAM_BYTES;) {
				ssize_t w = write(c, buf, STREAM_CHUNK);
				if (w <= 0)
					_exit(3);
				sent += w;
			}
			_exit(0);
		}
		close(c);
		long got = 0;
		for (;;) {
			ssize_t r = read(s, buf, sizeof buf);
			if (r == 0)
				break;
			if (r < 0)
				return fail_errno("read");
			got += r;
		}
		total += now_ns() - t0;
		close(s);
		if (reap(pid, "tcp stream writer") != 0)
			return -1;
		if (got != STREAM_BYTES)
			return fail("read %ld bytes, not %d", got, STREAM_BYTES);
	}
	return total;
}

#define EPOLL_FDS 64

/* epoll_wait(timeout 0) on a set of 64 eventfds (level-triggered EPOLLIN) of which one, the
 * 33rd, has a nonzero counter: each call reports exactly that one. */
static long long row_epoll_wait_1ready(long n)
{
	int fds[EPOLL_FDS];
	struct epoll_event ev, out[EPOLL_FDS];
	int ep = epoll_create1(0);
	if (ep < 0)
		return fail_errno("epoll_create1");
	for (int i = 0; i < EPOLL_FDS; i++) {
		fds[i] = eventfd(0, 0);
		if (fds[i] < 0)
			return fail_errno("eventfd");
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) != 0)
			return fail_errno("epoll_ctl ADD");
	}
	uint64_t one = 1;
	if (write(fds[EPOLL_FDS / 2], &one, sizeof one) != sizeof one)
		return fail_errno("write eventfd");
	long long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int r = epoll_wait(ep, out, EPOLL_FDS, 0);
		if (r != 1 || out[0].data.u32 != EPOLL_FDS / 2)
			return r < 0 ? fail_errno("epoll_wait") : fail("epoll_wait returned %d", r);
	}
	long long t = now_ns() - t0;
	for (int i = 0; i < EPOLL_FDS; i++)
		close(fds[i]);
	close(ep);
	return t;
}

struct row {
	const char *name;
	long iters;
	long long (*run)(long n);
	const char *what;
};

/* Add a row here: it is measured on both kernels and appears in docs/BENCHMARKS.md. Guest time
 * is deterministic, so a few milliseconds of it per row are plenty (the clock ticks at 100 ns);
 * the counts are kept low for wall time: QEMU emulates some kernel paths slowly (5000 signals
 * take about 4 s of wall time on Linux, most likely because Linux toggles sstatus.SUM around
 * every user copy and QEMU flushes its TLB on each toggle). */
static const struct row rows[] = {
	{ "null_syscall", 100000, row_null_syscall,
	  "syscall(SYS_getpid) (the raw syscall, so glibc cannot answer from a cache)" },
	{ "read_dev_zero", 20000, row_read_dev_zero, "read(2) of 1 byte from /dev/zero" },
	{ "write_dev_null", 20000, row_write_dev_null, "write(2) of 1 byte to /dev/null" },
	{ "pipe_roundtrip", 2000, row_pipe_roundtrip,
	  "1 byte to a child process through a pipe and back through another (2 writes, 2 reads, 2 context switches)" },
	{ "fork_exit_wait", 200, row_fork_exit, "fork(), the child calls _exit(0), the parent waitpid()s" },
	{ "fork_execve_wait", 50, row_fork_execve,
	  "fork(), the child execve()s this static program (/bin/bench --exit: glibc start-up, then exit), the parent waitpid()s" },
	{ "mmap_touch_1m", 50, row_mmap_touch_1m,
	  "mmap 1 MiB anonymous private, write one byte to each of its 256 pages, munmap" },
	{ "exec_dynamic", 20, row_exec_dynamic,
	  "fork(), the child execve()s a dynamically linked glibc program (/bin/dynexit: ld.so loads libc.so.6; prints hello to /dev/null), the parent waitpid()s" },
	{ "mmap_file_shared_touch", 50, row_mmap_file_shared_touch,
	  "mmap 1 MiB of a tmpfs file MAP_SHARED, write one byte to each of its 256 pages, munmap" },
	{ "page_cache_read_1m", 50, row_page_cache_read_1m,
	  "read 1 MiB of a cached tmpfs file in 4 KiB pread64(2)s" },
	{ "signal_catch", 5000, row_signal_catch,
	  "kill(getpid(), SIGUSR1) delivered to an installed handler (signal, handler, sigreturn)" },
	{ "open_close", 5000, row_open_close, "open(2) of a file in /tmp (tmpfs, path /tmp/bench.d/file) and close(2)" },
	{ "stat_path", 5000, row_stat_path, "fstatat(AT_FDCWD, \"/tmp/bench.d/file\") (newfstatat of a 3-component path)" },
	{ "read_4k_file", 5000, row_read_4k_file, "pread64(2) of 4 KiB at offset 0 of a 4 KiB tmpfs file" },
	{ "write_4k_file", 5000, row_write_4k_file, "pwrite64(2) of 4 KiB at offset 0 of a 4 KiB tmpfs file" },
	{ "getdents_64", 2000, row_getdents_64,
	  "list a tmpfs directory of 64 entries (lseek to 0, getdents64 with an 8 KiB buffer until it returns 0)" },
	{ "tcp_loopback_rr", 2000, row_tcp_loopback_rr,
	  "1 byte to a child process over TCP on 127.0.0.1 (TCP_NODELAY) and back (2 writes, 2 reads, 2 context switches)" },
	{ "tcp_loopback_stream", 1, row_tcp_loopback_stream,
	  "16 MiB from a child process over TCP on 127.0.0.1 (64 KiB writes and reads; the fork of the writer included, connection set-up not)" },
	{ "unix_stream_rr", 2000, row_unix_stream_rr,
	  "1 byte to a child process over an AF_UNIX stream socketpair and back (2 writes, 2 reads, 2 context switches)" },
	{ "epoll_wait_1ready", 5000, row_epoll_wait_1ready,
	  "epoll_wait(timeout 0) on 64 registered eventfds (EPOLLIN, level-triggered), one of them ready" },
};
#define NROWS (sizeof rows / sizeof rows[0])

static void run_row(const struct row *r, double scale)
{
	long n = (long)(r->iters * scale);
	if (n < 1)
		n = 1;
	long warm = n / 10 > 0 ? n / 10 : 1;
	failure[0] = 0;
	long long t = r->run(warm);
	if (t >= 0)
		t = r->run(n);
	if (t < 0) {
		printf("%s n/a %s\n", r->name, failure[0] ? failure : "failed");
		return;
	}
	printf("%s %.1f\n", r->name, (double)t / n);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--exit") == 0)
		return 0;
	long long booted = machine_ns();
	setvbuf(stdout, NULL, _IONBF, 0);
	/* As init (BakaEx runs the benchmark as the first process): how long the boot took, from
	 * the machine's reset to main() of init (read by scripts/lib/bench-extra-boot.sh). */
	if (getpid() == 1)
		printf("boot_to_main_ns %lld\n", booted);
	if (argc > 0 && argv[0][0] == '/')
		self_path = argv[0];
	double scale = 1;
	int first = 1;
	if (argc > 1 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < NROWS; i++)
			printf("%s|%ld|%s\n", rows[i].name, rows[i].iters, rows[i].what);
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "--scale") == 0) {
		scale = atof(argv[2]);
		first = 3;
	}
	printf("bench: start (scale %g)\n", scale);
	int bad = 0;
	if (first >= argc) {
		for (size_t i = 0; i < NROWS; i++)
			run_row(&rows[i], scale);
	} else {
		for (int a = first; a < argc; a++) {
			size_t i;
			for (i = 0; i < NROWS && strcmp(rows[i].name, argv[a]) != 0; i++)
				;
			if (i == NROWS) {
				printf("bench: no row %s\n", argv[a]);
				bad = 1;
				continue;
			}
			run_row(&rows[i], scale);
		}
	}
	printf("bench: done\n");
	return bad ? 2 : 0;
}
