//! wait4(2) and waitid(2).
//!
//! The caller's process keeps its children (zombies included) until a wait collects them; a
//! child that ends, stops or continues wakes the parent's `child_queue`, and the wait looks
//! again. Waiting is interruptible by signals (ERESTARTSYS: SA_RESTART restarts it).
use crate::Caller;
use abi::process::*;
use abi::signal::{SigInfo, SIGCHLD};
use abi::structs::Timeval;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use mm::UserPtr;
use task::process::{Pid, WaitEvent, WaitWho};
use task::Process;

fn timeval(ns: u64) -> Timeval {
    Timeval { tv_sec: (ns / 1_000_000_000) as i64, tv_usec: ((ns % 1_000_000_000) / 1000) as i64 }
}

fn rusage_of(child: &Process) -> Rusage {
    Rusage {
        utime: timeval(child.user_ns.load(Ordering::Relaxed)),
        stime: timeval(child.system_ns.load(Ordering::Relaxed)),
        ..Rusage::default()
    }
}

/// Wait (unless WNOHANG) until a matching child has something to report.
async fn wait(cx: &Caller, who: WaitWho, options: u32) -> SysResult<Option<(Pid, WaitEvent, Arc<Process>)>> {
    let p = cx.process();
    let found = task::signal::interruptible(
        cx.thread(),
        p.child_queue.wait_until(|| match p.wait_child(who, options) {
            Ok(None) if options & WNOHANG == 0 => None,
            r => Some(r),
        }),
    )
    .await?;
    found
}

/// wait4(2): pid > 0 that child, -1 any child, 0 any child in the caller's process group,
/// < -1 any child in group -pid. Options WNOHANG (0 if nothing to report), WUNTRACED (stopped
/// children), WCONTINUED, __WCLONE/__WALL (children that signal something else than SIGCHLD).
/// ECHILD if no child matches.
pub async fn sys_wait4(
    cx: &Caller,
    pid: i32,
    status: UserPtr<i32>,
    options: u32,
    rusage: UserPtr<Rusage>,
) -> SysResult<usize> {
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL) != 0 {
        return Err(Errno::EINVAL);
    }
    let who = match pid {
        i32::MIN => return Err(Errno::ESRCH),
        -1 => WaitWho::Any,
        0 => WaitWho::Group(cx.process().pgid()),
        p if p < 0 => WaitWho::Group(-p as Pid),
        p => WaitWho::Pid(p as Pid),
    };
    let Some((pid, event, child)) = wait(cx, who, options | WEXITED).await? else {
        return Ok(0);
    };
    if let Some(p) = status.nonnull() {
        p.write(&mut cx.mm(), &event.wait_status())?;
    }
    if let Some(p) = rusage.nonnull() {
        p.write(&mut cx.mm(), &rusage_of(&child))?;
    }
    Ok(pid)
}

/// waitid(2): `idtype` P_ALL, P_PID (id > 0), P_PGID (0: the caller's group) or P_PIDFD; at least one of
/// WEXITED, WSTOPPED, WCONTINUED; WNOWAIT leaves the child waitable. Fills `infop` (si_signo
/// SIGCHLD, si_code CLD_*, si_pid, si_uid, si_status); with WNOHANG and nothing to report
/// those fields are zero.
pub async fn sys_waitid(
    cx: &Caller,
    idtype: u32,
    id: i32,
    infop: UserPtr<SigInfo>,
    options: u32,
    rusage: UserPtr<Rusage>,
) -> SysResult<()> {
    let valid = WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL;
    if options & !valid != 0 || options & (WEXITED | WSTOPPED | WCONTINUED) == 0 {
        return Err(Errno::EINVAL);
    }
    // A pidfd names its process; an O_NONBLOCK one does not wait (EAGAIN instead).
    let mut options = options;
    let mut pidfd_nonblock = false;
    let who = match idtype {
        P_PIDFD => {
            let (p, nonblock) = crate::pidfd::pidfd_process(cx, id)?;
            if nonblock && options & WNOHANG == 0 {
                options |= WNOHANG;
                pidfd_nonblock = true;
            }
            WaitWho::Pid(p.pid)
        }
        P_ALL => WaitWho::Any,
        P_PID if id > 0 => WaitWho::Pid(id as Pid),
        P_PGID if id == 0 => WaitWho::Group(cx.process().pgid()),
        P_PGID if id > 0 => WaitWho::Group(id as Pid),
        _ => return Err(Errno::EINVAL),
    };
    let found = wait(cx, who, options).await?;
    if found.is_none() && pidfd_nonblock {
        return Err(Errno::EAGAIN);
    }
    let (info, usage) = match &found {
        Some((pid, event, child)) => {
            let (code, status) = event.child_code();
            (SigInfo::child(code, *pid, 0, status, 0, 0), rusage_of(child))
        }
        None => (SigInfo { signo: 0, ..SigInfo::default() }, Rusage::default()),
    };
    if let Some(p) = infop.nonnull() {
        // Only the fields Linux writes: si_signo, si_errno, si_code, si_pid, si_uid, si_status.
        let bytes = bytemuck::bytes_of(&info);
        let signo = if found.is_some() { SIGCHLD as i32 } else { 0 };
        let mut mm = cx.mm();
        mm.write_bytes(p.addr(), &signo.to_le_bytes())?;
        mm.write_bytes(p.addr() + 4, &bytes[4..12])?;
        mm.write_bytes(p.addr() + 16, &bytes[16..28])?;
    }
    if let Some(p) = rusage.nonnull() {
        p.write(&mut cx.mm(), &usage)?;
    }
    Ok(())
}
