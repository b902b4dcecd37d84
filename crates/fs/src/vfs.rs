//! The virtual file system: file-system types and mounts.
//!
//! A [`FileSystem`] is one mounted instance (a tmpfs, the procfs, an ext4 volume): a root node
//! and its `statfs`. Types are registered by name ([`register_fs_type`]) so mount(2) can make
//! instances; the kernel registers "tmpfs", "devtmpfs", "proc" and (from the ext4 component)
//! "ext4".
//!
//! Mounts form one tree for the whole system (there are no mount namespaces). A node is
//! recognised by its identity [`Inode::id`] = (st_dev, st_ino), so every mounted instance must
//! have its own device number ([`alloc_dev`](crate::meta::alloc_dev) for instances without a
//! block device). Path resolution carries the mount it is in ([`MountId`]): it asks
//! [`covered_in`] whether the directory it reached has something mounted on it in that mount
//! (and continues in the mounted root), and [`mounted_on`] where `..` leaves a mount's root. So
//! a directory may be mounted (bound) in several places, and each place knows its way back.
//! Per-mount state other than the place (flags) is looked up by device ([`mount_of`]): the
//! newest mount of a file system speaks for all of its places.
use crate::inode::{FileKind, InodeRef};
use abi::flags::*;
use abi::{Errno, SysResult};
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use sync::Mutex;

/// What statfs(2) reports about an instance (f_flags come from the mount).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatFs {
    pub magic: i64,
    pub bsize: u64,
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub namelen: u64,
}

/// One instance of a file system.
pub trait FileSystem: Send + Sync {
    /// The type name, as in /proc/mounts ("tmpfs", "proc", "ext4").
    fn fs_type(&self) -> &str;
    /// The root directory. Its `id()` must be the same on every call.
    fn root(&self) -> InodeRef;
    fn statfs(&self) -> StatFs;
    /// Write everything to stable storage (sync(2), syncfs(2)).
    fn sync(&self) -> SysResult<()> {
        Ok(())
    }
    /// umount(2) took the instance out of the mount tree and nothing has a file open on it: let
    /// go of the storage now (write everything, leave the disk clean) rather than when the last
    /// reference goes, which cached pages may delay. An error leaves that to the last reference.
    fn unmount(&self) -> SysResult<()> {
        Ok(())
    }
    /// The flags of its mount, set or changed (MS_NOATIME, MS_STRICTATIME... for the access
    /// times its nodes keep).
    fn mount_flags(&self, _flags: u64) {}
}

/// A file system made of an existing root directory (the initramfs unpacked into a ramfs
/// before anything was mounted), to register it as a mount.
pub struct RootOnly {
    name: String,
    root: InodeRef,
    statfs: StatFs,
}

impl RootOnly {
    pub fn new(name: &str, root: InodeRef, statfs: StatFs) -> Arc<RootOnly> {
        Arc::new(RootOnly { name: name.to_string(), root, statfs })
    }
}

impl FileSystem for RootOnly {
    fn fs_type(&self) -> &str {
        &self.name
    }
    fn root(&self) -> InodeRef {
        self.root.clone()
    }
    fn statfs(&self) -> StatFs {
        self.statfs
    }
}

/// Makes an instance: `(source, mount flags, data)` of mount(2).
pub type FsFactory = fn(source: &str, flags: u64, data: &str) -> SysResult<Arc<dyn FileSystem>>;

struct FsType {
    name: String,
    factory: FsFactory,
    /// Needs a block device as its source (listed without "nodev" in /proc/filesystems).
    needs_device: bool,
}

static TYPES: Mutex<Vec<FsType>> = Mutex::new(Vec::new());

/// Make file-system type `name` mountable. A second registration of a name replaces the first.
pub fn register_fs_type(name: &str, needs_device: bool, factory: FsFactory) {
    let mut types = TYPES.lock();
    types.retain(|t| t.name != name);
    types.push(FsType { name: name.to_string(), factory, needs_device });
}

/// The registered types as (name, needs a device), in registration order (/proc/filesystems).
pub fn fs_types() -> Vec<(String, bool)> {
    TYPES.lock().iter().map(|t| (t.name.clone(), t.needs_device)).collect()
}

/// A new instance of type `name`; ENODEV if no such type is registered.
pub fn make_fs(name: &str, source: &str, flags: u64, data: &str) -> SysResult<Arc<dyn FileSystem>> {
    let factory = TYPES.lock().iter().find(|t| t.name == name).map(|t| t.factory).ok_or(Errno::ENODEV)?;
    factory(source, flags, data)
}

/// A mount, as a path walk remembers the one it is in ([`Mount::id`]).
pub type MountId = u32;

/// One mounted instance, or a directory of one bound in a second place (MS_BIND).
pub struct Mount {
    pub id: MountId,
    pub fs: Arc<dyn FileSystem>,
    /// The directory shown at the mount point: the instance's root, or for a bind mount the
    /// directory bound.
    pub root: InodeRef,
    root_id: (u64, u64),
    /// Where `root` is within its instance ("/" but for bind mounts; /proc/<pid>/mountinfo).
    pub root_path: String,
    /// The mount holding the mount point (`None` for the root mount).
    pub parent: Option<Arc<Mount>>,
    /// The directory this instance covers (`None` for the root mount).
    pub mountpoint: Option<InodeRef>,
    mountpoint_id: Option<(u64, u64)>,
    /// Where it is mounted, as an absolute path.
    pub path: String,
    /// The source as given to mount(2) ("tmpfs", "/dev/vda", "proc").
    pub source: String,
    flags: AtomicU64,
    /// The option string as given (data of mount(2)).
    pub options: Mutex<String>,
}

impl Mount {
    /// The MS_* flags (MS_RDONLY, MS_NOSUID, ...).
    pub fn flags(&self) -> u64 {
        self.flags.load(Ordering::Relaxed)
    }
    pub fn set_flags(&self, f: u64) {
        self.flags.store(f, Ordering::Relaxed);
        self.fs.mount_flags(f);
    }
    pub fn readonly(&self) -> bool {
        self.flags() & MS_RDONLY != 0
    }
    pub fn dev(&self) -> u64 {
        self.root_id.0
    }
    fn parent_id(&self) -> Option<MountId> {
        self.parent.as_ref().map(|p| p.id)
    }
    /// The same mount in another place (MS_MOVE): same id, instance, flags and options.
    fn placed(&self, parent: Option<Arc<Mount>>, mountpoint: Option<InodeRef>, path: &str) -> Mount {
        Mount {
            id: self.id,
            fs: self.fs.clone(),
            root: self.root.clone(),
            root_id: self.root_id,
            root_path: self.root_path.clone(),
            parent,
            mountpoint_id: mountpoint.as_ref().map(|m| m.id()),
            mountpoint,
            path: path.to_string(),
            source: self.source.clone(),
            flags: AtomicU64::new(self.flags()),
            options: Mutex::new(self.options.lock().clone()),
        }
    }
    /// f_flags of statfs: ST_VALID and the mount's flags.
    pub fn statfs_flags(&self) -> u64 {
        let f = self.flags();
        let mut st = ST_VALID;
        for (ms, stf) in [
            (MS_RDONLY, ST_RDONLY),
            (MS_NOSUID, ST_NOSUID),
            (MS_NODEV, ST_NODEV),
            (MS_NOEXEC, ST_NOEXEC),
            (MS_SYNCHRONOUS, ST_SYNCHRONOUS),
            (MS_NOATIME, ST_NOATIME),
            (MS_NODIRATIME, ST_NODIRATIME),
            (MS_RELATIME, ST_RELATIME),
            (MS_NOSYMFOLLOW, ST_NOSYMFOLLOW),
        ] {
            if f & ms != 0 {
                st |= stf;
            }
        }
        st
    }
    /// The option list of /proc/mounts: "rw,nosuid,nodev,relatime" and the file system's own
    /// options.
    pub fn option_string(&self) -> String {
        let f = self.flags();
        let mut s = String::from(if f & MS_RDONLY != 0 { "ro" } else { "rw" });
        for (ms, name) in [
            (MS_NOSUID, "nosuid"),
            (MS_NODEV, "nodev"),
            (MS_NOEXEC, "noexec"),
            (MS_SYNCHRONOUS, "sync"),
            (MS_DIRSYNC, "dirsync"),
            (MS_NOATIME, "noatime"),
            (MS_NODIRATIME, "nodiratime"),
            (MS_RELATIME, "relatime"),
            (MS_NOSYMFOLLOW, "nosymfollow"),
        ] {
            if f & ms != 0 {
                s.push(',');
                s.push_str(name);
            }
        }
        let opts = self.options.lock();
        if !opts.is_empty() {
            s.push(',');
            s.push_str(&opts);
        }
        s
    }
}

static MOUNTS: Mutex<Vec<Arc<Mount>>> = Mutex::new(Vec::new());
/// A 64-bit Bloom filter of the directories something is mounted on, so that a path walk's
/// step into a plain directory (nearly all of them) is decided without the mount table's lock,
/// as Linux's dentries carry DCACHE_MOUNTED. Rebuilt whenever the table changes ([`MountsMut`]).
static COVERED: AtomicU64 = AtomicU64::new(0);

/// The bit of a directory in [`COVERED`].
fn covered_bit((dev, ino): (u64, u64)) -> u64 {
    1 << ((ino ^ dev.rotate_left(29)).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58)
}

/// The mount table, locked for a change: [`COVERED`] is rebuilt when the change is done.
struct MountsMut(sync::MutexGuard<'static, Vec<Arc<Mount>>>);

impl core::ops::Deref for MountsMut {
    type Target = Vec<Arc<Mount>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl core::ops::DerefMut for MountsMut {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for MountsMut {
    fn drop(&mut self) {
        let bits = self.0.iter().filter_map(|m| m.mountpoint_id).fold(0, |b, id| b | covered_bit(id));
        COVERED.store(bits, Ordering::Release);
    }
}

/// Lock the mount table to change it.
fn mounts_mut() -> MountsMut {
    MountsMut(MOUNTS.lock())
}
/// The most mounts the tree holds (Linux's fs.mount-max is larger; each mount here may bring a
/// file system instance, which users of mount(2) and the mount API make at will): ENOSPC past it.
pub const MOUNT_MAX: usize = 4096;
static NEXT_MOUNT_ID: AtomicU32 = AtomicU32::new(1);

/// Flags that describe a mount (the rest of mount(2)'s flags are requests, not state).
pub const MOUNT_STATE_FLAGS: u64 = MS_RDONLY
    | MS_NOSUID
    | MS_NODEV
    | MS_NOEXEC
    | MS_SYNCHRONOUS
    | MS_DIRSYNC
    | MS_NOATIME
    | MS_NODIRATIME
    | MS_RELATIME
    | MS_STRICTATIME
    | MS_NOSYMFOLLOW;

fn new_mount(
    fs: Arc<dyn FileSystem>,
    parent: Option<Arc<Mount>>,
    mountpoint: Option<InodeRef>,
    path: &str,
    source: &str,
    flags: u64,
    options: &str,
) -> Arc<Mount> {
    let root = fs.root();
    let root_id = root.id();
    let mountpoint_id = mountpoint.as_ref().map(|m| m.id());
    fs.mount_flags(flags & MOUNT_STATE_FLAGS);
    Arc::new(Mount {
        id: NEXT_MOUNT_ID.fetch_add(1, Ordering::Relaxed),
        fs,
        root,
        root_id,
        root_path: String::from("/"),
        parent,
        mountpoint,
        mountpoint_id,
        path: path.to_string(),
        source: source.to_string(),
        flags: AtomicU64::new(flags & MOUNT_STATE_FLAGS),
        options: Mutex::new(options.to_string()),
    })
}

/// Register `fs` as a root mount ("/"): the start of a mount tree, covering nothing.
pub fn mount_root(fs: Arc<dyn FileSystem>, source: &str, flags: u64, options: &str) -> Arc<Mount> {
    let m = new_mount(fs, None, None, "/", source, flags, options);
    mounts_mut().push(m.clone());
    m
}

/// The mount a new one on `mountpoint` goes into: `parent` if the walk knew it, else the
/// newest of the mount point's instance.
fn parent_of(mounts: &[Arc<Mount>], mountpoint: &InodeRef, parent: Option<MountId>) -> Option<Arc<Mount>> {
    match parent {
        Some(id) => mounts.iter().find(|m| m.id == id).cloned(),
        None => mounts.iter().rev().find(|m| m.dev() == mountpoint.id().0).cloned(),
    }
}

/// Mount `fs` on the directory `mountpoint` (whose absolute path is `path`), reached in mount
/// `parent` (if known). What was visible there is hidden until the instance is unmounted.
pub fn mount(
    fs: Arc<dyn FileSystem>,
    mountpoint: &InodeRef,
    parent: Option<MountId>,
    path: &str,
    source: &str,
    flags: u64,
    options: &str,
) -> SysResult<Arc<Mount>> {
    if mountpoint.kind() != FileKind::Directory {
        return Err(Errno::ENOTDIR);
    }
    let root_id = fs.root().id();
    let mut mounts = mounts_mut();
    if mounts.len() >= MOUNT_MAX {
        return Err(Errno::ENOSPC);
    }
    if mounts.iter().any(|m| m.root_id == root_id) {
        // The instance is mounted already: a second place is a bind mount (`bind`).
        return Err(Errno::EBUSY);
    }
    let parent = parent_of(&mounts, mountpoint, parent);
    let m = new_mount(fs, parent, Some(mountpoint.clone()), path, source, flags, options);
    mounts.push(m.clone());
    Ok(m)
}

/// A mount not in the tree yet (fsmount(2), open_tree(2) with OPEN_TREE_CLONE): `root` of
/// the instance `fs` (its root, or a directory of it at `root_path`), with `flags`. It goes
/// into the tree with [`attach`].
pub fn detached(
    fs: Arc<dyn FileSystem>,
    root: InodeRef,
    root_path: &str,
    source: &str,
    flags: u64,
    options: &str,
) -> Arc<Mount> {
    fs.mount_flags(flags & MOUNT_STATE_FLAGS);
    Arc::new(Mount {
        id: NEXT_MOUNT_ID.fetch_add(1, Ordering::Relaxed),
        fs,
        root_id: root.id(),
        root,
        root_path: root_path.to_string(),
        parent: None,
        mountpoint: None,
        mountpoint_id: None,
        path: String::new(),
        source: source.to_string(),
        flags: AtomicU64::new(flags & MOUNT_STATE_FLAGS),
        options: Mutex::new(options.to_string()),
    })
}

/// Put the detached mount `m` on the directory `mountpoint` (whose absolute path is `path`),
/// reached in mount `parent` (if known); returns the mount in the tree.
pub fn attach(m: &Arc<Mount>, mountpoint: &InodeRef, parent: Option<MountId>, path: &str) -> SysResult<Arc<Mount>> {
    if m.root.kind() != FileKind::Directory || mountpoint.kind() != FileKind::Directory {
        return Err(Errno::ENOTDIR);
    }
    let mut mounts = mounts_mut();
    if mounts.iter().any(|c| c.id == m.id) {
        return Err(Errno::EBUSY);
    }
    if mounts.len() >= MOUNT_MAX {
        return Err(Errno::ENOSPC);
    }
    let parent = parent_of(&mounts, mountpoint, parent);
    let placed = Arc::new(m.placed(parent, Some(mountpoint.clone()), path));
    mounts.push(placed.clone());
    Ok(placed)
}

/// Bind the directory `dir` of mount `from` (at `root_path` within its instance) on the
/// directory `mountpoint` (MS_BIND): one more place showing the same nodes, with the flags of
/// `from`.
pub fn bind(
    from: &Arc<Mount>,
    dir: &InodeRef,
    root_path: &str,
    mountpoint: &InodeRef,
    parent: Option<MountId>,
    path: &str,
) -> SysResult<Arc<Mount>> {
    let opts = from.options.lock().clone();
    let m = detached(from.fs.clone(), dir.clone(), root_path, &from.source, from.flags(), &opts);
    attach(&m, mountpoint, parent, path)
}

/// Move mount `m` and everything mounted under it to the directory `mountpoint` (MS_MOVE).
/// The root mount cannot move (EINVAL), nor a mount into itself (ELOOP).
pub fn move_mount(m: &Arc<Mount>, mountpoint: &InodeRef, parent: Option<MountId>, path: &str) -> SysResult<()> {
    if mountpoint.kind() != FileKind::Directory {
        return Err(Errno::ENOTDIR);
    }
    let mut mounts = mounts_mut();
    let at = mounts.iter().position(|c| c.id == m.id).ok_or(Errno::EINVAL)?;
    if mounts[at].mountpoint.is_none() {
        return Err(Errno::EINVAL);
    }
    let parent = parent_of(&mounts, mountpoint, parent);
    let mut up = parent.clone();
    while let Some(p) = up {
        if p.id == m.id {
            return Err(Errno::ELOOP);
        }
        up = mounts.iter().find(|c| Some(c.id) == p.parent_id()).cloned();
    }
    let old_path = mounts[at].path.clone();
    mounts[at] = Arc::new(mounts[at].placed(parent, Some(mountpoint.clone()), path));
    // The mounts below it stay where they are in it: their paths change, and their parents are
    // the new versions (parents come before children in the list, so one pass does it).
    for i in 0..mounts.len() {
        let Some(pid) = mounts[i].parent_id() else { continue };
        if i == at || !is_below(&mounts, &mounts[i], m.id) {
            continue;
        }
        let parent = mounts.iter().find(|c| c.id == pid).cloned();
        let rest = mounts[i].path.strip_prefix(old_path.as_str()).unwrap_or("").to_string();
        let new_path = alloc::format!("{}{rest}", path.trim_end_matches('/'));
        let mp = mounts[i].mountpoint.clone();
        mounts[i] = Arc::new(mounts[i].placed(parent, mp, &new_path));
    }
    Ok(())
}

/// Whether `c` is mounted (at any depth) under the mount `id`.
fn is_below(mounts: &[Arc<Mount>], c: &Mount, id: MountId) -> bool {
    let mut up = c.parent_id();
    for _ in 0..=mounts.len() {
        match up {
            Some(p) if p == id => return true,
            Some(p) => up = mounts.iter().find(|m| m.id == p).and_then(|m| m.parent_id()),
            None => return false,
        }
    }
    false
}

/// The mount with this id, if it is mounted.
pub fn mount_by_id(id: MountId) -> Option<Arc<Mount>> {
    MOUNTS.lock().iter().find(|m| m.id == id).cloned()
}

/// The mount whose root is `node`, the walk's own mount `mnt` if it is that one (so that of a
/// directory bound on itself the top mount is found), else the newest.
pub fn mount_at(node: &InodeRef, mnt: Option<MountId>) -> Option<Arc<Mount>> {
    let id = node.id();
    let mounts = MOUNTS.lock();
    mounts
        .iter()
        .find(|m| Some(m.id) == mnt && m.root_id == id)
        .or_else(|| mounts.iter().rev().find(|m| m.root_id == id))
        .cloned()
}

/// Unmount `m`. EBUSY while something is mounted inside it, unless `detach` (MNT_DETACH),
/// which takes those along. The root mount cannot go.
pub fn umount(m: &Arc<Mount>, detach: bool) -> SysResult<()> {
    if m.mountpoint.is_none() {
        return Err(Errno::EBUSY);
    }
    let mut mounts = mounts_mut();
    let is_child = |c: &Arc<Mount>| c.parent_id() == Some(m.id);
    if !detach && mounts.iter().any(is_child) {
        return Err(Errno::EBUSY);
    }
    // Drop `m` and, with detach, everything below it.
    let gone: Vec<MountId> =
        mounts.iter().filter(|c| c.id == m.id || is_below(&mounts, c, m.id)).map(|c| c.id).collect();
    mounts.retain(|c| !gone.contains(&c.id));
    Ok(())
}

/// Every mount, in the order they were made.
pub fn mounts() -> Vec<Arc<Mount>> {
    MOUNTS.lock().clone()
}

/// The mounts seen from a process whose root is `root`, in mount order: those whose chain of
/// parents reaches the root's instance (/proc/<pid>/mounts).
pub fn mounts_under(root: &InodeRef) -> Vec<Arc<Mount>> {
    let root_dev = root.id().0;
    mounts()
        .into_iter()
        .filter(|m| {
            let mut cur = Some(m.clone());
            while let Some(c) = cur {
                if c.dev() == root_dev || c.mountpoint_id.is_some_and(|(dev, _)| dev == root_dev) {
                    return true;
                }
                cur = c.parent.clone();
            }
            false
        })
        .collect()
}

/// What is mounted on the directory `node`, following stacked mounts to the top one; the node
/// itself if nothing is. (A walk that knows its mount asks [`covered_in`].)
pub fn covered(node: InodeRef) -> InodeRef {
    covered_in(node, None).0
}

/// What is mounted on the directory `node`, reached in mount `mnt` (`None`: not known, then a
/// mount on it from any mount counts), following stacked mounts to the top one: that root and
/// its mount; `node` and `mnt` themselves if nothing is.
pub fn covered_in(node: InodeRef, mnt: Option<MountId>) -> (InodeRef, Option<MountId>) {
    if node.kind() != FileKind::Directory || COVERED.load(Ordering::Acquire) & covered_bit(node.id()) == 0 {
        return (node, mnt);
    }
    let mounts = MOUNTS.lock();
    if mounts.iter().all(|m| m.mountpoint.is_none()) {
        return (node, mnt);
    }
    let (mut node, mut mnt) = (node, mnt);
    let mut id = node.id();
    // The newest mount on a point wins; each step enters a mount whose parent is the last one
    // (a directory bound on itself is entered once), and at most every mount is entered.
    for _ in 0..mounts.len() {
        let on = |m: &&Arc<Mount>| m.mountpoint_id == Some(id) && (mnt.is_none() || m.parent_id() == mnt);
        let Some(m) = mounts.iter().rev().find(on) else { break };
        node = m.root.clone();
        id = m.root_id;
        mnt = Some(m.id);
        if COVERED.load(Ordering::Relaxed) & covered_bit(id) == 0 {
            break;
        }
    }
    (node, mnt)
}

/// If `node` is the root of the mount `mnt` (of any mount, when `mnt` is not known): the
/// directory it is mounted on, and the mount that directory is in.
pub fn mounted_on(node: &InodeRef, mnt: Option<MountId>) -> Option<(InodeRef, Option<MountId>)> {
    let mounts = MOUNTS.lock();
    if mounts.iter().all(|m| m.mountpoint.is_none()) {
        return None;
    }
    let id = node.id();
    let m = match mnt {
        Some(mid) => mounts.iter().find(|m| m.id == mid && m.root_id == id)?,
        None => mounts.iter().rev().find(|m| m.root_id == id)?,
    };
    Some((m.mountpoint.clone()?, m.parent_id()))
}

/// The mount whose root is `node`, if any (umount's target).
pub fn mount_rooted_at(node: &InodeRef) -> Option<Arc<Mount>> {
    let id = node.id();
    MOUNTS.lock().iter().rev().find(|m| m.root_id == id).cloned()
}

/// The mount holding `node` (the one with its device number), if it is registered.
pub fn mount_of(node: &InodeRef) -> Option<Arc<Mount>> {
    mount_of_dev(node.id().0)
}

pub fn mount_of_dev(dev: u64) -> Option<Arc<Mount>> {
    MOUNTS.lock().iter().rev().find(|m| m.dev() == dev).cloned()
}

/// The MS_* flags of the mount `node` lies on (0 when it is on none).
pub fn mount_flags_of(node: &InodeRef) -> u64 {
    mount_of(node).map_or(0, |m| m.flags())
}

/// Whether `node` lies on a read-only mount (EROFS for changes).
pub fn is_readonly(node: &InodeRef) -> bool {
    mount_flags_of(node) & MS_RDONLY != 0
}

/// Whether something is mounted on `node` or `node` is a mounted root (EBUSY for rmdir/rename).
pub fn is_mount_point(node: &InodeRef) -> bool {
    let id = node.id();
    MOUNTS.lock().iter().any(|m| m.mountpoint_id == Some(id) || (m.mountpoint.is_some() && m.root_id == id))
}

/// Sync every mounted instance (sync(2)).
pub fn sync_all() {
    for m in mounts() {
        if let Err(e) = m.fs.sync() {
            log::warn!("sync of {} ({}): {e}", m.path, m.fs.fs_type());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ramfs::RamFs;

    #[test]
    fn mounting_covers_a_directory_until_unmounted() {
        let base = RamFs::new("tmpfs");
        let root = base.root();
        let dir = root.create("mnt", FileKind::Directory, 0o755).unwrap();
        let top = RamFs::new("tmpfs");
        let m = mount(top.clone(), &dir, None, "/mnt", "none", MS_NOSUID, "").unwrap();
        assert_eq!(covered(dir.clone()).id(), top.root().id());
        assert_eq!(mounted_on(&top.root(), None).unwrap().0.id(), dir.id());
        assert!(is_mount_point(&dir));
        assert_eq!(mount(top.clone(), &dir, None, "/mnt", "none", 0, "").err(), Some(Errno::EBUSY));
        assert_eq!(m.option_string(), "rw,nosuid");
        umount(&m, false).unwrap();
        assert_eq!(covered(dir.clone()).id(), dir.id());
        assert!(!is_mount_point(&dir));
    }

    #[test]
    fn a_mount_with_mounts_inside_is_busy_unless_detached() {
        let base = RamFs::new("tmpfs");
        let dir = base.root().create("a", FileKind::Directory, 0o755).unwrap();
        let mid = RamFs::new("tmpfs");
        let m1 = mount(mid.clone(), &dir, None, "/a", "none", 0, "").unwrap();
        let inner = mid.root().create("b", FileKind::Directory, 0o755).unwrap();
        let m2 = mount(RamFs::new("tmpfs"), &inner, None, "/a/b", "none", 0, "").unwrap();
        assert!(Arc::ptr_eq(m2.parent.as_ref().unwrap(), &m1));
        assert_eq!(umount(&m1, false), Err(Errno::EBUSY));
        umount(&m1, true).unwrap();
        assert!(!mounts().iter().any(|m| Arc::ptr_eq(m, &m2)));
    }
}
