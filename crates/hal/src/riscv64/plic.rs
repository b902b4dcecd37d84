//! The platform-level interrupt controller (PLIC) of QEMU `virt`, as far as the kernel uses it:
//! device interrupts for hart 0 in supervisor mode.
//!
//! QEMU numbers the PLIC's contexts two per hart, machine mode then supervisor mode, so hart 0's
//! supervisor context is 1. A source is taken when its priority is above the context's threshold
//! (0 here) and its enable bit is set; [`claim`] returns the highest pending source (0: none) and
//! masks it until [`complete`]. A level-triggered source (virtio-mmio) stays pending while the
//! device holds its line up, so the driver acknowledges the device before completing.
//!
//! Interrupts are still never taken in the kernel (`sstatus.SIE = 0`): with `sie.SEIE` set, a
//! pending device interrupt ends `wfi` in the idle loop or traps out of user mode.
use core::sync::atomic::{AtomicUsize, Ordering};

/// Hart 0, supervisor mode.
const CONTEXT: usize = 1;
const ENABLE: usize = 0x2000;
const ENABLE_STRIDE: usize = 0x80;
const CONTEXT_BASE: usize = 0x20_0000;
const CONTEXT_STRIDE: usize = 0x1000;
/// Sources 1..1023 (0 means "none").
const MAX_SOURCE: u32 = 1023;

/// Virtual address of the PLIC's registers (0 until [`init`]).
static BASE: AtomicUsize = AtomicUsize::new(0);

fn reg(offset: usize) -> *mut u32 {
    (BASE.load(Ordering::Relaxed) + offset) as *mut u32
}

fn write(offset: usize, v: u32) {
    // SAFETY: `init` was given the PLIC's register block (mapped by the physical window) and
    // offsets stay inside it (sources <= 1023, context 1); MMIO needs volatile accesses.
    unsafe { reg(offset).write_volatile(v) }
}

fn read(offset: usize) -> u32 {
    // SAFETY: as in `write`.
    unsafe { reg(offset).read_volatile() }
}

/// Use the PLIC whose registers are at virtual address `base`; every source starts disabled
/// for hart 0's supervisor context, which takes any priority above 0.
pub fn init(base: usize) {
    BASE.store(base, Ordering::Relaxed);
    for word in 0..=(MAX_SOURCE as usize / 32) {
        write(ENABLE + CONTEXT * ENABLE_STRIDE + word * 4, 0);
    }
    write(CONTEXT_BASE + CONTEXT * CONTEXT_STRIDE, 0);
}

/// Let source `irq` interrupt hart 0's supervisor mode.
pub fn enable(irq: u32) {
    if BASE.load(Ordering::Relaxed) == 0 || irq == 0 || irq > MAX_SOURCE {
        return;
    }
    let irq = irq as usize;
    write(irq * 4, 1);
    let word = ENABLE + CONTEXT * ENABLE_STRIDE + (irq / 32) * 4;
    write(word, read(word) | 1 << (irq % 32));
}

/// The pending source of highest priority, now in service (0: none, or no PLIC).
pub fn claim() -> u32 {
    if BASE.load(Ordering::Relaxed) == 0 {
        return 0;
    }
    read(CONTEXT_BASE + CONTEXT * CONTEXT_STRIDE + 4)
}

/// Source `irq` has been served: it may interrupt again.
pub fn complete(irq: u32) {
    if BASE.load(Ordering::Relaxed) != 0 && irq != 0 {
        write(CONTEXT_BASE + CONTEXT * CONTEXT_STRIDE + 4, irq);
    }
}
