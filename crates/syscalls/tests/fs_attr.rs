//! Sizes, permissions, owners, times and statx through the dispatch table: truncate,
//! ftruncate, fallocate, faccessat(2), fchmodat, fchmod, fchownat, fchown, utimensat, statx,
//! sendfile, fsync.
use abi::flags::*;
use abi::structs::{Stat, Statx, Timespec};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const CWD: usize = AT_FDCWD as usize;
const PATH: usize = SCRATCH + 0xf_0000;
const AUX: usize = SCRATCH + 0xe_0000;

fn path(k: &TestKernel, p: &Caller, s: &str) -> usize {
    k.poke_str(p, PATH, s)
}

fn open(k: &TestKernel, p: &Caller, s: &str, flags: u32) -> usize {
    let fd = k.syscall(p, Sysno::openat, [CWD, path(k, p, s), flags as usize, 0o644]);
    assert!(fd >= 0, "open {s}: {fd}");
    fd as usize
}

fn stat(k: &TestKernel, p: &Caller, s: &str) -> Stat {
    assert_eq!(k.syscall(p, Sysno::newfstatat, [CWD, path(k, p, s), AUX, AT_SYMLINK_NOFOLLOW as usize]), 0);
    k.peek_val(p, AUX)
}

#[test]
fn truncate_grows_with_zeros_and_shrinks() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"hello");
    assert_eq!(k.syscall(&p, Sysno::truncate, [path(&k, &p, "/tmp/f"), 8]), 0);
    let fd = open(&k, &p, "/tmp/f", 0);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 100]), 8);
    assert_eq!(k.peek(&p, SCRATCH, 8), b"hello\0\0\0");
    assert_eq!(k.syscall(&p, Sysno::truncate, [path(&k, &p, "/tmp/f"), 2]), 0);
    assert_eq!(stat(&k, &p, "/tmp/f").st_size, 2);
    // A huge sparse size costs nothing.
    assert_eq!(k.syscall(&p, Sysno::truncate, [path(&k, &p, "/tmp/f"), 1 << 40]), 0);
    assert_eq!(stat(&k, &p, "/tmp/f").st_size, 1 << 40);
}

#[test]
fn truncate_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"x");
    assert_eq!(k.syscall(&p, Sysno::truncate, [path(&k, &p, "/tmp"), 0]), EISDIR);
    assert_eq!(k.syscall(&p, Sysno::truncate, [path(&k, &p, "/tmp/f"), -1i64 as usize]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::truncate, [path(&k, &p, "/nope"), 0]), ENOENT);
    assert_eq!(k.syscall(&p, Sysno::truncate, [path(&k, &p, "/dev/null"), 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::truncate, [UNMAPPED, 0]), EFAULT);
}

#[test]
fn ftruncate_needs_a_regular_file_open_for_writing() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"abcdef");
    let ro = open(&k, &p, "/tmp/f", 0);
    let rw = open(&k, &p, "/tmp/f", OpenFlags::RDWR.bits());
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [ro, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [rw, -1i64 as usize]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [1, 0]), EINVAL, "the console");
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [99, 0]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [rw, 3]), 0);
    assert_eq!(stat(&k, &p, "/tmp/f").st_size, 3);
}

#[test]
fn truncating_updates_mtime_and_ctime() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"abc");
    let before = stat(&k, &p, "/tmp/f");
    hal::time::advance_to(hal::time::now_ns() + 2_000_000_000);
    assert_eq!(k.syscall(&p, Sysno::truncate, [path(&k, &p, "/tmp/f"), 1]), 0);
    let after = stat(&k, &p, "/tmp/f");
    assert_eq!(after.st_mtime, before.st_mtime + 2);
    assert_eq!(after.st_ctime, before.st_ctime + 2);
}

#[test]
fn fallocate_extends_unless_keep_size() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    let fd = open(&k, &p, "/tmp/f", OpenFlags::RDWR.bits());
    assert_eq!(k.syscall(&p, Sysno::fallocate, [fd, 0, 0, 100]), 0);
    assert_eq!(stat(&k, &p, "/tmp/f").st_size, 100);
    assert_eq!(k.syscall(&p, Sysno::fallocate, [fd, 1, 0, 500]), 0);
    assert_eq!(stat(&k, &p, "/tmp/f").st_size, 100);
    assert_eq!(k.syscall(&p, Sysno::fallocate, [fd, 0, 0, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::fallocate, [fd, 2, 0, 10]), ENOTSUP);
    let ro = open(&k, &p, "/tmp/f", 0);
    assert_eq!(k.syscall(&p, Sysno::fallocate, [ro, 0, 0, 10]), EBADF);
}

#[test]
fn fallocate_on_tmpfs_takes_its_room_up_front() {
    let t = FsTest::with_standard_mounts();
    assert_eq!(t.mkdir("/tmp/small"), 0);
    assert_eq!(t.mount("none", "/tmp/small", "tmpfs", 0, "size=64k"), 0);
    let fd = t.open("/tmp/small/f", (OpenFlags::RDWR | OpenFlags::CREAT).bits()) as usize;
    let k = &t.k;
    assert_eq!(k.syscall(&t.p, Sysno::fallocate, [fd, 0, 0, 8 * 4096]), 0);
    assert_eq!(t.stat("/tmp/small/f").unwrap().st_blocks, 64, "8 pages held");
    // Another file fills what is left; the allocated range can still be written.
    let other = t.open("/tmp/small/g", (OpenFlags::WRONLY | OpenFlags::CREAT).bits()) as usize;
    k.poke(&t.p, FsTest::BUF, &[5u8; 12 * 4096]);
    assert_eq!(k.syscall(&t.p, Sysno::write, [other, FsTest::BUF, 12 * 4096]), 8 * 4096);
    assert_eq!(k.syscall(&t.p, Sysno::write, [fd, FsTest::BUF, 8 * 4096]), 8 * 4096);
    // A range that does not fit is ENOSPC, and takes nothing.
    assert_eq!(k.syscall(&t.p, Sysno::fallocate, [fd, 1, 8 * 4096, 4096]), ENOSPC);
    assert_eq!(t.stat("/tmp/small/f").unwrap().st_blocks, 64);
    assert_eq!(t.unlink("/tmp/small/g", 0), 0);
    t.close(other as isize);
    assert_eq!(k.syscall(&t.p, Sysno::fallocate, [fd, 0, 8 * 4096, 16 * 4096]), ENOSPC, "8 fit, not 16");
    assert_eq!(t.stat("/tmp/small/f").unwrap().st_blocks, 64, "the 8 that fitted went back");
    assert_eq!(t.stat("/tmp/small/f").unwrap().st_size, 8 * 4096);
    assert_eq!(k.syscall(&t.p, Sysno::fallocate, [fd, 0, 8 * 4096, 8 * 4096]), 0);
    assert_eq!(t.stat("/tmp/small/f").unwrap().st_size, 16 * 4096);
}

fn access(k: &TestKernel, p: &Caller, s: &str, mode: u32, flags: u32) -> isize {
    k.syscall(p, Sysno::faccessat2, [CWD, path(k, p, s), mode as usize, flags as usize])
}

#[test]
fn root_may_read_and_write_anything_but_execute_needs_a_bit() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    assert_eq!(k.syscall(&p, Sysno::fchmodat, [CWD, path(&k, &p, "/tmp/f"), 0]), 0);
    assert_eq!(access(&k, &p, "/tmp/f", R_OK | W_OK, 0), 0);
    assert_eq!(access(&k, &p, "/tmp/f", X_OK, 0), EACCES);
    assert_eq!(access(&k, &p, "/tmp/f", F_OK, 0), 0);
    assert_eq!(access(&k, &p, "/tmp", X_OK, 0), 0, "directories can always be searched");
    assert_eq!(k.syscall(&p, Sysno::fchmodat, [CWD, path(&k, &p, "/tmp/f"), 0o010]), 0);
    assert_eq!(access(&k, &p, "/tmp/f", X_OK, 0), 0);
    // The older call without flags.
    assert_eq!(k.syscall(&p, Sysno::faccessat, [CWD, path(&k, &p, "/tmp/f"), X_OK as usize]), 0);
}

#[test]
fn access_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    assert_eq!(access(&k, &p, "/tmp/f", 8, 0), EINVAL);
    assert_eq!(access(&k, &p, "/tmp/f", 0, 0x10000), EINVAL);
    assert_eq!(access(&k, &p, "/nope", F_OK, 0), ENOENT);
    assert_eq!(access(&k, &p, "", F_OK, 0), ENOENT);
    let fd = open(&k, &p, "/tmp/f", 0);
    k.poke_str(&p, PATH, "");
    assert_eq!(k.syscall(&p, Sysno::faccessat2, [fd, PATH, 0, AT_EMPTY_PATH as usize]), 0);
    let dangling = fs::ramfs::RamSymlink::new("nowhere");
    fs::path::lookup(&k.root, &k.root, "/tmp", true).unwrap().link("dl", dangling).unwrap();
    assert_eq!(access(&k, &p, "/tmp/dl", F_OK, 0), ENOENT);
    assert_eq!(access(&k, &p, "/tmp/dl", F_OK, AT_SYMLINK_NOFOLLOW), 0);
}

#[test]
fn chmod_keeps_the_type_and_sets_all_twelve_bits() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    assert_eq!(k.syscall(&p, Sysno::fchmodat, [CWD, path(&k, &p, "/tmp/f"), 0o177777]), 0);
    assert_eq!(stat(&k, &p, "/tmp/f").st_mode, S_IFREG | 0o7777);
    let fd = open(&k, &p, "/tmp/f", 0);
    assert_eq!(k.syscall(&p, Sysno::fchmod, [fd, 0o640]), 0);
    assert_eq!(stat(&k, &p, "/tmp/f").st_mode, S_IFREG | 0o640);
    let o = open(&k, &p, "/tmp/f", OpenFlags::PATH.bits());
    assert_eq!(k.syscall(&p, Sysno::fchmod, [o, 0o600]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::fchmod, [99, 0o600]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::fchmodat, [CWD, path(&k, &p, "/nope"), 0o600]), ENOENT);
}

#[test]
fn chown_sets_ids_and_drops_set_id_bits_of_files() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    assert_eq!(k.syscall(&p, Sysno::fchmodat, [CWD, path(&k, &p, "/tmp/f"), 0o7777]), 0);
    assert_eq!(k.syscall(&p, Sysno::fchownat, [CWD, path(&k, &p, "/tmp/f"), 1, 2, 0]), 0);
    let st = stat(&k, &p, "/tmp/f");
    assert_eq!((st.st_uid, st.st_gid), (1, 2));
    assert_eq!(st.st_mode, S_IFREG | 0o1777, "set-user-ID and (group-executable) set-group-ID go");
    // -1 leaves an id alone.
    let fd = open(&k, &p, "/tmp/f", 0);
    assert_eq!(k.syscall(&p, Sysno::fchown, [fd, u32::MAX as usize, 5]), 0);
    let st = stat(&k, &p, "/tmp/f");
    assert_eq!((st.st_uid, st.st_gid), (1, 5));
    assert_eq!(k.syscall(&p, Sysno::fchownat, [CWD, path(&k, &p, "/tmp/f"), 0, 0, 0x1]), EINVAL);
}

#[test]
fn lchown_changes_the_link_itself() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    fs::path::lookup(&k.root, &k.root, "/tmp", true).unwrap().link("l", fs::ramfs::RamSymlink::new("f")).unwrap();
    assert_eq!(k.syscall(&p, Sysno::fchownat, [CWD, path(&k, &p, "/tmp/l"), 7, 7, AT_SYMLINK_NOFOLLOW as usize]), 0);
    assert_eq!(stat(&k, &p, "/tmp/l").st_uid, 7);
    assert_eq!(stat(&k, &p, "/tmp/f").st_uid, 0);
}

fn utimens(
    k: &TestKernel,
    p: &Caller,
    s: Option<&str>,
    dirfd: usize,
    times: Option<[Timespec; 2]>,
    flags: u32,
) -> isize {
    let pa = s.map_or(0, |s| path(k, p, s));
    let ta = match times {
        Some(t) => {
            k.poke(p, AUX + 512, bytemuck::cast_slice(&t));
            AUX + 512
        }
        None => 0,
    };
    k.syscall(p, Sysno::utimensat, [dirfd, pa, ta, flags as usize])
}

const fn ts(sec: i64, nsec: i64) -> Timespec {
    Timespec { tv_sec: sec, tv_nsec: nsec }
}

#[test]
fn utimensat_sets_omits_or_takes_now() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    assert_eq!(utimens(&k, &p, Some("/tmp/f"), CWD, Some([ts(100, 5), ts(200, 6)]), 0), 0);
    let st = stat(&k, &p, "/tmp/f");
    assert_eq!((st.st_atime, st.st_atime_nsec, st.st_mtime, st.st_mtime_nsec), (100, 5, 200, 6));
    assert_eq!(utimens(&k, &p, Some("/tmp/f"), CWD, Some([ts(0, UTIME_OMIT), ts(300, 0)]), 0), 0);
    let st = stat(&k, &p, "/tmp/f");
    assert_eq!((st.st_atime, st.st_mtime), (100, 300));
    let now = ((hal::time::HOST_BOOT_NS + hal::time::now_ns()) / 1_000_000_000) as i64;
    assert_eq!(utimens(&k, &p, Some("/tmp/f"), CWD, Some([ts(0, UTIME_NOW), ts(0, UTIME_OMIT)]), 0), 0);
    let st = stat(&k, &p, "/tmp/f");
    assert_eq!((st.st_atime, st.st_mtime, st.st_ctime), (now, 300, now));
    assert_eq!(utimens(&k, &p, Some("/tmp/f"), CWD, None, 0), 0);
    assert_eq!(stat(&k, &p, "/tmp/f").st_mtime, now);
    // futimens: a NULL path names the descriptor.
    let fd = open(&k, &p, "/tmp/f", 0);
    assert_eq!(utimens(&k, &p, None, fd, Some([ts(1, 0), ts(2, 0)]), 0), 0);
    assert_eq!(stat(&k, &p, "/tmp/f").st_mtime, 2);
}

#[test]
fn utimensat_errors_come_in_linux_order() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    let omit = [ts(0, UTIME_OMIT), ts(0, UTIME_OMIT)];
    assert_eq!(utimens(&k, &p, Some("/nope"), CWD, Some(omit), 0), 0, "both omitted: not even the path is looked at");
    assert_eq!(utimens(&k, &p, Some("/nope"), CWD, Some([ts(0, -5), ts(0, UTIME_OMIT)]), 0), ENOENT);
    assert_eq!(utimens(&k, &p, Some("/tmp/f"), CWD, Some([ts(0, -5), ts(0, UTIME_OMIT)]), 0), EINVAL);
    assert_eq!(utimens(&k, &p, Some("/tmp/f"), CWD, None, 0x4), EINVAL);
    assert_eq!(utimens(&k, &p, None, CWD, None, 0), EFAULT);
    assert_eq!(utimens(&k, &p, None, 99, None, 0), EBADF);
    assert_eq!(utimens(&k, &p, Some(""), CWD, None, 0), ENOENT);
    assert_eq!(utimens(&k, &p, Some(""), CWD, None, AT_EMPTY_PATH), 0);
    assert_eq!(k.syscall(&p, Sysno::utimensat, [CWD, path(&k, &p, "/tmp/f"), UNMAPPED, 0]), EFAULT);
}

#[test]
fn writes_move_mtime_and_reads_move_atime_once() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"abc");
    assert_eq!(utimens(&k, &p, Some("/tmp/f"), CWD, Some([ts(10, 0), ts(20, 0)]), 0), 0);
    let fd = open(&k, &p, "/tmp/f", OpenFlags::RDWR.bits());
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 1]), 1);
    let st = stat(&k, &p, "/tmp/f");
    assert!(st.st_atime > 20, "relatime: an atime older than the mtime moves");
    assert_eq!(st.st_mtime, 20);
    k.poke(&p, SCRATCH, b"z");
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, 1]), 1);
    assert!(stat(&k, &p, "/tmp/f").st_mtime > 20);
}

fn statx(k: &TestKernel, p: &Caller, dirfd: usize, s: &str, flags: u32, mask: u32) -> Result<Statx, isize> {
    k.poke(p, AUX, &[0xffu8; 256]);
    match k.syscall(p, Sysno::statx, [dirfd, path(k, p, s), flags as usize, mask as usize, AUX]) {
        0 => Ok(k.peek_val(p, AUX)),
        e => Err(e),
    }
}

#[test]
fn statx_agrees_with_fstatat() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", &[1u8; 5000]);
    let st = stat(&k, &p, "/tmp/f");
    let sx = statx(&k, &p, CWD, "/tmp/f", 0, STATX_BASIC_STATS).unwrap();
    assert_eq!(sx.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
    assert_eq!(sx.stx_mode as u32, st.st_mode);
    assert_eq!((sx.stx_ino, sx.stx_size, sx.stx_nlink), (st.st_ino, 5000, 1));
    assert_eq!(sx.stx_blocks, st.st_blocks as u64);
    assert_eq!((sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec as u64), (st.st_mtime, st.st_mtime_nsec));
    assert_eq!(fs::meta::make_dev(sx.stx_dev_major, sx.stx_dev_minor), st.st_dev);
    assert_eq!(sx.__spare3, [0; 12], "unused space is zeroed");
    let null = statx(&k, &p, CWD, "/dev/null", 0, 0).unwrap();
    assert_eq!((null.stx_rdev_major, null.stx_rdev_minor), (1, 3));
}

#[test]
fn statx_flags_and_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    fs::path::lookup(&k.root, &k.root, "/tmp", true).unwrap().link("l", fs::ramfs::RamSymlink::new("f")).unwrap();
    assert_eq!(statx(&k, &p, CWD, "/tmp/l", AT_SYMLINK_NOFOLLOW, 0).unwrap().stx_mode as u32 & S_IFMT, S_IFLNK);
    assert_eq!(statx(&k, &p, CWD, "/tmp/l", 0, 0).unwrap().stx_mode as u32 & S_IFMT, S_IFREG);
    let fd = open(&k, &p, "/tmp/f", 0);
    assert_eq!(statx(&k, &p, fd, "", AT_EMPTY_PATH, 0).unwrap().stx_mode as u32 & S_IFMT, S_IFREG);
    assert_eq!(statx(&k, &p, fd, "", 0, 0).err(), Some(ENOENT));
    assert_eq!(statx(&k, &p, CWD, "/tmp/f", 0x1, 0).err(), Some(EINVAL));
    assert_eq!(statx(&k, &p, CWD, "/tmp/f", AT_STATX_SYNC_TYPE, 0).err(), Some(EINVAL));
    assert_eq!(statx(&k, &p, CWD, "/tmp/f", 0, STATX__RESERVED).err(), Some(EINVAL));
    assert_eq!(statx(&k, &p, CWD, "/nope", 0, 0).err(), Some(ENOENT));
    assert_eq!(k.syscall(&p, Sysno::statx, [CWD, path(&k, &p, "/tmp/f"), 0, 0, UNMAPPED]), EFAULT);
    // NULL path with AT_EMPTY_PATH (Linux 6.11).
    assert_eq!(k.syscall(&p, Sysno::statx, [fd, 0, AT_EMPTY_PATH as usize, 0, AUX]), 0);
}

#[test]
fn sendfile_copies_from_a_file_at_an_offset_or_its_position() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/src", b"0123456789");
    k.add_file("/tmp/dst", b"");
    let src = open(&k, &p, "/tmp/src", 0);
    let dst = open(&k, &p, "/tmp/dst", OpenFlags::WRONLY.bits());
    k.poke(&p, AUX, &2i64.to_ne_bytes());
    assert_eq!(k.syscall(&p, Sysno::sendfile, [dst, src, AUX, 3]), 3);
    assert_eq!(k.peek_val::<i64>(&p, AUX), 5, "the offset moves");
    assert_eq!(k.syscall(&p, Sysno::lseek, [src, 0, SEEK_CUR as usize]), 0, "the file position does not");
    assert_eq!(k.syscall(&p, Sysno::sendfile, [dst, src, 0, 100]), 10);
    assert_eq!(k.syscall(&p, Sysno::lseek, [src, 0, SEEK_CUR as usize]), 10);
    assert_eq!(k.syscall(&p, Sysno::sendfile, [dst, src, 0, 100]), 0, "at the end");
    let d = open(&k, &p, "/tmp/dst", 0);
    assert_eq!(k.syscall(&p, Sysno::read, [d, SCRATCH, 100]), 13);
    assert_eq!(k.peek(&p, SCRATCH, 13), b"2340123456789");
    // To the console.
    let _ = k.console_output();
    assert_eq!(k.syscall(&p, Sysno::lseek, [src, 0, SEEK_SET as usize]), 0);
    assert_eq!(k.syscall(&p, Sysno::sendfile, [1, src, 0, 4]), 4);
    assert_eq!(k.console_output(), "0123");
}

#[test]
fn sendfile_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"data");
    let f = open(&k, &p, "/tmp/f", OpenFlags::RDWR.bits());
    let ro = open(&k, &p, "/tmp/f", 0);
    let app = open(&k, &p, "/tmp/f", (OpenFlags::WRONLY | OpenFlags::APPEND).bits());
    assert_eq!(k.syscall(&p, Sysno::sendfile, [ro, f, 0, 1]), EBADF, "target not writable");
    assert_eq!(k.syscall(&p, Sysno::sendfile, [f, app, 0, 1]), EBADF, "source not readable");
    assert_eq!(k.syscall(&p, Sysno::sendfile, [app, f, 0, 1]), EINVAL, "O_APPEND target");
    let dir = open(&k, &p, "/tmp", 0);
    assert_eq!(k.syscall(&p, Sysno::sendfile, [f, dir, 0, 1]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::sendfile, [f, 0, 0, 1]), EINVAL, "the console is not a file to send");
    k.poke(&p, AUX, &(-1i64).to_ne_bytes());
    assert_eq!(k.syscall(&p, Sysno::sendfile, [1, f, AUX, 1]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::sendfile, [1, f, UNMAPPED, 1]), EFAULT);
}

#[test]
fn fsync_works_on_files_and_directories_only() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    let f = open(&k, &p, "/tmp/f", 0);
    let d = open(&k, &p, "/tmp", 0);
    assert_eq!(k.syscall(&p, Sysno::fsync, [f]), 0);
    assert_eq!(k.syscall(&p, Sysno::fdatasync, [d]), 0);
    assert_eq!(k.syscall(&p, Sysno::fsync, [1]), EINVAL, "a terminal");
    let null = open(&k, &p, "/dev/null", 0);
    assert_eq!(k.syscall(&p, Sysno::fsync, [null]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::fsync, [99]), EBADF);
}

#[test]
fn umask_returns_the_old_mask_and_applies_to_creation() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::umask, [0o077]), 0o022);
    assert_eq!(k.syscall(&p, Sysno::umask, [0o7777]), 0o077);
    assert_eq!(k.syscall(&p, Sysno::umask, [0o027]), 0o777, "only the permission bits are kept");
    let fd = k.syscall(&p, Sysno::openat, [CWD, path(&k, &p, "/tmp/new"), OpenFlags::CREAT.bits() as usize, 0o666]);
    assert!(fd >= 0);
    assert_eq!(stat(&k, &p, "/tmp/new").st_mode, S_IFREG | 0o640);
}
