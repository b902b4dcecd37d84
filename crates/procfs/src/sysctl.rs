//! /proc/sys: the kernel's tunables from one table. Programs read these to learn the system's
//! limits (LTP reads pid_max, tainted and pipe-max-size before it tests anything). Most are
//! read-only; those with a setter (fs/mqueue/*) take a decimal integer from root (mode 0644).
use abi::{Errno, SysResult};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use task::mqueue::{set_tunable, tunable, Tunable};

fn mq(t: Tunable) -> String {
    format!("{}", tunable(t))
}

/// One tunable: its path under /proc/sys, what gives its value and, if it can be written, what
/// sets it (EINVAL for a value out of its range).
pub(crate) type Sysctl = (&'static str, fn() -> String, Option<fn(i64) -> SysResult<()>>);

/// The tunables. The directories are the paths' prefixes.
pub(crate) const SYSCTLS: &[Sysctl] = &[
    // Pids count up from 1 and are never reused: they stay below Linux's 64-bit limit.
    ("kernel/pid_max", || String::from("4194304"), None),
    ("kernel/tainted", || String::from("0"), None),
    ("kernel/threads-max", || format!("{}", task::process::max_threads()), None),
    ("kernel/ostype", || String::from("Linux"), None),
    ("kernel/hostname", || format!("{}", String::from_utf8_lossy(&task::uts::hostname())), None),
    ("kernel/domainname", || format!("{}", String::from_utf8_lossy(&task::uts::domainname())), None),
    // System V IPC limits: Linux's defaults (the syscalls::ipc constants).
    ("kernel/msgmni", || String::from("32000"), None),
    ("kernel/msgmax", || String::from("8192"), None),
    ("kernel/msgmnb", || String::from("16384"), None),
    ("kernel/sem", || String::from("32000\t1024000000\t500\t32000"), None),
    ("kernel/shmmax", || String::from("18446744073692774399"), None),
    ("kernel/shmall", || String::from("18446744073692774399"), None),
    ("kernel/shmmni", || String::from("4096"), None),
    ("fs/pipe-max-size", || format!("{}", fs::pipe::PIPE_MAX_SIZE), None),
    // What RLIMIT_NOFILE may be raised to (Linux's default nr_open).
    ("fs/nr_open", || String::from("1048576"), None),
    // POSIX message queues' limits (task::mqueue), which root may change.
    ("fs/mqueue/msg_default", || mq(Tunable::MsgDefault), Some(|v| set_tunable(Tunable::MsgDefault, v))),
    ("fs/mqueue/msg_max", || mq(Tunable::MsgMax), Some(|v| set_tunable(Tunable::MsgMax, v))),
    ("fs/mqueue/msgsize_default", || mq(Tunable::MsgsizeDefault), Some(|v| set_tunable(Tunable::MsgsizeDefault, v))),
    ("fs/mqueue/msgsize_max", || mq(Tunable::MsgsizeMax), Some(|v| set_tunable(Tunable::MsgsizeMax, v))),
    ("fs/mqueue/queues_max", || mq(Tunable::QueuesMax), Some(|v| set_tunable(Tunable::QueuesMax, v))),
    ("vm/overcommit_memory", || String::from("0"), None),
    ("vm/max_map_count", || String::from("65530"), None),
];

/// The file at `path` (under /proc/sys): its index in [`SYSCTLS`].
pub(crate) fn file(path: &str) -> Option<usize> {
    SYSCTLS.iter().position(|(p, ..)| *p == path)
}

/// Whether `path` ("" for /proc/sys itself) is a directory of the table.
pub(crate) fn is_dir(path: &str) -> bool {
    path.is_empty() || SYSCTLS.iter().any(|(p, ..)| p.strip_prefix(path).is_some_and(|rest| rest.starts_with('/')))
}

/// The entries of directory `path`: (name, is a directory), each once.
pub(crate) fn list(path: &str) -> Vec<(&'static str, bool)> {
    let mut out: Vec<(&'static str, bool)> = Vec::new();
    for (p, ..) in SYSCTLS {
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
    let mut s = (SYSCTLS[index].1)();
    s.push('\n');
    s
}

/// Whether file `index` can be written.
pub(crate) fn writable(index: usize) -> bool {
    SYSCTLS[index].2.is_some()
}

/// A write of `buf` at `offset` to file `index`: one decimal integer (leading blanks, a sign,
/// trailing blanks and a newline allowed), as Linux's proc_dointvec. A write past the start
/// changes nothing (Linux's strict sysctl writes); EINVAL for anything else or a value its
/// setter refuses, EACCES for a read-only file.
pub(crate) fn write(index: usize, offset: u64, buf: &[u8]) -> SysResult<usize> {
    let set = SYSCTLS[index].2.ok_or(Errno::EACCES)?;
    if offset > 0 {
        return Ok(buf.len());
    }
    let text = core::str::from_utf8(buf).map_err(|_| Errno::EINVAL)?;
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\0');
    let v: i64 = text.parse().map_err(|_| Errno::EINVAL)?;
    if !(i32::MIN as i64..=i32::MAX as i64).contains(&v) {
        return Err(Errno::EINVAL);
    }
    set(v)?;
    Ok(buf.len())
}
