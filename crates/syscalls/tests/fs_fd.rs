//! dup, dup3, fcntl through the dispatch table.
use abi::flags::*;
use abi::structs::Flock;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const AUX: usize = SCRATCH + 0xe_0000;

fn open(k: &TestKernel, p: &Caller, path: &str, flags: u32) -> usize {
    k.open_ok(p, path, flags)
}

fn fcntl(k: &TestKernel, p: &Caller, fd: usize, cmd: u32, arg: usize) -> isize {
    k.syscall(p, Sysno::fcntl, [fd, cmd as usize, arg])
}

#[test]
fn dup_shares_the_offset_and_takes_the_lowest_free_number() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"abcdef");
    let fd = open(&k, &p, "/tmp/f", 0);
    let d = k.syscall(&p, Sysno::dup, [fd]);
    assert_eq!(d, 4);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 2]), 2);
    assert_eq!(k.syscall(&p, Sysno::read, [d as usize, SCRATCH, 2]), 2);
    assert_eq!(k.peek(&p, SCRATCH, 2), b"cd", "one offset for both");
    assert_eq!(k.syscall(&p, Sysno::close, [0]), 0);
    assert_eq!(k.syscall(&p, Sysno::dup, [fd]), 0);
    assert_eq!(k.syscall(&p, Sysno::dup, [99]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::dup, [usize::MAX]), EBADF);
}

#[test]
fn dup_fails_with_emfile_at_the_limit() {
    let k = TestKernel::new();
    let p = k.spawn();
    p.process().files().set_limit(3);
    assert_eq!(k.syscall(&p, Sysno::dup, [0]), EMFILE);
}

#[test]
fn dup3_replaces_the_target_and_sets_close_on_exec() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/a", b"A");
    k.add_file("/tmp/b", b"B");
    let a = open(&k, &p, "/tmp/a", 0);
    let b = open(&k, &p, "/tmp/b", 0);
    assert_eq!(k.syscall(&p, Sysno::dup3, [a, b, OpenFlags::CLOEXEC.bits() as usize]), b as isize);
    assert_eq!(k.syscall(&p, Sysno::read, [b, SCRATCH, 1]), 1);
    assert_eq!(k.peek(&p, SCRATCH, 1), b"A");
    assert_eq!(fcntl(&k, &p, b, F_GETFD, 0), 1);
    assert_eq!(k.syscall(&p, Sysno::dup3, [a, 50, 0]), 50, "any free number below the limit");
    assert_eq!(fcntl(&k, &p, 50, F_GETFD, 0), 0);
}

#[test]
fn dup3_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::dup3, [1, 1, 0]), EINVAL, "the same descriptor");
    assert_eq!(k.syscall(&p, Sysno::dup3, [1, 2, OpenFlags::NONBLOCK.bits() as usize]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::dup3, [9, 2, 0]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::dup3, [1, 1024, 0]), EBADF, "past RLIMIT_NOFILE");
    assert_eq!(k.syscall(&p, Sysno::dup3, [1, (-1i32) as u32 as usize, 0]), EBADF);
}

#[test]
fn f_dupfd_finds_a_number_at_or_above_the_argument() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(fcntl(&k, &p, 1, F_DUPFD, 10), 10);
    assert_eq!(fcntl(&k, &p, 1, F_DUPFD, 10), 11);
    assert_eq!(fcntl(&k, &p, 1, F_DUPFD_CLOEXEC, 0), 3);
    assert_eq!(fcntl(&k, &p, 3, F_GETFD, 0), FD_CLOEXEC as isize);
    assert_eq!(fcntl(&k, &p, 10, F_GETFD, 0), 0);
    assert_eq!(fcntl(&k, &p, 1, F_DUPFD, 1024), EINVAL, "at or past the limit");
    p.process().files().set_limit(12);
    assert_eq!(fcntl(&k, &p, 1, F_DUPFD, 10), EMFILE);
}

#[test]
fn descriptor_flags_belong_to_the_descriptor() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(fcntl(&k, &p, 1, F_SETFD, FD_CLOEXEC as usize), 0);
    assert_eq!(fcntl(&k, &p, 1, F_GETFD, 0), 1);
    let d = k.syscall(&p, Sysno::dup, [1]) as usize;
    assert_eq!(fcntl(&k, &p, d, F_GETFD, 0), 0, "dup clears close-on-exec");
    assert_eq!(fcntl(&k, &p, 1, F_SETFD, 0), 0);
    assert_eq!(fcntl(&k, &p, 1, F_GETFD, 0), 0);
    assert_eq!(fcntl(&k, &p, 9, F_GETFD, 0), EBADF);
}

#[test]
fn status_flags_are_shared_and_only_some_change() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    let fd = open(&k, &p, "/tmp/f", (OpenFlags::RDWR | OpenFlags::APPEND).bits());
    let base = (OpenFlags::RDWR | OpenFlags::LARGEFILE).bits() as isize;
    assert_eq!(fcntl(&k, &p, fd, F_GETFL, 0), base | OpenFlags::APPEND.bits() as isize);
    let d = k.syscall(&p, Sysno::dup, [fd]) as usize;
    // The access mode and creation flags stay; O_APPEND goes, O_NONBLOCK comes.
    let req = (OpenFlags::NONBLOCK | OpenFlags::WRONLY | OpenFlags::TRUNC).bits() as usize;
    assert_eq!(fcntl(&k, &p, fd, F_SETFL, req), 0);
    assert_eq!(fcntl(&k, &p, d, F_GETFL, 0), base | OpenFlags::NONBLOCK.bits() as isize);
    let o = open(&k, &p, "/tmp", (OpenFlags::PATH | OpenFlags::DIRECTORY).bits());
    assert_eq!(fcntl(&k, &p, o, F_GETFL, 0), (OpenFlags::PATH | OpenFlags::DIRECTORY).bits() as isize);
    assert_eq!(fcntl(&k, &p, o, F_SETFL, 0), EBADF);
}

#[test]
fn record_lock_requests_check_the_access_mode_and_arguments() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    let ro = open(&k, &p, "/tmp/f", 0);
    let lock = Flock { l_type: F_WRLCK, l_whence: 0, l_start: 0, l_len: 10, ..Flock::default() };
    k.poke(&p, AUX, bytemuck::bytes_of(&lock));
    assert_eq!(fcntl(&k, &p, ro, F_SETLK, AUX), EBADF, "a write lock needs a writable file");
    assert_eq!(fcntl(&k, &p, ro, F_GETLK, AUX), 0);
    assert_eq!(k.peek_val::<Flock>(&p, AUX).l_type, F_UNLCK, "nobody else holds a lock");
    let rw = open(&k, &p, "/tmp/f", OpenFlags::RDWR.bits());
    k.poke(&p, AUX, bytemuck::bytes_of(&lock));
    assert_eq!(fcntl(&k, &p, rw, F_SETLKW, AUX), 0);
    k.poke(&p, AUX, bytemuck::bytes_of(&Flock { l_type: 7, ..lock }));
    assert_eq!(fcntl(&k, &p, rw, F_SETLK, AUX), EINVAL);
    assert_eq!(fcntl(&k, &p, rw, F_SETLK, UNMAPPED), EFAULT);
    let o = open(&k, &p, "/tmp/f", OpenFlags::PATH.bits());
    assert_eq!(fcntl(&k, &p, o, F_GETLK, AUX), EBADF, "O_PATH descriptors have no locks");
}

#[test]
fn unknown_commands_are_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(fcntl(&k, &p, 1, 9999, 0), EINVAL);
    assert_eq!(fcntl(&k, &p, 99, F_GETFL, 0), EBADF);
    assert_eq!(fcntl(&k, &p, 1, F_GETOWN, 0), 0);
}

#[test]
fn closing_a_duplicate_leaves_the_original_working() {
    let k = TestKernel::new();
    let p = k.spawn();
    let d = k.syscall(&p, Sysno::dup, [1]) as usize;
    assert_eq!(k.syscall(&p, Sysno::close, [d]), 0);
    k.poke(&p, SCRATCH, b"ok");
    assert_eq!(k.syscall(&p, Sysno::write, [1, SCRATCH, 2]), 2);
    assert_eq!(k.console_output(), "ok");
}

#[test]
fn close_range_closes_the_open_descriptors_of_the_range() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"abc");
    let fds: Vec<usize> = (0..4).map(|_| open(&k, &p, "/tmp/f", 0)).collect();
    assert_eq!(fds, [3, 4, 5, 6]);
    assert_eq!(k.syscall(&p, Sysno::close, [5]), 0);
    assert_eq!(k.syscall(&p, Sysno::close_range, [4, 5, 0]), 0, "a hole in the range is skipped");
    assert_eq!(fcntl(&k, &p, 3, F_GETFD, 0), 0);
    assert_eq!(fcntl(&k, &p, 4, F_GETFD, 0), EBADF);
    assert_eq!(fcntl(&k, &p, 6, F_GETFD, 0), 0);
    assert_eq!(k.syscall(&p, Sysno::close_range, [6, u32::MAX as usize, 0]), 0);
    assert_eq!(fcntl(&k, &p, 6, F_GETFD, 0), EBADF);
    assert_eq!(k.syscall(&p, Sysno::close_range, [100, 200, 0]), 0, "nothing open there");
    assert_eq!(k.syscall(&p, Sysno::close_range, [5, 4, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::close_range, [3, 4, 1]), EINVAL, "an unknown flag");
    assert_eq!(fcntl(&k, &p, 3, F_GETFD, 0), 0, "nothing closed by a failed call");
}

#[test]
fn close_range_cloexec_marks_instead_of_closing() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"abc");
    let fd = open(&k, &p, "/tmp/f", 0);
    assert_eq!(k.syscall(&p, Sysno::close_range, [fd, fd, CLOSE_RANGE_CLOEXEC as usize]), 0);
    assert_eq!(fcntl(&k, &p, fd, F_GETFD, 0), FD_CLOEXEC as isize);
}

#[test]
fn close_range_unshare_leaves_the_sharing_process_its_descriptors() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"abc");
    let fd = open(&k, &p, "/tmp/f", 0);
    let pid = k.syscall(
        &p,
        Sysno::clone,
        [(abi::process::CLONE_FILES | abi::process::CLONE_VM) as usize | abi::signal::SIGCHLD],
    );
    assert!(pid > 0);
    let child = k.spawned().pop().unwrap();
    assert_eq!(k.syscall(&child, Sysno::close_range, [0, u32::MAX as usize, CLOSE_RANGE_UNSHARE as usize]), 0);
    assert_eq!(fcntl(&k, &child, fd, F_GETFD, 0), EBADF);
    assert_eq!(fcntl(&k, &p, fd, F_GETFD, 0), 0, "the parent's table was not touched");
}
