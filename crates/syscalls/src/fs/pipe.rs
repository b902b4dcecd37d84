//! pipe2.
use crate::Caller;
use abi::flags::OpenFlags;
use abi::{Errno, SysResult};
use alloc::format;
use alloc::sync::Arc;
use fs::pipe::Pipe;
use fs::File;
use mm::UserPtr;

/// pipe2(2): fds[0] reads, fds[1] writes. Flags: O_CLOEXEC, O_NONBLOCK (on both ends) and
/// O_DIRECT (packet mode: accepted, the pipe stays a byte stream); others are EINVAL. Both
/// descriptors or neither: EMFILE when there is no room for two, EFAULT (nothing installed)
/// when `fds` cannot be written.
pub async fn sys_pipe2(cx: &Caller, fds: UserPtr<[i32; 2]>, flags: u32) -> SysResult<()> {
    let allowed = OpenFlags::CLOEXEC | OpenFlags::NONBLOCK | OpenFlags::DIRECT;
    let flags = OpenFlags::from_bits_retain(flags);
    if !allowed.contains(flags) {
        return Err(Errno::EINVAL);
    }
    let pipe = Pipe::new();
    // An unprivileged user's pipe starts no larger than pipe-max-size (alloc_pipe_info).
    let limit = fs::pipe::PIPE_MAX_SIZE.load(core::sync::atomic::Ordering::Relaxed);
    if pipe.capacity() > limit && !cx.cred().capable(abi::cred::CAP_SYS_RESOURCE) {
        pipe.set_capacity(limit, true)?;
    }
    let name = format!("pipe:[{}]", fs::Inode::id(&*pipe).1);
    let status = flags & (OpenFlags::NONBLOCK | OpenFlags::DIRECT);
    let reader = Arc::new(File::new(pipe.clone(), status, name.clone()));
    let writer = Arc::new(File::new(pipe, status | OpenFlags::WRONLY, name));
    let cloexec = flags.contains(OpenFlags::CLOEXEC);
    let pair = {
        let mut files = cx.process().files();
        let r = files.insert(reader, cloexec)?;
        match files.insert(writer, cloexec) {
            Ok(w) => [r, w],
            Err(e) => {
                let _ = files.remove(r);
                return Err(e);
            }
        }
    };
    if let Err(e) = fds.write(&mut cx.mm(), &pair) {
        let mut files = cx.process().files();
        let gone = (files.remove(pair[0]), files.remove(pair[1]));
        drop(files);
        drop(gone);
        return Err(e);
    }
    Ok(())
}
