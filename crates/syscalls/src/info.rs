//! System information: uname, getrandom.
use crate::Caller;
use abi::structs::Utsname;
use abi::{Errno, SysResult};
use mm::{UserPtr, UserSliceMut};

pub async fn sys_uname(_cx: &Caller, _buf: UserPtr<Utsname>) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
pub async fn sys_getrandom(_cx: &Caller, _buf: UserSliceMut<u8>, _flags: u32) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
