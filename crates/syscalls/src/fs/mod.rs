//! File syscalls: I/O, opening and closing, metadata, ioctl.
mod io;
mod ioctl;
mod open;
mod stat;

pub use io::*;
pub use ioctl::*;
pub use open::*;
pub use stat::*;
