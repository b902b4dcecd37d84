//! Signal syscalls (dispositions and masks are recorded; delivery comes later).
use crate::Caller;
use abi::structs::SigAction;
use abi::{Errno, SysResult};
use mm::UserPtr;

pub async fn sys_rt_sigaction(_cx: &Caller, _sig: usize, _act: UserPtr<SigAction>, _old: UserPtr<SigAction>, _sigsetsize: usize) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
pub async fn sys_rt_sigprocmask(_cx: &Caller, _how: usize, _set: UserPtr<u64>, _old: UserPtr<u64>, _sigsetsize: usize) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
