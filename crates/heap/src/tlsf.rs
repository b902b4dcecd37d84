//! `rlsf`: Two-Level Segregated Fit, constant-time allocation and free, in-place realloc.
use crate::{Locked, RawHeap};
use core::alloc::Layout;
use core::ptr::NonNull;

/// 28 first-level classes of 32-byte granules: a free block (and a region, which is cut into
/// pieces of at most that) can be up to 8 GiB. 16 second-level classes each: a request is rounded
/// up by at most 1/16. The free-list heads take 28 * 16 pointers (3.5 KiB) in the struct itself.
type Inner = rlsf::Tlsf<'static, u32, u16, 28, 16>;

/// The TLSF allocator proper.
pub struct Tlsf(Inner);

/// The TLSF allocator as a locked `GlobalAlloc` (feature `tlsf`).
pub type TlsfHeap = Locked<Tlsf>;

impl RawHeap for Tlsf {
    const EMPTY: Self = Tlsf(Inner::new());

    unsafe fn add_region(&mut self, start: *mut u8, size: usize) -> usize {
        let Some(start) = NonNull::new(start) else { return 0 };
        let block = NonNull::slice_from_raw_parts(start, size);
        // SAFETY: forwarded from the caller (the region outlives the allocator: 'static).
        unsafe { self.0.insert_free_block_ptr(block) }.map_or(0, |n| n.get())
    }

    fn alloc(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        self.0.allocate(layout)
    }

    unsafe fn dealloc(&mut self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: forwarded from the caller: allocated here with this alignment.
        unsafe { self.0.deallocate(ptr, layout.align()) }
    }

    unsafe fn realloc(&mut self, ptr: NonNull<u8>, layout: Layout, new_size: usize) -> Option<NonNull<u8>> {
        // SAFETY: forwarded from the caller; the alignment is kept, as rlsf requires.
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            self.0.reallocate(ptr, new_layout)
        }
    }
}
