//! The fuzz loop, the log of the current epoch, and failure reports (panic hook, watchdog).
//!
//! The world is reset every few thousand ops (an epoch). The log holds the ops of the current
//! epoch with their outcomes; a failure prints its tail and writes it as a replay file, which
//! `--replay` runs from a fresh world (with the pid, inode and device counters and the clock
//! brought to where the epoch started, so the ops see the same numbers). The whole run is
//! also reproducible with `--seed`: the generator draws only from its seed and from the state
//! of the (deterministic) kernel.
use crate::gen::Gen;
use crate::guard;
use crate::op::Op;
use crate::world::{Counters, Outcome, World};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Config {
    pub seed: u64,
    /// Stop after this many syscalls (when given).
    pub calls: Option<u64>,
    /// Stop after this many seconds (when given).
    pub secs: Option<f64>,
    /// Known bugs not to steer clear of (`all` for every one).
    pub allowed_bugs: Vec<String>,
    /// Ops per epoch.
    pub reset_every: u64,
    /// Print every op (replay).
    pub verbose: bool,
}

struct Entry {
    index: u64,
    op: Op,
    out: String,
}

#[derive(Default)]
struct Log {
    seed: u64,
    counters: Counters,
    entries: Vec<Entry>,
    /// Where the run is: for reports.
    current: u64,
    calls: u64,
}

static LOG: Mutex<Log> =
    Mutex::new(Log { seed: 0, counters: Counters::ZERO, entries: Vec::new(), current: 0, calls: 0 });
/// Ops finished: the watchdog's sign of life.
pub static PROGRESS: AtomicU64 = AtomicU64::new(0);
static FINISHED: AtomicBool = AtomicBool::new(false);
static REPORTING: AtomicBool = AtomicBool::new(false);
/// The command line that reproduces the run (for reports).
static COMMAND: Mutex<String> = Mutex::new(String::new());

fn lock_log() -> Option<std::sync::MutexGuard<'static, Log>> {
    for _ in 0..200 {
        match LOG.try_lock() {
            Ok(g) => return Some(g),
            Err(std::sync::TryLockError::Poisoned(p)) => return Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    None
}

/// Where replay files go: $BUILD/fuzz, else the temporary directory.
fn replay_dir() -> std::path::PathBuf {
    match std::env::var_os("BUILD") {
        Some(b) => std::path::Path::new(&b).join("fuzz"),
        None => std::env::temp_dir(),
    }
}

/// Print what failed, the tail of the sequence and how to reproduce it; write the replay
/// file; end the process with status 1.
pub fn fail(what: &str) -> ! {
    guard::ARMED.store(false, Ordering::Relaxed);
    if REPORTING.swap(true, Ordering::SeqCst) {
        // A failure while reporting one.
        std::process::exit(1);
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "\n==================== FUZZ FAILURE ====================");
    let _ = writeln!(err, "{what}");
    match lock_log() {
        Some(log) => {
            let _ = writeln!(err, "seed {:#x}, at op {} (after {} calls)", log.seed, log.current, log.calls);
            let _ = writeln!(err, "the last ops (index: op = outcome):");
            let skip = log.entries.len().saturating_sub(40);
            for e in &log.entries[skip..] {
                let _ = writeln!(err, "  {:>9}: {} = {}", e.index, e.op, e.out);
            }
            let dir = replay_dir();
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(format!("fuzz-{:016x}-op{}.replay", log.seed, log.current));
            let mut text = format!(
                "# BakaEx host fuzz replay: seed {:#x}, ops {}..={} (the epoch up to the failure)\n# {what}\n",
                log.seed,
                log.entries.first().map_or(0, |e| e.index),
                log.current
            )
            .lines()
            .enumerate()
            .map(|(i, l)| if i == 0 || l.starts_with('#') { format!("{l}\n") } else { format!("# {l}\n") })
            .collect::<String>();
            text += &format!("counters {}\n", log.counters.to_line());
            for e in &log.entries {
                text += &e.op.to_line();
                text.push('\n');
            }
            let cmd = COMMAND.lock().map(|c| c.clone()).unwrap_or_default();
            match std::fs::write(&path, text) {
                Ok(()) => {
                    let _ = writeln!(err, "the {} ops of this epoch: {}", log.entries.len(), path.display());
                    let _ = writeln!(err, "replay:    cargo run -p fuzz -- --replay {}{cmd}", path.display());
                }
                Err(e) => {
                    let _ = writeln!(err, "(could not write {}: {e})", path.display());
                }
            }
            let _ =
                writeln!(err, "reproduce: cargo run -p fuzz -- --seed {:#x} --calls {}{cmd}", log.seed, log.calls + 1);
        }
        None => {
            let _ = writeln!(err, "(the log is locked; the seed was printed at the start)");
        }
    }
    let _ = writeln!(err, "======================================================");
    let _ = err.flush();
    std::process::exit(1);
}

/// Report panics (kernel bugs) and hangs (the watchdog: no op finished for `hang_secs`).
pub fn install_hooks(hang_secs: u64, extra_args: String) {
    *COMMAND.lock().unwrap() = extra_args;
    std::panic::set_hook(Box::new(|info| {
        guard::ARMED.store(false, Ordering::Relaxed);
        let bt = std::backtrace::Backtrace::force_capture();
        eprintln!("\npanic: {info}\n{bt}");
        fail(&format!("PANIC: {info}"));
    }));
    std::thread::spawn(move || {
        let mut last = PROGRESS.load(Ordering::Relaxed);
        let mut since = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(250));
            if FINISHED.load(Ordering::Relaxed) {
                return;
            }
            let now = PROGRESS.load(Ordering::Relaxed);
            if now != last {
                last = now;
                since = Instant::now();
            } else if since.elapsed() >= Duration::from_secs(hang_secs) {
                fail(&format!("HANG: one op has been running for more than {hang_secs} s (real time)"));
            }
        }
    });
}

/// Run summary.
pub struct Summary {
    pub calls: u64,
    pub ops: u64,
    pub secs: f64,
    pub digest: u64,
    pub text: String,
}

fn fnv(h: &mut u64, s: &str) {
    for b in s.bytes() {
        *h ^= b as u64;
        *h = h.wrapping_mul(0x100_0000_01b3);
    }
}

fn start_epoch(w: &mut World, seed: u64, target: Option<Counters>) {
    let c = w.reset_world(target);
    let mut log = LOG.lock().unwrap();
    log.seed = seed;
    log.counters = c;
    log.entries.clear();
}

/// Log `op` before it runs (a hang shows it), as op `w.op_index`.
fn begin(w: &World, op: &Op) {
    let mut log = LOG.lock().unwrap();
    log.entries.push(Entry { index: w.op_index, op: op.clone(), out: "(running)".into() });
    log.current = w.op_index;
}

/// Log the outcome of the op just run, and of parked calls that finished meanwhile.
fn record(w: &World, op: &Op, out: &Outcome, digest: &mut u64) {
    let mut log = LOG.lock().unwrap();
    let out = out.to_string();
    fnv(digest, &op.to_line());
    fnv(digest, &out);
    if let Some(e) = log.entries.last_mut() {
        e.out = out;
    }
    for (i, o) in &w.finished {
        let o = format!("{o} (finished at op {})", w.op_index - 1);
        if let Some(e) = log.entries.iter_mut().rev().find(|e| e.index == *i) {
            e.out = o;
        }
    }
    log.calls = w.stats.calls;
}

/// Fuzz until `cfg.calls` syscalls have run or `cfg.secs` have passed.
pub fn fuzz(cfg: &Config) -> Summary {
    let mut w = World::new(cfg.allowed_bugs.clone());
    let mut g = Gen::new(cfg.seed);
    let start = Instant::now();
    let mut digest = 0xcbf2_9ce4_8422_2325u64;
    start_epoch(&mut w, cfg.seed, None);
    let mut epoch_start = w.op_index;
    let mut next_report = 10.0;
    let mut slowest = (Duration::ZERO, String::new());
    loop {
        if cfg.calls.is_some_and(|n| w.stats.calls >= n) {
            break;
        }
        if w.op_index.is_multiple_of(256) {
            let t = start.elapsed().as_secs_f64();
            if cfg.secs.is_some_and(|s| t >= s) {
                break;
            }
            if t >= next_report {
                next_report += 10.0;
                let b = w.baseline.last().copied().unwrap_or_default();
                eprintln!(
                    "fuzz: {} calls in {:.0} s ({:.0}/s), {} resets, heap {} MiB, frames {} MiB; after the last reset: \
                     {} frames, {} KiB heap, {} processes",
                    w.stats.calls,
                    t,
                    w.stats.calls as f64 / t,
                    w.stats.resets,
                    guard::LIVE.load(Ordering::Relaxed) >> 20,
                    guard::FRAMES.load(Ordering::Relaxed) >> 8,
                    b.frames,
                    b.heap >> 10,
                    b.processes
                );
            }
        }
        // (Frames may run out: the kernel must cope, its OOM killer ends a process.)
        let crowded = guard::LIVE.load(Ordering::Relaxed) > 384 << 20;
        if w.op_index - epoch_start >= cfg.reset_every || crowded {
            start_epoch(&mut w, cfg.seed, None);
            epoch_start = w.op_index;
        }
        let op = g.next(&w);
        begin(&w, &op);
        let t0 = Instant::now();
        let out = w.apply(&op);
        let took = t0.elapsed();
        if took > slowest.0 {
            slowest = (took, op.to_string());
        }
        if cfg.verbose {
            println!("{:>7}: {op} = {out}", w.op_index - 1);
        }
        record(&w, &op, &out, &mut digest);
        PROGRESS.fetch_add(1, Ordering::Relaxed);
    }
    // The end is a reset too: every blocked call must end when its process is killed.
    w.reset_world(None);
    FINISHED.store(true, Ordering::Relaxed);
    let secs = start.elapsed().as_secs_f64();
    let mut text = summary(&w, secs);
    text += &format!("slowest op: {:.3} s, {}\n", slowest.0.as_secs_f64(), slowest.1);
    Summary { calls: w.stats.calls, ops: w.op_index, secs, digest, text }
}

fn summary(w: &World, secs: f64) -> String {
    let s = &w.stats;
    let distinct = s.per_sysno.len();
    let in_table = |n: &usize| crate::gen::SPECS.iter().any(|(m, _)| m.0 == *n);
    let implemented = s.per_sysno.keys().filter(|n| in_table(n)).count();
    let succeeded = s.per_sysno.iter().filter(|(n, (_, ok))| in_table(n) && *ok > 0).count();
    let mut t = format!(
        "{} calls ({} through the trap path) and {} other traps in {} ops, {:.1} s: {:.0} calls/s\n",
        s.calls,
        s.trap_calls,
        s.traps,
        s.ops,
        secs,
        s.calls as f64 / secs
    );
    t += &format!(
        "{distinct} distinct syscall numbers, {implemented} of them implemented ({succeeded} of those with at least one \
         success); \
         {} threads forked/cloned\n",
        s.spawned_threads
    );
    t += &format!(
        "{} calls blocked, {} processes killed to unstick one, {} world resets, {} calls skipped (known bugs, harness limits), \
         {} frame allocations refused\n",
        s.blocked,
        s.killed_to_unstick,
        s.resets,
        s.avoided,
        guard::FRAMES_REFUSED.load(Ordering::Relaxed)
    );
    if !s.known.is_empty() {
        let v: Vec<String> = s.known.iter().map(|(id, n)| format!("{id} {n}")).collect();
        t += &format!("known bugs and harness limits met (calls): {}\n", v.join(", "));
    }
    let mut never: Vec<&str> = crate::gen::SPECS
        .iter()
        .filter(|(n, _)| s.per_sysno.get(&n.0).is_none_or(|(_, ok)| *ok == 0))
        .filter_map(|(n, _)| n.name())
        .collect();
    // A call with several rows in SPECS is named once.
    never.dedup();
    if std::env::var_os("FUZZ_STATS").is_some() {
        for (n, (calls, ok)) in &s.per_sysno {
            let name = abi::Sysno(*n).name().map_or_else(|| n.to_string(), String::from);
            if *calls > 50 {
                t += &format!("  {name:20} {calls:8} {ok:8}\n");
            }
        }
    }
    if !never.is_empty() {
        t += &format!("implemented calls that never succeeded: {}\n", never.join(" "));
    }
    t
}

/// Run the ops of a replay file from a fresh world, printing each with its outcome.
pub fn replay(path: &str, cfg: &Config) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("fuzz: cannot read {path}: {e}");
        std::process::exit(2)
    });
    let mut w = World::new(cfg.allowed_bugs.clone());
    let mut counters = None;
    let mut ops = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(c) = line.strip_prefix("counters ") {
            counters = Counters::parse(c);
            continue;
        }
        match Op::parse(line) {
            Some(op) => ops.push(op),
            None => {
                eprintln!("fuzz: {path}:{}: not an op: {line}", n + 1);
                std::process::exit(2);
            }
        }
    }
    let mut digest = 0;
    start_epoch(&mut w, cfg.seed, counters);
    for op in &ops {
        begin(&w, op);
        let out = w.apply(op);
        if cfg.verbose {
            println!("{:>7}: {op} = {out}", w.op_index - 1);
            for (i, o) in &w.finished {
                println!("         (op {i} finished: {o})");
            }
        }
        record(&w, op, &out, &mut digest);
        PROGRESS.fetch_add(1, Ordering::Relaxed);
    }
    w.reset_world(None);
    FINISHED.store(true, Ordering::Relaxed);
    println!("replayed {} ops: no failure", ops.len());
}
