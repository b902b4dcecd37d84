//! Terminals: the termios settings and the line discipline between typed bytes and read(2).
//!
//! A device (the console) feeds each typed byte to [`Tty::receive`], which edits the current
//! line in canonical mode (erase, kill, end of file) and says what to echo; [`Tty::read`] hands
//! out completed lines, or any typed bytes in non-canonical mode. Programs switch modes with
//! TCSETS: a shell's line editor turns off ICANON and ECHO and does its own editing, so the
//! discipline must honour both flags or every key would appear twice.
//!
//! With ISIG, ^C, ^\ and ^Z drop the line being typed and send SIGINT, SIGQUIT, SIGTSTP to the
//! foreground process group through the hook the kernel registers ([`set_signal_hook`]).
//! Not modelled yet: VMIN > 1 and VTIME (non-canonical reads return as soon as one byte is
//! there), and output processing (OPOST/ONLCR: output goes to the device unchanged).
use abi::structs::{Termios, Winsize};
use abi::{Errno, SysResult};
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use sync::Mutex;

// c_iflag bits.
pub const IGNCR: u32 = 0o200;
pub const ICRNL: u32 = 0o400;
pub const INLCR: u32 = 0o100;
pub const IXON: u32 = 0o2000;
// c_oflag bits.
pub const OPOST: u32 = 0o1;
pub const ONLCR: u32 = 0o4;
// c_cflag bits.
pub const B38400: u32 = 0o17;
pub const CS8: u32 = 0o60;
pub const CREAD: u32 = 0o200;
// c_lflag bits.
pub const ISIG: u32 = 0o1;
pub const ICANON: u32 = 0o2;
pub const ECHO: u32 = 0o10;
/// c_lflag: a background job's writes stop it with SIGTTOU.
pub const TOSTOP: u32 = 0o400;
pub const ECHOE: u32 = 0o20;
pub const ECHOK: u32 = 0o40;
pub const ECHONL: u32 = 0o100;
pub const NOFLSH: u32 = 0o200;
pub const ECHOCTL: u32 = 0o1000;
pub const ECHOKE: u32 = 0o4000;
pub const IEXTEN: u32 = 0o100000;
// c_cc indices.
pub const VINTR: usize = 0;
pub const VQUIT: usize = 1;
pub const VERASE: usize = 2;
pub const VKILL: usize = 3;
pub const VEOF: usize = 4;
pub const VTIME: usize = 5;
pub const VMIN: usize = 6;
pub const VSTART: usize = 8;
pub const VSTOP: usize = 9;
pub const VSUSP: usize = 10;
pub const VEOL: usize = 11;
pub const VREPRINT: usize = 12;
pub const VDISCARD: usize = 13;
pub const VWERASE: usize = 14;
pub const VLNEXT: usize = 15;
pub const VEOL2: usize = 16;

/// Typed input kept for readers, at most (Linux's N_TTY_BUF_SIZE); more is dropped.
const INPUT_MAX: usize = 4096;

/// The settings Linux gives a console at boot (tty_std_termios, without HUPCL).
pub fn default_termios() -> Termios {
    let mut c_cc = [0u8; 19];
    for (i, v) in [
        (VINTR, 3),
        (VQUIT, 28),
        (VERASE, 127),
        (VKILL, 21),
        (VEOF, 4),
        (VTIME, 0),
        (VMIN, 1),
        (VSTART, 17),
        (VSTOP, 19),
        (VSUSP, 26),
        (VREPRINT, 18),
        (VDISCARD, 15),
        (VWERASE, 23),
        (VLNEXT, 22),
    ] {
        c_cc[i] = v;
    }
    Termios {
        c_iflag: ICRNL | IXON,
        c_oflag: OPOST | ONLCR,
        c_cflag: B38400 | CS8 | CREAD,
        c_lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
        c_line: 0,
        c_cc,
    }
}

/// Signals the ISIG characters send (signal(7) numbers).
const SIGINT: usize = 2;
const SIGQUIT: usize = 3;
const SIGTSTP: usize = 20;

/// What a typed ^C, ^\ or ^Z does: send the signal to the terminal's foreground process group
/// (set by TIOCSPGRP; nothing happens without one). Processes live above this crate, so the
/// kernel registers the sender at boot (`task::signal::send_to_group`).
static SIGNAL_HOOK: sync::Once<fn(i32, usize)> = sync::Once::new();

/// Register the function that signals a process group (once; later calls are ignored).
pub fn set_signal_hook(hook: fn(pgrp: i32, sig: usize)) {
    SIGNAL_HOOK.call_once(|| hook);
}

pub struct Tty {
    state: Mutex<State>,
}

struct State {
    termios: Termios,
    winsize: Winsize,
    /// Foreground process group set by TIOCSPGRP.
    pgrp: Option<i32>,
    /// The session whose controlling terminal this is (TIOCSCTTY, or the first TIOCSPGRP).
    session: Option<i32>,
    /// The line being typed (canonical mode), or typed bytes not yet read (non-canonical).
    edit: Vec<u8>,
    /// Completed lines with their terminator; an empty one is an end of file (VEOF typed at
    /// the start of a line), which makes one read return 0.
    lines: VecDeque<Vec<u8>>,
}

impl State {
    fn cc(&self, i: usize) -> Option<u8> {
        // A control character of 0 (_POSIX_VDISABLE) is switched off.
        Some(self.termios.c_cc[i]).filter(|&c| c != 0)
    }
    fn lflag(&self, f: u32) -> bool {
        self.termios.c_lflag & f != 0
    }
    fn buffered(&self) -> usize {
        self.edit.len() + self.lines.iter().map(Vec::len).sum::<usize>()
    }
    /// Echo `b` as typed: control characters as ^X with ECHOCTL (tab and newline as themselves).
    fn echo_char(&self, b: u8, out: &mut Vec<u8>) {
        if self.lflag(ECHOCTL) && (b < 0x20 || b == 0x7f) && b != b'\t' && b != b'\n' {
            out.extend_from_slice(&[b'^', b ^ 0x40]);
        } else {
            out.push(b);
        }
    }
    /// Rub out the last character of the line on the screen.
    fn erase_one(&mut self, out: &mut Vec<u8>) {
        if let Some(c) = self.edit.pop() {
            if self.lflag(ECHO) && self.lflag(ECHOE) {
                let width = if self.lflag(ECHOCTL) && (c < 0x20 || c == 0x7f) && c != b'\t' { 2 } else { 1 };
                for _ in 0..width {
                    out.extend_from_slice(b"\x08 \x08");
                }
            }
        }
    }
}

impl Default for Tty {
    fn default() -> Self {
        Self::new()
    }
}

impl Tty {
    pub fn new() -> Tty {
        Tty {
            state: Mutex::new(State {
                termios: default_termios(),
                winsize: Winsize { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 },
                pgrp: None,
                session: None,
                edit: Vec::new(),
                lines: VecDeque::new(),
            }),
        }
    }

    pub fn termios(&self) -> Termios {
        self.state.lock().termios
    }

    /// TCSETS. Leaving canonical mode makes the half-typed line readable at once, as on Linux.
    /// Entering it turns bytes typed ahead in raw mode (a shell's line editor hands the
    /// terminal back to a command that reads lines) into lines, the last one readable even
    /// without its newline, as Linux "pushes" them.
    pub fn set_termios(&self, t: Termios) {
        let mut s = self.state.lock();
        let was_canonical = s.lflag(ICANON);
        s.termios = t;
        if !was_canonical && s.lflag(ICANON) && !s.edit.is_empty() {
            let typed = core::mem::take(&mut s.edit);
            for line in typed.split_inclusive(|&b| b == b'\n') {
                s.lines.push_back(line.to_vec());
            }
        }
    }

    /// Discard typed input not yet read (TCSETSF, TCFLSH).
    pub fn flush_input(&self) {
        let mut s = self.state.lock();
        s.edit.clear();
        s.lines.clear();
    }

    pub fn winsize(&self) -> Winsize {
        self.state.lock().winsize
    }

    pub fn set_winsize(&self, w: Winsize) {
        self.state.lock().winsize = w;
    }

    /// The foreground process group, if one was set.
    pub fn pgrp(&self) -> Option<i32> {
        self.state.lock().pgrp
    }

    pub fn set_pgrp(&self, pgrp: i32) {
        self.state.lock().pgrp = Some(pgrp);
    }

    /// The session it is the controlling terminal of, if any.
    pub fn session(&self) -> Option<i32> {
        self.state.lock().session
    }

    /// Become the controlling terminal of session `sid` with `pgrp` in the foreground, or of
    /// no session (`None`: the session leader ended or gave it up; the foreground goes too).
    pub fn set_session(&self, sid: Option<i32>, pgrp: Option<i32>) {
        let mut s = self.state.lock();
        s.session = sid;
        s.pgrp = pgrp;
    }

    /// Whether a background job's writes stop it (TOSTOP).
    pub fn stops_background_writes(&self) -> bool {
        self.state.lock().lflag(TOSTOP)
    }

    /// Whether a read would return without waiting.
    pub fn readable(&self) -> bool {
        let s = self.state.lock();
        !s.lines.is_empty() || (!s.lflag(ICANON) && (!s.edit.is_empty() || s.cc(VMIN).is_none()))
    }

    /// Take one typed byte through the line discipline; what the terminal should show in
    /// response is appended to `echo`.
    pub fn receive(&self, byte: u8, echo: &mut Vec<u8>) {
        let mut s = self.state.lock();
        let iflag = s.termios.c_iflag;
        let mut b = byte;
        if b == b'\r' {
            if iflag & IGNCR != 0 {
                return;
            }
            if iflag & ICRNL != 0 {
                b = b'\n';
            }
        } else if b == b'\n' && iflag & INLCR != 0 {
            b = b'\r';
        }
        let is = |i: usize| s.cc(i) == Some(b);
        if s.lflag(ISIG) && (is(VINTR) || is(VQUIT) || is(VSUSP)) {
            let sig = if is(VINTR) {
                SIGINT
            } else if is(VQUIT) {
                SIGQUIT
            } else {
                SIGTSTP
            };
            if s.lflag(ECHO) {
                s.echo_char(b, echo);
            }
            // Typed-ahead input is for the job being interrupted: dropped, unless NOFLSH.
            if !s.lflag(NOFLSH) {
                s.edit.clear();
                s.lines.clear();
            }
            let pgrp = s.pgrp;
            drop(s);
            if let (Some(pgrp), Some(hook)) = (pgrp, SIGNAL_HOOK.get()) {
                hook(pgrp, sig);
            }
            return;
        }
        if s.buffered() >= INPUT_MAX {
            return;
        }
        if !s.lflag(ICANON) {
            s.edit.push(b);
            if s.lflag(ECHO) {
                s.echo_char(b, echo);
            }
            return;
        }
        if is(VERASE) {
            s.erase_one(echo);
        } else if is(VKILL) {
            if s.lflag(ECHOKE) {
                while !s.edit.is_empty() {
                    s.erase_one(echo);
                }
            } else {
                s.edit.clear();
                if s.lflag(ECHO) && s.lflag(ECHOK) {
                    s.echo_char(b, echo);
                    echo.push(b'\n');
                }
            }
        } else if is(VEOF) {
            let line = core::mem::take(&mut s.edit);
            s.lines.push_back(line);
        } else if b == b'\n' || is(VEOL) || is(VEOL2) {
            s.edit.push(b);
            let line = core::mem::take(&mut s.edit);
            s.lines.push_back(line);
            if s.lflag(ECHO) || (b == b'\n' && s.lflag(ECHONL)) {
                echo.push(b);
            }
        } else {
            s.edit.push(b);
            if s.lflag(ECHO) {
                s.echo_char(b, echo);
            }
        }
    }

    /// read(2) of typed input: in canonical mode at most one line, else whatever is there.
    /// `EAGAIN` when the reader has to wait.
    pub fn read(&self, buf: &mut [u8]) -> SysResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut s = self.state.lock();
        if s.lflag(ICANON) {
            let line = s.lines.front_mut().ok_or(Errno::EAGAIN)?;
            let n = buf.len().min(line.len());
            buf[..n].copy_from_slice(&line[..n]);
            line.drain(..n);
            if line.is_empty() {
                s.lines.pop_front();
            }
            return Ok(n);
        }
        // Lines completed before a switch to non-canonical mode come first.
        let mut n = 0;
        while n < buf.len() {
            let Some(line) = s.lines.front_mut() else {
                break;
            };
            let k = (buf.len() - n).min(line.len());
            buf[n..n + k].copy_from_slice(&line[..k]);
            line.drain(..k);
            n += k;
            if line.is_empty() {
                s.lines.pop_front();
            }
        }
        let k = (buf.len() - n).min(s.edit.len());
        buf[n..n + k].copy_from_slice(&s.edit[..k]);
        s.edit.drain(..k);
        n += k;
        if n == 0 && s.cc(VMIN).is_some() {
            return Err(Errno::EAGAIN);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn type_(t: &Tty, bytes: &[u8]) -> Vec<u8> {
        let mut echo = Vec::new();
        for &b in bytes {
            t.receive(b, &mut echo);
        }
        echo
    }

    fn read(t: &Tty, len: usize) -> SysResult<Vec<u8>> {
        let mut buf = alloc::vec![0; len];
        let n = t.read(&mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    #[test]
    fn canonical_mode_gives_whole_lines_one_per_read() {
        let t = Tty::new();
        assert_eq!(type_(&t, b"ab"), b"ab");
        assert_eq!(read(&t, 10), Err(Errno::EAGAIN), "half a line is not readable");
        assert_eq!(type_(&t, b"\rcd\n"), b"\ncd\n", "CR is turned into NL (ICRNL)");
        assert_eq!(read(&t, 10).unwrap(), b"ab\n");
        assert_eq!(read(&t, 2).unwrap(), b"cd");
        assert_eq!(read(&t, 2).unwrap(), b"\n");
        assert_eq!(read(&t, 2), Err(Errno::EAGAIN));
    }

    #[test]
    fn erase_and_kill_edit_the_line_and_the_screen() {
        let t = Tty::new();
        assert_eq!(type_(&t, b"abc\x7f"), b"abc\x08 \x08");
        assert_eq!(type_(&t, b"\x15"), b"\x08 \x08\x08 \x08", "VKILL rubs out the line (ECHOKE)");
        type_(&t, b"ok\x7f\x7f\x7fz\n");
        assert_eq!(read(&t, 10).unwrap(), b"z\n");
    }

    #[test]
    fn eof_ends_a_line_without_newline_and_alone_reads_as_zero() {
        let t = Tty::new();
        assert_eq!(type_(&t, b"ab\x04\x04"), b"ab", "VEOF itself is not echoed");
        assert_eq!(read(&t, 10).unwrap(), b"ab");
        assert_eq!(read(&t, 10).unwrap(), b"");
        assert_eq!(read(&t, 10), Err(Errno::EAGAIN));
    }

    #[test]
    fn raw_mode_without_echo_hands_out_bytes_as_typed() {
        let t = Tty::new();
        type_(&t, b"x");
        let mut raw = default_termios();
        raw.c_lflag &= !(ICANON | ECHO);
        t.set_termios(raw);
        assert_eq!(type_(&t, b"y\x7f"), b"", "no echo, no editing");
        assert_eq!(read(&t, 10).unwrap(), b"xy\x7f", "the half-typed line becomes readable");
        assert_eq!(read(&t, 10), Err(Errno::EAGAIN));
        raw.c_cc[VMIN] = 0;
        t.set_termios(raw);
        assert_eq!(read(&t, 10).unwrap(), b"", "VMIN 0: a read does not wait");
    }

    #[test]
    fn interrupt_character_drops_the_line_and_control_characters_echo_as_caret() {
        let t = Tty::new();
        assert_eq!(type_(&t, b"abc\x03"), b"abc^C");
        assert_eq!(type_(&t, b"\x01\n"), b"^A\n");
        assert_eq!(read(&t, 10).unwrap(), b"\x01\n");
    }

    #[test]
    fn interrupt_character_flushes_whole_lines_too_unless_noflsh() {
        let t = Tty::new();
        type_(&t, b"one\ntwo\x03three\n");
        assert_eq!(read(&t, 10).unwrap(), b"three\n");
        assert_eq!(read(&t, 10), Err(Errno::EAGAIN));
        let mut keep = t.termios();
        keep.c_lflag |= NOFLSH;
        t.set_termios(keep);
        type_(&t, b"one\ntwo\x03");
        assert_eq!(read(&t, 10).unwrap(), b"one\n");
        assert_eq!(read(&t, 10), Err(Errno::EAGAIN));
    }

    #[test]
    fn bytes_typed_ahead_in_raw_mode_become_lines_when_canonical_mode_returns() {
        let t = Tty::new();
        let mut raw = t.termios();
        raw.c_lflag &= !(ICANON | ECHO);
        t.set_termios(raw);
        assert_eq!(type_(&t, b"ls\ncat\npartial"), b"");
        t.set_termios(default_termios());
        assert_eq!(read(&t, 64).unwrap(), b"ls\n");
        assert_eq!(read(&t, 64).unwrap(), b"cat\n");
        assert_eq!(read(&t, 64).unwrap(), b"partial");
        assert_eq!(read(&t, 64), Err(Errno::EAGAIN));
    }

    #[test]
    fn input_beyond_the_buffer_is_dropped() {
        let t = Tty::new();
        let mut raw = default_termios();
        raw.c_lflag &= !(ICANON | ECHO);
        t.set_termios(raw);
        type_(&t, &[b'a'; INPUT_MAX + 10]);
        assert_eq!(read(&t, 2 * INPUT_MAX).unwrap().len(), INPUT_MAX);
    }
}
