//! ioctl.
use crate::Caller;
use abi::{Errno, SysResult};

pub async fn sys_ioctl(_cx: &Caller, _fd: i32, _cmd: usize, _arg: usize) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
