//! futex(2), set_robust_list(2), get_robust_list(2).
//!
//! The wait queues are `task::futex`. A wait checks the futex word and queues itself with no
//! `.await` in between (the kernel is not preempted), then sleeps until a wake, its timeout
//! (ETIMEDOUT) or a signal (ERESTARTSYS without a timeout; with one, ERESTART_RESTARTBLOCK, so
//! that a restart keeps the original deadline and a handler makes it EINTR, as on Linux).
use crate::Caller;
use abi::process::*;
use abi::structs::Timespec;
use abi::{Errno, SysResult};
use hal::time::{boot_epoch_ns, now_ns};
use mm::UserPtr;
use task::futex::{self, FutexKey};
use task::process::{lookup_thread, Pid};
use task::signal::{self, RestartBlock};

/// The operations that take a timeout in the fourth argument (the others take a number there).
fn has_timeout(cmd: u32) -> bool {
    matches!(cmd, FUTEX_WAIT | FUTEX_WAIT_BITSET | FUTEX_LOCK_PI | 11 /* WAIT_REQUEUE_PI */)
}

/// futex(2). The fourth argument is a timeout pointer or `val2` (a count), by operation.
pub async fn sys_futex(
    cx: &Caller,
    uaddr: usize,
    op: u32,
    val: u32,
    timeout_or_val2: usize,
    uaddr2: usize,
    val3: u32,
) -> SysResult<usize> {
    let cmd = op & FUTEX_CMD_MASK;
    let private = op & FUTEX_PRIVATE_FLAG != 0;
    let realtime = op & FUTEX_CLOCK_REALTIME != 0;
    if realtime && !matches!(cmd, FUTEX_WAIT | FUTEX_WAIT_BITSET | 11) {
        return Err(Errno::ENOSYS);
    }
    // A timeout is read and checked first. FUTEX_WAIT's is relative (CLOCK_MONOTONIC), the
    // others' absolute on CLOCK_MONOTONIC, or CLOCK_REALTIME with FUTEX_CLOCK_REALTIME.
    let deadline = match UserPtr::<Timespec>::new(timeout_or_val2).nonnull() {
        Some(p) if has_timeout(cmd) => {
            let t = p.read(&mut cx.mm())?.to_nanos().ok_or(Errno::EINVAL)?;
            Some(if cmd == FUTEX_WAIT {
                now_ns().saturating_add(t)
            } else if realtime {
                t.saturating_sub(boot_epoch_ns())
            } else {
                t
            })
        }
        _ => None,
    };
    let val2 = timeout_or_val2 as u32 as i32;
    match cmd {
        FUTEX_WAIT => wait(cx, uaddr, val, FUTEX_BITSET_MATCH_ANY, deadline, private).await,
        FUTEX_WAIT_BITSET if val3 == 0 => Err(Errno::EINVAL),
        FUTEX_WAIT_BITSET => wait(cx, uaddr, val, val3, deadline, private).await,
        FUTEX_WAKE => Ok(futex::wake(key(cx, uaddr, private)?, wake_count(val), FUTEX_BITSET_MATCH_ANY)),
        FUTEX_WAKE_BITSET if val3 == 0 => Err(Errno::EINVAL),
        FUTEX_WAKE_BITSET => Ok(futex::wake(key(cx, uaddr, private)?, wake_count(val), val3)),
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            if (val as i32) < 0 || val2 < 0 {
                return Err(Errno::EINVAL);
            }
            let from = key(cx, uaddr, private)?;
            let to = key(cx, uaddr2, private)?;
            if cmd == FUTEX_CMP_REQUEUE && futex::read_word(&mut cx.mm(), uaddr)? != val3 {
                return Err(Errno::EAGAIN);
            }
            Ok(futex::requeue(from, to, val as usize, val2 as usize))
        }
        FUTEX_WAKE_OP => wake_op(cx, uaddr, uaddr2, val, val2, val3, private),
        _ => Err(Errno::ENOSYS),
    }
}

/// Linux wakes at least one waiter even for a count of 0 or less.
fn wake_count(val: u32) -> usize {
    (val as i32).max(1) as usize
}

/// The futex `uaddr` names: EINVAL if unaligned, EFAULT outside user space (Linux's
/// get_futex_key: a private futex needs no more than that, so an unmapped user address is
/// fine; a shared one must be mapped).
fn key(cx: &Caller, uaddr: usize, private: bool) -> SysResult<FutexKey> {
    let mut mm = cx.mm();
    let key = futex::key(&mut mm, uaddr, private)?;
    mm.check_range(uaddr, 4)?;
    Ok(key)
}

/// FUTEX_WAIT(_BITSET): sleep if the word at `uaddr` still holds `val` (else EAGAIN).
async fn wait(
    cx: &Caller,
    uaddr: usize,
    val: u32,
    bitset: u32,
    deadline: Option<u64>,
    private: bool,
) -> SysResult<usize> {
    let waiter = {
        let mut mm = cx.mm();
        let k = futex::key(&mut mm, uaddr, private)?;
        if futex::read_word(&mut mm, uaddr)? != val {
            return Err(Errno::EAGAIN);
        }
        futex::enqueue(k, bitset)
    };
    if deadline.is_some_and(|d| d <= now_ns()) {
        return Err(Errno::ETIMEDOUT);
    }
    match signal::interruptible(cx.thread(), task::executor::with_deadline(deadline, waiter)).await {
        Ok(Some(())) => Ok(0),
        Ok(None) => Err(Errno::ETIMEDOUT),
        Err(e) => match deadline {
            Some(deadline) => {
                signal::set_restart(cx.thread(), RestartBlock::FutexWait { uaddr, val, bitset, deadline, private });
                Err(Errno::ERESTART_RESTARTBLOCK)
            }
            None => Err(e),
        },
    }
}

/// restart_syscall for an interrupted timed futex wait.
pub async fn restart_wait(
    cx: &Caller,
    uaddr: usize,
    val: u32,
    bitset: u32,
    deadline: u64,
    private: bool,
) -> SysResult<usize> {
    wait(cx, uaddr, val, bitset, Some(deadline), private).await
}

/// FUTEX_WAKE_OP: `*uaddr2 = op(*uaddr2, oparg)`; wake `val` waiters of `uaddr`, and `val2` of
/// `uaddr2` if the old value of `*uaddr2` passes the comparison encoded in `val3`.
fn wake_op(
    cx: &Caller,
    uaddr: usize,
    uaddr2: usize,
    val: u32,
    val2: i32,
    val3: u32,
    private: bool,
) -> SysResult<usize> {
    let k1 = key(cx, uaddr, private)?;
    let k2 = key(cx, uaddr2, private)?;
    let op = (val3 >> 28) & 0xf;
    let cmp = (val3 >> 24) & 0xf;
    let sext12 = |v: u32| ((v << 20) as i32) >> 20;
    let mut oparg = sext12((val3 >> 12) & 0xfff);
    let cmparg = sext12(val3 & 0xfff);
    if op & 8 != 0 {
        // FUTEX_OP_OPARG_SHIFT
        if !(0..=31).contains(&oparg) {
            return Err(Errno::EINVAL);
        }
        oparg = 1 << oparg;
    }
    let old = {
        let mut mm = cx.mm();
        let old = futex::read_word(&mut mm, uaddr2)? as i32;
        let new = match op & 7 {
            0 => oparg,
            1 => old.wrapping_add(oparg),
            2 => old | oparg,
            3 => old & !oparg,
            4 => old ^ oparg,
            _ => return Err(Errno::ENOSYS),
        };
        mm.write_bytes(uaddr2, &new.to_le_bytes())?;
        old
    };
    let pass = match cmp {
        0 => old == cmparg,
        1 => old != cmparg,
        2 => old < cmparg,
        3 => old <= cmparg,
        4 => old > cmparg,
        5 => old >= cmparg,
        _ => return Err(Errno::ENOSYS),
    };
    let mut woken = futex::wake(k1, wake_count(val), FUTEX_BITSET_MATCH_ANY);
    if pass {
        woken += futex::wake(k2, wake_count(val2 as u32), FUTEX_BITSET_MATCH_ANY);
    }
    Ok(woken)
}

/// Size of `struct robust_list_head` on 64-bit Linux: the only length accepted.
const ROBUST_LIST_HEAD_LEN: usize = 24;

/// set_robust_list(2): recorded for the futex cleanup at thread exit.
pub async fn sys_set_robust_list(cx: &Caller, head: usize, len: usize) -> SysResult<()> {
    if len != ROBUST_LIST_HEAD_LEN {
        return Err(Errno::EINVAL);
    }
    *cx.thread().robust_list.lock() = (head, len);
    Ok(())
}

/// get_robust_list(2) of thread `pid` (0: the caller).
pub async fn sys_get_robust_list(cx: &Caller, pid: i32, head: UserPtr<usize>, len: UserPtr<usize>) -> SysResult<()> {
    let t = match pid {
        0 => cx.thread().clone(),
        p if p < 0 => return Err(Errno::ESRCH),
        p => lookup_thread(p as Pid).ok_or(Errno::ESRCH)?,
    };
    // Another process's list is for those who may trace it.
    if !crate::cred::may_inspect(cx, &t.process) {
        return Err(Errno::EPERM);
    }
    let (h, _) = *t.robust_list.lock();
    head.write(&mut cx.mm(), &h)?;
    len.write(&mut cx.mm(), &ROBUST_LIST_HEAD_LEN)?;
    Ok(())
}
