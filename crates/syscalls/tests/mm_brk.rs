//! brk(2), the raw system call: it returns the new break on success and the old one on failure.
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const P: usize = 4096;
/// Where `TestKernel::spawn` starts the heap.
const HEAP: usize = 0x4000_0000;

fn brk(k: &TestKernel, p: &Caller, addr: usize) -> usize {
    k.syscall(p, Sysno::brk, [addr]) as usize
}

fn readable(p: &Caller, va: usize) -> bool {
    p.mm().read_bytes(va, &mut [0]).is_ok()
}

#[test]
fn brk_of_zero_returns_the_current_break() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(brk(&k, &p, 0), HEAP);
    brk(&k, &p, HEAP + 123);
    assert_eq!(brk(&k, &p, 0), HEAP + 123);
}

#[test]
fn the_break_is_byte_granular_and_the_heap_is_whole_pages() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(brk(&k, &p, HEAP + 10), HEAP + 10);
    k.poke(&p, HEAP, b"heap");
    assert_eq!(k.peek(&p, HEAP, 4), b"heap");
    assert!(readable(&p, HEAP + P - 1), "the whole page holding the break is usable");
    assert!(!readable(&p, HEAP + P));
    assert_eq!(brk(&k, &p, HEAP + P + 1), HEAP + P + 1);
    assert!(readable(&p, HEAP + 2 * P - 1));
    assert_eq!(k.peek(&p, HEAP, 4), b"heap", "growing keeps the contents");
}

#[test]
fn new_heap_memory_is_zero_and_backed_only_when_touched() {
    let k = TestKernel::new();
    let p = k.spawn();
    brk(&k, &p, HEAP + 64 * P);
    assert_eq!(p.mm().page_table().translate(HEAP + 10 * P), None);
    assert!(k.peek(&p, HEAP + 10 * P, P).iter().all(|&b| b == 0));
}

#[test]
fn a_break_below_the_start_of_the_heap_is_refused() {
    let k = TestKernel::new();
    let p = k.spawn();
    brk(&k, &p, HEAP + P);
    assert_eq!(brk(&k, &p, HEAP - 1), HEAP + P);
    assert_eq!(brk(&k, &p, 1), HEAP + P);
    assert!(readable(&p, HEAP));
}

#[test]
fn an_impossible_break_returns_the_current_one() {
    let k = TestKernel::new();
    let p = k.spawn();
    brk(&k, &p, HEAP + 5);
    assert_eq!(brk(&k, &p, usize::MAX), HEAP + 5);
    assert_eq!(brk(&k, &p, mm::layout::USER_END), HEAP + 5);
    assert_eq!(brk(&k, &p, mm::layout::MMAP_TOP + 1), HEAP + 5);
}

#[test]
fn shrinking_the_break_unmaps_the_whole_pages_above_it() {
    let k = TestKernel::new();
    let p = k.spawn();
    brk(&k, &p, HEAP + 4 * P);
    k.poke(&p, HEAP, &[9; 4 * P]);
    assert_eq!(brk(&k, &p, HEAP + P + 1), HEAP + P + 1);
    assert!(readable(&p, HEAP + 2 * P - 1), "the page holding the break stays");
    assert!(!readable(&p, HEAP + 2 * P));
    assert_eq!(k.syscall(&p, Sysno::uname, [HEAP + 3 * P]), -14, "EFAULT");
    assert_eq!(k.peek(&p, HEAP + 2 * P - 1, 1), [9], "and keeps its contents");
    assert_eq!(brk(&k, &p, HEAP), HEAP);
    assert!(!readable(&p, HEAP));
}

#[test]
fn memory_regrown_after_a_shrink_reads_as_zeros() {
    let k = TestKernel::new();
    let p = k.spawn();
    brk(&k, &p, HEAP + 3 * P);
    k.poke(&p, HEAP, &[7; 3 * P]);
    brk(&k, &p, HEAP);
    assert_eq!(brk(&k, &p, HEAP + 3 * P), HEAP + 3 * P);
    assert!(k.peek(&p, HEAP, 3 * P).iter().all(|&b| b == 0));
}

#[test]
fn the_heap_cannot_grow_into_another_mapping() {
    let k = TestKernel::new();
    let p = k.spawn();
    let other = HEAP + 8 * P;
    let fixed = 0x32; // MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED
    assert_eq!(k.syscall(&p, Sysno::mmap, [other, P, 3, fixed, usize::MAX, 0]), other as isize);
    k.poke(&p, other, b"mine");
    assert_eq!(brk(&k, &p, other + P), HEAP, "over the mapping");
    assert_eq!(brk(&k, &p, other + 100 * P), HEAP, "past the mapping");
    assert_eq!(brk(&k, &p, other), HEAP, "up to the mapping: Linux keeps a guard page");
    assert_eq!(brk(&k, &p, other - P), other - P);
    assert_eq!(k.peek(&p, other, 4), b"mine");
}
