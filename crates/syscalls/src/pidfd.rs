//! pidfd_open, pidfd_getfd: descriptors that name a process (`task::pidfd`).
//! pidfd_send_signal lives with the other senders (`signal`), waitid's P_PIDFD in `wait`.
use crate::Caller;
use abi::flags::OpenFlags;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use task::pidfd::{as_pidfd, PidFd};
use task::process::{lookup, lookup_thread, Pid, Process};

/// PIDFD_NONBLOCK: O_NONBLOCK (waitid on the pidfd answers EAGAIN rather than wait).
const PIDFD_NONBLOCK: u32 = OpenFlags::NONBLOCK.bits();

/// The process a pidfd names (EBADF for a descriptor that is not one).
pub(crate) fn pidfd_process(cx: &Caller, fd: i32) -> SysResult<(Arc<Process>, bool)> {
    let file = cx.file(fd)?;
    let pidfd = as_pidfd(&file).ok_or(Errno::EBADF)?;
    Ok((pidfd.process().clone(), file.nonblocking()))
}

/// The process pidfd_send_signal's descriptor names: a pidfd's, or that of a /proc/<pid>
/// directory (Linux takes those too). Anything else is EBADF; a process gone is ESRCH.
pub(crate) fn signal_target(cx: &Caller, fd: i32) -> SysResult<Arc<Process>> {
    let file = cx.file(fd)?;
    if let Some(pidfd) = as_pidfd(&file) {
        return Ok(pidfd.process().clone());
    }
    let pid = procfs::process_dir_pid(&file).ok_or(Errno::EBADF)?;
    lookup(pid).ok_or(Errno::ESRCH)
}

/// Whether the process has been reaped since (then it is gone: ESRCH).
pub(crate) fn alive(p: &Arc<Process>) -> SysResult<()> {
    match lookup(p.pid) {
        Some(q) if Arc::ptr_eq(&q, p) => Ok(()),
        _ => Err(Errno::ESRCH),
    }
}

/// pidfd_open(2): a close-on-exec descriptor for process `pid` (a zombie too). Only
/// PIDFD_NONBLOCK is a flag; pid <= 0 or a thread that does not lead its process is EINVAL, no
/// such process ESRCH.
pub async fn sys_pidfd_open(cx: &Caller, pid: i32, flags: u32) -> SysResult<usize> {
    if flags & !PIDFD_NONBLOCK != 0 || pid <= 0 {
        return Err(Errno::EINVAL);
    }
    let p = match lookup(pid as Pid) {
        Some(p) => p,
        None if lookup_thread(pid as Pid).is_some() => return Err(Errno::EINVAL),
        None => return Err(Errno::ESRCH),
    };
    crate::events::install(cx, PidFd::new(p), "[pidfd]", flags | OpenFlags::CLOEXEC.bits())
}

/// pidfd_getfd(2): a close-on-exec copy of descriptor `targetfd` of the process, which the
/// caller must be allowed to inspect (Linux's ptrace access check: EPERM). Flags must be 0.
pub async fn sys_pidfd_getfd(cx: &Caller, pidfd: i32, targetfd: i32, flags: u32) -> SysResult<usize> {
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let (p, _) = pidfd_process(cx, pidfd)?;
    alive(&p)?;
    if !crate::cred::may_inspect(cx, &p) {
        return Err(Errno::EPERM);
    }
    let file = p.files().get(targetfd)?;
    Ok(cx.process().files().insert(file, true)? as usize)
}
