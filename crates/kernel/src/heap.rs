//! The kernel heap: the allocator chosen by the kernel's `heap-*` feature (crate `heap`; TLSF by
//! default) over one physically contiguous range carved from RAM at boot (its size comes from
//! `kernel::layout::heap_size`), reached through the physical-memory window, and grown from the
//! page frames when it runs low.
use kernel::layout::Range;

#[global_allocator]
static HEAP: ::heap::Heap = ::heap::Heap::new();

/// Hand the physical range `r` to the heap; more comes from the frame allocator when it runs
/// low ([`grow`]).
pub fn init(r: Range) {
    let start = hal::mem::phys_to_virt(r.start);
    // SAFETY: `r` is RAM that nothing else uses (removed from the frame allocator's share), and
    // it is mapped at `start` by the physical window for as long as the kernel runs.
    unsafe { HEAP.init(start, r.len()) }
    HEAP.set_grow(grow);
}

/// More memory for the heap: contiguous frames (at least 1 MiB at a time, a power of two of
/// pages, as the buddy frame allocator hands them out), reached through the physical window.
/// They stay the heap's. `None` when the frames are gone: the allocation fails and panics,
/// which ends the task that made it (panic isolation).
fn grow(bytes: usize) -> Option<(core::ptr::NonNull<u8>, usize)> {
    let pages = bytes.div_ceil(hal::mem::PAGE_SIZE).max(256).next_power_of_two();
    let pa = mm::frame::alloc_for_heap(pages)?;
    log::debug!("kernel heap grows by {} KiB", pages * 4);
    core::ptr::NonNull::new(hal::mem::phys_to_virt(pa)).map(|p| (p, pages * hal::mem::PAGE_SIZE))
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
