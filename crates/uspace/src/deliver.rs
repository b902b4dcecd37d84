//! Signal delivery on the way back to user mode: default actions, handler frames, syscall
//! restarts.
//!
//! [`deliver`] runs after every trap (`trap::handle_user_trap`). It takes the pending signals
//! the thread does not block, lowest first (fault signals before all others), and acts on each:
//! ignore it, stop the process (waiting for SIGCONT), end the process, or set up a handler
//! frame (`syscalls::sigframe`: the architecture's `rt_sigframe`, whose return address is the
//! sigreturn trampoline every process has mapped). Like Linux it keeps going while deliverable
//! signals remain, so several handlers are stacked and the last one set up runs first.
//!
//! A syscall interrupted by a signal returns an ERESTART* code; here it becomes EINTR when a
//! handler runs (unless SA_RESTART with ERESTARTSYS), or the call is restarted by stepping the
//! pc back to the `ecall` with the original a0 (ERESTART_RESTARTBLOCK: through restart_syscall).
use abi::signal::*;
use abi::{Errno, Sysno};
use core::sync::atomic::Ordering;
use hal::context::UserContext;
use syscalls::sigframe::setup_frame;
use syscalls::Caller;
use task::process::ExitStatus;
use task::signal;

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
    let v = ctx.return_value();
    (-4095..0).contains(&v).then(|| Errno::from_raw(-v as i32)).flatten()
}

fn restart_for_handler(ctx: &mut UserContext, orig_a0: usize, flags: u64) {
    match errno_of(ctx) {
        Some(Errno::ERESTARTNOHAND | Errno::ERESTART_RESTARTBLOCK) => ctx.set_return(Errno::EINTR.as_ret()),
        Some(Errno::ERESTARTSYS) if flags & SA_RESTART == 0 => ctx.set_return(Errno::EINTR.as_ret()),
        Some(Errno::ERESTARTSYS | Errno::ERESTARTNOINTR) => ctx.restart_syscall(orig_a0),
        _ => {}
    }
}

fn restart_without_handler(ctx: &mut UserContext, orig_a0: usize) {
    match errno_of(ctx) {
        Some(Errno::ERESTARTSYS | Errno::ERESTARTNOHAND | Errno::ERESTARTNOINTR) => ctx.restart_syscall(orig_a0),
        Some(Errno::ERESTART_RESTARTBLOCK) => ctx.redo_syscall_as(Sysno::restart_syscall.0),
        _ => {}
    }
}
