//! epoll, eventfd, timerfd and signalfd: flags and the structures they exchange with programs.
use crate::structs::Timespec;
use bitflags::bitflags;
use bytemuck::{Pod, Zeroable};

/// epoll_create1 flag.
pub const EPOLL_CLOEXEC: u32 = 0o2000000;

/// epoll_ctl operations.
pub const EPOLL_CTL_ADD: i32 = 1;
pub const EPOLL_CTL_DEL: i32 = 2;
pub const EPOLL_CTL_MOD: i32 = 3;

bitflags! {
    /// `epoll_event.events`: the poll(2) conditions (same bits) and epoll's own flags.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct EpollFlags: u32 {
        const IN = 0x001;
        const PRI = 0x002;
        const OUT = 0x004;
        const ERR = 0x008;
        const HUP = 0x010;
        const RDNORM = 0x040;
        const RDBAND = 0x080;
        const WRNORM = 0x100;
        const WRBAND = 0x200;
        const MSG = 0x400;
        const RDHUP = 0x2000;
        const EXCLUSIVE = 1 << 28;
        const WAKEUP = 1 << 29;
        const ONESHOT = 1 << 30;
        const ET = 1 << 31;
        const _ = !0;
    }
}

impl EpollFlags {
    /// The flags that say how to report, not what to wait for.
    pub const MODES: EpollFlags =
        EpollFlags::EXCLUSIVE.union(EpollFlags::WAKEUP).union(EpollFlags::ONESHOT).union(EpollFlags::ET);
}

/// `struct epoll_event` as riscv64 lays it out (not packed: 16 bytes, unlike x86-64's 12).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct EpollEvent {
    pub events: u32,
    pub _pad: u32,
    pub data: u64,
}

/// epoll_wait's largest `maxevents` (Linux's EP_MAX_EVENTS: INT_MAX / sizeof(epoll_event)).
pub const EP_MAX_EVENTS: i32 = i32::MAX / 16;

/// eventfd2 flags.
pub const EFD_SEMAPHORE: u32 = 1;
pub const EFD_NONBLOCK: u32 = 0o4000;
pub const EFD_CLOEXEC: u32 = 0o2000000;

/// timerfd_create flags, timerfd_settime flags.
pub const TFD_NONBLOCK: u32 = 0o4000;
pub const TFD_CLOEXEC: u32 = 0o2000000;
pub const TFD_TIMER_ABSTIME: u32 = 1;
pub const TFD_TIMER_CANCEL_ON_SET: u32 = 2;

/// signalfd4 flags.
pub const SFD_NONBLOCK: u32 = 0o4000;
pub const SFD_CLOEXEC: u32 = 0o2000000;

/// `struct itimerspec` (timerfd_settime, timer_settime).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct ItimerSpec {
    pub interval: Timespec,
    pub value: Timespec,
}

/// `struct signalfd_siginfo`: what a read of a signalfd returns per signal (128 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct SignalfdSiginfo {
    pub signo: u32,
    pub errno: i32,
    pub code: i32,
    pub pid: u32,
    pub uid: u32,
    pub fd: i32,
    pub tid: u32,
    pub band: u32,
    pub overrun: u32,
    pub trapno: u32,
    pub status: i32,
    pub int: i32,
    pub ptr: u64,
    pub utime: u64,
    pub stime: u64,
    pub addr: u64,
    pub addr_lsb: u16,
    pub _pad2: u16,
    pub syscall: i32,
    pub call_addr: u64,
    pub arch: u32,
    pub _pad: [u8; 28],
}

impl Default for SignalfdSiginfo {
    fn default() -> Self {
        Zeroable::zeroed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_are_linuxs() {
        assert_eq!(core::mem::size_of::<EpollEvent>(), 16);
        assert_eq!(core::mem::offset_of!(EpollEvent, data), 8);
        assert_eq!(core::mem::size_of::<ItimerSpec>(), 32);
        assert_eq!(core::mem::size_of::<SignalfdSiginfo>(), 128);
        assert_eq!(core::mem::offset_of!(SignalfdSiginfo, ptr), 48);
        assert_eq!(core::mem::offset_of!(SignalfdSiginfo, addr_lsb), 80);
        assert_eq!(core::mem::offset_of!(SignalfdSiginfo, arch), 96);
    }
}

// inotify(7): the events a watch asks for and a read reports.
pub const IN_ACCESS: u32 = 0x1;
pub const IN_MODIFY: u32 = 0x2;
pub const IN_ATTRIB: u32 = 0x4;
pub const IN_CLOSE_WRITE: u32 = 0x8;
pub const IN_CLOSE_NOWRITE: u32 = 0x10;
pub const IN_OPEN: u32 = 0x20;
pub const IN_MOVED_FROM: u32 = 0x40;
pub const IN_MOVED_TO: u32 = 0x80;
pub const IN_CREATE: u32 = 0x100;
pub const IN_DELETE: u32 = 0x200;
pub const IN_DELETE_SELF: u32 = 0x400;
pub const IN_MOVE_SELF: u32 = 0x800;
pub const IN_ALL_EVENTS: u32 = 0xfff;
/// Reported only: the file system was unmounted, the queue overflowed, the watch went.
pub const IN_UNMOUNT: u32 = 0x2000;
pub const IN_Q_OVERFLOW: u32 = 0x4000;
pub const IN_IGNORED: u32 = 0x8000;
/// inotify_add_watch(2) flags.
pub const IN_ONLYDIR: u32 = 0x0100_0000;
pub const IN_DONT_FOLLOW: u32 = 0x0200_0000;
pub const IN_EXCL_UNLINK: u32 = 0x0400_0000;
pub const IN_MASK_CREATE: u32 = 0x1000_0000;
pub const IN_MASK_ADD: u32 = 0x2000_0000;
/// Reported: the subject is a directory.
pub const IN_ISDIR: u32 = 0x4000_0000;
pub const IN_ONESHOT: u32 = 0x8000_0000;
/// Every bit inotify knows (a mask without one of them is EINVAL).
pub const IN_ALL_BITS: u32 = IN_ALL_EVENTS
    | IN_UNMOUNT
    | IN_Q_OVERFLOW
    | IN_IGNORED
    | IN_ONLYDIR
    | IN_DONT_FOLLOW
    | IN_EXCL_UNLINK
    | IN_MASK_CREATE
    | IN_MASK_ADD
    | IN_ISDIR
    | IN_ONESHOT;
/// inotify_init1(2) flags.
pub const IN_NONBLOCK: u32 = 0o4000;
pub const IN_CLOEXEC: u32 = 0o2000000;
