//! Open file descriptions.
use crate::inode::{FileKind, InodeRef};
use abi::flags::{Access, OpenFlags, SEEK_CUR, SEEK_END, SEEK_SET};
use abi::{Errno, SysResult};
use alloc::string::String;
use sync::Mutex;

/// What `open` returns: an inode, an access mode, status flags and (for seekable files) an
/// offset. Shared between descriptors made by dup and fork, as in Linux.
pub struct File {
    inode: InodeRef,
    access: Access,
    flags: Mutex<OpenFlags>,
    offset: Mutex<u64>,
    /// The path it was opened by (for /proc and diagnostics).
    pub path: String,
}

impl File {
    pub fn new(inode: InodeRef, flags: OpenFlags, path: String) -> File {
        File { inode, access: flags.access(), flags: Mutex::new(flags), offset: Mutex::new(0), path }
    }

    pub fn inode(&self) -> &InodeRef {
        &self.inode
    }

    pub fn flags(&self) -> OpenFlags {
        *self.flags.lock()
    }

    pub fn set_flags(&self, f: OpenFlags) {
        *self.flags.lock() = f;
    }

    pub fn nonblocking(&self) -> bool {
        self.flags().contains(OpenFlags::NONBLOCK)
    }

    pub fn readable(&self) -> bool {
        self.access.readable()
    }

    pub fn writable(&self) -> bool {
        self.access.writable()
    }

    /// read(2) at the current offset; advances it. EAGAIN when it would block.
    pub fn read(&self, buf: &mut [u8]) -> SysResult<usize> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        if self.inode.kind() == FileKind::Directory {
            return Err(Errno::EISDIR);
        }
        if !self.inode.seekable() {
            return self.inode.read_at(0, buf);
        }
        let mut off = self.offset.lock();
        let n = self.inode.read_at(*off, buf)?;
        *off += n as u64;
        Ok(n)
    }

    /// write(2) at the current offset (or the end, with O_APPEND); advances it.
    pub fn write(&self, buf: &[u8]) -> SysResult<usize> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        if !self.inode.seekable() {
            return self.inode.write_at(0, buf);
        }
        let mut off = self.offset.lock();
        if self.flags().contains(OpenFlags::APPEND) {
            *off = self.inode.stat().st_size as u64;
        }
        let n = self.inode.write_at(*off, buf)?;
        *off += n as u64;
        Ok(n)
    }

    /// pread64: read at `offset` without moving the file offset.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        if !self.inode.seekable() {
            return Err(Errno::ESPIPE);
        }
        self.inode.read_at(offset, buf)
    }

    /// pwrite64: write at `offset` without moving the file offset.
    pub fn write_at(&self, offset: u64, buf: &[u8]) -> SysResult<usize> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        if !self.inode.seekable() {
            return Err(Errno::ESPIPE);
        }
        self.inode.write_at(offset, buf)
    }

    /// lseek(2).
    pub fn seek(&self, offset: i64, whence: u32) -> SysResult<u64> {
        if !self.inode.seekable() {
            return Err(Errno::ESPIPE);
        }
        let mut off = self.offset.lock();
        let base = match whence {
            SEEK_SET => 0,
            SEEK_CUR => *off as i64,
            SEEK_END => self.inode.stat().st_size,
            _ => return Err(Errno::EINVAL),
        };
        let new = base.checked_add(offset).ok_or(Errno::EOVERFLOW)?;
        if new < 0 {
            return Err(Errno::EINVAL);
        }
        *off = new as u64;
        Ok(*off)
    }

    pub fn offset(&self) -> u64 {
        *self.offset.lock()
    }
}
