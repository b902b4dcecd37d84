//! POSIX per-process timers (timer_create): their state and how they expire. The syscalls are
//! in `syscalls::posix_timer`.
//!
//! A timer on a real-time clock is armed with the shared timer task of [`crate::ktimer`]; one on
//! a CPU-time clock fires from [`crate::ktimer::account`] when the CPU time passes its deadline.
//! Expiring sends the timer's signal (`si_code` SI_TIMER) unless the signal of an earlier
//! expiration is still queued: then the expiration is counted as an overrun instead, as are the
//! periods that passed unseen. Delivering the signal (`crate::signal::dequeue`) moves the count
//! into its `si_overrun` and makes it what timer_getoverrun reports, as Linux does.
use crate::ktimer::{forward, MIN_PERIOD_NS};
use crate::process::{Process, Thread};
use abi::signal::*;
use abi::SysResult;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

/// The most timers a process may have (Linux charges each to RLIMIT_SIGPENDING; beyond it or
/// this bound: EAGAIN).
pub const MAX_TIMERS: usize = 4096;

/// The timeline a timer's deadline is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerClock {
    /// Boot ns (the real-time clocks are converted to it when the timer is set).
    Boot,
    /// The process's CPU time.
    ProcessCpu,
    /// The CPU time of the thread that created the timer.
    ThreadCpu,
}

pub struct PosixTimer {
    /// The clock id it was created with (for absolute times on a real-time clock).
    pub clockid: usize,
    pub clock: TimerClock,
    /// SIGEV_SIGNAL (SIGEV_THREAD is the same for the kernel), SIGEV_NONE or SIGEV_THREAD_ID.
    pub notify: i32,
    pub signo: usize,
    pub sigval: u64,
    /// SIGEV_THREAD_ID's thread.
    pub target: Option<Weak<Thread>>,
    /// The thread whose CPU time a ThreadCpu timer counts.
    pub owner: Weak<Thread>,
    /// The next expiration on its timeline; `None`: disarmed.
    pub deadline: Option<u64>,
    pub interval: u64,
    /// Bumped by every setting: the signal and the task of an older one are stale.
    pub generation: u64,
    /// Overruns since the last signal was delivered.
    pub overrun: u64,
    /// What timer_getoverrun reports: the overruns of the last delivered signal.
    pub overrun_last: i32,
}

impl PosixTimer {
    /// Its clock's value now, on its timeline.
    pub fn now(&self, p: &Process) -> u64 {
        match self.clock {
            TimerClock::Boot => hal::time::now_ns(),
            TimerClock::ProcessCpu => process_cpu_ns(p),
            TimerClock::ThreadCpu => self.owner.upgrade().map_or(0, |t| t.cpu_ns.load(Ordering::Relaxed)),
        }
    }

    /// The time left until the next expiration (0: disarmed) at `now`.
    pub fn remaining(&self, now: u64) -> u64 {
        match self.deadline {
            None => 0,
            Some(d) if d > now => d - now,
            Some(d) if self.interval > 0 => forward(d, self.interval, now).0 - now,
            // Expired (SIGEV_NONE, or its signal is on its way): nothing left.
            Some(_) => 0,
        }
    }

    fn siginfo(&self, id: i32) -> SigInfo {
        let mut s = SigInfo { signo: self.signo as i32, code: SI_TIMER, ..SigInfo::default() };
        s.fields[0] = id as u32 as u64;
        s.fields[1] = self.sigval;
        // si_sys_private: which setting sent it (cleared before the program sees it).
        s.fields[2] = self.generation;
        s
    }
}

/// The CPU time of the process (its threads' time in user mode and in the kernel).
pub fn process_cpu_ns(p: &Process) -> u64 {
    p.user_ns.load(Ordering::Relaxed) + p.system_ns.load(Ordering::Relaxed)
}

#[derive(Default)]
pub struct PosixTimers {
    pub timers: BTreeMap<i32, PosixTimer>,
    next_id: i32,
}

impl PosixTimers {
    /// Add a timer under the next free id (ids start at 0 and grow, as Linux's; EAGAIN beyond
    /// `limit` timers).
    pub fn insert(&mut self, limit: usize, make: impl FnOnce(i32) -> PosixTimer) -> SysResult<i32> {
        if self.timers.len() >= limit.min(MAX_TIMERS) {
            return Err(abi::Errno::EAGAIN);
        }
        let mut id = self.next_id;
        while self.timers.contains_key(&id) {
            id = id.checked_add(1).unwrap_or(0);
        }
        self.next_id = id.checked_add(1).unwrap_or(0);
        self.timers.insert(id, make(id));
        Ok(id)
    }
}

/// Delete every timer of `p` (execve, exit): their tasks end.
pub fn delete_all(p: &Process) {
    core::mem::take(&mut p.posix_timers.lock().timers);
    p.itimer_queue.wake_all();
    update_cpu_deadline(p);
}

/// Arm the timer task for timer `id` (setting `generation`) of a real-time clock.
pub fn arm_real(p: &Arc<Process>, id: i32, generation: u64, deadline: u64) {
    let (p1, p2) = (Arc::downgrade(p), p.clone());
    let stale = move || {
        p1.upgrade().is_none_or(|p| p.posix_timers.lock().timers.get(&id).is_none_or(|t| t.generation != generation))
    };
    crate::ktimer::arm(p, deadline, stale, move |_| {
        let now = hal::time::now_ns();
        expire(&p2, id, generation, now).map(|next| next.max(now.saturating_add(MIN_PERIOD_NS)))
    });
}

/// Timer `id` (setting `generation`) of `p` may be due at `now` (on its timeline): count the
/// expirations, send the signal or count an overrun, move the deadline on. Returns the next
/// deadline (`None`: disarmed, deleted or set again).
pub fn expire(p: &Arc<Process>, id: i32, generation: u64, now: u64) -> Option<u64> {
    let (info, target, next) = {
        let mut timers = p.posix_timers.lock();
        let t = timers.timers.get_mut(&id).filter(|t| t.generation == generation)?;
        let d = t.deadline?;
        if now < d {
            return Some(d);
        }
        let (next, missed) = match t.interval {
            0 => (None, 0),
            i => {
                let (n, m) = forward(d, i, now);
                (Some(n), m)
            }
        };
        t.deadline = next;
        t.overrun = t.overrun.saturating_add(missed);
        if t.notify == SIGEV_NONE {
            return next;
        }
        (t.siginfo(id), t.target.clone(), next)
    };
    let target = match target {
        Some(w) => match w.upgrade() {
            Some(t) => Some(t),
            None => return next, // its thread has ended: nobody to tell
        },
        None => None,
    };
    let count_overrun = |p: &Process| {
        if let Some(t) = p.posix_timers.lock().timers.get_mut(&id).filter(|t| t.generation == generation) {
            t.overrun = t.overrun.saturating_add(1);
        }
    };
    if crate::signal::timer_signal_queued(p, target.as_ref(), id) {
        count_overrun(p);
        return next;
    }
    match &target {
        Some(t) => crate::signal::send_to_thread_info(t, info),
        None => crate::signal::send_to_process_info(p, info),
    }
    if !crate::signal::timer_signal_queued(p, target.as_ref(), id) {
        // Ignored (or a standard signal already pending): nothing to report overruns with.
        if let Some(t) = p.posix_timers.lock().timers.get_mut(&id).filter(|t| t.generation == generation) {
            t.overrun = 0;
        }
    }
    next
}

/// The signal of a timer is being delivered: its `si_overrun` gets the overruns counted since
/// it was sent (at most INT_MAX), which timer_getoverrun then reports.
pub fn delivered(p: &Process, info: &mut SigInfo) {
    let id = info.fields[0] as u32 as i32;
    let generation = core::mem::take(&mut info.fields[2]);
    let mut timers = p.posix_timers.lock();
    let Some(t) = timers.timers.get_mut(&id).filter(|t| t.generation == generation) else { return };
    let overrun = t.overrun.min(i32::MAX as u64) as i32;
    t.overrun = 0;
    t.overrun_last = overrun;
    info.fields[0] = (id as u32 as u64) | ((overrun as u32 as u64) << 32);
}

/// Recompute the earliest CPU-time deadline of `p` (interval timers and POSIX timers).
pub fn update_cpu_deadline(p: &Process) {
    let itimers = {
        let it = p.itimers.lock();
        [it[1].deadline, it[2].deadline].into_iter().flatten().min()
    };
    let posix = p
        .posix_timers
        .lock()
        .timers
        .values()
        .filter(|t| t.clock != TimerClock::Boot && t.notify != SIGEV_NONE)
        .filter_map(|t| t.deadline)
        .min();
    let next = itimers.into_iter().chain(posix).chain(cpu_limit_deadline(p)).min().unwrap_or(u64::MAX);
    p.cpu_timer_next.store(next, Ordering::Relaxed);
}

/// When RLIMIT_CPU's soft limit (seconds of CPU time) is reached, if it is finite.
fn cpu_limit_deadline(p: &Process) -> Option<u64> {
    let lim = p.rlimits.lock()[abi::flags::RLIMIT_CPU];
    (lim.cur != abi::flags::RLIM_INFINITY).then(|| lim.cur.saturating_mul(1_000_000_000))
}

/// RLIMIT_CPU (Linux's check_process_timers): at the hard limit SIGKILL; at the soft limit
/// SIGXCPU, and the soft limit moves one second on (while below the hard one), so that the
/// signal comes again every second of CPU time.
fn enforce_cpu_limit(p: &Arc<Process>, now: u64) {
    let sig = {
        let mut limits = p.rlimits.lock();
        let lim = &mut limits[abi::flags::RLIMIT_CPU];
        let secs = now / 1_000_000_000;
        if lim.cur == abi::flags::RLIM_INFINITY || secs < lim.cur {
            return;
        }
        if lim.max != abi::flags::RLIM_INFINITY && secs >= lim.max {
            SIGKILL
        } else {
            if lim.cur < lim.max {
                lim.cur += 1;
            }
            SIGXCPU
        }
    };
    crate::signal::send_to_process(p, sig);
}

/// Fire the CPU-time timers of `p` that are due: ITIMER_VIRTUAL (SIGVTALRM) and ITIMER_PROF
/// (SIGPROF), which count the process's CPU time (all of it is charged as user time), and the
/// POSIX timers on the CPU clocks; and RLIMIT_CPU.
pub fn run_cpu_timers(p: &Arc<Process>) {
    let now = process_cpu_ns(p);
    enforce_cpu_limit(p, now);
    let mut signals = Vec::new();
    {
        let mut it = p.itimers.lock();
        for (which, sig) in [(1, SIGVTALRM), (2, SIGPROF)] {
            let t = &mut it[which];
            if let Some(d) = t.deadline.filter(|&d| d <= now) {
                t.deadline = (t.interval > 0).then(|| forward(d, t.interval, now).0);
                signals.push(sig);
            }
        }
    }
    for sig in signals {
        crate::signal::send_to_process(p, sig);
    }
    let due: Vec<(i32, u64, u64)> = p
        .posix_timers
        .lock()
        .timers
        .iter()
        .filter(|(_, t)| t.clock != TimerClock::Boot)
        .filter_map(|(&id, t)| {
            let now = t.now(p);
            t.deadline.filter(|&d| d <= now).map(|_| (id, t.generation, now))
        })
        .collect();
    for (id, generation, now) in due {
        expire(p, id, generation, now);
    }
    update_cpu_deadline(p);
}
