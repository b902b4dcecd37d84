//! The world the fuzzer plays in: a file tree, an init that reaps orphans, and a pool of user
//! threads that make the calls. [`World::apply`] runs one [`Op`] the same way for a fuzz run
//! and for a replay; everything else the world does (picking up forked threads, ending killed
//! ones, unsticking blocked calls) follows from the ops deterministically.
//!
//! Each call runs as a task of the executor with a bounded amount of work and virtual time. A
//! call still waiting after that stays parked (its thread is blocked, as a thread of a real
//! program would be) and may finish during a later op; one blocked too long has its process
//! SIGKILLed, after which the call must finish within a few ops (a liveness check).
use crate::op::{Op, Poke};
use abi::signal::SIGKILL;
use abi::Sysno;
use core::future::Future;
use core::pin::pin;
use core::task::{Poll, Waker};
use fs::{FileKind, Inode, InodeRef};
use hal::context::{reg, Trap};
use mm::aspace::AreaKind;
use mm::Perm;
use std::sync::{Arc, Mutex};
use syscalls::testing::{TestKernel, READONLY, READONLY_TEXT, SCRATCH, SCRATCH_LEN};
use syscalls::Caller;
use task::process::ExitStatus;

/// Threads in the pool at most (new ones beyond end at once, as if they called exit).
pub const MAX_THREADS: usize = 24;
/// Processes a fresh world starts with.
pub const START_PROCESSES: usize = 4;
/// Blocked calls at most; beyond, the oldest one's process is killed.
pub const MAX_BLOCKED: usize = 8;
/// Ops a call may stay blocked before its process is killed.
pub const MAX_BLOCKED_OPS: u64 = 48;
/// Ops a SIGKILLed thread's call may take to finish.
pub const KILL_GRACE_OPS: u64 = 3;
/// Timer expiries the executor may jump to while running one op.
pub const MAX_TIMER_JUMPS: usize = 6;
/// Virtual time one op may move the clock forward by jumping to timers.
pub const VIRTUAL_BUDGET_NS: u64 = 3_000_000_000;
/// Virtual time that passes between two ops.
pub const TICK_NS: u64 = 20_000;

/// What an op did, for the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A call returned this a0.
    Ret(isize),
    /// A trap returned, the thread goes on (with a0 now this).
    Alive(isize),
    /// The thread ended.
    Ended,
    /// Still waiting after this op (it may finish later).
    Blocked,
    /// Not run: the thread named is gone or busy.
    NoThread,
    /// Not run: it would hit a known bug (the name in `KNOWN_BUGS`).
    Avoided(&'static str),
    /// A world op.
    Done,
}

impl core::fmt::Display for Outcome {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let ret = |f: &mut core::fmt::Formatter<'_>, r: isize| {
            if (-4095..0).contains(&r) {
                match abi::Errno::from_raw(-r as i32) {
                    Some(e) => write!(f, "-{e:?}"),
                    None => write!(f, "{r}"),
                }
            } else if r.unsigned_abs() > 0xffff {
                write!(f, "{r:#x}")
            } else {
                write!(f, "{r}")
            }
        };
        match self {
            Outcome::Ret(r) => ret(f, *r),
            Outcome::Alive(r) => {
                write!(f, "a0 = ")?;
                ret(f, *r)
            }
            Outcome::Ended => write!(f, "thread ended"),
            Outcome::Blocked => write!(f, "blocked"),
            Outcome::NoThread => write!(f, "no such idle thread"),
            Outcome::Avoided(b) => write!(f, "skipped (known bug {b})"),
            Outcome::Done => write!(f, "done"),
        }
    }
}

/// The outcome of a call running as a task, once it has finished.
#[derive(Default)]
pub struct Done(Mutex<Option<Outcome>>);

impl Done {
    fn take(&self) -> Option<Outcome> {
        self.0.lock().unwrap().take()
    }
    fn finished(&self) -> bool {
        self.0.lock().unwrap().is_some()
    }
}

/// A call that has not finished.
pub struct Busy {
    done: Arc<Done>,
    /// The op (index in the run) that started it.
    pub op: u64,
    pub desc: String,
    /// When its process was SIGKILLed to unstick it.
    killed_at: Option<u64>,
    /// A clone with CLONE_VFORK: waits for the child, not for signals.
    vfork: bool,
    /// The child of a vfork clone.
    vfork_child: Option<usize>,
}

pub struct Slot {
    pub cx: Caller,
    pub busy: Option<Busy>,
    /// The last trap left the thread at a signal handler (a sigreturn makes sense next).
    pub in_handler: bool,
}

impl Slot {
    pub fn tid(&self) -> usize {
        self.cx.thread().tid()
    }
}

/// Counters for the summary.
#[derive(Default, Debug, Clone)]
pub struct Stats {
    pub ops: u64,
    pub calls: u64,
    pub trap_calls: u64,
    pub traps: u64,
    pub blocked: u64,
    pub killed_to_unstick: u64,
    pub resets: u64,
    pub avoided: u64,
    pub spawned_threads: u64,
    /// Calls per syscall number, and how many of them succeeded.
    pub per_sysno: std::collections::BTreeMap<usize, (u64, u64)>,
    /// Calls that would hit a known bug (or a harness limit), by its id, skipped or run.
    pub known: std::collections::BTreeMap<&'static str, u64>,
}

/// What is allocated after a world reset, when no process of it is left.
#[derive(Clone, Copy, Debug, Default)]
pub struct Baseline {
    pub frames: usize,
    pub heap: usize,
    pub processes: usize,
}

/// What finished since the last look: (op index, outcome).
pub type Finished = Vec<(u64, Outcome)>;

pub struct World {
    pub k: TestKernel,
    pub slots: Vec<Slot>,
    pub init: Caller,
    /// The index of the op being run (counts every op of the run).
    pub op_index: u64,
    pub stats: Stats,
    /// Known bugs to steer clear of (`None`: all of them).
    pub allowed_bugs: Vec<String>,
    /// Outcomes of parked calls that finished during the last op.
    pub finished: Finished,
    /// What was left after each reset.
    pub baseline: Vec<Baseline>,
}

/// The program every exec test runs: a minimal static riscv64 ELF (one PT_LOAD, entry at its
/// start; it is never executed on the host).
pub fn tiny_elf() -> Vec<u8> {
    let mut e = Vec::new();
    e.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    e.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    e.extend_from_slice(&243u16.to_le_bytes()); // EM_RISCV
    e.extend_from_slice(&1u32.to_le_bytes());
    e.extend_from_slice(&0x10078u64.to_le_bytes()); // entry
    e.extend_from_slice(&64u64.to_le_bytes()); // phoff
    e.extend_from_slice(&0u64.to_le_bytes()); // shoff
    e.extend_from_slice(&0u32.to_le_bytes());
    for v in [64u16, 56, 1, 0, 0, 0] {
        e.extend_from_slice(&v.to_le_bytes());
    }
    // PT_LOAD R+X of the whole file at 0x10000.
    e.extend_from_slice(&1u32.to_le_bytes());
    e.extend_from_slice(&5u32.to_le_bytes());
    for v in [0u64, 0x10000, 0x10000, 0x80, 0x80, 0x1000] {
        e.extend_from_slice(&v.to_le_bytes());
    }
    // li a7, 93; ecall (exit)
    e.extend_from_slice(&0x05d0_0893u32.to_le_bytes());
    e.extend_from_slice(&0x0000_0073u32.to_le_bytes());
    e.resize(0x80, 0);
    e
}

/// Files of a fresh world, besides /dev, /proc and /tmp.
fn build_tree(root: &InodeRef) {
    let dir = |parent: &InodeRef, name: &str| parent.create(name, FileKind::Directory, 0o755).expect("fixture dir");
    let file = |parent: &InodeRef, name: &str, data: &[u8], mode: u32| {
        let f: InodeRef = fs::ramfs::RamFile::new(mode, data.to_vec());
        parent.link(name, f).expect("fixture file");
    };
    for d in ["dev", "proc"] {
        dir(root, d);
    }
    root.create("tmp", FileKind::Directory, 0o1777).expect("tmp");
    let etc = dir(root, "etc");
    file(&etc, "passwd", b"root:x:0:0:root:/root:/bin/sh\n", 0o644);
    file(&etc, "hostname", b"bakaex\n", 0o644);
    let bin = dir(root, "bin");
    file(&bin, "true", &tiny_elf(), 0o755);
    file(&bin, "script", b"#!/bin/true -x\necho\n", 0o755);
    file(&bin, "loop", b"#!/bin/loop\n", 0o755);
    file(&bin, "garbage", &crate::rng::Rng::new(1).bytes(300), 0o755);
    file(&bin, "noexec", &tiny_elf(), 0o644);
    let home = dir(root, "home");
    let user = dir(&home, "user");
    dir(&user, "sub");
    let data = dir(root, "data");
    file(&data, "small", b"hello\n", 0o644);
    file(&data, "page", &[b'x'; 4096], 0o600);
    file(&data, "empty", b"", 0o000);
    for (name, target) in [
        ("link", "/etc/passwd"),
        ("loop", "loop"),
        ("dangling", "/nowhere"),
        ("dirlink", "/home"),
        ("rel", "data/small"),
    ] {
        root.symlink(name, target).expect("fixture symlink");
    }
}

/// The files of a fresh /tmp (a tmpfs mounted by `mount_standard`).
fn build_tmp(root: &InodeRef) {
    let tmp = fs::vfs::covered(root.lookup("tmp").expect("/tmp"));
    let f = tmp.create("f0", FileKind::Regular, 0o644).expect("/tmp/f0");
    f.write_at(0, b"zero\n").expect("write /tmp/f0");
    let d = tmp.create("d0", FileKind::Directory, 0o755).expect("/tmp/d0");
    d.create("f", FileKind::Regular, 0o644).expect("/tmp/d0/f");
    tmp.create("fifo", FileKind::Fifo, 0o644).expect("/tmp/fifo");
}

/// Remove everything under `dir` (its own file system only; mounts are gone by now).
fn wipe(dir: &InodeRef) {
    let Ok(entries) = dir.read_dir() else { return };
    for e in entries {
        if e.name == "." || e.name == ".." {
            continue;
        }
        let Ok(node) = dir.lookup(&e.name) else { continue };
        if node.kind() == FileKind::Directory {
            wipe(&node);
            let _ = dir.rmdir(&e.name);
        } else {
            let _ = dir.unlink(&e.name);
        }
    }
}

/// Run `fut` to its end if it does not wait; `None` (and dropped) if it does.
pub fn poll_once<F: Future>(fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut cx = core::task::Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

/// A process as `TestKernel::spawn` makes it, or `None` when memory is short (frames are
/// limited; see `guard`).
fn spawn_process(k: &TestKernel) -> Option<Caller> {
    let mut mm = mm::AddressSpace::new().ok()?;
    mm.map(SCRATCH, SCRATCH_LEN, Perm::R | Perm::W, AreaKind::Anonymous).ok()?;
    mm.map(READONLY, 4096, Perm::R, AreaKind::Anonymous).ok()?;
    mm.fill_bytes(READONLY, READONLY_TEXT).ok()?;
    mm.init_brk(0x4000_0000);
    let files = syscalls::exec::console_fds().ok()?;
    let p = task::Process::new(None, mm, files, task::process::root_context(k.root.clone()));
    let ctx = hal::context::UserContext::new(0x1000, SCRATCH + SCRATCH_LEN);
    Some(Caller::new(task::Thread::new_main(&p, ctx)))
}

/// Where the global counters stand (pids, inode and device numbers, the clock), so that a
/// replay can start its world where the original epoch started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub pid: usize,
    pub ino: u64,
    pub dev: u64,
    pub clock: u64,
}

impl Counters {
    pub const ZERO: Counters = Counters { pid: 0, ino: 0, dev: 0, clock: 0 };

    /// Take one of each counter (to know where they are), first taking more until they reach
    /// `target` if given.
    fn sync(root: &InodeRef, target: Option<Counters>) -> Counters {
        let t = target.unwrap_or_default();
        hal::time::advance_to(t.clock);
        let dummy = task::Process::new(
            None,
            mm::AddressSpace::linked().expect("linked space"),
            task::FdTable::new(),
            task::process::root_context(root.clone()),
        );
        let pid = loop {
            let th = task::Thread::new_in(&dummy, hal::context::UserContext::default());
            if th.tid() >= t.pid {
                break th.tid();
            }
        };
        let ino = loop {
            let i = fs::meta::next_ino();
            if i >= t.ino {
                break i;
            }
        };
        let dev = loop {
            // Minor numbers of major 0 (alloc_dev's encoding is not monotonic itself).
            let d = fs::meta::dev_minor(fs::meta::alloc_dev()) as u64;
            if d >= t.dev {
                break d;
            }
        };
        Counters { pid, ino, dev, clock: hal::time::now_ns() }
    }

    pub fn to_line(&self) -> String {
        format!("{} {} {} {}", self.pid, self.ino, self.dev, self.clock)
    }

    pub fn parse(s: &str) -> Option<Counters> {
        let v: Vec<u64> = s.split_whitespace().map(|x| x.parse().ok()).collect::<Option<_>>()?;
        match v[..] {
            [pid, ino, dev, clock] => Some(Counters { pid: pid as usize, ino, dev, clock }),
            _ => None,
        }
    }
}

/// End a thread the way the kernel's thread loop does when it leaves.
fn end_thread(t: &Arc<task::Thread>) {
    t.exit(0);
    t.process.release_mm();
}

impl World {
    pub fn new(allowed_bugs: Vec<String>) -> World {
        // The machine's memory: the kernel keeps its frames within it (an OOM kill beyond).
        mm::frame::set_host_limit(crate::guard::MAX_FRAMES.load(core::sync::atomic::Ordering::Relaxed));
        let root: InodeRef = fs::ramfs::RamDir::new_root();
        build_tree(&root);
        syscalls::fs::mount_standard(&root).expect("standard mounts");
        build_tmp(&root);
        let k = TestKernel { root };
        // As TestKernel::new does: ^C and friends signal the terminal's foreground group.
        fs::tty::set_signal_hook(|pgrp, sig| {
            let _ = task::signal::send_to_group(pgrp as usize, sig);
        });
        let _ = hal::console::take_output();
        let init = spawn_process(&k).expect("init");
        k.make_init(&init);
        let mut w = World {
            k,
            slots: Vec::new(),
            init,
            op_index: 0,
            stats: Stats::default(),
            allowed_bugs,
            finished: Vec::new(),
            baseline: Vec::new(),
        };
        for _ in 0..START_PROCESSES {
            w.spawn();
        }
        w
    }

    /// Whether the known bug `id` may be hit (`--allow-known-bug`).
    pub fn allowed(&self, id: &str) -> bool {
        self.allowed_bugs.iter().any(|b| b == id || b == "all")
    }

    /// A fresh process joins the pool, with a few files open as a program would have
    /// (descriptors 3..=9: /tmp/f0 read-write, /data/page, the directory /tmp/d0, /dev/null,
    /// /dev/zero, and a pipe).
    fn spawn(&mut self) {
        if self.slots.len() >= MAX_THREADS {
            return;
        }
        let Some(cx) = spawn_process(&self.k) else { return };
        let at = SCRATCH + 0xf_0000;
        for (path, flags) in
            [("/tmp/f0", 2usize), ("/data/page", 0), ("/tmp/d0", 0o200000), ("/dev/null", 2), ("/dev/zero", 0)]
        {
            let mut b = path.as_bytes().to_vec();
            b.push(0);
            let _ = cx.mm().fill_bytes(at, &b);
            let _ = poll_once(syscalls::dispatch(&cx, Sysno::openat.0, [-100isize as usize, at, flags, 0, 0, 0]));
        }
        let _ = poll_once(syscalls::dispatch(&cx, Sysno::pipe2.0, [at, 0, 0, 0, 0, 0]));
        self.slots.push(Slot { cx, busy: None, in_handler: false });
    }

    pub fn slot(&self, tid: usize) -> Option<&Slot> {
        self.slots.iter().find(|s| s.tid() == tid)
    }

    pub fn idle(&self) -> impl Iterator<Item = &Slot> {
        self.slots.iter().filter(|s| s.busy.is_none())
    }

    /// Run the executor for one op: tasks that can run, then the clock jumps to the next timer
    /// (a bounded number of times, within a virtual-time budget) until `done` has finished.
    fn drive(&self, done: Option<&Done>) {
        let limit = hal::time::now_ns().saturating_add(VIRTUAL_BUDGET_NS);
        let mut jumps = 0;
        loop {
            task::executor::run_ready();
            if done.is_some_and(|d| d.finished()) {
                return;
            }
            match task::executor::next_deadline() {
                Some(d) if d <= limit && jumps < MAX_TIMER_JUMPS => {
                    hal::time::advance_to(d);
                    task::executor::fire_timers(d);
                    jumps += 1;
                }
                _ => return,
            }
        }
    }

    /// Start `fut` (a call of the thread in slot `i`) as a task and drive it for one op.
    fn run_call<F>(&mut self, i: usize, fut: F, desc: String, vfork: bool) -> Outcome
    where
        F: Future<Output = Outcome> + Send + 'static,
    {
        let done = Arc::new(Done::default());
        let d = done.clone();
        task::executor::spawn(async move {
            let r = fut.await;
            *d.0.lock().unwrap() = Some(r);
        });
        self.drive(Some(&done));
        match done.take() {
            Some(r) => r,
            None => {
                self.stats.blocked += 1;
                self.slots[i].busy =
                    Some(Busy { done, op: self.op_index, desc, killed_at: None, vfork, vfork_child: None });
                Outcome::Blocked
            }
        }
    }

    /// Run one op. Returns its outcome; parked calls that finished meanwhile are in `finished`.
    pub fn apply(&mut self, op: &Op) -> Outcome {
        self.finished.clear();
        let now = hal::time::now_ns() + TICK_NS;
        hal::time::advance_to(now);
        task::executor::fire_timers(now);
        self.stats.ops += 1;
        let out = match op {
            Op::Spawn => {
                self.spawn();
                Outcome::Done
            }
            Op::Reset => {
                self.reset_world(None);
                Outcome::Done
            }
            Op::Input(bytes) => {
                self.k.type_input(bytes);
                self.drive(None);
                Outcome::Done
            }
            Op::Trap { tid, kind } => {
                let Some(i) = self.slots.iter().position(|s| s.tid() == *tid && s.busy.is_none()) else {
                    return self.after(Outcome::NoThread);
                };
                self.stats.traps += 1;
                let cx = Caller::new(self.slots[i].cx.thread().clone());
                let trap = kind.trap();
                let fut = async move {
                    let alive = uspace::handle_user_trap(&cx, trap).await;
                    if alive {
                        Outcome::Alive(cx.thread().ctx.lock().x[reg::A0] as isize)
                    } else {
                        Outcome::Ended
                    }
                };
                let out = self.run_call(i, fut, op.to_string(), false);
                self.note_handler(i);
                out
            }
            Op::Call { tid, trap, nr, args, pokes } => {
                let Some(i) = self.slots.iter().position(|s| s.tid() == *tid && s.busy.is_none()) else {
                    return self.after(Outcome::NoThread);
                };
                let cx = Caller::new(self.slots[i].cx.thread().clone());
                for Poke { addr, bytes } in pokes {
                    let _ = cx.mm().fill_bytes(*addr, bytes);
                }
                if let Some(bug) = crate::known::avoid(self, &cx, *nr, args) {
                    self.stats.avoided += 1;
                    return self.after(Outcome::Avoided(bug));
                }
                self.stats.calls += 1;
                let vfork = *nr == Sysno::clone.0 && args[0] as u64 & abi::process::CLONE_VFORK != 0;
                let (nr, args) = (*nr, *args);
                let out = if *trap {
                    self.stats.trap_calls += 1;
                    {
                        let mut ctx = cx.thread().ctx.lock();
                        ctx.x[reg::A7] = nr;
                        ctx.x[reg::A0..reg::A0 + 6].copy_from_slice(&args);
                    }
                    let fut = async move {
                        let pc = cx.thread().ctx.lock().sepc;
                        let alive = uspace::handle_user_trap(&cx, Trap::Syscall).await;
                        let (a0, pc_after) = {
                            let ctx = cx.thread().ctx.lock();
                            (ctx.x[reg::A0] as isize, ctx.sepc)
                        };
                        // The trap path turns the kernel's restart codes into EINTR or a restart
                        // (the pc back on the ecall); a program must never get one as a result.
                        assert!(
                            !alive || pc_after != pc.wrapping_add(4) || !(-516..=-512).contains(&a0),
                            "an ERESTART code ({a0}) reached user mode as the result of syscall {:?}",
                            Sysno(nr)
                        );
                        if alive {
                            Outcome::Alive(a0)
                        } else {
                            Outcome::Ended
                        }
                    };
                    let out = self.run_call(i, fut, op.to_string(), vfork);
                    self.note_handler(i);
                    out
                } else {
                    // Guard bytes around the buffers the call may write, unless another thread
                    // of the same memory is in a call that may write it too.
                    let mm = cx.process().mm.get();
                    let alone =
                        !self.slots.iter().any(|s| s.busy.is_some() && Arc::ptr_eq(&s.cx.process().mm.get(), &mm));
                    let guards = alone.then(|| crate::oracle::arm(&cx, nr, &args));
                    let check = Caller::new(cx.thread().clone());
                    let fut = async move { Outcome::Ret(syscalls::dispatch(&cx, nr, args).await) };
                    let out = self.run_call(i, fut, op.to_string(), vfork);
                    if let (Outcome::Ret(r), Some(g)) = (&out, guards) {
                        crate::oracle::check(&check, nr, &args, *r, &g);
                    }
                    out
                };
                let e = self.stats.per_sysno.entry(nr).or_default();
                e.0 += 1;
                if matches!(out, Outcome::Ret(r) | Outcome::Alive(r) if r >= 0) {
                    e.1 += 1;
                }
                out
            }
        };
        self.after(out)
    }

    /// Remember whether the thread in slot `i` now sits at the start of a signal handler.
    fn note_handler(&mut self, i: usize) {
        if let Some(s) = self.slots.get_mut(i) {
            if s.busy.is_none() {
                let pc = s.cx.thread().ctx.lock().sepc;
                let sig_arg = s.cx.thread().ctx.lock().x[reg::A0];
                // A handler starts with a0 = the signal number and ra = the trampoline.
                s.in_handler = (1..=64).contains(&sig_arg) && pc != 0x1000 && pc % 4 == 0;
            }
        }
    }

    /// Everything that follows an op: new threads join, ended ones leave, blocked calls that
    /// finished are collected, stuck ones unstuck, the pool refilled.
    fn after(&mut self, out: Outcome) -> Outcome {
        self.collect();
        self.unstick();
        if self.op_index.is_multiple_of(16) {
            self.reap();
        }
        if self.slots.iter().all(|s| s.busy.is_some()) {
            self.spawn();
        }
        if self.slots.len() < 2 {
            self.spawn();
        }
        if self.op_index.is_multiple_of(64) {
            let _ = hal::console::take_output();
        }
        self.op_index += 1;
        out
    }

    fn collect(&mut self) {
        for t in task::take_spawned() {
            self.stats.spawned_threads += 1;
            // The child of a vfork is what its parent waits for.
            let op = self.op_index;
            let parent_waits = self
                .slots
                .iter_mut()
                .filter_map(|s| s.busy.as_mut())
                .find(|b| b.vfork && b.vfork_child.is_none() && b.op == op);
            if let Some(b) = parent_waits {
                b.vfork_child = Some(t.process.pid);
            }
            if self.slots.len() < MAX_THREADS {
                self.slots.push(Slot { cx: Caller::new(t), busy: None, in_handler: false });
            } else {
                end_thread(&t);
            }
        }
        for s in self.slots.iter_mut() {
            if let Some(b) = &s.busy {
                if let Some(r) = b.done.take() {
                    self.finished.push((b.op, r));
                    s.busy = None;
                }
            }
        }
        self.slots.retain(|s| {
            let t = s.cx.thread();
            if s.busy.is_none() && (t.exiting() || t.has_exited()) {
                end_thread(t);
                false
            } else {
                true
            }
        });
        // A process that replaced its memory (execve) gets its scratch areas back, as the
        // program would map them again.
        for s in &self.slots {
            let mut mm = s.cx.mm();
            if mm.area_at(SCRATCH).is_none() && !mm.overlaps(SCRATCH, SCRATCH + SCRATCH_LEN) {
                let _ = mm.map(SCRATCH, SCRATCH_LEN, Perm::R | Perm::W, AreaKind::Anonymous);
            }
            if mm.area_at(READONLY).is_none() && !mm.overlaps(READONLY, READONLY + 4096) {
                let _ = mm.map(READONLY, 4096, Perm::R, AreaKind::Anonymous);
                let _ = mm.fill_bytes(READONLY, READONLY_TEXT);
            }
        }
    }

    /// Blocked calls: kill the process of one blocked too long (or of the oldest when too many
    /// are); a killed thread's call must then finish soon.
    fn unstick(&mut self) {
        let now = self.op_index;
        let blocked = self.slots.iter().filter(|s| s.busy.is_some()).count();
        let mut oldest: Option<(u64, usize)> = None;
        for (i, s) in self.slots.iter().enumerate() {
            let Some(b) = &s.busy else { continue };
            if let Some(k) = b.killed_at {
                assert!(
                    now - k <= KILL_GRACE_OPS,
                    "liveness: the call {} (started at op {}) of thread {} did not finish {} ops after its process was \
                     killed with SIGKILL",
                    b.desc,
                    b.op,
                    s.tid(),
                    now - k
                );
                continue;
            }
            if oldest.is_none_or(|(op, _)| b.op < op) {
                oldest = Some((b.op, i));
            }
        }
        if let Some((op, i)) = oldest {
            if now - op > MAX_BLOCKED_OPS || blocked > MAX_BLOCKED {
                self.kill_to_unstick(i);
            }
        }
    }

    fn kill_to_unstick(&mut self, i: usize) {
        self.stats.killed_to_unstick += 1;
        let now = self.op_index;
        let s = &mut self.slots[i];
        let b = s.busy.as_mut().expect("busy");
        b.killed_at = Some(now);
        // A vfork parent waits for its child (it may be stopped, too): end both.
        if let Some(child) = b.vfork_child.and_then(task::process::lookup) {
            task::signal::send_to_process(&child, SIGKILL);
        }
        task::signal::send_to_process(s.cx.process(), SIGKILL);
        self.drive(None);
        self.collect();
    }

    /// init waits for every zombie it has (orphans are its children).
    fn reap(&mut self) {
        for _ in 0..64 {
            let args = [usize::MAX, 0, (abi::process::WNOHANG | abi::process::__WALL) as usize, 0, 0, 0];
            match poll_once(syscalls::dispatch(&self.init, Sysno::wait4.0, args)) {
                Some(pid) if pid > 0 => continue,
                _ => break,
            }
        }
    }

    /// Kill every process, check that every call ends, and start again from a fresh tree.
    /// The counters the new world starts from are returned; with `target`, they are first
    /// brought up to those of another run (a replay).
    pub fn reset_world(&mut self, target: Option<Counters>) -> Counters {
        self.stats.resets += 1;
        let init_pid = self.init.process().pid;
        for p in task::process::all() {
            if p.pid != init_pid {
                task::signal::send_to_process(&p, SIGKILL);
            }
        }
        for _ in 0..4 {
            self.drive(None);
            self.collect();
        }
        if let Some(s) = self.slots.iter().find(|s| s.busy.is_some()) {
            let b = s.busy.as_ref().expect("busy");
            panic!(
                "liveness: the call {} (started at op {}) of thread {} did not finish after SIGKILL to every process",
                b.desc,
                b.op,
                s.tid()
            );
        }
        for s in self.slots.drain(..) {
            end_thread(s.cx.thread());
        }
        for t in task::take_spawned() {
            end_thread(&t);
        }
        self.reap();
        // Processes nobody waits for (they had no parent) are gone by now; init goes too.
        end_thread(self.init.thread());
        for m in fs::vfs::mounts().into_iter().rev() {
            if m.mountpoint.is_some() {
                let _ = fs::vfs::umount(&m, true);
            }
        }
        wipe(&self.k.root);
        task::mqueue::reset_namespace();
        // Nothing of the old world is left: what is still allocated now is the baseline, which
        // must not grow from one reset to the next (a leak).
        self.baseline.push(Baseline {
            frames: mm::frame::allocated(),
            heap: crate::guard::LIVE.load(core::sync::atomic::Ordering::Relaxed),
            processes: task::process::all().len(),
        });
        self.check_leaks();
        let counters = Counters::sync(&self.k.root, target);
        build_tree(&self.k.root);
        syscalls::fs::mount_standard(&self.k.root).expect("standard mounts");
        build_tmp(&self.k.root);
        let _ = hal::console::take_output();
        while hal::console::read_byte().is_some() {}
        self.init = spawn_process(&self.k).expect("init");
        self.k.make_init(&self.init);
        // The console is one for all worlds: its settings and typed input start afresh too.
        if let Some(tty) = fs::dev::CONSOLE.tty() {
            tty.flush_input();
            tty.set_termios(fs::tty::default_termios());
            tty.set_winsize(abi::structs::Winsize { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 });
            tty.set_pgrp(self.init.process().pid as i32);
        }
        for _ in 0..START_PROCESSES {
            self.spawn();
        }
        self.drive(None);
        counters
    }

    /// What a reset leaves must not grow: no process may outlive its world, and the frames
    /// and heap left stay near what the first resets left (the second one's heap holds the
    /// log of a whole epoch, as every later one does).
    fn check_leaks(&self) {
        let now = self.baseline[self.baseline.len() - 1];
        let first = self.baseline[1.min(self.baseline.len() - 1)];
        let leftover: Vec<String> = task::process::all()
            .iter()
            .map(|p| format!("pid {} ({:?}, zombie {})", p.pid, p.exit_status(), p.is_zombie()))
            .collect();
        assert!(now.processes == 0, "leak: processes outlive the world that was reset: {leftover:?}");
        assert!(
            now.frames <= first.frames + 256,
            "leak: {} frames are left after a reset (the first reset left {})",
            now.frames,
            first.frames
        );
        assert!(
            now.heap <= first.heap + (64 << 20),
            "leak: {} KiB of heap are left after a reset (the first reset left {} KiB)",
            now.heap >> 10,
            first.heap >> 10
        );
    }

    /// How the init of this world ended, if it did (it must not: it only reaps).
    pub fn init_status(&self) -> Option<ExitStatus> {
        self.init.process().exit_status()
    }
}
