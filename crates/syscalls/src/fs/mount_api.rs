//! The descriptor-based mount API (Linux 5.2+): fsopen, fsconfig and fsmount make a file system
//! in steps; fspick reconfigures a mounted one; open_tree names (or, with OPEN_TREE_CLONE, copies)
//! a mount; move_mount puts a detached mount in the tree or moves an attached one;
//! mount_setattr changes a mount's flags.
//!
//! A file-system context is an anonymous file ([`FsContext`]): the type, the source, the
//! options and the superblock flags collected by fsconfig, and its phase. A detached mount is a
//! `vfs::Mount` outside the tree, held by the O_PATH descriptor of its root that fsmount or
//! open_tree returns; move_mount finds it by that descriptor (`DETACHED`).
use super::mount::{bind_source, block_device, register_fs_types};
use crate::Caller;
use abi::cred::CAP_SYS_ADMIN;
use abi::flags::*;
use abi::structs::Stat;
use abi::{Errno, SysResult};
use alloc::format;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::any::Any;
use fs::path::Located;
use fs::vfs::{self, FileSystem, Mount};
use fs::{File, FileKind, Inode};
use mm::UserCStr;
use sync::Mutex;

const FSOPEN_CLOEXEC: u32 = 1;
const FSCONFIG_SET_FLAG: u32 = 0;
const FSCONFIG_SET_STRING: u32 = 1;
const FSCONFIG_SET_BINARY: u32 = 2;
const FSCONFIG_SET_PATH: u32 = 3;
const FSCONFIG_SET_PATH_EMPTY: u32 = 4;
const FSCONFIG_SET_FD: u32 = 5;
const FSCONFIG_CMD_CREATE: u32 = 6;
const FSCONFIG_CMD_RECONFIGURE: u32 = 7;
const FSMOUNT_CLOEXEC: u32 = 1;
const FSPICK_CLOEXEC: u32 = 1;
const FSPICK_SYMLINK_NOFOLLOW: u32 = 2;
const FSPICK_NO_AUTOMOUNT: u32 = 4;
const FSPICK_EMPTY_PATH: u32 = 8;
const OPEN_TREE_CLONE: u32 = 1;
const AT_NO_AUTOMOUNT: u32 = 0x800;
const AT_RECURSIVE: u32 = 0x8000;
const MOVE_MOUNT_F_SYMLINKS: u32 = 1;
const MOVE_MOUNT_F_EMPTY_PATH: u32 = 4;
const MOVE_MOUNT_T_SYMLINKS: u32 = 0x10;
const MOVE_MOUNT_T_EMPTY_PATH: u32 = 0x40;
/// The flags move_mount(2) knows in Linux 6.1.
const MOVE_MOUNT_MASK: u32 = 0x177;

/// MOUNT_ATTR_* (fsmount, mount_setattr) and the MS_* flag each stands for.
const MOUNT_ATTRS: [(u64, u64); 6] = [
    (0x1, MS_RDONLY),
    (0x2, MS_NOSUID),
    (0x4, MS_NODEV),
    (0x8, MS_NOEXEC),
    (0x80, MS_NODIRATIME),
    (0x20_0000, MS_NOSYMFOLLOW),
];
/// The access-time group: relatime (0), noatime, strictatime.
const MOUNT_ATTR_ATIME: u64 = 0x70;
const MOUNT_ATTR_NOATIME: u64 = 0x10;
const MOUNT_ATTR_STRICTATIME: u64 = 0x20;
const MOUNT_ATTR_IDMAP: u64 = 0x10_0000;
/// Every bit of MOUNT_ATTR_* Linux 6.1 knows.
const MOUNT_ATTR_KNOWN: u64 = 0x1 | 0x2 | 0x4 | 0x8 | MOUNT_ATTR_ATIME | 0x80 | MOUNT_ATTR_IDMAP | 0x20_0000;

/// The superblock flags fsconfig takes by name for every type: set, or cleared.
const SB_SET: [(&str, u64); 5] =
    [("ro", MS_RDONLY), ("sync", MS_SYNCHRONOUS), ("dirsync", MS_DIRSYNC), ("lazytime", 0), ("mand", 0)];
const SB_CLEAR: [(&str, u64); 4] = [("rw", MS_RDONLY), ("async", MS_SYNCHRONOUS), ("nolazytime", 0), ("nomand", 0)];

/// Where a context is in its life.
enum Phase {
    /// Taking parameters for a new instance (fsopen).
    Params,
    /// Made (FSCONFIG_CMD_CREATE), waiting for fsmount.
    Created(Arc<dyn FileSystem>),
    /// Taking parameters for a mounted instance (fspick).
    Reconf(Arc<Mount>),
    /// fsmount took the instance, or making it failed: nothing more to do.
    Done,
}

struct Ctx {
    fstype: String,
    source: Option<String>,
    /// The type's own options, as mount(2)'s data would give them ("size=1m", "noswap").
    options: Vec<String>,
    set: u64,
    clear: u64,
    phase: Phase,
}

/// A file-system context: what fsopen and fspick return.
pub struct FsContext {
    ctx: Mutex<Ctx>,
    ino: u64,
}

impl Inode for FsContext {
    fn kind(&self) -> FileKind {
        FileKind::Anon
    }
    fn stat(&self) -> Stat {
        fs::meta::anon_stat(self.ino)
    }
    fn seekable(&self) -> bool {
        false
    }
    fn mappable(&self) -> bool {
        false
    }
    /// Linux queues the file system's messages here; there are none.
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> SysResult<usize> {
        Err(Errno::ENODATA)
    }
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

fn new_context(cx: &Caller, fstype: String, phase: Phase, cloexec: bool) -> SysResult<usize> {
    let ctx = Ctx { fstype, source: None, options: Vec::new(), set: 0, clear: 0, phase };
    let node = Arc::new(FsContext { ctx: Mutex::new(ctx), ino: fs::meta::next_ino() });
    let file = Arc::new(File::new(node, OpenFlags::RDWR, String::from("anon_inode:[fscontext]")));
    Ok(cx.process().files().insert(file, cloexec)? as usize)
}

fn admin(cx: &Caller) -> SysResult<()> {
    if cx.cred().capable(CAP_SYS_ADMIN) {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// fsopen(2): a context for a new instance of type `fsname` (ENODEV for an unknown type).
pub async fn sys_fsopen(cx: &Caller, fsname: UserCStr, flags: u32) -> SysResult<usize> {
    if flags & !FSOPEN_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    admin(cx)?;
    let name = fsname.read(&mut cx.mm())?;
    register_fs_types();
    if !vfs::fs_types().iter().any(|(n, _)| *n == name) {
        return Err(Errno::ENODEV);
    }
    new_context(cx, name, Phase::Params, flags & FSOPEN_CLOEXEC != 0)
}

/// fspick(2): a context for reconfiguring the mount at `path` (EINVAL if it is not the root of
/// one).
pub async fn sys_fspick(cx: &Caller, dirfd: i32, path: UserCStr, flags: u32) -> SysResult<usize> {
    if flags & !(FSPICK_CLOEXEC | FSPICK_SYMLINK_NOFOLLOW | FSPICK_NO_AUTOMOUNT | FSPICK_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    admin(cx)?;
    let at_flags = if flags & FSPICK_EMPTY_PATH != 0 { AT_EMPTY_PATH } else { 0 };
    let at = super::at::resolve_at(cx, dirfd, path, at_flags, flags & FSPICK_SYMLINK_NOFOLLOW == 0)?;
    let m = vfs::mount_at(&at.node, at.mnt).ok_or(Errno::EINVAL)?;
    new_context(cx, String::from(m.fs.fs_type()), Phase::Reconf(m), flags & FSPICK_CLOEXEC != 0)
}

/// fsconfig(2): one parameter or command for the context `fd`. The argument checks are
/// Linux's, in its order: per command which of key, value and aux must be there (EINVAL; an
/// unknown command EOPNOTSUPP), then the descriptor (EBADF, EINVAL if not a context), then the
/// phase (EBUSY).
pub async fn sys_fsconfig(cx: &Caller, fd: i32, cmd: u32, key: UserCStr, value: usize, aux: i32) -> SysResult<()> {
    if fd < 0 {
        return Err(Errno::EINVAL);
    }
    let (has_key, has_value) = (!key.is_null(), value != 0);
    let ok = match cmd {
        FSCONFIG_SET_FLAG => has_key && !has_value && aux == 0,
        FSCONFIG_SET_STRING => has_key && has_value && aux == 0,
        FSCONFIG_SET_BINARY => has_key && has_value && aux > 0 && aux <= 1024 * 1024,
        FSCONFIG_SET_PATH | FSCONFIG_SET_PATH_EMPTY => has_key && has_value && (aux == AT_FDCWD as i32 || aux >= 0),
        FSCONFIG_SET_FD => has_key && !has_value && aux >= 0,
        FSCONFIG_CMD_CREATE | FSCONFIG_CMD_RECONFIGURE => !has_key && !has_value && aux == 0,
        _ => return Err(Errno::EOPNOTSUPP),
    };
    if !ok {
        return Err(Errno::EINVAL);
    }
    let file = cx.file(fd)?;
    let context = file.inode().as_any().and_then(|a| a.downcast_ref::<FsContext>()).ok_or(Errno::EINVAL)?;
    let key = if has_key { Some(read_limited(cx, key)?) } else { None };
    // The value, as the type of parameter says (the string of SET_STRING; the others are
    // checked as Linux does, then only their presence counts).
    let string = match cmd {
        FSCONFIG_SET_STRING => Some(read_limited(cx, UserCStr::new(value))?),
        FSCONFIG_SET_PATH | FSCONFIG_SET_PATH_EMPTY => {
            read_limited(cx, UserCStr::new(value))?;
            None
        }
        FSCONFIG_SET_BINARY => {
            let mut buf = alloc::vec![0u8; aux as usize];
            cx.mm().read_bytes(value, &mut buf)?;
            None
        }
        FSCONFIG_SET_FD => {
            cx.file(aux)?;
            None
        }
        _ => None,
    };
    let mut ctx = context.ctx.lock();
    match cmd {
        FSCONFIG_CMD_CREATE => create(cx, &mut ctx),
        FSCONFIG_CMD_RECONFIGURE => {
            let Phase::Reconf(m) = &ctx.phase else { return Err(Errno::EBUSY) };
            let changeable = MS_RDONLY | MS_SYNCHRONOUS | MS_DIRSYNC;
            m.set_flags(((m.flags() & !ctx.clear) | ctx.set) & (m.flags() | changeable));
            (ctx.set, ctx.clear) = (0, 0);
            Ok(())
        }
        _ => {
            if !matches!(ctx.phase, Phase::Params | Phase::Reconf(_)) {
                return Err(Errno::EBUSY);
            }
            parameter(&mut ctx, cmd, &key.unwrap_or_default(), string)
        }
    }
}

/// A string argument of fsconfig: at most 256 bytes with its NUL (Linux's strndup_user).
fn read_limited(cx: &Caller, s: UserCStr) -> SysResult<String> {
    let bytes =
        cx.mm().read_cstr(s.addr(), 256).map_err(|e| if e == Errno::ENAMETOOLONG { Errno::EINVAL } else { e })?;
    String::from_utf8(bytes).map_err(|_| Errno::EINVAL)
}

/// One parameter: a superblock flag by name (whatever the parameter's type, as Linux), the
/// source (a string, once), or an option of the type (a flag or a string; file systems here
/// take no binary, path or descriptor parameters).
fn parameter(ctx: &mut Ctx, cmd: u32, key: &str, string: Option<String>) -> SysResult<()> {
    if let Some((_, f)) = SB_SET.iter().find(|(n, _)| *n == key) {
        ctx.set |= f;
        ctx.clear &= !f;
        return Ok(());
    }
    if let Some((_, f)) = SB_CLEAR.iter().find(|(n, _)| *n == key) {
        ctx.clear |= f;
        ctx.set &= !f;
        return Ok(());
    }
    if key == "source" {
        let (Some(s), None) = (string, &ctx.source) else { return Err(Errno::EINVAL) };
        ctx.source = Some(s);
        return Ok(());
    }
    let option = match (cmd, string) {
        (FSCONFIG_SET_FLAG, _) => String::from(key),
        (FSCONFIG_SET_STRING, Some(v)) => format!("{key}={v}"),
        _ => return Err(Errno::EINVAL),
    };
    if option.contains(',') || ctx.options.len() >= 64 {
        return Err(Errno::EINVAL);
    }
    if matches!(ctx.phase, Phase::Params) {
        ctx.options.push(option);
    }
    Ok(())
}

/// FSCONFIG_CMD_CREATE: make the instance as mount(2) would with these options. A failure ends
/// the context.
fn create(cx: &Caller, ctx: &mut Ctx) -> SysResult<()> {
    if !matches!(ctx.phase, Phase::Params) {
        return Err(Errno::EBUSY);
    }
    admin(cx)?;
    let needs_device = vfs::fs_types().into_iter().find(|(n, _)| *n == ctx.fstype).is_some_and(|(_, d)| d);
    let source = ctx.source.clone().unwrap_or_default();
    let made = if needs_device { block_device(cx, &source) } else { Ok(source) }
        .and_then(|src| vfs::make_fs(&ctx.fstype, &src, ctx.set, &ctx.options.join(",")));
    match made {
        Ok(fs) => {
            ctx.phase = Phase::Created(fs);
            Ok(())
        }
        Err(e) => {
            ctx.phase = Phase::Done;
            Err(e)
        }
    }
}

/// Detached mounts, by the descriptor that holds each (fsmount, open_tree with CLONE). An
/// entry whose descriptor has closed is dropped when the list is next used.
static DETACHED: Mutex<Vec<(Weak<File>, Arc<Mount>)>> = Mutex::new(Vec::new());

/// Give `m`'s root as an O_PATH descriptor that holds the detached mount.
fn install_detached(cx: &Caller, m: Arc<Mount>, cloexec: bool) -> SysResult<usize> {
    let file = Arc::new(File::new(m.root.clone(), OpenFlags::PATH, String::from("/")));
    let fd = cx.process().files().insert(file.clone(), cloexec)?;
    let mut list = DETACHED.lock();
    list.retain(|(f, _)| f.strong_count() > 0);
    list.push((Arc::downgrade(&file), m));
    Ok(fd as usize)
}

/// The detached mount `file` holds, if it holds one.
fn detached_of(file: &Arc<File>) -> Option<Arc<Mount>> {
    let list = DETACHED.lock();
    list.iter().find(|(f, _)| core::ptr::eq(f.as_ptr(), Arc::as_ptr(file))).map(|(_, m)| m.clone())
}

/// MOUNT_ATTR_* bits as MS_* flags; EINVAL for unknown ones, an idmapping (not supported here),
/// or an access-time value that is none of the three.
fn attr_flags(attr: u64) -> SysResult<u64> {
    if attr & !MOUNT_ATTR_KNOWN != 0 || attr & MOUNT_ATTR_IDMAP != 0 {
        return Err(Errno::EINVAL);
    }
    let mut ms = MOUNT_ATTRS.iter().filter(|(a, _)| attr & a != 0).fold(0, |acc, (_, m)| acc | m);
    ms |= match attr & MOUNT_ATTR_ATIME {
        0 => MS_RELATIME,
        MOUNT_ATTR_NOATIME => MS_NOATIME,
        MOUNT_ATTR_STRICTATIME => MS_STRICTATIME,
        _ => return Err(Errno::EINVAL),
    };
    Ok(ms)
}

/// fsmount(2): the instance the context made, as a detached mount with the flags of
/// `attr_flags` (MOUNT_ATTR_*), returned as a descriptor for move_mount.
pub async fn sys_fsmount(cx: &Caller, fs_fd: i32, flags: u32, attr_flags_arg: u32) -> SysResult<usize> {
    if flags & !FSMOUNT_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    let ms = attr_flags(attr_flags_arg as u64)?;
    admin(cx)?;
    let file = cx.file(fs_fd)?;
    let context = file.inode().as_any().and_then(|a| a.downcast_ref::<FsContext>()).ok_or(Errno::EINVAL)?;
    let mut ctx = context.ctx.lock();
    let Phase::Created(fs) = &ctx.phase else { return Err(Errno::EBUSY) };
    let fs = fs.clone();
    let source = ctx.source.clone().unwrap_or_else(|| String::from("none"));
    let m = vfs::detached(fs.clone(), fs.root(), "/", &source, ms | (ctx.set & MS_RDONLY), &ctx.options.join(","));
    ctx.phase = Phase::Done;
    drop(ctx);
    install_detached(cx, m, flags & FSMOUNT_CLOEXEC != 0)
}

/// open_tree(2): an O_PATH descriptor of `path`, or with OPEN_TREE_CLONE a detached copy of
/// the mount there (a bind of that directory; AT_RECURSIVE is taken, but the mounts inside are
/// not copied).
pub async fn sys_open_tree(cx: &Caller, dirfd: i32, path: UserCStr, flags: u32) -> SysResult<usize> {
    let known = AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW | OPEN_TREE_CLONE | O_CLOEXEC_BIT;
    if flags & !known != 0 || (flags & AT_RECURSIVE != 0 && flags & OPEN_TREE_CLONE == 0) {
        return Err(Errno::EINVAL);
    }
    let clone = flags & OPEN_TREE_CLONE != 0;
    if clone {
        admin(cx)?;
    }
    let at = super::at::resolve_at(cx, dirfd, path, flags & AT_EMPTY_PATH, flags & AT_SYMLINK_NOFOLLOW == 0)?;
    let cloexec = flags & O_CLOEXEC_BIT != 0;
    if !clone {
        let file = Arc::new(File::new(at.node.clone(), OpenFlags::PATH, at.path()).in_dir(at.parent_id()));
        return Ok(cx.process().files().insert(file, cloexec)? as usize);
    }
    let (from, root_path) = bind_source(&at)?;
    let opts = from.options.lock().clone();
    let m = vfs::detached(from.fs.clone(), at.node.clone(), &root_path, &from.source, from.flags(), &opts);
    install_detached(cx, m, cloexec)
}

const O_CLOEXEC_BIT: u32 = 0o2000000;

/// Where a move_mount end is: a path from `dirfd`, or with the EMPTY_PATH flag and an empty
/// path, `dirfd` itself.
fn end_of(cx: &Caller, dirfd: i32, path: UserCStr, empty_ok: bool, follow: bool) -> SysResult<Located> {
    super::at::resolve_at(cx, dirfd, path, if empty_ok { AT_EMPTY_PATH } else { 0 }, follow)
}

/// move_mount(2): put the detached mount `from` names on `to`, or move the attached mount
/// whose root `from` is (EINVAL if it is not one) there.
pub async fn sys_move_mount(
    cx: &Caller,
    from_dirfd: i32,
    from_path: UserCStr,
    to_dirfd: i32,
    to_path: UserCStr,
    flags: u32,
) -> SysResult<()> {
    if flags & !MOVE_MOUNT_MASK != 0 {
        return Err(Errno::EINVAL);
    }
    admin(cx)?;
    let from_empty = flags & MOVE_MOUNT_F_EMPTY_PATH != 0;
    let from = end_of(cx, from_dirfd, from_path, from_empty, flags & MOVE_MOUNT_F_SYMLINKS != 0)?;
    let to = end_of(cx, to_dirfd, to_path, flags & MOVE_MOUNT_T_EMPTY_PATH != 0, flags & MOVE_MOUNT_T_SYMLINKS != 0)?;
    let empty = from_path.is_null() || from_path.read(&mut cx.mm()).is_ok_and(|p| p.is_empty());
    if from_empty && empty {
        if let Some(m) = cx.file(from_dirfd).ok().and_then(|f| detached_of(&f)) {
            vfs::attach(&m, &to.node, to.mnt, &to.path())?;
            return Ok(());
        }
    }
    let m = vfs::mount_at(&from.node, from.mnt).ok_or(Errno::EINVAL)?;
    vfs::move_mount(&m, &to.node, to.mnt, &to.path())
}

/// struct mount_attr.
#[repr(C)]
#[derive(Clone, Copy, Default, bytemuck::Pod, bytemuck::Zeroable)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// mount_setattr(2): set and clear MOUNT_ATTR_* flags of the mount at `path` (a detached one
/// too). Propagation types are accepted and change nothing; idmapped mounts are EINVAL. A set
/// bit also in the cleared ones is set (the access time is changed that way).
pub async fn sys_mount_setattr(
    cx: &Caller,
    dirfd: i32,
    path: UserCStr,
    flags: u32,
    uattr: usize,
    usize_: usize,
) -> SysResult<()> {
    if flags & !(AT_EMPTY_PATH | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL);
    }
    if usize_ > hal::mem::PAGE_SIZE {
        return Err(Errno::E2BIG);
    }
    if usize_ < core::mem::size_of::<MountAttr>() {
        return Err(Errno::EINVAL);
    }
    admin(cx)?;
    let attr: MountAttr = cx.read_extensible(uattr, usize_)?;
    // Nothing to change: done before the path is looked at, as Linux does.
    if attr.attr_set == 0 && attr.attr_clr == 0 && attr.propagation == 0 {
        return Ok(());
    }
    if (attr.attr_set | attr.attr_clr) & MOUNT_ATTR_IDMAP != 0 {
        return Err(Errno::EINVAL);
    }
    let prop = attr.propagation;
    if prop != 0 && ![MS_SHARED, MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE].contains(&prop) {
        return Err(Errno::EINVAL);
    }
    // The access time is one value: to change it, all of its bits are cleared and one is set.
    let atime = attr.attr_clr & MOUNT_ATTR_ATIME;
    if (atime != 0 && atime != MOUNT_ATTR_ATIME) || (atime == 0 && attr.attr_set & MOUNT_ATTR_ATIME != 0) {
        return Err(Errno::EINVAL);
    }
    let set = attr_flags(attr.attr_set)? & !if atime == 0 { MS_RELATIME } else { 0 };
    let clear = attr_flags(attr.attr_clr & !MOUNT_ATTR_ATIME)? & !MS_RELATIME
        | if atime != 0 { MS_RELATIME | MS_NOATIME | MS_STRICTATIME } else { 0 };
    let at = super::at::resolve_at(cx, dirfd, path, flags & AT_EMPTY_PATH, flags & AT_SYMLINK_NOFOLLOW == 0)?;
    let held =
        if dirfd >= 0 && flags & AT_EMPTY_PATH != 0 { cx.file(dirfd).ok().and_then(|f| detached_of(&f)) } else { None };
    let m = match held {
        Some(m) => m,
        None => vfs::mount_at(&at.node, at.mnt).ok_or(Errno::EINVAL)?,
    };
    m.set_flags((m.flags() & !clear) | set);
    Ok(())
}
