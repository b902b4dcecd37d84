//! The console: bytes out, bytes in.
//!
//! On the machine this is the SBI console (legacy putchar/getchar). On the host each test thread
//! has its own captured output and scripted input, so tests can assert exactly what a program wrote.

#[cfg(target_os = "none")]
mod imp {
    pub fn write_bytes(bytes: &[u8]) {
        for &b in bytes {
            crate::riscv64::sbi::console_putchar(b);
        }
    }
    pub fn read_byte() -> Option<u8> {
        crate::riscv64::sbi::console_getchar()
    }
}

#[cfg(not(target_os = "none"))]
mod imp {
    use core::cell::RefCell;
    use std::collections::VecDeque;
    use std::vec::Vec;

    std::thread_local! {
        static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        static IN: RefCell<VecDeque<u8>> = const { RefCell::new(VecDeque::new()) };
    }

    pub fn write_bytes(bytes: &[u8]) {
        OUT.with(|o| o.borrow_mut().extend_from_slice(bytes));
    }
    pub fn read_byte() -> Option<u8> {
        IN.with(|i| i.borrow_mut().pop_front())
    }
    /// Everything written to the console by this thread so far; clears the capture.
    pub fn take_output() -> Vec<u8> {
        OUT.with(|o| core::mem::take(&mut *o.borrow_mut()))
    }
    /// Queue bytes to be read from the console by this thread.
    pub fn push_input(bytes: &[u8]) {
        IN.with(|i| i.borrow_mut().extend(bytes.iter().copied()));
    }
}

pub use imp::*;

/// A `core::fmt::Write` sink for the console (used by the logger and panic messages).
pub struct Console;

impl core::fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        write_bytes(s.as_bytes());
        Ok(())
    }
}
