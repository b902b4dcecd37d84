//! The network interfaces as tools see them (`ifconfig`, /proc/net/dev, SIOCGIF*): lo, and eth0
//! once a network device is attached.
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};

/// Packets and bytes through an interface (Ethernet frames for eth0, IP packets for lo).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
}

/// One interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceInfo {
    pub name: &'static str,
    /// Linux's ifindex (SIOCGIFINDEX; lo is 1, eth0 2).
    pub index: i32,
    pub mtu: u32,
    /// `IFF_*` flags, the values of Linux's <net/if.h>.
    pub flags: u32,
    /// `ARPHRD_*` type (SIOCGIFHWADDR's family).
    pub hw_type: u16,
    /// The hardware address (all zero for lo).
    pub mac: [u8; 6],
    /// IPv4 address and prefix length (eth0 has none before DHCP answered).
    pub ipv4: Option<(Ipv4Addr, u8)>,
    /// IPv6 address and prefix length.
    pub ipv6: Option<(Ipv6Addr, u8)>,
    pub counters: Counters,
}

pub const IFF_UP: u32 = 0x1;
pub const IFF_BROADCAST: u32 = 0x2;
pub const IFF_LOOPBACK: u32 = 0x8;
pub const IFF_RUNNING: u32 = 0x40;
pub const IFF_MULTICAST: u32 = 0x1000;

/// ARPHRD_* hardware types (linux/if_arp.h).
pub const ARPHRD_ETHER: u16 = 1;
pub const ARPHRD_LOOPBACK: u16 = 772;

/// The MTU Linux gives `lo`.
pub const LO_MTU: u32 = 65536;

impl InterfaceInfo {
    /// `lo` without addresses or traffic.
    pub fn loopback() -> Self {
        InterfaceInfo {
            name: "lo",
            index: 1,
            mtu: LO_MTU,
            flags: IFF_UP | IFF_LOOPBACK | IFF_RUNNING,
            hw_type: ARPHRD_LOOPBACK,
            mac: [0; 6],
            ipv4: None,
            ipv6: None,
            counters: Counters::default(),
        }
    }

    /// The IPv4 netmask of the prefix.
    pub fn netmask(&self) -> Option<Ipv4Addr> {
        let (_, prefix) = self.ipv4?;
        Some(Ipv4Addr::from(u32::MAX.checked_shl(32 - prefix as u32).unwrap_or(0)))
    }

    /// The IPv4 broadcast address (0.0.0.0 without IFF_BROADCAST, as Linux's loopback).
    pub fn broadcast(&self) -> Option<Ipv4Addr> {
        let (addr, _) = self.ipv4?;
        if self.flags & IFF_BROADCAST == 0 {
            return Some(Ipv4Addr::UNSPECIFIED);
        }
        Some(Ipv4Addr::from(u32::from(addr) | !u32::from(self.netmask()?)))
    }
}

/// The machine's interfaces, lo first.
#[cfg(feature = "inet")]
pub fn interfaces() -> Vec<InterfaceInfo> {
    crate::inet::stack::interfaces()
}

/// Without the IP stack there is only lo, without an address.
#[cfg(not(feature = "inet"))]
pub fn interfaces() -> Vec<InterfaceInfo> {
    alloc::vec![InterfaceInfo::loopback()]
}
