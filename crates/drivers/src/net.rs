//! virtio-net over the virtio-mmio transport (`-device virtio-net-device`), through the
//! `virtio-drivers` crate: Ethernet frames in and out, without the virtio-net header (the crate
//! adds and strips it).
//!
//! Receive buffers are posted to the device once at start and recycled after each frame is
//! copied out; a send waits for the device to take the frame (QEMU does so before the notifying
//! MMIO write returns). The device raises its interrupt line for every used buffer; the kernel
//! acknowledges it with [`VirtioNet::ack_interrupt`] and then drains [`VirtioNet::receive`].
use crate::virtio::VirtioHal;
use alloc::vec::Vec;
use virtio_drivers::device::net::VirtIONet;
use virtio_drivers::transport::mmio::MmioTransport;
use virtio_drivers::transport::DeviceType;

/// Receive (and transmit) queue entries.
const QUEUE_SIZE: usize = 64;
/// Bytes of one receive buffer: the virtio-net header and a full Ethernet frame (1514) with room.
const RX_BUF: usize = 2048;
/// The largest frame handed to the device (no VLAN tag, no jumbo frames).
pub const MAX_FRAME: usize = 1514;

/// A virtio network device.
pub struct VirtioNet {
    dev: VirtIONet<VirtioHal, MmioTransport<'static>, QUEUE_SIZE>,
}

// SAFETY: the device's registers and queues are owned by this value alone (the network stack
// keeps it behind its lock), so moving it to another hart is sound.
unsafe impl Send for VirtioNet {}

impl VirtioNet {
    /// The device at the virtio-mmio slot at physical `pa` (`size` bytes of registers), if that
    /// slot holds a network device. Empty slots and other devices give `None`.
    ///
    /// # Safety
    /// `[pa, pa + size)` must be a virtio-mmio register block (from the device tree) that
    /// nothing else drives, reachable through the physical-memory window.
    pub unsafe fn probe(pa: usize, size: usize) -> Option<VirtioNet> {
        // SAFETY: the caller's guarantee.
        let transport = unsafe { crate::virtio::transport_of(pa, size, DeviceType::Network) }?;
        match VirtIONet::new(transport, RX_BUF) {
            Ok(dev) => Some(VirtioNet { dev }),
            Err(e) => {
                log::warn!("virtio-net at {pa:#x}: {e}");
                None
            }
        }
    }

    pub fn mac(&self) -> [u8; 6] {
        self.dev.mac_address()
    }

    /// Acknowledge the device's interrupt (its line drops until the next used buffer).
    pub fn ack_interrupt(&mut self) {
        self.dev.ack_interrupt();
    }

    /// The next received frame, if one is there.
    pub fn receive(&mut self) -> Option<Vec<u8>> {
        let buf = self.dev.receive().ok()?;
        let frame = buf.packet().to_vec();
        if let Err(e) = self.dev.recycle_rx_buffer(buf) {
            log::error!("virtio-net: receive buffer lost: {e}");
        }
        Some(frame)
    }

    /// Send one frame; a frame the device refuses (or too long) is dropped, as a full NIC would.
    /// The interface's counters are kept above, by the network stack (`net::inet::link`).
    pub fn send(&mut self, frame: &[u8]) {
        if frame.len() > MAX_FRAME || !self.dev.can_send() {
            return;
        }
        let mut tx = self.dev.new_tx_buffer(frame.len());
        tx.packet_mut().copy_from_slice(frame);
        if let Err(e) = self.dev.send(tx) {
            log::warn!("virtio-net: send: {e}");
        }
    }
}
