//! Signal syscalls. Dispositions and masks are recorded exactly as Linux validates them;
//! delivery to handlers comes with the signals milestone.
use crate::Caller;
use abi::flags::{SIGKILL, SIGSTOP, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK};
use abi::structs::SigAction;
use abi::{Errno, SysResult};
use core::sync::atomic::Ordering;
use mm::UserPtr;
use task::process::check_signal;

/// The only sigset size accepted: 64 signals.
const SIGSET_SIZE: usize = 8;

fn bit(sig: usize) -> u64 {
    1 << (sig - 1)
}

/// Signals that can never be blocked or caught.
const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

pub async fn sys_rt_sigaction(
    cx: &Caller,
    sig: usize,
    act: UserPtr<SigAction>,
    old: UserPtr<SigAction>,
    sigsetsize: usize,
) -> SysResult<()> {
    if sigsetsize != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let sig = check_signal(sig)?;
    let new = match act.nonnull() {
        Some(p) => {
            if bit(sig) & UNBLOCKABLE != 0 {
                return Err(Errno::EINVAL);
            }
            let mut a = p.read(&mut cx.mm())?;
            a.mask &= !UNBLOCKABLE;
            Some(a)
        }
        None => None,
    };
    let current = cx.process().sigactions.lock()[sig - 1];
    if let Some(p) = old.nonnull() {
        p.write(&mut cx.mm(), &current)?;
    }
    if let Some(a) = new {
        cx.process().sigactions.lock()[sig - 1] = a;
    }
    Ok(())
}

pub async fn sys_rt_sigprocmask(
    cx: &Caller,
    how: usize,
    set: UserPtr<u64>,
    old: UserPtr<u64>,
    sigsetsize: usize,
) -> SysResult<()> {
    if sigsetsize != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let mask = &cx.thread().sigmask;
    let current = mask.load(Ordering::Relaxed);
    let new = match set.nonnull() {
        Some(p) => {
            let s = p.read(&mut cx.mm())?;
            Some(
                match how {
                    SIG_BLOCK => current | s,
                    SIG_UNBLOCK => current & !s,
                    SIG_SETMASK => s,
                    _ => return Err(Errno::EINVAL),
                } & !UNBLOCKABLE,
            )
        }
        None => None,
    };
    if let Some(p) = old.nonnull() {
        p.write(&mut cx.mm(), &current)?;
    }
    if let Some(m) = new {
        mask.store(m, Ordering::Relaxed);
    }
    Ok(())
}
