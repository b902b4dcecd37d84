//! Loading a static Linux ELF executable and building its initial stack.
//!
//! ELF parsing uses `xmas-elf` (zero-copy, no_std, long used in Rust kernels). Both ET_EXEC and
//! static-PIE (ET_DYN without an interpreter) are accepted; a program that needs a dynamic
//! loader is ENOEXEC until dynamic linking is supported.
use crate::aspace::{AddressSpace, AreaKind, Perm};
use crate::layout::{PIE_BASE, STACK_SIZE, STACK_TOP};
use abi::flags::*;
use abi::{Errno, SysResult};
use alloc::string::String;
use alloc::vec::Vec;
use hal::mem::{page_down, page_up, PAGE_SIZE};
use xmas_elf::header::{Machine, Type};
use xmas_elf::program::Type as PhType;
use xmas_elf::ElfFile;

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

/// Facts about the image needed for the auxiliary vector.
struct Image {
    entry: usize,
    phdr: usize,
    phent: usize,
    phnum: usize,
    end: usize,
}

/// Map the program's segments into `mm` (which should be empty) and set its break.
fn load_segments(mm: &mut AddressSpace, elf_bytes: &[u8], name: &str) -> SysResult<Image> {
    let elf = ElfFile::new(elf_bytes).map_err(|_| Errno::ENOEXEC)?;
    let hdr = &elf.header.pt2;
    if elf.header.pt1.class() != xmas_elf::header::Class::SixtyFour || hdr.machine().as_machine() != Machine::RISC_V {
        return Err(Errno::ENOEXEC);
    }
    let base = match hdr.type_().as_type() {
        Type::Executable => 0,
        Type::SharedObject => PIE_BASE,
        _ => return Err(Errno::ENOEXEC),
    };
    let mut phdr = None;
    let mut end = 0;
    let mut last_page_end = 0;
    for ph in elf.program_iter() {
        match ph.get_type() {
            Ok(PhType::Interp) => {
                log::warn!("{name}: dynamically linked programs are not supported yet");
                return Err(Errno::ENOEXEC);
            }
            Ok(PhType::Phdr) => phdr = Some(base + ph.virtual_addr() as usize),
            Ok(PhType::Load) => {}
            _ => continue,
        }
        if ph.get_type() != Ok(PhType::Load) || ph.mem_size() == 0 {
            continue;
        }
        let (va, memsz, filesz, off) =
            (base + ph.virtual_addr() as usize, ph.mem_size() as usize, ph.file_size() as usize, ph.offset() as usize);
        let data = off.checked_add(filesz).and_then(|e| elf_bytes.get(off..e)).ok_or(Errno::ENOEXEC)?;
        if filesz > memsz {
            return Err(Errno::ENOEXEC);
        }
        let flags = ph.flags();
        let mut perm = Perm::empty();
        for (on, p) in [(flags.is_read(), Perm::R), (flags.is_write(), Perm::W), (flags.is_execute(), Perm::X)] {
            if on {
                perm |= p;
            }
        }
        // Segments may share a boundary page: the later one starts at the next free page and the
        // shared page keeps the earlier segment's area (widened to both permissions).
        let mut start = page_down(va);
        let stop = page_up(va + memsz);
        if start < last_page_end {
            let prev = mm.areas().find(|a| a.start < last_page_end && a.end == last_page_end).map(|a| (a.start, a.perm));
            if let Some((s, p)) = prev {
                mm.protect(s, last_page_end - s, p | perm)?;
            }
            start = last_page_end;
        }
        if stop > start {
            mm.map(start, stop - start, perm, AreaKind::File(String::from(name))).map_err(|_| Errno::ENOEXEC)?;
        }
        mm.fill_bytes(va, data)?;
        last_page_end = last_page_end.max(stop);
        end = end.max(va + memsz);
    }
    if end == 0 {
        return Err(Errno::ENOEXEC);
    }
    let (phoff, phnum) = (hdr.ph_offset() as usize, hdr.ph_count() as usize);
    // Without PT_PHDR, the headers are found in the segment that maps file offset e_phoff.
    let phdr = phdr.or_else(|| {
        elf.program_iter()
            .filter(|p| p.get_type() == Ok(PhType::Load))
            .find(|p| (p.offset() as usize) <= phoff && phoff < (p.offset() + p.file_size()) as usize)
            .map(|p| base + p.virtual_addr() as usize + (phoff - p.offset() as usize))
    });
    mm.init_brk(page_up(end));
    Ok(Image {
        entry: base + hdr.entry_point() as usize,
        phdr: phdr.unwrap_or(0),
        phent: hdr.ph_entry_size() as usize,
        phnum,
        end,
    })
}

/// Load `elf_bytes` into the empty address space `mm` and build the initial stack exactly as
/// Linux does: from the top, the strings (execfn, envp, argv), 16 random bytes, then (16-byte
/// aligned) argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL. Returns where to start.
pub fn load(
    mm: &mut AddressSpace,
    elf_bytes: &[u8],
    name: &str,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    random: [u8; 16],
) -> SysResult<Entry> {
    let img = load_segments(mm, elf_bytes, name)?;
    mm.map(STACK_TOP - STACK_SIZE, STACK_SIZE, Perm::R | Perm::W, AreaKind::Stack)?;

    let mut sp = STACK_TOP;
    let mut push_bytes = |mm: &mut AddressSpace, bytes: &[u8], nul: bool| -> SysResult<usize> {
        sp -= bytes.len() + nul as usize;
        mm.write_bytes(sp, bytes)?;
        if nul {
            mm.write_bytes(sp + bytes.len(), &[0])?;
        }
        Ok(sp)
    };
    let execfn = push_bytes(mm, name.as_bytes(), true)?;
    let mut env_ptrs = Vec::with_capacity(envp.len());
    for e in envp.iter().rev() {
        env_ptrs.push(push_bytes(mm, e, true)?);
    }
    env_ptrs.reverse();
    let mut arg_ptrs = Vec::with_capacity(argv.len());
    for a in argv.iter().rev() {
        arg_ptrs.push(push_bytes(mm, a, true)?);
    }
    arg_ptrs.reverse();
    let rand_at = push_bytes(mm, &random, false)?;

    let auxv: [(usize, usize); 17] = [
        (AT_HWCAP, HWCAP_RV64IMAFDC),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_CLKTCK, CLK_TCK as usize),
        (AT_PHDR, img.phdr),
        (AT_PHENT, img.phent),
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
