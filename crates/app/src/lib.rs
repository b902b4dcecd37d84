//! Linked applications: Rust programs built into the kernel image that call the syscall
//! functions directly (unikernel mode).
//!
//! A linked application is still a process: it has a pid, a parent, an fd table, a cwd and a
//! place in the process table (ps, kill and wait4 see it), so it can share pipes and files
//! with other processes, linked or isolated. What it does not have is a user address space
//! or a trap: its `main` is a task of the kernel's executor, and each method of [`App`] is a
//! plain call of the same `syscalls::...::sys_*` function the trap handler reaches through the
//! dispatch table. Pointers are the application's own buffers, which the typed user pointers
//! reach in place (`mm` reads a linked address space directly, and `read`/`write` transfer
//! without a kernel copy).
//!
//! With the `trace` feature and the kernel's tracer on, each call is printed as the dispatcher
//! prints a trapped one (the same formatter); otherwise nothing stands between the method and
//! the syscall function.
//!
//! Signals: a linked application has no handlers (there is no user context to run them on);
//! a fatal signal ends it at its next syscall or wait, and interrupted calls return EINTR.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod calls;
mod net;
mod start;

#[doc(hidden)]
pub use alloc::boxed::Box as __Box;
pub use calls::Fd;
pub use start::{find, start, Main};

use alloc::string::String;
use alloc::vec::Vec;
use syscalls::Caller;

/// An application linked into the kernel: its name (what the `init=` line calls it) and its
/// entry point.
pub struct LinkedApp {
    pub name: &'static str,
    pub main: Main,
}

/// Declare a linked application: `app::linked_app!(APP, "hello", main);` with
/// `async fn main(app: App) -> i32`.
#[macro_export]
macro_rules! linked_app {
    ($item:ident, $name:expr, $main:path) => {
        pub const $item: $crate::LinkedApp =
            $crate::LinkedApp { name: $name, main: |app| $crate::__Box::pin($main(app)) };
    };
}

/// A running linked application: who it is (its process and thread), and its arguments.
pub struct App {
    cx: Caller,
    args: Vec<String>,
}

impl App {
    /// The arguments, the program's name first (as argv).
    pub fn args(&self) -> &[String] {
        &self.args
    }

    /// The syscall context: for calling a `syscalls` function this API does not wrap.
    pub fn caller(&self) -> &Caller {
        &self.cx
    }
}
