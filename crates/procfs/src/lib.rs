//! procfs: the kernel's view of processes and the system as files (/proc).
//!
//! This is its own crate, between `task` and `syscalls`, because it shows processes: their
//! memory areas (`mm`), descriptors and cwd (`task`). `fs`, where the other file systems live,
//! sits below `task` and must not know it.
//!
//! Nothing is stored: every node is made when it is looked up, names a process (or thread) by
//! number, and produces its text from the live state each time it is read, formatted exactly
//! as Linux 6.x prints it (busybox's ps, top, free, df and glibc parse these files). A node
//! remembers who looked it up ([`Who`]) so a process reading its own stat sees itself running.
//!
//! ```text
//! /proc/self -> <pid>           /proc/thread-self -> <pid>/task/<tid>
//! /proc/<pid>/ stat status statm cmdline environ comm maps mounts mountinfo
//!              exe cwd root (links) fd/<n> (links) task/<tid>/...
//! /proc/<pid>/net/ tcp tcp6 udp udp6 dev     /proc/net -> self/net
//! /proc/meminfo uptime loadavg stat cpuinfo version filesystems cmdline mounts (-> self/mounts)
//! /proc/sys/kernel/pid_max ... (tunables, `sysctl`: read-only but fs/mqueue/*)
//! ```
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod net;
mod sysctl;
mod text;

use abi::flags::{Access, S_IFDIR, S_IFLNK, S_IFREG};
use abi::structs::Stat;
use abi::{Errno, SysResult};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::any::Any;
use fs::vfs::{FileSystem, StatFs};
use fs::{DirEntry, FileKind, Inode, InodeRef, Who};
use task::{Process, Thread};

pub use text::{exec_comm, MemInfo, VERSION};

/// procfs's magic number (statfs f_type).
pub const PROC_SUPER_MAGIC: i64 = 0x9fa0;

/// One mounted procfs.
pub struct ProcFs {
    dev: u64,
}

impl ProcFs {
    pub fn new() -> Arc<ProcFs> {
        Arc::new(ProcFs { dev: fs::meta::alloc_dev() })
    }
}

impl FileSystem for ProcFs {
    fn fs_type(&self) -> &str {
        "proc"
    }
    fn root(&self) -> InodeRef {
        Arc::new(ProcNode { dev: self.dev, what: What::Root, viewer: 0 })
    }
    fn statfs(&self) -> StatFs {
        StatFs { magic: PROC_SUPER_MAGIC, bsize: 4096, namelen: 255, ..StatFs::default() }
    }
}

/// Make "proc" mountable.
pub fn register() {
    fs::vfs::register_fs_type("proc", false, |_, _, _| Ok(ProcFs::new()));
}

/// Files of /proc itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Global {
    Meminfo,
    Uptime,
    Loadavg,
    Stat,
    Cpuinfo,
    Version,
    Filesystems,
    Cmdline,
}

const GLOBALS: [(&str, Global); 8] = [
    ("meminfo", Global::Meminfo),
    ("uptime", Global::Uptime),
    ("loadavg", Global::Loadavg),
    ("stat", Global::Stat),
    ("cpuinfo", Global::Cpuinfo),
    ("version", Global::Version),
    ("filesystems", Global::Filesystems),
    ("cmdline", Global::Cmdline),
];

/// Files of /proc/<pid> and /proc/<pid>/task/<tid>.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PidFile {
    Stat,
    Status,
    Statm,
    Cmdline,
    Environ,
    Comm,
    Maps,
    Mounts,
    Mountinfo,
    TimerSlack,
}

const PID_FILES: [(&str, PidFile); 10] = [
    ("stat", PidFile::Stat),
    ("status", PidFile::Status),
    ("statm", PidFile::Statm),
    ("cmdline", PidFile::Cmdline),
    ("environ", PidFile::Environ),
    ("comm", PidFile::Comm),
    ("maps", PidFile::Maps),
    ("mounts", PidFile::Mounts),
    ("mountinfo", PidFile::Mountinfo),
    ("timerslack_ns", PidFile::TimerSlack),
];

/// Magic links of /proc/<pid>.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PidLink {
    Exe,
    Cwd,
    Root,
}

const PID_LINKS: [(&str, PidLink); 3] = [("exe", PidLink::Exe), ("cwd", PidLink::Cwd), ("root", PidLink::Root)];

/// A task: a process (`tid` None) or one of its threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TaskId {
    pub pid: u32,
    pub tid: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum What {
    Root,
    SelfLink,
    ThreadSelfLink,
    MountsLink,
    /// /proc/net -> self/net.
    NetLink,
    /// /proc/<pid>/net and its files.
    NetDir(u32),
    NetFile(u32, net::NetFile),
    Global(Global),
    TaskDir(TaskId),
    TaskFile(TaskId, PidFile),
    TaskLink(TaskId, PidLink),
    Threads(u32),
    Fds(u32),
    Fd(u32, i32),
    /// /proc/<pid>/fdinfo and its files.
    FdInfos(u32),
    FdInfo(u32, i32),
    /// /proc/sys and its directories, by path under it ("" for /proc/sys).
    SysDir(&'static str),
    /// A file of /proc/sys, by its index in `sysctl::SYSCTLS`.
    SysFile(usize),
    /// /proc/sysvipc and its files (0: msg, 1: sem, 2: shm).
    SysvipcDir,
    Sysvipc(u8),
}

/// The files of /proc/sysvipc.
const SYSVIPC_FILES: [&str; 3] = ["msg", "sem", "shm"];

/// What gives the text of /proc/sysvipc's files (System V IPC lives in crate `syscalls`,
/// which sets this).
pub static SYSVIPC: sync::Once<fn(u8) -> String> = sync::Once::new();

/// A node of procfs.
pub struct ProcNode {
    dev: u64,
    what: What,
    /// The pid of the process that looked the node up.
    viewer: u32,
}

/// The process a /proc/<pid> directory names (pidfd_send_signal takes one as a pidfd, as
/// Linux does), if `file` is one.
pub fn process_dir_pid(file: &fs::File) -> Option<usize> {
    match file.inode().as_any()?.downcast_ref::<ProcNode>()?.what {
        What::TaskDir(TaskId { pid, tid: None }) => Some(pid as usize),
        _ => None,
    }
}

/// The child `name` of the /proc/sys directory `path`.
fn sys_child(path: &'static str, name: &str) -> Option<What> {
    let full = if path.is_empty() { String::from(name) } else { format!("{path}/{name}") };
    if let Some(i) = sysctl::file(&full) {
        return Some(What::SysFile(i));
    }
    // A directory: its path as the table spells it (a `'static` prefix of one of its entries).
    sysctl::SYSCTLS
        .iter()
        .find_map(|(p, ..)| p.strip_prefix(full.as_str()).filter(|r| r.starts_with('/')).map(|_| &p[..full.len()]))
        .filter(|d| sysctl::is_dir(d))
        .map(What::SysDir)
}

/// The process with this pid (zombies too).
fn process(pid: u32) -> SysResult<Arc<Process>> {
    task::process::lookup(pid as usize).ok_or(Errno::ENOENT)
}

/// The thread a task id names: the thread itself, or a process's main thread (or any).
pub(crate) fn thread_of(id: TaskId) -> Option<Arc<Thread>> {
    let p = task::process::lookup(id.pid as usize)?;
    let threads = p.threads_alive();
    let want = id.tid.unwrap_or(id.pid) as usize;
    threads.iter().find(|t| t.tid() == want).cloned().or_else(|| threads.first().cloned())
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl ProcNode {
    fn child(&self, what: What, who: &Who) -> InodeRef {
        Arc::new(ProcNode { dev: self.dev, what, viewer: who.pid })
    }

    /// A stable inode number (a node is made anew on every lookup).
    fn ino(&self) -> u64 {
        match self.what {
            What::Root => 1,
            other => (fnv(format!("{other:?}").as_bytes()) >> 2) | 2,
        }
    }

    fn task_exists(id: TaskId) -> bool {
        match (task::process::lookup(id.pid as usize), id.tid) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(p), Some(t)) => p.threads_alive().iter().any(|th| th.tid() == t as usize),
        }
    }

    /// Start time of the process the node is about (boot time for global nodes).
    fn time(&self) -> (i64, u64) {
        let pid = match self.what {
            What::TaskDir(t) | What::TaskFile(t, _) | What::TaskLink(t, _) => Some(t.pid),
            What::Threads(p)
            | What::Fds(p)
            | What::Fd(p, _)
            | What::FdInfos(p)
            | What::FdInfo(p, _)
            | What::NetDir(p)
            | What::NetFile(p, _) => Some(p),
            _ => None,
        };
        let start = pid.and_then(|p| task::process::lookup(p as usize)).map_or(0, |p| p.start_ns);
        let t = hal::time::boot_epoch_ns() + start;
        ((t / 1_000_000_000) as i64, t % 1_000_000_000)
    }

    fn content(&self) -> SysResult<Vec<u8>> {
        match self.what {
            What::Global(g) => Ok(text::global(g).into_bytes()),
            What::TaskFile(id, f) => text::task_file(id, f, self.viewer),
            What::NetFile(_, f) => Ok(net::content(f).into_bytes()),
            What::SysFile(i) => Ok(sysctl::content(i).into_bytes()),
            What::FdInfo(pid, fd) => text::fdinfo(pid, fd),
            What::Sysvipc(f) => Ok(SYSVIPC.get().map(|g| g(f)).unwrap_or_default().into_bytes()),
            _ => Err(Errno::EISDIR),
        }
    }

    fn dir_entries(&self) -> SysResult<Vec<DirEntry>> {
        let entry = |name: &str, kind: FileKind, what: What| DirEntry {
            name: name.to_string(),
            ino: ProcNode { dev: self.dev, what, viewer: 0 }.ino(),
            kind,
        };
        let mut v = vec![entry(".", FileKind::Directory, self.what), entry("..", FileKind::Directory, What::Root)];
        match self.what {
            What::Root => {
                v.push(entry("self", FileKind::Symlink, What::SelfLink));
                v.push(entry("thread-self", FileKind::Symlink, What::ThreadSelfLink));
                v.push(entry("mounts", FileKind::Symlink, What::MountsLink));
                v.push(entry("net", FileKind::Symlink, What::NetLink));
                v.push(entry("sys", FileKind::Directory, What::SysDir("")));
                v.push(entry("sysvipc", FileKind::Directory, What::SysvipcDir));
                for (name, g) in GLOBALS {
                    v.push(entry(name, FileKind::Regular, What::Global(g)));
                }
                for p in task::process::all() {
                    let id = TaskId { pid: p.pid as u32, tid: None };
                    v.push(entry(&p.pid.to_string(), FileKind::Directory, What::TaskDir(id)));
                }
            }
            What::TaskDir(id) => {
                if !Self::task_exists(id) {
                    return Err(Errno::ENOENT);
                }
                for (name, f) in PID_FILES {
                    v.push(entry(name, FileKind::Regular, What::TaskFile(id, f)));
                }
                for (name, l) in PID_LINKS {
                    v.push(entry(name, FileKind::Symlink, What::TaskLink(id, l)));
                }
                v.push(entry("fd", FileKind::Directory, What::Fds(id.pid)));
                v.push(entry("fdinfo", FileKind::Directory, What::FdInfos(id.pid)));
                v.push(entry("net", FileKind::Directory, What::NetDir(id.pid)));
                if id.tid.is_none() {
                    v.push(entry("task", FileKind::Directory, What::Threads(id.pid)));
                }
            }
            What::Threads(pid) => {
                for t in process(pid)?.threads_alive() {
                    let id = TaskId { pid, tid: Some(t.tid() as u32) };
                    v.push(entry(&t.tid().to_string(), FileKind::Directory, What::TaskDir(id)));
                }
            }
            What::Fds(pid) => {
                let p = process(pid)?;
                let fds: Vec<i32> = p.files().iter().map(|(fd, _)| fd).collect();
                for fd in fds {
                    v.push(entry(&fd.to_string(), FileKind::Symlink, What::Fd(pid, fd)));
                }
            }
            What::FdInfos(pid) => {
                let p = process(pid)?;
                let fds: Vec<i32> = p.files().iter().map(|(fd, _)| fd).collect();
                for fd in fds {
                    v.push(entry(&fd.to_string(), FileKind::Regular, What::FdInfo(pid, fd)));
                }
            }
            What::NetDir(pid) => {
                process(pid)?;
                for &(name, f) in net::NET_FILES {
                    v.push(entry(name, FileKind::Regular, What::NetFile(pid, f)));
                }
            }
            What::SysvipcDir => {
                for (i, name) in SYSVIPC_FILES.iter().enumerate() {
                    v.push(entry(name, FileKind::Regular, What::Sysvipc(i as u8)));
                }
            }
            What::SysDir(path) => {
                for (name, dir) in sysctl::list(path) {
                    let child = sys_child(path, name).ok_or(Errno::ENOENT)?;
                    v.push(entry(name, if dir { FileKind::Directory } else { FileKind::Regular }, child));
                }
            }
            _ => return Err(Errno::ENOTDIR),
        }
        Ok(v)
    }

    fn find(&self, name: &str, who: &Who) -> SysResult<InodeRef> {
        match (self.what, name) {
            (_, ".") => return Ok(self.child(self.what, who)),
            (What::Root, "..") => return Ok(self.child(What::Root, who)),
            (What::TaskDir(TaskId { pid, tid: Some(_) }), "..") => return Ok(self.child(What::Threads(pid), who)),
            (What::Fds(pid) | What::FdInfos(pid) | What::Threads(pid) | What::NetDir(pid), "..") => {
                return Ok(self.child(What::TaskDir(TaskId { pid, tid: None }), who))
            }
            (What::SysDir(path), "..") if !path.is_empty() => {
                let up = path.rsplit_once('/').map_or("", |(d, _)| d);
                return Ok(self.child(What::SysDir(up), who));
            }
            (_, "..") => return Ok(self.child(What::Root, who)),
            _ => {}
        }
        let what = match self.what {
            What::Root => match name {
                "self" => What::SelfLink,
                "thread-self" => What::ThreadSelfLink,
                "mounts" => What::MountsLink,
                "net" => What::NetLink,
                "sys" => What::SysDir(""),
                "sysvipc" => What::SysvipcDir,
                _ => match GLOBALS.iter().find(|(n, _)| *n == name) {
                    Some((_, g)) => What::Global(*g),
                    None => {
                        let n: usize = name.parse().map_err(|_| Errno::ENOENT)?;
                        if name.starts_with('0') || name.starts_with('+') {
                            return Err(Errno::ENOENT);
                        }
                        if task::process::lookup(n).is_some() {
                            What::TaskDir(TaskId { pid: n as u32, tid: None })
                        } else {
                            // A thread's id works as a directory too (hidden from listings).
                            let t = task::process::lookup_thread(n).ok_or(Errno::ENOENT)?;
                            What::TaskDir(TaskId { pid: t.process.pid as u32, tid: Some(n as u32) })
                        }
                    }
                },
            },
            What::TaskDir(id) => {
                if !Self::task_exists(id) {
                    return Err(Errno::ENOENT);
                }
                if let Some((_, f)) = PID_FILES.iter().find(|(n, _)| *n == name) {
                    What::TaskFile(id, *f)
                } else if let Some((_, l)) = PID_LINKS.iter().find(|(n, _)| *n == name) {
                    What::TaskLink(id, *l)
                } else if name == "fd" {
                    What::Fds(id.pid)
                } else if name == "fdinfo" {
                    What::FdInfos(id.pid)
                } else if name == "net" {
                    What::NetDir(id.pid)
                } else if name == "task" && id.tid.is_none() {
                    What::Threads(id.pid)
                } else {
                    return Err(Errno::ENOENT);
                }
            }
            What::Threads(pid) => {
                let tid: usize = name.parse().map_err(|_| Errno::ENOENT)?;
                if !process(pid)?.threads_alive().iter().any(|t| t.tid() == tid) {
                    return Err(Errno::ENOENT);
                }
                What::TaskDir(TaskId { pid, tid: Some(tid as u32) })
            }
            What::SysDir(path) => sys_child(path, name).ok_or(Errno::ENOENT)?,
            What::SysvipcDir => {
                What::Sysvipc(SYSVIPC_FILES.iter().position(|f| *f == name).ok_or(Errno::ENOENT)? as u8)
            }
            What::NetDir(pid) => {
                process(pid)?;
                let (_, f) = net::NET_FILES.iter().find(|(n, _)| *n == name).ok_or(Errno::ENOENT)?;
                What::NetFile(pid, *f)
            }
            What::Fds(pid) | What::FdInfos(pid) => {
                let fd: i32 = name.parse().map_err(|_| Errno::ENOENT)?;
                process(pid)?.files().get(fd).map_err(|_| Errno::ENOENT)?;
                if matches!(self.what, What::Fds(_)) {
                    What::Fd(pid, fd)
                } else {
                    What::FdInfo(pid, fd)
                }
            }
            _ => return Err(Errno::ENOTDIR),
        };
        Ok(self.child(what, who))
    }

    /// What a magic link stands for: a node and its path.
    fn target(&self) -> SysResult<(Option<InodeRef>, String)> {
        match self.what {
            What::TaskLink(id, PidLink::Exe) => {
                let p = process(id.pid)?;
                let exe = p.exe.lock().clone();
                if exe.is_empty() {
                    return Err(Errno::ENOENT);
                }
                Ok((None, exe))
            }
            What::TaskLink(id, l) => {
                let p = process(id.pid)?;
                if p.is_zombie() {
                    return Err(Errno::ENOENT);
                }
                let fs = p.fs.lock();
                Ok(match l {
                    PidLink::Cwd => (Some(fs.cwd.clone()), fs.cwd_path.clone()),
                    _ => (Some(fs.root.clone()), String::from("/")),
                })
            }
            What::Fd(pid, fd) => {
                let file = process(pid)?.files().get(fd).map_err(|_| Errno::ENOENT)?;
                Ok((Some(file.inode().clone()), file.path.clone()))
            }
            _ => Err(Errno::EINVAL),
        }
    }
}

impl Inode for ProcNode {
    /// Never: the text is made on every read, from address spaces among other things (Linux:
    /// ENODEV, proc files have no mmap).
    fn mappable(&self) -> bool {
        false
    }
    fn kind(&self) -> FileKind {
        match self.what {
            What::Root
            | What::TaskDir(_)
            | What::Threads(_)
            | What::Fds(_)
            | What::FdInfos(_)
            | What::NetDir(_)
            | What::SysDir(_)
            | What::SysvipcDir => FileKind::Directory,
            What::SelfLink
            | What::ThreadSelfLink
            | What::MountsLink
            | What::NetLink
            | What::TaskLink(..)
            | What::Fd(..) => FileKind::Symlink,
            What::Global(_)
            | What::TaskFile(..)
            | What::NetFile(..)
            | What::SysFile(_)
            | What::Sysvipc(_)
            | What::FdInfo(..) => FileKind::Regular,
        }
    }
    fn stat(&self) -> Stat {
        let mode = match self.what {
            What::Root | What::TaskDir(_) | What::Threads(_) | What::NetDir(_) | What::SysDir(_) | What::SysvipcDir => {
                S_IFDIR | 0o555
            }
            What::Fds(_) | What::FdInfos(_) => S_IFDIR | 0o500,
            What::TaskFile(_, PidFile::Environ) => S_IFREG | 0o400,
            What::SysFile(i) if sysctl::writable(i) => S_IFREG | 0o644,
            What::Global(_)
            | What::TaskFile(..)
            | What::NetFile(..)
            | What::SysFile(_)
            | What::Sysvipc(_)
            | What::FdInfo(..) => S_IFREG | 0o444,
            What::Fd(pid, fd) => {
                // The link's permissions say how the file is open.
                let access = process(pid).ok().and_then(|p| p.files().get(fd).ok()).map(|f| f.access());
                let bits = match access {
                    Some(Access::Read) => 0o500,
                    Some(Access::Write) => 0o300,
                    _ => 0o700,
                };
                S_IFLNK | bits
            }
            _ => S_IFLNK | 0o777,
        };
        let nlink = if mode & S_IFDIR != 0 { 2 } else { 1 };
        let (sec, nsec) = self.time();
        Stat {
            st_dev: self.dev,
            st_ino: self.ino(),
            st_mode: mode,
            st_nlink: nlink,
            st_blksize: 1024,
            st_atime: sec,
            st_atime_nsec: nsec,
            st_mtime: sec,
            st_mtime_nsec: nsec,
            st_ctime: sec,
            st_ctime_nsec: nsec,
            ..Stat::default()
        }
    }
    fn id(&self) -> (u64, u64) {
        (self.dev, self.ino())
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        let data = self.content()?;
        let start = (offset as usize).min(data.len());
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        Ok(n)
    }
    /// O_TRUNC (what fopen(path, "w") asks) leaves a /proc file as it is, as on Linux.
    fn truncate(&self, _len: u64) -> SysResult<()> {
        match self.kind() {
            FileKind::Regular => Ok(()),
            FileKind::Directory => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }
    fn write_at(&self, offset: u64, buf: &[u8]) -> SysResult<usize> {
        if let What::SysFile(i) = self.what {
            if sysctl::writable(i) {
                return sysctl::write(i, offset, buf);
            }
        }
        // Linux: a /proc file without a write method is EIO, a process's file EINVAL.
        Err(match self.what {
            What::Global(_) | What::NetFile(..) | What::Sysvipc(_) => Errno::EIO,
            What::SysFile(_) => Errno::EACCES,
            What::TaskFile(..) => Errno::EINVAL,
            _ => Errno::EISDIR,
        })
    }
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
    fn lookup(&self, name: &str) -> SysResult<InodeRef> {
        self.find(name, &Who::default())
    }
    fn lookup_by(&self, name: &str, who: &Who) -> SysResult<InodeRef> {
        self.find(name, who)
    }
    fn read_dir(&self) -> SysResult<Vec<DirEntry>> {
        self.dir_entries()
    }
    fn read_link(&self) -> SysResult<String> {
        self.read_link_by(&Who { pid: self.viewer, tid: self.viewer, ..Who::default() })
    }
    fn read_link_by(&self, who: &Who) -> SysResult<String> {
        match self.what {
            What::SelfLink if who.pid == 0 => Err(Errno::ENOENT),
            What::SelfLink => Ok(who.pid.to_string()),
            What::ThreadSelfLink if who.pid == 0 => Err(Errno::ENOENT),
            What::ThreadSelfLink => Ok(format!("{}/task/{}", who.pid, who.tid)),
            What::MountsLink => Ok(String::from("self/mounts")),
            What::NetLink => Ok(String::from("self/net")),
            _ => Ok(self.target()?.1),
        }
    }
    fn is_magic_link(&self) -> bool {
        matches!(self.what, What::TaskLink(..) | What::Fd(..))
    }
    fn magic_target(&self, _who: &Who) -> Option<(InodeRef, String)> {
        match self.target() {
            Ok((Some(node), path)) => Some((node, path)),
            _ => None,
        }
    }
}
