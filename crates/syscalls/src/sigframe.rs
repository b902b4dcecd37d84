//! Signal handler frames: writing one (the delivery on the way back to user mode calls
//! [`setup_frame`]) and taking it back down (`rt_sigreturn`), and the alternate signal stack.
//!
//! The frame is Linux's `struct rt_sigframe` for the architecture ([`RtSigFrame`]): the siginfo,
//! then a `ucontext` holding the interrupted registers, the mask to restore and the
//! alternate-stack settings. It goes 16-byte aligned below the stack pointer, or at the top of
//! the alternate stack with SA_ONSTACK. Which registers go where, and how a handler is entered
//! (arguments, return address = the sigreturn trampoline every process has mapped), is the
//! register file's business (`hal::context`, the architecture seam); this module only places
//! the frame and keeps the masks.
use crate::Caller;
use abi::signal::*;
use abi::structs::SigAction;
use abi::{Errno, SysResult};
use core::sync::atomic::Ordering;
use mm::layout::SIGRETURN_TRAMPOLINE;
use mm::UserPtr;
use task::signal;

const FRAME_SIZE: usize = core::mem::size_of::<RtSigFrame>();
const UC_OFFSET: usize = core::mem::offset_of!(RtSigFrame, uc);

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
pub fn setup_frame(cx: &Caller, info: &SigInfo, act: &SigAction) -> SysResult<()> {
    let t = cx.thread();
    let sig = info.signo as usize;
    let mut frame = RtSigFrame { info: *info, ..RtSigFrame::default() };
    let sp = {
        let ctx = t.ctx.lock();
        ctx.save_to(&mut frame.uc);
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
    t.ctx.lock().enter_handler(act.handler, SIGRETURN_TRAMPOLINE, frame_at, [sig, frame_at, frame_at + UC_OFFSET]);
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
            Ok(t.ctx.lock().return_value() as usize)
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
    let sp = {
        let mut ctx = t.ctx.lock();
        if !ctx.restore_from(&uc) {
            return Err(Errno::EINVAL);
        }
        ctx.sp()
    };
    signal::set_mask(t, uc.sigmask);
    // Restoring the alternate stack may fail (e.g. still on it): ignored, as in Linux.
    let _ = change_altstack(t, &uc.stack, sp);
    Ok(t.ctx.lock().return_value() as usize)
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
