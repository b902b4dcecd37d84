//! The BakaEx kernel's machine-independent logic, kept here so the host runs its tests:
//! boot-argument parsing ([`bootargs`]), the boot page table and the physical-memory plan
//! ([`layout`]). The bare-metal entry, trap glue and idle loop are in `main.rs` and its modules,
//! compiled only for `riscv64imac-unknown-none-elf`; docs/BOOT.md describes the whole boot path.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod bootargs;
pub mod entry;
pub mod layout;

// hal's riscv64 module only exists on the machine; its scause decoder is pure logic, so it is
// compiled here as well to run its tests on the host (it names `crate::context`).
#[cfg(test)]
use hal::context;
#[cfg(test)]
#[path = "../../hal/src/riscv64/cause.rs"]
#[allow(dead_code)]
mod riscv64_cause;
