//! Memory syscalls: brk, mmap, munmap, mprotect.
use crate::Caller;
use abi::{Errno, SysResult};

pub async fn sys_brk(_cx: &Caller, _addr: usize) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_mmap(_cx: &Caller, _addr: usize, _len: usize, _prot: u32, _flags: u32, _fd: i32, _offset: usize) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_munmap(_cx: &Caller, _addr: usize, _len: usize) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
pub async fn sys_mprotect(_cx: &Caller, _addr: usize, _len: usize, _prot: u32) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
