//! The few control and status registers the kernel touches, and `wfi`.
//!
//! Hand-written rather than through the `riscv` crate: that crate pulls in `critical-section`,
//! `embedded-hal` and a proc-macro crate for what is here a dozen one-instruction functions.
use core::arch::asm;

/// `sstatus.SIE`: supervisor interrupts enabled (kept 0 while the kernel runs).
pub const SSTATUS_SIE: usize = 1 << 1;
/// `sie.STIE`: the supervisor timer interrupt may be taken / may wake `wfi`.
pub const SIE_STIE: usize = 1 << 5;
/// `sie.SEIE`: supervisor external interrupts.
pub const SIE_SEIE: usize = 1 << 9;

macro_rules! read_csr {
    ($(#[$m:meta])* $name:ident, $csr:literal) => {
        $(#[$m])*
        #[inline]
        pub fn $name() -> usize {
            let v: usize;
            // SAFETY: reading this CSR has no side effect.
            unsafe { asm!(concat!("csrr {}, ", $csr), out(reg) v, options(nomem, nostack)) };
            v
        }
    };
}

read_csr!(
    /// Why the last trap happened (bit 63: interrupt).
    scause,
    "scause"
);
read_csr!(
    /// The faulting address or instruction bits of the last trap.
    stval,
    "stval"
);
read_csr!(
    /// The pc of the last trap.
    sepc,
    "sepc"
);
read_csr!(sstatus, "sstatus");
read_csr!(satp, "satp");
read_csr!(
    /// The platform clock (ticks at the device tree's timebase-frequency).
    time,
    "time"
);

/// Set bits in `sie` (which interrupts may be taken or wake `wfi`).
#[inline]
pub fn sie_set(bits: usize) {
    // SAFETY: enabling an interrupt source; with sstatus.SIE = 0 the kernel is still never
    // interrupted, only user code and `wfi` see it.
    unsafe { asm!("csrs sie, {}", in(reg) bits, options(nomem, nostack)) }
}

/// Clear bits in `sstatus`.
#[inline]
pub fn sstatus_clear(bits: usize) {
    // SAFETY: the callers only clear SIE (interrupts off), which cannot break an invariant.
    unsafe { asm!("csrc sstatus, {}", in(reg) bits, options(nomem, nostack)) }
}

/// Wait for an interrupt to become pending (taken or not: with SIE = 0 it is not taken and
/// execution simply continues after `wfi`).
#[inline]
pub fn wfi() {
    // SAFETY: wfi is a hint; at worst it returns at once.
    unsafe { asm!("wfi", options(nomem, nostack)) }
}
