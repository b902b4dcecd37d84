//! The clock: nanoseconds since boot.
//!
//! riscv64 reads the `time` CSR (frequency from the device tree). The host clock is virtual and
//! per test thread: it starts at [`HOST_BOOT_NS`] and moves only through [`advance_to`], which the
//! executor calls when every task is asleep. Sleep tests are therefore exact and instant.

pub const NSEC_PER_SEC: u64 = 1_000_000_000;

/// Wall-clock time of boot (ns since the epoch) on the host's virtual clock; on the machine the
/// kernel sets it from the RTC if there is one. 2026-01-01T00:00:00Z.
pub const HOST_BOOT_NS: u64 = 1_767_225_600 * NSEC_PER_SEC;

#[cfg(target_os = "none")]
mod imp {
    pub fn now_ns() -> u64 {
        crate::riscv64::timer::now_ns()
    }
    /// Nanoseconds since the epoch at boot (0 until the kernel reads an RTC).
    pub fn boot_epoch_ns() -> u64 {
        crate::riscv64::timer::boot_epoch_ns()
    }
    /// Set the wall-clock time of boot (clock_settime moves it).
    pub fn set_boot_epoch_ns(ns: u64) {
        crate::riscv64::timer::set_boot_epoch_ns(ns)
    }
}

#[cfg(not(target_os = "none"))]
mod imp {
    use core::cell::Cell;
    std::thread_local! {
        static NOW: Cell<u64> = const { Cell::new(0) };
    }
    pub fn now_ns() -> u64 {
        NOW.with(|n| n.get())
    }
    std::thread_local! {
        static EPOCH: Cell<u64> = const { Cell::new(super::HOST_BOOT_NS) };
    }
    pub fn boot_epoch_ns() -> u64 {
        EPOCH.with(|e| e.get())
    }
    /// Set the wall-clock time of boot (clock_settime moves it: the real-time clock is this
    /// plus the time since boot).
    pub fn set_boot_epoch_ns(ns: u64) {
        EPOCH.with(|e| e.set(ns))
    }
    /// Move the virtual clock forward (never backward).
    pub fn advance_to(ns: u64) {
        NOW.with(|n| n.set(n.get().max(ns)));
    }
}

pub use imp::*;
