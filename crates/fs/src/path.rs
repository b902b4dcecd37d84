//! Path resolution across mounts, with symbolic links, `..` and ELOOP.
//!
//! A [`Resolver`] walks from a process's root or a start directory, one component at a time:
//! every intermediate component must be a directory, symbolic links are followed (at most
//! [`MAX_SYMLINKS`] per walk), a directory with something mounted on it is replaced by the
//! mounted root ([`vfs::covered`]), and `..` at a mounted root first goes back to the directory
//! it is mounted on. `..` at the process's root stays there. Along the way the resolver keeps
//! the canonical absolute path of where it is (for getcwd and /proc/<pid>/fd).
use crate::inode::{FileKind, InodeRef, Who};
use crate::perm;
use crate::vfs;
use abi::flags::{W_OK, X_OK};
use abi::{Errno, SysResult};
use alloc::boxed::Box;
use alloc::string::String;

/// How many symbolic links one lookup may follow before ELOOP (Linux: 40).
pub const MAX_SYMLINKS: usize = 40;
/// Longest name of one path component (Linux: NAME_MAX).
pub const NAME_MAX: usize = 255;

/// The names of a path, left to right, without the empty ones ("//", a leading or trailing
/// slash). A byte loop: `str::split` searches for a `char`, which costs more than the short
/// names of a path are long.
struct Components<'a>(&'a str);

impl<'a> Iterator for Components<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        loop {
            let bytes = self.0.as_bytes();
            if bytes.is_empty() {
                return None;
            }
            let end = bytes.iter().position(|&b| b == b'/').unwrap_or(bytes.len());
            let name = &self.0[..end];
            self.0 = self.0.get(end + 1..).unwrap_or("");
            if !name.is_empty() {
                return Some(name);
            }
        }
    }
}

/// A place in the tree: a node and its canonical absolute path.
#[derive(Clone)]
pub struct Located {
    pub node: InodeRef,
    /// The canonical absolute path as "/name" per component ("" for the root): a walk extends
    /// and shortens it in place, so a step costs no allocation beyond the string's growth.
    at: String,
    /// The directory the last component was found in, when the walk saw it (not through "..",
    /// a mount crossing or a magic link): where inotify reports the node's events by name.
    parent: Option<(u64, u64)>,
    /// The mount the node was reached in, when the walk knows it (see `vfs::covered_in`).
    pub mnt: Option<vfs::MountId>,
}

impl Located {
    /// `node` known to be at the absolute path `path` (taken as canonical).
    pub fn new(node: InodeRef, path: &str) -> Located {
        let mut at = String::with_capacity(path.len());
        for c in Components(path).filter(|c| *c != ".") {
            at.push('/');
            at.push_str(c);
        }
        Located { node, at, parent: None, mnt: None }
    }
    /// The directory holding it and its name there, if known (see `parent`).
    pub fn parent_entry(&self) -> Option<((u64, u64), &str)> {
        Some((self.parent?, self.last()?))
    }
    /// The directory it was found in, if known.
    pub fn parent_id(&self) -> Option<(u64, u64)> {
        self.parent
    }
    /// The same, known to have been found in the directory `parent`.
    pub fn in_dir(mut self, parent: Option<(u64, u64)>) -> Located {
        self.parent = parent;
        self
    }
    /// The canonical absolute path.
    pub fn path(&self) -> String {
        if self.at.is_empty() {
            return String::from("/");
        }
        self.at.clone()
    }
    /// The path of the entry `name` in this directory.
    pub fn child_path(&self, name: &str) -> String {
        let mut p = String::with_capacity(self.at.len() + 1 + name.len());
        p.push_str(&self.at);
        p.push('/');
        p.push_str(name);
        p
    }
    /// A copy whose path has room for `extra` more bytes.
    #[inline]
    fn with_room(&self, extra: usize) -> Located {
        let mut at = String::with_capacity(self.at.len() + extra + 1);
        at.push_str(&self.at);
        Located { node: self.node.clone(), at, parent: self.parent, mnt: self.mnt }
    }
    /// The last component of the path (none for the root).
    fn last(&self) -> Option<&str> {
        self.at.rfind('/').map(|i| &self.at[i + 1..])
    }
    /// Go down into `name` (a plain name).
    fn push(&mut self, name: &str) {
        self.at.push('/');
        self.at.push_str(name);
    }
    /// Go up one component (the root stays the root).
    fn pop(&mut self) {
        let end = self.at.rfind('/').unwrap_or(0);
        self.at.truncate(end);
    }
}

/// The last component of a path, as the calls that create or remove names see it.
pub struct Parent {
    /// The directory holding the name.
    pub dir: Located,
    /// The name: a plain name, "." or "..", or "/" when the whole path is the root.
    pub name: String,
    /// The path ended in a slash (the name must be a directory).
    pub trailing_slash: bool,
}

impl Parent {
    /// Whether the name is a plain name (not ".", ".." or the root).
    pub fn is_normal(&self) -> bool {
        !matches!(self.name.as_str(), "." | ".." | "/")
    }
}

/// openat2's RESOLVE_* restrictions on a walk (all off for every other call).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Restrict {
    /// RESOLVE_NO_XDEV: crossing a mount point, either way, is EXDEV.
    pub no_xdev: bool,
    /// RESOLVE_NO_MAGICLINKS: a /proc magic link is ELOOP.
    pub no_magiclinks: bool,
    /// RESOLVE_NO_SYMLINKS: any symbolic link is ELOOP.
    pub no_symlinks: bool,
    /// RESOLVE_BENEATH: the walk may not leave its start directory (EXDEV).
    pub beneath: bool,
    /// RESOLVE_IN_ROOT: the start directory is the walk's root ("/" and ".." stop there).
    pub in_root: bool,
}

/// Walks paths for one caller: its root, and who it is (for /proc/self).
pub struct Resolver {
    pub root: InodeRef,
    pub who: Who,
    restrict: Restrict,
    /// Where a scoped walk (RESOLVE_BENEATH, RESOLVE_IN_ROOT) is kept (boxed: a resolver is
    /// moved about on every walk, and scoped ones are rare).
    scope: Option<Box<Located>>,
}

/// Where a symbolic link leads before it is walked.
enum LinkTarget {
    /// A /proc magic link: straight to a node.
    Magic(Located),
    /// An ordinary link: a path to walk from the link's directory.
    Path(String),
}

impl Resolver {
    #[inline]
    pub fn new(root: InodeRef, who: Who) -> Resolver {
        Resolver { root, who, restrict: Restrict::default(), scope: None }
    }

    /// This resolver with openat2's restrictions; `start` is the directory a scoped walk may
    /// not leave.
    pub fn restricted(self, restrict: Restrict, start: &Located) -> Resolver {
        let scope = (restrict.beneath || restrict.in_root).then(|| Box::new(start.clone()));
        Resolver { restrict, scope, ..self }
    }

    /// Where "/" leads: the process's root, or the start of a RESOLVE_IN_ROOT walk. A
    /// RESOLVE_BENEATH walk may not go there (EXDEV).
    #[inline]
    fn root_located(&self) -> SysResult<Located> {
        if self.restrict.beneath {
            return Err(Errno::EXDEV);
        }
        Ok(self.top())
    }

    /// The top of the walk's tree: the scope of a scoped walk, else the process's root.
    #[inline]
    fn top(&self) -> Located {
        self.scope.as_deref().cloned().unwrap_or_else(|| Located {
            node: self.root.clone(),
            at: String::new(),
            parent: None,
            mnt: None,
        })
    }

    /// Resolve `path` from `start` (ignored for an absolute path). The last component's
    /// symlink is followed only if `follow` (or the path ends in a slash).
    pub fn resolve(&self, start: &Located, path: &str, follow: bool) -> SysResult<Located> {
        let mut budget = MAX_SYMLINKS;
        self.walk(start, path, follow, &mut budget)
    }

    fn walk(&self, start: &Located, path: &str, follow: bool, budget: &mut usize) -> SysResult<Located> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        // One allocation for the path of where the walk ends, links aside.
        let mut pos = if path.starts_with('/') { self.root_located()? } else { start.with_room(path.len()) };
        pos.at.reserve(path.len() + 1);
        let must_dir = path.ends_with('/');
        let mut parts = Components(path).peekable();
        while let Some(name) = parts.next() {
            let is_last = parts.peek().is_none();
            if let Some(link) = self.advance(&mut pos, name, !is_last || follow || must_dir)? {
                pos = self.follow_link(&pos, &link, budget)?;
            }
        }
        if must_dir && pos.node.kind() != FileKind::Directory {
            return Err(Errno::ENOTDIR);
        }
        Ok(pos)
    }

    /// Where the link `link`, found in directory `dir`, leads.
    fn follow_link(&self, dir: &Located, link: &InodeRef, budget: &mut usize) -> SysResult<Located> {
        match self.link_target(link, budget)? {
            LinkTarget::Magic(at) => Ok(at),
            LinkTarget::Path(target) => self.walk(dir, &target, true, budget),
        }
    }

    /// Read the link `link`, spending one of the walk's links (ELOOP when none is left), as
    /// the restrictions allow: none under RESOLVE_NO_SYMLINKS, no magic link under
    /// RESOLVE_NO_MAGICLINKS (ELOOP) or in a scoped walk (EXDEV).
    fn link_target(&self, link: &InodeRef, budget: &mut usize) -> SysResult<LinkTarget> {
        if *budget == 0 || self.restrict.no_symlinks {
            return Err(Errno::ELOOP);
        }
        // A mount with MS_NOSYMFOLLOW has links that may be read but not walked through.
        if vfs::mount_flags_of(link) & abi::flags::MS_NOSYMFOLLOW != 0 {
            return Err(Errno::ELOOP);
        }
        *budget -= 1;
        if link.is_magic_link() {
            if self.restrict.no_magiclinks {
                return Err(Errno::ELOOP);
            }
            if self.scope.is_some() {
                return Err(Errno::EXDEV);
            }
        }
        if let Some((node, path)) = link.magic_target(&self.who) {
            return Ok(LinkTarget::Magic(Located::new(node, &path)));
        }
        Ok(LinkTarget::Path(link.read_link_by(&self.who)?))
    }

    /// A mount point crossed: EXDEV under RESOLVE_NO_XDEV.
    fn cross_mount(&self) -> SysResult<()> {
        if self.restrict.no_xdev {
            return Err(Errno::EXDEV);
        }
        Ok(())
    }

    /// The entry `name` of the directory at `dir`, without following a final symlink.
    pub fn step(&self, dir: &Located, name: &str) -> SysResult<Located> {
        let mut pos = dir.clone();
        self.advance(&mut pos, name, false)?;
        Ok(pos)
    }

    /// Move `pos`, a directory, to its entry `name`, in place. When that entry is a symbolic link
    /// and `follow`, `pos` stays where it is and the link is returned for the caller to walk.
    fn advance(&self, pos: &mut Located, name: &str, follow: bool) -> SysResult<Option<InodeRef>> {
        if pos.node.kind() != FileKind::Directory {
            return Err(Errno::ENOTDIR);
        }
        perm::check_search(&pos.node, &self.who)?;
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        match name {
            "." => {}
            ".." => {
                let root_id = self.scope.as_ref().map_or_else(|| self.root.id(), |s| s.node.id());
                if pos.node.id() == root_id {
                    // "/.." is "/"; a RESOLVE_BENEATH walk may not climb out of its start.
                    return if self.restrict.beneath { Err(Errno::EXDEV) } else { Ok(None) };
                }
                let (mut node, mut mnt) = (pos.node.clone(), pos.mnt);
                // Leave mounts' roots for the directories they are mounted on.
                while let Some((mp, up)) = vfs::mounted_on(&node, mnt) {
                    self.cross_mount()?;
                    (node, mnt) = (mp, up);
                    if node.id() == root_id {
                        *pos = self.top();
                        return Ok(None);
                    }
                }
                let (parent, mnt) = vfs::covered_in(node.lookup("..")?, mnt);
                pos.pop();
                (pos.node, pos.parent, pos.mnt) = (parent, None, mnt);
            }
            _ => {
                let found = pos.node.lookup_by(name, &self.who)?;
                if follow && found.kind() == FileKind::Symlink {
                    return Ok(Some(found));
                }
                let id = found.id();
                let (child, mnt) = vfs::covered_in(found, pos.mnt);
                // Into another mount (a directory bound on itself is one too).
                let crossed = child.id() != id || mnt != pos.mnt;
                if crossed {
                    self.cross_mount()?;
                }
                pos.push(name);
                pos.parent = (!crossed).then(|| pos.node.id());
                (pos.node, pos.mnt) = (child, mnt);
            }
        }
        Ok(None)
    }

    /// Resolve all of `path` but its last component: the directory that holds it, and its name.
    /// Trailing slashes are not part of the name. ENOENT for an empty path.
    pub fn parent(&self, start: &Located, path: &str) -> SysResult<Parent> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        let trimmed = path.trim_end_matches('/');
        let trailing_slash = trimmed.len() != path.len();
        let (dir, name) = match trimmed.rfind('/') {
            _ if trimmed.is_empty() => (self.root_located()?, "/"),
            Some(i) => (self.resolve(start, &trimmed[..=i], true)?, &trimmed[i + 1..]),
            None => (start.clone(), trimmed),
        };
        if dir.node.kind() != FileKind::Directory {
            return Err(Errno::ENOTDIR);
        }
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        Ok(Parent { dir, name: String::from(name), trailing_slash })
    }

    /// Resolve `path` as open(2) with O_CREAT does: a missing last component becomes a regular
    /// file with permission `mode`, also when it is reached through a dangling symbolic link
    /// (the link's target is created, as on Linux). With `excl` an existing name, even a
    /// dangling link, is EEXIST; a final symlink is followed only if `follow`. A path ending in
    /// a slash (or in "." or "..") names a directory, which O_CREAT may not open: EISDIR.
    /// Returns where the node is and whether it was created.
    pub fn create(
        &self,
        start: &Located,
        path: &str,
        mode: u32,
        excl: bool,
        follow: bool,
    ) -> SysResult<(Located, bool)> {
        let mut start = start.clone();
        let mut path = String::from(path);
        let mut budget = MAX_SYMLINKS;
        loop {
            let p = self.parent(&start, &path)?;
            if p.trailing_slash || !p.is_normal() {
                return Err(Errno::EISDIR);
            }
            match self.step(&p.dir, &p.name) {
                Ok(_) if excl => return Err(Errno::EEXIST),
                Ok(found) if found.node.kind() == FileKind::Symlink && follow => {
                    match self.link_target(&found.node, &mut budget)? {
                        LinkTarget::Magic(at) => return Ok((at, false)),
                        LinkTarget::Path(target) => path = target,
                    }
                    start = p.dir;
                }
                Ok(found) => return Ok((found, false)),
                Err(Errno::ENOENT) => {
                    if vfs::is_readonly(&p.dir.node) {
                        return Err(Errno::EROFS);
                    }
                    perm::check(&p.dir.node, &self.who, W_OK | X_OK)?;
                    let node = p.dir.node.create(&p.name, FileKind::Regular, mode)?;
                    perm::own_new(&p.dir.node, &node, &self.who)?;
                    let parent = Some(p.dir.node.id());
                    let mut at = p.dir;
                    at.push(&p.name);
                    (at.node, at.parent) = (node, parent);
                    return Ok((at, true));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Resolve `path` from `cwd` (or `root` when absolute), as the kernel itself would (no caller).
/// The last component's symlink is followed only if `follow`.
pub fn lookup(root: &InodeRef, cwd: &InodeRef, path: &str, follow: bool) -> SysResult<InodeRef> {
    let r = Resolver::new(root.clone(), Who::default());
    Ok(r.resolve(&Located::new(cwd.clone(), "/"), path, follow)?.node)
}

/// Resolve all of `path` but its last component: the directory that holds it, and its name
/// ("." for "/"). Trailing slashes are not part of the name.
pub fn lookup_parent(root: &InodeRef, cwd: &InodeRef, path: &str) -> SysResult<(InodeRef, String)> {
    let r = Resolver::new(root.clone(), Who::default());
    let p = r.parent(&Located::new(cwd.clone(), "/"), path)?;
    let name = if p.name == "/" { String::from(".") } else { p.name };
    Ok((p.dir.node, name))
}

/// [`Resolver::create`] without a caller: returns the node and whether it was created.
pub fn create(
    root: &InodeRef,
    cwd: &InodeRef,
    path: &str,
    mode: u32,
    excl: bool,
    follow: bool,
) -> SysResult<(InodeRef, bool)> {
    let r = Resolver::new(root.clone(), Who::default());
    let (at, created) = r.create(&Located::new(cwd.clone(), "/"), path, mode, excl, follow)?;
    Ok((at.node, created))
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
    use crate::ramfs::{RamDir, RamFile, RamFs, RamSymlink};
    use crate::vfs::{FileSystem, Mount};
    use alloc::sync::Arc;
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
    fn components_skip_empty_names() {
        let names = |p| Components(p).collect::<Vec<_>>();
        assert_eq!(names("//a//bc/./d/"), ["a", "bc", ".", "d"]);
        assert_eq!(names("x"), ["x"]);
        assert!(names("").is_empty() && names("///").is_empty());
        let at = Located::new(RamDir::new_root(), "/a/./b//c/");
        assert_eq!((at.path(), at.last()), (String::from("/a/b/c"), Some("c")));
        assert_eq!(Located::new(RamDir::new_root(), "/").path(), "/");
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

    #[test]
    fn canonical_paths_follow_dots_and_links() {
        let (root, _, _) = tree();
        let r = Resolver::new(root.clone(), Who::default());
        let start = Located::new(root.clone(), "/");
        assert_eq!(r.resolve(&start, "a/../a/./f", true).unwrap().path(), "/a/f");
        assert_eq!(r.resolve(&start, "dirlink", true).unwrap().path(), "/a");
        assert_eq!(r.resolve(&start, "dirlink/..", true).unwrap().path(), "/");
        assert_eq!(r.resolve(&start, "link", false).unwrap().path(), "/link");
        assert_eq!(r.resolve(&start, "/", true).unwrap().path(), "/");
    }

    fn mounted_tree() -> (InodeRef, InodeRef, Arc<Mount>) {
        let base = RamFs::new("tmpfs");
        let root = base.root();
        let mnt = root.create("mnt", FileKind::Directory, 0o755).unwrap();
        mnt.create("hidden", FileKind::Regular, 0o644).unwrap();
        let top = RamFs::new("tmpfs");
        top.root().create("sub", FileKind::Directory, 0o755).unwrap();
        let m = vfs::mount(top, &mnt, None, "/mnt", "none", 0, "").unwrap();
        (root, mnt, m)
    }

    #[test]
    fn lookups_enter_mounted_roots_and_dotdot_leaves_them() {
        let (root, mnt, m) = mounted_tree();
        let r = Resolver::new(root.clone(), Who::default());
        let start = Located::new(root.clone(), "/");
        let at = r.resolve(&start, "/mnt", true).unwrap();
        assert_eq!(at.node.id(), m.root.id());
        assert_eq!(r.resolve(&start, "/mnt/hidden", true).err(), Some(Errno::ENOENT));
        let up = r.resolve(&start, "/mnt/sub/../..", true).unwrap();
        assert!(same(&up.node, &root));
        assert_eq!(up.path(), "/");
        // A walk that starts in the mounted root climbs out through the mount point.
        let inside = Located::new(m.root.clone(), "/mnt");
        assert!(same(&r.resolve(&inside, "..", true).unwrap().node, &root));
        vfs::umount(&m, false).unwrap();
        assert!(r.resolve(&start, "/mnt/hidden", true).is_ok());
        assert_eq!(r.resolve(&start, "/mnt", true).unwrap().node.id(), mnt.id());
    }
}
