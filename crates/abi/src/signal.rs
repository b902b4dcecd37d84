//! Signals: numbers, dispositions, `siginfo_t`, `stack_t` and the riscv64 signal frame.
//!
//! The frame layout is Linux's `struct rt_sigframe` for riscv64 (arch/riscv/kernel/signal.c),
//! checked against the C headers with `offsetof` (see the tests): siginfo (128 bytes), then the
//! `struct ucontext` (960 bytes) whose `uc_mcontext` (`struct sigcontext`) starts at byte 176 and
//! holds pc + x1..x31 and the D-extension FP state padded to the Q-extension size.
use bytemuck::{Pod, Zeroable};

pub use crate::flags::{
    NSIG, SIGBUS, SIGFPE, SIGILL, SIGKILL, SIGSEGV, SIGSTOP, SIGTRAP, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK,
};

pub const SIGHUP: usize = 1;
pub const SIGINT: usize = 2;
pub const SIGQUIT: usize = 3;
pub const SIGABRT: usize = 6;
pub const SIGUSR1: usize = 10;
pub const SIGUSR2: usize = 12;
pub const SIGPIPE: usize = 13;
pub const SIGALRM: usize = 14;
pub const SIGTERM: usize = 15;
pub const SIGSTKFLT: usize = 16;
pub const SIGCHLD: usize = 17;
pub const SIGCONT: usize = 18;
pub const SIGTSTP: usize = 20;
pub const SIGTTIN: usize = 21;
pub const SIGTTOU: usize = 22;
pub const SIGURG: usize = 23;
pub const SIGXCPU: usize = 24;
pub const SIGXFSZ: usize = 25;
pub const SIGVTALRM: usize = 26;
pub const SIGPROF: usize = 27;
pub const SIGWINCH: usize = 28;
pub const SIGIO: usize = 29;
pub const SIGPWR: usize = 30;
pub const SIGSYS: usize = 31;
pub const SIGRTMIN: usize = 32;

/// Handler values of `struct sigaction`.
pub const SIG_DFL: usize = 0;
pub const SIG_IGN: usize = 1;

/// `sa_flags` bits.
pub const SA_NOCLDSTOP: u64 = 1;
pub const SA_NOCLDWAIT: u64 = 2;
pub const SA_SIGINFO: u64 = 4;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;

/// `si_code` values.
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_QUEUE: i32 = -1;
pub const SI_TKILL: i32 = -6;
/// A POSIX timer expired (timer_create).
pub const SI_TIMER: i32 = -2;
/// A message arrived on an empty POSIX message queue (mq_notify).
pub const SI_MESGQ: i32 = -3;

/// `sigev_notify` of a `struct sigevent` (timer_create, mq_notify).
pub const SIGEV_SIGNAL: i32 = 0;
pub const SIGEV_NONE: i32 = 1;
pub const SIGEV_THREAD: i32 = 2;
pub const SIGEV_THREAD_ID: i32 = 4;

/// `struct sigevent` (64 bytes): the value, the signal, how to notify, and (SIGEV_THREAD_ID)
/// the thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct SigEvent {
    pub value: u64,
    pub signo: i32,
    pub notify: i32,
    pub tid: i32,
    pub _pad: [i32; 11],
}
pub const CLD_EXITED: i32 = 1;
pub const CLD_KILLED: i32 = 2;
pub const CLD_DUMPED: i32 = 3;
pub const CLD_STOPPED: i32 = 5;
pub const CLD_CONTINUED: i32 = 6;
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;
pub const ILL_ILLOPC: i32 = 1;
pub const BUS_ADRALN: i32 = 1;
/// SIGBUS: a non-existent physical address (a page past the end of a mapped file).
pub const BUS_ADRERR: i32 = 2;
pub const TRAP_BRKPT: i32 = 1;

/// `ss_flags` of sigaltstack.
pub const SS_ONSTACK: i32 = 1;
pub const SS_DISABLE: i32 = 2;
pub const SS_AUTODISARM: i32 = 1 << 31;
/// Smallest alternate stack accepted (riscv64).
pub const MINSIGSTKSZ: usize = 2048;

/// The bit of `sig` in a 64-signal set.
pub const fn sigbit(sig: usize) -> u64 {
    1 << (sig - 1)
}

/// Signals that can be neither caught, blocked nor ignored.
pub const UNBLOCKABLE: u64 = sigbit(SIGKILL) | sigbit(SIGSTOP);
/// Signals a fault raises synchronously; dequeued before any other.
pub const SYNCHRONOUS: u64 =
    sigbit(SIGSEGV) | sigbit(SIGBUS) | sigbit(SIGILL) | sigbit(SIGTRAP) | sigbit(SIGFPE) | sigbit(SIGSYS);
/// Stop signals.
pub const STOP_SIGNALS: u64 = sigbit(SIGSTOP) | sigbit(SIGTSTP) | sigbit(SIGTTIN) | sigbit(SIGTTOU);

/// What SIG_DFL does with a signal (signal(7)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    Terminate,
    /// Terminate and dump core (no core file is written; the wait status has no core bit).
    Core,
    Ignore,
    Stop,
    Continue,
}

pub const fn default_action(sig: usize) -> DefaultAction {
    match sig {
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGCONT => DefaultAction::Continue,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ | SIGSYS => {
            DefaultAction::Core
        }
        _ => DefaultAction::Terminate,
    }
}

/// `siginfo_t` (128 bytes). The union after `si_code` starts at byte 16; its fields are reached
/// through the accessors, which name the member Linux uses for each kind of signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct SigInfo {
    pub signo: i32,
    pub errno: i32,
    pub code: i32,
    pub _pad: i32,
    pub fields: [u64; 14],
}

impl Default for SigInfo {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl SigInfo {
    /// A signal sent by a process (kill: SI_USER; tkill/tgkill: SI_TKILL): `si_pid`, `si_uid`.
    pub fn from_process(sig: usize, code: i32, pid: usize, uid: u32) -> SigInfo {
        let mut s = SigInfo { signo: sig as i32, code, ..SigInfo::default() };
        s.fields[0] = (pid as u32 as u64) | ((uid as u64) << 32);
        s
    }
    /// A fault: `si_addr`.
    pub fn fault(sig: usize, code: i32, addr: usize) -> SigInfo {
        let mut s = SigInfo { signo: sig as i32, code, ..SigInfo::default() };
        s.fields[0] = addr as u64;
        s
    }
    /// SIGCHLD about a child: `si_pid`, `si_uid`, `si_status`, `si_utime`, `si_stime` (ticks).
    pub fn child(code: i32, pid: usize, uid: u32, status: i32, utime: u64, stime: u64) -> SigInfo {
        let mut s = SigInfo { signo: SIGCHLD as i32, code, ..SigInfo::default() };
        s.fields[0] = (pid as u32 as u64) | ((uid as u64) << 32);
        s.fields[1] = status as u32 as u64;
        s.fields[2] = utime;
        s.fields[3] = stime;
        s
    }
    pub fn pid(&self) -> i32 {
        self.fields[0] as u32 as i32
    }
    pub fn uid(&self) -> u32 {
        (self.fields[0] >> 32) as u32
    }
    pub fn addr(&self) -> usize {
        self.fields[0] as usize
    }
    pub fn status(&self) -> i32 {
        self.fields[1] as u32 as i32
    }
}

/// `stack_t` (sigaltstack).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct StackT {
    pub sp: usize,
    pub flags: i32,
    pub _pad: i32,
    pub size: usize,
}

/// The riscv64 `struct ucontext` with its `struct sigcontext` unrolled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct UContext {
    pub flags: u64,
    pub link: u64,
    pub stack: StackT,
    pub sigmask: u64,
    /// Room for a 1024-bit sigset (`__unused`), then alignment of the sigcontext to 16 bytes.
    pub _unused: [u8; 128],
    /// `sc_regs`: regs[0] is the pc, regs[1..32] are x1..x31.
    pub regs: [u64; 32],
    /// `sc_fpregs.d`: f0..f31 and fcsr; the rest of the Q-sized union is reserved (zero).
    pub fpregs: [u64; 32],
    pub fcsr: u32,
    pub _fp_reserved: [u8; 268],
}

impl Default for UContext {
    fn default() -> Self {
        Self::zeroed()
    }
}

/// What a signal handler finds on its stack: `struct rt_sigframe`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct RtSigFrame {
    pub info: SigInfo,
    pub uc: UContext,
}

/// The instructions of the sigreturn trampoline: `li a7, 139` (rt_sigreturn); `ecall`.
pub const SIGRETURN_CODE: [u32; 2] = [0x08b0_0893, 0x0000_0073];

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn frame_layout_matches_the_riscv64_c_headers() {
        // Values printed by a C program with offsetof (riscv64 glibc 2.36 + Linux headers).
        assert_eq!(size_of::<SigInfo>(), 128);
        assert_eq!(size_of::<StackT>(), 24);
        assert_eq!(offset_of!(StackT, size), 16);
        assert_eq!(offset_of!(UContext, stack), 16);
        assert_eq!(offset_of!(UContext, sigmask), 40);
        assert_eq!(offset_of!(UContext, regs), 176);
        assert_eq!(offset_of!(UContext, fpregs), 176 + 256);
        assert_eq!(offset_of!(UContext, fcsr), 176 + 512);
        assert_eq!(size_of::<UContext>(), 960);
        assert_eq!(offset_of!(RtSigFrame, uc), 128);
        assert_eq!(size_of::<RtSigFrame>(), 1088);
    }

    #[test]
    fn siginfo_fields_sit_where_c_reads_them() {
        let s = SigInfo::child(CLD_EXITED, 42, 7, 3, 10, 20);
        let b = bytemuck::bytes_of(&s);
        assert_eq!(&b[0..4], &17i32.to_le_bytes());
        assert_eq!(&b[8..12], &1i32.to_le_bytes());
        assert_eq!(&b[16..20], &42i32.to_le_bytes()); // si_pid
        assert_eq!(&b[20..24], &7u32.to_le_bytes()); // si_uid
        assert_eq!(&b[24..28], &3i32.to_le_bytes()); // si_status
        assert_eq!(&b[32..40], &10u64.to_le_bytes()); // si_utime
        assert_eq!(SigInfo::fault(SIGSEGV, SEGV_MAPERR, 0x1234).addr(), 0x1234);
    }

    #[test]
    fn default_actions() {
        assert_eq!(default_action(SIGCHLD), DefaultAction::Ignore);
        assert_eq!(default_action(SIGSEGV), DefaultAction::Core);
        assert_eq!(default_action(SIGTSTP), DefaultAction::Stop);
        assert_eq!(default_action(SIGCONT), DefaultAction::Continue);
        assert_eq!(default_action(SIGTERM), DefaultAction::Terminate);
        assert_eq!(default_action(40), DefaultAction::Terminate);
    }
}
