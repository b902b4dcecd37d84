//! Character devices: the console, /dev/null, /dev/zero.
use crate::inode::{FileKind, Inode};
use crate::ramfs::next_ino;
use abi::{structs::Stat, Errno, SysResult};
use alloc::sync::Arc;
use sync::{Lazy, WaitQueue};

fn chr_stat(ino: u64, major: u64, minor: u64, mode: u32) -> Stat {
    Stat {
        st_dev: 5,
        st_ino: ino,
        st_mode: FileKind::CharDevice.mode_bits() | mode,
        st_nlink: 1,
        st_rdev: (major << 8) | minor,
        st_blksize: 4096,
        ..Stat::default()
    }
}

/// The system console as a terminal. Reading takes what has been typed; when nothing has,
/// `EAGAIN` and the reader waits on [`CONSOLE_INPUT`], which the kernel wakes when input arrives.
pub struct Console {
    ino: u64,
}

/// Woken whenever console input may have arrived.
pub static CONSOLE_INPUT: WaitQueue = WaitQueue::new();

/// The one console inode (shared by /dev/console, /dev/tty and the initial fds 0, 1, 2).
pub static CONSOLE: Lazy<Arc<Console>> = Lazy::new(|| Arc::new(Console { ino: next_ino() }));

impl Inode for Console {
    fn kind(&self) -> FileKind {
        FileKind::CharDevice
    }
    fn stat(&self) -> Stat {
        chr_stat(self.ino, 5, 1, 0o620)
    }
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut n = 0;
        while n < buf.len() {
            match hal::console::read_byte() {
                Some(b) => {
                    let b = if b == b'\r' { b'\n' } else { b };
                    hal::console::write_bytes(&[b]); // echo, as a canonical-mode tty does
                    buf[n] = b;
                    n += 1;
                    if b == b'\n' {
                        break;
                    }
                }
                None => break,
            }
        }
        if n == 0 {
            Err(Errno::EAGAIN)
        } else {
            Ok(n)
        }
    }
    fn write_at(&self, _offset: u64, buf: &[u8]) -> SysResult<usize> {
        hal::console::write_bytes(buf);
        Ok(buf.len())
    }
    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&CONSOLE_INPUT)
    }
    fn is_tty(&self) -> bool {
        true
    }
}

/// /dev/null: reads end at once, writes vanish.
pub struct Null {
    ino: u64,
}

/// /dev/zero: reads give zeros, writes vanish.
pub struct Zero {
    ino: u64,
}

impl Null {
    pub fn new() -> Arc<Null> {
        Arc::new(Null { ino: next_ino() })
    }
}

impl Zero {
    pub fn new() -> Arc<Zero> {
        Arc::new(Zero { ino: next_ino() })
    }
}

impl Inode for Null {
    fn kind(&self) -> FileKind {
        FileKind::CharDevice
    }
    fn stat(&self) -> Stat {
        chr_stat(self.ino, 1, 3, 0o666)
    }
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> SysResult<usize> {
        Ok(0)
    }
    fn write_at(&self, _offset: u64, buf: &[u8]) -> SysResult<usize> {
        Ok(buf.len())
    }
}

impl Inode for Zero {
    fn kind(&self) -> FileKind {
        FileKind::CharDevice
    }
    fn stat(&self) -> Stat {
        chr_stat(self.ino, 1, 5, 0o666)
    }
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write_at(&self, _offset: u64, buf: &[u8]) -> SysResult<usize> {
        Ok(buf.len())
    }
}
