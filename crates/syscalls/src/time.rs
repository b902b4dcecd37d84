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
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_TAI | CLOCK_REALTIME_ALARM => boot_epoch_ns() + now_ns(),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME | CLOCK_BOOTTIME_ALARM => {
            now_ns()
        }
        CLOCK_PROCESS_CPUTIME_ID => cpu_time_ns(cx),
        // The thread's own time once it has run in user mode (on the host it never does).
        CLOCK_THREAD_CPUTIME_ID => match cx.thread().cpu_ns.load(Ordering::Relaxed) {
            0 => cpu_time_ns(cx),
            ns => ns,
        },
        c if (c as i32) < 0 => cpu_clock(cx, c as i32)?,
        _ => return Err(Errno::EINVAL),
    })
}

/// A CPU-time clock that clock_getcpuclockid or pthread_getcpuclockid made:
/// `~pid << 3 | per_thread << 2 | which`, pid 0 meaning the caller. The three kinds (PROF,
/// VIRT, SCHED) count the same time here: all of it is charged as user time. A thread's clock
/// is only for threads of the caller's own process; EINVAL for a clock of nobody or for the
/// file-descriptor clocks (kind 3), as Linux.
fn cpu_clock(cx: &Caller, clock: i32) -> SysResult<u64> {
    const CPUCLOCK_PERTHREAD: i32 = 4;
    if clock & 3 == 3 {
        return Err(Errno::EINVAL);
    }
    let pid = !(clock >> 3) as task::process::Pid;
    if clock & CPUCLOCK_PERTHREAD != 0 {
        let t = match pid {
            0 => cx.thread().clone(),
            tid => task::process::lookup_thread(tid)
                .filter(|t| alloc::sync::Arc::ptr_eq(&t.process, cx.process()))
                .ok_or(Errno::EINVAL)?,
        };
        return Ok(t.cpu_ns.load(Ordering::Relaxed));
    }
    let p = match pid {
        0 => cx.process().clone(),
        pid => task::process::lookup(pid).ok_or(Errno::EINVAL)?,
    };
    Ok(task::posix_timer::process_cpu_ns(&p))
}

/// CPU time of the caller's process: what it was charged, or, for a process never charged
/// (the host tests, where nothing runs in user mode), the time since it started, an upper
/// bound that is monotonic as programs expect.
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

/// gettimeofday(2): the timezone argument is obsolete; it gets what settimeofday recorded.
pub async fn sys_gettimeofday(cx: &Caller, tv: UserPtr<Timeval>, tz: usize) -> SysResult<()> {
    let ns = boot_epoch_ns() + now_ns();
    if let Some(p) = tv.nonnull() {
        let v = Timeval { tv_sec: (ns / 1_000_000_000) as i64, tv_usec: ((ns % 1_000_000_000) / 1000) as i64 };
        p.write(&mut cx.mm(), &v)?;
    }
    if tz != 0 {
        let zone = *TIMEZONE.lock();
        UserPtr::<[i32; 2]>::new(tz).write(&mut cx.mm(), &zone)?;
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

pub async fn sys_sched_yield(cx: &Caller) -> SysResult<()> {
    cx.thread().give_way().await;
    Ok(())
}

/// CPUs the kernel runs on: one hart (Linux's `nr_cpu_ids`); their mask.
const NR_CPUS: usize = 1;
const ALL_CPUS: u64 = (1 << NR_CPUS) - 1;
/// Bytes of a CPU mask in the kernel (Linux's `cpumask_size()`: whole longs of NR_CPUS bits, as
/// a riscv64 Linux built for at most 64 CPUs has): one u64.
const CPUMASK_SIZE: usize = 8;

/// The thread sched_{get,set}affinity name: 0 is the caller, else any thread id (ESRCH).
fn affinity_target(pid: i32) -> SysResult<Option<alloc::sync::Arc<task::Thread>>> {
    match pid {
        0 => Ok(None),
        p if p > 0 => task::process::lookup_thread(p as task::process::Pid).map(Some).ok_or(Errno::ESRCH),
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
    let target = affinity_target(pid)?;
    // Another user's thread takes CAP_SYS_NICE (Linux's check_same_owner).
    let (me, them) = (cx.cred(), target.map_or_else(|| cx.cred(), |t| t.cred()));
    if me.euid != them.uid && me.euid != them.euid && !me.capable(abi::cred::CAP_SYS_NICE) {
        return Err(Errno::EPERM);
    }
    if u64::from_le_bytes(bits) & ALL_CPUS == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// The latest time the real-time clock may be set to (Linux's TIME_SETTOD_SEC_MAX: 30 years
/// of uptime short of the largest time in i64 nanoseconds), so that it can still run.
const SETTOD_MAX_NS: u64 = (i64::MAX as u64 / 1_000_000_000 - 30 * 365 * 24 * 3600) * 1_000_000_000;

/// Set the real-time clock to `ns` (the clocks that follow it: gettimeofday, CLOCK_REALTIME,
/// timerfds and absolute sleeps set afterwards). EINVAL past [`SETTOD_MAX_NS`], then EPERM
/// without CAP_SYS_TIME.
fn set_realtime(cx: &Caller, ns: u64) -> SysResult<()> {
    if ns >= SETTOD_MAX_NS {
        return Err(Errno::EINVAL);
    }
    if !cx.cred().capable(abi::cred::CAP_SYS_TIME) {
        return Err(Errno::EPERM);
    }
    hal::time::set_boot_epoch_ns(ns.saturating_sub(now_ns()));
    Ok(())
}

/// clock_settime(2): only CLOCK_REALTIME can be set (EINVAL for the others, checked before the
/// time is read, as Linux).
pub async fn sys_clock_settime(cx: &Caller, clock: usize, tp: UserPtr<Timespec>) -> SysResult<()> {
    if clock != CLOCK_REALTIME {
        return Err(Errno::EINVAL);
    }
    let ts = tp.read(&mut cx.mm())?;
    set_realtime(cx, crate::posix_timer::timespec_ns(&ts)?)
}

/// The timezone settimeofday recorded (`struct timezone`: minutes west, DST type), which
/// gettimeofday reports.
static TIMEZONE: sync::Mutex<[i32; 2]> = sync::Mutex::new([0, 0]);

/// settimeofday(2): the time (EINVAL unless 0 <= usec < 1e6 and sec >= 0) and/or the timezone
/// (at most 15 hours from UTC); both need CAP_SYS_TIME.
pub async fn sys_settimeofday(cx: &Caller, tv: UserPtr<Timeval>, tz: UserPtr<[i32; 2]>) -> SysResult<()> {
    let time = match tv.nonnull() {
        Some(p) => {
            let v = p.read(&mut cx.mm())?;
            if v.tv_sec < 0 || !(0..1_000_000).contains(&v.tv_usec) {
                return Err(Errno::EINVAL);
            }
            Some((v.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(v.tv_usec as u64 * 1000))
        }
        None => None,
    };
    let zone = match tz.nonnull() {
        Some(p) => Some(p.read(&mut cx.mm())?),
        None => None,
    };
    if !cx.cred().capable(abi::cred::CAP_SYS_TIME) {
        return Err(Errno::EPERM);
    }
    if let Some(z) = zone {
        if !(-15 * 60..=15 * 60).contains(&z[0]) {
            return Err(Errno::EINVAL);
        }
        *TIMEZONE.lock() = z;
    }
    match time {
        Some(ns) => set_realtime(cx, ns),
        None => Ok(()),
    }
}

/// `struct timex` (adjtimex, clock_adjtime), 208 bytes on 64-bit.
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Timex {
    pub modes: u32,
    pub _pad0: i32,
    pub offset: i64,
    pub freq: i64,
    pub maxerror: i64,
    pub esterror: i64,
    pub status: i32,
    pub _pad1: i32,
    pub constant: i64,
    pub precision: i64,
    pub tolerance: i64,
    pub time_sec: i64,
    pub time_usec: i64,
    pub tick: i64,
    pub ppsfreq: i64,
    pub jitter: i64,
    pub shift: i32,
    pub _pad2: i32,
    pub stabil: i64,
    pub jitcnt: i64,
    pub calcnt: i64,
    pub errcnt: i64,
    pub stbcnt: i64,
    pub tai: i32,
    pub _rest: [i32; 11],
}

pub const ADJ_OFFSET: u32 = 0x1;
pub const ADJ_FREQUENCY: u32 = 0x2;
pub const ADJ_MAXERROR: u32 = 0x4;
pub const ADJ_ESTERROR: u32 = 0x8;
pub const ADJ_STATUS: u32 = 0x10;
pub const ADJ_TIMECONST: u32 = 0x20;
pub const ADJ_TAI: u32 = 0x80;
pub const ADJ_SETOFFSET: u32 = 0x100;
pub const ADJ_MICRO: u32 = 0x1000;
pub const ADJ_NANO: u32 = 0x2000;
pub const ADJ_TICK: u32 = 0x4000;
pub const ADJ_ADJTIME: u32 = 0x8000;
pub const ADJ_OFFSET_READONLY: u32 = 0x2000;
pub const ADJ_OFFSET_SINGLESHOT: u32 = 0x8001;
pub const STA_PLL: i32 = 0x1;
pub const STA_UNSYNC: i32 = 0x40;
pub const STA_NANO: i32 = 0x2000;
/// The status bits only the kernel changes (PPS signal/jitter/wander/error, clock error, NANO,
/// MODE, CLK).
const STA_RONLY: i32 = 0x0100 | 0x0200 | 0x0400 | 0x0800 | 0x1000 | 0x2000 | 0x4000 | 0x8000;
pub const TIME_OK: usize = 0;
pub const TIME_ERROR: usize = 5;
/// The largest frequency offset, 500 ppm, in timex units (ppm << 16).
const MAXFREQ_SCALED: i64 = 500 << 16;
const MAXPHASE_NS: i64 = 500_000_000;
const MAXTC: i64 = 10;

/// The NTP state adjtimex reads and sets. The kernel's clock does not slew: the values are
/// kept and reported, as a reader of Linux's would see them; ADJ_SETOFFSET steps the clock.
struct Ntp {
    status: i32,
    offset_ns: i64,
    freq: i64,
    maxerror: i64,
    esterror: i64,
    constant: i64,
    tick: i64,
    tai: i32,
    adjust: i64,
}

static NTP: sync::Mutex<Ntp> = sync::Mutex::new(Ntp {
    status: STA_UNSYNC,
    offset_ns: 0,
    freq: 0,
    maxerror: 16_000_000,
    esterror: 16_000_000,
    constant: 2,
    tick: 1_000_000 / CLK_TCK as i64,
    tai: 0,
    adjust: 0,
});

/// The common part of adjtimex and clock_adjtime(CLOCK_REALTIME): validate and apply `t`'s
/// modes (EPERM to change anything without CAP_SYS_TIME, EINVAL for ADJ_ADJTIME without the
/// single-shot bits, a tick more than 10% off, a bad ADJ_SETOFFSET time), fill `t` with the
/// state; returns the clock state (TIME_ERROR while unsynchronised).
fn do_adjtimex(cx: &Caller, t: &mut Timex) -> SysResult<usize> {
    let cap = cx.cred().capable(abi::cred::CAP_SYS_TIME);
    let m = t.modes;
    if m & ADJ_ADJTIME != 0 {
        if m & ADJ_OFFSET_SINGLESHOT != ADJ_OFFSET_SINGLESHOT {
            return Err(Errno::EINVAL);
        }
        if m & ADJ_OFFSET_READONLY == 0 && !cap {
            return Err(Errno::EPERM);
        }
    } else {
        if m != 0 && !cap {
            return Err(Errno::EPERM);
        }
        let hz = CLK_TCK as i64;
        if m & ADJ_TICK != 0 && !(900_000 / hz..=1_100_000 / hz).contains(&t.tick) {
            return Err(Errno::EINVAL);
        }
    }
    let mut ntp = NTP.lock();
    if m & ADJ_SETOFFSET != 0 {
        if !cap {
            return Err(Errno::EPERM);
        }
        let unit = if m & ADJ_NANO != 0 { 1 } else { 1000 };
        if !(0..1_000_000_000 / unit).contains(&t.time_usec) {
            return Err(Errno::EINVAL);
        }
        let delta = (t.time_sec as i128) * 1_000_000_000 + (t.time_usec * unit) as i128;
        let now = (boot_epoch_ns() + now_ns()) as i128;
        // Not before boot, nor past the latest settable time.
        let new = now + delta;
        if new < now_ns() as i128 || new >= SETTOD_MAX_NS as i128 {
            return Err(Errno::EINVAL);
        }
        hal::time::set_boot_epoch_ns(new as u64 - now_ns());
    }
    if m & ADJ_FREQUENCY != 0 && t.freq.checked_mul(1000).is_none() {
        return Err(Errno::EINVAL);
    }
    if m & ADJ_ADJTIME != 0 {
        let previous = ntp.adjust;
        if m & ADJ_OFFSET_READONLY == 0 {
            ntp.adjust = t.offset;
        }
        t.offset = previous;
    } else {
        if m & ADJ_STATUS != 0 {
            ntp.status = (ntp.status & STA_RONLY) | (t.status & !STA_RONLY);
        }
        if m & ADJ_NANO != 0 {
            ntp.status |= STA_NANO;
        }
        if m & ADJ_MICRO != 0 {
            ntp.status &= !STA_NANO;
        }
        if m & ADJ_FREQUENCY != 0 {
            ntp.freq = t.freq.clamp(-MAXFREQ_SCALED, MAXFREQ_SCALED);
        }
        if m & ADJ_MAXERROR != 0 {
            ntp.maxerror = t.maxerror;
        }
        if m & ADJ_ESTERROR != 0 {
            ntp.esterror = t.esterror;
        }
        if m & ADJ_TIMECONST != 0 {
            let c = t.constant + if ntp.status & STA_NANO == 0 { 4 } else { 0 };
            ntp.constant = c.clamp(0, MAXTC);
        }
        if m & ADJ_TAI != 0 && t.constant >= 0 {
            ntp.tai = t.constant.min(i32::MAX as i64) as i32;
        }
        if m & ADJ_OFFSET != 0 && ntp.status & STA_PLL != 0 {
            let unit = if ntp.status & STA_NANO != 0 { 1 } else { 1000 };
            ntp.offset_ns = t.offset.saturating_mul(unit).clamp(-MAXPHASE_NS, MAXPHASE_NS);
        }
        if m & ADJ_TICK != 0 {
            ntp.tick = t.tick;
        }
        t.offset = if ntp.status & STA_NANO != 0 { ntp.offset_ns } else { ntp.offset_ns / 1000 };
    }
    let nano = ntp.status & STA_NANO != 0;
    let now = boot_epoch_ns() + now_ns();
    t.freq = ntp.freq;
    t.maxerror = ntp.maxerror;
    t.esterror = ntp.esterror;
    t.status = ntp.status;
    t.constant = ntp.constant;
    t.precision = 1;
    t.tolerance = MAXFREQ_SCALED;
    t.tick = ntp.tick;
    t.tai = ntp.tai;
    t.time_sec = (now / 1_000_000_000) as i64;
    t.time_usec = ((now % 1_000_000_000) / if nano { 1 } else { 1000 }) as i64;
    (t.ppsfreq, t.jitter, t.shift, t.stabil, t.jitcnt, t.calcnt, t.errcnt, t.stbcnt) = (0, 0, 0, 0, 0, 0, 0, 0);
    Ok(if ntp.status & STA_UNSYNC != 0 { TIME_ERROR } else { TIME_OK })
}

/// adjtimex(2): read (modes 0) or tune the real-time clock's NTP state.
pub async fn sys_adjtimex(cx: &Caller, buf: UserPtr<Timex>) -> SysResult<usize> {
    let mut t = buf.read(&mut cx.mm())?;
    let state = do_adjtimex(cx, &mut t)?;
    buf.write(&mut cx.mm(), &t)?;
    Ok(state)
}

/// clock_adjtime(2): adjtimex for CLOCK_REALTIME; the other clocks cannot be tuned
/// (EOPNOTSUPP), unknown ones are EINVAL. As Linux, the struct is read first (EFAULT).
pub async fn sys_clock_adjtime(cx: &Caller, clock: usize, buf: UserPtr<Timex>) -> SysResult<usize> {
    let mut t = buf.read(&mut cx.mm())?;
    let state = match clock {
        CLOCK_REALTIME => do_adjtimex(cx, &mut t)?,
        CLOCK_MONOTONIC..=CLOCK_BOOTTIME_ALARM | CLOCK_TAI => return Err(Errno::EOPNOTSUPP),
        _ => return Err(Errno::EINVAL),
    };
    buf.write(&mut cx.mm(), &t)?;
    Ok(state)
}
