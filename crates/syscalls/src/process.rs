//! Process and identity syscalls.
use crate::Caller;
use abi::flags::{RLIMIT_NOFILE, RLIM_NLIMITS};
use abi::structs::Rlimit;
use abi::{Errno, SysResult};
use core::sync::atomic::Ordering;
use mm::UserPtr;
use task::process::{lookup, ExitStatus, Pid};
use task::signal::{self, RestartBlock};

/// exit(2): ends the calling thread; the process ends with `code & 0xff` when it was the last.
pub async fn sys_exit(cx: &Caller, code: i32) -> SysResult<()> {
    cx.thread().exit(code & 0xff);
    Ok(())
}

/// exit_group(2): ends every thread of the process.
pub async fn sys_exit_group(cx: &Caller, code: i32) -> SysResult<()> {
    cx.process().exit(ExitStatus::Exited(code & 0xff));
    cx.thread().exit(code & 0xff);
    Ok(())
}

pub async fn sys_getpid(cx: &Caller) -> SysResult<usize> {
    Ok(cx.process().pid)
}

/// getppid(2): 0 for a process without a parent (the first process), as for Linux's init.
pub async fn sys_getppid(cx: &Caller) -> SysResult<usize> {
    Ok(cx.process().ppid())
}

pub async fn sys_gettid(cx: &Caller) -> SysResult<usize> {
    Ok(cx.thread().tid)
}

/// set_tid_address(2): remember where to clear and futex-wake at thread exit; returns the tid.
pub async fn sys_set_tid_address(cx: &Caller, tidptr: usize) -> SysResult<usize> {
    cx.thread().clear_child_tid.store(tidptr, Ordering::Relaxed);
    Ok(cx.thread().tid)
}

/// Everyone is root until users and groups arrive.
pub async fn sys_getuid(_cx: &Caller) -> SysResult<usize> {
    Ok(0)
}
pub async fn sys_geteuid(_cx: &Caller) -> SysResult<usize> {
    Ok(0)
}
pub async fn sys_getgid(_cx: &Caller) -> SysResult<usize> {
    Ok(0)
}
pub async fn sys_getegid(_cx: &Caller) -> SysResult<usize> {
    Ok(0)
}

/// prlimit64(2) on the caller (pid 0 or its own pid). The old value is read before the new one
/// is applied, as Linux does; RLIMIT_NOFILE also resizes the descriptor table's limit.
pub async fn sys_prlimit64(
    cx: &Caller,
    pid: i32,
    resource: u32,
    new: UserPtr<Rlimit>,
    old: UserPtr<Rlimit>,
) -> SysResult<()> {
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    if pid != 0 && pid as usize != cx.process().pid {
        return Err(Errno::ESRCH);
    }
    let resource = resource as usize;
    if resource >= RLIM_NLIMITS {
        return Err(Errno::EINVAL);
    }
    let new = match new.nonnull() {
        Some(p) => {
            let v = p.read(&mut cx.mm())?;
            if v.cur > v.max {
                return Err(Errno::EINVAL);
            }
            Some(v)
        }
        None => None,
    };
    let current = cx.process().rlimits.lock()[resource];
    if let Some(v) = new {
        // Raising the hard limit needs CAP_SYS_RESOURCE, which uid 0 has.
        if resource == RLIMIT_NOFILE {
            cx.process().files().set_limit(v.cur.min(1 << 20) as usize);
        }
    }
    if let Some(p) = old.nonnull() {
        p.write(&mut cx.mm(), &current)?;
    }
    if let Some(v) = new {
        cx.process().rlimits.lock()[resource] = v;
    }
    Ok(())
}

/// The process `pid` names for the pgid/sid calls: 0 is the caller.
fn target(cx: &Caller, pid: i32) -> SysResult<alloc::sync::Arc<task::Process>> {
    match pid {
        0 => Ok(cx.process().clone()),
        p if p < 0 => Err(Errno::ESRCH),
        p => lookup(p as Pid).ok_or(Errno::ESRCH),
    }
}

/// setpgid(2): move the caller or one of its children (pid; 0 = the caller) into process group
/// `pgid` (0 = its own pid). ESRCH unless the target is the caller or its child; EACCES for a
/// child that has called execve; EPERM for a session leader, a child in another session, or a
/// group that does not exist in the caller's session.
pub async fn sys_setpgid(cx: &Caller, pid: i32, pgid: i32) -> SysResult<()> {
    let me = cx.process();
    let pid = if pid == 0 { me.pid } else { pid as Pid };
    let pgid = if pgid == 0 { pid } else { pgid as Pid };
    if (pgid as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let p = lookup(pid).filter(|p| !p.is_zombie()).ok_or(Errno::ESRCH)?;
    if p.pid != me.pid {
        if p.ppid() != me.pid {
            return Err(Errno::ESRCH);
        }
        if p.sid() != me.sid() {
            return Err(Errno::EPERM);
        }
        if p.has_execed() {
            return Err(Errno::EACCES);
        }
    }
    if p.sid() == p.pid {
        return Err(Errno::EPERM);
    }
    if pgid != p.pid && !task::process::group(pgid).iter().any(|g| g.sid() == me.sid()) {
        return Err(Errno::EPERM);
    }
    p.set_pgid(pgid);
    Ok(())
}

/// getpgid(2) (getpgrp is getpgid(0) on riscv64).
pub async fn sys_getpgid(cx: &Caller, pid: i32) -> SysResult<usize> {
    Ok(target(cx, pid)?.pgid())
}

/// setsid(2): a new session and process group, both named by the caller's pid. EPERM if a
/// process group with that id exists already (the caller leads one).
pub async fn sys_setsid(cx: &Caller) -> SysResult<usize> {
    let me = cx.process();
    if !task::process::group(me.pid).is_empty() {
        return Err(Errno::EPERM);
    }
    me.set_sid(me.pid);
    me.set_pgid(me.pid);
    Ok(me.pid)
}

/// getsid(2).
pub async fn sys_getsid(cx: &Caller, pid: i32) -> SysResult<usize> {
    Ok(target(cx, pid)?.sid())
}

/// restart_syscall(2): go on with a call interrupted by a signal that ran no handler
/// (ERESTART_RESTARTBLOCK), with its original deadline. EINTR if there is none.
pub async fn sys_restart_syscall(cx: &Caller) -> SysResult<usize> {
    match signal::take_restart(cx.thread()) {
        Some(RestartBlock::Nanosleep { deadline, rem }) => {
            crate::time::sleep_until_interruptible(cx, deadline, UserPtr::new(rem)).await.map(|_| 0)
        }
        Some(RestartBlock::FutexWait { uaddr, val, bitset, deadline, private }) => {
            crate::futex::restart_wait(cx, uaddr, val, bitset, deadline, private).await
        }
        None => Err(Errno::EINTR),
    }
}
