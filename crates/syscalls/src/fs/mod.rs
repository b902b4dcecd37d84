//! File syscalls: I/O, opening and closing, metadata, directories and names, descriptors,
//! file locks, pipes, mounts, ioctl, poll/select.
mod at;
mod attr;
mod dir;
mod fd;
mod io;
mod io_now;
mod ioctl;
mod lock;
mod mount;
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
pub use io::*;
pub use io_now::*;
pub use ioctl::*;
pub use lock::sys_flock;
pub use mount::*;
pub use open::*;
pub use pipe::*;
pub use poll::*;
pub use splice::*;
pub use stat::*;
pub use xattr::*;

use crate::Caller;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use fs::File;

/// The open file behind `fd` for reading, writing, seeking or ioctl. An O_PATH descriptor only
/// names a file, so Linux treats it as not open for these: EBADF.
fn io_file(cx: &Caller, fd: i32) -> SysResult<Arc<File>> {
    Some(cx.file(fd)?).filter(|f| !f.is_path_only()).ok_or(Errno::EBADF)
}
