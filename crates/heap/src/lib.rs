//! The kernel heap as a component: one `GlobalAlloc`, chosen by a cargo feature.
//!
//! | feature | type | crate | algorithm |
//! |---|---|---|---|
//! | `buddy` (default) | [`BuddyHeap`] | `buddy_system_allocator` | binary buddy, power-of-two blocks |
//! | `tlsf` | [`TlsfHeap`] | `rlsf` | two-level segregated fit, O(1), 32-byte granules |
//! | `talc` | [`TalcHeap`] | `talc` 4 | boundary-tag free lists binned by size |
//!
//! [`Heap`] is the selected one. When several features are on (cargo unifies features, and `buddy`
//! is the default), the first of `tlsf`, `talc`, `buddy` wins: asking for anything but the default
//! always gets it. With none of them, the crate does not compile.
//!
//! Every type is a [`Locked`] allocator: a spin lock around the allocator proper (a [`RawHeap`])
//! plus [`Stats`] counted the same way for all, so that they can be compared and swapped.
//!
//! ```no_run
//! #[global_allocator]
//! static HEAP: heap::Heap = heap::Heap::new();
//!
//! fn boot(start: *mut u8, size: usize) {
//!     // SAFETY: [start, start + size) is RAM that nothing else uses.
//!     unsafe { HEAP.init(start, size) }
//!     let heap::Stats { in_use, peak, total, failed: _ } = HEAP.stats();
//!     assert!(in_use <= peak && peak <= total);
//! }
//! ```
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(test)]
extern crate std;

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[cfg(any(feature = "buddy", test))]
mod buddy;
#[cfg(any(feature = "talc", test))]
mod talc;
#[cfg(any(feature = "tlsf", test))]
mod tlsf;

#[cfg(any(feature = "buddy", test))]
pub use buddy::{Buddy, BuddyHeap};
#[cfg(any(feature = "talc", test))]
pub use talc::{Talc, TalcHeap};
#[cfg(any(feature = "tlsf", test))]
pub use tlsf::{Tlsf, TlsfHeap};

/// The heap selected by the cargo features (see the crate documentation for the order).
#[cfg(feature = "tlsf")]
pub type Heap = TlsfHeap;
/// The heap selected by the cargo features (see the crate documentation for the order).
#[cfg(all(feature = "talc", not(feature = "tlsf")))]
pub type Heap = TalcHeap;
/// The heap selected by the cargo features (see the crate documentation for the order).
#[cfg(all(feature = "buddy", not(any(feature = "tlsf", feature = "talc"))))]
pub type Heap = BuddyHeap;

#[cfg(not(any(feature = "buddy", feature = "tlsf", feature = "talc")))]
compile_error!("crate `heap`: enable one of the features `buddy`, `tlsf`, `talc`");

/// An allocator proper, without lock or statistics: what each backend crate provides.
///
/// A trait because there really are several; [`Locked`] turns any of them into a `GlobalAlloc`.
pub trait RawHeap: Send {
    /// An allocator that manages no memory yet.
    const EMPTY: Self;

    /// Hand `[start, start + size)` to the allocator; returns how many bytes of it are managed
    /// (less than `size` after alignment and the allocator's own metadata; 0 if too small).
    ///
    /// # Safety
    /// The range is valid for reads and writes, is used by nothing else from now on, and does not
    /// overlap a range given before.
    unsafe fn add_region(&mut self, start: *mut u8, size: usize) -> usize;

    /// A block for `layout` (`layout.size() > 0`), or `None` when there is no room.
    fn alloc(&mut self, layout: Layout) -> Option<NonNull<u8>>;

    /// Give back a block.
    ///
    /// # Safety
    /// `ptr` came from `alloc`/`realloc` of this allocator with this `layout` and is not used again.
    unsafe fn dealloc(&mut self, ptr: NonNull<u8>, layout: Layout);

    /// Resize a block, keeping its first `min(layout.size(), new_size)` bytes; `None` leaves the
    /// old block untouched. The default allocates, copies and frees; backends that can resize in
    /// place override it.
    ///
    /// # Safety
    /// As for `dealloc`; `new_size > 0` and, rounded up to `layout.align()`, fits in `isize`.
    unsafe fn realloc(&mut self, ptr: NonNull<u8>, layout: Layout, new_size: usize) -> Option<NonNull<u8>> {
        // SAFETY: the caller guarantees that new_size with the old alignment is a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        let new = self.alloc(new_layout)?;
        // SAFETY: both blocks are live, distinct, and at least `min(old, new)` bytes long; the old
        // block is then freed as the caller allows.
        unsafe {
            ptr::copy_nonoverlapping(ptr.as_ptr(), new.as_ptr(), layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        Some(new)
    }
}

/// Usage of a heap, in bytes as requested by the callers (not counting rounding and headers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Bytes in live allocations.
    pub in_use: usize,
    /// The largest `in_use` ever seen.
    pub peak: usize,
    /// Bytes handed to the allocator (after its alignment and metadata).
    pub total: usize,
    /// Allocations (and reallocations) that failed for lack of room.
    pub failed: usize,
}

struct State<R> {
    raw: R,
    stats: Stats,
    /// Freed small blocks kept for reuse, one LIFO list per size class (see [`class`]).
    bins: [Bin; CLASSES],
}

/// Small blocks are kept in classes of `GRAIN` bytes up to `CLASSES * GRAIN`: a block of class
/// `c` is allocated from the backend as `(c + 1) * GRAIN` bytes aligned to `GRAIN`, whatever
/// size in the class was asked for, so any freed block of the class serves any request of it.
const GRAIN: usize = 16;
const CLASSES: usize = 16;
/// The most bytes a class keeps (beyond that its blocks go back to the backend): 512 blocks
/// of 16 bytes, 32 of 256; at most 16 × 8 KiB in all. A page fault allocates a small block
/// (the frame's `Arc`) and munmap frees hundreds at once, which a bin then serves again.
const KEEP_BYTES: usize = 8 << 10;

/// The size class of `layout`, if it is small enough to be kept in a bin.
///
/// Why bins in front of the backend: the kernel's system calls allocate and free a handful of
/// small blocks each (a path, a `File`, a name), and even TLSF spends about 300 instructions on
/// an allocation and 200 on a free; a bin pops or pushes a pointer.
#[inline]
fn class(layout: Layout) -> Option<usize> {
    (layout.size() <= CLASSES * GRAIN && layout.align() <= GRAIN).then(|| layout.size().saturating_sub(1) / GRAIN)
}

/// The layout the backend sees for `layout`: its class's, for a small one.
#[inline]
fn backend_layout(layout: Layout) -> Layout {
    match class(layout) {
        // SAFETY: a multiple of GRAIN (a power of two), at most CLASSES * GRAIN: a valid layout.
        Some(c) => unsafe { Layout::from_size_align_unchecked((c + 1) * GRAIN, GRAIN) },
        None => layout,
    }
}

/// A LIFO list of free blocks of one class, linked through their first word.
#[derive(Clone, Copy)]
struct Bin {
    head: Option<NonNull<u8>>,
    len: usize,
}

// SAFETY: the blocks a bin links are free memory owned by the heap, reached only under its lock.
unsafe impl Send for Bin {}

impl Bin {
    const EMPTY: Bin = Bin { head: None, len: 0 };

    fn pop(&mut self) -> Option<NonNull<u8>> {
        let p = self.head?;
        // SAFETY: `p` is a free block of at least GRAIN bytes, aligned to GRAIN, whose first
        // word `push` wrote.
        self.head = unsafe { p.cast::<Option<NonNull<u8>>>().read() };
        self.len -= 1;
        Some(p)
    }

    /// Keep `p`, a free block of class `c`; false (and nothing done) when the bin is full.
    fn push(&mut self, p: NonNull<u8>, c: usize) -> bool {
        if self.len >= KEEP_BYTES / ((c + 1) * GRAIN) {
            return false;
        }
        // SAFETY: `p` is a block of at least GRAIN bytes aligned to GRAIN that its owner freed:
        // its first word is ours.
        unsafe { p.cast::<Option<NonNull<u8>>>().write(self.head) };
        self.head = Some(p);
        self.len += 1;
        true
    }
}

impl<R: RawHeap> State<R> {
    /// A block for `layout`: from its bin, else from the backend.
    fn alloc(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        let got = match class(layout) {
            Some(c) => self.bins[c].pop().or_else(|| self.raw.alloc(backend_layout(layout))),
            None => self.raw.alloc(layout),
        };
        if got.is_some() {
            self.grew(layout.size());
        }
        got
    }

    /// Free a block of `layout`: into its bin, or back to the backend.
    ///
    /// # Safety
    /// `p` came from [`State::alloc`] with `layout` and is not used again.
    unsafe fn dealloc(&mut self, p: NonNull<u8>, layout: Layout) {
        self.stats.in_use -= layout.size();
        if let Some(c) = class(layout) {
            if self.bins[c].push(p, c) {
                return;
            }
        }
        // SAFETY: the backend gave `p` for `backend_layout(layout)` (see `alloc`).
        unsafe { self.raw.dealloc(p, backend_layout(layout)) }
    }

    /// Give every kept block back to the backend (before an allocation is called a failure).
    fn flush(&mut self) -> bool {
        let mut any = false;
        for c in 0..CLASSES {
            while let Some(p) = self.bins[c].pop() {
                // SAFETY: kept blocks came from the backend with their class's layout.
                unsafe { self.raw.dealloc(p, Layout::from_size_align_unchecked((c + 1) * GRAIN, GRAIN)) };
                any = true;
            }
        }
        any
    }
}

impl<R> State<R> {
    fn grew(&mut self, bytes: usize) {
        self.stats.in_use += bytes;
        self.stats.peak = self.stats.peak.max(self.stats.in_use);
    }
}

/// Where a heap gets more memory: at least `bytes` bytes, as `(start, size)`, or `None` when
/// there is no more. It may allocate from the heap itself (the heap keeps room for that).
pub type Grow = fn(bytes: usize) -> Option<(NonNull<u8>, usize)>;

/// How much room a growing heap keeps: it asks for more once less than this is free, so that
/// whoever gives it memory (the kernel's frame allocator, which allocates too) finds room.
pub const LOW_WATER: usize = 256 << 10;

/// A [`RawHeap`] behind a spin lock, with [`Stats`]: a `GlobalAlloc` to put in a
/// `#[global_allocator] static`. The kernel is single-hart and never preempted in kernel code, so
/// the lock is never contended; it makes the type `Sync`.
///
/// With [`Self::set_grow`] the heap grows on demand: the kernel starts it small and it takes
/// memory from the page frames when it runs low (never giving it back), so the heap is full only
/// when the machine is.
pub struct Locked<R: RawHeap> {
    state: spin::Mutex<State<R>>,
    /// The [`Grow`] function, as an address (0: none).
    grow: AtomicUsize,
    /// A growth is under way (its own allocations must not start another).
    growing: AtomicBool,
}

impl<R: RawHeap> Locked<R> {
    /// A heap with no memory; every allocation fails until [`Self::init`].
    pub const fn new() -> Self {
        Self {
            state: spin::Mutex::new(State {
                raw: R::EMPTY,
                stats: Stats { in_use: 0, peak: 0, total: 0, failed: 0 },
                bins: [Bin::EMPTY; CLASSES],
            }),
            grow: AtomicUsize::new(0),
            growing: AtomicBool::new(false),
        }
    }

    /// Let the heap grow with `grow` when it runs low.
    pub fn set_grow(&self, grow: Grow) {
        self.grow.store(grow as usize, Ordering::Release);
    }

    /// Get at least `bytes` more from the grow function (outside the lock: it may allocate).
    /// Returns whether the heap grew.
    fn grow_by(&self, bytes: usize) -> bool {
        let f = self.grow.load(Ordering::Acquire);
        if f == 0 || self.growing.swap(true, Ordering::Acquire) {
            return false;
        }
        // SAFETY: a non-zero value was stored by `set_grow` from a `Grow`.
        let grow: Grow = unsafe { core::mem::transmute::<usize, Grow>(f) };
        let got = grow(bytes.max(LOW_WATER));
        if let Some((start, size)) = got {
            let mut s = self.state.lock();
            // SAFETY: the grow function hands over memory nothing else uses, for good.
            s.stats.total += unsafe { s.raw.add_region(start.as_ptr(), size) };
        }
        self.growing.store(false, Ordering::Release);
        got.is_some()
    }

    /// One allocation from what the heap has (growing ahead of need if it succeeds).
    fn try_alloc(&self, layout: Layout) -> Option<NonNull<u8>> {
        let (got, free) = {
            let mut s = self.state.lock();
            let got = s.alloc(layout);
            (got, s.stats.total.saturating_sub(s.stats.in_use))
        };
        if got.is_some() {
            self.keep_room(free);
        }
        got
    }

    /// After an allocation: grow ahead of need when little room is left.
    #[inline]
    fn keep_room(&self, free: usize) {
        if free < LOW_WATER && self.grow.load(Ordering::Relaxed) != 0 {
            self.grow_by(LOW_WATER);
        }
    }

    /// Hand `[start, start + size)` to the heap. May be called again with further disjoint
    /// regions (an allocation never spans two regions).
    ///
    /// # Safety
    /// The range is valid for reads and writes for as long as the heap is used, nothing else uses
    /// it, and it does not overlap a region given before.
    pub unsafe fn init(&self, start: *mut u8, size: usize) {
        let mut s = self.state.lock();
        // SAFETY: forwarded from the caller.
        s.stats.total += unsafe { s.raw.add_region(start, size) };
    }

    /// The current usage.
    pub fn stats(&self) -> Stats {
        self.state.lock().stats
    }
}

impl<R: RawHeap> Default for Locked<R> {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every block comes from the RawHeap, which returns blocks that fit `layout` and are not
// handed out twice; the lock serialises all access to it.
unsafe impl<R: RawHeap> GlobalAlloc for Locked<R> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if let Some(p) = self.try_alloc(layout) {
            return p.as_ptr();
        }
        // The blocks the bins keep may make room.
        if self.state.lock().flush() {
            if let Some(p) = self.try_alloc(layout) {
                return p.as_ptr();
            }
        }
        // Room for the block, its alignment and the allocator's bookkeeping.
        if self.grow_by(layout.size().saturating_add(layout.align()).saturating_mul(2)) {
            if let Some(p) = self.try_alloc(layout) {
                return p.as_ptr();
            }
        }
        self.state.lock().stats.failed += 1;
        ptr::null_mut()
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some(p) = NonNull::new(ptr) else { return };
        // SAFETY: GlobalAlloc's contract: `ptr` was allocated here with `layout`.
        unsafe { self.state.lock().dealloc(p, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Some(p) = NonNull::new(ptr) else { return ptr::null_mut() };
        // SAFETY: GlobalAlloc's contract: `new_size` with the old alignment is a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class(layout), class(new_layout)) {
            (None, None) => {}
            // The block already has room for any size of its class.
            (Some(a), Some(b)) if a == b => {
                let mut s = self.state.lock();
                s.stats.in_use -= layout.size();
                s.grew(new_size);
                return ptr;
            }
            // Into or out of the bins' classes: the backend's realloc would give a block of the
            // wrong layout for them.
            // SAFETY: forwarded from the caller.
            _ => return unsafe { self.moved(ptr, layout, new_layout) },
        }
        let mut s = self.state.lock();
        // SAFETY: GlobalAlloc's contract: `ptr` was allocated here with `layout`, and `new_size`
        // is non-zero and valid with its alignment.
        match unsafe { s.raw.realloc(p, layout, new_size) } {
            Some(new) => {
                s.stats.in_use -= layout.size();
                s.grew(new_size);
                let free = s.stats.total.saturating_sub(s.stats.in_use);
                drop(s);
                self.keep_room(free);
                new.as_ptr()
            }
            None => {
                drop(s);
                // Grown or not, a fresh block and a copy (the old one is still intact).
                // SAFETY: forwarded from the caller.
                unsafe { self.moved(ptr, layout, new_layout) }
            }
        }
    }
}

impl<R: RawHeap> Locked<R> {
    /// Reallocation by a fresh block and a copy; the old block is freed only on success.
    ///
    /// # Safety
    /// `ptr` was allocated here with `layout` and `new_layout` is valid (GlobalAlloc::realloc's
    /// contract).
    unsafe fn moved(&self, ptr: *mut u8, layout: Layout, new_layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`; the block is fresh and at least `min(old, new)` long, both blocks
        // are live and distinct, and the old one is freed once.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_layout.size()));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[cfg(test)]
mod tests;
