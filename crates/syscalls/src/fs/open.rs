//! openat, close.
use super::PathStart;
use crate::Caller;
use abi::events::{IN_CREATE, IN_MODIFY, IN_OPEN};
use abi::flags::{Access, OpenFlags, MS_NODEV, R_OK, W_OK};
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use fs::path::{Located, Restrict};
use fs::{File, FileKind, Who};
use mm::UserCStr;

/// The flags O_PATH keeps; Linux drops the others (O_CREAT, O_TRUNC, the access mode...).
const PATH_FLAGS: OpenFlags =
    OpenFlags::PATH.union(OpenFlags::DIRECTORY).union(OpenFlags::NOFOLLOW).union(OpenFlags::CLOEXEC);

/// Flags that act during open only, so F_GETFL does not report them. O_CLOEXEC belongs to the
/// descriptor, not the description.
const OPEN_ONLY: OpenFlags =
    OpenFlags::CREAT.union(OpenFlags::EXCL).union(OpenFlags::NOCTTY).union(OpenFlags::TRUNC).union(OpenFlags::CLOEXEC);

/// openat(2). Checks come in Linux's order, since programs (and test suites) tell cases apart
/// by errno: bad flag combinations, the path (EFAULT, ENOENT for ""), a free descriptor
/// (EMFILE, before anything is created), the walk (EBADF/ENOTDIR for `dirfd`, ENOENT, ENOTDIR,
/// ELOOP), then what the node allows (EISDIR, ENOTDIR for O_DIRECTORY).
pub async fn sys_openat(cx: &Caller, dirfd: i32, path: UserCStr, flags: u32, mode: u32) -> SysResult<i32> {
    let mut flags = OpenFlags::from_bits_retain(flags);
    if flags.contains(OpenFlags::PATH) {
        flags &= PATH_FLAGS;
    }
    open(cx, dirfd, path, flags, mode, Restrict::default()).await
}

/// `struct open_how` (OPEN_HOW_SIZE_VER0).
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct OpenHow {
    pub flags: u64,
    pub mode: u64,
    pub resolve: u64,
}

pub const RESOLVE_NO_XDEV: u64 = 0x01;
pub const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
pub const RESOLVE_NO_SYMLINKS: u64 = 0x04;
pub const RESOLVE_BENEATH: u64 = 0x08;
pub const RESOLVE_IN_ROOT: u64 = 0x10;
pub const RESOLVE_CACHED: u64 = 0x20;
/// Every flag open(2) knows (Linux's VALID_OPEN_FLAGS: access mode, O_CREAT .. __O_TMPFILE).
const VALID_OPEN_FLAGS: u64 = 0o37777703;
const O_TMPFILE_BIT: u64 = 0o20000000;

/// openat2(2): openat with its arguments in a `struct open_how` of `size` bytes, checked
/// strictly where openat is lenient: unknown flags, a mode without O_CREAT, or O_PATH with
/// flags it ignores are EINVAL; `resolve` restricts the walk ([`fs::path::Restrict`]).
/// RESOLVE_CACHED (answer from the dentry cache or EAGAIN) walks as usual: every lookup here
/// is in memory.
pub async fn sys_openat2(cx: &Caller, dirfd: i32, path: UserCStr, how: usize, size: usize) -> SysResult<i32> {
    if size < core::mem::size_of::<OpenHow>() {
        return Err(Errno::EINVAL);
    }
    if size > 4096 {
        return Err(Errno::E2BIG);
    }
    let how: OpenHow = cx.read_extensible(how, size)?;
    let creates = how.flags & (OpenFlags::CREAT.bits() as u64 | O_TMPFILE_BIT) != 0;
    let path_only = how.flags & OpenFlags::PATH.bits() as u64 != 0;
    if how.flags & !VALID_OPEN_FLAGS != 0
        || (creates && how.mode & !0o7777 != 0)
        || (!creates && how.mode != 0)
        || how.resolve & !0x3f != 0
        || how.resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT) == RESOLVE_BENEATH | RESOLVE_IN_ROOT
        || (path_only && how.flags & !(PATH_FLAGS.bits() as u64) != 0)
    {
        return Err(Errno::EINVAL);
    }
    if how.resolve & RESOLVE_CACHED != 0 && (creates || how.flags & OpenFlags::TRUNC.bits() as u64 != 0) {
        return Err(Errno::EAGAIN);
    }
    let restrict = Restrict {
        no_xdev: how.resolve & RESOLVE_NO_XDEV != 0,
        no_magiclinks: how.resolve & RESOLVE_NO_MAGICLINKS != 0,
        no_symlinks: how.resolve & RESOLVE_NO_SYMLINKS != 0,
        beneath: how.resolve & RESOLVE_BENEATH != 0,
        in_root: how.resolve & RESOLVE_IN_ROOT != 0,
    };
    open(cx, dirfd, path, OpenFlags::from_bits_retain(how.flags as u32), how.mode as u32, restrict).await
}

/// What openat and openat2 share, from the path on.
async fn open(
    cx: &Caller,
    dirfd: i32,
    path: UserCStr,
    flags: OpenFlags,
    mode: u32,
    restrict: Restrict,
) -> SysResult<i32> {
    let (file, cloexec, fifo) = open_file(cx, dirfd, path, flags, mode, restrict)?;
    install(cx, file, cloexec, fifo).await
}

/// A file opened, not yet in the descriptor table: whether it is close-on-exec, and for a FIFO
/// whose open may have to wait for a partner, its open counts before (see [`wait_for_partner`]).
type Opened = (Arc<File>, bool, Option<(u64, u64)>);

/// [`open`] up to the descriptor, synchronous: nothing of the walk (the path, the resolver)
/// is kept in the future across the wait of a FIFO's open, so the future stays small.
fn open_file(
    cx: &Caller,
    dirfd: i32,
    path: UserCStr,
    flags: OpenFlags,
    mode: u32,
    restrict: Restrict,
) -> SysResult<Opened> {
    // O_DIRECTORY | O_CREAT is ambiguous: EINVAL since Linux 6.4.
    if flags.contains(OpenFlags::DIRECTORY | OpenFlags::CREAT) {
        return Err(Errno::EINVAL);
    }
    let path = path.read(&mut cx.mm())?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if !fd_available(cx) {
        return Err(Errno::EMFILE);
    }
    let start = if restrict == Restrict::default() {
        PathStart::new(cx, dirfd, &path)?
    } else {
        // A scoped walk is kept to `dirfd` even for an absolute path.
        let scoped = restrict.beneath || restrict.in_root;
        let start = if scoped { PathStart::at_dir(cx, dirfd)? } else { PathStart::new(cx, dirfd, &path)? };
        PathStart { resolver: start.resolver.restricted(restrict, &start.start), start: start.start }
    };
    let follow = !flags.contains(OpenFlags::NOFOLLOW);
    let (at, created) = if flags.contains(OpenFlags::CREAT) {
        let umask = cx.process().fs.lock().umask;
        let excl = flags.contains(OpenFlags::EXCL);
        start.resolver.create(&start.start, &path, mode & 0o7777 & !umask, excl, follow)?
    } else {
        (start.resolve(&path, follow)?, false)
    };
    open_node(at, created, flags, &start.resolver.who)
}

/// Open the node at `at` (found by a walk, `created` by it or not) as `flags` asks, for
/// `who`: the kind and permission checks of open(2) and the new descriptor. open_by_handle_at
/// comes here too, with the node its handle names.
pub(super) async fn open_located(
    cx: &Caller,
    at: Located,
    created: bool,
    flags: OpenFlags,
    who: &Who,
) -> SysResult<i32> {
    let (file, cloexec, fifo) = open_node(at, created, flags, who)?;
    install(cx, file, cloexec, fifo).await
}

/// [`open_located`] up to the descriptor.
fn open_node(at: Located, created: bool, flags: OpenFlags, who: &Who) -> SysResult<Opened> {
    let node = at.node.clone();
    if created {
        if let Some((dir, name)) = at.parent_entry() {
            fs::notify::dir_event(dir, IN_CREATE, name, false);
        }
    }
    let kind = node.kind();
    if kind == FileKind::Symlink && !flags.contains(OpenFlags::PATH) {
        // Only O_NOFOLLOW leaves a final link unfollowed; opening the link itself is O_PATH's.
        return Err(Errno::ELOOP);
    }
    if flags.contains(OpenFlags::DIRECTORY) && kind != FileKind::Directory {
        return Err(Errno::ENOTDIR);
    }
    let writes = flags.access().writable() || flags.intersects(OpenFlags::TRUNC | OpenFlags::CREAT);
    if kind == FileKind::Directory && writes {
        return Err(Errno::EISDIR);
    }
    // Writing to a read-only mount is EROFS (devices and pipes on it may still be written).
    let changes = flags.access().writable() || flags.contains(OpenFlags::TRUNC);
    if changes && matches!(kind, FileKind::Regular | FileKind::Directory) && fs::vfs::is_readonly(&node) {
        return Err(Errno::EROFS);
    }
    // A file this open created may be opened as asked whatever its mode says.
    if !created && !flags.contains(OpenFlags::PATH) {
        let mut mask = match flags.access() {
            Access::Read => R_OK,
            Access::Write => W_OK,
            Access::ReadWrite => R_OK | W_OK,
        };
        if flags.contains(OpenFlags::TRUNC) {
            mask |= W_OK;
        }
        fs::perm::check(&node, who, mask)?;
    }
    // O_NOATIME is for the owner (or CAP_FOWNER): others would hide their reads.
    if flags.contains(OpenFlags::NOATIME) && !fs::perm::is_owner(&node.stat(), who) {
        return Err(Errno::EPERM);
    }
    // Device nodes on a MS_NODEV mount do not open (EACCES, after the permission checks).
    let device = matches!(kind, FileKind::CharDevice | FileKind::BlockDevice);
    if device && !flags.contains(OpenFlags::PATH) && fs::vfs::mount_flags_of(&node) & MS_NODEV != 0 {
        return Err(Errno::EACCES);
    }
    // A device node no driver has is ENXIO; a program some process runs may not be written
    // (ETXTBSY). Both after the permission checks.
    node.may_open()?;
    if changes && kind == FileKind::Regular {
        fs::textbusy::check_writable(&node)?;
    }
    // O_TRUNC empties a regular file whatever the access mode (as Linux does); devices and
    // pipes ignore it.
    if flags.contains(OpenFlags::TRUNC) && kind == FileKind::Regular {
        node.truncate(0)?;
        if !created {
            fs::notify::node_event(&*node, IN_MODIFY, at.parent_entry());
        }
    }
    let cloexec = flags.contains(OpenFlags::CLOEXEC);
    // On 64-bit Linux every opened file is O_LARGEFILE, and F_GETFL says so (O_PATH drops it
    // with the other flags).
    let status =
        if flags.contains(OpenFlags::PATH) { flags - OPEN_ONLY } else { (flags - OPEN_ONLY) | OpenFlags::LARGEFILE };
    let fifo_opens = match node.as_fifo() {
        Some(pipe) if !flags.contains(OpenFlags::PATH) => {
            // A write-only, non-blocking open of a FIFO nobody reads is ENXIO.
            let write_only = flags.access() == Access::Write;
            if write_only && flags.contains(OpenFlags::NONBLOCK) && pipe.readers() == 0 {
                return Err(Errno::ENXIO);
            }
            Some(pipe.opens())
        }
        _ => None,
    };
    let file = Arc::new(File::new(node, status, at.path()).in_dir(at.parent_id()));
    if !flags.contains(OpenFlags::PATH) {
        file.notify(IN_OPEN);
    }
    Ok((file, cloexec, fifo_opens))
}

/// Give an opened file its descriptor, once a FIFO's partner is there.
async fn install(cx: &Caller, file: Arc<File>, cloexec: bool, fifo: Option<(u64, u64)>) -> SysResult<i32> {
    if let Some(before) = fifo {
        wait_for_partner(cx, &file, before).await?;
    }
    cx.process().files().insert(file, cloexec)
}

/// open(2) of a FIFO: a blocking read-only open waits until a writer has opened it, a blocking
/// write-only open until a reader has (fifo(7)); O_RDWR and O_NONBLOCK opens do not wait.
async fn wait_for_partner(cx: &Caller, file: &File, before: (u64, u64)) -> SysResult<()> {
    let Some(pipe) = file.inode().as_fifo() else { return Ok(()) };
    // A reader waits for a writer, a writer for a reader: one that is there, or one that came
    // (and maybe went) since this open began.
    let wants_writer = match file.access() {
        _ if file.nonblocking() => return Ok(()),
        Access::Read => true,
        Access::Write => false,
        Access::ReadWrite => return Ok(()),
    };
    let ready = || {
        let (r, w) = pipe.opens();
        let partner =
            if wants_writer { pipe.writers() > 0 || w != before.1 } else { pipe.readers() > 0 || r != before.0 };
        partner.then_some(())
    };
    let queue = file.inode().wait_queue().ok_or(Errno::EINVAL)?;
    task::signal::interruptible(cx.thread(), queue.wait_until(ready)).await
}

/// Whether a descriptor below the limit is free. Checked before the walk, so that EMFILE leaves
/// no newly created file behind, as on Linux.
fn fd_available(cx: &Caller) -> bool {
    let files = cx.process().files();
    let used = files.iter().take_while(|&(fd, _)| (fd as usize) < files.limit()).count();
    used < files.limit()
}

/// close(2). The description itself goes when its last descriptor does (dup, fork).
pub async fn sys_close(cx: &Caller, fd: i32) -> SysResult<()> {
    let file = cx.process().files().remove(fd)?;
    // Dropped here, after the table's lock: the last close of a pipe end wakes its peers.
    drop(file);
    Ok(())
}
