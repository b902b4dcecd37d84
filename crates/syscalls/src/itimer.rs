//! setitimer(2) and getitimer(2) (alarm(3) is setitimer(ITIMER_REAL) in glibc).
//!
//! ITIMER_REAL counts real time: arming it starts the process's shared timer task
//! (`task::ktimer`), which sleeps until the deadline and sends the process SIGALRM (then
//! sleeps for the next interval, if any). The timer's generation number tells an older task
//! that it was re-armed or cancelled meanwhile. ITIMER_VIRTUAL and ITIMER_PROF count the
//! process's CPU time (their deadlines are CPU ns): they fire from `task::ktimer::account` as
//! the CPU time passes them, at the latest on the next timer interrupt. Timers survive execve
//! and are not inherited by fork.
use crate::Caller;
use abi::process::*;
use abi::signal::SIGALRM;
use abi::structs::Timeval;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use hal::time::now_ns;
use mm::UserPtr;
use task::ktimer::{forward, MIN_PERIOD_NS};
use task::process::Itimer;
use task::Process;

fn to_ns(tv: &Timeval) -> SysResult<u64> {
    if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(Errno::EINVAL);
    }
    // Linux saturates (timeval_to_ktime): a timer set centuries ahead simply never fires.
    Ok((tv.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(tv.tv_usec as u64 * 1000))
}

/// Round up to whole microseconds (a timer never reports 0 while it is armed).
fn to_timeval(ns: u64) -> Timeval {
    let us = ns.div_ceil(1000);
    Timeval { tv_sec: (us / 1_000_000) as i64, tv_usec: (us % 1_000_000) as i64 }
}

/// What getitimer reports for `t`: the time left and the interval.
fn current(t: &Itimer, now: u64) -> Itimerval {
    let left = t.deadline.map_or(0, |d| d.saturating_sub(now).max(1));
    Itimerval { interval: to_timeval(t.interval), value: to_timeval(left) }
}

/// The clock timer `which` counts: boot time (ITIMER_REAL) or the process's CPU time.
fn clock_of(p: &Process, which: usize) -> u64 {
    match which {
        ITIMER_REAL => now_ns(),
        _ => task::posix_timer::process_cpu_ns(p),
    }
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
    let p = cx.process();
    let now = clock_of(p, which);
    let v = current(&p.itimers.lock()[which], now);
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
    let now = clock_of(p, which);
    let (previous, armed) = {
        let mut timers = p.itimers.lock();
        let t = &mut timers[which];
        let previous = current(t, now);
        t.generation += 1;
        t.interval = interval;
        t.deadline = (value > 0).then(|| now.saturating_add(value));
        (previous, t.deadline.map(|d| (d, t.generation)))
    };
    // The task of the previous setting, if any, ends now rather than at its deadline.
    p.itimer_queue.wake_all();
    match (which, armed) {
        (ITIMER_REAL, Some((deadline, generation))) => arm_real(p, deadline, generation),
        (ITIMER_REAL, None) => {}
        _ => task::posix_timer::update_cpu_deadline(p),
    }
    if let Some(o) = old.nonnull() {
        o.write(&mut cx.mm(), &previous)?;
    }
    Ok(())
}

/// Arm ITIMER_REAL's task. Periods already over are skipped, not fired one by one (Linux
/// forwards the timer past them), and it repeats at most every `MIN_PERIOD_NS`: a period
/// shorter than the time it takes to fire cannot starve the machine.
fn arm_real(p: &Arc<Process>, deadline: u64, generation: u64) {
    let (p1, p2) = (Arc::downgrade(p), p.clone());
    let stale = move || p1.upgrade().is_none_or(|p| p.itimers.lock()[ITIMER_REAL].generation != generation);
    task::ktimer::arm(p, deadline, stale, move |deadline| {
        let next = {
            let mut timers = p2.itimers.lock();
            let t = &mut timers[ITIMER_REAL];
            if t.generation != generation {
                return None;
            }
            t.deadline = (t.interval > 0).then(|| forward(deadline, t.interval.max(MIN_PERIOD_NS), now_ns()).0);
            t.deadline
        };
        task::signal::send_to_process(&p2, SIGALRM);
        next
    });
}

#[cfg(test)]
mod tests {
    use task::ktimer::forward;

    #[test]
    fn a_late_timer_skips_the_periods_it_missed() {
        // Due at 100, every 10: on time, the next one; late, the first one after now (found by
        // the kernel fuzzer: a 1 us period fired one missed period at a time, for ever).
        assert_eq!(forward(100, 10, 100), (110, 0));
        assert_eq!(forward(100, 10, 105), (110, 0));
        assert_eq!(forward(100, 10, 110), (120, 1));
        assert_eq!(forward(100, 1, 1_000_000), (1_000_001, 999_900));
        assert_eq!(forward(u64::MAX - 5, 10, u64::MAX).0, u64::MAX, "saturates");
    }
}
