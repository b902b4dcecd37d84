//! The descriptor mount API through the dispatch table: fsopen + fsconfig + fsmount +
//! move_mount make a mount, fspick reconfigures one, open_tree names or clones one,
//! mount_setattr changes a mount's flags; and the errnos of each, as Linux 6.1 gives them.
use abi::flags::*;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;

const CWD: usize = AT_FDCWD as usize;
const P1: usize = FsTest::P1;
const P2: usize = FsTest::P2;
const P3: usize = FsTest::P3;
const AUX: usize = FsTest::AUX;

const FSCONFIG_SET_FLAG: usize = 0;
const FSCONFIG_SET_STRING: usize = 1;
const FSCONFIG_SET_BINARY: usize = 2;
const FSCONFIG_SET_FD: usize = 5;
const FSCONFIG_CMD_CREATE: usize = 6;
const FSCONFIG_CMD_RECONFIGURE: usize = 7;
const MOVE_MOUNT_F_EMPTY_PATH: usize = 4;
const OPEN_TREE_CLONE: usize = 1;
const MOUNT_ATTR_RDONLY: u64 = 1;
const MOUNT_ATTR_NOEXEC: u64 = 8;
const MOUNT_ATTR_NOATIME: u64 = 0x10;
const MOUNT_ATTR_ATIME: u64 = 0x70;

fn fixture() -> FsTest {
    let t = FsTest::with_standard_mounts();
    t.k.root.create("mnt", fs::FileKind::Directory, 0o755).unwrap();
    t
}

fn fsopen(t: &FsTest, ty: &str) -> isize {
    t.k.poke_str(&t.p, P1, ty);
    t.k.syscall(&t.p, Sysno::fsopen, [P1, 0])
}

/// fsconfig with a string key and value (either may be absent).
fn fsconfig(t: &FsTest, fd: isize, cmd: usize, key: Option<&str>, value: Option<&str>, aux: usize) -> isize {
    let k = key.map_or(0, |k| t.k.poke_str(&t.p, P2, k));
    let v = value.map_or(0, |v| t.k.poke_str(&t.p, P3, v));
    t.k.syscall(&t.p, Sysno::fsconfig, [fd as usize, cmd, k, v, aux])
}

fn move_fd_to(t: &FsTest, fd: isize, to: &str) -> isize {
    t.k.poke_str(&t.p, P1, "");
    t.k.poke_str(&t.p, P2, to);
    t.k.syscall(&t.p, Sysno::move_mount, [fd as usize, P1, CWD, P2, MOVE_MOUNT_F_EMPTY_PATH])
}

fn mounted_at(t: &FsTest, path: &str) -> Option<String> {
    t.read("/proc/mounts").lines().find(|l| l.split(' ').nth(1) == Some(path)).map(String::from)
}

#[test]
fn fsopen_fsconfig_fsmount_and_move_mount_make_a_mount() {
    let t = fixture();
    let fsfd = fsopen(&t, "tmpfs");
    assert!(fsfd >= 0);
    assert_eq!(fsconfig(&t, fsfd, FSCONFIG_SET_STRING, Some("source"), Some("mydisk"), 0), 0);
    assert_eq!(fsconfig(&t, fsfd, FSCONFIG_SET_STRING, Some("source"), Some("again"), 0), EINVAL, "one source");
    assert_eq!(fsconfig(&t, fsfd, FSCONFIG_SET_STRING, Some("size"), Some("1m"), 0), 0);
    assert_eq!(fsconfig(&t, fsfd, FSCONFIG_SET_FLAG, Some("rw"), None, 0), 0, "a superblock flag");
    assert_eq!(fsconfig(&t, fsfd, FSCONFIG_SET_FD, Some("sync"), None, 0), 0, "any type for a flag");
    assert_eq!(t.k.syscall(&t.p, Sysno::fsmount, [fsfd as usize, 0, 0]), EBUSY, "not created yet");
    assert_eq!(fsconfig(&t, fsfd, FSCONFIG_CMD_CREATE, None, None, 0), 0);
    assert_eq!(fsconfig(&t, fsfd, FSCONFIG_CMD_CREATE, None, None, 0), EBUSY, "once");
    assert_eq!(fsconfig(&t, fsfd, FSCONFIG_SET_FLAG, Some("ro"), None, 0), EBUSY);
    let mfd = t.k.syscall(&t.p, Sysno::fsmount, [fsfd as usize, 1, MOUNT_ATTR_NOEXEC as usize]);
    assert!(mfd >= 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::fcntl, [mfd as usize, F_GETFD as usize]), FD_CLOEXEC as isize);
    assert_eq!(t.k.syscall(&t.p, Sysno::fsmount, [fsfd as usize, 0, 0]), EBUSY, "the instance is taken");
    // The detached mount can be used before it is anywhere.
    t.k.poke_str(&t.p, P1, "early");
    let f = t.k.syscall(
        &t.p,
        Sysno::openat,
        [mfd as usize, P1, (OpenFlags::CREAT | OpenFlags::WRONLY).bits() as usize, 0o644],
    );
    assert!(f >= 0, "openat in the detached mount: {f}");
    t.close(f);
    assert_eq!(move_fd_to(&t, mfd, "/mnt"), 0);
    assert_eq!(move_fd_to(&t, mfd, "/tmp"), EBUSY, "attached once");
    assert_eq!(mounted_at(&t, "/mnt").unwrap(), "mydisk /mnt tmpfs rw,noexec,relatime,size=1m 0 0");
    assert!(t.exists("/mnt/early"));
    assert_eq!(t.umount("/mnt", 0), EBUSY, "the descriptor holds it");
    t.close(mfd);
    assert_eq!(t.umount("/mnt", 0), 0);
    assert!(!t.exists("/mnt/early"));
}

#[test]
fn fspick_reconfigures_a_mounted_instance() {
    let t = fixture();
    assert_eq!(t.mount("none", "/mnt", "tmpfs", 0, ""), 0);
    t.k.poke_str(&t.p, P1, "/mnt");
    let fd = t.k.syscall(&t.p, Sysno::fspick, [CWD, P1, 0]);
    assert!(fd >= 0);
    assert_eq!(fsconfig(&t, fd, FSCONFIG_SET_STRING, Some("sync"), Some("false"), 0), 0);
    assert_eq!(fsconfig(&t, fd, FSCONFIG_SET_FLAG, Some("ro"), None, 0), 0);
    assert_eq!(fsconfig(&t, fd, FSCONFIG_CMD_CREATE, None, None, 0), EBUSY, "not a new instance");
    assert_eq!(fsconfig(&t, fd, FSCONFIG_CMD_RECONFIGURE, None, None, 0), 0);
    assert!(mounted_at(&t, "/mnt").unwrap().contains(" tmpfs ro,sync"));
    assert_eq!(t.create("/mnt/x"), EROFS);
    assert_eq!(fsconfig(&t, fd, FSCONFIG_SET_FLAG, Some("rw"), None, 0), 0);
    assert_eq!(fsconfig(&t, fd, FSCONFIG_SET_FLAG, Some("async"), None, 0), 0);
    assert_eq!(fsconfig(&t, fd, FSCONFIG_CMD_RECONFIGURE, None, None, 0), 0);
    assert!(mounted_at(&t, "/mnt").unwrap().contains(" tmpfs rw"));
    assert_eq!(t.create("/mnt/x"), 0);
    t.k.poke_str(&t.p, P1, "/tmp/..");
    assert!(t.k.syscall(&t.p, Sysno::fspick, [CWD, P1, 0]) >= 0, "/ is the root mount");
    t.k.poke_str(&t.p, P1, "/mnt/x");
    assert_eq!(t.k.syscall(&t.p, Sysno::fspick, [CWD, P1, 0]), EINVAL, "not a mount");
    assert_eq!(t.k.syscall(&t.p, Sysno::fspick, [CWD, P1, 0x10]), EINVAL, "unknown flag");
    assert_eq!(t.k.syscall(&t.p, Sysno::fspick, [usize::MAX, P2, 0]), EBADF);
}

#[test]
fn open_tree_clones_a_mount_that_mount_setattr_changes() {
    let t = fixture();
    assert_eq!(t.mkdir("/tmp/a"), 0);
    assert_eq!(t.mkdir("/tmp/b"), 0);
    t.write_file("/tmp/a/f", b"shared");
    t.k.poke_str(&t.p, P1, "/tmp/a");
    // Without OPEN_TREE_CLONE: an O_PATH descriptor.
    let plain = t.k.syscall(&t.p, Sysno::open_tree, [CWD, P1, 0]);
    assert!(plain >= 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::read, [plain as usize, AUX, 1]), EBADF);
    let clone = t.k.syscall(&t.p, Sysno::open_tree, [CWD, P1, OPEN_TREE_CLONE]);
    assert!(clone >= 0);
    let attr = [MOUNT_ATTR_RDONLY, 0u64, 0, 0];
    t.k.poke(&t.p, AUX, bytemuck::bytes_of(&attr));
    t.k.poke_str(&t.p, P1, "");
    assert_eq!(t.k.syscall(&t.p, Sysno::mount_setattr, [clone as usize, P1, AT_EMPTY_PATH as usize, AUX, 32]), 0);
    assert_eq!(move_fd_to(&t, clone, "/tmp/b"), 0);
    assert_eq!(t.read("/tmp/b/f"), "shared");
    assert_eq!(t.statfs("/tmp/b").f_flags & ST_RDONLY as i64, ST_RDONLY as i64);
    let info = t.read("/proc/self/mountinfo");
    assert!(info.lines().any(|l| l.contains(" /a /tmp/b ro")), "{info}");
    assert_eq!(t.umount("/tmp/b", 0), 0);
    assert!(!t.exists("/tmp/b/f"));
}

#[test]
fn move_mount_moves_an_attached_mount() {
    let t = fixture();
    assert_eq!(t.mount("none", "/mnt", "tmpfs", 0, ""), 0);
    t.write_file("/mnt/f", b"x");
    assert_eq!(t.mkdir("/tmp/to"), 0);
    t.k.poke_str(&t.p, P1, "/mnt");
    t.k.poke_str(&t.p, P2, "/tmp/to");
    assert_eq!(t.k.syscall(&t.p, Sysno::move_mount, [CWD, P1, CWD, P2, 0]), 0);
    assert_eq!(t.read("/tmp/to/f"), "x");
    assert!(!t.exists("/mnt/f"));
    t.k.poke_str(&t.p, P1, "/tmp/to/f");
    assert_eq!(t.k.syscall(&t.p, Sysno::move_mount, [CWD, P1, CWD, P2, 0]), EINVAL, "not a mount");
    assert_eq!(t.k.syscall(&t.p, Sysno::move_mount, [CWD, P1, CWD, P2, 0x8]), EINVAL, "unknown flag");
    t.k.poke_str(&t.p, P1, "/nope");
    assert_eq!(t.k.syscall(&t.p, Sysno::move_mount, [CWD, P1, CWD, P2, 0]), ENOENT);
}

#[test]
fn the_argument_checks_are_linuxs() {
    let t = fixture();
    assert_eq!(fsopen(&t, "nosuchfs"), ENODEV);
    t.k.poke_str(&t.p, P1, "tmpfs");
    assert_eq!(t.k.syscall(&t.p, Sysno::fsopen, [P1, 2]), EINVAL);
    let fd = fsopen(&t, "tmpfs");
    // Per command, which of key, value and aux are there, before the descriptor is looked at.
    assert_eq!(fsconfig(&t, -1, FSCONFIG_SET_FLAG, Some("ro"), None, 0), EINVAL, "a negative fd");
    assert_eq!(fsconfig(&t, fd, 100, Some("rw"), None, 0), EOPNOTSUPP);
    assert_eq!(fsconfig(&t, fd, FSCONFIG_SET_FLAG, None, None, 0), EINVAL);
    assert_eq!(fsconfig(&t, fd, FSCONFIG_SET_FLAG, Some("rw"), Some("foo"), 0), EINVAL);
    assert_eq!(fsconfig(&t, fd, FSCONFIG_SET_FLAG, Some("rw"), None, 1), EINVAL);
    assert_eq!(fsconfig(&t, fd, FSCONFIG_SET_STRING, Some("source"), None, 0), EINVAL);
    assert_eq!(fsconfig(&t, fd, FSCONFIG_SET_BINARY, Some("sync"), Some("foo"), 0), EINVAL);
    assert_eq!(fsconfig(&t, fd, FSCONFIG_CMD_CREATE, Some("foo"), None, 0), EINVAL);
    assert_eq!(fsconfig(&t, 99, FSCONFIG_SET_FLAG, Some("rw"), None, 0), EBADF);
    let plain = t.open("/tmp", 0);
    assert_eq!(fsconfig(&t, plain, FSCONFIG_SET_FLAG, Some("rw"), None, 0), EINVAL, "not a context");
    assert_eq!(fsconfig(&t, fd, FSCONFIG_SET_FLAG, Some("bogus"), None, 0), 0, "taken now, refused by create");
    assert_eq!(fsconfig(&t, fd, FSCONFIG_CMD_CREATE, None, None, 0), EINVAL);
    assert_eq!(fsconfig(&t, fd, FSCONFIG_SET_FLAG, Some("rw"), None, 0), EBUSY, "a failed create ends it");
    // fsmount: flags, then attributes, then the descriptor.
    assert_eq!(t.k.syscall(&t.p, Sysno::fsmount, [99, 0x8000_0000, 0]), EINVAL);
    assert_eq!(t.k.syscall(&t.p, Sysno::fsmount, [99, 1, 0x100]), EINVAL);
    assert_eq!(t.k.syscall(&t.p, Sysno::fsmount, [99, 1, 0x30]), EINVAL, "two access-time values");
    assert_eq!(t.k.syscall(&t.p, Sysno::fsmount, [99, 1, 0]), EBADF);
    assert_eq!(t.k.syscall(&t.p, Sysno::fsmount, [plain as usize, 0, 0]), EINVAL);
    // open_tree.
    t.k.poke_str(&t.p, P1, "/tmp");
    assert_eq!(t.k.syscall(&t.p, Sysno::open_tree, [CWD, P1, 0xFFFF_FFFF]), EINVAL);
    assert_eq!(t.k.syscall(&t.p, Sysno::open_tree, [CWD, P1, 0x8000]), EINVAL, "AT_RECURSIVE needs CLONE");
    t.k.poke_str(&t.p, P2, "tmp");
    assert_eq!(t.k.syscall(&t.p, Sysno::open_tree, [usize::MAX, P2, OPEN_TREE_CLONE]), EBADF);
    // mount_setattr: the size, the attribute bits, the access-time rule.
    let set = |attr: [u64; 4], size: usize| {
        t.k.poke(&t.p, AUX, bytemuck::bytes_of(&attr));
        t.k.syscall(&t.p, Sysno::mount_setattr, [CWD, P1, 0, AUX, size])
    };
    assert_eq!(set([0; 4], 16), EINVAL, "shorter than the first version");
    assert_eq!(set([0; 4], 8192), E2BIG);
    assert_eq!(set([0x400, 0, 0, 0], 32), EINVAL, "an unknown attribute");
    assert_eq!(set([MOUNT_ATTR_NOATIME, 0, 0, 0], 32), EINVAL, "an access time needs the group cleared");
    assert_eq!(set([0, 0, 0, 0], 32), 0, "nothing to do: the path is not looked at");
    t.k.poke_str(&t.p, P1, "/tmp/.");
    assert_eq!(set([0, MOUNT_ATTR_RDONLY, 0, 0], 32), 0, "/tmp is a mount");
    assert_eq!(set([MOUNT_ATTR_NOATIME, MOUNT_ATTR_ATIME, 0, 0], 32), 0);
    assert!(mounted_at(&t, "/tmp").unwrap().contains("noatime"));
    t.k.poke_str(&t.p, P1, "/tmp/..");
    assert_eq!(set([0, 0, 3, 0], 32), EINVAL, "an unknown propagation type");
    assert_eq!(set([0, 0, MS_PRIVATE, 0], 32), 0);
}

#[test]
fn the_mount_api_needs_cap_sys_admin() {
    let t = fixture();
    assert_eq!(t.k.syscall(&t.p, Sysno::setresuid, [1000, 1000, 1000]), 0);
    assert_eq!(fsopen(&t, "tmpfs"), EPERM);
    assert_eq!(t.mount("none", "/mnt", "tmpfs", 0, ""), EPERM);
    assert_eq!(t.umount("/tmp", 0), EPERM);
    t.k.poke_str(&t.p, P1, "/tmp");
    assert_eq!(t.k.syscall(&t.p, Sysno::open_tree, [CWD, P1, OPEN_TREE_CLONE]), EPERM);
    assert!(t.k.syscall(&t.p, Sysno::open_tree, [CWD, P1, 0]) >= 0, "an O_PATH descriptor is anyone's");
}
