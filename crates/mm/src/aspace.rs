//! Address spaces: a set of non-overlapping areas over one page table.
//!
//! Pages are allocated when first touched (by the user, through a page fault, or by the kernel,
//! through the user-copy functions below), so a large mmap or stack costs nothing until used.
//! The areas' page maps are the source of truth; the page table mirrors them for the MMU.
use crate::frame::Frame;
use crate::layout::{MMAP_MIN, MMAP_TOP, USER_END};
use crate::page_table::{PageTable, PteFlags};
use abi::{Errno, SysResult};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bitflags::bitflags;
use hal::context::Access;
use hal::mem::{page_down, page_up, PAGE_SIZE};

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
    fn pte(self) -> PteFlags {
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
        f
    }

    fn allows(self, access: Access) -> bool {
        match access {
            Access::Read => self.intersects(Perm::R | Perm::W | Perm::X),
            Access::Write => self.contains(Perm::W),
            Access::Execute => self.contains(Perm::X),
        }
    }
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

/// A contiguous page-aligned range with one permission.
pub struct Area {
    pub start: usize,
    pub end: usize,
    pub perm: Perm,
    pub kind: AreaKind,
    /// Present pages, by page address. Shared frames (`Arc`) prepare copy-on-write fork.
    pages: BTreeMap<usize, Arc<Frame>>,
}

impl Area {
    /// Split off `[at, end)` into a new area (page aligned, strictly inside).
    fn split_off(&mut self, at: usize) -> Area {
        let pages = self.pages.split_off(&at);
        let right = Area { start: at, end: self.end, perm: self.perm, kind: self.kind.clone(), pages };
        self.end = at;
        right
    }
}

pub struct AddressSpace {
    pt: PageTable,
    areas: BTreeMap<usize, Area>,
    /// Start of the heap (just above the loaded program) and the current byte-granular break.
    brk_base: usize,
    brk: usize,
}

impl AddressSpace {
    pub fn new() -> SysResult<AddressSpace> {
        Ok(AddressSpace { pt: PageTable::new().ok_or(Errno::ENOMEM)?, areas: BTreeMap::new(), brk_base: 0, brk: 0 })
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

    fn area_at(&self, va: usize) -> Option<&Area> {
        self.areas.range(..=va).next_back().map(|(_, a)| a).filter(|a| va < a.end)
    }

    /// Add an area over the free range `[start, start+len)`. Nothing is allocated yet.
    pub fn map(&mut self, start: usize, len: usize, perm: Perm, kind: AreaKind) -> SysResult<()> {
        let end = start.checked_add(page_up(len)).ok_or(Errno::ENOMEM)?;
        if start % PAGE_SIZE != 0 || len == 0 || end > USER_END {
            return Err(Errno::EINVAL);
        }
        if self.overlaps(start, end) {
            return Err(Errno::EEXIST);
        }
        self.areas.insert(start, Area { start, end, perm, kind, pages: BTreeMap::new() });
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

    /// Keys of the areas intersecting `[start, end)` once split at both ends.
    fn isolate(&mut self, start: usize, end: usize) -> Vec<usize> {
        self.split_at(start);
        self.split_at(end);
        self.areas.range(start..end).map(|(&k, _)| k).collect()
    }

    /// Remove every mapping in `[start, start+len)` (munmap semantics: holes are fine).
    pub fn unmap(&mut self, start: usize, len: usize) -> SysResult<()> {
        let end = start.checked_add(page_up(len)).ok_or(Errno::EINVAL)?;
        if start % PAGE_SIZE != 0 || len == 0 || end > USER_END {
            return Err(Errno::EINVAL);
        }
        for key in self.isolate(start, end) {
            let area = self.areas.remove(&key).expect("area");
            for &va in area.pages.keys() {
                self.pt.unmap(va);
            }
        }
        hal::mem::flush_tlb();
        Ok(())
    }

    /// Change the permission of `[start, start+len)`; ENOMEM if part of it is unmapped.
    pub fn protect(&mut self, start: usize, len: usize, perm: Perm) -> SysResult<()> {
        let end = start.checked_add(page_up(len)).ok_or(Errno::ENOMEM)?;
        if start % PAGE_SIZE != 0 {
            return Err(Errno::EINVAL);
        }
        if end > USER_END {
            return Err(Errno::ENOMEM);
        }
        // Every page of the range must be covered.
        let mut at = start;
        while at < end {
            match self.area_at(at) {
                Some(a) => at = a.end,
                None => return Err(Errno::ENOMEM),
            }
        }
        for key in self.isolate(start, end) {
            let area = self.areas.get_mut(&key).expect("area");
            area.perm = perm;
            for (&va, f) in &area.pages {
                self.pt.map(va, f.pa(), perm.pte()).ok_or(Errno::ENOMEM)?;
            }
        }
        hal::mem::flush_tlb();
        Ok(())
    }

    /// A free, page-aligned range of `len` bytes, searched top-down below `MMAP_TOP`.
    pub fn find_free(&self, len: usize) -> Option<usize> {
        let len = page_up(len);
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
    /// handler and the core of every user copy.
    fn page(&mut self, va: usize, access: Option<Access>) -> SysResult<&Arc<Frame>> {
        let page = page_down(va);
        let (key, perm) = match self.area_at(va) {
            Some(a) if access.is_none_or(|acc| a.perm.allows(acc)) => (a.start, a.perm),
            _ => return Err(Errno::EFAULT),
        };
        let area = self.areas.get_mut(&key).expect("area");
        if !area.pages.contains_key(&page) {
            let f = Frame::alloc().ok_or(Errno::ENOMEM)?;
            self.pt.map(page, f.pa(), perm.pte()).ok_or(Errno::ENOMEM)?;
            area.pages.insert(page, Arc::new(f));
        }
        Ok(&area.pages[&page])
    }

    /// Resolve a user page fault. `Err` means the access is illegal (SIGSEGV for the thread).
    pub fn handle_fault(&mut self, va: usize, access: Access) -> SysResult<()> {
        self.page(va, Some(access)).map(|_| ())
    }

    /// Check that `[va, va+len)` lies in user space.
    fn check_range(va: usize, len: usize) -> SysResult<()> {
        match va.checked_add(len) {
            Some(end) if end <= USER_END => Ok(()),
            _ => Err(Errno::EFAULT),
        }
    }

    /// Visit `[va, va+len)` page by page: `f(frame, offset in frame, offset in range, length)`.
    fn for_each_page(
        &mut self,
        va: usize,
        len: usize,
        access: Option<Access>,
        mut f: impl FnMut(&Frame, usize, usize, usize),
    ) -> SysResult<()> {
        Self::check_range(va, len)?;
        let mut done = 0;
        while done < len {
            let at = va + done;
            let off = at % PAGE_SIZE;
            let n = (PAGE_SIZE - off).min(len - done);
            let frame = self.page(at, access)?;
            f(frame, off, done, n);
            done += n;
        }
        Ok(())
    }

    /// Copy user memory at `va` into `dst`, as the user could read it.
    pub fn read_bytes(&mut self, va: usize, dst: &mut [u8]) -> SysResult<()> {
        self.for_each_page(va, dst.len(), Some(Access::Read), |f, off, at, n| f.read(off, &mut dst[at..at + n]))
    }

    /// Copy `src` to user memory at `va`, as the user could write it.
    pub fn write_bytes(&mut self, va: usize, src: &[u8]) -> SysResult<()> {
        self.for_each_page(va, src.len(), Some(Access::Write), |f, off, at, n| f.write(off, &src[at..at + n]))
    }

    /// Kernel initialisation of user memory regardless of its permission (program loading,
    /// private file mappings). The range must be mapped.
    pub fn fill_bytes(&mut self, va: usize, src: &[u8]) -> SysResult<()> {
        self.for_each_page(va, src.len(), None, |f, off, at, n| f.write(off, &src[at..at + n]))
    }

    /// Read a NUL-terminated string of at most `max` bytes (without the NUL).
    /// EFAULT if it runs into unmapped memory, ENAMETOOLONG if no NUL is found within `max`.
    pub fn read_cstr(&mut self, va: usize, max: usize) -> SysResult<Vec<u8>> {
        let mut out = Vec::new();
        let mut at = va;
        loop {
            Self::check_range(at, 1)?;
            let off = at % PAGE_SIZE;
            let mut chunk = [0u8; PAGE_SIZE];
            let n = PAGE_SIZE - off;
            self.page(at, Some(Access::Read))?.read(off, &mut chunk[..n]);
            if let Some(z) = chunk[..n].iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..z]);
                if out.len() > max {
                    return Err(Errno::ENAMETOOLONG);
                }
                return Ok(out);
            }
            out.extend_from_slice(&chunk[..n]);
            if out.len() > max {
                return Err(Errno::ENAMETOOLONG);
            }
            at += n;
        }
    }

    /// Set where the heap starts (just above the program image). Resets the break.
    pub fn init_brk(&mut self, base: usize) {
        self.brk_base = base;
        self.brk = base;
    }

    pub fn brk(&self) -> usize {
        self.brk
    }

    /// brk(2): move the break to `new` if possible; always returns the resulting break.
    /// Linux semantics: byte granular, cannot go below the start, fails silently (old value)
    /// when the pages cannot be mapped.
    pub fn set_brk(&mut self, new: usize) -> usize {
        if new < self.brk_base || new > MMAP_TOP {
            return self.brk;
        }
        let (old_end, new_end) = (page_up(self.brk), page_up(new));
        if new_end > old_end {
            if self.overlaps(old_end, new_end) {
                return self.brk;
            }
            // Extend the heap area if it ends at old_end, else create it.
            let heap = self.areas.range(..old_end).next_back().map(|(&k, a)| (k, a.end, a.kind.clone()));
            match heap {
                Some((k, end, AreaKind::Heap)) if end == old_end => self.areas.get_mut(&k).expect("heap").end = new_end,
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
