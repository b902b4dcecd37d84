//! The console's ISIG characters signal its foreground process group (TIOCSPGRP). In a test
//! binary of its own: the console and its foreground group are global.
use abi::flags::TIOCSPGRP;
use abi::signal::*;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;
use task::process::ExitStatus;

/// Let the console take in what was typed (a zero-timeout ppoll on fd 0 looks at it).
fn pump(k: &TestKernel, p: &syscalls::Caller) {
    k.poke(p, SCRATCH + 128, &[0, 0, 0, 0, 1, 0, 0, 0]); // pollfd { 0, POLLIN }
    k.poke(p, SCRATCH + 256, &[0; 16]); // timespec 0
    k.syscall(p, Sysno::ppoll, [SCRATCH + 128, 1, SCRATCH + 256, 0, 8]);
}

#[test]
fn ctrl_c_interrupts_the_foreground_group_and_ctrl_z_stops_it() {
    let k = TestKernel::new();
    let shell = k.spawn();
    let sid = k.syscall(&shell, Sysno::setsid, []) as usize;
    // A "job" in a group of its own, in the foreground.
    let job = k.fork(&shell);
    assert_eq!(k.syscall(&shell, Sysno::setpgid, [job.process().pid, 0]), 0);
    k.poke(&shell, SCRATCH, &(job.process().pid as i32).to_le_bytes());
    assert_eq!(k.syscall(&shell, Sysno::ioctl, [0, TIOCSPGRP, SCRATCH]), 0);
    // ^Z: the job gets SIGTSTP (pending until it next returns to user mode, where it stops).
    k.type_input(b"partial line\x1a");
    pump(&k, &shell);
    assert!(task::signal::has_pending(job.thread()));
    assert_eq!(task::signal::pending(job.thread()), sigbit(SIGTSTP));
    assert_eq!(task::signal::pending(shell.thread()), 0, "not the shell's group");
    // ^C while the job reads the terminal: it dies of SIGINT, its read is abandoned.
    k.syscall(&shell, Sysno::kill, [job.process().pid, SIGCONT]);
    let c = syscalls::Caller::new(job.thread().clone());
    task::executor::spawn(async move {
        syscalls::dispatch(&c, Sysno::read.0, [0, SCRATCH, 16, 0, 0, 0]).await;
    });
    k.type_input(b"\x03");
    pump(&k, &shell);
    assert_eq!(k.exit_status(&job), Some(ExitStatus::Signaled(SIGINT)));
    assert_eq!(k.exit_status(&shell), None);
    assert_eq!(sid, shell.process().pid);
    let _ = EINTR;
}
