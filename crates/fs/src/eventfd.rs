//! eventfd: a 64-bit counter as a file, for one task (or the kernel) to wake another.
//!
//! A write of 8 bytes adds their value to the counter; a read of 8 bytes takes the whole counter
//! (or 1, with EFD_SEMAPHORE) and leaves it 0 (or one less). A read of a zero counter and a
//! write that would pass 0xffff_ffff_ffff_fffe answer EAGAIN, on which the syscall layer waits
//! on [`Inode::wait_queue`] unless the file is O_NONBLOCK, as for pipes.
use crate::inode::{FileKind, Inode};
use crate::meta::{anon_stat, next_ino};
use abi::flags::PollEvents;
use abi::{structs::Stat, Errno, SysResult};
use alloc::sync::Arc;
use sync::{Mutex, WaitQueue};

/// The largest value the counter holds.
pub const EVENTFD_MAX: u64 = u64::MAX - 1;

pub struct EventFd {
    count: Mutex<u64>,
    semaphore: bool,
    queue: WaitQueue,
    ino: u64,
}

impl EventFd {
    pub fn new(initial: u64, semaphore: bool) -> Arc<EventFd> {
        Arc::new(EventFd { count: Mutex::new(initial), semaphore, queue: WaitQueue::new(), ino: next_ino() })
    }

    /// The counter now (for /proc/<pid>/fdinfo and tests).
    pub fn count(&self) -> u64 {
        *self.count.lock()
    }

    /// Add `n` to the counter, as a write does (EAGAIN when it would pass [`EVENTFD_MAX`]).
    pub fn signal(&self, n: u64) -> SysResult<()> {
        if n == u64::MAX {
            return Err(Errno::EINVAL);
        }
        let mut c = self.count.lock();
        if n > EVENTFD_MAX - *c {
            return Err(Errno::EAGAIN);
        }
        *c += n;
        drop(c);
        if n > 0 {
            self.queue.wake_all();
        }
        Ok(())
    }
}

impl Inode for EventFd {
    fn kind(&self) -> FileKind {
        FileKind::Anon
    }
    fn stat(&self) -> Stat {
        anon_stat(self.ino)
    }
    fn seekable(&self) -> bool {
        false
    }
    fn mappable(&self) -> bool {
        false
    }
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let mut c = self.count.lock();
        if *c == 0 {
            return Err(Errno::EAGAIN);
        }
        let v = if self.semaphore { 1 } else { *c };
        *c -= v;
        drop(c);
        buf[..8].copy_from_slice(&v.to_ne_bytes());
        self.queue.wake_all(); // writers waiting for room
        Ok(8)
    }
    /// The first 8 bytes are the value. (A longer write is taken whole: the syscall layer would
    /// otherwise write the rest as further values; Linux uses the first 8 and returns 8.)
    fn write_at(&self, _offset: u64, buf: &[u8]) -> SysResult<usize> {
        let Some(bytes) = buf.first_chunk::<8>() else {
            return Err(Errno::EINVAL);
        };
        self.signal(u64::from_ne_bytes(*bytes))?;
        Ok(buf.len())
    }
    fn poll(&self) -> PollEvents {
        let c = *self.count.lock();
        let mut ev = PollEvents::empty();
        if c > 0 {
            ev |= PollEvents::IN | PollEvents::RDNORM;
        }
        if c < EVENTFD_MAX {
            ev |= PollEvents::OUT | PollEvents::WRNORM;
        }
        ev
    }
    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.queue)
    }
    fn fsync(&self) -> SysResult<()> {
        Err(Errno::EINVAL)
    }
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(e: &EventFd) -> SysResult<u64> {
        let mut b = [0u8; 8];
        e.read_at(0, &mut b).map(|_| u64::from_ne_bytes(b))
    }

    #[test]
    fn a_counter_read_whole_or_one_at_a_time() {
        let e = EventFd::new(3, false);
        assert_eq!(e.write_at(0, &4u64.to_ne_bytes()), Ok(8));
        assert_eq!(read(&e), Ok(7));
        assert_eq!(read(&e), Err(Errno::EAGAIN));
        let s = EventFd::new(2, true);
        assert_eq!((read(&s), read(&s), read(&s)), (Ok(1), Ok(1), Err(Errno::EAGAIN)));
    }

    #[test]
    fn sizes_limits_and_readiness_are_linuxs() {
        let e = EventFd::new(0, false);
        assert_eq!(e.read_at(0, &mut [0; 7]), Err(Errno::EINVAL));
        assert_eq!(e.write_at(0, &[0; 4]), Err(Errno::EINVAL));
        assert_eq!(e.write_at(0, &u64::MAX.to_ne_bytes()), Err(Errno::EINVAL));
        assert_eq!(e.poll(), PollEvents::OUT | PollEvents::WRNORM);
        assert_eq!(e.write_at(0, &EVENTFD_MAX.to_ne_bytes()), Ok(8));
        assert_eq!(e.poll(), PollEvents::IN | PollEvents::RDNORM);
        assert_eq!(e.write_at(0, &1u64.to_ne_bytes()), Err(Errno::EAGAIN));
        assert_eq!(e.write_at(0, &0u64.to_ne_bytes()), Ok(8), "adding 0 always fits");
        assert_eq!(read(&e), Ok(EVENTFD_MAX));
        assert_eq!(e.stat().st_mode, 0o600);
    }
}
