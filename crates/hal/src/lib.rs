//! Hardware abstraction layer.
//!
//! Everything above this crate is architecture-neutral. Each facility has two implementations:
//! the real one (`target_os = "none"`, riscv64 under QEMU) and the host one used by `cargo test`,
//! which captures console output per test thread and runs a virtual clock that only moves when
//! the executor has nothing to run (so time-dependent tests are deterministic).
#![no_std]
// `PanicInfo::can_unwind` (hal::unwind); kernel builds run with RUSTC_BOOTSTRAP=1.
#![cfg_attr(target_os = "none", feature(panic_can_unwind))]

#[cfg(target_os = "none")]
extern crate alloc;
#[cfg(not(target_os = "none"))]
extern crate std;

pub mod console;
pub mod context;
pub mod mem;
pub mod time;
pub mod unwind;

#[cfg(all(target_os = "none", target_arch = "riscv64"))]
pub mod riscv64;

/// True when compiled for the real machine rather than for host tests.
pub const BARE_METAL: bool = cfg!(target_os = "none");
