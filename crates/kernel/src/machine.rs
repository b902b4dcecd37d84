//! Bring-up: trap vector, device tree, clock, memory, logging; then init and the scheduler.
use crate::boot::kernel_end_pa;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};
use fdt::Fdt;
use fs::cpio::Archive;
use hal::mem::phys_to_virt;
use hal::riscv64::{power, timer};
use kernel::bootargs;
use kernel::devicetree::{self, Machine};
use kernel::layout::{Range, PHYS_WINDOW, PHYS_WINDOW_IN_USE};

/// The device tree OpenSBI left at `dtb_pa`, read (`kernel::devicetree`).
fn read_device_tree(dtb_pa: usize) -> Machine<'static> {
    // SAFETY: OpenSBI passes the device tree's physical address in a1; the window maps it, and
    // its pages stay reserved (never handed out), so the 'static borrow holds.
    let fdt: Fdt<'static> = unsafe { Fdt::from_ptr(phys_to_virt(dtb_pa)) }
        .unwrap_or_else(|e| panic!("no valid device tree at {dtb_pa:#x}: {e:?}"));
    devicetree::read(&fdt, Range::new(dtb_pa, dtb_pa + fdt.total_size()), kernel_end_pa())
}

/// Disks cached in front of the device: 1 MiB of 4 KiB chunks.
#[cfg(feature = "ext4")]
const DISK_CACHE_CHUNKS: usize = 256;

/// Probe the virtio-mmio slots; every block device found becomes a registered disk (vda, vdb,
/// ... in device-tree order, behind a small cache; block-special files /dev/vda, ... in devfs),
/// and the "ext4" file-system type is registered for mount(2) and `root=`.
#[cfg(feature = "ext4")]
fn probe_disks(m: &Machine) {
    use kernel::layout::{GIB, KERNEL_OFFSET, KERNEL_VIRT};
    drivers::virtio::set_kernel_image(KERNEL_VIRT & !(GIB - 1), KERNEL_OFFSET);
    let mut found = 0;
    for &(pa, size) in &m.virtio[..m.virtio_count] {
        // SAFETY: a virtio-mmio register block from the device tree, mapped by the physical
        // window; each slot is probed once and then owned by its driver.
        let Some(blk) = (unsafe { drivers::virtio::VirtioBlk::probe(pa, size) }) else {
            continue;
        };
        let name = drivers::block::virtio_disk_name(found);
        found += 1;
        let sectors = drivers::BlockDevice::sectors(&blk);
        log::info!(
            "{name}: virtio-blk at {pa:#x}, {} MiB{}",
            sectors >> 11,
            if blk_ro(&blk) { ", read-only" } else { "" }
        );
        let dev: drivers::SharedDevice =
            alloc::sync::Arc::new(sync::Mutex::new(drivers::CachedDisk::new(blk, DISK_CACHE_CHUNKS)));
        drivers::block::register(&name, dev.clone());
        // ... and /dev/<name>, a block-special file, in devfs.
        kernel::blockdev::register(&name, found as u32 - 1, dev);
    }
    fs::vfs::register_fs_type("ext4", true, ext4fs::make);
    // ext2 volumes (no journal, block maps) are mounted by the same driver, as Linux's ext4 does
    // them (CONFIG_EXT4_USE_FOR_EXT2): rsext4 keeps block-mapped files block-mapped.
    fs::vfs::register_fs_type("ext2", true, ext4fs::make);
    // An orderly power-off (init exited) unmounts every ext4 volume: caches and journal reach the
    // disk and it is left clean for the next boot.
    power::set_shutdown_hook(ext4fs::shutdown);
}

#[cfg(feature = "ext4")]
fn blk_ro(b: &drivers::virtio::VirtioBlk) -> bool {
    drivers::BlockDevice::read_only(b)
}

/// eth0: the virtio-net device as the network stack sees it.
#[cfg(feature = "net")]
struct Nic(drivers::net::VirtioNet);

#[cfg(feature = "net")]
impl net::inet::link::EthernetDevice for Nic {
    fn mac(&self) -> [u8; 6] {
        self.0.mac()
    }
    fn receive(&mut self) -> Option<alloc::vec::Vec<u8>> {
        self.0.receive()
    }
    fn send(&mut self, frame: &[u8]) {
        self.0.send(frame)
    }
    fn ack_interrupt(&mut self) {
        self.0.ack_interrupt()
    }
}

/// Probe the virtio-mmio slots for a network device; the first one becomes eth0, configured
/// by `ip=` (DHCP unless it says otherwise). Its interrupt goes through the PLIC: a frame that
/// arrives ends the idle loop's `wfi` or traps out of user mode, and the tick runs the stack.
#[cfg(feature = "net")]
fn probe_net(m: &Machine, ip: bootargs::Ip) {
    use kernel::layout::{GIB, KERNEL_OFFSET, KERNEL_VIRT};
    if ip == bootargs::Ip::Off {
        return;
    }
    drivers::virtio::set_kernel_image(KERNEL_VIRT & !(GIB - 1), KERNEL_OFFSET);
    for (i, &(pa, size)) in m.virtio[..m.virtio_count].iter().enumerate() {
        // SAFETY: a virtio-mmio register block from the device tree, mapped by the physical
        // window; a slot that holds a disk was taken by probe_disks and is not a network device.
        let Some(nic) = (unsafe { drivers::net::VirtioNet::probe(pa, size) }) else {
            continue;
        };
        let mac = nic.mac();
        log::info!("eth0: virtio-net at {pa:#x}, MAC {mac:02x?}");
        let config = match ip {
            bootargs::Ip::Static { addr, prefix, gateway } => {
                Some(net::inet::link::Ipv4Config { addr, prefix, gateway })
            }
            _ => None,
        };
        net::inet::stack::attach(alloc::boxed::Box::new(Nic(nic)), config);
        match (m.plic, m.virtio_irq[i]) {
            (Some(plic), irq) if irq != 0 => {
                hal::riscv64::plic::init(phys_to_virt(plic) as usize);
                hal::riscv64::plic::enable(irq);
                hal::riscv64::csr::sie_set(hal::riscv64::csr::SIE_SEIE);
            }
            // Still works: the timer tick runs the stack every 10 ms.
            _ => log::warn!("eth0: no interrupt (no PLIC in the device tree): polled on the tick"),
        }
        if config.is_none() {
            wait_for_dhcp();
        }
        return;
    }
}

/// As Linux with `ip=dhcp`, boot waits until DHCP has given eth0 an address, so that init may
/// connect out at once; at most [`DHCP_WAIT_NS`] (QEMU answers within milliseconds), then boot
/// goes on and the address comes whenever the answer does.
#[cfg(feature = "net")]
fn wait_for_dhcp() {
    const DHCP_WAIT_NS: u64 = 3_000_000_000;
    let configured = || net::interfaces().iter().any(|i| i.name == "eth0" && i.ipv4.is_some());
    let deadline = timer::now_ns() + DHCP_WAIT_NS;
    while !configured() {
        let now = timer::now_ns();
        if now >= deadline {
            log::warn!("eth0: no answer from DHCP yet; booting on without an address");
            return;
        }
        // Woken by eth0's interrupt or, at the latest, 10 ms on (smoltcp's DHCP retries).
        timer::set_deadline(now + 10_000_000);
        hal::riscv64::csr::wfi();
        let irq = hal::riscv64::plic::claim();
        net::inet::stack::poll_links();
        hal::riscv64::plic::complete(irq);
    }
}

/// Nanoseconds since the epoch from a Goldfish RTC (reading TIME_LOW latches TIME_HIGH).
fn read_goldfish_rtc(pa: usize) -> u64 {
    let base = phys_to_virt(pa) as *const u32;
    // SAFETY: the RTC's registers from the device tree, mapped by the physical window.
    let (lo, hi) = unsafe { (base.read_volatile(), base.add(1).read_volatile()) };
    ((hi as u64) << 32) | lo as u64
}

/// Kernel entry in the high half (from `boot::_start`).
pub fn start(hart: usize, dtb_pa: usize) -> ! {
    let entered = timer::now_ns();
    hal::riscv64::trap::init();
    crate::boot::arm_stack_canary();
    kernel::logger::init(bootargs::DEFAULT_LOG);
    assert_eq!(hal::mem::PHYS_OFFSET, PHYS_WINDOW, "hal and kernel disagree on the physical window");
    hal::mem::set_phys_offset(PHYS_WINDOW_IN_USE);

    let m = read_device_tree(dtb_pa);
    if let Some(f) = m.timebase {
        timer::init(f);
    }
    if let Some((pa, shift)) = m.uart {
        hal::riscv64::sbi::use_uart(pa, shift);
    }
    if let Some(pa) = m.test_device {
        power::set_test_device(pa);
    }
    if let Some(pa) = m.rtc {
        timer::set_boot_epoch_ns(read_goldfish_rtc(pa).saturating_sub(timer::now_ns()));
    }

    // Memory: RAM minus what is reserved; the heap first, the frame allocator gets the rest.
    let (heap, free) = devicetree::plan_memory(&m).expect("no room for the kernel heap");
    crate::heap::init(heap);
    for r in free.as_slice() {
        mm::frame::add_memory(r.start, r.end);
    }

    let args = bootargs::parse(m.bootargs);
    log::set_max_level(args.log);
    for w in &args.unknown {
        log::info!("ignoring boot argument {w:?}");
    }
    if args.trace {
        start_tracing();
    }
    if let Some(name) = args.panic_on {
        arm_fault(name);
    }
    match args.crash {
        Some("panic") => panic!("crash=panic on the command line"),
        // SAFETY: deliberately invalid: address 8 is unmapped in the kernel's tables, so the load
        // traps into the kernel-trap report, which powers off; it never produces a value.
        Some("fault") => unsafe { core::ptr::read_volatile(core::ptr::without_provenance::<u64>(8)) },
        _ => 0,
    };
    log::info!("kernel entered at {} us", entered / 1000);
    log::info!(
        "hart {hart}, RAM {} MiB, kernel image ends at {:#x}, heap {} MiB at {:#x}, {} free frames",
        m.ram.total() >> 20,
        kernel_end_pa(),
        heap.len() >> 20,
        heap.start,
        mm::frame::total()
    );

    #[cfg(feature = "ext4")]
    probe_disks(&m);
    #[cfg(feature = "net")]
    probe_net(&m, args.ip);

    #[cfg(feature = "user")]
    {
        let mut kernel_half = [0u64; 256];
        kernel_half.copy_from_slice(&crate::boot::BOOT_PAGE_TABLE.0[256..]);
        mm::page_table::set_kernel_half(kernel_half);
        hal::riscv64::mmu::set_kernel_root(crate::boot::boot_table_pa());
    }

    let mut initrd = m.initrd.map(|r| Initramfs { range: r, given_back: r.pages_inside().start });
    let archive = initrd.as_mut().map(|a| a as &mut dyn fs::cpio::Archive);
    let root = kernel::init::rootfs(archive, args.root, args.read_only).unwrap_or_else(|e| {
        say(&e);
        power::power_off(1)
    });
    if let Some(mut a) = initrd {
        // Unpacked (or not used: a disk root): the rest of the archive's pages are free frames.
        a.consumed(a.range.len());
    }
    // devtmpfs on /dev, proc on /proc, tmpfs on /tmp (each skipped if already mounted).
    if let Err(e) = syscalls::fs::mount_standard(&root) {
        log::error!("standard mounts: {e}");
    }
    kernel::logger::keep_in_memory();
    // clone, fork and init's own threads go to the executor.
    #[cfg(feature = "user")]
    task::set_thread_spawner(crate::sched::spawn_thread);
    let init = kernel::init::start(&root, args.init).unwrap_or_else(|e| {
        say(&e);
        power::shutdown(127)
    });
    crate::sched::run(init)
}

/// Why boot cannot go on, on the console.
fn say(why: &str) {
    hal::console::write_bytes(alloc::format!("bakaex: {why}\n").as_bytes());
}

/// A panic in a task that runs for one process unwinds to the executor, which ends that
/// process (`hal::unwind`, `task::executor::spawn_isolated`); any other panic stops the machine.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hal::unwind::unwind(info);
    static PANICKING: AtomicBool = AtomicBool::new(false);
    if !PANICKING.swap(true, Ordering::Relaxed) {
        let _ = writeln!(hal::console::Console, "\nkernel panic: {info}");
    }
    // No shutdown hook: the panic may have left a file system's lock held.
    power::power_off(1)
}

/// `trace` on the command line: syscall lines go straight to the console, in order with the
/// programs' own output (the log would hide them below LOG=info).
#[cfg(feature = "trace")]
fn start_tracing() {
    syscalls::trace::set_sink(|line| {
        hal::console::write_bytes(line.as_bytes());
        hal::console::write_bytes(b"\n");
    });
    syscalls::trace::set_enabled(true);
}

/// `panic_on=<name>`: that syscall panics from now on (panic isolation tests).
#[cfg(feature = "fault-inject")]
fn arm_fault(name: &str) {
    match syscalls::fault::by_name(name) {
        Some(n) => {
            syscalls::fault::panic_on(Some(n));
            log::warn!("fault injection: syscall {name} panics");
        }
        None => log::error!("panic_on={name}: no such syscall"),
    }
}

#[cfg(not(feature = "fault-inject"))]
fn arm_fault(_name: &str) {
    log::warn!("`panic_on=` needs a kernel built with the `fault-inject` feature");
}

#[cfg(not(feature = "trace"))]
fn start_tracing() {
    log::warn!("`trace` needs a kernel built with the `trace` feature");
}

/// The initramfs where the boot loader put it: read through the physical window, its whole pages
/// given to the frame allocator as the unpacking moves past them (`fs::cpio`), so that unpacking
/// needs no second copy's worth of memory.
struct Initramfs {
    range: Range,
    /// Pages below this address were given back.
    given_back: usize,
}

impl fs::cpio::Archive for Initramfs {
    fn len(&self) -> usize {
        self.range.len()
    }

    fn read(&self, at: usize, buf: &mut [u8]) {
        assert!(at + buf.len() <= self.range.len());
        let pa = self.range.start + at;
        assert!(pa >= self.given_back || pa < self.range.pages_inside().start, "the initramfs is read forward");
        // SAFETY: the device tree says the initramfs lies in `range`; it is RAM, kept out of the
        // heap and the frame allocator, and mapped by the window. Only bytes at or after
        // `given_back` are read, and those pages were not handed to the allocator yet.
        unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(pa), buf.as_mut_ptr(), buf.len()) }
    }

    fn consumed(&mut self, at: usize) {
        let upto = hal::mem::page_down(self.range.start + at).min(self.range.pages_inside().end);
        if upto > self.given_back {
            mm::frame::add_memory(self.given_back, upto);
            self.given_back = upto;
        }
    }
}
