//! How each kind of argument is shown, as strace would: the formatters, and the line of a call.
//!
//! A syscall missing from the syscall table shows its six registers in hex.
use super::kinds::{Arg, Names, CLONE, FUTEX_OPS, O_BITS, O_CREAT, O_TMPFILE, SIGNALS};
use super::Caller;
use crate::table::{flag, has_flag, lookup};
use abi::flags::AT_FDCWD;
use abi::process::CSIGNAL;
use abi::signal::{NSIG, SIGRTMIN};
use abi::structs::Iovec;
use abi::{Errno, Sysno};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Write;
use mm::{UserCStr, UserPtr, UserSlice};
use Arg::*;

/// How many bytes of a string or buffer are shown before `...` (strace's default `-s 32`).
const STRSIZE: usize = 32;
/// How many elements of an argv or iovec array are shown before `...`.
const ARRAY_SHOWN: usize = 8;

/// One piece of the argument list: text known at entry, or an argument shown after the call.
enum Part {
    Text(String),
    After(usize, Arg),
}

/// A syscall between its entry and its result: the entry text is made before the call (the
/// memory it reads may be gone afterwards, e.g. after execve), the results are added after.
pub(super) struct Entry {
    n: Sysno,
    args: [usize; 6],
    head: String,
    parts: Vec<Part>,
}

impl Entry {
    pub(super) fn new(cx: &Caller, n: Sysno, args: [usize; 6]) -> Entry {
        let mut head = String::new();
        let _ = write!(head, "[{}] {:?}(", cx.thread().tid(), n);
        let parts = match lookup(n) {
            Some(row) => row
                .args
                .iter()
                .enumerate()
                .filter(|&(i, &k)| !matches!(k, CreatMode) || args[i - 1] as u64 & (O_CREAT | O_TMPFILE) != 0)
                .map(|(i, &k)| if k.after() { Part::After(i, k) } else { Part::Text(arg(cx, k, i, &args, 0)) })
                .collect(),
            None => args.iter().map(|a| Part::Text(format!("{a:#x}"))).collect(),
        };
        Entry { n, args, head, parts }
    }

    /// Whether the call ends its thread, so that its line is printed (with `= ?`) before it.
    pub(super) fn no_return(&self) -> bool {
        has_flag(self.n, flag::noreturn)
    }

    /// The whole line, with `ret` as the result (`None`: the call does not return).
    pub(super) fn finish(&self, cx: &Caller, ret: Option<isize>) -> String {
        let mut line = self.head.clone();
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                line.push_str(", ");
            }
            match (part, ret) {
                (Part::Text(s), _) => line.push_str(s),
                (&Part::After(j, k), Some(r)) if r >= 0 => line.push_str(&arg(cx, k, j, &self.args, r as usize)),
                (&Part::After(j, _), _) => ptr(&mut line, self.args[j]),
            }
        }
        line.push_str(") = ");
        match ret {
            None => line.push('?'),
            Some(r) => result(&mut line, r, has_flag(self.n, flag::hex)),
        }
        line
    }
}

/// Argument `i` of `args`, shown as `kind`; `ret` is the call's (non-negative) result, for the
/// kinds shown after the call.
fn arg(cx: &Caller, kind: Arg, i: usize, args: &[usize; 6], ret: usize) -> String {
    let v = args[i];
    let show = |f: &dyn Fn(&mut String)| {
        let mut s = String::new();
        f(&mut s);
        s
    };
    match kind {
        Int => format!("{}", v as i32),
        Uint => format!("{v}"),
        Long => format!("{}", v as i64),
        Hex => format!("{v:#x}"),
        Mode | CreatMode => format!("0{:o}", v as u32),
        Fd if v as i32 as isize == AT_FDCWD => "AT_FDCWD".into(),
        Fd => format!("{}", v as i32),
        Ptr => show(&|s| ptr(s, v)),
        Str | OutStr => show(&|s| string(cx, s, v)),
        InBuf(n) => show(&|s| buffer(cx, s, v, args[n as usize])),
        OutBuf => show(&|s| buffer(cx, s, v, ret)),
        InIov(n) => show(&|s| iovecs(cx, s, v, args[n as usize], usize::MAX)),
        OutIov(n) => show(&|s| iovecs(cx, s, v, args[n as usize], ret)),
        OutFds => show(&|s| fds(cx, s, v)),
        StrList => show(&|s| string_list(cx, s, v)),
        Enum(names) => show(&|s| enumeration(s, v as u32 as u64, names)),
        Flags(names) => show(&|s| flags(s, v as u32 as u64, names)),
        Open => show(&|s| open_flags(s, v as u32 as u64)),
        Clone => show(&|s| clone_flags(s, v as u64)),
        Signal => show(&|s| signal(s, v as u32 as u64)),
        Futex => show(&|s| futex_op(s, v as u32 as u64)),
    }
}

/// The result: a number, an address, or `-1 ENAME (description)` like strace.
fn result(out: &mut String, ret: isize, hex: bool) {
    let _ = if !(-4095..0).contains(&ret) {
        if hex {
            write!(out, "{:#x}", ret as usize)
        } else {
            write!(out, "{ret}")
        }
    } else {
        match Errno::from_raw(-ret as i32) {
            // ERESTART*: the call is restarted or turned into EINTR on the way out (strace's `?`).
            Some(e) if e as i32 >= 512 => write!(out, "? {e}"),
            Some(e) => write!(out, "-1 {e}"),
            None => write!(out, "-1 errno {}", -ret),
        }
    };
}

fn ptr(out: &mut String, v: usize) {
    let _ = if v == 0 { write!(out, "NULL") } else { write!(out, "{v:#x}") };
}

/// `bytes` in double quotes with C escapes, as strace shows them, `...` after if `cut`.
fn quote(out: &mut String, bytes: &[u8], cut: bool) {
    out.push('"');
    for (i, &b) in bytes.iter().enumerate() {
        let _ = match b {
            b'"' => write!(out, "\\\""),
            b'\\' => write!(out, "\\\\"),
            b'\n' => write!(out, "\\n"),
            b'\t' => write!(out, "\\t"),
            b'\r' => write!(out, "\\r"),
            0x0b => write!(out, "\\v"),
            0x0c => write!(out, "\\f"),
            0x20..=0x7e => write!(out, "{}", b as char),
            // Octal, as short as possible unless a digit follows and would be read as part of it.
            _ if bytes.get(i + 1).is_some_and(|c| (b'0'..=b'7').contains(c)) => write!(out, "\\{b:03o}"),
            _ => write!(out, "\\{b:o}"),
        };
    }
    out.push('"');
    if cut {
        out.push_str("...");
    }
}

/// A NUL-terminated string in the caller's memory; its address if it cannot be read.
fn string(cx: &Caller, out: &mut String, addr: usize) {
    match UserCStr::new(addr).read_bytes(&mut cx.mm()) {
        Ok(b) if addr != 0 => quote(out, &b[..b.len().min(STRSIZE)], b.len() > STRSIZE),
        _ => ptr(out, addr),
    }
}

/// The first [`STRSIZE`] of `len` bytes at `addr`; the address if they cannot be read.
fn buffer(cx: &Caller, out: &mut String, addr: usize, len: usize) {
    let mut b = vec![0; len.min(STRSIZE)];
    match cx.mm().read_bytes(addr, &mut b) {
        Ok(()) => quote(out, &b, len > STRSIZE),
        Err(_) => ptr(out, addr),
    }
}

/// `[{iov_base="...", iov_len=N}, ...]` for `count` iovecs, showing at most `total` bytes in all.
fn iovecs(cx: &Caller, out: &mut String, addr: usize, count: usize, mut total: usize) {
    let shown = count.min(ARRAY_SHOWN);
    let Ok(iovs) = UserSlice::<Iovec>::new(addr, shown).read(&mut cx.mm()) else { return ptr(out, addr) };
    out.push('[');
    for (i, iov) in iovs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str("{iov_base=");
        buffer(cx, out, iov.base, iov.len.min(total));
        let _ = write!(out, ", iov_len={}}}", iov.len);
        total = total.saturating_sub(iov.len);
    }
    out.push_str(if count > shown { ", ...]" } else { "]" });
}

/// `[3, 4]`: the two descriptors pipe2 made.
fn fds(cx: &Caller, out: &mut String, addr: usize) {
    match UserPtr::<[i32; 2]>::new(addr).read(&mut cx.mm()) {
        Ok([a, b]) => {
            let _ = write!(out, "[{a}, {b}]");
        }
        Err(_) => ptr(out, addr),
    }
}

/// `["ls", "-l"]`: a NULL-terminated array of string pointers.
fn string_list(cx: &Caller, out: &mut String, addr: usize) {
    if addr == 0 {
        return ptr(out, addr);
    }
    out.push('[');
    for i in 0.. {
        let Ok(p) = UserPtr::<usize>::new(addr + i * 8).read(&mut cx.mm()) else {
            out.push_str("...");
            break;
        };
        if p == 0 {
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        if i == ARRAY_SHOWN {
            out.push_str("...");
            break;
        }
        string(cx, out, p);
    }
    out.push(']');
}

fn enumeration(out: &mut String, v: u64, names: Names) {
    match names.iter().find(|(n, _)| *n == v) {
        Some((_, name)) => out.push_str(name),
        None => {
            let _ = write!(out, "{v}");
        }
    }
}

/// Append the names of the bits of `v` (`|`-separated, after `out`'s text if `joined`), then any
/// bits without a name in hex. Returns whether anything was written.
fn bits(out: &mut String, mut v: u64, names: Names, mut joined: bool) -> bool {
    for &(b, name) in names {
        if b != 0 && v & b == b {
            if joined {
                out.push('|');
            }
            out.push_str(name);
            v &= !b;
            joined = true;
        }
    }
    if v != 0 {
        let _ = write!(out, "{}{v:#x}", if joined { "|" } else { "" });
        joined = true;
    }
    joined
}

fn flags(out: &mut String, v: u64, names: Names) {
    if v == 0 {
        out.push_str(names.iter().find(|(b, _)| *b == 0).map_or("0", |(_, n)| n));
    } else {
        bits(out, v, names, false);
    }
}

fn open_flags(out: &mut String, v: u64) {
    out.push_str(["O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"][v as usize & 3]);
    bits(out, v & !3, O_BITS, true);
}

fn clone_flags(out: &mut String, v: u64) {
    let joined = bits(out, v & !CSIGNAL, CLONE, false);
    let sig = v & CSIGNAL;
    if sig != 0 || !joined {
        if joined {
            out.push('|');
        }
        signal(out, sig);
    }
}

fn signal(out: &mut String, v: u64) {
    let rt = SIGRTMIN as u64;
    match v {
        x if x == rt => out.push_str("SIGRTMIN"),
        x if x > rt && x <= NSIG as u64 => {
            let _ = write!(out, "SIGRTMIN+{}", x - rt);
        }
        _ => enumeration(out, v, SIGNALS),
    }
}

/// `FUTEX_WAIT_PRIVATE`, `FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME`.
fn futex_op(out: &mut String, v: u64) {
    enumeration(out, v & 127, FUTEX_OPS);
    if v & 128 != 0 {
        out.push_str("_PRIVATE");
    }
    if v & 256 != 0 {
        out.push_str("|FUTEX_CLOCK_REALTIME");
    }
    if v & !511 != 0 {
        let _ = write!(out, "|{:#x}", v & !511);
    }
}
