//! The generator: the next op from the seed and the state of the world.
//!
//! A syscall is mostly one of those the dispatcher implements (each with the kinds of its
//! arguments, [`SPECS`]), sometimes any number below 1024 or a huge one; each argument comes from
//! the pool of its kind: edge values, valid / read-only / unmapped / kernel-half pointers and
//! pointers at the end of a mapping, open / closed / absurd descriptors, paths it writes into
//! the caller's memory, flag words of valid bits or of any bits, structs (timespecs, sigactions,
//! iovecs, ...) filled with good and bad values. Every so often an argument is replaced by a
//! value of any kind. A quarter of the calls go through the trap path (signal delivery and
//! restarts), and some ops are traps of their own (timer ticks, page faults, illegal
//! instructions) or console input.
use crate::op::{Op, Poke, TrapKind};
use crate::rng::Rng;
use crate::world::World;
use abi::Sysno;
use hal::context::Access;
use syscalls::testing::{READONLY, SCRATCH, SCRATCH_LEN, UNMAPPED};
use syscalls::Caller;

/// Where the generator puts things in a process's SCRATCH area.
pub const BUF: usize = SCRATCH;
pub const BUF_LEN: usize = 0x8_0000;
/// Futex words, shared by the threads of a process.
pub const FUTEX: usize = SCRATCH + 0x8_0000;
/// One 8 KiB slot per argument for structs, one for paths.
pub const STRUCTS: usize = SCRATCH + 0x9_0000;
pub const PATHS: usize = SCRATCH + 0xc_0000;
pub const SLOT: usize = 0x2000;
pub const SCRATCH_END: usize = SCRATCH + SCRATCH_LEN;
/// The start of the kernel's half (Sv39) and its physical window.
pub const KERNEL_HALF: usize = 0xffff_ffc0_0000_0000;
/// The end of user space (Sv39, where the stack tops out).
pub const USER_END: usize = 0x40_0000_0000;

/// Syscall numbers beyond the table: always the same few (the kernel logs each unknown number
/// once; it once kept them all in a set that grew without bound).
const HUGE_SYSNOS: &[usize] = &[
    1024,
    4095,
    4096,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    0x1_0000_0040,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    usize::MAX - 1,
    usize::MAX,
];

/// The kind of an argument, which decides the pool its values come from.
#[derive(Clone, Copy, Debug)]
pub enum K {
    Fd,
    DirFd,
    Path,
    /// A path or NULL (utimensat, mount's source).
    PathOrNull,
    ExecPath,
    /// An extended attribute's name (user., trusted., security., system., unknown, too long).
    XattrName,
    /// A message queue's name as the kernel gets it (no leading '/'): a few names the calls
    /// share, and bad ones (empty, with '/', ".", too long).
    MqName,
    /// A buffer the kernel writes.
    Out,
    /// A buffer the kernel reads (random bytes are put there).
    In,
    Len,
    Off,
    Flags(u64),
    Cmd(&'static [usize]),
    Mode,
    Sig,
    Pid,
    Tid,
    Int,
    Uid,
    Dev,
    Clock,
    Addr,
    MapLen,
    CloneFlags,
    FutexAddr,
    FutexOp,
    FcntlArg,
    Ptr(S),
    /// The length of the socket address generated for an earlier argument (`S::SockAddr`),
    /// mostly, else a length from a list of edges.
    SockLen,
    Raw,
}

/// Structs the generator writes for pointer arguments.
#[derive(Clone, Copy, Debug)]
pub enum S {
    Timespec,
    Itimerval,
    Sigaction,
    Sigset,
    SigsetArg,
    Iovecs,
    PollFds,
    Rlimit,
    StackT,
    Siginfo,
    FdSet,
    Argv,
    RobustHead,
    Utimes,
    Off64,
    Flock,
    FsType,
    MountData,
    Groups,
    Termios,
    /// A socket address: sockaddr_in / sockaddr_in6 on 127.0.0.1 / ::1 (or the wildcard) with a
    /// port from a small range, sockaddr_un paths and abstract names, the family alone, junk.
    SockAddr,
    /// A socklen_t for an address a call writes (accept, getsockname, recvfrom).
    SockLenPtr,
    /// `struct mq_attr`: flags, sizes within and beyond the limits.
    MqAttr,
    /// `struct sigevent` (mq_notify): SIGEV_SIGNAL, NONE, THREAD (with a descriptor as the
    /// signal) and bad kinds.
    SigEvent,
}

/// POSIX timer ids: the first ones a process gets, and bad ones.
const TIMER_IDS: &[usize] = &[0, 0, 1, 2, usize::MAX, 0x7fff_ffff];
/// User and group ids: root, users, nobody, and -1 ("unchanged").
const IDS: &[usize] = &[0, 0, 1, 1000, 65534, u32::MAX as usize, usize::MAX];
/// Scheduling policies: the known ones, SCHED_RESET_ON_FORK, unknown ones.
const POLICIES: &[usize] = &[0, 1, 2, 3, 4, 5, 6, 7, 0x4000_0001, usize::MAX];
const O_MASK: u64 = 0o37777777;
const AT_MASK: u64 = 0x1f00 | 0x6000;
const PROT_MASK: u64 = 0x0300_000f;
const MAP_MASK: u64 = 0x001f_f97f;
const MS_MASK: u64 = 0x03ff_ffff;
const WAIT_MASK: u64 = 0xe100_000f;
const SA_MASK: u64 = 0xdc00_0007;
const SIGSETSIZES: &[usize] = &[8, 8, 8, 0, 4, 16, 128, usize::MAX];
const IOCTLS: &[usize] = &[
    0x5401,
    0x5402,
    0x5403,
    0x5404,
    0x540b,
    0x540e,
    0x540f,
    0x5410,
    0x5413,
    0x5414,
    0x541b,
    0x5421,
    0x5422,
    0x5429,
    0x5450,
    0x5451,
    0x5452,
    0x80045430,
    0,
    0xffff_ffff,
];
const FCNTLS: &[usize] =
    &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 16, 36, 37, 38, 1024, 1025, 1026, 1030, 1031, 1032, 1033, 1034, 99];
/// Common open flags: O_RDONLY, O_RDWR, O_WRONLY|O_CREAT|O_TRUNC, O_RDWR|O_CREAT,
/// O_DIRECTORY, O_RDWR|O_APPEND, O_PATH, O_WRONLY|O_CREAT|O_APPEND, O_RDWR|O_NONBLOCK,
/// O_RDWR|O_CREAT|O_EXCL|O_CLOEXEC, O_WRONLY|O_NONBLOCK, O_RDONLY|O_NOFOLLOW.
const OPENS: &[usize] =
    &[0, 2, 0o1101, 0o102, 0o200000, 0o2002, 0o10000000, 0o2101, 0o4002, 0o2000302, 0o4001, 0o400000, 2, 0o102];
const SEEKS: &[usize] = &[0, 1, 2, 3, 4, 5, usize::MAX];
const RLIMITS: &[usize] = &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 1000, usize::MAX];
/// madvise advice: the known ones (DONTNEED and FREE twice), unsupported and unknown ones.
const MADVICE: &[usize] = &[0, 1, 2, 3, 4, 4, 8, 8, 9, 10, 14, 16, 20, 21, 22, 24, 25, 100, usize::MAX];
const WHICH: &[usize] = &[0, 1, 2, 3, usize::MAX];
const IDTYPES: &[usize] = &[0, 1, 2, 3, 4, usize::MAX];
const SYSLOG: &[usize] = &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, usize::MAX];
const FALLOC: &[usize] = &[0, 1, 2, 3, 8, 0x10, 0x20, 0x40, 0xff];
const ROBUST_LEN: &[usize] = &[24, 24, 0, 23, 48];
const REBOOT_M1: &[usize] = &[0xfee1_dead, 0, 1];
const REBOOT_M2: &[usize] = &[672_274_793, 85_072_278, 369_367_448, 537_993_216, 0];
const REBOOT_CMD: &[usize] = &[0x89ab_cdef, 0, 0x1234_5678];

use K::*;

/// The implemented syscalls and the kinds of their arguments, for generating them (a call may
/// have several rows, to weigh it or to try other shapes). A test checks that these are exactly
/// the rows of the syscall table (crates/syscalls/src/table.rs).
pub const SPECS: &[(Sysno, &[K])] = &[
    (Sysno::read, &[Fd, Out, Len]),
    (Sysno::write, &[Fd, In, Len]),
    (Sysno::readv, &[Fd, Ptr(S::Iovecs), Int]),
    (Sysno::writev, &[Fd, Ptr(S::Iovecs), Int]),
    (Sysno::preadv, &[Fd, Ptr(S::Iovecs), Int, Off, Raw]),
    (Sysno::pwritev, &[Fd, Ptr(S::Iovecs), Int, Off, Raw]),
    (Sysno::preadv2, &[Fd, Ptr(S::Iovecs), Int, Off, Raw, Flags(0x3f)]),
    (Sysno::pwritev2, &[Fd, Ptr(S::Iovecs), Int, Off, Raw, Flags(0x3f)]),
    (Sysno::splice, &[Fd, Ptr(S::Off64), Fd, Ptr(S::Off64), Len, Flags(0x1f)]),
    (Sysno::tee, &[Fd, Fd, Len, Flags(0x1f)]),
    (Sysno::vmsplice, &[Fd, Ptr(S::Iovecs), Int, Flags(0x1f)]),
    (Sysno::process_vm_readv, &[Pid, Ptr(S::Iovecs), Int, Ptr(S::Iovecs), Int, Flags(1)]),
    (Sysno::process_vm_writev, &[Pid, Ptr(S::Iovecs), Int, Ptr(S::Iovecs), Int, Flags(1)]),
    (Sysno::pread64, &[Fd, Out, Len, Off]),
    (Sysno::pwrite64, &[Fd, In, Len, Off]),
    (Sysno::lseek, &[Fd, Off, Cmd(SEEKS)]),
    (Sysno::lseek, &[Fd, Off, Cmd(SEEKS)]),
    (Sysno::openat, &[DirFd, Path, Flags(O_MASK), Mode]),
    (Sysno::openat2, &[DirFd, Path, In, Cmd(&[0, 24, 32, 4097])]),
    (Sysno::openat, &[DirFd, Path, Cmd(OPENS), Mode]),
    (Sysno::openat, &[DirFd, Path, Cmd(OPENS), Mode]),
    (Sysno::close, &[Fd]),
    (Sysno::close_range, &[Fd, Fd, Flags(0x7)]),
    (Sysno::fstat, &[Fd, Out]),
    (Sysno::newfstatat, &[DirFd, Path, Out, Flags(AT_MASK)]),
    (Sysno::ppoll, &[Ptr(S::PollFds), Int, Ptr(S::Timespec), Ptr(S::Sigset), Cmd(SIGSETSIZES)]),
    (Sysno::readlinkat, &[DirFd, Path, Out, Len]),
    (Sysno::epoll_create1, &[Flags(0o2000000)]),
    (Sysno::epoll_ctl, &[Fd, Cmd(&[1, 2, 3, 0, 4]), Fd, In]),
    (Sysno::epoll_ctl, &[Fd, Cmd(&[1, 2, 3]), Fd, In]),
    (
        Sysno::epoll_pwait,
        &[Fd, Out, Cmd(&[1, 8, 64, 0, usize::MAX]), Cmd(&[0, 1, 5, usize::MAX]), Ptr(S::Sigset), Cmd(SIGSETSIZES)],
    ),
    (Sysno::epoll_pwait2, &[Fd, Out, Cmd(&[1, 8, 64, 0]), Ptr(S::Timespec), Ptr(S::Sigset), Cmd(SIGSETSIZES)]),
    (Sysno::eventfd2, &[Int, Flags(0o2004001)]),
    (Sysno::timerfd_create, &[Clock, Flags(0o2004000)]),
    (Sysno::timerfd_settime, &[Fd, Flags(3), Ptr(S::Itimerval), Out]),
    (Sysno::timerfd_gettime, &[Fd, Out]),
    (Sysno::socket, &[Cmd(&[1, 1, 1, 2, 10, 0, 99]), Cmd(&[1, 2, 5, 0x801, 0x80002, 3, 9]), Cmd(&[0, 0, 1, 6])]),
    (Sysno::socketpair, &[Cmd(&[1, 1, 2]), Cmd(&[1, 2, 5, 0x801, 3]), Cmd(&[0, 0, 6]), Out]),
    (Sysno::bind, &[Fd, In, Cmd(&[2, 3, 8, 12, 110, 111, 0])]),
    (Sysno::bind, &[Fd, Ptr(S::SockAddr), SockLen]),
    (Sysno::bind, &[Fd, Ptr(S::SockAddr), SockLen]),
    (Sysno::listen, &[Fd, Cmd(&[0, 1, 5, 4096, usize::MAX])]),
    (Sysno::listen, &[Fd, Cmd(&[0, 1, 5, 4096, usize::MAX])]),
    (Sysno::accept, &[Fd, Out, Out]),
    (Sysno::accept, &[Fd, Out, Ptr(S::SockLenPtr)]),
    (Sysno::accept4, &[Fd, Out, Out, Flags(0o2004000)]),
    (Sysno::accept4, &[Fd, Out, Ptr(S::SockLenPtr), Cmd(&[0, 0o4000, 0o2000000, 0o2004000])]),
    (Sysno::accept4, &[Fd, Cmd(&[0]), Cmd(&[0]), Cmd(&[0, 0o4000, 0o2000000, 0o2004000])]),
    (Sysno::connect, &[Fd, In, Cmd(&[2, 3, 8, 12, 110, 111, 0])]),
    (Sysno::connect, &[Fd, Ptr(S::SockAddr), SockLen]),
    (Sysno::connect, &[Fd, Ptr(S::SockAddr), SockLen]),
    (Sysno::getsockname, &[Fd, Out, Out]),
    (Sysno::getsockname, &[Fd, Out, Ptr(S::SockLenPtr)]),
    (Sysno::getpeername, &[Fd, Out, Out]),
    (Sysno::sendto, &[Fd, In, Len, Flags(0x4142), In, Cmd(&[0, 2, 12, 110])]),
    (Sysno::sendto, &[Fd, In, Len, Flags(0x4142), Ptr(S::SockAddr), SockLen]),
    (Sysno::recvfrom, &[Fd, Out, Len, Flags(0x4000_0162), Out, Out]),
    (Sysno::recvfrom, &[Fd, Out, Len, Flags(0x4000_0162), Out, Ptr(S::SockLenPtr)]),
    (
        Sysno::setsockopt,
        &[Fd, Cmd(&[1, 1, 1, 6, 0]), Cmd(&[2, 3, 4, 7, 8, 9, 13, 16, 17, 20, 21, 99]), In, Cmd(&[4, 8, 16, 0, 2])],
    ),
    (
        Sysno::getsockopt,
        &[Fd, Cmd(&[1, 1, 1, 6, 0]), Cmd(&[2, 3, 4, 7, 8, 9, 13, 16, 17, 20, 21, 30, 38, 39, 99]), Out, Out],
    ),
    (Sysno::shutdown, &[Fd, Cmd(&[0, 1, 2, 3])]),
    (Sysno::sendmsg, &[Fd, In, Flags(0x4142)]),
    (Sysno::recvmsg, &[Fd, Out, Flags(0x4000_0162)]),
    (Sysno::sendmmsg, &[Fd, In, Cmd(&[0, 1, 2, 1024, 5000]), Flags(0x4142)]),
    (Sysno::recvmmsg, &[Fd, Out, Cmd(&[0, 1, 2, 1024]), Flags(0x4001_0162), Ptr(S::Timespec)]),
    (Sysno::name_to_handle_at, &[DirFd, Path, In, Out, Flags(0x1400)]),
    (Sysno::open_by_handle_at, &[DirFd, In, Flags(O_MASK)]),
    (Sysno::fsopen, &[Path, Flags(1)]),
    (Sysno::fsconfig, &[Fd, Cmd(&[0, 1, 2, 3, 4, 5, 6, 7, 8]), Path, In, Cmd(&[0, 1, 4, usize::MAX])]),
    (Sysno::fsmount, &[Fd, Flags(1), Flags(0x2000ff)]),
    (Sysno::fspick, &[DirFd, Path, Flags(0xf)]),
    (Sysno::open_tree, &[DirFd, Path, Flags(0x89901)]),
    (Sysno::move_mount, &[DirFd, Path, DirFd, Path, Flags(0x177)]),
    (Sysno::mount_setattr, &[DirFd, Path, Flags(0x9900), In, Cmd(&[0, 8, 32, 64, 4097])]),
    (Sysno::inotify_init1, &[Flags(0o2004000)]),
    (Sysno::inotify_add_watch, &[Fd, Path, Flags(0xf700_ffff)]),
    (Sysno::inotify_rm_watch, &[Fd, Cmd(&[0, 1, 2, 3, usize::MAX])]),
    (Sysno::signalfd4, &[Cmd(&[usize::MAX, usize::MAX, 3, 4]), Ptr(S::Sigset), Cmd(SIGSETSIZES), Flags(0o2004000)]),
    (Sysno::ioctl, &[Fd, Cmd(IOCTLS), Ptr(S::Termios)]),
    (Sysno::sendfile, &[Fd, Fd, Ptr(S::Off64), Len]),
    (Sysno::copy_file_range, &[Fd, Ptr(S::Off64), Fd, Ptr(S::Off64), Len, Cmd(&[0, 0, 1])]),
    (Sysno::prctl, &[Cmd(&[15, 16, 0, 4, 38, usize::MAX]), In, Raw, Raw, Raw]),
    (Sysno::prctl, &[Cmd(&[1, 3, 4, 13, 14, 29, 30, 36, 38, 39, 41, 42, 28, 47]), Int, Raw, Raw, Raw]),
    (Sysno::prctl, &[Cmd(&[2, 37]), Out, Raw, Raw, Raw]),
    (Sysno::prctl, &[Cmd(&[15, 16]), Out, Raw, Raw, Raw]),
    (Sysno::ioprio_get, &[Cmd(&[1, 2, 3, 0]), Pid]),
    (Sysno::ioprio_set, &[Cmd(&[1, 2, 3, 0]), Pid, Cmd(&[0, 0x4004, 0x2001, 0x6000, 0x8000])]),
    (Sysno::kcmp, &[Pid, Pid, Cmd(&[0, 1, 2, 3, 4, 5, 6, 7]), Fd, Fd]),
    (Sysno::personality, &[Cmd(&[0, 0x0400_0000, 0xffff_ffff, 8])]),
    (Sysno::riscv_flush_icache, &[Addr, Addr, Flags(1)]),
    (Sysno::riscv_hwprobe, &[Out, Int, Len, In, Flags(1)]),
    (Sysno::pselect6, &[Int, Ptr(S::FdSet), Ptr(S::FdSet), Ptr(S::FdSet), Ptr(S::Timespec), Ptr(S::SigsetArg)]),
    (Sysno::flock, &[Fd, Cmd(&[1, 2, 8, 5, 6, 12, 4, 0])]),
    (Sysno::fsync, &[Fd]),
    (Sysno::fdatasync, &[Fd]),
    (Sysno::sync_file_range, &[Fd, Off, Len, Flags(7)]),
    (Sysno::statx, &[DirFd, Path, Flags(AT_MASK), Flags(0x8000_1fff), Out]),
    (Sysno::getdents64, &[Fd, Out, Len]),
    (Sysno::mkdirat, &[DirFd, Path, Mode]),
    (Sysno::mknodat, &[DirFd, Path, Mode, Dev]),
    (Sysno::unlinkat, &[DirFd, Path, Flags(0x200)]),
    (Sysno::renameat2, &[DirFd, Path, DirFd, Path, Flags(7)]),
    (Sysno::linkat, &[DirFd, Path, DirFd, Path, Flags(0x1400)]),
    (Sysno::symlinkat, &[Path, DirFd, Path]),
    (Sysno::chdir, &[Path]),
    (Sysno::fchdir, &[Fd]),
    (Sysno::chroot, &[Path]),
    (Sysno::getcwd, &[Out, Len]),
    (Sysno::dup, &[Fd]),
    (Sysno::dup3, &[Fd, Fd, Flags(0o2000000)]),
    (Sysno::fcntl, &[Fd, Cmd(FCNTLS), FcntlArg]),
    (Sysno::pipe2, &[Out, Flags(0o2004000 | 0o40000 | 0o200)]),
    (Sysno::truncate, &[Path, Off]),
    (Sysno::ftruncate, &[Fd, Off]),
    (Sysno::fallocate, &[Fd, Cmd(FALLOC), Off, Off]),
    (Sysno::faccessat, &[DirFd, Path, Flags(7)]),
    (Sysno::faccessat2, &[DirFd, Path, Flags(7), Flags(0x1300)]),
    (Sysno::fchmodat, &[DirFd, Path, Mode]),
    (Sysno::fchmodat2, &[DirFd, Path, Mode, Flags(0x1100)]),
    (Sysno::fchmod, &[Fd, Mode]),
    (Sysno::fchownat, &[DirFd, Path, Uid, Uid, Flags(0x1100)]),
    (Sysno::fchown, &[Fd, Uid, Uid]),
    (Sysno::utimensat, &[DirFd, PathOrNull, Ptr(S::Utimes), Flags(0x1100)]),
    (Sysno::umask, &[Mode]),
    (Sysno::setxattr, &[Path, XattrName, In, Len, Flags(3)]),
    (Sysno::lsetxattr, &[Path, XattrName, In, Len, Flags(3)]),
    (Sysno::fsetxattr, &[Fd, XattrName, In, Len, Flags(3)]),
    (Sysno::getxattr, &[Path, XattrName, Out, Len]),
    (Sysno::lgetxattr, &[Path, XattrName, Out, Len]),
    (Sysno::fgetxattr, &[Fd, XattrName, Out, Len]),
    (Sysno::listxattr, &[Path, Out, Len]),
    (Sysno::llistxattr, &[Path, Out, Len]),
    (Sysno::flistxattr, &[Fd, Out, Len]),
    (Sysno::removexattr, &[Path, XattrName]),
    (Sysno::lremovexattr, &[Path, XattrName]),
    (Sysno::fremovexattr, &[Fd, XattrName]),
    (Sysno::mount, &[PathOrNull, Path, Ptr(S::FsType), Flags(MS_MASK), Ptr(S::MountData)]),
    (Sysno::umount2, &[Path, Flags(0xf)]),
    (Sysno::statfs, &[Path, Out]),
    (Sysno::fstatfs, &[Fd, Out]),
    (Sysno::sync, &[]),
    (Sysno::syncfs, &[Fd]),
    (Sysno::brk, &[Addr]),
    (Sysno::mmap, &[Addr, MapLen, Flags(PROT_MASK), Flags(MAP_MASK), Fd, Off]),
    (Sysno::mmap, &[Addr, MapLen, Flags(7), Cmd(&[0x22, 0x21, 0x32, 0x02, 0x01, 0x12, 0x8022, 0x100022]), Fd, Off]),
    (Sysno::munmap, &[Addr, MapLen]),
    (Sysno::mprotect, &[Addr, MapLen, Flags(PROT_MASK)]),
    (Sysno::madvise, &[Addr, MapLen, Cmd(MADVICE)]),
    (Sysno::mremap, &[Addr, MapLen, MapLen, Flags(7), Addr]),
    (Sysno::mremap, &[Addr, MapLen, MapLen, Cmd(&[0, 1, 1, 3, 5]), Addr]),
    (Sysno::membarrier, &[Cmd(&[0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 3, usize::MAX]), Cmd(&[0, 0, 1]), Int]),
    (Sysno::msync, &[Addr, MapLen, Flags(7)]),
    (Sysno::memfd_create, &[Path, Flags(7)]),
    (Sysno::mincore, &[Addr, MapLen, Out]),
    (Sysno::mlock, &[Addr, MapLen]),
    (Sysno::mlock2, &[Addr, MapLen, Flags(3)]),
    (Sysno::munlock, &[Addr, MapLen]),
    (Sysno::mlockall, &[Flags(0xf)]),
    (Sysno::munlockall, &[]),
    (Sysno::fadvise64, &[Fd, Off, Len, Cmd(&[0, 1, 2, 3, 4, 5, 6, 99])]),
    (Sysno::readahead, &[Fd, Off, Len]),
    (Sysno::exit, &[Int]),
    (Sysno::exit_group, &[Int]),
    (Sysno::getpid, &[]),
    (Sysno::getppid, &[]),
    (Sysno::gettid, &[]),
    (Sysno::set_tid_address, &[FutexAddr]),
    (Sysno::getuid, &[]),
    (Sysno::geteuid, &[]),
    (Sysno::getgid, &[]),
    (Sysno::getegid, &[]),
    (Sysno::prlimit64, &[Pid, Cmd(RLIMITS), Ptr(S::Rlimit), Out]),
    (Sysno::getrlimit, &[Cmd(RLIMITS), Out]),
    (Sysno::setrlimit, &[Cmd(RLIMITS), Ptr(S::Rlimit)]),
    (Sysno::getresuid, &[Out, Out, Out]),
    (Sysno::getresgid, &[Out, Out, Out]),
    (Sysno::getgroups, &[Int, Out]),
    (Sysno::setgroups, &[Int, Ptr(S::Groups)]),
    (Sysno::sched_setscheduler, &[Pid, Cmd(POLICIES), In]),
    (Sysno::sched_getscheduler, &[Pid]),
    (Sysno::sched_setparam, &[Pid, In]),
    (Sysno::sched_getparam, &[Pid, Out]),
    (Sysno::sched_get_priority_max, &[Cmd(POLICIES)]),
    (Sysno::sched_get_priority_min, &[Cmd(POLICIES)]),
    (Sysno::sched_setattr, &[Pid, In, Cmd(&[0, 1])]),
    (Sysno::sched_getattr, &[Pid, Out, Cmd(&[0, 48, 56, 4097]), Cmd(&[0, 1])]),
    (Sysno::sched_rr_get_interval, &[Pid, Out]),
    (Sysno::getcpu, &[Out, Out, Out]),
    (Sysno::msgget, &[Cmd(&[0, 1, 2]), Flags(0o3777)]),
    (Sysno::msgsnd, &[Cmd(&[0, 1, 32768]), In, Len, Cmd(&[0o4000])]),
    (Sysno::msgrcv, &[Cmd(&[0, 1, 32768]), Out, Len, Int, Cmd(&[0o4000, 0o14000, 0o54000])]),
    (Sysno::msgctl, &[Cmd(&[0, 1, 32768]), Cmd(&[0, 1, 2, 3, 11, 12, 13, 99]), Out]),
    (Sysno::semget, &[Cmd(&[0, 1, 2]), Cmd(&[0, 1, 5, 32001]), Flags(0o3777)]),
    (Sysno::semop, &[Cmd(&[0, 1, 32768]), In, Cmd(&[0, 1, 2, 501])]),
    (Sysno::semtimedop, &[Cmd(&[0, 1, 32768]), In, Cmd(&[0, 1, 2, 501]), Ptr(S::Timespec)]),
    (Sysno::semctl, &[Cmd(&[0, 1, 32768]), Int, Cmd(&[0, 1, 2, 3, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]), Out]),
    (Sysno::shmget, &[Cmd(&[0, 1, 2]), Len, Flags(0o3777)]),
    // mq_open's flags: the access modes with O_CREAT, O_EXCL and O_NONBLOCK.
    (Sysno::mq_open, &[MqName, Flags(0o4303), Mode, Ptr(S::MqAttr)]),
    // ... and shapes that succeed: O_CREAT with O_RDWR or O_RDWR|O_NONBLOCK, the default sizes
    // (a NULL attr); messages that fit them, received into a buffer of mq_msgsize.
    (Sysno::mq_open, &[MqName, Cmd(&[0o102, 0o4102, 2]), Cmd(&[0o666, 0o600]), Cmd(&[0])]),
    (Sysno::mq_unlink, &[MqName]),
    (Sysno::mq_timedsend, &[Fd, In, Len, Cmd(&[0, 1, 31, 32767, 32768]), Ptr(S::Timespec)]),
    (Sysno::mq_timedsend, &[Fd, In, Cmd(&[0, 1, 16, 8192]), Cmd(&[0, 1, 31]), Cmd(&[0])]),
    (Sysno::mq_timedreceive, &[Fd, Out, Len, Out, Ptr(S::Timespec)]),
    (Sysno::mq_timedreceive, &[Fd, Out, Cmd(&[8192, 16384]), Out, Cmd(&[0])]),
    (Sysno::mq_notify, &[Fd, Ptr(S::SigEvent)]),
    (Sysno::mq_getsetattr, &[Fd, Ptr(S::MqAttr), Out]),
    (Sysno::shmat, &[Cmd(&[0, 1, 32768]), Addr, Flags(0o170000)]),
    (Sysno::shmdt, &[Addr]),
    (Sysno::shmctl, &[Cmd(&[0, 1, 32768]), Cmd(&[0, 1, 2, 3, 11, 12, 13, 14, 15]), Out]),
    (Sysno::setuid, &[Cmd(IDS)]),
    (Sysno::setgid, &[Cmd(IDS)]),
    (Sysno::setreuid, &[Cmd(IDS), Cmd(IDS)]),
    (Sysno::setregid, &[Cmd(IDS), Cmd(IDS)]),
    (Sysno::setresuid, &[Cmd(IDS), Cmd(IDS), Cmd(IDS)]),
    (Sysno::setresgid, &[Cmd(IDS), Cmd(IDS), Cmd(IDS)]),
    (Sysno::setfsuid, &[Cmd(IDS)]),
    (Sysno::setfsgid, &[Cmd(IDS)]),
    (Sysno::capget, &[In, Out]),
    (Sysno::capset, &[In, In]),
    (Sysno::getpriority, &[Cmd(WHICH), Pid]),
    (Sysno::setpriority, &[Cmd(WHICH), Pid, Int]),
    (Sysno::getrusage, &[Cmd(&[0, usize::MAX, usize::MAX - 1, 1, 2]), Out]),
    (Sysno::getitimer, &[Cmd(WHICH), Out]),
    (Sysno::setitimer, &[Cmd(WHICH), Ptr(S::Itimerval), Out]),
    (Sysno::timer_create, &[Clock, In, Out]),
    (Sysno::timer_settime, &[Cmd(TIMER_IDS), Flags(1), Ptr(S::Itimerval), Out]),
    (Sysno::timer_gettime, &[Cmd(TIMER_IDS), Out]),
    (Sysno::timer_getoverrun, &[Cmd(TIMER_IDS)]),
    (Sysno::timer_delete, &[Cmd(TIMER_IDS)]),
    (Sysno::setpgid, &[Pid, Pid]),
    (Sysno::getpgid, &[Pid]),
    (Sysno::setsid, &[]),
    (Sysno::getsid, &[Pid]),
    (Sysno::restart_syscall, &[]),
    (Sysno::clone, &[CloneFlags, Addr, Out, Raw, FutexAddr]),
    (Sysno::clone, &[CloneFlags, Addr, Out, Raw, FutexAddr]),
    (Sysno::unshare, &[CloneFlags]),
    (Sysno::clone3, &[In, Len]),
    (Sysno::execve, &[ExecPath, Ptr(S::Argv), Ptr(S::Argv)]),
    (Sysno::execveat, &[DirFd, ExecPath, Ptr(S::Argv), Ptr(S::Argv), Flags(0x1100)]),
    (Sysno::wait4, &[Pid, Out, Flags(WAIT_MASK), Out]),
    (Sysno::wait4, &[Pid, Out, Cmd(&[1, 0x40000001, 3, 9, 0x1000001]), Out]),
    (Sysno::waitid, &[Cmd(IDTYPES), Pid, Out, Flags(WAIT_MASK), Out]),
    (Sysno::futex, &[FutexAddr, FutexOp, Int, Ptr(S::Timespec), FutexAddr, Int]),
    (Sysno::futex, &[FutexAddr, FutexOp, Int, Ptr(S::Timespec), FutexAddr, Int]),
    (Sysno::set_robust_list, &[Ptr(S::RobustHead), Cmd(ROBUST_LEN)]),
    (Sysno::get_robust_list, &[Tid, Out, Out]),
    (Sysno::clock_gettime, &[Clock, Out]),
    (Sysno::clock_getres, &[Clock, Out]),
    (Sysno::gettimeofday, &[Out, Out]),
    (Sysno::nanosleep, &[Ptr(S::Timespec), Out]),
    (Sysno::clock_nanosleep, &[Clock, Flags(1), Ptr(S::Timespec), Out]),
    (Sysno::times, &[Out]),
    (Sysno::clock_settime, &[Clock, Ptr(S::Timespec)]),
    (Sysno::settimeofday, &[In, In]),
    (Sysno::adjtimex, &[In]),
    (Sysno::clock_adjtime, &[Clock, In]),
    (Sysno::sched_yield, &[]),
    (Sysno::sched_getaffinity, &[Tid, Cmd(&[8, 8, 0, 4, 16, 128, 8192]), Out]),
    (Sysno::sched_setaffinity, &[Tid, Cmd(&[8, 8, 0, 1, 16, 128]), In]),
    (Sysno::uname, &[Out]),
    (Sysno::sethostname, &[In, Len]),
    (Sysno::setdomainname, &[In, Len]),
    (Sysno::getrandom, &[Out, Len, Flags(7)]),
    (Sysno::sysinfo, &[Out]),
    (Sysno::reboot, &[Cmd(REBOOT_M1), Cmd(REBOOT_M2), Cmd(REBOOT_CMD), Raw]),
    (Sysno::syslog, &[Cmd(SYSLOG), Out, Len]),
    (Sysno::rt_sigaction, &[Sig, Ptr(S::Sigaction), Out, Cmd(SIGSETSIZES)]),
    (Sysno::rt_sigaction, &[Sig, Ptr(S::Sigaction), Out, Cmd(SIGSETSIZES)]),
    (Sysno::rt_sigprocmask, &[Cmd(&[0, 1, 2, 3, usize::MAX]), Ptr(S::Sigset), Out, Cmd(SIGSETSIZES)]),
    (Sysno::rt_sigreturn, &[]),
    (Sysno::rt_sigpending, &[Out, Cmd(SIGSETSIZES)]),
    (Sysno::rt_sigsuspend, &[Ptr(S::Sigset), Cmd(SIGSETSIZES)]),
    (Sysno::rt_sigtimedwait, &[Ptr(S::Sigset), Out, Ptr(S::Timespec), Cmd(SIGSETSIZES)]),
    (Sysno::sigaltstack, &[Ptr(S::StackT), Out]),
    (Sysno::kill, &[Pid, Sig]),
    (Sysno::kill, &[Pid, Sig]),
    (Sysno::tkill, &[Tid, Sig]),
    (Sysno::tgkill, &[Pid, Tid, Sig]),
    (Sysno::rt_sigqueueinfo, &[Pid, Sig, Ptr(S::Siginfo)]),
    (Sysno::pidfd_open, &[Pid, Flags(0x800)]),
    (Sysno::pidfd_send_signal, &[Fd, Sig, Ptr(S::Siginfo), Flags(1)]),
    (Sysno::pidfd_getfd, &[Fd, Fd, Flags(1)]),
    (Sysno::rt_tgsigqueueinfo, &[Pid, Tid, Sig, Ptr(S::Siginfo)]),
];

/// Paths the generator names (the fixture tree of `world.rs` and names calls create).
const PATHS_KNOWN: &[&str] = &[
    "/",
    ".",
    "..",
    "",
    "//",
    "/etc/passwd",
    "/etc/hostname",
    "/etc",
    "/bin/true",
    "/bin/script",
    "/bin/loop",
    "/bin/garbage",
    "/bin/noexec",
    "/home/user",
    "/home/user/sub",
    "/home/user/sub/x",
    "/home/user/new",
    "/data/small",
    "/data/page",
    "/data/empty",
    "/data/small/",
    "/data/new",
    "/link",
    "/loop",
    "/dangling",
    "/dirlink",
    "/dirlink/user",
    "/rel",
    "/nowhere",
    "/tmp",
    "/tmp/",
    "/tmp/f0",
    "/tmp/f1",
    "/tmp/f2",
    "/tmp/f3",
    "/tmp/d0",
    "/tmp/d0/f",
    "/tmp/d0/g",
    "/tmp/d1",
    "/tmp/d1/d2",
    "/tmp/d0/../f1",
    "/tmp/./f0/",
    "/tmp/fifo",
    "/tmp/link",
    "/tmp/mnt",
    "f0",
    "f1",
    "d0",
    "d0/f",
    "sub",
    "../tmp/f0",
    "/dev",
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
    "/dev/console",
    "/dev/nope",
    "/proc",
    "/proc/self",
    "/proc/self/stat",
    "/proc/self/status",
    "/proc/self/maps",
    "/proc/self/cmdline",
    "/proc/self/fd",
    "/proc/self/fd/0",
    "/proc/self/fd/3",
    "/proc/self/exe",
    "/proc/self/cwd",
    "/proc/self/task",
    "/proc/1/stat",
    "/proc/2/status",
    "/proc/meminfo",
    "/proc/mounts",
    "/proc/uptime",
    "/proc/cpuinfo",
    "/proc/stat",
    "/proc/loadavg",
    "/proc/version",
    "/proc/999999/stat",
];

const FSTYPES: &[&str] = &["tmpfs", "ramfs", "proc", "devtmpfs", "ext4", "bogus", "", "tmpfs\u{1}"];
const MOUNT_DATA: &[&str] =
    &["", "size=1m", "size=0", "mode=0700", "size=1k,nr_inodes=2", "size=99999999999999999999", "uid=0,gid=0", "x"];

/// The generator.
pub struct Gen {
    pub rng: Rng,
    /// The length of the last socket address written (`S::SockAddr`), for `K::SockLen`.
    sock_len: usize,
}

/// Values that are interesting anywhere.
const EDGES: &[usize] = &[
    0,
    1,
    2,
    3,
    7,
    8,
    15,
    16,
    63,
    64,
    255,
    256,
    4095,
    4096,
    4097,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    0x1_0000_0001,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    usize::MAX,
    usize::MAX - 1,
    usize::MAX - 4095,
    usize::MAX - 4096,
    0xffff_ffff_8000_0000,
    0xffff_ffff_ffff_ff9c,
];

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen { rng: Rng::new(seed), sock_len: 16 }
    }

    /// The next op for `w`.
    pub fn next(&mut self, w: &World) -> Op {
        let r = &mut self.rng;
        let roll = r.below(1000);
        if roll < 8 && w.slots.len() < crate::world::MAX_THREADS {
            return Op::Spawn;
        }
        if roll < 11 {
            let bytes: Vec<u8> = (0..r.range(1, 4)).map(|_| r.pick(&[3u8, 0x1a, 0x1c, b'x', b'\n', 4])).collect();
            return Op::Input(bytes);
        }
        let idle: Vec<&crate::world::Slot> = w.idle().collect();
        if idle.is_empty() {
            return Op::Spawn;
        }
        let slot = idle[self.rng.below(idle.len())];
        let tid = slot.tid();
        let cx = &slot.cx;
        if roll < 45 {
            let kind = match self.rng.below(10) {
                0..=4 => TrapKind::Timer,
                5..=7 => TrapKind::Fault {
                    addr: self.ptr(cx),
                    access: self.rng.pick(&[Access::Read, Access::Write, Access::Execute]),
                },
                8 => TrapKind::Illegal,
                _ => {
                    if self.rng.chance(1, 2) {
                        TrapKind::Breakpoint
                    } else {
                        TrapKind::Misaligned { addr: self.ptr(cx) }
                    }
                }
            };
            return Op::Trap { tid, kind };
        }
        // A thread at the start of a handler often returns from it.
        if slot.in_handler && self.rng.chance(1, 2) {
            return Op::Call { tid, trap: true, nr: Sysno::rt_sigreturn.0, args: [0; 6], pokes: Vec::new() };
        }
        let trap = self.rng.chance(1, 4);
        let mut pokes = Vec::new();
        let roll = self.rng.below(100);
        let (nr, args) = if roll < 4 {
            // Any number below 1024 with any arguments.
            let nr = self.rng.below(1024);
            (nr, core::array::from_fn(|_| self.raw(cx)))
        } else if roll < 5 {
            (self.rng.pick(HUGE_SYSNOS), core::array::from_fn(|_| self.raw(cx)))
        } else {
            // A process with only its console descriptors opens files more often.
            let few_fds = cx.process().files().iter().count() <= 4;
            let (nr, kinds) = if few_fds && self.rng.chance(1, 20) {
                (Sysno::openat, &[DirFd, Path, Cmd(OPENS), Mode][..])
            } else {
                SPECS[self.rng.below(SPECS.len())]
            };
            // Exits end the threads fast; keep them rarer.
            if matches!(nr, Sysno::exit | Sysno::exit_group) && self.rng.chance(3, 4) {
                (Sysno::getpid.0, [0; 6])
            } else {
                let mut args = [0usize; 6];
                for (i, &k) in kinds.iter().enumerate() {
                    args[i] = if self.rng.chance(1, 20) { self.raw(cx) } else { self.arg(cx, w, k, i, &mut pokes) };
                }
                // Unused registers hold garbage now and then (the kernel must ignore them).
                if self.rng.chance(1, 10) {
                    for a in args.iter_mut().skip(kinds.len()) {
                        *a = self.raw(cx);
                    }
                }
                (nr.0, args)
            }
        };
        Op::Call { tid, trap, nr, args, pokes }
    }

    /// Any value: an edge, a pointer, a small number, or random bits.
    fn raw(&mut self, cx: &Caller) -> usize {
        match self.rng.below(6) {
            0 | 1 => self.rng.pick(EDGES),
            2 => self.ptr(cx),
            3 => self.rng.below(64),
            4 => (self.rng.below(64) as isize).wrapping_neg() as usize,
            _ => self.rng.next_u64() as usize,
        }
    }

    /// A pointer: mostly into the buffers, else read-only, unmapped, kernel, near the end of a
    /// mapping, misaligned, NULL.
    fn ptr(&mut self, cx: &Caller) -> usize {
        let r = &mut self.rng;
        match r.below(20) {
            0..=8 => BUF + r.below(BUF_LEN / 8) * 8,
            9 => BUF + r.below(BUF_LEN),
            10 => READONLY + r.pick(&[0, 8, 4095, 4090]),
            11 => UNMAPPED + r.pick(&[0, 8, 4096]),
            12 => 0,
            13 => r.pick(&[KERNEL_HALF, usize::MAX - 7, usize::MAX & !4095, 0xffff_ffff_8020_0000, 1 << 63]),
            14 => SCRATCH_END - r.pick(&[1, 4, 8, 16, 64, 100, 4096]),
            15 => r.pick(&[USER_END - 8, USER_END, USER_END - 4096, 1 << 47, 1, 4096]),
            _ => {
                // The end (or start) of one of the process's mappings.
                let mm = cx.mm();
                let areas: Vec<(usize, usize)> = mm.areas().map(|a| (a.start, a.end)).collect();
                drop(mm);
                if areas.is_empty() {
                    return SCRATCH;
                }
                let (s, e) = areas[r.below(areas.len())];
                if r.chance(1, 2) {
                    e - r.pick(&[1, 2, 4, 8, 24, 64, 128, 4096])
                } else {
                    s + r.pick(&[0, 8, 4096])
                }
            }
        }
    }

    fn len(&mut self) -> usize {
        let r = &mut self.rng;
        match r.below(10) {
            0..=3 => r.below(300),
            4 => r.below(70000),
            5 => r.pick(&[4095, 4096, 4097, 8192, 65536, 65537, 1 << 20, (1 << 20) + 1]),
            _ => r.pick(EDGES),
        }
    }

    fn off(&mut self) -> usize {
        let r = &mut self.rng;
        match r.below(8) {
            0 | 1 => r.below(5000),
            3 | 4 => r.below(16),
            2 => r.below(1 << 20) & !4095,
            _ => r.pick(&[
                0,
                1,
                4096,
                usize::MAX,
                usize::MAX - 4095,
                i64::MAX as usize,
                i64::MIN as usize,
                (i64::MAX - 1) as usize,
                1 << 31,
                1 << 32,
                1 << 40,
                (1 << 63) - 4096,
            ]),
        }
    }

    fn int(&mut self) -> usize {
        let r = &mut self.rng;
        match r.below(4) {
            0 | 1 => r.below(8),
            2 => r.pick(&[
                16,
                64,
                1023,
                1024,
                1025,
                i32::MAX as usize,
                i32::MIN as isize as usize,
                u32::MAX as usize,
                1 << 32,
                usize::MAX,
                usize::MAX - 1,
            ]),
            _ => r.next_u64() as usize,
        }
    }

    fn fd(&mut self, cx: &Caller) -> usize {
        let r = &mut self.rng;
        match r.below(12) {
            0..=6 => {
                let fds: Vec<i32> = cx.process().files().iter().map(|(fd, _)| fd).collect();
                match fds.len() {
                    0 => 0,
                    // The newest descriptors (the files the process opened) more often.
                    n if r.chance(1, 2) => fds[n - 1 - r.below(n.min(3))] as usize,
                    n => fds[r.below(n)] as usize,
                }
            }
            7 | 8 => r.below(24),
            9 => r.pick(&[usize::MAX, -100isize as usize, 0xffff_ff9c, 1023, 1024, 4096, 65535]),
            10 => r.pick(&[i32::MAX as usize, i32::MIN as isize as usize, (1 << 32) | 1, (1 << 32) | 3]),
            _ => r.next_u64() as usize,
        }
    }

    fn pid(&mut self, cx: &Caller, w: &World) -> usize {
        let p = cx.process();
        let r = &mut self.rng;
        match r.below(14) {
            0 | 1 => p.pid,
            2 => p.ppid(),
            3 | 4 => {
                let kids = p.children();
                if kids.is_empty() {
                    usize::MAX
                } else {
                    kids[r.below(kids.len())].pid
                }
            }
            5 | 6 => {
                let s = &w.slots[r.below(w.slots.len())];
                s.cx.process().pid
            }
            7 => 0,
            8 => usize::MAX,
            9 => (p.pgid() as isize).wrapping_neg() as usize,
            10 => w.init.process().pid,
            11 => r.pick(&[i32::MAX as usize, i32::MIN as isize as usize, 1 << 32, 99999]),
            12 => p.pgid(),
            _ => r.below(64),
        }
    }

    fn tid(&mut self, cx: &Caller, w: &World) -> usize {
        if self.rng.chance(1, 2) {
            let s = &w.slots[self.rng.below(w.slots.len())];
            s.tid()
        } else if self.rng.chance(1, 2) {
            cx.thread().tid()
        } else {
            self.pid(cx, w)
        }
    }

    fn sig(&mut self) -> usize {
        let r = &mut self.rng;
        match r.below(16) {
            // Signals whose default action is to do nothing (or to continue).
            12..=15 => r.pick(&[0, 17, 18, 23, 28]),
            0 => 0,
            1 => 9,
            2 => 19,
            3 => 18,
            4 => 17,
            5 => r.range(32, 64),
            6 => r.pick(&[65, 128, usize::MAX, 1 << 32 | 10, 64]),
            7 => r.pick(&[10, 12, 14, 20, 21, 22, 23, 28]),
            _ => r.range(1, 31),
        }
    }

    fn mode(&mut self) -> usize {
        let r = &mut self.rng;
        match r.below(8) {
            0..=2 => r.pick(&[0o644, 0o755, 0o777, 0o600, 0, 0o7777, 0o1777, 0o4755]),
            3 => 0o010644,
            4 => r.pick(&[0o020644, 0o060644, 0o140644, 0o100644, 0o040755, 0o120777]),
            5 => r.below(0o200000),
            _ => r.next_u64() as usize,
        }
    }

    fn clock(&mut self) -> usize {
        let r = &mut self.rng;
        match r.below(5) {
            0..=2 => r.below(12),
            3 => r.pick(&[usize::MAX, usize::MAX - 1, usize::MAX - 5, 16, 1 << 31]),
            _ => r.next_u64() as usize,
        }
    }

    fn addr(&mut self, cx: &Caller) -> usize {
        let r = &mut self.rng;
        match r.below(12) {
            0..=2 => 0,
            3 => SCRATCH + r.below(SCRATCH_LEN / 4096) * 4096,
            4 => cx.mm().brk().wrapping_add(r.pick(&[0, 4096, 1 << 20, 1 << 30, usize::MAX - 4095])),
            5 => r.pick(&[0x4000_0000, 0x4000_0000 - 4096, 0x1_0000_0000, 0x10000, 0x3f_ffff_f000, 0x40_0000_0000]),
            6 => r.pick(&[KERNEL_HALF, usize::MAX & !4095, 1 << 47, 1 << 46, 0x7000_0000]),
            7 => r.below(1 << 38) & !4095,
            8 => UNMAPPED + r.pick(&[0, 1, 4096]),
            _ => {
                let mask = r.pick(&[4095, 0]);
                self.ptr(cx) & !mask
            }
        }
    }

    fn map_len(&mut self) -> usize {
        let r = &mut self.rng;
        match r.below(8) {
            0..=2 => r.range(1, 16) * 4096,
            3 => r.pick(&[0, 1, 4095, 4097, 1 << 20]),
            4 => r.pick(&[16 << 20, 1 << 30, 1 << 32, 1 << 38, 1 << 40]),
            5 => r.pick(&[usize::MAX, usize::MAX & !4095, isize::MAX as usize, (1 << 63) + 4096]),
            _ => r.below(1 << 24),
        }
    }

    fn clone_flags(&mut self) -> usize {
        use abi::process::*;
        let r = &mut self.rng;
        let sig = r.pick(&[17, 17, 17, 0, 10, 64, 65]);
        (match r.below(10) {
            0..=2 => sig,
            3 | 4 => CLONE_PTHREAD,
            5 => CLONE_VM | CLONE_VFORK | 17,
            6 => CLONE_VM | sig,
            7 => r.bits_of(0x01ff_ef00) | sig,
            8 => CLONE_PARENT | r.bits_of(CLONE_VM | CLONE_FILES | CLONE_FS | CLONE_CHILD_SETTID) | sig,
            _ => r.next_u64(),
        }) as usize
    }

    fn futex_op(&mut self) -> usize {
        let r = &mut self.rng;
        let op = match r.below(10) {
            0..=7 => r.pick(&[0, 1, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 2]),
            8 => r.below(32),
            _ => r.next_u64() as usize,
        };
        op | r.pick(&[0, 128, 128, 256, 384])
    }

    fn futex_addr(&mut self, cx: &Caller) -> usize {
        match self.rng.below(6) {
            0..=3 => FUTEX + self.rng.below(4) * 4,
            4 => FUTEX + 1,
            _ => self.ptr(cx),
        }
    }

    /// A path string (known, made of known parts, long, or junk).
    fn path_str(&mut self) -> Vec<u8> {
        let r = &mut self.rng;
        let mut s: Vec<u8> = match r.below(16) {
            0..=10 => r.pick(PATHS_KNOWN).as_bytes().to_vec(),
            11 => {
                let a = r.pick(PATHS_KNOWN);
                let b = r.pick(&["f0", "..", ".", "x", "d0", "fifo", ""]);
                format!("{a}/{b}").into_bytes()
            }
            12 => vec![b'a'; r.pick(&[255, 256, 4095, 4096, 5000])],
            13 => {
                let n = r.pick(&[100, 2048, 3000]);
                b"/tmp/".iter().copied().chain((0..n).map(|i| if i % 2 == 0 { b'a' } else { b'/' })).collect()
            }
            14 => {
                let n = r.below(40);
                r.bytes(n).into_iter().map(|b| if b == 0 { b'/' } else { b }).collect()
            }
            _ => format!("/proc/{}/{}", r.below(40), r.pick(&["stat", "status", "fd", "maps", "cwd", "exe"]))
                .into_bytes(),
        };
        s.push(0);
        s
    }

    /// A socket address (see `S::SockAddr`), as many bytes as its length says: mostly ones the
    /// calls accept, so that bind, listen, connect and accept meet each other (a few ports, a
    /// few names), sometimes junk.
    fn sockaddr(&mut self) -> Vec<u8> {
        const PORTS: &[u16] = &[5000, 5001, 5002, 0];
        const UNIX_PATHS: &[&str] = &["/tmp/s0", "/tmp/s1", "/tmp/d0/s", "/tmp/f0", "/nowhere/s", "s0", ""];
        const ABSTRACT: &[&[u8]] = &[b"a", b"b", b"", b"\0x"];
        let r = &mut self.rng;
        match r.below(16) {
            0..=5 => {
                // sockaddr_in: family, port (big-endian), address, 8 bytes of zero.
                let mut b = vec![0u8; 16];
                b[..2].copy_from_slice(&2u16.to_le_bytes());
                b[2..4].copy_from_slice(&r.pick(PORTS).to_be_bytes());
                let ip = r.pick(&[[127, 0, 0, 1], [127, 0, 0, 1], [0, 0, 0, 0], [10, 0, 2, 15], [255, 255, 255, 255]]);
                b[4..8].copy_from_slice(&ip);
                b
            }
            6..=8 => {
                // sockaddr_in6: family, port, flow info, address, scope id.
                let mut b = vec![0u8; 28];
                b[..2].copy_from_slice(&10u16.to_le_bytes());
                b[2..4].copy_from_slice(&r.pick(PORTS).to_be_bytes());
                match r.below(4) {
                    0 | 1 => b[23] = 1,                                          // ::1
                    2 => {}                                                      // ::
                    _ => b[18..24].copy_from_slice(&[0xff, 0xff, 127, 0, 0, 1]), // ::ffff:127.0.0.1
                }
                b
            }
            9..=11 => {
                // sockaddr_un with a path, NUL-terminated.
                let mut b = 1u16.to_le_bytes().to_vec();
                b.extend_from_slice(r.pick(UNIX_PATHS).as_bytes());
                b.push(0);
                b
            }
            12 | 13 => {
                // An abstract name: a NUL, then the name (its length is the address length).
                let mut b = 1u16.to_le_bytes().to_vec();
                b.push(0);
                b.extend_from_slice(r.pick(ABSTRACT));
                b
            }
            14 => r.pick(&[1u16, 2, 10]).to_le_bytes().to_vec(),
            _ => {
                let n = r.pick(&[2, 3, 16, 28, 110, 111, 200]);
                let mut b = r.bytes(n);
                b[..2].copy_from_slice(&r.pick(&[0u16, 1, 2, 10, 16, 0xffff]).to_le_bytes());
                b
            }
        }
    }

    fn struct_ptr(&mut self, cx: &Caller, at: usize, pokes: &mut Vec<Poke>) -> usize {
        // Sometimes the struct straddles the end of the scratch area or a read-only page, or
        // the pointer is bad altogether.
        match self.rng.below(16) {
            0 => 0,
            1 => self.ptr(cx),
            2 if pokes.last().is_some_and(|p| !p.bytes.is_empty()) => {
                let bytes = pokes.pop().map(|p| p.bytes).unwrap_or_default();
                let n = bytes.len().clamp(1, 64);
                let addr = SCRATCH_END - self.rng.range(1, n);
                pokes.push(Poke { addr, bytes: bytes[..SCRATCH_END - addr].to_vec() });
                addr
            }
            _ => at,
        }
    }

    fn timespec(&mut self) -> [u64; 2] {
        let r = &mut self.rng;
        match r.below(10) {
            0 => [0, 0],
            1 => [0, r.pick(&[1, 1000, 1_000_000, 999_999_999])],
            2 => [r.below(3) as u64, r.below(1_000_000_000) as u64],
            3 => [0, 1_000_000_000],
            4 => [u64::MAX, 0],
            5 => [i64::MAX as u64, 999_999_999],
            6 => [r.pick(&[1u64 << 32, 1 << 40, 1 << 62, 10_000_000_000]), 0],
            7 => [1_767_225_600 + r.below(100) as u64, 0],
            8 => [0, u64::MAX],
            _ => [r.next_u64(), r.next_u64()],
        }
    }

    fn sigset(&mut self) -> u64 {
        let r = &mut self.rng;
        match r.below(6) {
            0 => 0,
            1 => u64::MAX,
            2 => 1 << r.below(64),
            3 => !(1 << 8 | 1 << 18),
            _ => r.next_u64(),
        }
    }

    fn words(v: &[u64]) -> Vec<u8> {
        v.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    /// Write struct `s` for argument `i`; returns the pointer to pass.
    fn make_struct(&mut self, cx: &Caller, s: S, i: usize, pokes: &mut Vec<Poke>) -> usize {
        let at = STRUCTS + i * SLOT;
        let bytes: Vec<u8> = match s {
            S::Timespec => {
                let t = self.timespec();
                Self::words(&t)
            }
            S::Itimerval => {
                let mut v = Vec::new();
                for _ in 0..2 {
                    let r = &mut self.rng;
                    let tv = match r.below(8) {
                        0 => [0, 0],
                        1 => [0, r.pick(&[1, 10, 1000, 999_999])],
                        2 => [r.below(3) as u64, r.below(1_000_000) as u64],
                        3 => [0, 1_000_000],
                        4 => [u64::MAX, 0],
                        5 => [r.pick(&[1u64 << 32, 1 << 40, i64::MAX as u64 / 1000]), 0],
                        _ => [r.next_u64(), r.next_u64()],
                    };
                    v.extend_from_slice(&tv);
                }
                Self::words(&v)
            }
            S::Sigaction => {
                let r = &mut self.rng;
                let handler = r.pick(&[0, 1, 0x1000, 0x1000, 0x2000, READONLY, SCRATCH + 0x100, 2, usize::MAX]);
                let flags = match r.below(4) {
                    0 => 0,
                    1 | 2 => r.bits_of(SA_MASK),
                    _ => r.next_u64(),
                };
                let mask = self.sigset();
                Self::words(&[handler as u64, flags, mask])
            }
            S::Sigset => {
                let m = self.sigset();
                Self::words(&[m])
            }
            S::SigsetArg => {
                let set = STRUCTS + 6 * SLOT;
                let m = self.sigset();
                pokes.push(Poke { addr: set, bytes: Self::words(&[m]) });
                let p = if self.rng.chance(4, 5) { set } else { self.ptr(cx) };
                Self::words(&[p as u64, self.rng.pick(SIGSETSIZES) as u64])
            }
            S::Iovecs => {
                let n = match self.rng.below(8) {
                    0 => 0,
                    1 => self.rng.pick(&[1024, 1025, 300]),
                    _ => self.rng.range(1, 8),
                };
                let mut v = Vec::new();
                for _ in 0..n.min(400) {
                    let base = self.ptr(cx) as u64;
                    let len = if self.rng.chance(3, 4) { self.rng.below(5000) } else { self.len() } as u64;
                    v.extend_from_slice(&[base, len]);
                }
                Self::words(&v)
            }
            S::PollFds => {
                let n = self.rng.range(0, 6);
                let mut v = Vec::new();
                for _ in 0..n {
                    let fd = self.fd(cx) as u32;
                    let ev = self.rng.bits_of(0x3ff) as u16;
                    let rev = self.rng.next_u64() as u16;
                    v.extend_from_slice(&fd.to_le_bytes());
                    v.extend_from_slice(&ev.to_le_bytes());
                    v.extend_from_slice(&rev.to_le_bytes());
                }
                v
            }
            S::Rlimit => {
                let r = &mut self.rng;
                let vals = [0, 1, 3, 64, 1024, 4096, 1 << 20, u64::MAX, u64::MAX - 1];
                Self::words(&[r.pick(&vals), r.pick(&vals)])
            }
            S::StackT => {
                let r = &mut self.rng;
                let sp =
                    r.pick(&[BUF, BUF + 0x4000, 0, READONLY, UNMAPPED, SCRATCH_END - 2048, usize::MAX - 100]) as u64;
                let flags = r.pick(&[0u64, 0, 1, 2, 1 << 31, 3, u32::MAX as u64]);
                let size = r.pick(&[0u64, 2048, 2047, 4096, 8192, 0x4000, 1 << 20, 1 << 40, u64::MAX]);
                Self::words(&[sp, flags, size])
            }
            S::Siginfo => {
                let r = &mut self.rng;
                let mut b = r.bytes(128);
                let signo = r.below(70) as i32;
                let code = r.pick(&[0i32, -1, -6, 1, 0x80, -2, i32::MIN]);
                b[0..4].copy_from_slice(&signo.to_le_bytes());
                b[8..12].copy_from_slice(&code.to_le_bytes());
                b
            }
            S::FdSet => {
                let r = &mut self.rng;
                match r.below(4) {
                    0 => vec![0; 128],
                    1 => vec![0xff; 128],
                    2 => {
                        let mut b = vec![0u8; 128];
                        b[0] = r.next_u64() as u8;
                        b
                    }
                    _ => r.bytes(128),
                }
            }
            S::Argv => {
                // Pointers to strings in this argument's path slot, NULL-terminated (or not).
                let strs = PATHS + i * SLOT;
                let mut text = Vec::new();
                let mut ptrs = Vec::new();
                let n = self.rng.below(5);
                for k in 0..n {
                    ptrs.push((strs + text.len()) as u64);
                    let s = self.rng.pick(&["/bin/true", "-x", "", "HOME=/", "a=b"]);
                    text.extend_from_slice(s.as_bytes());
                    text.push(0);
                    if k == 2 && self.rng.chance(1, 4) {
                        ptrs.push(self.ptr(cx) as u64);
                    }
                }
                if self.rng.chance(1, 10) {
                    let s = vec![b'x'; self.rng.pick(&[4095, 4096, 7000])];
                    ptrs.push((strs + text.len()) as u64);
                    text.extend_from_slice(&s);
                    text.push(0);
                }
                if self.rng.chance(9, 10) {
                    ptrs.push(0);
                }
                pokes.push(Poke { addr: strs, bytes: text });
                Self::words(&ptrs)
            }
            S::RobustHead => {
                let r = &mut self.rng;
                let next = r.pick(&[at, at, 0, at + 24, BUF, UNMAPPED]) as u64;
                let offset = r.pick(&[0u64, 8, u64::MAX - 7, 1 << 40, 16]);
                let pending = r.pick(&[0, 0, FUTEX, at]) as u64;
                Self::words(&[next, offset, pending])
            }
            S::Utimes => {
                let mut v = Vec::new();
                for _ in 0..2 {
                    let mut t = self.timespec();
                    if self.rng.chance(1, 3) {
                        t[1] = self.rng.pick(&[(1 << 30) - 1, (1 << 30) - 2]);
                    }
                    v.extend_from_slice(&t);
                }
                Self::words(&v)
            }
            S::Off64 => {
                let o = self.off() as u64;
                Self::words(&[o])
            }
            S::Flock => {
                let r = &mut self.rng;
                let ty = r.pick(&[0u16, 1, 2, 3, 0xffff]) as u64;
                let whence = r.pick(&[0u64, 1, 2, 7]);
                let start = self.off() as u64;
                let len = self.off() as u64;
                Self::words(&[ty | whence << 16, start, len, self.rng.below(100) as u64])
            }
            S::FsType => {
                let mut b = self.rng.pick(FSTYPES).as_bytes().to_vec();
                b.push(0);
                b
            }
            S::MountData => {
                let mut b = self.rng.pick(MOUNT_DATA).as_bytes().to_vec();
                b.push(0);
                b
            }
            S::Groups => {
                let n = self.rng.below(8);
                (0..n).flat_map(|_| (self.rng.pick(&[0u32, 1, 1000, u32::MAX])).to_le_bytes()).collect()
            }
            S::Termios => self.rng.bytes(64),
            S::SockAddr => {
                let b = self.sockaddr();
                self.sock_len = b.len();
                b
            }
            S::SockLenPtr => {
                let n = self.rng.pick(&[16u32, 16, 28, 110, 128, 0, 2, 8, u32::MAX, 0x8000_0000]);
                n.to_le_bytes().to_vec()
            }
            S::MqAttr => {
                let r = &mut self.rng;
                let flags = r.pick(&[0u64, 0, 0o4000, 1, u64::MAX]);
                let maxmsg = r.pick(&[1u64, 2, 10, 10, 11, 0, 65536, 65537, u64::MAX]);
                let msgsize = r.pick(&[1u64, 16, 8192, 8192, 8193, 0, 1 << 24, (1 << 24) + 1, u64::MAX]);
                Self::words(&[flags, maxmsg, msgsize, 0, 0, 0, 0, 0])
            }
            S::SigEvent => {
                let r = &mut self.rng;
                let notify = r.pick(&[0u32, 0, 1, 1, 2, 4, u32::MAX]);
                let signo = r.pick(&[10u32, 10, 0, 12, 64, 65, 3, u32::MAX]);
                let value = r.pick(&[0u64, 0x1234, BUF as u64, UNMAPPED as u64]);
                let mut b = Self::words(&[value, ((notify as u64) << 32) | signo as u64]);
                b.resize(64, 0);
                b
            }
        };
        pokes.push(Poke { addr: at, bytes });
        self.struct_ptr(cx, at, pokes)
    }

    /// The value of argument `i` of kind `k`.
    fn arg(&mut self, cx: &Caller, w: &World, k: K, i: usize, pokes: &mut Vec<Poke>) -> usize {
        match k {
            Fd => self.fd(cx),
            DirFd => {
                if self.rng.chance(1, 2) {
                    -100isize as usize
                } else {
                    self.fd(cx)
                }
            }
            XattrName => {
                if self.rng.chance(1, 20) {
                    return self.ptr(cx);
                }
                let mut s = match self.rng.below(12) {
                    0 => "user.".repeat(52).into_bytes(),
                    1 => b"trusted.t".to_vec(),
                    2 => b"security.s".to_vec(),
                    3 => b"system.posix_acl_access".to_vec(),
                    4 => b"user.".to_vec(),
                    5 => Vec::new(),
                    6 => b"foo.bar".to_vec(),
                    n => format!("user.{}", n % 3).into_bytes(),
                };
                s.push(0);
                let at = PATHS + i * SLOT;
                pokes.push(Poke { addr: at, bytes: s });
                at
            }
            MqName => {
                if self.rng.chance(1, 20) {
                    return self.ptr(cx);
                }
                let mut s = match self.rng.below(10) {
                    0 => Vec::new(),
                    1 => b"a/b".to_vec(),
                    2 => b".".to_vec(),
                    3 => b"/q0".to_vec(),
                    4 => vec![b'q'; self.rng.pick(&[255, 256])],
                    n => format!("q{}", n % 3).into_bytes(),
                };
                s.push(0);
                let at = PATHS + i * SLOT;
                pokes.push(Poke { addr: at, bytes: s });
                at
            }
            Path | PathOrNull | ExecPath => {
                if matches!(k, PathOrNull) && self.rng.chance(1, 4) {
                    return 0;
                }
                if self.rng.chance(1, 20) {
                    return self.ptr(cx);
                }
                let mut s = if matches!(k, ExecPath) && self.rng.chance(2, 3) {
                    let mut p = self
                        .rng
                        .pick(&[
                            "/bin/true",
                            "/bin/script",
                            "/bin/loop",
                            "/bin/garbage",
                            "/bin/noexec",
                            "/proc/self/exe",
                            "/tmp/f0",
                        ])
                        .as_bytes()
                        .to_vec();
                    p.push(0);
                    p
                } else {
                    self.path_str()
                };
                let at = PATHS + i * SLOT;
                if self.rng.chance(1, 30) {
                    // Not terminated before the end of the scratch area.
                    s.pop();
                    let at = SCRATCH_END - s.len().min(SLOT);
                    pokes.push(Poke { addr: at, bytes: s[..SCRATCH_END - at].to_vec() });
                    return at;
                }
                pokes.push(Poke { addr: at, bytes: s });
                at
            }
            Out => self.ptr(cx),
            In => {
                let p = self.ptr(cx);
                if (BUF..BUF + BUF_LEN).contains(&p) && self.rng.chance(1, 3) {
                    let n = self.rng.range(1, 256).min(BUF + BUF_LEN - p);
                    let bytes = self.rng.bytes(n);
                    pokes.push(Poke { addr: p, bytes });
                }
                p
            }
            Len => self.len(),
            Off => self.off(),
            Flags(mask) => match self.rng.below(10) {
                0 => 0,
                1..=6 => self.rng.bits_of(mask) as usize,
                7 => self.rng.next_u64() as u32 as usize,
                8 => (self.rng.bits_of(mask) | 1 << self.rng.below(32)) as usize,
                _ => self.rng.next_u64() as usize,
            },
            Cmd(list) => {
                if self.rng.chance(1, 12) {
                    self.int()
                } else {
                    self.rng.pick(list)
                }
            }
            Mode => self.mode(),
            Sig => self.sig(),
            Pid => self.pid(cx, w),
            Tid => self.tid(cx, w),
            Int => self.int(),
            Uid => self.rng.pick(&[0, 1000, u32::MAX as usize, usize::MAX, 65534]),
            Dev => self.rng.pick(&[0, 0x103, 0x501, 0x401, 0x105, usize::MAX, 0x8_0000_0001]),
            Clock => self.clock(),
            Addr => self.addr(cx),
            MapLen => self.map_len(),
            CloneFlags => self.clone_flags(),
            FutexAddr => self.futex_addr(cx),
            FutexOp => self.futex_op(),
            FcntlArg => match self.rng.below(4) {
                0 => self.fd(cx),
                1 => self.make_struct(cx, S::Flock, i, pokes),
                2 => self.rng.bits_of(0o2004000 | 0o40000 | 0o20000 | 1 | 0o200000) as usize,
                _ => self.int(),
            },
            Ptr(s) => self.make_struct(cx, s, i, pokes),
            SockLen => {
                if self.rng.chance(4, 5) {
                    self.sock_len
                } else {
                    self.rng.pick(&[0, 1, 2, 3, 8, 15, 16, 27, 28, 110, 111, 128, 4096, usize::MAX])
                }
            }
            Raw => self.raw(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SPECS;
    use std::collections::BTreeSet;

    #[test]
    fn the_fuzzer_knows_exactly_the_syscalls_of_the_table() {
        let specs: BTreeSet<&str> =
            SPECS.iter().map(|(n, _)| syscalls::table::lookup(*n).map_or("(not in the table)", |r| r.name)).collect();
        let table: BTreeSet<&str> = syscalls::table::SYSCALLS.iter().map(|r| r.name).collect();
        assert_eq!(specs, table, "crates/fuzz/src/gen.rs SPECS against crates/syscalls/src/table.rs");
    }
}
