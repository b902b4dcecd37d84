//! Panic isolation: a syscall that panics ends its caller's process as SIGSEGV would, and the
//! rest of the system goes on (locks released, waiters woken, memory returned).
//!
//! The calls run as the kernel runs a user thread: a task of `task::executor::spawn_isolated`
//! whose panic handler is `Thread::end_by_panic` (the kernel adds only the page-table switch).
//! The panics are injected with `syscalls::fault` (feature `fault-inject`).
use abi::process::*;
use abi::signal::*;
use abi::Sysno;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use syscalls::testing::{self, *};
use syscalls::{dispatch, Caller};
use task::executor::{block_on, run_ready, spawn_isolated};
use task::process::ExitStatus;

/// Run syscall `n` of `cx` as the kernel runs a user thread's calls (an isolated task).
fn isolated_call(cx: &Caller, n: Sysno, args: [usize; 6]) {
    let cx2 = Caller::new(cx.thread().clone());
    let t = cx.thread().clone();
    spawn_isolated(
        async move {
            dispatch(&cx2, n.0, args).await;
        },
        move |p| {
            t.end_by_panic(p);
            t.process.release_mm();
        },
    );
    run_ready();
}

struct Disarm;
impl Drop for Disarm {
    fn drop(&mut self) {
        syscalls::fault::panic_on(None);
    }
}

#[test]
fn a_panicking_syscall_kills_only_its_process_as_sigsegv() {
    let k = TestKernel::new();
    let parent = k.spawn();
    let _disarm = Disarm;
    syscalls::fault::panic_on(Some(Sysno::getcpu));
    for round in 0..50 {
        let child = k.fork(&parent);
        isolated_call(&child, Sysno::getcpu, [0; 6]);
        assert_eq!(child.process().exit_status(), Some(ExitStatus::Signaled(SIGSEGV)), "round {round}");
        let pid = k.syscall(&parent, Sysno::wait4, [usize::MAX, SCRATCH, 0, 0]);
        assert_eq!(pid as usize, child.process().pid);
        assert_eq!(k.peek_val::<i32>(&parent, SCRATCH), SIGSEGV as i32, "WIFSIGNALED, WTERMSIG = SIGSEGV");
        assert_eq!(child.process().mm().areas().count(), 0, "its memory is released");
    }
    // The parent, and everyone else, go on.
    assert_eq!(k.syscall(&parent, Sysno::getpid, []), parent.process().pid as isize);
}

#[test]
fn what_the_dead_process_held_is_released_and_its_waiters_wake() {
    let k = TestKernel::new();
    let parent = k.spawn();
    let _disarm = Disarm;
    // A pipe whose write end only the child keeps, and a robust lock the child holds, in
    // memory both share.
    assert_eq!(k.syscall(&parent, Sysno::pipe2, [SCRATCH, 0]), 0);
    let fds: [i32; 2] = k.peek_val(&parent, SCRATCH);
    let shared = k.syscall(&parent, Sysno::mmap, [0, 4096, 3, 0x21, usize::MAX, 0]) as usize;
    let (head, entry) = (shared, shared + 0x100);
    let lock = entry + 8;
    let child = k.fork(&parent);
    assert_eq!(k.syscall(&parent, Sysno::close, [fds[1] as usize]), 0);
    let tid = child.thread().tid() as u32;
    k.poke(&child, head, bytemuck::bytes_of(&RobustListHead { list: entry, futex_offset: 8, list_op_pending: 0 }));
    k.poke(&child, entry, &head.to_le_bytes());
    k.poke(&child, lock, &(FUTEX_WAITERS | tid).to_le_bytes());
    assert_eq!(k.syscall(&child, Sysno::set_robust_list, [head, 24]), 0);
    // The parent waits for the lock and for data, in tasks of their own.
    let woken = Arc::new(AtomicBool::new(false));
    let (p2, w2) = (Caller::new(parent.thread().clone()), woken.clone());
    task::executor::spawn(async move {
        let r =
            dispatch(&p2, Sysno::futex.0, [lock, FUTEX_WAIT as usize, (FUTEX_WAITERS | tid) as usize, 0, 0, 0]).await;
        assert_eq!(r, 0);
        w2.store(true, Ordering::Relaxed);
    });
    run_ready();
    assert!(!woken.load(Ordering::Relaxed));
    // The child's next call panics.
    syscalls::fault::panic_on(Some(Sysno::getcpu));
    isolated_call(&child, Sysno::getcpu, [0; 6]);
    run_ready();
    assert!(woken.load(Ordering::Relaxed), "the lock's waiter woke");
    assert_eq!(k.peek_val::<u32>(&parent, lock), FUTEX_WAITERS | FUTEX_OWNER_DIED, "EOWNERDEAD for the next owner");
    assert_eq!(k.syscall(&parent, Sysno::read, [fds[0] as usize, SCRATCH, 16]), 0, "EOF: no writer left");
    assert_eq!(child.process().exit_status(), Some(ExitStatus::Signaled(SIGSEGV)));
}

#[test]
fn locks_taken_in_the_panicking_call_are_released() {
    let k = TestKernel::new();
    let p = k.spawn();
    let _disarm = Disarm;
    // A task that panics while holding the process's address space and descriptor table.
    let cx = Caller::new(p.thread().clone());
    let t = p.thread().clone();
    let handled = Arc::new(AtomicBool::new(false));
    let h = handled.clone();
    spawn_isolated(
        async move {
            let _mm = cx.mm();
            let _files = cx.process().files();
            panic!("a bug while both are locked");
        },
        move |panicked| {
            assert!(panicked.message().contains("a bug while both are locked"));
            h.store(true, Ordering::Relaxed);
            t.end_by_panic(panicked);
        },
    );
    run_ready();
    assert!(handled.load(Ordering::Relaxed));
    // Both locks are free again (a held spin lock would hang here).
    assert!(p.process().mm.get().try_lock().is_some());
    assert!(p.process().files.get().try_lock().is_some());
    assert_eq!(p.process().exit_status(), Some(ExitStatus::Signaled(SIGSEGV)));
}

#[test]
fn a_panic_outside_isolated_tasks_is_not_caught() {
    task::executor::spawn(async { panic!("in the kernel's own task") });
    let r = std::panic::catch_unwind(|| {
        run_ready();
    });
    assert!(r.is_err(), "it reaches whoever runs the executor (on the machine: the panic handler, which stops it)");
}

#[test]
fn fault_injection_names_syscalls_as_linux() {
    assert_eq!(syscalls::fault::by_name("getcpu"), Some(Sysno::getcpu));
    assert_eq!(syscalls::fault::by_name("openat"), Some(Sysno::openat));
    assert_eq!(syscalls::fault::by_name("no_such_call"), None);
    // Unarmed, nothing panics; not even the number that stands for "unarmed".
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(block_on(dispatch(&p, Sysno::getpid.0, [0; 6])), p.process().pid as isize);
    assert_eq!(block_on(dispatch(&p, usize::MAX, [0; 6])), testing::ret::ENOSYS);
}
