//! What the kernel does at boot once the machine is up, on the host: the root file system from
//! an initramfs, and init started from it (`kernel::init`).
use fs::InodeRef;
use kernel::init::{rootfs, start};
use syscalls::testing::{tiny_elf, ENTRY};

/// A cpio "newc" archive of `(path, mode, data)` entries, as `usr/gen_init_cpio` writes one.
fn cpio(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut add = |name: &str, mode: u32, data: &[u8]| {
        let fields = [1, mode, 0, 0, 1, 0, data.len() as u32, 0, 0, 0, 0, name.len() as u32 + 1, 0];
        out.extend_from_slice(b"070701");
        for f in fields {
            out.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        out.resize(out.len().next_multiple_of(4), 0);
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    };
    for (name, mode, data) in entries {
        add(name, *mode, data);
    }
    add("TRAILER!!!", 0, b"");
    out
}

fn lookup(root: &InodeRef, path: &str) -> Option<InodeRef> {
    fs::path::lookup(root, root, path, true).ok()
}

fn initramfs() -> InodeRef {
    let elf = tiny_elf();
    let archive = cpio(&[("bin", 0o40755, b""), ("bin/prog", 0o100755, &elf), ("etc", 0o40755, b"")]);
    rootfs(Some(&mut &archive[..]), None, false).unwrap()
}

#[test]
fn the_root_is_the_initramfs_with_dev_and_tmp() {
    let root = initramfs();
    assert_eq!(lookup(&root, "/bin/prog").unwrap().stat().st_size, tiny_elf().len() as i64);
    for path in ["/etc", "/tmp", "/dev/null", "/dev/zero", "/dev/console", "/dev/tty"] {
        assert!(lookup(&root, path).is_some(), "{path} is missing");
    }
    // Without an initramfs the root still has /dev and /tmp.
    let bare = rootfs(None, None, false).unwrap();
    assert!(lookup(&bare, "/dev/null").is_some() && lookup(&bare, "/tmp").is_some());
    assert!(lookup(&bare, "/bin").is_none());
}

#[test]
fn init_starts_from_the_root_by_bare_name_or_path() {
    let root = initramfs();
    let init = start(&root, "prog alpha beta ; /bin/prog").unwrap();
    // Both programs got a thread for the spawner (on the host, kept for the test).
    let spawned = task::take_spawned();
    assert_eq!(spawned.len(), 2);
    assert!(std::sync::Arc::ptr_eq(&spawned[0].process, &init));
    assert_eq!(spawned[0].ctx.lock().pc(), ENTRY);
    assert_ne!(spawned[1].process.pid, init.pid);
}

#[test]
fn leading_assignments_are_the_programs_environment() {
    let root = initramfs();
    start(&root, "LD_LIBRARY_PATH=/opt/lib TERM=dumb prog x").unwrap();
    let t = task::take_spawned().pop().unwrap();
    let mm = t.process.mm();
    let (start, end) = (mm.args.env_start, mm.args.env_end);
    let mut env = vec![0u8; end - start];
    drop(mm);
    t.process.mm().read_bytes(start, &mut env).unwrap();
    let env: Vec<&str> = env.split(|&b| b == 0).map(|s| std::str::from_utf8(s).unwrap()).collect();
    assert_eq!(env[..4], ["HOME=/", "PATH=/bin:/usr/bin", "LD_LIBRARY_PATH=/opt/lib", "TERM=dumb"]);
    assert_eq!(start_err(&root, "A=1"), "cannot run A=1: no program, only an environment");
}

fn start_err(root: &InodeRef, init: &str) -> String {
    start(root, init).err().unwrap()
}

#[test]
fn a_first_program_that_cannot_run_is_an_error_others_are_logged() {
    let root = initramfs();
    assert_eq!(
        start(&root, "/bin/missing").err().unwrap(),
        "cannot run /bin/missing: ENOENT (No such file or directory)"
    );
    assert_eq!(start(&root, "nothing").err().unwrap(), "cannot run /nothing: ENOENT (No such file or directory)");
    assert_eq!(start(&root, "/etc").err().unwrap(), "cannot run /etc: EACCES (Permission denied)");
    assert!(task::take_spawned().is_empty());
    // A later program that fails does not stop the first.
    assert!(start(&root, "/bin/prog ; /bin/missing").is_ok());
    assert_eq!(task::take_spawned().len(), 1);
}

#[test]
fn a_root_disk_that_does_not_exist_is_fatal_with_a_reason() {
    let err = rootfs(None, Some("/dev/vdz"), false).err().unwrap();
    assert!(err.starts_with("cannot mount root=/dev/vdz as ext4: "), "{err}");
}
