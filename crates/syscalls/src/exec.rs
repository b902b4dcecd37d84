//! Starting programs: the first process, and (later) execve.
use abi::flags::OpenFlags;
use abi::{Errno, SysResult};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use fs::{File, FileKind, InodeRef};
use hal::context::UserContext;
use mm::AddressSpace;
use task::{process::root_context, FdTable, Process, Thread};

/// Read a whole regular file.
pub fn read_whole(inode: &InodeRef) -> SysResult<Vec<u8>> {
    if inode.kind() != FileKind::Regular {
        return Err(Errno::EACCES);
    }
    let size = inode.stat().st_size as usize;
    let mut data = alloc::vec![0u8; size];
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

/// Descriptors 0, 1 and 2 on the console, as a first process inherits them.
pub fn console_fds() -> SysResult<FdTable> {
    let mut t = FdTable::new();
    let console: InodeRef = fs::dev::CONSOLE.clone();
    for _ in 0..3 {
        t.insert(Arc::new(File::new(console.clone(), OpenFlags::RDWR, String::from("/dev/console"))), false)?;
    }
    Ok(t)
}

/// Create a process running the program at `path` (absolute, in `root`) with `argv` and `envp`,
/// its standard descriptors on the console. Returns its main thread, ready to enter user mode.
pub fn spawn_init(root: &InodeRef, path: &str, argv: &[Vec<u8>], envp: &[Vec<u8>]) -> SysResult<Arc<Thread>> {
    let inode = fs::path::lookup(root, root, path, true)?;
    let elf = read_whole(&inode)?;
    let mut mm = AddressSpace::new()?;
    let mut random = [0u8; 16];
    task::random::fill(&mut random);
    let entry = mm::loader::load(&mut mm, &elf, path, argv, envp, random)?;
    let process = Process::new(None, mm, console_fds()?, root_context(root.clone()));
    *process.exe.lock() = String::from(path);
    Ok(Thread::new_main(&process, UserContext::new(entry.pc, entry.sp)))
}
