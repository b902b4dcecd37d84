//! Processes and threads, and the executor that runs them.
//!
//! A user thread is a future (built by the kernel crate): enter user mode, come back on a trap,
//! handle it, repeat. The executor here runs such futures round-robin; blocking syscalls park
//! their future on a wait queue or on the timer queue until woken.
#![no_std]

extern crate alloc;
#[cfg(not(target_os = "none"))]
extern crate std;

pub mod executor;
pub mod fd_table;
pub mod process;
pub mod random;

pub use fd_table::FdTable;
pub use process::{Pid, Process, Thread};
