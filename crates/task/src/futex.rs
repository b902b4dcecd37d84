//! Futex wait queues.
//!
//! A futex is named by a [`FutexKey`]: for private memory the address space and the address
//! (threads share their process's address space, so they meet there; a forked child has
//! another one, as on Linux where anonymous private memory is keyed by mm and address), for a
//! MAP_SHARED area the physical frame and offset, which every process mapping it agrees on.
//!
//! Waiters queue in FIFO order per key. A wait is a future that completes when a wake picks it;
//! dropping it before (signal, timeout) takes it off its queue. The syscall checks the futex
//! word and queues the waiter without an `.await` in between, and the kernel is never
//! preempted, so no wake can slip between the check and the queueing.
use crate::process::Thread;
use abi::process::*;
use abi::{Errno, SysResult};
use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use mm::AddressSpace;
use sync::Mutex;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FutexKey {
    Private { mm: u64, addr: usize },
    Shared { pa: usize },
}

/// The key of the futex word at `addr` (EINVAL unless 4-byte aligned). `private`
/// (FUTEX_PRIVATE_FLAG) skips looking at the mapping.
pub fn key(mm: &mut AddressSpace, addr: usize, private: bool) -> SysResult<FutexKey> {
    if !addr.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    if private {
        return Ok(FutexKey::Private { mm: mm.id(), addr });
    }
    Ok(match mm.shared_frame(addr)? {
        Some(pa) => FutexKey::Shared { pa },
        None => FutexKey::Private { mm: mm.id(), addr },
    })
}

/// Read the futex word at `addr` (EFAULT if it cannot be read).
pub fn read_word(mm: &mut AddressSpace, addr: usize) -> SysResult<u32> {
    let mut b = [0u8; 4];
    mm.read_bytes(addr, &mut b)?;
    Ok(u32::from_le_bytes(b))
}

struct Waiter {
    bitset: u32,
    state: Mutex<WaiterState>,
}

struct WaiterState {
    key: FutexKey,
    woken: bool,
    waker: Option<Waker>,
}

static QUEUES: Mutex<BTreeMap<FutexKey, VecDeque<Arc<Waiter>>>> = Mutex::new(BTreeMap::new());

/// A queued waiter; completes when woken.
pub struct FutexWait {
    waiter: Arc<Waiter>,
}

/// Queue a waiter on `key` for the wakes whose bitset meets `bitset`.
pub fn enqueue(key: FutexKey, bitset: u32) -> FutexWait {
    let waiter = Arc::new(Waiter { bitset, state: Mutex::new(WaiterState { key, woken: false, waker: None }) });
    QUEUES.lock().entry(key).or_default().push_back(waiter.clone());
    FutexWait { waiter }
}

impl Future for FutexWait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.waiter.state.lock();
        if s.woken {
            return Poll::Ready(());
        }
        s.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for FutexWait {
    fn drop(&mut self) {
        let key = {
            let s = self.waiter.state.lock();
            if s.woken {
                return;
            }
            s.key
        };
        let mut q = QUEUES.lock();
        if let Some(list) = q.get_mut(&key) {
            list.retain(|w| !Arc::ptr_eq(w, &self.waiter));
            if list.is_empty() {
                q.remove(&key);
            }
        }
    }
}

/// Wake up to `n` waiters of `key` whose bitset meets `bitset`, oldest first. Returns how many.
pub fn wake(key: FutexKey, n: usize, bitset: u32) -> usize {
    let mut woken = alloc::vec::Vec::new();
    {
        let mut q = QUEUES.lock();
        let Some(list) = q.get_mut(&key) else { return 0 };
        let mut i = 0;
        while i < list.len() && woken.len() < n {
            if list[i].bitset & bitset != 0 {
                woken.push(list.remove(i).expect("index in range"));
            } else {
                i += 1;
            }
        }
        if list.is_empty() {
            q.remove(&key);
        }
    }
    for w in &woken {
        let waker = {
            let mut s = w.state.lock();
            s.woken = true;
            s.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
    woken.len()
}

/// Wake up to `n_wake` waiters of `from`, and move up to `n_requeue` of the rest to `to`.
/// Returns the number woken plus the number moved.
pub fn requeue(from: FutexKey, to: FutexKey, n_wake: usize, n_requeue: usize) -> usize {
    let woken = wake(from, n_wake, FUTEX_BITSET_MATCH_ANY);
    if from == to {
        let left = QUEUES.lock().get(&from).map_or(0, VecDeque::len);
        return woken + left.min(n_requeue);
    }
    let mut q = QUEUES.lock();
    let mut moved = VecDeque::new();
    if let Some(list) = q.get_mut(&from) {
        while moved.len() < n_requeue {
            let Some(w) = list.pop_front() else { break };
            w.state.lock().key = to;
            moved.push_back(w);
        }
        if list.is_empty() {
            q.remove(&from);
        }
    }
    let count = moved.len();
    if count > 0 {
        q.entry(to).or_default().extend(moved);
    }
    woken + count
}

/// Waiters queued on `key` (tests, diagnostics).
pub fn waiters(key: FutexKey) -> usize {
    QUEUES.lock().get(&key).map_or(0, VecDeque::len)
}

/// Most entries of a robust list walked at thread exit (Linux's ROBUST_LIST_LIMIT).
const ROBUST_LIST_LIMIT: usize = 2048;

/// At thread exit: every robust mutex the thread still holds (its robust list, set by
/// set_robust_list) gets FUTEX_OWNER_DIED, and one waiter is woken, so that the next locker
/// sees EOWNERDEAD instead of waiting forever.
pub fn exit_robust_list(t: &Arc<Thread>) {
    let (head, _) = core::mem::take(&mut *t.robust_list.lock());
    if head == 0 {
        return;
    }
    let read_word_at = |addr: usize| -> Option<usize> {
        let mut b = [0u8; 8];
        t.process.mm().read_bytes(addr, &mut b).ok()?;
        Some(usize::from_le_bytes(b))
    };
    // The head is whatever the program registered: one that wraps the address space is no list.
    let Some(last_word) = head.checked_add(16) else { return };
    let (Some(first), Some(offset), Some(pending)) =
        (read_word_at(head), read_word_at(head + 8), read_word_at(last_word))
    else {
        return;
    };
    let mut entry = first;
    let mut n = 0;
    while entry != head && entry != 0 && n < ROBUST_LIST_LIMIT {
        // The low bit marks a PI futex; the entry is the address with it cleared.
        let at = entry & !1;
        let next = read_word_at(at);
        if entry != pending {
            owner_died(t, at.wrapping_add(offset));
        }
        let Some(next) = next else { break };
        entry = next;
        n += 1;
    }
    if pending != 0 {
        owner_died(t, (pending & !1).wrapping_add(offset));
    }
}

fn owner_died(t: &Arc<Thread>, uaddr: usize) {
    let key = {
        let mut mm = t.process.mm();
        let Ok(val) = read_word(&mut mm, uaddr) else { return };
        if val & FUTEX_TID_MASK != t.tid() as u32 {
            return;
        }
        let new = (val & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        if mm.write_bytes(uaddr, &new.to_le_bytes()).is_err() || val & FUTEX_WAITERS == 0 {
            return;
        }
        match key(&mut mm, uaddr, false) {
            Ok(k) => k,
            Err(_) => return,
        }
    };
    wake(key, 1, FUTEX_BITSET_MATCH_ANY);
}
