//! The BakaEx kernel as a library: everything it does at boot that is not the machine itself,
//! compiled and tested on the host. Boot arguments ([`bootargs`]), the device tree and the
//! memory plan ([`devicetree`]), the boot page table and physical layout ([`layout`]), the first
//! instructions ([`entry`], assembled only for the machine), the root file system and the first
//! programs ([`init`]), the linked applications of this build ([`apps`]), the kernel log
//! ([`logger`]), the disks as block-special files ([`blockdev`]). The binary (`main.rs` and its
//! modules, compiled only for `riscv64imac-unknown-none-elf`) is the machine glue around it:
//! boot, bring-up of the devices, the heap, the `uspace::Machine` and the idle loop;
//! docs/BOOT.md describes the whole boot path.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod apps;
#[cfg(feature = "ext4")]
pub mod blockdev;
pub mod bootargs;
pub mod devicetree;
pub mod entry;
pub mod init;
pub mod layout;
pub mod logger;

// hal's riscv64 module only exists on the machine; its scause decoder is pure logic, so it is
// compiled here as well to run its tests on the host (it names `crate::context`).
#[cfg(test)]
use hal::context;
#[cfg(test)]
#[path = "../../hal/src/riscv64/cause.rs"]
#[allow(dead_code)]
mod riscv64_cause;
