//! Structs exchanged with user space, with the exact riscv64 (lp64) layout.
//! All are `Pod` so they can be copied to and from user memory as bytes.
use bytemuck::{Pod, Zeroable};

/// `struct timespec`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

impl Timespec {
    pub const fn from_nanos(ns: u64) -> Self {
        Timespec { tv_sec: (ns / 1_000_000_000) as i64, tv_nsec: (ns % 1_000_000_000) as i64 }
    }
    /// Nanoseconds, or `None` if the value is not a valid timespec (EINVAL for most callers).
    pub fn to_nanos(&self) -> Option<u64> {
        if self.tv_sec < 0 || !(0..1_000_000_000).contains(&self.tv_nsec) {
            return None;
        }
        (self.tv_sec as u64).checked_mul(1_000_000_000)?.checked_add(self.tv_nsec as u64)
    }
}

/// `struct timeval`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Timeval {
    pub tv_sec: i64,
    pub tv_usec: i64,
}

/// `struct tms` (times(2)), in clock ticks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Tms {
    pub tms_utime: i64,
    pub tms_stime: i64,
    pub tms_cutime: i64,
    pub tms_cstime: i64,
}

/// `struct stat` of the asm-generic 64-bit ABI (128 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Stat {
    pub st_dev: u64,
    pub st_ino: u64,
    pub st_mode: u32,
    pub st_nlink: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub st_rdev: u64,
    pub __pad1: u64,
    pub st_size: i64,
    pub st_blksize: i32,
    pub __pad2: i32,
    pub st_blocks: i64,
    pub st_atime: i64,
    pub st_atime_nsec: u64,
    pub st_mtime: i64,
    pub st_mtime_nsec: u64,
    pub st_ctime: i64,
    pub st_ctime_nsec: u64,
    pub __unused: [u32; 2],
}

/// `struct utsname` (six 65-byte fields).
#[derive(Clone, Copy, Pod, Zeroable)]
#[repr(C)]
pub struct Utsname {
    pub sysname: [u8; 65],
    pub nodename: [u8; 65],
    pub release: [u8; 65],
    pub version: [u8; 65],
    pub machine: [u8; 65],
    pub domainname: [u8; 65],
}

/// `struct iovec`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Iovec {
    pub base: usize,
    pub len: usize,
}

/// `struct rlimit64`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Rlimit {
    pub cur: u64,
    pub max: u64,
}

/// `struct winsize` (TIOCGWINSZ).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Winsize {
    pub ws_row: u16,
    pub ws_col: u16,
    pub ws_xpixel: u16,
    pub ws_ypixel: u16,
}

/// The kernel's `struct termios` (asm-generic/termbits.h) as TCGETS returns it: 36 bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Termios {
    pub c_iflag: u32,
    pub c_oflag: u32,
    pub c_cflag: u32,
    pub c_lflag: u32,
    pub c_line: u8,
    pub c_cc: [u8; 19],
}

/// The kernel's `struct sigaction` on riscv64 (no sa_restorer field on this architecture).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct SigAction {
    pub handler: usize,
    pub flags: u64,
    pub mask: u64,
}

/// `struct pollfd`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct PollFd {
    pub fd: i32,
    pub events: i16,
    pub revents: i16,
}

/// `struct statfs` of the 64-bit generic ABI (120 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Statfs {
    pub f_type: i64,
    pub f_bsize: i64,
    pub f_blocks: u64,
    pub f_bfree: u64,
    pub f_bavail: u64,
    pub f_files: u64,
    pub f_ffree: u64,
    pub f_fsid: [i32; 2],
    pub f_namelen: i64,
    pub f_frsize: i64,
    pub f_flags: i64,
    pub f_spare: [i64; 4],
}

/// `struct statx_timestamp`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct StatxTimestamp {
    pub tv_sec: i64,
    pub tv_nsec: u32,
    pub __reserved: i32,
}

/// `struct statx` (256 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Statx {
    pub stx_mask: u32,
    pub stx_blksize: u32,
    pub stx_attributes: u64,
    pub stx_nlink: u32,
    pub stx_uid: u32,
    pub stx_gid: u32,
    pub stx_mode: u16,
    pub __spare0: u16,
    pub stx_ino: u64,
    pub stx_size: u64,
    pub stx_blocks: u64,
    pub stx_attributes_mask: u64,
    pub stx_atime: StatxTimestamp,
    pub stx_btime: StatxTimestamp,
    pub stx_ctime: StatxTimestamp,
    pub stx_mtime: StatxTimestamp,
    pub stx_rdev_major: u32,
    pub stx_rdev_minor: u32,
    pub stx_dev_major: u32,
    pub stx_dev_minor: u32,
    pub stx_mnt_id: u64,
    pub stx_dio_mem_align: u32,
    pub stx_dio_offset_align: u32,
    pub __spare3: [u64; 12],
}

/// `struct sysinfo` on 64-bit Linux (112 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Sysinfo {
    pub uptime: i64,
    pub loads: [u64; 3],
    pub totalram: u64,
    pub freeram: u64,
    pub sharedram: u64,
    pub bufferram: u64,
    pub totalswap: u64,
    pub freeswap: u64,
    pub procs: u16,
    pub pad: u16,
    pub __pad2: u32,
    pub totalhigh: u64,
    pub freehigh: u64,
    pub mem_unit: u32,
    pub __pad3: u32,
}

/// `struct flock` (fcntl record locks) on 64-bit Linux (32 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Flock {
    pub l_type: i16,
    pub l_whence: i16,
    pub __pad: u32,
    pub l_start: i64,
    pub l_len: i64,
    pub l_pid: i32,
    pub __pad2: u32,
}

/// `struct mq_attr` (mq_open, mq_getsetattr): four longs and four reserved ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct MqAttr {
    /// O_NONBLOCK or 0 (mq_getsetattr's only settable field).
    pub mq_flags: i64,
    pub mq_maxmsg: i64,
    pub mq_msgsize: i64,
    pub mq_curmsgs: i64,
    pub reserved: [i64; 4],
}

/// Message priorities are below this (sysconf(_SC_MQ_PRIO_MAX)).
pub const MQ_PRIO_MAX: u32 = 32768;

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::size_of;

    #[test]
    fn layouts_match_riscv64_linux() {
        assert_eq!(size_of::<Stat>(), 128);
        assert_eq!(size_of::<Utsname>(), 390);
        assert_eq!(size_of::<Termios>(), 36);
        assert_eq!(size_of::<SigAction>(), 24);
        assert_eq!(size_of::<Timespec>(), 16);
        assert_eq!(core::mem::offset_of!(Stat, st_size), 48);
        assert_eq!(core::mem::offset_of!(Stat, st_mtime), 88);
        assert_eq!(size_of::<Statfs>(), 120);
        assert_eq!(size_of::<Statx>(), 256);
        assert_eq!(core::mem::offset_of!(Statx, stx_atime), 64);
        assert_eq!(core::mem::offset_of!(Statx, stx_rdev_major), 128);
        assert_eq!(size_of::<Sysinfo>(), 112);
        assert_eq!(core::mem::offset_of!(Sysinfo, procs), 80);
        assert_eq!(core::mem::offset_of!(Sysinfo, mem_unit), 104);
        assert_eq!(size_of::<Flock>(), 32);
        assert_eq!(size_of::<MqAttr>(), 64);
    }

    #[test]
    fn timespec_validation() {
        assert_eq!(Timespec { tv_sec: 1, tv_nsec: 5 }.to_nanos(), Some(1_000_000_005));
        assert_eq!(Timespec { tv_sec: 0, tv_nsec: 1_000_000_000 }.to_nanos(), None);
        assert_eq!(Timespec { tv_sec: -1, tv_nsec: 0 }.to_nanos(), None);
        assert_eq!(Timespec::from_nanos(2_500_000_000), Timespec { tv_sec: 2, tv_nsec: 500_000_000 });
    }
}
