//! File locks: flock(2), and fcntl's record locks (F_GETLK, F_SETLK, F_SETLKW and their OFD
//! forms). The locks themselves are `fs::lock`'s; this reads and checks requests, waits, and
//! reports.
use crate::Caller;
use abi::flags::*;
use abi::structs::Flock;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use fs::lock::{self, LockType, Locker, Span, Waiter, OFFSET_MAX};
use fs::File;
use mm::UserPtr;

/// flock(2): a whole-file lock of the open file description, shared by its dup'd and inherited
/// descriptors. Without LOCK_NB a conflict waits (interruptibly); a conversion is not atomic,
/// as on Linux. LOCK_MAND requests are ignored, as Linux has done since 5.15.
pub async fn sys_flock(cx: &Caller, fd: i32, cmd: u32) -> SysResult<()> {
    if cmd & LOCK_MAND != 0 {
        return Ok(());
    }
    let ty = match cmd & !LOCK_NB {
        LOCK_SH => Some(LockType::Read),
        LOCK_EX => Some(LockType::Write),
        LOCK_UN => None,
        _ => return Err(Errno::EINVAL),
    };
    let file = cx.io_file(fd)?;
    let id = file.inode().id();
    let (owner, pid) = (file.lock_owner(), cx.process().pid);
    let attempt = || lock::flock(id, owner, ty, pid);
    if cmd & LOCK_NB != 0 || ty.is_none() {
        return attempt();
    }
    let waiter = Waiter::new(id);
    let wait = waiter.queue().wait_until(|| match attempt() {
        Err(Errno::EAGAIN) => None,
        r => Some(r),
    });
    task::signal::interruptible(cx.thread(), wait).await?
}

/// fcntl's lock commands on `file` (the open, non-O_PATH `fd`), checked in Linux's order.
pub(super) async fn fcntl_lock(cx: &Caller, fd: i32, file: &Arc<File>, cmd: u32, arg: usize) -> SysResult<isize> {
    let ptr = UserPtr::<Flock>::new(arg);
    let mut l = ptr.read(&mut cx.mm())?;
    let ofd = matches!(cmd, F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW);
    let id = file.inode().id();
    if matches!(cmd, F_GETLK | F_OFD_GETLK) {
        if cmd == F_GETLK && !matches!(l.l_type, F_RDLCK | F_WRLCK) {
            return Err(Errno::EINVAL);
        }
        let (ty, span) = request(file, &l)?;
        if ofd && l.l_pid != 0 {
            return Err(Errno::EINVAL);
        }
        match lock::test_record(id, locker(cx, file, ofd), ty, span) {
            None => l.l_type = F_UNLCK,
            Some(held) => {
                l.l_type = match held.ty {
                    LockType::Read => F_RDLCK,
                    LockType::Write => F_WRLCK,
                };
                l.l_whence = SEEK_SET as i16;
                l.l_start = held.span.start;
                l.l_len = if held.span.end == OFFSET_MAX { 0 } else { held.span.end - held.span.start + 1 };
                l.l_pid = held.pid;
            }
        }
        ptr.write(&mut cx.mm(), &l)?;
        return Ok(0);
    }
    let (ty, span) = request(file, &l)?;
    match ty {
        Some(LockType::Read) if !file.readable() => return Err(Errno::EBADF),
        Some(LockType::Write) if !file.writable() => return Err(Errno::EBADF),
        _ => {}
    }
    if ofd && l.l_pid != 0 {
        return Err(Errno::EINVAL);
    }
    let who = locker(cx, file, ofd);
    let waiter = (matches!(cmd, F_SETLKW | F_OFD_SETLKW) && ty.is_some()).then(|| Waiter::new(id));
    let attempt = || lock::set_record(id, who, ty, span, waiter.as_ref());
    match &waiter {
        None => attempt()?,
        Some(w) => {
            let wait = w.queue().wait_until(|| match attempt() {
                Err(Errno::EAGAIN) => None,
                r => Some(r),
            });
            task::signal::interruptible(cx.thread(), wait).await??
        }
    }
    // Another thread may have closed the descriptor while this one waited: the close released
    // the process's locks on the file before this one was set, so it would outlive every
    // descriptor. Linux takes it back and answers EBADF.
    if !ofd && ty.is_some() && !cx.file(fd).is_ok_and(|f| Arc::ptr_eq(&f, file)) {
        let _ = lock::set_record(id, who, None, span, None);
        return Err(Errno::EBADF);
    }
    Ok(0)
}

/// The owner of a request: the file description for OFD locks, else the descriptor table.
fn locker(cx: &Caller, file: &File, ofd: bool) -> Locker {
    let pid = cx.process().pid;
    if ofd {
        Locker { owner: file.lock_owner(), ofd, pid }
    } else {
        Locker { owner: cx.process().files().lock_owner(), ofd, pid }
    }
}

/// The lock type and byte range a `struct flock` asks for, as Linux reads it: `l_whence` is
/// SEEK_SET, SEEK_CUR (the file offset) or SEEK_END (the size), `l_len` 0 reaches past the end
/// of the file and a negative `l_len` covers the bytes before `l_start`. A range starting before
/// 0 is EINVAL, one past the largest offset EOVERFLOW.
fn request(file: &File, l: &Flock) -> SysResult<(Option<LockType>, Span)> {
    let base = match l.l_whence as u32 {
        SEEK_SET => 0,
        SEEK_CUR => file.offset() as i64,
        SEEK_END => file.inode().stat().st_size,
        _ => return Err(Errno::EINVAL),
    };
    if l.l_start > OFFSET_MAX - base {
        return Err(Errno::EOVERFLOW);
    }
    let mut start = base + l.l_start;
    if start < 0 {
        return Err(Errno::EINVAL);
    }
    let end = match l.l_len {
        len if len > 0 => {
            if len - 1 > OFFSET_MAX - start {
                return Err(Errno::EOVERFLOW);
            }
            start + (len - 1)
        }
        len if len < 0 => {
            if start + len < 0 {
                return Err(Errno::EINVAL);
            }
            let end = start - 1;
            start += len;
            end
        }
        _ => OFFSET_MAX,
    };
    let ty = match l.l_type {
        F_RDLCK => Some(LockType::Read),
        F_WRLCK => Some(LockType::Write),
        F_UNLCK => None,
        _ => return Err(Errno::EINVAL),
    };
    Ok((ty, Span::new(start, end)))
}
