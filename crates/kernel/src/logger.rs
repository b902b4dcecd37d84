//! `log` output on the console: `[seconds.micros] LEVEL message`, time since power-on.
//! Once the heap exists the lines are also kept in the kernel log buffer that syslog(2)
//! (busybox dmesg) reads.
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};
use hal::console::Console;
use log::{LevelFilter, Log, Metadata, Record};

struct Logger;

static LOGGER: Logger = Logger;

/// Set once the heap is up: the kernel log buffer allocates.
static KEEP: AtomicBool = AtomicBool::new(false);

/// A line formatted on the stack (longer lines are cut), so logging never allocates.
struct Line {
    buf: [u8; 256],
    len: usize,
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

impl Log for Logger {
    fn enabled(&self, _: &Metadata) -> bool {
        true // the max level set in `init` filters already
    }
    fn log(&self, record: &Record) {
        let us = hal::time::now_ns() / 1000;
        let mut line = Line { buf: [0; 256], len: 0 };
        let _ = write!(line, "[{:>4}.{:06}] {:<5} {}", us / 1_000_000, us % 1_000_000, record.level(), record.args());
        if line.len == line.buf.len() {
            line.buf[line.len - 1] = b'\n';
        } else {
            line.buf[line.len] = b'\n';
            line.len += 1;
        }
        let _ = Console.write_str(core::str::from_utf8(&line.buf[..line.len]).unwrap_or("?\n"));
        if KEEP.load(Ordering::Relaxed) {
            syscalls::info::klog_write(&line.buf[..line.len]);
        }
    }
    fn flush(&self) {}
}

/// Install the logger (allocation-free; usable before the heap exists).
pub fn init(level: LevelFilter) {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}

/// From now on also keep log lines for syslog(2).
pub fn keep_in_memory() {
    KEEP.store(true, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_carry_the_time_and_level_and_long_ones_are_cut() {
        init(LevelFilter::Info);
        hal::console::take_output();
        let us = hal::time::now_ns() / 1000;
        log::info!("hello {}", 42);
        log::debug!("not shown at level info");
        log::warn!("{}", "x".repeat(400));
        let out = String::from_utf8(hal::console::take_output()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert_eq!(lines[0], format!("[{:>4}.{:06}] INFO  hello 42", us / 1_000_000, us % 1_000_000));
        assert!(lines[1].contains("] WARN  xxx"));
        assert_eq!(lines[1].len(), 255, "256 bytes with the newline");
    }
}
