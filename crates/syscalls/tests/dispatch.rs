//! The dispatch table and trap-frame decoding, tested without an emulator.
use syscalls::testing::*;
use syscalls::{Errno, Sysno};

#[test]
fn unknown_numbers_are_enosys_not_a_panic() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno(9999), []), Errno::ENOSYS.as_ret());
    // A real Linux syscall we do not implement yet is ENOSYS too.
    assert_eq!(k.syscall(&p, Sysno::io_setup, [1, SCRATCH]), -38);
}

#[test]
fn getpid_goes_through_the_table() {
    let k = TestKernel::new();
    let p = k.spawn();
    let pid = k.syscall(&p, Sysno::getpid, []);
    assert_eq!(pid as usize, p.process().pid);
    assert!(pid > 0);
}

#[test]
fn an_ecall_is_decoded_from_registers_and_answered_in_a0() {
    let k = TestKernel::new();
    let p = k.spawn();
    {
        let mut ctx = p.thread().ctx.lock();
        ctx.sepc = 0x1_0000;
        ctx.x[17] = Sysno::getpid.0; // a7
        ctx.x[10] = 0xdead; // a0 is overwritten by the result
    }
    task::executor::block_on(syscalls::handle_syscall(&p));
    let ctx = p.thread().ctx.lock();
    assert_eq!(ctx.x[10], p.process().pid);
    assert_eq!(ctx.sepc, 0x1_0004, "pc steps over the 4-byte ecall");
}

#[test]
fn an_unknown_ecall_leaves_minus_enosys_in_a0() {
    let k = TestKernel::new();
    let p = k.spawn();
    p.thread().ctx.lock().x[17] = 5000;
    task::executor::block_on(syscalls::handle_syscall(&p));
    assert_eq!(p.thread().ctx.lock().x[10] as isize, -38);
}
