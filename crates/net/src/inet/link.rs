//! The Ethernet side of the stack: an [`EthernetDevice`] (virtio-net in the kernel, a fake in
//! tests) as interface `eth0` beside the loopback.
//!
//! The stack keeps ONE smoltcp interface of the IP medium for every address (127.0.0.1, ::1 and
//! eth0's IPv4 address), so that one socket set serves both links and smoltcp never sends a
//! loopback packet out of the wrong link. The device under that interface is [`Links`]: a packet
//! smoltcp sends goes to the Ethernet when its destination is outside this machine (IPv4 only,
//! once eth0 has an address), else to the loopback queue. This module frames those packets:
//! ARP (answering for our address, asking for next hops, holding packets until the answer),
//! the IPv4 and TCP/UDP checksums the loopback leaves out, and the delivery of received
//! frames (IPv4 to the interface, DHCP to the DHCP client, ARP here).
//!
//! The address comes from a boot argument ([`Ipv4Config`]) or from smoltcp's DHCPv4 client,
//! which runs on a small Ethernet-medium interface of its own (smoltcp's DHCP socket wants one)
//! fed only the DHCP frames.
pub use crate::iface::Counters;
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
use smoltcp::socket::dhcpv4;
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{
    ArpOperation, ArpPacket, ArpRepr, EthernetAddress, EthernetFrame, EthernetProtocol, EthernetRepr, HardwareAddress,
    IpAddress, IpProtocol, Ipv4Address, Ipv4Cidr, Ipv4Packet, TcpPacket, UdpPacket,
};

/// An Ethernet NIC: whole frames (no FCS) in and out.
pub trait EthernetDevice: Send {
    fn mac(&self) -> [u8; 6];
    /// The next received frame, if any.
    fn receive(&mut self) -> Option<Vec<u8>>;
    /// Send one frame (dropped if the device cannot take it).
    fn send(&mut self, frame: &[u8]);
    /// Acknowledge the device's interrupt (called before each drain of its frames).
    fn ack_interrupt(&mut self) {}
}

/// An interface's IPv4 configuration: address, prefix length, default gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Config {
    pub addr: [u8; 4],
    pub prefix: u8,
    pub gateway: Option<[u8; 4]>,
}

impl Ipv4Config {
    pub fn cidr(&self) -> Ipv4Cidr {
        Ipv4Cidr::new(Ipv4Address::from(self.addr), self.prefix)
    }
}

/// Ethernet MTU (IP bytes per frame).
pub const ETH_MTU: usize = 1500;
const ETH_HEADER: usize = 14;
/// Packets held while their next hop's MAC address is asked for, at most.
const MAX_WAITING: usize = 64;
/// How long a held packet waits for an ARP answer, and how often a question is repeated.
const ARP_WAIT: Duration = Duration::from_millis(3000);
const ARP_RETRY: Duration = Duration::from_millis(1000);
const UDP_DHCP_SERVER: u16 = 67;
const UDP_DHCP_CLIENT: u16 = 68;

/// The DHCP client: its own Ethernet interface holding only the DHCPv4 socket.
struct Dhcp {
    iface: Interface,
    set: SocketSet<'static>,
    handle: SocketHandle,
}

/// What changed in eth0's configuration (applied to the IP interface by the stack).
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    Configured(Ipv4Config),
    Deconfigured,
}

/// eth0: the device, its address, ARP, and the frames received but not yet handed on.
pub struct External {
    dev: Box<dyn EthernetDevice>,
    mac: EthernetAddress,
    pub config: Option<Ipv4Config>,
    /// IPv4 address -> MAC address, learnt from ARP.
    neighbors: Vec<(Ipv4Address, EthernetAddress)>,
    /// Packets waiting for their next hop's MAC address: (next hop, IP packet, since).
    waiting: VecDeque<(Ipv4Address, Vec<u8>, Instant)>,
    /// When each next hop was last asked for.
    asked: Vec<(Ipv4Address, Instant)>,
    /// Received IP packets for the IP interface.
    pub rx: VecDeque<Vec<u8>>,
    /// Received DHCP frames for the DHCP client.
    dhcp_rx: VecDeque<Vec<u8>>,
    dhcp: Option<Dhcp>,
    pub counters: Counters,
}

impl External {
    /// eth0 on `dev`, with the address `config`, or asking DHCP for one if `None`.
    pub fn new(dev: Box<dyn EthernetDevice>, config: Option<Ipv4Config>, now: Instant) -> External {
        let mac = EthernetAddress(dev.mac());
        let mut ext = External {
            dev,
            mac,
            config,
            neighbors: Vec::new(),
            waiting: VecDeque::new(),
            asked: Vec::new(),
            rx: VecDeque::new(),
            dhcp_rx: VecDeque::new(),
            dhcp: None,
            counters: Counters::default(),
        };
        if config.is_none() {
            let mut cfg = Config::new(HardwareAddress::Ethernet(mac));
            cfg.random_seed = now.total_micros() as u64
                ^ u64::from_le_bytes([mac.0[0], mac.0[1], mac.0[2], mac.0[3], mac.0[4], mac.0[5], 0x5e, 0xed]);
            let mut port = DhcpPort { rx: &mut ext.dhcp_rx, dev: &mut *ext.dev, counters: &mut ext.counters };
            let iface = Interface::new(cfg, &mut port, now);
            let mut set = SocketSet::new(Vec::new());
            let handle = set.add(dhcpv4::Socket::new());
            ext.dhcp = Some(Dhcp { iface, set, handle });
        }
        ext
    }

    pub fn mac(&self) -> [u8; 6] {
        self.mac.0
    }

    /// Whether a packet to `dst` leaves through eth0: IPv4, eth0 has an address, and `dst` is
    /// neither loopback nor that address.
    pub fn routes(&self, dst: IpAddress) -> bool {
        match (dst, self.config) {
            (IpAddress::Ipv4(a), Some(c)) => !a.is_loopback() && a.octets() != c.addr && !a.is_unspecified(),
            _ => false,
        }
    }

    /// Take every frame the device has: ARP answered here, DHCP to the client, IPv4 queued for
    /// the interface, anything else dropped.
    pub fn pump(&mut self, now: Instant) {
        self.dev.ack_interrupt();
        while let Some(frame) = self.dev.receive() {
            self.counters.rx_packets += 1;
            self.counters.rx_bytes += frame.len() as u64;
            self.deliver(frame, now);
        }
        self.expire(now);
    }

    fn deliver(&mut self, frame: Vec<u8>, now: Instant) {
        let Ok(eth) = EthernetFrame::new_checked(&frame[..]) else {
            self.counters.rx_dropped += 1;
            return;
        };
        if !(eth.dst_addr() == self.mac || eth.dst_addr().is_broadcast()) {
            return;
        }
        match eth.ethertype() {
            EthernetProtocol::Arp => self.arp_in(eth.payload(), now),
            EthernetProtocol::Ipv4 => {
                let payload = eth.payload();
                if self.dhcp.is_some() && is_dhcp_reply(payload) {
                    self.dhcp_rx.push_back(frame);
                } else if let Some(p) = ipv4_packet(payload) {
                    self.rx.push_back(p.to_vec());
                } else {
                    self.counters.rx_dropped += 1;
                }
            }
            _ => self.counters.rx_dropped += 1,
        }
    }

    fn arp_in(&mut self, payload: &[u8], now: Instant) {
        let Ok(repr) = ArpPacket::new_checked(payload).and_then(|p| ArpRepr::parse(&p)) else { return };
        let ArpRepr::EthernetIpv4 {
            operation, source_hardware_addr, source_protocol_addr, target_protocol_addr, ..
        } = repr
        else {
            return;
        };
        if !source_protocol_addr.is_unspecified() && source_hardware_addr.is_unicast() {
            self.learn(source_protocol_addr, source_hardware_addr, now);
        }
        let ours = self.config.is_some_and(|c| c.addr == target_protocol_addr.octets());
        if operation == ArpOperation::Request && ours {
            let reply = ArpRepr::EthernetIpv4 {
                operation: ArpOperation::Reply,
                source_hardware_addr: self.mac,
                source_protocol_addr: target_protocol_addr,
                target_hardware_addr: source_hardware_addr,
                target_protocol_addr: source_protocol_addr,
            };
            self.send_arp(reply, source_hardware_addr);
        }
    }

    /// Remember `mac` for `ip` and send what waited for it.
    fn learn(&mut self, ip: Ipv4Address, mac: EthernetAddress, now: Instant) {
        match self.neighbors.iter_mut().find(|(a, _)| *a == ip) {
            Some(n) => n.1 = mac,
            None => self.neighbors.push((ip, mac)),
        }
        self.asked.retain(|(a, _)| *a != ip);
        let mut keep = VecDeque::new();
        while let Some((hop, p, t)) = self.waiting.pop_front() {
            if hop == ip {
                self.send_frame(mac, EthernetProtocol::Ipv4, &p);
            } else {
                keep.push_back((hop, p, t));
            }
        }
        self.waiting = keep;
        let _ = now;
    }

    /// Drop packets that waited too long, ask again for next hops still silent.
    fn expire(&mut self, now: Instant) {
        let before = self.waiting.len();
        self.waiting.retain(|(_, _, t)| now < *t + ARP_WAIT);
        self.counters.tx_dropped += (before - self.waiting.len()) as u64;
        let hops: Vec<Ipv4Address> = self.waiting.iter().map(|w| w.0).collect();
        for hop in hops {
            self.ask(hop, now);
        }
    }

    fn send_arp(&mut self, repr: ArpRepr, to: EthernetAddress) {
        let mut buf = vec![0; repr.buffer_len()];
        repr.emit(&mut ArpPacket::new_unchecked(&mut buf[..]));
        self.send_frame(to, EthernetProtocol::Arp, &buf);
    }

    /// Ask who has `ip` (at most once per [`ARP_RETRY`]).
    fn ask(&mut self, ip: Ipv4Address, now: Instant) {
        if self.asked.iter().any(|&(a, t)| a == ip && now < t + ARP_RETRY) {
            return;
        }
        self.asked.retain(|(a, _)| *a != ip);
        self.asked.push((ip, now));
        let Some(c) = self.config else { return };
        let req = ArpRepr::EthernetIpv4 {
            operation: ArpOperation::Request,
            source_hardware_addr: self.mac,
            source_protocol_addr: Ipv4Address::from(c.addr),
            target_hardware_addr: EthernetAddress([0; 6]),
            target_protocol_addr: ip,
        };
        self.send_arp(req, EthernetAddress::BROADCAST);
    }

    fn send_frame(&mut self, dst: EthernetAddress, ethertype: EthernetProtocol, payload: &[u8]) {
        let mut frame = vec![0; ETH_HEADER + payload.len()];
        let repr = EthernetRepr { src_addr: self.mac, dst_addr: dst, ethertype };
        repr.emit(&mut EthernetFrame::new_unchecked(&mut frame[..]));
        frame[ETH_HEADER..].copy_from_slice(payload);
        self.counters.tx_packets += 1;
        self.counters.tx_bytes += frame.len() as u64;
        self.dev.send(&frame);
    }

    /// Send IPv4 packet `p` (from the IP interface, checksums not filled in) to its next hop.
    pub fn send_ip(&mut self, mut p: Vec<u8>, now: Instant) {
        let Some(c) = self.config else { return };
        if p.len() > ETH_MTU || fill_checksums(&mut p).is_none() {
            self.counters.tx_dropped += 1;
            return;
        }
        let dst = Ipv4Packet::new_unchecked(&p[..]).dst_addr();
        let cidr = c.cidr();
        if dst.is_broadcast() || cidr.broadcast() == Some(dst) {
            self.send_frame(EthernetAddress::BROADCAST, EthernetProtocol::Ipv4, &p);
            return;
        }
        let hop = if cidr.contains_addr(&dst) {
            dst
        } else if let Some(gw) = c.gateway {
            Ipv4Address::from(gw)
        } else {
            self.counters.tx_dropped += 1;
            return;
        };
        if let Some(&(_, mac)) = self.neighbors.iter().find(|(a, _)| *a == hop) {
            self.send_frame(mac, EthernetProtocol::Ipv4, &p);
            return;
        }
        if self.waiting.len() >= MAX_WAITING {
            self.waiting.pop_front();
            self.counters.tx_dropped += 1;
        }
        self.waiting.push_back((hop, p, now));
        self.ask(hop, now);
    }

    /// Run the DHCP client (if there is one): what it decided, if anything.
    pub fn poll_dhcp(&mut self, now: Instant) -> Option<Change> {
        let d = self.dhcp.as_mut()?;
        let mut port = DhcpPort { rx: &mut self.dhcp_rx, dev: &mut *self.dev, counters: &mut self.counters };
        d.iface.poll(now, &mut port, &mut d.set);
        let event = d.set.get_mut::<dhcpv4::Socket>(d.handle).poll()?;
        let change = match event {
            dhcpv4::Event::Configured(cfg) => Change::Configured(Ipv4Config {
                addr: cfg.address.address().octets(),
                prefix: cfg.address.prefix_len(),
                gateway: cfg.router.map(|r| r.octets()),
            }),
            dhcpv4::Event::Deconfigured => Change::Deconfigured,
        };
        self.config = match change {
            Change::Configured(c) => Some(c),
            Change::Deconfigured => None,
        };
        if self.config.is_none() {
            self.neighbors.clear();
        }
        Some(change)
    }

    /// When the DHCP client next wants to run.
    pub fn dhcp_poll_at(&mut self, now: Instant) -> Option<Instant> {
        let d = self.dhcp.as_mut()?;
        d.iface.poll_at(now, &d.set)
    }
}

/// Whether an IPv4 packet is a DHCP answer (UDP from port 67 to 68).
fn is_dhcp_reply(p: &[u8]) -> bool {
    let Some(ip) = ipv4_packet(p) else { return false };
    let ihl = ((ip[0] & 0xf) as usize) * 4;
    ip[9] == u8::from(IpProtocol::Udp)
        && ip.len() >= ihl + 4
        && u16::from_be_bytes([ip[ihl], ip[ihl + 1]]) == UDP_DHCP_SERVER
        && u16::from_be_bytes([ip[ihl + 2], ip[ihl + 3]]) == UDP_DHCP_CLIENT
}

/// The IPv4 packet at the start of `payload` (an Ethernet frame may be padded), if well formed.
fn ipv4_packet(payload: &[u8]) -> Option<&[u8]> {
    let p = Ipv4Packet::new_checked(payload).ok()?;
    let len = p.total_len() as usize;
    (p.version() == 4).then(|| &payload[..len])
}

/// Fill in the IPv4 header checksum and the TCP or UDP checksum of packet `p` (the loopback
/// interface computes none). `None` if `p` is not a well-formed IPv4 packet.
pub fn fill_checksums(p: &mut [u8]) -> Option<()> {
    let mut ip = Ipv4Packet::new_checked(&mut p[..]).ok()?;
    let (src, dst) = (IpAddress::Ipv4(ip.src_addr()), IpAddress::Ipv4(ip.dst_addr()));
    let proto = ip.next_header();
    let fragment = ip.more_frags() || ip.frag_offset() != 0;
    ip.fill_checksum();
    let ihl = ip.header_len() as usize;
    let len = ip.total_len() as usize;
    let body = &mut p[ihl..len];
    match proto {
        _ if fragment => {}
        IpProtocol::Tcp => TcpPacket::new_checked(&mut body[..]).ok()?.fill_checksum(&src, &dst),
        IpProtocol::Udp => UdpPacket::new_checked(&mut body[..]).ok()?.fill_checksum(&src, &dst),
        _ => {}
    }
    Some(())
}

/// The DHCP interface's device: the DHCP frames eth0 set aside in, anything out.
struct DhcpPort<'a> {
    rx: &'a mut VecDeque<Vec<u8>>,
    dev: &'a mut dyn EthernetDevice,
    counters: &'a mut Counters,
}

impl Device for DhcpPort<'_> {
    type RxToken<'b>
        = FrameRx
    where
        Self: 'b;
    type TxToken<'b>
        = FrameTx<'b>
    where
        Self: 'b;

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.max_transmission_unit = ETH_MTU + ETH_HEADER;
        caps.medium = Medium::Ethernet;
        caps
    }

    fn receive(&mut self, _now: Instant) -> Option<(FrameRx, FrameTx<'_>)> {
        let frame = self.rx.pop_front()?;
        Some((FrameRx(frame), FrameTx { dev: &mut *self.dev, counters: &mut *self.counters }))
    }

    fn transmit(&mut self, _now: Instant) -> Option<FrameTx<'_>> {
        Some(FrameTx { dev: &mut *self.dev, counters: &mut *self.counters })
    }
}

struct FrameRx(Vec<u8>);

impl phy::RxToken for FrameRx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

struct FrameTx<'a> {
    dev: &'a mut dyn EthernetDevice,
    counters: &'a mut Counters,
}

impl phy::TxToken for FrameTx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut frame = vec![0; len];
        let r = f(&mut frame);
        self.counters.tx_packets += 1;
        self.counters.tx_bytes += len as u64;
        self.dev.send(&frame);
        r
    }
}
