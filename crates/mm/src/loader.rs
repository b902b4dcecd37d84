//! Loading a static Linux ELF executable and building its initial stack.
//!
//! The ELF and program headers are read with `bytemuck` from possibly unaligned bytes and every
//! field is checked before use, so any file (truncated, hostile, misaligned) is either loaded or
//! ENOEXEC, never a kernel panic. (`xmas-elf`, used before, slices its input unchecked and
//! asserts alignment.) Both ET_EXEC and static-PIE (ET_DYN without an interpreter) are accepted;
//! a program that needs a dynamic loader is ENOEXEC until dynamic linking is supported.
use crate::aspace::{AddressSpace, AreaKind, Backing, Perm};
use crate::layout::{PIE_BASE, STACK_SIZE, STACK_TOP};
use abi::flags::*;
use abi::{Errno, SysResult};
use alloc::string::String;
use alloc::vec::Vec;
use bytemuck::{Pod, Zeroable};
use hal::mem::{page_down, page_up, PAGE_SIZE};

/// Where a loaded program starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Initial pc.
    pub pc: usize,
    /// Initial sp, pointing at argc.
    pub sp: usize,
}

/// The riscv64 AT_HWCAP bits for the "imafdc" ISA QEMU's virt CPU implements.
pub const HWCAP_RV64IMAFDC: usize = {
    let letters = b"imafdc";
    let mut bits = 0;
    let mut i = 0;
    while i < letters.len() {
        bits |= 1 << (letters[i] - b'a');
        i += 1;
    }
    bits
};

/// Longest single argument or environment string (Linux's MAX_ARG_STRLEN).
pub const MAX_ARG_STRLEN: usize = 32 * PAGE_SIZE;

/// ELF64 file header.
#[derive(Clone, Copy, Pod, Zeroable)]
#[repr(C)]
pub struct Ehdr {
    pub ident: [u8; 16],
    pub kind: u16,
    pub machine: u16,
    pub version: u32,
    pub entry: u64,
    pub phoff: u64,
    pub shoff: u64,
    pub flags: u32,
    pub ehsize: u16,
    pub phentsize: u16,
    pub phnum: u16,
    pub shentsize: u16,
    pub shnum: u16,
    pub shstrndx: u16,
}

/// ELF64 program header.
#[derive(Clone, Copy, Pod, Zeroable)]
#[repr(C)]
pub struct Phdr {
    pub kind: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub paddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

pub const ET_EXEC: u16 = 2;
pub const ET_DYN: u16 = 3;
pub const EM_RISCV: u16 = 243;
pub const PT_LOAD: u32 = 1;
pub const PT_INTERP: u32 = 3;
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;
const PHDR_SIZE: usize = core::mem::size_of::<Phdr>();

/// Largest program header table Linux accepts (`elf_read_phdrs`: one page).
const MAX_PHDRS_SIZE: usize = PAGE_SIZE;

/// `&[u8]` as a file, for loading an image that is already in memory (tests, embedded programs).
impl Backing for &[u8] {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        let Some(rest) = usize::try_from(offset).ok().and_then(|o| self.get(o..)) else { return Ok(0) };
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }
}

/// Exactly `buf.len()` bytes of `file` from `offset`, or ENOEXEC if the file is too short.
fn read_exact(file: &dyn Backing, offset: u64, buf: &mut [u8]) -> SysResult<()> {
    let mut done = 0;
    while done < buf.len() {
        let at = offset.checked_add(done as u64).ok_or(Errno::ENOEXEC)?;
        match file.read_at(at, &mut buf[done..])? {
            0 => return Err(Errno::ENOEXEC),
            n => done += n,
        }
    }
    Ok(())
}

/// The file header and program headers of a riscv64 ELF64 executable, checked. Only the
/// headers are read, whatever the file's size.
fn parse(elf: &dyn Backing) -> SysResult<(Ehdr, Vec<Phdr>)> {
    let mut eh = Ehdr::zeroed();
    read_exact(elf, 0, bytemuck::bytes_of_mut(&mut eh))?;
    let ok = eh.ident[..4] == *b"\x7fELF"
        && eh.ident[4] == 2 // ELFCLASS64
        && eh.ident[5] == 1 // little endian
        && eh.machine == EM_RISCV
        && (eh.kind == ET_EXEC || eh.kind == ET_DYN)
        && eh.phentsize as usize == PHDR_SIZE
        && eh.phnum > 0
        && eh.phnum as usize * PHDR_SIZE <= MAX_PHDRS_SIZE;
    if !ok {
        return Err(Errno::ENOEXEC);
    }
    let mut phdrs = alloc::vec![Phdr::zeroed(); eh.phnum as usize];
    read_exact(elf, eh.phoff, bytemuck::cast_slice_mut(&mut phdrs))?;
    Ok((eh, phdrs))
}

/// Facts about the image needed for the auxiliary vector.
struct Image {
    entry: usize,
    phdr: usize,
    phnum: usize,
    end: usize,
}

fn perm_of(flags: u32) -> Perm {
    let mut perm = Perm::empty();
    for (bit, p) in [(PF_R, Perm::R), (PF_W, Perm::W), (PF_X, Perm::X)] {
        if flags & bit != 0 {
            perm |= p;
        }
    }
    perm
}

/// Map the program's segments into `mm` (which should be empty) and set its break.
fn load_segments(mm: &mut AddressSpace, elf: &dyn Backing, size: u64, name: &str) -> SysResult<Image> {
    let (eh, phdrs) = parse(elf)?;
    let base = if eh.kind == ET_DYN { PIE_BASE } else { 0 };
    let bad = |_| Errno::ENOEXEC;
    if phdrs.iter().any(|ph| ph.kind == PT_INTERP) {
        log::warn!("{name}: dynamically linked programs are not supported yet");
        return Err(Errno::ENOEXEC);
    }
    let mut phdr = 0;
    let (mut end, mut last_va, mut last_page_end) = (0, 0, 0);
    for ph in phdrs.iter().filter(|ph| ph.kind == PT_LOAD && ph.memsz != 0) {
        let [vaddr, memsz, filesz, off] = [ph.vaddr, ph.memsz, ph.filesz, ph.offset].map(|v| v as usize);
        let va = base.checked_add(vaddr).ok_or(Errno::ENOEXEC)?;
        let va_end = va.checked_add(memsz).ok_or(Errno::ENOEXEC)?;
        // The file must hold the segment's bytes.
        if (off as u64).checked_add(filesz as u64).is_none_or(|e| e > size) {
            return Err(Errno::ENOEXEC);
        }
        // PT_LOAD entries are sorted by address (ELF spec); each must fit its memory size.
        if filesz > memsz || va < last_va || va_end > crate::layout::USER_END {
            return Err(Errno::ENOEXEC);
        }
        let perm = perm_of(ph.flags);
        // Segments may share a boundary page: the shared page stays in the earlier segment's
        // area but gets both segments' permissions; the later segment's area starts after it.
        let mut start = page_down(va);
        while start < last_page_end {
            let shared = mm.area_at(start).map_or(Perm::empty(), |a| a.perm);
            mm.protect(start, PAGE_SIZE, shared | perm).map_err(bad)?;
            start += PAGE_SIZE;
        }
        let stop = page_up(va_end);
        if stop > start {
            mm.map(start, stop - start, perm, AreaKind::File(String::from(name))).map_err(bad)?;
        }
        mm.fill_from(va, elf, off as u64, filesz)?;
        // As Linux: AT_PHDR is where the segment that holds e_phoff maps it.
        if ph.offset <= eh.phoff && eh.phoff < ph.offset + ph.filesz {
            phdr = va + (eh.phoff - ph.offset) as usize;
        }
        (last_va, last_page_end, end) = (va, last_page_end.max(stop), end.max(va_end));
    }
    if end == 0 {
        return Err(Errno::ENOEXEC);
    }
    mm.init_brk(page_up(end));
    let entry = base.checked_add(eh.entry as usize).ok_or(Errno::ENOEXEC)?;
    Ok(Image { entry, phdr, phnum: eh.phnum as usize, end })
}

/// [`load_from`] for an image in memory.
pub fn load(
    mm: &mut AddressSpace,
    elf_bytes: &[u8],
    name: &str,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    random: [u8; 16],
) -> SysResult<Entry> {
    load_from(mm, &elf_bytes, elf_bytes.len() as u64, name, argv, envp, random)
}

/// Load the program in `elf` (a file of `size` bytes: only its headers and segments are read,
/// page by page) into the empty address space `mm` and build the initial stack exactly as
/// Linux does: from the top, a NULL word, the strings (execfn, envp, argv), 16 random bytes
/// (16-byte aligned), then (16-byte aligned) argc, argv[], NULL, envp[], NULL, auxv pairs,
/// AT_NULL. Returns where to start. E2BIG if the strings take more than a quarter of the stack
/// or one is longer than [`MAX_ARG_STRLEN`], as in Linux.
pub fn load_from(
    mm: &mut AddressSpace,
    elf: &dyn Backing,
    size: u64,
    name: &str,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    random: [u8; 16],
) -> SysResult<Entry> {
    let mut total = 0;
    for len in argv.iter().chain(envp).map(Vec::len).chain([name.len()]) {
        if len + 1 > MAX_ARG_STRLEN {
            return Err(Errno::E2BIG);
        }
        total += len + 1 + core::mem::size_of::<usize>();
    }
    if total > STACK_SIZE / 4 {
        return Err(Errno::E2BIG);
    }
    let img = load_segments(mm, elf, size, name)?;
    mm.map(STACK_TOP - STACK_SIZE, STACK_SIZE, Perm::R | Perm::W, AreaKind::Stack).map_err(|_| Errno::ENOEXEC)?;

    // Push a NUL-terminated string below `sp`; returns its address.
    fn push_str(mm: &mut AddressSpace, sp: &mut usize, s: &[u8]) -> SysResult<usize> {
        *sp -= s.len() + 1;
        mm.write_bytes(*sp, s)?;
        mm.write_bytes(*sp + s.len(), &[0])?;
        Ok(*sp)
    }
    let mut sp = STACK_TOP - core::mem::size_of::<usize>();
    let execfn = push_str(mm, &mut sp, name.as_bytes())?;
    let mut env_ptrs = envp.iter().rev().map(|e| push_str(mm, &mut sp, e)).collect::<SysResult<Vec<_>>>()?;
    env_ptrs.reverse();
    let mut arg_ptrs = argv.iter().rev().map(|a| push_str(mm, &mut sp, a)).collect::<SysResult<Vec<_>>>()?;
    arg_ptrs.reverse();
    let env_start = env_ptrs.first().copied().unwrap_or(execfn);
    mm.args = crate::aspace::ArgArea { arg_start: sp, arg_end: env_start, env_start, env_end: execfn };
    let rand_at = (sp & !15) - random.len();
    mm.write_bytes(rand_at, &random)?;
    sp = rand_at;

    let auxv: [(usize, usize); 17] = [
        (AT_HWCAP, HWCAP_RV64IMAFDC),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_CLKTCK, CLK_TCK as usize),
        (AT_PHDR, img.phdr),
        (AT_PHENT, PHDR_SIZE),
        (AT_PHNUM, img.phnum),
        (AT_BASE, 0),
        (AT_FLAGS, 0),
        (AT_ENTRY, img.entry),
        (AT_UID, 0),
        (AT_EUID, 0),
        (AT_GID, 0),
        (AT_EGID, 0),
        (AT_SECURE, 0),
        (AT_RANDOM, rand_at),
        (AT_EXECFN, execfn),
        (AT_NULL, 0),
    ];
    let mut words: Vec<usize> = Vec::with_capacity(3 + argv.len() + envp.len() + 2 * auxv.len());
    words.push(argv.len());
    words.extend(&arg_ptrs);
    words.push(0);
    words.extend(&env_ptrs);
    words.push(0);
    for (k, v) in auxv {
        words.push(k);
        words.push(v);
    }
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let sp = (sp - bytes.len()) & !15;
    mm.write_bytes(sp, &bytes)?;
    log::debug!("loaded {name}: entry {:#x}, end {:#x}, sp {sp:#x}", img.entry, img.end);
    Ok(Entry { pc: img.entry, sp })
}
