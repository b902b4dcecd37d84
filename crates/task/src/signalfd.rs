//! signalfd: pending signals read as a file, instead of delivered to a handler.
//!
//! A read takes pending signals of the mask (the program blocks them, or they would be
//! delivered first) and returns one `signalfd_siginfo` per signal, as many as the buffer holds;
//! poll reports IN while one is pending. The file belongs to the process that made it: a read
//! takes from its threads' own queues (the first thread's first) and then from the process's
//! shared queue. Linux reads the *reading* thread's signals; the two agree for a process with
//! one thread, and for signals sent to the process (kill), the way signalfd is used. Readers wait
//! on the process's `signal_arrivals` queue, woken by every signal sent to it or its threads.
use crate::process::Process;
use crate::signal;
use abi::events::SignalfdSiginfo;
use abi::flags::PollEvents;
use abi::signal::{SigInfo, SIGKILL, SIGSTOP};
use abi::structs::Stat;
use abi::{Errno, SysResult};
use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicU64, Ordering};
use fs::inode::{FileKind, Inode};
use fs::meta::{anon_stat, next_ino};
use sync::WaitQueue;

const INFO_SIZE: usize = core::mem::size_of::<SignalfdSiginfo>();

pub struct SignalFd {
    /// The signals it reads (SIGKILL and SIGSTOP never: they cannot be blocked or read).
    mask: AtomicU64,
    process: Weak<Process>,
    arrivals: Arc<WaitQueue>,
    ino: u64,
}

/// The signalfd behind `file`, if it is one.
pub fn as_signalfd(file: &fs::File) -> Option<&SignalFd> {
    file.inode().as_any()?.downcast_ref::<SignalFd>()
}

fn readable(mask: u64) -> u64 {
    mask & !(abi::signal::sigbit(SIGKILL) | abi::signal::sigbit(SIGSTOP))
}

impl SignalFd {
    pub fn new(process: &Arc<Process>, mask: u64) -> Arc<SignalFd> {
        Arc::new(SignalFd {
            mask: AtomicU64::new(readable(mask)),
            process: Arc::downgrade(process),
            arrivals: process.signal_arrivals.clone(),
            ino: next_ino(),
        })
    }

    /// signalfd4 on an existing signalfd: a new mask.
    pub fn set_mask(&self, mask: u64) {
        self.mask.store(readable(mask), Ordering::Relaxed);
        self.arrivals.wake_all();
    }

    pub fn mask(&self) -> u64 {
        self.mask.load(Ordering::Relaxed)
    }

    /// Take one pending signal of the mask.
    fn take(&self) -> Option<SigInfo> {
        let p = self.process.upgrade()?;
        let mask = self.mask();
        for t in p.threads_alive() {
            if let Some(info) = signal::dequeue(&t, mask) {
                return Some(info);
            }
        }
        None
    }

    fn any_pending(&self) -> bool {
        let Some(p) = self.process.upgrade() else { return false };
        let mask = self.mask();
        p.threads_alive().iter().any(|t| signal::pending(t) & mask != 0)
    }
}

/// A queued signal as signalfd reports it.
pub fn report(info: &SigInfo) -> SignalfdSiginfo {
    let f = &info.fields;
    let mut out =
        SignalfdSiginfo { signo: info.signo as u32, errno: info.errno, code: info.code, ..SignalfdSiginfo::default() };
    match info.signo as usize {
        abi::signal::SIGCHLD => {
            out.pid = info.pid() as u32;
            out.uid = info.uid();
            out.status = f[1] as u32 as i32;
            out.utime = f[2];
            out.stime = f[3];
        }
        abi::signal::SIGSEGV
        | abi::signal::SIGBUS
        | abi::signal::SIGILL
        | abi::signal::SIGFPE
        | abi::signal::SIGTRAP
            if info.code > 0 =>
        {
            out.addr = f[0];
        }
        _ => {
            // kill/tkill/sigqueue: pid and uid; sigqueue's value (and timers' int) after them.
            out.pid = info.pid() as u32;
            out.uid = info.uid();
            out.int = f[1] as u32 as i32;
            out.ptr = f[1];
        }
    }
    out
}

impl Inode for SignalFd {
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
    /// As many pending signals as `buf` holds whole `signalfd_siginfo`s for; EAGAIN if none.
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        if buf.len() < INFO_SIZE {
            return Err(Errno::EINVAL);
        }
        let mut done = 0;
        while done + INFO_SIZE <= buf.len() {
            let Some(info) = self.take() else { break };
            buf[done..done + INFO_SIZE].copy_from_slice(bytemuck::bytes_of(&report(&info)));
            done += INFO_SIZE;
        }
        if done == 0 {
            return Err(Errno::EAGAIN);
        }
        Ok(done)
    }
    fn poll(&self) -> PollEvents {
        if self.any_pending() {
            PollEvents::IN | PollEvents::RDNORM
        } else {
            PollEvents::empty()
        }
    }
    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.arrivals)
    }
    fn fsync(&self) -> SysResult<()> {
        Err(Errno::EINVAL)
    }
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }
}
