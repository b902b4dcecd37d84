//! The kernel's user-thread loop (`uspace::run`) on a scripted machine: the same code the
//! kernel runs, with the user program played by a closure (`uspace::testing::Script`).
use abi::signal::SIGUSR1;
use abi::structs::SigAction;
use hal::context::{Trap, UserContext};
use mm::layout::SIGRETURN_TRAMPOLINE;
use syscalls::testing::ret::ENOENT;
use syscalls::testing::*;
use syscalls::Sysno;
use task::executor::block_on;
use task::process::ExitStatus;
use uspace::testing::{set_syscall, Event, Script};

const HANDLER: usize = 0x4_0000;
const START: usize = 0x1_0000;

/// A thread makes a system call the ordinary way (the first trap always does), one on the fast
/// path, sends itself a signal it catches, returns from the handler through the trampoline's
/// rt_sigreturn, and exits: every step through `uspace::run`, checked from the registers the
/// program sees and from what the machine was asked to do.
#[test]
fn a_thread_runs_calls_a_handler_returns_from_it_and_exits() {
    let k = TestKernel::new();
    let p = k.spawn();
    let pid = p.process().pid;
    let act = SCRATCH + 0x100;
    k.poke(&p, act, bytemuck::bytes_of(&SigAction { handler: HANDLER, flags: 0, mask: 0 }));
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [SIGUSR1, act, 0, 8]), 0);
    p.thread().ctx.lock().sepc = START;
    let root = p.process().mm.lock().root_pa();

    let mut step = 0;
    let program = move |ctx: &mut UserContext| -> Trap {
        step += 1;
        match step {
            1 => {
                assert_eq!(ctx.pc(), START);
                set_syscall(ctx, Sysno::getpid, &[]);
            }
            2 => {
                assert_eq!((ctx.pc(), ctx.return_value()), (START + 4, pid as isize));
                set_syscall(ctx, Sysno::getppid, &[]);
            }
            3 => {
                assert_eq!(ctx.pc(), START + 8);
                set_syscall(ctx, Sysno::kill, &[pid, SIGUSR1]);
            }
            4 => {
                // In the handler: (signal, &siginfo, &ucontext), returning to the trampoline.
                assert_eq!((ctx.pc(), ctx.x[10], ctx.x[1]), (HANDLER, SIGUSR1, SIGRETURN_TRAMPOLINE));
                assert_eq!(ctx.x[11], ctx.sp());
                ctx.sepc = SIGRETURN_TRAMPOLINE;
                set_syscall(ctx, Sysno::rt_sigreturn, &[]);
            }
            5 => {
                // Back after the kill, which returned 0.
                assert_eq!((ctx.pc(), ctx.return_value()), (START + 12, 0));
                set_syscall(ctx, Sysno::exit_group, &[3]);
            }
            _ => panic!("the thread ran after exit_group"),
        }
        Trap::Syscall // an ecall at the pc: the kernel steps past it
    };
    let machine = Script::new(program);
    block_on(uspace::run(p.thread().clone(), &machine));

    assert_eq!(k.exit_status(&p), Some(ExitStatus::Exited(3)));
    let entered = |pc| [Event::Activate(Some(root)), Event::Enter { pc }, Event::Trap(Trap::Syscall)];
    let mut want = Vec::new();
    want.extend(entered(START)); // getpid: the first trap takes the ordinary way
    want.extend([Event::Activate(Some(root)), Event::Enter { pc: START + 4 }, Event::Fast(Sysno::getppid.0)]);
    want.push(Event::Trap(Trap::Syscall)); // kill: delivers the signal
    want.extend(entered(HANDLER)); // rt_sigreturn
    want.extend(entered(START + 12)); // exit_group
    want.push(Event::Activate(None)); // left before the address space goes
    assert_eq!(machine.events(), want);
}

/// exec replaces the address space whose table is live: the loop leaves it before the call
/// runs (here it fails, ENOENT, and the old table is made live again), without reading a
/// syscall number itself (the table's `exec` flag). A timer trap ticks the machine.
#[test]
fn the_loop_leaves_the_table_before_exec_and_ticks_on_the_timer() {
    let k = TestKernel::new();
    let p = k.spawn();
    let path = SCRATCH + 0x200;
    k.poke_str(&p, path, "/no/such/program");
    p.thread().ctx.lock().sepc = START;
    let root = p.process().mm.lock().root_pa();

    let mut step = 0;
    let program = move |ctx: &mut UserContext| -> Trap {
        step += 1;
        match step {
            1 => Trap::Timer,
            2 => {
                set_syscall(ctx, Sysno::execve, &[path, 0, 0]);
                Trap::Syscall
            }
            3 => {
                assert_eq!(ctx.return_value(), ENOENT);
                set_syscall(ctx, Sysno::exit_group, &[0]);
                Trap::Syscall
            }
            _ => panic!("the thread ran after exit_group"),
        }
    };
    let machine = Script::new(program);
    block_on(uspace::run(p.thread().clone(), &machine));

    assert_eq!(k.exit_status(&p), Some(ExitStatus::Exited(0)));
    use Event::{Activate, Enter, Tick};
    assert_eq!(
        machine.events(),
        [
            Activate(Some(root)),
            Enter { pc: START },
            Event::Trap(Trap::Timer),
            Tick,
            Activate(Some(root)),
            Enter { pc: START },
            Event::Trap(Trap::Syscall),
            Activate(None), // execve: off the table it may free
            Activate(Some(root)),
            Enter { pc: START + 4 },
            Event::Trap(Trap::Syscall),
            Activate(None),
        ]
    );
}

/// A thread preempted by the timer waits only for its turn: it stays runnable (/proc's 'R'),
/// unlike one that waits in a system call. LTP's TST_PROCESS_STATE_WAIT takes 'S' to mean the
/// call under test is blocked; a preempted thread shown as 'S' made msgsnd05 hang.
#[test]
fn a_preempted_thread_stays_runnable() {
    use std::sync::{Arc, Mutex};
    let k = TestKernel::new();
    let p = k.spawn();
    p.thread().ctx.lock().sepc = START;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut step = 0;
    let (t, log) = (p.thread().clone(), seen.clone());
    let program = move |ctx: &mut UserContext| -> Trap {
        step += 1;
        match step {
            1 => {
                // Another task looks at the thread while it gives way.
                let (t, log) = (t.clone(), log.clone());
                task::executor::spawn(async move {
                    log.lock().unwrap().push(t.runnable.load(core::sync::atomic::Ordering::Relaxed));
                });
                Trap::Timer
            }
            2 => {
                set_syscall(ctx, Sysno::exit_group, &[0]);
                Trap::Syscall
            }
            _ => panic!("the thread ran after exit_group"),
        }
    };
    let machine = Script::new(program);
    block_on(uspace::run(p.thread().clone(), &machine));
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Exited(0)));
    assert_eq!(*seen.lock().unwrap(), [true]);
}
