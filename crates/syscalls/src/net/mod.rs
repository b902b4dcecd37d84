//! Socket calls: socket, socketpair, bind, listen, accept, connect, send and receive (with
//! addresses, iovecs and control messages), shutdown, names and options. The sockets are crate
//! `net`'s; this module resolves names in the file system, copies user memory, turns SCM_RIGHTS
//! descriptors into open files and back, and waits (on the socket's queue, with SO_RCVTIMEO /
//! SO_SNDTIMEO, woken never polled) unless the socket or the call is non-blocking.
//!
//! Each call first asks whether the descriptor is an AF_INET/AF_INET6 socket ([`inet`]); the
//! rest of this module is AF_UNIX's.
// Without the IP stack (feature `inet` off) the same names answer EAFNOSUPPORT / never match.
#[cfg_attr(not(feature = "inet"), path = "inet_off.rs")]
mod inet;
mod ioctl;

use crate::fs::PathStart;
use crate::Caller;
use abi::flags::{OpenFlags, AT_FDCWD};
use abi::net::*;
use abi::structs::{Iovec, Timespec, Timeval};
use abi::{Errno, SysResult};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use fs::{File, FileKind};
use inet::{as_inet, InetSocket};
use mm::{UserPtr, UserSlice, UserSliceMut};
use net::unix::{self, Extras, Key, Kind, Received};
use net::{as_unix, Options, UnixAddr, UnixSocket};

pub use ioctl::*;

/// Bytes moved per step of a long send (the socket takes at most its capacity anyway).
const CHUNK: usize = 64 * 1024;
/// Control data sendmsg reads at most (Linux's optmem_max is 20 KiB).
const MAX_CONTROL: usize = 20 * 1024;
/// iovecs a message may have (IOV_MAX).
const IOV_MAX: usize = 1024;

fn cred(cx: &Caller) -> Ucred {
    Ucred { pid: cx.process().pid as i32, uid: 0, gid: 0 }
}

/// The open file `fd` and its socket: EBADF, or ENOTSOCK for another kind of file.
fn socket(cx: &Caller, fd: i32) -> SysResult<(Arc<File>, Arc<UnixSocket>)> {
    let file = cx.io_file(fd)?;
    let sock = as_unix(&file).ok_or(Errno::ENOTSOCK)?.arc();
    Ok((file, sock))
}

fn install(cx: &Caller, sock: Arc<UnixSocket>, flags: i32) -> SysResult<i32> {
    install_file(cx, sock, flags)
}

/// The open file `fd` and its socket if it is an AF_INET/AF_INET6 one (EBADF for no file).
fn inet_socket(cx: &Caller, fd: i32) -> SysResult<Option<(Arc<File>, Arc<InetSocket>)>> {
    let file = cx.io_file(fd)?;
    let sock = as_inet(&file).map(|s| s.arc());
    Ok(sock.map(|s| (file, s)))
}

fn install_file(cx: &Caller, inode: Arc<dyn fs::Inode>, flags: i32) -> SysResult<i32> {
    let status = OpenFlags::RDWR | (OpenFlags::from_bits_retain(flags as u32) & OpenFlags::NONBLOCK);
    let file = Arc::new(File::new(inode, status, String::from("socket:")));
    cx.process().files().insert(file, flags & SOCK_CLOEXEC != 0)
}

/// socket(2): AF_UNIX, AF_INET and AF_INET6.
pub async fn sys_socket(cx: &Caller, domain: i32, ty: i32, protocol: i32) -> SysResult<usize> {
    if domain == AF_INET as i32 || domain == AF_INET6 as i32 {
        return inet::socket(cx, domain, ty, protocol);
    }
    let kind = socket_kind(domain, ty, protocol)?;
    Ok(install(cx, UnixSocket::new(kind, cred(cx)), ty)? as usize)
}

fn socket_kind(domain: i32, ty: i32, protocol: i32) -> SysResult<Kind> {
    if ty & !(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    if domain != AF_UNIX as i32 {
        return Err(Errno::EAFNOSUPPORT);
    }
    let kind = Kind::from_type(ty & SOCK_TYPE_MASK)?;
    if protocol != 0 && protocol != AF_UNIX as i32 {
        return Err(Errno::EPROTONOSUPPORT);
    }
    Ok(kind)
}

/// socketpair(2).
pub async fn sys_socketpair(cx: &Caller, domain: i32, ty: i32, protocol: i32, sv: UserPtr<[i32; 2]>) -> SysResult<()> {
    let kind = match socket_kind(domain, ty, protocol) {
        // An internet socket is made (with its own errors), then refuses to pair.
        Err(Errno::EAFNOSUPPORT) if domain == AF_INET as i32 || domain == AF_INET6 as i32 => {
            inet::proto_of(ty, protocol)?;
            return Err(Errno::EOPNOTSUPP);
        }
        r => r?,
    };
    let (a, b) = UnixSocket::pair(kind, cred(cx));
    let fa = install(cx, a, ty)?;
    let fb = match install(cx, b, ty) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = cx.process().files().remove(fa);
            return Err(e);
        }
    };
    if let Err(e) = sv.write(&mut cx.mm(), &[fa, fb]) {
        let mut files = cx.process().files();
        let gone = (files.remove(fa), files.remove(fb));
        drop(files);
        drop(gone);
        return Err(e);
    }
    Ok(())
}

/// The `sockaddr_un` of `len` bytes at `addr`.
fn read_addr(cx: &Caller, addr: usize, len: u32) -> SysResult<UnixAddr> {
    if len as usize > 2 + UNIX_PATH_MAX || len < 2 {
        return Err(Errno::EINVAL);
    }
    let bytes = UserSlice::<u8>::new(addr, len as usize).read(&mut cx.mm())?;
    UnixAddr::parse(&bytes)
}

fn path_str(p: &[u8]) -> SysResult<String> {
    String::from_utf8(p.to_vec()).map_err(|_| Errno::EINVAL)
}

/// The live socket a name leads to: a socket node in the file system, or an abstract name.
/// ECONNREFUSED if nothing is bound there (ENOENT if the path does not exist).
fn find(cx: &Caller, addr: &UnixAddr) -> SysResult<Arc<UnixSocket>> {
    let key = match addr {
        UnixAddr::Unnamed => return Err(Errno::EINVAL),
        UnixAddr::Abstract(n) => Key::Abstract(n.clone()),
        UnixAddr::Path(p) => {
            let path = path_str(p)?;
            let node = PathStart::new(cx, AT_FDCWD as i32, &path)?.lookup(&path, true)?;
            if node.kind() != FileKind::Socket {
                return Err(Errno::ECONNREFUSED);
            }
            let (dev, ino) = node.id();
            Key::Node(dev, ino)
        }
    };
    unix::lookup(&key).ok_or(Errno::ECONNREFUSED)
}

/// bind(2): a path makes a socket node (EADDRINUSE if the name exists), an abstract name is
/// registered, the family alone picks an abstract name.
pub async fn sys_bind(cx: &Caller, fd: i32, addr: usize, len: u32) -> SysResult<()> {
    if let Some((_, s)) = inet_socket(cx, fd)? {
        return inet::bind(cx, &s, addr, len);
    }
    let (_file, sock) = socket(cx, fd)?;
    let addr = read_addr(cx, addr, len)?;
    // A path that exists is EADDRINUSE even for a bound socket (Linux makes the node first).
    if sock.is_bound() && !matches!(addr, UnixAddr::Path(_)) {
        return Err(Errno::EINVAL);
    }
    match addr {
        UnixAddr::Unnamed => sock.autobind(),
        UnixAddr::Abstract(ref n) => sock.bind(Key::Abstract(n.clone()), addr.clone()),
        UnixAddr::Path(ref p) => {
            let path = path_str(p)?;
            let start = PathStart::new(cx, AT_FDCWD as i32, &path)?;
            let parent = start.parent(&path)?;
            if !parent.is_normal() || start.resolver.step(&parent.dir, &parent.name).is_ok() {
                return Err(Errno::EADDRINUSE);
            }
            if sock.is_bound() {
                return Err(Errno::EINVAL);
            }
            let umask = cx.process().fs.lock().umask;
            let node = parent.dir.node.create(&parent.name, FileKind::Socket, 0o777 & !umask)?;
            let (dev, ino) = node.id();
            sock.bind(Key::Node(dev, ino), addr)
        }
    }
}

/// listen(2).
pub async fn sys_listen(cx: &Caller, fd: i32, backlog: i32) -> SysResult<()> {
    if let Some((_, s)) = inet_socket(cx, fd)? {
        return s.listen(backlog);
    }
    let (_file, sock) = socket(cx, fd)?;
    sock.listen(backlog)
}

/// Run `op` until it stops answering EAGAIN, waiting on `queue` in between unless
/// `nonblocking`; with `timeout` (SO_RCVTIMEO/SO_SNDTIMEO, zero: none) the wait ends with
/// EAGAIN. A signal ends it with ERESTARTSYS (EINTR when a timeout was set, as Linux).
async fn wait<T>(
    cx: &Caller,
    queue: &sync::WaitQueue,
    nonblocking: bool,
    timeout: Timeval,
    mut op: impl FnMut() -> SysResult<T>,
) -> SysResult<T> {
    if nonblocking {
        return op();
    }
    let wait = queue.wait_until(|| match op() {
        Err(Errno::EAGAIN) => None,
        r => Some(r),
    });
    let ns = (timeout.tv_sec.max(0) as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(timeout.tv_usec.max(0) as u64 * 1000);
    if ns == 0 {
        return task::signal::interruptible(cx.thread(), wait).await?;
    }
    let deadline = hal::time::now_ns().saturating_add(ns);
    match task::signal::interruptible(cx.thread(), task::executor::with_deadline(Some(deadline), wait)).await {
        Ok(Some(r)) => r,
        Ok(None) => Err(Errno::EAGAIN),
        Err(_) => Err(Errno::EINTR),
    }
}

/// Write `addr` to a (`addr`, `addrlen`) pair of the caller: as much as `*addrlen` allows,
/// and the full length back into `*addrlen`. Nothing if `addr` is NULL.
fn put_addr(cx: &Caller, addr: &UnixAddr, buf: usize, lenp: usize) -> SysResult<()> {
    put_bytes(cx, &addr.encode(), buf, lenp)
}

/// [`put_addr`] for an encoded socket address.
fn put_bytes(cx: &Caller, bytes: &[u8], buf: usize, lenp: usize) -> SysResult<()> {
    if buf == 0 {
        return Ok(());
    }
    let lenp = UserPtr::<i32>::new(lenp);
    let room = lenp.read(&mut cx.mm())?;
    if room < 0 {
        return Err(Errno::EINVAL);
    }
    let n = bytes.len().min(room as usize);
    UserSliceMut::<u8>::new(buf, n).write(&mut cx.mm(), &bytes[..n])?;
    lenp.write(&mut cx.mm(), &(bytes.len() as i32))
}

/// accept4(2).
pub async fn sys_accept4(cx: &Caller, fd: i32, addr: usize, addrlen: usize, flags: i32) -> SysResult<usize> {
    if flags & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    if let Some((file, s)) = inet_socket(cx, fd)? {
        return inet::accept(cx, &file, &s, addr, addrlen, flags).await;
    }
    let (file, sock) = socket(cx, fd)?;
    if sock.kind() == Kind::Dgram {
        return Err(Errno::EOPNOTSUPP);
    }
    let timeout = sock.options.lock().rcvtimeo;
    let conn = wait(cx, sock.queue(), file.nonblocking(), timeout, || sock.accept()).await?;
    let peer = conn.peer_addr().unwrap_or(UnixAddr::Unnamed);
    let new = install(cx, conn, flags)?;
    if let Err(e) = put_addr(cx, &peer, addr, addrlen) {
        let gone = cx.process().files().remove(new);
        drop(gone);
        return Err(e);
    }
    Ok(new as usize)
}

/// accept(2).
pub async fn sys_accept(cx: &Caller, fd: i32, addr: usize, addrlen: usize) -> SysResult<usize> {
    sys_accept4(cx, fd, addr, addrlen, 0).await
}

/// connect(2). A full backlog is EAGAIN for a non-blocking socket; a blocking one waits for
/// the listener to accept.
pub async fn sys_connect(cx: &Caller, fd: i32, addr: usize, len: u32) -> SysResult<()> {
    if let Some((file, s)) = inet_socket(cx, fd)? {
        return inet::connect(cx, &file, &s, addr, len).await;
    }
    let (file, sock) = socket(cx, fd)?;
    let addr = read_addr(cx, addr, len)?;
    if addr.is_unnamed() {
        return Err(Errno::EINVAL);
    }
    let target = find(cx, &addr)?;
    let me = cred(cx);
    let timeout = sock.options.lock().sndtimeo;
    wait(cx, target.queue(), file.nonblocking(), timeout, || sock.connect(&target, me)).await
}

/// getsockname(2).
pub async fn sys_getsockname(cx: &Caller, fd: i32, addr: usize, addrlen: usize) -> SysResult<()> {
    if let Some((_, s)) = inet_socket(cx, fd)? {
        return put_bytes(cx, &s.local_addr(), addr, addrlen).and_then(|_| check_null(addr));
    }
    let (_file, sock) = socket(cx, fd)?;
    put_addr(cx, &sock.local_addr(), addr, addrlen).and_then(|_| check_null(addr))
}

/// getpeername(2). ENOTCONN without a peer.
pub async fn sys_getpeername(cx: &Caller, fd: i32, addr: usize, addrlen: usize) -> SysResult<()> {
    if let Some((_, s)) = inet_socket(cx, fd)? {
        return put_bytes(cx, &s.peer_addr()?, addr, addrlen).and_then(|_| check_null(addr));
    }
    let (_file, sock) = socket(cx, fd)?;
    let peer = sock.peer_addr()?;
    put_addr(cx, &peer, addr, addrlen).and_then(|_| check_null(addr))
}

/// getsockname and getpeername write through `addr` whatever it is: NULL is EFAULT.
fn check_null(addr: usize) -> SysResult<()> {
    if addr == 0 {
        Err(Errno::EFAULT)
    } else {
        Ok(())
    }
}

/// Where a send's bytes come from: iovecs of user memory, read a chunk at a time.
struct Gather {
    iovs: Vec<Iovec>,
    total: usize,
    at: usize,
}

impl Gather {
    fn new(iovs: Vec<Iovec>) -> SysResult<Gather> {
        let mut total = 0usize;
        for v in &iovs {
            total = total.checked_add(v.len).filter(|&t| t <= isize::MAX as usize).ok_or(Errno::EINVAL)?;
        }
        Ok(Gather { iovs, total, at: 0 })
    }

    /// The next `n` bytes (fewer at the end).
    fn next(&mut self, cx: &Caller, n: usize) -> SysResult<Vec<u8>> {
        let n = n.min(self.total - self.at);
        let mut out = Vec::new();
        out.try_reserve_exact(n).map_err(|_| Errno::ENOMEM)?;
        let mut skip = self.at;
        for v in &self.iovs {
            if out.len() == n {
                break;
            }
            if skip >= v.len {
                skip -= v.len;
                continue;
            }
            let take = (v.len - skip).min(n - out.len());
            out.extend(UserSlice::<u8>::new(v.base + skip, take).read(&mut cx.mm())?);
            skip = 0;
        }
        Ok(out)
    }
}

/// Send what `src` holds. Streams: all of it, a chunk at a time, waiting for room unless
/// non-blocking (then as much as fits, EAGAIN if nothing); seqpacket and datagrams: one
/// message. EPIPE raises SIGPIPE unless MSG_NOSIGNAL.
async fn send(
    cx: &Caller,
    file: &File,
    sock: &Arc<UnixSocket>,
    src: Gather,
    flags: u32,
    to: Option<Arc<UnixSocket>>,
    mut extras: Extras,
) -> SysResult<usize> {
    let queue = sock.send_queue(to.as_ref());
    let how = Sending {
        queue: &queue,
        timeout: sock.options.lock().sndtimeo,
        whole: sock.kind() != Kind::Stream,
        max_message: unix::CAPACITY,
    };
    send_with(cx, file, src, flags, how, |chunk| sock.send(chunk, to.as_ref(), &mut extras)).await
}

/// What [`send_with`] needs to know of a socket.
struct Sending<'a> {
    /// Woken when the socket may take more.
    queue: &'a sync::WaitQueue,
    /// SO_SNDTIMEO.
    timeout: Timeval,
    /// Message-oriented (datagrams, seqpacket): `src` goes whole, in one step.
    whole: bool,
    /// The largest message (EMSGSIZE beyond); only for `whole` sockets.
    max_message: usize,
}

/// The send loop of every socket family: `step` offers the socket a chunk and says how much
/// it took (EAGAIN: no room yet). Streams go a chunk at a time until all of `src` is sent,
/// waiting for room unless non-blocking; bytes already sent win over an error, which the next
/// call meets again. EPIPE raises SIGPIPE unless MSG_NOSIGNAL.
async fn send_with(
    cx: &Caller,
    file: &File,
    mut src: Gather,
    flags: u32,
    how: Sending<'_>,
    mut step: impl FnMut(&[u8]) -> SysResult<usize>,
) -> SysResult<usize> {
    if how.whole && src.total > how.max_message {
        return Err(Errno::EMSGSIZE);
    }
    let nonblocking = file.nonblocking() || flags & MSG_DONTWAIT != 0;
    let mut done = 0;
    let result = loop {
        let chunk = src.next(cx, if how.whole { src.total } else { CHUNK })?;
        match wait(cx, how.queue, nonblocking, how.timeout, || step(&chunk)).await {
            Ok(n) => {
                done += n;
                src.at += n;
                if how.whole || src.at >= src.total || n == 0 {
                    break Ok(done);
                }
            }
            Err(_) if done > 0 => break Ok(done),
            Err(e) => break Err(e),
        }
    };
    if result == Err(Errno::EPIPE) && flags & MSG_NOSIGNAL == 0 {
        task::signal::send_to_thread(cx.thread(), abi::signal::SIGPIPE);
    }
    result
}

/// Receive into user iovecs. Streams with MSG_WAITALL wait until the buffers are full (or
/// the end, or a signal after some bytes).
async fn recv(cx: &Caller, file: &File, sock: &UnixSocket, iovs: &[Iovec], flags: u32) -> SysResult<Received> {
    let total = iovs.iter().try_fold(0usize, |t, v| t.checked_add(v.len)).ok_or(Errno::EINVAL)?;
    let nonblocking = file.nonblocking() || flags & MSG_DONTWAIT != 0;
    let peek = flags & MSG_PEEK != 0;
    let timeout = sock.options.lock().rcvtimeo;
    let want = total.min(unix::CAPACITY);
    let mut buf = vec![0u8; want];
    let mut got = wait(cx, sock.queue(), nonblocking, timeout, || sock.recv(&mut buf, peek)).await?;
    let mut filled = got.len;
    if flags & MSG_WAITALL != 0 && sock.kind() == Kind::Stream && !peek {
        while filled < want && got.len > 0 {
            let r = wait(cx, sock.queue(), nonblocking, timeout, || sock.recv(&mut buf[filled..], false)).await;
            match r {
                Ok(more) if more.len > 0 => {
                    filled += more.len;
                    got.extras.files.extend(more.extras.files);
                }
                _ => break,
            }
        }
        got.len = filled;
        got.full = filled;
    }
    scatter(cx, iovs, &buf[..got.len])?;
    Ok(got)
}

/// Copy `data` into the iovecs.
fn scatter(cx: &Caller, iovs: &[Iovec], data: &[u8]) -> SysResult<()> {
    scatter_at(cx, iovs, 0, data)
}

/// Copy `data` into the iovecs, from byte `skip` of them on.
fn scatter_at(cx: &Caller, iovs: &[Iovec], mut skip: usize, mut data: &[u8]) -> SysResult<()> {
    for v in iovs {
        if data.is_empty() {
            break;
        }
        if skip >= v.len {
            skip -= v.len;
            continue;
        }
        let n = (v.len - skip).min(data.len());
        UserSliceMut::<u8>::new(v.base + skip, n).write(&mut cx.mm(), &data[..n])?;
        data = &data[n..];
        skip = 0;
    }
    Ok(())
}

/// The destination of a send with an address (NULL: none).
fn destination(cx: &Caller, sock: &UnixSocket, addr: usize, len: u32) -> SysResult<Option<Arc<UnixSocket>>> {
    if addr == 0 {
        return Ok(None);
    }
    let a = read_addr(cx, addr, len)?;
    if sock.kind() != Kind::Dgram {
        // A connection-based socket ignores nothing: EISCONN or EOPNOTSUPP (crate net).
        return Ok(Some(sock.arc()));
    }
    find(cx, &a).map(Some)
}

/// sendto(2).
pub async fn sys_sendto(
    cx: &Caller,
    fd: i32,
    buf: UserSlice<u8>,
    flags: u32,
    addr: usize,
    len: u32,
) -> SysResult<usize> {
    if let Some((file, s)) = inet_socket(cx, fd)? {
        let src = Gather::new(vec![Iovec { base: buf.addr(), len: buf.len() }])?;
        return inet::send(cx, &file, &s, src, flags, addr, len).await;
    }
    let (file, sock) = socket(cx, fd)?;
    let to = destination(cx, &sock, addr, len)?;
    let src = Gather::new(vec![Iovec { base: buf.addr(), len: buf.len() }])?;
    send(cx, &file, &sock, src, flags, to, Extras { files: Vec::new(), cred: cred(cx) }).await
}

/// recvfrom(2).
pub async fn sys_recvfrom(
    cx: &Caller,
    fd: i32,
    buf: UserSliceMut<u8>,
    flags: u32,
    addr: usize,
    addrlen: usize,
) -> SysResult<usize> {
    if let Some((file, s)) = inet_socket(cx, fd)? {
        let iovs = [Iovec { base: buf.addr(), len: buf.len() }];
        let got = inet::recv(cx, &file, &s, &iovs, flags).await?;
        // A stream gives no address, but the length is still checked and set (to 0).
        let from = got.from.map(|f| s.encode(f)).unwrap_or_default();
        put_bytes(cx, &from, addr, addrlen)?;
        return Ok(if flags & MSG_TRUNC != 0 { got.full } else { got.len });
    }
    let (file, sock) = socket(cx, fd)?;
    let got = recv(cx, &file, &sock, &[Iovec { base: buf.addr(), len: buf.len() }], flags).await?;
    if let Some(from) = &got.from {
        put_addr(cx, from, addr, addrlen)?;
    }
    Ok(if flags & MSG_TRUNC != 0 { got.full } else { got.len })
}

fn read_iovs(cx: &Caller, msg: &MsgHdr) -> SysResult<Vec<Iovec>> {
    if msg.iovlen > IOV_MAX {
        return Err(Errno::EMSGSIZE);
    }
    UserSlice::<Iovec>::new(msg.iov, msg.iovlen).read(&mut cx.mm())
}

const CMSG_HDR: usize = core::mem::size_of::<CmsgHdr>();

fn cmsg_align(n: usize) -> usize {
    n.next_multiple_of(8)
}

/// sendmsg(2): iovecs, an optional address, and control messages (SCM_RIGHTS: open files
/// passed along; SCM_CREDENTIALS: checked against the caller's own).
pub async fn sys_sendmsg(cx: &Caller, fd: i32, msg: UserPtr<MsgHdr>, flags: u32) -> SysResult<usize> {
    if let Some((file, s)) = inet_socket(cx, fd)? {
        let m = msg.read(&mut cx.mm())?;
        let src = Gather::new(read_iovs(cx, &m)?)?;
        return inet::send(cx, &file, &s, src, flags, m.name, m.namelen).await;
    }
    let (file, sock) = socket(cx, fd)?;
    let m = msg.read(&mut cx.mm())?;
    let to = destination(cx, &sock, m.name, m.namelen)?;
    let src = Gather::new(read_iovs(cx, &m)?)?;
    let mut extras = Extras { files: Vec::new(), cred: cred(cx) };
    if m.control != 0 && m.controllen > 0 {
        if m.controllen > MAX_CONTROL {
            return Err(Errno::ENOBUFS);
        }
        let control = UserSlice::<u8>::new(m.control, m.controllen).read(&mut cx.mm())?;
        let mut at = 0;
        while at + CMSG_HDR <= control.len() {
            let h: CmsgHdr = *bytemuck::from_bytes(&control[at..at + CMSG_HDR]);
            if h.len < CMSG_HDR || at + h.len > control.len() {
                return Err(Errno::EINVAL);
            }
            let data = &control[at + CMSG_HDR..at + h.len];
            match (h.level, h.kind) {
                (SOL_SOCKET, SCM_RIGHTS) => {
                    let fds: Vec<i32> =
                        data.chunks_exact(4).map(|c| i32::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect();
                    if fds.len() + extras.files.len() > SCM_MAX_FD {
                        return Err(Errno::EINVAL);
                    }
                    let table = cx.process().files();
                    for fd in fds {
                        extras.files.push(table.get(fd)?);
                    }
                }
                (SOL_SOCKET, SCM_CREDENTIALS) => {
                    if data.len() < core::mem::size_of::<Ucred>() {
                        return Err(Errno::EINVAL);
                    }
                    let c: Ucred = *bytemuck::from_bytes(&data[..core::mem::size_of::<Ucred>()]);
                    if c != extras.cred {
                        return Err(Errno::EPERM);
                    }
                }
                _ => return Err(Errno::EINVAL),
            }
            at += cmsg_align(h.len);
        }
    }
    send(cx, &file, &sock, src, flags, to, extras).await
}

/// recvmsg(2): the sender's address, the data into the iovecs, and control messages: the
/// files sent with SCM_RIGHTS become new descriptors (as many as fit: MSG_CTRUNC for the rest),
/// SCM_CREDENTIALS with SO_PASSCRED. MSG_TRUNC in the flags when a message was cut.
pub async fn sys_recvmsg(cx: &Caller, fd: i32, msg: UserPtr<MsgHdr>, flags: u32) -> SysResult<usize> {
    if flags & MSG_CMSG_COMPAT != 0 {
        return Err(Errno::EINVAL);
    }
    if let Some((file, s)) = inet_socket(cx, fd)? {
        return inet::recvmsg(cx, &file, &s, msg, flags).await;
    }
    let (file, sock) = socket(cx, fd)?;
    let mut m = msg.read(&mut cx.mm())?;
    let iovs = read_iovs(cx, &m)?;
    let got = recv(cx, &file, &sock, &iovs, flags & !MSG_TRUNC).await?;
    let mut out_flags = 0;
    if got.full > got.len {
        out_flags |= MSG_TRUNC;
    }
    if m.name != 0 {
        let from = got.from.clone().unwrap_or_else(|| sock.peer_addr().unwrap_or(UnixAddr::Unnamed));
        let bytes = from.encode();
        let n = bytes.len().min(m.namelen as usize);
        UserSliceMut::<u8>::new(m.name, n).write(&mut cx.mm(), &bytes[..n])?;
        m.namelen = bytes.len() as u32;
    }
    let mut control = Vec::new();
    if sock.options.lock().passcred {
        push_cmsg(&mut control, SCM_CREDENTIALS, bytemuck::bytes_of(&got.extras.cred), m.controllen, &mut out_flags);
    }
    if !got.extras.files.is_empty() {
        let room = m.controllen.saturating_sub(control.len()).saturating_sub(CMSG_HDR) / 4;
        let cloexec = flags & MSG_CMSG_CLOEXEC != 0;
        let mut fds = Vec::new();
        for f in got.extras.files.iter().take(room) {
            match cx.process().files().insert(f.clone(), cloexec) {
                Ok(fd) => fds.push(fd),
                Err(_) => break,
            }
        }
        if fds.len() < got.extras.files.len() {
            out_flags |= MSG_CTRUNC;
        }
        if !fds.is_empty() {
            let bytes: Vec<u8> = fds.iter().flat_map(|fd| fd.to_ne_bytes()).collect();
            push_cmsg(&mut control, SCM_RIGHTS, &bytes, m.controllen, &mut out_flags);
        }
    }
    if !control.is_empty() {
        UserSliceMut::<u8>::new(m.control, control.len()).write(&mut cx.mm(), &control)?;
    }
    m.controllen = control.len();
    m.flags = out_flags;
    msg.write(&mut cx.mm(), &m)?;
    Ok(if flags & MSG_TRUNC != 0 { got.full } else { got.len })
}

/// The socket behind `fd` for the calls that take several messages: EBADF, ENOTSOCK.
fn any_socket(cx: &Caller, fd: i32) -> SysResult<()> {
    match cx.io_file(fd)?.inode().kind() {
        FileKind::Socket => Ok(()),
        _ => Err(Errno::ENOTSOCK),
    }
}

/// Where message `i` of a `struct mmsghdr` array at `vec` is, and where its byte count goes.
fn mmsg_at(vec: usize, i: usize) -> SysResult<(UserPtr<MsgHdr>, UserPtr<u32>)> {
    let at = i.checked_mul(core::mem::size_of::<MMsgHdr>()).and_then(|o| vec.checked_add(o)).ok_or(Errno::EFAULT)?;
    let len = at.checked_add(core::mem::offset_of!(MMsgHdr, len)).ok_or(Errno::EFAULT)?;
    Ok((UserPtr::new(at), UserPtr::new(len)))
}

/// sendmmsg(2): sendmsg for each of up to `vlen` (at most IOV_MAX) messages, each one's byte
/// count written to its `msg_len`. Stops at the first error, which is the answer only if no
/// message went (as Linux: later calls hear of it no more).
pub async fn sys_sendmmsg(cx: &Caller, fd: i32, vec: usize, vlen: u32, flags: u32) -> SysResult<usize> {
    any_socket(cx, fd)?;
    let vlen = (vlen as usize).min(IOV_MAX);
    let mut sent = 0;
    while sent < vlen {
        let (msg, len) = mmsg_at(vec, sent)?;
        let r = match sys_sendmsg(cx, fd, msg, flags).await {
            Ok(n) => len.write(&mut cx.mm(), &(n as u32)),
            Err(e) => Err(e),
        };
        match r {
            Ok(()) => sent += 1,
            Err(e) if sent == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(sent)
}

/// recvmmsg(2): recvmsg for each of up to `vlen` messages, each one's byte count written to
/// its `msg_len`. MSG_WAITFORONE makes the calls after the first one non-blocking. The
/// timeout (if any) is looked at between messages, not while one is awaited (as Linux), and
/// what is left of it is written back. An error ends the batch, and is the answer only if no
/// message came.
pub async fn sys_recvmmsg(
    cx: &Caller,
    fd: i32,
    vec: usize,
    vlen: u32,
    flags: u32,
    timeout: UserPtr<Timespec>,
) -> SysResult<usize> {
    if flags & MSG_CMSG_COMPAT != 0 {
        return Err(Errno::EINVAL);
    }
    let deadline = match timeout.nonnull() {
        Some(t) => {
            let t = t.read(&mut cx.mm())?;
            if t.tv_sec < 0 || !(0..1_000_000_000).contains(&t.tv_nsec) {
                return Err(Errno::EINVAL);
            }
            Some(hal::time::now_ns().saturating_add(t.to_nanos().unwrap_or(u64::MAX)))
        }
        None => None,
    };
    any_socket(cx, fd)?;
    let vlen = (vlen as usize).min(IOV_MAX);
    let mut flags = flags;
    let mut got = 0;
    while got < vlen {
        let (msg, len) = mmsg_at(vec, got)?;
        let r = match sys_recvmsg(cx, fd, msg, flags & !MSG_WAITFORONE).await {
            Ok(n) => len.write(&mut cx.mm(), &(n as u32)),
            Err(e) => Err(e),
        };
        match r {
            Ok(()) => got += 1,
            Err(e) if got == 0 => return Err(e),
            Err(_) => break,
        }
        if flags & MSG_WAITFORONE != 0 {
            flags |= MSG_DONTWAIT;
        }
        if deadline.is_some_and(|d| hal::time::now_ns() >= d) {
            break;
        }
    }
    if let (Some(d), Some(t)) = (deadline, timeout.nonnull()) {
        let left = Timespec::from_nanos(d.saturating_sub(hal::time::now_ns()));
        t.write(&mut cx.mm(), &left)?;
    }
    Ok(got)
}

/// Append a control message if it fits in `room` (else MSG_CTRUNC).
fn push_cmsg(control: &mut Vec<u8>, kind: i32, data: &[u8], room: usize, flags: &mut u32) {
    let len = CMSG_HDR + data.len();
    if control.len() + len > room {
        *flags |= MSG_CTRUNC;
        return;
    }
    control.extend_from_slice(bytemuck::bytes_of(&CmsgHdr { len, level: SOL_SOCKET, kind }));
    control.extend_from_slice(data);
    control.resize(cmsg_align(control.len()).min(room), 0);
}

/// shutdown(2).
pub async fn sys_shutdown(cx: &Caller, fd: i32, how: i32) -> SysResult<()> {
    if let Some((_, s)) = inet_socket(cx, fd)? {
        return s.shutdown(how);
    }
    let (_file, sock) = socket(cx, fd)?;
    sock.shutdown(how)
}

fn timeval_ok(t: &Timeval) -> SysResult<Timeval> {
    if !(0..1_000_000).contains(&t.tv_usec) {
        return Err(Errno::EDOM);
    }
    Ok(if t.tv_sec < 0 { Timeval::default() } else { *t })
}

/// setsockopt(2): the SOL_SOCKET options (stored; SO_SNDBUF/SO_RCVBUF doubled as Linux does),
/// ENOPROTOOPT for others; an AF_UNIX socket has no other level (EOPNOTSUPP); the TCP and IP
/// levels are [`inet`]'s.
pub async fn sys_setsockopt(cx: &Caller, fd: i32, level: i32, name: i32, val: usize, len: u32) -> SysResult<()> {
    let file = cx.io_file(fd)?;
    let read = |n: usize| -> SysResult<Vec<u8>> {
        if (len as usize) < n {
            return Err(Errno::EINVAL);
        }
        UserSlice::<u8>::new(val, n).read(&mut cx.mm())
    };
    if let Some(s) = as_inet(&file) {
        if level != SOL_SOCKET {
            return inet::setsockopt(s, level, name, &read);
        }
        return set_socket_option(&s.options, name, &read);
    }
    let sock = as_unix(&file).ok_or(Errno::ENOTSOCK)?;
    if level != SOL_SOCKET {
        return Err(Errno::EOPNOTSUPP);
    }
    set_socket_option(&sock.options, name, &read)
}

/// An int option's value (`read` gives the option's first `n` bytes, EINVAL if shorter).
fn int_option(read: &dyn Fn(usize) -> SysResult<Vec<u8>>) -> SysResult<i32> {
    read(4).map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}

/// The SOL_SOCKET options every socket stores alike.
fn set_socket_option(
    options: &sync::Mutex<Options>,
    name: i32,
    read: &dyn Fn(usize) -> SysResult<Vec<u8>>,
) -> SysResult<()> {
    let int = || int_option(read);
    let mut o = *options.lock();
    match name {
        SO_SNDBUF => o.sndbuf = Options::buffer_size(int()?, 4608),
        SO_RCVBUF => o.rcvbuf = Options::buffer_size(int()?, 2304),
        SO_REUSEADDR => o.reuseaddr = int()? != 0,
        SO_REUSEPORT => o.reuseport = int()? != 0,
        SO_KEEPALIVE => o.keepalive = int()? != 0,
        SO_PASSCRED => o.passcred = int()? != 0,
        SO_BROADCAST => o.broadcast = int()? != 0,
        SO_OOBINLINE => o.oobinline = int()? != 0,
        SO_RCVLOWAT => o.rcvlowat = int()?.max(1),
        SO_DEBUG | SO_DONTROUTE => {
            int()?;
        }
        SO_LINGER => o.linger = *bytemuck::from_bytes::<Linger>(&read(8)?),
        SO_RCVTIMEO | SO_SNDTIMEO => {
            let t = timeval_ok(bytemuck::from_bytes::<Timeval>(&read(16)?))?;
            if name == SO_RCVTIMEO {
                o.rcvtimeo = t;
            } else {
                o.sndtimeo = t;
            }
        }
        _ => return Err(Errno::ENOPROTOOPT),
    }
    *options.lock() = o;
    Ok(())
}

/// getsockopt(2).
pub async fn sys_getsockopt(cx: &Caller, fd: i32, level: i32, name: i32, val: usize, lenp: usize) -> SysResult<()> {
    let file = cx.io_file(fd)?;
    let lenp = UserPtr::<i32>::new(lenp);
    let room = lenp.read(&mut cx.mm())?;
    if room < 0 {
        return Err(Errno::EINVAL);
    }
    let bytes = if let Some(s) = as_inet(&file) {
        if level == SOL_SOCKET {
            let o = *s.options.lock();
            get_socket_option(&o, name, |name| inet::socket_fact(s, name))?
        } else {
            inet::getsockopt(s, level, name)?
        }
    } else {
        let sock = as_unix(&file).ok_or(Errno::ENOTSOCK)?;
        if level != SOL_SOCKET {
            return Err(Errno::EOPNOTSUPP);
        }
        let o = *sock.options.lock();
        get_socket_option(&o, name, |name| unix_fact(sock, name))?
    };
    let n = bytes.len().min(room as usize);
    UserSliceMut::<u8>::new(val, n).write(&mut cx.mm(), &bytes[..n])?;
    lenp.write(&mut cx.mm(), &(n as i32))
}

/// An int option's bytes.
fn int_bytes(v: i32) -> Vec<u8> {
    v.to_ne_bytes().to_vec()
}

/// The SOL_SOCKET options that say what an AF_UNIX socket is (rather than what was stored).
fn unix_fact(sock: &UnixSocket, name: i32) -> Option<Vec<u8>> {
    Some(match name {
        SO_TYPE => int_bytes(sock.kind().sock_type()),
        SO_DOMAIN => int_bytes(AF_UNIX as i32),
        SO_PROTOCOL => int_bytes(0),
        SO_ERROR => int_bytes(sock.take_error().map_or(0, |e| e as i32)),
        SO_ACCEPTCONN => int_bytes(sock.is_listening() as i32),
        // Without a peer: pid 0 and the overflow ids, as Linux.
        SO_PEERCRED => {
            bytemuck::bytes_of(&sock.peer_cred().unwrap_or(Ucred { pid: 0, uid: 65534, gid: 65534 })).to_vec()
        }
        _ => return None,
    })
}

/// A SOL_SOCKET option's bytes: `fact` answers those that depend on the socket's kind.
fn get_socket_option(o: &Options, name: i32, fact: impl FnOnce(i32) -> Option<Vec<u8>>) -> SysResult<Vec<u8>> {
    if let Some(b) = fact(name) {
        return Ok(b);
    }
    let b = |v: bool| int_bytes(v as i32);
    Ok(match name {
        SO_SNDBUF => int_bytes(o.sndbuf),
        SO_RCVBUF => int_bytes(o.rcvbuf),
        SO_REUSEADDR => b(o.reuseaddr),
        SO_REUSEPORT => b(o.reuseport),
        SO_KEEPALIVE => b(o.keepalive),
        SO_PASSCRED => b(o.passcred),
        SO_BROADCAST => b(o.broadcast),
        SO_OOBINLINE => b(o.oobinline),
        SO_DEBUG | SO_DONTROUTE => b(false),
        SO_RCVLOWAT => int_bytes(o.rcvlowat),
        SO_SNDLOWAT => int_bytes(1),
        SO_LINGER => bytemuck::bytes_of(&o.linger).to_vec(),
        SO_RCVTIMEO => bytemuck::bytes_of(&o.rcvtimeo).to_vec(),
        SO_SNDTIMEO => bytemuck::bytes_of(&o.sndtimeo).to_vec(),
        _ => return Err(Errno::ENOPROTOOPT),
    })
}
