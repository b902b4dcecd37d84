//! `talc` 4: boundary tags and size-binned free lists, in-place grow and shrink.
use crate::{Locked, RawHeap};
use core::alloc::Layout;
use core::ptr::NonNull;
use talc::{ErrOnOom, Span};

/// The Talc allocator proper (out of memory is an error: the kernel heap does not grow).
pub struct Talc(talc::Talc<ErrOnOom>);

/// The Talc allocator as a locked `GlobalAlloc` (feature `talc`).
pub type TalcHeap = Locked<Talc>;

impl RawHeap for Talc {
    const EMPTY: Self = Talc(talc::Talc::new(ErrOnOom));

    unsafe fn add_region(&mut self, start: *mut u8, size: usize) -> usize {
        if start.is_null() {
            return 0; // claim() panics on a span holding address 0
        }
        // SAFETY: forwarded from the caller.
        unsafe { self.0.claim(Span::from_base_size(start, size)) }.map_or(0, |s| s.size())
    }

    fn alloc(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        // SAFETY: malloc only requires a non-zero size, which RawHeap::alloc requires too.
        unsafe { self.0.malloc(layout) }.ok()
    }

    unsafe fn dealloc(&mut self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { self.0.free(ptr, layout) }
    }

    unsafe fn realloc(&mut self, ptr: NonNull<u8>, layout: Layout, new_size: usize) -> Option<NonNull<u8>> {
        // SAFETY: forwarded from the caller; grow needs new_size >= old, shrink new_size <= old
        // and non-zero.
        unsafe {
            if new_size >= layout.size() {
                self.0.grow(ptr, layout, new_size).ok()
            } else {
                self.0.shrink(ptr, layout, new_size);
                Some(ptr)
            }
        }
    }
}
