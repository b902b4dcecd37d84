//! What to do when a user thread traps, independent of the architecture.
//!
//! The kernel's per-thread loop enters user mode, gets a [`Trap`] back from `hal`, and hands it
//! here: a syscall is dispatched, a timer tick yields, a page fault is resolved by the address
//! space. A fault the program cannot recover from sends it the signal Linux would (SIGSEGV with
//! SEGV_MAPERR/SEGV_ACCERR and the address, SIGILL, SIGBUS, SIGTRAP), which a handler may catch;
//! if the signal is blocked or ignored the process ends, as on Linux. On the way back to user
//! mode pending signals are delivered (`deliver`), and a thread that must end ends here.
//!
//! [`FastPath`] is the short way for the most frequent system calls: the kernel offers it every
//! `ecall` from the trap entry itself (`hal::riscv64::trap::run_user_fast`), before the trap
//! reaches the thread's loop. It runs the call (synchronously when the table can,
//! `syscalls::table::now`, else polling its future once with the thread's task waker) and, if
//! the call finished and nothing needs the thread's attention, the program
//! continues at once. Otherwise the rest happens the ordinary way in [`FastPath::after`]: a call
//! that has to wait is awaited there (it has registered the task's waker, so it is woken as on
//! the ordinary path), then signals are delivered and interrupted calls restarted as always.
//!
//! "Nothing needs attention" is known without locks: the fast path keeps a waker of its own
//! registered on the thread's `signal_queue`, which every signal sent to the thread or its
//! process, every stop and every exit request wakes (the queue interruptible waits use). While
//! that waker has not fired since the last full delivery check and the call has not changed the
//! blocked mask, no signal can have become deliverable.
use crate::deliver::deliver;
use abi::signal::*;
use abi::Sysno;
use alloc::sync::Arc;
use alloc::task::Wake;
use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll, Waker};
use hal::context::{Trap, UserContext};
use syscalls::table::{flag, immediate, now, SyscallSet};
use syscalls::{handle_syscall, poll_call, Caller};
use task::signal::force_fault;
use task::Thread;

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
        // A device interrupt may have woken a task (a frame for a waiting socket): let it run.
        Trap::Timer | Trap::External => cx.thread().give_way().await,
        _ => handle_exception(cx, trap).await,
    }
    returning(cx, syscall).await
}

/// A trap other than a system call or the timer: a device interrupt, or a fault, resolved or
/// turned into the signal Linux sends.
async fn handle_exception(cx: &Caller, trap: Trap) {
    match trap {
        Trap::Syscall | Trap::Timer | Trap::External => {}
        Trap::PageFault { addr, access } => {
            let r = cx.mm().handle_fault(addr, access);
            if r == Err(abi::Errno::ENOMEM) {
                // A legal access without a page to give it: memory is exhausted. The fault
                // repeats once memory was freed.
                wait_for_memory(cx).await;
            } else if r == Err(abi::Errno::EIO) {
                // The page lies past the end of a mapped file (or the file could not be read).
                log::info!(
                    "pid {}: {:?} fault at {addr:#x} past a mapped file's end: SIGBUS",
                    cx.process().pid,
                    access
                );
                fault(cx, SigInfo::fault(SIGBUS, BUS_ADRERR, addr));
            } else if r.is_err() {
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
}

/// Memory ran out while `cx` needed a page: the OOM killer ends the biggest process (Linux's
/// `pagefault_out_of_memory`), and the thread waits until that process's memory is released
/// (or until it must end itself, the victim or not). With nothing to kill, the caller's own
/// process ends (SIGKILL): its fault cannot be served.
pub(crate) async fn wait_for_memory(cx: &Caller) {
    mm::frame::take_shortage();
    match task::oom::out_of_memory() {
        Some(victim) if !Arc::ptr_eq(&victim, cx.process()) => {
            let freed = task::oom::MEMORY_FREED.wait_until(|| task::oom::released(&victim).then_some(()));
            let _ = task::signal::killable(cx.thread(), freed).await;
        }
        Some(_) => {}
        None => {
            log::error!("Out of memory: nothing to kill for pid {}'s page fault", cx.process().pid);
            cx.process().exit(task::process::ExitStatus::Signaled(SIGKILL));
        }
    }
}

/// The way back to user mode after any trap: run the OOM killer if memory ran out meanwhile
/// (no lock is held here), deliver signals (`syscall` is the original a0 of an interrupted
/// system call, for restarts), end the thread if it must end.
async fn returning(cx: &Caller, syscall: Option<usize>) -> bool {
    if mm::frame::take_shortage() {
        task::oom::out_of_memory();
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

/// The calls of the syscall table the fast path may run (flag `fast`). Such a call must not
/// lock the caller's saved registers (the kernel holds that lock while the fast path runs),
/// replace the address space (execve) or set a temporary signal mask (sigsuspend, ppoll,
/// pselect6: it is put back by the delivery). Any of them may wait: it then finishes in
/// [`FastPath::after`].
const FAST: SyscallSet = SyscallSet::with(flag::fast);

/// Is `ret` one of the ERESTART* codes (a call interrupted by a signal)?
#[inline]
fn is_restart(ret: isize) -> bool {
    (-(abi::Errno::ERESTART_RESTARTBLOCK as isize)..=-(abi::Errno::ERESTARTSYS as isize)).contains(&ret)
}

/// Set when something may need the thread before it returns to user mode (a waker registered
/// on its `signal_queue`); clear while nothing has happened since the last full check.
struct Attention(AtomicBool);

impl Wake for Attention {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::Release)
    }
}

/// A system call the fast path started but did not finish.
#[derive(Clone, Copy, Debug)]
struct Started {
    /// Its original a0, for a restart.
    orig_a0: usize,
    /// The blocked mask when it started.
    mask: u64,
    /// It is waiting: polled once, it has registered the task's waker.
    waiting: bool,
}

/// One thread's fast path of system calls (see the module documentation). The kernel's loop
/// calls [`FastPath::syscall`] from the trap entry's hook and [`FastPath::after`] for every trap
/// that reaches it. `call` is where a call that has to wait stays meanwhile (a pinned `Option`
/// in the loop's future); `start` makes a call's future: [`syscalls::dispatch`].
pub struct FastPath {
    attention: Arc<Attention>,
    /// A waker that sets `attention`, for the thread's `signal_queue`.
    watcher: Waker,
    started: Option<Started>,
}

impl Default for FastPath {
    fn default() -> Self {
        Self::new()
    }
}

impl FastPath {
    /// The first trap always takes the ordinary way, which then starts the watch.
    pub fn new() -> FastPath {
        let attention = Arc::new(Attention(AtomicBool::new(true)));
        FastPath { watcher: Waker::from(attention.clone()), attention, started: None }
    }

    #[inline]
    fn quiet(&self) -> bool {
        !self.attention.0.load(Ordering::Acquire)
    }

    /// Try the `ecall` whose registers are `ctx` (of `cx`'s thread) on the fast path. Returns
    /// true if it is done and the thread may go straight back to user mode; false if the trap
    /// must go on to [`FastPath::after`] (which then knows whether the call was started here).
    /// `task` is the waker of the thread's task, which a call that has to wait registers.
    #[inline]
    pub fn syscall<F: Future<Output = isize>>(
        &mut self,
        cx: &Caller,
        ctx: &mut UserContext,
        task: &Waker,
        call: Pin<&mut Option<F>>,
        start: impl FnOnce(usize, [usize; 6]) -> F,
    ) -> bool {
        let n = ctx.x[hal::context::reg::A7];
        if !self.quiet() || traced() {
            return false;
        }
        // A call armed to panic takes the ordinary way, through the dispatcher.
        #[cfg(feature = "fault-inject")]
        if syscalls::fault::armed(n) {
            return false;
        }
        if let Some(ret) = immediate(cx, n, || ctx.syscall().1) {
            ctx.skip_ecall();
            ctx.set_return(ret);
            return true;
        }
        FAST.contains(n) && self.poll_once(cx, ctx, task, call, start)
    }

    /// The fast path for a `fast` call: run it synchronously if the table can
    /// (`syscalls::table::now`), else start its future and poll it once.
    #[inline(never)]
    fn poll_once<F: Future<Output = isize>>(
        &mut self,
        cx: &Caller,
        ctx: &mut UserContext,
        task: &Waker,
        mut call: Pin<&mut Option<F>>,
        start: impl FnOnce(usize, [usize; 6]) -> F,
    ) -> bool {
        if call.is_some() {
            return false;
        }
        let (n, args) = ctx.syscall();
        let t = cx.thread();
        let mask = t.sigmask.load(Ordering::Relaxed);
        ctx.skip_ecall();
        let ret = match now(cx, n, || args) {
            Some(ret) => ret,
            None => {
                call.set(Some(start(n, args)));
                let Some(fut) = call.as_mut().as_pin_mut() else { return false };
                let Poll::Ready(ret) = poll_call(fut, &mut Context::from_waker(task)) else {
                    self.started = Some(Started { orig_a0: args[0], mask, waiting: true });
                    return false;
                };
                call.set(None);
                ret
            }
        };
        ctx.set_return(ret);
        if self.nothing_to_deliver(t, mask, ret) {
            return true;
        }
        self.started = Some(Started { orig_a0: args[0], mask, waiting: false });
        false
    }

    /// After a call of a `fast` call that returned `ret` and started with the blocked mask
    /// `mask`: can the thread go back to user mode without the delivery? Yes if nothing woke
    /// the watcher (no signal was sent, no stop, no exit request) and the mask is as it was (so
    /// no pending signal got unblocked), hence also no interrupted call to restart; such calls
    /// never set a temporary mask either.
    #[inline]
    fn nothing_to_deliver(&self, t: &Thread, mask: u64, ret: isize) -> bool {
        self.quiet() && t.sigmask.load(Ordering::Relaxed) == mask && !is_restart(ret) && !mm::frame::short()
    }

    /// Whether the trap that just left user mode was a system call the fast path started
    /// (then [`FastPath::after`] finishes it and the trap itself needs nothing else).
    pub fn started(&self) -> bool {
        self.started.is_some()
    }

    /// Everything the fast path did not do for the trap that left user mode: finish the call it
    /// started, or handle the trap ([`handle_user_trap`]); deliver signals. Returns false once
    /// the thread must not run again, like [`handle_user_trap`].
    pub async fn after<F: Future<Output = isize>>(
        &mut self,
        cx: &Caller,
        trap: Trap,
        mut call: Pin<&mut Option<F>>,
    ) -> bool {
        let go_on = match self.started.take() {
            Some(Started { orig_a0, mask, waiting }) => {
                let t = cx.thread();
                if let Some(mut fut) = call.as_mut().as_pin_mut() {
                    // Just polled by the fast path, with this task's waker: wait for a wake-up
                    // before polling it again.
                    let mut polled = waiting;
                    let ret = poll_fn(|c| {
                        if core::mem::take(&mut polled) {
                            return Poll::Pending;
                        }
                        poll_call(fut.as_mut(), c)
                    })
                    .await;
                    call.set(None);
                    t.ctx.lock().set_return(ret);
                    if self.nothing_to_deliver(t, mask, ret) {
                        return true;
                    }
                }
                returning(cx, Some(orig_a0)).await
            }
            // Not a system call (they may change the mask or set a temporary one): when
            // nothing needed the thread before and nothing came up meanwhile (a resolved page
            // fault, a timer tick), there is nothing to deliver.
            None if trap != Trap::Syscall && self.quiet() => {
                match trap {
                    Trap::Timer | Trap::External => cx.thread().give_way().await,
                    _ => handle_exception(cx, trap).await,
                }
                (self.quiet() && !mm::frame::short()) || returning(cx, None).await
            }
            None => handle_user_trap(cx, trap).await,
        };
        if go_on {
            self.watch(cx.thread());
        }
        go_on
    }

    /// A page fault that the address space resolves at once, while nothing else needs the
    /// thread: it may go straight back to user mode, as [`FastPath::after`] would let it,
    /// without building that future (moving it costs more than resolving most faults). False
    /// leaves the trap to `after`, which tries the fault again and deals with its error.
    #[inline]
    pub fn fault_resolved(&self, cx: &Caller, trap: Trap) -> bool {
        let Trap::PageFault { addr, access } = trap else { return false };
        self.started.is_none()
            && self.quiet()
            && cx.mm().handle_fault(addr, access).is_ok()
            && self.quiet()
            && !mm::frame::short()
    }

    /// Signals were just delivered: nothing needs the thread now. Watch its signal queue again
    /// if the watcher fired (a wake-up unregisters it).
    fn watch(&self, t: &Thread) {
        if !self.quiet() {
            self.attention.0.store(false, Ordering::Relaxed);
            t.signal_queue.register(&self.watcher);
        }
    }
}

/// Calls are traced (strace lines or the trace log level): they take the ordinary way, which
/// prints them.
#[inline]
fn traced() -> bool {
    #[cfg(feature = "trace")]
    if syscalls::trace::enabled() {
        return true;
    }
    log::max_level() >= log::LevelFilter::Trace
}

#[cfg(test)]
mod tests {
    use super::*;
    use abi::structs::SigAction;
    use core::pin::pin;
    use hal::context::reg;
    use syscalls::testing::*;
    use task::executor::block_on;

    const HANDLER: usize = 0x4_0000;

    /// An `ecall` of `n` by `p` as the kernel's loop runs it: offered to the fast path with the
    /// thread's registers locked, then [`FastPath::after`] unless it was taken. Returns whether
    /// the fast path took it, and a0.
    fn ecall<F: Future<Output = isize>>(
        p: &Caller,
        fast: &mut FastPath,
        mut call: Pin<&mut Option<F>>,
        start: impl FnOnce(usize, [usize; 6]) -> F,
        n: Sysno,
        args: &[usize],
    ) -> (bool, isize) {
        let taken = block_on(async {
            // The task's waker, which a call that waits registers.
            let waker = poll_fn(|c| Poll::Ready(c.waker().clone())).await;
            let taken = {
                let mut ctx = p.thread().ctx.lock();
                ctx.x[reg::A7] = n.0;
                ctx.x[reg::A0..reg::A0 + args.len()].copy_from_slice(args);
                fast.syscall(p, &mut ctx, &waker, call.as_mut(), start)
            };
            if !taken {
                assert!(fast.after(p, Trap::Syscall, call).await);
            }
            taken
        });
        (taken, p.thread().ctx.lock().x[reg::A0] as isize)
    }

    /// `FastPath` and its call slot for `p`, past the first trap (which always takes the
    /// ordinary way and starts the watch on the signal queue).
    macro_rules! fast_path {
        ($p:ident, $fast:ident, $call:ident, $start:ident) => {
            let mut $fast = FastPath::new();
            let mut $call = pin!(None);
            let $start = |n, a| syscalls::dispatch(&$p, n, a);
            assert!(block_on($fast.after(&$p, Trap::External, $call.as_mut())));
        };
    }

    fn handler(k: &TestKernel, p: &Caller, sig: usize) {
        k.poke(p, SCRATCH, bytemuck::bytes_of(&SigAction { handler: HANDLER, flags: 0, mask: 0 }));
        assert_eq!(k.syscall(p, Sysno::rt_sigaction, [sig, SCRATCH, 0, 8]), 0);
    }

    fn pc(p: &Caller) -> usize {
        p.thread().ctx.lock().sepc
    }

    #[test]
    fn the_first_trap_takes_the_ordinary_way() {
        let k = TestKernel::new();
        let p = k.spawn();
        let mut fast = FastPath::new();
        let mut call = pin!(None);
        let pc0 = pc(&p);
        let (taken, pid) = ecall(&p, &mut fast, call.as_mut(), |n, a| syscalls::dispatch(&p, n, a), Sysno::getpid, &[]);
        assert_eq!((taken, pid as usize, pc(&p)), (false, p.process().pid, pc0 + 4));
        let (taken, pid) = ecall(&p, &mut fast, call.as_mut(), |n, a| syscalls::dispatch(&p, n, a), Sysno::getpid, &[]);
        assert_eq!((taken, pid as usize, pc(&p)), (true, p.process().pid, pc0 + 8));
    }

    #[test]
    fn identity_and_io_calls_finish_on_the_fast_path() {
        let k = TestKernel::new();
        let p = k.spawn();
        fast_path!(p, fast, call, start);
        let pc0 = pc(&p);
        assert_eq!(ecall(&p, &mut fast, call.as_mut(), start, Sysno::gettid, &[]), (true, p.thread().tid() as isize));
        k.poke(&p, SCRATCH, b"fast\n");
        assert_eq!(ecall(&p, &mut fast, call.as_mut(), start, Sysno::write, &[1, SCRATCH, 5]), (true, 5));
        assert_eq!(k.console_output(), "fast\n");
        assert_eq!(ecall(&p, &mut fast, call.as_mut(), start, Sysno::close, &[99]), (true, ret::EBADF));
        assert_eq!(pc(&p), pc0 + 12);
        assert!(!fast.started() && call.is_none());
    }

    #[test]
    fn other_calls_take_the_ordinary_way() {
        let k = TestKernel::new();
        let p = k.spawn();
        fast_path!(p, fast, call, start);
        let pc0 = pc(&p);
        let taken = {
            let mut ctx = p.thread().ctx.lock();
            ctx.x[reg::A7] = Sysno::rt_sigaction.0;
            fast.syscall(&p, &mut ctx, Waker::noop(), call.as_mut(), start)
        };
        assert!(!taken && !fast.started());
        assert_eq!(pc(&p), pc0, "untouched: the ordinary path steps over the ecall");
        for n in [Sysno::execve, Sysno::execveat, Sysno::clone, Sysno::clone3, Sysno::rt_sigreturn, Sysno::sigaltstack]
        {
            assert!(!FAST.contains(n.0) && immediate(&p, n.0, || [0; 6]).is_none(), "{n:?} uses the registers");
        }
        for n in [Sysno::rt_sigsuspend, Sysno::ppoll, Sysno::pselect6, Sysno::exit, Sysno::exit_group] {
            assert!(!FAST.contains(n.0), "{n:?}");
        }
    }

    #[test]
    fn a_call_that_waits_finishes_after_the_trap() {
        let k = TestKernel::new();
        let p = k.spawn();
        fast_path!(p, fast, call, start);
        assert_eq!(ecall(&p, &mut fast, call.as_mut(), start, Sysno::pipe2, &[SCRATCH, 0]), (true, 0));
        let fds: [i32; 2] = k.peek_val(&p, SCRATCH);
        // Another task of the same process writes, a millisecond later.
        let w = Caller::new(p.thread().clone());
        k.poke(&p, SCRATCH + 64, b"late");
        task::executor::spawn(async move {
            task::executor::sleep_until(hal::time::now_ns() + 1_000_000).await;
            let n = syscalls::dispatch(&w, Sysno::write.0, [fds[1] as usize, SCRATCH + 64, 4, 0, 0, 0]).await;
            assert_eq!(n, 4);
        });
        let (taken, n) = ecall(&p, &mut fast, call.as_mut(), start, Sysno::read, &[fds[0] as usize, SCRATCH + 128, 16]);
        assert_eq!((taken, n), (false, 4));
        assert_eq!(k.peek(&p, SCRATCH + 128, 4), b"late");
        assert!(!fast.started() && call.is_none());
    }

    #[test]
    fn a_signal_the_call_sends_is_delivered() {
        let k = TestKernel::new();
        let p = k.spawn();
        handler(&k, &p, SIGUSR1);
        fast_path!(p, fast, call, start);
        let pid = p.process().pid;
        let (taken, _) = ecall(&p, &mut fast, call.as_mut(), start, Sysno::kill, &[pid, SIGUSR1]);
        assert!(!taken);
        assert_eq!(pc(&p), HANDLER);
        // Delivered: the fast path is open again.
        assert_eq!(ecall(&p, &mut fast, call.as_mut(), start, Sysno::getpid, &[]), (true, pid as isize));
    }

    #[test]
    fn a_signal_sent_from_elsewhere_stops_the_fast_path() {
        let k = TestKernel::new();
        let p = k.spawn();
        handler(&k, &p, SIGUSR1);
        fast_path!(p, fast, call, start);
        task::signal::send_to_thread(p.thread(), SIGUSR1);
        let (taken, _) = ecall(&p, &mut fast, call.as_mut(), start, Sysno::getpid, &[]);
        assert!(!taken);
        assert_eq!(pc(&p), HANDLER);
    }

    #[test]
    fn unblocking_a_pending_signal_delivers_it() {
        let k = TestKernel::new();
        let p = k.spawn();
        handler(&k, &p, SIGUSR1);
        k.poke(&p, SCRATCH + 64, &(1u64 << (SIGUSR1 - 1)).to_le_bytes());
        assert_eq!(k.syscall(&p, Sysno::rt_sigprocmask, [SIG_BLOCK, SCRATCH + 64, 0, 8]), 0);
        task::signal::send_to_thread(p.thread(), SIGUSR1);
        fast_path!(p, fast, call, start);
        // Still blocked: nothing to deliver, the fast path is open.
        assert!(ecall(&p, &mut fast, call.as_mut(), start, Sysno::getpid, &[]).0);
        let (taken, r) =
            ecall(&p, &mut fast, call.as_mut(), start, Sysno::rt_sigprocmask, &[SIG_UNBLOCK, SCRATCH + 64, 0, 8]);
        assert!(!taken);
        assert_eq!(pc(&p), HANDLER, "delivered once unblocked (rt_sigprocmask returned {r})");
    }

    #[test]
    fn faults_on_a_quiet_thread_are_resolved_or_signalled() {
        let k = TestKernel::new();
        let p = k.spawn();
        handler(&k, &p, SIGSEGV);
        fast_path!(p, fast, call, start);
        assert!(ecall(&p, &mut fast, call.as_mut(), start, Sysno::getpid, &[]).0);
        let pc0 = pc(&p);
        let fault = |addr| Trap::PageFault { addr, access: hal::context::Access::Write };
        let resident = || p.mm().area_at(SCRATCH).map(|a| a.resident_pages());
        let before = resident().unwrap();
        assert!(block_on(fast.after(&p, fault(SCRATCH + 0x5000), call.as_mut())));
        assert_eq!(pc(&p), pc0, "resolved: the program goes on");
        assert_eq!(resident(), Some(before + 1), "the page is there");
        assert!(block_on(fast.after(&p, fault(UNMAPPED), call.as_mut())));
        assert_eq!(pc(&p), HANDLER, "SIGSEGV delivered");
    }

    #[test]
    fn an_exit_request_ends_the_thread() {
        let k = TestKernel::new();
        let p = k.spawn();
        fast_path!(p, fast, call, start);
        p.process().exit(task::process::ExitStatus::Exited(3));
        let taken = {
            let mut ctx = p.thread().ctx.lock();
            ctx.x[reg::A7] = Sysno::getpid.0;
            fast.syscall(&p, &mut ctx, Waker::noop(), call.as_mut(), start)
        };
        assert!(!taken);
        assert!(!block_on(fast.after(&p, Trap::Syscall, call.as_mut())), "the thread ends");
    }
}
