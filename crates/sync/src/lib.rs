//! Locks and wait queues.
//!
//! The kernel runs one hart and kernel code is never preempted (interrupts are taken only from
//! user mode), so spin locks are never contended across an interrupt; they exist for `Sync` and
//! for SMP later. Blocking is always `.await` on a [`WaitQueue`]: a task registers its waker and
//! is not polled again until someone wakes the queue. [`ArcMutexGuard`] is a lock on an
//! `Arc<Mutex<T>>` that holds the `Arc` itself (this crate's one `unsafe` block).
#![no_std]

extern crate alloc;

mod arc_guard;
mod wait_queue;

pub use arc_guard::ArcMutexGuard;
pub use spin::{Lazy, Mutex, MutexGuard, Once, RwLock};
pub use wait_queue::WaitQueue;
