//! Credentials through the dispatcher: the set*id family, setgroups, capget/capset, and the
//! permission checks that follow from them (files, kill). Expected values are Linux 6.1's
//! (kernel/sys.c, kernel/capability.c, fs/namei.c, fs/attr.c), checked with C programs.
use abi::flags::*;
use syscalls::testing::*;
use syscalls::{Errno, Sysno};

const M1: usize = u32::MAX as usize;
const O_RDONLY: u32 = 0;
const O_WRONLY: u32 = OpenFlags::WRONLY.bits();
const O_CREAT: u32 = OpenFlags::CREAT.bits();
const BUF: usize = FsTest::BUF;

fn err(e: Errno) -> isize {
    -(e as isize)
}

fn ids(t: &FsTest, n: Sysno) -> [u32; 3] {
    assert_eq!(t.k.syscall(&t.p, n, [BUF, BUF + 4, BUF + 8]), 0);
    t.k.peek_val(&t.p, BUF)
}

#[test]
fn root_becomes_a_user_and_cannot_come_back() {
    let t = FsTest::new();
    let k = &t.k;
    assert_eq!(k.syscall(&t.p, Sysno::getuid, []), 0);
    assert_eq!(k.syscall(&t.p, Sysno::setuid, [1000]), 0);
    assert_eq!(ids(&t, Sysno::getresuid), [1000, 1000, 1000]);
    assert_eq!(k.syscall(&t.p, Sysno::setuid, [0]), err(Errno::EPERM));
    assert_eq!(k.syscall(&t.p, Sysno::setuid, [1000]), 0, "its own uid is allowed");
    assert_eq!(k.syscall(&t.p, Sysno::setgid, [5]), err(Errno::EPERM), "CAP_SETGID went with uid 0");
    assert_eq!(k.syscall(&t.p, Sysno::setgroups, [0, 0]), err(Errno::EPERM));
    assert_eq!(k.syscall(&t.p, Sysno::setuid, [M1]), err(Errno::EINVAL));
}

#[test]
fn seteuid_keeps_the_saved_uid_to_return_to() {
    let t = FsTest::new();
    let k = &t.k;
    assert_eq!(k.syscall(&t.p, Sysno::setresuid, [M1, 65534, M1]), 0);
    assert_eq!(ids(&t, Sysno::getresuid), [0, 65534, 0]);
    assert_eq!(k.syscall(&t.p, Sysno::geteuid, []), 65534);
    // Not privileged now: creating in "/" (0755 root) is refused.
    assert_eq!(t.mkdir("/nope"), err(Errno::EACCES));
    assert_eq!(k.syscall(&t.p, Sysno::setreuid, [M1, 0]), 0);
    assert_eq!(t.mkdir("/yes"), 0);
    // setreuid with a real uid sets the saved uid to the new effective one.
    assert_eq!(k.syscall(&t.p, Sysno::setreuid, [7, 8]), 0);
    assert_eq!(ids(&t, Sysno::getresuid), [7, 8, 8]);
    assert_eq!(k.syscall(&t.p, Sysno::setreuid, [9, M1]), err(Errno::EPERM));
    assert_eq!(k.syscall(&t.p, Sysno::setresuid, [8, 7, 8]), 0, "any of the three old ids");
    assert_eq!(k.syscall(&t.p, Sysno::setresuid, [M1, 0, M1]), err(Errno::EPERM));
}

#[test]
fn group_ids_and_supplementary_groups() {
    let t = FsTest::with_standard_mounts();
    let k = &t.k;
    assert_eq!(k.syscall(&t.p, Sysno::setresgid, [4, 5, 6]), 0);
    assert_eq!(ids(&t, Sysno::getresgid), [4, 5, 6]);
    assert_eq!(k.syscall(&t.p, Sysno::getegid, []), 5);
    assert_eq!(k.syscall(&t.p, Sysno::setregid, [M1, 6]), 0);
    assert_eq!(ids(&t, Sysno::getresgid), [4, 6, 6]);
    k.poke(&t.p, BUF, bytemuck::cast_slice(&[9u32, 3, 9]));
    assert_eq!(k.syscall(&t.p, Sysno::setgroups, [3, BUF]), 0);
    assert_eq!(k.syscall(&t.p, Sysno::getgroups, [0, 0]), 2, "sorted, duplicates gone");
    assert_eq!(k.syscall(&t.p, Sysno::getgroups, [1, BUF]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&t.p, Sysno::getgroups, [M1, BUF]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&t.p, Sysno::getgroups, [2, BUF]), 2);
    assert_eq!(k.peek_val::<[u32; 2]>(&t.p, BUF), [3, 9]);
    assert_eq!(k.syscall(&t.p, Sysno::setgroups, [65537, BUF]), err(Errno::EINVAL));
    assert!(t.read("/proc/self/status").contains("Groups:\t3 9 \n"));
}

#[test]
fn setfsuid_reports_the_old_value_and_moves_file_access() {
    let t = FsTest::new();
    let k = &t.k;
    t.write_file("/etc/secret", b"x");
    assert_eq!(t.call1(Sysno::chdir, "/etc"), 0);
    k.poke_str(&t.p, FsTest::P1, "/etc/secret");
    assert_eq!(k.syscall(&t.p, Sysno::fchmodat, [AT_FDCWD as usize, FsTest::P1, 0o600]), 0);
    assert_eq!(k.syscall(&t.p, Sysno::setfsuid, [1000]), 0);
    assert_eq!(k.syscall(&t.p, Sysno::setfsuid, [M1]), 1000, "invalid: no change, the old value");
    assert_eq!(t.open("/etc/secret", 0), err(Errno::EACCES));
    assert_eq!(k.syscall(&t.p, Sysno::setfsuid, [0]), 1000);
    assert!(t.open("/etc/secret", 0) >= 0);
    assert_eq!(k.syscall(&t.p, Sysno::setfsgid, [77]), 0);
    assert_eq!(k.syscall(&t.p, Sysno::setfsgid, [77]), 77);
}

#[test]
fn capget_reports_roots_sets_and_capset_only_drops() {
    let t = FsTest::with_standard_mounts();
    let k = &t.k;
    let hdr = BUF;
    let data = BUF + 16;
    k.poke(&t.p, hdr, bytemuck::bytes_of(&[0x2008_0522u32, 0]));
    assert_eq!(k.syscall(&t.p, Sysno::capget, [hdr, data]), 0);
    assert_eq!(k.peek_val::<[u32; 6]>(&t.p, data), [u32::MAX, u32::MAX, 0, 0x1ff, 0x1ff, 0]);
    // An unknown version: EINVAL, and the kernel's version written back; with NULL data, 0.
    k.poke(&t.p, hdr, bytemuck::bytes_of(&[1234u32, 0]));
    assert_eq!(k.syscall(&t.p, Sysno::capget, [hdr, data]), err(Errno::EINVAL));
    assert_eq!(k.peek_val::<u32>(&t.p, hdr), 0x2008_0522);
    k.poke(&t.p, hdr, bytemuck::bytes_of(&[1234u32, 0]));
    assert_eq!(k.syscall(&t.p, Sysno::capget, [hdr, 0]), 0);
    k.poke(&t.p, hdr, bytemuck::bytes_of(&[0x2008_0522u32, 99999]));
    assert_eq!(k.syscall(&t.p, Sysno::capget, [hdr, data]), err(Errno::ESRCH));
    assert_eq!(k.syscall(&t.p, Sysno::capset, [hdr, data]), err(Errno::EPERM), "another pid");
    k.poke(&t.p, hdr, bytemuck::bytes_of(&[0x2008_0522u32, 0]));
    // Keep only CAP_KILL (5), in effective and permitted.
    k.poke(&t.p, data, bytemuck::bytes_of(&[1u32 << 5, 1 << 5, 0, 0, 0, 0]));
    assert_eq!(k.syscall(&t.p, Sysno::capset, [hdr, data]), 0);
    // Taking CAP_CHOWN back is refused.
    k.poke(&t.p, data, bytemuck::bytes_of(&[1u32, 1, 0, 0, 0, 0]));
    assert_eq!(k.syscall(&t.p, Sysno::capset, [hdr, data]), err(Errno::EPERM));
    assert!(t.read("/proc/self/status").contains("CapEff:\t0000000000000020\n"));
    // Root without CAP_DAC_OVERRIDE is held to the mode bits.
    t.write_file("/etc/closed", b"x");
    k.poke_str(&t.p, FsTest::P1, "/etc/closed");
    assert_eq!(k.syscall(&t.p, Sysno::fchmodat, [AT_FDCWD as usize, FsTest::P1, 0]), 0, "owner");
    assert_eq!(t.open("/etc/closed", 0), err(Errno::EACCES));
}

#[test]
fn a_user_is_held_to_modes_owners_and_sticky_directories() {
    let t = FsTest::new();
    let k = &t.k;
    t.write_file("/etc/rootfile", b"r");
    assert_eq!(t.mkdir("/tmp/shared"), 0);
    k.poke_str(&t.p, FsTest::P1, "/tmp/shared");
    assert_eq!(k.syscall(&t.p, Sysno::fchmodat, [AT_FDCWD as usize, FsTest::P1, 0o1777]), 0);
    t.write_file("/tmp/shared/roots", b"r");
    assert_eq!(k.syscall(&t.p, Sysno::setresuid, [1000, 1000, 1000]), 0);
    // Reading a 0644 file is allowed, writing is not; access(2) says the same.
    assert!(t.open("/etc/rootfile", O_RDONLY) >= 0);
    assert_eq!(t.open("/etc/rootfile", O_WRONLY), err(Errno::EACCES));
    k.poke_str(&t.p, FsTest::P1, "/etc/rootfile");
    assert_eq!(k.syscall(&t.p, Sysno::faccessat, [AT_FDCWD as usize, FsTest::P1, W_OK as usize]), err(Errno::EACCES));
    assert_eq!(k.syscall(&t.p, Sysno::faccessat, [AT_FDCWD as usize, FsTest::P1, R_OK as usize]), 0);
    // Not the owner: chmod, chown and explicit times are EPERM; "now" needs write access.
    assert_eq!(k.syscall(&t.p, Sysno::fchmodat, [AT_FDCWD as usize, FsTest::P1, 0o777]), err(Errno::EPERM));
    assert_eq!(k.syscall(&t.p, Sysno::fchownat, [AT_FDCWD as usize, FsTest::P1, 1000, M1, 0]), err(Errno::EPERM));
    assert_eq!(k.syscall(&t.p, Sysno::utimensat, [AT_FDCWD as usize, FsTest::P1, 0, 0]), err(Errno::EACCES));
    k.poke(&t.p, BUF, bytemuck::bytes_of(&[5i64, 0, 5, 0]));
    assert_eq!(k.syscall(&t.p, Sysno::utimensat, [AT_FDCWD as usize, FsTest::P1, BUF, 0]), err(Errno::EPERM));
    assert_eq!(k.syscall(&t.p, Sysno::truncate, [FsTest::P1, 0]), err(Errno::EACCES));
    assert_eq!(t.unlink("/etc/rootfile", 0), err(Errno::EACCES), "/etc is 0755 root");
    // What the user creates is its own; in a sticky directory others' names stay.
    let fd = t.create("/tmp/shared/mine");
    assert!(fd >= 0);
    let st = t.stat("/tmp/shared/mine").unwrap();
    assert_eq!((st.st_uid, st.st_gid), (1000, 0));
    assert_eq!(t.unlink("/tmp/shared/roots", 0), err(Errno::EPERM));
    assert_eq!(t.rename("/tmp/shared/roots", "/tmp/shared/x", 0), err(Errno::EPERM));
    assert_eq!(t.unlink("/tmp/shared/mine", 0), 0);
    // A directory without search permission hides what is in it.
    assert_eq!(t.mkdir("/tmp/shared/d"), 0);
    t.write_file("/tmp/shared/d/f", b"f");
    k.poke_str(&t.p, FsTest::P1, "/tmp/shared/d");
    assert_eq!(k.syscall(&t.p, Sysno::fchmodat, [AT_FDCWD as usize, FsTest::P1, 0o600]), 0);
    assert_eq!(t.stat("/tmp/shared/d/f").unwrap_err(), err(Errno::EACCES));
    assert_eq!(t.call1(Sysno::chdir, "/tmp/shared/d"), err(Errno::EACCES));
}

#[test]
fn a_user_may_only_signal_its_own_processes() {
    let k = TestKernel::new();
    let root = k.spawn();
    let user = k.fork(&root);
    assert_eq!(k.syscall(&user, Sysno::setuid, [1000]), 0);
    let root_pid = root.process().pid;
    assert_eq!(k.syscall(&user, Sysno::kill, [root_pid, 0]), err(Errno::EPERM));
    assert_eq!(k.syscall(&user, Sysno::kill, [root_pid, SIGCONT_NO]), 0, "SIGCONT within the session");
    assert_eq!(k.syscall(&user, Sysno::tkill, [root.thread().tid(), 0]), err(Errno::EPERM));
    assert_eq!(k.syscall(&user, Sysno::kill, [user.process().pid, 0]), 0);
    assert_eq!(k.syscall(&root, Sysno::kill, [user.process().pid, 0]), 0, "CAP_KILL");
    let other = k.fork(&root);
    assert_eq!(k.syscall(&other, Sysno::setresuid, [1000, 1000, 1000]), 0);
    assert_eq!(k.syscall(&user, Sysno::kill, [other.process().pid, 0]), 0, "same real uid");
}

const SIGCONT_NO: usize = 18;

#[test]
fn fork_copies_credentials_and_exec_drops_capabilities() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::setresuid, [5, 6, 7]), 0);
    let child = k.fork(&p);
    assert_eq!(k.syscall(&child, Sysno::geteuid, []), 6);
    assert_eq!(child.cred().suid, 7);
    assert_eq!(child.cred().cap_effective, 0);
}

#[test]
fn chroot_needs_the_capability_and_a_searchable_directory() {
    let t = FsTest::new();
    let k = &t.k;
    assert_eq!(t.mkdir("/tmp/jail"), 0);
    t.write_file("/tmp/jail/inside", b"in");
    assert_eq!(t.call1(Sysno::chroot, "/etc/nonexistent"), err(Errno::ENOENT));
    t.write_file("/tmp/file", b"f");
    assert_eq!(t.call1(Sysno::chroot, "/tmp/file"), err(Errno::ENOTDIR));
    let user = t.k.fork(&t.p);
    assert_eq!(k.syscall(&user, Sysno::setuid, [1000]), 0);
    k.poke_str(&user, FsTest::P1, "/tmp/jail");
    assert_eq!(k.syscall(&user, Sysno::chroot, [FsTest::P1]), err(Errno::EPERM));
    assert_eq!(t.call1(Sysno::chroot, "/tmp/jail"), 0);
    assert!(t.stat("/inside").is_ok(), "paths start at the new root");
    assert_eq!(t.stat("/tmp/jail").unwrap_err(), err(Errno::ENOENT));
    // The working directory was left outside: it has no name under the new root.
    assert_eq!(t.getcwd(), "(unreachable)/");
    assert_eq!(t.call1(Sysno::chdir, "/"), 0);
    assert_eq!(t.getcwd(), "/");
}

#[test]
fn chroot_rebases_a_working_directory_below_it() {
    let t = FsTest::new();
    assert_eq!(t.mkdir("/tmp/jail"), 0);
    assert_eq!(t.mkdir("/tmp/jail/sub"), 0);
    assert_eq!(t.call1(Sysno::chdir, "/tmp/jail/sub"), 0);
    assert_eq!(t.call1(Sysno::chroot, "/tmp/jail"), 0);
    assert_eq!(t.getcwd(), "/sub");
    assert_eq!(t.call1(Sysno::chroot, "."), 0);
    assert_eq!(t.getcwd(), "/");
}

#[test]
fn mlock_follows_rlimit_memlock_without_cap_ipc_lock() {
    let t = FsTest::new();
    let k = &t.k;
    const MAP: usize = 0x7000_0000;
    assert_eq!(k.syscall(&t.p, Sysno::mmap, [MAP, 8192, 3, 0x32, usize::MAX, 0]), MAP as isize);
    k.poke(&t.p, BUF, bytemuck::bytes_of(&[0u64, 4096]));
    assert_eq!(k.syscall(&t.p, Sysno::setrlimit, [RLIMIT_MEMLOCK, BUF]), 0);
    assert_eq!(k.syscall(&t.p, Sysno::mlock, [MAP, 4096]), 0, "root has CAP_IPC_LOCK");
    assert_eq!(k.syscall(&t.p, Sysno::setuid, [1000]), 0);
    assert_eq!(k.syscall(&t.p, Sysno::mlock, [MAP, 4096]), err(Errno::EPERM));
    assert_eq!(k.syscall(&t.p, Sysno::mlockall, [1]), err(Errno::EPERM));
    k.poke(&t.p, BUF, bytemuck::bytes_of(&[4096u64, 4096]));
    assert_eq!(k.syscall(&t.p, Sysno::setrlimit, [RLIMIT_MEMLOCK, BUF]), 0);
    assert_eq!(k.syscall(&t.p, Sysno::mlock, [MAP, 4096]), 0);
    assert_eq!(k.syscall(&t.p, Sysno::mlock, [MAP, 8192]), err(Errno::ENOMEM));
}

#[test]
fn setgid_directories_give_their_group_and_noatime_is_the_owners() {
    let t = FsTest::new();
    let k = &t.k;
    assert_eq!(t.mkdir("/tmp/g"), 0);
    k.poke_str(&t.p, FsTest::P1, "/tmp/g");
    assert_eq!(k.syscall(&t.p, Sysno::fchownat, [AT_FDCWD as usize, FsTest::P1, 0, 50, 0]), 0);
    assert_eq!(k.syscall(&t.p, Sysno::fchmodat, [AT_FDCWD as usize, FsTest::P1, 0o2777]), 0);
    // Root (CAP_FSETID) keeps a set-group-ID bit it asks for; the file takes the group.
    k.poke_str(&t.p, FsTest::P1, "/tmp/g/f");
    assert!(k.syscall(&t.p, Sysno::openat, [AT_FDCWD as usize, FsTest::P1, O_CREAT as usize, 0o2755]) >= 0);
    let st = t.stat("/tmp/g/f").unwrap();
    assert_eq!((st.st_gid, st.st_mode & 0o7777), (50, 0o2755));
    assert_eq!(t.mkdir("/tmp/g/sub"), 0);
    assert_eq!(t.stat("/tmp/g/sub").unwrap().st_mode & 0o2000, 0o2000, "directories inherit the bit");
    assert_eq!(k.syscall(&t.p, Sysno::setresuid, [1000, 1000, 1000]), 0);
    // A user outside group 50 loses the bit it asked for.
    k.poke_str(&t.p, FsTest::P1, "/tmp/g/u");
    assert!(k.syscall(&t.p, Sysno::openat, [AT_FDCWD as usize, FsTest::P1, O_CREAT as usize, 0o2755]) >= 0);
    let st = t.stat("/tmp/g/u").unwrap();
    assert_eq!((st.st_uid, st.st_gid, st.st_mode & 0o7777), (1000, 50, 0o755));
    assert_eq!(t.open("/tmp/g/f", OpenFlags::NOATIME.bits()), err(Errno::EPERM));
    assert!(t.open("/tmp/g/u", OpenFlags::NOATIME.bits()) >= 0);
}

#[test]
fn prctl_keeps_capabilities_and_drops_from_the_bounding_set() {
    let t = FsTest::with_standard_mounts();
    let k = &t.k;
    const PR_GET_KEEPCAPS: usize = 7;
    const PR_SET_KEEPCAPS: usize = 8;
    const PR_CAPBSET_READ: usize = 23;
    const PR_CAPBSET_DROP: usize = 24;
    assert_eq!(k.syscall(&t.p, Sysno::prctl, [PR_CAPBSET_READ, 5]), 1);
    assert_eq!(k.syscall(&t.p, Sysno::prctl, [PR_CAPBSET_READ, 41]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&t.p, Sysno::prctl, [PR_CAPBSET_DROP, 5]), 0);
    assert_eq!(k.syscall(&t.p, Sysno::prctl, [PR_CAPBSET_READ, 5]), 0);
    assert!(t.read("/proc/self/status").contains("CapBnd:\t000001ffffffffdf\n"));
    assert_eq!(k.syscall(&t.p, Sysno::prctl, [PR_SET_KEEPCAPS, 2]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&t.p, Sysno::prctl, [PR_SET_KEEPCAPS, 1]), 0);
    assert_eq!(k.syscall(&t.p, Sysno::prctl, [PR_GET_KEEPCAPS, 0]), 1);
    // With keep_caps, leaving uid 0 keeps the permitted set (the effective one still goes).
    assert_eq!(k.syscall(&t.p, Sysno::setresuid, [1000, 1000, 1000]), 0);
    assert_eq!(t.p.cred().cap_effective, 0);
    assert_ne!(t.p.cred().cap_permitted, 0);
    assert_eq!(k.syscall(&t.p, Sysno::prctl, [PR_CAPBSET_DROP, 6]), err(Errno::EPERM));
}

#[test]
fn truncate_past_rlimit_fsize_is_efbig() {
    let t = FsTest::new();
    let k = &t.k;
    t.write_file("/tmp/f", b"abc");
    k.poke(&t.p, BUF, bytemuck::bytes_of(&[100u64, 100]));
    assert_eq!(k.syscall(&t.p, Sysno::setrlimit, [RLIMIT_FSIZE, BUF]), 0);
    k.poke_str(&t.p, FsTest::P1, "/tmp/f");
    assert_eq!(k.syscall(&t.p, Sysno::truncate, [FsTest::P1, 100]), 0);
    assert_eq!(k.syscall(&t.p, Sysno::truncate, [FsTest::P1, 101]), err(Errno::EFBIG));
    let fd = t.open("/tmp/f", O_WRONLY) as usize;
    assert_eq!(k.syscall(&t.p, Sysno::ftruncate, [fd, 200]), err(Errno::EFBIG));
    assert_eq!(t.stat("/tmp/f").unwrap().st_size, 100);
}

#[test]
fn writes_stop_at_rlimit_fsize() {
    let t = FsTest::new();
    let k = &t.k;
    k.poke(&t.p, BUF, bytemuck::bytes_of(&[100u64, 100]));
    assert_eq!(k.syscall(&t.p, Sysno::setrlimit, [RLIMIT_FSIZE, BUF]), 0);
    let fd = t.open("/tmp/f", O_WRONLY | O_CREAT) as usize;
    k.poke(&t.p, BUF, &[7u8; 256]);
    // Past the limit: EFBIG, and SIGXFSZ, which ends a process that did not catch it.
    let child = k.fork(&t.p);
    assert_eq!(k.syscall(&child, Sysno::pwrite64, [fd, BUF, 1, 100]), err(Errno::EFBIG));
    assert_eq!(k.exit_status(&child), Some(task::process::ExitStatus::Signaled(abi::signal::SIGXFSZ)));
    k.poke(&t.p, BUF + 0x400, &[1, 0, 0, 0, 0, 0, 0, 0]); // SIG_IGN
    k.poke(&t.p, BUF + 0x408, &[0; 24]);
    assert_eq!(k.syscall(&t.p, Sysno::rt_sigaction, [abi::signal::SIGXFSZ, BUF + 0x400, 0, 8]), 0);
    // A write that crosses the limit is cut at it; the next one is EFBIG.
    assert_eq!(k.syscall(&t.p, Sysno::pwrite64, [fd, BUF, 60, 0]), 60);
    assert_eq!(k.syscall(&t.p, Sysno::lseek, [fd, 60, 0]), 60);
    assert_eq!(k.syscall(&t.p, Sysno::write, [fd, BUF, 60]), 40);
    assert_eq!(k.syscall(&t.p, Sysno::write, [fd, BUF, 1]), err(Errno::EFBIG));
    assert_eq!(k.exit_status(&t.p), None, "ignored");
    assert_eq!(k.syscall(&t.p, Sysno::write, [fd, BUF, 0]), 0, "an empty write is no write");
    assert_eq!(k.syscall(&t.p, Sysno::pwrite64, [fd, BUF, 10, 200]), err(Errno::EFBIG));
    assert_eq!(k.syscall(&t.p, Sysno::pwrite64, [fd, BUF, 10, 95]), 5);
    assert_eq!(t.stat("/tmp/f").unwrap().st_size, 100);
    // Other files are not limited.
    let null = t.open("/dev/null", O_WRONLY) as usize;
    assert_eq!(k.syscall(&t.p, Sysno::write, [null, BUF, 256]), 256);
}

#[test]
fn rlimit_nproc_stops_a_users_forks() {
    let k = TestKernel::new();
    let p = k.spawn();
    const SIGCHLD: usize = 17;
    k.poke(&p, BUF, bytemuck::bytes_of(&[1u64, 1]));
    assert_eq!(k.syscall(&p, Sysno::setrlimit, [RLIMIT_NPROC, BUF]), 0);
    assert!(k.syscall(&p, Sysno::clone, [SIGCHLD, 0, 0, 0, 0]) > 0, "root is not limited");
    assert_eq!(k.syscall(&p, Sysno::setresuid, [4321, 4321, 4321]), 0);
    assert_eq!(k.syscall(&p, Sysno::clone, [SIGCHLD, 0, 0, 0, 0]), err(Errno::EAGAIN));
}

#[test]
fn users_cannot_raise_hard_limits_nor_their_priority() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, BUF, bytemuck::bytes_of(&[64u64, 1 << 21]));
    assert_eq!(k.syscall(&p, Sysno::setrlimit, [RLIMIT_NOFILE, BUF]), err(Errno::EPERM), "past nr_open");
    k.poke(&p, BUF, bytemuck::bytes_of(&[64u64, 128]));
    assert_eq!(k.syscall(&p, Sysno::setrlimit, [RLIMIT_NOFILE, BUF]), 0);
    assert_eq!(k.syscall(&p, Sysno::setpriority, [0, 0, 5]), 0);
    assert_eq!(k.syscall(&p, Sysno::setresuid, [1000, 1000, 1000]), 0);
    k.poke(&p, BUF, bytemuck::bytes_of(&[64u64, 256]));
    assert_eq!(k.syscall(&p, Sysno::setrlimit, [RLIMIT_NOFILE, BUF]), err(Errno::EPERM));
    k.poke(&p, BUF, bytemuck::bytes_of(&[64u64, 100]));
    assert_eq!(k.syscall(&p, Sysno::setrlimit, [RLIMIT_NOFILE, BUF]), 0, "lowering is allowed");
    assert_eq!(k.syscall(&p, Sysno::setpriority, [0, 0, 10]), 0);
    assert_eq!(k.syscall(&p, Sysno::setpriority, [0, 0, 2]), err(Errno::EACCES));
    assert_eq!(k.syscall(&p, Sysno::getpriority, [0, 0]), 10, "20 - nice 10");
    assert_eq!(k.syscall(&p, Sysno::getpriority, [2, 1000]), 10, "PRIO_USER by uid");
    assert_eq!(k.syscall(&p, Sysno::getpriority, [2, 4242]), err(Errno::ESRCH));
}
