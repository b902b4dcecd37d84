//! The machine user threads run on, the timer tick, and the idle loop.
//!
//! Each user thread is one task of `task::executor`, running crate `uspace`'s loop (enter user
//! mode, handle the trap, deliver signals, repeat) on [`Riscv64`]. The hardware timer is kept
//! armed for the end of the current ~10 ms slice or the next sleeper's deadline, whichever is
//! first; its interrupt is only taken from user mode (the kernel runs with interrupts off), so a
//! busy program is preempted (a slice that ends in the kernel, at the latest when it returns to
//! user mode) and a blocked system waits in `wfi`.
//!
//! New threads (init's, clone's, fork's) reach the executor through [`spawn_thread`], the
//! spawner the bring-up registers.
// Without the `user` feature nothing starts user threads: their loop is compiled but unused.
#![cfg_attr(not(feature = "user"), allow(dead_code))]
use alloc::sync::Arc;
use hal::context::{Trap, UserContext};
use hal::riscv64::{csr, mmu, plic, power, sbi, timer};
use task::executor;
use task::process::ExitStatus;
use task::{Process, Thread};

/// Time slice of a running program.
pub const SLICE_NS: u64 = 10_000_000;

/// The latest the timer may fire: end of a slice started `now`, or the next sleeper's deadline.
fn next_stop(now: u64) -> u64 {
    let slice_end = now + SLICE_NS;
    executor::next_deadline().map_or(slice_end, |d| d.min(slice_end))
}

/// Work done on every timer or device interrupt and idle wake-up: wake the sleepers that are due and the
/// readers of console input that has arrived, and start a new slice (the only place the timer
/// is re-armed once it fired: see `timer::ensure_deadline`).
fn tick(now: u64) {
    crate::boot::check_stack_canary();
    executor::fire_timers(now);
    if sbi::poll_input() {
        // Through the line discipline at once (echo, ^C/^Z), even if nobody is reading.
        fs::dev::CONSOLE.receive_input();
        fs::dev::CONSOLE_INPUT.wake_all();
    }
    // A device interrupt (eth0's, the only source enabled) stays in service until the stack
    // has run, which acknowledges the device (else its line would raise it again at once).
    let irq = plic::claim();
    // Frames that arrived on eth0, TCP retransmissions and DHCP renewals: the network is run
    // on every tick (each timer or device interrupt and each wake-up of the idle loop).
    #[cfg(feature = "net")]
    net::inet::stack::poll_links();
    plic::complete(irq);
    timer::set_deadline(next_stop(now));
}

/// The machine user threads run on (`uspace::Machine`): riscv64's page tables and trap entry,
/// and the timer policy of this module.
struct Riscv64;

impl uspace::Machine for Riscv64 {
    fn activate(&self, root: Option<usize>) {
        match root {
            Some(root) => mmu::activate(root),
            None => mmu::activate_kernel(),
        }
    }

    fn entering(&self, now: u64) {
        timer::ensure_deadline(next_stop(now));
    }

    #[inline(always)]
    fn run_user<H: FnMut(&mut UserContext) -> bool>(&self, ctx: &mut UserContext, fast: &mut H) -> Trap {
        hal::riscv64::run_user_fast(ctx, fast)
    }

    fn tick(&self, now: u64) {
        tick(now)
    }
}

/// Run `thread` as a task of the executor (`uspace::spawn`: a panic in it ends only its
/// process).
pub fn spawn_thread(thread: Arc<Thread>) {
    uspace::spawn(thread, &Riscv64);
}

/// Run the system until `init` exits, then report its status as the last line and power off
/// with it (exit code N, or 128 + signal).
pub fn run(init: Arc<Process>) -> ! {
    // Orphans go to init.
    task::process::set_child_reaper(&init);
    // ^C, ^\ and ^Z on the console signal its foreground process group.
    fs::tty::set_signal_hook(|pgrp, sig| {
        let _ = task::signal::send_to_group(pgrp as usize, sig);
    });
    syscalls::reboot::set_hook(reboot);
    loop {
        executor::run_ready();
        if let Some(status) = init.exit_status() {
            finish(status);
        }
        idle();
    }
}

/// Nothing can run: fire due timers, and if still nothing can run, sleep until the next deadline
/// or the end of a slice (for console polling), whichever is first (`tick` armed the timer).
fn idle() {
    tick(hal::time::now_ns());
    if executor::has_ready() {
        return;
    }
    // sie.STIE is set and sstatus.SIE clear: the pending timer ends wfi without a trap.
    csr::wfi();
    tick(hal::time::now_ns());
}

/// reboot(2) from a program (busybox `poweroff` asks init, which asks us): the file systems
/// were synced by the syscall and are written out again by the shutdown hook. Halt powers off
/// too: a halted QEMU would just sit there.
fn reboot(action: syscalls::reboot::Action) {
    use syscalls::reboot::Action;
    let line: &[u8] = match action {
        Action::PowerOff => b"reboot: Power down\n",
        Action::Halt => b"reboot: System halted\n",
        Action::Restart => b"reboot: Restarting system\n",
    };
    if !sbi::at_line_start() {
        hal::console::write_bytes(b"\n");
    }
    hal::console::write_bytes(line);
    match action {
        Action::Restart => power::restart(),
        Action::PowerOff | Action::Halt => power::shutdown(0),
    }
}

fn finish(status: ExitStatus) -> ! {
    let (line, code) = match status {
        ExitStatus::Exited(c) => (alloc::format!("init exited with status {}", c & 0xff), (c & 0xff) as u8),
        ExitStatus::Signaled(s) => (alloc::format!("init killed by signal {s}"), (128 + (s & 0x7f)) as u8),
    };
    let heap = crate::heap::stats();
    log::debug!(
        "heap {} / {} KiB used (peak {} KiB), frames {} / {} used",
        heap.in_use / 1024,
        heap.total / 1024,
        heap.peak / 1024,
        mm::frame::allocated(),
        mm::frame::total()
    );
    if !sbi::at_line_start() {
        hal::console::write_bytes(b"\n");
    }
    hal::console::write_bytes(line.as_bytes());
    hal::console::write_bytes(b"\n");
    power::shutdown(code)
}
