//! The bookkeeping of the fuzz binary's global allocator: the system allocator with limits, so
//! that a kernel bug that allocates by a user-given size is reported instead of taking the host
//! down. The allocator itself (`GlobalAlloc` is an unsafe trait) is a thin shell in `main.rs`
//! that asks these functions before it forwards to `System`; this library has no `unsafe`.
//!
//! * One allocation above [`MAX_ONE`] is a bug (every allocation sized by user input must be
//!   bounded), and so is more than [`MAX_LIVE`] bytes alive at once: both panic.
//! * Page frames (the host's "physical memory": page-aligned blocks of whole pages) are
//!   counted apart. The kernel keeps to its own budget (`World::new` gives it [`MAX_FRAMES`]
//!   with `mm::frame::set_host_limit`); a quarter more than that, allocating a frame fails, as
//!   memory runs out on a machine, and the kernel must cope.
use std::alloc::Layout;
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

/// What the allocator does with a request, before the system allocator sees it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Admit {
    /// Counted as a frame; if the system allocator fails, call [`frame_failed`].
    Frame,
    /// Counted (and checked) as heap.
    Heap,
    /// Refused: memory has run out for frames (the allocator returns null).
    Refuse,
}

/// Count an allocation of `l` (panics past the heap limits, see the module).
pub fn admit(l: &Layout) -> Admit {
    if is_frame(l) {
        let pages = l.size() / 4096;
        let max = MAX_FRAMES.load(Ordering::Relaxed);
        if FRAMES.fetch_add(pages, Ordering::Relaxed) + pages > max + max / 4 {
            FRAMES.fetch_sub(pages, Ordering::Relaxed);
            FRAMES_REFUSED.fetch_add(1, Ordering::Relaxed);
            return Admit::Refuse;
        }
        return Admit::Frame;
    }
    LIVE.fetch_add(l.size(), Ordering::Relaxed);
    check(l.size());
    Admit::Heap
}

/// The system allocator had no memory for a frame [`admit`] counted.
pub fn frame_failed(l: &Layout) {
    FRAMES.fetch_sub(l.size() / 4096, Ordering::Relaxed);
}

/// Uncount a block of `l` that is freed.
pub fn release(l: &Layout) {
    if is_frame(l) {
        FRAMES.fetch_sub(l.size() / 4096, Ordering::Relaxed);
    } else {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
    }
}

/// A heap block of `l` is to be resized to `new_size` by the system allocator: count the
/// difference and return true. False, counting nothing, when the old or the new size is a
/// frame: then the allocator allocates, copies and frees (through [`admit`] and [`release`]).
pub fn resize(l: &Layout, new_size: usize) -> bool {
    let new = Layout::from_size_align(new_size, l.align()).expect("layout");
    if is_frame(l) || is_frame(&new) {
        return false;
    }
    if new_size >= l.size() {
        LIVE.fetch_add(new_size - l.size(), Ordering::Relaxed);
        check(new_size);
    } else {
        LIVE.fetch_sub(l.size() - new_size, Ordering::Relaxed);
    }
    true
}
