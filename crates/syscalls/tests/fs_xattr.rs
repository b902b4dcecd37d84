//! Extended attributes through the dispatch table: setxattr, lsetxattr, fsetxattr, getxattr,
//! lgetxattr, fgetxattr, listxattr, llistxattr, flistxattr, removexattr, lremovexattr,
//! fremovexattr, on tmpfs (stored) and elsewhere (EOPNOTSUPP), with Linux's checks.
use abi::flags::*;
use abi::structs::Stat;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;

const P1: usize = FsTest::P1;
const NAME: usize = FsTest::P2;
const VALUE: usize = SCRATCH + 0x2_0000;
const OUT: usize = SCRATCH + 0x4_0000;
const CREATE: usize = 1;
const REPLACE: usize = 2;

/// A kernel with the standard mounts (/tmp is a tmpfs) and /tmp/f (0644) and /tmp/d.
fn fixture() -> FsTest {
    let t = FsTest::with_standard_mounts();
    t.write_file("/tmp/f", b"data");
    assert_eq!(t.mkdir("/tmp/d"), 0);
    t
}

trait Xattr {
    fn xset_as(&self, n: Sysno, path: &str, name: &str, value: &[u8], flags: usize) -> isize;
    fn xset(&self, path: &str, name: &str, value: &[u8], flags: usize) -> isize {
        self.xset_as(Sysno::setxattr, path, name, value, flags)
    }
    /// getxattr (or `n`) with a buffer of `size`: the result and the bytes it wrote.
    fn xget_as(&self, n: Sysno, path: &str, name: &str, size: usize) -> (isize, Vec<u8>);
    fn xget(&self, path: &str, name: &str, size: usize) -> (isize, Vec<u8>) {
        self.xget_as(Sysno::getxattr, path, name, size)
    }
    fn xlist_as(&self, n: Sysno, path: &str, size: usize) -> (isize, Vec<u8>);
    fn xlist(&self, path: &str, size: usize) -> (isize, Vec<u8>) {
        self.xlist_as(Sysno::listxattr, path, size)
    }
    fn xremove_as(&self, n: Sysno, path: &str, name: &str) -> isize;
    fn xremove(&self, path: &str, name: &str) -> isize {
        self.xremove_as(Sysno::removexattr, path, name)
    }
    fn become_user(&self, uid: usize);
}

impl Xattr for FsTest {
    fn xset_as(&self, n: Sysno, path: &str, name: &str, value: &[u8], flags: usize) -> isize {
        self.k.poke_str(&self.p, P1, path);
        self.k.poke_str(&self.p, NAME, name);
        self.k.poke(&self.p, VALUE, value);
        self.k.syscall(&self.p, n, [P1, NAME, VALUE, value.len(), flags])
    }
    fn xget_as(&self, n: Sysno, path: &str, name: &str, size: usize) -> (isize, Vec<u8>) {
        self.k.poke_str(&self.p, P1, path);
        self.k.poke_str(&self.p, NAME, name);
        self.k.poke(&self.p, OUT, &vec![0xee; size.min(0x1_0000)]);
        let r = self.k.syscall(&self.p, n, [P1, NAME, OUT, size]);
        (r, self.k.peek(&self.p, OUT, r.max(0) as usize))
    }
    fn xlist_as(&self, n: Sysno, path: &str, size: usize) -> (isize, Vec<u8>) {
        self.k.poke_str(&self.p, P1, path);
        let r = self.k.syscall(&self.p, n, [P1, OUT, size]);
        (r, self.k.peek(&self.p, OUT, r.max(0) as usize))
    }
    fn xremove_as(&self, n: Sysno, path: &str, name: &str) -> isize {
        self.k.poke_str(&self.p, P1, path);
        self.k.poke_str(&self.p, NAME, name);
        self.k.syscall(&self.p, n, [P1, NAME])
    }
    fn become_user(&self, uid: usize) {
        assert_eq!(self.k.syscall(&self.p, Sysno::setresgid, [uid, uid, uid]), 0);
        assert_eq!(self.k.syscall(&self.p, Sysno::setresuid, [uid, uid, uid]), 0);
    }
}

#[test]
fn set_get_list_remove_round_trip() {
    let t = fixture();
    assert_eq!(t.xset("/tmp/f", "user.a", b"hello", 0), 0);
    assert_eq!(t.xset("/tmp/f", "user.b", b"", 0), 0, "an empty value");
    assert_eq!(t.xget("/tmp/f", "user.a", 64), (5, b"hello".to_vec()));
    assert_eq!(t.xget("/tmp/f", "user.b", 64).0, 0);
    assert_eq!(t.xlist("/tmp/f", 64), (14, b"user.a\0user.b\0".to_vec()));
    assert_eq!(t.xset("/tmp/f", "user.a", b"hi", 0), 0, "replaces");
    assert_eq!(t.xget("/tmp/f", "user.a", 64), (2, b"hi".to_vec()));
    assert_eq!(t.xremove("/tmp/f", "user.a"), 0);
    assert_eq!(t.xget("/tmp/f", "user.a", 64).0, ENODATA);
    assert_eq!(t.xremove("/tmp/f", "user.a"), ENODATA);
    assert_eq!(t.xlist("/tmp/f", 64), (7, b"user.b\0".to_vec()));
    // Directories have them too, and the root file system (a ramfs) as well.
    assert_eq!(t.xset("/tmp/d", "user.dir", b"1", 0), 0);
    assert_eq!(t.xget("/tmp/d", "user.dir", 8), (1, b"1".to_vec()));
    assert_eq!(t.xset("/etc", "user.x", b"2", 0), 0);
    assert_eq!(t.xget("/etc", "user.x", 8), (1, b"2".to_vec()));
}

#[test]
fn create_and_replace_flags() {
    let t = fixture();
    assert_eq!(t.xset("/tmp/f", "user.a", b"1", REPLACE), ENODATA);
    assert_eq!(t.xset("/tmp/f", "user.a", b"1", CREATE | REPLACE), ENODATA);
    assert_eq!(t.xset("/tmp/f", "user.a", b"1", CREATE), 0);
    assert_eq!(t.xset("/tmp/f", "user.a", b"2", CREATE), EEXIST);
    assert_eq!(t.xset("/tmp/f", "user.a", b"2", CREATE | REPLACE), EEXIST);
    assert_eq!(t.xset("/tmp/f", "user.a", b"3", REPLACE), 0);
    assert_eq!(t.xget("/tmp/f", "user.a", 8), (1, b"3".to_vec()));
    assert_eq!(t.xset("/tmp/f", "user.a", b"3", 4), EINVAL);
    assert_eq!(t.xset("/tmp/f", "user.a", b"3", !0), EINVAL);
}

#[test]
fn names_and_sizes_are_bounded() {
    let t = fixture();
    assert_eq!(t.xset("/tmp/f", "", b"1", 0), ERANGE);
    let longest = format!("user.{}", "k".repeat(250));
    assert_eq!(t.xset("/tmp/f", &longest, b"1", 0), 0);
    assert_eq!(t.xget("/tmp/f", &longest, 8).0, 1);
    let too_long = format!("user.{}", "k".repeat(251));
    assert_eq!(t.xset("/tmp/f", &too_long, b"1", 0), ERANGE);
    assert_eq!(t.xget("/tmp/f", &too_long, 8).0, ERANGE);
    assert_eq!(t.xremove("/tmp/f", &too_long), ERANGE);
    assert_eq!(t.xget("/tmp/f", "", 8).0, ERANGE);
    let big = vec![b'v'; 65537];
    assert_eq!(t.xset("/tmp/f", "user.big", &big, 0), E2BIG);
    assert_eq!(t.xset("/tmp/f", "user.big", &big[..65536], 0), 0);
    let (n, v) = t.xget("/tmp/f", "user.big", 1 << 20);
    assert_eq!((n, v.len()), (65536, 65536), "a buffer over the largest size is fine");
    // A NULL name or value.
    t.k.poke_str(&t.p, P1, "/tmp/f");
    assert_eq!(t.k.syscall(&t.p, Sysno::setxattr, [P1, 0, VALUE, 1, 0]), EFAULT);
    t.k.poke_str(&t.p, NAME, "user.n");
    assert_eq!(t.k.syscall(&t.p, Sysno::setxattr, [P1, NAME, 0, 1, 0]), EFAULT);
    assert_eq!(t.k.syscall(&t.p, Sysno::setxattr, [P1, NAME, 0, 0, 0]), 0, "size 0 reads nothing");
}

#[test]
fn set_checks_its_arguments_before_the_path_and_get_after() {
    let t = fixture();
    assert_eq!(t.xset("/nope", "user.a", b"1", 8), EINVAL);
    assert_eq!(t.xset("/nope", "", b"1", 0), ERANGE);
    assert_eq!(t.xset("/nope", "user.a", &vec![0; 65537], 0), E2BIG);
    assert_eq!(t.xset("/nope", "user.a", b"1", 0), ENOENT);
    assert_eq!(t.xget("/nope", "", 8).0, ENOENT);
    assert_eq!(t.xremove("/nope", ""), ENOENT);
    assert_eq!(t.xlist("/nope", 8).0, ENOENT);
    assert_eq!(t.xset("", "user.a", b"1", 0), ENOENT);
}

#[test]
fn sizes_of_zero_ask_and_small_buffers_are_erange() {
    let t = fixture();
    assert_eq!(t.xset("/tmp/f", "user.a", b"hello", 0), 0);
    assert_eq!(t.xset("/tmp/f", "user.bb", b"x", 0), 0);
    assert_eq!(t.xget("/tmp/f", "user.a", 0).0, 5);
    assert_eq!(t.xget("/tmp/f", "user.a", 4).0, ERANGE);
    assert_eq!(t.xget("/tmp/f", "user.a", 5), (5, b"hello".to_vec()));
    assert_eq!(t.xget("/tmp/f", "user.zz", 0).0, ENODATA);
    assert_eq!(t.xlist("/tmp/f", 0).0, 15);
    assert_eq!(t.xlist("/tmp/f", 14).0, ERANGE);
    assert_eq!(t.xlist("/tmp/f", 15), (15, b"user.a\0user.bb\0".to_vec()));
    // Nothing set: an empty list.
    assert_eq!(t.xlist("/tmp/d", 64).0, 0);
}

#[test]
fn namespaces() {
    let t = fixture();
    assert_eq!(t.xset("/tmp/f", "foo.bar", b"1", 0), EOPNOTSUPP);
    assert_eq!(t.xget("/tmp/f", "foo.bar", 8).0, EOPNOTSUPP);
    assert_eq!(t.xremove("/tmp/f", "foo.bar"), EOPNOTSUPP);
    assert_eq!(t.xset("/tmp/f", "system.posix_acl_access", b"1", 0), EOPNOTSUPP);
    assert_eq!(t.xset("/tmp/f", "user.", b"1", 0), EINVAL);
    assert_eq!(t.xget("/tmp/f", "user.", 8).0, EINVAL);
    // Root may use trusted. and security.
    assert_eq!(t.xset("/tmp/f", "trusted.t", b"T", 0), 0);
    assert_eq!(t.xset("/tmp/f", "security.s", b"S", 0), 0);
    assert_eq!(t.xset("/tmp/f", "user.u", b"U", 0), 0);
    assert_eq!(t.xget("/tmp/f", "trusted.t", 8), (1, b"T".to_vec()));
    assert_eq!(t.xlist("/tmp/f", 64), (28, b"security.s\0trusted.t\0user.u\0".to_vec()));
    // Others see no trusted. attributes and change no security. ones.
    t.become_user(1000);
    assert_eq!(t.xlist("/tmp/f", 64), (18, b"security.s\0user.u\0".to_vec()));
    assert_eq!(t.xget("/tmp/f", "trusted.t", 8).0, ENODATA);
    assert_eq!(t.xset("/tmp/f", "trusted.t", b"x", 0), EPERM);
    assert_eq!(t.xremove("/tmp/f", "trusted.t"), EPERM);
    assert_eq!(t.xget("/tmp/f", "security.s", 8), (1, b"S".to_vec()));
    assert_eq!(t.xset("/tmp/f", "security.s", b"x", 0), EPERM);
    assert_eq!(t.xremove("/tmp/f", "security.s"), EPERM);
}

#[test]
fn user_attributes_only_on_files_and_directories() {
    let t = fixture();
    assert_eq!(t.symlink("/tmp/f", "/tmp/l"), 0);
    assert_eq!(t.xset_as(Sysno::lsetxattr, "/tmp/l", "user.a", b"1", 0), EPERM);
    assert_eq!(t.xget_as(Sysno::lgetxattr, "/tmp/l", "user.a", 8).0, ENODATA);
    assert_eq!(t.xremove_as(Sysno::lremovexattr, "/tmp/l", "user.a"), EPERM);
    // Through the link: the file's.
    assert_eq!(t.xset("/tmp/l", "user.a", b"1", 0), 0);
    assert_eq!(t.xget("/tmp/f", "user.a", 8).0, 1);
    assert_eq!(t.xlist_as(Sysno::llistxattr, "/tmp/l", 64).0, 0);
    assert_eq!(t.xlist("/tmp/l", 64), (7, b"user.a\0".to_vec()));
    // trusted. on the link itself is kept (tmpfs).
    assert_eq!(t.xset_as(Sysno::lsetxattr, "/tmp/l", "trusted.t", b"2", 0), 0);
    assert_eq!(t.xget_as(Sysno::lgetxattr, "/tmp/l", "trusted.t", 8), (1, b"2".to_vec()));
    assert_eq!(t.xlist_as(Sysno::llistxattr, "/tmp/l", 64), (10, b"trusted.t\0".to_vec()));
    assert_eq!(t.xremove_as(Sysno::lremovexattr, "/tmp/l", "trusted.t"), 0);
    assert_eq!(t.xget("/tmp/f", "trusted.t", 8).0, ENODATA);
    // Devices: user. is refused before the file system is asked.
    assert_eq!(t.xset("/dev/null", "user.a", b"1", 0), EPERM);
    assert_eq!(t.xget("/dev/null", "user.a", 8).0, ENODATA);
    assert_eq!(t.xset("/dev/null", "trusted.a", b"1", 0), EOPNOTSUPP);
}

#[test]
fn file_permissions_decide_for_user_attributes() {
    let t = fixture();
    assert_eq!(t.xset("/tmp/f", "user.a", b"1", 0), 0);
    t.write_file("/tmp/mine", b"");
    t.become_user(1000);
    // /tmp/f is root's, 0644: readable, not writable.
    assert_eq!(t.xget("/tmp/f", "user.a", 8).0, 1);
    assert_eq!(t.xset("/tmp/f", "user.a", b"2", 0), EACCES);
    assert_eq!(t.xremove("/tmp/f", "user.a"), EACCES);
    assert_eq!(t.xlist("/tmp/f", 8).0, 7, "listing needs no permission");
    // A file of its own.
    assert_eq!(t.create("/tmp/own"), 0);
    assert_eq!(t.xset("/tmp/own", "user.a", b"1", 0), 0);
    t.k.poke_str(&t.p, P1, "/tmp/own");
    assert_eq!(t.k.syscall(&t.p, Sysno::fchmodat, [AT_FDCWD as usize, P1, 0o200]), 0);
    assert_eq!(t.xget("/tmp/own", "user.a", 8).0, EACCES);
    assert_eq!(t.xset("/tmp/own", "user.a", b"2", 0), 0);
    // A sticky directory (/tmp, 1777) of someone else: EPERM even though it is writable.
    assert_eq!(t.xset("/tmp", "user.a", b"1", 0), EPERM);
    assert_eq!(t.xget("/tmp", "user.a", 8).0, ENODATA);
}

#[test]
fn descriptors() {
    let t = fixture();
    let fd = t.open("/tmp/f", 0) as usize;
    t.k.poke_str(&t.p, NAME, "user.fd");
    t.k.poke(&t.p, VALUE, b"xyz");
    assert_eq!(t.k.syscall(&t.p, Sysno::fsetxattr, [fd, NAME, VALUE, 3, 0]), 0, "read-only descriptors may");
    assert_eq!(t.k.syscall(&t.p, Sysno::fgetxattr, [fd, NAME, OUT, 8]), 3);
    assert_eq!(t.k.peek(&t.p, OUT, 3), b"xyz");
    assert_eq!(t.k.syscall(&t.p, Sysno::flistxattr, [fd, OUT, 64]), 8);
    assert_eq!(t.k.peek(&t.p, OUT, 8), b"user.fd\0");
    assert_eq!(t.k.syscall(&t.p, Sysno::fremovexattr, [fd, NAME]), 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::fgetxattr, [fd, NAME, OUT, 8]), ENODATA);
    assert_eq!(t.k.syscall(&t.p, Sysno::flistxattr, [fd, OUT, 0]), 0);
    for bad in [99, usize::MAX] {
        assert_eq!(t.k.syscall(&t.p, Sysno::fsetxattr, [bad, NAME, VALUE, 3, 0]), EBADF);
        assert_eq!(t.k.syscall(&t.p, Sysno::fgetxattr, [bad, NAME, OUT, 8]), EBADF);
        assert_eq!(t.k.syscall(&t.p, Sysno::flistxattr, [bad, OUT, 8]), EBADF);
        assert_eq!(t.k.syscall(&t.p, Sysno::fremovexattr, [bad, NAME]), EBADF);
    }
    // EBADF comes before the flags.
    assert_eq!(t.k.syscall(&t.p, Sysno::fsetxattr, [99, NAME, VALUE, 3, 8]), EBADF);
    assert_eq!(t.k.syscall(&t.p, Sysno::fsetxattr, [fd, NAME, VALUE, 3, 8]), EINVAL);
    let path_fd = t.open("/tmp/f", OpenFlags::PATH.bits()) as usize;
    assert_eq!(t.k.syscall(&t.p, Sysno::fsetxattr, [path_fd, NAME, VALUE, 3, 0]), EBADF);
    assert_eq!(t.k.syscall(&t.p, Sysno::fgetxattr, [path_fd, NAME, OUT, 8]), EBADF);
    // A pipe keeps none.
    assert_eq!(t.k.syscall(&t.p, Sysno::pipe2, [OUT, 0]), 0);
    let fds: [i32; 2] = t.k.peek_val(&t.p, OUT);
    let pipe = fds[0] as usize;
    t.k.poke_str(&t.p, NAME, "trusted.p");
    assert_eq!(t.k.syscall(&t.p, Sysno::fsetxattr, [pipe, NAME, VALUE, 3, 0]), EOPNOTSUPP);
    assert_eq!(t.k.syscall(&t.p, Sysno::fgetxattr, [pipe, NAME, OUT, 8]), EOPNOTSUPP);
    assert_eq!(t.k.syscall(&t.p, Sysno::flistxattr, [pipe, OUT, 8]), 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::fremovexattr, [pipe, NAME]), EOPNOTSUPP);
}

#[test]
fn other_file_systems_keep_none() {
    let t = fixture();
    assert_eq!(t.xset("/proc/self/status", "trusted.a", b"1", 0), EOPNOTSUPP);
    assert_eq!(t.xget("/proc/self/status", "trusted.a", 8).0, EOPNOTSUPP);
    assert_eq!(t.xremove("/proc/self/status", "trusted.a"), EOPNOTSUPP);
    assert_eq!(t.xlist("/proc/self/status", 8).0, 0);
}

#[test]
fn read_only_mounts_are_erofs() {
    let t = fixture();
    assert_eq!(t.mount("none", "/tmp/d", "tmpfs", 0, ""), 0);
    t.write_file("/tmp/d/f", b"");
    assert_eq!(t.xset("/tmp/d/f", "user.a", b"1", 0), 0);
    assert_eq!(t.mount("none", "/tmp/d", "", MS_REMOUNT | MS_RDONLY, ""), 0);
    assert_eq!(t.xset("/tmp/d/f", "user.a", b"2", 0), EROFS);
    assert_eq!(t.xremove("/tmp/d/f", "user.a"), EROFS);
    assert_eq!(t.xremove("/tmp/d/f", ""), EROFS, "removexattr looks at the mount before the name");
    assert_eq!(t.xget("/tmp/d/f", "user.a", 8), (1, b"1".to_vec()));
}

#[test]
fn changes_update_ctime() {
    let t = fixture();
    let before: Stat = t.stat("/tmp/f").unwrap();
    hal::time::advance_to(hal::time::now_ns() + 2_000_000_000);
    assert_eq!(t.xset("/tmp/f", "user.a", b"1", 0), 0);
    let after = t.stat("/tmp/f").unwrap();
    assert!(after.st_ctime > before.st_ctime);
    assert_eq!(after.st_mtime, before.st_mtime);
    hal::time::advance_to(hal::time::now_ns() + 2_000_000_000);
    assert_eq!(t.xremove("/tmp/f", "user.a"), 0);
    assert!(t.stat("/tmp/f").unwrap().st_ctime > after.st_ctime);
}

#[test]
fn memory_is_bounded_per_file_and_per_file_system() {
    let t = fixture();
    let big = vec![7u8; 65536];
    assert_eq!(t.xset("/tmp/f", "user.1", &big, 0), 0);
    assert_eq!(t.xset("/tmp/f", "user.2", &big, 0), ENOSPC, "one file holds at most 128 KiB");
    assert_eq!(t.xset("/tmp/f", "user.2", &big[..60000], 0), 0);
    assert_eq!(t.xremove("/tmp/f", "user.2"), 0);
    // The whole tmpfs: 2 MiB.
    let mut n = 0;
    loop {
        let path = format!("/tmp/g{n}");
        t.write_file(&path, b"");
        match t.xset(&path, "user.v", &big, 0) {
            0 => n += 1,
            e => {
                assert_eq!(e, ENOSPC);
                break;
            }
        }
        assert!(n < 64, "no limit");
    }
    assert!(n >= 20, "{n}");
    // Removing a file gives its attributes' room back.
    assert_eq!(t.unlink("/tmp/g0", 0), 0);
    assert_eq!(t.xset(&format!("/tmp/g{n}"), "user.v", &big, 0), 0);
}
