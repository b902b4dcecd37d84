//! What the kernel learns from the device tree, and the memory plan it makes from that.
//!
//! [`read`] walks the tree once (the `fdt` crate re-parses on every lookup: ~30 us per walk on
//! the machine) and keeps what the kernel uses: RAM, what must never be handed out (firmware, the
//! kernel image, the tree itself, reservations, the initramfs), the boot arguments, the timebase
//! and the devices it drives. [`plan_memory`] carves the kernel heap and the page frames out of
//! it. Both are pure: the host tests run them on a tree QEMU's `virt` machine dumped.
use crate::layout::{heap_size, Range, RangeSet};
use fdt::node::FdtNode;
use fdt::Fdt;

/// virtio-mmio slots looked at (QEMU virt has 8).
pub const MAX_VIRTIO: usize = 16;

/// What the kernel needs from the device tree.
#[derive(Clone, Debug)]
pub struct Machine<'a> {
    pub ram: RangeSet<8>,
    /// Never to be used as memory: firmware, the kernel image, the device tree, reservations.
    pub reserved: RangeSet<32>,
    pub initrd: Option<Range>,
    pub bootargs: &'a str,
    pub timebase: Option<u64>,
    pub test_device: Option<usize>,
    pub rtc: Option<usize>,
    /// An NS16550 console UART: (physical address, register shift).
    pub uart: Option<(usize, usize)>,
    /// virtio-mmio slots (physical address, size), in device-tree order; most are empty.
    pub virtio: [(usize, usize); MAX_VIRTIO],
    pub virtio_count: usize,
    /// The interrupt source of each virtio-mmio slot at the PLIC (0: none).
    pub virtio_irq: [u32; MAX_VIRTIO],
    /// The PLIC's registers (physical address).
    pub plic: Option<usize>,
}

fn region(r: fdt::standard_nodes::MemoryRegion) -> Range {
    let start = r.starting_address as usize;
    Range::new(start, start.saturating_add(r.size.unwrap_or(0)))
}

fn reserve(set: &mut RangeSet<32>, r: Range) {
    if !set.add(r.pages_around()) {
        panic!("too many reserved memory ranges");
    }
}

/// Read `fdt`, which lies at physical `dtb`, for a kernel whose image ends at physical
/// `kernel_end` (everything below it, OpenSBI included, is reserved).
pub fn read<'a>(fdt: &Fdt<'a>, dtb: Range, kernel_end: usize) -> Machine<'a> {
    let mut m = Machine {
        ram: RangeSet::new(),
        reserved: RangeSet::new(),
        initrd: None,
        bootargs: "",
        timebase: None,
        test_device: None,
        rtc: None,
        uart: None,
        virtio: [(0, 0); MAX_VIRTIO],
        virtio_count: 0,
        virtio_irq: [0; MAX_VIRTIO],
        plic: None,
    };
    reserve(&mut m.reserved, Range::new(0, kernel_end));
    reserve(&mut m.reserved, dtb);
    for r in fdt.memory_reservations() {
        let start = r.address() as usize;
        reserve(&mut m.reserved, Range::new(start, start.saturating_add(r.size())));
    }
    let first_reg = |n: FdtNode| n.reg().and_then(|mut r| r.next()).map(|r| r.starting_address as usize);
    for node in fdt.all_nodes() {
        let prop = |name| node.property(name).and_then(|p| p.as_usize());
        match node.name.split('@').next().unwrap_or("") {
            "chosen" => {
                m.bootargs = node.property("bootargs").and_then(|p| p.as_str()).unwrap_or("");
                if let (Some(start), Some(end)) = (prop("linux,initrd-start"), prop("linux,initrd-end")) {
                    if end > start {
                        m.initrd = Some(Range::new(start, end));
                        reserve(&mut m.reserved, Range::new(start, end));
                    }
                }
            }
            "cpus" => m.timebase = prop("timebase-frequency").map(|f| f as u64),
            "reserved-memory" => {
                for r in node.children().filter_map(|c| c.reg()).flatten() {
                    reserve(&mut m.reserved, region(r));
                }
            }
            _ if node.property("device_type").and_then(|p| p.as_str()) == Some("memory") => {
                for r in node.reg().into_iter().flatten() {
                    m.ram.add(region(r));
                }
            }
            _ => {
                let Some(compatible) = node.compatible() else {
                    continue;
                };
                for c in compatible.all() {
                    match c {
                        "sifive,test0" | "sifive,test1" if m.test_device.is_none() => m.test_device = first_reg(node),
                        "riscv,plic0" | "sifive,plic-1.0.0" if m.plic.is_none() => m.plic = first_reg(node),
                        "google,goldfish-rtc" if m.rtc.is_none() => m.rtc = first_reg(node),
                        "ns16550a" | "ns16550" if m.uart.is_none() && prop("reg-io-width").unwrap_or(1) == 1 => {
                            m.uart = first_reg(node).map(|pa| (pa, prop("reg-shift").unwrap_or(0)))
                        }
                        "virtio,mmio" if m.virtio_count < MAX_VIRTIO => {
                            if let Some(r) = node.reg().and_then(|mut r| r.next()) {
                                m.virtio[m.virtio_count] = (r.starting_address as usize, r.size.unwrap_or(0x200));
                                m.virtio_irq[m.virtio_count] =
                                    node.interrupts().and_then(|mut i| i.next()).unwrap_or(0) as u32;
                                m.virtio_count += 1;
                            }
                        }
                        _ => continue,
                    }
                    break;
                }
            }
        }
    }
    m
}

/// Where memory goes: the kernel heap first (its size from RAM, `layout::heap_size`), the page
/// frames get the rest of RAM that is not reserved. `None` if no range can hold the heap.
pub fn plan_memory(m: &Machine) -> Option<(Range, RangeSet<32>)> {
    let mut free = RangeSet::<32>::new();
    for r in m.ram.as_slice() {
        free.add(r.pages_inside());
    }
    for r in m.reserved.as_slice() {
        free.remove(*r);
    }
    let initrd_len = m.initrd.map_or(0, |r| r.len());
    let heap = free.take(heap_size(m.ram.total(), initrd_len))?;
    Some((heap, free))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::MIB;

    /// `qemu-system-riscv64 -machine virt,dumpdtb=... -m 256M -smp 1 -bios default -kernel
    /// <kernel> -append "init=/bin/hello LOG=debug" -initrd <10000 bytes>` (QEMU 7.2), cut to
    /// the tree's own size.
    const QEMU_VIRT: &[u8] = include_bytes!("../tests/data/qemu-virt.dtb");
    const DTB_AT: usize = 0x8fe0_0000;
    const KERNEL_END: usize = 0x8060_0000;

    fn machine() -> Machine<'static> {
        let fdt = Fdt::new(QEMU_VIRT).unwrap();
        read(&fdt, Range::new(DTB_AT, DTB_AT + fdt.total_size()), KERNEL_END)
    }

    #[test]
    fn finds_ram_devices_bootargs_and_initramfs_of_qemu_virt() {
        let m = machine();
        assert_eq!(m.ram.as_slice(), [Range::new(0x8000_0000, 0x9000_0000)]);
        assert_eq!(m.bootargs, "init=/bin/hello LOG=debug");
        assert_eq!(m.timebase, Some(10_000_000));
        assert_eq!(m.test_device, Some(0x10_0000));
        assert_eq!(m.rtc, Some(0x10_1000));
        assert_eq!(m.uart, Some((0x1000_0000, 0)));
        assert_eq!(m.virtio_count, 8);
        assert_eq!(m.virtio[0], (0x1000_8000, 0x1000), "QEMU lists the last slot first");
        assert_eq!(m.plic, Some(0x0c00_0000));
        for i in 0..m.virtio_count {
            // QEMU virt wires slot n (at 0x1000_1000 + n * 0x1000) to PLIC source 1 + n.
            assert_eq!(m.virtio_irq[i] as usize, 1 + (m.virtio[i].0 - 0x1000_1000) / 0x1000);
        }
        let initrd = m.initrd.expect("the initramfs");
        assert_eq!(initrd.len(), 10000);
    }

    #[test]
    fn the_kernel_tree_and_initramfs_are_reserved_and_the_heap_comes_first() {
        let m = machine();
        let initrd = m.initrd.unwrap();
        let (heap, frames) = plan_memory(&m).unwrap();
        assert_eq!(heap.len(), 16 * MIB, "a sixteenth of 256 MiB");
        let mut given = frames.as_slice().to_vec();
        given.push(heap);
        for r in &given {
            assert!(r.start >= KERNEL_END, "{r:?} overlaps the kernel (or OpenSBI below it)");
            for busy in [initrd.pages_around(), Range::new(DTB_AT, DTB_AT + QEMU_VIRT.len()).pages_around()] {
                assert!(r.end <= busy.start || r.start >= busy.end, "{r:?} overlaps {busy:?}");
            }
        }
        let total: usize = given.iter().map(|r| r.len()).sum();
        let reserved = initrd.pages_around().len() + 4096 * 2 + (KERNEL_END - 0x8000_0000);
        assert_eq!(total, 256 * MIB - reserved);
    }

    #[test]
    fn a_machine_without_room_for_the_heap_has_no_plan() {
        let mut m = machine();
        m.reserved.add(Range::new(0x8000_0000, 0x9000_0000));
        assert!(plan_memory(&m).is_none());
    }
}
