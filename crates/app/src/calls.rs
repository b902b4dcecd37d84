//! The calls a linked application makes, one method each, as thin as they can be: build the
//! typed pointers from the application's references and call the syscall function.
use crate::App;
#[cfg(feature = "trace")]
use abi::Sysno;
use abi::{Errno, SysResult};
use alloc::vec::Vec;
use mm::{UserCStr, UserPtr, UserSlice, UserSliceMut};
use syscalls::ready_now;
use syscalls::{fs, process, wait};

/// A file descriptor.
pub type Fd = i32;

const AT_FDCWD: i32 = abi::flags::AT_FDCWD as i32;

/// Run one syscall function. With the tracer on, the call goes through the tracer with the
/// raw arguments the dispatcher would have seen, so both kinds of program print alike.
macro_rules! call {
    ($app:expr, $n:ident, [$($a:expr),*], $call:expr) => {{
        #[cfg(feature = "trace")]
        let r = if syscalls::trace::enabled() {
            let mut raw = [0usize; 6];
            for (i, v) in [$($a as usize),*].into_iter().enumerate() {
                raw[i] = v;
            }
            let mut result = None;
            let fut = async {
                let r = $call.await;
                result = Some(r);
                syscalls::IntoRet::into_ret(r)
            };
            syscalls::trace::traced(&$app.cx, Sysno::$n, raw, fut).await;
            interrupted(result.unwrap_or(Err(Errno::EINTR)))
        } else {
            interrupted($call.await)
        };
        #[cfg(not(feature = "trace"))]
        let r = interrupted($call.await);
        r
    }};
}
pub(crate) use call;

/// Whether calls are traced (they then go through `call!`, which prints them).
#[inline(always)]
fn traced() -> bool {
    #[cfg(feature = "trace")]
    return syscalls::trace::enabled();
    #[cfg(not(feature = "trace"))]
    false
}

/// The kernel's restart codes mean "interrupted" to an application without signal handlers.
pub(crate) fn interrupted<T>(r: SysResult<T>) -> SysResult<T> {
    match r {
        Err(Errno::ERESTARTSYS | Errno::ERESTARTNOINTR | Errno::ERESTARTNOHAND | Errno::ERESTART_RESTARTBLOCK) => {
            Err(Errno::EINTR)
        }
        r => r,
    }
}

/// A path as the syscalls want it: NUL-terminated.
fn c_path(path: &str) -> Vec<u8> {
    let mut p = Vec::with_capacity(path.len() + 1);
    p.extend_from_slice(path.as_bytes());
    p.push(0);
    p
}

impl App {
    /// getpid(2). A plain (not async) call: the syscall function never waits, so its future
    /// is finished in the one poll that `ready_now` gives it, which the compiler folds away;
    /// what remains is the syscall's own work.
    #[inline(always)]
    pub fn getpid(&self) -> usize {
        #[cfg(feature = "trace")]
        if syscalls::trace::enabled() {
            return self.getpid_traced();
        }
        ready_now(process::sys_getpid(&self.cx)).unwrap_or(0)
    }

    /// getpid through the tracer: out of line, so the untraced call stays a few instructions.
    #[cfg(feature = "trace")]
    #[cold]
    #[inline(never)]
    fn getpid_traced(&self) -> usize {
        let fut = async { syscalls::IntoRet::into_ret(process::sys_getpid(&self.cx).await) };
        ready_now(syscalls::trace::traced(&self.cx, Sysno::getpid, [0; 6], fut)) as usize
    }

    /// write(2) from `buf`, in place: synchronously when it need not wait (`fs::now_write`,
    /// as the trap's fast path), else through its future.
    pub async fn write(&self, fd: Fd, buf: &[u8]) -> SysResult<usize> {
        let (p, n) = (buf.as_ptr() as usize, buf.len());
        if !traced() {
            if let Some(r) = fs::now_write(&self.cx, fd, UserSlice::new(p, n)) {
                return r;
            }
        }
        call!(self, write, [fd, p, n], fs::sys_write(&self.cx, fd, UserSlice::new(p, n)))
    }

    /// read(2) into `buf`, in place, synchronously when it need not wait (as `write`).
    pub async fn read(&self, fd: Fd, buf: &mut [u8]) -> SysResult<usize> {
        let (p, n) = (buf.as_mut_ptr() as usize, buf.len());
        if !traced() {
            if let Some(r) = fs::now_read(&self.cx, fd, UserSliceMut::new(p, n)) {
                return r;
            }
        }
        call!(self, read, [fd, p, n], fs::sys_read(&self.cx, fd, UserSliceMut::new(p, n)))
    }

    /// Write all of `buf` (write(2) until done).
    pub async fn write_all(&self, fd: Fd, mut buf: &[u8]) -> SysResult<()> {
        while !buf.is_empty() {
            let n = self.write(fd, buf).await?;
            if n == 0 {
                return Err(Errno::EIO);
            }
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Write `s` to standard output.
    pub async fn print(&self, s: &str) -> SysResult<()> {
        self.write_all(1, s.as_bytes()).await
    }

    /// openat(2) relative to the working directory.
    pub async fn open(&self, path: &str, flags: u32, mode: u32) -> SysResult<Fd> {
        let p = c_path(path);
        let a = p.as_ptr() as usize;
        call!(
            self,
            openat,
            [AT_FDCWD, a, flags, mode],
            fs::sys_openat(&self.cx, AT_FDCWD, UserCStr::new(a), flags, mode)
        )
    }

    /// close(2).
    pub async fn close(&self, fd: Fd) -> SysResult<()> {
        call!(self, close, [fd], fs::sys_close(&self.cx, fd))
    }

    /// unlinkat(2) of a file relative to the working directory.
    pub async fn unlink(&self, path: &str) -> SysResult<()> {
        let p = c_path(path);
        let a = p.as_ptr() as usize;
        call!(self, unlinkat, [AT_FDCWD, a, 0], fs::sys_unlinkat(&self.cx, AT_FDCWD, UserCStr::new(a), 0))
    }

    /// pipe2(2): `[read end, write end]`.
    pub async fn pipe(&self) -> SysResult<[Fd; 2]> {
        let mut fds = [0i32; 2];
        let a = fds.as_mut_ptr() as usize;
        call!(self, pipe2, [a, 0], fs::sys_pipe2(&self.cx, UserPtr::new(a), 0))?;
        Ok(fds)
    }

    /// wait4(2) for child `pid` (-1: any); returns its pid and wait status.
    pub async fn wait(&self, pid: i32) -> SysResult<(usize, i32)> {
        let mut status = 0i32;
        let a = &mut status as *mut i32 as usize;
        let r = call!(self, wait4, [pid, a, 0, 0], wait::sys_wait4(&self.cx, pid, UserPtr::new(a), 0, UserPtr::new(0)));
        Ok((r?, status))
    }

    /// exit_group(2): the process ends with `code`; the returned future never completes.
    pub async fn exit(&self, code: i32) {
        let _ = call!(self, exit_group, [code], process::sys_exit_group(&self.cx, code));
        // The process is ending: the runner drops this task at its next poll.
        core::future::pending().await
    }
}
