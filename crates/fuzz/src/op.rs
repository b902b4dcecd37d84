//! One step of a fuzz run, and its text form (the replay file holds one per line).
//!
//! ```text
//! spawn
//! call 7 d 56 ffffffffffffff9c 100c0000 241 1a4 0 0 poke 100c0000 2f746d702f663100
//! call 7 t 129 ...                     (t: through the trap path, with signal delivery)
//! trap 7 fault 30000000 w
//! input 03
//! reset
//! ```
use abi::Sysno;
use core::fmt;
use hal::context::{Access, Trap};

/// Bytes written into a process's memory before a call (a path, a struct, random data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Poke {
    pub addr: usize,
    pub bytes: Vec<u8>,
}

/// A trap other than a system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapKind {
    Timer,
    Fault { addr: usize, access: Access },
    Illegal,
    Breakpoint,
    Misaligned { addr: usize },
}

impl TrapKind {
    pub fn trap(self) -> Trap {
        match self {
            TrapKind::Timer => Trap::Timer,
            TrapKind::Fault { addr, access } => Trap::PageFault { addr, access },
            TrapKind::Illegal => Trap::IllegalInstruction,
            TrapKind::Breakpoint => Trap::Breakpoint,
            TrapKind::Misaligned { addr } => Trap::Misaligned { addr },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// A fresh process joins the pool.
    Spawn,
    /// Syscall `nr` by thread `tid`, directly through the dispatcher or (`trap`) through the
    /// whole trap path.
    Call { tid: usize, trap: bool, nr: usize, args: [usize; 6], pokes: Vec<Poke> },
    /// A trap of thread `tid` that is not a syscall.
    Trap { tid: usize, kind: TrapKind },
    /// Keyboard input for the console (^C, ^Z, ^\ signal the foreground group).
    Input(Vec<u8>),
    /// Kill everything and start a fresh world.
    Reset,
}

fn hex(b: &[u8]) -> String {
    if b.is_empty() {
        return "-".into();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s == "-" {
        return Some(Vec::new());
    }
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

impl Op {
    /// The line of the replay file.
    pub fn to_line(&self) -> String {
        match self {
            Op::Spawn => "spawn".into(),
            Op::Reset => "reset".into(),
            Op::Input(b) => format!("input {}", hex(b)),
            Op::Trap { tid, kind } => match kind {
                TrapKind::Timer => format!("trap {tid} timer"),
                TrapKind::Illegal => format!("trap {tid} illegal"),
                TrapKind::Breakpoint => format!("trap {tid} breakpoint"),
                TrapKind::Misaligned { addr } => format!("trap {tid} misaligned {addr:x}"),
                TrapKind::Fault { addr, access } => {
                    let a = match access {
                        Access::Read => "r",
                        Access::Write => "w",
                        Access::Execute => "x",
                    };
                    format!("trap {tid} fault {addr:x} {a}")
                }
            },
            Op::Call { tid, trap, nr, args, pokes } => {
                let mut s = format!("call {tid} {} {nr}", if *trap { "t" } else { "d" });
                for a in args {
                    s += &format!(" {a:x}");
                }
                for p in pokes {
                    s += &format!(" poke {:x} {}", p.addr, hex(&p.bytes));
                }
                s
            }
        }
    }

    /// Parse a line of a replay file (`None` for a malformed one).
    pub fn parse(line: &str) -> Option<Op> {
        let w: Vec<&str> = line.split_whitespace().collect();
        let num = |s: &str| usize::from_str_radix(s, 16).ok();
        let dec = |s: &str| s.parse::<usize>().ok();
        match *w.first()? {
            "spawn" => Some(Op::Spawn),
            "reset" => Some(Op::Reset),
            "input" => Some(Op::Input(unhex(w.get(1).copied().unwrap_or(""))?)),
            "trap" => {
                let tid = dec(w.get(1)?)?;
                let kind = match *w.get(2)? {
                    "timer" => TrapKind::Timer,
                    "illegal" => TrapKind::Illegal,
                    "breakpoint" => TrapKind::Breakpoint,
                    "misaligned" => TrapKind::Misaligned { addr: num(w.get(3)?)? },
                    "fault" => {
                        let access = match *w.get(4)? {
                            "r" => Access::Read,
                            "w" => Access::Write,
                            "x" => Access::Execute,
                            _ => return None,
                        };
                        TrapKind::Fault { addr: num(w.get(3)?)?, access }
                    }
                    _ => return None,
                };
                Some(Op::Trap { tid, kind })
            }
            "call" => {
                let tid = dec(w.get(1)?)?;
                let trap = match *w.get(2)? {
                    "t" => true,
                    "d" => false,
                    _ => return None,
                };
                let nr = dec(w.get(3)?)?;
                let mut args = [0; 6];
                for (i, a) in args.iter_mut().enumerate() {
                    *a = num(w.get(4 + i)?)?;
                }
                let mut pokes = Vec::new();
                let mut i = 10;
                while i < w.len() {
                    if w[i] != "poke" {
                        return None;
                    }
                    pokes.push(Poke { addr: num(w.get(i + 1)?)?, bytes: unhex(w.get(i + 2)?)? });
                    i += 3;
                }
                Some(Op::Call { tid, trap, nr, args, pokes })
            }
            _ => None,
        }
    }
}

/// A readable form: `[7] openat(-100, 0x100c0000 "/tmp/f1", 0x241, 0x1a4) via trap`.
impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Call { tid, trap, nr, args, pokes } => {
                let name = Sysno(*nr).name().map_or_else(|| format!("syscall_{nr}"), String::from);
                write!(f, "[{tid}] {name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    if (*a as isize) < 0 && (*a as isize) > -4096 {
                        write!(f, "{}", *a as isize)?;
                    } else {
                        write!(f, "{a:#x}")?;
                    }
                    if let Some(p) = pokes.iter().find(|p| p.addr == *a) {
                        let text = p.bytes.split(|&b| b == 0).next().unwrap_or(&[]);
                        if !text.is_empty() && text.len() < 80 && text.iter().all(|b| (0x20..0x7f).contains(b)) {
                            write!(f, " {:?}", String::from_utf8_lossy(text))?;
                        } else {
                            write!(f, " [{} bytes]", p.bytes.len())?;
                        }
                    }
                }
                write!(f, ")")?;
                if *trap {
                    write!(f, " via trap")?;
                }
                Ok(())
            }
            Op::Trap { tid, kind } => write!(f, "[{tid}] trap {kind:?}"),
            Op::Input(b) => write!(f, "console input {b:?}"),
            Op::Spawn => write!(f, "spawn a process"),
            Op::Reset => write!(f, "reset the world"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_survive_their_text_form() {
        let ops = [
            Op::Spawn,
            Op::Reset,
            Op::Input(vec![3, 0x1a]),
            Op::Trap { tid: 3, kind: TrapKind::Fault { addr: 0x1000, access: Access::Write } },
            Op::Trap { tid: 3, kind: TrapKind::Misaligned { addr: 7 } },
            Op::Trap { tid: 4, kind: TrapKind::Timer },
            Op::Call {
                tid: 9,
                trap: true,
                nr: 56,
                args: [usize::MAX, 0x1000_0000, 2, 0, 0, 7],
                pokes: vec![Poke { addr: 0x1000_0000, bytes: b"/tmp\0".to_vec() }, Poke { addr: 8, bytes: vec![] }],
            },
        ];
        for op in ops {
            assert_eq!(Op::parse(&op.to_line()), Some(op.clone()), "{}", op.to_line());
        }
        assert_eq!(Op::parse("call x"), None);
    }
}
