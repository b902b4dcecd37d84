//! TCP on the stack: listen, accept, connect, send, receive, as Linux answers them.
use super::addr::{Family, Parsed};
use super::stack::{accepted, Conn, Entry, Proto, Stack, State, SOMAXCONN};
use crate::Options;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use smoltcp::socket::tcp;
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};
use sync::WaitQueue;

/// Bind socket `id` to a free port if it has none (connect and listen do).
fn autobind(s: &mut Stack, id: u64) -> SysResult<IpListenEndpoint> {
    if let Some(b) = s.entries[&id].bound {
        return Ok(b);
    }
    let port = s.ephemeral(Proto::Tcp)?;
    let ep = IpListenEndpoint { addr: None, port };
    let e = s.entry(id);
    e.bound = Some(ep);
    e.autobound = true;
    Ok(ep)
}

pub fn listen(s: &mut Stack, id: u64, backlog: i32, o: Options) -> SysResult<()> {
    // Linux allows backlog + 1 pending connections.
    let room = (backlog.max(0) as usize).min(SOMAXCONN) + 1;
    let e = s.entry(id);
    match &mut e.state {
        State::Listening { backlog, .. } => {
            *backlog = room;
            return Ok(());
        }
        State::Idle => {}
        _ => return Err(Errno::EINVAL),
    }
    if e.bound.is_none() {
        e.reuseaddr = o.reuseaddr;
        e.reuseport = o.reuseport;
    }
    let ep = autobind(s, id)?;
    // Another socket listening on the same port blocks this one unless both set SO_REUSEPORT.
    let conflict = s.entries.iter().any(|(&other, o)| {
        other != id
            && o.proto == Proto::Tcp
            && matches!(o.state, State::Listening { .. })
            && o.bound
                .is_some_and(|b| b.port == ep.port && (b.addr.is_none() || ep.addr.is_none() || b.addr == ep.addr))
            && !(o.reuseport && s.entries[&id].reuseport)
    });
    if conflict {
        return Err(Errno::EADDRINUSE);
    }
    s.entry(id).state = State::Listening { backlog: room, handles: alloc::vec::Vec::new() };
    s.seen(id);
    Ok(())
}

pub fn accept(s: &mut Stack, id: u64, queue: Arc<WaitQueue>) -> SysResult<u64> {
    let e = &s.entries[&id];
    let (fam, v6only, reuseaddr) = (e.fam, e.v6only, e.reuseaddr);
    let State::Listening { handles, .. } = &e.state else { return Err(Errno::EINVAL) };
    let handles = handles.clone();
    let Some(pos) = handles.iter().position(|&h| accepted(s.tcp(h).state())) else {
        return Err(Errno::EAGAIN);
    };
    let h = handles[pos];
    if let State::Listening { handles, .. } = &mut s.entry(id).state {
        handles.remove(pos);
    }
    s.seen(id);
    let local = s.tcp(h).local_endpoint().map(|l| IpListenEndpoint { addr: Some(l.addr), port: l.port });
    let new = s.create(fam, Proto::Tcp, queue);
    let e = s.entry(new);
    e.v6only = v6only;
    e.reuseaddr = reuseaddr;
    e.bound = local;
    e.state = State::Tcp(Conn { handle: h, established: true, announced: true, peer_fin: false, reset: false });
    // The peer may have sent its FIN (or reset) before the accept.
    s.poll();
    Ok(new)
}

/// Where a connect to `ep` goes: the wildcard means this machine (as Linux).
fn remote(fam: Family, ep: IpListenEndpoint) -> IpEndpoint {
    let addr = ep.addr.unwrap_or(match fam {
        Family::V4 => IpAddress::v4(127, 0, 0, 1),
        Family::V6 => IpAddress::v6(0, 0, 0, 0, 0, 0, 0, 1),
    });
    IpEndpoint { addr, port: ep.port }
}

pub fn connect(s: &mut Stack, id: u64, to: Parsed, nodelay: bool) -> SysResult<()> {
    let e = s.entry(id);
    match &mut e.state {
        State::Tcp(c) if c.announced => return Err(Errno::EISCONN),
        State::Tcp(c) if c.established => {
            c.announced = true;
            return Ok(());
        }
        State::Tcp(_) => return Err(Errno::EALREADY),
        State::Listening { .. } => return Err(Errno::EISCONN),
        State::Udp { .. } => return Err(Errno::EINVAL),
        State::Idle => {}
    }
    // A connect that failed while nobody waited reports its error here.
    if let Some(err) = e.error.take() {
        s.seen(id);
        return Err(err);
    }
    let Parsed::At(to) = to else { return Ok(()) };
    let fam = e.fam;
    let v6only = e.v6only;
    let to = remote(fam, to);
    if to.port == 0 {
        return Err(Errno::ECONNREFUSED);
    }
    if matches!(to.addr, IpAddress::Ipv4(_)) && fam == Family::V6 && v6only {
        return Err(Errno::ENETUNREACH);
    }
    if !s.reachable(to.addr) {
        return Err(Errno::ENETUNREACH);
    }
    let local = autobind(s, id)?;
    // A wildcard bind of an AF_INET6 socket connects from the address of the peer's family.
    let local = IpListenEndpoint {
        addr: local.addr.filter(|a| a.version() == to.addr.version()).or_else(|| s.source_for(to.addr)),
        port: local.port,
    };
    let h = s.new_tcp()?;
    s.tcp(h).set_nagle_enabled(!nodelay);
    let r = {
        let (socket, cx) = s.tcp_and_context(h);
        socket.connect(cx, to, local)
    };
    if r.is_err() {
        s.remove(h);
        return Err(Errno::EADDRNOTAVAIL);
    }
    s.entry(id).state =
        State::Tcp(Conn { handle: h, established: false, announced: false, peer_fin: false, reset: false });
    s.poll();
    Err(Errno::EINPROGRESS)
}

pub fn connected(s: &mut Stack, id: u64) -> SysResult<()> {
    let e = s.entry(id);
    match &mut e.state {
        State::Tcp(c) if c.established => {
            c.announced = true;
            Ok(())
        }
        State::Tcp(_) => Err(Errno::EAGAIN),
        _ => {
            let err = e.error.take().unwrap_or(Errno::ECONNREFUSED);
            s.seen(id);
            Err(err)
        }
    }
}

/// The connection of `e`, after its pending error: ENOTCONN if it has none.
fn conn(e: &mut Entry, unconnected: Errno) -> SysResult<&mut Conn> {
    if let Some(err) = e.error.take() {
        return Err(err);
    }
    match &mut e.state {
        State::Tcp(c) => Ok(c),
        _ => Err(unconnected),
    }
}

pub fn send(s: &mut Stack, id: u64, data: &[u8]) -> SysResult<usize> {
    let e = s.entry(id);
    let shut_wr = e.shut_wr;
    // Linux: a send on a socket never connected is EPIPE.
    let c = conn(e, Errno::EPIPE);
    let c = match c {
        Ok(c) => c,
        Err(err) => {
            s.seen(id);
            return Err(err);
        }
    };
    if shut_wr || c.reset {
        return Err(Errno::EPIPE);
    }
    let h = c.handle;
    let t = s.tcp(h);
    if matches!(t.state(), tcp::State::SynSent | tcp::State::SynReceived) {
        return Err(Errno::EAGAIN);
    }
    if !t.may_send() {
        return Err(Errno::EPIPE);
    }
    let n = t.send_slice(data).map_err(|_| Errno::EPIPE)?;
    if n == 0 && !data.is_empty() {
        return Err(Errno::EAGAIN);
    }
    s.seen(id);
    s.poll();
    Ok(n)
}

pub fn recv(s: &mut Stack, id: u64, buf: &mut [u8], peek: bool) -> SysResult<usize> {
    let e = s.entry(id);
    let shut_rd = e.shut_rd;
    let c = match conn(e, Errno::ENOTCONN) {
        Ok(c) => c,
        Err(err) => {
            s.seen(id);
            return Err(err);
        }
    };
    if c.reset || shut_rd {
        return Ok(0);
    }
    let h = c.handle;
    let t = s.tcp(h);
    if matches!(t.state(), tcp::State::SynSent | tcp::State::SynReceived) {
        return Err(Errno::EAGAIN);
    }
    let r = if peek {
        if t.may_recv() {
            Ok(t.peek_slice(buf).unwrap_or(0))
        } else {
            Err(tcp::RecvError::Finished)
        }
    } else {
        t.recv_slice(buf)
    };
    let n = match r {
        Ok(0) if !buf.is_empty() => return Err(Errno::EAGAIN),
        Ok(n) => n,
        // The peer's FIN after the last byte, or a connection smoltcp closed: end of file.
        Err(_) => 0,
    };
    if n > 0 && !peek {
        s.seen(id);
        // The window opened: tell the peer.
        s.poll();
    }
    Ok(n)
}
