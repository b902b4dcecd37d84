//! The user register file saved on a trap, and how a trap is decoded into a syscall.
//!
//! The layout is riscv64's (the only user ISA so far); it is the same on the host so that the
//! decoding below is tested without an emulator. `riscv64::trap` saves into exactly this struct.

/// Registers of a user thread while it is in the kernel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct UserContext {
    /// x0..x31 (x0 is kept at 0).
    pub x: [usize; 32],
    /// The user pc: where `sret` returns to.
    pub sepc: usize,
    /// Floating-point registers f0..f31, saved only when the thread used the FPU.
    pub f: [u64; 32],
    pub fcsr: usize,
}

/// Register numbers of the riscv64 calling convention.
pub mod reg {
    pub const RA: usize = 1;
    pub const SP: usize = 2;
    pub const GP: usize = 3;
    pub const TP: usize = 4;
    pub const A0: usize = 10;
    pub const A7: usize = 17;
}

/// Why a user thread entered the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trap {
    /// `ecall` from user mode.
    Syscall,
    /// The timer fired: time to let another task run.
    Timer,
    /// A device interrupt.
    External,
    /// An access to `addr` failed translation or permission.
    PageFault { addr: usize, access: Access },
    /// Illegal or privileged instruction at the user pc.
    IllegalInstruction,
    /// `ebreak`.
    Breakpoint,
    /// Misaligned access that the hardware did not handle.
    Misaligned { addr: usize },
    /// Any other cause; the raw `scause` value.
    Other(usize),
}

/// The kind of access that faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Execute,
}

impl UserContext {
    /// A fresh context that starts at `entry` with stack pointer `sp`.
    pub fn new(entry: usize, sp: usize) -> Self {
        let mut x = [0; 32];
        x[reg::SP] = sp;
        UserContext { x, sepc: entry, ..UserContext::default() }
    }

    /// The syscall number (a7) and six arguments (a0..a5).
    pub fn syscall(&self) -> (usize, [usize; 6]) {
        let a = &self.x[reg::A0..reg::A0 + 6];
        (self.x[reg::A7], [a[0], a[1], a[2], a[3], a[4], a[5]])
    }

    /// Step past the `ecall` instruction (4 bytes, there is no compressed ecall).
    /// Done before dispatching so that a syscall replacing the context (execve, sigreturn)
    /// is not disturbed afterwards.
    pub fn skip_ecall(&mut self) {
        // Wrapping: a program may jump anywhere, even to an ecall at the top of the space.
        self.sepc = self.sepc.wrapping_add(4);
    }

    /// Store a syscall result in a0.
    pub fn set_return(&mut self, ret: isize) {
        self.x[reg::A0] = ret as usize;
    }

    pub fn sp(&self) -> usize {
        self.x[reg::SP]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a7_and_a0_to_a5() {
        let mut c = UserContext::new(0x1000, 0x8000);
        c.x[17] = 64;
        for i in 0..6 {
            c.x[10 + i] = 100 + i;
        }
        c.x[16] = 999; // a6 is not an argument
        assert_eq!(c.syscall(), (64, [100, 101, 102, 103, 104, 105]));
    }

    #[test]
    fn result_goes_to_a0_and_pc_moves_past_ecall() {
        let mut c = UserContext::new(0x1000, 0x8000);
        c.skip_ecall();
        c.set_return(-14);
        assert_eq!(c.sepc, 0x1004);
        assert_eq!(c.x[10] as isize, -14);
        assert_eq!(c.sp(), 0x8000);
    }
}
