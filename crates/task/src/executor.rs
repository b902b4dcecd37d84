//! A small round-robin executor with a timer queue.
//!
//! Tasks are boxed futures; waking one puts it at the back of the run queue. Timers are a heap of
//! (deadline, waker). The kernel's idle loop programs the hardware timer for `next_deadline` and
//! waits for an interrupt; host tests use [`block_on`], which advances the virtual clock straight
//! to the next deadline when nothing can run, so sleeping costs no real time.
//!
//! On the machine there is one executor; on the host each test thread has its own.
use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::task::Wake;
use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::task::{Context, Poll, Waker};
use hal::unwind::Panicked;
use sync::Mutex;

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

pub struct Executor {
    queue: Mutex<VecDeque<Arc<Task>>>,
    /// Sleepers by (deadline, sequence number). A sleep that ends early (its task finished
    /// some other way, or was dropped) removes its entry, so cancelled timeouts cost nothing
    /// however far away their deadline was.
    timers: Mutex<BTreeMap<(u64, u64), Waker>>,
    /// The earliest deadline in `timers` (u64::MAX if none), kept up to date under its lock:
    /// the kernel reads it on every return to user mode without locking.
    earliest: AtomicU64,
    seq: AtomicU64,
}

/// What to do when a task's poll panics (panic isolation): it gets the panic's message, after
/// the task's future has been dropped.
pub type OnPanic = Box<dyn FnOnce(&Panicked) + Send>;

struct Task {
    future: Mutex<Option<BoxFuture>>,
    queued: AtomicBool,
    executor: Arc<Executor>,
    /// Tasks that run for one process (user threads, linked applications): their polls run
    /// under `hal::unwind::catch`. A panic in any other task stops the machine.
    isolated: bool,
    on_panic: Mutex<Option<OnPanic>>,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.executor.queue.lock().push_back(self.clone());
        }
    }
}

impl Executor {
    fn new() -> Arc<Executor> {
        Arc::new(Executor {
            queue: Mutex::new(VecDeque::new()),
            timers: Mutex::new(BTreeMap::new()),
            earliest: AtomicU64::new(u64::MAX),
            seq: AtomicU64::new(0),
        })
    }

    /// Record the earliest deadline of `timers` (whose lock the caller holds).
    fn set_earliest(&self, timers: &BTreeMap<(u64, u64), Waker>) {
        let d = timers.first_key_value().map_or(u64::MAX, |(&(d, _), _)| d);
        self.earliest.store(d, Ordering::Relaxed);
    }
}

/// Run `f` with the executor (without cloning its `Arc`).
#[cfg(target_os = "none")]
fn with_executor<R>(f: impl FnOnce(&Arc<Executor>) -> R) -> R {
    static EXEC: sync::Lazy<Arc<Executor>> = sync::Lazy::new(Executor::new);
    f(&EXEC)
}

#[cfg(not(target_os = "none"))]
std::thread_local! {
    static EXEC: Arc<Executor> = Executor::new();
}

#[cfg(not(target_os = "none"))]
fn with_executor<R>(f: impl FnOnce(&Arc<Executor>) -> R) -> R {
    EXEC.with(f)
}

/// [`with_executor`], or nothing while the host's thread-local executor is being destroyed
/// (its tasks are dropped then, and with them their sleeps).
#[cfg(target_os = "none")]
fn try_with_executor<R>(f: impl FnOnce(&Arc<Executor>) -> Option<R>) -> Option<R> {
    with_executor(f)
}

#[cfg(not(target_os = "none"))]
fn try_with_executor<R>(f: impl FnOnce(&Arc<Executor>) -> Option<R>) -> Option<R> {
    EXEC.try_with(f).ok().flatten()
}

fn executor() -> Arc<Executor> {
    with_executor(Arc::clone)
}

/// Run `future` as a new task.
pub fn spawn(future: impl Future<Output = ()> + Send + 'static) {
    spawn_task(Box::pin(future), None)
}

/// Run `future` as a new task whose panics end only the task: the panic unwinds to the
/// executor, the future is dropped (releasing what it held: locks, references, descriptors in
/// its frames) and `on_panic` runs with the message. For work done on behalf of one process,
/// whose `on_panic` ends that process (docs/ARCHITECTURE.md, "Panic isolation").
pub fn spawn_isolated(
    future: impl Future<Output = ()> + Send + 'static,
    on_panic: impl FnOnce(&Panicked) + Send + 'static,
) {
    spawn_task(Box::pin(future), Some(Box::new(on_panic)))
}

fn spawn_task(future: BoxFuture, on_panic: Option<OnPanic>) {
    let exec = executor();
    let task = Arc::new(Task {
        future: Mutex::new(Some(future)),
        queued: AtomicBool::new(true),
        executor: exec.clone(),
        isolated: on_panic.is_some(),
        on_panic: Mutex::new(on_panic),
    });
    exec.queue.lock().push_back(task);
}

/// Poll every runnable task once (tasks woken meanwhile run in the same call).
/// Returns how many polls were made: 0 means everything is blocked.
pub fn run_ready() -> usize {
    let exec = executor();
    let mut polls = 0;
    loop {
        let Some(task) = exec.queue.lock().pop_front() else { return polls };
        task.queued.store(false, Ordering::Release);
        let waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&waker);
        let mut slot = task.future.lock();
        let Some(fut) = slot.as_mut() else { continue };
        polls += 1;
        let polled = if task.isolated {
            hal::unwind::catch(|| fut.as_mut().poll(&mut cx))
        } else {
            Ok(fut.as_mut().poll(&mut cx))
        };
        match polled {
            Ok(Poll::Ready(())) => *slot = None,
            Ok(Poll::Pending) => {}
            Err(panicked) => {
                // The future's frames are gone; what it still owns goes now. A destructor
                // that panics as well only loses the rest of that future.
                let future = slot.take();
                drop(slot);
                let _ = hal::unwind::catch(move || drop(future));
                let on_panic = task.on_panic.lock().take();
                if let Some(on_panic) = on_panic {
                    on_panic(&panicked);
                }
            }
        }
    }
}

/// Whether any task is waiting to run.
pub fn has_ready() -> bool {
    with_executor(|exec| !exec.queue.lock().is_empty())
}

/// Let the other runnable tasks go first (used on a timer tick from user mode).
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

/// Sleep until the clock reads `deadline` (ns since boot).
pub fn sleep_until(deadline: u64) -> Sleep {
    // u64::MAX stands for "no timer" in `Executor::earliest`: 584 years after boot is as good.
    Sleep { deadline: deadline.min(u64::MAX - 1), key: None }
}

/// The future of [`sleep_until`]: its timer entry goes when it is dropped.
pub struct Sleep {
    deadline: u64,
    /// Its entry in the executor's timers, once armed.
    key: Option<(u64, u64)>,
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if hal::time::now_ns() >= self.deadline {
            return Poll::Ready(());
        }
        let deadline = self.deadline;
        // A waker replaced here is dropped after the lock is released: it may hold the last
        // reference to a task whose future holds another `Sleep`.
        let (key, _old) = with_executor(|exec| {
            let mut timers = exec.timers.lock();
            let key = match self.key {
                // Still queued: keep the entry, with the latest waker.
                Some(key) if timers.contains_key(&key) => key,
                // Fired early (the clock was read before it advanced) or never armed.
                _ => (deadline, exec.seq.fetch_add(1, Ordering::Relaxed)),
            };
            let old = match timers.get_mut(&key) {
                Some(w) if w.will_wake(cx.waker()) => None,
                Some(w) => Some(core::mem::replace(w, cx.waker().clone())),
                None => timers.insert(key, cx.waker().clone()),
            };
            exec.set_earliest(&timers);
            (key, old)
        });
        self.key = Some(key);
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            // The removed waker is dropped after the lock is released (see `poll`).
            let _waker = try_with_executor(|exec| {
                let mut timers = exec.timers.lock();
                let w = timers.remove(&key);
                exec.set_earliest(&timers);
                w
            });
        }
    }
}

/// Run `fut` until it finishes (`Some`) or the clock reaches `deadline` (`None`); without a
/// deadline, just run it.
pub async fn with_deadline<F: Future>(deadline: Option<u64>, fut: F) -> Option<F::Output> {
    let mut fut = core::pin::pin!(fut);
    let mut sleep = core::pin::pin!(deadline.map(sleep_until));
    poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        match sleep.as_mut().as_pin_mut().map(|s| s.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(None),
            _ => Poll::Pending,
        }
    })
    .await
}

/// Wake every sleeper whose deadline is at or before `now`.
pub fn fire_timers(now: u64) {
    if next_deadline().is_none_or(|d| d > now) {
        return;
    }
    let exec = executor();
    loop {
        let w = {
            let mut timers = exec.timers.lock();
            let w = match timers.first_entry() {
                Some(e) if e.key().0 <= now => Some(e.remove()),
                _ => None,
            };
            exec.set_earliest(&timers);
            w
        };
        match w {
            Some(w) => w.wake(),
            None => return,
        }
    }
}

/// How many sleeps are armed (for tests and statistics: cancelled ones are not counted).
pub fn armed_timers() -> usize {
    with_executor(|exec| exec.timers.lock().len())
}

/// The earliest pending deadline: one atomic load.
pub fn next_deadline() -> Option<u64> {
    let d = with_executor(|exec| exec.earliest.load(Ordering::Relaxed));
    (d != u64::MAX).then_some(d)
}

/// Host tests: drive `future` (and every task it wakes) to completion. When nothing can run, the
/// virtual clock jumps to the next timer; if there is none, the future can never finish and the
/// test fails with a deadlock message rather than hanging.
#[cfg(not(target_os = "none"))]
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::Release)
        }
    }
    let flag = Arc::new(Flag(AtomicBool::new(true)));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = core::pin::pin!(future);
    loop {
        if flag.0.swap(false, Ordering::AcqRel) {
            if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
                return v;
            }
        }
        if run_ready() > 0 || flag.0.load(Ordering::Acquire) {
            continue;
        }
        match next_deadline() {
            Some(d) => {
                hal::time::advance_to(d);
                fire_timers(d);
            }
            None => panic!("block_on: deadlock (the future waits and nothing can wake it)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::AtomicUsize;

    #[test]
    fn tasks_run_round_robin_and_sleep_in_virtual_time() {
        static ORDER: Mutex<alloc::vec::Vec<u32>> = Mutex::new(alloc::vec::Vec::new());
        let start = hal::time::now_ns();
        for id in 0..2u32 {
            spawn(async move {
                for _ in 0..2 {
                    ORDER.lock().push(id);
                    yield_now().await;
                }
            });
        }
        let done = Arc::new(AtomicUsize::new(0));
        let d = done.clone();
        block_on(async move {
            sleep_until(start + 5_000_000).await;
            d.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(*ORDER.lock(), [0, 1, 0, 1]);
        assert_eq!(done.load(Ordering::Relaxed), 1);
        assert_eq!(hal::time::now_ns(), start + 5_000_000);
    }
}
