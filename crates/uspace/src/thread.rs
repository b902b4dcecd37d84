//! The loop every user thread runs, from its first entry into user mode to its end.
//!
//! Each user thread is one task of `task::executor`: make its page table live, enter user mode
//! until it traps (system calls offered to the [`FastPath`] from the trap entry on the way),
//! handle the trap ([`FastPath::after`]: the call, a fault, a timer tick, then signals), repeat.
//! What this needs from the machine is the [`Machine`] trait: the kernel implements it with
//! riscv64's page tables, trap entry and timer, `examples/simple-kernel` with fewer policies,
//! and host tests with a script that plays the user program ([`crate::testing::Script`]), so
//! the same loop runs in all three.
use crate::trap::FastPath;
use alloc::sync::Arc;
use core::future::poll_fn;
use core::pin::pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Poll, Waker};
use hal::context::{Trap, UserContext};
use syscalls::table::{flag, SyscallSet};
use syscalls::Caller;
use task::Thread;

/// What the thread loop needs from the machine it runs on.
pub trait Machine: Sync + 'static {
    /// Make the page table whose root is at physical address `root` the live one, or the
    /// kernel's own (`None`): the loop leaves a process's table before it can be freed.
    fn activate(&self, root: Option<usize>);
    /// Called at time `now` before every entry into user mode (the kernel makes sure the timer
    /// fires by the end of the slice or the next sleeper's deadline).
    fn entering(&self, now: u64);
    /// Run the thread whose registers are `ctx` in user mode until it traps. Every `ecall` is
    /// first offered to `fast`; when that returns true the call is done and the program goes on
    /// at once, without returning here. `fast` must not be given the lock that guards `ctx`.
    fn run_user<H: FnMut(&mut UserContext) -> bool>(&self, ctx: &mut UserContext, fast: &mut H) -> Trap;
    /// A timer or device interrupt came from user mode at `now`: fire due timers, serve the
    /// device, start a new slice. The thread yields to the other tasks afterwards.
    fn tick(&self, now: u64);
}

/// Run `thread` as a task of the executor. A panic in it (in a syscall, a fault it took...)
/// ends its process as SIGSEGV would, and nothing else: the future, unwound and dropped, has
/// released what its frames held (locks, references); `Thread::end_by_panic` ends the process,
/// and the address space goes once it is not live.
pub fn spawn<M: Machine>(thread: Arc<Thread>, machine: &'static M) {
    let t = thread.clone();
    task::executor::spawn_isolated(run(thread, machine), move |p| {
        machine.activate(None);
        t.end_by_panic(p);
        t.process.release_mm();
    });
}

/// The waker of the task being polled.
async fn task_waker() -> Waker {
    poll_fn(|c| Poll::Ready(c.waker().clone())).await
}

/// The calls that replace the address space (execve, execveat).
const EXEC: SyscallSet = SyscallSet::with(flag::exec);

fn is_exec(ctx: &UserContext) -> bool {
    EXEC.contains(ctx.syscall().0)
}

/// `f` (the rest of a system call, which may wait) with `thread.runnable` saying whether the
/// thread is waiting in it: false while `f` is pending, true whenever it is polled again.
async fn waiting<F: core::future::Future>(thread: &Thread, f: F) -> F::Output {
    let mut f = pin!(f);
    poll_fn(|c| {
        thread.runnable.store(true, Ordering::Relaxed);
        thread.gave_way.store(false, Ordering::Relaxed);
        let r = f.as_mut().poll(c);
        // Pending only to give way to others (`Thread::give_way`) is still runnable.
        if r.is_pending() && !thread.gave_way.swap(false, Ordering::Relaxed) {
            thread.runnable.store(false, Ordering::Relaxed);
        }
        r
    })
    .await
}

/// The life of `thread` on `machine`: returns once it has ended.
pub async fn run<M: Machine>(thread: Arc<Thread>, machine: &M) {
    static ENTERED_USER: AtomicBool = AtomicBool::new(false);
    let cx = Caller::new(thread.clone());
    // System calls are first offered to the fast path, from the trap entry: most finish there
    // and the program goes on without this loop running. One that has to wait stays in `call`
    // until `fast.after` has awaited it.
    let mut fast = FastPath::new();
    let mut call = pin!(None);
    let mut waker = task_waker().await;
    // The root of the process's page table: it changes only when this thread execs.
    let mut root = None;
    while !thread.exiting() {
        let root_pa = *root.get_or_insert_with(|| thread.process.mm.lock().root_pa());
        machine.activate(Some(root_pa));
        let now = hal::time::now_ns();
        machine.entering(now);
        if !ENTERED_USER.swap(true, Ordering::Relaxed) {
            log::info!("first user instruction at {} us", now / 1000);
        }
        let (trap, exec) = {
            let mut ctx = thread.ctx.lock();
            let trap = machine.run_user(&mut ctx, &mut |ctx: &mut _| {
                fast.syscall(&cx, ctx, &waker, call.as_mut(), |n, a| syscalls::dispatch(&cx, n, a))
            });
            (trap, trap == Trap::Syscall && is_exec(&ctx))
        };
        let after = hal::time::now_ns();
        task::ktimer::account(&thread, after.saturating_sub(now));
        if !fast.started() {
            if matches!(trap, Trap::Timer | Trap::External) {
                machine.tick(after);
            }
            // exec replaces the address space whose table is live: leave it first, so it is
            // never freed while in use. The loop makes the new one live before returning.
            if exec {
                machine.activate(None);
                root = None;
            }
        }
        if fast.fault_resolved(&cx, trap) {
            continue;
        }
        if !waiting(&thread, fast.after(&cx, trap, call.as_mut())).await {
            break;
        }
        // After a wait the task may have been polled with another waker (not by the kernel's
        // executor, whose wakers are the task itself, but the contract allows it).
        poll_fn(|c| {
            if !waker.will_wake(c.waker()) {
                waker = c.waker().clone();
            }
            Poll::Ready(())
        })
        .await;
    }
    // The kernel's own table is live from here on: the process's may go.
    machine.activate(None);
    // A thread that never got to run (killed at once) still ends properly.
    thread.exit(0);
    thread.process.release_mm();
}
