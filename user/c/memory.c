/*
 * memory: brk (byte granular, Linux semantics), mmap/munmap/mprotect (anonymous and private file
 * mappings), malloc on top of them, mremap (shrink, grow in place, move, MREMAP_FIXED). The kernel's copy-to/from-user checks are observed with
 * read/write on buffers that are unmapped or protected (EFAULT), since there is no signal
 * delivery yet.
 */
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>

#define PAGE 4096UL

static char *raw_brk(void *addr)
{
	return (char *)syscall(SYS_brk, addr);
}

static int all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void test_brk(void)
{
	section("brk");
	char *cur = raw_brk(0);
	check("brk(0) != 0", cur != 0);
	check("brk(0) again is the same", raw_brk(0) == cur);
	char *r = raw_brk(cur + 1);
	check("brk(cur + 1) == cur + 1 (byte granular)", r == cur + 1);
	check("brk(0) == cur + 1", raw_brk(0) == cur + 1);
	cur[0] = 42;
	char *end = cur + 3 * PAGE + 5;
	check("brk grows by 3 pages + 5 bytes", raw_brk(end) == end);
	int zero = 1;
	/* pages wholly above the old break are new and zero */
	char *first_new = (char *)(((uintptr_t)cur + PAGE) & ~(PAGE - 1));
	zero = all_zero(first_new, end - first_new);
	check("new brk pages are zero", zero);
	memset(cur + 1, 0x5a, end - cur - 1);
	check("old byte kept", cur[0] == 42);
	check("last byte writable", (end[-1] = 7) == 7);
	check("shrink to cur + 1", raw_brk(cur + 1) == cur + 1);
	check("byte below the break kept", cur[0] == 42);
	check("brk(0x1000) (below the data segment) fails, returns the break", raw_brk((void *)0x1000UL) == cur + 1);
	check("brk(1 << 60) fails, returns the break", raw_brk((void *)(1UL << 60)) == cur + 1);
	check("grow again", raw_brk(cur + 2 * PAGE) == cur + 2 * PAGE);
	check("pages above the old break are zero again", all_zero(first_new, cur + 2 * PAGE - first_new));
	check("restore", raw_brk(cur) == cur);
	/* (that shrinking the break unmaps the pages above it is checked in kcheck.c: qemu-user
	 * keeps them mapped) */
	void *s1 = sbrk(0);
	void *s2 = sbrk(100);
	check("sbrk(100) returns the old break", s1 == s2);
	check("sbrk(0) moved by 100", (char *)sbrk(0) == (char *)s1 + 100);
	sbrk(-100);
}

static void test_mmap_anon(void)
{
	section("mmap anonymous");
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!check("mmap 1 page", p != MAP_FAILED))
		return;
	check("page aligned", ((uintptr_t)p & (PAGE - 1)) == 0);
	check("zero filled", all_zero(p, PAGE));
	strcpy(p, "written to an anonymous page");
	printf("read back: \"%s\"\n", p);
	printf("data: ");
	long n = write(1, p, 4);
	printf("\n");
	show("write(1, mapping, 4)", n);
	show("munmap", munmap(p, PAGE));
	expect_err("write(1, unmapped page)", write(1, p, 4), EFAULT);

	/* 16 pages; punch a 2-page hole in the middle */
	char *q = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("mmap 16 pages", q != MAP_FAILED);
	for (int i = 0; i < 16; i++)
		q[i * PAGE] = 'a' + i;
	show("munmap pages 4..5", munmap(q + 4 * PAGE, 2 * PAGE));
	int kept = 1;
	for (int i = 0; i < 16; i++)
		if (i != 4 && i != 5)
			kept &= q[i * PAGE] == 'a' + i;
	check("other pages keep their content", kept);
	expect_err("write(1, hole)", write(1, q + 4 * PAGE, 1), EFAULT);
	/* (a write from a buffer that runs into the hole is in kcheck.c: Linux answers EFAULT on a
	 * tty or pipe but a short count on a regular file, and the reference writes to a file) */
	char *h = mmap(q + 4 * PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check("MAP_FIXED into the hole", h == q + 4 * PAGE);
	check("refilled page is zero", all_zero(h, PAGE));
	char *f = mmap(q + 8 * PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check("MAP_FIXED over a mapped page replaces it", f == q + 8 * PAGE && all_zero(f, PAGE));
	check("neighbours untouched", q[7 * PAGE] == 'h' && q[9 * PAGE] == 'j');
	show("munmap all 16 (with the hole at 5)", munmap(q, 16 * PAGE));
	show("munmap an unmapped range", munmap(q, 16 * PAGE));

	/* a big mapping is lazy: only touched pages need memory */
	size_t big = 64UL << 20;
	char *b = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (check("mmap 64 MiB", b != MAP_FAILED)) {
		long sum = 0;
		for (size_t off = 0; off < big; off += 4UL << 20) {
			b[off] = 1;
			sum += b[off] + b[off + PAGE - 1];
		}
		check("touch one page every 4 MiB", sum == 16);
		show("munmap 64 MiB", munmap(b, big));
	}

	/* errors */
	expect_err("mmap length 0", (long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
	expect_err("mmap neither PRIVATE nor SHARED", (long)mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
	expect_err("mmap MAP_FIXED unaligned", (long)mmap((void *)0x10001, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL);
	expect_err("munmap unaligned", munmap((void *)0x10001, PAGE), EINVAL);
	expect_err("munmap length 0", munmap((void *)0x100000, 0), EINVAL);
}

static void test_mprotect(void)
{
	section("mprotect");
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 'm', 4 * PAGE);
	show("mprotect page 1 PROT_READ", mprotect(p + PAGE, PAGE, PROT_READ));
	check("still readable", p[PAGE] == 'm');
	int fd = openat(AT_FDCWD, "data/hello.txt", O_RDONLY);
	expect_err("read(file) into a read-only page", read(fd, p + PAGE, 5), EFAULT);
	show("read(file) into the writable page before it", read(fd, p, 5));
	printf("data: ");
	long n = write(1, p + PAGE, 1);
	printf("\n");
	show("write(1, read-only page, 1)", n);
	show("mprotect page 2 PROT_NONE", mprotect(p + 2 * PAGE, PAGE, PROT_NONE));
	expect_err("write(1, PROT_NONE page)", write(1, p + 2 * PAGE, 1), EFAULT);
	show("mprotect all back to RW", mprotect(p, 4 * PAGE, PROT_READ | PROT_WRITE));
	check("content kept across protection changes", p[PAGE] == 'm' && p[2 * PAGE] == 'm' && memcmp(p, "Hello", 5) == 0);
	p[2 * PAGE] = 'w';
	check("writable again", p[2 * PAGE] == 'w');
	expect_err("mprotect unaligned", mprotect(p + 1, PAGE, PROT_READ), EINVAL);
	munmap(p, 4 * PAGE);
	expect_err("mprotect unmapped", mprotect(p, PAGE, PROT_READ), ENOMEM);
	close(fd);
}

static void test_mmap_file(void)
{
	section("mmap private file");
	int fd = openat(AT_FDCWD, "data/numbers.txt", O_RDONLY);
	static char file[10000];
	pread(fd, file, sizeof file, 0);
	char *m = mmap(NULL, 10000, PROT_READ, MAP_PRIVATE, fd, 0);
	if (!check("mmap data/numbers.txt", m != MAP_FAILED))
		return;
	check("mapping equals the file", memcmp(m, file, 10000) == 0);
	check("tail of the last page is zero", all_zero(m + 10000, 3 * PAGE - 10000));
	printf("bytes at 5000: \"%.9s\"\n", m + 5000);
	munmap(m, 10000);

	m = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
	check("mmap at file offset 4096", m != MAP_FAILED && memcmp(m, file + PAGE, 10000 - PAGE) == 0);
	munmap(m, 2 * PAGE);

	m = mmap(NULL, 10000, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check("writable private mapping of an O_RDONLY fd", m != MAP_FAILED);
	close(fd);
	check("mapping outlives close(fd)", m[0] == 'l' && m[9999] == '\n');
	memcpy(m, "LINE", 4);
	check("private write visible in the mapping", memcmp(m, "LINE 0000", 9) == 0);
	fd = openat(AT_FDCWD, "data/numbers.txt", O_RDONLY);
	char buf[9];
	pread(fd, buf, 9, 0);
	printf("file still says: \"%.9s\"\n", buf);
	char *m2 = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	check("a second mapping sees the file, not the private copy", m2 != MAP_FAILED && memcmp(m2, "line 0000", 9) == 0);
	munmap(m2, PAGE);
	munmap(m, 10000);

	expect_err("mmap unaligned offset", (long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100), EINVAL);
	expect_err("mmap bad fd", (long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 77, 0), EBADF);
	int dfd = openat(AT_FDCWD, "data", O_RDONLY | O_DIRECTORY);
	expect_err("mmap a directory", (long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, dfd, 0), ENODEV);
	close(dfd);
	close(fd);
}

/* A byte of every page of [p, p + n pages): 'a' + page index, to follow the pages as they move. */
static void fill_pages(char *p, int n)
{
	for (int i = 0; i < n; i++)
		memset(p + i * PAGE, 'a' + i, PAGE);
}

static int pages_are(const char *p, const char *want)
{
	for (int i = 0; want[i]; i++)
		if (p[i * PAGE] != want[i] || p[i * PAGE + PAGE - 1] != want[i])
			return 0;
	return 1;
}

/* Is p mapped (readable)? write(2) of one byte from it to /dev/null says, without a signal. */
static int is_mapped(const char *p)
{
	int fd = openat(AT_FDCWD, "/dev/null", O_WRONLY);
	long r = write(fd, p, 1);
	close(fd);
	return r == 1;
}

static void test_mremap(void)
{
	section("mremap");
	char *p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p + 4 * PAGE, 4 * PAGE);	/* 4 pages, with 4 free ones after them */
	fill_pages(p, 4);
	expect_err("mremap unknown flag", (long)mremap(p, PAGE, PAGE, 0x80), EINVAL);
	expect_err("mremap FIXED without MAYMOVE", (long)mremap(p, PAGE, PAGE, MREMAP_FIXED, p + 8 * PAGE), EINVAL);
	expect_err("mremap unaligned address", (long)mremap(p + 1, PAGE, PAGE, 0), EINVAL);
	expect_err("mremap FIXED overlapping", (long)mremap(p, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, p + PAGE), EINVAL);
	expect_err("mremap FIXED unaligned target", (long)mremap(p, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, p + 8 * PAGE + 1), EINVAL);
	expect_err("mremap growing an unmapped range", (long)mremap(p + 6 * PAGE, PAGE, 2 * PAGE, MREMAP_MAYMOVE), EFAULT);
	expect_err("mremap growing past the mapping", (long)mremap(p, 5 * PAGE, 6 * PAGE, MREMAP_MAYMOVE), EFAULT);

	char *r = mremap(p, 4 * PAGE, 2 * PAGE, 0);
	check("shrink returns the address", r == p);
	check("shrink keeps the head", pages_are(p, "ab"));
	check("shrink unmaps the tail", !is_mapped(p + 2 * PAGE) && !is_mapped(p + 3 * PAGE));
	r = mremap(p, 2 * PAGE, 3 * PAGE + 1, 0);
	check("grow in place (rounded up to 4 pages)", r == p);
	check("grown: old contents kept, new pages zero", pages_are(p, "ab") && all_zero(p + 2 * PAGE, 2 * PAGE));
	fill_pages(p, 4);

	char *block = mmap(p + 4 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	check("a mapping right after", block == p + 4 * PAGE);
	expect_err("mremap grow when blocked, no MAYMOVE", (long)mremap(p, 4 * PAGE, 6 * PAGE, 0), ENOMEM);
	expect_err("mremap grow a range ending inside its mapping, no MAYMOVE", (long)mremap(p, 2 * PAGE, 3 * PAGE, 0), ENOMEM);
	char *q = mremap(p, 4 * PAGE, 6 * PAGE, MREMAP_MAYMOVE);
	check("grow with MAYMOVE moves", q != MAP_FAILED && q != p);
	check("moved: contents kept, new pages zero", pages_are(q, "abcd") && all_zero(q + 4 * PAGE, 2 * PAGE));
	check("moved: the old range is unmapped", !is_mapped(p) && !is_mapped(p + 3 * PAGE));
	check("moved: the mapping after stays", is_mapped(block));
	q[5 * PAGE] = 'z';
	check("moved: writable", q[5 * PAGE] == 'z');
	munmap(block, PAGE);

	char *t = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(t, 'T', 3 * PAGE);
	r = mremap(q + PAGE, 2 * PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, t + PAGE);
	check("FIXED moves to the given address", r == t + PAGE);
	check("FIXED: shrunk while moving, replaces what was there", pages_are(t, "TbT"));
	check("FIXED: the moved range is unmapped", !is_mapped(q + PAGE) && !is_mapped(q + 2 * PAGE));
	check("FIXED: the rest of the old mapping stays", pages_are(q, "a") && pages_are(q + 3 * PAGE, "d"));
	munmap(t, 3 * PAGE);
	munmap(q, 6 * PAGE);

	/* A read-only mapping moves read-only. */
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill_pages(p, 2);
	mprotect(p, 2 * PAGE, PROT_READ);
	q = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = mremap(p, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	check("read-only mapping moved", r == q && pages_are(q, "ab"));
	int zfd = openat(AT_FDCWD, "/dev/zero", O_RDONLY);
	expect_err("read(2) into the moved read-only mapping", read(zfd, q, 1), EFAULT);
	close(zfd);
	munmap(q, 4 * PAGE);

	/* A private file mapping moves with its offset: untouched pages still come from the file. */
	int fd = openat(AT_FDCWD, "data/numbers.txt", O_RDONLY);
	static char file[10000];
	pread(fd, file, sizeof file, 0);
	char *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	m[0] = 'L';
	char *m2 = mremap(m, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
	check("file mapping grown", m2 != MAP_FAILED);
	check("file mapping: the written page kept", m2[0] == 'L' && memcmp(m2 + 1, file + 1, PAGE - 1) == 0);
	check("file mapping: the new page from the file", memcmp(m2 + PAGE, file + PAGE, PAGE) == 0);
	munmap(m2, 2 * PAGE);

	/* (Not here, because qemu-user, the reference, does not do them as Linux does: a new length
	 * of 0 is EINVAL on Linux and ENOMEM under QEMU, and QEMU crashes on an old length of 0,
	 * which duplicates shared memory on Linux. The host tests, crates/syscalls/tests/
	 * mm_mremap.rs, check both.) */

	/* glibc's realloc of a big (mmapped) block uses mremap. */
	char *big = malloc(1 << 20);
	memset(big, 7, 1 << 20);
	big = realloc(big, 4 << 20);
	check("realloc 1 MiB -> 4 MiB keeps content", big != NULL && big[0] == 7 && big[(1 << 20) - 1] == 7);
	free(big);
}

static void test_malloc(void)
{
	section("malloc");
	char *small = malloc(100);
	check("malloc(100)", small != NULL);
	memset(small, 1, 100);
	char *large = malloc(1 << 20);	/* above glibc's mmap threshold */
	check("malloc(1 MiB)", large != NULL);
	memset(large, 2, 1 << 20);
	check("contents", small[99] == 1 && large[(1 << 20) - 1] == 2);
	free(large);
	int *z = calloc(1000, sizeof(int));
	int zero = 1;
	for (int i = 0; i < 1000; i++)
		zero &= z[i] == 0;
	check("calloc zeroes", zero);
	char *r = realloc(small, 200000);
	check("realloc grows and keeps content", r != NULL && r[0] == 1 && r[99] == 1);
	free(r);
	free(z);
	/* many small allocations */
	void *ptrs[1000];
	int ok = 1;
	for (int i = 0; i < 1000; i++)
		ok &= (ptrs[i] = malloc(i * 8 + 1)) != NULL;
	for (int i = 0; i < 1000; i++)
		free(ptrs[i]);
	check("1000 allocations", ok);
}

int main(void)
{
	test_init();
	test_brk();
	test_mmap_anon();
	test_mprotect();
	test_mmap_file();
	test_malloc();
	test_mremap();
	puts("memory: done");
	return 0;
}
