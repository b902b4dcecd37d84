//! ppoll.
use abi::flags::{OpenFlags, PollEvents, AT_FDCWD};
use abi::structs::{PollFd, Timespec};
use syscalls::testing::*;
use syscalls::{Caller, Errno, Sysno};

const FDS: usize = SCRATCH;
const TMO: usize = SCRATCH + 0x1000;
const PATH: usize = SCRATCH + 0x2000;
const NO_TIMEOUT: usize = 0;

fn put_fds(k: &TestKernel, p: &Caller, fds: &[(i32, PollEvents)]) {
    for (i, (fd, ev)) in fds.iter().enumerate() {
        let pfd = PollFd { fd: *fd, events: ev.bits(), revents: 0x7777 };
        k.poke(p, FDS + i * 8, bytemuck::bytes_of(&pfd));
    }
}

fn revents(k: &TestKernel, p: &Caller, i: usize) -> PollEvents {
    PollEvents::from_bits_retain(k.peek_val::<PollFd>(p, FDS + i * 8).revents)
}

fn timeout(k: &TestKernel, p: &Caller, ns: u64) -> usize {
    k.poke(p, TMO, bytemuck::bytes_of(&Timespec::from_nanos(ns)));
    TMO
}

/// A console of this test's own, so typed lines do not mix with other tests'.
fn own_console(k: &TestKernel, p: &Caller) -> i32 {
    k.root.lookup("dev").unwrap().link("ttyP", fs::dev::Console::new()).unwrap();
    k.poke_str(p, PATH, "/dev/ttyP");
    k.syscall(p, Sysno::openat, [AT_FDCWD as usize, PATH, OpenFlags::RDWR.bits() as usize]) as i32
}

#[test]
fn polling_for_nothing_with_a_zero_timeout_reports_no_events() {
    // What Rust's std does at startup to check that fds 0-2 are open.
    let k = TestKernel::new();
    let p = k.spawn();
    put_fds(&k, &p, &[(0, PollEvents::empty()), (1, PollEvents::empty()), (2, PollEvents::empty())]);
    assert_eq!(k.syscall(&p, Sysno::ppoll, [FDS, 3, timeout(&k, &p, 0)]), 0);
    for i in 0..3 {
        assert_eq!(revents(&k, &p, i), PollEvents::empty());
    }
}

#[test]
fn a_closed_descriptor_is_pollnval_and_counts_as_ready() {
    let k = TestKernel::new();
    let p = k.spawn();
    put_fds(&k, &p, &[(7, PollEvents::IN), (-1, PollEvents::IN)]);
    assert_eq!(k.syscall(&p, Sysno::ppoll, [FDS, 2, NO_TIMEOUT]), 1);
    assert_eq!(revents(&k, &p, 0), PollEvents::NVAL);
    assert_eq!(revents(&k, &p, 1), PollEvents::empty(), "negative fds are ignored");
}

#[test]
fn a_regular_file_is_always_ready_for_what_was_asked() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"x");
    k.poke_str(&p, PATH, "/tmp/f");
    let fd = k.syscall(&p, Sysno::openat, [AT_FDCWD as usize, PATH, OpenFlags::RDWR.bits() as usize]) as i32;
    put_fds(&k, &p, &[(fd, PollEvents::IN)]);
    assert_eq!(k.syscall(&p, Sysno::ppoll, [FDS, 1, NO_TIMEOUT]), 1);
    assert_eq!(revents(&k, &p, 0), PollEvents::IN);
}

#[test]
fn the_console_is_writable_and_readable_only_after_a_line_is_typed() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = own_console(&k, &p);
    put_fds(&k, &p, &[(fd, PollEvents::IN | PollEvents::OUT)]);
    assert_eq!(k.syscall(&p, Sysno::ppoll, [FDS, 1, timeout(&k, &p, 0)]), 1);
    assert_eq!(revents(&k, &p, 0), PollEvents::OUT);
    k.type_input(b"ls\n");
    assert_eq!(k.syscall(&p, Sysno::ppoll, [FDS, 1, timeout(&k, &p, 0)]), 1);
    assert_eq!(revents(&k, &p, 0), PollEvents::IN | PollEvents::OUT);
}

#[test]
fn the_timeout_expires_exactly_when_nothing_becomes_ready() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = own_console(&k, &p);
    put_fds(&k, &p, &[(fd, PollEvents::IN)]);
    let t0 = hal::time::now_ns();
    assert_eq!(k.syscall(&p, Sysno::ppoll, [FDS, 1, timeout(&k, &p, 7_000_000)]), 0);
    assert_eq!(hal::time::now_ns() - t0, 7_000_000);
    assert_eq!(revents(&k, &p, 0), PollEvents::empty());
}

#[test]
fn a_blocked_poll_wakes_when_input_arrives() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = own_console(&k, &p);
    put_fds(&k, &p, &[(fd, PollEvents::IN)]);
    let t0 = hal::time::now_ns();
    // Another task types a line 3 ms from now and wakes the console's readers.
    task::executor::spawn(async move {
        task::executor::sleep_until(t0 + 3_000_000).await;
        hal::console::push_input(b"x\n");
        fs::dev::CONSOLE_INPUT.wake_all();
    });
    assert_eq!(k.syscall(&p, Sysno::ppoll, [FDS, 1, NO_TIMEOUT]), 1);
    assert_eq!(hal::time::now_ns() - t0, 3_000_000);
    assert_eq!(revents(&k, &p, 0), PollEvents::IN);
}

#[test]
fn ppoll_validates_its_arguments() {
    let k = TestKernel::new();
    let p = k.spawn();
    put_fds(&k, &p, &[(0, PollEvents::OUT)]);
    assert_eq!(k.syscall(&p, Sysno::ppoll, [UNMAPPED, 1, NO_TIMEOUT]), Errno::EFAULT.as_ret());
    assert_eq!(k.syscall(&p, Sysno::ppoll, [READONLY, 1, NO_TIMEOUT]), Errno::EFAULT.as_ret());
    assert_eq!(k.syscall(&p, Sysno::ppoll, [FDS, 1 << 30, NO_TIMEOUT]), Errno::EINVAL.as_ret());
    k.poke(&p, TMO, bytemuck::bytes_of(&Timespec { tv_sec: 0, tv_nsec: -1 }));
    assert_eq!(k.syscall(&p, Sysno::ppoll, [FDS, 1, TMO]), Errno::EINVAL.as_ret());
    assert_eq!(k.syscall(&p, Sysno::ppoll, [FDS, 1, UNMAPPED]), Errno::EFAULT.as_ret());
    assert_eq!(k.syscall(&p, Sysno::ppoll, [FDS, 1, NO_TIMEOUT, SCRATCH, 4]), Errno::EINVAL.as_ret());
    assert_eq!(k.syscall(&p, Sysno::ppoll, [FDS, 1, NO_TIMEOUT, SCRATCH, 8]), 1);
}
