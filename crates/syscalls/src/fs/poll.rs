//! ppoll and pselect6: wait until one of several files is ready.
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
                (f.poll() & wanted).bits()
            }
        };
        ready += (pfd.revents != 0) as usize;
    }
    ready
}

/// ppoll(2). With a signal mask, that mask is in force while waiting.
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
    let deadline = deadline_of(cx, timeout)?;
    if sigmask != 0 && sigsetsize != 8 {
        return Err(Errno::EINVAL);
    }
    let mask = match sigmask {
        0 => None,
        p => Some(UserPtr::<u64>::new(p).read(&mut cx.mm())?),
    };
    let mut entries = UserSlice::<PollFd>::new(fds.addr(), nfds).read(&mut cx.mm())?;
    let files: Vec<Option<Arc<File>>> = {
        let table = cx.process().files();
        entries.iter().map(|p| table.get(p.fd).ok()).collect()
    };
    let files_only: Vec<Arc<File>> = files.iter().flatten().cloned().collect();
    if let Some(m) = mask {
        task::signal::set_mask_until_delivery(cx.thread(), m);
    }
    let ready = wait_ready(cx, &files_only, deadline, || scan(&mut entries, &files)).await;
    // Interrupted, the temporary mask stays until the signal is delivered.
    let ready = ready?;
    task::signal::restore_saved_mask(cx.thread());
    UserSliceMut::<PollFd>::new(fds.addr(), nfds).write(&mut cx.mm(), &entries)?;
    Ok(ready)
}

/// The absolute deadline of a relative timeout (NULL: none). EINVAL for a bad timespec.
fn deadline_of(cx: &Caller, timeout: UserPtr<Timespec>) -> SysResult<Option<u64>> {
    match timeout.nonnull() {
        Some(t) => {
            let d = t.read(&mut cx.mm())?.to_nanos().ok_or(Errno::EINVAL)?;
            Ok(Some(hal::time::now_ns().saturating_add(d)))
        }
        None => Ok(None),
    }
}

/// Run `scan` until it reports something ready (returns its count) or `deadline` passes
/// (returns 0). Between looks the task sleeps on the wait queues of `files` and the timer.
/// A signal ends the wait with ERESTARTNOHAND (EINTR if a handler runs, else a restart), as
/// Linux's poll and select do.
async fn wait_ready(
    cx: &Caller,
    files: &[Arc<File>],
    deadline: Option<u64>,
    mut scan: impl FnMut() -> usize,
) -> SysResult<usize> {
    let mut sleep = pin!(deadline.map(task::executor::sleep_until));
    let wait = poll_fn(|waker_cx| {
        let n = scan();
        if n > 0 {
            return Poll::Ready(n);
        }
        if let Some(s) = sleep.as_mut().as_pin_mut() {
            if s.poll(waker_cx).is_ready() {
                return Poll::Ready(0);
            }
        }
        for q in files.iter().filter_map(|f| f.inode().wait_queue()) {
            q.register(waker_cx.waker());
        }
        Poll::Pending
    });
    task::signal::interruptible(cx.thread(), wait).await.map_err(|_| Errno::ERESTARTNOHAND)
}

/// select's readiness classes (Linux's POLLIN_SET, POLLOUT_SET, POLLEX_SET).
const SELECT_IN: PollEvents =
    PollEvents::IN.union(PollEvents::RDNORM).union(PollEvents::RDBAND).union(PollEvents::HUP).union(PollEvents::ERR);
const SELECT_OUT: PollEvents =
    PollEvents::OUT.union(PollEvents::WRNORM).union(PollEvents::WRBAND).union(PollEvents::ERR);
const SELECT_EX: PollEvents = PollEvents::PRI;

/// The sixth argument of pselect6: the signal mask to use while waiting, and its size.
#[derive(Clone, Copy, Default, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct SigmaskArg {
    pub ss: usize,
    pub ss_len: usize,
}

/// pselect6(2). Descriptors are bits of up to three `fd_set`s (NULL: not asked); every one of
/// them must be open (EBADF). On return the sets hold the ready descriptors and the result is
/// how many bits are set; the timeout is updated to the time left, as the raw call does on
/// Linux. `nfds` past the descriptor table is trimmed, negative is EINVAL.
pub async fn sys_pselect6(
    cx: &Caller,
    nfds: i32,
    readfds: usize,
    writefds: usize,
    exceptfds: usize,
    timeout: UserPtr<Timespec>,
    sigmask: UserPtr<SigmaskArg>,
) -> SysResult<usize> {
    if nfds < 0 {
        return Err(Errno::EINVAL);
    }
    let deadline = deadline_of(cx, timeout)?;
    let mut mask = None;
    if let Some(p) = sigmask.nonnull() {
        let m = p.read(&mut cx.mm())?;
        if m.ss != 0 {
            if m.ss_len != 8 {
                return Err(Errno::EINVAL);
            }
            mask = Some(UserPtr::<u64>::new(m.ss).read(&mut cx.mm())?);
        }
    }
    // Linux ignores bits past its table's size, which grows in steps of 64 descriptors.
    let table_end = cx.process().files().iter().last().map_or(0, |(fd, _)| fd as usize + 1);
    let n = (nfds as usize).min(table_end.next_multiple_of(64).max(64));
    // Only the words of the trimmed sets are read and written back (Linux's FDS_BYTES(n)).
    let words = n.div_ceil(64);
    let read_set = |addr: usize| -> SysResult<Option<Vec<u64>>> {
        if addr == 0 {
            return Ok(None);
        }
        Ok(Some(UserSlice::<u64>::new(addr, words).read(&mut cx.mm())?))
    };
    let sets = [read_set(readfds)?, read_set(writefds)?, read_set(exceptfds)?];
    let is_set = |set: &Option<Vec<u64>>, fd: usize| set.as_ref().is_some_and(|s| s[fd / 64] >> (fd % 64) & 1 != 0);
    // The descriptors asked about, with their files.
    let mut watched: Vec<(usize, Arc<File>)> = Vec::new();
    {
        let table = cx.process().files();
        for fd in 0..n {
            if sets.iter().any(|s| is_set(s, fd)) {
                watched.push((fd, table.get(fd as i32)?));
            }
        }
    }
    let mut out: [Option<Vec<u64>>; 3] = [None, None, None];
    let scan = |out: &mut [Option<Vec<u64>>; 3]| -> usize {
        let mut count = 0;
        for (i, class) in [SELECT_IN, SELECT_OUT, SELECT_EX].into_iter().enumerate() {
            let Some(_) = &sets[i] else { continue };
            let mut result = alloc::vec![0u64; words];
            for (fd, file) in &watched {
                if is_set(&sets[i], *fd) && file.poll().intersects(class) {
                    result[fd / 64] |= 1 << (fd % 64);
                    count += 1;
                }
            }
            out[i] = Some(result);
        }
        count
    };
    let files: Vec<Arc<File>> = watched.iter().map(|(_, f)| f.clone()).collect();
    if let Some(m) = mask {
        task::signal::set_mask_until_delivery(cx.thread(), m);
    }
    let ready = wait_ready(cx, &files, deadline, || scan(&mut out)).await;
    // Interrupted, the temporary mask stays until the signal is delivered.
    let ready = ready?;
    task::signal::restore_saved_mask(cx.thread());
    if ready == 0 {
        // Timed out: every set comes back empty.
        out = [None, None, None];
        for (i, s) in sets.iter().enumerate() {
            if s.is_some() {
                out[i] = Some(alloc::vec![0u64; words]);
            }
        }
    }
    for (addr, set) in [readfds, writefds, exceptfds].into_iter().zip(out.iter()) {
        if let Some(set) = set {
            UserSliceMut::<u64>::new(addr, words).write(&mut cx.mm(), set)?;
        }
    }
    let sticky =
        cx.process().prctl.personality.load(core::sync::atomic::Ordering::Relaxed) & task::prctl::STICKY_TIMEOUTS != 0;
    if let (Some(t), Some(d), false) = (timeout.nonnull(), deadline, sticky) {
        // A fault here is ignored, as Linux's poll_select_finish does: the select itself has
        // succeeded (a timeout in read-only memory is fine). The personality STICKY_TIMEOUTS
        // leaves it alone.
        let left = d.saturating_sub(hal::time::now_ns());
        let _ = t.write(&mut cx.mm(), &Timespec::from_nanos(left));
    }
    Ok(ready)
}
