//! Loading a Linux ELF executable (and its interpreter) and building its initial stack.
//!
//! The ELF and program headers are read with `bytemuck` from possibly unaligned bytes and every
//! field is checked before use, so any file (truncated, hostile, misaligned) is either loaded or
//! an error, never a kernel panic. (`xmas-elf`, used before, slices its input unchecked and
//! asserts alignment.) ET_EXEC and ET_DYN programs are accepted, with or without an
//! interpreter (PT_INTERP: the dynamic loader, loaded beside the program; see [`load_from`]).
use crate::aspace::page_up_checked;
use crate::aspace::{AddressSpace, AreaKind, Backing, Perm};
use crate::layout::{ELF_ET_DYN_BASE, PIE_BASE, STACK_SIZE, STACK_TOP, USER_END};
use abi::flags::*;
use abi::{Errno, SysResult};
use alloc::boxed::Box;
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
        && (eh.kind == ET_EXEC || eh.kind == ET_DYN);
    if !ok {
        return Err(Errno::ENOEXEC);
    }
    Ok((eh, read_phdrs(elf, &eh)?))
}

/// The program headers `eh` describes: ENOEXEC for a wrong entry size, none or more than a
/// page of them (Linux's `load_elf_phdrs`), or a file too short to hold them.
fn read_phdrs(elf: &dyn Backing, eh: &Ehdr) -> SysResult<Vec<Phdr>> {
    if eh.phentsize as usize != PHDR_SIZE || eh.phnum == 0 || eh.phnum as usize * PHDR_SIZE > MAX_PHDRS_SIZE {
        return Err(Errno::ENOEXEC);
    }
    let mut phdrs = alloc::vec![Phdr::zeroed(); eh.phnum as usize];
    read_exact(elf, eh.phoff, bytemuck::cast_slice_mut(&mut phdrs))?;
    Ok(phdrs)
}

/// Facts about a loaded image needed for the auxiliary vector.
struct Image {
    /// Where it starts (its load bias plus `e_entry`).
    entry: usize,
    /// Where its program headers are mapped (0 if no segment holds them).
    phdr: usize,
    phnum: usize,
    /// The end of its last segment.
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

/// The segments that occupy memory.
fn loads(phdrs: &[Phdr]) -> impl Iterator<Item = &Phdr> {
    phdrs.iter().filter(|ph| ph.kind == PT_LOAD && ph.memsz != 0)
}

/// The page-aligned span from the first segment's page to the end of the segments (Linux's
/// `total_mapping_size`): `(first page, length)`.
fn span(phdrs: &[Phdr]) -> Option<(usize, usize)> {
    let first = page_down(usize::try_from(loads(phdrs).next()?.vaddr).ok()?);
    let end = loads(phdrs).try_fold(0u64, |end, ph| Some(end.max(ph.vaddr.checked_add(ph.memsz)?)))?;
    let len = page_up_checked(usize::try_from(end).ok()?.checked_sub(first)?)?;
    (len > 0 && len <= USER_END).then_some((first, len))
}

/// The largest power-of-two `p_align` of the loadable segments, at least a page (Linux's
/// `maximum_alignment`).
fn max_alignment(phdrs: &[Phdr]) -> usize {
    let aligns = phdrs.iter().filter(|ph| ph.kind == PT_LOAD && ph.align.is_power_of_two()).map(|ph| ph.align);
    let a = aligns.max().unwrap_or(0).max(PAGE_SIZE as u64);
    usize::try_from(a).unwrap_or(usize::MAX)
}

/// Map the segments of `elf` (`size` bytes), moved by `base`, into `mm`. ENOEXEC for segments
/// that cannot be mapped (overlapping what is there, out of order, beyond user space, or
/// beyond the end of the file).
fn load_segments(
    mm: &mut AddressSpace,
    elf: &dyn Backing,
    size: u64,
    name: &str,
    (eh, phdrs): (&Ehdr, &[Phdr]),
    base: usize,
) -> SysResult<Image> {
    let bad = |_| Errno::ENOEXEC;
    let mut phdr = 0;
    let (mut end, mut last_va, mut last_page_end) = (0, 0, 0);
    for ph in loads(phdrs) {
        let [vaddr, memsz, filesz, off] = [ph.vaddr, ph.memsz, ph.filesz, ph.offset].map(|v| v as usize);
        let va = base.checked_add(vaddr).ok_or(Errno::ENOEXEC)?;
        let va_end = va.checked_add(memsz).ok_or(Errno::ENOEXEC)?;
        // The file must hold the segment's bytes.
        if (off as u64).checked_add(filesz as u64).is_none_or(|e| e > size) {
            return Err(Errno::ENOEXEC);
        }
        // PT_LOAD entries are sorted by address (ELF spec); each must fit its memory size.
        if filesz > memsz || va < last_va || va_end > USER_END {
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
        let kind = || AreaKind::File(String::from(name));
        match elf.pages().filter(|_| va % PAGE_SIZE == off % PAGE_SIZE) {
            // From the page cache: the file's pages, private and copied when written; the
            // memory past the file's bytes (bss) is anonymous, and the rest of the last file
            // page is cleared (a private copy), as Linux's padzero.
            Some(pages) => {
                let file_end = if filesz == 0 { start } else { page_up(va + filesz).max(start).min(stop) };
                if file_end > start {
                    let index = ((page_down(off) + (start - page_down(va))) / PAGE_SIZE) as u64;
                    mm.map_cache(start, file_end - start, perm, Perm::all(), kind(), pages, index, false)
                        .map_err(bad)?;
                }
                if stop > file_end {
                    mm.map(file_end, stop - file_end, perm, kind()).map_err(bad)?;
                }
                // This segment's bytes in a page the previous segment's area holds are copied.
                let shared_part = (start.max(va) - va).min(filesz);
                mm.fill_from(va, elf, off as u64, shared_part)?;
                let tail = va + filesz;
                if memsz > filesz && tail % PAGE_SIZE != 0 {
                    mm.fill_bytes(tail, &[0u8; PAGE_SIZE][tail % PAGE_SIZE..])?;
                }
            }
            None => {
                if stop > start {
                    mm.map(start, stop - start, perm, kind()).map_err(bad)?;
                }
                mm.fill_from(va, elf, off as u64, filesz)?;
            }
        }
        // As Linux: AT_PHDR is where the segment that holds e_phoff maps it.
        if ph.offset <= eh.phoff && eh.phoff < ph.offset + ph.filesz {
            phdr = va + (eh.phoff - ph.offset) as usize;
        }
        (last_va, last_page_end, end) = (va, last_page_end.max(stop), end.max(va_end));
    }
    if end == 0 {
        return Err(Errno::ENOEXEC);
    }
    let entry = base.checked_add(eh.entry as usize).ok_or(Errno::ENOEXEC)?;
    Ok(Image { entry, phdr, phnum: eh.phnum as usize, end })
}

/// Linux's PATH_MAX: the longest interpreter name a PT_INTERP may hold, its NUL included.
pub const PATH_MAX: usize = 4096;

/// The interpreter (dynamic loader) a program names in its PT_INTERP, opened by the caller of
/// [`load_from`]: the file, its size, and its name for /proc/<pid>/maps.
pub struct Interp<'a> {
    pub file: Box<dyn Backing + 'a>,
    pub size: u64,
    pub name: String,
}

/// How [`load_from`] opens an interpreter: its path as the program gives it (up to the first
/// NUL). The errors are execve's (ENOENT, EACCES, ENOTDIR, ELOOP, ...), as Linux's
/// `open_exec`, which resolves the name like open(2) does from the caller's cwd and root.
pub type OpenInterp<'a> = dyn Fn(&str) -> SysResult<Interp<'a>> + 'a;

/// Exactly `buf.len()` bytes of `file` from `offset`, or EIO if the file is too short (Linux's
/// `elf_read`).
fn read_exact_eio(file: &dyn Backing, offset: u64, buf: &mut [u8]) -> SysResult<()> {
    read_exact(file, offset, buf).map_err(|e| if e == Errno::ENOEXEC { Errno::EIO } else { e })
}

/// The interpreter's name from a PT_INTERP segment, checked as Linux checks it: 2 to PATH_MAX
/// bytes (ENOEXEC), all in the file (EIO), the last one a NUL (ENOEXEC). The name ends at the
/// first NUL, as a C string does.
fn interp_name(elf: &dyn Backing, ph: &Phdr) -> SysResult<String> {
    if ph.filesz > PATH_MAX as u64 || ph.filesz < 2 {
        return Err(Errno::ENOEXEC);
    }
    let mut name = alloc::vec![0u8; ph.filesz as usize];
    read_exact_eio(elf, ph.offset, &mut name)?;
    if name.last() != Some(&0) {
        return Err(Errno::ENOEXEC);
    }
    let len = name.iter().position(|&b| b == 0).unwrap_or(0);
    name.truncate(len);
    Ok(String::from_utf8_lossy(&name).into_owned())
}

/// The interpreter's headers, checked as Linux checks them before its point of no return: a
/// header shorter than 64 bytes is EIO; a wrong magic or machine, or program headers that
/// cannot be read, ELIBBAD.
fn parse_interp(file: &dyn Backing) -> SysResult<(Ehdr, Vec<Phdr>)> {
    let mut eh = Ehdr::zeroed();
    read_exact_eio(file, 0, bytemuck::bytes_of_mut(&mut eh))?;
    if eh.ident[..4] != *b"\x7fELF" || eh.ident[4] != 2 || eh.ident[5] != 1 || eh.machine != EM_RISCV {
        return Err(Errno::ELIBBAD);
    }
    // The type is checked later by Linux (`load_elf_interp`), after the point of no return.
    let phdrs = read_phdrs(file, &eh).map_err(|e| if e == Errno::ENOEXEC { Errno::ELIBBAD } else { e })?;
    if eh.kind != ET_EXEC && eh.kind != ET_DYN {
        return Err(Errno::ELIBBAD);
    }
    Ok((eh, phdrs))
}

/// Load the interpreter `interp` into `mm`, beside the program: an ET_DYN interpreter where a
/// mapping of its whole span without an address hint would go (top-down below the mmap
/// top, as Linux maps it), an ET_EXEC one at its own addresses. Returns its load bias
/// (AT_BASE) and entry. Every problem with its segments is ELIBBAD.
fn load_interp(mm: &mut AddressSpace, interp: &Interp, (eh, phdrs): (&Ehdr, &[Phdr])) -> SysResult<(usize, usize)> {
    let libbad = |e| if e == Errno::ENOEXEC { Errno::ELIBBAD } else { e };
    let (first, len) = span(phdrs).ok_or(Errno::ELIBBAD)?;
    let bias = if eh.kind == ET_DYN { mm.find_free(len).ok_or(Errno::ENOMEM)? - first } else { 0 };
    let img = load_segments(mm, &*interp.file, interp.size, &interp.name, (eh, phdrs), bias).map_err(libbad)?;
    Ok((bias, img.entry))
}

/// [`load_from`] for an image in memory that needs no interpreter (one that names one gets
/// ENOENT).
pub fn load(
    mm: &mut AddressSpace,
    elf_bytes: &[u8],
    name: &str,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    random: [u8; 16],
) -> SysResult<Entry> {
    let no_interp = |_: &str| Err(Errno::ENOENT);
    load_from(mm, &elf_bytes, elf_bytes.len() as u64, name, argv, envp, random, &no_interp)
}

/// Load the program in `elf` (a file of `size` bytes: only its headers and segments are read,
/// page by page) into the empty address space `mm` and build the initial stack exactly as
/// Linux does: from the top, a NULL word, the strings (execfn, envp, argv), 16 random bytes
/// (16-byte aligned), then (16-byte aligned) argc, argv[], NULL, envp[], NULL, auxv pairs,
/// AT_NULL. Returns where to start. E2BIG if the strings take more than a quarter of the stack
/// or one is longer than [`MAX_ARG_STRLEN`], as in Linux.
///
/// Where things go (no randomization: the addresses Linux gives with ASLR off):
/// * an ET_EXEC program at its own addresses;
/// * an ET_DYN program with an interpreter (PIE) at [`ELF_ET_DYN_BASE`] (aligned down to its
///   largest segment alignment), one without (static PIE, or the dynamic loader run as a
///   command) at [`PIE_BASE`];
/// * the interpreter that PT_INTERP names (opened with `open_interp`; only the first PT_INTERP
///   counts, and an interpreter's own PT_INTERP is ignored, as in Linux) where an mmap of its
///   span without a hint would go, top-down below the mmap top; it is where the program
///   starts, AT_BASE says where it is, AT_PHDR/AT_PHNUM/AT_ENTRY still describe the program;
/// * the break just after the program's last segment.
///
/// Errors follow Linux's `load_elf_binary`: a bad program is ENOEXEC; a PT_INTERP of fewer than
/// 2 or more than PATH_MAX bytes or not ending in NUL is ENOEXEC, one beyond the end of the
/// file EIO; the interpreter's own open errors (ENOENT, EACCES, ...); an interpreter shorter
/// than an ELF header EIO; one with a wrong magic, machine or program headers ELIBBAD. Linux
/// finds the remaining problems of an interpreter (its type, its segments) past its point of
/// no return and kills the process with SIGSEGV; here they are ELIBBAD, before the caller's
/// image is touched.
#[allow(clippy::too_many_arguments)]
pub fn load_from(
    mm: &mut AddressSpace,
    elf: &dyn Backing,
    size: u64,
    name: &str,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    random: [u8; 16],
    open_interp: &OpenInterp,
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
    let (eh, phdrs) = parse(elf)?;
    let interp = match phdrs.iter().find(|ph| ph.kind == PT_INTERP) {
        Some(ph) => {
            let path = interp_name(elf, ph)?;
            let interp = open_interp(&path)?;
            let headers = parse_interp(&*interp.file)?;
            Some((interp, headers))
        }
        None => None,
    };
    let base = match eh.kind {
        ET_DYN if interp.is_some() => {
            let first = loads(&phdrs).next().map_or(0, |ph| ph.vaddr as usize);
            page_down((ELF_ET_DYN_BASE & !(max_alignment(&phdrs) - 1)).wrapping_sub(first))
        }
        ET_DYN => PIE_BASE,
        _ => 0,
    };
    let img = load_segments(mm, elf, size, name, (&eh, &phdrs), base)?;
    mm.init_brk(page_up(img.end));
    let (at_base, pc) = match &interp {
        Some((file, (ieh, iphdrs))) => load_interp(mm, file, (ieh, iphdrs))?,
        None => (0, img.entry),
    };
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
        (AT_BASE, at_base),
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
    log::debug!("loaded {name}: entry {:#x}, end {:#x}, interpreter at {at_base:#x}, sp {sp:#x}", img.entry, img.end);
    Ok(Entry { pc, sp })
}

/// An ELF file built in memory for host tests (of `mm` and of the crates above it): the header
/// and `phdrs` at offset 64, then `blobs` written at their offsets; the file ends where the
/// last segment or blob ends.
#[cfg(not(target_os = "none"))]
pub fn test_elf(kind: u16, machine: u16, entry: u64, phdrs: &[Phdr], blobs: &[(usize, &[u8])]) -> Vec<u8> {
    let mut ident = [0u8; 16];
    ident[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    let eh = Ehdr {
        ident,
        kind,
        machine,
        version: 1,
        entry,
        phoff: 64,
        shoff: 0,
        flags: 0,
        ehsize: 64,
        phentsize: 56,
        phnum: phdrs.len() as u16,
        shentsize: 64,
        shnum: 0,
        shstrndx: 0,
    };
    let mut f = bytemuck::bytes_of(&eh).to_vec();
    for ph in phdrs {
        f.extend_from_slice(bytemuck::bytes_of(ph));
    }
    let end = phdrs.iter().map(|p| (p.offset + p.filesz) as usize).chain(blobs.iter().map(|(o, b)| o + b.len()));
    f.resize(end.max().unwrap_or(0).max(f.len()), 0);
    for (off, b) in blobs {
        f[*off..off + b.len()].copy_from_slice(b);
    }
    f
}
