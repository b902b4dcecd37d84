//! Mounts through the dispatch table: mount, umount2, statfs, fstatfs, sync, syncfs; the
//! standard mounts (devtmpfs, proc, tmpfs); crossing mount points with lookups, `..`,
//! getcwd; EXDEV and EBUSY.
use abi::flags::*;
use abi::structs::Statfs;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;

const CWD: usize = AT_FDCWD as usize;
const P1: usize = FsTest::P1;
const P2: usize = FsTest::P2;
const AUX: usize = FsTest::AUX;

/// A kernel with the standard mounts and an empty /mnt.
fn fixture() -> FsTest {
    let t = FsTest::with_standard_mounts();
    t.k.root.create("mnt", fs::FileKind::Directory, 0o755).unwrap();
    t
}

#[test]
fn the_standard_mounts_give_each_file_system_its_own_device() {
    let t = fixture();
    let root = t.stat("/").unwrap().st_dev;
    let dev = t.stat("/dev").unwrap().st_dev;
    let null = t.stat("/dev/null").unwrap();
    let tmp = t.stat("/tmp").unwrap();
    let proc_ = t.stat("/proc").unwrap().st_dev;
    let devs = [root, dev, tmp.st_dev, proc_];
    for i in 0..4 {
        for j in i + 1..4 {
            assert_ne!(devs[i], devs[j], "{i} and {j} share a device");
        }
    }
    assert_eq!(null.st_dev, dev);
    assert_eq!(null.st_rdev, fs::meta::make_dev(1, 3));
    assert_eq!(tmp.st_mode, S_IFDIR | 0o1777);
    // The devices work through devfs.
    let z = t.open("/dev/zero", 0);
    t.k.poke(&t.p, SCRATCH, &[9u8; 4]);
    assert_eq!(t.k.syscall(&t.p, Sysno::read, [z as usize, SCRATCH, 4]), 4);
    assert_eq!(t.k.peek(&t.p, SCRATCH, 4), [0; 4]);
    let full = t.open("/dev/full", OpenFlags::WRONLY.bits());
    assert_eq!(t.k.syscall(&t.p, Sysno::write, [full as usize, SCRATCH, 4]), ENOSPC);
    let tty = t.open("/dev/tty", OpenFlags::RDWR.bits());
    t.k.poke(&t.p, SCRATCH, b"hi");
    let _ = t.k.console_output();
    assert_eq!(t.k.syscall(&t.p, Sysno::write, [tty as usize, SCRATCH, 2]), 2);
    assert_eq!(t.k.console_output(), "hi");
}

#[test]
fn a_mount_hides_the_directory_until_unmounted() {
    let t = fixture();
    assert_eq!(t.create("/mnt/under"), 0);
    assert_eq!(t.mount("none", "/mnt", "tmpfs", 0, ""), 0);
    assert_eq!(t.stat("/mnt/under").err(), Some(ENOENT));
    assert_eq!(t.create("/mnt/over"), 0);
    assert_ne!(t.stat("/mnt/over").unwrap().st_dev, t.stat("/").unwrap().st_dev);
    assert_eq!(t.umount("/mnt", 0), 0);
    assert!(t.stat("/mnt/under").is_ok());
    assert_eq!(t.stat("/mnt/over").err(), Some(ENOENT));
}

#[test]
fn dotdot_at_a_mounted_root_leaves_the_mount() {
    let t = fixture();
    assert_eq!(t.mount("none", "/mnt", "tmpfs", 0, ""), 0);
    t.k.poke_str(&t.p, P1, "/mnt/sub");
    assert_eq!(t.k.syscall(&t.p, Sysno::mkdirat, [CWD, P1, 0o755]), 0);
    assert_eq!(t.call1(Sysno::chdir, "/mnt/sub"), 0);
    assert_eq!(t.getcwd(), "/mnt/sub");
    assert_eq!(t.call1(Sysno::chdir, "../.."), 0);
    assert_eq!(t.getcwd(), "/");
    assert_eq!(t.stat(".").unwrap().st_ino, t.stat("/").unwrap().st_ino);
    assert_eq!(t.call1(Sysno::chdir, "/mnt/sub/../../tmp"), 0);
    assert_eq!(t.getcwd(), "/tmp");
}

#[test]
fn names_do_not_move_across_mounts() {
    let t = fixture();
    assert_eq!(t.create("/f"), 0);
    assert_eq!(t.rename("/f", "/tmp/f", 0), EXDEV);
    t.k.poke_str(&t.p, P1, "/f");
    t.k.poke_str(&t.p, P2, "/tmp/g");
    assert_eq!(t.k.syscall(&t.p, Sysno::linkat, [CWD, P1, CWD, P2, 0]), EXDEV);
    // The mount point itself is busy.
    assert_eq!(t.rename("/tmp", "/tmp2", 0), EBUSY);
    t.k.poke_str(&t.p, P1, "/tmp");
    assert_eq!(t.k.syscall(&t.p, Sysno::unlinkat, [CWD, P1, AT_REMOVEDIR as usize]), EBUSY);
}

#[test]
fn umount_checks_its_target() {
    let t = fixture();
    assert_eq!(t.umount("/mnt", 0), EINVAL, "not a mount point");
    assert_eq!(t.umount("/nope", 0), ENOENT);
    assert_eq!(t.umount("/tmp", 0x100), EINVAL, "unknown flag");
    assert_eq!(t.umount("/tmp", MNT_EXPIRE | MNT_DETACH), EINVAL);
    assert_eq!(t.umount("/", 0), EBUSY, "the root");
    assert_eq!(t.mount("none", "/mnt", "tmpfs", 0, ""), 0);
    assert_eq!(t.call1(Sysno::chdir, "/mnt"), 0);
    assert_eq!(t.umount("/mnt", 0), EBUSY, "our cwd is on it");
    assert_eq!(t.call1(Sysno::chdir, "/"), 0);
    let fd = t.open("/mnt", 0);
    assert_eq!(t.umount("/mnt", 0), EBUSY, "an open file is on it");
    assert_eq!(t.umount("/mnt", MNT_DETACH), 0, "a lazy unmount goes anyway");
    assert_eq!(t.k.syscall(&t.p, Sysno::fstat, [fd as usize, AUX]), 0, "the open file still works");
}

#[test]
fn mount_errors() {
    let t = fixture();
    assert_eq!(t.mount("none", "/mnt", "nosuchfs", 0, ""), ENODEV);
    assert_eq!(t.mount("none", "/mnt", "", 0, ""), EINVAL);
    assert_eq!(t.mount("none", "/nope", "tmpfs", 0, ""), ENOENT);
    assert_eq!(t.create("/file"), 0);
    assert_eq!(t.mount("none", "/file", "tmpfs", 0, ""), ENOTDIR);
    assert_eq!(t.mount("none", "/mnt", "tmpfs", 0, "bogus=1"), EINVAL);
    assert_eq!(t.mount("/tmp", "/mnt", "", MS_BIND, ""), EINVAL, "bind mounts are not supported");
    assert_eq!(t.k.syscall(&t.p, Sysno::mount, [0, UNMAPPED, 0, 0, 0]), EFAULT);
    assert_eq!(t.mount("none", "/", "tmpfs", MS_REMOUNT | MS_PRIVATE, ""), 0);
}

#[test]
fn a_read_only_remount_refuses_changes() {
    let t = fixture();
    assert_eq!(t.mount("none", "/mnt", "tmpfs", 0, "size=1m,mode=700"), 0);
    assert_eq!(t.stat("/mnt").unwrap().st_mode, S_IFDIR | 0o700);
    assert_eq!(t.create("/mnt/f"), 0);
    assert_eq!(t.mount("none", "/mnt", "", MS_REMOUNT | MS_RDONLY, ""), 0);
    assert_eq!(t.create("/mnt/g"), EROFS);
    assert_eq!(t.open("/mnt/f", OpenFlags::WRONLY.bits()), EROFS);
    assert!(t.open("/mnt/f", 0) >= 0, "reading is fine");
    t.k.poke_str(&t.p, P1, "/mnt/d");
    assert_eq!(t.k.syscall(&t.p, Sysno::mkdirat, [CWD, P1, 0o755]), EROFS);
    assert_ne!(t.statfs("/mnt").f_flags as u64 & ST_RDONLY, 0);
    assert_eq!(t.mount("none", "/mnt", "", MS_REMOUNT, ""), 0);
    assert_eq!(t.create("/mnt/g"), 0);
    assert_eq!(t.statfs("/mnt").f_blocks, 256, "size=1m is 256 pages");
}

#[test]
fn statfs_describes_the_file_system_of_the_path() {
    let t = fixture();
    let tmp = t.statfs("/tmp");
    assert_eq!(tmp.f_type, 0x0102_1994, "TMPFS_MAGIC");
    assert_eq!((tmp.f_bsize, tmp.f_frsize, tmp.f_namelen), (4096, 4096, 255));
    assert_eq!(tmp.f_flags as u64, ST_VALID | ST_NOSUID | ST_NODEV);
    assert!(tmp.f_bfree <= tmp.f_blocks && tmp.f_blocks > 0);
    let before = tmp.f_bfree;
    let fd = t.open("/tmp/big", (OpenFlags::CREAT | OpenFlags::WRONLY).bits());
    t.k.poke(&t.p, SCRATCH, &[1u8; 8192]);
    assert_eq!(t.k.syscall(&t.p, Sysno::write, [fd as usize, SCRATCH, 8192]), 8192);
    assert_eq!(t.statfs("/tmp").f_bfree, before - 2, "two pages used");
    assert_eq!(t.statfs("/proc").f_type, 0x9fa0);
    assert_eq!(t.statfs("/dev").f_type, 0x0102_1994, "devtmpfs is a tmpfs");
    assert_eq!(t.k.syscall(&t.p, Sysno::fstatfs, [fd as usize, AUX]), 0);
    assert_eq!(t.k.peek_val::<Statfs>(&t.p, AUX).f_type, 0x0102_1994);
    t.k.poke_str(&t.p, P1, "/nope");
    assert_eq!(t.k.syscall(&t.p, Sysno::statfs, [P1, AUX]), ENOENT);
    assert_eq!(t.k.syscall(&t.p, Sysno::fstatfs, [99, AUX]), EBADF);
    assert_eq!(t.k.syscall(&t.p, Sysno::fstatfs, [fd as usize, UNMAPPED]), EFAULT);
}

#[test]
fn fstatfs_of_a_pipe_is_pipefs() {
    let t = fixture();
    assert_eq!(t.k.syscall(&t.p, Sysno::pipe2, [AUX + 512, 0]), 0);
    let fds: [i32; 2] = t.k.peek_val(&t.p, AUX + 512);
    assert_eq!(t.k.syscall(&t.p, Sysno::fstatfs, [fds[0] as usize, AUX]), 0);
    assert_eq!(t.k.peek_val::<Statfs>(&t.p, AUX).f_type, 0x5049_5045);
}

#[test]
fn sync_and_syncfs_succeed() {
    let t = fixture();
    assert_eq!(t.k.syscall(&t.p, Sysno::sync, []), 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::syncfs, [1]), 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::syncfs, [99]), EBADF);
}

#[test]
fn proc_mounts_lists_what_the_process_sees() {
    let t = fixture();
    assert_eq!(t.mount("none", "/mnt", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=4k"), 0);
    let mounts = t.read("/proc/mounts");
    let lines: Vec<&str> = mounts.lines().collect();
    assert_eq!(
        lines,
        [
            "rootfs / rootfs rw 0 0",
            "devtmpfs /dev devtmpfs rw,nosuid,relatime,mode=755 0 0",
            "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0",
            "tmpfs /tmp tmpfs rw,nosuid,nodev 0 0",
            "none /mnt tmpfs rw,nosuid,noexec,size=4k 0 0",
        ]
    );
    let info = t.read("/proc/self/mountinfo");
    let last = info.lines().last().unwrap();
    assert!(last.ends_with(" / /mnt rw,nosuid,noexec - tmpfs none rw,size=4k"), "{last}");
}

#[test]
fn tmpfs_and_proc_are_registered_types() {
    let t = fixture();
    let fsl = t.read("/proc/filesystems");
    for line in ["nodev\ttmpfs", "nodev\tproc", "nodev\tdevtmpfs"] {
        assert!(fsl.lines().any(|l| l == line), "{line:?} in {fsl:?}");
    }
    assert_eq!(t.mount("proc", "/mnt", "proc", 0, ""), 0);
    assert!(t.stat("/mnt/self").is_ok());
}
