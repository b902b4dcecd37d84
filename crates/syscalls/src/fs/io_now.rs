//! read, write, pread64 and pwrite64 without a future: the synchronous try that most calls
//! need and nothing else.
//!
//! Most reads and writes finish at once (a file, a device, a pipe with data or room). For them
//! the state machines of `sys_read`/`sys_write` are pure overhead: building the futures, copying
//! their arguments in, the drop glue, and on the trap path the dispatcher's future around them
//! (together more than Linux's whole `write`, see docs/BENCHMARKS.md). The functions here are
//! the table's `now` entries (`crate::table::now`, which the trap's fast path calls): the whole
//! call when it can end without waiting, or `None` after having done nothing visible, when the
//! call might have to wait, or is bigger than one chunk; then its future runs from the start.
//! Results are the futures' to the errno, which the host tests check by running every case
//! both ways.
use super::io::{
    check_end, epipe_signal, fsize_room, page_cache, partial, pread_file, pwrite_file, read_cached, reader, writer,
    KernelBuffer, UserBuf, CHUNK,
};
use crate::Caller;
use abi::flags::PollEvents;
use abi::{Errno, SysResult};
use fs::{File, FileKind};
use mm::{UserSlice, UserSliceMut};

/// The value of a `SysResult`, or the `now` function's answer: that error.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Some(Err(e)),
        }
    };
}

/// read(2), when it need not wait (see the module documentation).
pub fn now_read(cx: &Caller, fd: i32, buf: UserSliceMut<u8>) -> Option<SysResult<usize>> {
    let file = tri!(reader(cx, fd));
    synchronous(&file, buf.len(), false).then(|| read_now(cx, &file, buf.addr(), buf.len(), None))?
}

/// write(2), when it need not wait.
pub fn now_write(cx: &Caller, fd: i32, buf: UserSlice<u8>) -> Option<SysResult<usize>> {
    let file = tri!(writer(cx, fd));
    synchronous(&file, buf.len(), true)
        .then(|| write_now(cx, &file, buf.addr(), buf.len(), None))?
        .map(|r| epipe_signal(cx, r))
}

/// pread64(2), when it need not wait.
pub fn now_pread64(cx: &Caller, fd: i32, buf: UserSliceMut<u8>, offset: i64) -> Option<SysResult<usize>> {
    let file = tri!(pread_file(cx, fd, offset));
    synchronous(&file, buf.len(), false).then(|| read_now(cx, &file, buf.addr(), buf.len(), Some(offset as u64)))?
}

/// pwrite64(2), when it need not wait.
pub fn now_pwrite64(cx: &Caller, fd: i32, buf: UserSlice<u8>, offset: i64) -> Option<SysResult<usize>> {
    let file = tri!(pwrite_file(cx, fd, offset));
    synchronous(&file, buf.len(), true)
        .then(|| write_now(cx, &file, buf.addr(), buf.len(), Some(offset as u64)))?
        .map(|r| epipe_signal(cx, r))
}

/// Whether an EAGAIN from `file` means waiting (the future's business) rather than the answer.
fn waits(file: &File) -> bool {
    !file.nonblocking() && file.inode().wait_queue().is_some()
}

/// Whether a transfer of `len` bytes with `file` is tried here: one chunk at most, with a file
/// that never waits, or with a pipe (sockets, terminals and the like take their futures: their
/// tries are dearer and more often end in a wait). A write to a pipe is tried if it cannot
/// wait midway (at most PIPE_BUF bytes, taken whole or not at all), a read if the pipe has
/// something to say: a reader that finds its pipe empty is the usual case in a ping-pong, and
/// giving way at once spares it the checks that its future makes again.
#[inline]
fn synchronous(file: &File, len: usize, write: bool) -> bool {
    if len > CHUNK {
        return false;
    }
    if !waits(file) {
        return true;
    }
    if file.inode().kind() != FileKind::Fifo {
        return false;
    }
    if write {
        len <= fs::pipe::PIPE_BUF
    } else {
        file.poll().intersects(PollEvents::IN | PollEvents::HUP | PollEvents::ERR)
    }
}

/// The answer of a first try: `None` if it is an EAGAIN the caller must wait out.
fn unless_waiting(file: &File, r: SysResult<usize>) -> Option<SysResult<usize>> {
    match r {
        Err(Errno::EAGAIN) if waits(file) => None,
        r => Some(r),
    }
}

/// Read `len` bytes at `addr` of the caller from `file`, at `pos` or the file offset. The
/// caller has checked that it is [`synchronous`]; out of line, so that a call that gives way
/// costs little more than that check.
#[inline(never)]
fn read_now(cx: &Caller, file: &File, addr: usize, len: usize, pos: Option<u64>) -> Option<SysResult<usize>> {
    let mm = cx.mm();
    let buf = tri!(UserBuf::single(&mm, addr, len));
    if let Some(p) = pos {
        tri!(check_end(p as i64, &buf));
    }
    let linked = mm.linked_bytes_mut(addr, buf.len);
    drop(mm);
    if let Some(Err(e)) = linked {
        return Some(Err(e));
    }
    if file.inode().kind() == FileKind::Directory {
        return Some(Err(Errno::EISDIR));
    }
    if buf.len == 0 {
        return Some(Ok(0));
    }
    // A linked application's buffer takes the data in place.
    if let Some(Ok(dst)) = linked {
        return unless_waiting(
            file,
            match pos {
                Some(p) => file.read_at(p, dst),
                None => file.read_with(dst, |data| data.len()),
            },
        );
    }
    if let Some(pages) = page_cache(file) {
        let (n, faulted) = tri!(read_cached(cx, file, &*pages, (&buf, 0, buf.len), pos));
        return Some(match faulted {
            Some(err) => partial(n, err),
            None => Ok(n),
        });
    }
    let mut kbuf = KernelBuffer::take(cx, len);
    let kbuf = &mut kbuf.bytes()[..len];
    let mut faulted = None;
    let mut deliver = |data: &[u8]| {
        let (n, err) = buf.copy_out(&mut cx.mm(), 0, data);
        faulted = (n < data.len()).then_some(err);
        n
    };
    let read = match pos {
        Some(p) => file.read_at(p, kbuf).map(|n| deliver(&kbuf[..n])),
        None => file.read_with(kbuf, deliver),
    };
    let n = tri!(unless_waiting(file, read)?);
    Some(match faulted {
        Some(err) => partial(n, err),
        None => Ok(n),
    })
}

/// Write `len` bytes at `addr` of the caller to `file`, at `pos` or the file offset (or its
/// end, with O_APPEND), when [`synchronous`] (checked by the caller, as for [`read_now`]): no
/// byte can have to wait once others went out.
#[inline(never)]
fn write_now(cx: &Caller, file: &File, addr: usize, len: usize, pos: Option<u64>) -> Option<SysResult<usize>> {
    let len = tri!(fsize_room(cx, file, pos, len));
    // Write all of `data` while the file takes some: it never waits here.
    let write_all = |data: &[u8]| {
        let mut sent = 0;
        while sent < data.len() {
            let r = match pos {
                Some(p) => file.write_at(p + sent as u64, &data[sent..]),
                None => file.write(&data[sent..]),
            };
            match r {
                Ok(0) => break,
                Ok(n) => sent += n,
                Err(e) => return partial(sent, e),
            }
        }
        Ok(sent)
    };
    let mut mm = cx.mm();
    let buf = tri!(UserBuf::single(&mm, addr, len));
    if let Some(p) = pos {
        tri!(check_end(p as i64, &buf));
    }
    if let Some(src) = mm.linked_bytes(addr, buf.len) {
        drop(mm);
        let src = tri!(src);
        return if src.is_empty() { Some(Ok(0)) } else { unless_waiting(file, write_all(src)) };
    }
    let mut kbuf = KernelBuffer::take(cx, len);
    let kbuf = &mut kbuf.bytes()[..buf.len];
    let mut got = buf.copy_in(&mut mm, 0, kbuf);
    drop(mm);
    if got < buf.len && file.inode().tty().is_some() {
        // A terminal writes none of a buffer that is bad anywhere (see `write_from`).
        got = 0;
    }
    let sent = if got == 0 { 0 } else { tri!(unless_waiting(file, write_all(&kbuf[..got]))?) };
    Some(if sent < got || got == buf.len { Ok(sent) } else { partial(got, Errno::EFAULT) })
}
