//! The network interfaces as tools see them (/proc/net/dev, the SIOCGIF* ioctls): for now the
//! loopback interface only. A device adds its own [`InterfaceInfo`] to [`interfaces`].
use super::stack::with_stack;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};

/// IFF_* flags (linux/if.h).
pub const IFF_UP: u32 = 0x1;
pub const IFF_BROADCAST: u32 = 0x2;
pub const IFF_LOOPBACK: u32 = 0x8;
pub const IFF_RUNNING: u32 = 0x40;
pub const IFF_MULTICAST: u32 = 0x1000;

/// ARPHRD_* hardware types (linux/if_arp.h).
pub const ARPHRD_ETHER: u16 = 1;
pub const ARPHRD_LOOPBACK: u16 = 772;

/// Packets and bytes a device moved each way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
}

impl Counters {
    pub fn received(&mut self, bytes: usize) {
        self.rx_packets += 1;
        self.rx_bytes += bytes as u64;
    }

    pub fn sent(&mut self, bytes: usize) {
        self.tx_packets += 1;
        self.tx_bytes += bytes as u64;
    }
}

/// One interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceInfo {
    pub name: String,
    /// The interface index (SIOCGIFINDEX; `lo` is 1 as on Linux).
    pub index: i32,
    pub mtu: u32,
    /// IFF_* flags.
    pub flags: u32,
    /// ARPHRD_* type (SIOCGIFHWADDR's family).
    pub hw_type: u16,
    pub mac: [u8; 6],
    /// The IPv4 address and its prefix length, if it has one.
    pub ipv4: Option<(Ipv4Addr, u8)>,
    /// The IPv6 address and its prefix length, if it has one.
    pub ipv6: Option<(Ipv6Addr, u8)>,
    pub counters: Counters,
}

impl InterfaceInfo {
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

/// The MTU Linux gives `lo`.
pub const LO_MTU: u32 = 65536;

/// Every interface, by index.
pub fn interfaces() -> Vec<InterfaceInfo> {
    let counters = with_stack(|s| s.loopback_counters());
    vec![InterfaceInfo {
        name: String::from("lo"),
        index: 1,
        mtu: LO_MTU,
        flags: IFF_UP | IFF_LOOPBACK | IFF_RUNNING,
        hw_type: ARPHRD_LOOPBACK,
        mac: [0; 6],
        ipv4: Some((Ipv4Addr::LOCALHOST, 8)),
        ipv6: Some((Ipv6Addr::LOCALHOST, 128)),
        counters,
    }]
}
