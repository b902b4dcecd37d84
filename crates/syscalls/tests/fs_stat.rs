//! fstat and newfstatat through the dispatch table.
use abi::flags::*;
use abi::structs::Stat;
use fs::ramfs::RamSymlink;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Errno, Sysno};

const CWD: usize = AT_FDCWD as usize;

const PATH: usize = SCRATCH + 0xf_0000;
const STAT: usize = SCRATCH + 0xe_0000;

fn path(k: &TestKernel, p: &Caller, s: &str) -> usize {
    k.poke_str(p, PATH, s)
}

fn open(k: &TestKernel, p: &Caller, s: &str, flags: u32) -> usize {
    let fd = k.syscall(p, Sysno::openat, [CWD, path(k, p, s), flags as usize, 0]);
    assert!(fd >= 0, "open {s}: {fd}");
    fd as usize
}

fn fstatat(k: &TestKernel, p: &Caller, dirfd: usize, s: &str, flags: u32) -> Result<Stat, isize> {
    let r = k.syscall(p, Sysno::newfstatat, [dirfd, path(k, p, s), STAT, flags as usize]);
    if r == 0 {
        Ok(k.peek_val(p, STAT))
    } else {
        Err(r)
    }
}

/// /tmp/f (5 bytes), /tmp/link -> f, /tmp/dangling -> nowhere.
fn tree(k: &TestKernel) {
    k.add_file("/tmp/f", b"hello");
    let tmp = fs::path::lookup(&k.root, &k.root, "/tmp", true).unwrap();
    tmp.link("link", RamSymlink::new("f")).unwrap();
    tmp.link("dangling", RamSymlink::new("nowhere")).unwrap();
}

#[test]
fn fstat_describes_a_regular_file() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", &[7u8; 1000]);
    let fd = open(&k, &p, "/tmp/f", 0);
    k.poke(&p, STAT, &[0xff; 128]);
    assert_eq!(k.syscall(&p, Sysno::fstat, [fd, STAT]), 0);
    let st: Stat = k.peek_val(&p, STAT);
    assert_eq!(st.st_mode, S_IFREG | 0o644);
    assert_eq!(st.st_size, 1000);
    assert_eq!(st.st_nlink, 1);
    assert_eq!(st.st_blocks, 8, "512-byte blocks of whole 4 KiB pages, as on tmpfs");
    assert_eq!(st.st_blksize, 4096);
    assert_eq!((st.st_uid, st.st_gid), (0, 0));
    assert_eq!(st.__pad1, 0, "every byte of the struct is written");
}

#[test]
fn fstat_sees_the_size_change_after_a_write() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    let fd = open(&k, &p, "/tmp/f", OpenFlags::RDWR.bits());
    k.poke(&p, SCRATCH, b"abc");
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, 3]), 3);
    assert_eq!(k.syscall(&p, Sysno::fstat, [fd, STAT]), 0);
    assert_eq!(k.peek_val::<Stat>(&p, STAT).st_size, 3);
}

#[test]
fn fstat_of_the_console_is_a_character_device() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::fstat, [1, STAT]), 0);
    let st: Stat = k.peek_val(&p, STAT);
    assert_eq!(st.st_mode, S_IFCHR | 0o620);
    assert_eq!(st.st_rdev, 5 << 8 | 1, "major 5, minor 1: /dev/console");
    let null = open(&k, &p, "/dev/null", 0);
    assert_eq!(k.syscall(&p, Sysno::fstat, [null, STAT]), 0);
    assert_eq!(k.peek_val::<Stat>(&p, STAT).st_rdev, 1 << 8 | 3);
}

#[test]
fn files_have_distinct_inode_numbers_and_links_share_one() {
    let k = TestKernel::new();
    let p = k.spawn();
    tree(&k);
    k.add_file("/tmp/g", b"");
    let f = fstatat(&k, &p, CWD, "/tmp/f", 0).unwrap();
    let g = fstatat(&k, &p, CWD, "/tmp/g", 0).unwrap();
    let via_link = fstatat(&k, &p, CWD, "/tmp/link", 0).unwrap();
    assert_ne!(f.st_ino, g.st_ino);
    assert_eq!((f.st_dev, f.st_ino), (via_link.st_dev, via_link.st_ino));
}

#[test]
fn fstat_of_a_descriptor_that_is_not_open_is_ebadf() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::fstat, [3, STAT]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::fstat, [usize::MAX, STAT]), EBADF);
}

#[test]
fn fstat_into_unmapped_or_read_only_memory_is_efault() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::fstat, [0, UNMAPPED]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::fstat, [0, READONLY]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::fstat, [0, SCRATCH + SCRATCH_LEN - 64]), EFAULT);
    assert_eq!(k.peek(&p, READONLY, READONLY_TEXT.len()), READONLY_TEXT);
}

#[test]
fn fstat_works_on_an_o_path_descriptor() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = open(&k, &p, "/tmp", OpenFlags::PATH.bits());
    assert_eq!(k.syscall(&p, Sysno::fstat, [fd, STAT]), 0);
    assert_eq!(k.peek_val::<Stat>(&p, STAT).st_mode, S_IFDIR | 0o1777);
}

#[test]
fn newfstatat_follows_a_final_symlink_unless_at_symlink_nofollow() {
    let k = TestKernel::new();
    let p = k.spawn();
    tree(&k);
    let st = fstatat(&k, &p, CWD, "/tmp/link", 0).unwrap();
    assert_eq!((st.st_mode, st.st_size), (S_IFREG | 0o644, 5));
    let st = fstatat(&k, &p, CWD, "/tmp/link", AT_SYMLINK_NOFOLLOW).unwrap();
    assert_eq!((st.st_mode, st.st_size), (S_IFLNK | 0o777, 1), "the link itself: its size is its target's length");
    assert_eq!(fstatat(&k, &p, CWD, "/tmp/dangling", 0).err(), Some(ENOENT));
    assert!(fstatat(&k, &p, CWD, "/tmp/dangling", AT_SYMLINK_NOFOLLOW).is_ok());
}

#[test]
fn newfstatat_of_a_directory_counts_its_subdirectories_as_links() {
    let k = TestKernel::new();
    let p = k.spawn();
    let st = fstatat(&k, &p, CWD, "/", 0).unwrap();
    assert_eq!(st.st_mode & S_IFMT, S_IFDIR);
    assert_eq!(st.st_nlink, 2 + 3, "., its entry in the parent, and ../ of dev, tmp, etc");
}

#[test]
fn newfstatat_resolves_relative_paths_from_dirfd_or_the_cwd() {
    let k = TestKernel::new();
    let p = k.spawn();
    tree(&k);
    let tmp = open(&k, &p, "/tmp", 0);
    assert_eq!(fstatat(&k, &p, tmp, "f", 0).unwrap().st_size, 5);
    assert_eq!(fstatat(&k, &p, CWD, "tmp/f", 0).unwrap().st_size, 5);
    assert_eq!(fstatat(&k, &p, tmp, "../tmp/./f", 0).unwrap().st_size, 5);
}

#[test]
fn newfstatat_with_at_empty_path_and_an_empty_path_describes_dirfd() {
    let k = TestKernel::new();
    let p = k.spawn();
    tree(&k);
    let f = open(&k, &p, "/tmp/f", 0);
    assert_eq!(fstatat(&k, &p, f, "", AT_EMPTY_PATH).unwrap().st_size, 5);
    assert_eq!(fstatat(&k, &p, 1, "", AT_EMPTY_PATH).unwrap().st_mode, S_IFCHR | 0o620);
    assert_eq!(fstatat(&k, &p, CWD, "", AT_EMPTY_PATH).unwrap().st_mode & S_IFMT, S_IFDIR, "the cwd");
    // Linux 6.11 and later accept NULL for the empty path.
    assert_eq!(k.syscall(&p, Sysno::newfstatat, [f, 0, STAT, AT_EMPTY_PATH as usize]), 0);
    assert_eq!(k.peek_val::<Stat>(&p, STAT).st_size, 5);
}

#[test]
fn newfstatat_of_an_empty_path_without_at_empty_path_is_enoent() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(fstatat(&k, &p, 1, "", 0).err(), Some(ENOENT));
    assert_eq!(k.syscall(&p, Sysno::newfstatat, [1, 0, STAT, 0]), EFAULT, "NULL needs AT_EMPTY_PATH");
}

#[test]
fn newfstatat_with_at_empty_path_and_a_bad_dirfd_is_ebadf() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(fstatat(&k, &p, 42, "", AT_EMPTY_PATH).err(), Some(EBADF));
}

#[test]
fn newfstatat_with_unknown_flags_is_einval_before_the_path_is_read() {
    let k = TestKernel::new();
    let p = k.spawn();
    tree(&k);
    assert_eq!(fstatat(&k, &p, CWD, "/tmp/f", 0x8000).err(), Some(EINVAL));
    assert_eq!(fstatat(&k, &p, CWD, "/tmp/f", 0x1).err(), Some(EINVAL));
    assert_eq!(k.syscall(&p, Sysno::newfstatat, [CWD, 0, STAT, 0x8000]), EINVAL);
    // AT_NO_AUTOMOUNT and the statx sync-type bits are accepted.
    assert!(fstatat(&k, &p, CWD, "/tmp/f", AT_NO_AUTOMOUNT | 0x6000).is_ok());
}

#[test]
fn newfstatat_of_a_missing_path_is_enoent_and_through_a_file_enotdir() {
    let k = TestKernel::new();
    let p = k.spawn();
    tree(&k);
    assert_eq!(fstatat(&k, &p, CWD, "/tmp/none", 0).err(), Some(ENOENT));
    assert_eq!(fstatat(&k, &p, CWD, "/tmp/f/x", 0).err(), Some(ENOTDIR));
    assert_eq!(fstatat(&k, &p, CWD, "/tmp/f/", 0).err(), Some(ENOTDIR));
    let tmp = fs::path::lookup(&k.root, &k.root, "/tmp", true).unwrap();
    tmp.link("self", RamSymlink::new("self")).unwrap();
    assert_eq!(fstatat(&k, &p, CWD, "/tmp/self", 0).err(), Some(ELOOP));
}

#[test]
fn newfstatat_with_a_bad_dirfd_is_ebadf_or_enotdir_for_relative_paths_only() {
    let k = TestKernel::new();
    let p = k.spawn();
    tree(&k);
    let f = open(&k, &p, "/tmp/f", 0);
    assert_eq!(fstatat(&k, &p, 77, "f", 0).err(), Some(EBADF));
    assert_eq!(fstatat(&k, &p, f, "x", 0).err(), Some(ENOTDIR));
    assert_eq!(fstatat(&k, &p, 77, "/tmp/f", 0).unwrap().st_size, 5);
}

#[test]
fn newfstatat_with_a_bad_path_or_stat_pointer_is_efault() {
    let k = TestKernel::new();
    let p = k.spawn();
    tree(&k);
    assert_eq!(k.syscall(&p, Sysno::newfstatat, [CWD, UNMAPPED, STAT, 0]), EFAULT);
    let at = path(&k, &p, "/tmp/f");
    assert_eq!(k.syscall(&p, Sysno::newfstatat, [CWD, at, UNMAPPED, 0]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::newfstatat, [CWD, at, READONLY, 0]), EFAULT);
    // The path may live in read-only memory.
    let ro = READONLY + READONLY_TEXT.len() - 1; // "" at the NUL
    assert_eq!(k.syscall(&p, Sysno::newfstatat, [CWD, ro, STAT, AT_EMPTY_PATH as usize]), 0);
}

fn add_link(k: &TestKernel, path: &str, target: &str) {
    let (dir, name) = fs::path::split_parent(path);
    let dir = fs::path::lookup(&k.root, &k.root, &dir, true).unwrap();
    dir.link(&name, fs::ramfs::RamSymlink::new(target)).unwrap();
}

#[test]
fn readlinkat_returns_the_target_without_a_nul() {
    let k = TestKernel::new();
    let p = k.spawn();
    add_link(&k, "/tmp/l", "/etc/motd");
    k.poke_str(&p, SCRATCH, "/tmp/l");
    k.poke(&p, SCRATCH + 0x100, &[0xaa; 16]);
    assert_eq!(k.syscall(&p, Sysno::readlinkat, [AT_FDCWD as usize, SCRATCH, SCRATCH + 0x100, 64]), 9);
    assert_eq!(k.peek(&p, SCRATCH + 0x100, 10), b"/etc/motd\xaa");
}

#[test]
fn readlinkat_with_an_empty_path_reads_a_link_opened_with_o_path() {
    let k = TestKernel::new();
    let p = k.spawn();
    add_link(&k, "/tmp/l", "/etc/motd");
    k.poke_str(&p, SCRATCH, "/tmp/l");
    let flags = (OpenFlags::PATH | OpenFlags::NOFOLLOW).bits() as usize;
    let fd = k.syscall(&p, Sysno::openat, [AT_FDCWD as usize, SCRATCH, flags, 0]);
    assert!(fd >= 0, "{fd}");
    k.poke_str(&p, SCRATCH, "");
    assert_eq!(k.syscall(&p, Sysno::readlinkat, [fd as usize, SCRATCH, SCRATCH + 0x100, 64]), 9);
    assert_eq!(k.peek(&p, SCRATCH + 0x100, 9), b"/etc/motd");
    // The cwd or a directory is no link: ENOENT (not EINVAL) for an empty path.
    assert_eq!(
        k.syscall(&p, Sysno::readlinkat, [AT_FDCWD as usize, SCRATCH, SCRATCH + 0x100, 64]),
        Errno::ENOENT.as_ret()
    );
}

#[test]
fn readlinkat_truncates_to_the_buffer() {
    let k = TestKernel::new();
    let p = k.spawn();
    add_link(&k, "/tmp/l", "abcdef");
    k.poke_str(&p, SCRATCH, "tmp/l");
    assert_eq!(k.syscall(&p, Sysno::readlinkat, [AT_FDCWD as usize, SCRATCH, SCRATCH + 0x100, 3]), 3);
    assert_eq!(k.peek(&p, SCRATCH + 0x100, 3), b"abc");
}

#[test]
fn readlinkat_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    add_link(&k, "/tmp/l", "x");
    let at = AT_FDCWD as usize;
    k.poke_str(&p, SCRATCH, "/etc");
    assert_eq!(k.syscall(&p, Sysno::readlinkat, [at, SCRATCH, SCRATCH + 0x100, 64]), Errno::EINVAL.as_ret());
    k.poke_str(&p, SCRATCH, "/nope");
    assert_eq!(k.syscall(&p, Sysno::readlinkat, [at, SCRATCH, SCRATCH + 0x100, 64]), Errno::ENOENT.as_ret());
    k.poke_str(&p, SCRATCH, "/tmp/l");
    assert_eq!(k.syscall(&p, Sysno::readlinkat, [at, SCRATCH, SCRATCH + 0x100, 0]), Errno::EINVAL.as_ret());
    assert_eq!(k.syscall(&p, Sysno::readlinkat, [at, SCRATCH, UNMAPPED, 64]), Errno::EFAULT.as_ret());
    assert_eq!(k.syscall(&p, Sysno::readlinkat, [at, UNMAPPED, SCRATCH + 0x100, 64]), Errno::EFAULT.as_ret());
    k.poke_str(&p, SCRATCH, "");
    assert_eq!(k.syscall(&p, Sysno::readlinkat, [at, SCRATCH, SCRATCH + 0x100, 64]), Errno::ENOENT.as_ret());
}
