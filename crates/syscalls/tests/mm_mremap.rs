//! mremap(2) through the dispatch table, against Linux's mm/mremap.c (6.1): the order of the
//! argument checks, shrinking, growing in place, moving (contents, permission, file and shared
//! memory move with the mapping), MREMAP_FIXED and MREMAP_DONTUNMAP. (tokio's runtime grows
//! its buffers with mremap.)
use abi::flags::*;
use fs::File;
use std::sync::Arc;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const P: usize = 4096;
const R: usize = 1;
const RW: usize = 3;
const MAP_SHARED: usize = 0x01;
const MAP_PRIVATE: usize = 0x02;
const MAP_FIXED: usize = 0x10;
const MAP_ANONYMOUS: usize = 0x20;
const NO_FD: usize = usize::MAX;
const MAYMOVE: usize = MREMAP_MAYMOVE as usize;
const FIXED: usize = MREMAP_FIXED as usize;
const DONTUNMAP: usize = MREMAP_DONTUNMAP as usize;
/// Where the tests map their memory.
const AT: usize = 0x5000_0000;
/// A second place, far from the first.
const TO: usize = 0x6000_0000;

fn mremap(k: &TestKernel, p: &Caller, addr: usize, old: usize, new: usize, flags: usize, to: usize) -> isize {
    k.syscall(p, Sysno::mremap, [addr, old, new, flags, to])
}

/// `pages` pages at `at` (`flags`: MAP_PRIVATE or MAP_SHARED, anonymous, `prot`), page i filled
/// with the byte i + 1 (when writable).
fn mapped_prot(k: &TestKernel, p: &Caller, at: usize, pages: usize, flags: usize, prot: usize) {
    let got = k.syscall(p, Sysno::mmap, [at, pages * P, prot, flags | MAP_ANONYMOUS | MAP_FIXED, NO_FD, 0]);
    assert_eq!(got, at as isize);
    if prot & 2 != 0 {
        for i in 0..pages {
            k.poke(p, at + i * P, &[i as u8 + 1; P]);
        }
    }
}

fn mapped(k: &TestKernel, p: &Caller, at: usize, pages: usize, flags: usize) {
    mapped_prot(k, p, at, pages, flags, RW);
}

/// The first byte of each of `pages` pages from `at`.
fn firsts(k: &TestKernel, p: &Caller, at: usize, pages: usize) -> Vec<u8> {
    (0..pages).map(|i| k.peek(p, at + i * P, 1)[0]).collect()
}

fn mapped_at(p: &Caller, va: usize) -> bool {
    p.mm().area_at(va).is_some()
}

/// Can the process read `va` (a user read through the kernel's copy)?
fn readable(k: &TestKernel, p: &Caller, va: usize) -> bool {
    // write(2) of one byte from va to /dev/null: EFAULT if unmapped.
    let fd = k.open_ok(p, "/dev/null", O_WRONLY_BITS);
    let r = k.syscall(p, Sysno::write, [fd, va, 1]);
    k.syscall(p, Sysno::close, [fd]);
    r == 1
}
const O_WRONLY_BITS: u32 = 1;

#[test]
fn argument_checks_in_linux_order() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 2, MAP_PRIVATE);
    assert_eq!(mremap(&k, &p, AT, P, P, 8, 0), EINVAL, "unknown flag");
    assert_eq!(mremap(&k, &p, AT, P, P, FIXED, TO), EINVAL, "FIXED without MAYMOVE");
    assert_eq!(mremap(&k, &p, AT, P, P, DONTUNMAP, TO), EINVAL, "DONTUNMAP without MAYMOVE");
    assert_eq!(mremap(&k, &p, AT, P, 2 * P, DONTUNMAP | MAYMOVE, TO), EINVAL, "DONTUNMAP resizing");
    assert_eq!(mremap(&k, &p, AT + 1, P, P, 0, 0), EINVAL, "unaligned address");
    assert_eq!(mremap(&k, &p, AT, P, 0, 0, 0), EINVAL, "zero new length");
    assert_eq!(mremap(&k, &p, AT, P, usize::MAX, MAYMOVE, 0), EINVAL, "a new length that wraps when rounded");
    assert_eq!(mremap(&k, &p, AT, P, P, MAYMOVE | FIXED, TO + 1), EINVAL, "unaligned new address");
    assert_eq!(mremap(&k, &p, AT, 2 * P, P, MAYMOVE | FIXED, AT + P), EINVAL, "overlapping ranges");
    // Nothing moved.
    assert_eq!(firsts(&k, &p, AT, 2), [1, 2]);
}

#[test]
fn growing_an_unmapped_or_straddling_range_is_efault() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(mremap(&k, &p, AT, P, 2 * P, MAYMOVE, 0), EFAULT, "nothing mapped");
    mapped(&k, &p, AT, 2, MAP_PRIVATE);
    assert_eq!(mremap(&k, &p, AT, 3 * P, 4 * P, MAYMOVE, 0), EFAULT, "runs past the mapping");
    assert_eq!(mremap(&k, &p, AT + 2 * P, P, 2 * P, MAYMOVE, 0), EFAULT);
    // Moving with FIXED checks the old range the same way.
    assert_eq!(mremap(&k, &p, AT + 4 * P, P, P, MAYMOVE | FIXED, TO), EFAULT);
}

#[test]
fn shrinking_unmaps_the_tail_and_returns_the_address() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 4, MAP_PRIVATE);
    assert_eq!(mremap(&k, &p, AT, 4 * P, P + 1, 0, 0), AT as isize, "rounded up to 2 pages");
    assert!(mapped_at(&p, AT + P) && !mapped_at(&p, AT + 2 * P) && !mapped_at(&p, AT + 3 * P));
    assert_eq!(firsts(&k, &p, AT, 2), [1, 2]);
    // Same size: nothing to do, even where nothing is mapped (as Linux).
    assert_eq!(mremap(&k, &p, TO, P, P, 0, 0), TO as isize);
    // Shrinking over a hole is fine too: munmap semantics.
    assert_eq!(mremap(&k, &p, TO, 4 * P, P, 0, 0), TO as isize);
}

#[test]
fn growing_in_place_when_the_pages_after_are_free() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 2, MAP_PRIVATE);
    assert_eq!(mremap(&k, &p, AT, 2 * P, 4 * P, 0, 0), AT as isize);
    assert_eq!(firsts(&k, &p, AT, 4), [1, 2, 0, 0], "the new pages are zeros");
    k.poke(&p, AT + 3 * P, &[9]);
    assert_eq!(k.peek(&p, AT + 3 * P, 1), [9]);
    let a = p.mm().area_at(AT).map(|a| (a.start, a.end)).unwrap();
    assert_eq!(a, (AT, AT + 4 * P), "one mapping");
}

#[test]
fn growing_without_maymove_when_blocked_is_enomem() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 2, MAP_PRIVATE);
    mapped(&k, &p, AT + 3 * P, 1, MAP_PRIVATE);
    assert_eq!(mremap(&k, &p, AT, 2 * P, 4 * P, 0, 0), ENOMEM);
    // A range that ends before its mapping does cannot grow in place either.
    assert_eq!(mremap(&k, &p, AT, P, 2 * P, 0, 0), ENOMEM);
    assert_eq!(firsts(&k, &p, AT, 2), [1, 2]);
}

#[test]
fn growing_with_maymove_moves_the_contents() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 3, MAP_PRIVATE);
    // Blocks growing in place.
    mapped(&k, &p, AT + 3 * P, 1, MAP_PRIVATE);
    let got = mremap(&k, &p, AT, 3 * P, 8 * P, MAYMOVE, 0);
    assert!(got > 0 && got as usize != AT, "moved: {got:#x}");
    let to = got as usize;
    assert_eq!(firsts(&k, &p, to, 8), [1, 2, 3, 0, 0, 0, 0, 0]);
    assert_eq!(k.peek(&p, to + P, P), vec![2; P]);
    assert!(!mapped_at(&p, AT) && !mapped_at(&p, AT + 2 * P), "the old range is gone");
    assert!(mapped_at(&p, AT + 3 * P), "the neighbour stays");
    assert!(!readable(&k, &p, AT));
    // The new mapping is writable like the old one.
    k.poke(&p, to + 7 * P, &[7]);
    assert_eq!(k.peek(&p, to + 7 * P, 1), [7]);
}

#[test]
fn moving_the_middle_of_a_mapping_splits_it() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 4, MAP_PRIVATE);
    assert_eq!(mremap(&k, &p, AT + P, 2 * P, 2 * P, MAYMOVE | FIXED, TO), TO as isize);
    assert_eq!(firsts(&k, &p, TO, 2), [2, 3]);
    assert!(mapped_at(&p, AT) && !mapped_at(&p, AT + P) && !mapped_at(&p, AT + 2 * P) && mapped_at(&p, AT + 3 * P));
    assert_eq!(firsts(&k, &p, AT, 1), [1]);
    assert_eq!(k.peek(&p, AT + 3 * P, 1), [4]);
}

#[test]
fn fixed_replaces_what_was_at_the_new_address() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 2, MAP_PRIVATE);
    // Bytes 1..=4 at TO, replaced by the move.
    mapped(&k, &p, TO, 4, MAP_PRIVATE);
    // Shrinks while moving: only the first page goes to TO.
    assert_eq!(mremap(&k, &p, AT, 2 * P, P, MAYMOVE | FIXED, TO + P), (TO + P) as isize);
    assert_eq!(firsts(&k, &p, TO, 4), [1, 1, 3, 4]);
    assert!(!mapped_at(&p, AT) && !mapped_at(&p, AT + P));
}

#[test]
fn fixed_below_the_lowest_mappable_address_is_eperm() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 1, MAP_PRIVATE);
    assert_eq!(mremap(&k, &p, AT, P, P, MAYMOVE | FIXED, 0), EPERM);
    assert_eq!(firsts(&k, &p, AT, 1), [1]);
}

#[test]
fn the_permission_moves_with_the_mapping() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 1, MAP_PRIVATE);
    assert_eq!(k.syscall(&p, Sysno::mprotect, [AT, P, R]), 0);
    assert_eq!(mremap(&k, &p, AT, P, P, MAYMOVE | FIXED, TO), TO as isize);
    assert_eq!(firsts(&k, &p, TO, 1), [1]);
    let a = p.mm().area_at(TO).map(|a| a.perm).unwrap();
    assert_eq!(a, mm::Perm::R);
    // read(2) into it is EFAULT: not writable.
    let fd = k.open_ok(&p, "/dev/zero", 0);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, TO, 1]), EFAULT);
}

#[test]
fn dontunmap_moves_the_pages_and_leaves_the_old_range_empty() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 2, MAP_PRIVATE);
    assert_eq!(mremap(&k, &p, AT, 2 * P, 2 * P, MAYMOVE | DONTUNMAP, TO), TO as isize);
    assert_eq!(firsts(&k, &p, TO, 2), [1, 2]);
    assert!(mapped_at(&p, AT), "still mapped");
    assert_eq!(firsts(&k, &p, AT, 2), [0, 0], "private anonymous: zeros again");
}

#[test]
fn a_private_file_mapping_moves_with_its_file_offset() {
    let k = TestKernel::new();
    let p = k.spawn();
    let data: Vec<u8> = (0..4 * P).map(|i| (i / P) as u8 + 10).collect();
    k.add_file("/tmp/f", &data);
    let inode = fs::path::lookup(&k.root, &k.root, "/tmp/f", true).unwrap();
    let fd = p.process().files().insert(Arc::new(File::new(inode, OpenFlags::RDWR, "/tmp/f".into())), false).unwrap();
    // Pages 1 and 2 of the file at AT; page 0 of the mapping touched (and written) first.
    assert_eq!(k.syscall(&p, Sysno::mmap, [AT, 2 * P, RW, MAP_PRIVATE | MAP_FIXED, fd as usize, P]), AT as isize);
    k.poke(&p, AT + 5, &[99]);
    // Blocks growing in place.
    mapped(&k, &p, AT + 2 * P, 1, MAP_PRIVATE);
    let to = mremap(&k, &p, AT, 2 * P, 3 * P, MAYMOVE, 0);
    assert!(to > 0, "{to}");
    let to = to as usize;
    assert_eq!(k.peek(&p, to, 6), [11, 11, 11, 11, 11, 99], "the touched page keeps its private copy");
    assert_eq!(firsts(&k, &p, to, 3), [11, 12, 13], "untouched pages come from the file at their offset");
}

#[test]
fn shared_memory_stays_shared_after_a_move() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 2, MAP_SHARED);
    let child = k.fork(&p);
    assert_eq!(mremap(&k, &p, AT, 2 * P, 2 * P, MAYMOVE | FIXED, TO), TO as isize);
    k.poke(&p, TO + P, &[42]);
    assert_eq!(k.peek(&child, AT + P, 1), [42], "the child sees the write through the moved mapping");
    k.poke(&child, AT, &[43]);
    assert_eq!(k.peek(&p, TO, 1), [43]);
}

#[test]
fn a_private_page_shared_with_a_fork_child_stays_copy_on_write() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 1, MAP_PRIVATE);
    let child = k.fork(&p);
    assert_eq!(mremap(&k, &p, AT, P, P, MAYMOVE | FIXED, TO), TO as isize);
    k.poke(&p, TO, &[50]);
    assert_eq!(k.peek(&child, AT, 1), [1], "the child keeps its copy");
    assert_eq!(k.peek(&p, TO, 1), [50]);
}

#[test]
fn old_length_zero_duplicates_shared_memory_only() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 2, MAP_PRIVATE);
    assert_eq!(mremap(&k, &p, AT, 0, P, MAYMOVE, 0), EINVAL);
    mapped(&k, &p, TO, 2, MAP_SHARED);
    let dup = mremap(&k, &p, TO, 0, 2 * P, MAYMOVE, 0);
    assert!(dup > 0, "{dup}");
    let dup = dup as usize;
    assert_eq!(firsts(&k, &p, dup, 2), [1, 2]);
    k.poke(&p, dup, &[77]);
    assert_eq!(k.peek(&p, TO, 1), [77], "the same memory");
    assert!(mapped_at(&p, TO), "the original stays");
}

#[test]
fn two_adjacent_anonymous_mappings_move_as_one() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 1, MAP_PRIVATE);
    mapped(&k, &p, AT + P, 1, MAP_PRIVATE);
    k.poke(&p, AT + P, &[2]);
    assert_eq!(mremap(&k, &p, AT, 2 * P, 2 * P, MAYMOVE | FIXED, TO), TO as isize);
    assert_eq!(firsts(&k, &p, TO, 2), [1, 2]);
}

#[test]
fn a_huge_new_length_is_enomem() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, AT, 1, MAP_PRIVATE);
    assert_eq!(mremap(&k, &p, AT, P, 1 << 60, MAYMOVE, 0), ENOMEM);
    assert_eq!(firsts(&k, &p, AT, 1), [1]);
}

/// Found by the fuzzer: a shrinking move of a range at the very top of the address space
/// overflowed computing where its tail starts (a kernel panic).
#[test]
fn a_shrinking_move_whose_tail_wraps_is_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    let top = usize::MAX & !(P - 1);
    assert_eq!(mremap(&k, &p, top, 0xd6_dca5, 0x9000, MAYMOVE | FIXED, TO), EINVAL);
    assert_eq!(mremap(&k, &p, top, 4 * P, P, 0, 0), EINVAL);
}
