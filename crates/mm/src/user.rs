//! Typed user pointers.
//!
//! A syscall never sees a raw user address: the dispatcher wraps each pointer argument in one of
//! these types, and the only way to reach the memory is through an [`AddressSpace`], which checks
//! the range and permissions. Reading gives owned values; writing takes references.
use crate::aspace::AddressSpace;
use abi::{Errno, SysResult};
use alloc::string::String;
use alloc::vec::Vec;
use bytemuck::Pod;
use core::marker::PhantomData;
use hal::context::Access;

/// A pointer to one `T` in user memory.
pub struct UserPtr<T> {
    addr: usize,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UserPtr<T> {}

impl<T> core::fmt::Debug for UserPtr<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:#x}", self.addr)
    }
}

impl<T: Pod> UserPtr<T> {
    pub const fn new(addr: usize) -> Self {
        UserPtr { addr, _t: PhantomData }
    }
    pub fn addr(self) -> usize {
        self.addr
    }
    pub fn is_null(self) -> bool {
        self.addr == 0
    }
    /// `None` for NULL: for the many syscalls where a NULL pointer means "not given".
    pub fn nonnull(self) -> Option<Self> {
        (!self.is_null()).then_some(self)
    }
    /// The `i`-th element after this one (wrapping: the address is checked when it is used).
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, i: usize) -> Self {
        UserPtr::new(self.addr.wrapping_add(i.wrapping_mul(core::mem::size_of::<T>())))
    }
    pub fn read(self, mm: &mut AddressSpace) -> SysResult<T> {
        let mut v = T::zeroed();
        mm.read_bytes(self.addr, bytemuck::bytes_of_mut(&mut v))?;
        Ok(v)
    }
    pub fn write(self, mm: &mut AddressSpace, v: &T) -> SysResult<()> {
        mm.write_bytes(self.addr, bytemuck::bytes_of(v))
    }
}

/// `len` elements of user memory that the kernel reads (a syscall's input buffer).
#[derive(Clone, Copy, Debug)]
pub struct UserSlice<T> {
    addr: usize,
    len: usize,
    _t: PhantomData<fn() -> T>,
}

impl<T: Pod> UserSlice<T> {
    pub const fn new(addr: usize, len: usize) -> Self {
        UserSlice { addr, len, _t: PhantomData }
    }
    pub fn addr(&self) -> usize {
        self.addr
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    fn byte_len(&self) -> SysResult<usize> {
        self.len.checked_mul(core::mem::size_of::<T>()).ok_or(Errno::EFAULT)
    }
    /// Copy the whole slice into the kernel. The user range is checked before the kernel
    /// buffer is allocated, so a huge or bogus length is EFAULT (or ENOMEM), never a panic.
    pub fn read(&self, mm: &mut AddressSpace) -> SysResult<Vec<T>> {
        if self.len == 0 {
            return Ok(Vec::new());
        }
        mm.check_access(self.addr, self.byte_len()?, Access::Read)?;
        let mut v = Vec::new();
        v.try_reserve_exact(self.len).map_err(|_| Errno::ENOMEM)?;
        v.resize(self.len, T::zeroed());
        mm.read_bytes(self.addr, bytemuck::cast_slice_mut(&mut v))?;
        Ok(v)
    }
    /// The first `n` elements.
    pub fn prefix(&self, n: usize) -> Self {
        UserSlice::new(self.addr, n.min(self.len))
    }
}

/// `len` elements of user memory that the kernel writes (a syscall's output buffer).
#[derive(Clone, Copy, Debug)]
pub struct UserSliceMut<T> {
    addr: usize,
    len: usize,
    _t: PhantomData<fn() -> T>,
}

impl<T: Pod> UserSliceMut<T> {
    pub const fn new(addr: usize, len: usize) -> Self {
        UserSliceMut { addr, len, _t: PhantomData }
    }
    pub fn addr(&self) -> usize {
        self.addr
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Copy `src` to the start of the slice. EFAULT if `src` is longer than the slice.
    pub fn write(&self, mm: &mut AddressSpace, src: &[T]) -> SysResult<()> {
        if src.len() > self.len {
            return Err(Errno::EFAULT);
        }
        if src.is_empty() {
            return Ok(());
        }
        mm.write_bytes(self.addr, bytemuck::cast_slice(src))
    }
}

/// A NUL-terminated string in user memory (paths, names).
#[derive(Clone, Copy, Debug)]
pub struct UserCStr {
    addr: usize,
}

/// Longest path accepted, like Linux's PATH_MAX (including the NUL).
pub const PATH_MAX: usize = 4096;

impl UserCStr {
    pub const fn new(addr: usize) -> Self {
        UserCStr { addr }
    }
    pub fn addr(&self) -> usize {
        self.addr
    }
    pub fn is_null(&self) -> bool {
        self.addr == 0
    }
    /// The bytes before the NUL (at most `PATH_MAX - 1` of them).
    pub fn read_bytes(&self, mm: &mut AddressSpace) -> SysResult<Vec<u8>> {
        mm.read_cstr(self.addr, PATH_MAX - 1)
    }
    /// The string as UTF-8 (invalid sequences replaced: paths are compared as bytes anyway).
    pub fn read(&self, mm: &mut AddressSpace) -> SysResult<String> {
        let b = self.read_bytes(mm)?;
        Ok(String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }
}
