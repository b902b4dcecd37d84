//! ioctl through the dispatch table: terminal requests on the console, generic requests on
//! any file.
use abi::flags::*;
use abi::structs::{Termios, Winsize};
use fs::tty::{default_termios, ECHO, ICANON};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const FIONBIO: usize = 0x5421;
const FIONCLEX: usize = 0x5450;
const FIOCLEX: usize = 0x5451;

const ARG: usize = SCRATCH + 0xe_0000;

fn open(k: &TestKernel, p: &Caller, path: &str, flags: u32) -> usize {
    k.open_ok(p, path, flags)
}

/// A console of this test's own: the shared one's settings are global, and other tests run in
/// parallel.
fn console(k: &TestKernel, p: &Caller) -> usize {
    let name = format!("tty{}", p.process().files().iter().count());
    k.root.lookup("dev").unwrap().link(&name, fs::dev::Console::new()).unwrap();
    open(k, p, &format!("/dev/{name}"), OpenFlags::RDWR.bits())
}

fn ioctl(k: &TestKernel, p: &Caller, fd: usize, cmd: usize, arg: usize) -> isize {
    k.syscall(p, Sysno::ioctl, [fd, cmd, arg])
}

fn tcgets(k: &TestKernel, p: &Caller, fd: usize) -> Termios {
    assert_eq!(ioctl(k, p, fd, TCGETS, ARG), 0);
    k.peek_val(p, ARG)
}

fn tcsets(k: &TestKernel, p: &Caller, fd: usize, cmd: usize, t: &Termios) -> isize {
    k.poke(p, ARG, bytemuck::bytes_of(t));
    ioctl(k, p, fd, cmd, ARG)
}

#[test]
fn tcgets_on_a_console_gives_linux_default_settings() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p);
    k.poke(&p, ARG, &[0xee; 40]);
    let t = tcgets(&k, &p, fd);
    assert_eq!(t.c_iflag, 0o2400, "ICRNL | IXON");
    assert_eq!(t.c_oflag, 0o5, "OPOST | ONLCR");
    assert_eq!(t.c_cflag, 0o277, "B38400 | CS8 | CREAD");
    assert_eq!(t.c_lflag, 0o105073, "ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN");
    assert_eq!(t.c_line, 0);
    assert_eq!(t.c_cc, [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0]);
    assert_eq!(k.peek(&p, ARG + 36, 4), [0xee; 4], "36 bytes, not the 60 of glibc's termios");
}

#[test]
fn the_standard_descriptors_are_a_terminal() {
    let k = TestKernel::new();
    let p = k.spawn();
    for fd in 0..3 {
        assert_eq!(ioctl(&k, &p, fd, TCGETS, ARG), 0, "isatty({fd})");
    }
}

#[test]
fn tcsets_then_tcgets_round_trips() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p);
    let mut t = default_termios();
    t.c_lflag &= !(ICANON | ECHO);
    t.c_cc[6] = 0;
    for cmd in [TCSETS, TCSETSW, TCSETSF] {
        t.c_cc[5] = cmd as u8; // a distinct VTIME per request
        assert_eq!(tcsets(&k, &p, fd, cmd, &t), 0);
        assert_eq!(tcgets(&k, &p, fd), t);
    }
    let other = console(&k, &p);
    assert_eq!(tcgets(&k, &p, other), default_termios(), "each console has its own settings");
}

#[test]
fn raw_mode_hands_out_keys_at_once_and_without_echo() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p);
    let mut t = default_termios();
    t.c_lflag &= !(ICANON | ECHO);
    assert_eq!(tcsets(&k, &p, fd, TCSETS, &t), 0);
    k.type_input(b"q");
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 10]), 1);
    assert_eq!(k.peek(&p, SCRATCH, 1), b"q");
    assert_eq!(k.console_output(), "", "no echo");
}

#[test]
fn tcsetsf_discards_typed_input_that_was_not_read() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p);
    k.poke(&p, ARG, &1i32.to_ne_bytes());
    assert_eq!(ioctl(&k, &p, fd, FIONBIO, ARG), 0);
    k.type_input(b"stale\n");
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 2]), 2, "the line is in, and partly read");
    assert_eq!(tcsets(&k, &p, fd, TCSETSF, &default_termios()), 0);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 10]), EAGAIN);
}

#[test]
fn tcsets_keeps_pending_input_for_tcsets_and_tcsetsw() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p);
    k.type_input(b"ab\n");
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 1]), 1);
    assert_eq!(tcsets(&k, &p, fd, TCSETSW, &default_termios()), 0);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 10]), 2);
    assert_eq!(k.peek(&p, SCRATCH, 2), b"b\n");
}

#[test]
fn tiocgwinsz_reports_24_rows_of_80_columns() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p);
    assert_eq!(ioctl(&k, &p, fd, TIOCGWINSZ, ARG), 0);
    let w: Winsize = k.peek_val(&p, ARG);
    assert_eq!((w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel), (24, 80, 0, 0));
}

#[test]
fn tiocswinsz_then_tiocgwinsz_round_trips() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p);
    let w = Winsize { ws_row: 50, ws_col: 132, ws_xpixel: 1, ws_ypixel: 2 };
    k.poke(&p, ARG, bytemuck::bytes_of(&w));
    assert_eq!(ioctl(&k, &p, fd, TIOCSWINSZ, ARG), 0);
    assert_eq!(ioctl(&k, &p, fd, TIOCGWINSZ, SCRATCH), 0);
    assert_eq!(k.peek_val::<Winsize>(&p, SCRATCH), w);
}

#[test]
fn tiocgpgrp_is_the_callers_group_until_tiocspgrp_sets_one() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p);
    assert_eq!(ioctl(&k, &p, fd, TIOCGPGRP, ARG), 0);
    assert_eq!(k.peek_val::<i32>(&p, ARG), p.process().pgid() as i32);
    k.poke(&p, ARG, &(-5i32).to_ne_bytes());
    assert_eq!(ioctl(&k, &p, fd, TIOCSPGRP, ARG), EINVAL);
    // A group that does not exist is ESRCH; a group of the caller's session is taken.
    k.poke(&p, ARG, &4242i32.to_ne_bytes());
    assert_eq!(ioctl(&k, &p, fd, TIOCSPGRP, ARG), ESRCH);
    let job = k.fork(&p);
    assert_eq!(k.syscall(&job, Sysno::setpgid, [0, 0]), 0);
    k.poke(&p, ARG, &(job.process().pid as i32).to_ne_bytes());
    assert_eq!(ioctl(&k, &p, fd, TIOCSPGRP, ARG), 0);
    assert_eq!(ioctl(&k, &p, fd, TIOCGPGRP, SCRATCH), 0);
    assert_eq!(k.peek_val::<i32>(&p, SCRATCH), job.process().pid as i32);
}

#[test]
fn terminal_requests_with_a_bad_pointer_are_efault() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p);
    for cmd in [TCGETS, TIOCGWINSZ, TIOCGPGRP] {
        assert_eq!(ioctl(&k, &p, fd, cmd, UNMAPPED), EFAULT, "{cmd:#x} to unmapped");
        assert_eq!(ioctl(&k, &p, fd, cmd, READONLY), EFAULT, "{cmd:#x} to read-only");
        assert_eq!(ioctl(&k, &p, fd, cmd, 0), EFAULT, "{cmd:#x} to NULL");
    }
    for cmd in [TCSETS, TCSETSW, TCSETSF, TIOCSWINSZ, TIOCSPGRP] {
        assert_eq!(ioctl(&k, &p, fd, cmd, UNMAPPED), EFAULT, "{cmd:#x} from unmapped");
    }
    assert_eq!(tcgets(&k, &p, fd), default_termios(), "a failed TCSETS changes nothing");
}

#[test]
fn terminal_requests_on_files_that_are_not_terminals_are_enotty() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    let file = open(&k, &p, "/tmp/f", 0);
    let null = open(&k, &p, "/dev/null", 0);
    let dir = open(&k, &p, "/tmp", 0);
    for fd in [file, null, dir] {
        for cmd in [TCGETS, TCSETS, TIOCGWINSZ, TIOCGPGRP] {
            assert_eq!(ioctl(&k, &p, fd, cmd, ARG), ENOTTY, "fd {fd} request {cmd:#x}");
        }
    }
}

#[test]
fn an_unknown_request_is_enotty_on_a_terminal_too() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(ioctl(&k, &p, 0, 0x1234, ARG), ENOTTY);
    assert_eq!(ioctl(&k, &p, 0, 0x5499, ARG), ENOTTY);
}

#[test]
fn ioctl_on_a_descriptor_that_is_not_open_is_ebadf() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(ioctl(&k, &p, 9, TCGETS, ARG), EBADF);
    assert_eq!(ioctl(&k, &p, usize::MAX, FIOCLEX, 0), EBADF);
    let path_fd = open(&k, &p, "/dev/console", OpenFlags::PATH.bits());
    assert_eq!(ioctl(&k, &p, path_fd, TCGETS, ARG), EBADF, "O_PATH descriptors take no ioctl");
}

#[test]
fn the_request_is_a_32_bit_number() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p);
    assert_eq!(ioctl(&k, &p, fd, 1 << 32 | TCGETS, ARG), 0);
    assert_eq!(k.peek_val::<Termios>(&p, ARG).c_cflag, 0o277);
}

#[test]
fn fioclex_and_fionclex_set_and_clear_close_on_exec_on_any_file() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"");
    let fd = open(&k, &p, "/tmp/f", 0);
    let cloexec = |fd: usize| p.process().files().entry(fd as i32).unwrap().cloexec;
    assert!(!cloexec(fd));
    assert_eq!(ioctl(&k, &p, fd, FIOCLEX, 0), 0);
    assert!(cloexec(fd));
    assert_eq!(ioctl(&k, &p, fd, FIONCLEX, 0), 0);
    assert!(!cloexec(fd));
}

#[test]
fn fionbio_switches_non_blocking_mode_on_and_off() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p);
    k.poke(&p, ARG, &1i32.to_ne_bytes());
    assert_eq!(ioctl(&k, &p, fd, FIONBIO, ARG), 0);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 10]), EAGAIN);
    k.poke(&p, ARG, &0i32.to_ne_bytes());
    assert_eq!(ioctl(&k, &p, fd, FIONBIO, ARG), 0);
    let file = p.process().files().get(fd as i32).unwrap();
    assert!(!file.nonblocking());
    assert_eq!(ioctl(&k, &p, fd, FIONBIO, UNMAPPED), EFAULT);
}

#[test]
fn fionread_counts_a_pipes_bytes_and_a_files_bytes_past_the_offset() {
    const FIONREAD: usize = 0x541b;
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::pipe2, [SCRATCH, 0]), 0);
    let [r, w] = k.peek_val::<[i32; 2]>(&p, SCRATCH);
    k.poke(&p, SCRATCH + 0x100, b"hello");
    assert_eq!(k.syscall(&p, Sysno::write, [w as usize, SCRATCH + 0x100, 5]), 5);
    for fd in [r, w] {
        assert_eq!(ioctl(&k, &p, fd as usize, FIONREAD, ARG), 0);
        assert_eq!(k.peek_val::<i32>(&p, ARG), 5, "either end of fd {fd}");
    }
    k.add_file("/tmp/f", b"0123456789");
    let f = open(&k, &p, "/tmp/f", 0);
    assert_eq!(k.syscall(&p, Sysno::lseek, [f, 4, 0]), 4);
    assert_eq!(ioctl(&k, &p, f, FIONREAD, ARG), 0);
    assert_eq!(k.peek_val::<i32>(&p, ARG), 6);
    assert_eq!(ioctl(&k, &p, f, FIONREAD, UNMAPPED), EFAULT);
    let dir = open(&k, &p, "/tmp", 0);
    assert_eq!(ioctl(&k, &p, dir, FIONREAD, ARG), ENOTTY);
}
