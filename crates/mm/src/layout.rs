//! The user address-space layout (Sv39: user addresses are below 2^38).

/// First address above user space.
pub const USER_END: usize = 0x40_0000_0000;
/// Top of the initial user stack (one guard page below `USER_END`).
pub const STACK_TOP: usize = USER_END - hal::mem::PAGE_SIZE;
/// Size reserved for the main thread's stack (pages are faulted in on use).
pub const STACK_SIZE: usize = 8 << 20;
/// mmap without a hint allocates top-down from here.
pub const MMAP_TOP: usize = STACK_TOP - STACK_SIZE - (1 << 30);
/// Load address of ET_DYN executables without an interpreter: static PIE, and the dynamic
/// loader run as a command (`ld.so ./prog`), which then maps the program top-down below
/// `MMAP_TOP`, and whose break follows it.
pub const PIE_BASE: usize = 0x1_0000_0000; // 4 GiB
/// Load address of ET_DYN executables with an interpreter (PIE), before their alignment:
/// Linux's riscv64 ELF_ET_DYN_BASE, two thirds of TASK_SIZE (0x2a_aaaa_a000 with Sv39, where a
/// PIE runs under Linux with ASLR off). Their break follows them; their interpreter goes in
/// the mmap region.
pub const ELF_ET_DYN_BASE: usize = (USER_END / 3 * 2) & !(hal::mem::PAGE_SIZE - 1);
/// Lowest address a user mapping may have (catches NULL-ish pointers).
pub const MMAP_MIN: usize = 0x10000;
/// The signal-return trampoline page (`li a7, 139; ecall`) mapped read+execute into every
/// program: signal handlers return to it (riscv64 has no SA_RESTORER; Linux uses its vDSO).
/// It sits in the gap between the mmap region and the stack.
pub const SIGRETURN_TRAMPOLINE: usize = MMAP_TOP;
