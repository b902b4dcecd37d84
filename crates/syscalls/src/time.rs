//! Time syscalls.
use crate::Caller;
use abi::structs::{Timespec, Timeval, Tms};
use abi::{Errno, SysResult};
use mm::UserPtr;

pub async fn sys_clock_gettime(_cx: &Caller, _clock: usize, _tp: UserPtr<Timespec>) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
pub async fn sys_clock_getres(_cx: &Caller, _clock: usize, _res: UserPtr<Timespec>) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
pub async fn sys_gettimeofday(_cx: &Caller, _tv: UserPtr<Timeval>, _tz: usize) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
pub async fn sys_nanosleep(_cx: &Caller, _req: UserPtr<Timespec>, _rem: UserPtr<Timespec>) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
pub async fn sys_clock_nanosleep(_cx: &Caller, _clock: usize, _flags: u32, _req: UserPtr<Timespec>, _rem: UserPtr<Timespec>) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
pub async fn sys_times(_cx: &Caller, _buf: UserPtr<Tms>) -> SysResult<usize> {
    Err(Errno::ENOSYS)
}
pub async fn sys_sched_yield(_cx: &Caller) -> SysResult<()> {
    Err(Errno::ENOSYS)
}
