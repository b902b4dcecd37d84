//! name_to_handle_at and open_by_handle_at through the dispatch table: a handle opens its file
//! again (on the file system of the mount descriptor), and the errnos LTP checks, in Linux's
//! order.
use abi::flags::*;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;

const CWD: usize = AT_FDCWD as usize;
const P1: usize = FsTest::P1;
/// The handle and the mount id (away from FsTest's own buffers: stat writes AUX).
const FH: usize = SCRATCH + 0xd_0000;
const MNT_ID: usize = SCRATCH + 0xd_0100;
const AT_SYMLINK_FOLLOW: usize = 0x400;

/// name_to_handle_at of `path` with room for `room` bytes of handle.
fn to_handle(t: &FsTest, dirfd: usize, path: &str, room: u32, flags: usize) -> isize {
    t.k.poke_str(&t.p, P1, path);
    t.k.poke(&t.p, FH, &room.to_ne_bytes());
    t.k.syscall(&t.p, Sysno::name_to_handle_at, [dirfd, P1, FH, MNT_ID, flags])
}

fn header(t: &FsTest) -> (u32, i32) {
    (t.k.peek_val(&t.p, FH), t.k.peek_val(&t.p, FH + 4))
}

#[test]
fn a_handle_opens_its_file_again() {
    let t = FsTest::with_standard_mounts();
    t.write_file("/tmp/f", b"data");
    assert_eq!(to_handle(&t, CWD, "/tmp/f", 0, 0), EOVERFLOW, "no room: the size needed comes back");
    assert_eq!(header(&t).0, 12);
    assert_eq!(to_handle(&t, CWD, "/tmp/f", 12, 0), 0);
    assert_eq!(header(&t), (12, 1));
    let ino: u64 = t.k.peek_val(&t.p, FH + 8);
    assert_eq!(ino, t.stat("/tmp/f").unwrap().st_ino);
    let mnt: i32 = t.k.peek_val(&t.p, MNT_ID);
    let info = t.read("/proc/self/mountinfo");
    assert!(info.lines().any(|l| l.starts_with(&format!("{mnt} ")) && l.contains(" /tmp ")), "{mnt}: {info}");
    let dir = t.open("/tmp", 0) as usize;
    let fd = t.k.syscall(&t.p, Sysno::open_by_handle_at, [dir, FH, OpenFlags::RDWR.bits() as usize]);
    assert!(fd >= 0, "{fd}");
    assert_eq!(t.k.syscall(&t.p, Sysno::read, [fd as usize, FsTest::BUF, 16]), 4);
    assert_eq!(t.k.peek(&t.p, FsTest::BUF, 4), b"data");
    assert_eq!(t.readlink(&format!("/proc/self/fd/{fd}")).unwrap(), "/tmp/f");
    // Another file system's descriptor, or a file that is gone: stale.
    let root = t.open("/", 0) as usize;
    assert_eq!(t.k.syscall(&t.p, Sysno::open_by_handle_at, [root, FH, 0]), ESTALE);
    t.close(fd as isize);
    assert_eq!(t.unlink("/tmp/f", 0), 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::open_by_handle_at, [dir, FH, 0]), ESTALE);
}

#[test]
fn the_errnos_are_linuxs() {
    let t = FsTest::with_standard_mounts();
    t.write_file("/tmp/f", b"");
    assert_eq!(t.symlink("f", "/tmp/l"), 0);
    assert_eq!(to_handle(&t, usize::MAX, "f", 12, 0), EBADF);
    assert_eq!(to_handle(&t, 0, "f", 12, 0), ENOTDIR, "the console is not a directory");
    assert_eq!(to_handle(&t, CWD, "/tmp/f", 129, 0), EINVAL, "more than MAX_HANDLE_SZ");
    assert_eq!(to_handle(&t, CWD, "/tmp/f", 12, usize::MAX), EINVAL);
    assert_eq!(to_handle(&t, CWD, "", 12, 0), ENOENT);
    t.k.poke_str(&t.p, P1, "/tmp/f");
    assert_eq!(t.k.syscall(&t.p, Sysno::name_to_handle_at, [CWD, P1, FH, UNMAPPED, 0]), EFAULT);
    // The link itself, or with AT_SYMLINK_FOLLOW its target; a link opens only with O_PATH.
    assert_eq!(to_handle(&t, CWD, "/tmp/l", 12, 0), 0);
    let dir = t.open("/tmp", 0) as usize;
    assert_eq!(t.k.syscall(&t.p, Sysno::open_by_handle_at, [dir, FH, OpenFlags::RDWR.bits() as usize]), ELOOP);
    assert!(t.k.syscall(&t.p, Sysno::open_by_handle_at, [dir, FH, OpenFlags::PATH.bits() as usize]) >= 0);
    assert_eq!(to_handle(&t, CWD, "/tmp/l", 12, AT_SYMLINK_FOLLOW), 0);
    assert!(t.k.syscall(&t.p, Sysno::open_by_handle_at, [dir, FH, 0]) >= 0);
    // open_by_handle_at: the handle's size, the descriptor, the capability.
    t.k.poke(&t.p, FH, &0u32.to_ne_bytes());
    assert_eq!(t.k.syscall(&t.p, Sysno::open_by_handle_at, [dir, FH, 0]), EINVAL);
    t.k.poke(&t.p, FH, &129u32.to_ne_bytes());
    assert_eq!(t.k.syscall(&t.p, Sysno::open_by_handle_at, [dir, FH, 0]), EINVAL);
    assert_eq!(t.k.syscall(&t.p, Sysno::open_by_handle_at, [dir, UNMAPPED, 0]), EFAULT);
    assert_eq!(to_handle(&t, CWD, "/tmp/f", 12, 0), 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::open_by_handle_at, [99, FH, 0]), EBADF);
    assert_eq!(t.k.syscall(&t.p, Sysno::setresuid, [1000, 1000, 1000]), 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::open_by_handle_at, [dir, FH, 0]), EPERM);
}
