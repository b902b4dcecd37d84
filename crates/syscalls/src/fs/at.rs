//! Where the *at() calls start resolving a path.
use crate::Caller;
use abi::flags::AT_FDCWD;
use abi::{Errno, SysResult};
use alloc::format;
use alloc::string::String;
use fs::{FileKind, InodeRef};

/// The start of a path walk: the process's root, and the directory a relative path is taken
/// from with its path (to name the files opened through it).
pub struct PathStart {
    pub root: InodeRef,
    pub dir: InodeRef,
    pub dir_path: String,
}

impl PathStart {
    /// Where `path` starts for a call with `dirfd`: an absolute path ignores `dirfd` entirely
    /// (even a bad one); a relative one starts at the cwd for AT_FDCWD, else at `dirfd`, which
    /// must be open (EBADF) and a directory (ENOTDIR).
    pub fn new(cx: &Caller, dirfd: i32, path: &str) -> SysResult<PathStart> {
        let (root, cwd, cwd_path) = {
            let fs = cx.process().fs.lock();
            (fs.root.clone(), fs.cwd.clone(), fs.cwd_path.clone())
        };
        if path.starts_with('/') {
            return Ok(PathStart { dir: root.clone(), root, dir_path: String::from("/") });
        }
        if dirfd == AT_FDCWD as i32 {
            return Ok(PathStart { root, dir: cwd, dir_path: cwd_path });
        }
        let file = cx.file(dirfd)?;
        if file.inode().kind() != FileKind::Directory {
            return Err(Errno::ENOTDIR);
        }
        Ok(PathStart { root, dir: file.inode().clone(), dir_path: file.path.clone() })
    }

    /// `path` as an absolute path, for naming what it leads to.
    pub fn join(&self, path: &str) -> String {
        if path.starts_with('/') {
            String::from(path)
        } else {
            format!("{}/{}", self.dir_path.trim_end_matches('/'), path)
        }
    }

    /// Resolve `path` from here, following a final symlink if `follow`.
    pub fn lookup(&self, path: &str, follow: bool) -> SysResult<InodeRef> {
        fs::path::lookup(&self.root, &self.dir, path, follow)
    }
}
