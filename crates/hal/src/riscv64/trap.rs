//! Entering user mode and coming back on a trap.
//!
//! [`run_user`] behaves like a function call that returns when the user program traps:
//!
//! 1. `__hal_enter_user` pushes a small frame on the kernel stack (the context pointer, a scratch
//!    slot, `ra`, `s0`–`s11`, `gp`, `tp`), points `sscratch` at it, loads the user's FP and integer
//!    registers from the [`UserContext`] and `sret`s with `sstatus.SPP = 0` (user), `SPIE = 1`.
//! 2. Any trap enters `__hal_trap_entry` (`stvec`, direct mode). `csrrw sp, sscratch, sp` swaps the
//!    user `sp` for the frame address, the user registers go into the context, `sscratch` is set
//!    back to 0 and the kernel's saved registers are popped: execution continues after the call
//!    in [`run_user`], which decodes `scause`/`stval` into a [`Trap`].
//! 3. While the kernel runs `sscratch` is 0, so a trap from S-mode finds `sp = 0` after the swap:
//!    that is a kernel bug, reported on a separate stack (the kernel stack may be what broke)
//!    before powering off with a failure status.
//!
//! User FP state: the kernel is built without F/D, so it never touches `f0`–`f31`/`fcsr`.
//! Entering user mode always loads them from the context (a thread's context may have been
//! rewritten by execve, a signal return or a different thread since the registers were last
//! saved, and the `UserContext` has no room for a "registers are live" mark); after the load
//! `sstatus.FS` is set to Clean, so on the way back they are stored only when the program wrote
//! an FP register or `fcsr` (FS = Dirty). A new thread's context has zeroed FP registers, i.e.
//! the FS = Initial state.
use super::{cause, csr, power};
use crate::context::{Trap, UserContext};
use core::arch::global_asm;
use core::mem::offset_of;
use core::sync::atomic::{AtomicBool, Ordering};

/// Bytes of the kernel-side frame `__hal_enter_user` pushes (16-byte aligned).
const FRAME: usize = 144;
const EMERGENCY_STACK: usize = 16 * 1024;

/// The stack the fatal kernel-trap report runs on (only the assembly below uses it).
#[repr(align(16))]
struct EmergencyStack(#[allow(dead_code)] [u8; EMERGENCY_STACK]);
static mut EMERGENCY: EmergencyStack = EmergencyStack([0; EMERGENCY_STACK]);

global_asm!(
    ".section .text.hal_trap, \"ax\", @progbits",
    // ---- enter user mode: a0 = &mut UserContext ----
    ".p2align 2",
    ".globl __hal_enter_user",
    "__hal_enter_user:",
    "   addi sp, sp, -{frame}",
    "   sd a0, 0(sp)",
    "   sd ra, 16(sp)",
    "   .irp n, 0,1,2,3,4,5,6,7,8,9,10,11",
    "   sd s\\n, 24+\\n*8(sp)",
    "   .endr",
    "   sd gp, 120(sp)",
    "   sd tp, 128(sp)",
    // sstatus: SPP = 0 (sret goes to U), SPIE = 1 (interrupts on there), FS = Initial.
    "   li t0, (1 << 8) | (3 << 13)",
    "   csrc sstatus, t0",
    "   li t0, (1 << 5) | (1 << 13)",
    "   csrs sstatus, t0",
    "   .option push",
    "   .option arch, +d",
    "   .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
    "   fld f\\n, {f}+\\n*8(a0)",
    "   .endr",
    "   ld t0, {fcsr}(a0)",
    "   fscsr t0",
    "   .option pop",
    // The loads made FS Dirty; the registers equal the context's copy: Clean.
    "   li t0, 1 << 13",
    "   csrc sstatus, t0",
    "   ld t0, {sepc}(a0)",
    "   csrw sepc, t0",
    "   csrw sscratch, sp",
    "   .irp n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
    "   ld x\\n, \\n*8(a0)",
    "   .endr",
    "   ld a0, 10*8(a0)",
    "   sret",
    // ---- every trap ----
    ".p2align 2",
    ".globl __hal_trap_entry",
    "__hal_trap_entry:",
    "   csrrw sp, sscratch, sp",
    "   beqz sp, 9f",
    "   sd t0, 8(sp)",
    "   ld t0, 0(sp)",
    "   .irp n, 1,3,4,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
    "   sd x\\n, \\n*8(t0)",
    "   .endr",
    "   ld t1, 8(sp)",
    "   sd t1, 5*8(t0)",
    "   csrrw t1, sscratch, zero",
    "   sd t1, 2*8(t0)",
    "   csrr t1, sepc",
    "   sd t1, {sepc}(t0)",
    // Save the FP registers only if the program changed them (FS = Dirty).
    "   csrr t1, sstatus",
    "   srli t1, t1, 13",
    "   andi t1, t1, 3",
    "   li t2, 3",
    "   bne t1, t2, 1f",
    "   .option push",
    "   .option arch, +d",
    "   .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
    "   fsd f\\n, {f}+\\n*8(t0)",
    "   .endr",
    "   frcsr t1",
    "   sd t1, {fcsr}(t0)",
    "   .option pop",
    "   li t1, 1 << 13",
    "   csrc sstatus, t1",
    "1:",
    "   ld ra, 16(sp)",
    "   .irp n, 0,1,2,3,4,5,6,7,8,9,10,11",
    "   ld s\\n, 24+\\n*8(sp)",
    "   .endr",
    "   ld gp, 120(sp)",
    "   ld tp, 128(sp)",
    "   addi sp, sp, {frame}",
    "   ret",
    // A trap in S-mode: sp = 0, sscratch = the kernel sp. Restore both, report on another stack.
    "9:",
    "   csrrw sp, sscratch, sp",
    "   la sp, {emergency}",
    "   li t0, {emergency_size}",
    "   add sp, sp, t0",
    "   j {kernel_trap}",
    frame = const FRAME,
    f = const offset_of!(UserContext, f),
    fcsr = const offset_of!(UserContext, fcsr),
    sepc = const offset_of!(UserContext, sepc),
    emergency = sym EMERGENCY,
    emergency_size = const EMERGENCY_STACK,
    kernel_trap = sym kernel_trap,
);

unsafe extern "C" {
    fn __hal_enter_user(cx: *mut UserContext);
    fn __hal_trap_entry();
}

/// Install the trap vector and the kernel's interrupt settings: supervisor interrupts off while
/// in the kernel, the timer interrupt enabled (taken from user mode, and waking `wfi`); user
/// programs may read the cycle, time and instret counters (`rdtime` etc., as on Linux).
pub fn init() {
    let vector = __hal_trap_entry as *const () as usize;
    // SAFETY: the vector is the 4-byte-aligned entry above (direct mode); sscratch = 0 marks
    // "running in the kernel" for it. scounteren only grants user reads of counters.
    unsafe {
        core::arch::asm!(
            "csrw stvec, {}",
            "csrw sscratch, zero",
            "csrw scounteren, {}",
            in(reg) vector,
            in(reg) 0b111,
            options(nostack)
        )
    };
    csr::sstatus_clear(csr::SSTATUS_SIE);
    csr::sie_set(csr::SIE_STIE);
}

/// Run the user thread whose registers are `cx` until it traps; `cx` then holds its registers
/// at the trap. The caller must have activated the thread's page table.
pub fn run_user(cx: &mut UserContext) -> Trap {
    cx.x[0] = 0;
    // SAFETY: `__hal_enter_user` follows the C calling convention (it preserves ra, sp, s0-s11,
    // gp, tp) and returns once the user program traps; it reads and writes only `*cx`, which we
    // borrow mutably. User code cannot reach kernel memory: the kernel half has no U bit.
    unsafe { __hal_enter_user(cx) };
    cause::decode(csr::scause(), csr::stval())
}

/// A trap taken in S-mode: report it and power off with a failure status.
extern "C" fn kernel_trap() -> ! {
    static REPORTING: AtomicBool = AtomicBool::new(false);
    if REPORTING.swap(true, Ordering::Relaxed) {
        power::power_off(1); // the report itself trapped
    }
    let (scause, sepc, stval) = (csr::scause(), csr::sepc(), csr::stval());
    let _ = core::fmt::Write::write_fmt(
        &mut crate::console::Console,
        format_args!(
            "\nkernel trap: {} (scause {scause:#x}) at sepc {sepc:#x}, stval {stval:#x}\n",
            cause::name(scause)
        ),
    );
    power::power_off(1)
}
