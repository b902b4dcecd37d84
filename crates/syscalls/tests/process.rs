//! exit, exit_group, identity, set_tid_address, set_robust_list, prlimit64, getrlimit/setrlimit,
//! sched_getaffinity/sched_setaffinity.
use abi::flags::*;
use abi::structs::Rlimit;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Errno, Sysno};
use task::process::ExitStatus;

#[test]
fn exit_ends_the_process_with_the_low_byte_of_the_code() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::exit, [0x1_03]), 0);
    assert!(p.thread().exiting());
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Exited(3)));
    assert_eq!(ExitStatus::Exited(3).wait_status(), 0x300);
}

#[test]
fn exit_group_records_the_status_once() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.syscall(&p, Sysno::exit_group, [7]);
    k.syscall(&p, Sysno::exit_group, [9]);
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Exited(7)));
    assert!(p.thread().exiting());
}

#[test]
fn exit_closes_the_descriptors() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.syscall(&p, Sysno::exit_group, [0]);
    assert!(p.process().files().get(0).is_err());
}

#[test]
fn pid_and_tid_of_a_single_threaded_process_are_equal() {
    let k = TestKernel::new();
    let p = k.spawn();
    let pid = k.syscall(&p, Sysno::getpid, []);
    assert!(pid > 0);
    assert_eq!(k.syscall(&p, Sysno::gettid, []), pid);
}

#[test]
fn each_process_gets_a_new_pid() {
    let k = TestKernel::new();
    let (a, b) = (k.spawn(), k.spawn());
    assert_ne!(k.syscall(&a, Sysno::getpid, []), k.syscall(&b, Sysno::getpid, []));
}

#[test]
fn the_first_process_has_parent_zero() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::getppid, []), 0);
}

#[test]
fn everyone_is_root() {
    let k = TestKernel::new();
    let p = k.spawn();
    for n in [Sysno::getuid, Sysno::geteuid, Sysno::getgid, Sysno::getegid] {
        assert_eq!(k.syscall(&p, n, []), 0, "{n:?}");
    }
}

#[test]
fn set_tid_address_returns_the_tid_and_records_the_pointer() {
    let k = TestKernel::new();
    let p = k.spawn();
    let tid = k.syscall(&p, Sysno::set_tid_address, [SCRATCH]);
    assert_eq!(tid as usize, p.thread().tid());
    assert_eq!(p.thread().clear_child_tid.load(core::sync::atomic::Ordering::Relaxed), SCRATCH);
}

#[test]
fn set_robust_list_accepts_only_the_64_bit_head_size() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::set_robust_list, [SCRATCH, 24]), 0);
    assert_eq!(*p.thread().robust_list.lock(), (SCRATCH, 24));
    assert_eq!(k.syscall(&p, Sysno::set_robust_list, [SCRATCH, 16]), EINVAL);
}

fn rlimit(k: &TestKernel, p: &syscalls::Caller, addr: usize) -> Rlimit {
    k.peek_val(p, addr)
}

#[test]
fn prlimit64_reads_the_stack_limit() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::prlimit64, [0, RLIMIT_STACK, 0, SCRATCH]), 0);
    assert_eq!(rlimit(&k, &p, SCRATCH), Rlimit { cur: 8 << 20, max: RLIM_INFINITY });
}

#[test]
fn prlimit64_sets_then_returns_the_old_value() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&Rlimit { cur: 64, max: 128 }));
    assert_eq!(k.syscall(&p, Sysno::prlimit64, [0, RLIMIT_NOFILE, SCRATCH, SCRATCH + 16]), 0);
    assert_eq!(rlimit(&k, &p, SCRATCH + 16), Rlimit { cur: 1024, max: 4096 });
    assert_eq!(k.syscall(&p, Sysno::prlimit64, [0, RLIMIT_NOFILE, 0, SCRATCH + 32]), 0);
    assert_eq!(rlimit(&k, &p, SCRATCH + 32), Rlimit { cur: 64, max: 128 });
    assert_eq!(p.process().files().limit(), 64);
}

#[test]
fn prlimit64_reaches_other_processes_of_the_same_user() {
    let k = TestKernel::new();
    let p = k.spawn();
    let pid = p.process().pid;
    assert_eq!(k.syscall(&p, Sysno::prlimit64, [pid, RLIMIT_CORE, 0, SCRATCH]), 0);
    assert_eq!(k.syscall(&p, Sysno::prlimit64, [pid + 1000, RLIMIT_CORE, 0, SCRATCH]), Errno::ESRCH.as_ret());
    // A child's limit, set by its parent, is the child's.
    let child = k.fork(&p);
    let cpid = child.process().pid;
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&Rlimit { cur: 7, max: 9 }));
    assert_eq!(k.syscall(&p, Sysno::prlimit64, [cpid, RLIMIT_CORE, SCRATCH, SCRATCH + 16]), 0);
    assert_eq!(k.syscall(&child, Sysno::getrlimit, [RLIMIT_CORE, SCRATCH + 32]), 0);
    assert_eq!(rlimit(&k, &child, SCRATCH + 32), Rlimit { cur: 7, max: 9 });
    assert_ne!(rlimit(&k, &p, SCRATCH + 16), Rlimit { cur: 7, max: 9 }, "the old value");
    // Another user may not touch root's child, nor read its limits.
    let user = k.fork(&p);
    assert_eq!(k.syscall(&user, Sysno::setuid, [1000]), 0);
    assert_eq!(k.syscall(&user, Sysno::prlimit64, [cpid, RLIMIT_CORE, 0, SCRATCH]), Errno::EPERM.as_ret());
    // A zombie has no limits to change.
    k.syscall(&child, Sysno::exit, [0]);
    assert_eq!(k.syscall(&p, Sysno::prlimit64, [cpid, RLIMIT_CORE, 0, SCRATCH]), Errno::ESRCH.as_ret());
}

#[test]
fn rlimit_cpu_sends_sigxcpu_each_second_then_sigkill() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&Rlimit { cur: 1, max: 3 }));
    assert_eq!(k.syscall(&p, Sysno::setrlimit, [RLIMIT_CPU, SCRATCH]), 0);
    // Handle SIGXCPU, so that the process lives on to see it again.
    k.poke(&p, SCRATCH + 0x100, &0x1000usize.to_le_bytes());
    k.poke(&p, SCRATCH + 0x108, &[0; 24]);
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [abi::signal::SIGXCPU, SCRATCH + 0x100, 0, 8]), 0);
    let t = p.thread().clone();
    task::ktimer::account(&t, 900_000_000);
    assert_eq!(task::signal::pending(&t), 0);
    task::ktimer::account(&t, 200_000_000);
    assert_eq!(task::signal::dequeue(&t, !0).map(|i| i.signo), Some(abi::signal::SIGXCPU as i32));
    assert_eq!(k.syscall(&p, Sysno::getrlimit, [RLIMIT_CPU, SCRATCH]), 0);
    assert_eq!(rlimit(&k, &p, SCRATCH), Rlimit { cur: 2, max: 3 }, "the soft limit moves on a second");
    task::ktimer::account(&t, 1_000_000_000);
    assert_eq!(task::signal::dequeue(&t, !0).map(|i| i.signo), Some(abi::signal::SIGXCPU as i32));
    task::ktimer::account(&t, 1_000_000_000);
    assert_eq!(k.exit_status(&p), Some(task::process::ExitStatus::Signaled(abi::signal::SIGKILL)));
}

#[test]
fn prlimit64_rejects_bad_resources_and_soft_above_hard() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::prlimit64, [0, RLIM_NLIMITS, 0, SCRATCH]), EINVAL);
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&Rlimit { cur: 10, max: 5 }));
    assert_eq!(k.syscall(&p, Sysno::prlimit64, [0, RLIMIT_NOFILE, SCRATCH, 0]), EINVAL);
}

#[test]
fn prlimit64_with_bad_pointers_is_efault() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::prlimit64, [0, RLIMIT_STACK, 0, UNMAPPED]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::prlimit64, [0, RLIMIT_STACK, 0, READONLY]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::prlimit64, [0, RLIMIT_STACK, UNMAPPED, 0]), EFAULT);
}

#[test]
fn getrlimit_reads_what_prlimit64_reads() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::getrlimit, [RLIMIT_NOFILE, SCRATCH]), 0);
    assert_eq!(rlimit(&k, &p, SCRATCH), Rlimit { cur: 1024, max: 4096 });
    assert_eq!(k.syscall(&p, Sysno::getrlimit, [RLIMIT_STACK, SCRATCH]), 0);
    assert_eq!(rlimit(&k, &p, SCRATCH), Rlimit { cur: 8 << 20, max: RLIM_INFINITY });
}

#[test]
fn setrlimit_sets_the_limit_and_the_descriptor_tables_size() {
    // What the Go runtime does at start-up: raise the soft limit of open files to the hard one.
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&Rlimit { cur: 4096, max: 4096 }));
    assert_eq!(k.syscall(&p, Sysno::setrlimit, [RLIMIT_NOFILE, SCRATCH]), 0);
    assert_eq!(p.process().files().limit(), 4096);
    assert_eq!(k.syscall(&p, Sysno::prlimit64, [0, RLIMIT_NOFILE, 0, SCRATCH + 16]), 0);
    assert_eq!(rlimit(&k, &p, SCRATCH + 16), Rlimit { cur: 4096, max: 4096 });
    assert_eq!(k.syscall(&p, Sysno::getrlimit, [RLIMIT_NOFILE, SCRATCH + 32]), 0);
    assert_eq!(rlimit(&k, &p, SCRATCH + 32), Rlimit { cur: 4096, max: 4096 });
}

#[test]
fn getrlimit_and_setrlimit_errors_are_linuxs() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::getrlimit, [RLIM_NLIMITS, SCRATCH]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::getrlimit, [RLIM_NLIMITS, UNMAPPED]), EINVAL, "the resource first");
    assert_eq!(k.syscall(&p, Sysno::getrlimit, [RLIMIT_CORE, UNMAPPED]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::getrlimit, [RLIMIT_CORE, READONLY]), EFAULT);
    // setrlimit reads the limit before it looks at the resource.
    assert_eq!(k.syscall(&p, Sysno::setrlimit, [RLIM_NLIMITS, UNMAPPED]), EFAULT);
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&Rlimit { cur: 10, max: 10 }));
    assert_eq!(k.syscall(&p, Sysno::setrlimit, [RLIM_NLIMITS, SCRATCH]), EINVAL);
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&Rlimit { cur: 10, max: 5 }));
    assert_eq!(k.syscall(&p, Sysno::setrlimit, [RLIMIT_NOFILE, SCRATCH]), EINVAL);
    assert_eq!(p.process().files().limit(), 1024, "unchanged");
}

#[test]
fn sched_getaffinity_reports_the_one_cpu() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, &[0xff; 16]);
    // The raw call returns the size of the kernel's mask (glibc's wrapper returns 0).
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, 8192, SCRATCH]), 8);
    assert_eq!(k.peek(&p, SCRATCH, 16), [1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, 8, SCRATCH]), 8);
    let tid = p.thread().tid();
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [tid, 8, SCRATCH]), 8);
}

#[test]
fn sched_getaffinity_errors_are_linuxs() {
    let k = TestKernel::new();
    let p = k.spawn();
    let tid = p.thread().tid();
    for len in [0, 1, 4, 12] {
        assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, len, SCRATCH]), EINVAL, "len {len}");
    }
    // The length is an unsigned int: 2^32 + 8 is 8.
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, (1 << 32) + 8, SCRATCH]), 8);
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, 4, UNMAPPED]), EINVAL, "the length first");
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [tid + 1000, 8, SCRATCH]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [-1isize as usize, 8, SCRATCH]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [tid + 1000, 8, UNMAPPED]), ESRCH, "then the thread");
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, 8, UNMAPPED]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, 8, READONLY]), EFAULT);
}

#[test]
fn sched_setaffinity_accepts_masks_with_the_one_cpu() {
    let k = TestKernel::new();
    let p = k.spawn();
    let tid = p.thread().tid();
    k.poke(&p, SCRATCH, &[0xff; 128]);
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [0, 128, SCRATCH]), 0);
    k.poke(&p, SCRATCH, &[1, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [tid, 8, SCRATCH]), 0);
    // A length shorter than the kernel's mask: only its bytes are read.
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [0, 1, SCRATCH]), 0);
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, 8, SCRATCH + 64]), 8);
    assert_eq!(k.peek(&p, SCRATCH + 64, 8), [1, 0, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn sched_setaffinity_errors_are_linuxs() {
    let k = TestKernel::new();
    let p = k.spawn();
    let tid = p.thread().tid();
    // No CPU that exists: EINVAL (an empty mask, only other CPUs, a length of 0 reads nothing).
    k.poke(&p, SCRATCH, &[0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [0, 8, SCRATCH]), EINVAL);
    k.poke(&p, SCRATCH, &[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1]);
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [0, 16, SCRATCH]), EINVAL, "bit 64 is beyond the mask");
    k.poke(&p, SCRATCH, &[1]);
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [0, 0, SCRATCH]), EINVAL);
    // The mask is read first, then the thread looked up.
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [tid + 1000, 8, UNMAPPED]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [tid + 1000, 8, SCRATCH]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [tid + 1000, 0, UNMAPPED]), ESRCH, "nothing to read");
}
