//! UDP on the stack: a smoltcp UDP socket once bound (explicitly, or by the first send or
//! connect), a default peer after connect, whole datagrams in and out.
use super::addr::{Family, Parsed};
use super::stack::{Proto, Stack, State, UDP_MAX_PAYLOAD};
use super::Got;
use abi::{Errno, SysResult};
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};

/// Give bound socket `id` its smoltcp socket.
pub fn open(s: &mut Stack, id: u64) -> SysResult<()> {
    if matches!(s.entries[&id].state, State::Udp { .. }) {
        return Ok(());
    }
    let ep = s.entries[&id].bound.expect("bound before it is opened");
    let h = s.new_udp()?;
    if s.udp(h).bind(ep).is_err() {
        s.remove(h);
        return Err(Errno::EINVAL);
    }
    s.entry(id).state = State::Udp { handle: h, peer: None };
    s.seen(id);
    Ok(())
}

/// Bind to a free port if unbound, and open.
fn autobind(s: &mut Stack, id: u64) -> SysResult<()> {
    if s.entries[&id].bound.is_none() {
        let port = s.ephemeral(Proto::Udp)?;
        let e = s.entry(id);
        e.bound = Some(IpListenEndpoint { addr: None, port });
        e.autobound = true;
    }
    open(s, id)
}

/// Where a datagram to `ep` goes (the wildcard is this machine); ENETUNREACH off this machine.
fn destination(s: &Stack, fam: Family, v6only: bool, ep: IpListenEndpoint) -> SysResult<IpEndpoint> {
    let addr = ep.addr.unwrap_or(match fam {
        Family::V4 => IpAddress::v4(127, 0, 0, 1),
        Family::V6 => IpAddress::v6(0, 0, 0, 0, 0, 0, 0, 1),
    });
    if (matches!(addr, IpAddress::Ipv4(_)) && fam == Family::V6 && v6only) || !s.reachable(addr) {
        return Err(Errno::ENETUNREACH);
    }
    Ok(IpEndpoint { addr, port: ep.port })
}

pub fn connect(s: &mut Stack, id: u64, to: Parsed) -> SysResult<()> {
    let peer = match to {
        Parsed::Unspec => None,
        Parsed::At(ep) => {
            let e = &s.entries[&id];
            Some(destination(s, e.fam, e.v6only, ep)?)
        }
    };
    if peer.is_some() {
        autobind(s, id)?;
    }
    if let State::Udp { peer: p, .. } = &mut s.entry(id).state {
        *p = peer;
    }
    s.seen(id);
    Ok(())
}

pub fn send(s: &mut Stack, id: u64, data: &[u8], to: Option<Parsed>) -> SysResult<usize> {
    let e = s.entry(id);
    if let Some(err) = e.error.take() {
        s.seen(id);
        return Err(err);
    }
    if e.shut_wr {
        return Err(Errno::EPIPE);
    }
    let peer = match &e.state {
        State::Udp { peer, .. } => *peer,
        _ => None,
    };
    let (fam, v6only) = (e.fam, e.v6only);
    let dest = match to {
        Some(Parsed::At(ep)) => destination(s, fam, v6only, ep)?,
        _ => peer.ok_or(Errno::EDESTADDRREQ)?,
    };
    if dest.port == 0 {
        return Err(Errno::EINVAL);
    }
    if data.len() > UDP_MAX_PAYLOAD {
        return Err(Errno::EMSGSIZE);
    }
    autobind(s, id)?;
    let State::Udp { handle, .. } = s.entries[&id].state else { unreachable!("opened just now") };
    // A wildcard-bound socket sends from the address of the link the datagram leaves by.
    let local_address = match s.entries[&id].bound {
        Some(IpListenEndpoint { addr: Some(_), .. }) => None,
        _ => s.source_for(dest.addr),
    };
    let meta = smoltcp::socket::udp::UdpMetadata { endpoint: dest, local_address, meta: Default::default() };
    match s.udp(handle).send_slice(data, meta) {
        Ok(()) => {}
        Err(smoltcp::socket::udp::SendError::BufferFull) => return Err(Errno::EAGAIN),
        Err(smoltcp::socket::udp::SendError::Unaddressable) => return Err(Errno::EINVAL),
    }
    s.seen(id);
    s.poll();
    Ok(data.len())
}

pub fn recv(s: &mut Stack, id: u64, buf: &mut [u8], peek: bool) -> SysResult<Got> {
    let e = s.entry(id);
    if let Some(err) = e.error.take() {
        s.seen(id);
        return Err(err);
    }
    let shut_rd = e.shut_rd;
    let State::Udp { handle, peer } = e.state else {
        return if shut_rd { Ok(Got { len: 0, full: 0, from: None }) } else { Err(Errno::EAGAIN) };
    };
    let u = s.udp(handle);
    loop {
        let got = if peek { u.peek().map(|(d, m)| (d, m.endpoint)) } else { u.recv().map(|(d, m)| (d, m.endpoint)) };
        let Ok((data, from)) = got else {
            return if shut_rd { Ok(Got { len: 0, full: 0, from: None }) } else { Err(Errno::EAGAIN) };
        };
        // A connected socket takes datagrams from its peer only.
        if peer.is_some_and(|p| p != from) {
            if peek {
                let _ = u.recv();
            }
            continue;
        }
        let n = data.len().min(buf.len());
        buf[..n].copy_from_slice(&data[..n]);
        let full = data.len();
        s.seen(id);
        return Ok(Got { len: n, full, from: Some(from) });
    }
}
