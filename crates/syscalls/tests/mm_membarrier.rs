//! membarrier(2) through the dispatch table: Linux 6.1 riscv64's answers.
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;

const QUERY: usize = 0;
const GLOBAL: usize = 1;
const GLOBAL_EXPEDITED: usize = 2;
const REGISTER_GLOBAL_EXPEDITED: usize = 4;
const PRIVATE_EXPEDITED: usize = 8;
const REGISTER_PRIVATE_EXPEDITED: usize = 16;
const PRIVATE_EXPEDITED_SYNC_CORE: usize = 32;
const REGISTER_PRIVATE_EXPEDITED_SYNC_CORE: usize = 64;
const PRIVATE_EXPEDITED_RSEQ: usize = 128;

#[test]
fn query_lists_the_supported_commands() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::membarrier, [QUERY, 0, 0]), 0b11111);
    assert_eq!(k.syscall(&p, Sysno::membarrier, [GLOBAL, 0, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::membarrier, [GLOBAL_EXPEDITED, 0, 0]), 0);
}

#[test]
fn private_expedited_needs_registration_which_a_fork_does_not_keep() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::membarrier, [PRIVATE_EXPEDITED, 0, 0]), EPERM);
    assert_eq!(k.syscall(&p, Sysno::membarrier, [REGISTER_GLOBAL_EXPEDITED, 0, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::membarrier, [PRIVATE_EXPEDITED, 0, 0]), EPERM, "the other registration");
    assert_eq!(k.syscall(&p, Sysno::membarrier, [REGISTER_PRIVATE_EXPEDITED, 0, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::membarrier, [PRIVATE_EXPEDITED, 0, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::membarrier, [REGISTER_PRIVATE_EXPEDITED, 0, 0]), 0, "again");
    let child = k.fork(&p);
    assert_eq!(k.syscall(&child, Sysno::membarrier, [PRIVATE_EXPEDITED, 0, 0]), EPERM);
    assert_eq!(k.syscall(&p, Sysno::membarrier, [PRIVATE_EXPEDITED, 0, 0]), 0);
}

#[test]
fn flags_and_unsupported_commands_are_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    for cmd in [
        PRIVATE_EXPEDITED_SYNC_CORE,
        REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
        PRIVATE_EXPEDITED_RSEQ,
        256,
        3,
        512,
        usize::MAX,
    ] {
        assert_eq!(k.syscall(&p, Sysno::membarrier, [cmd, 0, 0]), EINVAL, "cmd {cmd}");
    }
    assert_eq!(k.syscall(&p, Sysno::membarrier, [QUERY, 1, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::membarrier, [PRIVATE_EXPEDITED_RSEQ, 1, 0]), EINVAL, "no RSEQ");
    assert_eq!(k.syscall(&p, Sysno::membarrier, [GLOBAL, 0, 7]), 0, "cpu_id ignored without the flag");
}
