//! Signal delivery on the way back to user mode: the riscv64 frame, the handler's registers,
//! rt_sigreturn, masks and flags, default actions, faults, and interrupted syscalls.
use abi::signal::*;
use abi::structs::{SigAction, Timespec};
use hal::context::{reg, Access, Trap, UserContext};
use mm::layout::SIGRETURN_TRAMPOLINE;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};
use task::executor::block_on;
use task::process::ExitStatus;
use uspace::testing::Ecall;

const HANDLER: usize = 0x4_0000;
const FRAME: usize = core::mem::size_of::<RtSigFrame>();
const ACT: usize = SCRATCH + 0x100;
const SET: usize = SCRATCH + 0x200;

fn action(k: &TestKernel, p: &Caller, sig: usize, handler: usize, flags: u64, mask: u64) {
    k.poke(p, ACT, bytemuck::bytes_of(&SigAction { handler, flags, mask }));
    assert_eq!(k.syscall(p, Sysno::rt_sigaction, [sig, ACT, 0, 8]), 0);
}

fn block(k: &TestKernel, p: &Caller, how: usize, set: u64) {
    k.poke(p, SET, &set.to_le_bytes());
    assert_eq!(k.syscall(p, Sysno::rt_sigprocmask, [how, SET, 0, 8]), 0);
}

fn mask(p: &Caller) -> u64 {
    p.thread().sigmask.load(core::sync::atomic::Ordering::Relaxed)
}

fn ctx(p: &Caller) -> UserContext {
    p.thread().ctx.lock().clone()
}

/// A process whose registers hold recognisable values (x_i = 0x1000 + i), pc 0x1_0000 and a
/// 16-byte aligned stack near the top of SCRATCH, FP registers and fcsr set.
fn spawn_with_registers(k: &TestKernel) -> Caller {
    let p = k.spawn();
    {
        let mut c = p.thread().ctx.lock();
        for i in 1..32 {
            c.x[i] = 0x1000 + i;
        }
        c.x[reg::SP] = SCRATCH + 0x8_0000;
        c.x[reg::TP] = 0x7000;
        c.sepc = 0x1_0000;
        for i in 0..32 {
            c.f[i] = 0x4000_0000_0000_0000 + i as u64;
        }
        c.fcsr = 0x61;
    }
    p
}

fn pid(p: &Caller) -> usize {
    p.process().pid
}

/// kill(getpid(), sig) through the trap path; returns the registers afterwards.
fn raise(k: &TestKernel, p: &Caller, sig: usize) -> UserContext {
    let r = k.ecall(p, Sysno::kill, [pid(p), sig]);
    let c = ctx(p);
    assert!(r >= 0 || c.sepc == HANDLER, "kill failed: {r}");
    c
}

#[test]
fn a_handler_gets_the_linux_riscv64_frame_and_registers() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGUSR1, HANDLER, SA_SIGINFO, 0);
    block(&k, &p, SIG_SETMASK, sigbit(SIGUSR2));
    let sp = ctx(&p).sp();
    let c = raise(&k, &p, SIGUSR1);
    let frame_at = (sp - FRAME) & !15;
    assert_eq!(c.sepc, HANDLER);
    assert_eq!(c.sp(), frame_at);
    assert_eq!(c.x[reg::RA], SIGRETURN_TRAMPOLINE);
    assert_eq!(c.x[reg::A0], SIGUSR1);
    assert_eq!(c.x[reg::A0 + 1], frame_at, "a1 = &frame.info");
    assert_eq!(c.x[reg::A0 + 2], frame_at + 128, "a2 = &frame.uc");
    assert_eq!(c.x[reg::TP], 0x7000, "other registers are kept");
    assert_eq!(c.f, ctx(&p).f);

    let bytes = k.peek(&p, frame_at, FRAME);
    let frame: RtSigFrame = bytemuck::pod_read_unaligned(&bytes);
    // siginfo: kill() by this very process.
    assert_eq!(&bytes[0..4], &(SIGUSR1 as i32).to_le_bytes());
    assert_eq!(&bytes[4..8], &0i32.to_le_bytes(), "si_errno");
    assert_eq!(&bytes[8..12], &SI_USER.to_le_bytes());
    assert_eq!(&bytes[16..20], &(pid(&p) as i32).to_le_bytes(), "si_pid");
    assert_eq!(&bytes[20..24], &0u32.to_le_bytes(), "si_uid");
    // ucontext: flags, link, stack (disabled), the mask before the handler.
    assert_eq!(&bytes[128..144], &[0; 16]);
    assert_eq!(frame.uc.stack, StackT { sp: 0, flags: SS_DISABLE, _pad: 0, size: 0 });
    assert_eq!(&bytes[128 + 40..128 + 48], &sigbit(SIGUSR2).to_le_bytes());
    // sigcontext: pc (after the ecall), then x1..x31 as they were, a0 = kill's result 0.
    let regs = 128 + 176;
    assert_eq!(&bytes[regs..regs + 8], &(0x1_0000u64 + 4).to_le_bytes());
    for i in 1..32 {
        let want = match i {
            reg::A0 => 0,  // kill's result
            11 => SIGUSR1, // kill's second argument
            reg::A7 => Sysno::kill.0,
            reg::SP => SCRATCH + 0x8_0000,
            reg::TP => 0x7000,
            _ => 0x1000 + i,
        };
        let got = u64::from_le_bytes(bytes[regs + 8 * i..regs + 8 * i + 8].try_into().unwrap());
        assert_eq!(got, want as u64, "x{i}");
    }
    let fp = regs + 256;
    assert_eq!(&bytes[fp..fp + 8], &0x4000_0000_0000_0000u64.to_le_bytes(), "f0");
    assert_eq!(&bytes[fp + 31 * 8..fp + 32 * 8], &0x4000_0000_0000_001fu64.to_le_bytes(), "f31");
    assert_eq!(&bytes[fp + 256..fp + 260], &0x61u32.to_le_bytes(), "fcsr");
    assert!(bytes[fp + 260..].iter().all(|&b| b == 0), "the reserved part is zero");
    // During the handler the signal itself is blocked as well.
    assert_eq!(mask(&p), sigbit(SIGUSR2) | sigbit(SIGUSR1));
}

#[test]
fn rt_sigreturn_restores_everything_the_frame_holds() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGUSR1, HANDLER, 0, 0);
    let before = {
        let mut c = ctx(&p);
        c.sepc += 4; // past the ecall of kill
        c.x[reg::A0] = 0; // kill's result
        c.x[reg::A7] = Sysno::kill.0;
        c.x[reg::A0 + 1] = SIGUSR1;
        c
    };
    raise(&k, &p, SIGUSR1);
    // The handler scribbles over registers, then returns through the trampoline.
    {
        let mut c = p.thread().ctx.lock();
        c.x[5] = 0xdead;
        c.f[3] = 0xbeef;
        c.fcsr = 0;
        c.sepc = SIGRETURN_TRAMPOLINE + 4;
    }
    let a0 = k.ecall(&p, Sysno::rt_sigreturn, []);
    assert_eq!(a0, 0, "a0 as it was before the handler");
    assert_eq!(ctx(&p), before);
    assert_eq!(mask(&p), 0, "the mask is back");
}

#[test]
fn a_handler_may_change_the_saved_context() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGUSR1, HANDLER, SA_SIGINFO, 0);
    let c = raise(&k, &p, SIGUSR1);
    let uc = c.x[reg::A0 + 2];
    k.poke(&p, uc + 176, &0x2_0000u64.to_le_bytes()); // uc_mcontext pc
    k.poke(&p, uc + 176 + 8 * 9, &77u64.to_le_bytes()); // s1
    k.poke(&p, uc + 40, &sigbit(SIGTERM).to_le_bytes()); // uc_sigmask
    k.ecall(&p, Sysno::rt_sigreturn, []);
    let c = ctx(&p);
    assert_eq!((c.sepc, c.x[9]), (0x2_0000, 77));
    assert_eq!(mask(&p), sigbit(SIGTERM));
}

#[test]
fn sigreturn_cannot_block_sigkill_or_sigstop() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGUSR1, HANDLER, 0, 0);
    let c = raise(&k, &p, SIGUSR1);
    k.poke(&p, c.x[reg::A0 + 2] + 40, &u64::MAX.to_le_bytes());
    k.ecall(&p, Sysno::rt_sigreturn, []);
    assert_eq!(mask(&p), !(sigbit(SIGKILL) | sigbit(SIGSTOP)));
}

#[test]
fn a_bad_frame_at_sigreturn_is_sigsegv() {
    let k = TestKernel::new();
    let p = k.spawn();
    p.thread().ctx.lock().x[reg::SP] = UNMAPPED;
    k.ecall(&p, Sysno::rt_sigreturn, []);
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(SIGSEGV)));
}

#[test]
fn nonzero_reserved_fp_words_make_the_frame_bad() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGUSR1, HANDLER, 0, 0);
    let c = raise(&k, &p, SIGUSR1);
    k.poke(&p, c.sp() + 128 + 176 + 512 + 4, &[1]);
    k.ecall(&p, Sysno::rt_sigreturn, []);
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(SIGSEGV)));
}

#[test]
fn sa_mask_and_sa_nodefer_decide_what_is_blocked_in_the_handler() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGUSR1, HANDLER, 0, sigbit(SIGINT) | sigbit(SIGKILL));
    raise(&k, &p, SIGUSR1);
    assert_eq!(mask(&p), sigbit(SIGINT) | sigbit(SIGUSR1), "SIGKILL is dropped from sa_mask");
    let q = spawn_with_registers(&k);
    action(&k, &q, SIGUSR2, HANDLER, SA_NODEFER, 0);
    raise(&k, &q, SIGUSR2);
    assert_eq!(mask(&q), 0);
}

#[test]
fn sa_resethand_runs_the_handler_once() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGUSR1, HANDLER, SA_RESETHAND, 0);
    raise(&k, &p, SIGUSR1);
    assert_eq!(p.process().sigaction(SIGUSR1).handler, SIG_DFL);
}

#[test]
fn sa_onstack_puts_the_frame_on_the_alternate_stack() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    let alt = SCRATCH + 0x1_0000;
    k.poke(&p, SET, bytemuck::bytes_of(&StackT { sp: alt, flags: 0, _pad: 0, size: 0x4000 }));
    assert_eq!(k.syscall(&p, Sysno::sigaltstack, [SET, 0]), 0);
    action(&k, &p, SIGUSR1, HANDLER, SA_ONSTACK | SA_SIGINFO, 0);
    let c = raise(&k, &p, SIGUSR1);
    let frame_at = (alt + 0x4000 - FRAME) & !15;
    assert_eq!(c.sp(), frame_at);
    let frame: RtSigFrame = k.peek_val(&p, frame_at);
    assert_eq!(frame.uc.stack, StackT { sp: alt, flags: 0, _pad: 0, size: 0x4000 }, "not on it when interrupted");
    // In the handler, sigaltstack reports being on the stack and refuses changes.
    assert_eq!(k.syscall(&p, Sysno::sigaltstack, [0, SET]), 0);
    assert_eq!(k.peek_val::<StackT>(&p, SET).flags, SS_ONSTACK);
    k.poke(&p, SET, bytemuck::bytes_of(&StackT { sp: 0, flags: SS_DISABLE, _pad: 0, size: 0 }));
    assert_eq!(k.syscall(&p, Sysno::sigaltstack, [SET, 0]), EPERM);
    // A nested signal on the alternate stack goes below the current frame.
    action(&k, &p, SIGUSR2, HANDLER, SA_ONSTACK, 0);
    let c2 = raise(&k, &p, SIGUSR2);
    assert_eq!(c2.sp(), (frame_at - FRAME) & !15);
}

#[test]
fn ss_autodisarm_turns_the_alternate_stack_off_in_the_handler() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    let alt = SCRATCH + 0x1_0000;
    k.poke(&p, SET, bytemuck::bytes_of(&StackT { sp: alt, flags: SS_AUTODISARM, _pad: 0, size: 0x4000 }));
    assert_eq!(k.syscall(&p, Sysno::sigaltstack, [SET, 0]), 0);
    action(&k, &p, SIGUSR1, HANDLER, SA_ONSTACK, 0);
    let c = raise(&k, &p, SIGUSR1);
    let frame: RtSigFrame = k.peek_val(&p, c.sp());
    assert_eq!(frame.uc.stack.flags, SS_AUTODISARM);
    assert_eq!(k.syscall(&p, Sysno::sigaltstack, [0, SET]), 0);
    assert_eq!(k.peek_val::<StackT>(&p, SET).flags, SS_DISABLE);
    k.ecall(&p, Sysno::rt_sigreturn, []);
    assert_eq!(k.syscall(&p, Sysno::sigaltstack, [0, SET]), 0);
    assert_eq!(k.peek_val::<StackT>(&p, SET).size, 0x4000, "sigreturn restored it");
}

#[test]
fn sigaltstack_checks_its_arguments() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SET, bytemuck::bytes_of(&StackT { sp: SCRATCH, flags: 0, _pad: 0, size: 2047 }));
    assert_eq!(k.syscall(&p, Sysno::sigaltstack, [SET, 0]), ENOMEM);
    k.poke(&p, SET, bytemuck::bytes_of(&StackT { sp: SCRATCH, flags: 7, _pad: 0, size: 8192 }));
    assert_eq!(k.syscall(&p, Sysno::sigaltstack, [SET, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::sigaltstack, [UNMAPPED, 0]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::sigaltstack, [0, READONLY]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::sigaltstack, [0, SET + 64]), 0);
    assert_eq!(k.peek_val::<StackT>(&p, SET + 64), StackT { sp: 0, flags: SS_DISABLE, _pad: 0, size: 0 });
    k.poke(&p, SET, bytemuck::bytes_of(&StackT { sp: SCRATCH, flags: SS_ONSTACK, _pad: 0, size: 8192 }));
    assert_eq!(k.syscall(&p, Sysno::sigaltstack, [SET, SET + 64]), 0, "SS_ONSTACK is accepted as 0");
    assert_eq!(k.peek_val::<StackT>(&p, SET + 64).flags, SS_DISABLE, "the old value");
    k.poke(&p, SET, bytemuck::bytes_of(&StackT { sp: 1, flags: SS_DISABLE, _pad: 0, size: 1 }));
    assert_eq!(k.syscall(&p, Sysno::sigaltstack, [SET, SET + 64]), 0);
    assert_eq!(k.peek_val::<StackT>(&p, SET + 64), StackT { sp: SCRATCH, flags: 0, _pad: 0, size: 8192 });
}

#[test]
fn no_room_for_the_frame_kills_with_sigsegv() {
    let k = TestKernel::new();
    let p = k.spawn();
    action(&k, &p, SIGUSR1, HANDLER, 0, 0);
    p.thread().ctx.lock().x[reg::SP] = READONLY + 0x800;
    k.ecall(&p, Sysno::kill, [pid(&p), SIGUSR1]);
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(SIGSEGV)));
}

#[test]
fn several_pending_signals_stack_their_frames_lowest_first() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGUSR1, HANDLER, 0, 0);
    action(&k, &p, SIGUSR2, HANDLER + 0x100, 0, 0);
    block(&k, &p, SIG_SETMASK, sigbit(SIGUSR1) | sigbit(SIGUSR2));
    k.syscall(&p, Sysno::kill, [pid(&p), SIGUSR2]);
    k.syscall(&p, Sysno::kill, [pid(&p), SIGUSR1]);
    let sp = ctx(&p).sp();
    block(&k, &p, SIG_SETMASK, 0);
    assert_eq!(k.ecall(&p, Sysno::getpid, []), SIGUSR2 as isize, "a0 of the top handler");
    let c = ctx(&p);
    assert_eq!(c.sepc, HANDLER + 0x100, "SIGUSR2's frame was set up last and runs first");
    let lower = (sp - FRAME) & !15;
    assert_eq!(c.sp(), (lower - FRAME) & !15);
    let first: RtSigFrame = k.peek_val(&p, lower);
    assert_eq!(first.info.signo, SIGUSR1 as i32);
    assert_eq!(first.uc.regs[0], (0x1_0000 + 4) as u64);
    let top: RtSigFrame = k.peek_val(&p, c.sp());
    assert_eq!(top.uc.regs[0], HANDLER as u64, "returns into SIGUSR1's handler");
}

#[test]
fn blocked_signals_wait_and_arrive_when_unblocked() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGUSR1, HANDLER, 0, 0);
    block(&k, &p, SIG_BLOCK, sigbit(SIGUSR1));
    raise(&k, &p, SIGUSR1);
    assert_ne!(ctx(&p).sepc, HANDLER);
    assert_eq!(k.syscall(&p, Sysno::rt_sigpending, [SET, 8]), 0);
    assert_eq!(k.peek_val::<u64>(&p, SET), sigbit(SIGUSR1));
    k.poke(&p, SET, &sigbit(SIGUSR1).to_le_bytes());
    k.ecall(&p, Sysno::rt_sigprocmask, [SIG_UNBLOCK, SET, 0, 8]);
    assert_eq!(ctx(&p).sepc, HANDLER);
    assert_eq!(task::signal::pending(p.thread()), 0);
}

#[test]
fn standard_signals_queue_once_realtime_ones_every_time() {
    let k = TestKernel::new();
    let p = k.spawn();
    block(&k, &p, SIG_SETMASK, !0);
    for _ in 0..3 {
        k.syscall(&p, Sysno::kill, [pid(&p), SIGUSR1]);
        k.syscall(&p, Sysno::kill, [pid(&p), 40]);
    }
    let t = p.thread();
    let mut got = vec![];
    while let Some(i) = task::signal::dequeue(t, !0) {
        got.push(i.signo);
    }
    assert_eq!(got, vec![SIGUSR1 as i32, 40, 40, 40]);
}

#[test]
fn default_actions_terminate_or_ignore() {
    let k = TestKernel::new();
    let p = k.spawn();
    for sig in [SIGCHLD, SIGURG, SIGWINCH, SIGCONT] {
        k.ecall(&p, Sysno::kill, [pid(&p), sig]);
        assert_eq!(k.exit_status(&p), None, "signal {sig} is ignored");
        assert_eq!(task::signal::pending(p.thread()), 0, "and not even queued");
    }
    k.ecall(&p, Sysno::kill, [pid(&p), SIGTERM]);
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(SIGTERM)));
    let q = k.spawn();
    k.ecall(&q, Sysno::kill, [pid(&q), SIGQUIT]);
    assert_eq!(k.exit_status(&q), Some(ExitStatus::Signaled(SIGQUIT)), "core: no core bit either");
}

#[test]
fn a_blocked_fatal_signal_kills_only_once_unblocked() {
    let k = TestKernel::new();
    let p = k.spawn();
    block(&k, &p, SIG_BLOCK, sigbit(SIGINT));
    k.ecall(&p, Sysno::kill, [pid(&p), SIGINT]);
    assert_eq!(k.exit_status(&p), None);
    k.poke(&p, SET, &0u64.to_le_bytes());
    assert_eq!(k.ecall(&p, Sysno::rt_sigprocmask, [SIG_SETMASK, SET, 0, 8]), 0);
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(SIGINT)));
    assert!(p.thread().has_exited());
}

#[test]
fn sig_ign_drops_signals_and_discards_pending_ones() {
    let k = TestKernel::new();
    let p = k.spawn();
    action(&k, &p, SIGTERM, SIG_IGN, 0, 0);
    k.ecall(&p, Sysno::kill, [pid(&p), SIGTERM]);
    assert_eq!(k.exit_status(&p), None);
    action(&k, &p, SIGUSR1, HANDLER, 0, 0);
    block(&k, &p, SIG_BLOCK, sigbit(SIGUSR1));
    k.syscall(&p, Sysno::kill, [pid(&p), SIGUSR1]);
    assert_eq!(task::signal::pending(p.thread()), sigbit(SIGUSR1));
    action(&k, &p, SIGUSR1, SIG_IGN, 0, 0);
    assert_eq!(task::signal::pending(p.thread()), 0, "POSIX: discarded even though blocked");
}

#[test]
fn sigkill_cannot_be_blocked() {
    let k = TestKernel::new();
    let p = k.spawn();
    block(&k, &p, SIG_SETMASK, !0);
    assert_eq!(mask(&p) & (sigbit(SIGKILL) | sigbit(SIGSTOP)), 0);
    k.ecall(&p, Sysno::kill, [pid(&p), SIGKILL]);
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(SIGKILL)));
}

#[test]
fn a_page_fault_with_a_handler_delivers_sigsegv_with_the_address() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGSEGV, HANDLER, SA_SIGINFO | SA_NODEFER, 0);
    assert!(block_on(uspace::handle_user_trap(&p, Trap::PageFault { addr: UNMAPPED + 8, access: Access::Read })));
    let c = ctx(&p);
    assert_eq!(c.sepc, HANDLER);
    let frame: RtSigFrame = k.peek_val(&p, c.sp());
    assert_eq!((frame.info.signo, frame.info.code), (SIGSEGV as i32, SEGV_MAPERR));
    assert_eq!(frame.info.addr(), UNMAPPED + 8);
    assert_eq!(frame.uc.regs[0], 0x1_0000, "the faulting pc, to retry");

    assert!(block_on(uspace::handle_user_trap(&p, Trap::PageFault { addr: READONLY, access: Access::Write })));
    let frame: RtSigFrame = k.peek_val(&p, ctx(&p).sp());
    assert_eq!((frame.info.code, frame.info.addr()), (SEGV_ACCERR, READONLY), "mapped, but not writable");
}

#[test]
fn a_fault_in_the_handler_of_the_same_fault_kills() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGSEGV, HANDLER, 0, 0);
    assert!(block_on(uspace::handle_user_trap(&p, Trap::PageFault { addr: 0, access: Access::Read })));
    assert!(!block_on(uspace::handle_user_trap(&p, Trap::PageFault { addr: 0, access: Access::Read })));
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(SIGSEGV)));
}

#[test]
fn other_faults_carry_their_codes() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    for sig in [SIGILL, SIGTRAP, SIGBUS] {
        action(&k, &p, sig, HANDLER, SA_SIGINFO | SA_NODEFER, 0);
    }
    for (trap, sig, code, addr) in [
        (Trap::IllegalInstruction, SIGILL, ILL_ILLOPC, 0x1_0000),
        (Trap::Breakpoint, SIGTRAP, TRAP_BRKPT, HANDLER),
        (Trap::Misaligned { addr: 0x1233 }, SIGBUS, BUS_ADRALN, 0x1233),
    ] {
        assert!(block_on(uspace::handle_user_trap(&p, trap)));
        let frame: RtSigFrame = k.peek_val(&p, ctx(&p).sp());
        assert_eq!((frame.info.signo, frame.info.code, frame.info.addr()), (sig as i32, code, addr), "{trap:?}");
    }
}

#[test]
fn a_blocked_or_ignored_fault_signal_kills() {
    let k = TestKernel::new();
    let p = k.spawn();
    action(&k, &p, SIGSEGV, HANDLER, 0, 0);
    block(&k, &p, SIG_BLOCK, sigbit(SIGSEGV));
    assert!(!block_on(uspace::handle_user_trap(&p, Trap::PageFault { addr: 0, access: Access::Read })));
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(SIGSEGV)));
    let q = k.spawn();
    action(&k, &q, SIGILL, SIG_IGN, 0, 0);
    assert!(!block_on(uspace::handle_user_trap(&q, Trap::IllegalInstruction)));
    assert_eq!(k.exit_status(&q), Some(ExitStatus::Signaled(SIGILL)));
}

// ---- interrupted syscalls ----

/// Start `wait4(-1)` in `p` (it blocks on a running child) and send `sig` to `p` meanwhile.
fn interrupted_wait(k: &TestKernel, p: &Caller, sig: usize) -> isize {
    let _child = k.fork(p);
    let sender = k.spawn();
    k.syscall_later(&sender, Sysno::kill, [pid(p), sig]);
    k.ecall(p, Sysno::wait4, [usize::MAX, 0, 0, 0])
}

#[test]
fn a_handled_signal_makes_a_blocking_call_eintr() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGUSR1, HANDLER, 0, 0);
    let pc = ctx(&p).sepc;
    interrupted_wait(&k, &p, SIGUSR1);
    let frame: RtSigFrame = k.peek_val(&p, ctx(&p).sp());
    assert_eq!(frame.uc.regs[reg::A0] as i64, EINTR as i64);
    assert_eq!(frame.uc.regs[0], pc as u64 + 4, "after the ecall");
}

#[test]
fn sa_restart_restarts_the_call_after_the_handler() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGUSR1, HANDLER, SA_RESTART, 0);
    let pc = ctx(&p).sepc;
    interrupted_wait(&k, &p, SIGUSR1);
    let frame: RtSigFrame = k.peek_val(&p, ctx(&p).sp());
    assert_eq!(frame.uc.regs[0], pc as u64, "back on the ecall");
    assert_eq!(frame.uc.regs[reg::A0], usize::MAX as u64, "with the original a0");
    assert_eq!(frame.uc.regs[reg::A7], Sysno::wait4.0 as u64);
}

#[test]
fn a_stop_and_continue_restart_the_call_without_a_handler() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    let _child = k.fork(&p);
    let sender = Caller::new(k.spawn().thread().clone());
    let target = pid(&p);
    task::executor::spawn(async move {
        syscalls::dispatch(&sender, Sysno::kill.0, [target, SIGSTOP, 0, 0, 0, 0]).await;
        let now = hal::time::now_ns();
        task::executor::sleep_until(now + 1_000_000).await;
        syscalls::dispatch(&sender, Sysno::kill.0, [target, SIGCONT, 0, 0, 0, 0]).await;
    });
    let pc = ctx(&p).sepc;
    let a0 = k.ecall(&p, Sysno::wait4, [usize::MAX, 0, 0, 0]);
    assert_eq!((a0, ctx(&p).sepc), (-1, pc), "restarted: pc on the ecall, a0 = pid -1 again");
}

#[test]
fn an_interrupted_nanosleep_reports_the_time_left() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGALRM, HANDLER, SA_RESTART, 0);
    k.poke(&p, SET, bytemuck::bytes_of(&Timespec { tv_sec: 10, tv_nsec: 0 }));
    let sender = Caller::new(k.spawn().thread().clone());
    let target = pid(&p);
    task::executor::spawn(async move {
        task::executor::sleep_until(hal::time::now_ns() + 3_000_000_000).await;
        syscalls::dispatch(&sender, Sysno::kill.0, [target, SIGALRM, 0, 0, 0, 0]).await;
    });
    k.ecall(&p, Sysno::nanosleep, [SET, SET + 16]);
    let frame: RtSigFrame = k.peek_val(&p, ctx(&p).sp());
    assert_eq!(frame.uc.regs[reg::A0] as i64, EINTR as i64, "never restarted after a handler");
    assert_eq!(k.peek_val::<Timespec>(&p, SET + 16), Timespec { tv_sec: 7, tv_nsec: 0 });
}

#[test]
fn restart_syscall_goes_on_with_the_original_deadline() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    let start = hal::time::now_ns();
    k.poke(&p, SET, bytemuck::bytes_of(&Timespec { tv_sec: 5, tv_nsec: 0 }));
    let sender = Caller::new(k.spawn().thread().clone());
    let target = pid(&p);
    task::executor::spawn(async move {
        task::executor::sleep_until(hal::time::now_ns() + 1_000_000_000).await;
        syscalls::dispatch(&sender, Sysno::kill.0, [target, SIGSTOP, 0, 0, 0, 0]).await;
        task::executor::sleep_until(hal::time::now_ns() + 1_000_000_000).await;
        syscalls::dispatch(&sender, Sysno::kill.0, [target, SIGCONT, 0, 0, 0, 0]).await;
    });
    let pc = ctx(&p).sepc;
    k.ecall(&p, Sysno::nanosleep, [SET, 0]);
    let c = ctx(&p);
    assert_eq!((c.sepc, c.x[reg::A7]), (pc, Sysno::restart_syscall.0), "continued into restart_syscall");
    assert_eq!(k.ecall(&p, Sysno::restart_syscall, []), 0);
    assert_eq!(hal::time::now_ns(), start + 5_000_000_000, "the sleep ends when it would have");
    assert_eq!(k.syscall(&p, Sysno::restart_syscall, []), EINTR, "nothing left to restart");
}

#[test]
fn sigsuspend_returns_eintr_after_the_handler_and_restores_the_mask() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGUSR1, HANDLER, 0, 0);
    block(&k, &p, SIG_SETMASK, sigbit(SIGUSR1) | sigbit(SIGUSR2));
    k.syscall(&p, Sysno::kill, [pid(&p), SIGUSR1]);
    k.poke(&p, SET, &sigbit(SIGUSR2).to_le_bytes());
    k.ecall(&p, Sysno::rt_sigsuspend, [SET, 8]);
    let c = ctx(&p);
    assert_eq!(c.sepc, HANDLER);
    let frame: RtSigFrame = k.peek_val(&p, c.sp());
    assert_eq!(frame.uc.regs[reg::A0] as i64, EINTR as i64);
    assert_eq!(frame.uc.sigmask, sigbit(SIGUSR1) | sigbit(SIGUSR2), "the mask before sigsuspend");
    assert_eq!(mask(&p), sigbit(SIGUSR2) | sigbit(SIGUSR1), "the temporary mask plus the signal");
    k.ecall(&p, Sysno::rt_sigreturn, []);
    assert_eq!(mask(&p), sigbit(SIGUSR1) | sigbit(SIGUSR2));
}

#[test]
fn sigsuspend_waits_for_a_signal_from_elsewhere() {
    let k = TestKernel::new();
    let p = spawn_with_registers(&k);
    action(&k, &p, SIGUSR1, HANDLER, 0, 0);
    let sender = k.spawn();
    k.syscall_later(&sender, Sysno::kill, [pid(&p), SIGUSR1]);
    k.poke(&p, SET, &0u64.to_le_bytes());
    k.ecall(&p, Sysno::rt_sigsuspend, [SET, 8]);
    assert_eq!(ctx(&p).sepc, HANDLER);
    assert_eq!(k.syscall(&p, Sysno::rt_sigsuspend, [SET, 4]), EINVAL);
}
