//! Sv39 page tables, built and walked in software.
//!
//! The same code builds the tables the MMU walks on riscv64 and the ones host tests walk: a page
//! table is just frames holding 512 entries each.
use crate::frame::Frame;
use alloc::vec::Vec;
use bitflags::bitflags;
use hal::mem::{phys_to_virt, PAGE_SHIFT, PAGE_SIZE};
use sync::Once;

bitflags! {
    /// Sv39 page-table entry flags.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct PteFlags: u64 {
        const V = 1 << 0;
        const R = 1 << 1;
        const W = 1 << 2;
        const X = 1 << 3;
        const U = 1 << 4;
        const G = 1 << 5;
        const A = 1 << 6;
        const D = 1 << 7;
    }
}

const ENTRIES: usize = 512;
const PPN_MASK: u64 = (1 << 44) - 1;

/// Root entries 256..512 (the kernel's high half), shared by every address space.
static KERNEL_HALF: Once<[u64; ENTRIES / 2]> = Once::new();

/// Record the kernel's high-half root entries; every page table made afterwards includes them.
pub fn set_kernel_half(entries: [u64; ENTRIES / 2]) {
    KERNEL_HALF.call_once(|| entries);
}

/// One address space's translation tables.
pub struct PageTable {
    root: Frame,
    /// Intermediate tables, owned here so they are freed with the address space.
    tables: Vec<Frame>,
}

fn read_pte(table_pa: usize, index: usize) -> u64 {
    debug_assert!(index < ENTRIES);
    // SAFETY: `table_pa` is a page-table frame owned by a `PageTable` and index < 512.
    unsafe { (phys_to_virt(table_pa) as *const u64).add(index).read_volatile() }
}

fn write_pte(table_pa: usize, index: usize, pte: u64) {
    debug_assert!(index < ENTRIES);
    // SAFETY: as in `read_pte`.
    unsafe { (phys_to_virt(table_pa) as *mut u64).add(index).write_volatile(pte) }
}

fn pte_pa(pte: u64) -> usize {
    (((pte >> 10) & PPN_MASK) as usize) << PAGE_SHIFT
}

fn make_pte(pa: usize, flags: PteFlags) -> u64 {
    (((pa >> PAGE_SHIFT) as u64) << 10) | flags.bits()
}

fn vpn(va: usize, level: usize) -> usize {
    (va >> (PAGE_SHIFT + 9 * level)) & (ENTRIES - 1)
}

impl PageTable {
    pub fn new() -> Option<PageTable> {
        let root = Frame::alloc()?;
        if let Some(half) = KERNEL_HALF.get() {
            for (i, &e) in half.iter().enumerate() {
                write_pte(root.pa(), ENTRIES / 2 + i, e);
            }
        }
        Some(PageTable { root, tables: Vec::new() })
    }

    /// How many frames the tables take (the root included).
    pub fn frames(&self) -> usize {
        1 + self.tables.len()
    }

    /// Physical address of the root table (what goes into `satp`).
    pub fn root_pa(&self) -> usize {
        self.root.pa()
    }

    /// Walk to the leaf entry slot for `va`, creating tables when `create`.
    /// Returns (table, index) of the level-0 entry.
    fn walk(&mut self, va: usize, create: bool) -> Option<(usize, usize)> {
        let mut table = self.root.pa();
        for level in [2, 1] {
            let idx = vpn(va, level);
            let pte = read_pte(table, idx);
            if pte & PteFlags::V.bits() == 0 {
                if !create {
                    return None;
                }
                let f = Frame::alloc()?;
                write_pte(table, idx, make_pte(f.pa(), PteFlags::V));
                table = f.pa();
                self.tables.push(f);
            } else {
                debug_assert!(pte & 0b1110 == 0, "huge page in a user page table");
                table = pte_pa(pte);
            }
        }
        Some((table, vpn(va, 0)))
    }

    /// Map the 4 KiB page at `va` to frame `pa`. `None` if a table could not be allocated.
    pub fn map(&mut self, va: usize, pa: usize, flags: PteFlags) -> Option<()> {
        let (t, i) = self.walk(va, true)?;
        write_pte(t, i, make_pte(pa, flags | PteFlags::V | PteFlags::A | PteFlags::D));
        Some(())
    }

    /// Remove the mapping of `va`; returns the frame it pointed to.
    pub fn unmap(&mut self, va: usize) -> Option<usize> {
        let (t, i) = self.walk(va, false)?;
        let pte = read_pte(t, i);
        if pte & PteFlags::V.bits() == 0 {
            return None;
        }
        write_pte(t, i, 0);
        Some(pte_pa(pte))
    }

    /// The frame and flags `va`'s page maps to.
    #[inline]
    pub fn translate(&self, va: usize) -> Option<(usize, PteFlags)> {
        let mut table = self.root.pa();
        for level in [2, 1, 0] {
            let pte = read_pte(table, vpn(va, level));
            if pte & PteFlags::V.bits() == 0 {
                return None;
            }
            if level == 0 || pte & 0b1110 != 0 {
                let page_mask = (PAGE_SIZE << (9 * level)) - 1;
                let pa = pte_pa(pte) + (va & page_mask & !(PAGE_SIZE - 1));
                return Some((pa, PteFlags::from_bits_truncate(pte)));
            }
            table = pte_pa(pte);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_translate_unmap() {
        let mut pt = PageTable::new().unwrap();
        let f = Frame::alloc().unwrap();
        let va = 0x12_3456_7000;
        assert_eq!(pt.translate(va), None);
        pt.map(va, f.pa(), PteFlags::R | PteFlags::U).unwrap();
        let (pa, flags) = pt.translate(va + 0x123).unwrap();
        assert_eq!(pa, f.pa());
        assert!(flags.contains(PteFlags::V | PteFlags::R | PteFlags::U));
        assert!(!flags.contains(PteFlags::W));
        assert_eq!(pt.unmap(va), Some(f.pa()));
        assert_eq!(pt.translate(va), None);
        assert_eq!(pt.unmap(va), None);
    }

    #[test]
    fn neighbouring_pages_share_tables_and_remapping_replaces_the_entry() {
        let mut pt = PageTable::new().unwrap();
        let (a, b) = (Frame::alloc().unwrap(), Frame::alloc().unwrap());
        let va = 0x1000_0000;
        pt.map(va, a.pa(), PteFlags::R | PteFlags::U).unwrap();
        pt.map(va + PAGE_SIZE, b.pa(), PteFlags::R | PteFlags::W | PteFlags::U).unwrap();
        assert_eq!(pt.tables.len(), 2, "one level-1 and one level-0 table for both pages");
        assert_eq!(pt.translate(va + PAGE_SIZE).map(|t| t.0), Some(b.pa()));
        pt.map(va, b.pa(), PteFlags::X | PteFlags::U).unwrap();
        let (pa, flags) = pt.translate(va).unwrap();
        assert_eq!(pa, b.pa());
        assert!(flags.contains(PteFlags::X) && !flags.contains(PteFlags::R), "{flags:?}");
        // An address 1 GiB away needs tables of its own; a missing page there is not mapped.
        assert_eq!(pt.translate(va + (1 << 30)), None);
        assert_eq!(pt.unmap(va + 2 * PAGE_SIZE), None, "an empty slot in an existing table");
        pt.map(va + (1 << 30), a.pa(), PteFlags::R | PteFlags::U).unwrap();
        assert_eq!(pt.tables.len(), 4);
        assert_eq!(pt.translate(va + (1 << 30) + 0xfff).map(|t| t.0), Some(a.pa()));
    }
}
