//! The kinds of syscall argument the tracer knows ([`Arg`]) and the names of their values.
//!
//! The syscall table (`crate::table`) gives each call's arguments as these kinds, in register
//! order; only the formatters in [`super::decode`] know how a kind is shown. Named values come from the ABI crate's constants where it has them, so each
//! value is written down once.
use abi::flags::*;
use abi::process::*;
use abi::signal::*;

/// Values with names: an enumeration, or the bits of a flags word.
pub(crate) type Names = &'static [(u64, &'static str)];

/// `(CONST, "CONST")` pairs from the ABI's own constants, so the values have one source.
macro_rules! names {
    ($($c:ident),* $(,)?) => { &[$(($c as u64, stringify!($c))),*] };
}

/// How one argument is shown.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Arg {
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
    pub(crate) fn after(self) -> bool {
        matches!(self, Arg::OutBuf | Arg::OutStr | Arg::OutIov(_) | Arg::OutFds)
    }
}

pub(crate) const O_BITS: Names = &[
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
pub(crate) const O_CREAT: u64 = 0o100;
pub(crate) const O_TMPFILE: u64 = 0o20200000;
pub(crate) const PROT: Names = &[(0, "PROT_NONE"), (1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC")];
pub(crate) const MAP: Names = &[
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
pub(crate) const MREMAP: Names = &[(0x1, "MREMAP_MAYMOVE"), (0x2, "MREMAP_FIXED"), (0x4, "MREMAP_DONTUNMAP")];
pub(crate) const MSYNC: Names = &[(0x1, "MS_ASYNC"), (0x2, "MS_INVALIDATE"), (0x4, "MS_SYNC")];
pub(crate) const MFD: Names = &[(0x1, "MFD_CLOEXEC"), (0x2, "MFD_ALLOW_SEALING"), (0x4, "MFD_HUGETLB")];
pub(crate) const MLOCK: Names = &[(0x1, "MLOCK_ONFAULT")];
pub(crate) const MCL: Names = &[(0x1, "MCL_CURRENT"), (0x2, "MCL_FUTURE"), (0x4, "MCL_ONFAULT")];
pub(crate) const FADV: Names = &[
    (0, "POSIX_FADV_NORMAL"),
    (1, "POSIX_FADV_RANDOM"),
    (2, "POSIX_FADV_SEQUENTIAL"),
    (3, "POSIX_FADV_WILLNEED"),
    (4, "POSIX_FADV_DONTNEED"),
    (5, "POSIX_FADV_NOREUSE"),
];
pub(crate) const CLONE: Names = names![
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
pub(crate) const SIGNALS: Names = names![
    SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE,
    SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ,
    SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS,
];
pub(crate) const FUTEX_OPS: Names = &[
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
pub(crate) const AT: Names =
    names![AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_NO_AUTOMOUNT, AT_EMPTY_PATH];
pub(crate) const ACCESS: Names = names![F_OK, R_OK, W_OK, X_OK];
pub(crate) const XATTR: Names = &[(1, "XATTR_CREATE"), (2, "XATTR_REPLACE")];
pub(crate) const WHENCE: Names =
    &[(0, "SEEK_SET"), (1, "SEEK_CUR"), (2, "SEEK_END"), (3, "SEEK_DATA"), (4, "SEEK_HOLE")];
pub(crate) const FCNTL: Names = names![
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
pub(crate) const LOCK: Names = names![LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN, LOCK_MAND];
pub(crate) const IOCTL: Names = names![
    TCGETS,
    TCSETS,
    TCSETSW,
    TCSETSF,
    TIOCGPGRP,
    TIOCSPGRP,
    TIOCGWINSZ,
    TIOCSWINSZ,
    BLKROSET,
    BLKROGET,
    BLKRRPART,
    BLKGETSIZE,
    BLKFLSBUF,
    BLKSSZGET,
    BLKIOMIN,
    BLKIOOPT,
    BLKALIGNOFF,
    BLKPBSZGET,
    BLKBSZGET,
    BLKBSZSET,
    BLKGETSIZE64,
    FICLONE,
    FICLONERANGE,
];
pub(crate) const CLOCKS: Names = names![
    CLOCK_REALTIME,
    CLOCK_MONOTONIC,
    CLOCK_PROCESS_CPUTIME_ID,
    CLOCK_THREAD_CPUTIME_ID,
    CLOCK_MONOTONIC_RAW,
    CLOCK_REALTIME_COARSE,
    CLOCK_MONOTONIC_COARSE,
    CLOCK_BOOTTIME,
];
pub(crate) const MADV: Names = names![
    MADV_NORMAL,
    MADV_RANDOM,
    MADV_SEQUENTIAL,
    MADV_WILLNEED,
    MADV_DONTNEED,
    MADV_FREE,
    MADV_REMOVE,
    MADV_DONTFORK,
    MADV_DOFORK,
    MADV_MERGEABLE,
    MADV_UNMERGEABLE,
    MADV_HUGEPAGE,
    MADV_NOHUGEPAGE,
    MADV_DONTDUMP,
    MADV_DODUMP,
    MADV_WIPEONFORK,
    MADV_KEEPONFORK,
    MADV_COLD,
    MADV_PAGEOUT,
    MADV_POPULATE_READ,
    MADV_POPULATE_WRITE,
    MADV_DONTNEED_LOCKED,
    MADV_COLLAPSE,
];
pub(crate) const SIGHOW: Names = names![SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK];
pub(crate) const RLIMITS: Names =
    names![RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_NOFILE, RLIMIT_AS];
pub(crate) const WAIT: Names = names![WNOHANG, WUNTRACED, WEXITED, WCONTINUED, WNOWAIT, __WNOTHREAD, __WALL, __WCLONE];
pub(crate) const RENAME: Names = names![RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT];
pub(crate) const PRCTL: Names = names![PR_SET_NAME, PR_GET_NAME];
pub(crate) const GRND: Names = names![GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE];
pub(crate) const UMOUNT: Names = names![MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW];
pub(crate) const MS: Names = names![
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
