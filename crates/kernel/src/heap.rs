//! The kernel heap: a buddy allocator (`buddy_system_allocator`, the workspace's choice for frames
//! too) over one physically contiguous range carved from RAM at boot, reached through the
//! physical-memory window. Its size comes from `kernel::layout::heap_size`.
use buddy_system_allocator::LockedHeap;
use kernel::layout::Range;

#[global_allocator]
static HEAP: LockedHeap<32> = LockedHeap::empty();

/// Hand the physical range `r` to the heap.
pub fn init(r: Range) {
    let start = hal::mem::phys_to_virt(r.start) as usize;
    // SAFETY: `r` is RAM that nothing else uses (removed from the frame allocator's share), and
    // it is mapped at `start` by the physical window.
    unsafe { HEAP.lock().init(start, r.len()) }
}

/// (bytes in use, bytes managed).
pub fn usage() -> (usize, usize) {
    let h = HEAP.lock();
    (h.stats_alloc_actual(), h.stats_total_bytes())
}
