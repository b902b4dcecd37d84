//! The same checks for every backend, each on a heap of its own over a fresh buffer.
use crate::{Locked, RawHeap};
use core::alloc::{GlobalAlloc, Layout};
use std::vec::Vec;

const REGION: usize = 1 << 20;

/// A heap over a leaked, page-aligned buffer of `size` bytes.
fn heap<R: RawHeap>(size: usize) -> Locked<R> {
    let layout = Layout::from_size_align(size, 4096).unwrap();
    let h = Locked::new();
    // SAFETY: non-zero size; the buffer is leaked, so it outlives the heap, and only the heap uses it.
    unsafe {
        let buf = std::alloc::alloc(layout);
        assert!(!buf.is_null());
        h.init(buf, size);
    }
    h
}

fn l(size: usize, align: usize) -> Layout {
    Layout::from_size_align(size, align).unwrap()
}

fn alignment<R: RawHeap>() {
    let h = heap::<R>(REGION);
    let mut live = Vec::new();
    for align in [1, 2, 8, 16, 64, 256, 4096] {
        for size in [1, 7, 24, 100, 4096, 5000] {
            let layout = l(size, align);
            // SAFETY (all GlobalAlloc calls in these tests): non-zero sizes, and every pointer is
            // freed once with the layout it was allocated with.
            let p = unsafe { h.alloc(layout) };
            assert!(!p.is_null(), "{size} bytes aligned {align}");
            assert_eq!(p as usize % align, 0, "{size} bytes aligned {align}");
            unsafe { p.write_bytes(0xa5, size) };
            live.push((p, layout));
        }
    }
    let in_use: usize = live.iter().map(|(_, l)| l.size()).sum();
    assert_eq!(h.stats().in_use, in_use);
    for (p, layout) in live {
        unsafe { h.dealloc(p, layout) };
    }
    let s = h.stats();
    assert_eq!((s.in_use, s.peak, s.failed), (0, in_use, 0));
    assert!(s.total > REGION / 2 && s.total <= REGION, "{s:?}");
}

fn realloc_keeps_contents<R: RawHeap>() {
    let h = heap::<R>(REGION);
    let layout = l(16, 16);
    let mut p = unsafe { h.alloc(layout) };
    for i in 0..16 {
        unsafe { p.add(i).write(i as u8) };
    }
    let mut size = 16;
    // Grow with something allocated behind it (forces a move for some), then shrink.
    let other = unsafe { h.alloc(l(64, 8)) };
    for new in [40, 1000, 70_000, 300, 20] {
        p = unsafe { h.realloc(p, l(size, 16), new) };
        assert!(!p.is_null() && (p as usize).is_multiple_of(16), "realloc to {new}");
        for i in 0..16.min(new) {
            assert_eq!(unsafe { p.add(i).read() }, i as u8, "byte {i} after realloc to {new}");
        }
        size = new;
        assert_eq!(h.stats().in_use, size + 64);
    }
    unsafe { h.dealloc(p, l(size, 16)) };
    unsafe { h.dealloc(other, l(64, 8)) };
    assert_eq!(h.stats().in_use, 0);
}

fn exhaustion_returns_null<R: RawHeap>() {
    let h = heap::<R>(REGION);
    assert!(unsafe { h.alloc(l(2 * REGION, 8)) }.is_null());
    let layout = l(1000, 8);
    let mut live = Vec::new();
    loop {
        let p = unsafe { h.alloc(layout) };
        if p.is_null() {
            break;
        }
        live.push(p);
        assert!(live.len() <= REGION / 1000, "more than the region holds");
    }
    assert!(live.len() > REGION / 1000 / 2, "only {} blocks of 1000 bytes", live.len());
    assert!(unsafe { h.alloc(layout) }.is_null());
    let s = h.stats();
    assert_eq!((s.in_use, s.failed), (live.len() * 1000, 2 + 1));
    // Realloc that cannot be satisfied returns null and leaves the block alone.
    let last = *live.last().unwrap();
    unsafe { last.write(42) };
    assert!(unsafe { h.realloc(last, layout, REGION / 2) }.is_null());
    assert_eq!(unsafe { last.read() }, 42);
    for p in live {
        unsafe { h.dealloc(p, layout) };
    }
    assert_eq!(h.stats().in_use, 0);
}

fn reuse_after_free<R: RawHeap>() {
    let h = heap::<R>(REGION);
    // Take (nearly) everything in one block, free it, and it can be had again, also as small pieces.
    let big = l(REGION / 4, 8);
    let a = unsafe { h.alloc(big) };
    assert!(!a.is_null());
    unsafe { h.dealloc(a, big) };
    let b = unsafe { h.alloc(big) };
    assert!(!b.is_null());
    unsafe { h.dealloc(b, big) };
    for _ in 0..3 {
        let small: Vec<_> = (0..1000).map(|_| unsafe { h.alloc(l(100, 8)) }).collect();
        assert!(small.iter().all(|p| !p.is_null()));
        for p in small {
            unsafe { h.dealloc(p, l(100, 8)) };
        }
    }
    let c = unsafe { h.alloc(big) };
    assert!(!c.is_null(), "free blocks were not merged again");
    unsafe { h.dealloc(c, big) };
}

fn small_blocks_are_kept_for_their_class<R: RawHeap>() {
    let h = heap::<R>(REGION);
    // A freed small block serves the next request of its class, whatever size in it.
    let a = unsafe { h.alloc(l(20, 8)) };
    unsafe { h.dealloc(a, l(20, 8)) };
    let b = unsafe { h.alloc(l(32, 16)) };
    assert_eq!(a, b);
    // Growing within the class keeps the block and its bytes; leaving the class moves them.
    unsafe { b.write_bytes(0x5a, 32) };
    let c = unsafe { h.realloc(b, l(32, 16), 24) };
    assert_eq!(c, b);
    let d = unsafe { h.realloc(c, l(24, 16), 4000) };
    assert!(!d.is_null() && d != c);
    assert!(unsafe { core::slice::from_raw_parts(d, 24) }.iter().all(|&x| x == 0x5a));
    let e = unsafe { h.realloc(d, l(4000, 16), 100) };
    assert!(unsafe { core::slice::from_raw_parts(e, 24) }.iter().all(|&x| x == 0x5a));
    unsafe { h.dealloc(e, l(100, 16)) };
    assert_eq!(h.stats().in_use, 0);
    // A heap whose room is all in kept blocks still has it for a big block.
    let h = heap::<R>(8192);
    let small: Vec<_> = (0..).map(|_| unsafe { h.alloc(l(256, 8)) }).take_while(|p| !p.is_null()).collect();
    for &p in &small {
        unsafe { h.dealloc(p, l(256, 8)) };
    }
    assert!(small.len() >= 8 && small.len() <= 32, "{} blocks: all must fit in a bin", small.len());
    let big = l(8 * 256, 8);
    let f = unsafe { h.alloc(big) };
    assert!(!f.is_null(), "the bins' blocks were not given back");
    unsafe { h.dealloc(f, big) };
}

fn uninitialised_heap_fails<R: RawHeap>() {
    let h = Locked::<R>::new();
    assert!(unsafe { h.alloc(l(8, 8)) }.is_null());
    assert_eq!(h.stats(), crate::Stats { failed: 1, ..Default::default() });
}

std::thread_local! {
    /// What `grow` handed out on this test thread: (calls, bytes), and a limit.
    static GROWN: core::cell::Cell<(usize, usize, usize)> = const { core::cell::Cell::new((0, 0, usize::MAX)) };
}

/// A grow function over leaked host buffers, up to the thread's limit.
fn grow(bytes: usize) -> Option<(core::ptr::NonNull<u8>, usize)> {
    let (calls, total, limit) = GROWN.get();
    let size = bytes.max(64 << 10).next_multiple_of(4096);
    if total + size > limit {
        return None;
    }
    GROWN.set((calls + 1, total + size, limit));
    let layout = Layout::from_size_align(size, 4096).unwrap();
    // SAFETY: non-zero size; leaked, so it outlives the heap, which alone uses it.
    core::ptr::NonNull::new(unsafe { std::alloc::alloc(layout) }).map(|p| (p, size))
}

fn grows_from_its_grow_function_until_it_has_none<R: RawHeap>() {
    GROWN.set((0, 0, 4 << 20));
    let h = heap::<R>(crate::LOW_WATER * 2);
    h.set_grow(grow);
    let layout = l(1000, 8);
    let mut live = Vec::new();
    loop {
        let p = unsafe { h.alloc(layout) };
        if p.is_null() {
            break;
        }
        live.push(p);
    }
    let (calls, total, _) = GROWN.get();
    assert!(calls > 1 && total > (3 << 20), "grew {calls} times, {total} bytes");
    assert!(live.len() * 1000 > 3 << 20, "{} blocks", live.len());
    // A big block that the region never had: it grows for it (given room).
    GROWN.set((calls, total, usize::MAX));
    let big = l(2 << 20, 4096);
    let b = unsafe { h.alloc(big) };
    assert!(!b.is_null());
    unsafe { h.dealloc(b, big) };
    for p in live {
        unsafe { h.dealloc(p, layout) };
    }
}

macro_rules! suite {
    ($($m:ident: $t:ty),*) => {$(
        mod $m {
            #[test] fn alignment() { super::alignment::<$t>() }
            #[test] fn realloc_keeps_contents() { super::realloc_keeps_contents::<$t>() }
            #[test] fn exhaustion_returns_null() { super::exhaustion_returns_null::<$t>() }
            #[test] fn reuse_after_free() { super::reuse_after_free::<$t>() }
            #[test] fn uninitialised_heap_fails() { super::uninitialised_heap_fails::<$t>() }
            #[test] fn small_blocks_are_kept_for_their_class() {
                super::small_blocks_are_kept_for_their_class::<$t>()
            }
            #[test] fn grows_from_its_grow_function_until_it_has_none() {
                super::grows_from_its_grow_function_until_it_has_none::<$t>()
            }
        }
    )*};
}

suite!(buddy: crate::Buddy, tlsf: crate::Tlsf, talc: crate::Talc);
