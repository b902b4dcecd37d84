//! A small write-through cache of 4 KiB chunks in front of a disk.
//!
//! Reads are served from the cache where possible; runs of missing chunks are read from the disk
//! in one request each and kept. Writes go to the disk at once (so a crash or power-off never
//! loses an acknowledged write, and `flush` only has to flush the disk) and update the chunks they
//! cover. The least recently used chunk is dropped when the cache is full.
use crate::block::{check_request, BlockDevice, SECTOR_SIZE};
use abi::SysResult;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec;

/// Bytes per cached chunk (the ext4 block size we format with).
pub const CHUNK: usize = 4096;
const SECTORS_PER_CHUNK: u64 = (CHUNK / SECTOR_SIZE) as u64;

struct Entry {
    data: Box<[u8; CHUNK]>,
    stamp: u64,
}

/// `D` with a cache of up to `capacity` chunks.
pub struct CachedDisk<D: BlockDevice> {
    dev: D,
    capacity: usize,
    chunks: BTreeMap<u64, Entry>,
    /// stamp -> chunk, oldest first.
    lru: BTreeMap<u64, u64>,
    clock: u64,
    /// Chunks found in / missing from the cache (statistics).
    pub hits: u64,
    pub misses: u64,
}

impl<D: BlockDevice> CachedDisk<D> {
    pub fn new(dev: D, capacity: usize) -> Self {
        CachedDisk { dev, capacity, chunks: BTreeMap::new(), lru: BTreeMap::new(), clock: 0, hits: 0, misses: 0 }
    }

    pub fn inner(&self) -> &D {
        &self.dev
    }

    /// Chunks that lie wholly inside the disk (a partial last chunk is never cached).
    fn full_chunks(&self) -> u64 {
        self.dev.sectors() / SECTORS_PER_CHUNK
    }

    fn touch(&mut self, chunk: u64) {
        self.clock += 1;
        if let Some(e) = self.chunks.get_mut(&chunk) {
            self.lru.remove(&e.stamp);
            e.stamp = self.clock;
            self.lru.insert(self.clock, chunk);
        }
    }

    fn insert(&mut self, chunk: u64, bytes: &[u8]) {
        if self.capacity == 0 {
            return;
        }
        if let Some(e) = self.chunks.get_mut(&chunk) {
            e.data.copy_from_slice(bytes);
            self.touch(chunk);
            return;
        }
        if self.chunks.len() >= self.capacity {
            if let Some((_, old)) = self.lru.pop_first() {
                self.chunks.remove(&old);
            }
        }
        self.clock += 1;
        let mut data = Box::new([0u8; CHUNK]);
        data.copy_from_slice(bytes);
        self.chunks.insert(chunk, Entry { data, stamp: self.clock });
        self.lru.insert(self.clock, chunk);
    }

    /// Read `count` chunks starting at `first` (all missing) from the disk into the cache.
    fn fill(&mut self, first: u64, count: u64) -> SysResult<()> {
        let mut buf = vec![0u8; count as usize * CHUNK];
        self.dev.read(first * SECTORS_PER_CHUNK, &mut buf)?;
        for (i, bytes) in buf.chunks_exact(CHUNK).enumerate() {
            self.insert(first + i as u64, bytes);
        }
        Ok(())
    }
}

impl<D: BlockDevice> BlockDevice for CachedDisk<D> {
    fn sectors(&self) -> u64 {
        self.dev.sectors()
    }
    fn read_only(&self) -> bool {
        self.dev.read_only()
    }

    fn read(&mut self, sector: u64, buf: &mut [u8]) -> SysResult<()> {
        check_request(self.sectors(), sector, buf.len())?;
        let end = sector + (buf.len() / SECTOR_SIZE) as u64;
        let (first, last) = (sector / SECTORS_PER_CHUNK, (end - 1) / SECTORS_PER_CHUNK);
        if self.capacity == 0 || last >= self.full_chunks() || last - first >= self.capacity as u64 {
            return self.dev.read(sector, buf);
        }
        // Bring every chunk of the request in, reading each run of misses at once.
        let mut c = first;
        while c <= last {
            if self.chunks.contains_key(&c) {
                self.hits += 1;
                c += 1;
                continue;
            }
            let run_start = c;
            while c <= last && !self.chunks.contains_key(&c) {
                c += 1;
            }
            self.misses += c - run_start;
            self.fill(run_start, c - run_start)?;
        }
        for c in first..=last {
            self.touch(c);
            let chunk_start = c * SECTORS_PER_CHUNK;
            let from = sector.max(chunk_start);
            let to = end.min(chunk_start + SECTORS_PER_CHUNK);
            let src = ((from - chunk_start) as usize * SECTOR_SIZE, (to - chunk_start) as usize * SECTOR_SIZE);
            let dst = (from - sector) as usize * SECTOR_SIZE;
            let data = &self.chunks[&c].data;
            buf[dst..dst + src.1 - src.0].copy_from_slice(&data[src.0..src.1]);
        }
        Ok(())
    }

    fn write(&mut self, sector: u64, buf: &[u8]) -> SysResult<()> {
        self.dev.write(sector, buf)?;
        let end = sector + (buf.len() / SECTOR_SIZE) as u64;
        if buf.is_empty() {
            return Ok(());
        }
        for c in sector / SECTORS_PER_CHUNK..=(end - 1) / SECTORS_PER_CHUNK {
            let chunk_start = c * SECTORS_PER_CHUNK;
            let from = sector.max(chunk_start);
            let to = end.min(chunk_start + SECTORS_PER_CHUNK);
            let src = (from - sector) as usize * SECTOR_SIZE;
            let len = (to - from) as usize * SECTOR_SIZE;
            if let Some(e) = self.chunks.get_mut(&c) {
                let off = (from - chunk_start) as usize * SECTOR_SIZE;
                e.data[off..off + len].copy_from_slice(&buf[src..src + len]);
            } else if len == CHUNK && c < self.full_chunks() {
                self.insert(c, &buf[src..src + len]);
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> SysResult<()> {
        self.dev.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::MemDisk;
    use abi::Errno;
    use alloc::vec::Vec;

    fn disk(sectors: usize) -> MemDisk {
        MemDisk::new((0..sectors * SECTOR_SIZE).map(|i| (i / SECTOR_SIZE) as u8).collect())
    }

    #[test]
    fn second_read_of_the_same_chunks_does_not_reach_the_disk() {
        let mut c = CachedDisk::new(disk(64), 4);
        let mut buf = vec![0u8; 3 * SECTOR_SIZE];
        c.read(6, &mut buf).unwrap();
        assert_eq!((buf[0], buf[2 * SECTOR_SIZE]), (6, 8));
        assert_eq!(c.inner().reads, 1, "chunks 0 and 1 are one run: one request");
        c.read(5, &mut buf).unwrap();
        assert_eq!((buf[0], buf[2 * SECTOR_SIZE]), (5, 7));
        c.read(9, &mut buf).unwrap();
        assert_eq!(buf[0], 9);
        assert_eq!(c.inner().reads, 1);
        assert_eq!((c.hits, c.misses), (2, 2));
    }

    #[test]
    fn writes_go_through_and_update_cached_chunks() {
        let mut c = CachedDisk::new(disk(64), 4);
        let mut buf = vec![0u8; SECTOR_SIZE];
        c.read(9, &mut buf).unwrap();
        c.write(9, &[0xaa; SECTOR_SIZE]).unwrap();
        assert_eq!(c.inner().writes, 1);
        c.read(9, &mut buf).unwrap();
        assert!(buf.iter().all(|&b| b == 0xaa));
        assert_eq!(c.inner().reads, 1);
        let bytes = c.inner().bytes();
        assert_eq!(bytes.lock()[9 * SECTOR_SIZE], 0xaa, "the disk has it too");
    }

    #[test]
    fn the_least_recently_used_chunk_goes_first() {
        let mut c = CachedDisk::new(disk(64), 2);
        let mut buf = vec![0u8; SECTOR_SIZE];
        for s in [0, 8, 0, 16] {
            c.read(s, &mut buf).unwrap();
        }
        assert_eq!(c.inner().reads, 3);
        c.read(0, &mut buf).unwrap();
        assert_eq!(c.inner().reads, 3, "chunk 0 was used recently and stayed");
        c.read(8, &mut buf).unwrap();
        assert_eq!(c.inner().reads, 4, "chunk 1 was evicted");
    }

    #[test]
    fn a_partial_last_chunk_and_bad_requests_bypass_the_cache() {
        let mut c = CachedDisk::new(disk(20), 8);
        let mut buf = vec![0u8; SECTOR_SIZE];
        c.read(17, &mut buf).unwrap();
        assert_eq!(buf[0], 17);
        assert!(c.chunks.is_empty());
        assert_eq!(c.read(20, &mut buf), Err(Errno::EINVAL));
        let big: Vec<u8> = vec![1; 2 * CHUNK];
        c.write(0, &big).unwrap();
        assert_eq!(c.chunks.len(), 2, "whole chunks written are kept");
    }
}
