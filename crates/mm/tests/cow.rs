//! Copy-on-write fork: frames are shared until written, by the user (fault) or the kernel (copy).
use hal::context::Access;
use hal::mem::PAGE_SIZE;
use mm::aspace::AreaKind;
use mm::page_table::PteFlags;
use mm::{AddressSpace, Perm};

const BASE: usize = 0x1000_0000;
const RW: Perm = Perm::R.union(Perm::W);

fn byte(mm: &mut AddressSpace, va: usize) -> u8 {
    let mut b = [0];
    mm.read_bytes(va, &mut b).unwrap();
    b[0]
}

fn pte(mm: &AddressSpace, va: usize) -> (usize, PteFlags) {
    mm.page_table().translate(va).expect("mapped")
}

fn parent_with(bytes: &[(usize, u8)]) -> AddressSpace {
    let mut mm = AddressSpace::new().unwrap();
    mm.map(BASE, 4 * PAGE_SIZE, RW, AreaKind::Anonymous).unwrap();
    for &(va, b) in bytes {
        mm.write_bytes(va, &[b]).unwrap();
    }
    mm
}

#[test]
fn fork_shares_frames_read_only_in_both_spaces() {
    let mut parent = parent_with(&[(BASE, 1)]);
    let child = parent.fork().unwrap();
    let (ppa, pflags) = pte(&parent, BASE);
    let (cpa, cflags) = pte(&child, BASE);
    assert_eq!(ppa, cpa, "one frame for both");
    assert!(!pflags.contains(PteFlags::W) && !cflags.contains(PteFlags::W));
    assert!(pflags.contains(PteFlags::R | PteFlags::U));
    assert_eq!(parent.frame_owners(BASE), Some(2));
    assert_eq!(parent.page_table().translate(BASE + PAGE_SIZE), None, "untouched pages stay lazy");
    assert_eq!(child.areas().count(), 1);
    assert_ne!(parent.id(), child.id());
}

#[test]
fn a_user_write_fault_copies_the_page_and_each_side_sees_its_own_data() {
    let mut parent = parent_with(&[(BASE, 1)]);
    let mut child = parent.fork().unwrap();
    child.handle_fault(BASE, Access::Write).unwrap();
    let (cpa, cflags) = pte(&child, BASE);
    assert_ne!(cpa, pte(&parent, BASE).0, "the child got a copy");
    assert!(cflags.contains(PteFlags::W));
    assert_eq!(byte(&mut child, BASE), 1, "the copy holds the old contents");
    child.write_bytes(BASE, &[2]).unwrap();
    assert_eq!(byte(&mut parent, BASE), 1);
    assert_eq!(byte(&mut child, BASE), 2);
    assert_eq!(parent.frame_owners(BASE), Some(1));
}

#[test]
fn kernel_writes_break_sharing_too() {
    let mut parent = parent_with(&[(BASE, 1), (BASE + PAGE_SIZE, 5)]);
    let mut child = parent.fork().unwrap();
    parent.write_bytes(BASE, &[9]).unwrap(); // e.g. read(2) into the parent's buffer
    assert_eq!(byte(&mut parent, BASE), 9);
    assert_eq!(byte(&mut child, BASE), 1);
    assert!(pte(&parent, BASE).1.contains(PteFlags::W), "the copy is mapped writable");
    child.fill_bytes(BASE + PAGE_SIZE, &[6]).unwrap(); // kernel write ignoring permissions
    assert_eq!(byte(&mut parent, BASE + PAGE_SIZE), 5);
    assert_eq!(byte(&mut child, BASE + PAGE_SIZE), 6);
}

#[test]
fn the_last_owner_gets_write_access_back_without_a_copy() {
    let mut parent = parent_with(&[(BASE, 1)]);
    let child = parent.fork().unwrap();
    let before = pte(&parent, BASE).0;
    drop(child);
    assert_eq!(parent.frame_owners(BASE), Some(1));
    parent.handle_fault(BASE, Access::Write).unwrap();
    let (pa, flags) = pte(&parent, BASE);
    assert_eq!(pa, before, "no copy needed");
    assert!(flags.contains(PteFlags::W));
}

#[test]
fn read_only_areas_are_shared_and_a_write_fault_there_is_still_refused() {
    let mut parent = AddressSpace::new().unwrap();
    parent.map(BASE, PAGE_SIZE, Perm::R | Perm::X, AreaKind::File("/bin/prog".into())).unwrap();
    parent.fill_bytes(BASE, &[7]).unwrap();
    let mut child = parent.fork().unwrap();
    assert!(child.handle_fault(BASE, Access::Write).is_err());
    assert_eq!(child.frame_owners(BASE), Some(2));
    assert!(pte(&child, BASE).1.contains(PteFlags::X));
}

#[test]
fn mprotect_does_not_make_a_shared_frame_writable() {
    let mut parent = parent_with(&[(BASE, 1)]);
    let mut child = parent.fork().unwrap();
    child.protect(BASE, PAGE_SIZE, Perm::R).unwrap();
    child.protect(BASE, PAGE_SIZE, RW).unwrap();
    assert!(!pte(&child, BASE).1.contains(PteFlags::W), "still copy-on-write");
    child.write_bytes(BASE, &[3]).unwrap();
    assert_eq!(byte(&mut parent, BASE), 1);
}

#[test]
fn shared_areas_keep_one_frame_and_are_populated_at_fork() {
    let mut parent = AddressSpace::new().unwrap();
    parent.map(BASE, 2 * PAGE_SIZE, RW, AreaKind::Anonymous).unwrap();
    parent.mark_shared(BASE);
    let mut child = parent.fork().unwrap();
    // The second page was never touched before fork, and is still the same page in both.
    child.write_bytes(BASE + PAGE_SIZE, &[4]).unwrap();
    assert_eq!(byte(&mut parent, BASE + PAGE_SIZE), 4);
    parent.write_bytes(BASE, &[8]).unwrap();
    assert_eq!(byte(&mut child, BASE), 8);
    assert!(pte(&child, BASE).1.contains(PteFlags::W));
    assert!(parent.shared_frame(BASE).unwrap().is_some());
}

#[test]
fn fork_keeps_the_break() {
    let mut parent = AddressSpace::new().unwrap();
    parent.init_brk(0x4000_0000);
    parent.set_brk(0x4000_0000 + 3 * PAGE_SIZE);
    let mut child = parent.fork().unwrap();
    assert_eq!(child.brk(), parent.brk());
    assert_eq!(child.set_brk(0x4000_0000 + PAGE_SIZE), 0x4000_0000 + PAGE_SIZE);
    assert_eq!(parent.brk(), 0x4000_0000 + 3 * PAGE_SIZE);
}
