//! strace-style tracing of system calls (cargo feature `trace`, switched on at run time).
//!
//! Tracing wraps the dispatcher once: [`crate::dispatch()`] runs every call through [`traced`], and
//! no syscall knows it is traced. Code that calls syscall functions without the dispatcher (a
//! linked application) wraps its calls in [`traced`] too and gets the same lines:
//!
//! ```text
//! [3] openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
//! [3] read(3, "root:x:0:0:root:/root:/bin/sh\n"..., 4096) = 512
//! [3] openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
//! [3] exit_group(0) = ?
//! ```
//!
//! `[3]` is the thread id. A line is printed when the result is known (a blocking call shows up
//! when it returns); its arguments are read at entry, except buffers the kernel fills, which are
//! read afterwards. exit and exit_group print `= ?` before they run. How each syscall's arguments
//! are shown is the kinds in the syscall table (`crate::table`), read by the formatters in `decode.rs`.
//!
//! Lines go to a sink the kernel chooses ([`set_sink`]; by default `log::info!`).
use crate::Caller;
use abi::Sysno;
use core::future::Future;
use core::sync::atomic::{AtomicBool, Ordering};
use sync::Mutex;

mod decode;
pub(crate) mod kinds;
#[cfg(test)]
mod tests;

static ENABLED: AtomicBool = AtomicBool::new(false);
static SINK: Mutex<fn(&str)> = Mutex::new(log_line);

/// Switch tracing on or off (off at start).
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether calls are traced now: one relaxed load when off.
#[inline]
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed) && this_thread_traces()
}

/// Send every trace line (without a newline) to `sink` from now on.
pub fn set_sink(sink: fn(&str)) {
    *SINK.lock() = sink;
}

fn log_line(line: &str) {
    log::info!("{line}");
}

fn emit(line: &str) {
    let sink = *SINK.lock();
    sink(line);
}

/// Host tests run in parallel threads sharing the switch: only a test that captures its own
/// thread's lines traces there, so other tests neither print nor read memory for the trace.
#[cfg(not(test))]
#[inline]
fn this_thread_traces() -> bool {
    true
}
#[cfg(test)]
use tests::this_thread_traces;

/// Run `call`, the syscall `n` of `cx` with raw arguments `args`, and trace it if tracing is on.
/// Returns what `call` returns (the a0 value: a result or `-errno`).
///
/// A caller that runs syscall functions directly wraps them in this, passing the same number
/// and arguments it would put in registers. The dispatcher uses [`begin`] and [`end`] instead,
/// around a call it awaits itself (moving its future into this wrapper would copy it).
pub async fn traced<F: Future<Output = isize>>(cx: &Caller, n: Sysno, args: [usize; 6], call: F) -> isize {
    let Some(line) = begin(cx, n, args) else {
        return call.await;
    };
    let ret = call.await;
    end(cx, line, ret);
    ret
}

/// The line of a traced call, between [`begin`] and [`end`].
pub(crate) struct Line(decode::Entry);

/// A call is about to run: `None` when tracing is off (one atomic load) or when the line is
/// complete already (exit and exit_group print `= ?` before they run).
#[inline]
pub(crate) fn begin(cx: &Caller, n: Sysno, args: [usize; 6]) -> Option<Line> {
    if !enabled() {
        return None;
    }
    begin_traced(cx, n, args)
}

#[cold]
fn begin_traced(cx: &Caller, n: Sysno, args: [usize; 6]) -> Option<Line> {
    let entry = decode::Entry::new(cx, n, args);
    if entry.no_return() {
        emit(&entry.finish(cx, None));
        return None;
    }
    Some(Line(entry))
}

/// The call that [`begin`] announced returned `ret`: print its line.
#[cold]
pub(crate) fn end(cx: &Caller, line: Line, ret: isize) {
    emit(&line.0.finish(cx, Some(ret)));
}
