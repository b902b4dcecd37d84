//! Unpacking an initramfs (cpio "newc" format, as made by `cpio -o -H newc`) into a directory
//! of any file system (through the generic `create` and `symlink`).
//!
//! The archive is read front to back, a piece at a time, and told after each entry how far it
//! has been read for good ([`Archive::consumed`]): the kernel gives those pages of the archive
//! back to the frame allocator as it goes, so unpacking needs the archive plus one file's worth
//! of memory, not twice the archive (a 150 MB initramfs boots in 256 MiB).
use crate::inode::{FileKind, InodeRef};
use crate::path::split_parent;
use abi::{Errno, SysResult};
use alloc::string::String;
use alloc::vec;

const MAGIC: &[u8] = b"070701";
const HEADER_LEN: usize = 110;
/// The longest name or symlink target taken (PATH_MAX); longer is a damaged archive.
const NAME_MAX: usize = 4096;

/// Where the archive's bytes are.
pub trait Archive {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Copy the bytes at `at` into `buf` (the caller stays inside `len`).
    fn read(&self, at: usize, buf: &mut [u8]);
    /// The bytes before `at` will not be read again.
    fn consumed(&mut self, _at: usize) {}
}

impl Archive for &[u8] {
    fn len(&self) -> usize {
        <[u8]>::len(self)
    }
    fn read(&self, at: usize, buf: &mut [u8]) {
        buf.copy_from_slice(&self[at..at + buf.len()]);
    }
}

fn hex_field(h: &[u8], index: usize) -> SysResult<usize> {
    let f = h.get(6 + index * 8..6 + index * 8 + 8).ok_or(Errno::EINVAL)?;
    let s = core::str::from_utf8(f).map_err(|_| Errno::EINVAL)?;
    usize::from_str_radix(s, 16).map_err(|_| Errno::EINVAL)
}

fn align4(x: usize) -> usize {
    (x + 3) & !3
}

/// `len` bytes at `at` of the archive, which must hold them (EINVAL), at most NAME_MAX.
fn small_piece(archive: &dyn Archive, at: usize, len: usize) -> SysResult<alloc::vec::Vec<u8>> {
    if len > NAME_MAX || at.checked_add(len).is_none_or(|end| end > archive.len()) {
        return Err(Errno::EINVAL);
    }
    let mut v = vec![0u8; len];
    archive.read(at, &mut v);
    Ok(v)
}

/// Unpack `archive` under `root`. Returns the number of entries created.
pub fn unpack(root: &InodeRef, archive: &mut dyn Archive) -> SysResult<usize> {
    let mut at = 0;
    let mut count = 0;
    while at + HEADER_LEN <= archive.len() {
        let mut h = [0u8; HEADER_LEN];
        archive.read(at, &mut h);
        if &h[..6] != MAGIC {
            return Err(Errno::EINVAL);
        }
        let mode = hex_field(&h, 1)? as u32;
        let filesize = hex_field(&h, 6)?;
        let namesize = hex_field(&h, 11)?;
        let name_start = at + HEADER_LEN;
        let name = small_piece(archive, name_start, namesize.saturating_sub(1))?;
        let name = String::from_utf8(name).map_err(|_| Errno::EINVAL)?;
        let data_start = align4(name_start + namesize);
        let data_end = data_start.checked_add(filesize).filter(|&e| e <= archive.len()).ok_or(Errno::EINVAL)?;
        at = align4(data_end);
        if name == "TRAILER!!!" {
            break;
        }
        let name = name.trim_start_matches("./").trim_start_matches('/');
        if name.is_empty() || name == "." {
            archive.consumed(at.min(archive.len()));
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
                // A page at a time: the archive's pages behind it can go as soon as it moved on.
                let mut buf = [0u8; 4096];
                let mut done = 0;
                while done < filesize {
                    let n = (filesize - done).min(buf.len());
                    archive.read(data_start + done, &mut buf[..n]);
                    let mut put = 0;
                    while put < n {
                        put += f.write_at((done + put) as u64, &buf[put..n])?;
                    }
                    done += n;
                    archive.consumed(data_start + done);
                }
            }
            abi::flags::S_IFLNK => {
                let target = small_piece(archive, data_start, filesize)?;
                dir.symlink(&leaf, core::str::from_utf8(&target).map_err(|_| Errno::EINVAL)?)?;
            }
            _ => {
                log::warn!("initramfs: skipping special file {name}");
                archive.consumed(at.min(archive.len()));
                continue;
            }
        }
        archive.consumed(at.min(archive.len()));
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ramfs::RamDir;
    use alloc::vec::Vec;

    fn entry(out: &mut Vec<u8>, name: &str, mode: u32, data: &[u8]) {
        let fields = [0, mode, 0, 0, 1, 0, data.len() as u32, 0, 0, 0, 0, name.len() as u32 + 1, 0];
        out.extend_from_slice(MAGIC);
        for f in fields {
            out.extend_from_slice(alloc::format!("{f:08X}").as_bytes());
        }
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        out.resize(align4(out.len()), 0);
        out.extend_from_slice(data);
        out.resize(align4(out.len()), 0);
    }

    fn archive() -> Vec<u8> {
        let mut a = Vec::new();
        entry(&mut a, ".", 0o040755, b"");
        entry(&mut a, "bin", 0o040755, b"");
        entry(&mut a, "bin/big", 0o100755, &(0..20_000u32).map(|i| i as u8).collect::<Vec<u8>>());
        entry(&mut a, "bin/link", 0o120777, b"big");
        entry(&mut a, "TRAILER!!!", 0, b"");
        a
    }

    /// An archive that checks it is read front to back: never before what it was told is
    /// consumed, which only moves forward.
    struct Checked<'a> {
        bytes: &'a [u8],
        consumed: core::cell::Cell<usize>,
        reports: usize,
    }

    impl Archive for Checked<'_> {
        fn len(&self) -> usize {
            self.bytes.len()
        }
        fn read(&self, at: usize, buf: &mut [u8]) {
            assert!(at >= self.consumed.get(), "read at {at} after {} was consumed", self.consumed.get());
            buf.copy_from_slice(&self.bytes[at..at + buf.len()]);
        }
        fn consumed(&mut self, at: usize) {
            assert!(at >= self.consumed.get() && at <= self.bytes.len());
            self.consumed.set(at);
            self.reports += 1;
        }
    }

    #[test]
    fn an_archive_is_unpacked_front_to_back_and_given_back_as_it_goes() {
        let bytes = archive();
        let root: InodeRef = RamDir::new_root();
        let mut a = Checked { bytes: &bytes, consumed: core::cell::Cell::new(0), reports: 0 };
        assert_eq!(unpack(&root, &mut a), Ok(3));
        assert!(a.reports >= 5 + 3, "after each entry and each page of the file: {}", a.reports);
        let big = crate::path::lookup(&root, &root, "bin/link", true).unwrap();
        let mut buf = vec![0u8; 20_001];
        assert_eq!(big.read_at(0, &mut buf), Ok(20_000));
        assert!(buf[..20_000].iter().enumerate().all(|(i, &b)| b == i as u8));
    }

    #[test]
    fn a_damaged_archive_is_einval_never_a_panic() {
        let bytes = archive();
        for cut in [10, HEADER_LEN + 2, 300, bytes.len() - 200] {
            let root: InodeRef = RamDir::new_root();
            let r = unpack(&root, &mut &bytes[..cut]);
            assert!(matches!(r, Err(Errno::EINVAL) | Ok(_)), "cut at {cut}: {r:?}");
        }
        let mut bad = bytes.clone();
        bad[6 + 11 * 8..6 + 12 * 8].copy_from_slice(b"FFFFFFFF");
        assert_eq!(unpack(&(RamDir::new_root() as InodeRef), &mut &bad[..]), Err(Errno::EINVAL));
    }
}
