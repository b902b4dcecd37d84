//! `fuzz`: the host fuzzer of the syscall layer (see the library's documentation).
//!
//! ```text
//! fuzz [--calls N] [--secs S] [--seed S] [--replay FILE] [--allow-known-bug ID|all]...
//!      [--reset-every OPS] [--hang-secs S] [--frames-mib N] [--list-known-bugs] [-v]
//! ```
//! Without `--calls` or `--secs` it makes 100000 calls; without `--seed`, a fresh seed
//! (printed). Exit status 0 when nothing failed, 1 on a failure (reported on stderr).
use fuzz::guard::{self, Admit};
use fuzz::run::{self, Config};
use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator with the limits `fuzz::guard` counts and checks.
struct Guard;

// SAFETY: every method forwards to the system allocator with the same layout (a realloc that
// `guard::resize` turns down is an allocation, a copy of the smaller size and a free); the
// counting around it does not touch the memory.
unsafe impl GlobalAlloc for Guard {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        match guard::admit(&l) {
            Admit::Refuse => std::ptr::null_mut(),
            admitted => {
                // SAFETY: as for the trait.
                let p = unsafe { System.alloc(l) };
                if p.is_null() && admitted == Admit::Frame {
                    guard::frame_failed(&l);
                }
                p
            }
        }
    }

    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        match guard::admit(&l) {
            Admit::Refuse => std::ptr::null_mut(),
            admitted => {
                // SAFETY: as for the trait.
                let p = unsafe { System.alloc_zeroed(l) };
                if p.is_null() && admitted == Admit::Frame {
                    guard::frame_failed(&l);
                }
                p
            }
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        guard::release(&l);
        // SAFETY: as for the trait.
        unsafe { System.dealloc(p, l) }
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        if guard::resize(&l, new_size) {
            // SAFETY: as for the trait.
            return unsafe { System.realloc(p, l, new_size) };
        }
        let new = Layout::from_size_align(new_size, l.align()).expect("layout");
        // SAFETY: as for the trait; `q` is a fresh block of `new_size` bytes, `p` one of
        // `l.size()`, and the old block is freed only after the copy.
        unsafe {
            let q = self.alloc(new);
            if !q.is_null() {
                std::ptr::copy_nonoverlapping(p, q, l.size().min(new_size));
                self.dealloc(p, l);
            }
            q
        }
    }
}

#[global_allocator]
static GUARD: Guard = Guard;

fn usage() -> ! {
    eprintln!(
        "usage: fuzz [--calls N] [--secs S] [--seed S] [--replay FILE] [--allow-known-bug ID|all]... \
         [--reset-every OPS] [--hang-secs S] [--frames-mib N] [--list-known-bugs] [-v]"
    );
    std::process::exit(2)
}

fn number(s: Option<String>) -> u64 {
    let s = s.unwrap_or_else(|| usage());
    let s = s.replace('_', "");
    let r = match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.unwrap_or_else(|_| usage())
}

fn fresh_seed() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let mut x = t ^ (std::process::id() as u64) << 32;
    fuzz::rng::splitmix(&mut x)
}

fn main() {
    let mut cfg =
        Config { seed: 0, calls: None, secs: None, allowed_bugs: Vec::new(), reset_every: 4000, verbose: false };
    let mut seed = None;
    let mut replay = None;
    let mut hang_secs = 20;
    let mut extra = String::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--calls" => cfg.calls = Some(number(args.next())),
            "--secs" => cfg.secs = Some(args.next().and_then(|s| s.parse().ok()).unwrap_or_else(|| usage())),
            "--seed" => seed = Some(number(args.next())),
            "--replay" => replay = Some(args.next().unwrap_or_else(|| usage())),
            "--allow-known-bug" => {
                let id = args.next().unwrap_or_else(|| usage());
                if id != "all" && !fuzz::known::KNOWN_BUGS.iter().any(|(k, _)| *k == id) {
                    eprintln!("fuzz: no known bug {id} (see --list-known-bugs)");
                    std::process::exit(2);
                }
                extra += &format!(" --allow-known-bug {id}");
                cfg.allowed_bugs.push(id);
            }
            "--reset-every" => {
                cfg.reset_every = number(args.next()).max(1);
                extra += &format!(" --reset-every {}", cfg.reset_every);
            }
            "--hang-secs" => hang_secs = number(args.next()).max(1),
            "--frames-mib" => {
                let mib = number(args.next()).max(1) as usize;
                fuzz::guard::MAX_FRAMES.store(mib << 20 >> 12, std::sync::atomic::Ordering::Relaxed);
                extra += &format!(" --frames-mib {mib}");
            }
            "--list-known-bugs" => {
                if fuzz::known::KNOWN_BUGS.is_empty() {
                    println!("no known bug is open");
                }
                for (id, what) in fuzz::known::KNOWN_BUGS {
                    println!("{id:24} {what}");
                }
                for (id, what) in fuzz::known::HARNESS_LIMITS {
                    println!("{id:24} (harness limit, always skipped) {what}");
                }
                return;
            }
            "-v" | "--verbose" => cfg.verbose = true,
            _ => usage(),
        }
    }
    cfg.seed = seed.unwrap_or_else(fresh_seed);
    run::install_hooks(hang_secs, extra);
    if let Some(path) = replay {
        run::replay(&path, &cfg);
        return;
    }
    if cfg.calls.is_none() && cfg.secs.is_none() {
        cfg.calls = Some(100_000);
    }
    let limit = match (cfg.calls, cfg.secs) {
        (Some(n), Some(s)) => format!("{n} calls or {s} s"),
        (Some(n), None) => format!("{n} calls"),
        (None, Some(s)) => format!("{s} s"),
        (None, None) => unreachable!(),
    };
    eprintln!("fuzz: seed {:#x}, {limit} (reproduce with --seed {:#x})", cfg.seed, cfg.seed);
    let s = run::fuzz(&cfg);
    print!("{}", s.text);
    println!("fuzz: seed {:#x}: no failure in {} calls ({} ops); digest {:016x}", cfg.seed, s.calls, s.ops, s.digest);
}
