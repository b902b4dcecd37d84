//! [`ArcMutexGuard`]: a lock on an `Arc<Mutex<T>>` that owns its `Arc` (lock_api's
//! `ArcMutexGuard`, which `spin` does not have). It lets a guard outlive the place the `Arc` was
//! found in, e.g. a process's address space that execve may replace while a caller holds it.
use alloc::sync::Arc;
use core::ops::{Deref, DerefMut};
use spin::{Mutex, MutexGuard};

pub struct ArcMutexGuard<T: 'static> {
    // Declared first: dropped (unlocked) before the Arc that owns the mutex.
    guard: MutexGuard<'static, T>,
    _owner: Arc<Mutex<T>>,
}

impl<T: 'static> ArcMutexGuard<T> {
    /// Lock the mutex in `owner`, keeping `owner` alive while locked.
    pub fn lock(owner: Arc<Mutex<T>>) -> Self {
        // SAFETY: the mutex lives inside the allocation `owner` keeps alive, and `owner` is
        // stored in the guard next to the lock guard, which is dropped first (field order).
        // The allocation never moves, and the `'static` reference never leaves this struct
        // (Deref hands out borrows of `self`), so it is used only while `owner` holds it.
        let mutex: &'static Mutex<T> = unsafe { &*Arc::as_ptr(&owner) };
        ArcMutexGuard { guard: mutex.lock(), _owner: owner }
    }
}

impl<T: 'static> Deref for ArcMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: 'static> DerefMut for ArcMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_keeps_the_value_alive_and_locked() {
        let a = Arc::new(Mutex::new(1));
        let mut g = ArcMutexGuard::lock(a.clone());
        *g += 1;
        assert!(a.try_lock().is_none(), "locked while the guard lives");
        drop(a);
        assert_eq!(*g, 2, "the guard's own Arc keeps the value");
    }
}
