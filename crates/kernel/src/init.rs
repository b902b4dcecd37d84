//! The root file system and the first programs.
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use fs::ramfs::RamDir;
use fs::{FileKind, InodeRef};
use kernel::bootargs::{commands, INIT_ENV};
use kernel::layout::Range;
use task::Process;

/// A ramfs root holding the initramfs (cpio newc at physical `initrd`), plus /dev (console,
/// tty, null, zero) and /tmp if the archive lacks them.
pub fn rootfs(initrd: Option<Range>) -> InodeRef {
    let root: InodeRef = RamDir::new_root();
    match initrd {
        Some(r) => {
            // SAFETY: the device tree says the initramfs lies in `r`; it is RAM, kept out of the
            // heap and the frame allocator until we are done with it, and mapped by the window.
            let bytes = unsafe { core::slice::from_raw_parts(hal::mem::phys_to_virt(r.start), r.len()) };
            match fs::cpio::unpack(&root, bytes) {
                Ok(n) => log::info!("initramfs: {n} entries, {} KiB", r.len() / 1024),
                Err(e) => log::error!("initramfs: not a cpio newc archive, or damaged ({e})"),
            }
        }
        None => log::warn!("no initramfs: QEMU's -initrd was not given"),
    }
    let dev = directory(&root, "dev", 0o755);
    let devices: [(&str, InodeRef); 4] = [
        ("console", fs::dev::CONSOLE.clone()),
        ("tty", fs::dev::CONSOLE.clone()),
        ("null", fs::dev::Null::new()),
        ("zero", fs::dev::Zero::new()),
    ];
    for (name, node) in devices {
        if dev.lookup(name).is_err() {
            if let Err(e) = dev.link(name, node) {
                log::warn!("/dev/{name}: {e}");
            }
        }
    }
    directory(&root, "tmp", 0o1777);
    root
}

/// The directory `name` under the root, created if missing.
fn directory(root: &InodeRef, name: &str, mode: u32) -> InodeRef {
    match root.lookup(name) {
        Ok(d) => d,
        Err(_) => root.create(name, FileKind::Directory, mode).unwrap_or_else(|e| panic!("cannot create /{name}: {e}")),
    }
}

/// `name` as an absolute path: as given if it has a '/', else the first of /bin, /usr/bin and /
/// that holds it.
fn resolve(root: &InodeRef, name: &str) -> String {
    if name.contains('/') {
        return if name.starts_with('/') { String::from(name) } else { alloc::format!("/{name}") };
    }
    ["/bin/", "/usr/bin/", "/"]
        .iter()
        .map(|dir| alloc::format!("{dir}{name}"))
        .find(|p| fs::path::lookup(root, root, p, true).is_ok())
        .unwrap_or_else(|| alloc::format!("/{name}"))
}

/// Start every program of the `init=` command (` ; ` separated) and return the first one's
/// process. Powers off with status 127 if the first cannot be started.
pub fn start(root: &InodeRef, init: &str) -> Arc<Process> {
    let envp: Vec<Vec<u8>> = INIT_ENV.iter().map(|e| e.as_bytes().to_vec()).collect();
    let mut first = None;
    for (i, argv) in commands(init).into_iter().enumerate() {
        let path = resolve(root, argv[0]);
        let argv: Vec<Vec<u8>> = argv.iter().map(|a| a.as_bytes().to_vec()).collect();
        match syscalls::exec::spawn_init(root, &path, &argv, &envp) {
            Ok(thread) => {
                log::info!("started {path} as pid {}", thread.process.pid);
                if i == 0 {
                    first = Some(thread.process.clone());
                }
                crate::sched::spawn_thread(thread);
            }
            Err(e) if i == 0 => {
                hal::console::write_bytes(alloc::format!("bakaex: cannot run {path}: {e}\n").as_bytes());
                hal::riscv64::power::shutdown(127)
            }
            Err(e) => log::error!("cannot run {path}: {e}"),
        }
    }
    let Some(first) = first else {
        hal::console::write_bytes(b"bakaex: init= names no program\n");
        hal::riscv64::power::shutdown(127)
    };
    hal::console::write_bytes(alloc::format!("bakaex: run {init}\n").as_bytes());
    first
}
