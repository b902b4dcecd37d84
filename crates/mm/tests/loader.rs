//! The ELF loader and the initial stack, on ELF files built here byte by byte (and, when
//! `$BAKAEX_TEST_ELF` names one, on a real static riscv64 program).
use abi::flags::*;
use abi::Errno;
use hal::mem::PAGE_SIZE;
use mm::layout::{ELF_ET_DYN_BASE, MMAP_TOP, PIE_BASE, STACK_TOP, USER_END};
use mm::loader::test_elf as elf;
use mm::loader::{
    load, load_from, Ehdr, Entry, Interp, Phdr, EM_RISCV, ET_DYN, ET_EXEC, HWCAP_RV64IMAFDC, PATH_MAX, PF_R, PF_W,
    PF_X, PT_INTERP, PT_LOAD,
};
use mm::{AddressSpace, Perm};

const P: usize = PAGE_SIZE;
const RANDOM: [u8; 16] = *b"0123456789abcdef";
const EM_X86_64: u16 = 62;
const PT_PHDR: u32 = 6;
const PT_GNU_STACK: u32 = 0x6474_e551;
const AT_SYSINFO_EHDR: usize = 33;

/// A program header.
fn seg(kind: u32, flags: u32, offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Phdr {
    Phdr { kind, flags, offset, vaddr, paddr: vaddr, filesz, memsz, align: P as u64 }
}

const CODE: &[u8] = b"\x13\x00\x00\x00code";
const DATA: &[u8] = b"initialised data";

/// A typical static executable: text (headers + code) at 0x10000, data with bss at 0x12100.
fn exec_file(kind: u16, machine: u16) -> Vec<u8> {
    let phdrs = [
        seg(PT_LOAD, PF_R | PF_X, 0, 0x10000, 0x1100, 0x1100),
        seg(PT_LOAD, PF_R | PF_W, 0x2100, 0x12100, DATA.len() as u64, 0x2000),
        seg(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0),
    ];
    elf(kind, machine, 0x11000, &phdrs, &[(0x1000, CODE), (0x2100, DATA)])
}

fn load_into(file: &[u8], argv: &[&str], envp: &[&str]) -> (AddressSpace, Result<Entry, Errno>) {
    let mut mm = AddressSpace::new().unwrap();
    let argv: Vec<Vec<u8>> = argv.iter().map(|s| s.as_bytes().to_vec()).collect();
    let envp: Vec<Vec<u8>> = envp.iter().map(|s| s.as_bytes().to_vec()).collect();
    let r = load(&mut mm, file, "/bin/prog", &argv, &envp, RANDOM);
    (mm, r)
}

fn load_ok(file: &[u8], argv: &[&str], envp: &[&str]) -> (AddressSpace, Entry) {
    let (mm, r) = load_into(file, argv, envp);
    (mm, r.expect("loads"))
}

fn bytes(mm: &mut AddressSpace, va: usize, len: usize) -> Vec<u8> {
    let mut v = vec![0; len];
    mm.read_bytes(va, &mut v).unwrap();
    v
}

fn word(mm: &mut AddressSpace, va: usize) -> usize {
    usize::from_le_bytes(bytes(mm, va, 8).try_into().unwrap())
}

fn cstr(mm: &mut AddressSpace, va: usize) -> String {
    String::from_utf8(mm.read_cstr(va, 4096).unwrap()).unwrap()
}

/// The areas as (start, end, perm).
fn layout(mm: &AddressSpace) -> Vec<(usize, usize, Perm)> {
    mm.areas().map(|a| (a.start, a.end, a.perm)).collect()
}

/// The initial stack, decoded: argv, envp, auxv.
struct Stack {
    argv: Vec<String>,
    envp: Vec<String>,
    auxv: Vec<(usize, usize)>,
}

fn read_stack(mm: &mut AddressSpace, sp: usize) -> Stack {
    let argc = word(mm, sp);
    let mut at = sp + 8;
    let strings = |mm: &mut AddressSpace, at: &mut usize, n: Option<usize>| {
        let mut v = Vec::new();
        loop {
            let p = word(mm, *at);
            *at += 8;
            if p == 0 {
                break;
            }
            v.push(cstr(mm, p));
        }
        if let Some(n) = n {
            assert_eq!(v.len(), n, "argc matches the NULL-terminated argv");
        }
        v
    };
    let argv = strings(mm, &mut at, Some(argc));
    let envp = strings(mm, &mut at, None);
    let mut auxv = Vec::new();
    loop {
        let (k, v) = (word(mm, at), word(mm, at + 8));
        at += 16;
        auxv.push((k, v));
        if k == AT_NULL {
            break;
        }
    }
    Stack { argv, envp, auxv }
}

fn aux(st: &Stack, key: usize) -> usize {
    st.auxv.iter().find(|(k, _)| *k == key).unwrap_or_else(|| panic!("auxv has no {key}")).1
}

#[test]
fn segments_are_mapped_with_their_permissions_contents_and_zeroed_bss() {
    let (mut mm, entry) = load_ok(&exec_file(ET_EXEC, EM_RISCV), &["prog"], &[]);
    assert_eq!(entry.pc, 0x11000);
    let stack = (STACK_TOP - mm::layout::STACK_SIZE, STACK_TOP, Perm::R | Perm::W);
    assert_eq!(layout(&mm), [(0x10000, 0x12000, Perm::R | Perm::X), (0x12000, 0x15000, Perm::R | Perm::W), stack]);
    assert_eq!(bytes(&mut mm, 0x11000, CODE.len()), CODE);
    assert_eq!(bytes(&mut mm, 0x10000, 4), b"\x7fELF", "the headers are part of the text segment");
    assert_eq!(bytes(&mut mm, 0x12100, DATA.len()), DATA);
    assert!(bytes(&mut mm, 0x12100 + DATA.len(), 0x2000 - DATA.len()).iter().all(|&b| b == 0), "bss is zero");
    assert!(bytes(&mut mm, 0x12000, 0x100).iter().all(|&b| b == 0), "bytes before the segment are zero");
    assert_eq!(mm.brk(), 0x15000, "the heap starts at the page after the end of bss");
    assert_eq!(mm.write_bytes(0x11000, b"x"), Err(Errno::EFAULT), "text is not writable");
}

#[test]
fn the_initial_stack_is_argc_argv_envp_and_auxv_as_linux_builds_it() {
    let file = exec_file(ET_EXEC, EM_RISCV);
    let (mut mm, entry) = load_ok(&file, &["prog", "-v", ""], &["HOME=/", "PATH=/bin"]);
    let sp = entry.sp;
    assert_eq!(sp % 16, 0, "sp is 16-byte aligned");
    let st = read_stack(&mut mm, sp);
    assert_eq!(st.argv, ["prog", "-v", ""]);
    assert_eq!(st.envp, ["HOME=/", "PATH=/bin"]);
    assert_eq!(aux(&st, AT_PAGESZ), 4096);
    assert_eq!(aux(&st, AT_CLKTCK), 100);
    assert_eq!(aux(&st, AT_HWCAP), HWCAP_RV64IMAFDC);
    assert_eq!(HWCAP_RV64IMAFDC, 0x112d, "bits i, m, a, f, d, c");
    assert_eq!(aux(&st, AT_PHDR), 0x10040, "where the text segment maps e_phoff");
    assert_eq!(aux(&st, AT_PHENT), 56);
    assert_eq!(aux(&st, AT_PHNUM), 3);
    assert_eq!(aux(&st, AT_ENTRY), 0x11000);
    assert_eq!(aux(&st, AT_BASE), 0, "no interpreter");
    assert_eq!((aux(&st, AT_UID), aux(&st, AT_EUID), aux(&st, AT_GID), aux(&st, AT_EGID)), (0, 0, 0, 0));
    assert_eq!(aux(&st, AT_SECURE), 0);
    let rand = aux(&st, AT_RANDOM);
    assert_eq!(bytes(&mut mm, rand, 16), RANDOM);
    assert_eq!(rand % 16, 0, "the random bytes are aligned like Linux's");
    assert_eq!(cstr(&mut mm, aux(&st, AT_EXECFN)), "/bin/prog");
    assert_eq!(st.auxv.last(), Some(&(AT_NULL, 0)));
    // The program headers really are at AT_PHDR.
    assert_eq!(bytes(&mut mm, aux(&st, AT_PHDR), 3 * 56), file[64..64 + 3 * 56]);
    // From the top down: a NULL word, execfn, then the environment and argument strings.
    assert_eq!(word(&mut mm, STACK_TOP - 8), 0);
    assert_eq!(aux(&st, AT_EXECFN), STACK_TOP - 8 - "/bin/prog".len() - 1);
    let argv0 = word(&mut mm, sp + 8);
    let env0 = word(&mut mm, sp + 8 * 5);
    assert!(argv0 < env0 && env0 < aux(&st, AT_EXECFN), "argv strings below envp strings below execfn");
    assert!(sp + 8 * (1 + 4 + 3 + 2 * st.auxv.len()) <= rand, "the vectors end below the random bytes");
}

#[test]
fn a_program_without_arguments_or_environment_still_gets_terminated_vectors() {
    let (mut mm, entry) = load_ok(&exec_file(ET_EXEC, EM_RISCV), &[], &[]);
    assert_eq!(word(&mut mm, entry.sp), 0, "argc");
    assert_eq!(word(&mut mm, entry.sp + 8), 0, "argv NULL");
    assert_eq!(word(&mut mm, entry.sp + 16), 0, "envp NULL");
    assert_eq!(word(&mut mm, entry.sp + 24), AT_HWCAP, "auxv follows");
}

#[test]
fn a_static_pie_is_loaded_at_pie_base() {
    let (mut mm, entry) = load_ok(&exec_file(ET_DYN, EM_RISCV), &["pie"], &[]);
    assert_eq!(entry.pc, PIE_BASE + 0x11000);
    assert_eq!(bytes(&mut mm, PIE_BASE + 0x11000, CODE.len()), CODE);
    assert_eq!(bytes(&mut mm, PIE_BASE + 0x12100, DATA.len()), DATA);
    let st = read_stack(&mut mm, entry.sp);
    assert_eq!(aux(&st, AT_PHDR), PIE_BASE + 0x10040);
    assert_eq!(aux(&st, AT_ENTRY), PIE_BASE + 0x11000);
    assert_eq!(mm.brk(), PIE_BASE + 0x15000);
}

#[test]
fn two_segments_sharing_a_page_get_both_permissions_on_that_page_only() {
    let phdrs = [
        seg(PT_LOAD, PF_R | PF_X, 0, 0x10000, 0x1800, 0x1800),
        seg(PT_LOAD, PF_R | PF_W, 0x1800, 0x11800, DATA.len() as u64, 0x1000),
    ];
    let file = elf(ET_EXEC, EM_RISCV, 0x11000, &phdrs, &[(0x1000, CODE), (0x1800, DATA)]);
    let (mut mm, _) = load_ok(&file, &[], &[]);
    let rwx = Perm::R | Perm::W | Perm::X;
    assert_eq!(
        layout(&mm)[..3],
        [(0x10000, 0x11000, Perm::R | Perm::X), (0x11000, 0x12000, rwx), (0x12000, 0x13000, Perm::R | Perm::W)]
    );
    assert_eq!(bytes(&mut mm, 0x11000, CODE.len()), CODE, "the first segment's tail is kept");
    assert_eq!(bytes(&mut mm, 0x11800, DATA.len()), DATA);
    assert!(bytes(&mut mm, 0x11800 + DATA.len(), 0x1000 - DATA.len()).iter().all(|&b| b == 0));
    assert_eq!(mm.brk(), 0x13000);
}

const LD: &str = "/lib/ld-linux-riscv64-lp64d.so.1";
const LD_CODE: &[u8] = b"\x13\x00\x00\x00ld.so text";
const LD_DATA: &[u8] = b"ld.so data";

/// A program that names `interp` in its PT_INTERP: a PIE (ET_DYN) or an ET_EXEC, with text
/// (headers, code) at 0x0/0x10000 and data with bss on the next pages.
fn dyn_prog(kind: u16, interp: &[u8]) -> Vec<u8> {
    let at = if kind == ET_DYN { 0 } else { 0x10000 };
    let n = interp.len() as u64;
    let phdrs = [
        seg(PT_PHDR, PF_R, 64, at + 64, 4 * 56, 4 * 56),
        seg(PT_INTERP, PF_R, 0x200, at + 0x200, n, n),
        seg(PT_LOAD, PF_R | PF_X, 0, at, 0x1100, 0x1100),
        seg(PT_LOAD, PF_R | PF_W, 0x2100, at + 0x2100, DATA.len() as u64, 0x2000),
    ];
    elf(kind, EM_RISCV, at + 0x1000, &phdrs, &[(0x200, interp), (0x1000, CODE), (0x2100, DATA)])
}

/// The dynamic loader: an ET_DYN shared object at 0 (text, then data with bss).
fn ld_so() -> Vec<u8> {
    let phdrs = [
        seg(PT_LOAD, PF_R | PF_X, 0, 0, 0x1800, 0x1800),
        seg(PT_LOAD, PF_R | PF_W, 0x1800, 0x2800, LD_DATA.len() as u64, 0x3000),
        seg(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0),
    ];
    elf(ET_DYN, EM_RISCV, 0x1100, &phdrs, &[(0x1100, LD_CODE), (0x1800, LD_DATA)])
}

/// Load `file` with the interpreters `files` (path, contents) available; also returns the
/// names the loader asked for.
fn load_dyn(file: &[u8], files: &[(&str, &[u8])]) -> (AddressSpace, Result<Entry, Errno>, Vec<String>) {
    let asked = std::cell::RefCell::new(Vec::new());
    let open = |path: &str| {
        asked.borrow_mut().push(path.to_string());
        let (_, data) = files.iter().find(|(p, _)| *p == path).ok_or(Errno::ENOENT)?;
        Ok(Interp { file: Box::new(*data), size: data.len() as u64, name: path.to_string() })
    };
    let mut mm = AddressSpace::new().unwrap();
    let r = load_from(&mut mm, &file, file.len() as u64, "/bin/prog", &[b"prog".to_vec()], &[], RANDOM, &open);
    (mm, r, asked.into_inner())
}

/// Where an interpreter spanning `len` bytes goes in an empty address space: top-down below
/// the mmap top, as an mmap without a hint.
fn interp_base(len: usize) -> usize {
    MMAP_TOP - len
}

#[test]
fn a_pie_with_an_interpreter_starts_in_the_interpreter_loaded_in_the_mmap_region() {
    let ld = ld_so();
    let (mut mm, r, asked) = load_dyn(&dyn_prog(ET_DYN, format!("{LD}\0").as_bytes()), &[(LD, &ld)]);
    let entry = r.expect("loads");
    assert_eq!(asked, [LD], "the interpreter is opened by its PT_INTERP name");
    let prog = ELF_ET_DYN_BASE;
    assert_eq!(prog, 0x2a_aaaa_a000, "two thirds of the Sv39 user space, as Linux places a PIE");
    let ld_base = interp_base(0x6000);
    assert_eq!(entry.pc, ld_base + 0x1100, "the interpreter's entry");
    assert_eq!(bytes(&mut mm, ld_base + 0x1100, LD_CODE.len()), LD_CODE);
    assert_eq!(bytes(&mut mm, ld_base + 0x2800, LD_DATA.len()), LD_DATA);
    assert!(bytes(&mut mm, ld_base + 0x2800 + LD_DATA.len(), 0x3000 - LD_DATA.len()).iter().all(|&b| b == 0));
    assert_eq!(bytes(&mut mm, prog + 0x1000, CODE.len()), CODE, "the program is loaded too");
    assert_eq!(bytes(&mut mm, prog + 0x2100, DATA.len()), DATA);
    let st = read_stack(&mut mm, entry.sp);
    assert_eq!(aux(&st, AT_BASE), ld_base, "AT_BASE: the interpreter's load address");
    assert_eq!(aux(&st, AT_ENTRY), prog + 0x1000, "AT_ENTRY: the program's entry");
    assert_eq!(aux(&st, AT_PHDR), prog + 64, "AT_PHDR: the program's headers");
    assert_eq!((aux(&st, AT_PHNUM), aux(&st, AT_PHENT)), (4, 56));
    assert_eq!(aux(&st, AT_SECURE), 0);
    assert_eq!(aux(&st, AT_HWCAP), HWCAP_RV64IMAFDC);
    assert_eq!(cstr(&mut mm, aux(&st, AT_EXECFN)), "/bin/prog");
    assert!(st.auxv.iter().all(|(k, _)| *k != AT_SYSINFO_EHDR), "no vDSO");
    assert_eq!(st.argv, ["prog"]);
    assert_eq!(mm.brk(), prog + 0x5000, "the break follows the program, not the interpreter");
    let names: Vec<(usize, String)> = mm
        .areas()
        .filter_map(|a| match &a.kind {
            mm::aspace::AreaKind::File(n) => Some((a.start, n.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        names,
        [
            (prog, "/bin/prog".into()),
            (prog + 0x2000, "/bin/prog".into()),
            (ld_base, LD.into()),
            (ld_base + 0x2000, LD.into())
        ]
    );
    assert_eq!(mm.area_at(ld_base).unwrap().perm, Perm::R | Perm::X);
    assert_eq!(mm.area_at(ld_base + 0x2800).unwrap().perm, Perm::R | Perm::W);
}

#[test]
fn an_exec_program_with_an_interpreter_stays_at_its_addresses() {
    let ld = ld_so();
    let (mut mm, r, _) = load_dyn(&dyn_prog(ET_EXEC, format!("{LD}\0").as_bytes()), &[(LD, &ld)]);
    let entry = r.unwrap();
    let st = read_stack(&mut mm, entry.sp);
    assert_eq!((aux(&st, AT_ENTRY), aux(&st, AT_PHDR)), (0x11000, 0x10040));
    assert_eq!(aux(&st, AT_BASE), interp_base(0x6000));
    assert_eq!(entry.pc, interp_base(0x6000) + 0x1100);
    assert_eq!(mm.brk(), 0x15000);
}

#[test]
fn a_pie_is_placed_at_its_largest_segment_alignment() {
    let mut f = dyn_prog(ET_DYN, format!("{LD}\0").as_bytes());
    // p_align of the two PT_LOADs (third and fourth program headers): 2 MiB and 64 KiB; a
    // p_align that is no power of two is not counted.
    for (i, align) in [(2, 0x20_0000u64), (3, 0x1_0000), (0, 0x300_0000)] {
        let at = 64 + i * 56 + 48;
        f[at..at + 8].copy_from_slice(&align.to_le_bytes());
    }
    let ld = ld_so();
    let (mut mm, r, _) = load_dyn(&f, &[(LD, &ld)]);
    let st = read_stack(&mut mm, r.unwrap().sp);
    assert_eq!(aux(&st, AT_ENTRY), 0x2a_aaa0_0000 + 0x1000);
}

#[test]
fn only_the_first_pt_interp_counts_and_the_interpreters_own_is_ignored() {
    let ld = ld_so();
    let mut phdrs = vec![
        seg(PT_INTERP, PF_R, 0x200, 0x200, LD.len() as u64 + 1, LD.len() as u64 + 1),
        seg(PT_INTERP, PF_R, 0x300, 0x300, 6, 6),
        seg(PT_LOAD, PF_R | PF_X, 0, 0, 0x1100, 0x1100),
    ];
    let ld_path = format!("{LD}\0");
    let f = elf(ET_DYN, EM_RISCV, 0x1000, &phdrs, &[(0x200, ld_path.as_bytes()), (0x300, b"/nope\0")]);
    let (_, r, asked) = load_dyn(&f, &[(LD, &ld)]);
    assert!(r.is_ok());
    assert_eq!(asked, [LD]);
    // An interpreter that names an interpreter is loaded all the same (Linux only maps its
    // PT_LOAD segments); the one it names is never opened.
    phdrs.remove(1);
    let f = elf(ET_DYN, EM_RISCV, 0x1000, &phdrs, &[(0x200, ld_path.as_bytes())]);
    let ld2 = dyn_prog(ET_DYN, b"/lib/other.so\0");
    let (mut mm, r, asked) = load_dyn(&f, &[(LD, &ld2)]);
    let entry = r.expect("loads");
    assert_eq!(asked, [LD]);
    assert_eq!(entry.pc, interp_base(0x5000) + 0x1000);
    assert_eq!(aux(&read_stack(&mut mm, entry.sp), AT_BASE), interp_base(0x5000));
}

#[test]
fn an_interpreter_name_ends_at_its_first_nul() {
    let ld = ld_so();
    let (_, r, asked) = load_dyn(&dyn_prog(ET_DYN, format!("{LD}\0junk\0").as_bytes()), &[(LD, &ld)]);
    assert!(r.is_ok());
    assert_eq!(asked, [LD]);
}

#[test]
fn a_bad_pt_interp_is_enoexec_or_eio_as_linux() {
    let ld = ld_so();
    let files: &[(&str, &[u8])] = &[(LD, &ld)];
    let long = format!("/{}\0", "x".repeat(PATH_MAX));
    let longest = format!("/{}\0", "x".repeat(PATH_MAX - 2));
    let cases: [(&str, &[u8], Errno); 6] = [
        ("not NUL-terminated", LD.as_bytes(), Errno::ENOEXEC),
        ("one byte", b"\0", Errno::ENOEXEC),
        ("no bytes", b"", Errno::ENOEXEC),
        ("longer than PATH_MAX", long.as_bytes(), Errno::ENOEXEC),
        ("PATH_MAX bytes: looked up", longest.as_bytes(), Errno::ENOENT),
        ("empty name", b"\0\0", Errno::ENOENT),
    ];
    for (what, interp, err) in cases {
        assert_eq!(load_dyn(&dyn_prog(ET_DYN, interp), files).1, Err(err), "{what}");
    }
    // A PT_INTERP beyond the end of the file: the read comes up short.
    let phdrs = [seg(PT_INTERP, PF_R, 0x1000, 0x1000, 0x20, 0x20), seg(PT_LOAD, PF_R | PF_X, 0, 0, 0x200, 0x200)];
    let mut f = elf(ET_DYN, EM_RISCV, 0x100, &phdrs, &[(0x200, b"pad")]);
    f.truncate(0x1008);
    assert_eq!(load_dyn(&f, files).1, Err(Errno::EIO));
}

#[test]
fn a_missing_interpreter_is_enoent_and_open_errors_pass_through() {
    let prog = dyn_prog(ET_DYN, format!("{LD}\0").as_bytes());
    assert_eq!(load_dyn(&prog, &[]).1, Err(Errno::ENOENT));
    let mut mm = AddressSpace::new().unwrap();
    let denied = |_: &str| Err(Errno::EACCES);
    let r = load_from(&mut mm, &prog.as_slice(), prog.len() as u64, "/bin/prog", &[], &[], RANDOM, &denied);
    assert_eq!(r, Err(Errno::EACCES));
}

#[test]
fn a_malformed_interpreter_is_elibbad_and_a_truncated_header_eio() {
    let prog = dyn_prog(ET_DYN, format!("{LD}\0").as_bytes());
    let with = |ld: &[u8]| load_dyn(&prog, &[(LD, ld)]).1;
    let good = ld_so();
    assert!(with(&good).is_ok());
    for len in 0..64 {
        assert_eq!(with(&good[..len]), Err(Errno::EIO), "a header cut to {len} bytes");
    }
    for len in 64..good.len() {
        assert_eq!(with(&good[..len]), Err(Errno::ELIBBAD), "cut to {len} bytes");
    }
    let patched = |at: usize, b: &[u8]| {
        let mut f = good.clone();
        f[at..at + b.len()].copy_from_slice(b);
        f
    };
    let cases = [
        ("magic", patched(0, b"\x7fELG")),
        ("a script", patched(0, b"#!/b")),
        ("ELFCLASS32", patched(4, &[1])),
        ("machine x86_64", patched(18, &EM_X86_64.to_le_bytes())),
        ("ET_REL", patched(16, &1u16.to_le_bytes())),
        ("ET_CORE", patched(16, &4u16.to_le_bytes())),
        ("e_phentsize", patched(54, &32u16.to_le_bytes())),
        ("no program headers", patched(56, &0u16.to_le_bytes())),
        ("too many program headers", patched(56, &100u16.to_le_bytes())),
        ("program headers past the end", patched(32, &0x10_0000u64.to_le_bytes())),
        ("file size above memory size", patched(64 + 32, &0x2000u64.to_le_bytes())),
        ("segment data past the end of the file", patched(64 + 8, &0x10_0000u64.to_le_bytes())),
        ("segments out of order", patched(64 + 16, &0x10000u64.to_le_bytes())),
        ("no loadable segment", {
            let f = patched(64, &PT_GNU_STACK.to_le_bytes());
            let mut f2 = f.clone();
            f2[64 + 56..64 + 60].copy_from_slice(&PT_GNU_STACK.to_le_bytes());
            f2
        }),
    ];
    for (what, ld) in cases {
        assert_eq!(with(&ld), Err(Errno::ELIBBAD), "{what}");
    }
    // A huge span: no room for it.
    let huge = patched(64 + 56 + 40, &(USER_END as u64).to_le_bytes());
    assert!(matches!(with(&huge), Err(Errno::ELIBBAD | Errno::ENOMEM)));
}

#[test]
fn an_exec_interpreter_loads_at_its_own_addresses_and_may_not_overlap_the_program() {
    let at = |vaddr: u64| {
        let phdrs = [seg(PT_LOAD, PF_R | PF_X, 0, vaddr, 0x200, 0x200)];
        elf(ET_EXEC, EM_RISCV, vaddr + 0x100, &phdrs, &[(0x100, LD_CODE)])
    };
    let prog = dyn_prog(ET_EXEC, format!("{LD}\0").as_bytes());
    let ld = at(0x4000_0000);
    let (mut mm, r, _) = load_dyn(&prog, &[(LD, &ld)]);
    let entry = r.unwrap();
    assert_eq!(entry.pc, 0x4000_0100);
    assert_eq!(bytes(&mut mm, 0x4000_0100, LD_CODE.len()), LD_CODE);
    assert_eq!(aux(&read_stack(&mut mm, entry.sp), AT_BASE), 0, "Linux's AT_BASE of an ET_EXEC interpreter");
    assert_eq!(load_dyn(&prog, &[(LD, &at(0x11000))]).1, Err(Errno::ELIBBAD), "on the program's pages");
}

#[test]
fn the_dynamic_loader_run_as_a_program_is_a_static_pie() {
    // ld.so has no PT_INTERP: run directly, it is loaded at PIE_BASE and starts itself.
    let (mut mm, entry) = load_ok(&ld_so(), &["ld.so", "./prog"], &[]);
    assert_eq!(entry.pc, PIE_BASE + 0x1100);
    let st = read_stack(&mut mm, entry.sp);
    assert_eq!((aux(&st, AT_BASE), aux(&st, AT_ENTRY)), (0, PIE_BASE + 0x1100));
    assert_eq!(mm.brk(), PIE_BASE + 0x6000);
}

#[test]
fn a_wrong_machine_class_type_or_magic_is_enoexec() {
    assert_eq!(load_into(&exec_file(ET_EXEC, EM_X86_64), &[], &[]).1, Err(Errno::ENOEXEC));
    assert_eq!(load_into(&exec_file(1 /* ET_REL */, EM_RISCV), &[], &[]).1, Err(Errno::ENOEXEC));
    assert_eq!(load_into(&exec_file(4 /* ET_CORE */, EM_RISCV), &[], &[]).1, Err(Errno::ENOEXEC));
    for (at, byte) in [(0, 0x7e), (4, 1 /* ELFCLASS32 */), (5, 2 /* big endian */)] {
        let mut f = exec_file(ET_EXEC, EM_RISCV);
        f[at] = byte;
        assert_eq!(load_into(&f, &[], &[]).1, Err(Errno::ENOEXEC), "byte {at} = {byte}");
    }
    let mut f = exec_file(ET_EXEC, EM_RISCV);
    f[54] = 32; // e_phentsize
    assert_eq!(load_into(&f, &[], &[]).1, Err(Errno::ENOEXEC));
    assert_eq!(load_into(b"#!/bin/sh\necho hi\n", &[], &[]).1, Err(Errno::ENOEXEC));
}

#[test]
fn every_truncation_of_a_valid_file_is_enoexec() {
    let f = exec_file(ET_EXEC, EM_RISCV);
    assert!(load_into(&f, &[], &[]).1.is_ok());
    for len in 0..f.len() {
        assert_eq!(load_into(&f[..len], &[], &[]).1, Err(Errno::ENOEXEC), "truncated to {len} bytes");
    }
}

#[test]
fn a_file_at_an_unaligned_address_loads_the_same() {
    let f = exec_file(ET_EXEC, EM_RISCV);
    let mut shifted = vec![0u8];
    shifted.extend_from_slice(&f);
    let (_, a) = load_ok(&f, &["x"], &[]);
    let (_, b) = load_ok(&shifted[1..], &["x"], &[]);
    assert_eq!(a, b);
}

#[test]
fn malformed_segments_are_enoexec() {
    let text = |vaddr: u64, filesz: u64, memsz: u64| seg(PT_LOAD, PF_R | PF_X, 0, vaddr, filesz, memsz);
    let cases: [(&str, Vec<Phdr>); 5] = [
        ("file size above memory size", vec![text(0x10000, 0x200, 0x100)]),
        ("beyond user space", vec![text(USER_END as u64 - 0x1000, 0x100, 0x2000)]),
        ("address overflow", vec![text(u64::MAX - 0xfff, 0x100, 0x2000)]),
        ("segments out of order", vec![text(0x20000, 0x100, 0x100), text(0x10000, 0x100, 0x100)]),
        ("no loadable segment", vec![seg(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0)]),
    ];
    for (what, phdrs) in cases {
        let f = elf(ET_EXEC, EM_RISCV, 0x10000, &phdrs, &[(0x200, b"pad")]);
        assert_eq!(load_into(&f, &[], &[]).1, Err(Errno::ENOEXEC), "{what}");
    }
    let f = elf(ET_EXEC, EM_RISCV, 0x10000, &[seg(PT_LOAD, PF_R, 0, STACK_TOP as u64 - 0x1000, 0x100, 0x100)], &[]);
    assert_eq!(load_into(&f, &[], &[]).1, Err(Errno::ENOEXEC), "a segment where the stack goes");
    let mut f = elf(ET_EXEC, EM_RISCV, 0x10000, &[seg(PT_LOAD, PF_R, 0x100, 0x10100, 0x10_0000, 0x10_0000)], &[]);
    f.truncate(0x1000);
    assert_eq!(load_into(&f, &[], &[]).1, Err(Errno::ENOEXEC), "data beyond the end of the file");
}

#[test]
fn arguments_too_large_for_the_stack_are_e2big() {
    let f = exec_file(ET_EXEC, EM_RISCV);
    let long = "x".repeat(32 * 4096);
    assert_eq!(load_into(&f, &[&long], &[]).1, Err(Errno::E2BIG), "one string over MAX_ARG_STRLEN");
    let fits = "x".repeat(32 * 4096 - 1);
    assert!(load_into(&f, &[&fits], &[]).1.is_ok());
    let many: Vec<&str> = (0..80).map(|_| fits.as_str()).collect();
    assert_eq!(load_into(&f, &many, &[]).1, Err(Errno::E2BIG), "more than a quarter of the stack");
}

/// With `BAKAEX_TEST_ELF=/path/to/static-riscv64-program`, load a real program too.
#[test]
fn a_real_static_program_loads_when_one_is_given() {
    let Ok(path) = std::env::var("BAKAEX_TEST_ELF") else {
        return;
    };
    let file = std::fs::read(&path).expect("BAKAEX_TEST_ELF is readable");
    let (mut mm, entry) = load_ok(&file, &["prog", "arg"], &["A=B"]);
    let eh: Ehdr = bytemuck::pod_read_unaligned(&file[..64]);
    let base = if eh.kind == ET_DYN { PIE_BASE } else { 0 };
    assert_eq!(entry.pc, base + eh.entry as usize);
    assert_eq!(entry.sp % 16, 0);
    let st = read_stack(&mut mm, entry.sp);
    assert_eq!(st.argv, ["prog", "arg"]);
    assert_eq!(st.envp, ["A=B"]);
    let (phoff, n) = (eh.phoff as usize, eh.phnum as usize * 56);
    assert_eq!(bytes(&mut mm, aux(&st, AT_PHDR), n), file[phoff..phoff + n], "AT_PHDR shows the headers");
    let phdrs: Vec<Phdr> =
        (0..eh.phnum as usize).map(|i| bytemuck::pod_read_unaligned(&file[phoff + i * 56..][..56])).collect();
    for ph in phdrs.iter().filter(|p| p.kind == PT_LOAD) {
        let (off, len) = (ph.offset as usize, ph.filesz as usize);
        assert_eq!(bytes(&mut mm, base + ph.vaddr as usize, len), file[off..off + len], "segment at {:#x}", ph.vaddr);
    }
    let end = phdrs.iter().filter(|p| p.kind == PT_LOAD).map(|p| base + (p.vaddr + p.memsz) as usize).max().unwrap();
    assert_eq!(mm.brk(), end.div_ceil(PAGE_SIZE) * PAGE_SIZE);
}
