//! Host tests of user threads: the trap path with `syscalls::testing::TestKernel`'s processes,
//! and a [`Script`] machine on which [`crate::run`], the kernel's own loop, runs a thread.
use crate::thread::Machine;
use alloc::vec::Vec;
use hal::context::{reg, Trap, UserContext};
use sync::Mutex;
use syscalls::testing::TestKernel;
use syscalls::{Caller, Sysno};

/// Syscalls through the whole trap path, for tests of `syscalls::testing::TestKernel`.
pub trait Ecall {
    /// Run syscall `n` the way a user program does: through the whole trap path (the pc moves
    /// past the `ecall`, the call is dispatched, then signals are delivered, interrupted calls
    /// restarted or made EINTR). Returns a0 afterwards; `cx`'s registers show the rest.
    fn ecall<const N: usize>(&self, cx: &Caller, n: Sysno, args: [usize; N]) -> isize;
}

impl Ecall for TestKernel {
    fn ecall<const N: usize>(&self, cx: &Caller, n: Sysno, args: [usize; N]) -> isize {
        set_syscall(&mut cx.thread().ctx.lock(), n, &args);
        task::executor::block_on(crate::handle_user_trap(cx, Trap::Syscall));
        cx.thread().ctx.lock().return_value()
    }
}

/// Put the `ecall` of `n` with `args` in the registers, as a program does before it.
pub fn set_syscall(ctx: &mut UserContext, n: Sysno, args: &[usize]) {
    ctx.x[reg::A7] = n.0;
    ctx.x[reg::A0..reg::A0 + args.len()].copy_from_slice(args);
}

/// What happened on a [`Script`] machine, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A page table was made live (`None`: the kernel's own).
    Activate(Option<usize>),
    /// The thread entered user mode at this pc.
    Enter { pc: usize },
    /// The fast path took the `ecall` of this number: the program went on at once.
    Fast(usize),
    /// A trap reached the loop.
    Trap(Trap),
    /// A timer tick.
    Tick,
}

/// A machine whose "user mode" is a closure: each call plays the program from the registers it
/// is given until its next trap (it changes the registers as the program would, e.g. puts a
/// syscall's number and arguments in them) and returns that trap. As on the real machine an
/// `ecall` is offered to the fast path first, and if that takes it the program goes on: the
/// closure is called again without the loop seeing the trap.
pub struct Script<P> {
    program: Mutex<P>,
    events: Mutex<Vec<Event>>,
}

impl<P: FnMut(&mut UserContext) -> Trap + Send> Script<P> {
    pub fn new(program: P) -> Self {
        Script { program: Mutex::new(program), events: Mutex::new(Vec::new()) }
    }

    /// Everything that happened so far.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().clone()
    }

    fn log(&self, e: Event) {
        self.events.lock().push(e);
    }
}

impl<P: FnMut(&mut UserContext) -> Trap + Send + 'static> Machine for Script<P> {
    fn activate(&self, root: Option<usize>) {
        self.log(Event::Activate(root));
    }

    fn entering(&self, _now: u64) {}

    fn run_user<H: FnMut(&mut UserContext) -> bool>(&self, ctx: &mut UserContext, fast: &mut H) -> Trap {
        self.log(Event::Enter { pc: ctx.pc() });
        loop {
            let trap = (self.program.lock())(ctx);
            if trap == Trap::Syscall {
                let n = ctx.syscall().0;
                if fast(ctx) {
                    self.log(Event::Fast(n));
                    continue;
                }
            }
            self.log(Event::Trap(trap));
            return trap;
        }
    }

    fn tick(&self, _now: u64) {
        self.log(Event::Tick);
    }
}
