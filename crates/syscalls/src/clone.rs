//! clone(2) (and so fork and vfork, which riscv64 only has as clone).
//!
//! riscv64 passes clone's arguments in the CLONE_BACKWARDS order: flags, newsp, parent_tid,
//! tls, child_tid (glibc's fork puts the child tid pointer in a4).
use crate::Caller;
use abi::flags::{OpenFlags, NSIG};
use abi::process::*;
use abi::{Errno, SysResult};
use core::sync::atomic::Ordering;
use hal::context::reg;
use task::process::ProcessParts;
use task::{signal, Process, Thread};

/// clone(2). Returns the child's tid (its pid for a new process) to the caller; the child
/// starts at the same pc with a0 = 0, on `newsp` if given, with tp = `tls` for CLONE_SETTLS.
///
/// * CLONE_THREAD: a thread of the caller's process. Otherwise a new process whose address
///   space is the caller's (CLONE_VM) or a copy-on-write copy, and likewise for the descriptor
///   table (CLONE_FILES), cwd/root/umask (CLONE_FS) and signal handlers (CLONE_SIGHAND); its
///   parent is the caller (or the caller's parent with CLONE_PARENT), and the low byte of
///   `flags` is the signal the parent gets when it ends.
/// * CLONE_PARENT_SETTID / CLONE_CHILD_SETTID write the tid in the caller's / child's memory;
///   CLONE_CHILD_CLEARTID makes the child clear and futex-wake that word when it ends.
/// * CLONE_VFORK: the caller waits until the child calls execve or ends.
///
/// * CLONE_PIDFD: a pidfd for the child (close-on-exec) is stored at `parent_tid` (an int),
///   which then cannot also take CLONE_PARENT_SETTID's tid.
///
/// EINVAL for CLONE_THREAD without CLONE_SIGHAND, CLONE_SIGHAND without CLONE_VM, CLONE_FS with
/// CLONE_NEWNS, a bad exit signal, namespaces, and CLONE_PIDFD with CLONE_PARENT_SETTID,
/// CLONE_THREAD or CLONE_DETACHED.
pub async fn sys_clone(
    cx: &Caller,
    flags: u64,
    newsp: usize,
    ptid: usize,
    tls: usize,
    ctid: usize,
) -> SysResult<usize> {
    if flags & CLONE_PIDFD != 0 && flags & CLONE_PARENT_SETTID != 0 {
        return Err(Errno::EINVAL);
    }
    let pidfd = (flags & CLONE_PIDFD != 0).then_some(ptid);
    clone(cx, flags & !CSIGNAL, (flags & CSIGNAL) as usize, newsp, ptid, tls, ctid, pidfd).await
}

/// What clone and clone3 share: `pidfd` is where CLONE_PIDFD's descriptor goes.
#[allow(clippy::too_many_arguments)]
async fn clone(
    cx: &Caller,
    flags: u64,
    exit_signal: usize,
    newsp: usize,
    ptid: usize,
    tls: usize,
    ctid: usize,
    pidfd: Option<usize>,
) -> SysResult<usize> {
    if flags & CLONE_THREAD != 0 && flags & CLONE_SIGHAND == 0
        || flags & CLONE_SIGHAND != 0 && flags & CLONE_VM == 0
        || flags & (CLONE_NEWNS | CLONE_FS) == CLONE_NEWNS | CLONE_FS
        || flags & CLONE_NAMESPACES != 0
        || flags & CLONE_PIDFD != 0 && flags & (CLONE_THREAD | CLONE_DETACHED) != 0
        || exit_signal > NSIG
    {
        return Err(Errno::EINVAL);
    }
    // The pidfd's place must be writable before anything is made (EFAULT, nothing started).
    if let Some(at) = pidfd {
        cx.mm().write_bytes(at, &(-1i32).to_le_bytes())?;
    }
    let parent_thread = cx.thread();
    let p = cx.process();
    // A thread of an ending process (a fatal signal came while it was in user mode) starts
    // nothing: the process has told its threads to stop, and a thread added now would never
    // be told. Linux: "let kill terminate clone/fork in the middle".
    if parent_thread.exiting() || p.is_exiting() {
        return Err(Errno::EINTR);
    }
    // threads-max: a fork bomb ends here (and with memory), as on Linux.
    if task::process::thread_count() >= task::process::max_threads() {
        return Err(Errno::EAGAIN);
    }
    check_nproc(cx)?;
    // A SCHED_DEADLINE thread cannot fork: its reservation cannot be split (Linux's sched_fork),
    // unless the child is to leave the policy anyway.
    let sched = *parent_thread.sched.lock();
    if sched.policy == crate::sched::SCHED_DEADLINE && !sched.reset_on_fork {
        return Err(Errno::EAGAIN);
    }
    let mut ctx = parent_thread.ctx.lock().clone();
    ctx.x[reg::A0] = 0;
    if newsp != 0 {
        ctx.x[reg::SP] = newsp;
    }
    if flags & CLONE_SETTLS != 0 {
        ctx.x[reg::TP] = tls;
    }
    let (child, new_process) = if flags & CLONE_THREAD != 0 {
        (Thread::new_in(p, ctx), None)
    } else {
        let mm = if flags & CLONE_VM != 0 { p.mm.get() } else { cx.mm().fork()?.shared() };
        let parts = ProcessParts {
            mm,
            files: if flags & CLONE_FILES != 0 { p.files.get() } else { p.files.copy() },
            fs: if flags & CLONE_FS != 0 { p.fs.get() } else { p.fs.copy() },
            sigactions: if flags & CLONE_SIGHAND != 0 { p.sigactions.get() } else { p.sigactions.copy() },
        };
        let (parent, exit_signal) = if flags & CLONE_PARENT != 0 {
            (p.parent(), p.exit_signal.load(Ordering::Relaxed))
        } else {
            (Some(p.clone()), exit_signal)
        };
        let child_process = Process::with_parts(parent.as_ref(), parts, exit_signal);
        (Thread::new_main(&child_process, ctx), Some(child_process))
    };
    let tid = child.tid();
    // Ready to run from the start: /proc must not show it waiting before it has run at all
    // (LTP waits for a child's 'S' to know it is blocked in the call under test).
    child.runnable.store(true, Ordering::Relaxed);
    child.sigmask.store(parent_thread.sigmask.load(Ordering::Relaxed), Ordering::Relaxed);
    child.set_name(parent_thread.name().as_deref());
    child.set_cred(parent_thread.cred());
    *child.sched.lock() = if sched.reset_on_fork { task::process::SchedPolicy::default() } else { sched };
    // The alternate stack is inherited, except by a child sharing the memory (it would share
    // the stack too), vfork aside.
    if flags & CLONE_VM == 0 || flags & CLONE_VFORK != 0 {
        signal::set_altstack(&child, signal::altstack(parent_thread));
    }
    if flags & CLONE_CHILD_CLEARTID != 0 {
        child.clear_child_tid.store(ctid, Ordering::Relaxed);
    }
    // Failed writes of the tid are ignored, as in Linux.
    if flags & CLONE_CHILD_SETTID != 0 {
        let _ = child.process.mm().write_bytes(ctid, &(tid as u32).to_le_bytes());
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        let _ = cx.mm().write_bytes(ptid, &(tid as u32).to_le_bytes());
    }
    let mut failed = None;
    if let (Some(at), Some(process)) = (pidfd, &new_process) {
        match crate::events::install(cx, task::pidfd::PidFd::new(process.clone()), "[pidfd]", OpenFlags::CLOEXEC.bits())
        {
            Ok(fd) => {
                let _ = cx.mm().write_bytes(at, &(fd as i32).to_le_bytes());
            }
            // No descriptor left (EMFILE): the child exists already; it is killed before it
            // runs a single instruction of its own, and the caller gets the error.
            Err(e) => {
                signal::send_to_process(process, abi::signal::SIGKILL);
                failed = Some(e);
            }
        }
    }
    log::debug!("clone {flags:#x}: {} -> {}", parent_thread.tid(), tid);
    task::spawn_thread(child);
    if let Some(e) = failed {
        return Err(e);
    }
    if let (Some(child), true) = (new_process, flags & CLONE_VFORK != 0) {
        // Not interruptible by signals, only by the caller's own end (Linux waits "killable"):
        // a SIGKILL wakes the caller through its signal queue and it ends at once.
        let released = child.vfork_queue.wait_until(|| child.vfork_done().then_some(()));
        let _ = signal::killable(parent_thread, released).await;
    }
    Ok(tid)
}

/// `struct clone_args` as of Linux 5.7 (CLONE_ARGS_SIZE_VER2).
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

/// clone3(2): clone with its arguments in a `struct clone_args` of `size` bytes (at least
/// the first version's 64: EINVAL; at most a page, and bytes past the fields known here must be
/// zero: E2BIG). The stack is given as its lowest address and size (the child starts at the
/// top); the exit signal has a field of its own (the flags' low byte must be clear). Choosing
/// the child's pid (set_tid) and CLONE_INTO_CGROUP are not supported (EINVAL).
pub async fn sys_clone3(cx: &Caller, args: usize, size: usize) -> SysResult<usize> {
    const VER0: usize = 64;
    if size < VER0 {
        return Err(Errno::EINVAL);
    }
    if size > 4096 {
        return Err(Errno::E2BIG);
    }
    let a: CloneArgs = cx.read_extensible(args, size)?;
    let (flags, pidfd, child_tid, parent_tid, exit_signal) =
        (a.flags, a.pidfd, a.child_tid, a.parent_tid, a.exit_signal);
    let (stack, stack_size, tls, set_tid, set_tid_size) = (a.stack, a.stack_size, a.tls, a.set_tid, a.set_tid_size);
    if flags & (CSIGNAL | CLONE_DETACHED | CLONE_INTO_CGROUP) != 0
        || exit_signal > NSIG as u64
        || (stack == 0) != (stack_size == 0)
        || set_tid != 0
        || set_tid_size != 0
    {
        return Err(Errno::EINVAL);
    }
    let sp = if stack == 0 { 0 } else { stack.checked_add(stack_size).ok_or(Errno::EINVAL)? as usize };
    let pidfd = (flags & CLONE_PIDFD != 0).then_some(pidfd as usize);
    clone(cx, flags, exit_signal as usize, sp, parent_tid as usize, tls as usize, child_tid as usize, pidfd).await
}

/// RLIMIT_NPROC: a user may not have more processes and threads than its limit (EAGAIN), unless
/// it holds CAP_SYS_RESOURCE or CAP_SYS_ADMIN. Counted by real uid, zombies included, as Linux.
fn check_nproc(cx: &Caller) -> SysResult<()> {
    let limit = cx.process().rlimits.lock()[abi::flags::RLIMIT_NPROC].cur;
    let c = cx.cred();
    if limit == abi::flags::RLIM_INFINITY
        || c.capable(abi::cred::CAP_SYS_RESOURCE)
        || c.capable(abi::cred::CAP_SYS_ADMIN)
    {
        return Ok(());
    }
    let tasks: usize =
        task::process::all().iter().filter(|p| p.cred().uid == c.uid).map(|p| p.live_threads().max(1)).sum();
    if tasks as u64 >= limit {
        return Err(Errno::EAGAIN);
    }
    Ok(())
}

/// unshare(2): stop sharing what clone shared. CLONE_FILES gives the process a copy of its
/// descriptor table, CLONE_FS of its cwd, root and umask; CLONE_SYSVSEM has nothing to detach
/// (every process's semaphore undo list is its own). CLONE_THREAD, CLONE_SIGHAND and CLONE_VM
/// ask for what a single-threaded process not sharing its handlers or memory already has
/// (else EINVAL, as Linux). Namespaces are EINVAL, as for clone: this kernel has none.
///
/// Descriptor tables and fs contexts belong to processes here, not to threads: a thread of a
/// multi-threaded process cannot take a table of its own, so CLONE_FILES and CLONE_FS there are
/// EINVAL (Linux gives the calling thread a private copy).
pub async fn sys_unshare(cx: &Caller, flags: u64) -> SysResult<()> {
    const KNOWN: u64 = CLONE_THREAD
        | CLONE_FS
        | CLONE_SIGHAND
        | CLONE_VM
        | CLONE_FILES
        | CLONE_SYSVSEM
        | CLONE_NAMESPACES
        | CLONE_NEWTIME;
    if flags & !KNOWN != 0 || flags & (CLONE_NAMESPACES | CLONE_NEWTIME) != 0 {
        return Err(Errno::EINVAL);
    }
    let p = cx.process();
    let alone = p.threads_alive().len() <= 1;
    if (flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_FILES | CLONE_FS) != 0 && !alone)
        || (flags & CLONE_SIGHAND != 0 && p.sigactions.is_shared())
        || (flags & CLONE_VM != 0 && p.mm.is_shared())
    {
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_FILES != 0 {
        p.files.unshare();
    }
    if flags & CLONE_FS != 0 {
        p.fs.unshare();
    }
    Ok(())
}
