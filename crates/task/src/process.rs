//! Processes and threads: the pid table, parents and children, process groups and sessions,
//! exit, zombies and wait.
//!
//! For other components:
//! * [`lookup`]`(pid) -> Option<Arc<Process>>` and [`all`]`() -> Vec<Arc<Process>>` (procfs):
//!   live processes and zombies not yet reaped, lowest pid first.
//! * [`lookup_thread`]`(tid)`; [`Process::threads_alive`].
//! * [`Process::pgid`], [`Process::sid`], [`Process::ppid`], [`Process::exit_status`],
//!   [`Process::is_zombie`], [`Process::stopped`] (a procfs state letter).
//! * Signals are in [`crate::signal`]; futexes in [`crate::futex`].
//!
//! A process is a thread group. Its address space, descriptor table, fs context and signal
//! handlers are [`Shared`] values that clone(2) may share with another process (CLONE_VM etc.).
//! A thread that ends calls [`Thread::exit`] (directly from exit(2), or when it notices
//! that the process is ending); the last one makes the process a zombie: its descriptors are
//! closed, its children go to the child reaper (init), and the parent is told (SIGCHLD, its
//! wait queue). wait4 reaps the zombie ([`Process::wait_child`]).
use crate::cred::Cred;
use crate::fd_table::FdTable;
use crate::shared::{Shared, SharedGuard};
use crate::signal::{SigQueue, ThreadSignals};
use abi::process::*;
use abi::signal::*;
use abi::structs::{Rlimit, SigAction};
use abi::{flags::*, Errno, SysResult};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use fs::InodeRef;
use hal::context::UserContext;
use mm::AddressSpace;
use sync::{Mutex, WaitQueue};

pub type Pid = usize;

static NEXT_PID: AtomicUsize = AtomicUsize::new(1);

/// The credentials every new thread starts with (shared, never changed in place).
static ROOT_CRED: sync::Lazy<Arc<Cred>> = sync::Lazy::new(|| Arc::new(Cred::root()));

/// Every process and thread by id (weak: a process lives as long as its threads, its parent's
/// child list or someone else holds it), and the child reaper.
#[derive(Default)]
struct Table {
    processes: BTreeMap<Pid, Weak<Process>>,
    threads: BTreeMap<Pid, Weak<Thread>>,
    reaper: Weak<Process>,
}

/// On the machine there is one table; on the host each test thread has its own (like its
/// executor), so that kill(-1) in one test cannot reach another test's processes.
/// Never drop an `Arc<Process>`/`Arc<Thread>` inside `with_table`.
#[cfg(target_os = "none")]
fn with_table<R>(f: impl FnOnce(&mut Table) -> R) -> R {
    static TABLE: sync::Lazy<Mutex<Table>> = sync::Lazy::new(|| Mutex::new(Table::default()));
    f(&mut TABLE.lock())
}

#[cfg(not(target_os = "none"))]
fn with_table<R>(f: impl FnOnce(&mut Table) -> R) -> R {
    std::thread_local! {
        static TABLE: Mutex<Table> = Mutex::new(Table::default());
    }
    TABLE.with(|t| f(&mut t.lock()))
}

fn register_process(p: &Arc<Process>) {
    let w = Arc::downgrade(p);
    with_table(|t| {
        t.processes.retain(|_, w| w.strong_count() > 0);
        t.processes.insert(p.pid, w);
    });
}

fn register_thread(th: &Arc<Thread>) {
    let w = Arc::downgrade(th);
    with_table(|t| {
        t.threads.retain(|_, w| w.strong_count() > 0);
        t.threads.insert(th.tid(), w);
    });
}

/// The process with this pid (zombies included, reaped ones not).
pub fn lookup(pid: Pid) -> Option<Arc<Process>> {
    let p = with_table(|t| t.processes.get(&pid).and_then(Weak::upgrade))?;
    let reaped = p.state.lock().reaped;
    (!reaped).then_some(p)
}

/// Every process (zombies included), by pid.
pub fn all() -> Vec<Arc<Process>> {
    let v: Vec<Arc<Process>> = with_table(|t| t.processes.values().filter_map(Weak::upgrade).collect());
    v.into_iter().filter(|p| !p.state.lock().reaped).collect()
}

/// Threads in the system that have not ended (the count fork's threads-max limit checks).
pub fn thread_count() -> usize {
    let threads: Vec<Arc<Thread>> = with_table(|t| t.threads.values().filter_map(Weak::upgrade).collect());
    threads.iter().filter(|t| !t.has_exited()).count()
}

/// Linux's threads-max: the most threads the system holds, from its memory (room for eight
/// 16 KiB kernel stacks per thread, at least 20), as `kernel/fork.c` sets it at boot. fork
/// and clone fail with EAGAIN beyond it, for every user: what stops a fork bomb run by root
/// (whom RLIMIT_NPROC does not limit, on Linux as here), together with memory.
pub fn max_threads() -> usize {
    let bytes = mm::frame::total().saturating_mul(hal::mem::PAGE_SIZE);
    (bytes / (16 * 1024 * 8)).clamp(20, 0x3fff_ffff)
}

/// The thread with this tid, if it has not ended.
pub fn lookup_thread(tid: Pid) -> Option<Arc<Thread>> {
    let t = with_table(|t| t.threads.get(&tid).and_then(Weak::upgrade))?;
    (!t.has_exited()).then_some(t)
}

/// The processes of process group `pgid`.
pub fn group(pgid: Pid) -> Vec<Arc<Process>> {
    all().into_iter().filter(|p| p.pgid() == pgid).collect()
}

/// Make `p` the child reaper (init): orphans are reparented to it. The kernel names its first
/// program; host tests may name one.
///
/// Like Linux's init (SIGNAL_UNKILLABLE), the reaper receives only the signals it has a handler
/// for: [`Process::is_unkillable`].
pub fn set_child_reaper(p: &Arc<Process>) {
    let w = Arc::downgrade(p);
    p.unkillable.store(true, Ordering::Relaxed);
    with_table(|t| t.reaper = w);
}

fn child_reaper() -> Option<Arc<Process>> {
    with_table(|t| t.reaper.upgrade())
}

/// The pid of init, if there is one.
pub fn child_reaper_pid() -> Option<Pid> {
    child_reaper().map(|p| p.pid)
}

/// Where a process stands in the file tree.
#[derive(Clone)]
pub struct FsContext {
    pub root: InodeRef,
    pub cwd: InodeRef,
    /// The cwd's absolute path, as getcwd(2) reports it.
    pub cwd_path: String,
    pub umask: u32,
}

/// How a process ended, in the wait(2) status encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// exit(code): status `(code & 0xff) << 8`.
    Exited(i32),
    /// Killed by a signal: status `sig`. No core file is ever written, so the core bit (0x80)
    /// is never set, as on Linux with RLIMIT_CORE = 0.
    Signaled(usize),
}

impl ExitStatus {
    pub fn wait_status(self) -> i32 {
        match self {
            ExitStatus::Exited(c) => wait_exited(c),
            ExitStatus::Signaled(s) => wait_signaled(s),
        }
    }

    /// `si_code` and `si_status` of the SIGCHLD / waitid report.
    pub fn child_code(self) -> (i32, i32) {
        match self {
            ExitStatus::Exited(c) => (CLD_EXITED, c & 0xff),
            ExitStatus::Signaled(s) => (CLD_KILLED, s as i32),
        }
    }
}

/// A state change of a child that wait(2) reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitEvent {
    Exited(ExitStatus),
    Stopped(usize),
    Continued,
}

impl WaitEvent {
    /// The wait4 status word.
    pub fn wait_status(self) -> i32 {
        match self {
            WaitEvent::Exited(s) => s.wait_status(),
            WaitEvent::Stopped(sig) => wait_stopped(sig),
            WaitEvent::Continued => WAIT_CONTINUED,
        }
    }
    /// waitid's `si_code` and `si_status`.
    pub fn child_code(self) -> (i32, i32) {
        match self {
            WaitEvent::Exited(s) => s.child_code(),
            WaitEvent::Stopped(sig) => (CLD_STOPPED, sig as i32),
            WaitEvent::Continued => (CLD_CONTINUED, SIGCONT as i32),
        }
    }
}

/// Which children a wait call is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitWho {
    Any,
    Pid(Pid),
    Group(Pid),
}

#[derive(Default)]
struct ProcState {
    /// The exit status, decided by exit_group, a fatal signal or the last thread's exit.
    exit: Option<ExitStatus>,
    /// Every thread has ended.
    zombie: bool,
    /// Collected by the parent's wait (or reaped automatically).
    reaped: bool,
    /// The stop signal while the process is stopped.
    stopped: Option<usize>,
    /// A stop not yet reported to a WUNTRACED wait.
    stop_report: Option<usize>,
    /// A continue not yet reported to a WCONTINUED wait.
    cont_report: bool,
    /// execve succeeded (setpgid on this child is then EACCES).
    execed: bool,
    /// A vfork child has released its parent's memory (by execve or exit).
    vfork_done: bool,
}

pub struct Process {
    pub pid: Pid,
    parent: Mutex<Weak<Process>>,
    children: Mutex<Vec<Arc<Process>>>,
    pgid: AtomicUsize,
    sid: AtomicUsize,
    pub mm: Shared<AddressSpace>,
    pub files: Shared<FdTable>,
    pub fs: Shared<FsContext>,
    /// Signal dispositions (index = signal number - 1), shared with CLONE_SIGHAND.
    pub sigactions: Shared<[SigAction; NSIG]>,
    pub rlimits: Mutex<[Rlimit; RLIM_NLIMITS]>,
    pub threads: Mutex<Vec<Weak<Thread>>>,
    state: Mutex<ProcState>,
    /// Signals sent to the process as a whole (kill), taken by whichever thread gets there.
    pub(crate) shared_pending: Mutex<SigQueue>,
    /// Woken whenever a signal is queued for the process or one of its threads: signalfd
    /// readers and pollers wait here (`crate::signalfd`).
    pub signal_arrivals: Arc<WaitQueue>,
    /// Signal for the parent when this process ends (SIGCHLD normally; 0: none).
    pub exit_signal: AtomicUsize,
    /// init: signals whose action is the default are not delivered (see `task::signal`).
    unkillable: AtomicBool,
    /// Woken when one of its threads ends, and when the process ends (becomes a zombie).
    pub exit_queue: WaitQueue,
    /// Woken when a child changes state (wait4, waitid).
    pub child_queue: WaitQueue,
    /// Woken when the process continues after a stop, or is killed while stopped.
    pub cont_queue: WaitQueue,
    /// Woken when a vfork child releases the parent's memory.
    pub vfork_queue: WaitQueue,
    /// The executable's path (AT_EXECFN, /proc/self/exe).
    pub exe: Mutex<String>,
    /// The executable itself, kept from being written while this image runs (ETXTBSY).
    pub running: Mutex<Option<fs::textbusy::Running>>,
    /// Boot-relative time the process started, and CPU time charged to it (ns).
    pub start_ns: u64,
    pub user_ns: AtomicU64,
    pub system_ns: AtomicU64,
    /// CPU time of reaped children (times(2) cutime/cstime).
    pub children_user_ns: AtomicU64,
    pub children_system_ns: AtomicU64,
    /// The nice value (-20..=19), inherited by children; recorded, the scheduler ignores it.
    pub nice: core::sync::atomic::AtomicI32,
    /// prctl(2)'s switches.
    pub prctl: crate::prctl::PrctlState,
    /// setitimer's three timers (ITIMER_REAL, _VIRTUAL, _PROF); not inherited by fork.
    pub itimers: Mutex<[Itimer; 3]>,
    /// Woken when an interval timer or a POSIX timer is set again or deleted: the task of the
    /// old setting ends (see `crate::ktimer`).
    pub itimer_queue: WaitQueue,
    /// timer_create's timers (`crate::posix_timer`): deleted by execve and exit, not inherited.
    pub posix_timers: Mutex<crate::posix_timer::PosixTimers>,
    /// The earliest deadline of a CPU-time timer (ITIMER_VIRTUAL/PROF, POSIX timers on the CPU
    /// clocks), in CPU ns; `u64::MAX`: none. Checked whenever a thread comes back from user mode.
    pub cpu_timer_next: AtomicU64,
    /// The controlling terminal (a node with a `tty()`), shared by the session: inherited by
    /// fork, dropped by setsid and when the session leader ends (`crate::jobctl`).
    ctty: Mutex<Option<InodeRef>>,
    /// The main thread's scheduling policy when it ended: what the sched_get* calls report
    /// for a zombie, which Linux still finds by its pid until it is reaped.
    pub leader_sched: Mutex<Option<SchedPolicy>>,
    /// The main thread's credentials, kept here too so that the process keeps them as a
    /// zombie (kill's permission check, /proc/<pid>/status).
    cred: Mutex<Arc<Cred>>,
}

/// The address space zombies are left with ([`Process::release_mm`]).
static EMPTY_MM: sync::Lazy<Arc<Mutex<AddressSpace>>> =
    sync::Lazy::new(|| AddressSpace::new().expect("memory for the first process").shared());

/// An interval timer: when it fires next (boot ns) and its period (0: once). `generation`
/// changes whenever it is set, so that a timer task armed earlier knows it is stale.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Itimer {
    pub deadline: Option<u64>,
    pub interval: u64,
    pub generation: u64,
}

fn default_rlimits() -> [Rlimit; RLIM_NLIMITS] {
    let mut r = [Rlimit { cur: RLIM_INFINITY, max: RLIM_INFINITY }; RLIM_NLIMITS];
    r[RLIMIT_STACK] = Rlimit { cur: mm::layout::STACK_SIZE as u64, max: RLIM_INFINITY };
    r[RLIMIT_NOFILE] = Rlimit { cur: crate::fd_table::DEFAULT_NOFILE as u64, max: 4096 };
    // Linux's defaults for the first process: no real-time priority or nice raising without
    // privilege, 8 MiB of locked memory, 800 KiB of POSIX message queues.
    r[RLIMIT_MEMLOCK] = Rlimit { cur: 8 << 20, max: 8 << 20 };
    r[RLIMIT_MSGQUEUE] = Rlimit { cur: 819_200, max: 819_200 };
    r[RLIMIT_NICE] = Rlimit { cur: 0, max: 0 };
    r[RLIMIT_RTPRIO] = Rlimit { cur: 0, max: 0 };
    r[RLIMIT_CORE] = Rlimit { cur: 0, max: RLIM_INFINITY };
    // As Linux gives init: half of threads-max (root is not held to it; users would be).
    let nproc = max_threads() as u64 / 2;
    r[RLIMIT_NPROC] = Rlimit { cur: nproc, max: nproc };
    r
}

/// What a new process shares with its creator or gets a copy of (clone flags).
pub struct ProcessParts {
    pub mm: Arc<Mutex<AddressSpace>>,
    pub files: Arc<Mutex<FdTable>>,
    pub fs: Arc<Mutex<FsContext>>,
    pub sigactions: Arc<Mutex<[SigAction; NSIG]>>,
}

impl Process {
    /// A new process (for the loader to fill `mm`). With a parent it is that parent's child and
    /// joins its process group and session; without one (the first programs) its process
    /// group and session are 0, as for Linux's init.
    pub fn new(parent: Option<&Arc<Process>>, mm: AddressSpace, files: FdTable, fs: FsContext) -> Arc<Process> {
        let parts = ProcessParts {
            mm: mm.shared(),
            files: Arc::new(Mutex::new(files)),
            fs: Arc::new(Mutex::new(fs)),
            sigactions: Arc::new(Mutex::new([SigAction::default(); NSIG])),
        };
        Self::with_parts(parent, parts, SIGCHLD)
    }

    /// A new process from (possibly shared) parts; `exit_signal` goes to the parent at its end.
    pub fn with_parts(parent: Option<&Arc<Process>>, parts: ProcessParts, exit_signal: usize) -> Arc<Process> {
        sync::Lazy::force(&EMPTY_MM);
        let p = Arc::new(Process {
            pid: NEXT_PID.fetch_add(1, Ordering::Relaxed),
            parent: Mutex::new(parent.map(Arc::downgrade).unwrap_or_default()),
            children: Mutex::new(Vec::new()),
            pgid: AtomicUsize::new(parent.map_or(0, |p| p.pgid())),
            sid: AtomicUsize::new(parent.map_or(0, |p| p.sid())),
            mm: Shared::from_arc(parts.mm),
            files: Shared::from_arc(parts.files),
            fs: Shared::from_arc(parts.fs),
            sigactions: Shared::from_arc(parts.sigactions),
            rlimits: Mutex::new(parent.map_or_else(default_rlimits, |p| *p.rlimits.lock())),
            threads: Mutex::new(Vec::new()),
            state: Mutex::new(ProcState::default()),
            shared_pending: Mutex::new(SigQueue::default()),
            signal_arrivals: Arc::new(WaitQueue::new()),
            exit_signal: AtomicUsize::new(exit_signal),
            unkillable: AtomicBool::new(false),
            exit_queue: WaitQueue::new(),
            child_queue: WaitQueue::new(),
            cont_queue: WaitQueue::new(),
            vfork_queue: WaitQueue::new(),
            exe: Mutex::new(parent.map_or_else(String::new, |p| p.exe.lock().clone())),
            running: Mutex::new(parent.and_then(|p| p.running.lock().clone())),
            start_ns: hal::time::now_ns(),
            user_ns: AtomicU64::new(0),
            system_ns: AtomicU64::new(0),
            children_user_ns: AtomicU64::new(0),
            children_system_ns: AtomicU64::new(0),
            nice: core::sync::atomic::AtomicI32::new(parent.map_or(0, |p| p.nice.load(Ordering::Relaxed))),
            prctl: parent.map_or_else(Default::default, |p| p.prctl.inherit()),
            itimers: Mutex::new([Itimer::default(); 3]),
            itimer_queue: WaitQueue::new(),
            posix_timers: Mutex::new(crate::posix_timer::PosixTimers::default()),
            cpu_timer_next: AtomicU64::new(u64::MAX),
            ctty: Mutex::new(parent.and_then(|p| p.ctty())),
            leader_sched: Mutex::new(None),
            cred: Mutex::new(ROOT_CRED.clone()),
        });
        if let Some(parent) = parent {
            parent.children.lock().push(p.clone());
        }
        register_process(&p);
        p
    }

    /// The parent's pid, 0 for a process without one (the first programs, as Linux reports
    /// for init).
    /// The credentials of the main thread.
    pub fn cred(&self) -> Arc<Cred> {
        self.cred.lock().clone()
    }

    pub fn ppid(&self) -> Pid {
        self.parent.lock().upgrade().map_or(0, |p| p.pid)
    }

    pub fn parent(&self) -> Option<Arc<Process>> {
        self.parent.lock().upgrade()
    }

    /// Children not yet reaped, zombies included.
    pub fn children(&self) -> Vec<Arc<Process>> {
        self.children.lock().clone()
    }

    pub fn pgid(&self) -> Pid {
        self.pgid.load(Ordering::Relaxed)
    }

    pub fn set_pgid(&self, pgid: Pid) {
        self.pgid.store(pgid, Ordering::Relaxed)
    }

    pub fn sid(&self) -> Pid {
        self.sid.load(Ordering::Relaxed)
    }

    pub fn set_sid(&self, sid: Pid) {
        self.sid.store(sid, Ordering::Relaxed)
    }

    /// The controlling terminal, if the process has one.
    pub fn ctty(&self) -> Option<InodeRef> {
        self.ctty.lock().clone()
    }

    pub fn set_ctty(&self, tty: Option<InodeRef>) {
        *self.ctty.lock() = tty;
    }

    pub fn mm(&self) -> SharedGuard<'_, AddressSpace> {
        self.mm.lock()
    }

    pub fn files(&self) -> SharedGuard<'_, FdTable> {
        self.files.lock()
    }

    /// The disposition of `sig`.
    pub fn sigaction(&self, sig: usize) -> SigAction {
        self.sigactions.lock()[sig - 1]
    }

    /// The exit status once it is decided (the process may still be ending).
    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.state.lock().exit
    }

    /// Every thread has ended; the parent has not collected the status yet.
    pub fn is_zombie(&self) -> bool {
        let s = self.state.lock();
        s.zombie && !s.reaped
    }

    /// The stop signal while the process is stopped.
    pub fn stopped(&self) -> Option<usize> {
        self.state.lock().stopped
    }

    pub fn has_execed(&self) -> bool {
        self.state.lock().execed
    }

    /// Threads that have not ended.
    pub fn threads_alive(&self) -> Vec<Arc<Thread>> {
        self.threads.lock().iter().filter_map(Weak::upgrade).filter(|t| !t.has_exited()).collect()
    }

    /// Threads still running (not asked to stop).
    pub fn live_threads(&self) -> usize {
        self.threads_alive().iter().filter(|t| !t.exiting()).count()
    }

    /// End the whole process (exit_group, a fatal signal). The first call decides the status.
    /// Every thread is told to stop at its next return to the kernel, and woken if it waits.
    pub fn exit(&self, status: ExitStatus) {
        {
            let mut s = self.state.lock();
            if s.exit.is_some() {
                return;
            }
            s.exit = Some(status);
        }
        for t in self.threads_alive() {
            t.request_exit();
        }
        self.cont_queue.wake_all();
        self.itimer_queue.wake_all();
    }

    /// Whether this is init, which the default action of a signal cannot end or stop: Linux
    /// drops such signals unless the kernel itself sends SIGKILL or SIGSTOP, and a fault the
    /// program cannot handle (`signal::force_fault`) makes it killable again.
    pub fn is_unkillable(&self) -> bool {
        self.unkillable.load(Ordering::Relaxed)
    }

    pub(crate) fn make_killable(&self) {
        self.unkillable.store(false, Ordering::Relaxed);
    }

    /// The process is ending (its status is decided).
    pub fn is_exiting(&self) -> bool {
        self.state.lock().exit.is_some()
    }

    /// The last thread has ended: become a zombie, close the descriptors, hand the children to
    /// the reaper, and tell the parent.
    fn become_zombie(self: &Arc<Process>, code: i32) {
        let status = {
            let mut s = self.state.lock();
            let status = *s.exit.get_or_insert(ExitStatus::Exited(code));
            s.zombie = true;
            s.stopped = None;
            s.vfork_done = true;
            status
        };
        // Descriptors close now (pipes see EOF); the memory goes when the kernel has left this
        // address space (`release_mm`) or with the process.
        drop(self.files.replace(Arc::new(Mutex::new(FdTable::new()))));
        if let Some(hook) = EXIT_HOOK.get() {
            hook(self.pid);
        }
        self.exit_queue.wake_all();
        self.vfork_queue.wake_all();
        self.itimer_queue.wake_all();
        crate::jobctl::ended(self);
        self.reparent_children();
        log::debug!("pid {} ended: {:?}", self.pid, status);
        match self.parent() {
            Some(parent) => {
                let (code, st) = status.child_code();
                let autoreap = notify_parent(self, &parent, code, st, self.exit_signal.load(Ordering::Relaxed));
                if autoreap {
                    parent.remove_child(self);
                }
                parent.child_queue.wake_all();
            }
            None => {
                // Nobody will wait for it.
                self.state.lock().reaped = true;
            }
        }
        #[cfg(not(target_os = "none"))]
        self.release_mm();
    }

    /// Drop the zombie's address space. The kernel calls this once the hart no longer uses its
    /// page table (on the host it happens at once).
    ///
    /// Zombies share one empty space, made with the first process: so this allocates nothing
    /// and cannot fail when memory is exhausted.
    pub fn release_mm(&self) {
        if self.is_zombie() || self.state.lock().reaped {
            drop(self.mm.replace(EMPTY_MM.clone()));
            *self.running.lock() = None;
            crate::oom::MEMORY_FREED.wake_all();
        }
    }

    fn remove_child(&self, child: &Process) {
        let removed = {
            let mut c = self.children.lock();
            c.iter().position(|x| x.pid == child.pid).map(|i| c.remove(i))
        };
        if let Some(c) = removed {
            c.state.lock().reaped = true;
            self.children_user_ns.fetch_add(c.user_ns.load(Ordering::Relaxed), Ordering::Relaxed);
            self.children_system_ns.fetch_add(c.system_ns.load(Ordering::Relaxed), Ordering::Relaxed);
        }
    }

    /// The closest living ancestor that asked to adopt orphans (PR_SET_CHILD_SUBREAPER).
    fn nearest_subreaper(&self) -> Option<Arc<Process>> {
        let mut next = self.parent();
        while let Some(a) = next {
            if a.prctl.child_subreaper.load(Ordering::Relaxed) && !a.is_zombie() {
                return Some(a);
            }
            next = a.parent();
        }
        None
    }

    /// Give the children to the nearest subreaper, else the child reaper (or to nobody), and
    /// send those that asked for it their parent-death signal.
    fn reparent_children(self: &Arc<Process>) {
        let children = core::mem::take(&mut *self.children.lock());
        if children.is_empty() {
            return;
        }
        let reaper =
            self.nearest_subreaper().or_else(|| child_reaper().filter(|r| r.pid != self.pid && !r.is_zombie()));
        for c in children {
            let pdeath = c.prctl.pdeath_signal.load(Ordering::Relaxed);
            if pdeath != 0 && !c.is_zombie() {
                crate::signal::send_to_process(&c, pdeath);
            }
            *c.parent.lock() = reaper.as_ref().map(Arc::downgrade).unwrap_or_default();
            // Whatever it asked clone for, an orphan tells its new parent with SIGCHLD (Linux:
            // "we don't want people slaying init").
            c.exit_signal.store(SIGCHLD, Ordering::Relaxed);
            crate::jobctl::reparented(&c, self);
            match &reaper {
                Some(r) => {
                    r.children.lock().push(c.clone());
                    if c.is_zombie() {
                        let status = c.exit_status().unwrap_or(ExitStatus::Exited(0));
                        let (code, st) = status.child_code();
                        if notify_parent(&c, r, code, st, c.exit_signal.load(Ordering::Relaxed)) {
                            r.remove_child(&c);
                        }
                        r.child_queue.wake_all();
                    }
                }
                None => {
                    // Nobody will wait for it.
                    let mut s = c.state.lock();
                    s.reaped |= s.zombie;
                }
            }
        }
    }

    /// Record that execve succeeded, and release a vfork parent.
    pub fn mark_execed(&self) {
        let mut s = self.state.lock();
        s.execed = true;
        s.vfork_done = true;
        drop(s);
        // POSIX timers do not survive execve (interval timers do).
        crate::posix_timer::delete_all(self);
        self.vfork_queue.wake_all();
    }

    /// Whether a vfork child has released its parent (execve or exit).
    pub fn vfork_done(&self) -> bool {
        self.state.lock().vfork_done
    }

    /// The process stops (default action of a stop signal). Returns false if it was stopped
    /// already or is ending. The parent hears of it (SIGCHLD unless SA_NOCLDSTOP, a WUNTRACED
    /// wait).
    pub(crate) fn stop(self: &Arc<Process>, sig: usize) -> bool {
        {
            let mut s = self.state.lock();
            if s.stopped.is_some() || s.exit.is_some() {
                return false;
            }
            s.stopped = Some(sig);
            s.stop_report = Some(sig);
            s.cont_report = false;
        }
        for t in self.threads_alive() {
            t.signal_queue.wake_all();
        }
        if let Some(parent) = self.parent() {
            notify_parent(self, &parent, CLD_STOPPED, sig as i32, SIGCHLD);
            parent.child_queue.wake_all();
        }
        true
    }

    /// SIGCONT was sent: a stopped process goes on. Returns whether it was stopped.
    pub(crate) fn resume(self: &Arc<Process>) -> bool {
        {
            let mut s = self.state.lock();
            if s.stopped.is_none() {
                return false;
            }
            s.stopped = None;
            s.stop_report = None;
            s.cont_report = true;
        }
        self.cont_queue.wake_all();
        if let Some(parent) = self.parent() {
            notify_parent(self, &parent, CLD_CONTINUED, SIGCONT as i32, SIGCHLD);
            parent.child_queue.wake_all();
        }
        true
    }

    /// One step of wait4/waitid: find a child matching `who` (and `options`: __WALL/__WCLONE,
    /// WEXITED, WUNTRACED, WCONTINUED, WNOWAIT) with something to report, and consume the
    /// report (reaping a zombie) unless WNOWAIT. ECHILD if no child matches at all;
    /// `Ok(None)` if some match but none has anything to report yet.
    pub fn wait_child(&self, who: WaitWho, options: u32) -> SysResult<Option<(Pid, WaitEvent, Arc<Process>)>> {
        let children = self.children();
        let matching: Vec<&Arc<Process>> = children
            .iter()
            .filter(|c| match who {
                WaitWho::Any => true,
                WaitWho::Pid(pid) => c.pid == pid,
                WaitWho::Group(g) => c.pgid() == g,
            })
            .filter(|c| {
                // A "clone child" signals something other than SIGCHLD at its end; __WCLONE waits
                // only for those, the default only for the others, __WALL for both.
                let clone_child = c.exit_signal.load(Ordering::Relaxed) != SIGCHLD;
                options & __WALL != 0 || (options & __WCLONE != 0) == clone_child
            })
            .collect();
        if matching.is_empty() {
            return Err(Errno::ECHILD);
        }
        let consume = options & WNOWAIT == 0;
        for c in matching {
            let event = {
                let mut s = c.state.lock();
                if s.zombie && !s.reaped {
                    (options & WEXITED != 0).then(|| WaitEvent::Exited(s.exit.unwrap_or(ExitStatus::Exited(0))))
                } else if options & WSTOPPED != 0 && s.stop_report.is_some() && s.stopped.is_some() {
                    let sig = s.stop_report.unwrap_or(SIGSTOP);
                    if consume {
                        s.stop_report = None;
                    }
                    Some(WaitEvent::Stopped(sig))
                } else if options & WCONTINUED != 0 && s.cont_report {
                    if consume {
                        s.cont_report = false;
                    }
                    Some(WaitEvent::Continued)
                } else {
                    None
                }
            };
            if let Some(event) = event {
                if consume && matches!(event, WaitEvent::Exited(_)) {
                    self.remove_child(c);
                }
                return Ok(Some((c.pid, event, c.clone())));
            }
        }
        Ok(None)
    }
}

/// Tell `parent` that `child` changed state: SIGCHLD (or `exit_sig` at the end) with the
/// child's details, unless the parent asked not to hear of stops (SA_NOCLDSTOP). Returns
/// whether an ended child is reaped at once, because the parent ignores SIGCHLD or set
/// SA_NOCLDWAIT (the signal is still sent in the second case).
fn notify_parent(child: &Process, parent: &Arc<Process>, code: i32, status: i32, exit_sig: usize) -> bool {
    let act = parent.sigaction(SIGCHLD);
    let ended = matches!(code, CLD_EXITED | CLD_KILLED | CLD_DUMPED);
    if !ended && act.flags & SA_NOCLDSTOP != 0 {
        return false;
    }
    let autoreap = ended && exit_sig == SIGCHLD && (act.handler == SIG_IGN || act.flags & SA_NOCLDWAIT != 0);
    if exit_sig != 0 {
        let ticks = |ns: u64| ns / (1_000_000_000 / CLK_TCK);
        let mut info = SigInfo::child(
            code,
            child.pid,
            0,
            status,
            ticks(child.user_ns.load(Ordering::Relaxed)),
            ticks(child.system_ns.load(Ordering::Relaxed)),
        );
        info.signo = exit_sig as i32;
        crate::signal::send_to_process_info(parent, info);
    }
    autoreap
}

pub struct Thread {
    /// Its id; becomes the pid when it execs from a thread other than the leader
    /// ([`Thread::take_leaders_id`]).
    tid: AtomicUsize,
    pub process: Arc<Process>,
    /// The user registers while the thread is in the kernel.
    pub ctx: Mutex<UserContext>,
    /// set_tid_address / CLONE_CHILD_CLEARTID: cleared and futex-woken at exit.
    pub clear_child_tid: AtomicUsize,
    /// set_robust_list: (head, len).
    pub robust_list: Mutex<(usize, usize)>,
    /// Blocked signals.
    pub sigmask: AtomicU64,
    /// Pending signals, the alternate stack, the mask to restore after sigsuspend, restarts.
    pub(crate) signals: Mutex<ThreadSignals>,
    /// Woken when a signal arrives for the thread or it is asked to exit (interruptible waits).
    pub signal_queue: WaitQueue,
    exiting: AtomicBool,
    exited: AtomicBool,
    /// The kernel buffer its transfers between user memory and files go through (read,
    /// write...), kept between calls up to [`IO_BUFFER_KEPT`] bytes: see [`Thread::take_io_buffer`].
    io_buffer: Mutex<Vec<u8>>,
    /// The name prctl(PR_SET_NAME) gave the thread (Linux's `comm`, at most [`COMM_MAX`]
    /// bytes), copied by clone and fork; `None` until then and again after execve: the name is
    /// then the program's (procfs derives it from execve's file name).
    name: Mutex<Option<Vec<u8>>>,
    /// Who the thread acts as; replaced whole by the set*id calls (see [`crate::cred`]).
    cred: Mutex<Arc<Cred>>,
    /// Its scheduling policy and static priority (sched_setscheduler), inherited by clone.
    /// Recorded and reported: the executor runs every thread round-robin whatever they say.
    pub sched: Mutex<SchedPolicy>,
    /// CPU time the thread has spent in user mode (CLOCK_THREAD_CPUTIME_ID), ns.
    pub cpu_ns: AtomicU64,
    /// Whether it can run (/proc's 'R'): set for a new clone until it first waits, and by the
    /// user-thread loop (`uspace`) around every wait in a system call; false while it waits
    /// ('S'). A thread made otherwise (init, host tests) counts as waiting until it runs.
    pub runnable: AtomicBool,
    /// Set by [`Thread::give_way`]: the thread is pending only to let others run, so the
    /// user-thread loop keeps it runnable.
    pub gave_way: AtomicBool,
}

/// A thread's scheduling policy (SCHED_OTHER, _FIFO, _RR, _BATCH, _IDLE, _DEADLINE) and its
/// static priority (1..=99 for the real-time policies, 0 for the others).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchedPolicy {
    pub policy: u32,
    pub priority: u32,
    /// SCHED_RESET_ON_FORK: a child goes back to SCHED_OTHER.
    pub reset_on_fork: bool,
    /// SCHED_DEADLINE's parameters (sched_setattr), meaningful under that policy only.
    pub deadline: DeadlineParams,
}

/// What sched_setattr gives SCHED_DEADLINE: run `runtime` ns in every `period`, done within
/// `deadline` ns of its start, and the policy's flags (SCHED_FLAG_RECLAIM, _DL_OVERRUN).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeadlineParams {
    pub runtime: u64,
    pub deadline: u64,
    pub period: u64,
    pub flags: u64,
}

/// The longest thread name (TASK_COMM_LEN - 1).
pub const COMM_MAX: usize = 15;

/// The most a thread keeps of its I/O buffer between calls; a larger transfer allocates its
/// own buffer each time.
pub const IO_BUFFER_KEPT: usize = 4096;

impl Thread {
    /// A kernel buffer of at least `len` bytes for moving data between user memory and a file,
    /// without allocating or clearing it on every call: the thread's own, taken out of it
    /// until [`Thread::put_io_buffer`] (a second transfer meanwhile gets a new one). Its bytes
    /// are whatever an earlier transfer of this thread left there.
    pub fn take_io_buffer(&self, len: usize) -> Vec<u8> {
        let mut buf = core::mem::take(&mut *self.io_buffer.lock());
        if buf.len() < len {
            buf.resize(len, 0);
        }
        buf
    }

    /// The name prctl(PR_SET_NAME) set, if any (see the field).
    /// The thread's credentials (a new thread has root's until its creator copies its own).
    pub fn cred(&self) -> Arc<Cred> {
        self.cred.lock().clone()
    }

    pub fn tid(&self) -> Pid {
        self.tid.load(Ordering::Relaxed)
    }

    /// Let the other tasks run (a timer tick, sched_yield, a long transfer between chunks): the
    /// thread stays runnable (/proc's 'R') while it waits for its turn.
    pub async fn give_way(&self) {
        self.gave_way.store(true, Ordering::Relaxed);
        crate::executor::yield_now().await;
    }

    /// execve in a thread other than the leader: once every other thread has ended, the caller
    /// takes the process's id as its own (Linux's de_thread), so the program starts as it
    /// would after fork, with getpid() == gettid().
    pub fn take_leaders_id(self: &Arc<Thread>) {
        let (old, pid) = (self.tid(), self.process.pid);
        if old == pid {
            return;
        }
        self.tid.store(pid, Ordering::Relaxed);
        let w = Arc::downgrade(self);
        let gone = with_table(|t| {
            t.threads.remove(&old);
            t.threads.insert(pid, w)
        });
        drop(gone);
    }

    pub fn set_cred(&self, cred: Arc<Cred>) {
        if self.tid() == self.process.pid {
            *self.process.cred.lock() = cred.clone();
        }
        *self.cred.lock() = cred;
    }

    pub fn name(&self) -> Option<Vec<u8>> {
        self.name.lock().clone()
    }

    /// Set the name (cut to [`COMM_MAX`] bytes), or forget it (`None`: execve).
    pub fn set_name(&self, name: Option<&[u8]>) {
        *self.name.lock() = name.map(|n| n[..n.len().min(COMM_MAX)].to_vec());
    }

    /// Give back the buffer of [`Thread::take_io_buffer`]; it is kept if it is small enough.
    pub fn put_io_buffer(&self, buf: Vec<u8>) {
        if buf.len() <= IO_BUFFER_KEPT {
            let mut mine = self.io_buffer.lock();
            if buf.len() > mine.len() {
                *mine = buf;
            }
        }
    }

    /// The first thread of `process` (tid = pid), starting with `ctx`.
    pub fn new_main(process: &Arc<Process>, ctx: UserContext) -> Arc<Thread> {
        Self::create(process, process.pid, ctx)
    }

    /// Another thread of `process` (clone with CLONE_THREAD) with a new tid.
    pub fn new_in(process: &Arc<Process>, ctx: UserContext) -> Arc<Thread> {
        Self::create(process, NEXT_PID.fetch_add(1, Ordering::Relaxed), ctx)
    }

    fn create(process: &Arc<Process>, tid: Pid, ctx: UserContext) -> Arc<Thread> {
        let t = Arc::new(Thread {
            tid: AtomicUsize::new(tid),
            process: process.clone(),
            ctx: Mutex::new(ctx),
            clear_child_tid: AtomicUsize::new(0),
            robust_list: Mutex::new((0, 0)),
            sigmask: AtomicU64::new(0),
            signals: Mutex::new(ThreadSignals::default()),
            signal_queue: WaitQueue::new(),
            io_buffer: Mutex::new(Vec::new()),
            name: Mutex::new(None),
            cred: Mutex::new(ROOT_CRED.clone()),
            sched: Mutex::new(SchedPolicy::default()),
            cpu_ns: AtomicU64::new(0),
            runnable: AtomicBool::new(false),
            gave_way: AtomicBool::new(false),
            exiting: AtomicBool::new(false),
            exited: AtomicBool::new(false),
        });
        {
            let mut threads = process.threads.lock();
            threads.retain(|w| w.strong_count() > 0);
            threads.push(Arc::downgrade(&t));
        }
        register_thread(&t);
        t
    }

    /// Ask the thread to stop when it next leaves a syscall or trap, ending any interruptible
    /// wait it is in.
    pub fn request_exit(&self) {
        self.exiting.store(true, Ordering::Release);
        self.signal_queue.wake_all();
    }

    pub fn exiting(&self) -> bool {
        self.exiting.load(Ordering::Acquire)
    }

    /// [`Thread::exit`] has run: the thread is gone.
    pub fn has_exited(&self) -> bool {
        self.exited.load(Ordering::Acquire)
    }

    /// The thread ends (exit(2) with `code`, or because the process is ending). Clears and
    /// futex-wakes `clear_child_tid` (pthread_join), releases robust futexes, and if it was the
    /// last thread the process becomes a zombie with `code` (unless its status is decided).
    /// Runs once; later calls do nothing.
    pub fn exit(self: &Arc<Thread>, code: i32) {
        self.request_exit();
        if self.exited.swap(true, Ordering::AcqRel) {
            return;
        }
        if self.tid() == self.process.pid {
            *self.process.leader_sched.lock() = Some(*self.sched.lock());
        }
        crate::futex::exit_robust_list(self);
        let tidptr = self.clear_child_tid.swap(0, Ordering::Relaxed);
        if tidptr != 0 {
            let mut mm = self.process.mm();
            if mm.write_bytes(tidptr, &0u32.to_le_bytes()).is_ok() {
                if let Ok(key) = crate::futex::key(&mut mm, tidptr, false) {
                    drop(mm);
                    crate::futex::wake(key, 1, FUTEX_BITSET_MATCH_ANY);
                }
            }
        }
        if self.process.threads_alive().is_empty() {
            self.process.become_zombie(code & 0xff);
        } else {
            self.process.exit_queue.wake_all();
        }
    }
}

impl Thread {
    /// The kernel panicked while working for this thread and unwound (panic isolation, as
    /// Linux's oops kills the current task): log it, end the process as SIGSEGV would (its
    /// parent's wait sees that; other threads end at their next return to the kernel), and end
    /// this thread as exit(2) does (robust futexes, clear_child_tid). Its descriptors close
    /// with the process; its memory goes with `Process::release_mm`.
    pub fn end_by_panic(self: &Arc<Thread>, p: &hal::unwind::Panicked) {
        // The registers' lock was released by the unwinding, unless the panic came from code
        // that holds it around the poll (then the number is not known).
        let a7 = self.ctx.try_lock().map(|ctx| ctx.x[hal::context::reg::A7]);
        let call = a7.and_then(|n| abi::Sysno(n).name()).unwrap_or("?");
        log::error!(
            "pid {} (tid {}): kernel panic in syscall {call}: {p}; the process is killed (SIGSEGV)",
            self.process.pid,
            self.tid()
        );
        self.process.exit(ExitStatus::Signaled(SIGSEGV));
        self.exit(0);
    }
}

/// Run at every process's end, once it is a zombie (System V semaphores' SEM_UNDO).
static EXIT_HOOK: sync::Once<fn(Pid)> = sync::Once::new();

/// Set the hook run when a process ends (the first one set stays).
pub fn set_exit_hook(f: fn(Pid)) {
    EXIT_HOOK.call_once(|| f);
}

/// Build the fs context of a first process rooted at `root`.
pub fn root_context(root: InodeRef) -> FsContext {
    FsContext { cwd: root.clone(), root, cwd_path: String::from("/"), umask: 0o022 }
}

/// Check a signal number: 1..=64.
pub fn check_signal(sig: usize) -> SysResult<usize> {
    if (1..=NSIG).contains(&sig) {
        Ok(sig)
    } else {
        Err(Errno::EINVAL)
    }
}
