//! The page cache: a file's data in page frames, shared by read(2)/write(2), file mappings and
//! exec.
//!
//! A [`PageCache`] is one file's pages and size. The file system that owns the file keeps it
//! behind its own lock and decides where a new page comes from (tmpfs: a zeroed frame charged
//! to the instance; a disk file system: the disk). A mapping does not copy the file: it holds
//! the very frames of the cache ([`FilePages`]), so a store through a `MAP_SHARED` mapping is
//! what `read` sees next, and a `MAP_PRIVATE` mapping shares them read-only until it writes
//! (copy on write, as after fork: see `AddressSpace::page`).
//!
//! When a file shrinks, the pages past its new end leave the cache, and they must leave every
//! mapping too, so that touching them raises SIGBUS as on Linux rather than reading a page the
//! file no longer has. Address spaces made with [`AddressSpace::shared`] are known to this
//! module; [`unmap_past`] visits them (only for a file that was ever mapped).
use crate::aspace::AddressSpace;
use crate::frame::Frame;
use abi::SysResult;
use alloc::collections::btree_map::{BTreeMap, Entry};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use hal::mem::PAGE_SIZE;
use sync::Mutex;

const PAGE: u64 = PAGE_SIZE as u64;

/// A file whose pages a mapping can hold: what an address space asks of a file system.
pub trait FilePages: Send + Sync {
    /// The frame of page `index` of the file, brought into the cache if it is not there (a hole
    /// of a tmpfs file becomes a zeroed page); `Ok(None)` if the page lies wholly past the end
    /// of the file (the access is SIGBUS). `shared`: for a MAP_SHARED mapping, whose stores a
    /// disk file system must write back.
    fn page(&self, index: u64, shared: bool) -> SysResult<Option<Arc<Frame>>>;
    /// Write what stores through mappings changed to where the file lives (msync MS_SYNC); a
    /// file that lives in memory has nothing to do.
    fn sync(&self) -> SysResult<()> {
        Ok(())
    }
    /// For read(2): the file's size, and the frame of page `index` if the file has data there
    /// (`None`: a hole, which reads as zeros and is not made).
    fn lookup(&self, index: u64) -> SysResult<(u64, Option<Arc<Frame>>)>;
    /// The file was read (its access time).
    fn accessed(&self) {}
    /// Whether page `index` is in memory (mincore(2)), without bringing it in.
    fn cached(&self, index: u64) -> bool;

    /// read(2) from the cache, without a kernel buffer: `sink` gets each piece of `[offset,
    /// offset + len)` that the file holds, as (the page's frame or `None` for a hole, the offset
    /// in the page, the length), and returns how much of it it took (less: stop, a bad user
    /// address). No lock of the file is held while `sink` runs, so it may copy to user memory
    /// that is a mapping of this very file. Returns the bytes taken. The access time is the
    /// caller's to record ([`FilePages::accessed`]): a file opened O_NOATIME does not.
    fn read_to(
        &self,
        offset: u64,
        len: usize,
        sink: &mut dyn FnMut(Option<&Frame>, usize, usize) -> usize,
    ) -> SysResult<usize> {
        let mut done = 0;
        while done < len {
            let pos = offset + done as u64;
            let (index, off) = (pos / PAGE, (pos % PAGE) as usize);
            let (size, frame) = self.lookup(index)?;
            if pos >= size {
                break;
            }
            let k = (PAGE_SIZE - off).min(len - done).min((size - pos).min(PAGE) as usize);
            let took = sink(frame.as_deref(), off, k);
            done += took;
            if took < k {
                break;
            }
        }
        Ok(done)
    }
}

/// Pages in all page caches together (/proc/meminfo's Cached).
static CACHED: AtomicU64 = AtomicU64::new(0);
/// Pages of disk files that shared mappings may have written and that are not written back
/// yet (/proc/meminfo's Dirty): the file systems count them ([`dirty_pages_changed`]).
static DIRTY: AtomicU64 = AtomicU64::new(0);

/// Pages held by page caches.
pub fn cached_pages() -> u64 {
    CACHED.load(Ordering::Relaxed)
}

/// Pages of disk files that may differ from the disk.
pub fn dirty_pages() -> u64 {
    DIRTY.load(Ordering::Relaxed)
}

/// A file system's count of dirty pages grew (`+n`) or shrank (`-n`).
pub fn dirty_pages_changed(delta: i64) {
    if delta >= 0 {
        DIRTY.fetch_add(delta as u64, Ordering::Relaxed);
    } else {
        DIRTY.fetch_sub(delta.unsigned_abs(), Ordering::Relaxed);
    }
}

/// The identity of a [`FilePages`] object, as areas record it (for [`unmap_past`]).
pub fn file_id(file: &dyn FilePages) -> usize {
    file as *const dyn FilePages as *const () as usize
}

/// One file's data: its size and the pages present (a missing page inside the size is a hole
/// and reads as zeros).
#[derive(Default)]
pub struct PageCache {
    size: u64,
    pages: BTreeMap<u64, Arc<Frame>>,
    /// Some page was handed to a mapping: shrinking must look for mappings to cut.
    mapped: bool,
}

/// What [`PageCache::truncate`] did.
pub struct Truncated {
    /// Pages that left the cache.
    pub freed: u64,
    /// The first page index past the new end, if mappings may hold pages from there on: the
    /// caller passes it to [`unmap_past`] once it has dropped its lock.
    pub unmap_from: Option<u64>,
}

impl Drop for PageCache {
    fn drop(&mut self) {
        CACHED.fetch_sub(self.pages.len() as u64, Ordering::Relaxed);
    }
}

impl PageCache {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Set the size without touching the pages: for a file whose data lives on a disk, which
    /// has changed there.
    pub fn set_size(&mut self, size: u64) {
        self.size = size;
    }

    /// The frame of page `index` if it is present.
    pub fn get(&self, index: u64) -> Option<&Arc<Frame>> {
        self.pages.get(&index)
    }

    /// [`FilePages::lookup`] of a file whose cache is all its data.
    pub fn lookup(&self, index: u64) -> (u64, Option<Arc<Frame>>) {
        (self.size, self.pages.get(&index).cloned())
    }

    /// The frame of page `index`, made by `new_page` (a zeroed frame, or one read from a disk)
    /// if it is not present.
    pub fn get_or_insert(&mut self, index: u64, new_page: impl FnOnce() -> SysResult<Frame>) -> SysResult<&Arc<Frame>> {
        Ok(match self.pages.entry(index) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let f = e.insert(Arc::new(new_page()?));
                CACHED.fetch_add(1, Ordering::Relaxed);
                f
            }
        })
    }

    /// Drop pages `indices` (a failed fallocate's new, unmapped ones). Returns how many went.
    pub fn remove_pages(&mut self, indices: &[u64]) -> u64 {
        let gone = indices.iter().filter(|i| self.pages.remove(i).is_some()).count() as u64;
        CACHED.fetch_sub(gone, Ordering::Relaxed);
        gone
    }

    /// Let go of the pages no mapping holds and `keep` does not name (clean pages of a file
    /// whose data is on a disk: they can be read again). Returns how many went.
    pub fn evict(&mut self, keep: impl Fn(u64) -> bool) -> u64 {
        let before = self.pages.len();
        self.pages.retain(|&i, f| Arc::strong_count(f) > 1 || keep(i));
        let gone = (before - self.pages.len()) as u64;
        CACHED.fetch_sub(gone, Ordering::Relaxed);
        gone
    }

    /// Pages present (what the file holds in memory).
    pub fn resident(&self) -> u64 {
        self.pages.len() as u64
    }

    /// Copy from byte `offset` into `buf`, up to the end of the file; holes read as zeros.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        if offset >= self.size {
            return 0;
        }
        let n = buf.len().min((self.size - offset).min(usize::MAX as u64) as usize);
        let mut done = 0;
        while done < n {
            let pos = offset + done as u64;
            let (index, off) = (pos / PAGE, (pos % PAGE) as usize);
            let k = (PAGE_SIZE - off).min(n - done);
            match self.pages.get(&index) {
                Some(p) => p.read(off, &mut buf[done..done + k]),
                None => buf[done..done + k].fill(0),
            }
            done += k;
        }
        n
    }

    /// Copy `buf` to byte `offset`, growing the file; `new_page` gives each page the write
    /// needs that is not present. Returns the bytes written and, if it stopped early, why (the
    /// caller makes that a short write, or the error if nothing was written).
    pub fn write_at(
        &mut self,
        offset: u64,
        buf: &[u8],
        mut new_page: impl FnMut() -> SysResult<Frame>,
    ) -> (usize, Option<abi::Errno>) {
        let mut done = 0;
        let mut failed = None;
        while done < buf.len() {
            let pos = offset + done as u64;
            let (index, off) = (pos / PAGE, (pos % PAGE) as usize);
            let k = (PAGE_SIZE - off).min(buf.len() - done);
            let page = match self.get_or_insert(index, &mut new_page) {
                Ok(page) => page,
                Err(err) => {
                    failed = Some(err);
                    break;
                }
            };
            page.write(off, &buf[done..done + k]);
            done += k;
        }
        if done > 0 {
            self.size = self.size.max(offset + done as u64);
        }
        (done, failed)
    }

    /// Set the size. Whole pages past a new, smaller end leave the cache; the tail of the last
    /// one is zeroed, so that growing again reads zeros.
    pub fn truncate(&mut self, len: u64) -> Truncated {
        if len >= self.size {
            self.size = len;
            return Truncated { freed: 0, unmap_from: None };
        }
        let first_gone = len.div_ceil(PAGE);
        let gone = self.pages.split_off(&first_gone);
        CACHED.fetch_sub(gone.len() as u64, Ordering::Relaxed);
        if !len.is_multiple_of(PAGE) {
            if let Some(p) = self.pages.get(&(len / PAGE)) {
                let tail = (len % PAGE) as usize;
                p.write(tail, &[0u8; PAGE_SIZE][tail..]);
            }
        }
        self.size = len;
        Truncated { freed: gone.len() as u64, unmap_from: self.mapped.then_some(first_gone) }
    }

    /// The frame of page `index` for a mapping (see [`FilePages::page`]); `new_page` gives a
    /// hole its page.
    pub fn map_page(
        &mut self,
        index: u64,
        new_page: impl FnOnce() -> SysResult<Frame>,
    ) -> SysResult<Option<Arc<Frame>>> {
        if index >= self.size.div_ceil(PAGE) {
            return Ok(None);
        }
        self.mapped = true;
        Ok(Some(self.get_or_insert(index, new_page)?.clone()))
    }
}

/// Every address space that may map a file ([`AddressSpace::shared`] registers it).
static SPACES: Mutex<Vec<Weak<Mutex<AddressSpace>>>> = Mutex::new(Vec::new());

pub(crate) fn register(space: &Arc<Mutex<AddressSpace>>) {
    let mut spaces = SPACES.lock();
    spaces.retain(|w| w.strong_count() > 0);
    spaces.push(Arc::downgrade(space));
}

/// Whether some address space has a shared mapping of the file `file` ([`file_id`]) that is,
/// or may be made, writable (F_SEAL_WRITE is EBUSY then, as on Linux).
pub fn writably_mapped(file: usize) -> bool {
    let spaces: Vec<Arc<Mutex<AddressSpace>>> = SPACES.lock().iter().filter_map(Weak::upgrade).collect();
    spaces.iter().any(|space| space.lock().maps_writable(file))
}

/// The file with identity `file` ([`file_id`]) lost its pages from `index` on: drop them from
/// every mapping of it, private copies included (Linux's `unmap_mapping_range` with
/// `even_cows`), so that the next touch finds the new end of the file. The caller holds no
/// lock of the file's (a page fault takes an address space's lock, then the file's).
pub fn unmap_past(file: usize, index: u64) {
    let spaces: Vec<Arc<Mutex<AddressSpace>>> = SPACES.lock().iter().filter_map(Weak::upgrade).collect();
    for space in spaces {
        space.lock().drop_file_pages(file, index);
    }
}
