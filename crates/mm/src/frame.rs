//! Physical page frames.
//!
//! A [`Frame`] owns one zeroed 4 KiB page and frees it on drop. On the machine frames come from a
//! buddy allocator (crate `buddy_system_allocator`: small, well used in Rust kernels) fed with the
//! RAM ranges the device tree reports. On the host a frame is a page-aligned heap allocation.
use hal::mem::{phys_to_virt, PAGE_SIZE};

pub struct Frame {
    pa: usize,
}

/// Set when a frame could not be had; the OOM killer (`task::oom`) takes it on the way back to
/// user mode, where no lock is held.
static SHORT: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Whether frames ran out since the last call (and forget it).
pub fn take_shortage() -> bool {
    SHORT.load(core::sync::atomic::Ordering::Relaxed) && SHORT.swap(false, core::sync::atomic::Ordering::Relaxed)
}

/// Whether frames ran out and nobody has acted on it yet: one load.
#[inline]
pub fn short() -> bool {
    SHORT.load(core::sync::atomic::Ordering::Relaxed)
}

/// What gives frames back under memory pressure (the disk file systems' clean cached pages),
/// returning how many it freed.
static RECLAIM: sync::Once<fn() -> usize> = sync::Once::new();
/// Set while the reclaimer runs: a frame it needs itself is not reclaimed for.
static RECLAIMING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Install the reclaimer (the first call wins; later ones are ignored). It runs inside frame
/// allocation, so it must only `try_lock` what an allocating caller might hold.
pub fn set_reclaimer(f: fn() -> usize) {
    RECLAIM.call_once(|| f);
}

fn try_one() -> Option<usize> {
    if free() <= reserve() {
        None
    } else {
        backend::alloc(1)
    }
}

/// One frame (or `None`, remembering the shortage). When none is free, clean page-cache pages
/// are let go first, as Linux reclaims them before it considers the OOM killer.
fn take_one() -> Option<usize> {
    use core::sync::atomic::Ordering::{Acquire, Release};
    let mut pa = try_one();
    if pa.is_none() {
        if let Some(reclaim) = RECLAIM.get() {
            if !RECLAIMING.swap(true, Acquire) {
                let freed = reclaim();
                RECLAIMING.store(false, Release);
                if freed > 0 {
                    pa = try_one();
                }
            }
        }
    }
    if pa.is_none() {
        SHORT.store(true, core::sync::atomic::Ordering::Relaxed);
    }
    pa
}

impl Frame {
    /// A zeroed frame, or `None` when memory is exhausted. The last [`reserve`] frames are kept
    /// for the kernel heap: user memory and file data run out first, so that the kernel can
    /// still allocate what it needs to end a process and free its memory.
    pub fn alloc() -> Option<Frame> {
        let pa = take_one()?;
        let f = Frame { pa };
        f.fill(0);
        Some(f)
    }

    /// Physical address of the frame.
    pub fn pa(&self) -> usize {
        self.pa
    }

    /// Copy `src` into the frame at `offset`.
    pub fn write(&self, offset: usize, src: &[u8]) {
        write_phys(self.pa, offset, src)
    }

    /// Copy from the frame at `offset` into `dst`.
    pub fn read(&self, offset: usize, dst: &mut [u8]) {
        read_phys(self.pa, offset, dst)
    }

    pub fn fill(&self, byte: u8) {
        // SAFETY: the whole frame belongs to `self`.
        unsafe { core::ptr::write_bytes(phys_to_virt(self.pa), byte, PAGE_SIZE) }
    }

    /// A copy of this frame (for copy-on-write and private mappings).
    pub fn duplicate(&self) -> Option<Frame> {
        let pa = take_one()?;
        // SAFETY: both frames are whole pages in the physical window and distinct.
        unsafe { hal::mem::copy(phys_to_virt(pa), phys_to_virt(self.pa), PAGE_SIZE) }
        Some(Frame { pa })
    }
}

/// Copy `src` into the frame at physical address `pa` (page aligned), at `offset`. The caller
/// holds the frame: it is the page of a `Frame` kept by a page table or an area.
pub(crate) fn write_phys(pa: usize, offset: usize, src: &[u8]) {
    assert!(offset + src.len() <= PAGE_SIZE && pa.is_multiple_of(PAGE_SIZE));
    // SAFETY: the frame at `pa` is owned by a `Frame` the caller keeps alive (an address
    // space's page or the frame itself), lies in the physical window and the range was checked
    // above; user memory may be written concurrently only by the user itself.
    unsafe { hal::mem::copy(phys_to_virt(pa).add(offset), src.as_ptr(), src.len()) }
}

/// Copy from the frame at physical address `pa` (page aligned), at `offset`, into `dst`.
pub(crate) fn read_phys(pa: usize, offset: usize, dst: &mut [u8]) {
    assert!(offset + dst.len() <= PAGE_SIZE && pa.is_multiple_of(PAGE_SIZE));
    // SAFETY: as in `write_phys`.
    unsafe { hal::mem::copy(dst.as_mut_ptr(), phys_to_virt(pa).add(offset), dst.len()) }
}

/// Copy `len` bytes from `src_off` of the frame at `src` to `dst_off` of the frame at `dst`
/// (both page aligned): page data moved without a kernel buffer (a page-cache read).
pub(crate) fn copy_phys(dst: usize, dst_off: usize, src: usize, src_off: usize, len: usize) {
    assert!(dst_off + len <= PAGE_SIZE && src_off + len <= PAGE_SIZE);
    assert!(dst.is_multiple_of(PAGE_SIZE) && src.is_multiple_of(PAGE_SIZE));
    // SAFETY: as in `write_phys`, for both frames. They are one page when a file is read into
    // a mapping of itself: then the ranges may overlap, and move as memmove moves them.
    unsafe {
        let (to, from) = (phys_to_virt(dst).add(dst_off), phys_to_virt(src).add(src_off));
        if dst == src {
            core::ptr::copy(from, to, len)
        } else {
            hal::mem::copy(to, from, len)
        }
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        backend::release(self.pa, 1);
    }
}

/// `pages` physically contiguous pages for the kernel heap, for good (they never come back):
/// the address of the first. May use the reserve.
pub fn alloc_for_heap(pages: usize) -> Option<usize> {
    let pa = backend::alloc(pages);
    if pa.is_some() {
        HEAP_FRAMES.fetch_add(pages, core::sync::atomic::Ordering::Relaxed);
    } else {
        SHORT.store(true, core::sync::atomic::Ordering::Relaxed);
    }
    pa
}

static HEAP_FRAMES: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// Frames the kernel heap has grown into (never given back).
pub fn heap_frames() -> usize {
    HEAP_FRAMES.load(core::sync::atomic::Ordering::Relaxed)
}

/// Frames not allocated.
pub fn free() -> usize {
    backend::free()
}

/// How many frames only the kernel heap may take: 1/64 of memory, at most 4 MiB.
pub fn reserve() -> usize {
    (total() / 64).min(1024)
}

impl core::fmt::Debug for Frame {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Frame({:#x})", self.pa)
    }
}

/// Frames currently allocated (all threads); for statistics and /proc/meminfo.
pub fn allocated() -> usize {
    backend::ALLOCATED.load(core::sync::atomic::Ordering::Relaxed)
}

#[cfg(target_os = "none")]
pub use backend::add_memory;
#[cfg(not(target_os = "none"))]
pub use backend::set_host_limit;
pub use backend::total;

#[cfg(target_os = "none")]
mod backend {
    use buddy_system_allocator::FrameAllocator;
    use core::sync::atomic::{AtomicUsize, Ordering};
    use hal::mem::PAGE_SHIFT;
    use sync::Mutex;

    static FRAMES: Mutex<FrameAllocator<32>> = Mutex::new(FrameAllocator::new());
    pub static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
    static TOTAL: AtomicUsize = AtomicUsize::new(0);

    /// Give the physical range `[start, end)` (page aligned) to the frame allocator.
    pub fn add_memory(start: usize, end: usize) {
        FRAMES.lock().add_frame(start >> PAGE_SHIFT, end >> PAGE_SHIFT);
        TOTAL.fetch_add((end - start) >> PAGE_SHIFT, Ordering::Relaxed);
    }

    /// Frames given to the allocator in all.
    pub fn total() -> usize {
        TOTAL.load(Ordering::Relaxed)
    }

    pub fn free() -> usize {
        total().saturating_sub(ALLOCATED.load(Ordering::Relaxed))
    }

    pub fn alloc(pages: usize) -> Option<usize> {
        let single = if pages == 1 { SINGLES.lock().pop() } else { None };
        let ppn = match single.or_else(|| FRAMES.lock().alloc(pages)) {
            Some(ppn) => ppn,
            // The frames the cache keeps may make the block.
            None if drain_singles() => FRAMES.lock().alloc(pages)?,
            None => return None,
        };
        ALLOCATED.fetch_add(pages, Ordering::Relaxed);
        Some(ppn << PAGE_SHIFT)
    }

    pub fn release(pa: usize, pages: usize) {
        if pages != 1 || !SINGLES.lock().push(pa >> PAGE_SHIFT) {
            FRAMES.lock().dealloc(pa >> PAGE_SHIFT, pages);
        }
        ALLOCATED.fetch_sub(pages, Ordering::Relaxed);
    }

    /// Single frames freed lately, handed out again first (most frames are single: user
    /// pages, page tables). Why: `buddy_system_allocator` keeps free blocks in `BTreeSet`s, and
    /// a page's allocation and release cost about 800 instructions there; this stack a few.
    /// It holds at most [`KEEP`] frames (4 MiB), which go back to the buddy allocator when a
    /// larger block cannot be had.
    static SINGLES: Mutex<Singles> = Mutex::new(Singles { ppns: [0; KEEP], len: 0 });
    const KEEP: usize = 1024;

    struct Singles {
        ppns: [usize; KEEP],
        len: usize,
    }

    impl Singles {
        fn pop(&mut self) -> Option<usize> {
            self.len = self.len.checked_sub(1)?;
            Some(self.ppns[self.len])
        }
        fn push(&mut self, ppn: usize) -> bool {
            let Some(slot) = self.ppns.get_mut(self.len) else { return false };
            *slot = ppn;
            self.len += 1;
            true
        }
    }

    /// Give the cached frames back to the buddy allocator, one lock at a time (its `dealloc`
    /// may allocate from the heap, which may take frames). Returns whether there were any.
    fn drain_singles() -> bool {
        let mut any = false;
        while let Some(ppn) = SINGLES.lock().pop() {
            FRAMES.lock().dealloc(ppn, 1);
            any = true;
        }
        any
    }
}

#[cfg(not(target_os = "none"))]
mod backend {
    use core::sync::atomic::{AtomicUsize, Ordering};
    use hal::mem::PAGE_SIZE;
    use std::alloc::{alloc as host_alloc, dealloc, Layout};

    pub static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

    std::thread_local! {
        /// A test thread's own memory: how many frames it may have, and has (tests of running
        /// out of memory set a limit with `set_host_limit`; tests run in parallel threads).
        static LIMIT: core::cell::Cell<usize> = const { core::cell::Cell::new(usize::MAX / 2) };
        static MINE: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
    }

    pub fn total() -> usize {
        LIMIT.get()
    }

    pub fn free() -> usize {
        LIMIT.get().saturating_sub(MINE.get())
    }

    /// Host tests: this thread's frames, counting those it has now, may not exceed `frames`.
    pub fn set_host_limit(frames: usize) {
        LIMIT.set(frames.saturating_add(MINE.get()));
    }

    fn layout(pages: usize) -> Layout {
        Layout::from_size_align(pages * PAGE_SIZE, PAGE_SIZE).expect("page layout")
    }

    pub fn alloc(pages: usize) -> Option<usize> {
        // SAFETY: the layout has a non-zero size.
        let p = unsafe { host_alloc(layout(pages)) };
        if p.is_null() {
            return None;
        }
        ALLOCATED.fetch_add(pages, Ordering::Relaxed);
        MINE.set(MINE.get() + pages);
        Some(p as usize)
    }

    pub fn release(pa: usize, pages: usize) {
        ALLOCATED.fetch_sub(pages, Ordering::Relaxed);
        let _ = MINE.try_with(|m| m.set(m.get().saturating_sub(pages)));
        // SAFETY: `pa` came from `alloc` above with the same layout.
        unsafe { dealloc(pa as *mut u8, layout(pages)) }
    }
}
