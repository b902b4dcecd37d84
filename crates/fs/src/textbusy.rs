//! ETXTBSY: a program file that some process runs may not be written, and a file open for
//! writing may not be run (Linux's deny_write_access / get_write_access on the inode's
//! i_writecount). Counted per node identity ([`Inode::id`]), since file systems may make a new
//! node object for each lookup of the same file.
use crate::inode::{FileKind, InodeRef};
use abi::{Errno, SysResult};
use alloc::collections::BTreeMap;
use sync::Mutex;

#[derive(Default)]
struct Counts {
    /// Open file descriptions with write access.
    writers: u32,
    /// Address spaces running it (one per process image: [`Running`]).
    runners: u32,
}

static COUNTS: Mutex<BTreeMap<(u64, u64), Counts>> = Mutex::new(BTreeMap::new());

fn update(id: (u64, u64), f: impl FnOnce(&mut Counts)) {
    let mut all = COUNTS.lock();
    let c = all.entry(id).or_default();
    f(c);
    if c.writers == 0 && c.runners == 0 {
        all.remove(&id);
    }
}

fn tracked(node: &InodeRef) -> bool {
    node.kind() == FileKind::Regular
}

/// Whether `node` may be opened for writing or truncated: ETXTBSY while a process runs it.
pub fn check_writable(node: &InodeRef) -> SysResult<()> {
    if tracked(node) && COUNTS.lock().get(&node.id()).is_some_and(|c| c.runners > 0) {
        return Err(Errno::ETXTBSY);
    }
    Ok(())
}

/// A writable open file description of `node` began (checked by [`check_writable`] first).
pub fn writer_opened(node: &InodeRef) {
    if tracked(node) {
        update(node.id(), |c| c.writers += 1);
    }
}

/// A writable open file description of `node` ended.
pub fn writer_closed(node: &InodeRef) {
    if tracked(node) {
        update(node.id(), |c| c.writers = c.writers.saturating_sub(1));
    }
}

/// A process image running a program file: the file refuses writers while any exists (a
/// clone, for a forked process, counts on its own).
pub struct Running {
    id: (u64, u64),
}

impl Running {
    /// Start running `node`: ETXTBSY while it is open for writing.
    pub fn new(node: &InodeRef) -> SysResult<Running> {
        let id = node.id();
        let mut all = COUNTS.lock();
        let c = all.entry(id).or_default();
        if c.writers > 0 {
            if c.runners == 0 {
                all.remove(&id);
            }
            return Err(Errno::ETXTBSY);
        }
        c.runners += 1;
        Ok(Running { id })
    }
}

impl Clone for Running {
    fn clone(&self) -> Running {
        update(self.id, |c| c.runners += 1);
        Running { id: self.id }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        update(self.id, |c| c.runners = c.runners.saturating_sub(1));
    }
}
