//! setitimer(2) and getitimer(2) (alarm(3) is setitimer(ITIMER_REAL) in glibc).
//!
//! ITIMER_REAL counts real time: arming it starts an executor task that sleeps until the
//! deadline and sends the process SIGALRM (then sleeps for the next interval, if any). The
//! timer's generation number tells an older task that it was re-armed or cancelled meanwhile;
//! the task holds the process only weakly. ITIMER_VIRTUAL and ITIMER_PROF are kept and read
//! back but never fire (CPU-time timers are not implemented). Timers survive execve and are
//! not inherited by fork.
use crate::Caller;
use abi::process::*;
use abi::signal::SIGALRM;
use abi::structs::Timeval;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use hal::time::now_ns;
use mm::UserPtr;
use task::process::Itimer;
use task::Process;

fn to_ns(tv: &Timeval) -> SysResult<u64> {
    if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(Errno::EINVAL);
    }
    Ok(tv.tv_sec as u64 * 1_000_000_000 + tv.tv_usec as u64 * 1000)
}

/// Round up to whole microseconds (a timer never reports 0 while it is armed).
fn to_timeval(ns: u64) -> Timeval {
    let us = ns.div_ceil(1000);
    Timeval { tv_sec: (us / 1_000_000) as i64, tv_usec: (us % 1_000_000) as i64 }
}

/// What getitimer reports for `t`: the time left and the interval.
fn current(t: &Itimer) -> Itimerval {
    let left = t.deadline.map_or(0, |d| d.saturating_sub(now_ns()).max(1));
    Itimerval { interval: to_timeval(t.interval), value: to_timeval(left) }
}

fn check_which(which: usize) -> SysResult<()> {
    if which > ITIMER_PROF {
        Err(Errno::EINVAL)
    } else {
        Ok(())
    }
}

/// getitimer(2).
pub async fn sys_getitimer(cx: &Caller, which: usize, value: UserPtr<Itimerval>) -> SysResult<()> {
    check_which(which)?;
    let v = current(&cx.process().itimers.lock()[which]);
    value.write(&mut cx.mm(), &v)
}

/// setitimer(2): a zero value disarms; `old` gets the previous setting.
pub async fn sys_setitimer(
    cx: &Caller,
    which: usize,
    new: UserPtr<Itimerval>,
    old: UserPtr<Itimerval>,
) -> SysResult<()> {
    check_which(which)?;
    // Linux accepts a NULL new value as "disarm" (with a warning): the same here.
    let new = match new.nonnull() {
        Some(p) => p.read(&mut cx.mm())?,
        None => Itimerval::default(),
    };
    let (value, interval) = (to_ns(&new.value)?, to_ns(&new.interval)?);
    let p = cx.process();
    let (previous, armed) = {
        let mut timers = p.itimers.lock();
        let t = &mut timers[which];
        let previous = current(t);
        t.generation += 1;
        t.interval = interval;
        t.deadline = (value > 0).then(|| now_ns().saturating_add(value));
        (previous, t.deadline.map(|d| (d, t.generation)))
    };
    if let (ITIMER_REAL, Some((deadline, generation))) = (which, armed) {
        task::executor::spawn(run_real_timer(Arc::downgrade(p), deadline, generation));
    }
    if let Some(o) = old.nonnull() {
        o.write(&mut cx.mm(), &previous)?;
    }
    Ok(())
}

/// The task behind an armed ITIMER_REAL.
async fn run_real_timer(p: alloc::sync::Weak<Process>, mut deadline: u64, generation: u64) {
    loop {
        task::executor::sleep_until(deadline).await;
        let Some(p) = p.upgrade() else { return };
        if p.is_exiting() {
            return;
        }
        let next = {
            let mut timers = p.itimers.lock();
            let t = &mut timers[ITIMER_REAL];
            if t.generation != generation {
                return;
            }
            t.deadline = (t.interval > 0).then(|| deadline + t.interval);
            t.deadline
        };
        task::signal::send_to_process(&p, SIGALRM);
        match next {
            Some(d) => deadline = d,
            None => return,
        }
    }
}
