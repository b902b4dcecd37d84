//! The root file system and the first programs: what the kernel does once the machine is up.
//! Pure composition of the components (`fs`, `syscalls`, `app`): the host tests build a root
//! from a cpio archive and start init from it, as the kernel does at boot.
use crate::bootargs::{commands, split_env};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use fs::ramfs::RamDir;
use fs::{FileKind, InodeRef};
use task::Process;

/// The root file system: the ext4 volume on disk `root_dev` (`root=/dev/vda`), or else a ramfs
/// holding the initramfs (the cpio newc archive `initrd`, unpacked front to back: it is told
/// what it may give back as it goes). Either way /dev and /tmp are there.
/// A root disk that cannot be mounted is fatal (Linux's "VFS: Unable to mount root fs"): the
/// message says why.
pub fn rootfs(
    initrd: Option<&mut dyn fs::cpio::Archive>,
    root_dev: Option<&str>,
    read_only: bool,
) -> Result<InodeRef, String> {
    if let Some(dev) = root_dev {
        #[cfg(feature = "ext4")]
        return disk_root(dev, read_only);
        #[cfg(not(feature = "ext4"))]
        {
            let _ = read_only;
            return Err(alloc::format!("root={dev}: built without ext4"));
        }
    }
    let root: InodeRef = RamDir::new_boot_root();
    match initrd {
        Some(archive) => match fs::cpio::unpack(&root, archive) {
            Ok(n) => log::info!("initramfs: {n} entries, {} KiB", archive.len() / 1024),
            Err(e) => log::error!("initramfs: cannot unpack it: {e} (EINVAL: not a cpio newc archive, or damaged)"),
        },
        None => log::warn!("no initramfs: QEMU's -initrd was not given"),
    }
    let dev = directory(&root, "dev", 0o755)?;
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
    directory(&root, "tmp", 0o1777)?;
    Ok(root)
}

/// `/` from the ext4 volume on `dev`, registered as the root mount, with a devfs on /dev and a
/// tmpfs on /tmp (their directories are made on the volume if missing). A disk that is missing or
/// not ext4 is fatal, as on Linux ("VFS: Unable to mount root fs").
#[cfg(feature = "ext4")]
fn disk_root(dev: &str, read_only: bool) -> Result<InodeRef, String> {
    let flags = if read_only { abi::flags::MS_RDONLY } else { 0 };
    let volume = ext4fs::make(dev, flags, "").map_err(|e| {
        let disks = drivers::block::names().join(" ");
        alloc::format!("cannot mount root={dev} as ext4: {e} (disks: {disks})")
    })?;
    let root_mount = fs::vfs::mount_root(volume, dev, flags, "");
    let root = root_mount.root.clone();
    log::info!("root: ext4 on {dev}{}", if read_only { ", read-only" } else { "" });
    // devfs, procfs and tmpfs as registered for mount(2) (devfs and tmpfs made directly if the
    // types are not registered; /proc is skipped without a "proc" type).
    for (name, mode, fstype) in [("dev", 0o755, "devtmpfs"), ("proc", 0o555, "proc"), ("tmp", 0o1777, "tmpfs")] {
        let instance: Arc<dyn fs::FileSystem> = match fs::vfs::make_fs(fstype, fstype, 0, "") {
            Ok(i) => i,
            Err(_) if fstype == "devtmpfs" => fs::dev::devfs(),
            Err(_) if fstype == "tmpfs" => fs::ramfs::RamFs::new("tmpfs"),
            Err(_) => continue,
        };
        let Ok(dir) = root.lookup(name).or_else(|_| root.create(name, FileKind::Directory, mode)) else {
            log::warn!("/{name}: missing on the root volume and cannot be made");
            continue;
        };
        let path = alloc::format!("/{name}");
        if let Err(e) = fs::vfs::mount(instance, &dir, None, &path, fstype, 0, "") {
            log::warn!("mount {path}: {e}");
        }
    }
    Ok(root)
}

/// The directory `name` under the root, created if missing.
fn directory(root: &InodeRef, name: &str, mode: u32) -> Result<InodeRef, String> {
    root.lookup(name)
        .or_else(|_| root.create(name, FileKind::Directory, mode))
        .map_err(|e| alloc::format!("cannot create /{name}: {e}"))
}

/// `name` as an absolute path: as given if it has a '/', else the first of /bin, /usr/bin and /
/// that holds it.
#[cfg(feature = "user")]
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
/// process (its threads go to `task::spawn_thread`, the spawner the kernel registered). An error
/// (the kernel then powers off with status 127) if the first cannot be started.
pub fn start(root: &InodeRef, init: &str) -> Result<Arc<Process>, String> {
    let mut first = None;
    for (i, words) in commands(init).into_iter().enumerate() {
        // `NAME=value` words before the program are its environment (on top of INIT_ENV).
        let (env, argv) = split_env(&words);
        let envp: Vec<Vec<u8>> = env.into_iter().map(String::into_bytes).collect();
        if argv.is_empty() {
            let what = words.join(" ");
            if i == 0 {
                return Err(alloc::format!("cannot run {what}: no program, only an environment"));
            }
            log::error!("cannot run {what}: no program, only an environment");
            continue;
        }
        match start_one(root, argv, &envp) {
            Ok(process) => {
                log::info!("started {} as pid {}", argv[0], process.pid);
                if i == 0 {
                    first = Some(process);
                }
            }
            Err((what, e)) if i == 0 => return Err(alloc::format!("cannot run {what}: {e}")),
            Err((what, e)) => log::error!("cannot run {what}: {e}"),
        }
    }
    let first = first.ok_or_else(|| String::from("init= names no program"))?;
    hal::console::write_bytes(alloc::format!("bakaex: run {init}\n").as_bytes());
    Ok(first)
}

/// Start one program: a linked application if one has that (bare) name, else the ELF file it
/// names. On failure: what could not be run, and why.
fn start_one(root: &InodeRef, argv: &[&str], envp: &[Vec<u8>]) -> Result<Arc<Process>, (String, abi::Errno)> {
    #[cfg(feature = "linked")]
    if let Some(linked) = crate::apps::find(argv[0]) {
        let args = argv.iter().map(|a| String::from(*a)).collect();
        return app::start(root, linked, args).map_err(|e| (String::from(argv[0]), e));
    }
    start_elf(root, argv, envp)
}

#[cfg(feature = "user")]
fn start_elf(root: &InodeRef, argv: &[&str], envp: &[Vec<u8>]) -> Result<Arc<Process>, (String, abi::Errno)> {
    let path = resolve(root, argv[0]);
    let argv: Vec<Vec<u8>> = argv.iter().map(|a| a.as_bytes().to_vec()).collect();
    let thread = syscalls::exec::spawn_init(root, &path, &argv, envp).map_err(|e| (path.clone(), e))?;
    let process = thread.process.clone();
    task::spawn_thread(thread);
    Ok(process)
}

/// A pure unikernel (no `user` feature) runs no ELF programs.
#[cfg(not(feature = "user"))]
fn start_elf(_root: &InodeRef, argv: &[&str], _envp: &[Vec<u8>]) -> Result<Arc<Process>, (String, abi::Errno)> {
    log::error!("{}: this kernel is built without user processes (feature `user`)", argv[0]);
    Err((String::from(argv[0]), abi::Errno::ENOEXEC))
}
