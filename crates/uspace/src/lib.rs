//! The life of a user thread, from its first entry into user mode to its end.
//!
//! [`thread::run`] is the loop every user thread runs: enter user mode, take the trap, run the
//! system call (most on the [`trap::FastPath`], from the trap entry itself), resolve a fault or
//! turn it into a signal, yield on a timer tick, deliver signals on the way back
//! ([`deliver`]), leave the address space before exec replaces it, and end the thread. The
//! kernel, `examples/simple-kernel` and host tests all run this one loop; what it needs from a
//! machine (page tables, the trap entry, the timer) is the [`thread::Machine`] trait, and the
//! registers are reached only through `hal::context`, the architecture seam.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod deliver;
#[cfg(not(target_os = "none"))]
pub mod testing;
pub mod thread;
pub mod trap;

pub use thread::{run, spawn, Machine};
pub use trap::{handle_user_trap, FastPath};
