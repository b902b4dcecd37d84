//! Decoding `scause`/`stval` into a [`Trap`].
//!
//! Pure logic with no machine dependency, so the kernel crate's host tests compile this file too
//! (through `#[path]`) and check the table below without an emulator.
use crate::context::{Access, Trap};

/// `scause` bit 63: the trap is an interrupt.
pub const INTERRUPT: usize = 1 << 63;

/// Interrupt codes (scause with bit 63 set).
pub const IRQ_S_SOFT: usize = 1;
pub const IRQ_S_TIMER: usize = 5;
pub const IRQ_S_EXTERNAL: usize = 9;

/// Exception codes.
pub const EXC_INST_MISALIGNED: usize = 0;
pub const EXC_ILLEGAL_INSTRUCTION: usize = 2;
pub const EXC_BREAKPOINT: usize = 3;
pub const EXC_LOAD_MISALIGNED: usize = 4;
pub const EXC_STORE_MISALIGNED: usize = 6;
pub const EXC_ECALL_U: usize = 8;
pub const EXC_INST_PAGE_FAULT: usize = 12;
pub const EXC_LOAD_PAGE_FAULT: usize = 13;
pub const EXC_STORE_PAGE_FAULT: usize = 15;

/// What a trap from user mode means. `stval` holds the faulting address for page faults and
/// misaligned accesses.
pub fn decode(scause: usize, stval: usize) -> Trap {
    if scause & INTERRUPT != 0 {
        return match scause & !INTERRUPT {
            IRQ_S_TIMER => Trap::Timer,
            IRQ_S_EXTERNAL => Trap::External,
            _ => Trap::Other(scause),
        };
    }
    match scause {
        EXC_ECALL_U => Trap::Syscall,
        EXC_INST_PAGE_FAULT => Trap::PageFault { addr: stval, access: Access::Execute },
        EXC_LOAD_PAGE_FAULT => Trap::PageFault { addr: stval, access: Access::Read },
        EXC_STORE_PAGE_FAULT => Trap::PageFault { addr: stval, access: Access::Write },
        EXC_ILLEGAL_INSTRUCTION => Trap::IllegalInstruction,
        EXC_BREAKPOINT => Trap::Breakpoint,
        EXC_INST_MISALIGNED | EXC_LOAD_MISALIGNED | EXC_STORE_MISALIGNED => Trap::Misaligned { addr: stval },
        // Access faults (1, 5, 7: a PMP or bus error), ecalls from S/M mode and anything newer.
        _ => Trap::Other(scause),
    }
}

/// A short name for a cause, for the fatal kernel-trap message.
pub fn name(scause: usize) -> &'static str {
    if scause & INTERRUPT != 0 {
        return match scause & !INTERRUPT {
            IRQ_S_SOFT => "software interrupt",
            IRQ_S_TIMER => "timer interrupt",
            IRQ_S_EXTERNAL => "external interrupt",
            _ => "interrupt",
        };
    }
    match scause {
        0 => "instruction address misaligned",
        1 => "instruction access fault",
        2 => "illegal instruction",
        3 => "breakpoint",
        4 => "load address misaligned",
        5 => "load access fault",
        6 => "store address misaligned",
        7 => "store access fault",
        8 => "ecall from U-mode",
        9 => "ecall from S-mode",
        12 => "instruction page fault",
        13 => "load page fault",
        15 => "store page fault",
        _ => "exception",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_map_to_the_linux_relevant_traps() {
        assert_eq!(decode(8, 0), Trap::Syscall);
        assert_eq!(decode(13, 0x10), Trap::PageFault { addr: 0x10, access: Access::Read });
        assert_eq!(decode(15, 0x20), Trap::PageFault { addr: 0x20, access: Access::Write });
        assert_eq!(decode(12, 0x30), Trap::PageFault { addr: 0x30, access: Access::Execute });
        assert_eq!(decode(2, 0xdead), Trap::IllegalInstruction);
        assert_eq!(decode(3, 0), Trap::Breakpoint);
        assert_eq!(decode(4, 0x41), Trap::Misaligned { addr: 0x41 });
        assert_eq!(decode(6, 0x43), Trap::Misaligned { addr: 0x43 });
        assert_eq!(decode(5, 0x1000), Trap::Other(5));
    }

    #[test]
    fn interrupts_are_recognised_by_bit_63() {
        assert_eq!(decode(INTERRUPT | 5, 0), Trap::Timer);
        assert_eq!(decode(INTERRUPT | 9, 0), Trap::External);
        assert_eq!(decode(INTERRUPT | 1, 0), Trap::Other(INTERRUPT | 1));
        assert_eq!(name(INTERRUPT | 5), "timer interrupt");
        assert_eq!(name(15), "store page fault");
    }
}
