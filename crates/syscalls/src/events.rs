//! Event files: epoll, eventfd, timerfd, signalfd, inotify (the files themselves are
//! `fs::epoll`, `fs::eventfd`, `task::timerfd`, `task::signalfd` and `fs::notify`; this module
//! makes them descriptors and waits on them).
use crate::Caller;
use abi::events::*;
use abi::flags::{OpenFlags, AT_FDCWD, R_OK};
use abi::structs::Timespec;
use abi::{Errno, SysResult};
use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::Poll;
use fs::epoll::{as_epoll, Epoll};
use fs::eventfd::EventFd;
use fs::notify::{as_inotify, Inotify};
use fs::{File, InodeRef};
use mm::{UserCStr, UserPtr, UserSliceMut};
use task::signalfd::{as_signalfd, SignalFd};
use task::timerfd::{as_timerfd, Clock, TimerFd};

/// Install a new anonymous file for `inode` (named `anon_inode:<name>`, as /proc shows it),
/// with O_NONBLOCK and O_CLOEXEC as `flags` says.
pub(crate) fn install(cx: &Caller, inode: InodeRef, name: &str, flags: u32) -> SysResult<usize> {
    let status = OpenFlags::RDWR | (OpenFlags::from_bits_retain(flags) & OpenFlags::NONBLOCK);
    let file = Arc::new(File::new(inode, status, format!("anon_inode:{name}")));
    let fd = cx.process().files().insert(file, flags & OpenFlags::CLOEXEC.bits() != 0)?;
    Ok(fd as usize)
}

/// epoll_create1(2).
pub async fn sys_epoll_create1(cx: &Caller, flags: u32) -> SysResult<usize> {
    if flags & !EPOLL_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    install(cx, Epoll::new(), "[eventpoll]", flags)
}

/// epoll_ctl(2): add, change or remove the entry of `fd` in the epoll `epfd`.
pub async fn sys_epoll_ctl(cx: &Caller, epfd: i32, op: i32, fd: i32, event: UserPtr<EpollEvent>) -> SysResult<()> {
    let (epfile, file) = {
        let files = cx.process().files();
        (files.get(epfd)?, files.get(fd)?)
    };
    let ev = match op {
        EPOLL_CTL_DEL => EpollEvent::default(),
        EPOLL_CTL_ADD | EPOLL_CTL_MOD => event.read(&mut cx.mm())?,
        _ => return Err(Errno::EINVAL),
    };
    let ep = as_epoll(&epfile).ok_or(Errno::EINVAL)?;
    if Arc::ptr_eq(&epfile, &file) {
        return Err(Errno::EINVAL);
    }
    match op {
        EPOLL_CTL_ADD => ep.add(fd, &file, ev),
        EPOLL_CTL_MOD => ep.modify(fd, &file, ev),
        _ => ep.remove(fd, &file),
    }
}

/// epoll_pwait(2) (epoll_wait is this with no mask): `timeout` in ms, negative = forever.
pub async fn sys_epoll_pwait(
    cx: &Caller,
    epfd: i32,
    events: usize,
    maxevents: i32,
    timeout: i32,
    sigmask: usize,
    sigsetsize: usize,
) -> SysResult<usize> {
    let deadline = (timeout >= 0).then(|| hal::time::now_ns().saturating_add(timeout as u64 * 1_000_000));
    epoll_wait(cx, epfd, events, maxevents, deadline, sigmask, sigsetsize).await
}

/// epoll_pwait2(2): the timeout is a timespec (NULL = forever).
pub async fn sys_epoll_pwait2(
    cx: &Caller,
    epfd: i32,
    events: usize,
    maxevents: i32,
    timeout: UserPtr<Timespec>,
    sigmask: usize,
    sigsetsize: usize,
) -> SysResult<usize> {
    let deadline = match timeout.nonnull() {
        Some(t) => {
            let d = t.read(&mut cx.mm())?.to_nanos().ok_or(Errno::EINVAL)?;
            Some(hal::time::now_ns().saturating_add(d))
        }
        None => None,
    };
    epoll_wait(cx, epfd, events, maxevents, deadline, sigmask, sigsetsize).await
}

/// Wait until the epoll has something to report or `deadline` passes, with the signal mask at
/// `sigmask` meanwhile; the events go to the user's array. A signal ends the wait with EINTR,
/// never a restart (Linux's epoll_wait).
async fn epoll_wait(
    cx: &Caller,
    epfd: i32,
    events: usize,
    maxevents: i32,
    deadline: Option<u64>,
    sigmask: usize,
    sigsetsize: usize,
) -> SysResult<usize> {
    if !(1..=EP_MAX_EVENTS).contains(&maxevents) {
        return Err(Errno::EINVAL);
    }
    let epfile = cx.process().files().get(epfd)?;
    let ep = as_epoll(&epfile).ok_or(Errno::EINVAL)?;
    let mask = match sigmask {
        0 => None,
        p if sigsetsize == 8 => Some(UserPtr::<u64>::new(p).read(&mut cx.mm())?),
        _ => return Err(Errno::EINVAL),
    };
    if let Some(m) = mask {
        task::signal::set_mask_until_delivery(cx.thread(), m);
    }
    let mut ready = Vec::new();
    let mut sleep = pin!(deadline.map(task::executor::sleep_until));
    let wait = poll_fn(|waker_cx| {
        if ep.collect(maxevents as usize, &mut ready) > 0 {
            return Poll::Ready(());
        }
        if let Some(s) = sleep.as_mut().as_pin_mut() {
            if s.poll(waker_cx).is_ready() {
                return Poll::Ready(());
            }
        }
        ep.queue().register(waker_cx.waker());
        Poll::Pending
    });
    // Interrupted, the temporary mask stays until the signal is delivered.
    task::signal::interruptible(cx.thread(), wait).await.map_err(|_| Errno::EINTR)?;
    task::signal::restore_saved_mask(cx.thread());
    UserSliceMut::<EpollEvent>::new(events, ready.len()).write(&mut cx.mm(), &ready)?;
    Ok(ready.len())
}

/// eventfd2(2).
pub async fn sys_eventfd2(cx: &Caller, initval: u32, flags: u32) -> SysResult<usize> {
    if flags & !(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    install(cx, EventFd::new(initval as u64, flags & EFD_SEMAPHORE != 0), "[eventfd]", flags)
}

/// timerfd_create(2).
pub async fn sys_timerfd_create(cx: &Caller, clockid: usize, flags: u32) -> SysResult<usize> {
    if flags & !(TFD_NONBLOCK | TFD_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let clock = Clock::from_id(clockid)?;
    install(cx, TimerFd::new(clock), "[timerfd]", flags)
}

/// timerfd_settime(2).
pub async fn sys_timerfd_settime(
    cx: &Caller,
    fd: i32,
    flags: u32,
    new: UserPtr<ItimerSpec>,
    old: UserPtr<ItimerSpec>,
) -> SysResult<()> {
    let spec = new.read(&mut cx.mm())?;
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0 || !valid(&spec) {
        return Err(Errno::EINVAL);
    }
    let file = cx.process().files().get(fd)?;
    let timer = as_timerfd(&file).ok_or(Errno::EINVAL)?;
    // TFD_TIMER_CANCEL_ON_SET is accepted; the realtime clock is never set here, so nothing is
    // ever cancelled.
    let was = timer.set(&spec, flags & TFD_TIMER_ABSTIME != 0)?;
    if let Some(old) = old.nonnull() {
        old.write(&mut cx.mm(), &was)?;
    }
    Ok(())
}

fn valid(spec: &ItimerSpec) -> bool {
    spec.value.to_nanos().is_some() && spec.interval.to_nanos().is_some()
}

/// timerfd_gettime(2).
pub async fn sys_timerfd_gettime(cx: &Caller, fd: i32, cur: UserPtr<ItimerSpec>) -> SysResult<()> {
    let file = cx.process().files().get(fd)?;
    let timer = as_timerfd(&file).ok_or(Errno::EINVAL)?;
    cur.write(&mut cx.mm(), &timer.get())
}

/// signalfd4(2): a new signalfd reading the signals of `mask` (`fd` = -1), or a new mask for
/// the signalfd `fd`.
pub async fn sys_signalfd4(cx: &Caller, fd: i32, mask: UserPtr<u64>, sizemask: usize, flags: u32) -> SysResult<usize> {
    if sizemask != 8 || flags & !(SFD_NONBLOCK | SFD_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let set = mask.read(&mut cx.mm())?;
    if fd == -1 {
        return install(cx, SignalFd::new(cx.process(), set), "[signalfd]", flags);
    }
    let file = cx.process().files().get(fd)?;
    as_signalfd(&file).ok_or(Errno::EINVAL)?.set_mask(set);
    Ok(fd as usize)
}

/// inotify_init1(2): a new inotify instance, counted against the caller's real user
/// (`max_user_instances`, EMFILE past it).
pub async fn sys_inotify_init1(cx: &Caller, flags: u32) -> SysResult<usize> {
    if flags & !(IN_NONBLOCK | IN_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    install(cx, Inotify::new(cx.cred().uid)?, "inotify", flags)
}

/// inotify_add_watch(2): watch the file at `path` (followed unless IN_DONT_FOLLOW; a directory
/// with IN_ONLYDIR), which the caller must be able to read. Checks in Linux's order: the mask
/// (EINVAL), the descriptor (EBADF, EINVAL if not an instance), the path, the permission.
pub async fn sys_inotify_add_watch(cx: &Caller, fd: i32, path: UserCStr, mask: u32) -> SysResult<usize> {
    if mask & IN_MASK_ADD != 0 && mask & IN_MASK_CREATE != 0 || mask & IN_ALL_BITS == 0 {
        return Err(Errno::EINVAL);
    }
    let file = cx.io_file(fd)?;
    let group = as_inotify(&**file.inode()).ok_or(Errno::EINVAL)?.this();
    let at = crate::fs::resolve_at(cx, AT_FDCWD as i32, path, 0, mask & IN_DONT_FOLLOW == 0)?;
    if mask & IN_ONLYDIR != 0 && at.node.kind() != fs::FileKind::Directory {
        return Err(Errno::ENOTDIR);
    }
    fs::perm::check(&at.node, &crate::fs::who(cx), R_OK)?;
    Ok(group.add_watch(&*at.node, mask)? as usize)
}

/// inotify_rm_watch(2): end watch `wd` (EINVAL if the instance has none such); its last event
/// is IN_IGNORED.
pub async fn sys_inotify_rm_watch(cx: &Caller, fd: i32, wd: i32) -> SysResult<()> {
    let file = cx.io_file(fd)?;
    as_inotify(&**file.inode()).ok_or(Errno::EINVAL)?.rm_watch(wd)
}
