//! Where the *at() calls start resolving a path, and who is resolving it.
use crate::Caller;
use abi::flags::{AT_EMPTY_PATH, AT_FDCWD};
use abi::{Errno, SysResult};
use alloc::string::String;
use fs::path::{Located, Parent, Resolver};
use fs::{FileKind, InodeRef, Who};
use mm::UserCStr;

/// The caller as file systems see it.
#[inline]
pub fn who(cx: &Caller) -> Who {
    let c = cx.cred();
    Who {
        pid: cx.process().pid as u32,
        tid: cx.thread().tid() as u32,
        uid: c.fsuid,
        gid: c.fsgid,
        groups: c.groups.clone(),
        caps: c.cap_effective,
    }
}

/// The start of a path walk: the caller's resolver (its root) and the directory a relative path
/// is taken from.
pub struct PathStart {
    pub resolver: Resolver,
    pub start: Located,
}

impl PathStart {
    /// Where `path` starts for a call with `dirfd`: an absolute path ignores `dirfd` entirely
    /// (even a bad one); a relative one starts at the cwd for AT_FDCWD, else at `dirfd`, which
    /// must be open (EBADF) and a directory (ENOTDIR).
    #[inline]
    pub fn new(cx: &Caller, dirfd: i32, path: &str) -> SysResult<PathStart> {
        // An empty path names nothing, whatever `dirfd` is (AT_EMPTY_PATH is resolve_at's).
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        if path.starts_with('/') {
            let root = cx.process().fs.lock().root.clone();
            return Ok(PathStart { resolver: Resolver::new(root.clone(), who(cx)), start: Located::new(root, "/") });
        }
        Self::at_dir(cx, dirfd)
    }

    /// The directory `dirfd` names (the cwd for AT_FDCWD), whatever the path is.
    pub fn at_dir(cx: &Caller, dirfd: i32) -> SysResult<PathStart> {
        let (root, cwd, cwd_path) = {
            let fs = cx.process().fs.lock();
            (fs.root.clone(), fs.cwd.clone(), fs.cwd_path.clone())
        };
        let resolver = Resolver::new(root, who(cx));
        if dirfd == AT_FDCWD as i32 {
            return Ok(PathStart { resolver, start: Located::new(cwd, &cwd_path) });
        }
        let file = cx.file(dirfd)?;
        if file.inode().kind() != FileKind::Directory {
            return Err(Errno::ENOTDIR);
        }
        Ok(PathStart { resolver, start: Located::new(file.inode().clone(), &file.path) })
    }

    /// The caller's root directory.
    pub fn root(&self) -> &InodeRef {
        &self.resolver.root
    }

    /// The directory a relative path starts from.
    pub fn dir(&self) -> &InodeRef {
        &self.start.node
    }

    /// Resolve `path` from here, following a final symlink if `follow`.
    pub fn lookup(&self, path: &str, follow: bool) -> SysResult<InodeRef> {
        Ok(self.resolve(path, follow)?.node)
    }

    /// Resolve `path`, keeping its canonical path.
    pub fn resolve(&self, path: &str, follow: bool) -> SysResult<Located> {
        self.resolver.resolve(&self.start, path, follow)
    }

    /// The directory holding the last component of `path`, and that component.
    pub fn parent(&self, path: &str) -> SysResult<Parent> {
        self.resolver.parent(&self.start, path)
    }

    /// `path` as an absolute path (not canonical), for naming what it leads to.
    pub fn join(&self, path: &str) -> String {
        if path.starts_with('/') {
            String::from(path)
        } else {
            self.start.child_path(path)
        }
    }
}

/// The node an *at() call with `flags` names: `path` from `dirfd`, or with AT_EMPTY_PATH and an
/// empty (or NULL) path, `dirfd` itself (any open file, O_PATH ones too; the cwd for AT_FDCWD).
/// An empty path without AT_EMPTY_PATH is ENOENT.
pub fn resolve_at(cx: &Caller, dirfd: i32, path: UserCStr, flags: u32, follow: bool) -> SysResult<Located> {
    let empty_ok = flags & AT_EMPTY_PATH != 0;
    let path = if path.is_null() && empty_ok { String::new() } else { path.read(&mut cx.mm())? };
    if path.is_empty() {
        if !empty_ok {
            return Err(Errno::ENOENT);
        }
        return fd_location(cx, dirfd);
    }
    PathStart::new(cx, dirfd, &path)?.resolve(&path, follow)
}

/// What descriptor `fd` names, with its path (the cwd for AT_FDCWD).
pub fn fd_location(cx: &Caller, fd: i32) -> SysResult<Located> {
    if fd == AT_FDCWD as i32 {
        let fs = cx.process().fs.lock();
        return Ok(Located::new(fs.cwd.clone(), &fs.cwd_path));
    }
    let file = cx.file(fd)?;
    Ok(Located::new(file.inode().clone(), &file.path).in_dir(file.parent_entry().map(|(dir, _)| dir)))
}
