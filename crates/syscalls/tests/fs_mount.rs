//! Mounts through the dispatch table: mount, umount2, statfs, fstatfs, sync, syncfs; the
//! standard mounts (devtmpfs, proc, tmpfs); crossing mount points with lookups, `..`,
//! getcwd; EXDEV and EBUSY.
use abi::flags::*;
use abi::structs::{Statfs, Timespec};
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
    assert_eq!(t.mount("/nope", "/mnt", "", MS_BIND, ""), ENOENT);
    assert_eq!(t.mount("/mnt", "/tmp", "", MS_MOVE, ""), EINVAL, "not a mount");
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

#[test]
fn a_bind_mount_shows_a_directory_in_a_second_place() {
    let t = fixture();
    assert_eq!(t.mkdir("/tmp/src"), 0);
    t.write_file("/tmp/src/f", b"x");
    assert_eq!(t.create("/mnt/hidden"), 0);
    assert_eq!(t.mount("/tmp/src", "/mnt", "", MS_BIND, ""), 0);
    assert_eq!(t.read("/mnt/f"), "x");
    assert_eq!(t.stat("/mnt/hidden").err(), Some(ENOENT), "the mount point's own entries are hidden");
    assert_eq!(t.stat("/mnt/f").unwrap().st_ino, t.stat("/tmp/src/f").unwrap().st_ino, "the same nodes");
    t.write_file("/mnt/g", b"y");
    assert_eq!(t.read("/tmp/src/g"), "y");
    // ".." leaves each place the way it came in.
    assert_eq!(t.call1(Sysno::chdir, "/mnt"), 0);
    assert_eq!(t.call1(Sysno::chdir, ".."), 0);
    assert_eq!(t.getcwd(), "/");
    assert_eq!(t.stat("/tmp/src/..").unwrap().st_ino, t.stat("/tmp").unwrap().st_ino);
    assert_eq!(t.stat("/mnt/..").unwrap().st_ino, t.stat("/").unwrap().st_ino);
    let info = t.read("/proc/self/mountinfo");
    let last = info.lines().last().unwrap();
    assert!(last.contains(" /src /mnt rw,nosuid,nodev - tmpfs tmpfs "), "{last}");
    // The bind goes; the source stays, and so does what is open on it.
    let fd = t.open("/tmp/src/f", 0);
    assert_eq!(t.umount("/mnt", 0), 0);
    assert!(t.stat("/mnt/hidden").is_ok());
    assert_eq!(t.read("/tmp/src/g"), "y");
    t.close(fd);
}

#[test]
fn a_directory_bound_on_itself_is_a_mount_that_comes_and_goes() {
    let t = fixture();
    assert_eq!(t.mkdir("/tmp/d"), 0);
    assert_eq!(t.mount("/tmp/d", "/tmp/d", "", MS_BIND, ""), 0);
    assert_eq!(t.mount("none", "/tmp/d", "none", MS_PRIVATE, ""), 0);
    assert_eq!(t.mkdir("/tmp/d/sub"), 0);
    assert_eq!(t.stat("/tmp/d/sub/../..").unwrap().st_ino, t.stat("/tmp").unwrap().st_ino);
    assert!(t.read("/proc/mounts").lines().any(|l| l.starts_with("tmpfs /tmp/d tmpfs")));
    assert_eq!(t.call1(Sysno::chdir, "/tmp"), 0);
    assert_eq!(t.umount("/tmp/d", 0), 0, "the cwd is on the instance, not on this place");
    assert_eq!(t.umount("/tmp/d", 0), EINVAL, "once");
    assert!(t.stat("/tmp/d/sub").is_ok());
}

#[test]
fn ms_move_takes_a_mount_and_what_is_inside_it_elsewhere() {
    let t = fixture();
    assert_eq!(t.mkdir("/tmp/a"), 0);
    assert_eq!(t.mkdir("/tmp/b"), 0);
    assert_eq!(t.mount("none", "/tmp/a", "tmpfs", 0, ""), 0);
    t.write_file("/tmp/a/f", b"moved");
    assert_eq!(t.mkdir("/tmp/a/in"), 0);
    assert_eq!(t.mount("none", "/tmp/a/in", "tmpfs", 0, ""), 0);
    t.write_file("/tmp/a/in/g", b"inner");
    assert_eq!(t.mount("/tmp/a", "/tmp/a/in", "", MS_MOVE, ""), ELOOP, "not into itself");
    assert_eq!(t.mount("/tmp/a", "/tmp/b", "", MS_MOVE, ""), 0);
    assert_eq!(t.stat("/tmp/a/f").err(), Some(ENOENT));
    assert_eq!(t.read("/tmp/b/f"), "moved");
    assert_eq!(t.read("/tmp/b/in/g"), "inner");
    assert_eq!(t.stat("/tmp/b/in/..").unwrap().st_ino, t.stat("/tmp/b").unwrap().st_ino);
    let mounts = t.read("/proc/mounts");
    assert!(mounts.contains(" /tmp/b tmpfs ") && mounts.contains(" /tmp/b/in tmpfs "), "{mounts}");
    assert!(!mounts.contains(" /tmp/a"), "{mounts}");
    assert_eq!(t.umount("/tmp/b", 0), EBUSY, "a mount inside");
    assert_eq!(t.umount("/tmp/b/in", 0), 0);
    assert_eq!(t.umount("/tmp/b", 0), 0);
}

#[test]
fn nosymfollow_nodev_and_the_access_time_flags() {
    let t = fixture();
    assert_eq!(t.mount("none", "/mnt", "tmpfs", 0, ""), 0);
    t.write_file("/mnt/f", b"data");
    assert_eq!(t.symlink("f", "/mnt/l"), 0);
    assert_eq!(t.mount("none", "/mnt", "tmpfs", MS_REMOUNT | MS_NOSYMFOLLOW, ""), 0);
    assert_eq!(t.open("/mnt/l", 0), ELOOP, "links are not followed");
    assert_eq!(t.readlink("/mnt/l").unwrap(), "f", "but may be read");
    assert!(t.read("/proc/mounts").contains("/mnt tmpfs rw,nosymfollow"));
    assert_eq!(t.statfs("/mnt").f_flags & ST_NOSYMFOLLOW as i64, ST_NOSYMFOLLOW as i64);

    assert_eq!(t.mount("none", "/mnt", "tmpfs", MS_REMOUNT | MS_NODEV, ""), 0);
    t.k.poke_str(&t.p, P1, "/mnt/null");
    assert_eq!(t.k.syscall(&t.p, Sysno::mknodat, [CWD, P1, (S_IFCHR | 0o666) as usize, 0x103]), 0);
    assert_eq!(t.open("/mnt/null", OpenFlags::RDWR.bits()), EACCES);
    assert!(t.open("/mnt/null", OpenFlags::PATH.bits()) >= 0, "O_PATH does not open the device");

    // An access time older than the last change: relatime updates it, MS_NOATIME does not;
    // MS_STRICTATIME updates it every time.
    let read_atime = |set: bool| {
        if set {
            let times = [Timespec { tv_sec: 100, tv_nsec: 0 }, Timespec { tv_sec: 200, tv_nsec: 0 }];
            t.k.poke(&t.p, AUX, bytemuck::bytes_of(&times));
            t.k.poke_str(&t.p, P1, "/mnt/f");
            assert_eq!(t.k.syscall(&t.p, Sysno::utimensat, [CWD, P1, AUX, 0]), 0);
        }
        assert_eq!(t.read("/mnt/f"), "data");
        t.stat("/mnt/f").unwrap().st_atime
    };
    assert_eq!(t.mount("none", "/mnt", "tmpfs", MS_REMOUNT | MS_NOATIME, ""), 0);
    assert_eq!(read_atime(true), 100);
    assert_eq!(t.mount("none", "/mnt", "tmpfs", MS_REMOUNT, ""), 0);
    assert_ne!(read_atime(true), 100);
    // An access time newer than the last change: relatime leaves it, strictatime does not.
    let set_future = || {
        let times = [Timespec { tv_sec: 2_000_000_000, tv_nsec: 0 }, Timespec { tv_sec: 200, tv_nsec: 0 }];
        t.k.poke(&t.p, AUX, bytemuck::bytes_of(&times));
        t.k.poke_str(&t.p, P1, "/mnt/f");
        assert_eq!(t.k.syscall(&t.p, Sysno::utimensat, [CWD, P1, AUX, 0]), 0);
    };
    set_future();
    assert_eq!(read_atime(false), 2_000_000_000);
    assert_eq!(t.mount("none", "/mnt", "tmpfs", MS_REMOUNT | MS_STRICTATIME, ""), 0);
    set_future();
    assert_ne!(read_atime(false), 2_000_000_000);
}
