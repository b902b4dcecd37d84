//! Catching a panic: the mechanism under panic isolation.
//!
//! A panic in work done for one task (a syscall of a user thread, a linked application's
//! step) must end that task's process, not the kernel. The executor runs such tasks inside
//! [`catch`]; the kernel's panic handler calls [`unwind`], which starts unwinding the stack:
//! every frame between the panic and the `catch` is left and its locals are dropped (lock
//! guards release their locks, `Arc`s their references), and `catch` returns the panic's
//! message as [`Panicked`]. A panic with no `catch` above it (boot, the executor's own code, a
//! timer task) is found to have none before anything is dropped, and [`unwind`] returns: the
//! handler then reports it and powers off.
//!
//! On the machine this is the `unwinding` crate (a Rust DWARF unwinder for `no_std`, which
//! reads the `.eh_frame` the linker script keeps); the kernel is built with `panic = "unwind"`
//! and its allocation-error handler panics, so that a failed allocation unwinds as well. On the
//! host it is std's `catch_unwind`.
//!
//! Assembly frames have no unwind tables, so a panic must never try to cross one: code the trap
//! entry calls (the syscall fast path) catches its own panics and raises them again, with
//! [`resume`], once the assembly has returned (`riscv64::trap::run_user_fast`).
use core::fmt::{self, Write};

/// The message of a caught panic (its first `MESSAGE_LEN` bytes), kept without allocating: the
/// panic may be an allocation failure.
#[derive(Clone)]
pub struct Panicked {
    text: [u8; MESSAGE_LEN],
    len: usize,
}

const MESSAGE_LEN: usize = 240;

impl Panicked {
    fn new(message: fmt::Arguments<'_>) -> Panicked {
        let mut p = Panicked { text: [0; MESSAGE_LEN], len: 0 };
        let _ = p.write_fmt(message);
        p
    }

    /// What the panic said (with where, as the panic handler formats it).
    pub fn message(&self) -> &str {
        // Cut at a character boundary: `write_str` may have stopped inside one.
        let bytes = &self.text[..self.len];
        match core::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
        }
    }
}

impl Write for Panicked {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(MESSAGE_LEN - self.len);
        self.text[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl fmt::Debug for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Panicked({:?})", self.message())
    }
}

pub use imp::{catch, resume, unwind};

#[cfg(target_os = "none")]
mod imp {
    use super::Panicked;
    use alloc::boxed::Box;
    use core::cell::UnsafeCell;
    use core::panic::PanicInfo;
    use core::sync::atomic::{AtomicBool, Ordering};

    /// The payload the unwinder carries: nothing (a zero-sized box allocates nothing); the
    /// message waits in `LAST` for the `catch` that takes it.
    struct TaskPanic;

    /// The message of the panic being unwound. Written only while `UNWINDING` is false (by the
    /// one hart, with interrupts off), read only by the `catch` that stops the unwinding.
    struct Last(UnsafeCell<Option<Panicked>>);
    // SAFETY: one hart, and the accesses are ordered by `UNWINDING` (see above).
    unsafe impl Sync for Last {}
    static LAST: Last = Last(UnsafeCell::new(None));
    static UNWINDING: AtomicBool = AtomicBool::new(false);

    /// Run `f`; if it panics, unwind back here and return the panic's message instead.
    // The message is kept in place, without allocating: the panic may be an allocation failure.
    #[allow(clippy::result_large_err)]
    #[inline]
    pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Panicked> {
        match unwinding::panic::catch_unwind(f) {
            Ok(v) => Ok(v),
            Err(payload) => Err(caught(payload)),
        }
    }

    #[cold]
    fn caught(payload: Box<dyn core::any::Any + Send>) -> Panicked {
        drop(payload);
        // SAFETY: set by `raise` before it started the unwinding that ends here; nobody else
        // touches it until `UNWINDING` is cleared below.
        let p = unsafe { (*LAST.0.get()).take() };
        UNWINDING.store(false, Ordering::Release);
        p.unwrap_or_else(|| Panicked::new(format_args!("a panic without a message")))
    }

    /// Start unwinding for the panic `info`, towards the nearest [`catch`]. Returns only if
    /// there is none (or the panic cannot unwind: a panic while unwinding, or in code that must
    /// not unwind): the caller then stops the machine.
    pub fn unwind(info: &PanicInfo<'_>) {
        if info.can_unwind() {
            // One line, message first: it goes into a log line.
            match info.location() {
                Some(at) => raise(Panicked::new(format_args!("{} (at {at})", info.message()))),
                None => raise(Panicked::new(format_args!("{}", info.message()))),
            }
        }
    }

    /// Raise `p` again where unwinding is possible (after an assembly frame was left).
    pub fn resume(p: Panicked) -> ! {
        let message = p.clone();
        raise(p);
        // Nobody to catch it: as a panic outside any task.
        let _ = core::fmt::Write::write_fmt(&mut crate::console::Console, format_args!("\nkernel panic: {message}\n"));
        crate::riscv64::power::power_off(1)
    }

    fn raise(p: Panicked) {
        if UNWINDING.swap(true, Ordering::Acquire) {
            return; // a panic while unwinding: fatal
        }
        // SAFETY: `UNWINDING` was false: no unwinding is in progress and no `catch` reads LAST.
        unsafe { *LAST.0.get() = Some(p) };
        // Returns only when the search phase found no `catch`: nothing was unwound yet.
        let _ = unwinding::panic::begin_panic(Box::new(TaskPanic));
        // SAFETY: as above; the unwinding did not start.
        unsafe { *LAST.0.get() = None };
        UNWINDING.store(false, Ordering::Release);
    }
}

#[cfg(not(target_os = "none"))]
mod imp {
    use super::Panicked;
    use std::boxed::Box;
    use std::string::String;

    /// Run `f`; if it panics, return the panic's message instead (std's unwinding).
    #[allow(clippy::result_large_err)]
    pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Panicked> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
            let text = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("a panic without a message");
            Panicked::new(format_args!("{text}"))
        })
    }

    /// Raise `p` again (as std's `resume_unwind`: the panic hook does not run twice).
    pub fn resume(p: Panicked) -> ! {
        std::panic::resume_unwind(Box::new(String::from(p.message())))
    }

    /// On the host std's panic machinery unwinds by itself: nothing to do.
    pub fn unwind(_info: &core::panic::PanicInfo<'_>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catch_returns_the_value_or_the_message() {
        assert_eq!(catch(|| 7).unwrap(), 7);
        let p = catch(|| -> u32 { panic!("syscall {} broke", 42) }).unwrap_err();
        assert_eq!(p.message(), "syscall 42 broke");
        let again = catch(|| resume(p.clone())).unwrap_err();
        assert_eq!(again.message(), "syscall 42 broke");
    }

    #[test]
    fn long_messages_are_cut_at_a_character() {
        let long = std::format!("a{}", "é".repeat(200));
        let p = Panicked::new(format_args!("{long}"));
        assert_eq!(p.message().len(), MESSAGE_LEN - 1, "the last é does not fit");
        assert!(long.starts_with(p.message()));
    }
}
