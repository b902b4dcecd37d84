//! Compare the heap backends on the host: each is a plain instance (not the global allocator) over
//! the same region, driven through `GlobalAlloc` exactly as the kernel drives its heap (lock and
//! statistics included, identical for all).
//!
//! `cargo run --release -p heap --example heapbench --features buddy,tlsf[,talc]`
//!
//! Prints markdown tables: the median ns per operation (one alloc, free or realloc) of several
//! runs, per-operation latency percentiles, and how much of the region each can still hand out.
use core::alloc::{GlobalAlloc, Layout};
use core::hint::black_box;
use heap::{Locked, RawHeap};
use std::time::Instant;

/// Region size: the kernel's heap on a 256 MiB machine (`kernel::layout::heap_size`).
const REGION: usize = 32 << 20;
/// Timed runs per workload and allocator; the median is reported.
const RUNS: usize = 15;
const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// splitmix64: a fixed-seed generator, so every allocator sees the same request sequence.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Log-uniform in `lo..=hi` (as many 16..32 B requests as 2..4 KiB ones): small objects dominate.
    fn size(&mut self, lo: usize, hi: usize) -> usize {
        let (a, b) = (lo.ilog2(), hi.ilog2());
        let e = a + self.below((b - a) as usize + 1) as u32;
        let base = 1usize << e;
        (base + self.below(base)).clamp(lo, hi)
    }
    /// Mostly word alignment; sometimes a cache line or a page, as kernel structures ask.
    fn align(&mut self) -> usize {
        match self.below(64) {
            0 => 4096,
            1..=4 => 64,
            _ => 8,
        }
    }
}

/// The memory every heap is built over: page-aligned like the kernel's heap range, but no more
/// than that (a buddy allocator's biggest blocks depend on the start's alignment).
struct Region(*mut u8);

impl Region {
    fn new() -> Self {
        let layout = Layout::from_size_align(REGION + 2 * MIB, 2 * MIB).unwrap();
        // SAFETY: non-zero size. Leaked: it lives as long as the program.
        let base = unsafe { std::alloc::alloc(layout) };
        assert!(!base.is_null());
        // SAFETY: inside the allocation; touching every page now keeps page faults out of the timing.
        unsafe {
            base.write_bytes(0, REGION + 2 * MIB);
            Region(base.add(4 * KIB))
        }
    }

    fn heap<R: RawHeap>(&self) -> Box<Locked<R>> {
        let h = Box::new(Locked::new());
        // SAFETY: the region is valid and the only heap using it is this one: the previous heap
        // over it is dropped before the next is made.
        unsafe { h.init(self.0, REGION) };
        h
    }
}

type Block = (*mut u8, Layout);

fn alloc(h: &dyn GlobalAlloc, layout: Layout) -> Option<Block> {
    // SAFETY: every layout here has a non-zero size.
    let p = unsafe { h.alloc(layout) };
    if p.is_null() {
        return None;
    }
    // SAFETY: the block is at least one byte; touch it as a user would.
    unsafe { p.write(1) };
    Some((black_box(p), layout))
}

fn free(h: &dyn GlobalAlloc, (p, layout): Block) {
    // SAFETY: `p` came from `alloc` on this heap with `layout` and is freed once.
    unsafe { h.dealloc(p, layout) }
}

fn layout(size: usize, align: usize) -> Layout {
    Layout::from_size_align(size, align).unwrap()
}

/// A workload: runs on a fresh heap, returns the number of operations it did.
type Workload = fn(&dyn GlobalAlloc, &mut Rng, &mut dyn FnMut(u64)) -> u64;

/// 64-byte objects allocated 256 deep and freed in reverse, over and over.
fn small_lifo(h: &dyn GlobalAlloc, _: &mut Rng, tick: &mut dyn FnMut(u64)) -> u64 {
    let l = layout(64, 8);
    let mut stack = Vec::with_capacity(256);
    for _ in 0..1000 {
        for _ in 0..256 {
            stack.push(alloc(h, l).unwrap());
            tick(1);
        }
        while let Some(b) = stack.pop() {
            free(h, b);
            tick(1);
        }
    }
    512_000
}

/// 8192 64-byte objects allocated, then freed in random order (a cache of small objects dropped).
/// A buddy allocator looks for the freed block's buddy in a list of the free blocks of its size,
/// so its cost grows with N (at 64k objects buddy_system_allocator took ~360 µs per op).
fn small_shuffled(h: &dyn GlobalAlloc, rng: &mut Rng, tick: &mut dyn FnMut(u64)) -> u64 {
    const N: usize = 8192;
    let mut live: Vec<Block> = (0..N).map(|_| alloc(h, layout(64, 8)).unwrap()).collect();
    for i in (1..N).rev() {
        live.swap(i, rng.below(i + 1)); // Fisher-Yates
    }
    live.into_iter().for_each(|b| {
        free(h, b);
        tick(1);
    });
    2 * N as u64
}

/// 16 B..4 KiB (log-uniform), random alignment, random frees: 4096 slots, each step frees a live
/// slot or fills an empty one.
fn mixed(h: &dyn GlobalAlloc, rng: &mut Rng, tick: &mut dyn FnMut(u64)) -> u64 {
    random_slots(h, rng, tick, 4096, 400_000, 16, 4 * KIB)
}

/// 64 KiB..1 MiB blocks (uniform), 16 slots: file data, buffers, big tables.
fn large(h: &dyn GlobalAlloc, rng: &mut Rng, tick: &mut dyn FnMut(u64)) -> u64 {
    let l = |rng: &mut Rng| layout(64 * KIB + rng.below(MIB - 64 * KIB + 1), 8);
    let mut slots: Vec<Option<Block>> = vec![None; 16];
    let mut ops = 0;
    for _ in 0..20_000 {
        let i = rng.below(slots.len());
        match slots[i].take() {
            Some(b) => free(h, b),
            None => slots[i] = Some(alloc(h, l(rng)).expect("large workload out of memory")),
        }
        tick(1);
        ops += 1;
    }
    for b in slots.into_iter().flatten() {
        free(h, b);
        ops += 1;
    }
    ops
}

fn random_slots(
    h: &dyn GlobalAlloc,
    rng: &mut Rng,
    tick: &mut dyn FnMut(u64),
    nslots: usize,
    steps: usize,
    lo: usize,
    hi: usize,
) -> u64 {
    let mut slots: Vec<Option<Block>> = vec![None; nslots];
    let mut ops = 0;
    for _ in 0..steps {
        let i = rng.below(nslots);
        match slots[i].take() {
            Some(b) => free(h, b),
            None => {
                let l = layout(rng.size(lo, hi), rng.align());
                slots[i] = Some(alloc(h, l).expect("mixed workload out of memory"));
            }
        }
        tick(1);
        ops += 1;
    }
    for b in slots.into_iter().flatten() {
        free(h, b);
        ops += 1;
    }
    ops
}

/// Vec-style growth by doubling from 16 B to 64 KiB with realloc, 8 buffers, then freed. Grown one
/// after another (`interleaved == false`), the block after the growing one is usually free, so an
/// allocator that grows in place copies nothing; grown in turn, each buffer's neighbour is the next
/// buffer and growth must move.
fn growth(h: &dyn GlobalAlloc, tick: &mut dyn FnMut(u64), interleaved: bool) -> u64 {
    let mut ops = 0;
    let mut grow = |b: &mut Block, size: usize| {
        // SAFETY: `b` is live with layout `b.1`; the new size is non-zero.
        let p = unsafe { h.realloc(b.0, b.1, size) };
        assert!(!p.is_null());
        *b = (black_box(p), layout(size, 8));
        tick(1);
        ops += 1;
    };
    for _ in 0..300 {
        let mut bufs: Vec<Block> = (0..8).map(|_| alloc(h, layout(16, 8)).unwrap()).collect();
        if interleaved {
            for size in (5..=16).map(|s| 1 << s) {
                bufs.iter_mut().for_each(|b| grow(b, size));
            }
        } else {
            for b in bufs.iter_mut() {
                (5..=16).for_each(|s| grow(b, 1 << s));
            }
        }
        bufs.into_iter().for_each(|b| free(h, b));
    }
    ops + 300 * 16
}

fn growth_alone(h: &dyn GlobalAlloc, _: &mut Rng, tick: &mut dyn FnMut(u64)) -> u64 {
    growth(h, tick, false)
}

fn growth_interleaved(h: &dyn GlobalAlloc, _: &mut Rng, tick: &mut dyn FnMut(u64)) -> u64 {
    growth(h, tick, true)
}

const WORKLOADS: [(&str, Workload); 6] = [
    ("small churn: 64 B, LIFO 256 deep", small_lifo),
    ("8192 x 64 B, freed in random order", small_shuffled),
    ("mixed: 16 B-4 KiB, random frees", mixed),
    ("large: 64 KiB-1 MiB, random frees", large),
    ("realloc 16 B -> 64 KiB, one buffer at a time", growth_alone),
    ("realloc 16 B -> 64 KiB, 8 buffers in turn", growth_interleaved),
];

/// ns per operation of one run of `w` on a fresh heap.
fn sample<R: RawHeap>(region: &Region, w: Workload) -> f64 {
    let h = region.heap::<R>();
    let t = Instant::now();
    let ops = w(&*h, &mut Rng::new(42), &mut |_| {});
    let ns = t.elapsed().as_nanos() as f64 / ops as f64;
    assert_eq!(h.stats().in_use, 0);
    ns
}

/// Latency of single operations in the shuffled, mixed and large workloads: (p50, p99, p99.9) in ns. The
/// clock is read between operations, so each figure includes one clock read (~20 ns); the maximum
/// is not shown, a host's interrupts and preemption decide it.
fn latency<R: RawHeap>(region: &Region, w: Workload) -> (u64, u64, u64) {
    let h = region.heap::<R>();
    let mut lat = Vec::with_capacity(1 << 20);
    let mut last = Instant::now();
    w(&*h, &mut Rng::new(42), &mut |_| {
        let now = Instant::now();
        lat.push((now - last).as_nanos() as u64);
        last = now;
    });
    lat.sort_unstable();
    let p = |q: f64| lat[((lat.len() - 1) as f64 * q) as usize];
    (p(0.5), p(0.99), p(0.999))
}

/// The largest single block (8-byte aligned) the heap can hand out now.
fn largest(h: &dyn GlobalAlloc) -> usize {
    let (mut lo, mut hi) = (0, REGION + 1); // lo fits, hi does not
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        match alloc(h, layout(mid, 8)) {
            Some(b) => {
                free(h, b);
                lo = mid;
            }
            None => hi = mid,
        }
    }
    lo
}

/// Allocate random `lo..=hi`-byte blocks until the first one fails; returns them.
fn fill(h: &dyn GlobalAlloc, rng: &mut Rng, lo: usize, hi: usize) -> Vec<Block> {
    let mut live = Vec::new();
    while let Some(b) = alloc(h, layout(rng.size(lo, hi), rng.align())) {
        live.push(b);
    }
    live
}

/// Free each block with probability `p`; returns the others.
fn free_some(h: &dyn GlobalAlloc, rng: &mut Rng, live: Vec<Block>, p: f64) -> Vec<Block> {
    let mut kept = Vec::new();
    for b in live {
        if (rng.next() as f64 / u64::MAX as f64) < p {
            free(h, b);
        } else {
            kept.push(b);
        }
    }
    kept
}

#[derive(Default)]
struct Frag {
    total: usize,
    fresh_largest: usize,
    fill_large: usize,
    fill_small: usize,
    swiss_free: usize,
    swiss_largest: usize,
    refill: usize,
    sparse_free: usize,
    sparse_largest: usize,
}

/// How much of the region can be used. A fresh heap: its largest block, and how far it fills with
/// large blocks. Another: filled with small blocks, a random half freed (Swiss cheese), the
/// largest block then, refilled with small blocks; then 90% of everything freed at random (a few
/// long-lived objects scattered over the heap) and the largest block then.
fn fragmentation<R: RawHeap>(region: &Region) -> Frag {
    let mut f = Frag::default();
    let mut rng = Rng::new(7);
    {
        let h = region.heap::<R>();
        f.total = h.stats().total;
        f.fresh_largest = largest(&*h);
        let live = fill(&*h, &mut rng, 64 * KIB, MIB);
        f.fill_large = h.stats().in_use;
        live.into_iter().for_each(|b| free(&*h, b));
    }
    let h = region.heap::<R>();
    let live = fill(&*h, &mut rng, 16, 4 * KIB);
    f.fill_small = h.stats().in_use;
    let mut live = free_some(&*h, &mut rng, live, 0.5);
    f.swiss_free = REGION - h.stats().in_use;
    f.swiss_largest = largest(&*h);
    live.extend(fill(&*h, &mut rng, 16, 4 * KIB));
    f.refill = h.stats().in_use;
    let live = free_some(&*h, &mut rng, live, 0.9);
    f.sparse_free = REGION - h.stats().in_use;
    f.sparse_largest = largest(&*h);
    live.into_iter().for_each(|b| free(&*h, b));
    f
}

struct Backend {
    name: &'static str,
    size: usize,
    sample: fn(&Region, Workload) -> f64,
    latency: fn(&Region, Workload) -> (u64, u64, u64),
    frag: fn(&Region) -> Frag,
}

fn backend<R: RawHeap>(name: &'static str) -> Backend {
    Backend { name, size: size_of::<Locked<R>>(), sample: sample::<R>, latency: latency::<R>, frag: fragmentation::<R> }
}

fn main() {
    let region = Region::new();
    #[allow(unused_mut)]
    let mut backends = vec![backend::<heap::Buddy>("buddy"), backend::<heap::Tlsf>("tlsf")];
    #[cfg(feature = "talc")]
    backends.push(backend::<heap::Talc>("talc"));

    let header = |first: &str| {
        print!("| {first} |");
        backends.iter().for_each(|b| print!(" {} |", b.name));
        print!("\n|---|");
        backends.iter().for_each(|_| print!("---:|"));
        println!();
    };
    let pct = |n: usize, of: usize| format!("{:.1}%", 100.0 * n as f64 / of as f64);
    let mib = |n: usize| format!("{:.2} MiB", n as f64 / MIB as f64);

    println!("Region {} MiB at a page-aligned address; median of {RUNS} runs.\n", REGION / MIB);
    header("ns/op (alloc, free or realloc)");
    for &(name, w) in &WORKLOADS {
        // Runs alternate between the allocators, so that a busy moment of the host hits all alike.
        let mut samples = vec![Vec::new(); backends.len()];
        for run in 0..=RUNS {
            for (b, s) in backends.iter().zip(&mut samples) {
                let ns = (b.sample)(&region, w);
                if run > 0 {
                    s.push(ns); // run 0 warms up
                }
            }
        }
        print!("| {name} |");
        for mut s in samples {
            s.sort_by(f64::total_cmp);
            print!(" {:.1} |", s[RUNS / 2]);
        }
        println!();
    }

    println!();
    header("latency of one op, ns: p50 / p99 / p99.9");
    for (name, w) in [WORKLOADS[1], WORKLOADS[2], WORKLOADS[3]] {
        print!("| {name} |");
        for b in &backends {
            let (p50, p99, p999) = (b.latency)(&region, w);
            print!(" {p50} / {p99} / {p999} |");
        }
        println!();
    }

    println!();
    let frags: Vec<_> = backends.iter().map(|b| (b.frag)(&region)).collect();
    header(&format!("fragmentation ({} MiB region)", REGION / MIB));
    let row = |name: &str, f: &dyn Fn(&Frag) -> String| {
        print!("| {name} |");
        frags.iter().for_each(|x| print!(" {} |", f(x)));
        println!();
    };
    print!("| size of the `static` (lock, stats, free-list heads) |");
    backends.iter().for_each(|b| print!(" {} B |", b.size));
    println!();
    row("bytes managed (after alignment, metadata)", &|f| mib(f.total));
    row("largest block, fresh heap", &|f| mib(f.fresh_largest));
    row("fresh heap filled with 64 KiB-1 MiB blocks until one fails", &|f| pct(f.fill_large, REGION));
    row("fresh heap filled with 16 B-4 KiB blocks until one fails", &|f| pct(f.fill_small, REGION));
    row("... a random half freed: largest block (of free)", &|f| {
        format!("{} (of {})", mib(f.swiss_largest), mib(f.swiss_free))
    });
    row("... refilled with 16 B-4 KiB blocks until one fails", &|f| pct(f.refill, REGION));
    row("... 90% freed at random: largest block (of free)", &|f| {
        format!("{} (of {})", mib(f.sparse_largest), mib(f.sparse_free))
    });
}
