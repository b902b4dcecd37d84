//! The dispatch table: syscall number and raw arguments in, return register value out.
//!
//! This is the one place that knows registers. Each arm decodes its arguments by type and calls
//! the syscall function; the kernel's trap handler and the host tests both come through here.
use crate::args::Args;
use crate::{clone, exec, fs, futex, info, itimer, mm, process, signal, time, wait, Caller};
use abi::{Errno, SysResult, Sysno};
use core::future::{poll_fn, Future};
use core::pin::{pin, Pin};
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll};

/// Conversion of a syscall's result into the value left in a0.
pub trait IntoRet {
    fn into_ret(self) -> isize;
}

impl IntoRet for SysResult<()> {
    fn into_ret(self) -> isize {
        self.map_or_else(Errno::as_ret, |_| 0)
    }
}

macro_rules! into_ret_int {
    ($($t:ty),*) => {$(
        impl IntoRet for SysResult<$t> {
            fn into_ret(self) -> isize {
                self.map_or_else(Errno::as_ret, |v| v as isize)
            }
        }
    )*};
}
into_ret_int!(usize, isize, i32, u32, u64, i64);

/// Numbers below this are reported one by one when unimplemented; riscv64 has none above 512.
const REPORT_LIMIT: usize = 1024;
/// Numbers we have already reported as unimplemented (each is logged once), one bit each: a
/// fixed size, whatever numbers a program tries. The last bit stands for every number at or
/// above the limit, reported once together.
static REPORTED: [AtomicU64; REPORT_LIMIT / 64 + 1] = [const { AtomicU64::new(0) }; REPORT_LIMIT / 64 + 1];

fn unimplemented(n: Sysno) -> isize {
    let bit = n.0.min(REPORT_LIMIT);
    if REPORTED[bit / 64].fetch_or(1 << (bit % 64), Ordering::Relaxed) & (1 << (bit % 64)) == 0 {
        if n.0 < REPORT_LIMIT {
            log::warn!("unimplemented syscall {:?} ({}) -> ENOSYS", n, n.0);
        } else {
            log::warn!("syscall number {} (and every other one from {REPORT_LIMIT}) does not exist -> ENOSYS", n.0);
        }
    }
    Errno::ENOSYS.as_ret()
}

/// Run syscall `n` with raw arguments `a` for `cx`; returns the value for a0. With the `trace`
/// feature, while tracing is on, every call is printed (`crate::trace`); otherwise that costs
/// one atomic load.
///
/// The table's future is as big as the biggest syscall's (about 1 KB): it is awaited right
/// here, built in place, never passed by value to a wrapper (which would copy all of it).
pub async fn dispatch(cx: &Caller, n: usize, a: [usize; 6]) -> isize {
    #[cfg(feature = "fault-inject")]
    crate::fault::check(n);
    #[cfg(feature = "trace")]
    let line = crate::trace::begin(cx, Sysno(n), a);
    let ret = table(cx, n, a).await;
    #[cfg(feature = "trace")]
    if let Some(line) = line {
        crate::trace::end(cx, line, ret);
    }
    ret
}

/// Every poll of a [`dispatch`] future goes through here (the trap path's and the fast
/// path's). The future's code (the whole table and every syscall's state machine) is
/// instantiated wherever it is polled; one poller keeps that to one copy in the kernel.
#[inline(never)]
pub(crate) fn poll_call<F: Future<Output = isize>>(call: Pin<&mut F>, cx: &mut Context<'_>) -> Poll<isize> {
    call.poll(cx)
}

/// The table: decode the arguments of syscall `n` by type and run it.
async fn table(cx: &Caller, n: usize, a: [usize; 6]) -> isize {
    let a = Args(a);
    let n = Sysno(n);
    match n {
        // files: fs/io.rs, fs/open.rs, fs/stat.rs, fs/ioctl.rs, fs/poll.rs
        Sysno::read => fs::sys_read(cx, a.i32(0), a.slice_mut(1, 2)).await.into_ret(),
        Sysno::write => fs::sys_write(cx, a.i32(0), a.slice(1, 2)).await.into_ret(),
        Sysno::readv => fs::sys_readv(cx, a.i32(0), a.ptr(1), a.i32(2)).await.into_ret(),
        Sysno::writev => fs::sys_writev(cx, a.i32(0), a.ptr(1), a.i32(2)).await.into_ret(),
        Sysno::pread64 => fs::sys_pread64(cx, a.i32(0), a.slice_mut(1, 2), a.i64(3)).await.into_ret(),
        Sysno::pwrite64 => fs::sys_pwrite64(cx, a.i32(0), a.slice(1, 2), a.i64(3)).await.into_ret(),
        Sysno::lseek => fs::sys_lseek(cx, a.i32(0), a.i64(1), a.u32(2)).await.into_ret(),
        Sysno::openat => fs::sys_openat(cx, a.i32(0), a.cstr(1), a.u32(2), a.u32(3)).await.into_ret(),
        Sysno::close => fs::sys_close(cx, a.i32(0)).await.into_ret(),
        Sysno::fstat => fs::sys_fstat(cx, a.i32(0), a.ptr(1)).await.into_ret(),
        Sysno::newfstatat => fs::sys_newfstatat(cx, a.i32(0), a.cstr(1), a.ptr(2), a.u32(3)).await.into_ret(),
        Sysno::ppoll => fs::sys_ppoll(cx, a.ptr(0), a.usize(1), a.ptr(2), a.usize(3), a.usize(4)).await.into_ret(),
        Sysno::readlinkat => fs::sys_readlinkat(cx, a.i32(0), a.cstr(1), a.slice_mut(2, 3)).await.into_ret(),
        Sysno::ioctl => fs::sys_ioctl(cx, a.i32(0), a.usize(1), a.usize(2)).await.into_ret(),
        Sysno::sendfile => fs::sys_sendfile(cx, a.i32(0), a.i32(1), a.ptr(2), a.usize(3)).await.into_ret(),
        Sysno::pselect6 => {
            fs::sys_pselect6(cx, a.i32(0), a.usize(1), a.usize(2), a.usize(3), a.ptr(4), a.ptr(5)).await.into_ret()
        }
        Sysno::fsync => fs::sys_fsync(cx, a.i32(0)).await.into_ret(),
        Sysno::fdatasync => fs::sys_fdatasync(cx, a.i32(0)).await.into_ret(),
        Sysno::statx => fs::sys_statx(cx, a.i32(0), a.cstr(1), a.u32(2), a.u32(3), a.ptr(4)).await.into_ret(),
        // directories and names: fs/dir.rs
        Sysno::getdents64 => fs::sys_getdents64(cx, a.i32(0), a.slice_mut(1, 2)).await.into_ret(),
        Sysno::mkdirat => fs::sys_mkdirat(cx, a.i32(0), a.cstr(1), a.u32(2)).await.into_ret(),
        Sysno::mknodat => fs::sys_mknodat(cx, a.i32(0), a.cstr(1), a.u32(2), a.usize(3) as u64).await.into_ret(),
        Sysno::unlinkat => fs::sys_unlinkat(cx, a.i32(0), a.cstr(1), a.u32(2)).await.into_ret(),
        Sysno::renameat2 => fs::sys_renameat2(cx, a.i32(0), a.cstr(1), a.i32(2), a.cstr(3), a.u32(4)).await.into_ret(),
        Sysno::linkat => fs::sys_linkat(cx, a.i32(0), a.cstr(1), a.i32(2), a.cstr(3), a.u32(4)).await.into_ret(),
        Sysno::symlinkat => fs::sys_symlinkat(cx, a.cstr(0), a.i32(1), a.cstr(2)).await.into_ret(),
        Sysno::chdir => fs::sys_chdir(cx, a.cstr(0)).await.into_ret(),
        Sysno::fchdir => fs::sys_fchdir(cx, a.i32(0)).await.into_ret(),
        Sysno::getcwd => fs::sys_getcwd(cx, a.slice_mut(0, 1)).await.into_ret(),
        // descriptors and pipes: fs/fd.rs, fs/pipe.rs
        Sysno::dup => fs::sys_dup(cx, a.i32(0)).await.into_ret(),
        Sysno::dup3 => fs::sys_dup3(cx, a.i32(0), a.i32(1), a.u32(2)).await.into_ret(),
        Sysno::fcntl => fs::sys_fcntl(cx, a.i32(0), a.u32(1), a.usize(2)).await.into_ret(),
        Sysno::flock => fs::sys_flock(cx, a.i32(0), a.u32(1)).await.into_ret(),
        Sysno::pipe2 => fs::sys_pipe2(cx, a.ptr(0), a.u32(1)).await.into_ret(),
        // attributes: fs/attr.rs
        Sysno::truncate => fs::sys_truncate(cx, a.cstr(0), a.i64(1)).await.into_ret(),
        Sysno::ftruncate => fs::sys_ftruncate(cx, a.i32(0), a.i64(1)).await.into_ret(),
        Sysno::fallocate => fs::sys_fallocate(cx, a.i32(0), a.u32(1), a.i64(2), a.i64(3)).await.into_ret(),
        Sysno::faccessat => fs::sys_faccessat(cx, a.i32(0), a.cstr(1), a.u32(2)).await.into_ret(),
        Sysno::faccessat2 => fs::sys_faccessat2(cx, a.i32(0), a.cstr(1), a.u32(2), a.u32(3)).await.into_ret(),
        Sysno::fchmodat => fs::sys_fchmodat(cx, a.i32(0), a.cstr(1), a.u32(2)).await.into_ret(),
        Sysno::fchmod => fs::sys_fchmod(cx, a.i32(0), a.u32(1)).await.into_ret(),
        Sysno::fchownat => fs::sys_fchownat(cx, a.i32(0), a.cstr(1), a.u32(2), a.u32(3), a.u32(4)).await.into_ret(),
        Sysno::fchown => fs::sys_fchown(cx, a.i32(0), a.u32(1), a.u32(2)).await.into_ret(),
        Sysno::utimensat => fs::sys_utimensat(cx, a.i32(0), a.cstr(1), a.ptr(2), a.u32(3)).await.into_ret(),
        Sysno::umask => fs::sys_umask(cx, a.u32(0)).await.into_ret(),
        // mounts and whole file systems: fs/mount.rs
        Sysno::mount => {
            fs::sys_mount(cx, a.cstr(0), a.cstr(1), a.cstr(2), a.usize(3) as u64, a.usize(4)).await.into_ret()
        }
        Sysno::umount2 => fs::sys_umount2(cx, a.cstr(0), a.u32(1)).await.into_ret(),
        Sysno::statfs => fs::sys_statfs(cx, a.cstr(0), a.ptr(1)).await.into_ret(),
        Sysno::fstatfs => fs::sys_fstatfs(cx, a.i32(0), a.ptr(1)).await.into_ret(),
        Sysno::sync => fs::sys_sync(cx).await.into_ret(),
        Sysno::syncfs => fs::sys_syncfs(cx, a.i32(0)).await.into_ret(),

        // memory: mm.rs
        Sysno::brk => mm::sys_brk(cx, a.usize(0)).await.into_ret(),
        Sysno::mmap => {
            mm::sys_mmap(cx, a.usize(0), a.usize(1), a.u32(2), a.u32(3), a.i32(4), a.usize(5)).await.into_ret()
        }
        Sysno::munmap => mm::sys_munmap(cx, a.usize(0), a.usize(1)).await.into_ret(),
        Sysno::mprotect => mm::sys_mprotect(cx, a.usize(0), a.usize(1), a.u32(2)).await.into_ret(),

        // processes: process.rs
        Sysno::exit => process::sys_exit(cx, a.i32(0)).await.into_ret(),
        Sysno::exit_group => process::sys_exit_group(cx, a.i32(0)).await.into_ret(),
        Sysno::getpid => process::sys_getpid(cx).await.into_ret(),
        Sysno::getppid => process::sys_getppid(cx).await.into_ret(),
        Sysno::gettid => process::sys_gettid(cx).await.into_ret(),
        Sysno::set_tid_address => process::sys_set_tid_address(cx, a.usize(0)).await.into_ret(),
        Sysno::getuid => process::sys_getuid(cx).await.into_ret(),
        Sysno::geteuid => process::sys_geteuid(cx).await.into_ret(),
        Sysno::getgid => process::sys_getgid(cx).await.into_ret(),
        Sysno::getegid => process::sys_getegid(cx).await.into_ret(),
        Sysno::prlimit64 => process::sys_prlimit64(cx, a.i32(0), a.u32(1), a.ptr(2), a.ptr(3)).await.into_ret(),
        Sysno::getresuid | Sysno::getresgid => {
            process::sys_getresuid(cx, a.ptr(0), a.ptr(1), a.ptr(2)).await.into_ret()
        }
        Sysno::getgroups => process::sys_getgroups(cx, a.i32(0), a.usize(1)).await.into_ret(),
        Sysno::setgroups => process::sys_setgroups(cx, a.usize(0), a.usize(1)).await.into_ret(),
        Sysno::getpriority => process::sys_getpriority(cx, a.i32(0), a.i32(1)).await.into_ret(),
        Sysno::setpriority => process::sys_setpriority(cx, a.i32(0), a.i32(1), a.i32(2)).await.into_ret(),
        Sysno::getrusage => process::sys_getrusage(cx, a.i32(0), a.ptr(1)).await.into_ret(),
        Sysno::getitimer => itimer::sys_getitimer(cx, a.usize(0), a.ptr(1)).await.into_ret(),
        Sysno::setitimer => itimer::sys_setitimer(cx, a.usize(0), a.ptr(1), a.ptr(2)).await.into_ret(),
        Sysno::setpgid => process::sys_setpgid(cx, a.i32(0), a.i32(1)).await.into_ret(),
        Sysno::getpgid => process::sys_getpgid(cx, a.i32(0)).await.into_ret(),
        Sysno::setsid => process::sys_setsid(cx).await.into_ret(),
        Sysno::getsid => process::sys_getsid(cx, a.i32(0)).await.into_ret(),
        Sysno::restart_syscall => process::sys_restart_syscall(cx).await.into_ret(),
        // clone.rs, exec.rs, wait.rs
        Sysno::clone => {
            clone::sys_clone(cx, a.usize(0) as u64, a.usize(1), a.usize(2), a.usize(3), a.usize(4)).await.into_ret()
        }
        Sysno::clone3 => clone::sys_clone3(cx, a.usize(0), a.usize(1)).await.into_ret(),
        Sysno::execve => exec::sys_execve(cx, a.cstr(0), a.ptr(1), a.ptr(2)).await.into_ret(),
        Sysno::execveat => exec::sys_execveat(cx, a.i32(0), a.cstr(1), a.ptr(2), a.ptr(3), a.u32(4)).await.into_ret(),
        Sysno::wait4 => wait::sys_wait4(cx, a.i32(0), a.ptr(1), a.u32(2), a.ptr(3)).await.into_ret(),
        Sysno::waitid => wait::sys_waitid(cx, a.u32(0), a.i32(1), a.ptr(2), a.u32(3), a.ptr(4)).await.into_ret(),
        // futex.rs
        Sysno::futex => {
            futex::sys_futex(cx, a.usize(0), a.u32(1), a.u32(2), a.usize(3), a.usize(4), a.u32(5)).await.into_ret()
        }
        Sysno::set_robust_list => futex::sys_set_robust_list(cx, a.usize(0), a.usize(1)).await.into_ret(),
        Sysno::get_robust_list => futex::sys_get_robust_list(cx, a.i32(0), a.ptr(1), a.ptr(2)).await.into_ret(),

        // time: time.rs
        Sysno::clock_gettime => time::sys_clock_gettime(cx, a.usize(0), a.ptr(1)).await.into_ret(),
        Sysno::clock_getres => time::sys_clock_getres(cx, a.usize(0), a.ptr(1)).await.into_ret(),
        Sysno::gettimeofday => time::sys_gettimeofday(cx, a.ptr(0), a.usize(1)).await.into_ret(),
        Sysno::nanosleep => time::sys_nanosleep(cx, a.ptr(0), a.ptr(1)).await.into_ret(),
        Sysno::clock_nanosleep => {
            time::sys_clock_nanosleep(cx, a.usize(0), a.u32(1), a.ptr(2), a.ptr(3)).await.into_ret()
        }
        Sysno::times => time::sys_times(cx, a.ptr(0)).await.into_ret(),
        Sysno::sched_yield => time::sys_sched_yield(cx).await.into_ret(),

        // system information: info.rs
        Sysno::uname => info::sys_uname(cx, a.ptr(0)).await.into_ret(),
        Sysno::getrandom => info::sys_getrandom(cx, a.slice_mut(0, 1), a.u32(2)).await.into_ret(),
        Sysno::sysinfo => info::sys_sysinfo(cx, a.ptr(0)).await.into_ret(),
        Sysno::reboot => crate::reboot::sys_reboot(cx, a.u32(0), a.u32(1), a.u32(2), a.usize(3)).await.into_ret(),
        Sysno::syslog => info::sys_syslog(cx, a.i32(0), a.usize(1), a.i32(2)).await.into_ret(),

        // signals: signal.rs
        Sysno::rt_sigaction => {
            signal::sys_rt_sigaction(cx, a.usize(0), a.ptr(1), a.ptr(2), a.usize(3)).await.into_ret()
        }
        Sysno::rt_sigprocmask => {
            signal::sys_rt_sigprocmask(cx, a.usize(0), a.ptr(1), a.ptr(2), a.usize(3)).await.into_ret()
        }
        Sysno::rt_sigreturn => signal::sys_rt_sigreturn(cx).await.into_ret(),
        Sysno::rt_sigpending => signal::sys_rt_sigpending(cx, a.usize(0), a.usize(1)).await.into_ret(),
        Sysno::rt_sigsuspend => signal::sys_rt_sigsuspend(cx, a.ptr(0), a.usize(1)).await.into_ret(),
        Sysno::rt_sigtimedwait => {
            signal::sys_rt_sigtimedwait(cx, a.ptr(0), a.ptr(1), a.ptr(2), a.usize(3)).await.into_ret()
        }
        Sysno::sigaltstack => signal::sys_sigaltstack(cx, a.ptr(0), a.ptr(1)).await.into_ret(),
        Sysno::kill => signal::sys_kill(cx, a.i32(0), a.usize(1)).await.into_ret(),
        Sysno::tkill => signal::sys_tkill(cx, a.i32(0), a.usize(1)).await.into_ret(),
        Sysno::tgkill => signal::sys_tgkill(cx, a.i32(0), a.i32(1), a.usize(2)).await.into_ret(),
        Sysno::rt_sigqueueinfo => signal::sys_rt_sigqueueinfo(cx, a.i32(0), a.usize(1), a.ptr(2)).await.into_ret(),
        Sysno::rt_tgsigqueueinfo => {
            signal::sys_rt_tgsigqueueinfo(cx, a.i32(0), a.i32(1), a.usize(2), a.ptr(3)).await.into_ret()
        }

        _ => unimplemented(n),
    }
}

/// Handle an `ecall` of `cx`'s thread: decode its saved registers, step past the instruction,
/// dispatch, and store the result in a0. Returns the number and the original arguments (the
/// trap path needs the original a0 to restart an interrupted call). The trap handler calls this.
pub async fn handle_syscall(cx: &Caller) -> (usize, [usize; 6]) {
    let (n, args) = {
        let mut ctx = cx.thread().ctx.lock();
        ctx.skip_ecall();
        ctx.syscall()
    };
    let mut call = pin!(dispatch(cx, n, args));
    let ret = poll_fn(|c| poll_call(call.as_mut(), c)).await;
    log::trace!("[{}] {:?} {:x?} = {}", cx.thread().tid, Sysno(n), args, ret);
    cx.thread().ctx.lock().set_return(ret);
    (n, args)
}
