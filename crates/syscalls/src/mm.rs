//! Memory syscalls: brk, mmap, munmap, mprotect, madvise.
//!
//! The checks and their order follow Linux (mm/mmap.c `do_mmap`, mm/mprotect.c), so that a
//! program probing for errors sees the same errno as on Linux. File mappings read their pages
//! from the file when first touched; shared file mappings are read-only (see [`sys_mmap`]).
use crate::Caller;
use abi::flags::{
    MapFlags, Prot, MADV_COLD, MADV_DODUMP, MADV_DONTDUMP, MADV_DONTNEED, MADV_DONTNEED_LOCKED, MADV_FREE,
};
use abi::flags::{MADV_NORMAL, MADV_PAGEOUT, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED};
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use fs::File;
use hal::mem::PAGE_SIZE;
use mm::aspace::{page_up_checked, AreaKind};
use mm::layout::{MMAP_MIN, USER_END};
use mm::{AddressSpace, Perm};

/// brk(2), the raw syscall: move the program break to `addr` and return the new break, or the
/// unchanged one when `addr` is 0, below the heap start, or the heap cannot grow that far.
pub async fn sys_brk(cx: &Caller, addr: usize) -> SysResult<usize> {
    Ok(cx.mm().set_brk(addr))
}

/// The mapping type bits of the mmap flags (MAP_TYPE).
const MAP_TYPE: u32 = 0x0f;
/// Flags Linux accepts with MAP_SHARED_VALIDATE (LEGACY_MAP_MASK): SHARED, PRIVATE, FIXED,
/// ANONYMOUS, GROWSDOWN, DENYWRITE, EXECUTABLE, LOCKED, NORESERVE, POPULATE, NONBLOCK, STACK,
/// HUGETLB (0x7_f933) and the MAP_HUGE_* size bits. MAP_SYNC is refused: no DAX file systems.
const LEGACY_MAP_MASK: u32 = 0x7_f933 | (0x3f << 26);
/// Linux's largest file offset (MAX_LFS_FILESIZE).
const MAX_FILE_OFFSET: u64 = i64::MAX as u64;

fn perm_of(prot: Prot) -> Perm {
    let mut perm = Perm::empty();
    for (p, q) in [(Prot::READ, Perm::R), (Prot::WRITE, Perm::W), (Prot::EXEC, Perm::X)] {
        if prot.contains(p) {
            perm |= q;
        }
    }
    perm
}

/// Where a mapping of `len` (page aligned, non-zero) bytes goes: Linux's get_unmapped_area and
/// the MAP_FIXED_NOREPLACE check.
fn place(mm: &AddressSpace, addr: usize, len: usize, flags: MapFlags) -> SysResult<usize> {
    if len > USER_END - MMAP_MIN {
        return Err(Errno::ENOMEM);
    }
    if flags.intersects(MapFlags::FIXED | MapFlags::FIXED_NOREPLACE) {
        if !addr.is_multiple_of(PAGE_SIZE) {
            return Err(Errno::EINVAL);
        }
        if addr > USER_END - len {
            return Err(Errno::ENOMEM);
        }
        // Linux refuses this to processes without CAP_SYS_RAWIO; we refuse it to all, so that
        // NULL and small pointers always fault.
        if addr < MMAP_MIN {
            return Err(Errno::EPERM);
        }
        if flags.contains(MapFlags::FIXED_NOREPLACE) && mm.overlaps(addr, addr + len) {
            return Err(Errno::EEXIST);
        }
        return Ok(addr);
    }
    // A hint is rounded up to a page (riscv64 uses the generic allocator) and taken if free.
    if let Some(hint) = page_up_checked(addr).filter(|&h| h >= MMAP_MIN && h <= USER_END - len) {
        if !mm.overlaps(hint, hint + len) {
            return Ok(hint);
        }
    }
    mm.find_free(len).ok_or(Errno::ENOMEM)
}

/// The checks Linux makes on the file of a file mapping, in its order. Returns the largest
/// permission mprotect may give the mapping later.
fn check_file(file: &File, offset: usize, len: usize, prot: Prot, flags: MapFlags) -> SysResult<Perm> {
    if (offset as u64).checked_add(len as u64).is_none_or(|end| end > MAX_FILE_OFFSET) {
        return Err(Errno::EOVERFLOW);
    }
    let shared = match flags.bits() & MAP_TYPE {
        0x01 => true,
        // MAP_SHARED_VALIDATE: unknown flags are EOPNOTSUPP (= ENOTSUP on Linux).
        0x03 if flags.bits() & !LEGACY_MAP_MASK != 0 => return Err(Errno::ENOTSUP),
        0x03 => true,
        0x02 => false,
        _ => return Err(Errno::EINVAL),
    };
    if shared && prot.contains(Prot::WRITE) && !file.writable() {
        return Err(Errno::EACCES);
    }
    if !file.readable() {
        return Err(Errno::EACCES);
    }
    if !file.inode().mappable() {
        return Err(Errno::ENODEV);
    }
    if !shared {
        return Ok(Perm::all());
    }
    // A shared mapping is a snapshot of the file, which is what a reader sees as long as nobody
    // writes the file meanwhile. Writes through it would be silently lost, so writable shared
    // file mappings are refused, now and by a later mprotect.
    if prot.contains(Prot::WRITE) {
        log::warn!("mmap: writable MAP_SHARED mappings of files are not supported ({}): ENODEV", file.path);
        return Err(Errno::ENODEV);
    }
    Ok(Perm::R | Perm::X)
}

/// mmap(2).
///
/// * Anonymous memory is zero-filled and backed lazily, page by page, on first touch.
/// * MAP_PRIVATE file mappings read each page from the file when it is first touched, and keep
///   that copy: writes to the mapping never reach the file, and writes to the file are seen
///   only in pages not touched yet. Bytes past the end of the file read as zeros, whole pages
///   past it too (Linux would raise SIGBUS there).
/// * MAP_SHARED anonymous memory is shared with fork children (the area is marked shared: its
///   pages are populated at fork and never copied on write). MAP_SHARED_VALIDATE too.
/// * MAP_SHARED file mappings are read-only, read like private ones: with PROT_WRITE (on a
///   file opened for writing) they are ENODEV, and mprotect refuses to make them writable
///   (EACCES).
/// * Only regular files can be mapped (ENODEV otherwise; that includes /dev/zero).
/// * Hints and MAP_FIXED addresses below `MMAP_MIN` are not used (EPERM for MAP_FIXED).
/// * PROT_WRITE without PROT_READ gives readable memory: RISC-V has no write-only pages.
/// * MAP_POPULATE, MAP_LOCKED, MAP_NORESERVE, MAP_HUGETLB, MAP_STACK, MAP_GROWSDOWN are accepted
///   and make no difference.
pub async fn sys_mmap(
    cx: &Caller,
    addr: usize,
    len: usize,
    prot: u32,
    flags: u32,
    fd: i32,
    offset: usize,
) -> SysResult<usize> {
    let (prot, flags) = (Prot::from_bits_retain(prot), MapFlags::from_bits_retain(flags));
    if !offset.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let file = if flags.contains(MapFlags::ANONYMOUS) { None } else { Some(cx.file(fd)?) };
    if len == 0 {
        return Err(Errno::EINVAL);
    }
    let len = page_up_checked(len).ok_or(Errno::ENOMEM)?;
    // The address is checked first, as Linux does.
    let mut mm = cx.mm();
    let start = place(&mm, addr, len, flags)?;
    let max = match &file {
        Some(file) => check_file(file, offset, len, prot, flags)?,
        None if matches!(flags.bits() & MAP_TYPE, 0x01 | 0x02) => Perm::all(),
        None => return Err(Errno::EINVAL),
    };
    if flags.contains(MapFlags::FIXED) && !flags.contains(MapFlags::FIXED_NOREPLACE) {
        mm.unmap(start, len)?;
    }
    match file {
        Some(file) => {
            let backing = Arc::new(crate::exec::FileBacking(file.inode().clone()));
            let kind = AreaKind::File(file.path.clone());
            mm.map_file(start, len, perm_of(prot), max, kind, backing, offset as u64)?;
        }
        None => {
            mm.map_area(start, len, perm_of(prot), max, AreaKind::Anonymous)?;
            if matches!(flags.bits() & MAP_TYPE, 0x01 | 0x03) {
                // MAP_SHARED anonymous memory: one set of pages for this process and its fork
                // children.
                mm.mark_shared(start);
            }
        }
    }
    Ok(start)
}

/// munmap(2). EINVAL for an unaligned address, a zero length or a range beyond user space;
/// unmapped pages in the range are fine.
pub async fn sys_munmap(cx: &Caller, addr: usize, len: usize) -> SysResult<()> {
    cx.mm().unmap(addr, len)
}

/// Linux's extra mprotect bits: PROT_SEM (ignored: any memory may hold semaphores here) and the
/// grow flags, which extend the change to the start (PROT_GROWSDOWN) or end of a grow-able area.
const PROT_SEM: u32 = 0x8;
const PROT_GROWSDOWN: u32 = 0x0100_0000;
const PROT_GROWSUP: u32 = 0x0200_0000;

/// mprotect(2). As in Linux: an unaligned address is EINVAL, a zero length does nothing, a
/// range with unmapped pages is ENOMEM (the areas before the first hole are changed all the
/// same), unknown bits are EINVAL. PROT_GROWSDOWN is honoured on the stack (the only area that
/// grows down); PROT_GROWSUP is EINVAL as on riscv64 Linux, where nothing grows up.
pub async fn sys_mprotect(cx: &Caller, addr: usize, len: usize, prot: u32) -> SysResult<()> {
    let grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
    let prot = prot & !grows;
    if grows == PROT_GROWSDOWN | PROT_GROWSUP || !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    if len == 0 {
        return Ok(());
    }
    let end = page_up_checked(len).and_then(|l| addr.checked_add(l)).ok_or(Errno::ENOMEM)?;
    if prot & !(Prot::READ | Prot::WRITE | Prot::EXEC).bits() & !PROT_SEM != 0 {
        return Err(Errno::EINVAL);
    }
    let perm = perm_of(Prot::from_bits_retain(prot));
    let mut mm = cx.mm();
    let mut start = addr;
    if grows != 0 {
        // The first area meeting [addr, end) must be the stack, and the range extends to its start.
        let first = mm.areas().find(|a| a.end > addr).filter(|a| a.start < end).ok_or(Errno::ENOMEM)?;
        if grows == PROT_GROWSUP || first.kind != AreaKind::Stack {
            return Err(Errno::EINVAL);
        }
        start = first.start.min(addr);
    }
    mm.protect(start, end - start, perm)
}

/// madvise(2), with Linux's checks in its order: the advice (EINVAL), an unaligned address
/// (EINVAL), a length that wraps (EINVAL); a zero length does nothing; holes in the range are
/// ENOMEM after the mapped parts are done.
///
/// * MADV_DONTNEED (and _LOCKED: nothing is locked here) drops the pages: the next touch reads
///   zeros from private anonymous memory, the file again in a private file mapping, and the
///   same bytes in MAP_SHARED memory (glibc does this to the stack of a thread that ends).
/// * MADV_FREE: the same, done at once (Linux may free the pages any time until they are
///   written again; zeros are one of the two answers it allows). EINVAL for memory that is not
///   private anonymous, as Linux.
/// * MADV_NORMAL, _RANDOM, _SEQUENTIAL, _WILLNEED, _COLD, _PAGEOUT (access-pattern and reclaim
///   hints: there is no read-ahead or swap to steer) and MADV_DONTDUMP/_DODUMP (there are no
///   core dumps) change nothing.
/// * The rest (MADV_REMOVE, the fork flags, populating, KSM, huge pages, poisoning) are EINVAL,
///   as a Linux built without them answers.
pub async fn sys_madvise(cx: &Caller, addr: usize, len: usize, advice: i32) -> SysResult<()> {
    let hint = match advice {
        MADV_DONTNEED | MADV_DONTNEED_LOCKED | MADV_FREE => false,
        MADV_NORMAL | MADV_RANDOM | MADV_SEQUENTIAL | MADV_WILLNEED | MADV_COLD | MADV_PAGEOUT | MADV_DONTDUMP
        | MADV_DODUMP => true,
        _ => return Err(Errno::EINVAL),
    };
    if !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let end = page_up_checked(len).and_then(|l| addr.checked_add(l)).ok_or(Errno::EINVAL)?;
    if end == addr {
        return Ok(());
    }
    let mut mm = cx.mm();
    if hint {
        mm.check_mapped(addr, end)
    } else {
        mm.discard(addr, end, advice == MADV_FREE)
    }
}
