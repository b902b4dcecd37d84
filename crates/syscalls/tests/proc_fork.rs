//! clone (fork, vfork, threads), exit, wait4/waitid, zombies and orphans, process groups.
use abi::process::*;
use abi::signal::*;
use abi::structs::SigAction;
use core::future::Future;
use core::pin::pin;
use core::sync::atomic::Ordering;
use core::task::{Context, Poll, Waker};
use hal::context::{reg, Trap};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{dispatch, Caller, Sysno};
use task::executor::block_on;
use task::process::ExitStatus;

const THREAD_FLAGS: usize = CLONE_PTHREAD as usize;

fn pid(cx: &Caller) -> usize {
    cx.process().pid
}

/// Let `cx` come back from user mode once (a timer tick): it ends if it was told to.
fn tick(cx: &Caller) -> bool {
    block_on(uspace::handle_user_trap(cx, Trap::Timer))
}

fn status_at(k: &TestKernel, p: &Caller, addr: usize) -> i32 {
    k.peek_val::<i32>(p, addr)
}

fn set_action(k: &TestKernel, p: &Caller, sig: usize, handler: usize, flags: u64) {
    k.poke(p, SCRATCH + 0x800, bytemuck::bytes_of(&SigAction { handler, flags, mask: 0 }));
    assert_eq!(k.syscall(p, Sysno::rt_sigaction, [sig, SCRATCH + 0x800, 0, 8]), 0);
}

// ---- fork ----

#[test]
fn fork_returns_the_child_pid_and_the_child_starts_with_a0_zero() {
    let k = TestKernel::new();
    let p = k.spawn();
    p.thread().ctx.lock().sepc = 0x1234;
    let child_pid = k.syscall(&p, Sysno::clone, [SIGCHLD]);
    let child = k.spawned().pop().expect("a child was started");
    assert_eq!(child_pid as usize, pid(&child));
    assert_ne!(pid(&child), pid(&p));
    assert_eq!(child.thread().tid(), pid(&child), "the main thread's tid is the pid");
    let ctx = child.thread().ctx.lock().clone();
    assert_eq!(ctx.x[reg::A0], 0);
    assert_eq!(ctx.sepc, 0x1234, "same pc as the parent");
    assert_eq!(ctx.sp(), p.thread().ctx.lock().sp(), "same stack without newsp");
    assert_eq!(k.syscall(&child, Sysno::getppid, []), pid(&p) as isize);
    assert_eq!(child.process().exit_signal.load(Ordering::Relaxed), SIGCHLD);
}

#[test]
fn fork_gives_the_child_a_copy_on_write_copy_of_memory() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, b"parent");
    let child = k.fork(&p);
    assert_eq!(p.mm().frame_owners(SCRATCH), Some(2), "shared until written");
    assert_eq!(k.peek(&child, SCRATCH, 6), b"parent");
    // The child writes through a syscall (the kernel's copy breaks the sharing).
    k.poke(&child, SCRATCH + 0x100, b"xyz");
    assert_eq!(k.syscall(&child, Sysno::getrandom, [SCRATCH, 6, 0]), 6);
    assert_ne!(k.peek(&child, SCRATCH, 6), b"parent");
    assert_eq!(k.peek(&p, SCRATCH, 6), b"parent", "the parent keeps its data");
    assert_eq!(p.mm().frame_owners(SCRATCH), Some(1));
    assert_ne!(p.mm().id(), child.mm().id());
}

#[test]
fn fork_copies_the_descriptor_table_clone_files_shares_it() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    assert_eq!(k.syscall(&child, Sysno::close, [1]), 0);
    assert!(p.process().files().get(1).is_ok(), "a forked child has its own table");

    let pid2 = k.syscall(&p, Sysno::clone, [CLONE_FILES as usize | SIGCHLD]);
    assert!(pid2 > 0);
    let sharer = k.spawned().pop().unwrap();
    assert_eq!(k.syscall(&sharer, Sysno::close, [2]), 0);
    assert_eq!(k.syscall(&p, Sysno::close, [2]), EBADF, "CLONE_FILES shares the table");
}

#[test]
fn clone_vm_shares_memory_and_switches_to_the_new_stack() {
    let k = TestKernel::new();
    let p = k.spawn();
    let stack = SCRATCH + 0x8000;
    let r = k.syscall(&p, Sysno::clone, [CLONE_VM as usize | SIGCHLD, stack]);
    assert!(r > 0);
    let child = k.spawned().pop().unwrap();
    assert_eq!(child.thread().ctx.lock().sp(), stack);
    k.poke(&child, SCRATCH, b"shared");
    assert_eq!(k.peek(&p, SCRATCH, 6), b"shared");
    let a = p.mm().id();
    assert_eq!(child.mm().id(), a);
    assert_ne!(pid(&child), pid(&p), "still another process");
}

#[test]
fn a_thread_joins_the_callers_process_with_tls_and_tid_words() {
    let k = TestKernel::new();
    let p = k.spawn();
    let (ptid, ctid, tls) = (SCRATCH + 0x10, SCRATCH + 0x20, 0x7777_0000);
    let tid = k.syscall(&p, Sysno::clone, [THREAD_FLAGS, SCRATCH + 0x9000, ptid, tls, ctid]);
    let t = k.spawned().pop().unwrap();
    assert_eq!(t.thread().tid(), tid as usize);
    assert_ne!(tid as usize, pid(&p));
    assert!(std::sync::Arc::ptr_eq(t.process(), p.process()), "same process");
    assert_eq!(k.syscall(&t, Sysno::getpid, []), pid(&p) as isize);
    assert_eq!(k.syscall(&t, Sysno::gettid, []), tid);
    assert_eq!(t.thread().ctx.lock().x[reg::TP], tls);
    assert_eq!(k.peek_val::<u32>(&p, ptid), tid as u32, "CLONE_PARENT_SETTID");
    assert_eq!(t.thread().clear_child_tid.load(Ordering::Relaxed), ctid);
    assert_eq!(p.process().threads_alive().len(), 2);
}

#[test]
fn clone_child_settid_writes_in_the_childs_memory_only() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, &[0; 4]);
    let r =
        k.syscall(&p, Sysno::clone, [(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) as usize | SIGCHLD, 0, 0, 0, SCRATCH]);
    let child = k.spawned().pop().unwrap();
    assert_eq!(k.peek_val::<u32>(&child, SCRATCH), r as u32);
    assert_eq!(k.peek_val::<u32>(&p, SCRATCH), 0);
}

#[test]
fn clone_rejects_inconsistent_flags() {
    let k = TestKernel::new();
    let p = k.spawn();
    for flags in [
        CLONE_THREAD | CLONE_VM,
        CLONE_SIGHAND,
        CLONE_NEWNS | CLONE_FS,
        CLONE_NEWPID,
        CLONE_PIDFD | CLONE_PARENT_SETTID,
        CLONE_PIDFD | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM,
        65,
    ] {
        assert_eq!(k.syscall(&p, Sysno::clone, [flags as usize]), EINVAL, "{flags:#x}");
    }
    assert_eq!(k.syscall(&p, Sysno::clone, [CLONE_PIDFD as usize, 0, UNMAPPED]), EFAULT, "nowhere for the pidfd");
    assert!(k.spawned().is_empty());
}

/// A clone_args of the first version (64 bytes) and then 24 more, as clone3 reads them.
fn clone_args(flags: u64, pidfd: usize, exit_signal: usize, stack: usize, stack_size: usize) -> Vec<u8> {
    [flags, pidfd as u64, 0, 0, exit_signal as u64, stack as u64, stack_size as u64, 0, 0, 0, 0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect()
}

#[test]
fn clone3_forks_with_its_own_stack_and_exit_signal() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, &clone_args(0, 0, SIGCHLD, SCRATCH + 0x1000, 0x1000));
    let pid = k.syscall(&p, Sysno::clone3, [SCRATCH, 88]);
    assert!(pid > 0);
    let child = k.spawned().pop().unwrap();
    assert_eq!(child.process().pid as isize, pid);
    assert_eq!(child.thread().ctx.lock().x[hal::context::reg::SP], SCRATCH + 0x2000, "the top of the stack");
    assert_eq!(child.process().exit_signal.load(std::sync::atomic::Ordering::Relaxed), SIGCHLD);
    // Errors: too small, too big, unknown non-zero tail, exit signal in the flags, a stack
    // without a size.
    assert_eq!(k.syscall(&p, Sysno::clone3, [SCRATCH, 56]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::clone3, [SCRATCH, 8192]), E2BIG);
    k.poke(&p, SCRATCH, &clone_args(0, 0, SIGCHLD, 0, 0));
    k.poke(&p, SCRATCH + 88, &[1]);
    assert_eq!(k.syscall(&p, Sysno::clone3, [SCRATCH, 96]), E2BIG);
    k.poke(&p, SCRATCH, &clone_args(SIGCHLD as u64, 0, 0, 0, 0));
    assert_eq!(k.syscall(&p, Sysno::clone3, [SCRATCH, 88]), EINVAL);
    k.poke(&p, SCRATCH, &clone_args(0, 0, SIGCHLD, SCRATCH, 0));
    assert_eq!(k.syscall(&p, Sysno::clone3, [SCRATCH, 88]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::clone3, [UNMAPPED, 88]), EFAULT);
    assert!(k.spawned().is_empty());
}

#[test]
fn clone_pidfd_gives_the_parent_a_pidfd_of_the_child() {
    let k = TestKernel::new();
    let p = k.spawn();
    const AT: usize = SCRATCH + 0x800;
    k.poke(&p, SCRATCH, &clone_args(CLONE_PIDFD, AT, SIGCHLD, 0, 0));
    let pid = k.syscall(&p, Sysno::clone3, [SCRATCH, 88]);
    assert!(pid > 0);
    let fd = k.peek_val::<i32>(&p, AT);
    assert!(fd >= 3);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd as usize, abi::flags::F_GETFD as usize]), 1, "close-on-exec");
    assert_eq!(k.syscall(&p, Sysno::pidfd_send_signal, [fd as usize, 0, 0, 0]), 0);
    // clone(2) puts it at parent_tid.
    let pid2 = k.syscall(&p, Sysno::clone, [(CLONE_PIDFD as usize) | SIGCHLD, 0, AT + 8]);
    assert!(pid2 > 0);
    assert!(k.peek_val::<i32>(&p, AT + 8) > fd);
}

#[test]
fn vfork_waits_until_the_child_exits() {
    let k = TestKernel::new();
    let p = k.spawn();
    let mut call = pin!(dispatch(&p, Sysno::clone.0, [(CLONE_VM | CLONE_VFORK) as usize | SIGCHLD, 0, 0, 0, 0, 0]));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(call.as_mut().poll(&mut cx).is_pending(), "the parent waits");
    let child = k.spawned().pop().unwrap();
    assert_eq!(k.syscall(&child, Sysno::exit, [0]), 0);
    assert_eq!(call.as_mut().poll(&mut cx), Poll::Ready(pid(&child) as isize));
}

#[test]
fn vfork_releases_the_parent_at_execve() {
    let k = TestKernel::new();
    let p = k.spawn();
    let mut call = pin!(dispatch(&p, Sysno::clone.0, [(CLONE_VM | CLONE_VFORK) as usize | SIGCHLD, 0, 0, 0, 0, 0]));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(call.as_mut().poll(&mut cx).is_pending());
    let child = k.spawned().pop().unwrap();
    child.process().mark_execed();
    assert!(call.as_mut().poll(&mut cx).is_ready());
}

// ---- exit and wait ----

#[test]
fn wait4_reaps_an_exited_child_with_its_status() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    assert_eq!(k.syscall(&child, Sysno::exit_group, [3]), 0);
    assert!(child.process().is_zombie());
    assert!(task::process::lookup(pid(&child)).is_some(), "a zombie keeps its pid");
    assert_eq!(k.syscall(&p, Sysno::wait4, [usize::MAX, SCRATCH, 0, 0]), pid(&child) as isize);
    assert_eq!(status_at(&k, &p, SCRATCH), 0x300);
    assert!(task::process::lookup(pid(&child)).is_none(), "reaped");
    assert_eq!(k.syscall(&p, Sysno::wait4, [usize::MAX, SCRATCH, 0, 0]), ECHILD);
}

#[test]
fn wait4_waits_for_a_running_child() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    k.syscall_later(&child, Sysno::exit_group, [0x1_07]);
    assert_eq!(k.syscall(&p, Sysno::wait4, [pid(&child), SCRATCH, 0, 0]), pid(&child) as isize);
    assert_eq!(status_at(&k, &p, SCRATCH), 0x700, "the low byte of the code");
}

#[test]
fn wait4_with_wnohang_returns_zero_while_children_run() {
    let k = TestKernel::new();
    let p = k.spawn();
    let _child = k.fork(&p);
    assert_eq!(k.syscall(&p, Sysno::wait4, [usize::MAX, SCRATCH, WNOHANG as usize, 0]), 0);
}

#[test]
fn wait4_without_matching_children_is_echild() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::wait4, [usize::MAX, 0, 0, 0]), ECHILD);
    let child = k.fork(&p);
    let other = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::wait4, [pid(&other), 0, 0, 0]), ECHILD, "not our child");
    assert_eq!(k.syscall(&p, Sysno::wait4, [pid(&child) + 1000, 0, 0, 0]), ECHILD);
    assert_eq!(k.syscall(&p, Sysno::wait4, [usize::MAX, 0, 0x100, 0]), EINVAL, "unknown option");
    assert_eq!(k.syscall(&p, Sysno::wait4, [i32::MIN as usize, 0, 0, 0]), ESRCH);
}

#[test]
fn a_child_killed_by_a_signal_reports_it() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    assert_eq!(k.syscall(&p, Sysno::kill, [pid(&child), SIGTERM]), 0);
    assert!(child.thread().exiting());
    assert!(!tick(&child), "the child ends when it next enters the kernel");
    assert_eq!(k.exit_status(&child), Some(ExitStatus::Signaled(SIGTERM)));
    assert_eq!(k.syscall(&p, Sysno::wait4, [usize::MAX, SCRATCH, 0, 0]), pid(&child) as isize);
    assert_eq!(status_at(&k, &p, SCRATCH), SIGTERM as i32, "no core bit");
}

#[test]
fn wait4_with_a_bad_status_pointer_is_efault_and_the_child_is_gone() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    k.syscall(&child, Sysno::exit, [0]);
    assert_eq!(k.syscall(&p, Sysno::wait4, [usize::MAX, READONLY, 0, 0]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::wait4, [usize::MAX, 0, 0, 0]), ECHILD, "reaped anyway, as on Linux");
}

#[test]
fn wait4_fills_rusage() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    child.process().user_ns.store(1_500_000, Ordering::Relaxed);
    k.syscall(&child, Sysno::exit, [0]);
    k.poke(&p, SCRATCH, &[0xff; 144]);
    assert!(k.syscall(&p, Sysno::wait4, [usize::MAX, 0, 0, SCRATCH]) > 0);
    let ru: Rusage = k.peek_val(&p, SCRATCH);
    assert_eq!((ru.utime.tv_sec, ru.utime.tv_usec), (0, 1500));
    assert_eq!(ru.rest, [0; 14]);
}

#[test]
fn wait4_by_process_group() {
    let k = TestKernel::new();
    let p = k.spawn();
    let a = k.fork(&p);
    let b = k.fork(&p);
    assert_eq!(k.syscall(&p, Sysno::setpgid, [pid(&b), pid(&b)]), 0);
    k.syscall(&a, Sysno::exit, [1]);
    k.syscall(&b, Sysno::exit, [2]);
    assert_eq!(k.syscall(&p, Sysno::wait4, [(-(pid(&b) as isize)) as usize, 0, 0, 0]), pid(&b) as isize);
    assert_eq!(k.syscall(&p, Sysno::wait4, [0, 0, 0, 0]), pid(&a) as isize, "0: the caller's group");
}

#[test]
fn a_clone_child_with_another_exit_signal_needs_wclone_or_wall() {
    let k = TestKernel::new();
    let p = k.spawn();
    // The child's exit sends SIGUSR1, whose default action would end the parent.
    task::signal::set_mask(p.thread(), sigbit(SIGUSR1));
    let r = k.syscall(&p, Sysno::clone, [SIGUSR1]);
    let child = k.spawned().pop().unwrap();
    k.syscall(&child, Sysno::exit, [0]);
    assert_eq!(k.syscall(&p, Sysno::wait4, [usize::MAX, 0, 0, 0]), ECHILD);
    assert_eq!(k.syscall(&p, Sysno::wait4, [usize::MAX, 0, __WCLONE as usize, 0]), r);
    let _ = k.syscall(&p, Sysno::clone, [SIGUSR1]);
    let c2 = k.spawned().pop().unwrap();
    k.syscall(&c2, Sysno::exit, [0]);
    assert_eq!(k.syscall(&p, Sysno::wait4, [usize::MAX, 0, __WALL as usize, 0]), pid(&c2) as isize);
}

#[test]
fn the_parent_gets_sigchld_with_the_childs_details() {
    let k = TestKernel::new();
    let p = k.spawn();
    set_action(&k, &p, SIGCHLD, 0x5000, SA_SIGINFO);
    k.syscall(&p, Sysno::rt_sigprocmask, [SIG_BLOCK, 0, 0, 8]);
    let child = k.fork(&p);
    k.syscall(&child, Sysno::exit_group, [5]);
    assert_ne!(task::signal::pending(p.thread()) & sigbit(SIGCHLD), 0);
    let info = task::signal::dequeue(p.thread(), sigbit(SIGCHLD)).unwrap();
    assert_eq!((info.signo, info.code), (SIGCHLD as i32, CLD_EXITED));
    assert_eq!((info.pid(), info.status()), (pid(&child) as i32, 5));
}

#[test]
fn sigchld_with_its_default_action_is_not_even_queued() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    k.syscall(&child, Sysno::exit, [0]);
    assert_eq!(task::signal::pending(p.thread()), 0);
}

#[test]
fn ignoring_sigchld_reaps_children_at_once() {
    let k = TestKernel::new();
    let p = k.spawn();
    set_action(&k, &p, SIGCHLD, SIG_IGN, 0);
    let child = k.fork(&p);
    k.syscall(&child, Sysno::exit, [0]);
    assert!(!child.process().is_zombie());
    assert_eq!(k.syscall(&p, Sysno::wait4, [usize::MAX, 0, 0, 0]), ECHILD);
}

#[test]
fn sa_nocldwait_reaps_but_still_signals() {
    let k = TestKernel::new();
    let p = k.spawn();
    set_action(&k, &p, SIGCHLD, 0x5000, SA_NOCLDWAIT);
    let child = k.fork(&p);
    k.syscall(&child, Sysno::exit, [0]);
    assert_eq!(k.syscall(&p, Sysno::wait4, [usize::MAX, 0, WNOHANG as usize, 0]), ECHILD);
    assert_ne!(task::signal::pending(p.thread()) & sigbit(SIGCHLD), 0);
}

#[test]
fn orphans_go_to_init_which_reaps_them() {
    let k = TestKernel::new();
    let init = k.spawn();
    k.make_init(&init);
    let middle = k.fork(&init);
    let orphan = k.fork(&middle);
    k.syscall(&orphan, Sysno::exit, [9]);
    k.syscall(&middle, Sysno::exit, [0]);
    assert_eq!(k.syscall(&orphan, Sysno::getppid, []), pid(&init) as isize);
    let mut reaped = vec![];
    for _ in 0..2 {
        let r = k.syscall(&init, Sysno::wait4, [usize::MAX, SCRATCH, 0, 0]);
        reaped.push((r as usize, status_at(&k, &init, SCRATCH)));
    }
    reaped.sort();
    assert_eq!(reaped, vec![(pid(&middle), 0), (pid(&orphan), 0x900)]);
}

#[test]
fn a_live_orphan_is_reparented_too() {
    let k = TestKernel::new();
    let init = k.spawn();
    k.make_init(&init);
    let middle = k.fork(&init);
    let orphan = k.fork(&middle);
    k.syscall(&middle, Sysno::exit, [0]);
    assert_eq!(orphan.process().ppid(), pid(&init));
    assert_eq!(init.process().children().len(), 2);
}

#[test]
fn without_init_an_orphan_has_no_parent() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    k.syscall(&p, Sysno::exit, [0]);
    assert_eq!(k.syscall(&child, Sysno::getppid, []), 0);
}

#[test]
fn exit_closes_descriptors_only_when_the_last_thread_ends() {
    let k = TestKernel::new();
    let parent = k.spawn();
    let p = k.fork(&parent);
    k.syscall(&p, Sysno::clone, [THREAD_FLAGS, SCRATCH + 0x9000, SCRATCH, 0, SCRATCH + 8]);
    let t = k.spawned().pop().unwrap();
    assert_eq!(k.syscall(&p, Sysno::exit, [4]), 0);
    assert!(p.process().files().get(0).is_ok(), "another thread still runs");
    assert!(!p.process().is_zombie());
    assert_eq!(k.syscall(&t, Sysno::exit, [6]), 0);
    assert!(p.process().files().get(0).is_err());
    assert!(p.process().is_zombie());
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Exited(6)), "the last thread's code");
}

#[test]
fn exit_group_ends_every_thread() {
    let k = TestKernel::new();
    let parent = k.spawn();
    let p = k.fork(&parent);
    k.syscall(&p, Sysno::clone, [THREAD_FLAGS, SCRATCH + 0x9000, SCRATCH, 0, SCRATCH + 8]);
    let t = k.spawned().pop().unwrap();
    k.syscall(&p, Sysno::exit_group, [2]);
    assert!(t.thread().exiting());
    assert!(!p.process().is_zombie(), "until the other thread has left");
    assert!(!tick(&t));
    assert!(p.process().is_zombie());
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Exited(2)));
}

#[test]
fn a_thread_exit_clears_and_wakes_its_tid_word() {
    let k = TestKernel::new();
    let p = k.spawn();
    let ctid = SCRATCH + 0x40;
    let tid = k.syscall(&p, Sysno::clone, [THREAD_FLAGS, SCRATCH + 0x9000, SCRATCH, 0, ctid]);
    let t = k.spawned().pop().unwrap();
    k.poke(&p, ctid, &(tid as u32).to_le_bytes());
    // pthread_join: wait while the word holds the tid; the thread's exit ends the wait.
    k.syscall_later(&t, Sysno::exit, [0]);
    assert_eq!(k.syscall(&p, Sysno::futex, [ctid, FUTEX_WAIT as usize, tid as usize]), 0);
    assert_eq!(k.peek_val::<u32>(&p, ctid), 0);
}

#[test]
fn waitid_reports_siginfo_and_wnowait_leaves_the_child() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    k.syscall(&child, Sysno::exit_group, [42]);
    k.poke(&p, SCRATCH, &[0xff; 128]);
    let opts = (WEXITED | WNOWAIT) as usize;
    assert_eq!(k.syscall(&p, Sysno::waitid, [P_PID as usize, pid(&child), SCRATCH, opts, 0]), 0);
    let info: SigInfo = k.peek_val(&p, SCRATCH);
    assert_eq!((info.signo, info.errno, info.code), (SIGCHLD as i32, 0, CLD_EXITED));
    assert_eq!((info.pid(), info.uid(), info.status()), (pid(&child) as i32, 0, 42));
    assert!(child.process().is_zombie(), "WNOWAIT: still waitable");
    assert_eq!(k.syscall(&p, Sysno::waitid, [P_ALL as usize, 0, SCRATCH, WEXITED as usize, 0]), 0);
    assert!(!child.process().is_zombie());
    assert_eq!(k.syscall(&p, Sysno::waitid, [P_ALL as usize, 0, SCRATCH, WEXITED as usize, 0]), ECHILD);
}

#[test]
fn waitid_with_wnohang_and_nothing_to_report_zeroes_the_fields() {
    let k = TestKernel::new();
    let p = k.spawn();
    let _child = k.fork(&p);
    k.poke(&p, SCRATCH, &[0xff; 128]);
    let opts = (WEXITED | WNOHANG) as usize;
    assert_eq!(k.syscall(&p, Sysno::waitid, [P_ALL as usize, 0, SCRATCH, opts, 0]), 0);
    let info: SigInfo = k.peek_val(&p, SCRATCH);
    assert_eq!((info.signo, info.code, info.pid(), info.status()), (0, 0, 0, 0));
}

#[test]
fn waitid_checks_its_arguments() {
    let k = TestKernel::new();
    let p = k.spawn();
    let _child = k.fork(&p);
    let w = WEXITED as usize;
    assert_eq!(k.syscall(&p, Sysno::waitid, [P_ALL as usize, 0, SCRATCH, WNOHANG as usize, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::waitid, [P_PID as usize, 0, SCRATCH, w, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::waitid, [7, 0, SCRATCH, w, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::waitid, [P_PGID as usize, usize::MAX, SCRATCH, w, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::waitid, [P_ALL as usize, 0, SCRATCH, w | 0x100, 0]), EINVAL);
}

#[test]
fn stops_and_continues_are_reported_once_each() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    assert_eq!(k.syscall(&p, Sysno::kill, [pid(&child), SIGSTOP]), 0);
    // The child stops on its way back to user mode, and stays there.
    let c = Caller::new(child.thread().clone());
    task::executor::spawn(async move {
        uspace::handle_user_trap(&c, Trap::Timer).await;
    });
    let opts = WUNTRACED as usize;
    assert_eq!(k.syscall(&p, Sysno::wait4, [pid(&child), SCRATCH, opts, 0]), pid(&child) as isize);
    assert_eq!(status_at(&k, &p, SCRATCH), 0x137f, "WIFSTOPPED, WSTOPSIG = SIGSTOP");
    assert_eq!(child.process().stopped(), Some(SIGSTOP));
    assert_eq!(k.syscall(&p, Sysno::wait4, [pid(&child), SCRATCH, opts | WNOHANG as usize, 0]), 0, "reported once");
    assert_eq!(k.syscall(&p, Sysno::kill, [pid(&child), SIGCONT]), 0);
    assert_eq!(child.process().stopped(), None);
    let opts = (WCONTINUED | WNOHANG) as usize;
    assert_eq!(k.syscall(&p, Sysno::wait4, [pid(&child), SCRATCH, opts, 0]), pid(&child) as isize);
    assert_eq!(status_at(&k, &p, SCRATCH), 0xffff, "WIFCONTINUED");
    assert_eq!(k.syscall(&p, Sysno::wait4, [pid(&child), SCRATCH, opts, 0]), 0);
}

#[test]
fn a_stopped_child_reports_through_waitid_too_and_sigkill_ends_it() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    k.syscall(&p, Sysno::kill, [pid(&child), SIGTSTP]);
    let c = Caller::new(child.thread().clone());
    task::executor::spawn(async move {
        uspace::handle_user_trap(&c, Trap::Timer).await;
    });
    assert_eq!(k.syscall(&p, Sysno::waitid, [P_ALL as usize, 0, SCRATCH, WSTOPPED as usize, 0]), 0);
    let info: SigInfo = k.peek_val(&p, SCRATCH);
    assert_eq!((info.code, info.status()), (CLD_STOPPED, SIGTSTP as i32));
    k.syscall(&p, Sysno::kill, [pid(&child), SIGKILL]);
    assert_eq!(k.syscall(&p, Sysno::wait4, [usize::MAX, SCRATCH, 0, 0]), pid(&child) as isize);
    assert_eq!(status_at(&k, &p, SCRATCH), SIGKILL as i32);
}

// ---- process groups and sessions ----

#[test]
fn first_processes_are_in_group_and_session_zero_and_children_inherit() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::getpgid, [0]), 0);
    assert_eq!(k.syscall(&p, Sysno::getsid, [0]), 0);
    assert_eq!(k.syscall(&p, Sysno::setsid, []), pid(&p) as isize);
    let child = k.fork(&p);
    assert_eq!(k.syscall(&child, Sysno::getpgid, [0]), pid(&p) as isize);
    assert_eq!(k.syscall(&child, Sysno::getsid, [0]), pid(&p) as isize);
    assert_eq!(k.syscall(&p, Sysno::getpgid, [pid(&child)]), pid(&p) as isize);
}

#[test]
fn setsid_fails_for_a_group_leader() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::setsid, []), pid(&p) as isize);
    assert_eq!(k.syscall(&p, Sysno::setsid, []), EPERM);
    let child = k.fork(&p);
    assert_eq!(k.syscall(&child, Sysno::setsid, []), pid(&child) as isize, "not a leader");
}

#[test]
fn setpgid_moves_the_caller_or_a_child() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.syscall(&p, Sysno::setsid, []);
    let a = k.fork(&p);
    let b = k.fork(&p);
    assert_eq!(k.syscall(&p, Sysno::setpgid, [pid(&a), 0]), 0, "0: a group named after the child");
    assert_eq!(a.process().pgid(), pid(&a));
    assert_eq!(k.syscall(&b, Sysno::setpgid, [0, pid(&a)]), 0, "join an existing group");
    assert_eq!(b.process().pgid(), pid(&a));
    assert_eq!(k.syscall(&b, Sysno::setpgid, [0, 0]), 0);
    assert_eq!(k.syscall(&b, Sysno::getpgid, [0]), pid(&b) as isize);
}

#[test]
fn setpgid_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.syscall(&p, Sysno::setsid, []);
    let child = k.fork(&p);
    let stranger = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::setpgid, [0, usize::MAX]), EINVAL, "negative pgid");
    assert_eq!(k.syscall(&p, Sysno::setpgid, [pid(&stranger), 0]), ESRCH, "not a child");
    assert_eq!(k.syscall(&p, Sysno::setpgid, [0, 0]), EPERM, "a session leader");
    assert_eq!(k.syscall(&child, Sysno::setpgid, [0, 999_999]), EPERM, "no such group");
    let grandchild = k.fork(&child);
    assert_eq!(k.syscall(&grandchild, Sysno::setsid, []), pid(&grandchild) as isize);
    assert_eq!(k.syscall(&child, Sysno::setpgid, [pid(&grandchild), 0]), EPERM, "another session");
    child.process().mark_execed();
    assert_eq!(k.syscall(&p, Sysno::setpgid, [pid(&child), 0]), EACCES, "after execve");
}

#[test]
fn getpgid_and_getsid_of_unknown_processes_are_esrch() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::getpgid, [999_999]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::getsid, [999_999]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::getsid, [usize::MAX]), ESRCH);
}

#[test]
fn the_pid_table_lists_processes_and_threads() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    let all: Vec<usize> = task::process::all().iter().map(|p| p.pid).collect();
    assert!(all.contains(&pid(&p)) && all.contains(&pid(&child)));
    assert!(all.windows(2).all(|w| w[0] < w[1]), "by pid");
    assert!(task::process::lookup_thread(pid(&child)).is_some());
    k.syscall(&child, Sysno::exit, [0]);
    assert!(task::process::lookup_thread(pid(&child)).is_none(), "an ended thread");
}

#[test]
fn unshare_gives_a_process_its_own_descriptor_table_and_fs_context() {
    let k = TestKernel::new();
    let p = k.spawn();
    let flags = (CLONE_FILES | CLONE_FS) as usize | SIGCHLD;
    assert!(k.syscall(&p, Sysno::clone, [flags, 0, 0, 0, 0]) > 0);
    let child = k.spawned().pop().unwrap();
    assert!(p.process().files.is_shared() && p.process().fs.is_shared());
    assert_eq!(k.syscall(&child, Sysno::unshare, [(CLONE_FILES | CLONE_FS | CLONE_SYSVSEM) as usize]), 0);
    assert!(!p.process().files.is_shared() && !p.process().fs.is_shared());
    // The child's close and umask no longer reach the parent.
    assert_eq!(k.syscall(&child, Sysno::close, [1]), 0);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [1, 1 /* F_GETFD */]), 0);
    assert_eq!(k.syscall(&child, Sysno::umask, [0o077]), 0o022);
    assert_eq!(k.syscall(&p, Sysno::umask, [0o022]), 0o022);
    // Alone and unshared already: a no-op; namespaces and unknown bits: EINVAL.
    assert_eq!(k.syscall(&p, Sysno::unshare, [(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD) as usize]), 0);
    assert_eq!(k.syscall(&p, Sysno::unshare, [CLONE_NEWNS as usize]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::unshare, [CLONE_NEWPID as usize]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::unshare, [CLONE_SETTLS as usize]), EINVAL);
    // A process whose memory is shared (CLONE_VM) cannot stop sharing it.
    assert!(k.syscall(&p, Sysno::clone, [(CLONE_VM as usize) | SIGCHLD, SCRATCH + 0x8000, 0, 0, 0]) > 0);
    assert_eq!(k.syscall(&p, Sysno::unshare, [CLONE_VM as usize]), EINVAL);
}
