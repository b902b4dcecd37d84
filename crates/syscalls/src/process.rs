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
    Ok(cx.thread().tid())
}

/// set_tid_address(2): remember where to clear and futex-wake at thread exit; returns the tid.
pub async fn sys_set_tid_address(cx: &Caller, tidptr: usize) -> SysResult<usize> {
    cx.thread().clear_child_tid.store(tidptr, Ordering::Relaxed);
    Ok(cx.thread().tid())
}

/// prlimit64(2): the caller (pid 0) or another process, which the caller must be allowed to
/// change (ESRCH, EPERM). The old value is read before the new one is applied, as Linux does;
/// RLIMIT_NOFILE also resizes the descriptor table's limit, RLIMIT_CPU moves the CPU-time
/// deadline.
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
    if resource as usize >= RLIM_NLIMITS {
        return Err(Errno::EINVAL);
    }
    let new = match new.nonnull() {
        Some(p) => Some(p.read(&mut cx.mm())?),
        None => None,
    };
    let target = match pid {
        0 => cx.process().clone(),
        p => lookup(p as Pid).filter(|t| !t.is_zombie()).ok_or(Errno::ESRCH)?,
    };
    if !may_change_limits(cx, &target) {
        return Err(Errno::EPERM);
    }
    let current = do_prlimit(cx, &target, resource, new)?;
    // As Linux: the new limit is in force even if the old one cannot be reported (EFAULT).
    if let Some(p) = old.nonnull() {
        p.write(&mut cx.mm(), &current)?;
    }
    Ok(())
}

/// Linux's check_prlimit_permission: one's own limits; another process's if its real,
/// effective and saved ids all are the caller's real ones, or with CAP_SYS_RESOURCE.
fn may_change_limits(cx: &Caller, target: &task::Process) -> bool {
    if target.pid == cx.process().pid {
        return true;
    }
    let c = cx.cred();
    crate::cred::ids_all_real(&c, &target.cred()) || c.capable(abi::cred::CAP_SYS_RESOURCE)
}

/// Linux's `do_prlimit` on process `p`: EINVAL for an unknown resource or a soft limit above
/// the hard one; sets `new` if given and returns the limit as it was before.
fn do_prlimit(
    cx: &Caller,
    p: &alloc::sync::Arc<task::Process>,
    resource: u32,
    new: Option<Rlimit>,
) -> SysResult<Rlimit> {
    let resource = resource as usize;
    if resource >= RLIM_NLIMITS || new.is_some_and(|v| v.cur > v.max) {
        return Err(Errno::EINVAL);
    }
    let current = p.rlimits.lock()[resource];
    if let Some(v) = new {
        // Raising the hard limit needs CAP_SYS_RESOURCE; RLIMIT_NOFILE never goes past nr_open.
        let privileged = cx.cred().capable(abi::cred::CAP_SYS_RESOURCE);
        if (v.max > current.max && !privileged) || (resource == RLIMIT_NOFILE && v.max > NR_OPEN) {
            return Err(Errno::EPERM);
        }
        if resource == RLIMIT_NOFILE {
            p.files().set_limit(v.cur.min(1 << 20) as usize);
        }
        p.rlimits.lock()[resource] = v;
        if resource == abi::flags::RLIMIT_CPU {
            task::posix_timer::update_cpu_deadline(p);
        }
    }
    Ok(current)
}

/// /proc/sys/fs/nr_open: the most descriptors RLIMIT_NOFILE may allow.
const NR_OPEN: u64 = 1 << 20;

/// getrlimit(2) (riscv64 has the call beside prlimit64; `struct rlimit` is two 64-bit words
/// there, so the two share one layout): EINVAL for an unknown resource, then the limit or
/// EFAULT.
pub async fn sys_getrlimit(cx: &Caller, resource: u32, rlim: UserPtr<Rlimit>) -> SysResult<()> {
    let current = do_prlimit(cx, cx.process(), resource, None)?;
    rlim.write(&mut cx.mm(), &current)
}

/// setrlimit(2): as Linux, the new limit is read first (EFAULT), then checked as prlimit64
/// checks it (EINVAL for an unknown resource or soft above hard).
pub async fn sys_setrlimit(cx: &Caller, resource: u32, rlim: UserPtr<Rlimit>) -> SysResult<()> {
    let new = rlim.read(&mut cx.mm())?;
    do_prlimit(cx, cx.process(), resource, Some(new)).map(|_| ())
}

const PRIO_PROCESS: i32 = 0;
const PRIO_PGRP: i32 = 1;
const PRIO_USER: i32 = 2;

/// The processes `which`/`who` name for get/setpriority (who 0: the caller's own).
fn priority_targets(cx: &Caller, which: i32, who: i32) -> SysResult<alloc::vec::Vec<alloc::sync::Arc<task::Process>>> {
    let me = cx.process();
    let targets = match which {
        PRIO_PROCESS if who == 0 => alloc::vec![me.clone()],
        PRIO_PROCESS => lookup(who as Pid).into_iter().collect(),
        PRIO_PGRP => task::process::group(if who == 0 { me.pgid() } else { who as Pid }),
        // A user's processes, by real uid (who 0: the caller's user).
        PRIO_USER => {
            let uid = if who == 0 { cx.cred().uid } else { who as u32 };
            task::process::all().into_iter().filter(|p| !p.is_zombie() && p.cred().uid == uid).collect()
        }
        _ => return Err(Errno::EINVAL),
    };
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    Ok(targets)
}

/// getpriority(2): the raw syscall returns 20 - nice (1..=40) of the most favourable target;
/// glibc turns it back into a nice value.
pub async fn sys_getpriority(cx: &Caller, which: i32, who: i32) -> SysResult<usize> {
    let best = priority_targets(cx, which, who)?.iter().map(|p| p.nice.load(Ordering::Relaxed)).min().unwrap_or(0);
    Ok((20 - best) as usize)
}

/// setpriority(2): the nice value, clamped to -20..=19. As Linux's set_one_prio, per target:
/// another user's process needs CAP_SYS_NICE (EPERM), and lowering the value (raising the
/// priority) needs CAP_SYS_NICE or an RLIMIT_NICE that allows it (EACCES).
pub async fn sys_setpriority(cx: &Caller, which: i32, who: i32, prio: i32) -> SysResult<()> {
    let nice = prio.clamp(-20, 19);
    let me = cx.cred();
    let nice_rlimit = cx.process().rlimits.lock()[abi::flags::RLIMIT_NICE].cur;
    let mut result = Ok(());
    for p in priority_targets(cx, which, who)? {
        let them = p.cred();
        if them.uid != me.euid && them.euid != me.euid && !me.capable(abi::cred::CAP_SYS_NICE) {
            result = Err(Errno::EPERM);
        } else if nice < p.nice.load(Ordering::Relaxed)
            && (20 - nice) as u64 > nice_rlimit
            && !me.capable(abi::cred::CAP_SYS_NICE)
        {
            result = Err(Errno::EACCES);
        } else {
            p.nice.store(nice, Ordering::Relaxed);
        }
    }
    result
}

/// I/O priority classes (ioprio_set's value is class << 13 | level).
const IOPRIO_CLASS_SHIFT: u32 = 13;
const IOPRIO_CLASS_NONE: u32 = 0;
const IOPRIO_CLASS_RT: u32 = 1;
const IOPRIO_CLASS_BE: u32 = 2;
const IOPRIO_CLASS_IDLE: u32 = 3;

/// The I/O priority of `p`: what it set, else best effort at the level its nice value gives
/// (Linux's task_nice_ioprio: (nice + 20) / 5).
fn ioprio_of(p: &task::Process) -> u32 {
    match p.prctl.ioprio.load(Ordering::Relaxed) {
        0 => IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT | ((p.nice.load(Ordering::Relaxed) + 20) / 5) as u32,
        v => v,
    }
}

/// ioprio_get(2): `which` IOPRIO_WHO_PROCESS (1), _PGRP (2) or _USER (3), as getpriority's
/// targets; the highest priority among them (the lowest value).
pub async fn sys_ioprio_get(cx: &Caller, which: i32, who: i32) -> SysResult<usize> {
    if !(1..=3).contains(&which) {
        return Err(Errno::EINVAL);
    }
    let best = priority_targets(cx, which - 1, who)?.iter().map(|p| ioprio_of(p)).min().unwrap_or(0);
    Ok(best as usize)
}

/// ioprio_set(2): class NONE (level 0 only), RT (needs CAP_SYS_NICE or CAP_SYS_ADMIN: EPERM),
/// BE (levels 0..=7) or IDLE; anything else EINVAL. Recorded per process: the block layer here
/// has one queue and no I/O scheduler, so priorities order nothing yet.
pub async fn sys_ioprio_set(cx: &Caller, which: i32, who: i32, ioprio: u32) -> SysResult<()> {
    let (class, level) = (ioprio >> IOPRIO_CLASS_SHIFT, ioprio & ((1 << IOPRIO_CLASS_SHIFT) - 1));
    let me = cx.cred();
    match class {
        IOPRIO_CLASS_RT if !me.capable(abi::cred::CAP_SYS_NICE) && !me.capable(abi::cred::CAP_SYS_ADMIN) => {
            return Err(Errno::EPERM)
        }
        IOPRIO_CLASS_RT | IOPRIO_CLASS_BE if level < 8 => {}
        IOPRIO_CLASS_IDLE => {}
        IOPRIO_CLASS_NONE if level == 0 => {}
        _ => return Err(Errno::EINVAL),
    }
    if !(1..=3).contains(&which) {
        return Err(Errno::EINVAL);
    }
    for p in priority_targets(cx, which - 1, who)? {
        let them = p.cred();
        if them.uid != me.euid && them.euid != me.euid && !me.capable(abi::cred::CAP_SYS_NICE) {
            return Err(Errno::EPERM);
        }
        p.prctl.ioprio.store(ioprio, Ordering::Relaxed);
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
    // A new session starts without a controlling terminal.
    me.set_ctty(None);
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

const RUSAGE_SELF: i32 = 0;
const RUSAGE_THREAD: i32 = 1;
const RUSAGE_CHILDREN: i32 = -1;

/// getrusage(2): CPU times of the process (RUSAGE_THREAD: the same, per-thread time is not
/// kept apart) or of its reaped children; the other fields are 0.
pub async fn sys_getrusage(cx: &Caller, who: i32, usage: UserPtr<abi::process::Rusage>) -> SysResult<()> {
    let p = cx.process();
    let (user, sys) = match who {
        RUSAGE_SELF | RUSAGE_THREAD => (&p.user_ns, &p.system_ns),
        RUSAGE_CHILDREN => (&p.children_user_ns, &p.children_system_ns),
        _ => return Err(Errno::EINVAL),
    };
    let tv = |ns: u64| abi::structs::Timeval {
        tv_sec: (ns / 1_000_000_000) as i64,
        tv_usec: ((ns % 1_000_000_000) / 1000) as i64,
    };
    let r = abi::process::Rusage {
        utime: tv(user.load(Ordering::Relaxed)),
        stime: tv(sys.load(Ordering::Relaxed)),
        ..Default::default()
    };
    usage.write(&mut cx.mm(), &r)
}

/// kcmp(2) types.
const KCMP_FILE: u32 = 0;
const KCMP_VM: u32 = 1;
const KCMP_FILES: u32 = 2;
const KCMP_FS: u32 = 3;
const KCMP_SIGHAND: u32 = 4;
const KCMP_IO: u32 = 5;
const KCMP_SYSVSEM: u32 = 6;

/// kcmp(2): whether two processes share a kernel object: 0 the same, 1 or 2 an order of two
/// different ones (by address, the same answer every time). Both processes must be open to
/// inspection by the caller (EPERM); a file index that is not open is EBADF. The I/O context
/// and the semaphore undo list are each process's own here (neither CLONE_IO nor
/// CLONE_SYSVSEM shares them), so they compare as the processes do.
pub async fn sys_kcmp(cx: &Caller, pid1: i32, pid2: i32, kind: u32, idx1: usize, idx2: usize) -> SysResult<usize> {
    let find = |pid: i32| if pid > 0 { lookup(pid as Pid).ok_or(Errno::ESRCH) } else { Err(Errno::ESRCH) };
    let (a, b) = (find(pid1)?, find(pid2)?);
    if !crate::cred::may_inspect(cx, &a) || !crate::cred::may_inspect(cx, &b) {
        return Err(Errno::EPERM);
    }
    let addr = |p: &alloc::sync::Arc<task::Process>, idx: usize| -> SysResult<usize> {
        Ok(match kind {
            KCMP_FILE => {
                let fd = i32::try_from(idx).map_err(|_| Errno::EBADF)?;
                alloc::sync::Arc::as_ptr(&p.files().get(fd)?) as usize
            }
            KCMP_VM => alloc::sync::Arc::as_ptr(&p.mm.get()) as usize,
            KCMP_FILES => alloc::sync::Arc::as_ptr(&p.files.get()) as usize,
            KCMP_FS => alloc::sync::Arc::as_ptr(&p.fs.get()) as usize,
            KCMP_SIGHAND => alloc::sync::Arc::as_ptr(&p.sigactions.get()) as usize,
            KCMP_IO | KCMP_SYSVSEM => alloc::sync::Arc::as_ptr(p) as usize,
            _ => return Err(Errno::EINVAL),
        })
    };
    let (x, y) = (addr(&a, idx1)?, addr(&b, idx2)?);
    Ok(match x.cmp(&y) {
        core::cmp::Ordering::Equal => 0,
        core::cmp::Ordering::Less => 1,
        core::cmp::Ordering::Greater => 2,
    })
}
