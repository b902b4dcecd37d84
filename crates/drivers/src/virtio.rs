//! virtio-blk over the virtio-mmio transport (QEMU `virt` has eight virtio-mmio slots at
//! `0x1000_1000 + n * 0x1000`; `-device virtio-blk-device` fills one), through the
//! `virtio-drivers` crate.
//!
//! The crate asks its [`Hal`] for DMA memory and for the physical address of buffers it hands to
//! the device. DMA memory comes from the kernel heap, which is one physically contiguous range
//! reached through the physical-memory window, so `virt_to_phys` is its physical address. Buffers
//! may also lie in the kernel image (the request header and status byte live on the boot stack);
//! the image is mapped linearly too, at the offset the kernel gives [`set_kernel_image`].
//!
//! Requests are polled: no interrupt is configured (see the crate documentation).
use crate::block::{check_request, BlockDevice, SECTOR_SIZE};
use abi::{Errno, SysResult};
use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};
use hal::mem::{phys_to_virt, virt_to_phys, PAGE_SIZE};
use virtio_drivers::device::blk::VirtIOBlk;
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::{DeviceType, Transport};
use virtio_drivers::{BufferDirection, Hal, PhysAddr};

/// Start of the kernel image's virtual range and (virtual - physical) inside it; 0 = none.
static IMAGE_START: AtomicUsize = AtomicUsize::new(0);
static IMAGE_OFFSET: AtomicUsize = AtomicUsize::new(0);

/// Tell the driver where the kernel image is mapped: virtual addresses from `start` up are
/// `offset` above their physical addresses. Call before probing.
pub fn set_kernel_image(start: usize, offset: usize) {
    IMAGE_OFFSET.store(offset, Ordering::Relaxed);
    IMAGE_START.store(start, Ordering::Relaxed);
}

/// Physical address of a kernel pointer: in the kernel image, or in the physical window.
pub fn kernel_virt_to_phys(va: usize) -> usize {
    let start = IMAGE_START.load(Ordering::Relaxed);
    if start != 0 && va >= start {
        va - IMAGE_OFFSET.load(Ordering::Relaxed)
    } else {
        virt_to_phys(va)
    }
}

fn dma_layout(pages: usize) -> Layout {
    Layout::from_size_align(pages.max(1) * PAGE_SIZE, PAGE_SIZE).expect("DMA layout")
}

/// The memory and address services virtio-drivers needs.
pub struct VirtioHal;

// SAFETY: dma_alloc returns zeroed, page-aligned heap memory owned by the caller until
// dma_dealloc; the heap is physically contiguous, so the pages are too. mmio_phys_to_virt and
// share translate through mappings that cover all RAM and MMIO (window) and the kernel image.
unsafe impl Hal for VirtioHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc_zeroed(dma_layout(pages)) };
        let ptr = NonNull::new(ptr).expect("virtio: out of memory for DMA");
        (virt_to_phys(ptr.as_ptr() as usize) as PhysAddr, ptr)
    }

    unsafe fn dma_dealloc(_paddr: PhysAddr, vaddr: NonNull<u8>, pages: usize) -> i32 {
        // SAFETY: the caller passes back what dma_alloc returned, with the same page count.
        unsafe { dealloc(vaddr.as_ptr(), dma_layout(pages)) };
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, _size: usize) -> NonNull<u8> {
        NonNull::new(phys_to_virt(paddr as usize)).expect("MMIO address")
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> PhysAddr {
        kernel_virt_to_phys(buffer.as_ptr() as *mut u8 as usize) as PhysAddr
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _direction: BufferDirection) {}
}

/// Longest single request (bytes): bigger transfers are split.
const MAX_REQUEST: usize = 64 * 1024;

/// A virtio block device.
pub struct VirtioBlk {
    dev: VirtIOBlk<VirtioHal, MmioTransport<'static>>,
}

// SAFETY: the device's registers and queues are owned by this value alone (the registry wraps it
// in a lock), so moving it to another hart is sound.
unsafe impl Send for VirtioBlk {}

impl VirtioBlk {
    /// The device at the virtio-mmio slot at physical `pa` (`size` bytes of registers), if that
    /// slot holds a block device. Empty slots (device id 0) and other devices give `None`.
    ///
    /// # Safety
    /// `[pa, pa + size)` must be a virtio-mmio register block (from the device tree) that
    /// nothing else drives, reachable through the physical-memory window.
    pub unsafe fn probe(pa: usize, size: usize) -> Option<VirtioBlk> {
        // SAFETY: the caller's guarantee.
        let transport = unsafe { transport_of(pa, size, DeviceType::Block) }?;
        match VirtIOBlk::new(transport) {
            Ok(dev) => Some(VirtioBlk { dev }),
            Err(e) => {
                log::warn!("virtio-blk at {pa:#x}: {e}");
                None
            }
        }
    }
}

impl BlockDevice for VirtioBlk {
    fn sectors(&self) -> u64 {
        self.dev.capacity()
    }
    fn read_only(&self) -> bool {
        self.dev.readonly()
    }
    fn read(&mut self, sector: u64, buf: &mut [u8]) -> SysResult<()> {
        check_request(self.sectors(), sector, buf.len())?;
        for (i, part) in buf.chunks_mut(MAX_REQUEST).enumerate() {
            let s = sector + (i * MAX_REQUEST / SECTOR_SIZE) as u64;
            self.dev.read_blocks(s as usize, part).map_err(|e| {
                log::error!("virtio-blk: read of sector {s}: {e}");
                Errno::EIO
            })?;
        }
        Ok(())
    }
    fn write(&mut self, sector: u64, buf: &[u8]) -> SysResult<()> {
        if self.read_only() {
            return Err(Errno::EROFS);
        }
        check_request(self.sectors(), sector, buf.len())?;
        for (i, part) in buf.chunks(MAX_REQUEST).enumerate() {
            let s = sector + (i * MAX_REQUEST / SECTOR_SIZE) as u64;
            self.dev.write_blocks(s as usize, part).map_err(|e| {
                log::error!("virtio-blk: write of sector {s}: {e}");
                Errno::EIO
            })?;
        }
        Ok(())
    }
    fn flush(&mut self) -> SysResult<()> {
        self.dev.flush().map_err(|e| {
            log::error!("virtio-blk: flush: {e}");
            Errno::EIO
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dma_memory_is_zeroed_page_aligned_and_its_own_physical_address_on_the_host() {
        let (pa, va) = VirtioHal::dma_alloc(2, BufferDirection::Both);
        assert_eq!(va.as_ptr() as usize % PAGE_SIZE, 0);
        assert_eq!(pa as usize, va.as_ptr() as usize);
        // SAFETY: two pages were just allocated at `va`.
        let bytes = unsafe { core::slice::from_raw_parts(va.as_ptr(), 2 * PAGE_SIZE) };
        assert!(bytes.iter().all(|&b| b == 0));
        // SAFETY: returned as allocated.
        assert_eq!(unsafe { VirtioHal::dma_dealloc(pa, va, 2) }, 0);
    }

    #[test]
    fn image_addresses_translate_with_the_image_offset() {
        // Host: no image registered, the window is the identity.
        assert_eq!(kernel_virt_to_phys(0x1234), 0x1234);
    }
}

/// The transport of the virtio-mmio slot at `pa` if it holds a `ty` device.
///
/// # Safety
/// `pa` is a virtio-mmio register block of `size` bytes from the device tree, mapped by the
/// physical window, and no driver owns it yet, or it holds no `ty` device.
pub(crate) unsafe fn transport_of(pa: usize, size: usize, ty: DeviceType) -> Option<MmioTransport<'static>> {
    let header = NonNull::new(phys_to_virt(pa) as *mut VirtIOHeader)?;
    // SAFETY: the caller's guarantee; only read here unless it is a `ty` device.
    let transport = match unsafe { MmioTransport::new(header, size) } {
        Ok(t) => t,
        Err(e) => {
            log::trace!("virtio-mmio at {pa:#x}: {e}");
            return None;
        }
    };
    if transport.device_type() != ty {
        log::debug!("virtio-mmio at {pa:#x}: {:?}, not {ty:?}", transport.device_type());
        // Dropping a transport resets its device (virtio-drivers' Drop writes status 0), and
        // this slot may be another driver's. It holds no memory: forgetting leaks nothing.
        core::mem::forget(transport);
        return None;
    }
    Some(transport)
}
