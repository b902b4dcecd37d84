//! The socket ioctls network tools make (busybox ifconfig, netstat, nc): the interface list and
//! each interface's flags, addresses, MTU, hardware address and index (SIOCGIF*, `struct ifreq`
//! of 40 bytes), and FIONREAD. As Linux: the interface requests work on any socket (the device
//! layer answers them), the IPv4 address requests only on AF_INET sockets (ENOTTY elsewhere); an
//! unknown name is ENODEV, an interface without an IPv4 address EADDRNOTAVAIL.
use super::inet::{as_inet, is_ipv4};
use crate::fs::FIONREAD;
use crate::Caller;
use abi::net::AF_INET;
use abi::{Errno, SysResult};
use alloc::vec::Vec;
use core::net::Ipv4Addr;
use fs::File;
use mm::{UserPtr, UserSliceMut};
use net::as_unix;
use net::{interfaces, InterfaceInfo};

pub const SIOCGIFNAME: usize = 0x8910;
pub const SIOCGIFCONF: usize = 0x8912;
pub const SIOCGIFFLAGS: usize = 0x8913;
pub const SIOCGIFADDR: usize = 0x8915;
pub const SIOCGIFDSTADDR: usize = 0x8917;
pub const SIOCGIFBRDADDR: usize = 0x8919;
pub const SIOCGIFNETMASK: usize = 0x891b;
pub const SIOCGIFMETRIC: usize = 0x891d;
pub const SIOCGIFMTU: usize = 0x8921;
pub const SIOCGIFHWADDR: usize = 0x8927;
pub const SIOCGIFINDEX: usize = 0x8933;
pub const SIOCGIFTXQLEN: usize = 0x8942;
pub const SIOCGIFMAP: usize = 0x8970;

/// `struct ifreq`: a name of IFNAMSIZ bytes, then a union of 24.
pub const IFREQ_SIZE: usize = 40;
const IFNAMSIZ: usize = 16;
/// The transmit queue length Linux gives an interface (lo's and virtio's).
const TXQLEN: i32 = 1000;

type Ifreq = [u8; IFREQ_SIZE];

/// ioctl(2) on a socket: the requests above, ENOTTY for any other.
pub fn socket_ioctl(cx: &Caller, file: &File, cmd: usize, arg: usize) -> SysResult<usize> {
    let inet = is_ipv4(file);
    match cmd {
        FIONREAD => {
            let n = match (as_inet(file), as_unix(file)) {
                (Some(s), _) => s.inq()?,
                (_, Some(s)) => s.inq()?,
                _ => return Err(Errno::ENOTTY),
            };
            UserPtr::<i32>::new(arg).write(&mut cx.mm(), &(n.min(i32::MAX as usize) as i32))?;
            Ok(0)
        }
        SIOCGIFCONF => ifconf(cx, arg),
        SIOCGIFNAME | SIOCGIFFLAGS | SIOCGIFMETRIC | SIOCGIFMTU | SIOCGIFHWADDR | SIOCGIFINDEX | SIOCGIFTXQLEN
        | SIOCGIFMAP => {
            let ptr = UserPtr::<Ifreq>::new(arg);
            let mut req = ptr.read(&mut cx.mm())?;
            device_request(cmd, &mut req)?;
            ptr.write(&mut cx.mm(), &req)?;
            Ok(0)
        }
        SIOCGIFADDR | SIOCGIFDSTADDR | SIOCGIFBRDADDR | SIOCGIFNETMASK if inet => {
            let ptr = UserPtr::<Ifreq>::new(arg);
            let mut req = ptr.read(&mut cx.mm())?;
            address_request(cmd, &mut req)?;
            ptr.write(&mut cx.mm(), &req)?;
            Ok(0)
        }
        _ => Err(Errno::ENOTTY),
    }
}

/// The name of a request, NUL-terminated at IFNAMSIZ as Linux forces it.
fn req_name(req: &Ifreq) -> &[u8] {
    let name = &req[..IFNAMSIZ - 1];
    &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())]
}

/// The interface a device request names (an alias `lo:1` names `lo`).
fn device(req: &Ifreq) -> SysResult<InterfaceInfo> {
    let name = req_name(req);
    let base = name.split(|&b| b == b':').next().unwrap_or(name);
    interfaces().into_iter().find(|i| i.name.as_bytes() == base).ok_or(Errno::ENODEV)
}

fn put_i32(req: &mut Ifreq, v: i32) {
    req[IFNAMSIZ..IFNAMSIZ + 4].copy_from_slice(&v.to_ne_bytes());
}

/// A `sockaddr_in` of `addr` into the request's union.
fn put_sockaddr_in(req: &mut Ifreq, addr: Ipv4Addr) {
    let u = &mut req[IFNAMSIZ..IFNAMSIZ + 16];
    u.fill(0);
    u[..2].copy_from_slice(&AF_INET.to_ne_bytes());
    u[4..8].copy_from_slice(&addr.octets());
}

fn device_request(cmd: usize, req: &mut Ifreq) -> SysResult<()> {
    if cmd == SIOCGIFNAME {
        let index = i32::from_ne_bytes([req[16], req[17], req[18], req[19]]);
        let i = interfaces().into_iter().find(|i| i.index == index).ok_or(Errno::ENODEV)?;
        req[..IFNAMSIZ].fill(0);
        let n = i.name.len().min(IFNAMSIZ - 1);
        req[..n].copy_from_slice(&i.name.as_bytes()[..n]);
        return Ok(());
    }
    let i = device(req)?;
    match cmd {
        // ifr_flags is a short: the flags above bit 15 (IFF_LOWER_UP ...) do not fit.
        SIOCGIFFLAGS => req[IFNAMSIZ..IFNAMSIZ + 2].copy_from_slice(&(i.flags as u16).to_ne_bytes()),
        SIOCGIFMETRIC => put_i32(req, 0),
        SIOCGIFMTU => put_i32(req, i.mtu as i32),
        SIOCGIFINDEX => put_i32(req, i.index),
        SIOCGIFTXQLEN => put_i32(req, TXQLEN),
        // struct ifmap: no memory window, interrupt or DMA channel to report.
        SIOCGIFMAP => req[IFNAMSIZ..].fill(0),
        SIOCGIFHWADDR => {
            let u = &mut req[IFNAMSIZ..IFNAMSIZ + 16];
            u.fill(0);
            u[..2].copy_from_slice(&i.hw_type.to_ne_bytes());
            u[2..8].copy_from_slice(&i.mac);
        }
        _ => return Err(Errno::ENOTTY),
    }
    Ok(())
}

/// The IPv4 address requests: the address is found by its label (the interface's name, or an
/// alias, which this kernel has none of).
fn address_request(cmd: usize, req: &mut Ifreq) -> SysResult<()> {
    let i = device(req)?;
    let labelled = req_name(req) == i.name.as_bytes();
    let (addr, _) = i.ipv4.filter(|_| labelled).ok_or(Errno::EADDRNOTAVAIL)?;
    let value = match cmd {
        SIOCGIFADDR => addr,
        SIOCGIFNETMASK => i.netmask().unwrap_or(Ipv4Addr::UNSPECIFIED),
        SIOCGIFBRDADDR => i.broadcast().unwrap_or(Ipv4Addr::UNSPECIFIED),
        // Point-to-point peers: none; Linux reports the (unset) peer as 0.0.0.0.
        _ => Ipv4Addr::UNSPECIFIED,
    };
    put_sockaddr_in(req, value);
    Ok(())
}

/// SIOCGIFCONF: `struct ifconf { int ifc_len; char *ifc_buf; }`. Without a buffer, the length
/// all entries need; else as many whole entries as fit (one per IPv4 address), and the length
/// used.
fn ifconf(cx: &Caller, arg: usize) -> SysResult<usize> {
    let ptr = UserPtr::<[u8; 16]>::new(arg);
    let mut conf = ptr.read(&mut cx.mm())?;
    let len = i32::from_ne_bytes([conf[0], conf[1], conf[2], conf[3]]);
    let mut buf_bytes = [0u8; 8];
    buf_bytes.copy_from_slice(&conf[8..16]);
    let buf = u64::from_ne_bytes(buf_bytes) as usize;
    let mut entries: Vec<u8> = Vec::new();
    let mut needed = 0usize;
    for i in interfaces() {
        let Some((addr, _)) = i.ipv4 else { continue };
        needed += IFREQ_SIZE;
        if buf == 0 || (len.max(0) as usize) < entries.len() + IFREQ_SIZE {
            continue;
        }
        let mut req = [0u8; IFREQ_SIZE];
        let n = i.name.len().min(IFNAMSIZ - 1);
        req[..n].copy_from_slice(&i.name.as_bytes()[..n]);
        put_sockaddr_in(&mut req, addr);
        entries.extend_from_slice(&req);
    }
    let used = if buf == 0 { needed } else { entries.len() };
    if buf != 0 {
        UserSliceMut::<u8>::new(buf, entries.len()).write(&mut cx.mm(), &entries)?;
    }
    conf[..4].copy_from_slice(&(used as i32).to_ne_bytes());
    ptr.write(&mut cx.mm(), &conf)?;
    Ok(0)
}
