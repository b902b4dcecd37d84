//! The console: the SBI console (legacy v0.1 putchar/getchar, through `sbi-rt`), or, once the
//! kernel has found it in the device tree, the NS16550 UART that OpenSBI itself drives, written
//! directly (a few instructions per byte instead of a trap into the firmware). Input has a small
//! buffer.
//!
//! The kernel polls for input on timer ticks and idle wake-ups ([`poll_input`]); a byte read
//! there waits in the buffer until the console device's `read_at` takes it through
//! [`console_getchar`], so polling never loses input.
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

const BUF_LEN: usize = 64;
// One hart, and kernel code is never interrupted: these are only atomics to be `Sync`.
static BUF: [AtomicU8; BUF_LEN] = [const { AtomicU8::new(0) }; BUF_LEN];
static HEAD: AtomicUsize = AtomicUsize::new(0); // next byte to read
static TAIL: AtomicUsize = AtomicUsize::new(0); // next free slot
static AT_LINE_START: AtomicBool = AtomicBool::new(true);
/// Virtual address of the 16550's registers (0: use SBI), and the register stride shift.
static UART: AtomicUsize = AtomicUsize::new(0);
static UART_SHIFT: AtomicUsize = AtomicUsize::new(0);

const UART_THR_RBR: usize = 0;
const UART_LSR: usize = 5;
const LSR_DATA_READY: u8 = 1 << 0;
const LSR_THR_EMPTY: u8 = 1 << 5;

/// Use the NS16550-compatible UART at physical `pa` (byte registers `1 << reg_shift` apart),
/// already set up by the firmware.
pub fn use_uart(pa: usize, reg_shift: usize) {
    UART_SHIFT.store(reg_shift, Ordering::Relaxed);
    UART.store(crate::mem::phys_to_virt(pa) as usize, Ordering::Relaxed);
}

fn uart_reg(reg: usize) -> Option<*mut u8> {
    let base = UART.load(Ordering::Relaxed);
    (base != 0).then(|| (base + (reg << UART_SHIFT.load(Ordering::Relaxed))) as *mut u8)
}

/// Write one byte to the console.
pub fn console_putchar(b: u8) {
    AT_LINE_START.store(b == b'\n', Ordering::Relaxed);
    if let (Some(lsr), Some(thr)) = (uart_reg(UART_LSR), uart_reg(UART_THR_RBR)) {
        // SAFETY: the UART's registers from the device tree, mapped by the physical window;
        // byte accesses as the 16550 expects.
        unsafe {
            while lsr.read_volatile() & LSR_THR_EMPTY == 0 {}
            thr.write_volatile(b);
        }
        return;
    }
    #[allow(deprecated)] // legacy console: see Cargo.toml
    sbi_rt::legacy::console_putchar(b as usize);
}

/// Whether the last byte written was a newline (or nothing was written yet).
pub fn at_line_start() -> bool {
    AT_LINE_START.load(Ordering::Relaxed)
}

fn raw_getchar() -> Option<u8> {
    if let (Some(lsr), Some(rbr)) = (uart_reg(UART_LSR), uart_reg(UART_THR_RBR)) {
        // SAFETY: as in `console_putchar`; reading RBR only when LSR says a byte is there.
        return unsafe { (lsr.read_volatile() & LSR_DATA_READY != 0).then(|| rbr.read_volatile()) };
    }
    // The legacy call returns the byte, or -1 when nothing is waiting.
    #[allow(deprecated)] // legacy console: see Cargo.toml
    let c = sbi_rt::legacy::console_getchar();
    (c <= 0xff).then_some(c as u8)
}

fn pop() -> Option<u8> {
    let (h, t) = (HEAD.load(Ordering::Relaxed), TAIL.load(Ordering::Relaxed));
    if h == t {
        return None;
    }
    let b = BUF[h % BUF_LEN].load(Ordering::Relaxed);
    HEAD.store(h.wrapping_add(1), Ordering::Relaxed);
    Some(b)
}

/// The next input byte, if one has been typed.
pub fn console_getchar() -> Option<u8> {
    pop().or_else(raw_getchar)
}

/// Move whatever has been typed into the buffer. Returns whether input is waiting.
pub fn poll_input() -> bool {
    loop {
        let (h, t) = (HEAD.load(Ordering::Relaxed), TAIL.load(Ordering::Relaxed));
        if t.wrapping_sub(h) >= BUF_LEN {
            return true;
        }
        match raw_getchar() {
            Some(b) => {
                BUF[t % BUF_LEN].store(b, Ordering::Relaxed);
                TAIL.store(t.wrapping_add(1), Ordering::Relaxed);
            }
            None => return t != h,
        }
    }
}
