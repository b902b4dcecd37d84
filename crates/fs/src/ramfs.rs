//! ramfs: files and directories held in memory (the root file system unpacked from the initramfs).
use crate::inode::{DirEntry, FileKind, Inode, InodeRef};
use abi::{structs::Stat, Errno, SysResult};
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::{Arc, Weak};
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use sync::Mutex;

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

/// A fresh inode number (shared by all in-memory file systems).
pub fn next_ino() -> u64 {
    NEXT_INO.fetch_add(1, Ordering::Relaxed)
}

/// Metadata common to all ramfs nodes.
struct Meta {
    ino: u64,
    mode: Mutex<u32>,
    nlink: Mutex<u32>,
    mtime_ns: Mutex<u64>,
}

impl Meta {
    fn new(mode: u32) -> Meta {
        Meta { ino: next_ino(), mode: Mutex::new(mode & 0o7777), nlink: Mutex::new(1), mtime_ns: Mutex::new(now()) }
    }
    fn stat(&self, kind: FileKind, size: u64) -> Stat {
        let t = *self.mtime_ns.lock();
        let (sec, nsec) = ((t / 1_000_000_000) as i64, t % 1_000_000_000);
        Stat {
            st_dev: 1,
            st_ino: self.ino,
            st_mode: kind.mode_bits() | *self.mode.lock(),
            st_nlink: *self.nlink.lock(),
            st_size: size as i64,
            st_blksize: 4096,
            st_blocks: size.div_ceil(512) as i64,
            st_atime: sec,
            st_atime_nsec: nsec,
            st_mtime: sec,
            st_mtime_nsec: nsec,
            st_ctime: sec,
            st_ctime_nsec: nsec,
            ..Stat::default()
        }
    }
    fn touch(&self) {
        *self.mtime_ns.lock() = now();
    }
}

fn now() -> u64 {
    hal::time::boot_epoch_ns() + hal::time::now_ns()
}

/// A regular file.
pub struct RamFile {
    meta: Meta,
    data: Mutex<Vec<u8>>,
}

impl RamFile {
    pub fn new(mode: u32, data: Vec<u8>) -> Arc<RamFile> {
        Arc::new(RamFile { meta: Meta::new(mode), data: Mutex::new(data) })
    }
}

impl Inode for RamFile {
    fn kind(&self) -> FileKind {
        FileKind::Regular
    }
    fn stat(&self) -> Stat {
        self.meta.stat(FileKind::Regular, self.data.lock().len() as u64)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        let data = self.data.lock();
        let start = (offset as usize).min(data.len());
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        Ok(n)
    }
    fn write_at(&self, offset: u64, buf: &[u8]) -> SysResult<usize> {
        let mut data = self.data.lock();
        let end = (offset as usize).checked_add(buf.len()).ok_or(Errno::EFBIG)?;
        if data.len() < end {
            data.resize(end, 0);
        }
        data[offset as usize..end].copy_from_slice(buf);
        self.meta.touch();
        Ok(buf.len())
    }
    fn truncate(&self, len: u64) -> SysResult<()> {
        self.data.lock().resize(len as usize, 0);
        self.meta.touch();
        Ok(())
    }
}

/// A symbolic link.
pub struct RamSymlink {
    meta: Meta,
    target: String,
}

impl RamSymlink {
    pub fn new(target: &str) -> Arc<RamSymlink> {
        Arc::new(RamSymlink { meta: Meta::new(0o777), target: target.to_string() })
    }
}

impl Inode for RamSymlink {
    fn kind(&self) -> FileKind {
        FileKind::Symlink
    }
    fn stat(&self) -> Stat {
        self.meta.stat(FileKind::Symlink, self.target.len() as u64)
    }
    fn read_link(&self) -> SysResult<String> {
        Ok(self.target.clone())
    }
}

/// A directory.
pub struct RamDir {
    meta: Meta,
    parent: Mutex<Weak<RamDir>>,
    this: Weak<RamDir>,
    entries: Mutex<BTreeMap<String, InodeRef>>,
}

impl RamDir {
    /// A new root directory (its ".." is itself).
    pub fn new_root() -> Arc<RamDir> {
        Self::new_child(Weak::new(), 0o755)
    }

    fn new_child(parent: Weak<RamDir>, mode: u32) -> Arc<RamDir> {
        Arc::new_cyclic(|this| RamDir {
            meta: Meta::new(mode),
            parent: Mutex::new(parent),
            this: this.clone(),
            entries: Mutex::new(BTreeMap::new()),
        })
    }

    fn check_name(name: &str) -> SysResult<()> {
        if name.is_empty() || name == "." || name == ".." || name.contains('/') {
            return Err(Errno::EINVAL);
        }
        if name.len() > 255 {
            return Err(Errno::ENAMETOOLONG);
        }
        Ok(())
    }
}

impl Inode for RamDir {
    fn kind(&self) -> FileKind {
        FileKind::Directory
    }
    fn stat(&self) -> Stat {
        let mut st = self.meta.stat(FileKind::Directory, 4096);
        st.st_nlink = 2 + self.entries.lock().values().filter(|e| e.kind() == FileKind::Directory).count() as u32;
        st
    }
    fn lookup(&self, name: &str) -> SysResult<InodeRef> {
        match name {
            "." | "" => Ok(self.this.upgrade().ok_or(Errno::ENOENT)?),
            ".." => {
                let p = self.parent.lock().upgrade();
                Ok(match p {
                    Some(p) => p,
                    None => self.this.upgrade().ok_or(Errno::ENOENT)?,
                })
            }
            _ => self.entries.lock().get(name).cloned().ok_or(Errno::ENOENT),
        }
    }
    fn create(&self, name: &str, kind: FileKind, mode: u32) -> SysResult<InodeRef> {
        Self::check_name(name)?;
        let mut entries = self.entries.lock();
        if entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let node: InodeRef = match kind {
            FileKind::Regular => RamFile::new(mode, Vec::new()),
            FileKind::Directory => RamDir::new_child(self.this.clone(), mode),
            _ => return Err(Errno::EPERM),
        };
        entries.insert(name.to_string(), node.clone());
        self.meta.touch();
        Ok(node)
    }
    fn link(&self, name: &str, node: InodeRef) -> SysResult<()> {
        Self::check_name(name)?;
        let mut entries = self.entries.lock();
        if entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        entries.insert(name.to_string(), node);
        self.meta.touch();
        Ok(())
    }
    fn unlink(&self, name: &str) -> SysResult<()> {
        self.entries.lock().remove(name).map(|_| self.meta.touch()).ok_or(Errno::ENOENT)
    }
    fn read_dir(&self) -> SysResult<Vec<DirEntry>> {
        let parent_ino = self.lookup("..")?.stat().st_ino;
        let mut v = vec![
            DirEntry { name: ".".to_string(), ino: self.meta.ino, kind: FileKind::Directory },
            DirEntry { name: "..".to_string(), ino: parent_ino, kind: FileKind::Directory },
        ];
        for (name, node) in self.entries.lock().iter() {
            v.push(DirEntry { name: name.clone(), ino: node.stat().st_ino, kind: node.kind() });
        }
        Ok(v)
    }
}

impl RamDir {
    /// Make a subdirectory `name` whose ".." is this directory.
    pub fn mkdir(&self, name: &str, mode: u32) -> SysResult<InodeRef> {
        self.create(name, FileKind::Directory, mode)
    }
}
