//! pidfd: a file that names a process, free of pid reuse.
//!
//! It holds the process itself (its zombie, once it has ended), so a signal sent through it can
//! never reach a later process that got the same pid. poll reports IN once the process has
//! ended; waiters sleep on the process's `exit_queue`, which its end wakes.
use crate::process::Process;
use abi::flags::PollEvents;
use abi::structs::Stat;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use fs::inode::{FileKind, Inode};
use fs::meta::{anon_stat, next_ino};
use sync::WaitQueue;

pub struct PidFd {
    process: Arc<Process>,
    ino: u64,
}

impl PidFd {
    pub fn new(process: Arc<Process>) -> Arc<PidFd> {
        Arc::new(PidFd { process, ino: next_ino() })
    }

    pub fn process(&self) -> &Arc<Process> {
        &self.process
    }
}

/// The pidfd behind `file`, if it is one.
pub fn as_pidfd(file: &fs::File) -> Option<&PidFd> {
    file.inode().as_any()?.downcast_ref::<PidFd>()
}

impl Inode for PidFd {
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
    /// A pidfd has nothing to read (Linux: EINVAL).
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> SysResult<usize> {
        Err(Errno::EINVAL)
    }
    fn poll(&self) -> PollEvents {
        if self.process.is_zombie() {
            PollEvents::IN | PollEvents::RDNORM
        } else {
            PollEvents::empty()
        }
    }
    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.process.exit_queue)
    }
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }
}
