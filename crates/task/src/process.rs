//! Processes and threads.
use crate::fd_table::FdTable;
use abi::structs::{Rlimit, SigAction};
use abi::{flags::*, Errno, SysResult};
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use fs::InodeRef;
use hal::context::UserContext;
use mm::AddressSpace;
use sync::{Mutex, MutexGuard, WaitQueue};

pub type Pid = usize;

static NEXT_PID: AtomicUsize = AtomicUsize::new(1);

/// Where a process stands in the file tree.
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
    /// Killed by a signal: status `sig`.
    Signaled(usize),
}

impl ExitStatus {
    pub fn wait_status(self) -> i32 {
        match self {
            ExitStatus::Exited(c) => (c & 0xff) << 8,
            ExitStatus::Signaled(s) => s as i32 & 0x7f,
        }
    }
}

pub struct Process {
    pub pid: Pid,
    parent: Mutex<Weak<Process>>,
    pub mm: Mutex<AddressSpace>,
    pub files: Mutex<FdTable>,
    pub fs: Mutex<FsContext>,
    /// Signal dispositions (index = signal number - 1). Recorded; delivery comes with signals.
    pub sigactions: Mutex<[SigAction; NSIG]>,
    pub rlimits: Mutex<[Rlimit; RLIM_NLIMITS]>,
    pub threads: Mutex<Vec<Weak<Thread>>>,
    exit: Mutex<Option<ExitStatus>>,
    /// Woken when the process exits.
    pub exit_queue: WaitQueue,
    /// The executable's path (AT_EXECFN, /proc/self/exe).
    pub exe: Mutex<String>,
    /// Boot-relative time the process started, and CPU time charged to it (ns).
    pub start_ns: u64,
    pub user_ns: AtomicU64,
    pub system_ns: AtomicU64,
}

fn default_rlimits() -> [Rlimit; RLIM_NLIMITS] {
    let mut r = [Rlimit { cur: RLIM_INFINITY, max: RLIM_INFINITY }; RLIM_NLIMITS];
    r[RLIMIT_STACK] = Rlimit { cur: mm::layout::STACK_SIZE as u64, max: RLIM_INFINITY };
    r[RLIMIT_NOFILE] = Rlimit { cur: crate::fd_table::DEFAULT_NOFILE as u64, max: 4096 };
    r[RLIMIT_CORE] = Rlimit { cur: 0, max: RLIM_INFINITY };
    r
}

impl Process {
    /// A new process with an empty address space (to be filled by the loader).
    pub fn new(parent: Option<&Arc<Process>>, mm: AddressSpace, files: FdTable, fs: FsContext) -> Arc<Process> {
        Arc::new(Process {
            pid: NEXT_PID.fetch_add(1, Ordering::Relaxed),
            parent: Mutex::new(parent.map(Arc::downgrade).unwrap_or_default()),
            mm: Mutex::new(mm),
            files: Mutex::new(files),
            fs: Mutex::new(fs),
            sigactions: Mutex::new([SigAction::default(); NSIG]),
            rlimits: Mutex::new(default_rlimits()),
            threads: Mutex::new(Vec::new()),
            exit: Mutex::new(None),
            exit_queue: WaitQueue::new(),
            exe: Mutex::new(String::new()),
            start_ns: hal::time::now_ns(),
            user_ns: AtomicU64::new(0),
            system_ns: AtomicU64::new(0),
        })
    }

    /// The parent's pid, 0 for the first process (as Linux reports for init).
    pub fn ppid(&self) -> Pid {
        self.parent.lock().upgrade().map_or(0, |p| p.pid)
    }

    pub fn mm(&self) -> MutexGuard<'_, AddressSpace> {
        self.mm.lock()
    }

    pub fn files(&self) -> MutexGuard<'_, FdTable> {
        self.files.lock()
    }

    /// The exit status once the process has ended.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        *self.exit.lock()
    }

    /// End the whole process (exit_group, fatal signal). The first call decides the status.
    /// Every thread is told to stop at its next return to the kernel.
    pub fn exit(&self, status: ExitStatus) {
        {
            let mut e = self.exit.lock();
            if e.is_some() {
                return;
            }
            *e = Some(status);
        }
        for t in self.threads.lock().iter().filter_map(Weak::upgrade) {
            t.request_exit();
        }
        // Descriptors close at exit (pipes see EOF, etc.); memory goes when the last thread drops.
        *self.files.lock() = FdTable::new();
        self.exit_queue.wake_all();
    }

    /// Threads still running.
    pub fn live_threads(&self) -> usize {
        self.threads.lock().iter().filter_map(Weak::upgrade).filter(|t| !t.exiting()).count()
    }
}

pub struct Thread {
    pub tid: Pid,
    pub process: Arc<Process>,
    /// The user registers while the thread is in the kernel.
    pub ctx: Mutex<UserContext>,
    /// set_tid_address / CLONE_CHILD_CLEARTID: cleared and futex-woken at exit.
    pub clear_child_tid: AtomicUsize,
    /// set_robust_list: (head, len).
    pub robust_list: Mutex<(usize, usize)>,
    /// Blocked signals.
    pub sigmask: AtomicU64,
    exiting: core::sync::atomic::AtomicBool,
}

impl Thread {
    /// The first thread of `process` (tid = pid), starting with `ctx`.
    pub fn new_main(process: &Arc<Process>, ctx: UserContext) -> Arc<Thread> {
        let t = Arc::new(Thread {
            tid: process.pid,
            process: process.clone(),
            ctx: Mutex::new(ctx),
            clear_child_tid: AtomicUsize::new(0),
            robust_list: Mutex::new((0, 0)),
            sigmask: AtomicU64::new(0),
            exiting: core::sync::atomic::AtomicBool::new(false),
        });
        process.threads.lock().push(Arc::downgrade(&t));
        t
    }

    /// Ask the thread to stop when it next leaves a syscall or trap.
    pub fn request_exit(&self) {
        self.exiting.store(true, Ordering::Release);
    }

    pub fn exiting(&self) -> bool {
        self.exiting.load(Ordering::Acquire)
    }

    /// exit(2) of this thread: the process ends with `code` when its last thread exits.
    pub fn exit(&self, code: i32) {
        self.request_exit();
        if self.process.live_threads() == 0 {
            self.process.exit(ExitStatus::Exited(code));
        }
    }
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
