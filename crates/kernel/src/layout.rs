//! Where things are: the kernel's virtual layout, the boot page table, and the plan that splits
//! physical memory between the kernel heap and the frame allocator.
//!
//! Sv39 virtual layout (root-table index in brackets):
//!
//! | virtual                                   | physical            | what                    |
//! |-------------------------------------------|---------------------|-------------------------|
//! | `0x0000_0000_0000`..`0x40_0000_0000`      | frames              | user space [0..256)     |
//! | `0xffff_ffc0_0000_0000` + pa              | 0 .. 254 GiB        | physical window [256..510) |
//! | `0xffff_ffff_8000_0000`..                 | `0x8000_0000`..     | kernel image [510]      |
//!
//! Only the boot page table also maps `0x8000_0000` one-to-one [2], for the instruction that
//! turns the MMU on. User page tables copy entries 256..512, so the kernel is mapped in all of
//! them and a trap never switches tables.

/// Where OpenSBI jumps: the kernel's first byte, physical.
pub const KERNEL_PHYS: usize = 0x8020_0000;
/// The kernel's link address: in the high half, or (without the `user` feature: no paging,
/// the MMU stays off) where it is loaded.
#[cfg(feature = "user")]
pub const KERNEL_VIRT: usize = 0xffff_ffff_8020_0000;
#[cfg(not(feature = "user"))]
pub const KERNEL_VIRT: usize = KERNEL_PHYS;
/// Add to a kernel-image physical address to get its virtual address.
pub const KERNEL_OFFSET: usize = KERNEL_VIRT - KERNEL_PHYS;
/// Must equal `hal::mem::PHYS_OFFSET` on the machine (checked in the kernel's boot code).
pub const PHYS_WINDOW: usize = 0xffff_ffc0_0000_0000;
/// The physical-memory window this build uses: none (0) without paging.
pub const PHYS_WINDOW_IN_USE: usize = if cfg!(feature = "user") { PHYS_WINDOW } else { 0 };

pub const GIB: usize = 1 << 30;
pub const MIB: usize = 1 << 20;
pub const PAGE: usize = 4096;

const PTE_V: u64 = 1 << 0;
const PTE_RWX: u64 = 0b1110;
const PTE_G: u64 = 1 << 5;
const PTE_AD: u64 = 0b11 << 6;
/// A kernel gigapage: valid, readable, writable, executable, global, accessed and dirty (the
/// hardware need not set A/D itself).
const GIGA_FLAGS: u64 = PTE_V | PTE_RWX | PTE_G | PTE_AD;

const fn root_index(va: usize) -> usize {
    (va >> 30) & 511
}

const fn giga_pte(pa: usize) -> u64 {
    ((pa as u64 >> 12) << 10) | GIGA_FLAGS
}

/// The boot root table: identity gigapage over the kernel, the kernel image in the high half,
/// and the physical window (every gigapage from 0 up to the kernel's slot: RAM and MMIO alike,
/// as riscv takes memory attributes from the physical address, not from the page table).
pub const fn boot_page_table() -> [u64; 512] {
    let mut t = [0u64; 512];
    let kernel_giga = KERNEL_PHYS & !(GIB - 1);
    t[root_index(kernel_giga)] = giga_pte(kernel_giga);
    t[root_index(KERNEL_VIRT)] = giga_pte(kernel_giga);
    let first = root_index(PHYS_WINDOW);
    let mut i = first;
    while i < root_index(KERNEL_VIRT) {
        t[i] = giga_pte((i - first) * GIB);
        i += 1;
    }
    t
}

/// A half-open range of physical addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Range {
    pub start: usize,
    pub end: usize,
}

impl Range {
    pub const fn new(start: usize, end: usize) -> Range {
        Range { start, end }
    }
    pub const fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }
    /// The whole pages inside the range.
    pub const fn pages_inside(&self) -> Range {
        Range { start: (self.start + PAGE - 1) & !(PAGE - 1), end: self.end & !(PAGE - 1) }
    }
    /// The pages the range touches.
    pub const fn pages_around(&self) -> Range {
        Range { start: self.start & !(PAGE - 1), end: (self.end + PAGE - 1) & !(PAGE - 1) }
    }
}

/// A sorted set of disjoint ranges with a fixed capacity: usable before the heap exists.
#[derive(Clone, Debug)]
pub struct RangeSet<const N: usize> {
    r: [Range; N],
    n: usize,
}

impl<const N: usize> Default for RangeSet<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> RangeSet<N> {
    pub const fn new() -> Self {
        RangeSet { r: [Range::new(0, 0); N], n: 0 }
    }

    pub fn as_slice(&self) -> &[Range] {
        &self.r[..self.n]
    }

    pub fn total(&self) -> usize {
        self.as_slice().iter().map(Range::len).sum()
    }

    /// Add `range`, merging with ranges it overlaps or touches. Returns false (and changes
    /// nothing) when the set is full.
    pub fn add(&mut self, range: Range) -> bool {
        if range.is_empty() {
            return true;
        }
        let mut merged = range;
        let mut out = [Range::default(); N];
        let mut k = 0;
        for &r in self.as_slice() {
            if r.end < merged.start || r.start > merged.end {
                out[k] = r;
                k += 1;
            } else {
                merged = Range::new(merged.start.min(r.start), merged.end.max(r.end));
            }
        }
        if k == N {
            return false;
        }
        let at = out[..k].iter().position(|r| r.start > merged.start).unwrap_or(k);
        out.copy_within(at..k, at + 1);
        out[at] = merged;
        self.r = out;
        self.n = k + 1;
        true
    }

    /// Remove every address of `range`. Returns false (and changes nothing) if splitting a range
    /// would overflow the set.
    pub fn remove(&mut self, range: Range) -> bool {
        if range.is_empty() {
            return true;
        }
        let mut out = [Range::default(); N];
        let mut k = 0;
        for &r in self.as_slice() {
            for piece in [Range::new(r.start, r.end.min(range.start)), Range::new(r.start.max(range.end), r.end)] {
                if !piece.is_empty() {
                    if k == N {
                        return false;
                    }
                    out[k] = piece;
                    k += 1;
                }
            }
        }
        self.r = out;
        self.n = k;
        true
    }

    /// Take `size` bytes (a multiple of the page size) from the start of the lowest range that
    /// holds them.
    pub fn take(&mut self, size: usize) -> Option<Range> {
        let r = *self.as_slice().iter().find(|r| r.len() >= size)?;
        let taken = Range::new(r.start, r.start + size);
        self.remove(taken);
        Some(taken)
    }
}

/// The kernel heap's size at boot: a sixteenth of RAM, between 4 and 16 MiB. It grows from the
/// page frames when it needs more (`crate::heap`); file data lives in frames, not in the heap,
/// so the initramfs's size does not matter here.
pub fn heap_size(ram: usize, _initrd: usize) -> usize {
    (ram / 16).clamp(4 * MIB, 16 * MIB).min(ram / 2).next_multiple_of(PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_table_maps_kernel_identity_and_window() {
        let t = boot_page_table();
        let pa_of = |e: u64| ((e >> 10) << 12) as usize;
        assert_eq!(KERNEL_OFFSET, 0xffff_ffff_0000_0000);
        assert_eq!(pa_of(t[2]), 0x8000_0000);
        assert_eq!(pa_of(t[510]), 0x8000_0000);
        assert_eq!(root_index(PHYS_WINDOW), 256);
        assert_eq!(pa_of(t[256]), 0);
        assert_eq!(pa_of(t[258]), 0x8000_0000); // RAM on QEMU virt
        assert_eq!(pa_of(t[509]), 253 * GIB);
        assert_eq!(t[511], 0);
        assert_eq!(t[3], 0);
        assert!(t[256..510].iter().all(|&e| e & 0xff == 0xef));
        // The window never reaches the kernel's slot.
        const _: () = assert!(PHYS_WINDOW + 254 * GIB <= KERNEL_VIRT & !(GIB - 1));
    }

    #[test]
    fn ranges_merge_split_and_take() {
        let mut s = RangeSet::<4>::new();
        assert!(s.add(Range::new(0x9000, 0xa000)));
        assert!(s.add(Range::new(0x1000, 0x3000)));
        assert!(s.add(Range::new(0x3000, 0x4000))); // touching: merged
        assert_eq!(s.as_slice(), [Range::new(0x1000, 0x4000), Range::new(0x9000, 0xa000)]);
        assert!(s.remove(Range::new(0x2000, 0x2800)));
        assert_eq!(s.as_slice(), [Range::new(0x1000, 0x2000), Range::new(0x2800, 0x4000), Range::new(0x9000, 0xa000)]);
        assert_eq!(s.total(), 0x1000 + 0x1800 + 0x1000);
        assert_eq!(s.take(0x1800), Some(Range::new(0x2800, 0x4000)));
        assert_eq!(s.take(0x10000), None);
        assert!(s.remove(Range::new(0, 0x100000)));
        assert!(s.as_slice().is_empty());
    }

    #[test]
    fn full_set_refuses_instead_of_losing_ranges() {
        let mut s = RangeSet::<2>::new();
        assert!(s.add(Range::new(0, 10)));
        assert!(s.add(Range::new(20, 30)));
        assert!(!s.add(Range::new(40, 50)));
        assert!(s.add(Range::new(5, 25))); // merges all into one
        assert_eq!(s.as_slice(), [Range::new(0, 30)]);
        assert!(s.remove(Range::new(10, 12)));
        assert!(!s.remove(Range::new(20, 21)));
        assert_eq!(s.as_slice(), [Range::new(0, 10), Range::new(12, 30)]);
    }

    #[test]
    fn page_rounding() {
        let r = Range::new(0x1001, 0x3fff);
        assert_eq!(r.pages_inside(), Range::new(0x2000, 0x3000));
        assert_eq!(r.pages_around(), Range::new(0x1000, 0x4000));
    }

    #[test]
    fn the_heap_starts_at_a_sixteenth_of_ram_within_bounds() {
        assert_eq!(heap_size(256 * MIB, 0), 16 * MIB);
        assert_eq!(heap_size(64 * MIB, 0), 4 * MIB);
        assert_eq!(heap_size(128 * MIB, 100 * MIB), 8 * MIB);
        assert_eq!(heap_size(4 * GIB, 0), 16 * MIB);
        assert_eq!(heap_size(6 * MIB, 0), 3 * MIB);
    }
}
