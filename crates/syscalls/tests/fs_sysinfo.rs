//! sysinfo and syslog through the dispatch table.
use abi::structs::Sysinfo;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;

#[test]
fn sysinfo_reports_uptime_memory_and_threads() {
    let k = TestKernel::new();
    let p = k.spawn();
    hal::time::advance_to(hal::time::now_ns().max(5_500_000_000));
    assert_eq!(k.syscall(&p, Sysno::sysinfo, [SCRATCH]), 0);
    let info: Sysinfo = k.peek_val(&p, SCRATCH);
    assert!(info.uptime >= 6, "rounded up: {}", info.uptime);
    assert_eq!(info.mem_unit, 1);
    assert!(info.totalram > 0 && info.freeram <= info.totalram);
    assert_eq!((info.totalswap, info.freeswap), (0, 0));
    assert!(info.procs >= 1);
    assert_eq!(k.syscall(&p, Sysno::sysinfo, [UNMAPPED]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::sysinfo, [READONLY]), EFAULT);
}

const SIZE_BUFFER: usize = 10;
const READ_ALL: usize = 3;
const SIZE_UNREAD: usize = 9;

#[test]
fn syslog_reads_the_kernel_log() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::syslog, [SIZE_BUFFER, 0, 0]), syscalls::info::KLOG_SIZE as isize);
    syscalls::info::klog_write(b"<6>hello from the kernel\n");
    let unread = k.syscall(&p, Sysno::syslog, [SIZE_UNREAD, 0, 0]);
    assert!(unread >= 25);
    let n = k.syscall(&p, Sysno::syslog, [READ_ALL, SCRATCH, 1 << 16]);
    assert_eq!(n, unread);
    let text = k.peek(&p, SCRATCH, n as usize);
    assert!(text.ends_with(b"<6>hello from the kernel\n"));
    // A short buffer gets the newest bytes.
    assert_eq!(k.syscall(&p, Sysno::syslog, [READ_ALL, SCRATCH, 7]), 7);
    assert_eq!(k.peek(&p, SCRATCH, 7), b"kernel\n");
    assert_eq!(k.syscall(&p, Sysno::syslog, [READ_ALL, UNMAPPED, 10]), EFAULT);
}

#[test]
fn syslog_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::syslog, [READ_ALL, 0, 10]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::syslog, [READ_ALL, SCRATCH, (-1i32) as u32 as usize]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::syslog, [99, 0, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::syslog, [8, 0, 0]), EINVAL, "console level out of range");
    assert_eq!(k.syscall(&p, Sysno::syslog, [8, 0, 4]), 0);
}

#[test]
fn a_user_may_only_read_the_whole_log_and_ask_its_size() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::setresuid, [usize::MAX, 65534, usize::MAX]), 0);
    assert_eq!(k.syscall(&p, Sysno::syslog, [SIZE_BUFFER, 0, 0]), syscalls::info::KLOG_SIZE as isize);
    assert!(k.syscall(&p, Sysno::syslog, [READ_ALL, SCRATCH, 16]) >= 0);
    // Reading (consuming), the unread size, clearing, console levels, even a bad type: EPERM.
    for (action, len) in [(2, 1), (9, 0), (5, 0), (8, 3), (100, 0)] {
        assert_eq!(k.syscall(&p, Sysno::syslog, [action, SCRATCH, len]), EPERM, "action {action}");
    }
}
