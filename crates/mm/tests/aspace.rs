//! Address spaces: areas, splitting and merging, free-space search, faults, brk.
use abi::Errno;
use hal::context::Access;
use hal::mem::PAGE_SIZE;
use mm::aspace::{page_up_checked, AreaKind};
use mm::layout::{MMAP_MIN, MMAP_TOP, USER_END};
use mm::page_table::PteFlags;
use mm::{AddressSpace, Perm};

const P: usize = PAGE_SIZE;
const BASE: usize = 0x1000_0000;
const RW: Perm = Perm::R.union(Perm::W);

fn space() -> AddressSpace {
    AddressSpace::new().unwrap()
}

/// The areas as (start, end, perm).
fn layout(mm: &AddressSpace) -> Vec<(usize, usize, Perm)> {
    mm.areas().map(|a| (a.start, a.end, a.perm)).collect()
}

/// Can the user read one byte at `va`?
fn readable(mm: &mut AddressSpace, va: usize) -> bool {
    mm.read_bytes(va, &mut [0]).is_ok()
}

/// Can the user write one byte at `va`? (Writes back what is there, if it can be read.)
fn writable(mm: &mut AddressSpace, va: usize) -> bool {
    let mut b = [0];
    let _ = mm.read_bytes(va, &mut b);
    mm.write_bytes(va, &b).is_ok()
}

fn byte(mm: &mut AddressSpace, va: usize) -> u8 {
    let mut b = [0];
    mm.read_bytes(va, &mut b).unwrap();
    b[0]
}

/// Map `pages` read-write anonymous pages at BASE and write page number + 1 into each.
fn numbered(pages: usize) -> AddressSpace {
    let mut mm = space();
    mm.map(BASE, pages * P, RW, AreaKind::Anonymous).unwrap();
    for i in 0..pages {
        mm.write_bytes(BASE + i * P, &[i as u8 + 1]).unwrap();
    }
    mm
}

#[test]
fn page_up_checked_rounds_up_and_reports_overflow() {
    assert_eq!(page_up_checked(0), Some(0));
    assert_eq!(page_up_checked(1), Some(P));
    assert_eq!(page_up_checked(P), Some(P));
    assert_eq!(page_up_checked(usize::MAX - P + 1), Some(usize::MAX - P + 1));
    assert_eq!(page_up_checked(usize::MAX - P + 2), None);
}

#[test]
fn map_rejects_bad_ranges_and_overlaps_without_panicking() {
    let mut mm = space();
    assert_eq!(mm.map(BASE + 1, P, RW, AreaKind::Anonymous), Err(Errno::EINVAL));
    assert_eq!(mm.map(BASE, 0, RW, AreaKind::Anonymous), Err(Errno::EINVAL));
    assert_eq!(mm.map(USER_END - P, 2 * P, RW, AreaKind::Anonymous), Err(Errno::EINVAL));
    assert_eq!(mm.map(BASE, usize::MAX, RW, AreaKind::Anonymous), Err(Errno::ENOMEM));
    assert_eq!(mm.map(usize::MAX - P + 1, P, RW, AreaKind::Anonymous), Err(Errno::ENOMEM));
    mm.map(USER_END - P, P, RW, AreaKind::Anonymous).unwrap();
    mm.map(BASE, 2 * P + 1, RW, AreaKind::Anonymous).unwrap();
    assert_eq!(layout(&mm)[0], (BASE, BASE + 3 * P, RW), "length rounded up to pages");
    assert_eq!(mm.map(BASE + 2 * P, P, RW, AreaKind::Anonymous), Err(Errno::EEXIST));
    assert_eq!(mm.map(BASE - P, 2 * P, RW, AreaKind::Anonymous), Err(Errno::EEXIST));
    mm.map(BASE - P, P, RW, AreaKind::Anonymous).unwrap();
    mm.map(BASE + 3 * P, P, RW, AreaKind::Anonymous).unwrap();
}

#[test]
fn pages_are_backed_only_when_first_touched() {
    let mut mm = space();
    mm.map(BASE, 4 * P, RW, AreaKind::Anonymous).unwrap();
    assert_eq!(mm.page_table().translate(BASE + P), None);
    assert_eq!(byte(&mut mm, BASE + P + 5), 0, "fresh memory is zero");
    assert!(mm.page_table().translate(BASE + P).is_some());
    assert_eq!(mm.page_table().translate(BASE), None, "the neighbours are still not backed");
    assert_eq!(mm.page_table().translate(BASE + 2 * P), None);
}

#[test]
fn unmapping_the_middle_of_an_area_splits_it_and_keeps_both_ends() {
    let mut mm = numbered(4);
    mm.unmap(BASE + P, 2 * P).unwrap();
    assert_eq!(layout(&mm), [(BASE, BASE + P, RW), (BASE + 3 * P, BASE + 4 * P, RW)]);
    assert_eq!(byte(&mut mm, BASE), 1);
    assert_eq!(byte(&mut mm, BASE + 3 * P), 4);
    assert_eq!(mm.read_bytes(BASE + P, &mut [0]), Err(Errno::EFAULT));
    assert_eq!(mm.page_table().translate(BASE + P), None, "the page table forgot the page too");
    assert_eq!(mm.page_table().translate(BASE + 2 * P), None);
}

#[test]
fn unmapping_either_end_of_an_area_shrinks_it() {
    let mut mm = numbered(4);
    mm.unmap(BASE, P).unwrap();
    mm.unmap(BASE + 3 * P, P).unwrap();
    assert_eq!(layout(&mm), [(BASE + P, BASE + 3 * P, RW)]);
    assert_eq!((byte(&mut mm, BASE + P), byte(&mut mm, BASE + 2 * P)), (2, 3));
}

#[test]
fn unmapping_across_several_areas_and_holes_removes_exactly_the_range() {
    let mut mm = space();
    for i in [0, 2, 3, 6] {
        mm.map(BASE + i * P, P, RW, AreaKind::Anonymous).unwrap();
    }
    mm.map(BASE + 7 * P, 3 * P, Perm::R, AreaKind::Anonymous).unwrap();
    mm.unmap(BASE + P, 7 * P).unwrap();
    assert_eq!(layout(&mm), [(BASE, BASE + P, RW), (BASE + 8 * P, BASE + 10 * P, Perm::R)]);
    mm.unmap(0, USER_END).unwrap();
    assert!(layout(&mm).is_empty());
}

#[test]
fn unmap_rejects_unaligned_empty_and_out_of_range_requests() {
    let mut mm = numbered(1);
    assert_eq!(mm.unmap(BASE + 1, P), Err(Errno::EINVAL));
    assert_eq!(mm.unmap(BASE, 0), Err(Errno::EINVAL));
    assert_eq!(mm.unmap(USER_END - P, 2 * P), Err(Errno::EINVAL));
    assert_eq!(mm.unmap(BASE, usize::MAX), Err(Errno::EINVAL));
    assert_eq!(mm.unmap(usize::MAX - P + 1, P), Err(Errno::EINVAL));
    assert_eq!(layout(&mm), [(BASE, BASE + P, RW)], "nothing was removed");
}

#[test]
fn protecting_the_middle_splits_an_area_in_three_and_restoring_merges_it_back() {
    let mut mm = numbered(4);
    mm.protect(BASE + P, 2 * P, Perm::R).unwrap();
    assert_eq!(
        layout(&mm),
        [(BASE, BASE + P, RW), (BASE + P, BASE + 3 * P, Perm::R), (BASE + 3 * P, BASE + 4 * P, RW)]
    );
    assert!(writable(&mut mm, BASE) && writable(&mut mm, BASE + 3 * P));
    assert!(!writable(&mut mm, BASE + P) && !writable(&mut mm, BASE + 2 * P));
    mm.protect(BASE + P, 2 * P, RW).unwrap();
    assert_eq!(layout(&mm), [(BASE, BASE + 4 * P, RW)]);
    assert_eq!([0, 1, 2, 3].map(|i| byte(&mut mm, BASE + i * P)), [1, 2, 3, 4], "contents kept");
}

#[test]
fn protect_updates_the_page_table_entries_of_present_pages() {
    let mut mm = numbered(2);
    let flags = |mm: &AddressSpace, va| mm.page_table().translate(va).unwrap().1;
    assert!(flags(&mm, BASE).contains(PteFlags::R | PteFlags::W | PteFlags::U));
    mm.protect(BASE, 2 * P, Perm::R | Perm::X).unwrap();
    let f = flags(&mm, BASE + P);
    assert!(f.contains(PteFlags::R | PteFlags::X | PteFlags::U) && !f.contains(PteFlags::W), "{f:?}");
    mm.protect(BASE, P, Perm::W).unwrap();
    assert!(flags(&mm, BASE).contains(PteFlags::R | PteFlags::W), "write-only is read-write on RISC-V");
}

#[test]
fn prot_none_pages_leave_the_page_table_but_keep_their_contents() {
    let mut mm = numbered(2);
    mm.protect(BASE, 2 * P, Perm::empty()).unwrap();
    assert_eq!(mm.page_table().translate(BASE), None, "no V-without-RWX entry (that would be a table pointer)");
    assert!(!readable(&mut mm, BASE) && !writable(&mut mm, BASE));
    assert_eq!(mm.handle_fault(BASE, Access::Read), Err(Errno::EFAULT));
    // The kernel may still fill such pages (a loader or mmap does), without exposing them.
    mm.fill_bytes(BASE + P + 1, b"x").unwrap();
    assert_eq!(mm.page_table().translate(BASE + P), None);
    mm.protect(BASE, 2 * P, Perm::R).unwrap();
    assert_eq!([byte(&mut mm, BASE), byte(&mut mm, BASE + P), byte(&mut mm, BASE + P + 1)], [1, 2, b'x']);
}

#[test]
fn protect_over_a_hole_is_enomem_after_changing_the_areas_before_it() {
    let mut mm = numbered(4);
    mm.unmap(BASE + 2 * P, P).unwrap();
    assert_eq!(mm.protect(BASE + P, 3 * P, Perm::R), Err(Errno::ENOMEM));
    assert_eq!(
        layout(&mm),
        [(BASE, BASE + P, RW), (BASE + P, BASE + 2 * P, Perm::R), (BASE + 3 * P, BASE + 4 * P, RW)],
        "as Linux: the prefix up to the hole changed, what follows did not"
    );
    assert_eq!(mm.protect(BASE + 2 * P, 2 * P, Perm::R), Err(Errno::ENOMEM));
    assert!(writable(&mut mm, BASE + 3 * P), "a range starting in a hole changes nothing");
    assert_eq!(mm.protect(USER_END - P, P, Perm::R), Err(Errno::ENOMEM));
}

#[test]
fn protect_checks_alignment_and_lengths_like_mprotect() {
    let mut mm = numbered(2);
    assert_eq!(mm.protect(BASE + 1, P, Perm::R), Err(Errno::EINVAL));
    assert_eq!(mm.protect(BASE, usize::MAX, Perm::R), Err(Errno::ENOMEM));
    assert_eq!(mm.protect(0x7000, 0, Perm::R), Ok(()), "length 0 succeeds even on nothing");
    assert_eq!(mm.protect(BASE + P, 0, Perm::R), Ok(()));
    assert_eq!(layout(&mm), [(BASE, BASE + 2 * P, RW)], "and does not split anything");
    mm.protect(BASE, 1, Perm::R).unwrap();
    assert_eq!(layout(&mm)[0], (BASE, BASE + P, Perm::R), "length rounded up to a page");
}

#[test]
fn protect_beyond_an_areas_maximum_is_eacces() {
    let mut mm = space();
    mm.map_area(BASE, 2 * P, Perm::R, Perm::R | Perm::X, AreaKind::Anonymous).unwrap();
    assert_eq!(mm.protect(BASE, 2 * P, RW), Err(Errno::EACCES));
    assert_eq!(layout(&mm), [(BASE, BASE + 2 * P, Perm::R)]);
    mm.protect(BASE, P, Perm::R | Perm::X).unwrap();
    assert_eq!(layout(&mm)[0], (BASE, BASE + P, Perm::R | Perm::X));
}

#[test]
fn protect_joins_adjacent_alike_areas_but_not_different_kinds() {
    let mut mm = space();
    mm.map(BASE, P, RW, AreaKind::Anonymous).unwrap();
    mm.map(BASE + P, P, RW, AreaKind::Anonymous).unwrap();
    mm.map(BASE + 2 * P, P, RW, AreaKind::Heap).unwrap();
    assert_eq!(layout(&mm).len(), 3);
    mm.protect(BASE, 3 * P, RW).unwrap();
    assert_eq!(layout(&mm), [(BASE, BASE + 2 * P, RW), (BASE + 2 * P, BASE + 3 * P, RW)]);
}

#[test]
fn find_free_searches_top_down_below_mmap_top() {
    let mut mm = space();
    assert_eq!(mm.find_free(1), Some(MMAP_TOP - P));
    mm.map(MMAP_TOP - 2 * P, 2 * P, RW, AreaKind::Anonymous).unwrap();
    assert_eq!(mm.find_free(P), Some(MMAP_TOP - 3 * P));
    // A one-page hole below that is used by one page but skipped by two.
    mm.map(MMAP_TOP - 5 * P, 2 * P, RW, AreaKind::Anonymous).unwrap();
    assert_eq!(mm.find_free(P), Some(MMAP_TOP - 3 * P));
    assert_eq!(mm.find_free(2 * P), Some(MMAP_TOP - 7 * P));
    // An area straddling MMAP_TOP counts as a boundary too.
    let mut mm = space();
    mm.map(MMAP_TOP - P, 3 * P, RW, AreaKind::Anonymous).unwrap();
    assert_eq!(mm.find_free(P), Some(MMAP_TOP - 2 * P));
    // Areas above MMAP_TOP (the stack) do not matter.
    let mut mm = space();
    mm.map(MMAP_TOP + 4 * P, P, RW, AreaKind::Stack).unwrap();
    assert_eq!(mm.find_free(P), Some(MMAP_TOP - P));
}

#[test]
fn find_free_fails_when_nothing_fits_above_mmap_min() {
    let mut mm = space();
    assert_eq!(mm.find_free(MMAP_TOP - MMAP_MIN), Some(MMAP_MIN));
    assert_eq!(mm.find_free(MMAP_TOP - MMAP_MIN + 1), None);
    assert_eq!(mm.find_free(usize::MAX), None);
    mm.map(MMAP_MIN, MMAP_TOP - MMAP_MIN - P, RW, AreaKind::Anonymous).unwrap();
    assert_eq!(mm.find_free(P), Some(MMAP_TOP - P));
    assert_eq!(mm.find_free(2 * P), None);
}

#[test]
fn faults_are_resolved_only_for_allowed_accesses() {
    let mut mm = space();
    mm.map(BASE, P, Perm::X, AreaKind::Anonymous).unwrap();
    mm.map(BASE + P, P, Perm::W, AreaKind::Anonymous).unwrap();
    mm.map(BASE + 2 * P, P, Perm::R, AreaKind::Anonymous).unwrap();
    assert_eq!(mm.handle_fault(BASE, Access::Execute), Ok(()));
    assert_eq!(mm.handle_fault(BASE, Access::Read), Err(Errno::EFAULT), "execute-only is not readable");
    assert!(!readable(&mut mm, BASE));
    assert_eq!(mm.handle_fault(BASE + P, Access::Read), Ok(()), "write implies read");
    assert_eq!(mm.handle_fault(BASE + P, Access::Write), Ok(()));
    assert_eq!(mm.handle_fault(BASE + P, Access::Execute), Err(Errno::EFAULT));
    assert_eq!(mm.handle_fault(BASE + 2 * P, Access::Write), Err(Errno::EFAULT));
    assert_eq!(mm.handle_fault(BASE + 3 * P, Access::Read), Err(Errno::EFAULT));
}

#[test]
fn brk_is_byte_granular_and_ignores_impossible_values() {
    let mut mm = space();
    let base = 0x4000_0000;
    assert_eq!(mm.set_brk(base + 10), 0, "no heap before init_brk");
    mm.init_brk(base);
    assert_eq!(mm.brk(), base);
    assert_eq!(mm.set_brk(0), base);
    assert_eq!(mm.set_brk(base + 10), base + 10);
    assert_eq!(mm.set_brk(base - 1), base + 10);
    assert_eq!(mm.set_brk(usize::MAX), base + 10);
    assert_eq!(mm.set_brk(MMAP_TOP + 1), base + 10);
    assert_eq!(layout(&mm), [(base, base + P, RW)]);
    assert!(writable(&mut mm, base + P - 1) && !writable(&mut mm, base + P));
    assert_eq!(mm.set_brk(base + 3 * P + 1), base + 3 * P + 1);
    assert_eq!(layout(&mm), [(base, base + 4 * P, RW)], "the heap area grows in place");
}

#[test]
fn brk_shrinks_by_whole_pages_and_regrown_memory_is_zero() {
    let mut mm = space();
    let base = 0x4000_0000;
    mm.init_brk(base);
    mm.set_brk(base + 3 * P);
    mm.write_bytes(base, &[7; 3 * P]).unwrap();
    assert_eq!(mm.set_brk(base + 10), base + 10);
    assert_eq!(layout(&mm), [(base, base + P, RW)]);
    assert!(!readable(&mut mm, base + P));
    assert_eq!(byte(&mut mm, base + 100), 7, "the page holding the break stays");
    mm.set_brk(base + 3 * P);
    assert_eq!([byte(&mut mm, base + P), byte(&mut mm, base + 3 * P - 1)], [0, 0]);
    assert_eq!(mm.set_brk(base), base);
    assert!(layout(&mm).is_empty());
}

#[test]
fn brk_cannot_grow_into_another_mapping_or_its_guard_page() {
    let mut mm = space();
    let base = 0x4000_0000;
    mm.init_brk(base);
    mm.map(base + 4 * P, P, RW, AreaKind::Anonymous).unwrap();
    assert_eq!(mm.set_brk(base + 4 * P), base, "would touch the mapping");
    assert_eq!(mm.set_brk(base + 3 * P + 1), base);
    assert_eq!(mm.set_brk(base + 3 * P), base + 3 * P, "one free page is left as a gap, as in Linux");
    assert_eq!(mm.set_brk(base + 5 * P), base + 3 * P);
}

#[test]
fn brk_does_not_widen_a_heap_made_read_only() {
    let mut mm = space();
    let base = 0x4000_0000;
    mm.init_brk(base);
    mm.set_brk(base + P);
    mm.protect(base, P, Perm::R).unwrap();
    mm.set_brk(base + 2 * P);
    assert_eq!(layout(&mm), [(base, base + P, Perm::R), (base + P, base + 2 * P, RW)]);
}
