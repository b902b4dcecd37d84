//! POSIX message queues: mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify,
//! mq_getsetattr (the queues, names, limits and notification are `task::mqueue`).
//!
//! The checks come in Linux 6.1's order (ipc/mqueue.c): the user structures first (EFAULT; a
//! timeout that is no valid timespec is EINVAL before anything else, as Linux's
//! prepare_timeout, whether or not the call would wait), then the descriptor (EBADF, also for
//! a file that is no queue or is not open for the direction), then the sizes (EMSGSIZE). The C
//! library hands the kernel a name without its leading '/' (a name with one is EACCES here).
//!
//! A send to a full queue or a receive from an empty one sleeps on the queue's wait queue,
//! which every change wakes, until it gets through, the absolute CLOCK_REALTIME timeout passes
//! (ETIMEDOUT; converted to the boot clock when the call starts, as the other absolute
//! timeouts here) or a signal comes (ERESTARTSYS: EINTR, or a restart under SA_RESTART, as
//! Linux's wq_sleep). O_NONBLOCK makes it EAGAIN.
use crate::Caller;
use abi::flags::{OpenFlags, NSIG, RLIMIT_MSGQUEUE};
use abi::signal::{SigEvent, SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD};
use abi::structs::{MqAttr, Timespec, MQ_PRIO_MAX};
use abi::{Errno, SysResult};
use alloc::format;
use alloc::sync::Arc;
use fs::{File, FileKind};
use mm::{UserCStr, UserPtr, UserSlice, UserSliceMut};
use task::mqueue::{as_queue, Creator, NotifyHow, Queue};

/// The bytes of a SIGEV_THREAD cookie (Linux's NOTIFY_COOKIE_LEN).
const NOTIFY_COOKIE_LEN: usize = 32;
/// What mq_open keeps of its flags in the open file (Linux's dentry_open drops these; the
/// descriptor is close-on-exec whatever O_CLOEXEC says).
const OPEN_ONLY: OpenFlags =
    OpenFlags::CREAT.union(OpenFlags::EXCL).union(OpenFlags::NOCTTY).union(OpenFlags::TRUNC).union(OpenFlags::CLOEXEC);

/// The queue open at `fd` (EBADF for none, or a file that is no queue).
fn queue_file(cx: &Caller, fd: i32) -> SysResult<Arc<File>> {
    let file = cx.io_file(fd)?;
    if as_queue(&file).is_none() {
        return Err(Errno::EBADF);
    }
    Ok(file)
}

fn queue_of(file: &File) -> SysResult<&Queue> {
    as_queue(file).ok_or(Errno::EBADF)
}

/// An absolute CLOCK_REALTIME timeout as a boot-clock deadline; `None` for NULL (no timeout).
/// EFAULT, or EINVAL for a timespec out of range.
fn deadline(cx: &Caller, timeout: UserPtr<Timespec>) -> SysResult<Option<u64>> {
    let Some(t) = timeout.nonnull() else { return Ok(None) };
    let ts = t.read(&mut cx.mm())?;
    let ns = crate::posix_timer::timespec_ns(&ts)?;
    Ok(Some(ns.saturating_sub(hal::time::boot_epoch_ns())))
}

/// Run `op` until it stops answering EAGAIN, sleeping on the queue in between (see the module
/// documentation). A receiver counts as waiting while it sleeps, which keeps notification off.
async fn retry<T>(
    cx: &Caller,
    file: &File,
    q: &Queue,
    deadline: Option<u64>,
    receiver: bool,
    mut op: impl FnMut() -> SysResult<T>,
) -> SysResult<T> {
    match op() {
        Err(Errno::EAGAIN) => {}
        r => return r,
    }
    if file.nonblocking() {
        return Err(Errno::EAGAIN);
    }
    if deadline.is_some_and(|d| d <= hal::time::now_ns()) {
        return Err(Errno::ETIMEDOUT);
    }
    let _waiting = receiver.then(|| q.receiving());
    let wait = q.wait_queue().wait_until(|| match op() {
        Err(Errno::EAGAIN) => None,
        r => Some(r),
    });
    match task::signal::interruptible(cx.thread(), task::executor::with_deadline(deadline, wait)).await? {
        Some(r) => r,
        None => Err(Errno::ETIMEDOUT),
    }
}

/// mq_open(2): open (O_CREAT: make) the queue `name`; `attr` (NULL: the defaults) sizes a new
/// one. The descriptor is close-on-exec. Errors as `task::mqueue::open`, after EFAULT, ENOENT
/// for an empty name, ENAMETOOLONG for one past PATH_MAX and EMFILE for a full descriptor table.
pub async fn sys_mq_open(
    cx: &Caller,
    name: UserCStr,
    oflag: i32,
    mode: u32,
    attr: UserPtr<MqAttr>,
) -> SysResult<usize> {
    let attr = match attr.nonnull() {
        Some(a) => Some(a.read(&mut cx.mm())?),
        None => None,
    };
    let name = name.read_bytes(&mut cx.mm())?;
    if name.is_empty() {
        return Err(Errno::ENOENT);
    }
    let p = cx.process();
    p.files().free_from(0)?;
    let flags = OpenFlags::from_bits_retain(oflag as u32);
    let who = crate::fs::who(cx);
    let creator = Creator { who: &who, ruid: cx.cred().uid, rlimit: p.rlimits.lock()[RLIMIT_MSGQUEUE].cur };
    let umask = p.fs.lock().umask;
    let attr = attr.filter(|_| flags.contains(OpenFlags::CREAT));
    let q = task::mqueue::open(&name, flags, mode & 0o7777 & !umask, attr.as_ref(), &creator)?;
    let path = format!("/{}", alloc::string::String::from_utf8_lossy(&name));
    let file = Arc::new(File::new(q, flags - OPEN_ONLY, path));
    Ok(p.files().insert(file, true)? as usize)
}

/// mq_unlink(2): remove the name; the queue lives on while it is open. ENOENT, EACCES for a
/// bad name, EPERM for a queue of another user (the C library reports EACCES).
pub async fn sys_mq_unlink(cx: &Caller, name: UserCStr) -> SysResult<()> {
    let name = name.read_bytes(&mut cx.mm())?;
    if name.is_empty() {
        return Err(Errno::ENOENT);
    }
    task::mqueue::unlink(&name, &crate::fs::who(cx))
}

/// mq_timedsend(2): queue `msg` with priority `prio` (EINVAL from MQ_PRIO_MAX on), waiting
/// while the queue is full. EBADF unless open for writing, EMSGSIZE past mq_msgsize.
pub async fn sys_mq_timedsend(
    cx: &Caller,
    mqdes: i32,
    msg: UserSlice<u8>,
    prio: u32,
    timeout: UserPtr<Timespec>,
) -> SysResult<()> {
    let deadline = deadline(cx, timeout)?;
    if prio >= MQ_PRIO_MAX {
        return Err(Errno::EINVAL);
    }
    let file = queue_file(cx, mqdes)?;
    let q = queue_of(&file)?;
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    if msg.len() > q.msgsize() {
        return Err(Errno::EMSGSIZE);
    }
    let mut text = Some(msg.read(&mut cx.mm())?);
    let sender = (cx.process().pid, cx.cred().uid);
    retry(cx, &file, q, deadline, false, || q.send(prio, &mut text, sender)).await
}

/// mq_timedreceive(2): take the oldest message of the highest priority into `buf` (its
/// priority into `*prio` unless NULL), waiting while the queue is empty; returns its length.
/// EBADF unless open for reading, EMSGSIZE for a buffer smaller than mq_msgsize. A message
/// whose copy-out faults is gone all the same (EFAULT), as on Linux.
pub async fn sys_mq_timedreceive(
    cx: &Caller,
    mqdes: i32,
    buf: UserSliceMut<u8>,
    prio: UserPtr<u32>,
    timeout: UserPtr<Timespec>,
) -> SysResult<usize> {
    let deadline = deadline(cx, timeout)?;
    let file = queue_file(cx, mqdes)?;
    let q = queue_of(&file)?;
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    if buf.len() < q.msgsize() {
        return Err(Errno::EMSGSIZE);
    }
    let (p, text) = retry(cx, &file, q, deadline, true, || q.receive()).await?;
    let mut mm = cx.mm();
    if let Some(at) = prio.nonnull() {
        at.write(&mut mm, &p)?;
    }
    buf.write(&mut mm, &text)?;
    Ok(text.len())
}

/// SIGEV_THREAD: the C library's helper thread reads notifications from a netlink socket named
/// by `sigev_signo`, with a 32-byte cookie at `sigev_value`. This kernel has no netlink
/// sockets (socket(AF_NETLINK) is EAFNOSUPPORT, and glibc then answers ENOSYS itself), so the
/// call fails as Linux fails for a descriptor that is no netlink socket: EFAULT for the
/// cookie, EBADF, ENOTSOCK for a file that is no socket, EINVAL for any other socket.
fn thread_notify(cx: &Caller, ev: &SigEvent) -> Errno {
    let mut cookie = [0u8; NOTIFY_COOKIE_LEN];
    if let Err(e) = cx.mm().read_bytes(ev.value as usize, &mut cookie) {
        return e;
    }
    match cx.file(ev.signo) {
        Err(e) => e,
        Ok(f) if f.inode().kind() != FileKind::Socket => Errno::ENOTSOCK,
        Ok(_) => Errno::EINVAL,
    }
}

/// mq_notify(2): register the caller's process to be told of a message arriving in the empty
/// queue (SIGEV_SIGNAL with `si_code` SI_MESGQ, or SIGEV_NONE), or with NULL take its
/// registration back. EINVAL for another `sigev_notify` or a signal past NSIG, EBUSY when a
/// process is registered already.
pub async fn sys_mq_notify(cx: &Caller, mqdes: i32, sevp: UserPtr<SigEvent>) -> SysResult<()> {
    let ev = match sevp.nonnull() {
        Some(e) => Some(e.read(&mut cx.mm())?),
        None => None,
    };
    let how = match ev {
        None => None,
        Some(e) => Some(match e.notify {
            SIGEV_NONE => NotifyHow::None,
            SIGEV_SIGNAL if (0..=NSIG as i32).contains(&e.signo) => {
                NotifyHow::Signal { signo: e.signo, value: e.value }
            }
            SIGEV_THREAD => return Err(thread_notify(cx, &e)),
            _ => return Err(Errno::EINVAL),
        }),
    };
    let file = queue_file(cx, mqdes)?;
    let q = queue_of(&file)?;
    let p = cx.process();
    let table = p.files().lock_owner();
    q.set_notify(how, p, table)
}

/// mq_getsetattr(2): the queue's attributes into `*old` (mq_flags from the open file), and
/// with `new` its O_NONBLOCK set or cleared (any other flag is EINVAL; the sizes stay).
pub async fn sys_mq_getsetattr(cx: &Caller, mqdes: i32, new: UserPtr<MqAttr>, old: UserPtr<MqAttr>) -> SysResult<()> {
    let new = match new.nonnull() {
        Some(n) => Some(n.read(&mut cx.mm())?),
        None => None,
    };
    let nonblock = OpenFlags::NONBLOCK.bits() as i64;
    if new.is_some_and(|n| n.mq_flags & !nonblock != 0) {
        return Err(Errno::EINVAL);
    }
    let file = queue_file(cx, mqdes)?;
    let mut attr = queue_of(&file)?.attr();
    attr.mq_flags = if file.nonblocking() { nonblock } else { 0 };
    if let Some(n) = new {
        let flags = file.flags();
        file.set_flags(if n.mq_flags != 0 { flags | OpenFlags::NONBLOCK } else { flags - OpenFlags::NONBLOCK });
    }
    if let Some(o) = old.nonnull() {
        o.write(&mut cx.mm(), &attr)?;
    }
    Ok(())
}
