//! Directories and names: mkdirat, mknodat, unlinkat, renameat2, linkat, symlinkat, getdents64,
//! chdir, fchdir, getcwd.
//!
//! Errors come in Linux's order, checked with C programs on Linux 6.x (tmpfs): the path's
//! last component decides first ("." and ".." are EEXIST for mkdir, EISDIR for unlink, EINVAL
//! and ENOTEMPTY for rmdir, EBUSY for rename), then what the name holds, then the file system.
use super::at::{fd_location, who, PathStart};
use crate::Caller;
use abi::events::{IN_ACCESS, IN_ATTRIB, IN_CREATE, IN_DELETE};
use abi::flags::*;
use abi::{Errno, SysResult};
use alloc::string::String;
use alloc::vec::Vec;
use fs::notify;
use fs::path::Parent;
use fs::vfs;
use fs::{FileKind, InodeRef, RenameMode};
use mm::{UserCStr, UserSliceMut};

fn read_path(cx: &Caller, path: UserCStr) -> SysResult<alloc::string::String> {
    path.read(&mut cx.mm())
}

/// EROFS if `dir` (a directory about to get a new name) is on a read-only mount, then EACCES
/// unless the caller may write and search it.
fn writable_dir(cx: &Caller, dir: &InodeRef) -> SysResult<()> {
    if vfs::is_readonly(dir) {
        return Err(Errno::EROFS);
    }
    fs::perm::check(dir, &who(cx), W_OK | X_OK)
}

/// EROFS, then whether the caller may remove `victim` from `dir` (EACCES, EPERM in a sticky
/// directory).
fn removable(cx: &Caller, dir: &InodeRef, victim: &InodeRef) -> SysResult<()> {
    if vfs::is_readonly(dir) {
        return Err(Errno::EROFS);
    }
    fs::perm::check_delete(dir, victim, &who(cx))
}

/// The node a `Parent` names, if the name exists (without following a final symlink).
fn existing(start: &PathStart, p: &Parent) -> SysResult<Option<InodeRef>> {
    match start.resolver.step(&p.dir, &p.name) {
        Ok(at) => Ok(Some(at.node)),
        Err(Errno::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Where `path` would create a new node: its directory and name. EEXIST when anything has that
/// name (a dangling symlink too); ENOENT for a trailing slash unless the new node is a directory.
fn new_name(cx: &Caller, dirfd: i32, path: &str, directory: bool) -> SysResult<Parent> {
    let start = PathStart::new(cx, dirfd, path)?;
    let p = start.parent(path)?;
    if !p.is_normal() || existing(&start, &p)?.is_some() {
        return Err(Errno::EEXIST);
    }
    if p.trailing_slash && !directory {
        return Err(Errno::ENOENT);
    }
    Ok(p)
}

/// mkdirat(2). The mode keeps the permission and sticky bits, less the umask. Any existing
/// name is EEXIST, a dangling symlink too.
pub async fn sys_mkdirat(cx: &Caller, dirfd: i32, path: UserCStr, mode: u32) -> SysResult<()> {
    let path = read_path(cx, path)?;
    let p = new_name(cx, dirfd, &path, true)?;
    writable_dir(cx, &p.dir.node)?;
    let umask = cx.process().fs.lock().umask;
    let node = p.dir.node.create(&p.name, FileKind::Directory, mode & 0o1777 & !umask)?;
    notify::dir_event(p.dir.node.id(), IN_CREATE, &p.name, true);
    fs::perm::own_new(&p.dir.node, &node, &who(cx))
}

/// mknodat(2): regular files (S_IFREG or 0), FIFOs, socket names and, with CAP_MKNOD, device
/// nodes (a file system without them, such as ext4 here, answers EPERM). A character device
/// 0:0 is an overlayfs "whiteout", which anyone may make, as on Linux. Opening a device node
/// reaches the driver of its number, or is ENXIO when none has it.
pub async fn sys_mknodat(cx: &Caller, dirfd: i32, path: UserCStr, mode: u32, dev: u32) -> SysResult<()> {
    let path = read_path(cx, path)?;
    let kind = match mode & S_IFMT {
        0 | S_IFREG => FileKind::Regular,
        S_IFIFO => FileKind::Fifo,
        S_IFDIR => return Err(Errno::EPERM),
        S_IFSOCK => FileKind::Socket,
        S_IFCHR => FileKind::CharDevice,
        S_IFBLK => FileKind::BlockDevice,
        _ => return Err(Errno::EINVAL),
    };
    let p = new_name(cx, dirfd, &path, false)?;
    writable_dir(cx, &p.dir.node)?;
    let device = matches!(kind, FileKind::CharDevice | FileKind::BlockDevice);
    let whiteout = kind == FileKind::CharDevice && dev == 0;
    if device && !whiteout && !cx.cred().capable(abi::cred::CAP_MKNOD) {
        return Err(Errno::EPERM);
    }
    let umask = cx.process().fs.lock().umask;
    let (major, minor) = fs::meta::split_dev(dev as u64);
    let node = p.dir.node.mknod(&p.name, kind, mode & 0o7777 & !umask, fs::meta::make_dev(major, minor))?;
    notify::dir_event(p.dir.node.id(), IN_CREATE, &p.name, false);
    fs::perm::own_new(&p.dir.node, &node, &who(cx))
}

/// unlinkat(2): a name (not a directory: EISDIR), or with AT_REMOVEDIR an empty directory
/// (ENOTDIR for others, ENOTEMPTY, EBUSY for a mount point or the root).
pub async fn sys_unlinkat(cx: &Caller, dirfd: i32, path: UserCStr, flags: u32) -> SysResult<()> {
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(cx, path)?;
    let start = PathStart::new(cx, dirfd, &path)?;
    let p = start.parent(&path)?;
    let rmdir = flags & AT_REMOVEDIR != 0;
    match (rmdir, p.name.as_str()) {
        (true, ".") => return Err(Errno::EINVAL),
        (true, "..") => return Err(Errno::ENOTEMPTY),
        (true, "/") => return Err(Errno::EBUSY),
        (false, "." | ".." | "/") => return Err(Errno::EISDIR),
        _ => {}
    }
    let node = existing(&start, &p)?.ok_or(Errno::ENOENT)?;
    let is_dir = node.kind() == FileKind::Directory;
    if rmdir {
        if !is_dir {
            return Err(Errno::ENOTDIR);
        }
        if vfs::is_mount_point(&node) {
            return Err(Errno::EBUSY);
        }
        removable(cx, &p.dir.node, &node)?;
        p.dir.node.rmdir(&p.name)?;
        notify::deleted(&*node);
        notify::dir_event(p.dir.node.id(), IN_DELETE, &p.name, true);
        return Ok(());
    }
    if is_dir {
        return Err(Errno::EISDIR);
    }
    if p.trailing_slash {
        return Err(Errno::ENOTDIR);
    }
    removable(cx, &p.dir.node, &node)?;
    p.dir.node.unlink(&p.name)?;
    unlinked(&node);
    notify::dir_event(p.dir.node.id(), IN_DELETE, &p.name, false);
    Ok(())
}

/// inotify's events for a node that lost a name: IN_ATTRIB (its link count), and when that was
/// its last name, IN_DELETE_SELF.
fn unlinked(node: &InodeRef) {
    if notify::active() {
        notify::self_event(&**node, IN_ATTRIB);
        if node.stat().st_nlink == 0 || node.kind() == FileKind::Directory {
            notify::deleted(&**node);
        }
    }
}

/// Whether `dir` is `node` or lies below it (walking ".." within one file system).
fn is_within(dir: &InodeRef, node: &InodeRef) -> SysResult<bool> {
    let target = node.id();
    let mut cur = dir.clone();
    loop {
        let id = cur.id();
        if id == target {
            return Ok(true);
        }
        let up = cur.lookup("..")?;
        if up.id() == id {
            return Ok(false);
        }
        cur = up;
    }
}

/// renameat2(2) with RENAME_NOREPLACE and RENAME_EXCHANGE (RENAME_WHITEOUT, for overlay file
/// systems, is EINVAL). Checks in Linux's order: flags, both walks, EXDEV across mounts, EBUSY
/// for "." and "..", the source (ENOENT), NOREPLACE/EXCHANGE, kinds (ENOTDIR/EISDIR), a directory
/// moving under itself (EINVAL), mount points (EBUSY); renaming a name onto another name of
/// the same file does nothing.
pub async fn sys_renameat2(
    cx: &Caller,
    olddirfd: i32,
    oldpath: UserCStr,
    newdirfd: i32,
    newpath: UserCStr,
    flags: u32,
) -> SysResult<()> {
    if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0
        || flags & (RENAME_NOREPLACE | RENAME_EXCHANGE) == (RENAME_NOREPLACE | RENAME_EXCHANGE)
        || flags & RENAME_WHITEOUT != 0
    {
        return Err(Errno::EINVAL);
    }
    let mode = if flags & RENAME_EXCHANGE != 0 {
        RenameMode::Exchange
    } else if flags & RENAME_NOREPLACE != 0 {
        RenameMode::NoReplace
    } else {
        RenameMode::Replace
    };
    let old = read_path(cx, oldpath)?;
    let new = read_path(cx, newpath)?;
    let old_start = PathStart::new(cx, olddirfd, &old)?;
    let op = old_start.parent(&old)?;
    let new_start = PathStart::new(cx, newdirfd, &new)?;
    let np = new_start.parent(&new)?;
    if op.dir.node.id().0 != np.dir.node.id().0 {
        return Err(Errno::EXDEV);
    }
    if !op.is_normal() {
        return Err(Errno::EBUSY);
    }
    if !np.is_normal() {
        return Err(if mode == RenameMode::NoReplace { Errno::EEXIST } else { Errno::EBUSY });
    }
    let src = existing(&old_start, &op)?.ok_or(Errno::ENOENT)?;
    let dst = existing(&new_start, &np)?;
    match (mode, &dst) {
        (RenameMode::NoReplace, Some(_)) => return Err(Errno::EEXIST),
        (RenameMode::Exchange, None) => return Err(Errno::ENOENT),
        _ => {}
    }
    let src_dir = src.kind() == FileKind::Directory;
    if !src_dir && (op.trailing_slash || (np.trailing_slash && mode != RenameMode::Exchange)) {
        return Err(Errno::ENOTDIR);
    }
    if let Some(d) = &dst {
        let dst_dir = d.kind() == FileKind::Directory;
        if mode == RenameMode::Exchange {
            if !dst_dir && np.trailing_slash {
                return Err(Errno::ENOTDIR);
            }
        } else if src_dir && !dst_dir {
            return Err(Errno::ENOTDIR);
        } else if !src_dir && dst_dir {
            return Err(Errno::EISDIR);
        }
        if d.id() == src.id() {
            return Ok(());
        }
        // The old name's own directory as the victim (rename("d/e", "d")): it holds the old
        // name, so it is not empty. Said here for every file system.
        if mode != RenameMode::Exchange && d.id() == op.dir.node.id() {
            return Err(Errno::ENOTEMPTY);
        }
    }
    // A directory cannot move into its own subtree (nor, in an exchange, take the place of
    // one of its ancestors).
    if src_dir && is_within(&np.dir.node, &src)? {
        return Err(Errno::EINVAL);
    }
    if let Some(d) = dst.as_ref().filter(|d| mode == RenameMode::Exchange && d.kind() == FileKind::Directory) {
        if is_within(&op.dir.node, d)? {
            return Err(Errno::EINVAL);
        }
    }
    if vfs::is_mount_point(&src) || dst.as_ref().is_some_and(vfs::is_mount_point) {
        return Err(Errno::EBUSY);
    }
    removable(cx, &op.dir.node, &src)?;
    match &dst {
        Some(d) => removable(cx, &np.dir.node, d)?,
        None => writable_dir(cx, &np.dir.node)?,
    }
    // A directory moving to another parent rewrites its "..": it must be writable too.
    if src_dir && op.dir.node.id() != np.dir.node.id() {
        fs::perm::check(&src, &who(cx), W_OK)?;
    }
    op.dir.node.rename(&op.name, &np.dir.node, &np.name, mode)?;
    if notify::active() {
        let (from, to) = ((op.dir.node.id(), op.name.as_str()), (np.dir.node.id(), np.name.as_str()));
        match dst {
            Some(d) if mode == RenameMode::Exchange => {
                notify::moved(&*src, from, to, None);
                notify::moved(&*d, to, from, None);
            }
            Some(d) => {
                notify::moved(&*src, from, to, Some(&*d));
                if d.stat().st_nlink == 0 || d.kind() == FileKind::Directory {
                    notify::deleted(&*d);
                }
            }
            None => notify::moved(&*src, from, to, None),
        }
    }
    Ok(())
}

/// linkat(2): a new name for an existing non-directory (EPERM for directories). The old name's
/// final link is followed only with AT_SYMLINK_FOLLOW; AT_EMPTY_PATH links `olddirfd` itself.
pub async fn sys_linkat(
    cx: &Caller,
    olddirfd: i32,
    oldpath: UserCStr,
    newdirfd: i32,
    newpath: UserCStr,
    flags: u32,
) -> SysResult<()> {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let src = super::at::resolve_at(cx, olddirfd, oldpath, flags, flags & AT_SYMLINK_FOLLOW != 0)?.node;
    let new = read_path(cx, newpath)?;
    let p = new_name(cx, newdirfd, &new, false)?;
    if p.dir.node.id().0 != src.id().0 {
        return Err(Errno::EXDEV);
    }
    if src.kind() == FileKind::Directory {
        return Err(Errno::EPERM);
    }
    writable_dir(cx, &p.dir.node)?;
    p.dir.node.link(&p.name, src.clone())?;
    notify::self_event(&*src, IN_ATTRIB);
    notify::dir_event(p.dir.node.id(), IN_CREATE, &p.name, false);
    Ok(())
}

/// symlinkat(2). An empty target is ENOENT; any existing name is EEXIST.
pub async fn sys_symlinkat(cx: &Caller, target: UserCStr, newdirfd: i32, linkpath: UserCStr) -> SysResult<()> {
    let target = read_path(cx, target)?;
    let path = read_path(cx, linkpath)?;
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    let p = new_name(cx, newdirfd, &path, false)?;
    writable_dir(cx, &p.dir.node)?;
    let node = p.dir.node.symlink(&p.name, &target)?;
    notify::dir_event(p.dir.node.id(), IN_CREATE, &p.name, false);
    fs::perm::own_new(&p.dir.node, &node, &who(cx))
}

/// Size of a `linux_dirent64` holding a name of `len` bytes: the 19-byte header, the name, its
/// NUL, rounded up to 8.
fn dirent_len(len: usize) -> usize {
    (19 + len + 1).next_multiple_of(8)
}

/// getdents64(2). The file offset counts the entries handed out so far (each entry's d_off is
/// the offset after it), so lseek(fd, 0, SEEK_SET) starts over. A buffer too small for the
/// next entry is EINVAL; 0 means the end.
pub async fn sys_getdents64(cx: &Caller, fd: i32, buf: UserSliceMut<u8>) -> SysResult<usize> {
    let file = cx.io_file(fd)?;
    let node = file.inode().clone();
    if node.kind() != FileKind::Directory {
        return Err(Errno::ENOTDIR);
    }
    let count = buf.len().min(i32::MAX as usize);
    let r = file.with_offset(|off| {
        let mut out: Vec<u8> = Vec::with_capacity(count.min(16 * 1024));
        // Where each entry ends in `out`.
        let mut ends = Vec::new();
        let mut next = *off as usize;
        let mut more = false;
        node.visit_dir(next, &mut |name, ino, kind| {
            let reclen = dirent_len(name.len());
            if out.len() + reclen > count {
                more = true;
                return false;
            }
            next += 1;
            out.extend_from_slice(&ino.to_ne_bytes());
            out.extend_from_slice(&(next as i64).to_ne_bytes());
            out.extend_from_slice(&(reclen as u16).to_ne_bytes());
            out.push(kind.dirent_type());
            out.extend_from_slice(name.as_bytes());
            out.resize(out.len() + reclen - 19 - name.len(), 0);
            ends.push(out.len());
            true
        })?;
        if out.is_empty() && more {
            return Err(Errno::EINVAL);
        }
        // As Linux's filldir64: when the buffer goes bad, the entries before the fault are
        // returned (and the offset moves past them only); EFAULT if none fits.
        let copied = match cx.mm().write_some(buf.addr(), &out) {
            Ok(()) => ends.len(),
            Err((bytes, e)) => match ends.iter().take_while(|&&end| end <= bytes).count() {
                0 => return Err(e),
                n => n,
            },
        };
        *off += copied as u64;
        Ok(ends.get(copied.wrapping_sub(1)).copied().unwrap_or(0))
    });
    if r.is_ok() {
        file.notify(IN_ACCESS);
    }
    r
}

/// chdir(2).
pub async fn sys_chdir(cx: &Caller, path: UserCStr) -> SysResult<()> {
    let path = read_path(cx, path)?;
    let at = PathStart::new(cx, AT_FDCWD as i32, &path)?.resolve(&path, true)?;
    if at.node.kind() != FileKind::Directory {
        return Err(Errno::ENOTDIR);
    }
    fs::perm::check(&at.node, &who(cx), X_OK)?;
    let mut fs = cx.process().fs.lock();
    fs.cwd_path = at.path();
    fs.cwd = at.node;
    Ok(())
}

/// chroot(2): `path` (a directory the caller may search, EACCES) becomes the root of the
/// caller's path walks; CAP_SYS_CHROOT is checked last (EPERM), as Linux does. The cwd stays
/// where it is.
pub async fn sys_chroot(cx: &Caller, path: UserCStr) -> SysResult<()> {
    let path = read_path(cx, path)?;
    let at = PathStart::new(cx, AT_FDCWD as i32, &path)?.resolve(&path, true)?;
    if at.node.kind() != FileKind::Directory {
        return Err(Errno::ENOTDIR);
    }
    fs::perm::check(&at.node, &who(cx), X_OK)?;
    if !cx.cred().capable(abi::cred::CAP_SYS_CHROOT) {
        return Err(Errno::EPERM);
    }
    let root_path = at.path();
    let mut fs = cx.process().fs.lock();
    fs.root = at.node;
    fs.cwd_path = rebase_cwd(&fs.cwd_path, &root_path);
    Ok(())
}

/// The working directory's path once the root is `root` (a path in the old root's view, as
/// `cwd` is): the part below the new root, or, for a directory outside it, Linux's
/// "(unreachable)" prefix, which tells getcwd's callers (glibc's realpath) that the directory
/// has no name under this root.
fn rebase_cwd(cwd: &str, root: &str) -> String {
    let root = root.trim_end_matches('/');
    match cwd.strip_prefix(root) {
        Some("") => String::from("/"),
        Some(rest) if rest.starts_with('/') => String::from(rest),
        _ if root.is_empty() => String::from(cwd),
        _ if cwd.starts_with("(unreachable)") => String::from(cwd),
        _ => alloc::format!("(unreachable){cwd}"),
    }
}

/// fchdir(2): any descriptor of a directory, O_PATH ones too.
pub async fn sys_fchdir(cx: &Caller, fd: i32) -> SysResult<()> {
    let at = fd_location(cx, fd)?;
    if at.node.kind() != FileKind::Directory {
        return Err(Errno::ENOTDIR);
    }
    fs::perm::check(&at.node, &who(cx), X_OK)?;
    let mut fs = cx.process().fs.lock();
    fs.cwd_path = at.path();
    fs.cwd = at.node;
    Ok(())
}

/// getcwd(2): the path with its NUL; returns its length including the NUL. ERANGE if it does
/// not fit (a size of 0 too).
pub async fn sys_getcwd(cx: &Caller, buf: UserSliceMut<u8>) -> SysResult<usize> {
    let mut path = cx.process().fs.lock().cwd_path.clone().into_bytes();
    path.push(0);
    if path.len() > buf.len() {
        return Err(Errno::ERANGE);
    }
    buf.write(&mut cx.mm(), &path)?;
    Ok(path.len())
}
