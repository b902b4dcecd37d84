//! copy_file_range(2) through the dispatch table: copies with file offsets and with offset
//! pointers, the end of the input, and Linux 6.1's errors in its order.
use abi::flags::*;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;

const O_RDONLY: u32 = 0;
const O_WRONLY: u32 = OpenFlags::WRONLY.bits();
const O_RDWR: u32 = OpenFlags::RDWR.bits();
const O_CREAT: u32 = OpenFlags::CREAT.bits();
const O_APPEND: u32 = OpenFlags::APPEND.bits();
const O_DIRECTORY: u32 = OpenFlags::DIRECTORY.bits();
const OFF_IN: usize = FsTest::AUX;
const OFF_OUT: usize = FsTest::AUX + 8;

fn copy(t: &FsTest, fd_in: isize, off_in: usize, fd_out: isize, off_out: usize, len: usize) -> isize {
    t.k.syscall(&t.p, Sysno::copy_file_range, [fd_in as usize, off_in, fd_out as usize, off_out, len, 0])
}

fn offset(t: &FsTest, fd: isize) -> isize {
    t.k.syscall(&t.p, Sysno::lseek, [fd as usize, 0, SEEK_CUR as usize])
}

fn set_offsets(t: &FsTest, off_in: i64, off_out: i64) {
    t.k.poke(&t.p, OFF_IN, &off_in.to_le_bytes());
    t.k.poke(&t.p, OFF_OUT, &off_out.to_le_bytes());
}

fn offsets(t: &FsTest) -> (i64, i64) {
    (t.k.peek_val(&t.p, OFF_IN), t.k.peek_val(&t.p, OFF_OUT))
}

#[test]
fn copies_at_the_file_offsets_and_advances_them() {
    let t = FsTest::with_standard_mounts();
    t.write_file("/tmp/a", b"hello, world");
    let a = t.open("/tmp/a", O_RDONLY);
    let b = t.open("/tmp/b", O_WRONLY | O_CREAT);
    assert_eq!(copy(&t, a, 0, b, 0, 5), 5);
    assert_eq!((offset(&t, a), offset(&t, b)), (5, 5));
    assert_eq!(copy(&t, a, 0, b, 0, 100), 7, "up to the end of the input");
    assert_eq!((offset(&t, a), offset(&t, b)), (12, 12));
    assert_eq!(copy(&t, a, 0, b, 0, 100), 0, "at the end");
    assert_eq!((offset(&t, a), offset(&t, b)), (12, 12), "nothing moved");
    assert_eq!(t.read("/tmp/b"), "hello, world");
    assert_eq!(copy(&t, a, 0, b, 0, 0), 0);
}

#[test]
fn copies_at_given_offsets_and_advances_those_only() {
    let t = FsTest::with_standard_mounts();
    t.write_file("/tmp/a", b"hello, world");
    t.write_file("/tmp/b", b"0123456789");
    let a = t.open("/tmp/a", O_RDONLY);
    let b = t.open("/tmp/b", O_RDWR);
    set_offsets(&t, 7, 2);
    assert_eq!(copy(&t, a, OFF_IN, b, OFF_OUT, 5), 5);
    assert_eq!(offsets(&t), (12, 7));
    assert_eq!((offset(&t, a), offset(&t, b)), (0, 0), "the file offsets stay");
    assert_eq!(t.read("/tmp/b"), "01world789");
    // One pointer, one file offset; past the end of the output the file grows.
    set_offsets(&t, 0, 12);
    assert_eq!(copy(&t, a, OFF_IN, b, 0, 5), 5, "at b's file offset (0)");
    assert_eq!((offsets(&t).0, offset(&t, b)), (5, 5));
    assert_eq!(copy(&t, a, 0, b, OFF_OUT, 5), 5, "at a's file offset (0), to 12");
    assert_eq!((offset(&t, a), offsets(&t).1), (5, 17));
    assert_eq!(t.read("/tmp/b"), "hellold789\0\0hello");
    // An input offset at or past the end copies nothing.
    set_offsets(&t, 12, 0);
    assert_eq!(copy(&t, a, OFF_IN, b, OFF_OUT, 5), 0);
    set_offsets(&t, 1 << 40, 0);
    assert_eq!(copy(&t, a, OFF_IN, b, OFF_OUT, 5), 0);
    assert_eq!(offsets(&t), (1 << 40, 0));
}

#[test]
fn within_one_file_the_ranges_must_not_overlap() {
    let t = FsTest::with_standard_mounts();
    t.write_file("/tmp/a", b"abcdefghij");
    let a = t.open("/tmp/a", O_RDWR);
    set_offsets(&t, 0, 3);
    assert_eq!(copy(&t, a, OFF_IN, a, OFF_OUT, 5), EINVAL);
    set_offsets(&t, 0, 5);
    assert_eq!(copy(&t, a, OFF_IN, a, OFF_OUT, 5), 5, "adjacent is fine");
    assert_eq!(t.read("/tmp/a"), "abcdeabcde");
    set_offsets(&t, 8, 0);
    assert_eq!(copy(&t, a, OFF_IN, a, OFF_OUT, 100), 2, "the count is cut to the input's end first");
    assert_eq!(t.read("/tmp/a"), "decdeabcde");
}

#[test]
fn errors_in_linux_order() {
    let t = FsTest::with_standard_mounts();
    t.write_file("/tmp/a", b"hello");
    t.write_file("/etc/e", b"on the root file system");
    let a = t.open("/tmp/a", O_RDONLY);
    let b = t.open("/tmp/b", O_RDWR | O_CREAT);
    let app = t.open("/tmp/b", O_WRONLY | O_APPEND);
    let dir = t.open("/tmp", O_DIRECTORY);
    let e = t.open("/etc/e", O_RDWR);
    t.k.poke(&t.p, FsTest::BUF, &[0; 8]);
    assert_eq!(t.k.syscall(&t.p, Sysno::pipe2, [FsTest::BUF, 0]), 0);
    let pipe_r = t.k.peek_val::<i32>(&t.p, FsTest::BUF) as isize;

    assert_eq!(copy(&t, 99, UNMAPPED, b, 0, 5), EBADF, "the descriptors first");
    assert_eq!(copy(&t, a, UNMAPPED, 99, 0, 5), EBADF);
    assert_eq!(copy(&t, a, UNMAPPED, b, 0, 5), EFAULT, "then the offsets");
    assert_eq!(copy(&t, a, 0, b, UNMAPPED, 5), EFAULT);
    let flags = |f: usize| t.k.syscall(&t.p, Sysno::copy_file_range, [a as usize, 0, dir as usize, 0, 5, f]);
    assert_eq!(flags(1), EINVAL, "then the flags");
    assert_eq!(flags(0), EISDIR, "then the kinds of file");
    assert_eq!(copy(&t, dir, 0, b, 0, 5), EISDIR);
    assert_eq!(copy(&t, pipe_r, 0, b, 0, 5), EINVAL);
    assert_eq!(copy(&t, b, 0, pipe_r, 0, 5), EINVAL);
    assert_eq!(copy(&t, app, 0, b, 0, 5), EBADF, "then the access modes: a write-only input");
    assert_eq!(copy(&t, a, 0, a, 0, 5), EBADF, "a read-only output");
    assert_eq!(copy(&t, a, 0, app, 0, 5), EBADF, "an O_APPEND output");
    assert_eq!(copy(&t, a, 0, e, 0, 5), EXDEV, "then another file system");
    assert_eq!(copy(&t, e, 0, b, 0, 5), EXDEV);
    set_offsets(&t, -1, 0);
    assert_eq!(copy(&t, a, OFF_IN, b, OFF_OUT, 5), EOVERFLOW, "offsets that wrap");
    assert_eq!(copy(&t, a, OFF_IN, b, OFF_OUT, 0), EINVAL, "a negative offset");
    set_offsets(&t, 0, -1);
    assert_eq!(copy(&t, a, OFF_IN, b, OFF_OUT, 1), EOVERFLOW);
    set_offsets(&t, 0, -5);
    assert_eq!(copy(&t, a, OFF_IN, b, OFF_OUT, 1), EINVAL);
    set_offsets(&t, 0, i64::MAX);
    assert_eq!(copy(&t, a, OFF_IN, b, OFF_OUT, 5), EFBIG, "an output at the largest offset");
    assert_eq!(t.read("/tmp/b"), "", "nothing was copied");
}
