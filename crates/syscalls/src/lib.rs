//! Linux system calls as ordinary async functions.
//!
//! Every syscall is `pub async fn sys_NAME(cx: &Caller, typed args...) -> SysResult<T>`, in one
//! module per family, and one row in [`table`]. [`dispatch`] decodes raw register values into
//! typed arguments and turns the result into a return register value. A trapped program's calls
//! go through it (crate `uspace` runs user threads: traps, the fast path, signal delivery), and
//! so do host tests (`testing`); linked applications (crate `app`) call the functions directly,
//! with their own buffers.
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
pub mod cred;
mod dispatch;
pub mod events;
pub mod exec;
#[cfg(feature = "fault-inject")]
pub mod fault;
pub mod fs;
pub mod futex;
pub mod info;
pub mod ipc;
pub mod itimer;
pub mod mm;
pub mod mqueue;
pub mod net;
pub mod pidfd;
pub mod posix_timer;
pub mod prctl;
pub mod process;
pub mod reboot;
pub mod riscv;
pub mod sched;
pub mod sigframe;
pub mod signal;
pub mod table;
#[cfg(not(target_os = "none"))]
pub mod testing;
pub mod time;
#[cfg(feature = "trace")]
pub mod trace;
pub mod wait;

pub use abi::{Errno, SysResult, Sysno};
pub use caller::Caller;
pub use dispatch::{dispatch, handle_syscall, poll_call, ready_now, IntoRet};
