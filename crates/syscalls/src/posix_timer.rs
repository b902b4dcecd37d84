//! POSIX per-process timers: timer_create, timer_settime, timer_gettime, timer_getoverrun,
//! timer_delete (the state and the expiry are `task::posix_timer`).
//!
//! Timers on the real-time clocks (REALTIME, MONOTONIC, BOOTTIME, TAI and, with
//! CAP_WAKE_ALARM, the `_ALARM` ones) keep their deadline in boot ns and fire from the shared
//! timer task of `task::ktimer`, the one ITIMER_REAL uses; an absolute time on a wall clock is
//! converted when the timer is set. Timers on the CPU clocks keep a deadline in CPU ns and fire
//! when the thread that passes it comes back from user mode.
use crate::Caller;
use abi::events::ItimerSpec;
use abi::flags::*;
use abi::signal::*;
use abi::structs::Timespec;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use mm::UserPtr;
use task::posix_timer::{arm_real, update_cpu_deadline, PosixTimer, TimerClock};

const TIMER_ABSTIME: i32 = 1;

/// A timespec as ns: EINVAL unless 0 <= nsec < 1e9 and sec >= 0; saturates (a time centuries
/// ahead never comes).
pub(crate) fn timespec_ns(ts: &Timespec) -> SysResult<u64> {
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok((ts.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(ts.tv_nsec as u64))
}

/// The timeline of a clock for timers: EINVAL for an unknown clock, EOPNOTSUPP for one that
/// cannot carry timers (the raw and coarse ones), EPERM for the alarm clocks without
/// CAP_WAKE_ALARM.
fn timer_clock(cx: &Caller, clock: usize) -> SysResult<TimerClock> {
    match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_TAI => Ok(TimerClock::Boot),
        CLOCK_PROCESS_CPUTIME_ID => Ok(TimerClock::ProcessCpu),
        CLOCK_THREAD_CPUTIME_ID => Ok(TimerClock::ThreadCpu),
        CLOCK_MONOTONIC_RAW | CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE => Err(Errno::EOPNOTSUPP),
        CLOCK_REALTIME_ALARM | CLOCK_BOOTTIME_ALARM => {
            if cx.cred().capable(abi::cred::CAP_WAKE_ALARM) {
                Ok(TimerClock::Boot)
            } else {
                Err(Errno::EPERM)
            }
        }
        _ => Err(Errno::EINVAL),
    }
}

/// What a wall clock reads when the boot clock reads 0.
fn wall_offset(clock: usize) -> u64 {
    match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_ALARM | CLOCK_TAI => hal::time::boot_epoch_ns(),
        _ => 0,
    }
}

/// timer_create(2): a new timer of the process; its id goes to `*timerid`.
pub async fn sys_timer_create(
    cx: &Caller,
    clock: usize,
    sevp: UserPtr<SigEvent>,
    timerid: UserPtr<i32>,
) -> SysResult<()> {
    let event = match sevp.nonnull() {
        Some(e) => Some(e.read(&mut cx.mm())?),
        None => None,
    };
    // As Linux: the clock (EINVAL, EOPNOTSUPP), a free id (EAGAIN), the id written (EFAULT),
    // then the event (EINVAL), then the clock's own check (EPERM).
    let kind = match timer_clock(cx, clock) {
        Err(Errno::EPERM) => None,
        other => Some(other?),
    };
    let p = cx.process();
    let limit = p.rlimits.lock()[RLIMIT_SIGPENDING].cur.min(usize::MAX as u64) as usize;
    let owner = Arc::downgrade(cx.thread());
    let id = p.posix_timers.lock().insert(limit, |id| PosixTimer {
        clockid: clock,
        clock: kind.unwrap_or(TimerClock::Boot),
        notify: SIGEV_SIGNAL,
        signo: SIGALRM,
        sigval: id as u64,
        target: None,
        owner,
        deadline: None,
        interval: 0,
        generation: 0,
        overrun: 0,
        overrun_last: 0,
    })?;
    let finish = || -> SysResult<()> {
        timerid.write(&mut cx.mm(), &id)?;
        let mut target = None;
        if let Some(e) = event {
            match e.notify {
                n if n == SIGEV_SIGNAL | SIGEV_THREAD_ID => {
                    let t = task::process::lookup_thread(e.tid.max(0) as task::Pid)
                        .filter(|t| e.tid > 0 && Arc::ptr_eq(&t.process, p))
                        .ok_or(Errno::EINVAL)?;
                    target = Some(Arc::downgrade(&t));
                }
                SIGEV_SIGNAL | SIGEV_THREAD | SIGEV_NONE => {}
                _ => return Err(Errno::EINVAL),
            }
            if e.notify != SIGEV_NONE && !(1..=NSIG as i32).contains(&e.signo) {
                return Err(Errno::EINVAL);
            }
        }
        kind.ok_or(Errno::EPERM)?;
        if let Some(e) = event {
            let mut timers = p.posix_timers.lock();
            if let Some(t) = timers.timers.get_mut(&id) {
                t.notify = if e.notify == SIGEV_THREAD { SIGEV_SIGNAL } else { e.notify };
                t.signo = e.signo as usize;
                t.sigval = e.value;
                t.target = target;
            }
        }
        Ok(())
    };
    finish().inspect_err(|_| {
        p.posix_timers.lock().timers.remove(&id);
    })
}

/// timer_settime(2): arm timer `id` for `new.value` from now (or at that time of its clock with
/// TIMER_ABSTIME; 0 disarms), repeating every `new.interval`; `old` gets the previous setting.
pub async fn sys_timer_settime(
    cx: &Caller,
    id: i32,
    flags: i32,
    new: UserPtr<ItimerSpec>,
    old: UserPtr<ItimerSpec>,
) -> SysResult<()> {
    let new = new.nonnull().ok_or(Errno::EINVAL)?.read(&mut cx.mm())?;
    let (value, interval) = (timespec_ns(&new.value)?, timespec_ns(&new.interval)?);
    let p = cx.process();
    let (previous, arm) = {
        let mut timers = p.posix_timers.lock();
        let t = timers.timers.get_mut(&id).ok_or(Errno::EINVAL)?;
        let now = t.now(p);
        let previous =
            ItimerSpec { interval: Timespec::from_nanos(t.interval), value: Timespec::from_nanos(t.remaining(now)) };
        t.generation += 1;
        t.overrun = 0;
        t.overrun_last = 0;
        t.interval = if value == 0 { 0 } else { interval };
        t.deadline = match (value, flags & TIMER_ABSTIME != 0) {
            (0, _) => None,
            (v, false) => Some(now.saturating_add(v)),
            (v, true) if t.clock == TimerClock::Boot => {
                let offset = wall_offset(t.clockid);
                match (offset.checked_sub(v), t.interval) {
                    // A time before boot: the periods that ended before boot are overruns
                    // already, the first expiration after boot is the deadline.
                    (Some(before), i) if before > 0 && i > 0 => {
                        let k = before.div_ceil(i);
                        t.overrun = k;
                        Some(v.saturating_add(k.saturating_mul(i)).saturating_sub(offset))
                    }
                    _ => Some(v.saturating_sub(offset)),
                }
            }
            (v, true) => Some(v),
        };
        let arm = match (t.clock, t.deadline, t.notify) {
            // A SIGEV_NONE timer tells nobody: its time left is computed when asked.
            (_, _, SIGEV_NONE) | (_, None, _) => None,
            (TimerClock::Boot, Some(d), _) => Some((d, t.generation)),
            _ => None,
        };
        (previous, arm)
    };
    // The task of the previous setting ends now.
    p.itimer_queue.wake_all();
    if let Some((deadline, generation)) = arm {
        arm_real(p, id, generation, deadline);
    }
    update_cpu_deadline(p);
    // An expired CPU timer fires now rather than at the next tick.
    if p.cpu_timer_next.load(core::sync::atomic::Ordering::Relaxed) <= task::posix_timer::process_cpu_ns(p) {
        task::posix_timer::run_cpu_timers(p);
    }
    if let Some(o) = old.nonnull() {
        o.write(&mut cx.mm(), &previous)?;
    }
    Ok(())
}

/// timer_gettime(2): the time left and the interval of timer `id`.
pub async fn sys_timer_gettime(cx: &Caller, id: i32, cur: UserPtr<ItimerSpec>) -> SysResult<()> {
    let p = cx.process();
    let spec = {
        let timers = p.posix_timers.lock();
        let t = timers.timers.get(&id).ok_or(Errno::EINVAL)?;
        ItimerSpec { interval: Timespec::from_nanos(t.interval), value: Timespec::from_nanos(t.remaining(t.now(p))) }
    };
    cur.write(&mut cx.mm(), &spec)
}

/// timer_getoverrun(2): the overruns of the last signal of timer `id` that was delivered.
pub async fn sys_timer_getoverrun(cx: &Caller, id: i32) -> SysResult<usize> {
    let timers = cx.process().posix_timers.lock();
    Ok(timers.timers.get(&id).ok_or(Errno::EINVAL)?.overrun_last as usize)
}

/// timer_delete(2). A signal it already queued is still delivered.
pub async fn sys_timer_delete(cx: &Caller, id: i32) -> SysResult<()> {
    let p = cx.process();
    p.posix_timers.lock().timers.remove(&id).ok_or(Errno::EINVAL)?;
    p.itimer_queue.wake_all();
    update_cpu_deadline(p);
    Ok(())
}
