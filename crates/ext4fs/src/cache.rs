//! The page cache of ext4 files: file data in page frames ([`mm::cache::PageCache`]), read from
//! the disk when first needed and shared by `read`, `write`, mappings and exec.
//!
//! * **Writes go through**: `write(2)` writes the disk (through rsext4, which allocates the
//!   blocks and journals the metadata) and then the cached pages it covers. So a write that
//!   returned is on its way to the disk exactly as before the cache existed, ENOSPC is reported by
//!   the write that meets it, and nothing but mappings can leave a page dirty.
//! * **Stores through a shared mapping** are written back: every page handed to a MAP_SHARED
//!   mapping is counted dirty and written to the disk on fsync/fdatasync, msync(MS_SYNC),
//!   sync/syncfs, unmount and power-off (the hardware's dirty bit is not used: a page is written
//!   back while some mapping may still store into it, and once more after the last one went).
//!   The file system keeps such a file's node alive until then.
//! * **Memory pressure** takes back clean pages that no mapping holds ([`reclaim`], called by
//!   the frame allocator when it runs dry); dirty ones stay until written back.
use crate::{Ext4Fs, Ext4Node, Mounted};
use abi::{Errno, SysResult};
use alloc::collections::BTreeSet;
use alloc::sync::Arc;
use alloc::vec::Vec;
use fs::FileKind;
use mm::cache::{FilePages, PageCache};
use mm::Frame;
use rsext4::InodeNumber;

const PAGE: u64 = 4096;

/// One node's cached data.
#[derive(Default)]
pub(crate) struct NodeCache {
    pages: PageCache,
    /// The size was read from the inode (the cache's size is the file's).
    loaded: bool,
    /// Pages handed to shared mappings: dirty until written back while unmapped.
    shared: BTreeSet<u64>,
}

impl NodeCache {
    fn forget_shared(&mut self, index: u64) {
        if self.shared.remove(&index) {
            mm::cache::dirty_pages_changed(-1);
        }
    }
}

impl Drop for NodeCache {
    fn drop(&mut self) {
        mm::cache::dirty_pages_changed(-(self.shared.len() as i64));
    }
}

/// Page `index` of inode `ino` read from the disk into a new frame (zeros past the end).
fn read_page(ext4: &mut Mounted, ino: InodeNumber, index: u64) -> rsext4::Ext4Result<Frame> {
    let mut buf = [0u8; PAGE as usize];
    let mut done = 0;
    while done < buf.len() {
        match ext4.read_inode(ino, index * PAGE + done as u64, &mut buf[done..])? {
            0 => break,
            n => done += n,
        }
    }
    let f = Frame::alloc().ok_or_else(|| rsext4::Ext4Error::new(rsext4::Ext4ErrorKind::NoMemory))?;
    f.write(0, &buf[..done]);
    Ok(f)
}

impl Ext4Node {
    /// The cache with its size known.
    fn cache(&self) -> SysResult<sync::MutexGuard<'_, NodeCache>> {
        let mut c = self.cache.lock();
        if !c.loaded {
            let size = self.fs.with(|e| e.inode(self.ino))?.size;
            c.pages.set_size(size);
            c.loaded = true;
        }
        Ok(c)
    }

    /// The frame of page `index`, read from the disk if it is not cached.
    fn cached_page(&self, c: &mut NodeCache, index: u64) -> SysResult<Arc<Frame>> {
        Ok(c.pages.get_or_insert(index, || self.fs.with(|e| read_page(e, self.ino, index)))?.clone())
    }

    /// read(2) of a regular file, through the cache.
    pub(crate) fn read_cached(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        let mut c = self.cache()?;
        let size = c.pages.size();
        if offset >= size {
            return Ok(0);
        }
        let n = buf.len().min((size - offset).min(usize::MAX as u64) as usize);
        let mut done = 0;
        while done < n {
            let pos = offset + done as u64;
            let (index, off) = (pos / PAGE, (pos % PAGE) as usize);
            let k = (PAGE as usize - off).min(n - done);
            self.cached_page(&mut c, index)?.read(off, &mut buf[done..done + k]);
            done += k;
        }
        Ok(n)
    }

    /// write(2) of a regular file: to the disk, then to the cached pages it covers.
    pub(crate) fn write_cached(&self, offset: u64, buf: &[u8]) -> SysResult<usize> {
        let end = offset.checked_add(buf.len() as u64).ok_or(Errno::EFBIG)?;
        if buf.is_empty() {
            return Ok(0);
        }
        let mut c = self.cache()?;
        self.fs.with(|e| e.write_inode(self.ino, offset, buf))?;
        let mut done = 0;
        while done < buf.len() {
            let pos = offset + done as u64;
            let (index, off) = (pos / PAGE, (pos % PAGE) as usize);
            let k = (PAGE as usize - off).min(buf.len() - done);
            if let Some(page) = c.pages.get(index) {
                page.write(off, &buf[done..done + k]);
            }
            done += k;
        }
        let size = c.pages.size().max(end);
        c.pages.set_size(size);
        Ok(buf.len())
    }

    /// truncate(2): the disk, then the cache (and the mappings past the new end).
    pub(crate) fn truncate_cached(&self, len: u64) -> SysResult<()> {
        let cut = {
            let mut c = self.cache()?;
            self.fs.with(|e| e.truncate_inode(self.ino, len))?;
            let gone: Vec<u64> = c.shared.range(len.div_ceil(PAGE)..).copied().collect();
            for index in gone {
                c.forget_shared(index);
            }
            c.pages.truncate(len)
        };
        if let Some(index) = cut.unmap_from {
            mm::cache::unmap_past(mm::cache::file_id(self), index);
        }
        Ok(())
    }

    /// Write the pages shared mappings may have stored into back to the disk; a page no mapping
    /// holds any more is clean afterwards. Returns whether pages stay dirty (still mapped).
    pub(crate) fn write_back(&self) -> SysResult<bool> {
        let mut c = self.cache.lock();
        let size = c.pages.size();
        let dirty: Vec<u64> = c.shared.iter().copied().collect();
        for index in dirty {
            let Some(frame) = c.pages.get(index).cloned() else {
                c.forget_shared(index);
                continue;
            };
            let start = index * PAGE;
            if start < size {
                let mut buf = [0u8; PAGE as usize];
                let n = (size - start).min(PAGE) as usize;
                frame.read(0, &mut buf[..n]);
                self.fs.with(|e| e.write_inode(self.ino, start, &buf[..n]))?;
            }
            // The cache's reference and `frame`: no mapping holds it.
            if Arc::strong_count(&frame) <= 2 {
                c.forget_shared(index);
            }
        }
        Ok(!c.shared.is_empty())
    }

    /// Let go of clean pages no mapping holds (memory pressure). Never waits for the lock.
    fn evict(&self) -> usize {
        match self.cache.try_lock() {
            Some(mut c) => {
                let c = &mut *c;
                c.pages.evict(|i| c.shared.contains(&i)) as usize
            }
            None => 0,
        }
    }
}

impl FilePages for Ext4Node {
    fn page(&self, index: u64, shared: bool) -> SysResult<Option<Arc<Frame>>> {
        if self.kind != FileKind::Regular {
            return Err(Errno::EIO);
        }
        let mut c = self.cache()?;
        let page = c.pages.map_page(index, || self.fs.with(|e| read_page(e, self.ino, index)))?;
        if page.is_some() && shared && c.shared.insert(index) {
            mm::cache::dirty_pages_changed(1);
            drop(c);
            let node = self.fs.node(self.ino, self.kind);
            self.fs.dirty.lock().entry(self.ino.raw()).or_insert(node);
        }
        Ok(page)
    }

    fn sync(&self) -> SysResult<()> {
        crate::Inode::fsync(self)
    }

    fn cached(&self, index: u64) -> bool {
        self.cache.lock().pages.get(index).is_some()
    }

    fn lookup(&self, index: u64) -> SysResult<(u64, Option<Arc<Frame>>)> {
        let mut c = self.cache()?;
        let size = c.pages.size();
        if index >= size.div_ceil(PAGE) {
            return Ok((size, None));
        }
        Ok((size, Some(self.cached_page(&mut c, index)?)))
    }
}

impl Ext4Fs {
    /// Write back every file with pages stores through shared mappings may have changed; files
    /// no mapping holds any more leave the dirty list. Returns whether some stay on it.
    pub(crate) fn write_back_all(&self) -> SysResult<bool> {
        let nodes: Vec<Arc<Ext4Node>> = self.dirty.lock().values().cloned().collect();
        let mut result = Ok(false);
        let mut clean = Vec::new();
        for node in &nodes {
            match node.write_back() {
                Ok(true) => result = result.map(|_| true),
                Ok(false) => clean.push(node.ino.raw()),
                Err(e) => result = Err(e),
            }
        }
        let gone: Vec<Arc<Ext4Node>> = {
            let mut dirty = self.dirty.lock();
            clean.iter().filter_map(|ino| dirty.remove(ino)).collect()
        };
        // Dropped here, with no lock held: a node's drop takes the node table's lock.
        drop(gone);
        drop(nodes);
        result
    }
}

/// The frame allocator's reclaimer: clean cached pages of every mounted ext4 file system that no
/// mapping holds. Runs inside an allocation, so it only `try_lock`s.
pub fn reclaim() -> usize {
    let Some(all) =
        crate::MOUNTED.try_lock().map(|m| m.iter().filter_map(alloc::sync::Weak::upgrade).collect::<Vec<_>>())
    else {
        return 0;
    };
    let mut freed = 0;
    for fs in &all {
        let Some(nodes) =
            fs.nodes.try_lock().map(|n| n.values().filter_map(alloc::sync::Weak::upgrade).collect::<Vec<_>>())
        else {
            continue;
        };
        freed += nodes.iter().map(|n| n.evict()).sum::<usize>();
    }
    if freed > 0 {
        log::debug!("memory pressure: {freed} clean ext4 pages let go");
    }
    freed
}
