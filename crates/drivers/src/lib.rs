//! Device drivers.
//!
//! * [`block`]: the [`BlockDevice`] interface every disk implements (512-byte sectors, synchronous),
//!   and the registry of the machine's disks by name (`vda`, `vdb`, ...).
//! * [`mem`]: [`MemDisk`], a disk held in memory (host tests, RAM disks).
//! * [`cache`]: [`CachedDisk`], a small write-through cache of 4 KiB chunks in front of a disk.
//! * [`virtio`]: virtio-blk over the virtio-mmio transport, through the `virtio-drivers` crate.
//! * [`net`]: virtio-net over the same transport: Ethernet frames in and out.
//!
//! Disks use no interrupts: the kernel runs with interrupts off, so a request is submitted and
//! the used ring is polled until the device answers (QEMU completes a request before the
//! notifying MMIO write returns, so the poll loop rarely turns). virtio-net raises its interrupt
//! (through the PLIC, `hal::riscv64::plic`); the kernel acknowledges it and drains the frames.
#![no_std]

extern crate alloc;

pub mod block;
pub mod cache;
pub mod mem;
pub mod net;
pub mod virtio;

pub use block::{BlockDevice, SharedDevice, SECTOR_SIZE};
pub use cache::CachedDisk;
pub use mem::MemDisk;
