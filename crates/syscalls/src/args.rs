//! Decoding raw register values into typed syscall arguments.
use mm::{UserCStr, UserPtr, UserSlice, UserSliceMut};

/// The six argument registers of a syscall.
#[derive(Clone, Copy, Debug)]
pub struct Args(pub [usize; 6]);

impl Args {
    pub fn usize(&self, i: usize) -> usize {
        self.0[i]
    }
    /// A C `int` (the low 32 bits, sign-extended), e.g. a file descriptor.
    pub fn i32(&self, i: usize) -> i32 {
        self.0[i] as i32
    }
    /// A C `unsigned int` (flags words).
    pub fn u32(&self, i: usize) -> u32 {
        self.0[i] as u32
    }
    /// A 64-bit word (flags of mount, a device number).
    pub fn u64(&self, i: usize) -> u64 {
        self.0[i] as u64
    }
    pub fn i64(&self, i: usize) -> i64 {
        self.0[i] as i64
    }
    pub fn ptr<T: bytemuck::Pod>(&self, i: usize) -> UserPtr<T> {
        UserPtr::new(self.0[i])
    }
    /// A (pointer, count) pair in arguments `p` and `n`, read by the kernel.
    pub fn slice<T: bytemuck::Pod>(&self, p: usize, n: usize) -> UserSlice<T> {
        UserSlice::new(self.0[p], self.0[n])
    }
    /// A (pointer, count) pair in arguments `p` and `n`, written by the kernel.
    pub fn slice_mut<T: bytemuck::Pod>(&self, p: usize, n: usize) -> UserSliceMut<T> {
        UserSliceMut::new(self.0[p], self.0[n])
    }
    pub fn cstr(&self, i: usize) -> UserCStr {
        UserCStr::new(self.0[i])
    }
}
