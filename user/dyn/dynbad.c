/* execve of programs whose interpreter (PT_INTERP) is bad: copies of /bin/dynhello with its
 * PT_INTERP changed, and interpreters that are missing, short, not ELF, not executable. Prints
 * what execve says. Kernel-only (qemu-user cannot execve without binfmt_misc, and would load the
 * interpreter itself): user/expected/dynbad.out is what Linux's fs/binfmt_elf.c gives.
 */
#define _GNU_SOURCE
#include "common.h"
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define DIR "/tmp/dynbad"
#define LD "/lib/ld-linux-riscv64-lp64d.so.1"

static unsigned char prog[1 << 16];
static size_t prog_len;
static Elf64_Phdr *interp; /* the PT_INTERP header in prog */

static size_t slurp(const char *path, unsigned char *buf, size_t max)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;
	while (fd >= 0 && n < max && (r = read(fd, buf + n, max - n)) > 0)
		n += r;
	close(fd);
	return n;
}

static void put(const char *path, const void *data, size_t len, int mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		printf("cannot write %s\n", path);
	close(fd);
	chmod(path, mode);
}

/* Run `path`: print execve's errno, or the program's exit status (its output discarded). */
static void run(const char *what, const char *path)
{
	int pipefd[2];
	pipe2(pipefd, O_CLOEXEC);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		char *argv[] = {(char *)path, NULL};
		char *envp[] = {NULL};
		execve(path, argv, envp);
		int e = errno;
		write(pipefd[1], &e, sizeof e);
		_exit(99);
	}
	close(pipefd[1]);
	int e = 0, status = 0;
	ssize_t got = read(pipefd[0], &e, sizeof e);
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (got == sizeof e)
		printf("%s: execve = -1 %s\n", what, errno_name(e));
	else if (WIFEXITED(status))
		printf("%s: ran, exit %d\n", what, WEXITSTATUS(status));
	else
		printf("%s: killed by signal %d\n", what, WTERMSIG(status));
}

/* A copy of the program at DIR/<name> whose PT_INTERP holds `name_bytes` (padded with NULs to
 * its size, or `len` bytes if given), with `offset` and `filesz` if not 0. */
static void variant(const char *what, const char *name, const char *interp_name, size_t len, Elf64_Off offset,
		    Elf64_Xword filesz)
{
	static unsigned char copy[sizeof prog];
	memcpy(copy, prog, prog_len);
	Elf64_Phdr *ph = (Elf64_Phdr *)(copy + ((unsigned char *)interp - prog));
	unsigned char *s = copy + ph->p_offset;
	memset(s, 0, ph->p_filesz);
	memcpy(s, interp_name, len ? len : strlen(interp_name));
	if (offset)
		ph->p_offset = offset;
	if (filesz)
		ph->p_filesz = filesz;
	char path[64];
	snprintf(path, sizeof path, DIR "/%s", name);
	put(path, copy, prog_len, 0755);
	run(what, path);
}

int main(void)
{
	test_init();
	prog_len = slurp("/bin/dynhello", prog, sizeof prog);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)prog;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(prog + eh->e_phoff + i * sizeof *ph);
		if (ph->p_type == PT_INTERP)
			interp = ph;
	}
	check("/bin/dynhello names " LD, interp && strcmp((char *)prog + interp->p_offset, LD) == 0);
	if (!interp)
		return 1;
	mkdir(DIR, 0755);
	static unsigned char ld[1 << 18];
	size_t ld_len = slurp(LD, ld, sizeof ld);
	check("the loader is read whole", ld_len > 64 && ld_len < sizeof ld);

	section("interpreters that work");
	variant("as built", "same", LD, 0, 0, 0);
	symlink(LD, DIR "/ld.so");
	variant("through a symlink", "link", DIR "/ld.so", 0, 0, 0);
	variant("a name relative to the cwd (/)", "rel", "lib/ld-linux-riscv64-lp64d.so.1", 0, 0, 0);
	chdir("/tmp");
	variant("the same name from /tmp", "rel2", "lib/ld-linux-riscv64-lp64d.so.1", 0, 0, 0);
	chdir("/");
	variant("the name ends at the first NUL", "nul", LD "\0junk", sizeof LD + 4, 0, 0);

	section("bad PT_INTERP");
	variant("missing interpreter", "missing", "/lib/ld-missing.so.1", 0, 0, 0);
	variant("not NUL-terminated", "unterminated", LD "x", 0, 0, 0);
	variant("longer than PATH_MAX", "long", LD, 0, 0, 4097);
	variant("one byte", "short", LD, 0, 0, 1);
	variant("beyond the end of the file", "beyond", LD, 0, prog_len + 4096, 0);
	variant("an empty name", "empty", "", 0, 0, 0);

	section("bad interpreters");
	put(DIR "/i-short", ld, 40, 0755);
	variant("shorter than an ELF header", "ishort", DIR "/i-short", 0, 0, 0);
	put(DIR "/i-empty", "", 0, 0755);
	variant("an empty file", "iempty", DIR "/i-empty", 0, 0, 0);
	char text[128];
	memset(text, '#', sizeof text);
	memcpy(text, "#!/bin/sh\n", 10);
	put(DIR "/i-text", text, sizeof text, 0755);
	variant("not ELF", "itext", DIR "/i-text", 0, 0, 0);
	put(DIR "/i-noexec", ld, ld_len, 0644);
	variant("not executable", "inoexec", DIR "/i-noexec", 0, 0, 0);
	variant("a directory", "idir", "/tmp", 0, 0, 0);
	variant("under a file", "ifile", "/bin/dynhello/ld.so", 0, 0, 0);
	unsigned char *x86 = malloc(ld_len);
	memcpy(x86, ld, ld_len);
	((Elf64_Ehdr *)x86)->e_machine = EM_X86_64;
	put(DIR "/i-x86", x86, ld_len, 0755);
	variant("another machine's", "ix86", DIR "/i-x86", 0, 0, 0);
	memcpy(x86, ld, ld_len);
	((Elf64_Ehdr *)x86)->e_phentsize = 32;
	put(DIR "/i-phent", x86, ld_len, 0755);
	variant("program headers of the wrong size", "iphent", DIR "/i-phent", 0, 0, 0);
	memcpy(x86, ld, ld_len);
	((Elf64_Ehdr *)x86)->e_phoff = ld_len;
	put(DIR "/i-phoff", x86, ld_len, 0755);
	variant("program headers past its end", "iphoff", DIR "/i-phoff", 0, 0, 0);
	free(x86);

	section("the loader as a command");
	run("the loader without a program", LD);
	return 0;
}
