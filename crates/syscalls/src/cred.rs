//! Credentials: the get/set of user and group ids, supplementary groups and capabilities.
//!
//! The rules live in [`task::cred::Cred`]; these calls read and replace the caller's thread's
//! credentials (each thread has its own, as on Linux: the C libraries change every thread's).
use crate::Caller;
use abi::cred::*;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use alloc::vec::Vec;
use mm::{UserPtr, UserSlice, UserSliceMut};
use task::Cred;

/// Replace the caller's credentials with the result of `change`.
fn change(cx: &Caller, change: impl FnOnce(&Cred) -> SysResult<Cred>) -> SysResult<()> {
    let new = change(&cx.cred())?;
    commit(cx, new);
    Ok(())
}

/// Give the caller `new` credentials. As Linux's commit_creds: when the effective or
/// file-system ids change, or capabilities go beyond the old ones, the process stops being
/// dumpable and forgets its parent-death signal (a process that gained or lost privileges
/// must not be inspected or signalled on the old terms).
pub(crate) fn commit(cx: &Caller, new: Cred) {
    let old = cx.cred();
    let ids = |c: &Cred| (c.euid, c.egid, c.fsuid, c.fsgid);
    let caps_grew = new.cap_permitted & !old.cap_permitted != 0 || new.cap_effective & !old.cap_effective != 0;
    if ids(&old) != ids(&new) || caps_grew {
        let p = cx.process();
        p.prctl.dumpable.store(task::prctl::SUID_DUMP_DISABLE, core::sync::atomic::Ordering::Relaxed);
        p.prctl.pdeath_signal.store(0, core::sync::atomic::Ordering::Relaxed);
    }
    cx.thread().set_cred(Arc::new(new));
}

pub async fn sys_getuid(cx: &Caller) -> SysResult<usize> {
    Ok(cx.cred().uid as usize)
}
pub async fn sys_geteuid(cx: &Caller) -> SysResult<usize> {
    Ok(cx.cred().euid as usize)
}
pub async fn sys_getgid(cx: &Caller) -> SysResult<usize> {
    Ok(cx.cred().gid as usize)
}
pub async fn sys_getegid(cx: &Caller) -> SysResult<usize> {
    Ok(cx.cred().egid as usize)
}

pub async fn sys_setuid(cx: &Caller, uid: u32) -> SysResult<()> {
    change(cx, |c| c.setuid(uid))
}
pub async fn sys_setgid(cx: &Caller, gid: u32) -> SysResult<()> {
    change(cx, |c| c.setgid(gid))
}
pub async fn sys_setreuid(cx: &Caller, ruid: u32, euid: u32) -> SysResult<()> {
    change(cx, |c| c.setreuid(ruid, euid))
}
pub async fn sys_setregid(cx: &Caller, rgid: u32, egid: u32) -> SysResult<()> {
    change(cx, |c| c.setregid(rgid, egid))
}
pub async fn sys_setresuid(cx: &Caller, ruid: u32, euid: u32, suid: u32) -> SysResult<()> {
    change(cx, |c| c.setresuid(ruid, euid, suid))
}
pub async fn sys_setresgid(cx: &Caller, rgid: u32, egid: u32, sgid: u32) -> SysResult<()> {
    change(cx, |c| c.setresgid(rgid, egid, sgid))
}

/// Write three ids, stopping at the first that faults (as Linux's put_user chain).
fn put_three(cx: &Caller, ptrs: [UserPtr<u32>; 3], ids: [u32; 3]) -> SysResult<()> {
    let mut mm = cx.mm();
    ptrs.iter().zip(ids).try_for_each(|(p, id)| p.write(&mut mm, &id))
}

pub async fn sys_getresuid(cx: &Caller, r: UserPtr<u32>, e: UserPtr<u32>, s: UserPtr<u32>) -> SysResult<()> {
    let c = cx.cred();
    put_three(cx, [r, e, s], [c.uid, c.euid, c.suid])
}
pub async fn sys_getresgid(cx: &Caller, r: UserPtr<u32>, e: UserPtr<u32>, s: UserPtr<u32>) -> SysResult<()> {
    let c = cx.cred();
    put_three(cx, [r, e, s], [c.gid, c.egid, c.sgid])
}

/// setfsuid(2): never fails; returns the file-system uid as it was.
pub async fn sys_setfsuid(cx: &Caller, uid: u32) -> SysResult<usize> {
    let old = cx.cred();
    if let Some(new) = old.setfsuid(uid) {
        commit(cx, new);
    }
    Ok(old.fsuid as usize)
}
pub async fn sys_setfsgid(cx: &Caller, gid: u32) -> SysResult<usize> {
    let old = cx.cred();
    if let Some(new) = old.setfsgid(gid) {
        commit(cx, new);
    }
    Ok(old.fsgid as usize)
}

/// getgroups(2): the count for a size of 0; EINVAL for a negative size or one too small.
pub async fn sys_getgroups(cx: &Caller, size: i32, list: usize) -> SysResult<usize> {
    let groups = cx.cred().groups.clone();
    if size < 0 {
        return Err(Errno::EINVAL);
    }
    if size != 0 {
        if groups.len() > size as usize {
            return Err(Errno::EINVAL);
        }
        UserSliceMut::new(list, groups.len()).write(&mut cx.mm(), &groups)?;
    }
    Ok(groups.len())
}

/// setgroups(2): CAP_SETGID first (EPERM), then the size (EINVAL above NGROUPS_MAX), then the
/// list (EFAULT).
pub async fn sys_setgroups(cx: &Caller, size: i32, list: usize) -> SysResult<()> {
    let c = cx.cred();
    if !c.capable(CAP_SETGID) {
        return Err(Errno::EPERM);
    }
    if size as u32 as usize > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    let groups: Vec<u32> = UserSlice::new(list, size as u32 as usize).read(&mut cx.mm())?;
    change(cx, |c| c.setgroups(groups))
}

/// The number of data words of a capability header's version; an unknown version is EINVAL
/// after the kernel's own version is written back into the header (how programs learn it).
fn cap_words(cx: &Caller, header: UserPtr<CapHeader>) -> SysResult<usize> {
    let version = UserPtr::<u32>::new(header.addr()).read(&mut cx.mm())?;
    match version {
        LINUX_CAPABILITY_VERSION_1 => Ok(1),
        LINUX_CAPABILITY_VERSION_2 | LINUX_CAPABILITY_VERSION_3 => Ok(2),
        _ => {
            UserPtr::<u32>::new(header.addr()).write(&mut cx.mm(), &LINUX_CAPABILITY_VERSION_3)?;
            Err(Errno::EINVAL)
        }
    }
}

/// capget(2): a thread's three capability sets (pid 0: the caller's). A NULL data pointer
/// only asks for the version: 0 even for an unknown one (the header then holds ours).
pub async fn sys_capget(cx: &Caller, header: UserPtr<CapHeader>, data: usize) -> SysResult<()> {
    let words = match cap_words(cx, header) {
        Err(Errno::EINVAL) if data == 0 => return Ok(()),
        r => r?,
    };
    if data == 0 {
        return Ok(());
    }
    let pid = UserPtr::<i32>::new(header.addr() + 4).read(&mut cx.mm())?;
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    let c = match pid {
        0 => cx.cred(),
        tid => task::process::lookup_thread(tid as usize).ok_or(Errno::ESRCH)?.cred(),
    };
    let word = |set: u64, i: usize| (set >> (32 * i)) as u32;
    let out: Vec<CapData> = (0..words)
        .map(|i| CapData {
            effective: word(c.cap_effective, i),
            permitted: word(c.cap_permitted, i),
            inheritable: word(c.cap_inheritable, i),
        })
        .collect();
    UserSliceMut::new(data, words).write(&mut cx.mm(), &out)
}

/// capset(2): the caller's own sets only (EPERM for another pid), within what it holds.
pub async fn sys_capset(cx: &Caller, header: UserPtr<CapHeader>, data: usize) -> SysResult<()> {
    let words = cap_words(cx, header)?;
    let pid = UserPtr::<i32>::new(header.addr() + 4).read(&mut cx.mm())?;
    if pid != 0 && pid as usize != cx.thread().tid() {
        return Err(Errno::EPERM);
    }
    let sets: Vec<CapData> = UserSlice::new(data, words).read(&mut cx.mm())?;
    let join = |f: fn(&CapData) -> u32| sets.iter().enumerate().fold(0u64, |a, (i, d)| a | (f(d) as u64) << (32 * i));
    let (e, p, i) = (join(|d| d.effective), join(|d| d.permitted), join(|d| d.inheritable));
    change(cx, |c| c.capset(e, p, i))
}

/// Linux's ptrace_may_access with real credentials (PTRACE_MODE_REALCREDS), the check before
/// one process reads another's descriptors or memory: itself; a process whose real, effective
/// and saved uids and gids all are the caller's real ones, and which is dumpable; or any
/// process with CAP_SYS_PTRACE.
pub(crate) fn may_inspect(cx: &Caller, target: &task::Process) -> bool {
    if target.pid == cx.process().pid {
        return true;
    }
    let c = cx.cred();
    if c.capable(CAP_SYS_PTRACE) {
        return true;
    }
    ids_all_real(&c, &target.cred()) && target.prctl.dumpable.load(core::sync::atomic::Ordering::Relaxed) != 0
}

/// Whether `t`'s real, effective and saved uids and gids all are `c`'s real ones: the
/// process is `c`'s user's in every respect (ptrace's and prlimit's test).
pub(crate) fn ids_all_real(c: &task::Cred, t: &task::Cred) -> bool {
    [t.uid, t.euid, t.suid].iter().all(|&u| u == c.uid) && [t.gid, t.egid, t.sgid].iter().all(|&g| g == c.gid)
}
