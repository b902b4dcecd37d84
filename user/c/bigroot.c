// Kernel-only check of a big initramfs (scripts/big-initramfs-test.sh packs this program with
// 150 MB of files and boots it in 256 MiB): every file arrived whole, the memory the archive
// took was given back, and the root's size does not keep /tmp from being written.
//
//   bigroot FILES...   check each file: size, and the pattern at its start, middle and end
// Prints "bigroot: ok" (or what differs) and exits 0 or 1.
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>

// The files hold this line again and again (`yes bakaex-initramfs-0123456789`).
static const char LINE[] = "bakaex-initramfs-0123456789\n";
#define LINE_LEN (sizeof LINE - 1)

static int failures;

static void fail(const char *what, const char *name) {
    printf("bigroot: %s: %s\n", name, what);
    failures++;
}

static void check_file(const char *name) {
    int fd = open(name, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fail("cannot open", name);
        return;
    }
    if (st.st_size < (off_t)(1 << 20)) fail("too small", name);
    off_t at[] = {0, st.st_size / 2, st.st_size - 64};
    for (int i = 0; i < 3; i++) {
        char buf[64];
        if (pread(fd, buf, sizeof buf, at[i]) != (ssize_t)sizeof buf) {
            fail("short read", name);
            break;
        }
        for (size_t k = 0; k < sizeof buf; k++)
            if (buf[k] != LINE[(at[i] + k) % LINE_LEN]) {
                fail("wrong bytes", name);
                i = 3;
                break;
            }
    }
    close(fd);
}

// A meminfo figure in kB, or -1.
static long meminfo(const char *label) {
    char buf[4096];
    int fd = open("/proc/meminfo", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0) close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *p = strstr(buf, label);
    return p ? strtol(p + strlen(label) + 1, 0, 10) : -1;
}

int main(int argc, char **argv) {
    test_init();
    for (int i = 1; i < argc; i++) check_file(argv[i]);
    long free_kb = meminfo("MemFree"), shmem_kb = meminfo("Shmem");
    printf("bigroot: %d files, Shmem %ld MiB, MemFree %s 32 MiB\n", argc - 1, shmem_kb >> 10,
           free_kb > 32 * 1024 ? "over" : "under");
    if (free_kb < 32 * 1024) fail("the archive's memory was not given back", "/proc/meminfo");
    int fd = open("/tmp/after", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    static char chunk[1 << 20];
    memset(chunk, 't', sizeof chunk);
    for (int i = 0; i < 4; i++)
        if (fd < 0 || write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk) {
            fail("cannot write 4 MiB", "/tmp/after");
            break;
        }
    if (failures == 0) printf("bigroot: ok\n");
    return failures ? 1 : 0;
}
