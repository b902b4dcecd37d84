//! Directories and names through the dispatch table: mkdirat, unlinkat, renameat2, linkat,
//! symlinkat, getdents64, chdir, fchdir, getcwd, lseek on directories. Expected errors are
//! what Linux 6.x gives on tmpfs (checked with C programs).
use abi::flags::*;
use abi::structs::Stat;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;

const CWD: usize = AT_FDCWD as usize;
const P1: usize = FsTest::P1;
const P2: usize = FsTest::P2;
const BUF: usize = FsTest::BUF;
const STAT: usize = FsTest::AUX;

/// A process whose cwd is a fresh directory /w.
fn fixture() -> FsTest {
    let t = FsTest::new();
    assert_eq!(t.mkdir("/w"), 0);
    assert_eq!(t.call1(Sysno::chdir, "/w"), 0);
    t
}

#[test]
fn mkdir_makes_directories_that_umask_trims() {
    let t = fixture();
    t.k.syscall(&t.p, Sysno::close, [0]);
    t.k.poke_str(&t.p, P1, "d");
    assert_eq!(t.k.syscall(&t.p, Sysno::mkdirat, [CWD, P1, 0o7777]), 0);
    let st = t.lstat("d").unwrap();
    assert_eq!(st.st_mode, S_IFDIR | 0o1755, "set-id bits dropped, umask 022 applied, sticky kept");
    assert_eq!(st.st_nlink, 2);
    assert_eq!(t.lstat(".").unwrap().st_nlink, 3, "the parent counts the new '..'");
    assert_eq!(t.mkdir("e/"), 0, "a trailing slash is fine");
}

#[test]
fn mkdir_errors_follow_linux() {
    let t = fixture();
    t.write_file("f", b"");
    assert_eq!(t.symlink("dangling", "dl"), 0);
    assert_eq!(t.mkdir("a"), 0);
    for (path, err) in [
        ("a", EEXIST),
        ("a/", EEXIST),
        (".", EEXIST),
        ("..", EEXIST),
        ("/", EEXIST),
        ("dl", EEXIST),
        ("dl/", EEXIST),
        ("nope/x", ENOENT),
        ("", ENOENT),
        ("f/x", ENOTDIR),
    ] {
        assert_eq!(t.mkdir(path), err, "mkdir {path:?}");
    }
    assert_eq!(t.k.syscall(&t.p, Sysno::mkdirat, [CWD, UNMAPPED, 0o755]), EFAULT);
    t.k.poke_str(&t.p, P1, "x");
    assert_eq!(t.k.syscall(&t.p, Sysno::mkdirat, [99, P1, 0o755]), EBADF);
}

#[test]
fn unlink_removes_names_and_refuses_directories() {
    let t = fixture();
    t.write_file("f", b"data");
    assert_eq!(t.mkdir("a"), 0);
    assert_eq!(t.unlink("f", 0), 0);
    assert!(!t.exists("f"));
    for (path, err) in [("a", EISDIR), ("f", ENOENT), (".", EISDIR), ("..", EISDIR), ("/", EISDIR)] {
        assert_eq!(t.unlink(path, 0), err, "unlink {path:?}");
    }
    t.write_file("g", b"");
    assert_eq!(t.unlink("g/", 0), ENOTDIR);
    assert_eq!(t.unlink("a", 0x400), EINVAL, "unknown flags");
}

#[test]
fn rmdir_removes_only_empty_directories() {
    let t = fixture();
    assert_eq!(t.mkdir("a"), 0);
    assert_eq!(t.mkdir("a/b"), 0);
    t.write_file("f", b"");
    for (path, err) in [
        ("a", ENOTEMPTY),
        ("f", ENOTDIR),
        (".", EINVAL),
        ("..", ENOTEMPTY),
        ("/", EBUSY),
        ("a/.", EINVAL),
        ("a/..", ENOTEMPTY),
    ] {
        assert_eq!(t.rmdir(path), err, "rmdir {path:?}");
    }
    assert_eq!(t.rmdir("a/b/"), 0);
    assert_eq!(t.rmdir("a"), 0);
    assert!(!t.exists("a"));
}

#[test]
fn an_open_file_survives_its_unlink() {
    let t = fixture();
    t.write_file("f", b"still here");
    let fd = t.open("f", 0);
    assert_eq!(t.unlink("f", 0), 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::read, [fd as usize, BUF, 100]), 10);
    assert_eq!(t.k.peek(&t.p, BUF, 10), b"still here");
    assert_eq!(t.k.syscall(&t.p, Sysno::fstat, [fd as usize, STAT]), 0);
    assert_eq!(t.k.peek_val::<Stat>(&t.p, STAT).st_nlink, 0);
}

#[test]
fn rename_moves_and_replaces() {
    let t = fixture();
    t.write_file("f", b"F");
    t.write_file("g", b"G");
    assert_eq!(t.mkdir("d"), 0);
    assert_eq!(t.rename("f", "d/f2", 0), 0);
    assert!(!t.exists("f"));
    assert_eq!(t.read("d/f2"), "F");
    assert_eq!(t.rename("g", "d/f2", 0), 0, "a file replaces a file");
    assert_eq!(t.read("d/f2"), "G");
    assert!(!t.exists("g"));
    assert_eq!(t.mkdir("e"), 0);
    t.write_file("e/x", b"");
    assert_eq!(t.rename("d", "e", 0), ENOTEMPTY);
    assert_eq!(t.rename("e", "d2", 0), 0);
    assert_eq!(t.mkdir("empty"), 0);
    assert_eq!(t.rename("d", "empty", 0), 0, "a directory replaces an empty directory");
    assert_eq!(t.read("empty/f2"), "G");
    assert_eq!(t.list("."), [".", "..", "d2", "empty"]);
}

#[test]
fn rename_errors_follow_linux() {
    let t = fixture();
    t.write_file("f", b"");
    t.write_file("g", b"");
    assert_eq!(t.mkdir("a"), 0);
    assert_eq!(t.mkdir("c"), 0);
    assert_eq!(t.mkdir("c/d"), 0);
    for (a, b, flags, err) in [
        ("a", "f", 0, ENOTDIR),
        ("f", "a", 0, EISDIR),
        ("a", "a/b", 0, EINVAL),
        ("c", "c/d/e", 0, EINVAL),
        (".", "x", 0, EBUSY),
        ("a", ".", 0, EBUSY),
        ("a", "..", 0, EBUSY),
        ("f/", "x", 0, ENOTDIR),
        ("nonexist", "x", 0, ENOENT),
        ("f", "a/", 0, ENOTDIR),
        ("a", "c", 0, ENOTEMPTY),
        ("f", "g", RENAME_NOREPLACE, EEXIST),
        ("f", "zz", RENAME_NOREPLACE | RENAME_EXCHANGE, EINVAL),
        ("f", "zz", RENAME_EXCHANGE, ENOENT),
        ("f", "g", 8, EINVAL),
        ("f", "g", RENAME_WHITEOUT, EINVAL),
        (".", "g", RENAME_NOREPLACE, EBUSY),
        ("f", "..", RENAME_NOREPLACE, EEXIST),
    ] {
        assert_eq!(t.rename(a, b, flags), err, "rename {a:?} {b:?} {flags:#x}");
    }
    assert!(t.exists("f") && t.exists("g") && t.exists("a"));
}

#[test]
fn renaming_onto_another_name_of_the_same_file_does_nothing() {
    let t = fixture();
    t.write_file("f", b"x");
    assert_eq!(t.link("f", "g", 0), 0);
    assert_eq!(t.rename("f", "g", 0), 0);
    assert!(t.exists("f") && t.exists("g"));
    assert_eq!(t.lstat("f").unwrap().st_nlink, 2);
}

#[test]
fn rename_exchange_swaps_a_file_and_a_directory() {
    let t = fixture();
    t.write_file("f", b"file");
    assert_eq!(t.mkdir("d"), 0);
    t.write_file("d/inner", b"in");
    assert_eq!(t.rename("f", "d", RENAME_EXCHANGE), 0);
    assert_eq!(t.read("d"), "file");
    assert_eq!(t.read("f/inner"), "in");
    // The moved directory's ".." still leads to the right place.
    assert_eq!(t.call1(Sysno::chdir, "f/.."), 0);
    assert_eq!(t.getcwd(), "/w");
}

#[test]
fn hard_links_share_the_inode_and_count_links() {
    let t = fixture();
    t.write_file("f", b"shared");
    assert_eq!(t.link("f", "g", 0), 0);
    let (f, g) = (t.lstat("f").unwrap(), t.lstat("g").unwrap());
    assert_eq!((f.st_ino, f.st_nlink), (g.st_ino, 2));
    assert_eq!(t.unlink("f", 0), 0);
    assert_eq!(t.lstat("g").unwrap().st_nlink, 1);
    assert_eq!(t.read("g"), "shared");
}

#[test]
fn link_errors_and_symlink_following() {
    let t = fixture();
    t.write_file("f", b"");
    assert_eq!(t.mkdir("a"), 0);
    assert_eq!(t.symlink("f", "sl"), 0);
    for (a, b, flags, err) in [
        ("f", "f", 0, EEXIST),
        ("a", "h", 0, EPERM),
        ("f", "n/", 0, ENOENT),
        ("f", "a/", 0, EEXIST),
        ("f/", "z", 0, ENOTDIR),
        ("nope", "z", 0, ENOENT),
        ("f", "z", 0x8000, EINVAL),
    ] {
        assert_eq!(t.link(a, b, flags), err, "link {a:?} {b:?}");
    }
    // Without AT_SYMLINK_FOLLOW the link itself gets the new name.
    assert_eq!(t.link("sl", "sl2", 0), 0);
    assert_eq!(t.lstat("sl2").unwrap().st_mode & S_IFMT, S_IFLNK);
    assert_eq!(t.link("sl", "f2", AT_SYMLINK_FOLLOW), 0);
    assert_eq!(t.lstat("f2").unwrap().st_ino, t.lstat("f").unwrap().st_ino);
}

#[test]
fn linkat_with_an_empty_path_links_the_descriptor() {
    let t = fixture();
    t.write_file("f", b"");
    let fd = t.open("f", 0);
    t.k.poke_str(&t.p, P1, "");
    t.k.poke_str(&t.p, P2, "again");
    assert_eq!(t.k.syscall(&t.p, Sysno::linkat, [fd as usize, P1, CWD, P2, 0]), ENOENT);
    assert_eq!(t.k.syscall(&t.p, Sysno::linkat, [fd as usize, P1, CWD, P2, AT_EMPTY_PATH as usize]), 0);
    assert_eq!(t.lstat("again").unwrap().st_ino, t.lstat("f").unwrap().st_ino);
}

#[test]
fn symlinks_are_made_and_read_back() {
    let t = fixture();
    assert_eq!(t.symlink("/some/where", "l"), 0);
    let st = t.lstat("l").unwrap();
    assert_eq!(st.st_mode, S_IFLNK | 0o777);
    assert_eq!(st.st_size, 11);
    t.k.poke_str(&t.p, P1, "l");
    assert_eq!(t.k.syscall(&t.p, Sysno::readlinkat, [CWD, P1, BUF, 64]), 11);
    assert_eq!(t.k.peek(&t.p, BUF, 11), b"/some/where");
    assert_eq!(t.symlink("", "e"), ENOENT);
    assert_eq!(t.symlink("x", "l"), EEXIST);
    assert_eq!(t.symlink("x", "nn/"), ENOENT);
    assert_eq!(t.symlink("x", "."), EEXIST);
}

#[test]
fn getdents_lists_every_entry_once_with_its_type() {
    let t = fixture();
    assert_eq!(t.mkdir("d"), 0);
    t.write_file("f", b"");
    assert_eq!(t.symlink("f", "l"), 0);
    let fd = t.open(".", OpenFlags::DIRECTORY.bits());
    let mut all = t.list_fd(fd, 4096);
    all.sort();
    let expect: Vec<(String, u8)> =
        [(".", 4), ("..", 4), ("d", 4), ("f", 8), ("l", 10)].iter().map(|(n, d)| (n.to_string(), *d)).collect();
    assert_eq!(all, expect);
    // Small buffers take one entry at a time and still see everything.
    assert_eq!(t.k.syscall(&t.p, Sysno::lseek, [fd as usize, 0, SEEK_SET as usize]), 0);
    let mut small = t.list_fd(fd, 24);
    small.sort();
    assert_eq!(small, expect);
}

#[test]
fn getdents_errors() {
    let t = fixture();
    t.write_file("f", b"");
    let f = t.open("f", 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::getdents64, [f as usize, BUF, 4096]), ENOTDIR);
    assert_eq!(t.k.syscall(&t.p, Sysno::getdents64, [77, BUF, 4096]), EBADF);
    let d = t.open(".", OpenFlags::DIRECTORY.bits());
    assert_eq!(t.k.syscall(&t.p, Sysno::getdents64, [d as usize, BUF, 10]), EINVAL, "too small for one entry");
    assert_eq!(t.k.syscall(&t.p, Sysno::getdents64, [d as usize, UNMAPPED, 4096]), EFAULT);
    let o = t.open(".", OpenFlags::PATH.bits());
    assert_eq!(t.k.syscall(&t.p, Sysno::getdents64, [o as usize, BUF, 4096]), EBADF);
}

#[test]
fn directory_offsets_seek_only_from_the_start_or_the_current_entry() {
    let t = fixture();
    let d = t.open(".", OpenFlags::DIRECTORY.bits());
    assert!(t.k.syscall(&t.p, Sysno::getdents64, [d as usize, BUF, 4096]) > 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::lseek, [d as usize, 0, SEEK_CUR as usize]), 2);
    assert_eq!(t.k.syscall(&t.p, Sysno::lseek, [d as usize, 0, SEEK_END as usize]), EINVAL);
    assert_eq!(t.k.syscall(&t.p, Sysno::lseek, [d as usize, 1, SEEK_SET as usize]), 1);
    let rest = t.list_fd(d, 4096);
    assert_eq!(rest.len(), 1, "only '..' is left after skipping '.'");
}

#[test]
fn chdir_and_getcwd_track_the_canonical_path() {
    let t = fixture();
    assert_eq!(t.getcwd(), "/w");
    assert_eq!(t.mkdir("a"), 0);
    assert_eq!(t.mkdir("a/b"), 0);
    assert_eq!(t.symlink("a/b", "lb"), 0);
    assert_eq!(t.call1(Sysno::chdir, "lb"), 0);
    assert_eq!(t.getcwd(), "/w/a/b", "symlinks are resolved");
    assert_eq!(t.call1(Sysno::chdir, "../../.."), 0);
    assert_eq!(t.getcwd(), "/");
    assert_eq!(t.call1(Sysno::chdir, "/.."), 0);
    assert_eq!(t.getcwd(), "/");
    t.write_file("/w/f", b"");
    for (path, err) in [("/w/f", ENOTDIR), ("", ENOENT), ("/nope", ENOENT)] {
        assert_eq!(t.call1(Sysno::chdir, path), err, "chdir {path:?}");
    }
    assert_eq!(t.getcwd(), "/");
}

#[test]
fn getcwd_needs_room_for_the_path_and_its_nul() {
    let t = fixture();
    assert_eq!(t.k.syscall(&t.p, Sysno::getcwd, [BUF, 2]), ERANGE);
    assert_eq!(t.k.syscall(&t.p, Sysno::getcwd, [BUF, 0]), ERANGE);
    assert_eq!(t.k.syscall(&t.p, Sysno::getcwd, [BUF, 3]), 3);
    assert_eq!(t.k.peek(&t.p, BUF, 3), b"/w\0");
    assert_eq!(t.k.syscall(&t.p, Sysno::getcwd, [UNMAPPED, 64]), EFAULT);
}

#[test]
fn fchdir_takes_directory_descriptors_including_o_path() {
    let t = fixture();
    assert_eq!(t.mkdir("sub"), 0);
    t.write_file("f", b"");
    let d = t.open("sub", OpenFlags::PATH.bits());
    assert_eq!(t.k.syscall(&t.p, Sysno::fchdir, [d as usize]), 0);
    assert_eq!(t.getcwd(), "/w/sub");
    let f = t.open("/w/f", 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::fchdir, [f as usize]), ENOTDIR);
    assert_eq!(t.k.syscall(&t.p, Sysno::fchdir, [99]), EBADF);
    // Relative paths now start in sub.
    t.write_file("here", b"1");
    assert!(t.exists("/w/sub/here"));
}

#[test]
fn mknod_makes_regular_files_and_fifos() {
    let t = fixture();
    t.k.poke_str(&t.p, P1, "n");
    assert_eq!(t.k.syscall(&t.p, Sysno::mknodat, [CWD, P1, (S_IFREG | 0o600) as usize, 0]), 0);
    assert_eq!(t.lstat("n").unwrap().st_mode, S_IFREG | 0o600);
    assert_eq!(t.k.syscall(&t.p, Sysno::mknodat, [CWD, P1, (S_IFREG | 0o600) as usize, 0]), EEXIST);
    t.k.poke_str(&t.p, P1, "fifo");
    assert_eq!(t.k.syscall(&t.p, Sysno::mknodat, [CWD, P1, (S_IFIFO | 0o666) as usize, 0]), 0);
    assert_eq!(t.lstat("fifo").unwrap().st_mode, S_IFIFO | 0o644, "umask applies");
    assert_eq!(t.k.syscall(&t.p, Sysno::mknodat, [CWD, P1, 0o170000, 0]), EINVAL);
}

#[test]
fn mknod_makes_device_nodes_for_root_that_reach_their_drivers() {
    let t = fixture();
    // 1:3 is /dev/null's number: the node writes anything and reads nothing.
    t.k.poke_str(&t.p, P1, "null");
    assert_eq!(t.k.syscall(&t.p, Sysno::mknodat, [CWD, P1, (S_IFCHR | 0o666) as usize, 0x103]), 0);
    let st = t.lstat("null").unwrap();
    assert_eq!((st.st_mode, st.st_rdev, st.st_size), (S_IFCHR | 0o644, 0x103, 0));
    let fd = t.open("null", OpenFlags::RDWR.bits());
    assert!(fd >= 0);
    t.k.poke(&t.p, BUF, b"abc");
    assert_eq!(t.k.syscall(&t.p, Sysno::write, [fd as usize, BUF, 3]), 3);
    assert_eq!(t.k.syscall(&t.p, Sysno::read, [fd as usize, BUF, 3]), 0);
    // Owner and extended attributes are the node's own.
    t.k.poke_str(&t.p, P2, "trusted.k");
    assert_eq!(t.k.syscall(&t.p, Sysno::setxattr, [P1, P2, BUF, 3, 0]), 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::getxattr, [P1, P2, BUF + 16, 16]), 3);
    assert_eq!(t.k.syscall(&t.p, Sysno::fchownat, [CWD, P1, 7, 8, 0]), 0);
    assert_eq!((t.lstat("null").unwrap().st_uid, t.lstat("null").unwrap().st_gid), (7, 8));
    // A number no driver has: the node exists, opening it is ENXIO. Block devices too.
    t.k.poke_str(&t.p, P1, "nodrv");
    assert_eq!(t.k.syscall(&t.p, Sysno::mknodat, [CWD, P1, (S_IFCHR | 0o600) as usize, 0xfe07]), 0);
    assert_eq!(t.open("nodrv", 0), ENXIO);
    t.k.poke_str(&t.p, P1, "blk");
    assert_eq!(t.k.syscall(&t.p, Sysno::mknodat, [CWD, P1, (S_IFBLK | 0o600) as usize, 0x10_0001]), 0);
    let st = t.lstat("blk").unwrap();
    assert_eq!((st.st_mode & S_IFMT, st.st_rdev), (S_IFBLK, 0x10_0001));
    assert_eq!(t.open("blk", 0), ENXIO);
    assert_eq!(t.k.syscall(&t.p, Sysno::mknodat, [CWD, P1, (S_IFBLK | 0o600) as usize, 0]), EEXIST);
    // Without CAP_MKNOD only a 0:0 character device (a whiteout) may be made.
    t.k.poke_str(&t.p, P1, "/w");
    assert_eq!(t.k.syscall(&t.p, Sysno::fchmodat, [CWD, P1, 0o777, 0]), 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::setuid, [1000]), 0);
    t.k.poke_str(&t.p, P1, "user");
    assert_eq!(t.k.syscall(&t.p, Sysno::mknodat, [CWD, P1, (S_IFCHR | 0o600) as usize, 0x103]), EPERM);
    assert_eq!(t.k.syscall(&t.p, Sysno::mknodat, [CWD, P1, (S_IFBLK | 0o600) as usize, 0]), EPERM);
    assert_eq!(t.k.syscall(&t.p, Sysno::mknodat, [CWD, P1, (S_IFCHR | 0o600) as usize, 0]), 0);
    assert_eq!(t.lstat("user").unwrap().st_uid, 1000);
}
