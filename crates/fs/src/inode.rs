use crate::tty::Tty;
use abi::flags::PollEvents;
use abi::{structs::Stat, Errno, SysResult};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use sync::WaitQueue;

pub type InodeRef = Arc<dyn Inode>;

/// The type of a node, as in the `S_IFMT` bits and `d_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Regular,
    Directory,
    Symlink,
    CharDevice,
    Fifo,
}

impl FileKind {
    pub fn mode_bits(self) -> u32 {
        use abi::flags::*;
        match self {
            FileKind::Regular => S_IFREG,
            FileKind::Directory => S_IFDIR,
            FileKind::Symlink => S_IFLNK,
            FileKind::CharDevice => S_IFCHR,
            FileKind::Fifo => S_IFIFO,
        }
    }
    /// `d_type` of getdents64.
    pub fn dirent_type(self) -> u8 {
        match self {
            FileKind::Fifo => 1,
            FileKind::CharDevice => 2,
            FileKind::Directory => 4,
            FileKind::Regular => 8,
            FileKind::Symlink => 10,
        }
    }
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub ino: u64,
    pub kind: FileKind,
}

/// A node of a file system. Default methods give the errors Linux gives for a node that does
/// not support the operation, so each file system implements only what it has.
pub trait Inode: Send + Sync {
    fn kind(&self) -> FileKind;
    /// Metadata (st_mode includes the type bits).
    fn stat(&self) -> Stat;

    /// Read at `offset`; `Ok(0)` at end of file; `EAGAIN` if it would block (see `wait_queue`).
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> SysResult<usize> {
        Err(if self.kind() == FileKind::Directory { Errno::EISDIR } else { Errno::EINVAL })
    }
    /// Write at `offset` (appending writes pass the current size).
    fn write_at(&self, _offset: u64, _buf: &[u8]) -> SysResult<usize> {
        Err(if self.kind() == FileKind::Directory { Errno::EISDIR } else { Errno::EINVAL })
    }
    /// Set the size (O_TRUNC, ftruncate).
    fn truncate(&self, _len: u64) -> SysResult<()> {
        Err(if self.kind() == FileKind::Directory { Errno::EISDIR } else { Errno::EINVAL })
    }
    /// Whether reads and writes use the file offset (false for devices and pipes: lseek is ESPIPE).
    fn seekable(&self) -> bool {
        matches!(self.kind(), FileKind::Regular | FileKind::Directory)
    }
    /// Which of the poll(2) conditions hold now. Files that never block are always ready;
    /// a node that can block reports its state and wakes `wait_queue` when it changes.
    fn poll(&self) -> PollEvents {
        PollEvents::IN | PollEvents::RDNORM | PollEvents::OUT | PollEvents::WRNORM
    }
    /// The queue to wait on after `EAGAIN`.
    fn wait_queue(&self) -> Option<&WaitQueue> {
        None
    }
    /// The terminal behind this node (isatty, TCGETS and the other terminal ioctls).
    fn tty(&self) -> Option<&Tty> {
        None
    }
    fn is_tty(&self) -> bool {
        self.tty().is_some()
    }

    /// Find `name` in this directory ("." and ".." included).
    fn lookup(&self, _name: &str) -> SysResult<InodeRef> {
        Err(Errno::ENOTDIR)
    }
    /// Create `name` in this directory; EEXIST if it exists.
    fn create(&self, _name: &str, _kind: FileKind, _mode: u32) -> SysResult<InodeRef> {
        Err(Errno::ENOTDIR)
    }
    /// Add an existing node under `name` (hard links, mounting an unpacked tree).
    fn link(&self, _name: &str, _node: InodeRef) -> SysResult<()> {
        Err(Errno::ENOTDIR)
    }
    /// Remove `name` from this directory.
    fn unlink(&self, _name: &str) -> SysResult<()> {
        Err(Errno::ENOTDIR)
    }
    /// All entries, "." and ".." first.
    fn read_dir(&self) -> SysResult<Vec<DirEntry>> {
        Err(Errno::ENOTDIR)
    }
    /// The target of a symbolic link.
    fn read_link(&self) -> SysResult<String> {
        Err(Errno::EINVAL)
    }
}
