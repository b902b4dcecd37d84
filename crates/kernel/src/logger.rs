//! `log` output on the console: `[seconds.micros] LEVEL message`, time since power-on.
use core::fmt::Write;
use hal::console::Console;
use log::{LevelFilter, Log, Metadata, Record};

struct Logger;

static LOGGER: Logger = Logger;

impl Log for Logger {
    fn enabled(&self, _: &Metadata) -> bool {
        true // the max level set in `init` filters already
    }
    fn log(&self, record: &Record) {
        let us = hal::time::now_ns() / 1000;
        let _ =
            writeln!(Console, "[{:>4}.{:06}] {:<5} {}", us / 1_000_000, us % 1_000_000, record.level(), record.args());
    }
    fn flush(&self) {}
}

/// Install the logger (allocation-free; usable before the heap exists).
pub fn init(level: LevelFilter) {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}
