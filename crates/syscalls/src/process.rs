//! Process and identity syscalls.
use crate::Caller;
use abi::flags::{RLIMIT_NOFILE, RLIM_NLIMITS};
use abi::structs::Rlimit;
use abi::{Errno, SysResult};
use core::sync::atomic::Ordering;
use mm::UserPtr;
use task::process::ExitStatus;

/// exit(2): ends the calling thread; the process ends with `code & 0xff` when it was the last.
pub async fn sys_exit(cx: &Caller, code: i32) -> SysResult<()> {
    cx.thread().exit(code & 0xff);
    Ok(())
}

/// exit_group(2): ends every thread of the process.
pub async fn sys_exit_group(cx: &Caller, code: i32) -> SysResult<()> {
    cx.process().exit(ExitStatus::Exited(code & 0xff));
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

/// Size of `struct robust_list_head` on 64-bit Linux: the only length accepted.
const ROBUST_LIST_HEAD_LEN: usize = 24;

/// set_robust_list(2): recorded for the futex cleanup at thread exit.
pub async fn sys_set_robust_list(cx: &Caller, head: usize, len: usize) -> SysResult<()> {
    if len != ROBUST_LIST_HEAD_LEN {
        return Err(Errno::EINVAL);
    }
    *cx.thread().robust_list.lock() = (head, len);
    Ok(())
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
