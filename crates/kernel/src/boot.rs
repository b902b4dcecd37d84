//! The first instructions, and the Rust entry.
//!
//! OpenSBI enters `_start` at physical 0x8020_0000 with the MMU off, `a0` = hart id and
//! `a1` = device-tree address. (A build without the `user` feature is linked there and leaves
//! the MMU off; the rest of this paragraph is the kernel with paging.) The code is linked at
//! 0xffff_ffff_8020_0000 but built
//! position-independently enough (`la` is pc-relative) to run these few instructions at the
//! physical address: it loads `satp` with the boot page table (which maps the kernel at both
//! addresses), sets the stack, zeroes `.bss` and jumps to [`rust_main`] in the high half.
use core::arch::global_asm;
use kernel::layout::{boot_page_table, KERNEL_OFFSET};

/// The boot root page table; later the kernel half of every user page table is copied from it.
#[repr(C, align(4096))]
pub struct BootTable(pub [u64; 512]);
pub static BOOT_PAGE_TABLE: BootTable = BootTable(boot_page_table());

/// Turning the MMU on: satp = Sv39 with the boot table (a build with user processes only).
#[cfg(feature = "user")]
macro_rules! mmu_on {
    () => {
        "la t0, {pt}\n srli t0, t0, 12\n li t1, 8 << 60\n or t0, t0, t1\n csrw satp, t0\n sfence.vma"
    };
}
/// A pure unikernel keeps the MMU off: every address is physical.
#[cfg(not(feature = "user"))]
macro_rules! mmu_on {
    () => {
        "/* {pt}: unused, the MMU stays off */"
    };
}

global_asm!(
    ".section .text.entry, \"ax\", @progbits",
    ".globl _start",
    "_start:",
    mmu_on!(),
    "   li t1, {offset}",
    "   la sp, __boot_stack_top",
    "   add sp, sp, t1",
    "   la t2, __bss_start",
    "   add t2, t2, t1",
    "   la t3, __bss_end",
    "   add t3, t3, t1",
    "1: bgeu t2, t3, 2f",
    "   sd zero, 0(t2)",
    "   addi t2, t2, 8",
    "   j 1b",
    "2: la t0, {main}",
    "   add t0, t0, t1",
    "   jr t0",
    pt = sym BOOT_PAGE_TABLE,
    offset = const KERNEL_OFFSET,
    main = sym rust_main,
);

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
