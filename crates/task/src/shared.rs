//! [`Shared`]: process state that clone(2) may share between processes and execve may unshare.
//!
//! An address space (CLONE_VM), a descriptor table (CLONE_FILES), the fs context (CLONE_FS) and
//! the signal handlers (CLONE_SIGHAND) each live in an `Arc<Mutex<T>>` that several processes
//! can hold. The process keeps its current one in a `Shared<T>`, which can be switched to
//! another (execve gives the caller a fresh address space even when a vfork parent still uses
//! the old one). `lock()` hands out a guard to the current `T`, so callers write
//! `process.mm.lock()` / `process.files()` whether the state is shared or not.
use alloc::sync::Arc;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use sync::{ArcMutexGuard, Mutex};

pub struct Shared<T> {
    current: Mutex<Arc<Mutex<T>>>,
}

/// A lock on the current value of a [`Shared`]. It keeps that value alive, so it stays valid
/// even if the process switches to another value meanwhile. Never hold it across an `.await`.
pub struct SharedGuard<'a, T: 'static> {
    guard: ArcMutexGuard<T>,
    _shared: PhantomData<&'a Shared<T>>,
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared { current: Mutex::new(Arc::new(Mutex::new(value))) }
    }

    /// Start out sharing `inner` (with the process it came from).
    pub fn from_arc(inner: Arc<Mutex<T>>) -> Self {
        Shared { current: Mutex::new(inner) }
    }

    /// Lock the current value.
    pub fn lock(&self) -> SharedGuard<'_, T>
    where
        T: 'static,
    {
        let owner = self.current.lock().clone();
        SharedGuard { guard: ArcMutexGuard::lock(owner), _shared: PhantomData }
    }

    /// The current value itself, to share it with a new process.
    pub fn get(&self) -> Arc<Mutex<T>> {
        self.current.lock().clone()
    }

    /// Switch to `inner`; returns the previous value.
    pub fn replace(&self, inner: Arc<Mutex<T>>) -> Arc<Mutex<T>> {
        core::mem::replace(&mut *self.current.lock(), inner)
    }

    /// Whether another process holds the current value too.
    pub fn is_shared(&self) -> bool {
        Arc::strong_count(&self.current.lock()) > 1
    }
}

impl<T: Clone + 'static> Shared<T> {
    /// A private copy of the current value, for a new process that does not share it.
    pub fn copy(&self) -> Arc<Mutex<T>> {
        Arc::new(Mutex::new(self.lock().clone()))
    }

    /// Stop sharing: switch to a private copy if another process holds the value.
    pub fn unshare(&self) {
        if self.is_shared() {
            let copy = self.copy();
            self.replace(copy);
        }
    }
}

impl<T: 'static> Deref for SharedGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: 'static> DerefMut for SharedGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_values_see_each_others_changes_until_unshared() {
        let a = Shared::new(1);
        let b = Shared::from_arc(a.get());
        *a.lock() = 2;
        assert_eq!(*b.lock(), 2);
        assert!(b.is_shared());
        b.unshare();
        *a.lock() = 3;
        assert_eq!(*b.lock(), 2);
        assert!(!b.is_shared());
    }

    #[test]
    fn a_guard_outlives_a_switch() {
        let a = Shared::new(alloc::string::String::from("old"));
        let g = a.lock();
        drop(a.replace(Arc::new(Mutex::new(alloc::string::String::from("new")))));
        assert_eq!(&*g, "old");
        drop(g);
        assert_eq!(&*a.lock(), "new");
    }
}
