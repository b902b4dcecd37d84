//! File mappings over the page cache: MAP_SHARED stores are the file's data, MAP_PRIVATE pages
//! are copied on the first write only, and pages past the end of the file are SIGBUS (EIO from
//! the fault handler, EFAULT for a copy), also after the file shrinks under a mapping.
use abi::flags::OpenFlags;
use hal::context::Access;
use syscalls::testing::*;
use syscalls::{Caller, Errno, Sysno};

const P: usize = 4096;
const PROT_READ: usize = 1;
const PROT_WRITE: usize = 2;
const RW: usize = PROT_READ | PROT_WRITE;
const MAP_SHARED: usize = 0x01;
const MAP_PRIVATE: usize = 0x02;

fn err(e: Errno) -> isize {
    -(e as isize)
}

fn mmap(k: &TestKernel, p: &Caller, len: usize, prot: usize, flags: usize, fd: usize, off: usize) -> usize {
    let a = k.syscall(p, Sysno::mmap, [0, len, prot, flags, fd, off]);
    assert!(a > 0, "mmap: {a}");
    a as usize
}

/// `/tmp/f` with `data`, opened read-write.
fn file(k: &TestKernel, p: &Caller, data: &[u8]) -> usize {
    k.add_file("/tmp/f", data);
    k.open_ok(p, "/tmp/f", OpenFlags::RDWR.bits())
}

fn pread(k: &TestKernel, p: &Caller, fd: usize, off: usize, len: usize) -> Vec<u8> {
    let buf = 0x7000_0000;
    let n = k.syscall(p, Sysno::pread64, [fd, buf, len, off]);
    assert!(n >= 0, "pread: {n}");
    k.peek(p, buf, n as usize)
}

fn pwrite(k: &TestKernel, p: &Caller, fd: usize, off: usize, data: &[u8]) {
    let buf = 0x7000_0000;
    k.poke(p, buf, data);
    assert_eq!(k.syscall(p, Sysno::pwrite64, [fd, buf, data.len(), off]), data.len() as isize);
}

/// A process with a scratch page at 0x7000_0000 for pread/pwrite buffers.
fn spawn(k: &TestKernel) -> Caller {
    let p = k.spawn();
    let flags = MAP_PRIVATE | 0x20 | 0x10;
    assert_eq!(k.syscall(&p, Sysno::mmap, [0x7000_0000, 4 * P, RW, flags, usize::MAX, 0]), 0x7000_0000);
    p
}

#[test]
fn stores_through_a_shared_mapping_are_what_read_sees_and_writes_are_what_it_shows() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let fd = file(&k, &p, &[b'.'; 2 * P]);
    let a = mmap(&k, &p, 2 * P, RW, MAP_SHARED, fd, 0);
    k.poke(&p, a + P - 2, b"across");
    assert_eq!(pread(&k, &p, fd, P - 2, 6), b"across");
    pwrite(&k, &p, fd, 10, b"from write");
    assert_eq!(k.peek(&p, a + 10, 10), b"from write");
    // Two mappings of the file are the same memory.
    let b = mmap(&k, &p, P, PROT_READ, MAP_SHARED, fd, P);
    assert_eq!(k.peek(&p, b, 4), b"ross");
    // The size does not change by a store.
    let st = fs::path::lookup(&k.root, &k.root, "/tmp/f", true).unwrap().stat();
    assert_eq!(st.st_size, 2 * P as i64);
}

#[test]
fn a_shared_file_mapping_is_the_same_memory_in_a_fork_child_and_another_process() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let fd = file(&k, &p, &[0; P]);
    let a = mmap(&k, &p, P, RW, MAP_SHARED, fd, 0);
    let child = k.fork(&p);
    k.poke(&child, a, b"child");
    assert_eq!(k.peek(&p, a, 5), b"child");
    k.poke(&p, a + 5, b"+parent");
    assert_eq!(k.peek(&child, a, 12), b"child+parent");
    let other = spawn(&k);
    let ofd = k.open_ok(&other, "/tmp/f", OpenFlags::RDWR.bits());
    let o = mmap(&k, &other, P, RW, MAP_SHARED, ofd, 0);
    assert_eq!(k.peek(&other, o, 12), b"child+parent");
    assert_eq!(p.mm().frame_owners(a), child.mm().frame_owners(a));
}

#[test]
fn a_private_mapping_sees_the_file_until_it_writes_then_keeps_its_copy() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let fd = file(&k, &p, b"original contents");
    let a = mmap(&k, &p, P, RW, MAP_PRIVATE, fd, 0);
    assert_eq!(k.peek(&p, a, 8), b"original");
    pwrite(&k, &p, fd, 0, b"ORIGINAL");
    assert_eq!(k.peek(&p, a, 8), b"ORIGINAL", "an untouched private page is the file's page");
    k.poke(&p, a, b"private!");
    assert_eq!(pread(&k, &p, fd, 0, 8), b"ORIGINAL", "a private store never reaches the file");
    pwrite(&k, &p, fd, 9, b"CONTENTS");
    assert_eq!(k.peek(&p, a, 17), b"private! contents", "the copy no longer follows the file");
}

#[test]
fn a_page_wholly_past_the_end_of_the_file_is_sigbus_and_efault_for_a_copy() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let fd = file(&k, &p, &[7; 100]);
    let a = mmap(&k, &p, 2 * P, RW, MAP_SHARED, fd, 0);
    assert_eq!(k.peek(&p, a + 100, 8), [0; 8], "the rest of the last page reads zeros");
    assert_eq!(p.mm().handle_fault(a + P, Access::Read), Err(Errno::EIO));
    assert_eq!(p.mm().handle_fault(a + P, Access::Write), Err(Errno::EIO));
    // write(2) from the page past the end: EFAULT, as on Linux.
    assert_eq!(k.syscall(&p, Sysno::pwrite64, [fd, a + P, 8, 0]), err(Errno::EFAULT));
    // Growing the file makes the page reachable.
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [fd, 2 * P]), 0);
    assert_eq!(p.mm().handle_fault(a + P, Access::Write), Ok(()));
    k.poke(&p, a + P, b"grown");
    assert_eq!(pread(&k, &p, fd, P, 5), b"grown");
}

#[test]
fn a_file_that_shrinks_takes_its_pages_from_every_mapping_private_copies_included() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let fd = file(&k, &p, &[1; 3 * P]);
    let shared = mmap(&k, &p, 3 * P, RW, MAP_SHARED, fd, 0);
    let private = mmap(&k, &p, 3 * P, RW, MAP_PRIVATE, fd, 0);
    k.poke(&p, shared + 2 * P, b"s");
    k.poke(&p, private + 2 * P, b"p");
    let child = k.fork(&p);
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [fd, P + 10]), 0);
    for cx in [&p, &child] {
        for a in [shared, private] {
            assert_eq!(cx.mm().handle_fault(a + 2 * P, Access::Read), Err(Errno::EIO));
            assert_eq!(cx.mm().frame_owners(a + 2 * P), None);
            assert_eq!(k.peek(cx, a + P + 10, 4), [0; 4], "the tail of the last page is zeroed");
            assert_eq!(k.peek(cx, a, 2), [1, 1]);
        }
    }
}

#[test]
fn a_shared_mapping_of_a_file_opened_read_only_is_not_writable() {
    let k = TestKernel::new();
    let p = spawn(&k);
    k.add_file("/tmp/f", b"read only");
    let fd = k.open_ok(&p, "/tmp/f", 0);
    assert_eq!(k.syscall(&p, Sysno::mmap, [0, P, RW, MAP_SHARED, fd, 0]), err(Errno::EACCES));
    let a = mmap(&k, &p, P, PROT_READ, MAP_SHARED, fd, 0);
    assert_eq!(k.syscall(&p, Sysno::mprotect, [a, P, RW]), err(Errno::EACCES));
    // A private mapping of it may be written: the copy is the process's.
    let b = mmap(&k, &p, P, RW, MAP_PRIVATE, fd, 0);
    k.poke(&p, b, b"READ");
    assert_eq!(k.peek(&p, a, 9), b"read only");
}

#[test]
fn unmapping_keeps_what_was_stored_and_the_file_lives_while_mapped() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let fd = file(&k, &p, &[0; P]);
    let a = mmap(&k, &p, P, RW, MAP_SHARED, fd, 0);
    assert_eq!(k.syscall(&p, Sysno::close, [fd]), 0);
    assert_eq!(k.syscall(&p, Sysno::unlinkat, [usize::MAX - 99, k.poke_str(&p, 0x7000_1000, "/tmp/f"), 0]), 0);
    k.poke(&p, a, b"still here");
    assert_eq!(k.peek(&p, a, 10), b"still here");
    k.add_file("/tmp/g", b"");
    let fd = k.open_ok(&p, "/tmp/g", OpenFlags::RDWR.bits());
    pwrite(&k, &p, fd, 0, &[5; 64]);
    let b = mmap(&k, &p, P, RW, MAP_SHARED, fd, 0);
    k.poke(&p, b, b"kept");
    assert_eq!(k.syscall(&p, Sysno::munmap, [b, P]), 0);
    assert_eq!(pread(&k, &p, fd, 0, 6), b"kept\x05\x05");
}

const MS_ASYNC: usize = 1;
const MS_INVALIDATE: usize = 2;
const MS_SYNC: usize = 4;

#[test]
fn msync_checks_its_arguments_as_linux_and_syncs_shared_mappings() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let fd = file(&k, &p, &[0; 2 * P]);
    let a = mmap(&k, &p, 2 * P, RW, MAP_SHARED, fd, 0);
    k.poke(&p, a, b"synced");
    assert_eq!(k.syscall(&p, Sysno::msync, [a, 2 * P, MS_SYNC]), 0);
    assert_eq!(k.syscall(&p, Sysno::msync, [a, 1, MS_ASYNC | MS_INVALIDATE]), 0);
    assert_eq!(k.syscall(&p, Sysno::msync, [a, 0, MS_SYNC]), 0, "a zero length does nothing");
    assert_eq!(pread(&k, &p, fd, 0, 6), b"synced");
    assert_eq!(k.syscall(&p, Sysno::msync, [a, P, MS_SYNC | MS_ASYNC]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::msync, [a, P, 8]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::msync, [a + 1, P, MS_SYNC]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::msync, [a, usize::MAX - P, MS_SYNC]), err(Errno::ENOMEM));
    // Private and anonymous memory is fine; a hole is ENOMEM.
    assert_eq!(k.syscall(&p, Sysno::msync, [0x7000_0000, 4 * P, MS_SYNC]), 0);
    assert_eq!(k.syscall(&p, Sysno::munmap, [a + P, P]), 0);
    assert_eq!(k.syscall(&p, Sysno::msync, [a, 2 * P, MS_SYNC]), err(Errno::ENOMEM));
    assert_eq!(k.syscall(&p, Sysno::msync, [a, P, MS_SYNC]), 0);
}

#[test]
fn a_read_copies_from_the_cache_into_a_mapping_of_the_same_file_and_stops_at_a_page_past_its_end() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let fd = file(&k, &p, &[b'a'; P]);
    pwrite(&k, &p, fd, P - 4, b"tail");
    let a = mmap(&k, &p, 2 * P, RW, MAP_SHARED, fd, 0);
    // Into its own page: the same bytes (the page is source and destination).
    assert_eq!(k.syscall(&p, Sysno::pread64, [fd, a, P, 0]), P as isize);
    assert_eq!(k.peek(&p, a + P - 4, 4), b"tail");
    // From the middle of the file into the page past its end: what fits before it, then EFAULT.
    assert_eq!(k.syscall(&p, Sysno::pread64, [fd, a + P - 8, 64, 0]), 8);
    assert_eq!(k.peek(&p, a + P - 8, 8), b"aaaaaaaa");
    assert_eq!(k.syscall(&p, Sysno::pread64, [fd, a + P, 64, 0]), err(Errno::EFAULT));
    // A hole reads as zeros and is not made by reading.
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [fd, 4 * P]), 0);
    k.poke(&p, 0x7000_0000, &[9; 16]);
    assert_eq!(k.syscall(&p, Sysno::pread64, [fd, 0x7000_0000, 16, 3 * P]), 16);
    assert_eq!(k.peek(&p, 0x7000_0000, 16), [0; 16]);
    let st = fs::path::lookup(&k.root, &k.root, "/tmp/f", true).unwrap().stat();
    assert_eq!(st.st_blocks, 8, "one page of data: the hole stays a hole");
    // read(2) moves the offset by what it read. (The read into the mapping above changed the
    // file's last bytes: the mapping is the file.)
    assert_eq!(k.peek(&p, a + P - 4, 4), b"aaaa");
    pwrite(&k, &p, fd, P - 4, b"tail");
    assert_eq!(k.syscall(&p, Sysno::lseek, [fd, P - 4, 0]), (P - 4) as isize);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, 0x7000_0000, 4]), 4);
    assert_eq!(k.peek(&p, 0x7000_0000, 4), b"tail");
    assert_eq!(k.syscall(&p, Sysno::lseek, [fd, 0, 1]), P as isize);
}
