//! process_vm_readv, process_vm_writev: copy between the caller's memory and another process's.
//!
//! The bytes go through a page-sized kernel buffer, one piece at a time: a piece never spans a
//! page of either side, so a fault in the other process stops the copy exactly at the page that
//! failed, and the count so far is the result, as on Linux. The two address spaces are never
//! locked at once (they may be the same one).
use crate::Caller;
use abi::structs::Iovec;
use abi::{Errno, SysResult};
use alloc::vec;
use alloc::vec::Vec;
use hal::mem::PAGE_SIZE;
use mm::{AddressSpace, UserPtr, UserSlice};
use task::process::{lookup, Pid};

/// UIO_MAXIOV: the most iovecs either side may have.
const IOV_MAX: usize = 1024;
/// Linux's MAX_RW_COUNT: the most one call moves.
const MAX_RW_COUNT: usize = 0x7fff_f000;

fn iovecs(mm: &mut AddressSpace, iov: UserPtr<Iovec>, cnt: usize) -> SysResult<Vec<(usize, usize)>> {
    if cnt > IOV_MAX {
        return Err(Errno::EINVAL);
    }
    let v = UserSlice::<Iovec>::new(iov.addr(), cnt).read(mm)?;
    let mut total = 0usize;
    for i in &v {
        total = total.checked_add(i.len).filter(|&t| t <= isize::MAX as usize).ok_or(Errno::EINVAL)?;
    }
    Ok(v.iter().filter(|i| i.len > 0).map(|i| (i.base, i.len)).collect())
}

/// A cursor over a list of (address, length) segments.
struct Cursor {
    segs: Vec<(usize, usize)>,
    i: usize,
    off: usize,
}

impl Cursor {
    /// The next address and how many bytes from it stay within its segment and its page.
    fn peek(&self) -> Option<(usize, usize)> {
        let &(base, len) = self.segs.get(self.i)?;
        let at = base.wrapping_add(self.off);
        Some((at, (len - self.off).min(PAGE_SIZE - at % PAGE_SIZE)))
    }
    fn advance(&mut self, n: usize) {
        self.off += n;
        if self.off == self.segs[self.i].1 {
            (self.i, self.off) = (self.i + 1, 0);
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn process_vm(
    cx: &Caller,
    pid: i32,
    local: UserPtr<Iovec>,
    liovcnt: usize,
    remote: UserPtr<Iovec>,
    riovcnt: usize,
    flags: usize,
    write: bool,
) -> SysResult<usize> {
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let local = iovecs(&mut cx.mm(), local, liovcnt)?;
    if local.is_empty() {
        return Ok(0);
    }
    let remote = iovecs(&mut cx.mm(), remote, riovcnt)?;
    let target = if pid > 0 { lookup(pid as Pid).ok_or(Errno::ESRCH)? } else { return Err(Errno::ESRCH) };
    if !crate::cred::may_inspect(cx, &target) {
        return Err(Errno::EPERM);
    }
    let (mut l, mut r) = (Cursor { segs: local, i: 0, off: 0 }, Cursor { segs: remote, i: 0, off: 0 });
    let mut buf = vec![0u8; PAGE_SIZE];
    let mut done = 0;
    let me = cx.process();
    let (src, dst) = if write { (me, &target) } else { (&target, me) };
    while let (Some((la, ln)), Some((ra, rn))) = (l.peek(), r.peek()) {
        let n = ln.min(rn).min(MAX_RW_COUNT - done);
        if n == 0 {
            break;
        }
        let piece = &mut buf[..n];
        let (from, to) = if write { (la, ra) } else { (ra, la) };
        // Bytes moved win over a fault on either side, as for read(2).
        if src.mm.lock().read_bytes(from, piece).is_err() || dst.mm.lock().write_bytes(to, piece).is_err() {
            break;
        }
        done += n;
        l.advance(n);
        r.advance(n);
        if done % (64 * PAGE_SIZE) == 0 {
            cx.thread().give_way().await;
        }
    }
    if done == 0 && l.peek().is_some() && r.peek().is_some() {
        return Err(Errno::EFAULT);
    }
    Ok(done)
}

/// process_vm_readv(2): from the memory of process `pid` (described by `remote`) into the
/// caller's (`local`). The caller must be allowed to inspect it (EPERM); the copy stops at the
/// first page either side cannot take, the bytes so far being the result (EFAULT if none).
pub async fn sys_process_vm_readv(
    cx: &Caller,
    pid: i32,
    local: UserPtr<Iovec>,
    liovcnt: usize,
    remote: UserPtr<Iovec>,
    riovcnt: usize,
    flags: usize,
) -> SysResult<usize> {
    process_vm(cx, pid, local, liovcnt, remote, riovcnt, flags, false).await
}

/// process_vm_writev(2): the same from the caller's memory into process `pid`'s.
pub async fn sys_process_vm_writev(
    cx: &Caller,
    pid: i32,
    local: UserPtr<Iovec>,
    liovcnt: usize,
    remote: UserPtr<Iovec>,
    riovcnt: usize,
    flags: usize,
) -> SysResult<usize> {
    process_vm(cx, pid, local, liovcnt, remote, riovcnt, flags, true).await
}
