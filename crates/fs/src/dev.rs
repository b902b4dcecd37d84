//! Character devices: the console, /dev/null, /dev/zero.
use crate::inode::{FileKind, Inode};
use crate::ramfs::next_ino;
use crate::tty::Tty;
use abi::flags::PollEvents;
use abi::{structs::Stat, SysResult};
use alloc::sync::Arc;
use alloc::vec::Vec;
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

/// The system console as a terminal. Typed bytes go through its line discipline ([`Tty`]) when
/// someone reads; with nothing to hand out, `EAGAIN` and the reader waits on [`CONSOLE_INPUT`],
/// which the kernel wakes when input may have arrived.
pub struct Console {
    ino: u64,
    tty: Tty,
}

/// Woken whenever console input may have arrived.
pub static CONSOLE_INPUT: WaitQueue = WaitQueue::new();

/// The one console inode (shared by /dev/console, /dev/tty and the initial fds 0, 1, 2).
pub static CONSOLE: Lazy<Arc<Console>> = Lazy::new(Console::new);

impl Console {
    /// A console with its own terminal settings over the same device (tests use this to change
    /// settings without disturbing the shared one).
    pub fn new() -> Arc<Console> {
        Arc::new(Console { ino: next_ino(), tty: Tty::new() })
    }

    /// Move what has been typed into the line discipline and show its echo.
    pub fn receive_input(&self) {
        let mut echo = Vec::new();
        while let Some(b) = hal::console::read_byte() {
            self.tty.receive(b, &mut echo);
        }
        if !echo.is_empty() {
            hal::console::write_bytes(&echo);
        }
    }
}

impl Inode for Console {
    fn kind(&self) -> FileKind {
        FileKind::CharDevice
    }
    fn stat(&self) -> Stat {
        chr_stat(self.ino, 5, 1, 0o620)
    }
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        self.receive_input();
        self.tty.read(buf)
    }
    fn write_at(&self, _offset: u64, buf: &[u8]) -> SysResult<usize> {
        hal::console::write_bytes(buf);
        Ok(buf.len())
    }
    fn poll(&self) -> PollEvents {
        self.receive_input();
        let out = PollEvents::OUT | PollEvents::WRNORM;
        if self.tty.readable() {
            out | PollEvents::IN | PollEvents::RDNORM
        } else {
            out
        }
    }
    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&CONSOLE_INPUT)
    }
    fn tty(&self) -> Option<&Tty> {
        Some(&self.tty)
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
