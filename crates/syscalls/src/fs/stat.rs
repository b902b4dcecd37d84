//! fstat, newfstatat, statx, readlinkat.
use super::PathStart;
use crate::Caller;
use abi::flags::{
    AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, STATX_MNT_ID,
    STATX__RESERVED,
};
use abi::structs::{Stat, Statx, StatxTimestamp};
use abi::{Errno, SysResult};
use mm::{UserCStr, UserPtr, UserSliceMut};

/// fstat(2). Works on O_PATH descriptors too.
pub async fn sys_fstat(cx: &Caller, fd: i32, st: UserPtr<Stat>) -> SysResult<()> {
    let stat = cx.file(fd)?.inode().stat();
    st.write(&mut cx.mm(), &stat)
}

/// newfstatat(2) (fstatat, stat and lstat in libc). Unknown flags are EINVAL before the path
/// is looked at (Linux 6.x). With AT_EMPTY_PATH an empty (or, since Linux 6.11, NULL) path
/// means `dirfd` itself, which may be any open file, or the cwd for AT_FDCWD.
pub async fn sys_newfstatat(cx: &Caller, dirfd: i32, path: UserCStr, st: UserPtr<Stat>, flags: u32) -> SysResult<()> {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) != 0 {
        return Err(Errno::EINVAL);
    }
    let empty_path_ok = flags & AT_EMPTY_PATH != 0;
    let path = if path.is_null() && empty_path_ok { Default::default() } else { path.read(&mut cx.mm())? };
    let node = if path.is_empty() {
        if !empty_path_ok {
            return Err(Errno::ENOENT);
        }
        if dirfd == AT_FDCWD as i32 {
            cx.process().fs.lock().cwd.clone()
        } else {
            cx.file(dirfd)?.inode().clone()
        }
    } else {
        PathStart::new(cx, dirfd, &path)?.lookup(&path, flags & AT_SYMLINK_NOFOLLOW == 0)?
    };
    let stat = node.stat();
    st.write(&mut cx.mm(), &stat)
}

/// readlinkat(2): the target of a symbolic link, truncated to `buf` and not NUL-terminated.
/// A `bufsiz` that is 0 or negative as a C int is EINVAL; a node that is not a link is EINVAL.
pub async fn sys_readlinkat(cx: &Caller, dirfd: i32, path: UserCStr, buf: UserSliceMut<u8>) -> SysResult<usize> {
    if buf.len() as i32 <= 0 {
        return Err(Errno::EINVAL);
    }
    let path = path.read(&mut cx.mm())?;
    let target = if path.is_empty() {
        // An empty path names `dirfd` itself: a link opened with O_PATH | O_NOFOLLOW is read;
        // anything else (a directory, the cwd) is ENOENT.
        let node = super::at::fd_location(cx, dirfd)?.node;
        if node.kind() != fs::FileKind::Symlink {
            return Err(Errno::ENOENT);
        }
        node.read_link_by(&super::at::who(cx))?
    } else {
        let start = PathStart::new(cx, dirfd, &path)?;
        let node = start.lookup(&path, false)?;
        node.read_link_by(&start.resolver.who)?
    };
    let n = target.len().min(buf.len() as i32 as usize);
    buf.write(&mut cx.mm(), &target.as_bytes()[..n])?;
    Ok(n)
}

fn statx_time(sec: i64, nsec: u64) -> StatxTimestamp {
    StatxTimestamp { tv_sec: sec, tv_nsec: nsec as u32, __reserved: 0 }
}

/// The `struct statx` of a node with metadata `st`.
pub fn statx_of(st: &Stat, mnt_id: u64) -> Statx {
    use fs::meta::{dev_major, dev_minor};
    Statx {
        stx_mask: STATX_BASIC_STATS | STATX_MNT_ID,
        stx_blksize: st.st_blksize as u32,
        stx_nlink: st.st_nlink,
        stx_uid: st.st_uid,
        stx_gid: st.st_gid,
        stx_mode: st.st_mode as u16,
        stx_ino: st.st_ino,
        stx_size: st.st_size as u64,
        stx_blocks: st.st_blocks as u64,
        stx_atime: statx_time(st.st_atime, st.st_atime_nsec),
        stx_ctime: statx_time(st.st_ctime, st.st_ctime_nsec),
        stx_mtime: statx_time(st.st_mtime, st.st_mtime_nsec),
        stx_rdev_major: dev_major(st.st_rdev),
        stx_rdev_minor: dev_minor(st.st_rdev),
        stx_dev_major: dev_major(st.st_dev),
        stx_dev_minor: dev_minor(st.st_dev),
        stx_mnt_id: mnt_id,
        ..Statx::default()
    }
}

/// statx(2) (glibc's and Rust's stat). Flags AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH (with an empty
/// or NULL path: `dirfd` itself), AT_NO_AUTOMOUNT and one AT_STATX_SYNC_* value; a mask asking
/// for the reserved bit is EINVAL. Everything basic is always filled in (the mask says so),
/// whatever was asked, as Linux's local file systems do.
pub async fn sys_statx(
    cx: &Caller,
    dirfd: i32,
    path: UserCStr,
    flags: u32,
    mask: u32,
    buf: UserPtr<Statx>,
) -> SysResult<()> {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) != 0
        || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
        || mask & STATX__RESERVED != 0
    {
        return Err(Errno::EINVAL);
    }
    let node = super::at::resolve_at(cx, dirfd, path, flags, flags & AT_SYMLINK_NOFOLLOW == 0)?.node;
    let st = node.stat();
    let mnt_id = fs::vfs::mount_of_dev(st.st_dev).map_or(0, |m| m.id as u64);
    buf.write(&mut cx.mm(), &statx_of(&st, mnt_id))
}
