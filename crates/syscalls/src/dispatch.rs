//! The dispatch table: syscall number and raw arguments in, return register value out.
//!
//! This is the one place that knows registers: the table (`crate::table`) decodes each call's
//! arguments by type and calls the syscall function; the kernel's trap handler and the host
//! tests both come through here.
use crate::Caller;
use abi::{Errno, SysResult, Sysno};
use core::future::{poll_fn, Future};
use core::pin::{pin, Pin};
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll, Waker};

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

pub(crate) fn unimplemented(n: Sysno) -> isize {
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
    #[cfg(not(target_os = "none"))]
    crate::coverage::record(n);
    #[cfg(feature = "fault-inject")]
    crate::fault::check(n);
    #[cfg(feature = "trace")]
    let line = crate::trace::begin(cx, Sysno(n), a);
    #[cfg(target_os = "none")]
    let ret = crate::table::table(cx, n, a).await;
    #[cfg(not(target_os = "none"))]
    let ret = crate::coverage::never_waits_unless_flagged(n, crate::table::table(cx, n, a)).await;
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
pub fn poll_call<F: Future<Output = isize>>(call: Pin<&mut F>, cx: &mut Context<'_>) -> Poll<isize> {
    call.poll(cx)
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
    log::trace!("[{}] {:?} {:x?} = {}", cx.thread().tid(), Sysno(n), args, ret);
    cx.thread().ctx.lock().set_return(ret);
    (n, args)
}

/// The value of a syscall future that contains no wait at all (getpid and the like), polled
/// once: for the trap's fast path and for linked applications' plain calls. The compiler folds
/// the poll away.
#[inline(always)]
pub fn ready_now<F: Future>(call: F) -> F::Output {
    match pin!(call).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("a system call that never waits waited"),
    }
}
