//! AF_INET and AF_INET6 sockets: TCP and UDP over smoltcp, on the loopback interface.
//!
//! An [`InetSocket`] is the file; what it is in the network (its smoltcp socket, bound port,
//! listener backlog, pending error) is its [`stack::Entry`] inside the one [`stack::Stack`],
//! reached by id under the stack's lock. Calls that would wait answer EAGAIN; the syscall layer
//! waits on [`InetSocket::queue`], which the stack wakes when the socket's state changes.
pub mod addr;
pub mod link;
pub mod stack;
mod tcp;
#[cfg(test)]
mod tests_eth;
mod udp;

pub use addr::{Family, Parsed};
pub use stack::Proto;

use crate::Options;
use abi::flags::PollEvents;
use abi::net::{SHUT_RD, SHUT_RDWR, SHUT_WR};
use abi::structs::Stat;
use abi::{Errno, SysResult};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use fs::inode::{FileKind, Inode};
use fs::meta::next_ino;
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};
use stack::{try_with_stack, with_stack, Stack, State};
use sync::{Mutex, WaitQueue};

/// POLLRDHUP.
const RDHUP: PollEvents = PollEvents::from_bits_retain(0x2000);

/// What a receive got: bytes copied, the datagram's full size, its sender.
#[derive(Debug, PartialEq, Eq)]
pub struct Got {
    pub len: usize,
    pub full: usize,
    pub from: Option<IpEndpoint>,
}

pub struct InetSocket {
    id: u64,
    fam: Family,
    proto: Proto,
    ino: u64,
    queue: Arc<WaitQueue>,
    pub options: Mutex<Options>,
    nodelay: AtomicBool,
    this: Weak<InetSocket>,
}

/// The INET socket behind `file`, if it is one.
pub fn as_inet(file: &fs::File) -> Option<&InetSocket> {
    file.inode().as_any()?.downcast_ref::<InetSocket>()
}

impl InetSocket {
    pub fn new(fam: Family, proto: Proto) -> Arc<InetSocket> {
        let queue = Arc::new(WaitQueue::new());
        let ino = next_ino();
        let id = with_stack(|s| {
            let id = s.create(fam, proto, queue.clone());
            s.entry(id).ino = ino;
            id
        });
        Arc::new_cyclic(|this| InetSocket {
            id,
            fam,
            proto,
            ino,
            queue,
            options: Mutex::new(Options::default()),
            nodelay: AtomicBool::new(false),
            this: this.clone(),
        })
    }

    pub fn arc(&self) -> Arc<InetSocket> {
        self.this.upgrade().expect("a socket in use is alive")
    }

    pub fn family(&self) -> Family {
        self.fam
    }

    pub fn proto(&self) -> Proto {
        self.proto
    }

    pub fn queue(&self) -> &WaitQueue {
        &self.queue
    }

    /// Run `f` on this socket's entry and the stack.
    fn with<R>(&self, f: impl FnOnce(&mut Stack, u64) -> R) -> R {
        with_stack(|s| f(s, self.id))
    }

    /// bind(2). EINVAL if bound already, EADDRNOTAVAIL for an address not of this machine,
    /// EADDRINUSE as Linux decides; port 0 picks a free one.
    pub fn bind(&self, ep: IpListenEndpoint) -> SysResult<()> {
        let o = *self.options.lock();
        self.with(|s, id| {
            let e = s.entry(id);
            e.reuseaddr = o.reuseaddr;
            e.reuseport = o.reuseport;
            if e.bound.is_some() {
                return Err(Errno::EINVAL);
            }
            if let Some(a) = ep.addr {
                if (matches!(a, IpAddress::Ipv4(_)) && e.fam == Family::V6 && e.v6only) || !s.is_local(a) {
                    return Err(if s.is_local(a) { Errno::EINVAL } else { Errno::EADDRNOTAVAIL });
                }
            }
            let port = if ep.port == 0 { s.ephemeral(s.entries[&id].proto)? } else { ep.port };
            let ep = IpListenEndpoint { addr: ep.addr, port };
            if s.in_use(id, ep) {
                return Err(Errno::EADDRINUSE);
            }
            s.entry(id).bound = Some(ep);
            if s.entries[&id].proto == Proto::Udp {
                udp::open(s, id)?;
            }
            Ok(())
        })
    }

    /// listen(2) (TCP only: EOPNOTSUPP for UDP).
    pub fn listen(&self, backlog: i32) -> SysResult<()> {
        if self.proto != Proto::Tcp {
            return Err(Errno::EOPNOTSUPP);
        }
        let o = *self.options.lock();
        self.with(|s, id| tcp::listen(s, id, backlog, o))
    }

    /// accept(2): a connection the handshake completed; EAGAIN if none; EINVAL unless
    /// listening.
    pub fn accept(&self) -> SysResult<Arc<InetSocket>> {
        if self.proto != Proto::Tcp {
            return Err(Errno::EOPNOTSUPP);
        }
        let queue = Arc::new(WaitQueue::new());
        let ino = next_ino();
        let id = self.with(|s, id| {
            let new = tcp::accept(s, id, queue.clone())?;
            s.entry(new).ino = ino;
            Ok(new)
        })?;
        let o = *self.options.lock();
        let nodelay = self.nodelay.load(Ordering::Relaxed);
        Ok(Arc::new_cyclic(|this| InetSocket {
            id,
            fam: self.fam,
            proto: Proto::Tcp,
            ino,
            queue,
            options: Mutex::new(o),
            nodelay: AtomicBool::new(nodelay),
            this: this.clone(),
        }))
    }

    /// connect(2). UDP: sets (or, with AF_UNSPEC, clears) the peer. TCP: starts the handshake
    /// and answers EINPROGRESS ([`connected`](Self::connected) then tells how it ends);
    /// EALREADY while one is in progress, EISCONN once connected.
    pub fn connect(&self, to: Parsed) -> SysResult<()> {
        let nodelay = self.nodelay.load(Ordering::Relaxed);
        self.with(|s, id| match s.entries[&id].proto {
            Proto::Tcp => tcp::connect(s, id, to, nodelay),
            Proto::Udp => udp::connect(s, id, to),
        })
    }

    /// How a TCP connect ended: Ok, the error (ECONNREFUSED), or EAGAIN while in progress.
    pub fn connected(&self) -> SysResult<()> {
        self.with(tcp::connected)
    }

    /// Send `data` (to `to`, for UDP without a peer); EAGAIN when it must wait for room.
    pub fn send(&self, data: &[u8], to: Option<Parsed>) -> SysResult<usize> {
        self.with(|s, id| match s.entries[&id].proto {
            Proto::Tcp => tcp::send(s, id, data),
            Proto::Udp => udp::send(s, id, data, to),
        })
    }

    /// Receive into `buf` (`peek`: leave the bytes queued); EAGAIN when nothing is there yet.
    pub fn recv(&self, buf: &mut [u8], peek: bool) -> SysResult<Got> {
        self.with(|s, id| match s.entries[&id].proto {
            Proto::Tcp => tcp::recv(s, id, buf, peek).map(|n| Got { len: n, full: n, from: None }),
            Proto::Udp => udp::recv(s, id, buf, peek),
        })
    }

    /// shutdown(2).
    pub fn shutdown(&self, how: i32) -> SysResult<()> {
        if !(SHUT_RD..=SHUT_RDWR).contains(&how) {
            return Err(Errno::EINVAL);
        }
        self.with(|s, id| {
            let e = s.entry(id);
            let handle = match &e.state {
                State::Tcp(c) => Some(c.handle),
                State::Udp { peer: Some(_), .. } => None,
                State::Listening { .. } if how != SHUT_WR => None,
                _ => return Err(Errno::ENOTCONN),
            };
            if how != SHUT_WR {
                e.shut_rd = true;
            }
            if how != SHUT_RD {
                e.shut_wr = true;
                if let Some(h) = handle {
                    s.tcp(h).close();
                }
            }
            s.poll();
            Ok(())
        })
    }

    /// The socket address getsockname(2) reports.
    pub fn local_addr(&self) -> Vec<u8> {
        self.with(|s, id| {
            let fam = s.entries[&id].fam;
            let ep = match &s.entries[&id].state {
                State::Tcp(c) => {
                    s.tcp(c.handle).local_endpoint().map(|e| IpListenEndpoint { addr: Some(e.addr), port: e.port })
                }
                _ => None,
            };
            let ep = ep.or(s.entries[&id].bound).unwrap_or_default();
            addr::encode(fam, ep.addr, ep.port)
        })
    }

    /// The socket address getpeername(2) reports; ENOTCONN without a peer.
    pub fn peer_addr(&self) -> SysResult<Vec<u8>> {
        self.with(|s, id| {
            let fam = s.entries[&id].fam;
            let peer = match &s.entries[&id].state {
                State::Tcp(c) if c.established && !c.reset => s.tcp(c.handle).remote_endpoint(),
                State::Udp { peer, .. } => *peer,
                _ => None,
            };
            peer.map(|p| addr::encode_endpoint(fam, p)).ok_or(Errno::ENOTCONN)
        })
    }

    /// A peer's address as this socket reports it.
    pub fn encode(&self, ep: IpEndpoint) -> Vec<u8> {
        addr::encode_endpoint(self.fam, ep)
    }

    /// SO_ERROR: the pending error, cleared.
    pub fn take_error(&self) -> Option<Errno> {
        self.with(|s, id| {
            let e = s.entry(id).error.take();
            s.seen(id);
            e
        })
    }

    /// FIONREAD (SIOCINQ): TCP: bytes received and not read (EINVAL for a listener); UDP: the
    /// size of the next datagram, 0 if none.
    pub fn inq(&self) -> SysResult<usize> {
        self.with(|s, id| match &s.entries[&id].state {
            State::Listening { .. } => Err(Errno::EINVAL),
            State::Tcp(c) => {
                let h = c.handle;
                Ok(s.tcp(h).recv_queue())
            }
            State::Udp { handle, .. } => {
                let h = *handle;
                Ok(s.udp(h).peek().map_or(0, |(data, _)| data.len()))
            }
            State::Idle => Ok(0),
        })
    }

    pub fn is_listening(&self) -> bool {
        self.with(|s, id| matches!(s.entries[&id].state, State::Listening { .. }))
    }

    /// IPV6_V6ONLY: EINVAL once bound.
    pub fn set_v6only(&self, on: bool) -> SysResult<()> {
        self.with(|s, id| {
            let e = s.entry(id);
            if e.bound.is_some() {
                return Err(Errno::EINVAL);
            }
            e.v6only = on;
            Ok(())
        })
    }

    pub fn v6only(&self) -> bool {
        self.with(|s, id| s.entries[&id].v6only)
    }

    /// TCP_NODELAY: Nagle's algorithm off.
    pub fn set_nodelay(&self, on: bool) {
        self.nodelay.store(on, Ordering::Relaxed);
        self.with(|s, id| {
            if let State::Tcp(c) = &s.entries[&id].state {
                let h = c.handle;
                s.tcp(h).set_nagle_enabled(!on);
            }
        })
    }

    pub fn nodelay(&self) -> bool {
        self.nodelay.load(Ordering::Relaxed)
    }
}

impl Drop for InetSocket {
    fn drop(&mut self) {
        let l = self.options.get_mut().linger;
        let abort = l.onoff != 0 && l.linger == 0;
        let id = self.id;
        let _ = try_with_stack(|s| s.close(id, abort));
    }
}

impl Inode for InetSocket {
    fn kind(&self) -> FileKind {
        FileKind::Socket
    }
    fn stat(&self) -> Stat {
        crate::socket_stat(self.ino)
    }
    fn seekable(&self) -> bool {
        false
    }
    fn mappable(&self) -> bool {
        false
    }
    /// read(2): a receive without flags.
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        self.recv(buf, false).map(|g| g.len)
    }
    /// write(2): a send without flags (a UDP socket needs a peer: EDESTADDRREQ).
    fn write_at(&self, _offset: u64, buf: &[u8]) -> SysResult<usize> {
        self.send(buf, None)
    }
    fn poll(&self) -> PollEvents {
        self.with(readiness)
    }
    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.queue)
    }
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }
}

/// poll(2)'s view of socket `id`, as Linux's tcp_poll and datagram_poll compute it.
fn readiness(s: &mut Stack, id: u64) -> PollEvents {
    let readable = PollEvents::IN | PollEvents::RDNORM;
    let writable = PollEvents::OUT | PollEvents::WRNORM;
    let e = &s.entries[&id];
    let mut ev = PollEvents::empty();
    if e.error.is_some() {
        ev |= PollEvents::ERR;
    }
    if e.shut_rd {
        ev |= readable | RDHUP;
    }
    let (shut_rd, shut_wr) = (e.shut_rd, e.shut_wr);
    match &e.state {
        State::Idle if e.proto == Proto::Tcp => ev |= writable | PollEvents::HUP,
        State::Idle => ev |= writable | PollEvents::WRBAND,
        State::Listening { handles, .. } => {
            let handles = handles.clone();
            if handles.iter().any(|&h| stack::accepted(s.tcp(h).state())) {
                ev |= readable;
            }
        }
        State::Tcp(c) => {
            let (h, peer_fin, reset) = (c.handle, c.peer_fin, c.reset);
            let t = s.tcp(h);
            if t.state() == smoltcp::socket::tcp::State::SynSent {
                return ev;
            }
            let rd_done = peer_fin || reset || shut_rd;
            if t.recv_queue() > 0 || rd_done {
                ev |= readable;
            }
            if peer_fin || reset {
                ev |= RDHUP;
            }
            if t.can_send() || shut_wr || reset || !t.may_send() {
                ev |= writable;
            }
            if reset || (rd_done && shut_wr) || (peer_fin && shut_wr) {
                ev |= PollEvents::HUP;
            }
        }
        State::Udp { handle, .. } => {
            let h = *handle;
            let u = s.udp(h);
            if u.can_recv() {
                ev |= readable;
            }
            if u.can_send() {
                ev |= writable | PollEvents::WRBAND;
            }
            if shut_rd && shut_wr {
                ev |= PollEvents::HUP;
            }
        }
    }
    ev
}
