//! User threads as futures, the timer tick, and the idle loop.
//!
//! Each user thread is one task of `task::executor`: activate its page table, run it until it
//! traps, let `syscalls::trap::handle_user_trap` deal with the trap (awaiting when the syscall
//! blocks, yielding on a timer tick), repeat. The hardware timer is kept armed for the end of the
//! current ~10 ms slice or the next sleeper's deadline, whichever is first; its interrupt is only
//! taken from user mode (the kernel runs with interrupts off), so a busy program is preempted (a
//! slice that ends in the kernel, at the latest when it returns to user mode) and a blocked
//! system waits in `wfi`.
//!
//! New threads (clone, fork) reach the executor through the spawner registered in [`run`].
//! Signals are delivered by `handle_user_trap` before it returns, so the loop simply enters
//! user mode with whatever registers the thread has then (a handler frame, a restarted call).
// Without the `user` feature nothing starts user threads: their loop is compiled but unused.
#![cfg_attr(not(feature = "user"), allow(dead_code))]
use abi::Sysno;
use alloc::sync::Arc;
use core::future::poll_fn;
use core::pin::pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Poll, Waker};
use hal::context::{reg, Trap};
use hal::riscv64::{csr, mmu, power, sbi, timer};
use syscalls::trap::FastPath;
use syscalls::Caller;
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

/// Work done on every timer interrupt and idle wake-up: wake the sleepers that are due and the
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
    timer::set_deadline(next_stop(now));
}

/// execve and execveat replace the caller's address space.
fn is_exec(sysno: usize) -> bool {
    sysno == Sysno::execve.0 || sysno == Sysno::execveat.0
}

/// Run `thread` as a task of the executor. A panic in it (in a syscall, a fault it took...)
/// ends its process as SIGSEGV would, and nothing else: see [`panicked`].
pub fn spawn_thread(thread: Arc<Thread>) {
    let t = thread.clone();
    executor::spawn_isolated(run_thread(thread), move |p| panicked(&t, p));
}

/// The kernel panicked while working for `t`: its future, unwound and dropped, released what
/// its frames held (locks, references); `Thread::end_by_panic` ends the process as SIGSEGV
/// would, and the address space goes once it is not live.
fn panicked(t: &Arc<Thread>, p: &hal::unwind::Panicked) {
    // The process's table may be live: leave it before its memory can go.
    mmu::activate_kernel();
    t.end_by_panic(p);
    t.process.release_mm();
}

/// The waker of the task being polled.
async fn task_waker() -> Waker {
    poll_fn(|c| Poll::Ready(c.waker().clone())).await
}

async fn run_thread(thread: Arc<Thread>) {
    static ENTERED_USER: AtomicBool = AtomicBool::new(false);
    let cx = Caller::new(thread.clone());
    // System calls are first offered to the fast path, from the trap entry: most finish there
    // and the program goes on without this loop running. One that has to wait stays in `call`
    // until `fast.after` has awaited it.
    let mut fast = FastPath::new();
    let mut call = pin!(None);
    let mut waker = task_waker().await;
    // The root of the process's page table: it changes only when this thread execs.
    let mut root = None;
    while !thread.exiting() {
        let root_pa = *root.get_or_insert_with(|| thread.process.mm.lock().root_pa());
        mmu::activate(root_pa);
        let now = hal::time::now_ns();
        timer::ensure_deadline(next_stop(now));
        if !ENTERED_USER.load(Ordering::Relaxed) {
            ENTERED_USER.store(true, Ordering::Relaxed);
            log::info!("first user instruction at {} us", now / 1000);
        }
        let (trap, sysno) = {
            let mut ctx = thread.ctx.lock();
            let trap = hal::riscv64::run_user_fast(&mut ctx, &mut |ctx: &mut _| {
                fast.syscall(&cx, ctx, &waker, call.as_mut(), |n, a| syscalls::dispatch(&cx, n, a))
            });
            (trap, ctx.x[reg::A7])
        };
        let after = hal::time::now_ns();
        thread.process.user_ns.fetch_add(after.saturating_sub(now), Ordering::Relaxed);
        if !fast.started() {
            match trap {
                Trap::Timer => tick(after),
                // execve(at) replaces the address space whose table is live: leave it first, so
                // it is never freed while in use. The loop activates the new one before returning.
                Trap::Syscall if is_exec(sysno) => {
                    mmu::activate_kernel();
                    root = None;
                }
                _ => {}
            }
        }
        if !fast.after(&cx, trap, call.as_mut()).await {
            break;
        }
        // After a wait the task may have been polled with another waker (not by this executor,
        // whose wakers are the task itself, but the contract allows it).
        poll_fn(|c| {
            if !waker.will_wake(c.waker()) {
                waker = c.waker().clone();
            }
            Poll::Ready(())
        })
        .await;
    }
    // The kernel's own table is live from here on: the process's may go.
    mmu::activate_kernel();
    // A thread that never got to run (killed at once) still ends properly.
    thread.exit(0);
    thread.process.release_mm();
}

/// Run the system until `init` exits, then report its status as the last line and power off
/// with it (exit code N, or 128 + signal).
pub fn run(init: Arc<Process>) -> ! {
    // clone and fork hand their new threads to the executor; orphans go to init.
    #[cfg(feature = "user")]
    task::set_thread_spawner(spawn_thread);
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
