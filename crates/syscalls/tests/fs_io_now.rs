//! read, write, pread64, pwrite64 without a future (`syscalls::table::now`, the trap's fast
//! path) against the same calls through the dispatcher's futures: each case is set up in two
//! kernels, run one way in each, and must give the same result, the same bytes in user memory,
//! the same file offset and contents and the same pending signals. Cases where the synchronous
//! try must give way to the future (nothing done) are checked to do so.
use abi::flags::*;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{table, Caller, Sysno};

const O_RDONLY: usize = 0;
const O_WRONLY: usize = OpenFlags::WRONLY.bits() as usize;
const O_RDWR: usize = OpenFlags::RDWR.bits() as usize;
const O_APPEND: usize = OpenFlags::APPEND.bits() as usize;
const O_NONBLOCK: usize = OpenFlags::NONBLOCK.bits() as usize;
/// Where `pipe2` puts its two descriptors.
const FDS: usize = SCRATCH + 0xd_0000;
/// The end of the scratch area: what follows is unmapped.
const END: usize = SCRATCH + SCRATCH_LEN;

/// One case: builds its state in a fresh process and gives the call to make.
type Setup = fn(&TestKernel, &Caller) -> (Sysno, [usize; 6]);

/// What a call left behind, to compare between the two ways.
#[derive(Debug, PartialEq)]
struct Outcome {
    ret: isize,
    memory: Vec<u8>,
    /// The file offset of descriptor 3, if it has one.
    offset: isize,
    file: Vec<u8>,
    pending: u64,
}

fn outcome(k: &TestKernel, p: &Caller, ret: isize) -> Outcome {
    let file = fs::path::lookup(&k.root, &k.root, "/tmp/f", true).map(|f| syscalls::exec::read_whole(&f).unwrap());
    Outcome {
        ret,
        memory: k.peek(p, SCRATCH, 64),
        offset: k.syscall(p, Sysno::lseek, [3, 0, SEEK_CUR as usize]),
        file: file.unwrap_or_default(),
        pending: task::signal::pending(p.thread()),
    }
}

/// Run `setup`'s call both ways; the synchronous one must finish it. Returns its result.
fn same(setup: Setup) -> isize {
    let (k1, k2) = (TestKernel::new(), TestKernel::new());
    let (p1, p2) = (k1.spawn(), k2.spawn());
    let (n, a) = setup(&k1, &p1);
    assert_eq!(setup(&k2, &p2), (n, a));
    let ret = table::now(&p1, n.0, || a).unwrap_or_else(|| panic!("{n:?} {a:x?} gave way to its future"));
    let now = outcome(&k1, &p1, ret);
    let future = outcome(&k2, &p2, task::executor::block_on(syscalls::dispatch(&p2, n.0, a)));
    assert_eq!(now, future, "{n:?} {a:x?}");
    ret
}

/// `setup`'s call must give way to its future, having done nothing.
fn gives_way(setup: Setup) {
    let k = TestKernel::new();
    let p = k.spawn();
    let (n, a) = setup(&k, &p);
    let before = outcome(&k, &p, 0);
    assert_eq!(table::now(&p, n.0, || a), None, "{n:?} {a:x?}");
    assert_eq!(outcome(&k, &p, 0), before, "{n:?} did something before giving way");
}

/// "/tmp/f" holding "0123456789", opened as fd 3 with `flags`.
fn file(k: &TestKernel, p: &Caller, flags: usize) -> usize {
    k.add_file("/tmp/f", b"0123456789");
    k.open_ok(p, "/tmp/f", flags as u32)
}

/// A pipe with `flags` (fds 3 and 4) holding `data`.
fn pipe(k: &TestKernel, p: &Caller, flags: usize, data: &[u8]) -> (usize, usize) {
    assert_eq!(k.syscall(p, Sysno::pipe2, [FDS, flags]), 0);
    let fds: [i32; 2] = k.peek_val(p, FDS);
    k.poke(p, SCRATCH + 0x1000, data);
    if !data.is_empty() {
        assert_eq!(k.syscall(p, Sysno::write, [fds[1] as usize, SCRATCH + 0x1000, data.len()]), data.len() as isize);
    }
    (fds[0] as usize, fds[1] as usize)
}

fn call(n: Sysno, args: &[usize]) -> (Sysno, [usize; 6]) {
    let mut a = [0; 6];
    a[..args.len()].copy_from_slice(args);
    (n, a)
}

#[test]
fn devices_and_regular_files_are_the_same_both_ways() {
    assert_eq!(
        same(|k, p| {
            let fd = k.open_ok(p, "/dev/null", O_WRONLY as u32);
            call(Sysno::write, &[fd, SCRATCH, 5])
        }),
        5
    );
    assert_eq!(
        same(|k, p| {
            k.poke(p, SCRATCH, b"xxxx");
            let fd = k.open_ok(p, "/dev/zero", O_RDONLY as u32);
            call(Sysno::read, &[fd, SCRATCH, 3])
        }),
        3
    );
    assert_eq!(
        same(|k, p| {
            let fd = file(k, p, O_RDONLY);
            call(Sysno::read, &[fd, SCRATCH, 4])
        }),
        4
    );
    assert_eq!(
        same(|k, p| {
            k.poke(p, SCRATCH, b"abc");
            let fd = file(k, p, O_RDWR);
            call(Sysno::write, &[fd, SCRATCH, 3])
        }),
        3
    );
    assert_eq!(
        same(|k, p| {
            k.poke(p, SCRATCH, b"abc");
            let fd = file(k, p, O_WRONLY | O_APPEND);
            call(Sysno::pwrite64, &[fd, SCRATCH, 3, 2])
        }),
        3,
        "O_APPEND: at the end whatever the offset"
    );
    assert_eq!(
        same(|k, p| {
            let fd = file(k, p, O_RDONLY);
            call(Sysno::pread64, &[fd, SCRATCH, 64, 6])
        }),
        4,
        "up to the end of the file"
    );
    assert_eq!(
        same(|k, p| {
            k.poke(p, SCRATCH, &[7; 4096]);
            let fd = file(k, p, O_RDWR);
            call(Sysno::pwrite64, &[fd, SCRATCH, 4096, 100])
        }),
        4096,
        "through the thread's buffer, past the end (a hole of zeros before it)"
    );
    assert_eq!(
        same(|k, p| {
            let fd = file(k, p, O_RDONLY);
            call(Sysno::read, &[fd, SCRATCH, 0])
        }),
        0
    );
}

#[test]
fn errors_are_the_same_both_ways() {
    assert_eq!(same(|_, _| call(Sysno::read, &[99, SCRATCH, 1])), EBADF);
    assert_eq!(same(|k, p| call(Sysno::write, &[file(k, p, O_RDONLY), SCRATCH, 1])), EBADF);
    assert_eq!(same(|k, p| call(Sysno::read, &[file(k, p, O_WRONLY), SCRATCH, 1])), EBADF);
    assert_eq!(same(|k, p| call(Sysno::read, &[file(k, p, O_RDONLY), UNMAPPED, 4])), EFAULT);
    assert_eq!(same(|k, p| call(Sysno::write, &[file(k, p, O_RDWR), UNMAPPED, 4])), EFAULT);
    assert_eq!(same(|k, p| call(Sysno::write, &[file(k, p, O_RDWR), usize::MAX - 2, 4])), EFAULT);
    assert_eq!(same(|k, p| call(Sysno::pread64, &[file(k, p, O_RDONLY), SCRATCH, 4, -1isize as usize])), EINVAL);
    assert_eq!(same(|k, p| call(Sysno::pwrite64, &[file(k, p, O_RDWR), SCRATCH, 4, i64::MAX as usize])), EINVAL);
    assert_eq!(same(|k, p| call(Sysno::pwrite64, &[file(k, p, O_RDONLY), SCRATCH, 4, 0])), EBADF);
    assert_eq!(same(|k, p| call(Sysno::pread64, &[pipe(k, p, 0, b"x").0, SCRATCH, 1, 0])), ESPIPE);
    assert_eq!(same(|k, p| call(Sysno::read, &[k.open_ok(p, "/tmp", O_RDONLY as u32), SCRATCH, 4])), EISDIR);
    assert_eq!(same(|k, p| call(Sysno::read, &[k.open_ok(p, "/tmp", O_RDONLY as u32), SCRATCH, 0])), EISDIR);
}

#[test]
fn a_buffer_that_ends_in_unmapped_memory_moves_what_comes_before() {
    assert_eq!(same(|k, p| call(Sysno::read, &[file(k, p, O_RDONLY), END - 3, 8])), 3);
    assert_eq!(same(|k, p| call(Sysno::write, &[file(k, p, O_RDWR), END - 3, 8])), 3);
    assert_eq!(same(|k, p| call(Sysno::read, &[k.open_ok(p, "/dev/zero", 0), END - 3, 8])), 3);
}

#[test]
fn pipes_are_the_same_both_ways() {
    assert_eq!(same(|k, p| call(Sysno::read, &[pipe(k, p, 0, b"hello").0, SCRATCH, 3])), 3);
    assert_eq!(same(|k, p| call(Sysno::write, &[pipe(k, p, 0, b"").1, SCRATCH, 4096])), 4096);
    assert_eq!(same(|k, p| call(Sysno::read, &[pipe(k, p, O_NONBLOCK, b"").0, SCRATCH, 3])), EAGAIN);
    assert_eq!(
        same(|k, p| {
            let (r, w) = pipe(k, p, 0, b"");
            assert_eq!(k.syscall(p, Sysno::close, [w]), 0);
            call(Sysno::read, &[r, SCRATCH, 3])
        }),
        0,
        "end of file"
    );
    assert_eq!(
        same(|k, p| {
            let (r, w) = pipe(k, p, 0, b"");
            assert_eq!(k.syscall(p, Sysno::close, [r]), 0);
            call(Sysno::write, &[w, SCRATCH, 3])
        }),
        EPIPE,
        "and SIGPIPE pending, both ways"
    );
    assert_eq!(
        same(|k, p| {
            let (_, w) = pipe(k, p, O_NONBLOCK, &[1; 65536 - 100]);
            call(Sysno::write, &[w, SCRATCH, 200])
        }),
        EAGAIN,
        "no room for a write that must not be split"
    );
    assert_eq!(
        same(|k, p| {
            let (_, w) = pipe(k, p, O_NONBLOCK, &[1; 65536 - 4096]);
            call(Sysno::write, &[w, SCRATCH, 8192])
        }),
        4096,
        "a nonblocking write bigger than PIPE_BUF takes the room there is"
    );
}

#[test]
fn calls_that_may_wait_give_way_to_their_future() {
    gives_way(|k, p| call(Sysno::read, &[pipe(k, p, 0, b"").0, SCRATCH, 3]));
    gives_way(|k, p| call(Sysno::write, &[pipe(k, p, 0, &[1; 65536]).1, SCRATCH, 3]));
    gives_way(|k, p| call(Sysno::write, &[pipe(k, p, 0, b"").1, SCRATCH, 4097]));
    gives_way(|k, p| call(Sysno::read, &[file(k, p, O_RDONLY), SCRATCH, 64 * 1024 + 1]));
    gives_way(|k, p| call(Sysno::write, &[file(k, p, O_RDWR), SCRATCH, 64 * 1024 + 1]));
    // The console (fd 1) is a terminal: a device that may wait, not a pipe.
    gives_way(|_, _| call(Sysno::write, &[1, SCRATCH, 3]));
}

#[test]
fn only_fast_calls_that_never_wait_run_without_a_future() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(table::now(&p, Sysno::getppid.0, || [0; 6]), None, "the first section is `immediate`'s");
    assert_eq!(table::now(&p, Sysno::mkdirat.0, || [0; 6]), None, "not a fast call");
    assert_eq!(table::now(&p, Sysno::futex.0, || [0; 6]), None, "a call that waits, without a `now` function");
    assert_eq!(table::now(&p, 9999, || [0; 6]), None);
    assert_eq!(table::now(&p, Sysno::close.0, || [99, 0, 0, 0, 0, 0]), Some(EBADF));
    assert_eq!(table::now(&p, Sysno::lseek.0, || [0, 0, 0, 0, 0, 0]), Some(ESPIPE));
}
