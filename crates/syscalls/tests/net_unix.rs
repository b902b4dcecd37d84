//! AF_UNIX sockets through the dispatch table: socketpair, names in the file system and
//! abstract ones, listen/connect/accept, streams, datagrams and seqpacket messages, SCM_RIGHTS,
//! peer credentials, options, shutdown, readiness, and the errors Linux gives.
use abi::flags::*;
use abi::net::*;
use abi::structs::{Iovec, Stat, Timeval};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const FDS: usize = SCRATCH + 0xf_0000;
const BUF: usize = SCRATCH;
const ADDR: usize = SCRATCH + 0xe_0000;
const LEN: usize = SCRATCH + 0xe_1000;
const MSG: usize = SCRATCH + 0xd_0000;
const IOV: usize = SCRATCH + 0xd_1000;
const CTL: usize = SCRATCH + 0xd_2000;

const STREAM: usize = SOCK_STREAM as usize;
const DGRAM: usize = SOCK_DGRAM as usize;
const UNIX: usize = AF_UNIX as usize;

fn pair(k: &TestKernel, p: &Caller, ty: usize) -> (usize, usize) {
    assert_eq!(k.syscall(p, Sysno::socketpair, [UNIX, ty, 0, FDS]), 0);
    let fds: [i32; 2] = k.peek_val(p, FDS);
    (fds[0] as usize, fds[1] as usize)
}

fn socket(k: &TestKernel, p: &Caller, ty: usize) -> usize {
    let fd = k.syscall(p, Sysno::socket, [UNIX, ty, 0]);
    assert!(fd >= 0, "socket: {fd}");
    fd as usize
}

/// A `sockaddr_un` for `path` (a leading NUL: abstract) at ADDR; returns its length.
fn sun(k: &TestKernel, p: &Caller, path: &[u8]) -> usize {
    let mut a = AF_UNIX.to_ne_bytes().to_vec();
    a.extend_from_slice(path);
    if path.first() != Some(&0) {
        a.push(0);
    }
    k.poke(p, ADDR, &a);
    a.len()
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

fn listener(k: &TestKernel, p: &Caller, path: &[u8]) -> usize {
    let s = socket(k, p, STREAM);
    let len = sun(k, p, path);
    assert_eq!(k.syscall(p, Sysno::bind, [s, ADDR, len]), 0);
    assert_eq!(k.syscall(p, Sysno::listen, [s, 4]), 0);
    s
}

#[test]
fn a_socketpair_is_a_two_way_stream() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (a, b) = pair(&k, &p, STREAM);
    assert_eq!(send(&k, &p, a, b"ping", 0), 4);
    assert_eq!(recv(&k, &p, b, 64, MSG_PEEK), Ok(b"ping".to_vec()), "peek leaves it");
    assert_eq!(recv(&k, &p, b, 2, 0), Ok(b"pi".to_vec()));
    assert_eq!(recv(&k, &p, b, 64, 0), Ok(b"ng".to_vec()));
    // read/write work as on any file.
    k.poke(&p, BUF, b"pong");
    assert_eq!(k.syscall(&p, Sysno::write, [b, BUF, 4]), 4);
    assert_eq!(k.syscall(&p, Sysno::read, [a, BUF + 100, 64]), 4);
    assert_eq!(recv(&k, &p, a, 64, MSG_DONTWAIT), Err(EAGAIN));
    // SHUT_WR: the other end reads the end; the writer gets EPIPE (and SIGPIPE unless
    // MSG_NOSIGNAL).
    assert_eq!(k.syscall(&p, Sysno::shutdown, [a, SHUT_WR as usize]), 0);
    assert_eq!(recv(&k, &p, b, 64, 0), Ok(vec![]));
    assert_eq!(send(&k, &p, a, b"x", MSG_NOSIGNAL), EPIPE);
    assert_eq!(task::signal::pending(p.thread()), 0);
    assert_eq!(send(&k, &p, a, b"x", 0), EPIPE);
    assert_eq!(k.exit_status(&p), Some(task::process::ExitStatus::Signaled(abi::signal::SIGPIPE)));
}

#[test]
fn closing_with_unread_data_resets_the_peer() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (a, b) = pair(&k, &p, STREAM);
    assert_eq!(send(&k, &p, a, b"left unread", 0), 11);
    assert_eq!(send(&k, &p, b, b"for a", 0), 5);
    assert_eq!(k.syscall(&p, Sysno::close, [b]), 0);
    assert_eq!(recv(&k, &p, a, 64, 0), Ok(b"for a".to_vec()), "data first");
    assert_eq!(recv(&k, &p, a, 64, 0), Err(ECONNRESET));
    assert_eq!(recv(&k, &p, a, 64, 0), Ok(vec![]), "then the end");
    assert_eq!(send(&k, &p, a, b"x", MSG_NOSIGNAL), EPIPE);
}

#[test]
fn listen_connect_accept_by_path_and_abstract_name() {
    let k = TestKernel::new();
    let p = k.spawn();
    let srv = listener(&k, &p, b"/tmp/sock");
    // The name is a socket node in the file system; binding it again is EADDRINUSE.
    k.poke_str(&p, BUF, "/tmp/sock");
    assert_eq!(k.syscall(&p, Sysno::newfstatat, [AT_FDCWD as usize, BUF, BUF + 256, 0]), 0);
    assert_eq!(k.peek_val::<Stat>(&p, BUF + 256).st_mode & S_IFMT, S_IFSOCK);
    let other = socket(&k, &p, STREAM);
    let len = sun(&k, &p, b"/tmp/sock");
    assert_eq!(k.syscall(&p, Sysno::bind, [other, ADDR, len]), EADDRINUSE);
    // Connect, then accept: each end knows the other.
    let c = socket(&k, &p, STREAM);
    assert_eq!(k.syscall(&p, Sysno::connect, [c, ADDR, len]), 0);
    assert_eq!(k.syscall(&p, Sysno::connect, [c, ADDR, len]), EISCONN);
    k.poke(&p, LEN, &128i32.to_ne_bytes());
    let s = k.syscall(&p, Sysno::accept4, [srv, ADDR + 256, LEN, SOCK_CLOEXEC as usize]);
    assert!(s >= 0);
    let s = s as usize;
    assert_eq!(k.peek_val::<i32>(&p, LEN), 2, "the client is unnamed");
    assert_eq!(send(&k, &p, c, b"hello", 0), 5);
    assert_eq!(recv(&k, &p, s, 64, 0), Ok(b"hello".to_vec()));
    k.poke(&p, LEN, &128i32.to_ne_bytes());
    assert_eq!(k.syscall(&p, Sysno::getpeername, [c, ADDR + 256, LEN]), 0);
    assert_eq!(k.peek(&p, ADDR + 258, 10), b"/tmp/sock\0");
    k.poke(&p, LEN, &128i32.to_ne_bytes());
    assert_eq!(k.syscall(&p, Sysno::getsockname, [s, ADDR + 256, LEN]), 0);
    assert_eq!(k.peek_val::<i32>(&p, LEN), 12);
    // SO_PEERCRED: the process on the other end.
    k.poke(&p, LEN, &12i32.to_ne_bytes());
    assert_eq!(k.syscall(&p, Sysno::getsockopt, [s, SOL_SOCKET as usize, SO_PEERCRED as usize, BUF, LEN]), 0);
    assert_eq!(k.peek_val::<Ucred>(&p, BUF), Ucred { pid: p.process().pid as i32, uid: 0, gid: 0 });
    // Nothing more to accept; the listener gone, its name refuses connections.
    k.poke(&p, LEN, &128i32.to_ne_bytes());
    k.poke(&p, BUF, &(OpenFlags::NONBLOCK.bits() as i32).to_ne_bytes());
    assert_eq!(k.syscall(&p, Sysno::fcntl, [srv, F_SETFL as usize, OpenFlags::NONBLOCK.bits() as usize]), 0);
    assert_eq!(k.syscall(&p, Sysno::accept, [srv, 0, 0]), EAGAIN);
    assert_eq!(k.syscall(&p, Sysno::close, [srv]), 0);
    let c2 = socket(&k, &p, STREAM);
    assert_eq!(k.syscall(&p, Sysno::connect, [c2, ADDR, len]), ECONNREFUSED);
    let len = sun(&k, &p, b"/tmp/nothing");
    assert_eq!(k.syscall(&p, Sysno::connect, [c2, ADDR, len]), ENOENT);
    // Abstract names are not in the file system.
    let abs = listener(&k, &p, b"\0bakaex-test");
    let len = sun(&k, &p, b"\0bakaex-test");
    assert_eq!(k.syscall(&p, Sysno::connect, [c2, ADDR, len]), 0);
    assert!(k.syscall(&p, Sysno::accept, [abs, 0, 0]) >= 0);
}

#[test]
fn a_blocking_accept_waits_for_a_connect() {
    let k = TestKernel::new();
    let p = k.spawn();
    let srv = listener(&k, &p, b"\0wait");
    let c = socket(&k, &p, STREAM);
    let len = sun(&k, &p, b"\0wait");
    k.syscall_later(&p, Sysno::connect, [c, ADDR, len]);
    assert!(k.syscall(&p, Sysno::accept, [srv, 0, 0]) >= 0);
}

#[test]
fn datagrams_keep_boundaries_and_senders() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = socket(&k, &p, DGRAM);
    let b = socket(&k, &p, DGRAM);
    let lb = sun(&k, &p, b"\0dgram-b");
    assert_eq!(k.syscall(&p, Sysno::bind, [b, ADDR, lb]), 0);
    let la = sun(&k, &p, b"\0dgram-a");
    assert_eq!(k.syscall(&p, Sysno::bind, [a, ADDR, la]), 0);
    assert_eq!(send(&k, &p, a, b"x", 0), ENOTCONN, "no destination");
    sun(&k, &p, b"\0dgram-b");
    k.poke(&p, BUF, b"first message");
    assert_eq!(k.syscall(&p, Sysno::sendto, [a, BUF, 13, 0, ADDR, lb]), 13);
    k.poke(&p, BUF, b"second");
    assert_eq!(k.syscall(&p, Sysno::sendto, [a, BUF, 6, 0, ADDR, lb]), 6);
    // A short buffer cuts the message; MSG_TRUNC returns its real length.
    k.poke(&p, LEN, &64i32.to_ne_bytes());
    assert_eq!(k.syscall(&p, Sysno::recvfrom, [b, BUF, 5, MSG_TRUNC as usize, ADDR + 256, LEN]), 13);
    assert_eq!(k.peek(&p, BUF, 5), b"first");
    assert_eq!(k.peek(&p, ADDR + 258, 8), b"\0dgram-a", "the sender's name");
    assert_eq!(k.peek_val::<i32>(&p, LEN), 10);
    assert_eq!(recv(&k, &p, b, 64, 0), Ok(b"second".to_vec()), "the rest of the first is gone");
    // Connected: send without an address; ECONNREFUSED once the peer is gone.
    sun(&k, &p, b"\0dgram-b");
    assert_eq!(k.syscall(&p, Sysno::connect, [a, ADDR, lb]), 0);
    assert_eq!(send(&k, &p, a, b"to b", 0), 4);
    assert_eq!(recv(&k, &p, b, 64, 0), Ok(b"to b".to_vec()));
    assert_eq!(k.syscall(&p, Sysno::close, [b]), 0);
    assert_eq!(send(&k, &p, a, b"x", 0), ECONNREFUSED);
}

#[test]
fn a_datagram_sender_waits_for_room_at_its_receiver() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = socket(&k, &p, DGRAM);
    let b = socket(&k, &p, DGRAM);
    let lb = sun(&k, &p, b"\0full");
    assert_eq!(k.syscall(&p, Sysno::bind, [b, ADDR, lb]), 0);
    k.poke(&p, BUF, b"m");
    let dontwait = MSG_DONTWAIT as usize;
    for _ in 0..net::unix::MAX_DATAGRAMS {
        assert_eq!(k.syscall(&p, Sysno::sendto, [a, BUF, 1, dontwait, ADDR, lb]), 1);
    }
    assert_eq!(k.syscall(&p, Sysno::sendto, [a, BUF, 1, dontwait, ADDR, lb]), EAGAIN, "the receiver is full");
    // A blocking sender waits at the receiver: a receive there makes room for it...
    k.syscall_later(&p, Sysno::recvfrom, [b, BUF + 0x1000, 16, 0, 0, 0]);
    assert_eq!(k.syscall(&p, Sysno::sendto, [a, BUF, 1, 0, ADDR, lb]), 1);
    // ... and the receiver's close refuses it (the socket it looked up is gone).
    k.syscall_later(&p, Sysno::close, [b]);
    assert_eq!(k.syscall(&p, Sysno::sendto, [a, BUF, 1, 0, ADDR, lb]), ECONNREFUSED);
}

#[test]
fn seqpacket_messages_stay_whole() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (a, b) = pair(&k, &p, SOCK_SEQPACKET as usize);
    assert_eq!(send(&k, &p, a, b"one", 0), 3);
    assert_eq!(send(&k, &p, a, b"two!", 0), 4);
    assert_eq!(recv(&k, &p, b, 64, 0), Ok(b"one".to_vec()));
    assert_eq!(recv(&k, &p, b, 2, 0), Ok(b"tw".to_vec()));
    assert_eq!(recv(&k, &p, b, 64, MSG_DONTWAIT), Err(EAGAIN), "the cut part is gone");
}

fn msghdr(k: &TestKernel, p: &Caller, data_at: usize, len: usize, control: usize, controllen: usize) {
    k.poke(p, IOV, bytemuck::bytes_of(&Iovec { base: data_at, len }));
    let m = MsgHdr { iov: IOV, iovlen: 1, control, controllen, ..MsgHdr::default() };
    k.poke(p, MSG, bytemuck::bytes_of(&m));
}

#[test]
fn scm_rights_passes_open_files() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (a, b) = pair(&k, &p, STREAM);
    assert_eq!(k.syscall(&p, Sysno::pipe2, [FDS + 64, 0]), 0);
    let pipe: [i32; 2] = k.peek_val(&p, FDS + 64);
    // Send the pipe's write end along with one byte.
    let mut ctl = bytemuck::bytes_of(&CmsgHdr { len: 20, level: SOL_SOCKET, kind: SCM_RIGHTS }).to_vec();
    ctl.extend_from_slice(&pipe[1].to_ne_bytes());
    ctl.resize(24, 0);
    k.poke(&p, CTL, &ctl);
    k.poke(&p, BUF, b"F");
    msghdr(&k, &p, BUF, 1, CTL, 24);
    assert_eq!(k.syscall(&p, Sysno::sendmsg, [a, MSG, 0]), 1);
    assert_eq!(k.syscall(&p, Sysno::close, [pipe[1] as usize]), 0);
    // Receive it: a new descriptor for the same pipe.
    k.poke(&p, CTL, &[0; 64]);
    msghdr(&k, &p, BUF + 100, 16, CTL, 64);
    assert_eq!(k.syscall(&p, Sysno::recvmsg, [b, MSG, MSG_CMSG_CLOEXEC as usize]), 1);
    let m: MsgHdr = k.peek_val(&p, MSG);
    assert_eq!((m.controllen, m.flags), (24, 0), "CMSG_SPACE(4), as Linux reports it");
    let h: CmsgHdr = k.peek_val(&p, CTL);
    assert_eq!((h.len, h.level, h.kind), (20, SOL_SOCKET, SCM_RIGHTS));
    let fd: i32 = k.peek_val(&p, CTL + 16);
    k.poke(&p, BUF, b"through");
    assert_eq!(k.syscall(&p, Sysno::write, [fd as usize, BUF, 7]), 7);
    assert_eq!(k.syscall(&p, Sysno::read, [pipe[0] as usize, BUF + 200, 16]), 7);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd as usize, F_GETFD as usize]), 1, "MSG_CMSG_CLOEXEC");
    // No room for the descriptor: MSG_CTRUNC, and it is not installed.
    let mut ctl0 = ctl.clone();
    ctl0[16..20].copy_from_slice(&pipe[0].to_ne_bytes());
    k.poke(&p, CTL, &ctl0);
    msghdr(&k, &p, BUF, 1, CTL, 24);
    assert_eq!(k.syscall(&p, Sysno::sendmsg, [a, MSG, 0]), 1);
    msghdr(&k, &p, BUF + 100, 16, CTL, 0);
    assert_eq!(k.syscall(&p, Sysno::recvmsg, [b, MSG, 0]), 1);
    let m: MsgHdr = k.peek_val(&p, MSG);
    assert_eq!((m.controllen, m.flags), (0, MSG_CTRUNC));
    let next = k.syscall(&p, Sysno::dup, [0]);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [next as usize + 1, F_GETFD as usize]), EBADF, "nothing installed");
    // A descriptor that is not open.
    ctl0[16..20].copy_from_slice(&77i32.to_ne_bytes());
    k.poke(&p, CTL, &ctl0);
    msghdr(&k, &p, BUF, 1, CTL, 24);
    assert_eq!(k.syscall(&p, Sysno::sendmsg, [a, MSG, 0]), EBADF);
    // A bad control message.
    let bad = bytemuck::bytes_of(&CmsgHdr { len: 20, level: SOL_SOCKET, kind: 99 }).to_vec();
    k.poke(&p, CTL, &bad);
    msghdr(&k, &p, BUF, 1, CTL, 24);
    assert_eq!(k.syscall(&p, Sysno::sendmsg, [a, MSG, 0]), EINVAL);
}

#[test]
fn options_and_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::socket, [99, STREAM, 0]), EAFNOSUPPORT);
    assert_eq!(k.syscall(&p, Sysno::socket, [UNIX, 9, 0]), ESOCKTNOSUPPORT);
    assert_eq!(k.syscall(&p, Sysno::socket, [UNIX, 15, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::socket, [UNIX, STREAM, 6]), EPROTONOSUPPORT);
    assert_eq!(k.syscall(&p, Sysno::socketpair, [AF_INET as usize, STREAM, 0, FDS]), EOPNOTSUPP);
    let s = socket(&k, &p, STREAM);
    let getint = |name: i32| -> isize {
        k.poke(&p, LEN, &4i32.to_ne_bytes());
        match k.syscall(&p, Sysno::getsockopt, [s, SOL_SOCKET as usize, name as usize, BUF, LEN]) {
            0 => k.peek_val::<i32>(&p, BUF) as isize,
            e => e,
        }
    };
    assert_eq!(getint(SO_TYPE), SOCK_STREAM as isize);
    assert_eq!(getint(SO_DOMAIN), AF_UNIX as isize);
    assert_eq!(getint(SO_ERROR), 0);
    assert_eq!(getint(SO_ACCEPTCONN), 0);
    assert_eq!(getint(12345), ENOPROTOOPT);
    k.poke(&p, BUF, &10000i32.to_ne_bytes());
    assert_eq!(k.syscall(&p, Sysno::setsockopt, [s, SOL_SOCKET as usize, SO_SNDBUF as usize, BUF, 4]), 0);
    assert_eq!(getint(SO_SNDBUF), 20000, "doubled, as Linux");
    assert_eq!(k.syscall(&p, Sysno::setsockopt, [s, SOL_SOCKET as usize, SO_SNDBUF as usize, BUF, 2]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::setsockopt, [s, 6, 1, BUF, 4]), EOPNOTSUPP, "no TCP options on AF_UNIX");
    k.poke(&p, BUF, bytemuck::bytes_of(&Timeval { tv_sec: 0, tv_usec: 2_000_000 }));
    assert_eq!(k.syscall(&p, Sysno::setsockopt, [s, SOL_SOCKET as usize, SO_RCVTIMEO as usize, BUF, 16]), EDOM);
    // Unconnected, unbound.
    assert_eq!(k.syscall(&p, Sysno::listen, [s, 1]), EINVAL);
    assert_eq!(send(&k, &p, s, b"x", 0), ENOTCONN);
    assert_eq!(recv(&k, &p, s, 1, 0), Err(EINVAL));
    assert_eq!(k.syscall(&p, Sysno::shutdown, [s, 0]), 0, "remembered, not checked");
    k.poke(&p, LEN, &16i32.to_ne_bytes());
    assert_eq!(k.syscall(&p, Sysno::getpeername, [s, ADDR, LEN]), ENOTCONN);
    // Not a socket.
    assert_eq!(k.syscall(&p, Sysno::pipe2, [FDS, 0]), 0);
    let fds: [i32; 2] = k.peek_val(&p, FDS);
    assert_eq!(k.syscall(&p, Sysno::listen, [fds[0] as usize, 1]), ENOTSOCK);
    assert_eq!(k.syscall(&p, Sysno::listen, [99, 1]), EBADF);
    // A receive timeout ends a wait with EAGAIN (virtual time).
    let (a, _b) = pair(&k, &p, STREAM);
    k.poke(&p, BUF, bytemuck::bytes_of(&Timeval { tv_sec: 0, tv_usec: 5000 }));
    assert_eq!(k.syscall(&p, Sysno::setsockopt, [a, SOL_SOCKET as usize, SO_RCVTIMEO as usize, BUF, 16]), 0);
    let start = hal::time::now_ns();
    assert_eq!(recv(&k, &p, a, 8, 0), Err(EAGAIN));
    assert_eq!(hal::time::now_ns() - start, 5_000_000);
}

#[test]
fn sockets_are_ready_through_poll() {
    use abi::structs::PollFd;
    let k = TestKernel::new();
    let p = k.spawn();
    let (a, b) = pair(&k, &p, STREAM);
    let poll = |fd: usize| -> i16 {
        k.poke(&p, BUF + 512, bytemuck::bytes_of(&PollFd { fd: fd as i32, events: 0x2007, revents: 0 }));
        k.poke(&p, BUF + 600, &[0; 16]);
        k.syscall(&p, Sysno::ppoll, [BUF + 512, 1, BUF + 600, 0, 0]);
        k.peek_val::<PollFd>(&p, BUF + 512).revents
    };
    assert_eq!(poll(a), 0x4, "writable only");
    assert_eq!(send(&k, &p, b, b"x", 0), 1);
    assert_eq!(poll(a), 0x5);
    assert_eq!(k.syscall(&p, Sysno::close, [b]), 0);
    assert_eq!(poll(a) & 0x2011, 0x2011, "IN|HUP|RDHUP after the peer closed");
    let srv = listener(&k, &p, b"\0poll");
    assert_eq!(poll(srv), 0);
    let c = socket(&k, &p, STREAM);
    let len = sun(&k, &p, b"\0poll");
    assert_eq!(k.syscall(&p, Sysno::connect, [c, ADDR, len]), 0);
    assert_eq!(poll(srv), 0x1, "a connection to accept");
}
