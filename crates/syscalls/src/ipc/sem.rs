//! Semaphore sets: semget(2), semop(2), semtimedop(2), semctl(2) (Linux's ipc/sem.c).
//!
//! semop applies all its operations or none: they are tried on a copy of the values, and the
//! set changes only if every one succeeds. Otherwise the caller waits on the set's wait queue
//! (woken by every change) and tries again; while it waits, the operation it is blocked on
//! counts for GETNCNT/GETZCNT. SEM_UNDO adjustments are kept per process and semaphore set,
//! and applied when the process ends (a hook run when it becomes a zombie).
use super::*;
use abi::structs::Timespec;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};
use mm::UserPtr;
use sync::{Mutex, WaitQueue};
use task::signal;

pub const SEMMSL: i32 = 32000;
pub const SEMMNI: i32 = 32000;
pub const SEMMNS: i32 = SEMMNI * SEMMSL;
pub const SEMOPM: usize = 500;
pub const SEMVMX: i32 = 32767;
const SEMAEM: i32 = SEMVMX;
const SEMMNU: i32 = SEMMNS;
const SEMMAP: i32 = SEMMNS;
const SEMUME: i32 = SEMOPM as i32;
const SEMUSZ: i32 = 20;
/// Semaphores all sets together may have: Linux's SEMMNS is a billion, more than this
/// kernel's memory; past this bound semget is ENOSPC as past SEMMNS.
const USED_SEMS_MAX: usize = 1 << 20;

pub const GETPID: i32 = 11;
pub const GETVAL: i32 = 12;
pub const GETALL: i32 = 13;
pub const GETNCNT: i32 = 14;
pub const GETZCNT: i32 = 15;
pub const SETVAL: i32 = 16;
pub const SETALL: i32 = 17;
pub const SEM_STAT: i32 = 18;
pub const SEM_INFO: i32 = 19;
pub const SEM_STAT_ANY: i32 = 20;
pub const SEM_UNDO: i16 = 0x1000;

/// `struct semid64_ds`'s size.
const SEMID_DS_LEN: usize = 88;

#[derive(Clone, Copy, Default)]
struct Sem {
    val: i32,
    pid: i32,
}

pub struct Set {
    sems: Vec<Sem>,
    otime: i64,
    ctime: i64,
    wq: Arc<WaitQueue>,
    /// The waiters: their token, and the semaphore and kind (true: waiting for zero) of the
    /// operation each is blocked on.
    waiting: Vec<(u64, u16, bool)>,
}

pub(crate) struct SemIds {
    ids: Ids<Set>,
    used: usize,
    /// SEM_UNDO adjustments by (pid, set id), one per semaphore.
    undo: BTreeMap<(i32, i32), Vec<i32>>,
}

static SEM: Mutex<SemIds> = Mutex::new(SemIds { ids: Ids::new(), used: 0, undo: BTreeMap::new() });
static TOKENS: AtomicU64 = AtomicU64::new(1);

/// semget(2).
pub async fn sys_semget(cx: &Caller, key: i32, nsems: i32, flags: i32) -> SysResult<usize> {
    if !(0..=SEMMSL).contains(&nsems) {
        return Err(Errno::EINVAL);
    }
    let cred = cx.cred();
    let mut s = SEM.lock();
    let more = |o: &Obj<Set>| if nsems as usize > o.data.sems.len() { Err(Errno::EINVAL) } else { Ok(()) };
    if let Some(id) = lookup_key(&s.ids, &cred, key, flags, more)? {
        return Ok(id as usize);
    }
    if nsems == 0 {
        return Err(Errno::EINVAL);
    }
    if s.used + nsems as usize > USED_SEMS_MAX {
        return Err(Errno::ENOSPC);
    }
    let mut sems = Vec::new();
    sems.try_reserve_exact(nsems as usize).map_err(|_| Errno::ENOMEM)?;
    sems.resize(nsems as usize, Sem::default());
    let set = Set { sems, otime: 0, ctime: now_secs(), wq: Arc::new(WaitQueue::new()), waiting: Vec::new() };
    let id = s.ids.add(&cred, key, flags, SEMMNI, set)?;
    s.used += nsems as usize;
    Ok(id as usize)
}

/// One `struct sembuf`.
#[derive(Clone, Copy)]
struct SemBuf {
    num: u16,
    op: i16,
    flg: i16,
}

/// semop(2).
pub async fn sys_semop(cx: &Caller, semid: i32, sops: usize, nsops: usize) -> SysResult<usize> {
    semtimedop(cx, semid, sops, nsops, None).await
}

/// semtimedop(2): semop with a relative timeout (EAGAIN when it passes).
pub async fn sys_semtimedop(cx: &Caller, semid: i32, sops: usize, nsops: usize, timeout: usize) -> SysResult<usize> {
    semtimedop(cx, semid, sops, nsops, Some(UserPtr::new(timeout))).await
}

/// The outcome of trying the operations once.
enum Try {
    Done,
    /// Blocked on this semaphore, waiting for zero (true) or for an increase.
    Blocked(u16, bool),
}

/// Try `sops` on `set` as a whole (Linux's perform_atomic_semop). `undo`: the caller's
/// adjustments for the set, changed with the values.
fn try_ops(set: &mut Set, sops: &[SemBuf], undo: Option<&mut Vec<i32>>, me: i32) -> SysResult<Try> {
    let mut vals: Vec<i32> = set.sems.iter().map(|s| s.val).collect();
    let mut adj: Vec<i32> = undo.as_ref().map(|u| (*u).clone()).unwrap_or_default();
    for sop in sops {
        let i = sop.num as usize;
        let curr = vals[i];
        let result = curr + sop.op as i32;
        if (sop.op == 0 && curr != 0) || result < 0 {
            if sop.flg & IPC_NOWAIT as i16 != 0 {
                return Err(Errno::EAGAIN);
            }
            return Ok(Try::Blocked(sop.num, sop.op == 0));
        }
        if result > SEMVMX {
            return Err(Errno::ERANGE);
        }
        if sop.flg & SEM_UNDO != 0 {
            if adj.len() < vals.len() {
                adj.resize(vals.len(), 0);
            }
            let a = adj[i] - sop.op as i32;
            if !(-SEMAEM - 1..=SEMAEM).contains(&a) {
                return Err(Errno::ERANGE);
            }
            adj[i] = a;
        }
        vals[i] = result;
    }
    for (s, v) in set.sems.iter_mut().zip(vals) {
        s.val = v;
    }
    for sop in sops {
        set.sems[sop.num as usize].pid = me;
    }
    if let Some(u) = undo {
        *u = adj;
    }
    set.otime = now_secs();
    set.wq.wake_all();
    Ok(Try::Done)
}

/// Removes a waiter's entry from its set when its wait ends, however it ends.
struct Waiting {
    semid: i32,
    token: u64,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Ok(o) = SEM.lock().ids.get_mut(self.semid) {
            o.data.waiting.retain(|w| w.0 != self.token);
        }
    }
}

async fn semtimedop(
    cx: &Caller,
    semid: i32,
    sops_addr: usize,
    nsops: usize,
    timeout: Option<UserPtr<Timespec>>,
) -> SysResult<usize> {
    if nsops < 1 || semid < 0 {
        return Err(Errno::EINVAL);
    }
    if nsops > SEMOPM {
        return Err(Errno::E2BIG);
    }
    let raw = get(cx, sops_addr, nsops * 6)?;
    let sops: Vec<SemBuf> = raw
        .chunks_exact(6)
        .map(|c| SemBuf {
            num: u16::from_le_bytes([c[0], c[1]]),
            op: i16::from_le_bytes([c[2], c[3]]),
            flg: i16::from_le_bytes([c[4], c[5]]),
        })
        .collect();
    let deadline = match timeout.and_then(|t| t.nonnull()) {
        Some(t) => {
            let ts = t.read(&mut cx.mm())?;
            if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
                return Err(Errno::EINVAL);
            }
            Some(hal::time::now_ns().saturating_add(ts.to_nanos().ok_or(Errno::EINVAL)?))
        }
        None => None,
    };
    let max = sops.iter().map(|s| s.num).max().unwrap_or(0) as usize;
    let undos = sops.iter().any(|s| s.flg & SEM_UNDO != 0);
    let alter = sops.iter().any(|s| s.op != 0);
    if undos {
        task::process::set_exit_hook(exit);
    }
    let cred = cx.cred();
    let me = pid(cx);
    let token = TOKENS.fetch_add(1, Ordering::Relaxed);
    let wq = {
        let s = SEM.lock();
        let o = s.ids.get(semid)?;
        if max >= o.data.sems.len() {
            return Err(Errno::EFBIG);
        }
        o.perm.check(&cred, if alter { 0o222 } else { 0o444 })?;
        o.data.wq.clone()
    };
    let _waiting = Waiting { semid, token };
    let mut try_once = || -> Option<SysResult<usize>> {
        let mut guard = SEM.lock();
        let s = &mut *guard;
        let Ok(o) = s.ids.get_mut(semid) else {
            return Some(Err(Errno::EIDRM));
        };
        let n = o.data.sems.len();
        let undo = if undos { Some(s.undo.entry((me, semid)).or_insert_with(|| alloc::vec![0; n])) } else { None };
        o.data.waiting.retain(|w| w.0 != token);
        match try_ops(&mut o.data, &sops, undo, me) {
            Ok(Try::Done) => Some(Ok(0)),
            Ok(Try::Blocked(num, zero)) => {
                o.data.waiting.push((token, num, zero));
                None
            }
            Err(e) => Some(Err(e)),
        }
    };
    if let Some(r) = try_once() {
        return r;
    }
    if deadline.is_some_and(|d| d <= hal::time::now_ns()) {
        return Err(Errno::EAGAIN);
    }
    let wait = task::executor::with_deadline(deadline, wq.wait_until(&mut try_once));
    match signal::interruptible(cx.thread(), wait).await {
        Ok(Some(r)) => r,
        Ok(None) => Err(Errno::EAGAIN),
        Err(_) => Err(Errno::EINTR),
    }
}

/// At a process's end: apply its SEM_UNDO adjustments (clamped to 0..=SEMVMX, as Linux).
pub fn exit(pid: task::Pid) {
    let pid = pid as i32;
    let mut guard = SEM.lock();
    let s = &mut *guard;
    let mine: Vec<(i32, i32)> = s.undo.range((pid, i32::MIN)..=(pid, i32::MAX)).map(|(k, _)| *k).collect();
    for key in mine {
        let Some(adj) = s.undo.remove(&key) else { continue };
        let Ok(o) = s.ids.get_mut(key.1) else { continue };
        for (sem, a) in o.data.sems.iter_mut().zip(adj) {
            if a != 0 {
                sem.val = (sem.val + a).clamp(0, SEMVMX);
                sem.pid = pid;
            }
        }
        o.data.otime = now_secs();
        o.data.wq.wake_all();
    }
}

fn encode(o: &Obj<Set>) -> Writer {
    let mut w = Writer::default();
    o.perm.encode(&mut w);
    w.i64(o.data.otime);
    w.i64(o.data.ctime);
    w.u64(o.data.sems.len() as u64);
    w.u64(0);
    w.u64(0);
    w
}

/// semctl(2). The fourth argument is `union semun`: a value (SETVAL) or a pointer.
pub async fn sys_semctl(cx: &Caller, semid: i32, semnum: i32, cmd: i32, arg: usize) -> SysResult<usize> {
    let cmd = command(cmd);
    if semid < 0 {
        return Err(Errno::EINVAL);
    }
    let cred = cx.cred();
    match cmd {
        IPC_INFO | SEM_INFO => {
            let (max, w) = {
                let s = SEM.lock();
                let info = cmd == SEM_INFO;
                let mut w = Writer::default();
                for v in [SEMMAP, SEMMNI, SEMMNS, SEMMNU, SEMMSL, SEMOPM as i32, SEMUME] {
                    w.i32(v);
                }
                w.i32(if info { s.ids.len() as i32 } else { SEMUSZ });
                w.i32(SEMVMX);
                w.i32(if info { s.used as i32 } else { SEMAEM });
                (s.ids.max_idx(), w)
            };
            put(cx, arg, &w)?;
            Ok(max as usize)
        }
        IPC_STAT | SEM_STAT | SEM_STAT_ANY => {
            let (ret, w) = {
                let s = SEM.lock();
                let o = if cmd == IPC_STAT { s.ids.get(semid)? } else { s.ids.at_index(semid)? };
                if cmd != SEM_STAT_ANY {
                    o.perm.check(&cred, 0o444)?;
                }
                (if cmd == IPC_STAT { 0 } else { o.perm.id as usize }, encode(o))
            };
            put(cx, arg, &w)?;
            Ok(ret)
        }
        GETALL => {
            let vals: Vec<u8> = {
                let s = SEM.lock();
                let o = s.ids.get(semid)?;
                o.perm.check(&cred, 0o444)?;
                o.data.sems.iter().flat_map(|x| (x.val as u16).to_le_bytes()).collect()
            };
            cx.mm().write_bytes(arg, &vals)?;
            Ok(0)
        }
        SETALL => {
            let n = {
                let s = SEM.lock();
                let o = s.ids.get(semid)?;
                o.perm.check(&cred, 0o222)?;
                o.data.sems.len()
            };
            let raw = get(cx, arg, n * 2)?;
            let vals: Vec<i32> = raw.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]) as i32).collect();
            if vals.iter().any(|&v| v > SEMVMX) {
                return Err(Errno::ERANGE);
            }
            let me = pid(cx);
            let mut guard = SEM.lock();
            let s = &mut *guard;
            let o = s.ids.get_mut(semid).map_err(|_| Errno::EIDRM)?;
            for (sem, v) in o.data.sems.iter_mut().zip(vals) {
                sem.val = v;
                sem.pid = me;
            }
            o.data.ctime = now_secs();
            o.data.wq.wake_all();
            for (_, adj) in s.undo.iter_mut().filter(|(k, _)| k.1 == semid) {
                adj.iter_mut().for_each(|a| *a = 0);
            }
            Ok(0)
        }
        GETVAL | GETPID | GETNCNT | GETZCNT => {
            let s = SEM.lock();
            let o = s.ids.get(semid)?;
            o.perm.check(&cred, 0o444)?;
            let sem = usize::try_from(semnum).ok().and_then(|i| o.data.sems.get(i)).ok_or(Errno::EINVAL)?;
            Ok(match cmd {
                GETVAL => sem.val as usize,
                GETPID => sem.pid as usize,
                _ => {
                    let zero = cmd == GETZCNT;
                    o.data.waiting.iter().filter(|w| w.1 as i32 == semnum && w.2 == zero).count()
                }
            })
        }
        SETVAL => {
            let val = arg as u32 as i32;
            if !(0..=SEMVMX).contains(&val) {
                return Err(Errno::ERANGE);
            }
            let me = pid(cx);
            let mut guard = SEM.lock();
            let s = &mut *guard;
            let o = s.ids.get_mut(semid)?;
            let i = usize::try_from(semnum).ok().filter(|&i| i < o.data.sems.len()).ok_or(Errno::EINVAL)?;
            o.perm.check(&cred, 0o222)?;
            o.data.sems[i] = Sem { val, pid: me };
            o.data.ctime = now_secs();
            o.data.wq.wake_all();
            for (_, adj) in s.undo.iter_mut().filter(|(k, _)| k.1 == semid) {
                if let Some(a) = adj.get_mut(i) {
                    *a = 0;
                }
            }
            Ok(0)
        }
        IPC_SET => {
            let b = get(cx, arg, SEMID_DS_LEN)?;
            let (uid, gid, mode) = decode_perm(&b);
            let mut s = SEM.lock();
            let o = s.ids.get_mut(semid)?;
            o.perm.check_owner(&cred)?;
            o.perm.set(uid, gid, mode);
            o.data.ctime = now_secs();
            Ok(0)
        }
        IPC_RMID => {
            let mut guard = SEM.lock();
            let s = &mut *guard;
            s.ids.get(semid)?.perm.check_owner(&cred)?;
            if let Some(o) = s.ids.remove(semid) {
                s.used -= o.data.sems.len();
                o.data.wq.wake_all();
            }
            s.undo.retain(|k, _| k.1 != semid);
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// /proc/sysvipc/sem.
pub fn proc_sysvipc() -> alloc::string::String {
    use core::fmt::Write;
    let mut s = alloc::string::String::from(
        "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n",
    );
    for o in SEM.lock().ids.iter() {
        let p = &o.perm;
        let _ = writeln!(
            s,
            "{:10} {:10} {:5o} {:10} {:5} {:5} {:5} {:5} {:10} {:10}",
            p.key,
            p.id,
            p.mode,
            o.data.sems.len(),
            p.uid,
            p.gid,
            p.cuid,
            p.cgid,
            o.data.otime,
            o.data.ctime
        );
    }
    s
}
