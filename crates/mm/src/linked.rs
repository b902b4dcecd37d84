//! The memory of linked applications (unikernel mode).
//!
//! A linked application is Rust code inside the kernel image that calls the syscall functions
//! directly. Its "user pointers" are addresses of its own buffers in kernel memory, so the same
//! typed pointers (`UserPtr`, `UserSlice`, ...) reach them here with plain copies, or with no
//! copy at all ([`AddressSpace::linked_bytes`](crate::AddressSpace::linked_bytes)), instead of
//! a page-table walk. Linked code is trusted, as the rest of the kernel is: the only check is
//! that a range does not wrap and does not touch the first page (a NULL pointer, or a small
//! offset from one, is EFAULT rather than a kernel fault). The app-facing API (crate `app`)
//! only ever passes pointers made from references it holds borrowed for the whole call.
use abi::{Errno, SysResult};
use alloc::vec::Vec;
use hal::mem::PAGE_SIZE;

/// EFAULT for a range that wraps or starts in the first page.
pub(crate) fn check(va: usize, len: usize) -> SysResult<()> {
    match va.checked_add(len) {
        Some(_) if va >= PAGE_SIZE => Ok(()),
        _ => Err(Errno::EFAULT),
    }
}

/// The bytes at `[va, va+len)`, borrowed.
///
/// # Safety
/// `va..va+len` must be memory of the linked application that is valid, and not written by
/// anyone else, for `'a` (the API that made the pointer holds the borrow it came from).
pub(crate) unsafe fn bytes<'a>(va: usize, len: usize) -> &'a [u8] {
    // SAFETY: by this function's contract.
    unsafe { core::slice::from_raw_parts(va as *const u8, len) }
}

/// The bytes at `[va, va+len)`, borrowed for writing.
///
/// # Safety
/// As [`bytes`], and nothing else reads or writes the range for `'a`.
pub(crate) unsafe fn bytes_mut<'a>(va: usize, len: usize) -> &'a mut [u8] {
    // SAFETY: by this function's contract.
    unsafe { core::slice::from_raw_parts_mut(va as *mut u8, len) }
}

/// Copy `dst.len()` bytes from `va`.
pub(crate) fn read(va: usize, dst: &mut [u8]) -> SysResult<()> {
    check(va, dst.len())?;
    // SAFETY: a linked application's pointer to a buffer it lends us for this call (module doc).
    dst.copy_from_slice(unsafe { bytes(va, dst.len()) });
    Ok(())
}

/// Copy `src` to `va`.
pub(crate) fn write(va: usize, src: &[u8]) -> SysResult<()> {
    check(va, src.len())?;
    // SAFETY: as in `read`; the application lent this buffer for writing.
    unsafe { bytes_mut(va, src.len()) }.copy_from_slice(src);
    Ok(())
}

/// A NUL-terminated string at `va` of at most `max` bytes (without the NUL).
pub(crate) fn read_cstr(va: usize, max: usize) -> SysResult<Vec<u8>> {
    check(va, 1)?;
    let mut out = Vec::new();
    loop {
        check(va + out.len(), 1)?;
        // SAFETY: as in `read`: the string is the application's, NUL-terminated by its API.
        let b = unsafe { bytes(va + out.len(), 1) }[0];
        if b == 0 {
            return Ok(out);
        }
        if out.len() == max {
            return Err(Errno::ENAMETOOLONG);
        }
        out.push(b);
    }
}
