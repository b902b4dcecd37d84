//! Sizes, permissions, owners and times: truncate, ftruncate, fallocate, faccessat(2),
//! fchmodat, fchmod, fchownat, fchown, utimensat.
use super::at::{fd_location, resolve_at, who, PathStart};
use crate::Caller;
use abi::events::{IN_ACCESS, IN_ATTRIB, IN_MODIFY};
use abi::flags::*;
use abi::structs::Timespec;
use abi::{Errno, SysResult};
use fs::notify;
use fs::path::Located;
use fs::{FileKind, InodeRef, SetAttr, TimeSet};
use mm::{UserCStr, UserPtr};

fn check_writable_fs(node: &InodeRef) -> SysResult<()> {
    if fs::vfs::is_readonly(node) {
        return Err(Errno::EROFS);
    }
    Ok(())
}

/// truncate(2): the path's file (links followed) gets `length` bytes. A directory is EISDIR,
/// other non-regular files EINVAL, a negative length EINVAL.
pub async fn sys_truncate(cx: &Caller, path: UserCStr, length: i64) -> SysResult<()> {
    let path = path.read(&mut cx.mm())?;
    if length < 0 {
        return Err(Errno::EINVAL);
    }
    let at = PathStart::new(cx, AT_FDCWD as i32, &path)?.resolve(&path, true)?;
    let node = &at.node;
    match node.kind() {
        FileKind::Directory => return Err(Errno::EISDIR),
        FileKind::Regular => {}
        _ => return Err(Errno::EINVAL),
    }
    check_writable_fs(node)?;
    fs::perm::check(node, &who(cx), W_OK)?;
    fs::textbusy::check_writable(node)?;
    within_fsize(cx, length as u64)?;
    node.truncate(length as u64)?;
    notify::node_event(&**node, IN_MODIFY, at.parent_entry());
    Ok(())
}

/// RLIMIT_FSIZE: a file may not grow to more than the limit: EFBIG, and SIGXFSZ to the caller
/// (Linux's inode_newsize_ok).
pub(crate) fn within_fsize(cx: &Caller, size: u64) -> SysResult<()> {
    if size > cx.process().rlimits.lock()[RLIMIT_FSIZE].cur {
        task::signal::send_to_thread(cx.thread(), abi::signal::SIGXFSZ);
        return Err(Errno::EFBIG);
    }
    Ok(())
}

/// ftruncate(2): the descriptor must be a regular file open for writing (EINVAL otherwise, as
/// Linux says, not EBADF).
pub async fn sys_ftruncate(cx: &Caller, fd: i32, length: i64) -> SysResult<()> {
    let file = cx.io_file(fd)?;
    if length < 0 || file.inode().kind() != FileKind::Regular || !file.writable() {
        return Err(Errno::EINVAL);
    }
    within_fsize(cx, length as u64)?;
    file.inode().truncate(length as u64)?;
    file.notify(IN_MODIFY);
    Ok(())
}

/// FALLOC_FL_KEEP_SIZE: allocate without changing the size.
const FALLOC_FL_KEEP_SIZE: u32 = 1;

/// fallocate(2), mode 0 or KEEP_SIZE: makes sure the range is part of the file (tmpfs gives it
/// pages now, ENOSPC when they do not fit; other file systems only grow the file), within
/// RLIMIT_FSIZE. Other modes (punching holes...) are EOPNOTSUPP.
pub async fn sys_fallocate(cx: &Caller, fd: i32, mode: u32, offset: i64, len: i64) -> SysResult<()> {
    let file = cx.io_file(fd)?;
    if offset < 0 || len <= 0 {
        return Err(Errno::EINVAL);
    }
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    match file.inode().kind() {
        FileKind::Regular => {}
        FileKind::Directory => return Err(Errno::EISDIR),
        FileKind::Fifo => return Err(Errno::ESPIPE),
        _ => return Err(Errno::ENODEV),
    }
    if mode & !FALLOC_FL_KEEP_SIZE != 0 {
        return Err(Errno::ENOTSUP);
    }
    let end = offset.checked_add(len).ok_or(Errno::EFBIG)? as u64;
    let keep_size = mode & FALLOC_FL_KEEP_SIZE != 0;
    if !keep_size {
        within_fsize(cx, end)?;
    }
    file.inode().allocate(offset as u64, end, keep_size)?;
    file.notify(IN_MODIFY);
    Ok(())
}

/// faccessat(2): may the caller access the path as `mode` (F_OK or R_OK|W_OK|X_OK)?
pub async fn sys_faccessat(cx: &Caller, dirfd: i32, path: UserCStr, mode: u32) -> SysResult<()> {
    sys_faccessat2(cx, dirfd, path, mode, 0).await
}

/// faccessat2(2): with flags AT_EACCESS, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH. Root may read
/// and write anything, and execute what has an execute bit; W_OK on a read-only mount is
/// EROFS.
pub async fn sys_faccessat2(cx: &Caller, dirfd: i32, path: UserCStr, mode: u32, flags: u32) -> SysResult<()> {
    if mode & !(R_OK | W_OK | X_OK) != 0 || flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let node = resolve_at(cx, dirfd, path, flags, flags & AT_SYMLINK_NOFOLLOW == 0)?.node;
    if mode == F_OK {
        return Ok(());
    }
    if mode & W_OK != 0 && matches!(node.kind(), FileKind::Regular | FileKind::Directory | FileKind::Symlink) {
        check_writable_fs(&node)?;
    }
    // access(2) asks for the real ids (AT_EACCESS: the effective ones); a real uid of 0 has
    // root's permitted capabilities, any other none.
    let mut asker = who(cx);
    if flags & AT_EACCESS == 0 {
        let c = cx.cred();
        (asker.uid, asker.gid) = (c.uid, c.gid);
        asker.caps = if c.uid == 0 { c.cap_permitted } else { 0 };
    }
    fs::perm::check(&node, &asker, mode)
}

/// Only the owner (or CAP_FOWNER) changes a mode (EPERM); a caller outside the file's group
/// without CAP_FSETID cannot set its set-group-ID bit (it is dropped, as Linux does).
fn chmod(cx: &Caller, at: &Located, mode: u32) -> SysResult<()> {
    let node = &at.node;
    check_writable_fs(node)?;
    let me = who(cx);
    let st = node.stat();
    if !fs::perm::is_owner(&st, &me) {
        return Err(Errno::EPERM);
    }
    let mut mode = mode & 0o7777;
    if !me.in_group(st.st_gid) && !me.capable(abi::cred::CAP_FSETID) {
        mode &= !fs::perm::S_ISGID;
    }
    node.set_attr(&SetAttr { mode: Some(mode), ..SetAttr::default() })?;
    notify::node_event(&**node, IN_ATTRIB, at.parent_entry());
    Ok(())
}

/// fchmodat(2) (no flags: links are followed; the kernel call has no flags argument).
pub async fn sys_fchmodat(cx: &Caller, dirfd: i32, path: UserCStr, mode: u32) -> SysResult<()> {
    let path = path.read(&mut cx.mm())?;
    let at = PathStart::new(cx, dirfd, &path)?.resolve(&path, true)?;
    chmod(cx, &at, mode)
}

/// fchmodat2(2): fchmodat with flags. AT_EMPTY_PATH names `dirfd` itself; with
/// AT_SYMLINK_NOFOLLOW a symbolic link is not followed, and its mode cannot be changed
/// (EOPNOTSUPP, as Linux). Other flags are EINVAL.
pub async fn sys_fchmodat2(cx: &Caller, dirfd: i32, path: UserCStr, mode: u32, flags: u32) -> SysResult<()> {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let at = resolve_at(cx, dirfd, path, flags, flags & AT_SYMLINK_NOFOLLOW == 0)?;
    if at.node.kind() == FileKind::Symlink {
        return Err(Errno::EOPNOTSUPP);
    }
    chmod(cx, &at, mode)
}

/// fchmod(2). O_PATH descriptors are EBADF.
pub async fn sys_fchmod(cx: &Caller, fd: i32, mode: u32) -> SysResult<()> {
    cx.io_file(fd)?;
    chmod(cx, &fd_location(cx, fd)?, mode)
}

/// Linux's chown_ok and chgrp_ok: CAP_CHOWN may give a file to anyone; its owner may only
/// "give" it to itself and move it to a group it belongs to (EPERM otherwise).
fn chown(cx: &Caller, at: &Located, uid: u32, gid: u32) -> SysResult<()> {
    let node = &at.node;
    check_writable_fs(node)?;
    // -1 leaves an id as it is.
    let id = |v: u32| (v != u32::MAX).then_some(v);
    let me = who(cx);
    if !me.capable(abi::cred::CAP_CHOWN) {
        let st = node.stat();
        let owner = st.st_uid == me.uid;
        let uid_ok = id(uid).is_none_or(|u| owner && u == st.st_uid);
        let gid_ok = id(gid).is_none_or(|g| owner && (g == st.st_gid || me.in_group(g)));
        if !uid_ok || !gid_ok {
            return Err(Errno::EPERM);
        }
    }
    node.set_attr(&SetAttr { uid: id(uid), gid: id(gid), ..SetAttr::default() })?;
    notify::node_event(&**node, IN_ATTRIB, at.parent_entry());
    Ok(())
}

/// fchownat(2): flags AT_SYMLINK_NOFOLLOW (change the link itself) and AT_EMPTY_PATH. Changing
/// the owner of a non-directory drops its set-user-ID bit (and set-group-ID if group-
/// executable), as on Linux.
pub async fn sys_fchownat(cx: &Caller, dirfd: i32, path: UserCStr, uid: u32, gid: u32, flags: u32) -> SysResult<()> {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let at = resolve_at(cx, dirfd, path, flags, flags & AT_SYMLINK_NOFOLLOW == 0)?;
    chown(cx, &at, uid, gid)
}

/// fchown(2). O_PATH descriptors are EBADF.
pub async fn sys_fchown(cx: &Caller, fd: i32, uid: u32, gid: u32) -> SysResult<()> {
    cx.io_file(fd)?;
    chown(cx, &fd_location(cx, fd)?, uid, gid)
}

/// One timestamp of utimensat: None for UTIME_OMIT.
fn time_set(t: &Timespec) -> SysResult<Option<TimeSet>> {
    match t.tv_nsec {
        UTIME_OMIT => Ok(None),
        UTIME_NOW => Ok(Some(TimeSet::Now)),
        n if (0..1_000_000_000).contains(&n) => Ok(Some(TimeSet::At(t.tv_sec, n as u32))),
        _ => Err(Errno::EINVAL),
    }
}

/// utimensat(2): set atime and mtime (`times` NULL: both now; UTIME_NOW, UTIME_OMIT per field);
/// ctime becomes now. Linux's order: both UTIME_OMIT succeeds at once, before the path is even
/// looked at; a NULL path means `dirfd` itself (futimens; no flags allowed then), else the
/// flags (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH) are checked, then the path, and only then the
/// nanosecond values (EINVAL).
pub async fn sys_utimensat(
    cx: &Caller,
    dirfd: i32,
    path: UserCStr,
    times: UserPtr<[Timespec; 2]>,
    flags: u32,
) -> SysResult<()> {
    let times = match times.nonnull() {
        Some(t) => {
            let [a, m] = t.read(&mut cx.mm())?;
            if a.tv_nsec == UTIME_OMIT && m.tv_nsec == UTIME_OMIT {
                return Ok(());
            }
            Some((a, m))
        }
        None => None,
    };
    let at = if path.is_null() && dirfd != AT_FDCWD as i32 {
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        fd_location(cx, dirfd)?
    } else {
        if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
            return Err(Errno::EINVAL);
        }
        if path.is_null() {
            return Err(Errno::EFAULT);
        }
        resolve_at(cx, dirfd, path, flags, flags & AT_SYMLINK_NOFOLLOW == 0)?
    };
    let node = &at.node;
    let (atime, mtime) = match times {
        Some((a, m)) => (time_set(&a)?, time_set(&m)?),
        None => (Some(TimeSet::Now), Some(TimeSet::Now)),
    };
    check_writable_fs(node)?;
    // Explicit times need ownership (EPERM); "now" for both also write permission (EACCES);
    // "now" for one and "omit" for the other needs nothing (Linux's vfs_utimes).
    let me = who(cx);
    let explicit = matches!(atime, Some(TimeSet::At(..))) || matches!(mtime, Some(TimeSet::At(..)));
    let touch = atime == Some(TimeSet::Now) && mtime == Some(TimeSet::Now);
    if (explicit || touch) && !fs::perm::is_owner(&node.stat(), &me) {
        if explicit {
            return Err(Errno::EPERM);
        }
        fs::perm::check(node, &me, W_OK)?;
    }
    node.set_attr(&SetAttr { atime, mtime, ..SetAttr::default() })?;
    // Both times is an attribute change; one alone reads as an access or a modification.
    let event = match (atime, mtime) {
        (Some(_), Some(_)) => IN_ATTRIB,
        (Some(_), None) => IN_ACCESS,
        (None, Some(_)) => IN_MODIFY,
        (None, None) => return Ok(()),
    };
    notify::node_event(&**node, event, at.parent_entry());
    Ok(())
}

/// umask(2): set the file-creation mask (its 0777 bits); returns the previous one. Never fails.
pub async fn sys_umask(cx: &Caller, mask: u32) -> SysResult<u32> {
    let mut fs = cx.process().fs.lock();
    let old = fs.umask;
    fs.umask = mask & 0o777;
    Ok(old)
}
