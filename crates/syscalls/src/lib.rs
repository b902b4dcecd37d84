//! Linux system calls as ordinary async functions.
//!
//! Every syscall is `pub async fn sys_NAME(cx: &Caller, typed args...) -> SysResult<T>`, in one
//! module per family. [`dispatch`] decodes raw register values into typed arguments and turns
//! the result into a return register value. A trapped program's calls go through it (the kernel's
//! per-thread loop hands each trap to [`trap`], fast path included, and [`deliver`] delivers
//! signals on the way back), and so do host tests (`testing`); linked applications (crate `app`)
//! call the functions directly, with their own buffers.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(not(target_os = "none"))]
extern crate std;

mod args;
mod caller;
pub mod clone;
#[cfg(not(target_os = "none"))]
mod coverage;
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
pub mod table;
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
