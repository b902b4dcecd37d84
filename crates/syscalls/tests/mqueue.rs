//! POSIX message queues through the dispatcher: mq_open, mq_unlink, mq_timedsend,
//! mq_timedreceive, mq_notify, mq_getsetattr, with Linux 6.1's values and errors
//! (ipc/mqueue.c). The kernel gets a name without the C library's leading '/'. Each test thread
//! has its own namespace of queues (and its own /proc/sys/fs/mqueue limits).
use abi::flags::*;
use abi::signal::*;
use abi::structs::{MqAttr, PollFd, Rlimit, Stat, Timespec};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const NAME: usize = SCRATCH;
const ATTR: usize = SCRATCH + 0x1000;
const OLD: usize = SCRATCH + 0x1100;
const PRIO: usize = SCRATCH + 0x1200;
const TS: usize = SCRATCH + 0x1300;
const SEV: usize = SCRATCH + 0x1400;
const SET: usize = SCRATCH + 0x1500;
const INFO: usize = SCRATCH + 0x1600;
const MSG: usize = SCRATCH + 0x2_0000;
const RCV: usize = SCRATCH + 0x4_0000;

const O_RDONLY: usize = 0;
const O_WRONLY: usize = 1;
const O_RDWR: usize = 2;
const O_CREAT: usize = OpenFlags::CREAT.bits() as usize;
const O_EXCL: usize = OpenFlags::EXCL.bits() as usize;
const O_NONBLOCK: usize = OpenFlags::NONBLOCK.bits() as usize;

/// mq_open(name, flags, mode, attr): `attr` (mq_maxmsg, mq_msgsize) or NULL.
fn open(k: &TestKernel, p: &Caller, name: &str, flags: usize, mode: usize, attr: Option<(i64, i64)>) -> isize {
    k.poke_str(p, NAME, name);
    let at = match attr {
        Some((maxmsg, msgsize)) => {
            k.poke(
                p,
                ATTR,
                bytemuck::bytes_of(&MqAttr { mq_maxmsg: maxmsg, mq_msgsize: msgsize, ..Default::default() }),
            );
            ATTR
        }
        None => 0,
    };
    k.syscall(p, Sysno::mq_open, [NAME, flags, mode, at])
}

/// A new queue `name` (O_CREAT | O_EXCL | O_RDWR, 0600): its descriptor.
fn create(k: &TestKernel, p: &Caller, name: &str, attr: Option<(i64, i64)>) -> usize {
    let fd = open(k, p, name, O_CREAT | O_EXCL | O_RDWR, 0o600, attr);
    assert!(fd >= 3, "mq_open {name}: {fd}");
    fd as usize
}

fn unlink(k: &TestKernel, p: &Caller, name: &str) -> isize {
    k.poke_str(p, NAME, name);
    k.syscall(p, Sysno::mq_unlink, [NAME])
}

/// The CLOCK_REALTIME time `ns` from now.
fn realtime_in(ns: u64) -> Timespec {
    Timespec::from_nanos(hal::time::boot_epoch_ns() + hal::time::now_ns() + ns)
}

/// mq_timedsend of `data` with priority `prio`, without a timeout (NULL) or with `ts`.
fn send_at(k: &TestKernel, p: &Caller, fd: usize, data: &[u8], prio: usize, ts: Option<Timespec>) -> isize {
    k.poke(p, MSG, data);
    let at = match ts {
        Some(t) => {
            k.poke(p, TS, bytemuck::bytes_of(&t));
            TS
        }
        None => 0,
    };
    k.syscall(p, Sysno::mq_timedsend, [fd, MSG, data.len(), prio, at])
}

fn send(k: &TestKernel, p: &Caller, fd: usize, data: &[u8], prio: usize) -> isize {
    send_at(k, p, fd, data, prio, None)
}

/// mq_timedreceive into a buffer of `len` bytes: the result, the priority and the message.
fn receive_at(k: &TestKernel, p: &Caller, fd: usize, len: usize, ts: Option<Timespec>) -> (isize, u32, Vec<u8>) {
    k.poke(p, PRIO, &[0xff; 4]);
    let at = match ts {
        Some(t) => {
            k.poke(p, TS, bytemuck::bytes_of(&t));
            TS
        }
        None => 0,
    };
    let r = k.syscall(p, Sysno::mq_timedreceive, [fd, RCV, len, PRIO, at]);
    let data = if r > 0 { k.peek(p, RCV, r as usize) } else { Vec::new() };
    (r, k.peek_val(p, PRIO), data)
}

fn receive(k: &TestKernel, p: &Caller, fd: usize) -> (isize, u32, Vec<u8>) {
    receive_at(k, p, fd, 8192, None)
}

/// mq_getsetattr(fd, NULL, &old).
fn attr(k: &TestKernel, p: &Caller, fd: usize) -> MqAttr {
    assert_eq!(k.syscall(p, Sysno::mq_getsetattr, [fd, 0, OLD]), 0);
    k.peek_val(p, OLD)
}

fn notify(k: &TestKernel, p: &Caller, fd: usize, ev: Option<SigEvent>) -> isize {
    let at = match ev {
        Some(e) => {
            k.poke(p, SEV, bytemuck::bytes_of(&e));
            SEV
        }
        None => 0,
    };
    k.syscall(p, Sysno::mq_notify, [fd, at])
}

fn sigev(signo: usize, value: u64) -> SigEvent {
    SigEvent { value, signo: signo as i32, notify: SIGEV_SIGNAL, ..Default::default() }
}

fn block_all(k: &TestKernel, p: &Caller) {
    k.poke(p, SET, &u64::MAX.to_le_bytes());
    assert_eq!(k.syscall(p, Sysno::rt_sigprocmask, [SIG_SETMASK, SET, 0, 8]), 0);
}

/// A pending `sig`, taken without waiting: its siginfo, or None.
fn take_signal(k: &TestKernel, p: &Caller, sig: usize) -> Option<SigInfo> {
    k.poke(p, SET, &sigbit(sig).to_le_bytes());
    k.poke(p, TS + 0x80, bytemuck::bytes_of(&Timespec::default()));
    match k.syscall(p, Sysno::rt_sigtimedwait, [SET, INFO, TS + 0x80, 8]) {
        r if r == sig as isize => Some(k.peek_val(p, INFO)),
        EAGAIN => None,
        r => panic!("rt_sigtimedwait: {r}"),
    }
}

fn sleep_ms(k: &TestKernel, p: &Caller, ms: u64) {
    k.poke(p, TS + 0x80, bytemuck::bytes_of(&Timespec::from_nanos(ms * 1_000_000)));
    assert_eq!(k.syscall(p, Sysno::nanosleep, [TS + 0x80, 0]), 0);
}

/// A child of `p` with uid, gid and every other id `id` (no capabilities).
fn user(k: &TestKernel, p: &Caller, id: usize) -> Caller {
    let c = k.fork(p);
    assert_eq!(k.syscall(&c, Sysno::setgid, [id]), 0);
    assert_eq!(k.syscall(&c, Sysno::setuid, [id]), 0);
    c
}

fn pid(p: &Caller) -> usize {
    p.process().pid
}

#[test]
fn open_creates_finds_and_refuses_as_linux() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = create(&k, &p, "q", None);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, F_GETFD as usize]), FD_CLOEXEC as isize, "close-on-exec");
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, F_GETFL as usize]), O_RDWR as isize);
    let a = attr(&k, &p, fd);
    assert_eq!((a.mq_flags, a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs), (0, 10, 8192, 0), "Linux's defaults");
    assert_eq!(k.syscall(&p, Sysno::fstat, [fd, OLD]), 0);
    let st: Stat = k.peek_val(&p, OLD);
    assert_eq!((st.st_mode, st.st_uid, st.st_nlink, st.st_size), (S_IFREG | 0o600, 0, 1, 80));
    // The same queue again, by name; O_EXCL refuses; the attributes of an existing queue stay.
    let again = open(&k, &p, "q", O_CREAT | O_RDONLY, 0o600, Some((1, 1)));
    assert!(again > fd as isize);
    assert_eq!(attr(&k, &p, again as usize).mq_maxmsg, 10);
    assert_eq!(open(&k, &p, "q", O_CREAT | O_EXCL | O_RDWR, 0o600, None), EEXIST);
    assert_eq!(open(&k, &p, "q", O_WRONLY | O_RDWR, 0, None), EINVAL, "access mode 3");
    assert_eq!(open(&k, &p, "none", O_RDWR, 0, None), ENOENT);
    // Names: the kernel gets them without the leading '/'.
    assert_eq!(open(&k, &p, "", O_CREAT | O_RDWR, 0o600, None), ENOENT);
    assert_eq!(open(&k, &p, "/q", O_CREAT | O_RDWR, 0o600, None), EACCES);
    assert_eq!(open(&k, &p, "a/b", O_CREAT | O_RDWR, 0o600, None), EACCES);
    assert_eq!(open(&k, &p, ".", O_CREAT | O_RDWR, 0o600, None), EACCES);
    assert!(open(&k, &p, &"a".repeat(255), O_CREAT | O_RDWR, 0o600, None) >= 0);
    assert_eq!(open(&k, &p, &"a".repeat(256), O_CREAT | O_RDWR, 0o600, None), ENAMETOOLONG);
    assert_eq!(open(&k, &p, &"a".repeat(5000), O_CREAT | O_RDWR, 0o600, None), ENAMETOOLONG);
    assert_eq!(k.syscall(&p, Sysno::mq_open, [UNMAPPED, O_RDWR, 0, 0]), EFAULT);
    assert_eq!(open(&k, &p, "q", O_RDWR, 0, None).min(0), 0);
    k.poke_str(&p, NAME, "q");
    assert_eq!(k.syscall(&p, Sysno::mq_open, [NAME, O_RDWR, 0, UNMAPPED]), EFAULT, "attr is read first");
    // The umask applies to a new queue's mode.
    assert_eq!(k.syscall(&p, Sysno::umask, [0o027]), 0o022);
    let u = create(&k, &p, "masked", None);
    assert_eq!(k.syscall(&p, Sysno::fstat, [u, OLD]), 0);
    assert_eq!(k.peek_val::<Stat>(&p, OLD).st_mode, S_IFREG | 0o600 & !0o027);
    let m = open(&k, &p, "wide", O_CREAT | O_RDWR, 0o7777, None) as usize;
    assert_eq!(k.syscall(&p, Sysno::fstat, [m, OLD]), 0);
    assert_eq!(k.peek_val::<Stat>(&p, OLD).st_mode, S_IFREG | 0o7750);
    // Unlinked: the name is gone, the queue is not.
    assert_eq!(unlink(&k, &p, "q"), 0);
    assert_eq!(unlink(&k, &p, "q"), ENOENT);
    assert_eq!(unlink(&k, &p, ""), ENOENT);
    assert_eq!(unlink(&k, &p, "a/b"), EACCES);
    assert_eq!(unlink(&k, &p, &"a".repeat(256)), ENAMETOOLONG);
    assert_eq!(k.syscall(&p, Sysno::mq_unlink, [UNMAPPED]), EFAULT);
    assert_eq!(open(&k, &p, "q", O_RDWR, 0, None), ENOENT);
    assert_eq!(k.syscall(&p, Sysno::fstat, [fd, OLD]), 0);
    assert_eq!(k.peek_val::<Stat>(&p, OLD).st_nlink, 0);
    assert_eq!(send(&k, &p, fd, b"still here", 1), 0);
    assert_eq!(receive(&k, &p, fd), (10, 1, b"still here".to_vec()));
    let fresh = create(&k, &p, "q", None);
    assert_eq!(attr(&k, &p, fresh).mq_curmsgs, 0, "a new queue of the same name");
}

#[test]
fn messages_come_by_priority_then_in_order() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = create(&k, &p, "prio", None);
    for (data, prio) in [(&b"a1"[..], 1), (b"b5", 5), (b"a2", 1), (b"b6", 5), (b"", 0), (b"top", 32767)] {
        assert_eq!(send(&k, &p, fd, data, prio), 0);
    }
    assert_eq!(send(&k, &p, fd, b"x", 32768), EINVAL, "MQ_PRIO_MAX");
    assert_eq!(attr(&k, &p, fd).mq_curmsgs, 6);
    let mut got = Vec::new();
    for _ in 0..6 {
        let (n, prio, data) = receive(&k, &p, fd);
        assert_eq!(n, data.len() as isize);
        got.push((prio, data));
    }
    let want: Vec<(u32, Vec<u8>)> = [(32767, &b"top"[..]), (5, b"b5"), (5, b"b6"), (1, b"a1"), (1, b"a2"), (0, b"")]
        .map(|(p, d)| (p, d.to_vec()))
        .into();
    assert_eq!(got, want);
    // A NULL priority pointer is fine; the bytes land in the buffer.
    let big: Vec<u8> = (0..8192u32).map(|i| i as u8).collect();
    assert_eq!(send(&k, &p, fd, &big, 3), 0);
    assert_eq!(k.syscall(&p, Sysno::mq_timedreceive, [fd, RCV, 8192, 0, 0]), 8192);
    assert_eq!(k.peek(&p, RCV, 8192), big);
}

#[test]
fn sizes_access_modes_and_descriptors_are_checked() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = create(&k, &p, "sizes", Some((2, 16)));
    assert_eq!(send(&k, &p, fd, &[7; 17], 0), EMSGSIZE);
    assert_eq!(send(&k, &p, fd, &[7; 16], 0), 0);
    assert_eq!(receive_at(&k, &p, fd, 15, None).0, EMSGSIZE, "a buffer below mq_msgsize");
    assert_eq!(receive_at(&k, &p, fd, 16, None).0, 16);
    let ro = open(&k, &p, "sizes", O_RDONLY, 0, None) as usize;
    let wo = open(&k, &p, "sizes", O_WRONLY, 0, None) as usize;
    assert_eq!(send(&k, &p, ro, b"x", 0), EBADF);
    assert_eq!(send(&k, &p, wo, b"x", 0), 0);
    assert_eq!(receive(&k, &p, wo).0, EBADF);
    assert_eq!(receive(&k, &p, ro).0, 1);
    // Not a queue, not open, absurd.
    let file = k.open_ok(&p, "/tmp", OpenFlags::DIRECTORY.bits());
    for bad in [file, 99, usize::MAX, i32::MAX as usize - 1] {
        assert_eq!(send(&k, &p, bad, b"x", 0), EBADF);
        assert_eq!(receive(&k, &p, bad).0, EBADF);
        assert_eq!(notify(&k, &p, bad, Some(SigEvent { notify: SIGEV_NONE, ..Default::default() })), EBADF);
        assert_eq!(k.syscall(&p, Sysno::mq_getsetattr, [bad, 0, OLD]), EBADF);
    }
    // A bad message address is EFAULT and queues nothing; so is a bad receive buffer, and the
    // message it would have taken is gone (Linux too).
    assert_eq!(k.syscall(&p, Sysno::mq_timedsend, [fd, UNMAPPED, 4, 0, 0]), EFAULT);
    assert_eq!(attr(&k, &p, fd).mq_curmsgs, 0);
    assert_eq!(send(&k, &p, fd, b"lost", 0), 0);
    assert_eq!(k.syscall(&p, Sysno::mq_timedreceive, [fd, READONLY, 16, 0, 0]), EFAULT);
    assert_eq!(attr(&k, &p, fd).mq_curmsgs, 0);
    // Attributes a queue cannot have.
    for bad in [(0, 16), (1, 0), (-1, 16), (1, -5)] {
        assert_eq!(open(&k, &p, "bad", O_CREAT | O_RDWR, 0o600, Some(bad)), EINVAL, "{bad:?}");
    }
    // Past msg_max and msgsize_max without CAP_SYS_RESOURCE.
    let u = user(&k, &p, 1000);
    for bad in [(11, 16), (1, 8193), (20, 16384)] {
        assert_eq!(open(&k, &u, "bad", O_CREAT | O_RDWR, 0o600, Some(bad)), EINVAL, "{bad:?}");
    }
    // Root has CAP_SYS_RESOURCE: up to the hard limits.
    assert!(open(&k, &p, "big", O_CREAT | O_RDWR, 0o600, Some((20, 16384))) >= 0);
    assert_eq!(attr(&k, &p, open(&k, &p, "big", O_RDWR, 0, None) as usize).mq_msgsize, 16384);
    assert_eq!(open(&k, &p, "huge", O_CREAT | O_RDWR, 0o600, Some((65537, 16))), EINVAL);
    assert_eq!(open(&k, &p, "huge", O_CREAT | O_RDWR, 0o600, Some((1, (16 << 20) + 1))), EINVAL);
}

#[test]
fn a_blocked_receive_is_woken_by_another_process_sending() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = create(&k, &p, "wake", None);
    let one = create(&k, &p, "one", Some((1, 8)));
    let child = k.fork(&p);
    k.poke(&child, MSG, b"from the child");
    k.syscall_later(&child, Sysno::mq_timedsend, [fd, MSG, 14, 9, 0]);
    let start = hal::time::now_ns();
    assert_eq!(receive(&k, &p, fd), (14, 9, b"from the child".to_vec()), "the fork child shares the queue");
    assert_eq!(hal::time::now_ns(), start, "no time passed: woken, not polled");
    // A full queue: the sender waits for a receiver.
    assert_eq!(send(&k, &p, one, b"first", 0), 0);
    k.syscall_later(&child, Sysno::mq_timedreceive, [one, RCV, 8, 0, 0]);
    assert_eq!(send(&k, &p, one, b"second", 0), 0);
    assert_eq!(k.peek(&child, RCV, 5), b"first");
    assert_eq!(receive_at(&k, &p, one, 8, None), (6, 0, b"second".to_vec()));
}

#[test]
fn timeouts_are_absolute_realtime_and_checked_as_linux() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = create(&k, &p, "time", Some((1, 8)));
    let start = hal::time::now_ns();
    assert_eq!(receive_at(&k, &p, fd, 8, Some(realtime_in(1_500_000_000))).0, ETIMEDOUT);
    assert_eq!(hal::time::now_ns() - start, 1_500_000_000);
    assert_eq!(receive_at(&k, &p, fd, 8, Some(Timespec::default())).0, ETIMEDOUT, "already past");
    assert_eq!(send_at(&k, &p, fd, b"x", 0, Some(Timespec::default())), 0, "room: the past time does not matter");
    let start = hal::time::now_ns();
    assert_eq!(send_at(&k, &p, fd, b"y", 0, Some(realtime_in(20_000_000))), ETIMEDOUT, "full");
    assert_eq!(hal::time::now_ns() - start, 20_000_000);
    // A timespec out of range is EINVAL even when the call would not wait (Linux 6.1's
    // prepare_timeout), and an unreadable one EFAULT.
    for bad in [
        Timespec { tv_sec: -1, tv_nsec: 0 },
        Timespec { tv_sec: 0, tv_nsec: -1 },
        Timespec { tv_sec: 0, tv_nsec: 1_000_000_000 },
    ] {
        assert_eq!(receive_at(&k, &p, fd, 8, Some(bad)).0, EINVAL);
        assert_eq!(send_at(&k, &p, fd, b"y", 0, Some(bad)), EINVAL);
    }
    assert_eq!(k.syscall(&p, Sysno::mq_timedsend, [fd, MSG, 1, 0, UNMAPPED]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::mq_timedreceive, [fd, RCV, 8, 0, UNMAPPED]), EFAULT);
    assert_eq!(attr(&k, &p, fd).mq_curmsgs, 1, "nothing was taken");
    // A deadline far away never comes.
    let far = Timespec { tv_sec: i64::MAX, tv_nsec: 0 };
    assert_eq!(receive_at(&k, &p, fd, 8, Some(far)), (1, 0, b"x".to_vec()));
}

#[test]
fn o_nonblock_and_mq_getsetattr() {
    let k = TestKernel::new();
    let p = k.spawn();
    let nb = open(&k, &p, "nb", O_CREAT | O_RDWR | O_NONBLOCK, 0o600, Some((1, 8))) as usize;
    assert_eq!(attr(&k, &p, nb).mq_flags, O_NONBLOCK as i64);
    assert_eq!(receive_at(&k, &p, nb, 8, None).0, EAGAIN);
    assert_eq!(receive_at(&k, &p, nb, 8, Some(Timespec::default())).0, EAGAIN, "EAGAIN before ETIMEDOUT");
    assert_eq!(send(&k, &p, nb, b"1", 0), 0);
    assert_eq!(send(&k, &p, nb, b"2", 0), EAGAIN);
    // Clear O_NONBLOCK: the old attributes come back; the sizes cannot change.
    let new = MqAttr { mq_flags: 0, mq_maxmsg: 99, mq_msgsize: 99, ..Default::default() };
    k.poke(&p, ATTR, bytemuck::bytes_of(&new));
    assert_eq!(k.syscall(&p, Sysno::mq_getsetattr, [nb, ATTR, OLD]), 0);
    let old: MqAttr = k.peek_val(&p, OLD);
    assert_eq!((old.mq_flags, old.mq_maxmsg, old.mq_msgsize, old.mq_curmsgs), (O_NONBLOCK as i64, 1, 8, 1));
    assert_eq!(attr(&k, &p, nb).mq_flags, 0);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [nb, F_GETFL as usize]) & O_NONBLOCK as isize, 0);
    assert_eq!(send_at(&k, &p, nb, b"2", 0, Some(realtime_in(1000))), ETIMEDOUT, "now it waits");
    // Set it again; any other flag is EINVAL.
    k.poke(&p, ATTR, bytemuck::bytes_of(&MqAttr { mq_flags: O_NONBLOCK as i64, ..Default::default() }));
    assert_eq!(k.syscall(&p, Sysno::mq_getsetattr, [nb, ATTR, 0]), 0);
    assert_eq!(send(&k, &p, nb, b"2", 0), EAGAIN);
    k.poke(&p, ATTR, bytemuck::bytes_of(&MqAttr { mq_flags: 1, ..Default::default() }));
    assert_eq!(k.syscall(&p, Sysno::mq_getsetattr, [nb, ATTR, OLD]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::mq_getsetattr, [nb, UNMAPPED, OLD]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::mq_getsetattr, [nb, 0, UNMAPPED]), EFAULT);
}

#[test]
fn a_signal_interrupts_a_wait_restartably() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = create(&k, &p, "intr", None);
    k.poke(&p, SCRATCH + 0x3000, bytemuck::bytes_of(&abi::structs::SigAction { handler: 0x4000, flags: 0, mask: 0 }));
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [SIGINT, SCRATCH + 0x3000, 0, 8]), 0);
    let other = k.spawn();
    k.syscall_later(&other, Sysno::kill, [pid(&p), SIGINT]);
    let start = hal::time::now_ns();
    assert_eq!(receive_at(&k, &p, fd, 8192, Some(realtime_in(3_000_000_000))).0, ERESTARTSYS);
    assert!(hal::time::now_ns() - start < 3_000_000_000, "the signal ended it, not the timeout");
    // The interrupted receiver no longer counts as waiting: a message now notifies.
    k.poke(&p, SET, &sigbit(SIGUSR1).to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::rt_sigprocmask, [SIG_BLOCK, SET, 0, 8]), 0);
    assert_eq!(notify(&k, &p, fd, Some(sigev(SIGUSR1, 5))), 0);
    assert_eq!(send(&k, &p, fd, b"m", 0), 0);
    assert_eq!(take_signal(&k, &p, SIGUSR1).map(|i| i.fields[1]), Some(5));
}

#[test]
fn poll_sees_messages_and_room() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = create(&k, &p, "poll", Some((1, 8)));
    let poll = |k: &TestKernel| {
        let ev = (PollEvents::IN | PollEvents::OUT).bits();
        k.poke(&p, SET, bytemuck::bytes_of(&PollFd { fd: fd as i32, events: ev, revents: 0 }));
        k.poke(&p, TS, bytemuck::bytes_of(&Timespec::default()));
        assert_eq!(k.syscall(&p, Sysno::ppoll, [SET, 1, TS, 0, 8]), 1);
        PollEvents::from_bits_truncate(k.peek_val::<PollFd>(&p, SET).revents)
    };
    assert_eq!(poll(&k), PollEvents::OUT);
    assert_eq!(send(&k, &p, fd, b"m", 0), 0);
    assert_eq!(poll(&k), PollEvents::IN, "full: readable, not writable");
    assert_eq!(receive_at(&k, &p, fd, 8, None).0, 1);
    assert_eq!(poll(&k), PollEvents::OUT);
    // A wait for readability ends with a send from elsewhere.
    let child = k.fork(&p);
    k.poke(&child, MSG, b"z");
    k.syscall_later(&child, Sysno::mq_timedsend, [fd, MSG, 1, 0, 0]);
    k.poke(&p, SET, bytemuck::bytes_of(&PollFd { fd: fd as i32, events: PollEvents::IN.bits(), revents: 0 }));
    assert_eq!(k.syscall(&p, Sysno::ppoll, [SET, 1, 0, 0, 8]), 1);
}

#[test]
fn notification_signals_the_registered_process_once() {
    let k = TestKernel::new();
    let p = k.spawn();
    block_all(&k, &p);
    assert_eq!(k.syscall(&p, Sysno::umask, [0]), 0o022);
    let fd = open(&k, &p, "note", O_CREAT | O_RDWR, 0o666, None) as usize;
    assert_eq!(notify(&k, &p, fd, Some(sigev(SIGUSR1, 0x1234_5678))), 0);
    assert_eq!(notify(&k, &p, fd, Some(sigev(SIGUSR1, 1))), EBUSY, "registered already, by itself too");
    let child = user(&k, &p, 1000);
    let cfd = open(&k, &child, "note", O_RDWR, 0, None) as usize;
    assert_eq!(notify(&k, &child, cfd, Some(sigev(SIGUSR2, 1))), EBUSY);
    assert_eq!(notify(&k, &child, cfd, None), 0, "another's registration is left alone");
    // The child's message arrives in the empty queue: the parent hears of it, from the child.
    assert_eq!(send(&k, &child, cfd, b"1", 0), 0);
    let info = take_signal(&k, &p, SIGUSR1).expect("SIGUSR1");
    assert_eq!(info.code, SI_MESGQ);
    assert_eq!(info.fields[0], pid(&child) as u64 | (1000 << 32), "si_pid, si_uid of the sender");
    assert_eq!(info.fields[1], 0x1234_5678, "sigev_value");
    // Once: the registration is gone.
    assert_eq!(receive(&k, &p, fd).0, 1);
    assert_eq!(send(&k, &child, cfd, b"2", 0), 0);
    assert!(take_signal(&k, &p, SIGUSR1).is_none());
    // Only into an empty queue.
    assert_eq!(
        notify(&k, &child, cfd, Some(SigEvent { notify: SIGEV_SIGNAL, signo: SIGUSR2 as i32, ..Default::default() })),
        0
    );
    assert_eq!(send(&k, &p, fd, b"3", 0), 0);
    assert_eq!(notify(&k, &p, fd, Some(sigev(SIGUSR1, 1))), EBUSY, "still the child's");
    assert_eq!(notify(&k, &child, cfd, None), 0, "the child takes its own back");
    assert_eq!(notify(&k, &p, fd, Some(SigEvent { notify: SIGEV_NONE, ..Default::default() })), 0);
    while receive_at(&k, &p, fd, 8192, Some(Timespec::default())).0 > 0 {}
    // SIGEV_NONE tells nobody but is used up all the same.
    assert_eq!(send(&k, &child, cfd, b"4", 0), 0);
    assert!(take_signal(&k, &p, SIGUSR1).is_none());
    assert_eq!(notify(&k, &child, cfd, Some(sigev(SIGUSR2, 2))), 0, "free again");
    // Bad requests.
    assert_eq!(notify(&k, &p, fd, Some(SigEvent { notify: -1, ..Default::default() })), EINVAL);
    assert_eq!(notify(&k, &p, 0, Some(SigEvent { notify: -1, ..Default::default() })), EINVAL, "before the descriptor");
    assert_eq!(notify(&k, &p, fd, Some(sigev(65, 0))), EINVAL, "past _NSIG");
    assert_eq!(notify(&k, &p, fd, Some(sigev(usize::MAX, 0))), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::mq_notify, [fd, UNMAPPED]), EFAULT);
}

#[test]
fn a_waiting_receiver_takes_the_message_and_nobody_is_notified() {
    let k = TestKernel::new();
    let p = k.spawn();
    block_all(&k, &p);
    let fd = create(&k, &p, "direct", None);
    assert_eq!(notify(&k, &p, fd, Some(sigev(SIGUSR1, 7))), 0);
    let child = k.fork(&p);
    k.syscall_later(&child, Sysno::mq_timedreceive, [fd, RCV, 8192, 0, 0]);
    sleep_ms(&k, &p, 1);
    assert_eq!(send(&k, &p, fd, b"yours", 0), 0);
    sleep_ms(&k, &p, 1);
    assert_eq!(k.peek(&child, RCV, 5), b"yours");
    assert_eq!(attr(&k, &p, fd).mq_curmsgs, 0);
    assert!(take_signal(&k, &p, SIGUSR1).is_none());
    assert_eq!(notify(&k, &p, fd, Some(sigev(SIGUSR1, 7))), EBUSY, "the registration stays");
}

#[test]
fn a_registration_ends_with_a_close_or_the_end_of_its_process() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = create(&k, &p, "ends", None);
    let dup = k.syscall(&p, Sysno::dup, [fd]) as usize;
    assert_eq!(notify(&k, &p, fd, Some(sigev(SIGUSR1, 0))), 0);
    let child = k.fork(&p);
    assert_eq!(notify(&k, &child, fd, Some(sigev(SIGUSR1, 0))), EBUSY);
    // The child's close is not the registered process's.
    assert_eq!(k.syscall(&child, Sysno::close, [dup]), 0);
    assert_eq!(notify(&k, &child, fd, Some(sigev(SIGUSR1, 0))), EBUSY);
    // Any close of a descriptor of the queue by the registered process ends it (Linux's flush).
    assert_eq!(k.syscall(&p, Sysno::close, [dup]), 0);
    assert_eq!(notify(&k, &child, fd, Some(sigev(SIGUSR1, 0))), 0);
    // The child's end ends the child's.
    assert_eq!(notify(&k, &p, fd, Some(sigev(SIGUSR1, 0))), EBUSY);
    k.syscall(&child, Sysno::exit_group, [0]);
    assert_eq!(notify(&k, &p, fd, Some(sigev(SIGUSR1, 0))), 0);
}

#[test]
fn sigev_thread_needs_a_netlink_socket_which_there_is_none_of() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = create(&k, &p, "thread", None);
    let thread =
        |signo: i32, cookie: u64| SigEvent { value: cookie, signo, notify: SIGEV_THREAD, ..Default::default() };
    assert_eq!(notify(&k, &p, fd, Some(thread(fd as i32, UNMAPPED as u64))), EFAULT, "the cookie");
    assert_eq!(notify(&k, &p, fd, Some(thread(99, MSG as u64))), EBADF);
    assert_eq!(notify(&k, &p, fd, Some(thread(fd as i32, MSG as u64))), ENOTSOCK);
    k.poke(&p, SET, &[0u8; 8]);
    assert_eq!(k.syscall(&p, Sysno::socketpair, [1, 1, 0, SET]), 0);
    let sock = k.peek_val::<i32>(&p, SET);
    assert_eq!(notify(&k, &p, fd, Some(thread(sock, MSG as u64))), EINVAL, "not a netlink socket");
    assert_eq!(notify(&k, &p, fd, Some(sigev(SIGUSR1, 0))), 0, "nothing was registered");
}

#[test]
fn other_users_meet_the_mode_and_the_sticky_directory() {
    let k = TestKernel::new();
    let p = k.spawn();
    create(&k, &p, "private", None);
    assert!(open(&k, &p, "shared", O_CREAT | O_RDWR, 0o644, None) >= 0);
    let u = user(&k, &p, 1000);
    assert_eq!(open(&k, &u, "private", O_RDONLY, 0, None), EACCES);
    assert!(open(&k, &u, "shared", O_RDONLY, 0, None) >= 0);
    assert_eq!(open(&k, &u, "shared", O_WRONLY, 0, None), EACCES);
    assert_eq!(open(&k, &u, "shared", O_CREAT | O_RDWR, 0o600, None), EACCES, "exists: checked as an open");
    assert_eq!(unlink(&k, &u, "shared"), EPERM, "sticky: not the owner (the C library says EACCES)");
    // The user's own queue is the user's: root may still do anything with it.
    let mine = open(&k, &u, "mine", O_CREAT | O_RDWR, 0o600, None);
    assert!(mine >= 0);
    assert_eq!(k.syscall(&u, Sysno::fstat, [mine as usize, OLD]), 0);
    let st: Stat = k.peek_val(&u, OLD);
    assert_eq!((st.st_uid, st.st_gid), (1000, 1000));
    assert!(open(&k, &p, "mine", O_RDWR, 0, None) >= 0);
    let other = user(&k, &p, 1001);
    assert_eq!(unlink(&k, &other, "mine"), EPERM);
    assert_eq!(unlink(&k, &u, "mine"), 0);
    assert_eq!(unlink(&k, &p, "shared"), 0);
}

#[test]
fn fork_inherits_and_exec_closes() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = create(&k, &p, "inherit", None);
    assert_eq!(send(&k, &p, fd, b"parent", 2), 0);
    let child = k.fork(&p);
    assert_eq!(receive(&k, &child, fd), (6, 2, b"parent".to_vec()));
    assert_eq!(send(&k, &child, fd, b"child", 3), 0);
    assert_eq!(k.syscall(&child, Sysno::close, [fd]), 0);
    assert_eq!(receive(&k, &p, fd), (5, 3, b"child".to_vec()));
    // Close-on-exec: an exec of the child leaves the descriptor behind.
    k.add_file_mode("/tmp/prog", 0o755, &tiny_elf());
    let child = k.fork(&p);
    k.poke_str(&child, PATH, "/tmp/prog");
    assert_eq!(k.syscall(&child, Sysno::execve, [PATH, 0, 0]), 0);
    assert_eq!(k.syscall(&child, Sysno::mq_getsetattr, [fd, 0, OLD]), EBADF);
}

#[test]
fn limits_come_from_proc_sys_fs_mqueue_and_the_rlimit() {
    let t = FsTest::with_standard_mounts();
    let (k, p) = (&t.k, &t.p);
    for (file, v) in
        [("msg_default", 10), ("msg_max", 10), ("msgsize_default", 8192), ("msgsize_max", 8192), ("queues_max", 256)]
    {
        assert_eq!(t.read(&format!("/proc/sys/fs/mqueue/{file}")), format!("{v}\n"));
    }
    assert_eq!(t.lstat("/proc/sys/fs/mqueue/msg_max").unwrap().st_mode, S_IFREG | 0o644);
    // Root writes them; the defaults follow, within the maxima.
    t.write_file("/proc/sys/fs/mqueue/msg_max", b"5\n");
    t.write_file("/proc/sys/fs/mqueue/msgsize_default", b"  4096");
    assert_eq!(t.read("/proc/sys/fs/mqueue/msg_max"), "5\n");
    let fd = create(k, p, "defaults", None);
    let a = attr(k, p, fd);
    assert_eq!((a.mq_maxmsg, a.mq_msgsize), (5, 4096));
    for bad in [&b"0"[..], b"65537", b"x", b"-1", b"99999999999"] {
        let f = t.open("/proc/sys/fs/mqueue/msg_max", O_WRONLY as u32);
        k.poke(p, MSG, bad);
        assert_eq!(k.syscall(p, Sysno::write, [f as usize, MSG, bad.len()]), EINVAL, "{bad:?}");
        t.close(f);
    }
    let u = user(k, p, 1000);
    k.poke_str(&u, PATH, "/proc/sys/fs/mqueue/queues_max");
    assert_eq!(k.syscall(&u, Sysno::openat, [AT_FDCWD as usize, PATH, O_WRONLY, 0]), EACCES);
    // queues_max: one queue exists, a second is ENOSPC without CAP_SYS_RESOURCE.
    t.write_file("/proc/sys/fs/mqueue/queues_max", b"1");
    assert_eq!(open(k, &u, "second", O_CREAT | O_RDWR, 0o600, None), ENOSPC);
    assert!(open(k, p, "second", O_CREAT | O_RDWR, 0o600, None) >= 0, "root may go past it");
    // An unlinked queue still counts while it is open; closed, it is gone.
    assert_eq!(unlink(k, p, "second"), 0);
    assert_eq!(unlink(k, p, "defaults"), 0);
    assert_eq!(open(k, &u, "second", O_CREAT | O_RDWR, 0o600, None), ENOSPC);
    assert_eq!(k.syscall(p, Sysno::close, [fd]), 0);
    let fd2 = open(k, &u, "second", O_CREAT | O_RDWR, 0o600, None);
    assert_eq!(fd2, ENOSPC, "root's other descriptor of it is still open");
    t.write_file("/proc/sys/fs/mqueue/queues_max", b"256");
    // RLIMIT_MSGQUEUE: a queue of 10 x 8192 costs 82880 bytes as Linux counts them.
    t.write_file("/proc/sys/fs/mqueue/msg_max", b"10");
    t.write_file("/proc/sys/fs/mqueue/msgsize_default", b"8192");
    k.poke(&u, SET, bytemuck::bytes_of(&Rlimit { cur: 2 * 82880 - 1, max: 2 * 82880 - 1 }));
    assert_eq!(k.syscall(&u, Sysno::setrlimit, [RLIMIT_MSGQUEUE, SET]), 0);
    let one = open(k, &u, "r1", O_CREAT | O_RDWR, 0o600, None);
    assert!(one >= 0);
    assert_eq!(open(k, &u, "r2", O_CREAT | O_RDWR, 0o600, None), EMFILE);
    assert!(open(k, &u, "r2", O_CREAT | O_RDWR, 0o600, Some((1, 128))) >= 0, "a small one fits");
    assert_eq!(unlink(k, &u, "r1"), 0);
    assert_eq!(k.syscall(&u, Sysno::close, [one as usize]), 0);
    assert!(open(k, &u, "r3", O_CREAT | O_RDWR, 0o600, None) >= 0, "given back");
    // RLIMIT_NOFILE: EMFILE before anything is made.
    k.poke(&u, SET, bytemuck::bytes_of(&Rlimit { cur: 0, max: 1024 }));
    assert_eq!(k.syscall(&u, Sysno::setrlimit, [RLIMIT_NOFILE, SET]), 0);
    assert_eq!(open(k, &u, "r4", O_CREAT | O_RDWR, 0o600, Some((1, 128))), EMFILE);
    assert_eq!(unlink(k, &u, "r4"), ENOENT);
}

#[test]
fn queue_count_and_queued_bytes_are_bounded() {
    let k = TestKernel::new();
    let p = k.spawn();
    task::mqueue::set_tunable(task::mqueue::Tunable::QueuesMax, -1).unwrap();
    for i in 0..task::mqueue::HARD_QUEUES {
        let fd = open(&k, &p, &format!("n{i}"), O_CREAT | O_RDWR, 0o600, Some((1, 128)));
        assert!(fd >= 0, "queue {i}: {fd}");
        assert_eq!(k.syscall(&p, Sysno::close, [fd as usize]), 0);
    }
    assert_eq!(open(&k, &p, "one-more", O_CREAT | O_RDWR, 0o600, Some((1, 128))), ENOSPC, "even for root");
    for i in 0..task::mqueue::HARD_QUEUES {
        assert_eq!(unlink(&k, &p, &format!("n{i}")), 0);
    }
    // Two 16 MiB messages are more than all queues may hold together: ENOMEM.
    k.poke(&p, SET, bytemuck::bytes_of(&Rlimit { cur: u64::MAX, max: u64::MAX }));
    assert_eq!(k.syscall(&p, Sysno::setrlimit, [RLIMIT_MSGQUEUE, SET]), 0);
    let big = 16 << 20;
    let fd = create(&k, &p, "big", Some((4, big as i64)));
    let area = 0x5000_0000;
    p.mm().map(area, big, mm::Perm::R | mm::Perm::W, mm::aspace::AreaKind::Anonymous).unwrap();
    assert_eq!(k.syscall(&p, Sysno::mq_timedsend, [fd, area, big, 0, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::mq_timedsend, [fd, area, big, 0, 0]), ENOMEM);
    assert_eq!(k.syscall(&p, Sysno::mq_timedsend, [fd, area, 1000, 0, 0]), 0, "a small one still fits");
    assert_eq!(k.syscall(&p, Sysno::mq_timedreceive, [fd, area, big, 0, 0]), big as isize);
    assert_eq!(k.syscall(&p, Sysno::mq_timedsend, [fd, area, big, 0, 0]), 0, "given back");
}

#[test]
fn a_mounted_mqueue_lists_the_queues_and_reads_their_status() {
    let t = FsTest::new();
    let (k, p) = (&t.k, &t.p);
    block_all(k, p);
    let fd = create(k, p, "shown", None);
    assert_eq!(send(k, p, fd, b"hello", 0), 0);
    assert_eq!(notify(k, p, fd, Some(sigev(SIGUSR1, 0))), 0);
    assert_eq!(t.mkdir("/tmp/mq"), 0);
    assert_eq!(t.mount("none", "/tmp/mq", "mqueue", 0, ""), 0);
    assert_eq!(t.statfs("/tmp/mq").f_type, 0x1980_0202);
    assert_eq!(t.list("/tmp/mq")[2..], ["shown"]);
    let st = t.lstat("/tmp/mq").unwrap();
    assert_eq!(st.st_mode, S_IFDIR | 0o1777);
    assert_eq!(
        t.read("/tmp/mq/shown"),
        format!("QSIZE:5          NOTIFY:0     SIGNO:10    NOTIFY_PID:{:<6}\n", pid(p))
    );
    // open(2) there makes a queue mq_open finds; unlink(2) removes one.
    assert_eq!(t.create("/tmp/mq/made"), 0);
    let made = open(k, p, "made", O_RDWR, 0, None) as usize;
    assert_eq!(attr(k, p, made).mq_maxmsg, 10);
    assert_eq!(t.mkdir("/tmp/mq/dir"), EPERM);
    assert_eq!(t.unlink("/tmp/mq/shown", 0), 0);
    assert_eq!(open(k, p, "shown", O_RDWR, 0, None), ENOENT);
    assert_eq!(t.list("/tmp/mq")[2..], ["made"]);
}
