//! read, write, readv, writev, pread64, pwrite64, lseek.
use crate::Caller;
use abi::structs::Iovec;
use abi::{Errno, SysResult};
use mm::{UserPtr, UserSlice, UserSliceMut};

pub async fn sys_read(_cx: &Caller, _fd: i32, _buf: UserSliceMut<u8>) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_write(_cx: &Caller, _fd: i32, _buf: UserSlice<u8>) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_readv(_cx: &Caller, _fd: i32, _iov: UserPtr<Iovec>, _iovcnt: i32) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_writev(_cx: &Caller, _fd: i32, _iov: UserPtr<Iovec>, _iovcnt: i32) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_pread64(_cx: &Caller, _fd: i32, _buf: UserSliceMut<u8>, _offset: i64) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_pwrite64(_cx: &Caller, _fd: i32, _buf: UserSlice<u8>, _offset: i64) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_lseek(_cx: &Caller, _fd: i32, _offset: i64, _whence: u32) -> SysResult<u64> {
    Err(Errno::ENOSYS)
}
