//! rust-nomain: the same body as rust-hello, entered through C `main` (`#![no_main]`), so std's
//! runtime start-up (which polls fds 0-2 with ppoll, installs stack-overflow handlers with
//! sigaltstack, reads /proc/self/maps) does not run. std itself (fs, io, time, collections,
//! env::args via glibc's .init_array hook) works the same.
#![no_main]

#[path = "../common.rs"]
mod common;

#[no_mangle]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    common::run()
}
