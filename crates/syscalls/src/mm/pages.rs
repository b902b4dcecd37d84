//! The calls about the pages behind memory and files: msync, mincore, the mlock family,
//! fadvise64, readahead, and memfd_create (a file that is nothing but its page cache).
//!
//! There is no swap, so a page once in memory stays there until its mapping or file lets it
//! go: locking only checks its arguments and faults the range in, as Linux's mlock populates
//! it. Readahead and WILLNEED bring a disk file's pages into its cache.
use crate::Caller;
use abi::flags::*;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use fs::{File, FileKind};
use hal::mem::PAGE_SIZE;
use mm::aspace::page_up_checked;
use mm::UserSliceMut;

/// msync(2), with Linux's checks in its order: unknown flags, an unaligned start, or MS_SYNC
/// with MS_ASYNC are EINVAL; a range that wraps, or has unmapped parts, ENOMEM (after the rest
/// was synced); a zero length does nothing. MS_SYNC writes the files of the shared file
/// mappings in the range back to their disk; MS_ASYNC and MS_INVALIDATE have nothing to do,
/// since a mapping holds the page cache's own pages.
pub async fn sys_msync(cx: &Caller, addr: usize, len: usize, flags: u32) -> SysResult<()> {
    if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || !addr.is_multiple_of(PAGE_SIZE)
        || flags & (MS_ASYNC | MS_SYNC) == MS_ASYNC | MS_SYNC
    {
        return Err(Errno::EINVAL);
    }
    let end = page_up_checked(len).and_then(|l| addr.checked_add(l)).ok_or(Errno::ENOMEM)?;
    if end == addr {
        return Ok(());
    }
    let (files, hole) = cx.mm().shared_files(addr, end);
    if flags & MS_SYNC != 0 {
        for f in files {
            f.sync()?;
        }
    }
    if hole {
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

/// The longest memfd name: NAME_MAX less the "memfd:" prefix.
const MFD_NAME_MAX: usize = 255 - 6;

/// memfd_create(2): an unnamed tmpfs file, open for reading and writing, shown in /proc as
/// `/memfd:<name> (deleted)`. With MFD_ALLOW_SEALING it takes seals (F_ADD_SEALS), otherwise
/// it holds F_SEAL_SEAL. MFD_HUGETLB is ENOSYS, as on a Linux without hugetlbfs; other unknown
/// flags and a name longer than 249 bytes are EINVAL.
pub async fn sys_memfd_create(cx: &Caller, name: usize, flags: u32) -> SysResult<usize> {
    if flags & !(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB) != 0 {
        return Err(Errno::EINVAL);
    }
    let name = match cx.mm().read_cstr(name, MFD_NAME_MAX) {
        Err(Errno::ENAMETOOLONG) => return Err(Errno::EINVAL),
        n => n?,
    };
    if flags & MFD_HUGETLB != 0 {
        return Err(Errno::ENOSYS);
    }
    let node = fs::ramfs::unnamed_files().unnamed_file(0o777);
    if flags & MFD_ALLOW_SEALING == 0 {
        node.add_seals(F_SEAL_SEAL)?;
    }
    let path = alloc::format!("/memfd:{} (deleted)", alloc::string::String::from_utf8_lossy(&name));
    let file = Arc::new(File::new(node, OpenFlags::RDWR | OpenFlags::LARGEFILE, path));
    Ok(cx.process().files().insert(file, flags & MFD_CLOEXEC != 0)? as usize)
}

/// The page-aligned range `[page_down(addr), end)` of an mlock-style call (which, unlike
/// mprotect, rounds the start down); ENOMEM if it wraps.
fn lock_range(addr: usize, len: usize) -> SysResult<(usize, usize)> {
    let start = addr & !(PAGE_SIZE - 1);
    let len = len.checked_add(addr - start).and_then(page_up_checked).ok_or(Errno::ENOMEM)?;
    Ok((start, start.checked_add(len).ok_or(Errno::ENOMEM)?))
}

/// How many bytes the caller may lock (Linux's can_do_mlock): unlimited with CAP_IPC_LOCK,
/// else RLIMIT_MEMLOCK, and none at all (EPERM) when that is 0. Pages locked earlier are not
/// counted: nothing is ever paged out, so locking only matters for these checks.
fn may_lock(cx: &Caller) -> SysResult<u64> {
    if cx.cred().capable(abi::cred::CAP_IPC_LOCK) {
        return Ok(u64::MAX);
    }
    match cx.process().rlimits.lock()[abi::flags::RLIMIT_MEMLOCK].cur {
        0 => Err(Errno::EPERM),
        limit => Ok(limit),
    }
}

/// Lock `[addr, addr+len)`: every page must be mapped (ENOMEM), and unless `on_fault` the
/// range is faulted in now (EAGAIN if memory runs out, as Linux when it cannot lock).
fn lock(cx: &Caller, addr: usize, len: usize, on_fault: bool) -> SysResult<()> {
    let (start, end) = lock_range(addr, len)?;
    let limit = may_lock(cx)?;
    if (end - start) as u64 > limit {
        return Err(Errno::ENOMEM);
    }
    let mut mm = cx.mm();
    if !mm.mapped_throughout(start, end) {
        return Err(Errno::ENOMEM);
    }
    if !on_fault {
        mm.populate(start, end).map_err(|_| Errno::EAGAIN)?;
    }
    Ok(())
}

/// mlock(2): the range's pages are faulted in and stay (there is no swap). ENOMEM for a range
/// with unmapped pages; beyond RLIMIT_MEMLOCK without CAP_IPC_LOCK (see [`may_lock`]).
pub async fn sys_mlock(cx: &Caller, addr: usize, len: usize) -> SysResult<()> {
    lock(cx, addr, len, false)
}

/// MLOCK_ONFAULT: lock pages as they are touched, not ahead.
const MLOCK_ONFAULT: u32 = 1;

/// mlock2(2): mlock, or with MLOCK_ONFAULT without faulting the range in. Other flags: EINVAL.
pub async fn sys_mlock2(cx: &Caller, addr: usize, len: usize, flags: u32) -> SysResult<()> {
    if flags & !MLOCK_ONFAULT != 0 {
        return Err(Errno::EINVAL);
    }
    lock(cx, addr, len, flags & MLOCK_ONFAULT != 0)
}

/// munlock(2): ENOMEM for a range with unmapped pages; nothing else to undo.
pub async fn sys_munlock(cx: &Caller, addr: usize, len: usize) -> SysResult<()> {
    let (start, end) = lock_range(addr, len)?;
    if !cx.mm().mapped_throughout(start, end) {
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

const MCL_CURRENT: u32 = 1;
const MCL_FUTURE: u32 = 2;
const MCL_ONFAULT: u32 = 4;

/// mlockall(2): flags checked as Linux (none, unknown bits or MCL_ONFAULT alone: EINVAL). The
/// memory is not faulted in: the whole address space includes reservations (the stack's) that
/// Linux would not have populated either, and nothing is ever paged out.
pub async fn sys_mlockall(cx: &Caller, flags: u32) -> SysResult<()> {
    if flags == 0 || flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || flags == MCL_ONFAULT {
        return Err(Errno::EINVAL);
    }
    may_lock(cx).map(|_| ())
}

/// munlockall(2).
pub async fn sys_munlockall(_cx: &Caller) -> SysResult<()> {
    Ok(())
}

/// Bytes of the mincore vector written at a time.
const MINCORE_BATCH: usize = 512;

/// mincore(2): one byte per page of `[addr, addr+len)`, 1 if the page is in memory (in this
/// address space, or in the page cache or shared object its mapping shows). EINVAL for an
/// unaligned start, ENOMEM for a range that wraps, leaves user space or has unmapped pages,
/// EFAULT for a bad vector (written in batches, so a huge range needs no kernel buffer).
pub async fn sys_mincore(cx: &Caller, addr: usize, len: usize, vec: usize) -> SysResult<()> {
    if !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let end = page_up_checked(len).and_then(|l| addr.checked_add(l)).ok_or(Errno::ENOMEM)?;
    if end > mm::layout::USER_END {
        return Err(Errno::ENOMEM);
    }
    let mut mm = cx.mm();
    if !mm.mapped_throughout(addr, end) {
        return Err(Errno::ENOMEM);
    }
    let pages = (end - addr) / PAGE_SIZE;
    let mut batch = [0u8; MINCORE_BATCH];
    let mut done = 0;
    while done < pages {
        let n = (pages - done).min(MINCORE_BATCH);
        for (i, b) in batch[..n].iter_mut().enumerate() {
            *b = mm.resident(addr + (done + i) * PAGE_SIZE) as u8;
        }
        UserSliceMut::<u8>::new(vec + done, n).write(&mut mm, &batch[..n])?;
        done += n;
    }
    Ok(())
}

/// Pages readahead and POSIX_FADV_WILLNEED bring into a cache per call at most (Linux bounds
/// them too): 2 MiB.
const READAHEAD_MAX: u64 = 512;

/// Bring the pages of `[offset, offset+len)` of `file` into its page cache (0: to the end).
fn read_ahead(file: &File, offset: u64, len: u64) -> SysResult<()> {
    let Some(pages) = file.inode().clone().file_pages() else { return Ok(()) };
    let first = offset / PAGE_SIZE as u64;
    let last = if len == 0 { u64::MAX } else { offset.saturating_add(len).div_ceil(PAGE_SIZE as u64) };
    for index in first..last.min(first + READAHEAD_MAX) {
        let (size, _) = pages.lookup(index)?;
        if index * PAGE_SIZE as u64 >= size {
            break;
        }
    }
    Ok(())
}

const POSIX_FADV_WILLNEED: u32 = 3;
const POSIX_FADV_NOREUSE: u32 = 5;

/// fadvise64(2): EBADF for a bad descriptor, ESPIPE for a pipe or FIFO, EINVAL for a negative
/// length or an unknown advice. POSIX_FADV_WILLNEED reads the range into the page cache; the
/// others (NORMAL, RANDOM, SEQUENTIAL, DONTNEED, NOREUSE) are accepted and change nothing.
pub async fn sys_fadvise64(cx: &Caller, fd: i32, offset: i64, len: i64, advice: u32) -> SysResult<()> {
    let file = cx.io_file(fd)?;
    if matches!(file.inode().kind(), FileKind::Fifo) || file.inode().as_any().is_some_and(|a| a.is::<fs::pipe::Pipe>())
    {
        return Err(Errno::ESPIPE);
    }
    if len < 0 || advice > POSIX_FADV_NOREUSE {
        return Err(Errno::EINVAL);
    }
    if advice == POSIX_FADV_WILLNEED && offset >= 0 {
        read_ahead(&file, offset as u64, len as u64)?;
    }
    Ok(())
}

/// readahead(2): EBADF unless open for reading, EINVAL for a file that is not regular (or a
/// negative offset); reads up to 2 MiB of the range into the page cache.
pub async fn sys_readahead(cx: &Caller, fd: i32, offset: i64, count: usize) -> SysResult<()> {
    let file = cx.io_file(fd)?;
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    if file.inode().kind() != FileKind::Regular || offset < 0 {
        return Err(Errno::EINVAL);
    }
    read_ahead(&file, offset as u64, count.max(1) as u64)
}
