//! The block-device interface and the registry of the machine's disks.
use abi::{Errno, SysResult};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use sync::Mutex;

/// Bytes per sector: the unit of every address and length below.
pub const SECTOR_SIZE: usize = 512;

/// A disk: an array of 512-byte sectors, read and written synchronously.
///
/// Buffers are whole sectors (`len % SECTOR_SIZE == 0`); a request past the end is `EINVAL`,
/// a device failure `EIO`, a write to a read-only device `EROFS`.
pub trait BlockDevice: Send {
    /// Size in sectors.
    fn sectors(&self) -> u64;
    /// Whether writes are refused.
    fn read_only(&self) -> bool {
        false
    }
    fn read(&mut self, sector: u64, buf: &mut [u8]) -> SysResult<()>;
    fn write(&mut self, sector: u64, buf: &[u8]) -> SysResult<()>;
    /// Make every completed write durable (virtio-blk FLUSH).
    fn flush(&mut self) -> SysResult<()>;
}

/// A disk shared between its registry entry and the file system that mounts it.
pub type SharedDevice = Arc<Mutex<dyn BlockDevice>>;

/// Check a request against the device size and the sector granularity.
pub fn check_request(sectors: u64, sector: u64, len: usize) -> SysResult<()> {
    if !len.is_multiple_of(SECTOR_SIZE) {
        return Err(Errno::EINVAL);
    }
    let count = (len / SECTOR_SIZE) as u64;
    match sector.checked_add(count) {
        Some(end) if end <= sectors => Ok(()),
        _ => Err(Errno::EINVAL),
    }
}

static DISKS: Mutex<Vec<(String, SharedDevice)>> = Mutex::new(Vec::new());

/// Register a disk under `name` (`vda`, ...): `/dev/<name>` in mount(2) and `root=`.
pub fn register(name: &str, dev: SharedDevice) {
    DISKS.lock().push((String::from(name), dev));
}

/// The disk registered as `name`; a leading `/dev/` is ignored.
pub fn get(name: &str) -> Option<SharedDevice> {
    let name = name.strip_prefix("/dev/").unwrap_or(name);
    DISKS.lock().iter().find(|(n, _)| n == name).map(|(_, d)| d.clone())
}

/// Names of all registered disks, in registration order.
pub fn names() -> Vec<String> {
    DISKS.lock().iter().map(|(n, _)| n.clone()).collect()
}

/// The name of the `index`-th virtio disk, as Linux names them: vda..vdz, vdaa, ...
pub fn virtio_disk_name(index: usize) -> String {
    let mut suffix = Vec::new();
    let mut i = index;
    loop {
        suffix.push(b'a' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    suffix.reverse();
    let mut name = String::from("vd");
    name.push_str(core::str::from_utf8(&suffix).unwrap_or("?"));
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::MemDisk;

    #[test]
    fn disks_are_named_like_linux_names_them() {
        assert_eq!(virtio_disk_name(0), "vda");
        assert_eq!(virtio_disk_name(25), "vdz");
        assert_eq!(virtio_disk_name(26), "vdaa");
        assert_eq!(virtio_disk_name(27), "vdab");
        assert_eq!(virtio_disk_name(26 + 26 * 26), "vdaaa");
    }

    #[test]
    fn requests_are_whole_sectors_inside_the_disk() {
        assert_eq!(check_request(8, 0, 4096), Ok(()));
        assert_eq!(check_request(8, 1, 4096), Err(Errno::EINVAL));
        assert_eq!(check_request(8, 0, 100), Err(Errno::EINVAL));
        assert_eq!(check_request(8, u64::MAX, 512), Err(Errno::EINVAL));
    }

    #[test]
    fn registered_disks_are_found_with_or_without_dev() {
        register("testdisk0", Arc::new(Mutex::new(MemDisk::new(alloc::vec![0; 1024]))));
        assert!(get("testdisk0").is_some());
        assert!(get("/dev/testdisk0").is_some());
        assert!(get("nodisk").is_none());
        assert!(names().iter().any(|n| n == "testdisk0"));
    }
}
