//! execve of dynamically linked programs: the interpreter named by PT_INTERP is found as
//! open(2) finds a file (from the caller's root or cwd, through symlinks), loaded beside the
//! program, and started; bad interpreters are the errors Linux gives; the loader can be run as a
//! command. The ELF files are built here byte by byte.
use abi::flags::{AT_BASE, AT_ENTRY, AT_EXECFN, AT_NULL, AT_PHDR, AT_PHNUM};
use mm::layout::{ELF_ET_DYN_BASE, MMAP_TOP, PIE_BASE};
use mm::loader::{Phdr, EM_RISCV, ET_DYN, ET_EXEC, PF_R, PF_W, PF_X, PT_INTERP, PT_LOAD};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const ARRAYS: usize = SCRATCH + 0x1000;
const STRINGS: usize = SCRATCH + 0x2_0000;
const LD: &str = "/lib/ld-linux-riscv64-lp64d.so.1";

fn seg(kind: u32, flags: u32, offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Phdr {
    Phdr { kind, flags, offset, vaddr, paddr: vaddr, filesz, memsz, align: 0x1000 }
}

/// An ELF file for riscv64: header, `phdrs` at 64, `blobs` at their offsets.
fn elf(kind: u16, entry: u64, phdrs: &[Phdr], blobs: &[(usize, &[u8])]) -> Vec<u8> {
    mm::loader::test_elf(kind, EM_RISCV, entry, phdrs, blobs)
}

/// A PIE naming `interp` (the bytes of its PT_INTERP): text at 0 with the entry at 0x1000, data
/// and bss after it.
fn pie(interp: &[u8]) -> Vec<u8> {
    let n = interp.len() as u64;
    let phdrs = [
        seg(PT_INTERP, PF_R, 0x200, 0x200, n, n),
        seg(PT_LOAD, PF_R | PF_X, 0, 0, 0x1100, 0x1100),
        seg(PT_LOAD, PF_R | PF_W, 0x2000, 0x2000, 0x10, 0x1000),
    ];
    elf(ET_DYN, 0x1000, &phdrs, &[(0x200, interp), (0x1000, b"\x13\x00\x00\x00prog")])
}

/// A dynamic loader: an ET_DYN object at 0, 0x3000 bytes, entry at 0x800.
fn ld_so() -> Vec<u8> {
    let phdrs =
        [seg(PT_LOAD, PF_R | PF_X, 0, 0, 0x1000, 0x1000), seg(PT_LOAD, PF_R | PF_W, 0x1000, 0x1000, 0x10, 0x2000)];
    elf(ET_DYN, 0x800, &phdrs, &[(0x800, b"\x13\x00\x00\x00ld.so")])
}

/// /bin/prog (a PIE needing LD), /lib/ld-2.36.so and LD, a symlink to it, as Debian had it.
fn setup(k: &TestKernel) {
    k.root.create("bin", fs::FileKind::Directory, 0o755).unwrap();
    let lib = k.root.create("lib", fs::FileKind::Directory, 0o755).unwrap();
    k.add_file_mode("/lib/ld-2.36.so", 0o755, &ld_so());
    lib.symlink("ld-linux-riscv64-lp64d.so.1", "ld-2.36.so").unwrap();
    k.add_file_mode("/bin/prog", 0o755, &pie(format!("{LD}\0").as_bytes()));
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

fn exec(k: &TestKernel, p: &Caller, path: &str, argv: &[&str]) -> isize {
    let path = k.poke_str(p, SCRATCH + 0x800, path);
    let a = strings(k, p, ARRAYS, argv);
    let e = strings(k, p, ARRAYS + 0x400, &[]);
    k.syscall(p, Sysno::execve, [path, a, e])
}

fn word(p: &Caller, at: usize) -> usize {
    let mut b = [0u8; 8];
    p.mm().read_bytes(at, &mut b).unwrap();
    usize::from_le_bytes(b)
}

/// The argv strings and the auxiliary vector the new program finds on its stack.
fn stack(p: &Caller) -> (Vec<String>, Vec<(usize, usize)>) {
    let sp = p.thread().ctx.lock().sp();
    let argc = word(p, sp);
    let argv = (0..argc)
        .map(|i| {
            let at = word(p, sp + 8 + 8 * i);
            String::from_utf8(p.mm().read_cstr(at, 4096).unwrap()).unwrap()
        })
        .collect();
    let mut at = sp + 8 + 8 * argc + 8;
    while word(p, at) != 0 {
        at += 8;
    }
    at += 8;
    let mut auxv = vec![];
    loop {
        let (key, val) = (word(p, at), word(p, at + 8));
        auxv.push((key, val));
        if key == AT_NULL {
            return (argv, auxv);
        }
        at += 16;
    }
}

fn aux(auxv: &[(usize, usize)], key: usize) -> usize {
    auxv.iter().find(|(k, _)| *k == key).unwrap().1
}

/// Where the loader of `ld_so()` lands in a fresh address space: top-down below the mmap top.
const LD_BASE: usize = MMAP_TOP - 0x3000;

#[test]
fn a_dynamically_linked_program_starts_in_its_interpreter() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    assert_eq!(exec(&k, &p, "/bin/prog", &["prog", "x"]), 0);
    assert_eq!(p.thread().ctx.lock().sepc, LD_BASE + 0x800, "the interpreter's entry");
    let (argv, auxv) = stack(&p);
    assert_eq!(argv, ["prog", "x"]);
    assert_eq!(aux(&auxv, AT_BASE), LD_BASE);
    assert_eq!(aux(&auxv, AT_ENTRY), ELF_ET_DYN_BASE + 0x1000, "the program's entry");
    assert_eq!(aux(&auxv, AT_PHDR), ELF_ET_DYN_BASE + 64);
    assert_eq!(aux(&auxv, AT_PHNUM), 3);
    let execfn = p.mm().read_cstr(aux(&auxv, AT_EXECFN), 4096).unwrap();
    assert_eq!(execfn, b"/bin/prog");
    assert_eq!(k.peek(&p, LD_BASE + 0x804, 5), b"ld.so");
    assert_eq!(k.peek(&p, ELF_ET_DYN_BASE + 0x1004, 4), b"prog");
    assert_eq!(*p.process().exe.lock(), "/bin/prog", "/proc/self/exe is the program");
    // The break follows the program; the loader's pages are named by its real path.
    assert_eq!(k.syscall(&p, Sysno::brk, [0]) as usize, ELF_ET_DYN_BASE + 0x3000);
    let named = |va: usize| match &p.mm().area_at(va).unwrap().kind {
        mm::aspace::AreaKind::File(n) => n.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(named(LD_BASE), "/lib/ld-2.36.so");
    assert_eq!(named(ELF_ET_DYN_BASE), "/bin/prog");
}

#[test]
fn the_interpreter_is_found_like_open_finds_a_file() {
    let k = TestKernel::new();
    setup(&k);
    // A relative name is taken from the caller's working directory (Linux's open_exec).
    k.add_file_mode("/bin/rel", 0o755, &pie(b"lib/ld-2.36.so\0"));
    let p = k.spawn();
    assert_eq!(exec(&k, &p, "/bin/rel", &["rel"]), 0, "from / (the cwd)");
    let p = k.spawn();
    let bin = k.poke_str(&p, SCRATCH + 0x900, "/bin");
    assert_eq!(k.syscall(&p, Sysno::chdir, [bin]), 0);
    assert_eq!(exec(&k, &p, "/bin/rel", &["rel"]), ENOENT, "from /bin there is no lib/ld-2.36.so");
    // An absolute name is taken from the process's root (one chroot(2) would have set).
    let jail = k.root.create("jail", fs::FileKind::Directory, 0o755).unwrap();
    jail.create("bin", fs::FileKind::Directory, 0o755).unwrap();
    k.add_file_mode("/jail/bin/prog", 0o755, &pie(format!("{LD}\0").as_bytes()));
    let p = k.spawn();
    p.process().fs.lock().root = jail;
    assert_eq!(exec(&k, &p, "/bin/prog", &["prog"]), ENOENT, "the jail has no /lib");
}

#[test]
fn bad_interpreters_are_the_errors_linux_gives_and_leave_the_caller_as_it_was() {
    let k = TestKernel::new();
    setup(&k);
    let ld = ld_so();
    let mut not_elf = b"#!/bin/sh\n".to_vec();
    not_elf.resize(200, b' ');
    let mut x86 = ld.clone();
    x86[18..20].copy_from_slice(&62u16.to_le_bytes());
    let mut bad_type = ld.clone();
    bad_type[16..18].copy_from_slice(&1u16.to_le_bytes()); // ET_REL
    let mut bad_phdrs = ld.clone();
    bad_phdrs[54..56].copy_from_slice(&32u16.to_le_bytes()); // e_phentsize
    k.add_file_mode("/lib/noexec.so", 0o644, &ld);
    k.add_file_mode("/lib/short.so", 0o755, &ld[..40]);
    k.add_file_mode("/lib/empty.so", 0o755, b"");
    k.add_file_mode("/lib/script.so", 0o755, &not_elf);
    k.add_file_mode("/lib/x86.so", 0o755, &x86);
    k.add_file_mode("/lib/rel.so", 0o755, &bad_type);
    k.add_file_mode("/lib/phdrs.so", 0o755, &bad_phdrs);
    k.add_file_mode("/lib/cut.so", 0o755, &ld[..0x900]);
    let long = format!("/{}\0", "l".repeat(4096));
    let cases: [(&str, Vec<u8>, isize); 13] = [
        ("missing", b"/lib/none.so\0".to_vec(), ENOENT),
        ("a directory", b"/lib\0".to_vec(), EACCES),
        ("not executable", b"/lib/noexec.so\0".to_vec(), EACCES),
        ("through a file", b"/bin/prog/ld.so\0".to_vec(), ENOTDIR),
        ("shorter than an ELF header", b"/lib/short.so\0".to_vec(), EIO),
        ("empty", b"/lib/empty.so\0".to_vec(), EIO),
        ("not ELF", b"/lib/script.so\0".to_vec(), ELIBBAD),
        ("another machine", b"/lib/x86.so\0".to_vec(), ELIBBAD),
        ("not an executable or shared object", b"/lib/rel.so\0".to_vec(), ELIBBAD),
        ("bad program headers", b"/lib/phdrs.so\0".to_vec(), ELIBBAD),
        ("segments cut off", b"/lib/cut.so\0".to_vec(), ELIBBAD),
        ("PT_INTERP without a NUL", LD.as_bytes().to_vec(), ENOEXEC),
        ("PT_INTERP longer than PATH_MAX", long.into_bytes(), ENOEXEC),
    ];
    let p = k.spawn();
    k.poke(&p, SCRATCH, b"still here");
    for (what, interp, err) in cases {
        k.add_file_mode("/bin/bad", 0o755, &pie(&interp));
        assert_eq!(exec(&k, &p, "/bin/bad", &["bad"]), err, "{what}");
    }
    assert_eq!(k.peek(&p, SCRATCH, 10), b"still here", "the failed calls left the process as it was");
    assert!(!p.process().has_execed());
}

#[test]
fn an_interpreter_naming_an_interpreter_is_loaded_without_it() {
    let k = TestKernel::new();
    setup(&k);
    // As Linux: only the program's PT_INTERP is followed; the interpreter's own is ignored.
    k.add_file_mode("/lib/odd.so", 0o755, &pie(b"/lib/none.so\0"));
    k.add_file_mode("/bin/odd", 0o755, &pie(b"/lib/odd.so\0"));
    let p = k.spawn();
    assert_eq!(exec(&k, &p, "/bin/odd", &["odd"]), 0);
    let base = MMAP_TOP - 0x3000;
    assert_eq!(p.thread().ctx.lock().sepc, base + 0x1000);
    assert_eq!(aux(&stack(&p).1, AT_BASE), base);
}

#[test]
fn the_loader_runs_as_a_command() {
    let k = TestKernel::new();
    setup(&k);
    let p = k.spawn();
    assert_eq!(exec(&k, &p, LD, &["ld.so", "/bin/prog"]), 0);
    assert_eq!(p.thread().ctx.lock().sepc, PIE_BASE + 0x800, "a static PIE");
    let (argv, auxv) = stack(&p);
    assert_eq!(argv, ["ld.so", "/bin/prog"]);
    assert_eq!((aux(&auxv, AT_BASE), aux(&auxv, AT_ENTRY)), (0, PIE_BASE + 0x800));
    assert_eq!(*p.process().exe.lock(), "/lib/ld-2.36.so");
}

#[test]
fn an_exec_program_with_an_interpreter_keeps_its_addresses() {
    let k = TestKernel::new();
    setup(&k);
    let interp = format!("{LD}\0");
    let n = interp.len() as u64;
    let phdrs = [seg(PT_INTERP, PF_R, 0x200, 0x10200, n, n), seg(PT_LOAD, PF_R | PF_X, 0, 0x10000, 0x1100, 0x1100)];
    k.add_file_mode("/bin/fixed", 0o755, &elf(ET_EXEC, 0x11000, &phdrs, &[(0x200, interp.as_bytes())]));
    let p = k.spawn();
    assert_eq!(exec(&k, &p, "/bin/fixed", &["fixed"]), 0);
    let auxv = stack(&p).1;
    assert_eq!((aux(&auxv, AT_ENTRY), aux(&auxv, AT_PHDR), aux(&auxv, AT_BASE)), (0x11000, 0x10040, LD_BASE));
    assert_eq!(k.syscall(&p, Sysno::brk, [0]), 0x12000);
}

#[test]
fn the_first_process_may_be_dynamically_linked() {
    let k = TestKernel::new();
    setup(&k);
    let t = syscalls::exec::spawn_init(&k.root, "/bin/prog", &[b"prog".to_vec()], &[]).unwrap();
    assert_eq!(t.ctx.lock().sepc, LD_BASE + 0x800);
    k.add_file_mode("/bin/lost", 0o755, &pie(b"/lib/none.so\0"));
    let r = syscalls::exec::spawn_init(&k.root, "/bin/lost", &[b"lost".to_vec()], &[]);
    assert_eq!(r.err(), Some(syscalls::Errno::ENOENT));
}
