//! /proc/sys: the kernel's tunables, from one table. Programs read these to learn the system's
//! limits (LTP reads pid_max, tainted and pipe-max-size before it tests anything), and root
//! writes some of them: those the kernel enforces change its behaviour (pipe-max-size, msgmni,
//! shmmax, the host and domain names); the others are remembered and read back, as a kernel
//! with the feature would (core_pattern, printk, ...).
use abi::{Errno, SysResult};
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use sync::Mutex;
use task::mqueue::Tunable as Mq;

/// How a tunable's value is had and changed.
pub(crate) enum Value {
    /// Read-only: made on every read.
    Fixed(fn() -> String),
    /// Read and written through the kernel's own state; the writer gets the text written.
    Tunable(fn() -> String, fn(&str) -> SysResult<()>),
    /// Remembered as written (from this default), checked by the given rule.
    Kept(&'static str, Check),
}

/// What a remembered value must look like.
#[derive(Clone, Copy)]
pub(crate) enum Check {
    /// One integer in this range.
    Int(i64, i64),
    /// Any text of at most this many bytes.
    Text(usize),
}

/// One tunable: its path under /proc/sys, and its value.
pub(crate) type Sysctl = (&'static str, Value);

use Value::*;

/// The tunables. The directories are the paths' prefixes.
pub(crate) const SYSCTLS: &[Sysctl] = &[
    // Pids count up from 1 and are never reused: pid_max is recorded, and reported.
    (
        "kernel/pid_max",
        Tunable(
            || int(task::limits::PID_MAX.load(Ordering::Relaxed)),
            |s| {
                task::limits::PID_MAX.store(parse(s, 301, 4194304)? as i32, Ordering::Relaxed);
                Ok(())
            },
        ),
    ),
    ("kernel/tainted", Fixed(|| String::from("0"))),
    ("kernel/threads-max", Fixed(|| format!("{}", task::process::max_threads()))),
    ("kernel/ostype", Fixed(|| String::from("Linux"))),
    ("kernel/osrelease", Fixed(|| String::from(crate::text::RELEASE))),
    ("kernel/version", Fixed(|| String::from(crate::text::VERSION))),
    (
        "kernel/hostname",
        Tunable(
            || lossy(&task::uts::hostname()),
            |s| {
                task::uts::set_hostname(uts_name(s));
                Ok(())
            },
        ),
    ),
    (
        "kernel/domainname",
        Tunable(
            || lossy(&task::uts::domainname()),
            |s| {
                task::uts::set_domainname(uts_name(s));
                Ok(())
            },
        ),
    ),
    ("kernel/core_pattern", Kept("core", Check::Text(127))),
    ("kernel/core_uses_pid", Kept("0", Check::Int(0, 1))),
    ("kernel/printk", Kept("4\t4\t1\t7", Check::Text(64))),
    ("kernel/keys/maxkeys", Kept("200", Check::Int(0, i32::MAX as i64))),
    ("kernel/keys/maxbytes", Kept("20000", Check::Int(0, i32::MAX as i64))),
    ("kernel/keys/root_maxkeys", Kept("1000000", Check::Int(0, i32::MAX as i64))),
    ("kernel/keys/root_maxbytes", Kept("25000000", Check::Int(0, i32::MAX as i64))),
    // System V IPC limits: Linux's defaults; msgmni and shmmax are enforced.
    (
        "kernel/msgmni",
        Tunable(
            || int(task::limits::MSGMNI.load(Ordering::Relaxed)),
            |s| {
                task::limits::MSGMNI.store(parse(s, 0, 32768)? as i32, Ordering::Relaxed);
                Ok(())
            },
        ),
    ),
    ("kernel/msgmax", Fixed(|| String::from("8192"))),
    ("kernel/msgmnb", Fixed(|| String::from("16384"))),
    ("kernel/sem", Fixed(|| String::from("32000\t1024000000\t500\t32000"))),
    (
        "kernel/shmmax",
        Tunable(
            || format!("{}", task::limits::SHMMAX.load(Ordering::Relaxed)),
            |s| {
                let v = s.trim().parse::<u64>().map_err(|_| Errno::EINVAL)?;
                task::limits::SHMMAX.store(v, Ordering::Relaxed);
                Ok(())
            },
        ),
    ),
    ("kernel/shmall", Fixed(|| String::from("18446744073692774399"))),
    ("kernel/shmmni", Fixed(|| String::from("4096"))),
    (
        "fs/pipe-max-size",
        Tunable(
            || format!("{}", fs::pipe::PIPE_MAX_SIZE.load(Ordering::Relaxed)),
            |s| {
                let v = parse(s, 0, u32::MAX as i64)? as usize;
                let size = fs::pipe::round_size(v).ok_or(Errno::EINVAL)?;
                fs::pipe::PIPE_MAX_SIZE.store(size, Ordering::Relaxed);
                Ok(())
            },
        ),
    ),
    // Per-user pipe page limits: remembered, not enforced (Linux exempts root and
    // CAP_SYS_RESOURCE; here there is no per-user pipe accounting).
    ("fs/pipe-user-pages-soft", Kept("16384", Check::Int(0, i64::MAX))),
    ("fs/pipe-user-pages-hard", Kept("0", Check::Int(0, i64::MAX))),
    // POSIX message queues' limits (task::mqueue), which root may change.
    ("fs/mqueue/msg_default", Tunable(|| mq(Mq::MsgDefault), |s| set_mq(Mq::MsgDefault, s))),
    ("fs/mqueue/msg_max", Tunable(|| mq(Mq::MsgMax), |s| set_mq(Mq::MsgMax, s))),
    ("fs/mqueue/msgsize_default", Tunable(|| mq(Mq::MsgsizeDefault), |s| set_mq(Mq::MsgsizeDefault, s))),
    ("fs/mqueue/msgsize_max", Tunable(|| mq(Mq::MsgsizeMax), |s| set_mq(Mq::MsgsizeMax, s))),
    ("fs/mqueue/queues_max", Tunable(|| mq(Mq::QueuesMax), |s| set_mq(Mq::QueuesMax, s))),
    // inotify's limits (fs::notify), which root may change.
    (
        "fs/inotify/max_queued_events",
        Tunable(|| atomic(&fs::notify::MAX_QUEUED_EVENTS), |s| set_atomic(&fs::notify::MAX_QUEUED_EVENTS, s)),
    ),
    (
        "fs/inotify/max_user_instances",
        Tunable(|| atomic(&fs::notify::MAX_USER_INSTANCES), |s| set_atomic(&fs::notify::MAX_USER_INSTANCES, s)),
    ),
    (
        "fs/inotify/max_user_watches",
        Tunable(|| atomic(&fs::notify::MAX_USER_WATCHES), |s| set_atomic(&fs::notify::MAX_USER_WATCHES, s)),
    ),
    // What RLIMIT_NOFILE may be raised to (Linux's default nr_open).
    ("fs/nr_open", Fixed(|| String::from("1048576"))),
    ("vm/overcommit_memory", Kept("0", Check::Int(0, 2))),
    ("vm/max_map_count", Kept("65530", Check::Int(0, i32::MAX as i64))),
];

/// Values root has written to the [`Value::Kept`] tunables.
static KEPT: Mutex<BTreeMap<usize, String>> = Mutex::new(BTreeMap::new());

fn mq(t: Mq) -> String {
    format!("{}", task::mqueue::tunable(t))
}

fn set_mq(t: Mq, s: &str) -> SysResult<()> {
    task::mqueue::set_tunable(t, parse(s, i32::MIN as i64, i32::MAX as i64)?)
}

fn atomic(v: &core::sync::atomic::AtomicU32) -> String {
    format!("{}", v.load(Ordering::Relaxed))
}

/// A limit of 0 to i32::MAX (Linux's proc_dointvec_minmax with zero as the floor).
fn set_atomic(v: &core::sync::atomic::AtomicU32, s: &str) -> SysResult<()> {
    v.store(parse(s, 0, i32::MAX as i64)? as u32, Ordering::Relaxed);
    Ok(())
}

fn int(v: i32) -> String {
    v.to_string()
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A host or domain name written as text: up to the first newline, at most 64 bytes (longer
/// ones are cut, as Linux's proc_do_uts_string does).
fn uts_name(s: &str) -> &[u8] {
    let b = s.split('\n').next().unwrap_or("").as_bytes();
    &b[..b.len().min(64)]
}

/// One integer (surrounding white space allowed) within `min..=max`, else EINVAL.
fn parse(s: &str, min: i64, max: i64) -> SysResult<i64> {
    let v = s.trim().parse::<i64>().map_err(|_| Errno::EINVAL)?;
    if v < min || v > max {
        return Err(Errno::EINVAL);
    }
    Ok(v)
}

/// The file at `path` (under /proc/sys): its index in [`SYSCTLS`].
pub(crate) fn file(path: &str) -> Option<usize> {
    SYSCTLS.iter().position(|(p, _)| *p == path)
}

/// Whether file `index` may be written (its mode says 0644, else 0444).
pub(crate) fn writable(index: usize) -> bool {
    !matches!(SYSCTLS[index].1, Fixed(_))
}

/// Whether `path` ("" for /proc/sys itself) is a directory of the table.
pub(crate) fn is_dir(path: &str) -> bool {
    path.is_empty() || SYSCTLS.iter().any(|(p, _)| p.strip_prefix(path).is_some_and(|rest| rest.starts_with('/')))
}

/// The entries of directory `path`: (name, is a directory), each once.
pub(crate) fn list(path: &str) -> Vec<(&'static str, bool)> {
    let mut out: Vec<(&'static str, bool)> = Vec::new();
    for (p, _) in SYSCTLS {
        let rest = if path.is_empty() { Some(*p) } else { p.strip_prefix(path).and_then(|r| r.strip_prefix('/')) };
        if let Some(rest) = rest {
            let (name, dir) = match rest.split_once('/') {
                Some((d, _)) => (d, true),
                None => (rest, false),
            };
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, dir));
            }
        }
    }
    out
}

/// The text of file `index`: its value and a newline.
pub(crate) fn content(index: usize) -> String {
    let mut s = match &SYSCTLS[index].1 {
        Fixed(read) | Tunable(read, _) => read(),
        Kept(default, _) => KEPT.lock().get(&index).cloned().unwrap_or_else(|| String::from(*default)),
    };
    s.push('\n');
    s
}

/// A write of `data` to file `index`: the whole value at once (Linux's sysctl_writes_strict:
/// a write past the start changes nothing). EINVAL for a value the tunable does not take;
/// EIO-free: a read-only file was refused when it was opened.
pub(crate) fn write(index: usize, offset: u64, data: &[u8]) -> SysResult<usize> {
    if offset != 0 || data.is_empty() {
        return Ok(data.len());
    }
    let text = core::str::from_utf8(data).map_err(|_| Errno::EINVAL)?;
    match &SYSCTLS[index].1 {
        Fixed(_) => return Err(Errno::EPERM),
        Tunable(_, write) => write(text)?,
        Kept(_, check) => {
            let value = match *check {
                Check::Int(min, max) => parse(text, min, max)?.to_string(),
                Check::Text(most) => {
                    let line = text.split('\n').next().unwrap_or("");
                    let mut n = line.len().min(most);
                    while !line.is_char_boundary(n) {
                        n -= 1;
                    }
                    String::from(&line[..n])
                }
            };
            KEPT.lock().insert(index, value);
        }
    }
    Ok(data.len())
}
