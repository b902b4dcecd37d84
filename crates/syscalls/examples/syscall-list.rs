//! Print the syscall table, one row per line: number, name, flags. `scripts/syscall-coverage.sh`
//! reads it; it is also a quick way to see what the kernel implements:
//! `cargo run -q -p syscalls --example syscall-list`.
use syscalls::table::{flag, SYSCALLS};

fn main() {
    for row in SYSCALLS {
        let flags: Vec<&str> =
            [(flag::fast, "fast"), (flag::waits, "waits"), (flag::hex, "hex"), (flag::noreturn, "noreturn")]
                .iter()
                .filter(|(f, _)| row.has(*f))
                .map(|&(_, name)| name)
                .collect();
        println!("{} {} {}", row.no.0, row.name, flags.join(","));
    }
}
