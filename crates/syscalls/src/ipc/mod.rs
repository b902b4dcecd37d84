//! System V IPC: message queues ([`msg`]), semaphore sets ([`sem`]) and shared memory
//! segments ([`shm`]), as Linux 6.1 has them (ipc/util.c, msg.c, sem.c, shm.c).
//!
//! Each kind has its own table of objects ([`Ids`]), indexed like Linux's idr: an object's id
//! is `index + seq * 32768`, indices are handed out cyclically and `seq` grows when they wrap,
//! so the id of a removed object stays invalid (EINVAL) for a long while. Keys other than
//! IPC_PRIVATE name at most one object of a kind. Permissions are Linux's `ipcperms`: the
//! owner's or creator's bits for a matching euid, the group's for a matching group (fsgid or a
//! supplementary group), else the others'; CAP_IPC_OWNER bypasses them. IPC_SET and IPC_RMID
//! need the owner, the creator or CAP_SYS_ADMIN.
//!
//! One lock per kind guards its whole table; it is never held across an `.await`, nor while
//! the caller's address space is locked (shared memory's attachments take it when an address
//! space lets go of them).
use crate::Caller;
use abi::cred::{CAP_IPC_OWNER, CAP_SYS_ADMIN};
use abi::{Errno, SysResult};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

pub mod msg;
pub mod sem;
pub mod shm;

pub use msg::{sys_msgctl, sys_msgget, sys_msgrcv, sys_msgsnd};
pub use sem::{sys_semctl, sys_semget, sys_semop, sys_semtimedop};
pub use shm::{sys_shmat, sys_shmctl, sys_shmdt, sys_shmget};

pub const IPC_PRIVATE: i32 = 0;
pub const IPC_CREAT: i32 = 0o1000;
pub const IPC_EXCL: i32 = 0o2000;
pub const IPC_NOWAIT: i32 = 0o4000;
pub const IPC_RMID: i32 = 0;
pub const IPC_SET: i32 = 1;
pub const IPC_STAT: i32 = 2;
pub const IPC_INFO: i32 = 3;
/// The "new layout" flag old ABIs put in the command; asm-generic needs none, and it is ignored.
const IPC_64: i32 = 0x100;

/// Ids are `index + seq * SEQ_MULTIPLIER` (Linux's IPCMNI without ipcmni_extend).
const SEQ_MULTIPLIER: i32 = 32768;
/// Largest `seq` (Linux's ipcid_seq_max: INT_MAX / SEQ_MULTIPLIER).
const SEQ_MAX: i32 = i32::MAX / SEQ_MULTIPLIER;

/// The command without the IPC_64 flag.
pub(crate) fn command(cmd: i32) -> i32 {
    if cmd > 0 {
        cmd & !IPC_64
    } else {
        cmd
    }
}

/// Seconds since the epoch (the times of IPC objects).
pub(crate) fn now_secs() -> i64 {
    ((hal::time::boot_epoch_ns() + hal::time::now_ns()) / 1_000_000_000) as i64
}

/// Linux's `kern_ipc_perm`: who owns an object and who may use it.
#[derive(Clone, Debug)]
pub struct Perm {
    pub key: i32,
    pub uid: u32,
    pub gid: u32,
    pub cuid: u32,
    pub cgid: u32,
    /// The permission bits (0o777) and the kind's flags above them (SHM_DEST, SHM_LOCKED).
    pub mode: u32,
    pub seq: i32,
    pub id: i32,
}

impl Perm {
    /// Linux's ipcperms: whether the caller may use the object for `flag`'s rwx bits
    /// (0o400/0o200, in any of the three positions).
    pub fn allows(&self, cred: &task::Cred, flag: u32) -> bool {
        let requested = (flag >> 6) | (flag >> 3) | flag;
        let mut granted = self.mode;
        if cred.euid == self.cuid || cred.euid == self.uid {
            granted >>= 6;
        } else if cred.in_group(self.cgid) || cred.in_group(self.gid) {
            granted >>= 3;
        }
        requested & !granted & 0o7 == 0 || cred.capable(CAP_IPC_OWNER)
    }

    /// [`Perm::allows`], or EACCES.
    pub fn check(&self, cred: &task::Cred, flag: u32) -> SysResult<()> {
        if self.allows(cred, flag) {
            Ok(())
        } else {
            Err(Errno::EACCES)
        }
    }

    /// Linux's ipcctl_obtain_check: IPC_SET and IPC_RMID need the owner, the creator, or
    /// CAP_SYS_ADMIN (EPERM).
    pub fn check_owner(&self, cred: &task::Cred) -> SysResult<()> {
        if cred.euid == self.cuid || cred.euid == self.uid || cred.capable(CAP_SYS_ADMIN) {
            Ok(())
        } else {
            Err(Errno::EPERM)
        }
    }

    /// IPC_SET: the new owner and permission bits (the flags above them stay).
    pub fn set(&mut self, uid: u32, gid: u32, mode: u32) {
        self.uid = uid;
        self.gid = gid;
        self.mode = (self.mode & !0o777) | (mode & 0o777);
    }

    /// `struct ipc64_perm` (asm-generic, 48 bytes).
    pub fn encode(&self, w: &mut Writer) {
        w.i32(self.key);
        w.u32(self.uid);
        w.u32(self.gid);
        w.u32(self.cuid);
        w.u32(self.cgid);
        w.u32(self.mode);
        w.u16(self.seq as u16);
        w.u16(0);
        w.u32(0);
        w.u64(0);
        w.u64(0);
    }
}

/// The fields of `struct ipc64_perm` IPC_SET reads: uid, gid, mode.
pub(crate) fn decode_perm(b: &[u8]) -> (u32, u32, u32) {
    let u = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    (u(4), u(8), u(20))
}

/// Little-endian bytes of a C structure, field by field.
#[derive(Default)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    pub fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
}

/// An object of a table: its permissions and the kind's own state.
pub struct Obj<T> {
    pub perm: Perm,
    pub data: T,
}

/// One kind's table of objects (Linux's `ipc_ids`).
pub struct Ids<T> {
    objs: BTreeMap<i32, Obj<T>>,
    /// The index handed out last, and the sequence number of new ids.
    last_idx: i32,
    seq: i32,
}

impl<T> Ids<T> {
    pub const fn new() -> Self {
        Ids { objs: BTreeMap::new(), last_idx: -1, seq: 0 }
    }

    pub fn len(&self) -> usize {
        self.objs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objs.is_empty()
    }

    /// The highest index in use (IPC_INFO's answer), 0 when there is none.
    pub fn max_idx(&self) -> i32 {
        self.objs.keys().next_back().copied().unwrap_or(0)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Obj<T>> {
        self.objs.values()
    }

    /// The object with key `key` (not IPC_PRIVATE).
    pub fn find_key(&self, key: i32) -> Option<&Obj<T>> {
        self.objs.values().find(|o| o.perm.key == key && key != IPC_PRIVATE)
    }

    /// The object `id`: EINVAL if there is none (or it was removed and its index reused).
    pub fn get(&self, id: i32) -> SysResult<&Obj<T>> {
        if id < 0 {
            return Err(Errno::EINVAL);
        }
        self.objs.get(&(id % SEQ_MULTIPLIER)).filter(|o| o.perm.id == id).ok_or(Errno::EINVAL)
    }

    pub fn get_mut(&mut self, id: i32) -> SysResult<&mut Obj<T>> {
        if id < 0 {
            return Err(Errno::EINVAL);
        }
        self.objs.get_mut(&(id % SEQ_MULTIPLIER)).filter(|o| o.perm.id == id).ok_or(Errno::EINVAL)
    }

    /// The object at index `idx` (the *_STAT commands), EINVAL if none.
    pub fn at_index(&self, idx: i32) -> SysResult<&Obj<T>> {
        self.objs.get(&idx).ok_or(Errno::EINVAL)
    }

    pub fn remove(&mut self, id: i32) -> Option<Obj<T>> {
        self.get(id).ok()?;
        self.objs.remove(&(id % SEQ_MULTIPLIER))
    }

    /// Add an object made by `cred` with `key` and the low bits of `flags` as its mode, at the
    /// next free index below `max` (ENOSPC when all are taken). Returns its id.
    pub fn add(&mut self, cred: &task::Cred, key: i32, flags: i32, max: i32, data: T) -> SysResult<i32> {
        if self.objs.len() >= max as usize {
            return Err(Errno::ENOSPC);
        }
        let start = self.last_idx + 1;
        let idx = (start..max).chain(0..start.min(max)).find(|i| !self.objs.contains_key(i)).ok_or(Errno::ENOSPC)?;
        if idx <= self.last_idx {
            self.seq = if self.seq + 1 >= SEQ_MAX { 0 } else { self.seq + 1 };
        }
        self.last_idx = idx;
        let id = idx + self.seq * SEQ_MULTIPLIER;
        let perm = Perm {
            key,
            uid: cred.euid,
            gid: cred.egid,
            cuid: cred.euid,
            cgid: cred.egid,
            mode: (flags & 0o777) as u32,
            seq: self.seq,
            id,
        };
        self.objs.insert(idx, Obj { perm, data });
        Ok(id)
    }
}

impl<T> Default for Ids<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// What a *get call does with a key (Linux's ipcget): `Ok(Some(id))` for an existing object
/// the caller may use, `Ok(None)` when a new one is to be made.
pub(crate) fn lookup_key<T>(
    ids: &Ids<T>,
    cred: &task::Cred,
    key: i32,
    flags: i32,
    more_checks: impl FnOnce(&Obj<T>) -> SysResult<()>,
) -> SysResult<Option<i32>> {
    if key == IPC_PRIVATE {
        return Ok(None);
    }
    match ids.find_key(key) {
        None if flags & IPC_CREAT == 0 => Err(Errno::ENOENT),
        None => Ok(None),
        Some(_) if flags & IPC_CREAT != 0 && flags & IPC_EXCL != 0 => Err(Errno::EEXIST),
        Some(o) => {
            more_checks(o)?;
            o.perm.check(cred, (flags & 0o777) as u32)?;
            Ok(Some(o.perm.id))
        }
    }
}

/// The text of /proc/sysvipc/msg, sem or shm (0, 1, 2).
pub fn proc_sysvipc(file: u8) -> alloc::string::String {
    match file {
        0 => msg::proc_sysvipc(),
        1 => sem::proc_sysvipc(),
        _ => shm::proc_sysvipc(),
    }
}

/// The pid of the caller's process (the lspid/lrpid/cpid fields).
pub(crate) fn pid(cx: &Caller) -> i32 {
    cx.process().pid as i32
}

/// Write the bytes of a structure to user memory at `addr`.
pub(crate) fn put(cx: &Caller, addr: usize, w: &Writer) -> SysResult<()> {
    cx.mm().write_bytes(addr, &w.0)
}

/// Read `len` bytes of user memory at `addr`.
pub(crate) fn get(cx: &Caller, addr: usize, len: usize) -> SysResult<Vec<u8>> {
    let mut b = alloc::vec![0u8; len];
    cx.mm().read_bytes(addr, &mut b)?;
    Ok(b)
}
