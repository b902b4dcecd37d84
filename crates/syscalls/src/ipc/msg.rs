//! Message queues: msgget(2), msgsnd(2), msgrcv(2), msgctl(2) (Linux's ipc/msg.c).
//!
//! A queue holds whole messages in order. A sender waits while the queue is full (by bytes, or
//! by count: at most `qbytes` messages), a receiver while no message matches; both wait on the
//! queue's wait queue, which every change wakes. A queue removed meanwhile is EIDRM; a signal
//! ends the wait (ERESTARTNOHAND, as Linux: EINTR once a handler ran).
use super::*;
use abi::cred::CAP_SYS_RESOURCE;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use sync::{Mutex, WaitQueue};
use task::signal;

pub const MSGMNI: i32 = 32000;
pub const MSGMAX: usize = 8192;
pub const MSGMNB: usize = 16384;
const MSGPOOL: i32 = (MSGMNI as usize * MSGMNB / 1024) as i32;
const MSGTQL: i32 = MSGMNB as i32;
const MSGMAP: i32 = MSGMNB as i32;
const MSGSSZ: i32 = 16;
const MSGSEG: u16 = 0xffff;
/// Bytes of messages all queues together may hold: past it msgsnd is ENOMEM (Linux's bound is
/// its memory; this kernel's heap is smaller).
const TOTAL_BYTES_MAX: usize = 32 << 20;

pub const MSG_NOERROR: i32 = 0o10000;
pub const MSG_EXCEPT: i32 = 0o20000;
pub const MSG_COPY: i32 = 0o40000;
pub const MSG_STAT: i32 = 11;
pub const MSG_INFO: i32 = 12;
pub const MSG_STAT_ANY: i32 = 13;

/// `struct msqid64_ds`'s size.
const MSQID_DS_LEN: usize = 120;

pub struct Queue {
    msgs: VecDeque<(i64, Vec<u8>)>,
    cbytes: usize,
    qbytes: usize,
    lspid: i32,
    lrpid: i32,
    stime: i64,
    rtime: i64,
    ctime: i64,
    wq: Arc<WaitQueue>,
}

pub(crate) struct MsgIds {
    pub ids: Ids<Queue>,
    /// Bytes in all queues.
    bytes: usize,
    msgs: usize,
}

pub(crate) static MSG: Mutex<MsgIds> = Mutex::new(MsgIds { ids: Ids::new(), bytes: 0, msgs: 0 });

/// The queue a sending or receiving call looks at on each try: gone before the first try is
/// EINVAL (no such id), gone after it EIDRM (removed while the caller waited); then the
/// caller's access (`mode`: 0o222 to send, 0o444 to receive).
fn waited_queue<'a>(
    ids: &'a mut Ids<Queue>,
    msqid: i32,
    first: &mut bool,
    cred: &task::Cred,
    mode: u32,
) -> SysResult<&'a mut Obj<Queue>> {
    let was_first = core::mem::replace(first, false);
    let o = ids.get_mut(msqid).map_err(|_| if was_first { Errno::EINVAL } else { Errno::EIDRM })?;
    o.perm.check(cred, mode)?;
    Ok(o)
}

/// msgget(2).
pub async fn sys_msgget(cx: &Caller, key: i32, flags: i32) -> SysResult<usize> {
    let cred = cx.cred();
    let mut m = MSG.lock();
    if let Some(id) = lookup_key(&m.ids, &cred, key, flags, |_| Ok(()))? {
        return Ok(id as usize);
    }
    let q = Queue {
        msgs: VecDeque::new(),
        cbytes: 0,
        qbytes: MSGMNB,
        lspid: 0,
        lrpid: 0,
        stime: 0,
        rtime: 0,
        ctime: now_secs(),
        wq: Arc::new(WaitQueue::new()),
    };
    let most = task::limits::MSGMNI.load(core::sync::atomic::Ordering::Relaxed);
    Ok(m.ids.add(&cred, key, flags, most, q)? as usize)
}

/// msgsnd(2): `msgp` points at `{ long mtype; char mtext[msgsz]; }`.
pub async fn sys_msgsnd(cx: &Caller, msqid: i32, msgp: usize, msgsz: usize, flags: i32) -> SysResult<usize> {
    let mtype = i64::from_le_bytes(get(cx, msgp, 8)?.try_into().map_err(|_| Errno::EFAULT)?);
    if msgsz > MSGMAX || msqid < 0 {
        return Err(Errno::EINVAL);
    }
    if mtype < 1 {
        return Err(Errno::EINVAL);
    }
    let mut text = Some(get(cx, msgp + 8, msgsz)?);
    let cred = cx.cred();
    let me = pid(cx);
    let wq = MSG.lock().ids.get(msqid)?.data.wq.clone();
    let mut first = true;
    let mut try_send = || -> Option<SysResult<usize>> {
        let mut guard = MSG.lock();
        let m = &mut *guard;
        let o = match waited_queue(&mut m.ids, msqid, &mut first, &cred, 0o222) {
            Ok(o) => o,
            Err(e) => return Some(Err(e)),
        };
        let q = &mut o.data;
        if msgsz + q.cbytes > q.qbytes || q.msgs.len() + 1 > q.qbytes {
            if flags & IPC_NOWAIT != 0 {
                return Some(Err(Errno::EAGAIN));
            }
            return None;
        }
        if m.bytes + msgsz > TOTAL_BYTES_MAX {
            return Some(Err(Errno::ENOMEM));
        }
        let text = text.take().unwrap_or_default();
        q.msgs.push_back((mtype, text));
        q.cbytes += msgsz;
        q.lspid = me;
        q.stime = now_secs();
        q.wq.wake_all();
        m.bytes += msgsz;
        m.msgs += 1;
        Some(Ok(0))
    };
    if let Some(r) = try_send() {
        return r;
    }
    match signal::interruptible(cx.thread(), wq.wait_until(&mut try_send)).await {
        Ok(r) => r,
        Err(_) => Err(Errno::ERESTARTNOHAND),
    }
}

/// Which message msgrcv takes (Linux's convert_mode and find_msg).
fn find(q: &Queue, msgtyp: i64, flags: i32) -> Option<usize> {
    if flags & MSG_COPY != 0 {
        return usize::try_from(msgtyp).ok().filter(|&n| n < q.msgs.len());
    }
    if msgtyp == 0 {
        return (!q.msgs.is_empty()).then_some(0);
    }
    if msgtyp < 0 {
        let limit = msgtyp.checked_neg().unwrap_or(i64::MAX);
        let mut best: Option<usize> = None;
        for (i, (t, _)) in q.msgs.iter().enumerate() {
            if *t <= limit && best.is_none_or(|b| *t < q.msgs[b].0) {
                best = Some(i);
            }
        }
        return best;
    }
    if flags & MSG_EXCEPT != 0 {
        return q.msgs.iter().position(|(t, _)| *t != msgtyp);
    }
    q.msgs.iter().position(|(t, _)| *t == msgtyp)
}

/// msgrcv(2). Returns the bytes of text stored at `msgp + 8`.
pub async fn sys_msgrcv(
    cx: &Caller,
    msqid: i32,
    msgp: usize,
    msgsz: usize,
    msgtyp: i64,
    flags: i32,
) -> SysResult<usize> {
    if msqid < 0 || (msgsz as isize) < 0 {
        return Err(Errno::EINVAL);
    }
    if flags & MSG_COPY != 0 && (flags & MSG_EXCEPT != 0 || flags & IPC_NOWAIT == 0) {
        return Err(Errno::EINVAL);
    }
    let cred = cx.cred();
    let me = pid(cx);
    let wq = MSG.lock().ids.get(msqid)?.data.wq.clone();
    let mut first = true;
    let mut try_recv = || -> Option<SysResult<(i64, Vec<u8>)>> {
        let mut guard = MSG.lock();
        let m = &mut *guard;
        let o = match waited_queue(&mut m.ids, msqid, &mut first, &cred, 0o444) {
            Ok(o) => o,
            Err(e) => return Some(Err(e)),
        };
        let q = &mut o.data;
        let Some(i) = find(q, msgtyp, flags) else {
            if flags & IPC_NOWAIT != 0 {
                return Some(Err(Errno::ENOMSG));
            }
            return None;
        };
        if msgsz < q.msgs[i].1.len() && flags & MSG_NOERROR == 0 {
            return Some(Err(Errno::E2BIG));
        }
        if flags & MSG_COPY != 0 {
            return Some(Ok(q.msgs[i].clone()));
        }
        let msg = q.msgs.remove(i)?;
        q.cbytes -= msg.1.len();
        q.lrpid = me;
        q.rtime = now_secs();
        q.wq.wake_all();
        m.bytes -= msg.1.len();
        m.msgs -= 1;
        Some(Ok(msg))
    };
    let (mtype, text) = match try_recv() {
        Some(r) => r?,
        None => match signal::interruptible(cx.thread(), wq.wait_until(&mut try_recv)).await {
            Ok(r) => r?,
            Err(_) => return Err(Errno::ERESTARTNOHAND),
        },
    };
    let n = text.len().min(msgsz);
    let mut mm = cx.mm();
    mm.write_bytes(msgp, &mtype.to_le_bytes())?;
    mm.write_bytes(msgp + 8, &text[..n])?;
    Ok(n)
}

fn encode(o: &Obj<Queue>) -> Writer {
    let q = &o.data;
    let mut w = Writer::default();
    o.perm.encode(&mut w);
    w.i64(q.stime);
    w.i64(q.rtime);
    w.i64(q.ctime);
    w.u64(q.cbytes as u64);
    w.u64(q.msgs.len() as u64);
    w.u64(q.qbytes as u64);
    w.i32(q.lspid);
    w.i32(q.lrpid);
    w.u64(0);
    w.u64(0);
    w
}

/// msgctl(2).
pub async fn sys_msgctl(cx: &Caller, msqid: i32, cmd: i32, buf: usize) -> SysResult<usize> {
    let cmd = command(cmd);
    if msqid < 0 || cmd < 0 {
        return Err(Errno::EINVAL);
    }
    let cred = cx.cred();
    match cmd {
        IPC_INFO | MSG_INFO => {
            let (max, w) = {
                let m = MSG.lock();
                let mut w = Writer::default();
                let info = cmd == MSG_INFO;
                w.i32(if info { m.ids.len() as i32 } else { MSGPOOL });
                w.i32(if info { m.msgs as i32 } else { MSGMAP });
                w.i32(MSGMAX as i32);
                w.i32(MSGMNB as i32);
                w.i32(task::limits::MSGMNI.load(core::sync::atomic::Ordering::Relaxed));
                w.i32(MSGSSZ);
                w.i32(if info { m.bytes as i32 } else { MSGTQL });
                w.u16(MSGSEG);
                w.u16(0);
                (m.ids.max_idx(), w)
            };
            put(cx, buf, &w)?;
            Ok(max as usize)
        }
        IPC_STAT | MSG_STAT | MSG_STAT_ANY => {
            let (ret, w) = {
                let m = MSG.lock();
                let o = if cmd == IPC_STAT { m.ids.get(msqid)? } else { m.ids.at_index(msqid)? };
                if cmd != MSG_STAT_ANY {
                    o.perm.check(&cred, 0o444)?;
                }
                (if cmd == IPC_STAT { 0 } else { o.perm.id as usize }, encode(o))
            };
            put(cx, buf, &w)?;
            Ok(ret)
        }
        IPC_SET => {
            let b = get(cx, buf, MSQID_DS_LEN)?;
            let (uid, gid, mode) = decode_perm(&b);
            let qbytes = u64::from_le_bytes(b[88..96].try_into().map_err(|_| Errno::EFAULT)?) as usize;
            let mut m = MSG.lock();
            let o = m.ids.get_mut(msqid)?;
            o.perm.check_owner(&cred)?;
            if qbytes > MSGMNB && !cred.capable(CAP_SYS_RESOURCE) {
                return Err(Errno::EPERM);
            }
            o.perm.set(uid, gid, mode);
            o.data.qbytes = qbytes;
            o.data.ctime = now_secs();
            o.data.wq.wake_all();
            Ok(0)
        }
        IPC_RMID => {
            let mut m = MSG.lock();
            m.ids.get(msqid)?.perm.check_owner(&cred)?;
            if let Some(o) = m.ids.remove(msqid) {
                m.bytes -= o.data.cbytes;
                m.msgs -= o.data.msgs.len();
                o.data.wq.wake_all();
            }
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// /proc/sysvipc/msg.
pub fn proc_sysvipc() -> alloc::string::String {
    use core::fmt::Write;
    let mut s = alloc::string::String::from(
        "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n",
    );
    for o in MSG.lock().ids.iter() {
        let (p, q) = (&o.perm, &o.data);
        let _ = writeln!(
            s,
            "{:10} {:10} {:5o} {:10} {:10} {:5} {:5} {:5} {:5} {:5} {:5} {:10} {:10} {:10}",
            p.key,
            p.id,
            p.mode,
            q.cbytes,
            q.msgs.len(),
            q.lspid,
            q.lrpid,
            p.uid,
            p.gid,
            p.cuid,
            p.cgid,
            q.stime,
            q.rtime,
            q.ctime
        );
    }
    s
}
