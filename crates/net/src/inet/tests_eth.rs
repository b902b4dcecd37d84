//! eth0 on the host: a fake Ethernet device whose frames the tests read and write, playing
//! QEMU's user network (the host 10.0.2.2 and its DHCP server) by hand.
use super::addr::{Family, Parsed};
use super::link::{EthernetDevice, Ipv4Config};
use super::stack::{self, Proto};
use super::InetSocket;
use abi::Errno;
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    ArpOperation, ArpPacket, ArpRepr, DhcpMessageType, DhcpPacket, DhcpRepr, EthernetAddress, EthernetFrame,
    EthernetProtocol, EthernetRepr, IpAddress, IpListenEndpoint, IpProtocol, Ipv4Address, Ipv4Packet, Ipv4Repr,
    TcpControl, TcpPacket, TcpRepr, TcpSeqNumber, UdpPacket, UdpRepr,
};
use sync::Mutex;

const GUEST_MAC: [u8; 6] = [0x52, 0x54, 0, 0x12, 0x34, 0x56];
const HOST_MAC: [u8; 6] = [0x52, 0x55, 10, 0, 2, 2];
const GUEST: Ipv4Address = Ipv4Address::new(10, 0, 2, 15);
const HOST: Ipv4Address = Ipv4Address::new(10, 0, 2, 2);
const QEMU: Ipv4Config = Ipv4Config { addr: [10, 0, 2, 15], prefix: 24, gateway: Some([10, 0, 2, 2]) };

#[derive(Default)]
struct Wire {
    to_guest: VecDeque<Vec<u8>>,
    sent: VecDeque<Vec<u8>>,
}

struct Fake(Arc<Mutex<Wire>>);

impl EthernetDevice for Fake {
    fn mac(&self) -> [u8; 6] {
        GUEST_MAC
    }
    fn receive(&mut self) -> Option<Vec<u8>> {
        self.0.lock().to_guest.pop_front()
    }
    fn send(&mut self, frame: &[u8]) {
        self.0.lock().sent.push_back(frame.to_vec());
    }
}

fn attach(config: Option<Ipv4Config>) -> Arc<Mutex<Wire>> {
    let wire = Arc::new(Mutex::new(Wire::default()));
    stack::attach(Box::new(Fake(wire.clone())), config);
    wire
}

/// Hand `frame` to the guest and let the stack run.
fn inject(wire: &Mutex<Wire>, frame: Vec<u8>) {
    wire.lock().to_guest.push_back(frame);
    stack::poll_links();
}

fn sent(wire: &Mutex<Wire>) -> Vec<Vec<u8>> {
    wire.lock().sent.drain(..).collect()
}

fn ethernet(dst: [u8; 6], ethertype: EthernetProtocol, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0; 14 + payload.len()];
    EthernetRepr { src_addr: EthernetAddress(HOST_MAC), dst_addr: EthernetAddress(dst), ethertype }
        .emit(&mut EthernetFrame::new_unchecked(&mut f[..]));
    f[14..].copy_from_slice(payload);
    f
}

fn arp(operation: ArpOperation, target_mac: [u8; 6], target: Ipv4Address) -> Vec<u8> {
    let repr = ArpRepr::EthernetIpv4 {
        operation,
        source_hardware_addr: EthernetAddress(HOST_MAC),
        source_protocol_addr: HOST,
        target_hardware_addr: EthernetAddress(target_mac),
        target_protocol_addr: target,
    };
    let mut p = vec![0; repr.buffer_len()];
    repr.emit(&mut ArpPacket::new_unchecked(&mut p[..]));
    let dst = if operation == ArpOperation::Request { [0xff; 6] } else { GUEST_MAC };
    ethernet(dst, EthernetProtocol::Arp, &p)
}

/// An IPv4 packet from `src` to `dst` around `body` (checksum filled in).
fn ipv4(src: Ipv4Address, dst: Ipv4Address, proto: IpProtocol, body: &[u8]) -> Vec<u8> {
    let repr = Ipv4Repr { src_addr: src, dst_addr: dst, next_header: proto, payload_len: body.len(), hop_limit: 64 };
    let mut p = vec![0; repr.buffer_len() + body.len()];
    repr.emit(&mut Ipv4Packet::new_unchecked(&mut p[..]), &ChecksumCapabilities::default());
    p[repr.buffer_len()..].copy_from_slice(body);
    p
}

/// A TCP segment from the host to the guest, in an Ethernet frame.
fn tcp_in(src_port: u16, dst_port: u16, control: TcpControl, seq: i32, ack: Option<i32>, data: &[u8]) -> Vec<u8> {
    let repr = TcpRepr {
        src_port,
        dst_port,
        control,
        seq_number: TcpSeqNumber(seq),
        ack_number: ack.map(TcpSeqNumber),
        window_len: 64000,
        window_scale: None,
        max_seg_size: (control == TcpControl::Syn).then_some(1460),
        sack_permitted: false,
        sack_ranges: [None; 3],
        timestamp: None,
        payload: data,
    };
    let mut seg = vec![0; repr.buffer_len()];
    repr.emit(
        &mut TcpPacket::new_unchecked(&mut seg[..]),
        &IpAddress::Ipv4(HOST),
        &IpAddress::Ipv4(GUEST),
        &ChecksumCapabilities::default(),
    );
    ethernet(GUEST_MAC, EthernetProtocol::Ipv4, &ipv4(HOST, GUEST, IpProtocol::Tcp, &seg))
}

/// A frame the guest sent, as a TCP segment (its checksums checked): (src, dst, control, seq,
/// ack, payload).
struct Seg {
    src: Ipv4Address,
    dst: Ipv4Address,
    dst_mac: [u8; 6],
    dst_port: u16,
    src_port: u16,
    control: TcpControl,
    seq: i32,
    ack: Option<i32>,
    payload: Vec<u8>,
}

fn tcp_out(frame: &[u8]) -> Option<Seg> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    if eth.ethertype() != EthernetProtocol::Ipv4 {
        return None;
    }
    let ip = Ipv4Packet::new_checked(eth.payload()).ok()?;
    assert!(ip.verify_checksum(), "IPv4 header checksum");
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    let tcp = TcpPacket::new_checked(ip.payload()).ok()?;
    assert!(tcp.verify_checksum(&IpAddress::Ipv4(src), &IpAddress::Ipv4(dst)), "TCP checksum");
    let r =
        TcpRepr::parse(&tcp, &IpAddress::Ipv4(src), &IpAddress::Ipv4(dst), &ChecksumCapabilities::default()).ok()?;
    Some(Seg {
        src,
        dst,
        dst_mac: eth.dst_addr().0,
        src_port: r.src_port,
        dst_port: r.dst_port,
        control: r.control,
        seq: r.seq_number.0,
        ack: r.ack_number.map(|a| a.0),
        payload: r.payload.to_vec(),
    })
}

fn arp_out(frame: &[u8]) -> Option<ArpRepr> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    (eth.ethertype() == EthernetProtocol::Arp)
        .then(|| ArpRepr::parse(&ArpPacket::new_checked(eth.payload()).unwrap()).unwrap())
}

fn at(a: [u8; 4], port: u16) -> Parsed {
    Parsed::At(IpListenEndpoint { addr: Some(IpAddress::v4(a[0], a[1], a[2], a[3])), port })
}

#[test]
fn an_arp_request_for_our_address_is_answered_with_our_mac() {
    let wire = attach(Some(QEMU));
    inject(&wire, arp(ArpOperation::Request, [0; 6], GUEST));
    let out = sent(&wire);
    assert_eq!(out.len(), 1);
    let Some(ArpRepr::EthernetIpv4 {
        operation, source_hardware_addr, source_protocol_addr, target_protocol_addr, ..
    }) = arp_out(&out[0])
    else {
        panic!("not an ARP reply")
    };
    assert_eq!(operation, ArpOperation::Reply);
    assert_eq!((source_hardware_addr.0, source_protocol_addr, target_protocol_addr), (GUEST_MAC, GUEST, HOST));
    // Somebody else's address: no answer.
    inject(&wire, arp(ArpOperation::Request, [0; 6], Ipv4Address::new(10, 0, 2, 99)));
    assert!(sent(&wire).is_empty());
}

#[test]
fn connect_out_asks_arp_then_sends_a_syn_from_eth0_s_address_with_checksums() {
    let wire = attach(Some(QEMU));
    let s = InetSocket::new(Family::V4, Proto::Tcp);
    assert_eq!(s.connect(at([10, 0, 2, 2], 8080)), Err(Errno::EINPROGRESS));
    let out = sent(&wire);
    let Some(ArpRepr::EthernetIpv4 { operation: ArpOperation::Request, target_protocol_addr, .. }) = arp_out(&out[0])
    else {
        panic!("the first frame is not an ARP request")
    };
    assert_eq!(target_protocol_addr, HOST);
    inject(&wire, arp(ArpOperation::Reply, GUEST_MAC, GUEST));
    let out = sent(&wire);
    let syn = out.iter().find_map(|f| tcp_out(f)).expect("a SYN once the MAC is known");
    assert_eq!(
        (syn.src, syn.dst, syn.dst_port, syn.control, syn.dst_mac),
        (GUEST, HOST, 8080, TcpControl::Syn, HOST_MAC)
    );
    assert_eq!(syn.ack, None);
    // The host accepts: SYN-ACK, then the connection is up and data flows both ways.
    inject(&wire, tcp_in(8080, syn.src_port, TcpControl::Syn, 5000, Some(syn.seq + 1), &[]));
    assert_eq!(s.connected(), Ok(()));
    assert_eq!(s.send(b"GET /", None), Ok(5));
    let data = sent(&wire).iter().filter_map(|f| tcp_out(f)).find(|g| !g.payload.is_empty()).expect("data");
    assert_eq!(data.payload, b"GET /");
    inject(&wire, tcp_in(8080, syn.src_port, TcpControl::Psh, 5001, Some(syn.seq + 6), b"200 OK"));
    let mut buf = [0u8; 16];
    let got = s.recv(&mut buf, false).unwrap();
    assert_eq!(&buf[..got.len], b"200 OK");
}

#[test]
fn a_listener_on_the_wildcard_accepts_a_connection_from_outside() {
    let wire = attach(Some(QEMU));
    let l = InetSocket::new(Family::V4, Proto::Tcp);
    l.bind(IpListenEndpoint { addr: None, port: 80 }).unwrap();
    l.listen(8).unwrap();
    // Two SYNs in the same batch: both get a pending connection (neither is reset).
    wire.lock().to_guest.push_back(tcp_in(40000, 80, TcpControl::Syn, 100, None, &[]));
    inject(&wire, tcp_in(40001, 80, TcpControl::Syn, 200, None, &[]));
    // The SYN-ACKs wait for the host's MAC address.
    let asked = sent(&wire);
    assert!(asked.iter().any(|f| arp_out(f).is_some()), "an ARP request for the host");
    inject(&wire, arp(ArpOperation::Reply, GUEST_MAC, GUEST));
    let synacks: Vec<Seg> = sent(&wire).iter().filter_map(|f| tcp_out(f)).collect();
    assert_eq!(synacks.len(), 2, "a SYN-ACK for each SYN");
    for s in &synacks {
        assert_eq!((s.src, s.dst, s.src_port, s.control), (GUEST, HOST, 80, TcpControl::Syn));
    }
    let a = synacks.iter().find(|s| s.dst_port == 40000).unwrap();
    inject(&wire, tcp_in(40000, 80, TcpControl::None, 101, Some(a.seq + 1), &[]));
    let conn = l.accept().expect("the handshake is done");
    assert_eq!(conn.local_addr(), super::addr::encode(Family::V4, Some(IpAddress::Ipv4(GUEST)), 80));
    assert!(l.accept().is_err(), "the second connection is still half open");
}

#[test]
fn loopback_traffic_never_leaves_by_eth0() {
    let wire = attach(Some(QEMU));
    let l = InetSocket::new(Family::V4, Proto::Tcp);
    l.bind(IpListenEndpoint { addr: None, port: 7 }).unwrap();
    l.listen(1).unwrap();
    let c = InetSocket::new(Family::V4, Proto::Tcp);
    let _ = c.connect(at([127, 0, 0, 1], 7));
    assert_eq!(c.connected(), Ok(()));
    // eth0's own address is this machine too.
    let d = InetSocket::new(Family::V4, Proto::Tcp);
    let _ = d.connect(at([10, 0, 2, 15], 7));
    assert_eq!(d.connected(), Ok(()));
    assert!(sent(&wire).is_empty());
    let u = InetSocket::new(Family::V4, Proto::Udp);
    assert_eq!(u.send(b"x", Some(at([127, 0, 0, 1], 9))), Ok(1));
    assert!(sent(&wire).is_empty());
}

#[test]
fn without_an_address_outside_is_unreachable() {
    let _wire = attach(None);
    let s = InetSocket::new(Family::V4, Proto::Tcp);
    assert_eq!(s.connect(at([10, 0, 2, 2], 80)), Err(Errno::ENETUNREACH));
    let info = crate::interfaces();
    assert_eq!(info.len(), 2);
    assert_eq!((info[1].name, info[1].mac, info[1].ipv4), ("eth0", GUEST_MAC, None));
}

/// The DHCP server's answer of type `ty` to the client's message in `frame`.
fn dhcp_answer(frame: &[u8], ty: DhcpMessageType) -> Vec<u8> {
    let eth = EthernetFrame::new_checked(frame).unwrap();
    let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
    let udp = UdpPacket::new_checked(ip.payload()).unwrap();
    assert_eq!((udp.src_port(), udp.dst_port()), (68, 67));
    let packet = DhcpPacket::new_checked(udp.payload()).unwrap();
    let ask = DhcpRepr::parse(&packet).unwrap();
    let answer = DhcpRepr {
        message_type: ty,
        transaction_id: ask.transaction_id,
        secs: 0,
        client_hardware_address: ask.client_hardware_address,
        client_ip: Ipv4Address::UNSPECIFIED,
        your_ip: GUEST,
        server_ip: HOST,
        router: Some(HOST),
        subnet_mask: Some(Ipv4Address::new(255, 255, 255, 0)),
        relay_agent_ip: Ipv4Address::UNSPECIFIED,
        broadcast: false,
        requested_ip: None,
        client_identifier: None,
        server_identifier: Some(HOST),
        parameter_request_list: None,
        dns_servers: None,
        max_size: None,
        lease_duration: Some(86400),
        renew_duration: None,
        rebind_duration: None,
        additional_options: &[],
    };
    let mut body = vec![0; answer.buffer_len()];
    answer.emit(&mut DhcpPacket::new_unchecked(&mut body[..])).unwrap();
    let bcast = Ipv4Address::BROADCAST;
    let mut seg = vec![0; 8 + body.len()];
    UdpRepr { src_port: 67, dst_port: 68 }.emit(
        &mut UdpPacket::new_unchecked(&mut seg[..]),
        &IpAddress::Ipv4(HOST),
        &IpAddress::Ipv4(bcast),
        body.len(),
        |b| b.copy_from_slice(&body),
        &ChecksumCapabilities::default(),
    );
    ethernet([0xff; 6], EthernetProtocol::Ipv4, &ipv4(HOST, bcast, IpProtocol::Udp, &seg))
}

fn dhcp_type(frame: &[u8]) -> DhcpMessageType {
    let eth = EthernetFrame::new_checked(frame).unwrap();
    let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
    let udp = UdpPacket::new_checked(ip.payload()).unwrap();
    DhcpRepr::parse(&DhcpPacket::new_checked(udp.payload()).unwrap()).unwrap().message_type
}

#[test]
fn dhcp_gives_eth0_its_address_and_default_route() {
    let wire = attach(None);
    let discover = sent(&wire).pop().expect("a DHCP discover at once");
    assert_eq!(dhcp_type(&discover), DhcpMessageType::Discover);
    inject(&wire, dhcp_answer(&discover, DhcpMessageType::Offer));
    let request = sent(&wire).pop().expect("a DHCP request after the offer");
    assert_eq!(dhcp_type(&request), DhcpMessageType::Request);
    inject(&wire, dhcp_answer(&request, DhcpMessageType::Ack));
    let eth0 = crate::interfaces().into_iter().find(|i| i.name == "eth0").unwrap();
    assert_eq!(eth0.ipv4, Some((core::net::Ipv4Addr::new(10, 0, 2, 15), 24)));
    assert!(eth0.counters.tx_packets >= 2 && eth0.counters.rx_packets >= 2);
    // The address is this machine's (bind) and outside is reachable through the gateway.
    let b = InetSocket::new(Family::V4, Proto::Udp);
    assert_eq!(b.bind(IpListenEndpoint { addr: Some(IpAddress::Ipv4(GUEST)), port: 5000 }), Ok(()));
    let s = InetSocket::new(Family::V4, Proto::Tcp);
    assert_eq!(s.connect(at([93, 184, 216, 34], 80)), Err(Errno::EINPROGRESS));
    let Some(ArpRepr::EthernetIpv4 { target_protocol_addr, .. }) = sent(&wire).iter().find_map(|f| arp_out(f)) else {
        panic!("no ARP request for the gateway")
    };
    assert_eq!(target_protocol_addr, HOST, "off the subnet: the gateway is the next hop");
}

#[test]
fn a_datagram_from_a_wildcard_socket_leaves_from_eth0_s_address() {
    let wire = attach(Some(QEMU));
    inject(&wire, arp(ArpOperation::Reply, GUEST_MAC, GUEST));
    let u = InetSocket::new(Family::V4, Proto::Udp);
    assert_eq!(u.send(b"ping", Some(at([10, 0, 2, 2], 53))), Ok(4));
    let out = sent(&wire);
    assert_eq!(out.len(), 1, "the host's MAC is known: no ARP");
    let eth = EthernetFrame::new_checked(&out[0][..]).unwrap();
    assert_eq!(eth.dst_addr().0, HOST_MAC);
    let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
    assert!(ip.verify_checksum());
    assert_eq!((ip.src_addr(), ip.dst_addr()), (GUEST, HOST));
    let udp = UdpPacket::new_checked(ip.payload()).unwrap();
    assert!(udp.verify_checksum(&IpAddress::Ipv4(GUEST), &IpAddress::Ipv4(HOST)));
    assert_eq!((udp.dst_port(), udp.payload()), (53, &b"ping"[..]));
    // The answer comes back to the socket.
    let mut seg = vec![0; 8 + 4];
    UdpRepr { src_port: 53, dst_port: udp.src_port() }.emit(
        &mut UdpPacket::new_unchecked(&mut seg[..]),
        &IpAddress::Ipv4(HOST),
        &IpAddress::Ipv4(GUEST),
        4,
        |b| b.copy_from_slice(b"pong"),
        &ChecksumCapabilities::default(),
    );
    inject(&wire, ethernet(GUEST_MAC, EthernetProtocol::Ipv4, &ipv4(HOST, GUEST, IpProtocol::Udp, &seg)));
    let mut buf = [0u8; 8];
    let got = u.recv(&mut buf, false).unwrap();
    assert_eq!(&buf[..got.len], b"pong");
    assert_eq!(got.from.map(|e| e.addr), Some(IpAddress::Ipv4(HOST)));
}
