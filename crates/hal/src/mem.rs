//! The physical-memory window: how kernel code reaches a physical frame.
//!
//! On riscv64 all RAM is mapped at `PHYS_OFFSET + pa` (Sv39 high half), or seen as it is when
//! the kernel runs without paging. On the host, "physical"
//! frames are page-aligned host allocations and a physical address *is* the host pointer, so the
//! page-table code above runs unchanged in tests.

pub const PAGE_SIZE: usize = 4096;
pub const PAGE_SHIFT: usize = 12;

use core::sync::atomic::{AtomicUsize, Ordering};

/// Virtual address at which a kernel with paging sees physical address 0.
#[cfg(target_os = "none")]
pub const PHYS_OFFSET: usize = 0xffff_ffc0_0000_0000;
#[cfg(not(target_os = "none"))]
pub const PHYS_OFFSET: usize = 0;

/// The window in use: [`PHYS_OFFSET`], or 0 in a kernel that runs with the MMU off (a pure
/// unikernel, where every address is physical). Set once at boot by the kernel, which knows
/// how it was built; a load per use costs nothing next to what is done with the memory.
static WINDOW: AtomicUsize = AtomicUsize::new(PHYS_OFFSET);

/// Use `offset` as the physical-memory window (at boot, before any frame is touched).
pub fn set_phys_offset(offset: usize) {
    WINDOW.store(offset, Ordering::Relaxed);
}

/// The physical-memory window in use.
#[inline]
pub fn phys_offset() -> usize {
    WINDOW.load(Ordering::Relaxed)
}

/// Kernel pointer to physical address `pa`.
#[inline]
pub fn phys_to_virt(pa: usize) -> *mut u8 {
    (pa + phys_offset()) as *mut u8
}

/// Physical address of a kernel pointer inside the physical-memory window.
#[inline]
pub fn virt_to_phys(va: usize) -> usize {
    va - phys_offset()
}

pub const fn page_down(a: usize) -> usize {
    a & !(PAGE_SIZE - 1)
}

pub const fn page_up(a: usize) -> usize {
    (a + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}

/// Forget cached translations after a page-table change of the running address space.
#[inline]
pub fn flush_tlb() {
    #[cfg(all(target_os = "none", target_arch = "riscv64"))]
    // SAFETY: sfence.vma only orders and invalidates address-translation caches.
    unsafe {
        core::arch::asm!("sfence.vma")
    }
}

/// Make instructions written to memory visible to instruction fetch on this hart (riscv's
/// fence.i), for riscv_flush_icache: a JIT or loader writes code, then calls it. With one hart
/// there is no other hart to tell.
#[inline]
pub fn sync_icache() {
    #[cfg(all(target_os = "none", target_arch = "riscv64"))]
    // SAFETY: fence.i only orders instruction fetches after earlier stores; it touches no state.
    unsafe {
        core::arch::asm!("fence.i")
    }
}

/// Copy `len` bytes from `src` to `dst` (not overlapping), for the bulk copies of page data
/// (user copies, page-cache reads and writes, copy on write). On riscv64 the kernel's own
/// `memcpy` (`riscv64/mem.S`) does the work: 64 bytes per loop when both pointers have the
/// same alignment modulo 8, about a third of the instructions of compiler_builtins' `memcpy`.
///
/// # Safety
/// As [`core::ptr::copy_nonoverlapping`]: `src` readable and `dst` writable for `len` bytes,
/// the two ranges disjoint.
#[inline]
pub unsafe fn copy(dst: *mut u8, src: *const u8, len: usize) {
    // SAFETY: the caller's contract.
    unsafe { core::ptr::copy_nonoverlapping(src, dst, len) }
}
