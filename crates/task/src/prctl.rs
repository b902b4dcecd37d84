//! The per-process switches prctl(2) sets: what the process's parent dying sends it, whether
//! it adopts orphaned descendants, whether it may gain privileges by exec, its timer slack.
//!
//! Linux keeps some of these per thread (pdeath_signal, no_new_privs, timer slack) and some per
//! thread group or address space; here all live in the process: its threads share one value,
//! which is what single-threaded programs (and LTP) see either way.
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed};

/// Linux's default timer slack (50 µs).
pub const DEFAULT_TIMER_SLACK_NS: u64 = 50_000;

/// personality flags a set-ID exec clears (UNAME26, ADDR_NO_RANDOMIZE, ADDR_COMPAT_LAYOUT,
/// MMAP_PAGE_ZERO, READ_IMPLIES_EXEC, ADDR_LIMIT_32BIT).
const PER_CLEAR_ON_SETID: u32 = 0x0002_0000 | 0x0004_0000 | 0x0020_0000 | 0x0010_0000 | 0x0040_0000 | 0x0080_0000;
/// personality: select(2) does not write back the time left.
pub const STICKY_TIMEOUTS: u32 = 0x0400_0000;

/// Values of the dumpable flag (PR_SET_DUMPABLE takes the first two).
pub const SUID_DUMP_DISABLE: u8 = 0;
pub const SUID_DUMP_USER: u8 = 1;

#[derive(Debug)]
pub struct PrctlState {
    /// PR_SET_PDEATHSIG: the signal sent when the parent ends (0: none). Not inherited; cleared
    /// by a set-ID exec.
    pub pdeath_signal: AtomicUsize,
    /// PR_SET_CHILD_SUBREAPER: orphans below it are reparented to it, not to init. Not inherited.
    pub child_subreaper: AtomicBool,
    /// PR_SET_DUMPABLE: 1 normally, 0 after a set-ID exec or a change of credentials (then
    /// /proc/<pid> files belong to root and ptrace is refused).
    pub dumpable: AtomicU8,
    /// PR_SET_NO_NEW_PRIVS: exec no longer honours set-ID bits. Inherited, never cleared.
    pub no_new_privs: AtomicBool,
    /// PR_SET_TIMERSLACK: the current slack and the value that 0 restores (the parent's
    /// slack when the process was made).
    pub timer_slack_ns: AtomicU64,
    pub default_timer_slack_ns: AtomicU64,
    /// PR_SET_THP_DISABLE: recorded (there are no transparent huge pages here).
    pub thp_disable: AtomicBool,
    /// personality(2)'s execution domain and flags: inherited; only STICKY_TIMEOUTS changes
    /// anything here (select leaves its timeout alone).
    pub personality: AtomicU32,
    /// ioprio_set(2)'s class and level (0: never set; then it follows the nice value).
    pub ioprio: AtomicU32,
}

impl Default for PrctlState {
    fn default() -> Self {
        PrctlState {
            pdeath_signal: AtomicUsize::new(0),
            child_subreaper: AtomicBool::new(false),
            dumpable: AtomicU8::new(SUID_DUMP_USER),
            no_new_privs: AtomicBool::new(false),
            timer_slack_ns: AtomicU64::new(DEFAULT_TIMER_SLACK_NS),
            default_timer_slack_ns: AtomicU64::new(DEFAULT_TIMER_SLACK_NS),
            thp_disable: AtomicBool::new(false),
            personality: AtomicU32::new(0),
            ioprio: AtomicU32::new(0),
        }
    }
}

impl PrctlState {
    /// A child's switches (fork, clone): what Linux's copy_process keeps.
    pub fn inherit(&self) -> PrctlState {
        let slack = self.timer_slack_ns.load(Relaxed);
        PrctlState {
            dumpable: AtomicU8::new(self.dumpable.load(Relaxed)),
            no_new_privs: AtomicBool::new(self.no_new_privs.load(Relaxed)),
            timer_slack_ns: AtomicU64::new(slack),
            default_timer_slack_ns: AtomicU64::new(slack),
            thp_disable: AtomicBool::new(self.thp_disable.load(Relaxed)),
            personality: AtomicU32::new(self.personality.load(Relaxed)),
            ioprio: AtomicU32::new(self.ioprio.load(Relaxed)),
            ..PrctlState::default()
        }
    }

    /// What an exec changes: a set-ID exec (one that changed the credentials) is not dumpable
    /// and forgets the parent-death signal; any other is dumpable again.
    pub fn exec(&self, changed_ids: bool) {
        if changed_ids {
            self.personality.fetch_and(!PER_CLEAR_ON_SETID, Relaxed);
            self.dumpable.store(SUID_DUMP_DISABLE, Relaxed);
            self.pdeath_signal.store(0, Relaxed);
        } else {
            self.dumpable.store(SUID_DUMP_USER, Relaxed);
        }
    }
}
