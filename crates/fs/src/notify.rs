//! inotify: watches on nodes, and the event queues they feed.
//!
//! Linux hangs its marks on inodes (fsnotify). Here a watch is a row in one registry keyed by
//! the watched node's identity `(st_dev, st_ino)` ([`Inode::id`]), so no file system has to
//! know about watches, and while nobody watches every hook costs one atomic load
//! ([`active`]).
//!
//! The hooks are [`File`](crate::File) (read, write, close) and the syscall layer (open,
//! names, attributes). An event on a node goes to the node's own watches and, when the hook
//! knows the directory the node was reached through, first to that directory's watches with
//! the node's name, in that order, as Linux reports to a watching parent and child.
//!
//! Memory users make the kernel hold is bounded three ways: watches per user
//! (`max_user_watches`, then ENOSPC), instances per user (`max_user_instances`, then EMFILE)
//! and events per instance (`max_queued_events`, then one IN_Q_OVERFLOW), with a kernel-wide
//! cap on queued bytes on top, so that many users' queues cannot add up to too much either.
use crate::inode::{FileKind, Inode};
use crate::meta::{anon_stat, next_ino};
use abi::events::*;
use abi::flags::PollEvents;
use abi::structs::Stat;
use abi::{Errno, SysResult};
use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicI32, AtomicU32, AtomicUsize, Ordering};
use sync::{Mutex, WaitQueue};

/// A node's identity: `(st_dev, st_ino)`.
pub type Key = (u64, u64);

/// The limits /proc/sys/fs/inotify shows and root may change (Linux's defaults; Linux sizes
/// max_user_watches by memory, and 8192 is its floor).
pub static MAX_QUEUED_EVENTS: AtomicU32 = AtomicU32::new(16384);
pub static MAX_USER_INSTANCES: AtomicU32 = AtomicU32::new(128);
pub static MAX_USER_WATCHES: AtomicU32 = AtomicU32::new(8192);

/// Bytes of queued events in all instances together, and their cap: past it a queue
/// overflows early.
static QUEUED_BYTES: AtomicUsize = AtomicUsize::new(0);
const QUEUED_BYTES_MAX: usize = 16 << 20;

/// How many watches exist: while none does, every hook returns at once.
static WATCHES: AtomicUsize = AtomicUsize::new(0);

/// The last cookie that tied an IN_MOVED_FROM to its IN_MOVED_TO.
static COOKIE: AtomicU32 = AtomicU32::new(0);

/// Whether anything is watched (hooks check this before they do any work).
#[inline]
pub fn active() -> bool {
    WATCHES.load(Ordering::Relaxed) != 0
}

/// One watch: instance `group` (by id, and weakly, so that closing it frees it) watches the
/// node it is filed under for `mask`.
struct Mark {
    group: Weak<Inotify>,
    group_id: u64,
    wd: i32,
    mask: u32,
}

struct Registry {
    marks: BTreeMap<Key, Vec<Mark>>,
    /// (instance, wd) to the watched node.
    wds: BTreeMap<(u64, i32), Key>,
    /// Per uid: instances and watches.
    users: BTreeMap<u32, (u32, u32)>,
}

static REGISTRY: Mutex<Registry> =
    Mutex::new(Registry { marks: BTreeMap::new(), wds: BTreeMap::new(), users: BTreeMap::new() });

impl Registry {
    /// Forget the watch `wd` of instance `group_id`; returns it had been there.
    fn remove(&mut self, group_id: u64, uid: u32, wd: i32) -> bool {
        let Some(key) = self.wds.remove(&(group_id, wd)) else {
            return false;
        };
        if let Some(marks) = self.marks.get_mut(&key) {
            marks.retain(|m| !(m.group_id == group_id && m.wd == wd));
            if marks.is_empty() {
                self.marks.remove(&key);
            }
        }
        if let Some(u) = self.users.get_mut(&uid) {
            u.1 = u.1.saturating_sub(1);
        }
        WATCHES.fetch_sub(1, Ordering::Relaxed);
        true
    }
}

/// A queued event, as read(2) will give it.
struct Event {
    wd: i32,
    mask: u32,
    cookie: u32,
    name: Option<String>,
}

/// Size of `struct inotify_event` without the name.
const HEADER: usize = 16;

impl Event {
    /// The name's room: with its NUL, padded to the header's size (Linux's layout).
    fn name_room(&self) -> usize {
        self.name.as_ref().filter(|n| !n.is_empty()).map_or(0, |n| (n.len() + 1).next_multiple_of(HEADER))
    }
    /// Bytes read(2) gives for it.
    fn size(&self) -> usize {
        HEADER + self.name_room()
    }
    /// What holding it costs the kernel (counted against [`QUEUED_BYTES_MAX`]).
    fn charge(&self) -> usize {
        core::mem::size_of::<Event>() + self.name.as_ref().map_or(0, |n| n.len())
    }
    fn write_to(&self, out: &mut [u8]) {
        let room = self.name_room() as u32;
        out[0..4].copy_from_slice(&self.wd.to_ne_bytes());
        out[4..8].copy_from_slice(&self.mask.to_ne_bytes());
        out[8..12].copy_from_slice(&self.cookie.to_ne_bytes());
        out[12..16].copy_from_slice(&room.to_ne_bytes());
        let tail = &mut out[HEADER..self.size()];
        tail.fill(0);
        if let Some(n) = &self.name {
            tail[..n.len()].copy_from_slice(n.as_bytes());
        }
    }
}

#[derive(Default)]
struct Queue {
    events: VecDeque<Event>,
    /// Bytes read(2) would give for all of them (FIONREAD).
    bytes: usize,
    /// What they cost (their share of [`QUEUED_BYTES`]).
    charged: usize,
    /// The IN_Q_OVERFLOW event is queued (it is queued once).
    overflowed: bool,
}

/// An inotify instance: the file inotify_init1(2) returns.
pub struct Inotify {
    /// Itself, for the watches' weak references.
    this: Weak<Inotify>,
    id: u64,
    uid: u32,
    next_wd: AtomicI32,
    queue: Mutex<Queue>,
    readers: WaitQueue,
}

impl Inotify {
    /// A new instance for user `uid`: EMFILE when the user has `max_user_instances` already.
    pub fn new(uid: u32) -> SysResult<Arc<Inotify>> {
        let mut reg = REGISTRY.lock();
        let user = reg.users.entry(uid).or_insert((0, 0));
        if user.0 >= MAX_USER_INSTANCES.load(Ordering::Relaxed) {
            return Err(Errno::EMFILE);
        }
        user.0 += 1;
        Ok(Arc::new_cyclic(|this| Inotify {
            this: this.clone(),
            id: next_ino(),
            uid,
            next_wd: AtomicI32::new(1),
            queue: Mutex::new(Queue::default()),
            readers: WaitQueue::new(),
        }))
    }

    /// The instance as a shared reference (it is always in an `Arc`).
    pub fn this(&self) -> Arc<Inotify> {
        self.this.upgrade().expect("an instance in use is alive")
    }

    /// Watch `node` for the events in `mask` (with inotify_add_watch(2)'s IN_MASK_ADD,
    /// IN_MASK_CREATE, IN_ONESHOT, IN_EXCL_UNLINK): returns the watch descriptor, the node's
    /// existing one if this instance watches it already. The caller checked the mask's
    /// validity, IN_ONLYDIR and the permission.
    pub fn add_watch(self: &Arc<Self>, node: &dyn Inode, mask: u32) -> SysResult<i32> {
        let key = node.id();
        let keep = IN_ALL_EVENTS | IN_EXCL_UNLINK | IN_ONESHOT;
        let mut reg = REGISTRY.lock();
        if let Some(m) = reg.marks.get_mut(&key).and_then(|ms| ms.iter_mut().find(|m| m.group_id == self.id)) {
            if mask & IN_MASK_CREATE != 0 {
                return Err(Errno::EEXIST);
            }
            m.mask = if mask & IN_MASK_ADD != 0 { m.mask | (mask & keep) } else { mask & keep };
            return Ok(m.wd);
        }
        let user = reg.users.entry(self.uid).or_insert((0, 0));
        if user.1 >= MAX_USER_WATCHES.load(Ordering::Relaxed) {
            return Err(Errno::ENOSPC);
        }
        user.1 += 1;
        let wd = self.next_wd.fetch_add(1, Ordering::Relaxed);
        reg.wds.insert((self.id, wd), key);
        let mark = Mark { group: Arc::downgrade(self), group_id: self.id, wd, mask: mask & keep };
        reg.marks.entry(key).or_default().push(mark);
        WATCHES.fetch_add(1, Ordering::Relaxed);
        Ok(wd)
    }

    /// inotify_rm_watch(2): EINVAL for a descriptor this instance does not have. The watch's
    /// last event is IN_IGNORED.
    pub fn rm_watch(&self, wd: i32) -> SysResult<()> {
        if !REGISTRY.lock().remove(self.id, self.uid, wd) {
            return Err(Errno::EINVAL);
        }
        self.push(Event { wd, mask: IN_IGNORED, cookie: 0, name: None });
        Ok(())
    }

    /// The watches, for /proc/<pid>/fdinfo: (wd, node, mask).
    pub fn watches(&self) -> Vec<(i32, Key, u32)> {
        let reg = REGISTRY.lock();
        let mut out = Vec::new();
        for (&(g, wd), key) in reg.wds.range((self.id, i32::MIN)..=(self.id, i32::MAX)) {
            debug_assert_eq!(g, self.id);
            let mask =
                reg.marks.get(key).and_then(|ms| ms.iter().find(|m| m.group_id == self.id)).map_or(0, |m| m.mask);
            out.push((wd, *key, mask));
        }
        out
    }

    /// Bytes a read could give now (FIONREAD).
    pub fn pending(&self) -> usize {
        self.queue.lock().bytes
    }

    /// Queue `ev`: merged into the last event if the same (Linux compares only the tail), an
    /// IN_Q_OVERFLOW instead once the queue is full.
    fn push(&self, ev: Event) {
        let mut q = self.queue.lock();
        let full = q.events.len() >= MAX_QUEUED_EVENTS.load(Ordering::Relaxed) as usize
            || QUEUED_BYTES.load(Ordering::Relaxed) + ev.charge() > QUEUED_BYTES_MAX;
        let ev = if full {
            if q.overflowed {
                return;
            }
            q.overflowed = true;
            Event { wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: None }
        } else {
            let same = |last: &Event| {
                last.mask & IN_IGNORED == 0 && (last.wd, last.mask, &last.name) == (ev.wd, ev.mask, &ev.name)
            };
            if q.events.back().is_some_and(same) {
                return;
            }
            ev
        };
        q.bytes += ev.size();
        q.charged += ev.charge();
        QUEUED_BYTES.fetch_add(ev.charge(), Ordering::Relaxed);
        q.events.push_back(ev);
        drop(q);
        self.readers.wake_all();
    }
}

impl Drop for Inotify {
    /// Closing the instance ends its watches (with no IN_IGNORED: nobody could read it).
    fn drop(&mut self) {
        let mut reg = REGISTRY.lock();
        let wds: Vec<i32> = reg.wds.range((self.id, i32::MIN)..=(self.id, i32::MAX)).map(|(&(_, wd), _)| wd).collect();
        for wd in wds {
            reg.remove(self.id, self.uid, wd);
        }
        if let Some(u) = reg.users.get_mut(&self.uid) {
            u.0 = u.0.saturating_sub(1);
        }
        QUEUED_BYTES.fetch_sub(self.queue.get_mut().charged, Ordering::Relaxed);
    }
}

impl Inode for Inotify {
    fn kind(&self) -> FileKind {
        FileKind::Anon
    }
    fn stat(&self) -> Stat {
        anon_stat(self.id)
    }
    fn seekable(&self) -> bool {
        false
    }
    fn mappable(&self) -> bool {
        false
    }
    /// Whole events, as many as fit; EINVAL when the first does not, EAGAIN when none is queued.
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        let mut q = self.queue.lock();
        match q.events.front() {
            None => return Err(Errno::EAGAIN),
            Some(first) if first.size() > buf.len() => return Err(Errno::EINVAL),
            Some(_) => {}
        }
        let mut done = 0;
        while let Some(ev) = q.events.front() {
            let size = ev.size();
            if done + size > buf.len() {
                break;
            }
            ev.write_to(&mut buf[done..]);
            done += size;
            let ev = q.events.pop_front().expect("front exists");
            q.bytes -= size;
            q.charged -= ev.charge();
            QUEUED_BYTES.fetch_sub(ev.charge(), Ordering::Relaxed);
            if ev.mask == IN_Q_OVERFLOW {
                q.overflowed = false;
            }
        }
        Ok(done)
    }
    fn poll(&self) -> PollEvents {
        if self.queue.lock().events.is_empty() {
            PollEvents::empty()
        } else {
            PollEvents::IN | PollEvents::RDNORM
        }
    }
    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.readers)
    }
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

/// The instance behind an inode, if it is one.
pub fn as_inotify(node: &dyn Inode) -> Option<&Inotify> {
    node.as_any()?.downcast_ref::<Inotify>()
}

/// The instances watching `key` for `event`, with their wd and mask (taken out of the
/// registry's lock, so that an instance whose last reference goes here is dropped outside it).
fn watchers(key: Key, event: u32) -> Vec<(Arc<Inotify>, i32, u32)> {
    let reg = REGISTRY.lock();
    let Some(marks) = reg.marks.get(&key) else {
        return Vec::new();
    };
    marks.iter().filter(|m| m.mask & event != 0).filter_map(|m| Some((m.group.upgrade()?, m.wd, m.mask))).collect()
}

/// Report `event` (one IN_* bit, plus IN_ISDIR) to the watches of `key`, with `name` for a
/// directory's child. `unlinked` says whether the subject has no name left (watches with
/// IN_EXCL_UNLINK skip it then); one-shot watches end after their event.
fn deliver(key: Key, event: u32, cookie: u32, name: Option<&str>, unlinked: &dyn Fn() -> bool) {
    for (group, wd, mask) in watchers(key, event & IN_ALL_EVENTS) {
        if mask & IN_EXCL_UNLINK != 0 && unlinked() {
            continue;
        }
        group.push(Event { wd, mask: event, cookie, name: name.map(String::from) });
        if mask & IN_ONESHOT != 0 {
            let _ = group.rm_watch(wd);
        }
    }
}

fn isdir(node: &dyn Inode) -> u32 {
    if node.kind() == FileKind::Directory {
        IN_ISDIR
    } else {
        0
    }
}

/// `event` happened to `node`, which was reached as `name` in the directory `parent` (when
/// known): to the directory's watches with the name, then to the node's own. For the events a
/// file's use makes (access, modify, attrib, open, close).
pub fn node_event(node: &dyn Inode, event: u32, parent: Option<(Key, &str)>) {
    if !active() {
        return;
    }
    let mask = event | isdir(node);
    let unlinked = || node.stat().st_nlink == 0;
    if let Some((dir, name)) = parent {
        deliver(dir, mask, 0, Some(name), &unlinked);
    }
    deliver(node.id(), mask, 0, None, &unlinked);
}

/// `event` happened to `node` alone (its watchers, never its directory's): a link count that
/// changed (IN_ATTRIB from link, unlink and rename's victim).
pub fn self_event(node: &dyn Inode, event: u32) {
    if active() {
        deliver(node.id(), event | isdir(node), 0, None, &|| false);
    }
}

/// `event` (IN_CREATE, IN_DELETE) happened to the entry `name` of the directory `dir`;
/// `is_dir` says whether the entry is a directory.
pub fn dir_event(dir: Key, event: u32, name: &str, is_dir: bool) {
    if active() {
        deliver(dir, event | if is_dir { IN_ISDIR } else { 0 }, 0, Some(name), &|| false);
    }
}

/// `node` moved from `from` (directory, name) to `to`, replacing `victim`: IN_MOVED_FROM and
/// IN_MOVED_TO with one cookie, IN_ATTRIB to the victim (its link count), IN_MOVE_SELF to the
/// node. The caller ends the victim's watches if that was its last name ([`deleted`]).
pub fn moved(node: &dyn Inode, from: (Key, &str), to: (Key, &str), victim: Option<&dyn Inode>) {
    if !active() {
        return;
    }
    let cookie = loop {
        let c = COOKIE.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        if c != 0 {
            break c;
        }
    };
    let dir = isdir(node);
    deliver(from.0, IN_MOVED_FROM | dir, cookie, Some(from.1), &|| false);
    deliver(to.0, IN_MOVED_TO | dir, cookie, Some(to.1), &|| false);
    if let Some(v) = victim {
        self_event(v, IN_ATTRIB);
    }
    deliver(node.id(), IN_MOVE_SELF, 0, None, &|| false);
}

/// Every watch of `key` ends with `last` first (IN_DELETE_SELF when the node's last name
/// went, IN_UNMOUNT when its file system did; only to watches that asked for it, except
/// IN_UNMOUNT, which all get) and IN_IGNORED.
fn end_watches(key: Key, last: u32) {
    let marks: Vec<(Weak<Inotify>, i32, u32)> = {
        let reg = REGISTRY.lock();
        reg.marks.get(&key).map_or_else(Vec::new, |ms| ms.iter().map(|m| (m.group.clone(), m.wd, m.mask)).collect())
    };
    for (group, wd, mask) in marks {
        let Some(group) = group.upgrade() else { continue };
        if mask & last != 0 || last == IN_UNMOUNT {
            group.push(Event { wd, mask: last, cookie: 0, name: None });
        }
        let _ = group.rm_watch(wd);
    }
}

/// `node` lost its last name (its link count is 0): IN_DELETE_SELF and the end of its watches.
/// Linux waits for the last open file of it to close; here it is at once.
pub fn deleted(node: &dyn Inode) {
    if active() {
        end_watches(node.id(), IN_DELETE_SELF);
    }
}

/// The file system with device `dev` was unmounted: every watch on it gets IN_UNMOUNT and ends.
pub fn unmounted(dev: u64) {
    if !active() {
        return;
    }
    let keys: Vec<Key> = REGISTRY.lock().marks.keys().filter(|k| k.0 == dev).copied().collect();
    for key in keys {
        end_watches(key, IN_UNMOUNT);
    }
}

/// The last component of `path`, the name a file was opened by ("" for "/").
pub fn last_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ramfs::{RamDir, RamFile};

    fn read_all(g: &Inotify) -> Vec<(i32, u32, u32, String)> {
        let mut buf = [0u8; 4096];
        let n = g.read_at(0, &mut buf).unwrap_or(0);
        let mut out = Vec::new();
        let mut i = 0;
        while i < n {
            let wd = i32::from_ne_bytes(buf[i..i + 4].try_into().unwrap());
            let mask = u32::from_ne_bytes(buf[i + 4..i + 8].try_into().unwrap());
            let cookie = u32::from_ne_bytes(buf[i + 8..i + 12].try_into().unwrap());
            let len = u32::from_ne_bytes(buf[i + 12..i + 16].try_into().unwrap()) as usize;
            let name = &buf[i + 16..i + 16 + len];
            let name = String::from_utf8_lossy(&name[..name.iter().position(|&b| b == 0).unwrap_or(len)]).into_owned();
            out.push((wd, mask, cookie, name));
            i += 16 + len;
        }
        out
    }

    #[test]
    fn parent_hears_first_with_the_name_then_the_child() {
        let dir = RamDir::new_root();
        let f = dir.create("f", FileKind::Regular, 0o644).unwrap();
        let g = Inotify::new(7001).unwrap();
        let wd_dir = g.add_watch(&*dir, IN_MODIFY).unwrap();
        let wd_f = g.add_watch(&*f, IN_MODIFY | IN_ATTRIB).unwrap();
        node_event(&*f, IN_MODIFY, Some((dir.id(), "f")));
        node_event(&*f, IN_ACCESS, Some((dir.id(), "f")));
        node_event(&*f, IN_ATTRIB, None);
        node_event(&*f, IN_ATTRIB, None);
        assert_eq!(
            read_all(&g),
            [
                (wd_dir, IN_MODIFY, 0, String::from("f")),
                (wd_f, IN_MODIFY, 0, String::new()),
                (wd_f, IN_ATTRIB, 0, String::new())
            ],
            "the same event again merges with the tail; unwatched events are not queued"
        );
        assert_eq!(g.pending(), 0);
        assert_eq!(g.read_at(0, &mut [0u8; 64]), Err(Errno::EAGAIN));
    }

    #[test]
    fn names_are_padded_and_a_short_buffer_is_einval() {
        let dir = RamDir::new_root();
        let g = Inotify::new(7002).unwrap();
        let wd = g.add_watch(&*dir, IN_CREATE).unwrap();
        dir_event(dir.id(), IN_CREATE, "abc", true);
        assert_eq!(g.pending(), 32, "16-byte header and \"abc\\0\" padded to 16");
        assert_eq!(g.read_at(0, &mut [0u8; 31]), Err(Errno::EINVAL));
        assert_eq!(read_all(&g), [(wd, IN_CREATE | IN_ISDIR, 0, String::from("abc"))]);
    }

    #[test]
    fn oneshot_rm_and_delete_end_with_ignored() {
        let f = RamFile::new(0o644, Vec::new());
        let g = Inotify::new(7003).unwrap();
        let wd = g.add_watch(&*f, IN_ACCESS | IN_ONESHOT).unwrap();
        node_event(&*f, IN_ACCESS, None);
        node_event(&*f, IN_ACCESS, None);
        assert_eq!(read_all(&g), [(wd, IN_ACCESS, 0, String::new()), (wd, IN_IGNORED, 0, String::new())]);
        assert_eq!(g.rm_watch(wd), Err(Errno::EINVAL), "a one-shot watch is gone after its event");

        let wd = g.add_watch(&*f, IN_DELETE_SELF).unwrap();
        assert_eq!(g.add_watch(&*f, IN_ATTRIB | IN_MASK_CREATE), Err(Errno::EEXIST));
        assert_eq!(g.add_watch(&*f, IN_ATTRIB | IN_MASK_ADD), Ok(wd));
        assert_eq!(g.watches(), [(wd, f.id(), IN_DELETE_SELF | IN_ATTRIB)]);
        deleted(&*f);
        assert_eq!(read_all(&g), [(wd, IN_DELETE_SELF, 0, String::new()), (wd, IN_IGNORED, 0, String::new())]);
        assert!(g.watches().is_empty());
    }

    #[test]
    fn moves_share_a_cookie() {
        let a = RamDir::new_root();
        let b = RamDir::new_root();
        let f = RamFile::new(0o644, Vec::new());
        let g = Inotify::new(7004).unwrap();
        let wa = g.add_watch(&*a, IN_ALL_EVENTS).unwrap();
        let wb = g.add_watch(&*b, IN_ALL_EVENTS).unwrap();
        let wf = g.add_watch(&*f, IN_ALL_EVENTS).unwrap();
        moved(&*f, (a.id(), "x"), (b.id(), "y"), None);
        let ev = read_all(&g);
        assert_eq!(ev.len(), 3);
        assert_ne!(ev[0].2, 0);
        assert_eq!(ev[0], (wa, IN_MOVED_FROM, ev[0].2, String::from("x")));
        assert_eq!(ev[1], (wb, IN_MOVED_TO, ev[0].2, String::from("y")));
        assert_eq!(ev[2], (wf, IN_MOVE_SELF, 0, String::new()));
    }

    #[test]
    fn a_full_queue_overflows_once() {
        let f = RamFile::new(0o644, Vec::new());
        let g = Inotify::new(7005).unwrap();
        let wd = g.add_watch(&*f, IN_ACCESS | IN_MODIFY).unwrap();
        let max = MAX_QUEUED_EVENTS.load(Ordering::Relaxed) as usize;
        for i in 0..max + 10 {
            node_event(&*f, if i % 2 == 0 { IN_ACCESS } else { IN_MODIFY }, None);
        }
        assert_eq!(g.pending(), (max + 1) * HEADER);
        let mut buf = alloc::vec![0u8; (max + 1) * HEADER];
        assert_eq!(g.read_at(0, &mut buf), Ok((max + 1) * HEADER));
        let last = &buf[max * HEADER..];
        assert_eq!(i32::from_ne_bytes(last[0..4].try_into().unwrap()), -1);
        assert_eq!(u32::from_ne_bytes(last[4..8].try_into().unwrap()), IN_Q_OVERFLOW);
        node_event(&*f, IN_ACCESS, None);
        assert_eq!(read_all(&g), [(wd, IN_ACCESS, 0, String::new())], "after a read the queue takes events again");
    }

    #[test]
    fn closing_the_instance_ends_its_watches_and_user_limits_hold() {
        let f = RamFile::new(0o644, Vec::new());
        let g = Inotify::new(7006).unwrap();
        g.add_watch(&*f, IN_ACCESS).unwrap();
        drop(g);
        assert!(watchers(f.id(), IN_ACCESS).is_empty());
        let max = MAX_USER_INSTANCES.load(Ordering::Relaxed);
        let all: Vec<_> = (0..max).map(|_| Inotify::new(7007).unwrap()).collect();
        assert_eq!(Inotify::new(7007).err(), Some(Errno::EMFILE));
        drop(all);
        assert!(Inotify::new(7007).is_ok(), "closed instances no longer count");
    }
}
