//! The out-of-memory killer: when memory runs out with nothing left to free, end the user
//! process that holds the most, as Linux does, rather than fail the kernel.
//!
//! A frame that cannot be had (a page fault, a user copy, a tmpfs write) is remembered by
//! `mm::frame` (a page fault also calls [`out_of_memory`] directly); the way back to user mode
//! calls [`out_of_memory`] where no lock is held. It kills (SIGKILL) the process with the
//! largest resident set, except init and processes without memory of their own, and logs it
//! the way Linux does. While a killed process still holds its memory nobody else is killed:
//! who needs memory waits for [`MEMORY_FREED`], which `Process::release_mm` wakes.
use crate::process::{self, ExitStatus, Process};
use abi::signal::SIGKILL;
use alloc::sync::Arc;
use mm::aspace::AreaKind;
use sync::WaitQueue;

/// Woken whenever a process's address space is released.
pub static MEMORY_FREED: WaitQueue = WaitQueue::new();

/// What a process holds, in pages (Linux's OOM report).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    pub total_vm: usize,
    pub anon_rss: usize,
    pub file_rss: usize,
    pub shmem_rss: usize,
    pub page_tables: usize,
}

impl Footprint {
    pub fn of(p: &Process) -> Footprint {
        let mm = p.mm();
        let mut f = Footprint { page_tables: mm.page_table().frames(), ..Footprint::default() };
        for a in mm.areas() {
            f.total_vm += (a.end - a.start) / hal::mem::PAGE_SIZE;
            let rss = a.resident_pages();
            if a.is_shared() {
                f.shmem_rss += rss;
            } else if matches!(a.kind, AreaKind::File(_)) {
                f.file_rss += rss;
            } else {
                f.anon_rss += rss;
            }
        }
        f
    }
    /// The OOM killer's measure (Linux's oom_badness: resident pages and page tables).
    fn badness(&self) -> usize {
        self.anon_rss + self.file_rss + self.shmem_rss + self.page_tables
    }
}

/// Memory ran out: kill the biggest process, unless one killed before still holds memory.
/// Returns the process whose end will free memory (`None`: there is nothing to kill).
pub fn out_of_memory() -> Option<Arc<Process>> {
    let reaper = process::child_reaper_pid();
    let mut victim: Option<(Arc<Process>, Footprint)> = None;
    for p in process::all() {
        if Some(p.pid) == reaper || p.is_zombie() {
            continue;
        }
        let f = Footprint::of(&p);
        if f.badness() == 0 {
            continue; // nothing of its own to free (a linked application, a released space)
        }
        if p.is_exiting() {
            return Some(p); // still dying: wait for it
        }
        if victim.as_ref().is_none_or(|(_, v)| f.badness() > v.badness()) {
            victim = Some((p, f));
        }
    }
    let (p, f) = victim?;
    let kb = |pages: usize| pages * hal::mem::PAGE_SIZE / 1024;
    let exe = p.exe.lock().clone();
    let comm: alloc::string::String = exe.rsplit('/').next().unwrap_or("").chars().take(15).collect();
    log::error!(
        "Out of memory: Killed process {} ({comm}) total-vm:{}kB, anon-rss:{}kB, file-rss:{}kB, shmem-rss:{}kB, UID:0 pgtables:{}kB oom_score_adj:0",
        p.pid,
        kb(f.total_vm),
        kb(f.anon_rss),
        kb(f.file_rss),
        kb(f.shmem_rss),
        kb(f.page_tables),
    );
    log::error!(
        "Mem-Info: free:{}kB tmpfs:{}kB kernel-heap-grown:{}kB",
        kb(mm::frame::free()),
        fs::ramfs::bytes_held() / 1024,
        kb(mm::frame::heap_frames())
    );
    p.exit(ExitStatus::Signaled(SIGKILL));
    Some(p)
}

/// Whether `p`'s memory is gone (or going nowhere: it is reaped).
pub fn released(p: &Process) -> bool {
    p.mm().areas().next().is_none()
}
