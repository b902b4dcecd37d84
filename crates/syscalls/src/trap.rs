//! What to do when a user thread traps, independent of the architecture.
//!
//! The kernel's per-thread loop enters user mode, gets a [`Trap`] back from `hal`, and hands it
//! here: a syscall is dispatched, a timer tick yields, a page fault is resolved by the address
//! space. A fault the program cannot recover from sends it the signal Linux would (SIGSEGV with
//! SEGV_MAPERR/SEGV_ACCERR and the address, SIGILL, SIGBUS, SIGTRAP), which a handler may catch;
//! if the signal is blocked or ignored the process ends, as on Linux. On the way back to user
//! mode pending signals are delivered (`deliver`), and a thread that must end ends here.
use crate::{deliver::deliver, handle_syscall, Caller};
use abi::signal::*;
use abi::Sysno;
use hal::context::Trap;
use task::signal::force_fault;

/// Handle one trap of `cx`'s thread. Returns `false` once the thread must not run again (it
/// has ended: `Thread::exit` has run).
pub async fn handle_user_trap(cx: &Caller, trap: Trap) -> bool {
    let mut syscall = None;
    match trap {
        Trap::Syscall => {
            let (n, args) = handle_syscall(cx).await;
            // rt_sigreturn restores a0: it is no syscall result to restart.
            if n != Sysno::rt_sigreturn.0 {
                syscall = Some(args[0]);
            }
        }
        Trap::Timer => task::executor::yield_now().await,
        Trap::External => {}
        Trap::PageFault { addr, access } => {
            let r = cx.mm().handle_fault(addr, access);
            if r.is_err() {
                let pc = cx.thread().ctx.lock().sepc;
                let code = if cx.mm().area_at(addr).is_some() { SEGV_ACCERR } else { SEGV_MAPERR };
                log::info!("pid {}: {:?} fault at {addr:#x} (pc {pc:#x}): SIGSEGV", cx.process().pid, access);
                fault(cx, SigInfo::fault(SIGSEGV, code, addr));
            }
        }
        Trap::IllegalInstruction => fault(cx, SigInfo::fault(SIGILL, ILL_ILLOPC, pc(cx))),
        Trap::Breakpoint => fault(cx, SigInfo::fault(SIGTRAP, TRAP_BRKPT, pc(cx))),
        Trap::Misaligned { addr } => fault(cx, SigInfo::fault(SIGBUS, BUS_ADRALN, addr)),
        Trap::Other(cause) => {
            log::warn!("pid {}: unexpected trap cause {cause:#x}: SIGILL", cx.process().pid);
            fault(cx, SigInfo::fault(SIGILL, ILL_ILLOPC, pc(cx)))
        }
    }
    deliver(cx, syscall).await;
    let t = cx.thread();
    if t.exiting() {
        t.exit(0);
        return false;
    }
    true
}

fn pc(cx: &Caller) -> usize {
    cx.thread().ctx.lock().sepc
}

fn fault(cx: &Caller, info: SigInfo) {
    force_fault(cx.thread(), info);
}
