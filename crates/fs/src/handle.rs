//! File handles (name_to_handle_at, open_by_handle_at): a node named by its identity rather
//! than by a path.
//!
//! A handle holds the node's inode number; the file system is the one of the mount given to
//! open_by_handle_at. Nodes are found again through a table of the nodes a handle was made for,
//! held weakly: a node that went (its last name and last user gone) is not found, and its
//! handle is stale, as on Linux. The table forgets dead entries as it grows, so it holds about
//! as many entries as there are live nodes with handles.
use crate::inode::{Inode, InodeRef};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use sync::Mutex;

/// A node a handle was made for, with the path it had then (for /proc/<pid>/fd).
type Known = (Weak<dyn Inode>, String);

/// The nodes handles were made for, by identity.
static NODES: Mutex<BTreeMap<(u64, u64), Known>> = Mutex::new(BTreeMap::new());

/// Remember `node`, found at `path`, so that a handle of it can be opened.
pub fn remember(node: &InodeRef, path: String) {
    let mut nodes = NODES.lock();
    if nodes.len() >= 1024 && nodes.len().is_power_of_two() {
        nodes.retain(|_, (n, _)| n.strong_count() > 0);
    }
    nodes.insert(node.id(), (Arc::downgrade(node), path));
}

/// The node with inode number `ino` on the device `dev` and its path, if a handle was made
/// for it and it still exists.
pub fn find(dev: u64, ino: u64) -> Option<(InodeRef, String)> {
    let (node, path) = {
        let nodes = NODES.lock();
        let (weak, path) = nodes.get(&(dev, ino))?;
        (weak.upgrade()?, path.clone())
    };
    // A node with no name left is gone for handles (Linux: ESTALE once it is evicted).
    (node.stat().st_nlink > 0 || node.kind() == crate::FileKind::Directory).then_some((node, path))
}
