//! What fuzzing the kernel as an attacker found (issue 8), each pinned through the dispatcher:
//! Linux's answer, and the system going on.
use abi::flags::*;
use abi::process::*;
use abi::signal::*;
use abi::structs::{SigAction, Stat};
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Waker};
use hal::context::{reg, Trap};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{dispatch, Caller, Sysno};
use task::executor::block_on;
use task::process::ExitStatus;
use uspace::testing::Ecall;

const CWD: usize = AT_FDCWD as usize;
const O_WRONLY: u32 = OpenFlags::WRONLY.bits();
const O_RDWR: u32 = OpenFlags::RDWR.bits();
const O_CREAT: u32 = OpenFlags::CREAT.bits();
const P1: usize = SCRATCH + 0xf_0000;
const P2: usize = SCRATCH + 0xf_1000;
const AUX: usize = SCRATCH + 0xe_0000;
const HANDLER: usize = 0x4_0000;

const PROT_RW: usize = 3;
const MAP_SHARED: usize = 0x01;
const MAP_PRIVATE: usize = 0x02;
const MAP_ANONYMOUS: usize = 0x20;

fn set_action(k: &TestKernel, p: &Caller, sig: usize, handler: usize, flags: u64) {
    k.poke(p, SCRATCH + 0x800, bytemuck::bytes_of(&SigAction { handler, flags, mask: 0 }));
    assert_eq!(k.syscall(p, Sysno::rt_sigaction, [sig, SCRATCH + 0x800, 0, 8]), 0);
}

/// Let `cx` come back from user mode once (a timer tick): signals are delivered, and it ends
/// if it must. Returns whether it goes on.
fn tick(cx: &Caller) -> bool {
    block_on(uspace::handle_user_trap(cx, Trap::Timer))
}

fn stat(k: &TestKernel, p: &Caller, path: &str) -> Stat {
    k.poke_str(p, P1, path);
    assert_eq!(k.syscall(p, Sysno::newfstatat, [CWD, P1, AUX, 0]), 0, "stat {path}");
    k.peek_val(p, AUX)
}

// ---- files ----

#[test]
fn renaming_a_directory_onto_its_own_parent_is_enotempty() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke_str(&p, P1, "/tmp/d");
    assert_eq!(k.syscall(&p, Sysno::mkdirat, [CWD, P1, 0o755]), 0);
    k.poke_str(&p, P1, "/tmp/d/e");
    assert_eq!(k.syscall(&p, Sysno::mkdirat, [CWD, P1, 0o755]), 0);
    k.poke_str(&p, P2, "/tmp/d");
    assert_eq!(k.syscall(&p, Sysno::renameat2, [CWD, P1, CWD, P2, 0]), ENOTEMPTY);
    // A file onto its own directory: a directory cannot be replaced by a file.
    let fd = k.open_ok(&p, "/tmp/d/f", O_CREAT | O_WRONLY);
    k.syscall(&p, Sysno::close, [fd]);
    k.poke_str(&p, P1, "/tmp/d/f");
    assert_eq!(k.syscall(&p, Sysno::renameat2, [CWD, P1, CWD, P2, 0]), EISDIR);
    // And the system goes on: both still there.
    assert_eq!(stat(&k, &p, "/tmp/d/e").st_mode & S_IFMT, S_IFDIR);
}

/// A tmpfs of `size` mounted on /mnt.
fn small_tmpfs(k: &TestKernel, p: &Caller, size: &str) {
    syscalls::fs::mount_standard(&k.root).unwrap();
    k.root.create("mnt", fs::FileKind::Directory, 0o755).unwrap();
    k.poke_str(p, P1, "none");
    k.poke_str(p, P2, "/mnt");
    k.poke_str(p, AUX, "tmpfs");
    k.poke_str(p, AUX + 0x100, &format!("size={size}"));
    assert_eq!(k.syscall(p, Sysno::mount, [P1, P2, AUX, 0, AUX + 0x100]), 0);
}

#[test]
fn writing_past_a_tmpfs_size_is_a_short_write_then_enospc() {
    let k = TestKernel::new();
    let p = k.spawn();
    small_tmpfs(&k, &p, "64k");
    let fd = k.open_ok(&p, "/mnt/big", O_CREAT | O_WRONLY);
    let chunk = 48 * 1024;
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, chunk]), chunk as isize);
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, chunk]), (64 * 1024 - chunk) as isize, "what fits");
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, chunk]), ENOSPC);
    // Overwriting pages the file has needs no room; a hole far away does.
    assert_eq!(k.syscall(&p, Sysno::pwrite64, [fd, SCRATCH, 100, 0]), 100);
    assert_eq!(k.syscall(&p, Sysno::pwrite64, [fd, SCRATCH, 1, 1 << 40]), ENOSPC);
    // Freeing space makes room again.
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [fd, 4096]), 0);
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, 4096]), 4096);
    k.poke_str(&p, P1, "/mnt");
    assert_eq!(k.syscall(&p, Sysno::statfs, [P1, AUX]), 0);
    let st: abi::structs::Statfs = k.peek_val(&p, AUX);
    assert_eq!((st.f_blocks, st.f_bfree), (16, 14));
}

#[test]
fn sendfile_of_a_file_into_itself_stops_when_the_tmpfs_is_full() {
    let k = TestKernel::new();
    let p = k.spawn();
    small_tmpfs(&k, &p, "1m");
    let fd = k.open_ok(&p, "/mnt/f", O_CREAT | O_RDWR);
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, 4096]), 4096);
    // in = out = fd, reading at an offset of its own while writing at the end: it grows as
    // fast as it is read, until the file system is full.
    k.poke(&p, AUX, &0u64.to_le_bytes());
    let n = k.syscall(&p, Sysno::sendfile, [fd, fd, AUX, 1 << 40]);
    assert_eq!(n, (1 << 20) - 4096, "copied until full");
    assert_eq!(stat(&k, &p, "/mnt/f").st_size, 1 << 20);
    assert_eq!(k.syscall(&p, Sysno::sendfile, [fd, fd, AUX, 1 << 40]), ENOSPC);
}

#[test]
fn executing_a_huge_sparse_file_is_enoexec() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = k.open_ok(&p, "/tmp/sparse", O_CREAT | O_WRONLY);
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [fd, 1 << 40]), 0);
    k.syscall(&p, Sysno::close, [fd]);
    k.poke_str(&p, P1, "/tmp/sparse");
    assert_eq!(k.syscall(&p, Sysno::fchmodat, [CWD, P1, 0o755]), 0);
    assert_eq!(k.syscall(&p, Sysno::execve, [P1, 0, 0]), ENOEXEC);
    // A script whose interpreter is that file.
    let fd = k.open_ok(&p, "/tmp/script", O_CREAT | O_WRONLY);
    k.poke(&p, AUX, b"#!/tmp/sparse\n");
    assert_eq!(k.syscall(&p, Sysno::write, [fd, AUX, 14]), 14);
    k.syscall(&p, Sysno::close, [fd]);
    k.poke_str(&p, P1, "/tmp/script");
    assert_eq!(k.syscall(&p, Sysno::fchmodat, [CWD, P1, 0o755]), 0);
    assert_eq!(k.syscall(&p, Sysno::execve, [P1, 0, 0]), ENOEXEC);
}

#[test]
fn a_private_mapping_of_a_huge_sparse_file_costs_only_what_is_touched() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = k.open_ok(&p, "/tmp/sparse", O_CREAT | O_RDWR);
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [fd, 1 << 40]), 0);
    assert_eq!(k.syscall(&p, Sysno::pwrite64, [fd, SCRATCH, 0, 0]), 0);
    k.poke(&p, AUX, b"far away");
    assert_eq!(k.syscall(&p, Sysno::pwrite64, [fd, AUX, 8, (1 << 39) + 5]), 8);
    let frames = mm::frame::allocated();
    // 64 GiB of it, from 32 GiB before the bytes written far away.
    let (len, offset) = (1usize << 36, (1usize << 39) - (1 << 35));
    let at = k.syscall(&p, Sysno::mmap, [0, len, PROT_RW, MAP_PRIVATE, fd, offset]);
    assert!(at > 0, "mmap: {at}");
    let at = at as usize;
    assert!(mm::frame::allocated() < frames + 16, "nothing is read at mmap time");
    assert_eq!(k.peek(&p, at + (1 << 35) + 5, 8), b"far away");
    assert_eq!(k.peek(&p, at + 12345, 4), [0; 4], "a hole reads as zeros");
    // Private: a write goes to the process's copy, not the file.
    k.poke(&p, at + (1 << 35) + 5, b"NEAR");
    assert_eq!(k.syscall(&p, Sysno::pread64, [fd, AUX, 8, (1 << 39) + 5]), 8);
    assert_eq!(k.peek(&p, AUX, 8), b"far away");
    assert_eq!(k.syscall(&p, Sysno::munmap, [at, len]), 0);
}

// ---- memory ----

#[test]
fn a_huge_shared_anonymous_mapping_survives_fork_and_is_shared_page_by_page() {
    let k = TestKernel::new();
    let p = k.spawn();
    let len = 4usize << 30;
    let at = k.syscall(&p, Sysno::mmap, [0, len, PROT_RW, MAP_SHARED | MAP_ANONYMOUS, usize::MAX, 0]);
    assert!(at > 0, "mmap: {at}");
    let at = at as usize;
    k.poke(&p, at, b"before");
    let frames = mm::frame::allocated();
    let child = k.fork(&p);
    assert!(mm::frame::allocated() < frames + 64, "fork populates nothing");
    assert_eq!(k.peek(&child, at, 6), b"before");
    // A page first touched after fork, by either process, is one page for both.
    k.poke(&child, at + len - 4096, b"child");
    assert_eq!(k.peek(&p, at + len - 4096, 5), b"child");
    k.poke(&p, at + (1 << 31), b"parent");
    assert_eq!(k.peek(&child, at + (1 << 31), 6), b"parent");
    // Exiting releases everything (the kernel used to panic here when memory ran out).
    k.syscall(&child, Sysno::exit, [0]);
    assert_eq!(child.process().exit_status(), Some(ExitStatus::Exited(0)));
    assert_eq!(k.syscall(&p, Sysno::munmap, [at, len]), 0);
}

#[test]
fn sigkill_ends_a_vfork_parent_while_its_child_lives() {
    let k = TestKernel::new();
    let p = k.spawn();
    let mut call = pin!(dispatch(&p, Sysno::clone.0, [(CLONE_VM | CLONE_VFORK) as usize | SIGCHLD, 0, 0, 0, 0, 0]));
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    assert!(call.as_mut().poll(&mut cx).is_pending(), "the parent waits");
    let child = k.spawned().pop().unwrap();
    task::signal::send_to_process(p.process(), SIGKILL);
    assert!(call.as_mut().poll(&mut cx).is_ready(), "woken by the kill");
    assert!(!tick(&p), "the parent ends");
    assert_eq!(p.process().exit_status(), Some(ExitStatus::Signaled(SIGKILL)));
    assert!(child.process().exit_status().is_none(), "the child lives on");
}

// ---- arithmetic on user values ----

#[test]
fn setitimer_with_a_huge_time_saturates() {
    let k = TestKernel::new();
    let p = k.spawn();
    let before = task::executor::armed_timers();
    let huge = [0i64, 0, i64::MAX, 999_999];
    k.poke(&p, AUX, bytemuck::cast_slice(&huge));
    assert_eq!(k.syscall(&p, Sysno::setitimer, [ITIMER_REAL, AUX, 0]), 0);
    task::executor::run_ready();
    assert_eq!(task::executor::armed_timers(), before + 1);
    assert_eq!(k.syscall(&p, Sysno::getitimer, [ITIMER_REAL, AUX + 64]), 0);
    let got: [i64; 4] = k.peek_val(&p, AUX + 64);
    assert!(got[2] > 1 << 33, "centuries left: {got:?}");
    // Set again and again: the tasks of earlier settings end, no timer piles up.
    for _ in 0..1000 {
        assert_eq!(k.syscall(&p, Sysno::setitimer, [ITIMER_REAL, AUX, 0]), 0);
        task::executor::run_ready();
    }
    assert_eq!(task::executor::armed_timers(), before + 1);
    k.poke(&p, AUX, &[0u8; 32]);
    assert_eq!(k.syscall(&p, Sysno::setitimer, [ITIMER_REAL, AUX, 0]), 0);
    task::executor::run_ready();
    assert_eq!(task::executor::armed_timers(), before, "disarmed");
}

#[test]
fn rt_sigreturn_with_a_wild_stack_pointer_is_sigsegv() {
    let k = TestKernel::new();
    for sp in [usize::MAX - 8, usize::MAX / 2, 0] {
        let p = k.spawn();
        p.thread().ctx.lock().x[reg::SP] = sp;
        k.ecall(&p, Sysno::rt_sigreturn, []);
        assert_eq!(p.process().exit_status(), Some(ExitStatus::Signaled(SIGSEGV)), "sp {sp:#x}");
    }
}

#[test]
fn an_ecall_at_the_top_of_the_address_space_wraps() {
    let k = TestKernel::new();
    let p = k.spawn();
    p.thread().ctx.lock().sepc = usize::MAX - 3;
    assert_eq!(k.ecall(&p, Sysno::getpid, []), p.process().pid as isize);
    assert_eq!(p.thread().ctx.lock().sepc, 0, "past the ecall");
}

#[test]
fn a_robust_list_head_at_the_end_of_the_address_space_is_ignored_at_exit() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::set_robust_list, [usize::MAX - 8, 24]), 0);
    k.syscall(&p, Sysno::exit, [3]);
    assert_eq!(p.process().exit_status(), Some(ExitStatus::Exited(3)));
}

#[test]
fn a_signal_on_an_alternate_stack_that_wraps_is_sigsegv() {
    let k = TestKernel::new();
    let p = k.spawn();
    set_action(&k, &p, SIGUSR1, HANDLER, SA_ONSTACK);
    let ss = abi::signal::StackT { sp: usize::MAX - 0x1000, flags: 0, _pad: 0, size: 0x2000 };
    k.poke(&p, AUX, bytemuck::bytes_of(&ss));
    assert_eq!(k.syscall(&p, Sysno::sigaltstack, [AUX, 0]), 0, "Linux takes any size");
    task::signal::send_to_thread(p.thread(), SIGUSR1);
    assert!(!tick(&p));
    assert_eq!(p.process().exit_status(), Some(ExitStatus::Signaled(SIGSEGV)));
}

#[test]
fn unknown_syscall_numbers_are_enosys_however_many() {
    let k = TestKernel::new();
    let p = k.spawn();
    for n in (1000..200_000).step_by(7).chain([usize::MAX, 1 << 40]) {
        let mut a = [0usize; 6];
        a[0] = n;
        assert_eq!(block_on(dispatch(&p, n, a)), ENOSYS, "{n}");
    }
}

// ---- init ----

#[test]
fn init_receives_only_the_signals_it_handles() {
    let k = TestKernel::new();
    let init = k.spawn();
    k.make_init(&init);
    let other = k.spawn();
    let pid = init.process().pid;
    for sig in [SIGTERM, SIGINT, SIGSEGV, SIGUSR1, SIGKILL, SIGSTOP, SIGTSTP] {
        assert_eq!(k.syscall(&other, Sysno::kill, [pid, sig]), 0, "sent {sig}");
        assert!(tick(&init), "init survives signal {sig}");
    }
    assert_eq!(init.process().exit_status(), None);
    assert_eq!(init.process().stopped(), None);
    // Blocked, then unblocked: dropped at delivery all the same.
    k.poke(&init, AUX, &sigbit(SIGTERM).to_le_bytes());
    assert_eq!(k.syscall(&init, Sysno::rt_sigprocmask, [SIG_BLOCK, AUX, 0, 8]), 0);
    assert_eq!(k.syscall(&other, Sysno::kill, [pid, SIGTERM]), 0);
    assert_eq!(k.syscall(&init, Sysno::rt_sigprocmask, [SIG_UNBLOCK, AUX, 0, 8]), 0);
    assert!(tick(&init));
    // A handler makes it deliverable.
    set_action(&k, &init, SIGTERM, HANDLER, 0);
    assert_eq!(k.syscall(&other, Sysno::kill, [pid, SIGTERM]), 0);
    assert!(tick(&init));
    assert_eq!(init.thread().ctx.lock().sepc, HANDLER);
    // The kernel's own SIGKILL is honoured.
    task::signal::send_to_process(init.process(), SIGKILL);
    assert!(!tick(&init));
    assert_eq!(init.process().exit_status(), Some(ExitStatus::Signaled(SIGKILL)));
}

#[test]
fn init_takes_a_blocked_signal_with_sigtimedwait() {
    // busybox init blocks SIGUSR2 (poweroff) and friends and takes them this way.
    let k = TestKernel::new();
    let init = k.spawn();
    k.make_init(&init);
    let other = k.spawn();
    k.poke(&init, AUX, &sigbit(SIGUSR2).to_le_bytes());
    assert_eq!(k.syscall(&init, Sysno::rt_sigprocmask, [SIG_BLOCK, AUX, 0, 8]), 0);
    assert_eq!(k.syscall(&other, Sysno::kill, [init.process().pid, SIGUSR2]), 0);
    assert_eq!(k.syscall(&init, Sysno::rt_sigtimedwait, [AUX, 0, 0, 8]), SIGUSR2 as isize);
}

#[test]
fn a_fault_init_cannot_handle_ends_it() {
    let k = TestKernel::new();
    let init = k.spawn();
    k.make_init(&init);
    assert!(!block_on(uspace::handle_user_trap(
        &init,
        Trap::PageFault { addr: UNMAPPED, access: hal::context::Access::Read }
    )));
    assert_eq!(init.process().exit_status(), Some(ExitStatus::Signaled(SIGSEGV)));
}

#[test]
fn an_orphan_with_another_exit_signal_tells_init_with_sigchld() {
    let k = TestKernel::new();
    let init = k.spawn();
    k.make_init(&init);
    let middle = k.fork(&init);
    // clone with exit signal SIGSTOP (19): deadly for init if it were sent.
    assert!(k.syscall(&middle, Sysno::clone, [SIGSTOP]) > 0);
    let orphan = k.spawned().pop().unwrap();
    k.syscall(&middle, Sysno::exit, [0]);
    assert_eq!(orphan.process().exit_signal.load(core::sync::atomic::Ordering::Relaxed), SIGCHLD);
    k.syscall(&orphan, Sysno::exit, [7]);
    assert!(tick(&init));
    assert_eq!(init.process().stopped(), None);
    assert_eq!(init.process().exit_status(), None);
    // An ordinary child for wait4: no __WCLONE needed.
    let mut reaped = vec![];
    for _ in 0..2 {
        let r = k.syscall(&init, Sysno::wait4, [usize::MAX, AUX, 0, 0]);
        reaped.push((r as usize, k.peek_val::<i32>(&init, AUX)));
    }
    reaped.sort();
    assert_eq!(reaped, vec![(middle.process().pid, 0), (orphan.process().pid, 0x700)]);
}

#[test]
fn a_flood_of_blocked_realtime_signals_is_bounded() {
    let k = TestKernel::new();
    let p = k.spawn();
    let sig = SIGRTMIN + 1;
    k.poke(&p, AUX, &sigbit(sig).to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::rt_sigprocmask, [SIG_BLOCK, AUX, 0, 8]), 0);
    let pid = p.process().pid;
    for _ in 0..5000 {
        assert_eq!(k.syscall(&p, Sysno::kill, [pid, sig]), 0);
    }
    let mut taken = 0;
    while k.syscall(&p, Sysno::rt_sigtimedwait, [AUX, 0, P2, 8]) == sig as isize {
        taken += 1;
        k.poke(&p, P2, &[0u8; 16]);
    }
    assert_eq!(taken, task::signal::MAX_QUEUED);
}

#[test]
fn proc_files_cannot_be_mapped() {
    // Their text is made from the address space being faulted in: a mapping would read it
    // while holding it (found by the kernel fuzzer: a hang). Linux: ENODEV.
    let k = TestKernel::new();
    let p = k.spawn();
    syscalls::fs::mount_standard(&k.root).unwrap();
    for path in ["/proc/self/stat", "/proc/self/maps", "/proc/meminfo"] {
        let fd = k.open_ok(&p, path, 0);
        assert_eq!(k.syscall(&p, Sysno::mmap, [0, 4096, 1, MAP_PRIVATE, fd, 0]), ENODEV, "{path}");
        k.syscall(&p, Sysno::close, [fd]);
    }
}

#[test]
fn a_long_sendfile_stops_at_a_signal_after_its_first_chunk() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = k.open_ok(&p, "/tmp/sparse", O_CREAT | O_RDWR);
    assert_eq!(k.syscall(&p, Sysno::ftruncate, [fd, 1 << 40]), 0);
    let null = k.open_ok(&p, "/dev/null", O_WRONLY);
    // Without a signal, all of what was asked.
    k.poke(&p, AUX, &0u64.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::sendfile, [null, fd, AUX, 1 << 20]), 1 << 20);
    // A caught signal pending: the transfer ends after one chunk, which counts.
    set_action(&k, &p, SIGUSR1, HANDLER, 0);
    assert_eq!(k.syscall(&p, Sysno::kill, [p.thread().process.pid, SIGUSR1]), 0);
    let n = k.syscall(&p, Sysno::sendfile, [null, fd, AUX, 1 << 40]);
    assert_eq!(n, 64 * 1024, "one chunk, then the signal");
    assert_eq!(k.peek_val::<u64>(&p, AUX), (1 << 20) + 64 * 1024, "the offset says so");
}
