//! Permission checks: the owner/group/other bits, then the capabilities that override them
//! (Linux's generic_permission), the sticky-directory rule, and ownership.
//!
//! The owner's bits alone decide for the owner (a file 0077 is closed to its owner); the group
//! bits decide for a member of the file's group (the file-system gid or a supplementary
//! group). CAP_DAC_OVERRIDE then opens everything but executing a file without any execute bit;
//! CAP_DAC_READ_SEARCH opens reading files and reading and searching directories.
use crate::inode::{FileKind, InodeRef, SetAttr, Who};
use abi::cred::{CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID};
use abi::flags::{R_OK, W_OK, X_OK};
use abi::structs::Stat;
use abi::{Errno, SysResult};

/// The sticky bit of a directory: only a name's owner, or the directory's, may remove it.
pub const S_ISVTX: u32 = 0o1000;

/// Whether `who` may access a node with metadata `st` as `mask` (R_OK | W_OK | X_OK).
pub fn may_access(st: &Stat, who: &Who, mask: u32) -> bool {
    let mode = st.st_mode;
    let want = mask & (R_OK | W_OK | X_OK);
    let bits = if st.st_uid == who.uid {
        (mode >> 6) & 7
    } else if who.in_group(st.st_gid) {
        (mode >> 3) & 7
    } else {
        mode & 7
    };
    if bits & want == want {
        return true;
    }
    let is_dir = FileKind::from_mode(mode) == Some(FileKind::Directory);
    if is_dir {
        return (want & W_OK == 0 && who.capable(CAP_DAC_READ_SEARCH)) || who.capable(CAP_DAC_OVERRIDE);
    }
    if (want & X_OK == 0 || mode & 0o111 != 0) && who.capable(CAP_DAC_OVERRIDE) {
        return true;
    }
    want == R_OK && who.capable(CAP_DAC_READ_SEARCH)
}

/// [`may_access`] on a node: EACCES when it is refused.
pub fn check(node: &InodeRef, who: &Who, mask: u32) -> SysResult<()> {
    if may_access(&node.stat(), who, mask) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// Searching a directory (every step of a path walk). Free for a caller whose capabilities
/// open every directory, so root's walks never stat.
pub fn check_search(dir: &InodeRef, who: &Who) -> SysResult<()> {
    if who.capable(CAP_DAC_READ_SEARCH) || who.capable(CAP_DAC_OVERRIDE) {
        return Ok(());
    }
    check(dir, who, X_OK)
}

/// Whether `who` owns the node as chmod, utimes with explicit times, and the sticky rule need:
/// its uid is the owner's, or it has CAP_FOWNER.
pub fn is_owner(st: &Stat, who: &Who) -> bool {
    st.st_uid == who.uid || who.capable(CAP_FOWNER)
}

/// Removing or replacing the entry `victim` of directory `dir` (unlink, rmdir, rename):
/// write and search permission on the directory, and in a sticky directory ownership of the
/// entry or of the directory (EPERM).
pub fn check_delete(dir: &InodeRef, victim: &InodeRef, who: &Who) -> SysResult<()> {
    let dst = dir.stat();
    if !may_access(&dst, who, W_OK | X_OK) {
        return Err(Errno::EACCES);
    }
    if dst.st_mode & S_ISVTX != 0 && dst.st_uid != who.uid && !is_owner(&victim.stat(), who) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// The set-group-ID bit: on a directory, what is created in it takes the directory's group.
pub const S_ISGID: u32 = 0o2000;
pub const S_ISUID: u32 = 0o4000;

/// Give the node just created in `dir` its owner: the creator's file-system uid, and its gid
/// or, in a set-group-ID directory, the directory's (a new directory there is set-group-ID
/// too). A set-group-ID file created outside its group by a caller without CAP_FSETID loses
/// the bit, as Linux's inode_init_owner has it. File systems create nodes owned by root, so
/// root in an ordinary directory changes nothing.
pub fn own_new(dir: &InodeRef, node: &InodeRef, who: &Who) -> SysResult<()> {
    let dst = dir.stat();
    let setgid_dir = dst.st_mode & S_ISGID != 0;
    let gid = if setgid_dir { dst.st_gid } else { who.gid };
    if who.uid == 0 && gid == 0 && !setgid_dir {
        return Ok(());
    }
    let mut mode = node.stat().st_mode & 0o7777;
    if setgid_dir && node.kind() == FileKind::Directory {
        mode |= S_ISGID;
    } else if mode & S_ISGID != 0 && !who.in_group(gid) && !who.capable(CAP_FSETID) {
        mode &= !S_ISGID;
    }
    // The mode is given with the owner so that the file system does not treat this as a
    // chown (which drops the set-ID bits).
    node.set_attr(&SetAttr { uid: Some(who.uid), gid: Some(gid), mode: Some(mode), ..SetAttr::default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use abi::cred::CAP_FS_MASK;
    use abi::flags::{S_IFDIR, S_IFREG};
    use alloc::sync::Arc;

    fn st(mode: u32, uid: u32) -> Stat {
        Stat { st_mode: mode, st_uid: uid, st_gid: uid, ..Stat::default() }
    }

    fn user(uid: u32) -> Who {
        Who { uid, gid: uid, caps: 0, ..Who::default() }
    }

    #[test]
    fn root_bypasses_all_but_execute() {
        let root = Who::default();
        assert!(may_access(&st(S_IFREG, 5), &root, R_OK | W_OK));
        assert!(!may_access(&st(S_IFREG | 0o644, 5), &root, X_OK));
        assert!(may_access(&st(S_IFREG | 0o010, 5), &root, X_OK));
        assert!(may_access(&st(S_IFDIR, 5), &root, X_OK));
    }

    #[test]
    fn root_without_fs_caps_is_a_user() {
        let root = Who { caps: !CAP_FS_MASK, ..Who::default() };
        assert!(!may_access(&st(S_IFREG | 0o600, 5), &root, R_OK));
    }

    #[test]
    fn others_get_the_bits_of_their_class() {
        let me = user(7);
        assert!(may_access(&st(S_IFREG | 0o600, 7), &me, R_OK | W_OK));
        assert!(!may_access(&st(S_IFREG | 0o600, 8), &me, R_OK));
        assert!(may_access(&st(S_IFREG | 0o604, 8), &me, R_OK));
        // The owner's bits alone decide for the owner.
        assert!(!may_access(&st(S_IFREG | 0o077, 7), &me, R_OK));
    }

    #[test]
    fn supplementary_groups_count() {
        let me = Who { groups: Arc::from([3u32, 9]), ..user(7) };
        let f = Stat { st_mode: S_IFREG | 0o040, st_uid: 1, st_gid: 9, ..Stat::default() };
        assert!(may_access(&f, &me, R_OK));
        assert!(!may_access(&Stat { st_gid: 4, ..f }, &me, R_OK));
    }

    #[test]
    fn read_search_opens_reading_only() {
        let me = Who { caps: 1 << CAP_DAC_READ_SEARCH, ..user(7) };
        assert!(may_access(&st(S_IFREG, 8), &me, R_OK));
        assert!(!may_access(&st(S_IFREG, 8), &me, W_OK));
        assert!(may_access(&st(S_IFDIR, 8), &me, R_OK | X_OK));
        assert!(!may_access(&st(S_IFDIR, 8), &me, W_OK));
    }
}
