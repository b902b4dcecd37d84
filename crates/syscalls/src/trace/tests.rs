//! The exact lines the trace prints, through the dispatcher as a program's calls would go.
use super::{set_enabled, set_sink};
use crate::testing::{TestKernel, SCRATCH, UNMAPPED};
use crate::Caller;
use abi::flags::{AT_FDCWD, CLOCK_MONOTONIC};
use abi::signal::{SIGCHLD, SIGTERM};
use abi::Sysno;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use std::sync::{Mutex, MutexGuard};

std::thread_local! {
    /// The lines traced on this thread, while a test captures them.
    static LINES: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

pub(super) fn this_thread_traces() -> bool {
    LINES.with(|l| l.borrow().is_some())
}

fn capture_line(line: &str) {
    LINES.with(|l| l.borrow_mut().as_mut().expect("a capturing test").push(line.into()));
}

/// The switch is global: tests that flip it run one at a time.
static SWITCH: Mutex<()> = Mutex::new(());

/// A test kernel, a process, and this thread's trace lines captured while it lives.
struct Traced {
    k: TestKernel,
    p: Caller,
    _switch: MutexGuard<'static, ()>,
}

impl Traced {
    fn new() -> Traced {
        let switch = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
        let k = TestKernel::new();
        let p = k.spawn();
        set_sink(capture_line);
        LINES.with(|l| *l.borrow_mut() = Some(Vec::new()));
        set_enabled(true);
        Traced { k, p, _switch: switch }
    }

    fn tid(&self) -> usize {
        self.p.thread().tid()
    }

    /// The lines traced since the last call, without the `[tid] ` prefix (checked here).
    fn lines(&self) -> Vec<String> {
        let prefix = format!("[{}] ", self.tid());
        let lines = LINES.with(|l| core::mem::take(l.borrow_mut().as_mut().unwrap()));
        lines.iter().map(|l| l.strip_prefix(&prefix).unwrap_or_else(|| panic!("no {prefix}in {l}")).into()).collect()
    }

    /// Run a syscall and return its one trace line.
    fn line<const N: usize>(&self, n: Sysno, args: [usize; N]) -> String {
        self.k.syscall(&self.p, n, args);
        let mut lines = self.lines();
        assert_eq!(lines.len(), 1, "{lines:?}");
        lines.pop().unwrap()
    }
}

impl Drop for Traced {
    fn drop(&mut self) {
        set_enabled(false);
        LINES.with(|l| *l.borrow_mut() = None);
    }
}

const CWD: usize = AT_FDCWD as usize;
const O_WRONLY: usize = 0o1;
const O_CREAT: usize = 0o100;
const O_TRUNC: usize = 0o1000;
const O_CLOEXEC: usize = 0o2000000;

#[test]
fn openat_shows_path_flags_and_the_new_fd() {
    let t = Traced::new();
    t.k.add_file("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n");
    assert_eq!(t.k.open(&t.p, "/etc/passwd", O_CLOEXEC as u32), 3);
    assert_eq!(t.lines(), ["openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3"]);
    // The mode only matters, and is only shown, when a file may be created.
    t.k.open(&t.p, "/tmp/new", (O_WRONLY | O_CREAT | O_TRUNC) as u32);
    assert_eq!(t.lines(), ["openat(AT_FDCWD, \"/tmp/new\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4"]);
}

#[test]
fn a_failure_shows_the_errno_name_and_description() {
    let t = Traced::new();
    t.k.open(&t.p, "/nope", 0);
    assert_eq!(t.lines(), ["openat(AT_FDCWD, \"/nope\", O_RDONLY) = -1 ENOENT (No such file or directory)"]);
    assert_eq!(t.line(Sysno::close, [42]), "close(42) = -1 EBADF (Bad file descriptor)");
    // A path that cannot be read is shown as its address.
    assert_eq!(
        t.line(Sysno::openat, [CWD, UNMAPPED, 0]),
        "openat(AT_FDCWD, 0x30000000, O_RDONLY) = -1 EFAULT (Bad address)"
    );
}

#[test]
fn write_shows_its_buffer_with_c_escapes() {
    let t = Traced::new();
    t.k.poke(&t.p, SCRATCH, b"hello\n");
    assert_eq!(t.line(Sysno::write, [1, SCRATCH, 6]), "write(1, \"hello\\n\", 6) = 6");
    // Tab, NUL, escape (octal, three digits when a digit follows), DEL, quote and backslash.
    t.k.poke(&t.p, SCRATCH, b"\t\0\x1b[0m\x1b1\x7f\"\\");
    assert_eq!(t.line(Sysno::write, [1, SCRATCH, 11]), r#"write(1, "\t\0\33[0m\0331\177\"\\", 11) = 11"#);
    // Only the first 32 bytes are shown.
    t.k.poke(&t.p, SCRATCH, &[b'x'; 40]);
    let line = t.line(Sysno::write, [1, SCRATCH, 40]);
    assert_eq!(line, format!("write(1, \"{}\"..., 40) = 40", "x".repeat(32)));
    assert_eq!(t.line(Sysno::write, [1, UNMAPPED, 3]), "write(1, 0x30000000, 3) = -1 EFAULT (Bad address)");
    let _ = t.k.console_output();
}

#[test]
fn read_shows_what_it_read_after_the_call() {
    let t = Traced::new();
    let text = b"root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1::/:/bin/false\n";
    t.k.add_file("/etc/passwd", text);
    let fd = t.k.open_ok(&t.p, "/etc/passwd", 0);
    t.lines();
    let line = t.line(Sysno::read, [fd, SCRATCH, 4096]);
    assert_eq!(line, format!("read(3, \"root:x:0:0:root:/root:/bin/sh\\nda\"..., 4096) = {}", text.len()));
    assert_eq!(t.line(Sysno::read, [fd, SCRATCH, 4096]), "read(3, \"\", 4096) = 0");
    // On failure the buffer holds nothing: its address is shown.
    assert_eq!(t.line(Sysno::read, [9, SCRATCH, 16]), "read(9, 0x10000000, 16) = -1 EBADF (Bad file descriptor)");
}

#[test]
fn mmap_shows_protection_and_flags_by_name_and_returns_an_address() {
    let t = Traced::new();
    let (prot, flags) = (1 | 2, 0x02 | 0x20);
    let addr = t.k.syscall(&t.p, Sysno::mmap, [0, 8192, prot, flags, -1isize as usize, 0]);
    assert!(addr > 0);
    let expected = format!("mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = {addr:#x}");
    assert_eq!(t.lines(), [expected]);
    assert_eq!(t.line(Sysno::mprotect, [addr as usize, 4096, 0]), format!("mprotect({addr:#x}, 4096, PROT_NONE) = 0"));
}

#[test]
fn a_syscall_without_a_decoder_shows_its_registers_in_hex() {
    let t = Traced::new();
    let args = [1, 2, 0x30, 0, 0, 0xffff];
    let lines = [t.line(Sysno(999), args), t.line(Sysno::io_setup, args)];
    assert_eq!(lines[0], "syscall_999(0x1, 0x2, 0x30, 0x0, 0x0, 0xffff) = -1 ENOSYS (Function not implemented)");
    assert_eq!(lines[1], "io_setup(0x1, 0x2, 0x30, 0x0, 0x0, 0xffff) = -1 ENOSYS (Function not implemented)");
}

#[test]
fn signals_clocks_and_clone_flags_are_shown_by_name() {
    let t = Traced::new();
    let pid = t.p.process().pid;
    assert_eq!(t.line(Sysno::kill, [pid, SIGCHLD]), format!("kill({pid}, SIGCHLD) = 0"));
    assert_eq!(t.line(Sysno::kill, [99999, SIGTERM]), "kill(99999, SIGTERM) = -1 ESRCH (No such process)");
    assert_eq!(t.line(Sysno::kill, [99999, 34]), "kill(99999, SIGRTMIN+2) = -1 ESRCH (No such process)");
    let line = t.line(Sysno::clock_gettime, [CLOCK_MONOTONIC, SCRATCH]);
    assert_eq!(line, "clock_gettime(CLOCK_MONOTONIC, 0x10000000) = 0");
    let child = t.k.fork(&t.p);
    let tid = child.thread().tid();
    assert_eq!(t.lines(), [format!("clone(SIGCHLD, NULL, NULL, 0x0, NULL) = {tid}")]);
}

#[test]
fn flock_operations_are_shown_by_name() {
    use abi::flags::{LOCK_EX, LOCK_NB, LOCK_UN};
    let t = Traced::new();
    assert_eq!(t.line(Sysno::flock, [1, (LOCK_EX | LOCK_NB) as usize]), "flock(1, LOCK_EX|LOCK_NB) = 0");
    assert_eq!(t.line(Sysno::flock, [1, LOCK_UN as usize]), "flock(1, LOCK_UN) = 0");
}

#[test]
fn pipe_and_writev_show_what_the_kernel_wrote_and_read() {
    let t = Traced::new();
    assert_eq!(t.line(Sysno::pipe2, [SCRATCH, O_CLOEXEC]), "pipe2([3, 4], O_CLOEXEC) = 0");
    t.k.poke(&t.p, SCRATCH + 0x100, b"hello world\n");
    let iov: [usize; 4] = [SCRATCH + 0x100, 6, SCRATCH + 0x106, 6];
    t.k.poke(&t.p, SCRATCH, bytemuck::bytes_of(&iov));
    let line = t.line(Sysno::writev, [4, SCRATCH, 2]);
    assert_eq!(line, r#"writev(4, [{iov_base="hello ", iov_len=6}, {iov_base="world\n", iov_len=6}], 2) = 12"#);
    // readv shows only as many bytes as it read.
    let iov: [usize; 4] = [SCRATCH + 0x200, 8, SCRATCH + 0x300, 8];
    t.k.poke(&t.p, SCRATCH, bytemuck::bytes_of(&iov));
    let line = t.line(Sysno::readv, [3, SCRATCH, 2]);
    assert_eq!(line, r#"readv(3, [{iov_base="hello wo", iov_len=8}, {iov_base="rld\n", iov_len=8}], 2) = 12"#);
}

#[test]
fn exit_group_is_shown_before_it_runs() {
    let t = Traced::new();
    t.k.syscall(&t.p, Sysno::exit_group, [7]);
    assert_eq!(t.lines(), ["exit_group(7) = ?"]);
}

#[test]
fn execve_shows_path_and_argv() {
    let t = Traced::new();
    let (path, arg1) = (SCRATCH + 0x100, SCRATCH + 0x200);
    t.k.poke_str(&t.p, path, "/bin/none");
    t.k.poke_str(&t.p, arg1, "-l");
    t.k.poke(&t.p, SCRATCH, bytemuck::bytes_of(&[path, arg1, 0]));
    let line = t.line(Sysno::execve, [path, SCRATCH, 0]);
    assert_eq!(line, r#"execve("/bin/none", ["/bin/none", "-l"], NULL) = -1 ENOENT (No such file or directory)"#);
}

#[test]
fn nothing_is_printed_when_tracing_is_off() {
    let t = Traced::new();
    set_enabled(false);
    t.k.poke(&t.p, SCRATCH, b"quiet\n");
    assert_eq!(t.k.syscall(&t.p, Sysno::write, [1, SCRATCH, 6]), 6);
    t.k.open(&t.p, "/nope", 0);
    assert_eq!(t.lines(), Vec::<String>::new());
    set_enabled(true);
    assert_eq!(t.line(Sysno::getpid, []), format!("getpid() = {}", t.p.process().pid));
    let _ = t.k.console_output();
}
