//! The Rust entry, the boot page table and the boot stack's canary. The first instructions
//! (`_start`: MMU on, stack, .bss, jump to [`rust_main`]) are `kernel::boot_entry!`, shared with
//! every kernel composed from the crates; `entry.rs` in the library explains them.
use kernel::layout::{boot_page_table, KERNEL_OFFSET};

/// The boot root page table; later the kernel half of every user page table is copied from it.
#[repr(C, align(4096))]
pub struct BootTable(pub [u64; 512]);
pub static BOOT_PAGE_TABLE: BootTable = BootTable(boot_page_table());

kernel::boot_entry!(BOOT_PAGE_TABLE, rust_main);

unsafe extern "C" {
    static __kernel_end: u8;
    static __boot_stack_bottom: u8;
}

/// Physical end of the kernel image (including .bss and the boot stack).
pub fn kernel_end_pa() -> usize {
    // Only the address of the linker-script symbol is taken (no read: no unsafe needed).
    (&raw const __kernel_end) as usize - KERNEL_OFFSET
}

/// Physical address of the boot page table.
#[cfg(feature = "user")]
pub fn boot_table_pa() -> usize {
    &BOOT_PAGE_TABLE as *const BootTable as usize - KERNEL_OFFSET
}

const STACK_CANARY: u64 = 0x5741_5443_4844_4f47; // "WATCHDOG"

fn canary() -> *mut u64 {
    (&raw const __boot_stack_bottom) as *mut u64
}

/// Mark the bottom of the boot stack (there is no guard page: the kernel is mapped in gigapages).
pub fn arm_stack_canary() {
    // SAFETY: the lowest word of the boot stack; the stack never legitimately reaches it.
    unsafe { canary().write_volatile(STACK_CANARY) }
}

/// Panic if the kernel stack has overflowed (checked on timer ticks and in the idle loop).
pub fn check_stack_canary() {
    // SAFETY: as in `arm_stack_canary`.
    if unsafe { canary().read_volatile() } != STACK_CANARY {
        panic!("kernel stack overflow");
    }
}

extern "C" fn rust_main(hart: usize, dtb_pa: usize) -> ! {
    crate::machine::start(hart, dtb_pa)
}
