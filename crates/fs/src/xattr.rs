//! Extended attributes (xattr(7)): names and their namespaces, the flags of setxattr, and
//! [`Xattrs`], the in-memory store of a tmpfs node.
//!
//! The syscall layer checks names, namespaces and permissions (Linux's `xattr_permission`);
//! a file system only stores. [`Inode`](crate::Inode)'s xattr methods default to EOPNOTSUPP
//! (and an empty list), which is what Linux answers for a file system without xattrs.
//!
//! Memory is bounded three ways, each ENOSPC when full: a node holds at most
//! [`PER_NODE_MAX`] bytes of names and values, an instance (one tmpfs) [`Budget`] bytes, and all
//! in-memory file systems together [`ALL_MAX`], so no user can fill the kernel heap with them.
use abi::{Errno, SysResult};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use sync::Mutex;

/// setxattr(2) flags: fail if the attribute exists (EEXIST) / does not exist (ENODATA).
pub const XATTR_CREATE: u32 = 1;
pub const XATTR_REPLACE: u32 = 2;
/// Longest name, prefix included (a longer or an empty one is ERANGE).
pub const XATTR_NAME_MAX: usize = 255;
/// Largest value (E2BIG beyond).
pub const XATTR_SIZE_MAX: usize = 65536;
/// Largest list listxattr(2) returns.
pub const XATTR_LIST_MAX: usize = 65536;

/// Bytes of names and values one node may hold.
pub const PER_NODE_MAX: usize = 128 << 10;
/// Bytes one instance may hold by default.
pub const PER_FS_MAX: usize = 2 << 20;
/// Bytes all in-memory file systems together may hold.
pub const ALL_MAX: usize = 4 << 20;
/// What an attribute costs besides its name and value (the map entry and its two vectors).
const ENTRY_COST: usize = 64;

static ALL: AtomicUsize = AtomicUsize::new(0);

/// The namespace of an attribute, from its name's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Namespace {
    /// "user.": anyone with the file's permission; regular files and directories only.
    User,
    /// "trusted.": CAP_SYS_ADMIN only (hidden from others' lists).
    Trusted,
    /// "security.": security modules' labels; changing them needs CAP_SYS_ADMIN.
    Security,
    /// "system.": POSIX ACLs and the like, computed by file systems (none here).
    System,
}

impl Namespace {
    /// The namespace of `name` where a file system can store it (Linux's xattr_resolve_name):
    /// EOPNOTSUPP for an unknown prefix and for "system." (no POSIX ACLs here), EINVAL for a
    /// prefix alone ("user.").
    pub fn resolve(name: &[u8]) -> SysResult<Namespace> {
        match Namespace::of(name) {
            None | Some(Namespace::System) => Err(Errno::EOPNOTSUPP),
            Some(ns) if name.len() == ns.prefix().len() => Err(Errno::EINVAL),
            Some(ns) => Ok(ns),
        }
    }

    pub fn prefix(self) -> &'static str {
        match self {
            Namespace::User => "user.",
            Namespace::Trusted => "trusted.",
            Namespace::Security => "security.",
            Namespace::System => "system.",
        }
    }

    /// The namespace `name` belongs to by its prefix; `None` for an unknown prefix.
    pub fn of(name: &[u8]) -> Option<Namespace> {
        [Namespace::User, Namespace::Trusted, Namespace::Security, Namespace::System]
            .into_iter()
            .find(|ns| name.starts_with(ns.prefix().as_bytes()))
    }
}

/// A byte budget shared by the nodes of one instance.
pub struct Budget {
    used: AtomicUsize,
    max: usize,
}

impl Budget {
    pub const fn new(max: usize) -> Budget {
        Budget { used: AtomicUsize::new(0), max }
    }
    /// Bytes in use.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
    fn charge(&self, n: usize) -> SysResult<()> {
        let take = |c: &AtomicUsize, max: usize| {
            c.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| u.checked_add(n).filter(|&v| v <= max))
                .map(|_| ())
                .map_err(|_| Errno::ENOSPC)
        };
        take(&self.used, self.max)?;
        take(&ALL, ALL_MAX).inspect_err(|_| {
            self.used.fetch_sub(n, Ordering::Relaxed);
        })
    }
    /// Give back `n` bytes (an attribute removed or smaller, a node gone).
    pub fn uncharge(&self, n: usize) {
        self.used.fetch_sub(n, Ordering::Relaxed);
        ALL.fetch_sub(n, Ordering::Relaxed);
    }
}

fn cost(name: &[u8], value: &[u8]) -> usize {
    name.len() + value.len() + ENTRY_COST
}

#[derive(Default)]
struct Inner {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Sum of [`cost`] over the map.
    used: usize,
}

/// The attributes of one node, in memory. Empty, it allocates nothing.
#[derive(Default)]
pub struct Xattrs {
    inner: Mutex<Inner>,
}

impl Xattrs {
    pub const fn new() -> Xattrs {
        Xattrs { inner: Mutex::new(Inner { map: BTreeMap::new(), used: 0 }) }
    }

    /// Bytes charged for this node (to give back when it goes).
    pub fn used(&self) -> usize {
        self.inner.lock().used
    }

    /// The value of `name` into `buf`; with an empty `buf`, only its size. ENODATA if there is
    /// none, ERANGE if `buf` is too small.
    pub fn get(&self, name: &[u8], buf: &mut [u8]) -> SysResult<usize> {
        let g = self.inner.lock();
        let v = g.map.get(name).ok_or(Errno::ENODATA)?;
        if buf.is_empty() {
            return Ok(v.len());
        }
        let out = buf.get_mut(..v.len()).ok_or(Errno::ERANGE)?;
        out.copy_from_slice(v);
        Ok(v.len())
    }

    /// Set `name` to `value` (flags [`XATTR_CREATE`], [`XATTR_REPLACE`]), charging `budget`.
    pub fn set(&self, budget: &Budget, name: &[u8], value: &[u8], flags: u32) -> SysResult<()> {
        let mut g = self.inner.lock();
        let old = g.map.get(name).map(|v| cost(name, v));
        match old {
            Some(_) if flags & XATTR_CREATE != 0 => return Err(Errno::EEXIST),
            None if flags & XATTR_REPLACE != 0 => return Err(Errno::ENODATA),
            _ => {}
        }
        let new = cost(name, value);
        let old = old.unwrap_or(0);
        if g.used - old + new > PER_NODE_MAX {
            return Err(Errno::ENOSPC);
        }
        let mut v = Vec::new();
        v.try_reserve_exact(value.len()).map_err(|_| Errno::ENOMEM)?;
        v.extend_from_slice(value);
        if new > old {
            budget.charge(new - old)?;
        } else {
            budget.uncharge(old - new);
        }
        g.used = g.used - old + new;
        match g.map.get_mut(name) {
            Some(slot) => *slot = v,
            None => {
                g.map.insert(name.to_vec(), v);
            }
        }
        Ok(())
    }

    /// Remove `name`: ENODATA if there is none.
    pub fn remove(&self, budget: &Budget, name: &[u8]) -> SysResult<()> {
        let mut g = self.inner.lock();
        let v = g.map.remove(name).ok_or(Errno::ENODATA)?;
        let c = cost(name, &v);
        g.used -= c;
        budget.uncharge(c);
        Ok(())
    }

    /// The names, each followed by a NUL, into `buf` (with an empty `buf`, only the size they
    /// need); "trusted." names only if `trusted`. ERANGE if `buf` is too small.
    pub fn list(&self, trusted: bool, buf: &mut [u8]) -> SysResult<usize> {
        let g = self.inner.lock();
        let mut n = 0;
        for name in g.map.keys() {
            if !trusted && Namespace::of(name) == Some(Namespace::Trusted) {
                continue;
            }
            let end = n + name.len() + 1;
            if !buf.is_empty() {
                let out = buf.get_mut(n..end).ok_or(Errno::ERANGE)?;
                out[..name.len()].copy_from_slice(name);
                out[name.len()] = 0;
            }
            n = end;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_by_prefix() {
        assert_eq!(Namespace::of(b"user.a"), Some(Namespace::User));
        assert_eq!(Namespace::of(b"trusted.a"), Some(Namespace::Trusted));
        assert_eq!(Namespace::of(b"security.selinux"), Some(Namespace::Security));
        assert_eq!(Namespace::of(b"system.posix_acl_access"), Some(Namespace::System));
        assert_eq!(Namespace::of(b"user."), Some(Namespace::User));
        assert_eq!(Namespace::of(b"foo.bar"), None);
        assert_eq!(Namespace::of(b"User.a"), None);
        assert_eq!(Namespace::resolve(b"user."), Err(Errno::EINVAL));
        assert_eq!(Namespace::resolve(b"system.posix_acl_access"), Err(Errno::EOPNOTSUPP));
        assert_eq!(Namespace::resolve(b"foo.bar"), Err(Errno::EOPNOTSUPP));
        assert_eq!(Namespace::resolve(b"trusted.x"), Ok(Namespace::Trusted));
    }

    #[test]
    fn create_replace_get_list_remove() {
        let b = Budget::new(PER_FS_MAX);
        let x = Xattrs::new();
        assert_eq!(x.set(&b, b"user.a", b"1", XATTR_REPLACE), Err(Errno::ENODATA));
        x.set(&b, b"user.a", b"one", XATTR_CREATE).unwrap();
        assert_eq!(x.set(&b, b"user.a", b"1", XATTR_CREATE), Err(Errno::EEXIST));
        assert_eq!(x.set(&b, b"user.a", b"1", XATTR_CREATE | XATTR_REPLACE), Err(Errno::EEXIST));
        x.set(&b, b"trusted.t", b"", 0).unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(x.get(b"user.a", &mut []), Ok(3));
        assert_eq!(x.get(b"user.a", &mut buf[..2]), Err(Errno::ERANGE));
        assert_eq!(x.get(b"user.a", &mut buf), Ok(3));
        assert_eq!(&buf[..3], b"one");
        assert_eq!(x.get(b"user.b", &mut buf), Err(Errno::ENODATA));
        let mut list = [0u8; 32];
        assert_eq!(x.list(true, &mut []), Ok(17));
        assert_eq!(x.list(false, &mut list), Ok(7));
        assert_eq!(&list[..7], b"user.a\0");
        assert_eq!(x.list(true, &mut list[..10]), Err(Errno::ERANGE));
        assert_eq!(b.used(), x.used());
        x.remove(&b, b"user.a").unwrap();
        assert_eq!(x.remove(&b, b"user.a"), Err(Errno::ENODATA));
        x.remove(&b, b"trusted.t").unwrap();
        assert_eq!((b.used(), x.used()), (0, 0));
    }

    #[test]
    fn bounded_per_node_and_per_budget() {
        let b = Budget::new(2 * (XATTR_SIZE_MAX + 100));
        let big = alloc::vec![7u8; XATTR_SIZE_MAX];
        let x = Xattrs::new();
        x.set(&b, b"user.1", &big, 0).unwrap();
        assert_eq!(x.set(&b, b"user.2", &big, 0), Err(Errno::ENOSPC), "the node is full");
        // Replacing costs only the difference.
        x.set(&b, b"user.1", &big[1..], 0).unwrap();
        let y = Xattrs::new();
        y.set(&b, b"user.1", &big, 0).unwrap();
        let z = Xattrs::new();
        assert_eq!(z.set(&b, b"user.1", &big, 0), Err(Errno::ENOSPC), "the instance is full");
        y.remove(&b, b"user.1").unwrap();
        z.set(&b, b"user.1", &big, 0).unwrap();
        b.uncharge(x.used() + z.used());
        assert_eq!(b.used(), 0);
    }
}
