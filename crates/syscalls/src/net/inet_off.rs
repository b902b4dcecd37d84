//! AF_INET and AF_INET6 in a kernel without the IP stack (crate `syscalls` without feature
//! `inet`): socket(2) answers EAFNOSUPPORT, as Linux built without CONFIG_INET does, so no file
//! is ever an INET socket and the rest below is never reached. Same names and signatures as
//! `inet.rs`.
use super::Gather;
use crate::Caller;
use abi::net::MsgHdr;
use abi::structs::Iovec;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use alloc::vec::Vec;
use fs::File;
use mm::UserPtr;
use net::Options;
use sync::Mutex;

/// No value: an address of a family this kernel does not have.
pub enum Never {}

/// No value either: no INET socket ever exists.
pub struct InetSocket {
    pub options: Mutex<Options>,
    never: Never,
}

pub struct Got {
    pub len: usize,
    pub full: usize,
    pub from: Option<Never>,
}

pub fn as_inet(_file: &File) -> Option<&InetSocket> {
    None
}

pub fn is_ipv4(_file: &File) -> bool {
    false
}

impl InetSocket {
    pub fn arc(&self) -> Arc<InetSocket> {
        match self.never {}
    }
    pub fn listen(&self, _backlog: i32) -> SysResult<()> {
        match self.never {}
    }
    pub fn shutdown(&self, _how: i32) -> SysResult<()> {
        match self.never {}
    }
    pub fn inq(&self) -> SysResult<usize> {
        match self.never {}
    }
    pub fn local_addr(&self) -> Vec<u8> {
        match self.never {}
    }
    pub fn peer_addr(&self) -> SysResult<Vec<u8>> {
        match self.never {}
    }
    pub fn encode(&self, ep: Never) -> Vec<u8> {
        match ep {}
    }
}

pub fn socket(_cx: &Caller, _domain: i32, _ty: i32, _protocol: i32) -> SysResult<usize> {
    Err(Errno::EAFNOSUPPORT)
}

/// No internet socket can be made, so socketpair's check fails as socket(2) does.
pub fn proto_of(_ty: i32, _protocol: i32) -> SysResult<()> {
    Err(Errno::EAFNOSUPPORT)
}

pub fn bind(_cx: &Caller, sock: &InetSocket, _ptr: usize, _len: u32) -> SysResult<()> {
    match sock.never {}
}

pub async fn accept(
    _cx: &Caller,
    _file: &File,
    sock: &InetSocket,
    _ptr: usize,
    _lenp: usize,
    _flags: i32,
) -> SysResult<usize> {
    match sock.never {}
}

pub async fn connect(_cx: &Caller, _file: &File, sock: &InetSocket, _ptr: usize, _len: u32) -> SysResult<()> {
    match sock.never {}
}

pub async fn send(
    _cx: &Caller,
    _file: &File,
    sock: &InetSocket,
    _src: Gather,
    _flags: u32,
    _ptr: usize,
    _len: u32,
) -> SysResult<usize> {
    match sock.never {}
}

pub async fn recv(_cx: &Caller, _file: &File, sock: &InetSocket, _iovs: &[Iovec], _flags: u32) -> SysResult<Got> {
    match sock.never {}
}

pub async fn recvmsg(
    _cx: &Caller,
    _file: &File,
    sock: &InetSocket,
    _msg: UserPtr<MsgHdr>,
    _flags: u32,
) -> SysResult<usize> {
    match sock.never {}
}

pub fn socket_fact(sock: &InetSocket, _name: i32) -> Option<Vec<u8>> {
    match sock.never {}
}

pub fn setsockopt(
    sock: &InetSocket,
    _level: i32,
    _name: i32,
    _read: &dyn Fn(usize) -> SysResult<Vec<u8>>,
) -> SysResult<()> {
    match sock.never {}
}

pub fn getsockopt(sock: &InetSocket, _level: i32, _name: i32) -> SysResult<Vec<u8>> {
    match sock.never {}
}
