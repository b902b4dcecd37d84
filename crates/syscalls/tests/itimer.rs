//! setitimer/getitimer: ITIMER_REAL sends SIGALRM on time, once or periodically.
use abi::process::*;
use abi::signal::*;
use abi::structs::{Timespec, Timeval};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};
use task::process::ExitStatus;
use uspace::testing::Ecall;

const NEW: usize = SCRATCH + 0x100;
const OLD: usize = SCRATCH + 0x200;
const SET: usize = SCRATCH + 0x300;

fn itv(k: &TestKernel, p: &Caller, at: usize, value_us: i64, interval_us: i64) {
    let tv = |us: i64| Timeval { tv_sec: us / 1_000_000, tv_usec: us % 1_000_000 };
    k.poke(p, at, bytemuck::bytes_of(&Itimerval { interval: tv(interval_us), value: tv(value_us) }));
}

fn us(t: &Timeval) -> i64 {
    t.tv_sec * 1_000_000 + t.tv_usec
}

#[test]
fn an_alarm_ends_a_process_that_does_not_handle_sigalrm() {
    let k = TestKernel::new();
    let p = k.spawn();
    let start = hal::time::now_ns();
    itv(&k, &p, NEW, 2_000_000, 0);
    assert_eq!(k.syscall(&p, Sysno::setitimer, [ITIMER_REAL, NEW, 0]), 0);
    k.poke(&p, SET, bytemuck::bytes_of(&Timespec { tv_sec: 10, tv_nsec: 0 }));
    k.ecall(&p, Sysno::nanosleep, [SET, 0]);
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(SIGALRM)));
    assert_eq!(hal::time::now_ns() - start, 2_000_000_000);
}

#[test]
fn getitimer_and_the_old_value_show_the_time_left() {
    let k = TestKernel::new();
    let p = k.spawn();
    itv(&k, &p, NEW, 3_000_000, 500_000);
    k.syscall(&p, Sysno::setitimer, [ITIMER_REAL, NEW, 0]);
    k.poke(&p, SET, bytemuck::bytes_of(&Timespec { tv_sec: 1, tv_nsec: 0 }));
    k.syscall(&p, Sysno::nanosleep, [SET, 0]);
    assert_eq!(k.syscall(&p, Sysno::getitimer, [ITIMER_REAL, OLD]), 0);
    let v: Itimerval = k.peek_val(&p, OLD);
    assert_eq!((us(&v.value), us(&v.interval)), (2_000_000, 500_000));
    itv(&k, &p, NEW, 0, 0);
    assert_eq!(k.syscall(&p, Sysno::setitimer, [ITIMER_REAL, NEW, OLD]), 0, "disarm");
    assert_eq!(us(&k.peek_val::<Itimerval>(&p, OLD).value), 2_000_000);
    k.poke(&p, SET, bytemuck::bytes_of(&Timespec { tv_sec: 5, tv_nsec: 0 }));
    k.ecall(&p, Sysno::nanosleep, [SET, 0]);
    assert_eq!(k.exit_status(&p), None, "a disarmed timer never fires");
    assert_eq!(k.syscall(&p, Sysno::getitimer, [ITIMER_REAL, OLD]), 0);
    assert_eq!(k.peek_val::<Itimerval>(&p, OLD), Itimerval::default());
}

#[test]
fn an_interval_timer_fires_periodically_and_rearming_replaces_it() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SET, &sigbit(SIGALRM).to_le_bytes());
    k.syscall(&p, Sysno::rt_sigprocmask, [SIG_BLOCK, SET, 0, 8]);
    let start = hal::time::now_ns();
    itv(&k, &p, NEW, 1_000_000, 250_000);
    k.syscall(&p, Sysno::setitimer, [ITIMER_REAL, NEW, 0]);
    for n in 0..3u64 {
        assert_eq!(k.syscall(&p, Sysno::rt_sigtimedwait, [SET, 0, 0, 8]), SIGALRM as isize);
        assert_eq!(hal::time::now_ns() - start, 1_000_000_000 + n * 250_000_000);
    }
    // Re-arming cancels the periodic one: only the new expiry comes.
    itv(&k, &p, NEW, 2_000_000, 0);
    k.syscall(&p, Sysno::setitimer, [ITIMER_REAL, NEW, 0]);
    let t0 = hal::time::now_ns();
    assert_eq!(k.syscall(&p, Sysno::rt_sigtimedwait, [SET, 0, 0, 8]), SIGALRM as isize);
    assert_eq!(hal::time::now_ns() - t0, 2_000_000_000);
    k.poke(&p, SET + 8, bytemuck::bytes_of(&Timespec { tv_sec: 3, tv_nsec: 0 }));
    assert_eq!(k.syscall(&p, Sysno::rt_sigtimedwait, [SET, 0, SET + 8, 8]), EAGAIN, "no more");
}

#[test]
fn fork_does_not_inherit_timers() {
    let k = TestKernel::new();
    let p = k.spawn();
    itv(&k, &p, NEW, 3_000_000, 0);
    k.syscall(&p, Sysno::setitimer, [ITIMER_REAL, NEW, 0]);
    let child = k.fork(&p);
    assert_eq!(k.syscall(&child, Sysno::getitimer, [ITIMER_REAL, OLD]), 0);
    assert_eq!(k.peek_val::<Itimerval>(&child, OLD), Itimerval::default());
}

#[test]
fn setitimer_checks_its_arguments() {
    let k = TestKernel::new();
    let p = k.spawn();
    itv(&k, &p, NEW, 1, 0);
    assert_eq!(k.syscall(&p, Sysno::setitimer, [3, NEW, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::getitimer, [3, OLD]), EINVAL);
    k.poke(
        &p,
        NEW,
        bytemuck::bytes_of(&Itimerval {
            interval: Timeval::default(),
            value: Timeval { tv_sec: 0, tv_usec: 1_000_000 },
        }),
    );
    assert_eq!(k.syscall(&p, Sysno::setitimer, [ITIMER_REAL, NEW, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::setitimer, [ITIMER_REAL, UNMAPPED, 0]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::getitimer, [ITIMER_REAL, READONLY]), EFAULT);
    itv(&k, &p, NEW, 5_000_000, 0);
    assert_eq!(k.syscall(&p, Sysno::setitimer, [ITIMER_VIRTUAL, NEW, 0]), 0, "kept, read back");
    assert_eq!(k.syscall(&p, Sysno::getitimer, [ITIMER_VIRTUAL, OLD]), 0);
    assert_eq!(us(&k.peek_val::<Itimerval>(&p, OLD).value), 5_000_000);
}
