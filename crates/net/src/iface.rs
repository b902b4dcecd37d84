//! The network interfaces as tools see them (`ip addr`, `ifconfig`, /proc/net/dev, SIOCGIF*).
use alloc::vec::Vec;

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
    /// Linux's ifindex (lo is 1, eth0 2).
    pub index: u32,
    /// The hardware address (all zero for lo).
    pub mac: [u8; 6],
    /// IPv4 address and prefix length (eth0 has none before DHCP answered).
    pub ipv4: Option<([u8; 4], u8)>,
    pub mtu: u32,
    /// `IFF_*` flags, the values of Linux's <net/if.h>.
    pub flags: u32,
    pub counters: Counters,
}

pub const IFF_UP: u32 = 0x1;
pub const IFF_BROADCAST: u32 = 0x2;
pub const IFF_LOOPBACK: u32 = 0x8;
pub const IFF_RUNNING: u32 = 0x40;
pub const IFF_MULTICAST: u32 = 0x1000;

/// The machine's interfaces, lo first: lo, and eth0 once a network device is attached.
#[cfg(feature = "inet")]
pub fn interfaces() -> Vec<InterfaceInfo> {
    crate::inet::stack::interfaces()
}

/// Without the IP stack there is only lo, without an address.
#[cfg(not(feature = "inet"))]
pub fn interfaces() -> Vec<InterfaceInfo> {
    alloc::vec![InterfaceInfo {
        name: "lo",
        index: 1,
        mac: [0; 6],
        ipv4: None,
        mtu: 65536,
        flags: IFF_UP | IFF_LOOPBACK | IFF_RUNNING,
        counters: Counters::default(),
    }]
}
