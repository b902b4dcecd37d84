//! The sched_* family and getcpu through the dispatcher; values and errors as Linux 6.1 gives
//! them (kernel/sched/core.c), checked with C programs.
use syscalls::testing::*;
use syscalls::{Errno, Sysno};

const BUF: usize = SCRATCH;

fn err(e: Errno) -> isize {
    -(e as isize)
}

#[test]
fn priority_ranges_per_policy() {
    let k = TestKernel::new();
    let p = k.spawn();
    for (policy, max, min) in [(0, 0, 0), (1, 99, 1), (2, 99, 1), (3, 0, 0), (5, 0, 0), (6, 0, 0)] {
        assert_eq!(k.syscall(&p, Sysno::sched_get_priority_max, [policy]), max, "policy {policy}");
        assert_eq!(k.syscall(&p, Sysno::sched_get_priority_min, [policy]), min, "policy {policy}");
    }
    assert_eq!(k.syscall(&p, Sysno::sched_get_priority_max, [4]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::sched_get_priority_min, [usize::MAX]), err(Errno::EINVAL));
}

#[test]
fn setscheduler_records_policy_and_priority() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::sched_getscheduler, [0]), 0);
    k.poke(&p, BUF, &50i32.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::sched_setscheduler, [0, 2, BUF]), 0);
    assert_eq!(k.syscall(&p, Sysno::sched_getscheduler, [0]), 2);
    assert_eq!(k.syscall(&p, Sysno::sched_getparam, [0, BUF + 8]), 0);
    assert_eq!(k.peek_val::<i32>(&p, BUF + 8), 50);
    assert_eq!(k.syscall(&p, Sysno::sched_rr_get_interval, [0, BUF + 16]), 0);
    assert_eq!(k.peek_val::<[i64; 2]>(&p, BUF + 16), [0, 100_000_000]);
    // sched_setparam keeps the policy; 0 is out of SCHED_RR's range.
    k.poke(&p, BUF, &0i32.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::sched_setparam, [0, BUF]), err(Errno::EINVAL));
    k.poke(&p, BUF, &1i32.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::sched_setscheduler, [0, 0, BUF]), err(Errno::EINVAL), "SCHED_OTHER takes 0");
    assert_eq!(k.syscall(&p, Sysno::sched_setscheduler, [0, 4, BUF]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::sched_setscheduler, [usize::MAX, 0, BUF]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::sched_setscheduler, [99999, 1, BUF]), err(Errno::ESRCH));
    assert_eq!(k.syscall(&p, Sysno::sched_getscheduler, [99999]), err(Errno::ESRCH));
    // A child inherits the policy, unless SCHED_RESET_ON_FORK.
    assert_eq!(k.syscall(&p, Sysno::sched_setscheduler, [0, 1 | 0x4000_0000, BUF]), 0);
    assert_eq!(k.syscall(&p, Sysno::sched_getscheduler, [0]), 0x4000_0001);
    let child = k.fork(&p);
    assert_eq!(k.syscall(&child, Sysno::sched_getscheduler, [0]), 0);
}

#[test]
fn a_user_cannot_take_real_time_priority_nor_change_others() {
    let k = TestKernel::new();
    let root = k.spawn();
    let p = k.fork(&root);
    assert_eq!(k.syscall(&p, Sysno::setuid, [1000]), 0);
    k.poke(&p, BUF, &10i32.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::sched_setscheduler, [0, 1, BUF]), err(Errno::EPERM));
    k.poke(&p, BUF, &0i32.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::sched_setscheduler, [0, 3, BUF]), 0, "SCHED_BATCH is fine");
    let root_tid = root.thread().tid;
    assert_eq!(k.syscall(&p, Sysno::sched_setscheduler, [root_tid, 0, BUF]), err(Errno::EPERM));
    assert_eq!(k.syscall(&p, Sysno::sched_getscheduler, [root_tid]), 0, "reading is allowed");
}

#[test]
fn getcpu_is_cpu_zero_node_zero() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, BUF, &[0xff; 8]);
    assert_eq!(k.syscall(&p, Sysno::getcpu, [BUF, BUF + 4, 0]), 0);
    assert_eq!(k.peek_val::<[u32; 2]>(&p, BUF), [0, 0]);
    assert_eq!(k.syscall(&p, Sysno::getcpu, [0, 0, 0]), 0);
}
