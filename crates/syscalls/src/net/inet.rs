//! The socket calls on AF_INET and AF_INET6 sockets (crate `net`'s [`InetSocket`]): addresses
//! are `sockaddr_in`/`sockaddr_in6`, TCP sends a stream, UDP whole datagrams.
use super::{install_file, put_bytes, wait, Gather, Sending, CHUNK, IOV_MAX};
use crate::Caller;
use abi::net::*;
use abi::structs::Iovec;
use abi::{Errno, SysResult};
use alloc::vec::Vec;
use fs::File;
use mm::{UserPtr, UserSlice, UserSliceMut};
use net::inet::{addr, Family, Got, Parsed, Proto};
pub use net::{as_inet, InetSocket};

/// The largest socket address read (`struct sockaddr_storage`).
const SOCKADDR_MAX: u32 = 128;

/// Whether `file` is an AF_INET socket (the SIOCGIF* address requests need one).
pub fn is_ipv4(file: &File) -> bool {
    as_inet(file).is_some_and(|s| s.family() == Family::V4)
}

/// socket(2) for AF_INET and AF_INET6: SOCK_STREAM is TCP, SOCK_DGRAM is UDP.
pub fn socket(cx: &Caller, domain: i32, ty: i32, protocol: i32) -> SysResult<usize> {
    let proto = proto_of(ty, protocol)?;
    let fam = if domain == AF_INET as i32 { Family::V4 } else { Family::V6 };
    Ok(install_file(cx, InetSocket::new(fam, proto), ty)? as usize)
}

/// The protocol an AF_INET/AF_INET6 socket of type `ty` (flags included) and `protocol` speaks,
/// with Linux's errors (inet_create): EINVAL for unknown flags or types, EPROTONOSUPPORT for a
/// protocol the type does not carry (a raw socket must name one), ESOCKTNOSUPPORT for a type
/// the family lacks here (raw sockets, SOCK_SEQPACKET...).
pub fn proto_of(ty: i32, protocol: i32) -> SysResult<Proto> {
    if ty & !(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    match (ty & SOCK_TYPE_MASK, protocol) {
        (SOCK_STREAM, 0 | IPPROTO_TCP) => Ok(Proto::Tcp),
        (SOCK_DGRAM, 0 | IPPROTO_UDP) => Ok(Proto::Udp),
        (SOCK_STREAM | SOCK_DGRAM, _) | (SOCK_RAW, 0) => Err(Errno::EPROTONOSUPPORT),
        (t, _) if t > 10 || t == 0 => Err(Errno::EINVAL),
        _ => Err(Errno::ESOCKTNOSUPPORT),
    }
}

/// The `len` bytes of a socket address at `ptr`.
fn addr_bytes(cx: &Caller, ptr: usize, len: u32) -> SysResult<Vec<u8>> {
    if len > SOCKADDR_MAX {
        return Err(Errno::EINVAL);
    }
    UserSlice::<u8>::new(ptr, len as usize).read(&mut cx.mm())
}

/// The socket address of `len` bytes at `ptr`.
fn read_addr(cx: &Caller, sock: &InetSocket, ptr: usize, len: u32) -> SysResult<Parsed> {
    addr::parse(sock.family(), &addr_bytes(cx, ptr, len)?)
}

/// The first port anyone may bind (Linux's net.ipv4.ip_unprivileged_port_start).
const UNPRIVILEGED_PORT_START: u16 = 1024;

/// bind(2). A port below 1024 needs CAP_NET_BIND_SERVICE (EACCES).
pub fn bind(cx: &Caller, sock: &InetSocket, ptr: usize, len: u32) -> SysResult<()> {
    let ep = addr::parse_bind(sock.family(), &addr_bytes(cx, ptr, len)?)?;
    if ep.port != 0 && ep.port < UNPRIVILEGED_PORT_START && !cx.cred().capable(abi::cred::CAP_NET_BIND_SERVICE) {
        return Err(Errno::EACCES);
    }
    sock.bind(ep)
}

/// accept4(2).
pub async fn accept(
    cx: &Caller,
    file: &File,
    sock: &InetSocket,
    ptr: usize,
    lenp: usize,
    flags: i32,
) -> SysResult<usize> {
    let timeout = sock.options.lock().rcvtimeo;
    let conn = wait(cx, sock.queue(), file.nonblocking(), timeout, || sock.accept()).await?;
    let peer = conn.peer_addr();
    let new = install_file(cx, conn, flags)?;
    let put = peer.and_then(|p| put_bytes(cx, &p, ptr, lenp));
    if let Err(e) = put {
        let gone = cx.process().files().remove(new);
        drop(gone);
        return Err(e);
    }
    Ok(new as usize)
}

/// connect(2): a blocking TCP connect waits for the handshake (SO_SNDTIMEO: EINPROGRESS when
/// it runs out, as Linux); a non-blocking one answers EINPROGRESS.
pub async fn connect(cx: &Caller, file: &File, sock: &InetSocket, ptr: usize, len: u32) -> SysResult<()> {
    if len < 2 {
        return Err(Errno::EINVAL);
    }
    let to = read_addr(cx, sock, ptr, len)?;
    match sock.connect(to) {
        Err(Errno::EINPROGRESS) if !file.nonblocking() => {
            let timeout = sock.options.lock().sndtimeo;
            match wait(cx, sock.queue(), false, timeout, || sock.connected()).await {
                Err(Errno::EAGAIN) => Err(Errno::EINPROGRESS),
                r => r,
            }
        }
        r => r,
    }
}

/// sendto(2) and sendmsg(2): TCP sends all of `src` unless non-blocking (then what fits); UDP
/// one datagram, to `ptr`'s address if given.
pub async fn send(
    cx: &Caller,
    file: &File,
    sock: &InetSocket,
    src: Gather,
    flags: u32,
    ptr: usize,
    len: u32,
) -> SysResult<usize> {
    let udp = sock.proto() == Proto::Udp;
    if udp && flags & MSG_OOB != 0 {
        // Urgent data is TCP's (udp_sendmsg).
        return Err(Errno::EOPNOTSUPP);
    }
    let to = if ptr != 0 && udp { Some(read_addr(cx, sock, ptr, len)?) } else { None };
    let how = Sending {
        queue: sock.queue(),
        timeout: sock.options.lock().sndtimeo,
        whole: udp,
        max_message: net::inet::stack::UDP_MAX_PAYLOAD,
    };
    super::send_with(cx, file, src, flags, how, |chunk| sock.send(chunk, to)).await
}

/// Receive into user iovecs: one datagram (UDP), or what is there (TCP; with MSG_WAITALL until
/// the buffers are full or the stream ends).
pub async fn recv(cx: &Caller, file: &File, sock: &InetSocket, iovs: &[Iovec], flags: u32) -> SysResult<Got> {
    if flags & MSG_ERRQUEUE != 0 {
        // Nothing ever reports errors to the queue: it is empty (ip_recv_error).
        return Err(Errno::EAGAIN);
    }
    if flags & MSG_OOB != 0 && sock.proto() == Proto::Tcp {
        // No urgent data is ever kept (tcp_recv_urg without any).
        return Err(Errno::EINVAL);
    }
    let total = iovs.iter().try_fold(0usize, |t, v| t.checked_add(v.len)).ok_or(Errno::EINVAL)?;
    let nonblocking = file.nonblocking() || flags & MSG_DONTWAIT != 0;
    let peek = flags & MSG_PEEK != 0;
    let timeout = sock.options.lock().rcvtimeo;
    let want = total.min(CHUNK.max(net::inet::stack::UDP_MAX_PAYLOAD));
    let mut buf = Vec::new();
    buf.try_reserve_exact(want).map_err(|_| Errno::ENOMEM)?;
    buf.resize(want, 0);
    let mut got = wait(cx, sock.queue(), nonblocking, timeout, || sock.recv(&mut buf, peek)).await?;
    super::scatter(cx, iovs, &buf[..got.len])?;
    if flags & MSG_WAITALL != 0 && sock.proto() == Proto::Tcp && !peek {
        while got.len < total {
            let n = (total - got.len).min(buf.len());
            match wait(cx, sock.queue(), nonblocking, timeout, || sock.recv(&mut buf[..n], false)).await {
                Ok(more) if more.len > 0 => {
                    super::scatter_at(cx, iovs, got.len, &buf[..more.len])?;
                    got.len += more.len;
                }
                _ => break,
            }
        }
        got.full = got.len;
    }
    Ok(got)
}

/// recvmsg(2): the data, the sender's address; no control messages.
pub async fn recvmsg(
    cx: &Caller,
    file: &File,
    sock: &InetSocket,
    msg: UserPtr<MsgHdr>,
    flags: u32,
) -> SysResult<usize> {
    let mut m = msg.read(&mut cx.mm())?;
    if m.iovlen > IOV_MAX {
        return Err(Errno::EMSGSIZE);
    }
    let iovs = UserSlice::<Iovec>::new(m.iov, m.iovlen).read(&mut cx.mm())?;
    let got = recv(cx, file, sock, &iovs, flags & !MSG_TRUNC).await?;
    let mut out_flags = 0;
    if got.full > got.len {
        out_flags |= MSG_TRUNC;
    }
    if m.name != 0 {
        let from = got.from.map(|f| sock.encode(f)).or_else(|| sock.peer_addr().ok()).unwrap_or_default();
        let n = from.len().min(m.namelen as usize);
        UserSliceMut::<u8>::new(m.name, n).write(&mut cx.mm(), &from[..n])?;
        m.namelen = from.len() as u32;
    }
    m.controllen = 0;
    m.flags = out_flags;
    msg.write(&mut cx.mm(), &m)?;
    Ok(if flags & MSG_TRUNC != 0 { got.full } else { got.len })
}

/// The SOL_SOCKET options that say what an INET socket is.
pub fn socket_fact(sock: &InetSocket, name: i32) -> Option<Vec<u8>> {
    let int = |v: i32| v.to_ne_bytes().to_vec();
    Some(match name {
        SO_TYPE => int(if sock.proto() == Proto::Tcp { SOCK_STREAM } else { SOCK_DGRAM }),
        SO_DOMAIN => int(sock.family().domain() as i32),
        SO_PROTOCOL => int(if sock.proto() == Proto::Tcp { IPPROTO_TCP } else { IPPROTO_UDP }),
        SO_ERROR => int(sock.take_error().map_or(0, |e| e as i32)),
        SO_ACCEPTCONN => int(sock.is_listening() as i32),
        _ => return None,
    })
}

/// setsockopt(2) at the TCP, IP and IPv6 levels. TCP_NODELAY and IPV6_V6ONLY act; the others
/// Linux programs set routinely are checked and accepted.
pub fn setsockopt(
    sock: &InetSocket,
    level: i32,
    name: i32,
    read: &dyn Fn(usize) -> SysResult<Vec<u8>>,
) -> SysResult<()> {
    let int = || super::int_option(read);
    match (level, name) {
        (IPPROTO_TCP, _) if sock.proto() != Proto::Tcp => Err(Errno::EOPNOTSUPP),
        (IPPROTO_TCP, TCP_NODELAY) => {
            sock.set_nodelay(int()? != 0);
            Ok(())
        }
        (IPPROTO_TCP, TCP_KEEPIDLE | TCP_KEEPINTVL | TCP_KEEPCNT) => match int()? {
            v if v < 1 => Err(Errno::EINVAL),
            _ => Ok(()),
        },
        (IPPROTO_TCP, TCP_MAXSEG) => int().map(drop),
        (IPPROTO_IP, IP_TOS | IP_TTL) if sock.family() == Family::V4 => int().map(drop),
        (IPPROTO_IPV6, _) if sock.family() != Family::V6 => Err(Errno::ENOPROTOOPT),
        (IPPROTO_IPV6, IPV6_V6ONLY) => sock.set_v6only(int()? != 0),
        (IPPROTO_IPV6, IPV6_UNICAST_HOPS) => int().map(drop),
        _ => Err(Errno::ENOPROTOOPT),
    }
}

/// getsockopt(2) at the TCP, IP and IPv6 levels.
pub fn getsockopt(sock: &InetSocket, level: i32, name: i32) -> SysResult<Vec<u8>> {
    let v = match (level, name) {
        (IPPROTO_TCP, _) if sock.proto() != Proto::Tcp => return Err(Errno::EOPNOTSUPP),
        (IPPROTO_TCP, TCP_NODELAY) => sock.nodelay() as i32,
        (IPPROTO_TCP, TCP_KEEPIDLE) => 7200,
        (IPPROTO_TCP, TCP_KEEPINTVL) => 75,
        (IPPROTO_TCP, TCP_KEEPCNT) => 9,
        (IPPROTO_TCP, TCP_MAXSEG) => 536,
        (IPPROTO_IP, IP_TOS) if sock.family() == Family::V4 => 0,
        (IPPROTO_IP, IP_TTL) if sock.family() == Family::V4 => 64,
        (IPPROTO_IPV6, _) if sock.family() != Family::V6 => return Err(Errno::ENOPROTOOPT),
        (IPPROTO_IPV6, IPV6_V6ONLY) => sock.v6only() as i32,
        (IPPROTO_IPV6, IPV6_UNICAST_HOPS) => 64,
        // An IPv4 socket hands a level that is neither its protocol's nor IP's to IP, which
        // knows no other (Linux's do_ip_getsockopt; setsockopt's says ENOPROTOOPT).
        (IPPROTO_TCP | IPPROTO_IP, _) => return Err(Errno::ENOPROTOOPT),
        (IPPROTO_UDP, _) if sock.proto() == Proto::Udp => return Err(Errno::ENOPROTOOPT),
        _ if sock.family() == Family::V4 => return Err(Errno::EOPNOTSUPP),
        _ => return Err(Errno::ENOPROTOOPT),
    };
    Ok(v.to_ne_bytes().to_vec())
}
