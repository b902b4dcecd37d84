//! ramfs/tmpfs: files and directories held in memory (the root unpacked from the initramfs,
//! /tmp, the directories of devfs).
//!
//! Each instance ([`RamFs`]) has its own device number, and its nodes carry it in `st_dev`.
//! Regular files are sparse: data lives in page frames (`mm::Frame`, outside the kernel heap)
//! allocated when written, so `truncate` to a large size or a write far past the end costs one
//! page, and holes read as zeros (as on tmpfs). An instance holds at most its size in pages
//! (tmpfs `size=`, by default half of RAM as on Linux): a write beyond that is ENOSPC, and one
//! that finds no free frame ENOMEM. Nodes built on their own ([`RamFile::new`],
//! [`RamSymlink::new`]) join the file system of the first directory they are linked into.
use crate::inode::{DirEntry, FileKind, Inode, InodeRef, RenameMode, SetAttr, TimeSet};
use crate::meta::{alloc_dev, next_ino, now};
use crate::pipe::Pipe;
use crate::vfs::{FileSystem, StatFs};
use crate::xattr::{self, Xattrs};
use abi::flags::{Access, PollEvents, MS_NOATIME, MS_NODIRATIME, MS_STRICTATIME};
use abi::{structs::Stat, Errno, SysResult};
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::{Arc, Weak};
use alloc::vec;
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use mm::cache::{FilePages, PageCache};
use mm::Frame;
use sync::WaitQueue;
use sync::{Mutex, MutexGuard, Once};

const PAGE: usize = 4096;
/// Largest file size (Linux's MAX_LFS_FILESIZE on 64-bit).
pub const MAX_FILE_SIZE: u64 = i64::MAX as u64;
/// tmpfs's magic number (statfs f_type); ramfs has its own.
pub const TMPFS_MAGIC: i64 = 0x0102_1994;
pub const RAMFS_MAGIC: i64 = 0x8584_58f6;

/// Size a tmpfs gets without a `size=` option, in bytes (Linux: half of RAM). The kernel sets
/// it from the memory it found; the host default is 512 MiB.
static DEFAULT_SIZE: AtomicU64 = AtomicU64::new(512 << 20);

pub fn set_default_size(bytes: u64) {
    DEFAULT_SIZE.store(bytes, Ordering::Relaxed);
    ALL_MAX_PAGES.store(bytes / PAGE as u64, Ordering::Relaxed);
}

/// What the nodes of one instance share: its device number, its usage and its size limit.
pub struct Shared {
    dev: u64,
    pages: AtomicU64,
    inodes: AtomicU64,
    /// The most pages its files may hold (u64::MAX: no limit).
    max_pages: AtomicU64,
    /// Whether its pages count toward the limit of all instances together (all but the root
    /// the initramfs is unpacked into, which may be larger than half of RAM).
    in_all: bool,
    /// Bytes of extended attributes its nodes hold.
    xattrs: xattr::Budget,
    /// Its mount's access-time flags (MS_NOATIME, MS_NODIRATIME, MS_STRICTATIME).
    atime_flags: AtomicU64,
}

/// Pages held by all in-memory file systems together, and the most they may hold: half of RAM
/// (the kernel sets it with the default size). Each tmpfs is limited to its own `size=` too; this
/// keeps several of them (the root, /tmp, /dev, mounts) from taking all memory between them,
/// which the OOM killer could not give back (Linux lets them, and then panics "no killable
/// processes").
static ALL_PAGES: AtomicU64 = AtomicU64::new(0);
static ALL_MAX_PAGES: AtomicU64 = AtomicU64::new(u64::MAX);

/// Bytes of file data held by all in-memory file systems (the OOM report, /proc/meminfo's Shmem).
pub fn bytes_held() -> u64 {
    HELD_PAGES.load(Ordering::Relaxed) * PAGE as u64
}

/// Pages held by all instances, the boot root included (which `ALL_PAGES` leaves out).
static HELD_PAGES: AtomicU64 = AtomicU64::new(0);

fn charge_all(n: u64) -> SysResult<()> {
    let max = ALL_MAX_PAGES.load(Ordering::Relaxed);
    ALL_PAGES
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| used.checked_add(n).filter(|&u| u <= max))
        .map(|_| ())
        .map_err(|_| Errno::ENOSPC)
}

impl Shared {
    /// Take `n` more pages of the instance's room (and of all instances' together): ENOSPC if
    /// it has not that many left.
    fn charge(&self, n: u64) -> SysResult<()> {
        let max = self.max_pages.load(Ordering::Relaxed);
        self.pages
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| used.checked_add(n).filter(|&u| u <= max))
            .map_err(|_| Errno::ENOSPC)?;
        if self.in_all {
            charge_all(n).inspect_err(|_| {
                self.pages.fetch_sub(n, Ordering::Relaxed);
            })?;
        }
        HELD_PAGES.fetch_add(n, Ordering::Relaxed);
        Ok(())
    }
    fn uncharge(&self, n: u64) {
        self.pages.fetch_sub(n, Ordering::Relaxed);
        HELD_PAGES.fetch_sub(n, Ordering::Relaxed);
        if self.in_all {
            ALL_PAGES.fetch_sub(n, Ordering::Relaxed);
        }
    }
}

/// Metadata common to all ramfs nodes.
struct Meta {
    sb: Once<Arc<Shared>>,
    ino: u64,
    attr: Mutex<Attr>,
    xattrs: Xattrs,
}

struct Attr {
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u32,
    atime: (i64, u32),
    mtime: (i64, u32),
    ctime: (i64, u32),
}

impl Meta {
    fn new(mode: u32, sb: Option<&Arc<Shared>>) -> Meta {
        let t = now();
        let m = Meta {
            sb: Once::new(),
            ino: next_ino(),
            attr: Mutex::new(Attr { mode: mode & 0o7777, uid: 0, gid: 0, nlink: 1, atime: t, mtime: t, ctime: t }),
            xattrs: Xattrs::new(),
        };
        if let Some(sb) = sb {
            m.join(sb);
        }
        m
    }
    /// Become part of the instance `sb` (once).
    fn join(&self, sb: &Arc<Shared>) {
        if self.sb.get().is_none() {
            sb.inodes.fetch_add(1, Ordering::Relaxed);
            self.sb.call_once(|| sb.clone());
        }
    }
    fn dev(&self) -> u64 {
        self.sb.get().map_or(0, |s| s.dev)
    }
    fn stat(&self, kind: FileKind, size: u64, blocks: u64) -> Stat {
        let a = self.attr.lock();
        Stat {
            st_dev: self.dev(),
            st_ino: self.ino,
            st_mode: kind.mode_bits() | a.mode,
            st_nlink: a.nlink,
            st_uid: a.uid,
            st_gid: a.gid,
            st_size: size as i64,
            st_blksize: PAGE as i32,
            st_blocks: blocks as i64,
            st_atime: a.atime.0,
            st_atime_nsec: a.atime.1 as u64,
            st_mtime: a.mtime.0,
            st_mtime_nsec: a.mtime.1 as u64,
            st_ctime: a.ctime.0,
            st_ctime_nsec: a.ctime.1 as u64,
            ..Stat::default()
        }
    }
    /// Contents changed: mtime and ctime.
    fn modified(&self) {
        let t = now();
        let mut a = self.attr.lock();
        a.mtime = t;
        a.ctime = t;
    }
    /// Metadata changed: ctime.
    fn changed(&self) {
        self.attr.lock().ctime = now();
    }
    /// Read (a directory listed, with `dir`): atime, as the mount says: never with
    /// MS_NOATIME (or MS_NODIRATIME for a directory), always with MS_STRICTATIME, and otherwise
    /// by Linux's default `relatime` rule (only if it is not newer than the last change), so
    /// that "was it read since it was written" still works.
    fn accessed(&self, dir: bool) {
        let flags = self.sb.get().map_or(0, |s| s.atime_flags.load(Ordering::Relaxed));
        if flags & MS_NOATIME != 0 || (dir && flags & MS_NODIRATIME != 0) {
            return;
        }
        let mut a = self.attr.lock();
        if flags & MS_STRICTATIME != 0 || a.atime <= a.mtime || a.atime <= a.ctime {
            a.atime = now();
        }
    }
    fn set_attr(&self, kind: FileKind, s: &SetAttr) {
        let t = now();
        let at = |v: TimeSet| match v {
            TimeSet::Now => t,
            TimeSet::At(sec, nsec) => (sec, nsec),
        };
        let mut a = self.attr.lock();
        if let Some(m) = s.mode {
            a.mode = m & 0o7777;
        }
        let owner_change = s.uid.is_some() || s.gid.is_some();
        if let Some(u) = s.uid {
            a.uid = u;
        }
        if let Some(g) = s.gid {
            a.gid = g;
        }
        // chown of a non-directory drops set-user-ID, and set-group-ID when group-executable.
        if owner_change && kind != FileKind::Directory && s.mode.is_none() {
            a.mode &= !abi::flags::S_ISUID;
            if a.mode & abi::flags::S_IXGRP != 0 {
                a.mode &= !abi::flags::S_ISGID;
            }
        }
        if let Some(v) = s.atime {
            a.atime = at(v);
        }
        if let Some(v) = s.mtime {
            a.mtime = at(v);
        }
        a.ctime = t;
    }
    fn add_link(&self, d: i32) {
        let mut a = self.attr.lock();
        a.nlink = (a.nlink as i32 + d).max(0) as u32;
        a.ctime = now();
    }
}

impl Drop for Meta {
    fn drop(&mut self) {
        if let Some(sb) = self.sb.get() {
            sb.inodes.fetch_sub(1, Ordering::Relaxed);
            sb.xattrs.uncharge(self.xattrs.used());
        }
    }
}

/// Extended attributes of a node: kept in its [`Meta`], charged to its instance (a node that
/// belongs to none yet has none: EOPNOTSUPP). Setting or removing one changes ctime.
impl Meta {
    fn get_xattr(&self, name: &[u8], buf: &mut [u8]) -> SysResult<usize> {
        self.xattrs.get(name, buf)
    }
    fn set_xattr(&self, name: &[u8], value: &[u8], flags: u32) -> SysResult<()> {
        let sb = self.sb.get().ok_or(Errno::EOPNOTSUPP)?;
        self.xattrs.set(&sb.xattrs, name, value, flags)?;
        self.changed();
        Ok(())
    }
    fn remove_xattr(&self, name: &[u8]) -> SysResult<()> {
        let sb = self.sb.get().ok_or(Errno::EOPNOTSUPP)?;
        self.xattrs.remove(&sb.xattrs, name)?;
        self.changed();
        Ok(())
    }
    fn list_xattr(&self, trusted: bool, buf: &mut [u8]) -> SysResult<usize> {
        self.xattrs.list(trusted, buf)
    }
}

/// The xattr methods of an [`Inode`] whose `meta` field holds them.
macro_rules! xattrs_in_meta {
    () => {
        fn get_xattr(&self, name: &[u8], buf: &mut [u8]) -> SysResult<usize> {
            self.meta.get_xattr(name, buf)
        }
        fn set_xattr(&self, name: &[u8], value: &[u8], flags: u32) -> SysResult<()> {
            self.meta.set_xattr(name, value, flags)
        }
        fn remove_xattr(&self, name: &[u8]) -> SysResult<()> {
            self.meta.remove_xattr(name)
        }
        fn list_xattr(&self, trusted: bool, buf: &mut [u8]) -> SysResult<usize> {
            self.meta.list_xattr(trusted, buf)
        }
    };
}

/// The ramfs metadata of `node`, if it is a ramfs node.
fn meta_of(node: &dyn Inode) -> Option<&Meta> {
    let any = node.as_any()?;
    if let Some(f) = any.downcast_ref::<RamFile>() {
        return Some(&f.meta);
    }
    if let Some(s) = any.downcast_ref::<RamSymlink>() {
        return Some(&s.meta);
    }
    if let Some(d) = any.downcast_ref::<RamDir>() {
        return Some(&d.meta);
    }
    if let Some(f) = any.downcast_ref::<RamFifo>() {
        return Some(&f.meta);
    }
    if let Some(d) = any.downcast_ref::<RamDevice>() {
        return Some(&d.meta);
    }
    None
}

/// The ramfs file behind `node`, if it is one (seals).
pub fn as_ramfile(node: &dyn Inode) -> Option<&RamFile> {
    node.as_any()?.downcast_ref::<RamFile>()
}

/// [`RamFile::seals`] of a file that is not a memfd.
const NOT_SEALABLE: u32 = u32::MAX;

/// The tmpfs instance that holds unnamed files (memfd_create), Linux's internal `shm_mnt`: it
/// is mounted nowhere, and its size is the default tmpfs size.
pub fn unnamed_files() -> &'static Arc<RamFs> {
    static FS: Once<Arc<RamFs>> = Once::new();
    FS.call_once(|| RamFs::new("tmpfs"))
}

/// A regular file.
pub struct RamFile {
    meta: Meta,
    /// Its seals (F_ADD_SEALS), or [`NOT_SEALABLE`]: only a memfd has seals.
    seals: AtomicU32,
    /// The file's data: its page cache is all there is of it.
    data: Mutex<PageCache>,
}

impl RamFile {
    /// A file on its own (it joins the file system it is linked into). Kernel-made, so outside
    /// any size limit until then.
    pub fn new(mode: u32, data: Vec<u8>) -> Arc<RamFile> {
        let f = Arc::new(RamFile {
            meta: Meta::new(mode, None),
            seals: AtomicU32::new(NOT_SEALABLE),
            data: Mutex::new(PageCache::default()),
        });
        if !data.is_empty() {
            f.write_at(0, &data).expect("in-memory write");
        }
        f
    }
    fn new_in(mode: u32, sb: &Arc<Shared>) -> Arc<RamFile> {
        Arc::new(RamFile {
            meta: Meta::new(mode, Some(sb)),
            seals: AtomicU32::new(NOT_SEALABLE),
            data: Mutex::new(PageCache::default()),
        })
    }
    /// Its seals; EINVAL for a file that cannot have any (not a memfd), as F_GET_SEALS.
    pub fn seals(&self) -> SysResult<u32> {
        match self.seals.load(Ordering::Relaxed) {
            NOT_SEALABLE => Err(Errno::EINVAL),
            s => Ok(s),
        }
    }
    /// F_ADD_SEALS, with Linux's checks (mm/memfd.c): unknown bits EINVAL, a sealed seal
    /// EPERM, and F_SEAL_WRITE EBUSY while a shared mapping may write the file.
    pub fn add_seals(&self, seals: u32) -> SysResult<()> {
        use abi::flags::*;
        let now = self.seals()?;
        if seals & !(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) != 0 {
            return Err(Errno::EINVAL);
        }
        if now & F_SEAL_SEAL != 0 {
            return Err(Errno::EPERM);
        }
        if seals & F_SEAL_WRITE != 0 && now & F_SEAL_WRITE == 0 && mm::cache::writably_mapped(mm::cache::file_id(self))
        {
            return Err(Errno::EBUSY);
        }
        self.seals.fetch_or(seals, Ordering::Relaxed);
        Ok(())
    }
    /// Whether a seal forbids writing (stores through new shared mappings too).
    pub fn write_sealed(&self) -> bool {
        self.seals().is_ok_and(|s| s & (abi::flags::F_SEAL_WRITE | abi::flags::F_SEAL_FUTURE_WRITE) != 0)
    }
    /// EPERM if a seal forbids changing the size from `old` to `new`.
    fn check_resize(&self, old: u64, new: u64) -> SysResult<()> {
        let seals = self.seals().unwrap_or(0);
        if (new < old && seals & abi::flags::F_SEAL_SHRINK != 0) || (new > old && seals & abi::flags::F_SEAL_GROW != 0)
        {
            return Err(Errno::EPERM);
        }
        Ok(())
    }
    /// A new page for the file: within its instance's room (ENOSPC) and the free memory (ENOMEM).
    fn new_page(&self) -> SysResult<Frame> {
        if let Some(sb) = self.meta.sb.get() {
            sb.charge(1)?;
        }
        Frame::alloc().ok_or_else(|| {
            self.pages_gone(1);
            Errno::ENOMEM
        })
    }
    /// `n` pages of the file were freed.
    fn pages_gone(&self, n: u64) {
        if let Some(sb) = self.meta.sb.get() {
            sb.uncharge(n);
        }
    }
}

impl Drop for RamFile {
    fn drop(&mut self) {
        let n = self.data.get_mut().resident();
        self.pages_gone(n);
    }
}

impl Inode for RamFile {
    xattrs_in_meta!();
    fn kind(&self) -> FileKind {
        FileKind::Regular
    }
    fn stat(&self) -> Stat {
        let (size, pages) = {
            let d = self.data.lock();
            (d.size(), d.resident())
        };
        self.meta.stat(FileKind::Regular, size, pages * (PAGE as u64 / 512))
    }
    fn id(&self) -> (u64, u64) {
        (self.meta.dev(), self.meta.ino)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        let n = self.data.lock().read_at(offset, buf);
        self.meta.accessed(false);
        Ok(n)
    }
    /// Writes what fits: when the instance is full (ENOSPC) or memory runs out (ENOMEM) after
    /// some bytes were written, the count so far, as Linux's short write.
    fn write_at(&self, offset: u64, buf: &[u8]) -> SysResult<usize> {
        let end = offset.checked_add(buf.len() as u64).filter(|&e| e <= MAX_FILE_SIZE).ok_or(Errno::EFBIG)?;
        if self.write_sealed() {
            return Err(Errno::EPERM);
        }
        let mut data = self.data.lock();
        let size = data.size();
        self.check_resize(size, end.max(size))?;
        let (done, failed) = data.write_at(offset, buf, || self.new_page());
        drop(data);
        match failed {
            Some(err) if done == 0 => return Err(err),
            _ => {}
        }
        self.meta.modified();
        Ok(done)
    }
    fn truncate(&self, len: u64) -> SysResult<()> {
        if len > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        let cut = {
            let mut data = self.data.lock();
            self.check_resize(data.size(), len)?;
            data.truncate(len)
        };
        if let Some(index) = cut.unmap_from {
            mm::cache::unmap_past(mm::cache::file_id(self), index);
        }
        self.pages_gone(cut.freed);
        self.meta.modified();
        Ok(())
    }
    /// Every page of the range is given a frame now, charged to the instance: ENOSPC (or
    /// ENOMEM) when they do not all fit, and then the pages this call added go again, as
    /// Linux's shmem_fallocate undoes a failed allocation.
    fn allocate(&self, offset: u64, end: u64, keep_size: bool) -> SysResult<()> {
        if end > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        let mut data = self.data.lock();
        let size = data.size();
        // Write seals do not stop it (the bytes stay what they were); F_SEAL_GROW stops any
        // range past the end, even with KEEP_SIZE (shmem_fallocate).
        self.check_resize(size, end.max(size))?;
        let new_size = if keep_size { size } else { end.max(size) };
        // The pages this call adds, to take back if the range does not fit.
        let mut added = Vec::new();
        for index in offset / PAGE as u64..end.div_ceil(PAGE as u64) {
            let mut fresh = false;
            let r = added.try_reserve(1).map_err(|_| Errno::ENOMEM).and_then(|()| {
                data.get_or_insert(index, || {
                    fresh = true;
                    self.new_page()
                })
                .map(drop)
            });
            match r {
                Ok(()) if fresh => added.push(index),
                Ok(()) => {}
                Err(e) => {
                    // A failed new page was never inserted nor charged (see `new_page`).
                    let gone = data.remove_pages(&added);
                    drop(data);
                    self.pages_gone(gone);
                    return Err(e);
                }
            }
        }
        if new_size > size {
            data.truncate(new_size);
        }
        drop(data);
        self.meta.modified();
        Ok(())
    }
    fn file_pages(self: Arc<Self>) -> Option<Arc<dyn FilePages>> {
        Some(self)
    }
    fn set_attr(&self, attr: &SetAttr) -> SysResult<()> {
        self.meta.set_attr(FileKind::Regular, attr);
        Ok(())
    }
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

impl FilePages for RamFile {
    /// The file's own frame: the cache is the file.
    fn page(&self, index: u64, _shared: bool) -> SysResult<Option<Arc<Frame>>> {
        self.data.lock().map_page(index, || self.new_page())
    }
    fn lookup(&self, index: u64) -> SysResult<(u64, Option<Arc<Frame>>)> {
        Ok(self.data.lock().lookup(index))
    }
    fn accessed(&self) {
        self.meta.accessed(false);
    }
    fn cached(&self, index: u64) -> bool {
        self.data.lock().get(index).is_some()
    }
}

/// A symbolic link.
pub struct RamSymlink {
    meta: Meta,
    target: String,
}

impl RamSymlink {
    /// A link on its own (it joins the file system it is linked into).
    pub fn new(target: &str) -> Arc<RamSymlink> {
        Arc::new(RamSymlink { meta: Meta::new(0o777, None), target: target.to_string() })
    }
}

impl Inode for RamSymlink {
    xattrs_in_meta!();
    fn kind(&self) -> FileKind {
        FileKind::Symlink
    }
    fn stat(&self) -> Stat {
        self.meta.stat(FileKind::Symlink, self.target.len() as u64, 0)
    }
    fn id(&self) -> (u64, u64) {
        (self.meta.dev(), self.meta.ino)
    }
    fn read_link(&self) -> SysResult<String> {
        self.meta.accessed(false);
        Ok(self.target.clone())
    }
    fn set_attr(&self, attr: &SetAttr) -> SysResult<()> {
        // A link's own permission bits are always 0777 (chmod follows links anyway).
        let attr = SetAttr { mode: None, ..*attr };
        self.meta.set_attr(FileKind::Symlink, &attr);
        Ok(())
    }
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

/// A named pipe (mkfifo): metadata of its own, data through a [`Pipe`].
pub struct RamFifo {
    meta: Meta,
    pipe: Arc<Pipe>,
}

impl Inode for RamFifo {
    xattrs_in_meta!();
    fn kind(&self) -> FileKind {
        FileKind::Fifo
    }
    fn stat(&self) -> Stat {
        self.meta.stat(FileKind::Fifo, 0, 0)
    }
    fn id(&self) -> (u64, u64) {
        (self.meta.dev(), self.meta.ino)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        self.pipe.read_at(offset, buf)
    }
    fn write_at(&self, offset: u64, buf: &[u8]) -> SysResult<usize> {
        self.pipe.write_at(offset, buf)
    }
    fn truncate(&self, _len: u64) -> SysResult<()> {
        Ok(())
    }
    fn seekable(&self) -> bool {
        false
    }
    fn poll(&self) -> PollEvents {
        self.pipe.poll()
    }
    fn poll_access(&self, access: Access) -> PollEvents {
        self.pipe.poll_access(access)
    }
    fn wait_queue(&self) -> Option<&WaitQueue> {
        self.pipe.wait_queue()
    }
    fn opened(&self, access: Access) {
        self.pipe.opened(access)
    }
    fn released(&self, access: Access) {
        self.pipe.released(access)
    }
    fn fsync(&self) -> SysResult<()> {
        Err(Errno::EINVAL)
    }
    fn set_attr(&self, attr: &SetAttr) -> SysResult<()> {
        self.meta.set_attr(FileKind::Fifo, attr);
        Ok(())
    }
    fn as_fifo(&self) -> Option<&Pipe> {
        Some(&self.pipe)
    }
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

/// A socket's name in the file system (bind(2) of an AF_UNIX address makes it): metadata only.
/// Connecting finds the socket bound to it by the node's identity; opening it is ENXIO.
pub struct RamSocket {
    meta: Meta,
}

impl Inode for RamSocket {
    xattrs_in_meta!();
    fn kind(&self) -> FileKind {
        FileKind::Socket
    }
    fn stat(&self) -> Stat {
        self.meta.stat(FileKind::Socket, 0, 0)
    }
    fn id(&self) -> (u64, u64) {
        (self.meta.dev(), self.meta.ino)
    }
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> SysResult<usize> {
        Err(Errno::ENXIO)
    }
    fn write_at(&self, _offset: u64, _buf: &[u8]) -> SysResult<usize> {
        Err(Errno::ENXIO)
    }
    fn seekable(&self) -> bool {
        false
    }
    fn mappable(&self) -> bool {
        false
    }
    fn set_attr(&self, attr: &SetAttr) -> SysResult<()> {
        self.meta.set_attr(FileKind::Socket, attr);
        Ok(())
    }
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

/// A device node mknod(2) made: metadata (owner, times, xattrs) of its own, I/O by the driver
/// of its number ([`crate::dev::driver_of`]; open is ENXIO when no driver has it).
pub struct RamDevice {
    meta: Meta,
    kind: FileKind,
    rdev: u64,
    driver: InodeRef,
}

impl RamDevice {
    fn driver(&self) -> &InodeRef {
        &self.driver
    }
}

impl Inode for RamDevice {
    xattrs_in_meta!();
    crate::dev::forward_to_driver!();
    fn kind(&self) -> FileKind {
        self.kind
    }
    fn stat(&self) -> Stat {
        Stat { st_rdev: self.rdev, ..self.meta.stat(self.kind, 0, 0) }
    }
    fn id(&self) -> (u64, u64) {
        (self.meta.dev(), self.meta.ino)
    }
    fn set_attr(&self, attr: &SetAttr) -> SysResult<()> {
        self.meta.set_attr(self.kind, attr);
        Ok(())
    }
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

/// A directory.
pub struct RamDir {
    meta: Meta,
    parent: Mutex<Weak<RamDir>>,
    this: Weak<RamDir>,
    entries: Mutex<BTreeMap<String, InodeRef>>,
}

impl RamDir {
    /// The root of a new, empty ramfs instance with its own device number (its ".." is itself).
    pub fn new_root() -> Arc<RamDir> {
        Self::root_of(true)
    }

    /// The root of the instance the initramfs is unpacked into: it holds whatever the archive
    /// brings (no limit of its own while unpacking, and none of all instances together), so an
    /// initramfs bigger than half of RAM boots; once mounted (`RamFs::from_root`) it may grow
    /// only to the default size.
    pub fn new_boot_root() -> Arc<RamDir> {
        Self::root_of(false)
    }

    fn root_of(in_all: bool) -> Arc<RamDir> {
        let sb = Arc::new(Shared {
            dev: alloc_dev(),
            pages: AtomicU64::new(0),
            inodes: AtomicU64::new(0),
            max_pages: AtomicU64::new(u64::MAX),
            in_all,
            xattrs: xattr::Budget::new(xattr::PER_FS_MAX),
            atime_flags: AtomicU64::new(0),
        });
        Self::new_child(Weak::new(), 0o755, &sb)
    }

    fn new_child(parent: Weak<RamDir>, mode: u32, sb: &Arc<Shared>) -> Arc<RamDir> {
        Arc::new_cyclic(|this| RamDir {
            meta: Meta::new(mode, Some(sb)),
            parent: Mutex::new(parent),
            this: this.clone(),
            entries: Mutex::new(BTreeMap::new()),
        })
    }

    fn sb(&self) -> &Arc<Shared> {
        self.meta.sb.get().expect("a directory always belongs to an instance")
    }

    fn check_name(name: &str) -> SysResult<()> {
        if name.is_empty() || name == "." || name == ".." || name.contains('/') {
            return Err(Errno::EINVAL);
        }
        if name.len() > 255 {
            return Err(Errno::ENAMETOOLONG);
        }
        Ok(())
    }

    /// This directory as a shared reference.
    pub fn arc(&self) -> Arc<RamDir> {
        self.this.upgrade().expect("a live directory")
    }

    /// Make a subdirectory `name` whose ".." is this directory.
    pub fn mkdir(&self, name: &str, mode: u32) -> SysResult<InodeRef> {
        self.create(name, FileKind::Directory, mode)
    }

    /// Whether the directory has no entries besides "." and "..".
    pub fn is_empty(&self) -> bool {
        self.entries.lock().is_empty()
    }

    /// A node that has just lost the name it had here (unlink, or replaced by rename).
    fn forget(node: &InodeRef) {
        if node.kind() == FileKind::Directory {
            if let Some(d) = node.as_any().and_then(|a| a.downcast_ref::<RamDir>()) {
                d.meta.attr.lock().nlink = 0;
                d.meta.changed();
            }
        } else if let Some(m) = meta_of(&**node) {
            m.add_link(-1);
        }
    }
}

impl Inode for RamDir {
    xattrs_in_meta!();
    fn kind(&self) -> FileKind {
        FileKind::Directory
    }
    fn stat(&self) -> Stat {
        let mut st = self.meta.stat(FileKind::Directory, PAGE as u64, 0);
        let subdirs = self.entries.lock().values().filter(|e| e.kind() == FileKind::Directory).count() as u32;
        // A removed directory has no links left, not even its own ".".
        if st.st_nlink > 0 {
            st.st_nlink = 2 + subdirs;
        }
        st
    }
    fn id(&self) -> (u64, u64) {
        (self.meta.dev(), self.meta.ino)
    }
    fn set_attr(&self, attr: &SetAttr) -> SysResult<()> {
        self.meta.set_attr(FileKind::Directory, attr);
        Ok(())
    }
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
    fn lookup(&self, name: &str) -> SysResult<InodeRef> {
        match name {
            "." | "" => Ok(self.this.upgrade().ok_or(Errno::ENOENT)?),
            ".." => {
                let p = self.parent.lock().upgrade();
                Ok(match p {
                    Some(p) => p,
                    None => self.this.upgrade().ok_or(Errno::ENOENT)?,
                })
            }
            _ => self.entries.lock().get(name).cloned().ok_or(Errno::ENOENT),
        }
    }
    fn create(&self, name: &str, kind: FileKind, mode: u32) -> SysResult<InodeRef> {
        Self::check_name(name)?;
        let mut entries = self.entries.lock();
        if entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let node: InodeRef = match kind {
            FileKind::Regular => RamFile::new_in(mode, self.sb()),
            FileKind::Directory => RamDir::new_child(self.this.clone(), mode, self.sb()),
            FileKind::Fifo => Arc::new(RamFifo { meta: Meta::new(mode, Some(self.sb())), pipe: Pipe::new() }),
            FileKind::Socket => Arc::new(RamSocket { meta: Meta::new(mode, Some(self.sb())) }),
            _ => return Err(Errno::EPERM),
        };
        entries.insert(name.to_string(), node.clone());
        self.meta.modified();
        Ok(node)
    }
    fn mknod(&self, name: &str, kind: FileKind, mode: u32, rdev: u64) -> SysResult<InodeRef> {
        if !matches!(kind, FileKind::CharDevice | FileKind::BlockDevice) {
            return self.create(name, kind, mode);
        }
        Self::check_name(name)?;
        let mut entries = self.entries.lock();
        if entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let driver = crate::dev::driver_of(kind, rdev);
        let node = Arc::new(RamDevice { meta: Meta::new(mode, Some(self.sb())), kind, rdev, driver });
        entries.insert(name.to_string(), node.clone());
        self.meta.modified();
        Ok(node)
    }
    fn symlink(&self, name: &str, target: &str) -> SysResult<InodeRef> {
        Self::check_name(name)?;
        let mut entries = self.entries.lock();
        if entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let node = Arc::new(RamSymlink { meta: Meta::new(0o777, Some(self.sb())), target: target.to_string() });
        entries.insert(name.to_string(), node.clone());
        self.meta.modified();
        Ok(node)
    }
    fn link(&self, name: &str, node: InodeRef) -> SysResult<()> {
        Self::check_name(name)?;
        let mut entries = self.entries.lock();
        if entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        if let Some(m) = meta_of(&*node) {
            if m.sb.get().is_none() {
                // A node made on its own joins this instance (keeping its single link).
                m.join(self.sb());
                if let Some(f) = node.as_any().and_then(|a| a.downcast_ref::<RamFile>()) {
                    // Kernel-made contents count, even beyond the limit.
                    let n = f.data.lock().resident();
                    self.sb().pages.fetch_add(n, Ordering::Relaxed);
                    HELD_PAGES.fetch_add(n, Ordering::Relaxed);
                    if self.sb().in_all {
                        ALL_PAGES.fetch_add(n, Ordering::Relaxed);
                    }
                }
            } else if node.kind() != FileKind::Directory {
                m.add_link(1);
            }
        }
        if let Some(d) = node.as_any().and_then(|a| a.downcast_ref::<RamDir>()) {
            *d.parent.lock() = self.this.clone();
        }
        entries.insert(name.to_string(), node);
        self.meta.modified();
        Ok(())
    }
    fn unlink(&self, name: &str) -> SysResult<()> {
        let node = self.entries.lock().remove(name).ok_or(Errno::ENOENT)?;
        self.meta.modified();
        Self::forget(&node);
        Ok(())
    }
    fn rmdir(&self, name: &str) -> SysResult<()> {
        let mut entries = self.entries.lock();
        let node = entries.get(name).ok_or(Errno::ENOENT)?;
        match node.as_any().and_then(|a| a.downcast_ref::<RamDir>()) {
            Some(d) if !d.is_empty() => return Err(Errno::ENOTEMPTY),
            Some(_) => {}
            None if node.kind() == FileKind::Directory => return Err(Errno::EPERM),
            None => return Err(Errno::ENOTDIR),
        }
        let node = entries.remove(name).expect("present");
        drop(entries);
        self.meta.modified();
        Self::forget(&node);
        Ok(())
    }
    fn rename(&self, old_name: &str, new_dir: &InodeRef, new_name: &str, mode: RenameMode) -> SysResult<()> {
        Self::check_name(new_name)?;
        let target = new_dir.as_any().and_then(|a| a.downcast_ref::<RamDir>()).ok_or(Errno::EXDEV)?;
        if target.meta.dev() != self.meta.dev() {
            return Err(Errno::EXDEV);
        }
        let same_dir = core::ptr::eq(self, target);
        // Lock both maps (in address order, for SMP later), or one if they are the same.
        let mut maps = if same_dir {
            Maps::One(self.entries.lock())
        } else if (self as *const RamDir) < (target as *const RamDir) {
            let a = self.entries.lock();
            Maps::Two(a, target.entries.lock())
        } else {
            let b = target.entries.lock();
            Maps::Two(self.entries.lock(), b)
        };
        let node = maps.src().get(old_name).cloned().ok_or(Errno::ENOENT)?;
        let victim = maps.dst().get(new_name).cloned();
        match mode {
            RenameMode::Exchange => {
                let other = victim.ok_or(Errno::ENOENT)?;
                maps.src().insert(old_name.to_string(), other.clone());
                maps.dst().insert(new_name.to_string(), node.clone());
                if let Some(d) = other.as_any().and_then(|a| a.downcast_ref::<RamDir>()) {
                    *d.parent.lock() = self.this.clone();
                }
                if let Some(d) = node.as_any().and_then(|a| a.downcast_ref::<RamDir>()) {
                    *d.parent.lock() = target.this.clone();
                }
                if let Some(m) = meta_of(&*other) {
                    m.changed();
                }
            }
            RenameMode::NoReplace if victim.is_some() => return Err(Errno::EEXIST),
            _ => {
                if let Some(v) = &victim {
                    if Arc::ptr_eq(v, &node) || v.id() == node.id() {
                        // Two names of one file: nothing happens (POSIX).
                        return Ok(());
                    }
                    if let Some(d) = v.as_any().and_then(|a| a.downcast_ref::<RamDir>()) {
                        // The victim may be the source directory itself (rename("d/e", "d")),
                        // whose entries are locked already: it holds `old_name`, so it is not
                        // empty.
                        if core::ptr::eq(d, self) || !d.is_empty() {
                            return Err(Errno::ENOTEMPTY);
                        }
                    }
                }
                maps.src().remove(old_name);
                maps.dst().insert(new_name.to_string(), node.clone());
                if let Some(d) = node.as_any().and_then(|a| a.downcast_ref::<RamDir>()) {
                    *d.parent.lock() = target.this.clone();
                }
                if let Some(v) = &victim {
                    Self::forget(v);
                }
            }
        }
        drop(maps);
        if let Some(m) = meta_of(&*node) {
            m.changed();
        }
        self.meta.modified();
        if !same_dir {
            target.meta.modified();
        }
        Ok(())
    }
    fn read_dir(&self) -> SysResult<Vec<DirEntry>> {
        let parent_ino = self.lookup("..")?.id().1;
        let mut v = vec![
            DirEntry { name: ".".to_string(), ino: self.meta.ino, kind: FileKind::Directory },
            DirEntry { name: "..".to_string(), ino: parent_ino, kind: FileKind::Directory },
        ];
        for (name, node) in self.entries.lock().iter() {
            v.push(DirEntry { name: name.clone(), ino: node.id().1, kind: node.kind() });
        }
        self.meta.accessed(true);
        Ok(v)
    }
    fn visit_dir(&self, start: usize, f: &mut dyn FnMut(&str, u64, FileKind) -> bool) -> SysResult<()> {
        self.meta.accessed(true);
        let dots = [(".", self.meta.ino), ("..", self.lookup("..")?.id().1)];
        for (name, ino) in dots.into_iter().skip(start) {
            if !f(name, ino, FileKind::Directory) {
                return Ok(());
            }
        }
        for (name, node) in self.entries.lock().iter().skip(start.saturating_sub(2)) {
            if !f(name, node.id().1, node.kind()) {
                break;
            }
        }
        Ok(())
    }
}

type EntryMap = BTreeMap<String, InodeRef>;

/// The locked entry maps of a rename's source and target directories (one map if they are the
/// same directory).
enum Maps<'a> {
    One(MutexGuard<'a, EntryMap>),
    Two(MutexGuard<'a, EntryMap>, MutexGuard<'a, EntryMap>),
}

impl Maps<'_> {
    fn src(&mut self) -> &mut EntryMap {
        match self {
            Maps::One(m) | Maps::Two(m, _) => m,
        }
    }
    fn dst(&mut self) -> &mut EntryMap {
        match self {
            Maps::One(m) | Maps::Two(_, m) => m,
        }
    }
}

/// One ramfs/tmpfs instance: a file system to mount.
pub struct RamFs {
    root: Arc<RamDir>,
    /// "tmpfs", "ramfs", "devtmpfs", ...
    name: &'static str,
    magic: i64,
    /// Size limit in bytes: its files hold at most this much (ENOSPC), statfs reports it.
    size: u64,
}

impl RamFs {
    /// A new, empty instance of type `name` (tmpfs semantics, ramfs magic for "ramfs").
    pub fn new(name: &'static str) -> Arc<RamFs> {
        Self::with_size(name, DEFAULT_SIZE.load(Ordering::Relaxed))
    }
    pub fn with_size(name: &'static str, size: u64) -> Arc<RamFs> {
        Self::from_root_sized(name, RamDir::new_root(), size)
    }
    /// An instance around an existing root (the initramfs unpacked before anything was
    /// mounted), with the default size limit (its contents count, even beyond it).
    pub fn from_root(name: &'static str, root: Arc<RamDir>) -> Arc<RamFs> {
        Self::from_root_sized(name, root, DEFAULT_SIZE.load(Ordering::Relaxed))
    }
    fn from_root_sized(name: &'static str, root: Arc<RamDir>, size: u64) -> Arc<RamFs> {
        let magic = if name == "ramfs" { RAMFS_MAGIC } else { TMPFS_MAGIC };
        root.sb().max_pages.store(size / PAGE as u64, Ordering::Relaxed);
        Arc::new(RamFs { root, name, magic, size })
    }
    /// A regular file of this instance with no name (memfd_create): its link count is 0 and it
    /// lives as long as a descriptor or a mapping holds it. It takes seals (none yet).
    pub fn unnamed_file(&self, mode: u32) -> Arc<RamFile> {
        let f = RamFile::new_in(mode, self.root.sb());
        f.meta.attr.lock().nlink = 0;
        f.seals.store(0, Ordering::Relaxed);
        f
    }

    pub fn root_dir(&self) -> &Arc<RamDir> {
        &self.root
    }
}

/// Parse a tmpfs `size=` value: bytes with an optional k/m/g suffix, or a percentage of the
/// default size.
pub fn parse_size(v: &str) -> SysResult<u64> {
    let (num, mul) = match v.as_bytes().last() {
        Some(b'k' | b'K') => (&v[..v.len() - 1], 1u64 << 10),
        Some(b'm' | b'M') => (&v[..v.len() - 1], 1 << 20),
        Some(b'g' | b'G') => (&v[..v.len() - 1], 1 << 30),
        Some(b'%') => {
            let pct: u64 = v[..v.len() - 1].parse().map_err(|_| Errno::EINVAL)?;
            return Ok(DEFAULT_SIZE.load(Ordering::Relaxed) * 2 / 100 * pct);
        }
        _ => (v, 1),
    };
    num.parse::<u64>().ok().and_then(|n| n.checked_mul(mul)).ok_or(Errno::EINVAL)
}

impl FileSystem for RamFs {
    fn fs_type(&self) -> &str {
        self.name
    }
    fn root(&self) -> InodeRef {
        self.root.clone()
    }
    fn mount_flags(&self, flags: u64) {
        self.root.sb().atime_flags.store(flags & (MS_NOATIME | MS_NODIRATIME | MS_STRICTATIME), Ordering::Relaxed);
    }
    fn statfs(&self) -> StatFs {
        let sb = self.root.sb();
        let blocks = self.size / PAGE as u64;
        let used = sb.pages.load(Ordering::Relaxed);
        let files = blocks.max(1024);
        let inodes = sb.inodes.load(Ordering::Relaxed);
        StatFs {
            magic: self.magic,
            bsize: PAGE as u64,
            blocks,
            bfree: blocks.saturating_sub(used),
            bavail: blocks.saturating_sub(used),
            files,
            ffree: files.saturating_sub(inodes),
            namelen: 255,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visiting_a_directory_from_any_index_lists_what_read_dir_lists() {
        let root = RamDir::new_root();
        for name in ["b", "a", "sub", "c"] {
            let kind = if name == "sub" { FileKind::Directory } else { FileKind::Regular };
            root.create(name, kind, 0o755).unwrap();
        }
        let all: Vec<(String, u64, FileKind)> =
            root.read_dir().unwrap().into_iter().map(|e| (e.name, e.ino, e.kind)).collect();
        assert_eq!(all.len(), 6);
        for start in 0..=7 {
            let mut seen = Vec::new();
            root.visit_dir(start, &mut |name, ino, kind| {
                seen.push((name.to_string(), ino, kind));
                true
            })
            .unwrap();
            assert_eq!(seen, all[start.min(6)..], "from {start}");
        }
        // It stops when asked to.
        let mut n = 0;
        root.visit_dir(1, &mut |_, _, _| {
            n += 1;
            n < 3
        })
        .unwrap();
        assert_eq!(n, 3);
    }

    #[test]
    fn sparse_files_read_zeros_in_holes_and_count_only_written_pages() {
        let f = RamFile::new(0o644, Vec::new());
        assert_eq!(f.write_at(10_000, b"xy"), Ok(2));
        assert_eq!(f.stat().st_size, 10_002);
        assert_eq!(f.stat().st_blocks, 8, "one page");
        let mut buf = [1u8; 4];
        assert_eq!(f.read_at(9_998, &mut buf), Ok(4));
        assert_eq!(&buf, b"\0\0xy");
        f.truncate(1 << 40).unwrap();
        assert_eq!(f.stat().st_size, 1 << 40);
        assert_eq!(f.stat().st_blocks, 8);
        f.truncate(10_001).unwrap();
        f.truncate(10_002).unwrap();
        assert_eq!(f.read_at(10_000, &mut buf), Ok(2));
        assert_eq!(&buf[..2], b"x\0", "a shrink zeroes the cut-off tail");
        assert_eq!(f.write_at(MAX_FILE_SIZE, b"z"), Err(Errno::EFBIG));
    }

    #[test]
    fn nodes_carry_the_device_of_their_instance() {
        let a = RamDir::new_root();
        let b = RamDir::new_root();
        assert_ne!(a.stat().st_dev, b.stat().st_dev);
        let f = a.create("f", FileKind::Regular, 0o644).unwrap();
        assert_eq!(f.stat().st_dev, a.stat().st_dev);
        let loose = RamFile::new(0o644, b"data".to_vec());
        assert_eq!(loose.stat().st_dev, 0);
        b.link("g", loose.clone()).unwrap();
        assert_eq!(loose.stat().st_dev, b.stat().st_dev);
    }

    #[test]
    fn hard_links_count_and_unlink_drops_the_count() {
        let d = RamDir::new_root();
        let f = d.create("f", FileKind::Regular, 0o644).unwrap();
        d.link("g", f.clone()).unwrap();
        assert_eq!(f.stat().st_nlink, 2);
        d.unlink("f").unwrap();
        assert_eq!(f.stat().st_nlink, 1);
    }

    #[test]
    fn rename_moves_directories_and_fixes_their_parent() {
        let root = RamDir::new_root();
        let a = root.create("a", FileKind::Directory, 0o755).unwrap();
        let b = root.create("b", FileKind::Directory, 0o755).unwrap();
        let sub = a.create("sub", FileKind::Directory, 0o755).unwrap();
        a.rename("sub", &b, "moved", RenameMode::Replace).unwrap();
        assert!(Arc::ptr_eq(&b.lookup("moved").unwrap(), &sub));
        assert_eq!(sub.lookup("..").unwrap().id(), b.id());
        assert_eq!(a.lookup("sub").err(), Some(Errno::ENOENT));
        assert_eq!(a.stat().st_nlink, 2);
        assert_eq!(b.stat().st_nlink, 3);
    }

    #[test]
    fn rename_replaces_exchanges_or_refuses() {
        let root = RamDir::new_root();
        let x = root.create("x", FileKind::Regular, 0o644).unwrap();
        let y = root.create("y", FileKind::Regular, 0o644).unwrap();
        let rt: InodeRef = root.clone();
        assert_eq!(root.rename("x", &rt, "y", RenameMode::NoReplace), Err(Errno::EEXIST));
        root.rename("x", &rt, "y", RenameMode::Exchange).unwrap();
        assert!(Arc::ptr_eq(&root.lookup("y").unwrap(), &x));
        assert!(Arc::ptr_eq(&root.lookup("x").unwrap(), &y));
        root.rename("x", &rt, "y", RenameMode::Replace).unwrap();
        assert!(Arc::ptr_eq(&root.lookup("y").unwrap(), &y));
        assert_eq!(x.stat().st_nlink, 0);
        let d = root.create("d", FileKind::Directory, 0o755).unwrap();
        d.create("inner", FileKind::Regular, 0o644).unwrap();
        root.create("e", FileKind::Directory, 0o755).unwrap();
        assert_eq!(root.rename("e", &rt, "d", RenameMode::Replace), Err(Errno::ENOTEMPTY));
        assert_eq!(root.rmdir("d"), Err(Errno::ENOTEMPTY));
        let other: InodeRef = RamDir::new_root();
        assert_eq!(root.rename("y", &other, "y", RenameMode::Replace), Err(Errno::EXDEV));
    }

    #[test]
    fn fifos_carry_data_through_their_pipe() {
        let root = RamDir::new_root();
        let f = root.create("p", FileKind::Fifo, 0o644).unwrap();
        assert_eq!(f.stat().st_mode, abi::flags::S_IFIFO | 0o644);
        assert_eq!(f.stat().st_dev, root.stat().st_dev);
        f.opened(Access::Read);
        f.opened(Access::Write);
        assert_eq!(f.write_at(0, b"hi"), Ok(2));
        let mut b = [0u8; 4];
        assert_eq!(f.read_at(0, &mut b), Ok(2));
        assert_eq!(f.as_fifo().unwrap().opens(), (1, 1));
    }

    #[test]
    fn times_follow_writes_and_set_attr() {
        let root = RamDir::new_root();
        let f = root.create("f", FileKind::Regular, 0o644).unwrap();
        f.set_attr(&SetAttr { atime: Some(TimeSet::At(5, 6)), mtime: Some(TimeSet::At(7, 8)), ..Default::default() })
            .unwrap();
        let st = f.stat();
        assert_eq!((st.st_atime, st.st_atime_nsec, st.st_mtime, st.st_mtime_nsec), (5, 6, 7, 8));
        f.set_attr(&SetAttr { mode: Some(0o4755), ..Default::default() }).unwrap();
        f.set_attr(&SetAttr { uid: Some(1), ..Default::default() }).unwrap();
        assert_eq!(f.stat().st_mode & 0o7777, 0o755, "chown drops set-user-ID");
        assert_eq!(f.stat().st_uid, 1);
    }
}
