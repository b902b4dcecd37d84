//! riscv64 (QEMU `virt`, S-mode under OpenSBI): the machine side of the HAL.
//!
//! * [`trap`]: entering user mode and coming back on a trap ([`run_user`]), user FP state, and the
//!   fatal path for a trap taken in the kernel.
//! * [`sbi`]: console bytes through the SBI firmware, with a one-byte-ahead input buffer.
//! * [`timer`]: the `time` CSR as nanoseconds since boot, and the one-shot supervisor timer.
//! * [`mmu`]: which page table is live (`satp`).
//! * [`power`]: powering off with an exit code QEMU passes on.
//! * [`plic`]: the interrupt controller: device interrupts claimed and completed.
//!
//! The kernel runs with `sstatus.SIE = 0`: interrupts are taken only while user code runs, so
//! kernel code is never interrupted and a trap from S-mode is always a kernel bug.
//! `unsafe` here is limited to inline assembly and MMIO, each in a small commented block.

mod cause;
pub mod csr;
pub mod mmu;
pub mod plic;
pub mod power;
pub mod sbi;
pub mod timer;
pub mod trap;

pub use cause::decode as decode_trap;
pub use trap::{run_user, run_user_fast};

// The kernel's memcpy and memset (see the file): strong symbols, so they win over compiler_builtins' weak ones.
core::arch::global_asm!(include_str!("mem.S"));
