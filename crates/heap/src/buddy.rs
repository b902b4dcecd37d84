//! `buddy_system_allocator`: blocks are powers of two, split and merged with their buddy.
use crate::{Locked, RawHeap};
use core::alloc::Layout;
use core::ptr::NonNull;

/// Orders 0..32: blocks up to 2 GiB.
const ORDER: usize = 32;

/// The buddy allocator proper.
pub struct Buddy(buddy_system_allocator::Heap<ORDER>);

/// The buddy allocator as a locked `GlobalAlloc` (feature `buddy`).
pub type BuddyHeap = Locked<Buddy>;

impl RawHeap for Buddy {
    const EMPTY: Self = Buddy(buddy_system_allocator::Heap::new());

    unsafe fn add_region(&mut self, start: *mut u8, size: usize) -> usize {
        let before = self.0.stats_total_bytes();
        // SAFETY: forwarded from the caller; the crate takes the range as addresses.
        unsafe { self.0.add_to_heap(start as usize, start as usize + size) };
        self.0.stats_total_bytes() - before
    }

    fn alloc(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        self.0.alloc(layout).ok()
    }

    unsafe fn dealloc(&mut self, ptr: NonNull<u8>, layout: Layout) {
        self.0.dealloc(ptr, layout)
    }
}
