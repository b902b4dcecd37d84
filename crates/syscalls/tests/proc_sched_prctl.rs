//! sched_getaffinity/sched_setaffinity (one CPU) and prctl(PR_SET_NAME/PR_GET_NAME): thread
//! names as /proc shows them, inherited by clone and fork, forgotten by execve.
use abi::process::*;
use fs::ramfs::RamFile;
use fs::InodeRef;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};

const AT: usize = SCRATCH + 0x1_0000;
const NAME: usize = SCRATCH + 0x2_0000;
const THREAD: usize = (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD) as usize;

#[test]
fn sched_getaffinity_reports_the_one_cpu() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, AT, &[0xaa; 32]);
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, 8, AT]), 8, "the size of the kernel's mask");
    assert_eq!(k.peek(&p, AT, 9), [1, 0, 0, 0, 0, 0, 0, 0, 0xaa]);
    k.poke(&p, AT, &[0xaa; 32]);
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, 128, AT]), 8, "a bigger buffer: only 8 bytes written");
    assert_eq!(k.peek(&p, AT, 16), [1, 0, 0, 0, 0, 0, 0, 0, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa]);
    // Another thread and another process, by id.
    let other = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [other.thread().tid(), 8, AT]), 8);
    let tid = k.syscall(&p, Sysno::clone, [THREAD, SCRATCH + 0x9000]) as usize;
    let t = k.spawned().pop().unwrap();
    assert_eq!(t.thread().tid(), tid);
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [tid, 8, AT]), 8);
    // Linux's order of checks: the size (too small for the CPUs, or not whole longs), the id, the pointer.
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, 0, AT]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, 4, AT]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, 12, UNMAPPED]), EINVAL);
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, 0x1_0000_0008, AT]), 8, "the size is an unsigned int");
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [999_999, 8, UNMAPPED]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [usize::MAX, 8, AT]), ESRCH, "a negative id");
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, 8, READONLY]), EFAULT);
}

#[test]
fn sched_setaffinity_takes_a_mask_with_the_cpu() {
    let k = TestKernel::new();
    let p = k.spawn();
    k.poke(&p, AT, &1u64.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [0, 8, AT]), 0);
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [p.thread().tid(), 4, AT]), 0, "a shorter mask");
    k.poke(&p, AT, &u64::MAX.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [0, 8, AT]), 0, "CPUs that do not exist are dropped");
    assert_eq!(k.syscall(&p, Sysno::sched_getaffinity, [0, 8, AT]), 8);
    assert_eq!(k.peek(&p, AT, 8), 1u64.to_le_bytes(), "still the one CPU");
    k.poke(&p, AT, &2u64.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [0, 8, AT]), EINVAL, "no CPU left");
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [0, 0, AT]), EINVAL, "an empty mask");
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [999_999, 8, AT]), ESRCH);
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [999_999, 8, UNMAPPED]), EFAULT, "the mask is read first");
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [0, 0, UNMAPPED]), EINVAL, "nothing read");
    // Another user's thread: EPERM (before the mask is judged); its own: as before.
    let root_child = k.fork(&p);
    assert_eq!(k.syscall(&p, Sysno::setresuid, [usize::MAX, 65534, usize::MAX]), 0);
    k.poke(&p, AT, &1u64.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [root_child.thread().tid(), 8, AT]), EPERM);
    assert_eq!(k.syscall(&p, Sysno::sched_setaffinity, [0, 8, AT]), 0);
}

fn get_name(k: &TestKernel, p: &Caller) -> Vec<u8> {
    k.poke(p, NAME, &[0xaa; 20]);
    assert_eq!(k.syscall(p, Sysno::prctl, [PR_GET_NAME as usize, NAME]), 0);
    k.peek(p, NAME, 17)
}

fn set_name(k: &TestKernel, p: &Caller, name: &str) -> isize {
    k.poke_str(p, NAME, name);
    k.syscall(p, Sysno::prctl, [PR_SET_NAME as usize, NAME])
}

/// The 16 bytes PR_GET_NAME writes for `name`, and the byte after them (untouched).
fn padded(name: &str) -> Vec<u8> {
    let mut v = name.as_bytes().to_vec();
    v.resize(16, 0);
    v.push(0xaa);
    v
}

#[test]
fn prctl_names_the_thread() {
    let t = FsTest::with_standard_mounts();
    let (k, p) = (&t.k, &t.p);
    *p.process().exe.lock() = String::from("/bin/a-rather-long-program-name");
    assert_eq!(get_name(k, p), padded("a-rather-long-p"), "the program's name to begin with");
    assert_eq!(set_name(k, p, "tokio-worker"), 0);
    assert_eq!(get_name(k, p), padded("tokio-worker"));
    assert_eq!(t.read("/proc/self/comm"), "tokio-worker\n");
    assert_eq!(t.read(&format!("/proc/self/task/{}/comm", t.pid())), "tokio-worker\n");
    assert!(t.read("/proc/self/stat").starts_with(&format!("{} (tokio-worker) ", t.pid())));
    assert!(t.read("/proc/self/status").starts_with("Name:\ttokio-worker\n"));
    assert_eq!(set_name(k, p, "a-name-of-twenty-bytes"), 0);
    assert_eq!(get_name(k, p), padded("a-name-of-twenty"[..15].as_ref()), "cut to 15 bytes");
    assert_eq!(set_name(k, p, ""), 0);
    assert_eq!(get_name(k, p), padded(""), "an empty name is a name");

    // A new thread starts with its creator's name and names itself; the process keeps the
    // main thread's.
    assert_eq!(set_name(k, p, "main"), 0);
    let tid = k.syscall(p, Sysno::clone, [THREAD, SCRATCH + 0x9000]) as usize;
    let th = k.spawned().pop().unwrap();
    assert_eq!(get_name(k, &th), padded("main"));
    assert_eq!(set_name(k, &th, "worker-1"), 0);
    assert_eq!(t.read(&format!("/proc/self/task/{tid}/comm")), "worker-1\n");
    assert_eq!(t.read(&format!("/proc/{}/task/{tid}/stat", t.pid())).split(' ').nth(1), Some("(worker-1)"));
    assert_eq!(t.read("/proc/self/comm"), "main\n");
    assert_eq!(get_name(k, p), padded("main"));
    // A forked child too.
    let child = k.fork(p);
    assert_eq!(get_name(k, &child), padded("main"));
}

#[test]
fn prctl_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::prctl, [PR_SET_NAME as usize, UNMAPPED]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::prctl, [PR_GET_NAME as usize, READONLY]), EFAULT);
    assert_eq!(k.syscall(&p, Sysno::prctl, [PR_GET_NAME as usize, 0]), EFAULT);
    // A name that runs into unmapped memory before 15 bytes and a NUL: EFAULT; one that has
    // 15 bytes first is taken without looking further, as strncpy_from_user does.
    let end = SCRATCH + SCRATCH_LEN;
    k.poke(&p, end - 4, b"abcd");
    assert_eq!(k.syscall(&p, Sysno::prctl, [PR_SET_NAME as usize, end - 4]), EFAULT);
    k.poke(&p, end - 15, b"fifteen-bytes!!");
    assert_eq!(k.syscall(&p, Sysno::prctl, [PR_SET_NAME as usize, end - 15]), 0);
    assert_eq!(get_name(&k, &p), padded("fifteen-bytes!!"));
    for option in [0, 4, 38, 1000, usize::MAX] {
        assert_eq!(k.syscall(&p, Sysno::prctl, [option, NAME]), EINVAL, "option {option}");
    }
}

fn add(k: &TestKernel, path: &str, data: &[u8]) -> InodeRef {
    let (dir, name) = fs::path::split_parent(path);
    let dir = fs::path::lookup(&k.root, &k.root, &dir, true).unwrap();
    let f: InodeRef = RamFile::new(0o755, data.to_vec());
    dir.link(&name, f.clone()).unwrap();
    f
}

#[test]
fn execve_forgets_the_name() {
    let k = TestKernel::new();
    k.root.create("bin", fs::FileKind::Directory, 0o755).unwrap();
    add(&k, "/bin/prog", &tiny_elf());
    let p = k.spawn();
    assert_eq!(set_name(&k, &p, "before-exec"), 0);
    let path = k.poke_str(&p, SCRATCH + 0x800, "/bin/prog");
    let argv0 = k.poke_str(&p, SCRATCH + 0x900, "prog");
    k.poke(&p, SCRATCH + 0xa00, &[argv0.to_le_bytes(), 0usize.to_le_bytes()].concat());
    assert_eq!(k.syscall(&p, Sysno::execve, [path, SCRATCH + 0xa00, 0]), 0);
    // Memory for the name in the new image: MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, read-write.
    assert_eq!(k.syscall(&p, Sysno::mmap, [NAME, 4096, 3, 0x32, usize::MAX, 0]), NAME as isize);
    assert_eq!(get_name(&k, &p), padded("prog"), "the new program's name");
}

fn prctl(k: &TestKernel, p: &Caller, args: [usize; 5]) -> isize {
    k.syscall(p, Sysno::prctl, args)
}

#[test]
fn pdeathsig_is_sent_when_the_parent_ends_and_not_inherited() {
    let k = TestKernel::new();
    let parent = k.spawn();
    let child = k.fork(&parent);
    assert_eq!(prctl(&k, &child, [PR_SET_PDEATHSIG as usize, abi::signal::NSIG + 1, 0, 0, 0]), EINVAL);
    assert_eq!(prctl(&k, &child, [PR_SET_PDEATHSIG as usize, abi::signal::SIGUSR1, 0, 0, 0]), 0);
    assert_eq!(prctl(&k, &child, [PR_GET_PDEATHSIG as usize, SCRATCH, 0, 0, 0]), 0);
    assert_eq!(k.peek_val::<i32>(&child, SCRATCH), abi::signal::SIGUSR1 as i32);
    assert_eq!(prctl(&k, &child, [PR_GET_PDEATHSIG as usize, UNMAPPED, 0, 0, 0]), EFAULT);
    let grandchild = k.fork(&child);
    assert_eq!(prctl(&k, &grandchild, [PR_GET_PDEATHSIG as usize, SCRATCH, 0, 0, 0]), 0);
    assert_eq!(k.peek_val::<i32>(&grandchild, SCRATCH), 0, "a fork starts without one");
    assert!(!child.process().is_exiting());
    k.syscall(&parent, Sysno::exit, [0]);
    // SIGUSR1's default action ends the child.
    assert!(child.process().is_exiting());
    assert!(!grandchild.process().is_exiting());
}

#[test]
fn a_child_subreaper_adopts_orphaned_descendants() {
    let k = TestKernel::new();
    let a = k.spawn();
    assert_eq!(prctl(&k, &a, [PR_SET_CHILD_SUBREAPER as usize, 1, 0, 0, 0]), 0);
    assert_eq!(prctl(&k, &a, [PR_GET_CHILD_SUBREAPER as usize, SCRATCH, 0, 0, 0]), 0);
    assert_eq!(k.peek_val::<i32>(&a, SCRATCH), 1);
    let b = k.fork(&a);
    assert_eq!(prctl(&k, &b, [PR_GET_CHILD_SUBREAPER as usize, SCRATCH, 0, 0, 0]), 0);
    assert_eq!(k.peek_val::<i32>(&b, SCRATCH), 0, "not inherited");
    let c = k.fork(&b);
    k.syscall(&b, Sysno::exit, [0]);
    assert_eq!(k.syscall(&c, Sysno::getppid, []), a.process().pid as isize);
}

#[test]
fn dumpable_no_new_privs_timerslack_and_thp_switches() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(prctl(&k, &p, [PR_GET_DUMPABLE as usize, 0, 0, 0, 0]), 1);
    assert_eq!(prctl(&k, &p, [PR_SET_DUMPABLE as usize, 2, 0, 0, 0]), EINVAL);
    assert_eq!(prctl(&k, &p, [PR_SET_DUMPABLE as usize, 0, 0, 0, 0]), 0);
    assert_eq!(prctl(&k, &p, [PR_GET_DUMPABLE as usize, 0, 0, 0, 0]), 0);
    assert_eq!(prctl(&k, &p, [PR_SET_DUMPABLE as usize, 1, 0, 0, 0]), 0);
    // Changing the effective uid makes the process undumpable (Linux's commit_creds).
    let child = k.fork(&p);
    assert_eq!(k.syscall(&child, Sysno::setresuid, [1000, 1000, 1000]), 0);
    assert_eq!(prctl(&k, &child, [PR_GET_DUMPABLE as usize, 0, 0, 0, 0]), 0);

    assert_eq!(prctl(&k, &p, [PR_GET_NO_NEW_PRIVS as usize, 0, 0, 0, 0]), 0);
    assert_eq!(prctl(&k, &p, [PR_GET_NO_NEW_PRIVS as usize, 1, 0, 0, 0]), EINVAL);
    assert_eq!(prctl(&k, &p, [PR_SET_NO_NEW_PRIVS as usize, 0, 0, 0, 0]), EINVAL);
    assert_eq!(prctl(&k, &p, [PR_SET_NO_NEW_PRIVS as usize, 1, 1, 0, 0]), EINVAL);
    assert_eq!(prctl(&k, &p, [PR_SET_NO_NEW_PRIVS as usize, 1, 0, 0, 0]), 0);
    assert_eq!(prctl(&k, &p, [PR_GET_NO_NEW_PRIVS as usize, 0, 0, 0, 0]), 1);
    assert_eq!(prctl(&k, &k.fork(&p), [PR_GET_NO_NEW_PRIVS as usize, 0, 0, 0, 0]), 1, "inherited");

    assert_eq!(prctl(&k, &p, [PR_GET_TIMERSLACK as usize, 0, 0, 0, 0]), 50_000);
    assert_eq!(prctl(&k, &p, [PR_SET_TIMERSLACK as usize, 70_000, 0, 0, 0]), 0);
    let child = k.fork(&p);
    assert_eq!(prctl(&k, &child, [PR_GET_TIMERSLACK as usize, 0, 0, 0, 0]), 70_000);
    assert_eq!(prctl(&k, &child, [PR_SET_TIMERSLACK as usize, 1, 0, 0, 0]), 0);
    assert_eq!(prctl(&k, &child, [PR_SET_TIMERSLACK as usize, 0, 0, 0, 0]), 0);
    assert_eq!(prctl(&k, &child, [PR_GET_TIMERSLACK as usize, 0, 0, 0, 0]), 70_000, "0: the slack it was born with");
    assert_eq!(prctl(&k, &p, [PR_SET_TIMERSLACK as usize, 0, 0, 0, 0]), 0);
    assert_eq!(prctl(&k, &p, [PR_GET_TIMERSLACK as usize, 0, 0, 0, 0]), 50_000);

    assert_eq!(prctl(&k, &p, [PR_SET_THP_DISABLE as usize, 1, 1, 0, 0]), EINVAL);
    assert_eq!(prctl(&k, &p, [PR_SET_THP_DISABLE as usize, 1, 0, 0, 0]), 0);
    assert_eq!(prctl(&k, &p, [PR_GET_THP_DISABLE as usize, 0, 0, 0, 0]), 1);
    assert_eq!(prctl(&k, &p, [PR_GET_THP_DISABLE as usize, 1, 0, 0, 0]), EINVAL);
    assert_eq!(prctl(&k, &p, [PR_SET_TIMING as usize, 1, 0, 0, 0]), EINVAL);
    assert_eq!(prctl(&k, &p, [PR_SET_TIMING as usize, 0, 0, 0, 0]), 0);
    assert_eq!(prctl(&k, &p, [PR_GET_SECCOMP as usize, 0, 0, 0, 0]), EINVAL, "no seccomp");
}

#[test]
fn ambient_capabilities_need_permitted_and_inheritable() {
    use abi::cred::*;
    let k = TestKernel::new();
    let p = k.spawn();
    let amb = |op: usize, cap: u32| prctl(&k, &p, [PR_CAP_AMBIENT as usize, op, cap as usize, 0, 0]);
    assert_eq!(amb(PR_CAP_AMBIENT_RAISE, CAP_NET_RAW), EPERM, "not inheritable");
    assert_eq!(amb(PR_CAP_AMBIENT_IS_SET, CAP_LAST_CAP + 1), EINVAL);
    assert_eq!(amb(9, 0), EINVAL);
    assert_eq!(prctl(&k, &p, [PR_CAP_AMBIENT as usize, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0]), EINVAL);
    assert_eq!(prctl(&k, &p, [PR_CAP_AMBIENT as usize, PR_CAP_AMBIENT_IS_SET, 1, 1, 0]), EINVAL);
    // capset: make CAP_NET_RAW inheritable too.
    k.poke(&p, SCRATCH, &[0x2008_0522u32.to_le_bytes(), 0u32.to_le_bytes()].concat());
    let data: Vec<u8> =
        [u32::MAX, u32::MAX, 1 << CAP_NET_RAW, u32::MAX, u32::MAX, 0].iter().flat_map(|w| w.to_le_bytes()).collect();
    k.poke(&p, SCRATCH + 8, &data);
    assert_eq!(k.syscall(&p, Sysno::capset, [SCRATCH, SCRATCH + 8]), 0);
    assert_eq!(amb(PR_CAP_AMBIENT_RAISE, CAP_NET_RAW), 0);
    assert_eq!(amb(PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW), 1);
    assert_eq!(amb(PR_CAP_AMBIENT_LOWER, CAP_NET_RAW), 0);
    assert_eq!(amb(PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW), 0);
    assert_eq!(amb(PR_CAP_AMBIENT_RAISE, CAP_NET_RAW), 0);
    assert_eq!(prctl(&k, &p, [PR_CAP_AMBIENT as usize, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0]), 0);
    assert_eq!(amb(PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW), 0);
    // Securebits stay clear: setting any needs CAP_SETPCAP.
    assert_eq!(prctl(&k, &p, [PR_SET_SECUREBITS as usize, 0, 0, 0, 0]), 0);
    assert_eq!(prctl(&k, &p, [PR_SET_SECUREBITS as usize, 1, 0, 0, 0]), EINVAL);
}
