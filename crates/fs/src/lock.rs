//! Advisory file locks with Linux's semantics: flock(2) locks, POSIX record locks (fcntl
//! F_SETLK) and open-file-description record locks (F_OFD_SETLK).
//!
//! The locks live here rather than in the inodes, keyed by [`Inode::id`]: every file system
//! (ramfs, devices, pipes, procfs, ext4) gets them without code of its own, and two inode objects
//! standing for one file share them. An owner is an opaque number from [`new_owner`]: an open
//! file description ([`File`](crate::File)) owns its flock and OFD locks, a descriptor table its
//! POSIX locks (Linux's owner is the `files_struct`, so threads share them and a fork child does
//! not). Whoever ends an owner releases its locks: the last reference to a `File`, a descriptor
//! table closing a descriptor or going away.
//!
//! flock locks and record locks never conflict with each other; POSIX and OFD locks do. Nothing
//! here blocks: a conflicting request fails with EAGAIN, and one that may wait holds a
//! [`Waiter`] for the inode and tries again after each wake-up of its queue, which every change
//! that may free a range wakes.
//!
//! Each record is a kernel allocation that user space asks for, so records are charged to the
//! process that made them: a request that needs more than [`MAX_PER_PROCESS`] for one process,
//! or [`MAX_TOTAL`] in all, fails with ENOLCK (what Linux answers when it cannot allocate one).
use crate::inode::Inode;
use abi::{Errno, SysResult};
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use sync::{Mutex, WaitQueue};

/// Who holds a lock: a file description or a descriptor table (never 0).
pub type Owner = u64;
/// A file as [`Inode::id`] names it: (st_dev, st_ino).
pub type InodeId = (u64, u64);

/// The largest file offset; a range ending here reaches past any end of file (`l_len` 0).
pub const OFFSET_MAX: i64 = i64::MAX;
/// Lock records one process may be charged for.
pub const MAX_PER_PROCESS: usize = 4096;
/// Lock records in the whole system.
pub const MAX_TOTAL: usize = 4 * MAX_PER_PROCESS;
/// How far F_SETLKW follows "A waits for B" before it gives up looking for a cycle (Linux's
/// MAX_DEADLK_ITERATIONS).
const MAX_DEADLOCK_STEPS: usize = 10;

static NEXT_OWNER: AtomicU64 = AtomicU64::new(1);

/// A fresh owner: numbers are never reused, so a lock can never pass to a later owner that
/// happens to get the same number.
pub fn new_owner() -> Owner {
    NEXT_OWNER.fetch_add(1, Ordering::Relaxed)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LockType {
    /// Shared: F_RDLCK, LOCK_SH.
    Read,
    /// Exclusive: F_WRLCK, LOCK_EX.
    Write,
}

impl LockType {
    fn conflicts(self, other: LockType) -> bool {
        self == LockType::Write || other == LockType::Write
    }
}

/// A byte range, both ends included (`start` >= 0).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Span {
    pub start: i64,
    pub end: i64,
}

impl Span {
    pub fn new(start: i64, end: i64) -> Span {
        Span { start, end }
    }

    fn overlaps(self, o: Span) -> bool {
        self.start <= o.end && o.start <= self.end
    }
}

/// Who asks for a record lock.
#[derive(Clone, Copy, Debug)]
pub struct Locker {
    pub owner: Owner,
    /// An OFD lock (owned by a file description: no pid, no deadlock detection).
    pub ofd: bool,
    /// The process asking: charged for new records, and the pid F_GETLK shows for POSIX locks.
    pub pid: usize,
}

/// A lock F_GETLK reports.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Held {
    pub ty: LockType,
    pub span: Span,
    /// The process that set it; -1 for an OFD lock, which no process owns.
    pub pid: i32,
}

#[derive(Clone, Copy, Debug)]
struct Record {
    owner: Owner,
    ty: LockType,
    span: Span,
    ofd: bool,
    pid: usize,
    /// The process this record is counted against.
    charge: usize,
}

#[derive(Clone, Copy)]
struct FlockRecord {
    owner: Owner,
    ty: LockType,
    charge: usize,
}

#[derive(Default)]
struct InodeLocks {
    flocks: Vec<FlockRecord>,
    /// POSIX and OFD records, kept as Linux keeps them: each owner's together, in order of
    /// offset, owners in the order they started locking. F_GETLK reports the first conflict in
    /// this order.
    records: Vec<Record>,
    /// Waiters hold a reference, which keeps the entry while they wait.
    queue: Arc<WaitQueue>,
}

impl InodeLocks {
    fn unused(&self) -> bool {
        self.flocks.is_empty() && self.records.is_empty() && Arc::strong_count(&self.queue) == 1
    }
}

/// Records per process and per owner.
struct Accounts {
    total: usize,
    /// Keyed by pid (widened: usize is at most 64 bits on every target).
    per_process: BTreeMap<u64, usize>,
    /// Closing or dropping an owner without records costs one lookup here.
    per_owner: BTreeMap<Owner, usize>,
}

impl Accounts {
    fn room(&self, pid: usize, n: usize) -> bool {
        n == 0
            || (self.total + n <= MAX_TOTAL
                && self.per_process.get(&(pid as u64)).copied().unwrap_or(0) + n <= MAX_PER_PROCESS)
    }

    fn add(map: &mut BTreeMap<u64, usize>, key: u64, n: isize) {
        let v = map.entry(key).or_insert(0);
        *v = v.wrapping_add_signed(n);
        if *v == 0 {
            map.remove(&key);
        }
    }

    fn charge(&mut self, pid: usize, owner: Owner) {
        self.total += 1;
        Self::add(&mut self.per_process, pid as u64, 1);
        Self::add(&mut self.per_owner, owner, 1);
    }

    fn uncharge(&mut self, pid: usize, owner: Owner) {
        self.total -= 1;
        Self::add(&mut self.per_process, pid as u64, -1);
        Self::add(&mut self.per_owner, owner, -1);
    }
}

/// An F_SETLKW request that waits: (wait token, its owner, the owner of the lock it waits for).
type Wait = (u64, Owner, Owner);

struct Table {
    inodes: BTreeMap<InodeId, InodeLocks>,
    accounts: Accounts,
    /// POSIX waiters, for deadlock detection.
    waits: Vec<Wait>,
    next_token: u64,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    inodes: BTreeMap::new(),
    accounts: Accounts { total: 0, per_process: BTreeMap::new(), per_owner: BTreeMap::new() },
    waits: Vec::new(),
    next_token: 1,
});

impl Table {
    /// Forget the entry of `id` once nothing is locked there and nobody waits.
    fn prune(&mut self, id: InodeId) {
        if self.inodes.get(&id).is_some_and(InodeLocks::unused) {
            self.inodes.remove(&id);
        }
    }

    fn has_records(&self, owner: Owner) -> bool {
        self.accounts.per_owner.contains_key(&owner)
    }

    /// Remove every record of `owner` on `id`, waking the waiters if any went.
    fn remove(&mut self, id: InodeId, owner: Owner) {
        let Table { inodes, accounts, waits, .. } = self;
        let Some(e) = inodes.get_mut(&id) else { return };
        let before = e.flocks.len() + e.records.len();
        e.flocks.retain(|f| {
            f.owner != owner || {
                accounts.uncharge(f.charge, owner);
                false
            }
        });
        e.records.retain(|r| {
            r.owner != owner || {
                accounts.uncharge(r.charge, owner);
                false
            }
        });
        if e.flocks.len() + e.records.len() != before {
            e.queue.wake_all();
            unblock(waits, owner);
        }
        self.prune(id);
    }
}

/// `owner`'s locks changed: whoever waited for it tries again, and until then waits for
/// nobody (as Linux takes a woken request off its blocker), so that the deadlock detection
/// does not see a wait that may already be over.
fn unblock(waits: &mut Vec<Wait>, owner: Owner) {
    waits.retain(|w| w.2 != owner);
}

/// A task waiting for a lock on one file. While it exists the file's wait queue stays (and
/// with it the wake-ups of every release); dropping it (the wait ended, or was interrupted)
/// also forgets what the task was waiting for, for the deadlock detection.
pub struct Waiter {
    id: InodeId,
    queue: Option<Arc<WaitQueue>>,
    token: u64,
}

impl Waiter {
    pub fn new(id: InodeId) -> Waiter {
        let mut t = TABLE.lock();
        let token = t.next_token;
        t.next_token += 1;
        let queue = t.inodes.entry(id).or_default().queue.clone();
        Waiter { id, queue: Some(queue), token }
    }

    /// Woken whenever a lock on the file is released, shrunk or weakened.
    pub fn queue(&self) -> &WaitQueue {
        self.queue.as_ref().expect("a waiter's queue lives until it is dropped")
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        let mut t = TABLE.lock();
        t.waits.retain(|w| w.0 != self.token);
        drop(self.queue.take());
        t.prune(self.id);
    }
}

/// flock(2) for the file description `owner` on `id`: `ty` None unlocks. A conversion first
/// drops the lock held (as Linux does: it is not atomic, and a conversion that fails leaves
/// no lock). EAGAIN when another description's lock conflicts.
pub fn flock(id: InodeId, owner: Owner, ty: Option<LockType>, pid: usize) -> SysResult<()> {
    let mut guard = TABLE.lock();
    let t = &mut *guard;
    let result = (|| {
        let Table { inodes, accounts, .. } = &mut *t;
        let e = match (inodes.get_mut(&id), ty) {
            (Some(e), _) => e,
            (None, None) => return Ok(()),
            (None, Some(_)) => inodes.entry(id).or_default(),
        };
        if let Some(i) = e.flocks.iter().position(|f| f.owner == owner) {
            if Some(e.flocks[i].ty) == ty {
                return Ok(());
            }
            let old = e.flocks.remove(i);
            accounts.uncharge(old.charge, owner);
            e.queue.wake_all();
        }
        let Some(ty) = ty else { return Ok(()) };
        if e.flocks.iter().any(|f| f.ty.conflicts(ty)) {
            return Err(Errno::EAGAIN);
        }
        if !accounts.room(pid, 1) {
            return Err(Errno::ENOLCK);
        }
        accounts.charge(pid, owner);
        e.flocks.push(FlockRecord { owner, ty, charge: pid });
        Ok(())
    })();
    t.prune(id);
    result
}

/// Set the record lock `ty` on `span` of `id` for `who` (None: unlock the span). Another
/// owner's conflicting lock makes it EAGAIN; with `wait` (F_SETLKW) a POSIX request that would
/// close a cycle of processes waiting for each other is EDEADLK instead, and otherwise the
/// waiter is noted as waiting for that lock's owner.
pub fn set_record(id: InodeId, who: Locker, ty: Option<LockType>, span: Span, wait: Option<&Waiter>) -> SysResult<()> {
    let mut guard = TABLE.lock();
    let t = &mut *guard;
    let result = (|| {
        let Table { inodes, accounts, waits, .. } = &mut *t;
        let e = match (inodes.get_mut(&id), ty) {
            (Some(e), _) => e,
            (None, None) => return Ok(()),
            (None, Some(_)) => inodes.entry(id).or_default(),
        };
        if let Some(ty) = ty {
            let conflict =
                e.records.iter().find(|r| r.owner != who.owner && r.span.overlaps(span) && r.ty.conflicts(ty));
            if let Some(c) = conflict {
                if let Some(w) = wait.filter(|_| !who.ofd) {
                    if deadlock(waits, who.owner, c.owner) {
                        return Err(Errno::EDEADLK);
                    }
                    let blocker = c.owner;
                    match waits.iter_mut().find(|x| x.0 == w.token) {
                        Some(x) => x.2 = blocker,
                        None => waits.push((w.token, who.owner, blocker)),
                    }
                }
                return Err(Errno::EAGAIN);
            }
        }
        let lo = e.records.iter().position(|r| r.owner == who.owner).unwrap_or(e.records.len());
        let hi = lo + e.records[lo..].iter().take_while(|r| r.owner == who.owner).count();
        let old = &e.records[lo..hi];
        let new = ty.map(|ty| Record { owner: who.owner, ty, span, ofd: who.ofd, pid: who.pid, charge: who.pid });
        let mut merged = apply(old, new, span);
        if !accounts.room(who.pid, merged.len().saturating_sub(old.len())) {
            return Err(Errno::ENOLCK);
        }
        // Waking is only queueing tasks, so it is done under the table's lock.
        if old.iter().any(|r| r.span.overlaps(span)) {
            e.queue.wake_all();
            unblock(waits, who.owner);
        }
        // Records that stay reuse the old records' charges; only the extra ones (a split) are
        // new charges to the caller, and the ones that went are given back.
        let mut pool: Vec<usize> = old.iter().map(|r| r.charge).collect();
        for r in merged.iter_mut() {
            r.charge = pool.pop().unwrap_or_else(|| {
                accounts.charge(who.pid, who.owner);
                who.pid
            });
        }
        for charge in pool {
            accounts.uncharge(charge, who.owner);
        }
        e.records.splice(lo..hi, merged);
        if let Some(w) = wait {
            waits.retain(|x| x.0 != w.token);
        }
        Ok(())
    })();
    t.prune(id);
    result
}

/// Whether `me` waiting for a lock of `blocker` closes a cycle: `blocker` waits for someone
/// who waits ... for `me`.
fn deadlock(waits: &[Wait], me: Owner, mut blocker: Owner) -> bool {
    for _ in 0..=MAX_DEADLOCK_STEPS {
        match waits.iter().find(|w| w.1 == blocker) {
            Some(w) if w.2 == me => return true,
            Some(w) => blocker = w.2,
            None => return false,
        }
    }
    false
}

/// An owner's records after setting `span` to `new`'s type (None: unlocking it): what lies
/// outside the span stays, and neighbours of one type merge, so an owner's locks are always
/// described by the fewest records, which is what F_GETLK shows of them (Linux keeps them so).
fn apply(old: &[Record], new: Option<Record>, span: Span) -> Vec<Record> {
    let mut out: Vec<Record> = Vec::with_capacity(old.len() + 2);
    for r in old {
        if !r.span.overlaps(span) {
            out.push(*r);
            continue;
        }
        if r.span.start < span.start {
            out.push(Record { span: Span::new(r.span.start, span.start - 1), ..*r });
        }
        if r.span.end > span.end {
            out.push(Record { span: Span::new(span.end + 1, r.span.end), ..*r });
        }
    }
    out.extend(new);
    out.sort_by_key(|r| r.span.start);
    let mut merged: Vec<Record> = Vec::with_capacity(out.len());
    for r in out {
        match merged.last_mut() {
            // `start - 1`, not `end + 1`: an end may be OFFSET_MAX.
            Some(prev) if prev.ty == r.ty && prev.span.end >= r.span.start - 1 => {
                prev.span.end = prev.span.end.max(r.span.end)
            }
            _ => merged.push(r),
        }
    }
    merged
}

/// F_GETLK: the first lock of another owner on `id` that would conflict with `ty` on `span`.
/// With `ty` None (F_OFD_GETLK with F_UNLCK, since Linux 6.7) the caller's own lock there.
pub fn test_record(id: InodeId, who: Locker, ty: Option<LockType>, span: Span) -> Option<Held> {
    let t = TABLE.lock();
    let e = t.inodes.get(&id)?;
    let found = e.records.iter().find(|r| {
        r.span.overlaps(span)
            && match ty {
                Some(ty) => r.owner != who.owner && r.ty.conflicts(ty),
                None => r.owner == who.owner,
            }
    })?;
    Some(Held { ty: found.ty, span: found.span, pid: if found.ofd { -1 } else { found.pid as i32 } })
}

/// A descriptor table closed a descriptor of `inode`: its POSIX locks on the file go, whichever
/// descriptor set them (POSIX's rule, which Linux keeps).
pub fn release_posix(owner: Owner, inode: &dyn Inode) {
    if !TABLE.lock().has_records(owner) {
        return;
    }
    let id = inode.id();
    TABLE.lock().remove(id, owner);
}

/// The last reference to an open file description went: its flock and OFD locks go.
pub fn release_file(owner: Owner, inode: &dyn Inode) {
    if !TABLE.lock().has_records(owner) {
        return;
    }
    let id = inode.id();
    TABLE.lock().remove(id, owner);
}

/// A descriptor table went away (its process ended): every lock it owned goes.
pub fn release_owner(owner: Owner) {
    let mut t = TABLE.lock();
    if !t.has_records(owner) {
        return;
    }
    let ids: Vec<InodeId> = t
        .inodes
        .iter()
        .filter(|(_, e)| e.records.iter().any(|r| r.owner == owner) || e.flocks.iter().any(|f| f.owner == owner))
        .map(|(id, _)| *id)
        .collect();
    for id in ids {
        t.remove(id, owner);
    }
}

/// How many lock records exist on `id` (for tests and diagnostics).
pub fn records_on(id: InodeId) -> usize {
    TABLE.lock().inodes.get(&id).map_or(0, |e| e.flocks.len() + e.records.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use LockType::*;

    fn rec(owner: Owner, ty: LockType, start: i64, end: i64) -> Record {
        Record { owner, ty, span: Span::new(start, end), ofd: false, pid: 1, charge: 1 }
    }

    fn spans(v: &[Record]) -> Vec<(LockType, i64, i64)> {
        v.iter().map(|r| (r.ty, r.span.start, r.span.end)).collect()
    }

    #[test]
    fn setting_a_range_splits_trims_and_merges() {
        let a = apply(&[], Some(rec(1, Write, 0, 99)), Span::new(0, 99));
        assert_eq!(spans(&a), [(Write, 0, 99)]);
        let b = apply(&a, Some(rec(1, Read, 10, 19)), Span::new(10, 19));
        assert_eq!(spans(&b), [(Write, 0, 9), (Read, 10, 19), (Write, 20, 99)]);
        let c = apply(&b, Some(rec(1, Write, 10, 19)), Span::new(10, 19));
        assert_eq!(spans(&c), [(Write, 0, 99)], "the pieces merge again");
        let d = apply(&c, None, Span::new(50, OFFSET_MAX));
        assert_eq!(spans(&d), [(Write, 0, 49)]);
        let e = apply(&d, Some(rec(1, Write, 50, OFFSET_MAX)), Span::new(50, OFFSET_MAX));
        assert_eq!(spans(&e), [(Write, 0, OFFSET_MAX)], "adjacent ranges of one type merge");
        let f = apply(&e, None, Span::new(0, OFFSET_MAX));
        assert!(f.is_empty());
    }

    #[test]
    fn a_range_over_several_records_replaces_them() {
        let old = [rec(1, Read, 0, 4), rec(1, Write, 10, 14), rec(1, Read, 20, 24)];
        let n = apply(&old, Some(rec(1, Read, 3, 21)), Span::new(3, 21));
        assert_eq!(spans(&n), [(Read, 0, 24)]);
        let n = apply(&old, Some(rec(1, Write, 2, 22)), Span::new(2, 22));
        assert_eq!(spans(&n), [(Read, 0, 1), (Write, 2, 22), (Read, 23, 24)]);
    }

    #[test]
    fn deadlock_follows_the_chain_of_waiters() {
        let waits = [(1, 10, 20), (2, 20, 30)];
        assert!(deadlock(&waits, 30, 10), "30 waits for 10, which waits for 20, which waits for 30");
        assert!(!deadlock(&waits, 40, 10));
        assert!(!deadlock(&waits, 10, 40));
        let cycle = [(1, 10, 20), (2, 20, 10)];
        assert!(!deadlock(&cycle, 30, 10), "a cycle that does not reach the caller ends the walk");
    }

    #[test]
    fn flock_conflicts_and_converts() {
        let id = (u64::MAX, new_owner());
        let (a, b) = (new_owner(), new_owner());
        assert_eq!(flock(id, a, Some(Read), 1), Ok(()));
        assert_eq!(flock(id, b, Some(Read), 1), Ok(()));
        assert_eq!(flock(id, b, Some(Write), 1), Err(Errno::EAGAIN));
        assert_eq!(records_on(id), 1, "the failed conversion dropped b's shared lock");
        assert_eq!(flock(id, a, Some(Write), 1), Ok(()));
        assert_eq!(flock(id, a, None, 1), Ok(()));
        assert_eq!(records_on(id), 0);
        assert!(!TABLE.lock().inodes.contains_key(&id), "nothing left behind");
    }
}
