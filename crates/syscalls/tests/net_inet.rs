//! AF_INET and AF_INET6 sockets through the dispatch table, over the loopback interface:
//! TCP connect/accept/stream/shutdown/reset, non-blocking connect, UDP datagrams, IPv6 and
//! dual-stack, ports and their conflicts, readiness, options, and the errors Linux gives.
use abi::flags::*;
use abi::net::*;
use abi::structs::Iovec;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const BUF: usize = SCRATCH;
const ADDR: usize = SCRATCH + 0xe_0000;
const LEN: usize = SCRATCH + 0xe_1000;
const VAL: usize = SCRATCH + 0xe_2000;
const MSG: usize = SCRATCH + 0xd_0000;
const IOV: usize = SCRATCH + 0xd_1000;
const BIG: usize = SCRATCH + 0x4_0000;

const STREAM: usize = SOCK_STREAM as usize;
const DGRAM: usize = SOCK_DGRAM as usize;
const INET: usize = AF_INET as usize;
const INET6: usize = AF_INET6 as usize;
const LO: [u8; 4] = [127, 0, 0, 1];

fn socket(k: &TestKernel, p: &Caller, domain: usize, ty: usize) -> usize {
    let fd = k.syscall(p, Sysno::socket, [domain, ty, 0]);
    assert!(fd >= 0, "socket: {fd}");
    fd as usize
}

fn sin(addr: [u8; 4], port: u16) -> Vec<u8> {
    bytemuck::bytes_of(&SockaddrIn { family: AF_INET, port: port.to_be_bytes(), addr, zero: [0; 8] }).to_vec()
}

fn sin6(addr: [u8; 16], port: u16) -> Vec<u8> {
    bytemuck::bytes_of(&SockaddrIn6 { family: AF_INET6, port: port.to_be_bytes(), flowinfo: 0, addr, scope_id: 0 })
        .to_vec()
}

const LO6: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

/// Place `a` at ADDR; its length.
fn put(k: &TestKernel, p: &Caller, a: &[u8]) -> usize {
    k.poke(p, ADDR, a);
    a.len()
}

fn call_addr(k: &TestKernel, p: &Caller, n: Sysno, fd: usize, a: &[u8]) -> isize {
    let len = put(k, p, a);
    k.syscall(p, n, [fd, ADDR, len])
}

/// The address getsockname (or getpeername) reports.
fn name(k: &TestKernel, p: &Caller, n: Sysno, fd: usize) -> Result<Vec<u8>, isize> {
    k.poke(p, LEN, &128i32.to_ne_bytes());
    match k.syscall(p, n, [fd, ADDR + 512, LEN]) {
        0 => {
            let len: i32 = k.peek_val(p, LEN);
            Ok(k.peek(p, ADDR + 512, len as usize))
        }
        e => Err(e),
    }
}

fn port_of(a: &[u8]) -> u16 {
    u16::from_be_bytes([a[2], a[3]])
}

fn send(k: &TestKernel, p: &Caller, fd: usize, data: &[u8], flags: u32) -> isize {
    k.poke(p, BUF, data);
    k.syscall(p, Sysno::sendto, [fd, BUF, data.len(), flags as usize, 0, 0])
}

fn recv(k: &TestKernel, p: &Caller, fd: usize, len: usize, flags: u32) -> Result<Vec<u8>, isize> {
    match k.syscall(p, Sysno::recvfrom, [fd, BUF, len, flags as usize, 0, 0]) {
        n if n >= 0 => Ok(k.peek(p, BUF, (n as usize).min(len))),
        e => Err(e),
    }
}

fn poll(k: &TestKernel, p: &Caller, fd: usize) -> i16 {
    let pfd = abi::structs::PollFd { fd: fd as i32, events: 0x7fff, revents: 0 };
    k.poke(p, VAL, bytemuck::bytes_of(&pfd));
    k.poke(p, VAL + 64, &[0u8; 16]);
    assert!(k.syscall(p, Sysno::ppoll, [VAL, 1, VAL + 64, 0]) >= 0);
    k.peek_val::<abi::structs::PollFd>(p, VAL).revents
}

fn int_opt(k: &TestKernel, p: &Caller, fd: usize, level: i32, opt: i32) -> Result<i32, isize> {
    k.poke(p, LEN, &4i32.to_ne_bytes());
    match k.syscall(p, Sysno::getsockopt, [fd, level as usize, opt as usize, VAL, LEN]) {
        0 => Ok(k.peek_val(p, VAL)),
        e => Err(e),
    }
}

fn set_int(k: &TestKernel, p: &Caller, fd: usize, level: i32, opt: i32, v: i32) -> isize {
    k.poke(p, VAL, &v.to_ne_bytes());
    k.syscall(p, Sysno::setsockopt, [fd, level as usize, opt as usize, VAL, 4])
}

/// A TCP listener on 127.0.0.1 (a free port); the descriptor and the port.
fn listener(k: &TestKernel, p: &Caller, backlog: usize) -> (usize, u16) {
    let s = socket(k, p, INET, STREAM);
    assert_eq!(call_addr(k, p, Sysno::bind, s, &sin(LO, 0)), 0);
    assert_eq!(k.syscall(p, Sysno::listen, [s, backlog]), 0);
    let port = port_of(&name(k, p, Sysno::getsockname, s).unwrap());
    assert!(port >= 32768, "an ephemeral port: {port}");
    (s, port)
}

/// A connected pair over 127.0.0.1: (client, accepted server end).
fn connected(k: &TestKernel, p: &Caller) -> (usize, usize, usize) {
    let (l, port) = listener(k, p, 8);
    let c = socket(k, p, INET, STREAM);
    assert_eq!(call_addr(k, p, Sysno::connect, c, &sin(LO, port)), 0);
    let s = k.syscall(p, Sysno::accept4, [l, 0, 0, 0]);
    assert!(s >= 0, "accept: {s}");
    (l, c, s as usize)
}

#[test]
fn tcp_over_loopback_connects_accepts_and_streams() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (l, port) = listener(&k, &p, 4);
    assert_eq!(name(&k, &p, Sysno::getsockname, l), Ok(sin(LO, port)));
    assert_eq!(poll(&k, &p, l), 0, "nothing to accept yet");
    let c = socket(&k, &p, INET, STREAM);
    assert_eq!(call_addr(&k, &p, Sysno::connect, c, &sin(LO, port)), 0);
    assert_eq!(call_addr(&k, &p, Sysno::connect, c, &sin(LO, port)), EISCONN);
    assert_eq!(poll(&k, &p, l), 0x41, "a connection to accept");
    // accept reports the client's address, which is its getsockname.
    k.poke(&p, LEN, &16i32.to_ne_bytes());
    let s = k.syscall(&p, Sysno::accept4, [l, ADDR + 256, LEN, SOCK_CLOEXEC as usize]) as usize;
    let client = name(&k, &p, Sysno::getsockname, c).unwrap();
    assert_eq!(k.peek(&p, ADDR + 256, 16), client);
    assert_eq!(&client[4..8], &LO);
    assert_eq!(name(&k, &p, Sysno::getpeername, s), Ok(client));
    assert_eq!(name(&k, &p, Sysno::getpeername, c), Ok(sin(LO, port)));
    assert_eq!(name(&k, &p, Sysno::getsockname, s), Ok(sin(LO, port)));
    k.poke(&p, VAL, &[0u8; 4]);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [l, F_SETFL as usize, OpenFlags::NONBLOCK.bits() as usize]), 0);
    assert_eq!(k.syscall(&p, Sysno::accept, [l, 0, 0]), EAGAIN);

    // Bytes both ways, peek, read/write on the descriptors.
    assert_eq!(send(&k, &p, c, b"hello", 0), 5);
    assert_eq!(poll(&k, &p, s) & 0x5, 0x5, "readable and writable");
    assert_eq!(recv(&k, &p, s, 64, MSG_PEEK), Ok(b"hello".to_vec()));
    assert_eq!(recv(&k, &p, s, 3, 0), Ok(b"hel".to_vec()));
    assert_eq!(recv(&k, &p, s, 64, 0), Ok(b"lo".to_vec()));
    assert_eq!(recv(&k, &p, s, 64, MSG_DONTWAIT), Err(EAGAIN));
    k.poke(&p, BUF, b"back");
    assert_eq!(k.syscall(&p, Sysno::write, [s, BUF, 4]), 4);
    assert_eq!(k.syscall(&p, Sysno::read, [c, BUF + 100, 64]), 4);
    assert_eq!(k.peek(&p, BUF + 100, 4), b"back");

    // A half close: the server reads the end, then still writes back.
    assert_eq!(k.syscall(&p, Sysno::shutdown, [c, SHUT_WR as usize]), 0);
    assert_eq!(recv(&k, &p, s, 64, 0), Ok(vec![]));
    assert_eq!(poll(&k, &p, s) & 0x2001, 0x2001, "POLLIN | POLLRDHUP");
    assert_eq!(send(&k, &p, s, b"bye", 0), 3);
    assert_eq!(recv(&k, &p, c, 64, 0), Ok(b"bye".to_vec()));
    assert_eq!(send(&k, &p, c, b"x", MSG_NOSIGNAL), EPIPE);
    // Both ends close; the port is free for a new listener.
    assert_eq!(k.syscall(&p, Sysno::close, [s]), 0);
    assert_eq!(recv(&k, &p, c, 64, 0), Ok(vec![]));
    assert_eq!(poll(&k, &p, c) & 0x10, 0x10, "POLLHUP: both directions done");
    for fd in [c, l] {
        assert_eq!(k.syscall(&p, Sysno::close, [fd]), 0);
    }
    let again = socket(&k, &p, INET, STREAM);
    assert_eq!(call_addr(&k, &p, Sysno::bind, again, &sin(LO, port)), 0);
}

#[test]
fn a_blocking_accept_and_a_long_stream_wait_for_each_other() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (l, port) = listener(&k, &p, 1);
    let c = socket(&k, &p, INET, STREAM);
    let len = put(&k, &p, &sin(LO, port));
    k.syscall_later(&p, Sysno::connect, [c, ADDR, len]);
    let s = k.syscall(&p, Sysno::accept, [l, 0, 0]);
    assert!(s >= 0);
    // 256 KiB, more than both buffers hold: the sender waits for the reader's progress.
    let data: Vec<u8> = (0..1 << 18).map(|i: u32| (i * 7 % 251) as u8).collect();
    k.poke(&p, BIG, &data);
    k.syscall_later(&p, Sysno::sendto, [c, BIG, data.len(), 0, 0, 0]);
    k.poke(&p, IOV, bytemuck::bytes_of(&Iovec { base: BIG + (1 << 18), len: data.len() }));
    let msg = MsgHdr { iov: IOV, iovlen: 1, ..Default::default() };
    k.poke(&p, MSG, bytemuck::bytes_of(&msg));
    assert_eq!(k.syscall(&p, Sysno::recvmsg, [s as usize, MSG, MSG_WAITALL as usize]), data.len() as isize);
    assert!(k.peek(&p, BIG + (1 << 18), data.len()) == data, "the bytes arrive whole and in order");
}

#[test]
fn refused_and_non_blocking_connects_report_as_linux() {
    let k = TestKernel::new();
    let p = k.spawn();
    // Nobody listens on that port: ECONNREFUSED, and the socket may try again.
    let (l, port) = listener(&k, &p, 4);
    let c = socket(&k, &p, INET, STREAM);
    assert_eq!(call_addr(&k, &p, Sysno::connect, c, &sin(LO, 9)), ECONNREFUSED);
    assert_eq!(int_opt(&k, &p, c, SOL_SOCKET, SO_ERROR), Ok(0));
    assert_eq!(call_addr(&k, &p, Sysno::connect, c, &sin(LO, port)), 0);

    // Non-blocking: EINPROGRESS, then writable with SO_ERROR 0; connect again is 0 once,
    // then EISCONN.
    let nb = k.syscall(&p, Sysno::socket, [INET, STREAM | SOCK_NONBLOCK as usize, 0]) as usize;
    assert_eq!(call_addr(&k, &p, Sysno::connect, nb, &sin(LO, port)), EINPROGRESS);
    assert_eq!(poll(&k, &p, nb) & 0x4, 0x4);
    assert_eq!(int_opt(&k, &p, nb, SOL_SOCKET, SO_ERROR), Ok(0));
    assert_eq!(call_addr(&k, &p, Sysno::connect, nb, &sin(LO, port)), 0);
    assert_eq!(call_addr(&k, &p, Sysno::connect, nb, &sin(LO, port)), EISCONN);

    // A refused non-blocking connect: POLLERR|POLLHUP, SO_ERROR says why (once).
    let nb2 = k.syscall(&p, Sysno::socket, [INET, STREAM | SOCK_NONBLOCK as usize, 0]) as usize;
    assert_eq!(call_addr(&k, &p, Sysno::connect, nb2, &sin(LO, 9)), EINPROGRESS);
    assert_eq!(poll(&k, &p, nb2) & 0x18, 0x18);
    assert_eq!(int_opt(&k, &p, nb2, SOL_SOCKET, SO_ERROR), Ok(ECONNREFUSED.unsigned_abs() as i32));
    assert_eq!(int_opt(&k, &p, nb2, SOL_SOCKET, SO_ERROR), Ok(0));
    let _ = l;
}

#[test]
fn a_reset_is_an_error_for_that_socket_only() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (_l, c, s) = connected(&k, &p);
    // SO_LINGER 0: close resets the connection.
    k.poke(&p, VAL, bytemuck::bytes_of(&Linger { onoff: 1, linger: 0 }));
    assert_eq!(k.syscall(&p, Sysno::setsockopt, [c, SOL_SOCKET as usize, SO_LINGER as usize, VAL, 8]), 0);
    assert_eq!(k.syscall(&p, Sysno::close, [c]), 0);
    assert_eq!(poll(&k, &p, s) & 0x2019, 0x2019, "IN|ERR|HUP|RDHUP");
    assert_eq!(recv(&k, &p, s, 64, 0), Err(ECONNRESET));
    assert_eq!(recv(&k, &p, s, 64, 0), Ok(vec![]));
    assert_eq!(send(&k, &p, s, b"x", MSG_NOSIGNAL), EPIPE);

    // Closing with unread bytes resets the peer too, as Linux.
    let (_l2, c2, s2) = connected(&k, &p);
    assert_eq!(send(&k, &p, c2, b"unread", 0), 6);
    assert_eq!(k.syscall(&p, Sysno::close, [s2]), 0);
    assert_eq!(recv(&k, &p, c2, 64, 0), Err(ECONNRESET));
}

#[test]
fn ports_conflict_as_linux_decides() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (_l, port) = listener(&k, &p, 4);
    let b = socket(&k, &p, INET, STREAM);
    assert_eq!(call_addr(&k, &p, Sysno::bind, b, &sin(LO, port)), EADDRINUSE);
    assert_eq!(call_addr(&k, &p, Sysno::bind, b, &sin([0; 4], port)), EADDRINUSE, "the wildcard overlaps");
    // SO_REUSEADDR on both lets two unconnected sockets share a port, not with a listener.
    let (x, y) = (socket(&k, &p, INET, STREAM), socket(&k, &p, INET, STREAM));
    for fd in [x, y] {
        assert_eq!(set_int(&k, &p, fd, SOL_SOCKET, SO_REUSEADDR, 1), 0);
    }
    assert_eq!(call_addr(&k, &p, Sysno::bind, x, &sin(LO, 40000)), 0);
    assert_eq!(call_addr(&k, &p, Sysno::bind, y, &sin(LO, 40000)), 0);
    assert_eq!(k.syscall(&p, Sysno::listen, [x, 1]), 0);
    assert_eq!(k.syscall(&p, Sysno::listen, [y, 1]), EADDRINUSE);
    // Bound twice, foreign addresses, UDP and TCP ports are separate.
    assert_eq!(call_addr(&k, &p, Sysno::bind, x, &sin(LO, 40001)), EINVAL);
    assert_eq!(call_addr(&k, &p, Sysno::bind, b, &sin([10, 0, 0, 1], 0)), EADDRNOTAVAIL);
    let u = socket(&k, &p, INET, DGRAM);
    assert_eq!(call_addr(&k, &p, Sysno::bind, u, &sin(LO, port)), 0);
}

/// A `struct mmsghdr` array at MSG of `n` messages, message `i` with one iovec of `len` bytes
/// at BUF + i * 256.
fn mmsgs(k: &TestKernel, p: &Caller, n: usize, len: usize) {
    for i in 0..n {
        let iov = Iovec { base: BUF + i * 256, len };
        k.poke(p, IOV + i * 16, bytemuck::bytes_of(&iov));
        let m = MMsgHdr { hdr: MsgHdr { iov: IOV + i * 16, iovlen: 1, ..Default::default() }, len: 0xdead, _pad: 0 };
        k.poke(p, MSG + i * 64, bytemuck::bytes_of(&m));
    }
}

fn msg_len(k: &TestKernel, p: &Caller, i: usize) -> u32 {
    k.peek_val::<MMsgHdr>(p, MSG + i * 64).len
}

#[test]
fn sendmmsg_and_recvmmsg_move_several_datagrams_in_one_call() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = socket(&k, &p, INET, DGRAM);
    let b = socket(&k, &p, INET, DGRAM);
    assert_eq!(call_addr(&k, &p, Sysno::bind, a, &sin(LO, 5001)), 0);
    assert_eq!(call_addr(&k, &p, Sysno::connect, b, &sin(LO, 5001)), 0);
    for (i, text) in [&b"one"[..], b"two!", b"three"].iter().enumerate() {
        k.poke(&p, BUF + i * 256, text);
    }
    mmsgs(&k, &p, 3, 0);
    for i in 0..3 {
        let len = [3, 4, 5][i];
        k.poke(&p, IOV + i * 16 + 8, &(len as usize).to_ne_bytes());
    }
    assert_eq!(k.syscall(&p, Sysno::sendmmsg, [b, MSG, 3, 0]), 3);
    assert_eq!((0..3).map(|i| msg_len(&k, &p, i)).collect::<Vec<_>>(), [3, 4, 5]);
    // Four slots, three datagrams: MSG_WAITFORONE returns with what there is.
    mmsgs(&k, &p, 4, 64);
    let ts = VAL + 0x100;
    k.poke(&p, ts, bytemuck::bytes_of(&abi::structs::Timespec { tv_sec: 5, tv_nsec: 0 }));
    assert_eq!(k.syscall(&p, Sysno::recvmmsg, [a, MSG, 4, MSG_WAITFORONE as usize, ts]), 3);
    assert_eq!((0..4).map(|i| msg_len(&k, &p, i)).collect::<Vec<_>>(), [3, 4, 5, 0xdead]);
    assert_eq!(k.peek(&p, BUF + 512, 5), b"three");
    assert_eq!(k.peek_val::<abi::structs::Timespec>(&p, ts).tv_sec, 5, "no time went by");
    // Nothing waiting and non-blocking: the error itself.
    assert_eq!(k.syscall(&p, Sysno::recvmmsg, [a, MSG, 4, MSG_DONTWAIT as usize, 0]), EAGAIN);
    // Errors before any message: a bad timeout, no socket, a bad vector.
    k.poke(&p, ts, bytemuck::bytes_of(&abi::structs::Timespec { tv_sec: 0, tv_nsec: 1_000_000_000 }));
    assert_eq!(k.syscall(&p, Sysno::recvmmsg, [a, MSG, 4, 0, ts]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::recvmmsg, [a, MSG, 4, MSG_CMSG_COMPAT as usize, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::sendmmsg, [0, MSG, 1, 0]), ENOTSOCK);
    assert_eq!(k.syscall(&p, Sysno::sendmmsg, [99, MSG, 1, 0]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::sendmmsg, [b, MSG, 0, 0]), 0, "no message");
    assert_eq!(k.syscall(&p, Sysno::sendmmsg, [b, usize::MAX - 8, 2, 0]), EFAULT);
    // An error after the first message ends the batch with the count so far.
    mmsgs(&k, &p, 2, 3);
    k.poke(&p, IOV + 16, bytemuck::bytes_of(&Iovec { base: usize::MAX - 2, len: 3 }));
    assert_eq!(k.syscall(&p, Sysno::sendmmsg, [b, MSG, 2, 0]), 1);
}

#[test]
fn udp_datagrams_keep_boundaries_and_senders() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = socket(&k, &p, INET, DGRAM);
    let b = socket(&k, &p, INET, DGRAM);
    assert_eq!(call_addr(&k, &p, Sysno::bind, a, &sin(LO, 5000)), 0);
    assert_eq!(poll(&k, &p, a), 0x304, "writable, nothing to read");
    assert_eq!(send(&k, &p, b, b"x", 0), EDESTADDRREQ);
    // sendto binds b to a free port; a sees it as the sender.
    let to = put(&k, &p, &sin(LO, 5000));
    k.poke(&p, BUF, b"one");
    assert_eq!(k.syscall(&p, Sysno::sendto, [b, BUF, 3, 0, ADDR, to]), 3);
    k.poke(&p, BUF, b"second");
    assert_eq!(k.syscall(&p, Sysno::sendto, [b, BUF, 6, 0, ADDR, to]), 6);
    let bname = name(&k, &p, Sysno::getsockname, b).unwrap();
    assert_eq!(poll(&k, &p, a) & 0x1, 0x1);
    k.poke(&p, LEN, &16i32.to_ne_bytes());
    assert_eq!(
        k.syscall(&p, Sysno::recvfrom, [a, BUF, 2, MSG_TRUNC as usize, ADDR + 256, LEN]),
        3,
        "MSG_TRUNC: the full size"
    );
    assert_eq!(k.peek(&p, BUF, 2), b"on");
    assert_eq!(&k.peek(&p, ADDR + 256, 16)[2..4], &bname[2..4]);
    assert_eq!(recv(&k, &p, a, 64, 0), Ok(b"second".to_vec()));
    assert_eq!(recv(&k, &p, a, 64, MSG_DONTWAIT), Err(EAGAIN));
    // A connected socket: send without address, and only its peer's datagrams arrive.
    let c = socket(&k, &p, INET, DGRAM);
    assert_eq!(&bname[4..8], &[0; 4], "bound by sendto to the wildcard");
    assert_eq!(call_addr(&k, &p, Sysno::connect, a, &bname), 0);
    assert_eq!(name(&k, &p, Sysno::getpeername, a), Ok(sin(LO, port_of(&bname))), "the wildcard is this machine");
    let to = put(&k, &p, &sin(LO, 5000));
    assert_eq!(k.syscall(&p, Sysno::sendto, [c, BUF, 1, 0, ADDR, to]), 1);
    assert_eq!(send(&k, &p, b, b"peer", 0), EDESTADDRREQ);
    k.poke(&p, BUF, b"peer");
    let to = put(&k, &p, &sin(LO, 5000));
    assert_eq!(k.syscall(&p, Sysno::sendto, [b, BUF, 4, 0, ADDR, to]), 4);
    assert_eq!(recv(&k, &p, a, 64, 0), Ok(b"peer".to_vec()), "c's datagram was not for a");
    assert_eq!(send(&k, &p, a, b"reply", 0), 5);
    assert_eq!(recv(&k, &p, b, 64, 0), Ok(b"reply".to_vec()));
    // Too big for UDP; AF_UNSPEC dissolves the association.
    assert_eq!(k.syscall(&p, Sysno::sendto, [a, BIG, 65508, 0, 0, 0]), EMSGSIZE);
    assert_eq!(call_addr(&k, &p, Sysno::connect, a, &AF_UNSPEC.to_ne_bytes()), 0);
    assert_eq!(name(&k, &p, Sysno::getpeername, a), Err(ENOTCONN));
}

#[test]
fn ipv6_and_dual_stack() {
    let k = TestKernel::new();
    let p = k.spawn();
    // A listener on [::]: IPv6 and IPv4 clients both arrive; the IPv4 one as ::ffff:127.0.0.1.
    let l = socket(&k, &p, INET6, STREAM);
    assert_eq!(int_opt(&k, &p, l, IPPROTO_IPV6, IPV6_V6ONLY), Ok(0));
    assert_eq!(call_addr(&k, &p, Sysno::bind, l, &sin6([0; 16], 7000)), 0);
    assert_eq!(set_int(&k, &p, l, IPPROTO_IPV6, IPV6_V6ONLY, 1), EINVAL, "bound already");
    assert_eq!(k.syscall(&p, Sysno::listen, [l, 4]), 0);
    let c6 = socket(&k, &p, INET6, STREAM);
    assert_eq!(call_addr(&k, &p, Sysno::connect, c6, &sin6(LO6, 7000)), 0);
    let s6 = k.syscall(&p, Sysno::accept, [l, 0, 0]) as usize;
    assert_eq!(&name(&k, &p, Sysno::getpeername, s6).unwrap()[8..24], &LO6);
    let c4 = socket(&k, &p, INET, STREAM);
    assert_eq!(call_addr(&k, &p, Sysno::connect, c4, &sin(LO, 7000)), 0);
    let s4 = k.syscall(&p, Sysno::accept, [l, 0, 0]) as usize;
    let peer = name(&k, &p, Sysno::getpeername, s4).unwrap();
    assert_eq!(peer.len(), 28);
    assert_eq!(&peer[8..24], &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);
    assert_eq!(send(&k, &p, c4, b"v4", 0), 2);
    assert_eq!(recv(&k, &p, s4, 8, 0), Ok(b"v4".to_vec()));
    // IPV6_V6ONLY: IPv4 is out of reach.
    let only = socket(&k, &p, INET6, STREAM);
    assert_eq!(set_int(&k, &p, only, IPPROTO_IPV6, IPV6_V6ONLY, 1), 0);
    let mapped = sin6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1], 7000);
    assert_eq!(call_addr(&k, &p, Sysno::connect, only, &mapped), ENETUNREACH);
    assert_eq!(int_opt(&k, &p, c4, IPPROTO_IPV6, IPV6_V6ONLY), Err(ENOPROTOOPT));
    // UDP over ::1.
    let (u1, u2) = (socket(&k, &p, INET6, DGRAM), socket(&k, &p, INET6, DGRAM));
    assert_eq!(call_addr(&k, &p, Sysno::bind, u1, &sin6(LO6, 7001)), 0);
    assert_eq!(call_addr(&k, &p, Sysno::connect, u2, &sin6(LO6, 7001)), 0);
    assert_eq!(send(&k, &p, u2, b"six", 0), 3);
    assert_eq!(recv(&k, &p, u1, 8, 0), Ok(b"six".to_vec()));
}

#[test]
fn options_types_and_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::socket, [INET, STREAM, IPPROTO_UDP as usize]), EPROTONOSUPPORT);
    assert_eq!(k.syscall(&p, Sysno::socket, [INET, SOCK_SEQPACKET as usize, 0]), ESOCKTNOSUPPORT);
    assert_eq!(k.syscall(&p, Sysno::socket, [INET, 99, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::socketpair, [INET, STREAM, 0, VAL]), EOPNOTSUPP);
    let t = socket(&k, &p, INET, STREAM);
    let u = socket(&k, &p, INET6, DGRAM);
    assert_eq!(int_opt(&k, &p, t, SOL_SOCKET, SO_TYPE), Ok(SOCK_STREAM));
    assert_eq!(int_opt(&k, &p, u, SOL_SOCKET, SO_DOMAIN), Ok(AF_INET6 as i32));
    assert_eq!(int_opt(&k, &p, u, SOL_SOCKET, SO_PROTOCOL), Ok(IPPROTO_UDP));
    assert_eq!(int_opt(&k, &p, t, IPPROTO_TCP, TCP_NODELAY), Ok(0));
    assert_eq!(set_int(&k, &p, t, IPPROTO_TCP, TCP_NODELAY, 1), 0);
    assert_eq!(int_opt(&k, &p, t, IPPROTO_TCP, TCP_NODELAY), Ok(1));
    assert_eq!(set_int(&k, &p, u, IPPROTO_TCP, TCP_NODELAY, 1), EOPNOTSUPP);
    assert_eq!(set_int(&k, &p, t, IPPROTO_TCP, 999, 1), ENOPROTOOPT);
    assert_eq!(set_int(&k, &p, t, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
    assert_eq!(int_opt(&k, &p, t, SOL_SOCKET, SO_KEEPALIVE), Ok(1));
    // A fresh TCP socket polls writable and hung up, as Linux's.
    assert_eq!(poll(&k, &p, t), 0x114);
    // Unconnected: no peer, nothing to receive, sending is EPIPE; wrong addresses.
    assert_eq!(name(&k, &p, Sysno::getpeername, t), Err(ENOTCONN));
    assert_eq!(recv(&k, &p, t, 8, 0), Err(ENOTCONN));
    assert_eq!(send(&k, &p, t, b"x", MSG_NOSIGNAL), EPIPE);
    assert_eq!(k.syscall(&p, Sysno::accept, [t, 0, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::listen, [u, 1]), EOPNOTSUPP);
    assert_eq!(call_addr(&k, &p, Sysno::bind, t, &sin(LO, 1)[..15]), EINVAL);
    assert_eq!(call_addr(&k, &p, Sysno::bind, t, &sin6(LO6, 1)), EAFNOSUPPORT);
    assert_eq!(call_addr(&k, &p, Sysno::connect, t, &sin([10, 1, 2, 3], 80)), ENETUNREACH);
    assert_eq!(k.syscall(&p, Sysno::bind, [t, 0, 16]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::bind, [t, ADDR, 4096]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::shutdown, [t, SHUT_RDWR as usize]), ENOTCONN);
    assert_eq!(k.syscall(&p, Sysno::shutdown, [t, 7]), EINVAL);
}

#[test]
fn flag_and_level_errors_as_linux_gives_them() {
    let k = TestKernel::new();
    let p = k.spawn();
    // A raw socket must name a protocol; socketpair checks the type first.
    assert_eq!(k.syscall(&p, Sysno::socket, [INET, SOCK_RAW as usize, 0]), EPROTONOSUPPORT);
    assert_eq!(k.syscall(&p, Sysno::socket, [INET, DGRAM, IPPROTO_TCP as usize]), EPROTONOSUPPORT);
    assert_eq!(k.syscall(&p, Sysno::socketpair, [INET, DGRAM, IPPROTO_TCP as usize, VAL]), EPROTONOSUPPORT);
    assert_eq!(k.syscall(&p, Sysno::socketpair, [INET, SOCK_RAW as usize, 0, VAL]), EPROTONOSUPPORT);
    assert_eq!(k.syscall(&p, Sysno::socketpair, [INET, DGRAM, 0, VAL]), EOPNOTSUPP);
    // getsockopt: IP knows no level but its own (EOPNOTSUPP); unknown names are ENOPROTOOPT.
    let (_, a, _) = connected(&k, &p);
    assert_eq!(int_opt(&k, &p, a, 500, SO_KEEPALIVE), Err(EOPNOTSUPP));
    assert_eq!(int_opt(&k, &p, a, IPPROTO_UDP, SO_KEEPALIVE), Err(EOPNOTSUPP));
    assert_eq!(int_opt(&k, &p, a, IPPROTO_IP, -1), Err(ENOPROTOOPT));
    assert_eq!(int_opt(&k, &p, a, IPPROTO_TCP, -1), Err(ENOPROTOOPT));
    let u = socket(&k, &p, INET, DGRAM);
    assert_eq!(int_opt(&k, &p, u, IPPROTO_UDP, -1), Err(ENOPROTOOPT));
    // No urgent data, an empty error queue; UDP has no urgent data to send.
    assert_eq!(recv(&k, &p, a, 8, MSG_OOB), Err(EINVAL));
    assert_eq!(recv(&k, &p, a, 8, MSG_ERRQUEUE), Err(EAGAIN));
    assert_eq!(send(&k, &p, u, b"x", MSG_OOB), EOPNOTSUPP);
    // recvmsg refuses the kernel's own compat flag.
    assert_eq!(k.syscall(&p, Sysno::recvmsg, [a, VAL, MSG_CMSG_COMPAT as usize]), EINVAL);
    // recvfrom on a stream still checks the address length (after taking the data).
    let (_, c, s) = connected(&k, &p);
    assert_eq!(send(&k, &p, c, b"hi", 0), 2);
    k.poke(&p, LEN, &(-1i32).to_ne_bytes());
    assert_eq!(k.syscall(&p, Sysno::recvfrom, [s, BUF, 8, 0, VAL, LEN]), EINVAL);
    k.poke(&p, LEN, &16i32.to_ne_bytes());
    assert_eq!(send(&k, &p, c, b"yo", 0), 2);
    assert_eq!(k.syscall(&p, Sysno::recvfrom, [s, BUF, 8, 0, VAL, LEN]), 2);
    assert_eq!(k.peek_val::<i32>(&p, LEN), 0, "a stream gives no address");
    // An O_PATH descriptor is no socket to use: EBADF.
    k.poke(&p, VAL, b"/\0");
    let path = k.syscall(&p, Sysno::openat, [AT_FDCWD as usize, VAL, OpenFlags::PATH.bits() as usize, 0]);
    assert!(path >= 0);
    assert_eq!(k.syscall(&p, Sysno::accept, [path as usize, 0, 0]), EBADF);
    assert_eq!(int_opt(&k, &p, path as usize, SOL_SOCKET, SO_TYPE), Err(EBADF));
}

#[test]
fn a_full_backlog_refuses_and_closing_a_listener_resets_its_pending_connections() {
    let k = TestKernel::new();
    let p = k.spawn();
    // backlog 0 holds one pending connection (Linux: backlog + 1).
    let (l, port) = listener(&k, &p, 0);
    let a = socket(&k, &p, INET, STREAM);
    assert_eq!(call_addr(&k, &p, Sysno::connect, a, &sin(LO, port)), 0);
    // Linux would leave the SYN unanswered; this stack refuses it.
    let b = socket(&k, &p, INET, STREAM);
    assert_eq!(call_addr(&k, &p, Sysno::connect, b, &sin(LO, port)), ECONNREFUSED);
    assert_eq!(k.syscall(&p, Sysno::close, [l]), 0);
    assert_eq!(recv(&k, &p, a, 8, 0), Err(ECONNRESET));
}

#[test]
fn ports_below_1024_are_for_cap_net_bind_service() {
    let k = TestKernel::new();
    let p = k.spawn();
    let s = socket(&k, &p, AF_INET as usize, SOCK_STREAM as usize);
    let user = k.fork(&p);
    assert_eq!(k.syscall(&user, Sysno::setresuid, [1000, 1000, 1000]), 0);
    let us = socket(&k, &user, AF_INET as usize, SOCK_STREAM as usize);
    assert_eq!(call_addr(&k, &user, Sysno::bind, us, &sin(LO, 1023)), EACCES);
    assert_eq!(call_addr(&k, &user, Sysno::bind, us, &sin(LO, 0)), 0, "any free port");
    assert_eq!(call_addr(&k, &p, Sysno::bind, s, &sin(LO, 1023)), 0, "root may");
}
