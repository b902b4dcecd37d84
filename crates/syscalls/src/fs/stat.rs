//! fstat, newfstatat.
use super::PathStart;
use crate::Caller;
use abi::flags::{AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_SYMLINK_NOFOLLOW};
use abi::structs::Stat;
use abi::{Errno, SysResult};
use mm::{UserCStr, UserPtr, UserSliceMut};

/// AT_STATX_SYNC_TYPE: how hard a network file system should sync; nothing to do here, but
/// Linux accepts the bits.
const AT_STATX_SYNC_TYPE: u32 = 0x6000;

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
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let node = PathStart::new(cx, dirfd, &path)?.lookup(&path, false)?;
    let target = node.read_link()?;
    let n = target.len().min(buf.len() as i32 as usize);
    buf.write(&mut cx.mm(), &target.as_bytes()[..n])?;
    Ok(n)
}
