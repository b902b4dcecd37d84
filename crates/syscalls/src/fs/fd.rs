//! Descriptors: dup, dup3, fcntl.
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
                Ok(pipe.set_capacity(arg as u32 as usize)? as isize)
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
