//! Fault injection (feature `fault-inject`): make one syscall panic, on purpose, to test panic
//! isolation (docs/ARCHITECTURE.md). The kernel arms it with the boot argument
//! `panic_on=<name>` (`make run FAULT=<name>`); the dispatcher then panics before running that
//! call, and the fast path leaves it to the dispatcher.
//!
//! Armed per test thread on the host (like the executor), for the whole machine in the kernel.
use abi::Sysno;
use core::sync::atomic::{AtomicUsize, Ordering};

/// No syscall has this number.
const NONE: usize = usize::MAX;

#[cfg(target_os = "none")]
fn armed_number() -> &'static AtomicUsize {
    static PANIC_ON: AtomicUsize = AtomicUsize::new(NONE);
    &PANIC_ON
}

#[cfg(not(target_os = "none"))]
fn armed_number() -> &'static AtomicUsize {
    std::thread_local! {
        static PANIC_ON: &'static AtomicUsize = std::boxed::Box::leak(std::boxed::Box::new(AtomicUsize::new(NONE)));
    }
    PANIC_ON.with(|p| *p)
}

/// Make `call` panic from now on (`None`: nothing panics).
pub fn panic_on(call: Option<Sysno>) {
    armed_number().store(call.map_or(NONE, |n| n.0), Ordering::Relaxed);
}

/// The syscall called `name` (Linux's name, e.g. `getppid`).
pub fn by_name(name: &str) -> Option<Sysno> {
    (0..1024).map(Sysno).find(|n| n.name() == Some(name))
}

/// Is syscall `n` the one that panics?
#[inline]
pub fn armed(n: usize) -> bool {
    let armed = armed_number().load(Ordering::Relaxed);
    armed != NONE && n == armed
}

/// Panic if syscall `n` is the one that must.
#[inline]
pub fn check(n: usize) {
    if armed(n) {
        fail(n)
    }
}

#[cold]
fn fail(n: usize) -> ! {
    panic!("fault injection: {} panics (panic_on)", Sysno(n).name().unwrap_or("?"))
}
