// Kernel-only check of a disk as a block-special file (user/tests.txt boots it with an empty
// 16 MiB scratch disk, "DISK=16M"): /dev/vda's stat, the BLK* ioctls, reads and writes at any
// offset and length through the block cache, the end of the disk (reads stop, writes ENOSPC),
// lseek's SEEK_END, fsync; mount(2) of the disk (not ext4: EINVAL) and of things that are not
// block devices (ENOTBLK); /proc/filesystems.
#include "common.h"
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>

#define DISK "/dev/vda"
#define SIZE (16ull << 20)

static unsigned char buf[70000], back[70000];

int main(void)
{
	test_init();
	section("stat");
	struct stat st;
	show("stat", stat(DISK, &st));
	check("block device", S_ISBLK(st.st_mode));
	printf("rdev %u:%u, size %lld, mode %o\n", major(st.st_rdev), minor(st.st_rdev), (long long)st.st_size,
	       st.st_mode & 07777);

	section("ioctl");
	int fd = open(DISK, O_RDWR);
	show_ok("open", fd);
	uint64_t size64 = 0;
	unsigned long sectors = 0;
	int ssz = 0, bsz = 0, ro = -1;
	show("BLKGETSIZE64", ioctl(fd, BLKGETSIZE64, &size64));
	printf("size %llu MiB\n", (unsigned long long)(size64 >> 20));
	show("BLKGETSIZE", ioctl(fd, BLKGETSIZE, &sectors));
	printf("sectors %lu\n", sectors);
	show("BLKSSZGET", ioctl(fd, BLKSSZGET, &ssz));
	show("BLKBSZGET", ioctl(fd, BLKBSZGET, &bsz));
	show("BLKROGET", ioctl(fd, BLKROGET, &ro));
	printf("sector %d, block %d, read-only %d\n", ssz, bsz, ro);
	show("BLKFLSBUF", ioctl(fd, BLKFLSBUF, 0));
	struct termios t;
	expect_err("TCGETS", ioctl(fd, TCGETS, &t), ENOTTY);
	expect_err("BLKGETSIZE64 to NULL", ioctl(fd, BLKGETSIZE64, NULL), EFAULT);

	section("read and write");
	show("lseek SEEK_END", lseek(fd, 0, SEEK_END));
	check("a new disk reads zeros", pread(fd, back, 4096, 8192) == 4096 && back[0] == 0 && back[4095] == 0);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	show("pwrite 5 at 1000", pwrite(fd, "hello", 5, 1000));
	show("pwrite 70000 at 4097", pwrite(fd, buf, sizeof buf, 4097));
	show("pread 5 at 1000", pread(fd, back, 5, 1000));
	check("read back", memcmp(back, "hello", 5) == 0);
	show("pread 70000 at 4097", pread(fd, back, sizeof back, 4097));
	check("read back", memcmp(back, buf, sizeof buf) == 0);
	show("pread 2 at 4096", pread(fd, back, 2, 4096));
	check("the byte before is untouched", back[0] == 0 && back[1] == 3);
	show("lseek to the end less 3", lseek(fd, -3, SEEK_END));
	show("write 10", write(fd, buf, 10));
	expect_err("write at the end", write(fd, buf, 10), ENOSPC);
	show("read at the end", read(fd, back, 10));
	show("pread past the end", pread(fd, back, 10, SIZE + 4096));
	expect_err("pwrite past the end", pwrite(fd, buf, 10, SIZE + 4096), ENOSPC);
	expect_err("pread at a negative offset", pread(fd, back, 10, -1), EINVAL);
	show("fsync", fsync(fd));
	show("fdatasync", fdatasync(fd));
	close(fd);
	fd = open(DISK, O_RDONLY);
	show("pread 70000 at 4097 after reopening", pread(fd, back, sizeof back, 4097));
	check("still there", memcmp(back, buf, sizeof buf) == 0);
	close(fd);
	// LTP clears a device with open(O_CREAT | O_WRONLY | O_TRUNC): the disk keeps its size.
	fd = open(DISK, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	show("lseek SEEK_END after O_TRUNC", lseek(fd, 0, SEEK_END));
	close(fd);

	section("mount");
	mkdir("/mnt", 0755);
	expect_err("mount " DISK " (no file system on it)", mount(DISK, "/mnt", "ext4", 0, NULL), EINVAL);
	expect_err("mount /dev/zero", mount("/dev/zero", "/mnt", "ext4", 0, NULL), ENOTBLK);
	expect_err("mount /dev/nodisk", mount("/dev/nodisk", "/mnt", "ext4", 0, NULL), ENOENT);
	expect_err("mount an unknown type", mount(DISK, "/mnt", "nosuchfs", 0, NULL), ENODEV);

	section("/proc/filesystems");
	FILE *f = fopen("/proc/filesystems", "r");
	char line[128];
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, "ext4") || strstr(line, "tmpfs"))
			fputs(line, stdout);
	if (f)
		fclose(f);
	return 0;
}
