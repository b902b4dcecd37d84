//! Job control: controlling terminals, background jobs and orphaned process groups, with the
//! signals POSIX's terminal interface gives them.
//!
//! - A session's processes share one controlling terminal ([`Process::ctty`]), which the
//!   session leader acquires (TIOCSCTTY; see the ioctl in crate `syscalls`).
//! - A process of a background group that reads its terminal gets SIGTTIN; one that writes it
//!   while TOSTOP is set, or changes its settings, gets SIGTTOU ([`check_access`]). The call is
//!   restarted once the job is continued in the foreground.
//! - When the session leader ends, the foreground group gets SIGHUP and SIGCONT and the session
//!   loses its terminal ([`ended`]).
//! - A group that becomes orphaned (no member has a parent in another group of the same
//!   session, so no shell is left to continue it) while a member is stopped gets SIGHUP and
//!   SIGCONT ([`ended`], [`reparented`]).
use crate::process::{child_reaper_pid, group, Pid, Process, Thread};
use crate::signal::{is_ignored, send_to_group};
use abi::signal::{sigbit, SIGCONT, SIGHUP, SIGTTIN, SIGTTOU};
use abi::{Errno, SysResult};
use core::sync::atomic::Ordering;
use fs::InodeRef;

/// Whether group `pgid` is orphaned, leaving out `ending` (a process that is ending): no member
/// has its parent in a different group of the same session. Zombies do not count, nor do
/// members whose parent is init (Linux's will_become_orphaned_pgrp).
pub fn is_orphaned_pgrp(pgid: Pid, ending: Option<Pid>) -> bool {
    let init = child_reaper_pid();
    group(pgid).iter().filter(|p| Some(p.pid) != ending && !p.is_zombie()).all(|p| match p.parent() {
        Some(parent) if Some(parent.pid) != init => parent.pgid() == pgid || parent.sid() != p.sid(),
        _ => true,
    })
}

fn has_stopped_jobs(pgid: Pid) -> bool {
    group(pgid).iter().any(|p| p.stopped().is_some())
}

/// SIGHUP then SIGCONT to group `pgid` if `parent` (in another group of the same session as
/// `member`) was what kept it from being orphaned, and a member is stopped.
fn hang_up_orphans(member: &Process, parent: &Process, ending: Option<Pid>) {
    let pgid = member.pgid();
    if parent.pgid() != pgid && parent.sid() == member.sid() && is_orphaned_pgrp(pgid, ending) && has_stopped_jobs(pgid)
    {
        let _ = send_to_group(pgid, SIGHUP);
        let _ = send_to_group(pgid, SIGCONT);
    }
}

/// `p` has ended (its children are not reparented yet): if it led its session, the foreground
/// group is hung up and the session loses its terminal; if its own group is orphaned by its
/// going, the group is hung up if it has stopped members.
pub(crate) fn ended(p: &Process) {
    if p.pid == p.sid() {
        if let Some(node) = p.ctty() {
            hang_up_session(p.sid(), &node);
        }
    }
    if let Some(parent) = p.parent() {
        hang_up_orphans(p, &parent, Some(p.pid));
    }
}

/// `child` of the ending `father` has a new parent: its group may be orphaned now.
pub(crate) fn reparented(child: &Process, father: &Process) {
    hang_up_orphans(child, father, None);
}

/// The controlling process of session `sid` ended: SIGHUP and SIGCONT to the terminal's
/// foreground group, and no process of the session has the terminal any more.
fn hang_up_session(sid: Pid, node: &InodeRef) {
    let Some(tty) = node.tty() else { return };
    if tty.session() != Some(sid as i32) {
        return;
    }
    let foreground = tty.pgrp();
    tty.set_session(None, None);
    if let Some(pgrp) = foreground {
        let _ = send_to_group(pgrp as usize, SIGHUP);
        let _ = send_to_group(pgrp as usize, SIGCONT);
    }
    for q in crate::process::all().into_iter().filter(|q| q.sid() == sid) {
        q.set_ctty(None);
    }
}

/// Whether `node` is `p`'s controlling terminal: the same terminal, through whichever node
/// (/dev/console, /dev/tty and a device node made by mknod all reach one).
pub fn is_ctty_of(p: &Process, node: &InodeRef) -> bool {
    let Some(tty) = node.tty() else { return false };
    p.ctty().is_some_and(|c| c.tty().is_some_and(|t| core::ptr::eq(t, tty)))
}

/// Whether a living process has terminal `node` as its controlling terminal. (Rather than the
/// terminal's own record of its session, which a host test's console shares with every other
/// test: each test thread sees only its own processes.)
pub fn is_held(node: &InodeRef) -> bool {
    crate::process::all().iter().any(|q| !q.is_zombie() && is_ctty_of(q, node))
}

/// Make terminal `node` the controlling terminal of `p`'s session, with `p`'s group in the
/// foreground. A session that had it before loses it (TIOCSCTTY's steal).
pub fn acquire(p: &Process, node: &InodeRef) {
    let Some(tty) = node.tty() else { return };
    if let Some(old) = tty.session() {
        for q in crate::process::all().into_iter().filter(|q| q.sid() as i32 == old) {
            q.set_ctty(None);
        }
    }
    tty.set_session(Some(p.sid() as i32), Some(p.pgid() as i32));
    for q in crate::process::all().into_iter().filter(|q| q.sid() == p.sid()) {
        q.set_ctty(Some(node.clone()));
    }
}

/// TIOCNOTTY: `p` gives up its controlling terminal; if it leads the session, the whole
/// session loses it and the foreground group is hung up, as when the leader ends.
pub fn release(p: &Process, node: &InodeRef) {
    if p.pid == p.sid() {
        hang_up_session(p.sid(), node);
    } else {
        p.set_ctty(None);
    }
}

/// May thread `t` use terminal `node` now? `sig` is SIGTTIN for a read, SIGTTOU for a write
/// (the caller checks TOSTOP) or a change of the terminal's settings. Linux's rules
/// (tty_check_change, __tty_check_change):
/// - a terminal that is not the caller's controlling one, or a caller in the foreground: yes;
/// - the signal blocked or ignored: a write or change goes ahead, a read is EIO;
/// - an orphaned group, which nobody would continue after a stop: EIO;
/// - otherwise the caller's group gets the signal (and stops) and the call is restarted
///   (ERESTARTSYS) when it continues.
pub fn check_access(t: &Thread, node: &InodeRef, sig: usize) -> SysResult<()> {
    let p = &t.process;
    let Some(tty) = node.tty() else { return Ok(()) };
    if !is_ctty_of(p, node) {
        return Ok(());
    }
    let Some(foreground) = tty.pgrp() else { return Ok(()) };
    let pgid = p.pgid();
    if foreground as usize == pgid {
        return Ok(());
    }
    let refused = is_ignored(p, sig) || t.sigmask.load(Ordering::Relaxed) & sigbit(sig) != 0;
    if refused {
        return if sig == SIGTTIN { Err(Errno::EIO) } else { Ok(()) };
    }
    if is_orphaned_pgrp(pgid, None) {
        return Err(Errno::EIO);
    }
    let _ = send_to_group(pgid, sig);
    Err(Errno::ERESTARTSYS)
}

/// SIGTTOU for `check_access` of a write: only when the terminal has TOSTOP.
pub fn write_signal(node: &InodeRef) -> Option<usize> {
    node.tty().filter(|t| t.stops_background_writes()).map(|_| SIGTTOU)
}
