//! openat2 through the dispatcher: `struct open_how`'s strict checks and the RESOLVE_*
//! restrictions on the walk, as Linux 6.1 answers (LTP's openat201-203 cases among them).
use abi::flags::{OpenFlags, AT_FDCWD};
use syscalls::testing::*;
use syscalls::{Errno, Sysno};

const CWD: usize = AT_FDCWD as usize;
const HOW: usize = FsTest::AUX;
const O_RDONLY: u64 = 0;
const O_RDWR: u64 = OpenFlags::RDWR.bits() as u64;
const O_CREAT: u64 = OpenFlags::CREAT.bits() as u64;
const O_PATH: u64 = OpenFlags::PATH.bits() as u64;
const O_TRUNC: u64 = OpenFlags::TRUNC.bits() as u64;
const NO_XDEV: u64 = 0x01;
const NO_MAGICLINKS: u64 = 0x02;
const NO_SYMLINKS: u64 = 0x04;
const BENEATH: u64 = 0x08;
const IN_ROOT: u64 = 0x10;
const CACHED: u64 = 0x20;

fn err(e: Errno) -> isize {
    -(e as isize)
}

/// openat2(dirfd, path, {flags, mode, resolve}, 24).
fn openat2(t: &FsTest, dirfd: usize, path: &str, flags: u64, mode: u64, resolve: u64) -> isize {
    t.k.poke_str(&t.p, FsTest::P1, path);
    let how: Vec<u8> = [flags, mode, resolve].iter().flat_map(|v| v.to_le_bytes()).collect();
    t.k.poke(&t.p, HOW, &how);
    t.k.syscall(&t.p, Sysno::openat2, [dirfd, FsTest::P1, HOW, 24])
}

/// A tree under /tmp/w: a file, a subdirectory, a link to /proc/version and a relative link.
fn tree() -> (FsTest, usize) {
    let t = FsTest::with_standard_mounts();
    assert_eq!(t.mkdir("/tmp/w"), 0);
    assert_eq!(t.mkdir("/tmp/w/sub"), 0);
    t.write_file("/tmp/w/f", b"data");
    assert_eq!(t.symlink("/proc/version", "/tmp/w/abs"), 0);
    assert_eq!(t.symlink("sub/../f", "/tmp/w/rel"), 0);
    let dir = t.open("/tmp/w", OpenFlags::DIRECTORY.bits());
    assert!(dir >= 0);
    (t, dir as usize)
}

#[test]
fn opens_like_openat_without_restrictions() {
    let (t, dir) = tree();
    let fd = openat2(&t, dir, "f", O_RDWR, 0, 0);
    assert!(fd >= 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::read, [fd as usize, FsTest::BUF, 16]), 4);
    assert_eq!(t.k.peek(&t.p, FsTest::BUF, 4), b"data");
    assert!(openat2(&t, CWD, "/proc/version", O_RDONLY | O_CREAT, 0o400, 0) >= 0);
    assert!(openat2(&t, CWD, "/proc/self/cwd", O_RDONLY, 0, 0) >= 0, "a magic link");
    assert!(openat2(&t, dir, "abs", O_RDONLY, 0, 0) >= 0);
    // Created with the mode given.
    assert!(openat2(&t, dir, "new", O_RDWR | O_CREAT, 0o640, 0) >= 0);
    assert_eq!(t.stat("/tmp/w/new").unwrap().st_mode & 0o7777, 0o640);
}

#[test]
fn restrictions_on_the_walk() {
    let (t, dir) = tree();
    // Inside the start directory every restriction is satisfied.
    for r in [NO_XDEV, NO_MAGICLINKS, NO_SYMLINKS, BENEATH, IN_ROOT] {
        assert!(openat2(&t, dir, "f", O_RDWR, 0, r) >= 0, "resolve {r:#x}");
        assert!(openat2(&t, dir, "sub/../f", O_RDONLY, 0, r) >= 0, "resolve {r:#x}");
    }
    assert!(openat2(&t, dir, "rel", O_RDONLY, 0, BENEATH) >= 0, "a relative link that stays inside");
    // /proc is another mount; /proc/self/cwd a magic link; "abs" a symbolic link.
    assert_eq!(openat2(&t, CWD, "/proc/version", O_RDONLY, 0, NO_XDEV), err(Errno::EXDEV));
    assert_eq!(openat2(&t, dir, "abs", O_RDONLY, 0, NO_XDEV), err(Errno::EXDEV));
    assert_eq!(openat2(&t, dir, "../..", O_PATH, 0, NO_XDEV), err(Errno::EXDEV), "/tmp is a mount too");
    assert_eq!(openat2(&t, CWD, "/proc/self/cwd", O_RDONLY, 0, NO_MAGICLINKS), err(Errno::ELOOP));
    assert_eq!(openat2(&t, dir, "abs", O_RDONLY, 0, NO_SYMLINKS), err(Errno::ELOOP));
    assert_eq!(openat2(&t, dir, "rel", O_RDONLY, 0, NO_SYMLINKS), err(Errno::ELOOP));
    assert_eq!(openat2(&t, dir, "abs", O_RDONLY | O_CREAT, 0o600, NO_SYMLINKS), err(Errno::ELOOP));
    // BENEATH: no absolute path, no climbing out, no link that leads out.
    assert_eq!(openat2(&t, CWD, "/proc/version", O_RDONLY, 0, BENEATH), err(Errno::EXDEV));
    assert_eq!(openat2(&t, dir, "../w/f", O_RDONLY, 0, BENEATH), err(Errno::EXDEV));
    assert_eq!(openat2(&t, dir, "sub/../../w/f", O_RDONLY, 0, BENEATH), err(Errno::EXDEV));
    assert_eq!(openat2(&t, dir, "abs", O_RDONLY, 0, BENEATH), err(Errno::EXDEV));
    assert_eq!(openat2(&t, dir, "/tmp/w/f", O_RDONLY, 0, BENEATH), err(Errno::EXDEV));
    assert_eq!(openat2(&t, CWD, "/proc/self/cwd", O_RDONLY, 0, BENEATH), err(Errno::EXDEV));
    // IN_ROOT: "/" and ".." stop at the start directory.
    assert!(openat2(&t, dir, "/f", O_RDONLY, 0, IN_ROOT) >= 0);
    assert!(openat2(&t, dir, "../../f", O_RDONLY, 0, IN_ROOT) >= 0);
    assert_eq!(openat2(&t, dir, "abs", O_RDONLY, 0, IN_ROOT), err(Errno::ENOENT), "/proc is not under it");
    assert_eq!(t.call1(Sysno::chdir, "/tmp/w"), 0);
    assert_eq!(openat2(&t, CWD, "/proc/version", O_RDONLY | O_CREAT, 0o400, IN_ROOT), err(Errno::ENOENT));
    // The created file lands inside the start directory.
    assert!(openat2(&t, dir, "/made", O_RDWR | O_CREAT, 0o600, IN_ROOT) >= 0);
    assert!(t.exists("/tmp/w/made"));
}

#[test]
fn open_how_is_checked_strictly() {
    let (t, dir) = tree();
    // Size: under the first version EINVAL, over a page E2BIG, unknown non-zero bytes E2BIG.
    t.k.poke_str(&t.p, FsTest::P1, "f");
    t.k.poke(&t.p, HOW, &[0u8; 40]);
    for (size, want) in [(0, Errno::EINVAL), (23, Errno::EINVAL), (4097, Errno::E2BIG)] {
        assert_eq!(t.k.syscall(&t.p, Sysno::openat2, [dir, FsTest::P1, HOW, size]), err(want), "size {size}");
    }
    assert!(t.k.syscall(&t.p, Sysno::openat2, [dir, FsTest::P1, HOW, 32]) >= 0, "zero padding is fine");
    t.k.poke(&t.p, HOW + 24, &0xdeadu64.to_le_bytes());
    assert_eq!(t.k.syscall(&t.p, Sysno::openat2, [dir, FsTest::P1, HOW, 32]), err(Errno::E2BIG));
    // A struct running into unmapped memory, and a NULL path.
    assert_eq!(t.k.syscall(&t.p, Sysno::openat2, [dir, FsTest::P1, 0x10, 24]), err(Errno::EFAULT));
    let how = [O_RDONLY, 0, 0];
    t.k.poke(&t.p, HOW, &how.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>());
    assert_eq!(t.k.syscall(&t.p, Sysno::openat2, [dir, 0, HOW, 24]), err(Errno::EFAULT));
    // Flags, mode and resolve.
    for (flags, mode, resolve) in [
        (O_RDONLY, 0o200, 0),
        (O_RDWR | O_CREAT, u64::MAX, 0),
        (O_RDWR | O_CREAT, 0o10000, 0),
        (O_RDWR | O_CREAT, 0o700, u64::MAX),
        (O_RDONLY, 0, 0x40),
        (O_RDONLY, 0, BENEATH | IN_ROOT),
        (1 << 32, 0, 0),
        (0o40000000, 0, 0),
        (O_PATH | O_RDWR, 0, 0),
    ] {
        assert_eq!(
            openat2(&t, dir, "f", flags, mode, resolve),
            err(Errno::EINVAL),
            "{flags:#o} {mode:#o} {resolve:#x}"
        );
    }
    // RESOLVE_CACHED cannot create or truncate.
    assert_eq!(openat2(&t, dir, "f", O_RDWR | O_TRUNC, 0, CACHED), err(Errno::EAGAIN));
    assert_eq!(openat2(&t, dir, "g", O_RDWR | O_CREAT, 0o600, CACHED), err(Errno::EAGAIN));
    assert!(openat2(&t, dir, "f", O_RDONLY, 0, CACHED) >= 0);
    // A bad dirfd for a relative path.
    assert_eq!(openat2(&t, usize::MAX, "f", O_RDWR | O_CREAT, 0o700, 0), err(Errno::EBADF));
}
