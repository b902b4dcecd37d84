//! timerfd: a timer as a file, read as the number of expirations since the last read.
//!
//! The expirations are computed from the clock whenever the file is read or polled, so they are
//! exact however late anyone looks. What needs a task is waking those who wait (a blocking
//! read, poll, epoll) when the timer expires: every timerfd has one executor task that sleeps
//! until the deadline (or until the timer is set again) and then wakes the file's queue. It
//! wakes at most every [`MIN_WAKE_NS`]: a 1 ns interval cannot keep the machine busy, its
//! readers still count every expiration. The task ends when the file is closed.
use crate::executor;
use abi::events::ItimerSpec;
use abi::flags::{PollEvents, CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME};
use abi::structs::{Stat, Timespec};
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use fs::inode::{FileKind, Inode};
use fs::meta::{anon_stat, next_ino};
use sync::{Mutex, WaitQueue};

/// The shortest time between two wake-ups of a timerfd's waiters (a deliberate floor, as for
/// ITIMER_REAL: the expiration count itself is exact).
pub const MIN_WAKE_NS: u64 = 100_000;

/// The clocks a timerfd can follow (the `*_ALARM` ones would need a wake-up alarm: EINVAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    Realtime,
    Monotonic,
    /// No suspend here: the same as Monotonic.
    Boottime,
}

impl Clock {
    pub fn from_id(id: usize) -> SysResult<Clock> {
        match id {
            CLOCK_REALTIME => Ok(Clock::Realtime),
            CLOCK_MONOTONIC => Ok(Clock::Monotonic),
            CLOCK_BOOTTIME => Ok(Clock::Boottime),
            _ => Err(Errno::EINVAL),
        }
    }

    /// What this clock reads when the monotonic clock reads 0 (its offset).
    fn offset(self) -> u64 {
        match self {
            Clock::Realtime => hal::time::boot_epoch_ns(),
            Clock::Monotonic | Clock::Boottime => 0,
        }
    }
}

#[derive(Default)]
struct State {
    /// The next expiration, on the monotonic clock; `None`: disarmed.
    deadline: Option<u64>,
    interval: u64,
    /// Expirations not read yet.
    expirations: u64,
    /// Bumped by every settime: the task starts over.
    generation: u64,
    closed: bool,
}

impl State {
    /// Count the expirations up to `now` and move the deadline past it.
    fn update(&mut self, now: u64) {
        let Some(d) = self.deadline else { return };
        if now < d {
            return;
        }
        match (now - d).checked_div(self.interval) {
            // One-shot.
            None => {
                self.expirations = self.expirations.saturating_add(1);
                self.deadline = None;
            }
            Some(missed) => {
                self.expirations = self.expirations.saturating_add(missed + 1);
                self.deadline = d.checked_add((missed + 1).saturating_mul(self.interval));
            }
        }
    }
}

struct Shared {
    state: Mutex<State>,
    /// Readers and pollers.
    readers: WaitQueue,
    /// The timer task: settime and close.
    task: WaitQueue,
}

/// The timerfd behind `file`, if it is one.
pub fn as_timerfd(file: &fs::File) -> Option<&TimerFd> {
    file.inode().as_any()?.downcast_ref::<TimerFd>()
}

pub struct TimerFd {
    shared: Arc<Shared>,
    clock: Clock,
    ino: u64,
}

/// The timer task of one timerfd: sleep until its deadline (at least [`MIN_WAKE_NS`] after the
/// last wake-up), wake the readers; start over when the timer is set; end when the file is.
async fn run(shared: Arc<Shared>) {
    let mut last_wake = 0u64;
    loop {
        let (generation, deadline) = {
            let s = shared.state.lock();
            if s.closed {
                return;
            }
            (s.generation, s.deadline)
        };
        let changed = shared.task.wait_until(|| {
            let s = shared.state.lock();
            (s.closed || s.generation != generation).then_some(())
        });
        let at = deadline.map(|d| d.max(last_wake.saturating_add(MIN_WAKE_NS)));
        if executor::with_deadline(at, changed).await.is_none() {
            // The deadline passed: count, move the deadline on, wake whoever waits.
            last_wake = hal::time::now_ns();
            shared.state.lock().update(last_wake);
            shared.readers.wake_all();
        }
    }
}

impl TimerFd {
    pub fn new(clock: Clock) -> Arc<TimerFd> {
        let shared =
            Arc::new(Shared { state: Mutex::new(State::default()), readers: WaitQueue::new(), task: WaitQueue::new() });
        executor::spawn(run(shared.clone()));
        Arc::new(TimerFd { shared, clock, ino: next_ino() })
    }

    /// The time left and the interval, as timerfd_gettime reports them.
    pub fn get(&self) -> ItimerSpec {
        let now = hal::time::now_ns();
        let mut s = self.shared.state.lock();
        s.update(now);
        ItimerSpec {
            interval: Timespec::from_nanos(s.interval),
            value: Timespec::from_nanos(s.deadline.map_or(0, |d| d - now)),
        }
    }

    /// timerfd_settime: arm (a zero value disarms) for `new.value` from now, or at that time
    /// of the file's clock with `absolute`, repeating every `new.interval`; the expirations not
    /// read are dropped. Returns the setting it replaces. EINVAL for a bad timespec.
    pub fn set(&self, new: &ItimerSpec, absolute: bool) -> SysResult<ItimerSpec> {
        let value = new.value.to_nanos().ok_or(Errno::EINVAL)?;
        let interval = new.interval.to_nanos().ok_or(Errno::EINVAL)?;
        let old = self.get();
        let now = hal::time::now_ns();
        let deadline = match (value, absolute) {
            (0, _) => None,
            (v, false) => Some(now.saturating_add(v)),
            // An absolute time of the file's clock, on the monotonic one (past: expired).
            (v, true) => Some(v.saturating_sub(self.clock.offset())),
        };
        {
            let mut s = self.shared.state.lock();
            s.deadline = deadline;
            s.interval = interval;
            s.expirations = 0;
            s.generation += 1;
            s.update(now);
        }
        self.shared.task.wake_all();
        self.shared.readers.wake_all();
        Ok(old)
    }
}

impl Drop for TimerFd {
    fn drop(&mut self) {
        self.shared.state.lock().closed = true;
        self.shared.task.wake_all();
    }
}

impl Inode for TimerFd {
    fn kind(&self) -> FileKind {
        FileKind::Anon
    }
    fn stat(&self) -> Stat {
        anon_stat(self.ino)
    }
    fn seekable(&self) -> bool {
        false
    }
    fn mappable(&self) -> bool {
        false
    }
    /// The expirations since the last read, as 8 bytes; EAGAIN if none yet.
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let mut s = self.shared.state.lock();
        s.update(hal::time::now_ns());
        if s.expirations == 0 {
            return Err(Errno::EAGAIN);
        }
        buf[..8].copy_from_slice(&core::mem::take(&mut s.expirations).to_ne_bytes());
        Ok(8)
    }
    fn poll(&self) -> PollEvents {
        let mut s = self.shared.state.lock();
        s.update(hal::time::now_ns());
        if s.expirations > 0 {
            PollEvents::IN | PollEvents::RDNORM
        } else {
            PollEvents::empty()
        }
    }
    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.shared.readers)
    }
    fn fsync(&self) -> SysResult<()> {
        Err(Errno::EINVAL)
    }
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }
}
