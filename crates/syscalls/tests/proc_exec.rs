//! execve/execveat: the new image, argv/envp, `#!` scripts, what survives and what does not.
use abi::flags::{OpenFlags, AT_EMPTY_PATH, AT_FDCWD};
use abi::process::*;
use abi::signal::*;
use abi::structs::SigAction;
use hal::context::{reg, Trap};
use mm::layout::SIGRETURN_TRAMPOLINE;
use syscalls::exec::parse_shebang;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Errno, Sysno};

const ARRAYS: usize = SCRATCH + 0x1000;
const STRINGS: usize = SCRATCH + 0x2_0000;

fn setup(k: &TestKernel) {
    k.root.create("bin", fs::FileKind::Directory, 0o755).unwrap();
    k.add_file_mode("/bin/prog", 0o755, &tiny_elf());
}

/// Put `strs` in the process's memory and a NULL-terminated pointer array at `at`.
fn strings(k: &TestKernel, p: &Caller, at: usize, strs: &[&str]) -> usize {
    let mut ptrs = vec![];
    let mut addr = if at == ARRAYS { STRINGS } else { STRINGS + 0x4_0000 };
    for s in strs {
        ptrs.push(k.poke_str(p, addr, s));
        addr += s.len() + 1;
    }
    ptrs.push(0);
    let bytes: Vec<u8> = ptrs.iter().flat_map(|v| v.to_le_bytes()).collect();
    k.poke(p, at, &bytes);
    at
}

fn read_cstr(p: &Caller, addr: usize) -> String {
    String::from_utf8(p.mm().read_cstr(addr, 4096).unwrap()).unwrap()
}

/// argv and envp as the new program finds them on its stack.
fn stack_args(p: &Caller) -> (Vec<String>, Vec<String>) {
    let sp = p.thread().ctx.lock().sp();
    let word = |a: usize| -> usize {
        let mut b = [0u8; 8];
        p.mm().read_bytes(a, &mut b).unwrap();
        usize::from_le_bytes(b)
    };
    let argc = word(sp);
    let argv = (0..argc).map(|i| read_cstr(p, word(sp + 8 + 8 * i))).collect();
    let mut envp = vec![];
    let mut at = sp + 8 + 8 * argc + 8;
    while word(at) != 0 {
        envp.push(read_cstr(p, word(at)));
        at += 8;
    }
    (argv, envp)
}

fn exec(k: &TestKernel, p: &Caller, path: &str, argv: &[&str], envp: &[&str]) -> isize {
    let path = k.poke_str(p, SCRATCH + 0x800, path);
    let a = strings(k, p, ARRAYS, argv);
    let e = strings(k, p, ARRAYS + 0x400, envp);
    k.syscall(p, Sysno::execve, [path, a, e])
}

#[test]
fn execve_starts_the_new_program_with_its_arguments() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    assert_eq!(exec(&k, &p, "/bin/prog", &["prog", "one", "two"], &["A=1", "B=2"]), 0);
    let c = p.thread().ctx.lock().clone();
    assert_eq!(c.sepc, ENTRY);
    assert_eq!(c.sp() % 16, 0);
    assert!(c.x.iter().enumerate().all(|(i, &v)| i == reg::SP || v == 0), "fresh registers");
    assert_eq!(stack_args(&p), (vec!["prog".into(), "one".into(), "two".into()], vec!["A=1".into(), "B=2".into()]));
    assert!(p.mm().area_at(SCRATCH).is_none(), "the old memory is gone");
    assert_eq!(*p.process().exe.lock(), "/bin/prog");
    assert!(p.process().has_execed());
}

#[test]
fn every_program_has_the_sigreturn_trampoline() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    assert_eq!(exec(&k, &p, "/bin/prog", &["prog"], &[]), 0);
    let code = k.peek(&p, SIGRETURN_TRAMPOLINE, 8);
    assert_eq!(code, [0x93, 0x08, 0xb0, 0x08, 0x73, 0x00, 0x00, 0x00], "li a7, 139; ecall");
    let area = p.mm().area_at(SIGRETURN_TRAMPOLINE).map(|a| (a.perm, a.max));
    assert_eq!(area, Some((mm::Perm::R | mm::Perm::X, mm::Perm::R | mm::Perm::X)));
    assert_eq!(k.syscall(&p, Sysno::mprotect, [SIGRETURN_TRAMPOLINE, 4096, 7]), EACCES, "never writable");
}

#[test]
fn close_on_exec_descriptors_are_closed_the_others_kept() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    let path = k.poke_str(&p, SCRATCH + 0x900, "/dev/null");
    let cloexec = OpenFlags::CLOEXEC.bits() as usize;
    let a = k.syscall(&p, Sysno::openat, [AT_FDCWD as usize, path, cloexec]);
    let b = k.syscall(&p, Sysno::openat, [AT_FDCWD as usize, path, 0]);
    assert_eq!(exec(&k, &p, "/bin/prog", &["prog"], &[]), 0);
    let files = p.process().files();
    assert!(files.get(a as i32).is_err());
    assert!(files.get(b as i32).is_ok());
    assert!(files.get(0).is_ok() && files.get(2).is_ok());
}

#[test]
fn close_on_exec_descriptors_take_their_locks_along_the_others_keep_theirs() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    let f = k.add_file_mode("/tmp/f", 0o644, b"data").id();
    let g = k.add_file_mode("/tmp/g", 0o644, b"data").id();
    let rw = OpenFlags::RDWR.bits();
    let a = k.open_ok(&p, "/tmp/f", rw | OpenFlags::CLOEXEC.bits());
    let b = k.open_ok(&p, "/tmp/g", rw);
    let lock = abi::structs::Flock { l_type: abi::flags::F_WRLCK, ..Default::default() };
    k.poke(&p, SCRATCH + 0x900, bytemuck::bytes_of(&lock));
    for fd in [a, b] {
        assert_eq!(k.syscall(&p, Sysno::flock, [fd, abi::flags::LOCK_EX as usize]), 0);
        assert_eq!(k.syscall(&p, Sysno::fcntl, [fd, abi::flags::F_SETLK as usize, SCRATCH + 0x900]), 0);
    }
    assert_eq!(exec(&k, &p, "/bin/prog", &["prog"], &[]), 0);
    assert_eq!(fs::lock::records_on(f), 0, "closed by exec: flock and record lock released");
    assert_eq!(fs::lock::records_on(g), 2, "both survive exec");
}

#[test]
fn handlers_are_reset_ignored_signals_the_mask_and_pending_signals_stay() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    let act = SCRATCH + 0x900;
    k.poke(&p, act, bytemuck::bytes_of(&SigAction { handler: 0x4000, flags: SA_RESTART, mask: 3 }));
    k.syscall(&p, Sysno::rt_sigaction, [SIGUSR1, act, 0, 8]);
    k.poke(&p, act, bytemuck::bytes_of(&SigAction { handler: SIG_IGN, flags: 0, mask: 0 }));
    k.syscall(&p, Sysno::rt_sigaction, [SIGINT, act, 0, 8]);
    k.poke(&p, act, &sigbit(SIGUSR2).to_le_bytes());
    k.syscall(&p, Sysno::rt_sigprocmask, [SIG_BLOCK, act, 0, 8]);
    k.syscall(&p, Sysno::kill, [p.process().pid, SIGUSR2]);
    assert_eq!(exec(&k, &p, "/bin/prog", &["prog"], &[]), 0);
    assert_eq!(p.process().sigaction(SIGUSR1), SigAction::default());
    assert_eq!(p.process().sigaction(SIGINT).handler, SIG_IGN);
    assert_eq!(p.thread().sigmask.load(core::sync::atomic::Ordering::Relaxed), sigbit(SIGUSR2));
    assert_eq!(task::signal::pending(p.thread()), sigbit(SIGUSR2));
}

#[test]
fn a_script_runs_its_interpreter_with_the_optional_argument() {
    let k = TestKernel::new();
    setup(&k);
    k.add_file_mode("/bin/script", 0o755, b"#!/bin/prog  -x -y \t\necho hi\n");
    let p = k.spawn();
    assert_eq!(exec(&k, &p, "/bin/script", &["script", "a1", "a2"], &["E=1"]), 0);
    let (argv, envp) = stack_args(&p);
    assert_eq!(argv, ["/bin/prog", "-x -y", "/bin/script", "a1", "a2"], "one argument, blanks kept inside");
    assert_eq!(envp, ["E=1"]);
    assert_eq!(*p.process().exe.lock(), "/bin/prog");
    assert_eq!(p.thread().ctx.lock().sepc, ENTRY);
}

#[test]
fn a_script_may_name_another_script_up_to_four_levels() {
    let k = TestKernel::new();
    setup(&k);
    k.add_file_mode("/bin/s1", 0o755, b"#!/bin/prog\n");
    k.add_file_mode("/bin/s2", 0o755, b"#! /bin/s1 arg\n");
    let p = k.spawn();
    assert_eq!(exec(&k, &p, "/bin/s2", &["s2", "x"], &[]), 0);
    assert_eq!(stack_args(&p).0, ["/bin/prog", "/bin/s1", "arg", "/bin/s2", "x"]);
    k.add_file_mode("/bin/loop", 0o755, b"#!/bin/loop\n");
    let q = k.spawn();
    assert_eq!(exec(&k, &q, "/bin/loop", &["loop"], &[]), ELOOP);
}

#[test]
fn shebang_lines_are_parsed_like_linux() {
    let s = |b: &[u8]| parse_shebang(b);
    assert_eq!(s(b"#!/bin/sh\n"), Ok(("/bin/sh".into(), None)));
    assert_eq!(s(b"#!/bin/sh"), Ok(("/bin/sh".into(), None)), "no newline in a short file");
    assert_eq!(s(b"#!  /bin/sh   -e  \n"), Ok(("/bin/sh".into(), Some("-e".into()))));
    assert_eq!(s(b"#!/usr/bin/env python3 -u\r\n"), Ok(("/usr/bin/env".into(), Some("python3 -u\r".into()))));
    assert_eq!(s(b"#!\n"), Err(Errno::ENOEXEC));
    assert_eq!(s(b"#!   \t\n"), Err(Errno::ENOEXEC));
    let mut long = b"#!/".to_vec();
    long.extend(std::iter::repeat_n(b'a', 300));
    assert_eq!(s(&long), Err(Errno::ENOEXEC), "the interpreter's name runs past 256 bytes");
    let mut long_arg = b"#!/bin/sh ".to_vec();
    long_arg.extend(std::iter::repeat_n(b'b', 300));
    assert_eq!(s(&long_arg).unwrap().1.unwrap().len(), 256 - 10, "an argument is cut at 256 bytes");
}

#[test]
fn execve_errors() {
    let k = TestKernel::new();
    setup(&k);
    k.add_file_mode("/bin/noexec", 0o644, &tiny_elf());
    k.add_file_mode("/bin/garbage", 0o755, b"\x7fELF but not really");
    k.add_file_mode("/bin/empty", 0o755, b"");
    k.add_file_mode("/bin/badinterp", 0o755, b"#!/nonexistent\n");
    let p = k.spawn();
    assert_eq!(exec(&k, &p, "/bin/none", &["x"], &[]), ENOENT);
    assert_eq!(exec(&k, &p, "/bin/noexec", &["x"], &[]), EACCES, "no execute bit, even for root");
    assert_eq!(exec(&k, &p, "/bin", &["x"], &[]), EACCES, "a directory");
    assert_eq!(exec(&k, &p, "/bin/garbage", &["x"], &[]), ENOEXEC);
    assert_eq!(exec(&k, &p, "/bin/empty", &["x"], &[]), ENOEXEC);
    assert_eq!(exec(&k, &p, "/bin/badinterp", &["x"], &[]), ENOENT);
    assert_eq!(exec(&k, &p, "/bin/prog/x", &["x"], &[]), ENOTDIR);
    let path = k.poke_str(&p, SCRATCH + 0x800, "/bin/prog");
    assert_eq!(k.syscall(&p, Sysno::execve, [UNMAPPED, 0, 0]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::execve, [path, UNMAPPED, 0]), EFAULT);
    k.poke(&p, ARRAYS, &UNMAPPED.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::execve, [path, ARRAYS, 0]), EFAULT, "a bad string pointer");
    assert!(p.mm().area_at(SCRATCH).is_some(), "the failed calls left the process as it was");
    assert!(!p.process().has_execed());
}

#[test]
fn an_overlong_argument_is_e2big() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    let long = "x".repeat(32 * 4096);
    assert_eq!(exec(&k, &p, "/bin/prog", &["prog", &long], &[]), E2BIG);
}

#[test]
fn a_null_argv_gives_an_empty_argv0() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    let path = k.poke_str(&p, SCRATCH + 0x800, "/bin/prog");
    assert_eq!(k.syscall(&p, Sysno::execve, [path, 0, 0]), 0);
    assert_eq!(stack_args(&p), (vec![String::new()], vec![]));
}

#[test]
fn execveat_with_an_empty_path_runs_the_descriptor() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    let path = k.poke_str(&p, SCRATCH + 0x800, "/bin/prog");
    let fd = k.syscall(&p, Sysno::openat, [AT_FDCWD as usize, path, 0]) as usize;
    let empty = k.poke_str(&p, SCRATCH + 0x900, "");
    let argv = strings(&k, &p, ARRAYS, &["p"]);
    assert_eq!(k.syscall(&p, Sysno::execveat, [fd, empty, argv, 0, 0x8000]), EINVAL, "unknown flag");
    assert_eq!(k.syscall(&p, Sysno::execveat, [fd, empty, argv, 0, 0]), ENOENT, "empty without AT_EMPTY_PATH");
    assert_eq!(k.syscall(&p, Sysno::execveat, [fd, empty, argv, 0, AT_EMPTY_PATH as usize]), 0);
    assert_eq!(p.thread().ctx.lock().sepc, ENTRY);
}

#[test]
fn execve_in_a_vfork_child_leaves_the_parent_its_memory() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    k.poke(&p, SCRATCH, b"parent data");
    let r = k.syscall(&p, Sysno::clone, [(CLONE_VM | CLONE_FILES) as usize | SIGCHLD]);
    assert!(r > 0);
    let child = k.spawned().pop().unwrap();
    assert_eq!(exec(&k, &child, "/bin/prog", &["prog"], &[]), 0);
    assert_eq!(k.peek(&p, SCRATCH, 11), b"parent data");
    assert!(child.mm().area_at(SCRATCH).is_none());
    assert!(child.process().vfork_done());
}

#[test]
fn execve_ends_the_other_threads_first() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    let flags = (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD) as usize;
    k.syscall(&p, Sysno::clone, [flags, SCRATCH + 0x9000]);
    let t = k.spawned().pop().unwrap();
    // The other thread runs (comes back from user mode) while execve waits for it.
    task::executor::spawn(async move {
        uspace::handle_user_trap(&t, Trap::Timer).await;
    });
    assert_eq!(exec(&k, &p, "/bin/prog", &["prog"], &[]), 0);
    assert_eq!(p.process().threads_alive().len(), 1);
    assert_eq!(k.exit_status(&p), None);
}

#[test]
fn execve_in_another_thread_takes_the_leaders_id() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    let pid = p.process().pid;
    let flags = (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD) as usize;
    let tid = k.syscall(&p, Sysno::clone, [flags, SCRATCH + 0x9000]) as usize;
    assert_ne!(tid, pid);
    let t = k.spawned().pop().unwrap();
    let leader = syscalls::Caller::new(p.thread().clone());
    task::executor::spawn(async move {
        uspace::handle_user_trap(&leader, Trap::Timer).await;
    });
    assert_eq!(exec(&k, &t, "/bin/prog", &["prog"], &[]), 0);
    assert_eq!(k.syscall(&t, Sysno::gettid, []), pid as isize);
    assert_eq!(k.syscall(&t, Sysno::getpid, []), pid as isize);
    assert!(std::sync::Arc::ptr_eq(&task::process::lookup_thread(pid).unwrap(), t.thread()));
    assert!(task::process::lookup_thread(tid).is_none(), "the old id is free");
    assert_eq!(t.process().threads_alive().len(), 1);
}

#[test]
fn segments_are_mapped_from_the_page_cache_copied_when_written_and_bss_is_zero() {
    use mm::loader::{test_elf, Phdr, EM_RISCV, ET_EXEC, PF_R, PF_W, PF_X, PT_LOAD};
    let k = TestKernel::new();
    setup(&k);
    let seg = |flags, offset: u64, vaddr: u64, filesz, memsz| Phdr {
        kind: PT_LOAD,
        flags,
        offset,
        vaddr,
        paddr: vaddr,
        filesz,
        memsz,
        align: 0x1000,
    };
    // Text: two pages. Data: 0x100 bytes of the file's third page, then bss; the file goes on
    // past the data with bytes that must not show in the bss.
    let phdrs = [seg(PF_R | PF_X, 0, 0x40_0000, 0x2000, 0x2000), seg(PF_R | PF_W, 0x2000, 0x40_2000, 0x100, 0x3000)];
    let text = vec![0x13u8; 0x1000];
    let data = vec![0xd5u8; 0x1000];
    let elf = test_elf(ET_EXEC, EM_RISCV, 0x40_1000, &phdrs, &[(0x1000, &text), (0x2000, &data)]);
    let node = k.add_file_mode("/bin/segs", 0o755, &elf);
    let p = k.spawn();
    assert_eq!(exec(&k, &p, "/bin/segs", &["segs"], &[]), 0);
    // The text page is the file's own frame (the cache holds it too).
    assert_eq!(k.peek(&p, 0x40_1000, 4), [0x13; 4]);
    assert_eq!(p.mm().frame_owners(0x40_1000), Some(2));
    assert_eq!(k.peek(&p, 0x40_2000, 0x100), vec![0xd5; 0x100]);
    assert_eq!(k.peek(&p, 0x40_2100, 0xf00), vec![0; 0xf00], "the rest of the last file page is cleared");
    assert_eq!(k.peek(&p, 0x40_3000, 0x2000), vec![0; 0x2000]);
    k.poke(&p, 0x40_2000, b"written");
    let mut buf = [0u8; 7];
    assert_eq!(node.read_at(0x2000, &mut buf), Ok(7));
    assert_eq!(buf, [0xd5; 7], "a store into a segment never reaches the file");
    assert_eq!(node.read_at(0x2100, &mut buf), Ok(7));
    assert_eq!(buf, [0xd5; 7]);
}

#[test]
fn a_running_program_is_not_written_and_a_written_file_is_not_run() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    let writer = k.fork(&p);
    // Open for writing: exec is ETXTBSY until the writer closes it.
    let fd = k.open(&writer, "/bin/prog", OpenFlags::WRONLY.bits());
    assert!(fd >= 0);
    assert_eq!(exec(&k, &p, "/bin/prog", &["prog"], &[]), -(Errno::ETXTBSY as isize));
    assert_eq!(k.syscall(&writer, Sysno::close, [fd as usize]), 0);
    assert_eq!(exec(&k, &p, "/bin/prog", &["prog"], &[]), 0);
    // Running: no write access, no truncation, no O_TRUNC; reading is fine.
    assert_eq!(k.open(&writer, "/bin/prog", OpenFlags::RDWR.bits()), -(Errno::ETXTBSY as isize));
    assert_eq!(k.open(&writer, "/bin/prog", OpenFlags::TRUNC.bits()), -(Errno::ETXTBSY as isize));
    k.poke_str(&writer, PATH, "/bin/prog");
    assert_eq!(k.syscall(&writer, Sysno::truncate, [PATH, 0]), -(Errno::ETXTBSY as isize));
    assert!(k.open(&writer, "/bin/prog", 0) >= 0);
    // A forked copy of the image runs it too; the file is free once both have gone.
    let child = k.fork(&p);
    k.syscall(&p, Sysno::exit, [0]);
    assert_eq!(k.open(&writer, "/bin/prog", OpenFlags::WRONLY.bits()), -(Errno::ETXTBSY as isize));
    k.syscall(&child, Sysno::exit, [0]);
    assert!(k.open(&writer, "/bin/prog", OpenFlags::WRONLY.bits()) >= 0);
}

#[test]
fn execveat_nofollow_refuses_a_final_link_with_eloop() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    k.poke_str(&p, PATH, "prog");
    k.poke_str(&p, PATH + 0x100, "/bin/link");
    assert_eq!(k.syscall(&p, Sysno::symlinkat, [PATH, AT_FDCWD as usize, PATH + 0x100]), 0);
    let a = strings(&k, &p, ARRAYS, &["link"]);
    let e = strings(&k, &p, ARRAYS + 0x400, &[]);
    let nofollow = abi::flags::AT_SYMLINK_NOFOLLOW as usize;
    assert_eq!(
        k.syscall(&p, Sysno::execveat, [AT_FDCWD as usize, PATH + 0x100, a, e, nofollow]),
        -(Errno::ELOOP as isize)
    );
    assert_eq!(k.syscall(&p, Sysno::execveat, [AT_FDCWD as usize, PATH + 0x100, a, e, 0]), 0);
}

#[test]
fn noexec_and_nosuid_mounts_limit_what_exec_does() {
    let t = FsTest::with_standard_mounts();
    t.k.root.create("mnt", fs::FileKind::Directory, 0o755).unwrap();
    assert_eq!(t.mount("none", "/mnt", "tmpfs", abi::flags::MS_NOEXEC, "mode=755"), 0);
    t.write_file("/mnt/prog", &tiny_elf());
    t.k.poke_str(&t.p, FsTest::P1, "/mnt/prog");
    assert_eq!(t.k.syscall(&t.p, Sysno::fchmodat, [AT_FDCWD as usize, FsTest::P1, 0o4755]), 0);
    let child = t.k.fork(&t.p);
    assert_eq!(exec(&t.k, &child, "/mnt/prog", &["prog"], &[]), EACCES, "noexec");
    // Set-user-ID root, run by user 1000: root on a plain mount, 1000 on a nosuid one.
    let euid_after_exec = |flags: u64| {
        assert_eq!(t.mount("none", "/mnt", "tmpfs", abi::flags::MS_REMOUNT | flags, ""), 0);
        let c = t.k.fork(&t.p);
        assert_eq!(t.k.syscall(&c, Sysno::setresuid, [1000, 1000, 1000]), 0);
        assert_eq!(exec(&t.k, &c, "/mnt/prog", &["prog"], &[]), 0);
        c.cred().euid
    };
    assert_eq!(euid_after_exec(0), 0);
    assert_eq!(euid_after_exec(abi::flags::MS_NOSUID), 1000);
}
