//! inotify through the dispatch table: the events each file operation makes, in Linux's order
//! (a watching directory hears first, by name, then the file's own watch), moves with their
//! cookie, the end of a watch (IN_IGNORED after rm, one-shot, deletion), IN_EXCL_UNLINK, the
//! read(2) format and its errors, FIONREAD and poll, /proc/<pid>/fdinfo, and the errnos of
//! the three calls.
use abi::events::*;
use abi::flags::*;
use syscalls::testing::ret::*;
use syscalls::testing::FsTest;
use syscalls::Sysno;

const CWD: usize = AT_FDCWD as usize;
const EVBUF: usize = FsTest::BUF + 0x8000;

/// An event as read(2) gives it: (wd, mask, cookie, name).
type Ev = (i32, u32, u32, String);

fn init(t: &FsTest, flags: u32) -> usize {
    let fd = t.k.syscall(&t.p, Sysno::inotify_init1, [flags as usize]);
    assert!(fd >= 0, "inotify_init1: {fd}");
    fd as usize
}

fn add(t: &FsTest, fd: usize, path: &str, mask: u32) -> isize {
    t.k.poke_str(&t.p, FsTest::P1, path);
    t.k.syscall(&t.p, Sysno::inotify_add_watch, [fd, FsTest::P1, mask as usize])
}

/// Everything queued (read with a buffer of `len` bytes), parsed; empty when nothing is (the
/// instance must be non-blocking then).
fn events_len(t: &FsTest, fd: usize, len: usize) -> Vec<Ev> {
    let n = t.k.syscall(&t.p, Sysno::read, [fd, EVBUF, len]);
    if n == EAGAIN {
        return Vec::new();
    }
    assert!(n > 0, "read of the instance: {n}");
    let bytes = t.k.peek(&t.p, EVBUF, n as usize);
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let word = |at: usize| u32::from_ne_bytes(bytes[i + at..i + at + 4].try_into().unwrap());
        let len = word(12) as usize;
        assert_eq!(len % 16, 0, "names are padded to 16 bytes");
        let name = &bytes[i + 16..i + 16 + len];
        let name = String::from_utf8(name[..name.iter().position(|&b| b == 0).unwrap_or(len)].to_vec()).unwrap();
        out.push((word(0) as i32, word(4), word(8), name));
        i += 16 + len;
    }
    out
}

fn events(t: &FsTest, fd: usize) -> Vec<Ev> {
    events_len(t, fd, 4096)
}

fn ev(wd: isize, mask: u32, name: &str) -> Ev {
    (wd as i32, mask, 0, String::from(name))
}

fn write_fd(t: &FsTest, fd: isize, data: &[u8]) {
    t.k.poke(&t.p, FsTest::BUF, data);
    assert_eq!(t.k.syscall(&t.p, Sysno::write, [fd as usize, FsTest::BUF, data.len()]), data.len() as isize);
}

fn chmod(t: &FsTest, path: &str, mode: u32) {
    t.k.poke_str(&t.p, FsTest::P1, path);
    assert_eq!(t.k.syscall(&t.p, Sysno::fchmodat, [CWD, FsTest::P1, mode as usize]), 0);
}

#[test]
fn a_watched_file_hears_each_use_in_order() {
    let t = FsTest::new();
    t.write_file("/tmp/f", b"data");
    let ino = init(&t, IN_NONBLOCK);
    let wd = add(&t, ino, "/tmp/f", IN_ALL_EVENTS);
    assert_eq!(wd, 1, "watch descriptors count from 1");
    chmod(&t, "/tmp/f", 0o755);
    let fd = t.open("/tmp/f", 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::read, [fd as usize, FsTest::BUF, 100]), 4);
    assert_eq!(t.k.syscall(&t.p, Sysno::read, [fd as usize, FsTest::BUF, 100]), 0, "nothing read: no IN_ACCESS");
    t.close(fd);
    let fd = t.open("/tmp/f", OpenFlags::RDWR.bits());
    write_fd(&t, fd, b"more");
    write_fd(&t, fd, b"again");
    t.close(fd);
    assert_eq!(
        events(&t, ino),
        [
            ev(wd, IN_ATTRIB, ""),
            ev(wd, IN_OPEN, ""),
            ev(wd, IN_ACCESS, ""),
            ev(wd, IN_CLOSE_NOWRITE, ""),
            ev(wd, IN_OPEN, ""),
            ev(wd, IN_MODIFY, ""),
            ev(wd, IN_CLOSE_WRITE, ""),
        ],
        "the second write's IN_MODIFY merged with the first"
    );
    assert_eq!(events(&t, ino), [], "read once");
}

#[test]
fn a_watched_directory_hears_its_entries_by_name() {
    let t = FsTest::new();
    assert_eq!(t.mkdir("/tmp/d"), 0);
    let ino = init(&t, IN_NONBLOCK);
    let wd = add(&t, ino, "/tmp/d", IN_ALL_EVENTS);
    chmod(&t, "/tmp/d", 0o700);
    let fd = t.open("/tmp/d/a", (OpenFlags::CREAT | OpenFlags::WRONLY | OpenFlags::TRUNC).bits());
    t.close(fd);
    assert_eq!(t.rename("/tmp/d/a", "/tmp/d/b", 0), 0);
    assert_eq!(t.rename("/tmp/d", "/tmp/d2", 0), 0);
    assert_eq!(t.unlink("/tmp/d2/b", 0), 0);
    assert_eq!(t.mkdir("/tmp/d2/s"), 0);
    assert_eq!(t.symlink("x", "/tmp/d2/l"), 0);
    assert_eq!(t.rmdir("/tmp/d2/s"), 0);
    let got = events(&t, ino);
    let cookie = got[4].2;
    assert_ne!(cookie, 0, "a move has a cookie");
    assert_eq!(
        got,
        [
            ev(wd, IN_ATTRIB | IN_ISDIR, ""),
            ev(wd, IN_CREATE, "a"),
            ev(wd, IN_OPEN, "a"),
            ev(wd, IN_CLOSE_WRITE, "a"),
            (wd as i32, IN_MOVED_FROM, cookie, String::from("a")),
            (wd as i32, IN_MOVED_TO, cookie, String::from("b")),
            ev(wd, IN_MOVE_SELF, ""),
            ev(wd, IN_DELETE, "b"),
            ev(wd, IN_CREATE | IN_ISDIR, "s"),
            ev(wd, IN_CREATE, "l"),
            ev(wd, IN_DELETE | IN_ISDIR, "s"),
        ]
    );
}

#[test]
fn parent_hears_before_child_and_each_by_its_own_mask() {
    let t = FsTest::new();
    assert_eq!(t.mkdir("/tmp/d"), 0);
    t.write_file("/tmp/d/f", b"");
    let ino = init(&t, IN_NONBLOCK);
    let other = init(&t, IN_NONBLOCK);
    let wd_dir = add(&t, ino, "/tmp/d", IN_ATTRIB);
    let wd_f = add(&t, ino, "/tmp/d/f", IN_ATTRIB | IN_OPEN);
    let wd_other = add(&t, other, "/tmp/d", IN_OPEN);
    chmod(&t, "/tmp/d/f", 0o600);
    let fd = t.open("/tmp/d/f", 0);
    t.close(fd);
    assert_eq!(events(&t, ino), [ev(wd_dir, IN_ATTRIB, "f"), ev(wd_f, IN_ATTRIB, ""), ev(wd_f, IN_OPEN, "")]);
    assert_eq!(events(&t, other), [ev(wd_other, IN_OPEN, "f")]);
}

#[test]
fn deletion_ends_the_watch_with_delete_self_and_ignored() {
    let t = FsTest::new();
    assert_eq!(t.mkdir("/tmp/d"), 0);
    t.write_file("/tmp/f", b"");
    let ino = init(&t, IN_NONBLOCK);
    let wd_dir = add(&t, ino, "/tmp/d", IN_ALL_EVENTS);
    let wd_f = add(&t, ino, "/tmp/f", IN_ALL_EVENTS);
    assert_eq!(t.rmdir("/tmp/d"), 0);
    assert_eq!(t.unlink("/tmp/f", 0), 0);
    assert_eq!(
        events(&t, ino),
        [
            ev(wd_dir, IN_DELETE_SELF, ""),
            ev(wd_dir, IN_IGNORED, ""),
            ev(wd_f, IN_ATTRIB, ""),
            ev(wd_f, IN_DELETE_SELF, ""),
            ev(wd_f, IN_IGNORED, ""),
        ]
    );
    assert_eq!(t.k.syscall(&t.p, Sysno::inotify_rm_watch, [ino, wd_f as usize]), EINVAL, "gone");
}

#[test]
fn a_name_with_another_link_keeps_its_watch() {
    let t = FsTest::new();
    t.write_file("/tmp/f", b"");
    assert_eq!(t.link("/tmp/f", "/tmp/g", 0), 0);
    let ino = init(&t, IN_NONBLOCK);
    let wd = add(&t, ino, "/tmp/f", IN_ALL_EVENTS);
    assert_eq!(t.link("/tmp/f", "/tmp/h", 0), 0);
    assert_eq!(t.unlink("/tmp/f", 0), 0);
    assert_eq!(events(&t, ino), [ev(wd, IN_ATTRIB, "")], "link and unlink change the link count: merged");
    assert_eq!(t.rename("/tmp/h", "/tmp/g", 0), 0, "h replaces g: the same file, nothing happens");
    t.write_file("/tmp/x", b"");
    assert_eq!(t.rename("/tmp/x", "/tmp/g", 0), 0);
    assert_eq!(events(&t, ino), [ev(wd, IN_ATTRIB, "")], "replaced, and still named h");
    assert_eq!(t.rename("/tmp/g", "/tmp/h", 0), 0, "x replaces h, the last name");
    assert_eq!(events(&t, ino), [ev(wd, IN_ATTRIB, ""), ev(wd, IN_DELETE_SELF, ""), ev(wd, IN_IGNORED, "")]);
}

#[test]
fn oneshot_and_rm_watch_end_with_ignored_and_excl_unlink_skips_unlinked_files() {
    let t = FsTest::new();
    t.write_file("/tmp/f", b"1");
    let ino = init(&t, IN_NONBLOCK);
    let wd = add(&t, ino, "/tmp", IN_MODIFY | IN_ONESHOT);
    let fd = t.open("/tmp/f", OpenFlags::RDWR.bits());
    write_fd(&t, fd, b"2");
    write_fd(&t, fd, b"3");
    assert_eq!(events(&t, ino), [ev(wd, IN_MODIFY, "f"), ev(wd, IN_IGNORED, "")]);

    let wd = add(&t, ino, "/tmp", IN_MODIFY | IN_EXCL_UNLINK);
    write_fd(&t, fd, b"4");
    assert_eq!(t.unlink("/tmp/f", 0), 0);
    write_fd(&t, fd, b"5");
    assert_eq!(events(&t, ino), [ev(wd, IN_MODIFY, "f")], "nothing after the unlink");
    assert_eq!(t.k.syscall(&t.p, Sysno::inotify_rm_watch, [ino, wd as usize]), 0);
    assert_eq!(events(&t, ino), [ev(wd, IN_IGNORED, "")]);

    // Without IN_EXCL_UNLINK, an unlinked file that is still open is still reported.
    t.write_file("/tmp/g", b"");
    let fd2 = t.open("/tmp/g", OpenFlags::RDWR.bits());
    let wd = add(&t, ino, "/tmp", IN_MODIFY);
    assert_eq!(t.unlink("/tmp/g", 0), 0);
    write_fd(&t, fd2, b"6");
    assert_eq!(events(&t, ino), [ev(wd, IN_MODIFY, "g")]);
    t.close(fd);
    t.close(fd2);
}

#[test]
fn mask_add_and_mask_create_change_an_existing_watch() {
    let t = FsTest::new();
    t.write_file("/tmp/f", b"");
    let ino = init(&t, IN_NONBLOCK);
    let wd = add(&t, ino, "/tmp/f", IN_ACCESS);
    assert_eq!(add(&t, ino, "/tmp/f", IN_ATTRIB | IN_MASK_CREATE), EEXIST);
    assert_eq!(add(&t, ino, "/tmp/f", IN_ATTRIB | IN_MASK_ADD), wd, "the same watch");
    chmod(&t, "/tmp/f", 0o600);
    assert_eq!(add(&t, ino, "/tmp/f", IN_OPEN), wd, "replaced: IN_ATTRIB no longer");
    chmod(&t, "/tmp/f", 0o644);
    let fd = t.open("/tmp/f", 0);
    t.close(fd);
    assert_eq!(events(&t, ino), [ev(wd, IN_ATTRIB, ""), ev(wd, IN_OPEN, "")]);
}

#[test]
fn truncate_times_and_xattrs_are_reported_as_linux_does() {
    let t = FsTest::new();
    t.write_file("/tmp/f", b"abc");
    let ino = init(&t, IN_NONBLOCK);
    let wd = add(&t, ino, "/tmp/f", IN_ALL_EVENTS);
    t.k.poke_str(&t.p, FsTest::P1, "/tmp/f");
    assert_eq!(t.k.syscall(&t.p, Sysno::truncate, [FsTest::P1, 1]), 0);
    // utimensat with both times now: IN_ATTRIB; with only the access time: IN_ACCESS.
    assert_eq!(t.k.syscall(&t.p, Sysno::utimensat, [CWD, FsTest::P1, 0, 0]), 0);
    let omit = abi::structs::Timespec { tv_sec: 0, tv_nsec: (1 << 30) - 2 };
    let now = abi::structs::Timespec { tv_sec: 0, tv_nsec: (1 << 30) - 1 };
    t.k.poke(&t.p, FsTest::AUX, bytemuck::bytes_of(&[now, omit]));
    assert_eq!(t.k.syscall(&t.p, Sysno::utimensat, [CWD, FsTest::P1, FsTest::AUX, 0]), 0);
    t.k.poke_str(&t.p, FsTest::P2, "user.x");
    t.k.poke(&t.p, FsTest::P3, b"v");
    assert_eq!(t.k.syscall(&t.p, Sysno::setxattr, [FsTest::P1, FsTest::P2, FsTest::P3, 1, 0]), 0);
    let fd = t.open("/tmp/f", (OpenFlags::WRONLY | OpenFlags::TRUNC).bits());
    assert_eq!(t.k.syscall(&t.p, Sysno::fallocate, [fd as usize, 0, 0, 10]), 0);
    t.close(fd);
    assert_eq!(
        events(&t, ino),
        [
            ev(wd, IN_MODIFY, ""),
            ev(wd, IN_ATTRIB, ""),
            ev(wd, IN_ACCESS, ""),
            ev(wd, IN_ATTRIB, ""),
            ev(wd, IN_MODIFY, ""),
            ev(wd, IN_OPEN, ""),
            ev(wd, IN_MODIFY, ""),
            ev(wd, IN_CLOSE_WRITE, ""),
        ]
    );
}

#[test]
fn reads_give_whole_events_and_block_until_one_comes() {
    let t = FsTest::new();
    assert_eq!(t.mkdir("/tmp/d"), 0);
    let ino = init(&t, IN_NONBLOCK);
    assert_eq!(t.k.syscall(&t.p, Sysno::read, [ino, EVBUF, 4096]), EAGAIN);
    let wd = add(&t, ino, "/tmp/d", IN_CREATE);
    t.write_file("/tmp/d/name-of-17-bytes", b"");
    t.write_file("/tmp/d/x", b"");
    // FIONREAD: 16 + 32 and 16 + 16.
    assert_eq!(t.k.syscall(&t.p, Sysno::ioctl, [ino, 0x541b, FsTest::AUX]), 0);
    assert_eq!(t.k.peek_val::<i32>(&t.p, FsTest::AUX), 80);
    let mut fds = [0u8; 8];
    fds[..4].copy_from_slice(&(ino as i32).to_ne_bytes());
    fds[4..6].copy_from_slice(&(PollEvents::IN.bits() as i16).to_ne_bytes());
    t.k.poke(&t.p, FsTest::AUX, &fds);
    assert_eq!(t.k.syscall(&t.p, Sysno::ppoll, [FsTest::AUX, 1, 0, 0, 0]), 1);
    assert_eq!(t.k.syscall(&t.p, Sysno::read, [ino, EVBUF, 47]), EINVAL, "the first does not fit");
    assert_eq!(events_len(&t, ino, 48 + 31), [ev(wd, IN_CREATE, "name-of-17-bytes")], "only whole events");
    assert_eq!(events(&t, ino), [ev(wd, IN_CREATE, "x")]);

    // A blocking instance waits for the next event: here another process's unlink, which
    // runs while the read waits.
    let blocking = init(&t, 0);
    let wd = add(&t, blocking, "/tmp/d", IN_DELETE);
    let other = t.k.spawn();
    t.k.poke_str(&other, FsTest::P1, "/tmp/d/x");
    t.k.syscall_later(&other, Sysno::unlinkat, [CWD, FsTest::P1, 0]);
    assert_eq!(events(&t, blocking), [ev(wd, IN_DELETE, "x")]);
    assert!(!t.exists("/tmp/d/x"));
}

#[test]
fn the_calls_check_their_arguments_in_linux_order() {
    let t = FsTest::new();
    t.write_file("/tmp/f", b"");
    let k = &t.k;
    assert_eq!(k.syscall(&t.p, Sysno::inotify_init1, [1]), EINVAL);
    let ino = init(&t, IN_CLOEXEC);
    assert_eq!(add(&t, ino, "/tmp/f", 0), EINVAL, "no event");
    assert_eq!(add(&t, ino, "/tmp/f", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE), EINVAL);
    assert_eq!(add(&t, 99, "/tmp/f", IN_MODIFY), EBADF);
    let plain = t.open("/tmp/f", 0) as usize;
    assert_eq!(add(&t, plain, "/tmp/f", IN_MODIFY), EINVAL, "not an instance");
    assert_eq!(add(&t, ino, "/tmp/none", IN_MODIFY), ENOENT);
    assert_eq!(add(&t, ino, "/tmp/f", IN_MODIFY | IN_ONLYDIR), ENOTDIR);
    assert_eq!(t.symlink("f", "/tmp/l"), 0);
    let wd_link = add(&t, ino, "/tmp/l", IN_MODIFY | IN_DONT_FOLLOW);
    let wd_file = add(&t, ino, "/tmp/l", IN_MODIFY);
    assert!(wd_link > 0 && wd_file > 0 && wd_link != wd_file, "the link and its target are two watches");
    assert_eq!(k.syscall(&t.p, Sysno::inotify_rm_watch, [99, 1]), EBADF);
    assert_eq!(k.syscall(&t.p, Sysno::inotify_rm_watch, [plain, 1]), EINVAL);
    assert_eq!(k.syscall(&t.p, Sysno::inotify_rm_watch, [ino, 77]), EINVAL);
    assert_eq!(k.syscall(&t.p, Sysno::fcntl, [ino, F_GETFD as usize]), FD_CLOEXEC as isize);
    // A file the caller may not read cannot be watched.
    chmod(&t, "/tmp/f", 0o600);
    assert_eq!(k.syscall(&t.p, Sysno::setresuid, [1000, 1000, 1000]), 0);
    assert_eq!(add(&t, ino, "/tmp/f", IN_MODIFY), EACCES);
}

#[test]
fn fdinfo_lists_the_watches_and_proc_sys_the_limits() {
    let t = FsTest::with_standard_mounts();
    let ino = init(&t, IN_NONBLOCK);
    let wd = add(&t, ino, "/tmp", IN_MODIFY | IN_ONESHOT);
    let st = t.stat("/tmp").unwrap();
    let text = t.read(&format!("/proc/self/fdinfo/{ino}"));
    let (major, minor) = (((st.st_dev >> 8) & 0xfff) as u32, ((st.st_dev & 0xff) | ((st.st_dev >> 12) & !0xff)) as u32);
    let want = format!(
        "inotify wd:{wd:x} ino:{:x} sdev:{:x} mask:{:x} ignored_mask:0\n",
        st.st_ino,
        (major << 20) | minor,
        IN_MODIFY | IN_ONESHOT
    );
    assert!(text.starts_with("pos:\t0\nflags:\t04002\n"), "{text}");
    assert!(text.ends_with(&want), "{text}\nwanted {want}");
    assert_eq!(t.read("/proc/sys/fs/inotify/max_queued_events"), "16384\n");
    assert_eq!(t.read("/proc/sys/fs/inotify/max_user_instances"), "128\n");
    assert_eq!(t.read("/proc/sys/fs/inotify/max_user_watches"), "8192\n");
}
