//! getresuid/getresgid, getgroups/setgroups, getpriority/setpriority.
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;

#[test]
fn getresuid_and_getresgid_report_root() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, &[0xff; 12]);
    assert_eq!(k.syscall(&p, Sysno::getresuid, [SCRATCH, SCRATCH + 4, SCRATCH + 8]), 0);
    assert_eq!(k.peek(&p, SCRATCH, 12), [0; 12]);
    assert_eq!(k.syscall(&p, Sysno::getresgid, [SCRATCH, SCRATCH + 4, READONLY]), EFAULT);
}

#[test]
fn supplementary_groups_are_set_read_back_and_inherited() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::getgroups, [0, 0]), 0, "none at first");
    k.poke(&p, SCRATCH, bytemuck::cast_slice(&[10u32, 20, 30]));
    assert_eq!(k.syscall(&p, Sysno::setgroups, [3, SCRATCH]), 0);
    assert_eq!(k.syscall(&p, Sysno::getgroups, [0, 0]), 3);
    assert_eq!(k.syscall(&p, Sysno::getgroups, [2, SCRATCH + 64]), EINVAL, "too small");
    assert_eq!(k.syscall(&p, Sysno::getgroups, [usize::MAX, SCRATCH + 64]), EINVAL);
    let child = k.fork(&p);
    assert_eq!(k.syscall(&child, Sysno::getgroups, [8, SCRATCH + 64]), 3);
    assert_eq!(k.peek(&child, SCRATCH + 64, 12), bytemuck::cast_slice::<u32, u8>(&[10, 20, 30]));
    assert_eq!(k.syscall(&p, Sysno::setgroups, [1 << 20, SCRATCH]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::setgroups, [1, UNMAPPED]), EFAULT);
}

#[test]
fn nice_values_are_kept_clamped_and_inherited() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::getpriority, [0, 0]), 20, "20 - nice 0");
    assert_eq!(k.syscall(&p, Sysno::setpriority, [0, 0, 5]), 0);
    assert_eq!(k.syscall(&p, Sysno::getpriority, [0, p.process().pid]), 15);
    let child = k.fork(&p);
    assert_eq!(k.syscall(&child, Sysno::getpriority, [0, 0]), 15, "inherited");
    assert_eq!(k.syscall(&p, Sysno::setpriority, [0, 0, 100]), 0);
    assert_eq!(k.syscall(&p, Sysno::getpriority, [0, 0]), 1, "clamped to 19");
    assert_eq!(k.syscall(&p, Sysno::setpriority, [0, 0, (-100isize) as usize]), 0);
    assert_eq!(k.syscall(&p, Sysno::getpriority, [0, 0]), 40, "clamped to -20");
    assert_eq!(k.syscall(&p, Sysno::getpriority, [0, 999_999]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::getpriority, [7, 0]), EINVAL);
    k.syscall(&p, Sysno::setsid, []);
    assert_eq!(k.syscall(&p, Sysno::setpriority, [1, 0, 3]), 0, "the caller's process group");
    assert_eq!(k.syscall(&child, Sysno::getpriority, [0, 0]), 15, "the child is in another group");
    assert_eq!(k.syscall(&p, Sysno::getpriority, [2, 0]), 17, "user 0: the lowest nice of all (3)");
}

#[test]
fn getrusage_reports_the_process_and_its_reaped_children() {
    let k = TestKernel::new();
    let p = k.spawn();
    p.process().user_ns.store(2_000_003_000, core::sync::atomic::Ordering::Relaxed);
    assert_eq!(k.syscall(&p, Sysno::getrusage, [0, SCRATCH]), 0);
    let r: abi::process::Rusage = k.peek_val(&p, SCRATCH);
    assert_eq!((r.utime.tv_sec, r.utime.tv_usec, r.stime.tv_sec), (2, 3, 0));
    let child = k.fork(&p);
    child.process().system_ns.store(5_000, core::sync::atomic::Ordering::Relaxed);
    k.syscall(&child, Sysno::exit, [0]);
    assert_eq!(k.syscall(&p, Sysno::getrusage, [usize::MAX, SCRATCH]), 0, "before the wait: nothing");
    assert_eq!(k.peek_val::<abi::process::Rusage>(&p, SCRATCH).stime.tv_usec, 0);
    k.syscall(&p, Sysno::wait4, [usize::MAX, 0, 0, 0]);
    assert_eq!(k.syscall(&p, Sysno::getrusage, [usize::MAX, SCRATCH]), 0);
    assert_eq!(k.peek_val::<abi::process::Rusage>(&p, SCRATCH).stime.tv_usec, 5);
    assert_eq!(k.syscall(&p, Sysno::getrusage, [2, SCRATCH]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::getrusage, [0, READONLY]), EFAULT);
}
