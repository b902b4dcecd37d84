//! Small calls: personality, sync_file_range, fchmodat2, riscv_flush_icache, riscv_hwprobe.
use abi::flags::*;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;

#[test]
fn personality_sets_returns_the_old_value_and_is_inherited() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::personality, [0xffff_ffff]), 0, "PER_LINUX");
    assert_eq!(k.syscall(&p, Sysno::personality, [0x0400_0000]), 0);
    assert_eq!(k.syscall(&p, Sysno::personality, [0xffff_ffff]), 0x0400_0000);
    let child = k.fork(&p);
    assert_eq!(k.syscall(&child, Sysno::personality, [0]), 0x0400_0000, "inherited");
    // STICKY_TIMEOUTS: select leaves the timeout as it was.
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&abi::structs::Timespec { tv_sec: 0, tv_nsec: 1000 }));
    assert_eq!(k.syscall(&p, Sysno::pselect6, [0, 0, 0, 0, SCRATCH, 0]), 0);
    assert_eq!(k.peek_val::<abi::structs::Timespec>(&p, SCRATCH).tv_nsec, 1000);
    assert_eq!(k.syscall(&child, Sysno::pselect6, [0, 0, 0, 0, SCRATCH, 0]), 0);
    k.poke(&child, SCRATCH, bytemuck::bytes_of(&abi::structs::Timespec { tv_sec: 0, tv_nsec: 1000 }));
    assert_eq!(k.syscall(&child, Sysno::pselect6, [0, 0, 0, 0, SCRATCH, 0]), 0);
    assert_eq!(k.peek_val::<abi::structs::Timespec>(&child, SCRATCH).tv_nsec, 0, "PER_LINUX writes what is left");
}

#[test]
fn sync_file_range_checks_as_linux() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"abc");
    let fd = k.open_ok(&p, "/tmp/f", OpenFlags::RDWR.bits());
    assert_eq!(k.syscall(&p, Sysno::sync_file_range, [fd, 0, 3, 7]), 0);
    assert_eq!(k.syscall(&p, Sysno::sync_file_range, [fd, 0, 0, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::sync_file_range, [fd, 0, 3, 8]), EINVAL, "an unknown flag");
    assert_eq!(k.syscall(&p, Sysno::sync_file_range, [fd, -1i64 as usize, 3, 2]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::sync_file_range, [fd, 0, -1i64 as usize, 2]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::sync_file_range, [fd, i64::MAX as usize, 1, 2]), EINVAL, "past the largest offset");
    assert_eq!(k.syscall(&p, Sysno::sync_file_range, [99, 0, 1, 2]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::pipe2, [SCRATCH, 0]), 0);
    let r = k.peek_val::<i32>(&p, SCRATCH) as usize;
    assert_eq!(k.syscall(&p, Sysno::sync_file_range, [r, 0, 1, 2]), ESPIPE);
}

#[test]
fn fchmodat2_changes_modes_and_refuses_symlinks_without_following() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"abc");
    let path = k.poke_str(&p, SCRATCH, "/tmp/f");
    assert_eq!(k.syscall(&p, Sysno::fchmodat2, [AT_FDCWD as usize, path, 0o600, 0]), 0);
    let path = k.poke_str(&p, SCRATCH, "/tmp/g");
    k.add_file("/tmp/g", b"abc");
    assert_eq!(k.syscall(&p, Sysno::fchmodat2, [AT_FDCWD as usize, path, 0o640, 0]), 0);
    let fd = k.open_ok(&p, "/tmp/g", 0);
    assert_eq!(k.syscall(&p, Sysno::fstat, [fd, SCRATCH + 256]), 0);
    assert_eq!(k.peek_val::<abi::structs::Stat>(&p, SCRATCH + 256).st_mode & 0o7777, 0o640);
    // AT_EMPTY_PATH: the descriptor itself.
    let empty = k.poke_str(&p, SCRATCH + 128, "");
    assert_eq!(k.syscall(&p, Sysno::fchmodat2, [fd, empty, 0o604, AT_EMPTY_PATH as usize]), 0);
    assert_eq!(k.syscall(&p, Sysno::fstat, [fd, SCRATCH + 256]), 0);
    assert_eq!(k.peek_val::<abi::structs::Stat>(&p, SCRATCH + 256).st_mode & 0o7777, 0o604);
    let target = k.poke_str(&p, SCRATCH + 512, "/tmp/g");
    let link = k.poke_str(&p, SCRATCH + 600, "/tmp/l");
    assert_eq!(k.syscall(&p, Sysno::symlinkat, [target, AT_FDCWD as usize, link]), 0);
    assert_eq!(
        k.syscall(&p, Sysno::fchmodat2, [AT_FDCWD as usize, link, 0o600, AT_SYMLINK_NOFOLLOW as usize]),
        EOPNOTSUPP
    );
    assert_eq!(k.syscall(&p, Sysno::fchmodat2, [AT_FDCWD as usize, link, 0o600, 0x1]), EINVAL);
}

#[test]
fn riscv_calls_report_the_machine() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::riscv_flush_icache, [0, usize::MAX, 1]), 0);
    assert_eq!(k.syscall(&p, Sysno::riscv_flush_icache, [0, 0, 2]), EINVAL);
    // Keys: BASE_BEHAVIOR, IMA_EXT_0, an unknown one.
    let pairs: [i64; 6] = [3, 0, 4, 0, 9999, 7];
    k.poke(&p, SCRATCH, bytemuck::bytes_of(&pairs));
    assert_eq!(k.syscall(&p, Sysno::riscv_hwprobe, [SCRATCH, 3, 0, 0, 0]), 0);
    assert_eq!(k.peek_val::<[i64; 6]>(&p, SCRATCH), [3, 1, 4, 3, -1, 0]);
    assert_eq!(k.syscall(&p, Sysno::riscv_hwprobe, [SCRATCH, 3, 0, 0, 1]), EINVAL, "flags");
    k.poke(&p, SCRATCH + 128, &[2u8]);
    assert_eq!(k.syscall(&p, Sysno::riscv_hwprobe, [SCRATCH, 1, 1, SCRATCH + 128, 0]), EINVAL, "no CPU of ours");
    assert_eq!(k.syscall(&p, Sysno::riscv_hwprobe, [SCRATCH, 1, 0, SCRATCH + 128, 0]), EINVAL, "an empty set");
    assert_eq!(k.syscall(&p, Sysno::riscv_hwprobe, [UNMAPPED, 1, 0, 0, 0]), EFAULT);
}

#[test]
fn ioprio_follows_nice_until_set_and_checks_classes() {
    let k = TestKernel::new();
    let p = k.spawn();
    let be = |level: usize| (2 << 13) | level;
    assert_eq!(k.syscall(&p, Sysno::ioprio_get, [1, 0]), be(4) as isize, "best effort, level (nice + 20) / 5");
    assert_eq!(k.syscall(&p, Sysno::ioprio_set, [1, 0, be(7)]), 0);
    assert_eq!(k.syscall(&p, Sysno::ioprio_get, [1, 0]), be(7) as isize);
    let child = k.fork(&p);
    assert_eq!(k.syscall(&child, Sysno::ioprio_get, [1, 0]), be(7) as isize, "inherited");
    assert_eq!(k.syscall(&p, Sysno::ioprio_set, [1, 0, be(8)]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::ioprio_set, [1, 0, 4 << 13]), EINVAL, "no class 4");
    assert_eq!(k.syscall(&p, Sysno::ioprio_set, [4, 0, be(1)]), EINVAL, "no such which");
    assert_eq!(k.syscall(&p, Sysno::ioprio_get, [1, 99_999]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::ioprio_set, [1, 0, (1 << 13) | 3]), 0, "RT for root");
    assert_eq!(k.syscall(&child, Sysno::setresuid, [1000, 1000, 1000]), 0);
    assert_eq!(k.syscall(&child, Sysno::ioprio_set, [1, 0, (1 << 13) | 3]), EPERM, "RT needs CAP_SYS_NICE");
    assert_eq!(k.syscall(&child, Sysno::ioprio_set, [1, p.process().pid, be(1)]), EPERM, "another user's");
}

#[test]
fn kcmp_tells_shared_objects_from_copies() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.add_file("/tmp/f", b"abc");
    let fd = k.open_ok(&p, "/tmp/f", 0);
    let dup = k.syscall(&p, Sysno::dup, [fd]) as usize;
    let other = k.open_ok(&p, "/tmp/f", 0);
    let me = p.process().pid;
    assert_eq!(k.syscall(&p, Sysno::kcmp, [me, me, 0, fd, dup]), 0, "one open file");
    let order = k.syscall(&p, Sysno::kcmp, [me, me, 0, fd, other]);
    assert!(order == 1 || order == 2);
    assert_eq!(k.syscall(&p, Sysno::kcmp, [me, me, 0, other, fd]), 3 - order, "the order turned round");
    let child = k.fork(&p);
    let c = child.process().pid;
    assert_eq!(k.syscall(&p, Sysno::kcmp, [me, c, 0, fd, fd]), 0, "fork shares open files");
    assert_ne!(k.syscall(&p, Sysno::kcmp, [me, c, 2, 0, 0]), 0, "but not the table");
    assert_ne!(k.syscall(&p, Sysno::kcmp, [me, c, 1, 0, 0]), 0, "nor the memory");
    let r = k.syscall(&p, Sysno::clone, [(abi::process::CLONE_FILES | abi::process::CLONE_VM) as usize | 17]);
    assert!(r > 0);
    assert_eq!(k.syscall(&p, Sysno::kcmp, [me, r as usize, 2, 0, 0]), 0, "CLONE_FILES");
    assert_eq!(k.syscall(&p, Sysno::kcmp, [me, r as usize, 1, 0, 0]), 0, "CLONE_VM");
    assert_eq!(k.syscall(&p, Sysno::kcmp, [me, me, 0, fd, 77]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::kcmp, [me, me, 9, 0, 0]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::kcmp, [me, 99_999, 1, 0, 0]), ESRCH);
    assert_eq!(k.syscall(&child, Sysno::setresuid, [1000, 1000, 1000]), 0);
    assert_eq!(k.syscall(&child, Sysno::kcmp, [me, c, 1, 0, 0]), EPERM);
}
