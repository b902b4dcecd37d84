//! EFAULT: a bad address in any pointer argument of any syscall makes the call fail with
//! EFAULT, or do exactly what Linux does with that address; it never takes the kernel down and
//! never writes read-only user memory.
//!
//! One table ([`rows`]): a row for every pointer, an argument of the dispatch table or a pointer
//! reached through one (the buffers an iovec array points to, argv's strings, the sigmask inside
//! pselect6's sixth argument), with the other arguments valid so that the call gets as far as
//! the pointer. Every row runs on a fresh process, first with the pointer good (the control: the
//! call must work, which shows that the other arguments let it reach the pointer), then with
//!
//! * NULL,
//! * an unmapped user address ([`UNMAPPED`]),
//! * a kernel-half address ([`KERNEL`]),
//! * an address whose range runs past `usize::MAX` ([`WRAP`]),
//! * a range that starts in the scratch area and runs off its end into unmapped memory
//!   ([`Case::Cross`]; a string there has no NUL before the end),
//! * [`READONLY`], where the kernel writes through the pointer,
//! * and, for (pointer, count) pairs, an unmapped pointer with a count of 0.
//!
//! Each gives EFAULT unless the row says what Linux gives instead (a NULL that means "none", a
//! short transfer when only the start of a buffer is good, a pointer Linux only stores), and
//! after every call the read-only page must be as it was. Linux's answers are from Linux's
//! source; where qemu-user forwards a call faithfully they were also checked with static
//! riscv64 programs under `qemu-riscv64-static` (its known deviations: docs/TESTING.md).
//!
//! The last check reads the dispatch table's source: every pointer it decodes (`a.ptr`,
//! `a.slice`, `a.slice_mut`, `a.cstr`) and every pointer it passes as a plain number
//! ([`UNTYPED`]) must have a row, so a syscall added without one fails this test.
use abi::events::{EpollEvent, ItimerSpec, EPOLL_CTL_ADD};
use abi::flags::{
    OpenFlags, AT_FDCWD, CLOCK_MONOTONIC, CLOCK_REALTIME, F_GETLK, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_RDLCK,
    F_SETLK, F_SETLKW, RLIMIT_CORE, R_OK, SIG_BLOCK, STATX_BASIC_STATS, S_IFREG, TCGETS, TCSETS, TCSETSF, TCSETSW,
    TIOCGPGRP, TIOCGWINSZ, TIOCSPGRP, TIOCSWINSZ, UTIME_NOW,
};
use abi::net::{MMsgHdr, MsgHdr};
use abi::process::{
    Itimerval, Rusage, CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_PARENT_SETTID, CLONE_VM, FUTEX_BITSET_MATCH_ANY,
    FUTEX_CMP_REQUEUE, FUTEX_PRIVATE_FLAG, FUTEX_REQUEUE, FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAKE, FUTEX_WAKE_OP,
    ITIMER_VIRTUAL, PR_GET_NAME, PR_SET_NAME, P_ALL, WEXITED,
};
use abi::signal::{
    sigbit, SigEvent, SigInfo, StackT, SIGCHLD, SIGEV_NONE, SIGEV_THREAD, SIGUSR1, SIGWINCH, SI_QUEUE, SS_DISABLE,
};
use abi::structs::{
    Flock, Iovec, MqAttr, PollFd, Rlimit, SigAction, Stat, Statfs, Statx, Sysinfo, Termios, Timespec, Timeval, Tms,
    Utsname, Winsize,
};
use bytemuck::{bytes_of, Pod};
use std::collections::{BTreeMap, BTreeSet};
use std::mem::size_of;
use std::panic::{catch_unwind, AssertUnwindSafe};
use syscalls::sched::SchedAttr;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::time::Timex;
use syscalls::{Caller, Sysno};

const CWD: usize = AT_FDCWD as usize;
const O_RDONLY: usize = 0;
const O_WRONLY: u32 = OpenFlags::WRONLY.bits();
const O_RDWR: u32 = OpenFlags::RDWR.bits();
const O_CREAT: u32 = OpenFlags::CREAT.bits();
const O_DIRECTORY: u32 = OpenFlags::DIRECTORY.bits();

/// The end of the scratch area: what follows is unmapped.
const SCRATCH_END: usize = SCRATCH + SCRATCH_LEN;
/// An address in the kernel half of riscv64's address space: never user memory.
const KERNEL: usize = 0xffff_ffc0_8000_0000;
/// 4 bytes below the top of the address space (4-aligned, as futex words must be): every
/// access of 4 bytes or more runs past `usize::MAX`.
const WRAP: usize = usize::MAX - 3;

/// Where a good pointer points.
const GOOD: usize = SCRATCH + 0x1_0000;
/// Other memory a call needs: a second path, the iovec array holding the pointer, a timeout.
const AUX: usize = SCRATCH + 0x2_0000;
const AUX2: usize = SCRATCH + 0x3_0000;
/// Where good iovecs point.
const BUF: usize = SCRATCH + 0x4_0000;
/// Used by the fixture's own setup calls.
const SETUP: usize = SCRATCH + 0x5_0000;

/// Descriptors every test process has, besides 0-2 on the console.
/// `/tmp/f`: a regular file of 64 bytes, O_RDWR.
const FILE: usize = 3;
/// `/tmp/d`: an empty directory.
const DIR: usize = 4;
/// `/dev/ttyE`: a terminal of this process's own (a TCSETS must not change the shared one).
const TTY: usize = 5;

/// reboot(2)'s magic numbers.
const MAGIC1: usize = 0xfee1_dead;
const MAGIC2: usize = 672_274_793;

/// The six argument registers from the first `N`.
fn regs<const N: usize>(v: [usize; N]) -> [usize; 6] {
    let mut a = [0; 6];
    a[..N].copy_from_slice(&v);
    a
}

/// A timeout of 0.
const ZERO_TIME: Timespec = Timespec { tv_sec: 0, tv_nsec: 0 };

/// One `struct mmsghdr` of a single iovec at `iov`.
fn mmsg(iov: usize) -> MMsgHdr {
    MMsgHdr { hdr: MsgHdr { iov, iovlen: 1, ..Default::default() }, ..Default::default() }
}

fn iov(base: usize, len: usize) -> Iovec {
    Iovec { base, len }
}

/// A NUL-terminated string.
fn cstr(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

/// One test process with its files.
struct Fx {
    k: TestKernel,
    p: Caller,
}

impl Fx {
    /// A fresh kernel and process: /tmp/f (64 bytes, fd 3), /tmp/d (empty, fd 4), /tmp/l (a
    /// symlink to /tmp/f), /tmp/x (executable, but no program), /dev/ttyE (fd 5).
    fn new() -> Fx {
        let k = TestKernel::new();
        k.add_file("/tmp/f", &[b'f'; 64]);
        let exe = k.add_file("/tmp/x", b"not a program\n");
        exe.set_attr(&fs::SetAttr { mode: Some(0o755), ..Default::default() }).unwrap();
        let tmp = k.root.lookup("tmp").unwrap();
        tmp.create("d", fs::FileKind::Directory, 0o755).unwrap();
        tmp.symlink("l", "/tmp/f").unwrap();
        k.root.lookup("dev").unwrap().link("ttyE", fs::dev::Console::new()).unwrap();
        let p = k.spawn();
        assert_eq!(k.open_ok(&p, "/tmp/f", O_RDWR), FILE);
        assert_eq!(k.open_ok(&p, "/tmp/d", O_DIRECTORY), DIR);
        assert_eq!(k.open_ok(&p, "/dev/ttyE", O_RDWR), TTY);
        Fx { k, p }
    }

    fn call<const N: usize>(&self, n: Sysno, args: [usize; N]) -> isize {
        self.k.syscall(&self.p, n, args)
    }

    /// Put a string at `at`; returns `at`.
    fn str(&self, at: usize, s: &str) -> usize {
        self.k.poke_str(&self.p, at, s)
    }

    /// Put a value at `at`; returns `at`.
    fn put<T: Pod>(&self, at: usize, v: T) -> usize {
        self.k.poke(&self.p, at, bytes_of(&v));
        at
    }

    fn pid(&self) -> usize {
        self.p.process().pid
    }

    /// A new pipe holding `fill` bytes: (read end, write end).
    fn pipe(&self, fill: usize) -> (usize, usize) {
        assert_eq!(self.k.syscall(&self.p, Sysno::pipe2, [SETUP, 0]), 0);
        let [r, w] = self.k.peek_val::<[i32; 2]>(&self.p, SETUP);
        if fill > 0 {
            assert_eq!(self.k.syscall(&self.p, Sysno::write, [w as usize, SETUP, fill]), fill as isize);
        }
        (r as usize, w as usize)
    }

    /// A new epoll watching the terminal for output (always ready).
    fn epoll_on_tty(&self) -> usize {
        let ep = self.call(Sysno::epoll_create1, [0]) as usize;
        let ev = self.put(SETUP, EpollEvent { events: 4, _pad: 0, data: 1 });
        assert_eq!(self.call(Sysno::epoll_ctl, [ep, EPOLL_CTL_ADD as usize, TTY, ev]), 0);
        ep
    }

    /// A connected pair of AF_UNIX stream sockets, the first holding 16 bytes to read.
    fn pair(&self) -> (usize, usize) {
        assert_eq!(self.call(Sysno::socketpair, [1, 1, 0, SETUP]), 0);
        let fds: [i32; 2] = self.k.peek_val(&self.p, SETUP);
        self.k.poke(&self.p, SETUP + 64, &[b's'; 16]);
        assert_eq!(self.call(Sysno::write, [fds[1] as usize, SETUP + 64, 16]), 16);
        (fds[0] as usize, fds[1] as usize)
    }

    /// A new timerfd.
    fn timerfd(&self) -> usize {
        self.call(Sysno::timerfd_create, [abi::flags::CLOCK_MONOTONIC, 0]) as usize
    }

    /// A POSIX timer (SIGEV_SIGNAL SIGALRM, disarmed): its id.
    fn timer(&self) -> usize {
        assert_eq!(self.call(Sysno::timer_create, [CLOCK_MONOTONIC, 0, SETUP]), 0);
        self.k.peek_val::<i32>(&self.p, SETUP) as usize
    }

    fn tid(&self) -> usize {
        self.p.thread().tid()
    }

    /// A child that has exited and waits to be reaped.
    fn zombie(&self) {
        let child = self.k.fork(&self.p);
        assert_eq!(self.k.syscall(&child, Sysno::exit_group, [0]), 0);
    }

    /// SIGUSR1 gets a handler and is made pending (and blocked, if `blocked`).
    fn pending_usr1(&self, blocked: bool) {
        let act = self.put(SETUP, SigAction { handler: 0x1000, ..Default::default() });
        assert_eq!(self.call(Sysno::rt_sigaction, [SIGUSR1, act, 0, 8]), 0);
        if blocked {
            let set = self.put(SETUP + 0x100, sigbit(SIGUSR1));
            assert_eq!(self.call(Sysno::rt_sigprocmask, [SIG_BLOCK, set, 0, 8]), 0);
        }
        assert_eq!(self.call(Sysno::kill, [self.pid(), SIGUSR1]), 0);
    }

    /// Mount a tmpfs on /tmp/d.
    fn mount_tmpfs(&self) {
        let (src, dir, ty) =
            (self.str(SETUP, "none"), self.str(SETUP + 0x100, "/tmp/d"), self.str(SETUP + 0x200, "tmpfs"));
        assert_eq!(self.call(Sysno::mount, [src, dir, ty, 0, 0]), 0);
    }

    /// /tmp/f gets the attribute user.a = "abcd".
    fn xattr(&self) {
        let (path, name, value) =
            (self.str(SETUP, "/tmp/f"), self.str(SETUP + 0x100, "user.a"), self.str(SETUP + 0x200, "abcd"));
        assert_eq!(self.call(Sysno::setxattr, [path, name, value, 4, 0]), 0);
    }

    /// A fresh message queue `name` (mq_maxmsg 8, mq_msgsize 64), O_RDWR | O_NONBLOCK: its
    /// descriptor. The namespace outlives the fixture, so the name is first unlinked.
    fn mq(&self, name: &str) -> usize {
        let at = self.str(SETUP + 0x300, name);
        let _ = self.call(Sysno::mq_unlink, [at]);
        let attr = self.put(SETUP + 0x400, MqAttr { mq_maxmsg: 8, mq_msgsize: 64, ..Default::default() });
        let flags = (O_CREAT | OpenFlags::EXCL.bits() | O_RDWR | OpenFlags::NONBLOCK.bits()) as usize;
        let fd = self.call(Sysno::mq_open, [at, flags, 0o600, attr]);
        assert!(fd >= 0, "mq_open {name}: {fd}");
        fd as usize
    }

    /// [`Fx::mq`] holding one message of 16 bytes.
    fn mq_with_message(&self, name: &str) -> usize {
        let fd = self.mq(name);
        let msg = self.put(SETUP + 0x500, [0x5au8; 16]);
        assert_eq!(self.call(Sysno::mq_timedsend, [fd, msg, 16, 3, 0]), 0);
        fd
    }

    /// Exit the calling thread (what happens then with the pointers it registered is checked).
    fn exit_thread(&self) {
        assert_eq!(self.call(Sysno::exit, [0]), 0);
    }

    /// Exit the threads clone just made.
    fn exit_children(&self) {
        for c in self.k.spawned() {
            assert_eq!(self.k.syscall(&c, Sysno::exit, [0]), 0);
        }
    }
}

/// How the kernel uses the memory at the pointer, and how many bytes of it.
#[derive(Clone, Copy, Debug)]
enum Access {
    /// The kernel reads it.
    In(usize),
    /// The kernel writes it.
    Out(usize),
    /// The kernel reads it and writes it back.
    InOut(usize),
    /// A NUL-terminated string the kernel reads.
    Str,
}

/// What the pointer is in one run of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Case {
    Good,
    Null,
    Unmapped,
    Kernel,
    Wrap,
    /// The range starts in the scratch area and runs off its end.
    Cross,
    ReadOnly,
    /// Unmapped, with a count of 0 in the row's count argument.
    ZeroLength,
}
use Case::*;

/// The expected return value.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Want {
    /// Success, any value (a pid, a tid).
    Ok,
    Is(isize),
}

/// Builds a call's six arguments, given the address under test (it may put the address in an
/// argument or in memory that an argument points to).
type Call = fn(&Fx, usize) -> [usize; 6];

/// One pointer of one syscall.
struct Row {
    sys: Sysno,
    /// The argument that is, or leads to, the pointer.
    arg: usize,
    what: &'static str,
    access: Access,
    call: Call,
    /// What the kernel reads at the pointer (placed there when the pointer is good or read-only).
    data: fn(&Fx, usize) -> Vec<u8>,
    bytes: Vec<u8>,
    good: Want,
    except: BTreeMap<Case, Want>,
    skip: BTreeSet<Case>,
    /// The count argument of a (pointer, count) pair.
    count: Option<usize>,
    /// Run after the call (an exit, to see what happens to a pointer the call only stored).
    after: Option<fn(&Fx)>,
}

fn row(sys: Sysno, arg: usize, what: &'static str, access: Access, call: Call) -> Row {
    Row {
        sys,
        arg,
        what,
        access,
        call,
        data: |_, _| Vec::new(),
        bytes: Vec::new(),
        good: Want::Ok,
        except: BTreeMap::new(),
        skip: BTreeSet::new(),
        count: None,
        after: None,
    }
}

impl Row {
    /// The bytes at the pointer.
    fn data(mut self, bytes: impl AsRef<[u8]>) -> Row {
        self.bytes = bytes.as_ref().to_vec();
        self
    }
    /// A value at the pointer.
    fn put<T: Pod>(self, v: T) -> Row {
        self.data(bytes_of(&v))
    }
    /// A string at the pointer.
    fn text(self, s: &str) -> Row {
        self.data(cstr(s))
    }
    /// Bytes at the pointer that depend on the process or on the pointer itself.
    fn data_with(mut self, f: fn(&Fx, usize) -> Vec<u8>) -> Row {
        self.data = f;
        self
    }
    /// What the call returns with the pointer good (default: success).
    fn good(mut self, w: Want) -> Row {
        self.good = w;
        self
    }
    /// Linux's answer for `case` is not EFAULT.
    fn on(mut self, case: Case, w: Want) -> Row {
        self.except.insert(case, w);
        self
    }
    /// Linux does not look at the pointer here: every case is `w`.
    fn always(mut self, w: Want) -> Row {
        for c in [Null, Unmapped, Kernel, Wrap, Cross, ReadOnly] {
            self.except.insert(c, w);
        }
        self.good = w;
        self
    }
    fn skip(mut self, case: Case) -> Row {
        self.skip.insert(case);
        self
    }
    /// Argument `count` is the pointer's count; with 0 Linux returns `w` for an unmapped pointer.
    fn count(mut self, count: usize, w: Want) -> Row {
        self.count = Some(count);
        self.except.insert(ZeroLength, w);
        self
    }
    fn after(mut self, f: fn(&Fx)) -> Row {
        self.after = Some(f);
        self
    }

    fn name(&self) -> String {
        format!("{:?}({})", self.sys, self.what)
    }

    fn writes(&self) -> bool {
        matches!(self.access, Access::Out(_) | Access::InOut(_))
    }

    fn cases(&self) -> Vec<Case> {
        let mut v = vec![Good, Null, Unmapped, Kernel, Wrap, Cross];
        if self.writes() || self.except.contains_key(&ReadOnly) {
            v.push(ReadOnly);
        }
        if self.count.is_some() {
            v.push(ZeroLength);
        }
        v.retain(|c| !self.skip.contains(c));
        v
    }

    fn want(&self, case: Case) -> Want {
        match (case, self.except.get(&case)) {
            (_, Some(&w)) => w,
            (Good, None) => self.good,
            _ => Want::Is(EFAULT),
        }
    }

    /// How much of a `Cross` range is mapped (the rest lies past the end of the scratch area).
    fn cross_mapped(&self) -> usize {
        match self.access {
            Access::Str => 1,
            Access::In(n) | Access::Out(n) | Access::InOut(n) => (n / 2).max(1),
        }
    }

    fn address(&self, case: Case) -> usize {
        match case {
            Good => GOOD,
            Null => 0,
            Unmapped | ZeroLength => UNMAPPED,
            Kernel => KERNEL,
            Wrap => WRAP,
            Cross => SCRATCH_END - self.cross_mapped(),
            ReadOnly => READONLY,
        }
    }

    /// Run one case on a fresh process.
    fn run(&self, case: Case) -> Result<(), String> {
        let fx = Fx::new();
        let addr = self.address(case);
        let mut data = (self.data)(&fx, addr);
        if data.is_empty() {
            data = self.bytes.clone();
        }
        match case {
            Good | ReadOnly if !data.is_empty() => fx.k.poke(&fx.p, addr, &data),
            Cross => fx.k.poke(&fx.p, addr, &data[..self.cross_mapped().min(data.len())]),
            _ => {}
        }
        let mut args = (self.call)(&fx, addr);
        if case == ZeroLength {
            args[self.count.unwrap()] = 0;
        }
        // Kept to look at afterwards even if the call replaces or drops the address space.
        let mm = fx.p.process().mm.get();
        let read_only = |mm: &sync::Mutex<mm::AddressSpace>| {
            let mut page = vec![0; 4096];
            mm.lock().read_bytes(READONLY, &mut page).unwrap();
            page
        };
        let before = read_only(&mm);
        let got = fx.k.syscall(&fx.p, self.sys, args);
        if let Some(after) = self.after {
            after(&fx);
        }
        let _ = fx.k.spawned();
        let want = self.want(case);
        let ok = match want {
            Want::Ok => got >= 0,
            Want::Is(v) => got == v,
        };
        if !ok {
            return Err(format!("{} {case:?} ({addr:#x}): got {got}, want {want:?}", self.name()));
        }
        if read_only(&mm) != before {
            return Err(format!("{} {case:?} ({addr:#x}): the read-only page was written", self.name()));
        }
        Ok(())
    }
}

/// The table.
fn rows() -> Vec<Row> {
    use Access::*;
    use Want::*;
    let flock = Flock { l_type: F_RDLCK, ..Default::default() };
    vec![
        // ---- files: fs/io.rs ----
        // A buffer whose start is good moves the bytes before the bad page: a short count, as
        // Linux's file read/write does (filemap_read, generic_perform_write).
        row(Sysno::read, 1, "buf", Out(16), |_, p| regs([FILE, p, 16])).good(Is(16)).on(Cross, Is(8)).count(2, Is(0)),
        row(Sysno::write, 1, "buf", In(16), |_, p| regs([FILE, p, 16]))
            .data([b'w'; 16])
            .good(Is(16))
            .on(Cross, Is(8))
            .count(2, Is(0)),
        row(Sysno::readv, 1, "iov", In(16), |_, p| regs([FILE, p, 1])).put(iov(BUF, 16)).good(Is(16)).count(2, Is(0)),
        row(Sysno::readv, 1, "iov[0].iov_base", Out(16), |fx, p| regs([FILE, fx.put(AUX, iov(p, 16)), 1]))
            .good(Is(16))
            .on(Cross, Is(8)),
        row(Sysno::writev, 1, "iov", In(16), |_, p| regs([FILE, p, 1])).put(iov(BUF, 16)).good(Is(16)).count(2, Is(0)),
        row(Sysno::writev, 1, "iov[0].iov_base", In(16), |fx, p| regs([FILE, fx.put(AUX, iov(p, 16)), 1]))
            .data([b'w'; 16])
            .good(Is(16))
            .on(Cross, Is(8)),
        row(Sysno::preadv, 1, "iov", In(16), |_, p| regs([FILE, p, 1, 0]))
            .put(iov(BUF, 16))
            .good(Is(16))
            .count(2, Is(0)),
        row(Sysno::preadv, 1, "iov[0].iov_base", Out(16), |fx, p| regs([FILE, fx.put(AUX, iov(p, 16)), 1, 0]))
            .good(Is(16))
            .on(Cross, Is(8)),
        row(Sysno::pwritev, 1, "iov", In(16), |_, p| regs([FILE, p, 1, 0]))
            .put(iov(BUF, 16))
            .good(Is(16))
            .count(2, Is(0)),
        row(Sysno::pwritev, 1, "iov[0].iov_base", In(16), |fx, p| regs([FILE, fx.put(AUX, iov(p, 16)), 1, 0]))
            .data([b'w'; 16])
            .good(Is(16))
            .on(Cross, Is(8)),
        row(Sysno::preadv2, 1, "iov", In(16), |_, p| regs([FILE, p, 1, 0, 0, 0])).put(iov(BUF, 16)).good(Is(16)),
        row(Sysno::pwritev2, 1, "iov", In(16), |_, p| regs([FILE, p, 1, 0, 0, 0])).put(iov(BUF, 16)).good(Is(16)),
        row(Sysno::pread64, 1, "buf", Out(16), |_, p| regs([FILE, p, 16, 0]))
            .good(Is(16))
            .on(Cross, Is(8))
            .count(2, Is(0)),
        row(Sysno::pwrite64, 1, "buf", In(16), |_, p| regs([FILE, p, 16, 0]))
            .data([b'w'; 16])
            .good(Is(16))
            .on(Cross, Is(8))
            .count(2, Is(0)),
        // sendfile's offset is read, then written back after the transfer: read-only, the data
        // has moved and the call is still EFAULT, as on Linux. NULL means the file offset.
        row(Sysno::sendfile, 2, "offset", InOut(8), |fx, p| {
            regs([fx.k.open_ok(&fx.p, "/tmp/g", O_WRONLY | O_CREAT), FILE, p, 16])
        })
        .put(0i64)
        .good(Is(16))
        .on(Null, Is(16)),
        // copy_file_range's offsets the same way.
        row(Sysno::copy_file_range, 1, "off_in", InOut(8), |fx, p| {
            regs([FILE, p, fx.k.open_ok(&fx.p, "/tmp/g", O_WRONLY | O_CREAT), 0, 16, 0])
        })
        .put(0i64)
        .good(Is(16))
        .on(Null, Is(16)),
        row(Sysno::copy_file_range, 3, "off_out", InOut(8), |fx, p| {
            regs([FILE, 0, fx.k.open_ok(&fx.p, "/tmp/g", O_WRONLY | O_CREAT), p, 16, 0])
        })
        .put(0i64)
        .good(Is(16))
        .on(Null, Is(16)),
        // splice's offsets too, for the end that is not a pipe.
        row(Sysno::splice, 1, "off_in", InOut(8), |fx, p| regs([FILE, p, fx.pipe(0).1, 0, 16, 0]))
            .put(0i64)
            .good(Is(16))
            .on(Null, Is(16)),
        row(Sysno::splice, 3, "off_out", InOut(8), |fx, p| regs([fx.pipe(16).0, 0, FILE, p, 16, 0]))
            .put(0i64)
            .good(Is(16))
            .on(Null, Is(16)),
        row(Sysno::vmsplice, 1, "iov", In(16), |fx, p| regs([fx.pipe(0).1, p, 1, 0])).put(iov(BUF, 16)).good(Is(16)),
        // process_vm_*: both iovec arrays, here on the caller itself.
        row(Sysno::process_vm_readv, 1, "local_iov", In(16), |fx, p| {
            regs([fx.pid(), p, 1, fx.put(AUX, iov(BUF, 16)), 1, 0])
        })
        .put(iov(BUF + 64, 16))
        .good(Is(16)),
        row(Sysno::process_vm_readv, 3, "remote_iov", In(16), |fx, p| {
            regs([fx.pid(), fx.put(AUX, iov(BUF + 64, 16)), 1, p, 1, 0])
        })
        .put(iov(BUF, 16))
        .good(Is(16)),
        row(Sysno::process_vm_writev, 1, "local_iov", In(16), |fx, p| {
            regs([fx.pid(), p, 1, fx.put(AUX, iov(BUF, 16)), 1, 0])
        })
        .put(iov(BUF + 64, 16))
        .good(Is(16)),
        row(Sysno::process_vm_writev, 3, "remote_iov", In(16), |fx, p| {
            regs([fx.pid(), fx.put(AUX, iov(BUF + 64, 16)), 1, p, 1, 0])
        })
        .put(iov(BUF, 16))
        .good(Is(16)),
        // The names as they are: nothing changes for the other tests.
        row(Sysno::sethostname, 0, "name", In(6), |_, p| regs([p, 6])).data(*b"bakaex"),
        row(Sysno::setdomainname, 0, "name", In(6), |_, p| regs([p, 6])).data(*b"(none)"),
        // riscv_hwprobe: the pairs (key 3, BASE_BEHAVIOR) and the CPU set.
        row(Sysno::riscv_hwprobe, 0, "pairs", InOut(16), |_, p| regs([p, 1, 0, 0, 0])).put([3i64, 0]).good(Is(0)),
        row(Sysno::riscv_hwprobe, 3, "cpus", In(8), |fx, p| regs([fx.put(AUX, [3i64, 0]), 1, 8, p, 0]))
            .put(1u64)
            .good(Is(0)),
        // ---- opening, metadata: fs/open.rs, fs/stat.rs ----
        row(Sysno::openat, 1, "path", Str, |_, p| regs([CWD, p, O_RDONLY])).text("/tmp/f"),
        row(Sysno::openat2, 1, "path", Str, |fx, p| regs([CWD, p, fx.put(AUX, [0u64; 3]), 24])).text("/tmp/f"),
        row(Sysno::openat2, 2, "how", In(24), |fx, p| regs([CWD, fx.str(AUX, "/tmp/f"), p, 24])).put([0u64; 3]),
        row(Sysno::fstat, 1, "statbuf", Out(size_of::<Stat>()), |_, p| regs([FILE, p])),
        row(Sysno::newfstatat, 1, "path", Str, |_, p| regs([CWD, p, AUX, 0])).text("/tmp/f"),
        row(Sysno::newfstatat, 2, "statbuf", Out(size_of::<Stat>()), |fx, p| regs([CWD, fx.str(AUX, "/tmp/f"), p, 0])),
        row(Sysno::statx, 1, "path", Str, |_, p| regs([CWD, p, 0, STATX_BASIC_STATS as usize, AUX])).text("/tmp/f"),
        row(Sysno::statx, 4, "statxbuf", Out(size_of::<Statx>()), |fx, p| {
            regs([CWD, fx.str(AUX, "/tmp/f"), 0, STATX_BASIC_STATS as usize, p])
        }),
        row(Sysno::readlinkat, 1, "path", Str, |_, p| regs([CWD, p, AUX, 64])).text("/tmp/l").good(Is(6)),
        // A bufsiz of 0 is EINVAL before the buffer is looked at.
        row(Sysno::readlinkat, 2, "buf", Out(6), |fx, p| regs([CWD, fx.str(AUX, "/tmp/l"), p, 64]))
            .good(Is(6))
            .count(3, Is(EINVAL)),
        // ---- ioctl's third argument, by request: fs/ioctl.rs ----
        row(Sysno::ioctl, 2, "FIONBIO int", In(4), |_, p| regs([FILE, syscalls::fs::FIONBIO, p])).put(0i32),
        row(Sysno::ioctl, 2, "TCGETS termios", Out(size_of::<Termios>()), |_, p| regs([TTY, TCGETS, p])),
        row(Sysno::ioctl, 2, "TCSETS termios", In(size_of::<Termios>()), |_, p| regs([TTY, TCSETS, p]))
            .put(Termios::default()),
        row(Sysno::ioctl, 2, "TCSETSW termios", In(size_of::<Termios>()), |_, p| regs([TTY, TCSETSW, p]))
            .put(Termios::default()),
        row(Sysno::ioctl, 2, "TCSETSF termios", In(size_of::<Termios>()), |_, p| regs([TTY, TCSETSF, p]))
            .put(Termios::default()),
        row(Sysno::ioctl, 2, "TIOCGWINSZ winsize", Out(size_of::<Winsize>()), |_, p| regs([TTY, TIOCGWINSZ, p])),
        row(Sysno::ioctl, 2, "TIOCSWINSZ winsize", In(size_of::<Winsize>()), |_, p| regs([TTY, TIOCSWINSZ, p]))
            .put(Winsize { ws_row: 24, ws_col: 80, ..Default::default() }),
        row(Sysno::ioctl, 2, "TIOCGPGRP pgrp", Out(4), |_, p| regs([TTY, TIOCGPGRP, p])),
        row(Sysno::ioctl, 2, "TIOCSPGRP pgrp", In(4), |_, p| regs([TTY, TIOCSPGRP, p]))
            .data_with(|fx, _| (fx.p.process().pgid() as i32).to_le_bytes().to_vec()),
        // ---- ppoll and pselect6: fs/poll.rs ----
        // The file is always ready, so no case waits. Linux writes the time left back into
        // ppoll's and pselect6's timeout but ignores a fault there (poll_select_finish): a
        // read-only timeout works.
        row(Sysno::ppoll, 0, "fds", InOut(size_of::<PollFd>()), |fx, p| regs([p, 1, fx.put(AUX, ZERO_TIME), 0, 8]))
            .put(PollFd { fd: FILE as i32, events: 1, revents: 0 })
            .good(Is(1))
            .count(1, Is(0)),
        row(Sysno::ppoll, 2, "timeout", InOut(size_of::<Timespec>()), |fx, p| {
            regs([fx.put(AUX, PollFd { fd: FILE as i32, events: 1, revents: 0 }), 1, p, 0, 8])
        })
        .put(Timespec { tv_sec: 1, tv_nsec: 0 })
        .good(Is(1))
        .on(Null, Is(1))
        .on(ReadOnly, Is(1)),
        row(Sysno::ppoll, 3, "sigmask", In(8), |fx, p| {
            regs([fx.put(AUX, PollFd { fd: FILE as i32, events: 1, revents: 0 }), 1, 0, p, 8])
        })
        .put(0u64)
        .good(Is(1))
        .on(Null, Is(1)),
        // ---- event files: events.rs ----
        row(Sysno::epoll_ctl, 3, "event", In(size_of::<EpollEvent>()), |fx, p| {
            regs([fx.call(Sysno::epoll_create1, [0]) as usize, EPOLL_CTL_ADD as usize, TTY, p])
        })
        .put(EpollEvent { events: 1, _pad: 0, data: 0 }),
        row(Sysno::epoll_pwait, 1, "events", Out(size_of::<EpollEvent>()), |fx, p| {
            regs([fx.epoll_on_tty(), p, 1, 0, 0, 8])
        })
        .good(Is(1)),
        row(Sysno::epoll_pwait, 4, "sigmask", In(8), |fx, p| regs([fx.epoll_on_tty(), AUX, 1, 0, p, 8]))
            .put(0u64)
            .good(Is(1))
            .on(Null, Is(1)),
        row(Sysno::epoll_pwait2, 3, "timeout", In(size_of::<Timespec>()), |fx, p| {
            regs([fx.epoll_on_tty(), AUX, 1, p, 0, 8])
        })
        .put(ZERO_TIME)
        .good(Is(1))
        .on(Null, Is(1)),
        row(Sysno::epoll_pwait2, 1, "events", Out(size_of::<EpollEvent>()), |fx, p| {
            regs([fx.epoll_on_tty(), p, 1, 0, 0, 8])
        })
        .good(Is(1)),
        row(Sysno::epoll_pwait2, 4, "sigmask", In(8), |fx, p| regs([fx.epoll_on_tty(), AUX, 1, 0, p, 8]))
            .put(0u64)
            .good(Is(1))
            .on(Null, Is(1)),
        row(Sysno::timerfd_settime, 2, "new_value", In(size_of::<ItimerSpec>()), |fx, p| regs([fx.timerfd(), 0, p, 0]))
            .put(ItimerSpec::default()),
        row(Sysno::timerfd_settime, 3, "old_value", Out(size_of::<ItimerSpec>()), |fx, p| {
            regs([fx.timerfd(), 0, fx.put(AUX, ItimerSpec::default()), p])
        })
        .on(Null, Is(0)),
        // ---- sockets: net.rs ----
        row(Sysno::socketpair, 3, "sv", Out(8), |_, p| regs([1, 1, 0, p])),
        row(Sysno::sendto, 1, "buf", In(16), |fx, p| regs([fx.pair().0, p, 16, 0, 0, 0])).good(Is(16)).count(2, Is(0)),
        row(Sysno::recvfrom, 1, "buf", Out(16), |fx, p| regs([fx.pair().0, p, 16, 0, 0, 0]))
            .good(Is(16))
            .count(2, Is(0)),
        row(Sysno::sendmsg, 1, "msg", In(size_of::<MsgHdr>()), |fx, p| regs([fx.pair().0, p, 0]))
            .data_with(|fx, _| {
                bytes_of(&MsgHdr { iov: fx.put(AUX, iov(BUF, 16)), iovlen: 1, ..Default::default() }).to_vec()
            })
            .good(Is(16)),
        row(Sysno::recvmsg, 1, "msg", InOut(size_of::<MsgHdr>()), |fx, p| regs([fx.pair().0, p, 0]))
            .data_with(|fx, _| {
                bytes_of(&MsgHdr { iov: fx.put(AUX, iov(BUF, 16)), iovlen: 1, ..Default::default() }).to_vec()
            })
            .good(Is(16)),
        row(Sysno::sendmmsg, 1, "msgvec", InOut(size_of::<MMsgHdr>()), |fx, p| regs([fx.pair().0, p, 1, 0]))
            .data_with(|fx, _| bytes_of(&mmsg(fx.put(AUX, iov(BUF, 16)))).to_vec())
            .good(Is(1)),
        row(Sysno::recvmmsg, 1, "msgvec", InOut(size_of::<MMsgHdr>()), |fx, p| regs([fx.pair().0, p, 1, 0, 0]))
            .data_with(|fx, _| bytes_of(&mmsg(fx.put(AUX, iov(BUF, 16)))).to_vec())
            .good(Is(1)),
        // No timeout is none.
        row(Sysno::recvmmsg, 4, "timeout", InOut(size_of::<Timespec>()), |fx, p| {
            regs([fx.pair().0, fx.put(AUX2, mmsg(fx.put(AUX, iov(BUF, 16)))), 1, 0, p])
        })
        .put(Timespec { tv_sec: 5, tv_nsec: 0 })
        .good(Is(1))
        .on(Null, Is(1)),
        row(Sysno::sendmsg, 1, "msg->iov", In(size_of::<Iovec>()), |fx, p| {
            regs([fx.pair().0, fx.put(AUX, MsgHdr { iov: p, iovlen: 1, ..Default::default() }), 0])
        })
        .put(iov(BUF, 16))
        .good(Is(16)),
        row(Sysno::connect, 1, "addr", In(12), |fx, p| regs([fx.call(Sysno::socket, [1, 2, 0]) as usize, p, 12]))
            .data_with(|_, _| {
                let mut a = 1u16.to_ne_bytes().to_vec();
                a.extend_from_slice(b"\0efault-x\0");
                a
            })
            .good(Is(ECONNREFUSED)),
        row(Sysno::getsockname, 1, "addr", Out(2), |fx, p| regs([fx.pair().0, p, fx.put(AUX, 16i32)])),
        row(Sysno::getsockname, 2, "addrlen", InOut(4), |fx, p| regs([fx.pair().0, AUX2, p])).put(16i32),
        row(Sysno::signalfd4, 1, "mask", In(8), |_, p| regs([usize::MAX, p, 8, 0])).put(0u64).good(Ok),
        row(Sysno::inotify_add_watch, 1, "pathname", Str, |fx, p| {
            regs([fx.call(Sysno::inotify_init1, [0]) as usize, p, 2])
        })
        .text("/tmp/f")
        .good(Is(1)),
        row(Sysno::timerfd_gettime, 1, "curr_value", Out(size_of::<ItimerSpec>()), |fx, p| regs([fx.timerfd(), p])),
        // A NULL fd set is no set.
        row(Sysno::pselect6, 1, "readfds", InOut(8), |fx, p| regs([FILE + 1, p, 0, 0, fx.put(AUX, ZERO_TIME), 0]))
            .put(1u64 << FILE)
            .good(Is(1))
            .on(Null, Is(0)),
        row(Sysno::pselect6, 2, "writefds", InOut(8), |fx, p| regs([FILE + 1, 0, p, 0, fx.put(AUX, ZERO_TIME), 0]))
            .put(1u64 << FILE)
            .good(Is(1))
            .on(Null, Is(0)),
        row(Sysno::pselect6, 3, "exceptfds", InOut(8), |fx, p| regs([FILE + 1, 0, 0, p, fx.put(AUX, ZERO_TIME), 0]))
            .put(1u64 << FILE)
            .good(Is(0))
            .on(Null, Is(0)),
        row(Sysno::pselect6, 4, "timeout", InOut(size_of::<Timespec>()), |fx, p| {
            regs([FILE + 1, fx.put(AUX, 1u64 << FILE), 0, 0, p, 0])
        })
        .put(Timespec { tv_sec: 1, tv_nsec: 0 })
        .good(Is(1))
        .on(Null, Is(1))
        .on(ReadOnly, Is(1)),
        row(Sysno::pselect6, 5, "sigmask", In(size_of::<syscalls::fs::SigmaskArg>()), |fx, p| {
            regs([FILE + 1, fx.put(AUX, 1u64 << FILE), 0, 0, 0, p])
        })
        .data_with(|fx, _| {
            let ss = fx.put(AUX2, 0u64);
            bytes_of(&syscalls::fs::SigmaskArg { ss, ss_len: 8 }).to_vec()
        })
        .good(Is(1))
        .on(Null, Is(1)),
        // A NULL sigset inside the argument: no mask.
        row(Sysno::pselect6, 5, "sigmask->ss", In(8), |fx, p| {
            regs([
                FILE + 1,
                fx.put(AUX, 1u64 << FILE),
                0,
                0,
                0,
                fx.put(AUX2, syscalls::fs::SigmaskArg { ss: p, ss_len: 8 }),
            ])
        })
        .put(0u64)
        .good(Is(1))
        .on(Null, Is(1)),
        // ---- directories and names: fs/dir.rs ----
        // An empty directory lists "." and ".." (24 bytes each). When the buffer goes bad after
        // the first entry, Linux returns the entries written before the fault (filldir64).
        // A count too small for one entry is EINVAL (qemu-user answers ENOMEM).
        row(Sysno::getdents64, 1, "dirp", Out(48), |_, p| regs([DIR, p, 4096]))
            .good(Is(48))
            .on(Cross, Is(24))
            .count(2, Is(EINVAL)),
        row(Sysno::mkdirat, 1, "path", Str, |_, p| regs([CWD, p, 0o755])).text("/tmp/new"),
        row(Sysno::mknodat, 1, "path", Str, |_, p| regs([CWD, p, (S_IFREG | 0o644) as usize, 0])).text("/tmp/node"),
        row(Sysno::unlinkat, 1, "path", Str, |_, p| regs([CWD, p, 0])).text("/tmp/f"),
        row(Sysno::renameat2, 1, "oldpath", Str, |fx, p| regs([CWD, p, CWD, fx.str(AUX, "/tmp/f2"), 0])).text("/tmp/f"),
        row(Sysno::renameat2, 3, "newpath", Str, |fx, p| regs([CWD, fx.str(AUX, "/tmp/f"), CWD, p, 0])).text("/tmp/f2"),
        row(Sysno::linkat, 1, "oldpath", Str, |fx, p| regs([CWD, p, CWD, fx.str(AUX, "/tmp/f3"), 0])).text("/tmp/f"),
        row(Sysno::linkat, 3, "newpath", Str, |fx, p| regs([CWD, fx.str(AUX, "/tmp/f"), CWD, p, 0])).text("/tmp/f3"),
        row(Sysno::symlinkat, 0, "target", Str, |fx, p| regs([p, CWD, fx.str(AUX, "/tmp/l2")])).text("/tmp/f"),
        row(Sysno::symlinkat, 2, "linkpath", Str, |fx, p| regs([fx.str(AUX, "/tmp/f"), CWD, p])).text("/tmp/l2"),
        row(Sysno::chdir, 0, "path", Str, |_, p| regs([p])).text("/tmp"),
        row(Sysno::chroot, 0, "path", Str, |_, p| regs([p])).text("/"),
        // The cwd is "/tmp" (5 bytes with the NUL). A size of 0 is ERANGE.
        row(Sysno::getcwd, 0, "buf", Out(5), |fx, p| {
            assert_eq!(fx.call(Sysno::chdir, [fx.str(AUX, "/tmp")]), 0);
            regs([p, 256])
        })
        .good(Is(5))
        .count(1, Is(ERANGE)),
        // ---- descriptors: fs/fd.rs, fs/pipe.rs ----
        // fcntl's third argument, for the lock requests (the others take a number).
        row(Sysno::fcntl, 2, "F_GETLK flock", InOut(size_of::<Flock>()), |_, p| regs([FILE, F_GETLK as usize, p]))
            .put(flock),
        row(Sysno::fcntl, 2, "F_SETLK flock", In(size_of::<Flock>()), |_, p| regs([FILE, F_SETLK as usize, p]))
            .put(flock),
        row(Sysno::fcntl, 2, "F_SETLKW flock", In(size_of::<Flock>()), |_, p| regs([FILE, F_SETLKW as usize, p]))
            .put(flock),
        row(Sysno::fcntl, 2, "F_OFD_GETLK flock", InOut(size_of::<Flock>()), |_, p| {
            regs([FILE, F_OFD_GETLK as usize, p])
        })
        .put(flock),
        row(Sysno::fcntl, 2, "F_OFD_SETLK flock", In(size_of::<Flock>()), |_, p| regs([FILE, F_OFD_SETLK as usize, p]))
            .put(flock),
        row(Sysno::fcntl, 2, "F_OFD_SETLKW flock", In(size_of::<Flock>()), |_, p| {
            regs([FILE, F_OFD_SETLKW as usize, p])
        })
        .put(flock),
        row(Sysno::pipe2, 0, "pipefd", Out(8), |_, p| regs([p, 0])),
        // ---- attributes: fs/attr.rs ----
        row(Sysno::truncate, 0, "path", Str, |_, p| regs([p, 8])).text("/tmp/f"),
        row(Sysno::faccessat, 1, "path", Str, |_, p| regs([CWD, p, R_OK as usize])).text("/tmp/f"),
        row(Sysno::faccessat2, 1, "path", Str, |_, p| regs([CWD, p, R_OK as usize, 0])).text("/tmp/f"),
        row(Sysno::fchmodat, 1, "path", Str, |_, p| regs([CWD, p, 0o600])).text("/tmp/f"),
        row(Sysno::fchmodat2, 1, "path", Str, |_, p| regs([CWD, p, 0o600, 0])).text("/tmp/f"),
        row(Sysno::fchownat, 1, "path", Str, |_, p| regs([CWD, p, 0, 0, 0])).text("/tmp/f"),
        row(Sysno::utimensat, 1, "path", Str, |_, p| regs([CWD, p, 0, 0])).text("/tmp/f"),
        // NULL times: both now.
        row(Sysno::utimensat, 2, "times", In(32), |fx, p| regs([CWD, fx.str(AUX, "/tmp/f"), p, 0]))
            .put([Timespec { tv_sec: 0, tv_nsec: UTIME_NOW }; 2])
            .on(Null, Is(0)),
        // ---- extended attributes: fs/xattr.rs ----
        // A value of size 0 is an empty value: the pointer is not read.
        row(Sysno::setxattr, 0, "path", Str, |fx, p| regs([p, fx.str(AUX, "user.a"), fx.str(AUX2, "v"), 1, 0]))
            .text("/tmp/f"),
        row(Sysno::setxattr, 1, "name", Str, |fx, p| regs([fx.str(AUX, "/tmp/f"), p, fx.str(AUX2, "v"), 1, 0]))
            .text("user.a"),
        row(Sysno::setxattr, 2, "value", In(4), |fx, p| regs([fx.str(AUX, "/tmp/f"), fx.str(AUX2, "user.a"), p, 4, 0]))
            .data("abcd")
            .count(3, Is(0)),
        row(Sysno::lsetxattr, 0, "path", Str, |fx, p| regs([p, fx.str(AUX, "user.a"), fx.str(AUX2, "v"), 1, 0]))
            .text("/tmp/f"),
        row(Sysno::lsetxattr, 1, "name", Str, |fx, p| regs([fx.str(AUX, "/tmp/f"), p, fx.str(AUX2, "v"), 1, 0]))
            .text("user.a"),
        row(Sysno::lsetxattr, 2, "value", In(4), |fx, p| {
            regs([fx.str(AUX, "/tmp/f"), fx.str(AUX2, "user.a"), p, 4, 0])
        })
        .data("abcd")
        .count(3, Is(0)),
        row(Sysno::fsetxattr, 1, "name", Str, |fx, p| regs([FILE, p, fx.str(AUX2, "v"), 1, 0])).text("user.a"),
        row(Sysno::fsetxattr, 2, "value", In(4), |fx, p| regs([FILE, fx.str(AUX2, "user.a"), p, 4, 0]))
            .data("abcd")
            .count(3, Is(0)),
        // A size of 0 asks for the size: the pointer is not written.
        row(Sysno::getxattr, 0, "path", Str, |fx, p| {
            fx.xattr();
            regs([p, fx.str(AUX, "user.a"), AUX2, 64])
        })
        .text("/tmp/f")
        .good(Is(4)),
        row(Sysno::getxattr, 1, "name", Str, |fx, p| {
            fx.xattr();
            regs([fx.str(AUX, "/tmp/f"), p, AUX2, 64])
        })
        .text("user.a")
        .good(Is(4)),
        row(Sysno::getxattr, 2, "value", Out(4), |fx, p| {
            fx.xattr();
            regs([fx.str(AUX, "/tmp/f"), fx.str(AUX2, "user.a"), p, 4])
        })
        .good(Is(4))
        .count(3, Is(4)),
        row(Sysno::lgetxattr, 0, "path", Str, |fx, p| {
            fx.xattr();
            regs([p, fx.str(AUX, "user.a"), AUX2, 64])
        })
        .text("/tmp/f")
        .good(Is(4)),
        row(Sysno::lgetxattr, 1, "name", Str, |fx, p| {
            fx.xattr();
            regs([fx.str(AUX, "/tmp/f"), p, AUX2, 64])
        })
        .text("user.a")
        .good(Is(4)),
        row(Sysno::lgetxattr, 2, "value", Out(4), |fx, p| {
            fx.xattr();
            regs([fx.str(AUX, "/tmp/f"), fx.str(AUX2, "user.a"), p, 4])
        })
        .good(Is(4))
        .count(3, Is(4)),
        row(Sysno::fgetxattr, 1, "name", Str, |fx, p| {
            fx.xattr();
            regs([FILE, p, AUX2, 64])
        })
        .text("user.a")
        .good(Is(4)),
        row(Sysno::fgetxattr, 2, "value", Out(4), |fx, p| {
            fx.xattr();
            regs([FILE, fx.str(AUX2, "user.a"), p, 4])
        })
        .good(Is(4))
        .count(3, Is(4)),
        row(Sysno::listxattr, 0, "path", Str, |fx, p| {
            fx.xattr();
            regs([p, AUX2, 64])
        })
        .text("/tmp/f")
        .good(Is(7)),
        row(Sysno::listxattr, 1, "list", Out(7), |fx, p| {
            fx.xattr();
            regs([fx.str(AUX, "/tmp/f"), p, 7])
        })
        .good(Is(7))
        .count(2, Is(7)),
        row(Sysno::llistxattr, 0, "path", Str, |fx, p| {
            fx.xattr();
            regs([p, AUX2, 64])
        })
        .text("/tmp/f")
        .good(Is(7)),
        row(Sysno::llistxattr, 1, "list", Out(7), |fx, p| {
            fx.xattr();
            regs([fx.str(AUX, "/tmp/f"), p, 7])
        })
        .good(Is(7))
        .count(2, Is(7)),
        row(Sysno::flistxattr, 1, "list", Out(7), |fx, p| {
            fx.xattr();
            regs([FILE, p, 7])
        })
        .good(Is(7))
        .count(2, Is(7)),
        row(Sysno::removexattr, 0, "path", Str, |fx, p| {
            fx.xattr();
            regs([p, fx.str(AUX, "user.a")])
        })
        .text("/tmp/f"),
        row(Sysno::removexattr, 1, "name", Str, |fx, p| {
            fx.xattr();
            regs([fx.str(AUX, "/tmp/f"), p])
        })
        .text("user.a"),
        row(Sysno::lremovexattr, 0, "path", Str, |fx, p| {
            fx.xattr();
            regs([p, fx.str(AUX, "user.a")])
        })
        .text("/tmp/f"),
        row(Sysno::lremovexattr, 1, "name", Str, |fx, p| {
            fx.xattr();
            regs([fx.str(AUX, "/tmp/f"), p])
        })
        .text("user.a"),
        row(Sysno::fremovexattr, 1, "name", Str, |fx, p| {
            fx.xattr();
            regs([FILE, p])
        })
        .text("user.a"),
        // ---- mounts: fs/mount.rs ----
        // A NULL source is fine for tmpfs; a NULL type is EINVAL.
        row(Sysno::mount, 0, "source", Str, |fx, p| regs([p, fx.str(AUX, "/tmp/d"), fx.str(AUX2, "tmpfs"), 0, 0]))
            .text("none")
            .on(Null, Is(0)),
        row(Sysno::mount, 1, "target", Str, |fx, p| regs([fx.str(AUX, "none"), p, fx.str(AUX2, "tmpfs"), 0, 0]))
            .text("/tmp/d"),
        row(Sysno::mount, 2, "filesystemtype", Str, |fx, p| {
            regs([fx.str(AUX, "none"), fx.str(AUX2, "/tmp/d"), p, 0, 0])
        })
        .text("tmpfs")
        .on(Null, Is(EINVAL)),
        // The options: NULL is none. Linux copies up to a page of them, as much as it can read
        // (copy_mount_options), so options running into unmapped memory are cut there, not
        // EFAULT: here "m", which tmpfs does not know (EINVAL).
        row(Sysno::mount, 4, "data", Str, |fx, p| {
            regs([fx.str(AUX, "none"), fx.str(AUX2, "/tmp/d"), fx.str(AUX2 + 0x100, "tmpfs"), 0, p])
        })
        .text("mode=755")
        .on(Null, Is(0))
        .on(Cross, Is(EINVAL)),
        row(Sysno::umount2, 0, "target", Str, |fx, p| {
            fx.mount_tmpfs();
            regs([p, 0])
        })
        .text("/tmp/d"),
        // ---- file handles: fs/handle.rs ----
        row(Sysno::name_to_handle_at, 1, "pathname", Str, |fx, p| regs([CWD, p, fx.put(AUX, [12u32; 5]), AUX2, 0]))
            .text("/tmp/f"),
        row(Sysno::name_to_handle_at, 2, "handle", InOut(20), |fx, p| regs([CWD, fx.str(AUX, "/tmp/f"), p, AUX2, 0]))
            .put([12u32, 0, 0, 0, 0]),
        row(Sysno::name_to_handle_at, 3, "mount_id", Out(4), |fx, p| {
            regs([CWD, fx.str(AUX, "/tmp/f"), fx.put(AUX2, [12u32; 5]), p, 0])
        }),
        // The handle of /tmp/f, made by name_to_handle_at.
        row(Sysno::open_by_handle_at, 1, "handle", In(20), |_, p| regs([CWD, p, 0]))
            .data_with(|fx, _| {
                let (path, fh) = (fx.str(SETUP, "/tmp/f"), fx.put(SETUP + 0x100, [12u32; 5]));
                assert_eq!(fx.call(Sysno::name_to_handle_at, [CWD, path, fh, SETUP + 0x200, 0]), 0);
                fx.k.peek(&fx.p, fh, 20)
            })
            .good(Ok),
        // ---- the descriptor mount API: fs/mount_api.rs ----
        row(Sysno::fsopen, 0, "fsname", Str, |_, p| regs([p, 0])).text("tmpfs").good(Ok),
        // A NULL key or value of FSCONFIG_SET_STRING is EINVAL before anything is read.
        row(Sysno::fsconfig, 2, "key", Str, |fx, p| {
            let fd = fx.call(Sysno::fsopen, [fx.str(AUX, "tmpfs"), 0]) as usize;
            regs([fd, 1, p, fx.str(AUX2, "1m"), 0])
        })
        .text("size")
        .on(Null, Is(EINVAL)),
        row(Sysno::fsconfig, 3, "value", Str, |fx, p| {
            let fd = fx.call(Sysno::fsopen, [fx.str(AUX, "tmpfs"), 0]) as usize;
            regs([fd, 1, fx.str(AUX2, "size"), p, 0])
        })
        .text("1m")
        .on(Null, Is(EINVAL)),
        row(Sysno::fspick, 1, "path", Str, |fx, p| {
            fx.mount_tmpfs();
            regs([CWD, p, 0])
        })
        .text("/tmp/d")
        .good(Ok),
        row(Sysno::open_tree, 1, "filename", Str, |_, p| regs([CWD, p, 0])).text("/tmp").good(Ok),
        row(Sysno::move_mount, 1, "from_pathname", Str, |fx, p| {
            fx.mount_tmpfs();
            regs([CWD, p, CWD, fx.str(AUX, "/tmp"), 0])
        })
        .text("/tmp/d"),
        row(Sysno::move_mount, 3, "to_pathname", Str, |fx, p| {
            fx.mount_tmpfs();
            regs([CWD, fx.str(AUX, "/tmp/d"), CWD, p, 0])
        })
        .text("/tmp"),
        row(Sysno::mount_setattr, 1, "path", Str, |fx, p| {
            fx.mount_tmpfs();
            // Clearing MOUNT_ATTR_RDONLY: something to do, so the path is looked at.
            regs([CWD, p, 0, fx.put(AUX, [0u64, 1, 0, 0]), 32])
        })
        .text("/tmp/d"),
        row(Sysno::mount_setattr, 3, "uattr", In(32), |fx, p| {
            fx.mount_tmpfs();
            regs([CWD, fx.str(AUX, "/tmp/d"), 0, p, 32])
        })
        .put([0u64; 4]),
        row(Sysno::statfs, 0, "path", Str, |_, p| regs([p, AUX])).text("/tmp"),
        row(Sysno::statfs, 1, "buf", Out(size_of::<Statfs>()), |fx, p| regs([fx.str(AUX, "/tmp"), p])),
        row(Sysno::fstatfs, 1, "buf", Out(size_of::<Statfs>()), |_, p| regs([FILE, p])),
        // ---- processes: process.rs ----
        // set_tid_address only stores the pointer (Linux too), whatever it is; at the thread's
        // exit a bad one is skipped (and read-only memory stays as it is).
        row(Sysno::set_tid_address, 0, "tidptr", Out(4), |_, p| regs([p])).always(Ok).after(Fx::exit_thread),
        // NULL: nothing to set, nothing to report.
        row(Sysno::prlimit64, 2, "new_limit", In(size_of::<Rlimit>()), |_, p| regs([0, RLIMIT_CORE, p, 0]))
            .put(Rlimit { cur: 0, max: u64::MAX })
            .on(Null, Is(0)),
        row(Sysno::prlimit64, 3, "old_limit", Out(size_of::<Rlimit>()), |_, p| regs([0, RLIMIT_CORE, 0, p]))
            .on(Null, Is(0)),
        row(Sysno::getrlimit, 1, "rlim", Out(size_of::<Rlimit>()), |_, p| regs([RLIMIT_CORE, p])),
        row(Sysno::setrlimit, 1, "rlim", In(size_of::<Rlimit>()), |_, p| regs([RLIMIT_CORE, p]))
            .put(Rlimit { cur: 0, max: u64::MAX }),
        // The raw call returns the size of the kernel's mask; a length of 0 is EINVAL before the
        // pointer is looked at (getaffinity) or reads nothing: an empty mask (setaffinity).
        row(Sysno::sched_getaffinity, 2, "mask", Out(8), |_, p| regs([0, 8, p])).good(Is(8)).count(1, Is(EINVAL)),
        row(Sysno::sched_setaffinity, 2, "mask", In(8), |_, p| regs([0, 8, p])).put(1u64).count(1, Is(EINVAL)),
        // A NULL sched_param is EINVAL, not EFAULT; getcpu's pointers are optional.
        row(Sysno::sched_setscheduler, 2, "param", In(4), |_, p| regs([0, 0, p])).put(0i32).on(Null, Is(EINVAL)),
        row(Sysno::sched_setparam, 1, "param", In(4), |_, p| regs([0, p])).put(0i32).on(Null, Is(EINVAL)),
        row(Sysno::sched_getparam, 1, "param", Out(4), |_, p| regs([0, p])).on(Null, Is(EINVAL)),
        // sched_attr's size is read first; a NULL one is EINVAL.
        row(Sysno::sched_setattr, 1, "attr", In(size_of::<SchedAttr>()), |_, p| regs([0, p, 0]))
            .put(SchedAttr { size: 48, ..SchedAttr::default() })
            .on(Null, Is(EINVAL)),
        row(Sysno::sched_getattr, 1, "attr", Out(size_of::<SchedAttr>()), |_, p| regs([0, p, 56, 0]))
            .on(Null, Is(EINVAL)),
        row(Sysno::sched_rr_get_interval, 1, "tp", Out(size_of::<Timespec>()), |_, p| regs([0, p])),
        row(Sysno::getcpu, 0, "cpu", Out(4), |_, p| regs([p, 0])).on(Null, Is(0)),
        row(Sysno::getcpu, 1, "node", Out(4), |_, p| regs([0, p])).on(Null, Is(0)),
        row(Sysno::getresuid, 0, "ruid", Out(4), |_, p| regs([p, AUX, AUX + 4])),
        row(Sysno::getresuid, 1, "euid", Out(4), |_, p| regs([AUX, p, AUX + 4])),
        row(Sysno::getresuid, 2, "suid", Out(4), |_, p| regs([AUX, AUX + 4, p])),
        row(Sysno::getresgid, 0, "rgid", Out(4), |_, p| regs([p, AUX, AUX + 4])),
        row(Sysno::getresgid, 1, "egid", Out(4), |_, p| regs([AUX, p, AUX + 4])),
        row(Sysno::getresgid, 2, "sgid", Out(4), |_, p| regs([AUX, AUX + 4, p])),
        // Two supplementary groups; a size of 0 asks only how many there are.
        row(Sysno::getgroups, 1, "list", Out(8), |fx, p| {
            assert_eq!(fx.call(Sysno::setgroups, [2, fx.put(AUX, [5u32, 6])]), 0);
            regs([2, p])
        })
        .good(Is(2))
        .count(0, Is(2)),
        row(Sysno::setgroups, 1, "list", In(8), |_, p| regs([2, p])).put([5u32, 6]).count(0, Is(0)),
        // Capabilities: the header (version 3, pid 0) and two words of each set.
        row(Sysno::capget, 0, "header", In(8), |_, p| regs([p, AUX])).put([0x2008_0522u32, 0]),
        // A NULL data pointer only asks for the version.
        row(Sysno::capget, 1, "data", Out(24), |fx, p| regs([fx.put(AUX, [0x2008_0522u32, 0]), p])).on(Null, Is(0)),
        row(Sysno::capset, 0, "header", In(8), |fx, p| regs([p, fx.put(AUX, FULL_CAPS)])).put([0x2008_0522u32, 0]),
        row(Sysno::capset, 1, "data", In(24), |fx, p| regs([fx.put(AUX, [0x2008_0522u32, 0]), p])).put(FULL_CAPS),
        row(Sysno::getrusage, 1, "usage", Out(size_of::<Rusage>()), |_, p| regs([0, p])),
        row(Sysno::prctl, 1, "name", Str, |_, p| regs([PR_SET_NAME as usize, p])).text("tokio-worker"),
        row(Sysno::prctl, 1, "name (PR_GET_NAME)", Out(16), |_, p| regs([PR_GET_NAME as usize, p])),
        // ---- interval timers: itimer.rs ----
        row(Sysno::getitimer, 1, "curr_value", Out(size_of::<Itimerval>()), |_, p| regs([ITIMER_VIRTUAL, p])),
        // A NULL new value disarms (Linux too, with a warning); a NULL old one is not reported.
        row(Sysno::setitimer, 1, "new_value", In(size_of::<Itimerval>()), |_, p| regs([ITIMER_VIRTUAL, p, 0]))
            .put(Itimerval::default())
            .on(Null, Is(0)),
        row(Sysno::setitimer, 2, "old_value", Out(size_of::<Itimerval>()), |fx, p| {
            regs([ITIMER_VIRTUAL, fx.put(AUX, Itimerval::default()), p])
        })
        .on(Null, Is(0)),
        // ---- POSIX timers: posix_timer.rs ----
        // NULL: SIGEV_SIGNAL with SIGALRM.
        row(Sysno::timer_create, 1, "sevp", In(size_of::<SigEvent>()), |_, p| regs([CLOCK_MONOTONIC, p, AUX]))
            .put(SigEvent { notify: SIGEV_NONE, ..Default::default() })
            .on(Null, Is(0)),
        row(Sysno::timer_create, 2, "timerid", Out(4), |_, p| regs([CLOCK_MONOTONIC, 0, p])),
        // A NULL new value is EINVAL.
        row(Sysno::timer_settime, 2, "new_value", In(size_of::<ItimerSpec>()), |fx, p| regs([fx.timer(), 0, p, 0]))
            .put(ItimerSpec::default())
            .on(Null, Is(EINVAL)),
        row(Sysno::timer_settime, 3, "old_value", Out(size_of::<ItimerSpec>()), |fx, p| {
            regs([fx.timer(), 0, fx.put(AUX, ItimerSpec::default()), p])
        })
        .on(Null, Is(0)),
        row(Sysno::timer_gettime, 1, "curr_value", Out(size_of::<ItimerSpec>()), |fx, p| regs([fx.timer(), p])),
        // ---- clone.rs ----
        // The tid writes of CLONE_PARENT_SETTID and CLONE_CHILD_SETTID ignore a fault (Linux's
        // put_user results are not checked): the child is made all the same. CLONE_VM, so that
        // the child's writes land in the memory checked here.
        row(Sysno::clone, 2, "parent_tid (CLONE_PARENT_SETTID)", Out(4), |_, p| {
            regs([(SIGCHLD as u64 | CLONE_PARENT_SETTID) as usize, 0, p, 0, 0])
        })
        .always(Ok),
        row(Sysno::clone, 4, "child_tid (CLONE_CHILD_SETTID)", Out(4), |_, p| {
            regs([(SIGCHLD as u64 | CLONE_VM | CLONE_CHILD_SETTID) as usize, 0, 0, 0, p])
        })
        .always(Ok),
        // CLONE_CHILD_CLEARTID stores the pointer; the child's exit clears it (if it can).
        row(Sysno::clone, 4, "child_tid (CLONE_CHILD_CLEARTID)", Out(4), |_, p| {
            regs([(SIGCHLD as u64 | CLONE_VM | CLONE_CHILD_CLEARTID) as usize, 0, 0, 0, p])
        })
        .always(Ok)
        .after(Fx::exit_children),
        // clone3's struct: a plain fork (exit signal SIGCHLD).
        row(Sysno::clone3, 0, "cl_args", In(88), |_, p| regs([p, 88]))
            .put([0u64, 0, 0, 0, SIGCHLD as u64, 0, 0, 0, 0, 0, 0])
            .good(Ok)
            .after(Fx::exit_children),
        // ---- exec.rs ----
        // /tmp/x is executable but no program: a call that gets past every pointer is ENOEXEC.
        // NULL argv and envp are empty lists (Linux too).
        row(Sysno::execve, 0, "pathname", Str, |_, p| regs([p, 0, 0])).text("/tmp/x").good(Is(ENOEXEC)),
        row(Sysno::execve, 1, "argv", In(16), |fx, p| regs([fx.str(AUX, "/tmp/x"), p, 0]))
            .data_with(|fx, _| bytes_of(&[fx.str(AUX2, "x"), 0]).to_vec())
            .good(Is(ENOEXEC))
            .on(Null, Is(ENOEXEC)),
        // A NULL in argv or envp ends the list.
        row(Sysno::execve, 1, "argv[0]", Str, |fx, p| regs([fx.str(AUX, "/tmp/x"), fx.put(AUX2, [p, 0]), 0]))
            .text("x")
            .good(Is(ENOEXEC))
            .on(Null, Is(ENOEXEC)),
        row(Sysno::execve, 2, "envp", In(16), |fx, p| regs([fx.str(AUX, "/tmp/x"), 0, p]))
            .data_with(|fx, _| bytes_of(&[fx.str(AUX2, "A=1"), 0]).to_vec())
            .good(Is(ENOEXEC))
            .on(Null, Is(ENOEXEC)),
        row(Sysno::execve, 2, "envp[0]", Str, |fx, p| regs([fx.str(AUX, "/tmp/x"), 0, fx.put(AUX2, [p, 0])]))
            .text("A=1")
            .good(Is(ENOEXEC))
            .on(Null, Is(ENOEXEC)),
        row(Sysno::execveat, 1, "pathname", Str, |_, p| regs([CWD, p, 0, 0, 0])).text("/tmp/x").good(Is(ENOEXEC)),
        row(Sysno::execveat, 2, "argv", In(16), |fx, p| regs([CWD, fx.str(AUX, "/tmp/x"), p, 0, 0]))
            .data_with(|fx, _| bytes_of(&[fx.str(AUX2, "x"), 0]).to_vec())
            .good(Is(ENOEXEC))
            .on(Null, Is(ENOEXEC)),
        row(Sysno::execveat, 3, "envp", In(16), |fx, p| regs([CWD, fx.str(AUX, "/tmp/x"), 0, p, 0]))
            .data_with(|fx, _| bytes_of(&[fx.str(AUX2, "A=1"), 0]).to_vec())
            .good(Is(ENOEXEC))
            .on(Null, Is(ENOEXEC)),
        // ---- wait.rs ----
        // A child has exited; a NULL status or rusage is not reported. On EFAULT the child has
        // been reaped all the same (Linux too).
        row(Sysno::wait4, 1, "wstatus", Out(4), |fx, p| {
            fx.zombie();
            regs([usize::MAX, p, 0, 0])
        })
        .on(Null, Ok),
        row(Sysno::wait4, 3, "rusage", Out(size_of::<Rusage>()), |fx, p| {
            fx.zombie();
            regs([usize::MAX, 0, 0, p])
        })
        .on(Null, Ok),
        // waitid writes si_signo, si_errno, si_code, si_pid, si_uid and si_status: the first 28
        // bytes of the siginfo (Linux too).
        row(Sysno::waitid, 2, "infop", Out(28), |fx, p| {
            fx.zombie();
            regs([P_ALL as usize, 0, p, WEXITED as usize, 0])
        })
        .on(Null, Is(0)),
        row(Sysno::waitid, 4, "rusage", Out(size_of::<Rusage>()), |fx, p| {
            fx.zombie();
            regs([P_ALL as usize, 0, AUX, WEXITED as usize, p])
        })
        .on(Null, Is(0)),
        // ---- ipc/ ----
        row(Sysno::msgsnd, 1, "msgp", In(16), |fx, p| {
            regs([fx.call(Sysno::msgget, [0, 0o600]) as usize, p, 8, 0o4000])
        })
        .put([1u64, 0x4142_4344]),
        row(Sysno::msgrcv, 1, "msgp", Out(16), |fx, p| {
            let id = fx.call(Sysno::msgget, [0, 0o600]) as usize;
            assert_eq!(fx.call(Sysno::msgsnd, [id, fx.put(AUX, [1u64, 7]), 8, 0]), 0);
            regs([id, p, 8, 0, 0o4000])
        })
        .good(Is(8)),
        row(Sysno::msgctl, 2, "buf", Out(120), |fx, p| regs([fx.call(Sysno::msgget, [0, 0o600]) as usize, 2, p])),
        row(Sysno::semop, 1, "sops", In(6), |fx, p| regs([fx.call(Sysno::semget, [0, 1, 0o600]) as usize, p, 1]))
            .put([0u16, 1, 0]),
        row(Sysno::semtimedop, 1, "sops", In(6), |fx, p| {
            regs([fx.call(Sysno::semget, [0, 1, 0o600]) as usize, p, 1, 0])
        })
        .put([0u16, 1, 0]),
        row(Sysno::semtimedop, 3, "timeout", In(16), |fx, p| {
            regs([fx.call(Sysno::semget, [0, 1, 0o600]) as usize, fx.put(AUX, [0u16, 1, 0]), 1, p])
        })
        .put(Timespec { tv_sec: 1, tv_nsec: 0 })
        .on(Null, Is(0)),
        row(Sysno::semctl, 3, "arg (IPC_STAT)", Out(88), |fx, p| {
            regs([fx.call(Sysno::semget, [0, 1, 0o600]) as usize, 0, 2, p])
        }),
        row(Sysno::shmctl, 2, "buf", Out(112), |fx, p| regs([fx.call(Sysno::shmget, [0, 4096, 0o600]) as usize, 2, p])),
        // ---- mqueue.rs ----
        // The name is read after the attributes; a NULL attr asks for the defaults.
        row(Sysno::mq_open, 0, "name", Str, |_, p| regs([p, (O_CREAT | O_RDWR) as usize, 0o600, 0]))
            .text("efault-open"),
        row(Sysno::mq_open, 3, "attr", In(size_of::<MqAttr>()), |fx, p| {
            regs([fx.str(AUX, "efault-attr"), (O_CREAT | O_RDWR) as usize, 0o600, p])
        })
        .put(MqAttr { mq_maxmsg: 1, mq_msgsize: 16, ..Default::default() })
        .on(Null, Ok),
        row(Sysno::mq_unlink, 0, "name", Str, |fx, p| {
            fx.mq("efault-unlink");
            regs([p])
        })
        .text("efault-unlink")
        .good(Is(0)),
        // A message of 0 bytes needs no memory.
        row(Sysno::mq_timedsend, 1, "msg_ptr", In(16), |fx, p| regs([fx.mq("efault-send"), p, 16, 0, 0]))
            .put([7u8; 16])
            .good(Is(0))
            .count(2, Is(0)),
        // A NULL timeout is none; with room in the queue the time does not matter.
        row(Sysno::mq_timedsend, 4, "abs_timeout", In(size_of::<Timespec>()), |fx, p| {
            regs([fx.mq("efault-send-time"), fx.put(AUX, [7u8; 16]), 16, 0, p])
        })
        .put(ZERO_TIME)
        .good(Is(0))
        .on(Null, Is(0)),
        // The message is taken before it is copied out, and is lost when that faults (Linux
        // too). A buffer below mq_msgsize is EMSGSIZE, whatever its address.
        row(Sysno::mq_timedreceive, 1, "msg_ptr", Out(16), |fx, p| {
            regs([fx.mq_with_message("efault-recv"), p, 64, 0, 0])
        })
        .good(Is(16))
        .count(2, Is(EMSGSIZE)),
        row(Sysno::mq_timedreceive, 3, "msg_prio", Out(4), |fx, p| {
            regs([fx.mq_with_message("efault-prio"), AUX, 64, p, 0])
        })
        .good(Is(16))
        .on(Null, Is(16)),
        row(Sysno::mq_timedreceive, 4, "abs_timeout", In(size_of::<Timespec>()), |fx, p| {
            regs([fx.mq_with_message("efault-recv-time"), AUX, 64, 0, p])
        })
        .put(ZERO_TIME)
        .good(Is(16))
        .on(Null, Is(16)),
        // NULL takes the caller's registration back (there is none: nothing happens).
        row(Sysno::mq_notify, 1, "sevp", In(size_of::<SigEvent>()), |fx, p| regs([fx.mq("efault-notify"), p]))
            .put(SigEvent { notify: SIGEV_NONE, ..Default::default() })
            .on(Null, Is(0)),
        // SIGEV_THREAD: the 32-byte cookie at sigev_value is read first, then the descriptor in
        // sigev_signo must be a netlink socket (a regular file is ENOTSOCK).
        row(Sysno::mq_notify, 1, "sevp->sigev_value (SIGEV_THREAD cookie)", In(32), |fx, p| {
            let ev = SigEvent { value: p as u64, signo: FILE as i32, notify: SIGEV_THREAD, ..Default::default() };
            regs([fx.mq("efault-cookie"), fx.put(AUX, ev)])
        })
        .data([1u8; 32])
        .good(Is(ENOTSOCK)),
        row(Sysno::mq_getsetattr, 1, "newattr", In(size_of::<MqAttr>()), |fx, p| regs([fx.mq("efault-setattr"), p, 0]))
            .put(MqAttr::default())
            .good(Is(0))
            .on(Null, Is(0)),
        row(Sysno::mq_getsetattr, 2, "oldattr", Out(size_of::<MqAttr>()), |fx, p| {
            regs([fx.mq("efault-getattr"), 0, p])
        })
        .good(Is(0))
        .on(Null, Is(0)),
        // ---- futex.rs ----
        // An aligned futex word never crosses a page, and an unaligned one is EINVAL: no Cross
        // case for futex words.
        row(Sysno::futex, 0, "uaddr (FUTEX_WAIT)", In(4), |_, p| {
            regs([p, (FUTEX_WAIT | FUTEX_PRIVATE_FLAG) as usize, 0])
        })
        .put(1u32)
        .good(Is(EAGAIN))
        .skip(Cross),
        // A private FUTEX_WAKE only names the word (Linux's get_futex_key checks access_ok and
        // no more): any user address wakes nobody; a kernel or wrapping one is EFAULT.
        row(Sysno::futex, 0, "uaddr (FUTEX_WAKE private)", In(4), |_, p| {
            regs([p, (FUTEX_WAKE | FUTEX_PRIVATE_FLAG) as usize, 1])
        })
        .good(Is(0))
        .on(Null, Is(0))
        .on(Unmapped, Is(0))
        .skip(Cross),
        // A shared one looks the page up: EFAULT unless it is mapped.
        row(Sysno::futex, 0, "uaddr (FUTEX_WAKE shared)", In(4), |_, p| regs([p, FUTEX_WAKE as usize, 1]))
            .good(Is(0))
            .skip(Cross),
        row(Sysno::futex, 0, "uaddr (FUTEX_CMP_REQUEUE)", In(4), |fx, p| {
            regs([p, (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG) as usize, 1, 1, fx.put(AUX, 0u32), 7])
        })
        .put(7u32)
        .good(Is(0))
        .skip(Cross),
        // The timeout is read first; NULL waits for ever, but the word does not match (EAGAIN).
        row(Sysno::futex, 3, "timeout (FUTEX_WAIT)", In(size_of::<Timespec>()), |fx, p| {
            regs([fx.put(AUX, 1u32), (FUTEX_WAIT | FUTEX_PRIVATE_FLAG) as usize, 0, p])
        })
        .put(ZERO_TIME)
        .good(Is(EAGAIN))
        .on(Null, Is(EAGAIN)),
        row(Sysno::futex, 3, "timeout (FUTEX_WAIT_BITSET)", In(size_of::<Timespec>()), |fx, p| {
            regs([
                fx.put(AUX, 1u32),
                (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG) as usize,
                0,
                p,
                0,
                FUTEX_BITSET_MATCH_ANY as usize,
            ])
        })
        .put(ZERO_TIME)
        .good(Is(EAGAIN))
        .on(Null, Is(EAGAIN)),
        // Requeueing to a private uaddr2 only names it, as FUTEX_WAKE does.
        row(Sysno::futex, 4, "uaddr2 (FUTEX_REQUEUE private)", In(4), |fx, p| {
            regs([fx.put(AUX, 0u32), (FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG) as usize, 1, 1, p])
        })
        .good(Is(0))
        .on(Null, Is(0))
        .on(Unmapped, Is(0))
        .skip(Cross),
        row(Sysno::futex, 4, "uaddr2 (FUTEX_CMP_REQUEUE private)", In(4), |fx, p| {
            regs([fx.put(AUX, 7u32), (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG) as usize, 1, 1, p, 7])
        })
        .good(Is(0))
        .on(Null, Is(0))
        .on(Unmapped, Is(0))
        .skip(Cross),
        // FUTEX_WAKE_OP changes *uaddr2 (here: set to 0 if it was 0).
        row(Sysno::futex, 4, "uaddr2 (FUTEX_WAKE_OP)", InOut(4), |fx, p| {
            regs([fx.put(AUX, 0u32), (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG) as usize, 1, 1, p, 0])
        })
        .put(0u32)
        .good(Is(0))
        .skip(Cross),
        // set_robust_list only stores the head (Linux too). At the thread's exit the list is
        // walked: here a head whose pending entry is a futex word that the thread holds (right
        // after the head), which the exit marks FUTEX_OWNER_DIED if it can write it; it cannot
        // in the read-only page.
        row(Sysno::set_robust_list, 0, "head", In(24), |_, p| regs([p, 24]))
            .data_with(|fx, at| {
                let mut v = bytes_of(&[at, 0, at.wrapping_add(24)]).to_vec();
                v.extend_from_slice(&(fx.tid() as u32).to_le_bytes());
                v
            })
            .always(Is(0))
            .after(Fx::exit_thread),
        row(Sysno::get_robust_list, 1, "head_ptr", Out(8), |_, p| regs([0, p, AUX])),
        row(Sysno::get_robust_list, 2, "len_ptr", Out(8), |_, p| regs([0, AUX, p])),
        // ---- time.rs ----
        row(Sysno::clock_gettime, 1, "tp", Out(size_of::<Timespec>()), |_, p| regs([CLOCK_MONOTONIC, p])),
        // NULL: the clock is only checked.
        row(Sysno::clock_getres, 1, "res", Out(size_of::<Timespec>()), |_, p| regs([CLOCK_MONOTONIC, p]))
            .on(Null, Is(0)),
        row(Sysno::gettimeofday, 0, "tv", Out(size_of::<Timeval>()), |_, p| regs([p, 0])).on(Null, Is(0)),
        row(Sysno::gettimeofday, 1, "tz", Out(8), |fx, p| regs([fx.put(AUX, Timeval::default()), p])).on(Null, Is(0)),
        row(Sysno::clock_settime, 1, "tp", In(size_of::<Timespec>()), |_, p| regs([CLOCK_REALTIME, p]))
            .put(Timespec { tv_sec: 1_800_000_000, tv_nsec: 0 }),
        // NULL: that part is not set.
        row(Sysno::settimeofday, 0, "tv", In(size_of::<Timeval>()), |_, p| regs([p, 0]))
            .put(Timeval { tv_sec: 1_800_000_000, tv_usec: 0 })
            .on(Null, Is(0)),
        row(Sysno::settimeofday, 1, "tz", In(8), |_, p| regs([0, p])).put([0i32, 0]).on(Null, Is(0)),
        // Modes 0 reads the state: TIME_ERROR (5) while the clock is unsynchronised.
        row(Sysno::adjtimex, 0, "buf", InOut(size_of::<Timex>()), |_, p| regs([p])).put(Timex::default()).good(Is(5)),
        row(Sysno::clock_adjtime, 1, "buf", InOut(size_of::<Timex>()), |_, p| regs([CLOCK_REALTIME, p]))
            .put(Timex::default())
            .good(Is(5)),
        row(Sysno::nanosleep, 0, "req", In(size_of::<Timespec>()), |_, p| regs([p, 0]))
            .put(Timespec { tv_sec: 0, tv_nsec: 1000 }),
        // rem is written only when a signal ends the sleep early (Linux too).
        row(Sysno::nanosleep, 1, "rem (not interrupted)", Out(size_of::<Timespec>()), |fx, p| {
            regs([fx.put(AUX, Timespec { tv_sec: 0, tv_nsec: 1000 }), p])
        })
        .always(Is(0)),
        // A signal with a handler is pending: the sleep ends at once and reports the time left
        // (the raw result is ERESTART_RESTARTBLOCK, EINTR once the handler has run).
        row(Sysno::nanosleep, 1, "rem (interrupted)", Out(size_of::<Timespec>()), |fx, p| {
            fx.pending_usr1(false);
            regs([fx.put(AUX, Timespec { tv_sec: 1, tv_nsec: 0 }), p])
        })
        .good(Is(ERESTART_RESTARTBLOCK))
        .on(Null, Is(ERESTART_RESTARTBLOCK)),
        row(Sysno::clock_nanosleep, 2, "request", In(size_of::<Timespec>()), |_, p| regs([CLOCK_MONOTONIC, 0, p, 0]))
            .put(Timespec { tv_sec: 0, tv_nsec: 1000 }),
        row(Sysno::clock_nanosleep, 3, "remain (not interrupted)", Out(size_of::<Timespec>()), |fx, p| {
            regs([CLOCK_MONOTONIC, 0, fx.put(AUX, Timespec { tv_sec: 0, tv_nsec: 1000 }), p])
        })
        .always(Is(0)),
        row(Sysno::clock_nanosleep, 3, "remain (interrupted)", Out(size_of::<Timespec>()), |fx, p| {
            fx.pending_usr1(false);
            regs([CLOCK_MONOTONIC, 0, fx.put(AUX, Timespec { tv_sec: 1, tv_nsec: 0 }), p])
        })
        .good(Is(ERESTART_RESTARTBLOCK))
        .on(Null, Is(ERESTART_RESTARTBLOCK)),
        // NULL: only the clock ticks are returned.
        row(Sysno::times, 0, "buf", Out(size_of::<Tms>()), |_, p| regs([p])).on(Null, Ok),
        // ---- system information: info.rs, reboot.rs ----
        row(Sysno::uname, 0, "buf", Out(size_of::<Utsname>()), |_, p| regs([p])),
        // Like read: the bytes before a fault count (Linux's get_random_bytes_user).
        row(Sysno::getrandom, 0, "buf", Out(16), |_, p| regs([p, 16, 0])).good(Is(16)).on(Cross, Is(8)).count(1, Is(0)),
        row(Sysno::sysinfo, 0, "info", Out(size_of::<Sysinfo>()), |_, p| regs([p])),
        // LINUX_REBOOT_CMD_RESTART2 reads a command string (the others ignore the argument).
        row(Sysno::reboot, 3, "arg (RESTART2)", Str, |_, p| {
            regs([MAGIC1, MAGIC2, syscalls::reboot::CMD_RESTART2 as usize, p])
        })
        .text("now")
        .good(Is(0))
        .after(|_| {
            syscalls::reboot::take_requested();
        }),
        // SYSLOG_ACTION_READ_ALL of the last 6 bytes of the log. A NULL buffer is EINVAL.
        row(Sysno::syslog, 1, "bufp (READ_ALL)", Out(6), |_, p| {
            syscalls::info::klog_write(b"hello\n");
            regs([3, p, 6])
        })
        .good(Is(6))
        .on(Null, Is(EINVAL))
        .count(2, Is(0)),
        // ---- signals: signal.rs ----
        // NULL act or oldact: nothing to set, nothing to report (and likewise below).
        row(Sysno::rt_sigaction, 1, "act", In(size_of::<SigAction>()), |_, p| regs([SIGUSR1, p, 0, 8]))
            .put(SigAction::default())
            .on(Null, Is(0)),
        row(Sysno::rt_sigaction, 2, "oldact", Out(size_of::<SigAction>()), |_, p| regs([SIGUSR1, 0, p, 8]))
            .on(Null, Is(0)),
        row(Sysno::rt_sigprocmask, 1, "set", In(8), |_, p| regs([SIG_BLOCK, p, 0, 8])).put(0u64).on(Null, Is(0)),
        row(Sysno::rt_sigprocmask, 2, "oldset", Out(8), |_, p| regs([SIG_BLOCK, 0, p, 8])).on(Null, Is(0)),
        // A sigsetsize of 0 copies nothing (qemu-user answers EFAULT: it checks 8 bytes).
        row(Sysno::rt_sigpending, 0, "set", Out(8), |_, p| regs([p, 8])).count(1, Is(0)),
        // SIGUSR1 (with a handler) is pending and blocked: the mask of 0 lets it in at once.
        row(Sysno::rt_sigsuspend, 0, "mask", In(8), |fx, p| {
            fx.pending_usr1(true);
            regs([p, 8])
        })
        .put(0u64)
        .good(Is(ERESTARTNOHAND)),
        row(Sysno::rt_sigtimedwait, 0, "set", In(8), |fx, p| {
            fx.pending_usr1(true);
            regs([p, 0, fx.put(AUX, ZERO_TIME), 8])
        })
        .put(sigbit(SIGUSR1))
        .good(Is(SIGUSR1 as isize)),
        // The signal is pending, so a NULL timeout (wait for ever) does not wait.
        row(Sysno::rt_sigtimedwait, 1, "info", Out(size_of::<SigInfo>()), |fx, p| {
            fx.pending_usr1(true);
            regs([fx.put(AUX, sigbit(SIGUSR1)), p, 0, 8])
        })
        .good(Is(SIGUSR1 as isize))
        .on(Null, Is(SIGUSR1 as isize)),
        row(Sysno::rt_sigtimedwait, 2, "timeout", In(size_of::<Timespec>()), |fx, p| {
            fx.pending_usr1(true);
            regs([fx.put(AUX, sigbit(SIGUSR1)), 0, p, 8])
        })
        .put(ZERO_TIME)
        .good(Is(SIGUSR1 as isize))
        .on(Null, Is(SIGUSR1 as isize)),
        row(Sysno::sigaltstack, 0, "ss", In(size_of::<StackT>()), |_, p| regs([p, 0]))
            .put(StackT { sp: 0, flags: SS_DISABLE, _pad: 0, size: 0 })
            .on(Null, Is(0)),
        row(Sysno::sigaltstack, 1, "old_ss", Out(size_of::<StackT>()), |_, p| regs([0, p])).on(Null, Is(0)),
        // SIGWINCH is ignored by default: queueing it to oneself changes nothing.
        row(Sysno::rt_sigqueueinfo, 2, "uinfo", In(size_of::<SigInfo>()), |fx, p| regs([fx.pid(), SIGWINCH, p]))
            .put(SigInfo { signo: SIGWINCH as i32, code: SI_QUEUE, ..Default::default() }),
        row(Sysno::rt_tgsigqueueinfo, 3, "uinfo", In(size_of::<SigInfo>()), |fx, p| {
            regs([fx.pid(), fx.tid(), SIGWINCH, p])
        })
        .put(SigInfo { signo: SIGWINCH as i32, code: SI_QUEUE, ..Default::default() }),
        row(Sysno::pidfd_send_signal, 2, "info", In(size_of::<SigInfo>()), |fx, p| {
            let pidfd = fx.k.syscall(&fx.p, Sysno::pidfd_open, [fx.pid(), 0]);
            regs([pidfd as usize, SIGWINCH, p, 0])
        })
        .put(SigInfo { signo: SIGWINCH as i32, code: SI_QUEUE, ..Default::default() })
        .on(Null, Is(0)),
    ]
}

/// Pointers the dispatch table passes as plain numbers: the syscall makes them pointers (for
/// some requests or flags). `(syscall, argument)`; keep in step with the syscalls.
/// Root's capability sets as capset's data: effective, permitted, inheritable, twice.
const FULL_CAPS: [u32; 6] = [u32::MAX, u32::MAX, 0, 0x1ff, 0x1ff, 0];

const UNTYPED: &[(&str, usize)] = &[
    ("fsconfig", 3),
    ("name_to_handle_at", 2),
    ("name_to_handle_at", 3),
    ("open_by_handle_at", 1),
    ("mount_setattr", 3),
    ("sendmmsg", 1),
    ("recvmmsg", 1),
    ("openat2", 2),
    ("capget", 1),
    ("capset", 1),
    ("ioctl", 2),
    ("fcntl", 2),
    ("ppoll", 3),
    ("epoll_pwait", 1),
    ("connect", 1),
    ("getsockname", 1),
    ("getsockname", 2),
    ("epoll_pwait", 4),
    ("epoll_pwait2", 1),
    ("epoll_pwait2", 4),
    ("pselect6", 1),
    ("pselect6", 2),
    ("pselect6", 3),
    ("mount", 4),
    ("set_tid_address", 0),
    ("getgroups", 1),
    ("setgroups", 1),
    ("clone", 2),
    ("clone", 4),
    ("clone3", 0),
    ("sethostname", 0),
    ("riscv_hwprobe", 0),
    ("riscv_hwprobe", 3),
    ("setdomainname", 0),
    ("futex", 0),
    ("futex", 3),
    ("futex", 4),
    ("set_robust_list", 0),
    ("gettimeofday", 1),
    ("reboot", 3),
    ("syslog", 1),
    ("rt_sigpending", 0),
    ("prctl", 1),
    ("msgsnd", 1),
    ("msgrcv", 1),
    ("msgctl", 2),
    ("semop", 1),
    ("semtimedop", 1),
    ("semtimedop", 3),
    ("semctl", 3),
    ("shmctl", 2),
];

/// The rows of the syscall table: each syscall's name, with the arguments it decodes as
/// pointers (`ptr`, `slice`, `slice_mut`, `cstr`).
fn dispatch_arms() -> BTreeMap<String, BTreeSet<usize>> {
    syscalls::table::SYSCALLS
        .iter()
        .map(|row| (row.name.to_string(), (0..6).filter(|i| row.pointers & (1 << i) != 0).collect()))
        .collect()
}

#[test]
fn every_pointer_argument_of_every_syscall_gives_efault_when_bad() {
    let rows = rows();
    let mut failures = Vec::new();
    let mut cases = 0;
    for row in &rows {
        for case in row.cases() {
            cases += 1;
            match catch_unwind(AssertUnwindSafe(|| row.run(case))) {
                Result::Ok(Result::Ok(())) => {}
                Result::Ok(Err(e)) => failures.push(e),
                Err(panic) => {
                    let msg = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
                    failures.push(format!("{} {case:?}: panicked: {}", row.name(), msg.unwrap_or_default()));
                }
            }
        }
    }

    // Every pointer of the dispatch table has a row, and every row is about one of them.
    let arms = dispatch_arms();
    assert!(arms.len() > 100, "dispatch.rs: only {} arms found; has its layout changed?", arms.len());
    let mut pointers: BTreeSet<(String, usize)> =
        arms.iter().flat_map(|(name, args)| args.iter().map(move |&a| (name.clone(), a))).collect();
    for &(name, arg) in UNTYPED {
        assert!(arms.contains_key(name), "UNTYPED names {name}, which the dispatch table does not have");
        pointers.insert((name.to_string(), arg));
    }
    let covered: BTreeSet<(String, usize)> = rows.iter().map(|r| (format!("{:?}", r.sys), r.arg)).collect();
    for (name, arg) in pointers.difference(&covered) {
        failures.push(format!("{name}: pointer argument {arg} has no row in efault.rs"));
    }
    for (name, arg) in covered.difference(&pointers) {
        failures.push(format!("{name}: a row for argument {arg}, which is no pointer of the dispatch table"));
    }
    let syscalls: BTreeSet<&String> = pointers.iter().map(|(name, _)| name).collect();
    println!(
        "efault: {} pointer arguments of {} syscalls checked ({} rows, {cases} cases)",
        pointers.len(),
        syscalls.len(),
        rows.len()
    );
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// What a call has done stays done when only its report of the old value faults (Linux writes
/// the old value last): the new limit, mask, action, timer and alternate stack are in force,
/// the waited-for child is reaped, the awaited signal is taken.
#[test]
fn a_bad_output_pointer_does_not_undo_the_call() {
    let fx = Fx::new();
    let old_bad = UNMAPPED;

    fx.put(AUX, Rlimit { cur: 1234, max: u64::MAX });
    assert_eq!(fx.call(Sysno::prlimit64, [0, RLIMIT_CORE, AUX, old_bad]), EFAULT);
    assert_eq!(fx.call(Sysno::prlimit64, [0, RLIMIT_CORE, 0, AUX2]), 0);
    assert_eq!(fx.k.peek_val::<Rlimit>(&fx.p, AUX2).cur, 1234);

    fx.put(AUX, sigbit(SIGWINCH));
    assert_eq!(fx.call(Sysno::rt_sigprocmask, [SIG_BLOCK, AUX, old_bad, 8]), EFAULT);
    assert_eq!(fx.call(Sysno::rt_sigprocmask, [SIG_BLOCK, 0, AUX2, 8]), 0);
    assert_eq!(fx.k.peek_val::<u64>(&fx.p, AUX2), sigbit(SIGWINCH));

    fx.put(AUX, SigAction { handler: 0x1000, ..Default::default() });
    assert_eq!(fx.call(Sysno::rt_sigaction, [SIGUSR1, AUX, old_bad, 8]), EFAULT);
    assert_eq!(fx.call(Sysno::rt_sigaction, [SIGUSR1, 0, AUX2, 8]), 0);
    assert_eq!(fx.k.peek_val::<SigAction>(&fx.p, AUX2).handler, 0x1000);

    let one_second = Timeval { tv_sec: 1, tv_usec: 0 };
    fx.put(AUX, Itimerval { interval: Timeval::default(), value: one_second });
    assert_eq!(fx.call(Sysno::setitimer, [ITIMER_VIRTUAL, AUX, old_bad]), EFAULT);
    assert_eq!(fx.call(Sysno::getitimer, [ITIMER_VIRTUAL, AUX2]), 0);
    assert_eq!(fx.k.peek_val::<Itimerval>(&fx.p, AUX2).value, one_second);

    fx.put(AUX, StackT { sp: BUF, flags: 0, _pad: 0, size: 0x4000 });
    assert_eq!(fx.call(Sysno::sigaltstack, [AUX, old_bad]), EFAULT);
    assert_eq!(fx.call(Sysno::sigaltstack, [0, AUX2]), 0);
    assert_eq!(fx.k.peek_val::<StackT>(&fx.p, AUX2).sp, BUF);

    fx.zombie();
    assert!(fx.call(Sysno::wait4, [usize::MAX, old_bad, 0, 0]) == EFAULT);
    assert_eq!(fx.call(Sysno::wait4, [usize::MAX, 0, 1 /* WNOHANG */, 0]), ECHILD, "the child was reaped");

    fx.pending_usr1(true);
    fx.put(AUX, sigbit(SIGUSR1));
    assert_eq!(fx.call(Sysno::rt_sigtimedwait, [AUX, old_bad, fx.put(AUX2, ZERO_TIME), 8]), EFAULT);
    assert_eq!(fx.call(Sysno::rt_sigtimedwait, [AUX, 0, AUX2, 8]), EAGAIN, "the signal was taken");
}

/// rt_sigreturn takes its frame from the stack pointer, whatever the program left there: a
/// frame that cannot be read is a SIGSEGV for the thread (Linux's badframe), never a crash.
#[test]
fn rt_sigreturn_with_a_bad_stack_pointer_is_sigsegv() {
    for sp in [0, UNMAPPED, KERNEL, WRAP, SCRATCH_END - 8] {
        let fx = Fx::new();
        // With a handler, the SIGSEGV waits to be delivered (without, it ends the process).
        let act = fx.put(SETUP, SigAction { handler: 0x1000, ..Default::default() });
        assert_eq!(fx.call(Sysno::rt_sigaction, [abi::signal::SIGSEGV, act, 0, 8]), 0);
        fx.p.thread().ctx.lock().x[2] = sp;
        fx.call(Sysno::rt_sigreturn, []);
        let pending = task::signal::pending(fx.p.thread());
        assert_ne!(pending & sigbit(abi::signal::SIGSEGV), 0, "sp {sp:#x}: SIGSEGV");
    }
}
