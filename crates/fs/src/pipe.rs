//! Pipes.
//!
//! A [`Pipe`] is one inode shared by its two ends: open file descriptions with read access are
//! readers, those with write access writers (counted through `Inode::opened`/`released`, so
//! the last close of an end is seen however many descriptors shared it).
//!
//! The buffer is modelled on Linux's: up to 16 page-sized slots (64 KiB). A write first tops up
//! the last slot with its sub-page remainder if that fits, then fills fresh slots a page at a
//! time, so a write of at most a page (PIPE_BUF = 4096) is never split (POSIX atomicity), and
//! the number of writes that fit matches Linux's. Reads drain slots in order.
//!
//! Nothing here blocks: an empty pipe with writers, or a full one with readers, answers EAGAIN
//! and the syscall layer waits on [`Pipe::wait_queue`], which every change wakes. A read with no
//! writers left is end of file; a write with no readers is EPIPE (the syscall layer adds the
//! SIGPIPE).
use crate::inode::{FileKind, Inode};
use crate::meta::{alloc_dev, next_ino, now};
use abi::flags::{Access, PollEvents};
use abi::{structs::Stat, Errno, SysResult};
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use sync::{Mutex, WaitQueue};

const PAGE: usize = 4096;
/// Writes of at most this many bytes are atomic.
pub const PIPE_BUF: usize = 4096;
/// Default number of page slots (64 KiB).
pub const DEFAULT_SLOTS: usize = 16;
/// The largest size F_SETPIPE_SZ accepts without privilege (/proc/sys/fs/pipe-max-size, which
/// root may change; Linux's default 1 MiB).
pub static PIPE_MAX_SIZE: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(1 << 20);
/// The largest size anyone may ask for: 2 GiB, as Linux (a pipe takes pages only as data comes).
pub const PIPE_HARD_MAX: usize = 1 << 31;

/// Linux's round_pipe_size: a size in bytes as a pipe can have it, a power-of-two number of
/// pages (at least one); `None` past [`PIPE_HARD_MAX`].
pub fn round_size(bytes: usize) -> Option<usize> {
    (bytes <= PIPE_HARD_MAX).then(|| bytes.div_ceil(PAGE).max(1).next_power_of_two() * PAGE)
}

/// The device number of pipefs (anonymous).
static PIPEFS_DEV: sync::Lazy<u64> = sync::Lazy::new(alloc_dev);

struct State {
    slots: VecDeque<Vec<u8>>,
    /// The buffer of the last slot a read emptied, for the next slot a write starts: a pipe
    /// that carries one small message at a time then allocates nothing (one buffer per pipe).
    spare: Option<Vec<u8>>,
    max_slots: usize,
    readers: usize,
    writers: usize,
    /// How many read and write opens there have been (FIFO opens wait for one from the other
    /// side, even if it has closed again since).
    reader_opens: u64,
    writer_opens: u64,
}

impl State {
    fn full(&self) -> bool {
        self.slots.len() >= self.max_slots
    }
    fn len(&self) -> usize {
        self.slots.iter().map(Vec::len).sum()
    }
}

pub struct Pipe {
    ino: u64,
    time: (i64, u32),
    state: Mutex<State>,
    queue: WaitQueue,
}

impl Pipe {
    /// A pipe with no ends open yet (open its files to make readers and writers).
    pub fn new() -> Arc<Pipe> {
        Arc::new(Pipe {
            ino: next_ino(),
            time: now(),
            state: Mutex::new(State {
                slots: VecDeque::new(),
                spare: None,
                max_slots: DEFAULT_SLOTS,
                readers: 0,
                writers: 0,
                reader_opens: 0,
                writer_opens: 0,
            }),
            queue: WaitQueue::new(),
        })
    }

    /// Bytes waiting to be read (FIONREAD).
    pub fn available(&self) -> usize {
        self.state.lock().len()
    }

    /// Capacity in bytes (F_GETPIPE_SZ).
    pub fn capacity(&self) -> usize {
        self.state.lock().max_slots * PAGE
    }

    /// F_SETPIPE_SZ: round up to a power-of-two number of pages (EINVAL past 2 GiB); growing
    /// past pipe-max-size needs `privileged` (CAP_SYS_RESOURCE), else EPERM; EBUSY if the data
    /// held would not fit. Returns the new capacity.
    pub fn set_capacity(&self, bytes: usize, privileged: bool) -> SysResult<usize> {
        let size = round_size(bytes).ok_or(Errno::EINVAL)?;
        let slots = size / PAGE;
        let mut s = self.state.lock();
        let limit = PIPE_MAX_SIZE.load(core::sync::atomic::Ordering::Relaxed);
        if slots > s.max_slots && size > limit && !privileged {
            return Err(Errno::EPERM);
        }
        if s.slots.len() > slots {
            return Err(Errno::EBUSY);
        }
        s.max_slots = slots;
        drop(s);
        self.queue.wake_all();
        Ok(slots * PAGE)
    }

    /// Copy up to `buf.len()` of the bytes waiting, from the oldest, without taking them
    /// (tee, and splice before it knows how much its target takes). Like a read: EAGAIN when
    /// empty with writers, 0 when empty without.
    pub fn peek(&self, buf: &mut [u8]) -> SysResult<usize> {
        let s = self.state.lock();
        if s.slots.is_empty() {
            return if s.writers == 0 { Ok(0) } else { Err(Errno::EAGAIN) };
        }
        let mut done = 0;
        for slot in s.slots.iter() {
            let n = slot.len().min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&slot[..n]);
            done += n;
            if done == buf.len() {
                break;
            }
        }
        Ok(done)
    }

    /// Drop the first `n` bytes waiting (after [`Pipe::peek`] and a transfer of `n`).
    pub fn consume(&self, n: usize) {
        let mut scratch = [0u8; 256];
        let mut left = n;
        while left > 0 {
            let k = left.min(scratch.len());
            match self.read_at(0, &mut scratch[..k]) {
                Ok(got) if got > 0 => left -= got,
                _ => break,
            }
        }
    }

    /// Bytes a write could add now: the free slots' pages (0 when full).
    pub fn room(&self) -> usize {
        let s = self.state.lock();
        (s.max_slots.saturating_sub(s.slots.len())) * PAGE
    }

    pub fn readers(&self) -> usize {
        self.state.lock().readers
    }

    pub fn writers(&self) -> usize {
        self.state.lock().writers
    }

    /// (read opens, write opens) so far.
    pub fn opens(&self) -> (u64, u64) {
        let s = self.state.lock();
        (s.reader_opens, s.writer_opens)
    }
}

impl Inode for Pipe {
    fn kind(&self) -> FileKind {
        FileKind::Fifo
    }
    fn stat(&self) -> Stat {
        let (sec, nsec) = self.time;
        Stat {
            st_dev: *PIPEFS_DEV,
            st_ino: self.ino,
            st_mode: FileKind::Fifo.mode_bits() | 0o600,
            st_nlink: 1,
            st_blksize: PAGE as i32,
            st_atime: sec,
            st_atime_nsec: nsec as u64,
            st_mtime: sec,
            st_mtime_nsec: nsec as u64,
            st_ctime: sec,
            st_ctime_nsec: nsec as u64,
            ..Stat::default()
        }
    }
    fn id(&self) -> (u64, u64) {
        (*PIPEFS_DEV, self.ino)
    }
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut s = self.state.lock();
        if s.slots.is_empty() {
            return if s.writers == 0 { Ok(0) } else { Err(Errno::EAGAIN) };
        }
        let mut done = 0;
        while done < buf.len() {
            let Some(front) = s.slots.front_mut() else { break };
            let n = front.len().min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&front[..n]);
            front.drain(..n);
            if front.is_empty() {
                let emptied = s.slots.pop_front();
                s.spare = s.spare.take().or(emptied);
            }
            done += n;
        }
        drop(s);
        self.queue.wake_all();
        Ok(done)
    }
    fn write_at(&self, _offset: u64, buf: &[u8]) -> SysResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut s = self.state.lock();
        if s.readers == 0 {
            return Err(Errno::EPIPE);
        }
        let mut done = 0;
        // The sub-page remainder goes into the last slot first, if the pipe holds data and it fits.
        let rem = buf.len() % PAGE;
        if rem != 0 {
            if let Some(last) = s.slots.back_mut() {
                if last.len() + rem <= PAGE {
                    last.extend_from_slice(&buf[..rem]);
                    done = rem;
                }
            }
        }
        while done < buf.len() && !s.full() {
            let n = (buf.len() - done).min(PAGE);
            let mut slot = s.spare.take().unwrap_or_default();
            slot.extend_from_slice(&buf[done..done + n]);
            s.slots.push_back(slot);
            done += n;
        }
        drop(s);
        if done == 0 {
            return Err(Errno::EAGAIN);
        }
        self.queue.wake_all();
        Ok(done)
    }
    fn seekable(&self) -> bool {
        false
    }
    fn poll(&self) -> PollEvents {
        self.poll_access(Access::ReadWrite)
    }
    fn poll_access(&self, access: Access) -> PollEvents {
        let s = self.state.lock();
        let mut ev = PollEvents::empty();
        if access.readable() {
            if !s.slots.is_empty() {
                ev |= PollEvents::IN | PollEvents::RDNORM;
            }
            if s.writers == 0 {
                ev |= PollEvents::HUP;
            }
        }
        if access.writable() {
            if !s.full() {
                ev |= PollEvents::OUT | PollEvents::WRNORM;
            }
            if s.readers == 0 {
                ev |= PollEvents::ERR;
            }
        }
        ev
    }
    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.queue)
    }
    fn opened(&self, access: Access) {
        let mut s = self.state.lock();
        if access.readable() {
            s.readers += 1;
            s.reader_opens += 1;
        }
        if access.writable() {
            s.writers += 1;
            s.writer_opens += 1;
        }
        drop(s);
        self.queue.wake_all();
    }
    fn released(&self, access: Access) {
        let mut s = self.state.lock();
        if access.readable() {
            s.readers -= 1;
        }
        if access.writable() {
            s.writers -= 1;
        }
        drop(s);
        // The other side sees EOF, EPIPE, POLLHUP or POLLERR now.
        self.queue.wake_all();
    }
    fn fsync(&self) -> SysResult<()> {
        Err(Errno::EINVAL)
    }
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::File;
    use abi::flags::OpenFlags;
    use alloc::string::String;

    fn ends() -> (Arc<Pipe>, File, File) {
        let p = Pipe::new();
        let r = File::new(p.clone(), OpenFlags::empty(), String::from("pipe:"));
        let w = File::new(p.clone(), OpenFlags::WRONLY, String::from("pipe:"));
        (p, r, w)
    }

    #[test]
    fn one_message_at_a_time_reuses_one_buffer() {
        let (p, r, w) = ends();
        let mut buf = [0u8; 8];
        assert_eq!(w.write(b"ping"), Ok(4));
        let first = p.state.lock().slots[0].as_ptr();
        assert_eq!(r.read(&mut buf), Ok(4));
        assert!(p.state.lock().slots.is_empty());
        assert_eq!(w.write(b"pong"), Ok(4));
        assert_eq!(p.state.lock().slots[0].as_ptr(), first, "the emptied slot's buffer again");
        assert_eq!(w.write(&[7; PAGE]), Ok(PAGE), "a second slot: a new buffer");
        assert_eq!(r.read(&mut buf[..4]), Ok(4));
        assert_eq!(&buf[..4], b"pong");
        assert_eq!(r.read(&mut buf), Ok(8));
        assert_eq!(buf, [7; 8]);
    }

    #[test]
    fn data_flows_and_eof_follows_the_last_writer() {
        let (p, r, w) = ends();
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf), Err(Errno::EAGAIN));
        assert_eq!(w.write(b"abc"), Ok(3));
        assert_eq!(w.write(b"de"), Ok(2));
        assert_eq!(r.read(&mut buf), Ok(5));
        assert_eq!(&buf[..5], b"abcde");
        drop(w);
        assert_eq!(p.writers(), 0);
        assert_eq!(r.read(&mut buf), Ok(0));
        assert!(p.poll_access(Access::Read).contains(PollEvents::HUP));
    }

    #[test]
    fn writing_without_readers_is_epipe() {
        let (p, r, w) = ends();
        drop(r);
        assert_eq!(w.write(b"x"), Err(Errno::EPIPE));
        assert!(p.poll_access(Access::Write).contains(PollEvents::ERR));
    }

    #[test]
    fn capacity_is_sixteen_pages_and_small_writes_merge() {
        let (_p, _r, w) = ends();
        let mut total = 0;
        loop {
            match w.write(&[7u8; 100]) {
                Ok(n) => {
                    assert_eq!(n, 100, "a write of less than a page is never split");
                    total += n;
                }
                Err(e) => {
                    assert_eq!(e, Errno::EAGAIN);
                    break;
                }
            }
        }
        // 40 writes of 100 bytes fill each page to 4000 bytes, like Linux.
        assert_eq!(total, 16 * 4000);
        let (_p, _r, w) = ends();
        assert_eq!(w.write(&[1u8; 70_000]), Ok(65_536), "big writes fill whatever is free");
    }

    #[test]
    fn a_page_sized_write_waits_for_a_free_slot() {
        let (_p, r, w) = ends();
        assert_eq!(w.write(&[1u8; 65_535]), Ok(65_535));
        assert_eq!(w.write(&[2u8; 2]), Err(Errno::EAGAIN), "no whole slot, and no room in the last");
        assert_eq!(w.write(&[2u8; 1]), Ok(1));
        let mut buf = [0u8; 4096];
        assert_eq!(r.read(&mut buf), Ok(4096));
        assert_eq!(w.write(&[3u8; 4096]), Ok(4096));
    }
}
