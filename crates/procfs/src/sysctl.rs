//! /proc/sys: the kernel's tunables, read-only, from one table. Programs read these to learn the
//! system's limits (LTP reads pid_max, tainted and pipe-max-size before it tests anything).
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// One tunable: its path under /proc/sys, and what gives its value.
pub(crate) type Sysctl = (&'static str, fn() -> String);

/// The tunables. The directories are the paths' prefixes.
pub(crate) const SYSCTLS: &[Sysctl] = &[
    // Pids count up from 1 and are never reused: they stay below Linux's 64-bit limit.
    ("kernel/pid_max", || String::from("4194304")),
    ("kernel/tainted", || String::from("0")),
    ("kernel/threads-max", || format!("{}", task::process::max_threads())),
    ("kernel/ostype", || String::from("Linux")),
    ("kernel/hostname", || format!("{}", String::from_utf8_lossy(&task::uts::hostname()))),
    ("kernel/domainname", || format!("{}", String::from_utf8_lossy(&task::uts::domainname()))),
    // System V IPC limits: Linux's defaults (the syscalls::ipc constants).
    ("kernel/msgmni", || String::from("32000")),
    ("kernel/msgmax", || String::from("8192")),
    ("kernel/msgmnb", || String::from("16384")),
    ("kernel/sem", || String::from("32000\t1024000000\t500\t32000")),
    ("kernel/shmmax", || String::from("18446744073692774399")),
    ("kernel/shmall", || String::from("18446744073692774399")),
    ("kernel/shmmni", || String::from("4096")),
    ("fs/pipe-max-size", || format!("{}", fs::pipe::PIPE_MAX_SIZE)),
    // What RLIMIT_NOFILE may be raised to (Linux's default nr_open).
    ("fs/nr_open", || String::from("1048576")),
    ("vm/overcommit_memory", || String::from("0")),
    ("vm/max_map_count", || String::from("65530")),
];

/// The file at `path` (under /proc/sys): its index in [`SYSCTLS`].
pub(crate) fn file(path: &str) -> Option<usize> {
    SYSCTLS.iter().position(|(p, _)| *p == path)
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
    let mut s = (SYSCTLS[index].1)();
    s.push('\n');
    s
}
