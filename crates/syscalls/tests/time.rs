//! clock_gettime, clock_getres, gettimeofday, nanosleep, clock_nanosleep, times, sched_yield.
//! The host clock is virtual: it advances only when every task sleeps, so durations are exact.
use abi::flags::*;
use abi::structs::{Timespec, Timeval, Tms};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Errno, Sysno};

fn ts(k: &TestKernel, p: &syscalls::Caller, addr: usize) -> Timespec {
    k.peek_val(p, addr)
}

fn put_ts(k: &TestKernel, p: &syscalls::Caller, addr: usize, sec: i64, nsec: i64) {
    k.poke(p, addr, bytemuck::bytes_of(&Timespec { tv_sec: sec, tv_nsec: nsec }));
}

#[test]
fn realtime_is_the_epoch_plus_uptime() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::clock_gettime, [CLOCK_REALTIME, SCRATCH]), 0);
    let now = hal::time::boot_epoch_ns() + hal::time::now_ns();
    assert_eq!(ts(&k, &p, SCRATCH), Timespec::from_nanos(now));
}

#[test]
fn monotonic_follows_the_clock_and_sleep_advances_it_exactly() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.syscall(&p, Sysno::clock_gettime, [CLOCK_MONOTONIC, SCRATCH]);
    let before = ts(&k, &p, SCRATCH).to_nanos().unwrap();
    put_ts(&k, &p, SCRATCH + 64, 0, 10_000_000);
    assert_eq!(k.syscall(&p, Sysno::nanosleep, [SCRATCH + 64, 0]), 0);
    k.syscall(&p, Sysno::clock_gettime, [CLOCK_MONOTONIC, SCRATCH]);
    assert_eq!(ts(&k, &p, SCRATCH).to_nanos().unwrap() - before, 10_000_000);
}

#[test]
fn unknown_clocks_are_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::clock_gettime, [42, SCRATCH]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::clock_getres, [42, SCRATCH]), EINVAL);
}

#[test]
fn clock_gettime_into_bad_memory_is_efault() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::clock_gettime, [CLOCK_MONOTONIC, UNMAPPED]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::clock_gettime, [CLOCK_MONOTONIC, READONLY]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::clock_gettime, [CLOCK_MONOTONIC, 0]), EFAULT);
}

#[test]
fn clock_getres_reports_100ns_and_accepts_null() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::clock_getres, [CLOCK_MONOTONIC, SCRATCH]), 0);
    assert_eq!(ts(&k, &p, SCRATCH), Timespec { tv_sec: 0, tv_nsec: 100 });
    assert_eq!(k.syscall(&p, Sysno::clock_getres, [CLOCK_REALTIME, 0]), 0);
}

#[test]
fn process_cputime_is_monotonic() {
    let k = TestKernel::new();
    let p = k.spawn();
    put_ts(&k, &p, SCRATCH + 64, 0, 1_000_000);
    assert_eq!(k.syscall(&p, Sysno::clock_gettime, [CLOCK_PROCESS_CPUTIME_ID, SCRATCH]), 0);
    let a = ts(&k, &p, SCRATCH).to_nanos().unwrap();
    k.syscall(&p, Sysno::nanosleep, [SCRATCH + 64, 0]);
    k.syscall(&p, Sysno::clock_gettime, [CLOCK_PROCESS_CPUTIME_ID, SCRATCH]);
    assert!(ts(&k, &p, SCRATCH).to_nanos().unwrap() >= a);
}

#[test]
fn cpu_clocks_of_other_threads_and_processes() {
    let k = TestKernel::new();
    let p = k.spawn();
    // Linux's encoding: ~pid << 3, 4 for a thread's clock, 2 for CPUCLOCK_SCHED.
    let clock = |pid: usize, thread: bool| ((!(pid as i32) << 3) | if thread { 4 } else { 0 } | 2) as u32 as usize;
    let child = k.fork(&p);
    task::ktimer::account(child.thread(), 3_000_000);
    task::ktimer::account(p.thread(), 5_000_000);
    assert_eq!(k.syscall(&p, Sysno::clock_gettime, [clock(child.process().pid, false), SCRATCH]), 0);
    assert_eq!(ts(&k, &p, SCRATCH).to_nanos(), Some(3_000_000));
    assert_eq!(k.syscall(&p, Sysno::clock_gettime, [clock(0, false), SCRATCH]), 0, "0 is the caller");
    assert_eq!(ts(&k, &p, SCRATCH).to_nanos(), Some(5_000_000));
    assert_eq!(k.syscall(&p, Sysno::clock_gettime, [clock(p.thread().tid(), true), SCRATCH]), 0);
    assert_eq!(ts(&k, &p, SCRATCH).to_nanos(), Some(5_000_000));
    assert_eq!(k.syscall(&p, Sysno::clock_getres, [clock(0, true), SCRATCH]), 0);
    // Another process's thread clock, nobody's clock, the fd clocks: EINVAL.
    assert_eq!(k.syscall(&p, Sysno::clock_gettime, [clock(child.thread().tid(), true), SCRATCH]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::clock_gettime, [clock(99_999, false), SCRATCH]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::clock_gettime, [clock(0, false) | 3, SCRATCH]), EINVAL);
}

#[test]
fn gettimeofday_gives_microseconds_of_realtime() {
    let k = TestKernel::new();
    let p = k.spawn();
    put_ts(&k, &p, SCRATCH + 64, 1, 234_567_000);
    k.syscall(&p, Sysno::nanosleep, [SCRATCH + 64, 0]);
    assert_eq!(k.syscall(&p, Sysno::gettimeofday, [SCRATCH, 0]), 0);
    let now = hal::time::boot_epoch_ns() + hal::time::now_ns();
    let tv: Timeval = k.peek_val(&p, SCRATCH);
    assert_eq!(tv, Timeval { tv_sec: (now / 1_000_000_000) as i64, tv_usec: ((now % 1_000_000_000) / 1000) as i64 });
    assert_eq!(tv.tv_usec % 1000, 567);
}

#[test]
fn gettimeofday_zeroes_the_timezone_and_checks_pointers() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH + 32, &[0xff; 8]);
    assert_eq!(k.syscall(&p, Sysno::gettimeofday, [0, SCRATCH + 32]), 0);
    assert_eq!(k.peek(&p, SCRATCH + 32, 8), [0; 8]);
    assert_eq!(k.syscall(&p, Sysno::gettimeofday, [UNMAPPED, 0]), EFAULT);
}

#[test]
fn nanosleep_rejects_invalid_timespecs() {
    let k = TestKernel::new();
    let p = k.spawn();
    put_ts(&k, &p, SCRATCH, 0, 1_000_000_000);
    assert_eq!(k.syscall(&p, Sysno::nanosleep, [SCRATCH, 0]), EINVAL);
    put_ts(&k, &p, SCRATCH, -1, 0);
    assert_eq!(k.syscall(&p, Sysno::nanosleep, [SCRATCH, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::nanosleep, [UNMAPPED, 0]), EFAULT);
}

#[test]
fn nanosleep_of_zero_returns_at_once() {
    let k = TestKernel::new();
    let p = k.spawn();
    let t0 = hal::time::now_ns();
    put_ts(&k, &p, SCRATCH, 0, 0);
    assert_eq!(k.syscall(&p, Sysno::nanosleep, [SCRATCH, 0]), 0);
    assert_eq!(hal::time::now_ns(), t0);
}

#[test]
fn clock_nanosleep_relative_and_absolute() {
    let k = TestKernel::new();
    let p = k.spawn();
    let t0 = hal::time::now_ns();
    put_ts(&k, &p, SCRATCH, 0, 5_000_000);
    assert_eq!(k.syscall(&p, Sysno::clock_nanosleep, [CLOCK_MONOTONIC, 0, SCRATCH, 0]), 0);
    assert_eq!(hal::time::now_ns(), t0 + 5_000_000);
    let deadline = Timespec::from_nanos(t0 + 20_000_000);
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&deadline));
    assert_eq!(k.syscall(&p, Sysno::clock_nanosleep, [CLOCK_MONOTONIC, 1, SCRATCH, 0]), 0);
    assert_eq!(hal::time::now_ns(), t0 + 20_000_000);
    // An absolute time in the past returns at once.
    assert_eq!(k.syscall(&p, Sysno::clock_nanosleep, [CLOCK_MONOTONIC, 1, SCRATCH, 0]), 0);
    assert_eq!(hal::time::now_ns(), t0 + 20_000_000);
}

#[test]
fn clock_nanosleep_on_cpu_clocks_is_refused() {
    let k = TestKernel::new();
    let p = k.spawn();
    put_ts(&k, &p, SCRATCH, 0, 1);
    assert_eq!(k.syscall(&p, Sysno::clock_nanosleep, [CLOCK_THREAD_CPUTIME_ID, 0, SCRATCH, 0]), EINVAL);
    assert_eq!(
        k.syscall(&p, Sysno::clock_nanosleep, [CLOCK_PROCESS_CPUTIME_ID, 0, SCRATCH, 0]),
        Errno::ENOTSUP.as_ret()
    );
    assert_eq!(k.syscall(&p, Sysno::clock_nanosleep, [77, 0, SCRATCH, 0]), EINVAL);
}

#[test]
fn times_returns_ticks_since_boot_and_fills_tms() {
    let k = TestKernel::new();
    let p = k.spawn();
    put_ts(&k, &p, SCRATCH + 64, 0, 30_000_000);
    k.syscall(&p, Sysno::nanosleep, [SCRATCH + 64, 0]);
    k.poke(&p, SCRATCH, &[0xff; 32]);
    let ticks = k.syscall(&p, Sysno::times, [SCRATCH]);
    assert_eq!(ticks as u64, hal::time::now_ns() / 10_000_000);
    let t: Tms = k.peek_val(&p, SCRATCH);
    assert_eq!((t.tms_cutime, t.tms_cstime), (0, 0));
    assert!(t.tms_utime >= 0 && t.tms_stime >= 0);
    assert_eq!(k.syscall(&p, Sysno::times, [0]), ticks, "NULL buffer is allowed");
    assert_eq!(k.syscall(&p, Sysno::times, [UNMAPPED]), EFAULT);
}

#[test]
fn sched_yield_succeeds() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::sched_yield, []), 0);
}

#[test]
fn clock_settime_and_settimeofday_move_the_realtime_clock() {
    let k = TestKernel::new();
    let p = k.spawn();
    const A: usize = SCRATCH + 0x7000;
    const B: usize = SCRATCH + 0x7100;
    k.poke(&p, A, bytemuck::bytes_of(&Timespec { tv_sec: 2_000_000_000, tv_nsec: 5 }));
    assert_eq!(k.syscall(&p, Sysno::clock_settime, [CLOCK_MONOTONIC, A]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::clock_settime, [CLOCK_PROCESS_CPUTIME_ID, A]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::clock_settime, [CLOCK_REALTIME, UNMAPPED]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::clock_settime, [CLOCK_REALTIME, A]), 0);
    assert_eq!(k.syscall(&p, Sysno::clock_gettime, [CLOCK_REALTIME, B]), 0);
    assert_eq!(k.peek_val::<Timespec>(&p, B), Timespec { tv_sec: 2_000_000_000, tv_nsec: 5 });
    k.poke(&p, A, bytemuck::bytes_of(&Timespec { tv_sec: -1, tv_nsec: 0 }));
    assert_eq!(k.syscall(&p, Sysno::clock_settime, [CLOCK_REALTIME, A]), EINVAL);
    // So late that the clock could not run on (and the kernel's sums would overflow): EINVAL.
    for sec in [i64::MAX, 9_223_372_036, 8_300_000_000] {
        k.poke(&p, A, bytemuck::bytes_of(&Timespec { tv_sec: sec, tv_nsec: 0 }));
        assert_eq!(k.syscall(&p, Sysno::clock_settime, [CLOCK_REALTIME, A]), EINVAL, "{sec}");
        k.poke(&p, A, bytemuck::bytes_of(&Timeval { tv_sec: sec, tv_usec: 0 }));
        assert_eq!(k.syscall(&p, Sysno::settimeofday, [A, 0]), EINVAL, "{sec}");
    }
    assert_eq!(k.syscall(&p, Sysno::gettimeofday, [B, 0]), 0);
    assert!(k.peek_val::<Timeval>(&p, B).tv_sec >= 2_000_000_000);
    k.poke(&p, A, bytemuck::bytes_of(&Timeval { tv_sec: 1_900_000_000, tv_usec: 7 }));
    // The timezone is global: another test reads it, so it stays 0 here.
    k.poke(&p, A + 16, &[0i32.to_le_bytes(), 0i32.to_le_bytes()].concat());
    assert_eq!(k.syscall(&p, Sysno::settimeofday, [A, A + 16]), 0);
    assert_eq!(k.syscall(&p, Sysno::gettimeofday, [B, B + 16]), 0);
    assert_eq!(k.peek_val::<Timeval>(&p, B), Timeval { tv_sec: 1_900_000_000, tv_usec: 7 });
    assert_eq!(k.peek_val::<[i32; 2]>(&p, B + 16), [0, 0]);
    k.poke(&p, A, bytemuck::bytes_of(&Timeval { tv_sec: 0, tv_usec: 1_000_000 }));
    assert_eq!(k.syscall(&p, Sysno::settimeofday, [A, 0]), EINVAL);
    k.poke(&p, A + 16, &[(16 * 60i32).to_le_bytes(), 0i32.to_le_bytes()].concat());
    assert_eq!(k.syscall(&p, Sysno::settimeofday, [0, A + 16]), EINVAL, "more than 15 h west");
    assert_eq!(k.syscall(&p, Sysno::setuid, [1000]), 0);
    k.poke(&p, A, bytemuck::bytes_of(&Timespec { tv_sec: 5, tv_nsec: 0 }));
    assert_eq!(k.syscall(&p, Sysno::clock_settime, [CLOCK_REALTIME, A]), EPERM);
    k.poke(&p, A, bytemuck::bytes_of(&Timeval { tv_sec: 5, tv_usec: 0 }));
    assert_eq!(k.syscall(&p, Sysno::settimeofday, [A, 0]), EPERM);
}

#[test]
fn adjtimex_reads_and_sets_the_ntp_state() {
    use syscalls::time::*;
    let k = TestKernel::new();
    let p = k.spawn();
    const T: usize = SCRATCH + 0x7000;
    k.poke(&p, T, bytemuck::bytes_of(&Timex::default()));
    assert_eq!(k.syscall(&p, Sysno::adjtimex, [T]), TIME_ERROR as isize, "unsynchronised");
    let t: Timex = k.peek_val(&p, T);
    assert_eq!((t.tick, t.precision, t.status & STA_UNSYNC), (10_000, 1, STA_UNSYNC));
    let set = |modes: u32, f: &dyn Fn(&mut Timex)| {
        let mut t = Timex { modes, ..Timex::default() };
        f(&mut t);
        k.poke(&p, T, bytemuck::bytes_of(&t));
        k.syscall(&p, Sysno::adjtimex, [T])
    };
    assert_eq!(set(ADJ_TICK, &|t| t.tick = 8_999), EINVAL);
    assert_eq!(set(ADJ_TICK, &|t| t.tick = 11_001), EINVAL);
    assert_eq!(set(ADJ_ADJTIME, &|_| {}), EINVAL, "ADJ_ADJTIME alone");
    assert_eq!(set(ADJ_OFFSET_SINGLESHOT, &|t| t.offset = 0), TIME_ERROR as isize);
    assert_eq!(set(ADJ_ESTERROR, &|t| t.esterror = 1234), TIME_ERROR as isize);
    assert_eq!(k.peek_val::<Timex>(&p, T).esterror, 1234);
    k.poke(&p, T, bytemuck::bytes_of(&Timex::default()));
    assert_eq!(k.syscall(&p, Sysno::clock_adjtime, [CLOCK_REALTIME, T]), TIME_ERROR as isize);
    assert_eq!(k.peek_val::<Timex>(&p, T).esterror, 1234);
    assert_eq!(k.syscall(&p, Sysno::clock_adjtime, [CLOCK_MONOTONIC, T]), EOPNOTSUPP);
    assert_eq!(k.syscall(&p, Sysno::clock_adjtime, [16, T]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::clock_adjtime, [CLOCK_REALTIME, UNMAPPED]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::adjtimex, [UNMAPPED]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::setuid, [1000]), 0);
    assert_eq!(set(ADJ_MAXERROR, &|_| {}), EPERM);
    assert_eq!(set(0, &|_| {}), TIME_ERROR as isize, "anyone may read");
}
