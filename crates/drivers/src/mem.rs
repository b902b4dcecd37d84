//! A disk in memory.
use crate::block::{check_request, BlockDevice, SECTOR_SIZE};
use abi::{Errno, SysResult};
use alloc::sync::Arc;
use alloc::vec::Vec;
use sync::Mutex;

/// A disk whose sectors live in a byte vector, shared through an `Arc` so that a test can look
/// at the bytes after a file system that owns the disk has written them.
pub struct MemDisk {
    data: Arc<Mutex<Vec<u8>>>,
    read_only: bool,
    /// Requests served, for tests of caching.
    pub reads: u64,
    pub writes: u64,
    pub flushes: u64,
}

impl MemDisk {
    /// A disk holding `image` (its length is rounded down to whole sectors).
    pub fn new(mut image: Vec<u8>) -> MemDisk {
        image.truncate(image.len() / SECTOR_SIZE * SECTOR_SIZE);
        Self::shared(Arc::new(Mutex::new(image)))
    }

    /// A disk over bytes someone else also holds.
    pub fn shared(data: Arc<Mutex<Vec<u8>>>) -> MemDisk {
        MemDisk { data, read_only: false, reads: 0, writes: 0, flushes: 0 }
    }

    pub fn set_read_only(&mut self, ro: bool) {
        self.read_only = ro;
    }

    /// The bytes behind the disk.
    pub fn bytes(&self) -> Arc<Mutex<Vec<u8>>> {
        self.data.clone()
    }
}

impl BlockDevice for MemDisk {
    fn sectors(&self) -> u64 {
        (self.data.lock().len() / SECTOR_SIZE) as u64
    }
    fn read_only(&self) -> bool {
        self.read_only
    }
    fn read(&mut self, sector: u64, buf: &mut [u8]) -> SysResult<()> {
        check_request(self.sectors(), sector, buf.len())?;
        let start = sector as usize * SECTOR_SIZE;
        buf.copy_from_slice(&self.data.lock()[start..start + buf.len()]);
        self.reads += 1;
        Ok(())
    }
    fn write(&mut self, sector: u64, buf: &[u8]) -> SysResult<()> {
        if self.read_only {
            return Err(Errno::EROFS);
        }
        check_request(self.sectors(), sector, buf.len())?;
        let start = sector as usize * SECTOR_SIZE;
        self.data.lock()[start..start + buf.len()].copy_from_slice(buf);
        self.writes += 1;
        Ok(())
    }
    fn flush(&mut self) -> SysResult<()> {
        self.flushes += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn reads_what_was_written_and_checks_bounds() {
        let mut d = MemDisk::new(vec![0; 4 * SECTOR_SIZE + 7]);
        assert_eq!(d.sectors(), 4);
        d.write(1, &[7; SECTOR_SIZE]).unwrap();
        let mut buf = [0u8; 2 * SECTOR_SIZE];
        d.read(0, &mut buf).unwrap();
        assert!(buf[..SECTOR_SIZE].iter().all(|&b| b == 0));
        assert!(buf[SECTOR_SIZE..].iter().all(|&b| b == 7));
        assert_eq!(d.read(3, &mut buf), Err(Errno::EINVAL));
        assert_eq!(d.write(0, &[1; 10]), Err(Errno::EINVAL));
        d.set_read_only(true);
        assert_eq!(d.write(0, &[1; SECTOR_SIZE]), Err(Errno::EROFS));
    }
}
