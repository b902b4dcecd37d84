//! Kernel limits that root may tune through /proc/sys (procfs writes them, the syscalls that
//! enforce them read them). Defaults are Linux's.
use core::sync::atomic::{AtomicI32, AtomicU64};

/// kernel.msgmni: how many System V message queues may exist.
pub static MSGMNI: AtomicI32 = AtomicI32::new(32000);
/// kernel.shmmax: the largest System V shared memory segment, bytes.
pub static SHMMAX: AtomicU64 = AtomicU64::new(u64::MAX - (1 << 24));
/// kernel.pid_max. Pids count up and are not reused, so it is recorded and reported only.
pub static PID_MAX: AtomicI32 = AtomicI32::new(4194304);
