//! munmap(2) and mprotect(2) through the dispatch table.
use abi::flags::OpenFlags;
use fs::File;
use mm::aspace::AreaKind;
use mm::layout::USER_END;
use mm::Perm;
use std::sync::Arc;
use syscalls::testing::*;
use syscalls::{Caller, Errno, Sysno};

const P: usize = 4096;
const PROT_NONE: usize = 0;
const PROT_READ: usize = 1;
const PROT_WRITE: usize = 2;
const PROT_EXEC: usize = 4;
const PROT_SEM: usize = 8;
const PROT_GROWSDOWN: usize = 0x0100_0000;
const PROT_GROWSUP: usize = 0x0200_0000;
const RW: usize = PROT_READ | PROT_WRITE;
const ANON: usize = 0x22; // MAP_PRIVATE | MAP_ANONYMOUS
const FIXED: usize = 0x10;
/// Where the tests map their memory.
const AT: usize = 0x5000_0000;

fn err(e: Errno) -> isize {
    e.as_ret()
}

/// `pages` read-write pages at AT, page i filled with the byte i + 1.
fn mapped(k: &TestKernel, p: &Caller, pages: usize) {
    assert_eq!(k.syscall(p, Sysno::mmap, [AT, pages * P, RW, ANON | FIXED, usize::MAX, 0]), AT as isize);
    for i in 0..pages {
        k.poke(p, AT + i * P, &[i as u8 + 1; P]);
    }
}

fn munmap(k: &TestKernel, p: &Caller, addr: usize, len: usize) -> isize {
    k.syscall(p, Sysno::munmap, [addr, len])
}

fn mprotect(k: &TestKernel, p: &Caller, addr: usize, len: usize, prot: usize) -> isize {
    k.syscall(p, Sysno::mprotect, [addr, len, prot])
}

fn readable(p: &Caller, va: usize) -> bool {
    p.mm().read_bytes(va, &mut [0]).is_ok()
}

/// Can the user write at `va`? (Writes back the byte that is there.)
fn writable(p: &Caller, va: usize) -> bool {
    let mut b = [0];
    let _ = p.mm().read_bytes(va, &mut b);
    p.mm().write_bytes(va, &b).is_ok()
}

/// Which of `pages` pages from AT are (readable, writable).
fn access(p: &Caller, pages: usize) -> Vec<(bool, bool)> {
    (0..pages).map(|i| (readable(p, AT + i * P), writable(p, AT + i * P))).collect()
}

const RO: (bool, bool) = (true, false);
const RDWR: (bool, bool) = (true, true);
const GONE: (bool, bool) = (false, false);

#[test]
fn after_munmap_references_to_the_range_are_invalid() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 2);
    assert_eq!(munmap(&k, &p, AT, 2 * P), 0);
    assert_eq!(access(&p, 2), [GONE, GONE]);
    assert_eq!(k.syscall(&p, Sysno::uname, [AT]), err(Errno::EFAULT));
    assert_eq!(p.mm().page_table().translate(AT), None);
    assert_eq!(p.mm().handle_fault(AT, hal::context::Access::Read), Err(Errno::EFAULT));
}

#[test]
fn munmap_with_an_address_that_is_not_page_aligned_is_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 1);
    assert_eq!(munmap(&k, &p, AT + 1, P), err(Errno::EINVAL));
    assert_eq!(munmap(&k, &p, AT + P / 2, P), err(Errno::EINVAL));
    assert_eq!(access(&p, 1), [RDWR]);
}

#[test]
fn munmap_of_zero_length_is_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 1);
    assert_eq!(munmap(&k, &p, AT, 0), err(Errno::EINVAL));
    assert_eq!(access(&p, 1), [RDWR]);
}

#[test]
fn munmap_of_a_range_beyond_user_space_is_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(munmap(&k, &p, USER_END - P, 2 * P), err(Errno::EINVAL));
    assert_eq!(munmap(&k, &p, USER_END, P), err(Errno::EINVAL));
    assert_eq!(munmap(&k, &p, AT, usize::MAX), err(Errno::EINVAL));
    assert_eq!(munmap(&k, &p, P.wrapping_neg(), P), err(Errno::EINVAL));
}

#[test]
fn it_is_not_an_error_if_the_range_contains_no_mapped_pages() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(munmap(&k, &p, UNMAPPED, 16 * P), 0);
    mapped(&k, &p, 4);
    assert_eq!(munmap(&k, &p, AT + P, P), 0);
    assert_eq!(munmap(&k, &p, AT, 3 * P), 0, "a range with a hole");
    assert_eq!(access(&p, 4), [GONE, GONE, GONE, RDWR]);
}

#[test]
fn munmap_rounds_the_length_up_to_whole_pages() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 3);
    assert_eq!(munmap(&k, &p, AT, P + 1), 0);
    assert_eq!(access(&p, 3), [GONE, GONE, RDWR]);
}

#[test]
fn munmap_of_the_middle_of_a_mapping_leaves_both_ends() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 3);
    assert_eq!(munmap(&k, &p, AT + P, P), 0);
    assert_eq!(access(&p, 3), [RDWR, GONE, RDWR]);
    assert_eq!(k.peek(&p, AT + P - 1, 1), [1]);
    assert_eq!(k.peek(&p, AT + 2 * P, 1), [3]);
    let areas: Vec<_> = p.mm().areas().map(|a| (a.start, a.end)).filter(|a| a.0 >= AT).collect();
    assert_eq!(areas, [(AT, AT + P), (AT + 2 * P, AT + 3 * P)]);
}

#[test]
fn a_munmapped_range_can_be_mapped_again_and_reads_as_zeros() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 1);
    assert_eq!(munmap(&k, &p, AT, P), 0);
    assert_eq!(k.syscall(&p, Sysno::mmap, [AT, P, RW, ANON, usize::MAX, 0]), AT as isize);
    assert_eq!(k.peek(&p, AT, 8), [0; 8]);
}

#[test]
fn after_mprotect_to_prot_read_a_kernel_write_into_the_range_is_efault() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 2);
    assert_eq!(mprotect(&k, &p, AT, 2 * P, PROT_READ), 0);
    assert_eq!(k.syscall(&p, Sysno::uname, [AT + P]), err(Errno::EFAULT));
    assert_eq!(k.peek(&p, AT + P, 4), [2; 4], "still readable, and unchanged");
    assert_eq!(access(&p, 2), [RO, RO]);
}

#[test]
fn after_mprotect_to_prot_read_read_into_the_range_is_efault() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 1);
    k.add_file("/tmp/f", b"file data");
    let inode = fs::path::lookup(&k.root, &k.root, "/tmp/f", true).unwrap();
    let fd =
        p.process().files().insert(Arc::new(File::new(inode, OpenFlags::empty(), "/tmp/f".into())), false).unwrap();
    assert_eq!(mprotect(&k, &p, AT, P, PROT_READ), 0);
    assert_eq!(k.syscall(&p, Sysno::read, [fd as usize, AT, 9]), err(Errno::EFAULT));
    assert_eq!(mprotect(&k, &p, AT, P, RW), 0);
    assert_eq!(k.syscall(&p, Sysno::read, [fd as usize, AT, 9]), 9);
    assert_eq!(k.peek(&p, AT, 9), b"file data");
}

#[test]
fn mprotect_with_an_address_that_is_not_page_aligned_is_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 1);
    assert_eq!(mprotect(&k, &p, AT + 1, P, PROT_READ), err(Errno::EINVAL));
    assert_eq!(mprotect(&k, &p, AT + 1, 0, PROT_READ), err(Errno::EINVAL), "even with length 0");
    assert_eq!(access(&p, 1), [RDWR]);
}

#[test]
fn mprotect_of_zero_length_succeeds_and_changes_nothing() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 1);
    assert_eq!(mprotect(&k, &p, AT, 0, PROT_NONE), 0);
    assert_eq!(mprotect(&k, &p, UNMAPPED, 0, PROT_READ), 0, "even where nothing is mapped");
    assert_eq!(access(&p, 1), [RDWR]);
}

#[test]
fn mprotect_of_a_range_that_is_not_fully_mapped_is_enomem() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(mprotect(&k, &p, UNMAPPED, P, PROT_READ), err(Errno::ENOMEM));
    mapped(&k, &p, 4);
    assert_eq!(munmap(&k, &p, AT + 2 * P, P), 0);
    assert_eq!(mprotect(&k, &p, AT + P, 3 * P, PROT_READ), err(Errno::ENOMEM));
    // Linux changes the pages before the hole and stops there.
    assert_eq!(access(&p, 4), [RDWR, RO, GONE, RDWR]);
    assert_eq!(mprotect(&k, &p, AT + 3 * P, 2 * P, PROT_READ), err(Errno::ENOMEM), "hole at the end");
    assert_eq!(mprotect(&k, &p, USER_END - P, P, PROT_READ), err(Errno::ENOMEM));
}

#[test]
fn mprotect_with_a_length_that_wraps_around_is_enomem() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 1);
    assert_eq!(mprotect(&k, &p, AT, usize::MAX, PROT_READ), err(Errno::ENOMEM));
    assert_eq!(mprotect(&k, &p, AT, P.wrapping_neg(), PROT_READ), err(Errno::ENOMEM));
    assert_eq!(access(&p, 1), [RDWR]);
}

#[test]
fn mprotect_with_invalid_flags_in_prot_is_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 1);
    assert_eq!(mprotect(&k, &p, AT, P, PROT_READ | 0x10), err(Errno::EINVAL));
    assert_eq!(mprotect(&k, &p, AT, P, PROT_READ | 0x8000_0000), err(Errno::EINVAL));
    assert_eq!(mprotect(&k, &p, AT, P, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP), err(Errno::EINVAL));
    assert_eq!(access(&p, 1), [RDWR]);
    assert_eq!(mprotect(&k, &p, AT, P, PROT_READ | PROT_SEM), 0, "PROT_SEM is accepted");
    assert_eq!(access(&p, 1), [RO]);
}

#[test]
fn prot_growsdown_applies_to_a_stack_down_to_its_start_and_is_einval_elsewhere() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 1);
    assert_eq!(mprotect(&k, &p, AT, P, PROT_READ | PROT_GROWSDOWN), err(Errno::EINVAL));
    assert_eq!(mprotect(&k, &p, AT, P, PROT_READ | PROT_GROWSUP), err(Errno::EINVAL));
    assert_eq!(access(&p, 1), [RDWR]);
    let stack = 0x6000_0000;
    p.mm().map(stack, 4 * P, Perm::R | Perm::W, AreaKind::Stack).unwrap();
    assert_eq!(mprotect(&k, &p, stack + 2 * P, P, PROT_READ | PROT_EXEC | PROT_GROWSDOWN), 0);
    let perms: Vec<_> = (0..4).map(|i| p.mm().area_at(stack + i * P).unwrap().perm).collect();
    assert_eq!(perms, [Perm::R | Perm::X, Perm::R | Perm::X, Perm::R | Perm::X, Perm::R | Perm::W]);
}

#[test]
fn mprotect_of_part_of_a_mapping_changes_only_those_pages() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 4);
    assert_eq!(mprotect(&k, &p, AT + P, P + 1, PROT_READ), 0, "the length is rounded up");
    assert_eq!(access(&p, 4), [RDWR, RO, RO, RDWR]);
}

#[test]
fn mprotect_can_restore_access_and_the_contents_survive() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 2);
    assert_eq!(mprotect(&k, &p, AT, 2 * P, PROT_NONE), 0);
    assert_eq!(access(&p, 2), [GONE, GONE]);
    assert_eq!(p.mm().page_table().translate(AT), None, "PROT_NONE pages are not in the page table");
    assert_eq!(mprotect(&k, &p, AT, 2 * P, RW), 0);
    assert_eq!(access(&p, 2), [RDWR, RDWR]);
    assert_eq!(k.peek(&p, AT, 1), [1]);
    assert_eq!(k.peek(&p, AT + P, 1), [2]);
    let areas: Vec<_> = p.mm().areas().map(|a| (a.start, a.end, a.perm)).filter(|a| a.0 >= AT).collect();
    assert_eq!(areas, [(AT, AT + 2 * P, Perm::R | Perm::W)], "one area again");
}

#[test]
fn mprotect_to_prot_exec_makes_pages_executable_and_not_readable() {
    let k = TestKernel::new();
    let p = k.spawn();
    mapped(&k, &p, 1);
    assert_eq!(mprotect(&k, &p, AT, P, PROT_EXEC), 0);
    assert_eq!(p.mm().handle_fault(AT, hal::context::Access::Execute), Ok(()));
    let (_, flags) = p.mm().page_table().translate(AT).unwrap();
    assert!(flags.contains(mm::PteFlags::X) && !flags.intersects(mm::PteFlags::R | mm::PteFlags::W));
    assert_eq!(access(&p, 1), [GONE]);
}
