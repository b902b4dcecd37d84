//! The one mechanism that makes a process's timers fire on real time: ITIMER_REAL (setitimer)
//! and the POSIX timers on the real-time clocks (timer_create) both arm it.
//!
//! Arming starts an executor task that sleeps until the deadline, then calls the timer's `tick`
//! (which sends the signal and says when to fire next, if ever) and sleeps again. The owner
//! bumps a generation number (kept in its own state) whenever it sets or deletes the timer,
//! and wakes the process's `itimer_queue`: the task of the old setting sees that it is `stale`
//! and ends at once, as it does when the process ends. A panic in the task ends the process,
//! not the kernel.
//!
//! CPU-time timers cannot sleep on a clock: [`account`] runs them each time a thread comes
//! back from user mode (at the latest at the next timer interrupt), firing those whose deadline
//! the CPU time has passed.
use crate::process::{ExitStatus, Process, Thread};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// The shortest period a timer repeats with: 100 us. Linux re-arms ITIMER_REAL only when the
/// last SIGALRM is taken, so a shorter period cannot flood it either; here the timer is a task
/// of the executor, which must leave the hart to the program between firings (the kernel
/// fuzzer's 1 us period left it nothing). The timers still report the period that was set.
pub const MIN_PERIOD_NS: u64 = 100_000;

/// The first deadline after `now` of a timer that was due at `deadline` and repeats every
/// `interval` (> 0) ns, and how many periods were missed in between (Linux's overruns).
pub fn forward(deadline: u64, interval: u64, now: u64) -> (u64, u64) {
    let missed = now.saturating_sub(deadline) / interval;
    (deadline.saturating_add(interval.saturating_mul(missed + 1)), missed)
}

/// Start the task of a timer of `p` due at `deadline` (boot ns). `stale()` says the setting it
/// was armed for is gone; `tick(deadline)` fires the timer that was due at `deadline` and
/// returns the next deadline (`None`: done).
pub fn arm(
    p: &Arc<Process>,
    deadline: u64,
    stale: impl Fn() -> bool + Send + Sync + 'static,
    tick: impl FnMut(u64) -> Option<u64> + Send + 'static,
) {
    let target = p.clone();
    crate::executor::spawn_isolated(run(p.clone(), deadline, stale, tick), move |panic| {
        log::error!("pid {}: kernel panic in one of its timers: {panic}; the process is killed (SIGSEGV)", target.pid);
        target.exit(ExitStatus::Signaled(abi::signal::SIGSEGV));
    });
}

async fn run(p: Arc<Process>, mut deadline: u64, stale: impl Fn() -> bool, mut tick: impl FnMut(u64) -> Option<u64>) {
    let ended = || (p.is_exiting() || stale()).then_some(());
    loop {
        if crate::executor::with_deadline(Some(deadline), p.itimer_queue.wait_until(ended)).await.is_some() {
            return;
        }
        if ended().is_some() {
            return;
        }
        match tick(deadline) {
            Some(d) => deadline = d,
            None => return,
        }
        // Firing takes time: with a period shorter than that, the next deadline has passed
        // already and the loop would never give the hart back. Then everyone else runs first.
        if deadline <= hal::time::now_ns() {
            crate::executor::yield_now().await;
        }
    }
}

/// `t` ran `ns` in user mode: charge it to the thread's and the process's CPU clocks, and fire
/// the CPU-time timers that are due.
pub fn account(t: &Arc<Thread>, ns: u64) {
    let p = &t.process;
    t.cpu_ns.fetch_add(ns, Ordering::Relaxed);
    let total = p.user_ns.fetch_add(ns, Ordering::Relaxed) + ns;
    // A thread's clock can be due while the process's total is below the earliest deadline
    // only if the earliest is a thread clock's, whose value is at most the total: compare
    // against the total, which bounds every clock of the process.
    if total + p.system_ns.load(Ordering::Relaxed) >= p.cpu_timer_next.load(Ordering::Relaxed) {
        crate::posix_timer::run_cpu_timers(p);
    }
}
