//! Linked applications on the host: the same apps the kernel links, started as processes of a
//! test kernel and run by the executor; their output is the console's.
use abi::Sysno;
use app::App;
use std::string::String;
use std::vec;
use syscalls::testing::TestKernel;
use task::process::ExitStatus;

/// Run the executor until `p` has ended; its exit status.
fn run_to_end(p: &std::sync::Arc<task::Process>) -> ExitStatus {
    for _ in 0..10_000 {
        if let Some(s) = p.exit_status() {
            return s;
        }
        if task::executor::run_ready() == 0 && p.exit_status().is_none() {
            panic!("linked application blocked for good");
        }
    }
    panic!("linked application did not end");
}

fn args(list: &[&str]) -> std::vec::Vec<String> {
    list.iter().map(|s| String::from(*s)).collect()
}

#[test]
fn hello_writes_its_greeting_to_the_console() {
    let k = TestKernel::new();
    let p = app::start(&k.root, &hello::APP, args(&["hello", "a", "b"])).unwrap();
    assert_eq!(run_to_end(&p), ExitStatus::Exited(0));
    assert_eq!(
        k.console_output(),
        format!("Hello from a linked application: pid {}, no trap, no copy. args: [a b]\n", p.pid)
    );
}

#[test]
fn pipeline_moves_data_between_two_linked_tasks_and_through_a_file() {
    let k = TestKernel::new();
    let p = app::start(&k.root, &pipeline::APP, args(&["pipeline"])).unwrap();
    assert_eq!(run_to_end(&p), ExitStatus::Exited(0));
    let out = k.console_output();
    let bytes = 1000 * "line 0000 of the pipeline workload\n".len();
    assert_eq!(
        out,
        format!(
            "pipeline: 1000 lines, {bytes} bytes through the pipe, {bytes} bytes in /tmp/pipeline.txt, content \
             matches; producer pid {} exited with 0\n",
            p.pid + 1
        )
    );
    // The file was removed again.
    assert!(fs::path::lookup(&k.root, &k.root, "/tmp/pipeline.txt", true).is_err());
}

app::linked_app!(PROBE, "probe", probe);

/// Errors come back as from the trap path; a linked process also works through the dispatch
/// table with its own pointers.
async fn probe(app: App) -> i32 {
    let missing = app.open("/no/such/file", 0, 0).await;
    assert_eq!(missing, Err(abi::Errno::ENOENT));
    assert_eq!(app.close(99).await, Err(abi::Errno::EBADF));
    let msg = b"through the table\n";
    let r = syscalls::dispatch(app.caller(), Sysno::write.0, [1, msg.as_ptr() as usize, msg.len(), 0, 0, 0]).await;
    assert_eq!(r, msg.len() as isize);
    // NULL is EFAULT, not a kernel fault.
    let r = syscalls::dispatch(app.caller(), Sysno::write.0, [1, 0, 4, 0, 0, 0]).await;
    assert_eq!(r, abi::Errno::EFAULT.as_ret());
    // No user address space: mmap has nothing to map into.
    let r = syscalls::dispatch(app.caller(), Sysno::mmap.0, [0, 4096, 3, 0x22, usize::MAX, 0]).await;
    assert_eq!(r, abi::Errno::ENOMEM.as_ret());
    let mut buf = [0u8; 8];
    let fds = app.pipe().await.unwrap();
    assert_eq!(app.write(fds[1], b"abc").await, Ok(3));
    assert_eq!(app.read(fds[0], &mut buf).await, Ok(3));
    assert_eq!(&buf[..3], b"abc");
    app.exit(7).await;
    unreachable!("exit returned");
}

#[test]
fn errors_dispatch_and_exit_behave_as_for_a_trapped_program() {
    let k = TestKernel::new();
    let p = app::start(&k.root, &PROBE, vec![String::from("probe")]).unwrap();
    assert_eq!(run_to_end(&p), ExitStatus::Exited(7));
    assert_eq!(k.console_output(), "through the table\n");
}
