//! File-descriptor tables.
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use alloc::vec::Vec;
use fs::File;

/// Default RLIMIT_NOFILE, as on Linux.
pub const DEFAULT_NOFILE: usize = 1024;

#[derive(Clone)]
pub struct FdEntry {
    pub file: Arc<File>,
    pub cloexec: bool,
}

/// The descriptors of a process: the lowest free number is handed out first.
///
/// A table is also the owner of its process's POSIX record locks (`fs::lock`), as Linux's
/// `files_struct` is: threads share them, a copy (fork) starts without any, closing any
/// descriptor of a file releases them on that file, and they go with the table. The same owner
/// id is what a closed descriptor's node is told (`Inode::flush`): a message queue drops the
/// notification the table's process registered.
pub struct FdTable {
    slots: Vec<Option<FdEntry>>,
    limit: usize,
    /// Its owner id (POSIX locks, `Inode::flush`), 0 until a lock or an mq_notify asks for one
    /// (closes then cost nothing).
    lock_owner: fs::lock::Owner,
}

impl Default for FdTable {
    fn default() -> Self {
        FdTable { slots: Vec::new(), limit: DEFAULT_NOFILE, lock_owner: 0 }
    }
}

impl Clone for FdTable {
    /// The descriptors and the limit; not the locks, which belong to the original.
    fn clone(&self) -> Self {
        FdTable { slots: self.slots.clone(), limit: self.limit, lock_owner: 0 }
    }
}

impl Drop for FdTable {
    fn drop(&mut self) {
        if self.lock_owner != 0 {
            for e in self.slots.iter().flatten() {
                e.file.inode().flush(self.lock_owner);
            }
            fs::lock::release_owner(self.lock_owner);
        }
    }
}

impl FdTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// The file behind `fd`, or EBADF.
    pub fn get(&self, fd: i32) -> SysResult<Arc<File>> {
        self.entry(fd).map(|e| e.file.clone())
    }

    pub fn entry(&self, fd: i32) -> SysResult<&FdEntry> {
        usize::try_from(fd).ok().and_then(|i| self.slots.get(i)).and_then(|s| s.as_ref()).ok_or(Errno::EBADF)
    }

    /// The lowest free descriptor >= `min`: what [`FdTable::insert_from`] would use; EMFILE past
    /// the limit. For calls that must fail before they make anything (mq_open, as Linux's
    /// get_unused_fd_flags).
    pub fn free_from(&self, min: usize) -> SysResult<usize> {
        (min..self.limit).find(|&i| self.slots.get(i).is_none_or(|s| s.is_none())).ok_or(Errno::EMFILE)
    }

    /// Install `file` at the lowest free descriptor >= `min`; EMFILE past the limit.
    pub fn insert_from(&mut self, min: usize, file: Arc<File>, cloexec: bool) -> SysResult<i32> {
        let free = self.free_from(min)?;
        if free >= self.slots.len() {
            self.slots.resize(free + 1, None);
        }
        self.slots[free] = Some(FdEntry { file, cloexec });
        Ok(free as i32)
    }

    pub fn insert(&mut self, file: Arc<File>, cloexec: bool) -> SysResult<i32> {
        self.insert_from(0, file, cloexec)
    }

    /// Put `file` at exactly `fd`, replacing what was there (dup2/dup3).
    pub fn set(&mut self, fd: i32, file: Arc<File>, cloexec: bool) -> SysResult<()> {
        let i = usize::try_from(fd).ok().filter(|&i| i < self.limit).ok_or(Errno::EBADF)?;
        if i >= self.slots.len() {
            self.slots.resize(i + 1, None);
        }
        self.slots[i] = Some(FdEntry { file, cloexec });
        Ok(())
    }

    /// close(2). The process's POSIX locks on the file go too, whichever descriptor set them.
    pub fn remove(&mut self, fd: i32) -> SysResult<Arc<File>> {
        let slot = usize::try_from(fd).ok().and_then(|i| self.slots.get_mut(i)).ok_or(Errno::EBADF)?;
        let file = slot.take().map(|e| e.file).ok_or(Errno::EBADF)?;
        if self.lock_owner != 0 {
            fs::lock::release_posix(self.lock_owner, &**file.inode());
            file.inode().flush(self.lock_owner);
        }
        Ok(file)
    }

    /// The owner id of this table (its POSIX locks, `Inode::flush`), made on first use.
    pub fn lock_owner(&mut self) -> fs::lock::Owner {
        if self.lock_owner == 0 {
            self.lock_owner = fs::lock::new_owner();
        }
        self.lock_owner
    }

    /// Descriptors in use, in order.
    pub fn iter(&self) -> impl Iterator<Item = (i32, &FdEntry)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|e| (i as i32, e)))
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
    }
}
