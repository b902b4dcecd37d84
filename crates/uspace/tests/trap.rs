//! What happens when a user thread traps: syscalls, faults, illegal instructions, timer ticks.
use hal::context::{Access, Trap};
use syscalls::testing::*;
use syscalls::Sysno;
use task::executor::block_on;
use task::process::ExitStatus;
use uspace::handle_user_trap;

#[test]
fn a_fault_on_a_lazily_mapped_page_is_resolved_and_the_thread_goes_on() {
    let k = TestKernel::new();
    let p = k.spawn();
    let page = SCRATCH + 0x5000;
    assert_eq!(p.mm().page_table().translate(page), None, "not backed before the first touch");
    assert!(block_on(handle_user_trap(&p, Trap::PageFault { addr: page + 8, access: Access::Write })));
    assert!(p.mm().page_table().translate(page).is_some());
    assert_eq!(k.exit_status(&p), None);
}

#[test]
fn a_fault_on_unmapped_memory_ends_the_process_with_sigsegv() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert!(!block_on(handle_user_trap(&p, Trap::PageFault { addr: 0, access: Access::Read })));
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(11)));
    assert_eq!(ExitStatus::Signaled(11).wait_status(), 11);
}

#[test]
fn writing_a_read_only_page_is_sigsegv() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert!(!block_on(handle_user_trap(&p, Trap::PageFault { addr: READONLY, access: Access::Write })));
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(11)));
}

#[test]
fn executing_a_data_page_is_sigsegv() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert!(!block_on(handle_user_trap(&p, Trap::PageFault { addr: SCRATCH, access: Access::Execute })));
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(11)));
}

#[test]
fn illegal_instructions_breakpoints_and_misaligned_accesses_end_the_process() {
    for (trap, sig) in [(Trap::IllegalInstruction, 4), (Trap::Breakpoint, 5), (Trap::Misaligned { addr: 3 }, 7)] {
        let k = TestKernel::new();
        let p = k.spawn();
        assert!(!block_on(handle_user_trap(&p, trap)));
        assert_eq!(k.exit_status(&p), Some(ExitStatus::Signaled(sig)), "{trap:?}");
    }
}

#[test]
fn a_timer_tick_lets_the_thread_continue() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert!(block_on(handle_user_trap(&p, Trap::Timer)));
    assert_eq!(k.exit_status(&p), None);
}

#[test]
fn an_exit_syscall_stops_the_thread() {
    let k = TestKernel::new();
    let p = k.spawn();
    {
        let mut ctx = p.thread().ctx.lock();
        ctx.x[17] = Sysno::exit_group.0;
        ctx.x[10] = 42;
    }
    assert!(!block_on(handle_user_trap(&p, Trap::Syscall)));
    assert_eq!(k.exit_status(&p), Some(ExitStatus::Exited(42)));
}
