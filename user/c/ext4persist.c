// Kernel-only check that file-system changes survive a power-off and a reboot of the same ext4
// disk (scripts/ext4-persist-test.sh boots it twice: "write", then "check").
//
//   ext4persist write   make files and directories under /persist, then exit (init exits, the
//                       kernel unmounts the disk and powers off)
//   ext4persist check   verify all of it on the next boot
//
// Calls the kernel may not have yet (ENOSYS) are skipped in "write" and recorded in
// /persist/manifest, so "check" verifies exactly what was done. Prints one line
// "ext4persist: write ok" / "ext4persist: check ok" (or what differs) and exits 0 or 1.
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define DATA_LEN 300000
#define BASE "/persist"

static int failures;

static void fail(const char *what) {
    printf("ext4persist: %s\n", what);
    failures++;
}

static unsigned char pattern(size_t i) {
    return (unsigned char)(i * 7 + 3 + (i >> 9));
}

static int write_file(const char *path, const void *buf, size_t len, int flags) {
    int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
    if (fd < 0) return -1;
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n <= 0) { close(fd); return -1; }
        p += n;
        len -= (size_t)n;
    }
    return close(fd);
}

// Whole file into buf (at most cap bytes); the length, or -1.
static ssize_t read_file(const char *path, void *buf, size_t cap) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, (char *)buf + got, cap - got);
        if (n < 0) { close(fd); return -1; }
        if (n == 0) break;
        got += (size_t)n;
        if (got == cap) break;
    }
    close(fd);
    return (ssize_t)got;
}

static int expect_text(const char *path, const char *want) {
    char buf[256];
    ssize_t n = read_file(path, buf, sizeof buf - 1);
    if (n < 0) return 0;
    buf[n] = 0;
    return strcmp(buf, want) == 0;
}

// An optional call: 1 if it worked, 0 if the kernel lacks it, a failure otherwise.
static int optional(const char *what, long ret) {
    if (ret == 0) return 1;
    if (errno == ENOSYS) return 0;
    char msg[128];
    snprintf(msg, sizeof msg, "%s failed: %s", what, strerror(errno));
    fail(msg);
    return 0;
}

static unsigned char data[DATA_LEN + 16];

static void do_write(void) {
    struct stat st;
    if (mkdir(BASE, 0755) != 0 && (stat(BASE, &st) != 0 || !S_ISDIR(st.st_mode))) {
        // Without mkdir(2) the image must have the directory already.
        fail("mkdir /persist failed");
        return;
    }
    if (write_file(BASE "/text.txt", "written before power-off\n", 25, O_TRUNC)) fail("text.txt");
    for (size_t i = 0; i < DATA_LEN; i++) data[i] = pattern(i);
    if (write_file(BASE "/data.bin", data, DATA_LEN, O_TRUNC)) fail("data.bin");
    // Overwrite in the middle, then append.
    int fd = open(BASE "/data.bin", O_WRONLY);
    if (fd < 0 || pwrite(fd, "XXXXXXXXXX", 10, 100000) != 10) fail("pwrite data.bin");
    close(fd);
    if (write_file(BASE "/data.bin", "END", 3, O_APPEND)) fail("append data.bin");

    char manifest[256] = "";
    fd = open(BASE "/trunc.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, data, 20000) != 20000) fail("trunc.txt");
    if (optional("ftruncate", ftruncate(fd, 100))) strcat(manifest, "truncate\n");
    close(fd);
    if (optional("mkdir sub", mkdir(BASE "/sub", 0700))) {
        if (write_file(BASE "/sub/inner.txt", "inner\n", 6, O_TRUNC)) fail("sub/inner.txt");
        strcat(manifest, "mkdir\n");
    }
    if (optional("symlink", symlink("text.txt", BASE "/link"))) strcat(manifest, "symlink\n");
    if (write_file(BASE "/before.txt", "renamed\n", 8, O_TRUNC)) fail("before.txt");
    if (optional("rename", rename(BASE "/before.txt", BASE "/after.txt"))) strcat(manifest, "rename\n");
    if (write_file(BASE "/gone.txt", "gone\n", 5, O_TRUNC)) fail("gone.txt");
    if (optional("unlink", unlink(BASE "/gone.txt"))) strcat(manifest, "unlink\n");
    if (optional("link", link(BASE "/text.txt", BASE "/hard.txt"))) strcat(manifest, "hardlink\n");
    if (write_file(BASE "/manifest", manifest, strlen(manifest), O_TRUNC)) fail("manifest");
    // Stores through a shared mapping: page 0 synced with msync, page 1 left for munmap, page 2
    // still mapped when the program exits (written back at unmount, before power-off).
    fd = open(BASE "/mapped.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char *map = fd < 0 || ftruncate(fd, 3 * 4096) != 0 ? MAP_FAILED
                                                       : mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        fail("mmap mapped.bin");
    } else {
        for (int i = 0; i < 3; i++) snprintf(map + i * 4096 + 100, 32, "mapped page %d", i);
        if (msync(map, 4096, MS_SYNC) != 0) fail("msync mapped.bin");
        close(fd);
        munmap(map + 4096, 4096);
    }
    if (failures == 0) printf("ext4persist: write ok\n");
}

static void do_check(void) {
    char manifest[256];
    ssize_t m = read_file(BASE "/manifest", manifest, sizeof manifest - 1);
    if (m < 0) {
        fail("no /persist/manifest: nothing survived");
        return;
    }
    manifest[m] = 0;
    if (!expect_text(BASE "/text.txt", "written before power-off\n")) fail("text.txt differs");
    ssize_t n = read_file(BASE "/data.bin", data, sizeof data);
    int same = n == DATA_LEN + 3 && memcmp(data + DATA_LEN, "END", 3) == 0 &&
               memcmp(data + 100000, "XXXXXXXXXX", 10) == 0;
    for (size_t i = 0; same && i < DATA_LEN; i++)
        if ((i < 100000 || i >= 100010) && data[i] != pattern(i)) same = 0;
    if (!same) fail("data.bin differs");
    struct stat st;
    if (stat(BASE "/trunc.txt", &st) != 0) fail("trunc.txt missing");
    else if (st.st_size != (strstr(manifest, "truncate") ? 100 : 20000)) fail("trunc.txt has the wrong size");
    if (strstr(manifest, "mkdir")) {
        if (!expect_text(BASE "/sub/inner.txt", "inner\n")) fail("sub/inner.txt differs");
        if (stat(BASE "/sub", &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_mode & 07777) != 0700)
            fail("sub is not a 0700 directory");
    }
    if (strstr(manifest, "symlink")) {
        char target[64] = "";
        ssize_t t = readlink(BASE "/link", target, sizeof target - 1);
        if (t < 0 || (target[t] = 0, strcmp(target, "text.txt") != 0)) fail("link differs");
    }
    if (strstr(manifest, "rename")) {
        if (!expect_text(BASE "/after.txt", "renamed\n")) fail("after.txt differs");
        if (stat(BASE "/before.txt", &st) == 0) fail("before.txt is still there");
    }
    if (strstr(manifest, "unlink") && stat(BASE "/gone.txt", &st) == 0) fail("gone.txt is still there");
    if (strstr(manifest, "hardlink")) {
        if (stat(BASE "/hard.txt", &st) != 0 || st.st_nlink != 2) fail("hard.txt is not a second link");
    }
    char mapped[3 * 4096];
    if (read_file(BASE "/mapped.bin", mapped, sizeof mapped) != (ssize_t)sizeof mapped) fail("mapped.bin has the wrong size");
    for (int i = 0; i < 3; i++) {
        char want[32];
        snprintf(want, sizeof want, "mapped page %d", i);
        if (strcmp(mapped + i * 4096 + 100, want) != 0) fail("a store through a shared mapping was lost");
    }
    if (failures == 0) printf("ext4persist: check ok\n");
}

int main(int argc, char **argv) {
    test_init();
    if (argc == 2 && strcmp(argv[1], "write") == 0) do_write();
    else if (argc == 2 && strcmp(argv[1], "check") == 0) do_check();
    else {
        printf("usage: ext4persist write|check\n");
        return 2;
    }
    return failures ? 1 : 0;
}
