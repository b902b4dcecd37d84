//! POSIX message queues (mq_overview(7), as Linux 6.1's ipc/mqueue.c has them): the queues,
//! their names, the tunables of /proc/sys/fs/mqueue, notification, and the "mqueue" file
//! system that shows them (syscalls in `syscalls::mqueue`).
//!
//! A queue is a node ([`Queue`], an `fs::Inode`), so an open queue is an ordinary `fs::File`:
//! close, dup, fork and exec need nothing of their own, poll and epoll see it readable while it
//! holds a message and writable while it is not full, and every change wakes its wait queue.
//! Sending and receiving never block here: a full or empty queue is EAGAIN and the syscall
//! waits on [`Queue::wait_queue`]. Messages are taken by priority, then in arrival order.
//!
//! Names live in one namespace (Linux's IPC namespace; on the host one per test thread, as the
//! process table is). A queue unlinked while open lives on until its last description goes;
//! until then it still counts against queues_max and its creator's RLIMIT_MSGQUEUE, as on Linux.
//!
//! Notification (mq_notify): one process per queue, told once when a message arrives in an
//! empty queue that no receiver waits on. The registration goes when it fires, when its
//! process closes a descriptor of the queue (`Inode::flush` from that process's descriptor
//! table, Linux's flush by the owning thread group) and when the process ends.
//!
//! Memory a user controls is bounded: a queue is charged `maxmsg * msgsize` plus Linux's
//! per-message bookkeeping to its creator's real uid (RLIMIT_MSGQUEUE: EMFILE past it), queues
//! are at most queues_max (ENOSPC; [`HARD_QUEUES`] even with CAP_SYS_RESOURCE), and the bytes
//! of all queued messages at most [`MAX_QUEUED_BYTES`] (ENOMEM).
//!
//! Lock order: a queue's lock, then the namespace's. A queue's last reference never goes while
//! the namespace is locked (its drop gives back what it was charged).
use crate::process::{Pid, Process};
use abi::cred::CAP_SYS_RESOURCE;
use abi::flags::{OpenFlags, PollEvents, R_OK, S_IFDIR, S_IFREG, W_OK};
use abi::signal::{SigInfo, SIGEV_NONE, SIGEV_SIGNAL, SI_MESGQ};
use abi::structs::{MqAttr, Stat};
use abi::{Errno, SysResult};
use alloc::collections::{BTreeMap, VecDeque};
use alloc::format;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use fs::inode::{DirEntry, FileKind, Inode, InodeRef, SetAttr, TimeSet, Who};
use fs::vfs::{FileSystem, StatFs};
use sync::{Mutex, WaitQueue};

/// Linux's bounds of the tunables (ipc/mq_sysctl.c, include/linux/ipc_namespace.h).
pub const MIN_MSGMAX: i64 = 1;
pub const HARD_MSGMAX: i64 = 65536;
pub const MIN_MSGSIZEMAX: i64 = 128;
pub const HARD_MSGSIZEMAX: i64 = 16 << 20;
/// Queues at most, whatever queues_max says and whoever asks (Linux has no such bound; its
/// bound is its memory).
pub const HARD_QUEUES: usize = 1024;
/// Bytes of queued messages, each with [`MSG_OVERHEAD`], in all queues together: past it a
/// send is ENOMEM (Linux's bound is its memory; this kernel's heap is smaller).
pub const MAX_QUEUED_BYTES: usize = 32 << 20;
/// What a queued message costs besides its text (Linux's `struct msg_msg`).
const MSG_OVERHEAD: usize = 48;
/// Linux's sizes of `struct msg_msg` and `struct posix_msg_tree_node` on 64-bit: part of the
/// RLIMIT_MSGQUEUE charge of a queue.
const MSG_MSG_SIZE: u64 = 48;
const TREE_NODE_SIZE: u64 = 48;
const MQ_PRIO_MAX: u64 = abi::structs::MQ_PRIO_MAX as u64;
/// The longest name (NAME_MAX).
pub const NAME_MAX: usize = 255;
/// A queue's st_size, and the size of the text a read of it gives at most (Linux's FILENT_SIZE).
const FILENT_SIZE: usize = 80;
/// statfs's f_type of an mqueue mount.
const MQUEUE_MAGIC: i64 = 0x1980_0202;

/// The tunables of /proc/sys/fs/mqueue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tunable {
    /// Queues that may exist (unsigned on Linux: a negative value written is no limit).
    QueuesMax,
    /// The largest mq_maxmsg and mq_msgsize without CAP_SYS_RESOURCE.
    MsgMax,
    MsgsizeMax,
    /// mq_maxmsg and mq_msgsize of a queue created without attributes (at most the maxima).
    MsgDefault,
    MsgsizeDefault,
}

impl Tunable {
    /// Every tunable with its file name.
    pub const ALL: [(Tunable, &'static str); 5] = [
        (Tunable::MsgDefault, "msg_default"),
        (Tunable::MsgMax, "msg_max"),
        (Tunable::MsgsizeDefault, "msgsize_default"),
        (Tunable::MsgsizeMax, "msgsize_max"),
        (Tunable::QueuesMax, "queues_max"),
    ];

    /// The values a write may set (proc_dointvec_minmax's bounds; queues_max any int).
    fn range(self) -> (i64, i64) {
        match self {
            Tunable::QueuesMax => (i32::MIN as i64, i32::MAX as i64),
            Tunable::MsgMax | Tunable::MsgDefault => (MIN_MSGMAX, HARD_MSGMAX),
            Tunable::MsgsizeMax | Tunable::MsgsizeDefault => (MIN_MSGSIZEMAX, HARD_MSGSIZEMAX),
        }
    }
}

/// The values of the tunables (Linux's defaults: 256 queues, 10 messages of 8192 bytes).
#[derive(Clone, Copy, Debug)]
struct Limits {
    queues_max: i32,
    msg_max: i64,
    msgsize_max: i64,
    msg_default: i64,
    msgsize_default: i64,
}

/// One namespace of queue names.
struct Ns {
    names: BTreeMap<Vec<u8>, Arc<Queue>>,
    /// Queues that exist: named, or unlinked and still open.
    queues: usize,
    /// RLIMIT_MSGQUEUE bytes charged, by real uid.
    charged: BTreeMap<u32, u64>,
    /// Bytes of queued messages (each with its overhead) in all queues.
    queued: usize,
    limits: Limits,
    /// The inode number of its root directory (0 until first asked).
    root_ino: u64,
    /// The root directory's modification time (a name made or removed).
    root_mtime: (i64, u32),
}

impl Ns {
    const fn new() -> Ns {
        Ns {
            names: BTreeMap::new(),
            queues: 0,
            charged: BTreeMap::new(),
            queued: 0,
            limits: Limits { queues_max: 256, msg_max: 10, msgsize_max: 8192, msg_default: 10, msgsize_default: 8192 },
            root_ino: 0,
            root_mtime: (0, 0),
        }
    }
}

#[cfg(target_os = "none")]
fn with_ns<R>(f: impl FnOnce(&mut Ns) -> R) -> R {
    static NS: Mutex<Ns> = Mutex::new(Ns::new());
    f(&mut NS.lock())
}

#[cfg(not(target_os = "none"))]
std::thread_local! {
    static NS: Mutex<Ns> = const { Mutex::new(Ns::new()) };
}

#[cfg(not(target_os = "none"))]
fn with_ns<R>(f: impl FnOnce(&mut Ns) -> R) -> R {
    NS.with(|ns| f(&mut ns.lock()))
}

/// [`with_ns`] where the namespace may be gone (a host test thread's end drops its queues).
#[cfg(target_os = "none")]
fn try_with_ns(f: impl FnOnce(&mut Ns)) {
    with_ns(f)
}

#[cfg(not(target_os = "none"))]
fn try_with_ns(f: impl FnOnce(&mut Ns)) {
    let _ = NS.try_with(|ns| f(&mut ns.lock()));
}

/// The device number of queues and their directory.
static DEV: sync::Lazy<u64> = sync::Lazy::new(fs::meta::alloc_dev);

/// The value of a tunable.
pub fn tunable(t: Tunable) -> i64 {
    with_ns(|ns| {
        let l = &ns.limits;
        match t {
            Tunable::QueuesMax => l.queues_max as i64,
            Tunable::MsgMax => l.msg_max,
            Tunable::MsgsizeMax => l.msgsize_max,
            Tunable::MsgDefault => l.msg_default,
            Tunable::MsgsizeDefault => l.msgsize_default,
        }
    })
}

/// Set a tunable (a write to its /proc/sys file; the file's mode lets only root write):
/// EINVAL outside its range.
pub fn set_tunable(t: Tunable, v: i64) -> SysResult<()> {
    let (lo, hi) = t.range();
    if !(lo..=hi).contains(&v) {
        return Err(Errno::EINVAL);
    }
    with_ns(|ns| {
        let l = &mut ns.limits;
        match t {
            Tunable::QueuesMax => l.queues_max = v as i32,
            Tunable::MsgMax => l.msg_max = v,
            Tunable::MsgsizeMax => l.msgsize_max = v,
            Tunable::MsgDefault => l.msg_default = v,
            Tunable::MsgsizeDefault => l.msgsize_default = v,
        }
    });
    Ok(())
}

/// A fresh namespace: every name removed (a queue still open lives on until its last
/// description goes) and the tunables back to Linux's defaults. For a host harness that starts
/// a new world on the same thread (the fuzzer's reset).
pub fn reset_namespace() {
    let gone = with_ns(|ns| {
        ns.limits = Ns::new().limits;
        core::mem::take(&mut ns.names)
    });
    for q in gone.values() {
        q.state.lock().linked = false;
    }
}

/// What a queue is charged against its creator's RLIMIT_MSGQUEUE (Linux's mq_bytes: the
/// messages, a `msg_msg` each, a priority node per message up to MQ_PRIO_MAX); `None` on
/// overflow (EOVERFLOW).
fn charge_of(maxmsg: u64, msgsize: u64) -> Option<u64> {
    let tree = maxmsg.checked_mul(MSG_MSG_SIZE)?.checked_add(maxmsg.min(MQ_PRIO_MAX) * TREE_NODE_SIZE)?;
    maxmsg.checked_mul(msgsize)?.checked_add(tree)
}

/// Who creates a queue: the file-system view (owner, CAP_SYS_RESOURCE), the real uid charged
/// for it and that process's RLIMIT_MSGQUEUE. `None` for a queue made by open(2) in a mounted
/// mqueue (the node is owned afterwards, `fs::perm::own_new`), which is charged to nobody.
pub struct Creator<'a> {
    pub who: &'a Who,
    pub ruid: u32,
    pub rlimit: u64,
}

/// A name of the namespace: not empty, no '/', not "." or ".." (EACCES, as Linux's
/// lookup_one_len), at most NAME_MAX bytes (ENAMETOOLONG).
pub fn check_name(name: &[u8]) -> SysResult<()> {
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') {
        return Err(Errno::EACCES);
    }
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(())
}

/// mq_open's work on the namespace (`flags`: O_CREAT, O_EXCL and the access mode; `mode` the
/// permission bits, umask applied). An existing queue: EEXIST with O_CREAT|O_EXCL, EINVAL for
/// the access mode 3, EACCES unless the caller's fsuid/fsgid may open it so. A new one (O_CREAT,
/// else ENOENT): ENOSPC past queues_max (unless CAP_SYS_RESOURCE) or [`HARD_QUEUES`], EINVAL
/// for attributes of 0, negative or beyond msg_max/msgsize_max (with CAP_SYS_RESOURCE: the
/// hard limits), EOVERFLOW, EMFILE past RLIMIT_MSGQUEUE; owned by the caller's fsuid/fsgid.
pub fn open(
    name: &[u8],
    flags: OpenFlags,
    mode: u32,
    attr: Option<&MqAttr>,
    creator: &Creator,
) -> SysResult<Arc<Queue>> {
    check_name(name)?;
    let who = creator.who;
    let existing = with_ns(|ns| ns.names.get(name).cloned());
    if let Some(q) = existing {
        if flags.contains(OpenFlags::CREAT | OpenFlags::EXCL) {
            return Err(Errno::EEXIST);
        }
        if flags.bits() & 3 == 3 {
            return Err(Errno::EINVAL);
        }
        let mask = match flags.bits() & 3 {
            0 => R_OK,
            1 => W_OK,
            _ => R_OK | W_OK,
        };
        if !fs::perm::may_access(&q.stat(), who, mask) {
            return Err(Errno::EACCES);
        }
        return Ok(q);
    }
    if !flags.contains(OpenFlags::CREAT) {
        return Err(Errno::ENOENT);
    }
    let (q, old) = with_ns(|ns| create(ns, name, mode, attr, Some(creator), who.capable(CAP_SYS_RESOURCE)))?;
    drop(old);
    Ok(q)
}

/// A new queue named `name` in `ns` (see [`open`]). Returns it and its name's previous queue
/// (none: the caller checked), which the caller drops once the namespace is unlocked.
fn create(
    ns: &mut Ns,
    name: &[u8],
    mode: u32,
    attr: Option<&MqAttr>,
    creator: Option<&Creator>,
    privileged: bool,
) -> SysResult<(Arc<Queue>, Option<Arc<Queue>>)> {
    let l = ns.limits;
    if (ns.queues >= l.queues_max as u32 as usize && !privileged) || ns.queues >= HARD_QUEUES {
        return Err(Errno::ENOSPC);
    }
    let (maxmsg, msgsize) = match attr {
        Some(a) => (a.mq_maxmsg, a.mq_msgsize),
        None => (l.msg_max.min(l.msg_default), l.msgsize_max.min(l.msgsize_default)),
    };
    if maxmsg <= 0 || msgsize <= 0 {
        return Err(Errno::EINVAL);
    }
    let (max_count, max_size) = if privileged { (HARD_MSGMAX, HARD_MSGSIZEMAX) } else { (l.msg_max, l.msgsize_max) };
    if maxmsg > max_count || msgsize > max_size {
        return Err(Errno::EINVAL);
    }
    let bytes = charge_of(maxmsg as u64, msgsize as u64).ok_or(Errno::EOVERFLOW)?;
    let charge = match creator {
        Some(c) => {
            let used = ns.charged.get(&c.ruid).copied().unwrap_or(0);
            if used.saturating_add(bytes) > c.rlimit {
                return Err(Errno::EMFILE);
            }
            ns.charged.insert(c.ruid, used + bytes);
            (c.ruid, bytes)
        }
        None => (0, 0),
    };
    ns.queues += 1;
    let now = fs::meta::now();
    let (uid, gid) = creator.map_or((0, 0), |c| (c.who.uid, c.who.gid));
    let q = Arc::new(Queue {
        ino: fs::meta::next_ino(),
        maxmsg: maxmsg as usize,
        msgsize: msgsize as usize,
        charge,
        state: Mutex::new(State {
            msgs: BTreeMap::new(),
            count: 0,
            bytes: 0,
            notify: None,
            receivers: 0,
            mode: mode & 0o7777,
            uid,
            gid,
            linked: true,
            atime: now,
            mtime: now,
            ctime: now,
        }),
        wq: WaitQueue::new(),
    });
    let old = ns.names.insert(name.to_vec(), q.clone());
    ns.root_mtime = now;
    Ok((q, old))
}

/// mq_unlink's work: ENOENT for no such queue; EPERM unless the caller (fsuid) owns it or has
/// CAP_FOWNER, the directory being sticky (`fs::perm::check_delete`; the C library turns it
/// into EACCES). The queue lives on while it is open.
pub fn unlink(name: &[u8], who: &Who) -> SysResult<()> {
    check_name(name)?;
    let q = with_ns(|ns| ns.names.get(name).cloned()).ok_or(Errno::ENOENT)?;
    let dir: InodeRef = Arc::new(MqDir);
    let victim: InodeRef = q.clone();
    fs::perm::check_delete(&dir, &victim, who)?;
    remove(name)
}

/// Take `name` out of the namespace (ENOENT); the queue goes when its last description does.
fn remove(name: &[u8]) -> SysResult<()> {
    let gone = with_ns(|ns| {
        let q = ns.names.remove(name);
        if q.is_some() {
            ns.root_mtime = fs::meta::now();
        }
        q
    })
    .ok_or(Errno::ENOENT)?;
    gone.state.lock().linked = false;
    Ok(())
}

/// How a registered process is told (mq_notify; SIGEV_THREAD needs a netlink socket, which
/// this kernel does not have, so it never gets this far).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifyHow {
    None,
    /// Signal `signo` (0: nothing is sent, but the registration is used up, as Linux) with
    /// `si_value` `value`.
    Signal {
        signo: i32,
        value: u64,
    },
}

struct Notify {
    owner: Weak<Process>,
    pid: Pid,
    /// The owner's descriptor table: a close through it ends the registration.
    table: fs::lock::Owner,
    how: NotifyHow,
}

impl Notify {
    /// The owner, if it has not ended (its end closed its descriptors: the registration went).
    fn owner(&self) -> Option<Arc<Process>> {
        self.owner.upgrade().filter(|p| !p.is_zombie())
    }

    /// Tell the owner that `sender` (pid, real uid) put a message in the empty queue.
    fn fire(self, sender: (Pid, u32)) {
        let NotifyHow::Signal { signo, value } = self.how else { return };
        let Some(p) = self.owner().filter(|_| signo != 0) else { return };
        let mut info = SigInfo { signo, code: SI_MESGQ, ..SigInfo::default() };
        info.fields[0] = (sender.0 as u32 as u64) | ((sender.1 as u64) << 32);
        info.fields[1] = value;
        crate::signal::send_to_process_info(&p, info);
    }
}

struct State {
    /// Messages by priority, each priority's in arrival order.
    msgs: BTreeMap<u32, VecDeque<Vec<u8>>>,
    count: usize,
    /// Bytes of message text (QSIZE).
    bytes: usize,
    notify: Option<Notify>,
    /// Receivers waiting in mq_timedreceive: a message then goes to one of them, and nobody
    /// is notified.
    receivers: usize,
    mode: u32,
    uid: u32,
    gid: u32,
    /// Still named in the namespace.
    linked: bool,
    atime: (i64, u32),
    mtime: (i64, u32),
    ctime: (i64, u32),
}

impl State {
    /// The registration, unless its process has ended.
    fn registered(&mut self) -> Option<&Notify> {
        if self.notify.as_ref().is_some_and(|n| n.owner().is_none()) {
            self.notify = None;
        }
        self.notify.as_ref()
    }
}

/// A message queue.
pub struct Queue {
    ino: u64,
    maxmsg: usize,
    msgsize: usize,
    /// What its creation charged: (real uid, RLIMIT_MSGQUEUE bytes).
    charge: (u32, u64),
    state: Mutex<State>,
    wq: WaitQueue,
}

/// The queue behind `file`, if it is one.
pub fn as_queue(file: &fs::File) -> Option<&Queue> {
    file.inode().as_any()?.downcast_ref::<Queue>()
}

impl Queue {
    /// mq_maxmsg, mq_msgsize and mq_curmsgs (mq_flags is the open file's).
    pub fn attr(&self) -> MqAttr {
        let count = self.state.lock().count;
        MqAttr {
            mq_maxmsg: self.maxmsg as i64,
            mq_msgsize: self.msgsize as i64,
            mq_curmsgs: count as i64,
            ..MqAttr::default()
        }
    }

    pub fn msgsize(&self) -> usize {
        self.msgsize
    }

    /// Woken by every change: a message in or out, a setting.
    pub fn wait_queue(&self) -> &WaitQueue {
        &self.wq
    }

    /// Queue `msg` (taken from `msg` only when it is queued) with priority `prio` (< MQ_PRIO_MAX;
    /// the caller checked it and the size): EAGAIN while the queue is full, ENOMEM past
    /// [`MAX_QUEUED_BYTES`]. A message into an empty queue nobody waits on tells the registered
    /// process, from `sender` (pid, real uid).
    pub fn send(&self, prio: u32, msg: &mut Option<Vec<u8>>, sender: (Pid, u32)) -> SysResult<()> {
        let fire = {
            let mut s = self.state.lock();
            if s.count >= self.maxmsg {
                return Err(Errno::EAGAIN);
            }
            let len = msg.as_ref().map_or(0, Vec::len);
            with_ns(|ns| {
                if ns.queued + len + MSG_OVERHEAD > MAX_QUEUED_BYTES {
                    return Err(Errno::ENOMEM);
                }
                ns.queued += len + MSG_OVERHEAD;
                Ok(())
            })?;
            s.msgs.entry(prio).or_default().push_back(msg.take().unwrap_or_default());
            s.count += 1;
            s.bytes += len;
            let now = fs::meta::now();
            (s.atime, s.mtime, s.ctime) = (now, now, now);
            if s.count == 1 && s.receivers == 0 && s.registered().is_some() {
                s.notify.take()
            } else {
                None
            }
        };
        self.wq.wake_all();
        if let Some(n) = fire {
            n.fire(sender);
        }
        Ok(())
    }

    /// Take the first message of the highest priority: (priority, text). EAGAIN when empty.
    pub fn receive(&self) -> SysResult<(u32, Vec<u8>)> {
        let (prio, text) = {
            let mut s = self.state.lock();
            let mut first = s.msgs.last_entry().ok_or(Errno::EAGAIN)?;
            let prio = *first.key();
            let text = first.get_mut().pop_front().unwrap_or_default();
            if first.get().is_empty() {
                first.remove();
            }
            s.count -= 1;
            s.bytes -= text.len();
            let now = fs::meta::now();
            (s.atime, s.mtime, s.ctime) = (now, now, now);
            (prio, text)
        };
        with_ns(|ns| ns.queued -= text.len() + MSG_OVERHEAD);
        self.wq.wake_all();
        Ok((prio, text))
    }

    /// A receiver that is about to wait: counted (no notification while it waits) until the
    /// guard goes.
    pub fn receiving(&self) -> Receiving<'_> {
        self.state.lock().receivers += 1;
        Receiving(self)
    }

    /// mq_notify: register process `p` (its descriptor table `table`) to be told, or with
    /// `None` take its own registration back (another's is left alone, as Linux). EBUSY if a
    /// process is registered already.
    pub fn set_notify(&self, how: Option<NotifyHow>, p: &Arc<Process>, table: fs::lock::Owner) -> SysResult<()> {
        let mut s = self.state.lock();
        let mine = s.registered().is_some_and(|n| core::ptr::eq(n.owner.as_ptr(), Arc::as_ptr(p)));
        match how {
            None if mine => s.notify = None,
            None => return Ok(()),
            Some(_) if s.notify.is_some() => return Err(Errno::EBUSY),
            Some(how) => s.notify = Some(Notify { owner: Arc::downgrade(p), pid: p.pid, table, how }),
        }
        let now = fs::meta::now();
        (s.atime, s.ctime) = (now, now);
        Ok(())
    }

    /// The text a read gives (Linux's mqueue_read_file): the bytes queued and the registration.
    fn status(&self) -> String {
        let mut s = self.state.lock();
        let qsize = s.bytes;
        let (notify, signo, pid) = match s.registered() {
            None => (0, 0, 0),
            Some(n) => match n.how {
                NotifyHow::None => (SIGEV_NONE, 0, n.pid),
                NotifyHow::Signal { signo, .. } => (SIGEV_SIGNAL, signo, n.pid),
            },
        };
        format!("QSIZE:{qsize:<10} NOTIFY:{notify:<5} SIGNO:{signo:<5} NOTIFY_PID:{pid:<6}\n")
    }
}

/// See [`Queue::receiving`].
pub struct Receiving<'a>(&'a Queue);

impl Drop for Receiving<'_> {
    fn drop(&mut self) {
        self.0.state.lock().receivers -= 1;
    }
}

impl Drop for Queue {
    /// The queue is gone (unlinked, and its last description closed): give back its place,
    /// its charge and its messages' bytes.
    fn drop(&mut self) {
        let s = self.state.get_mut();
        let queued = s.bytes + s.count * MSG_OVERHEAD;
        let (uid, charge) = self.charge;
        try_with_ns(|ns| {
            ns.queues -= 1;
            ns.queued -= queued;
            if charge > 0 {
                if let Some(c) = ns.charged.get_mut(&uid) {
                    *c -= charge;
                    if *c == 0 {
                        ns.charged.remove(&uid);
                    }
                }
            }
        });
    }
}

fn set_time(t: &mut (i64, u32), v: TimeSet) {
    *t = match v {
        TimeSet::Now => fs::meta::now(),
        TimeSet::At(sec, nsec) => (sec, nsec),
    };
}

impl Inode for Queue {
    fn kind(&self) -> FileKind {
        FileKind::Regular
    }
    fn stat(&self) -> Stat {
        let s = self.state.lock();
        Stat {
            st_dev: *DEV,
            st_ino: self.ino,
            st_mode: S_IFREG | s.mode,
            st_nlink: s.linked as u32,
            st_uid: s.uid,
            st_gid: s.gid,
            st_size: FILENT_SIZE as i64,
            st_blksize: 4096,
            st_atime: s.atime.0,
            st_atime_nsec: s.atime.1 as u64,
            st_mtime: s.mtime.0,
            st_mtime_nsec: s.mtime.1 as u64,
            st_ctime: s.ctime.0,
            st_ctime_nsec: s.ctime.1 as u64,
            ..Stat::default()
        }
    }
    fn id(&self) -> (u64, u64) {
        (*DEV, self.ino)
    }
    /// The status line (`QSIZE:... NOTIFY:... SIGNO:... NOTIFY_PID:...`).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        let text = self.status();
        let start = (offset as usize).min(text.len());
        let n = buf.len().min(text.len() - start);
        buf[..n].copy_from_slice(&text.as_bytes()[start..start + n]);
        Ok(n)
    }
    /// O_TRUNC on open through a mounted mqueue changes nothing.
    fn truncate(&self, _len: u64) -> SysResult<()> {
        Ok(())
    }
    fn mappable(&self) -> bool {
        false
    }
    fn poll(&self) -> PollEvents {
        let count = self.state.lock().count;
        let mut ev = PollEvents::empty();
        if count > 0 {
            ev |= PollEvents::IN | PollEvents::RDNORM;
        }
        if count < self.maxmsg {
            ev |= PollEvents::OUT | PollEvents::WRNORM;
        }
        ev
    }
    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.wq)
    }
    /// A descriptor closed by the registered process's table ends its registration.
    fn flush(&self, owner: fs::lock::Owner) {
        let mut s = self.state.lock();
        if s.notify.as_ref().is_some_and(|n| n.table == owner) {
            s.notify = None;
        }
    }
    fn set_attr(&self, attr: &SetAttr) -> SysResult<()> {
        let mut s = self.state.lock();
        if let Some(m) = attr.mode {
            s.mode = m & 0o7777;
        }
        if let Some(u) = attr.uid {
            s.uid = u;
        }
        if let Some(g) = attr.gid {
            s.gid = g;
        }
        if let Some(t) = attr.atime {
            set_time(&mut s.atime, t);
        }
        if let Some(t) = attr.mtime {
            set_time(&mut s.mtime, t);
        }
        s.ctime = fs::meta::now();
        Ok(())
    }
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }
}

/// The root directory of the namespace: what a mount of type "mqueue" shows (one queue per
/// name, read for its status line). Sticky and writable by all, as Linux's.
pub struct MqDir;

impl MqDir {
    fn ino() -> u64 {
        with_ns(|ns| {
            if ns.root_ino == 0 {
                ns.root_ino = fs::meta::next_ino();
            }
            ns.root_ino
        })
    }
}

impl Inode for MqDir {
    fn kind(&self) -> FileKind {
        FileKind::Directory
    }
    fn stat(&self) -> Stat {
        let (ino, t) = (MqDir::ino(), with_ns(|ns| ns.root_mtime));
        Stat {
            st_dev: *DEV,
            st_ino: ino,
            st_mode: S_IFDIR | fs::perm::S_ISVTX | 0o777,
            st_nlink: 2,
            st_blksize: 4096,
            st_atime: t.0,
            st_atime_nsec: t.1 as u64,
            st_mtime: t.0,
            st_mtime_nsec: t.1 as u64,
            st_ctime: t.0,
            st_ctime_nsec: t.1 as u64,
            ..Stat::default()
        }
    }
    fn id(&self) -> (u64, u64) {
        (*DEV, MqDir::ino())
    }
    fn lookup(&self, name: &str) -> SysResult<InodeRef> {
        if name == "." || name == ".." {
            return Ok(Arc::new(MqDir));
        }
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let q = with_ns(|ns| ns.names.get(name.as_bytes()).cloned()).ok_or(Errno::ENOENT)?;
        Ok(q)
    }
    /// open(2) with O_CREAT: a queue with the default attributes, within queues_max (the caller
    /// is not known here: no CAP_SYS_RESOURCE, no RLIMIT_MSGQUEUE charge); the VFS then gives
    /// it its owner. Nothing else can be made here (EPERM, as Linux's mqueue has no mkdir,
    /// mknod or symlink).
    fn create(&self, name: &str, kind: FileKind, mode: u32) -> SysResult<InodeRef> {
        if kind != FileKind::Regular {
            return Err(Errno::EPERM);
        }
        check_name(name.as_bytes())?;
        let (q, old) = with_ns(|ns| {
            if ns.names.contains_key(name.as_bytes()) {
                return Err(Errno::EEXIST);
            }
            create(ns, name.as_bytes(), mode, None, None, false)
        })?;
        drop(old);
        Ok(q)
    }
    fn unlink(&self, name: &str) -> SysResult<()> {
        remove(name.as_bytes())
    }
    fn read_dir(&self) -> SysResult<Vec<DirEntry>> {
        let ino = MqDir::ino();
        let mut v = alloc::vec![
            DirEntry { name: String::from("."), ino, kind: FileKind::Directory },
            DirEntry { name: String::from(".."), ino, kind: FileKind::Directory },
        ];
        with_ns(|ns| {
            for (name, q) in &ns.names {
                v.push(DirEntry {
                    name: String::from_utf8_lossy(name).into_owned(),
                    ino: q.ino,
                    kind: FileKind::Regular,
                });
            }
        });
        Ok(v)
    }
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }
}

/// An instance of the "mqueue" file system (mount -t mqueue none /dev/mqueue): the
/// namespace's directory. It is one directory, so it can be mounted once.
pub fn make_fs(_source: &str, _flags: u64, _data: &str) -> SysResult<Arc<dyn FileSystem>> {
    let queues = with_ns(|ns| ns.queues as u64);
    let statfs = StatFs {
        magic: MQUEUE_MAGIC,
        bsize: 4096,
        namelen: NAME_MAX as u64,
        files: HARD_QUEUES as u64,
        ffree: (HARD_QUEUES as u64).saturating_sub(queues),
        ..StatFs::default()
    };
    Ok(fs::vfs::RootOnly::new("mqueue", Arc::new(MqDir), statfs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_as_linux_looks_them_up() {
        assert_eq!(check_name(b"q"), Ok(()));
        assert_eq!(check_name(&[b'a'; 255]), Ok(()));
        assert_eq!(check_name(&[b'a'; 256]), Err(Errno::ENAMETOOLONG));
        for bad in [&b""[..], b".", b"..", b"/q", b"a/b"] {
            assert_eq!(check_name(bad), Err(Errno::EACCES), "{bad:?}");
        }
    }

    #[test]
    fn a_queue_is_charged_as_linux_counts_it() {
        // 10 messages of 8192 bytes, a msg_msg and a tree node each: 82880 bytes, so
        // RLIMIT_MSGQUEUE's default (819200) holds nine default queues.
        assert_eq!(charge_of(10, 8192), Some(82880));
        assert_eq!(charge_of(65536, 16 << 20), Some(65536 * (16 << 20) + 65536 * 48 + 32768 * 48));
        assert_eq!(charge_of(u64::MAX, 2), None);
    }

    #[test]
    fn tunables_keep_to_their_ranges_and_reset() {
        assert_eq!(set_tunable(Tunable::MsgMax, 0), Err(Errno::EINVAL));
        assert_eq!(set_tunable(Tunable::MsgsizeMax, 127), Err(Errno::EINVAL));
        assert_eq!(set_tunable(Tunable::MsgsizeMax, HARD_MSGSIZEMAX + 1), Err(Errno::EINVAL));
        assert_eq!(set_tunable(Tunable::MsgMax, HARD_MSGMAX), Ok(()));
        assert_eq!(set_tunable(Tunable::QueuesMax, -1), Ok(()));
        assert_eq!(tunable(Tunable::QueuesMax), -1);
        reset_namespace();
        assert_eq!((tunable(Tunable::MsgMax), tunable(Tunable::QueuesMax)), (10, 256));
    }
}
