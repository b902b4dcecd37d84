//! The IP stack: a smoltcp interface on a loopback device (127.0.0.1 and ::1), the smoltcp
//! sockets, and what Linux keeps beside them (bound ports, listeners' backlogs, pending errors).
//!
//! Everything sits behind one lock ([`with_stack`]): smoltcp wants `&mut` for any step, and a
//! packet sent by one socket is received by another in the same step. Each call that changes a
//! socket runs the interface until the loopback queue is empty ([`Stack::poll`]), then compares
//! every socket's state with what it was ([`Snapshot`]) and wakes the queues of those that
//! changed, after the lock is let go. A waiter is thus woken by the step that delivered its
//! bytes, never by a timer; edge-triggered epoll sees every arrival (the bytes queued change).
//!
//! A listener is not one smoltcp socket but as many as it has connections pending: before the
//! interface sees a SYN, [`Stack::poll`] looks at the queued packets and gives the listener
//! another smoltcp socket in the LISTEN state if it has none free and its backlog has room.
//!
//! On the host, each thread has its own stack (as its own executor and clock): parallel tests
//! are separate machines.
use super::addr::Family;
use super::link::{Change, EthernetDevice, External, Ipv4Config, ETH_MTU};
use crate::iface::{Counters, InterfaceInfo, ARPHRD_ETHER, IFF_BROADCAST, IFF_MULTICAST, IFF_RUNNING, IFF_UP};
use abi::{Errno, SysResult};
use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{self, ChecksumCapabilities, Device, DeviceCapabilities, Medium};
use smoltcp::socket::{tcp, udp};
use smoltcp::time::Instant;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr, IpEndpoint, IpListenEndpoint};
use sync::{Mutex, WaitQueue};

/// Bytes of each direction's buffer of a TCP socket.
pub const TCP_BUF: usize = 64 * 1024;
/// Payload bytes of each direction's buffer of a UDP socket, and the datagrams it holds.
pub const UDP_BUF: usize = 64 * 1024;
pub const UDP_PACKETS: usize = 64;
/// The largest UDP payload (an IPv4 datagram of 64 KiB).
pub const UDP_MAX_PAYLOAD: usize = 65507;
/// Socket buffer memory all sockets together may hold: a socket beyond it is ENOBUFS.
pub const MEMORY_BUDGET: usize = 32 << 20;
/// Linux's ip_local_port_range.
const EPHEMERAL: core::ops::RangeInclusive<u16> = 32768..=60999;
/// The most connections one listener keeps pending (Linux's somaxconn).
pub const SOMAXCONN: usize = 4096;
/// Interface steps one poll runs at most (each empties the loopback queue once).
const MAX_ROUNDS: usize = 64;

/// The loopback link: what is sent is received, in order. Its queue is visible to the stack,
/// which looks for SYNs in it.
struct Loopback {
    queue: VecDeque<Vec<u8>>,
    counters: Counters,
}

/// The device under the interface: the loopback link, and eth0 when there is one. A packet
/// goes out of eth0 when its destination is outside this machine ([`External::routes`]), else
/// into the loopback queue; packets are received from the loopback queue first.
struct Links<'a> {
    lo: &'a mut Loopback,
    ext: Option<&'a mut External>,
    now: Instant,
}

impl Device for Links<'_> {
    type RxToken<'b>
        = RxToken
    where
        Self: 'b;
    type TxToken<'b>
        = TxToken<'b>
    where
        Self: 'b;

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.max_transmission_unit = 65535;
        caps.medium = Medium::Ip;
        caps.checksum = ChecksumCapabilities::ignored();
        caps
    }

    fn receive(&mut self, _now: Instant) -> Option<(RxToken, TxToken<'_>)> {
        let packet = match self.lo.queue.pop_front() {
            Some(p) => p,
            None => self.ext.as_mut()?.rx.pop_front()?,
        };
        Some((RxToken(packet), self.tx()))
    }

    fn transmit(&mut self, _now: Instant) -> Option<TxToken<'_>> {
        Some(self.tx())
    }
}

impl Links<'_> {
    fn tx(&mut self) -> TxToken<'_> {
        TxToken { lo: &mut *self.lo, ext: self.ext.as_deref_mut(), now: self.now }
    }
}

struct RxToken(Vec<u8>);

impl phy::RxToken for RxToken {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

struct TxToken<'a> {
    lo: &'a mut Loopback,
    ext: Option<&'a mut External>,
    now: Instant,
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut packet = vec![0; len];
        let r = f(&mut packet);
        match self.ext {
            Some(ext) if packet_dst(&packet).is_some_and(|d| ext.routes(d)) => ext.send_ip(packet, self.now),
            _ => {
                self.lo.counters.tx_packets += 1;
                self.lo.counters.tx_bytes += len as u64;
                self.lo.counters.rx_packets += 1;
                self.lo.counters.rx_bytes += len as u64;
                self.lo.queue.push_back(packet)
            }
        }
        r
    }
}

/// The destination address of IP packet `p`.
fn packet_dst(p: &[u8]) -> Option<IpAddress> {
    match p.first()? >> 4 {
        4 if p.len() >= 20 => Some(IpAddress::v4(p[16], p[17], p[18], p[19])),
        6 if p.len() >= 40 => {
            let mut raw = [0u8; 16];
            raw.copy_from_slice(&p[24..40]);
            Some(IpAddress::Ipv6(raw.into()))
        }
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
}

/// What a socket is, beside its smoltcp socket(s).
pub enum State {
    /// TCP: neither listening nor connected. UDP: no smoltcp socket yet (not bound).
    Idle,
    /// Pending connections: smoltcp sockets in LISTEN, SYN-RECEIVED or ESTABLISHED, oldest first.
    Listening {
        backlog: usize,
        handles: Vec<SocketHandle>,
    },
    Tcp(Conn),
    Udp {
        handle: SocketHandle,
        peer: Option<IpEndpoint>,
    },
}

/// A TCP socket that connected or is connecting.
pub struct Conn {
    pub handle: SocketHandle,
    /// The handshake completed (as smoltcp saw it).
    pub established: bool,
    /// A connect call saw it complete (Linux's SS_CONNECTED): a second connect is EISCONN.
    pub announced: bool,
    /// The peer sent its FIN.
    pub peer_fin: bool,
    /// The peer reset the connection (reported once as ECONNRESET, then EPIPE and end of file).
    pub reset: bool,
}

/// What the wake-up check compares: the state, the bytes queued each way, the pending error.
type Snapshot = [usize; 4];

pub struct Entry {
    pub fam: Family,
    pub proto: Proto,
    pub v6only: bool,
    pub reuseaddr: bool,
    pub reuseport: bool,
    /// The local address bind(2) (or an automatic bind) took: `addr` None is the wildcard.
    pub bound: Option<IpListenEndpoint>,
    /// The bind was automatic (connect, listen or send without one): undone if connect fails.
    pub autobound: bool,
    pub state: State,
    /// SO_ERROR: reported by the next call that can fail, or by getsockopt.
    pub error: Option<Errno>,
    pub shut_rd: bool,
    pub shut_wr: bool,
    pub queue: Arc<WaitQueue>,
    /// The socket file's inode number (/proc/net/tcp's `inode`).
    pub ino: u64,
    snap: Snapshot,
}

pub struct Stack {
    iface: Interface,
    dev: Loopback,
    /// eth0, once a device is attached ([`attach`]).
    ext: Option<External>,
    pub set: SocketSet<'static>,
    pub entries: BTreeMap<u64, Entry>,
    next_id: u64,
    /// Closed sockets smoltcp still runs (FIN, last ACK), removed when done.
    closing: Vec<SocketHandle>,
    next_port: u16,
    /// Buffer bytes the smoltcp sockets hold.
    memory: usize,
    /// Queues to wake once the lock is let go.
    to_wake: Vec<Arc<WaitQueue>>,
}

pub fn now() -> Instant {
    Instant::from_micros((hal::time::now_ns() / 1000) as i64)
}

impl Stack {
    fn new() -> Stack {
        let mut dev = Loopback { queue: VecDeque::new(), counters: Counters::default() };
        let mut config = Config::new(HardwareAddress::Ip);
        config.random_seed = hal::time::now_ns() ^ 0x5eed_ba4a;
        let mut links = Links { lo: &mut dev, ext: None, now: now() };
        let mut iface = Interface::new(config, &mut links, now());
        iface.update_ip_addrs(|addrs| {
            // Always the first two (smoltcp takes the first IPv4 address as the source of a
            // wildcard socket's packets: loopback unless [`Stack::source_for`] says otherwise);
            // eth0's IPv4 address is the third.
            let _ = addrs.push(IpCidr::new(IpAddress::v4(127, 0, 0, 1), 8));
            let _ = addrs.push(IpCidr::new(IpAddress::v6(0, 0, 0, 0, 0, 0, 0, 1), 128));
        });
        Stack {
            iface,
            dev,
            ext: None,
            set: SocketSet::new(Vec::new()),
            entries: BTreeMap::new(),
            next_id: 1,
            closing: Vec::new(),
            next_port: *EPHEMERAL.start(),
            memory: 0,
            to_wake: Vec::new(),
        }
    }

    pub fn create(&mut self, fam: Family, proto: Proto, queue: Arc<WaitQueue>) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let entry = Entry {
            fam,
            proto,
            v6only: false,
            reuseaddr: false,
            reuseport: false,
            bound: None,
            autobound: false,
            state: State::Idle,
            error: None,
            shut_rd: false,
            shut_wr: false,
            queue,
            ino: 0,
            snap: [0; 4],
        };
        self.entries.insert(id, entry);
        id
    }

    pub fn entry(&mut self, id: u64) -> &mut Entry {
        self.entries.get_mut(&id).expect("a socket's entry lives as long as the socket")
    }

    pub fn tcp(&mut self, h: SocketHandle) -> &mut tcp::Socket<'static> {
        self.set.get_mut::<tcp::Socket>(h)
    }

    pub fn udp(&mut self, h: SocketHandle) -> &mut udp::Socket<'static> {
        self.set.get_mut::<udp::Socket>(h)
    }

    /// The smoltcp socket `h` and the interface's context (connect needs both).
    pub fn tcp_and_context(&mut self, h: SocketHandle) -> (&mut tcp::Socket<'static>, &mut smoltcp::iface::Context) {
        (self.set.get_mut::<tcp::Socket>(h), self.iface.context())
    }

    /// Whether `addr` is an address of this machine (what bind accepts).
    pub fn is_local(&self, addr: IpAddress) -> bool {
        self.iface.has_ip_addr(addr)
    }

    /// Whether packets to `addr` have a way: this machine, or out of eth0.
    pub fn reachable(&self, addr: IpAddress) -> bool {
        self.is_local(addr) || self.ext.as_ref().is_some_and(|e| e.routes(addr))
    }

    /// The local address a socket bound to the wildcard sends from to `dst`: eth0's for a
    /// destination out of eth0, `dst` itself for an address of eth0, else `None` (the
    /// interface's first address of the family: 127.0.0.1 or ::1).
    pub fn source_for(&self, dst: IpAddress) -> Option<IpAddress> {
        let ext = self.ext.as_ref()?;
        let c = ext.config?;
        if ext.routes(dst) {
            Some(IpAddress::v4(c.addr[0], c.addr[1], c.addr[2], c.addr[3]))
        } else {
            (dst == IpAddress::v4(c.addr[0], c.addr[1], c.addr[2], c.addr[3])).then_some(dst)
        }
    }

    /// Attach eth0 (a second attach replaces the first).
    pub fn attach(&mut self, dev: Box<dyn EthernetDevice>, config: Option<Ipv4Config>) {
        let t = now();
        self.ext = Some(External::new(dev, config, t));
        if let Some(c) = config {
            self.apply(Change::Configured(c));
        }
        self.poll();
    }

    /// Give the interface eth0's new address and default route (or take them away).
    fn apply(&mut self, change: Change) {
        // eth0's address is the interface's one IPv4 address outside 127.0.0.0/8.
        let of_eth0 = |a: &IpCidr| matches!(a, IpCidr::Ipv4(c) if !c.address().is_loopback());
        if change == Change::Deconfigured && !self.iface.ip_addrs().iter().any(of_eth0) {
            return;
        }
        self.iface.update_ip_addrs(|addrs| addrs.retain(|a| !of_eth0(a)));
        self.iface.routes_mut().remove_default_ipv4_route();
        if let Change::Configured(c) = change {
            log::info!(
                "eth0: {}.{}.{}.{}/{}{}",
                c.addr[0],
                c.addr[1],
                c.addr[2],
                c.addr[3],
                c.prefix,
                c.gateway.map_or(alloc::string::String::new(), |g| alloc::format!(
                    " via {}.{}.{}.{}",
                    g[0],
                    g[1],
                    g[2],
                    g[3]
                ))
            );
            self.iface.update_ip_addrs(|addrs| {
                let _ = addrs.push(IpCidr::Ipv4(c.cidr()));
            });
            if let Some(gw) = c.gateway {
                let _ = self.iface.routes_mut().add_default_ipv4_route(gw.into());
            }
            if let Some(e) = &mut self.ext {
                e.config = Some(c);
            }
        } else {
            log::info!("eth0: address lost");
        }
    }

    /// The interfaces, as `ip addr` / `/proc/net/dev` list them.
    pub fn interfaces(&self) -> Vec<InterfaceInfo> {
        let mut list = vec![InterfaceInfo {
            ipv4: Some((Ipv4Addr::LOCALHOST, 8)),
            ipv6: Some((Ipv6Addr::LOCALHOST, 128)),
            counters: self.dev.counters,
            ..InterfaceInfo::loopback()
        }];
        if let Some(e) = &self.ext {
            list.push(InterfaceInfo {
                name: "eth0",
                index: 2,
                mtu: ETH_MTU as u32,
                flags: IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST,
                hw_type: ARPHRD_ETHER,
                mac: e.mac(),
                ipv4: e.config.map(|c| (Ipv4Addr::from(c.addr), c.prefix)),
                ipv6: None,
                counters: e.counters,
            });
        }
        list
    }

    /// Take `bytes` of the memory budget: ENOBUFS if it is spent.
    fn charge(&mut self, bytes: usize) -> SysResult<()> {
        if self.memory + bytes > MEMORY_BUDGET {
            return Err(Errno::ENOBUFS);
        }
        self.memory += bytes;
        Ok(())
    }

    /// A new smoltcp TCP socket (loopback needs no delayed ACKs: they only add latency).
    pub fn new_tcp(&mut self) -> SysResult<SocketHandle> {
        self.charge(2 * TCP_BUF)?;
        let mut s =
            tcp::Socket::new(tcp::SocketBuffer::new(vec![0; TCP_BUF]), tcp::SocketBuffer::new(vec![0; TCP_BUF]));
        s.set_ack_delay(None);
        Ok(self.set.add(s))
    }

    pub fn new_udp(&mut self) -> SysResult<SocketHandle> {
        self.charge(2 * UDP_BUF)?;
        let buffer = || udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; UDP_PACKETS], vec![0; UDP_BUF]);
        Ok(self.set.add(udp::Socket::new(buffer(), buffer())))
    }

    /// Remove a smoltcp socket and give its memory back.
    pub fn remove(&mut self, h: SocketHandle) {
        let bytes = match self.set.remove(h) {
            smoltcp::socket::Socket::Tcp(_) => 2 * TCP_BUF,
            smoltcp::socket::Socket::Udp(_) => 2 * UDP_BUF,
            // Only eth0's DHCP client has one, in a set of its own.
            _ => 0,
        };
        self.memory -= bytes;
    }

    /// Hand a TCP socket to the closing list: smoltcp finishes it (FIN, last ACK), then it goes.
    pub fn linger(&mut self, h: SocketHandle) {
        self.closing.push(h);
    }

    /// The local ports taken by `proto` sockets, with whether each holder allows reuse.
    fn port_users(&self, proto: Proto, port: u16, except: u64) -> impl Iterator<Item = (&Entry, Option<IpAddress>)> {
        self.entries.iter().filter_map(move |(&id, e)| {
            let b = e.bound?;
            (id != except && e.proto == proto && b.port == port).then_some((e, b.addr))
        })
    }

    /// Whether binding `ep` for socket `id` collides with another socket, as Linux decides:
    /// sockets may share a port if both set SO_REUSEPORT, or both set SO_REUSEADDR and (for TCP)
    /// the other one is not listening. A closed TCP connection still finishing holds its port
    /// against a socket without SO_REUSEADDR.
    pub fn in_use(&self, id: u64, ep: IpListenEndpoint) -> bool {
        let me = &self.entries[&id];
        self.port_users(me.proto, ep.port, id).any(|(other, addr)| {
            let overlap = match (addr, ep.addr) {
                (None, _) | (_, None) => true,
                (Some(a), Some(b)) => a == b,
            };
            let listening = matches!(other.state, State::Listening { .. });
            let shared = (me.reuseport && other.reuseport)
                || (me.reuseaddr && other.reuseaddr && (me.proto == Proto::Udp || !listening));
            overlap && !shared
        }) || (me.proto == Proto::Tcp && !me.reuseaddr && self.closing_uses(ep.port))
    }

    fn closing_uses(&self, port: u16) -> bool {
        self.closing.iter().any(|&h| {
            let s = self.set.get::<tcp::Socket>(h);
            s.local_endpoint().is_some_and(|e| e.port == port)
        })
    }

    /// A free ephemeral port for `proto`: EADDRINUSE when every one is taken.
    pub fn ephemeral(&mut self, proto: Proto) -> SysResult<u16> {
        let span = (*EPHEMERAL.end() - *EPHEMERAL.start()) as usize + 1;
        for _ in 0..span {
            let port = self.next_port;
            self.next_port = if port == *EPHEMERAL.end() { *EPHEMERAL.start() } else { port + 1 };
            if self.port_users(proto, port, 0).next().is_none() && !self.closing_uses(port) {
                return Ok(port);
            }
        }
        Err(Errno::EADDRINUSE)
    }

    /// Run the interface until the loopback queue is empty (or [`MAX_ROUNDS`]), settle what
    /// changed, and queue the wake-ups.
    pub fn poll(&mut self) {
        let t = now();
        for _ in 0..MAX_ROUNDS {
            if let Some(ext) = &mut self.ext {
                ext.pump(t);
                if let Some(change) = ext.poll_dhcp(t) {
                    self.apply(change);
                }
            }
            self.snoop_syns();
            let mut links = Links { lo: &mut self.dev, ext: self.ext.as_mut(), now: t };
            self.iface.poll(t, &mut links, &mut self.set);
            if self.dev.queue.is_empty() && self.ext.as_ref().is_none_or(|e| e.rx.is_empty()) {
                break;
            }
        }
        self.settle();
        self.reap();
        // (The entries and the sockets are separate fields: one pass, no list of ids.)
        for e in self.entries.values_mut() {
            let snap = observe(e, &self.set);
            if e.snap != snap {
                e.snap = snap;
                self.to_wake.push(e.queue.clone());
            }
        }
    }

    /// Take the current state of socket `id` as seen: a change by the caller itself (its own
    /// receive) wakes nobody, a change by the network after it does.
    pub fn seen(&mut self, id: u64) {
        let e = self.entries.get_mut(&id).expect("a socket's entry lives as long as the socket");
        e.snap = observe(e, &self.set);
    }

    /// Bring the TCP sockets' own state up to date with smoltcp's: handshakes done or refused,
    /// FINs and resets from the peer.
    fn settle(&mut self) {
        let mut refused = Vec::new();
        for e in self.entries.values_mut() {
            let State::Tcp(c) = &mut e.state else { continue };
            let h = c.handle;
            let st = self.set.get::<tcp::Socket>(h).state();
            use tcp::State as S;
            if matches!(st, S::CloseWait | S::LastAck | S::Closing | S::TimeWait) {
                c.peer_fin = true;
            }
            if !c.established && !matches!(st, S::SynSent | S::SynReceived | S::Closed | S::Listen) {
                c.established = true;
            }
            if st != S::Closed {
                continue;
            }
            if !c.established {
                // Refused (a RST answered the SYN): the socket is unconnected again.
                e.error = Some(Errno::ECONNREFUSED);
                e.state = State::Idle;
                if e.autobound {
                    e.bound = None;
                    e.autobound = false;
                }
                refused.push(h);
            } else if !c.peer_fin && !c.reset {
                c.reset = true;
                e.error = Some(Errno::ECONNRESET);
            }
        }
        for h in refused {
            self.remove(h);
        }
    }

    /// Remove closed sockets: those closed by their owner once smoltcp is done with them
    /// (TIME-WAIT is not kept: nothing on loopback can arrive late), and pending connections a
    /// listener lost to a reset.
    fn reap(&mut self) {
        let mut i = 0;
        while i < self.closing.len() {
            let st = self.set.get::<tcp::Socket>(self.closing[i]).state();
            if matches!(st, tcp::State::Closed | tcp::State::TimeWait) {
                let h = self.closing.swap_remove(i);
                self.remove(h);
            } else {
                i += 1;
            }
        }
        let mut dead = Vec::new();
        for e in self.entries.values_mut() {
            if let State::Listening { handles, .. } = &mut e.state {
                handles.retain(|&h| {
                    let gone = self.set.get::<tcp::Socket>(h).state() == tcp::State::Closed;
                    if gone {
                        dead.push(h);
                    }
                    !gone
                });
            }
        }
        for h in dead {
            self.remove(h);
        }
    }

    /// Give every listener as many free LISTEN sockets as there are SYNs for it in the
    /// receive queues (loopback and eth0), as far as its backlog has room (beyond it smoltcp
    /// answers the SYN with a reset: ECONNREFUSED).
    fn snoop_syns(&mut self) {
        let external = self.ext.iter().flat_map(|e| e.rx.iter());
        let syns: Vec<IpListenEndpoint> = self.dev.queue.iter().chain(external).filter_map(|p| syn_target(p)).collect();
        // SYNs per listener, in order of arrival.
        let mut wanted: Vec<(u64, IpListenEndpoint, usize)> = Vec::new();
        for dst in syns {
            let Some((&id, _)) = self.entries.iter().find(|(_, e)| listens_for(e, dst)) else { continue };
            match wanted.iter_mut().find(|w| w.0 == id) {
                Some(w) => w.2 += 1,
                None => wanted.push((id, dst, 1)),
            }
        }
        for (id, dst, n) in wanted {
            let State::Listening { handles, backlog } = &self.entries[&id].state else { continue };
            let free =
                handles.iter().filter(|&&h| self.set.get::<tcp::Socket>(h).state() == tcp::State::Listen).count();
            let room = backlog.saturating_sub(handles.len());
            let bound = self.entries[&id].bound.unwrap_or(IpListenEndpoint { addr: None, port: dst.port });
            for _ in 0..n.saturating_sub(free).min(room) {
                let Ok(h) = self.new_tcp() else { break };
                if self.tcp(h).listen(bound).is_err() {
                    self.remove(h);
                    break;
                }
                if let State::Listening { handles, .. } = &mut self.entry(id).state {
                    handles.push(h);
                }
            }
        }
    }

    /// Close socket `id` for good (its file was closed): a connection ends with a FIN after its
    /// queued bytes (a reset if unread bytes are left, or `abort`: SO_LINGER with 0 seconds);
    /// a listener's pending connections are reset.
    pub fn close(&mut self, id: u64, abort: bool) {
        let Some(e) = self.entries.remove(&id) else { return };
        match e.state {
            State::Idle => {}
            State::Listening { handles, .. } => {
                for h in handles {
                    self.tcp(h).abort();
                    self.linger(h);
                }
            }
            State::Tcp(c) => {
                let s = self.tcp(c.handle);
                if abort || s.recv_queue() > 0 {
                    s.abort();
                } else {
                    s.close();
                }
                self.linger(c.handle);
            }
            State::Udp { handle, .. } => self.remove(handle),
        }
        self.poll();
    }

    /// Every TCP and UDP socket as /proc/net/{tcp,udp}{,6} list them: open sockets, the
    /// connections listeners hold before accept, and closed connections still finishing.
    pub fn sockets(&self) -> Vec<SocketInfo> {
        let mut out = Vec::new();
        let conn = |s: &tcp::Socket, fam, ino| {
            let local = s.local_endpoint().map(|e| (Some(e.addr), e.port)).unwrap_or((None, 0));
            let (send, recv) = (s.send_queue(), s.recv_queue());
            SocketInfo {
                fam,
                proto: Proto::Tcp,
                local,
                remote: s.remote_endpoint(),
                state: linux_tcp_state(s.state()),
                tx_queue: send,
                rx_queue: recv,
                ino,
            }
        };
        for e in self.entries.values() {
            let local = e.bound.map_or((None, 0), |b| (b.addr, b.port));
            let info = |state, tx_queue, rx_queue, remote| SocketInfo {
                fam: e.fam,
                proto: e.proto,
                local,
                remote,
                state,
                tx_queue,
                rx_queue,
                ino: e.ino,
            };
            match &e.state {
                // Neither listening nor connected (a closed or reset connection too): Linux's
                // tables do not hold it.
                State::Idle => {}
                State::Listening { handles, .. } => {
                    let socks = handles.iter().map(|&h| self.set.get::<tcp::Socket>(h));
                    let ready = socks.clone().filter(|s| accepted(s.state())).count();
                    out.push(info(TCP_LISTEN, 0, ready, None));
                    out.extend(socks.filter(|s| s.state() != tcp::State::Listen).map(|s| conn(s, e.fam, 0)));
                }
                State::Tcp(c) => {
                    let mut i = conn(self.set.get::<tcp::Socket>(c.handle), e.fam, e.ino);
                    if i.local.1 == 0 {
                        i.local = local;
                    }
                    if i.state != TCP_CLOSE {
                        out.push(i);
                    }
                }
                State::Udp { handle, peer } => {
                    let u = self.set.get::<udp::Socket>(*handle);
                    let st = if peer.is_some() { TCP_ESTABLISHED } else { TCP_CLOSE };
                    let mut i = info(st, u.send_queue(), u.recv_queue(), *peer);
                    // Connected without a local address: the source address is the one towards
                    // the peer, which on loopback is the peer's own.
                    if let (None, Some(p)) = (i.local.0, peer) {
                        if self.iface.has_ip_addr(p.addr) {
                            i.local.0 = Some(p.addr);
                        }
                    }
                    out.push(i);
                }
            }
        }
        for &h in &self.closing {
            let s = self.set.get::<tcp::Socket>(h);
            let fam = match s.local_endpoint().map(|e| e.addr) {
                Some(IpAddress::Ipv6(_)) => Family::V6,
                _ => Family::V4,
            };
            out.push(conn(s, fam, 0));
        }
        out
    }

    fn take_wakes(&mut self) -> Vec<Arc<WaitQueue>> {
        core::mem::take(&mut self.to_wake)
    }
}

/// Linux's TCP state numbers (include/net/tcp_states.h).
pub const TCP_ESTABLISHED: u8 = 1;
pub const TCP_CLOSE: u8 = 7;
pub const TCP_LISTEN: u8 = 10;

/// smoltcp's TCP state as Linux numbers it.
pub fn linux_tcp_state(st: tcp::State) -> u8 {
    use tcp::State as S;
    match st {
        S::Established => TCP_ESTABLISHED,
        S::SynSent => 2,
        S::SynReceived => 3,
        S::FinWait1 => 4,
        S::FinWait2 => 5,
        S::TimeWait => 6,
        S::Closed => TCP_CLOSE,
        S::CloseWait => 8,
        S::LastAck => 9,
        S::Listen => TCP_LISTEN,
        S::Closing => 11,
    }
}

/// One socket as /proc/net lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketInfo {
    pub fam: Family,
    pub proto: Proto,
    /// The local address (None: the wildcard) and port.
    pub local: (Option<IpAddress>, u16),
    pub remote: Option<IpEndpoint>,
    /// Linux's TCP state number (UDP: ESTABLISHED when connected, else CLOSE).
    pub state: u8,
    /// Bytes queued to send and received unread; a listener: 0 and the connections ready to
    /// accept (as Linux).
    pub tx_queue: usize,
    pub rx_queue: usize,
    /// The socket file's inode number; 0 for a connection no file holds.
    pub ino: u64,
}

/// Every TCP and UDP socket ([`Stack::sockets`]).
pub fn sockets() -> Vec<SocketInfo> {
    with_stack(|s| s.sockets())
}

/// A connection a listener can hand to accept (the handshake is done; the peer may have sent
/// its FIN already).
pub fn accepted(st: tcp::State) -> bool {
    !matches!(st, tcp::State::Listen | tcp::State::SynReceived | tcp::State::Closed)
}

/// What the wake-up check compares for entry `e` now (see [`Snapshot`]).
fn observe(e: &Entry, set: &SocketSet<'static>) -> Snapshot {
    let err = e.error.map_or(0, |e| e as usize) + ((e.shut_rd as usize) << 16) + ((e.shut_wr as usize) << 17);
    match &e.state {
        State::Idle => [0, 0, 0, err],
        State::Listening { handles, .. } => {
            let ready = handles.iter().filter(|&&h| accepted(set.get::<tcp::Socket>(h).state())).count();
            [1, ready, handles.len(), err]
        }
        State::Tcp(c) => {
            let s = set.get::<tcp::Socket>(c.handle);
            [2 + s.state() as usize, s.recv_queue(), s.send_queue(), err]
        }
        State::Udp { handle, .. } => {
            let s = set.get::<udp::Socket>(*handle);
            [100, s.recv_queue(), s.send_queue(), err]
        }
    }
}

/// Whether socket `e` listens for connections to `dst`.
fn listens_for(e: &Entry, dst: IpListenEndpoint) -> bool {
    let State::Listening { .. } = e.state else { return false };
    let Some(b) = e.bound else { return false };
    if e.proto != Proto::Tcp || b.port != dst.port {
        return false;
    }
    let family_ok = match dst.addr {
        Some(IpAddress::Ipv4(_)) => e.fam == Family::V4 || !e.v6only,
        Some(IpAddress::Ipv6(_)) => e.fam == Family::V6,
        None => false,
    };
    family_ok && (b.addr.is_none() || b.addr == dst.addr)
}

/// The destination of `packet` if it is a TCP SYN (not a SYN-ACK).
fn syn_target(p: &[u8]) -> Option<IpListenEndpoint> {
    let (addr, tcp) = match p.first()? >> 4 {
        4 => {
            let ihl = ((p[0] & 0xf) as usize) * 4;
            if p.len() < 20 || *p.get(9)? != 6 {
                return None;
            }
            (IpAddress::v4(p[16], p[17], p[18], p[19]), p.get(ihl..)?)
        }
        6 => {
            if p.len() < 40 || p[6] != 6 {
                return None;
            }
            let mut raw = [0u8; 16];
            raw.copy_from_slice(&p[24..40]);
            (IpAddress::Ipv6(raw.into()), &p[40..])
        }
        _ => return None,
    };
    let flags = *tcp.get(13)?;
    let syn = flags & 0x02 != 0 && flags & 0x10 == 0;
    syn.then(|| IpListenEndpoint { addr: Some(addr), port: u16::from_be_bytes([tcp[2], tcp[3]]) })
}

#[cfg(target_os = "none")]
static STACK: sync::Lazy<Mutex<Stack>> = sync::Lazy::new(|| Mutex::new(Stack::new()));

#[cfg(not(target_os = "none"))]
std::thread_local! {
    static STACK: Mutex<Stack> = Mutex::new(Stack::new());
}

#[cfg(target_os = "none")]
fn locked<R>(f: impl FnOnce(&mut Stack) -> R) -> Option<R> {
    Some(f(&mut STACK.lock()))
}

/// The host's stack, or nothing while the thread is ending (its sockets go with it).
#[cfg(not(target_os = "none"))]
fn locked<R>(f: impl FnOnce(&mut Stack) -> R) -> Option<R> {
    STACK.try_with(|s| f(&mut s.lock())).ok()
}

/// Set once eth0 exists: the timer tick then runs the stack ([`poll_links`]).
static HAS_EXTERNAL: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Attach `dev` as eth0 with the address `config`, or asking DHCP for one.
pub fn attach(dev: Box<dyn EthernetDevice>, config: Option<Ipv4Config>) {
    with_stack(|s| s.attach(dev, config));
    HAS_EXTERNAL.store(true, core::sync::atomic::Ordering::Relaxed);
}

/// Run the stack if eth0 exists: take the frames that arrived, run TCP's timers and DHCP, and
/// wake the sockets that changed. The kernel calls it on every timer tick and device interrupt.
pub fn poll_links() {
    if HAS_EXTERNAL.load(core::sync::atomic::Ordering::Relaxed) {
        let _ = try_with_stack(|s| s.poll());
    }
}

/// The interfaces (lo, and eth0 if attached): [`crate::interfaces`].
pub fn interfaces() -> Vec<InterfaceInfo> {
    try_with_stack(|s| s.interfaces()).unwrap_or_default()
}

/// Run `f` on the stack; wake the queues it changed once the lock is let go.
pub fn with_stack<R>(f: impl FnOnce(&mut Stack) -> R) -> R {
    try_with_stack(f).expect("the network stack outlives the thread's sockets")
}

/// [`with_stack`], or `None` on the host while the thread is ending.
pub fn try_with_stack<R>(f: impl FnOnce(&mut Stack) -> R) -> Option<R> {
    let (r, wakes) = locked(|s| {
        let r = f(s);
        (r, s.take_wakes())
    })?;
    for q in wakes {
        q.wake_all();
    }
    Some(r)
}
