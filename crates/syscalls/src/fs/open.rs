//! openat, close.
use crate::Caller;
use abi::{Errno, SysResult};
use mm::UserCStr;

pub async fn sys_openat(_cx: &Caller, _dirfd: i32, _path: UserCStr, _flags: u32, _mode: u32) -> SysResult<i32> {
    Err(Errno::ENOSYS)
}
pub async fn sys_close(_cx: &Caller, _fd: i32) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
