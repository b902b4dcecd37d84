//! Socket calls of linked applications (and fstat, which a server needs for lengths): the
//! same `syscalls::net` functions the dispatcher calls, with the application's own buffers.
use crate::calls::{call, interrupted, Fd};
use crate::App;
use abi::structs::Stat;
use abi::SysResult;
#[cfg(feature = "trace")]
use abi::{Errno, Sysno};
use mm::UserPtr;
use syscalls::{fs, net};

impl App {
    /// socket(2).
    pub async fn socket(&self, domain: i32, ty: i32, protocol: i32) -> SysResult<Fd> {
        let r = call!(self, socket, [domain, ty, protocol], net::sys_socket(&self.cx, domain, ty, protocol));
        r.map(|fd| fd as Fd)
    }

    /// bind(2) to the socket address `addr` (a `sockaddr_in`, `sockaddr_in6` or `sockaddr_un`
    /// as bytes).
    pub async fn bind(&self, fd: Fd, addr: &[u8]) -> SysResult<()> {
        let (p, n) = (addr.as_ptr() as usize, addr.len() as u32);
        call!(self, bind, [fd, p, n], net::sys_bind(&self.cx, fd, p, n))
    }

    /// connect(2) to the socket address `addr`.
    pub async fn connect(&self, fd: Fd, addr: &[u8]) -> SysResult<()> {
        let (p, n) = (addr.as_ptr() as usize, addr.len() as u32);
        call!(self, connect, [fd, p, n], net::sys_connect(&self.cx, fd, p, n))
    }

    /// listen(2).
    pub async fn listen(&self, fd: Fd, backlog: i32) -> SysResult<()> {
        call!(self, listen, [fd, backlog], net::sys_listen(&self.cx, fd, backlog))
    }

    /// accept4(2) without the peer's address.
    pub async fn accept(&self, fd: Fd, flags: i32) -> SysResult<Fd> {
        let r = call!(self, accept4, [fd, 0, 0, flags], net::sys_accept4(&self.cx, fd, 0, 0, flags));
        r.map(|fd| fd as Fd)
    }

    /// setsockopt(2) with an int value.
    pub async fn setsockopt_int(&self, fd: Fd, level: i32, name: i32, value: i32) -> SysResult<()> {
        let p = &value as *const i32 as usize;
        call!(self, setsockopt, [fd, level, name, p, 4], net::sys_setsockopt(&self.cx, fd, level, name, p, 4))
    }

    /// shutdown(2).
    pub async fn shutdown(&self, fd: Fd, how: i32) -> SysResult<()> {
        call!(self, shutdown, [fd, how], net::sys_shutdown(&self.cx, fd, how))
    }

    /// fstat(2).
    pub async fn fstat(&self, fd: Fd) -> SysResult<Stat> {
        let mut st = Stat::default();
        let p = &mut st as *mut Stat as usize;
        call!(self, fstat, [fd, p], fs::sys_fstat(&self.cx, fd, UserPtr::new(p)))?;
        Ok(st)
    }
}
