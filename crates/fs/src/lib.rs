//! File systems.
//!
//! An [`Inode`] is anything with a name in the tree (ramfs file or directory, device); a [`File`]
//! is an open file description (offset + flags) shared by duplicated descriptors. Inode
//! operations never block: an operation that would wait returns `EAGAIN` and names the
//! [`WaitQueue`](sync::WaitQueue) to wait on, and the syscall layer `.await`s it.
#![no_std]

extern crate alloc;

pub mod cpio;
pub mod dev;
pub mod file;
pub mod inode;
pub mod path;
pub mod ramfs;
pub mod tty;

pub use file::File;
pub use inode::{DirEntry, FileKind, Inode, InodeRef};
pub use tty::Tty;
