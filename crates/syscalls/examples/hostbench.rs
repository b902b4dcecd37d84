//! BakaEx's syscalls called as hosted functions, next to the host's own Linux syscalls, in one
//! run on the host (wall-clock nanoseconds per call, so the figures depend on the host's CPU and
//! kernel; they are not guest figures like the rest of docs/BENCHMARKS.md).
//!
//! ```sh
//! cargo run --release -p syscalls --example hostbench                 # a table
//! cargo run --release -p syscalls --example hostbench -- --bench-rows # scripts/bench.sh lines
//! ```
//!
//! Rows (BakaEx side: a process made by `syscalls::testing::TestKernel`, its "user memory" in
//! memory; host side: this process on the host's Linux):
//!
//! - `getpid`: `syscalls::process::sys_getpid` called directly, and through the dispatch table
//!   (`syscalls::dispatch`, what the trap handler calls), against the raw `syscall(SYS_getpid)`
//!   (glibc's `getpid()` could answer from a cache).
//! - `write_dev_null`: a 1-byte `write` to /dev/null (BakaEx: `fs::sys_write` from the process's
//!   memory into devfs's null device, directly and through the table; host: `write(2)` on a real
//!   /dev/null descriptor).
//!
//! The futures finish at their first poll, so each call is polled once with a no-op waker
//! (`run_now`: no allocation, no executor); one that did not finish would be handed to
//! `task::executor::block_on`, which the table also shows for comparison (it allocates a waker
//! and looks at the executor's run queue on every call).
//!
//! Each figure: its loop is calibrated to about `--ms` milliseconds (default 40) and run once to
//! warm up; then all the loops take turns, `--runs` rounds (default 7), and a figure is the median
//! of its runs, in ns per call, loop included (an empty loop is shown for scale).
use std::future::Future;
use std::hint::black_box;
use std::os::raw::{c_int, c_long, c_void};
use std::os::unix::io::AsRawFd;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use syscalls::testing::{TestKernel, SCRATCH};
use syscalls::{Caller, Sysno};

extern "C" {
    /// glibc's syscall(2): the raw system call, never answered from a cache.
    fn syscall(n: c_long, ...) -> c_long;
    fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
}

#[cfg(target_arch = "x86_64")]
const HOST_SYS_GETPID: c_long = 39;
#[cfg(any(target_arch = "aarch64", target_arch = "riscv64", target_arch = "loongarch64"))]
const HOST_SYS_GETPID: c_long = 172;

/// Drive a future that is expected to be ready at its first poll (every call measured here is),
/// without allocating; one that is not ready goes on under the executor's `block_on`.
#[inline(always)]
fn run_now<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => task::executor::block_on(future),
    }
}

struct Opts {
    bench_rows: bool,
    runs: usize,
    target: Duration,
}

fn opts() -> Opts {
    let mut o = Opts { bench_rows: false, runs: 7, target: Duration::from_millis(40) };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |what: &str| -> u64 {
            match args.next().and_then(|v| v.parse().ok()) {
                Some(v) if v > 0 => v,
                _ => usage(&format!("{what} wants a positive number")),
            }
        };
        match a.as_str() {
            "--bench-rows" => o.bench_rows = true,
            "--runs" => o.runs = num("--runs") as usize,
            "--ms" => o.target = Duration::from_millis(num("--ms")),
            "-h" | "--help" => usage(""),
            _ => usage(&format!("unknown argument {a}")),
        }
    }
    o
}

fn usage(why: &str) -> ! {
    if !why.is_empty() {
        eprintln!("hostbench: {why}");
    }
    eprintln!("usage: hostbench [--bench-rows] [--runs N (7)] [--ms MS per run (40)]");
    std::process::exit(if why.is_empty() { 0 } else { 2 })
}

/// A measuring loop: `n` calls of `op` (inlined into the loop), timed.
type Timer<'a> = Box<dyn FnMut(u64) -> Duration + 'a>;

fn timer<'a>(mut op: impl FnMut() + 'a) -> Timer<'a> {
    Box::new(move |n| {
        let t = Instant::now();
        for _ in 0..n {
            op();
        }
        t.elapsed()
    })
}

/// Nanoseconds per call of each loop: each is calibrated to `o.target` and run once to warm up,
/// then all of them take turns for `o.runs` rounds (so a change in the host's load touches
/// every figure alike); the median of each one's runs.
fn measure(o: &Opts, timers: &mut [Timer]) -> Vec<f64> {
    let floor = o.target / 8;
    let mut counts = Vec::new();
    for timed in timers.iter_mut() {
        let mut n = 1000u64;
        let mut t = timed(n);
        while t < floor {
            let grow = if t.is_zero() { 16 } else { (floor.as_nanos() / t.as_nanos()).clamp(2, 16) as u64 };
            n = n.saturating_mul(grow);
            t = timed(n);
        }
        let n = ((n as u128 * o.target.as_nanos() / t.as_nanos().max(1)) as u64).max(1);
        timed(n);
        counts.push(n);
    }
    let mut samples = vec![Vec::new(); timers.len()];
    for _ in 0..o.runs {
        for ((timed, &n), s) in timers.iter_mut().zip(&counts).zip(&mut samples) {
            s.push(timed(n).as_nanos() as f64 / n as f64);
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        })
        .collect()
}

struct Row {
    name: &'static str,
    what: &'static str,
    bakaex: f64,
    host: f64,
    /// Printed with --bench-rows (the others are only for the table).
    bench: bool,
}

fn main() {
    let o = opts();

    // --- BakaEx: a process in memory, /dev/null opened in it, one byte to write in its memory.
    let k = TestKernel::new();
    let cx: Caller = k.spawn();
    let pid = run_now(syscalls::process::sys_getpid(&cx)).expect("sys_getpid");
    let null_fd = k.open_ok(&cx, "/dev/null", abi::flags::OpenFlags::WRONLY.bits());
    k.poke(&cx, SCRATCH, b"x");
    let one_byte = mm::UserSlice::<u8>::new(SCRATCH, 1);
    assert_eq!(run_now(syscalls::fs::sys_write(&cx, null_fd as i32, one_byte)), Ok(1));
    assert_eq!(run_now(syscalls::dispatch(&cx, Sysno::getpid.0, [0; 6])), pid as isize);
    let write_args = [null_fd, SCRATCH, 1, 0, 0, 0];
    assert_eq!(run_now(syscalls::dispatch(&cx, Sysno::write.0, write_args)), 1);

    // --- The host: a real /dev/null, and the raw getpid.
    let host_null = std::fs::OpenOptions::new().write(true).open("/dev/null").expect("open /dev/null");
    let host_fd = host_null.as_raw_fd();
    let byte = [b'x'];
    // SAFETY: getpid takes no arguments; write reads 1 byte of a live buffer.
    unsafe {
        assert_eq!(syscall(HOST_SYS_GETPID) as u32, std::process::id());
        assert_eq!(write(host_fd, byte.as_ptr().cast(), 1), 1);
    }

    let mut timers: Vec<Timer> = vec![
        timer(|| {
            // SAFETY: as above.
            black_box(unsafe { syscall(black_box(HOST_SYS_GETPID)) });
        }),
        timer(|| {
            // SAFETY: as above.
            black_box(unsafe { write(black_box(host_fd), black_box(byte.as_ptr()).cast(), 1) });
        }),
        timer(|| black_box(())),
        timer(|| {
            black_box(run_now(syscalls::process::sys_getpid(black_box(&cx))).ok());
        }),
        timer(|| {
            black_box(run_now(syscalls::dispatch(black_box(&cx), black_box(Sysno::getpid.0), black_box([0; 6]))));
        }),
        timer(|| {
            black_box(task::executor::block_on(syscalls::process::sys_getpid(black_box(&cx))).ok());
        }),
        timer(|| {
            black_box(
                run_now(syscalls::fs::sys_write(black_box(&cx), black_box(null_fd as i32), black_box(one_byte))).ok(),
            );
        }),
        timer(|| {
            black_box(run_now(syscalls::dispatch(black_box(&cx), black_box(Sysno::write.0), black_box(write_args))));
        }),
    ];
    let ns = measure(&o, &mut timers);
    drop(timers);
    let [host_getpid, host_write, empty, getpid, getpid_dispatch, getpid_block_on, nwrite, nwrite_dispatch] = ns[..]
    else {
        unreachable!()
    };

    let rows = [
        Row { name: "hosted_getpid", what: "sys_getpid, called", bakaex: getpid, host: host_getpid, bench: true },
        Row {
            name: "hosted_getpid_dispatch",
            what: "getpid through dispatch()",
            bakaex: getpid_dispatch,
            host: host_getpid,
            bench: true,
        },
        Row {
            name: "hosted_getpid_block_on",
            what: "sys_getpid under block_on",
            bakaex: getpid_block_on,
            host: host_getpid,
            bench: false,
        },
        Row {
            name: "hosted_write_dev_null",
            what: "sys_write 1 B to /dev/null, called",
            bakaex: nwrite,
            host: host_write,
            bench: true,
        },
        Row {
            name: "hosted_write_dev_null_dispatch",
            what: "write 1 B to /dev/null through dispatch()",
            bakaex: nwrite_dispatch,
            host: host_write,
            bench: true,
        },
        Row {
            name: "empty_loop",
            what: "the measuring loop alone (both columns)",
            bakaex: empty,
            host: f64::NAN,
            bench: false,
        },
    ];

    let host_kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let host_kernel = host_kernel.trim();
    if o.bench_rows {
        println!("# host Linux {host_kernel}; wall-clock host ns per call, median of {} runs", o.runs);
        for r in rows.iter().filter(|r| r.bench) {
            println!("{}|{:.3}|{:.3}|host ns/op", r.name, r.bakaex, r.host);
        }
        return;
    }
    println!(
        "BakaEx syscalls as hosted functions vs this host's Linux {host_kernel} \
         (wall-clock ns per call, median of {} runs of ~{} ms)\n",
        o.runs,
        o.target.as_millis()
    );
    println!("| row | one call | BakaEx hosted ns | host Linux ns | ratio |");
    println!("|---|---|---:|---:|---:|");
    for r in &rows {
        if r.host.is_nan() {
            println!("| {} | {} | {:.2} | | |", r.name, r.what, r.bakaex);
        } else {
            println!("| {} | {} | {:.2} | {:.2} | {:.3} |", r.name, r.what, r.bakaex, r.host, r.bakaex / r.host);
        }
    }
}
