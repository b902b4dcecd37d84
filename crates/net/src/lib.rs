//! Sockets as files.
//!
//! A socket is an `fs::Inode` (kind Socket), so read, write, poll, epoll, dup, fork, close and
//! exec treat it as any other file; the socket calls reach it by downcasting the file's inode
//! ([`as_unix`]). This crate knows nothing of descriptors, user memory or paths: the syscall
//! layer (`syscalls::net`) resolves names in the file system, copies user buffers and turns
//! descriptors passed with SCM_RIGHTS into open files and back.
//!
//! AF_UNIX ([`unix`]), and AF_INET/AF_INET6 TCP and UDP over smoltcp ([`inet`], feature `inet`:
//! without it the crate holds no IP stack). [`interfaces`] lists the network interfaces.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(not(target_os = "none"))]
extern crate std;

pub mod addr;
pub mod iface;
#[cfg(feature = "inet")]
pub mod inet;
pub mod unix;

pub use addr::UnixAddr;
pub use iface::{interfaces, InterfaceInfo};
#[cfg(feature = "inet")]
pub use inet::{as_inet, InetSocket};
pub use unix::{as_unix, UnixSocket};

use abi::net::*;
use abi::structs::Timeval;

/// What fstat(2) says of a socket (either family): an anonymous socket node.
pub fn socket_stat(ino: u64) -> abi::structs::Stat {
    abi::structs::Stat {
        st_dev: *fs::meta::ANON_DEV,
        st_ino: ino,
        st_mode: fs::inode::FileKind::Socket.mode_bits() | 0o777,
        st_nlink: 1,
        st_blksize: 4096,
        ..abi::structs::Stat::default()
    }
}

/// The options setsockopt stores and getsockopt reports that change nothing else here.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub sndbuf: i32,
    pub rcvbuf: i32,
    pub reuseaddr: bool,
    pub reuseport: bool,
    pub keepalive: bool,
    pub passcred: bool,
    pub broadcast: bool,
    pub oobinline: bool,
    pub linger: Linger,
    pub rcvlowat: i32,
    pub rcvtimeo: Timeval,
    pub sndtimeo: Timeval,
}

/// Linux's default socket buffer size (net.core.wmem_default / rmem_default).
pub const DEFAULT_BUF: i32 = 212_992;
/// The largest buffer size setsockopt grants (net.core.wmem_max), before Linux's doubling.
pub const MAX_BUF: i32 = 212_992;

impl Default for Options {
    fn default() -> Self {
        Options {
            sndbuf: DEFAULT_BUF,
            rcvbuf: DEFAULT_BUF,
            reuseaddr: false,
            reuseport: false,
            keepalive: false,
            passcred: false,
            broadcast: false,
            oobinline: false,
            linger: Linger::default(),
            rcvlowat: 1,
            rcvtimeo: Timeval::default(),
            sndtimeo: Timeval::default(),
        }
    }
}

impl Options {
    /// SO_SNDBUF / SO_RCVBUF as Linux sets them: doubled (for its bookkeeping), at most twice
    /// the maximum, at least a minimum.
    pub fn buffer_size(requested: i32, min: i32) -> i32 {
        requested.clamp(0, MAX_BUF).saturating_mul(2).max(min)
    }
}
