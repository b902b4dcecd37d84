//! Which rows of the syscall table host tests call, and that calls wait only where their row says (host builds only).
//!
//! `make test` runs the host tests with `BAKAEX_SYSCALL_COVERAGE=<dir>`; the dispatcher then
//! notes the first call of each number in a file of that directory per test process, and
//! `scripts/syscall-coverage.sh` checks that every row of the table was called by some test
//! (`cargo run -p syscalls --example syscall-list` prints the rows). Without the variable this
//! costs one atomic operation per call, on the host only: the kernel has no such code.
use core::future::{poll_fn, Future};
use core::pin::pin;
use core::sync::atomic::{AtomicU64, Ordering};
use std::io::Write;

/// Numbers called so far in this process, one bit each (riscv64 has none above 512).
static CALLED: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

/// Note a call of number `n`: the first one is written down if coverage is being collected.
pub(crate) fn record(n: usize) {
    if n >= 512 {
        return;
    }
    let bit = 1u64 << (n % 64);
    if CALLED[n / 64].fetch_or(bit, Ordering::Relaxed) & bit != 0 {
        return;
    }
    let Some(dir) = std::env::var_os("BAKAEX_SYSCALL_COVERAGE") else { return };
    let exe = std::env::current_exe().ok();
    let exe = exe.as_ref().and_then(|p| p.file_name()).and_then(|s| s.to_str()).unwrap_or("unknown");
    let path = std::path::Path::new(&dir).join(std::format!("{exe}.{}", std::process::id()));
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        // One write per line: tests run in threads, and appends of whole lines do not mix.
        let _ = f.write_all(std::format!("{n}\n").as_bytes());
    }
}

/// The calls whose row says they may wait.
const WAITS: crate::table::SyscallSet = crate::table::SyscallSet::with(crate::table::flag::waits);

/// Run `call`, the future of syscall `n`, panicking if it waits although its row has no
/// `waits` flag: the fast path runs such a call with one poll (`table::now`), where a wait
/// would be a kernel bug. Every host test and the host fuzzer check it this way.
pub(crate) async fn never_waits_unless_flagged<F: Future<Output = isize>>(n: usize, call: F) -> isize {
    let mut call = pin!(call);
    poll_fn(|c| {
        let r = call.as_mut().poll(c);
        assert!(
            r.is_ready() || WAITS.contains(n) || crate::table::lookup(abi::Sysno(n)).is_none(),
            "{:?} waited: its row in the syscall table needs the `waits` flag",
            abi::Sysno(n)
        );
        r
    })
    .await
}
