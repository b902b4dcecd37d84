//! Signals: pending queues, sending, and interruptible waits.
//!
//! For other components:
//! * [`send_to_thread`]`(&thread, sig)`: e.g. SIGPIPE from a pipe write on the calling thread
//!   (`cx.thread()`); [`send_to_process`]`(&process, sig)`; [`send_to_group`]`(pgid, sig)`
//!   (the terminal's ^C / ^Z / ^\ for its foreground group). The `_info` variants take a full
//!   `siginfo`.
//! * [`interruptible`]`(&thread, future).await -> SysResult<T>`: wrap every blocking wait of a
//!   syscall in it (pipe and console reads and writes, wait4, futex, nanosleep, ppoll...). It
//!   ends with `Err(ERESTARTSYS)` as soon as a signal needs the thread's attention (a handler to
//!   run, a fatal signal, a stop) or the process is ending. Return that error from the syscall
//!   unchanged: on the way back to user mode the signal delivery turns it into EINTR, or
//!   restarts the call when no handler ran or the handler has SA_RESTART (signal(7)). A syscall
//!   that must never be restarted returns EINTR itself (or ERESTARTNOHAND: restart only when no
//!   handler ran, as pause, sigsuspend and ppoll do).
//! * [`set_mask_until_delivery`]`(&thread, mask)`: ppoll/pselect/sigsuspend's temporary mask,
//!   put back after the signal's handler frame is set up (or when the call returns normally, by
//!   [`restore_saved_mask`]).
//!
//! Sending follows Linux's rules: a signal whose action is to be ignored is dropped unless it
//! is blocked; SIGKILL, and a fatal signal that is not blocked, end the process at once; stop
//! signals cancel a pending SIGCONT and SIGCONT cancels pending stops and resumes a stopped
//! process right away; standard signals are queued at most once, real-time ones every time.
//! Delivery (handlers, the signal frame, default actions) happens on the way back to user mode,
//! in `syscalls::signal`.
use crate::process::{ExitStatus, Process, Thread};
use abi::signal::*;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::{poll_fn, Future};
use core::pin::pin;
use core::sync::atomic::Ordering;
use core::task::Poll;

/// The most signals one queue holds (the standard ones always fit: at most 31 of them).
pub const MAX_QUEUED: usize = 1024;

/// Signals waiting to be delivered, with their `siginfo`.
#[derive(Clone, Default)]
pub struct SigQueue {
    pending: u64,
    infos: Vec<SigInfo>,
}

impl SigQueue {
    pub fn pending(&self) -> u64 {
        self.pending
    }

    fn push(&mut self, info: SigInfo) {
        let sig = info.signo as usize;
        if sig < SIGRTMIN && self.pending & sigbit(sig) != 0 {
            return; // a standard signal is pending at most once
        }
        // Real-time signals queue every time: up to a bound, as Linux's RLIMIT_SIGPENDING (a
        // sender flooding a blocked signal must not fill the kernel). Beyond it they are lost.
        if sig >= SIGRTMIN && self.infos.len() >= MAX_QUEUED {
            return;
        }
        self.pending |= sigbit(sig);
        self.infos.push(info);
    }

    /// Take the oldest instance of `sig`.
    fn take(&mut self, sig: usize) -> Option<SigInfo> {
        let i = self.infos.iter().position(|s| s.signo as usize == sig)?;
        let info = self.infos.remove(i);
        if !self.infos.iter().any(|s| s.signo as usize == sig) {
            self.pending &= !sigbit(sig);
        }
        Some(info)
    }

    fn remove(&mut self, mask: u64) {
        self.pending &= !mask;
        self.infos.retain(|s| mask & sigbit(s.signo as usize) == 0);
    }
}

/// What a syscall interrupted with ERESTART_RESTARTBLOCK needs to go on through
/// restart_syscall(2) when no handler ran (Linux's restart_block).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartBlock {
    /// clock_nanosleep/nanosleep: sleep until `deadline` (boot ns); `rem` gets what is left if
    /// interrupted again.
    Nanosleep { deadline: u64, rem: usize },
    /// futex wait with a timeout: `deadline` in boot ns.
    FutexWait { uaddr: usize, val: u32, bitset: u32, deadline: u64, private: bool },
}

/// A thread's own signal state.
#[derive(Default)]
pub struct ThreadSignals {
    pub(crate) queue: SigQueue,
    /// sigaltstack: `size` 0 means disabled; `flags` keeps only SS_AUTODISARM.
    pub altstack: StackT,
    /// The mask to put back after a temporary one (sigsuspend, ppoll).
    pub saved_mask: Option<u64>,
    pub restart: Option<RestartBlock>,
}

/// Is `sig`'s current action to ignore it (SIG_IGN, or SIG_DFL for SIGCHLD/SIGURG/SIGWINCH/
/// SIGCONT)? SIGKILL and SIGSTOP are never ignored.
pub fn is_ignored(p: &Process, sig: usize) -> bool {
    if sigbit(sig) & UNBLOCKABLE != 0 {
        return false;
    }
    match p.sigaction(sig).handler {
        SIG_IGN => true,
        SIG_DFL => matches!(default_action(sig), DefaultAction::Ignore | DefaultAction::Continue),
        _ => false,
    }
}

/// Does init (an unkillable process) drop `sig`? Linux's rule: a signal whose action is the
/// default never reaches init, unless the kernel itself (`forced`) sends SIGKILL or SIGSTOP.
/// So init dies only by exit, by a fault it cannot handle, or by a signal it chose to handle.
pub fn init_ignores(p: &Process, sig: usize, forced: bool) -> bool {
    p.is_unkillable() && p.sigaction(sig).handler == SIG_DFL && !(forced && sigbit(sig) & UNBLOCKABLE != 0)
}

fn is_blocked(t: &Thread, sig: usize) -> bool {
    t.sigmask.load(Ordering::Relaxed) & sigbit(sig) != 0
}

/// Send `info` to `p` (as a whole) or to one of its threads.
fn send(p: &Arc<Process>, target: Option<&Arc<Thread>>, info: SigInfo) {
    let sig = info.signo as usize;
    if !(1..=NSIG).contains(&sig) || p.is_exiting() || p.is_zombie() {
        return;
    }
    let threads = p.threads_alive();
    // Blocked by the target thread, or by every thread for a process-directed signal. A
    // blocked signal is never dropped: its action may change before it is unblocked, and
    // sigtimedwait may take it (busybox init takes poweroff's SIGUSR2 that way).
    let blocked = match target {
        Some(t) => is_blocked(t, sig),
        None => !threads.is_empty() && threads.iter().all(|t| is_blocked(t, sig)),
    };
    if !blocked && init_ignores(p, sig, info.code == SI_KERNEL) {
        return;
    }
    if sigbit(sig) & STOP_SIGNALS != 0 {
        remove_everywhere(p, &threads, sigbit(SIGCONT));
    }
    if sig == SIGCONT {
        remove_everywhere(p, &threads, STOP_SIGNALS);
        p.resume();
    }
    if sig == SIGKILL {
        p.exit(ExitStatus::Signaled(SIGKILL));
        return;
    }
    if is_ignored(p, sig) && !blocked {
        return;
    }
    let act = p.sigaction(sig);
    let fatal = act.handler == SIG_DFL && matches!(default_action(sig), DefaultAction::Terminate | DefaultAction::Core);
    if fatal && !blocked {
        p.exit(ExitStatus::Signaled(sig));
        return;
    }
    match target {
        Some(t) => {
            t.signals.lock().queue.push(info);
            t.signal_queue.wake_all();
        }
        None => {
            p.shared_pending.lock().push(info);
            for t in &threads {
                t.signal_queue.wake_all();
            }
        }
    }
    p.signal_arrivals.wake_all();
}

fn remove_everywhere(p: &Process, threads: &[Arc<Thread>], mask: u64) {
    p.shared_pending.lock().remove(mask);
    for t in threads {
        t.signals.lock().queue.remove(mask);
    }
}

/// Send `sig` to the thread, as the kernel does on behalf of that thread itself (SIGPIPE for a
/// write to a pipe without readers): `si_code` SI_USER, `si_pid` the thread's own process.
pub fn send_to_thread(t: &Arc<Thread>, sig: usize) {
    send_to_thread_info(t, SigInfo::from_process(sig, SI_USER, t.process.pid, 0));
}

pub fn send_to_thread_info(t: &Arc<Thread>, info: SigInfo) {
    if !t.has_exited() {
        send(&t.process, Some(t), info);
    }
}

/// Send `sig` from the kernel (`si_code` SI_KERNEL) to a whole process.
pub fn send_to_process(p: &Arc<Process>, sig: usize) {
    send_to_process_info(p, SigInfo { signo: sig as i32, code: SI_KERNEL, ..SigInfo::default() });
}

pub fn send_to_process_info(p: &Arc<Process>, info: SigInfo) {
    send(p, None, info);
}

/// Send `sig` from the kernel to every process of group `pgid` (the terminal's ISIG keys).
/// ESRCH if the group is empty.
pub fn send_to_group(pgid: usize, sig: usize) -> SysResult<()> {
    let members = crate::process::group(pgid);
    if members.is_empty() {
        return Err(Errno::ESRCH);
    }
    for p in &members {
        send_to_process(p, sig);
    }
    Ok(())
}

/// A synchronous fault (SIGSEGV, SIGILL, SIGBUS, SIGTRAP, SIGFPE) of `t`: if the program blocks
/// or ignores the signal it cannot go on, so the action is reset to the default (which ends
/// the process), as Linux's force_sig does.
pub fn force_fault(t: &Arc<Thread>, info: SigInfo) {
    let sig = info.signo as usize;
    let p = &t.process;
    if is_blocked(t, sig) || p.sigaction(sig).handler == SIG_IGN {
        p.sigactions.lock()[sig - 1].handler = SIG_DFL;
        t.sigmask.fetch_and(!sigbit(sig), Ordering::Relaxed);
    }
    // A fault that would end the program ends init too (Linux clears SIGNAL_UNKILLABLE).
    if p.sigaction(sig).handler == SIG_DFL {
        p.make_killable();
    }
    send(p, Some(t), info);
}

/// Signals pending for `t`: its own and its process's.
pub fn pending(t: &Thread) -> u64 {
    t.signals.lock().queue.pending() | t.process.shared_pending.lock().pending()
}

/// Does the thread have something to do before it may return to user mode or go on waiting:
/// a deliverable signal, a stop of its process, or the end of it?
pub fn has_pending(t: &Thread) -> bool {
    t.exiting() || t.process.stopped().is_some() || pending(t) & !t.sigmask.load(Ordering::Relaxed) != 0
}

/// The signal to take next from `set`: synchronous (fault) signals first, then the lowest.
fn pick(set: u64) -> Option<usize> {
    let sync = set & SYNCHRONOUS;
    let s = if sync != 0 { sync } else { set };
    (s != 0).then(|| s.trailing_zeros() as usize + 1)
}

/// Take a pending signal in `allowed` for `t`: from its own queue first, then its process's.
pub fn dequeue(t: &Thread, allowed: u64) -> Option<SigInfo> {
    let mut info = take_pending(t, allowed)?;
    if info.code == SI_TIMER {
        crate::posix_timer::delivered(&t.process, &mut info);
    }
    Some(info)
}

fn take_pending(t: &Thread, allowed: u64) -> Option<SigInfo> {
    {
        let mut ts = t.signals.lock();
        if let Some(sig) = pick(ts.queue.pending() & allowed) {
            return ts.queue.take(sig);
        }
    }
    let mut shared = t.process.shared_pending.lock();
    let sig = pick(shared.pending() & allowed)?;
    shared.take(sig)
}

/// Is a signal of POSIX timer `id` still queued (for `target`, or for the process)?
pub fn timer_signal_queued(p: &Process, target: Option<&Arc<Thread>>, id: i32) -> bool {
    let is_it = |s: &SigInfo| s.code == SI_TIMER && s.fields[0] as u32 as i32 == id;
    match target {
        Some(t) => t.signals.lock().queue.infos.iter().any(is_it),
        None => p.shared_pending.lock().infos.iter().any(is_it),
    }
}

/// Run `fut` until it finishes, or until the thread has a signal to handle or must exit:
/// then `Err(ERESTARTSYS)` (see the module documentation). The future is polled first, so a
/// wait whose condition already holds completes even with a signal pending, as on Linux.
pub async fn interruptible<F: Future>(t: &Thread, fut: F) -> SysResult<F::Output> {
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        t.signal_queue.register(cx.waker());
        if has_pending(t) {
            return Poll::Ready(Err(Errno::ERESTARTSYS));
        }
        Poll::Pending
    })
    .await
}

/// Run `fut` until it finishes, or until the thread must exit (a fatal signal, exit_group):
/// then `Err(EINTR)`. For waits that other signals must not interrupt (Linux's "killable"
/// waits: a vfork parent, execve waiting for the other threads to end).
pub async fn killable<F: Future>(t: &Thread, fut: F) -> SysResult<F::Output> {
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        t.signal_queue.register(cx.waker());
        if t.exiting() {
            return Poll::Ready(Err(Errno::EINTR));
        }
        Poll::Pending
    })
    .await
}

/// Set the blocked mask (SIGKILL and SIGSTOP can never be blocked).
pub fn set_mask(t: &Thread, mask: u64) {
    t.sigmask.store(mask & !UNBLOCKABLE, Ordering::Relaxed);
}

/// Block `mask` until the next signal delivery (or [`restore_saved_mask`]), remembering the
/// current mask: the handler frame saves the remembered one, so sigreturn puts it back.
pub fn set_mask_until_delivery(t: &Thread, mask: u64) {
    let old = t.sigmask.load(Ordering::Relaxed);
    t.signals.lock().saved_mask.get_or_insert(old);
    set_mask(t, mask);
}

/// The mask remembered by [`set_mask_until_delivery`], forgotten.
pub fn take_saved_mask(t: &Thread) -> Option<u64> {
    t.signals.lock().saved_mask.take()
}

/// Remember `mask` again as the one to put back (a delivery that could not write its frame
/// gives back what it took with [`take_saved_mask`]).
pub fn keep_saved_mask(t: &Thread, mask: u64) {
    t.signals.lock().saved_mask.get_or_insert(mask);
}

/// Put back the mask remembered by [`set_mask_until_delivery`], if any.
pub fn restore_saved_mask(t: &Thread) {
    if let Some(m) = take_saved_mask(t) {
        set_mask(t, m);
    }
}

pub fn altstack(t: &Thread) -> StackT {
    t.signals.lock().altstack
}

pub fn set_altstack(t: &Thread, ss: StackT) {
    t.signals.lock().altstack = ss;
}

pub fn set_restart(t: &Thread, r: RestartBlock) {
    t.signals.lock().restart = Some(r);
}

pub fn take_restart(t: &Thread) -> Option<RestartBlock> {
    t.signals.lock().restart.take()
}

/// Drop pending instances of `sig` everywhere in the process (its action became "ignore").
pub fn discard(p: &Process, sig: usize) {
    remove_everywhere(p, &p.threads_alive(), sigbit(sig));
}

/// The default action of a stop signal: stop the process (the parent hears of it) and wait
/// until SIGCONT or SIGKILL.
pub async fn stop(t: &Arc<Thread>, sig: usize) {
    t.process.stop(sig);
    wait_while_stopped(t).await;
}

/// Wait while the process is stopped (every thread does so on its way back to user mode).
pub async fn wait_while_stopped(t: &Thread) {
    let p = &t.process;
    p.cont_queue.wait_until(|| (p.stopped().is_none() || t.exiting()).then_some(())).await
}
