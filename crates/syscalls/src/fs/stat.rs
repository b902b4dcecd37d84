//! fstat, newfstatat.
use crate::Caller;
use abi::structs::Stat;
use abi::{Errno, SysResult};
use mm::{UserCStr, UserPtr};

pub async fn sys_fstat(_cx: &Caller, _fd: i32, _st: UserPtr<Stat>) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
pub async fn sys_newfstatat(_cx: &Caller, _dirfd: i32, _path: UserCStr, _st: UserPtr<Stat>, _flags: u32) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
