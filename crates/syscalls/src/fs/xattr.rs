//! Extended attributes: setxattr, lsetxattr, fsetxattr, getxattr, lgetxattr, fgetxattr,
//! listxattr, llistxattr, flistxattr, removexattr, lremovexattr, fremovexattr.
//!
//! The checks are Linux 6.1's, in its order: the arguments of a set (flags EINVAL, name
//! ERANGE/EFAULT, value E2BIG/EFAULT) before the path; a get, list or remove reads the name
//! after the path. Then a read-only mount (EROFS, changes only), the namespace's permission
//! (`xattr_permission`: "trusted." needs CAP_SYS_ADMIN, "user." only on regular files and
//! directories and, on a sticky directory, only for its owner; then the file's own read or
//! write permission), the capability rules for "security." (`cap_inode_setxattr`), and the
//! namespace the file system stores ([`Namespace::resolve`]). Storage is the node's
//! ([`fs::Inode::set_xattr`]...): tmpfs keeps attributes in memory, bounded (`fs::xattr`);
//! other file systems have none (EOPNOTSUPP).
use super::at::{fd_location, who, PathStart};
use crate::Caller;
use abi::cred::{CAP_SETFCAP, CAP_SYS_ADMIN};
use abi::events::IN_ATTRIB;
use abi::flags::{AT_FDCWD, R_OK, W_OK};
use abi::{Errno, SysResult};
use alloc::vec::Vec;
use fs::path::Located;
use fs::xattr::{Namespace, XATTR_CREATE, XATTR_LIST_MAX, XATTR_NAME_MAX, XATTR_REPLACE, XATTR_SIZE_MAX};
use fs::{FileKind, InodeRef, Who};
use mm::{UserCStr, UserSlice, UserSliceMut};

/// The attribute name: 1 to 255 bytes (ERANGE otherwise).
fn read_name(cx: &Caller, name: UserCStr) -> SysResult<Vec<u8>> {
    let n = match cx.mm().read_cstr(name.addr(), XATTR_NAME_MAX) {
        Err(Errno::ENAMETOOLONG) => return Err(Errno::ERANGE),
        r => r?,
    };
    if n.is_empty() {
        return Err(Errno::ERANGE);
    }
    Ok(n)
}

/// The node a path names, following a final symlink if `follow`.
fn lookup(cx: &Caller, path: UserCStr, follow: bool) -> SysResult<Located> {
    let path = path.read(&mut cx.mm())?;
    PathStart::new(cx, AT_FDCWD as i32, &path)?.resolve(&path, follow)
}

/// The node behind `fd` (O_PATH descriptors are EBADF, as Linux's fdget).
fn fd_node(cx: &Caller, fd: i32) -> SysResult<Located> {
    cx.io_file(fd)?;
    fd_location(cx, fd)
}

fn writable_fs(node: &InodeRef) -> SysResult<()> {
    if fs::vfs::is_readonly(node) {
        return Err(Errno::EROFS);
    }
    Ok(())
}

/// Linux's xattr_permission: may `me` read (`write` false) or change `name` of `node`?
fn permission(node: &InodeRef, me: &Who, name: &[u8], write: bool) -> SysResult<()> {
    let refused = if write { Errno::EPERM } else { Errno::ENODATA };
    match Namespace::of(name) {
        // No restriction from the VFS: security modules and file systems decide.
        Some(Namespace::Security | Namespace::System) => return Ok(()),
        Some(Namespace::Trusted) => return if me.capable(CAP_SYS_ADMIN) { Ok(()) } else { Err(refused) },
        Some(Namespace::User) => {
            let st = node.stat();
            match node.kind() {
                FileKind::Regular => {}
                FileKind::Directory => {
                    if write && st.st_mode & fs::perm::S_ISVTX != 0 && !fs::perm::is_owner(&st, me) {
                        return Err(Errno::EPERM);
                    }
                }
                _ => return Err(refused),
            }
        }
        None => {}
    }
    fs::perm::check(node, me, if write { W_OK } else { R_OK })
}

/// Changing a "security." attribute needs CAP_SYS_ADMIN; "security.capability" (file
/// capabilities) CAP_SETFCAP (Linux's commoncap rules).
fn security_change(me: &Who, name: &[u8]) -> SysResult<()> {
    if Namespace::of(name) != Some(Namespace::Security) {
        return Ok(());
    }
    let cap = if name == b"security.capability" { CAP_SETFCAP } else { CAP_SYS_ADMIN };
    if me.capable(cap) {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// The arguments of a set, checked and copied in before anything else is looked at.
fn set_args(cx: &Caller, name: UserCStr, value: UserSlice<u8>, flags: u32) -> SysResult<(Vec<u8>, Vec<u8>)> {
    if flags & !(XATTR_CREATE | XATTR_REPLACE) != 0 {
        return Err(Errno::EINVAL);
    }
    let name = read_name(cx, name)?;
    if value.len() > XATTR_SIZE_MAX {
        return Err(Errno::E2BIG);
    }
    let value = value.read(&mut cx.mm())?;
    Ok((name, value))
}

fn set(cx: &Caller, at: &Located, name: &[u8], value: &[u8], flags: u32) -> SysResult<()> {
    let node = &at.node;
    writable_fs(node)?;
    let me = who(cx);
    permission(node, &me, name, true)?;
    security_change(&me, name)?;
    Namespace::resolve(name)?;
    node.set_xattr(name, value, flags)?;
    fs::notify::node_event(&**node, IN_ATTRIB, at.parent_entry());
    Ok(())
}

/// A zeroed kernel buffer for at most `max` bytes of a user buffer of `len` (ENOMEM).
fn buffer(len: usize, max: usize) -> SysResult<Vec<u8>> {
    let n = len.min(max);
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| Errno::ENOMEM)?;
    v.resize(n, 0);
    Ok(v)
}

fn get(cx: &Caller, node: &InodeRef, name: UserCStr, value: UserSliceMut<u8>) -> SysResult<usize> {
    let name = read_name(cx, name)?;
    let mut buf = buffer(value.len(), XATTR_SIZE_MAX)?;
    let got = permission(node, &who(cx), &name, false)
        .and_then(|_| Namespace::resolve(&name))
        .and_then(|_| node.get_xattr(&name, &mut buf));
    copy_out(cx, got, &buf, value, XATTR_SIZE_MAX)
}

/// What a get or list gave (`got` bytes of `buf`) copied to `out`, unless it only asked for the
/// size (an empty buffer). ERANGE from a buffer of the largest size means the value or list is
/// over that size: E2BIG.
fn copy_out(cx: &Caller, got: SysResult<usize>, buf: &[u8], out: UserSliceMut<u8>, max: usize) -> SysResult<usize> {
    match got {
        Ok(n) => {
            if !buf.is_empty() {
                out.write(&mut cx.mm(), &buf[..n])?;
            }
            Ok(n)
        }
        Err(Errno::ERANGE) if out.len() >= max => Err(Errno::E2BIG),
        Err(e) => Err(e),
    }
}

fn list(cx: &Caller, node: &InodeRef, out: UserSliceMut<u8>) -> SysResult<usize> {
    let mut buf = buffer(out.len(), XATTR_LIST_MAX)?;
    let got = node.list_xattr(who(cx).capable(CAP_SYS_ADMIN), &mut buf);
    copy_out(cx, got, &buf, out, XATTR_LIST_MAX)
}

fn remove(cx: &Caller, at: &Located, name: UserCStr) -> SysResult<()> {
    let node = &at.node;
    writable_fs(node)?;
    let name = read_name(cx, name)?;
    let me = who(cx);
    permission(node, &me, &name, true)?;
    security_change(&me, &name)?;
    Namespace::resolve(&name)?;
    node.remove_xattr(&name)?;
    fs::notify::node_event(&**node, IN_ATTRIB, at.parent_entry());
    Ok(())
}

/// setxattr(2): set attribute `name` of the file at `path` (links followed) to `value`;
/// `flags` XATTR_CREATE (EEXIST if it exists) or XATTR_REPLACE (ENODATA if it does not).
pub async fn sys_setxattr(
    cx: &Caller,
    path: UserCStr,
    name: UserCStr,
    value: UserSlice<u8>,
    flags: u32,
) -> SysResult<()> {
    let (name, value) = set_args(cx, name, value, flags)?;
    let node = lookup(cx, path, true)?;
    set(cx, &node, &name, &value, flags)
}

/// lsetxattr(2): setxattr of a symbolic link itself.
pub async fn sys_lsetxattr(
    cx: &Caller,
    path: UserCStr,
    name: UserCStr,
    value: UserSlice<u8>,
    flags: u32,
) -> SysResult<()> {
    let (name, value) = set_args(cx, name, value, flags)?;
    let node = lookup(cx, path, false)?;
    set(cx, &node, &name, &value, flags)
}

/// fsetxattr(2): setxattr of an open file.
pub async fn sys_fsetxattr(cx: &Caller, fd: i32, name: UserCStr, value: UserSlice<u8>, flags: u32) -> SysResult<()> {
    let node = fd_node(cx, fd)?;
    let (name, value) = set_args(cx, name, value, flags)?;
    set(cx, &node, &name, &value, flags)
}

/// getxattr(2): the value of attribute `name` into `value`, its size returned; a size of 0
/// asks only for the size. ENODATA without such an attribute, ERANGE if `value` is too small.
pub async fn sys_getxattr(cx: &Caller, path: UserCStr, name: UserCStr, value: UserSliceMut<u8>) -> SysResult<usize> {
    let node = lookup(cx, path, true)?;
    get(cx, &node.node, name, value)
}

/// lgetxattr(2): getxattr of a symbolic link itself.
pub async fn sys_lgetxattr(cx: &Caller, path: UserCStr, name: UserCStr, value: UserSliceMut<u8>) -> SysResult<usize> {
    let node = lookup(cx, path, false)?;
    get(cx, &node.node, name, value)
}

/// fgetxattr(2): getxattr of an open file.
pub async fn sys_fgetxattr(cx: &Caller, fd: i32, name: UserCStr, value: UserSliceMut<u8>) -> SysResult<usize> {
    let node = fd_node(cx, fd)?;
    get(cx, &node.node, name, value)
}

/// listxattr(2): the names of the file's attributes, each NUL-terminated ("trusted." ones
/// only for CAP_SYS_ADMIN); a size of 0 asks for the size needed, a smaller one is ERANGE.
pub async fn sys_listxattr(cx: &Caller, path: UserCStr, list_out: UserSliceMut<u8>) -> SysResult<usize> {
    let node = lookup(cx, path, true)?;
    list(cx, &node.node, list_out)
}

/// llistxattr(2): listxattr of a symbolic link itself.
pub async fn sys_llistxattr(cx: &Caller, path: UserCStr, list_out: UserSliceMut<u8>) -> SysResult<usize> {
    let node = lookup(cx, path, false)?;
    list(cx, &node.node, list_out)
}

/// flistxattr(2): listxattr of an open file.
pub async fn sys_flistxattr(cx: &Caller, fd: i32, list_out: UserSliceMut<u8>) -> SysResult<usize> {
    let node = fd_node(cx, fd)?;
    list(cx, &node.node, list_out)
}

/// removexattr(2): remove attribute `name` (ENODATA if there is none).
pub async fn sys_removexattr(cx: &Caller, path: UserCStr, name: UserCStr) -> SysResult<()> {
    let node = lookup(cx, path, true)?;
    remove(cx, &node, name)
}

/// lremovexattr(2): removexattr of a symbolic link itself.
pub async fn sys_lremovexattr(cx: &Caller, path: UserCStr, name: UserCStr) -> SysResult<()> {
    let node = lookup(cx, path, false)?;
    remove(cx, &node, name)
}

/// fremovexattr(2): removexattr of an open file.
pub async fn sys_fremovexattr(cx: &Caller, fd: i32, name: UserCStr) -> SysResult<()> {
    let node = fd_node(cx, fd)?;
    remove(cx, &node, name)
}
