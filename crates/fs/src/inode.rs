use crate::tty::Tty;
use abi::flags::{Access, PollEvents};
use abi::{structs::Stat, Errno, SysResult};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use sync::WaitQueue;

pub type InodeRef = Arc<dyn Inode>;

/// The type of a node, as in the `S_IFMT` bits and `d_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Regular,
    Directory,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
    /// An anonymous inode (epoll, eventfd, timerfd, signalfd): no file type bits in `st_mode`,
    /// as Linux's anon_inodefs.
    Anon,
}

impl FileKind {
    pub fn mode_bits(self) -> u32 {
        use abi::flags::*;
        match self {
            FileKind::Regular => S_IFREG,
            FileKind::Directory => S_IFDIR,
            FileKind::Symlink => S_IFLNK,
            FileKind::CharDevice => S_IFCHR,
            FileKind::BlockDevice => S_IFBLK,
            FileKind::Fifo => S_IFIFO,
            FileKind::Socket => S_IFSOCK,
            FileKind::Anon => 0,
        }
    }
    /// The kind named by the `S_IFMT` bits of `mode`.
    pub fn from_mode(mode: u32) -> Option<FileKind> {
        use abi::flags::*;
        Some(match mode & S_IFMT {
            S_IFREG => FileKind::Regular,
            S_IFDIR => FileKind::Directory,
            S_IFLNK => FileKind::Symlink,
            S_IFCHR => FileKind::CharDevice,
            S_IFBLK => FileKind::BlockDevice,
            S_IFIFO => FileKind::Fifo,
            S_IFSOCK => FileKind::Socket,
            _ => return None,
        })
    }
    /// `d_type` of getdents64.
    pub fn dirent_type(self) -> u8 {
        match self {
            FileKind::Fifo => 1,
            FileKind::CharDevice => 2,
            FileKind::Directory => 4,
            FileKind::BlockDevice => 6,
            FileKind::Regular => 8,
            FileKind::Symlink => 10,
            FileKind::Socket => 12,
            FileKind::Anon => 0,
        }
    }
}

/// What a block device tells about itself (the BLK* ioctls, lseek's SEEK_END).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockInfo {
    /// Size in bytes.
    pub size: u64,
    /// The logical sector size (BLKSSZGET), 512 for virtio disks.
    pub sector_size: u32,
    /// The block size I/O on it uses (BLKBSZGET): the largest power of two up to 4096 that
    /// divides the size, as Linux chooses for a device nobody has mounted.
    pub block_size: u32,
    /// Writes are refused (BLKROGET).
    pub read_only: bool,
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub ino: u64,
    pub kind: FileKind,
}

/// A time stamp to set (utimensat): a value in ns since the epoch, or "now".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSet {
    Now,
    At(i64, u32),
}

/// Metadata changes (chmod, chown, utimensat). `None` leaves a field alone; the file system sets
/// ctime to now whenever anything changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// Permission bits (07777).
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub atime: Option<TimeSet>,
    pub mtime: Option<TimeSet>,
}

/// Who is asking: what a node needs to know about the caller (/proc/self, permissions).
/// `Who::default()` is the kernel itself: root with every capability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Who {
    pub pid: u32,
    pub tid: u32,
    /// The file-system uid and gid (what owns the files the caller creates).
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups, sorted.
    pub groups: Arc<[u32]>,
    /// Effective capabilities (bit `CAP_*`).
    pub caps: u64,
}

impl Default for Who {
    fn default() -> Who {
        Who { pid: 0, tid: 0, uid: 0, gid: 0, groups: Arc::from([]), caps: abi::cred::CAP_FULL_SET }
    }
}

impl Who {
    pub fn capable(&self, cap: u32) -> bool {
        self.caps & (1 << cap) != 0
    }

    /// Whether files of group `gid` count as the caller's group.
    pub fn in_group(&self, gid: u32) -> bool {
        self.gid == gid || self.groups.binary_search(&gid).is_ok()
    }
}

/// What renameat2 was asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenameMode {
    /// Replace the target if it exists (plain rename).
    Replace,
    /// RENAME_NOREPLACE: EEXIST if the target exists.
    NoReplace,
    /// RENAME_EXCHANGE: swap the two names (both must exist).
    Exchange,
}

/// A node of a file system. Default methods give the errors Linux gives for a node that does
/// not support the operation, so each file system implements only what it has.
///
/// The VFS (`crate::vfs`, `crate::path`) checks names, kinds, mount points and flags before it
/// calls a directory operation, so a file system sees only requests that make sense: `rmdir`
/// only for a directory entry, `rename` only within the same file system, and so on.
pub trait Inode: Send + Sync {
    fn kind(&self) -> FileKind;
    /// Metadata (st_mode includes the type bits).
    fn stat(&self) -> Stat;
    /// (st_dev, st_ino): the node's identity across lookups. Mount points are recognised by it,
    /// so it must be cheap and stable; the default asks `stat`.
    fn id(&self) -> (u64, u64) {
        let st = self.stat();
        (st.st_dev, st.st_ino)
    }

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
    /// fallocate(2) modes 0 and KEEP_SIZE: make bytes `[offset, end)` part of the file, so that
    /// writing them later cannot fail for want of room. A file system that does not reserve
    /// space only grows the file (unless `keep_size`).
    fn allocate(&self, offset: u64, end: u64, keep_size: bool) -> SysResult<()> {
        let _ = offset;
        if !keep_size && end > self.stat().st_size as u64 {
            self.truncate(end)?;
        }
        Ok(())
    }
    /// Whether reads and writes use the file offset (false for devices and pipes: lseek is ESPIPE).
    fn seekable(&self) -> bool {
        matches!(self.kind(), FileKind::Regular | FileKind::Directory)
    }
    /// Whether mmap may map it (regular files: their pages are read when first touched). Files
    /// made up on every read, whose reading may need the very address space being faulted in
    /// (procfs), say no: mmap is ENODEV, as on Linux.
    fn mappable(&self) -> bool {
        self.kind() == FileKind::Regular
    }
    /// The file's page cache, for mappings that share its frames (MAP_SHARED, private
    /// copy-on-write mappings, program segments). `None`: mappings read copies of the data.
    fn file_pages(self: Arc<Self>) -> Option<Arc<dyn mm::cache::FilePages>> {
        None
    }
    /// Which of the poll(2) conditions hold now. Files that never block are always ready;
    /// a node that can block reports its state and wakes `wait_queue` when it changes.
    fn poll(&self) -> PollEvents {
        PollEvents::IN | PollEvents::RDNORM | PollEvents::OUT | PollEvents::WRNORM
    }
    /// The poll(2) conditions as seen through a file opened with `access` (the two ends of a
    /// pipe see different ones). Defaults to [`Inode::poll`].
    fn poll_access(&self, _access: Access) -> PollEvents {
        self.poll()
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
    /// Whether open(2) may make a file description of this node: a device node whose number no
    /// driver has is ENXIO.
    fn may_open(&self) -> SysResult<()> {
        Ok(())
    }
    /// An open file description with `access` was made on this node (pipes count their ends).
    fn opened(&self, _access: Access) {}
    /// The last reference to such a description went away (close of the last descriptor).
    fn released(&self, _access: Access) {}
    /// A descriptor of this node was closed (close, dup2 over it, exec's close-on-exec, the end
    /// of the descriptor table) by the table `owner` (`crate::lock::Owner`, Linux's
    /// `f_op->flush` and its `fl_owner_t`). A message queue lets go of the notification that
    /// table's process registered. Only tables that have an owner id call it.
    fn flush(&self, _owner: crate::lock::Owner) {}
    /// Write data and metadata to stable storage (fsync). EINVAL for nodes that cannot.
    fn fsync(&self) -> SysResult<()> {
        match self.kind() {
            FileKind::Regular | FileKind::Directory => Ok(()),
            _ => Err(Errno::EINVAL),
        }
    }
    /// Change metadata; the file system updates ctime. EPERM where metadata is fixed.
    fn set_attr(&self, _attr: &SetAttr) -> SysResult<()> {
        Err(Errno::EPERM)
    }
    /// The geometry of a block device; `None` for everything else.
    fn block_info(&self) -> Option<BlockInfo> {
        None
    }
    /// The pipe behind a named pipe (FIFO): open(2) waits for the other side through it.
    /// `None` by default (and for anonymous pipes, which open(2) through /proc never waits for).
    fn as_fifo(&self) -> Option<&crate::pipe::Pipe> {
        None
    }
    /// The concrete node, for a file system to recognise its own nodes (rename's target
    /// directory, hard links). `None` by default.
    fn as_any(&self) -> Option<&dyn Any> {
        None
    }

    /// Extended attributes ([`crate::xattr`]; the syscall layer has checked the name, its
    /// namespace and the caller's permission). The value of `name` into `buf`, or its size
    /// when `buf` is empty: ENODATA without one, ERANGE if `buf` is too small. EOPNOTSUPP by
    /// default: the file system keeps none.
    fn get_xattr(&self, _name: &[u8], _buf: &mut [u8]) -> SysResult<usize> {
        Err(Errno::EOPNOTSUPP)
    }
    /// Set `name` to `value`; `flags` XATTR_CREATE (EEXIST) / XATTR_REPLACE (ENODATA).
    fn set_xattr(&self, _name: &[u8], _value: &[u8], _flags: u32) -> SysResult<()> {
        Err(Errno::EOPNOTSUPP)
    }
    /// Remove `name` (ENODATA if there is none).
    fn remove_xattr(&self, _name: &[u8]) -> SysResult<()> {
        Err(Errno::EOPNOTSUPP)
    }
    /// The names, each NUL-terminated, into `buf` ("trusted." ones only if `trusted`), or the
    /// size they need when `buf` is empty; ERANGE if it is too small. Empty by default (Linux
    /// lists nothing, without an error, on a file system without xattrs).
    fn list_xattr(&self, _trusted: bool, _buf: &mut [u8]) -> SysResult<usize> {
        Ok(0)
    }

    /// Find `name` in this directory ("." and ".." included).
    fn lookup(&self, _name: &str) -> SysResult<InodeRef> {
        Err(Errno::ENOTDIR)
    }
    /// Find `name` as `who` sees it (procfs shows the caller's own view). Path walks call this;
    /// defaults to [`Inode::lookup`].
    fn lookup_by(&self, name: &str, _who: &Who) -> SysResult<InodeRef> {
        self.lookup(name)
    }
    /// Create `name` in this directory; EEXIST if it exists.
    fn create(&self, _name: &str, _kind: FileKind, _mode: u32) -> SysResult<InodeRef> {
        Err(Errno::ENOTDIR)
    }
    /// Create the device node `name` (character or block, device number `rdev`); mknod(2) has
    /// checked the caller may. EPERM where the file system keeps no device nodes.
    fn mknod(&self, _name: &str, _kind: FileKind, _mode: u32, _rdev: u64) -> SysResult<InodeRef> {
        Err(if self.kind() == FileKind::Directory { Errno::EPERM } else { Errno::ENOTDIR })
    }
    /// Create the symbolic link `name` pointing at `target`.
    fn symlink(&self, _name: &str, _target: &str) -> SysResult<InodeRef> {
        Err(if self.kind() == FileKind::Directory { Errno::EPERM } else { Errno::ENOTDIR })
    }
    /// Add an existing node under `name` (hard links, mounting an unpacked tree).
    fn link(&self, _name: &str, _node: InodeRef) -> SysResult<()> {
        Err(Errno::ENOTDIR)
    }
    /// Remove `name` from this directory.
    fn unlink(&self, _name: &str) -> SysResult<()> {
        Err(Errno::ENOTDIR)
    }
    /// Remove the subdirectory `name`: ENOTEMPTY unless it holds only "." and "..". The VFS
    /// has checked that it is a directory. Defaults to [`Inode::unlink`].
    fn rmdir(&self, name: &str) -> SysResult<()> {
        self.unlink(name)
    }
    /// Move `old_name` of this directory to `new_name` of `new_dir`, a directory of the same file
    /// system. The VFS has checked kinds (a directory replaces only an empty directory, a
    /// non-directory only a non-directory), mount points and that a directory does not move
    /// into itself.
    fn rename(&self, _old_name: &str, _new_dir: &InodeRef, _new_name: &str, _mode: RenameMode) -> SysResult<()> {
        Err(if self.kind() == FileKind::Directory { Errno::EPERM } else { Errno::ENOTDIR })
    }
    /// All entries, "." and ".." first.
    fn read_dir(&self) -> SysResult<Vec<DirEntry>> {
        Err(Errno::ENOTDIR)
    }
    /// The entries of [`Inode::read_dir`] from index `start` on, in its order, each given to
    /// `f` (name, inode number, kind) until it returns false: getdents64 without a list of
    /// every entry (a file system may override it to visit its entries in place).
    fn visit_dir(&self, start: usize, f: &mut dyn FnMut(&str, u64, FileKind) -> bool) -> SysResult<()> {
        for e in self.read_dir()?.iter().skip(start) {
            if !f(&e.name, e.ino, e.kind) {
                break;
            }
        }
        Ok(())
    }
    /// The target of a symbolic link.
    fn read_link(&self) -> SysResult<String> {
        Err(Errno::EINVAL)
    }
    /// The target of a symbolic link as `who` sees it (/proc/self names the caller). Defaults to
    /// [`Inode::read_link`].
    fn read_link_by(&self, _who: &Who) -> SysResult<String> {
        self.read_link()
    }
    /// For a "magic" link (/proc/<pid>/fd/N, cwd, root): the node it stands for and that node's
    /// path. A path walk goes straight there instead of resolving the link's text, so a pipe
    /// or a deleted file is reachable too. `None` for ordinary links.
    fn magic_target(&self, _who: &Who) -> Option<(InodeRef, String)> {
        None
    }
    /// Whether this is one of /proc's magic links (fd/N, cwd, root, exe), which openat2's
    /// RESOLVE_NO_MAGICLINKS refuses, also when its target is only known as a path (exe).
    fn is_magic_link(&self) -> bool {
        false
    }
}
