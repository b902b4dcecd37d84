//! Address spaces: a set of non-overlapping areas over one page table.
//!
//! Pages are allocated when first touched (by the user, through a page fault, or by the kernel,
//! through the user-copy functions below), so a large mmap or stack costs nothing until used.
//! The areas' page maps are the source of truth; the page table mirrors them for the MMU.
//!
//! Copy-on-write: [`AddressSpace::fork`] gives the child the parent's frames (`Arc<Frame>`
//! clones) and maps private writable pages read-only in both. A frame with more than one owner
//! is copied before anyone writes it: by the page-fault handler for the user, and by the
//! user-copy functions for the kernel, which go through the same [`AddressSpace::page`] walk.
//!
//! Areas marked shared (MAP_SHARED anonymous memory) hold their pages in a [`SharedPages`]
//! object that every process mapping them shares: a page touched first in any of them, before
//! or after fork, is the same frame in all. File areas ([`AddressSpace::map_file`]) read a
//! page from their [`Backing`] when it is first touched, so mapping a huge file costs nothing
//! until it is used. Areas over a file with a page cache ([`AddressSpace::map_cache`]) hold the
//! cache's own frames: shared ones write into the file, private ones copy a page on the first
//! write, and a page past the end of the file cannot be had (`EIO`: SIGBUS for the user).
use crate::cache::FilePages;
use crate::frame::Frame;
use crate::layout::{MMAP_MIN, MMAP_TOP, USER_END};
use crate::page_table::{PageTable, PteFlags};
use crate::pagemap::PageMap;
use abi::{Errno, SysResult};
use alloc::collections::btree_map::{BTreeMap, Entry};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bitflags::bitflags;
use core::sync::atomic::{AtomicU64, Ordering};
use hal::context::Access;
use hal::mem::{page_down, page_up, PAGE_SIZE};
use sync::Mutex;

bitflags! {
    /// Access rights of an area (user mode always).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Perm: u8 {
        const R = 1;
        const W = 2;
        const X = 4;
    }
}

impl Perm {
    /// The leaf PTE flags for this permission, or `None` for no access at all: a valid PTE
    /// without R, W and X would be read by the MMU as a pointer to a next-level table, so a
    /// PROT_NONE page is kept out of the page table (its frame stays in the area).
    fn pte(self) -> Option<PteFlags> {
        if self.is_empty() {
            return None;
        }
        let mut f = PteFlags::U;
        // RISC-V has no write-only pages: W implies R.
        if self.intersects(Perm::R | Perm::W) {
            f |= PteFlags::R;
        }
        if self.contains(Perm::W) {
            f |= PteFlags::W;
        }
        if self.contains(Perm::X) {
            f |= PteFlags::X;
        }
        Some(f)
    }

    /// Whether the user (or the kernel on its behalf) may make `access`: exactly what the PTE
    /// from [`Perm::pte`] lets the MMU do. Execute-only pages are not readable (no MXR).
    fn allows(self, access: Access) -> bool {
        match access {
            Access::Read => self.intersects(Perm::R | Perm::W),
            Access::Write => self.contains(Perm::W),
            Access::Execute => self.contains(Perm::X),
        }
    }
}

/// `page_up(x)`, or `None` if it does not fit in a `usize` (user-controlled lengths).
pub fn page_up_checked(x: usize) -> Option<usize> {
    x.checked_add(PAGE_SIZE - 1).map(page_down)
}

/// What an area holds, for diagnostics and /proc/<pid>/maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AreaKind {
    Anonymous,
    Heap,
    Stack,
    /// Loaded from (or privately mapped from) the named file.
    File(String),
}

/// The frame for the page `offset` bytes into an area with `source`, touched for the first
/// time in this address space.
fn first_touch(source: &Source, offset: usize) -> SysResult<Arc<Frame>> {
    match source {
        Source::Zero => Ok(Arc::new(Frame::alloc().ok_or(Errno::ENOMEM)?)),
        Source::Shared(obj, first) => {
            let mut pages = obj.pages.lock();
            match pages.entry(first + offset / PAGE_SIZE) {
                Entry::Occupied(e) => Ok(e.get().clone()),
                Entry::Vacant(e) => Ok(e.insert(Arc::new(Frame::alloc().ok_or(Errno::ENOMEM)?)).clone()),
            }
        }
        Source::Cache(file, first, shared) => {
            file.page(first + (offset / PAGE_SIZE) as u64, *shared)?.ok_or(Errno::EIO)
        }
        Source::File(file, start) => {
            let f = Frame::alloc().ok_or(Errno::ENOMEM)?;
            let mut buf = [0u8; PAGE_SIZE];
            let at = start.checked_add(offset as u64).ok_or(Errno::EFAULT)?;
            let mut done = 0;
            while done < PAGE_SIZE {
                match file.read_at(at + done as u64, &mut buf[done..])? {
                    0 => break,
                    n => done += n,
                }
            }
            f.write(0, &buf[..done]);
            Ok(Arc::new(f))
        }
    }
}

/// A contiguous page-aligned range with one permission.
pub struct Area {
    pub start: usize,
    pub end: usize,
    pub perm: Perm,
    /// The most `protect` may grant (Linux's VM_MAY* bits); EACCES beyond it.
    pub max: Perm,
    pub kind: AreaKind,
    /// Present pages, by page address. A frame owned by several address spaces (after fork)
    /// is copied on the first write unless the area is shared.
    pages: PageMap,
    /// Where pages come from when first touched: zeros, a shared object, or a file.
    source: Source,
}

/// The pages of MAP_SHARED anonymous memory, shared by every area that maps them (in any
/// process), by page index. They live as long as one of those areas does.
#[derive(Default)]
pub struct SharedPages {
    pages: Mutex<BTreeMap<usize, Arc<Frame>>>,
}

/// Where a private file area's pages come from: the file, read when a page is first touched.
pub trait Backing: Send + Sync {
    /// Fill `buf` from byte `offset` of the file; returns how many bytes there were (fewer at
    /// its end, 0 past it).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize>;
    /// The file's page cache, if it has one: then mappings share its frames instead of reading
    /// copies (see [`AddressSpace::map_cache`]).
    fn pages(&self) -> Option<Arc<dyn FilePages>> {
        None
    }
}

/// Where an area's pages come from when first touched.
#[derive(Clone)]
enum Source {
    /// Zero-filled private memory.
    Zero,
    /// Page `index` of the shared object holds the area's first page.
    Shared(Arc<SharedPages>, usize),
    /// Byte `offset` of the file is the area's first byte.
    File(Arc<dyn Backing>, u64),
    /// Page `index` of the file's cache is the area's first page; `true` for a shared mapping
    /// (stores reach the file), `false` for a private one (copy on the first write).
    Cache(Arc<dyn FilePages>, u64, bool),
}

impl Source {
    /// The source of the part of an area starting `bytes` (page aligned) later.
    fn advanced(&self, bytes: usize) -> Source {
        match self {
            Source::Zero => Source::Zero,
            Source::Shared(obj, index) => Source::Shared(obj.clone(), index + bytes / PAGE_SIZE),
            Source::File(file, offset) => Source::File(file.clone(), offset + bytes as u64),
            Source::Cache(file, index, shared) => {
                Source::Cache(file.clone(), index + (bytes / PAGE_SIZE) as u64, *shared)
            }
        }
    }

    /// Does `next`, an area starting `bytes` after this one, continue it?
    fn continued_by(&self, next: &Source, bytes: usize) -> bool {
        match (self, next) {
            (Source::Zero, Source::Zero) => true,
            (Source::Shared(a, i), Source::Shared(b, j)) => Arc::ptr_eq(a, b) && i + bytes / PAGE_SIZE == *j,
            (Source::File(a, o), Source::File(b, p)) => {
                core::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b)) && o + bytes as u64 == *p
            }
            (Source::Cache(a, i, s), Source::Cache(b, j, t)) => {
                core::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b)) && i + (bytes / PAGE_SIZE) as u64 == *j && s == t
            }
            _ => false,
        }
    }
}

impl Area {
    /// How many of its pages are present (resident set, /proc/<pid>/stat and statm).
    pub fn resident_pages(&self) -> usize {
        self.pages.len()
    }

    /// MAP_SHARED memory: its frames stay shared (and writable) across fork.
    pub fn is_shared(&self) -> bool {
        matches!(self.source, Source::Shared(..) | Source::Cache(_, _, true))
    }

    /// A mapping of a file (shared or private), as opposed to anonymous memory.
    pub fn is_file(&self) -> bool {
        matches!(self.source, Source::File(..) | Source::Cache(..))
    }

    /// The file of a mapping that holds a file's pages, and the page of it the area starts
    /// with (System V shared memory finds its attachments by it).
    pub fn cache_source(&self) -> Option<(&Arc<dyn FilePages>, u64)> {
        match &self.source {
            Source::Cache(f, index, _) => Some((f, *index)),
            _ => None,
        }
    }

    /// Private anonymous memory (zero-filled on first touch: anonymous mappings, the heap, the
    /// stack), Linux's `vma_is_anonymous` (what MADV_FREE accepts).
    pub fn is_private_anonymous(&self) -> bool {
        matches!(self.source, Source::Zero)
    }

    /// Split off `[at, end)` into a new area (page aligned, strictly inside).
    fn split_off(&mut self, at: usize) -> Area {
        let pages = self.pages.split_off(at);
        let right = Area {
            start: at,
            end: self.end,
            perm: self.perm,
            max: self.max,
            kind: self.kind.clone(),
            pages,
            source: self.source.advanced(at - self.start),
        };
        self.end = at;
        right
    }
}

/// Bytes of a C string read (and searched for its NUL) at a time.
const CSTR_CHUNK: usize = 128;

pub struct AddressSpace {
    /// Unique for the life of the system (futex keys of private mappings).
    id: u64,
    pt: PageTable,
    areas: BTreeMap<usize, Area>,
    /// Start of the heap (just above the loaded program) and the current byte-granular break.
    brk_base: usize,
    brk: usize,
    /// Where the loader put the argument and environment strings (/proc/<pid>/cmdline,
    /// environ and stat read them from here, as Linux's mm->arg_start etc.).
    pub args: ArgArea,
    /// The space of a linked application: its pointers are kernel addresses (`crate::linked`);
    /// the page table stays empty and nothing can be mapped.
    linked: bool,
    /// The membarrier(2) commands this address space registered for (their `REGISTER_*` bits),
    /// as Linux's `mm->membarrier_state`: a fork's or an exec's new space starts without.
    pub membarrier: u32,
}

/// The ranges `[arg_start, arg_end)` and `[env_start, env_end)` of the initial stack holding
/// argv's and envp's strings (NULs included). All 0 before a program is loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArgArea {
    pub arg_start: usize,
    pub arg_end: usize,
    pub env_start: usize,
    pub env_end: usize,
}

impl AddressSpace {
    pub fn new() -> SysResult<AddressSpace> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Ok(AddressSpace {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            pt: PageTable::new().ok_or(Errno::ENOMEM)?,
            areas: BTreeMap::new(),
            brk_base: 0,
            args: ArgArea::default(),
            brk: 0,
            linked: false,
            membarrier: 0,
        })
    }

    /// The address space of a linked application (unikernel mode): user pointers are the
    /// application's own kernel addresses, read and written in place (see `crate::linked`).
    /// The space as processes hold it, made known to the page cache so that a file that shrinks
    /// can take its pages back from the space's mappings ([`crate::cache::unmap_past`]).
    pub fn shared(self) -> Arc<Mutex<AddressSpace>> {
        let space = Arc::new(Mutex::new(self));
        crate::cache::register(&space);
        space
    }

    pub fn linked() -> SysResult<AddressSpace> {
        Ok(AddressSpace { linked: true, ..Self::new()? })
    }

    /// A linked application's buffer at `[va, va+len)`, borrowed instead of copied; `None` for
    /// a process with its own address space (its memory must be copied page by page). EFAULT
    /// for a NULL or wrapping range.
    pub fn linked_bytes<'a>(&self, va: usize, len: usize) -> Option<SysResult<&'a [u8]>> {
        self.linked.then(|| {
            crate::linked::check(va, len)?;
            // SAFETY: a linked application's pointer, lent by its API for the whole syscall.
            Ok(unsafe { crate::linked::bytes(va, len) })
        })
    }

    /// [`AddressSpace::linked_bytes`] for a buffer the syscall fills.
    pub fn linked_bytes_mut<'a>(&self, va: usize, len: usize) -> Option<SysResult<&'a mut [u8]>> {
        self.linked.then(|| {
            crate::linked::check(va, len)?;
            // SAFETY: as in `linked_bytes`; the application lent the buffer for writing.
            Ok(unsafe { crate::linked::bytes_mut(va, len) })
        })
    }

    /// Whether this is a linked application's space (its pointers are kernel addresses).
    pub fn is_linked(&self) -> bool {
        self.linked
    }

    /// This address space's identity (never reused).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// A copy-on-write duplicate for fork(2): the same areas and break; every present frame is
    /// shared, and private writable pages become read-only in both spaces until written (see
    /// [`AddressSpace::page`]). Shared areas share their object: pages touched later by either
    /// process are seen by both.
    pub fn fork(&mut self) -> SysResult<AddressSpace> {
        let mut child = AddressSpace::new()?;
        child.brk_base = self.brk_base;
        child.brk = self.brk;
        child.args = self.args;
        for area in self.areas.values() {
            let shared = area.is_shared();
            let flags = area.perm.pte().map(|f| if shared { f } else { f - PteFlags::W });
            for (va, f) in area.pages.iter() {
                if let Some(flags) = flags {
                    if area.perm.contains(Perm::W) && !shared {
                        self.pt.map(va, f.pa(), flags).ok_or(Errno::ENOMEM)?;
                    }
                    child.pt.map(va, f.pa(), flags).ok_or(Errno::ENOMEM)?;
                }
            }
            let copy = Area {
                start: area.start,
                end: area.end,
                perm: area.perm,
                max: area.max,
                kind: area.kind.clone(),
                pages: area.pages.clone(),
                source: area.source.clone(),
            };
            child.areas.insert(area.start, copy);
        }
        hal::mem::flush_tlb();
        Ok(child)
    }

    /// Mark the area starting at `start` as shared memory (MAP_SHARED): fork shares its frames
    /// instead of copying them on write.
    pub fn mark_shared(&mut self, start: usize) {
        if let Some(a) = self.areas.get_mut(&start) {
            if !a.is_shared() {
                // Pages already present become the object's first pages.
                let obj = SharedPages::default();
                {
                    let mut pages = obj.pages.lock();
                    for (va, f) in a.pages.iter() {
                        pages.insert((va - a.start) / PAGE_SIZE, f.clone());
                    }
                }
                a.source = Source::Shared(Arc::new(obj), 0);
            }
        }
    }

    /// How many address spaces hold the frame behind `va` (1 unless shared by fork or a shared
    /// area); `None` if no page is present there. For tests and diagnostics.
    pub fn frame_owners(&self, va: usize) -> Option<usize> {
        let a = self.area_at(va)?;
        a.pages.get(page_down(va)).map(Arc::strong_count)
    }

    /// The physical address backing `va` if it lies in a shared area (for futex keys that must
    /// match across processes), faulting the page in; `None` for private memory.
    pub fn shared_frame(&mut self, va: usize) -> SysResult<Option<usize>> {
        match self.area_at(va) {
            Some(a) if a.is_shared() => Ok(Some(self.page(va, Some(Access::Read), false)?.pa() + va % PAGE_SIZE)),
            Some(_) => Ok(None),
            None => Err(Errno::EFAULT),
        }
    }

    /// Physical address of the root page table, for activating this space on the hart.
    pub fn root_pa(&self) -> usize {
        self.pt.root_pa()
    }

    pub fn page_table(&self) -> &PageTable {
        &self.pt
    }

    /// The areas, lowest first.
    pub fn areas(&self) -> impl Iterator<Item = &Area> {
        self.areas.values()
    }

    /// Is any byte of `[start, end)` mapped?
    pub fn overlaps(&self, start: usize, end: usize) -> bool {
        self.areas.range(..end).next_back().is_some_and(|(_, a)| a.end > start)
    }

    /// The area containing `va`.
    pub fn area_at(&self, va: usize) -> Option<&Area> {
        self.areas.range(..=va).next_back().map(|(_, a)| a).filter(|a| va < a.end)
    }

    /// Add an area over the free range `[start, start+len)`. Nothing is allocated yet.
    pub fn map(&mut self, start: usize, len: usize, perm: Perm, kind: AreaKind) -> SysResult<()> {
        self.map_area(start, len, perm, Perm::all(), kind)
    }

    /// [`AddressSpace::map`] with a limit on what `protect` may grant later.
    pub fn map_area(&mut self, start: usize, len: usize, perm: Perm, max: Perm, kind: AreaKind) -> SysResult<()> {
        self.map_sourced(start, len, (perm, max), kind, Source::Zero)
    }

    /// The area of [`AddressSpace::map_area`], its pages taken from `source`.
    fn map_sourced(
        &mut self,
        start: usize,
        len: usize,
        (perm, max): (Perm, Perm),
        kind: AreaKind,
        source: Source,
    ) -> SysResult<()> {
        if self.linked {
            return Err(Errno::ENOMEM); // a linked application allocates with Rust's allocator
        }
        let end = page_up_checked(len).and_then(|l| start.checked_add(l)).ok_or(Errno::ENOMEM)?;
        if !start.is_multiple_of(PAGE_SIZE) || len == 0 || end > USER_END {
            return Err(Errno::EINVAL);
        }
        if self.overlaps(start, end) {
            return Err(Errno::EEXIST);
        }
        self.areas.insert(start, Area { start, end, perm, max, kind, pages: PageMap::default(), source });
        Ok(())
    }

    /// [`AddressSpace::map_area`] for a private mapping of `file` from byte `offset`: each page
    /// is read from the file when first touched (bytes past its end read as zeros), and is
    /// the process's own copy from then on.
    #[allow(clippy::too_many_arguments)]
    pub fn map_file(
        &mut self,
        start: usize,
        len: usize,
        perm: Perm,
        max: Perm,
        kind: AreaKind,
        file: Arc<dyn Backing>,
        offset: u64,
    ) -> SysResult<()> {
        self.map_sourced(start, len, (perm, max), kind, Source::File(file, offset))
    }

    /// [`AddressSpace::map_area`] over page `index` on of a file's page cache: `shared`, the
    /// area holds the cache's frames and stores reach the file (MAP_SHARED); otherwise it holds
    /// them read-only and copies a page when it is first written (MAP_PRIVATE, program
    /// segments). Pages are taken when first touched; one wholly past the end of the file
    /// cannot be (SIGBUS).
    #[allow(clippy::too_many_arguments)]
    pub fn map_cache(
        &mut self,
        start: usize,
        len: usize,
        perm: Perm,
        max: Perm,
        kind: AreaKind,
        file: Arc<dyn FilePages>,
        index: u64,
        shared: bool,
    ) -> SysResult<()> {
        self.map_sourced(start, len, (perm, max), kind, Source::Cache(file, index, shared))
    }

    /// Drop the pages from page `index` of the file `file` ([`crate::cache::file_id`]) on out
    /// of every area mapping it: the file shrank below them.
    pub(crate) fn drop_file_pages(&mut self, file: usize, index: u64) {
        // The part of each area mapping the file that lies at or past page `index` of it.
        let ranges: Vec<(usize, usize)> = self
            .areas
            .values()
            .filter_map(|a| match &a.source {
                Source::Cache(f, first, _) if crate::cache::file_id(&**f) == file => {
                    let skip = usize::try_from(index.saturating_sub(*first)).unwrap_or(usize::MAX);
                    let from = skip.checked_mul(PAGE_SIZE).and_then(|b| a.start.checked_add(b))?;
                    (from < a.end).then_some((from, a.end))
                }
                _ => None,
            })
            .collect();
        for (from, end) in ranges {
            self.discard(from, end);
        }
    }

    /// Whether a shared area of this space maps the file `file` ([`crate::cache::file_id`])
    /// writable, or may be made so by mprotect.
    pub(crate) fn maps_writable(&self, file: usize) -> bool {
        self.areas.values().any(|a| match &a.source {
            Source::Cache(f, _, true) => crate::cache::file_id(&**f) == file && a.max.contains(Perm::W),
            _ => false,
        })
    }

    /// The files of the shared file mappings in `[start, end)` (for msync), and whether part of
    /// the range is not mapped.
    pub fn shared_files(&self, start: usize, end: usize) -> (Vec<Arc<dyn FilePages>>, bool) {
        let mut files: Vec<Arc<dyn FilePages>> = Vec::new();
        let mut at = start;
        let mut hole = false;
        for a in self.areas.range(..end).map(|(_, a)| a).filter(|a| a.end > start) {
            hole |= a.start > at;
            at = a.end;
            if let Source::Cache(f, _, true) = &a.source {
                if !files.iter().any(|g| core::ptr::addr_eq(Arc::as_ptr(g), Arc::as_ptr(f))) {
                    files.push(f.clone());
                }
            }
        }
        (files, hole || at < end)
    }

    /// Whether every page of `[start, end)` is mapped.
    pub fn mapped_throughout(&self, start: usize, end: usize) -> bool {
        let mut at = start;
        for a in self.areas.range(..end).map(|(_, a)| a).filter(|a| a.end > start) {
            if a.start > at {
                return false;
            }
            at = a.end;
        }
        at >= end
    }

    /// Whether the page at `va` is in memory (mincore(2)): present in this space, or in the
    /// object or page cache its area maps (a page another process or `read` brought in).
    pub fn resident(&self, va: usize) -> bool {
        let Some(a) = self.area_at(va) else { return false };
        let page = page_down(va);
        if a.pages.contains(page) {
            return true;
        }
        let index = (page - a.start) / PAGE_SIZE;
        match &a.source {
            Source::Shared(obj, first) => obj.pages.lock().contains_key(&(first + index)),
            Source::Cache(file, first, _) => file.cached(first + index as u64),
            Source::Zero | Source::File(..) => false,
        }
    }

    /// Fault in the pages of `[start, end)` that the user may touch (MAP_POPULATE, mlock), as
    /// a write for private writable memory (Linux breaks copy-on-write ahead too). Pages past
    /// the end of a file are skipped; ENOMEM when memory runs out.
    pub fn populate(&mut self, start: usize, end: usize) -> SysResult<()> {
        let mut va = page_down(start);
        while va < end {
            let Some(a) = self.area_at(va) else {
                va += PAGE_SIZE;
                continue;
            };
            let (perm, shared) = (a.perm, a.is_shared());
            if !perm.is_empty() {
                let write = perm.contains(Perm::W) && !shared;
                match self.page(va, None, write) {
                    Ok(_) | Err(Errno::EIO) => {}
                    Err(e) => return Err(e),
                }
            }
            va += PAGE_SIZE;
        }
        Ok(())
    }

    /// Split areas so that `at` is an area boundary.
    fn split_at(&mut self, at: usize) {
        let key = match self.areas.range(..at).next_back() {
            Some((&k, a)) if a.end > at => k,
            _ => return,
        };
        let right = self.areas.get_mut(&key).expect("area").split_off(at);
        self.areas.insert(at, right);
    }

    /// Join the area starting at `at` to the one ending there if they are alike (the inverse of
    /// `split_at`, so that repeated mprotect calls do not fragment the map).
    fn merge_at(&mut self, at: usize) {
        let alike = match (self.areas.range(..at).next_back(), self.areas.get(&at)) {
            (Some((_, l)), Some(r)) => {
                l.end == at
                    && l.perm == r.perm
                    && l.max == r.max
                    && l.kind == r.kind
                    && l.source.continued_by(&r.source, at - l.start)
            }
            _ => false,
        };
        if alike {
            let right = self.areas.remove(&at).expect("area");
            let (_, left) = self.areas.range_mut(..at).next_back().expect("area");
            left.end = right.end;
            left.pages.extend(right.pages);
        }
    }

    /// Keys of the areas intersecting `[start, end)` once split at both ends.
    fn isolate(&mut self, start: usize, end: usize) -> Vec<usize> {
        self.split_at(start);
        self.split_at(end);
        self.areas.range(start..end).map(|(&k, _)| k).collect()
    }

    /// Remove every mapping in `[start, start+len)` (munmap semantics: holes are fine).
    /// EINVAL for an unaligned start, a zero length or a range beyond user space.
    pub fn unmap(&mut self, start: usize, len: usize) -> SysResult<()> {
        let end = page_up_checked(len).and_then(|l| start.checked_add(l)).ok_or(Errno::EINVAL)?;
        if !start.is_multiple_of(PAGE_SIZE) || len == 0 || end > USER_END {
            return Err(Errno::EINVAL);
        }
        for key in self.isolate(start, end) {
            let area = self.areas.remove(&key).expect("area");
            for va in area.pages.keys() {
                self.pt.unmap(va);
            }
        }
        hal::mem::flush_tlb();
        Ok(())
    }

    /// MADV_DONTNEED: let go of the pages present in `[start, end)` (page aligned), in every
    /// area there (holes are skipped). The next touch takes each page from its area's source
    /// again: zeros for private anonymous memory, the file for a private file mapping, the
    /// shared object (the same data) for MAP_SHARED memory. A frame still shared after fork
    /// stays with the other address space.
    pub fn discard(&mut self, start: usize, end: usize) {
        let mut dropped = Vec::new();
        for (_, area) in self.areas.range_mut(..end).rev().take_while(|(_, a)| a.end > start) {
            let keys: Vec<usize> = area.pages.range(start, end).collect();
            for va in keys {
                area.pages.remove(va);
                dropped.push(va);
            }
        }
        for &va in &dropped {
            self.pt.unmap(va);
        }
        if !dropped.is_empty() {
            hal::mem::flush_tlb();
        }
    }

    /// mprotect semantics: change the permission of `[start, start+len)`, area by area from the
    /// start. Like Linux, a hole stops the walk with ENOMEM and a permission beyond an area's
    /// `max` with EACCES, and the areas before that point keep their new permission.
    pub fn protect(&mut self, start: usize, len: usize, perm: Perm) -> SysResult<()> {
        if !start.is_multiple_of(PAGE_SIZE) {
            return Err(Errno::EINVAL);
        }
        if len == 0 {
            return Ok(());
        }
        let end = page_up_checked(len).and_then(|l| start.checked_add(l)).ok_or(Errno::ENOMEM)?;
        let mut at = start;
        let mut result = Ok(());
        while at < end {
            let (stop, max) = match self.area_at(at) {
                Some(a) => (a.end.min(end), a.max),
                None => {
                    result = Err(Errno::ENOMEM);
                    break;
                }
            };
            if !max.contains(perm) {
                result = Err(Errno::EACCES);
                break;
            }
            self.split_at(at);
            self.split_at(stop);
            let area = self.areas.get_mut(&at).expect("area");
            area.perm = perm;
            for (va, f) in area.pages.iter() {
                match perm.pte() {
                    // A frame still shared after fork stays read-only until written (copied).
                    Some(flags) if !area.is_shared() && Arc::strong_count(f) > 1 => {
                        self.pt.map(va, f.pa(), flags - PteFlags::W).ok_or(Errno::ENOMEM)?
                    }
                    Some(flags) => self.pt.map(va, f.pa(), flags).ok_or(Errno::ENOMEM)?,
                    None => {
                        self.pt.unmap(va);
                    }
                }
            }
            self.merge_at(at);
            at = stop;
        }
        self.merge_at(at);
        hal::mem::flush_tlb();
        result
    }

    /// Join the alike areas (see `merge_at`) that meet inside `[start, end)`, as Linux's
    /// merged VMAs: two adjacent anonymous mmaps are one area for mremap.
    fn merge_within(&mut self, start: usize, end: usize) {
        if end <= start.saturating_add(1) {
            return;
        }
        let keys: Vec<usize> = self.areas.range(start.saturating_add(1)..end).map(|(&k, _)| k).collect();
        for k in keys {
            self.merge_at(k);
        }
    }

    /// The area that `[addr, addr+len)` lies in, whole (Linux's `vma_to_resize` lookup):
    /// EFAULT if `addr` is unmapped or the range runs past the area's end.
    pub fn resizable_area(&mut self, addr: usize, len: usize) -> SysResult<&Area> {
        if let Some(end) = addr.checked_add(len) {
            self.merge_within(addr, end);
        }
        let a = self.area_at(addr).ok_or(Errno::EFAULT)?;
        if len > a.end - addr {
            return Err(Errno::EFAULT);
        }
        Ok(a)
    }

    /// Grow the area ending at `addr+old_len` (page aligned, `old_len` reaching its end) to end
    /// at `addr+new_len` if that range is free and in user space; false if it is not. The new
    /// pages come from the area's source when touched.
    pub fn grow_in_place(&mut self, addr: usize, old_len: usize, new_len: usize) -> bool {
        let (old_end, new_end) = match (addr.checked_add(old_len), addr.checked_add(new_len)) {
            (Some(o), Some(n)) if n <= USER_END => (o, n),
            _ => return false,
        };
        if self.overlaps(old_end, new_end) {
            return false;
        }
        match self.areas.range_mut(..old_end).next_back() {
            Some((_, a)) if a.end == old_end && a.start <= addr => {
                a.end = new_end;
                true
            }
            _ => false,
        }
    }

    /// mremap's move (Linux's `move_vma`): a new area of `new_len` bytes at the free (or freed)
    /// `new_addr`, with the permission, kind and source of the area holding `[addr,
    /// addr+old_len)` from `addr` on, takes over that range's present pages (their contents
    /// move with them; frames shared after fork stay copy-on-write); the rest of the new area
    /// comes from the source when touched. The old range is then unmapped, or with `keep_old`
    /// (MREMAP_DONTUNMAP) stays mapped without its pages. `old_len` 0 duplicates a shared
    /// mapping: the new area shares the object and nothing is unmapped. The caller has checked
    /// the ranges (one area holds the old one, the new one is free and does not overlap it).
    pub fn move_range(
        &mut self,
        addr: usize,
        old_len: usize,
        new_addr: usize,
        new_len: usize,
        keep_old: bool,
    ) -> SysResult<()> {
        if self.linked {
            return Err(Errno::ENOMEM);
        }
        let (perm, max, kind, source) = {
            let a = self.area_at(addr).ok_or(Errno::EFAULT)?;
            (a.perm, a.max, a.kind.clone(), a.source.advanced(addr - a.start))
        };
        let new_end = new_addr.checked_add(new_len).filter(|&e| e <= USER_END).ok_or(Errno::ENOMEM)?;
        if self.overlaps(new_addr, new_end) {
            return Err(Errno::EEXIST);
        }
        let moved = old_len.min(new_len);
        let mut pages = PageMap::default();
        if moved > 0 {
            self.split_at(addr);
            self.split_at(addr + moved);
            let area = self.areas.get_mut(&addr).expect("area");
            let shared = area.is_shared();
            for (va, f) in core::mem::take(&mut area.pages).into_pages() {
                self.pt.unmap(va);
                let to = va - addr + new_addr;
                if let Some(flags) = perm.pte() {
                    let flags = if !shared && Arc::strong_count(&f) > 1 { flags - PteFlags::W } else { flags };
                    if self.pt.map(to, f.pa(), flags).is_none() {
                        // No memory for a page table: the page is lost (it comes from the
                        // source again when touched), never left mapped without its frame.
                        log::warn!("mremap: no page table for {to:#x}; its contents are lost");
                        continue;
                    }
                }
                pages.insert(to, f);
            }
            self.merge_at(addr + moved);
            self.merge_at(addr);
        }
        let area = Area { start: new_addr, end: new_end, perm, max, kind, pages, source };
        self.areas.insert(new_addr, area);
        if old_len > 0 && !keep_old {
            for key in self.isolate(addr, addr + old_len) {
                let area = self.areas.remove(&key).expect("area");
                for va in area.pages.keys() {
                    self.pt.unmap(va);
                }
            }
        }
        hal::mem::flush_tlb();
        Ok(())
    }

    /// A free, page-aligned range of `len` bytes, searched top-down below `MMAP_TOP`.
    pub fn find_free(&self, len: usize) -> Option<usize> {
        let len = page_up_checked(len)?;
        let mut top = MMAP_TOP;
        for a in self.areas.range(..MMAP_TOP).rev().map(|(_, a)| a) {
            if a.end <= top && top - a.end >= len {
                return Some(top - len);
            }
            top = top.min(a.start);
        }
        top.checked_sub(len).filter(|&s| s >= MMAP_MIN)
    }

    /// The page frame backing `va`, allocating and mapping it on first touch if the area allows
    /// `access` (`None`: the kernel itself, ignoring the permission). This is the page-fault
    /// handler and the core of every user copy. A `write` to a frame that another address space
    /// also holds (copy-on-write after fork) first gives this space a copy of its own.
    fn page(&mut self, va: usize, access: Option<Access>, write: bool) -> SysResult<&Arc<Frame>> {
        let page = page_down(va);
        let (key, perm) = match self.area_at(va) {
            Some(a) if access.is_none_or(|acc| a.perm.allows(acc)) => (a.start, a.perm),
            _ => return Err(Errno::EFAULT),
        };
        let area = self.areas.get_mut(&key).expect("area");
        let shared = area.is_shared();
        let (area_start, source) = (area.start, &area.source);
        // Two lookups of a present page where one would do: returning the first one's borrow
        // from inside an `if let` is beyond today's borrow checker.
        if area.pages.contains(page) {
            let frame = area.pages.get_mut(page).expect("present");
            if write && !shared {
                let copied = Arc::strong_count(frame) > 1;
                if copied {
                    *frame = Arc::new(frame.duplicate().ok_or(Errno::ENOMEM)?);
                }
                // A user write fault on a present page is a copy-on-write fault: the page is
                // writable again (also once the other owners have let go of the frame).
                if copied || access == Some(Access::Write) {
                    if let Some(flags) = perm.pte() {
                        self.pt.map(page, frame.pa(), flags).ok_or(Errno::ENOMEM)?;
                    }
                    hal::mem::flush_tlb();
                }
            }
            return Ok(frame);
        }
        let mut f = first_touch(source, page - area_start)?;
        // A private area's page from a file's cache is the cache's frame: copied now if this
        // is a write, read-only until one otherwise.
        let borrowed = !shared && Arc::strong_count(&f) > 1;
        if borrowed && write {
            f = Arc::new(f.duplicate().ok_or(Errno::ENOMEM)?);
        }
        if let Some(flags) = perm.pte() {
            let flags = if borrowed && !write { flags - PteFlags::W } else { flags };
            self.pt.map(page, f.pa(), flags).ok_or(Errno::ENOMEM)?;
        }
        Ok(area.pages.insert(page, f))
    }

    /// Resolve a user page fault. `Err` means the access is illegal: `EIO` when the page lies
    /// past the end of a mapped file or the file could not be read (SIGBUS for the thread),
    /// `ENOMEM` when memory ran out, anything else SIGSEGV.
    pub fn handle_fault(&mut self, va: usize, access: Access) -> SysResult<()> {
        self.page(va, Some(access), access == Access::Write).map(|_| ())
    }

    /// Check that `[va, va+len)` lies in user space (for a linked application: that it is not
    /// NULL and does not wrap).
    pub fn check_range(&self, va: usize, len: usize) -> SysResult<()> {
        if self.linked {
            return crate::linked::check(va, len);
        }
        match va.checked_add(len) {
            Some(end) if end <= USER_END => Ok(()),
            _ => Err(Errno::EFAULT),
        }
    }

    /// EFAULT unless all of `[va, va+len)` is mapped and allows `access`. Nothing is touched:
    /// this lets a caller reject a bad buffer before allocating a kernel copy of it.
    pub fn check_access(&self, va: usize, len: usize, access: Access) -> SysResult<()> {
        self.check_range(va, len)?;
        if self.linked {
            return Ok(());
        }
        let mut at = va;
        while at < va + len {
            match self.area_at(at) {
                Some(a) if a.perm.allows(access) => at = a.end,
                _ => return Err(Errno::EFAULT),
            }
        }
        Ok(())
    }

    /// The physical address of the page holding `va` if the page table already lets the user
    /// make the access (`write`: a writable entry, which a copy-on-write page never has; else a
    /// readable one). The user copies take this short way, what the MMU would do, before
    /// [`AddressSpace::page`] (area lookup, first touch, copy-on-write).
    #[inline]
    fn mapped_pa(&self, va: usize, write: bool) -> Option<usize> {
        let (pa, flags) = self.pt.translate(va)?;
        let need = PteFlags::U | if write { PteFlags::W } else { PteFlags::R };
        flags.contains(need).then_some(pa)
    }

    /// The common case of a user copy: `[va, va+len)` lies in one page of user space that the
    /// page table maps for the access (see [`AddressSpace::mapped_pa`]): that page.
    #[inline]
    fn one_mapped_page(&self, va: usize, len: usize, write: bool) -> Option<usize> {
        if self.linked || len == 0 || va % PAGE_SIZE + len > PAGE_SIZE || va >= USER_END {
            return None;
        }
        self.mapped_pa(va, write)
    }

    /// Visit `[va, va+len)` page by page: `f(physical address of the page, offset in it,
    /// offset in the range, length)`. On a page that cannot be had, the error and how many
    /// bytes were visited before it.
    fn for_each_page(
        &mut self,
        va: usize,
        len: usize,
        access: Option<Access>,
        write: bool,
        mut f: impl FnMut(usize, usize, usize, usize),
    ) -> Result<(), (usize, Errno)> {
        self.check_range(va, len).map_err(|e| (0, e))?;
        let mut done = 0;
        while done < len {
            let at = va + done;
            let off = at % PAGE_SIZE;
            let n = (PAGE_SIZE - off).min(len - done);
            let pa = match access.and_then(|_| self.mapped_pa(at, write)) {
                Some(pa) => pa,
                // A page the file cannot give (past its end) is a bad address for a copy, as on
                // Linux; the user's own access to it is SIGBUS.
                None => self
                    .page(at, access, write)
                    .map_err(|e| (done, if e == Errno::EIO { Errno::EFAULT } else { e }))?
                    .pa(),
            };
            f(pa, off, done, n);
            done += n;
        }
        Ok(())
    }

    /// Copy user memory at `va` into `dst`, as the user could read it.
    pub fn read_bytes(&mut self, va: usize, dst: &mut [u8]) -> SysResult<()> {
        self.read_some(va, dst).map_err(|(_, e)| e)
    }

    /// [`AddressSpace::read_bytes`] that says, on an error, how many bytes it copied before the
    /// page that failed (a short read or write(2) counts them).
    #[inline]
    pub fn read_some(&mut self, va: usize, dst: &mut [u8]) -> Result<(), (usize, Errno)> {
        match self.one_mapped_page(va, dst.len(), false) {
            Some(pa) => {
                crate::frame::read_phys(pa, va % PAGE_SIZE, dst);
                Ok(())
            }
            None => self.read_pages(va, dst),
        }
    }

    /// [`AddressSpace::read_some`] of anything but one mapped page.
    #[inline(never)]
    fn read_pages(&mut self, va: usize, dst: &mut [u8]) -> Result<(), (usize, Errno)> {
        if self.linked {
            return crate::linked::read(va, dst).map_err(|e| (0, e));
        }
        self.for_each_page(va, dst.len(), Some(Access::Read), false, |pa, off, at, n| {
            crate::frame::read_phys(pa, off, &mut dst[at..at + n])
        })
    }

    /// Copy `src` to user memory at `va`, as the user could write it.
    pub fn write_bytes(&mut self, va: usize, src: &[u8]) -> SysResult<()> {
        self.write_some(va, src).map_err(|(_, e)| e)
    }

    /// [`AddressSpace::write_bytes`] that says, on an error, how many bytes it copied before
    /// the page that failed.
    #[inline]
    pub fn write_some(&mut self, va: usize, src: &[u8]) -> Result<(), (usize, Errno)> {
        match self.one_mapped_page(va, src.len(), true) {
            Some(pa) => {
                crate::frame::write_phys(pa, va % PAGE_SIZE, src);
                Ok(())
            }
            None => self.write_pages(va, src),
        }
    }

    /// [`AddressSpace::write_some`] of anything but one mapped page.
    #[inline(never)]
    fn write_pages(&mut self, va: usize, src: &[u8]) -> Result<(), (usize, Errno)> {
        if self.linked {
            return crate::linked::write(va, src).map_err(|e| (0, e));
        }
        self.for_each_page(va, src.len(), Some(Access::Write), true, |pa, off, at, n| {
            crate::frame::write_phys(pa, off, &src[at..at + n])
        })
    }

    /// [`AddressSpace::write_some`] of `len` bytes at `off` of `frame` (a page of a file's cache),
    /// copied from frame to frame, with no kernel buffer between.
    pub fn write_from_frame(&mut self, va: usize, frame: &Frame, off: usize, len: usize) -> Result<(), (usize, Errno)> {
        if self.linked {
            let mut buf = [0u8; PAGE_SIZE];
            frame.read(off, &mut buf[..len]);
            return crate::linked::write(va, &buf[..len]).map_err(|e| (0, e));
        }
        if let Some(pa) = self.one_mapped_page(va, len, true) {
            crate::frame::copy_phys(pa, va % PAGE_SIZE, frame.pa(), off, len);
            return Ok(());
        }
        self.for_each_page(va, len, Some(Access::Write), true, |pa, o, at, n| {
            crate::frame::copy_phys(pa, o, frame.pa(), off + at, n)
        })
    }

    /// Kernel initialisation of user memory regardless of its permission (program loading,
    /// private file mappings). The range must be mapped.
    pub fn fill_bytes(&mut self, va: usize, src: &[u8]) -> SysResult<()> {
        self.for_each_page(va, src.len(), None, true, |pa, off, at, n| {
            crate::frame::write_phys(pa, off, &src[at..at + n])
        })
        .map_err(|(_, e)| e)
    }

    /// [`AddressSpace::fill_bytes`] from a file: `len` bytes of `src` from byte `offset` go to
    /// `va`, a page at a time, so that loading a segment needs no kernel buffer of its size.
    /// Bytes the file does not have (it ends first) are left as they are (zeros).
    pub fn fill_from(&mut self, va: usize, src: &dyn Backing, offset: u64, len: usize) -> SysResult<()> {
        self.check_range(va, len)?;
        let mut buf = [0u8; PAGE_SIZE];
        let mut done = 0;
        while done < len {
            let at = va + done;
            let n = (PAGE_SIZE - at % PAGE_SIZE).min(len - done);
            let got = src.read_at(offset + done as u64, &mut buf[..n])?;
            if got == 0 {
                break;
            }
            self.fill_bytes(at, &buf[..got])?;
            done += got;
        }
        Ok(())
    }

    /// Read a NUL-terminated string of at most `max` bytes (without the NUL).
    /// EFAULT if it runs into unmapped memory, ENAMETOOLONG if no NUL is found within `max`.
    pub fn read_cstr(&mut self, va: usize, max: usize) -> SysResult<Vec<u8>> {
        if self.linked {
            return crate::linked::read_cstr(va, max);
        }
        let mut out = Vec::new();
        let mut at = va;
        loop {
            self.check_range(at, 1)?;
            let off = at % PAGE_SIZE;
            let n = (PAGE_SIZE - off).min(CSTR_CHUNK);
            let pa = match self.mapped_pa(at, false) {
                Some(pa) => pa,
                None => self.page(at, Some(Access::Read), false)?.pa(),
            };
            let mut chunk = [0u8; CSTR_CHUNK];
            crate::frame::read_phys(pa, off, &mut chunk[..n]);
            let z = chunk[..n].iter().position(|&b| b == 0);
            out.extend_from_slice(&chunk[..z.unwrap_or(n)]);
            if out.len() > max {
                return Err(Errno::ENAMETOOLONG);
            }
            if z.is_some() {
                return Ok(out);
            }
            at += n;
        }
    }

    /// Set where the heap starts (just above the program image, page aligned). Resets the break.
    pub fn init_brk(&mut self, base: usize) {
        debug_assert!(base.is_multiple_of(PAGE_SIZE));
        self.brk_base = base;
        self.brk = base;
    }

    pub fn brk(&self) -> usize {
        self.brk
    }

    /// brk(2): move the break to `new` if possible; always returns the resulting break.
    /// Linux semantics: byte granular; the break cannot go below its start; shrinking unmaps
    /// the whole pages above the new break (so they read as zeros when grown again); growing
    /// fails silently (the old value is returned) when the pages cannot be mapped or would come
    /// closer than one guard page to the next mapping.
    pub fn set_brk(&mut self, new: usize) -> usize {
        if self.brk_base == 0 || new < self.brk_base || new > MMAP_TOP {
            return self.brk;
        }
        let (old_end, new_end) = (page_up(self.brk), page_up(new));
        if new_end > old_end {
            if self.overlaps(old_end, new_end + PAGE_SIZE) {
                return self.brk;
            }
            // Extend the heap area if it ends at old_end (and was not mprotected), else make one.
            let heap = self.areas.range(..old_end).next_back().map(|(_, a)| a);
            match heap {
                Some(a) if a.end == old_end && a.kind == AreaKind::Heap && a.perm == Perm::R | Perm::W => {
                    let start = a.start;
                    self.areas.get_mut(&start).expect("heap").end = new_end;
                }
                _ => {
                    if self.map(old_end, new_end - old_end, Perm::R | Perm::W, AreaKind::Heap).is_err() {
                        return self.brk;
                    }
                }
            }
        } else if new_end < old_end {
            let _ = self.unmap(new_end, old_end - new_end);
        }
        self.brk = new;
        self.brk
    }
}
