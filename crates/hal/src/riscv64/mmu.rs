//! Which page table the hart uses (`satp`, Sv39).
//!
//! Every user page table shares the kernel's high half (`mm::page_table::set_kernel_half`), so
//! the kernel keeps running on whichever table is live. A switch flushes the TLB (no ASIDs yet),
//! so [`activate`] skips it when the table is already live.
use core::arch::asm;
use core::sync::atomic::{AtomicUsize, Ordering};

const SATP_SV39: usize = 8 << 60;

static KERNEL_ROOT: AtomicUsize = AtomicUsize::new(0);
static CURRENT: AtomicUsize = AtomicUsize::new(0);

/// Record the kernel's own root table (the boot table, already live).
pub fn set_kernel_root(root_pa: usize) {
    KERNEL_ROOT.store(root_pa, Ordering::Relaxed);
    CURRENT.store(root_pa, Ordering::Relaxed);
}

/// The root table that is live now.
pub fn current() -> usize {
    CURRENT.load(Ordering::Relaxed)
}

/// Switch to the page table rooted at `root_pa` (a no-op if it is live already).
/// The table must map the kernel's high half.
pub fn activate(root_pa: usize) {
    if CURRENT.swap(root_pa, Ordering::Relaxed) == root_pa {
        return;
    }
    let satp = SATP_SV39 | (root_pa >> 12);
    // SAFETY: every table given here maps the kernel half like the boot table (the kernel
    // code, stack and data keep their addresses); sfence.vma drops the old translations.
    unsafe { asm!("csrw satp, {}", "sfence.vma", in(reg) satp, options(nostack)) }
}

/// Switch to the kernel's own table, before a user table may be freed.
pub fn activate_kernel() {
    activate(KERNEL_ROOT.load(Ordering::Relaxed));
}
