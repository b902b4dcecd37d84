//! Scheduling policies and priorities: sched_setscheduler, sched_getscheduler, sched_setparam,
//! sched_getparam, sched_setattr, sched_getattr, sched_get_priority_max/min,
//! sched_rr_get_interval, getcpu.
//!
//! The executor runs every thread round-robin on the one hart, so a policy is recorded (per
//! thread, inherited by clone) and reported, and changing it is checked exactly as Linux checks
//! it (kernel/sched/core.c), which is what programs and test suites can observe.
use crate::Caller;
use abi::cred::CAP_SYS_NICE;
use abi::structs::Timespec;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use mm::UserPtr;
use task::process::{lookup_thread, DeadlineParams, Pid, SchedPolicy};
use task::Thread;

pub const SCHED_OTHER: u32 = 0;
pub const SCHED_FIFO: u32 = 1;
pub const SCHED_RR: u32 = 2;
pub const SCHED_BATCH: u32 = 3;
pub const SCHED_IDLE: u32 = 5;
pub const SCHED_DEADLINE: u32 = 6;
pub const SCHED_RESET_ON_FORK: u32 = 0x4000_0000;
/// sched_attr's flags (SCHED_FLAG_*): the ones Linux 6.1 accepts from user space.
pub const SCHED_FLAG_RESET_ON_FORK: u64 = 0x01;
pub const SCHED_FLAG_RECLAIM: u64 = 0x02;
pub const SCHED_FLAG_DL_OVERRUN: u64 = 0x04;
pub const SCHED_FLAG_KEEP_POLICY: u64 = 0x08;
pub const SCHED_FLAG_KEEP_PARAMS: u64 = 0x10;
pub const SCHED_FLAG_UTIL_CLAMP: u64 = 0x60;
const SCHED_FLAG_ALL: u64 = 0x7f;
/// Reserved for the kernel's schedutil threads: EINVAL from user space.
const SCHED_FLAG_SUGOV: u64 = 0x1000_0000;
/// The first `struct sched_attr` (Linux 3.14) and the one with utilization clamps (5.3).
pub const SCHED_ATTR_SIZE_VER0: usize = 48;
pub const SCHED_ATTR_SIZE_VER1: usize = 56;
/// SCHED_DEADLINE's period bounds (kernel.sched_deadline_period_{min,max}_us): 100 us, 2^22 us.
const DL_PERIOD_MIN_NS: u64 = 100_000;
const DL_PERIOD_MAX_NS: u64 = (1 << 22) * 1000;
/// The share of the CPU deadline tasks may reserve (kernel.sched_rt_runtime_us / _period_us).
const DL_BANDWIDTH: (u64, u64) = (950_000, 1_000_000);

/// `struct sched_attr` (SCHED_ATTR_SIZE_VER1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct SchedAttr {
    pub size: u32,
    pub sched_policy: u32,
    pub sched_flags: u64,
    pub sched_nice: i32,
    pub sched_priority: u32,
    pub sched_runtime: u64,
    pub sched_deadline: u64,
    pub sched_period: u64,
    pub sched_util_min: u32,
    pub sched_util_max: u32,
}

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

/// What the sched_get* calls read of thread `pid`: its policy, and its process (for the nice
/// value). A zombie's main thread is still found, with the policy it ended with, as on Linux
/// (a parent may ask right after its child has exited).
fn read_target(cx: &Caller, pid: i32) -> SysResult<(SchedPolicy, Arc<task::Process>)> {
    match target(cx, pid) {
        Ok(t) => Ok((*t.sched.lock(), t.process.clone())),
        Err(Errno::ESRCH) => {
            let p = task::process::lookup(pid as Pid).ok_or(Errno::ESRCH)?;
            let s = (*p.leader_sched.lock()).ok_or(Errno::ESRCH)?;
            Ok((s, p))
        }
        Err(e) => Err(e),
    }
}

pub async fn sys_sched_getscheduler(cx: &Caller, pid: i32) -> SysResult<usize> {
    let s = read_target(cx, pid)?.0;
    Ok((s.policy | if s.reset_on_fork { SCHED_RESET_ON_FORK } else { 0 }) as usize)
}

/// sched_getparam(2): `struct sched_param` is one int, the static priority.
pub async fn sys_sched_getparam(cx: &Caller, pid: i32, param: UserPtr<i32>) -> SysResult<()> {
    if param.is_null() || pid < 0 {
        return Err(Errno::EINVAL);
    }
    let prio = read_target(cx, pid)?.0.priority;
    param.write(&mut cx.mm(), &(prio as i32))
}

/// The thread's policy and parameters as a `sched_attr` (Linux's get_params: a deadline
/// thread's reservation, a real-time thread's priority, the others' nice value).
fn get_attr((s, p): (SchedPolicy, Arc<task::Process>)) -> SchedAttr {
    let mut a = SchedAttr { sched_policy: s.policy, ..SchedAttr::default() };
    if s.reset_on_fork {
        a.sched_flags |= SCHED_FLAG_RESET_ON_FORK;
    }
    match s.policy {
        SCHED_DEADLINE => {
            a.sched_runtime = s.deadline.runtime;
            a.sched_deadline = s.deadline.deadline;
            a.sched_period = s.deadline.period;
            a.sched_flags |= s.deadline.flags;
        }
        SCHED_FIFO | SCHED_RR => a.sched_priority = s.priority,
        _ => a.sched_nice = p.nice.load(Ordering::Relaxed),
    }
    a
}

/// A deadline reservation's period: the deadline when `sched_period` is 0.
fn dl_period(a: &SchedAttr) -> u64 {
    if a.sched_period == 0 {
        a.sched_deadline
    } else {
        a.sched_period
    }
}

/// The policies scheduled by their nice value.
fn is_fair(policy: u32) -> bool {
    matches!(policy, SCHED_OTHER | SCHED_BATCH | SCHED_IDLE)
}

/// Linux's __checkparam_dl: a deadline, a runtime of at least 1024 ns that fits in it, a
/// period (0: the deadline) no shorter than the deadline and within the sysctl's bounds.
fn valid_deadline(a: &SchedAttr) -> bool {
    let period = dl_period(a);
    a.sched_deadline != 0
        && a.sched_runtime >= 1 << 10
        && (a.sched_deadline | a.sched_period) >> 63 == 0
        && period >= a.sched_deadline
        && a.sched_deadline >= a.sched_runtime
        && (DL_PERIOD_MIN_NS..=DL_PERIOD_MAX_NS).contains(&period)
}

/// Whether the caller may lower `t`'s nice value to `nice` (Linux's can_nice: RLIMIT_NICE
/// allows it, or CAP_SYS_NICE).
fn can_nice(cx: &Caller, nice: i32) -> bool {
    let rlimit = cx.process().rlimits.lock()[abi::flags::RLIMIT_NICE].cur;
    (20 - nice) as u64 <= rlimit || cx.cred().capable(CAP_SYS_NICE)
}

/// Linux's __sched_setscheduler: `keep_policy` keeps the thread's policy (sched_setparam,
/// SCHED_FLAG_KEEP_POLICY). EINVAL for an unknown policy or flag or a priority outside the
/// policy's range, then EPERM: without CAP_SYS_NICE a thread may not raise its priority past
/// RLIMIT_RTPRIO or lower its nice value past RLIMIT_NICE, become real-time with no
/// RLIMIT_RTPRIO, take SCHED_DEADLINE at all, leave SCHED_IDLE, drop SCHED_RESET_ON_FORK, or
/// change another user's thread. A deadline reservation past the CPU's bandwidth is EBUSY.
fn set_attr(cx: &Caller, t: &Thread, a: &SchedAttr, keep_policy: bool) -> SysResult<()> {
    let old = *t.sched.lock();
    let (policy, reset_on_fork) = if keep_policy {
        (old.policy, old.reset_on_fork)
    } else {
        (a.sched_policy, a.sched_flags & SCHED_FLAG_RESET_ON_FORK != 0)
    };
    let (_, max) = priority_range(policy)?;
    if a.sched_flags & !(SCHED_FLAG_ALL | SCHED_FLAG_SUGOV) != 0
        || a.sched_priority > 99
        || (policy == SCHED_DEADLINE && !valid_deadline(a))
        || (max > 0) != (a.sched_priority != 0)
    {
        return Err(Errno::EINVAL);
    }
    let me = cx.cred();
    if !me.capable(CAP_SYS_NICE) {
        let nice = t.process.nice.load(Ordering::Relaxed);
        let rtprio = cx.process().rlimits.lock()[abi::flags::RLIMIT_RTPRIO].cur;
        let rt = max > 0;
        let raising = rt && a.sched_priority > old.priority && a.sched_priority as u64 > rtprio;
        let becomes_rt = rt && old.policy != policy && rtprio == 0;
        let leaves_idle = old.policy == SCHED_IDLE && policy != SCHED_IDLE && !can_nice(cx, nice);
        let them = t.cred();
        let other_user = me.euid != them.uid && me.euid != them.euid;
        if (is_fair(policy) && a.sched_nice < nice && !can_nice(cx, a.sched_nice))
            || raising
            || becomes_rt
            || policy == SCHED_DEADLINE
            || leaves_idle
            || other_user
            || (old.reset_on_fork && !reset_on_fork)
        {
            return Err(Errno::EPERM);
        }
    }
    if a.sched_flags & SCHED_FLAG_SUGOV != 0 {
        return Err(Errno::EINVAL);
    }
    // Utilization clamping needs CONFIG_UCLAMP_TASK, which this kernel does not have.
    if a.sched_flags & SCHED_FLAG_UTIL_CLAMP != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let mut deadline = DeadlineParams::default();
    if policy == SCHED_DEADLINE {
        let period = dl_period(a);
        if a.sched_runtime as u128 * DL_BANDWIDTH.1 as u128 > period as u128 * DL_BANDWIDTH.0 as u128 {
            return Err(Errno::EBUSY);
        }
        deadline = DeadlineParams {
            runtime: a.sched_runtime,
            deadline: a.sched_deadline,
            period,
            flags: a.sched_flags & (SCHED_FLAG_RECLAIM | SCHED_FLAG_DL_OVERRUN),
        };
    }
    if a.sched_flags & SCHED_FLAG_KEEP_PARAMS == 0 && is_fair(policy) {
        t.process.nice.store(a.sched_nice, Ordering::Relaxed);
    }
    *t.sched.lock() = SchedPolicy { policy, priority: a.sched_priority, reset_on_fork, deadline };
    Ok(())
}

/// sched_setscheduler and sched_setparam (`policy` None): EINVAL for a NULL param or a
/// negative pid, EFAULT, ESRCH, then as [`set_attr`], the thread's nice value kept.
fn set_scheduler(cx: &Caller, pid: i32, policy: Option<i32>, param: UserPtr<i32>) -> SysResult<()> {
    if param.is_null() || pid < 0 {
        return Err(Errno::EINVAL);
    }
    let prio = param.read(&mut cx.mm())?;
    let t = target(cx, pid)?;
    let mut a = SchedAttr {
        sched_priority: prio as u32,
        sched_nice: t.process.nice.load(Ordering::Relaxed),
        ..SchedAttr::default()
    };
    if let Some(p) = policy {
        a.sched_policy = p as u32 & !SCHED_RESET_ON_FORK;
        if p as u32 & SCHED_RESET_ON_FORK != 0 {
            a.sched_flags = SCHED_FLAG_RESET_ON_FORK;
        }
    }
    set_attr(cx, &t, &a, policy.is_none())
}

pub async fn sys_sched_setscheduler(cx: &Caller, pid: i32, policy: i32, param: UserPtr<i32>) -> SysResult<()> {
    if policy < 0 {
        return Err(Errno::EINVAL);
    }
    set_scheduler(cx, pid, Some(policy), param)
}

pub async fn sys_sched_setparam(cx: &Caller, pid: i32, param: UserPtr<i32>) -> SysResult<()> {
    set_scheduler(cx, pid, None, param)
}

/// sched_setattr(2): the policy and its parameters from a `struct sched_attr` whose `size`
/// field says which version it is (0: the first). A size under the first version's or over a
/// page, or a longer struct with unknown non-zero fields, is E2BIG with the size this kernel
/// knows written back into `size`. The nice value is clamped to -20..=19, as Linux does.
pub async fn sys_sched_setattr(cx: &Caller, pid: i32, uattr: UserPtr<SchedAttr>, flags: u32) -> SysResult<()> {
    if uattr.is_null() || pid < 0 || flags != 0 {
        return Err(Errno::EINVAL);
    }
    let size = UserPtr::<u32>::new(uattr.addr()).read(&mut cx.mm())? as usize;
    let size = if size == 0 { SCHED_ATTR_SIZE_VER0 } else { size };
    let read = if (SCHED_ATTR_SIZE_VER0..=4096).contains(&size) {
        cx.read_extensible::<SchedAttr>(uattr.addr(), size)
    } else {
        Err(Errno::E2BIG)
    };
    let mut a = match read {
        Err(Errno::E2BIG) => {
            UserPtr::<u32>::new(uattr.addr()).write(&mut cx.mm(), &(SCHED_ATTR_SIZE_VER1 as u32))?;
            return Err(Errno::E2BIG);
        }
        r => r?,
    };
    if a.sched_flags & SCHED_FLAG_UTIL_CLAMP != 0 && size < SCHED_ATTR_SIZE_VER1 {
        return Err(Errno::EINVAL);
    }
    a.sched_nice = a.sched_nice.clamp(-20, 19);
    if (a.sched_policy as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let t = target(cx, pid)?;
    if a.sched_flags & SCHED_FLAG_KEEP_PARAMS != 0 {
        let kept = get_attr((*t.sched.lock(), t.process.clone()));
        a = SchedAttr { sched_flags: a.sched_flags, sched_policy: a.sched_policy, ..kept };
    }
    set_attr(cx, &t, &a, a.sched_flags & SCHED_FLAG_KEEP_POLICY != 0)
}

/// sched_getattr(2): the thread's `struct sched_attr`, at most `size` bytes of it (at least the
/// first version's, at most a page: EINVAL), its `size` field saying how much was written.
pub async fn sys_sched_getattr(
    cx: &Caller,
    pid: i32,
    uattr: UserPtr<SchedAttr>,
    size: u32,
    flags: u32,
) -> SysResult<()> {
    let size = size as usize;
    if uattr.is_null() || pid < 0 || !(SCHED_ATTR_SIZE_VER0..=4096).contains(&size) || flags != 0 {
        return Err(Errno::EINVAL);
    }
    let mut a = get_attr(read_target(cx, pid)?);
    a.sched_flags &= SCHED_FLAG_ALL;
    let n = size.min(SCHED_ATTR_SIZE_VER1);
    a.size = n as u32;
    cx.mm().write_bytes(uattr.addr(), &bytemuck::bytes_of(&a)[..n])
}

/// sched_rr_get_interval(2): SCHED_RR's slice (100 ms), 0 for SCHED_FIFO (no slice), and for
/// the other policies the slice the round-robin executor gives (the timer tick's 10 ms).
pub async fn sys_sched_rr_get_interval(cx: &Caller, pid: i32, ts: UserPtr<Timespec>) -> SysResult<()> {
    let policy = read_target(cx, pid)?.0.policy;
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
