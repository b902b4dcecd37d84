//! Building processes in memory for host tests, and calling syscalls on them by number.
//!
//! ```ignore
//! let k = TestKernel::new();
//! let p = k.spawn();
//! k.poke(&p, SCRATCH, b"hi");
//! assert_eq!(k.syscall(&p, Sysno::write, [1, SCRATCH, 2]), 2);
//! assert_eq!(k.console_output(), "hi");
//! ```
use crate::{dispatch, Caller};
use abi::Sysno;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use fs::ramfs::{RamDir, RamFile};
use fs::{FileKind, InodeRef};
use hal::context::UserContext;
use mm::aspace::AreaKind;
use mm::{AddressSpace, Perm};
use task::{process::root_context, Process, Thread};

mod files;
pub use files::FsTest;

/// A 1 MiB read-write area mapped in every test process (pages appear on first touch).
pub const SCRATCH: usize = 0x1000_0000;
pub const SCRATCH_LEN: usize = 1 << 20;
/// One read-only page holding [`READONLY_TEXT`].
pub const READONLY: usize = 0x2000_0000;
pub const READONLY_TEXT: &[u8] = b"read-only page\0";
/// Where [`TestKernel::open`] puts the path it opens (inside SCRATCH).
pub const PATH: usize = SCRATCH + 0xf_0000;
/// An address with nothing mapped.
pub const UNMAPPED: usize = 0x3000_0000;

/// A file tree and a way to run syscalls in processes made on it.
pub struct TestKernel {
    pub root: InodeRef,
}

/// Syscall `n` as the trap's fast path runs it without a future (`crate::table::now`), unless
/// it is traced or armed to fail (those take the dispatcher, as in the kernel).
pub fn now_way(cx: &Caller, n: usize, a: [usize; 6]) -> Option<isize> {
    #[cfg(feature = "trace")]
    if crate::trace::enabled() {
        return None;
    }
    #[cfg(feature = "fault-inject")]
    if crate::fault::armed(n) {
        return None;
    }
    let ret = crate::table::now(cx, n, || a)?;
    crate::coverage::record(n);
    Some(ret)
}

impl Default for TestKernel {
    fn default() -> Self {
        Self::new()
    }
}

impl TestKernel {
    /// A root with /dev (console, tty, null, zero), /tmp and /etc.
    pub fn new() -> TestKernel {
        let root: InodeRef = RamDir::new_root();
        let dev = root.create("dev", FileKind::Directory, 0o755).unwrap();
        dev.link("console", fs::dev::CONSOLE.clone()).unwrap();
        dev.link("tty", fs::dev::CONSOLE.clone()).unwrap();
        dev.link("null", fs::dev::Null::new()).unwrap();
        dev.link("zero", fs::dev::Zero::new()).unwrap();
        root.create("tmp", FileKind::Directory, 0o1777).unwrap();
        root.create("etc", FileKind::Directory, 0o755).unwrap();
        let _ = hal::console::take_output();
        // As the kernel does at boot: the terminal's ^C/^Z signal its foreground group.
        fs::tty::set_signal_hook(|pgrp, sig| {
            let _ = task::signal::send_to_group(pgrp as usize, sig);
        });
        TestKernel { root }
    }

    /// Create (or replace) a regular file at absolute `path`, mode 0644; its directory must exist.
    pub fn add_file(&self, path: &str, data: &[u8]) -> InodeRef {
        self.add_file_mode(path, 0o644, data)
    }

    /// [`TestKernel::add_file`] with permission bits `mode`.
    pub fn add_file_mode(&self, path: &str, mode: u32, data: &[u8]) -> InodeRef {
        let (dir, name) = fs::path::split_parent(path);
        let dir = fs::path::lookup(&self.root, &self.root, &dir, true).expect("parent directory");
        let _ = dir.unlink(&name);
        let f: InodeRef = RamFile::new(mode, Vec::from(data));
        dir.link(&name, f.clone()).unwrap();
        f
    }

    /// A process with fds 0-2 on the console, cwd "/", and the SCRATCH and READONLY areas.
    pub fn spawn(&self) -> Caller {
        let mut mm = AddressSpace::new().unwrap();
        mm.map(SCRATCH, SCRATCH_LEN, Perm::R | Perm::W, AreaKind::Anonymous).unwrap();
        mm.map(READONLY, 4096, Perm::R, AreaKind::Anonymous).unwrap();
        mm.fill_bytes(READONLY, READONLY_TEXT).unwrap();
        mm.init_brk(0x4000_0000);
        let p = Process::new(None, mm, crate::exec::console_fds().unwrap(), root_context(self.root.clone()));
        Caller::new(Thread::new_main(&p, UserContext::new(0x1000, SCRATCH + SCRATCH_LEN)))
    }

    /// Call syscall `n` with raw register values (missing ones are 0), the way the trap's fast
    /// path does: synchronously if the table can ([`crate::table::now`]), else its future,
    /// running the executor until it returns. Returns the raw a0 value (negative errno on
    /// failure). `tests/fs_io_now.rs` checks that both ways give the same results.
    pub fn syscall<const N: usize>(&self, cx: &Caller, n: Sysno, args: [usize; N]) -> isize {
        let mut a = [0usize; 6];
        a[..N].copy_from_slice(&args);
        if let Some(ret) = now_way(cx, n.0, a) {
            return ret;
        }
        task::executor::block_on(dispatch(cx, n.0, a))
    }

    /// Write bytes into the process's memory (as the kernel would, ignoring permissions).
    pub fn poke(&self, cx: &Caller, addr: usize, bytes: &[u8]) {
        cx.mm().fill_bytes(addr, bytes).expect("poke: address not mapped");
    }

    /// openat(AT_FDCWD, path, flags, 0644) with the path placed at [`PATH`]; the raw result.
    pub fn open(&self, cx: &Caller, path: &str, flags: u32) -> isize {
        self.poke_str(cx, PATH, path);
        self.syscall(cx, Sysno::openat, [abi::flags::AT_FDCWD as usize, PATH, flags as usize, 0o644])
    }

    /// [`open`](Self::open) that must succeed; the descriptor.
    pub fn open_ok(&self, cx: &Caller, path: &str, flags: u32) -> usize {
        let fd = self.open(cx, path, flags);
        assert!(fd >= 0, "open {path}: {fd}");
        fd as usize
    }

    /// Write a NUL-terminated string; returns its address.
    pub fn poke_str(&self, cx: &Caller, addr: usize, s: &str) -> usize {
        let mut b = Vec::from(s.as_bytes());
        b.push(0);
        self.poke(cx, addr, &b);
        addr
    }

    /// Read `len` bytes of the process's memory.
    pub fn peek(&self, cx: &Caller, addr: usize, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        cx.mm().read_bytes(addr, &mut v).expect("peek: address not readable");
        v
    }

    /// Read a `T` from the process's memory.
    pub fn peek_val<T: bytemuck::Pod>(&self, cx: &Caller, addr: usize) -> T {
        mm::UserPtr::<T>::new(addr).read(&mut cx.mm()).expect("peek_val: address not readable")
    }

    /// Everything written to the console since the last call (or since `new`).
    pub fn console_output(&self) -> String {
        String::from_utf8_lossy(&hal::console::take_output()).into_owned()
    }

    /// Queue keyboard input for the console.
    pub fn type_input(&self, bytes: &[u8]) {
        hal::console::push_input(bytes);
    }

    /// Whether the process has ended, and how.
    pub fn exit_status(&self, cx: &Caller) -> Option<task::process::ExitStatus> {
        cx.process().exit_status()
    }

    /// Run a closure with the caller's process (for assertions on kernel state).
    pub fn process<'a>(&self, cx: &'a Caller) -> &'a Arc<Process> {
        cx.process()
    }

    /// Start syscall `n` of `cx` as a task of its own: it runs whenever the test's own call
    /// waits (e.g. a child's exit while the parent is in wait4).
    pub fn syscall_later<const N: usize>(&self, cx: &Caller, n: Sysno, args: [usize; N]) {
        let mut a = [0usize; 6];
        a[..N].copy_from_slice(&args);
        let cx = Caller::new(cx.thread().clone());
        task::executor::spawn(async move {
            dispatch(&cx, n.0, a).await;
        });
    }

    /// The threads clone(2) started since the last call (on the machine the scheduler would
    /// run them; here the test drives them), oldest first.
    pub fn spawned(&self) -> Vec<Caller> {
        task::take_spawned().into_iter().map(Caller::new).collect()
    }

    /// fork(2) as glibc does it (clone with SIGCHLD); returns the child.
    pub fn fork(&self, cx: &Caller) -> Caller {
        let pid = self.syscall(cx, Sysno::clone, [abi::signal::SIGCHLD]);
        assert!(pid > 0, "fork failed: {pid}");
        let child = self.spawned().pop().expect("the child thread");
        assert_eq!(child.thread().tid(), pid as usize);
        child
    }

    /// Make `cx`'s process the child reaper (init): orphans are reparented to it.
    pub fn make_init(&self, cx: &Caller) {
        task::process::set_child_reaper(cx.process());
    }
}

/// Errors as a syscall returns them in a0 (`-errno`), for comparing with [`TestKernel::syscall`].
pub mod ret {
    use abi::Errno;
    macro_rules! rets {
        ($($e:ident),*) => { $(pub const $e: isize = Errno::$e.as_ret();)* };
    }
    rets!(
        EPERM,
        ENOENT,
        ESRCH,
        EINTR,
        EIO,
        ENXIO,
        E2BIG,
        ENOEXEC,
        ELIBBAD,
        EBADF,
        ECHILD,
        EAGAIN,
        ENOMEM,
        EACCES,
        EFAULT,
        ENOTBLK,
        EBUSY,
        EEXIST,
        EXDEV,
        ENODEV,
        ENOTDIR,
        EISDIR,
        EINVAL,
        ENFILE,
        EMFILE,
        ENOTTY,
        EFBIG,
        ENOSPC,
        ESPIPE,
        EROFS,
        EPIPE,
        ERANGE,
        ENAMETOOLONG,
        ENOSYS,
        ENOTEMPTY,
        ELOOP,
        ENODATA,
        EOVERFLOW,
        ENOTSUP,
        EDOM,
        ENOTSOCK,
        EMSGSIZE,
        EPROTOTYPE,
        ENOPROTOOPT,
        EPROTONOSUPPORT,
        ESOCKTNOSUPPORT,
        EAFNOSUPPORT,
        EADDRINUSE,
        ECONNRESET,
        ENOBUFS,
        EISCONN,
        ENOTCONN,
        ECONNREFUSED,
        EINPROGRESS,
        ESTALE,
        EADDRNOTAVAIL,
        EDESTADDRREQ,
        ENETUNREACH,
        ETIMEDOUT,
        ERESTARTSYS,
        ERESTARTNOHAND,
        ERESTART_RESTARTBLOCK
    );
    /// EOPNOTSUPP: ENOTSUP's other name.
    pub const EOPNOTSUPP: isize = ENOTSUP;
}

/// The entry point of [`tiny_elf`].
pub const ENTRY: usize = 0x10078;

/// A minimal static riscv64 executable: one R+X segment at 0x10000 (headers and a few bytes
/// of code), entry just after the program header.
pub fn tiny_elf() -> Vec<u8> {
    use mm::loader::{Ehdr, Phdr, EM_RISCV, ET_EXEC, PF_R, PF_X, PT_LOAD};
    let mut ident = [0u8; 16];
    ident[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    let eh = Ehdr {
        ident,
        kind: ET_EXEC,
        machine: EM_RISCV,
        version: 1,
        entry: ENTRY as u64,
        phoff: 64,
        shoff: 0,
        flags: 0,
        ehsize: 64,
        phentsize: 56,
        phnum: 1,
        shentsize: 64,
        shnum: 0,
        shstrndx: 0,
    };
    let ph = Phdr {
        kind: PT_LOAD,
        flags: PF_R | PF_X,
        offset: 0,
        vaddr: 0x10000,
        paddr: 0x10000,
        filesz: 0x80,
        memsz: 0x80,
        align: 0x1000,
    };
    let mut f = bytemuck::bytes_of(&eh).to_vec();
    f.extend_from_slice(bytemuck::bytes_of(&ph));
    f.resize(0x80, 0x13); // nops-ish filler
    f
}
