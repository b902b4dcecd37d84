//! Process and identity syscalls.
use crate::Caller;
use abi::structs::Rlimit;
use abi::{Errno, SysResult};
use mm::UserPtr;

pub async fn sys_exit(_cx: &Caller, _code: i32) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
pub async fn sys_exit_group(_cx: &Caller, _code: i32) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
pub async fn sys_getpid(cx: &Caller) -> SysResult<usize> {
    Ok(cx.process().pid)
}
pub async fn sys_getppid(_cx: &Caller) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_gettid(_cx: &Caller) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_set_tid_address(_cx: &Caller, _tidptr: usize) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_set_robust_list(_cx: &Caller, _head: usize, _len: usize) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
pub async fn sys_getuid(_cx: &Caller) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_geteuid(_cx: &Caller) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_getgid(_cx: &Caller) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_getegid(_cx: &Caller) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_prlimit64(_cx: &Caller, _pid: i32, _resource: u32, _new: UserPtr<Rlimit>, _old: UserPtr<Rlimit>) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
