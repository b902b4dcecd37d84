//! Memory syscalls: brk, mmap, munmap, mprotect, madvise, mremap, membarrier; the calls about
//! the pages behind memory and files are in [`pages`].
//!
//! The checks and their order follow Linux (mm/mmap.c `do_mmap`, mm/mprotect.c), so that a
//! program probing for errors sees the same errno as on Linux. File mappings take their pages
//! from the file's page cache when first touched (see [`sys_mmap`]).
use crate::Caller;
use abi::flags::*;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use fs::File;
use hal::mem::PAGE_SIZE;
use mm::aspace::{page_up_checked, AreaKind};
use mm::layout::{MMAP_MIN, USER_END};
use mm::{AddressSpace, Perm};

mod pages;
mod process_vm;
pub use pages::*;
pub use process_vm::*;

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
pub(crate) fn place(mm: &AddressSpace, addr: usize, len: usize, flags: MapFlags) -> SysResult<usize> {
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
fn check_file(file: &File, offset: usize, len: usize, prot: Prot, flags: MapFlags, has_cache: bool) -> SysResult<Perm> {
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
    // A shared mapping of a file with a page cache holds the file's own pages: writable if the
    // file was opened for writing (now or by a later mprotect), as Linux's VM_MAYWRITE.
    if has_cache {
        return Ok(if file.writable() { Perm::all() } else { Perm::R | Perm::X });
    }
    // Without a cache a shared mapping is a snapshot of the file, which is what a reader sees
    // as long as nobody writes the file meanwhile. Writes through it would be silently lost, so
    // writable ones are refused, now and by a later mprotect.
    if prot.contains(Prot::WRITE) {
        log::warn!("mmap: writable MAP_SHARED mappings of {} (no page cache) are not supported: ENODEV", file.path);
        return Err(Errno::ENODEV);
    }
    Ok(Perm::R | Perm::X)
}

/// Whether the mapping type of `flags` is shared (MAP_SHARED or MAP_SHARED_VALIDATE).
fn is_shared(flags: MapFlags) -> bool {
    matches!(flags.bits() & MAP_TYPE, 0x01 | 0x03)
}

/// mmap(2).
///
/// * Anonymous memory is zero-filled and backed lazily, page by page, on first touch.
/// * Files with a page cache (tmpfs, the root, memfd) are mapped as Linux maps them: a
///   MAP_SHARED mapping holds the file's own pages, so stores through it are what `read`, other
///   mappings and other processes see; a MAP_PRIVATE one shares them read-only and copies a
///   page on its first write (until then it sees writes to the file). A page wholly past the
///   end of the file is SIGBUS when touched, and a file that shrinks takes its pages back.
/// * Files without a page cache: MAP_PRIVATE mappings read each page from the file when it is
///   first touched, and keep that copy (bytes past the end of the file read as zeros); MAP_SHARED
///   ones are read-only, read like private ones: with PROT_WRITE they are ENODEV, and mprotect
///   refuses to make them writable (EACCES).
/// * MAP_SHARED anonymous memory is shared with fork children (the area is marked shared: its
///   pages are populated at fork and never copied on write). MAP_SHARED_VALIDATE too.
/// * Only regular files can be mapped (ENODEV otherwise; that includes /dev/zero).
/// * Hints and MAP_FIXED addresses below `MMAP_MIN` are not used (EPERM for MAP_FIXED).
/// * PROT_WRITE without PROT_READ gives readable memory: RISC-V has no write-only pages.
/// * MAP_POPULATE (and MAP_LOCKED, which locks as mlock does) faults the pages in at once, as
///   far as memory allows (a failure there does not fail the call, as on Linux).
/// * MAP_NORESERVE, MAP_HUGETLB, MAP_STACK, MAP_GROWSDOWN are accepted and make no difference.
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
    let file = if flags.contains(MapFlags::ANONYMOUS) { None } else { Some(cx.io_file(fd)?) };
    if len == 0 {
        return Err(Errno::EINVAL);
    }
    let len = page_up_checked(len).ok_or(Errno::ENOMEM)?;
    // The address is checked first, as Linux does.
    let mut mm = cx.mm();
    let start = place(&mm, addr, len, flags)?;
    let pages = file.as_ref().and_then(|f| f.inode().clone().file_pages());
    let max = match &file {
        Some(file) => {
            let mut max = check_file(file, offset, len, prot, flags, pages.is_some())?;
            // A memfd sealed against writing refuses writable shared mappings, now and later.
            if is_shared(flags) && fs::ramfs::as_ramfile(&**file.inode()).is_some_and(|f| f.write_sealed()) {
                if prot.contains(Prot::WRITE) {
                    return Err(Errno::EPERM);
                }
                max -= Perm::W;
            }
            max
        }
        None if matches!(flags.bits() & MAP_TYPE, 0x01 | 0x02) => Perm::all(),
        None => return Err(Errno::EINVAL),
    };
    if flags.contains(MapFlags::FIXED) && !flags.contains(MapFlags::FIXED_NOREPLACE) {
        mm.unmap(start, len)?;
    }
    match (file, pages) {
        (Some(file), Some(pages)) => {
            let kind = AreaKind::File(file.path.clone());
            let index = (offset / PAGE_SIZE) as u64;
            mm.map_cache(start, len, perm_of(prot), max, kind, pages, index, is_shared(flags))?;
        }
        (Some(file), None) => {
            let backing = Arc::new(crate::exec::FileBacking(file.inode().clone()));
            let kind = AreaKind::File(file.path.clone());
            mm.map_file(start, len, perm_of(prot), max, kind, backing, offset as u64)?;
        }
        (None, _) => {
            mm.map_area(start, len, perm_of(prot), max, AreaKind::Anonymous)?;
            if is_shared(flags) {
                // MAP_SHARED anonymous memory: one set of pages for this process and its fork
                // children.
                mm.mark_shared(start);
            }
        }
    }
    if flags.intersects(MapFlags::POPULATE | MapFlags::LOCKED) {
        let _ = mm.populate(start, start + len);
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

/// What madvise(2) does with an advice.
enum Advice {
    /// A hint about the future use of the memory, with no effect on its contents: there is no
    /// readahead, swap or core dump here to act on it. Checked like any advice (holes: ENOMEM).
    Hint,
    /// MADV_DONTNEED (and MADV_DONTNEED_LOCKED: nothing is ever locked): the pages go; the
    /// next touch reads zeros (private anonymous memory), the file (private file mappings) or
    /// the shared object's data again (MAP_SHARED memory).
    DontNeed,
    /// MADV_FREE: the kernel may free the pages until they are written again; here they go at
    /// once, as under memory pressure on Linux. Private anonymous memory only (EINVAL).
    Free,
}

/// madvise(2), with Linux's checks in Linux's order (mm/madvise.c `do_madvise`): an advice the
/// kernel does not know is EINVAL first, then an unaligned start, a length that wraps or whose
/// end does; a zero length does nothing. The areas in the range are visited from the lowest; an
/// area that refuses the advice ends the call with its error (the ones before it keep theirs),
/// and a hole anywhere in the range is ENOMEM once the rest has been done.
///
/// Advice Linux has only with optional features is EINVAL here, as on a Linux built without
/// them: MADV_HUGEPAGE/NOHUGEPAGE/COLLAPSE (no transparent huge pages),
/// MADV_MERGEABLE/UNMERGEABLE (no KSM), MADV_HWPOISON/SOFT_OFFLINE. So are MADV_REMOVE,
/// MADV_DONTFORK/DOFORK, MADV_WIPEONFORK/KEEPONFORK and MADV_POPULATE_READ/WRITE, which this
/// kernel does not implement.
pub async fn sys_madvise(cx: &Caller, start: usize, len: usize, advice: usize) -> SysResult<()> {
    let advice = match advice {
        MADV_NORMAL | MADV_RANDOM | MADV_SEQUENTIAL | MADV_WILLNEED | MADV_COLD | MADV_PAGEOUT | MADV_DONTDUMP
        | MADV_DODUMP => Advice::Hint,
        MADV_DONTNEED | MADV_DONTNEED_LOCKED => Advice::DontNeed,
        MADV_FREE => Advice::Free,
        _ => return Err(Errno::EINVAL),
    };
    if !start.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let len = page_up_checked(len).ok_or(Errno::EINVAL)?;
    let end = start.checked_add(len).ok_or(Errno::EINVAL)?;
    if len == 0 {
        return Ok(());
    }
    let mut mm = cx.mm();
    // The areas meeting the range, clipped to it: (start, end, private anonymous).
    let spans: alloc::vec::Vec<(usize, usize, bool)> = mm
        .areas()
        .skip_while(|a| a.end <= start)
        .take_while(|a| a.start < end)
        .map(|a| (a.start.max(start), a.end.min(end), a.is_private_anonymous()))
        .collect();
    let mut covered = start;
    let mut hole = false;
    for &(from, to, anonymous) in &spans {
        hole |= from > covered;
        covered = to;
        match advice {
            Advice::Hint => {}
            Advice::Free if !anonymous => return Err(Errno::EINVAL),
            Advice::DontNeed | Advice::Free => mm.discard(from, to),
        }
    }
    if hole || covered < end {
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

/// mremap(2), with Linux's checks in Linux's order (mm/mremap.c): unknown flags, MREMAP_FIXED
/// without MREMAP_MAYMOVE, MREMAP_DONTUNMAP without MAYMOVE or with a new size, an unaligned
/// address and a zero new length (after rounding up to pages) are EINVAL.
///
/// * Shrinking unmaps the tail and returns the address (even over unmapped pages, as Linux).
/// * Growing takes the free pages after the mapping if the old range ends where its area
///   ends; otherwise, with MREMAP_MAYMOVE, the mapping moves to a free range (its contents,
///   permission and file or shared object move with it), without it is ENOMEM.
/// * MREMAP_FIXED moves to `new_addr` (page aligned, EINVAL otherwise or if the two ranges
///   overlap), unmapping what was there; MREMAP_DONTUNMAP (same size) moves the pages and
///   leaves the old range mapped and empty (zeros for private anonymous memory).
/// * The old range must lie in one mapping: EFAULT if `addr` is unmapped or the range runs past
///   its mapping. An old length of 0 duplicates a shared mapping (EINVAL for a private one).
pub async fn sys_mremap(
    cx: &Caller,
    addr: usize,
    old_len: usize,
    new_len: usize,
    flags: u32,
    new_addr: usize,
) -> SysResult<usize> {
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0
        || (flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0)
        || (flags & MREMAP_DONTUNMAP != 0 && (flags & MREMAP_MAYMOVE == 0 || old_len != new_len))
        || !addr.is_multiple_of(PAGE_SIZE)
    {
        return Err(Errno::EINVAL);
    }
    // PAGE_ALIGN wraps in Linux: a length within a page of usize::MAX becomes 0.
    let old_len = page_up_checked(old_len).unwrap_or(0);
    let new_len = page_up_checked(new_len).unwrap_or(0);
    if new_len == 0 {
        return Err(Errno::EINVAL);
    }
    let mut mm = cx.mm();
    if flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 {
        return remap_to(&mut mm, addr, old_len, new_addr, new_len, flags);
    }
    if old_len >= new_len {
        if old_len > new_len {
            let tail = addr.checked_add(new_len).ok_or(Errno::EINVAL)?;
            mm.unmap(tail, old_len - new_len)?;
        }
        return Ok(addr);
    }
    resize_check(&mut mm, addr, old_len, new_len)?;
    let area_end = mm.area_at(addr).map_or(0, |a| a.end);
    if old_len == area_end - addr && mm.grow_in_place(addr, old_len, new_len) {
        return Ok(addr);
    }
    if flags & MREMAP_MAYMOVE == 0 {
        return Err(Errno::ENOMEM);
    }
    let to = place(&mm, 0, new_len, MapFlags::empty())?;
    mm.move_range(addr, old_len, to, new_len, false)?;
    Ok(to)
}

/// Linux's `vma_to_resize`: the old range must lie in one mapping (EFAULT), an old length of 0
/// only duplicates a shared one (EINVAL), and the new size must fit (ENOMEM).
fn resize_check(mm: &mut AddressSpace, addr: usize, old_len: usize, new_len: usize) -> SysResult<()> {
    let shared = mm.resizable_area(addr, old_len)?.is_shared();
    if old_len == 0 && !shared {
        return Err(Errno::EINVAL);
    }
    if new_len != old_len && new_len > USER_END - MMAP_MIN {
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

/// mremap with MREMAP_FIXED or MREMAP_DONTUNMAP (Linux's `mremap_to`).
fn remap_to(
    mm: &mut AddressSpace,
    addr: usize,
    mut old_len: usize,
    new_addr: usize,
    new_len: usize,
    flags: u32,
) -> SysResult<usize> {
    if !new_addr.is_multiple_of(PAGE_SIZE) || new_len > USER_END || new_addr > USER_END - new_len {
        return Err(Errno::EINVAL);
    }
    // The two ranges must not overlap.
    if addr.saturating_add(old_len) > new_addr && new_addr + new_len > addr {
        return Err(Errno::EINVAL);
    }
    let fixed = flags & MREMAP_FIXED != 0;
    if fixed {
        if new_addr < MMAP_MIN {
            // As mmap(MAP_FIXED) here: NULL and small pointers always fault.
            return Err(Errno::EPERM);
        }
        mm.unmap(new_addr, new_len)?;
    }
    if old_len > new_len {
        // Linux's sum wraps and unmaps wherever it lands; here a tail beyond user space is
        // EINVAL, as munmap of an address there.
        let tail = addr.checked_add(new_len).ok_or(Errno::EINVAL)?;
        mm.unmap(tail, old_len - new_len)?;
        old_len = new_len;
    }
    resize_check(mm, addr, old_len, new_len)?;
    let to = if fixed { new_addr } else { place(mm, new_addr, new_len, MapFlags::empty())? };
    mm.move_range(addr, old_len, to, new_len, flags & MREMAP_DONTUNMAP != 0)?;
    Ok(to)
}

/// membarrier(2) commands (linux/membarrier.h).
const MEMBARRIER_CMD_QUERY: i32 = 0;
const MEMBARRIER_CMD_GLOBAL: i32 = 1;
const MEMBARRIER_CMD_GLOBAL_EXPEDITED: i32 = 2;
const MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED: i32 = 4;
const MEMBARRIER_CMD_PRIVATE_EXPEDITED: i32 = 8;
const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: i32 = 16;
/// What QUERY answers: Linux 6.1 on riscv64 has neither the SYNC_CORE commands (no
/// ARCH_HAS_MEMBARRIER_SYNC_CORE there yet) nor, in the benchmarks' configuration, RSEQ.
const MEMBARRIER_SUPPORTED: i32 = MEMBARRIER_CMD_GLOBAL
    | MEMBARRIER_CMD_GLOBAL_EXPEDITED
    | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED
    | MEMBARRIER_CMD_PRIVATE_EXPEDITED
    | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED;

/// membarrier(2). With one hart, every thread that is not running has passed through the
/// kernel since its last user instruction, so a barrier is a fact by the time the call is
/// made; what remains are Linux's answers: the supported set for QUERY, EPERM for
/// PRIVATE_EXPEDITED before the address space registered for it, EINVAL for flags (only an
/// RSEQ command takes one, and there is none) and for unknown or unsupported commands.
/// `cpu_id` only matters with the RSEQ flag.
pub async fn sys_membarrier(cx: &Caller, cmd: i32, flags: u32, _cpu_id: i32) -> SysResult<i32> {
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    match cmd {
        MEMBARRIER_CMD_QUERY => Ok(MEMBARRIER_SUPPORTED),
        MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED => Ok(0),
        MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED => {
            cx.mm().membarrier |= cmd as u32;
            Ok(0)
        }
        MEMBARRIER_CMD_PRIVATE_EXPEDITED => {
            if cx.mm().membarrier & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED as u32 == 0 {
                return Err(Errno::EPERM);
            }
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
