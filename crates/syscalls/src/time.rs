//! Time syscalls. Clocks come from `hal::time` (nanoseconds since boot, plus the boot epoch for
//! the real-time clocks); sleeping parks the task on the executor's timer queue.
use crate::Caller;
use abi::flags::*;
use abi::structs::{Timespec, Timeval, Tms};
use abi::{Errno, SysResult};
use core::sync::atomic::Ordering;
use hal::time::{boot_epoch_ns, now_ns};
use mm::UserPtr;

/// TIMER_ABSTIME for clock_nanosleep.
const TIMER_ABSTIME: u32 = 1;
/// Resolution reported for every clock (the riscv virt timer runs at 10 MHz).
const RESOLUTION_NS: u64 = 100;

/// The value of `clock` now, in ns.
fn clock_now(cx: &Caller, clock: usize) -> SysResult<u64> {
    Ok(match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE => boot_epoch_ns() + now_ns(),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => now_ns(),
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => cpu_time_ns(cx),
        _ => return Err(Errno::EINVAL),
    })
}

/// CPU time of the process. Until per-thread accounting lands this is the time since the
/// process started, an upper bound that is monotonic as programs expect.
fn cpu_time_ns(cx: &Caller) -> u64 {
    let p = cx.process();
    let charged = p.user_ns.load(Ordering::Relaxed) + p.system_ns.load(Ordering::Relaxed);
    if charged > 0 {
        charged
    } else {
        now_ns().saturating_sub(p.start_ns)
    }
}

pub async fn sys_clock_gettime(cx: &Caller, clock: usize, tp: UserPtr<Timespec>) -> SysResult<()> {
    let ns = clock_now(cx, clock)?;
    tp.write(&mut cx.mm(), &Timespec::from_nanos(ns))
}

/// clock_getres(2): a NULL `res` only validates the clock.
pub async fn sys_clock_getres(cx: &Caller, clock: usize, res: UserPtr<Timespec>) -> SysResult<()> {
    clock_now(cx, clock)?;
    match res.nonnull() {
        Some(p) => p.write(&mut cx.mm(), &Timespec::from_nanos(RESOLUTION_NS)),
        None => Ok(()),
    }
}

/// gettimeofday(2): the timezone argument is obsolete; Linux fills it with zeros if given.
pub async fn sys_gettimeofday(cx: &Caller, tv: UserPtr<Timeval>, tz: usize) -> SysResult<()> {
    let ns = boot_epoch_ns() + now_ns();
    if let Some(p) = tv.nonnull() {
        let v = Timeval { tv_sec: (ns / 1_000_000_000) as i64, tv_usec: ((ns % 1_000_000_000) / 1000) as i64 };
        p.write(&mut cx.mm(), &v)?;
    }
    if tz != 0 {
        UserPtr::<[i32; 2]>::new(tz).write(&mut cx.mm(), &[0, 0])?;
    }
    Ok(())
}

fn read_duration(cx: &Caller, req: UserPtr<Timespec>) -> SysResult<u64> {
    req.read(&mut cx.mm())?.to_nanos().ok_or(Errno::EINVAL)
}

/// Sleep until `deadline` unless a signal comes first: then `rem` (if given) gets the time
/// left and the call is restartable through restart_syscall with the same deadline
/// (ERESTART_RESTARTBLOCK: EINTR if a handler runs).
pub(crate) async fn sleep_until_interruptible(cx: &Caller, deadline: u64, rem: UserPtr<Timespec>) -> SysResult<()> {
    if task::signal::interruptible(cx.thread(), task::executor::sleep_until(deadline)).await.is_ok() {
        return Ok(());
    }
    if let Some(p) = rem.nonnull() {
        p.write(&mut cx.mm(), &Timespec::from_nanos(deadline.saturating_sub(now_ns())))?;
    }
    task::signal::set_restart(cx.thread(), task::signal::RestartBlock::Nanosleep { deadline, rem: rem.addr() });
    Err(Errno::ERESTART_RESTARTBLOCK)
}

/// nanosleep(2). Sleeps on the timer queue; a signal ends it early (see
/// [`sleep_until_interruptible`]).
pub async fn sys_nanosleep(cx: &Caller, req: UserPtr<Timespec>, rem: UserPtr<Timespec>) -> SysResult<()> {
    let d = read_duration(cx, req)?;
    sleep_until_interruptible(cx, now_ns().saturating_add(d), rem).await
}

/// clock_nanosleep(2) (glibc's nanosleep and sleep use it). Errors are returned as positive
/// numbers by the C library wrapper, but the raw syscall returns -errno like all others.
/// An absolute sleep interrupted by a signal leaves `rem` alone and restarts as it was
/// (ERESTARTNOHAND); a relative one behaves like nanosleep.
pub async fn sys_clock_nanosleep(
    cx: &Caller,
    clock: usize,
    flags: u32,
    req: UserPtr<Timespec>,
    rem: UserPtr<Timespec>,
) -> SysResult<()> {
    match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME => {}
        CLOCK_PROCESS_CPUTIME_ID => return Err(Errno::ENOTSUP),
        CLOCK_THREAD_CPUTIME_ID => return Err(Errno::EINVAL),
        _ => return Err(Errno::EINVAL),
    }
    let d = read_duration(cx, req)?;
    if flags & TIMER_ABSTIME != 0 {
        // An absolute time on `clock`, converted to the boot-relative timeline.
        let offset = if clock == CLOCK_REALTIME { boot_epoch_ns() } else { 0 };
        let sleep = task::executor::sleep_until(d.saturating_sub(offset));
        return task::signal::interruptible(cx.thread(), sleep).await.map_err(|_| Errno::ERESTARTNOHAND);
    }
    sleep_until_interruptible(cx, now_ns().saturating_add(d), rem).await
}

/// times(2): CPU times in clock ticks; returns ticks since boot.
pub async fn sys_times(cx: &Caller, buf: UserPtr<Tms>) -> SysResult<usize> {
    let ns_per_tick = 1_000_000_000 / CLK_TCK;
    if let Some(p) = buf.nonnull() {
        let pr = cx.process();
        let user = pr.user_ns.load(Ordering::Relaxed);
        let sys = pr.system_ns.load(Ordering::Relaxed);
        let t = Tms {
            tms_utime: (user / ns_per_tick) as i64,
            tms_stime: (sys / ns_per_tick) as i64,
            tms_cutime: (pr.children_user_ns.load(Ordering::Relaxed) / ns_per_tick) as i64,
            tms_cstime: (pr.children_system_ns.load(Ordering::Relaxed) / ns_per_tick) as i64,
        };
        p.write(&mut cx.mm(), &t)?;
    }
    Ok((now_ns() / ns_per_tick) as usize)
}

pub async fn sys_sched_yield(_cx: &Caller) -> SysResult<()> {
    task::executor::yield_now().await;
    Ok(())
}

/// CPUs the kernel runs on: one hart (Linux's `nr_cpu_ids`); their mask.
const NR_CPUS: usize = 1;
const ALL_CPUS: u64 = (1 << NR_CPUS) - 1;
/// Bytes of a CPU mask in the kernel (Linux's `cpumask_size()`: whole longs of NR_CPUS bits, as
/// a riscv64 Linux built for at most 64 CPUs has): one u64.
const CPUMASK_SIZE: usize = 8;

/// The thread sched_{get,set}affinity name: 0 is the caller, else any thread id (ESRCH).
fn affinity_target(pid: i32) -> SysResult<()> {
    match pid {
        0 => Ok(()),
        p if p > 0 && task::process::lookup_thread(p as task::process::Pid).is_some() => Ok(()),
        _ => Err(Errno::ESRCH),
    }
}

/// sched_getaffinity(2): the CPUs thread `pid` may run on, which is every CPU there is: the
/// one hart. As Linux: EINVAL unless `len` is a whole number of longs holding at least
/// `NR_CPUS` bits, then ESRCH, then the mask is written (`min(len, CPUMASK_SIZE)` bytes, what
/// the raw call returns; glibc's wrapper returns 0) or EFAULT.
pub async fn sys_sched_getaffinity(cx: &Caller, pid: i32, len: u32, mask: UserPtr<u64>) -> SysResult<usize> {
    let len = len as usize;
    if len * 8 < NR_CPUS || !len.is_multiple_of(size_of::<u64>()) {
        return Err(Errno::EINVAL);
    }
    affinity_target(pid)?;
    // A valid `len` is at least one long: the whole kernel mask is written.
    mask.write(&mut cx.mm(), &ALL_CPUS)?;
    Ok(len.min(CPUMASK_SIZE))
}

/// sched_setaffinity(2): restrict thread `pid` to the CPUs in the mask. As Linux, the mask is
/// read first (`min(len, CPUMASK_SIZE)` bytes, the rest of the kernel's mask clear), then the
/// thread is looked up (ESRCH), and a mask naming no CPU that exists is EINVAL. With one hart,
/// a valid mask leaves the thread where it always runs.
pub async fn sys_sched_setaffinity(cx: &Caller, pid: i32, len: u32, mask: UserPtr<u8>) -> SysResult<()> {
    let n = (len as usize).min(CPUMASK_SIZE);
    let mut bits = [0u8; CPUMASK_SIZE];
    bits[..n].copy_from_slice(&mm::UserSlice::<u8>::new(mask.addr(), n).read(&mut cx.mm())?);
    affinity_target(pid)?;
    if u64::from_le_bytes(bits) & ALL_CPUS == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}
