//! The Linux user-space ABI, in one place, so that every component speaks the same numbers.
//!
//! Everything here is plain data: no behaviour, no dependencies beyond `bitflags`/`bytemuck`.
//! Values follow the riscv64 "generic" syscall ABI (the one shared with arm64 and loongarch64).
#![no_std]
#![forbid(unsafe_code)]

pub mod cred;
pub mod errno;
pub mod events;
pub mod flags;
pub mod net;
pub mod process;
pub mod signal;
pub mod structs;
pub mod sysno;

pub use errno::{Errno, SysResult};
pub use sysno::Sysno;
