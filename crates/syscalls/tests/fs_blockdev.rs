//! Block devices through the dispatch table: a disk registered with devfs is /dev/<name>, a
//! block-special file (stat), that read, write, lseek and the BLK* ioctls reach; mount(2) of a
//! type that lives on a disk takes the block device its source names. And FICLONE/FICLONERANGE,
//! the block-sharing requests, which no file system here supports.
//! (The disk driver the kernel registers, `kernel::blockdev`, has its own tests of offsets and
//! bounds; here a disk in memory stands in for it.)
use abi::flags::*;
use abi::structs::Stat;
use abi::SysResult;
use fs::{BlockInfo, FileKind, Inode};
use std::sync::{Arc, Mutex};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;

const BUF: usize = FsTest::BUF;
const AUX: usize = FsTest::AUX;

/// A disk of bytes in memory, as a block device's driver (no bounds beyond the end: reads stop,
/// writes are ENOSPC).
struct RamBlock {
    data: Mutex<Vec<u8>>,
    flushes: Mutex<u32>,
}

impl Inode for RamBlock {
    fn kind(&self) -> FileKind {
        FileKind::BlockDevice
    }
    fn stat(&self) -> Stat {
        Stat::default()
    }
    fn seekable(&self) -> bool {
        true
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        let d = self.data.lock().unwrap();
        let start = (offset as usize).min(d.len());
        let n = buf.len().min(d.len() - start);
        buf[..n].copy_from_slice(&d[start..start + n]);
        Ok(n)
    }
    fn write_at(&self, offset: u64, buf: &[u8]) -> SysResult<usize> {
        let mut d = self.data.lock().unwrap();
        if offset as usize >= d.len() {
            return Err(abi::Errno::ENOSPC);
        }
        let n = buf.len().min(d.len() - offset as usize);
        d[offset as usize..offset as usize + n].copy_from_slice(&buf[..n]);
        Ok(n)
    }
    fn fsync(&self) -> SysResult<()> {
        *self.flushes.lock().unwrap() += 1;
        Ok(())
    }
    fn block_info(&self) -> Option<BlockInfo> {
        let size = self.data.lock().unwrap().len() as u64;
        Some(BlockInfo { size, sector_size: 512, block_size: 4096, read_only: false })
    }
}

/// Register a disk of `size` bytes as `name` (254:`minor`) and boot the standard mounts, whose
/// devfs then has it.
fn with_disk(name: &str, minor: u32, size: usize) -> (FsTest, Arc<RamBlock>) {
    let disk = Arc::new(RamBlock { data: Mutex::new(vec![0; size]), flushes: Mutex::new(0) });
    fs::dev::register_block_device(name, 254, minor, disk.clone());
    let t = FsTest::with_standard_mounts();
    (t, disk)
}

fn ioctl(t: &FsTest, fd: isize, cmd: usize, arg: usize) -> isize {
    t.k.syscall(&t.p, Sysno::ioctl, [fd as usize, cmd, arg])
}

#[test]
fn a_registered_disk_is_a_block_special_file_in_devfs() {
    let (t, _) = with_disk("tbd0", 160, 1 << 20);
    let st = t.stat("/dev/tbd0").unwrap();
    assert_eq!(st.st_mode, S_IFBLK | 0o660);
    assert_eq!(st.st_rdev, fs::meta::make_dev(254, 160));
    assert_eq!(st.st_size, 0, "as on Linux: the size is the device's, not the node's");
    assert_eq!(st.st_dev, t.stat("/dev").unwrap().st_dev);
    assert!(t.list("/dev").iter().any(|n| n == "tbd0"));
    assert_eq!(fs::dev::block_device_name(st.st_rdev).as_deref(), Some("tbd0"));
}

#[test]
fn read_write_and_lseek_reach_the_disk() {
    let (t, disk) = with_disk("tbd1", 176, 8192);
    let fd = t.open("/dev/tbd1", OpenFlags::RDWR.bits());
    assert!(fd >= 0);
    t.k.poke(&t.p, BUF, b"hello");
    assert_eq!(t.k.syscall(&t.p, Sysno::pwrite64, [fd as usize, BUF, 5, 1000]), 5);
    assert_eq!(&disk.data.lock().unwrap()[1000..1005], b"hello");
    assert_eq!(t.k.syscall(&t.p, Sysno::lseek, [fd as usize, 0, SEEK_END as usize]), 8192);
    assert_eq!(t.k.syscall(&t.p, Sysno::lseek, [fd as usize, -2i64 as usize, SEEK_END as usize]), 8190);
    t.k.poke(&t.p, BUF, b"abcd");
    assert_eq!(t.k.syscall(&t.p, Sysno::write, [fd as usize, BUF, 4]), 2, "cut at the end");
    assert_eq!(t.k.syscall(&t.p, Sysno::write, [fd as usize, BUF, 4]), ENOSPC, "at the end");
    assert_eq!(t.k.syscall(&t.p, Sysno::read, [fd as usize, BUF, 4]), 0, "reads end there");
    assert_eq!(t.k.syscall(&t.p, Sysno::pread64, [fd as usize, BUF, 5, 1000]), 5);
    assert_eq!(t.k.peek(&t.p, BUF, 5), b"hello");
    assert_eq!(t.k.syscall(&t.p, Sysno::fsync, [fd as usize]), 0);
    assert_eq!(*disk.flushes.lock().unwrap(), 1);
    // O_CREAT | O_TRUNC of the existing node (LTP clears a device so) leaves the disk alone.
    let again = t.open("/dev/tbd1", (OpenFlags::WRONLY | OpenFlags::CREAT | OpenFlags::TRUNC).bits());
    assert!(again >= 0);
    assert_eq!(&disk.data.lock().unwrap()[1000..1005], b"hello");
}

#[test]
fn the_blk_ioctls_tell_the_geometry() {
    let (t, disk) = with_disk("tbd2", 192, 3 << 20);
    let fd = t.open("/dev/tbd2", 0);
    t.k.poke(&t.p, AUX, &[0xee; 16]);
    assert_eq!(ioctl(&t, fd, BLKGETSIZE64, AUX), 0);
    assert_eq!(t.k.peek_val::<u64>(&t.p, AUX), 3 << 20);
    assert_eq!(ioctl(&t, fd, BLKGETSIZE, AUX), 0);
    assert_eq!(t.k.peek_val::<u64>(&t.p, AUX), (3 << 20) / 512);
    t.k.poke(&t.p, AUX, &[0xee; 16]);
    assert_eq!(ioctl(&t, fd, BLKSSZGET, AUX), 0);
    assert_eq!(t.k.peek(&t.p, AUX, 8), [0, 2, 0, 0, 0xee, 0xee, 0xee, 0xee], "an int: 512");
    assert_eq!(ioctl(&t, fd, BLKBSZGET, AUX), 0);
    assert_eq!(t.k.peek_val::<u32>(&t.p, AUX), 4096);
    assert_eq!(ioctl(&t, fd, BLKPBSZGET, AUX), 0);
    assert_eq!(t.k.peek_val::<u32>(&t.p, AUX), 512);
    assert_eq!(ioctl(&t, fd, BLKROGET, AUX), 0);
    assert_eq!(t.k.peek_val::<i32>(&t.p, AUX), 0);
    assert_eq!(ioctl(&t, fd, BLKFLSBUF, 0), 0);
    assert_eq!(*disk.flushes.lock().unwrap(), 1);
    assert_eq!(ioctl(&t, fd, BLKGETSIZE64, 0), EFAULT);
    // Settings that would change the disk are refused; partitions there are none.
    t.k.poke(&t.p, AUX, &1i32.to_ne_bytes());
    assert_eq!(ioctl(&t, fd, BLKROSET, AUX), EINVAL);
    t.k.poke(&t.p, AUX, &0i32.to_ne_bytes());
    assert_eq!(ioctl(&t, fd, BLKROSET, AUX), 0, "no change");
    t.k.poke(&t.p, AUX, &1000i32.to_ne_bytes());
    assert_eq!(ioctl(&t, fd, BLKBSZSET, AUX), EINVAL);
    assert_eq!(ioctl(&t, fd, BLKRRPART, 0), EINVAL);
    // Terminal and unknown requests are ENOTTY; the generic ones still work.
    assert_eq!(ioctl(&t, fd, TCGETS, AUX), ENOTTY);
    assert_eq!(ioctl(&t, fd, 0x1234_5678, AUX), ENOTTY);
    assert_eq!(ioctl(&t, fd, 0x5451, 0), 0, "FIOCLEX");
    // Other files know no BLK* request.
    let null = t.open("/dev/null", 0);
    assert_eq!(ioctl(&t, null, BLKGETSIZE64, AUX), ENOTTY);
}

/// A disk-based type for the mount tests: it remembers the source it was given.
static SOURCES: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn on_disk_factory(source: &str, _flags: u64, _data: &str) -> SysResult<Arc<dyn fs::FileSystem>> {
    SOURCES.lock().unwrap().push(source.to_string());
    Ok(fs::ramfs::RamFs::new("testdiskfs"))
}

#[test]
fn mount_of_a_disk_type_takes_the_block_device_the_source_names() {
    let (t, _) = with_disk("tbd3", 208, 1 << 20);
    fs::vfs::register_fs_type("testdiskfs", true, on_disk_factory);
    t.k.root.create("mnt", FileKind::Directory, 0o755).unwrap();
    assert_eq!(t.mount("/dev/tbd3", "/mnt", "testdiskfs", 0, ""), 0);
    assert!(SOURCES.lock().unwrap().iter().any(|s| s == "/dev/tbd3"));
    assert_eq!(t.umount("/mnt", 0), 0);
    // Through a link, and relative to the cwd: the file system still gets the disk's name.
    assert_eq!(t.symlink("/dev/tbd3", "/tmp/disk"), 0);
    assert_eq!(t.mount("/tmp/disk", "/mnt", "testdiskfs", 0, ""), 0);
    assert_eq!(t.umount("/mnt", 0), 0);
    assert_eq!(SOURCES.lock().unwrap().iter().filter(|s| *s == "/dev/tbd3").count(), 2);
    // Not a block device, no such file, no source at all; an unknown type is ENODEV first.
    assert_eq!(t.mount("/dev/zero", "/mnt", "testdiskfs", 0, ""), ENOTBLK);
    assert_eq!(t.mount("/tmp", "/mnt", "testdiskfs", 0, ""), ENOTBLK);
    assert_eq!(t.mount("/dev/nodisk", "/mnt", "testdiskfs", 0, ""), ENOENT);
    assert_eq!(t.mount("", "/mnt", "testdiskfs", 0, ""), ENOENT);
    assert_eq!(t.mount("/dev/nodisk", "/mnt", "nosuchfs", 0, ""), ENODEV);
    // Types without a disk take any source.
    assert_eq!(t.mount("whatever", "/mnt", "tmpfs", 0, ""), 0);
}

/// FICLONE and FICLONERANGE (no file system here shares blocks): Linux's checks, then
/// EOPNOTSUPP, as tmpfs answers.
#[test]
fn reflinks_are_not_supported_after_linuxs_checks() {
    let t = FsTest::with_standard_mounts();
    t.write_file("/tmp/a", b"data");
    t.write_file("/tmp/b", b"");
    t.write_file("/on-root", b"");
    let a = t.open("/tmp/a", OpenFlags::RDWR.bits());
    let b = t.open("/tmp/b", OpenFlags::RDWR.bits());
    let b_ro = t.open("/tmp/b", 0);
    let dir = t.open("/tmp", OpenFlags::DIRECTORY.bits());
    let other = t.open("/on-root", OpenFlags::RDWR.bits());
    assert_eq!(ioctl(&t, b, FICLONE, a as usize), ENOTSUP, "EOPNOTSUPP");
    assert_eq!(ioctl(&t, b, FICLONE, 99), EBADF);
    assert_eq!(ioctl(&t, b_ro, FICLONE, a as usize), EBADF, "a read-only destination");
    assert_eq!(ioctl(&t, b, FICLONE, dir as usize), EISDIR);
    assert_eq!(ioctl(&t, b, FICLONE, other as usize), EXDEV);
    let range = [a as u64, 0, 4, 0];
    t.k.poke(&t.p, AUX, bytemuck::cast_slice(&range));
    assert_eq!(ioctl(&t, b, FICLONERANGE, AUX), ENOTSUP);
    assert_eq!(ioctl(&t, b, FICLONERANGE, 0), EFAULT);
}
