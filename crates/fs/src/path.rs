//! Path resolution.
use crate::inode::{FileKind, InodeRef};
use abi::{Errno, SysResult};
use alloc::string::String;
use alloc::sync::Arc;

/// How many symbolic links one lookup may follow before ELOOP (Linux: 40).
pub const MAX_SYMLINKS: usize = 40;
/// Longest name of one path component (Linux: NAME_MAX).
pub const NAME_MAX: usize = 255;

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
    let mut parts = path.split('/').filter(|p| !p.is_empty()).peekable();
    while let Some(name) = parts.next() {
        if node.kind() != FileKind::Directory {
            return Err(Errno::ENOTDIR);
        }
        let is_last = parts.peek().is_none();
        let next = step(root, &node, name)?;
        // A trailing slash makes the last component a directory, so its link is followed too.
        node = if next.kind() == FileKind::Symlink && (!is_last || follow || path.ends_with('/')) {
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

/// The entry `name` of directory `dir`; ".." at the root stays at the root.
fn step(root: &InodeRef, dir: &InodeRef, name: &str) -> SysResult<InodeRef> {
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    if name == "." || (name == ".." && Arc::ptr_eq(dir, root)) {
        return Ok(dir.clone());
    }
    dir.lookup(name)
}

/// Resolve all of `path` but its last component: the directory that holds it, and its name
/// ("." for "/"). Trailing slashes are not part of the name.
pub fn lookup_parent(root: &InodeRef, cwd: &InodeRef, path: &str) -> SysResult<(InodeRef, String)> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let trimmed = path.trim_end_matches('/');
    let (dir, name) = match trimmed.rfind('/') {
        _ if trimmed.is_empty() => (root.clone(), "."),
        Some(i) => (lookup(root, cwd, &trimmed[..=i], true)?, &trimmed[i + 1..]),
        None => (cwd.clone(), trimmed),
    };
    if dir.kind() != FileKind::Directory {
        return Err(Errno::ENOTDIR);
    }
    Ok((dir, String::from(name)))
}

/// Resolve `path` as open(2) with O_CREAT does: a missing last component becomes a regular
/// file with permission `mode`, also when it is reached through a dangling symbolic link (the
/// link's target is created, as on Linux). With `excl` an existing name, even a dangling link,
/// is EEXIST; a final symlink is followed only if `follow`. A path ending in a slash (or in
/// "." or "..") names a directory, which O_CREAT may not open: EISDIR.
/// Returns the node and whether it was created.
pub fn create(
    root: &InodeRef,
    cwd: &InodeRef,
    path: &str,
    mode: u32,
    excl: bool,
    follow: bool,
) -> SysResult<(InodeRef, bool)> {
    let mut start = cwd.clone();
    let mut path = String::from(path);
    let mut budget = MAX_SYMLINKS;
    loop {
        let (dir, name) = lookup_parent(root, &start, &path)?;
        if path.ends_with('/') || name == "." || name == ".." {
            return Err(Errno::EISDIR);
        }
        match step(root, &dir, &name) {
            Ok(_) if excl => return Err(Errno::EEXIST),
            Ok(node) if node.kind() == FileKind::Symlink && follow => {
                if budget == 0 {
                    return Err(Errno::ELOOP);
                }
                budget -= 1;
                path = node.read_link()?;
                start = dir;
            }
            Ok(node) => return Ok((node, false)),
            Err(Errno::ENOENT) => return Ok((dir.create(&name, FileKind::Regular, mode)?, true)),
            Err(e) => return Err(e),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ramfs::{RamDir, RamFile, RamSymlink};
    use alloc::vec::Vec;

    /// / with a/ (holding f, "hello"), link -> a/f, dangling -> a/new, loop -> loop.
    fn tree() -> (InodeRef, InodeRef, InodeRef) {
        let root: InodeRef = RamDir::new_root();
        let a = root.create("a", FileKind::Directory, 0o755).unwrap();
        let f: InodeRef = RamFile::new(0o644, Vec::from(&b"hello"[..]));
        a.link("f", f.clone()).unwrap();
        root.link("link", RamSymlink::new("a/f")).unwrap();
        root.link("dirlink", RamSymlink::new("a")).unwrap();
        root.link("dangling", RamSymlink::new("a/new")).unwrap();
        root.link("loop", RamSymlink::new("loop")).unwrap();
        (root, a, f)
    }

    fn same(x: &InodeRef, y: &InodeRef) -> bool {
        Arc::ptr_eq(x, y)
    }

    #[test]
    fn lookup_follows_links_and_checks_directories() {
        let (root, a, f) = tree();
        assert!(same(&lookup(&root, &root, "/link", true).unwrap(), &f));
        assert_eq!(lookup(&root, &root, "link", false).unwrap().kind(), FileKind::Symlink);
        assert!(same(&lookup(&root, &a, "../a/./f", true).unwrap(), &f));
        assert!(same(&lookup(&root, &root, "/../..", true).unwrap(), &root), ".. stops at the root");
        assert_eq!(lookup(&root, &root, "a/f/", true).err(), Some(Errno::ENOTDIR));
        assert_eq!(lookup(&root, &root, "a/f/.", true).err(), Some(Errno::ENOTDIR));
        assert_eq!(lookup(&root, &root, "loop", true).err(), Some(Errno::ELOOP));
        assert_eq!(lookup(&root, &root, "", true).err(), Some(Errno::ENOENT));
        let long = "x".repeat(NAME_MAX + 1);
        assert_eq!(lookup(&root, &root, &long, true).err(), Some(Errno::ENAMETOOLONG));
    }

    #[test]
    fn a_trailing_slash_follows_the_last_link_even_without_follow() {
        let (root, a, _) = tree();
        assert!(same(&lookup(&root, &root, "dirlink/", false).unwrap(), &a));
        assert_eq!(lookup(&root, &root, "link/", false).err(), Some(Errno::ENOTDIR));
    }

    #[test]
    fn lookup_parent_splits_off_the_last_name() {
        let (root, a, _) = tree();
        let (dir, name) = lookup_parent(&root, &root, "/a/x/").unwrap();
        assert!(same(&dir, &a));
        assert_eq!(name, "x");
        let (dir, name) = lookup_parent(&root, &a, "y").unwrap();
        assert!(same(&dir, &a));
        assert_eq!(name, "y");
        let (dir, name) = lookup_parent(&root, &a, "//").unwrap();
        assert!(same(&dir, &root));
        assert_eq!(name, ".");
        assert_eq!(lookup_parent(&root, &root, "a/f/x").err(), Some(Errno::ENOTDIR));
        assert_eq!(lookup_parent(&root, &root, "nope/x").err(), Some(Errno::ENOENT));
    }

    #[test]
    fn create_makes_missing_files_and_finds_existing_ones() {
        let (root, a, f) = tree();
        let (node, created) = create(&root, &root, "a/g", 0o600, false, true).unwrap();
        assert!(created);
        assert_eq!(node.stat().st_mode, abi::flags::S_IFREG | 0o600);
        assert!(same(&a.lookup("g").unwrap(), &node));
        let (node, created) = create(&root, &root, "link", 0o600, false, true).unwrap();
        assert!(!created);
        assert!(same(&node, &f));
        assert_eq!(create(&root, &root, "a/f", 0o600, true, true).err(), Some(Errno::EEXIST));
    }

    #[test]
    fn create_through_a_dangling_link_creates_its_target() {
        let (root, a, _) = tree();
        let (node, created) = create(&root, &root, "dangling", 0o644, false, true).unwrap();
        assert!(created);
        assert!(same(&a.lookup("new").unwrap(), &node));
    }

    #[test]
    fn exclusive_create_never_follows_a_link() {
        let (root, a, _) = tree();
        assert_eq!(create(&root, &root, "dangling", 0o644, true, true).err(), Some(Errno::EEXIST));
        assert_eq!(a.lookup("new").err(), Some(Errno::ENOENT));
        let (node, created) = create(&root, &root, "link", 0o644, false, false).unwrap();
        assert!(!created);
        assert_eq!(node.kind(), FileKind::Symlink, "without follow the link itself is returned");
    }

    #[test]
    fn create_of_a_directory_name_is_eisdir() {
        let (root, _, _) = tree();
        for path in ["/", "a/", "new/", "a/.", "a/..", "a/f/"] {
            assert_eq!(create(&root, &root, path, 0o644, false, true).err(), Some(Errno::EISDIR), "{path}");
        }
        assert_eq!(create(&root, &root, "loop", 0o644, false, true).err(), Some(Errno::ELOOP));
    }
}
