//! File syscalls: I/O, opening and closing, metadata, directories and names, descriptors,
//! file locks, pipes, mounts, ioctl, poll/select.
mod at;
mod attr;
mod dir;
mod fd;
mod handle;
mod io;
mod io_now;
mod ioctl;
mod lock;
mod mount;
mod mount_api;
mod open;
mod pipe;
mod poll;
mod splice;
mod stat;
mod xattr;

pub use at::*;
pub use attr::*;
pub use dir::*;
pub use fd::*;
pub use handle::*;
pub use io::*;
pub use io_now::*;
pub use ioctl::*;
pub use lock::sys_flock;
pub use mount::*;
pub use mount_api::*;
pub use open::*;
pub use pipe::*;
pub use poll::*;
pub use splice::*;
pub use stat::*;
pub use xattr::*;
