//! The fuzz binary's global allocator: the system allocator with limits, so that a kernel bug
//! that allocates by a user-given size is reported instead of taking the host down.
//!
//! * One allocation above [`MAX_ONE`] is a bug (every allocation sized by user input must be
//!   bounded), and so is more than [`MAX_LIVE`] bytes alive at once: both panic.
//! * Page frames (the host's "physical memory": page-aligned blocks of whole pages) are
//!   counted apart. The kernel keeps to its own budget (`World::new` gives it [`MAX_FRAMES`]
//!   with `mm::frame::set_host_limit`); a quarter more than that, allocating a frame fails, as
//!   memory runs out on a machine, and the kernel must cope.
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub const MAX_ONE: usize = 64 << 20;
pub const MAX_LIVE: usize = 1536 << 20;
/// Frames at most (256 MiB unless `--frames-mib` says otherwise).
pub static MAX_FRAMES: AtomicUsize = AtomicUsize::new(256 << 20 >> 12);

/// Bytes alive, frames aside.
pub static LIVE: AtomicUsize = AtomicUsize::new(0);
/// Frames (pages) alive.
pub static FRAMES: AtomicUsize = AtomicUsize::new(0);
/// Frame allocations refused.
pub static FRAMES_REFUSED: AtomicUsize = AtomicUsize::new(0);
/// Checks on (off once one has fired, so that the report itself can allocate).
pub static ARMED: AtomicBool = AtomicBool::new(true);

pub struct Guard;

fn is_frame(l: &Layout) -> bool {
    l.align() >= 4096 && l.size().is_multiple_of(4096)
}

fn check(size: usize) {
    if !ARMED.load(Ordering::Relaxed) {
        return;
    }
    if size > MAX_ONE {
        ARMED.store(false, Ordering::Relaxed);
        panic!("memory: one allocation of {size} bytes (more than {} MiB): unbounded by user input?", MAX_ONE >> 20);
    }
    let live = LIVE.load(Ordering::Relaxed);
    if live > MAX_LIVE {
        ARMED.store(false, Ordering::Relaxed);
        panic!("memory: {} MiB allocated (more than {} MiB): unbounded by user input?", live >> 20, MAX_LIVE >> 20);
    }
}

// SAFETY: every method forwards to the system allocator with the same layout; the counters
// and checks around it do not touch the memory.
unsafe impl GlobalAlloc for Guard {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if is_frame(&l) {
            let pages = l.size() / 4096;
            let max = MAX_FRAMES.load(Ordering::Relaxed);
            if FRAMES.fetch_add(pages, Ordering::Relaxed) + pages > max + max / 4 {
                FRAMES.fetch_sub(pages, Ordering::Relaxed);
                FRAMES_REFUSED.fetch_add(1, Ordering::Relaxed);
                return core::ptr::null_mut();
            }
            // SAFETY: as for the trait.
            let p = unsafe { System.alloc(l) };
            if p.is_null() {
                FRAMES.fetch_sub(pages, Ordering::Relaxed);
            }
            return p;
        }
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        check(l.size());
        // SAFETY: as for the trait.
        unsafe { System.alloc(l) }
    }

    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        if is_frame(&l) {
            // SAFETY: as for the trait.
            let p = unsafe { self.alloc(l) };
            if !p.is_null() {
                // SAFETY: `p` is a fresh allocation of `l.size()` bytes.
                unsafe { core::ptr::write_bytes(p, 0, l.size()) };
            }
            return p;
        }
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        check(l.size());
        // SAFETY: as for the trait.
        unsafe { System.alloc_zeroed(l) }
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        if is_frame(&l) {
            FRAMES.fetch_sub(l.size() / 4096, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        }
        // SAFETY: as for the trait.
        unsafe { System.dealloc(p, l) }
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        let new = Layout::from_size_align(new_size, l.align()).expect("layout");
        if is_frame(&l) || is_frame(&new) {
            // SAFETY: as for the trait; the old block is copied and freed by hand.
            unsafe {
                let q = self.alloc(new);
                if !q.is_null() {
                    core::ptr::copy_nonoverlapping(p, q, l.size().min(new_size));
                    self.dealloc(p, l);
                }
                return q;
            }
        }
        if new_size >= l.size() {
            LIVE.fetch_add(new_size - l.size(), Ordering::Relaxed);
            check(new_size);
        } else {
            LIVE.fetch_sub(l.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: as for the trait.
        unsafe { System.realloc(p, l, new_size) }
    }
}
