//! Scheduling policies and priorities: sched_setscheduler, sched_getscheduler, sched_setparam,
//! sched_getparam, sched_get_priority_max/min, sched_rr_get_interval, getcpu.
//!
//! The executor runs every thread round-robin on the one hart, so a policy is recorded (per
//! thread, inherited by clone) and reported, and changing it is checked exactly as Linux checks
//! it (kernel/sched/core.c), which is what programs and test suites can observe.
use crate::Caller;
use abi::cred::CAP_SYS_NICE;
use abi::structs::Timespec;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use mm::UserPtr;
use task::process::{lookup_thread, Pid, SchedPolicy};
use task::Thread;

pub const SCHED_OTHER: u32 = 0;
pub const SCHED_FIFO: u32 = 1;
pub const SCHED_RR: u32 = 2;
pub const SCHED_BATCH: u32 = 3;
pub const SCHED_IDLE: u32 = 5;
pub const SCHED_DEADLINE: u32 = 6;
pub const SCHED_RESET_ON_FORK: u32 = 0x4000_0000;
/// SCHED_RR's time slice (Linux's RR_TIMESLICE: 100 ms).
const RR_TIMESLICE_NS: i64 = 100_000_000;

/// The highest and lowest static priority of a policy; EINVAL for an unknown one.
fn priority_range(policy: u32) -> SysResult<(u32, u32)> {
    match policy {
        SCHED_FIFO | SCHED_RR => Ok((1, 99)),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE | SCHED_DEADLINE => Ok((0, 0)),
        _ => Err(Errno::EINVAL),
    }
}

pub async fn sys_sched_get_priority_max(_cx: &Caller, policy: i32) -> SysResult<usize> {
    Ok(priority_range(policy as u32)?.1 as usize)
}

pub async fn sys_sched_get_priority_min(_cx: &Caller, policy: i32) -> SysResult<usize> {
    Ok(priority_range(policy as u32)?.0 as usize)
}

/// The thread `pid` names (0: the caller): EINVAL for a negative pid, ESRCH for no such thread.
fn target(cx: &Caller, pid: i32) -> SysResult<Arc<Thread>> {
    match pid {
        p if p < 0 => Err(Errno::EINVAL),
        0 => Ok(cx.thread().clone()),
        p => lookup_thread(p as Pid).ok_or(Errno::ESRCH),
    }
}

pub async fn sys_sched_getscheduler(cx: &Caller, pid: i32) -> SysResult<usize> {
    let s = *target(cx, pid)?.sched.lock();
    Ok((s.policy | if s.reset_on_fork { SCHED_RESET_ON_FORK } else { 0 }) as usize)
}

/// sched_getparam(2): `struct sched_param` is one int, the static priority.
pub async fn sys_sched_getparam(cx: &Caller, pid: i32, param: UserPtr<i32>) -> SysResult<()> {
    if param.is_null() || pid < 0 {
        return Err(Errno::EINVAL);
    }
    let prio = target(cx, pid)?.sched.lock().priority;
    param.write(&mut cx.mm(), &(prio as i32))
}

/// Linux's __sched_setscheduler, for `policy` (None: keep the thread's, sched_setparam):
/// EINVAL for a NULL param or negative pid, EFAULT, ESRCH, EINVAL for an unknown policy or a
/// priority outside its range, then EPERM: a real-time policy needs CAP_SYS_NICE (or an
/// RLIMIT_RTPRIO that allows it), and another user's thread needs CAP_SYS_NICE.
fn set_scheduler(cx: &Caller, pid: i32, policy: Option<i32>, param: UserPtr<i32>) -> SysResult<()> {
    if param.is_null() || pid < 0 {
        return Err(Errno::EINVAL);
    }
    let prio = param.read(&mut cx.mm())?;
    let t = target(cx, pid)?;
    let old = *t.sched.lock();
    let (policy, reset_on_fork) = match policy {
        None => (old.policy, old.reset_on_fork),
        Some(p) if p < 0 => return Err(Errno::EINVAL),
        Some(p) => (p as u32 & !SCHED_RESET_ON_FORK, p as u32 & SCHED_RESET_ON_FORK != 0),
    };
    let (min, max) = priority_range(policy)?;
    if policy == SCHED_DEADLINE || prio < min as i32 || prio > max as i32 {
        return Err(Errno::EINVAL);
    }
    let me = cx.cred();
    if !me.capable(CAP_SYS_NICE) {
        let rtprio = cx.process().rlimits.lock()[abi::flags::RLIMIT_RTPRIO].cur;
        let rt = max > 0;
        let raising = rt && prio as u32 > old.priority && prio as u64 > rtprio;
        let becomes_rt = rt && old.policy != policy && rtprio == 0;
        let them = t.cred();
        let other_user = me.euid != them.uid && me.euid != them.euid;
        if raising || becomes_rt || other_user || (old.reset_on_fork && !reset_on_fork) {
            return Err(Errno::EPERM);
        }
    }
    *t.sched.lock() = SchedPolicy { policy, priority: prio as u32, reset_on_fork };
    Ok(())
}

pub async fn sys_sched_setscheduler(cx: &Caller, pid: i32, policy: i32, param: UserPtr<i32>) -> SysResult<()> {
    set_scheduler(cx, pid, Some(policy), param)
}

pub async fn sys_sched_setparam(cx: &Caller, pid: i32, param: UserPtr<i32>) -> SysResult<()> {
    set_scheduler(cx, pid, None, param)
}

/// sched_rr_get_interval(2): SCHED_RR's slice (100 ms), 0 for SCHED_FIFO (no slice), and for
/// the other policies the slice the round-robin executor gives (the timer tick's 10 ms).
pub async fn sys_sched_rr_get_interval(cx: &Caller, pid: i32, ts: UserPtr<Timespec>) -> SysResult<()> {
    let policy = target(cx, pid)?.sched.lock().policy;
    let ns = match policy {
        SCHED_FIFO => 0,
        SCHED_RR => RR_TIMESLICE_NS,
        _ => 10_000_000,
    };
    ts.write(&mut cx.mm(), &Timespec { tv_sec: ns / 1_000_000_000, tv_nsec: ns % 1_000_000_000 })
}

/// getcpu(2): the one hart, CPU 0 on node 0 (either pointer may be NULL; the cache argument is
/// unused since Linux 2.6.24).
pub async fn sys_getcpu(cx: &Caller, cpu: UserPtr<u32>, node: UserPtr<u32>) -> SysResult<()> {
    for p in [cpu, node].into_iter().flat_map(UserPtr::nonnull) {
        p.write(&mut cx.mm(), &0)?;
    }
    Ok(())
}
