//! mincore, the mlock family, MAP_POPULATE, fadvise64 and readahead, checked against Linux
//! 6.1's mm/mincore.c, mm/mlock.c, mm/fadvise.c and mm/readahead.c.
use abi::flags::OpenFlags;
use syscalls::testing::*;
use syscalls::{Caller, Errno, Sysno};

const P: usize = 4096;
const RW: usize = 3;
const MAP_SHARED: usize = 0x01;
const ANON: usize = 0x22;
const MAP_POPULATE: usize = 0x8000;
const VEC: usize = 0x7000_0000;

fn err(e: Errno) -> isize {
    -(e as isize)
}

fn spawn(k: &TestKernel) -> Caller {
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::mmap, [VEC, 4 * P, RW, ANON | 0x10, usize::MAX, 0]), VEC as isize);
    p
}

fn map(k: &TestKernel, p: &Caller, len: usize, flags: usize, fd: usize) -> usize {
    let a = k.syscall(p, Sysno::mmap, [0, len, RW, flags, fd, 0]);
    assert!(a > 0, "mmap: {a}");
    a as usize
}

fn mincore(k: &TestKernel, p: &Caller, addr: usize, pages: usize) -> Vec<u8> {
    assert_eq!(k.syscall(p, Sysno::mincore, [addr, pages * P, VEC]), 0);
    k.peek(p, VEC, pages)
}

#[test]
fn mincore_shows_touched_pages_and_file_pages_in_the_cache() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let a = map(&k, &p, 4 * P, ANON, usize::MAX);
    k.poke(&p, a + P, b"x");
    k.poke(&p, a + 3 * P, b"y");
    assert_eq!(mincore(&k, &p, a, 4), [0, 1, 0, 1]);
    // A file's page read by read(2) (in its cache) shows in a mapping nobody touched.
    k.add_file("/tmp/f", &[1; 3 * P]);
    let fd = k.open_ok(&p, "/tmp/f", OpenFlags::RDWR.bits());
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [fd, 4 * P]), 0);
    let f = map(&k, &p, 4 * P, MAP_SHARED, fd);
    assert_eq!(mincore(&k, &p, f, 4), [1, 1, 1, 0], "the last page is a hole");
}

#[test]
fn mincore_checks_its_arguments_as_linux() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let a = map(&k, &p, 2 * P, ANON, usize::MAX);
    assert_eq!(k.syscall(&p, Sysno::mincore, [a + 1, P, VEC]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::mincore, [a, 3 * P, VEC]), err(Errno::ENOMEM), "past the mapping");
    assert_eq!(k.syscall(&p, Sysno::mincore, [a, usize::MAX - P, VEC]), err(Errno::ENOMEM));
    assert_eq!(k.syscall(&p, Sysno::mincore, [a, P, 8]), err(Errno::EFAULT));
    assert_eq!(k.syscall(&p, Sysno::mincore, [a, 0, VEC]), 0);
    // A big range is written in batches: a vector that ends in an unmapped page is EFAULT.
    let big = map(&k, &p, 2048 * P, ANON, usize::MAX);
    k.poke(&p, big + 1500 * P, b"z");
    assert_eq!(k.syscall(&p, Sysno::munmap, [VEC + P, 3 * P]), 0);
    assert_eq!(k.syscall(&p, Sysno::mincore, [big, 2048 * P, VEC + P - 1000]), err(Errno::EFAULT));
    let vec = map(&k, &p, P, ANON, usize::MAX);
    assert_eq!(k.syscall(&p, Sysno::mincore, [big, 2048 * P, vec]), 0);
    let got = k.peek(&p, vec, 2048);
    assert_eq!(got.iter().map(|&b| b as usize).sum::<usize>(), 1);
    assert_eq!(got[1500], 1);
}

#[test]
fn mlock_faults_the_range_in_and_needs_it_mapped() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let a = map(&k, &p, 4 * P, ANON, usize::MAX);
    assert_eq!(k.syscall(&p, Sysno::mlock, [a + 10, P]), 0, "the start is rounded down");
    assert_eq!(mincore(&k, &p, a, 4), [1, 1, 0, 0], "two pages: the range crosses into the second");
    assert_eq!(k.syscall(&p, Sysno::mlock2, [a + 2 * P, P, 1]), 0, "MLOCK_ONFAULT");
    assert_eq!(mincore(&k, &p, a, 4), [1, 1, 0, 0]);
    assert_eq!(k.syscall(&p, Sysno::mlock2, [a, P, 2]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::mlock, [a, 5 * P]), err(Errno::ENOMEM));
    assert_eq!(k.syscall(&p, Sysno::munlock, [a, 4 * P]), 0);
    assert_eq!(k.syscall(&p, Sysno::munlock, [a, 5 * P]), err(Errno::ENOMEM));
    assert_eq!(k.syscall(&p, Sysno::mlock, [a, usize::MAX]), err(Errno::ENOMEM));
    for (flags, want) in
        [(0, err(Errno::EINVAL)), (4, err(Errno::EINVAL)), (8, err(Errno::EINVAL)), (1, 0), (3, 0), (5, 0)]
    {
        assert_eq!(k.syscall(&p, Sysno::mlockall, [flags]), want, "mlockall({flags})");
    }
    assert_eq!(k.syscall(&p, Sysno::munlockall, []), 0);
}

#[test]
fn map_populate_faults_the_pages_in_private_ones_as_copies() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let a = map(&k, &p, 3 * P, ANON | MAP_POPULATE, usize::MAX);
    assert_eq!(mincore(&k, &p, a, 3), [1, 1, 1]);
    assert_eq!(p.mm().frame_owners(a), Some(1));
    k.add_file("/tmp/f", &[5; P + 1]);
    let fd = k.open_ok(&p, "/tmp/f", OpenFlags::RDWR.bits());
    // Private and writable: its own copies at once; the page past the end is skipped.
    let f = map(&k, &p, 3 * P, 0x02 | MAP_POPULATE, fd);
    assert_eq!(p.mm().frame_owners(f), Some(1), "a copy, not the cache's page");
    assert_eq!(k.peek(&p, f, 2), [5, 5]);
    assert_eq!(p.mm().frame_owners(f + 2 * P), None);
}

#[test]
fn fadvise_and_readahead_check_their_arguments_as_linux() {
    let k = TestKernel::new();
    let p = spawn(&k);
    k.add_file("/tmp/f", &[1; 3 * P]);
    let fd = k.open_ok(&p, "/tmp/f", OpenFlags::RDWR.bits());
    for advice in 0..=5 {
        assert_eq!(k.syscall(&p, Sysno::fadvise64, [fd, 0, 0, advice]), 0, "advice {advice}");
    }
    assert_eq!(k.syscall(&p, Sysno::fadvise64, [fd, 0, 0, 6]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::fadvise64, [fd, 0, usize::MAX, 3]), err(Errno::EINVAL), "a negative length");
    assert_eq!(k.syscall(&p, Sysno::fadvise64, [99, 0, 0, 3]), err(Errno::EBADF));
    assert_eq!(k.syscall(&p, Sysno::pipe2, [VEC, 0]), 0);
    let rd = k.peek_val::<i32>(&p, VEC) as usize;
    assert_eq!(k.syscall(&p, Sysno::fadvise64, [rd, 0, 0, 3]), err(Errno::ESPIPE));
    assert_eq!(k.syscall(&p, Sysno::readahead, [fd, 0, 3 * P]), 0);
    assert_eq!(k.syscall(&p, Sysno::readahead, [rd, 0, P]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::readahead, [fd, usize::MAX, P]), err(Errno::EINVAL));
    let wr = k.open_ok(&p, "/tmp/f", OpenFlags::WRONLY.bits());
    assert_eq!(k.syscall(&p, Sysno::readahead, [wr, 0, P]), err(Errno::EBADF));
    assert_eq!(k.syscall(&p, Sysno::readahead, [99, 0, P]), err(Errno::EBADF));
}
