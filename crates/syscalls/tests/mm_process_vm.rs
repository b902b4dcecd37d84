//! process_vm_readv / process_vm_writev between two processes through the dispatcher.
use abi::structs::Iovec;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const IOV: usize = SCRATCH + 0xe_0000;
const RIOV: usize = SCRATCH + 0xe_1000;

fn put_iov(k: &TestKernel, p: &Caller, at: usize, v: &[Iovec]) {
    k.poke(p, at, bytemuck::cast_slice(v));
}

#[test]
fn readv_and_writev_copy_between_processes_across_segments() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    k.poke(&child, SCRATCH + 0x100, b"hello, world");
    put_iov(&k, &p, IOV, &[Iovec { base: SCRATCH, len: 5 }, Iovec { base: SCRATCH + 0x10, len: 7 }]);
    put_iov(&k, &p, RIOV, &[Iovec { base: SCRATCH + 0x100, len: 12 }]);
    let pid = child.process().pid;
    assert_eq!(k.syscall(&p, Sysno::process_vm_readv, [pid, IOV, 2, RIOV, 1, 0]), 12);
    assert_eq!(k.peek(&p, SCRATCH, 5), b"hello");
    assert_eq!(k.peek(&p, SCRATCH + 0x10, 7), b", world");
    k.poke(&p, SCRATCH, b"HELLO");
    assert_eq!(k.syscall(&p, Sysno::process_vm_writev, [pid, IOV, 1, RIOV, 1, 0]), 5);
    assert_eq!(k.peek(&child, SCRATCH + 0x100, 12), b"HELLO, world");
    assert_eq!(k.peek(&p, SCRATCH + 0x100, 5), [0; 5], "the caller's own memory is untouched");
}

#[test]
fn a_fault_in_the_other_process_stops_the_copy_at_its_page() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    let pid = child.process().pid;
    // 8 bytes before the end of the scratch area, then unmapped memory.
    let end = SCRATCH + SCRATCH_LEN;
    put_iov(&k, &p, IOV, &[Iovec { base: SCRATCH, len: 32 }]);
    put_iov(&k, &p, RIOV, &[Iovec { base: end - 8, len: 32 }]);
    assert_eq!(k.syscall(&p, Sysno::process_vm_readv, [pid, IOV, 1, RIOV, 1, 0]), 8);
    put_iov(&k, &p, RIOV, &[Iovec { base: UNMAPPED, len: 32 }]);
    assert_eq!(k.syscall(&p, Sysno::process_vm_readv, [pid, IOV, 1, RIOV, 1, 0]), EFAULT);
}

#[test]
fn process_vm_errors_are_linuxs() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    let pid = child.process().pid;
    put_iov(&k, &p, IOV, &[Iovec { base: SCRATCH, len: 4 }]);
    put_iov(&k, &p, RIOV, &[Iovec { base: SCRATCH, len: 4 }]);
    assert_eq!(k.syscall(&p, Sysno::process_vm_readv, [pid, IOV, 1, RIOV, 1, 1]), EINVAL, "flags");
    assert_eq!(k.syscall(&p, Sysno::process_vm_readv, [pid, IOV, 1025, RIOV, 1, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::process_vm_readv, [pid, IOV, 0, RIOV, 1, 0]), 0, "nothing to copy");
    assert_eq!(k.syscall(&p, Sysno::process_vm_readv, [99_999, IOV, 1, RIOV, 1, 0]), ESRCH);
    put_iov(&k, &p, IOV + 64, &[Iovec { base: SCRATCH, len: usize::MAX }]);
    assert_eq!(k.syscall(&p, Sysno::process_vm_readv, [pid, IOV + 64, 1, RIOV, 1, 0]), EINVAL, "a negative length");
    // Another user's process: EPERM.
    let other = k.fork(&p);
    assert_eq!(k.syscall(&other, Sysno::setresuid, [1000, 1000, 1000]), 0);
    assert_eq!(k.syscall(&other, Sysno::process_vm_writev, [pid, IOV, 1, RIOV, 1, 0]), EPERM);
}
