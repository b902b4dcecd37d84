//! pipe2 and pipes through the dispatch table: blocking and non-blocking reads and writes,
//! end of file, EPIPE/SIGPIPE, PIPE_BUF atomicity, 64 KiB capacity, poll and select.
use abi::flags::*;
use abi::structs::{PollFd, SigAction, Stat, Timespec};
use std::sync::{Arc, Mutex};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const FDS: usize = SCRATCH + 0xf_0000;
const BUF: usize = SCRATCH;
const BIG: usize = 256 * 1024;
const AUX: usize = SCRATCH + 0xe_0000;

fn pipe(k: &TestKernel, p: &Caller, flags: u32) -> (usize, usize) {
    assert_eq!(k.syscall(p, Sysno::pipe2, [FDS, flags as usize]), 0);
    let fds: [i32; 2] = k.peek_val(p, FDS);
    (fds[0] as usize, fds[1] as usize)
}

fn write(k: &TestKernel, p: &Caller, fd: usize, data: &[u8]) -> isize {
    k.poke(p, BUF, data);
    k.syscall(p, Sysno::write, [fd, BUF, data.len()])
}

fn read(k: &TestKernel, p: &Caller, fd: usize, len: usize) -> Result<Vec<u8>, isize> {
    match k.syscall(p, Sysno::read, [fd, BUF, len]) {
        n if n >= 0 => Ok(k.peek(p, BUF, n as usize)),
        e => Err(e),
    }
}

fn close(k: &TestKernel, p: &Caller, fd: usize) {
    assert_eq!(k.syscall(p, Sysno::close, [fd]), 0);
}

/// Run a syscall of `p` as a task of its own, starting at virtual time `at` (ns from now);
/// the result appears in the returned cell when it finishes.
fn later(p: &Caller, delay_ns: u64, n: Sysno, args: [usize; 3]) -> Arc<Mutex<Option<isize>>> {
    let res = Arc::new(Mutex::new(None));
    let r = res.clone();
    let cx = Caller::new(p.thread().clone());
    let at = hal::time::now_ns() + delay_ns;
    task::executor::spawn(async move {
        task::executor::sleep_until(at).await;
        let v = syscalls::dispatch(&cx, n.0, [args[0], args[1], args[2], 0, 0, 0]).await;
        *r.lock().unwrap() = Some(v);
    });
    res
}

/// A second process holding `fd` of `p` as its fd 3 (the other end of a pipe).
fn share(k: &TestKernel, p: &Caller, fd: usize) -> (Caller, usize) {
    let q = k.spawn();
    let file = p.file(fd as i32).unwrap();
    let n = q.process().files().insert(file, false).unwrap();
    (q, n as usize)
}

#[test]
fn a_pipe_carries_bytes_in_order() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, 0);
    assert_eq!((r, w), (3, 4), "the lowest free descriptors");
    assert_eq!(write(&k, &p, w, b"hello "), 6);
    assert_eq!(write(&k, &p, w, b"world"), 5);
    assert_eq!(read(&k, &p, r, 3).unwrap(), b"hel");
    assert_eq!(read(&k, &p, r, 100).unwrap(), b"lo world");
    assert_eq!(k.syscall(&p, Sysno::read, [r, BUF, 0]), 0, "a read of nothing returns at once");
}

#[test]
fn the_ends_are_fifos_without_offsets_and_only_one_way() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, 0);
    assert_eq!(k.syscall(&p, Sysno::fstat, [r, AUX]), 0);
    let st: Stat = k.peek_val(&p, AUX);
    assert_eq!(st.st_mode, S_IFIFO | 0o600);
    assert_eq!(k.syscall(&p, Sysno::fstat, [w, AUX]), 0);
    assert_eq!(k.peek_val::<Stat>(&p, AUX).st_ino, st.st_ino, "both ends are one inode");
    assert_eq!(k.syscall(&p, Sysno::lseek, [r, 0, SEEK_CUR as usize]), ESPIPE);
    assert_eq!(k.syscall(&p, Sysno::pread64, [r, BUF, 1, 0]), ESPIPE);
    assert_eq!(write(&k, &p, r, b"x"), EBADF);
    assert_eq!(read(&k, &p, w, 1), Err(EBADF));
    assert_eq!(k.syscall(&p, Sysno::fsync, [w]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [r, F_GETFL as usize]), 0, "pipes are not O_LARGEFILE");
    assert_eq!(k.syscall(&p, Sysno::fcntl, [w, F_GETFL as usize]), 1);
}

#[test]
fn pipe2_flags() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, (OpenFlags::CLOEXEC | OpenFlags::NONBLOCK).bits());
    for fd in [r, w] {
        assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, F_GETFD as usize]), 1);
        assert_ne!(k.syscall(&p, Sysno::fcntl, [fd, F_GETFL as usize]) & OpenFlags::NONBLOCK.bits() as isize, 0);
    }
    assert_eq!(k.syscall(&p, Sysno::pipe2, [FDS, OpenFlags::APPEND.bits() as usize]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::pipe2, [FDS, 0x10_0000_0000]), 0, "the upper half of the register is not the int");
}

#[test]
fn a_bad_array_installs_no_descriptors() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::pipe2, [READONLY, 0]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::pipe2, [UNMAPPED, 0]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::dup, [0]), 3, "fds 3 and 4 are still free");
}

#[test]
fn pipe2_needs_room_for_both_descriptors() {
    let k = TestKernel::new();
    let p = k.spawn();
    p.process().files().set_limit(4);
    assert_eq!(k.syscall(&p, Sysno::pipe2, [FDS, 0]), EMFILE);
    assert_eq!(k.syscall(&p, Sysno::dup, [0]), 3, "the half-made pipe left nothing behind");
}

#[test]
fn a_read_waits_for_a_writer() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, 0);
    let (q, qw) = share(&k, &p, w);
    k.poke(&q, AUX, b"late");
    let t0 = hal::time::now_ns();
    let done = later(&q, 5_000_000, Sysno::write, [qw, AUX, 4]);
    assert_eq!(read(&k, &p, r, 100).unwrap(), b"late");
    assert_eq!(hal::time::now_ns() - t0, 5_000_000, "the reader slept until the write");
    assert_eq!(*done.lock().unwrap(), Some(4));
}

#[test]
fn end_of_file_comes_when_every_writer_is_closed() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, 0);
    let w2 = k.syscall(&p, Sysno::dup, [w]) as usize;
    write(&k, &p, w, b"tail");
    close(&k, &p, w);
    assert_eq!(read(&k, &p, r, 100).unwrap(), b"tail");
    // A dup of the write end keeps the pipe open: a read would wait; poll says nothing yet.
    k.poke(&p, AUX, bytemuck::bytes_of(&PollFd { fd: r as i32, events: PollEvents::IN.bits(), revents: 0 }));
    k.poke(&p, AUX + 64, bytemuck::bytes_of(&Timespec::default()));
    assert_eq!(k.syscall(&p, Sysno::ppoll, [AUX, 1, AUX + 64]), 0);
    close(&k, &p, w2);
    assert_eq!(read(&k, &p, r, 100).unwrap(), b"", "end of file");
    assert_eq!(k.syscall(&p, Sysno::ppoll, [AUX, 1, AUX + 64]), 1);
    assert_eq!(k.peek_val::<PollFd>(&p, AUX).revents, PollEvents::HUP.bits());
}

#[test]
fn closing_the_last_writer_wakes_a_blocked_reader() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, 0);
    let (q, qw) = share(&k, &p, w);
    close(&k, &p, w);
    let t0 = hal::time::now_ns();
    later(&q, 2_000_000, Sysno::close, [qw, 0, 0]);
    assert_eq!(read(&k, &p, r, 10).unwrap(), b"");
    assert_eq!(hal::time::now_ns() - t0, 2_000_000);
}

#[test]
fn a_process_exit_closes_its_ends() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, 0);
    let (q, _) = share(&k, &p, w);
    close(&k, &p, w);
    later(&q, 1_000_000, Sysno::exit_group, [0, 0, 0]);
    assert_eq!(read(&k, &p, r, 10).unwrap(), b"");
}

#[test]
fn a_write_blocks_until_the_reader_makes_room() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, 0);
    let (q, qr) = share(&k, &p, r);
    let data: Vec<u8> = (0..BIG).map(|i| (i % 251) as u8).collect();
    // The reader drains the pipe a little later, in 64 KiB reads, into its own memory.
    let reads: Vec<_> = (0..4)
        .map(|i| later(&q, 1_000_000 * (i + 1), Sysno::read, [qr, SCRATCH + i as usize * 65_536, 65_536]))
        .collect();
    assert_eq!(write(&k, &p, w, &data), BIG as isize, "the whole buffer, waiting for room");
    // The last 64 KiB went in before the last read: let that read happen too.
    let t = hal::time::now_ns();
    task::executor::block_on(task::executor::sleep_until(t + 5_000_000));
    let got: usize = reads.iter().map(|r| r.lock().unwrap().unwrap() as usize).sum();
    assert_eq!(got, BIG);
    assert_eq!(k.peek(&q, SCRATCH, BIG), data);
}

#[test]
fn nonblocking_ends_say_eagain_instead_of_waiting() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, OpenFlags::NONBLOCK.bits());
    assert_eq!(read(&k, &p, r, 10), Err(EAGAIN));
    let big = vec![1u8; 70_000];
    assert_eq!(write(&k, &p, w, &big), 65_536, "a big write takes what fits");
    assert_eq!(write(&k, &p, w, b"x"), EAGAIN);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [w, F_GETPIPE_SZ as usize]), 65_536);
    assert_eq!(read(&k, &p, r, 4096).unwrap().len(), 4096);
    assert_eq!(write(&k, &p, w, &big[..4096]), 4096, "one page became free");
}

#[test]
fn small_writes_are_never_split() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, OpenFlags::NONBLOCK.bits());
    let mut writes = 0;
    while write(&k, &p, w, &[7u8; 100]) == 100 {
        writes += 1;
    }
    assert_eq!(writes, 640, "40 writes fill each of the 16 pages, as on Linux");
    // A blocking PIPE_BUF-sized write waits for a whole free page, then goes in one piece.
    let (q, qr) = share(&k, &p, r);
    k.syscall(&p, Sysno::fcntl, [w, F_SETFL as usize, 0]);
    later(&q, 1_000_000, Sysno::read, [qr, SCRATCH, 4000]);
    assert_eq!(write(&k, &p, w, &[9u8; 4096]), 4096);
}

#[test]
fn writing_without_readers_is_epipe_and_sigpipe_kills() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, 0);
    close(&k, &p, r);
    assert_eq!(write(&k, &p, w, b"x"), EPIPE);
    assert_eq!(k.exit_status(&p), Some(task::process::ExitStatus::Signaled(13)), "SIGPIPE's default action");
}

#[test]
fn with_sigpipe_ignored_the_writer_only_sees_epipe() {
    let k = TestKernel::new();
    let p = k.spawn();
    let ign = SigAction { handler: 1, flags: 0, mask: 0 };
    k.poke(&p, AUX, bytemuck::bytes_of(&ign));
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [13, AUX, 0, 8]), 0);
    let (r, w) = pipe(&k, &p, 0);
    close(&k, &p, r);
    assert_eq!(write(&k, &p, w, b"x"), EPIPE);
    assert_eq!(write(&k, &p, w, b""), 0, "an empty write does not look at the readers");
    assert_eq!(k.exit_status(&p), None);
}

#[test]
fn closing_the_reader_wakes_a_blocked_writer_with_epipe() {
    let k = TestKernel::new();
    let p = k.spawn();
    let ign = SigAction { handler: 1, flags: 0, mask: 0 };
    k.poke(&p, AUX, bytemuck::bytes_of(&ign));
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [13, AUX, 0, 8]), 0);
    let (r, w) = pipe(&k, &p, 0);
    let (q, qr) = share(&k, &p, r);
    close(&k, &p, r);
    assert_eq!(write(&k, &p, w, &vec![0u8; 65_536]), 65_536);
    later(&q, 1_000_000, Sysno::close, [qr, 0, 0]);
    assert_eq!(write(&k, &p, w, b"more"), EPIPE);
}

#[test]
fn poll_reports_each_end_separately() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, 0);
    let both = (PollEvents::IN | PollEvents::OUT).bits();
    let fds = [PollFd { fd: r as i32, events: both, revents: 0 }, PollFd { fd: w as i32, events: both, revents: 0 }];
    k.poke(&p, AUX, bytemuck::cast_slice(&fds));
    k.poke(&p, AUX + 64, bytemuck::bytes_of(&Timespec::default()));
    assert_eq!(k.syscall(&p, Sysno::ppoll, [AUX, 2, AUX + 64]), 1);
    let got: [PollFd; 2] = k.peek_val(&p, AUX);
    assert_eq!(got[0].revents, 0);
    assert_eq!(got[1].revents, (PollEvents::OUT | PollEvents::WRNORM).bits() & both | PollEvents::OUT.bits());
    write(&k, &p, w, b"x");
    assert_eq!(k.syscall(&p, Sysno::ppoll, [AUX, 2, AUX + 64]), 2);
    let got: [PollFd; 2] = k.peek_val(&p, AUX);
    assert_eq!(got[0].revents, PollEvents::IN.bits());
    close(&k, &p, r);
    k.poke(&p, AUX, bytemuck::bytes_of(&PollFd { fd: w as i32, events: both, revents: 0 }));
    assert_eq!(k.syscall(&p, Sysno::ppoll, [AUX, 1, AUX + 64]), 1);
    assert_eq!(
        k.peek_val::<PollFd>(&p, AUX).revents,
        (PollEvents::OUT | PollEvents::ERR).bits(),
        "POLLERR: no readers"
    );
}

#[test]
fn a_blocked_poll_wakes_when_the_pipe_gets_data() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, 0);
    let (q, qw) = share(&k, &p, w);
    k.poke(&q, AUX, b"z");
    later(&q, 3_000_000, Sysno::write, [qw, AUX, 1]);
    k.poke(&p, AUX, bytemuck::bytes_of(&PollFd { fd: r as i32, events: PollEvents::IN.bits(), revents: 0 }));
    let t0 = hal::time::now_ns();
    assert_eq!(k.syscall(&p, Sysno::ppoll, [AUX, 1, 0]), 1);
    assert_eq!(hal::time::now_ns() - t0, 3_000_000);
}

/// pselect6 with one fd_set word per set.
fn select(
    k: &TestKernel,
    p: &Caller,
    nfds: usize,
    rd: Option<u64>,
    wr: Option<u64>,
    tmo_ns: Option<u64>,
) -> (isize, u64, u64) {
    let (rs, ws, ts) = (AUX, AUX + 8, AUX + 32);
    if let Some(v) = rd {
        k.poke(p, rs, &v.to_ne_bytes());
    }
    if let Some(v) = wr {
        k.poke(p, ws, &v.to_ne_bytes());
    }
    if let Some(t) = tmo_ns {
        k.poke(p, ts, bytemuck::bytes_of(&Timespec::from_nanos(t)));
    }
    let n = k.syscall(
        p,
        Sysno::pselect6,
        [nfds, rd.map_or(0, |_| rs), wr.map_or(0, |_| ws), 0, tmo_ns.map_or(0, |_| ts), 0],
    );
    (n, k.peek_val(p, rs), k.peek_val(p, ws))
}

#[test]
fn pselect_reports_ready_descriptors_as_bits() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, 0);
    let (rb, wb) = (1u64 << r, 1u64 << w);
    let (n, rd, wr) = select(&k, &p, w + 1, Some(rb), Some(wb), Some(0));
    assert_eq!((n, rd, wr), (1, 0, wb));
    write(&k, &p, w, b"x");
    let (n, rd, wr) = select(&k, &p, w + 1, Some(rb | wb), Some(wb), Some(0));
    assert_eq!((n, rd, wr), (2, rb, wb), "the write end is never readable");
    close(&k, &p, w);
    read(&k, &p, r, 10).unwrap();
    let (n, rd, _) = select(&k, &p, r + 1, Some(rb), None, None);
    assert_eq!((n, rd), (1, rb), "end of file counts as readable");
}

#[test]
fn pselect_times_out_and_updates_the_timeout() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, _w) = pipe(&k, &p, 0);
    let t0 = hal::time::now_ns();
    let (n, rd, _) = select(&k, &p, r + 1, Some(1 << r), None, Some(4_000_000));
    assert_eq!((n, rd), (0, 0));
    assert_eq!(hal::time::now_ns() - t0, 4_000_000);
    assert_eq!(k.peek_val::<Timespec>(&p, AUX + 32), Timespec::default(), "no time left");
}

#[test]
fn pselect_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (n, _, _) = select(&k, &p, 10, Some(1 << 9), None, Some(0));
    assert_eq!(n, EBADF, "fd 9 is not open");
    assert_eq!(k.syscall(&p, Sysno::pselect6, [usize::MAX, 0, 0, 0, 0, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::pselect6, [3, UNMAPPED, 0, 0, 0, 0]), EFAULT);
    k.poke(&p, AUX + 32, bytemuck::bytes_of(&Timespec { tv_sec: 0, tv_nsec: 2_000_000_000 }));
    assert_eq!(k.syscall(&p, Sysno::pselect6, [0, 0, 0, 0, AUX + 32, 0]), EINVAL);
    // The sigmask argument: {pointer, size}; the size must be 8 when a mask is given.
    k.poke(&p, AUX + 64, bytemuck::bytes_of(&[AUX + 96, 4]));
    k.poke(&p, AUX + 32, bytemuck::bytes_of(&Timespec::default()));
    assert_eq!(k.syscall(&p, Sysno::pselect6, [0, 0, 0, 0, AUX + 32, AUX + 64]), EINVAL);
    k.poke(&p, AUX + 64, bytemuck::bytes_of(&[AUX + 96, 8]));
    assert_eq!(k.syscall(&p, Sysno::pselect6, [0, 0, 0, 0, AUX + 32, AUX + 64]), 0);
}

#[test]
fn pipe_sizes_can_change() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p, OpenFlags::NONBLOCK.bits());
    assert_eq!(
        k.syscall(&p, Sysno::fcntl, [w, F_SETPIPE_SZ as usize, 5000]),
        8192,
        "rounded up to a power of two pages"
    );
    assert_eq!(write(&k, &p, w, &[0u8; 10_000]), 8192);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [r, F_SETPIPE_SZ as usize, 4096]), EBUSY, "the data would not fit");
    assert_eq!(k.syscall(&p, Sysno::fcntl, [0, F_GETPIPE_SZ as usize]), EBADF, "not a pipe");
}

fn mkfifo(k: &TestKernel, p: &Caller, path: &str) {
    k.poke_str(p, AUX, path);
    assert_eq!(k.syscall(p, Sysno::mknodat, [AT_FDCWD as usize, AUX, (S_IFIFO | 0o600) as usize, 0]), 0);
}

fn open_at(k: &TestKernel, p: &Caller, path: &str, flags: OpenFlags) -> isize {
    k.poke_str(p, AUX + 256, path);
    k.syscall(p, Sysno::openat, [AT_FDCWD as usize, AUX + 256, flags.bits() as usize])
}

#[test]
fn a_fifo_open_waits_for_the_other_side() {
    let k = TestKernel::new();
    let p = k.spawn();
    mkfifo(&k, &p, "/tmp/f");
    let q = k.spawn();
    k.poke_str(&q, AUX + 256, "/tmp/f");
    let t0 = hal::time::now_ns();
    let writer = later(&q, 2_000_000, Sysno::openat, [AT_FDCWD as usize, AUX + 256, OpenFlags::WRONLY.bits() as usize]);
    let r = open_at(&k, &p, "/tmp/f", OpenFlags::empty());
    assert!(r >= 0);
    assert_eq!(hal::time::now_ns() - t0, 2_000_000, "the reader waited for the writer");
    let w = writer.lock().unwrap().expect("the writer's open finished");
    assert!(w >= 0);
    k.poke(&q, AUX, b"fifo!");
    assert_eq!(k.syscall(&q, Sysno::write, [w as usize, AUX, 5]), 5);
    assert_eq!(read(&k, &p, r as usize, 10).unwrap(), b"fifo!");
    assert_eq!(k.syscall(&q, Sysno::close, [w as usize]), 0);
    assert_eq!(read(&k, &p, r as usize, 10).unwrap(), b"", "EOF once the writer is gone");
}

#[test]
fn nonblocking_fifo_opens_do_not_wait() {
    let k = TestKernel::new();
    let p = k.spawn();
    mkfifo(&k, &p, "/tmp/f");
    assert_eq!(open_at(&k, &p, "/tmp/f", OpenFlags::WRONLY | OpenFlags::NONBLOCK), ENXIO, "no reader");
    let r = open_at(&k, &p, "/tmp/f", OpenFlags::NONBLOCK);
    assert!(r >= 0);
    assert_eq!(read(&k, &p, r as usize, 1).unwrap(), b"", "no writer: end of file");
    let w = open_at(&k, &p, "/tmp/f", OpenFlags::WRONLY | OpenFlags::NONBLOCK);
    assert!(w >= 0, "now there is a reader");
    let rw = open_at(&k, &p, "/tmp/f", OpenFlags::RDWR);
    assert!(rw >= 0, "O_RDWR never waits");
    assert_eq!(k.syscall(&p, Sysno::fcntl, [w as usize, F_GETPIPE_SZ as usize]), 65_536);
    assert_eq!(k.syscall(&p, Sysno::fstat, [r as usize, AUX]), 0);
    assert_eq!(k.peek_val::<Stat>(&p, AUX).st_mode, S_IFIFO | 0o600);
}
