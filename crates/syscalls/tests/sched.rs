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
fn a_zombie_is_found_with_the_policy_it_ended_with_until_reaped() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    let pid = child.process().pid;
    k.poke(&child, BUF, &10i32.to_le_bytes());
    assert_eq!(k.syscall(&child, Sysno::sched_setscheduler, [0, 1, BUF]), 0);
    k.syscall(&child, Sysno::exit, [0]);
    assert!(child.process().is_zombie());
    assert_eq!(k.syscall(&p, Sysno::sched_getscheduler, [pid]), 1);
    assert_eq!(k.syscall(&p, Sysno::sched_getparam, [pid, BUF + 8]), 0);
    assert_eq!(k.peek_val::<i32>(&p, BUF + 8), 10);
    assert_eq!(k.syscall(&p, Sysno::wait4, [pid, 0, 0, 0]), pid as isize);
    assert_eq!(k.syscall(&p, Sysno::sched_getscheduler, [pid]), err(Errno::ESRCH));
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
    let root_tid = root.thread().tid();
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

/// `struct sched_attr` as bytes: size, policy, flags, nice, priority, runtime, deadline, period.
#[allow(clippy::too_many_arguments)]
fn attr(size: u32, policy: u32, flags: u64, nice: i32, prio: u32, runtime: u64, deadline: u64, period: u64) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&size.to_le_bytes());
    v.extend_from_slice(&policy.to_le_bytes());
    v.extend_from_slice(&flags.to_le_bytes());
    v.extend_from_slice(&nice.to_le_bytes());
    v.extend_from_slice(&prio.to_le_bytes());
    for x in [runtime, deadline, period] {
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.extend_from_slice(&[0; 8]);
    v
}

const MS: u64 = 1_000_000;

#[test]
fn setattr_deadline_round_trips_through_getattr() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, BUF, &attr(48, 6, 0, 0, 0, 10 * MS, 30 * MS, 30 * MS));
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::sched_getscheduler, [0]), 6);
    k.poke(&p, BUF + 256, &[0xaa; 64]);
    assert_eq!(k.syscall(&p, Sysno::sched_getattr, [0, BUF + 256, 56, 0]), 0);
    assert_eq!(k.peek(&p, BUF + 256, 56), attr(56, 6, 0, 0, 0, 10 * MS, 30 * MS, 30 * MS));
    assert_eq!(k.peek(&p, BUF + 256 + 56, 8), [0xaa; 8], "nothing past the kernel's struct");
    // A shorter buffer gets the first version, its size saying so.
    k.poke(&p, BUF + 256, &[0xaa; 64]);
    assert_eq!(k.syscall(&p, Sysno::sched_getattr, [0, BUF + 256, 48, 0]), 0);
    assert_eq!(k.peek(&p, BUF + 256, 48), attr(48, 6, 0, 0, 0, 10 * MS, 30 * MS, 30 * MS)[..48]);
    assert_eq!(k.peek(&p, BUF + 256 + 48, 8), [0xaa; 8]);
    // A deadline thread cannot fork (its reservation cannot be split).
    assert_eq!(k.syscall(&p, Sysno::clone, [17, 0, 0, 0, 0]), err(Errno::EAGAIN));
    // Back to SCHED_OTHER with a nice value: getattr reports the nice value.
    k.poke(&p, BUF, &attr(0, 0, 0, 7, 0, 0, 0, 0));
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::getpriority, [0, 0]), 13, "the raw call returns 20 - nice");
    assert_eq!(k.syscall(&p, Sysno::sched_getattr, [0, BUF + 256, 56, 0]), 0);
    assert_eq!(k.peek(&p, BUF + 256, 56), attr(56, 0, 0, 7, 0, 0, 0, 0));
    // The nice value is clamped, as Linux does; KEEP_PARAMS keeps it while changing policy.
    k.poke(&p, BUF, &attr(48, 3, 0x10, -40, 0, 0, 0, 0));
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::getpriority, [0, 0]), 13);
    k.poke(&p, BUF, &attr(48, 0, 0, -40, 0, 0, 0, 0));
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::getpriority, [0, 0]), 40);
}

#[test]
fn setattr_and_getattr_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    let ok = attr(48, 1, 0, 0, 10, 0, 0, 0);
    k.poke(&p, BUF, &ok);
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 1]), err(Errno::EINVAL), "flags");
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, 0, 0]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [usize::MAX, BUF, 0]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [99999, BUF, 0]), err(Errno::ESRCH));
    // A size under the first version's is E2BIG, the kernel's size written back.
    k.poke(&p, BUF, &attr(40, 1, 0, 0, 10, 0, 0, 0));
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 0]), err(Errno::E2BIG));
    assert_eq!(k.peek_val::<u32>(&p, BUF), 56);
    // A longer struct is fine while the bytes past the known ones are zero.
    let mut long = attr(64, 1, 0, 0, 10, 0, 0, 0);
    long.extend_from_slice(&[0; 8]);
    k.poke(&p, BUF, &long);
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 0]), 0);
    long[60] = 1;
    k.poke(&p, BUF, &long);
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 0]), err(Errno::E2BIG));
    // Unknown policy or flag, a priority outside the policy's range, bad deadline parameters.
    for bad in [
        attr(48, 4, 0, 0, 0, 0, 0, 0),
        attr(48, 0x8000_0000, 0, 0, 0, 0, 0, 0),
        attr(48, 0, 0x80, 0, 0, 0, 0, 0),
        attr(48, 1, 0, 0, 100, 0, 0, 0),
        attr(48, 0, 0, 0, 1, 0, 0, 0),
        attr(48, 6, 0, 0, 0, 20 * MS, 10 * MS, 30 * MS),
        attr(48, 6, 0, 0, 0, 100, 10 * MS, 30 * MS),
        attr(48, 6, 0, 0, 0, MS, 30 * MS, 10 * MS),
        attr(48, 6, 0, 0, 0, 10_000, 50_000, 50_000),
    ] {
        k.poke(&p, BUF, &bad);
        assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 0]), err(Errno::EINVAL), "{bad:?}");
    }
    // Utilization clamps need the second version, and this kernel has none.
    k.poke(&p, BUF, &attr(48, 0, 0x20, 0, 0, 0, 0, 0));
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 0]), err(Errno::EINVAL));
    k.poke(&p, BUF, &attr(56, 0, 0x20, 0, 0, 0, 0, 0));
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 0]), err(Errno::EOPNOTSUPP));
    // More than the CPU's 95 % for deadline threads.
    k.poke(&p, BUF, &attr(48, 6, 0, 0, 0, 10 * MS, 10 * MS, 10 * MS));
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 0]), err(Errno::EBUSY));
    for (size, flags) in [(47, 0), (4097, 0), (56, 1)] {
        assert_eq!(k.syscall(&p, Sysno::sched_getattr, [0, BUF, size, flags]), err(Errno::EINVAL), "{size} {flags}");
    }
    assert_eq!(k.syscall(&p, Sysno::sched_getattr, [0, 0, 56, 0]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::sched_getattr, [99999, BUF, 56, 0]), err(Errno::ESRCH));
}

#[test]
fn a_user_cannot_take_deadline_nor_lower_nice() {
    let k = TestKernel::new();
    let root = k.spawn();
    let p = k.fork(&root);
    assert_eq!(k.syscall(&p, Sysno::setuid, [1000]), 0);
    k.poke(&p, BUF, &attr(48, 6, 0, 0, 0, 10 * MS, 30 * MS, 30 * MS));
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 0]), err(Errno::EPERM));
    k.poke(&p, BUF, &attr(48, 0, 0, 5, 0, 0, 0, 0));
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 0]), 0, "raising nice is fine");
    k.poke(&p, BUF, &attr(48, 0, 0, 0, 0, 0, 0, 0));
    assert_eq!(k.syscall(&p, Sysno::sched_setattr, [0, BUF, 0]), err(Errno::EPERM));
}
