//! Checks of a call's effect beyond "no panic": the kernel writes user memory only inside the
//! buffers a call names (guard bytes around each stay untouched), and a transfer returns no
//! more than it was asked for.
use crate::gen::{BUF, BUF_LEN};
use abi::Sysno;
use syscalls::Caller;

/// Bytes of guard before and after a buffer.
const GUARD: usize = 32;
/// Buffers longer than this are not guarded (the check reads and writes the guards).
const MAX_GUARDED: usize = 1 << 16;

/// Where syscall `nr` with arguments `a` may write user memory: (address, length).
pub fn writes(nr: usize, a: &[usize; 6]) -> Vec<(usize, usize)> {
    use core::mem::size_of;
    use Sysno as N;
    let rusage = 144;
    match Sysno(nr) {
        N::read | N::pread64 | N::getdents64 => vec![(a[1], a[2])],
        N::readlinkat => vec![(a[2], a[3])],
        N::getcwd | N::getrandom => vec![(a[0], a[1])],
        N::fstat => vec![(a[1], size_of::<abi::structs::Stat>())],
        N::newfstatat => vec![(a[2], size_of::<abi::structs::Stat>())],
        N::statx => vec![(a[4], size_of::<abi::structs::Statx>())],
        N::statfs | N::fstatfs => vec![(a[1], size_of::<abi::structs::Statfs>())],
        N::uname => vec![(a[0], size_of::<abi::structs::Utsname>())],
        N::sysinfo => vec![(a[0], size_of::<abi::structs::Sysinfo>())],
        N::times => vec![(a[0], size_of::<abi::structs::Tms>())],
        N::clock_gettime | N::clock_getres => vec![(a[1], 16)],
        N::gettimeofday => vec![(a[0], 16), (a[1], 8)],
        N::getrusage => vec![(a[1], rusage)],
        N::prctl if a[0] as i32 == abi::process::PR_GET_NAME => vec![(a[1], 16)],
        N::getitimer => vec![(a[1], 32)],
        N::setitimer => vec![(a[2], 32)],
        N::pipe2 => vec![(a[0], 8)],
        N::getresuid | N::getresgid => vec![(a[0], 4), (a[1], 4), (a[2], 4)],
        N::prlimit64 => vec![(a[3], 16)],
        N::getrlimit => vec![(a[1], 16)],
        N::sched_getaffinity => vec![(a[2], 8)],
        N::sigaltstack => vec![(a[1], size_of::<abi::signal::StackT>())],
        N::rt_sigaction => vec![(a[2], size_of::<abi::structs::SigAction>())],
        N::rt_sigprocmask => vec![(a[2], 8)],
        N::rt_sigpending => vec![(a[0], 8)],
        N::get_robust_list => vec![(a[1], 8), (a[2], 8)],
        N::nanosleep => vec![(a[1], 16)],
        N::clock_nanosleep => vec![(a[3], 16)],
        N::wait4 => vec![(a[1], 4), (a[3], rusage)],
        N::waitid => vec![(a[2], size_of::<abi::signal::SigInfo>()), (a[4], rusage)],
        _ => Vec::new(),
    }
}

/// The largest result a successful call may return (transfers: at most the count asked for).
fn max_result(nr: usize, a: &[usize; 6]) -> Option<usize> {
    match Sysno(nr) {
        Sysno::read | Sysno::pread64 | Sysno::getdents64 | Sysno::write | Sysno::pwrite64 => Some(a[2]),
        Sysno::readlinkat => Some(a[3]),
        Sysno::getcwd | Sysno::getrandom => Some(a[1]),
        Sysno::sendfile => Some(a[3]),
        Sysno::copy_file_range => Some(a[4]),
        _ => None,
    }
}

/// Guards written around the buffers of one call.
pub struct Guards {
    /// (address, the bytes written there).
    zones: Vec<(usize, [u8; GUARD])>,
}

fn pattern(addr: usize) -> [u8; GUARD] {
    core::array::from_fn(|i| 0xa5 ^ (addr.wrapping_add(i) as u8).wrapping_mul(31))
}

/// Write guard bytes around each buffer the call may write (those inside the fuzzer's buffer
/// area, short enough), except where another of its buffers lies.
pub fn arm(cx: &Caller, nr: usize, a: &[usize; 6]) -> Guards {
    let bufs = writes(nr, a);
    let inside = |addr: usize, len: usize| {
        addr >= BUF + GUARD && len <= MAX_GUARDED && addr.saturating_add(len + GUARD) <= BUF + BUF_LEN
    };
    let overlaps = |at: usize| bufs.iter().any(|&(b, l)| at < b.wrapping_add(l) && b < at + GUARD);
    let mut zones = Vec::new();
    for &(addr, len) in &bufs {
        if !inside(addr, len) {
            continue;
        }
        for at in [addr - GUARD, addr + len] {
            if !overlaps(at) && !zones.iter().any(|(z, _)| at < z + GUARD && *z < at + GUARD) {
                let p = pattern(at);
                if cx.mm().write_bytes(at, &p).is_ok() {
                    zones.push((at, p));
                }
            }
        }
    }
    Guards { zones }
}

/// Check the guards and the result of a call that returned `ret`.
pub fn check(cx: &Caller, nr: usize, a: &[usize; 6], ret: isize, g: &Guards) {
    for (at, p) in &g.zones {
        let mut now = [0u8; GUARD];
        if cx.mm().read_bytes(*at, &mut now).is_ok() {
            assert!(
                now == *p,
                "memory: {:?} wrote outside its buffers (guard bytes at {at:#x} changed; buffers {:x?}; result {ret})",
                Sysno(nr),
                writes(nr, a)
            );
        }
    }
    if let (Some(max), true) = (max_result(nr, a), ret >= 0) {
        assert!(ret as usize <= max, "result: {:?} returned {ret}, more than the {max} asked for", Sysno(nr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syscalls::testing::TestKernel;

    const READ: usize = 63;

    #[test]
    fn guards_hold_when_the_kernel_keeps_to_the_buffer() {
        let k = TestKernel::new();
        let p = k.spawn();
        let a = [0, BUF + 0x100, 16, 0, 0, 0];
        let g = arm(&p, READ, &a);
        assert_eq!(g.zones.len(), 2);
        k.poke(&p, BUF + 0x100, &[7; 16]);
        check(&p, READ, &a, 16, &g);
    }

    #[test]
    #[should_panic(expected = "wrote outside its buffers")]
    fn a_write_past_the_buffer_is_caught() {
        let k = TestKernel::new();
        let p = k.spawn();
        let a = [0, BUF + 0x100, 16, 0, 0, 0];
        let g = arm(&p, READ, &a);
        k.poke(&p, BUF + 0x100, &[7; 17]);
        check(&p, READ, &a, 16, &g);
    }

    #[test]
    #[should_panic(expected = "more than the 16 asked for")]
    fn a_result_above_the_count_is_caught() {
        let k = TestKernel::new();
        let p = k.spawn();
        let a = [0, BUF + 0x100, 16, 0, 0, 0];
        let g = arm(&p, READ, &a);
        check(&p, READ, &a, 17, &g);
    }
}
