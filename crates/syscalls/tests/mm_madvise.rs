//! madvise(2) through the dispatch table: MADV_DONTNEED/MADV_FREE drop pages (zeros, the file,
//! or the shared page again on the next touch), hints change nothing, Linux's errors.
use abi::flags::*;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const P: usize = 4096;
const RW: usize = 3;
const PRIVATE_ANON: usize = 0x22;
const SHARED_ANON: usize = 0x21;
const FIXED: usize = 0x10;
const AT: usize = 0x5000_0000;

/// `pages` pages at AT mapped with `flags`, page i filled with the byte i + 1.
fn mapped(k: &TestKernel, p: &Caller, pages: usize, flags: usize) {
    assert_eq!(k.syscall(p, Sysno::mmap, [AT, pages * P, RW, flags | FIXED, usize::MAX, 0]), AT as isize);
    for i in 0..pages {
        k.poke(p, AT + i * P, &[i as u8 + 1; P]);
    }
}

fn madvise(k: &TestKernel, p: &Caller, addr: usize, len: usize, advice: i32) -> isize {
    k.syscall(p, Sysno::madvise, [addr, len, advice as usize])
}

/// The first byte of each of `pages` pages from AT.
fn firsts(k: &TestKernel, p: &Caller, pages: usize) -> Vec<u8> {
    (0..pages).map(|i| k.peek(p, AT + i * P, 1)[0]).collect()
}

fn resident(p: &Caller) -> usize {
    p.mm().areas().map(|a| a.resident_pages()).sum()
}

#[test]
fn dontneed_gives_private_anonymous_memory_back_as_zeros() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 4, PRIVATE_ANON);
    let before = resident(&p);
    assert_eq!(madvise(&k, &p, AT + P, 2 * P, MADV_DONTNEED), 0);
    assert_eq!(resident(&p), before - 2, "the frames are gone");
    assert_eq!(p.mm().page_table().translate(AT + P), None, "and unmapped");
    assert_eq!(firsts(&k, &p, 4), [1, 0, 0, 4]);
    assert_eq!(k.peek(&p, AT + 2 * P, P), vec![0; P]);
    // The length is rounded up to a page; MADV_DONTNEED_LOCKED is the same here.
    assert_eq!(madvise(&k, &p, AT, 1, MADV_DONTNEED_LOCKED), 0);
    assert_eq!(firsts(&k, &p, 4), [0, 0, 0, 4]);
    // The memory is still there to use.
    k.poke(&p, AT + P, b"again");
    assert_eq!(k.peek(&p, AT + P, 5), b"again");
}

#[test]
fn free_drops_private_anonymous_memory_and_refuses_other_memory() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 2, PRIVATE_ANON);
    assert_eq!(madvise(&k, &p, AT, 2 * P, MADV_FREE), 0);
    assert_eq!(firsts(&k, &p, 2), [0, 0]);
    assert_eq!(munmap(&k, &p), 0);
    mapped(&k, &p, 2, SHARED_ANON);
    assert_eq!(madvise(&k, &p, AT, 2 * P, MADV_FREE), EINVAL, "shared memory is not anonymous to Linux");
    assert_eq!(firsts(&k, &p, 2), [1, 2]);
}

fn munmap(k: &TestKernel, p: &Caller) -> isize {
    k.syscall(p, Sysno::munmap, [AT, 16 * P])
}

#[test]
fn dontneed_keeps_shared_memory_and_rereads_private_file_pages() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 2, SHARED_ANON);
    let child = k.fork(&p);
    assert_eq!(madvise(&k, &p, AT, 2 * P, MADV_DONTNEED), 0);
    assert_eq!(firsts(&k, &p, 2), [1, 2], "the shared pages come back");
    k.poke(&child, AT, b"C");
    assert_eq!(firsts(&k, &p, 1), [b'C'], "still shared with the child");
    assert_eq!(munmap(&k, &p), 0);

    k.add_file("/tmp/f", &[b'f'; 2 * P]);
    let fd = k.open_ok(&p, "/tmp/f", 0);
    assert_eq!(k.syscall(&p, Sysno::mmap, [AT, 2 * P, RW, 0x02 | FIXED, fd, 0]), AT as isize);
    k.poke(&p, AT, b"private");
    k.poke(&p, AT + P, b"private");
    assert_eq!(madvise(&k, &p, AT, P, MADV_DONTNEED), 0);
    assert_eq!(k.peek(&p, AT, 7), b"fffffff", "the file's bytes again");
    assert_eq!(k.peek(&p, AT + P, 7), b"private", "the page after it is kept");
    assert_eq!(madvise(&k, &p, AT, P, MADV_FREE), EINVAL, "a file mapping");
}

#[test]
fn hints_change_nothing() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 2, PRIVATE_ANON);
    for advice in
        [MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_COLD, MADV_PAGEOUT, MADV_DONTDUMP, MADV_DODUMP]
    {
        assert_eq!(madvise(&k, &p, AT, 2 * P, advice), 0, "advice {advice}");
    }
    assert_eq!(firsts(&k, &p, 2), [1, 2]);
}

#[test]
fn holes_are_enomem_after_the_rest_is_done() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 4, PRIVATE_ANON);
    assert_eq!(k.syscall(&p, Sysno::munmap, [AT + P, P]), 0);
    assert_eq!(madvise(&k, &p, AT, 4 * P, MADV_DONTNEED), ENOMEM);
    assert_eq!(k.peek(&p, AT, 1), [0], "before the hole");
    assert_eq!(k.peek(&p, AT + 2 * P, 1), [0], "after the hole");
    assert_eq!(k.peek(&p, AT + 3 * P, 1), [0]);
    k.poke(&p, AT + 3 * P, &[9]);
    assert_eq!(madvise(&k, &p, AT + 2 * P, 4 * P, MADV_DONTNEED), ENOMEM, "nothing after the range's start");
    assert_eq!(k.peek(&p, AT + 3 * P, 1), [0]);
    assert_eq!(madvise(&k, &p, AT + P, P, MADV_WILLNEED), ENOMEM, "hints too");
    assert_eq!(madvise(&k, &p, UNMAPPED, P, MADV_DONTNEED), ENOMEM);
}

#[test]
fn linux_argument_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 1, PRIVATE_ANON);
    assert_eq!(madvise(&k, &p, AT + 1, P, MADV_DONTNEED), EINVAL, "an unaligned address");
    assert_eq!(madvise(&k, &p, AT, usize::MAX - 100, MADV_DONTNEED), EINVAL, "a length that wraps when rounded");
    assert_eq!(madvise(&k, &p, usize::MAX - P + 1, 2 * P, MADV_DONTNEED), EINVAL, "a range that wraps");
    assert_eq!(madvise(&k, &p, AT, 0, MADV_DONTNEED), 0, "nothing to do");
    assert_eq!(madvise(&k, &p, UNMAPPED, 0, MADV_DONTNEED), 0);
    // Advice this kernel does not have (Linux without the feature says the same), checked first.
    for advice in [5, 9, 10, 11, 12, 14, 18, 22, 23, 25, 100, -1] {
        assert_eq!(madvise(&k, &p, AT + 1, P, advice), EINVAL, "advice {advice}");
        assert_eq!(madvise(&k, &p, AT, P, advice), EINVAL, "advice {advice}");
    }
    assert_eq!(firsts(&k, &p, 1), [1]);
}
