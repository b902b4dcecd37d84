//! The user register file saved on a trap: the architecture seam of everything above `hal`.
//!
//! Code above this module never names a register. It asks the context for a system call's
//! number and arguments, sets its result, steps past or back onto the `ecall`, saves the
//! registers into a signal frame's `ucontext` and restores them from it, and points them at a
//! signal handler; the layout of that frame and the syscall numbers are the architecture's
//! part of `abi`. A second architecture adds its own register file with these methods (and its
//! `abi` numbers and frame), not `cfg`s in the logic above.
//!
//! The layout is riscv64's (the only user ISA so far); it is the same on the host so that the
//! decoding below is tested without an emulator. `riscv64::trap` saves into exactly this struct.
use abi::signal::UContext;

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

    /// Step back onto the `ecall` with its original first argument: the call runs again when
    /// the thread returns to user mode (a restarted system call).
    pub fn restart_syscall(&mut self, orig_a0: usize) {
        // Wrapping: the pc is the program's, whatever it is (the ecall was at pc - 4).
        self.sepc = self.sepc.wrapping_sub(4);
        self.x[reg::A0] = orig_a0;
    }

    /// Step back onto the `ecall`, which then makes system call `n` (restart_syscall(2)).
    pub fn redo_syscall_as(&mut self, n: usize) {
        self.sepc = self.sepc.wrapping_sub(4);
        self.x[reg::A7] = n;
    }

    /// The value in the return register (a0).
    pub fn return_value(&self) -> isize {
        self.x[reg::A0] as isize
    }

    pub fn sp(&self) -> usize {
        self.x[reg::SP]
    }

    pub fn pc(&self) -> usize {
        self.sepc
    }

    /// Save the registers into a signal frame's `ucontext` (Linux's riscv64 `sigcontext`:
    /// pc in the place of x0, x1..x31, f0..f31, fcsr).
    pub fn save_to(&self, uc: &mut UContext) {
        uc.regs[0] = self.sepc as u64;
        for i in 1..32 {
            uc.regs[i] = self.x[i] as u64;
        }
        uc.fpregs = self.f;
        uc.fcsr = self.fcsr as u32;
    }

    /// Restore the registers from a signal frame's `ucontext`, or refuse it (false, nothing
    /// changed) when its reserved words are not zero, as Linux does (room for extensions).
    pub fn restore_from(&mut self, uc: &UContext) -> bool {
        if uc._fp_reserved[..12].iter().any(|&b| b != 0) {
            return false;
        }
        self.sepc = uc.regs[0] as usize;
        for i in 1..32 {
            self.x[i] = uc.regs[i] as usize;
        }
        self.f = uc.fpregs;
        self.fcsr = uc.fcsr as usize;
        true
    }

    /// Enter a signal handler: at `handler` with the stack pointer at `frame`, returning to
    /// `trampoline` (whose `ecall` is rt_sigreturn), with the arguments (signal, &siginfo,
    /// &ucontext).
    pub fn enter_handler(&mut self, handler: usize, trampoline: usize, frame: usize, args: [usize; 3]) {
        self.sepc = handler;
        self.x[reg::RA] = trampoline;
        self.x[reg::SP] = frame;
        self.x[reg::A0..reg::A0 + 3].copy_from_slice(&args);
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

    #[test]
    fn a_restart_steps_back_onto_the_ecall() {
        let mut c = UserContext::new(0x1004, 0x8000);
        c.set_return(-4);
        c.restart_syscall(77);
        assert_eq!((c.sepc, c.x[10]), (0x1000, 77));
        c.skip_ecall();
        c.redo_syscall_as(128);
        assert_eq!((c.sepc, c.x[17]), (0x1000, 128));
        // A program may jump anywhere: the pc wraps, never panics.
        let mut c = UserContext::new(0, 0);
        c.restart_syscall(0);
        assert_eq!(c.pc(), usize::MAX - 3);
    }

    #[test]
    fn registers_go_into_a_ucontext_and_come_back() {
        let mut c = UserContext::new(0x1000, 0x8000);
        for i in 1..32 {
            c.x[i] = 0x100 + i;
            c.f[i] = 0x200 + i as u64;
        }
        c.fcsr = 0x81;
        let mut uc = UContext::default();
        c.save_to(&mut uc);
        assert_eq!((uc.regs[0], uc.regs[2], uc.regs[31], uc.fpregs[5], uc.fcsr), (0x1000, 0x102, 0x11f, 0x205, 0x81));
        let mut d = UserContext::default();
        assert!(d.restore_from(&uc));
        assert_eq!(d, c);
        uc._fp_reserved[3] = 1;
        let mut e = UserContext::default();
        assert!(!e.restore_from(&uc), "a frame with reserved bits set is refused");
        assert_eq!(e, UserContext::default());
    }

    #[test]
    fn a_handler_gets_its_three_arguments() {
        let mut c = UserContext::new(0x1000, 0x8000);
        c.enter_handler(0x4000, 0x9000, 0x7000, [10, 0x7000, 0x7080]);
        assert_eq!((c.pc(), c.x[1], c.sp(), c.x[10], c.x[11], c.x[12]), (0x4000, 0x9000, 0x7000, 10, 0x7000, 0x7080));
    }
}
