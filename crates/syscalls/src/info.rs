//! System information: uname, sethostname, setdomainname, getrandom, sysinfo, syslog.
use crate::Caller;
use abi::flags::{GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM};
use abi::structs::Utsname;
use abi::{Errno, SysResult};
use hal::mem::PAGE_SIZE;
use mm::{UserPtr, UserSliceMut};

/// The release we report. Programs compare it with the minimum kernel they need (glibc wants
/// 3.2 or newer); the suffix says which kernel this really is.
pub const RELEASE: &str = "6.1.0-bakaex";
/// uname's version field (/proc/sys/kernel/version too).
pub const VERSION: &str = procfs::VERSION;

fn field(s: &str) -> [u8; 65] {
    field_bytes(s.as_bytes())
}

fn field_bytes(s: &[u8]) -> [u8; 65] {
    let mut f = [0u8; 65];
    let n = s.len().min(64);
    f[..n].copy_from_slice(&s[..n]);
    f
}

pub async fn sys_uname(cx: &Caller, buf: UserPtr<Utsname>) -> SysResult<()> {
    let u = Utsname {
        sysname: field("Linux"),
        nodename: field_bytes(&task::uts::hostname()),
        release: field(RELEASE),
        version: field(VERSION),
        machine: field("riscv64"),
        domainname: field_bytes(&task::uts::domainname()),
    };
    buf.write(&mut cx.mm(), &u)
}

/// sethostname(2) / setdomainname(2): CAP_SYS_ADMIN (EPERM) first, then the length (at most
/// 64 bytes: EINVAL), then the bytes (EFAULT). The name is taken as given, NUL bytes included.
fn set_name(cx: &Caller, name: usize, len: usize, set: fn(&[u8])) -> SysResult<()> {
    if !cx.cred().capable(abi::cred::CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    if len > task::uts::NAME_MAX {
        return Err(Errno::EINVAL);
    }
    let mut buf = [0u8; task::uts::NAME_MAX];
    cx.mm().read_bytes(name, &mut buf[..len])?;
    set(&buf[..len]);
    Ok(())
}

pub async fn sys_sethostname(cx: &Caller, name: usize, len: usize) -> SysResult<()> {
    set_name(cx, name, len, task::uts::set_hostname)
}

pub async fn sys_setdomainname(cx: &Caller, name: usize, len: usize) -> SysResult<()> {
    set_name(cx, name, len, task::uts::set_domainname)
}

/// Linux returns at most this much per call.
const GETRANDOM_MAX: usize = (1 << 25) - 1;

/// getrandom(2). Our pool is always initialised, so GRND_NONBLOCK never has to fail.
pub async fn sys_getrandom(cx: &Caller, buf: UserSliceMut<u8>, flags: u32) -> SysResult<usize> {
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_RANDOM | GRND_INSECURE) == (GRND_RANDOM | GRND_INSECURE)
    {
        return Err(Errno::EINVAL);
    }
    let len = buf.len().min(GETRANDOM_MAX);
    // The whole range must be user memory (EFAULT); then, as Linux, the bytes written before
    // a fault count, and only a call that wrote none is EFAULT.
    cx.mm().check_range(buf.addr(), len)?;
    let mut done = 0;
    let mut chunk = [0u8; 256];
    while done < len {
        // Chunks end at page boundaries, so that a fault loses no written byte.
        let at = buf.addr() + done;
        let n = (len - done).min(chunk.len()).min(PAGE_SIZE - at % PAGE_SIZE);
        task::random::fill(&mut chunk[..n]);
        if let Err(e) = UserSliceMut::<u8>::new(at, n).write(&mut cx.mm(), &chunk[..n]) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        done += n;
    }
    Ok(len)
}

/// sysinfo(2): uptime (whole seconds, rounded up as Linux does), memory in bytes (mem_unit 1),
/// no swap, load averages 0, and the number of threads.
pub async fn sys_sysinfo(cx: &Caller, buf: UserPtr<abi::structs::Sysinfo>) -> SysResult<()> {
    let now = hal::time::now_ns();
    let mem = procfs::MemInfo::now();
    let threads: usize = task::process::all().iter().map(|p| p.live_threads()).sum();
    let info = abi::structs::Sysinfo {
        uptime: now.div_ceil(1_000_000_000) as i64,
        totalram: mem.total,
        freeram: mem.free,
        sharedram: mem.shmem,
        procs: threads.min(u16::MAX as usize) as u16,
        mem_unit: 1,
        ..Default::default()
    };
    buf.write(&mut cx.mm(), &info)
}

/// The kernel log buffer that syslog(2) reads (dmesg): the last [`KLOG_SIZE`] bytes written
/// with [`klog_write`].
pub const KLOG_SIZE: usize = 64 * 1024;
static KLOG: sync::Mutex<alloc::collections::VecDeque<u8>> = sync::Mutex::new(alloc::collections::VecDeque::new());

/// Append to the kernel log buffer (the kernel's logger tees its lines here).
pub fn klog_write(bytes: &[u8]) {
    let mut log = KLOG.lock();
    log.extend(bytes);
    let excess = log.len().saturating_sub(KLOG_SIZE);
    log.drain(..excess);
}

const SYSLOG_ACTION_CLOSE: i32 = 0;
const SYSLOG_ACTION_OPEN: i32 = 1;
const SYSLOG_ACTION_READ: i32 = 2;
const SYSLOG_ACTION_READ_ALL: i32 = 3;
const SYSLOG_ACTION_READ_CLEAR: i32 = 4;
const SYSLOG_ACTION_CLEAR: i32 = 5;
const SYSLOG_ACTION_CONSOLE_OFF: i32 = 6;
const SYSLOG_ACTION_CONSOLE_ON: i32 = 7;
const SYSLOG_ACTION_CONSOLE_LEVEL: i32 = 8;
const SYSLOG_ACTION_SIZE_UNREAD: i32 = 9;
const SYSLOG_ACTION_SIZE_BUFFER: i32 = 10;

/// syslog(2) (klogctl): READ_ALL copies the newest bytes of the kernel log that fit; READ
/// takes and consumes them (never waits: an empty log reads 0); SIZE_BUFFER and SIZE_UNREAD
/// report sizes; CLEAR empties the log; the console-level actions are accepted.
pub async fn sys_syslog(cx: &Caller, action: i32, buf: usize, len: i32) -> SysResult<usize> {
    // Linux's check_syslog_permissions with dmesg_restrict 0: anyone may read the whole log
    // or ask its size; everything else takes CAP_SYSLOG (or CAP_SYS_ADMIN), before the
    // arguments are looked at.
    let open_to_all = matches!(action, SYSLOG_ACTION_READ_ALL | SYSLOG_ACTION_SIZE_BUFFER);
    let cred = cx.cred();
    if !open_to_all && !cred.capable(abi::cred::CAP_SYSLOG) && !cred.capable(abi::cred::CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    match action {
        SYSLOG_ACTION_CLOSE | SYSLOG_ACTION_OPEN | SYSLOG_ACTION_CONSOLE_OFF | SYSLOG_ACTION_CONSOLE_ON => Ok(0),
        SYSLOG_ACTION_CONSOLE_LEVEL => {
            if !(1..=8).contains(&len) {
                return Err(Errno::EINVAL);
            }
            Ok(0)
        }
        SYSLOG_ACTION_SIZE_BUFFER => Ok(KLOG_SIZE),
        SYSLOG_ACTION_SIZE_UNREAD => Ok(KLOG.lock().len()),
        SYSLOG_ACTION_CLEAR => {
            KLOG.lock().clear();
            Ok(0)
        }
        SYSLOG_ACTION_READ | SYSLOG_ACTION_READ_ALL | SYSLOG_ACTION_READ_CLEAR => {
            if buf == 0 || len < 0 {
                return Err(Errno::EINVAL);
            }
            if len == 0 {
                return Ok(0);
            }
            // Linux's access_ok: a buffer outside user space is EFAULT even when the log is
            // empty.
            cx.mm().check_range(buf, len as usize)?;
            let data: alloc::vec::Vec<u8> = {
                let mut log = KLOG.lock();
                let n = log.len().min(len as usize);
                if action == SYSLOG_ACTION_READ {
                    log.drain(..n).collect()
                } else {
                    let skip = log.len() - n;
                    let v = log.iter().skip(skip).copied().collect();
                    if action == SYSLOG_ACTION_READ_CLEAR {
                        log.clear();
                    }
                    v
                }
            };
            UserSliceMut::<u8>::new(buf, data.len()).write(&mut cx.mm(), &data)?;
            Ok(data.len())
        }
        _ => Err(Errno::EINVAL),
    }
}
