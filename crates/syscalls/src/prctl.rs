//! prctl(2): the options a Linux program uses, with Linux's checks of the unused arguments;
//! personality(2), another switch of the same kind.
//!
//! The switches themselves live in the process (`task::prctl::PrctlState`) or in its
//! credentials (keep-caps, the bounding and ambient sets). Options Linux builds only with
//! features BakaEx has not (seccomp, speculation control, memory-map editing) answer EINVAL,
//! which is what such a Linux answers and what programs test for.
use crate::Caller;
use abi::cred::*;
use abi::process::*;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use core::sync::atomic::Ordering::Relaxed;
use mm::UserPtr;
use task::prctl::{SUID_DUMP_DISABLE, SUID_DUMP_USER};

/// PR_SET_TIMING's only timing (PR_TIMING_STATISTICAL).
const PR_TIMING_STATISTICAL: usize = 0;

pub async fn sys_prctl(
    cx: &Caller,
    option: i32,
    arg2: usize,
    arg3: usize,
    arg4: usize,
    arg5: usize,
) -> SysResult<usize> {
    let p = cx.process();
    let st = &p.prctl;
    // Options that take no further arguments insist on zeros (EINVAL), as Linux does.
    let zeros = |args: &[usize]| if args.iter().all(|&a| a == 0) { Ok(()) } else { Err(Errno::EINVAL) };
    match option {
        PR_SET_NAME => set_name(cx, arg2).map(|_| 0),
        PR_GET_NAME => {
            let name = cx.thread().name().unwrap_or_else(|| procfs::exec_comm(cx.process()).into_bytes());
            let mut buf = [0u8; task::process::COMM_MAX + 1];
            buf[..name.len()].copy_from_slice(&name);
            cx.mm().write_bytes(arg2, &buf)?;
            Ok(0)
        }
        PR_SET_PDEATHSIG if arg2 <= abi::signal::NSIG => {
            st.pdeath_signal.store(arg2, Relaxed);
            Ok(0)
        }
        PR_GET_PDEATHSIG => {
            UserPtr::<i32>::new(arg2).write(&mut cx.mm(), &(st.pdeath_signal.load(Relaxed) as i32))?;
            Ok(0)
        }
        PR_GET_DUMPABLE => Ok(st.dumpable.load(Relaxed) as usize),
        PR_SET_DUMPABLE if arg2 == SUID_DUMP_DISABLE as usize || arg2 == SUID_DUMP_USER as usize => {
            st.dumpable.store(arg2 as u8, Relaxed);
            Ok(0)
        }
        PR_GET_TIMING => Ok(PR_TIMING_STATISTICAL),
        PR_SET_TIMING if arg2 == PR_TIMING_STATISTICAL => Ok(0),
        PR_SET_TIMERSLACK => {
            let slack = match arg2 {
                0 => st.default_timer_slack_ns.load(Relaxed),
                n => n as u64,
            };
            st.timer_slack_ns.store(slack, Relaxed);
            Ok(0)
        }
        PR_GET_TIMERSLACK => Ok(st.timer_slack_ns.load(Relaxed) as usize),
        PR_SET_CHILD_SUBREAPER => {
            st.child_subreaper.store(arg2 != 0, Relaxed);
            Ok(0)
        }
        PR_GET_CHILD_SUBREAPER => {
            UserPtr::<i32>::new(arg2).write(&mut cx.mm(), &(st.child_subreaper.load(Relaxed) as i32))?;
            Ok(0)
        }
        PR_SET_NO_NEW_PRIVS if arg2 == 1 => {
            zeros(&[arg3, arg4, arg5])?;
            st.no_new_privs.store(true, Relaxed);
            Ok(0)
        }
        PR_GET_NO_NEW_PRIVS => {
            zeros(&[arg2, arg3, arg4, arg5])?;
            Ok(st.no_new_privs.load(Relaxed) as usize)
        }
        PR_SET_THP_DISABLE => {
            zeros(&[arg3, arg4, arg5])?;
            st.thp_disable.store(arg2 != 0, Relaxed);
            Ok(0)
        }
        PR_GET_THP_DISABLE => {
            zeros(&[arg2, arg3, arg4, arg5])?;
            Ok(st.thp_disable.load(Relaxed) as usize)
        }
        PR_GET_KEEPCAPS => Ok(cx.cred().keep_caps as usize),
        PR_SET_KEEPCAPS if arg2 <= 1 => {
            let mut c = (*cx.cred()).clone();
            c.keep_caps = arg2 == 1;
            cx.thread().set_cred(Arc::new(c));
            Ok(0)
        }
        PR_CAPBSET_READ if arg2 <= CAP_LAST_CAP as usize => Ok((cx.cred().cap_bounding >> arg2 & 1) as usize),
        // Dropping from the bounding set needs CAP_SETPCAP (EPERM); an unknown one is EINVAL.
        PR_CAPBSET_DROP if arg2 <= CAP_LAST_CAP as usize => {
            let mut c = (*cx.cred()).clone();
            if !c.capable(CAP_SETPCAP) {
                return Err(Errno::EPERM);
            }
            c.cap_bounding &= !(1u64 << arg2);
            cx.thread().set_cred(Arc::new(c));
            Ok(0)
        }
        // No securebits are set, and none can be: changing them needs CAP_SETPCAP (EPERM), and
        // BakaEx has no use for any bit (EINVAL, as for bits Linux does not know).
        PR_GET_SECUREBITS => Ok(0),
        PR_SET_SECUREBITS if !cx.cred().capable(CAP_SETPCAP) => Err(Errno::EPERM),
        PR_SET_SECUREBITS if arg2 == 0 => Ok(0),
        PR_CAP_AMBIENT => ambient(cx, arg2, arg3, arg4, arg5),
        _ => Err(Errno::EINVAL),
    }
}

/// PR_SET_NAME names the calling thread (at most 15 bytes of the string are taken; the
/// program's base name until it is named: /proc/<pid>/task/<tid>/comm and stat show the same).
fn set_name(cx: &Caller, addr: usize) -> SysResult<()> {
    // strncpy_from_user: byte by byte up to the NUL, EFAULT only for a byte it needs.
    let mut name = alloc::vec::Vec::with_capacity(task::process::COMM_MAX);
    let mut mm = cx.mm();
    while name.len() < task::process::COMM_MAX {
        let mut b = [0u8];
        mm.read_bytes(addr.checked_add(name.len()).ok_or(Errno::EFAULT)?, &mut b)?;
        if b[0] == 0 {
            break;
        }
        name.push(b[0]);
    }
    drop(mm);
    cx.thread().set_name(Some(&name));
    Ok(())
}

/// PR_CAP_AMBIENT: IS_SET, RAISE, LOWER of one capability (EINVAL for an unknown one), or
/// CLEAR_ALL; unused arguments must be 0.
fn ambient(cx: &Caller, op: usize, cap: usize, arg4: usize, arg5: usize) -> SysResult<usize> {
    if arg4 != 0 || arg5 != 0 {
        return Err(Errno::EINVAL);
    }
    let c = cx.cred();
    if op == PR_CAP_AMBIENT_CLEAR_ALL {
        if cap != 0 {
            return Err(Errno::EINVAL);
        }
        let mut new = (*c).clone();
        new.cap_ambient = 0;
        crate::cred::commit(cx, new);
        return Ok(0);
    }
    if cap > CAP_LAST_CAP as usize {
        return Err(Errno::EINVAL);
    }
    match op {
        PR_CAP_AMBIENT_IS_SET => Ok((c.cap_ambient >> cap & 1) as usize),
        PR_CAP_AMBIENT_RAISE | PR_CAP_AMBIENT_LOWER => {
            crate::cred::commit(cx, c.set_ambient(cap as u32, op == PR_CAP_AMBIENT_RAISE)?);
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// personality(2): set the execution domain and its flags, returning the old value;
/// 0xffffffff only asks. Any value is taken (Linux too keeps unknown domains).
pub async fn sys_personality(cx: &Caller, persona: u32) -> SysResult<usize> {
    let p = cx.process();
    let old = p.prctl.personality.load(Relaxed);
    if persona != u32::MAX {
        p.prctl.personality.store(persona, Relaxed);
    }
    Ok(old as usize)
}
