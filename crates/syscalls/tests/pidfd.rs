//! pidfd_open, pidfd_send_signal, pidfd_getfd and waitid(P_PIDFD) through the dispatcher.
use abi::flags::*;
use abi::process::*;
use abi::signal::*;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const BUF: usize = SCRATCH;
const PIDFD_NONBLOCK: usize = OpenFlags::NONBLOCK.bits() as usize;

fn pidfd_open(k: &TestKernel, p: &Caller, pid: usize, flags: usize) -> isize {
    k.syscall(p, Sysno::pidfd_open, [pid, flags])
}

#[test]
fn pidfd_open_names_a_process_close_on_exec() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    let fd = pidfd_open(&k, &p, child.process().pid, 0);
    assert!(fd >= 3);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [fd as usize, F_GETFD as usize]), FD_CLOEXEC as isize);
    assert_eq!(k.syscall(&p, Sysno::read, [fd as usize, BUF, 8]), EINVAL, "nothing to read");
    assert_eq!(pidfd_open(&k, &p, child.process().pid, 1), EINVAL, "an unknown flag");
    assert_eq!(pidfd_open(&k, &p, 0, 0), EINVAL);
    assert_eq!(pidfd_open(&k, &p, usize::MAX, 0), EINVAL, "pid -1");
    assert_eq!(pidfd_open(&k, &p, 99_999, 0), ESRCH);
    let nb = pidfd_open(&k, &p, child.process().pid, PIDFD_NONBLOCK);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [nb as usize, F_GETFL as usize]) & O_NONBLOCK_BIT, O_NONBLOCK_BIT);
}

const O_NONBLOCK_BIT: isize = OpenFlags::NONBLOCK.bits() as isize;

#[test]
fn a_pidfd_polls_readable_when_the_process_ends_and_waitid_takes_it() {
    let k = TestKernel::new();
    let p = k.spawn();
    let child = k.fork(&p);
    let fd = pidfd_open(&k, &p, child.process().pid, PIDFD_NONBLOCK) as usize;
    let poll = |k: &TestKernel| {
        k.poke(&p, BUF, &[fd as i32 as u32, 1u32].iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<u8>>()[..6]);
        k.poke(&p, BUF + 6, &[0, 0]);
        k.poke(&p, BUF + 16, &[0u8; 16]);
        k.syscall(&p, Sysno::ppoll, [BUF, 1, BUF + 16, 0, 8])
    };
    assert_eq!(poll(&k), 0);
    // A non-blocking pidfd: waitid does not wait.
    assert_eq!(k.syscall(&p, Sysno::waitid, [P_PIDFD as usize, fd, BUF + 64, WEXITED as usize, 0]), EAGAIN);
    k.syscall(&child, Sysno::exit, [3]);
    assert_eq!(poll(&k), 1);
    assert_eq!(k.peek_val::<u16>(&p, BUF + 6) & 1, 1, "POLLIN");
    assert_eq!(k.syscall(&p, Sysno::waitid, [P_PIDFD as usize, fd, BUF + 64, WEXITED as usize, 0]), 0);
    assert_eq!(k.peek_val::<i32>(&p, BUF + 64 + 16), child.process().pid as i32, "si_pid");
    assert_eq!(k.peek_val::<i32>(&p, BUF + 64 + 24), 3, "si_status");
    // Reaped: the pidfd names nobody any more.
    assert_eq!(k.syscall(&p, Sysno::pidfd_send_signal, [fd, 0, 0, 0]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::waitid, [P_PIDFD as usize, 1, BUF + 64, WEXITED as usize, 0]), EBADF);
}

#[test]
fn pidfd_send_signal_signals_the_process_with_kills_checks() {
    let k = TestKernel::new();
    let p = k.spawn();
    let me = pidfd_open(&k, &p, p.process().pid, 0) as usize;
    assert_eq!(k.syscall(&p, Sysno::pidfd_send_signal, [me, SIGUSR1, 0, 1]), EINVAL, "flags");
    assert_eq!(k.syscall(&p, Sysno::pidfd_send_signal, [0, SIGUSR1, 0, 0]), EBADF, "not a pidfd");
    assert_eq!(k.syscall(&p, Sysno::pidfd_send_signal, [me, NSIG + 1, 0, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::pidfd_send_signal, [me, 0, 0, 0]), 0);
    let mask = 1u64 << (SIGUSR1 - 1);
    k.poke(&p, BUF, &mask.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::rt_sigprocmask, [SIG_BLOCK as usize, BUF, 0, 8]), 0);
    assert_eq!(k.syscall(&p, Sysno::pidfd_send_signal, [me, SIGUSR1, 0, 0]), 0);
    assert_eq!(task::signal::pending(p.thread()) & mask, mask);
    // A siginfo whose si_signo is another signal: EINVAL.
    let info = SigInfo { signo: SIGUSR2 as i32, code: SI_QUEUE, ..Default::default() };
    k.poke(&p, BUF + 64, bytemuck::bytes_of(&info));
    assert_eq!(k.syscall(&p, Sysno::pidfd_send_signal, [me, SIGUSR1, BUF + 64, 0]), EINVAL);
    // Another user's process: EPERM.
    let other = k.fork(&p);
    assert_eq!(k.syscall(&other, Sysno::setresuid, [1000, 1000, 1000]), 0);
    let fd = pidfd_open(&k, &other, p.process().pid, 0) as usize;
    assert_eq!(k.syscall(&other, Sysno::pidfd_send_signal, [fd, SIGUSR1, 0, 0]), EPERM);
}

#[test]
fn pidfd_getfd_copies_a_descriptor_of_a_process_the_caller_may_inspect() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"hello");
    let child = k.fork(&p);
    let f = k.open_ok(&child, "/tmp/f", 0);
    let fd = pidfd_open(&k, &p, child.process().pid, 0) as usize;
    let got = k.syscall(&p, Sysno::pidfd_getfd, [fd, f, 0]);
    assert!(got >= 0);
    assert_eq!(k.syscall(&p, Sysno::read, [got as usize, BUF, 5]), 5);
    assert_eq!(k.peek(&p, BUF, 5), b"hello");
    assert_eq!(k.syscall(&p, Sysno::fcntl, [got as usize, F_GETFD as usize]), FD_CLOEXEC as isize);
    assert_eq!(k.syscall(&p, Sysno::pidfd_getfd, [fd, 77, 0]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::pidfd_getfd, [fd, f, 1]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::pidfd_getfd, [0, f, 0]), EBADF, "not a pidfd");
    // Without CAP_SYS_PTRACE, another user's process is out of reach.
    let other = k.fork(&p);
    assert_eq!(k.syscall(&other, Sysno::setresuid, [1000, 1000, 1000]), 0);
    let fd2 = pidfd_open(&k, &other, child.process().pid, 0) as usize;
    assert_eq!(k.syscall(&other, Sysno::pidfd_getfd, [fd2, f, 0]), EPERM);
}

#[test]
fn a_proc_pid_directory_serves_as_a_pidfd_for_signals() {
    let t = FsTest::with_standard_mounts();
    let (k, p) = (&t.k, &t.p);
    let dir = k.open_ok(p, "/proc/self", OpenFlags::DIRECTORY.bits());
    assert_eq!(k.syscall(p, Sysno::pidfd_send_signal, [dir, 0, 0, 0]), 0);
    let f = k.open_ok(p, "/proc/self/stat", 0);
    assert_eq!(k.syscall(p, Sysno::pidfd_send_signal, [f, 0, 0, 0]), EBADF);
}
