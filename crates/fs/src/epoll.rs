//! epoll: an interest list of open files, and the readiness of each, reported on demand.
//!
//! An [`Epoll`] keeps one entry per (descriptor number, open file description) added to it, as
//! Linux does: the entry holds the description weakly and leaves the list by itself when the
//! description is closed for good (its last descriptor, in any process). Readiness is the
//! file's own `Inode::poll`, the same that poll(2) and select(2) use. Every entry keeps a waker
//! of its own ([`Notify`]) registered on its file's wait queue; a wake-up marks the entry (for
//! edge-triggered reporting) and wakes the epoll's queue, on which epoll_wait sleeps and through
//! which an epoll inside another epoll, or inside poll(2), is seen to change. Nothing is polled
//! in a loop: a collection walks the list once per wake-up.
//!
//! Level-triggered entries are reported while their file is ready; edge-triggered ones (EPOLLET)
//! only after their file's queue was woken since the last report (and when added); EPOLLONESHOT
//! disables an entry once reported, until EPOLL_CTL_MOD. The list is kept in the order Linux's
//! ready list would have: an entry reported goes to the back, so a small `maxevents` takes
//! turns instead of starving the entries further down.
use crate::file::File;
use crate::inode::{FileKind, Inode};
use crate::meta::{anon_stat, next_ino};
use abi::events::{EpollEvent, EpollFlags};
use abi::flags::PollEvents;
use abi::{structs::Stat, Errno, SysResult};
use alloc::sync::{Arc, Weak};
use alloc::task::Wake;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::Waker;
use sync::{Mutex, WaitQueue};

/// Entries one epoll may hold (Linux bounds them per user by `max_user_watches`): ENOSPC beyond.
pub const MAX_ENTRIES: usize = 1 << 16;
/// How deep epolls may be nested in each other (Linux's EP_MAX_NESTS).
const MAX_NESTING: usize = 4;

/// Conditions reported even when not asked for.
const ALWAYS: EpollFlags = EpollFlags::ERR.union(EpollFlags::HUP);

/// An entry's waker on its file's wait queue.
struct Notify {
    /// The file's queue was woken since the entry was last reported (edge-triggered).
    fired: AtomicBool,
    /// The queue of the epoll the entry belongs to.
    epoll: Arc<WaitQueue>,
}

impl Wake for Notify {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.fired.store(true, Ordering::Release);
        self.epoll.wake_all();
    }
}

struct Entry {
    fd: i32,
    file: Weak<File>,
    /// What was asked for, mode flags included.
    events: EpollFlags,
    data: u64,
    /// EPOLLONESHOT and reported: silent until EPOLL_CTL_MOD.
    disabled: bool,
    /// Look at the file at the next collection even if its queue was not woken: it was ready
    /// when last looked at (a level-triggered entry is reported while it stays ready), or it
    /// has no wait queue to say when it changes.
    recheck: bool,
    /// The file has a wait queue (the entry's waker is on it until the queue is woken).
    queued: bool,
    notify: Arc<Notify>,
    waker: Waker,
}

impl Entry {
    fn is(&self, fd: i32, file: &Arc<File>) -> bool {
        self.fd == fd && Weak::ptr_eq(&self.file, &Arc::downgrade(file))
    }
}

pub struct Epoll {
    entries: Mutex<List>,
    queue: Arc<WaitQueue>,
    ino: u64,
}

/// The entries, in the order they are looked at (reported ones go to the back).
#[derive(Default)]
struct List {
    entries: Vec<Entry>,
}

/// The epoll behind `file`, if it is one.
pub fn as_epoll(file: &File) -> Option<&Epoll> {
    file.inode().as_any()?.downcast_ref::<Epoll>()
}

impl Epoll {
    pub fn new() -> Arc<Epoll> {
        Arc::new(Epoll { entries: Mutex::new(List::default()), queue: Arc::new(WaitQueue::new()), ino: next_ino() })
    }

    /// EPOLL_CTL_ADD of descriptor `fd`, open as `file`, with `ev`.
    pub fn add(&self, fd: i32, file: &Arc<File>, ev: EpollEvent) -> SysResult<()> {
        let events = EpollFlags::from_bits_retain(ev.events);
        check_target(file)?;
        if events.contains(EpollFlags::EXCLUSIVE) {
            // Only with the poll conditions and EPOLLET/EPOLLWAKEUP, and never on an epoll.
            let allowed = EpollFlags::all().difference(EpollFlags::ONESHOT);
            if !allowed.contains(events) || as_epoll(file).is_some() {
                return Err(Errno::EINVAL);
            }
        }
        if let Some(inner) = as_epoll(file) {
            if core::ptr::eq(inner, self) {
                return Err(Errno::EINVAL);
            }
            if inner.reaches(self, 1) {
                return Err(Errno::ELOOP);
            }
        }
        let mut list = self.entries.lock();
        list.entries.retain(|e| e.file.strong_count() > 0);
        if list.entries.iter().any(|e| e.is(fd, file)) {
            return Err(Errno::EEXIST);
        }
        if list.entries.len() >= MAX_ENTRIES {
            return Err(Errno::ENOSPC);
        }
        // Fired from the start: a file that is ready when added is reported (edge-triggered too).
        let notify = Arc::new(Notify { fired: AtomicBool::new(true), epoll: self.queue.clone() });
        let waker = Waker::from(notify.clone());
        let queue = file.inode().wait_queue();
        if let Some(q) = queue {
            q.register(&waker);
        }
        let queued = queue.is_some();
        let events = events.difference(EpollFlags::WAKEUP); // needs CAP_BLOCK_SUSPEND: dropped
        list.entries.push(Entry {
            fd,
            file: Arc::downgrade(file),
            events,
            data: ev.data,
            disabled: false,
            recheck: !queued,
            queued,
            notify,
            waker,
        });
        drop(list);
        // Someone waiting on this epoll looks again (the new file may be ready).
        self.queue.wake_all();
        Ok(())
    }

    /// EPOLL_CTL_MOD: new events and data for the entry of (`fd`, `file`); re-enables a
    /// one-shot entry.
    pub fn modify(&self, fd: i32, file: &Arc<File>, ev: EpollEvent) -> SysResult<()> {
        let events = EpollFlags::from_bits_retain(ev.events);
        check_target(file)?;
        let mut list = self.entries.lock();
        let e = list.entries.iter_mut().find(|e| e.is(fd, file)).ok_or(Errno::ENOENT)?;
        if events.contains(EpollFlags::EXCLUSIVE) || e.events.contains(EpollFlags::EXCLUSIVE) {
            return Err(Errno::EINVAL);
        }
        e.events = events.difference(EpollFlags::WAKEUP);
        e.data = ev.data;
        e.disabled = false;
        e.notify.fired.store(true, Ordering::Release);
        drop(list);
        self.queue.wake_all();
        Ok(())
    }

    /// EPOLL_CTL_DEL of the entry of (`fd`, `file`).
    pub fn remove(&self, fd: i32, file: &Arc<File>) -> SysResult<()> {
        check_target(file)?;
        let mut list = self.entries.lock();
        let i = list.entries.iter().position(|e| e.is(fd, file)).ok_or(Errno::ENOENT)?;
        list.entries.remove(i);
        Ok(())
    }

    /// How many entries the list holds (closed files' entries are dropped first).
    pub fn len(&self) -> usize {
        let mut list = self.entries.lock();
        list.entries.retain(|e| e.file.strong_count() > 0);
        list.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The queue epoll_wait sleeps on: woken when any entry's file may have changed.
    pub fn queue(&self) -> &WaitQueue {
        &self.queue
    }

    /// Report up to `max` ready entries into `out` (epoll_wait): level-triggered ones that are
    /// ready, edge-triggered ones that are ready and were woken since their last report;
    /// one-shot entries are disabled.
    ///
    /// Only the entries that may have changed are looked at (Linux's ready list, kept as
    /// marks): those whose file's queue was woken since they were last looked at, those that
    /// were ready then (level-triggered) and those whose file has no queue. Any other entry was
    /// not ready when last looked at and its waker is still on its file's queue (a queue lets
    /// go of its wakers only when woken), so it is not ready now. An entry looked at has its
    /// waker registered again before its file is polled.
    pub fn collect(&self, max: usize, out: &mut Vec<EpollEvent>) -> usize {
        let mut list = self.entries.lock();
        list.entries.retain(|e| e.file.strong_count() > 0);
        let mut reported = Vec::new();
        for (i, e) in list.entries.iter_mut().enumerate() {
            if e.disabled || reported.len() == max {
                continue;
            }
            let fired = e.notify.fired.swap(false, Ordering::AcqRel);
            if !fired && !e.recheck {
                continue;
            }
            let Some(file) = e.file.upgrade() else { continue };
            if let Some(q) = file.inode().wait_queue() {
                q.register(&e.waker);
            }
            let edge = e.events.contains(EpollFlags::ET);
            if edge && !fired {
                e.recheck = !e.queued;
                continue;
            }
            let ready = readiness(&file, e.events);
            // An edge-triggered entry is reported again only after a new wake-up.
            e.recheck = !e.queued || (!ready.is_empty() && !edge);
            if ready.is_empty() {
                continue;
            }
            out.push(EpollEvent { events: ready.bits(), _pad: 0, data: e.data });
            reported.push(i);
            if e.events.contains(EpollFlags::ONESHOT) {
                e.disabled = true;
            }
        }
        // The reported entries go to the back, in the order reported.
        for (k, &i) in reported.iter().enumerate() {
            let e = list.entries.remove(i - k);
            list.entries.push(e);
        }
        reported.len()
    }

    /// Whether some entry would be reported now (poll(2) on the epoll, an outer epoll), without
    /// consuming anything; wakers are registered as by [`Epoll::collect`].
    fn any_ready(&self) -> bool {
        let list = self.entries.lock();
        let mut any = false;
        for e in &list.entries {
            let Some(file) = e.file.upgrade() else { continue };
            if let Some(q) = file.inode().wait_queue() {
                q.register(&e.waker);
            }
            if any || e.disabled {
                continue;
            }
            if e.events.contains(EpollFlags::ET) && !e.notify.fired.load(Ordering::Acquire) {
                continue;
            }
            any = !readiness(&file, e.events).is_empty();
        }
        any
    }

    /// Whether `target` is this epoll or can be reached from it through nested epolls, or the
    /// nesting from here is too deep (both ELOOP for an EPOLL_CTL_ADD).
    fn reaches(&self, target: &Epoll, depth: usize) -> bool {
        if core::ptr::eq(self, target) || depth > MAX_NESTING {
            return true;
        }
        let inner: Vec<Arc<File>> = self.entries.lock().entries.iter().filter_map(|e| e.file.upgrade()).collect();
        inner.iter().filter_map(|f| as_epoll(f)).any(|ep| ep.reaches(target, depth + 1))
    }
}

/// What of `events` (plus ERR and HUP) `file` reports now.
fn readiness(file: &File, events: EpollFlags) -> EpollFlags {
    let now = EpollFlags::from_bits_retain(file.poll().bits() as u16 as u32);
    now & (events.difference(EpollFlags::MODES) | ALWAYS)
}

/// Files epoll cannot watch: those that never wait (regular files, directories; Linux: no
/// `poll` operation), EPERM.
fn check_target(file: &File) -> SysResult<()> {
    let inode = file.inode();
    match inode.kind() {
        FileKind::Regular | FileKind::Directory => Err(Errno::EPERM),
        _ if inode.wait_queue().is_none() => Err(Errno::EPERM),
        _ => Ok(()),
    }
}

impl Inode for Epoll {
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
    fn poll(&self) -> PollEvents {
        if self.any_ready() {
            PollEvents::IN | PollEvents::RDNORM
        } else {
            PollEvents::empty()
        }
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
