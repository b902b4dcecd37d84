//! The first instructions of a BakaEx kernel, as a macro so that every kernel composed from
//! the crates (crates/kernel, examples/simple-kernel) starts the same way.
//!
//! OpenSBI enters `_start` at physical 0x8020_0000 with the MMU off, `a0` = hart id and `a1` =
//! device-tree address. With the `user` feature the code is linked at 0xffff_ffff_8020_0000 but
//! runs these few instructions at the physical address (`la` is pc-relative): it loads `satp`
//! with the boot page table (which maps the kernel at both addresses), sets the stack, zeroes
//! `.bss` and jumps to `main(hart, dtb)` in the high half. Without `user` the kernel is linked
//! where it is loaded and the MMU stays off; the offset is 0. The linker script (kernel.ld)
//! provides `__boot_stack_top`, `__bss_start` and `__bss_end`.

/// Turning the MMU on: satp = Sv39 with the boot table (a build with user processes only).
#[cfg(feature = "user")]
#[doc(hidden)]
#[macro_export]
macro_rules! __mmu_on {
    () => {
        "la t0, {pt}\n srli t0, t0, 12\n li t1, 8 << 60\n or t0, t0, t1\n csrw satp, t0\n sfence.vma"
    };
}
/// A pure unikernel keeps the MMU off: every address is physical.
#[cfg(not(feature = "user"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __mmu_on {
    () => {
        "/* {pt}: unused, the MMU stays off */"
    };
}

/// `_start`: `boot_entry!(TABLE, main)` with `TABLE` a page-aligned static holding
/// `layout::boot_page_table()` and `extern "C" fn main(hart: usize, dtb_pa: usize) -> !`.
#[macro_export]
macro_rules! boot_entry {
    ($table:path, $main:path) => {
        core::arch::global_asm!(
            ".section .text.entry, \"ax\", @progbits",
            ".globl _start",
            "_start:",
            $crate::__mmu_on!(),
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
            pt = sym $table,
            offset = const $crate::layout::KERNEL_OFFSET,
            main = sym $main,
        );
    };
}
