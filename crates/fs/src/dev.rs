//! Character devices (the console, null, zero, full, random) and devfs, the file system that
//! names them and the machine's disks (/dev, type "devtmpfs").
//!
//! A driver is an inode that does the I/O ([`Console`], [`Null`], ...). devfs is a tmpfs whose
//! device entries are [`DevNode`]s: a node with its own metadata in devfs (device number of
//! the devfs instance, permissions, times, `st_rdev`) that hands I/O to the driver. Drivers are
//! also found by device number ([`driver`]), for device nodes of other file systems (an ext4
//! image's /dev/null).
//!
//! Block devices (the disks) are drivers of another layer: whoever knows them (the kernel, at
//! boot) registers each with [`register_block_device`], and every devfs instance made after that
//! has a block-special node for it (`/dev/vda`, `S_IFBLK`, its `st_rdev`).
use crate::inode::{FileKind, Inode, InodeRef, SetAttr, TimeSet};
use crate::meta::{make_dev, next_ino, now};
use crate::ramfs::RamFs;
use crate::tty::Tty;
use crate::vfs::FileSystem;
use abi::flags::PollEvents;
use abi::{structs::Stat, Errno, SysResult};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicU64, Ordering};
use sync::{Lazy, Mutex, WaitQueue};

fn chr_stat(ino: u64, major: u32, minor: u32, mode: u32) -> Stat {
    Stat {
        st_dev: 5,
        st_ino: ino,
        st_mode: FileKind::CharDevice.mode_bits() | mode,
        st_nlink: 1,
        st_rdev: make_dev(major, minor),
        st_blksize: 4096,
        ..Stat::default()
    }
}

/// The system console as a terminal. Typed bytes go through its line discipline ([`Tty`]) when
/// someone reads; with nothing to hand out, `EAGAIN` and the reader waits on [`CONSOLE_INPUT`],
/// which the kernel wakes when input may have arrived.
pub struct Console {
    ino: u64,
    tty: Tty,
}

/// Woken whenever console input may have arrived.
pub static CONSOLE_INPUT: WaitQueue = WaitQueue::new();

/// The one console inode (shared by /dev/console, /dev/tty and the initial fds 0, 1, 2).
pub static CONSOLE: Lazy<Arc<Console>> = Lazy::new(Console::new);

impl Console {
    /// A console with its own terminal settings over the same device (tests use this to change
    /// settings without disturbing the shared one).
    pub fn new() -> Arc<Console> {
        Arc::new(Console { ino: next_ino(), tty: Tty::new() })
    }

    /// Move what has been typed into the line discipline and show its echo.
    pub fn receive_input(&self) {
        let mut echo = Vec::new();
        while let Some(b) = hal::console::read_byte() {
            self.tty.receive(b, &mut echo);
        }
        if !echo.is_empty() {
            hal::console::write_bytes(&echo);
        }
    }
}

impl Inode for Console {
    fn kind(&self) -> FileKind {
        FileKind::CharDevice
    }
    fn stat(&self) -> Stat {
        chr_stat(self.ino, 5, 1, 0o620)
    }
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        self.receive_input();
        self.tty.read(buf)
    }
    fn write_at(&self, _offset: u64, buf: &[u8]) -> SysResult<usize> {
        hal::console::write_bytes(buf);
        Ok(buf.len())
    }
    fn poll(&self) -> PollEvents {
        self.receive_input();
        let out = PollEvents::OUT | PollEvents::WRNORM;
        if self.tty.readable() {
            out | PollEvents::IN | PollEvents::RDNORM
        } else {
            out
        }
    }
    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&CONSOLE_INPUT)
    }
    fn tty(&self) -> Option<&Tty> {
        Some(&self.tty)
    }
}

macro_rules! simple_device {
    ($(#[$doc:meta])* $name:ident, $major:expr, $minor:expr) => {
        $(#[$doc])*
        pub struct $name {
            ino: u64,
        }
        impl $name {
            pub fn new() -> Arc<$name> {
                Arc::new($name { ino: next_ino() })
            }
        }
    };
}

simple_device!(
    /// /dev/null: reads end at once, writes vanish.
    Null, 1, 3
);
simple_device!(
    /// /dev/zero: reads give zeros, writes vanish.
    Zero, 1, 5
);
simple_device!(
    /// /dev/full: reads give zeros, writes fail with ENOSPC.
    Full, 1, 7
);
simple_device!(
    /// /dev/random and /dev/urandom: pseudo-random bytes (never blocking, as since Linux 5.6
    /// once the pool is ready); writes are accepted and ignored.
    Random, 1, 9
);

impl Inode for Null {
    fn kind(&self) -> FileKind {
        FileKind::CharDevice
    }
    fn stat(&self) -> Stat {
        chr_stat(self.ino, 1, 3, 0o666)
    }
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> SysResult<usize> {
        Ok(0)
    }
    fn write_at(&self, _offset: u64, buf: &[u8]) -> SysResult<usize> {
        Ok(buf.len())
    }
}

impl Inode for Zero {
    fn kind(&self) -> FileKind {
        FileKind::CharDevice
    }
    fn stat(&self) -> Stat {
        chr_stat(self.ino, 1, 5, 0o666)
    }
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write_at(&self, _offset: u64, buf: &[u8]) -> SysResult<usize> {
        Ok(buf.len())
    }
}

impl Inode for Full {
    fn kind(&self) -> FileKind {
        FileKind::CharDevice
    }
    fn stat(&self) -> Stat {
        chr_stat(self.ino, 1, 7, 0o666)
    }
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write_at(&self, _offset: u64, _buf: &[u8]) -> SysResult<usize> {
        Err(Errno::ENOSPC)
    }
}

static RANDOM_STATE: AtomicU64 = AtomicU64::new(0);

/// Fill `buf` with pseudo-random bytes (splitmix64 seeded from the clock; not cryptographic).
pub fn random_bytes(buf: &mut [u8]) {
    if RANDOM_STATE.load(Ordering::Relaxed) == 0 {
        let seed = (hal::time::now_ns() ^ hal::time::boot_epoch_ns()) | 1;
        let _ = RANDOM_STATE.compare_exchange(0, seed, Ordering::Relaxed, Ordering::Relaxed);
    }
    for chunk in buf.chunks_mut(8) {
        let mut z =
            RANDOM_STATE.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed).wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
    }
}

impl Inode for Random {
    fn kind(&self) -> FileKind {
        FileKind::CharDevice
    }
    fn stat(&self) -> Stat {
        chr_stat(self.ino, 1, 9, 0o666)
    }
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        random_bytes(buf);
        Ok(buf.len())
    }
    fn write_at(&self, _offset: u64, buf: &[u8]) -> SysResult<usize> {
        Ok(buf.len())
    }
}

/// What a device node with a number no driver has leads to: open(2) is ENXIO.
struct NoDevice;

impl Inode for NoDevice {
    fn kind(&self) -> FileKind {
        FileKind::CharDevice
    }
    fn stat(&self) -> Stat {
        crate::meta::anon_stat(0)
    }
    fn may_open(&self) -> SysResult<()> {
        Err(Errno::ENXIO)
    }
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> SysResult<usize> {
        Err(Errno::ENXIO)
    }
    fn write_at(&self, _offset: u64, _buf: &[u8]) -> SysResult<usize> {
        Err(Errno::ENXIO)
    }
}

/// The driver of device `rdev` (`kind` CharDevice or BlockDevice), or one that refuses every
/// open (ENXIO) if none has the number.
pub fn driver_of(kind: FileKind, rdev: u64) -> InodeRef {
    static NONE: Lazy<Arc<NoDevice>> = Lazy::new(|| Arc::new(NoDevice));
    let (major, minor) = crate::meta::split_dev(rdev);
    let found = if kind == FileKind::BlockDevice { block_driver(major, minor) } else { driver(major, minor) };
    found.unwrap_or_else(|| NONE.clone())
}

/// The I/O methods of a device node (a node with `fn driver(&self) -> &InodeRef`), all the
/// driver's: devfs's nodes and those mknod(2) makes in a tmpfs share the drivers.
macro_rules! forward_to_driver {
    () => {
        fn may_open(&self) -> SysResult<()> {
            self.driver().may_open()
        }
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
            self.driver().read_at(offset, buf)
        }
        fn write_at(&self, offset: u64, buf: &[u8]) -> SysResult<usize> {
            self.driver().write_at(offset, buf)
        }
        fn seekable(&self) -> bool {
            self.driver().seekable()
        }
        fn mappable(&self) -> bool {
            false
        }
        fn poll(&self) -> abi::flags::PollEvents {
            self.driver().poll()
        }
        fn poll_access(&self, access: abi::flags::Access) -> abi::flags::PollEvents {
            self.driver().poll_access(access)
        }
        fn wait_queue(&self) -> Option<&sync::WaitQueue> {
            self.driver().wait_queue()
        }
        fn tty(&self) -> Option<&$crate::tty::Tty> {
            self.driver().tty()
        }
        fn opened(&self, access: abi::flags::Access) {
            self.driver().opened(access)
        }
        fn released(&self, access: abi::flags::Access) {
            self.driver().released(access)
        }
        fn fsync(&self) -> SysResult<()> {
            self.driver().fsync()
        }
        fn block_info(&self) -> Option<$crate::inode::BlockInfo> {
            self.driver().block_info()
        }
    };
}
pub(crate) use forward_to_driver;

/// The driver of character device `major:minor`, if there is one.
pub fn driver(major: u32, minor: u32) -> Option<InodeRef> {
    static NULL: Lazy<Arc<Null>> = Lazy::new(Null::new);
    static ZERO: Lazy<Arc<Zero>> = Lazy::new(Zero::new);
    static FULL: Lazy<Arc<Full>> = Lazy::new(Full::new);
    static RANDOM: Lazy<Arc<Random>> = Lazy::new(Random::new);
    Some(match (major, minor) {
        (1, 3) => NULL.clone(),
        (1, 5) => ZERO.clone(),
        (1, 7) => FULL.clone(),
        (1, 8) | (1, 9) => RANDOM.clone(),
        (5, 0) | (5, 1) => CONSOLE.clone(),
        _ => return None,
    })
}

/// A block device known to devfs: its name under /dev, its number, its driver.
struct BlockEntry {
    name: String,
    major: u32,
    minor: u32,
    driver: InodeRef,
}

static BLOCK_DEVICES: Mutex<Vec<BlockEntry>> = Mutex::new(Vec::new());

/// Make the block device `driver` (a node whose `block_info` is its geometry) known as
/// `/dev/<name>`, device `major:minor`, to every devfs instance made from now on. A second
/// registration of a name replaces the first.
pub fn register_block_device(name: &str, major: u32, minor: u32, driver: InodeRef) {
    let mut all = BLOCK_DEVICES.lock();
    all.retain(|e| e.name != name);
    all.push(BlockEntry { name: String::from(name), major, minor, driver });
}

/// The name (`vda`) of registered block device `rdev` (`st_rdev` of its node).
pub fn block_device_name(rdev: u64) -> Option<String> {
    BLOCK_DEVICES.lock().iter().find(|e| make_dev(e.major, e.minor) == rdev).map(|e| e.name.clone())
}

/// The driver of block device `major:minor`, if there is one.
pub fn block_driver(major: u32, minor: u32) -> Option<InodeRef> {
    BLOCK_DEVICES.lock().iter().find(|e| (e.major, e.minor) == (major, minor)).map(|e| e.driver.clone())
}

/// A device's entry in devfs: metadata of its own, I/O by the driver.
pub struct DevNode {
    kind: FileKind,
    dev: u64,
    ino: u64,
    rdev: u64,
    attr: Mutex<DevAttr>,
    driver: InodeRef,
}

struct DevAttr {
    mode: u32,
    uid: u32,
    gid: u32,
    atime: (i64, u32),
    mtime: (i64, u32),
    ctime: (i64, u32),
}

impl DevNode {
    /// The node of character device `driver` as device `major:minor` in the instance with
    /// device number `dev`.
    pub fn new(dev: u64, major: u32, minor: u32, mode: u32, driver: InodeRef) -> Arc<DevNode> {
        Self::of_kind(FileKind::CharDevice, dev, major, minor, mode, driver)
    }

    /// The same for a block device.
    pub fn new_block(dev: u64, major: u32, minor: u32, mode: u32, driver: InodeRef) -> Arc<DevNode> {
        Self::of_kind(FileKind::BlockDevice, dev, major, minor, mode, driver)
    }

    fn of_kind(kind: FileKind, dev: u64, major: u32, minor: u32, mode: u32, driver: InodeRef) -> Arc<DevNode> {
        let t = now();
        Arc::new(DevNode {
            kind,
            dev,
            ino: next_ino(),
            rdev: make_dev(major, minor),
            attr: Mutex::new(DevAttr { mode: mode & 0o7777, uid: 0, gid: 0, atime: t, mtime: t, ctime: t }),
            driver,
        })
    }
    pub fn driver(&self) -> &InodeRef {
        &self.driver
    }
}

impl Inode for DevNode {
    fn kind(&self) -> FileKind {
        self.kind
    }
    fn stat(&self) -> Stat {
        let a = self.attr.lock();
        Stat {
            st_dev: self.dev,
            st_ino: self.ino,
            st_mode: self.kind.mode_bits() | a.mode,
            st_nlink: 1,
            st_uid: a.uid,
            st_gid: a.gid,
            st_rdev: self.rdev,
            st_blksize: 4096,
            st_atime: a.atime.0,
            st_atime_nsec: a.atime.1 as u64,
            st_mtime: a.mtime.0,
            st_mtime_nsec: a.mtime.1 as u64,
            st_ctime: a.ctime.0,
            st_ctime_nsec: a.ctime.1 as u64,
            ..Stat::default()
        }
    }
    fn id(&self) -> (u64, u64) {
        (self.dev, self.ino)
    }
    forward_to_driver!();
    fn set_attr(&self, s: &SetAttr) -> SysResult<()> {
        let t = now();
        let at = |v: TimeSet| match v {
            TimeSet::Now => t,
            TimeSet::At(sec, nsec) => (sec, nsec),
        };
        let mut a = self.attr.lock();
        if let Some(m) = s.mode {
            a.mode = m & 0o7777;
        }
        if let Some(u) = s.uid {
            a.uid = u;
        }
        if let Some(g) = s.gid {
            a.gid = g;
        }
        if let Some(v) = s.atime {
            a.atime = at(v);
        }
        if let Some(v) = s.mtime {
            a.mtime = at(v);
        }
        a.ctime = t;
        Ok(())
    }
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

/// The devices devfs makes: (name, major, minor, mode).
const DEVICES: [(&str, u32, u32, u32); 7] = [
    ("null", 1, 3, 0o666),
    ("zero", 1, 5, 0o666),
    ("full", 1, 7, 0o666),
    ("random", 1, 8, 0o666),
    ("urandom", 1, 9, 0o666),
    ("tty", 5, 0, 0o666),
    ("console", 5, 1, 0o600),
];

/// A new devfs instance (type "devtmpfs"): the devices above, the registered block devices
/// (mode 0660, as udev makes them), /dev/shm and /dev/pts, and the links /dev/fd, /dev/stdin,
/// /dev/stdout, /dev/stderr into /proc/self/fd.
pub fn devfs() -> Arc<RamFs> {
    let fs = RamFs::new("devtmpfs");
    let root = fs.root();
    let dev = root.id().0;
    for (name, major, minor, mode) in DEVICES {
        let drv = driver(major, minor).expect("known device");
        root.link(name, DevNode::new(dev, major, minor, mode, drv)).expect("fresh devfs");
    }
    for e in BLOCK_DEVICES.lock().iter() {
        if let Err(err) = root.link(&e.name, DevNode::new_block(dev, e.major, e.minor, 0o660, e.driver.clone())) {
            log::warn!("devfs: /dev/{}: {err}", e.name);
        }
    }
    for (name, mode) in [("shm", 0o1777), ("pts", 0o755)] {
        root.create(name, FileKind::Directory, mode).expect("fresh devfs");
    }
    for (name, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ] {
        root.symlink(name, target).expect("fresh devfs");
    }
    fs
}

/// mount(2) factory of "devtmpfs".
pub fn devfs_factory(_source: &str, _flags: u64, _data: &str) -> SysResult<Arc<dyn FileSystem>> {
    Ok(devfs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devfs_nodes_have_its_device_and_their_own_rdev() {
        let fs = devfs();
        let root = fs.root();
        let null = root.lookup("null").unwrap();
        let st = null.stat();
        assert_eq!(st.st_dev, root.id().0);
        assert_eq!(st.st_rdev, make_dev(1, 3));
        assert_eq!(st.st_mode, abi::flags::S_IFCHR | 0o666);
        assert_eq!(null.write_at(0, b"gone"), Ok(4));
        let full = root.lookup("full").unwrap();
        assert_eq!(full.write_at(0, b"x"), Err(Errno::ENOSPC));
        let mut b = [1u8; 3];
        assert_eq!(full.read_at(0, &mut b), Ok(3));
        assert_eq!(b, [0; 3]);
        assert!(root.lookup("console").unwrap().is_tty());
        assert_eq!(root.lookup("stdin").unwrap().read_link().unwrap(), "/proc/self/fd/0");
    }

    #[test]
    fn random_bytes_differ() {
        let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
        random_bytes(&mut a);
        random_bytes(&mut b);
        assert_ne!(a, b);
    }
}
