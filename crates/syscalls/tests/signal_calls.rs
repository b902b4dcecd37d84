//! kill, tkill, tgkill, rt_sigpending, rt_sigtimedwait, and the signal API other components
//! use (send_to_thread for SIGPIPE, send_to_group for the terminal, interruptible waits).
use abi::process::*;
use abi::signal::*;
use abi::structs::{SigAction, Timespec};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Errno, Sysno};
use task::executor::block_on;
use task::process::ExitStatus;
use uspace::testing::Ecall;

const SET: usize = SCRATCH + 0x200;
const INFO: usize = SCRATCH + 0x400;
const TS: usize = SCRATCH + 0x600;

fn pid(p: &Caller) -> usize {
    p.process().pid
}

fn block_all(k: &TestKernel, p: &Caller) {
    k.poke(p, SET, &(!0u64).to_le_bytes());
    assert_eq!(k.syscall(p, Sysno::rt_sigprocmask, [SIG_SETMASK, SET, 0, 8]), 0);
}

fn handle(k: &TestKernel, p: &Caller, sig: usize) {
    k.poke(p, SCRATCH + 0x800, bytemuck::bytes_of(&SigAction { handler: 0x4000, flags: 0, mask: 0 }));
    assert_eq!(k.syscall(p, Sysno::rt_sigaction, [sig, SCRATCH + 0x800, 0, 8]), 0);
}

#[test]
fn kill_sends_siginfo_naming_the_sender() {
    let k = TestKernel::new();
    let (a, b) = (k.spawn(), k.spawn());
    block_all(&k, &b);
    assert_eq!(k.syscall(&a, Sysno::kill, [pid(&b), SIGUSR1]), 0);
    let info = task::signal::dequeue(b.thread(), !0).unwrap();
    assert_eq!((info.signo, info.code, info.pid(), info.uid()), (SIGUSR1 as i32, SI_USER, pid(&a) as i32, 0));
}

#[test]
fn kill_errors_follow_linux() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::kill, [999_999, SIGTERM]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::kill, [999_999, 65]), ESRCH, "no target: ESRCH before EINVAL");
    assert_eq!(k.syscall(&p, Sysno::kill, [pid(&p), 65]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::kill, [pid(&p), 0]), 0, "signal 0 checks existence");
    assert_eq!(k.exit_status(&p), None);
    assert_eq!(k.syscall(&p, Sysno::kill, [-999_999isize as usize, SIGTERM]), ESRCH, "empty group");
    assert_eq!(k.syscall(&p, Sysno::kill, [i32::MIN as usize, SIGTERM]), ESRCH);
}

#[test]
fn kill_minus_one_reaches_everyone_but_the_caller_and_init() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::kill, [usize::MAX, SIGTERM]), ESRCH, "nobody else here");
    let others = [k.spawn(), k.spawn()];
    for o in &others {
        block_all(&k, o);
    }
    assert_eq!(k.syscall(&p, Sysno::kill, [usize::MAX, SIGUSR2]), 0);
    for o in &others {
        assert_eq!(task::signal::pending(o.thread()), sigbit(SIGUSR2));
    }
    assert_eq!(task::signal::pending(p.thread()), 0);
}

#[test]
fn kill_zero_and_minus_pgid_reach_a_process_group() {
    let k = TestKernel::new();
    let leader = k.spawn();
    k.syscall(&leader, Sysno::setsid, []);
    block_all(&k, &leader);
    let member = k.fork(&leader);
    let outsider = k.spawn();
    block_all(&k, &outsider);
    assert_eq!(k.syscall(&member, Sysno::kill, [0, SIGUSR1]), 0);
    assert_eq!(task::signal::pending(leader.thread()), sigbit(SIGUSR1));
    assert_eq!(task::signal::pending(member.thread()), sigbit(SIGUSR1), "the mask is inherited");
    assert_eq!(task::signal::pending(outsider.thread()), 0);
    assert_eq!(k.syscall(&outsider, Sysno::kill, [-(pid(&leader) as isize) as usize, SIGUSR2]), 0);
    assert_eq!(task::signal::pending(member.thread()), sigbit(SIGUSR1) | sigbit(SIGUSR2));
}

#[test]
fn a_zombie_can_still_be_signalled() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    k.syscall(&child, Sysno::exit, [0]);
    assert_eq!(k.syscall(&p, Sysno::kill, [pid(&child), SIGTERM]), 0);
    assert_eq!(k.exit_status(&child), Some(ExitStatus::Exited(0)));
}

#[test]
fn tgkill_and_tkill_signal_one_thread() {
    let k = TestKernel::new();
    let p = k.spawn();
    let flags = (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD) as usize;
    let tid = k.syscall(&p, Sysno::clone, [flags, SCRATCH + 0x9000]) as usize;
    let t = k.spawned().pop().unwrap();
    block_all(&k, &t);
    assert_eq!(k.syscall(&p, Sysno::tgkill, [pid(&p), tid, SIGUSR1]), 0);
    assert_eq!(task::signal::pending(t.thread()), sigbit(SIGUSR1));
    assert_eq!(task::signal::pending(p.thread()), 0, "not the other thread");
    let info = task::signal::dequeue(t.thread(), !0).unwrap();
    assert_eq!((info.code, info.pid()), (SI_TKILL, pid(&p) as i32));
    assert_eq!(k.syscall(&p, Sysno::tkill, [tid, SIGUSR2]), 0);
    assert_eq!(task::signal::pending(t.thread()), sigbit(SIGUSR2));

    let other = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::tgkill, [pid(&other), tid, SIGUSR1]), ESRCH, "not a thread of that process");
    assert_eq!(k.syscall(&p, Sysno::tgkill, [0, tid, SIGUSR1]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::tgkill, [pid(&p), 0, SIGUSR1]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::tkill, [0, SIGUSR1]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::tkill, [999_999, SIGUSR1]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::tkill, [tid, 99]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::tgkill, [pid(&p), tid, 0]), 0);
}

#[test]
fn kill_and_rt_sigqueueinfo_take_a_thread_id_for_its_process() {
    let k = TestKernel::new();
    let p = k.spawn();
    block_all(&k, &p);
    let flags = (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD) as usize;
    let tid = k.syscall(&p, Sysno::clone, [flags, SCRATCH + 0x9000]) as usize;
    let t = k.spawned().pop().unwrap();
    block_all(&k, &t);
    assert_ne!(tid, pid(&p));
    assert_eq!(k.syscall(&p, Sysno::kill, [tid, 0]), 0);
    let info = SigInfo { signo: SIGUSR2 as i32, code: SI_QUEUE, ..SigInfo::default() };
    k.poke(&p, INFO, bytemuck::bytes_of(&info));
    assert_eq!(k.syscall(&p, Sysno::rt_sigqueueinfo, [tid, SIGUSR2, INFO]), 0);
    // Pending for both threads: queued to the process, not to the thread the id names.
    assert_eq!(task::signal::pending(t.thread()), sigbit(SIGUSR2));
    assert_eq!(task::signal::pending(p.thread()), sigbit(SIGUSR2));
    assert_eq!(k.syscall(&p, Sysno::kill, [tid + 1000, 0]), ESRCH);
}

#[test]
fn a_fatal_signal_to_one_thread_ends_the_whole_process() {
    let k = TestKernel::new();
    let p = k.spawn();
    let flags = (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD) as usize;
    let tid = k.syscall(&p, Sysno::clone, [flags, SCRATCH + 0x9000]) as usize;
    let t = k.spawned().pop().unwrap();
    k.syscall(&p, Sysno::tkill, [tid, SIGTERM]);
    assert!(p.thread().exiting() && t.thread().exiting());
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(SIGTERM)));
}

#[test]
fn a_signal_for_the_process_is_taken_by_any_thread_that_does_not_block_it() {
    let k = TestKernel::new();
    let p = k.spawn();
    handle(&k, &p, SIGUSR1);
    block_all(&k, &p);
    let flags = (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD) as usize;
    k.syscall(&p, Sysno::clone, [flags, SCRATCH + 0x9000]);
    let t = k.spawned().pop().unwrap();
    k.poke(&t, SET, &0u64.to_le_bytes());
    k.syscall(&t, Sysno::rt_sigprocmask, [SIG_SETMASK, SET, 0, 8]);
    k.syscall(&p, Sysno::kill, [pid(&p), SIGUSR1]);
    assert!(!task::signal::has_pending(p.thread()));
    assert!(task::signal::has_pending(t.thread()));
    k.ecall(&t, Sysno::getpid, []);
    assert_eq!(t.thread().ctx.lock().sepc, 0x4000, "the unblocked thread ran the handler");
}

#[test]
fn rt_sigpending_reports_blocked_pending_signals() {
    let k = TestKernel::new();
    let p = k.spawn();
    block_all(&k, &p);
    k.syscall(&p, Sysno::kill, [pid(&p), SIGUSR1]);
    k.syscall(&p, Sysno::kill, [pid(&p), 33]);
    assert_eq!(k.syscall(&p, Sysno::rt_sigpending, [SET, 8]), 0);
    assert_eq!(k.peek_val::<u64>(&p, SET), sigbit(SIGUSR1) | sigbit(33));
    k.poke(&p, SET, &[0xff; 8]);
    assert_eq!(k.syscall(&p, Sysno::rt_sigpending, [SET, 4]), 0, "a smaller set is allowed");
    assert_eq!(k.peek(&p, SET, 8), [0, 2, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    assert_eq!(k.syscall(&p, Sysno::rt_sigpending, [SET, 16]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::rt_sigpending, [READONLY, 8]), EFAULT);
}

#[test]
fn sigtimedwait_takes_a_pending_signal_with_its_info() {
    let k = TestKernel::new();
    let p = k.spawn();
    block_all(&k, &p);
    k.syscall(&p, Sysno::kill, [pid(&p), SIGUSR2]);
    k.poke(&p, SET, &(sigbit(SIGUSR1) | sigbit(SIGUSR2)).to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::rt_sigtimedwait, [SET, INFO, 0, 8]), SIGUSR2 as isize);
    let info: SigInfo = k.peek_val(&p, INFO);
    assert_eq!((info.signo, info.code, info.pid()), (SIGUSR2 as i32, SI_USER, pid(&p) as i32));
    assert_eq!(task::signal::pending(p.thread()), 0, "taken, no handler ran");
}

#[test]
fn sigtimedwait_times_out_with_eagain() {
    let k = TestKernel::new();
    let p = k.spawn();
    block_all(&k, &p);
    k.poke(&p, SET, &sigbit(SIGUSR1).to_le_bytes());
    k.poke(&p, TS, bytemuck::bytes_of(&Timespec { tv_sec: 0, tv_nsec: 0 }));
    assert_eq!(k.syscall(&p, Sysno::rt_sigtimedwait, [SET, 0, TS, 8]), EAGAIN, "zero timeout: a poll");
    k.poke(&p, TS, bytemuck::bytes_of(&Timespec { tv_sec: 2, tv_nsec: 0 }));
    let start = hal::time::now_ns();
    assert_eq!(k.syscall(&p, Sysno::rt_sigtimedwait, [SET, 0, TS, 8]), EAGAIN);
    assert_eq!(hal::time::now_ns() - start, 2_000_000_000);
}

#[test]
fn sigtimedwait_waits_for_a_signal_sent_later() {
    let k = TestKernel::new();
    let p = k.spawn();
    block_all(&k, &p);
    let sender = k.spawn();
    k.syscall_later(&sender, Sysno::kill, [pid(&p), 40]);
    k.poke(&p, SET, &sigbit(40).to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::rt_sigtimedwait, [SET, INFO, 0, 8]), 40);
    assert_eq!(k.peek_val::<SigInfo>(&p, INFO).pid(), pid(&sender) as i32);
}

#[test]
fn sigtimedwait_is_eintr_when_another_signal_is_handled() {
    let k = TestKernel::new();
    let p = k.spawn();
    handle(&k, &p, SIGUSR2);
    k.poke(&p, SET, &sigbit(SIGUSR1).to_le_bytes());
    k.syscall(&p, Sysno::rt_sigprocmask, [SIG_BLOCK, SET, 0, 8]);
    let sender = k.spawn();
    k.syscall_later(&sender, Sysno::kill, [pid(&p), SIGUSR2]);
    assert_eq!(k.syscall(&p, Sysno::rt_sigtimedwait, [SET, 0, 0, 8]), EINTR);
}

#[test]
fn sigtimedwait_checks_its_arguments() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SET, &sigbit(SIGUSR1).to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::rt_sigtimedwait, [SET, 0, 0, 4]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::rt_sigtimedwait, [UNMAPPED, 0, 0, 8]), EFAULT);
    k.poke(&p, TS, bytemuck::bytes_of(&Timespec { tv_sec: 0, tv_nsec: 2_000_000_000 }));
    assert_eq!(k.syscall(&p, Sysno::rt_sigtimedwait, [SET, 0, TS, 8]), EINVAL);
}

#[test]
fn stop_signals_and_sigcont_cancel_each_other_when_pending() {
    let k = TestKernel::new();
    let p = k.spawn();
    handle(&k, &p, SIGCONT);
    handle(&k, &p, SIGTSTP);
    block_all(&k, &p);
    k.syscall(&p, Sysno::kill, [pid(&p), SIGCONT]);
    assert_eq!(task::signal::pending(p.thread()), sigbit(SIGCONT));
    k.syscall(&p, Sysno::kill, [pid(&p), SIGTSTP]);
    assert_eq!(task::signal::pending(p.thread()), sigbit(SIGTSTP), "SIGCONT discarded");
    k.syscall(&p, Sysno::kill, [pid(&p), SIGCONT]);
    assert_eq!(task::signal::pending(p.thread()), sigbit(SIGCONT), "the stop discarded");
}

// ---- the API for other components ----

#[test]
fn send_to_thread_raises_sigpipe_which_kills_by_default() {
    let k = TestKernel::new();
    let p = k.spawn();
    task::signal::send_to_thread(p.thread(), SIGPIPE);
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(SIGPIPE)));
    let q = k.spawn();
    block_all(&k, &q);
    task::signal::send_to_thread(q.thread(), SIGPIPE);
    let info = task::signal::dequeue(q.thread(), !0).unwrap();
    assert_eq!((info.code, info.pid()), (SI_USER, pid(&q) as i32));
}

#[test]
fn send_to_group_is_what_the_terminal_uses() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.syscall(&p, Sysno::setsid, []);
    let child = k.fork(&p);
    task::signal::send_to_group(pid(&p), SIGINT).unwrap();
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(SIGINT)));
    assert_eq!(k.exit_status(&child), Some(ExitStatus::Signaled(SIGINT)));
    assert_eq!(task::signal::send_to_group(999_999, SIGINT), Err(Errno::ESRCH));
}

#[test]
fn interruptible_waits_end_on_a_signal_or_an_exit_request() {
    let k = TestKernel::new();
    let p = k.spawn();
    handle(&k, &p, SIGUSR1);
    let queue = sync::WaitQueue::new();
    let sender = k.spawn();
    k.syscall_later(&sender, Sysno::kill, [pid(&p), SIGUSR1]);
    let r = block_on(task::signal::interruptible(p.thread(), queue.wait_until(|| None::<()>)));
    assert_eq!(r, Err(Errno::ERESTARTSYS));
    // A blocked signal does not interrupt: the wait runs into its deadline instead.
    let q = k.spawn();
    block_all(&k, &q);
    k.syscall_later(&sender, Sysno::kill, [pid(&q), SIGUSR1]);
    let deadline = hal::time::now_ns() + 1_000_000;
    let wait = task::signal::interruptible(q.thread(), queue.wait_until(|| None::<()>));
    assert_eq!(block_on(task::executor::with_deadline(Some(deadline), wait)), None);
    // An exit request does.
    let t = q.thread().clone();
    task::executor::spawn(async move { t.request_exit() });
    let r = block_on(task::signal::interruptible(q.thread(), queue.wait_until(|| None::<()>)));
    assert_eq!(r, Err(Errno::ERESTARTSYS));
}

#[test]
fn a_ready_wait_completes_even_with_a_signal_pending() {
    let k = TestKernel::new();
    let p = k.spawn();
    handle(&k, &p, SIGUSR1);
    block_all(&k, &p);
    k.syscall(&p, Sysno::kill, [pid(&p), SIGUSR1]);
    task::signal::set_mask(p.thread(), 0);
    let queue = sync::WaitQueue::new();
    assert_eq!(block_on(task::signal::interruptible(p.thread(), queue.wait_until(|| Some(1)))), Ok(1));
}

#[test]
fn sigqueue_delivers_the_senders_siginfo() {
    let k = TestKernel::new();
    let p = k.spawn();
    block_all(&k, &p);
    let mut info = SigInfo { signo: 0, code: SI_QUEUE, ..SigInfo::default() };
    info.fields[0] = pid(&p) as u64;
    info.fields[1] = 0xabcd; // si_value
    k.poke(&p, INFO, bytemuck::bytes_of(&info));
    assert_eq!(k.syscall(&p, Sysno::rt_sigqueueinfo, [pid(&p), 40, INFO]), 0);
    let got = task::signal::dequeue(p.thread(), !0).unwrap();
    assert_eq!((got.signo, got.code, got.fields[1]), (40, SI_QUEUE, 0xabcd));
    // Pretending to be the kernel or kill() is only allowed towards oneself.
    let other = k.spawn();
    info.code = SI_USER;
    k.poke(&p, INFO, bytemuck::bytes_of(&info));
    assert_eq!(k.syscall(&p, Sysno::rt_sigqueueinfo, [pid(&other), SIGUSR1, INFO]), EPERM);
    assert_eq!(k.syscall(&p, Sysno::rt_sigqueueinfo, [999_999, SIGUSR1, INFO]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::rt_sigqueueinfo, [pid(&p), 65, INFO]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::rt_sigqueueinfo, [pid(&p), SIGUSR1, UNMAPPED]), EFAULT);
    let tid = p.thread().tid();
    info.code = SI_QUEUE;
    k.poke(&p, INFO, bytemuck::bytes_of(&info));
    assert_eq!(k.syscall(&p, Sysno::rt_tgsigqueueinfo, [pid(&p), tid, 41, INFO]), 0);
    assert_eq!(task::signal::dequeue(p.thread(), !0).unwrap().signo, 41);
    assert_eq!(k.syscall(&p, Sysno::rt_tgsigqueueinfo, [pid(&other), tid, 41, INFO]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::rt_tgsigqueueinfo, [0, tid, 41, INFO]), EINVAL);
}
