//! splice, tee, vmsplice: moving bytes into, out of and between pipes.
//!
//! Linux moves page references; here the bytes are copied through one kernel buffer of at most
//! [`CHUNK`] bytes per call, which keeps every call's memory bounded and its results Linux's:
//! how much moves in one call (what the pipe holds or has room for), when it waits (an empty
//! source pipe, a full target pipe) and what it answers. A pipe's bytes are looked at first
//! and taken only once the target has accepted them, so a short or failed write loses nothing.
use super::io::{retry_blocking, send_all, UserBuf, CHUNK, MAX_RW_COUNT};
use crate::Caller;
use abi::flags::OpenFlags;
use abi::structs::Iovec;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use alloc::vec;
use fs::pipe::Pipe;
use fs::File;
use mm::UserPtr;

const SPLICE_F_NONBLOCK: u32 = 2;
/// SPLICE_F_MOVE, _NONBLOCK, _MORE, _GIFT: any other bit is EINVAL.
const SPLICE_F_ALL: u32 = 0xf;

/// The pipe behind a file: an anonymous pipe's or a FIFO's.
pub(super) fn pipe_of(file: &File) -> Option<&Pipe> {
    let node = file.inode();
    node.as_fifo().or_else(|| node.as_any().and_then(|a| a.downcast_ref::<Pipe>()))
}

/// Run `op`, waiting on `file`'s queue while it answers EAGAIN, unless the call must not wait
/// (SPLICE_F_NONBLOCK; an O_NONBLOCK file never waits either, see `retry_blocking`).
async fn maybe_wait<T>(cx: &Caller, file: &File, nonblock: bool, op: impl FnMut() -> SysResult<T>) -> SysResult<T> {
    let mut op = op;
    if nonblock {
        op()
    } else {
        retry_blocking(cx, file, op).await
    }
}

/// The room a write into `pipe` has now: EPIPE without readers, EAGAIN when full.
fn room_in(pipe: &Pipe) -> SysResult<usize> {
    match (pipe.readers(), pipe.room()) {
        (0, _) => Err(Errno::EPIPE),
        (_, 0) => Err(Errno::EAGAIN),
        (_, room) => Ok(room),
    }
}

/// An offset argument: None for NULL, else its value (EFAULT; EINVAL if negative).
fn read_offset(cx: &Caller, ptr: UserPtr<i64>) -> SysResult<Option<u64>> {
    match ptr.nonnull() {
        None => Ok(None),
        Some(p) => match p.read(&mut cx.mm())? {
            v if v < 0 => Err(Errno::EINVAL),
            v => Ok(Some(v as u64)),
        },
    }
}

/// splice(2): move up to `len` bytes from `fd_in` to `fd_out`, one of which must be a pipe
/// (EINVAL otherwise, and for the same pipe at both ends). A pipe's offset must be NULL
/// (ESPIPE); a file's, when given, is used and advanced instead of the file offset.
#[allow(clippy::too_many_arguments)]
pub async fn sys_splice(
    cx: &Caller,
    fd_in: i32,
    off_in: UserPtr<i64>,
    fd_out: i32,
    off_out: UserPtr<i64>,
    len: usize,
    flags: u32,
) -> SysResult<usize> {
    if len == 0 {
        return Ok(0);
    }
    if flags & !SPLICE_F_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    let input = cx.io_file(fd_in)?;
    let output = cx.io_file(fd_out)?;
    let (ipipe, opipe) = (pipe_of(&input).is_some(), pipe_of(&output).is_some());
    if (ipipe && !off_in.is_null()) || (opipe && !off_out.is_null()) {
        return Err(Errno::ESPIPE);
    }
    let (pos_in, pos_out) = (read_offset(cx, off_in)?, read_offset(cx, off_out)?);
    if !input.readable() || !output.writable() {
        return Err(Errno::EBADF);
    }
    let len = len.min(MAX_RW_COUNT);
    let nonblock = flags & SPLICE_F_NONBLOCK != 0;
    match (ipipe, opipe) {
        (true, _) => {
            if let (Some(a), Some(b)) = (pipe_of(&input), pipe_of(&output)) {
                if core::ptr::eq(a, b) {
                    return Err(Errno::EINVAL);
                }
            }
            if !opipe {
                if output.flags().contains(OpenFlags::APPEND) {
                    return Err(Errno::EINVAL);
                }
                if pos_out.is_some() && !output.inode().seekable() {
                    return Err(Errno::ESPIPE);
                }
            }
            let n = from_pipe(cx, &input, &output, len, pos_out, nonblock, true).await?;
            if let (Some(p), Some(ptr)) = (pos_out, off_out.nonnull()) {
                ptr.write(&mut cx.mm(), &((p + n as u64) as i64))?;
            }
            Ok(n)
        }
        (false, true) => {
            if pos_in.is_some() && !input.inode().seekable() {
                return Err(Errno::ESPIPE);
            }
            let n = to_pipe(cx, &input, &output, len, pos_in, nonblock).await?;
            if let (Some(p), Some(ptr)) = (pos_in, off_in.nonnull()) {
                ptr.write(&mut cx.mm(), &((p + n as u64) as i64))?;
            }
            Ok(n)
        }
        (false, false) => Err(Errno::EINVAL),
    }
}

/// Bytes of the pipe `input` to `output` (at `pos`, else its file offset): wait for data, look
/// at up to `len`, write them, take from the pipe what was written (`consume`; tee does not).
async fn from_pipe(
    cx: &Caller,
    input: &Arc<File>,
    output: &Arc<File>,
    len: usize,
    pos: Option<u64>,
    nonblock: bool,
    consume: bool,
) -> SysResult<usize> {
    let (Some(ipipe), out_pipe) = (pipe_of(input), pipe_of(output)) else { return Err(Errno::EINVAL) };
    let mut kbuf = vec![0u8; len.min(CHUNK)];
    let got = maybe_wait(cx, input, nonblock, || ipipe.peek(&mut kbuf)).await?;
    if got == 0 {
        return Ok(0);
    }
    let data = &kbuf[..got];
    let sent = match out_pipe {
        // Into another pipe: what fits, waiting only while nothing does.
        Some(_) => super::io::epipe_signal(cx, maybe_wait(cx, output, nonblock, || output.write(data)).await)?,
        None => match send_all(cx, output, data, 0, pos).await {
            Ok(n) => n,
            Err(e) => return super::io::epipe_signal(cx, Err(e)),
        },
    };
    if consume {
        ipipe.consume(sent);
    }
    Ok(sent)
}

/// Bytes of `input` (at `pos`, else its file offset) into the pipe `output`: wait for room,
/// then read at most what fits and put it in.
async fn to_pipe(
    cx: &Caller,
    input: &Arc<File>,
    output: &Arc<File>,
    len: usize,
    pos: Option<u64>,
    nonblock: bool,
) -> SysResult<usize> {
    let Some(opipe) = pipe_of(output) else { return Err(Errno::EINVAL) };
    let room = maybe_wait(cx, output, nonblock, || room_in(opipe)).await;
    let room = super::io::epipe_signal(cx, room)?;
    let mut kbuf = vec![0u8; len.min(room).min(CHUNK)];
    let got = maybe_wait(cx, input, nonblock, || match pos {
        Some(p) => input.read_at(p, &mut kbuf),
        None => input.read(&mut kbuf),
    })
    .await?;
    if got == 0 {
        return Ok(0);
    }
    // Room was checked: the pipe takes it all unless another writer came first, and then the
    // part it did not take is lost for a source without offsets (a file puts it back).
    let put = output.write(&kbuf[..got]).unwrap_or(0);
    if pos.is_none() && put < got && input.inode().seekable() {
        let _ = input.seek(-((got - put) as i64), abi::flags::SEEK_CUR);
    }
    Ok(put)
}

/// tee(2): copy up to `len` bytes from the pipe `fd_in` to the pipe `fd_out` without taking
/// them from `fd_in`. Both must be pipes, and different ones (EINVAL).
pub async fn sys_tee(cx: &Caller, fd_in: i32, fd_out: i32, len: usize, flags: u32) -> SysResult<usize> {
    if flags & !SPLICE_F_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    let input = cx.io_file(fd_in)?;
    let output = cx.io_file(fd_out)?;
    if !input.readable() || !output.writable() {
        return Err(Errno::EBADF);
    }
    match (pipe_of(&input), pipe_of(&output)) {
        (Some(a), Some(b)) if !core::ptr::eq(a, b) => {}
        _ => return Err(Errno::EINVAL),
    }
    from_pipe(cx, &input, &output, len.min(MAX_RW_COUNT), None, flags & SPLICE_F_NONBLOCK != 0, false).await
}

/// vmsplice(2): user memory into a pipe opened for writing (as writev), or a pipe opened for
/// reading into user memory (as readv). Not a pipe: EBADF. SPLICE_F_NONBLOCK: EAGAIN rather
/// than wait for room or data.
pub async fn sys_vmsplice(cx: &Caller, fd: i32, iov: UserPtr<Iovec>, nr_segs: usize, flags: u32) -> SysResult<usize> {
    if flags & !SPLICE_F_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    let file = cx.io_file(fd)?;
    let pipe = pipe_of(&file).ok_or(Errno::EBADF)?;
    let nr = i32::try_from(nr_segs).map_err(|_| Errno::EINVAL)?;
    let nonblock = flags & SPLICE_F_NONBLOCK != 0;
    if file.writable() {
        // Into the pipe: what fits, waiting only while nothing does (not all of it, as writev).
        let buf = UserBuf::from_iovecs(&mut cx.mm(), iov, nr)?;
        if buf.len == 0 {
            return Ok(0);
        }
        let room = maybe_wait(cx, &file, nonblock, || room_in(pipe)).await;
        let room = super::io::epipe_signal(cx, room)?;
        let mut kbuf = vec![0u8; buf.len.min(room).min(CHUNK)];
        let got = buf.copy_in(&mut cx.mm(), 0, &mut kbuf);
        if got == 0 {
            return Err(Errno::EFAULT);
        }
        super::io::epipe_signal(cx, file.write(&kbuf[..got]))
    } else if file.readable() {
        if nonblock && pipe.available() == 0 && pipe.writers() > 0 {
            return Err(Errno::EAGAIN);
        }
        super::io::sys_readv(cx, fd, iov, nr).await
    } else {
        Err(Errno::EBADF)
    }
}
