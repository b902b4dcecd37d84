//! ioctl: the requests every file takes (close-on-exec, non-blocking mode) and the terminal
//! requests programs make on the console (isatty is TCGETS; shells also ask the window size
//! and the foreground process group); the requests on block devices (size, sector and block
//! size, read-only state, flush) that tools such as mkfs and LTP's device set-up make; reflinks
//! (FICLONE, FICLONERANGE: EOPNOTSUPP after Linux's checks).
use crate::Caller;
use abi::flags::{OpenFlags, TCGETS, TCSETS, TCSETSF, TCSETSW, TIOCGPGRP, TIOCGWINSZ, TIOCSPGRP, TIOCSWINSZ};
use abi::flags::{
    BLKALIGNOFF, BLKBSZGET, BLKBSZSET, BLKFLSBUF, BLKGETSIZE, BLKGETSIZE64, BLKIOMIN, BLKIOOPT, BLKPBSZGET, BLKROGET,
    BLKROSET, BLKRRPART, BLKSSZGET,
};
use abi::flags::{FICLONE, FICLONERANGE};
use abi::flags::{TIOCGSID, TIOCNOTTY, TIOCSCTTY};
use abi::signal::SIGTTOU;
use abi::structs::{Termios, Winsize};
use abi::{Errno, SysResult};
use mm::UserPtr;
use task::jobctl;

/// Generic requests (asm-generic/ioctls.h): accepted by every open file.
/// Bytes waiting to be read (pipes, regular files, sockets, inotify instances).
pub const FIONREAD: usize = 0x541b;
pub const FIONBIO: usize = 0x5421;
pub const FIONCLEX: usize = 0x5450;
pub const FIOCLEX: usize = 0x5451;

/// ioctl(2). A request a node does not know is ENOTTY, on a terminal too (Linux's tty layer
/// turns an unknown request into ENOTTY, not EINVAL). O_PATH descriptors are EBADF.
pub async fn sys_ioctl(cx: &Caller, fd: i32, cmd: usize, arg: usize) -> SysResult<usize> {
    let file = cx.io_file(fd)?;
    // The request is a C `unsigned int`: the upper half of the register is not part of it.
    let cmd = cmd as u32 as usize;
    match cmd {
        FIOCLEX | FIONCLEX => {
            let mut files = cx.process().files();
            files.set(fd, file, cmd == FIOCLEX)?;
            return Ok(0);
        }
        FIONBIO => {
            let on = UserPtr::<i32>::new(arg).read(&mut cx.mm())? != 0;
            let mut flags = file.flags();
            flags.set(OpenFlags::NONBLOCK, on);
            file.set_flags(flags);
            return Ok(0);
        }
        _ => {}
    }
    if cmd == FICLONE || cmd == FICLONERANGE {
        return clone_range(cx, &file, cmd, arg);
    }
    if file.inode().kind() == fs::FileKind::Socket {
        return crate::net::socket_ioctl(cx, &file, cmd, arg);
    }
    if cmd == FIONREAD {
        // Bytes waiting in a pipe; for a regular file, those past the offset (Linux's
        // do_vfs_ioctl, which can be negative past the end).
        let n = if let Some(pipe) = super::splice::pipe_of(&file) {
            pipe.available().min(i32::MAX as usize) as i32
        } else if file.inode().kind() == fs::FileKind::Regular {
            (file.inode().stat().st_size - file.offset() as i64) as i32
        } else if let Some(group) = fs::notify::as_inotify(&**file.inode()) {
            group.pending().min(i32::MAX as usize) as i32
        } else {
            return Err(Errno::ENOTTY);
        };
        UserPtr::<i32>::new(arg).write(&mut cx.mm(), &n)?;
        return Ok(0);
    }
    if let Some(info) = file.inode().block_info() {
        return block_ioctl(cx, &file, info, cmd, arg);
    }
    let node = file.inode();
    let tty = node.tty().ok_or(Errno::ENOTTY)?;
    let me = cx.process();
    match cmd {
        TCGETS => UserPtr::<Termios>::new(arg).write(&mut cx.mm(), &tty.termios())?,
        TCSETS | TCSETSW | TCSETSF => {
            let t = UserPtr::<Termios>::new(arg).read(&mut cx.mm())?;
            jobctl::check_access(cx.thread(), node, SIGTTOU)?;
            // Output is never queued, so TCSETSW has nothing to wait for; TCSETSF also drops
            // typed input not yet read.
            if cmd == TCSETSF {
                tty.flush_input();
            }
            tty.set_termios(t);
        }
        TIOCGWINSZ => UserPtr::<Winsize>::new(arg).write(&mut cx.mm(), &tty.winsize())?,
        TIOCSWINSZ => tty.set_winsize(UserPtr::<Winsize>::new(arg).read(&mut cx.mm())?),
        TIOCGPGRP => {
            // Until a shell sets one, the caller's group is in the foreground: job-control
            // shells wait (SIGTTIN loop) until tcgetpgrp() equals their own group.
            let pgrp = tty.pgrp().unwrap_or(me.pgid() as i32);
            UserPtr::<i32>::new(arg).write(&mut cx.mm(), &pgrp)?;
        }
        TIOCSPGRP => {
            let pgrp = UserPtr::<i32>::new(arg).read(&mut cx.mm())?;
            // Linux wants the terminal to be the caller's controlling one (ENOTTY). A terminal
            // that no session has yet is taken by the first shell that sets its foreground
            // group: the console is nobody's controlling terminal at boot (as on Linux), and a
            // shell started on it still gets job control.
            if me.ctty().is_none() && !jobctl::is_held(node) {
                jobctl::acquire(me, node);
            }
            if !jobctl::is_ctty_of(me, node) {
                return Err(Errno::ENOTTY);
            }
            jobctl::check_access(cx.thread(), node, SIGTTOU)?;
            if pgrp < 0 {
                return Err(Errno::EINVAL);
            }
            let members = task::process::group(pgrp as usize);
            if members.is_empty() {
                return Err(Errno::ESRCH);
            }
            if members.iter().any(|p| p.sid() != me.sid()) {
                return Err(Errno::EPERM);
            }
            tty.set_pgrp(pgrp);
        }
        TIOCSCTTY => {
            if jobctl::is_ctty_of(me, node) && tty.session() == Some(me.sid() as i32) {
                return Ok(0);
            }
            // Only a session leader without a terminal may take one; one that another
            // session has takes root (CAP_SYS_ADMIN) and arg 1.
            if me.pid != me.sid() || me.ctty().is_some() {
                return Err(Errno::EPERM);
            }
            if jobctl::is_held(node) && (arg != 1 || !cx.cred().capable(abi::cred::CAP_SYS_ADMIN)) {
                return Err(Errno::EPERM);
            }
            jobctl::acquire(me, node);
        }
        TIOCNOTTY => {
            if !jobctl::is_ctty_of(me, node) {
                return Err(Errno::ENOTTY);
            }
            jobctl::release(me, node);
        }
        TIOCGSID => {
            let sid = tty.session().filter(|_| jobctl::is_ctty_of(me, node)).ok_or(Errno::ENOTTY)?;
            UserPtr::<i32>::new(arg).write(&mut cx.mm(), &sid)?;
        }
        _ => return Err(Errno::ENOTTY),
    }
    Ok(0)
}

/// The requests on a block device (Linux's blkdev_ioctl): its geometry and state read into the
/// caller's memory (`int`, `unsigned int`, `unsigned long` or `u64` as each request has it),
/// BLKFLSBUF writes out what it holds. (Linux lets only CAP_SYS_ADMIN flush or change a device:
/// everyone is root here.) The disks have no partitions (BLKRRPART: EINVAL) and keep their
/// settings (BLKROSET, BLKBSZSET: accepted when they change nothing, else EINVAL). Anything
/// else is ENOTTY.
fn block_ioctl(cx: &Caller, file: &fs::File, info: fs::BlockInfo, cmd: usize, arg: usize) -> SysResult<usize> {
    let mut mm = cx.mm();
    match cmd {
        BLKGETSIZE64 => UserPtr::<u64>::new(arg).write(&mut mm, &info.size)?,
        BLKGETSIZE => UserPtr::<u64>::new(arg).write(&mut mm, &(info.size / 512))?,
        BLKSSZGET | BLKPBSZGET | BLKIOMIN => UserPtr::<u32>::new(arg).write(&mut mm, &info.sector_size)?,
        BLKBSZGET => UserPtr::<u32>::new(arg).write(&mut mm, &info.block_size)?,
        BLKIOOPT | BLKALIGNOFF => UserPtr::<u32>::new(arg).write(&mut mm, &0)?,
        BLKROGET => UserPtr::<i32>::new(arg).write(&mut mm, &(info.read_only as i32))?,
        BLKFLSBUF => {
            drop(mm);
            file.inode().fsync()?;
        }
        BLKROSET => {
            let ro = UserPtr::<i32>::new(arg).read(&mut mm)? != 0;
            if ro != info.read_only {
                return Err(Errno::EINVAL);
            }
        }
        BLKBSZSET => {
            let size = UserPtr::<i32>::new(arg).read(&mut mm)?;
            if !(512..=4096).contains(&size) || size.count_ones() != 1 || size as u32 != info.block_size {
                return Err(Errno::EINVAL);
            }
        }
        BLKRRPART => {
            return Err(Errno::EINVAL);
        }
        _ => return Err(Errno::ENOTTY),
    }
    Ok(0)
}

/// FICLONE and FICLONERANGE (reflinks: `file` shares the source's blocks). No file system here
/// shares blocks between files, so a request that passes Linux's checks is EOPNOTSUPP, as on
/// Linux's tmpfs or ext4. The checks, in Linux's order: the source descriptor (the argument, or
/// the first field of a `struct file_clone_range`: EFAULT, EBADF), both on one file system
/// (EXDEV), both regular files (EISDIR for a directory, else EINVAL), the source readable and
/// the destination writable and not O_APPEND (EBADF).
fn clone_range(cx: &Caller, file: &fs::File, cmd: usize, arg: usize) -> SysResult<usize> {
    let src_fd = if cmd == FICLONE {
        arg as i32
    } else {
        // struct file_clone_range { __s64 src_fd; __u64 src_offset, src_length, dest_offset; }
        UserPtr::<[u64; 4]>::new(arg).read(&mut cx.mm())?[0] as i32
    };
    let src = cx.io_file(src_fd)?;
    let (from, to) = (src.inode(), file.inode());
    if from.id().0 != to.id().0 {
        return Err(Errno::EXDEV);
    }
    for node in [from, to] {
        match node.kind() {
            fs::FileKind::Regular => {}
            fs::FileKind::Directory => return Err(Errno::EISDIR),
            _ => return Err(Errno::EINVAL),
        }
    }
    if !src.readable() || !file.writable() || file.flags().contains(OpenFlags::APPEND) {
        return Err(Errno::EBADF);
    }
    Err(Errno::EOPNOTSUPP)
}
