//! ioctl: the requests every file takes (close-on-exec, non-blocking mode) and the terminal
//! requests programs make on the console (isatty is TCGETS; shells also ask the window size
//! and the foreground process group).
use super::io_file;
use crate::Caller;
use abi::flags::{OpenFlags, TCGETS, TCSETS, TCSETSF, TCSETSW, TIOCGPGRP, TIOCGWINSZ, TIOCSPGRP, TIOCSWINSZ};
use abi::structs::{Termios, Winsize};
use abi::{Errno, SysResult};
use mm::UserPtr;

/// Generic requests (asm-generic/ioctls.h): accepted by every open file.
pub const FIONBIO: usize = 0x5421;
pub const FIONCLEX: usize = 0x5450;
pub const FIOCLEX: usize = 0x5451;

/// ioctl(2). A request a node does not know is ENOTTY, on a terminal too (Linux's tty layer
/// turns an unknown request into ENOTTY, not EINVAL). O_PATH descriptors are EBADF.
pub async fn sys_ioctl(cx: &Caller, fd: i32, cmd: usize, arg: usize) -> SysResult<usize> {
    let file = io_file(cx, fd)?;
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
    if file.inode().kind() == fs::FileKind::Socket {
        return crate::net::socket_ioctl(cx, &file, cmd, arg);
    }
    let tty = file.inode().tty().ok_or(Errno::ENOTTY)?;
    match cmd {
        TCGETS => UserPtr::<Termios>::new(arg).write(&mut cx.mm(), &tty.termios())?,
        TCSETS | TCSETSW | TCSETSF => {
            let t = UserPtr::<Termios>::new(arg).read(&mut cx.mm())?;
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
            let pgrp = tty.pgrp().unwrap_or(cx.process().pgid() as i32);
            UserPtr::<i32>::new(arg).write(&mut cx.mm(), &pgrp)?;
        }
        TIOCSPGRP => {
            let pgrp = UserPtr::<i32>::new(arg).read(&mut cx.mm())?;
            if pgrp < 0 {
                return Err(Errno::EINVAL);
            }
            tty.set_pgrp(pgrp);
        }
        _ => return Err(Errno::ENOTTY),
    }
    Ok(0)
}
