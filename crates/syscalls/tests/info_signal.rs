//! uname, getrandom, rt_sigaction, rt_sigprocmask.
use abi::flags::*;
use abi::structs::{SigAction, Utsname};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;

fn cstr(field: &[u8]) -> &str {
    core::str::from_utf8(&field[..field.iter().position(|&b| b == 0).unwrap()]).unwrap()
}

#[test]
fn uname_says_linux_on_riscv64() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::uname, [SCRATCH]), 0);
    let u: Utsname = k.peek_val(&p, SCRATCH);
    assert_eq!(cstr(&u.sysname), "Linux");
    assert_eq!(cstr(&u.machine), "riscv64");
    assert_eq!(cstr(&u.release), "6.1.0-bakaex");
    assert_eq!(cstr(&u.nodename), "bakaex");
    assert_eq!(cstr(&u.domainname), "(none)");
    // sethostname and setdomainname (in this test: the names are the machine's, and this is
    // the one test of this file that reads them).
    k.poke(&p, SCRATCH + 4096, b"other-host\0xyz");
    assert_eq!(k.syscall(&p, Sysno::sethostname, [SCRATCH + 4096, 10]), 0);
    assert_eq!(k.syscall(&p, Sysno::setdomainname, [SCRATCH + 4096, 5]), 0);
    assert_eq!(k.syscall(&p, Sysno::sethostname, [SCRATCH + 4096, 65]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::sethostname, [UNMAPPED, 3]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::uname, [SCRATCH]), 0);
    let u: Utsname = k.peek_val(&p, SCRATCH);
    assert_eq!(cstr(&u.nodename), "other-host");
    assert_eq!(cstr(&u.domainname), "other");
    let child = k.fork(&p);
    assert_eq!(k.syscall(&child, Sysno::setresuid, [1000, 1000, 1000]), 0);
    assert_eq!(k.syscall(&child, Sysno::sethostname, [SCRATCH + 4096, 3]), EPERM, "needs CAP_SYS_ADMIN");
    k.poke(&p, SCRATCH + 4096, b"bakaex(none)");
    assert_eq!(k.syscall(&p, Sysno::sethostname, [SCRATCH + 4096, 6]), 0);
    assert_eq!(k.syscall(&p, Sysno::setdomainname, [SCRATCH + 4102, 6]), 0);
}

#[test]
fn uname_into_bad_memory_is_efault() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::uname, [UNMAPPED]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::uname, [READONLY]), EFAULT);
    // Straddling the end of the scratch area.
    assert_eq!(k.syscall(&p, Sysno::uname, [SCRATCH + SCRATCH_LEN - 100]), EFAULT);
}

#[test]
fn getrandom_fills_exactly_the_buffer() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, &[0u8; 600]);
    assert_eq!(k.syscall(&p, Sysno::getrandom, [SCRATCH, 512, 0]), 512);
    let bytes = k.peek(&p, SCRATCH, 600);
    assert!(bytes[..512].iter().filter(|&&b| b != 0).count() > 400, "looks random");
    assert_eq!(&bytes[512..], &[0u8; 88], "nothing past the end is written");
    assert_eq!(k.syscall(&p, Sysno::getrandom, [SCRATCH, 0, GRND_NONBLOCK as usize]), 0);
}

#[test]
fn getrandom_rejects_unknown_and_conflicting_flags() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::getrandom, [SCRATCH, 8, 0x80]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::getrandom, [SCRATCH, 8, (GRND_RANDOM | GRND_INSECURE) as usize]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::getrandom, [UNMAPPED, 8, 0]), EFAULT);
}

fn act(handler: usize, flags: u64, mask: u64) -> SigAction {
    SigAction { handler, flags, mask }
}

#[test]
fn rt_sigaction_stores_and_returns_the_old_action() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&act(0x1234, 0x4000_0000, 0b110)));
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [10, SCRATCH, 0, 8]), 0);
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [10, 0, SCRATCH + 64, 8]), 0);
    assert_eq!(k.peek_val::<SigAction>(&p, SCRATCH + 64), act(0x1234, 0x4000_0000, 0b110));
    // Default disposition of another signal is all zeros (SIG_DFL).
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [12, 0, SCRATCH + 64, 8]), 0);
    assert_eq!(k.peek_val::<SigAction>(&p, SCRATCH + 64), act(0, 0, 0));
}

#[test]
fn rt_sigaction_cannot_catch_sigkill_or_sigstop() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&act(0x1234, 0, 0)));
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [SIGKILL, SCRATCH, 0, 8]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [SIGSTOP, SCRATCH, 0, 8]), EINVAL);
    // Querying them is fine.
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [SIGKILL, 0, SCRATCH + 64, 8]), 0);
}

#[test]
fn rt_sigaction_validates_signal_number_size_and_pointers() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [0, 0, 0, 8]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [65, 0, 0, 8]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [10, 0, 0, 4]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [10, UNMAPPED, 0, 8]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [10, 0, READONLY, 8]), EFAULT);
}

#[test]
fn rt_sigaction_never_blocks_sigkill_in_the_handler_mask() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&act(0x1234, 0, u64::MAX)));
    assert_eq!(k.syscall(&p, Sysno::rt_sigaction, [10, SCRATCH, 0, 8]), 0);
    k.syscall(&p, Sysno::rt_sigaction, [10, 0, SCRATCH + 64, 8]);
    let mask = k.peek_val::<SigAction>(&p, SCRATCH + 64).mask;
    assert_eq!(mask, !(1 << (SIGKILL - 1)) & !(1 << (SIGSTOP - 1)));
}

fn set_mask(k: &TestKernel, p: &syscalls::Caller, how: usize, set: u64) -> (isize, u64) {
    k.poke(p, SCRATCH, &set.to_le_bytes());
    let r = k.syscall(p, Sysno::rt_sigprocmask, [how, SCRATCH, SCRATCH + 8, 8]);
    (r, k.peek_val(p, SCRATCH + 8))
}

#[test]
fn rt_sigprocmask_block_unblock_setmask() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(set_mask(&k, &p, SIG_BLOCK, 0b1010), (0, 0));
    assert_eq!(set_mask(&k, &p, SIG_BLOCK, 0b0100), (0, 0b1010));
    assert_eq!(set_mask(&k, &p, SIG_UNBLOCK, 0b0010), (0, 0b1110));
    assert_eq!(set_mask(&k, &p, SIG_SETMASK, 0b1), (0, 0b1100));
    assert_eq!(k.syscall(&p, Sysno::rt_sigprocmask, [SIG_BLOCK, 0, SCRATCH + 8, 8]), 0);
    assert_eq!(k.peek_val::<u64>(&p, SCRATCH + 8), 0b1);
}

#[test]
fn rt_sigprocmask_silently_keeps_sigkill_and_sigstop_unblocked() {
    let k = TestKernel::new();
    let p = k.spawn();
    set_mask(&k, &p, SIG_SETMASK, u64::MAX);
    let (_, old) = set_mask(&k, &p, SIG_SETMASK, 0);
    assert_eq!(old, !(1u64 << 8) & !(1 << 18));
}

#[test]
fn rt_sigprocmask_validates_how_size_and_pointers() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(set_mask(&k, &p, 3, 1).0, EINVAL);
    assert_eq!(k.syscall(&p, Sysno::rt_sigprocmask, [SIG_BLOCK, SCRATCH, 0, 16]), EINVAL);
    // An invalid `how` is not checked when there is no new set, as on Linux.
    assert_eq!(k.syscall(&p, Sysno::rt_sigprocmask, [99, 0, SCRATCH + 8, 8]), 0);
    assert_eq!(k.syscall(&p, Sysno::rt_sigprocmask, [SIG_BLOCK, UNMAPPED, 0, 8]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::rt_sigprocmask, [SIG_BLOCK, 0, READONLY, 8]), EFAULT);
}
