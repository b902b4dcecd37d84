//! setitimer(2) and getitimer(2) (alarm(3) is setitimer(ITIMER_REAL) in glibc).
//!
//! ITIMER_REAL counts real time: arming it starts an executor task that sleeps until the
//! deadline and sends the process SIGALRM (then sleeps for the next interval, if any). The
//! timer's generation number tells an older task that it was re-armed or cancelled meanwhile,
//! and both a new setting and the end of the process wake the task so that it ends at once. ITIMER_VIRTUAL and ITIMER_PROF are kept and read
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
    // Linux saturates (timeval_to_ktime): a timer set centuries ahead simply never fires.
    Ok((tv.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(tv.tv_usec as u64 * 1000))
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
    // The task of the previous setting, if any, ends now rather than at its deadline.
    p.itimer_queue.wake_all();
    if let (ITIMER_REAL, Some((deadline, generation))) = (which, armed) {
        // Work for this process: a panic in it ends the process, not the kernel.
        let target = p.clone();
        task::executor::spawn_isolated(run_real_timer(p.clone(), deadline, generation), move |panic| {
            log::error!(
                "pid {}: kernel panic in its interval timer: {panic}; the process is killed (SIGSEGV)",
                target.pid
            );
            target.exit(task::process::ExitStatus::Signaled(abi::signal::SIGSEGV));
        });
    }
    if let Some(o) = old.nonnull() {
        o.write(&mut cx.mm(), &previous)?;
    }
    Ok(())
}

/// The shortest period a timer repeats with: 100 us. Linux re-arms ITIMER_REAL only when the
/// last SIGALRM is taken, so a shorter period cannot flood it either; here the timer is a task
/// of the executor, which must leave the hart to the program between firings (the kernel
/// fuzzer's 1 us period left it nothing). getitimer still reports the period that was set.
const MIN_PERIOD_NS: u64 = 100_000;

/// The first deadline after `now` of a timer that was due at `deadline` and repeats every
/// `interval` (> 0) ns.
fn forward(deadline: u64, interval: u64, now: u64) -> u64 {
    let missed = now.saturating_sub(deadline) / interval;
    deadline.saturating_add(interval.saturating_mul(missed + 1))
}

/// The task behind an armed ITIMER_REAL. It ends when the timer is set again or disarmed (the
/// setter wakes `itimer_queue`) or the process ends (so does its end), never later.
async fn run_real_timer(p: Arc<Process>, mut deadline: u64, generation: u64) {
    let stale = || (p.is_exiting() || p.itimers.lock()[ITIMER_REAL].generation != generation).then_some(());
    loop {
        if task::executor::with_deadline(Some(deadline), p.itimer_queue.wait_until(stale)).await.is_some() {
            return;
        }
        let next = {
            let mut timers = p.itimers.lock();
            let t = &mut timers[ITIMER_REAL];
            if t.generation != generation {
                return;
            }
            // Periods already over are skipped, not fired one by one (Linux forwards the timer
            // past them): a period shorter than the time it takes to fire cannot starve the
            // machine.
            t.deadline = (t.interval > 0).then(|| forward(deadline, t.interval.max(MIN_PERIOD_NS), now_ns()));
            t.deadline
        };
        task::signal::send_to_process(&p, SIGALRM);
        match next {
            Some(d) => deadline = d,
            None => return,
        }
        // Firing takes time: with a period shorter than that, the next deadline has passed
        // already and the loop would never give the hart back (the kernel fuzzer's 1 us timer).
        // Then everyone else runs before the next firing.
        if deadline <= now_ns() {
            task::executor::yield_now().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::forward;

    #[test]
    fn a_late_timer_skips_the_periods_it_missed() {
        // Due at 100, every 10: on time, the next one; late, the first one after now (found by
        // the kernel fuzzer: a 1 us period fired one missed period at a time, for ever).
        assert_eq!(forward(100, 10, 100), 110);
        assert_eq!(forward(100, 10, 105), 110);
        assert_eq!(forward(100, 10, 110), 120);
        assert_eq!(forward(100, 1, 1_000_000), 1_000_001);
        assert_eq!(forward(u64::MAX - 5, 10, u64::MAX), u64::MAX, "saturates");
    }
}
