//! File systems.
//!
//! An [`Inode`] is anything with a name in the tree (ramfs file or directory, device, pipe); a
//! [`File`] is an open file description (offset + flags) shared by duplicated descriptors. The
//! [`vfs`] module holds file-system types and the mount tree, [`path`] resolves names across
//! it. Inode operations never block: an operation that would wait returns `EAGAIN` and names
//! the [`WaitQueue`](sync::WaitQueue) to wait on, and the syscall layer `.await`s it.
//!
//! procfs is not here: it shows processes, which live in `task`, a crate above this one.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod cpio;
pub mod dev;
pub mod epoll;
pub mod eventfd;
pub mod file;
pub mod handle;
pub mod inode;
pub mod lock;
pub mod meta;
pub mod notify;
pub mod path;
pub mod perm;
pub mod pipe;
pub mod ramfs;
pub mod textbusy;
pub mod tty;
pub mod vfs;
pub mod xattr;

pub use file::File;
pub use inode::{BlockInfo, DirEntry, FileKind, Inode, InodeRef, RenameMode, SetAttr, TimeSet, Who};
pub use tty::Tty;
pub use vfs::{FileSystem, Mount, StatFs};

use abi::SysResult;
use alloc::sync::Arc;

/// mount(2) factory of "tmpfs" and "ramfs": options `size=` (bytes, k/m/g, or %), `mode=`
/// (octal, of the root), `uid=`, `gid=`; `nr_blocks`, `nr_inodes`, `huge`, `mpol` are accepted
/// and ignored. Anything else is EINVAL, as on Linux.
fn tmpfs_factory(name: &'static str, data: &str) -> SysResult<Arc<dyn FileSystem>> {
    let mut size = None;
    let mut attr = SetAttr::default();
    let num = |v: &str, radix| u32::from_str_radix(v, radix).map_err(|_| abi::Errno::EINVAL);
    for opt in data.split(',').filter(|o| !o.is_empty()) {
        let (key, val) = opt.split_once('=').unwrap_or((opt, ""));
        match key {
            "size" => size = Some(ramfs::parse_size(val)?),
            "mode" => attr.mode = Some(num(val, 8)?),
            "uid" => attr.uid = Some(num(val, 10)?),
            "gid" => attr.gid = Some(num(val, 10)?),
            "nr_blocks" | "nr_inodes" | "huge" | "mpol" => {}
            _ => return Err(abi::Errno::EINVAL),
        }
    }
    let fs = match size {
        Some(s) => ramfs::RamFs::with_size(name, s),
        None => ramfs::RamFs::new(name),
    };
    // A tmpfs root is world-writable and sticky unless `mode=` says otherwise (ramfs: 0755).
    if attr.mode.is_none() && name == "tmpfs" {
        attr.mode = Some(0o1777);
    }
    if attr != SetAttr::default() {
        fs.root().set_attr(&attr)?;
    }
    Ok(fs)
}

/// Register the file-system types of this crate: "tmpfs", "ramfs", "devtmpfs" (also as
/// "devfs").
pub fn register_types() {
    vfs::register_fs_type("tmpfs", false, |_, _, data| tmpfs_factory("tmpfs", data));
    vfs::register_fs_type("ramfs", false, |_, _, data| tmpfs_factory("ramfs", data));
    vfs::register_fs_type("devtmpfs", false, dev::devfs_factory);
    vfs::register_fs_type("devfs", false, dev::devfs_factory);
}
