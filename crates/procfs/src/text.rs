//! The text of procfs files, formatted as Linux 6.x formats them.
use crate::{thread_of, Global, PidFile, TaskId};
use abi::flags::RLIMIT_RSS;
use abi::{Errno, SysResult};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering;
use mm::aspace::AreaKind;
use mm::Perm;
use task::Process;

const PAGE: u64 = 4096;
/// Clock ticks per second of the tick fields (USER_HZ).
const HZ: u64 = abi::flags::CLK_TCK;
const NS_PER_TICK: u64 = 1_000_000_000 / HZ;

/// Memory figures in bytes (/proc/meminfo, sysinfo, free).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemInfo {
    pub total: u64,
    pub free: u64,
    pub available: u64,
    /// File data in memory: every page cache (tmpfs files and the root included, as Linux
    /// counts shmem in Cached).
    pub cached: u64,
    /// Held by tmpfs, the root and memfds: it cannot be let go (there is no swap).
    pub shmem: u64,
    /// Pages of disk files shared mappings may have changed, not yet written back.
    pub dirty: u64,
}

impl MemInfo {
    /// The figures now: all frames the allocator manages, and those not handed out.
    pub fn now() -> MemInfo {
        let total = total_frames() as u64 * PAGE;
        let used = mm::frame::allocated() as u64 * PAGE;
        let free = total.saturating_sub(used);
        let cached = mm::cache::cached_pages() * PAGE;
        let shmem = fs::ramfs::bytes_held();
        let dirty = mm::cache::dirty_pages() * PAGE;
        // What could be had without killing anything: free memory and clean disk-file pages
        // (the reclaimer lets them go; a mapped one would not go, which this ignores, as
        // Linux's estimate does).
        let available = free + cached.saturating_sub(shmem + dirty);
        MemInfo { total, free, available, cached, shmem, dirty }
    }
}

#[cfg(target_os = "none")]
fn total_frames() -> usize {
    mm::frame::total()
}

/// The host has no frame allocator of fixed size: pretend to 256 MiB.
#[cfg(not(target_os = "none"))]
fn total_frames() -> usize {
    (256 << 20) / PAGE as usize
}

/// One `Label:   value kB` line of meminfo (the label padded to 16 columns, the value
/// right-aligned in 8).
fn kb_line(out: &mut String, label: &str, bytes: u64) {
    let _ = writeln!(out, "{:<16}{:>8} kB", alloc::format!("{label}:"), bytes / 1024);
}

fn meminfo() -> String {
    let m = MemInfo::now();
    let mut s = String::new();
    for (label, v) in [
        ("MemTotal", m.total),
        ("MemFree", m.free),
        ("MemAvailable", m.available),
        ("Buffers", 0),
        ("Cached", m.cached),
        ("SwapCached", 0),
        ("Active", 0),
        ("Inactive", 0),
        ("Active(anon)", 0),
        ("Inactive(anon)", 0),
        ("Active(file)", 0),
        ("Inactive(file)", 0),
        ("Unevictable", 0),
        ("Mlocked", 0),
        ("SwapTotal", 0),
        ("SwapFree", 0),
        ("Dirty", m.dirty),
        ("Writeback", 0),
        ("AnonPages", (m.total - m.free).saturating_sub(m.cached)),
        ("Mapped", 0),
        ("Shmem", m.shmem),
        ("KReclaimable", 0),
        ("Slab", 0),
        ("SReclaimable", 0),
        ("SUnreclaim", 0),
        ("KernelStack", 0),
        ("PageTables", 0),
        ("NFS_Unstable", 0),
        ("Bounce", 0),
        ("WritebackTmp", 0),
        ("CommitLimit", m.total / 2),
        ("Committed_AS", m.total - m.free),
        ("VmallocTotal", 0),
        ("VmallocUsed", 0),
        ("VmallocChunk", 0),
        ("Percpu", 0),
    ] {
        kb_line(&mut s, label, v);
    }
    s.push_str(
        "HugePages_Total:       0\nHugePages_Free:        0\nHugePages_Rsvd:        0\nHugePages_Surp:        0\n",
    );
    kb_line(&mut s, "Hugepagesize", 2 << 20);
    kb_line(&mut s, "Hugetlb", 0);
    s
}

/// `seconds.hundredths` of a nanosecond count.
fn centi(ns: u64) -> String {
    format!("{}.{:02}", ns / 1_000_000_000, ns % 1_000_000_000 / 10_000_000)
}

fn ticks(ns: u64) -> u64 {
    ns / NS_PER_TICK
}

pub(crate) fn global(g: Global) -> String {
    let now = hal::time::now_ns();
    match g {
        Global::Meminfo => meminfo(),
        Global::Uptime => {
            // Idle time: what the processes have not used (one CPU).
            let busy: u64 = task::process::all()
                .iter()
                .map(|p| p.user_ns.load(Ordering::Relaxed) + p.system_ns.load(Ordering::Relaxed))
                .sum();
            format!("{} {}\n", centi(now), centi(now.saturating_sub(busy)))
        }
        Global::Loadavg => {
            let procs = task::process::all();
            let threads: usize = procs.iter().map(|p| p.live_threads()).sum();
            let last = procs.iter().map(|p| p.pid).max().unwrap_or(0);
            format!("0.00 0.00 0.00 1/{threads} {last}\n")
        }
        Global::Stat => {
            let procs = task::process::all();
            let user: u64 = procs.iter().map(|p| p.user_ns.load(Ordering::Relaxed)).sum();
            let sys: u64 = procs.iter().map(|p| p.system_ns.load(Ordering::Relaxed)).sum();
            let idle = now.saturating_sub(user + sys);
            let cpu = format!("{} 0 {} {} 0 0 0 0 0 0", ticks(user), ticks(sys), ticks(idle));
            let btime = hal::time::boot_epoch_ns() / 1_000_000_000;
            let last = procs.iter().map(|p| p.pid).max().unwrap_or(0);
            format!(
                "cpu  {cpu}\ncpu0 {cpu}\nintr 0\nctxt 0\nbtime {btime}\nprocesses {last}\nprocs_running 1\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n"
            )
        }
        Global::Cpuinfo => String::from(
            "processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdc\nmmu\t\t: sv39\nmvendorid\t: 0x0\nmarchid\t\t: 0x0\nmimpid\t\t: 0x0\n\n",
        ),
        Global::Version => format!("Linux version {} (bakaex@bakaex) (rustc) #1 BakaEx\n", RELEASE),
        Global::Filesystems => {
            let mut s = String::new();
            for (name, dev) in fs::vfs::fs_types() {
                let _ = writeln!(s, "{}\t{name}", if dev { "" } else { "nodev" });
            }
            s
        }
        Global::Cmdline => String::from("console=ttyS0\n"),
    }
}

/// The kernel release uname reports (kept in step with `syscalls::info::RELEASE`).
pub(crate) const RELEASE: &str = "6.1.0-bakaex";
/// The kernel's version string (uname's `version`, /proc/sys/kernel/version).
pub const VERSION: &str = "#1 BakaEx";

/// The name of a task (comm): what prctl(PR_SET_NAME) made it (the thread's name; for a
/// process, its main thread's), else the process's [`exec_comm`].
pub(crate) fn comm(p: &Process, id: TaskId) -> String {
    let want = id.tid.unwrap_or(id.pid) as usize;
    match p.threads_alive().iter().find(|t| t.tid() == want).and_then(|t| t.name()) {
        Some(name) => String::from_utf8_lossy(&name).into_owned(),
        None => exec_comm(p),
    }
}

/// The name of a process from its program (comm): the base name of the path it was started
/// with (execve's filename, kept by the loader as AT_EXECFN right after the environment
/// strings), at most 15 bytes (TASK_COMM_LEN - 1). /bin/ps as a link to busybox is "ps", as on
/// Linux.
pub fn exec_comm(p: &Process) -> String {
    let execfn = {
        let mut mm = p.mm.lock();
        let at = mm.args.env_end;
        if at == 0 {
            None
        } else {
            mm.read_cstr(at, 4095).ok()
        }
    };
    let path = match execfn {
        Some(bytes) if !bytes.is_empty() => String::from_utf8_lossy(&bytes).into_owned(),
        _ => p.exe.lock().clone(),
    };
    let base = path.rsplit('/').next().unwrap_or("");
    let mut end = base.len().min(15);
    while !base.is_char_boundary(end) {
        end -= 1;
    }
    String::from(&base[..end])
}

/// The one-letter state of a task, and its long name.
fn state(p: &Process, id: TaskId, viewer: u32) -> (char, &'static str) {
    if p.is_zombie() {
        ('Z', "zombie")
    } else if p.stopped().is_some() {
        ('T', "stopped")
    } else if viewer == id.pid || thread_of(id).is_some_and(|t| t.runnable.load(Ordering::Relaxed)) {
        ('R', "running")
    } else {
        ('S', "sleeping")
    }
}

/// Memory figures of a process, in bytes.
#[derive(Default)]
struct VmStats {
    size: u64,
    rss: u64,
    data: u64,
    stack: u64,
    exe: u64,
    start_code: u64,
    end_code: u64,
    start_stack: u64,
    brk: u64,
    args: mm::aspace::ArgArea,
}

fn vm_stats(p: &Process) -> VmStats {
    let mm = p.mm.lock();
    let mut v = VmStats { args: mm.args, brk: mm.brk() as u64, ..VmStats::default() };
    for a in mm.areas() {
        let len = (a.end - a.start) as u64;
        v.size += len;
        v.rss += a.resident_pages() as u64 * PAGE;
        match &a.kind {
            AreaKind::Stack => {
                v.stack += len;
                v.start_stack = a.end as u64;
            }
            AreaKind::File(_) if a.perm.contains(Perm::X) => {
                v.exe += len;
                if v.start_code == 0 || (a.start as u64) < v.start_code {
                    v.start_code = a.start as u64;
                }
                v.end_code = v.end_code.max(a.end as u64);
            }
            _ if a.perm.contains(Perm::W) => v.data += len,
            _ => {}
        }
    }
    if v.args.arg_start != 0 {
        v.start_stack = v.args.arg_start as u64;
    }
    v
}

/// Signal masks of a task: (pending, blocked, ignored, caught).
fn signal_sets(p: &Arc<Process>, id: TaskId) -> (u64, u64, u64, u64) {
    let (pending, blocked) = match thread_of(id) {
        Some(t) => (task::signal::pending(&t), t.sigmask.load(Ordering::Relaxed)),
        None => (0, 0),
    };
    let actions = *p.sigactions.lock();
    let (mut ign, mut cgt) = (0u64, 0u64);
    for (i, a) in actions.iter().enumerate() {
        match a.handler {
            0 => {}
            1 => ign |= 1 << i,
            _ => cgt |= 1 << i,
        }
    }
    (pending, blocked, ign, cgt)
}

fn stat_line(p: &Arc<Process>, id: TaskId, viewer: u32) -> String {
    let (st, _) = state(p, id, viewer);
    let vm = vm_stats(p);
    let (pending, blocked, ign, cgt) = signal_sets(p, id);
    let utime = ticks(p.user_ns.load(Ordering::Relaxed));
    let stime = ticks(p.system_ns.load(Ordering::Relaxed));
    let cutime = ticks(p.children_user_ns.load(Ordering::Relaxed));
    let cstime = ticks(p.children_system_ns.load(Ordering::Relaxed));
    let threads = p.live_threads().max(1);
    let start = ticks(p.start_ns);
    let rsslim = p.rlimits.lock()[RLIMIT_RSS].cur;
    let exit_code = p.exit_status().map_or(0, |s| s.wait_status());
    let exit_signal = p.exit_signal.load(Ordering::Relaxed);
    // PF_RANDOMIZE, and PF_FORKNOEXEC until the process execs.
    let flags = 0x40_0000 | if p.has_execed() { 0 } else { 0x40 };
    let pid = id.tid.unwrap_or(id.pid);
    format!(
        "{pid} ({comm}) {st} {ppid} {pgrp} {sid} 0 -1 {flags} 0 0 0 0 {utime} {stime} {cutime} {cstime} 20 0 \
         {threads} 0 {start} {vsize} {rss} {rsslim} {startcode} {endcode} {startstack} 0 0 {pending} {blocked} \
         {ign} {cgt} 0 0 0 {exit_signal} 0 0 0 0 0 0 {startdata} {enddata} {startbrk} {argstart} {argend} \
         {envstart} {envend} {exit_code}\n",
        comm = comm(p, id),
        ppid = p.ppid(),
        pgrp = p.pgid(),
        sid = p.sid(),
        vsize = vm.size,
        rss = vm.rss / PAGE,
        startcode = vm.start_code,
        endcode = vm.end_code,
        startstack = vm.start_stack,
        startdata = vm.end_code,
        enddata = vm.brk,
        startbrk = vm.brk,
        argstart = vm.args.arg_start,
        argend = vm.args.arg_end,
        envstart = vm.args.env_start,
        envend = vm.args.env_end,
    )
}

/// A `Label:\t   value kB` line of status.
fn vm_line(out: &mut String, label: &str, bytes: u64) {
    let _ = writeln!(out, "{label}:\t{:>8} kB", bytes / 1024);
}

fn status(p: &Arc<Process>, id: TaskId, viewer: u32) -> String {
    let (st, name) = state(p, id, viewer);
    let vm = vm_stats(p);
    let (pending, blocked, ign, cgt) = signal_sets(p, id);
    let umask = p.fs.lock().umask;
    let fd_size = p.files().iter().last().map_or(0, |(fd, _)| fd as usize + 1).next_multiple_of(64).max(64);
    let pid = id.tid.unwrap_or(id.pid);
    let c = id.tid.and_then(|t| task::process::lookup_thread(t as usize)).map_or_else(|| p.cred(), |t| t.cred());
    // Space-separated, and a space after the last (Linux's "trailing space").
    let mut groups = String::new();
    for (i, g) in c.groups.iter().enumerate() {
        let _ = write!(groups, "{}{g}", if i > 0 { " " } else { "" });
    }
    groups.push(' ');
    let mut s = String::new();
    let _ = write!(
        s,
        "Name:\t{comm}\nUmask:\t{umask:04o}\nState:\t{st} ({name})\nTgid:\t{tgid}\nNgid:\t0\nPid:\t{pid}\nPPid:\t{ppid}\n\
         TracerPid:\t0\nUid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}\nFDSize:\t{fd_size}\nGroups:\t{groups}\n\
         NStgid:\t{tgid}\nNSpid:\t{pid}\nNSpgid:\t{pgid}\nNSsid:\t{sid}\n",
        c.uid,
        c.euid,
        c.suid,
        c.fsuid,
        c.gid,
        c.egid,
        c.sgid,
        c.fsgid,
        comm = comm(p, id),
        tgid = id.pid,
        ppid = p.ppid(),
        pgid = p.pgid(),
        sid = p.sid(),
    );
    if !p.is_zombie() {
        for (label, v) in [
            ("VmPeak", vm.size),
            ("VmSize", vm.size),
            ("VmLck", 0),
            ("VmPin", 0),
            ("VmHWM", vm.rss),
            ("VmRSS", vm.rss),
            ("RssAnon", vm.rss),
            ("RssFile", 0),
            ("RssShmem", 0),
            ("VmData", vm.data),
            ("VmStk", vm.stack),
            ("VmExe", vm.exe),
            ("VmLib", 0),
            ("VmPTE", 0),
            ("VmSwap", 0),
        ] {
            vm_line(&mut s, label, v);
        }
        s.push_str("HugetlbPages:\t       0 kB\nCoreDumping:\t0\nTHP_enabled:\t0\n");
    }
    let _ = write!(
        s,
        "Threads:\t{threads}\nSigQ:\t0/{sigq}\nSigPnd:\t{pending:016x}\nShdPnd:\t{zero:016x}\nSigBlk:\t{blocked:016x}\n\
         SigIgn:\t{ign:016x}\nSigCgt:\t{cgt:016x}\nCapInh:\t{inh:016x}\nCapPrm:\t{prm:016x}\nCapEff:\t{eff:016x}\n\
         CapBnd:\t{bnd:016x}\nCapAmb:\t{amb:016x}\nNoNewPrivs:\t{nnp}\nSeccomp:\t0\nSeccomp_filters:\t0\n\
         Speculation_Store_Bypass:\tnot vulnerable\nSpeculationIndirectBranch:\tunknown\nCpus_allowed:\t1\n\
         Cpus_allowed_list:\t0\nMems_allowed:\t1\nMems_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\n\
         nonvoluntary_ctxt_switches:\t0\n",
        threads = p.live_threads().max(1),
        sigq = 4096,
        zero = 0,
        inh = c.cap_inheritable,
        prm = c.cap_permitted,
        eff = c.cap_effective,
        bnd = c.cap_bounding,
        amb = c.cap_ambient,
        nnp = p.prctl.no_new_privs.load(core::sync::atomic::Ordering::Relaxed) as u8,
    );
    s
}

fn statm(p: &Process) -> String {
    let vm = vm_stats(p);
    format!("{} {} 0 {} 0 {} 0\n", vm.size / PAGE, vm.rss / PAGE, vm.exe / PAGE, (vm.data + vm.stack) / PAGE)
}

/// A maps line: the fixed part padded to 72 columns, then a space and the name.
fn maps(p: &Process) -> String {
    let mm = p.mm.lock();
    let mut s = String::new();
    for a in mm.areas() {
        let perm = |f: Perm, c: char| if a.perm.contains(f) { c } else { '-' };
        let mut line = format!(
            "{:08x}-{:08x} {}{}{}{} {:08x} 00:00 0 ",
            a.start,
            a.end,
            perm(Perm::R, 'r'),
            perm(Perm::W, 'w'),
            perm(Perm::X, 'x'),
            if a.is_shared() { 's' } else { 'p' },
            0
        );
        let name = match &a.kind {
            AreaKind::File(path) => Some(path.as_str()),
            AreaKind::Heap => Some("[heap]"),
            AreaKind::Stack => Some("[stack]"),
            _ => None,
        };
        if let Some(name) = name {
            while line.len() < 72 {
                line.push(' ');
            }
            line.push(' ');
            line.push_str(name);
        }
        s.push_str(&line);
        s.push('\n');
    }
    s
}

/// Bytes `[start, end)` of the process's memory (cmdline, environ); what cannot be read ends
/// the text.
fn user_bytes(p: &Process, start: usize, end: usize) -> Vec<u8> {
    let mut out = alloc::vec![0u8; end.saturating_sub(start)];
    let mut mm = p.mm.lock();
    let mut done = 0;
    while done < out.len() {
        let n = (out.len() - done).min(PAGE as usize - (start + done) % PAGE as usize);
        if mm.read_bytes(start + done, &mut out[done..done + n]).is_err() {
            break;
        }
        done += n;
    }
    out.truncate(done);
    out
}

/// Escape a /proc/mounts field: space, tab, newline and backslash as octal.
fn escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            ' ' | '\t' | '\n' | '\\' => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn mounts(p: &Process, info: bool) -> String {
    let root = p.fs.lock().root.clone();
    let mut s = String::new();
    for m in fs::vfs::mounts_under(&root) {
        let path = escape(&m.path);
        let opts = m.option_string();
        if info {
            // Per-mount options first, then the file system's own ("k=v") ones.
            let (fs_opts, mnt_opts): (Vec<&str>, Vec<&str>) = opts.split(',').partition(|o| o.contains('='));
            let rw = mnt_opts.first().copied().unwrap_or("rw");
            let mut super_opts = String::from(rw);
            for o in fs_opts {
                super_opts.push(',');
                super_opts.push_str(o);
            }
            let parent = m.parent.as_ref().map_or(m.id, |p| p.id);
            let dev = m.dev();
            let _ = writeln!(
                s,
                "{} {} {}:{} {} {} {} - {} {} {}",
                m.id,
                parent,
                fs::meta::dev_major(dev),
                fs::meta::dev_minor(dev),
                escape(&m.root_path),
                path,
                mnt_opts.join(","),
                m.fs.fs_type(),
                escape(&m.source),
                super_opts,
            );
        } else {
            let _ = writeln!(s, "{} {} {} {} 0 0", escape(&m.source), path, m.fs.fs_type(), opts);
        }
    }
    s
}

pub(crate) fn task_file(id: TaskId, f: PidFile, viewer: u32) -> SysResult<Vec<u8>> {
    let p = task::process::lookup(id.pid as usize).ok_or(Errno::ESRCH)?;
    let zombie = p.is_zombie();
    Ok(match f {
        PidFile::Stat => stat_line(&p, id, viewer).into_bytes(),
        PidFile::Status => status(&p, id, viewer).into_bytes(),
        PidFile::Statm => statm(&p).into_bytes(),
        PidFile::Comm => format!("{}\n", comm(&p, id)).into_bytes(),
        PidFile::TimerSlack => {
            format!("{}\n", p.prctl.timer_slack_ns.load(core::sync::atomic::Ordering::Relaxed)).into_bytes()
        }
        PidFile::Cmdline | PidFile::Environ if zombie => Vec::new(),
        PidFile::Cmdline => {
            let a = p.mm.lock().args;
            user_bytes(&p, a.arg_start, a.arg_end)
        }
        PidFile::Environ => {
            let a = p.mm.lock().args;
            user_bytes(&p, a.env_start, a.env_end)
        }
        PidFile::Maps if zombie => Vec::new(),
        PidFile::Maps => maps(&p).into_bytes(),
        PidFile::Mounts | PidFile::Mountinfo if zombie => return Err(Errno::EINVAL),
        PidFile::Mounts => mounts(&p, false).into_bytes(),
        PidFile::Mountinfo => mounts(&p, true).into_bytes(),
    })
}

/// /proc/<pid>/fdinfo/<fd>: the offset, the status flags (O_CLOEXEC among them when the
/// descriptor has it), the mount and inode, and what the kind of file adds (an inotify
/// instance's watches, an eventfd's counter), as Linux prints them.
pub(crate) fn fdinfo(pid: u32, fd: i32) -> SysResult<Vec<u8>> {
    let p = task::process::lookup(pid as usize).ok_or(Errno::ENOENT)?;
    let (file, cloexec) = {
        let files = p.files();
        let e = files.entry(fd).map_err(|_| Errno::ENOENT)?;
        (e.file.clone(), e.cloexec)
    };
    let st = file.inode().stat();
    let mut flags = file.flags().bits();
    if cloexec {
        flags |= abi::flags::OpenFlags::CLOEXEC.bits();
    }
    let mnt = fs::vfs::mount_of_dev(st.st_dev).map_or(0, |m| m.id);
    let mut out = format!("pos:\t{}\nflags:\t0{:o}\nmnt_id:\t{}\nino:\t{}\n", file.offset(), flags, mnt, st.st_ino);
    let node = &**file.inode();
    if let Some(group) = fs::notify::as_inotify(node) {
        for (wd, (dev, ino), mask) in group.watches() {
            // sdev is the kernel's dev_t: major << 20 | minor.
            let (major, minor) = fs::meta::split_dev(dev);
            let sdev = (major << 20) | minor;
            let _ = writeln!(out, "inotify wd:{wd:x} ino:{ino:x} sdev:{sdev:x} mask:{mask:x} ignored_mask:0");
        }
    } else if let Some(ev) = node.as_any().and_then(|a| a.downcast_ref::<fs::eventfd::EventFd>()) {
        let _ = writeln!(out, "eventfd-count: {:16x}", ev.count());
    }
    Ok(out.into_bytes())
}
