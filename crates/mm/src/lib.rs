//! Memory management.
//!
//! User memory is only ever touched through [`AddressSpace`]: it walks the process's own page
//! table in software, faults lazily-mapped pages in, checks the user permission bits, and copies
//! through the kernel's physical-memory window. So the kernel never dereferences a user address,
//! a bad pointer is `EFAULT` by construction, and the same code runs in host tests. A linked
//! application (unikernel mode) has an address space too, whose pointers are its own kernel
//! addresses: the same calls reach them directly (`linked`).
#![no_std]

extern crate alloc;
#[cfg(not(target_os = "none"))]
extern crate std;

pub mod aspace;
pub mod cache;
pub mod frame;
pub mod layout;
mod linked;
pub mod loader;
pub mod page_table;
mod pagemap;
pub mod user;

pub use aspace::{AddressSpace, Perm};
pub use frame::Frame;
pub use page_table::{PageTable, PteFlags};
pub use user::{UserCStr, UserPtr, UserSlice, UserSliceMut};
