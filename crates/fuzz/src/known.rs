//! Known bugs the fuzzer steers clear of while they are being fixed, and limits of the host
//! harness itself.
//!
//! [`avoid`] skips (does not run) a call that would hit one, looking at the call's arguments
//! and at the state it would run on. `fuzz --allow-known-bug <id>` (or `all`) runs such calls
//! anyway, to check a fix; the summary counts how often each was met.
use crate::world::World;
use abi::Sysno;
use syscalls::Caller;

/// Open bugs: (id, what goes wrong). An entry goes with its fix; none is open now.
///
/// The first entries (rename of a directory onto its parent, exec/mmap of a huge sparse file,
/// unbounded tmpfs writes and sendfile, the unknown-syscall log set, huge shared anonymous
/// mappings with fork, SIGKILL to a vfork parent, setitimer overflow, sigreturn with a wild
/// stack pointer, the robust-list walk, sigaltstack sizes, orphans' exit signal) were fixed
/// while the fuzzer was written; runs with `--allow-known-bug all` showed them gone. So was
/// the one it found itself, `proc-mmap` (mmap of a /proc file, then the kernel touching the
/// page: a deadlock; test `mmap_of_a_proc_file_is_enodev`).
pub const KNOWN_BUGS: &[(&str, &str)] = &[];

/// Limits of the host harness (not kernel bugs): calls beyond them are always skipped.
pub const HARNESS_LIMITS: &[(&str, &str)] = &[(
    "console-capture",
    "the host console keeps all output in memory: writes of more than 8 MiB to a terminal are skipped",
)];

/// Most bytes one call may write to a terminal (`console-capture`).
const MAX_CONSOLE_WRITE: usize = 8 << 20;

fn read_u64(cx: &Caller, addr: usize) -> Option<u64> {
    let mut b = [0u8; 8];
    cx.mm().read_bytes(addr, &mut b).ok()?;
    Some(u64::from_le_bytes(b))
}

/// How many of the `len` bytes at `addr` are mapped (the most a write can take from there).
fn mapped_extent(cx: &Caller, addr: usize, len: usize) -> usize {
    let mm = cx.mm();
    let mut at = addr;
    while at < addr.saturating_add(len) {
        match mm.area_at(at) {
            Some(a) => at = a.end,
            None => break,
        }
    }
    (at - addr).min(len)
}

/// The bytes writev(a[0], a[1], a[2]) could take from memory.
fn iov_total(cx: &Caller, a: &[usize; 6]) -> usize {
    let n = (a[2] as i32).clamp(0, 1024) as usize;
    let mut total = 0usize;
    for i in 0..n {
        let at = a[1].wrapping_add(16 * i);
        let (base, len) = (read_u64(cx, at).unwrap_or(0), read_u64(cx, at.wrapping_add(8)).unwrap_or(0));
        total = total.saturating_add(mapped_extent(cx, base as usize, len as usize));
    }
    total
}

/// Whether `fd` is a terminal (the console: its output is kept in memory on the host).
fn tty(cx: &Caller, fd: usize) -> bool {
    cx.file(fd as i32).is_ok_and(|f| f.inode().is_tty())
}

/// The known bug (or harness limit) the call would meet, if it is not allowed. Every such
/// situation is counted in `w.stats.known`, skipped or not.
pub fn avoid(w: &mut World, cx: &Caller, nr: usize, a: &[usize; 6]) -> Option<&'static str> {
    let bug = meets(cx, nr, a)?;
    *w.stats.known.entry(bug).or_default() += 1;
    (!w.allowed(bug) || HARNESS_LIMITS.iter().any(|(id, _)| *id == bug)).then_some(bug)
}

/// What the call would meet. (A known bug gets its check here, next to the harness limit.)
fn meets(cx: &Caller, nr: usize, a: &[usize; 6]) -> Option<&'static str> {
    let console = match Sysno(nr) {
        Sysno::write | Sysno::pwrite64 => tty(cx, a[0]) && mapped_extent(cx, a[1], a[2]) > MAX_CONSOLE_WRITE,
        Sysno::writev => tty(cx, a[0]) && iov_total(cx, a) > MAX_CONSOLE_WRITE,
        Sysno::sendfile => tty(cx, a[0]) && a[3] > MAX_CONSOLE_WRITE,
        _ => false,
    };
    console.then_some("console-capture")
}
