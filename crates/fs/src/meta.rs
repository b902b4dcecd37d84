//! What every node is stamped with, shared by all file systems: inode numbers, device numbers
//! and the clock for timestamps.
//!
//! A leaf module: `ramfs`, `pipe`, `dev` and `vfs` use it and it uses none of them, so none of
//! those has to borrow a helper from another.
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

/// A fresh inode number (shared by all in-memory file systems and pipes).
pub fn next_ino() -> u64 {
    NEXT_INO.fetch_add(1, Ordering::Relaxed)
}

/// The current time as (seconds, nanoseconds) since the epoch.
pub fn now() -> (i64, u32) {
    let t = hal::time::boot_epoch_ns() + hal::time::now_ns();
    ((t / 1_000_000_000) as i64, (t % 1_000_000_000) as u32)
}

/// A Linux `dev_t` as the 64-bit stat encoding (new_encode_dev).
pub const fn make_dev(major: u32, minor: u32) -> u64 {
    let (major, minor) = (major as u64, minor as u64);
    (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & !0xff) << 12) | ((major & !0xfff) << 32)
}

/// The (major, minor) of a device number [`make_dev`] made (Linux's MAJOR/MINOR of a dev_t as
/// user space passes it).
pub const fn split_dev(dev: u64) -> (u32, u32) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (major as u32, minor as u32)
}

pub const fn dev_major(dev: u64) -> u32 {
    (((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff)) as u32
}

pub const fn dev_minor(dev: u64) -> u32 {
    ((dev & 0xff) | ((dev >> 12) & !0xff)) as u32
}

static NEXT_ANON_MINOR: AtomicU32 = AtomicU32::new(16);

/// A fresh anonymous device number (major 0), as Linux gives tmpfs, proc, pipefs and the like.
pub fn alloc_dev() -> u64 {
    make_dev(0, NEXT_ANON_MINOR.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_numbers_encode_like_linux() {
        assert_eq!(make_dev(8, 1), 0x801);
        assert_eq!(make_dev(0, 300), (300 & 0xff) | ((300 & !0xff) << 12));
        let d = make_dev(259, 70000);
        assert_eq!((dev_major(d), dev_minor(d)), (259, 70000));
        assert_ne!(alloc_dev(), alloc_dev());
    }
}

/// The device of anonymous inodes (anon_inodefs).
pub static ANON_DEV: sync::Lazy<u64> = sync::Lazy::new(alloc_dev);

/// What fstat says about an anonymous inode numbered `ino` (epoll, eventfd, timerfd, signalfd):
/// mode 0600 without type bits, owned by root, times 0, as Linux's anon_inodefs.
pub fn anon_stat(ino: u64) -> abi::structs::Stat {
    abi::structs::Stat {
        st_dev: *ANON_DEV,
        st_ino: ino,
        st_mode: 0o600,
        st_nlink: 1,
        st_blksize: 4096,
        ..Default::default()
    }
}
