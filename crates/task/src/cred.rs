//! Credentials: who a thread acts as.
//!
//! As on Linux they belong to the thread (glibc and Go change every thread's, one at a time);
//! clone copies them. A thread's [`Cred`] is immutable and shared (`Arc`): a change builds a new
//! one, so a syscall that took the caller's credentials keeps a consistent view.
//!
//! The set*id rules are Linux's (kernel/sys.c), written once for both kinds of id ([`Ids`]): a
//! thread with CAP_SETUID (CAP_SETGID) may set any id; others may only move between their real,
//! effective and saved ids. The file-system id follows the effective one. Capabilities follow the uids as Linux's "root is privileged"
//! model has it (`fix_caps`), without file capabilities.
use abi::cred::{CAP_FS_MASK, CAP_FULL_SET, CAP_SETGID, CAP_SETUID, NGROUPS_MAX};
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use alloc::vec::Vec;

/// An id argument of "leave it as it is" (-1).
pub const KEEP: u32 = u32::MAX;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cred {
    pub uid: u32,
    pub euid: u32,
    pub suid: u32,
    pub fsuid: u32,
    pub gid: u32,
    pub egid: u32,
    pub sgid: u32,
    pub fsgid: u32,
    /// Supplementary groups, sorted, no duplicates.
    pub groups: Arc<[u32]>,
    pub cap_effective: u64,
    pub cap_permitted: u64,
    pub cap_inheritable: u64,
    pub cap_bounding: u64,
    /// PR_CAP_AMBIENT: kept across an exec that is not set-ID; always within both the
    /// permitted and the inheritable set.
    pub cap_ambient: u64,
    /// PR_SET_KEEPCAPS: keep the permitted set when every uid leaves 0.
    pub keep_caps: bool,
}

impl Cred {
    /// Root with every capability: the first process.
    pub fn root() -> Cred {
        Cred {
            uid: 0,
            euid: 0,
            suid: 0,
            fsuid: 0,
            gid: 0,
            egid: 0,
            sgid: 0,
            fsgid: 0,
            groups: Arc::from([]),
            cap_effective: CAP_FULL_SET,
            cap_permitted: CAP_FULL_SET,
            cap_inheritable: 0,
            cap_bounding: CAP_FULL_SET,
            cap_ambient: 0,
            keep_caps: false,
        }
    }

    /// Whether the effective set holds `cap`.
    pub fn capable(&self, cap: u32) -> bool {
        self.cap_effective & (1 << cap) != 0
    }

    /// Whether `gid` is the file-system group or a supplementary group.
    pub fn in_group(&self, gid: u32) -> bool {
        self.fsgid == gid || self.groups.binary_search(&gid).is_ok()
    }

    /// Whether `gid` is the effective group or a supplementary group (chown, IPC).
    pub fn in_egroup(&self, gid: u32) -> bool {
        self.egid == gid || self.groups.binary_search(&gid).is_ok()
    }

    /// The capability changes that follow a change of uids (Linux's cap_emulate_setxuid and
    /// the fsuid rule): leaving uid 0 everywhere clears the permitted and effective sets
    /// (unless keep_caps), leaving euid 0 clears the effective set, returning to euid 0 gives
    /// back the permitted set, and the file-system capabilities follow fsuid.
    fn fix_caps(&mut self, old: &Cred) {
        let was_root = old.uid == 0 || old.euid == 0 || old.suid == 0;
        let is_root = self.uid == 0 || self.euid == 0 || self.suid == 0;
        if was_root && !is_root && !self.keep_caps {
            self.cap_permitted = 0;
            self.cap_effective = 0;
        }
        if old.euid == 0 && self.euid != 0 {
            self.cap_effective = 0;
        }
        if old.euid != 0 && self.euid == 0 {
            self.cap_effective = self.cap_permitted;
        }
        self.fix_fs_caps(old.fsuid);
        self.trim_ambient();
    }

    /// Ambient capabilities must stay permitted and inheritable.
    fn trim_ambient(&mut self) {
        self.cap_ambient &= self.cap_permitted & self.cap_inheritable;
    }

    /// PR_CAP_AMBIENT_RAISE / _LOWER: a capability joins the ambient set only if it is
    /// permitted and inheritable (EPERM); lowering always works.
    pub fn set_ambient(&self, cap: u32, raise: bool) -> SysResult<Cred> {
        let bit = 1u64 << cap;
        let mut new = self.clone();
        if raise {
            if self.cap_permitted & self.cap_inheritable & bit == 0 {
                return Err(Errno::EPERM);
            }
            new.cap_ambient |= bit;
        } else {
            new.cap_ambient &= !bit;
        }
        Ok(new)
    }

    fn fix_fs_caps(&mut self, old_fsuid: u32) {
        if old_fsuid == 0 && self.fsuid != 0 {
            self.cap_effective &= !CAP_FS_MASK;
        }
        if old_fsuid != 0 && self.fsuid == 0 {
            self.cap_effective |= self.cap_permitted & CAP_FS_MASK;
        }
    }

    fn uids(&self) -> Ids {
        [self.uid, self.euid, self.suid, self.fsuid]
    }

    fn gids(&self) -> Ids {
        [self.gid, self.egid, self.sgid, self.fsgid]
    }

    /// The credentials with new uids, and the capability changes that follow.
    fn with_uids(&self, [uid, euid, suid, fsuid]: Ids) -> Cred {
        let mut new = Cred { uid, euid, suid, fsuid, ..self.clone() };
        new.fix_caps(self);
        new
    }

    fn with_gids(&self, [gid, egid, sgid, fsgid]: Ids) -> Cred {
        Cred { gid, egid, sgid, fsgid, ..self.clone() }
    }

    /// setuid(2).
    pub fn setuid(&self, uid: u32) -> SysResult<Cred> {
        Ok(self.with_uids(set_id(self.uids(), uid, self.capable(CAP_SETUID))?))
    }

    /// setreuid(2).
    pub fn setreuid(&self, ruid: u32, euid: u32) -> SysResult<Cred> {
        Ok(self.with_uids(set_re(self.uids(), ruid, euid, self.capable(CAP_SETUID))?))
    }

    /// setresuid(2).
    pub fn setresuid(&self, ruid: u32, euid: u32, suid: u32) -> SysResult<Cred> {
        Ok(self.with_uids(set_res(self.uids(), [ruid, euid, suid], self.capable(CAP_SETUID))?))
    }

    /// setfsuid(2): the new credentials, or `None` when nothing changes (the call never fails:
    /// it reports the old fsuid either way).
    pub fn setfsuid(&self, uid: u32) -> Option<Cred> {
        let ids = set_fs(self.uids(), uid, self.capable(CAP_SETUID))?;
        let mut new = Cred { fsuid: ids[FS], ..self.clone() };
        new.fix_fs_caps(self.fsuid);
        Some(new)
    }

    /// setgid(2).
    pub fn setgid(&self, gid: u32) -> SysResult<Cred> {
        Ok(self.with_gids(set_id(self.gids(), gid, self.capable(CAP_SETGID))?))
    }

    /// setregid(2).
    pub fn setregid(&self, rgid: u32, egid: u32) -> SysResult<Cred> {
        Ok(self.with_gids(set_re(self.gids(), rgid, egid, self.capable(CAP_SETGID))?))
    }

    /// setresgid(2).
    pub fn setresgid(&self, rgid: u32, egid: u32, sgid: u32) -> SysResult<Cred> {
        Ok(self.with_gids(set_res(self.gids(), [rgid, egid, sgid], self.capable(CAP_SETGID))?))
    }

    /// setfsgid(2), as setfsuid.
    pub fn setfsgid(&self, gid: u32) -> Option<Cred> {
        set_fs(self.gids(), gid, self.capable(CAP_SETGID)).map(|ids| self.with_gids(ids))
    }

    /// setgroups(2): CAP_SETGID (EPERM), at most NGROUPS_MAX groups (EINVAL).
    pub fn setgroups(&self, mut groups: Vec<u32>) -> SysResult<Cred> {
        if !self.capable(CAP_SETGID) {
            return Err(Errno::EPERM);
        }
        if groups.len() > NGROUPS_MAX {
            return Err(Errno::EINVAL);
        }
        groups.sort_unstable();
        groups.dedup();
        let mut new = self.clone();
        new.groups = Arc::from(groups);
        Ok(new)
    }

    /// The credentials after execve of a file whose set-user-ID / set-group-ID bits give
    /// `setuid` / `setgid` (None: the bit is clear or the mount is nosuid). The saved ids
    /// become the effective ones. Without file capabilities, Linux gives root (a real or
    /// effective uid of 0) the bounding set as permitted, effective only if euid is 0; others
    /// lose every capability.
    pub fn exec(&self, setuid: Option<u32>, setgid: Option<u32>) -> Cred {
        let mut new = self.clone();
        if let Some(uid) = setuid {
            new.euid = uid;
        }
        if let Some(gid) = setgid {
            new.egid = gid;
        }
        (new.suid, new.fsuid) = (new.euid, new.euid);
        (new.sgid, new.fsgid) = (new.egid, new.egid);
        if setuid.is_some_and(|u| u != self.euid) || setgid.is_some_and(|g| g != self.egid) {
            new.cap_ambient = 0;
        }
        if new.uid == 0 || new.euid == 0 {
            new.cap_permitted = new.cap_bounding | new.cap_inheritable;
            new.cap_effective = if new.euid == 0 { new.cap_permitted } else { 0 };
        } else {
            // A file without capabilities: what the thread keeps is its ambient set.
            new.cap_permitted = new.cap_ambient;
            new.cap_effective = new.cap_ambient;
        }
        new.keep_caps = false;
        new
    }

    /// capset(2): the new sets must stay within what the thread may hold (EPERM): effective
    /// within the new permitted, permitted within the old permitted, inheritable within the
    /// old inheritable and permitted (with CAP_SETPCAP: within the bounding set).
    pub fn capset(&self, effective: u64, permitted: u64, inheritable: u64) -> SysResult<Cred> {
        let (effective, permitted, inheritable) =
            (effective & CAP_FULL_SET, permitted & CAP_FULL_SET, inheritable & CAP_FULL_SET);
        let limit = if self.capable(abi::cred::CAP_SETPCAP) {
            self.cap_inheritable | self.cap_bounding
        } else {
            self.cap_inheritable | self.cap_permitted
        };
        if inheritable & !limit != 0
            || inheritable & !(self.cap_inheritable | self.cap_bounding) != 0
            || permitted & !self.cap_permitted != 0
            || effective & !permitted != 0
        {
            return Err(Errno::EPERM);
        }
        let mut new = self.clone();
        (new.cap_effective, new.cap_permitted, new.cap_inheritable) = (effective, permitted, inheritable);
        new.trim_ambient();
        Ok(new)
    }
}

/// The four ids of one kind (user or group): real, effective, saved, file system. The rules
/// below are the same for both kinds, with CAP_SETUID or CAP_SETGID as `cap`.
type Ids = [u32; 4];
const R: usize = 0;
const E: usize = 1;
const S: usize = 2;
const FS: usize = 3;

/// setuid/setgid: with the capability every id becomes `id`; without it only the effective
/// (and file-system) one, and only to the real or saved id.
fn set_id(old: Ids, id: u32, cap: bool) -> SysResult<Ids> {
    if id == KEEP {
        return Err(Errno::EINVAL);
    }
    if cap {
        return Ok([id; 4]);
    }
    if id != old[R] && id != old[S] {
        return Err(Errno::EPERM);
    }
    Ok([old[R], id, old[S], id])
}

/// setreuid/setregid: the real id may become the effective one, the effective one any of the
/// three; the saved id follows the new effective one when the real id is set or the effective
/// one is set to something other than the old real id.
fn set_re(old: Ids, r: u32, e: u32, cap: bool) -> SysResult<Ids> {
    let mut new = old;
    if r != KEEP {
        if !cap && r != old[R] && r != old[E] {
            return Err(Errno::EPERM);
        }
        new[R] = r;
    }
    if e != KEEP {
        if !cap && e != old[R] && e != old[E] && e != old[S] {
            return Err(Errno::EPERM);
        }
        new[E] = e;
    }
    if r != KEEP || (e != KEEP && e != old[R]) {
        new[S] = new[E];
    }
    new[FS] = new[E];
    Ok(new)
}

/// setresuid/setresgid: without the capability each id given must be one of the three old ones.
fn set_res(old: Ids, ids: [u32; 3], cap: bool) -> SysResult<Ids> {
    let allowed = |id: u32| id == KEEP || old[..FS].contains(&id);
    if !(cap || ids.iter().all(|&id| allowed(id))) {
        return Err(Errno::EPERM);
    }
    let mut new = old;
    for (slot, id) in new.iter_mut().zip(ids) {
        if id != KEEP {
            *slot = id;
        }
    }
    new[FS] = new[E];
    Ok(new)
}

/// setfsuid/setfsgid: any of the four old ids (or any id with the capability); `None` for an
/// invalid id, a refused one, or no change.
fn set_fs(old: Ids, id: u32, cap: bool) -> Option<Ids> {
    if id == KEEP || !(cap || old.contains(&id)) || id == old[FS] {
        return None;
    }
    let mut new = old;
    new[FS] = id;
    Some(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(uid: u32) -> Cred {
        Cred::root().setresuid(uid, uid, uid).unwrap()
    }

    #[test]
    fn root_setuid_drops_everything() {
        let c = Cred::root().setuid(1000).unwrap();
        assert_eq!((c.uid, c.euid, c.suid, c.fsuid), (1000, 1000, 1000, 1000));
        assert_eq!((c.cap_effective, c.cap_permitted), (0, 0));
        assert_eq!(c.setuid(0), Err(Errno::EPERM));
        assert_eq!(c.setuid(KEEP), Err(Errno::EINVAL));
    }

    #[test]
    fn seteuid_and_back_keeps_root() {
        let root = Cred::root();
        let c = root.setresuid(KEEP, 1000, KEEP).unwrap();
        assert_eq!((c.uid, c.euid, c.suid), (0, 1000, 0));
        assert_eq!(c.cap_effective, 0);
        assert_eq!(c.cap_permitted, CAP_FULL_SET);
        let back = c.setreuid(KEEP, 0).unwrap();
        assert_eq!(back.euid, 0);
        assert_eq!(back.cap_effective, CAP_FULL_SET);
    }

    #[test]
    fn setreuid_moves_the_saved_uid() {
        let c = Cred::root().setresuid(1, 2, 3).unwrap();
        assert_eq!(c.setreuid(KEEP, 3).unwrap().suid, 3);
        let swapped = c.setreuid(2, 1).unwrap();
        assert_eq!((swapped.uid, swapped.euid, swapped.suid), (2, 1, 1));
        assert_eq!(c.setreuid(KEEP, 1).unwrap().suid, 3);
        assert_eq!(c.setreuid(3, KEEP), Err(Errno::EPERM));
        assert_eq!(c.setreuid(KEEP, 9), Err(Errno::EPERM));
    }

    #[test]
    fn fsuid_follows_and_moves_fs_caps() {
        let root = Cred::root();
        let c = root.setfsuid(5).unwrap();
        assert!(!c.capable(abi::cred::CAP_DAC_OVERRIDE));
        assert!(c.capable(abi::cred::CAP_KILL));
        let back = c.setfsuid(0).unwrap();
        assert!(back.capable(abi::cred::CAP_DAC_OVERRIDE));
        assert_eq!(user(7).setfsuid(8), None);
        assert_eq!(root.setfsuid(KEEP), None);
    }

    #[test]
    fn groups_need_setgid_and_are_sorted() {
        let c = Cred::root().setgroups(alloc::vec![5, 3, 5]).unwrap();
        assert_eq!(&*c.groups, &[3, 5]);
        assert!(c.in_group(3) && !c.in_group(4));
        assert_eq!(user(1).setgroups(alloc::vec![]), Err(Errno::EPERM));
        assert_eq!(Cred::root().setgroups(alloc::vec![0; NGROUPS_MAX + 1]), Err(Errno::EINVAL));
    }

    #[test]
    fn gid_rules_mirror_uid_rules() {
        let c = user(1).setresgid(KEEP, KEEP, KEEP).unwrap();
        assert_eq!(c.setgid(5), Err(Errno::EPERM));
        let g = Cred::root().setresgid(4, 5, 6).unwrap();
        assert_eq!((g.gid, g.egid, g.sgid, g.fsgid), (4, 5, 6, 5));
        let dropped = Cred { cap_effective: 0, ..g };
        assert_eq!(dropped.setregid(6, KEEP), Err(Errno::EPERM));
        assert_eq!(dropped.setregid(5, 6).unwrap().sgid, 6);
    }

    #[test]
    fn exec_of_setuid_file() {
        let c = user(1000).exec(Some(0), None);
        assert_eq!((c.uid, c.euid, c.suid), (1000, 0, 0));
        assert_eq!(c.cap_effective, CAP_FULL_SET);
        let plain = user(1000).exec(None, None);
        assert_eq!(plain.cap_permitted, 0);
    }

    #[test]
    fn capset_stays_within_permitted() {
        let c = Cred::root().capset(0, 1, 0).unwrap();
        assert_eq!(c.capset(1, 1, 0).unwrap().cap_effective, 1);
        assert_eq!(c.capset(2, 1, 0), Err(Errno::EPERM));
        assert_eq!(c.capset(0, 3, 0), Err(Errno::EPERM));
    }
}
