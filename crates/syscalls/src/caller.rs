use abi::{Errno, SysResult};
use alloc::sync::Arc;
use fs::File;
use mm::AddressSpace;
use task::shared::SharedGuard;
use task::{Process, Thread};

/// Who is making the syscall: the calling thread, and through it its process.
pub struct Caller {
    thread: Arc<Thread>,
}

impl Caller {
    pub fn new(thread: Arc<Thread>) -> Caller {
        Caller { thread }
    }

    pub fn thread(&self) -> &Arc<Thread> {
        &self.thread
    }

    pub fn process(&self) -> &Arc<Process> {
        &self.thread.process
    }

    /// The caller's address space (every user pointer is resolved through it).
    /// Never hold the guard across an `.await`.
    pub fn mm(&self) -> SharedGuard<'_, AddressSpace> {
        self.thread.process.mm.lock()
    }

    /// The caller's credentials.
    pub fn cred(&self) -> Arc<task::Cred> {
        self.thread.cred()
    }

    /// An extensible struct (`struct clone_args`, `sched_attr`, `open_how`) that user space
    /// gave as `size` bytes at `addr`: Linux's copy_struct_from_user. Fields a shorter (older)
    /// struct lacks stay zero; bytes of a longer (newer) one past the fields known here must be
    /// zero, or E2BIG. The caller bounds `size` first (each call has its own errno for that).
    pub fn read_extensible<T: bytemuck::Pod>(&self, addr: usize, size: usize) -> SysResult<T> {
        let mut v = T::zeroed();
        let known = core::mem::size_of::<T>();
        let mut mm = self.mm();
        mm.read_bytes(addr, &mut bytemuck::bytes_of_mut(&mut v)[..size.min(known)])?;
        let mut at = known;
        while at < size {
            let mut chunk = [0u8; 64];
            let n = (size - at).min(chunk.len());
            mm.read_bytes(addr.wrapping_add(at), &mut chunk[..n])?;
            if chunk[..n].iter().any(|&b| b != 0) {
                return Err(abi::Errno::E2BIG);
            }
            at += n;
        }
        Ok(v)
    }

    /// The open file behind `fd`, or EBADF.
    pub fn file(&self, fd: i32) -> SysResult<Arc<File>> {
        self.thread.process.files().get(fd)
    }

    /// The file behind `fd` for a call that uses the file itself (I/O, ioctl, sockets): one
    /// opened with O_PATH only names a node, and is EBADF here as if it were not open.
    pub fn io_file(&self, fd: i32) -> SysResult<Arc<File>> {
        Some(self.file(fd)?).filter(|f| !f.is_path_only()).ok_or(Errno::EBADF)
    }
}
