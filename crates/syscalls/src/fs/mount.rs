//! Mounts and file-system-wide calls: mount, umount2, statfs, fstatfs, sync, syncfs; and the
//! standard mounts of a booting system ([`mount_standard`]).
use super::at::{fd_location, PathStart};
use crate::Caller;
use abi::cred::CAP_SYS_ADMIN;
use abi::flags::*;
use abi::structs::Statfs;
use abi::{Errno, SysResult};
use alloc::string::String;
use alloc::sync::Arc;
use fs::path::Located;
use fs::ramfs::{RamDir, RamFs};
use fs::vfs::{self, FileSystem, StatFs};
use fs::{FileKind, InodeRef};
use hal::mem::PAGE_SIZE;
use mm::{UserCStr, UserPtr};

/// pipefs's magic number (fstatfs of a pipe).
const PIPEFS_MAGIC: i64 = 0x5049_5045;

/// Make every file-system type the kernel has mountable by name: tmpfs, ramfs, devtmpfs, proc,
/// mqueue.
/// (The ext4 component registers "ext4" itself through `fs::vfs::register_fs_type`.)
/// Idempotent: mount(2) makes sure of it too, so a kernel that never called it can still mount.
pub fn register_fs_types() {
    static DONE: sync::Once = sync::Once::new();
    DONE.call_once(|| {
        fs::register_types();
        procfs::register();
        procfs::SYSVIPC.call_once(|| crate::ipc::proc_sysvipc);
        vfs::register_fs_type("mqueue", false, task::mqueue::make_fs);
        // A tmpfs without size= gets half of the memory, as on Linux.
        let ram = procfs::MemInfo::now().total;
        if ram > 0 {
            fs::ramfs::set_default_size(ram / 2);
        }
    });
}

/// Set up the standard mounts on `root` (a directory tree that is to be "/"): register it as
/// the root mount if nobody has (an initramfs unpacked into a ramfs is "rootfs"), then mount
/// devtmpfs on /dev, proc on /proc and tmpfs on /tmp, creating the directories if missing and
/// leaving alone those that have something mounted already. The kernel's init calls this once,
/// after building or mounting its root.
pub fn mount_standard(root: &InodeRef) -> SysResult<()> {
    register_fs_types();
    if vfs::mount_rooted_at(root).is_none() {
        let fs: Arc<dyn FileSystem> = match root.as_any().and_then(|a| a.downcast_ref::<RamDir>()) {
            Some(d) => RamFs::from_root("rootfs", d.arc()),
            None => vfs::RootOnly::new("rootfs", root.clone(), StatFs::default()),
        };
        vfs::mount_root(fs, "rootfs", 0, "");
    }
    for (dir, fstype, flags, data) in [
        ("dev", "devtmpfs", MS_NOSUID | MS_RELATIME, "mode=755"),
        ("proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME, ""),
        ("tmp", "tmpfs", MS_NOSUID | MS_NODEV, ""),
    ] {
        let point = match root.lookup(dir) {
            Ok(d) => d,
            Err(Errno::ENOENT) => root.create(dir, FileKind::Directory, if dir == "tmp" { 0o1777 } else { 0o755 })?,
            Err(e) => return Err(e),
        };
        if vfs::covered(point.clone()).id() != point.id() {
            continue;
        }
        let fs = vfs::make_fs(fstype, fstype, flags, data)?;
        let opts = if fstype == "devtmpfs" { data } else { "" };
        vfs::mount(fs, &point, None, &alloc::format!("/{dir}"), fstype, flags, opts)?;
    }
    Ok(())
}

/// Read mount(2)'s data argument: the option string (the file systems here take text
/// options), or "" for NULL. As Linux's copy_mount_options: at most a page less its last byte,
/// as much of it as can be read (options running into unmapped memory are cut there), EFAULT
/// only if not even the first byte can; the string ends at its NUL or where the copy ends.
fn mount_data(cx: &Caller, data: usize) -> SysResult<String> {
    if data == 0 {
        return Ok(String::new());
    }
    let mut mm = cx.mm();
    let max = PAGE_SIZE - 1;
    let mut bytes = alloc::vec::Vec::new();
    let mut at = data;
    while bytes.len() < max {
        let start = bytes.len();
        let n = (PAGE_SIZE - at % PAGE_SIZE).min(max - start);
        bytes.resize(start + n, 0);
        if mm.read_bytes(at, &mut bytes[start..]).is_err() {
            if start == 0 {
                return Err(Errno::EFAULT);
            }
            bytes.truncate(start);
            break;
        }
        if let Some(nul) = bytes[start..].iter().position(|&b| b == 0) {
            bytes.truncate(start + nul);
            break;
        }
        at += n;
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// mount(2): a new instance of a registered type (`fstype`) on the directory `target`;
/// MS_REMOUNT changes the flags of the mount at `target`; MS_BIND shows the directory `source`
/// at `target` too (MS_REC is taken as asked, but the mounts inside `source` are not
/// repeated); MS_MOVE moves the mount at `source` to `target`; propagation changes (MS_SHARED,
/// MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE) are accepted and change nothing (there is one
/// namespace). Unknown types are ENODEV. A type that lives on a disk (ext4) needs a block
/// device as the source.
pub async fn sys_mount(
    cx: &Caller,
    source: UserCStr,
    target: UserCStr,
    fstype: UserCStr,
    flags: u64,
    data: usize,
) -> SysResult<()> {
    // Before Linux 2.4 the top half of the flags held a magic number; it is still ignored.
    let flags = if flags & MS_MGC_MSK == 0xc0ed_0000 { flags & !MS_MGC_MSK } else { flags };
    let fstype = if fstype.is_null() { String::new() } else { fstype.read(&mut cx.mm())? };
    let source = if source.is_null() { String::new() } else { source.read(&mut cx.mm())? };
    let data = mount_data(cx, data)?;
    let target = target.read(&mut cx.mm())?;
    register_fs_types();
    let start = PathStart::new(cx, AT_FDCWD as i32, &target)?;
    let at = start.resolve(&target, flags & MS_NOSYMFOLLOW == 0)?;
    if !cx.cred().capable(CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    if flags & MS_REMOUNT != 0 {
        let m = vfs::mount_at(&at.node, at.mnt).ok_or(Errno::EINVAL)?;
        m.set_flags(flags & vfs::MOUNT_STATE_FLAGS);
        return Ok(());
    }
    if flags & (MS_BIND | MS_MOVE) != 0 {
        let src = PathStart::new(cx, AT_FDCWD as i32, &source)?.resolve(&source, true)?;
        if flags & MS_MOVE != 0 {
            let m = vfs::mount_at(&src.node, src.mnt).ok_or(Errno::EINVAL)?;
            return vfs::move_mount(&m, &at.node, at.mnt, &at.path());
        }
        let (from, root_path) = bind_source(&src)?;
        vfs::bind(&from, &src.node, &root_path, &at.node, at.mnt, &at.path())?;
        return Ok(());
    }
    if flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE) != 0 {
        return Ok(());
    }
    if fstype.is_empty() {
        return Err(Errno::EINVAL);
    }
    let needs_device = vfs::fs_types().into_iter().find(|(name, _)| *name == fstype).ok_or(Errno::ENODEV)?.1;
    // A type on a disk takes the block device the source names (a path: "/dev/vdb", a link to
    // it, a name relative to the cwd); the file system is given the disk's own name.
    let device = if needs_device { Some(block_device(cx, &source)?) } else { None };
    let fs = vfs::make_fs(&fstype, device.as_deref().unwrap_or(&source), flags, &data)?;
    if at.node.kind() != FileKind::Directory {
        return Err(Errno::ENOTDIR);
    }
    let source = if source.is_empty() { String::from("none") } else { source };
    // The options are shown in /proc/mounts as given.
    vfs::mount(fs, &at.node, at.mnt, &at.path(), &source, flags, &data)?;
    Ok(())
}

/// What binding `src` shows: the mount it is in, and where in that mount's instance it is
/// (/proc/<pid>/mountinfo's root).
pub(super) fn bind_source(src: &Located) -> SysResult<(Arc<vfs::Mount>, String)> {
    let from = src.mnt.and_then(vfs::mount_by_id).or_else(|| vfs::mount_of(&src.node)).ok_or(Errno::EINVAL)?;
    let inside = src.path().strip_prefix(from.path.as_str()).map(String::from).unwrap_or_default();
    let root_path = alloc::format!("{}/{}", from.root_path.trim_end_matches('/'), inside.trim_start_matches('/'));
    let root_path = if root_path.len() > 1 { String::from(root_path.trim_end_matches('/')) } else { root_path };
    Ok((from, root_path))
}

/// The disk that `source` names, as "/dev/<name>": ENOENT if there is no such file (or no
/// source), ENOTBLK if it is not a block device, ENXIO if no disk has its number.
pub(super) fn block_device(cx: &Caller, source: &str) -> SysResult<String> {
    if source.is_empty() {
        return Err(Errno::ENOENT);
    }
    let node = PathStart::new(cx, AT_FDCWD as i32, source)?.lookup(source, true)?;
    if node.kind() != FileKind::BlockDevice {
        return Err(Errno::ENOTBLK);
    }
    let name = fs::dev::block_device_name(node.stat().st_rdev).ok_or(Errno::ENXIO)?;
    Ok(alloc::format!("/dev/{name}"))
}

/// Whether some process has its cwd or root, or an open file, on the instance with device `dev`.
fn in_use(dev: u64) -> bool {
    task::process::all().iter().any(|p| {
        let on_it = |n: &InodeRef| n.id().0 == dev;
        let fs_busy = {
            let fs = p.fs.lock();
            on_it(&fs.cwd) || on_it(&fs.root)
        };
        fs_busy || p.files().iter().any(|(_, e)| on_it(e.file.inode()))
    })
}

/// umount2(2). The target must be the root of a mount (EINVAL); the root mount, a mount with
/// mounts inside, or one in use (a cwd or open file on it) is EBUSY unless MNT_DETACH.
pub async fn sys_umount2(cx: &Caller, target: UserCStr, flags: u32) -> SysResult<()> {
    if flags & !(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW) != 0
        || (flags & MNT_EXPIRE != 0 && flags & (MNT_FORCE | MNT_DETACH) != 0)
    {
        return Err(Errno::EINVAL);
    }
    let target = target.read(&mut cx.mm())?;
    let at = PathStart::new(cx, AT_FDCWD as i32, &target)?.resolve(&target, flags & UMOUNT_NOFOLLOW == 0)?;
    if !cx.cred().capable(CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    let m = vfs::mount_at(&at.node, at.mnt).ok_or(Errno::EINVAL)?;
    let detach = flags & MNT_DETACH != 0;
    // An instance mounted in another place too (a bind mount or its source) stays: what is
    // open on it is not this place's (which place a file was reached through is not kept).
    let elsewhere = vfs::mounts().iter().any(|o| o.id != m.id && o.dev() == m.dev());
    if !detach && !elsewhere && m.mountpoint.is_some() && in_use(m.dev()) {
        return Err(Errno::EBUSY);
    }
    vfs::umount(&m, detach)?;
    if elsewhere {
        return Ok(());
    }
    fs::notify::unmounted(m.dev());
    // Out of the tree: a disk file system lets go of its disk now, unless files are still open
    // on it (a lazy unmount: it goes with the last of them).
    if !in_use(m.dev()) {
        if let Err(e) = m.fs.unmount() {
            log::warn!("umount {}: {e}: the file system goes when its last user does", m.path);
        }
    }
    Ok(())
}

/// statfs of the instance holding `node`.
fn statfs_of(node: &InodeRef) -> Statfs {
    let dev = node.id().0;
    let (s, flags) = match vfs::mount_of_dev(dev) {
        Some(m) => (m.fs.statfs(), m.statfs_flags()),
        None if node.kind() == FileKind::Fifo => {
            (StatFs { magic: PIPEFS_MAGIC, bsize: 4096, ..StatFs::default() }, ST_VALID)
        }
        None => (StatFs { magic: fs::ramfs::RAMFS_MAGIC, bsize: 4096, namelen: 255, ..StatFs::default() }, ST_VALID),
    };
    Statfs {
        f_type: s.magic,
        f_bsize: s.bsize as i64,
        f_blocks: s.blocks,
        f_bfree: s.bfree,
        f_bavail: s.bavail,
        f_files: s.files,
        f_ffree: s.ffree,
        f_fsid: [dev as i32, (dev >> 32) as i32],
        f_namelen: s.namelen as i64,
        f_frsize: s.bsize as i64,
        f_flags: flags as i64,
        f_spare: [0; 4],
    }
}

/// statfs(2).
pub async fn sys_statfs(cx: &Caller, path: UserCStr, buf: UserPtr<Statfs>) -> SysResult<()> {
    let path = path.read(&mut cx.mm())?;
    let node = PathStart::new(cx, AT_FDCWD as i32, &path)?.lookup(&path, true)?;
    buf.write(&mut cx.mm(), &statfs_of(&node))
}

/// fstatfs(2) (O_PATH descriptors too).
pub async fn sys_fstatfs(cx: &Caller, fd: i32, buf: UserPtr<Statfs>) -> SysResult<()> {
    let node = cx.file(fd)?.inode().clone();
    buf.write(&mut cx.mm(), &statfs_of(&node))
}

/// sync(2): every mounted instance writes out what it holds.
pub async fn sys_sync(_cx: &Caller) -> SysResult<()> {
    vfs::sync_all();
    Ok(())
}

/// syncfs(2): the instance holding `fd`.
pub async fn sys_syncfs(cx: &Caller, fd: i32) -> SysResult<()> {
    let node = fd_location(cx, fd)?.node;
    match vfs::mount_of(&node) {
        Some(m) => m.fs.sync(),
        None => Ok(()),
    }
}
