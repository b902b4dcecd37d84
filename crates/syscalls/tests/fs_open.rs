//! openat and close through the dispatch table.
use abi::flags::*;
use abi::structs::{Stat, Timespec};
use fs::ramfs::RamSymlink;
use fs::{FileKind, InodeRef};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Errno, Sysno};

const O_RDONLY: u32 = 0;
const O_WRONLY: u32 = OpenFlags::WRONLY.bits();
const O_RDWR: u32 = OpenFlags::RDWR.bits();
const O_CREAT: u32 = OpenFlags::CREAT.bits();
const O_EXCL: u32 = OpenFlags::EXCL.bits();
const O_TRUNC: u32 = OpenFlags::TRUNC.bits();
const O_APPEND: u32 = OpenFlags::APPEND.bits();
const O_NONBLOCK: u32 = OpenFlags::NONBLOCK.bits();
const O_DIRECTORY: u32 = OpenFlags::DIRECTORY.bits();
const O_NOFOLLOW: u32 = OpenFlags::NOFOLLOW.bits();
const O_CLOEXEC: u32 = OpenFlags::CLOEXEC.bits();
const O_PATH: u32 = OpenFlags::PATH.bits();
const CWD: i32 = AT_FDCWD as i32;

const STAT: usize = SCRATCH + 0xe_0000;

fn openat(k: &TestKernel, p: &Caller, dirfd: i32, path: &str, flags: u32, mode: u32) -> isize {
    k.poke_str(p, PATH, path);
    k.syscall(p, Sysno::openat, [dirfd as usize, PATH, flags as usize, mode as usize])
}

fn open(k: &TestKernel, p: &Caller, path: &str, flags: u32) -> isize {
    openat(k, p, CWD, path, flags, 0o644)
}

fn node(k: &TestKernel, path: &str) -> Result<InodeRef, Errno> {
    fs::path::lookup(&k.root, &k.root, path, false)
}

fn fstat(k: &TestKernel, p: &Caller, fd: isize) -> Stat {
    assert_eq!(k.syscall(p, Sysno::fstat, [fd as usize, STAT]), 0);
    k.peek_val(p, STAT)
}

fn write(k: &TestKernel, p: &Caller, fd: isize, data: &[u8]) -> isize {
    k.poke(p, SCRATCH, data);
    k.syscall(p, Sysno::write, [fd as usize, SCRATCH, data.len()])
}

fn size(k: &TestKernel, path: &str) -> i64 {
    node(k, path).unwrap().stat().st_size
}

#[test]
fn open_returns_the_lowest_free_descriptor() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/etc/a", b"a");
    assert_eq!(open(&k, &p, "/etc/a", O_RDONLY), 3);
    assert_eq!(open(&k, &p, "/etc/a", O_RDONLY), 4);
    assert_eq!(k.syscall(&p, Sysno::close, [0]), 0);
    assert_eq!(open(&k, &p, "/etc/a", O_RDONLY), 0);
    assert_eq!(k.syscall(&p, Sysno::close, [3]), 0);
    assert_eq!(open(&k, &p, "/etc/a", O_RDONLY), 3);
    assert_eq!(open(&k, &p, "/etc/a", O_RDONLY), 5);
}

#[test]
fn an_opened_file_reads_its_contents() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/etc/motd", b"welcome");
    let fd = open(&k, &p, "/etc/motd", O_RDONLY);
    assert_eq!(k.syscall(&p, Sysno::read, [fd as usize, SCRATCH, 64]), 7);
    assert_eq!(k.peek(&p, SCRATCH, 7), b"welcome");
}

#[test]
fn open_of_a_missing_file_is_enoent() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(open(&k, &p, "/etc/missing", O_RDONLY), ENOENT);
    assert_eq!(open(&k, &p, "/nodir/file", O_RDWR | O_CREAT), ENOENT, "the parent must exist");
    assert!(node(&k, "/nodir").is_err());
}

#[test]
fn open_of_an_empty_path_is_enoent_whatever_the_dirfd() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(open(&k, &p, "", O_RDONLY), ENOENT);
    assert_eq!(openat(&k, &p, 99, "", O_RDONLY, 0), ENOENT);
}

#[test]
fn a_path_through_a_regular_file_is_enotdir() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/etc/f", b"");
    assert_eq!(open(&k, &p, "/etc/f/x", O_RDONLY), ENOTDIR);
    assert_eq!(open(&k, &p, "/etc/f/x", O_RDWR | O_CREAT), ENOTDIR);
    assert_eq!(open(&k, &p, "/etc/f/", O_RDONLY), ENOTDIR, "a trailing slash wants a directory");
}

#[test]
fn a_bad_path_pointer_is_efault() {
    let k = TestKernel::new();
    let p = k.spawn();
    for addr in [0, UNMAPPED, usize::MAX] {
        assert_eq!(k.syscall(&p, Sysno::openat, [CWD as usize, addr, 0, 0]), EFAULT, "{addr:#x}");
    }
    // A string running off the end of mapped memory without its NUL.
    let end = SCRATCH + SCRATCH_LEN - 3;
    k.poke(&p, end, b"/tm");
    assert_eq!(k.syscall(&p, Sysno::openat, [CWD as usize, end, 0, 0]), EFAULT);
}

#[test]
fn overlong_names_and_paths_are_enametoolong() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(open(&k, &p, &format!("/tmp/{}", "n".repeat(256)), O_RDWR | O_CREAT), ENAMETOOLONG);
    assert_eq!(open(&k, &p, &format!("/tmp/{}", "n".repeat(256)), O_RDONLY), ENAMETOOLONG);
    assert_eq!(open(&k, &p, &"/".repeat(4096), O_RDONLY), ENAMETOOLONG);
    assert!(open(&k, &p, &format!("/tmp/{}", "n".repeat(255)), O_RDWR | O_CREAT) >= 0);
}

#[test]
fn o_creat_makes_a_regular_file_with_the_mode_less_the_umask() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = openat(&k, &p, CWD, "/tmp/new", O_RDWR | O_CREAT, 0o777);
    assert_eq!(fd, 3);
    assert_eq!(fstat(&k, &p, fd).st_mode, S_IFREG | 0o755, "umask 022");
    p.process().fs.lock().umask = 0o077;
    let fd = openat(&k, &p, CWD, "/tmp/private", O_RDWR | O_CREAT, 0o4666);
    assert_eq!(fstat(&k, &p, fd).st_mode, S_IFREG | 0o4600);
    assert_eq!(write(&k, &p, fd, b"data"), 4);
    assert_eq!(size(&k, "/tmp/private"), 4);
}

#[test]
fn o_creat_opens_an_existing_file_without_touching_it() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"keep");
    let fd = openat(&k, &p, CWD, "/tmp/f", O_RDWR | O_CREAT, 0o600);
    assert!(fd >= 0);
    assert_eq!(fstat(&k, &p, fd).st_mode, S_IFREG | 0o644, "the mode of a file that exists is not changed");
    assert_eq!(size(&k, "/tmp/f"), 4);
}

#[test]
fn o_creat_with_o_excl_on_an_existing_name_is_eexist() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"x");
    assert_eq!(open(&k, &p, "/tmp/f", O_RDWR | O_CREAT | O_EXCL), EEXIST);
    assert_eq!(open(&k, &p, "/tmp", O_RDONLY | O_CREAT | O_EXCL), EEXIST);
    assert_eq!(open(&k, &p, "/tmp/g", O_RDWR | O_CREAT | O_EXCL), 3);
    assert_eq!(open(&k, &p, "/tmp/g", O_RDWR | O_CREAT | O_EXCL), EEXIST);
}

#[test]
fn o_excl_without_o_creat_is_ignored() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"x");
    assert_eq!(open(&k, &p, "/tmp/f", O_RDONLY | O_EXCL), 3);
}

#[test]
fn o_creat_through_a_dangling_symlink_creates_its_target_unless_o_excl() {
    let k = TestKernel::new();
    let p = k.spawn();
    let tmp = node(&k, "/tmp").unwrap();
    tmp.link("dangling", RamSymlink::new("target")).unwrap();
    assert_eq!(open(&k, &p, "/tmp/dangling", O_RDWR | O_CREAT | O_EXCL), EEXIST);
    assert!(node(&k, "/tmp/target").is_err());
    assert_eq!(open(&k, &p, "/tmp/dangling", O_RDWR | O_CREAT), 3);
    assert_eq!(node(&k, "/tmp/target").unwrap().kind(), FileKind::Regular);
}

#[test]
fn o_trunc_empties_a_regular_file_even_when_opened_read_only() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"old contents");
    assert!(open(&k, &p, "/tmp/f", O_RDONLY | O_TRUNC) >= 0);
    assert_eq!(size(&k, "/tmp/f"), 0);
    k.add_file("/tmp/g", b"old");
    let fd = open(&k, &p, "/tmp/g", O_WRONLY | O_TRUNC);
    assert_eq!(write(&k, &p, fd, b"new"), 3);
    assert_eq!(size(&k, "/tmp/g"), 3);
}

#[test]
fn o_trunc_on_a_device_is_ignored() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert!(open(&k, &p, "/dev/null", O_WRONLY | O_TRUNC) >= 0);
}

#[test]
fn o_append_writes_always_land_at_the_end() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/log", b"one\n");
    let a = open(&k, &p, "/tmp/log", O_WRONLY | O_APPEND);
    let b = open(&k, &p, "/tmp/log", O_WRONLY | O_APPEND);
    assert_eq!(write(&k, &p, a, b"two\n"), 4);
    assert_eq!(write(&k, &p, b, b"three\n"), 6);
    let f = node(&k, "/tmp/log").unwrap();
    assert_eq!(syscalls::exec::read_whole(&f).unwrap(), b"one\ntwo\nthree\n");
}

#[test]
fn o_directory_on_anything_but_a_directory_is_enotdir() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    assert_eq!(open(&k, &p, "/tmp/f", O_RDONLY | O_DIRECTORY), ENOTDIR);
    assert_eq!(open(&k, &p, "/dev/null", O_RDONLY | O_DIRECTORY), ENOTDIR);
    assert_eq!(open(&k, &p, "/tmp", O_RDONLY | O_DIRECTORY), 3);
}

#[test]
fn o_directory_with_o_creat_is_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(open(&k, &p, "/tmp/new", O_RDWR | O_CREAT | O_DIRECTORY), EINVAL);
    assert_eq!(open(&k, &p, "/tmp", O_RDONLY | O_CREAT | O_DIRECTORY), EINVAL);
    assert!(node(&k, "/tmp/new").is_err());
}

#[test]
fn opening_a_directory_for_writing_is_eisdir() {
    let k = TestKernel::new();
    let p = k.spawn();
    for flags in [O_WRONLY, O_RDWR, O_RDONLY | O_CREAT, O_RDONLY | O_TRUNC] {
        assert_eq!(open(&k, &p, "/tmp", flags), EISDIR, "flags {flags:#o}");
    }
    assert_eq!(open(&k, &p, "/tmp/new/", O_RDWR | O_CREAT), EISDIR, "O_CREAT of a name ending in /");
    assert_eq!(open(&k, &p, "/", O_RDONLY | O_CREAT), EISDIR);
    assert_eq!(open(&k, &p, "/tmp", O_RDONLY), 3);
}

#[test]
fn o_nofollow_on_a_final_symlink_is_eloop() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"x");
    let tmp = node(&k, "/tmp").unwrap();
    tmp.link("link", RamSymlink::new("f")).unwrap();
    k.root.link("tmplink", RamSymlink::new("tmp")).unwrap();
    assert_eq!(open(&k, &p, "/tmp/link", O_RDONLY | O_NOFOLLOW), ELOOP);
    assert_eq!(open(&k, &p, "/tmp/link", O_RDWR | O_CREAT | O_NOFOLLOW), ELOOP);
    assert_eq!(open(&k, &p, "/tmplink/f", O_RDONLY | O_NOFOLLOW), 3, "only the last component counts");
    assert_eq!(open(&k, &p, "/tmp/link", O_RDONLY), 4);
}

#[test]
fn a_symlink_loop_is_eloop() {
    let k = TestKernel::new();
    let p = k.spawn();
    let tmp = node(&k, "/tmp").unwrap();
    tmp.link("a", RamSymlink::new("b")).unwrap();
    tmp.link("b", RamSymlink::new("a")).unwrap();
    assert_eq!(open(&k, &p, "/tmp/a", O_RDONLY), ELOOP);
    assert_eq!(open(&k, &p, "/tmp/a", O_RDWR | O_CREAT), ELOOP);
}

#[test]
fn o_path_with_o_nofollow_opens_the_link_itself_for_fstat_only() {
    let k = TestKernel::new();
    let p = k.spawn();
    let tmp = node(&k, "/tmp").unwrap();
    tmp.link("link", RamSymlink::new("nowhere")).unwrap();
    let fd = open(&k, &p, "/tmp/link", O_PATH | O_NOFOLLOW);
    assert_eq!(fd, 3);
    assert_eq!(fstat(&k, &p, fd).st_mode & S_IFMT, S_IFLNK);
    assert_eq!(k.syscall(&p, Sysno::read, [3, SCRATCH, 1]), EBADF);
}

#[test]
fn o_path_ignores_o_creat_and_o_trunc() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"keep");
    assert_eq!(open(&k, &p, "/tmp/new", O_PATH | O_CREAT), ENOENT);
    assert_eq!(open(&k, &p, "/tmp/f", O_PATH | O_TRUNC | O_WRONLY), 3);
    assert_eq!(size(&k, "/tmp/f"), 4);
    assert_eq!(open(&k, &p, "/tmp", O_PATH | O_RDWR), 4, "no EISDIR: nothing will be written");
}

#[test]
fn o_cloexec_marks_the_descriptor_not_the_file() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    let a = open(&k, &p, "/tmp/f", O_RDONLY | O_CLOEXEC);
    let b = open(&k, &p, "/tmp/f", O_RDONLY);
    let files = p.process().files();
    assert!(files.entry(a as i32).unwrap().cloexec);
    assert!(!files.entry(b as i32).unwrap().cloexec);
    assert!(!files.get(a as i32).unwrap().flags().contains(OpenFlags::CLOEXEC));
}

#[test]
fn the_file_status_flags_are_those_f_getfl_reports() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = open(&k, &p, "/tmp/f", O_RDWR | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK);
    let flags = p.process().files().get(fd as i32).unwrap().flags();
    assert_eq!(flags, OpenFlags::RDWR | OpenFlags::APPEND | OpenFlags::NONBLOCK | OpenFlags::LARGEFILE);
}

#[test]
fn relative_paths_start_at_the_current_directory() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/here", b"");
    {
        let mut fs = p.process().fs.lock();
        fs.cwd = node(&k, "/tmp").unwrap();
        fs.cwd_path = String::from("/tmp");
    }
    assert_eq!(open(&k, &p, "here", O_RDONLY), 3);
    assert_eq!(open(&k, &p, "./made", O_RDWR | O_CREAT), 4);
    assert!(node(&k, "/tmp/made").is_ok());
    assert_eq!(open(&k, &p, "../etc", O_RDONLY), 5);
}

#[test]
fn openat_resolves_relative_paths_from_a_directory_descriptor() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/etc/conf", b"c");
    let etc = open(&k, &p, "/etc", O_RDONLY | O_DIRECTORY);
    assert_eq!(openat(&k, &p, etc as i32, "conf", O_RDONLY, 0), 4);
    assert_eq!(openat(&k, &p, etc as i32, "new", O_RDWR | O_CREAT, 0o600), 5);
    assert!(node(&k, "/etc/new").is_ok());
    // An O_PATH directory descriptor is good enough for that.
    let path_fd = open(&k, &p, "/etc", O_PATH);
    assert_eq!(openat(&k, &p, path_fd as i32, "conf", O_RDONLY, 0), 7);
}

#[test]
fn openat_with_a_dirfd_that_is_not_a_directory_is_enotdir() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/etc/conf", b"c");
    let f = open(&k, &p, "/etc/conf", O_RDONLY);
    assert_eq!(openat(&k, &p, f as i32, "x", O_RDONLY, 0), ENOTDIR);
    assert_eq!(openat(&k, &p, 0, "x", O_RDONLY, 0), ENOTDIR, "the console is not a directory");
}

#[test]
fn openat_with_a_dirfd_that_is_not_open_is_ebadf_unless_the_path_is_absolute() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(openat(&k, &p, 99, "etc", O_RDONLY, 0), EBADF);
    assert_eq!(openat(&k, &p, -1, "etc", O_RDONLY, 0), EBADF);
    assert_eq!(openat(&k, &p, 99, "/etc", O_RDONLY, 0), 3);
}

#[test]
fn open_at_the_descriptor_limit_is_emfile_and_creates_nothing() {
    let k = TestKernel::new();
    let p = k.spawn();
    p.process().files().set_limit(5);
    k.add_file("/tmp/f", b"");
    assert_eq!(open(&k, &p, "/tmp/f", O_RDONLY), 3);
    assert_eq!(open(&k, &p, "/tmp/f", O_RDONLY), 4);
    assert_eq!(open(&k, &p, "/tmp/f", O_RDONLY), EMFILE);
    assert_eq!(open(&k, &p, "/tmp/new", O_RDWR | O_CREAT), EMFILE);
    assert!(node(&k, "/tmp/new").is_err(), "EMFILE comes before the file is made");
    assert_eq!(k.syscall(&p, Sysno::close, [1]), 0);
    assert_eq!(open(&k, &p, "/tmp/f", O_RDONLY), 1);
}

#[test]
fn close_frees_the_descriptor_and_a_second_close_is_ebadf() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::close, [2]), 0);
    assert_eq!(k.syscall(&p, Sysno::close, [2]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::write, [2, SCRATCH, 1]), EBADF);
}

#[test]
fn close_of_a_descriptor_that_was_never_open_is_ebadf() {
    let k = TestKernel::new();
    let p = k.spawn();
    for fd in [-1i32, 3, 1000, i32::MAX, i32::MIN] {
        assert_eq!(k.syscall(&p, Sysno::close, [fd as usize]), EBADF, "{fd}");
    }
}

#[test]
fn a_file_stays_usable_through_another_descriptor_after_close() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"abc");
    let fd = open(&k, &p, "/tmp/f", O_RDONLY);
    let file = p.process().files().get(fd as i32).unwrap();
    p.process().files().insert(file, false).unwrap();
    assert_eq!(k.syscall(&p, Sysno::close, [fd as usize]), 0);
    assert_eq!(k.syscall(&p, Sysno::read, [4, SCRATCH, 3]), 3);
}

#[test]
fn o_noatime_reads_leave_the_access_time() {
    let t = FsTest::new();
    t.write_file("/tmp/f", b"data");
    // An access time older than the modification: a read updates it (relatime)...
    let times = [Timespec { tv_sec: 100, tv_nsec: 0 }, Timespec { tv_sec: 200, tv_nsec: 0 }];
    t.k.poke(&t.p, FsTest::AUX, bytemuck::bytes_of(&times));
    let set_times = || {
        t.k.poke_str(&t.p, FsTest::P1, "/tmp/f");
        assert_eq!(t.k.syscall(&t.p, Sysno::utimensat, [AT_FDCWD as usize, FsTest::P1, FsTest::AUX, 0]), 0);
    };
    let read_with = |flags: u32| {
        let fd = t.open("/tmp/f", flags);
        assert_eq!(t.k.syscall(&t.p, Sysno::read, [fd as usize, FsTest::BUF, 4]), 4);
        t.close(fd);
        t.stat("/tmp/f").unwrap().st_atime
    };
    set_times();
    assert_eq!(read_with(OpenFlags::NOATIME.bits()), 100, "...but not through an O_NOATIME file");
    assert_ne!(read_with(O_RDONLY), 100);
}
