//! splice, tee, vmsplice through the dispatch table: what moves, what stays, and Linux's errors.
use abi::flags::*;
use abi::structs::Iovec;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const FDS: usize = SCRATCH + 0xf_0000;
const BUF: usize = SCRATCH;
const OFF: usize = SCRATCH + 0xe_0000;
const IOV: usize = SCRATCH + 0xd_0000;
const NONBLOCK: usize = 2;

fn pipe(k: &TestKernel, p: &Caller, flags: u32) -> (usize, usize) {
    assert_eq!(k.syscall(p, Sysno::pipe2, [FDS, flags as usize]), 0);
    let fds: [i32; 2] = k.peek_val(p, FDS);
    (fds[0] as usize, fds[1] as usize)
}

fn write(k: &TestKernel, p: &Caller, fd: usize, data: &[u8]) -> isize {
    k.poke(p, BUF, data);
    k.syscall(p, Sysno::write, [fd, BUF, data.len()])
}

fn read(k: &TestKernel, p: &Caller, fd: usize, len: usize) -> Vec<u8> {
    let n = k.syscall(p, Sysno::read, [fd, BUF, len]);
    assert!(n >= 0, "read: {n}");
    k.peek(p, BUF, n as usize)
}

fn file(k: &TestKernel, p: &Caller, data: &[u8], flags: u32) -> usize {
    k.add_file("/tmp/f", data);
    k.open_ok(p, "/tmp/f", flags)
}

fn contents(k: &TestKernel, p: &Caller) -> Vec<u8> {
    let fd = k.open_ok(p, "/tmp/f", 0);
    read(k, p, fd, 4096)
}

#[test]
fn splice_moves_a_file_into_a_pipe_and_the_pipe_into_a_file() {
    let k = TestKernel::new();
    let p = k.spawn();
    let f = file(&k, &p, b"0123456789", OpenFlags::RDWR.bits());
    let (r, w) = pipe(&k, &p, 0);
    // From the file offset, which moves.
    assert_eq!(k.syscall(&p, Sysno::splice, [f, 0, w, 0, 4, 0]), 4);
    assert_eq!(k.syscall(&p, Sysno::lseek, [f, 0, SEEK_CUR as usize]), 4);
    // From an offset of its own, which moves instead.
    k.poke(&p, OFF, &7i64.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::splice, [f, OFF, w, 0, 100, 0]), 3);
    assert_eq!(k.peek_val::<i64>(&p, OFF), 10);
    assert_eq!(k.syscall(&p, Sysno::lseek, [f, 0, SEEK_CUR as usize]), 4);
    // Pipe to file at offset 10: the pipe's bytes go, in order.
    assert_eq!(k.syscall(&p, Sysno::splice, [r, 0, f, OFF, 5, 0]), 5);
    assert_eq!(k.peek_val::<i64>(&p, OFF), 15);
    assert_eq!(contents(&k, &p), b"012345678901237");
    assert_eq!(read(&k, &p, r, 10), b"89");
    // An empty pipe without writers is the end: 0.
    assert_eq!(k.syscall(&p, Sysno::close, [w]), 0);
    assert_eq!(k.syscall(&p, Sysno::splice, [r, 0, f, 0, 5, 0]), 0);
}

#[test]
fn splice_between_pipes_and_nonblocking_waits() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r1, w1) = pipe(&k, &p, 0);
    let (r2, w2) = pipe(&k, &p, 0);
    assert_eq!(k.syscall(&p, Sysno::splice, [r1, 0, w2, 0, 8, NONBLOCK]), EAGAIN, "nothing to move");
    assert_eq!(write(&k, &p, w1, b"abcdef"), 6);
    assert_eq!(k.syscall(&p, Sysno::splice, [r1, 0, w2, 0, 4, 0]), 4);
    assert_eq!(read(&k, &p, r2, 10), b"abcd");
    assert_eq!(read(&k, &p, r1, 10), b"ef");
    assert_eq!(k.syscall(&p, Sysno::splice, [r1, 0, w1, 0, 4, 0]), EINVAL, "one pipe at both ends");
}

#[test]
fn splice_into_a_full_pipe_waits_unless_asked_not_to() {
    let k = TestKernel::new();
    let p = k.spawn();
    let f = file(&k, &p, &[7u8; 100], 0);
    let (_r, w) = pipe(&k, &p, 0);
    k.poke(&p, BUF, &[0u8; 4096]);
    for _ in 0..16 {
        assert_eq!(k.syscall(&p, Sysno::write, [w, BUF, 4096]), 4096);
    }
    assert_eq!(k.syscall(&p, Sysno::splice, [f, 0, w, 0, 10, NONBLOCK]), EAGAIN);
    assert_eq!(k.syscall(&p, Sysno::lseek, [f, 0, SEEK_CUR as usize]), 0, "nothing read");
}

#[test]
fn splice_errors_are_linuxs() {
    let k = TestKernel::new();
    let p = k.spawn();
    let f = file(&k, &p, b"abc", 0);
    let (r, w) = pipe(&k, &p, 0);
    assert_eq!(k.syscall(&p, Sysno::splice, [99, 0, 98, 0, 0, 0]), 0, "nothing asked: 0 before any check");
    assert_eq!(k.syscall(&p, Sysno::splice, [f, 0, w, 0, 1, 0x10]), EINVAL, "an unknown flag");
    assert_eq!(k.syscall(&p, Sysno::splice, [99, 0, w, 0, 1, 0]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::splice, [f, 0, f, 0, 1, 0]), EBADF, "f is read-only");
    let g = k.open_ok(&p, "/tmp/f", OpenFlags::RDWR.bits());
    assert_eq!(k.syscall(&p, Sysno::splice, [f, 0, g, 0, 1, 0]), EINVAL, "no pipe");
    assert_eq!(k.syscall(&p, Sysno::splice, [r, OFF, g, 0, 1, 0]), ESPIPE, "an offset for a pipe");
    assert_eq!(k.syscall(&p, Sysno::splice, [f, 0, w, OFF, 1, 0]), ESPIPE);
    k.poke(&p, OFF, &(-1i64).to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::splice, [f, OFF, w, 0, 1, 0]), EINVAL, "a negative offset");
    assert_eq!(k.syscall(&p, Sysno::splice, [f, UNMAPPED, w, 0, 1, 0]), EFAULT);
    let a = k.open_ok(&p, "/tmp/f", (OpenFlags::WRONLY | OpenFlags::APPEND).bits());
    assert_eq!(write(&k, &p, w, b"x"), 1);
    assert_eq!(k.syscall(&p, Sysno::splice, [r, 0, a, 0, 1, 0]), EINVAL, "an O_APPEND target");
    assert_eq!(k.syscall(&p, Sysno::splice, [w, 0, g, 0, 1, 0]), EBADF, "the write end cannot be read");
}

#[test]
fn tee_copies_without_taking() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r1, w1) = pipe(&k, &p, 0);
    let (r2, w2) = pipe(&k, &p, 0);
    assert_eq!(k.syscall(&p, Sysno::tee, [r1, w2, 4, NONBLOCK]), EAGAIN);
    assert_eq!(write(&k, &p, w1, b"hello"), 5);
    assert_eq!(k.syscall(&p, Sysno::tee, [r1, w2, 3, 0]), 3);
    assert_eq!(read(&k, &p, r2, 10), b"hel");
    assert_eq!(read(&k, &p, r1, 10), b"hello", "the source keeps its bytes");
    assert_eq!(k.syscall(&p, Sysno::tee, [r1, w1, 3, 0]), EINVAL, "the same pipe");
    let f = file(&k, &p, b"abc", OpenFlags::RDWR.bits());
    assert_eq!(k.syscall(&p, Sysno::tee, [f, w2, 3, 0]), EINVAL, "not a pipe");
    assert_eq!(k.syscall(&p, Sysno::tee, [r1, w2, 0, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::tee, [r1, w2, 1, 0x20]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::tee, [99, w2, 1, 0]), EBADF);
}

#[test]
fn vmsplice_writes_into_and_reads_from_a_pipe() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, 0);
    k.poke(&p, BUF + 100, b"abcdef");
    let iov = [Iovec { base: BUF + 100, len: 3 }, Iovec { base: BUF + 103, len: 3 }];
    k.poke(&p, IOV, bytemuck::cast_slice(&iov));
    assert_eq!(k.syscall(&p, Sysno::vmsplice, [w, IOV, 2, 0]), 6);
    let out = [Iovec { base: BUF + 200, len: 4 }];
    k.poke(&p, IOV + 64, bytemuck::cast_slice(&out));
    assert_eq!(k.syscall(&p, Sysno::vmsplice, [r, IOV + 64, 1, 0]), 4);
    assert_eq!(k.peek(&p, BUF + 200, 4), b"abcd");
    assert_eq!(k.syscall(&p, Sysno::vmsplice, [r, IOV + 64, 1, 0]), 2);
    assert_eq!(k.syscall(&p, Sysno::vmsplice, [r, IOV + 64, 1, NONBLOCK]), EAGAIN);
    let f = file(&k, &p, b"abc", OpenFlags::RDWR.bits());
    assert_eq!(k.syscall(&p, Sysno::vmsplice, [f, IOV, 1, 0]), EBADF, "not a pipe");
    assert_eq!(k.syscall(&p, Sysno::vmsplice, [w, IOV, 1, 0x40]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::vmsplice, [w, IOV, 5000, 0]), EINVAL, "more than IOV_MAX");
}

#[test]
fn vmsplice_into_a_pipe_puts_what_fits_and_returns() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, 0);
    let iov = [Iovec { base: BUF, len: 128 * 1024 }];
    k.poke(&p, IOV, bytemuck::cast_slice(&iov));
    assert_eq!(k.syscall(&p, Sysno::vmsplice, [w, IOV, 1, 0]), 64 * 1024, "the pipe's 64 KiB");
    assert_eq!(k.syscall(&p, Sysno::vmsplice, [w, IOV, 1, NONBLOCK]), EAGAIN, "full");
    assert_eq!(read(&k, &p, r, 4096).len(), 4096);
    assert_eq!(k.syscall(&p, Sysno::vmsplice, [w, IOV, 1, 0]), 4096);
    assert_eq!(k.syscall(&p, Sysno::close, [r]), 0);
    assert_eq!(k.syscall(&p, Sysno::vmsplice, [w, IOV, 1, NONBLOCK]), EPIPE, "no reader");
}
