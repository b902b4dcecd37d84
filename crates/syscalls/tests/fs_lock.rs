//! File locks through the dispatch table: flock(2), fcntl's POSIX record locks and OFD locks;
//! conflicts, conversions, ranges, F_GETLK, waiting and waking (close, exit, kill), signals,
//! deadlock detection, and the cap on lock records.
use abi::flags::*;
use abi::signal::{SIGKILL, SIGUSR1};
use abi::structs::{Flock, SigAction};
use abi::Errno;
use hal::context::Trap;
use std::sync::{Arc, Mutex};
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{dispatch, Caller, Sysno};
use task::executor::{block_on, run_ready, spawn};

/// Where the `struct flock` of a call goes (a second one for a call that waits meanwhile).
const LK: usize = SCRATCH + 0x100;
const LK2: usize = SCRATCH + 0x200;
const ENOLCK: isize = Errno::ENOLCK.as_ret();
const EDEADLK: isize = Errno::EDEADLK.as_ret();
const SH: usize = LOCK_SH as usize;
const EX: usize = LOCK_EX as usize;
const NB: usize = LOCK_NB as usize;
const UN: usize = LOCK_UN as usize;
const RDWR: u32 = OpenFlags::RDWR.bits();
const WR: u32 = OpenFlags::WRONLY.bits();

fn flock(k: &TestKernel, p: &Caller, fd: usize, op: usize) -> isize {
    k.syscall(p, Sysno::flock, [fd, op])
}

fn req(ty: i16, whence: u32, start: i64, len: i64) -> Flock {
    Flock { l_type: ty, l_whence: whence as i16, l_start: start, l_len: len, ..Flock::default() }
}

/// fcntl(fd, cmd, &lock) with `lock` placed at `at`.
fn fcntl_at(k: &TestKernel, p: &Caller, fd: usize, cmd: u32, lock: Flock, at: usize) -> isize {
    k.poke(p, at, bytemuck::bytes_of(&lock));
    k.syscall(p, Sysno::fcntl, [fd, cmd as usize, at])
}

/// A lock request from offset `start` (SEEK_SET) for `len` bytes.
fn setlk(k: &TestKernel, p: &Caller, fd: usize, cmd: u32, ty: i16, start: i64, len: i64) -> isize {
    fcntl_at(k, p, fd, cmd, req(ty, SEEK_SET, start, len), LK)
}

/// F_GETLK (or F_OFD_GETLK) for `ty` on the range; what it reports.
fn getlk(k: &TestKernel, p: &Caller, fd: usize, cmd: u32, ty: i16, start: i64, len: i64) -> Flock {
    assert_eq!(setlk(k, p, fd, cmd, ty, start, len), 0);
    k.peek_val(p, LK)
}

/// What F_GETLK reports: (type, start, len, pid).
fn report(l: Flock) -> (i16, i64, i64, i32) {
    (l.l_type, l.l_start, l.l_len, l.l_pid)
}

fn pid(p: &Caller) -> i32 {
    p.process().pid as i32
}

fn file(k: &TestKernel, path: &str) -> (u64, u64) {
    k.add_file(path, b"0123456789").id()
}

/// Start syscall `n` of `p` as a task of its own and run it until it waits. The result appears
/// in the returned cell when the call finishes.
fn start<const N: usize>(p: &Caller, n: Sysno, args: [usize; N]) -> Arc<Mutex<Option<isize>>> {
    let out = Arc::new(Mutex::new(None));
    let (o, cx) = (out.clone(), Caller::new(p.thread().clone()));
    let mut a = [0usize; 6];
    a[..N].copy_from_slice(&args);
    spawn(async move {
        let r = dispatch(&cx, n.0, a).await;
        *o.lock().unwrap() = Some(r);
    });
    run_ready();
    out
}

fn result(cell: &Arc<Mutex<Option<isize>>>) -> Option<isize> {
    run_ready();
    *cell.lock().unwrap()
}

// ---- flock ----

#[test]
fn flock_shared_locks_coexist_and_exclusive_ones_do_not() {
    let k = TestKernel::new();
    let (p, q) = (k.spawn(), k.spawn());
    file(&k, "/tmp/f");
    let a = k.open_ok(&p, "/tmp/f", 0);
    let b = k.open_ok(&q, "/tmp/f", 0);
    assert_eq!(flock(&k, &p, a, SH), 0);
    assert_eq!(flock(&k, &q, b, SH), 0);
    assert_eq!(flock(&k, &p, a, SH | NB), 0, "again: nothing changes");
    assert_eq!(flock(&k, &p, a, EX | NB), EAGAIN, "q shares it");
    // The failed conversion lost p's shared lock (Linux converts by unlocking first).
    assert_eq!(flock(&k, &q, b, EX | NB), 0, "q converts: p holds nothing now");
    assert_eq!(flock(&k, &p, a, SH | NB), EAGAIN);
    assert_eq!(flock(&k, &q, b, SH), 0, "downgrade");
    assert_eq!(flock(&k, &p, a, SH | NB), 0);
    assert_eq!(flock(&k, &q, b, UN), 0);
    assert_eq!(flock(&k, &p, a, EX | NB), 0);
    assert_eq!(flock(&k, &p, a, UN), 0);
    assert_eq!(flock(&k, &p, a, UN), 0, "unlocking nothing is fine");
}

#[test]
fn flock_argument_errors_are_linuxs() {
    let k = TestKernel::new();
    let p = k.spawn();
    file(&k, "/tmp/f");
    let fd = k.open_ok(&p, "/tmp/f", 0);
    assert_eq!(flock(&k, &p, fd, 0), EINVAL);
    assert_eq!(flock(&k, &p, fd, NB), EINVAL);
    assert_eq!(flock(&k, &p, fd, SH | EX), EINVAL);
    assert_eq!(flock(&k, &p, fd, 16 | SH), EINVAL);
    assert_eq!(flock(&k, &p, 99, 0), EINVAL, "the operation is checked before the descriptor");
    assert_eq!(flock(&k, &p, 99, SH), EBADF);
    assert_eq!(flock(&k, &p, usize::MAX, SH), EBADF);
    assert_eq!(flock(&k, &p, fd, LOCK_MAND as usize | EX), 0, "LOCK_MAND is ignored");
    let path = k.open_ok(&p, "/tmp/f", OpenFlags::PATH.bits());
    assert_eq!(flock(&k, &p, path, SH), EBADF, "O_PATH");
    let w = k.open_ok(&p, "/tmp/f", WR);
    assert_eq!(flock(&k, &p, w, SH), 0, "any access mode takes either kind");
}

#[test]
fn flock_belongs_to_the_open_file_description() {
    let k = TestKernel::new();
    let p = k.spawn();
    let id = file(&k, "/tmp/f");
    let fd = k.open_ok(&p, "/tmp/f", 0);
    let dup = k.syscall(&p, Sysno::dup, [fd]) as usize;
    assert_eq!(flock(&k, &p, fd, EX), 0);
    assert_eq!(flock(&k, &p, dup, EX | NB), 0, "the same description");
    let other = k.open_ok(&p, "/tmp/f", 0);
    assert_eq!(flock(&k, &p, other, SH | NB), EAGAIN, "another description of the same process conflicts");
    let child = k.fork(&p);
    assert_eq!(flock(&k, &child, fd, EX | NB), 0, "inherited by fork");
    assert_eq!(flock(&k, &child, other, SH | NB), EAGAIN);
    assert_eq!(k.syscall(&child, Sysno::close, [fd]), 0);
    assert_eq!(k.syscall(&child, Sysno::close, [dup]), 0);
    assert_eq!(k.syscall(&p, Sysno::close, [fd]), 0);
    assert_eq!(flock(&k, &p, other, SH | NB), EAGAIN, "dup still refers to it");
    assert_eq!(k.syscall(&p, Sysno::close, [dup]), 0);
    assert_eq!(flock(&k, &p, other, EX | NB), 0, "the last descriptor closed: released");
    assert_eq!(k.syscall(&p, Sysno::close, [other]), 0);
    assert_eq!(fs::lock::records_on(id), 1, "the child still has `other`");
    assert_eq!(k.syscall(&child, Sysno::exit_group, [0]), 0);
    assert_eq!(fs::lock::records_on(id), 0);
}

#[test]
fn a_blocked_flock_wakes_when_the_holder_closes() {
    let k = TestKernel::new();
    let (p, q) = (k.spawn(), k.spawn());
    file(&k, "/tmp/f");
    let a = k.open_ok(&p, "/tmp/f", 0);
    let b = k.open_ok(&q, "/tmp/f", 0);
    assert_eq!(flock(&k, &p, a, EX), 0);
    let waiting = start(&q, Sysno::flock, [b, SH]);
    assert_eq!(result(&waiting), None, "q waits");
    assert_eq!(flock(&k, &p, a, SH), 0, "p's conversion to shared lets q in");
    assert_eq!(result(&waiting), Some(0));
    assert_eq!(flock(&k, &q, b, UN), 0);
    assert_eq!(flock(&k, &p, a, EX), 0);
    let waiting = start(&q, Sysno::flock, [b, EX]);
    assert_eq!(result(&waiting), None);
    assert_eq!(k.syscall(&p, Sysno::close, [a]), 0);
    assert_eq!(result(&waiting), Some(0), "the close released it");
}

#[test]
fn a_blocked_flock_wakes_when_the_holder_exits() {
    let k = TestKernel::new();
    let p = k.spawn();
    file(&k, "/tmp/f");
    let a = k.open_ok(&p, "/tmp/f", 0);
    let child = k.fork(&p);
    let c = k.open_ok(&child, "/tmp/f", 0);
    assert_eq!(flock(&k, &child, c, EX), 0);
    k.syscall_later(&child, Sysno::exit_group, [0]);
    assert_eq!(flock(&k, &p, a, EX), 0, "woken by the exit");
    assert!(child.process().is_zombie());
}

#[test]
fn flock_works_on_directories_and_pipes() {
    let k = TestKernel::new();
    let (p, q) = (k.spawn(), k.spawn());
    let d = k.open_ok(&p, "/tmp", OpenFlags::DIRECTORY.bits());
    let e = k.open_ok(&q, "/tmp", OpenFlags::DIRECTORY.bits());
    assert_eq!(flock(&k, &p, d, EX), 0);
    assert_eq!(flock(&k, &q, e, SH | NB), EAGAIN);
    assert_eq!(k.syscall(&p, Sysno::pipe2, [SCRATCH, 0]), 0);
    let fds: [i32; 2] = k.peek_val(&p, SCRATCH);
    assert_eq!(flock(&k, &p, fds[0] as usize, EX), 0);
    assert_eq!(flock(&k, &p, fds[1] as usize, EX | NB), EAGAIN, "the two ends are two descriptions");
}

#[test]
fn a_signal_interrupts_a_blocked_flock() {
    let k = TestKernel::new();
    let (p, q) = (k.spawn(), k.spawn());
    let id = file(&k, "/tmp/f");
    let a = k.open_ok(&p, "/tmp/f", RDWR);
    let b = k.open_ok(&q, "/tmp/f", RDWR);
    k.poke(&q, SCRATCH + 0x800, bytemuck::bytes_of(&SigAction { handler: 0x4000, flags: 0, mask: 0 }));
    assert_eq!(k.syscall(&q, Sysno::rt_sigaction, [SIGUSR1, SCRATCH + 0x800, 0, 8]), 0);
    assert_eq!(flock(&k, &p, a, EX), 0);
    k.syscall_later(&p, Sysno::kill, [pid(&q) as usize, SIGUSR1]);
    assert_eq!(flock(&k, &q, b, EX), ERESTARTSYS, "EINTR or a restart, as the handler's flags say");
    assert_eq!(fs::lock::records_on(id), 1, "q holds nothing");
    k.syscall_later(&p, Sysno::kill, [pid(&q) as usize, SIGUSR1]);
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 0, 0), 0);
    assert_eq!(setlk(&k, &q, b, F_SETLKW, F_RDLCK, 0, 1), ERESTARTSYS, "fcntl's waits too");
    assert_eq!(fs::lock::records_on(id), 2, "q holds nothing");
}

// ---- POSIX record locks ----

#[test]
fn record_locks_conflict_between_processes_only() {
    let k = TestKernel::new();
    let (p, q) = (k.spawn(), k.spawn());
    file(&k, "/tmp/f");
    let a = k.open_ok(&p, "/tmp/f", RDWR);
    let b = k.open_ok(&q, "/tmp/f", RDWR);
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_RDLCK, 0, 10), 0);
    assert_eq!(setlk(&k, &q, b, F_SETLK, F_RDLCK, 5, 10), 0, "readers share");
    assert_eq!(setlk(&k, &q, b, F_SETLK, F_WRLCK, 0, 5), EAGAIN);
    assert_eq!(setlk(&k, &q, b, F_SETLK, F_WRLCK, 10, 5), 0, "q alone holds 10..15");
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 0, 5), 0, "p alone holds 0..5: an upgrade");
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 0, 10), EAGAIN, "q reads 5..10");
    assert_eq!(report(getlk(&k, &q, b, F_GETLK, F_RDLCK, 0, 0)), (F_WRLCK, 0, 5, pid(&p)));
    // The failed upgrade kept p's read lock on 5..10 (record locks convert atomically).
    assert_eq!(report(getlk(&k, &q, b, F_GETLK, F_WRLCK, 5, 1)), (F_RDLCK, 5, 5, pid(&p)));
    let thread = {
        let flags = abi::process::CLONE_VM
            | abi::process::CLONE_FS
            | abi::process::CLONE_FILES
            | abi::process::CLONE_SIGHAND
            | abi::process::CLONE_THREAD;
        assert!(k.syscall(&p, Sysno::clone, [flags as usize, SCRATCH + 0x9000]) > 0);
        k.spawned().pop().unwrap()
    };
    assert_eq!(setlk(&k, &thread, a, F_SETLK, F_WRLCK, 0, 5), 0, "threads share their process's locks");
}

#[test]
fn ranges_split_merge_and_report_as_linux_does() {
    let k = TestKernel::new();
    let (p, q) = (k.spawn(), k.spawn());
    file(&k, "/tmp/f");
    let a = k.open_ok(&p, "/tmp/f", RDWR);
    let b = k.open_ok(&q, "/tmp/f", RDWR);
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 0, 100), 0);
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_UNLCK, 40, 20), 0, "a hole in the middle");
    let me = pid(&p);
    assert_eq!(report(getlk(&k, &q, b, F_GETLK, F_RDLCK, 0, 0)), (F_WRLCK, 0, 40, me));
    assert_eq!(report(getlk(&k, &q, b, F_GETLK, F_RDLCK, 50, 0)), (F_WRLCK, 60, 40, me));
    let free = getlk(&k, &q, b, F_GETLK, F_WRLCK, 45, 10);
    assert_eq!((free.l_type, free.l_start, free.l_len), (F_UNLCK, 45, 10), "only the type changes");
    assert_eq!(setlk(&k, &q, b, F_SETLK, F_WRLCK, 40, 20), 0);
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_RDLCK, 20, 10), 0, "a downgrade of part");
    assert_eq!(report(getlk(&k, &q, b, F_GETLK, F_RDLCK, 0, 0)), (F_WRLCK, 0, 20, me));
    assert_eq!(report(getlk(&k, &q, b, F_GETLK, F_WRLCK, 20, 5)), (F_RDLCK, 20, 10, me));
    assert_eq!(setlk(&k, &q, b, F_SETLK, F_UNLCK, 0, 0), 0);
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 20, 80), 0);
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 100, 0), 0);
    assert_eq!(report(getlk(&k, &q, b, F_GETLK, F_RDLCK, 1000, 1)), (F_WRLCK, 0, 0, me), "merged: 0 to EOF");
    // A negative length covers the bytes before the start.
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_UNLCK, 0, 0), 0);
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 200, -50), 0);
    assert_eq!(report(getlk(&k, &q, b, F_GETLK, F_RDLCK, 0, 0)), (F_WRLCK, 150, 50, me));
    // SEEK_CUR and SEEK_END count from the offset and the size (10 bytes).
    assert_eq!(k.syscall(&p, Sysno::lseek, [a, 3, SEEK_SET as usize]), 3);
    assert_eq!(fcntl_at(&k, &p, a, F_SETLK, req(F_WRLCK, SEEK_CUR, 2, 1), LK), 0);
    assert_eq!(fcntl_at(&k, &p, a, F_SETLK, req(F_RDLCK, SEEK_END, -2, 2), LK), 0);
    assert_eq!(report(getlk(&k, &q, b, F_GETLK, F_WRLCK, 0, 100)), (F_WRLCK, 5, 1, me));
    assert_eq!(report(getlk(&k, &q, b, F_GETLK, F_WRLCK, 6, 100)), (F_RDLCK, 8, 2, me));
}

#[test]
fn record_lock_arguments_are_checked_in_linuxs_order() {
    let k = TestKernel::new();
    let p = k.spawn();
    file(&k, "/tmp/f");
    let rw = k.open_ok(&p, "/tmp/f", RDWR);
    let ro = k.open_ok(&p, "/tmp/f", 0);
    let set = |fd, l| fcntl_at(&k, &p, fd, F_SETLK, l, LK);
    assert_eq!(set(rw, req(F_WRLCK, 3, 0, 1)), EINVAL, "whence");
    assert_eq!(set(rw, Flock { l_whence: -1, ..req(F_WRLCK, 0, 0, 1) }), EINVAL);
    assert_eq!(set(rw, req(F_WRLCK, SEEK_SET, -1, 1)), EINVAL, "before the start of the file");
    assert_eq!(set(rw, req(F_WRLCK, SEEK_SET, 5, -6)), EINVAL);
    assert_eq!(set(rw, req(F_WRLCK, SEEK_SET, 5, -5)), 0);
    assert_eq!(set(rw, req(F_WRLCK, SEEK_END, i64::MAX, 1)), EOVERFLOW);
    assert_eq!(set(rw, req(F_WRLCK, SEEK_SET, i64::MAX, 2)), EOVERFLOW);
    assert_eq!(set(rw, req(F_WRLCK, SEEK_SET, i64::MAX, 1)), 0, "the last byte");
    assert_eq!(set(rw, req(7, SEEK_SET, 0, 1)), EINVAL, "type");
    assert_eq!(set(rw, req(7, SEEK_SET, -1, 1)), EINVAL);
    assert_eq!(set(ro, req(F_WRLCK, SEEK_SET, 0, 1)), EBADF, "a write lock needs write access");
    assert_eq!(set(ro, req(F_UNLCK, SEEK_SET, 0, 1)), 0);
    assert_eq!(fcntl_at(&k, &p, ro, F_GETLK, req(F_WRLCK, 0, 0, 1), LK), 0, "testing needs no access");
    assert_eq!(fcntl_at(&k, &p, ro, F_GETLK, req(F_UNLCK, 0, 0, 1), LK), EINVAL);
    let ofd = |fd, l| fcntl_at(&k, &p, fd, F_OFD_SETLK, l, LK);
    assert_eq!(ofd(rw, Flock { l_pid: 1, ..req(F_WRLCK, 0, 0, 1) }), EINVAL, "OFD locks take l_pid 0");
    assert_eq!(ofd(ro, Flock { l_pid: 1, ..req(F_WRLCK, 0, 0, 1) }), EBADF, "the access mode comes first");
    assert_eq!(fcntl_at(&k, &p, rw, F_OFD_GETLK, Flock { l_pid: 1, ..req(F_WRLCK, 0, 0, 1) }, LK), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::fcntl, [rw, F_SETLK as usize, UNMAPPED]), EFAULT);
}

#[test]
fn record_locks_are_not_inherited_and_go_with_any_close() {
    let k = TestKernel::new();
    let p = k.spawn();
    let id = file(&k, "/tmp/f");
    let a = k.open_ok(&p, "/tmp/f", RDWR);
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 0, 10), 0);
    let child = k.fork(&p);
    assert_eq!(setlk(&k, &child, a, F_SETLK, F_RDLCK, 0, 1), EAGAIN, "the child has its own locks");
    assert_eq!(report(getlk(&k, &child, a, F_GETLK, F_RDLCK, 0, 0)), (F_WRLCK, 0, 10, pid(&p)));
    assert_eq!(k.syscall(&child, Sysno::close, [a]), 0);
    assert_eq!(fs::lock::records_on(id), 1, "the child's close takes nothing of the parent's");
    // Closing any descriptor of the file releases the process's locks on it.
    let other = k.open_ok(&p, "/tmp/f", 0);
    assert_eq!(k.syscall(&p, Sysno::close, [other]), 0);
    assert_eq!(fs::lock::records_on(id), 0);
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 0, 10), 0);
    let dup = k.syscall(&p, Sysno::dup, [a]) as usize;
    assert_eq!(k.syscall(&p, Sysno::close, [dup]), 0);
    assert_eq!(fs::lock::records_on(id), 0, "a dup's close too");
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 0, 10), 0);
    let b = k.open_ok(&p, "/tmp/f", 0);
    assert_eq!(k.syscall(&p, Sysno::dup3, [b, a, 0]), a as isize);
    assert_eq!(fs::lock::records_on(id), 0, "and a descriptor that dup3 replaces");
}

#[test]
fn setlkw_waits_until_the_holder_unlocks_or_exits() {
    let k = TestKernel::new();
    let p = k.spawn();
    let id = file(&k, "/tmp/f");
    let a = k.open_ok(&p, "/tmp/f", RDWR);
    let child = k.fork(&p);
    let c = k.open_ok(&child, "/tmp/f", RDWR);
    assert_eq!(setlk(&k, &child, c, F_SETLK, F_WRLCK, 0, 10), 0);
    assert_eq!(setlk(&k, &child, c, F_SETLK, F_WRLCK, 20, 10), 0);
    k.poke(&p, LK2, bytemuck::bytes_of(&req(F_WRLCK, SEEK_SET, 5, 20)));
    let waiting = start(&p, Sysno::fcntl, [a, F_SETLKW as usize, LK2]);
    assert_eq!(result(&waiting), None);
    assert_eq!(setlk(&k, &child, c, F_SETLK, F_UNLCK, 0, 10), 0);
    assert_eq!(result(&waiting), None, "20..30 is still held");
    k.syscall_later(&child, Sysno::exit_group, [0]);
    assert_eq!(result(&waiting), Some(0), "the exit released the rest");
    assert_eq!(fs::lock::records_on(id), 1);
}

#[test]
fn a_killed_holder_releases_its_locks() {
    let k = TestKernel::new();
    let (p, q, holder) = (k.spawn(), k.spawn(), k.spawn());
    let id = file(&k, "/tmp/f");
    let h = k.open_ok(&holder, "/tmp/f", RDWR);
    assert_eq!(setlk(&k, &holder, h, F_SETLK, F_WRLCK, 0, 0), 0);
    assert_eq!(flock(&k, &holder, h, EX), 0);
    let a = k.open_ok(&p, "/tmp/f", RDWR);
    let b = k.open_ok(&q, "/tmp/f", RDWR);
    k.poke(&p, LK2, bytemuck::bytes_of(&req(F_RDLCK, SEEK_SET, 0, 1)));
    let by_fcntl = start(&p, Sysno::fcntl, [a, F_SETLKW as usize, LK2]);
    let by_flock = start(&q, Sysno::flock, [b, SH]);
    assert_eq!((result(&by_fcntl), result(&by_flock)), (None, None));
    assert_eq!(k.syscall(&p, Sysno::kill, [pid(&holder) as usize, SIGKILL]), 0);
    assert!(!block_on(uspace::handle_user_trap(&holder, Trap::Timer)), "the holder ends");
    assert_eq!((result(&by_fcntl), result(&by_flock)), (Some(0), Some(0)));
    assert_eq!(fs::lock::records_on(id), 2);
}

#[test]
fn setlkw_detects_a_deadlock_between_two_processes() {
    let k = TestKernel::new();
    let (p, q) = (k.spawn(), k.spawn());
    file(&k, "/tmp/f");
    let a = k.open_ok(&p, "/tmp/f", RDWR);
    let b = k.open_ok(&q, "/tmp/f", RDWR);
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 0, 1), 0);
    assert_eq!(setlk(&k, &q, b, F_SETLK, F_WRLCK, 1, 1), 0);
    k.poke(&p, LK2, bytemuck::bytes_of(&req(F_WRLCK, SEEK_SET, 1, 1)));
    let waiting = start(&p, Sysno::fcntl, [a, F_SETLKW as usize, LK2]);
    assert_eq!(result(&waiting), None);
    assert_eq!(setlk(&k, &q, b, F_SETLKW, F_WRLCK, 0, 1), EDEADLK, "q would wait for p, which waits for q");
    assert_eq!(setlk(&k, &q, b, F_SETLK, F_WRLCK, 0, 1), EAGAIN, "F_SETLK does not look");
    assert_eq!(setlk(&k, &q, b, F_SETLK, F_UNLCK, 1, 1), 0);
    assert_eq!(result(&waiting), Some(0));
    k.poke(&q, LK2, bytemuck::bytes_of(&req(F_WRLCK, SEEK_SET, 0, 1)));
    let waiting = start(&q, Sysno::fcntl, [b, F_SETLKW as usize, LK2]);
    assert_eq!(result(&waiting), None, "a plain wait: p waits for nobody now");
    assert_eq!(k.syscall(&p, Sysno::close, [a]), 0);
    assert_eq!(result(&waiting), Some(0));
}

#[test]
fn a_wait_that_is_over_is_no_deadlock() {
    let k = TestKernel::new();
    let (p, q) = (k.spawn(), k.spawn());
    file(&k, "/tmp/f");
    let a = k.open_ok(&p, "/tmp/f", RDWR);
    let b = k.open_ok(&q, "/tmp/f", RDWR);
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 0, 1), 0);
    assert_eq!(setlk(&k, &q, b, F_SETLK, F_WRLCK, 1, 1), 0);
    k.poke(&p, LK2, bytemuck::bytes_of(&req(F_WRLCK, SEEK_SET, 1, 1)));
    let waiting = start(&p, Sysno::fcntl, [a, F_SETLKW as usize, LK2]);
    // q lets p in, and asks for p's byte before p has run again: p no longer waits for q.
    assert_eq!(setlk(&k, &q, b, F_SETLK, F_UNLCK, 1, 1), 0);
    k.syscall_later(&p, Sysno::close, [a]);
    assert_eq!(setlk(&k, &q, b, F_SETLKW, F_WRLCK, 0, 1), 0, "no EDEADLK");
    assert_eq!(result(&waiting), Some(0));
}

#[test]
fn ofd_locks_belong_to_the_open_file_description() {
    let k = TestKernel::new();
    let p = k.spawn();
    let id = file(&k, "/tmp/f");
    let a = k.open_ok(&p, "/tmp/f", RDWR);
    let b = k.open_ok(&p, "/tmp/f", RDWR);
    assert_eq!(setlk(&k, &p, a, F_OFD_SETLK, F_WRLCK, 0, 10), 0);
    assert_eq!(setlk(&k, &p, b, F_OFD_SETLK, F_RDLCK, 5, 1), EAGAIN, "two descriptions of one process conflict");
    assert_eq!(setlk(&k, &p, b, F_SETLK, F_RDLCK, 5, 1), EAGAIN, "and so do the process's POSIX locks");
    assert_eq!(report(getlk(&k, &p, b, F_OFD_GETLK, F_RDLCK, 0, 0)), (F_WRLCK, 0, 10, -1), "no pid");
    assert_eq!(report(getlk(&k, &p, b, F_GETLK, F_RDLCK, 0, 0)), (F_WRLCK, 0, 10, -1));
    // Since Linux 6.7, F_OFD_GETLK with F_UNLCK shows the description's own lock.
    assert_eq!(report(getlk(&k, &p, a, F_OFD_GETLK, F_UNLCK, 3, 1)), (F_WRLCK, 0, 10, -1));
    assert_eq!(getlk(&k, &p, b, F_OFD_GETLK, F_UNLCK, 3, 1).l_type, F_UNLCK);
    let dup = k.syscall(&p, Sysno::dup, [a]) as usize;
    assert_eq!(setlk(&k, &p, dup, F_OFD_SETLK, F_RDLCK, 0, 20), 0, "a dup is the same owner");
    let child = k.fork(&p);
    assert_eq!(setlk(&k, &child, a, F_OFD_SETLK, F_WRLCK, 0, 20), 0, "so is the inherited descriptor");
    assert_eq!(k.syscall(&p, Sysno::close, [dup]), 0);
    assert_eq!(k.syscall(&p, Sysno::close, [b]), 0);
    assert_eq!(fs::lock::records_on(id), 1, "closing other descriptors keeps an OFD lock");
    assert_eq!(k.syscall(&child, Sysno::exit_group, [0]), 0);
    assert_eq!(fs::lock::records_on(id), 1);
    assert_eq!(k.syscall(&p, Sysno::close, [a]), 0);
    assert_eq!(fs::lock::records_on(id), 0, "the description's end releases it");
}

#[test]
fn ofd_setlkw_waits_for_the_other_description() {
    let k = TestKernel::new();
    let p = k.spawn();
    file(&k, "/tmp/f");
    let a = k.open_ok(&p, "/tmp/f", RDWR);
    let b = k.open_ok(&p, "/tmp/f", RDWR);
    assert_eq!(setlk(&k, &p, a, F_OFD_SETLK, F_WRLCK, 0, 1), 0);
    k.poke(&p, LK2, bytemuck::bytes_of(&req(F_WRLCK, SEEK_SET, 0, 1)));
    let waiting = start(&p, Sysno::fcntl, [b, F_OFD_SETLKW as usize, LK2]);
    assert_eq!(result(&waiting), None);
    assert_eq!(setlk(&k, &p, a, F_OFD_SETLK, F_UNLCK, 0, 1), 0);
    assert_eq!(result(&waiting), Some(0));
}

#[test]
fn lock_records_are_capped_per_process() {
    let k = TestKernel::new();
    let (p, q) = (k.spawn(), k.spawn());
    let id = file(&k, "/tmp/f");
    let a = k.open_ok(&p, "/tmp/f", RDWR);
    let max = fs::lock::MAX_PER_PROCESS as i64;
    // Every other byte: no two records merge.
    for i in 0..max {
        assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 2 * i, 1), 0, "record {i}");
    }
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 2 * max, 1), ENOLCK);
    assert_eq!(flock(&k, &p, a, EX), ENOLCK, "flock records count too");
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_WRLCK, 2 * max - 1, 2), 0, "a merge needs no new record");
    assert_eq!(fs::lock::records_on(id), max as usize);
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_RDLCK, 2 * max - 1, 1), ENOLCK, "no room to split a record");
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_UNLCK, 0, 1), 0, "unlocking a whole one frees room");
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_RDLCK, 2 * max - 1, 1), ENOLCK, "still one short");
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_UNLCK, 2, 1), 0);
    assert_eq!(setlk(&k, &p, a, F_SETLK, F_RDLCK, 2 * max - 1, 1), 0, "room for two more");
    let b = k.open_ok(&q, "/tmp/f", RDWR);
    assert_eq!(setlk(&k, &q, b, F_SETLK, F_WRLCK, 0, 1), 0, "other processes have room of their own");
    assert_eq!(k.syscall(&p, Sysno::close, [a]), 0);
    assert_eq!(fs::lock::records_on(id), 1);
}
