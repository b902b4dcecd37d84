//! Sockets: address families, types, options, message flags and the structures of the socket
//! calls, as riscv64 Linux lays them out.
use bytemuck::{Pod, Zeroable};

pub const AF_UNSPEC: u16 = 0;
pub const AF_UNIX: u16 = 1;
pub const AF_INET: u16 = 2;
pub const AF_INET6: u16 = 10;
pub const AF_NETLINK: u16 = 16;

pub const SOCK_STREAM: i32 = 1;
pub const SOCK_DGRAM: i32 = 2;
pub const SOCK_RAW: i32 = 3;
pub const SOCK_SEQPACKET: i32 = 5;
/// Flags or-ed into socket(2)'s type.
pub const SOCK_NONBLOCK: i32 = 0o4000;
pub const SOCK_CLOEXEC: i32 = 0o2000000;
pub const SOCK_TYPE_MASK: i32 = 0xf;

pub const SOL_SOCKET: i32 = 1;
pub const SO_DEBUG: i32 = 1;
pub const SO_REUSEADDR: i32 = 2;
pub const SO_TYPE: i32 = 3;
pub const SO_ERROR: i32 = 4;
pub const SO_DONTROUTE: i32 = 5;
pub const SO_BROADCAST: i32 = 6;
pub const SO_SNDBUF: i32 = 7;
pub const SO_RCVBUF: i32 = 8;
pub const SO_KEEPALIVE: i32 = 9;
pub const SO_OOBINLINE: i32 = 10;
pub const SO_LINGER: i32 = 13;
pub const SO_REUSEPORT: i32 = 15;
pub const SO_PASSCRED: i32 = 16;
pub const SO_PEERCRED: i32 = 17;
pub const SO_RCVLOWAT: i32 = 18;
pub const SO_SNDLOWAT: i32 = 19;
pub const SO_RCVTIMEO: i32 = 20;
pub const SO_SNDTIMEO: i32 = 21;
pub const SO_ACCEPTCONN: i32 = 30;
pub const SO_PROTOCOL: i32 = 38;
pub const SO_DOMAIN: i32 = 39;

pub const MSG_OOB: u32 = 1;
pub const MSG_PEEK: u32 = 2;
pub const MSG_DONTROUTE: u32 = 4;
pub const MSG_CTRUNC: u32 = 8;
pub const MSG_TRUNC: u32 = 0x20;
pub const MSG_DONTWAIT: u32 = 0x40;
pub const MSG_EOR: u32 = 0x80;
pub const MSG_WAITALL: u32 = 0x100;
/// Read the socket's error queue (IP_RECVERR's reports) instead of its data.
pub const MSG_ERRQUEUE: u32 = 0x2000;
pub const MSG_NOSIGNAL: u32 = 0x4000;
/// Set by the kernel for 32-bit callers on a 64-bit kernel; from user space, EINVAL.
pub const MSG_CMSG_COMPAT: u32 = 0x8000_0000;
pub const MSG_CMSG_CLOEXEC: u32 = 0x4000_0000;

pub const SHUT_RD: i32 = 0;
pub const SHUT_WR: i32 = 1;
pub const SHUT_RDWR: i32 = 2;

pub const SCM_RIGHTS: i32 = 1;
pub const SCM_CREDENTIALS: i32 = 2;

/// `sun_path`'s size in `struct sockaddr_un`.
pub const UNIX_PATH_MAX: usize = 108;
/// Descriptors one SCM_RIGHTS message may carry (Linux's SCM_MAX_FD).
pub const SCM_MAX_FD: usize = 253;

/// `struct msghdr`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct MsgHdr {
    pub name: usize,
    pub namelen: u32,
    pub _pad1: u32,
    pub iov: usize,
    pub iovlen: usize,
    pub control: usize,
    pub controllen: usize,
    pub flags: u32,
    pub _pad2: u32,
}

/// `struct mmsghdr` (sendmmsg, recvmmsg): a message and the bytes it carried.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct MMsgHdr {
    pub hdr: MsgHdr,
    pub len: u32,
    pub _pad: u32,
}

/// recvmmsg: once one message has come, take only what is there.
pub const MSG_WAITFORONE: u32 = 0x1_0000;

/// `struct cmsghdr` (its data follows, 8-byte aligned).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct CmsgHdr {
    pub len: usize,
    pub level: i32,
    pub kind: i32,
}

/// `struct ucred` (SO_PEERCRED, SCM_CREDENTIALS).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Ucred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

/// `struct linger` (SO_LINGER).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Linger {
    pub onoff: i32,
    pub linger: i32,
}

/// Protocol levels of setsockopt/getsockopt besides SOL_SOCKET (and protocol numbers).
pub const IPPROTO_IP: i32 = 0;
pub const IPPROTO_TCP: i32 = 6;
pub const IPPROTO_UDP: i32 = 17;
pub const IPPROTO_IPV6: i32 = 41;

pub const TCP_NODELAY: i32 = 1;
pub const TCP_MAXSEG: i32 = 2;
pub const TCP_KEEPIDLE: i32 = 4;
pub const TCP_KEEPINTVL: i32 = 5;
pub const TCP_KEEPCNT: i32 = 6;

pub const IP_TOS: i32 = 1;
pub const IP_TTL: i32 = 2;
pub const IPV6_UNICAST_HOPS: i32 = 16;
pub const IPV6_V6ONLY: i32 = 26;

/// `struct sockaddr_in`: the port and address in network byte order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct SockaddrIn {
    pub family: u16,
    pub port: [u8; 2],
    pub addr: [u8; 4],
    pub zero: [u8; 8],
}

/// `struct sockaddr_in6`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct SockaddrIn6 {
    pub family: u16,
    pub port: [u8; 2],
    pub flowinfo: u32,
    pub addr: [u8; 16],
    pub scope_id: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_are_riscv64_linuxs() {
        assert_eq!(core::mem::size_of::<MsgHdr>(), 56);
        assert_eq!(core::mem::offset_of!(MsgHdr, iov), 16);
        assert_eq!(core::mem::offset_of!(MsgHdr, flags), 48);
        assert_eq!(core::mem::size_of::<CmsgHdr>(), 16);
        assert_eq!(core::mem::size_of::<Ucred>(), 12);
        assert_eq!(core::mem::size_of::<SockaddrIn>(), 16);
        assert_eq!(core::mem::size_of::<SockaddrIn6>(), 28);
        assert_eq!(core::mem::offset_of!(SockaddrIn6, addr), 8);
    }
}
