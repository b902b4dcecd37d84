//! [`FsTest`]: one process on a [`TestKernel`] and its file calls by path, for the file-system
//! tests (`tests/fs_*.rs`): each call puts its path in the process's scratch memory, makes the
//! syscall through the dispatch table and returns the raw result, or decodes what came back.
use super::{TestKernel, PATH, SCRATCH};
use crate::{Caller, Sysno};
use abi::flags::{OpenFlags, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW};
use abi::structs::{Stat, Statfs};
use alloc::string::String;
use alloc::vec::Vec;

const CWD: usize = AT_FDCWD as usize;

/// A test kernel and one process in it, with calls by path.
pub struct FsTest {
    pub k: TestKernel,
    pub p: Caller,
}

impl Default for FsTest {
    fn default() -> Self {
        Self::new()
    }
}

impl FsTest {
    /// Where the first path of a call goes ([`PATH`], as [`TestKernel::open`] puts it).
    pub const P1: usize = PATH;
    /// The second, third and fourth path or string of a call.
    pub const P2: usize = SCRATCH + 0xf_1000;
    pub const P3: usize = SCRATCH + 0xf_2000;
    pub const P4: usize = SCRATCH + 0xf_3000;
    /// Data read or listed (read, getdents64, getcwd).
    pub const BUF: usize = SCRATCH + 0x1_0000;
    /// A struct the kernel fills (stat, statfs) or a link's target (readlink).
    pub const AUX: usize = SCRATCH + 0xe_0000;

    /// A fresh [`TestKernel`] (/dev, /tmp, /etc) and a process with cwd "/".
    pub fn new() -> FsTest {
        let k = TestKernel::new();
        let p = k.spawn();
        FsTest { k, p }
    }

    /// The same with the standard mounts the kernel makes at boot (devtmpfs on /dev, proc on
    /// /proc, tmpfs on /tmp).
    pub fn with_standard_mounts() -> FsTest {
        let k = TestKernel::new();
        crate::fs::mount_standard(&k.root).unwrap();
        let p = k.spawn();
        FsTest { k, p }
    }

    pub fn pid(&self) -> usize {
        self.p.process().pid
    }

    /// Syscall `n` with one argument, `path`.
    pub fn call1(&self, n: Sysno, path: &str) -> isize {
        self.k.poke_str(&self.p, Self::P1, path);
        self.k.syscall(&self.p, n, [Self::P1])
    }

    pub fn open(&self, path: &str, flags: u32) -> isize {
        self.k.open(&self.p, path, flags)
    }

    pub fn close(&self, fd: isize) -> isize {
        self.k.syscall(&self.p, Sysno::close, [fd as usize])
    }

    /// Create an empty file if there is none (open with O_CREAT, close): 0 or the error.
    pub fn create(&self, path: &str) -> isize {
        let fd = self.open(path, (OpenFlags::CREAT | OpenFlags::WRONLY).bits());
        if fd < 0 {
            return fd;
        }
        self.close(fd);
        0
    }

    /// Create or truncate the file and write `data` to it; must succeed.
    pub fn write_file(&self, path: &str, data: &[u8]) {
        let fd = self.open(path, (OpenFlags::CREAT | OpenFlags::WRONLY | OpenFlags::TRUNC).bits());
        assert!(fd >= 0, "create {path}: {fd}");
        self.k.poke(&self.p, Self::BUF, data);
        assert_eq!(self.k.syscall(&self.p, Sysno::write, [fd as usize, Self::BUF, data.len()]), data.len() as isize);
        assert_eq!(self.close(fd), 0);
    }

    /// The whole file, read 100 bytes at a time (so offsets are carried across calls).
    pub fn read_bytes(&self, path: &str) -> Result<Vec<u8>, isize> {
        let fd = self.open(path, 0);
        if fd < 0 {
            return Err(fd);
        }
        let mut out = Vec::new();
        loop {
            let n = self.k.syscall(&self.p, Sysno::read, [fd as usize, Self::BUF, 100]);
            if n < 0 {
                self.close(fd);
                return Err(n);
            }
            if n == 0 {
                break;
            }
            out.extend(self.k.peek(&self.p, Self::BUF, n as usize));
        }
        self.close(fd);
        Ok(out)
    }

    /// The whole file as text; must succeed.
    pub fn read(&self, path: &str) -> String {
        String::from_utf8(self.read_bytes(path).unwrap_or_else(|e| panic!("read {path}: {e}"))).unwrap()
    }

    fn stat_with(&self, path: &str, flags: u32) -> Result<Stat, isize> {
        self.k.poke_str(&self.p, Self::P1, path);
        match self.k.syscall(&self.p, Sysno::newfstatat, [CWD, Self::P1, Self::AUX, flags as usize]) {
            0 => Ok(self.k.peek_val(&self.p, Self::AUX)),
            e => Err(e),
        }
    }

    /// newfstatat, following a final symlink.
    pub fn stat(&self, path: &str) -> Result<Stat, isize> {
        self.stat_with(path, 0)
    }

    /// newfstatat with AT_SYMLINK_NOFOLLOW.
    pub fn lstat(&self, path: &str) -> Result<Stat, isize> {
        self.stat_with(path, AT_SYMLINK_NOFOLLOW)
    }

    /// Whether the name exists (a dangling symlink does).
    pub fn exists(&self, path: &str) -> bool {
        self.lstat(path).is_ok()
    }

    pub fn readlink(&self, path: &str) -> Result<String, isize> {
        self.k.poke_str(&self.p, Self::P1, path);
        match self.k.syscall(&self.p, Sysno::readlinkat, [CWD, Self::P1, Self::AUX, 4096]) {
            n if n >= 0 => Ok(String::from_utf8(self.k.peek(&self.p, Self::AUX, n as usize)).unwrap()),
            e => Err(e),
        }
    }

    pub fn mkdir(&self, path: &str) -> isize {
        self.k.poke_str(&self.p, Self::P1, path);
        self.k.syscall(&self.p, Sysno::mkdirat, [CWD, Self::P1, 0o755])
    }

    pub fn unlink(&self, path: &str, flags: u32) -> isize {
        self.k.poke_str(&self.p, Self::P1, path);
        self.k.syscall(&self.p, Sysno::unlinkat, [CWD, Self::P1, flags as usize])
    }

    pub fn rmdir(&self, path: &str) -> isize {
        self.unlink(path, AT_REMOVEDIR)
    }

    /// renameat2 of `a` to `b`.
    pub fn rename(&self, a: &str, b: &str, flags: u32) -> isize {
        self.k.poke_str(&self.p, Self::P1, a);
        self.k.poke_str(&self.p, Self::P2, b);
        self.k.syscall(&self.p, Sysno::renameat2, [CWD, Self::P1, CWD, Self::P2, flags as usize])
    }

    /// linkat: `b` becomes a new name of `a`.
    pub fn link(&self, a: &str, b: &str, flags: u32) -> isize {
        self.k.poke_str(&self.p, Self::P1, a);
        self.k.poke_str(&self.p, Self::P2, b);
        self.k.syscall(&self.p, Sysno::linkat, [CWD, Self::P1, CWD, Self::P2, flags as usize])
    }

    /// symlinkat: `path` becomes a symlink to `target`.
    pub fn symlink(&self, target: &str, path: &str) -> isize {
        self.k.poke_str(&self.p, Self::P1, target);
        self.k.poke_str(&self.p, Self::P2, path);
        self.k.syscall(&self.p, Sysno::symlinkat, [Self::P1, CWD, Self::P2])
    }

    pub fn getcwd(&self) -> String {
        let n = self.k.syscall(&self.p, Sysno::getcwd, [Self::BUF, 4096]);
        assert!(n > 0, "getcwd: {n}");
        String::from_utf8(self.k.peek(&self.p, Self::BUF, n as usize - 1)).unwrap()
    }

    /// All (name, d_type) getdents64 gives for the directory `fd`, reading `chunk` bytes at a
    /// time, in the directory's order.
    pub fn list_fd(&self, fd: isize, chunk: usize) -> Vec<(String, u8)> {
        let mut out = Vec::new();
        loop {
            let n = self.k.syscall(&self.p, Sysno::getdents64, [fd as usize, Self::BUF, chunk]);
            assert!(n >= 0, "getdents64: {n}");
            if n == 0 {
                return out;
            }
            let data = self.k.peek(&self.p, Self::BUF, n as usize);
            let mut at = 0;
            while at < data.len() {
                let reclen = u16::from_ne_bytes([data[at + 16], data[at + 17]]) as usize;
                assert_eq!(reclen % 8, 0, "records are 8-byte aligned");
                let dtype = data[at + 18];
                let name = &data[at + 19..at + reclen];
                let end = name.iter().position(|&b| b == 0).unwrap();
                out.push((String::from_utf8(name[..end].to_vec()).unwrap(), dtype));
                at += reclen;
            }
        }
    }

    /// The names in the directory at `path`, in its order ("." and ".." first).
    pub fn list(&self, path: &str) -> Vec<String> {
        let fd = self.open(path, OpenFlags::DIRECTORY.bits());
        assert!(fd >= 0, "open {path}: {fd}");
        let names = self.list_fd(fd, 4096).into_iter().map(|(n, _)| n).collect();
        self.close(fd);
        names
    }

    /// mount(2) of `src` on `target`.
    pub fn mount(&self, src: &str, target: &str, fstype: &str, flags: u64, data: &str) -> isize {
        self.k.poke_str(&self.p, Self::P1, src);
        self.k.poke_str(&self.p, Self::P2, target);
        self.k.poke_str(&self.p, Self::P3, fstype);
        self.k.poke_str(&self.p, Self::P4, data);
        self.k.syscall(&self.p, Sysno::mount, [Self::P1, Self::P2, Self::P3, flags as usize, Self::P4])
    }

    pub fn umount(&self, target: &str, flags: u32) -> isize {
        self.k.poke_str(&self.p, Self::P1, target);
        self.k.syscall(&self.p, Sysno::umount2, [Self::P1, flags as usize])
    }

    /// statfs(2); must succeed.
    pub fn statfs(&self, path: &str) -> Statfs {
        self.k.poke_str(&self.p, Self::P1, path);
        assert_eq!(self.k.syscall(&self.p, Sysno::statfs, [Self::P1, Self::AUX]), 0, "statfs {path}");
        self.k.peek_val(&self.p, Self::AUX)
    }
}
