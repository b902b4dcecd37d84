//! The kernel heap: the allocator chosen by the kernel's `heap-*` feature (crate `heap`; TLSF by
//! default) over one physically contiguous range carved from RAM at boot, reached through the
//! physical-memory window. Its size comes from `kernel::layout::heap_size`.
use kernel::layout::Range;

#[global_allocator]
static HEAP: ::heap::Heap = ::heap::Heap::new();

/// Hand the physical range `r` to the heap.
pub fn init(r: Range) {
    let start = hal::mem::phys_to_virt(r.start);
    // SAFETY: `r` is RAM that nothing else uses (removed from the frame allocator's share), and
    // it is mapped at `start` by the physical window for as long as the kernel runs.
    unsafe { HEAP.init(start, r.len()) }
}

/// The heap's usage: bytes in use and at the peak, bytes managed, failed allocations.
pub fn stats() -> ::heap::Stats {
    HEAP.stats()
}

/// The kernel heap is exhausted: panic like any other failure, so that panic isolation ends the
/// task at hand (unless the allocation was made outside any task: then the machine stops).
#[alloc_error_handler]
fn out_of_memory(layout: core::alloc::Layout) -> ! {
    panic!("memory allocation of {} bytes failed", layout.size())
}
