//! AF_UNIX sockets: stream, datagram and seqpacket, connected in pairs or through a listener
//! found by name.
//!
//! Names live in one registry ([`Key`]): a path is the identity (device, inode) of the socket
//! node bind(2) made in the file system, an abstract name is its bytes. The registry holds its
//! sockets weakly: a closed listener's path stays in the file system, and connecting to it is
//! ECONNREFUSED, as on Linux.
//!
//! A connection ([`Conn`]) is two byte queues, one per direction, and the wait queues of its
//! two ends, both woken on every change. Each queued write is a segment, which keeps a
//! seqpacket message whole and carries the descriptors (open files) and credentials sent with
//! it (SCM_RIGHTS). A stream read stops at a segment that carries files (so the files go with
//! the bytes they came with). The capacity of a direction is [`CAPACITY`] bytes, Linux's
//! default socket buffer.
//!
//! Calls that would wait answer EAGAIN; the syscall layer waits on [`UnixSocket::queue`] (or the
//! listener's, for a connect to a full backlog) unless the socket is non-blocking.
use crate::addr::UnixAddr;
use crate::Options;
use abi::flags::PollEvents;
use abi::net::*;
use abi::structs::Stat;
use abi::{Errno, SysResult};
use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use fs::inode::{FileKind, Inode};
use fs::meta::next_ino;
use fs::File;
use sync::{Mutex, WaitQueue};

/// The bytes one direction of a connection, or a datagram socket's queue, holds.
pub const CAPACITY: usize = crate::DEFAULT_BUF as usize;
/// Datagrams one socket's queue holds at most (besides the byte limit).
pub const MAX_DATAGRAMS: usize = 512;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Stream,
    Dgram,
    Seqpacket,
}

impl Kind {
    /// The kind of socket(2)'s type (flags already removed). SOCK_RAW is a datagram socket, as
    /// Linux makes it; the other types below SOCK_MAX (11) are ESOCKTNOSUPPORT, the rest EINVAL.
    pub fn from_type(t: i32) -> SysResult<Kind> {
        match t {
            SOCK_STREAM => Ok(Kind::Stream),
            SOCK_DGRAM | SOCK_RAW => Ok(Kind::Dgram),
            SOCK_SEQPACKET => Ok(Kind::Seqpacket),
            0..=10 => Err(Errno::ESOCKTNOSUPPORT),
            _ => Err(Errno::EINVAL),
        }
    }

    pub fn sock_type(self) -> i32 {
        match self {
            Kind::Stream => SOCK_STREAM,
            Kind::Dgram => SOCK_DGRAM,
            Kind::Seqpacket => SOCK_SEQPACKET,
        }
    }

    fn connected(self) -> bool {
        self != Kind::Dgram
    }
}

/// A name in the registry.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// The (device, inode) of the socket node a path names.
    Node(u64, u64),
    Abstract(Vec<u8>),
}

static NAMES: Mutex<BTreeMap<Key, Weak<UnixSocket>>> = Mutex::new(BTreeMap::new());
static AUTOBIND: AtomicU64 = AtomicU64::new(0);

/// The live socket bound to `key`.
pub fn lookup(key: &Key) -> Option<Arc<UnixSocket>> {
    NAMES.lock().get(key).and_then(Weak::upgrade)
}

/// The AF_UNIX socket behind `file`, if it is one.
pub fn as_unix(file: &File) -> Option<&UnixSocket> {
    file.inode().as_any()?.downcast_ref::<UnixSocket>()
}

/// What a message carries besides its bytes.
#[derive(Default)]
pub struct Extras {
    /// Open files (SCM_RIGHTS).
    pub files: Vec<Arc<File>>,
    /// The sender's credentials.
    pub cred: Ucred,
}

/// What a receive got.
#[derive(Default)]
pub struct Received {
    /// Bytes copied.
    pub len: usize,
    /// The whole message's length (datagram, seqpacket): more than `len` if it was cut.
    pub full: usize,
    /// The sender's address (datagrams).
    pub from: Option<UnixAddr>,
    pub extras: Extras,
}

struct Segment {
    data: Vec<u8>,
    /// Bytes already read from the front.
    read: usize,
    extras: Extras,
}

impl Segment {
    fn left(&self) -> usize {
        self.data.len() - self.read
    }
}

/// One direction of a connection.
#[derive(Default)]
struct Direction {
    segments: VecDeque<Segment>,
    bytes: usize,
    /// The writing end shut down writing or is closed: reads end (0) once it is drained.
    writer_gone: bool,
    /// The reading end shut down reading or is closed: writes are EPIPE.
    reader_gone: bool,
    /// The writing end was closed with data of its own unread: the next read that finds
    /// nothing is ECONNRESET (once).
    reset: bool,
}

/// A connection between two stream or seqpacket sockets.
struct Conn {
    /// `dirs[s]` is what end `s` reads.
    dirs: [Mutex<Direction>; 2],
    queues: [Arc<WaitQueue>; 2],
}

impl Conn {
    fn new(a: &UnixSocket, b: &UnixSocket) -> Arc<Conn> {
        Arc::new(Conn { dirs: Default::default(), queues: [a.queue.clone(), b.queue.clone()] })
    }

    fn wake(&self) {
        for q in &self.queues {
            q.wake_all();
        }
    }
}

enum State {
    Idle,
    Listening { backlog: usize, pending: VecDeque<Arc<UnixSocket>> },
    Connected { conn: Arc<Conn>, side: usize, peer_addr: UnixAddr, peer_cred: Ucred },
}

struct Datagram {
    data: Vec<u8>,
    from: UnixAddr,
    extras: Extras,
}

struct Inner {
    /// Its name, once bound (`Unnamed` never: an unbound socket has none).
    local: Option<UnixAddr>,
    key: Option<Key>,
    state: State,
    shut_rd: bool,
    shut_wr: bool,
    /// Datagram sockets: the queue, its bytes, and the default destination.
    rx: VecDeque<Datagram>,
    rx_bytes: usize,
    peer: Option<(Weak<UnixSocket>, UnixAddr)>,
    /// Its descriptor is closed (a sender blocked on it may still hold it): datagrams sent to
    /// it are refused.
    closed: bool,
}

pub struct UnixSocket {
    kind: Kind,
    ino: u64,
    queue: Arc<WaitQueue>,
    /// Credentials of its maker (SO_PEERCRED of the other end).
    cred: Ucred,
    inner: Mutex<Inner>,
    pub options: Mutex<Options>,
    /// A pending error (SO_ERROR), cleared when read.
    error: Mutex<Option<Errno>>,
    this: Weak<UnixSocket>,
}

impl UnixSocket {
    pub fn new(kind: Kind, cred: Ucred) -> Arc<UnixSocket> {
        Arc::new_cyclic(|this| UnixSocket {
            kind,
            ino: next_ino(),
            queue: Arc::new(WaitQueue::new()),
            cred,
            inner: Mutex::new(Inner {
                local: None,
                key: None,
                state: State::Idle,
                shut_rd: false,
                shut_wr: false,
                rx: VecDeque::new(),
                rx_bytes: 0,
                peer: None,
                closed: false,
            }),
            options: Mutex::new(Options::default()),
            error: Mutex::new(None),
            this: this.clone(),
        })
    }

    /// The socket as an `Arc` (for the calls that keep a reference to it).
    pub fn arc(&self) -> Arc<UnixSocket> {
        self.this.upgrade().expect("a socket in use is alive")
    }

    /// socketpair(2): two sockets connected to each other.
    pub fn pair(kind: Kind, cred: Ucred) -> (Arc<UnixSocket>, Arc<UnixSocket>) {
        let (a, b) = (Self::new(kind, cred), Self::new(kind, cred));
        if kind.connected() {
            let conn = Conn::new(&a, &b);
            a.inner.lock().state =
                State::Connected { conn: conn.clone(), side: 0, peer_addr: UnixAddr::Unnamed, peer_cred: cred };
            b.inner.lock().state = State::Connected { conn, side: 1, peer_addr: UnixAddr::Unnamed, peer_cred: cred };
        } else {
            a.inner.lock().peer = Some((Arc::downgrade(&b), UnixAddr::Unnamed));
            b.inner.lock().peer = Some((Arc::downgrade(&a), UnixAddr::Unnamed));
        }
        (a, b)
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The queue to wait on after EAGAIN: woken on every change of this socket.
    pub fn queue(&self) -> &WaitQueue {
        &self.queue
    }

    /// bind(2) to `addr`, registered as `key`. EINVAL if already bound, EADDRINUSE if the name
    /// belongs to a live socket.
    pub fn bind(self: &Arc<Self>, key: Key, addr: UnixAddr) -> SysResult<()> {
        let mut inner = self.inner.lock();
        if inner.local.is_some() {
            return Err(Errno::EINVAL);
        }
        let mut names = NAMES.lock();
        if names.get(&key).is_some_and(|w| w.strong_count() > 0) {
            return Err(Errno::EADDRINUSE);
        }
        names.insert(key.clone(), Arc::downgrade(self));
        inner.local = Some(addr);
        inner.key = Some(key);
        Ok(())
    }

    /// bind(2) with only the family: an abstract name of five hex digits, Linux's autobind.
    pub fn autobind(self: &Arc<Self>) -> SysResult<()> {
        loop {
            let n = AUTOBIND.fetch_add(1, Ordering::Relaxed) % 0x10_0000;
            let name = alloc::format!("{n:05x}").into_bytes();
            match self.bind(Key::Abstract(name.clone()), UnixAddr::Abstract(name)) {
                Err(Errno::EADDRINUSE) => continue,
                r => return r,
            }
        }
    }

    pub fn is_bound(&self) -> bool {
        self.inner.lock().local.is_some()
    }

    /// listen(2). EOPNOTSUPP for datagram sockets, EINVAL when unbound or connected.
    pub fn listen(&self, backlog: i32) -> SysResult<()> {
        if !self.kind.connected() {
            return Err(Errno::EOPNOTSUPP);
        }
        let mut inner = self.inner.lock();
        if inner.local.is_none() {
            return Err(Errno::EINVAL);
        }
        let backlog = backlog.clamp(0, 4096) as usize;
        match &mut inner.state {
            State::Idle => inner.state = State::Listening { backlog, pending: VecDeque::new() },
            State::Listening { backlog: b, .. } => *b = backlog,
            State::Connected { .. } => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    pub fn is_listening(&self) -> bool {
        matches!(self.inner.lock().state, State::Listening { .. })
    }

    /// accept(2): the next connection waiting, as a socket of its own. EAGAIN if none, EINVAL
    /// if not listening.
    pub fn accept(&self) -> SysResult<Arc<UnixSocket>> {
        let mut inner = self.inner.lock();
        let State::Listening { pending, .. } = &mut inner.state else {
            return Err(Errno::EINVAL);
        };
        let s = pending.pop_front().ok_or(Errno::EAGAIN)?;
        drop(inner);
        self.queue.wake_all(); // room in the backlog for a connect that waits
        Ok(s)
    }

    /// connect(2) to `target` by a caller with `cred`. Streams: ECONNREFUSED unless it
    /// listens, EAGAIN while its backlog is full, EISCONN if connected already; datagrams: it
    /// becomes the default destination. EPROTOTYPE if the kinds differ.
    pub fn connect(self: &Arc<Self>, target: &Arc<UnixSocket>, cred: Ucred) -> SysResult<()> {
        if target.kind != self.kind {
            return Err(Errno::EPROTOTYPE);
        }
        let target_addr = target.inner.lock().local.clone().unwrap_or(UnixAddr::Unnamed);
        if !self.kind.connected() {
            self.inner.lock().peer = Some((Arc::downgrade(target), target_addr));
            return Ok(());
        }
        if Arc::ptr_eq(self, target) {
            return Err(Errno::ECONNREFUSED);
        }
        let mut me = self.inner.lock();
        match me.state {
            State::Idle => {}
            State::Connected { .. } => return Err(Errno::EISCONN),
            State::Listening { .. } => return Err(Errno::EINVAL),
        }
        let mut other = target.inner.lock();
        let State::Listening { backlog, pending } = &mut other.state else {
            return Err(Errno::ECONNREFUSED);
        };
        if pending.len() > *backlog {
            return Err(Errno::EAGAIN);
        }
        let server = UnixSocket::new(self.kind, target.cred);
        *server.options.lock() = *target.options.lock();
        let conn = Conn::new(self, &server);
        {
            let mut s = server.inner.lock();
            s.local = Some(target_addr.clone());
            s.state = State::Connected {
                conn: conn.clone(),
                side: 1,
                peer_addr: me.local.clone().unwrap_or(UnixAddr::Unnamed),
                peer_cred: cred,
            };
        }
        me.state = State::Connected { conn, side: 0, peer_addr: target_addr, peer_cred: target.cred };
        pending.push_back(server);
        drop(other);
        drop(me);
        target.queue.wake_all();
        Ok(())
    }

    /// Send `data` (with `extras`, taken only if some bytes go) to the connected peer, or to
    /// `to` (datagrams). Streams take what fits; seqpacket messages and datagrams go whole or
    /// not at all (EMSGSIZE if they can never fit). EAGAIN when full, EPIPE when the reading
    /// end is gone or this end shut down writing, ENOTCONN without a peer.
    pub fn send(&self, data: &[u8], to: Option<&Arc<UnixSocket>>, extras: &mut Extras) -> SysResult<usize> {
        if !self.kind.connected() {
            return self.send_datagram(data, to, extras);
        }
        let inner = self.inner.lock();
        let State::Connected { conn, side, .. } = &inner.state else {
            return Err(if to.is_some() { Errno::EOPNOTSUPP } else { Errno::ENOTCONN });
        };
        if to.is_some() {
            return Err(Errno::EISCONN);
        }
        if inner.shut_wr {
            return Err(Errno::EPIPE);
        }
        let mut dir = conn.dirs[1 - side].lock();
        if dir.reader_gone {
            return Err(Errno::EPIPE);
        }
        let free = CAPACITY.saturating_sub(dir.bytes);
        let n = match self.kind {
            Kind::Seqpacket if data.len() > CAPACITY => return Err(Errno::EMSGSIZE),
            Kind::Seqpacket if data.len() > free => return Err(Errno::EAGAIN),
            Kind::Seqpacket => data.len(),
            _ if free == 0 && !data.is_empty() => return Err(Errno::EAGAIN),
            _ => data.len().min(free),
        };
        if n == 0 && self.kind == Kind::Stream && extras.files.is_empty() {
            return Ok(0);
        }
        dir.segments.push_back(Segment { data: data[..n].to_vec(), read: 0, extras: core::mem::take(extras) });
        dir.bytes += n;
        drop(dir);
        conn.wake();
        Ok(n)
    }

    fn send_datagram(&self, data: &[u8], to: Option<&Arc<UnixSocket>>, extras: &mut Extras) -> SysResult<usize> {
        let (target, from) = {
            let inner = self.inner.lock();
            if inner.shut_wr {
                return Err(Errno::EPIPE);
            }
            let from = inner.local.clone().unwrap_or(UnixAddr::Unnamed);
            match to {
                Some(t) => (t.clone(), from),
                None => match &inner.peer {
                    Some((peer, _)) => (peer.upgrade().ok_or(Errno::ECONNREFUSED)?, from),
                    None => return Err(Errno::ENOTCONN),
                },
            }
        };
        if target.kind != Kind::Dgram {
            return Err(Errno::EPROTOTYPE);
        }
        if data.len() > CAPACITY {
            return Err(Errno::EMSGSIZE);
        }
        let mut t = target.inner.lock();
        // Linux looks a name up again when its socket died meanwhile; the name here was looked
        // up once, by the syscall: its socket is gone.
        if t.closed {
            return Err(Errno::ECONNREFUSED);
        }
        if t.rx_bytes + data.len() > CAPACITY || t.rx.len() >= MAX_DATAGRAMS {
            return Err(Errno::EAGAIN);
        }
        t.rx.push_back(Datagram { data: data.to_vec(), from, extras: core::mem::take(extras) });
        t.rx_bytes += data.len();
        drop(t);
        target.queue.wake_all();
        Ok(data.len())
    }

    /// The queue a sender waits on for room: a datagram's receiver's (`to`, or the connected
    /// peer), which wakes it when a datagram is taken or the receiver is closed; a stream's or
    /// seqpacket's own (its connection wakes both ends).
    pub fn send_queue(&self, to: Option<&Arc<UnixSocket>>) -> Arc<WaitQueue> {
        if self.kind == Kind::Dgram {
            let peer = || self.inner.lock().peer.as_ref().and_then(|(p, _)| p.upgrade());
            if let Some(target) = to.cloned().or_else(peer) {
                return target.queue.clone();
            }
        }
        self.queue.clone()
    }

    /// Receive into `out`; with `peek` nothing is taken. Streams: bytes up to `out`'s size,
    /// ending at a segment that carries files, 0 at the end (the writer gone or this end shut
    /// down reading); seqpacket and datagrams: one message, cut to `out` (the rest is lost).
    /// EAGAIN when there is nothing yet; EINVAL for a stream that is not connected.
    /// FIONREAD (SIOCINQ) as Linux's unix_inq_len: EINVAL for a listener; a stream: the bytes
    /// queued; seqpacket and datagram: the size of the next message.
    pub fn inq(&self) -> SysResult<usize> {
        let inner = self.inner.lock();
        match &inner.state {
            State::Listening { .. } => Err(Errno::EINVAL),
            State::Connected { conn, side, .. } if self.kind.connected() => {
                let dir = conn.dirs[*side].lock();
                Ok(match self.kind {
                    Kind::Stream => dir.bytes,
                    _ => dir.segments.front().map_or(0, |s| s.left()),
                })
            }
            _ if self.kind.connected() => Ok(0),
            _ => Ok(inner.rx.front().map_or(0, |d| d.data.len())),
        }
    }

    pub fn recv(&self, out: &mut [u8], peek: bool) -> SysResult<Received> {
        if !self.kind.connected() {
            return self.recv_datagram(out, peek);
        }
        let inner = self.inner.lock();
        let State::Connected { conn, side, .. } = &inner.state else {
            return Err(Errno::EINVAL);
        };
        let mut dir = conn.dirs[*side].lock();
        if dir.segments.is_empty() {
            if core::mem::take(&mut dir.reset) {
                return Err(Errno::ECONNRESET);
            }
            if dir.writer_gone || inner.shut_rd {
                return Ok(Received::default());
            }
            return Err(Errno::EAGAIN);
        }
        let mut got = Received::default();
        if self.kind == Kind::Seqpacket {
            let seg = dir.segments.front().expect("not empty");
            let n = seg.left().min(out.len());
            out[..n].copy_from_slice(&seg.data[seg.read..seg.read + n]);
            got.len = n;
            got.full = seg.left();
            got.extras.cred = seg.extras.cred;
            if !peek {
                let seg = dir.segments.pop_front().expect("not empty");
                dir.bytes -= seg.left();
                got.extras.files = seg.extras.files;
            } else {
                got.extras.files = seg.extras.files.clone();
            }
        } else {
            // Consuming reads the front segment; peeking walks along them.
            let mut k = 0;
            while got.len < out.len() {
                let Some(seg) = dir.segments.get(k) else { break };
                let carries = !seg.extras.files.is_empty();
                if carries && got.len > 0 {
                    break; // files go with their own bytes, in a read of their own
                }
                let n = seg.left().min(out.len() - got.len);
                out[got.len..got.len + n].copy_from_slice(&seg.data[seg.read..seg.read + n]);
                got.len += n;
                got.extras.cred = seg.extras.cred;
                if peek {
                    if carries {
                        got.extras.files = seg.extras.files.clone();
                    }
                    k += 1;
                } else {
                    let seg = &mut dir.segments[k];
                    seg.read += n;
                    if carries {
                        got.extras.files = core::mem::take(&mut seg.extras.files);
                    }
                    if seg.left() == 0 {
                        dir.segments.pop_front();
                    }
                }
                if carries {
                    break;
                }
            }
            if !peek {
                dir.bytes -= got.len;
            }
            got.full = got.len;
        }
        drop(dir);
        if !peek {
            conn.wake(); // room for the writer
        }
        Ok(got)
    }

    fn recv_datagram(&self, out: &mut [u8], peek: bool) -> SysResult<Received> {
        let mut inner = self.inner.lock();
        let Some(d) = inner.rx.front() else {
            return if inner.shut_rd { Ok(Received::default()) } else { Err(Errno::EAGAIN) };
        };
        let n = d.data.len().min(out.len());
        out[..n].copy_from_slice(&d.data[..n]);
        let mut got = Received { len: n, full: d.data.len(), from: Some(d.from.clone()), ..Received::default() };
        got.extras.cred = d.extras.cred;
        if peek {
            got.extras.files = d.extras.files.clone();
        } else {
            let d = inner.rx.pop_front().expect("not empty");
            inner.rx_bytes -= d.data.len();
            got.extras.files = d.extras.files;
            drop(inner);
            // Senders waiting for room wait on this queue (see `send_queue`).
            self.queue.wake_all();
        }
        Ok(got)
    }

    /// shutdown(2). A socket that is not connected only remembers it (Linux's AF_UNIX does not
    /// check).
    pub fn shutdown(&self, how: i32) -> SysResult<()> {
        let (rd, wr) = match how {
            SHUT_RD => (true, false),
            SHUT_WR => (false, true),
            SHUT_RDWR => (true, true),
            _ => return Err(Errno::EINVAL),
        };
        let mut inner = self.inner.lock();
        if let State::Connected { conn, side, .. } = &inner.state {
            if rd {
                conn.dirs[*side].lock().reader_gone = true;
            }
            if wr {
                conn.dirs[1 - side].lock().writer_gone = true;
            }
            conn.wake();
        }
        inner.shut_rd |= rd;
        inner.shut_wr |= wr;
        drop(inner);
        self.queue.wake_all();
        Ok(())
    }

    /// Its own name (unnamed if not bound).
    pub fn local_addr(&self) -> UnixAddr {
        self.inner.lock().local.clone().unwrap_or(UnixAddr::Unnamed)
    }

    /// The name of the other end. ENOTCONN if not connected.
    pub fn peer_addr(&self) -> SysResult<UnixAddr> {
        let inner = self.inner.lock();
        match &inner.state {
            State::Connected { peer_addr, .. } => Ok(peer_addr.clone()),
            _ => match &inner.peer {
                Some((_, a)) => Ok(a.clone()),
                None => Err(Errno::ENOTCONN),
            },
        }
    }

    /// SO_PEERCRED: who made the other end (at connect, listen or socketpair time).
    pub fn peer_cred(&self) -> Option<Ucred> {
        match &self.inner.lock().state {
            State::Connected { peer_cred, .. } => Some(*peer_cred),
            _ => None,
        }
    }

    /// SO_ERROR: the pending error, cleared.
    pub fn take_error(&self) -> Option<Errno> {
        self.error.lock().take()
    }
}

impl Drop for UnixSocket {
    fn drop(&mut self) {
        let inner = self.inner.get_mut();
        if let State::Connected { conn, side, .. } = &inner.state {
            let unread = {
                let mut mine = conn.dirs[*side].lock();
                mine.reader_gone = true;
                let unread = mine.bytes > 0;
                mine.segments.clear();
                mine.bytes = 0;
                unread
            };
            let mut theirs = conn.dirs[1 - side].lock();
            theirs.writer_gone = true;
            theirs.reset |= unread;
            drop(theirs);
            conn.wake();
        }
        if let Some(key) = inner.key.take() {
            let mut names = NAMES.lock();
            if names.get(&key).is_some_and(|w| w.strong_count() == 0) {
                names.remove(&key);
            }
        }
    }
}

impl Inode for UnixSocket {
    fn kind(&self) -> FileKind {
        FileKind::Socket
    }
    fn stat(&self) -> Stat {
        crate::socket_stat(self.ino)
    }
    fn seekable(&self) -> bool {
        false
    }
    fn mappable(&self) -> bool {
        false
    }
    /// read(2): a receive without flags (descriptors sent with the bytes are closed).
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        self.recv(buf, false).map(|r| r.len)
    }
    /// write(2): a send without flags.
    fn write_at(&self, _offset: u64, buf: &[u8]) -> SysResult<usize> {
        self.send(buf, None, &mut Extras { files: Vec::new(), cred: self.cred })
    }
    /// Its descriptor closed: queued datagrams go (with the files they carry), and senders
    /// waiting for room are woken to find it closed. A sender may still hold the socket.
    fn released(&self, _access: abi::flags::Access) {
        let queued = {
            let mut inner = self.inner.lock();
            inner.closed = true;
            inner.rx_bytes = 0;
            core::mem::take(&mut inner.rx)
        };
        // Dropped outside the lock: a file they carry may be a socket that closes in turn.
        drop(queued);
        self.queue.wake_all();
    }
    fn poll(&self) -> PollEvents {
        let inner = self.inner.lock();
        let readable = PollEvents::IN | PollEvents::RDNORM;
        let writable = PollEvents::OUT | PollEvents::WRNORM | PollEvents::WRBAND;
        let mut ev = PollEvents::empty();
        match &inner.state {
            State::Listening { pending, .. } => {
                if !pending.is_empty() {
                    ev |= readable;
                }
            }
            State::Connected { conn, side, .. } => {
                let mine = conn.dirs[*side].lock();
                let theirs = conn.dirs[1 - side].lock();
                let rcv_shut = mine.writer_gone || inner.shut_rd;
                let snd_shut = inner.shut_wr || theirs.reader_gone;
                if mine.bytes > 0 || rcv_shut || mine.reset {
                    ev |= readable;
                }
                if rcv_shut {
                    ev |= PollEvents::from_bits_retain(0x2000); // POLLRDHUP
                }
                if rcv_shut && snd_shut {
                    ev |= PollEvents::HUP;
                }
                if theirs.bytes < CAPACITY {
                    ev |= writable;
                }
            }
            State::Idle if self.kind.connected() => ev |= writable | PollEvents::HUP,
            State::Idle => {
                if !inner.rx.is_empty() || inner.shut_rd {
                    ev |= readable;
                }
                let full = inner.peer.as_ref().and_then(|(p, _)| p.upgrade()).is_some_and(|p| {
                    let t = p.inner.lock();
                    t.rx_bytes >= CAPACITY || t.rx.len() >= MAX_DATAGRAMS
                });
                if !full {
                    ev |= writable;
                }
            }
        }
        ev
    }
    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.queue)
    }
    fn fsync(&self) -> SysResult<()> {
        Err(Errno::EINVAL)
    }
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }
}
