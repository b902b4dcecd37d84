//! simple-kernel: the BakaEx components put together into the smallest kernel that boots on
//! QEMU virt and runs `/bin/hello` (a static ELF from the initramfs) in user mode, then powers
//! off with its exit status. Everything below is composition; the work is in the crates:
//! `hal` (traps, MMU, timer, power), `heap`, `mm` (frames, page tables, ELF loading),
//! `fs` (ramfs, cpio), `task` (processes, executor), `syscalls` (everything a program asks),
//! `uspace` (the user-thread loop: traps, signals).
//! The full kernel (crates/kernel) adds device probing, disks, init= parsing and idling.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {
    println!("simple-kernel runs on riscv64 QEMU: `make test-simple` builds and boots it.");
}

#[cfg(target_os = "none")]
mod machine {
    extern crate alloc;
    use alloc::vec;
    use hal::context::{Trap, UserContext};
    use hal::mem::{page_down, page_up, phys_to_virt};
    use hal::riscv64::{csr, mmu, power, run_user_fast, timer, trap};
    use kernel::layout::{boot_page_table, KERNEL_OFFSET};
    use task::process::ExitStatus;

    /// The boot page table: the kernel at its load address and in the high half, and the
    /// physical-memory window (kernel::layout builds it at compile time).
    #[repr(C, align(4096))]
    struct Table([u64; 512]);
    static BOOT_TABLE: Table = Table(boot_page_table());

    // `_start`: MMU on with this table, stack, .bss cleared, then `main` in the high half.
    kernel::boot_entry!(BOOT_TABLE, main);

    unsafe extern "C" {
        static __kernel_end: u8;
    }

    #[global_allocator]
    static HEAP: heap::Heap = heap::Heap::new();
    const HEAP_SIZE: usize = 16 << 20;
    static mut HEAP_SPACE: [u8; HEAP_SIZE] = [0; HEAP_SIZE];

    extern "C" fn main(_hart: usize, dtb_pa: usize) -> ! {
        trap::init();
        timer::init(10_000_000); // QEMU virt's timebase
                                 // SAFETY: the heap's own static buffer, handed over once, before anything allocates.
        unsafe { HEAP.init(&raw mut HEAP_SPACE as *mut u8, HEAP_SIZE) };

        // SAFETY: OpenSBI passes the device tree's address; the physical window maps it.
        let dt = unsafe { fdt::Fdt::from_ptr(phys_to_virt(dtb_pa)) }.expect("no device tree");
        let chosen = dt.find_node("/chosen").expect("no /chosen");
        let prop = |name| chosen.property(name).and_then(|p| p.as_usize()).expect("no initramfs (-initrd)");
        let (initrd, initrd_end) = (prop("linux,initrd-start"), prop("linux,initrd-end"));
        // Frames: from the end of the kernel to the initramfs (QEMU puts it above the kernel).
        let kernel_end = (&raw const __kernel_end) as usize - KERNEL_OFFSET;
        mm::frame::add_memory(page_up(kernel_end), page_down(initrd));
        // User page tables share the kernel half of the boot table.
        mm::page_table::set_kernel_half(BOOT_TABLE.0[256..].try_into().unwrap());
        mmu::set_kernel_root(&BOOT_TABLE as *const Table as usize - KERNEL_OFFSET);

        // The root file system: a ramfs filled from the initramfs.
        let root: fs::InodeRef = fs::ramfs::RamDir::new_root();
        // SAFETY: the initramfs range from the device tree, outside the frames handed out above.
        let cpio = unsafe { core::slice::from_raw_parts(phys_to_virt(initrd), initrd_end - initrd) };
        fs::cpio::unpack(&root, &mut &cpio[..]).expect("initramfs is not cpio newc");

        let argv = vec![b"/bin/hello".to_vec()];
        let thread = syscalls::exec::spawn_init(&root, "/bin/hello", &argv, &[]).expect("cannot load /bin/hello");
        let process = thread.process.clone();
        task::executor::spawn(uspace::run(thread, &Simple));
        hal::console::write_bytes(b"bakaex: run /bin/hello\n"); // where the test harness cuts
        let status = loop {
            if task::executor::run_ready() == 0 {
                // Everything waits: sleep until the next timer deadline (or 10 ms).
                tick();
                csr::wfi();
            }
            if let Some(status) = process.exit_status() {
                break status;
            }
        };
        let code = match status {
            ExitStatus::Exited(c) => c & 0xff,
            ExitStatus::Signaled(s) => 128 + s as i32,
        };
        hal::console::write_bytes(alloc::format!("init exited with status {code}\n").as_bytes());
        power::shutdown(code as u8)
    }

    /// The timer fired (or the machine is idle): wake the sleepers that are due, and arm the
    /// timer for the next deadline or the end of a 10 ms slice.
    fn tick() {
        let now = hal::time::now_ns();
        task::executor::fire_timers(now);
        timer::set_deadline(task::executor::next_deadline().unwrap_or(now + 10_000_000).min(now + 10_000_000));
    }

    /// The machine user threads run on (crate `uspace` runs them): riscv64's page tables and
    /// trap entry, and the timer re-armed on every tick.
    struct Simple;

    impl uspace::Machine for Simple {
        fn activate(&self, root: Option<usize>) {
            match root {
                Some(root) => mmu::activate(root),
                None => mmu::activate_kernel(),
            }
        }

        fn entering(&self, _now: u64) {}

        fn run_user<H: FnMut(&mut UserContext) -> bool>(&self, ctx: &mut UserContext, fast: &mut H) -> Trap {
            run_user_fast(ctx, fast)
        }

        fn tick(&self, _now: u64) {
            tick()
        }
    }

    #[panic_handler]
    fn panic(info: &core::panic::PanicInfo) -> ! {
        // Nothing here is isolated (no `spawn_isolated`): this finds no catch and returns.
        hal::unwind::unwind(info);
        hal::console::write_bytes(alloc::format!("simple-kernel panic: {info}\n").as_bytes());
        power::power_off(1)
    }
}
