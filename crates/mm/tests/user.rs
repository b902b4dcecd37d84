//! Copies between the kernel and user memory: bounds, permissions, strings, typed pointers.
use abi::Errno;
use hal::mem::PAGE_SIZE;
use mm::aspace::AreaKind;
use mm::layout::USER_END;
use mm::user::PATH_MAX;
use mm::{AddressSpace, Perm, UserCStr, UserPtr, UserSlice, UserSliceMut};

const P: usize = PAGE_SIZE;
const BASE: usize = 0x1000_0000;
const RW: Perm = Perm::R.union(Perm::W);

/// Two read-write pages at BASE and nothing after them.
fn two_pages() -> AddressSpace {
    let mut mm = AddressSpace::new().unwrap();
    mm.map(BASE, 2 * P, RW, AreaKind::Anonymous).unwrap();
    mm
}

#[test]
fn a_copy_may_end_exactly_at_user_end_but_not_cross_it() {
    let mut mm = AddressSpace::new().unwrap();
    mm.map(USER_END - P, P, RW, AreaKind::Anonymous).unwrap();
    mm.write_bytes(USER_END - 4, b"last").unwrap();
    let mut buf = [0u8; 4];
    mm.read_bytes(USER_END - 4, &mut buf).unwrap();
    assert_eq!(&buf, b"last");
    assert_eq!(mm.read_bytes(USER_END - 3, &mut buf), Err(Errno::EFAULT));
    assert_eq!(mm.write_bytes(USER_END - 3, &buf), Err(Errno::EFAULT));
    assert_eq!(mm.read_bytes(USER_END, &mut buf[..1]), Err(Errno::EFAULT));
}

#[test]
fn ranges_that_overflow_the_address_space_are_efault() {
    let mut mm = two_pages();
    let mut buf = [0u8; 8];
    assert_eq!(mm.read_bytes(usize::MAX - 3, &mut buf), Err(Errno::EFAULT));
    assert_eq!(mm.write_bytes(usize::MAX, &buf), Err(Errno::EFAULT));
    assert_eq!(mm.fill_bytes(usize::MAX - 7, &buf), Err(Errno::EFAULT));
    assert_eq!(UserSlice::<u64>::new(BASE, usize::MAX / 4).read(&mut mm).err(), Some(Errno::EFAULT));
    // In range but mostly unmapped: refused before a kernel buffer of that size is allocated.
    assert_eq!(UserSlice::<u8>::new(BASE, USER_END - BASE).read(&mut mm).err(), Some(Errno::EFAULT));
    assert_eq!(UserPtr::<u64>::new(BASE).add(usize::MAX).addr(), BASE - 8, "pointer arithmetic wraps");
}

#[test]
fn a_copy_that_runs_into_unmapped_memory_is_efault() {
    let mut mm = two_pages();
    let mut buf = [0u8; 16];
    assert_eq!(mm.read_bytes(BASE + 2 * P - 8, &mut buf), Err(Errno::EFAULT));
    assert_eq!(mm.read_bytes(BASE - 8, &mut buf), Err(Errno::EFAULT));
    mm.read_bytes(BASE + 2 * P - 16, &mut buf).unwrap();
}

#[test]
fn a_copy_across_a_page_boundary_joins_both_pages() {
    let mut mm = two_pages();
    mm.write_bytes(BASE + P - 3, b"abcdef").unwrap();
    let mut first = [0u8; 3];
    mm.read_bytes(BASE + P - 3, &mut first).unwrap();
    let mut second = [0u8; 3];
    mm.read_bytes(BASE + P, &mut second).unwrap();
    assert_eq!((&first, &second), (b"abc", b"def"));
}

#[test]
fn empty_copies_succeed_anywhere() {
    let mut mm = two_pages();
    assert_eq!(mm.read_bytes(0x1234, &mut []), Ok(()));
    assert_eq!(mm.write_bytes(USER_END, &[]), Ok(()));
    assert_eq!(UserSliceMut::<u8>::new(0, 0).write(&mut mm, &[]), Ok(()));
}

#[test]
fn user_writes_respect_the_area_permission_and_kernel_fills_do_not() {
    let mut mm = AddressSpace::new().unwrap();
    mm.map(BASE, P, Perm::R, AreaKind::Anonymous).unwrap();
    assert_eq!(mm.write_bytes(BASE, b"x"), Err(Errno::EFAULT));
    mm.fill_bytes(BASE, b"x").unwrap();
    let mut b = [0];
    mm.read_bytes(BASE, &mut b).unwrap();
    assert_eq!(&b, b"x");
}

#[test]
fn a_string_is_read_across_a_page_boundary() {
    let mut mm = two_pages();
    let at = BASE + P - 3;
    mm.write_bytes(at, b"hello\0").unwrap();
    assert_eq!(mm.read_cstr(at, 100).unwrap(), b"hello");
    assert_eq!(UserCStr::new(at).read(&mut mm).unwrap(), "hello");
    // The NUL is the first byte of the next page.
    mm.write_bytes(BASE + P - 2, b"hi\0").unwrap();
    assert_eq!(mm.read_cstr(BASE + P - 2, 100).unwrap(), b"hi");
    assert_eq!(mm.read_cstr(BASE + 5, 100).unwrap(), b"", "an empty string");
}

#[test]
fn a_string_without_nul_within_max_is_enametoolong() {
    let mut mm = two_pages();
    mm.write_bytes(BASE, b"abcdef\0").unwrap();
    assert_eq!(mm.read_cstr(BASE, 6).unwrap(), b"abcdef", "exactly max bytes is fine");
    assert_eq!(mm.read_cstr(BASE, 5), Err(Errno::ENAMETOOLONG));
    // A path of PATH_MAX - 1 bytes is accepted, one of PATH_MAX is not (as in Linux).
    mm.write_bytes(BASE, &[b'a'; PATH_MAX - 1]).unwrap();
    mm.write_bytes(BASE + PATH_MAX - 1, &[0]).unwrap();
    assert_eq!(UserCStr::new(BASE).read_bytes(&mut mm).unwrap().len(), PATH_MAX - 1);
    mm.write_bytes(BASE + PATH_MAX - 1, b"a\0").unwrap();
    assert_eq!(UserCStr::new(BASE).read_bytes(&mut mm), Err(Errno::ENAMETOOLONG));
}

#[test]
fn a_string_running_into_unmapped_memory_is_efault() {
    let mut mm = two_pages();
    mm.write_bytes(BASE + 2 * P - 4, b"abcd").unwrap();
    assert_eq!(mm.read_cstr(BASE + 2 * P - 4, 100), Err(Errno::EFAULT));
    assert_eq!(mm.read_cstr(BASE + 2 * P, 100), Err(Errno::EFAULT));
    assert_eq!(mm.read_cstr(USER_END, 100), Err(Errno::EFAULT));
    assert_eq!(mm.read_cstr(usize::MAX, 100), Err(Errno::EFAULT));
    // Too long is reported before the fault once `max` bytes have been seen.
    mm.write_bytes(BASE, &[b'x'; 2 * P]).unwrap();
    assert_eq!(mm.read_cstr(BASE, 10), Err(Errno::ENAMETOOLONG));
}

#[test]
fn typed_pointers_read_and_write_values_and_slices() {
    let mut mm = two_pages();
    let p = UserPtr::<u64>::new(BASE + P - 4);
    p.write(&mut mm, &0x1122_3344_5566_7788).unwrap();
    assert_eq!(p.read(&mut mm).unwrap(), 0x1122_3344_5566_7788);
    assert_eq!(p.add(1).addr(), BASE + P + 4);
    assert_eq!(UserPtr::<u64>::new(BASE + 2 * P - 4).read(&mut mm), Err(Errno::EFAULT));
    assert!(UserPtr::<u32>::new(0).nonnull().is_none());

    let out = UserSliceMut::<u32>::new(BASE, 2);
    out.write(&mut mm, &[1, 2]).unwrap();
    assert_eq!(out.write(&mut mm, &[1, 2, 3]), Err(Errno::EFAULT), "longer than the buffer");
    let input = UserSlice::<u32>::new(BASE, 2);
    assert_eq!(input.read(&mut mm).unwrap(), [1, 2]);
    assert_eq!(input.prefix(1).read(&mut mm).unwrap(), [1]);
}

#[test]
fn a_copy_that_fails_part_way_says_how_much_it_copied() {
    let mut mm = two_pages();
    // Crossing from the second (last) page into unmapped memory: the bytes of the mapped page.
    let src = [7u8; 16];
    assert_eq!(mm.write_some(BASE + 2 * P - 4, &src), Err((4, Errno::EFAULT)));
    let mut dst = [0u8; 16];
    assert_eq!(mm.read_some(BASE + 2 * P - 4, &mut dst), Err((4, Errno::EFAULT)));
    assert_eq!(&dst[..4], &[7; 4]);
    assert_eq!(mm.read_some(BASE, &mut dst), Ok(()));
    assert_eq!(mm.read_some(BASE + 2 * P, &mut dst[..1]), Err((0, Errno::EFAULT)));
}

#[test]
fn copies_to_pages_already_mapped_follow_the_page_permission() {
    // The copies take the page table's word for a page that is present (what the MMU would
    // allow the user): a read-only page that was touched is readable, never writable, also
    // after mprotect changes it either way.
    let mut mm = two_pages();
    mm.write_bytes(BASE, b"data").unwrap();
    mm.protect(BASE, P, Perm::R).unwrap();
    let mut buf = [0u8; 4];
    mm.read_bytes(BASE, &mut buf).unwrap();
    assert_eq!(&buf, b"data");
    assert_eq!(mm.write_bytes(BASE, b"more"), Err(Errno::EFAULT));
    mm.protect(BASE, P, Perm::empty()).unwrap();
    assert_eq!(mm.read_bytes(BASE, &mut buf), Err(Errno::EFAULT));
    mm.protect(BASE, P, RW).unwrap();
    mm.write_bytes(BASE, b"more").unwrap();
    mm.read_bytes(BASE, &mut buf).unwrap();
    assert_eq!(&buf, b"more");
}

#[test]
fn a_long_string_is_read_in_pieces_up_to_its_nul() {
    let mut mm = two_pages();
    let s: Vec<u8> = (0..300).map(|i| b'a' + (i % 26) as u8).collect();
    // Across the page boundary and longer than one piece.
    let at = BASE + P - 150;
    mm.write_bytes(at, &s).unwrap();
    mm.write_bytes(at + s.len(), &[0]).unwrap();
    assert_eq!(mm.read_cstr(at, PATH_MAX - 1).unwrap(), s);
    assert_eq!(mm.read_cstr(at, 299), Err(Errno::ENAMETOOLONG));
    assert_eq!(mm.read_cstr(at, 300).unwrap().len(), 300);
}
