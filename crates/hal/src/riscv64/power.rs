//! Powering off with a status QEMU passes on as its own exit code.
//!
//! QEMU virt has a "sifive,test0" finisher (at 0x100000): writing 0x5555 exits QEMU with status 0,
//! `(code << 16) | 0x3333` exits with `code`. Without one (other machines, or before the device
//! tree was read) SBI SRST shuts down, which carries no code.
//!
//! [`shutdown`] first runs the hook the kernel installed with [`set_shutdown_hook`] (file systems
//! write their caches to disk there); [`power_off`] skips it, for the fatal paths (a panic or a
//! kernel trap may have left the file systems' locks held, and a hook would then hang).
use crate::mem::phys_to_virt;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static TEST_DEVICE: AtomicUsize = AtomicUsize::new(0);
static HOOK: AtomicUsize = AtomicUsize::new(0);
static HOOK_RAN: AtomicBool = AtomicBool::new(false);

/// Run `hook` once before an orderly power-off ([`shutdown`]).
pub fn set_shutdown_hook(hook: fn()) {
    HOOK.store(hook as usize, Ordering::Relaxed);
}

/// Use the finisher at physical address `pa` (from the device tree).
pub fn set_test_device(pa: usize) {
    TEST_DEVICE.store(pa, Ordering::Relaxed);
}

/// Orderly power-off: run the shutdown hook (once, even if it fails and comes back here), then
/// [`power_off`].
pub fn shutdown(code: u8) -> ! {
    run_hook();
    power_off(code)
}

/// The shutdown hook, at most once.
fn run_hook() {
    let hook = HOOK.load(Ordering::Relaxed);
    if hook != 0 && !HOOK_RAN.swap(true, Ordering::Relaxed) {
        // SAFETY: HOOK only ever holds a `fn()` stored by set_shutdown_hook.
        let hook: fn() = unsafe { core::mem::transmute::<usize, fn()>(hook) };
        hook();
    }
}

/// Power off now, without the shutdown hook. `code` 0 is success; 1..=255 is what QEMU should
/// exit with.
pub fn power_off(code: u8) -> ! {
    let pa = TEST_DEVICE.load(Ordering::Relaxed);
    if pa != 0 {
        let value: u32 = if code == 0 { 0x5555 } else { ((code as u32) << 16) | 0x3333 };
        // SAFETY: `pa` is the finisher register from the device tree, reached through the
        // physical-memory window (which maps MMIO too); the write ends the machine.
        unsafe { (phys_to_virt(pa) as *mut u32).write_volatile(value) };
    }
    if code == 0 {
        let _ = sbi_rt::system_reset(sbi_rt::Shutdown, sbi_rt::NoReason);
    } else {
        let _ = sbi_rt::system_reset(sbi_rt::Shutdown, sbi_rt::SystemFailure);
    }
    #[allow(deprecated)] // the last resort on firmware without SRST
    sbi_rt::legacy::shutdown()
}

/// Orderly restart: the shutdown hook, then SBI SRST cold reboot (QEMU run with `-no-reboot`
/// exits instead). Firmware without SRST powers off.
pub fn restart() -> ! {
    run_hook();
    let _ = sbi_rt::system_reset(sbi_rt::ColdReboot, sbi_rt::NoReason);
    power_off(0)
}
