//! Open file descriptions.
use crate::inode::{FileKind, InodeRef};
use abi::events::{IN_ACCESS, IN_CLOSE_NOWRITE, IN_CLOSE_WRITE, IN_MODIFY};
use abi::flags::{Access, OpenFlags, SEEK_CUR, SEEK_END, SEEK_SET};
use abi::{Errno, SysResult};
use alloc::string::String;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use sync::Mutex;

/// What `open` returns: an inode, an access mode, status flags and (for seekable files) an
/// offset. Shared between descriptors made by dup and fork, as in Linux.
pub struct File {
    inode: InodeRef,
    access: Access,
    /// Status flags (OpenFlags bits): read on every I/O call, so kept without a lock.
    flags: AtomicU32,
    offset: Mutex<u64>,
    /// Opened with O_PATH: names a node for *at() calls and fstat, but cannot be read, written,
    /// seeked or ioctl'd (Linux answers EBADF, as if the descriptor were not open).
    path_only: bool,
    /// The node is a terminal: reads and writes are subject to job control (known at open,
    /// so that other files' I/O does not ask the node).
    tty: bool,
    /// The path it was opened by (for /proc and diagnostics).
    pub path: String,
    /// The directory it was opened in, when known: inotify tells that directory's watches of
    /// the file's use, by the last component of `path`.
    parent: Option<(u64, u64)>,
    /// Its owner id for flock and OFD locks (`crate::lock`), 0 until it first locks: a file
    /// that never did has nothing to release when it goes.
    lock_owner: AtomicU64,
}

/// lseek(2) whence values beyond SEEK_END: the next data or hole at or after the offset.
pub const SEEK_DATA: u32 = 3;
pub const SEEK_HOLE: u32 = 4;

impl File {
    /// Open `inode` (the node learns of it through `Inode::opened`, unless O_PATH).
    pub fn new(inode: InodeRef, flags: OpenFlags, path: String) -> File {
        let path_only = flags.contains(OpenFlags::PATH);
        if !path_only {
            inode.opened(flags.access());
            if flags.access().writable() {
                crate::textbusy::writer_opened(&inode);
            }
        }
        File {
            tty: inode.tty().is_some(),
            inode,
            access: flags.access(),
            flags: AtomicU32::new(flags.bits()),
            offset: Mutex::new(0),
            path_only,
            path,
            parent: None,
            lock_owner: AtomicU64::new(0),
        }
    }

    /// The same, opened in the directory `parent` (see the field).
    pub fn in_dir(mut self, parent: Option<(u64, u64)>) -> File {
        self.parent = parent;
        self
    }

    /// The directory it was opened in and its name there, if known.
    pub fn parent_entry(&self) -> Option<((u64, u64), &str)> {
        Some((self.parent?, crate::notify::last_name(&self.path)))
    }

    /// Tell inotify that `event` (IN_ACCESS, IN_MODIFY, IN_OPEN, ...) happened to the file.
    #[inline]
    pub fn notify(&self, event: u32) {
        if crate::notify::active() {
            crate::notify::node_event(&*self.inode, event, self.parent_entry());
        }
    }

    /// `r`, having told inotify of `event` when it moved bytes.
    #[inline]
    fn moved_bytes(&self, r: SysResult<usize>, event: u32) -> SysResult<usize> {
        if matches!(r, Ok(n) if n > 0) {
            self.notify(event);
        }
        r
    }

    /// Whether it is a terminal (the node has a `tty()`).
    pub fn is_tty(&self) -> bool {
        self.tty
    }

    /// The access mode it was opened with.
    pub fn access(&self) -> Access {
        self.access
    }

    /// The poll(2) conditions of this file (a pipe's ends differ).
    pub fn poll(&self) -> abi::flags::PollEvents {
        self.inode.poll_access(self.access)
    }

    /// Run `f` with the offset locked (getdents reads and moves it as one step).
    pub fn with_offset<T>(&self, f: impl FnOnce(&mut u64) -> T) -> T {
        f(&mut self.offset.lock())
    }

    /// Opened with O_PATH.
    pub fn is_path_only(&self) -> bool {
        self.path_only
    }

    pub fn inode(&self) -> &InodeRef {
        &self.inode
    }

    pub fn flags(&self) -> OpenFlags {
        OpenFlags::from_bits_retain(self.flags.load(Ordering::Relaxed))
    }

    pub fn set_flags(&self, f: OpenFlags) {
        self.flags.store(f.bits(), Ordering::Relaxed);
    }

    pub fn nonblocking(&self) -> bool {
        self.flags().contains(OpenFlags::NONBLOCK)
    }

    pub fn readable(&self) -> bool {
        self.access.readable() && !self.path_only
    }

    pub fn writable(&self) -> bool {
        self.access.writable() && !self.path_only
    }

    /// read(2) at the current offset; advances it. EAGAIN when it would block.
    pub fn read(&self, buf: &mut [u8]) -> SysResult<usize> {
        self.read_with(buf, |data| data.len())
    }

    /// read(2) into a destination that may take only part of what was read (a user buffer that
    /// faults part way): `deliver` gets the bytes read and returns how many it kept, and the
    /// offset moves by that many only, so a regular file's bytes that did not arrive are read
    /// again next time (Linux leaves f_pos unchanged by an EFAULT read). Returns what `deliver`
    /// kept. From devices and pipes the undelivered bytes are lost.
    pub fn read_with(&self, buf: &mut [u8], deliver: impl FnOnce(&[u8]) -> usize) -> SysResult<usize> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        if self.inode.kind() == FileKind::Directory {
            return Err(Errno::EISDIR);
        }
        if !self.inode.seekable() {
            let n = self.inode.read_at(0, buf)?;
            return self.moved_bytes(Ok(deliver(&buf[..n])), IN_ACCESS);
        }
        // The offset stays locked while the data is delivered, so concurrent readers of a
        // shared description never see the same bytes.
        let mut off = self.offset.lock();
        let n = self.inode.read_at(*off, buf)?;
        let kept = deliver(&buf[..n]).min(n);
        *off += kept as u64;
        drop(off);
        self.moved_bytes(Ok(kept), IN_ACCESS)
    }

    /// write(2) at the current offset (or the end, with O_APPEND); advances it.
    pub fn write(&self, buf: &[u8]) -> SysResult<usize> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        if !self.inode.seekable() {
            return self.moved_bytes(self.inode.write_at(0, buf), IN_MODIFY);
        }
        let mut off = self.offset.lock();
        if self.flags().contains(OpenFlags::APPEND) {
            *off = self.inode.stat().st_size as u64;
        }
        let n = self.inode.write_at(*off, buf)?;
        *off += n as u64;
        drop(off);
        self.moved_bytes(Ok(n), IN_MODIFY)
    }

    /// pread64: read at `offset` without moving the file offset.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        if !self.inode.seekable() {
            return Err(Errno::ESPIPE);
        }
        self.moved_bytes(self.inode.read_at(offset, buf), IN_ACCESS)
    }

    /// pwrite64: write at `offset` without moving the file offset. With O_APPEND the data goes
    /// to the end whatever `offset` says (a Linux quirk its man page documents as a bug).
    pub fn write_at(&self, offset: u64, buf: &[u8]) -> SysResult<usize> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        if !self.inode.seekable() {
            return Err(Errno::ESPIPE);
        }
        let offset = if self.flags().contains(OpenFlags::APPEND) { self.inode.stat().st_size as u64 } else { offset };
        self.moved_bytes(self.inode.write_at(offset, buf), IN_MODIFY)
    }

    /// lseek(2). A result that is negative or does not fit in an `i64` is EINVAL. Files have no
    /// holes here, so SEEK_DATA stays put and SEEK_HOLE goes to the end; both are ENXIO at or
    /// past the end.
    pub fn seek(&self, offset: i64, whence: u32) -> SysResult<u64> {
        if !self.inode.seekable() {
            return Err(Errno::ESPIPE);
        }
        let mut off = self.offset.lock();
        if self.inode.kind() == FileKind::Directory {
            // A directory's offset counts entries (getdents); like tmpfs, only SEEK_SET and
            // SEEK_CUR make sense.
            let new = match whence {
                SEEK_SET => Some(offset),
                SEEK_CUR => (*off as i64).checked_add(offset),
                _ => return Err(Errno::EINVAL),
            };
            *off = new.filter(|&n| n >= 0).ok_or(Errno::EINVAL)? as u64;
            return Ok(*off);
        }
        // A block device's end is its size (its node's st_size is 0, as on Linux).
        let size = match self.inode.block_info() {
            Some(b) => b.size.min(i64::MAX as u64) as i64,
            None => self.inode.stat().st_size,
        };
        let new = match whence {
            SEEK_SET => Some(offset),
            SEEK_CUR => (*off as i64).checked_add(offset),
            SEEK_END => size.checked_add(offset),
            SEEK_DATA | SEEK_HOLE if offset < 0 || offset >= size => return Err(Errno::ENXIO),
            SEEK_DATA => Some(offset),
            SEEK_HOLE => Some(size),
            _ => return Err(Errno::EINVAL),
        };
        let new = new.filter(|&n| n >= 0).ok_or(Errno::EINVAL)?;
        *off = new as u64;
        Ok(*off)
    }

    pub fn offset(&self) -> u64 {
        *self.offset.lock()
    }

    /// The owner of this description's flock and OFD locks (made on first use).
    pub fn lock_owner(&self) -> crate::lock::Owner {
        match self.lock_owner.load(Ordering::Relaxed) {
            0 => {
                let new = crate::lock::new_owner();
                match self.lock_owner.compare_exchange(0, new, Ordering::Relaxed, Ordering::Relaxed) {
                    Ok(_) => new,
                    Err(other) => other,
                }
            }
            owner => owner,
        }
    }
}

impl Drop for File {
    fn drop(&mut self) {
        let owner = *self.lock_owner.get_mut();
        if owner != 0 {
            crate::lock::release_file(owner, &*self.inode);
        }
        if !self.path_only {
            self.notify(if self.access.writable() { IN_CLOSE_WRITE } else { IN_CLOSE_NOWRITE });
            self.inode.released(self.access);
            if self.access.writable() {
                crate::textbusy::writer_closed(&self.inode);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ramfs::RamFile;
    use alloc::vec::Vec;

    fn open(data: &[u8], flags: OpenFlags) -> File {
        File::new(RamFile::new(0o644, Vec::from(data)), flags, String::from("/f"))
    }

    #[test]
    fn read_with_moves_the_offset_only_by_what_was_delivered() {
        let f = open(b"abcdef", OpenFlags::RDWR);
        let mut buf = [0u8; 4];
        assert_eq!(f.read_with(&mut buf, |d| d.len() - 1), Ok(3));
        assert_eq!(f.offset(), 3);
        assert_eq!(f.read_with(&mut buf, |_| 0), Ok(0));
        assert_eq!(f.offset(), 3, "a delivery that failed consumes nothing");
        assert_eq!(f.read(&mut buf), Ok(3));
        assert_eq!(&buf[..3], b"def");
    }

    #[test]
    fn o_path_files_neither_read_nor_write() {
        let f = open(b"x", OpenFlags::RDWR | OpenFlags::PATH);
        assert!(f.is_path_only());
        assert_eq!(f.read(&mut [0u8; 1]), Err(Errno::EBADF));
        assert_eq!(f.write(b"y"), Err(Errno::EBADF));
    }

    #[test]
    fn positioned_writes_append_when_the_file_is_o_append() {
        let f = open(b"abc", OpenFlags::WRONLY | OpenFlags::APPEND);
        assert_eq!(f.write_at(0, b"de"), Ok(2));
        let mut buf = [0u8; 8];
        assert_eq!(f.inode().read_at(0, &mut buf), Ok(5));
        assert_eq!(&buf[..5], b"abcde");
        assert_eq!(f.offset(), 0);
    }

    #[test]
    fn seek_rejects_negative_and_overflowing_results() {
        let f = open(b"hello", OpenFlags::empty());
        assert_eq!(f.seek(-1, SEEK_END), Ok(4));
        assert_eq!(f.seek(2, SEEK_CUR), Ok(6));
        assert_eq!(f.seek(-7, SEEK_CUR), Err(Errno::EINVAL));
        assert_eq!(f.seek(i64::MAX, SEEK_END), Err(Errno::EINVAL));
        assert_eq!(f.offset(), 6, "a failed seek leaves the offset");
        assert_eq!(f.seek(0, 7), Err(Errno::EINVAL));
    }

    #[test]
    fn seek_data_and_hole_see_one_extent_of_data() {
        let f = open(b"hello", OpenFlags::empty());
        assert_eq!(f.seek(1, SEEK_DATA), Ok(1));
        assert_eq!(f.seek(1, SEEK_HOLE), Ok(5));
        assert_eq!(f.seek(5, SEEK_DATA), Err(Errno::ENXIO));
        assert_eq!(f.seek(-1, SEEK_HOLE), Err(Errno::ENXIO));
    }
}
