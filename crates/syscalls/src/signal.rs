//! Signal syscalls: dispositions, masks, sending, waiting for signals, the alternate stack.
//! Handler frames and rt_sigreturn are in [`crate::sigframe`]; delivery on the way back to user
//! mode is crate `uspace`'s.
use crate::sigframe::{change_altstack, reported_altstack};
use crate::Caller;
use abi::signal::*;
use abi::structs::{SigAction, Timespec};
use abi::{Errno, SysResult};
use core::sync::atomic::Ordering;
use mm::UserPtr;
use task::process::{check_signal, lookup, lookup_thread, Pid};
use task::signal;
use task::{Process, Thread};

pub use crate::sigframe::sys_rt_sigreturn;

/// The only sigset size accepted: 64 signals.
const SIGSET_SIZE: usize = 8;

pub async fn sys_rt_sigaction(
    cx: &Caller,
    sig: usize,
    act: UserPtr<SigAction>,
    old: UserPtr<SigAction>,
    sigsetsize: usize,
) -> SysResult<()> {
    if sigsetsize != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let sig = check_signal(sig)?;
    let new = match act.nonnull() {
        Some(p) => {
            if sigbit(sig) & UNBLOCKABLE != 0 {
                return Err(Errno::EINVAL);
            }
            let mut a = p.read(&mut cx.mm())?;
            a.mask &= !UNBLOCKABLE;
            Some(a)
        }
        None => None,
    };
    let current = cx.process().sigaction(sig);
    if let Some(a) = new {
        cx.process().sigactions.lock()[sig - 1] = a;
        // POSIX: making a pending signal ignored discards it, blocked or not.
        if signal::is_ignored(cx.process(), sig) {
            signal::discard(cx.process(), sig);
        }
    }
    // As Linux: the new action is in force even if the old one cannot be reported (EFAULT).
    if let Some(p) = old.nonnull() {
        p.write(&mut cx.mm(), &current)?;
    }
    Ok(())
}

/// rt_sigprocmask(2). Signals it unblocks are delivered on the way back to user mode.
pub async fn sys_rt_sigprocmask(
    cx: &Caller,
    how: usize,
    set: UserPtr<u64>,
    old: UserPtr<u64>,
    sigsetsize: usize,
) -> SysResult<()> {
    if sigsetsize != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let current = cx.thread().sigmask.load(Ordering::Relaxed);
    let new = match set.nonnull() {
        Some(p) => {
            let s = p.read(&mut cx.mm())?;
            Some(match how {
                SIG_BLOCK => current | s,
                SIG_UNBLOCK => current & !s,
                SIG_SETMASK => s,
                _ => return Err(Errno::EINVAL),
            })
        }
        None => None,
    };
    if let Some(m) = new {
        signal::set_mask(cx.thread(), m);
    }
    // As Linux: the new mask is in force even if the old one cannot be reported (EFAULT).
    if let Some(p) = old.nonnull() {
        p.write(&mut cx.mm(), &current)?;
    }
    Ok(())
}

/// rt_sigpending(2): the pending signals that are blocked (a smaller set size is allowed).
pub async fn sys_rt_sigpending(cx: &Caller, set: usize, sigsetsize: usize) -> SysResult<()> {
    if sigsetsize > SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let t = cx.thread();
    let v = signal::pending(t) & t.sigmask.load(Ordering::Relaxed);
    cx.mm().write_bytes(set, &v.to_le_bytes()[..sigsetsize])
}

/// rt_sigsuspend(2): wait with `mask` blocked until a signal is delivered; always EINTR (the
/// handler frame saves the old mask, so it comes back after the handler).
pub async fn sys_rt_sigsuspend(cx: &Caller, mask: UserPtr<u64>, sigsetsize: usize) -> SysResult<()> {
    if sigsetsize != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let m = mask.read(&mut cx.mm())?;
    let t = cx.thread();
    signal::set_mask_until_delivery(t, m);
    t.signal_queue.wait_until(|| signal::has_pending(t).then_some(())).await;
    Err(Errno::ERESTARTNOHAND)
}

/// rt_sigtimedwait(2): take one of the pending signals in `set` (normally blocked) without
/// running a handler. EAGAIN at the timeout (at once for a zero timeout), EINTR if another
/// signal is delivered meanwhile.
pub async fn sys_rt_sigtimedwait(
    cx: &Caller,
    set: UserPtr<u64>,
    info: UserPtr<SigInfo>,
    timeout: UserPtr<Timespec>,
    sigsetsize: usize,
) -> SysResult<usize> {
    if sigsetsize != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let set = set.read(&mut cx.mm())? & !UNBLOCKABLE;
    let deadline = match timeout.nonnull() {
        Some(p) => {
            let d = p.read(&mut cx.mm())?.to_nanos().ok_or(Errno::EINVAL)?;
            Some(hal::time::now_ns().saturating_add(d))
        }
        None => None,
    };
    let t = cx.thread();
    let mut got = signal::dequeue(t, set);
    if got.is_none() && deadline.is_none_or(|d| d > hal::time::now_ns()) {
        let arrived = || (signal::pending(t) & set != 0 || signal::has_pending(t)).then_some(());
        task::executor::with_deadline(deadline, t.signal_queue.wait_until(arrived)).await;
        got = signal::dequeue(t, set);
        if got.is_none() && deadline.is_none_or(|d| d > hal::time::now_ns()) {
            return Err(Errno::EINTR);
        }
    }
    let got = got.ok_or(Errno::EAGAIN)?;
    if let Some(p) = info.nonnull() {
        p.write(&mut cx.mm(), &got)?;
    }
    Ok(got.signo as usize)
}

/// sigaltstack(2).
pub async fn sys_sigaltstack(cx: &Caller, ss: UserPtr<StackT>, old: UserPtr<StackT>) -> SysResult<()> {
    let new = match ss.nonnull() {
        Some(p) => Some(p.read(&mut cx.mm())?),
        None => None,
    };
    let t = cx.thread();
    let sp = t.ctx.lock().sp();
    let before = reported_altstack(&signal::altstack(t), sp);
    if let Some(new) = new {
        change_altstack(t, &new, sp)?;
    }
    if let Some(p) = old.nonnull() {
        p.write(&mut cx.mm(), &before)?;
    }
    Ok(())
}

/// What kill(2) and friends put in `siginfo`: SI_USER (or SI_TKILL), the sender's pid and
/// real uid.
fn sender_info(cx: &Caller, sig: usize, code: i32) -> SigInfo {
    SigInfo::from_process(sig, code, cx.process().pid, cx.cred().uid)
}

/// Linux's check_kill_permission: the sender's real or effective uid is the target's real or
/// saved uid, or it has CAP_KILL; SIGCONT may also go to any process of the sender's session.
fn may_signal(cx: &Caller, target: &Process, target_cred: &task::Cred, sig: usize) -> bool {
    let c = cx.cred();
    let t = target_cred;
    [c.euid, c.uid].iter().any(|&u| u == t.uid || u == t.suid)
        || c.capable(abi::cred::CAP_KILL)
        || (sig == SIGCONT && target.sid() == cx.process().sid())
}

/// EPERM unless the caller may signal the process `p`.
fn check_may_signal(cx: &Caller, p: &Process, sig: usize) -> SysResult<()> {
    if may_signal(cx, p, &p.cred(), sig) {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// Signal 0 only checks that the target exists; others must be 1..=64.
fn check_kill_signal(sig: usize) -> SysResult<()> {
    if sig > NSIG {
        Err(Errno::EINVAL)
    } else {
        Ok(())
    }
}

fn send_process(p: &alloc::sync::Arc<Process>, sig: usize, info: SigInfo) {
    if sig != 0 {
        signal::send_to_process_info(p, info);
    }
}

/// The process `id` names: a process id, or the id of one of its threads (Linux finds any
/// task by the number, and kill(2) and rt_sigqueueinfo(2) then signal its whole process).
fn process_of(id: Pid) -> Option<alloc::sync::Arc<Process>> {
    lookup(id).or_else(|| lookup_thread(id).map(|t| t.process.clone()))
}

/// kill(2): pid > 0 that process, 0 the caller's process group, -1 every process but init and
/// the caller, < -1 the group -pid. ESRCH when nothing matches; EINVAL for a bad signal once a
/// target is found, as Linux checks.
pub async fn sys_kill(cx: &Caller, pid: i32, sig: usize) -> SysResult<()> {
    let info = sender_info(cx, sig, SI_USER);
    let targets: alloc::vec::Vec<_> = match pid {
        p if p > 0 => alloc::vec![process_of(p as Pid).ok_or(Errno::ESRCH)?],
        0 => task::process::group(cx.process().pgid()),
        -1 => task::process::all().into_iter().filter(|p| p.pid != 1 && p.pid != cx.process().pid).collect(),
        i32::MIN => return Err(Errno::ESRCH),
        p => task::process::group(-p as Pid),
    };
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    check_kill_signal(sig)?;
    // A group succeeds if one member could be signalled; kill(-1) skips those it may not
    // signal without saying so.
    let mut sent = false;
    for p in &targets {
        if may_signal(cx, p, &p.cred(), sig) {
            send_process(p, sig, info);
            sent = true;
        }
    }
    if sent || pid == -1 {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

fn send_thread(cx: &Caller, t: &alloc::sync::Arc<Thread>, sig: usize) -> SysResult<()> {
    check_kill_signal(sig)?;
    if !may_signal(cx, &t.process, &t.cred(), sig) {
        return Err(Errno::EPERM);
    }
    if sig != 0 {
        signal::send_to_thread_info(t, sender_info(cx, sig, SI_TKILL));
    }
    Ok(())
}

/// tkill(2): signal one thread by tid.
pub async fn sys_tkill(cx: &Caller, tid: i32, sig: usize) -> SysResult<()> {
    if tid <= 0 {
        return Err(Errno::EINVAL);
    }
    let t = lookup_thread(tid as Pid).ok_or(Errno::ESRCH)?;
    send_thread(cx, &t, sig)
}

/// tgkill(2): signal thread `tid` of process `tgid` (ESRCH if it is not one of its threads).
pub async fn sys_tgkill(cx: &Caller, tgid: i32, tid: i32, sig: usize) -> SysResult<()> {
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    let t = lookup_thread(tid as Pid).filter(|t| t.process.pid == tgid as Pid).ok_or(Errno::ESRCH)?;
    send_thread(cx, &t, sig)
}

/// The `siginfo` a program queues with rt_sigqueueinfo/rt_tgsigqueueinfo. Like Linux, only the
/// sender itself may claim a kernel or kill() origin (si_code >= 0) or SI_TKILL: EPERM for
/// another target.
fn queued_info(cx: &Caller, to_self: bool, sig: usize, uinfo: UserPtr<SigInfo>) -> SysResult<SigInfo> {
    let mut info = uinfo.read(&mut cx.mm())?;
    if !to_self && (info.code >= 0 || info.code == SI_TKILL) {
        return Err(Errno::EPERM);
    }
    info.signo = sig as i32;
    Ok(info)
}

/// pidfd_send_signal(2): kill(2) to the process a pidfd (or a /proc/<pid> directory) names
/// (ESRCH once it has been reaped), with the caller's `siginfo` when `uinfo` is given (its si_signo must be `sig`:
/// EINVAL; only the sender itself may claim a kill() origin: EPERM). Flags must be 0.
pub async fn sys_pidfd_send_signal(
    cx: &Caller,
    pidfd: i32,
    sig: usize,
    uinfo: UserPtr<SigInfo>,
    flags: u32,
) -> SysResult<()> {
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let p = crate::pidfd::signal_target(cx, pidfd)?;
    let info = match uinfo.nonnull() {
        Some(ptr) => {
            let info = ptr.read(&mut cx.mm())?;
            if info.signo as usize != sig {
                return Err(Errno::EINVAL);
            }
            queued_info(cx, p.pid == cx.process().pid, sig, uinfo)?
        }
        None => sender_info(cx, sig, SI_USER),
    };
    crate::pidfd::alive(&p)?;
    check_kill_signal(sig)?;
    check_may_signal(cx, &p, sig)?;
    send_process(&p, sig, info);
    Ok(())
}

/// rt_sigqueueinfo(2) (sigqueue): a signal with the caller's own siginfo (si_value) to a process.
pub async fn sys_rt_sigqueueinfo(cx: &Caller, pid: i32, sig: usize, uinfo: UserPtr<SigInfo>) -> SysResult<()> {
    let p = if pid > 0 { process_of(pid as Pid).ok_or(Errno::ESRCH)? } else { return Err(Errno::ESRCH) };
    check_kill_signal(sig)?;
    check_may_signal(cx, &p, sig)?;
    let info = queued_info(cx, p.pid == cx.process().pid, sig, uinfo)?;
    send_process(&p, sig, info);
    Ok(())
}

/// rt_tgsigqueueinfo(2): the same to one thread.
pub async fn sys_rt_tgsigqueueinfo(
    cx: &Caller,
    tgid: i32,
    tid: i32,
    sig: usize,
    uinfo: UserPtr<SigInfo>,
) -> SysResult<()> {
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    let t = lookup_thread(tid as Pid).filter(|t| t.process.pid == tgid as Pid).ok_or(Errno::ESRCH)?;
    check_kill_signal(sig)?;
    if !may_signal(cx, &t.process, &t.cred(), sig) {
        return Err(Errno::EPERM);
    }
    let info = queued_info(cx, t.process.pid == cx.process().pid, sig, uinfo)?;
    if sig != 0 {
        signal::send_to_thread_info(&t, info);
    }
    Ok(())
}
