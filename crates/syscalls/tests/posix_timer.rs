//! timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete.
use abi::events::ItimerSpec;
use abi::flags::*;
use abi::signal::*;
use abi::structs::Timespec;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const SEV: usize = SCRATCH + 0x100;
const ID: usize = SCRATCH + 0x200;
const SPEC: usize = SCRATCH + 0x300;
const OLD: usize = SCRATCH + 0x400;
const SET: usize = SCRATCH + 0x500;
const INFO: usize = SCRATCH + 0x600;
const TS: usize = SCRATCH + 0x800;

fn block_all(k: &TestKernel, p: &Caller) {
    k.poke(p, SET, &u64::MAX.to_le_bytes());
    assert_eq!(k.syscall(p, Sysno::rt_sigprocmask, [SIG_SETMASK, SET, 0, 8]), 0);
}

fn create(k: &TestKernel, p: &Caller, clock: usize, sev: Option<SigEvent>) -> usize {
    let at = match sev {
        Some(e) => {
            k.poke(p, SEV, bytemuck::bytes_of(&e));
            SEV
        }
        None => 0,
    };
    assert_eq!(k.syscall(p, Sysno::timer_create, [clock, at, ID]), 0);
    k.peek_val::<i32>(p, ID) as usize
}

fn set(k: &TestKernel, p: &Caller, id: usize, flags: usize, value_ns: u64, interval_ns: u64) -> isize {
    let spec = ItimerSpec { interval: Timespec::from_nanos(interval_ns), value: Timespec::from_nanos(value_ns) };
    k.poke(p, SPEC, bytemuck::bytes_of(&spec));
    k.syscall(p, Sysno::timer_settime, [id, flags, SPEC, OLD])
}

fn ns(t: &Timespec) -> u64 {
    t.to_nanos().unwrap()
}

/// Wait (at most 10 s) for one of `sigs`; its siginfo.
fn wait(k: &TestKernel, p: &Caller, sigs: u64) -> (isize, SigInfo) {
    k.poke(p, SET, &sigs.to_le_bytes());
    k.poke(p, TS, bytemuck::bytes_of(&Timespec { tv_sec: 10, tv_nsec: 0 }));
    let r = k.syscall(p, Sysno::rt_sigtimedwait, [SET, INFO, TS, 8]);
    (r, k.peek_val(p, INFO))
}

fn sleep_ns(k: &TestKernel, p: &Caller, n: u64) {
    k.poke(p, TS, bytemuck::bytes_of(&Timespec::from_nanos(n)));
    assert_eq!(k.syscall(p, Sysno::nanosleep, [TS, 0]), 0);
}

#[test]
fn a_default_timer_sends_sigalrm_with_its_id_on_time() {
    let k = TestKernel::new();
    let p = k.spawn();
    block_all(&k, &p);
    assert_eq!(create(&k, &p, CLOCK_MONOTONIC, None), 0, "ids start at 0");
    assert_eq!(create(&k, &p, CLOCK_REALTIME, None), 1);
    let start = hal::time::now_ns();
    assert_eq!(set(&k, &p, 1, 0, 1_500_000_000, 0), 0);
    assert_eq!(k.peek_val::<ItimerSpec>(&p, OLD), ItimerSpec::default(), "was disarmed");
    let (sig, info) = wait(&k, &p, sigbit(SIGALRM));
    assert_eq!(sig, SIGALRM as isize);
    assert_eq!(hal::time::now_ns() - start, 1_500_000_000);
    assert_eq!(info.code, SI_TIMER);
    assert_eq!(info.fields[0], 1, "si_tid 1, si_overrun 0");
    assert_eq!(info.fields[1], 1, "sival_int = the timer id");
    assert_eq!(info.fields[2], 0, "nothing private leaks");
    // A one-shot timer is disarmed after it fired.
    assert_eq!(k.syscall(&p, Sysno::timer_gettime, [1, SPEC]), 0);
    assert_eq!(k.peek_val::<ItimerSpec>(&p, SPEC), ItimerSpec::default());
    assert_eq!(k.syscall(&p, Sysno::timer_delete, [0]), 0);
    assert_eq!(k.syscall(&p, Sysno::timer_delete, [1]), 0);
    assert_eq!(create(&k, &p, CLOCK_MONOTONIC, None), 2, "ids are not reused at once");
}

#[test]
fn a_periodic_timer_counts_overruns_while_its_signal_is_pending() {
    let k = TestKernel::new();
    let p = k.spawn();
    block_all(&k, &p);
    let sev = SigEvent { value: 42, signo: SIGUSR1 as i32, notify: SIGEV_SIGNAL, ..Default::default() };
    let id = create(&k, &p, CLOCK_MONOTONIC, Some(sev));
    assert_eq!(set(&k, &p, id, 0, 1_000_000, 1_000_000), 0);
    sleep_ns(&k, &p, 10_500_000);
    assert_eq!(k.syscall(&p, Sysno::timer_getoverrun, [id]), 0, "nothing delivered yet");
    // time left and period
    assert_eq!(k.syscall(&p, Sysno::timer_gettime, [id, SPEC]), 0);
    let cur: ItimerSpec = k.peek_val(&p, SPEC);
    assert_eq!((ns(&cur.value), ns(&cur.interval)), (500_000, 1_000_000));
    let (sig, info) = wait(&k, &p, sigbit(SIGUSR1));
    assert_eq!(sig, SIGUSR1 as isize);
    assert_eq!(info.code, SI_TIMER);
    assert_eq!(info.fields[0], (id as u64) | (9 << 32), "10 expirations: one signal, 9 overruns");
    assert_eq!(info.fields[1], 42);
    assert_eq!(k.syscall(&p, Sysno::timer_getoverrun, [id]), 9);
    // Disarming reports the old setting and resets the count.
    assert_eq!(set(&k, &p, id, 0, 0, 0), 0);
    assert_eq!(ns(&k.peek_val::<ItimerSpec>(&p, OLD).interval), 1_000_000);
    assert_eq!(k.syscall(&p, Sysno::timer_getoverrun, [id]), 0);
}

#[test]
fn an_absolute_time_in_the_past_fires_at_once_and_caps_the_overrun_count() {
    let k = TestKernel::new();
    let p = k.spawn();
    block_all(&k, &p);
    let sev = SigEvent { signo: SIGUSR2 as i32, notify: SIGEV_SIGNAL, ..Default::default() };
    let id = create(&k, &p, CLOCK_REALTIME, Some(sev));
    let now = hal::time::boot_epoch_ns() + hal::time::now_ns();
    // 300 s ago (before boot) with a period of 100 ns: 3e9 missed periods, more than INT_MAX.
    assert_eq!(set(&k, &p, id, 1, now - 300_000_000_000, 100), 0);
    let (sig, info) = wait(&k, &p, sigbit(SIGUSR2));
    assert_eq!(sig, SIGUSR2 as isize);
    assert_eq!(info.fields[0] >> 32, i32::MAX as u64);
    assert_eq!(k.syscall(&p, Sysno::timer_getoverrun, [id]), i32::MAX as isize);
    assert_eq!(k.syscall(&p, Sysno::timer_delete, [id]), 0);
}

#[test]
fn sigev_none_only_counts_down_and_thread_id_targets_a_thread() {
    let k = TestKernel::new();
    let p = k.spawn();
    block_all(&k, &p);
    let id = create(&k, &p, CLOCK_BOOTTIME, Some(SigEvent { notify: SIGEV_NONE, ..Default::default() }));
    assert_eq!(set(&k, &p, id, 0, 2_000_000_000, 0), 0);
    sleep_ns(&k, &p, 500_000_000);
    assert_eq!(k.syscall(&p, Sysno::timer_gettime, [id, SPEC]), 0);
    assert_eq!(ns(&k.peek_val::<ItimerSpec>(&p, SPEC).value), 1_500_000_000);
    sleep_ns(&k, &p, 2_000_000_000);
    assert_eq!(k.syscall(&p, Sysno::timer_gettime, [id, SPEC]), 0);
    assert_eq!(ns(&k.peek_val::<ItimerSpec>(&p, SPEC).value), 0, "expired");
    assert_eq!(task::signal::pending(p.thread()), 0, "and said nothing");
    let tid = p.thread().tid() as i32;
    let sev = SigEvent { signo: SIGUSR1 as i32, notify: SIGEV_THREAD_ID, tid, ..Default::default() };
    let id = create(&k, &p, CLOCK_MONOTONIC, Some(sev));
    assert_eq!(set(&k, &p, id, 0, 1000, 0), 0);
    let (sig, _) = wait(&k, &p, sigbit(SIGUSR1));
    assert_eq!(sig, SIGUSR1 as isize);
}

#[test]
fn cpu_clock_timers_and_cpu_itimers_fire_as_cpu_time_is_charged() {
    let k = TestKernel::new();
    let p = k.spawn();
    block_all(&k, &p);
    let sev = SigEvent { signo: SIGUSR1 as i32, notify: SIGEV_SIGNAL, ..Default::default() };
    let id = create(&k, &p, CLOCK_PROCESS_CPUTIME_ID, Some(sev));
    let sev = SigEvent { signo: SIGUSR2 as i32, notify: SIGEV_SIGNAL, ..Default::default() };
    let tid = create(&k, &p, CLOCK_THREAD_CPUTIME_ID, Some(sev));
    assert_eq!(set(&k, &p, id, 0, 5_000_000, 0), 0);
    assert_eq!(set(&k, &p, tid, 0, 8_000_000, 0), 0);
    // ITIMER_VIRTUAL in 3 ms of CPU time.
    let itv = abi::process::Itimerval {
        interval: Default::default(),
        value: abi::structs::Timeval { tv_sec: 0, tv_usec: 3000 },
    };
    k.poke(&p, SPEC, bytemuck::bytes_of(&itv));
    assert_eq!(k.syscall(&p, Sysno::setitimer, [abi::process::ITIMER_VIRTUAL, SPEC, 0]), 0);
    task::ktimer::account(p.thread(), 2_000_000);
    assert_eq!(task::signal::pending(p.thread()), 0);
    task::ktimer::account(p.thread(), 2_000_000);
    assert_eq!(task::signal::pending(p.thread()), sigbit(SIGVTALRM));
    task::ktimer::account(p.thread(), 2_000_000);
    assert_eq!(task::signal::pending(p.thread()), sigbit(SIGVTALRM) | sigbit(SIGUSR1));
    assert_eq!(k.syscall(&p, Sysno::timer_gettime, [tid, SPEC]), 0);
    assert_eq!(ns(&k.peek_val::<ItimerSpec>(&p, SPEC).value), 2_000_000);
    task::ktimer::account(p.thread(), 2_000_000);
    assert_ne!(task::signal::pending(p.thread()) & sigbit(SIGUSR2), 0);
}

#[test]
fn timer_errors_are_as_linux() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::timer_create, [10, 0, ID]), EINVAL, "no such clock");
    assert_eq!(k.syscall(&p, Sysno::timer_create, [16, 0, ID]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::timer_create, [CLOCK_MONOTONIC_RAW, 0, ID]), EOPNOTSUPP);
    assert_eq!(k.syscall(&p, Sysno::timer_create, [CLOCK_MONOTONIC, UNMAPPED, ID]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::timer_create, [CLOCK_MONOTONIC, 0, READONLY]), EFAULT);
    let bad = |k: &TestKernel, e: SigEvent| {
        k.poke(&p, SEV, bytemuck::bytes_of(&e));
        k.syscall(&p, Sysno::timer_create, [CLOCK_MONOTONIC, SEV, ID])
    };
    assert_eq!(bad(&k, SigEvent { notify: 7, signo: 10, ..Default::default() }), EINVAL, "notify");
    assert_eq!(bad(&k, SigEvent { notify: SIGEV_SIGNAL, signo: 0, ..Default::default() }), EINVAL, "signo");
    assert_eq!(bad(&k, SigEvent { notify: SIGEV_SIGNAL, signo: 65, ..Default::default() }), EINVAL);
    assert_eq!(bad(&k, SigEvent { notify: SIGEV_THREAD_ID, signo: 10, tid: 999_999, ..Default::default() }), EINVAL);
    // SIGEV_THREAD is the C library's: the kernel sends a signal.
    assert_eq!(bad(&k, SigEvent { notify: SIGEV_THREAD, signo: 10, ..Default::default() }), 0);
    assert_eq!(k.peek_val::<i32>(&p, ID), 5, "the failed ones used up ids, as on Linux");
    // Alarm clocks: root has CAP_WAKE_ALARM.
    assert_eq!(k.syscall(&p, Sysno::timer_create, [CLOCK_REALTIME_ALARM, 0, ID]), 0);
    let id = k.peek_val::<i32>(&p, ID) as usize;
    assert_eq!(k.syscall(&p, Sysno::timer_settime, [id, 0, 0, 0]), EINVAL, "NULL new value");
    k.poke(
        &p,
        SPEC,
        bytemuck::bytes_of(&ItimerSpec {
            interval: Default::default(),
            value: Timespec { tv_sec: 0, tv_nsec: 1_000_000_000 },
        }),
    );
    assert_eq!(k.syscall(&p, Sysno::timer_settime, [id, 0, SPEC, 0]), EINVAL, "nsec");
    k.poke(
        &p,
        SPEC,
        bytemuck::bytes_of(&ItimerSpec { interval: Timespec { tv_sec: 0, tv_nsec: -1 }, value: Default::default() }),
    );
    assert_eq!(k.syscall(&p, Sysno::timer_settime, [id, 0, SPEC, 0]), EINVAL);
    k.poke(&p, SPEC, bytemuck::bytes_of(&ItimerSpec::default()));
    assert_eq!(k.syscall(&p, Sysno::timer_settime, [7, 0, SPEC, 0]), EINVAL, "no such timer");
    assert_eq!(k.syscall(&p, Sysno::timer_settime, [id, 0, UNMAPPED, 0]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::timer_gettime, [7, SPEC]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::timer_getoverrun, [7]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::timer_delete, [7]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::timer_delete, [id]), 0);
    assert_eq!(k.syscall(&p, Sysno::timer_getoverrun, [id]), EINVAL, "deleted");
    assert_eq!(k.syscall(&p, Sysno::setuid, [1000]), 0);
    assert_eq!(k.syscall(&p, Sysno::timer_create, [CLOCK_BOOTTIME_ALARM, 0, ID]), EPERM);
}

#[test]
fn timers_are_not_inherited_and_end_with_exec() {
    let k = TestKernel::new();
    let p = k.spawn();
    create(&k, &p, CLOCK_MONOTONIC, None);
    assert_eq!(p.process().posix_timers.lock().timers.len(), 1);
    p.process().mark_execed();
    assert_eq!(p.process().posix_timers.lock().timers.len(), 0, "execve deletes them");
    assert_eq!(k.syscall(&p, Sysno::timer_gettime, [0, SPEC]), EINVAL);
}
