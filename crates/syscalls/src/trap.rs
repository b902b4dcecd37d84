//! What to do when a user thread traps, independent of the architecture.
//!
//! The kernel's per-thread loop enters user mode, gets a [`Trap`] back from `hal`, and hands it
//! here. Faults the program cannot recover from end the process with the signal Linux would
//! send (delivery to handlers comes with the signals issue), never the kernel.
use crate::{handle_syscall, Caller};
use abi::flags::{SIGBUS, SIGILL, SIGSEGV, SIGTRAP};
use hal::context::Trap;
use task::process::ExitStatus;

/// Handle one trap of `cx`'s thread. Returns `false` once the thread must not run again.
pub async fn handle_user_trap(cx: &Caller, trap: Trap) -> bool {
    match trap {
        Trap::Syscall => handle_syscall(cx).await,
        Trap::Timer => task::executor::yield_now().await,
        Trap::External => {}
        Trap::PageFault { addr, access } => {
            let r = cx.mm().handle_fault(addr, access);
            if r.is_err() {
                let pc = cx.thread().ctx.lock().sepc;
                log::info!("pid {}: {:?} fault at {addr:#x} (pc {pc:#x}): SIGSEGV", cx.process().pid, access);
                kill(cx, SIGSEGV);
            }
        }
        Trap::IllegalInstruction => kill(cx, SIGILL),
        Trap::Breakpoint => kill(cx, SIGTRAP),
        Trap::Misaligned { .. } => kill(cx, SIGBUS),
        Trap::Other(cause) => {
            log::warn!("pid {}: unexpected trap cause {cause:#x}: SIGILL", cx.process().pid);
            kill(cx, SIGILL)
        }
    }
    !cx.thread().exiting()
}

/// End the caller's process as if by the default action of `sig`.
fn kill(cx: &Caller, sig: usize) {
    cx.process().exit(ExitStatus::Signaled(sig));
}
