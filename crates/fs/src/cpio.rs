//! Unpacking an initramfs (cpio "newc" format, as made by `cpio -o -H newc`) into a directory
//! of any file system (through the generic `create` and `symlink`).
use crate::inode::{FileKind, InodeRef};
use crate::path::split_parent;
use abi::{Errno, SysResult};
use alloc::string::String;

const MAGIC: &[u8] = b"070701";
const HEADER_LEN: usize = 110;

fn hex_field(h: &[u8], index: usize) -> SysResult<usize> {
    let f = h.get(6 + index * 8..6 + index * 8 + 8).ok_or(Errno::EINVAL)?;
    let s = core::str::from_utf8(f).map_err(|_| Errno::EINVAL)?;
    usize::from_str_radix(s, 16).map_err(|_| Errno::EINVAL)
}

fn align4(x: usize) -> usize {
    (x + 3) & !3
}

/// Unpack `archive` under `root`. Returns the number of entries created.
pub fn unpack(root: &InodeRef, archive: &[u8]) -> SysResult<usize> {
    let mut at = 0;
    let mut count = 0;
    while at + HEADER_LEN <= archive.len() {
        let h = &archive[at..at + HEADER_LEN];
        if &h[..6] != MAGIC {
            return Err(Errno::EINVAL);
        }
        let mode = hex_field(h, 1)? as u32;
        let filesize = hex_field(h, 6)?;
        let namesize = hex_field(h, 11)?;
        let name_start = at + HEADER_LEN;
        let name_bytes = archive.get(name_start..name_start + namesize.saturating_sub(1)).ok_or(Errno::EINVAL)?;
        let name = String::from_utf8(name_bytes.to_vec()).map_err(|_| Errno::EINVAL)?;
        let data_start = align4(name_start + namesize);
        let data = archive.get(data_start..data_start + filesize).ok_or(Errno::EINVAL)?;
        at = align4(data_start + filesize);
        if name == "TRAILER!!!" {
            break;
        }
        let name = name.trim_start_matches("./").trim_start_matches('/');
        if name.is_empty() || name == "." {
            continue;
        }
        let (parent, leaf) = split_parent(name);
        let dir = crate::path::lookup(root, root, &parent, true)?;
        let perm = mode & 0o7777;
        match mode & abi::flags::S_IFMT {
            abi::flags::S_IFDIR => match dir.create(&leaf, FileKind::Directory, perm) {
                Ok(_) | Err(Errno::EEXIST) => {}
                Err(e) => return Err(e),
            },
            abi::flags::S_IFREG => {
                let f = dir.create(&leaf, FileKind::Regular, perm)?;
                if !data.is_empty() {
                    f.write_at(0, data)?;
                }
            }
            abi::flags::S_IFLNK => {
                dir.symlink(&leaf, core::str::from_utf8(data).map_err(|_| Errno::EINVAL)?)?;
            }
            _ => {
                log::warn!("initramfs: skipping special file {name}");
                continue;
            }
        }
        count += 1;
    }
    Ok(count)
}
