//! The BakaEx kernel for riscv64 QEMU `virt` (booted by OpenSBI, `-bios default`).
//!
//! Boot path (docs/BOOT.md has the details): [`boot`] turns on the MMU with the boot page table
//! and jumps to the high half; [`machine`] reads the device tree and sets up the heap, frames,
//! timer and console; [`init`] unpacks the initramfs and starts the programs named by `init=`;
//! [`sched`] runs every user thread as a future and idles with `wfi` until init exits.
//!
//! On the host this binary only says where to find the real one: everything that is not the
//! machine lives in the library (`kernel::init`, `kernel::devicetree`, `kernel::bootargs`, ...)
//! and is tested there.
#![cfg_attr(target_os = "none", no_std, no_main)]
// A failed allocation is an ordinary panic (Rust's default for no_std cannot unwind), so that it
// ends only the task that made it (`hal::unwind`). Kernel builds run with RUSTC_BOOTSTRAP=1.
#![cfg_attr(target_os = "none", feature(alloc_error_handler))]

#[cfg(target_os = "none")]
extern crate alloc;

#[cfg(target_os = "none")]
mod boot;
#[cfg(target_os = "none")]
mod heap;
#[cfg(target_os = "none")]
mod machine;
#[cfg(target_os = "none")]
mod sched;

#[cfg(not(target_os = "none"))]
fn main() {
    println!(
        "The BakaEx kernel runs on riscv64 QEMU: build it with scripts/build-kernel.sh, run it with scripts/run.sh."
    );
}
