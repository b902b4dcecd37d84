//! mmap(2) through the dispatch table, checked against the Linux man page (and, where the man
//! page is vague, against what Linux does).
use abi::flags::OpenFlags;
use fs::File;
use hal::context::Access;
use mm::layout::{MMAP_MIN, MMAP_TOP, USER_END};
use std::sync::Arc;
use syscalls::testing::*;
use syscalls::{Caller, Errno, Sysno};

const P: usize = 4096;
const PROT_NONE: usize = 0;
const PROT_READ: usize = 1;
const PROT_WRITE: usize = 2;
const PROT_EXEC: usize = 4;
const RW: usize = PROT_READ | PROT_WRITE;
const MAP_SHARED: usize = 0x01;
const MAP_PRIVATE: usize = 0x02;
const MAP_SHARED_VALIDATE: usize = 0x03;
const MAP_FIXED: usize = 0x10;
const MAP_ANONYMOUS: usize = 0x20;
const MAP_FIXED_NOREPLACE: usize = 0x10_0000;
const MAP_SYNC: usize = 0x8_0000;
const ANON: usize = MAP_PRIVATE | MAP_ANONYMOUS;
/// fd -1 as the register holds it.
const NO_FD: usize = usize::MAX;
/// A free part of the address space for MAP_FIXED and hints.
const FREE: usize = 0x5000_0000;

fn err(e: Errno) -> isize {
    e.as_ret()
}

/// mmap(addr, len, prot, flags, fd, offset).
fn mmap(k: &TestKernel, p: &Caller, args: [usize; 6]) -> isize {
    k.syscall(p, Sysno::mmap, args)
}

fn anon(k: &TestKernel, p: &Caller, len: usize) -> usize {
    let a = mmap(k, p, [0, len, RW, ANON, NO_FD, 0]);
    assert!(a > 0, "mmap: {a}");
    a as usize
}

/// Open `path` directly in the fd table (independent of open(2)).
fn open(k: &TestKernel, p: &Caller, path: &str, flags: OpenFlags) -> usize {
    let inode = fs::path::lookup(&k.root, &k.root, path, true).unwrap();
    let file = Arc::new(File::new(inode, flags, path.into()));
    p.process().files().insert(file, false).unwrap() as usize
}

/// A regular file /tmp/f holding `data`, opened with `flags`.
fn file(k: &TestKernel, p: &Caller, data: &[u8], flags: OpenFlags) -> usize {
    k.add_file("/tmp/f", data);
    open(k, p, "/tmp/f", flags)
}

fn readable(p: &Caller, va: usize) -> bool {
    p.mm().read_bytes(va, &mut [0]).is_ok()
}

fn writable(p: &Caller, va: usize) -> bool {
    p.mm().write_bytes(va, &[0]).is_ok()
}

fn perm_at(p: &Caller, va: usize) -> Option<mm::Perm> {
    p.mm().area_at(va).map(|a| a.perm)
}

/// A pattern that differs on every page: byte i is (i / 7) as u8 ^ (i >> 12) as u8.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i / 7) as u8 ^ (i >> 12) as u8).collect()
}

#[test]
fn anonymous_memory_is_initialized_to_zero_and_writable() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = anon(&k, &p, 3 * P);
    assert_eq!(a % P, 0);
    assert!(k.peek(&p, a, 3 * P).iter().all(|&b| b == 0));
    k.poke(&p, a + P - 2, b"abcd");
    assert_eq!(k.peek(&p, a + P - 2, 4), b"abcd");
    assert!(writable(&p, a + 3 * P - 1));
    assert!(!readable(&p, a + 3 * P), "only the requested pages are mapped");
}

#[test]
fn the_length_is_rounded_up_to_whole_pages() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = mmap(&k, &p, [FREE, 1, RW, ANON | MAP_FIXED, NO_FD, 0]) as usize;
    assert_eq!(a, FREE);
    assert!(writable(&p, FREE + P - 1));
    assert!(!readable(&p, FREE + P));
}

#[test]
fn anonymous_pages_are_backed_only_when_touched() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = anon(&k, &p, 1 << 30);
    assert_eq!(p.mm().page_table().translate(a), None);
    k.poke(&p, a + (1 << 29), b"x");
    assert!(p.mm().page_table().translate(a + (1 << 29)).is_some());
    assert_eq!(p.mm().page_table().translate(a), None);
}

#[test]
fn a_zero_length_is_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(mmap(&k, &p, [0, 0, RW, ANON, NO_FD, 0]), err(Errno::EINVAL));
}

#[test]
fn an_offset_that_is_not_a_multiple_of_the_page_size_is_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"data", OpenFlags::RDWR);
    assert_eq!(mmap(&k, &p, [0, P, PROT_READ, MAP_PRIVATE, fd, 1]), err(Errno::EINVAL));
    assert_eq!(mmap(&k, &p, [0, P, PROT_READ, MAP_PRIVATE, fd, P / 2]), err(Errno::EINVAL));
    assert_eq!(mmap(&k, &p, [0, P, RW, ANON, NO_FD, 1]), err(Errno::EINVAL), "checked for anonymous memory too");
}

#[test]
fn flags_with_neither_map_private_nor_map_shared_are_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(mmap(&k, &p, [0, P, RW, MAP_ANONYMOUS, NO_FD, 0]), err(Errno::EINVAL));
    assert_eq!(mmap(&k, &p, [0, P, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, NO_FD, 0]), err(Errno::EINVAL));
    let fd = file(&k, &p, b"data", OpenFlags::RDWR);
    assert_eq!(mmap(&k, &p, [0, P, PROT_READ, 0, fd, 0]), err(Errno::EINVAL));
    assert_eq!(mmap(&k, &p, [0, P, PROT_READ, 0x0c, fd, 0]), err(Errno::EINVAL));
}

#[test]
fn map_fixed_with_an_address_that_is_not_page_aligned_is_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(mmap(&k, &p, [FREE + 1, P, RW, ANON | MAP_FIXED, NO_FD, 0]), err(Errno::EINVAL));
    assert_eq!(mmap(&k, &p, [FREE + 8, P, RW, ANON | MAP_FIXED_NOREPLACE, NO_FD, 0]), err(Errno::EINVAL));
    assert!(!readable(&p, FREE));
}

#[test]
fn map_fixed_places_the_mapping_at_exactly_addr() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(mmap(&k, &p, [FREE, 2 * P, PROT_READ, ANON | MAP_FIXED, NO_FD, 0]), FREE as isize);
    assert_eq!(perm_at(&p, FREE + P), Some(mm::Perm::R));
    assert!(!writable(&p, FREE));
}

#[test]
fn map_fixed_discards_the_overlapped_part_of_existing_mappings() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = anon(&k, &p, 4 * P);
    k.poke(&p, a, &[1; 4 * P]);
    assert_eq!(mmap(&k, &p, [a + P, 2 * P, PROT_READ, ANON | MAP_FIXED, NO_FD, 0]), (a + P) as isize);
    assert!(k.peek(&p, a + P, 2 * P).iter().all(|&b| b == 0), "the new pages are fresh");
    assert_eq!(k.peek(&p, a, 1), [1]);
    assert_eq!(k.peek(&p, a + 3 * P, 1), [1]);
    assert!(writable(&p, a) && !writable(&p, a + P) && writable(&p, a + 3 * P));
    // It may also replace several mappings and holes at once.
    assert_eq!(mmap(&k, &p, [a - P, 6 * P, RW, ANON | MAP_FIXED, NO_FD, 0]), (a - P) as isize);
    assert!(k.peek(&p, a - P, 6 * P).iter().all(|&b| b == 0));
}

#[test]
fn map_fixed_noreplace_over_an_existing_mapping_is_eexist() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = anon(&k, &p, 2 * P);
    k.poke(&p, a, b"keep");
    assert_eq!(mmap(&k, &p, [a + P, P, RW, ANON | MAP_FIXED_NOREPLACE, NO_FD, 0]), err(Errno::EEXIST));
    assert_eq!(mmap(&k, &p, [a - P, 2 * P, RW, ANON | MAP_FIXED_NOREPLACE, NO_FD, 0]), err(Errno::EEXIST));
    assert_eq!(k.peek(&p, a, 4), b"keep");
    assert_eq!(mmap(&k, &p, [a + 2 * P, P, RW, ANON | MAP_FIXED_NOREPLACE, NO_FD, 0]), (a + 2 * P) as isize);
    // MAP_FIXED_NOREPLACE wins over MAP_FIXED.
    assert_eq!(mmap(&k, &p, [a, P, RW, ANON | MAP_FIXED | MAP_FIXED_NOREPLACE, NO_FD, 0]), err(Errno::EEXIST));
}

#[test]
fn map_fixed_beyond_user_space_is_enomem_and_below_the_minimum_is_eperm() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(mmap(&k, &p, [USER_END - P, 2 * P, RW, ANON | MAP_FIXED, NO_FD, 0]), err(Errno::ENOMEM));
    assert_eq!(mmap(&k, &p, [USER_END, P, RW, ANON | MAP_FIXED, NO_FD, 0]), err(Errno::ENOMEM));
    assert_eq!(mmap(&k, &p, [0, P, RW, ANON | MAP_FIXED, NO_FD, 0]), err(Errno::EPERM));
    assert_eq!(mmap(&k, &p, [MMAP_MIN - P, P, RW, ANON | MAP_FIXED, NO_FD, 0]), err(Errno::EPERM));
    assert_eq!(mmap(&k, &p, [MMAP_MIN, P, RW, ANON | MAP_FIXED, NO_FD, 0]), MMAP_MIN as isize);
    assert_eq!(mmap(&k, &p, [USER_END - P, P, RW, ANON | MAP_FIXED, NO_FD, 0]), (USER_END - P) as isize);
}

#[test]
fn a_free_hint_is_used_as_the_address() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(mmap(&k, &p, [FREE, 2 * P, RW, ANON, NO_FD, 0]), FREE as isize);
}

#[test]
fn an_unaligned_hint_is_rounded_up_to_a_page_boundary() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(mmap(&k, &p, [FREE + 1, P, RW, ANON, NO_FD, 0]), (FREE + P) as isize);
}

#[test]
fn a_hint_that_is_taken_or_too_low_is_ignored_and_memory_comes_from_below_mmap_top() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = mmap(&k, &p, [SCRATCH + P, P, RW, ANON, NO_FD, 0]) as usize;
    assert_eq!(a, MMAP_TOP - P, "the top-most free page");
    assert_eq!(k.peek(&p, SCRATCH + P, 1), [0], "scratch is untouched");
    let b = mmap(&k, &p, [P, P, RW, ANON, NO_FD, 0]) as usize;
    assert_eq!(b, MMAP_TOP - 2 * P, "a hint below MMAP_MIN is not used");
    let c = mmap(&k, &p, [USER_END - P, 2 * P, RW, ANON, NO_FD, 0]) as usize;
    assert_eq!(c, MMAP_TOP - 4 * P, "nor one that runs past user space");
}

#[test]
fn successive_mappings_are_placed_top_down_without_overlapping() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = anon(&k, &p, 3 * P);
    let b = anon(&k, &p, P);
    let c = anon(&k, &p, 2 * P);
    assert_eq!((a, b, c), (MMAP_TOP - 3 * P, MMAP_TOP - 4 * P, MMAP_TOP - 6 * P));
    // A hole left by munmap is reused when it fits.
    assert_eq!(k.syscall(&p, Sysno::munmap, [b, P]), 0);
    assert_eq!(anon(&k, &p, 2 * P), MMAP_TOP - 8 * P, "too small for two pages");
    assert_eq!(anon(&k, &p, P), b);
}

#[test]
fn a_length_larger_than_the_address_space_is_enomem() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(mmap(&k, &p, [0, usize::MAX, RW, ANON, NO_FD, 0]), err(Errno::ENOMEM), "rounding up overflows");
    assert_eq!(mmap(&k, &p, [0, 1 << 50, RW, ANON, NO_FD, 0]), err(Errno::ENOMEM));
    assert_eq!(mmap(&k, &p, [0, USER_END, RW, ANON | MAP_FIXED, NO_FD, 0]), err(Errno::ENOMEM));
    assert_eq!(mmap(&k, &p, [0, MMAP_TOP, RW, ANON, NO_FD, 0]), err(Errno::ENOMEM), "no room below MMAP_TOP");
}

#[test]
fn anonymous_mappings_ignore_fd_and_offset() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = mmap(&k, &p, [0, P, RW, ANON, 99, 16 * P]);
    assert!(a > 0);
    assert_eq!(k.peek(&p, a as usize, 8), [0; 8]);
}

#[test]
fn a_file_mapping_of_a_descriptor_that_is_not_open_is_ebadf() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(mmap(&k, &p, [0, P, PROT_READ, MAP_PRIVATE, NO_FD, 0]), err(Errno::EBADF));
    assert_eq!(mmap(&k, &p, [0, P, PROT_READ, MAP_PRIVATE, 99, 0]), err(Errno::EBADF));
    assert_eq!(
        mmap(&k, &p, [0, 0, PROT_READ, MAP_PRIVATE, 99, 0]),
        err(Errno::EBADF),
        "before the length check, as in Linux"
    );
}

#[test]
fn a_private_file_mapping_holds_the_file_contents_and_zeros_to_the_end_of_its_last_page() {
    let k = TestKernel::new();
    let p = k.spawn();
    let data = pattern(P + 100);
    let fd = file(&k, &p, &data, OpenFlags::empty());
    let a = mmap(&k, &p, [0, 3 * P, PROT_READ, MAP_PRIVATE, fd, 0]) as usize;
    assert_eq!(k.peek(&p, a, data.len()), data);
    assert!(k.peek(&p, a + data.len(), P - 100).iter().all(|&b| b == 0));
    // The third page lies wholly past the end of the file: SIGBUS for the user, EFAULT for a
    // copy, as on Linux.
    assert_eq!(p.mm().handle_fault(a + 2 * P, Access::Read), Err(Errno::EIO));
    let mut buf = [0u8; 8];
    assert_eq!(p.mm().read_bytes(a + 2 * P, &mut buf), Err(Errno::EFAULT));
    assert!(!writable(&p, a));
    assert!(matches!(&p.mm().area_at(a).unwrap().kind, mm::aspace::AreaKind::File(f) if f == "/tmp/f"));
}

#[test]
fn a_private_file_mapping_starts_at_the_given_offset() {
    let k = TestKernel::new();
    let p = k.spawn();
    let data = pattern(3 * P);
    let fd = file(&k, &p, &data, OpenFlags::empty());
    let a = mmap(&k, &p, [0, P + 1, PROT_READ, MAP_PRIVATE, fd, P]) as usize;
    assert_eq!(k.peek(&p, a, 2 * P), &data[P..3 * P]);
    let b = mmap(&k, &p, [0, P, PROT_READ, MAP_PRIVATE, fd, 8 * P]) as usize;
    assert_eq!(p.mm().handle_fault(b, Access::Read), Err(Errno::EIO), "an offset past the end is SIGBUS");
}

#[test]
fn writes_to_a_private_file_mapping_do_not_reach_the_file() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"original", OpenFlags::RDWR);
    let a = mmap(&k, &p, [0, P, RW, MAP_PRIVATE, fd, 0]) as usize;
    k.poke(&p, a, b"CHANGED!");
    assert!(p.mm().write_bytes(a + 8, b" more").is_ok());
    assert_eq!(k.peek(&p, a, 13), b"CHANGED! more");
    let inode = fs::path::lookup(&k.root, &k.root, "/tmp/f", true).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(inode.read_at(0, &mut buf), Ok(8));
    assert_eq!(&buf[..8], b"original");
    assert_eq!(inode.stat().st_size, 8);
}

#[test]
fn a_file_mapping_of_a_descriptor_not_open_for_reading_is_eacces() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"data", OpenFlags::WRONLY);
    assert_eq!(mmap(&k, &p, [0, P, PROT_READ, MAP_PRIVATE, fd, 0]), err(Errno::EACCES));
    assert_eq!(mmap(&k, &p, [0, P, PROT_NONE, MAP_SHARED, fd, 0]), err(Errno::EACCES));
}

#[test]
fn mapping_a_directory_or_a_device_is_enodev() {
    let k = TestKernel::new();
    let p = k.spawn();
    let dir = open(&k, &p, "/tmp", OpenFlags::empty());
    assert_eq!(mmap(&k, &p, [0, P, PROT_READ, MAP_PRIVATE, dir, 0]), err(Errno::ENODEV));
    let null = open(&k, &p, "/dev/null", OpenFlags::RDWR);
    assert_eq!(mmap(&k, &p, [0, P, PROT_READ, MAP_PRIVATE, null, 0]), err(Errno::ENODEV));
    assert_eq!(mmap(&k, &p, [0, P, PROT_READ, MAP_PRIVATE, 1, 0]), err(Errno::ENODEV), "the console");
}

#[test]
fn a_file_offset_past_the_largest_file_size_is_eoverflow() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"data", OpenFlags::empty());
    assert_eq!(mmap(&k, &p, [0, 2 * P, PROT_READ, MAP_PRIVATE, fd, P.wrapping_neg()]), err(Errno::EOVERFLOW));
    assert_eq!(mmap(&k, &p, [0, P, PROT_READ, MAP_PRIVATE, fd, 1 << 63]), err(Errno::EOVERFLOW));
}

#[test]
fn a_shared_writable_mapping_of_a_file_not_open_for_writing_is_eacces() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"data", OpenFlags::empty());
    assert_eq!(mmap(&k, &p, [0, P, RW, MAP_SHARED, fd, 0]), err(Errno::EACCES));
}

#[test]
fn a_shared_mapping_of_a_read_only_descriptor_shows_the_file_and_cannot_be_made_writable() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"shared data", OpenFlags::empty());
    let a = mmap(&k, &p, [0, P, PROT_READ, MAP_SHARED, fd, 0]) as usize;
    assert_eq!(k.peek(&p, a, 11), b"shared data");
    assert_eq!(k.syscall(&p, Sysno::mprotect, [a, P, RW]), err(Errno::EACCES));
    assert!(!writable(&p, a));
    assert_eq!(k.syscall(&p, Sysno::mprotect, [a, P, PROT_READ | PROT_EXEC]), 0);
}

#[test]
fn map_shared_validate_with_an_unknown_flag_is_eopnotsupp() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"data", OpenFlags::RDWR);
    assert_eq!(mmap(&k, &p, [0, P, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0]), err(Errno::ENOTSUP));
    assert_eq!(mmap(&k, &p, [0, P, PROT_READ, MAP_SHARED_VALIDATE | 0x80_0000, fd, 0]), err(Errno::ENOTSUP));
    // Plain MAP_SHARED and MAP_PRIVATE ignore unknown flags.
    assert!(mmap(&k, &p, [0, P, PROT_READ, MAP_SHARED | 0x80_0000, fd, 0]) > 0);
    assert!(mmap(&k, &p, [0, P, PROT_READ, MAP_PRIVATE | 0x80_0000, fd, 0]) > 0);
    assert!(mmap(&k, &p, [0, P, PROT_READ, MAP_SHARED_VALIDATE, fd, 0]) > 0);
}

#[test]
fn shared_anonymous_memory_is_zeroed_and_writable() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = mmap(&k, &p, [0, 2 * P, RW, MAP_SHARED | MAP_ANONYMOUS, NO_FD, 0]) as usize;
    assert_eq!(k.peek(&p, a, 16), [0; 16]);
    assert!(writable(&p, a + 2 * P - 1));
}

#[test]
fn prot_none_memory_cannot_be_accessed_at_all() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = mmap(&k, &p, [0, P, PROT_NONE, ANON, NO_FD, 0]) as usize;
    assert!(!readable(&p, a) && !writable(&p, a));
    for access in [Access::Read, Access::Write, Access::Execute] {
        assert_eq!(p.mm().handle_fault(a, access), Err(Errno::EFAULT), "{access:?}");
    }
    assert_eq!(k.syscall(&p, Sysno::uname, [a]), err(Errno::EFAULT));
}

#[test]
fn write_only_memory_is_also_readable_on_risc_v() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = mmap(&k, &p, [0, P, PROT_WRITE, ANON, NO_FD, 0]) as usize;
    assert!(writable(&p, a) && readable(&p, a));
    let (_, flags) = p.mm().page_table().translate(a).unwrap();
    assert!(flags.contains(mm::PteFlags::R | mm::PteFlags::W));
}

#[test]
fn execute_only_memory_can_be_executed_but_not_read() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = mmap(&k, &p, [0, P, PROT_EXEC, ANON, NO_FD, 0]) as usize;
    assert_eq!(p.mm().handle_fault(a, Access::Execute), Ok(()));
    assert!(!readable(&p, a));
    assert_eq!(p.mm().handle_fault(a, Access::Read), Err(Errno::EFAULT));
}

#[test]
fn the_kernel_cannot_write_into_a_read_only_mapping() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = mmap(&k, &p, [0, P, PROT_READ, ANON, NO_FD, 0]) as usize;
    assert_eq!(k.syscall(&p, Sysno::uname, [a]), err(Errno::EFAULT));
    assert_eq!(k.syscall(&p, Sysno::getrandom, [a, 16, 0]), err(Errno::EFAULT));
    assert_eq!(k.peek(&p, a, 16), [0; 16]);
    let b = anon(&k, &p, P);
    assert_eq!(k.syscall(&p, Sysno::uname, [b]), 0, "a writable mapping works");
    assert_eq!(k.peek(&p, b, 5), b"Linux");
}

#[test]
fn an_o_path_descriptor_cannot_be_mapped() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", &[1u8; 4096]);
    let fd = open(&k, &p, "/tmp/f", OpenFlags::PATH);
    assert_eq!(mmap(&k, &p, [0, 4096, PROT_READ, MAP_SHARED, fd, 0]), err(Errno::EBADF));
    assert_eq!(mmap(&k, &p, [0, 4096, PROT_READ, MAP_PRIVATE, fd, 0]), err(Errno::EBADF));
}
