//! The machine's disks as block-special files: `/dev/vda`, `/dev/vdb`, ... (major 254, minor 16
//! per disk, as Linux numbers virtio-blk disks). A [`DiskNode`] is the driver devfs hands a disk
//! node's I/O to (`fs::dev::register_block_device`); it reads and writes the registered
//! `drivers` disk (behind its block cache) at any byte offset and length, a partial sector by
//! reading it first.
//!
//! As Linux: a read at or past the end gives 0 bytes and one running into it is cut there; a
//! write at or past the end is ENOSPC and one running into it is cut; a read-only disk refuses
//! writes (EPERM). A disk that has a file system mounted refuses writes (EBUSY), as Linux does
//! with CONFIG_BLK_DEV_WRITE_MOUNTED off: the file system's own caches would not see them.
use abi::structs::Stat;
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use alloc::vec;
use drivers::{SharedDevice, SECTOR_SIZE};
use fs::{BlockInfo, FileKind, Inode};

/// virtio-blk's major number on Linux (the first dynamic block major).
pub const VIRTIO_BLK_MAJOR: u32 = 254;
/// Minor numbers per disk (its partitions would take the ones between).
pub const MINORS_PER_DISK: u32 = 16;

/// At most this much is read or written in one request to the disk.
const MAX_REQUEST: usize = 64 * 1024;

/// A disk as a file: byte-addressed I/O on its sectors.
pub struct DiskNode {
    disk: SharedDevice,
    ino: u64,
    rdev: u64,
    /// Whether writes must be refused because a file system has the disk mounted.
    mounted: fn(&SharedDevice) -> bool,
}

impl DiskNode {
    /// The node of `disk`, device `254:minor`; `mounted` tells whether a file system uses it.
    pub fn new(disk: SharedDevice, minor: u32, mounted: fn(&SharedDevice) -> bool) -> Arc<DiskNode> {
        Arc::new(DiskNode {
            disk,
            ino: fs::meta::next_ino(),
            rdev: fs::meta::make_dev(VIRTIO_BLK_MAJOR, minor),
            mounted,
        })
    }

    fn size(&self) -> u64 {
        self.disk.lock().sectors().saturating_mul(SECTOR_SIZE as u64)
    }
}

/// The sectors a piece of `len` bytes at byte `pos` touches: (first sector, offset in it, bytes
/// of whole sectors to transfer).
fn span(pos: u64, len: usize) -> (u64, usize, usize) {
    let skip = (pos % SECTOR_SIZE as u64) as usize;
    (pos / SECTOR_SIZE as u64, skip, (skip + len).div_ceil(SECTOR_SIZE) * SECTOR_SIZE)
}

impl Inode for DiskNode {
    fn kind(&self) -> FileKind {
        FileKind::BlockDevice
    }
    fn stat(&self) -> Stat {
        Stat {
            st_dev: 5,
            st_ino: self.ino,
            st_mode: FileKind::BlockDevice.mode_bits() | 0o660,
            st_nlink: 1,
            st_rdev: self.rdev,
            st_blksize: 4096,
            ..Stat::default()
        }
    }
    fn seekable(&self) -> bool {
        true
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        let size = self.size();
        if offset >= size || buf.is_empty() {
            return Ok(0);
        }
        let len = buf.len().min((size - offset).min(usize::MAX as u64) as usize);
        let mut done = 0;
        while done < len {
            let pos = offset + done as u64;
            let (sector, skip, _) = span(pos, 0);
            let piece = (len - done).min(MAX_REQUEST - skip);
            let result = if skip == 0 && piece.is_multiple_of(SECTOR_SIZE) {
                self.disk.lock().read(sector, &mut buf[done..done + piece])
            } else {
                let mut bounce = vec![0u8; span(pos, piece).2];
                let r = self.disk.lock().read(sector, &mut bounce);
                r.map(|()| buf[done..done + piece].copy_from_slice(&bounce[skip..skip + piece]))
            };
            if let Err(e) = result {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
            done += piece;
        }
        Ok(done)
    }
    fn write_at(&self, offset: u64, buf: &[u8]) -> SysResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.disk.lock().read_only() {
            return Err(Errno::EPERM);
        }
        if (self.mounted)(&self.disk) {
            return Err(Errno::EBUSY);
        }
        let size = self.size();
        if offset >= size {
            return Err(Errno::ENOSPC);
        }
        let len = buf.len().min((size - offset).min(usize::MAX as u64) as usize);
        let mut done = 0;
        while done < len {
            let pos = offset + done as u64;
            let (sector, skip, _) = span(pos, 0);
            let piece = (len - done).min(MAX_REQUEST - skip);
            let result = if skip == 0 && piece.is_multiple_of(SECTOR_SIZE) {
                self.disk.lock().write(sector, &buf[done..done + piece])
            } else {
                // A partial sector at either end: read the sectors, change the bytes, write back
                // (under one lock, so that no other write comes in between).
                let mut bounce = vec![0u8; span(pos, piece).2];
                let mut disk = self.disk.lock();
                disk.read(sector, &mut bounce).and_then(|()| {
                    bounce[skip..skip + piece].copy_from_slice(&buf[done..done + piece]);
                    disk.write(sector, &bounce)
                })
            };
            if let Err(e) = result {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
            done += piece;
        }
        Ok(done)
    }
    fn fsync(&self) -> SysResult<()> {
        self.disk.lock().flush()
    }
    fn block_info(&self) -> Option<BlockInfo> {
        let (sectors, read_only) = {
            let d = self.disk.lock();
            (d.sectors(), d.read_only())
        };
        let size = sectors.saturating_mul(SECTOR_SIZE as u64);
        // The largest power of two up to a page that divides the size (Linux's initial block
        // size of a device).
        let mut block_size = SECTOR_SIZE as u32;
        while block_size < 4096 && size.is_multiple_of(2 * block_size as u64) {
            block_size *= 2;
        }
        Some(BlockInfo { size, sector_size: SECTOR_SIZE as u32, block_size, read_only })
    }
}

/// Make the registered disk `name` (the `index`-th one) a block device of devfs: `/dev/<name>`,
/// device `254:16*index`, in every devfs instance made from now on.
pub fn register(name: &str, index: u32, disk: SharedDevice) {
    let minor = index * MINORS_PER_DISK;
    let node = DiskNode::new(disk, minor, ext4fs::is_mounted);
    fs::dev::register_block_device(name, VIRTIO_BLK_MAJOR, minor, node);
}

#[cfg(test)]
mod tests {
    use super::*;
    use drivers::{CachedDisk, MemDisk};
    use sync::Mutex;

    fn not_mounted(_: &SharedDevice) -> bool {
        false
    }

    /// A disk of `sectors` sectors whose byte i is (i % 251), behind a block cache.
    fn disk(sectors: usize) -> (Arc<DiskNode>, Arc<Mutex<alloc::vec::Vec<u8>>>) {
        let mem = MemDisk::new((0..sectors * SECTOR_SIZE).map(|i| (i % 251) as u8).collect());
        let bytes = mem.bytes();
        let dev: SharedDevice = Arc::new(Mutex::new(CachedDisk::new(mem, 4)));
        (DiskNode::new(dev, 16, not_mounted), bytes)
    }

    #[test]
    fn reads_any_offset_and_length_and_stops_at_the_end() {
        let (d, _) = disk(64);
        let size = 64 * SECTOR_SIZE as u64;
        let mut buf = vec![0u8; 1000];
        assert_eq!(d.read_at(700, &mut buf), Ok(1000));
        assert!(buf.iter().enumerate().all(|(i, &b)| b == ((700 + i) % 251) as u8));
        assert_eq!(d.read_at(size - 10, &mut buf), Ok(10), "cut at the end");
        assert_eq!(buf[9], ((size - 1) % 251) as u8);
        assert_eq!(d.read_at(size, &mut buf), Ok(0));
        assert_eq!(d.read_at(u64::MAX, &mut buf), Ok(0));
        let mut all = vec![0u8; 200_000];
        assert_eq!(d.read_at(3, &mut all), Ok(size as usize - 3), "more than one request");
        assert!(all[..size as usize - 3].iter().enumerate().all(|(i, &b)| b == ((3 + i) % 251) as u8));
    }

    #[test]
    fn writes_partial_sectors_and_keeps_the_bytes_around_them() {
        let (d, bytes) = disk(512);
        assert_eq!(d.write_at(510, &[0xee; 5]), Ok(5));
        let mut buf = [0u8; 9];
        assert_eq!(d.read_at(508, &mut buf), Ok(9));
        let b = |i: usize| (i % 251) as u8;
        assert_eq!(buf, [b(508), b(509), 0xee, 0xee, 0xee, 0xee, 0xee, b(515), b(516)]);
        assert_eq!(bytes.lock()[512], 0xee, "on the disk");
        let big = vec![7u8; 100_000];
        assert_eq!(d.write_at(1, &big), Ok(100_000));
        assert_eq!(bytes.lock()[0], 0);
        assert!(bytes.lock()[1..100_001].iter().all(|&b| b == 7));
        assert_eq!(bytes.lock()[100_001], (100_001 % 251) as u8);
    }

    #[test]
    fn writes_past_the_end_are_enospc_and_into_it_are_cut() {
        let (d, _) = disk(8);
        let size = 8 * SECTOR_SIZE as u64;
        assert_eq!(d.write_at(size - 3, &[1; 10]), Ok(3));
        assert_eq!(d.write_at(size, &[1; 10]), Err(Errno::ENOSPC));
        assert_eq!(d.write_at(u64::MAX, &[1; 10]), Err(Errno::ENOSPC));
        assert_eq!(d.write_at(size, &[]), Ok(0));
    }

    #[test]
    fn read_only_and_mounted_disks_refuse_writes() {
        let mut mem = MemDisk::new(vec![0; 8 * SECTOR_SIZE]);
        mem.set_read_only(true);
        let ro = DiskNode::new(Arc::new(Mutex::new(mem)), 0, not_mounted);
        assert_eq!(ro.write_at(0, &[1]), Err(Errno::EPERM));
        assert!(ro.block_info().unwrap().read_only);
        let busy = DiskNode::new(Arc::new(Mutex::new(MemDisk::new(vec![0; 8 * SECTOR_SIZE]))), 0, |_| true);
        assert_eq!(busy.write_at(0, &[1]), Err(Errno::EBUSY));
        let mut b = [9u8; 4];
        assert_eq!(busy.read_at(0, &mut b), Ok(4), "reading is fine");
    }

    #[test]
    fn geometry_and_identity() {
        let (d, _) = disk(64);
        assert_eq!(
            d.block_info(),
            Some(BlockInfo { size: 64 * 512, sector_size: 512, block_size: 4096, read_only: false })
        );
        let (odd, _) = disk(3);
        assert_eq!(odd.block_info().unwrap().block_size, 512);
        let (six, _) = disk(6);
        assert_eq!(six.block_info().unwrap().block_size, 1024);
        let st = d.stat();
        assert_eq!(st.st_mode, abi::flags::S_IFBLK | 0o660);
        assert_eq!(st.st_rdev, fs::meta::make_dev(254, 16));
        assert!(d.seekable());
        assert_eq!(d.fsync(), Ok(()));
    }
}
