//! Job control: the controlling terminal (TIOCSCTTY, TIOCNOTTY, TIOCGSID, TIOCSPGRP's checks),
//! SIGTTIN/SIGTTOU for background jobs, SIGHUP when the session leader ends or a group with a
//! stopped member is orphaned. In a test binary of its own: the console is global.
use abi::flags::{AT_FDCWD, TCGETS, TCSETS, TIOCGSID, TIOCNOTTY, TIOCSCTTY, TIOCSPGRP};
use abi::signal::*;
use abi::structs::Termios;
use hal::context::Trap;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};
use task::process::ExitStatus;

/// The console is one device for every test thread: these tests take turns.
static CONSOLE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    CONSOLE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Let `who` wait 1 ms, so that the spawned tasks run.
fn settle(k: &TestKernel, who: &Caller) {
    k.poke(who, SCRATCH + 0xa00, &[0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x42, 0x0f, 0, 0, 0, 0, 0]);
    assert_eq!(k.syscall(who, Sysno::nanosleep, [SCRATCH + 0xa00, 0]), 0);
}

fn pid(c: &Caller) -> usize {
    c.process().pid
}

/// A child of `parent` in a process group of its own (what a shell makes of each job).
fn job_of(k: &TestKernel, parent: &Caller) -> Caller {
    let job = k.fork(parent);
    assert_eq!(k.syscall(&job, Sysno::setpgid, [0, 0]), 0);
    job
}

/// A session leader holding the console, and a job (a child in a group of its own) in the
/// background.
fn session(k: &TestKernel) -> (Caller, Caller) {
    let shell = k.spawn();
    assert_eq!(k.syscall(&shell, Sysno::setsid, []), pid(&shell) as isize);
    assert_eq!(k.syscall(&shell, Sysno::ioctl, [0, TIOCSCTTY, 0]), 0);
    let job = job_of(k, &shell);
    (shell, job)
}

fn set_foreground(k: &TestKernel, who: &Caller, pgrp: usize) -> isize {
    k.poke(who, SCRATCH + 0x800, &(pgrp as i32).to_le_bytes());
    k.syscall(who, Sysno::ioctl, [0, TIOCSPGRP, SCRATCH + 0x800])
}

fn ignore(k: &TestKernel, who: &Caller, sig: usize) {
    k.poke(who, SCRATCH + 0x900, &[1, 0, 0, 0, 0, 0, 0, 0]); // SIG_IGN
    k.poke(who, SCRATCH + 0x908, &[0; 24]);
    assert_eq!(k.syscall(who, Sysno::rt_sigaction, [sig, SCRATCH + 0x900, 0, 8]), 0);
}

#[test]
fn a_background_read_of_the_terminal_stops_the_job_with_sigttin() {
    let _turn = turn();
    let k = TestKernel::new();
    let (shell, job) = session(&k);
    let sibling = k.fork(&job);
    assert_eq!(k.syscall(&job, Sysno::read, [0, SCRATCH, 16]), ERESTARTSYS);
    assert_eq!(task::signal::pending(job.thread()), sigbit(SIGTTIN));
    assert_eq!(task::signal::pending(sibling.thread()), sigbit(SIGTTIN), "the whole group");
    assert_eq!(task::signal::pending(shell.thread()), 0, "the foreground reads on");
    // Ignoring SIGTTIN makes the read fail instead.
    let other = job_of(&k, &shell);
    ignore(&k, &other, SIGTTIN);
    assert_eq!(k.syscall(&other, Sysno::read, [0, SCRATCH, 16]), EIO);
    assert_eq!(task::signal::pending(other.thread()), 0);
    // In the foreground the job reads (nothing typed: a non-blocking try says so).
    assert_eq!(set_foreground(&k, &shell, pid(&job)), 0);
    k.syscall(&job, Sysno::fcntl, [0, 4 /* F_SETFL */, 0o4000 /* O_NONBLOCK */]);
    assert_eq!(k.syscall(&job, Sysno::read, [0, SCRATCH, 16]), EAGAIN);
}

#[test]
fn background_writes_stop_only_with_tostop_and_settings_changes_always() {
    let _turn = turn();
    let k = TestKernel::new();
    let (shell, job) = session(&k);
    k.poke(&job, SCRATCH, b"hi");
    assert_eq!(k.syscall(&job, Sysno::write, [1, SCRATCH, 2]), 2, "TOSTOP is off");
    assert_eq!(k.syscall(&shell, Sysno::ioctl, [0, TCGETS, SCRATCH + 0x100]), 0);
    let mut t: Termios = k.peek_val(&shell, SCRATCH + 0x100);
    t.c_lflag |= fs::tty::TOSTOP;
    k.poke(&job, SCRATCH + 0x100, bytemuck::bytes_of(&t));
    assert_eq!(k.syscall(&job, Sysno::ioctl, [0, TCSETS, SCRATCH + 0x100]), ERESTARTSYS, "a background change");
    assert_eq!(task::signal::pending(job.thread()), sigbit(SIGTTOU));
    task::signal::dequeue(job.thread(), !0);
    k.poke(&shell, SCRATCH + 0x100, bytemuck::bytes_of(&t));
    assert_eq!(k.syscall(&shell, Sysno::ioctl, [0, TCSETS, SCRATCH + 0x100]), 0);
    assert_eq!(k.syscall(&job, Sysno::write, [1, SCRATCH, 2]), ERESTARTSYS);
    assert_eq!(task::signal::pending(job.thread()), sigbit(SIGTTOU));
    task::signal::dequeue(job.thread(), !0);
    // A job that blocks SIGTTOU writes anyway.
    k.poke(&job, SCRATCH + 0x200, &sigbit(SIGTTOU).to_le_bytes());
    assert_eq!(k.syscall(&job, Sysno::rt_sigprocmask, [SIG_BLOCK, SCRATCH + 0x200, 0, 8]), 0);
    assert_eq!(k.syscall(&job, Sysno::write, [1, SCRATCH, 2]), 2);
    assert_eq!(k.console_output(), "hihi");
}

#[test]
fn the_controlling_terminal_belongs_to_one_session() {
    let _turn = turn();
    let k = TestKernel::new();
    let (shell, job) = session(&k);
    assert_eq!(k.syscall(&job, Sysno::ioctl, [0, TIOCGSID, SCRATCH]), 0);
    assert_eq!(k.peek_val::<i32>(&job, SCRATCH), pid(&shell) as i32);
    assert_eq!(k.syscall(&job, Sysno::ioctl, [0, TIOCSCTTY, 0]), 0, "its own already");
    // /dev/tty reaches the same terminal (shells set the foreground through it).
    k.poke(&shell, SCRATCH + 0x400, b"/dev/tty\0");
    let tty = k.syscall(&shell, Sysno::openat, [AT_FDCWD as usize, SCRATCH + 0x400, 2, 0]);
    assert!(tty >= 0, "{tty}");
    assert_eq!(k.syscall(&shell, Sysno::ioctl, [tty as usize, TIOCGSID, SCRATCH]), 0);
    assert_eq!(k.peek_val::<i32>(&shell, SCRATCH), pid(&shell) as i32);
    assert_eq!(set_foreground(&k, &shell, 99_999), ESRCH);
    assert_eq!(set_foreground(&k, &shell, pid(&job)), 0);
    // Another session may neither take it nor set its foreground.
    let stranger = k.spawn();
    assert_eq!(k.syscall(&stranger, Sysno::setsid, []), pid(&stranger) as isize);
    assert_eq!(set_foreground(&k, &stranger, pid(&stranger)), ENOTTY);
    assert_eq!(k.syscall(&stranger, Sysno::ioctl, [0, TIOCSCTTY, 0]), EPERM);
    assert_eq!(k.syscall(&stranger, Sysno::ioctl, [0, TIOCGSID, SCRATCH]), ENOTTY);
    assert_eq!(set_foreground(&k, &job, pid(&stranger)), EPERM, "a group of another session");
    // A member that is not the leader cannot take one; giving it up affects only itself.
    let member = k.fork(&shell);
    assert_eq!(k.syscall(&member, Sysno::ioctl, [0, TIOCNOTTY, 0]), 0);
    assert_eq!(k.syscall(&member, Sysno::ioctl, [0, TIOCGSID, SCRATCH]), ENOTTY);
    assert_eq!(k.syscall(&member, Sysno::ioctl, [0, TIOCSCTTY, 0]), EPERM);
    assert_eq!(k.syscall(&job, Sysno::ioctl, [0, TIOCGSID, SCRATCH]), 0);
    // Root steals it with arg 1; the old session loses it.
    assert_eq!(k.syscall(&stranger, Sysno::ioctl, [0, TIOCSCTTY, 1]), 0);
    assert_eq!(k.syscall(&job, Sysno::ioctl, [0, TIOCGSID, SCRATCH]), ENOTTY);
    assert_eq!(k.syscall(&stranger, Sysno::ioctl, [0, TIOCGSID, SCRATCH]), 0);
    assert_eq!(k.peek_val::<i32>(&stranger, SCRATCH), pid(&stranger) as i32);
}

#[test]
fn when_the_session_leader_ends_the_foreground_job_is_hung_up() {
    let _turn = turn();
    let k = TestKernel::new();
    let init = k.spawn();
    k.make_init(&init);
    let shell = k.fork(&init);
    assert_eq!(k.syscall(&shell, Sysno::setsid, []), pid(&shell) as isize);
    assert_eq!(k.syscall(&shell, Sysno::ioctl, [0, TIOCSCTTY, 0]), 0);
    let job = job_of(&k, &shell);
    let background = job_of(&k, &shell);
    assert_eq!(set_foreground(&k, &shell, pid(&job)), 0);
    k.syscall(&shell, Sysno::exit, [0]);
    assert_eq!(k.exit_status(&job), Some(ExitStatus::Signaled(SIGHUP)));
    assert_eq!(k.exit_status(&background), None, "only the foreground");
    assert_eq!(task::signal::pending(background.thread()), 0);
    assert_eq!(k.syscall(&background, Sysno::ioctl, [0, TIOCGSID, SCRATCH]), ENOTTY, "the session lost it");
    assert!(background.process().ctty().is_none());
}

#[test]
fn an_orphaned_group_with_a_stopped_member_is_hung_up_and_continued() {
    let _turn = turn();
    let k = TestKernel::new();
    let init = k.spawn();
    k.make_init(&init);
    let shell = k.fork(&init);
    assert_eq!(k.syscall(&shell, Sysno::setsid, []), pid(&shell) as isize);
    let job = job_of(&k, &shell);
    // A group without a stopped member is left alone.
    let quiet = job_of(&k, &shell);
    // The job stops (SIGSTOP, acted on when it comes back from user mode).
    assert_eq!(k.syscall(&shell, Sysno::kill, [pid(&job), SIGSTOP]), 0);
    let c = Caller::new(job.thread().clone());
    task::executor::spawn(async move {
        uspace::handle_user_trap(&c, Trap::Timer).await;
    });
    settle(&k, &shell);
    assert_eq!(job.process().stopped(), Some(SIGSTOP));
    assert!(!task::jobctl::is_orphaned_pgrp(pid(&quiet), None));
    // The shell goes: nobody in the session can continue the job any more.
    k.syscall(&shell, Sysno::exit, [0]);
    settle(&k, &init);
    assert!(task::jobctl::is_orphaned_pgrp(pid(&job), None));
    assert_eq!(job.process().stopped(), None);
    assert_eq!(k.exit_status(&job), Some(ExitStatus::Signaled(SIGHUP)));
    assert_eq!(task::signal::pending(quiet.thread()), 0);
    assert_eq!(k.exit_status(&quiet), None);
}
