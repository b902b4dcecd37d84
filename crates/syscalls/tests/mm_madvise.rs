//! madvise(2) through the dispatch table, against Linux's mm/madvise.c (6.1): which advice is
//! known, the order of the argument checks, what MADV_DONTNEED and MADV_FREE do to each kind of
//! memory, and how holes and refusing areas end the call. (The Go runtime returns memory to the
//! kernel with MADV_DONTNEED.)
use abi::flags::*;
use fs::File;
use std::sync::Arc;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Errno, Sysno};

const P: usize = 4096;
const RW: usize = 3;
const MAP_SHARED: usize = 0x01;
const MAP_PRIVATE: usize = 0x02;
const MAP_FIXED: usize = 0x10;
const MAP_ANONYMOUS: usize = 0x20;
const NO_FD: usize = usize::MAX;
/// Where the tests map their memory.
const AT: usize = 0x5000_0000;

fn madvise(k: &TestKernel, p: &Caller, addr: usize, len: usize, advice: usize) -> isize {
    k.syscall(p, Sysno::madvise, [addr, len, advice])
}

/// `pages` pages at `at` (`flags`: MAP_PRIVATE or MAP_SHARED, anonymous), page i filled with
/// the byte i + 1.
fn mapped(k: &TestKernel, p: &Caller, at: usize, pages: usize, flags: usize) {
    let got = k.syscall(p, Sysno::mmap, [at, pages * P, RW, flags | MAP_ANONYMOUS | MAP_FIXED, NO_FD, 0]);
    assert_eq!(got, at as isize);
    for i in 0..pages {
        k.poke(p, at + i * P, &[i as u8 + 1; P]);
    }
}

/// The first byte of each of `pages` pages from `at`.
fn firsts(k: &TestKernel, p: &Caller, at: usize, pages: usize) -> Vec<u8> {
    (0..pages).map(|i| k.peek(p, at + i * P, 1)[0]).collect()
}

fn present(p: &Caller, va: usize) -> bool {
    p.mm().page_table().translate(va).is_some()
}

/// /tmp/f holding `data`, mapped privately read-write at AT (fd opened read-write).
fn file_mapping(k: &TestKernel, p: &Caller, data: &[u8]) {
    k.add_file("/tmp/f", data);
    let inode = fs::path::lookup(&k.root, &k.root, "/tmp/f", true).unwrap();
    let fd = p.process().files().insert(Arc::new(File::new(inode, OpenFlags::RDWR, "/tmp/f".into())), false).unwrap();
    let got = k.syscall(p, Sysno::mmap, [AT, data.len(), RW, MAP_PRIVATE | MAP_FIXED, fd as usize, 0]);
    assert_eq!(got, AT as isize);
}

#[test]
fn dontneed_gives_private_anonymous_pages_back_as_zeros() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 4, MAP_PRIVATE);
    let resident = p.mm().area_at(AT).unwrap().resident_pages();
    assert_eq!(madvise(&k, &p, AT + P, 2 * P, MADV_DONTNEED), 0);
    assert!(!present(&p, AT + P) && !present(&p, AT + 2 * P), "the page table lets go too");
    assert!(present(&p, AT) && present(&p, AT + 3 * P));
    assert_eq!(p.mm().area_at(AT).unwrap().resident_pages(), resident - 2);
    assert_eq!(firsts(&k, &p, AT, 4), [1, 0, 0, 4]);
    assert_eq!(k.peek(&p, AT + P, P), [0; P]);
}

#[test]
fn dontneed_rounds_the_length_up_to_whole_pages() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 3, MAP_PRIVATE);
    assert_eq!(madvise(&k, &p, AT, P + 1, MADV_DONTNEED), 0);
    assert_eq!(firsts(&k, &p, AT, 3), [0, 0, 3]);
}

#[test]
fn dontneed_on_a_private_file_mapping_reads_the_file_again() {
    let k = TestKernel::new();
    let p = k.spawn();
    let data: Vec<u8> = (0..2 * P).map(|i| (i % 251) as u8).collect();
    file_mapping(&k, &p, &data);
    k.poke(&p, AT, b"private change");
    k.poke(&p, AT + P, b"second page");
    assert_eq!(madvise(&k, &p, AT, P, MADV_DONTNEED), 0);
    assert_eq!(k.peek(&p, AT, 2 * P)[..P], data[..P], "page 0 comes from the file again");
    assert_eq!(k.peek(&p, AT + P, 11), b"second page");
}

#[test]
fn dontneed_on_shared_anonymous_memory_keeps_its_data() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 2, MAP_SHARED);
    assert_eq!(madvise(&k, &p, AT, 2 * P, MADV_DONTNEED), 0);
    assert!(!present(&p, AT));
    assert_eq!(firsts(&k, &p, AT, 2), [1, 2], "the shared object still has the pages");
}

#[test]
fn dontneed_after_fork_leaves_the_other_process_its_copy() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 2, MAP_PRIVATE);
    let child = k.fork(&p);
    assert_eq!(madvise(&k, &p, AT, 2 * P, MADV_DONTNEED), 0);
    assert_eq!(firsts(&k, &p, AT, 2), [0, 0]);
    assert_eq!(firsts(&k, &child, AT, 2), [1, 2]);
    assert_eq!(child.mm().frame_owners(AT), Some(1));
}

#[test]
fn free_discards_private_anonymous_memory() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 2, MAP_PRIVATE);
    assert_eq!(madvise(&k, &p, AT, P, MADV_FREE), 0);
    assert_eq!(firsts(&k, &p, AT, 2), [0, 2]);
}

#[test]
fn free_of_shared_or_file_memory_is_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT + 8 * P, 1, MAP_SHARED);
    assert_eq!(madvise(&k, &p, AT + 8 * P, P, MADV_FREE), EINVAL);
    assert_eq!(firsts(&k, &p, AT + 8 * P, 1), [1]);
    file_mapping(&k, &p, &[7; P]);
    assert_eq!(madvise(&k, &p, AT, P, MADV_FREE), EINVAL);
}

#[test]
fn an_area_that_refuses_ends_the_call_after_the_areas_before_it() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 2, MAP_PRIVATE);
    mapped(&k, &p, AT + 2 * P, 1, MAP_SHARED);
    mapped(&k, &p, AT + 3 * P, 1, MAP_PRIVATE);
    assert_eq!(madvise(&k, &p, AT, 4 * P, MADV_FREE), EINVAL);
    assert_eq!(firsts(&k, &p, AT, 4), [0, 0, 1, 1], "freed up to the shared area, not beyond");
}

#[test]
fn a_hole_is_enomem_after_the_rest_of_the_range_is_done() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 1, MAP_PRIVATE);
    mapped(&k, &p, AT + 2 * P, 1, MAP_PRIVATE);
    // [AT, AT+3P): a page, a hole, a page: both pages are dropped, then ENOMEM.
    assert_eq!(madvise(&k, &p, AT, 3 * P, MADV_DONTNEED), ENOMEM);
    assert_eq!(k.peek(&p, AT, 1), [0]);
    assert_eq!(k.peek(&p, AT + 2 * P, 1), [0]);
    // A hole at the start or the end, and nothing mapped at all.
    mapped(&k, &p, AT + 2 * P, 1, MAP_PRIVATE);
    assert_eq!(madvise(&k, &p, AT + P, 2 * P, MADV_DONTNEED), ENOMEM);
    assert_eq!(k.peek(&p, AT + 2 * P, 1), [0]);
    assert_eq!(madvise(&k, &p, AT + 2 * P, 2 * P, MADV_WILLNEED), ENOMEM);
    assert_eq!(madvise(&k, &p, AT + 16 * P, P, MADV_DONTNEED), ENOMEM);
    assert_eq!(madvise(&k, &p, AT + 16 * P, P, MADV_NORMAL), ENOMEM);
}

#[test]
fn hints_leave_the_contents_alone() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 2, MAP_PRIVATE);
    for advice in
        [MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_COLD, MADV_PAGEOUT, MADV_DONTDUMP, MADV_DODUMP]
    {
        assert_eq!(madvise(&k, &p, AT, 2 * P, advice), 0, "advice {advice}");
    }
    assert_eq!(firsts(&k, &p, AT, 2), [1, 2]);
}

#[test]
fn unknown_or_unsupported_advice_is_einval_before_anything_else() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 1, MAP_PRIVATE);
    for advice in [
        5,
        6,
        7,
        MADV_REMOVE,
        MADV_DONTFORK,
        MADV_DOFORK,
        MADV_MERGEABLE,
        MADV_UNMERGEABLE,
        MADV_HUGEPAGE,
        MADV_NOHUGEPAGE,
        MADV_WIPEONFORK,
        MADV_KEEPONFORK,
        MADV_POPULATE_READ,
        MADV_POPULATE_WRITE,
        MADV_COLLAPSE,
        100,
        usize::MAX,
    ] {
        assert_eq!(madvise(&k, &p, AT, P, advice), EINVAL, "advice {advice}");
        // Even with a zero length, which a known advice accepts.
        assert_eq!(madvise(&k, &p, AT, 0, advice), EINVAL, "advice {advice}, length 0");
    }
    assert_eq!(firsts(&k, &p, AT, 1), [1]);
}

#[test]
fn argument_errors_are_linuxs() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 1, MAP_PRIVATE);
    assert_eq!(madvise(&k, &p, AT + 1, P, MADV_DONTNEED), EINVAL, "unaligned start");
    assert_eq!(madvise(&k, &p, AT + 1, 0, MADV_DONTNEED), EINVAL, "unaligned start, length 0");
    assert_eq!(madvise(&k, &p, AT, usize::MAX, MADV_DONTNEED), EINVAL, "a length rounding up to 0");
    assert_eq!(madvise(&k, &p, AT, usize::MAX - 2 * P, MADV_DONTNEED), EINVAL, "an end that wraps");
    assert_eq!(madvise(&k, &p, AT + 16 * P, 0, MADV_DONTNEED), 0, "a zero length, even unmapped");
    assert_eq!(madvise(&k, &p, AT, 0, MADV_DONTNEED), 0);
    assert_eq!(firsts(&k, &p, AT, 1), [1]);
    assert_eq!(madvise(&k, &p, mm::layout::USER_END, P, MADV_DONTNEED), ENOMEM, "beyond user space");
    assert_eq!(Errno::ENOMEM.as_ret(), ENOMEM);
}
