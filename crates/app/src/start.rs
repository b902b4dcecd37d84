//! Starting linked applications: as a first program (from the kernel's `init=` line) or as a
//! child of another one ([`App::spawn`]), and running their `main` as an executor task.
use crate::{App, LinkedApp};
use abi::SysResult;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::task::Poll;
use fs::InodeRef;
use hal::context::UserContext;
use mm::AddressSpace;
use sync::Mutex;
use syscalls::Caller;
use task::process::{root_context, ProcessParts};
use task::{Process, Thread};

/// A linked application's entry point: `async fn main(app: App) -> i32`, boxed.
pub type Main = fn(App) -> Pin<Box<dyn Future<Output = i32> + Send>>;

/// The application called `name` among `apps`.
pub fn find<'a>(apps: &'a [LinkedApp], name: &str) -> Option<&'a LinkedApp> {
    apps.iter().find(|a| a.name == name)
}

/// Start `app` as one of the first programs (no parent, like an ELF named on the `init=` line):
/// the console on fds 0-2, `/` as root and cwd. Returns its process.
pub fn start(root: &InodeRef, app: &LinkedApp, args: Vec<String>) -> SysResult<Arc<Process>> {
    let process =
        Process::new(None, AddressSpace::linked()?, syscalls::exec::console_fds()?, root_context(root.clone()));
    Ok(run(process, app, args))
}

impl App {
    /// Start `app` as a child process of this one, as fork would: a copy of this process's
    /// descriptors and working directory. Returns its pid (for [`App::wait`]).
    pub fn spawn(&self, app: &LinkedApp, args: Vec<String>) -> SysResult<usize> {
        let me = self.cx.process();
        let parts = ProcessParts {
            mm: Arc::new(Mutex::new(AddressSpace::linked()?)),
            files: me.files.copy(),
            fs: me.fs.copy(),
            sigactions: me.sigactions.copy(),
        };
        let child = Process::with_parts(Some(me), parts, abi::signal::SIGCHLD);
        let pid = child.pid;
        run(child, app, args);
        Ok(pid)
    }
}

/// Give `process` its one thread and run `app`'s main on the executor until it returns (the
/// process exits with its value) or the process is ended (exit_group, a fatal signal), which
/// drops the task at its next poll.
fn run(process: Arc<Process>, app: &LinkedApp, args: Vec<String>) -> Arc<Process> {
    *process.exe.lock() = String::from(app.name);
    let thread = Thread::new_main(&process, UserContext::new(0, 0));
    let mut main = (app.main)(App { cx: Caller::new(thread.clone()), args });
    let t = thread.clone();
    // A panic in the application or a syscall it called ends its process as SIGSEGV would.
    let panicked = move |p: &hal::unwind::Panicked| {
        t.end_by_panic(p);
        t.process.release_mm();
    };
    task::executor::spawn_isolated(
        async move {
            let code = core::future::poll_fn(|waker| {
                if thread.exiting() {
                    return Poll::Ready(0);
                }
                match main.as_mut().poll(waker) {
                    Poll::Pending if thread.exiting() => Poll::Ready(0),
                    other => other,
                }
            })
            .await;
            thread.exit(code);
            thread.process.release_mm();
        },
        panicked,
    );
    process
}
