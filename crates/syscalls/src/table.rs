//! The syscall table: every system call the kernel implements, written once.
//!
//! One row per call: its name (the number comes from the architecture's [`Sysno`] list), how
//! the tracer shows each argument register (`trace::kinds`), its flags, and the function with
//! a decoder per typed parameter ([`Args`]). From the rows, [`syscall_table!`] generates
//! everything that used to be written by hand in several places:
//!
//! * the dispatcher's `match` (`table`), where an unknown number is `-ENOSYS`, logged once;
//! * [`SYSCALLS`], the list of rows (name, number, flags, the tracer's argument kinds), from
//!   which the fast path's set and the tracer's lookups are computed;
//! * [`immediate`]: the calls of the first section, which only read who the caller is, answered
//!   on the trap's fast path without building a future;
//! * [`now`]: the other calls the fast path runs without building the dispatcher's future: a
//!   `fast` call that never `waits` (its own future, polled once, is ready), and a call whose
//!   row names a `now` function: a synchronous try of the call that gives its whole result
//!   when it finishes at once (the usual read or write) and `None`, having done nothing, when
//!   it would wait (then its future runs).
//!
//! Flags: `fast`: the trap's fast path may run it (it does not lock the caller's saved
//! registers, replace the address space or set a temporary signal mask, see crate `uspace`);
//! `waits`: it may sleep (on a wait queue or a timer), so its future can be pending;
//! `hex`: its result is an address, traced in hex; `noreturn`: it does not return to the caller;
//! `exec`: it replaces the caller's address space (the thread's loop leaves the live page table
//! before the call, which frees it).
//!
//! Adding a syscall: write its `pub async fn sys_NAME(cx: &Caller, ...)` in its family's module
//! and one row here; a host test must call it (`make test` checks that every row is called).
use crate::args::Args;
use crate::dispatch::{unimplemented, IntoRet};
#[cfg(feature = "trace")]
use crate::trace::kinds::{Arg::*, *};
use crate::{
    clone, cred, events, exec, fs, futex, info, ipc, itimer, mm, mqueue, net, pidfd, posix_timer, prctl, process,
    reboot, riscv, sched, signal, time, wait, Caller,
};
use abi::Sysno;

/// The flags of a row (see the module documentation).
#[allow(non_upper_case_globals)]
pub mod flag {
    pub const fast: u8 = 1;
    pub const waits: u8 = 2;
    pub const hex: u8 = 4;
    pub const noreturn: u8 = 8;
    pub const exec: u8 = 16;
}

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub struct Syscall {
    pub no: Sysno,
    pub name: &'static str,
    /// [`flag`] bits.
    pub flags: u8,
    /// Bit `i` set: argument register `i` is decoded as a user pointer (a `UserPtr`, a user
    /// slice or a C string). Raw addresses passed on as `usize` are not counted.
    pub pointers: u8,
    /// How the tracer shows each argument register, in order.
    #[cfg(feature = "trace")]
    pub(crate) args: &'static [crate::trace::kinds::Arg],
}

impl Syscall {
    pub const fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }
}

/// The row of number `n`, if the kernel implements it.
pub fn lookup(n: Sysno) -> Option<&'static Syscall> {
    SYSCALLS.iter().find(|s| s.no == n)
}

/// Whether the call numbered `n` has flag `f`.
pub fn has_flag(n: Sysno, f: u8) -> bool {
    lookup(n).is_some_and(|s| s.has(f))
}

/// A set of syscall numbers below 512 (riscv64 has none above), one bit each: the rows with a
/// flag, computed at compile time ([`SyscallSet::with`]) for paths that ask on every trap.
#[derive(Clone, Copy, Debug)]
pub struct SyscallSet([u64; 8]);

impl SyscallSet {
    /// The numbers of the rows that have flag `f`.
    pub const fn with(f: u8) -> SyscallSet {
        let mut bits = [0u64; 8];
        let mut i = 0;
        while i < SYSCALLS.len() {
            let row = &SYSCALLS[i];
            if row.has(f) {
                let n = row.no.0;
                assert!(n < 512);
                bits[n / 64] |= 1 << (n % 64);
            }
            i += 1;
        }
        SyscallSet(bits)
    }

    #[inline]
    pub const fn contains(&self, n: usize) -> bool {
        n < 512 && self.0[n / 64] & (1 << (n % 64)) != 0
    }
}

/// The bit of a decoder that takes a user pointer in its first register (see `Syscall::pointers`).
macro_rules! pointer_bit {
    (ptr $i:literal) => {
        1u8 << $i
    };
    (cstr $i:literal) => {
        1u8 << $i
    };
    (slice $i:literal, $n:literal) => {
        1u8 << $i
    };
    (slice_mut $i:literal, $n:literal) => {
        1u8 << $i
    };
    ($other:ident $($i:literal),*) => {
        0u8
    };
}

/// One [`Syscall`] of a row of the table, whichever section it is in.
macro_rules! row {
    ($name:ident ($($kind:expr),*) [$($flag:ident)*] ($($dec:ident ($($i:literal),*)),*)) => {
        Syscall {
            no: Sysno::$name,
            name: stringify!($name),
            flags: 0 $(| flag::$flag)*,
            pointers: 0 $(| pointer_bit!($dec $($i),*))*,
            #[cfg(feature = "trace")]
            args: &[$($kind),*],
        }
    };
}

macro_rules! syscall_table {
    (
        immediate {$(
            $iname:ident ( $($ikind:expr),* ) [ $($iflag:ident)* ] => $($if:ident)::+ ( $($idec:ident ( $($ii:literal),* )),* );
        )*}
        calls {$(
            $name:ident ( $($kind:expr),* ) [ $($flag:ident)* ] => $($f:ident)::+ ( $($dec:ident ( $($i:literal),* )),* )
                $(now $($nf:ident)::+)?;
        )*}
    ) => {
        /// Every implemented system call (see the module documentation).
        pub const SYSCALLS: &[Syscall] = &[
            $(row!($iname ($($ikind),*) [$($iflag)*] ($($idec($($ii),*)),*)),)*
            $(row!($name ($($kind),*) [$($flag)*] ($($dec($($i),*)),*)),)*
        ];

        /// Decode the arguments of syscall `n` by type and run it.
        pub(crate) async fn table(cx: &Caller, n: usize, a: [usize; 6]) -> isize {
            let a = Args(a);
            match Sysno(n) {
                $(Sysno::$iname => $($if)::+(cx $(, a.$idec($($ii),*))*).await.into_ret(),)*
                $(Sysno::$name => $($f)::+(cx $(, a.$dec($($i),*))*).await.into_ret(),)*
                n => unimplemented(n),
            }
        }

        /// The calls that only read who the caller is, answered on the spot: their futures
        /// never wait, so one poll gives the result without a future kept anywhere.
        /// `a` gives the argument registers (read only by a call that has arguments).
        #[inline]
        pub fn immediate(cx: &Caller, n: usize, a: impl FnOnce() -> [usize; 6]) -> Option<isize> {
            Some(match Sysno(n) {
                $(Sysno::$iname => {
                    let _a = Args(a());
                    crate::IntoRet::into_ret(crate::dispatch::ready_now($($if)::+(cx $(, _a.$idec($($ii),*))*)))
                })*
                _ => return None,
            })
        }

        /// The calls of the second section that can finish without a future, run
        /// synchronously: a `fast` call that never waits (its future, polled once, is ready),
        /// and a call with a `now` function (the try of a call that usually finishes at once:
        /// `None` from it means nothing happened and the call must run as its future).
        /// `None`: the call is not one of them, or must run as its future.
        #[inline]
        pub fn now(cx: &Caller, n: usize, a: impl FnOnce() -> [usize; 6]) -> Option<isize> {
            match Sysno(n) {
                $(Sysno::$name => now_arm!(
                    cx, a, 0 $(| flag::$flag)*, [$($($nf)::+)?], $($f)::+ ($($dec($($i),*)),*)
                ),)*
                _ => None,
            }
        }
    };
}

/// One arm of [`now`]: the row's `now` function if it has one, else its syscall function
/// polled once if the row is `fast` and never `waits`, else `None`.
macro_rules! now_arm {
    ($cx:ident, $a:ident, $flags:expr, [$($nf:ident)::+], $($f:ident)::+ ($($dec:ident ($($i:literal),*)),*)) => {{
        let _a = Args($a());
        $($nf)::+($cx $(, _a.$dec($($i),*))*).map(IntoRet::into_ret)
    }};
    ($cx:ident, $a:ident, $flags:expr, [], $($f:ident)::+ ($($dec:ident ($($i:literal),*)),*)) => {{
        if const { $flags & (flag::fast | flag::waits) == flag::fast } {
            let _a = Args($a());
            Some(IntoRet::into_ret(crate::dispatch::ready_now($($f)::+($cx $(, _a.$dec($($i),*))*))))
        } else {
            None
        }
    }};
}

#[rustfmt::skip]
syscall_table! {
    immediate {
        getpid() [fast] => process::sys_getpid();
        getppid() [fast] => process::sys_getppid();
        gettid() [fast] => process::sys_gettid();
        getuid() [fast] => cred::sys_getuid();
        geteuid() [fast] => cred::sys_geteuid();
        getgid() [fast] => cred::sys_getgid();
        getegid() [fast] => cred::sys_getegid();
    }
    calls {
        // files: fs/io.rs, fs/open.rs, fs/stat.rs, fs/ioctl.rs, fs/poll.rs
        read(Fd, OutBuf, Uint) [fast waits] => fs::sys_read(i32(0), slice_mut(1, 2)) now fs::now_read;
        write(Fd, InBuf(2), Uint) [fast waits] => fs::sys_write(i32(0), slice(1, 2)) now fs::now_write;
        readv(Fd, OutIov(2), Int) [fast waits] => fs::sys_readv(i32(0), ptr(1), i32(2));
        writev(Fd, InIov(2), Int) [fast waits] => fs::sys_writev(i32(0), ptr(1), i32(2));
        pread64(Fd, OutBuf, Uint, Long) [fast waits] => fs::sys_pread64(i32(0), slice_mut(1, 2), i64(3)) now fs::now_pread64;
        pwrite64(Fd, InBuf(2), Uint, Long) [fast waits] => fs::sys_pwrite64(i32(0), slice(1, 2), i64(3)) now fs::now_pwrite64;
        preadv(Fd, OutIov(2), Int, Long, Hex) [fast waits] => fs::sys_preadv(i32(0), ptr(1), i32(2), i64(3));
        pwritev(Fd, InIov(2), Int, Long, Hex) [fast waits] => fs::sys_pwritev(i32(0), ptr(1), i32(2), i64(3));
        preadv2(Fd, OutIov(2), Int, Long, Hex, Hex) [fast waits] => fs::sys_preadv2(i32(0), ptr(1), i32(2), i64(3), u32(5));
        pwritev2(Fd, InIov(2), Int, Long, Hex, Hex) [fast waits] => fs::sys_pwritev2(i32(0), ptr(1), i32(2), i64(3), u32(5));
        lseek(Fd, Long, Enum(WHENCE)) [fast] => fs::sys_lseek(i32(0), i64(1), u32(2));
        openat(Fd, Str, Open, CreatMode) [fast waits] => fs::sys_openat(i32(0), cstr(1), u32(2), u32(3));
        openat2(Fd, Str, Ptr, Uint) [fast waits] => fs::sys_openat2(i32(0), cstr(1), usize(2), usize(3));
        close(Fd) [fast] => fs::sys_close(i32(0));
        close_range(Uint, Uint, Hex) [fast] => fs::sys_close_range(u32(0), u32(1), u32(2));
        fstat(Fd, Ptr) [fast] => fs::sys_fstat(i32(0), ptr(1));
        newfstatat(Fd, Str, Ptr, Flags(AT)) [fast] => fs::sys_newfstatat(i32(0), cstr(1), ptr(2), u32(3));
        ppoll(Ptr, Uint, Ptr, Ptr, Uint) [waits] => fs::sys_ppoll(ptr(0), usize(1), ptr(2), usize(3), usize(4));
        readlinkat(Fd, Str, OutBuf, Uint) [fast] => fs::sys_readlinkat(i32(0), cstr(1), slice_mut(2, 3));
        ioctl(Fd, Enum(IOCTL), Hex) [fast waits] => fs::sys_ioctl(i32(0), usize(1), usize(2));
        sendfile(Fd, Fd, Ptr, Uint) [fast waits] => fs::sys_sendfile(i32(0), i32(1), ptr(2), usize(3));
        splice(Fd, Ptr, Fd, Ptr, Uint, Hex) [fast waits] => fs::sys_splice(i32(0), ptr(1), i32(2), ptr(3), usize(4), u32(5));
        tee(Fd, Fd, Uint, Hex) [fast waits] => fs::sys_tee(i32(0), i32(1), usize(2), u32(3));
        vmsplice(Fd, InIov(2), Uint, Hex) [fast waits] => fs::sys_vmsplice(i32(0), ptr(1), usize(2), u32(3));
        copy_file_range(Fd, Ptr, Fd, Ptr, Uint, Hex) [fast waits] => fs::sys_copy_file_range(i32(0), ptr(1), i32(2), ptr(3), usize(4), u32(5));
        pselect6(Int, Ptr, Ptr, Ptr, Ptr, Ptr) [waits] => fs::sys_pselect6(i32(0), usize(1), usize(2), usize(3), ptr(4), ptr(5));
        // event files: events.rs
        epoll_create1(Flags(O_BITS)) [fast] => events::sys_epoll_create1(u32(0));
        epoll_ctl(Fd, Int, Fd, Ptr) [fast] => events::sys_epoll_ctl(i32(0), i32(1), i32(2), ptr(3));
        epoll_pwait(Fd, Ptr, Int, Int, Ptr, Uint) [waits] => events::sys_epoll_pwait(i32(0), usize(1), i32(2), i32(3), usize(4), usize(5));
        epoll_pwait2(Fd, Ptr, Int, Ptr, Ptr, Uint) [waits] => events::sys_epoll_pwait2(i32(0), usize(1), i32(2), ptr(3), usize(4), usize(5));
        eventfd2(Uint, Flags(O_BITS)) [fast] => events::sys_eventfd2(u32(0), u32(1));
        timerfd_create(Int, Flags(O_BITS)) [fast] => events::sys_timerfd_create(usize(0), u32(1));
        timerfd_settime(Fd, Int, Ptr, Ptr) [fast] => events::sys_timerfd_settime(i32(0), u32(1), ptr(2), ptr(3));
        timerfd_gettime(Fd, Ptr) [fast] => events::sys_timerfd_gettime(i32(0), ptr(1));
        signalfd4(Fd, Ptr, Uint, Flags(O_BITS)) [fast] => events::sys_signalfd4(i32(0), ptr(1), usize(2), u32(3));
        inotify_init1(Flags(O_BITS)) [fast] => events::sys_inotify_init1(u32(0));
        inotify_add_watch(Fd, Str, Hex) [] => events::sys_inotify_add_watch(i32(0), cstr(1), u32(2));
        inotify_rm_watch(Fd, Int) [fast] => events::sys_inotify_rm_watch(i32(0), i32(1));
        // sockets: net.rs
        socket(Int, Int, Int) [fast] => net::sys_socket(i32(0), i32(1), i32(2));
        socketpair(Int, Int, Int, OutFds) [fast] => net::sys_socketpair(i32(0), i32(1), i32(2), ptr(3));
        bind(Fd, Ptr, Uint) [] => net::sys_bind(i32(0), usize(1), u32(2));
        listen(Fd, Int) [fast] => net::sys_listen(i32(0), i32(1));
        accept(Fd, Ptr, Ptr) [fast waits] => net::sys_accept(i32(0), usize(1), usize(2));
        accept4(Fd, Ptr, Ptr, Flags(O_BITS)) [fast waits] => net::sys_accept4(i32(0), usize(1), usize(2), i32(3));
        connect(Fd, Ptr, Uint) [fast waits] => net::sys_connect(i32(0), usize(1), u32(2));
        getsockname(Fd, Ptr, Ptr) [fast] => net::sys_getsockname(i32(0), usize(1), usize(2));
        getpeername(Fd, Ptr, Ptr) [fast] => net::sys_getpeername(i32(0), usize(1), usize(2));
        sendto(Fd, InBuf(2), Uint, Hex, Ptr, Uint) [fast waits] => net::sys_sendto(i32(0), slice(1, 2), u32(3), usize(4), u32(5));
        recvfrom(Fd, OutBuf, Uint, Hex, Ptr, Ptr) [fast waits] => net::sys_recvfrom(i32(0), slice_mut(1, 2), u32(3), usize(4), usize(5));
        setsockopt(Fd, Int, Int, Ptr, Uint) [fast] => net::sys_setsockopt(i32(0), i32(1), i32(2), usize(3), u32(4));
        getsockopt(Fd, Int, Int, Ptr, Ptr) [fast] => net::sys_getsockopt(i32(0), i32(1), i32(2), usize(3), usize(4));
        shutdown(Fd, Int) [fast] => net::sys_shutdown(i32(0), i32(1));
        sendmsg(Fd, Ptr, Hex) [fast waits] => net::sys_sendmsg(i32(0), ptr(1), u32(2));
        recvmsg(Fd, Ptr, Hex) [fast waits] => net::sys_recvmsg(i32(0), ptr(1), u32(2));
        sendmmsg(Fd, Ptr, Uint, Hex) [waits] => net::sys_sendmmsg(i32(0), usize(1), u32(2), u32(3));
        recvmmsg(Fd, Ptr, Uint, Hex, Ptr) [waits] => net::sys_recvmmsg(i32(0), usize(1), u32(2), u32(3), ptr(4));
        fsync(Fd) [fast] => fs::sys_fsync(i32(0));
        sync_file_range(Fd, Long, Long, Hex) [] => fs::sys_sync_file_range(i32(0), i64(1), i64(2), u32(3));
        fdatasync(Fd) [fast] => fs::sys_fdatasync(i32(0));
        statx(Fd, Str, Flags(AT), Hex, Ptr) [fast] => fs::sys_statx(i32(0), cstr(1), u32(2), u32(3), ptr(4));
        // directories and names: fs/dir.rs
        getdents64(Fd, Ptr, Uint) [fast] => fs::sys_getdents64(i32(0), slice_mut(1, 2));
        mkdirat(Fd, Str, Mode) [] => fs::sys_mkdirat(i32(0), cstr(1), u32(2));
        mknodat(Fd, Str, Mode, Hex) [] => fs::sys_mknodat(i32(0), cstr(1), u32(2), u32(3));
        unlinkat(Fd, Str, Flags(AT)) [] => fs::sys_unlinkat(i32(0), cstr(1), u32(2));
        renameat2(Fd, Str, Fd, Str, Flags(RENAME)) [] => fs::sys_renameat2(i32(0), cstr(1), i32(2), cstr(3), u32(4));
        linkat(Fd, Str, Fd, Str, Flags(AT)) [] => fs::sys_linkat(i32(0), cstr(1), i32(2), cstr(3), u32(4));
        symlinkat(Str, Fd, Str) [] => fs::sys_symlinkat(cstr(0), i32(1), cstr(2));
        chdir(Str) [] => fs::sys_chdir(cstr(0));
        fchdir(Fd) [] => fs::sys_fchdir(i32(0));
        chroot(Str) [] => fs::sys_chroot(cstr(0));
        getcwd(OutStr, Uint) [fast] => fs::sys_getcwd(slice_mut(0, 1));
        // descriptors and pipes: fs/fd.rs, fs/pipe.rs
        dup(Fd) [fast] => fs::sys_dup(i32(0));
        dup3(Fd, Fd, Flags(O_BITS)) [fast] => fs::sys_dup3(i32(0), i32(1), u32(2));
        fcntl(Fd, Enum(FCNTL), Hex) [fast waits] => fs::sys_fcntl(i32(0), u32(1), usize(2));
        flock(Fd, Flags(LOCK)) [fast waits] => fs::sys_flock(i32(0), u32(1));
        pipe2(OutFds, Flags(O_BITS)) [fast] => fs::sys_pipe2(ptr(0), u32(1));
        // attributes: fs/attr.rs
        truncate(Str, Long) [] => fs::sys_truncate(cstr(0), i64(1));
        ftruncate(Fd, Long) [] => fs::sys_ftruncate(i32(0), i64(1));
        fallocate(Fd, Int, Long, Long) [] => fs::sys_fallocate(i32(0), u32(1), i64(2), i64(3));
        faccessat(Fd, Str, Flags(ACCESS)) [fast] => fs::sys_faccessat(i32(0), cstr(1), u32(2));
        faccessat2(Fd, Str, Flags(ACCESS), Flags(AT)) [fast] => fs::sys_faccessat2(i32(0), cstr(1), u32(2), u32(3));
        fchmodat2(Fd, Str, Mode, Flags(AT)) [] => fs::sys_fchmodat2(i32(0), cstr(1), u32(2), u32(3));
        fchmodat(Fd, Str, Mode) [] => fs::sys_fchmodat(i32(0), cstr(1), u32(2));
        fchmod(Fd, Mode) [] => fs::sys_fchmod(i32(0), u32(1));
        fchownat(Fd, Str, Int, Int, Flags(AT)) [] => fs::sys_fchownat(i32(0), cstr(1), u32(2), u32(3), u32(4));
        fchown(Fd, Int, Int) [] => fs::sys_fchown(i32(0), u32(1), u32(2));
        utimensat(Fd, Str, Ptr, Flags(AT)) [] => fs::sys_utimensat(i32(0), cstr(1), ptr(2), u32(3));
        umask(Mode) [fast] => fs::sys_umask(u32(0));
        // extended attributes: fs/xattr.rs
        setxattr(Str, Str, InBuf(3), Uint, Flags(XATTR)) [] => fs::sys_setxattr(cstr(0), cstr(1), slice(2, 3), u32(4));
        lsetxattr(Str, Str, InBuf(3), Uint, Flags(XATTR)) [] => fs::sys_lsetxattr(cstr(0), cstr(1), slice(2, 3), u32(4));
        fsetxattr(Fd, Str, InBuf(3), Uint, Flags(XATTR)) [] => fs::sys_fsetxattr(i32(0), cstr(1), slice(2, 3), u32(4));
        getxattr(Str, Str, OutBuf, Uint) [fast] => fs::sys_getxattr(cstr(0), cstr(1), slice_mut(2, 3));
        lgetxattr(Str, Str, OutBuf, Uint) [fast] => fs::sys_lgetxattr(cstr(0), cstr(1), slice_mut(2, 3));
        fgetxattr(Fd, Str, OutBuf, Uint) [fast] => fs::sys_fgetxattr(i32(0), cstr(1), slice_mut(2, 3));
        listxattr(Str, OutBuf, Uint) [fast] => fs::sys_listxattr(cstr(0), slice_mut(1, 2));
        llistxattr(Str, OutBuf, Uint) [fast] => fs::sys_llistxattr(cstr(0), slice_mut(1, 2));
        flistxattr(Fd, OutBuf, Uint) [fast] => fs::sys_flistxattr(i32(0), slice_mut(1, 2));
        removexattr(Str, Str) [] => fs::sys_removexattr(cstr(0), cstr(1));
        lremovexattr(Str, Str) [] => fs::sys_lremovexattr(cstr(0), cstr(1));
        fremovexattr(Fd, Str) [] => fs::sys_fremovexattr(i32(0), cstr(1));
        // mounts and whole file systems: fs/mount.rs
        mount(Str, Str, Str, Flags(MS), Ptr) [] => fs::sys_mount(cstr(0), cstr(1), cstr(2), u64(3), usize(4));
        umount2(Str, Flags(UMOUNT)) [] => fs::sys_umount2(cstr(0), u32(1));
        name_to_handle_at(Fd, Str, Ptr, Ptr, Flags(AT)) [] => fs::sys_name_to_handle_at(i32(0), cstr(1), usize(2), usize(3), i32(4));
        open_by_handle_at(Fd, Ptr, Flags(O_BITS)) [] => fs::sys_open_by_handle_at(i32(0), usize(1), i32(2));
        fsopen(Str, Hex) [] => fs::sys_fsopen(cstr(0), u32(1));
        fsconfig(Fd, Int, Str, Ptr, Int) [] => fs::sys_fsconfig(i32(0), u32(1), cstr(2), usize(3), i32(4));
        fsmount(Fd, Hex, Hex) [] => fs::sys_fsmount(i32(0), u32(1), u32(2));
        fspick(Fd, Str, Hex) [] => fs::sys_fspick(i32(0), cstr(1), u32(2));
        open_tree(Fd, Str, Hex) [] => fs::sys_open_tree(i32(0), cstr(1), u32(2));
        move_mount(Fd, Str, Fd, Str, Hex) [] => fs::sys_move_mount(i32(0), cstr(1), i32(2), cstr(3), u32(4));
        mount_setattr(Fd, Str, Hex, Ptr, Uint) [] => fs::sys_mount_setattr(i32(0), cstr(1), u32(2), usize(3), usize(4));
        statfs(Str, Ptr) [] => fs::sys_statfs(cstr(0), ptr(1));
        fstatfs(Fd, Ptr) [] => fs::sys_fstatfs(i32(0), ptr(1));
        sync() [] => fs::sys_sync();
        syncfs(Fd) [] => fs::sys_syncfs(i32(0));
        // memory: mm.rs
        brk(Ptr) [fast hex] => mm::sys_brk(usize(0));
        mmap(Ptr, Uint, Flags(PROT), Flags(MAP), Fd, Uint) [fast hex] => mm::sys_mmap(usize(0), usize(1), u32(2), u32(3), i32(4), usize(5));
        munmap(Ptr, Uint) [fast] => mm::sys_munmap(usize(0), usize(1));
        mprotect(Ptr, Uint, Flags(PROT)) [fast] => mm::sys_mprotect(usize(0), usize(1), u32(2));
        madvise(Ptr, Uint, Enum(MADV)) [fast] => mm::sys_madvise(usize(0), usize(1), usize(2));
        mremap(Ptr, Uint, Uint, Flags(MREMAP), Ptr) [fast hex] => mm::sys_mremap(usize(0), usize(1), usize(2), u32(3), usize(4));
        process_vm_readv(Int, OutIov(2), Uint, Ptr, Uint, Hex) [waits] => mm::sys_process_vm_readv(i32(0), ptr(1), usize(2), ptr(3), usize(4), usize(5));
        process_vm_writev(Int, InIov(2), Uint, Ptr, Uint, Hex) [waits] => mm::sys_process_vm_writev(i32(0), ptr(1), usize(2), ptr(3), usize(4), usize(5));
        membarrier(Int, Hex, Int) [fast] => mm::sys_membarrier(i32(0), u32(1), i32(2));
        msync(Ptr, Uint, Flags(MSYNC)) [] => mm::sys_msync(usize(0), usize(1), u32(2));
        memfd_create(Str, Flags(MFD)) [] => mm::sys_memfd_create(usize(0), u32(1));
        mincore(Ptr, Uint, Ptr) [] => mm::sys_mincore(usize(0), usize(1), usize(2));
        mlock(Ptr, Uint) [] => mm::sys_mlock(usize(0), usize(1));
        mlock2(Ptr, Uint, Flags(MLOCK)) [] => mm::sys_mlock2(usize(0), usize(1), u32(2));
        munlock(Ptr, Uint) [] => mm::sys_munlock(usize(0), usize(1));
        mlockall(Flags(MCL)) [] => mm::sys_mlockall(u32(0));
        munlockall() [] => mm::sys_munlockall();
        fadvise64(Fd, Long, Long, Enum(FADV)) [] => mm::sys_fadvise64(i32(0), i64(1), i64(2), u32(3));
        readahead(Fd, Long, Uint) [] => mm::sys_readahead(i32(0), i64(1), usize(2));
        // processes: process.rs
        exit(Int) [noreturn] => process::sys_exit(i32(0));
        exit_group(Int) [noreturn] => process::sys_exit_group(i32(0));
        set_tid_address(Ptr) [fast] => process::sys_set_tid_address(usize(0));
        prlimit64(Int, Enum(RLIMITS), Ptr, Ptr) [fast] => process::sys_prlimit64(i32(0), u32(1), ptr(2), ptr(3));
        getrlimit(Enum(RLIMITS), Ptr) [fast] => process::sys_getrlimit(u32(0), ptr(1));
        setrlimit(Enum(RLIMITS), Ptr) [fast] => process::sys_setrlimit(u32(0), ptr(1));
        // credentials: cred.rs
        getresuid(Ptr, Ptr, Ptr) [fast] => cred::sys_getresuid(ptr(0), ptr(1), ptr(2));
        getresgid(Ptr, Ptr, Ptr) [fast] => cred::sys_getresgid(ptr(0), ptr(1), ptr(2));
        getgroups(Int, Ptr) [fast] => cred::sys_getgroups(i32(0), usize(1));
        setgroups(Int, Ptr) [] => cred::sys_setgroups(i32(0), usize(1));
        setuid(Int) [] => cred::sys_setuid(u32(0));
        setgid(Int) [] => cred::sys_setgid(u32(0));
        setreuid(Int, Int) [] => cred::sys_setreuid(u32(0), u32(1));
        setregid(Int, Int) [] => cred::sys_setregid(u32(0), u32(1));
        setresuid(Int, Int, Int) [] => cred::sys_setresuid(u32(0), u32(1), u32(2));
        setresgid(Int, Int, Int) [] => cred::sys_setresgid(u32(0), u32(1), u32(2));
        setfsuid(Int) [] => cred::sys_setfsuid(u32(0));
        setfsgid(Int) [] => cred::sys_setfsgid(u32(0));
        capget(Ptr, Ptr) [] => cred::sys_capget(ptr(0), usize(1));
        capset(Ptr, Ptr) [] => cred::sys_capset(ptr(0), usize(1));
        ioprio_get(Int, Int) [fast] => process::sys_ioprio_get(i32(0), i32(1));
        ioprio_set(Int, Int, Hex) [fast] => process::sys_ioprio_set(i32(0), i32(1), u32(2));
        kcmp(Int, Int, Int, Hex, Hex) [fast] => process::sys_kcmp(i32(0), i32(1), u32(2), usize(3), usize(4));
        getpriority(Int, Int) [fast] => process::sys_getpriority(i32(0), i32(1));
        setpriority(Int, Int, Int) [] => process::sys_setpriority(i32(0), i32(1), i32(2));
        getrusage(Int, Ptr) [fast] => process::sys_getrusage(i32(0), ptr(1));
        getitimer(Int, Ptr) [] => itimer::sys_getitimer(usize(0), ptr(1));
        setitimer(Int, Ptr, Ptr) [] => itimer::sys_setitimer(usize(0), ptr(1), ptr(2));
        // POSIX timers: posix_timer.rs
        timer_create(Enum(CLOCKS), Ptr, Ptr) [] => posix_timer::sys_timer_create(usize(0), ptr(1), ptr(2));
        timer_settime(Int, Hex, Ptr, Ptr) [] => posix_timer::sys_timer_settime(i32(0), i32(1), ptr(2), ptr(3));
        timer_gettime(Int, Ptr) [fast] => posix_timer::sys_timer_gettime(i32(0), ptr(1));
        timer_getoverrun(Int) [fast] => posix_timer::sys_timer_getoverrun(i32(0));
        timer_delete(Int) [] => posix_timer::sys_timer_delete(i32(0));
        setpgid(Int, Int) [] => process::sys_setpgid(i32(0), i32(1));
        getpgid(Int) [fast] => process::sys_getpgid(i32(0));
        setsid() [] => process::sys_setsid();
        getsid(Int) [fast] => process::sys_getsid(i32(0));
        restart_syscall() [waits] => process::sys_restart_syscall();
        // clone.rs, exec.rs, wait.rs
        clone(Clone, Ptr, Ptr, Hex, Ptr) [waits] => clone::sys_clone(u64(0), usize(1), usize(2), usize(3), usize(4));
        clone3(Ptr, Uint) [waits] => clone::sys_clone3(usize(0), usize(1));
        unshare(Clone) [] => clone::sys_unshare(u64(0));
        execve(Str, StrList, Ptr) [waits exec] => exec::sys_execve(cstr(0), ptr(1), ptr(2));
        execveat(Fd, Str, StrList, Ptr, Flags(AT)) [waits exec] => exec::sys_execveat(i32(0), cstr(1), ptr(2), ptr(3), u32(4));
        wait4(Int, Ptr, Flags(WAIT), Ptr) [fast waits] => wait::sys_wait4(i32(0), ptr(1), u32(2), ptr(3));
        waitid(Int, Int, Ptr, Flags(WAIT), Ptr) [fast waits] => wait::sys_waitid(u32(0), i32(1), ptr(2), u32(3), ptr(4));
        // futex.rs
        futex(Ptr, Futex, Uint, Ptr, Ptr, Uint) [fast waits] => futex::sys_futex(usize(0), u32(1), u32(2), usize(3), usize(4), u32(5));
        set_robust_list(Ptr, Uint) [fast] => futex::sys_set_robust_list(usize(0), usize(1));
        get_robust_list(Int, Ptr, Ptr) [fast] => futex::sys_get_robust_list(i32(0), ptr(1), ptr(2));
        // time: time.rs
        clock_gettime(Enum(CLOCKS), Ptr) [fast] => time::sys_clock_gettime(usize(0), ptr(1));
        clock_getres(Enum(CLOCKS), Ptr) [fast] => time::sys_clock_getres(usize(0), ptr(1));
        gettimeofday(Ptr, Ptr) [fast] => time::sys_gettimeofday(ptr(0), usize(1));
        nanosleep(Ptr, Ptr) [fast waits] => time::sys_nanosleep(ptr(0), ptr(1));
        clock_nanosleep(Enum(CLOCKS), Hex, Ptr, Ptr) [fast waits] => time::sys_clock_nanosleep(usize(0), u32(1), ptr(2), ptr(3));
        times(Ptr) [fast] => time::sys_times(ptr(0));
        clock_settime(Enum(CLOCKS), Ptr) [] => time::sys_clock_settime(usize(0), ptr(1));
        settimeofday(Ptr, Ptr) [] => time::sys_settimeofday(ptr(0), ptr(1));
        adjtimex(Ptr) [] => time::sys_adjtimex(ptr(0));
        clock_adjtime(Enum(CLOCKS), Ptr) [] => time::sys_clock_adjtime(usize(0), ptr(1));
        sched_yield() [fast waits] => time::sys_sched_yield();
        sched_getaffinity(Int, Uint, Ptr) [fast] => time::sys_sched_getaffinity(i32(0), u32(1), ptr(2));
        sched_setaffinity(Int, Uint, Ptr) [] => time::sys_sched_setaffinity(i32(0), u32(1), ptr(2));
        personality(Hex) [fast] => prctl::sys_personality(u32(0));
        prctl(Enum(PRCTL), Hex, Hex, Hex, Hex) [] => prctl::sys_prctl(i32(0), usize(1), usize(2), usize(3), usize(4));
        // System V IPC: ipc/
        msgget(Hex, Hex) [fast] => ipc::sys_msgget(i32(0), i32(1));
        msgsnd(Int, Ptr, Uint, Hex) [fast waits] => ipc::sys_msgsnd(i32(0), usize(1), usize(2), i32(3));
        msgrcv(Int, Ptr, Uint, Long, Hex) [fast waits] => ipc::sys_msgrcv(i32(0), usize(1), usize(2), i64(3), i32(4));
        msgctl(Int, Int, Ptr) [fast] => ipc::sys_msgctl(i32(0), i32(1), usize(2));
        semget(Hex, Int, Hex) [fast] => ipc::sys_semget(i32(0), i32(1), i32(2));
        semop(Int, Ptr, Uint) [fast waits] => ipc::sys_semop(i32(0), usize(1), usize(2));
        semtimedop(Int, Ptr, Uint, Ptr) [fast waits] => ipc::sys_semtimedop(i32(0), usize(1), usize(2), usize(3));
        semctl(Int, Int, Int, Hex) [fast] => ipc::sys_semctl(i32(0), i32(1), i32(2), usize(3));
        shmget(Hex, Uint, Hex) [fast] => ipc::sys_shmget(i32(0), usize(1), i32(2));
        shmat(Int, Hex, Hex) [fast hex] => ipc::sys_shmat(i32(0), usize(1), i32(2));
        shmdt(Hex) [fast] => ipc::sys_shmdt(usize(0));
        shmctl(Int, Int, Ptr) [fast] => ipc::sys_shmctl(i32(0), i32(1), usize(2));
        // POSIX message queues: mqueue.rs
        mq_open(Str, Open, CreatMode, Ptr) [fast] => mqueue::sys_mq_open(cstr(0), i32(1), u32(2), ptr(3));
        mq_unlink(Str) [fast] => mqueue::sys_mq_unlink(cstr(0));
        mq_timedsend(Fd, InBuf(2), Uint, Uint, Ptr) [fast waits] => mqueue::sys_mq_timedsend(i32(0), slice(1, 2), u32(3), ptr(4));
        mq_timedreceive(Fd, OutBuf, Uint, Ptr, Ptr) [fast waits] => mqueue::sys_mq_timedreceive(i32(0), slice_mut(1, 2), ptr(3), ptr(4));
        mq_notify(Fd, Ptr) [fast] => mqueue::sys_mq_notify(i32(0), ptr(1));
        mq_getsetattr(Fd, Ptr, Ptr) [fast] => mqueue::sys_mq_getsetattr(i32(0), ptr(1), ptr(2));
        // scheduling policies: sched.rs
        sched_setscheduler(Int, Int, Ptr) [] => sched::sys_sched_setscheduler(i32(0), i32(1), ptr(2));
        sched_getscheduler(Int) [fast] => sched::sys_sched_getscheduler(i32(0));
        sched_setparam(Int, Ptr) [] => sched::sys_sched_setparam(i32(0), ptr(1));
        sched_getparam(Int, Ptr) [fast] => sched::sys_sched_getparam(i32(0), ptr(1));
        sched_get_priority_max(Int) [fast] => sched::sys_sched_get_priority_max(i32(0));
        sched_get_priority_min(Int) [fast] => sched::sys_sched_get_priority_min(i32(0));
        sched_setattr(Int, Ptr, Hex) [] => sched::sys_sched_setattr(i32(0), ptr(1), u32(2));
        sched_getattr(Int, Ptr, Uint, Hex) [fast] => sched::sys_sched_getattr(i32(0), ptr(1), u32(2), u32(3));
        sched_rr_get_interval(Int, Ptr) [fast] => sched::sys_sched_rr_get_interval(i32(0), ptr(1));
        getcpu(Ptr, Ptr, Ptr) [fast] => sched::sys_getcpu(ptr(0), ptr(1));
        // system information: info.rs
        sethostname(Ptr, Uint) [] => info::sys_sethostname(usize(0), usize(1));
        setdomainname(Ptr, Uint) [] => info::sys_setdomainname(usize(0), usize(1));
        riscv_flush_icache(Hex, Hex, Hex) [fast] => riscv::sys_riscv_flush_icache(usize(0), usize(1), usize(2));
        riscv_hwprobe(Ptr, Uint, Uint, Ptr, Hex) [fast] => riscv::sys_riscv_hwprobe(usize(0), usize(1), usize(2), usize(3), u32(4));
        uname(Ptr) [fast] => info::sys_uname(ptr(0));
        getrandom(Ptr, Uint, Flags(GRND)) [fast] => info::sys_getrandom(slice_mut(0, 1), u32(2));
        sysinfo(Ptr) [fast] => info::sys_sysinfo(ptr(0));
        reboot(Hex, Hex, Hex, Ptr) [] => reboot::sys_reboot(u32(0), u32(1), u32(2), usize(3));
        syslog(Int, Ptr, Int) [] => info::sys_syslog(i32(0), usize(1), i32(2));
        // signals: signal.rs
        rt_sigaction(Signal, Ptr, Ptr, Uint) [] => signal::sys_rt_sigaction(usize(0), ptr(1), ptr(2), usize(3));
        rt_sigprocmask(Enum(SIGHOW), Ptr, Ptr, Uint) [fast] => signal::sys_rt_sigprocmask(usize(0), ptr(1), ptr(2), usize(3));
        rt_sigreturn() [] => signal::sys_rt_sigreturn();
        rt_sigpending(Ptr, Uint) [] => signal::sys_rt_sigpending(usize(0), usize(1));
        rt_sigsuspend(Ptr, Uint) [waits] => signal::sys_rt_sigsuspend(ptr(0), usize(1));
        rt_sigtimedwait(Ptr, Ptr, Ptr, Uint) [waits] => signal::sys_rt_sigtimedwait(ptr(0), ptr(1), ptr(2), usize(3));
        sigaltstack(Ptr, Ptr) [] => signal::sys_sigaltstack(ptr(0), ptr(1));
        kill(Int, Signal) [fast] => signal::sys_kill(i32(0), usize(1));
        tkill(Int, Signal) [fast] => signal::sys_tkill(i32(0), usize(1));
        tgkill(Int, Int, Signal) [fast] => signal::sys_tgkill(i32(0), i32(1), usize(2));
        pidfd_send_signal(Fd, Signal, Ptr, Hex) [fast] => signal::sys_pidfd_send_signal(i32(0), usize(1), ptr(2), u32(3));
        pidfd_open(Int, Hex) [fast] => pidfd::sys_pidfd_open(i32(0), u32(1));
        pidfd_getfd(Fd, Int, Hex) [fast] => pidfd::sys_pidfd_getfd(i32(0), i32(1), u32(2));
        rt_sigqueueinfo(Int, Signal, Ptr) [] => signal::sys_rt_sigqueueinfo(i32(0), usize(1), ptr(2));
        rt_tgsigqueueinfo(Int, Int, Signal, Ptr) [] => signal::sys_rt_tgsigqueueinfo(i32(0), i32(1), usize(2), ptr(3));
    }
}
