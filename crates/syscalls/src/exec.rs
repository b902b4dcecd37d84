//! Starting programs: the first process, and execve/execveat.
//!
//! execve builds the new image completely (ELF load into a fresh address space, `#!`
//! interpreters resolved) before touching the caller, so a failure leaves it as it was. Then,
//! past the point of no return: the other threads end, the address space is replaced (a vfork
//! parent keeps the old one and is released), close-on-exec descriptors are closed, caught
//! signals go back to SIG_DFL (ignored ones stay ignored), the alternate stack and robust
//! list are dropped; the signal mask and pending signals are kept.
use crate::fs::{resolve_at, PathStart};
use crate::Caller;
use abi::flags::{OpenFlags, AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, MS_NOEXEC, MS_NOSUID, X_OK};
use abi::signal::{SIGRETURN_CODE, SIG_DFL, SIG_IGN};
use abi::structs::SigAction;
use abi::{Errno, SysResult};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use fs::{File, FileKind, InodeRef};
use hal::context::UserContext;
use hal::mem::PAGE_SIZE;
use mm::aspace::AreaKind;
use mm::layout::SIGRETURN_TRAMPOLINE;
use mm::loader::{Interp, MAX_ARG_STRLEN};
use mm::{AddressSpace, Perm, UserCStr, UserPtr};
use task::{process::root_context, FdTable, Process, Thread};

/// Read a whole regular file (small files the kernel itself needs; never a program, whose
/// size a user controls: see [`FileBacking`]).
pub fn read_whole(inode: &InodeRef) -> SysResult<Vec<u8>> {
    if inode.kind() != FileKind::Regular {
        return Err(Errno::EACCES);
    }
    let size = usize::try_from(inode.stat().st_size).map_err(|_| Errno::EFBIG)?;
    let mut data = Vec::new();
    data.try_reserve_exact(size).map_err(|_| Errno::ENOMEM)?;
    data.resize(size, 0);
    let mut done = 0;
    while done < size {
        let n = inode.read_at(done as u64, &mut data[done..])?;
        if n == 0 {
            break;
        }
        done += n;
    }
    data.truncate(done);
    Ok(data)
}

/// A file as the source of a program's segments and of private file mappings' pages: read a
/// page at a time when needed, never as a whole.
pub struct FileBacking(pub InodeRef);

impl mm::aspace::Backing for FileBacking {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        self.0.read_at(offset, buf)
    }
    fn pages(&self) -> Option<Arc<dyn mm::cache::FilePages>> {
        self.0.clone().file_pages()
    }
}

/// The first bytes of a file, to look for a `#!` line: `BINPRM_BUF_SIZE` and one more (so that
/// [`parse_shebang`] can tell a line cut off by the limit from a file that ends there).
fn read_head(inode: &InodeRef) -> SysResult<Vec<u8>> {
    let mut head = alloc::vec![0u8; BINPRM_BUF_SIZE + 1];
    let mut done = 0;
    while done < head.len() {
        match inode.read_at(done as u64, &mut head[done..])? {
            0 => break,
            n => done += n,
        }
    }
    head.truncate(done);
    Ok(head)
}

/// Descriptors 0, 1 and 2 on the console, as a first process inherits them.
pub fn console_fds() -> SysResult<FdTable> {
    let mut t = FdTable::new();
    let console: InodeRef = fs::dev::CONSOLE.clone();
    for _ in 0..3 {
        t.insert(Arc::new(File::new(console.clone(), OpenFlags::RDWR, String::from("/dev/console"))), false)?;
    }
    Ok(t)
}

/// Map the signal-return trampoline (read + execute only, for good) into `mm`.
pub fn map_sigreturn_trampoline(mm: &mut AddressSpace) -> SysResult<()> {
    let perm = Perm::R | Perm::X;
    mm.map_area(SIGRETURN_TRAMPOLINE, PAGE_SIZE, perm, perm, AreaKind::File(String::from("[vdso]")))?;
    let code: Vec<u8> = SIGRETURN_CODE.iter().flat_map(|w| w.to_le_bytes()).collect();
    mm.fill_bytes(SIGRETURN_TRAMPOLINE, &code)
}

/// The interpreter a program names, found by `lookup` (which resolves a path as open(2) would
/// for the process: from its root or cwd, following symlinks), checked as Linux's `open_exec`
/// checks it: a regular file with execute permission (EACCES otherwise).
fn open_interp<'a>(path: &str, lookup: impl Fn(&str) -> SysResult<(InodeRef, String)>) -> SysResult<Interp<'a>> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let (node, name) = lookup(path)?;
    let st = node.stat();
    if node.kind() != FileKind::Regular || !fs::perm::may_access(&st, &fs::Who::default(), X_OK) {
        return Err(Errno::EACCES);
    }
    Ok(Interp { file: alloc::boxed::Box::new(FileBacking(node)), size: st.st_size.max(0) as u64, name })
}

/// A new address space holding the program `elf` (named `execfn` for AT_EXECFN), its
/// interpreter if it names one (found by `lookup`, see [`open_interp`]), its stack with `argv`
/// and `envp`, and the sigreturn trampoline. Returns where to start.
fn build_image(
    elf: &InodeRef,
    execfn: &str,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    lookup: &dyn Fn(&str) -> SysResult<(InodeRef, String)>,
) -> SysResult<(AddressSpace, mm::loader::Entry)> {
    let mut mm = AddressSpace::new()?;
    let mut random = [0u8; 16];
    task::random::fill(&mut random);
    let size = elf.stat().st_size.max(0) as u64;
    let open = |path: &str| open_interp(path, lookup);
    let entry = mm::loader::load_from(&mut mm, &FileBacking(elf.clone()), size, execfn, argv, envp, random, &open)?;
    map_sigreturn_trampoline(&mut mm)?;
    Ok((mm, entry))
}

/// Create a process running the program at `path` (absolute, in `root`) with `argv` and `envp`,
/// its standard descriptors on the console. Returns its main thread, ready to enter user mode.
pub fn spawn_init(root: &InodeRef, path: &str, argv: &[Vec<u8>], envp: &[Vec<u8>]) -> SysResult<Arc<Thread>> {
    let inode = fs::path::lookup(root, root, path, true)?;
    if inode.kind() != FileKind::Regular {
        return Err(Errno::EACCES);
    }
    // The first process's root and cwd are `root`.
    let lookup = |p: &str| -> SysResult<(InodeRef, String)> {
        let start = fs::path::Located::new(root.clone(), "/");
        let found = fs::path::Resolver::new(root.clone(), fs::Who::default()).resolve(&start, p, true)?;
        Ok((found.node.clone(), found.path()))
    };
    let (mm, entry) = build_image(&inode, path, argv, envp, &lookup)?;
    let process = Process::new(None, mm, console_fds()?, root_context(root.clone()));
    *process.exe.lock() = String::from(path);
    *process.running.lock() = fs::textbusy::Running::new(&inode).ok();
    Ok(Thread::new_main(&process, UserContext::new(entry.pc, entry.sp)))
}

/// Most `#!` interpreters followed in a row (Linux's BINPRM_MAX_RECURSION).
const MAX_INTERP_DEPTH: usize = 4;
/// Bytes of a script's first line that are looked at (Linux's BINPRM_BUF_SIZE).
const BINPRM_BUF_SIZE: usize = 256;

/// A `#!` line: the interpreter and its optional single argument (the rest of the line, with
/// surrounding blanks removed). ENOEXEC if there is no interpreter or its name does not end
/// within the first 256 bytes.
pub fn parse_shebang(data: &[u8]) -> SysResult<(String, Option<String>)> {
    let buf = &data[..data.len().min(BINPRM_BUF_SIZE)];
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let (line, complete) = match buf.iter().position(|&b| b == b'\n') {
        Some(n) => (&buf[2..n], true),
        None => (&buf[2..], data.len() <= BINPRM_BUF_SIZE),
    };
    let start = line.iter().position(|b| !blank(b)).ok_or(Errno::ENOEXEC)?;
    let line = &line[start..];
    let name_len = line.iter().position(|b| blank(b) || *b == 0).unwrap_or(line.len());
    if name_len == line.len() && !complete {
        return Err(Errno::ENOEXEC); // the interpreter's name is cut off
    }
    let rest = &line[name_len..];
    let rest_start = rest.iter().position(|b| !blank(b)).unwrap_or(rest.len());
    let rest_end = rest.iter().rposition(|b| !blank(b)).map_or(0, |i| i + 1);
    let arg = (rest_start < rest_end).then(|| String::from_utf8_lossy(&rest[rest_start..rest_end]).into_owned());
    let arg = arg.map(|a| a.split('\0').next().unwrap_or_default().into()).filter(|a: &String| !a.is_empty());
    Ok((String::from_utf8_lossy(&line[..name_len]).into_owned(), arg))
}

/// A NULL-terminated array of string pointers (argv, envp). A NULL array is empty. `room` is
/// what argv and envp may still take together (Linux's limit: a quarter of the stack, counting
/// each string, its NUL and its pointer): E2BIG as soon as they would take more, so the kernel
/// never holds more than that, whatever the arrays say.
fn read_strings(cx: &Caller, array: UserPtr<usize>, room: &mut usize) -> SysResult<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    if array.is_null() {
        return Ok(out);
    }
    loop {
        let p = array.add(out.len()).read(&mut cx.mm())?;
        if p == 0 {
            return Ok(out);
        }
        let s = cx.mm().read_cstr(p, MAX_ARG_STRLEN - 1).map_err(|e| {
            if e == Errno::ENAMETOOLONG {
                Errno::E2BIG
            } else {
                e
            }
        })?;
        *room = room.checked_sub(s.len() + 1 + core::mem::size_of::<usize>()).ok_or(Errno::E2BIG)?;
        out.push(s);
    }
}

/// execve(2).
pub async fn sys_execve(cx: &Caller, path: UserCStr, argv: UserPtr<usize>, envp: UserPtr<usize>) -> SysResult<usize> {
    sys_execveat(cx, AT_FDCWD as i32, path, argv, envp, 0).await
}

/// execveat(2): `path` from `dirfd`; AT_EMPTY_PATH runs `dirfd` itself; AT_SYMLINK_NOFOLLOW
/// refuses a final symlink (ELOOP).
pub async fn sys_execveat(
    cx: &Caller,
    dirfd: i32,
    path: UserCStr,
    argv: UserPtr<usize>,
    envp: UserPtr<usize>,
    flags: u32,
) -> SysResult<usize> {
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let first = resolve_at(cx, dirfd, path, flags, flags & AT_SYMLINK_NOFOLLOW == 0)?;
    // The name as given is AT_EXECFN and a script's argv entry (the canonical path if the name
    // means nothing on its own: relative to a dirfd, or empty).
    let given = if path.is_null() { String::new() } else { path.read(&mut cx.mm())? };
    let name =
        if given.starts_with('/') || (dirfd == AT_FDCWD as i32 && !given.is_empty()) { given } else { first.path() };
    let mut room = mm::layout::STACK_SIZE / 4;
    let mut argv = read_strings(cx, argv, &mut room)?;
    let envp = read_strings(cx, envp, &mut room)?;
    if argv.is_empty() {
        // Linux (5.18+) gives a program started with no arguments an empty argv[0].
        argv.push(Vec::new());
    }
    let who = crate::fs::who(cx);
    let mut exe = first.path();
    let mut node = first.node;
    let mut script = name.clone();
    let mut depth = 0;
    let elf = loop {
        let st = node.stat();
        // A final link left unfollowed (AT_SYMLINK_NOFOLLOW) cannot be opened: ELOOP.
        if node.kind() == FileKind::Symlink {
            return Err(Errno::ELOOP);
        }
        if node.kind() != FileKind::Regular || !fs::perm::may_access(&st, &who, X_OK) {
            return Err(Errno::EACCES);
        }
        // Nothing on a MS_NOEXEC mount runs, scripts' interpreters included.
        if fs::vfs::mount_flags_of(&node) & MS_NOEXEC != 0 {
            return Err(Errno::EACCES);
        }
        let data = read_head(&node)?;
        if !data.starts_with(b"#!") {
            break node;
        }
        depth += 1;
        if depth > MAX_INTERP_DEPTH {
            return Err(Errno::ELOOP);
        }
        let (interp, arg) = parse_shebang(&data)?;
        // argv becomes: interpreter, its argument, the script's path, then argv[1..].
        let mut new_argv = alloc::vec![interp.clone().into_bytes()];
        new_argv.extend(arg.map(String::into_bytes));
        new_argv.push(script.clone().into_bytes());
        new_argv.extend(argv.drain(..).skip(1));
        argv = new_argv;
        let start = PathStart::new(cx, AT_FDCWD as i32, &interp)?;
        let located = start.resolve(&interp, true)?;
        exe = located.path();
        script = interp;
        node = located.node;
    };
    // The interpreter of a dynamically linked program is found as open(2) would find it.
    let lookup = |p: &str| -> SysResult<(InodeRef, String)> {
        let located = PathStart::new(cx, AT_FDCWD as i32, p)?.resolve(p, true)?;
        Ok((located.node.clone(), located.path()))
    };
    let running = fs::textbusy::Running::new(&elf)?;
    let (mm, entry) = build_image(&elf, &name, &argv, &envp, &lookup)?;
    // A set-user-ID file runs as its owner; set-group-ID as its group when it is also group-
    // executable (without S_IXGRP the bit means mandatory locking, not a group change).
    let st = elf.stat();
    // PR_SET_NO_NEW_PRIVS, or a MS_NOSUID mount: set-ID bits are not honoured.
    let nnp = cx.process().prctl.no_new_privs.load(core::sync::atomic::Ordering::Relaxed)
        || fs::vfs::mount_flags_of(&elf) & MS_NOSUID != 0;
    let setuid = (st.st_mode & fs::perm::S_ISUID != 0 && !nnp).then_some(st.st_uid);
    let setgid = (st.st_mode & (fs::perm::S_ISGID | 0o010) == fs::perm::S_ISGID | 0o010 && !nnp).then_some(st.st_gid);
    let cred = cx.cred().exec(setuid, setgid);
    commit(cx, mm, entry, (exe, running), cred).await?;
    Ok(0)
}

/// The point of no return of execve: make the caller the only thread and give it the new image.
async fn commit(
    cx: &Caller,
    mm: AddressSpace,
    entry: mm::loader::Entry,
    (exe, running): (String, fs::textbusy::Running),
    cred: task::Cred,
) -> SysResult<()> {
    let t = cx.thread();
    let p = cx.process();
    // Every other thread ends first (Linux's de_thread); a fatal signal meanwhile wins.
    for other in p.threads_alive().into_iter().filter(|o| o.tid() != t.tid()) {
        other.request_exit();
    }
    let alone = p.exit_queue.wait_until(|| (p.threads_alive().len() <= 1).then_some(()));
    task::signal::killable(t, alone).await?;
    t.take_leaders_id();
    // The old address space goes (the kernel has made its own page table live), unless a vfork
    // parent shares it.
    drop(p.mm.replace(mm.shared()));
    t.clear_child_tid.store(0, core::sync::atomic::Ordering::Relaxed);
    task::futex::exit_robust_list(t);
    p.files.unshare();
    {
        let mut files = p.files();
        let cloexec: Vec<i32> = files.iter().filter(|(_, e)| e.cloexec).map(|(fd, _)| fd).collect();
        for fd in cloexec {
            let _ = files.remove(fd);
        }
    }
    p.sigactions.unshare();
    for a in p.sigactions.lock().iter_mut() {
        let handler = if a.handler == SIG_IGN { SIG_IGN } else { SIG_DFL };
        *a = SigAction { handler, flags: 0, mask: 0 };
    }
    task::signal::set_altstack(t, abi::signal::StackT::default());
    task::signal::take_restart(t);
    *p.exe.lock() = exe;
    *p.running.lock() = Some(running);
    t.set_name(None);
    let old = t.cred();
    p.prctl.exec(old.euid != cred.euid || old.egid != cred.egid);
    t.set_cred(Arc::new(cred));
    *t.ctx.lock() = UserContext::new(entry.pc, entry.sp);
    p.mark_execed();
    Ok(())
}
