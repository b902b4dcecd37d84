//! Permission checks (the classic owner/group/other bits).
//!
//! Root (uid 0) may read and write anything and search any directory; to execute a file it
//! still needs one of its execute bits, as on Linux.
use crate::inode::{FileKind, Who};
use abi::flags::{R_OK, W_OK, X_OK};
use abi::structs::Stat;

/// Whether `who` may access a node with metadata `st` as `mask` (R_OK | W_OK | X_OK).
pub fn may_access(st: &Stat, who: &Who, mask: u32) -> bool {
    let mode = st.st_mode;
    if who.uid == 0 {
        let is_dir = FileKind::from_mode(mode) == Some(FileKind::Directory);
        return mask & X_OK == 0 || is_dir || mode & 0o111 != 0;
    }
    let bits = if st.st_uid == who.uid {
        (mode >> 6) & 7
    } else if st.st_gid == who.gid {
        (mode >> 3) & 7
    } else {
        mode & 7
    };
    let want = mask & (R_OK | W_OK | X_OK);
    bits & want == want
}

#[cfg(test)]
mod tests {
    use super::*;
    use abi::flags::{S_IFDIR, S_IFREG};

    fn st(mode: u32, uid: u32) -> Stat {
        Stat { st_mode: mode, st_uid: uid, st_gid: uid, ..Stat::default() }
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
    fn others_get_the_bits_of_their_class() {
        let user = Who { uid: 7, gid: 7, ..Who::default() };
        assert!(may_access(&st(S_IFREG | 0o600, 7), &user, R_OK | W_OK));
        assert!(!may_access(&st(S_IFREG | 0o600, 8), &user, R_OK));
        assert!(may_access(&st(S_IFREG | 0o604, 8), &user, R_OK));
    }
}
