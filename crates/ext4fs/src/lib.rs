//! ext4 on a block device, as [`fs::Inode`] nodes.
//!
//! The on-disk work (superblock, groups, bitmaps, extents, htree directories, the jbd2 journal,
//! checksums, orphans) is done by crate `rsext4` (docs/STORAGE.md says why that one). This crate is
//! the glue between its inode-number interface and the VFS:
//!
//! * [`Ext4Fs`] is one mounted file system: rsext4's `Ext4` behind a lock (every operation is
//!   synchronous and the kernel is not preemptive, so a spin lock suffices), the device it reads
//!   through ([`DiskIo`] over a [`drivers::SharedDevice`]), and a table of live nodes.
//! * [`Ext4Node`] is one inode. The table gives each inode number a single live node, so `Arc`
//!   identity means inode identity (the path walker relies on it) and the file system knows when
//!   the last reference to an inode goes away.
//! * An unlinked inode whose link count reached 0 while some node still refers to it (an open
//!   file) becomes an orphan; its blocks are freed ("reaped") after the last node is dropped, at the
//!   next operation on the file system. rsext4 records orphans on disk, so a crash in between
//!   leaves nothing e2fsck would not clean up.
//! * [`sync_all`] writes everything out (sync(2)); [`shutdown`] also unmounts, leaving every disk
//!   clean: the kernel calls it before it powers off.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod cache;
pub use cache::reclaim;

use abi::{structs::Stat, Errno, SysResult};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::{String, ToString};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::any::Any;
use drivers::{SharedDevice, SECTOR_SIZE};
use fs::inode::{RenameMode, SetAttr, TimeSet};
use fs::vfs::{FileSystem, StatFs};
use fs::{DirEntry, FileKind, Inode, InodeRef};
use rsext4::{
    BlockIo, DeviceCapabilities, DeviceGeometry, DeviceNumber, DirectoryCursor, DirectoryEntryType, Ext4Error,
    Ext4ErrorKind, Ext4Result, Ext4Timestamp, FileName, FilePermissions, InodeInfo, InodeMetadataUpdate, InodeNumber,
    MountOptions, MountServices, MountedServices, MutationContext, NoopObserver, RenameOptions, SectorId,
    SpecialInodeKind,
};
use sync::Mutex;

/// The Linux errno for an rsext4 error.
pub fn errno(e: Ext4Error) -> Errno {
    use Ext4ErrorKind::*;
    match e.kind() {
        Io | Corrupted | ChecksumMismatch => Errno::EIO,
        UnsupportedFeature | UnsupportedCapability | Unsupported => Errno::ENOTSUP,
        ReadOnly | JournalAborted => Errno::EROFS,
        NoSpace | QuotaExceeded => Errno::ENOSPC,
        NoMemory => Errno::ENOMEM,
        TooManyLinks => Errno::EMLINK,
        PermissionDenied => Errno::EPERM,
        NotFound => Errno::ENOENT,
        AlreadyExists => Errno::EEXIST,
        NotDirectory => Errno::ENOTDIR,
        IsDirectory => Errno::EISDIR,
        NotEmpty => Errno::ENOTEMPTY,
        Busy => Errno::EBUSY,
        BadFileDescriptor => Errno::EBADF,
        InvalidInput | BadSuperblock | InvalidMagic => Errno::EINVAL,
        Overflow => Errno::EOVERFLOW,
        FileTooLarge => Errno::EFBIG,
        Timeout => Errno::ETIMEDOUT,
        #[allow(unreachable_patterns)] // rsext4 may grow kinds
        _ => Errno::EIO,
    }
}

/// rsext4's view of a [`drivers::BlockDevice`]: 512-byte sectors, synchronous, flushable.
pub struct DiskIo {
    dev: SharedDevice,
    sectors: u64,
    read_only: bool,
}

impl DiskIo {
    pub fn new(dev: SharedDevice) -> DiskIo {
        let (sectors, read_only) = {
            let d = dev.lock();
            (d.sectors(), d.read_only())
        };
        DiskIo { dev, sectors, read_only }
    }
}

fn io_error(e: Errno) -> Ext4Error {
    log::error!("ext4: device error {e}");
    match e {
        Errno::EROFS => Ext4Error::read_only(),
        _ => Ext4Error::io(),
    }
}

impl BlockIo for DiskIo {
    fn write(&mut self, buffer: &[u8], sector: SectorId, _count: u32) -> Ext4Result<()> {
        self.dev.lock().write(sector.raw(), buffer).map_err(io_error)
    }
    fn read(&mut self, buffer: &mut [u8], sector: SectorId, _count: u32) -> Ext4Result<()> {
        self.dev.lock().read(sector.raw(), buffer).map_err(io_error)
    }
    fn geometry(&self) -> DeviceGeometry {
        DeviceGeometry::new(SECTOR_SIZE as u32, self.sectors)
    }
    fn capabilities(&self) -> DeviceCapabilities {
        DeviceCapabilities { read_only: self.read_only, flush: true, ..DeviceCapabilities::default() }
    }
    fn flush(&mut self) -> Ext4Result<()> {
        self.dev.lock().flush().map_err(io_error)
    }
}

/// Wall-clock time for inode time stamps.
struct WallClock;

fn now() -> Ext4Timestamp {
    let ns = hal::time::boot_epoch_ns() + hal::time::now_ns();
    Ext4Timestamp::new((ns / 1_000_000_000) as i64, (ns % 1_000_000_000) as u32)
}

impl rsext4::Clock for WallClock {
    fn now(&self) -> Ext4Result<Ext4Timestamp> {
        Ok(now())
    }
}

type Mounted = rsext4::Ext4<DiskIo, MountedServices<(), NoopObserver>>;

/// What the superblock says, read before mounting (see [`probe`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SuperInfo {
    pub block_size: u32,
    pub blocks: u64,
    /// The `dir_index` feature (htree directories); see docs/STORAGE.md for why images made
    /// here leave it off.
    pub dir_index: bool,
}

/// Read the superblock of `dev` and check that it is ext2/3/4. EINVAL if it is not.
pub fn probe(dev: &SharedDevice) -> SysResult<SuperInfo> {
    let mut sb = [0u8; 1024];
    dev.lock().read(2, &mut sb)?;
    let u32_at = |o: usize| u32::from_le_bytes([sb[o], sb[o + 1], sb[o + 2], sb[o + 3]]);
    if u16::from_le_bytes([sb[0x38], sb[0x39]]) != 0xEF53 {
        return Err(Errno::EINVAL);
    }
    let log = u32_at(0x18);
    if log > 6 {
        return Err(Errno::EINVAL);
    }
    let incompat_64bit = u32_at(0x60) & 0x80 != 0;
    let blocks = u32_at(0x04) as u64 | if incompat_64bit { (u32_at(0x150) as u64) << 32 } else { 0 };
    Ok(SuperInfo { block_size: 1024 << log, blocks, dir_index: u32_at(0x5C) & 0x20 != 0 })
}

/// A mounted ext4 file system.
pub struct Ext4Fs {
    inner: Mutex<Option<Mounted>>,
    device: SharedDevice,
    /// `st_dev` of every node.
    dev_id: u64,
    /// The device's name, for messages (`vda`).
    name: String,
    /// One live node per inode number.
    nodes: Mutex<BTreeMap<u32, Weak<Ext4Node>>>,
    /// Inodes with no names left that a live node still refers to.
    orphans: Mutex<BTreeSet<u32>>,
    /// Orphans whose last node is gone: to be reaped at the next operation.
    pending: Mutex<Vec<u32>>,
    /// Files with pages shared mappings may have stored into, kept alive until written back
    /// (`cache`).
    dirty: Mutex<BTreeMap<u32, Arc<Ext4Node>>>,
    this: Weak<Ext4Fs>,
}

/// Every mounted instance (weak: an instance nobody uses any more unmounts itself on drop).
static MOUNTED: Mutex<Vec<Weak<Ext4Fs>>> = Mutex::new(Vec::new());

/// ext4's `f_type` (EXT4_SUPER_MAGIC).
pub const EXT4_MAGIC: i64 = 0xEF53;

/// The `mount(2)` factory for type "ext4" (`fs::vfs::register_fs_type("ext4", true, ext4fs::make)`):
/// `source` names a registered disk (`/dev/vda`); ENOENT if there is none. MS_RDONLY mounts
/// read-only. The device number is Linux's for virtio disks: major 254, minor 16 per disk.
pub fn make(source: &str, flags: u64, _data: &str) -> SysResult<Arc<dyn FileSystem>> {
    let dev = drivers::block::get(source).ok_or(Errno::ENOENT)?;
    let name = source.strip_prefix("/dev/").unwrap_or(source);
    let index = drivers::block::names().iter().position(|n| n == name).unwrap_or(0) as u32;
    let fs = mount(dev, name, fs::meta::make_dev(254, index * 16), flags & abi::flags::MS_RDONLY != 0)?;
    Ok(fs)
}

/// Mount the ext4 file system on `dev` (called `name`, `st_dev` = `dev_id`), read-only if asked or
/// if the device is. EINVAL if it is not ext4, EIO if it cannot be read, ENOTSUP for features
/// rsext4 lacks, EBUSY if it is mounted already.
pub fn mount(dev: SharedDevice, name: &str, dev_id: u64, read_only: bool) -> SysResult<Arc<Ext4Fs>> {
    if is_mounted(&dev) {
        return Err(Errno::EBUSY);
    }
    let info = probe(&dev)?;
    if info.dir_index {
        log::info!(
            "ext4 {name}: dir_index is on; rsext4 0.9.2 miscounts i_blocks when an indexed directory's \
             extent tree grows (e2fsck fixes it); images made by scripts/run.sh leave it off"
        );
    }
    let mut io = DiskIo::new(dev.clone());
    io.read_only |= read_only;
    let options = if io.read_only { MountOptions::read_only_no_journal_replay() } else { MountOptions::read_write() };
    let ext4 = Mounted::mount(io, MountServices::new(WallClock, (), NoopObserver), options).map_err(|e| {
        log::error!("ext4 {name}: cannot mount: {e}");
        errno(e)
    })?;
    let fs = Arc::new_cyclic(|this| Ext4Fs {
        inner: Mutex::new(Some(ext4)),
        device: dev,
        dev_id,
        name: name.to_string(),
        nodes: Mutex::new(BTreeMap::new()),
        orphans: Mutex::new(BTreeSet::new()),
        pending: Mutex::new(Vec::new()),
        dirty: Mutex::new(BTreeMap::new()),
        this: this.clone(),
    });
    mm::frame::set_reclaimer(cache::reclaim);
    log::info!("ext4 {name}: mounted, {} blocks of {} bytes", info.blocks, info.block_size);
    MOUNTED.lock().push(Arc::downgrade(&fs));
    Ok(fs)
}

/// The instances that hold their disk: alive and not unmounted (umount(2) unmounts at once; the
/// instance may live on, its nodes held by cached pages, but no longer uses the disk).
fn mounted() -> Vec<Arc<Ext4Fs>> {
    let mut all = MOUNTED.lock();
    all.retain(|w| w.strong_count() > 0);
    let alive: Vec<Arc<Ext4Fs>> = all.iter().filter_map(Weak::upgrade).collect();
    drop(all);
    alive.into_iter().filter(|f| f.inner.lock().is_some()).collect()
}

/// Whether a mounted file system is on `dev`.
pub fn is_mounted(dev: &SharedDevice) -> bool {
    mounted().iter().any(|f| Arc::ptr_eq(&f.device, dev))
}

/// Write every mounted file system's cached changes to its disk (sync(2)).
pub fn sync_all() -> SysResult<()> {
    let mut result = Ok(());
    let all = mounted();
    for fs in all {
        if let Err(e) = fs.sync() {
            result = Err(e);
        }
    }
    result
}

/// Unmount every file system (before power-off): all data and metadata reach the disks, which
/// are left clean. Open files that were unlinked are freed first. Errors are logged.
pub fn shutdown() {
    for fs in mounted() {
        if let Err(e) = fs.unmount_now(true) {
            log::error!("ext4 {}: unmount at power-off: {e}", fs.name);
        }
    }
}

impl Ext4Fs {
    /// The root directory (inode 2 on every ext2/3/4 volume).
    pub fn root_dir(&self) -> InodeRef {
        self.node(InodeNumber::new(ROOT_INO).expect("inode 2"), FileKind::Directory)
    }

    pub fn dev_id(&self) -> u64 {
        self.dev_id
    }

    /// (total blocks, free blocks, block size, total inodes, free inodes).
    pub fn statfs(&self) -> SysResult<(u64, u64, u64, u32, u32)> {
        self.with(|e| {
            let s = e.statfs();
            Ok((s.total_blocks, s.free_blocks, s.block_size, s.total_inodes, s.free_inodes))
        })
    }

    /// Write cached changes to the disk: what shared mappings stored, then rsext4's buffers.
    pub fn sync(&self) -> SysResult<()> {
        let written = self.write_back_all();
        self.with(|e| e.sync())?;
        written.map(|_| ())
    }

    /// Unmount (umount(2)): EBUSY while an unlinked file is still open. Later operations on this
    /// file system's nodes fail with EIO.
    pub fn unmount(&self) -> SysResult<()> {
        self.unmount_now(false)
    }

    fn unmount_now(&self, force: bool) -> SysResult<()> {
        // Stores through shared mappings reach the disk first; a file still mapped keeps the
        // file system busy (Linux: EBUSY), except at power-off.
        match self.write_back_all() {
            Ok(true) if !force => return Err(Errno::EBUSY),
            Err(e) => log::error!("ext4 {}: writing back mapped pages: {e}", self.name),
            _ => {}
        }
        if force {
            // Powering off: nobody will read the open orphans again.
            let orphans: Vec<u32> = core::mem::take(&mut *self.orphans.lock()).into_iter().collect();
            self.pending.lock().extend(orphans);
        } else if !self.orphans.lock().is_empty() {
            return Err(Errno::EBUSY);
        }
        let mut inner = self.inner.lock();
        let Some(ext4) = inner.as_mut() else {
            return Ok(());
        };
        self.reap_pending(ext4);
        ext4.unmount().map_err(errno)?;
        *inner = None;
        log::info!("ext4 {}: unmounted", self.name);
        Ok(())
    }

    /// Run `f` on the mounted file system (after reaping orphans nobody holds any more).
    fn with<T>(&self, f: impl FnOnce(&mut Mounted) -> Ext4Result<T>) -> SysResult<T> {
        let mut inner = self.inner.lock();
        let ext4 = inner.as_mut().ok_or(Errno::EIO)?;
        self.reap_pending(ext4);
        f(ext4).map_err(errno)
    }

    fn reap_pending(&self, ext4: &mut Mounted) {
        let pending = core::mem::take(&mut *self.pending.lock());
        for raw in pending {
            let Ok(ino) = InodeNumber::new(raw) else { continue };
            if let Err(e) = ext4.reap_unlinked_inode(ino) {
                log::error!("ext4 {}: freeing unlinked inode {raw}: {e}", self.name);
            }
        }
    }

    /// The live node for `ino`, made if there is none.
    fn node(&self, ino: InodeNumber, kind: FileKind) -> Arc<Ext4Node> {
        let mut nodes = self.nodes.lock();
        if let Some(n) = nodes.get(&ino.raw()).and_then(Weak::upgrade) {
            return n;
        }
        let fs = self.this.upgrade().expect("a mounted file system is held by its nodes");
        let n = Arc::new(Ext4Node { fs, ino, kind, cache: Mutex::new(cache::NodeCache::default()) });
        nodes.insert(ino.raw(), Arc::downgrade(&n));
        n
    }

    fn node_for(&self, info: &InodeInfo) -> Arc<Ext4Node> {
        self.node(info.number, kind_of(info.mode))
    }

    /// `ino` lost its last name: free it now, or when its last node goes if one is alive.
    fn orphaned(&self, ino: InodeNumber) {
        let alive = self.nodes.lock().get(&ino.raw()).is_some_and(|w| w.strong_count() > 0);
        if alive {
            self.orphans.lock().insert(ino.raw());
        } else {
            self.pending.lock().push(ino.raw());
        }
    }
}

/// The root directory's inode number.
const ROOT_INO: u32 = 2;

impl FileSystem for Ext4Fs {
    fn fs_type(&self) -> &str {
        "ext4"
    }
    fn root(&self) -> InodeRef {
        self.root_dir()
    }
    fn statfs(&self) -> StatFs {
        let Ok((blocks, bfree, bsize, files, ffree)) = self.statfs() else {
            return StatFs { magic: EXT4_MAGIC, ..StatFs::default() };
        };
        StatFs {
            magic: EXT4_MAGIC,
            bsize,
            blocks,
            bfree,
            bavail: bfree,
            files: files as u64,
            ffree: ffree as u64,
            namelen: 255,
        }
    }
    fn sync(&self) -> SysResult<()> {
        Ext4Fs::sync(self)
    }
    fn unmount(&self) -> SysResult<()> {
        Ext4Fs::unmount(self)
    }
}

impl Drop for Ext4Fs {
    /// The last reference (the mount and every node) is gone: unmount, leaving the disk clean.
    fn drop(&mut self) {
        let pending = core::mem::take(self.pending.get_mut());
        if let Some(ext4) = self.inner.get_mut().as_mut() {
            for raw in pending {
                if let Ok(ino) = InodeNumber::new(raw) {
                    let _ = ext4.reap_unlinked_inode(ino);
                }
            }
            match ext4.unmount() {
                Ok(()) => log::info!("ext4 {}: unmounted", self.name),
                Err(e) => log::error!("ext4 {}: unmount: {e}", self.name),
            }
        }
    }
}

fn kind_of(mode: u16) -> FileKind {
    FileKind::from_mode(mode as u32).unwrap_or(FileKind::Regular)
}

fn entry_kind(t: DirectoryEntryType) -> Option<FileKind> {
    Some(match t {
        DirectoryEntryType::RegularFile => FileKind::Regular,
        DirectoryEntryType::Directory => FileKind::Directory,
        DirectoryEntryType::CharacterDevice => FileKind::CharDevice,
        DirectoryEntryType::BlockDevice => FileKind::BlockDevice,
        DirectoryEntryType::Fifo => FileKind::Fifo,
        DirectoryEntryType::Socket => FileKind::Socket,
        DirectoryEntryType::Symlink => FileKind::Symlink,
        DirectoryEntryType::Unknown => return None,
    })
}

fn name(s: &str) -> SysResult<FileName<'_>> {
    if s.len() > 255 {
        return Err(Errno::ENAMETOOLONG);
    }
    FileName::new(s.as_bytes()).map_err(|_| Errno::EINVAL)
}

fn permissions(mode: u32) -> SysResult<FilePermissions> {
    FilePermissions::new((mode & 0o7777) as u16).map_err(|_| Errno::EINVAL)
}

/// Modes are taken as given: the VFS has applied the umask.
const CONTEXT: MutationContext = MutationContext::new(0, 0, 0, 0);

/// One inode of a mounted ext4 file system.
pub struct Ext4Node {
    fs: Arc<Ext4Fs>,
    ino: InodeNumber,
    kind: FileKind,
    /// A regular file's cached pages (`cache`).
    cache: Mutex<cache::NodeCache>,
}

impl Drop for Ext4Node {
    fn drop(&mut self) {
        let raw = self.ino.raw();
        {
            let mut nodes = self.fs.nodes.lock();
            if nodes.get(&raw).is_some_and(|w| w.strong_count() == 0) {
                nodes.remove(&raw);
            }
        }
        if self.fs.orphans.lock().remove(&raw) {
            self.fs.pending.lock().push(raw);
        }
    }
}

impl Ext4Node {
    pub fn ino(&self) -> u32 {
        self.ino.raw()
    }

    fn this(&self) -> Arc<Ext4Node> {
        self.fs.node(self.ino, self.kind)
    }

    /// Another node of this file system (EXDEV if it belongs elsewhere).
    fn same_fs<'a>(&self, node: &'a InodeRef) -> SysResult<&'a Ext4Node> {
        node.as_any()
            .and_then(|a| a.downcast_ref::<Ext4Node>())
            .filter(|n| Arc::ptr_eq(&n.fs, &self.fs))
            .ok_or(Errno::EXDEV)
    }

    fn info(&self) -> SysResult<InodeInfo> {
        self.fs.with(|e| e.inode(self.ino))
    }

    fn dir(&self) -> SysResult<()> {
        if self.kind == FileKind::Directory {
            Ok(())
        } else {
            Err(Errno::ENOTDIR)
        }
    }

    /// Every entry of this directory as rsext4 lists it.
    fn entries(&self) -> SysResult<Vec<rsext4::DirectoryEntry>> {
        self.dir()?;
        self.fs.with(|e| {
            let mut all = Vec::new();
            let mut cursor = DirectoryCursor::Start;
            loop {
                let batch = e.read_directory(self.ino, cursor, 256)?;
                let Some(last) = batch.last() else { break };
                cursor = last.next_cursor;
                all.extend(batch);
                if cursor == DirectoryCursor::End {
                    break;
                }
            }
            Ok(all)
        })
    }

    /// The inode ".." names.
    fn parent(&self) -> SysResult<InodeNumber> {
        let found = self.fs.with(|e| e.lookup_child(self.ino, FileName::new(b"..")?));
        match found {
            Ok(Some(info)) => Ok(info.number),
            _ => self.entries()?.into_iter().find(|d| d.name == b"..").map(|d| d.inode).ok_or(Errno::EIO),
        }
    }
}

fn timestamp(t: TimeSet) -> Ext4Timestamp {
    match t {
        TimeSet::Now => now(),
        TimeSet::At(sec, nsec) => Ext4Timestamp::new(sec, nsec),
    }
}

impl Inode for Ext4Node {
    fn kind(&self) -> FileKind {
        self.kind
    }

    fn stat(&self) -> Stat {
        let Ok(i) = self.info() else {
            return Stat { st_dev: self.fs.dev_id, st_ino: self.ino.raw() as u64, ..Stat::default() };
        };
        let rdev = i.device_number.map_or(0, |d: DeviceNumber| {
            let (major, minor) = (d.major() as u64, d.minor() as u64);
            (major << 8) | (minor & 0xff) | ((minor & !0xff) << 12)
        });
        Stat {
            st_dev: self.fs.dev_id,
            st_ino: i.number.raw() as u64,
            st_mode: i.mode as u32,
            st_nlink: i.links as u32,
            st_uid: i.uid,
            st_gid: i.gid,
            st_rdev: rdev,
            st_size: i.size as i64,
            st_blksize: 4096,
            st_blocks: i.blocks as i64,
            st_atime: i.atime as i64,
            st_mtime: i.mtime as i64,
            st_ctime: i.ctime as i64,
            ..Stat::default()
        }
    }

    fn id(&self) -> (u64, u64) {
        (self.fs.dev_id, self.ino.raw() as u64)
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        match self.kind {
            FileKind::Regular => self.read_cached(offset, buf),
            FileKind::Directory => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }

    fn write_at(&self, offset: u64, buf: &[u8]) -> SysResult<usize> {
        match self.kind {
            FileKind::Regular => self.write_cached(offset, buf),
            FileKind::Directory => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }

    fn truncate(&self, len: u64) -> SysResult<()> {
        match self.kind {
            FileKind::Regular => self.truncate_cached(len),
            FileKind::Directory => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }

    fn fsync(&self) -> SysResult<()> {
        let written = self.write_back();
        if let Ok(false) = written {
            // Clean and unmapped: the file system need not keep the node alive for it.
            let node = self.fs.dirty.lock().remove(&self.ino.raw());
            drop(node);
        }
        self.fs.with(|e| e.sync())?;
        written.map(|_| ())
    }

    fn file_pages(self: Arc<Self>) -> Option<Arc<dyn mm::cache::FilePages>> {
        (self.kind == FileKind::Regular).then_some(self)
    }

    fn set_attr(&self, attr: &SetAttr) -> SysResult<()> {
        let owner = match (attr.uid, attr.gid) {
            (None, None) => None,
            (uid, gid) => {
                let cur = self.info()?;
                Some((uid.unwrap_or(cur.uid), gid.unwrap_or(cur.gid)))
            }
        };
        let update = InodeMetadataUpdate {
            permissions: attr.mode.map(permissions).transpose()?,
            owner,
            atime: attr.atime.map(timestamp),
            mtime: attr.mtime.map(timestamp),
            ..InodeMetadataUpdate::default()
        };
        self.fs.with(|e| e.update_inode_metadata(self.ino, update)).map(|_| ())
    }

    fn lookup(&self, n: &str) -> SysResult<InodeRef> {
        self.dir()?;
        match n {
            "" | "." => Ok(self.this()),
            ".." => {
                let parent = self.parent()?;
                Ok(self.fs.node(parent, FileKind::Directory))
            }
            _ => {
                let n = name(n)?;
                let info = self.fs.with(|e| e.lookup_child(self.ino, n))?.ok_or(Errno::ENOENT)?;
                Ok(self.fs.node_for(&info))
            }
        }
    }

    fn create(&self, n: &str, kind: FileKind, mode: u32) -> SysResult<InodeRef> {
        self.dir()?;
        let (n, p) = (name(n)?, permissions(mode)?);
        let info = self.fs.with(|e| match kind {
            FileKind::Regular => e.create_regular_file(CONTEXT, self.ino, n, p),
            FileKind::Directory => e.create_directory(CONTEXT, self.ino, n, p),
            FileKind::Fifo => e.create_special_inode(CONTEXT, self.ino, n, p, SpecialInodeKind::Fifo),
            FileKind::Socket => e.create_special_inode(CONTEXT, self.ino, n, p, SpecialInodeKind::Socket),
            _ => Err(Ext4Error::permission_denied()),
        })?;
        Ok(self.fs.node_for(&info))
    }

    fn symlink(&self, n: &str, target: &str) -> SysResult<InodeRef> {
        self.dir()?;
        if target.is_empty() {
            return Err(Errno::ENOENT);
        }
        let n = name(n)?;
        let info = self.fs.with(|e| e.create_symlink(CONTEXT, self.ino, n, target.as_bytes()))?;
        Ok(self.fs.node_for(&info))
    }

    fn link(&self, n: &str, node: InodeRef) -> SysResult<()> {
        self.dir()?;
        let target = self.same_fs(&node)?;
        if target.kind == FileKind::Directory {
            return Err(Errno::EPERM);
        }
        let n = name(n)?;
        self.fs.with(|e| e.hard_link(target.ino, self.ino, n)).map(|_| ())
    }

    fn unlink(&self, n: &str) -> SysResult<()> {
        self.dir()?;
        let n = name(n)?;
        let outcome = self.fs.with(|e| {
            let child = e.lookup_child(self.ino, n)?.ok_or_else(Ext4Error::not_found)?;
            if child.is_directory() {
                e.remove_empty_directory(self.ino, n)
            } else {
                e.unlink(self.ino, n)
            }
        })?;
        if outcome.requires_reap() {
            self.fs.orphaned(outcome.inode);
        }
        Ok(())
    }

    fn rmdir(&self, n: &str) -> SysResult<()> {
        self.dir()?;
        let n = name(n)?;
        let outcome = self.fs.with(|e| e.remove_empty_directory(self.ino, n))?;
        if outcome.requires_reap() {
            self.fs.orphaned(outcome.inode);
        }
        Ok(())
    }

    fn rename(&self, old: &str, new_dir: &InodeRef, new: &str, mode: RenameMode) -> SysResult<()> {
        self.dir()?;
        let target = self.same_fs(new_dir)?;
        target.dir()?;
        let (old, new) = (name(old)?, name(new)?);
        let options = match mode {
            RenameMode::Replace => RenameOptions::REPLACE,
            RenameMode::NoReplace => RenameOptions::NO_REPLACE,
            RenameMode::Exchange => RenameOptions::EXCHANGE,
        };
        let outcome = self.fs.with(|e| e.rename(self.ino, old, target.ino, new, options))?;
        if let Some(replaced) = outcome.replaced.filter(|r| r.requires_reap()) {
            self.fs.orphaned(replaced.inode);
        }
        Ok(())
    }

    fn read_dir(&self) -> SysResult<Vec<DirEntry>> {
        let entries = self.entries()?;
        let mut parent = None;
        let mut rest = Vec::with_capacity(entries.len());
        for d in entries {
            match &d.name[..] {
                b"." => {}
                b".." => parent = Some(d.inode),
                _ => {
                    let kind = match entry_kind(d.file_type) {
                        Some(k) => k,
                        None => self.fs.with(|e| e.inode(d.inode)).map(|i| kind_of(i.mode))?,
                    };
                    let name = String::from_utf8_lossy(&d.name).into_owned();
                    rest.push(DirEntry { name, ino: d.inode.raw() as u64, kind });
                }
            }
        }
        let parent = match parent {
            Some(p) => p,
            None => self.parent()?,
        };
        let mut v = Vec::with_capacity(rest.len() + 2);
        v.push(DirEntry { name: ".".to_string(), ino: self.ino.raw() as u64, kind: FileKind::Directory });
        v.push(DirEntry { name: "..".to_string(), ino: parent.raw() as u64, kind: FileKind::Directory });
        v.extend(rest);
        Ok(v)
    }

    fn read_link(&self) -> SysResult<String> {
        if self.kind != FileKind::Symlink {
            return Err(Errno::EINVAL);
        }
        let size = self.info()?.size as usize;
        let mut buf = alloc::vec![0u8; size];
        let n = self.fs.with(|e| e.read_inode(self.ino, 0, &mut buf))?;
        buf.truncate(n);
        String::from_utf8(buf).map_err(|_| Errno::EINVAL)
    }
}
