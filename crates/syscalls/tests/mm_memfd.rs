//! memfd_create(2) and file seals (F_ADD_SEALS, F_GET_SEALS), checked against Linux 6.1's
//! mm/memfd.c and shmem.
use abi::flags::*;
use syscalls::testing::*;
use syscalls::{Caller, Errno, Sysno};

const P: usize = 4096;
const RW: usize = 3;
const MAP_SHARED: usize = 0x01;
const MAP_PRIVATE: usize = 0x02;
const BUF: usize = 0x7000_0000;

fn err(e: Errno) -> isize {
    -(e as isize)
}

fn spawn(k: &TestKernel) -> Caller {
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::mmap, [BUF, 4 * P, RW, MAP_PRIVATE | 0x30, usize::MAX, 0]), BUF as isize);
    p
}

fn memfd(k: &TestKernel, p: &Caller, name: &str, flags: u32) -> isize {
    k.poke_str(p, BUF + 3 * P, name);
    k.syscall(p, Sysno::memfd_create, [BUF + 3 * P, flags as usize])
}

fn write(k: &TestKernel, p: &Caller, fd: usize, data: &[u8]) -> isize {
    k.poke(p, BUF, data);
    k.syscall(p, Sysno::write, [fd, BUF, data.len()])
}

#[test]
fn a_memfd_is_an_unnamed_read_write_file_shown_as_deleted() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let fd = memfd(&k, &p, "pool", MFD_CLOEXEC) as usize;
    assert_eq!(fd, 3);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, F_GETFD as usize]), 1, "MFD_CLOEXEC");
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, F_GETFL as usize]), 0o100002, "O_RDWR | O_LARGEFILE");
    assert_eq!(write(&k, &p, fd, b"hello"), 5);
    assert_eq!(k.syscall(&p, Sysno::fstat, [fd, BUF + P]), 0);
    let st: abi::structs::Stat = k.peek_val(&p, BUF + P);
    assert_eq!((st.st_mode, st.st_nlink, st.st_size), (S_IFREG | 0o777, 0, 5));
    assert_eq!(p.file(fd as i32).unwrap().path, "/memfd:pool (deleted)", "as /proc/<pid>/fd shows it");
    // Without MFD_CLOEXEC the descriptor stays open across exec.
    let fd = memfd(&k, &p, "", 0) as usize;
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, F_GETFD as usize]), 0);
}

#[test]
fn memfd_create_refuses_unknown_flags_long_names_and_bad_pointers() {
    let k = TestKernel::new();
    let p = spawn(&k);
    assert_eq!(memfd(&k, &p, "x", 0x8), err(Errno::EINVAL));
    assert_eq!(memfd(&k, &p, "x", 0x100), err(Errno::EINVAL));
    assert_eq!(memfd(&k, &p, "x", MFD_HUGETLB), err(Errno::ENOSYS), "no hugetlbfs");
    assert_eq!(memfd(&k, &p, &"n".repeat(249), 0), 3);
    assert_eq!(memfd(&k, &p, &"n".repeat(250), 0), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::memfd_create, [0, 0]), err(Errno::EFAULT));
}

#[test]
fn a_memfd_shared_mapping_is_shared_with_a_fork_child_and_follows_ftruncate() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let fd = memfd(&k, &p, "shm", 0) as usize;
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [fd, 2 * P]), 0);
    let a = k.syscall(&p, Sysno::mmap, [0, 2 * P, RW, MAP_SHARED, fd, 0]) as usize;
    let child = k.fork(&p);
    k.poke(&child, a + P, b"from the child");
    assert_eq!(k.peek(&p, a + P, 14), b"from the child");
    assert_eq!(k.syscall(&p, Sysno::pread64, [fd, BUF, 14, P]), 14);
    assert_eq!(k.peek(&p, BUF, 14), b"from the child");
}

#[test]
fn seals_are_for_memfds_made_sealable_and_cannot_be_added_once_sealed() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let plain = memfd(&k, &p, "plain", 0) as usize;
    assert_eq!(k.syscall(&p, Sysno::fcntl, [plain, F_GET_SEALS as usize]), F_SEAL_SEAL as isize);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [plain, F_ADD_SEALS as usize, F_SEAL_GROW as usize]), err(Errno::EPERM));
    let fd = memfd(&k, &p, "sealable", MFD_ALLOW_SEALING) as usize;
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, F_GET_SEALS as usize]), 0);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, F_ADD_SEALS as usize, 0x20]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, F_ADD_SEALS as usize, (F_SEAL_SHRINK | F_SEAL_SEAL) as usize]), 0);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, F_GET_SEALS as usize]), (F_SEAL_SHRINK | F_SEAL_SEAL) as isize);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, F_ADD_SEALS as usize, F_SEAL_GROW as usize]), err(Errno::EPERM));
    // Files of the file system have no seals.
    k.add_file("/tmp/f", b"");
    let f = k.open_ok(&p, "/tmp/f", 2);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [f, F_GET_SEALS as usize]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::fcntl, [f, F_ADD_SEALS as usize, F_SEAL_GROW as usize]), err(Errno::EINVAL));
}

#[test]
fn size_seals_refuse_shrinking_and_growing_by_truncate_and_write() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let fd = memfd(&k, &p, "s", MFD_ALLOW_SEALING) as usize;
    assert_eq!(write(&k, &p, fd, &[1; 100]), 100);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, F_ADD_SEALS as usize, (F_SEAL_SHRINK | F_SEAL_GROW) as usize]), 0);
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [fd, 50]), err(Errno::EPERM));
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [fd, 200]), err(Errno::EPERM));
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [fd, 100]), 0);
    assert_eq!(write(&k, &p, fd, b"x"), err(Errno::EPERM), "at the end: it would grow");
    k.poke(&p, BUF, b"ok");
    assert_eq!(k.syscall(&p, Sysno::pwrite64, [fd, BUF, 2, 10]), 2, "inside: fine");
    // fallocate past the end is growing, even with KEEP_SIZE; inside it is fine.
    assert_eq!(k.syscall(&p, Sysno::fallocate, [fd, 0, 0, 200]), err(Errno::EPERM));
    assert_eq!(k.syscall(&p, Sysno::fallocate, [fd, 1, 0, 200]), err(Errno::EPERM));
    assert_eq!(k.syscall(&p, Sysno::fallocate, [fd, 0, 0, 100]), 0);
}

#[test]
fn a_write_seal_refuses_writes_and_writable_shared_mappings_and_waits_for_none() {
    let k = TestKernel::new();
    let p = spawn(&k);
    let fd = memfd(&k, &p, "w", MFD_ALLOW_SEALING) as usize;
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [fd, P]), 0);
    let a = k.syscall(&p, Sysno::mmap, [0, P, RW, MAP_SHARED, fd, 0]) as usize;
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, F_ADD_SEALS as usize, F_SEAL_WRITE as usize]), err(Errno::EBUSY));
    assert_eq!(k.syscall(&p, Sysno::munmap, [a, P]), 0);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, F_ADD_SEALS as usize, F_SEAL_WRITE as usize]), 0);
    assert_eq!(write(&k, &p, fd, b"x"), err(Errno::EPERM));
    assert_eq!(k.syscall(&p, Sysno::mmap, [0, P, RW, MAP_SHARED, fd, 0]), err(Errno::EPERM));
    let r = k.syscall(&p, Sysno::mmap, [0, P, 1, MAP_SHARED, fd, 0]) as usize;
    assert_eq!(k.syscall(&p, Sysno::mprotect, [r, P, RW]), err(Errno::EACCES));
    assert!(k.syscall(&p, Sysno::mmap, [0, P, RW, MAP_PRIVATE, fd, 0]) > 0, "a private mapping is fine");
    // fallocate changes no byte: a write seal does not stop it.
    assert_eq!(k.syscall(&p, Sysno::fallocate, [fd, 0, 0, 2 * P]), 0);
}
