//! Processes and threads, signals, futexes, and the executor that runs them.
//!
//! A user thread is a future (built by the kernel crate): enter user mode, come back on a trap,
//! handle it, repeat. The executor here runs such futures round-robin; blocking syscalls park
//! their future on a wait queue or on the timer queue until woken.
//!
//! New threads (clone, fork) are handed to the thread spawner: the kernel registers its own
//! with [`set_thread_spawner`] at boot, which runs the thread's future; on the host nothing is
//! registered and [`spawn_thread`] records the thread for the test to pick up with
//! [`take_spawned`].
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(not(target_os = "none"))]
extern crate std;

pub mod cred;
pub mod executor;
pub mod fd_table;
pub mod futex;
pub mod jobctl;
pub mod ktimer;
pub mod limits;
pub mod mqueue;
pub mod oom;
pub mod pidfd;
pub mod posix_timer;
pub mod prctl;
pub mod process;
pub mod random;
pub mod shared;
pub mod signal;
pub mod signalfd;
pub mod timerfd;
pub mod uts;

pub use cred::Cred;
pub use fd_table::FdTable;
pub use process::{Pid, Process, Thread};

use alloc::sync::Arc;

static SPAWNER: sync::Once<fn(Arc<Thread>)> = sync::Once::new();

/// Register the function that starts new threads (the kernel's scheduler). Once, at boot.
pub fn set_thread_spawner(spawner: fn(Arc<Thread>)) {
    SPAWNER.call_once(|| spawner);
}

/// Start running `thread` (a clone or fork child).
pub fn spawn_thread(thread: Arc<Thread>) {
    match SPAWNER.get() {
        Some(spawn) => spawn(thread),
        None => record_spawn(thread),
    }
}

#[cfg(not(target_os = "none"))]
std::thread_local! {
    static SPAWNED: core::cell::RefCell<alloc::vec::Vec<Arc<Thread>>> = const { core::cell::RefCell::new(alloc::vec::Vec::new()) };
}

#[cfg(not(target_os = "none"))]
fn record_spawn(thread: Arc<Thread>) {
    SPAWNED.with(|s| s.borrow_mut().push(thread));
}

#[cfg(target_os = "none")]
fn record_spawn(thread: Arc<Thread>) {
    log::error!("thread {} created before a thread spawner was registered", thread.tid());
}

/// Host tests: the threads spawned on this test thread since the last call, oldest first.
#[cfg(not(target_os = "none"))]
pub fn take_spawned() -> alloc::vec::Vec<Arc<Thread>> {
    SPAWNED.with(|s| core::mem::take(&mut *s.borrow_mut()))
}
