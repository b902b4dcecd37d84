//! read, write, readv, writev, pread64, pwrite64, lseek through the dispatch table.
use abi::flags::*;
use abi::structs::{Iovec, Stat};
use abi::SysResult;
use fs::{FileKind, Inode};
use std::collections::VecDeque;
use std::sync::Arc;
use sync::{Mutex, WaitQueue};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Errno, Sysno};

const O_RDONLY: u32 = 0;
const O_WRONLY: u32 = OpenFlags::WRONLY.bits();
const O_RDWR: u32 = OpenFlags::RDWR.bits();
const O_APPEND: u32 = OpenFlags::APPEND.bits();
const O_NONBLOCK: u32 = OpenFlags::NONBLOCK.bits();
const O_PATH: u32 = OpenFlags::PATH.bits();

/// Where tests put path strings and iovec arrays; data buffers start at SCRATCH.
const IOV: usize = SCRATCH + 0xe_0000;
/// The last byte of the scratch area: what follows is unmapped.
const SCRATCH_END: usize = SCRATCH + SCRATCH_LEN;

fn open(k: &TestKernel, p: &Caller, path: &str, flags: u32) -> usize {
    k.open_ok(p, path, flags)
}

/// A file with `data`, opened with `flags`.
fn file(k: &TestKernel, p: &Caller, data: &[u8], flags: u32) -> usize {
    k.add_file("/tmp/f", data);
    open(k, p, "/tmp/f", flags)
}

/// A console of this test's own (its line discipline holds typed lines; the shared one would
/// mix them up between tests running in parallel).
fn console(k: &TestKernel, p: &Caller, flags: u32) -> usize {
    k.root.lookup("dev").unwrap().link("ttyT", fs::dev::Console::new()).unwrap();
    open(k, p, "/dev/ttyT", flags)
}

/// A device with a buffer of `room` bytes, like a pipe: reads take what it holds, writes fill
/// its free room, and either answers EAGAIN (and the caller waits on its queue) when it cannot
/// make progress.
struct Channel {
    data: Mutex<VecDeque<u8>>,
    room: usize,
    queue: WaitQueue,
}

impl Channel {
    fn new(room: usize, data: &[u8]) -> Arc<Channel> {
        Arc::new(Channel { data: Mutex::new(data.iter().copied().collect()), room, queue: WaitQueue::new() })
    }
    /// Take everything it holds, as a reader at the other end would.
    fn drain(&self) -> Vec<u8> {
        let v = self.data.lock().drain(..).collect();
        self.queue.wake_all();
        v
    }
    fn put(&self, bytes: &[u8]) {
        self.data.lock().extend(bytes);
        self.queue.wake_all();
    }
}

impl Inode for Channel {
    fn kind(&self) -> FileKind {
        FileKind::CharDevice
    }
    fn stat(&self) -> Stat {
        Stat { st_mode: S_IFCHR | 0o666, ..Stat::default() }
    }
    fn read_at(&self, _: u64, buf: &mut [u8]) -> SysResult<usize> {
        let mut d = self.data.lock();
        if d.is_empty() {
            return Err(Errno::EAGAIN);
        }
        let n = buf.len().min(d.len());
        for (b, v) in buf.iter_mut().zip(d.drain(..n)) {
            *b = v;
        }
        Ok(n)
    }
    fn write_at(&self, _: u64, buf: &[u8]) -> SysResult<usize> {
        let mut d = self.data.lock();
        let n = buf.len().min(self.room - d.len());
        if n == 0 {
            return Err(Errno::EAGAIN);
        }
        d.extend(&buf[..n]);
        Ok(n)
    }
    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.queue)
    }
}

fn channel(k: &TestKernel, p: &Caller, chan: &Arc<Channel>, flags: u32) -> usize {
    k.root.lookup("dev").unwrap().link("chan", chan.clone()).unwrap();
    open(k, p, "/dev/chan", flags)
}

fn contents(k: &TestKernel, path: &str) -> Vec<u8> {
    syscalls::exec::read_whole(&fs::path::lookup(&k.root, &k.root, path, true).unwrap()).unwrap()
}

fn iovecs(k: &TestKernel, p: &Caller, iovs: &[Iovec]) -> usize {
    k.poke(p, IOV, bytemuck::cast_slice(iovs));
    IOV
}

fn seek(k: &TestKernel, p: &Caller, fd: usize, off: i64, whence: u32) -> isize {
    k.syscall(p, Sysno::lseek, [fd, off as usize, whence as usize])
}

#[test]
fn write_to_stdout_appears_on_the_console() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, b"hello\n");
    assert_eq!(k.syscall(&p, Sysno::write, [1, SCRATCH, 6]), 6);
    assert_eq!(k.syscall(&p, Sysno::write, [2, SCRATCH, 5]), 5);
    assert_eq!(k.console_output(), "hello\nhello");
}

#[test]
fn write_of_zero_bytes_returns_zero_even_with_a_null_buffer() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::write, [1, 0, 0]), 0);
    assert_eq!(k.console_output(), "");
}

#[test]
fn write_from_unmapped_or_out_of_range_memory_is_efault() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::write, [1, UNMAPPED, 4]), EFAULT);
    // A count reaching past user space is refused before anything is written.
    assert_eq!(k.syscall(&p, Sysno::write, [1, SCRATCH, usize::MAX]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::write, [1, SCRATCH, 1 << 40]), EFAULT);
    assert_eq!(k.console_output(), "");
}

#[test]
fn a_terminal_write_running_into_a_bad_page_writes_nothing_and_is_efault() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH_END - 1, b"x");
    assert_eq!(k.syscall(&p, Sysno::write, [1, SCRATCH_END - 1, 2]), EFAULT);
    assert_eq!(k.console_output(), "");
}

#[test]
fn a_file_write_running_into_a_bad_page_writes_the_good_bytes() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"", O_RDWR);
    k.poke(&p, SCRATCH_END - 3, b"abc");
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH_END - 3, 10]), 3);
}

#[test]
fn write_to_a_descriptor_that_is_not_open_is_ebadf() {
    let k = TestKernel::new();
    let p = k.spawn();
    for fd in [3, 99, 1 << 31, usize::MAX] {
        assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, 0]), EBADF, "fd {fd:#x}");
    }
}

#[test]
fn the_descriptor_is_a_c_int_so_upper_register_bits_are_ignored() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, b"int");
    assert_eq!(k.syscall(&p, Sysno::write, [1 << 32 | 1, SCRATCH, 3]), 3);
    assert_eq!(k.console_output(), "int");
}

#[test]
fn write_to_a_read_only_descriptor_is_ebadf_even_for_zero_bytes() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"abc", O_RDONLY);
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, 1]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::write, [fd, 0, 0]), EBADF);
    assert_eq!(contents(&k, "/tmp/f"), b"abc");
}

#[test]
fn read_from_a_write_only_descriptor_is_ebadf() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"abc", O_WRONLY);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 3]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::read, [99, SCRATCH, 3]), EBADF);
}

#[test]
fn read_and_write_on_an_o_path_descriptor_are_ebadf() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"abc", O_RDWR | O_PATH);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 3]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, 3]), EBADF);
    assert_eq!(seek(&k, &p, fd, 0, SEEK_SET), EBADF);
}

#[test]
fn read_advances_the_offset_and_returns_zero_at_the_end() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"hello world", O_RDONLY);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 5]), 5);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH + 5, 100]), 6);
    assert_eq!(k.peek(&p, SCRATCH, 11), b"hello world");
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 100]), 0);
    assert_eq!(seek(&k, &p, fd, 0, SEEK_CUR), 11);
}

#[test]
fn read_of_zero_bytes_returns_zero_even_with_a_null_buffer() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"abc", O_RDONLY);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, 0, 0]), 0);
    assert_eq!(seek(&k, &p, fd, 0, SEEK_CUR), 0);
}

#[test]
fn read_into_unmapped_or_read_only_memory_is_efault_and_keeps_the_offset() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"secret", O_RDONLY);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, UNMAPPED, 4]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, READONLY, 4]), EFAULT);
    assert_eq!(k.peek(&p, READONLY, READONLY_TEXT.len()), READONLY_TEXT);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, usize::MAX]), EFAULT);
    assert_eq!(seek(&k, &p, fd, 0, SEEK_CUR), 0, "nothing was consumed");
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 6]), 6);
    assert_eq!(k.peek(&p, SCRATCH, 6), b"secret");
}

#[test]
fn read_into_a_buffer_running_into_bad_memory_returns_what_fits() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"0123456789abcdef", O_RDONLY);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH_END - 6, 16]), 6);
    assert_eq!(k.peek(&p, SCRATCH_END - 6, 6), b"012345");
    assert_eq!(seek(&k, &p, fd, 0, SEEK_CUR), 6, "the offset moves by what arrived");
}

#[test]
fn write_from_a_buffer_running_into_bad_memory_writes_what_was_readable() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"", O_RDWR);
    k.poke(&p, SCRATCH_END - 4, b"tail");
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH_END - 4, 100]), 4);
    assert_eq!(contents(&k, "/tmp/f"), b"tail");
}

#[test]
fn read_of_a_directory_is_eisdir_even_for_zero_bytes() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = open(&k, &p, "/tmp", O_RDONLY);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 10]), EISDIR);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, 0, 0]), EISDIR);
}

#[test]
fn transfers_larger_than_the_kernel_chunk_move_every_byte() {
    let k = TestKernel::new();
    let p = k.spawn();
    let n = 300 * 1024 + 17;
    let data: Vec<u8> = (0..n).map(|i| (i * 7 % 251) as u8).collect();
    k.poke(&p, SCRATCH, &data);
    let fd = file(&k, &p, b"", O_RDWR);
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, n]), n as isize);
    assert_eq!(contents(&k, "/tmp/f"), data);
    assert_eq!(seek(&k, &p, fd, 0, SEEK_SET), 0);
    let dst = SCRATCH + 0x60000;
    assert_eq!(k.syscall(&p, Sysno::read, [fd, dst, n + 1000]), n as isize);
    assert_eq!(k.peek(&p, dst, n), data);
}

#[test]
fn write_with_o_append_goes_to_the_end_wherever_the_offset_is() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"abc", O_RDWR | O_APPEND);
    k.poke(&p, SCRATCH, b"de");
    assert_eq!(seek(&k, &p, fd, 0, SEEK_SET), 0);
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, 2]), 2);
    assert_eq!(contents(&k, "/tmp/f"), b"abcde");
    assert_eq!(seek(&k, &p, fd, 0, SEEK_CUR), 5);
}

#[test]
fn a_large_read_of_dev_zero_fills_the_whole_buffer() {
    let k = TestKernel::new();
    let p = k.spawn();
    let zero = open(&k, &p, "/dev/zero", O_RDONLY);
    let n = 200 * 1024;
    k.poke(&p, SCRATCH, &vec![0xaa; n]);
    assert_eq!(k.syscall(&p, Sysno::read, [zero, SCRATCH, n]), n as isize);
    assert!(k.peek(&p, SCRATCH, n).iter().all(|&b| b == 0));
}

#[test]
fn a_read_takes_what_a_device_holds_without_waiting_for_more() {
    let k = TestKernel::new();
    let p = k.spawn();
    // Exactly two of the kernel's 64 KiB chunks: the third attempt finds nothing.
    let data: Vec<u8> = (0..128 * 1024).map(|i| i as u8).collect();
    let chan = Channel::new(1 << 20, &data);
    let fd = channel(&k, &p, &chan, O_RDONLY);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 200 * 1024]), data.len() as isize);
    assert_eq!(k.peek(&p, SCRATCH, data.len()), data);
}

#[test]
fn a_read_of_an_empty_device_waits_for_data() {
    let k = TestKernel::new();
    let p = k.spawn();
    let chan = Channel::new(16, b"");
    let fd = channel(&k, &p, &chan, O_RDONLY);
    let (writer, later) = (chan.clone(), hal::time::now_ns() + 1_000_000);
    task::executor::spawn(async move {
        task::executor::sleep_until(later).await;
        writer.put(b"news");
    });
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 16]), 4);
    assert_eq!(k.peek(&p, SCRATCH, 4), b"news");
}

#[test]
fn a_blocking_write_waits_for_room_until_every_byte_is_out() {
    let k = TestKernel::new();
    let p = k.spawn();
    let chan = Channel::new(4, b"");
    let fd = channel(&k, &p, &chan, O_WRONLY);
    let reader = chan.clone();
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    task::executor::spawn(async move {
        while sink.lock().len() < 10 {
            task::executor::sleep_until(hal::time::now_ns() + 1_000_000).await;
            let got = reader.drain();
            sink.lock().extend(got);
        }
    });
    k.poke(&p, SCRATCH, b"0123456789");
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, 10]), 10);
    // The last bytes may still sit in the device.
    received.lock().extend(chan.drain());
    assert_eq!(*received.lock(), b"0123456789");
}

#[test]
fn a_non_blocking_write_writes_what_fits_then_is_eagain() {
    let k = TestKernel::new();
    let p = k.spawn();
    let chan = Channel::new(4, b"");
    let fd = channel(&k, &p, &chan, O_WRONLY | O_NONBLOCK);
    k.poke(&p, SCRATCH, b"0123456789");
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, 10]), 4);
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, 10]), EAGAIN);
    assert_eq!(chan.drain(), b"0123");
}

#[test]
fn console_read_returns_one_typed_line_and_echoes_it() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p, O_RDWR);
    k.type_input(b"hello\rworld\n");
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 100]), 6);
    assert_eq!(k.peek(&p, SCRATCH, 6), b"hello\n", "CR arrives as NL");
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 3]), 3);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH + 3, 100]), 3);
    assert_eq!(k.peek(&p, SCRATCH, 6), b"world\n");
    assert_eq!(k.console_output(), "hello\nworld\n");
}

#[test]
fn console_read_waits_until_a_line_is_typed() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p, O_RDWR);
    let start = hal::time::now_ns();
    let later = start + 5_000_000;
    task::executor::spawn(async move {
        task::executor::sleep_until(later).await;
        hal::console::push_input(b"late\n");
        fs::dev::CONSOLE_INPUT.wake_all();
    });
    k.type_input(b"ha");
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 100]), 7);
    assert_eq!(k.peek(&p, SCRATCH, 7), b"halate\n");
    assert!(hal::time::now_ns() >= later, "the read returned before the line was complete");
}

#[test]
fn console_read_with_o_nonblock_and_nothing_typed_is_eagain() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p, O_RDWR | O_NONBLOCK);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 10]), EAGAIN);
    k.type_input(b"half");
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 10]), EAGAIN, "a half line is not readable");
}

#[test]
fn console_end_of_file_character_reads_as_zero() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p, O_RDONLY);
    k.type_input(b"\x04");
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 10]), 0);
}

#[test]
fn readv_scatters_a_file_over_the_iovecs_in_order() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"hello world", O_RDONLY);
    let iov = iovecs(
        &k,
        &p,
        &[Iovec { base: SCRATCH, len: 3 }, Iovec { base: 0, len: 0 }, Iovec { base: SCRATCH + 100, len: 20 }],
    );
    assert_eq!(k.syscall(&p, Sysno::readv, [fd, iov, 3]), 11);
    assert_eq!(k.peek(&p, SCRATCH, 3), b"hel");
    assert_eq!(k.peek(&p, SCRATCH + 100, 8), b"lo world");
}

#[test]
fn readv_from_the_console_spreads_one_line() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = console(&k, &p, O_RDONLY);
    k.type_input(b"abcdef\nnext\n");
    let iov = iovecs(&k, &p, &[Iovec { base: SCRATCH, len: 4 }, Iovec { base: SCRATCH + 100, len: 40 }]);
    assert_eq!(k.syscall(&p, Sysno::readv, [fd, iov, 2]), 7);
    assert_eq!(k.peek(&p, SCRATCH, 4), b"abcd");
    assert_eq!(k.peek(&p, SCRATCH + 100, 3), b"ef\n");
}

#[test]
fn writev_gathers_the_iovecs_in_order() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, b"world");
    k.poke(&p, SCRATCH + 100, b"hello ");
    let iov = iovecs(&k, &p, &[Iovec { base: SCRATCH + 100, len: 6 }, Iovec { base: SCRATCH, len: 5 }]);
    assert_eq!(k.syscall(&p, Sysno::writev, [1, iov, 2]), 11);
    assert_eq!(k.console_output(), "hello world");
}

#[test]
fn readv_and_writev_with_iovcnt_out_of_range_are_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    let iov = iovecs(&k, &p, &[Iovec { base: SCRATCH, len: 1 }]);
    for cnt in [-1i32, 1025, i32::MIN] {
        assert_eq!(k.syscall(&p, Sysno::writev, [1, iov, cnt as usize]), EINVAL, "{cnt}");
        assert_eq!(k.syscall(&p, Sysno::readv, [0, iov, cnt as usize]), EINVAL, "{cnt}");
    }
    // The descriptor is checked first.
    assert_eq!(k.syscall(&p, Sysno::writev, [99, iov, usize::MAX]), EBADF);
}

#[test]
fn writev_of_up_to_1024_iovecs_is_allowed() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, b"x");
    let iov = iovecs(&k, &p, &vec![Iovec { base: SCRATCH, len: 1 }; 1024]);
    assert_eq!(k.syscall(&p, Sysno::writev, [1, iov, 1024]), 1024);
    assert_eq!(k.console_output(), "x".repeat(1024));
}

#[test]
fn readv_and_writev_of_nothing_return_zero_without_touching_the_array() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::writev, [1, UNMAPPED, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::readv, [0, 0, 0]), 0);
}

#[test]
fn writev_with_an_unreadable_iovec_array_is_efault() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::writev, [1, UNMAPPED, 1]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::writev, [1, 0, 1]), EFAULT);
    // The array runs off the end of the mapped area.
    k.poke(&p, SCRATCH_END - 16, bytemuck::bytes_of(&Iovec { base: SCRATCH, len: 1 }));
    assert_eq!(k.syscall(&p, Sysno::writev, [1, SCRATCH_END - 16, 2]), EFAULT);
    assert_eq!(k.console_output(), "");
}

#[test]
fn an_iovec_length_above_ssize_max_is_einval_before_any_bad_address() {
    let k = TestKernel::new();
    let p = k.spawn();
    let iov = iovecs(&k, &p, &[Iovec { base: UNMAPPED, len: 1 << 40 }, Iovec { base: SCRATCH, len: usize::MAX }]);
    assert_eq!(k.syscall(&p, Sysno::writev, [1, iov, 2]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::readv, [0, iov, 2]), EINVAL);
}

#[test]
fn iovec_lengths_whose_sum_overflows_ssize_t_are_efault_as_on_linux() {
    // Each length is a valid ssize_t but reaches beyond user space; Linux's access_ok refuses
    // them (EFAULT) before their sum could matter.
    let k = TestKernel::new();
    let p = k.spawn();
    let iov = iovecs(&k, &p, &[Iovec { base: SCRATCH, len: 1 << 62 }, Iovec { base: SCRATCH, len: 1 << 62 }]);
    assert_eq!(k.syscall(&p, Sysno::writev, [1, iov, 2]), EFAULT);
}

#[test]
fn writev_stops_at_a_bad_segment_and_returns_the_bytes_done() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, SCRATCH, b"good");
    let fd = file(&k, &p, b"", O_RDWR);
    let iov = iovecs(&k, &p, &[Iovec { base: SCRATCH, len: 4 }, Iovec { base: UNMAPPED, len: 4 }]);
    assert_eq!(k.syscall(&p, Sysno::writev, [fd, iov, 2]), 4);
    assert_eq!(contents(&k, "/tmp/f"), b"good");
    // A terminal takes the whole chunk or nothing (checked on Linux 6.18 through a pty).
    assert_eq!(k.syscall(&p, Sysno::writev, [1, iov, 2]), EFAULT);
    assert_eq!(k.console_output(), "");
    let iov = iovecs(&k, &p, &[Iovec { base: UNMAPPED, len: 4 }, Iovec { base: SCRATCH, len: 4 }]);
    assert_eq!(k.syscall(&p, Sysno::writev, [1, iov, 2]), EFAULT);
}

#[test]
fn readv_stops_at_a_read_only_segment_and_returns_the_bytes_done() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"abcdefgh", O_RDONLY);
    let iov = iovecs(&k, &p, &[Iovec { base: SCRATCH, len: 3 }, Iovec { base: READONLY, len: 3 }]);
    assert_eq!(k.syscall(&p, Sysno::readv, [fd, iov, 2]), 3);
    assert_eq!(seek(&k, &p, fd, 0, SEEK_CUR), 3);
}

#[test]
fn pread_reads_at_the_offset_without_moving_the_file_offset() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"0123456789", O_RDONLY);
    assert_eq!(k.syscall(&p, Sysno::pread64, [fd, SCRATCH, 4, 3]), 4);
    assert_eq!(k.peek(&p, SCRATCH, 4), b"3456");
    assert_eq!(k.syscall(&p, Sysno::pread64, [fd, SCRATCH, 4, 8]), 2);
    assert_eq!(k.syscall(&p, Sysno::pread64, [fd, SCRATCH, 4, 100]), 0);
    assert_eq!(seek(&k, &p, fd, 0, SEEK_CUR), 0);
}

#[test]
fn pwrite_writes_at_the_offset_filling_a_gap_with_zeros() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"abc", O_RDWR);
    k.poke(&p, SCRATCH, b"XY");
    assert_eq!(k.syscall(&p, Sysno::pwrite64, [fd, SCRATCH, 2, 1]), 2);
    assert_eq!(k.syscall(&p, Sysno::pwrite64, [fd, SCRATCH, 2, 6]), 2);
    assert_eq!(contents(&k, "/tmp/f"), b"aXY\0\0\0XY");
    assert_eq!(seek(&k, &p, fd, 0, SEEK_CUR), 0);
}

#[test]
fn pwrite_on_an_o_append_file_appends_like_linux() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"abc", O_WRONLY | O_APPEND);
    k.poke(&p, SCRATCH, b"Z");
    assert_eq!(k.syscall(&p, Sysno::pwrite64, [fd, SCRATCH, 1, 0]), 1);
    assert_eq!(contents(&k, "/tmp/f"), b"abcZ");
}

#[test]
fn pread_and_pwrite_with_a_negative_offset_are_einval_even_on_a_bad_fd() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"abc", O_RDWR);
    assert_eq!(k.syscall(&p, Sysno::pread64, [fd, SCRATCH, 1, -1i64 as usize]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::pwrite64, [fd, SCRATCH, 1, -1i64 as usize]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::pread64, [99, SCRATCH, 1, -1i64 as usize]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::pread64, [99, SCRATCH, 1, 0]), EBADF);
}

#[test]
fn pread_and_pwrite_past_the_largest_offset_are_einval() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"abc", O_RDWR);
    let near_max = (i64::MAX - 5) as usize;
    assert_eq!(k.syscall(&p, Sysno::pread64, [fd, SCRATCH, 10, near_max]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::pwrite64, [fd, SCRATCH, 10, near_max]), EINVAL);
}

#[test]
fn pread_and_pwrite_on_the_console_are_espipe() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::pread64, [0, SCRATCH, 1, 0]), ESPIPE);
    assert_eq!(k.syscall(&p, Sysno::pwrite64, [1, SCRATCH, 1, 0]), ESPIPE);
    assert_eq!(k.console_output(), "");
}

#[test]
fn pread_of_a_directory_is_eisdir_and_of_a_write_only_file_ebadf() {
    let k = TestKernel::new();
    let p = k.spawn();
    let dir = open(&k, &p, "/tmp", O_RDONLY);
    assert_eq!(k.syscall(&p, Sysno::pread64, [dir, SCRATCH, 4, 0]), EISDIR);
    let fd = file(&k, &p, b"abc", O_WRONLY);
    assert_eq!(k.syscall(&p, Sysno::pread64, [fd, SCRATCH, 4, 0]), EBADF);
}

#[test]
fn pread_into_bad_memory_is_efault() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"abc", O_RDONLY);
    assert_eq!(k.syscall(&p, Sysno::pread64, [fd, UNMAPPED, 3, 0]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::pread64, [fd, READONLY, 3, 0]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::pwrite64, [fd, UNMAPPED, 3, 0]), EBADF, "read-only fd first");
}

#[test]
fn lseek_sets_the_offset_from_the_start_the_current_offset_or_the_end() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"0123456789", O_RDONLY);
    assert_eq!(seek(&k, &p, fd, 4, SEEK_SET), 4);
    assert_eq!(seek(&k, &p, fd, 2, SEEK_CUR), 6);
    assert_eq!(seek(&k, &p, fd, -3, SEEK_CUR), 3);
    assert_eq!(seek(&k, &p, fd, -1, SEEK_END), 9);
    assert_eq!(k.syscall(&p, Sysno::read, [fd, SCRATCH, 10]), 1);
    assert_eq!(k.peek(&p, SCRATCH, 1), b"9");
}

#[test]
fn lseek_past_the_end_then_write_leaves_a_zero_filled_gap() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"ab", O_RDWR);
    assert_eq!(seek(&k, &p, fd, 2, SEEK_END), 4);
    k.poke(&p, SCRATCH, b"c");
    assert_eq!(k.syscall(&p, Sysno::write, [fd, SCRATCH, 1]), 1);
    assert_eq!(contents(&k, "/tmp/f"), b"ab\0\0c");
}

#[test]
fn lseek_to_a_negative_or_overflowing_position_is_einval_and_keeps_the_offset() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"hello", O_RDONLY);
    assert_eq!(seek(&k, &p, fd, 2, SEEK_SET), 2);
    assert_eq!(seek(&k, &p, fd, -1, SEEK_SET), EINVAL);
    assert_eq!(seek(&k, &p, fd, -3, SEEK_CUR), EINVAL);
    assert_eq!(seek(&k, &p, fd, i64::MAX, SEEK_END), EINVAL);
    assert_eq!(seek(&k, &p, fd, 0, SEEK_CUR), 2);
}

#[test]
fn lseek_with_an_unknown_whence_is_einval_even_on_the_console() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"hello", O_RDONLY);
    assert_eq!(seek(&k, &p, fd, 0, 5), EINVAL);
    assert_eq!(seek(&k, &p, 0, 0, 7), EINVAL);
    assert_eq!(seek(&k, &p, fd, 0, 1 << 16 | SEEK_SET), EINVAL);
}

#[test]
fn lseek_on_the_console_is_espipe_and_on_a_bad_fd_ebadf() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(seek(&k, &p, 0, 0, SEEK_SET), ESPIPE);
    assert_eq!(seek(&k, &p, 1, 0, SEEK_END), ESPIPE);
    assert_eq!(seek(&k, &p, 42, 0, SEEK_SET), EBADF);
}

#[test]
fn lseek_seek_data_and_seek_hole_see_a_file_without_holes() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"hello", O_RDONLY);
    assert_eq!(seek(&k, &p, fd, 1, 3), 1, "SEEK_DATA");
    assert_eq!(seek(&k, &p, fd, 1, 4), 5, "SEEK_HOLE");
    assert_eq!(seek(&k, &p, fd, 5, 3), ENXIO, "no data at or after the end");
}

#[test]
fn null_and_zero_devices_read_as_end_of_file_and_zeros() {
    let k = TestKernel::new();
    let p = k.spawn();
    let null = open(&k, &p, "/dev/null", O_RDWR);
    let zero = open(&k, &p, "/dev/zero", O_RDWR);
    k.poke(&p, SCRATCH, &[0xaa; 8]);
    assert_eq!(k.syscall(&p, Sysno::read, [null, SCRATCH, 8]), 0);
    assert_eq!(k.syscall(&p, Sysno::write, [null, SCRATCH, 8]), 8);
    assert_eq!(k.syscall(&p, Sysno::read, [zero, SCRATCH, 5]), 5);
    assert_eq!(k.peek(&p, SCRATCH, 8), [0, 0, 0, 0, 0, 0xaa, 0xaa, 0xaa]);
    assert_eq!(k.console_output(), "");
}

#[test]
fn file_syscall_futures_are_send_so_any_hart_may_run_them() {
    // A compile-time property: the kernel's executor needs `Send` futures.
    fn assert_send<F: Send>(f: F) -> F {
        f
    }
    let k = TestKernel::new();
    let p = k.spawn();
    let read = assert_send(syscalls::dispatch(&p, Sysno::read.0, [0, SCRATCH, 0, 0, 0, 0]));
    assert_eq!(task::executor::block_on(read), 0);
}

#[test]
fn transfers_of_every_size_move_exactly_their_own_bytes() {
    // Small transfers use a buffer on the stack, bigger ones the thread's own buffer, which is
    // kept between calls: a short transfer after a long one must not see the long one's bytes.
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"", O_RDWR);
    for (round, n) in [4096usize, 1, 63, 64, 65, 4000, 3, 4097, 100].into_iter().enumerate() {
        let data: Vec<u8> = (0..n).map(|i| (round * 31 + i) as u8).collect();
        k.poke(&p, SCRATCH, &data);
        assert_eq!(k.syscall(&p, Sysno::pwrite64, [fd, SCRATCH, n, 0]), n as isize);
        let dst = SCRATCH + 0x10000;
        k.poke(&p, dst, &vec![0xee; n + 8]);
        assert_eq!(k.syscall(&p, Sysno::pread64, [fd, dst, n, 0]), n as isize, "{n} bytes");
        assert_eq!(k.peek(&p, dst, n + 8)[..n], data[..], "{n} bytes");
        assert_eq!(k.peek(&p, dst + n, 8), vec![0xee; 8], "nothing after the {n} bytes");
        assert_eq!(k.syscall(&p, Sysno::ftruncate, [fd, 0]), 0);
    }
}

#[test]
fn preadv_and_pwritev_scatter_and_gather_at_an_offset_without_moving_the_file_offset() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"0123456789", O_RDWR);
    let iov = iovecs(&k, &p, &[Iovec { base: SCRATCH, len: 2 }, Iovec { base: SCRATCH + 16, len: 3 }]);
    assert_eq!(k.syscall(&p, Sysno::preadv, [fd, iov, 2, 4, 0]), 5);
    assert_eq!(k.peek(&p, SCRATCH, 2), b"45");
    assert_eq!(k.peek(&p, SCRATCH + 16, 3), b"678");
    // The high half of the offset is not looked at on a 64-bit kernel.
    assert_eq!(k.syscall(&p, Sysno::preadv, [fd, iov, 2, 8, 7]), 2);
    k.poke(&p, SCRATCH, b"ab");
    k.poke(&p, SCRATCH + 16, b"cde");
    assert_eq!(k.syscall(&p, Sysno::pwritev, [fd, iov, 2, 9, 0]), 5);
    assert_eq!(contents(&k, "/tmp/f"), b"012345678abcde");
    assert_eq!(seek(&k, &p, fd, 0, SEEK_CUR), 0);
    // No bytes asked for: 0, even past the end.
    assert_eq!(k.syscall(&p, Sysno::preadv, [fd, iov, 0, 100, 0]), 0);
}

#[test]
fn preadv_and_pwritev_errors_are_linuxs() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"abc", O_WRONLY);
    let iov = iovecs(&k, &p, &[Iovec { base: SCRATCH, len: 2 }]);
    assert_eq!(k.syscall(&p, Sysno::preadv, [fd, iov, 1, -1i64 as usize, 0]), EINVAL, "offset first");
    assert_eq!(k.syscall(&p, Sysno::preadv, [fd, iov, 1, 0, 0]), EBADF, "write-only");
    assert_eq!(k.syscall(&p, Sysno::pwritev, [fd, iov, -1i32 as usize, 0, 0]), EINVAL, "iovcnt");
    assert_eq!(k.syscall(&p, Sysno::pwritev, [fd, UNMAPPED, 1, 0, 0]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::pwritev, [99, iov, 1, 0, 0]), EBADF);
    assert_eq!(k.syscall(&p, Sysno::pwritev, [1, iov, 1, 0, 0]), ESPIPE, "the console has no offsets");
    let dir = open(&k, &p, "/tmp", O_RDONLY);
    assert_eq!(k.syscall(&p, Sysno::preadv, [dir, iov, 1, 0, 0]), EISDIR);
    let huge = iovecs(&k, &p, &[Iovec { base: SCRATCH, len: usize::MAX }]);
    assert_eq!(k.syscall(&p, Sysno::pwritev, [fd, huge, 1, 0, 0]), EINVAL, "a negative length");
}

#[test]
fn preadv2_and_pwritev2_use_the_file_offset_for_minus_one_and_refuse_unknown_flags() {
    let k = TestKernel::new();
    let p = k.spawn();
    let fd = file(&k, &p, b"0123456789", O_RDWR);
    let iov = iovecs(&k, &p, &[Iovec { base: SCRATCH, len: 3 }]);
    assert_eq!(k.syscall(&p, Sysno::preadv2, [fd, iov, 1, -1i64 as usize, 0, 0]), 3);
    assert_eq!(k.peek(&p, SCRATCH, 3), b"012");
    assert_eq!(seek(&k, &p, fd, 0, SEEK_CUR), 3, "offset -1 reads at and moves the file offset");
    assert_eq!(k.syscall(&p, Sysno::preadv2, [fd, iov, 1, 5, 0, 1]), 3, "RWF_HIPRI");
    assert_eq!(k.peek(&p, SCRATCH, 3), b"567");
    assert_eq!(seek(&k, &p, fd, 0, SEEK_CUR), 3);
    assert_eq!(k.syscall(&p, Sysno::preadv2, [fd, iov, 1, 0, 0, 0x40]), EOPNOTSUPP);
    assert_eq!(k.syscall(&p, Sysno::pwritev2, [fd, iov, 1, 0, 0, 0x40]), EOPNOTSUPP);
    assert_eq!(k.syscall(&p, Sysno::preadv2, [fd, iov, 1, -2i64 as usize, 0, 0]), EINVAL);
    k.poke(&p, SCRATCH, b"xyz");
    assert_eq!(k.syscall(&p, Sysno::pwritev2, [fd, iov, 1, -1i64 as usize, 0, 0]), 3);
    assert_eq!(seek(&k, &p, fd, 0, SEEK_CUR), 6);
    assert_eq!(k.syscall(&p, Sysno::pwritev2, [fd, iov, 1, 0, 0, 0x10]), 3, "RWF_APPEND");
    assert_eq!(contents(&k, "/tmp/f"), b"012xyz6789xyz");
    assert_eq!(k.syscall(&p, Sysno::pwritev2, [fd, iov, 1, 1, 0, 0x6]), 3, "RWF_DSYNC|RWF_SYNC");
    assert_eq!(contents(&k, "/tmp/f"), b"0xyzyz6789xyz");
}
