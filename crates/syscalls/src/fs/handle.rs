//! name_to_handle_at and open_by_handle_at: a file named by a handle instead of a path
//! (`fs::handle` keeps the nodes handles were made for).
use super::at::{fd_location, resolve_at, who};
use super::open::open_located;
use crate::Caller;
use abi::cred::CAP_DAC_READ_SEARCH;
use abi::flags::{OpenFlags, AT_EMPTY_PATH};
use abi::{Errno, SysResult};
use fs::path::Located;
use mm::{UserCStr, UserPtr};

/// AT_SYMLINK_FOLLOW: name_to_handle_at follows a final link only when asked.
const AT_SYMLINK_FOLLOW: i32 = 0x400;
/// The largest handle (MAX_HANDLE_SZ).
const MAX_HANDLE_SZ: u32 = 128;
/// A handle here: the inode number and a generation of 0, three 32-bit words as tmpfs's, of
/// tmpfs's type.
const HANDLE_BYTES: u32 = 12;
const HANDLE_TYPE: i32 = 1;
/// The type reported with EOVERFLOW (FILEID_INVALID).
const FILEID_INVALID: i32 = 255;

/// name_to_handle_at(2): the handle of the file at `path` into `handle` (a `struct
/// file_handle` whose handle_bytes says how much room follows) and its mount's id into
/// `mount_id`. Too little room is EOVERFLOW, with the size needed written back.
pub async fn sys_name_to_handle_at(
    cx: &Caller,
    dirfd: i32,
    path: UserCStr,
    handle: usize,
    mount_id: usize,
    flags: i32,
) -> SysResult<()> {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH as i32) != 0 {
        return Err(Errno::EINVAL);
    }
    let at = resolve_at(cx, dirfd, path, flags as u32 & AT_EMPTY_PATH, flags & AT_SYMLINK_FOLLOW != 0)?;
    let room = UserPtr::<u32>::new(handle).read(&mut cx.mm())?;
    if room > MAX_HANDLE_SZ {
        return Err(Errno::EINVAL);
    }
    let mnt = at.mnt.and_then(fs::vfs::mount_by_id).or_else(|| fs::vfs::mount_of(&at.node)).map_or(0, |m| m.id);
    let fits = room >= HANDLE_BYTES;
    let mut out = alloc::vec::Vec::with_capacity(20);
    out.extend_from_slice(&HANDLE_BYTES.to_ne_bytes());
    out.extend_from_slice(&(if fits { HANDLE_TYPE } else { FILEID_INVALID }).to_ne_bytes());
    if fits {
        out.extend_from_slice(&at.node.id().1.to_ne_bytes());
        out.extend_from_slice(&0u32.to_ne_bytes());
    }
    UserPtr::<i32>::new(mount_id).write(&mut cx.mm(), &(mnt as i32))?;
    cx.mm().write_bytes(handle, &out)?;
    if !fits {
        return Err(Errno::EOVERFLOW);
    }
    fs::handle::remember(&at.node, at.path());
    Ok(())
}

/// open_by_handle_at(2): open the file `handle` names, on the file system of `mount_fd` (the
/// cwd's for AT_FDCWD), as openat would with `flags`. Needs CAP_DAC_READ_SEARCH; a handle of
/// another file system, or of a file that is gone, is ESTALE.
pub async fn sys_open_by_handle_at(cx: &Caller, mount_fd: i32, handle: usize, flags: i32) -> SysResult<i32> {
    if !cx.cred().capable(CAP_DAC_READ_SEARCH) {
        return Err(Errno::EPERM);
    }
    let mut head = [0u8; 8];
    cx.mm().read_bytes(handle, &mut head)?;
    let bytes = u32::from_ne_bytes(head[0..4].try_into().expect("4 bytes"));
    let kind = i32::from_ne_bytes(head[4..8].try_into().expect("4 bytes"));
    if bytes > MAX_HANDLE_SZ || bytes == 0 {
        return Err(Errno::EINVAL);
    }
    let mut body = alloc::vec![0u8; bytes as usize];
    cx.mm().read_bytes(handle.wrapping_add(8), &mut body)?;
    let dev = fd_location(cx, mount_fd)?.node.id().0;
    if bytes != HANDLE_BYTES || kind != HANDLE_TYPE {
        return Err(Errno::ESTALE);
    }
    let ino = u64::from_ne_bytes(body[0..8].try_into().expect("8 bytes"));
    let (node, path) = fs::handle::find(dev, ino).ok_or(Errno::ESTALE)?;
    let flags = OpenFlags::from_bits_retain(flags as u32) - (OpenFlags::CREAT | OpenFlags::EXCL);
    open_located(cx, Located::new(node, &path), false, flags, &who(cx)).await
}
