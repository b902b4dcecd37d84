use abi::SysResult;
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

    /// The open file behind `fd`, or EBADF.
    pub fn file(&self, fd: i32) -> SysResult<Arc<File>> {
        self.thread.process.files().get(fd)
    }
}
