//! Shared memory segments: shmget(2), shmat(2), shmdt(2), shmctl(2) (Linux's ipc/shm.c).
//!
//! A segment's pages are made zeroed on first touch and kept with the segment ([`Pages`]). An
//! attachment is a shared file mapping (`AddressSpace::map_cache`) of an [`Attached`], the
//! segment's one object that mappings hold: every area mapping the segment, in any process,
//! holds an `Arc` of it, so fork (which copies areas), munmap's splits, exec and exit (which
//! drop areas) count attachments as Linux's vm_ops open/close do, and `shm_nattch` is its
//! strong count. The table keeps only a `Weak`. When the last area lets go of it, a segment
//! marked for removal (IPC_RMID while attached: SHM_DEST) goes away.
use super::*;
use abi::cred::CAP_IPC_LOCK;
use alloc::format;
use alloc::sync::{Arc, Weak};
use hal::mem::PAGE_SIZE;
use mm::aspace::{AreaKind, Perm as MmPerm};
use mm::cache::FilePages;
use mm::frame::Frame;
use sync::Mutex;

pub const SHMMAX: u64 = u64::MAX - (1 << 24);
pub const SHMALL: u64 = u64::MAX - (1 << 24);
pub const SHMMNI: i32 = 4096;
pub const SHMMIN: usize = 1;
const SHMSEG: u64 = SHMMNI as u64;

pub const SHM_HUGETLB: i32 = 0o4000;
pub const SHM_RDONLY: i32 = 0o10000;
pub const SHM_RND: i32 = 0o20000;
pub const SHM_REMAP: i32 = 0o40000;
pub const SHM_EXEC: i32 = 0o100000;
pub const SHM_LOCK: i32 = 11;
pub const SHM_UNLOCK: i32 = 12;
pub const SHM_STAT: i32 = 13;
pub const SHM_INFO: i32 = 14;
pub const SHM_STAT_ANY: i32 = 15;
/// Mode flags: removed while attached; locked in memory.
pub const SHM_DEST: u32 = 0o1000;
pub const SHM_LOCKED: u32 = 0o2000;
const SHMLBA: usize = PAGE_SIZE;

/// `struct shmid64_ds`'s size.
const SHMID_DS_LEN: usize = 112;

/// A segment's memory, by page.
pub struct Pages {
    pages: Mutex<BTreeMap<u64, Arc<Frame>>>,
    size: u64,
}

/// What the mappings of a segment hold (see the module documentation).
pub struct Attached {
    id: i32,
    pages: Arc<Pages>,
}

impl FilePages for Attached {
    fn page(&self, index: u64, _shared: bool) -> SysResult<Option<Arc<Frame>>> {
        if index >= self.pages.size.div_ceil(PAGE_SIZE as u64) {
            return Ok(None);
        }
        let mut p = self.pages.pages.lock();
        if let Some(f) = p.get(&index) {
            return Ok(Some(f.clone()));
        }
        let f = Arc::new(Frame::alloc().ok_or(Errno::ENOMEM)?);
        p.insert(index, f.clone());
        Ok(Some(f))
    }
    fn lookup(&self, index: u64) -> SysResult<(u64, Option<Arc<Frame>>)> {
        Ok((self.pages.size, self.pages.pages.lock().get(&index).cloned()))
    }
    fn cached(&self, index: u64) -> bool {
        self.pages.pages.lock().contains_key(&index)
    }
}

impl Drop for Attached {
    /// The last mapping is gone: a segment marked for removal goes now.
    fn drop(&mut self) {
        let mut guard = SHM.lock();
        let s = &mut *guard;
        let dest = s.ids.get(self.id).is_ok_and(|o| o.perm.mode & SHM_DEST != 0 && o.data.attached.strong_count() == 0);
        if let Ok(o) = s.ids.get_mut(self.id) {
            o.data.dtime = now_secs();
        }
        if dest {
            if let Some(o) = s.ids.remove(self.id) {
                s.pages -= o.data.npages();
            }
        }
    }
}

pub struct Segment {
    pages: Arc<Pages>,
    attached: Weak<Attached>,
    atime: i64,
    dtime: i64,
    ctime: i64,
    cpid: i32,
    lpid: i32,
}

impl Segment {
    fn npages(&self) -> u64 {
        self.pages.size.div_ceil(PAGE_SIZE as u64)
    }
}

pub(crate) struct ShmIds {
    ids: Ids<Segment>,
    /// Pages of all segments (shm_tot).
    pages: u64,
}

static SHM: Mutex<ShmIds> = Mutex::new(ShmIds { ids: Ids::new(), pages: 0 });

/// shmget(2). A new segment cannot be of huge pages (SHM_HUGETLB: EINVAL).
pub async fn sys_shmget(cx: &Caller, key: i32, size: usize, flags: i32) -> SysResult<usize> {
    let cred = cx.cred();
    let mut s = SHM.lock();
    let more = |o: &Obj<Segment>| if (o.data.pages.size as usize) < size { Err(Errno::EINVAL) } else { Ok(()) };
    if let Some(id) = lookup_key(&s.ids, &cred, key, flags, more)? {
        return Ok(id as usize);
    }
    // There are no huge pages (Linux without CONFIG_HUGETLBFS finds no page size: EINVAL).
    if flags & SHM_HUGETLB != 0 {
        return Err(Errno::EINVAL);
    }
    if size < SHMMIN || size as u64 > task::limits::SHMMAX.load(core::sync::atomic::Ordering::Relaxed) {
        return Err(Errno::EINVAL);
    }
    let npages = (size as u64).div_ceil(PAGE_SIZE as u64);
    if s.pages.checked_add(npages).is_none_or(|t| t > SHMALL) {
        return Err(Errno::ENOSPC);
    }
    let seg = Segment {
        pages: Arc::new(Pages { pages: Mutex::new(BTreeMap::new()), size: size as u64 }),
        attached: Weak::new(),
        atime: 0,
        dtime: 0,
        ctime: now_secs(),
        cpid: pid(cx),
        lpid: 0,
    };
    let id = s.ids.add(&cred, key, flags, SHMMNI, seg)?;
    s.pages += npages;
    Ok(id as usize)
}

/// shmat(2): map segment `shmid` at `addr` (0: where there is room); returns the address.
pub async fn sys_shmat(cx: &Caller, shmid: i32, addr: usize, flags: i32) -> SysResult<usize> {
    if shmid < 0 {
        return Err(Errno::EINVAL);
    }
    let mut addr = addr;
    if addr != 0 {
        if !addr.is_multiple_of(SHMLBA) {
            if flags & SHM_RND == 0 {
                return Err(Errno::EINVAL);
            }
            addr &= !(SHMLBA - 1);
            if addr == 0 && flags & SHM_REMAP != 0 {
                return Err(Errno::EINVAL);
            }
        }
    } else if flags & SHM_REMAP != 0 {
        return Err(Errno::EINVAL);
    }
    let (mut perm, mut max, mut acc) = (MmPerm::R | MmPerm::W, MmPerm::all(), 0o666);
    if flags & SHM_RDONLY != 0 {
        (perm, max, acc) = (MmPerm::R, MmPerm::R | MmPerm::X, 0o444);
    }
    if flags & SHM_EXEC != 0 {
        perm |= MmPerm::X;
        acc |= 0o111;
    }
    let cred = cx.cred();
    let me = pid(cx);
    // The object the mapping holds, taken with the table locked, mapped with it unlocked.
    let (attached, size, key) = {
        let mut s = SHM.lock();
        let o = s.ids.get_mut(shmid)?;
        o.perm.check(&cred, acc)?;
        let a = match o.data.attached.upgrade() {
            Some(a) => a,
            None => {
                let a = Arc::new(Attached { id: shmid, pages: o.data.pages.clone() });
                o.data.attached = Arc::downgrade(&a);
                a
            }
        };
        (a, o.data.pages.size as usize, o.perm.key)
    };
    let len = mm::aspace::page_up_checked(size).ok_or(Errno::ENOMEM)?;
    let result = {
        let mut mm = cx.mm();
        (|| {
            let start = if addr != 0 {
                let end = addr.checked_add(len).ok_or(Errno::EINVAL)?;
                if flags & SHM_REMAP == 0 && mm.overlaps(addr, end) {
                    return Err(Errno::EINVAL);
                }
                let fixed = abi::flags::MapFlags::FIXED;
                let start = crate::mm::place(&mm, addr, len, fixed)?;
                mm.unmap(start, len)?;
                start
            } else {
                crate::mm::place(&mm, 0, len, abi::flags::MapFlags::empty())?
            };
            let kind = AreaKind::File(format!("/SYSV{:08x} (deleted)", key as u32));
            mm.map_cache(start, len, perm, max, kind, attached.clone(), 0, true)?;
            Ok(start)
        })()
    };
    drop(attached);
    let start = result?;
    let mut s = SHM.lock();
    if let Ok(o) = s.ids.get_mut(shmid) {
        o.data.atime = now_secs();
        o.data.lpid = me;
    }
    Ok(start)
}

/// The segment id of a mapping's object, if it is a segment's.
fn segment_of(s: &ShmIds, f: &Arc<dyn FilePages>) -> Option<i32> {
    s.ids.iter().find(|o| core::ptr::addr_eq(Arc::as_ptr(f), o.data.attached.as_ptr())).map(|o| o.perm.id)
}

/// shmdt(2): detach the segment attached at `addr` (EINVAL if none is).
pub async fn sys_shmdt(cx: &Caller, addr: usize) -> SysResult<usize> {
    if !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let me = pid(cx);
    // The areas of the attachment: those from `addr` on that map the same object at the
    // matching offset, within the segment's size.
    let mut mm = cx.mm();
    let areas: Vec<(usize, usize, Arc<dyn FilePages>, u64)> = mm
        .areas()
        .filter(|a| a.end > addr)
        .filter_map(|a| a.cache_source().map(|(f, i)| (a.start, a.end, f.clone(), i)))
        .collect();
    let Some(first) = areas.iter().find(|a| a.0 >= addr && (a.0 - addr) / PAGE_SIZE == a.3 as usize).cloned() else {
        return Err(Errno::EINVAL);
    };
    let (id, size) = {
        let s = SHM.lock();
        let Some(id) = segment_of(&s, &first.2) else {
            return Err(Errno::EINVAL);
        };
        (id, s.ids.get(id).map(|o| o.data.pages.size as usize).unwrap_or(0))
    };
    let end = addr.saturating_add(mm::aspace::page_up_checked(size).unwrap_or(usize::MAX));
    let mut doomed = Vec::new();
    for (start, aend, f, i) in areas {
        if start >= first.0
            && aend <= end
            && core::ptr::addr_eq(Arc::as_ptr(&f), Arc::as_ptr(&first.2))
            && (start - addr) / PAGE_SIZE == i as usize
        {
            doomed.push((start, aend));
        }
        drop(f);
    }
    drop(first);
    for (start, aend) in doomed {
        mm.unmap(start, aend - start)?;
    }
    drop(mm);
    let mut s = SHM.lock();
    if let Ok(o) = s.ids.get_mut(id) {
        o.data.dtime = now_secs();
        o.data.lpid = me;
    }
    Ok(0)
}

fn encode(o: &Obj<Segment>) -> Writer {
    let d = &o.data;
    let mut w = Writer::default();
    o.perm.encode(&mut w);
    w.u64(d.pages.size);
    w.i64(d.atime);
    w.i64(d.dtime);
    w.i64(d.ctime);
    w.i32(d.cpid);
    w.i32(d.lpid);
    w.u64(d.attached.strong_count() as u64);
    w.u64(0);
    w.u64(0);
    w
}

/// shmctl(2).
pub async fn sys_shmctl(cx: &Caller, shmid: i32, cmd: i32, buf: usize) -> SysResult<usize> {
    let cmd = command(cmd);
    if shmid < 0 || cmd < 0 {
        return Err(Errno::EINVAL);
    }
    let cred = cx.cred();
    match cmd {
        IPC_INFO => {
            let max = SHM.lock().ids.max_idx();
            let mut w = Writer::default();
            let shmmax = task::limits::SHMMAX.load(core::sync::atomic::Ordering::Relaxed);
            for v in [shmmax, SHMMIN as u64, SHMMNI as u64, SHMSEG, SHMALL, 0, 0, 0, 0] {
                w.u64(v);
            }
            put(cx, buf, &w)?;
            Ok(max as usize)
        }
        SHM_INFO => {
            let (max, w) = {
                let s = SHM.lock();
                let rss: usize = s.ids.iter().map(|o| o.data.pages.pages.lock().len()).sum();
                let mut w = Writer::default();
                w.i32(s.ids.len() as i32);
                w.u32(0);
                for v in [s.pages, rss as u64, 0, 0, 0] {
                    w.u64(v);
                }
                (s.ids.max_idx(), w)
            };
            put(cx, buf, &w)?;
            Ok(max as usize)
        }
        IPC_STAT | SHM_STAT | SHM_STAT_ANY => {
            let (ret, w) = {
                let s = SHM.lock();
                let o = if cmd == IPC_STAT { s.ids.get(shmid)? } else { s.ids.at_index(shmid)? };
                if cmd != SHM_STAT_ANY {
                    o.perm.check(&cred, 0o444)?;
                }
                (if cmd == IPC_STAT { 0 } else { o.perm.id as usize }, encode(o))
            };
            put(cx, buf, &w)?;
            Ok(ret)
        }
        SHM_LOCK | SHM_UNLOCK => {
            let mut s = SHM.lock();
            let o = s.ids.get_mut(shmid)?;
            if !cred.capable(CAP_IPC_LOCK) {
                if cred.euid != o.perm.uid && cred.euid != o.perm.cuid {
                    return Err(Errno::EPERM);
                }
                let memlock = cx.process().rlimits.lock()[abi::flags::RLIMIT_MEMLOCK].cur;
                if cmd == SHM_LOCK && memlock == 0 {
                    return Err(Errno::EPERM);
                }
            }
            if cmd == SHM_LOCK {
                o.perm.mode |= SHM_LOCKED;
            } else {
                o.perm.mode &= !SHM_LOCKED;
            }
            Ok(0)
        }
        IPC_SET => {
            let b = get(cx, buf, SHMID_DS_LEN)?;
            let (uid, gid, mode) = decode_perm(&b);
            let mut s = SHM.lock();
            let o = s.ids.get_mut(shmid)?;
            o.perm.check_owner(&cred)?;
            o.perm.set(uid, gid, mode);
            o.data.ctime = now_secs();
            Ok(0)
        }
        IPC_RMID => {
            let removed = {
                let mut guard = SHM.lock();
                let s = &mut *guard;
                let o = s.ids.get_mut(shmid)?;
                o.perm.check_owner(&cred)?;
                if o.data.attached.strong_count() > 0 {
                    o.perm.mode |= SHM_DEST;
                    o.perm.key = IPC_PRIVATE;
                    None
                } else {
                    let o = s.ids.remove(shmid);
                    if let Some(o) = &o {
                        s.pages -= o.data.npages();
                    }
                    o
                }
            };
            drop(removed);
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// /proc/sysvipc/shm.
pub fn proc_sysvipc() -> alloc::string::String {
    use core::fmt::Write;
    let mut s = alloc::string::String::from(
        "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n",
    );
    for o in SHM.lock().ids.iter() {
        let (p, d) = (&o.perm, &o.data);
        let rss = d.pages.pages.lock().len() * PAGE_SIZE;
        let _ = writeln!(
            s,
            "{:10} {:10} {:5o} {:21} {:5} {:5} {:6} {:5} {:5} {:5} {:5} {:10} {:10} {:10} {:21} {:21}",
            p.key,
            p.id,
            p.mode,
            d.pages.size,
            d.cpid,
            d.lpid,
            d.attached.strong_count(),
            p.uid,
            p.gid,
            p.cuid,
            p.cgid,
            d.atime,
            d.dtime,
            d.ctime,
            rss,
            0
        );
    }
    s
}
