//! read, write, readv, writev, pread64, pwrite64, lseek.
//!
//! Data moves between user memory and files through one kernel buffer of at most [`CHUNK`]
//! bytes, so a huge count never makes the kernel allocate a huge buffer. User memory is copied
//! a page at a time: when part of a buffer is bad, the bytes before the bad page are
//! transferred and counted, as on Linux, and only a transfer that moves nothing is EFAULT.
use crate::Caller;
use abi::flags::{SEEK_CUR, SEEK_END, SEEK_SET};
use abi::structs::Iovec;
use abi::{Errno, SysResult};
use alloc::vec;
use alloc::vec::Vec;
use fs::file::{SEEK_DATA, SEEK_HOLE};
use fs::{File, FileKind};
use mm::cache::FilePages;
use mm::{AddressSpace, Frame, UserPtr, UserSlice, UserSliceMut};
use task::Thread;

/// Bytes moved per step between user memory and a file.
pub(super) const CHUNK: usize = 64 * 1024;
/// Linux caps one transfer at INT_MAX rounded down to a page (MAX_RW_COUNT).
pub(super) const MAX_RW_COUNT: usize = 0x7fff_f000;
/// Most iovecs one readv/writev takes (UIO_MAXIOV).
const IOV_MAX: i32 = 1024;

/// The user memory of one transfer: one buffer, or the segments of an iovec array, seen as
/// one run of `len` bytes.
pub(super) struct UserBuf {
    segs: Segments,
    pub(super) len: usize,
}

/// The segments of a transfer; one buffer (read, write) needs no allocation.
enum Segments {
    One([(usize, usize); 1]),
    Many(Vec<(usize, usize)>),
}

impl Segments {
    fn as_slice(&self) -> &[(usize, usize)] {
        match self {
            Segments::One(s) => s,
            Segments::Many(v) => v,
        }
    }
    fn as_mut_slice(&mut self) -> &mut [(usize, usize)] {
        match self {
            Segments::One(s) => s,
            Segments::Many(v) => v,
        }
    }
}

impl UserBuf {
    /// EFAULT unless every segment lies inside user space (Linux's access_ok, checked before
    /// anything moves, so an absurd count is EFAULT rather than a short transfer). The total
    /// is capped at MAX_RW_COUNT.
    fn new(mm: &AddressSpace, mut segs: Segments) -> SysResult<UserBuf> {
        let mut len = 0;
        for (addr, n) in segs.as_mut_slice() {
            mm.check_range(*addr, *n)?;
            *n = (*n).min(MAX_RW_COUNT - len);
            len += *n;
        }
        Ok(UserBuf { segs, len })
    }

    pub(super) fn single(mm: &AddressSpace, addr: usize, len: usize) -> SysResult<UserBuf> {
        Self::new(mm, Segments::One([(addr, len)]))
    }

    /// readv/writev's iovec array: at most IOV_MAX entries (EINVAL), readable (EFAULT), no
    /// length above SSIZE_MAX (EINVAL; checked for all entries before any is EFAULT).
    pub(super) fn from_iovecs(mm: &mut AddressSpace, iov: UserPtr<Iovec>, iovcnt: i32) -> SysResult<UserBuf> {
        if !(0..=IOV_MAX).contains(&iovcnt) {
            return Err(Errno::EINVAL);
        }
        let iovs = UserSlice::<Iovec>::new(iov.addr(), iovcnt as usize).read(mm)?;
        if iovs.iter().any(|v| v.len > isize::MAX as usize) {
            return Err(Errno::EINVAL);
        }
        Self::new(mm, Segments::Many(iovs.iter().map(|v| (v.base, v.len)).collect()))
    }

    /// The first `len` bytes of the run (a write cut short by RLIMIT_FSIZE).
    fn truncated(&self, len: usize) -> UserBuf {
        let segs = self.ranges(0, len).collect();
        UserBuf { segs: Segments::Many(segs), len: len.min(self.len) }
    }

    /// The user ranges holding bytes `[at, at + len)` of the run, in order.
    fn ranges(&self, at: usize, len: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let (mut skip, mut left) = (at, len);
        self.segs.as_slice().iter().filter_map(move |&(base, seg_len)| {
            if left == 0 {
                return None;
            }
            if skip >= seg_len {
                skip -= seg_len;
                return None;
            }
            let n = (seg_len - skip).min(left);
            let range = (base + skip, n);
            skip = 0;
            left -= n;
            Some(range)
        })
    }

    /// Copy `data` to bytes `at..` of the run; returns how much arrived before a bad page, and
    /// what was wrong with it (EFAULT, or ENOMEM when no page could be had for it).
    pub(super) fn copy_out(&self, mm: &mut AddressSpace, at: usize, data: &[u8]) -> (usize, Errno) {
        let mut done = 0;
        for (addr, n) in self.ranges(at, data.len()) {
            if let Err((k, e)) = mm.write_some(addr, &data[done..done + n]) {
                return (done + k, e);
            }
            done += n;
        }
        (done, Errno::EFAULT)
    }

    /// [`UserBuf::copy_out`] of `len` bytes at `off` of a page-cache frame (`None`: a hole,
    /// zeros), copied from frame to frame.
    pub(super) fn copy_out_frame(
        &self,
        mm: &mut AddressSpace,
        at: usize,
        frame: Option<&Frame>,
        off: usize,
        len: usize,
    ) -> (usize, Errno) {
        static ZEROS: [u8; hal::mem::PAGE_SIZE] = [0; hal::mem::PAGE_SIZE];
        let Some(frame) = frame else {
            return self.copy_out(mm, at, &ZEROS[..len]);
        };
        let mut done = 0;
        for (addr, n) in self.ranges(at, len) {
            if let Err((k, e)) = mm.write_from_frame(addr, frame, off + done, n) {
                return (done + k, e);
            }
            done += n;
        }
        (done, Errno::EFAULT)
    }

    /// Fill `out` from bytes `at..` of the run; returns how much was read before a bad page.
    pub(super) fn copy_in(&self, mm: &mut AddressSpace, at: usize, out: &mut [u8]) -> usize {
        let mut done = 0;
        for (addr, n) in self.ranges(at, out.len()) {
            if let Err((k, _)) = mm.read_some(addr, &mut out[done..done + n]) {
                return done + k;
            }
            done += n;
        }
        done
    }
}

/// The caller's address space, locked (`Caller::mm`): the read and write paths check the user
/// buffer and make the first copy under one lock. Never held across an `.await`.
type Mm<'a> = task::shared::SharedGuard<'a, AddressSpace>;

/// Transfers up to this size go through a buffer on the stack (clearing it costs a few
/// stores), bigger ones through the thread's.
const SMALL: usize = 64;

/// The kernel buffer of a transfer: on the stack, or the thread's own
/// (`Thread::take_io_buffer`: no allocation and no clearing per call), given back when the
/// transfer ends.
pub(super) enum KernelBuffer<'a> {
    /// Words, so that clearing it is a few stores, not a call of `memset`.
    Small([u64; SMALL / 8]),
    Thread(&'a Thread, Vec<u8>),
}

impl<'a> KernelBuffer<'a> {
    /// At least `min(len, CHUNK)` bytes.
    pub(super) fn take(cx: &'a Caller, len: usize) -> Self {
        if len <= SMALL {
            return KernelBuffer::Small([0; SMALL / 8]);
        }
        let thread = cx.thread();
        KernelBuffer::Thread(thread, thread.take_io_buffer(len.min(CHUNK)))
    }

    pub(super) fn bytes(&mut self) -> &mut [u8] {
        match self {
            KernelBuffer::Small(b) => bytemuck::cast_slice_mut(b),
            KernelBuffer::Thread(_, v) => v,
        }
    }
}

impl Drop for KernelBuffer<'_> {
    fn drop(&mut self) {
        if let KernelBuffer::Thread(t, v) = self {
            t.put_io_buffer(core::mem::take(v));
        }
    }
}

/// Between two chunks of a long transfer: let the other tasks run (a syscall is not preempted,
/// and moving 2 GiB holds the CPU for seconds), and tell whether the thread must stop here, the
/// bytes moved so far being the result: when it must exit (SIGKILL, exit_group), or with
/// `any_signal`, when it has a signal to handle (sendfile, as Linux's splice loop).
pub(super) async fn stop_between_chunks(cx: &Caller, any_signal: bool) -> bool {
    cx.thread().give_way().await;
    let t = cx.thread();
    t.exiting() || (any_signal && task::signal::has_pending(t))
}

/// Bytes already transferred win over an error, which the next call will meet again.
pub(super) fn partial(done: usize, err: Errno) -> SysResult<usize> {
    if done > 0 {
        Ok(done)
    } else {
        Err(err)
    }
}

/// Run `op` until it stops answering EAGAIN, sleeping on the inode's wait queue in between
/// (woken, never polled). An O_NONBLOCK file, or a node with nothing to wait on, gets one try.
/// A signal for the thread ends the wait with ERESTARTSYS (EINTR, or a restart).
pub(super) async fn retry_blocking<T>(cx: &Caller, file: &File, mut op: impl FnMut() -> SysResult<T>) -> SysResult<T> {
    match op() {
        Err(Errno::EAGAIN) => wait_and_retry(cx, file, op).await,
        r => r,
    }
}

/// [`retry_blocking`] after a first try of `op` answered EAGAIN. The calls that move data try
/// once without an `.await` and come here only when they have to wait.
async fn wait_and_retry<T>(cx: &Caller, file: &File, mut op: impl FnMut() -> SysResult<T>) -> SysResult<T> {
    match file.inode().wait_queue() {
        Some(queue) if !file.nonblocking() => {
            let wait = queue.wait_until(|| match op() {
                Err(Errno::EAGAIN) => None,
                r => Some(r),
            });
            task::signal::interruptible(cx.thread(), wait).await?
        }
        _ => Err(Errno::EAGAIN),
    }
}

/// A linked application's buffer (one buffer in its own memory, see `mm::linked`), which the
/// file reads into or writes from in place, without a kernel copy: its address. `None` for
/// everything else, which goes through a kernel buffer.
fn in_place(mm: &AddressSpace, buf: &UserBuf) -> Option<usize> {
    match buf.segs.as_slice() {
        &[(addr, _)] if mm.is_linked() => Some(addr),
        _ => None,
    }
}

/// The page cache of a regular file, which reads copy from without a kernel buffer.
pub(super) fn page_cache(file: &File) -> Option<alloc::sync::Arc<dyn FilePages>> {
    match file.inode().kind() {
        FileKind::Regular => file.inode().clone().file_pages(),
        _ => None,
    }
}

/// Read `want` bytes of a file with a page cache into bytes `at..` of `buf` straight from its
/// pages, at `pos` or at the file offset (which moves by what was read). Returns the bytes
/// read and, if the user memory failed first, why.
pub(super) fn read_cached(
    cx: &Caller,
    file: &File,
    pages: &dyn FilePages,
    (buf, at, want): (&UserBuf, usize, usize),
    pos: Option<u64>,
) -> SysResult<(usize, Option<Errno>)> {
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    let mut faulted = None;
    let mut copied = 0;
    let mut sink = |frame: Option<&Frame>, off: usize, n: usize| {
        let (k, err) = buf.copy_out_frame(&mut cx.mm(), at + copied, frame, off, n);
        copied += k;
        if k < n {
            faulted = Some(err);
        }
        k
    };
    let n = match pos {
        Some(p) => pages.read_to(p, want, &mut sink)?,
        None => file.with_offset(|off| {
            let n = pages.read_to(*off, want, &mut sink)?;
            *off += n as u64;
            Ok::<usize, Errno>(n)
        })?,
    };
    // The access time moves even for a read at the end (Linux's filemap_read), unless the
    // file is O_NOATIME; inotify hears only of bytes read.
    if !file.flags().contains(abi::flags::OpenFlags::NOATIME) {
        pages.accessed();
    }
    if n > 0 {
        file.notify(abi::events::IN_ACCESS);
    }
    Ok((n, faulted))
}

/// Read into `buf` at the file offset, or at `pos` (pread). Only the first chunk waits for
/// data; later ones take what is there at once, and a short chunk ends the call: a regular
/// file reads until `buf` is full or the file ends, a terminal gives one line, a pipe what it
/// holds, as on Linux.
async fn read_into(cx: &Caller, file: &File, buf: &UserBuf, pos: Option<u64>, mm: Mm<'_>) -> SysResult<usize> {
    let linked = in_place(&mm, buf);
    drop(mm);
    if let Some(addr) = linked {
        return read_in_place(cx, file, addr, buf.len, pos).await;
    }
    if file.inode().kind() == FileKind::Directory {
        return Err(Errno::EISDIR);
    }
    // A file with a page cache is copied from its pages; anything else through a kernel buffer.
    let pages = page_cache(file);
    let mut kbuf: Option<KernelBuffer> = None;
    let mut done = 0;
    while done < buf.len {
        let want = (buf.len - done).min(CHUNK);
        let at = pos.map(|p| p + done as u64);
        let step = match &pages {
            Some(pages) => read_cached(cx, file, &**pages, (buf, done, want), at),
            None => {
                let kbuf = kbuf.get_or_insert_with(|| KernelBuffer::take(cx, buf.len));
                read_buffered(cx, file, (buf, done, want), &mut kbuf.bytes()[..want], at).await
            }
        };
        let (n, faulted) = match step {
            Ok(r) => r,
            Err(e) => return partial(done, e),
        };
        done += n;
        if let Some(err) = faulted {
            return partial(done, err);
        }
        if n < want || (done < buf.len && stop_between_chunks(cx, false).await) {
            break;
        }
    }
    Ok(done)
}

/// One chunk of [`read_into`] through the kernel buffer `kbuf` (`want` bytes long) into bytes
/// `at..` of `buf`, at `pos` or the file offset: waits for data only when it is the first chunk.
/// Returns the bytes read and, if the user memory failed first, why.
async fn read_buffered(
    cx: &Caller,
    file: &File,
    (buf, at, want): (&UserBuf, usize, usize),
    kbuf: &mut [u8],
    pos: Option<u64>,
) -> SysResult<(usize, Option<Errno>)> {
    let mut faulted = None;
    let mut attempt = || {
        let mut deliver = |data: &[u8]| {
            let (n, err) = buf.copy_out(&mut cx.mm(), at, data);
            faulted = (n < data.len()).then_some(err);
            n
        };
        match pos {
            Some(p) => file.read_at(p, &mut kbuf[..want]).map(|n| deliver(&kbuf[..n])),
            None => file.read_with(&mut kbuf[..want], deliver),
        }
    };
    let n = match attempt() {
        Err(Errno::EAGAIN) if at == 0 => wait_and_retry(cx, file, &mut attempt).await,
        r => r,
    }?;
    Ok((n, faulted))
}

/// Write `buf` at the file offset (or the end, with O_APPEND), or at `pos` (pwrite). Every
/// byte is written, waiting for room as needed, unless the file is O_NONBLOCK or an error
/// comes after some bytes went out.
async fn write_from(cx: &Caller, file: &File, buf: &UserBuf, pos: Option<u64>, mm: Mm<'_>) -> SysResult<usize> {
    let room = fsize_room(cx, file, pos, buf.len)?;
    let short;
    let buf = if room < buf.len {
        short = buf.truncated(room);
        &short
    } else {
        buf
    };
    if let Some(addr) = in_place(&mm, buf) {
        let src = match mm.linked_bytes(addr, buf.len) {
            Some(Ok(src)) => src,
            Some(Err(e)) => return Err(e),
            None => &[],
        };
        drop(mm);
        // The first try without an `.await`, as below.
        let first = match pos {
            _ if src.is_empty() => Ok(0),
            Some(p) => file.write_at(p, src),
            None => file.write(src),
        };
        return match first {
            Ok(n) if n == src.len() || n == 0 => Ok(n),
            Ok(n) => Ok(n + send_all(cx, file, &src[n..], n, pos).await?),
            Err(Errno::EAGAIN) => send_all(cx, file, src, 0, pos).await,
            Err(e) => Err(e),
        };
    }
    // The address space stays locked from the check above to the first copy (never across
    // an `.await`, nor while the file writes).
    let mut held = Some(mm);
    let mut kbuf = KernelBuffer::take(cx, buf.len);
    let kbuf = kbuf.bytes();
    let mut done = 0;
    while done < buf.len {
        let want = (buf.len - done).min(CHUNK);
        let mut got = {
            let mut mm = held.take().unwrap_or_else(|| cx.mm());
            buf.copy_in(&mut mm, done, &mut kbuf[..want])
        };
        if got < want && file.inode().tty().is_some() {
            // A terminal copies the whole chunk before writing any of it (Linux's tty_write):
            // a bad byte anywhere in it means none of it is written.
            got = 0;
        }
        let data = &kbuf[..got];
        // The first try without an `.await`: most writes go out at once. What follows is
        // `send_all`'s loop.
        let first = match pos {
            _ if got == 0 => Ok(0),
            Some(p) => file.write_at(p + done as u64, data),
            None => file.write(data),
        };
        let sent = match first {
            Ok(n) if n == got || n == 0 => n,
            // Bytes already out: `send_all` cannot fail any more.
            Ok(n) => n + send_all(cx, file, &data[n..], done + n, pos).await?,
            Err(Errno::EAGAIN) => send_all(cx, file, data, done, pos).await?,
            Err(e) => return partial(done, e),
        };
        if sent < got {
            return Ok(done + sent);
        }
        done += got;
        if got < want {
            return partial(done, Errno::EFAULT);
        }
        if done < buf.len && stop_between_chunks(cx, false).await {
            break;
        }
    }
    Ok(done)
}
/// How many of `len` bytes a write to `file` at `pos` (`None`: its offset, or its end with
/// O_APPEND) may write under RLIMIT_FSIZE (Linux's generic_write_check_limits): all of them
/// but those past the limit; none at or past it, which is EFBIG and SIGXFSZ for the caller.
/// Only regular files are limited; an empty write never is.
pub(super) fn fsize_room(cx: &Caller, file: &File, pos: Option<u64>, len: usize) -> SysResult<usize> {
    if len == 0 || file.inode().kind() != FileKind::Regular {
        return Ok(len);
    }
    let limit = cx.process().rlimits.lock()[abi::flags::RLIMIT_FSIZE].cur;
    if limit == abi::flags::RLIM_INFINITY {
        return Ok(len);
    }
    let at = pos.unwrap_or_else(|| {
        if file.flags().contains(abi::flags::OpenFlags::APPEND) {
            file.inode().stat().st_size as u64
        } else {
            file.offset()
        }
    });
    // Writing the byte at `at` would make the file `at + 1` bytes long.
    super::attr::within_fsize(cx, at.saturating_add(1))?;
    Ok(len.min(usize::try_from(limit - at).unwrap_or(usize::MAX)))
}

/// Write all of `data`, bytes `at..` of the transfer, waiting for room as needed. Returns how
/// much went out (less only if the file took nothing more), or the error that stopped it, with
/// bytes already out winning over the error as `partial` says.
pub(super) async fn send_all(cx: &Caller, file: &File, data: &[u8], at: usize, pos: Option<u64>) -> SysResult<usize> {
    let mut sent = 0;
    while sent < data.len() {
        let rest = &data[sent..];
        let offset = (at + sent) as u64;
        let result = retry_blocking(cx, file, || match pos {
            Some(p) => file.write_at(p + offset, rest),
            None => file.write(rest),
        })
        .await;
        match result {
            Ok(0) => break,
            Ok(n) => sent += n,
            Err(e) => return partial(at + sent, e).map(|n| n - at),
        }
    }
    Ok(sent)
}

/// A linked application's read: the file reads into its buffer at `addr` itself.
async fn read_in_place(cx: &Caller, file: &File, addr: usize, len: usize, pos: Option<u64>) -> SysResult<usize> {
    let dst = match cx.mm().linked_bytes_mut(addr, len) {
        Some(Ok(dst)) => dst,
        Some(Err(e)) => return Err(e),
        None => return Err(Errno::EFAULT),
    };
    if file.inode().kind() == FileKind::Directory {
        return Err(Errno::EISDIR);
    }
    retry_blocking(cx, file, || match pos {
        Some(p) => file.read_at(p, dst),
        None => file.read_with(dst, |data| data.len()),
    })
    .await
}

/// The file behind `fd` if it was opened for reading (EBADF otherwise). A background job
/// reading its terminal is stopped by SIGTTIN first (`task::jobctl`).
pub(super) fn reader(cx: &Caller, fd: i32) -> SysResult<alloc::sync::Arc<File>> {
    let file = Some(cx.io_file(fd)?).filter(|f| f.readable()).ok_or(Errno::EBADF)?;
    if file.is_tty() {
        task::jobctl::check_access(cx.thread(), file.inode(), abi::signal::SIGTTIN)?;
    }
    Ok(file)
}

/// The file behind `fd` if it was opened for writing (EBADF otherwise). A background job
/// writing its terminal with TOSTOP set is stopped by SIGTTOU first.
pub(super) fn writer(cx: &Caller, fd: i32) -> SysResult<alloc::sync::Arc<File>> {
    let file = Some(cx.io_file(fd)?).filter(|f| f.writable()).ok_or(Errno::EBADF)?;
    if file.is_tty() {
        if let Some(sig) = task::jobctl::write_signal(file.inode()) {
            task::jobctl::check_access(cx.thread(), file.inode(), sig)?;
        }
    }
    Ok(file)
}

/// read(2). Waits (unless O_NONBLOCK) until the file has something: a terminal a line, a pipe
/// a writer's bytes. A directory is EISDIR even for a count of 0.
pub async fn sys_read(cx: &Caller, fd: i32, buf: UserSliceMut<u8>) -> SysResult<usize> {
    let file = reader(cx, fd)?;
    let mm = cx.mm();
    let buf = UserBuf::single(&mm, buf.addr(), buf.len())?;
    read_into(cx, &file, &buf, None, mm).await
}

/// A write into a pipe nobody reads any more fails with EPIPE and sends the writer SIGPIPE
/// (which kills it unless it is caught or ignored).
pub(super) fn epipe_signal<T>(cx: &Caller, r: SysResult<T>) -> SysResult<T> {
    if r.as_ref().err() == Some(&Errno::EPIPE) {
        raise_sigpipe(cx);
    }
    r
}

/// Send SIGPIPE to the calling thread.
fn raise_sigpipe(cx: &Caller) {
    task::signal::send_to_thread(cx.thread(), abi::signal::SIGPIPE);
}

/// write(2). EPIPE (and SIGPIPE) on a pipe without readers.
pub async fn sys_write(cx: &Caller, fd: i32, buf: UserSlice<u8>) -> SysResult<usize> {
    let file = writer(cx, fd)?;
    let mm = cx.mm();
    let buf = UserBuf::single(&mm, buf.addr(), buf.len())?;
    epipe_signal(cx, write_from(cx, &file, &buf, None, mm).await)
}

/// readv(2): one read scattered over the iovecs. Nothing to read (all lengths 0) is 0 at once.
pub async fn sys_readv(cx: &Caller, fd: i32, iov: UserPtr<Iovec>, iovcnt: i32) -> SysResult<usize> {
    let file = reader(cx, fd)?;
    let mut mm = cx.mm();
    let buf = UserBuf::from_iovecs(&mut mm, iov, iovcnt)?;
    if buf.len == 0 {
        return Ok(0);
    }
    read_into(cx, &file, &buf, None, mm).await
}

/// writev(2): one write gathered from the iovecs.
pub async fn sys_writev(cx: &Caller, fd: i32, iov: UserPtr<Iovec>, iovcnt: i32) -> SysResult<usize> {
    let file = writer(cx, fd)?;
    let mut mm = cx.mm();
    let buf = UserBuf::from_iovecs(&mut mm, iov, iovcnt)?;
    epipe_signal(cx, write_from(cx, &file, &buf, None, mm).await)
}

/// The checks pread64/pwrite64 make before looking at the access mode, in Linux's order: a
/// negative offset is EINVAL even on a bad fd, a file without offsets is ESPIPE.
fn positioned(cx: &Caller, fd: i32, offset: i64) -> SysResult<alloc::sync::Arc<File>> {
    if offset < 0 {
        return Err(Errno::EINVAL);
    }
    let file = cx.io_file(fd)?;
    if !file.inode().seekable() {
        return Err(Errno::ESPIPE);
    }
    Ok(file)
}

/// pread64's file: [`positioned`], opened for reading (EBADF).
pub(super) fn pread_file(cx: &Caller, fd: i32, offset: i64) -> SysResult<alloc::sync::Arc<File>> {
    Some(positioned(cx, fd, offset)?).filter(|f| f.readable()).ok_or(Errno::EBADF)
}

/// pwrite64's file: [`positioned`], opened for writing (EBADF).
pub(super) fn pwrite_file(cx: &Caller, fd: i32, offset: i64) -> SysResult<alloc::sync::Arc<File>> {
    Some(positioned(cx, fd, offset)?).filter(|f| f.writable()).ok_or(Errno::EBADF)
}

/// `offset + len` must stay a valid file position (EINVAL).
pub(super) fn check_end(offset: i64, buf: &UserBuf) -> SysResult<()> {
    offset.checked_add(buf.len as i64).map(|_| ()).ok_or(Errno::EINVAL)
}

/// pread64(2): read at `offset`; the file offset does not move.
pub async fn sys_pread64(cx: &Caller, fd: i32, buf: UserSliceMut<u8>, offset: i64) -> SysResult<usize> {
    let file = pread_file(cx, fd, offset)?;
    let mm = cx.mm();
    let buf = UserBuf::single(&mm, buf.addr(), buf.len())?;
    check_end(offset, &buf)?;
    read_into(cx, &file, &buf, Some(offset as u64), mm).await
}

/// pwrite64(2): write at `offset` (at the end with O_APPEND, like Linux); the file offset does
/// not move.
pub async fn sys_pwrite64(cx: &Caller, fd: i32, buf: UserSlice<u8>, offset: i64) -> SysResult<usize> {
    let file = pwrite_file(cx, fd, offset)?;
    let mm = cx.mm();
    let buf = UserBuf::single(&mm, buf.addr(), buf.len())?;
    check_end(offset, &buf)?;
    write_from(cx, &file, &buf, Some(offset as u64), mm).await
}

/// The flags preadv2/pwritev2 know (RWF_HIPRI, RWF_DSYNC, RWF_SYNC, RWF_NOWAIT, RWF_APPEND);
/// any other bit is EOPNOTSUPP. Polling, syncing and not waiting change nothing here: every
/// write is as durable as the file system makes it, and a regular file never waits.
const RWF_SUPPORTED: u32 = 0x1f;
const RWF_APPEND: u32 = 0x10;

/// preadv(2): readv at `offset`; the file offset does not move. On a 64-bit kernel the offset
/// is the low register alone (`pos_h` is not looked at, as in Linux).
pub async fn sys_preadv(cx: &Caller, fd: i32, iov: UserPtr<Iovec>, iovcnt: i32, offset: i64) -> SysResult<usize> {
    let file = pread_file(cx, fd, offset)?;
    let mut mm = cx.mm();
    let buf = UserBuf::from_iovecs(&mut mm, iov, iovcnt)?;
    check_end(offset, &buf)?;
    if buf.len == 0 {
        return Ok(0);
    }
    read_into(cx, &file, &buf, Some(offset as u64), mm).await
}

/// pwritev(2): writev at `offset` (at the end with O_APPEND); the file offset does not move.
pub async fn sys_pwritev(cx: &Caller, fd: i32, iov: UserPtr<Iovec>, iovcnt: i32, offset: i64) -> SysResult<usize> {
    let file = pwrite_file(cx, fd, offset)?;
    let mut mm = cx.mm();
    let buf = UserBuf::from_iovecs(&mut mm, iov, iovcnt)?;
    check_end(offset, &buf)?;
    epipe_signal(cx, write_from(cx, &file, &buf, Some(offset as u64), mm).await)
}

/// preadv2(2): preadv, or readv at the file offset when `offset` is -1; `flags` are RWF_*.
pub async fn sys_preadv2(
    cx: &Caller,
    fd: i32,
    iov: UserPtr<Iovec>,
    iovcnt: i32,
    offset: i64,
    flags: u32,
) -> SysResult<usize> {
    if flags & !RWF_SUPPORTED != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    match offset {
        -1 => sys_readv(cx, fd, iov, iovcnt).await,
        _ => sys_preadv(cx, fd, iov, iovcnt, offset).await,
    }
}

/// pwritev2(2): pwritev, or writev at the file offset when `offset` is -1 or RWF_APPEND asks
/// for the end of the file (as O_APPEND would).
pub async fn sys_pwritev2(
    cx: &Caller,
    fd: i32,
    iov: UserPtr<Iovec>,
    iovcnt: i32,
    offset: i64,
    flags: u32,
) -> SysResult<usize> {
    if flags & !RWF_SUPPORTED != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    if offset == -1 || flags & RWF_APPEND != 0 {
        let file = writer(cx, fd)?;
        let mut mm = cx.mm();
        let buf = UserBuf::from_iovecs(&mut mm, iov, iovcnt)?;
        let at = match flags & RWF_APPEND {
            0 => None,
            _ => Some(file.inode().stat().st_size as u64),
        };
        return epipe_signal(cx, write_from(cx, &file, &buf, at, mm).await);
    }
    sys_pwritev(cx, fd, iov, iovcnt, offset).await
}

/// lseek(2). An unknown `whence` is EINVAL before a file without offsets is ESPIPE.
pub async fn sys_lseek(cx: &Caller, fd: i32, offset: i64, whence: u32) -> SysResult<u64> {
    let file = cx.io_file(fd)?;
    if ![SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE].contains(&whence) {
        return Err(Errno::EINVAL);
    }
    file.seek(offset, whence)
}

/// sendfile(2): copy up to `count` bytes from `in_fd` (a regular file, read at `*offset` if
/// given, which is then advanced, else at its file offset) to `out_fd` (any writable file but
/// an O_APPEND one). Waits for room in `out_fd` like write(2). Linux's checks: EBADF for the
/// access modes, EINVAL for an O_APPEND target or a source that is not a regular file, EFAULT
/// and EINVAL (negative) for the offset.
pub async fn sys_sendfile(
    cx: &Caller,
    out_fd: i32,
    in_fd: i32,
    offset: UserPtr<i64>,
    count: usize,
) -> SysResult<usize> {
    let input = reader(cx, in_fd)?;
    let output = writer(cx, out_fd)?;
    if output.flags().contains(abi::flags::OpenFlags::APPEND) || input.inode().kind() != FileKind::Regular {
        return Err(Errno::EINVAL);
    }
    let mut pos = match offset.nonnull() {
        Some(p) => {
            let v = p.read(&mut cx.mm())?;
            if v < 0 {
                return Err(Errno::EINVAL);
            }
            Some(v as u64)
        }
        None => None,
    };
    let count = count.min(MAX_RW_COUNT);
    let mut kbuf = vec![0u8; count.min(CHUNK)];
    let mut done = 0;
    let mut result = Ok(());
    while done < count {
        let want = (count - done).min(CHUNK);
        let n = match pos {
            Some(p) => input.read_at(p, &mut kbuf[..want]),
            None => input.read(&mut kbuf[..want]),
        };
        let n = match n {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                result = Err(e);
                break;
            }
        };
        let mut sent = 0;
        while sent < n {
            match retry_blocking(cx, &output, || output.write(&kbuf[sent..n])).await {
                Ok(0) => break, // the target takes no more (a short write)
                Ok(k) => sent += k,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if let Some(p) = pos.as_mut() {
            *p += sent as u64;
        } else if sent < n {
            // Bytes read but not sent go back to the source, as if never read.
            let _ = input.seek(-((n - sent) as i64), SEEK_CUR);
        }
        done += sent;
        if result.is_err() || sent < n || (done < count && stop_between_chunks(cx, true).await) {
            break;
        }
    }
    if let (Some(p), Some(ptr)) = (pos, offset.nonnull()) {
        ptr.write(&mut cx.mm(), &(p as i64))?;
    }
    match result {
        Err(e) if done == 0 => epipe_signal(cx, Err(e)),
        _ => Ok(done),
    }
}

/// copy_file_range(2): copy up to `len` bytes from `fd_in` at `*off_in` (or its file offset)
/// to `fd_out` at `*off_out` (or its file offset) inside the kernel; whichever offsets were
/// used advance by the bytes copied, which the call returns (0 at the end of the input).
/// Linux 6.1's checks in its order: EBADF for a descriptor that is not open; EFAULT for the
/// offsets; EINVAL for flags; EISDIR for a directory, EINVAL for anything but regular files;
/// EBADF for the access modes and an O_APPEND output; EXDEV between two file systems (none of
/// them copies across: Linux's tmpfs, ramfs and ext4 do not either); EOVERFLOW for offsets
/// that wrap; EFBIG for an output offset at the largest file offset (the copy is cut short
/// before it); EINVAL for a copy within one file whose ranges overlap, and for negative offsets.
/// A long copy stops between chunks for a signal, returning what it copied.
pub async fn sys_copy_file_range(
    cx: &Caller,
    fd_in: i32,
    off_in: UserPtr<i64>,
    fd_out: i32,
    off_out: UserPtr<i64>,
    len: usize,
    flags: u32,
) -> SysResult<usize> {
    let input = cx.io_file(fd_in)?;
    let output = cx.io_file(fd_out)?;
    let start = |ptr: UserPtr<i64>, file: &File| match ptr.nonnull() {
        Some(p) => p.read(&mut cx.mm()),
        None => Ok(file.offset() as i64),
    };
    let pos_in = start(off_in, &input)?;
    let pos_out = start(off_out, &output)?;
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let (kind_in, kind_out) = (input.inode().kind(), output.inode().kind());
    if kind_in == FileKind::Directory || kind_out == FileKind::Directory {
        return Err(Errno::EISDIR);
    }
    if kind_in != FileKind::Regular || kind_out != FileKind::Regular {
        return Err(Errno::EINVAL);
    }
    if !input.readable() || !output.writable() || output.flags().contains(abi::flags::OpenFlags::APPEND) {
        return Err(Errno::EBADF);
    }
    let (id_in, id_out) = (input.inode().id(), output.inode().id());
    if id_in.0 != id_out.0 {
        return Err(Errno::EXDEV);
    }
    // generic_copy_file_checks: offsets that wrap, the copy cut at the end of the input, no
    // overlap within one file. The arithmetic is Linux's, on unsigned 64-bit values.
    let (ui, uo, mut count) = (pos_in as u64, pos_out as u64, len as u64);
    if ui.checked_add(count).is_none() || uo.checked_add(count).is_none() {
        return Err(Errno::EOVERFLOW);
    }
    let size_in = input.inode().stat().st_size;
    count = if pos_in >= size_in { 0 } else { count.min((size_in as u64).wrapping_sub(ui)) };
    // generic_write_check_limits: nothing is written at or past the largest file offset.
    if pos_out == i64::MAX {
        return Err(Errno::EFBIG);
    }
    if pos_out >= 0 {
        count = count.min((i64::MAX - pos_out) as u64);
    }
    if id_in == id_out && uo.wrapping_add(count) > ui && uo < ui.wrapping_add(count) {
        return Err(Errno::EINVAL);
    }
    // rw_verify_area for both ends: negative offsets, and ends past the largest offset.
    for pos in [pos_in, pos_out] {
        if pos < 0 || (count as i64) < 0 || pos.checked_add(count as i64).is_none() {
            return Err(Errno::EINVAL);
        }
    }
    let count = (count as usize).min(MAX_RW_COUNT);
    if count == 0 {
        return Ok(0);
    }
    let mut kbuf = vec![0u8; count.min(CHUNK)];
    let (mut done, mut result) = (0, Ok(()));
    while done < count {
        let want = (count - done).min(CHUNK);
        let n = match input.read_at(ui + done as u64, &mut kbuf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                result = Err(e);
                break;
            }
        };
        let mut sent = 0;
        while sent < n {
            match output.write_at(uo + (done + sent) as u64, &kbuf[sent..n]) {
                Ok(0) => break,
                Ok(k) => sent += k,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        done += sent;
        if result.is_err() || sent < n || (done < count && stop_between_chunks(cx, true).await) {
            break;
        }
    }
    if done == 0 {
        return result.map(|()| 0);
    }
    for (ptr, file, pos) in [(off_in, &input, ui), (off_out, &output, uo)] {
        let new = pos + done as u64;
        match ptr.nonnull() {
            Some(p) => p.write(&mut cx.mm(), &(new as i64))?,
            None => file.with_offset(|o| *o = new),
        }
    }
    Ok(done)
}

/// fsync(2): regular files and directories (nothing is cached here, so there is nothing to
/// write); EINVAL for pipes, terminals and devices, as on Linux.
pub async fn sys_fsync(cx: &Caller, fd: i32) -> SysResult<()> {
    cx.io_file(fd)?.inode().fsync()
}

/// fdatasync(2): as fsync.
pub async fn sys_fdatasync(cx: &Caller, fd: i32) -> SysResult<()> {
    sys_fsync(cx, fd).await
}

/// sync_file_range(2): Linux's checks (unknown flags, negative offset or length, a range
/// past the largest offset: EINVAL; a pipe or socket: ESPIPE), then, when SYNC_FILE_RANGE_WRITE
/// asks for it, the file's data goes out as fdatasync sends it (the whole file: ranges are
/// not tracked). A request without it only waits, and nothing is in flight here.
pub async fn sys_sync_file_range(cx: &Caller, fd: i32, offset: i64, nbytes: i64, flags: u32) -> SysResult<()> {
    const WAIT_BEFORE: u32 = 1;
    const WRITE: u32 = 2;
    const WAIT_AFTER: u32 = 4;
    if flags & !(WAIT_BEFORE | WRITE | WAIT_AFTER) != 0
        || offset < 0
        || nbytes < 0
        || offset.checked_add(nbytes).is_none()
    {
        return Err(Errno::EINVAL);
    }
    let file = cx.io_file(fd)?;
    if !matches!(
        file.inode().kind(),
        FileKind::Regular | FileKind::BlockDevice | FileKind::Directory | FileKind::Symlink
    ) {
        return Err(Errno::ESPIPE);
    }
    if flags & WRITE != 0 {
        return sys_fsync(cx, fd).await;
    }
    Ok(())
}
