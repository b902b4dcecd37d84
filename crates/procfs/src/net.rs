//! /proc/net (a link to /proc/self/net): the sockets and interfaces of crate `net`, in Linux's
//! formats (busybox netstat and ifconfig parse them).
use alloc::format;
use alloc::string::String;
use core::fmt::Write;
#[cfg(feature = "inet")]
use net::inet::stack::{sockets, SocketInfo};
#[cfg(feature = "inet")]
use net::inet::{Family, Proto};
use net::interfaces;
#[cfg(feature = "inet")]
use smoltcp::wire::IpAddress;

/// Files of /proc/<pid>/net.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NetFile {
    #[cfg(feature = "inet")]
    Tcp,
    #[cfg(feature = "inet")]
    Tcp6,
    #[cfg(feature = "inet")]
    Udp,
    #[cfg(feature = "inet")]
    Udp6,
    Dev,
    IfInet6,
}

#[cfg(feature = "inet")]
pub(crate) const NET_FILES: &[(&str, NetFile)] = &[
    ("tcp", NetFile::Tcp),
    ("tcp6", NetFile::Tcp6),
    ("udp", NetFile::Udp),
    ("udp6", NetFile::Udp6),
    ("dev", NetFile::Dev),
    ("if_inet6", NetFile::IfInet6),
];
/// Without the IP stack (a Linux without CONFIG_INET) there are no TCP and UDP tables.
#[cfg(not(feature = "inet"))]
pub(crate) const NET_FILES: &[(&str, NetFile)] = &[("dev", NetFile::Dev), ("if_inet6", NetFile::IfInet6)];

#[cfg(feature = "inet")]
/// Linux pads each line of /proc/net/tcp to 149 characters, of /proc/net/udp to 127.
const TCP_WIDTH: usize = 149;
#[cfg(feature = "inet")]
const UDP_WIDTH: usize = 127;

#[cfg(feature = "inet")]
const TCP_HEADER: &str =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
#[cfg(feature = "inet")]
const UDP_HEADER: &str =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";
#[cfg(feature = "inet")]
const TCP6_HEADER: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
#[cfg(feature = "inet")]
const UDP6_HEADER: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n";

pub(crate) fn content(f: NetFile) -> String {
    match f {
        #[cfg(feature = "inet")]
        NetFile::Tcp => inet4(Proto::Tcp),
        #[cfg(feature = "inet")]
        NetFile::Udp => inet4(Proto::Udp),
        #[cfg(feature = "inet")]
        NetFile::Tcp6 => inet6(Proto::Tcp),
        #[cfg(feature = "inet")]
        NetFile::Udp6 => inet6(Proto::Udp),
        NetFile::Dev => dev(),
        NetFile::IfInet6 => if_inet6(),
    }
}

#[cfg(feature = "inet")]
/// An IPv4 address as Linux prints a `__be32` with %08X on a little-endian machine.
fn hex4(a: Option<IpAddress>) -> String {
    match a {
        Some(IpAddress::Ipv4(a)) => format!("{:08X}", u32::from_le_bytes(a.octets())),
        _ => String::from("00000000"),
    }
}

#[cfg(feature = "inet")]
/// An IPv6 address as four %08X words of its bytes in memory order (IPv4 as ::ffff:a.b.c.d).
fn hex6(a: Option<IpAddress>) -> String {
    let octets = match a {
        Some(IpAddress::Ipv6(a)) => a.octets(),
        Some(IpAddress::Ipv4(a)) => a.to_ipv6_mapped().octets(),
        None => [0; 16],
    };
    octets.chunks(4).map(|w| format!("{:08X}", u32::from_le_bytes([w[0], w[1], w[2], w[3]]))).collect()
}

#[cfg(feature = "inet")]
/// Whether `s` belongs in the IPv4 file (Linux lists a socket by its family).
fn of(s: &SocketInfo, fam: Family, proto: Proto) -> bool {
    s.fam == fam && s.proto == proto
}

#[cfg(feature = "inet")]
/// The columns after the state: queues, timers, uid, inode and the rest (uid 0: the kernel
/// keeps no owner per socket; the pointer is hidden as Linux hides it from readers).
fn tail(s: &SocketInfo) -> String {
    let common = format!("{:08X}:{:08X} 00:00000000 00000000 {:>5} {:>8} {} ", s.tx_queue, s.rx_queue, 0, 0, s.ino);
    match s.proto {
        Proto::Tcp => {
            let ssthresh = if s.state == net::inet::stack::TCP_LISTEN { 0 } else { -1 };
            format!("{common}1 0000000000000000 100 0 0 10 {ssthresh}")
        }
        Proto::Udp => format!("{common}2 0000000000000000 0"),
    }
}

#[cfg(feature = "inet")]
fn pad(out: &mut String, line: &str, width: usize) {
    let _ = writeln!(out, "{line:<width$}");
}

#[cfg(feature = "inet")]
fn inet4(proto: Proto) -> String {
    let (header, width) = match proto {
        Proto::Tcp => (TCP_HEADER, TCP_WIDTH),
        Proto::Udp => (UDP_HEADER, UDP_WIDTH),
    };
    let mut out = String::new();
    pad(&mut out, header, width);
    for (i, s) in sockets().iter().filter(|s| of(s, Family::V4, proto)).enumerate() {
        let remote = s.remote.map_or((None, 0), |r| (Some(r.addr), r.port));
        let sl = match proto {
            Proto::Tcp => format!("{i:4}"),
            Proto::Udp => format!("{i:5}"),
        };
        let line = format!(
            "{sl}: {}:{:04X} {}:{:04X} {:02X} {}",
            hex4(s.local.0),
            s.local.1,
            hex4(remote.0),
            remote.1,
            s.state,
            tail(s)
        );
        pad(&mut out, &line, width);
    }
    out
}

#[cfg(feature = "inet")]
fn inet6(proto: Proto) -> String {
    let mut out = String::from(match proto {
        Proto::Tcp => TCP6_HEADER,
        Proto::Udp => UDP6_HEADER,
    });
    for (i, s) in sockets().iter().filter(|s| of(s, Family::V6, proto)).enumerate() {
        let remote = s.remote.map_or((None, 0), |r| (Some(r.addr), r.port));
        let sl = match proto {
            Proto::Tcp => format!("{i:4}"),
            Proto::Udp => format!("{i:5}"),
        };
        let _ = writeln!(
            out,
            "{sl}: {}:{:04X} {}:{:04X} {:02X} {}",
            hex6(s.local.0),
            s.local.1,
            hex6(remote.0),
            remote.1,
            s.state,
            tail(s)
        );
    }
    out
}

fn dev() -> String {
    let mut out = String::from(concat!(
        "Inter-|   Receive                            ",
        "                    |  Transmit\n",
        " face |bytes    packets errs drop fifo frame ",
        "compressed multicast|bytes    packets errs ",
        "drop fifo colls carrier compressed\n"
    ));
    for i in interfaces() {
        let c = i.counters;
        let _ = writeln!(
            out,
            "{:>6}: {:7} {:7} {:4} {:4} {:4} {:5} {:10} {:9} {:8} {:7} {:4} {:4} {:4} {:5} {:7} {:10}",
            i.name, c.rx_bytes, c.rx_packets, 0, 0, 0, 0, 0, 0, c.tx_bytes, c.tx_packets, 0, 0, 0, 0, 0, 0
        );
    }
    out
}

/// /proc/net/if_inet6: address, interface index, prefix length, scope, flags (permanent), name.
fn if_inet6() -> String {
    let mut out = String::new();
    for i in interfaces() {
        let Some((addr, prefix)) = i.ipv6 else { continue };
        let scope = if addr.is_loopback() {
            0x10
        } else if addr.is_unicast_link_local() {
            0x20
        } else {
            0
        };
        let hex: String = addr.octets().iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(out, "{hex} {:02x} {prefix:02x} {scope:02x} 80 {:>8}", i.index, i.name);
    }
    out
}
