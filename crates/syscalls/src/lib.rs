//! Linux system calls as ordinary async functions.
//!
//! Every syscall is `pub async fn sys_NAME(cx: &Caller, typed args...) -> SysResult<T>`, in one
//! module per family. [`dispatch`] is the only code that knows about raw register values: it
//! decodes them into typed arguments and turns the result into a return register value. The
//! kernel's trap handler, host tests and (later) linked applications all go through it or call
//! the functions directly.
#![no_std]

extern crate alloc;
#[cfg(not(target_os = "none"))]
extern crate std;

mod args;
mod caller;
pub mod clone;
pub mod deliver;
mod dispatch;
pub mod exec;
#[cfg(feature = "fault-inject")]
pub mod fault;
pub mod fs;
pub mod futex;
pub mod info;
pub mod itimer;
pub mod mm;
pub mod process;
pub mod reboot;
pub mod signal;
#[cfg(not(target_os = "none"))]
pub mod testing;
pub mod time;
#[cfg(feature = "trace")]
pub mod trace;
pub mod trap;
pub mod wait;

pub use abi::{Errno, SysResult, Sysno};
pub use caller::Caller;
pub use dispatch::{dispatch, handle_syscall, IntoRet};
