//! epoll, eventfd and timerfd through the dispatch table: readiness of each file kind, level-
//! and edge-triggered reporting, one-shot entries, nesting, closed files leaving the set, the
//! error paths Linux has, and waits woken by other tasks and by the (virtual) clock.
use abi::events::*;
use abi::flags::*;
use abi::structs::Timespec;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const FDS: usize = SCRATCH + 0xf_0000;
const EV: usize = SCRATCH + 0xe_0000;
const OUT: usize = SCRATCH + 0xd_0000;
const BUF: usize = SCRATCH;
const SPEC: usize = SCRATCH + 0xc_0000;

const IN: u32 = EpollFlags::IN.bits();
const OUTB: u32 = EpollFlags::OUT.bits();

fn pipe(k: &TestKernel, p: &Caller) -> (usize, usize) {
    assert_eq!(k.syscall(p, Sysno::pipe2, [FDS, 0]), 0);
    let fds: [i32; 2] = k.peek_val(p, FDS);
    (fds[0] as usize, fds[1] as usize)
}

fn epoll(k: &TestKernel, p: &Caller) -> usize {
    let fd = k.syscall(p, Sysno::epoll_create1, [0]);
    assert!(fd >= 0);
    fd as usize
}

fn ctl(k: &TestKernel, p: &Caller, ep: usize, op: i32, fd: usize, events: u32, data: u64) -> isize {
    k.poke(p, EV, bytemuck::bytes_of(&EpollEvent { events, _pad: 0, data }));
    k.syscall(p, Sysno::epoll_ctl, [ep, op as usize, fd, EV])
}

/// epoll_pwait with a timeout in ms: the (events, data) reported.
fn wait(k: &TestKernel, p: &Caller, ep: usize, max: usize, timeout: i32) -> Result<Vec<(u32, u64)>, isize> {
    let n = k.syscall(p, Sysno::epoll_pwait, [ep, OUT, max, timeout as usize, 0, 8]);
    if n < 0 {
        return Err(n);
    }
    Ok((0..n as usize).map(|i| k.peek_val::<EpollEvent>(p, OUT + 16 * i)).map(|e| (e.events, e.data)).collect())
}

fn write(k: &TestKernel, p: &Caller, fd: usize, data: &[u8]) -> isize {
    k.poke(p, BUF, data);
    k.syscall(p, Sysno::write, [fd, BUF, data.len()])
}

fn read_u64(k: &TestKernel, p: &Caller, fd: usize) -> Result<u64, isize> {
    match k.syscall(p, Sysno::read, [fd, BUF, 8]) {
        8 => Ok(k.peek_val(p, BUF)),
        e => Err(e),
    }
}

#[test]
fn level_triggered_reports_while_ready() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p);
    let ep = epoll(&k, &p);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, r, IN, 7), 0);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![]));
    assert_eq!(write(&k, &p, w, b"x"), 1);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![(IN, 7)]));
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![(IN, 7)]), "still ready: reported again");
    assert_eq!(k.syscall(&p, Sysno::read, [r, BUF, 1]), 1);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![]));
    // The write end, watched for output; closing it makes the read end HUP.
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, w, OUTB, 8), 0);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![(OUTB, 8)]));
    assert_eq!(k.syscall(&p, Sysno::close, [w]), 0);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![(EpollFlags::HUP.bits(), 7)]), "HUP is always reported");
}

#[test]
fn edge_triggered_reports_each_change_once_and_oneshot_until_mod() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p);
    let ep = epoll(&k, &p);
    assert_eq!(write(&k, &p, w, b"a"), 1);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, r, IN | EpollFlags::ET.bits(), 1), 0);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![(IN, 1)]), "ready when added");
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![]), "no new event");
    assert_eq!(write(&k, &p, w, b"b"), 1);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![(IN, 1)]), "a new write is a new edge");
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![]));

    let (r2, w2) = pipe(&k, &p);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, r2, IN | EpollFlags::ONESHOT.bits(), 2), 0);
    assert_eq!(write(&k, &p, w2, b"c"), 1);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![(IN, 2)]));
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![]), "disabled after one report");
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_MOD, r2, IN | EpollFlags::ONESHOT.bits(), 3), 0);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![(IN, 3)]), "re-armed by MOD, with the new data");
}

#[test]
fn small_maxevents_takes_turns() {
    let k = TestKernel::new();
    let p = k.spawn();
    let ep = epoll(&k, &p);
    let mut ids = Vec::new();
    for i in 0..3u64 {
        let (r, w) = pipe(&k, &p);
        assert_eq!(write(&k, &p, w, b"x"), 1);
        assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, r, IN, i), 0);
        ids.push(i);
    }
    let mut seen = Vec::new();
    for _ in 0..3 {
        let got = wait(&k, &p, ep, 1, 0).unwrap();
        assert_eq!(got.len(), 1);
        seen.push(got[0].1);
    }
    seen.sort();
    assert_eq!(seen, ids, "every ready entry had its turn");
}

#[test]
fn ctl_errors_are_linuxs() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, _w) = pipe(&k, &p);
    let ep = epoll(&k, &p);
    assert_eq!(k.syscall(&p, Sysno::epoll_create1, [1]), EINVAL);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, r, IN, 0), 0);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, r, IN, 0), EEXIST);
    assert_eq!(ctl(&k, &p, ep, 9, r, IN, 0), EINVAL);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, ep, IN, 0), EINVAL, "an epoll cannot watch itself");
    assert_eq!(ctl(&k, &p, r, EPOLL_CTL_ADD, ep, IN, 0), EINVAL, "epfd is not an epoll");
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, 99, IN, 0), EBADF);
    assert_eq!(ctl(&k, &p, 99, EPOLL_CTL_ADD, r, IN, 0), EBADF);
    let file = k.open_ok(&p, "/tmp/f", (OpenFlags::CREAT | OpenFlags::RDWR).bits());
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, file, IN, 0), EPERM, "regular files cannot be watched");
    let (r2, _w2) = pipe(&k, &p);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_MOD, r2, IN, 0), ENOENT);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_DEL, r2, IN, 0), ENOENT);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_DEL, r, 0, 0), 0);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_DEL, r, 0, 0), ENOENT);
    // EPOLLEXCLUSIVE: accepted on ADD, never with MOD or ONESHOT.
    let ex = IN | EpollFlags::EXCLUSIVE.bits();
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, r2, ex | EpollFlags::ONESHOT.bits(), 0), EINVAL);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, r2, ex, 0), 0);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_MOD, r2, IN, 0), EINVAL);
    // A bad event pointer.
    assert_eq!(k.syscall(&p, Sysno::epoll_ctl, [ep, EPOLL_CTL_ADD as usize, r, UNMAPPED]), EFAULT);
    // epoll_wait's own checks.
    assert_eq!(wait(&k, &p, ep, 0, 0), Err(EINVAL));
    assert_eq!(wait(&k, &p, r, 1, 0), Err(EINVAL));
    assert_eq!(k.syscall(&p, Sysno::epoll_pwait, [ep, OUT, 1, 0, SPEC, 4]), EINVAL, "sigsetsize");
}

#[test]
fn nested_epolls_see_each_other_and_loops_are_refused() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p);
    let (a, b) = (epoll(&k, &p), epoll(&k, &p));
    assert_eq!(ctl(&k, &p, a, EPOLL_CTL_ADD, r, IN, 1), 0);
    assert_eq!(ctl(&k, &p, b, EPOLL_CTL_ADD, a, IN, 2), 0);
    assert_eq!(ctl(&k, &p, a, EPOLL_CTL_ADD, b, IN, 3), ELOOP);
    assert_eq!(wait(&k, &p, b, 8, 0), Ok(vec![]));
    assert_eq!(write(&k, &p, w, b"x"), 1);
    assert_eq!(wait(&k, &p, b, 8, 0), Ok(vec![(IN, 2)]), "the inner epoll is readable");
    // poll(2) on an epoll: readable when it has something to report.
    k.poke(&p, SPEC, bytemuck::bytes_of(&abi::structs::PollFd { fd: a as i32, events: 1, revents: 0 }));
    assert_eq!(k.syscall(&p, Sysno::ppoll, [SPEC, 1, 0, 0, 0]), 1);
}

#[test]
fn a_closed_file_leaves_the_set_but_a_dup_keeps_it() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p);
    let ep = epoll(&k, &p);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, r, IN, 5), 0);
    let dup = k.syscall(&p, Sysno::dup, [r]) as usize;
    assert_eq!(k.syscall(&p, Sysno::close, [r]), 0);
    assert_eq!(write(&k, &p, w, b"x"), 1);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![(IN, 5)]), "the description is still open");
    assert_eq!(k.syscall(&p, Sysno::close, [dup]), 0);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![]), "gone with its last descriptor");
}

#[test]
fn epoll_wait_sleeps_until_a_write_or_the_timeout() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (r, w) = pipe(&k, &p);
    let ep = epoll(&k, &p);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, r, IN, 9), 0);
    let start = hal::time::now_ns();
    assert_eq!(wait(&k, &p, ep, 8, 25), Ok(vec![]));
    assert_eq!(hal::time::now_ns() - start, 25_000_000, "slept exactly the timeout (virtual time)");
    k.poke(&p, BUF + 64, b"y");
    k.syscall_later(&p, Sysno::write, [w, BUF + 64, 1]);
    assert_eq!(wait(&k, &p, ep, 8, -1), Ok(vec![(IN, 9)]), "woken by the other task's write");
    // epoll_pwait2 with a timespec.
    assert_eq!(k.syscall(&p, Sysno::read, [r, BUF, 1]), 1);
    k.poke(&p, SPEC, bytemuck::bytes_of(&Timespec { tv_sec: 0, tv_nsec: 1_000_000 }));
    assert_eq!(k.syscall(&p, Sysno::epoll_pwait2, [ep, OUT, 8, SPEC, 0, 8]), 0);
    k.poke(&p, SPEC, bytemuck::bytes_of(&Timespec { tv_sec: 0, tv_nsec: 2_000_000_000 }));
    assert_eq!(k.syscall(&p, Sysno::epoll_pwait2, [ep, OUT, 8, SPEC, 0, 8]), EINVAL);
}

#[test]
fn eventfd_counts_and_wakes() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::eventfd2, [0, 0x100]), EINVAL);
    let e = k.syscall(&p, Sysno::eventfd2, [2, EFD_NONBLOCK as usize]) as usize;
    assert_eq!(write(&k, &p, e, &5u64.to_ne_bytes()), 8);
    assert_eq!(read_u64(&k, &p, e), Ok(7));
    assert_eq!(read_u64(&k, &p, e), Err(EAGAIN));
    assert_eq!(k.syscall(&p, Sysno::read, [e, BUF, 4]), EINVAL);
    assert_eq!(write(&k, &p, e, &u64::MAX.to_ne_bytes()), EINVAL);
    let sem = k.syscall(&p, Sysno::eventfd2, [2, (EFD_SEMAPHORE | EFD_CLOEXEC) as usize]) as usize;
    assert_eq!((read_u64(&k, &p, sem), read_u64(&k, &p, sem)), (Ok(1), Ok(1)));
    // A blocking read waits for a write from another task.
    k.poke(&p, BUF + 64, &3u64.to_ne_bytes());
    k.syscall_later(&p, Sysno::write, [sem, BUF + 64, 8]);
    assert_eq!(read_u64(&k, &p, sem), Ok(1));
    // Readiness through epoll.
    let ep = epoll(&k, &p);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, e, IN | OUTB, 4), 0);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![(OUTB, 4)]));
    assert_eq!(write(&k, &p, e, &1u64.to_ne_bytes()), 8);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![(IN | OUTB, 4)]));
    // fstat: an anonymous inode.
    assert_eq!(k.syscall(&p, Sysno::fstat, [e, SPEC]), 0);
    assert_eq!(k.peek_val::<abi::structs::Stat>(&p, SPEC).st_mode, 0o600);
}

fn settime(k: &TestKernel, p: &Caller, fd: usize, flags: u32, value: u64, interval: u64) -> isize {
    let spec = ItimerSpec { interval: Timespec::from_nanos(interval), value: Timespec::from_nanos(value) };
    k.poke(p, SPEC, bytemuck::bytes_of(&spec));
    k.syscall(p, Sysno::timerfd_settime, [fd, flags as usize, SPEC, SPEC + 64])
}

fn sleep_ms(k: &TestKernel, p: &Caller, ms: u64) {
    k.poke(p, SPEC + 128, bytemuck::bytes_of(&Timespec::from_nanos(ms * 1_000_000)));
    assert_eq!(k.syscall(p, Sysno::nanosleep, [SPEC + 128, 0]), 0);
}

#[test]
fn timerfd_counts_expirations_by_the_clock() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::timerfd_create, [CLOCK_PROCESS_CPUTIME_ID, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::timerfd_create, [CLOCK_MONOTONIC, 1]), EINVAL);
    let t = k.syscall(&p, Sysno::timerfd_create, [CLOCK_MONOTONIC, TFD_NONBLOCK as usize]) as usize;
    assert_eq!(read_u64(&k, &p, t), Err(EAGAIN), "disarmed");
    assert_eq!(settime(&k, &p, t, 0, 10_000_000, 0), 0);
    assert_eq!(read_u64(&k, &p, t), Err(EAGAIN));
    sleep_ms(&k, &p, 10);
    assert_eq!(read_u64(&k, &p, t), Ok(1));
    assert_eq!(read_u64(&k, &p, t), Err(EAGAIN), "one-shot: read once");
    // Every 2 ms from 2 ms on: 10 ms later, 5 expirations; gettime tells the rest.
    assert_eq!(settime(&k, &p, t, 0, 2_000_000, 2_000_000), 0);
    sleep_ms(&k, &p, 11);
    assert_eq!(read_u64(&k, &p, t), Ok(5));
    assert_eq!(k.syscall(&p, Sysno::timerfd_gettime, [t, SPEC]), 0);
    let cur: ItimerSpec = k.peek_val(&p, SPEC);
    assert_eq!((cur.value, cur.interval), (Timespec::from_nanos(1_000_000), Timespec::from_nanos(2_000_000)));
    // settime returns the old setting and drops unread expirations; 0 disarms.
    sleep_ms(&k, &p, 3);
    assert_eq!(settime(&k, &p, t, 0, 0, 0), 0);
    let old: ItimerSpec = k.peek_val(&p, SPEC + 64);
    assert_eq!(old.interval, Timespec::from_nanos(2_000_000));
    assert_eq!(read_u64(&k, &p, t), Err(EAGAIN));
    // An absolute time already past expires at once.
    assert_eq!(settime(&k, &p, t, TFD_TIMER_ABSTIME, 1, 0), 0);
    assert_eq!(read_u64(&k, &p, t), Ok(1));
    // Errors.
    assert_eq!(settime(&k, &p, t, 4, 1, 0), EINVAL);
    let bad = ItimerSpec { interval: Timespec::default(), value: Timespec { tv_sec: 0, tv_nsec: 1_000_000_000 } };
    k.poke(&p, SPEC, bytemuck::bytes_of(&bad));
    assert_eq!(k.syscall(&p, Sysno::timerfd_settime, [t, 0, SPEC, 0]), EINVAL);
    let (r, _w) = pipe(&k, &p);
    assert_eq!(settime(&k, &p, r, 0, 1, 0), EINVAL, "not a timerfd");
    assert_eq!(k.syscall(&p, Sysno::timerfd_gettime, [99, SPEC]), EBADF);
}

#[test]
fn a_blocking_timerfd_read_and_epoll_wake_at_the_deadline() {
    let k = TestKernel::new();
    let p = k.spawn();
    let t = k.syscall(&p, Sysno::timerfd_create, [CLOCK_MONOTONIC, 0]) as usize;
    let start = hal::time::now_ns();
    assert_eq!(settime(&k, &p, t, 0, 7_000_000, 0), 0);
    assert_eq!(read_u64(&k, &p, t), Ok(1));
    assert_eq!(hal::time::now_ns() - start, 7_000_000, "woken at the deadline (virtual time)");
    let ep = epoll(&k, &p);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, t, IN, 11), 0);
    assert_eq!(settime(&k, &p, t, 0, 3_000_000, 0), 0);
    assert_eq!(wait(&k, &p, ep, 8, -1), Ok(vec![(IN, 11)]));
    assert_eq!(hal::time::now_ns() - start, 10_000_000);
}

fn block_signals(k: &TestKernel, p: &Caller, set: u64) {
    k.poke(p, SPEC + 256, &set.to_le_bytes());
    assert_eq!(k.syscall(p, Sysno::rt_sigprocmask, [0, SPEC + 256, 0, 8]), 0);
}

fn signalfd(k: &TestKernel, p: &Caller, fd: isize, set: u64, flags: u32) -> isize {
    k.poke(p, SPEC + 264, &set.to_le_bytes());
    k.syscall(p, Sysno::signalfd4, [fd as usize, SPEC + 264, 8, flags as usize])
}

#[test]
fn signalfd_reads_blocked_signals() {
    use abi::signal::{sigbit, SIGUSR1, SIGUSR2, SI_USER};
    let k = TestKernel::new();
    let p = k.spawn();
    let pid = p.process().pid;
    block_signals(&k, &p, sigbit(SIGUSR1) | sigbit(SIGUSR2));
    let s = signalfd(&k, &p, -1, sigbit(SIGUSR1), SFD_NONBLOCK);
    assert!(s >= 0);
    let s = s as usize;
    assert_eq!(k.syscall(&p, Sysno::read, [s, BUF, 128]), EAGAIN);
    assert_eq!(k.syscall(&p, Sysno::kill, [pid, SIGUSR1]), 0);
    assert_eq!(k.syscall(&p, Sysno::read, [s, BUF, 127]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::read, [s, BUF, 300]), 128);
    let info: SignalfdSiginfo = k.peek_val(&p, BUF);
    assert_eq!((info.signo, info.code, info.pid), (SIGUSR1 as u32, SI_USER, pid as u32));
    assert_eq!(k.syscall(&p, Sysno::read, [s, BUF, 128]), EAGAIN, "taken: no longer pending");
    // SIGUSR2 is pending but not in the mask, until the mask is changed.
    assert_eq!(k.syscall(&p, Sysno::kill, [pid, SIGUSR2]), 0);
    assert_eq!(k.syscall(&p, Sysno::read, [s, BUF, 128]), EAGAIN);
    assert_eq!(signalfd(&k, &p, s as isize, sigbit(SIGUSR1) | sigbit(SIGUSR2), 0), s as isize);
    assert_eq!(k.syscall(&p, Sysno::kill, [pid, SIGUSR1]), 0);
    assert_eq!(k.syscall(&p, Sysno::read, [s, BUF, 256]), 256, "two signals, lowest first");
    assert_eq!(k.peek_val::<SignalfdSiginfo>(&p, BUF).signo, SIGUSR1 as u32);
    assert_eq!(k.peek_val::<SignalfdSiginfo>(&p, BUF + 128).signo, SIGUSR2 as u32);
    // Readiness through epoll, and a blocking read woken by a kill from elsewhere.
    let ep = epoll(&k, &p);
    assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, s, IN, 1), 0);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![]));
    assert_eq!(k.syscall(&p, Sysno::kill, [pid, SIGUSR2]), 0);
    assert_eq!(wait(&k, &p, ep, 8, 0), Ok(vec![(IN, 1)]));
    assert_eq!(k.syscall(&p, Sysno::read, [s, BUF, 128]), 128);
    let b = signalfd(&k, &p, -1, sigbit(SIGUSR1), 0) as usize;
    k.syscall_later(&p, Sysno::kill, [pid, SIGUSR1]);
    assert_eq!(k.syscall(&p, Sysno::read, [b, BUF, 128]), 128);
    // Errors.
    k.poke(&p, SPEC + 264, &0u64.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::signalfd4, [usize::MAX, SPEC + 264, 4, 0]), EINVAL);
    assert_eq!(signalfd(&k, &p, -1, 0, 1), EINVAL);
    let (r, _w) = pipe(&k, &p);
    assert_eq!(signalfd(&k, &p, r as isize, 0, 0), EINVAL, "not a signalfd");
    assert_eq!(signalfd(&k, &p, 99, 0, 0), EBADF);
    assert_eq!(k.syscall(&p, Sysno::signalfd4, [usize::MAX, UNMAPPED, 8, 0]), EFAULT);
}

/// epoll_wait looks only at the entries whose file may have changed (woken since last looked at,
/// or ready then): readiness must still follow every write and read among many entries.
#[test]
fn many_entries_report_exactly_the_ready_ones_as_they_change() {
    let k = TestKernel::new();
    let p = k.spawn();
    let ep = epoll(&k, &p);
    let fds: Vec<usize> = (0..64)
        .map(|_| {
            let fd = k.syscall(&p, Sysno::eventfd2, [0, 0]);
            assert!(fd >= 0);
            fd as usize
        })
        .collect();
    for (i, &fd) in fds.iter().enumerate() {
        assert_eq!(ctl(&k, &p, ep, EPOLL_CTL_ADD, fd, IN, i as u64), 0);
    }
    assert_eq!(wait(&k, &p, ep, 64, 0), Ok(vec![]));
    assert_eq!(write(&k, &p, fds[32], &1u64.to_ne_bytes()), 8);
    for _ in 0..3 {
        assert_eq!(wait(&k, &p, ep, 64, 0), Ok(vec![(IN, 32)]), "level-triggered: while ready");
    }
    assert_eq!(write(&k, &p, fds[5], &1u64.to_ne_bytes()), 8);
    assert_eq!(wait(&k, &p, ep, 64, 0), Ok(vec![(IN, 5), (IN, 32)]));
    assert_eq!(read_u64(&k, &p, fds[32]), Ok(1));
    assert_eq!(wait(&k, &p, ep, 64, 0), Ok(vec![(IN, 5)]));
    assert_eq!(read_u64(&k, &p, fds[5]), Ok(1));
    assert_eq!(wait(&k, &p, ep, 64, 0), Ok(vec![]));
    assert_eq!(wait(&k, &p, ep, 64, 0), Ok(vec![]));
    // A new write to an entry not looked at for a while is seen.
    assert_eq!(write(&k, &p, fds[63], &1u64.to_ne_bytes()), 8);
    assert_eq!(wait(&k, &p, ep, 64, 0), Ok(vec![(IN, 63)]));
}
