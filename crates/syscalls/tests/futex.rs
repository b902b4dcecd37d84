//! futex(2): wait/wake, bitsets, timeouts, requeue, wake_op, private vs shared keys, signals,
//! robust lists; get/set_robust_list.
use abi::process::*;
use abi::signal::*;
use abi::structs::{SigAction, Timespec};
use mm::aspace::AreaKind;
use mm::Perm;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};
use task::futex::{waiters, FutexKey};

const F: usize = SCRATCH + 0x100;
const F2: usize = SCRATCH + 0x200;
const TS: usize = SCRATCH + 0x300;
const WAIT: usize = FUTEX_WAIT as usize;
const WAKE: usize = FUTEX_WAKE as usize;
const PRIVATE: usize = FUTEX_PRIVATE_FLAG as usize;

fn set(k: &TestKernel, p: &Caller, addr: usize, v: u32) {
    k.poke(p, addr, &v.to_le_bytes());
}

fn key(p: &Caller, addr: usize) -> FutexKey {
    FutexKey::Private { mm: p.mm().id(), addr }
}

/// A second thread of `p`'s process.
fn thread_of(k: &TestKernel, p: &Caller) -> Caller {
    let flags = (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD) as usize;
    assert!(k.syscall(p, Sysno::clone, [flags, SCRATCH + 0x9000]) > 0);
    k.spawned().pop().unwrap()
}

#[test]
fn wait_with_a_changed_value_is_eagain() {
    let k = TestKernel::new();
    let p = k.spawn();
    set(&k, &p, F, 5);
    assert_eq!(k.syscall(&p, Sysno::futex, [F, WAIT, 6]), EAGAIN);
    assert_eq!(k.syscall(&p, Sysno::futex, [F, WAIT | PRIVATE, 4]), EAGAIN);
}

#[test]
fn bad_addresses_and_operations() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::futex, [F + 2, WAIT, 0]), EINVAL, "unaligned");
    assert_eq!(k.syscall(&p, Sysno::futex, [UNMAPPED, WAIT, 0]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::futex, [UNMAPPED, WAKE, 1]), EFAULT, "a shared wake looks at the page");
    assert_eq!(k.syscall(&p, Sysno::futex, [UNMAPPED, WAKE | PRIVATE, 1]), 0, "a private one does not");
    assert_eq!(k.syscall(&p, Sysno::futex, [F, FUTEX_LOCK_PI as usize, 0]), ENOSYS);
    assert_eq!(k.syscall(&p, Sysno::futex, [F, 99, 0]), ENOSYS);
    let rt = FUTEX_CLOCK_REALTIME as usize;
    assert_eq!(k.syscall(&p, Sysno::futex, [F, WAKE | rt, 1]), ENOSYS);
    assert_eq!(k.syscall(&p, Sysno::futex, [F, FUTEX_WAIT_BITSET as usize, 0, 0, 0, 0]), EINVAL, "bitset 0");
    assert_eq!(k.syscall(&p, Sysno::futex, [F, FUTEX_WAKE_BITSET as usize, 1, 0, 0, 0]), EINVAL);
    k.poke(&p, TS, bytemuck::bytes_of(&Timespec { tv_sec: -1, tv_nsec: 0 }));
    assert_eq!(k.syscall(&p, Sysno::futex, [F, WAIT, 0, TS]), EINVAL, "bad timeout, checked first");
    assert_eq!(k.syscall(&p, Sysno::futex, [F, WAIT, 0, UNMAPPED]), EFAULT);
}

#[test]
fn wake_without_waiters_is_zero() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::futex, [F, WAKE, 10]), 0);
}

#[test]
fn a_waiter_sleeps_until_woken() {
    let k = TestKernel::new();
    let p = k.spawn();
    let t = thread_of(&k, &p);
    set(&k, &p, F, 1);
    k.syscall_later(&t, Sysno::futex, [F, WAKE | PRIVATE, 1]);
    assert_eq!(k.syscall(&p, Sysno::futex, [F, WAIT | PRIVATE, 1]), 0);
    assert_eq!(waiters(key(&p, F)), 0);
}

#[test]
fn wake_counts_and_order() {
    let k = TestKernel::new();
    let p = k.spawn();
    set(&k, &p, F, 0);
    let ts: Vec<Caller> = (0..3).map(|_| thread_of(&k, &p)).collect();
    for t in &ts {
        k.syscall_later(t, Sysno::futex, [F, WAIT, 0]);
    }
    // Let the three queue up (the main thread sleeps a little meanwhile).
    k.poke(&p, TS, bytemuck::bytes_of(&Timespec { tv_sec: 0, tv_nsec: 1000 }));
    k.syscall(&p, Sysno::nanosleep, [TS, 0]);
    assert_eq!(waiters(key(&p, F)), 3);
    assert_eq!(k.syscall(&p, Sysno::futex, [F, WAKE, 0]), 1, "a count of 0 still wakes one, as Linux does");
    assert_eq!(k.syscall(&p, Sysno::futex, [F, WAKE, i32::MAX as usize]), 2);
    assert_eq!(waiters(key(&p, F)), 0);
}

#[test]
fn a_relative_timeout_ends_the_wait_with_etimedout() {
    let k = TestKernel::new();
    let p = k.spawn();
    set(&k, &p, F, 0);
    k.poke(&p, TS, bytemuck::bytes_of(&Timespec { tv_sec: 1, tv_nsec: 500 }));
    let start = hal::time::now_ns();
    assert_eq!(k.syscall(&p, Sysno::futex, [F, WAIT, 0, TS]), ETIMEDOUT);
    assert_eq!(hal::time::now_ns() - start, 1_000_000_500);
    assert_eq!(waiters(key(&p, F)), 0, "the timed-out waiter left the queue");
}

#[test]
fn wait_bitset_takes_an_absolute_deadline() {
    let k = TestKernel::new();
    let p = k.spawn();
    set(&k, &p, F, 0);
    let at = hal::time::now_ns() + 2_000_000_000;
    k.poke(&p, TS, bytemuck::bytes_of(&Timespec::from_nanos(at)));
    let op = FUTEX_WAIT_BITSET as usize;
    assert_eq!(k.syscall(&p, Sysno::futex, [F, op, 0, TS, 0, FUTEX_BITSET_MATCH_ANY as usize]), ETIMEDOUT);
    assert_eq!(hal::time::now_ns(), at);
    // The same on CLOCK_REALTIME.
    let at = hal::time::now_ns() + 1_000_000_000;
    k.poke(&p, TS, bytemuck::bytes_of(&Timespec::from_nanos(at + hal::time::boot_epoch_ns())));
    let op = (FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME) as usize;
    assert_eq!(k.syscall(&p, Sysno::futex, [F, op, 0, TS, 0, 1]), ETIMEDOUT);
    assert_eq!(hal::time::now_ns(), at);
    // A deadline in the past times out at once.
    k.poke(&p, TS, bytemuck::bytes_of(&Timespec::from_nanos(1)));
    assert_eq!(k.syscall(&p, Sysno::futex, [F, FUTEX_WAIT_BITSET as usize, 0, TS, 0, 1]), ETIMEDOUT);
}

#[test]
fn wake_bitset_wakes_only_matching_waiters() {
    let k = TestKernel::new();
    let p = k.spawn();
    set(&k, &p, F, 0);
    let a = thread_of(&k, &p);
    let b = thread_of(&k, &p);
    let wb = FUTEX_WAIT_BITSET as usize;
    k.syscall_later(&a, Sysno::futex, [F, wb, 0, 0, 0, 0b01]);
    k.syscall_later(&b, Sysno::futex, [F, wb, 0, 0, 0, 0b10]);
    k.poke(&p, TS, bytemuck::bytes_of(&Timespec { tv_sec: 0, tv_nsec: 1000 }));
    k.syscall(&p, Sysno::nanosleep, [TS, 0]);
    let kb = FUTEX_WAKE_BITSET as usize;
    assert_eq!(k.syscall(&p, Sysno::futex, [F, kb, 10, 0, 0, 0b10]), 1);
    assert_eq!(waiters(key(&p, F)), 1);
    assert_eq!(k.syscall(&p, Sysno::futex, [F, kb, 10, 0, 0, 0b100]), 0);
    assert_eq!(k.syscall(&p, Sysno::futex, [F, WAKE, 10]), 1, "plain wake matches any bitset");
}

#[test]
fn requeue_moves_waiters_to_another_futex() {
    let k = TestKernel::new();
    let p = k.spawn();
    set(&k, &p, F, 0);
    for _ in 0..3 {
        let t = thread_of(&k, &p);
        k.syscall_later(&t, Sysno::futex, [F, WAIT, 0]);
    }
    k.poke(&p, TS, bytemuck::bytes_of(&Timespec { tv_sec: 0, tv_nsec: 1000 }));
    k.syscall(&p, Sysno::nanosleep, [TS, 0]);
    let cmp = FUTEX_CMP_REQUEUE as usize;
    assert_eq!(k.syscall(&p, Sysno::futex, [F, cmp, 1, 1, F2, 7]), EAGAIN, "*uaddr != val3");
    assert_eq!(k.syscall(&p, Sysno::futex, [F, cmp, 1, 1, F2, 0]), 2, "one woken, one moved");
    assert_eq!((waiters(key(&p, F)), waiters(key(&p, F2))), (1, 1));
    assert_eq!(k.syscall(&p, Sysno::futex, [F, FUTEX_REQUEUE as usize, 0, 5, F2]), 1, "none woken, one moved");
    assert_eq!((waiters(key(&p, F)), waiters(key(&p, F2))), (0, 2));
    assert_eq!(k.syscall(&p, Sysno::futex, [F2, WAKE, 5]), 2);
    assert_eq!(k.syscall(&p, Sysno::futex, [F, cmp, usize::MAX, 1, F2, 0]), EINVAL);
}

#[test]
fn wake_op_updates_the_second_word_and_wakes_by_comparison() {
    let k = TestKernel::new();
    let p = k.spawn();
    set(&k, &p, F, 0);
    set(&k, &p, F2, 5);
    let t1 = thread_of(&k, &p);
    let t2 = thread_of(&k, &p);
    k.syscall_later(&t1, Sysno::futex, [F, WAIT, 0]);
    k.syscall_later(&t2, Sysno::futex, [F2, WAIT, 5]);
    k.poke(&p, TS, bytemuck::bytes_of(&Timespec { tv_sec: 0, tv_nsec: 1000 }));
    k.syscall(&p, Sysno::nanosleep, [TS, 0]);
    // op ADD 3, compare old > 4: true.
    let val3 = (1 << 28) | (4 << 24) | (3 << 12) | 4;
    assert_eq!(k.syscall(&p, Sysno::futex, [F, FUTEX_WAKE_OP as usize, 1, 1, F2, val3]), 2);
    assert_eq!(k.peek_val::<u32>(&p, F2), 8);
    // op OR (1 << 4) with OPARG_SHIFT, compare old == 0: false, nothing on the first word either.
    let val3 = ((8 | 2) << 28) | (4 << 12);
    assert_eq!(k.syscall(&p, Sysno::futex, [F, FUTEX_WAKE_OP as usize, 1, 1, F2, val3]), 0);
    assert_eq!(k.peek_val::<u32>(&p, F2), 8 | 16);
    assert_eq!(k.syscall(&p, Sysno::futex, [F, FUTEX_WAKE_OP as usize, 1, 1, READONLY, val3]), EFAULT);
}

#[test]
fn forked_processes_do_not_share_private_futexes_but_shared_mappings_do() {
    let k = TestKernel::new();
    let p = k.spawn();
    let shared = 0x5000_0000;
    p.mm().map(shared, 4096, Perm::R | Perm::W, AreaKind::Anonymous).unwrap();
    p.mm().mark_shared(shared);
    set(&k, &p, F, 0);
    let child = k.fork(&p);
    k.syscall_later(&child, Sysno::futex, [F, WAKE, 1]);
    k.poke(&p, TS, bytemuck::bytes_of(&Timespec { tv_sec: 0, tv_nsec: 1000 }));
    assert_eq!(k.syscall(&p, Sysno::futex, [F, WAIT, 0, TS]), ETIMEDOUT, "another address space");
    k.syscall_later(&child, Sysno::futex, [shared, WAKE, 1]);
    assert_eq!(k.syscall(&p, Sysno::futex, [shared, WAIT, 0, TS]), 0, "one physical page");
}

#[test]
fn a_signal_interrupts_a_wait() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH + 0x800, bytemuck::bytes_of(&SigAction { handler: 0x4000, flags: SA_RESTART, mask: 0 }));
    k.syscall(&p, Sysno::rt_sigaction, [SIGUSR1, SCRATCH + 0x800, 0, 8]);
    set(&k, &p, F, 0);
    let sender = k.spawn();
    k.syscall_later(&sender, Sysno::kill, [p.process().pid, SIGUSR1]);
    assert_eq!(k.syscall(&p, Sysno::futex, [F, WAIT, 0]), ERESTARTSYS, "restartable without a timeout");
    assert_eq!(waiters(key(&p, F)), 0);
    k.syscall_later(&sender, Sysno::kill, [p.process().pid, SIGUSR1]);
    k.poke(&p, TS, bytemuck::bytes_of(&Timespec { tv_sec: 5, tv_nsec: 0 }));
    assert_eq!(k.syscall(&p, Sysno::futex, [F, WAIT, 0, TS]), ERESTART_RESTARTBLOCK, "a timed wait keeps its deadline");
}

#[test]
fn the_robust_list_marks_held_locks_owner_died_at_thread_exit() {
    let k = TestKernel::new();
    let p = k.spawn();
    let t = thread_of(&k, &p);
    let tid = t.thread().tid() as u32;
    // head -> entry -> head; the lock word sits 8 bytes after the entry.
    let (head, entry) = (SCRATCH + 0x1000, SCRATCH + 0x1100);
    let lock = entry + 8;
    k.poke(&p, head, bytemuck::bytes_of(&RobustListHead { list: entry, futex_offset: 8, list_op_pending: 0 }));
    k.poke(&p, entry, &head.to_le_bytes());
    set(&k, &p, lock, FUTEX_WAITERS | tid);
    assert_eq!(k.syscall(&t, Sysno::set_robust_list, [head, 24]), 0);
    k.syscall_later(&t, Sysno::exit, [0]);
    assert_eq!(k.syscall(&p, Sysno::futex, [lock, WAIT, (FUTEX_WAITERS | tid) as usize]), 0, "woken");
    assert_eq!(k.peek_val::<u32>(&p, lock), FUTEX_WAITERS | FUTEX_OWNER_DIED);
}

#[test]
fn a_lock_held_by_someone_else_is_left_alone() {
    let k = TestKernel::new();
    let p = k.spawn();
    let t = thread_of(&k, &p);
    let (head, entry) = (SCRATCH + 0x1000, SCRATCH + 0x1100);
    k.poke(&p, head, bytemuck::bytes_of(&RobustListHead { list: entry, futex_offset: 8, list_op_pending: 0 }));
    k.poke(&p, entry, &head.to_le_bytes());
    set(&k, &p, entry + 8, 12345);
    k.syscall(&t, Sysno::set_robust_list, [head, 24]);
    k.syscall(&t, Sysno::exit, [0]);
    assert_eq!(k.peek_val::<u32>(&p, entry + 8), 12345);
}

#[test]
fn get_robust_list_reads_back_what_was_set() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.syscall(&p, Sysno::set_robust_list, [SCRATCH + 0x40, 24]);
    assert_eq!(k.syscall(&p, Sysno::get_robust_list, [0, F, F + 8]), 0);
    assert_eq!(k.peek_val::<usize>(&p, F), SCRATCH + 0x40);
    assert_eq!(k.peek_val::<usize>(&p, F + 8), 24);
    assert_eq!(k.syscall(&p, Sysno::get_robust_list, [p.process().pid, F, F + 8]), 0);
    assert_eq!(k.syscall(&p, Sysno::get_robust_list, [999_999, F, F + 8]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::get_robust_list, [0, READONLY, F + 8]), EFAULT);
    // Another user's process: only for those who may trace it.
    let root = k.fork(&p);
    assert_eq!(k.syscall(&p, Sysno::setuid, [1]), 0);
    assert_eq!(k.syscall(&p, Sysno::get_robust_list, [root.process().pid, F, F + 8]), EPERM);
    assert_eq!(k.syscall(&p, Sysno::get_robust_list, [0, F, F + 8]), 0);
}
