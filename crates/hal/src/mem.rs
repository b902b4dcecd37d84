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
