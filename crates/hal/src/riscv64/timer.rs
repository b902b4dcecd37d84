//! Time: the `time` CSR in nanoseconds since boot, and the one-shot supervisor timer.
//!
//! QEMU virt counts `time` at 10 MHz from power-on; the device tree's timebase-frequency is
//! recorded by [`init`]. [`set_deadline`] programs the timer through SBI (`sbi-rt`); the deadline
//! last programmed is remembered so the kernel only calls into the firmware when it must change.
use super::csr;
use core::sync::atomic::{AtomicU64, Ordering};

const NSEC_PER_SEC: u64 = 1_000_000_000;

static FREQ: AtomicU64 = AtomicU64::new(10_000_000);
/// ns per tick when the frequency divides 1e9 evenly (the usual case), else 0.
static NS_PER_TICK: AtomicU64 = AtomicU64::new(100);
static BOOT_EPOCH_NS: AtomicU64 = AtomicU64::new(0);
/// The deadline (ns) the hardware timer is set to; u64::MAX when unarmed.
static ARMED: AtomicU64 = AtomicU64::new(u64::MAX);

/// Record the timebase frequency (Hz) from the device tree.
pub fn init(freq_hz: u64) {
    if freq_hz == 0 {
        return;
    }
    FREQ.store(freq_hz, Ordering::Relaxed);
    let exact = if NSEC_PER_SEC.is_multiple_of(freq_hz) { NSEC_PER_SEC / freq_hz } else { 0 };
    NS_PER_TICK.store(exact, Ordering::Relaxed);
}

pub fn freq() -> u64 {
    FREQ.load(Ordering::Relaxed)
}

fn ticks_to_ns(t: u64) -> u64 {
    match NS_PER_TICK.load(Ordering::Relaxed) {
        0 => (t as u128 * NSEC_PER_SEC as u128 / freq() as u128) as u64,
        k => t.saturating_mul(k),
    }
}

fn ns_to_ticks(ns: u64) -> u64 {
    match NS_PER_TICK.load(Ordering::Relaxed) {
        0 => (ns as u128 * freq() as u128 / NSEC_PER_SEC as u128) as u64,
        k => ns / k,
    }
}

/// Nanoseconds since power-on.
pub fn now_ns() -> u64 {
    ticks_to_ns(csr::time() as u64)
}

/// Wall-clock time at boot (ns since the epoch); 0 until [`set_boot_epoch_ns`].
pub fn boot_epoch_ns() -> u64 {
    BOOT_EPOCH_NS.load(Ordering::Relaxed)
}

/// Record the wall-clock time at boot (from an RTC).
pub fn set_boot_epoch_ns(ns: u64) {
    BOOT_EPOCH_NS.store(ns, Ordering::Relaxed);
}

/// Program the timer interrupt for `deadline` (ns since boot). A deadline in the past makes the
/// interrupt pending at once.
pub fn set_deadline(deadline: u64) {
    ARMED.store(deadline, Ordering::Relaxed);
    let _ = sbi_rt::set_timer(ns_to_ticks(deadline));
}

/// The deadline last programmed.
pub fn armed() -> u64 {
    ARMED.load(Ordering::Relaxed)
}

/// Make sure the timer fires no later than `latest`: re-program it only if it is set later than
/// that. A deadline that has passed is left as it is: its interrupt is pending and must be
/// taken (the slice it ended is over). Re-arming it instead would clear the pending interrupt
/// and start a new slice, and a program that spends nearly all its time in the kernel (a fault
/// whose handler returns to the same fault) would never be preempted: its slices would always
/// end in the kernel. Only the timer interrupt's handler starts a new slice ([`set_deadline`]).
pub fn ensure_deadline(latest: u64) {
    if armed() > latest {
        set_deadline(latest);
    }
}
