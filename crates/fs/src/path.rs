//! Path resolution.
use crate::inode::{FileKind, InodeRef};
use abi::{Errno, SysResult};
use alloc::string::String;

/// How many symbolic links one lookup may follow before ELOOP (Linux: 40).
pub const MAX_SYMLINKS: usize = 40;

/// Resolve `path` from `cwd` (or `root` when absolute). The last component's symlink is followed
/// only if `follow`. Intermediate components must be directories (ENOTDIR otherwise).
pub fn lookup(root: &InodeRef, cwd: &InodeRef, path: &str, follow: bool) -> SysResult<InodeRef> {
    let mut budget = MAX_SYMLINKS;
    walk(root, cwd, path, follow, &mut budget)
}

fn walk(root: &InodeRef, cwd: &InodeRef, path: &str, follow: bool, budget: &mut usize) -> SysResult<InodeRef> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let mut node = if path.starts_with('/') { root.clone() } else { cwd.clone() };
    let mut parts = path.split('/').filter(|p| !p.is_empty() && *p != ".").peekable();
    while let Some(name) = parts.next() {
        if node.kind() != FileKind::Directory {
            return Err(Errno::ENOTDIR);
        }
        let is_last = parts.peek().is_none();
        // ".." at the root stays at the root.
        let next = if name == ".." && alloc::sync::Arc::ptr_eq(&node, root) { node.clone() } else { node.lookup(name)? };
        node = if next.kind() == FileKind::Symlink && (!is_last || follow) {
            if *budget == 0 {
                return Err(Errno::ELOOP);
            }
            *budget -= 1;
            let target = next.read_link()?;
            walk(root, &node, &target, true, budget)?
        } else {
            next
        };
    }
    // A trailing slash requires a directory.
    if path.ends_with('/') && node.kind() != FileKind::Directory {
        return Err(Errno::ENOTDIR);
    }
    Ok(node)
}

/// Split a path into (parent path, last name). `"a/b/c"` -> `("a/b", "c")`, `"/x"` -> `("/", "x")`,
/// `"x"` -> `(".", "x")`. Trailing slashes are ignored.
pub fn split_parent(path: &str) -> (String, String) {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(0) => (String::from("/"), String::from(&trimmed[1..])),
        Some(i) => (String::from(&trimmed[..i]), String::from(&trimmed[i + 1..])),
        None => (String::from("."), String::from(trimmed)),
    }
}
