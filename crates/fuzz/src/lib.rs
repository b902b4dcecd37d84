//! A host fuzzer of BakaEx's syscall layer.
//!
//! Random syscalls with random arguments, in random sequences, from a pool of user threads
//! (forks and clones join it, exits leave it), through the dispatcher and through the trap
//! path (signal delivery, restarts, sigreturn). It fails on a kernel panic (overflow checks
//! and debug assertions are on), on a call that never comes back (a hang: the watchdog), on a
//! SIGKILLed thread whose call does not end (liveness), on an ERESTART code reaching user mode,
//! on a write outside the buffers a call names or a transfer returning more than asked
//! (`oracle`), on memory left behind by a world that was reset (a leak), and on an allocation
//! sized by user input (see `guard`). A failure prints the seed, the op
//! and the ops before it, and writes the ops since the last world reset to a replay file.
//!
//! Modules: `rng` (the seeded generator of numbers), `op` (one step and its text form), `gen`
//! (the next op), `world` (the processes, running ops), `oracle` (checks of a call's effect),
//! `known` (known bugs steered clear of), `run` (the loop, the log, failure reports), `guard`
//! (the limits the binary's allocator keeps).
#![forbid(unsafe_code)]

pub mod gen;
pub mod guard;
pub mod known;
pub mod op;
pub mod oracle;
pub mod rng;
pub mod run;
pub mod world;
