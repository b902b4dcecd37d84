//! Physical page frames.
//!
//! A [`Frame`] owns one zeroed 4 KiB page and frees it on drop. On the machine frames come from a
//! buddy allocator (crate `buddy_system_allocator`: small, well used in Rust kernels) fed with the
//! RAM ranges the device tree reports. On the host a frame is a page-aligned heap allocation.
use hal::mem::{phys_to_virt, PAGE_SIZE};

pub struct Frame {
    pa: usize,
}

impl Frame {
    /// A zeroed frame, or `None` when memory is exhausted.
    pub fn alloc() -> Option<Frame> {
        let pa = backend::alloc()?;
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
        assert!(offset + src.len() <= PAGE_SIZE);
        // SAFETY: the frame is owned by `self`, lies in the physical window and the range was
        // checked above; user memory may be written concurrently only by the user itself.
        unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), phys_to_virt(self.pa).add(offset), src.len()) }
    }

    /// Copy from the frame at `offset` into `dst`.
    pub fn read(&self, offset: usize, dst: &mut [u8]) {
        assert!(offset + dst.len() <= PAGE_SIZE);
        // SAFETY: as in `write`.
        unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(self.pa).add(offset), dst.as_mut_ptr(), dst.len()) }
    }

    pub fn fill(&self, byte: u8) {
        // SAFETY: the whole frame belongs to `self`.
        unsafe { core::ptr::write_bytes(phys_to_virt(self.pa), byte, PAGE_SIZE) }
    }

    /// A copy of this frame (for copy-on-write and private mappings).
    pub fn duplicate(&self) -> Option<Frame> {
        let pa = backend::alloc()?;
        // SAFETY: both frames are whole pages in the physical window and distinct.
        unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(self.pa), phys_to_virt(pa), PAGE_SIZE) }
        Some(Frame { pa })
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        backend::free(self.pa);
    }
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
pub use backend::{add_memory, total};

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

    pub fn alloc() -> Option<usize> {
        let ppn = FRAMES.lock().alloc(1)?;
        ALLOCATED.fetch_add(1, Ordering::Relaxed);
        Some(ppn << PAGE_SHIFT)
    }

    pub fn free(pa: usize) {
        FRAMES.lock().dealloc(pa >> PAGE_SHIFT, 1);
        ALLOCATED.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(not(target_os = "none"))]
mod backend {
    use core::sync::atomic::{AtomicUsize, Ordering};
    use hal::mem::PAGE_SIZE;
    use std::alloc::{alloc as host_alloc, dealloc, Layout};

    pub static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
    const LAYOUT: Layout = match Layout::from_size_align(PAGE_SIZE, PAGE_SIZE) {
        Ok(l) => l,
        Err(_) => panic!("page layout"),
    };

    pub fn alloc() -> Option<usize> {
        // SAFETY: LAYOUT has a non-zero size.
        let p = unsafe { host_alloc(LAYOUT) };
        if p.is_null() {
            return None;
        }
        ALLOCATED.fetch_add(1, Ordering::Relaxed);
        Some(p as usize)
    }

    pub fn free(pa: usize) {
        ALLOCATED.fetch_sub(1, Ordering::Relaxed);
        // SAFETY: `pa` came from `alloc` above with the same layout.
        unsafe { dealloc(pa as *mut u8, LAYOUT) }
    }
}
