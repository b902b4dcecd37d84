//! Bugs found by the host fuzzer (crates/fuzz), each reduced to the calls that show it and
//! checked against what Linux does (one test per bug). A test marked
//! `#[ignore = "issue 8: ..."]` waits for a fix in a file outside the fuzzer's reach; the
//! reason names it.
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const PROT_READ: usize = 1;
const MAP_PRIVATE: usize = 2;

/// A kernel with /dev, /proc and /tmp mounted, and a process.
fn standard() -> (TestKernel, Caller) {
    let k = TestKernel::new();
    syscalls::fs::mount_standard(&k.root).unwrap();
    let p = k.spawn();
    (k, p)
}

/// Found as a hang: clone(CLONE_PARENT_SETTID) with the tid pointer in a private mapping of
/// /proc/self/status. The kernel's write of the tid faults the page in, which reads the file,
/// and procfs locks the address space the kernel is already holding: the hart spins forever.
/// A user access to the page does the same through the page-fault path. Linux has no mmap for
/// /proc/<pid>/status: ENODEV (mmap asks `Inode::mappable`, which procfs denies).
#[test]
fn mmap_of_a_proc_file_is_enodev() {
    let (k, p) = standard();
    let fd = k.open_ok(&p, "/proc/self/status", 0);
    let r = k.syscall(&p, Sysno::mmap, [0, 4096, PROT_READ, MAP_PRIVATE, fd, 0]);
    assert_eq!(r, ENODEV);
    // What hung: the kernel touching the mapped page (here: reading it for a write(2)).
    if r > 0 {
        assert_eq!(k.syscall(&p, Sysno::write, [k.open_ok(&p, "/dev/null", 1), r as usize, 8]), 8);
    }
}

const SIGUSR1: usize = 10;
/// The flags glibc's pthread_create gives clone.
const THREAD_FLAGS: usize = 0x3d0f00;

/// Found as a thread that SIGKILL could not end: a fatal signal arrives while a thread is in
/// user mode (the process is ending, its threads are told to stop), then the thread enters
/// clone. The new thread was added after the process told its threads to stop, so nothing
/// ever stopped it and the process never ended. Linux: "let kill terminate clone/fork in the
/// middle", EINTR (copy_process).
#[test]
fn clone_in_a_process_being_killed_is_eintr() {
    let k = TestKernel::new();
    let p = k.spawn();
    let pid = k.process(&p).pid;
    // SIGUSR1's default action ends the process at once.
    assert_eq!(k.syscall(&p, Sysno::kill, [pid, SIGUSR1]), 0);
    assert!(p.thread().exiting());
    assert_eq!(k.syscall(&p, Sysno::clone, [THREAD_FLAGS, SCRATCH + 0x8000, SCRATCH, 0, SCRATCH + 8]), EINTR);
    assert_eq!(k.syscall(&p, Sysno::clone, [17]), EINTR, "fork too");
    assert!(k.spawned().is_empty(), "no thread started");
}

/// Found as "attempt to add with overflow" in gettimeofday and the IPC times: the real-time
/// clock stepped (ADJ_SETOFFSET) or set (settimeofday) so far ahead that the boot epoch plus
/// the uptime no longer fits. Linux refuses such times (EINVAL, timekeeping_inject_offset and
/// timespec64_valid_settod); the clock then still reads.
#[test]
fn stepping_the_clock_past_its_end_is_einval() {
    let (k, p) = standard();
    let t = syscalls::time::Timex {
        modes: syscalls::time::ADJ_SETOFFSET,
        time_sec: i64::MAX / 2,
        ..bytemuck::Zeroable::zeroed()
    };
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&t));
    assert_eq!(k.syscall(&p, Sysno::adjtimex, [SCRATCH]), EINVAL);
    let back = syscalls::time::Timex { time_sec: -(i64::MAX / 2), ..t };
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&back));
    assert_eq!(k.syscall(&p, Sysno::adjtimex, [SCRATCH]), EINVAL, "before boot");
    assert_eq!(k.syscall(&p, Sysno::gettimeofday, [SCRATCH + 0x100, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::msgget, [0, 0o600]), 0);
}
