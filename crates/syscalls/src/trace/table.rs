//! What each syscall's arguments are: one row per syscall, in register order.
//!
//! The rows name kinds of argument ([`Arg`]); only the formatters in [`super::decode`] know how a
//! kind is shown. Named values come from the ABI crate's constants where it has them, so each
//! value is written down once.
use abi::flags::*;
use abi::process::*;
use abi::signal::*;
use abi::Sysno;

/// Values with names: an enumeration, or the bits of a flags word.
pub(super) type Names = &'static [(u64, &'static str)];

/// `(CONST, "CONST")` pairs from the ABI's own constants, so the values have one source.
macro_rules! names {
    ($($c:ident),* $(,)?) => { &[$(($c as u64, stringify!($c))),*] };
}

/// How one argument is shown.
#[derive(Clone, Copy)]
pub(super) enum Arg {
    /// A C `int`, in decimal (pids, ids, counts passed as int).
    Int,
    /// A size or count, unsigned decimal.
    Uint,
    /// A signed 64-bit offset.
    Long,
    /// A word shown in hex (a value we do not decode).
    Hex,
    /// A file mode, in octal (`0644`).
    Mode,
    /// open's mode: shown only if the flags before it ask for a new file (O_CREAT, O_TMPFILE).
    CreatMode,
    /// A file descriptor, `AT_FDCWD` by name.
    Fd,
    /// A pointer the trace does not follow (a struct): `NULL` or hex.
    Ptr,
    /// A NUL-terminated string the kernel reads (a path), quoted.
    Str,
    /// Bytes the kernel reads; their count is argument `i`. Shown before the call.
    InBuf(u8),
    /// Bytes the kernel writes: shown after the call, as many as it returned.
    OutBuf,
    /// A NUL-terminated string the kernel writes (getcwd): shown after the call.
    OutStr,
    /// A `struct iovec` array the kernel reads; its length is argument `i`.
    InIov(u8),
    /// A `struct iovec` array the kernel fills (as many bytes as it returned); length in `i`.
    OutIov(u8),
    /// An `int[2]` the kernel fills (pipe2).
    OutFds,
    /// A NULL-terminated array of strings (execve's argv).
    StrList,
    /// One value out of a list of names (SEEK_SET, F_GETFL, CLOCK_MONOTONIC).
    Enum(Names),
    /// Named bits joined with `|`; an entry with value 0 names the empty set (PROT_NONE).
    Flags(Names),
    /// open flags: the access mode, then the other bits.
    Open,
    /// clone flags: the CLONE_* bits, then the exit signal in the low byte.
    Clone,
    /// A signal number (SIGINT, SIGRTMIN+2).
    Signal,
    /// A futex operation (FUTEX_WAIT_PRIVATE).
    Futex,
}

impl Arg {
    /// Whether the value is only known once the call has returned (the kernel writes it).
    pub(super) fn after(self) -> bool {
        matches!(self, Arg::OutBuf | Arg::OutStr | Arg::OutIov(_) | Arg::OutFds)
    }
}

use Arg::*;

pub(super) const O_BITS: Names = &[
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o4010000, "O_SYNC"),
    (0o10000, "O_DSYNC"),
    (0o20000, "O_ASYNC"),
    (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"),
    (O_TMPFILE, "O_TMPFILE"),
    (0o200000, "O_DIRECTORY"),
    (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"),
    (0o2000000, "O_CLOEXEC"),
    (0o10000000, "O_PATH"),
];
pub(super) const O_CREAT: u64 = 0o100;
pub(super) const O_TMPFILE: u64 = 0o20200000;
const PROT: Names = &[(0, "PROT_NONE"), (1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC")];
const MAP: Names = &[
    (0x03, "MAP_SHARED_VALIDATE"),
    (0x01, "MAP_SHARED"),
    (0x02, "MAP_PRIVATE"),
    (0x10, "MAP_FIXED"),
    (0x20, "MAP_ANONYMOUS"),
    (0x100, "MAP_GROWSDOWN"),
    (0x800, "MAP_DENYWRITE"),
    (0x1000, "MAP_EXECUTABLE"),
    (0x2000, "MAP_LOCKED"),
    (0x4000, "MAP_NORESERVE"),
    (0x8000, "MAP_POPULATE"),
    (0x10000, "MAP_NONBLOCK"),
    (0x20000, "MAP_STACK"),
    (0x40000, "MAP_HUGETLB"),
    (0x100000, "MAP_FIXED_NOREPLACE"),
];
pub(super) const CLONE: Names = names![
    CLONE_VM,
    CLONE_FS,
    CLONE_FILES,
    CLONE_SIGHAND,
    CLONE_PIDFD,
    CLONE_PTRACE,
    CLONE_VFORK,
    CLONE_PARENT,
    CLONE_THREAD,
    CLONE_NEWNS,
    CLONE_SYSVSEM,
    CLONE_SETTLS,
    CLONE_PARENT_SETTID,
    CLONE_CHILD_CLEARTID,
    CLONE_DETACHED,
    CLONE_UNTRACED,
    CLONE_CHILD_SETTID,
    CLONE_NEWCGROUP,
    CLONE_NEWUTS,
    CLONE_NEWIPC,
    CLONE_NEWUSER,
    CLONE_NEWPID,
    CLONE_NEWNET,
    CLONE_IO,
];
pub(super) const SIGNALS: Names = names![
    SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE,
    SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ,
    SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS,
];
pub(super) const FUTEX_OPS: Names = &[
    (0, "FUTEX_WAIT"),
    (1, "FUTEX_WAKE"),
    (2, "FUTEX_FD"),
    (3, "FUTEX_REQUEUE"),
    (4, "FUTEX_CMP_REQUEUE"),
    (5, "FUTEX_WAKE_OP"),
    (6, "FUTEX_LOCK_PI"),
    (7, "FUTEX_UNLOCK_PI"),
    (8, "FUTEX_TRYLOCK_PI"),
    (9, "FUTEX_WAIT_BITSET"),
    (10, "FUTEX_WAKE_BITSET"),
    (11, "FUTEX_WAIT_REQUEUE_PI"),
    (12, "FUTEX_CMP_REQUEUE_PI"),
    (13, "FUTEX_LOCK_PI2"),
];
const AT: Names = names![AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_NO_AUTOMOUNT, AT_EMPTY_PATH];
const ACCESS: Names = names![F_OK, R_OK, W_OK, X_OK];
const WHENCE: Names = &[(0, "SEEK_SET"), (1, "SEEK_CUR"), (2, "SEEK_END"), (3, "SEEK_DATA"), (4, "SEEK_HOLE")];
const FCNTL: Names = names![
    F_DUPFD,
    F_GETFD,
    F_SETFD,
    F_GETFL,
    F_SETFL,
    F_GETLK,
    F_SETLK,
    F_SETLKW,
    F_SETOWN,
    F_GETOWN,
    F_SETSIG,
    F_GETSIG,
    F_SETOWN_EX,
    F_GETOWN_EX,
    F_OFD_GETLK,
    F_OFD_SETLK,
    F_OFD_SETLKW,
    F_SETLEASE,
    F_GETLEASE,
    F_NOTIFY,
    F_DUPFD_CLOEXEC,
    F_SETPIPE_SZ,
    F_GETPIPE_SZ,
    F_ADD_SEALS,
    F_GET_SEALS,
];
const LOCK: Names = names![LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN, LOCK_MAND];
const IOCTL: Names = names![TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGPGRP, TIOCSPGRP, TIOCGWINSZ, TIOCSWINSZ];
const CLOCKS: Names = names![
    CLOCK_REALTIME,
    CLOCK_MONOTONIC,
    CLOCK_PROCESS_CPUTIME_ID,
    CLOCK_THREAD_CPUTIME_ID,
    CLOCK_MONOTONIC_RAW,
    CLOCK_REALTIME_COARSE,
    CLOCK_MONOTONIC_COARSE,
    CLOCK_BOOTTIME,
];
const SIGHOW: Names = names![SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK];
const RLIMITS: Names =
    names![RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_NOFILE, RLIMIT_AS];
const WAIT: Names = names![WNOHANG, WUNTRACED, WEXITED, WCONTINUED, WNOWAIT, __WNOTHREAD, __WALL, __WCLONE];
const RENAME: Names = names![RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT];
const GRND: Names = names![GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE];
const UMOUNT: Names = names![MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW];
const MS: Names = names![
    MS_RDONLY,
    MS_NOSUID,
    MS_NODEV,
    MS_NOEXEC,
    MS_SYNCHRONOUS,
    MS_REMOUNT,
    MS_MANDLOCK,
    MS_DIRSYNC,
    MS_NOSYMFOLLOW,
    MS_NOATIME,
    MS_NODIRATIME,
    MS_BIND,
    MS_MOVE,
    MS_REC,
    MS_SILENT,
    MS_UNBINDABLE,
    MS_PRIVATE,
    MS_SLAVE,
    MS_SHARED,
    MS_RELATIME,
    MS_STRICTATIME,
    MS_LAZYTIME,
];

/// The arguments of each syscall we decode, in register order (riscv64 generic ABI).
#[rustfmt::skip]
pub(super) static TABLE: &[(Sysno, &[Arg])] = &[
    // files
    (Sysno::openat, &[Fd, Str, Open, CreatMode]),
    (Sysno::close, &[Fd]),
    (Sysno::read, &[Fd, OutBuf, Uint]),
    (Sysno::write, &[Fd, InBuf(2), Uint]),
    (Sysno::readv, &[Fd, OutIov(2), Int]),
    (Sysno::writev, &[Fd, InIov(2), Int]),
    (Sysno::pread64, &[Fd, OutBuf, Uint, Long]),
    (Sysno::pwrite64, &[Fd, InBuf(2), Uint, Long]),
    (Sysno::lseek, &[Fd, Long, Enum(WHENCE)]),
    (Sysno::sendfile, &[Fd, Fd, Ptr, Uint]),
    (Sysno::fstat, &[Fd, Ptr]),
    (Sysno::newfstatat, &[Fd, Str, Ptr, Flags(AT)]),
    (Sysno::statx, &[Fd, Str, Flags(AT), Hex, Ptr]),
    (Sysno::readlinkat, &[Fd, Str, OutBuf, Uint]),
    (Sysno::ioctl, &[Fd, Enum(IOCTL), Hex]),
    (Sysno::fcntl, &[Fd, Enum(FCNTL), Hex]),
    (Sysno::ppoll, &[Ptr, Uint, Ptr, Ptr, Uint]),
    (Sysno::pselect6, &[Int, Ptr, Ptr, Ptr, Ptr, Ptr]),
    (Sysno::fsync, &[Fd]),
    (Sysno::fdatasync, &[Fd]),
    (Sysno::dup, &[Fd]),
    (Sysno::dup3, &[Fd, Fd, Flags(O_BITS)]),
    (Sysno::pipe2, &[OutFds, Flags(O_BITS)]),
    (Sysno::flock, &[Fd, Flags(LOCK)]),
    // names and attributes
    (Sysno::getdents64, &[Fd, Ptr, Uint]),
    (Sysno::getcwd, &[OutStr, Uint]),
    (Sysno::chdir, &[Str]),
    (Sysno::fchdir, &[Fd]),
    (Sysno::chroot, &[Str]),
    (Sysno::mkdirat, &[Fd, Str, Mode]),
    (Sysno::mknodat, &[Fd, Str, Mode, Hex]),
    (Sysno::unlinkat, &[Fd, Str, Flags(AT)]),
    (Sysno::symlinkat, &[Str, Fd, Str]),
    (Sysno::linkat, &[Fd, Str, Fd, Str, Flags(AT)]),
    (Sysno::renameat2, &[Fd, Str, Fd, Str, Flags(RENAME)]),
    (Sysno::truncate, &[Str, Long]),
    (Sysno::ftruncate, &[Fd, Long]),
    (Sysno::fallocate, &[Fd, Int, Long, Long]),
    (Sysno::faccessat, &[Fd, Str, Flags(ACCESS)]),
    (Sysno::faccessat2, &[Fd, Str, Flags(ACCESS), Flags(AT)]),
    (Sysno::fchmod, &[Fd, Mode]),
    (Sysno::fchmodat, &[Fd, Str, Mode]),
    (Sysno::fchown, &[Fd, Int, Int]),
    (Sysno::fchownat, &[Fd, Str, Int, Int, Flags(AT)]),
    (Sysno::utimensat, &[Fd, Str, Ptr, Flags(AT)]),
    (Sysno::umask, &[Mode]),
    (Sysno::mount, &[Str, Str, Str, Flags(MS), Ptr]),
    (Sysno::umount2, &[Str, Flags(UMOUNT)]),
    (Sysno::statfs, &[Str, Ptr]),
    (Sysno::fstatfs, &[Fd, Ptr]),
    (Sysno::sync, &[]),
    (Sysno::syncfs, &[Fd]),
    // memory
    (Sysno::brk, &[Ptr]),
    (Sysno::mmap, &[Ptr, Uint, Flags(PROT), Flags(MAP), Fd, Uint]),
    (Sysno::munmap, &[Ptr, Uint]),
    (Sysno::mprotect, &[Ptr, Uint, Flags(PROT)]),
    (Sysno::mremap, &[Ptr, Uint, Uint, Hex, Ptr]),
    (Sysno::madvise, &[Ptr, Uint, Int]),
    // processes
    (Sysno::exit, &[Int]),
    (Sysno::exit_group, &[Int]),
    (Sysno::clone, &[Clone, Ptr, Ptr, Hex, Ptr]),
    (Sysno::clone3, &[Ptr, Uint]),
    (Sysno::execve, &[Str, StrList, Ptr]),
    (Sysno::execveat, &[Fd, Str, StrList, Ptr, Flags(AT)]),
    (Sysno::wait4, &[Int, Ptr, Flags(WAIT), Ptr]),
    (Sysno::waitid, &[Int, Int, Ptr, Flags(WAIT), Ptr]),
    (Sysno::getpid, &[]),
    (Sysno::getppid, &[]),
    (Sysno::gettid, &[]),
    (Sysno::getuid, &[]),
    (Sysno::geteuid, &[]),
    (Sysno::getgid, &[]),
    (Sysno::getegid, &[]),
    (Sysno::getresuid, &[Ptr, Ptr, Ptr]),
    (Sysno::getresgid, &[Ptr, Ptr, Ptr]),
    (Sysno::getgroups, &[Int, Ptr]),
    (Sysno::setgroups, &[Uint, Ptr]),
    (Sysno::setuid, &[Int]),
    (Sysno::setgid, &[Int]),
    (Sysno::setpgid, &[Int, Int]),
    (Sysno::getpgid, &[Int]),
    (Sysno::setsid, &[]),
    (Sysno::getsid, &[Int]),
    (Sysno::set_tid_address, &[Ptr]),
    (Sysno::set_robust_list, &[Ptr, Uint]),
    (Sysno::get_robust_list, &[Int, Ptr, Ptr]),
    (Sysno::futex, &[Ptr, Futex, Uint, Ptr, Ptr, Uint]),
    (Sysno::prlimit64, &[Int, Enum(RLIMITS), Ptr, Ptr]),
    (Sysno::getrlimit, &[Enum(RLIMITS), Ptr]),
    (Sysno::setrlimit, &[Enum(RLIMITS), Ptr]),
    (Sysno::getrusage, &[Int, Ptr]),
    (Sysno::getpriority, &[Int, Int]),
    (Sysno::setpriority, &[Int, Int, Int]),
    (Sysno::prctl, &[Int, Hex, Hex, Hex, Hex]),
    (Sysno::restart_syscall, &[]),
    // time and system
    (Sysno::clock_gettime, &[Enum(CLOCKS), Ptr]),
    (Sysno::clock_getres, &[Enum(CLOCKS), Ptr]),
    (Sysno::clock_nanosleep, &[Enum(CLOCKS), Hex, Ptr, Ptr]),
    (Sysno::nanosleep, &[Ptr, Ptr]),
    (Sysno::gettimeofday, &[Ptr, Ptr]),
    (Sysno::times, &[Ptr]),
    (Sysno::getitimer, &[Int, Ptr]),
    (Sysno::setitimer, &[Int, Ptr, Ptr]),
    (Sysno::sched_yield, &[]),
    (Sysno::uname, &[Ptr]),
    (Sysno::sysinfo, &[Ptr]),
    (Sysno::syslog, &[Int, Ptr, Int]),
    (Sysno::reboot, &[Hex, Hex, Hex, Ptr]),
    (Sysno::getrandom, &[Ptr, Uint, Flags(GRND)]),
    // signals
    (Sysno::kill, &[Int, Signal]),
    (Sysno::tkill, &[Int, Signal]),
    (Sysno::tgkill, &[Int, Int, Signal]),
    (Sysno::rt_sigaction, &[Signal, Ptr, Ptr, Uint]),
    (Sysno::rt_sigprocmask, &[Enum(SIGHOW), Ptr, Ptr, Uint]),
    (Sysno::rt_sigreturn, &[]),
    (Sysno::rt_sigpending, &[Ptr, Uint]),
    (Sysno::rt_sigsuspend, &[Ptr, Uint]),
    (Sysno::rt_sigtimedwait, &[Ptr, Ptr, Ptr, Uint]),
    (Sysno::rt_sigqueueinfo, &[Int, Signal, Ptr]),
    (Sysno::rt_tgsigqueueinfo, &[Int, Int, Signal, Ptr]),
    (Sysno::sigaltstack, &[Ptr, Ptr]),
];

/// Syscalls whose result is an address, shown in hex.
pub(super) const HEX_RESULT: &[Sysno] = &[Sysno::mmap, Sysno::mremap, Sysno::brk];
/// Syscalls that do not return to the caller: their line ends in `= ?` and is printed first.
pub(super) const NO_RETURN: &[Sysno] = &[Sysno::exit, Sysno::exit_group];
