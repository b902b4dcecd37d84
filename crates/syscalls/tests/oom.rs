//! Running out of memory: the OOM killer ends the biggest process, logged as Linux logs it,
//! and the one that needed memory goes on; the kernel never fails.
//!
//! The test thread gets a memory of its own (`mm::frame::set_host_limit`), as small as a
//! machine's.
use abi::signal::*;
use hal::context::{Access, Trap};
use mm::aspace::AreaKind;
use mm::Perm;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};
use task::executor::block_on;
use task::process::ExitStatus;
use uspace::testing::Ecall;

const BIG: usize = 0x8000_0000;
const BIG_LEN: usize = 64 << 20;

fn fault(cx: &Caller, addr: usize) -> bool {
    block_on(uspace::handle_user_trap(cx, Trap::PageFault { addr, access: Access::Write }))
}

/// The thread of `cx` coming back from user mode again and again (timer ticks), until it ends.
fn keep_running(cx: &Caller) {
    let cx = Caller::new(cx.thread().clone());
    task::executor::spawn(async move { while uspace::handle_user_trap(&cx, Trap::Timer).await {} });
}

#[test]
fn the_oom_killer_ends_the_biggest_process_and_the_faulting_one_goes_on() {
    let k = TestKernel::new();
    let init = k.spawn();
    k.make_init(&init);
    let small = k.spawn();
    let big = k.spawn();
    mm::frame::set_host_limit(3000);
    big.mm().map(BIG, BIG_LEN, Perm::R | Perm::W, AreaKind::Anonymous).unwrap();
    // The hog takes every frame there is, fault by fault.
    let mut touched = 0;
    while big.mm().handle_fault(BIG + touched * 4096, Access::Write).is_ok() {
        touched += 1;
    }
    assert!(touched > 2000 && touched < 3000, "{touched} pages");
    keep_running(&big);
    // The small one needs one page: the biggest process is killed, and once its memory is
    // gone the fault (which the program makes again) is served.
    assert!(fault(&small, SCRATCH + 0x8000));
    assert!(fault(&small, SCRATCH + 0x8000));
    assert_eq!(big.process().exit_status(), Some(ExitStatus::Signaled(SIGKILL)));
    assert!(task::oom::released(big.process()));
    assert!(small.process().exit_status().is_none());
    assert!(small.mm().area_at(SCRATCH).unwrap().resident_pages() > 0);
    assert!(init.process().exit_status().is_none(), "init is never chosen");
    mm::frame::set_host_limit(usize::MAX / 4);
}

#[test]
fn a_syscall_short_of_memory_is_enomem_and_the_way_back_kills_the_hog() {
    let k = TestKernel::new();
    let p = k.spawn();
    let hog = k.spawn();
    let fd = k.open_ok(&p, "/dev/zero", 0);
    mm::frame::set_host_limit(2000);
    hog.mm().map(BIG, BIG_LEN, Perm::R | Perm::W, AreaKind::Anonymous).unwrap();
    let mut touched = 0;
    while hog.mm().handle_fault(BIG + touched * 4096, Access::Write).is_ok() {
        touched += 1;
    }
    // A read into pages never touched: no page for them.
    let at = SCRATCH + 0x40000;
    assert_eq!(k.ecall(&p, Sysno::read, [fd, at, 64 * 4096]), ENOMEM);
    // The trap's way back ran the OOM killer (no lock is held there).
    assert_eq!(hog.process().exit_status(), Some(ExitStatus::Signaled(SIGKILL)));
    assert!(p.process().exit_status().is_none());
    mm::frame::set_host_limit(usize::MAX / 4);
}

#[test]
fn with_nothing_else_to_kill_the_faulting_process_ends() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.make_init(&p);
    let child = k.fork(&p);
    mm::frame::set_host_limit(1000);
    child.mm().map(BIG, BIG_LEN, Perm::R | Perm::W, AreaKind::Anonymous).unwrap();
    // The child is the only candidate (init never is): it is killed for its own fault.
    let mut alive = true;
    for i in 0..2000 {
        alive = fault(&child, BIG + i * 4096);
        if !alive {
            break;
        }
    }
    assert!(!alive);
    assert_eq!(child.process().exit_status(), Some(ExitStatus::Signaled(SIGKILL)));
    assert!(p.process().exit_status().is_none());
    mm::frame::set_host_limit(usize::MAX / 4);
}

#[test]
fn a_fork_bomb_stops_at_threads_max_with_eagain() {
    let k = TestKernel::new();
    let p = k.spawn();
    // A machine of about 5 MiB: threads-max is a few dozen.
    mm::frame::set_host_limit(1200);
    let max = task::process::max_threads();
    assert!((20..60).contains(&max), "threads-max {max}");
    let mut children = vec![];
    loop {
        let r = k.syscall(&p, Sysno::clone, [SIGCHLD]);
        if r < 0 {
            assert_eq!(r, EAGAIN);
            break;
        }
        children.push(k.spawned().pop().unwrap());
        assert!(children.len() <= max, "more than threads-max");
    }
    assert_eq!(task::process::thread_count(), max);
    // Everyone goes on; one ending makes room for one more.
    k.syscall(&children[0], Sysno::exit, [0]);
    assert!(k.syscall(&p, Sysno::clone, [SIGCHLD]) > 0);
    assert_eq!(k.syscall(&p, Sysno::clone, [SIGCHLD]), EAGAIN);
    mm::frame::set_host_limit(usize::MAX / 4);
}
