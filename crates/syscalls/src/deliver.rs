//! Signal delivery on the way back to user mode: default actions, handler frames, syscall
//! restarts, and rt_sigreturn.
//!
//! [`deliver`] runs after every trap (`trap::handle_user_trap`). It takes the pending signals
//! the thread does not block, lowest first (fault signals before all others), and acts on each:
//! ignore it, stop the process (waiting for SIGCONT), end the process, or set up a handler
//! frame. Like Linux it keeps going while deliverable signals remain, so several handlers are
//! stacked and the last one set up runs first.
//!
//! The handler frame is Linux's riscv64 `struct rt_sigframe` ([`RtSigFrame`]): the siginfo,
//! then a `ucontext` holding the interrupted registers (pc, x1..x31, f0..f31, fcsr), the mask to
//! restore and the alternate-stack settings. It goes 16-byte aligned below the stack pointer, or
//! at the top of the alternate stack with SA_ONSTACK. The handler starts with a0 = signal,
//! a1 = &siginfo, a2 = &ucontext, sp = the frame, and ra = the sigreturn trampoline that every
//! process has mapped (riscv64 has no SA_RESTORER; Linux uses its vDSO), whose `ecall` of
//! rt_sigreturn puts everything back.
//!
//! A syscall interrupted by a signal returns an ERESTART* code; here it becomes EINTR when a
//! handler runs (unless SA_RESTART with ERESTARTSYS), or the call is restarted by stepping the
//! pc back to the `ecall` with the original a0 (ERESTART_RESTARTBLOCK: through restart_syscall).
use crate::Caller;
use abi::signal::*;
use abi::structs::SigAction;
use abi::{Errno, SysResult, Sysno};
use core::sync::atomic::Ordering;
use hal::context::{reg, UserContext};
use mm::layout::SIGRETURN_TRAMPOLINE;
use mm::UserPtr;
use task::process::ExitStatus;
use task::signal;

const FRAME_SIZE: usize = core::mem::size_of::<RtSigFrame>();
const UC_OFFSET: usize = core::mem::offset_of!(RtSigFrame, uc);

/// Act on the caller's deliverable signals before it returns to user mode. `syscall` is the
/// original a0 if the trap was a syscall (other than rt_sigreturn), for restarts.
pub async fn deliver(cx: &Caller, mut syscall: Option<usize>) {
    let t = cx.thread();
    loop {
        if t.exiting() {
            return;
        }
        if t.process.stopped().is_some() {
            signal::wait_while_stopped(t).await;
            continue;
        }
        let blocked = t.sigmask.load(Ordering::Relaxed);
        let Some(info) = signal::dequeue(t, !blocked) else { break };
        let sig = info.signo as usize;
        let act = t.process.sigaction(sig);
        match act.handler {
            SIG_IGN => continue,
            // Queued while blocked, or forced: init still drops all but SIGKILL and SIGSTOP.
            SIG_DFL if signal::init_ignores(&t.process, sig, true) => continue,
            SIG_DFL => match default_action(sig) {
                DefaultAction::Ignore | DefaultAction::Continue => continue,
                DefaultAction::Stop => {
                    signal::stop(t, sig).await;
                    continue;
                }
                DefaultAction::Terminate | DefaultAction::Core => {
                    t.process.exit(ExitStatus::Signaled(sig));
                    return;
                }
            },
            _ => {
                if let Some(orig_a0) = syscall.take() {
                    restart_for_handler(&mut t.ctx.lock(), orig_a0, act.flags);
                }
                let mut written = setup_frame(cx, &info, &act);
                if written == Err(Errno::ENOMEM) {
                    // The stack's page could not be had: as a page fault, wait for the OOM
                    // killer to free memory, then try once more.
                    crate::trap::wait_for_memory(cx).await;
                    written = setup_frame(cx, &info, &act);
                }
                if written.is_err() {
                    // No room for the frame: the program cannot go on (Linux's force_sigsegv).
                    log::info!("pid {}: cannot write the frame for signal {sig}: SIGSEGV", t.process.pid);
                    t.process.exit(ExitStatus::Signaled(SIGSEGV));
                    return;
                }
            }
        }
    }
    if let Some(orig_a0) = syscall {
        restart_without_handler(&mut t.ctx.lock(), orig_a0);
    }
    signal::restore_saved_mask(t);
}

fn errno_of(ctx: &UserContext) -> Option<Errno> {
    let v = ctx.x[reg::A0] as isize;
    (-4095..0).contains(&v).then(|| Errno::from_raw(-v as i32)).flatten()
}

/// Step back to the `ecall` with the original first argument.
fn restart(ctx: &mut UserContext, orig_a0: usize) {
    // Wrapping: the pc is the program's, whatever it is (the ecall was at pc - 4).
    ctx.sepc = ctx.sepc.wrapping_sub(4);
    ctx.x[reg::A0] = orig_a0;
}

fn restart_for_handler(ctx: &mut UserContext, orig_a0: usize, flags: u64) {
    match errno_of(ctx) {
        Some(Errno::ERESTARTNOHAND | Errno::ERESTART_RESTARTBLOCK) => ctx.set_return(Errno::EINTR.as_ret()),
        Some(Errno::ERESTARTSYS) if flags & SA_RESTART == 0 => ctx.set_return(Errno::EINTR.as_ret()),
        Some(Errno::ERESTARTSYS | Errno::ERESTARTNOINTR) => restart(ctx, orig_a0),
        _ => {}
    }
}

fn restart_without_handler(ctx: &mut UserContext, orig_a0: usize) {
    match errno_of(ctx) {
        Some(Errno::ERESTARTSYS | Errno::ERESTARTNOHAND | Errno::ERESTARTNOINTR) => restart(ctx, orig_a0),
        Some(Errno::ERESTART_RESTARTBLOCK) => {
            ctx.sepc = ctx.sepc.wrapping_sub(4);
            ctx.x[reg::A7] = Sysno::restart_syscall.0;
        }
        _ => {}
    }
}

/// Is `sp` on the alternate stack `ss`? (It grows down: the top byte is outside.)
pub fn on_stack(ss: &StackT, sp: usize) -> bool {
    ss.size != 0 && sp > ss.sp && sp - ss.sp <= ss.size
}

/// The `stack_t` as sigaltstack and the frame report it for a thread whose sp is `sp`.
pub fn reported_altstack(ss: &StackT, sp: usize) -> StackT {
    let state = if ss.size == 0 {
        SS_DISABLE
    } else if on_stack(ss, sp) {
        SS_ONSTACK
    } else {
        0
    };
    StackT { sp: ss.sp, flags: state | ss.flags, _pad: 0, size: ss.size }
}

/// Write the frame for `info` and point the registers at the handler. (The registers are read
/// into the frame and changed in place: a copy of the whole context is 528 bytes each way.)
fn setup_frame(cx: &Caller, info: &SigInfo, act: &SigAction) -> SysResult<()> {
    let t = cx.thread();
    let sig = info.signo as usize;
    let mut frame = RtSigFrame { info: *info, ..RtSigFrame::default() };
    let sp = {
        let ctx = t.ctx.lock();
        frame.uc.regs[0] = ctx.sepc as u64;
        for i in 1..32 {
            frame.uc.regs[i] = ctx.x[i] as u64;
        }
        frame.uc.fpregs = ctx.f;
        frame.uc.fcsr = ctx.fcsr as u32;
        ctx.sp()
    };
    let ss = signal::altstack(t);
    // sigaltstack takes any base and size: a stack whose top does not fit in the address
    // space is as unusable as an unmapped one.
    let top = if act.flags & SA_ONSTACK != 0 && ss.size != 0 && !on_stack(&ss, sp) {
        ss.sp.checked_add(ss.size).ok_or(Errno::EFAULT)?
    } else {
        sp
    };
    let frame_at = top.checked_sub(FRAME_SIZE).ok_or(Errno::EFAULT)? & !15;
    if on_stack(&ss, sp) && !on_stack(&ss, frame_at) {
        return Err(Errno::EFAULT); // the alternate stack overflowed
    }
    let blocked = t.sigmask.load(Ordering::Relaxed);
    let saved_mask = signal::take_saved_mask(t);
    frame.uc.stack = reported_altstack(&ss, sp);
    frame.uc.sigmask = saved_mask.unwrap_or(blocked);
    if let Err(e) = UserPtr::<RtSigFrame>::new(frame_at).write(&mut cx.mm(), &frame) {
        // Nothing changed: a second try (after memory was freed) finds all as it was.
        if let Some(m) = saved_mask {
            signal::keep_saved_mask(t, m);
        }
        return Err(e);
    }
    if ss.flags & SS_AUTODISARM != 0 {
        signal::set_altstack(t, StackT::default());
    }
    {
        let mut ctx = t.ctx.lock();
        ctx.sepc = act.handler;
        ctx.x[reg::RA] = SIGRETURN_TRAMPOLINE;
        ctx.x[reg::SP] = frame_at;
        ctx.x[reg::A0] = sig;
        ctx.x[reg::A0 + 1] = frame_at;
        ctx.x[reg::A0 + 2] = frame_at + UC_OFFSET;
    }
    let mut mask = blocked | act.mask;
    if act.flags & SA_NODEFER == 0 {
        mask |= sigbit(sig);
    }
    signal::set_mask(t, mask);
    if act.flags & SA_RESETHAND != 0 {
        t.process.sigactions.lock()[sig - 1].handler = SIG_DFL;
    }
    Ok(())
}

/// rt_sigreturn(2): restore what the handler frame at sp saved: registers, FP state, signal
/// mask, alternate stack. Returns the restored a0 (the dispatcher puts it back in a0). A bad
/// frame is SIGSEGV.
pub async fn sys_rt_sigreturn(cx: &Caller) -> SysResult<usize> {
    let t = cx.thread();
    signal::take_restart(t);
    let sp = t.ctx.lock().sp();
    match restore_frame(cx, sp) {
        Ok(a0) => Ok(a0),
        Err(_) => {
            log::info!("pid {}: bad signal frame at {sp:#x}: SIGSEGV", t.process.pid);
            signal::force_fault(t, SigInfo { signo: SIGSEGV as i32, code: SI_KERNEL, ..SigInfo::default() });
            Ok(t.ctx.lock().x[reg::A0])
        }
    }
}

fn restore_frame(cx: &Caller, frame_at: usize) -> SysResult<usize> {
    let t = cx.thread();
    // Only the ucontext matters (the siginfo below it is the handler's to read), read in place.
    let mut uc = UContext::default();
    // sp is the program's: a frame that would wrap around the address space is a bad frame.
    let uc_at = frame_at.checked_add(UC_OFFSET).ok_or(Errno::EFAULT)?;
    cx.mm().read_bytes(uc_at, bytemuck::bytes_of_mut(&mut uc))?;
    // The reserved words after fcsr must be zero (room for extensions, as Linux checks).
    if uc._fp_reserved[..12].iter().any(|&b| b != 0) {
        return Err(Errno::EINVAL);
    }
    let sp = {
        let mut ctx = t.ctx.lock();
        ctx.sepc = uc.regs[0] as usize;
        for i in 1..32 {
            ctx.x[i] = uc.regs[i] as usize;
        }
        ctx.f = uc.fpregs;
        ctx.fcsr = uc.fcsr as usize;
        ctx.sp()
    };
    signal::set_mask(t, uc.sigmask);
    // Restoring the alternate stack may fail (e.g. still on it): ignored, as in Linux.
    let _ = change_altstack(t, &uc.stack, sp);
    Ok(t.ctx.lock().x[reg::A0])
}

/// sigaltstack's checks and update, for a thread whose sp is `sp`.
pub fn change_altstack(t: &task::Thread, new: &StackT, sp: usize) -> SysResult<()> {
    let cur = signal::altstack(t);
    if on_stack(&cur, sp) {
        return Err(Errno::EPERM);
    }
    let mode = new.flags & !SS_AUTODISARM;
    if mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE {
        return Err(Errno::EINVAL);
    }
    let ss = if mode == SS_DISABLE {
        StackT::default()
    } else {
        if new.size < MINSIGSTKSZ {
            return Err(Errno::ENOMEM);
        }
        StackT { sp: new.sp, flags: new.flags & SS_AUTODISARM, _pad: 0, size: new.size }
    };
    signal::set_altstack(t, ss);
    Ok(())
}
