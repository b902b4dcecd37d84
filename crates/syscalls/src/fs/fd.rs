//! Descriptors: dup, dup3, close_range, fcntl.
use crate::Caller;
use abi::flags::*;
use abi::{Errno, SysResult};
use fs::pipe::Pipe;
use fs::ramfs::as_ramfile;

/// dup(2): the lowest free descriptor, sharing the open file; close-on-exec is off.
pub async fn sys_dup(cx: &Caller, fd: i32) -> SysResult<i32> {
    let file = cx.file(fd)?;
    cx.process().files().insert(file, false)
}

/// dup3(2): make `newfd` refer to `oldfd`'s file, closing what `newfd` had. Only O_CLOEXEC is
/// a valid flag; the same descriptor twice is EINVAL; `newfd` past RLIMIT_NOFILE is EBADF.
pub async fn sys_dup3(cx: &Caller, oldfd: i32, newfd: i32, flags: u32) -> SysResult<i32> {
    if flags & !OpenFlags::CLOEXEC.bits() != 0 || oldfd == newfd {
        return Err(Errno::EINVAL);
    }
    let replaced = {
        let mut files = cx.process().files();
        if newfd < 0 || newfd as usize >= files.limit() {
            return Err(Errno::EBADF);
        }
        let file = files.get(oldfd)?;
        let old = files.remove(newfd).ok();
        files.set(newfd, file, flags & OpenFlags::CLOEXEC.bits() != 0)?;
        old
    };
    // The replaced file is closed after the table is unlocked (a pipe end wakes its peer).
    drop(replaced);
    Ok(newfd)
}

/// close_range(2): close every open descriptor in `first..=last` (or, with
/// CLOSE_RANGE_CLOEXEC, mark them close-on-exec), after giving the process its own copy of a
/// table it shares (CLONE_FILES) if CLOSE_RANGE_UNSHARE asks. Unknown flags or `first > last`
/// are EINVAL; descriptors not open are skipped.
pub async fn sys_close_range(cx: &Caller, first: u32, last: u32, flags: u32) -> SysResult<()> {
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(Errno::EINVAL);
    }
    let p = cx.process();
    if flags & CLOSE_RANGE_UNSHARE != 0 {
        p.files.unshare();
    }
    let closed: alloc::vec::Vec<_> = {
        let mut files = p.files();
        let fds: alloc::vec::Vec<i32> =
            files.iter().map(|(fd, _)| fd).filter(|&fd| (first..=last).contains(&(fd as u32))).collect();
        if flags & CLOSE_RANGE_CLOEXEC != 0 {
            for &fd in &fds {
                let file = files.get(fd)?;
                files.set(fd, file, true)?;
            }
            alloc::vec::Vec::new()
        } else {
            fds.into_iter().filter_map(|fd| files.remove(fd).ok()).collect()
        }
    };
    // Closed after the table is unlocked, as close(2) does.
    drop(closed);
    Ok(())
}

/// Status flags F_SETFL may change; the access mode and creation flags stay.
const SETFL_MASK: OpenFlags = OpenFlags::APPEND
    .union(OpenFlags::NONBLOCK)
    .union(OpenFlags::ASYNC)
    .union(OpenFlags::DIRECT)
    .union(OpenFlags::NOATIME);

/// fcntl(2): duplication, descriptor and status flags, record locks (`super::lock`), pipe
/// sizes. O_PATH descriptors take only the first four kinds.
pub async fn sys_fcntl(cx: &Caller, fd: i32, cmd: u32, arg: usize) -> SysResult<isize> {
    let file = cx.file(fd)?;
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let mut files = cx.process().files();
            if arg >= files.limit() {
                return Err(Errno::EINVAL);
            }
            Ok(files.insert_from(arg, file, cmd == F_DUPFD_CLOEXEC)? as isize)
        }
        F_GETFD => Ok(cx.process().files().entry(fd)?.cloexec as isize),
        F_SETFD => {
            cx.process().files().set(fd, file, arg as u32 & FD_CLOEXEC != 0)?;
            Ok(0)
        }
        F_GETFL => Ok(file.flags().bits() as isize),
        F_SETFL => {
            if file.is_path_only() {
                return Err(Errno::EBADF);
            }
            let new = OpenFlags::from_bits_retain(arg as u32);
            file.set_flags((file.flags() - SETFL_MASK) | (new & SETFL_MASK));
            Ok(0)
        }
        _ if file.is_path_only() => Err(Errno::EBADF),
        F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW => {
            super::lock::fcntl_lock(cx, fd, &file, cmd, arg).await
        }
        F_GETOWN | F_GETSIG | F_GETLEASE => Ok(if cmd == F_GETLEASE { F_UNLCK as isize } else { 0 }),
        F_SETOWN | F_SETSIG | F_NOTIFY => Ok(0),
        F_SETLEASE => Err(Errno::EAGAIN),
        F_GETPIPE_SZ | F_SETPIPE_SZ => {
            let node = file.inode();
            let pipe =
                node.as_fifo().or_else(|| node.as_any().and_then(|a| a.downcast_ref::<Pipe>())).ok_or(Errno::EBADF)?;
            if cmd == F_GETPIPE_SZ {
                Ok(pipe.capacity() as isize)
            } else {
                let privileged = cx.cred().capable(abi::cred::CAP_SYS_RESOURCE);
                Ok(pipe.set_capacity(arg as u32 as usize, privileged)? as isize)
            }
        }
        F_GET_SEALS => Ok(as_ramfile(&**file.inode()).ok_or(Errno::EINVAL)?.seals()? as isize),
        F_ADD_SEALS => {
            let f = as_ramfile(&**file.inode()).ok_or(Errno::EINVAL)?;
            f.seals()?;
            if !file.writable() {
                return Err(Errno::EPERM);
            }
            f.add_seals(arg as u32)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
