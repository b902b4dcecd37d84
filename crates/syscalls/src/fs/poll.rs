//! ppoll: wait until one of several files is ready.
//!
//! Readiness comes from `Inode::poll`. While nothing is ready the task registers its waker on the
//! wait queue of every polled file and, with a timeout, on the timer queue: it runs again only
//! when one of them changes, and then looks again.
use crate::Caller;
use abi::flags::PollEvents;
use abi::structs::{PollFd, Timespec};
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::Poll;
use fs::File;
use mm::{UserPtr, UserSlice, UserSliceMut};

/// Conditions reported even when not asked for.
const ALWAYS: PollEvents = PollEvents::ERR.union(PollEvents::HUP).union(PollEvents::NVAL);

/// Fill in `revents` for every entry; returns how many have some.
fn scan(fds: &mut [PollFd], files: &[Option<Arc<File>>]) -> usize {
    let mut ready = 0;
    for (pfd, file) in fds.iter_mut().zip(files) {
        pfd.revents = match (pfd.fd, file) {
            (fd, _) if fd < 0 => 0,
            (_, None) => PollEvents::NVAL.bits(),
            (_, Some(f)) => {
                let wanted = PollEvents::from_bits_retain(pfd.events) | ALWAYS;
                (f.inode().poll() & wanted).bits()
            }
        };
        ready += (pfd.revents != 0) as usize;
    }
    ready
}

/// ppoll(2). The signal mask argument is validated; it matters once signals are delivered.
pub async fn sys_ppoll(
    cx: &Caller,
    fds: UserPtr<PollFd>,
    nfds: usize,
    timeout: UserPtr<Timespec>,
    sigmask: usize,
    sigsetsize: usize,
) -> SysResult<usize> {
    if nfds > cx.process().files().limit() {
        return Err(Errno::EINVAL);
    }
    let deadline = match timeout.nonnull() {
        Some(t) => {
            let d = t.read(&mut cx.mm())?.to_nanos().ok_or(Errno::EINVAL)?;
            Some(hal::time::now_ns().saturating_add(d))
        }
        None => None,
    };
    if sigmask != 0 && sigsetsize != 8 {
        return Err(Errno::EINVAL);
    }
    let mut entries = UserSlice::<PollFd>::new(fds.addr(), nfds).read(&mut cx.mm())?;
    let files: Vec<Option<Arc<File>>> = {
        let table = cx.process().files();
        entries.iter().map(|p| table.get(p.fd).ok()).collect()
    };
    let mut sleep = pin!(deadline.map(task::executor::sleep_until));
    let ready = poll_fn(|waker_cx| {
        let n = scan(&mut entries, &files);
        if n > 0 {
            return Poll::Ready(n);
        }
        if let Some(s) = sleep.as_mut().as_pin_mut() {
            if s.poll(waker_cx).is_ready() {
                return Poll::Ready(0);
            }
        }
        for q in files.iter().flatten().filter_map(|f| f.inode().wait_queue()) {
            q.register(waker_cx.waker());
        }
        Poll::Pending
    })
    .await;
    UserSliceMut::<PollFd>::new(fds.addr(), nfds).write(&mut cx.mm(), &entries)?;
    Ok(ready)
}
