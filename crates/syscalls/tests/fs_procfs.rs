//! procfs through the dispatch table: /proc/self, /proc/<pid>/{stat,status,statm,cmdline,
//! environ,comm,maps,exe,cwd,fd}, /proc/meminfo, uptime, loadavg, stat, cpuinfo, version.
use abi::flags::*;
use mm::aspace::ArgArea;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;

const CWD: usize = AT_FDCWD as usize;
const P1: usize = FsTest::P1;
const AUX: usize = FsTest::AUX;
const ARGS: usize = SCRATCH + 0xd_0000;

/// A kernel with the standard mounts and a process with a long name, argv and envp.
fn fixture() -> FsTest {
    let t = FsTest::with_standard_mounts();
    *t.p.process().exe.lock() = String::from("/bin/a-rather-long-program-name");
    // argv and envp strings as the loader lays them out.
    let strings = b"prog\0-x\0arg two\0HOME=/\0TERM=linux\0";
    t.k.poke(&t.p, ARGS, strings);
    t.p.process().mm.lock().args =
        ArgArea { arg_start: ARGS, arg_end: ARGS + 16, env_start: ARGS + 16, env_end: ARGS + strings.len() };
    t
}

#[test]
fn self_names_the_caller() {
    let t = fixture();
    assert_eq!(t.readlink("/proc/self").unwrap(), t.pid().to_string());
    assert_eq!(t.readlink("/proc/thread-self").unwrap(), format!("{0}/task/{0}", t.pid()));
    let q = t.k.spawn();
    t.k.poke_str(&q, P1, "/proc/self");
    let n = t.k.syscall(&q, Sysno::readlinkat, [CWD, P1, AUX, 64]);
    assert_eq!(t.k.peek(&q, AUX, n as usize), q.process().pid.to_string().as_bytes(), "each sees itself");
    assert_eq!(t.lstat("/proc/self").unwrap().st_mode, S_IFLNK | 0o777);
    assert_eq!(t.lstat("/proc/self/").unwrap().st_mode, S_IFDIR | 0o555);
}

#[test]
fn stat_has_the_52_fields_linux_prints() {
    let t = fixture();
    let stat = t.read("/proc/self/stat");
    assert!(stat.ends_with('\n'));
    let (head, rest) = stat.rsplit_once(") ").unwrap();
    assert_eq!(head, format!("{} (a-rather-long-p", t.pid()), "comm is the exe's name, 15 bytes at most");
    let f: Vec<&str> = rest.split_whitespace().collect();
    assert_eq!(f.len(), 50, "fields 3..=52");
    assert_eq!(f[0], "R", "a process reading its own stat is running");
    assert_eq!(f[1], "0", "ppid of a first process");
    assert_eq!(f[17], "1", "num_threads");
    assert_eq!(f[20].parse::<u64>().unwrap(), {
        let vsize: usize = t.p.process().mm.lock().areas().map(|a| a.end - a.start).sum();
        vsize as u64
    });
    assert!(f[21].parse::<u64>().unwrap() > 0, "rss: the scratch pages we touched");
    assert_eq!(f[22], "18446744073709551615", "rsslim");
    assert_eq!(f[35], "17", "exit_signal SIGCHLD");
    assert_eq!(f[45].parse::<usize>().unwrap(), ARGS, "arg_start");
    assert_eq!(f[48].parse::<usize>().unwrap(), ARGS + 34, "env_end");
}

#[test]
fn another_process_is_seen_sleeping_and_by_its_own_pid() {
    let t = fixture();
    let q = t.k.spawn();
    let stat = t.read(&format!("/proc/{}/stat", q.process().pid));
    assert!(stat.starts_with(&format!("{} () S ", q.process().pid)), "{stat}");
    assert_eq!(t.readlink(&format!("/proc/{}/exe", q.process().pid)), Err(ENOENT), "no executable");
}

/// A forked child that has not run yet can run: 'R', not 'S' (LTP's TST_PROCESS_STATE_WAIT
/// takes 'S' to mean the child is blocked in the call under test). It is 'S' once it waits.
#[test]
fn a_fresh_child_is_runnable_until_it_waits() {
    let t = fixture();
    let child = t.k.fork(&t.p);
    let pid = child.process().pid;
    let stat = t.read(&format!("/proc/{pid}/stat"));
    assert!(stat.starts_with(&format!("{pid} (")) && stat.contains(") R "), "{stat}");
    assert!(t.read(&format!("/proc/{pid}/status")).contains("State:\tR (running)"));
    child.thread().runnable.store(false, core::sync::atomic::Ordering::Relaxed);
    let stat = t.read(&format!("/proc/{pid}/stat"));
    assert!(stat.starts_with(&format!("{pid} (")) && stat.contains(") S "), "{stat}");
}

#[test]
fn status_speaks_in_named_lines() {
    let t = fixture();
    let status = t.read("/proc/self/status");
    let get = |k: &str| {
        status.lines().find_map(|l| l.strip_prefix(&format!("{k}:\t"))).unwrap_or_else(|| panic!("{k} in {status}"))
    };
    assert_eq!(get("Name"), "a-rather-long-p");
    assert_eq!(get("Umask"), "0022");
    assert_eq!(get("State"), "R (running)");
    assert_eq!(get("Pid"), t.pid().to_string());
    assert_eq!(get("Tgid"), t.pid().to_string());
    assert_eq!(get("PPid"), "0");
    assert_eq!(get("Uid"), "0\t0\t0\t0");
    assert_eq!(get("Threads"), "1");
    assert_eq!(get("SigBlk"), "0000000000000000");
    let rss: Vec<&str> = get("VmRSS").split_whitespace().collect();
    assert_eq!(rss[1], "kB");
    assert!(status.lines().any(|l| l == "Groups:\t "), "Linux ends the groups line with a space");
}

#[test]
fn cmdline_and_environ_are_the_strings_in_memory() {
    let t = fixture();
    assert_eq!(t.read_bytes("/proc/self/cmdline").unwrap(), b"prog\0-x\0arg two\0");
    assert_eq!(t.read_bytes("/proc/self/environ").unwrap(), b"HOME=/\0TERM=linux\0");
    assert_eq!(t.read("/proc/self/comm"), "a-rather-long-p\n");
    let statm: Vec<u64> = t.read("/proc/self/statm").split_whitespace().map(|v| v.parse().unwrap()).collect();
    assert_eq!(statm.len(), 7);
    assert_eq!(statm[0], (SCRATCH_LEN as u64 + 4096) / 4096, "size in pages: scratch + read-only page");
}

#[test]
fn maps_lines_have_linux_columns() {
    let t = fixture();
    let maps = t.read("/proc/self/maps");
    let lines: Vec<&str> = maps.lines().collect();
    assert_eq!(lines[0], format!("{:08x}-{:08x} rw-p 00000000 00:00 0 ", SCRATCH, SCRATCH + SCRATCH_LEN));
    assert_eq!(lines[1], format!("{:08x}-{:08x} r--p 00000000 00:00 0 ", READONLY, READONLY + 4096));
    // A named area: the name starts at column 73.
    t.p.process()
        .mm
        .lock()
        .map(0x5000_0000, 8192, mm::Perm::R | mm::Perm::X, mm::aspace::AreaKind::File("/bin/x".into()))
        .unwrap();
    let maps = t.read("/proc/self/maps");
    let named = maps.lines().find(|l| l.ends_with("/bin/x")).unwrap();
    assert_eq!(named.find("/bin/x"), Some(73));
    assert!(named.starts_with("50000000-50002000 r-xp 00000000 00:00 0 "));
}

#[test]
fn fd_lists_the_descriptors_as_links() {
    let t = fixture();
    assert_eq!(t.k.syscall(&t.p, Sysno::pipe2, [AUX + 1024, 0]), 0);
    let names = t.list("/proc/self/fd");
    assert_eq!(names, [".", "..", "0", "1", "2", "3", "4", "5"], "5 is the listing's own descriptor");
    assert_eq!(t.readlink("/proc/self/fd/0").unwrap(), "/dev/console");
    let pipe = t.readlink("/proc/self/fd/3").unwrap();
    assert!(pipe.starts_with("pipe:[") && pipe.ends_with(']'), "{pipe}");
    assert_eq!(t.readlink("/proc/self/fd/9"), Err(ENOENT));
    assert_eq!(t.lstat("/proc/self/fd/3").unwrap().st_mode, S_IFLNK | 0o500, "read end");
    assert_eq!(t.lstat("/proc/self/fd/4").unwrap().st_mode, S_IFLNK | 0o300, "write end");
}

#[test]
fn fd_links_open_the_very_file_even_a_pipe() {
    let t = fixture();
    assert_eq!(t.k.syscall(&t.p, Sysno::pipe2, [AUX + 1024, 0]), 0);
    t.k.poke(&t.p, AUX + 2048, b"through proc");
    assert_eq!(t.k.syscall(&t.p, Sysno::write, [4, AUX + 2048, 12]), 12);
    let fd = t.open("/proc/self/fd/3", 0);
    assert!(fd >= 0, "{fd}");
    assert_eq!(t.k.syscall(&t.p, Sysno::read, [fd as usize, SCRATCH, 100]), 12);
    assert_eq!(t.k.peek(&t.p, SCRATCH, 12), b"through proc");
    // /dev/stdin is /proc/self/fd/0.
    assert_eq!(t.readlink("/dev/stdin").unwrap(), "/proc/self/fd/0");
    assert!(t.open("/dev/stdout", OpenFlags::WRONLY.bits()) >= 0);
}

#[test]
fn cwd_exe_and_root_links() {
    let t = fixture();
    assert_eq!(t.readlink("/proc/self/cwd").unwrap(), "/");
    t.k.poke_str(&t.p, P1, "/tmp");
    assert_eq!(t.k.syscall(&t.p, Sysno::chdir, [P1]), 0);
    assert_eq!(t.readlink("/proc/self/cwd").unwrap(), "/tmp");
    assert_eq!(t.readlink("/proc/self/root").unwrap(), "/");
    assert_eq!(t.readlink("/proc/self/exe").unwrap(), "/bin/a-rather-long-program-name");
    // Following the cwd link lands in the directory itself.
    assert_eq!(t.lstat("/proc/self/cwd/.").unwrap().st_ino, t.lstat("/tmp").unwrap().st_ino);
}

#[test]
fn the_root_lists_processes_and_system_files() {
    let t = fixture();
    let q = t.k.spawn();
    let names = t.list("/proc");
    for want in ["self", "meminfo", "mounts", "uptime", "cpuinfo", &t.pid().to_string(), &q.process().pid.to_string()] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    let own = t.list(&format!("/proc/{}", t.pid()));
    for want in ["stat", "status", "cmdline", "maps", "fd", "exe", "cwd", "task"] {
        assert!(own.iter().any(|n| n == want), "{want} in {own:?}");
    }
    assert_eq!(t.list(&format!("/proc/{}/task", t.pid()))[2..], [t.pid().to_string()]);
    assert_eq!(t.lstat("/proc/999999").err(), Some(ENOENT));
    assert_eq!(t.lstat("/proc/self/nope").err(), Some(ENOENT));
    assert_eq!(t.lstat("/proc/0").err(), Some(ENOENT));
}

#[test]
fn meminfo_lines_are_padded_like_linux() {
    let t = fixture();
    let m = t.read("/proc/meminfo");
    let first: Vec<&str> = m.lines().take(3).collect();
    assert!(first[0].starts_with("MemTotal:       ") && first[0].ends_with(" kB"), "{:?}", first[0]);
    assert_eq!(first[0].len(), 16 + 8 + 3, "label in 16 columns, value in 8");
    assert!(first[1].starts_with("MemFree:"));
    assert!(first[2].starts_with("MemAvailable:"));
    let kb = |l: &str| l.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap();
    assert!(kb(first[1]) <= kb(first[0]));
}

#[test]
fn uptime_loadavg_stat_cpuinfo_version() {
    let t = fixture();
    hal::time::advance_to(hal::time::now_ns().max(12_340_000_000));
    let up = t.read("/proc/uptime");
    let f: Vec<&str> = up.trim_end().split(' ').collect();
    assert_eq!(f.len(), 2);
    assert!(f[0].parse::<f64>().unwrap() >= 12.34);
    assert_eq!(f[0].split('.').nth(1).unwrap().len(), 2, "hundredths");
    let la = t.read("/proc/loadavg");
    assert!(la.starts_with("0.00 0.00 0.00 1/"), "{la}");
    let st = t.read("/proc/stat");
    assert!(st.starts_with("cpu  "), "{st}");
    assert_eq!(st.lines().next().unwrap().split_whitespace().count(), 11);
    assert!(st.lines().any(|l| l.starts_with("btime ")));
    assert!(t.read("/proc/cpuinfo").contains("isa\t\t: rv64imafdc"));
    assert!(t.read("/proc/version").starts_with("Linux version 6.1.0-bakaex "));
}

#[test]
fn proc_files_refuse_writes_like_linux() {
    let t = fixture();
    let fd = t.open("/proc/meminfo", OpenFlags::WRONLY.bits());
    assert!(fd >= 0);
    t.k.poke(&t.p, SCRATCH, b"x");
    assert_eq!(t.k.syscall(&t.p, Sysno::write, [fd as usize, SCRATCH, 1]), EIO);
    let fd = t.open("/proc/self/stat", OpenFlags::WRONLY.bits());
    assert_eq!(t.k.syscall(&t.p, Sysno::write, [fd as usize, SCRATCH, 1]), EINVAL);
    t.k.poke_str(&t.p, P1, "/proc/newfile");
    assert!(t.k.syscall(&t.p, Sysno::openat, [CWD, P1, OpenFlags::CREAT.bits() as usize, 0]) < 0);
}

#[test]
fn a_zombie_keeps_its_stat_but_loses_its_memory_files() {
    let t = fixture();
    let q = t.k.spawn();
    let pid = q.process().pid;
    *q.process().exe.lock() = String::from("/bin/z");
    assert_eq!(t.k.syscall(&q, Sysno::exit_group, [3]), 0);
    if !q.process().is_zombie() {
        return; // Only processes with a parent linger as zombies.
    }
    let stat = t.read(&format!("/proc/{pid}/stat"));
    assert!(stat.starts_with(&format!("{pid} (z) Z ")), "{stat}");
    assert_eq!(t.read_bytes(&format!("/proc/{pid}/cmdline")).unwrap(), b"");
}

/// The sysctl values are kernel-wide statics shared by every test thread of this binary:
/// the test that rewrites them and the one that reads the defaults take turns.
static SYSCTL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn proc_sys_holds_the_limits_programs_read() {
    let _turn = SYSCTL.lock().unwrap_or_else(|e| e.into_inner());
    let t = fixture();
    assert!(t.list("/proc").iter().any(|n| n == "sys"));
    assert_eq!(t.list("/proc/sys")[2..], ["kernel", "fs", "vm"]);
    assert_eq!(t.read("/proc/sys/kernel/pid_max"), "4194304\n");
    assert_eq!(t.read("/proc/sys/kernel/tainted"), "0\n");
    assert_eq!(t.read("/proc/sys/kernel/version"), "#1 BakaEx\n");
    assert_eq!(t.read("/proc/sys/kernel/osrelease"), "6.1.0-bakaex\n");
    assert_eq!(t.read("/proc/sys/fs/pipe-max-size"), "1048576\n");
    assert_eq!(t.read("/proc/sys/fs/pipe-user-pages-soft"), "16384\n");
    assert_eq!(t.list("/proc/sys/fs/inotify")[2..], ["max_queued_events", "max_user_instances", "max_user_watches"]);
    assert_eq!(t.read("/proc/sys/kernel/threads-max"), format!("{}\n", task::process::max_threads()));
    assert_eq!(t.lstat("/proc/sys/kernel").unwrap().st_mode, S_IFDIR | 0o555);
    assert_eq!(t.lstat("/proc/sys/vm/max_map_count").unwrap().st_mode, S_IFREG | 0o644);
    assert_eq!(t.lstat("/proc/sys/kernel/tainted").unwrap().st_mode, S_IFREG | 0o444);
    assert_eq!(t.lstat("/proc/sys/kernel/nope").err(), Some(ENOENT));
    assert_eq!(t.lstat("/proc/sys/kern").err(), Some(ENOENT), "a prefix of a name is not a directory");
    assert_eq!(t.read("/proc/sys/kernel/../fs/nr_open"), "1048576\n");
    let fd = t.open("/proc/sys/kernel/tainted", OpenFlags::WRONLY.bits());
    t.k.poke(&t.p, SCRATCH, b"1");
    assert_eq!(t.k.syscall(&t.p, Sysno::write, [fd as usize, SCRATCH, 1]), EACCES);
}

/// Write `text` to `path` as fopen(path, "w") + fprintf do: O_TRUNC, then one write.
fn write_sysctl(t: &FsTest, path: &str, text: &str) -> isize {
    let fd = t.open(path, (OpenFlags::WRONLY | OpenFlags::TRUNC).bits());
    assert!(fd >= 0, "open {path}: {fd}");
    t.k.poke(&t.p, SCRATCH, text.as_bytes());
    let r = t.k.syscall(&t.p, Sysno::write, [fd as usize, SCRATCH, text.len()]);
    t.close(fd);
    r
}

#[test]
fn root_tunes_proc_sys() {
    let _turn = SYSCTL.lock().unwrap_or_else(|e| e.into_inner());
    let t = fixture();
    // Enforced: pipe-max-size caps what an unprivileged F_SETPIPE_SZ may ask.
    assert_eq!(write_sysctl(&t, "/proc/sys/fs/pipe-max-size", "8000\n"), 5);
    assert_eq!(t.read("/proc/sys/fs/pipe-max-size"), "8192\n", "rounded to pages, a power of two");
    assert_eq!(write_sysctl(&t, "/proc/sys/fs/pipe-max-size", "x"), EINVAL);
    assert_eq!(t.k.syscall(&t.p, Sysno::pipe2, [SCRATCH + 0x100, 0]), 0);
    let wfd = t.k.peek_val::<[i32; 2]>(&t.p, SCRATCH + 0x100)[1] as usize;
    let f_setpipe_sz = 1031;
    assert_eq!(t.k.syscall(&t.p, Sysno::fcntl, [wfd, f_setpipe_sz, 1 << 20]), 1 << 20, "root may pass it");
    assert_eq!(t.k.syscall(&t.p, Sysno::fcntl, [wfd, f_setpipe_sz, (1 << 31) + 1]), EINVAL);
    // A new pipe starts at 64 KiB, a user's no larger than pipe-max-size.
    let f_getpipe_sz = 1032;
    let user = t.k.fork(&t.p);
    assert_eq!(t.k.syscall(&user, Sysno::setuid, [1000]), 0);
    for (who, size) in [(&t.p, 65536), (&user, 8192)] {
        assert_eq!(t.k.syscall(who, Sysno::pipe2, [SCRATCH + 0x100, 0]), 0);
        let fd = t.k.peek_val::<[i32; 2]>(who, SCRATCH + 0x100)[0] as usize;
        assert_eq!(t.k.syscall(who, Sysno::fcntl, [fd, f_getpipe_sz]), size);
    }
    // Remembered values read back; a bad one is refused.
    assert_eq!(write_sysctl(&t, "/proc/sys/kernel/core_pattern", "|/bin/false %p\n"), 15);
    assert_eq!(t.read("/proc/sys/kernel/core_pattern"), "|/bin/false %p\n");
    assert_eq!(write_sysctl(&t, "/proc/sys/vm/max_map_count", "-1"), EINVAL);
    assert_eq!(write_sysctl(&t, "/proc/sys/vm/max_map_count", " 100\n"), 5);
    assert_eq!(t.read("/proc/sys/vm/max_map_count"), "100\n");
    // The domain name is the one uname reports.
    assert_eq!(write_sysctl(&t, "/proc/sys/kernel/domainname", "example.org\n"), 12);
    assert_eq!(t.k.syscall(&t.p, Sysno::uname, [SCRATCH + 0x1000]), 0);
    assert_eq!(t.k.peek(&t.p, SCRATCH + 0x1000 + 5 * 65, 12), b"example.org\0");
    // msgmni bounds the number of queues.
    assert_eq!(write_sysctl(&t, "/proc/sys/kernel/msgmni", "0"), 1);
    assert_eq!(t.k.syscall(&t.p, Sysno::msgget, [0, 0o600]), ENOSPC);
    assert_eq!(write_sysctl(&t, "/proc/sys/kernel/msgmni", "32000"), 5);
    assert!(t.k.syscall(&t.p, Sysno::msgget, [0, 0o600]) >= 0);
    assert_eq!(write_sysctl(&t, "/proc/sys/fs/pipe-max-size", "1048576"), 7);
    // Only root may write.
    assert_eq!(t.k.syscall(&t.p, Sysno::setuid, [1000]), 0);
    assert_eq!(t.open("/proc/sys/vm/max_map_count", OpenFlags::WRONLY.bits()), EACCES);
}
