//! Entering user mode and coming back on a trap.
//!
//! [`run_user`] behaves like a function call that returns when the user program traps:
//!
//! 1. `__hal_enter_user` pushes a small frame on the kernel stack (the context pointer, a scratch
//!    slot, `ra`, `s0`–`s11`, `gp`, `tp`, the fast-path hook), points `sscratch` at it, loads the
//!    user's FP and integer registers from the [`UserContext`] and `sret`s with `sstatus.SPP = 0`
//!    (user), `SPIE = 1`.
//! 2. Any trap enters `__hal_trap_entry` (`stvec`, direct mode). `csrrw sp, sscratch, sp` swaps the
//!    user `sp` for the frame address, the user registers go into the context, `sscratch` is set
//!    back to 0 and the kernel's saved registers are popped: execution continues after the call
//!    in [`run_user`], which decodes `scause`/`stval` into a [`Trap`].
//! 3. While the kernel runs `sscratch` is 0, so a trap from S-mode finds `sp = 0` after the swap:
//!    that is a kernel bug, reported on a separate stack (the kernel stack may be what broke)
//!    before powering off with a failure status.
//!
//! The fast path ([`run_user_fast`]): an `ecall` is first offered to a hook, called from the trap
//! entry itself on the kernel stack below the frame, with `sscratch` = 0 like all kernel code.
//! Before the call the entry saves only what a C function may clobber (ra, t0-t6, a0-a7) and
//! sp, gp, tp (the hook runs with the kernel's gp and tp); s0-s11 stay in the registers, which
//! the hook preserves. If the hook handled the system call completely (it returns true) those
//! registers are loaded again and the entry `sret`s straight back: the kernel's callee-saved
//! registers are not popped and pushed again, s0-s11 and the FP registers are never touched,
//! and `run_user`'s caller does not run at all. Otherwise s0-s11 are saved too and the trap
//! leaves as in step 2 (the hook may have started the call: it tells its caller so itself).
//! A `getpid` round trip from user mode and back is about 100 instructions this way.
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
use core::ffi::c_void;
use core::mem::offset_of;
use core::sync::atomic::{AtomicBool, Ordering};

/// Bytes of the kernel-side frame `__hal_enter_user` pushes (16-byte aligned): 0 the context
/// pointer, 8 a scratch slot, 16 `ra`, 24.. `s0`-`s11`, 120 `gp`, 128 `tp`, 136 the hook's
/// function (or 0), 144 its data.
const FRAME: usize = 160;
const HOOK_FN: usize = 136;
const HOOK_DATA: usize = 144;
const EMERGENCY_STACK: usize = 16 * 1024;

/// The stack the fatal kernel-trap report runs on (only the assembly below uses it).
#[repr(align(16))]
struct EmergencyStack(#[allow(dead_code)] [u8; EMERGENCY_STACK]);
static mut EMERGENCY: EmergencyStack = EmergencyStack([0; EMERGENCY_STACK]);

global_asm!(
    ".section .text.hal_trap, \"ax\", @progbits",
    // ---- enter user mode: a0 = &mut UserContext, a1 = the hook's function or 0, a2 its data ----
    ".p2align 2",
    ".globl __hal_enter_user",
    "__hal_enter_user:",
    "   addi sp, sp, -{frame}",
    "   sd a0, 0(sp)",
    "   sd a1, {hook_fn}(sp)",
    "   sd a2, {hook_data}(sp)",
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
    // The registers a call clobbers, and gp/tp (the kernel's are loaded for the hook), now;
    // s0-s11 (x8, x9, x18-x27) only when the trap leaves the fast path: the hook, like any
    // C function, preserves them.
    "   .irp n, 1,3,4,6,7,10,11,12,13,14,15,16,17,28,29,30,31",
    "   sd x\\n, \\n*8(t0)",
    "   .endr",
    "   ld t1, 8(sp)",
    "   sd t1, 5*8(t0)",
    "   csrrw t1, sscratch, zero",
    "   sd t1, 2*8(t0)",
    "   csrr t1, sepc",
    "   sd t1, {sepc}(t0)",
    // An ecall from user mode (scause 8) with a hook: offer it the system call. The hook is
    // Rust code: it gets the kernel's gp and tp back, and the stack below the frame.
    "   ld t2, {hook_fn}(sp)",
    "   beqz t2, 2f",
    "   csrr t1, scause",
    "   li t3, 8",
    "   bne t1, t3, 2f",
    "   ld gp, 120(sp)",
    "   ld tp, 128(sp)",
    "   mv a0, t0",
    "   ld a1, {hook_data}(sp)",
    "   jalr t2",
    "   ld t0, 0(sp)",
    "   beqz a0, 2f",
    // Handled: straight back to user mode. sstatus still says SPP = 0, SPIE = 1 from the trap,
    // FS is as the program left it (its FP registers were never touched), s0-s11 were never
    // changed.
    "   ld t1, {sepc}(t0)",
    "   csrw sepc, t1",
    "   csrw sscratch, sp",
    "   mv a0, t0",
    "   .irp n, 1,2,3,4,5,6,7,11,12,13,14,15,16,17,28,29,30,31",
    "   ld x\\n, \\n*8(a0)",
    "   .endr",
    "   ld a0, 10*8(a0)",
    "   sret",
    // Leaving for run_user's caller: the rest of the registers into the context (t0).
    "2:",
    "   .irp n, 8,9,18,19,20,21,22,23,24,25,26,27",
    "   sd x\\n, \\n*8(t0)",
    "   .endr",
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
    // `tail` (auipc + jr), not `j`: the Rust function may lie beyond a jump's 1 MiB.
    "   tail {kernel_trap}",
    frame = const FRAME,
    hook_fn = const HOOK_FN,
    hook_data = const HOOK_DATA,
    f = const offset_of!(UserContext, f),
    fcsr = const offset_of!(UserContext, fcsr),
    sepc = const offset_of!(UserContext, sepc),
    emergency = sym EMERGENCY,
    emergency_size = const EMERGENCY_STACK,
    kernel_trap = sym kernel_trap,
);

/// The function the trap entry calls for a hook: the context and the hook's data.
type HookFn = extern "C" fn(*mut UserContext, *mut c_void) -> bool;

unsafe extern "C" {
    fn __hal_enter_user(cx: *mut UserContext, hook: Option<HookFn>, data: *mut c_void);
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
    // Without a hook the trap entry calls nothing.
    unsafe { __hal_enter_user(cx, None, core::ptr::null_mut()) };
    cause::decode(csr::scause(), csr::stval())
}

/// [`run_user`], but every `ecall` is first offered to `fast`, the fast path of system calls,
/// called from the trap entry on the kernel stack with the registers saved in the context
/// (`sscratch` = 0: a fault in it is a kernel trap, as anywhere in the kernel). If it returns
/// true it has handled the call completely (result in a0, pc past the `ecall`) and the program
/// goes on at once, without this function returning; otherwise the trap returns from here.
///
/// While the hook runs, the context's s0-s11 (x8, x9, x18-x27) and FP registers are stale (the
/// registers still hold the program's values): it may read and write the others only. It must
/// not take the lock that guards `cx`, if any: its caller holds it.
///
/// A panic in the hook cannot unwind through the assembly that called it: it is caught there,
/// the trap leaves as one the hook did not take, and the panic is raised again here, in
/// ordinary Rust frames (`crate::unwind`).
pub fn run_user_fast<H: FnMut(&mut UserContext) -> bool>(cx: &mut UserContext, fast: &mut H) -> Trap {
    cx.x[0] = 0;
    let mut hook = Hook { fast, panicked: None };
    // SAFETY: as in `run_user`; in addition the entry keeps `hook`'s address in its frame and
    // calls `call_hook::<H>` with it and `cx` while this call is in progress, when neither is
    // otherwise in use (this function is suspended in the assembly).
    unsafe { __hal_enter_user(cx, Some(call_hook::<H>), (&mut hook as *mut Hook<'_, H>).cast()) };
    if let Some(p) = hook.panicked.take() {
        crate::unwind::resume(p);
    }
    cause::decode(csr::scause(), csr::stval())
}

/// What the trap entry's hook works with: the fast path, and a panic it caught.
struct Hook<'a, H> {
    fast: &'a mut H,
    panicked: Option<crate::unwind::Panicked>,
}

/// Called by the trap entry on an `ecall` with the hook [`run_user_fast`] was given.
extern "C" fn call_hook<H: FnMut(&mut UserContext) -> bool>(cx: *mut UserContext, hook: *mut c_void) -> bool {
    // SAFETY: both pointers come from `run_user_fast`, which is waiting in `__hal_enter_user`
    // for the trap to return and uses neither meanwhile: `cx` is its exclusive borrow of the
    // context, `hook` its exclusive borrow of a `Hook<H>`.
    let (cx, hook) = unsafe { (&mut *cx, &mut *hook.cast::<Hook<'_, H>>()) };
    let fast = &mut *hook.fast;
    match crate::unwind::catch(|| fast(cx)) {
        Ok(done) => done,
        Err(p) => {
            hook.panicked = Some(p);
            false
        }
    }
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
