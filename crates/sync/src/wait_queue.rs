use alloc::vec::Vec;
use core::future::poll_fn;
use core::task::{Poll, Waker};
use spin::Mutex;

/// A set of tasks waiting for some condition to change.
#[derive(Default)]
pub struct WaitQueue {
    waiters: Mutex<Vec<Waker>>,
}

impl WaitQueue {
    pub const fn new() -> Self {
        WaitQueue { waiters: Mutex::new(Vec::new()) }
    }

    /// Wait until `ready()` yields a value. `ready` is re-evaluated only after a wake-up of this
    /// queue, never in a loop: between wake-ups the task is not polled at all.
    pub async fn wait_until<T>(&self, mut ready: impl FnMut() -> Option<T>) -> T {
        poll_fn(|cx| match ready() {
            Some(v) => Poll::Ready(v),
            None => {
                self.register(cx.waker());
                Poll::Pending
            }
        })
        .await
    }

    /// Add a waker (used by futures that wait on several queues at once).
    pub fn register(&self, waker: &Waker) {
        let mut w = self.waiters.lock();
        if !w.iter().any(|x| x.will_wake(waker)) {
            w.push(waker.clone());
        }
    }

    /// Wake every waiter; each re-checks its own condition.
    pub fn wake_all(&self) {
        let waiters = core::mem::take(&mut *self.waiters.lock());
        for w in waiters {
            w.wake();
        }
    }

    pub fn len(&self) -> usize {
        self.waiters.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
