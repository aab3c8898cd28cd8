//! Green tasks: plain closures run as tasks on the scheduler, each on a stack of its own
//! (corosensei), so that any function they call, at any depth, can wait on the loop. gevent's
//! greenlets, joined to the loop by the operations of `sched` that would block.
//!
//! A green task suspends inside [`suspend`]: the operation hands its request to the loop and
//! the task's stack stays where it was until the reply. The loop sets the running green task
//! around each resume and clears it after, so code running anywhere else (a stackless task, the
//! loop, a thread) never suspends a green task's stack from outside it.

use std::any::Any;
use std::cell::Cell;
use std::sync::Arc;

use corosensei::stack::{DefaultStack, Stack};
use corosensei::{Coroutine, CoroutineResult};

use crate::sched::protocol::{Body, ErasedTask, Reply, Request, Resumed};
use crate::sched::task::Task;

/// The stack a green task gets unless told ([`Task::green_with_stack`]): 256 KiB of address
/// space, of which only the pages touched are resident (an idle task that handled a connection
/// holds a few KiB).
pub const DEFAULT_GREEN_STACK: usize = 256 << 10;

type Yielder = corosensei::Yielder<Reply, Request>;

thread_local! {
    /// The yielder of the green task running on this thread (null when none runs).
    static RUNNING: Cell<*const Yielder> = const { Cell::new(std::ptr::null()) };
    /// The running green task's guard page and name, for the stack-overflow message.
    static GUARD: Cell<(usize, usize, *const u8, usize)> =
        const { Cell::new((0, 0, std::ptr::null(), 0)) };
}

/// Hands `request` to the loop from the running green task, wherever in its stack this is
/// called, and returns the loop's reply when it resumes the task; `Err(request)` when no green
/// task is running on this thread.
pub(crate) fn suspend(request: Request) -> Result<Reply, Request> {
    let yielder = RUNNING.with(Cell::get);
    if yielder.is_null() {
        return Err(request);
    }
    // SAFETY: `RUNNING` is non-null only while the green task that set it runs on this thread
    // (the loop clears it whenever the task's resume returns, by suspension, end or panic, and
    // `hidden` clears it around a nested coroutine), so this code runs on that task's stack and
    // its yielder, which lives on that stack for the coroutine's life, is valid.
    let reply = unsafe { &*yielder }.suspend(request);
    // Other tasks ran meanwhile and cleared it: this one runs again.
    RUNNING.with(|r| r.set(yielder));
    Ok(reply)
}

/// Runs `f` with no green task marked running: for a coroutine nested in a green task (a
/// `greenlet`), whose stack is not the green task's, so an operation there blocks instead of
/// switching stacks from the wrong one.
pub(crate) fn hidden<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(*const Yielder);
    impl Drop for Restore {
        fn drop(&mut self) {
            RUNNING.with(|r| r.set(self.0));
        }
    }
    let _restore = Restore(RUNNING.with(|r| r.replace(std::ptr::null())));
    f()
}

/// A green task's body: the coroutine on its own stack.
struct GreenBody {
    coroutine: Option<Coroutine<Reply, Request, Box<dyn Any>, DefaultStack>>,
    name: Arc<str>,
    stack_size: usize,
    /// The guard page below the stack: an access there is an overflow.
    guard: (usize, usize),
}

impl Body for GreenBody {
    fn resume(&mut self, reply: Reply) -> Resumed {
        struct Leave;
        impl Drop for Leave {
            fn drop(&mut self) {
                RUNNING.with(|r| r.set(std::ptr::null()));
                GUARD.with(|g| g.set((0, 0, std::ptr::null(), 0)));
            }
        }
        let coroutine = self
            .coroutine
            .as_mut()
            .expect("genpipe: a green task resumed after its end");
        GUARD.with(|g| {
            g.set((
                self.guard.0,
                self.guard.1,
                self.name.as_ptr(),
                self.name.len(),
            ));
        });
        overflow::note_stack_size(self.stack_size);
        // Cleared however the resume returns, a panic included.
        let _leave = Leave;
        match coroutine.resume(reply) {
            CoroutineResult::Yield(Request(call)) => Resumed::Called(call),
            CoroutineResult::Return(value) => {
                self.coroutine = None;
                Resumed::Ended(value)
            }
        }
    }
}

impl<R: 'static> Task<R> {
    /// A green task: `body` runs on a stack of its own ([`DEFAULT_GREEN_STACK`]), and every
    /// operation of [`sched`](crate::sched) it or any function it calls makes (a
    /// [`net`](crate::sched::net) socket's `Read`/`Write`, [`sleep`](crate::sched::sleep),
    /// [`yield_now`](crate::sched::yield_now), a channel's `recv`, [`join`](crate::sched::join),
    /// [`perform`](crate::sched::perform) of any system call) suspends the task and lets the
    /// loop run others until it can go on. Plain library code that takes `impl Read + Write`
    /// works unchanged on a green `TcpStream`: gevent's monkey patching, done by types.
    ///
    /// It shares the stackless tasks' ready queue, poller, timers, `Blocking` threads, outcomes
    /// and trace, and never changes thread (the loop runs on one, and a task's stack with it),
    /// so thread-locals stay valid across its waits. A panic in it is its outcome; a stack
    /// overflow ends the process with a message naming it (not a bare SIGSEGV). Feature
    /// `stackful`.
    ///
    /// # Example
    /// ```
    /// use genpipe::sched::net::{TcpListener, TcpStream};
    /// use genpipe::sched::{Scheduler, Task};
    /// use std::io::{BufRead, BufReader, Write};
    ///
    /// // Plain blocking-looking code, two calls deep: it knows nothing of the scheduler.
    /// fn greet(stream: TcpStream) -> std::io::Result<String> {
    ///     let mut reader = BufReader::new(&stream);
    ///     let mut name = String::new();
    ///     reader.read_line(&mut name)?;
    ///     reply(&stream, name.trim())
    /// }
    ///
    /// fn reply(mut out: &TcpStream, name: &str) -> std::io::Result<String> {
    ///     writeln!(out, "hello {name}")?;
    ///     Ok(name.to_string())
    /// }
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let addr = listener.local_addr()?;
    /// let mut s = Scheduler::new();
    /// s.spawn(Task::green("server", move || {
    ///     let stream = listener.incoming().next().expect("accept never ends")?;
    ///     greet(stream)
    /// }));
    /// s.spawn(Task::green("client", move || -> std::io::Result<String> {
    ///     let stream = TcpStream::connect(addr)?;
    ///     // gevent's sendall; `stream.write_all(..)` names the stackless tasks' system call.
    ///     stream.send_all(b"ada\n")?;
    ///     let mut line = String::new();
    ///     BufReader::new(&stream).read_line(&mut line)?;
    ///     Ok(line)
    /// }));
    /// let ended = s.run();
    /// let value = |name| {
    ///     let o = ended.iter().find(|o| o.name() == name).unwrap();
    ///     o.value::<std::io::Result<String>>().unwrap().as_ref().unwrap().clone()
    /// };
    /// assert_eq!((value("server"), value("client")), ("ada".into(), "hello ada\n".into()));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn green(name: &str, body: impl FnOnce() -> R + 'static) -> Task<R> {
        Task::green_with_stack(name, DEFAULT_GREEN_STACK, body)
    }

    /// [`green`](Task::green) on a stack of `bytes` (rounded up to whole pages, plus a guard
    /// page): more for deep recursion, less for many idle tasks.
    ///
    /// # Example
    /// ```
    /// use genpipe::sched::{Scheduler, Task, yield_now};
    ///
    /// fn depth(n: u64) -> u64 {
    ///     if n == 0 {
    ///         yield_now(); // suspends from 10,000 frames down
    ///         0
    ///     } else {
    ///         1 + depth(n - 1)
    ///     }
    /// }
    ///
    /// let mut s = Scheduler::new();
    /// s.spawn(Task::green_with_stack("deep", 8 << 20, || depth(10_000)));
    /// assert_eq!(s.run()[0].value::<u64>(), Some(&10_000));
    /// ```
    ///
    /// # Panics
    /// If the OS cannot map the stack.
    pub fn green_with_stack(
        name: &str,
        bytes: usize,
        body: impl FnOnce() -> R + 'static,
    ) -> Task<R> {
        overflow::install_handler();
        let stack = DefaultStack::new(bytes).expect("the OS maps a stack for a green task");
        let limit = stack.limit().get();
        let guard = (limit, limit + page_size());
        let coroutine = Coroutine::with_stack(stack, move |yielder: &Yielder, _start: Reply| {
            RUNNING.with(|r| r.set(std::ptr::from_ref(yielder)));
            Box::new(body()) as Box<dyn Any>
        });
        let name: Arc<str> = Arc::from(name);
        Task::from_erased(ErasedTask {
            name: name.to_string(),
            body: Box::new(GreenBody {
                coroutine: Some(coroutine),
                name,
                stack_size: bytes,
                guard,
            }),
        })
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf reads a constant of the system; no memory is passed.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}

/// A message instead of a bare SIGSEGV when a green task overflows its stack.
mod overflow {
    use std::cell::Cell;
    use std::sync::Once;

    use super::GUARD;

    thread_local! {
        static STACK_SIZE: Cell<usize> = const { Cell::new(0) };
    }

    pub(super) fn note_stack_size(bytes: usize) {
        STACK_SIZE.with(|s| s.set(bytes));
    }

    static INSTALL: Once = Once::new();
    static mut PREVIOUS: [Option<libc::sigaction>; 2] = [None, None];

    /// Installs the handler for SIGSEGV and SIGBUS once, keeping the previous ones (std's,
    /// which reports a thread's own stack overflow) to pass other faults to.
    pub(super) fn install_handler() {
        INSTALL.call_once(|| {
            for (i, signal) in [libc::SIGSEGV, libc::SIGBUS].into_iter().enumerate() {
                // SAFETY: a zeroed `sigaction` is a valid value to fill; the handler installed
                // is async-signal-safe (it reads const-initialized thread-locals, writes to
                // stderr with `write(2)` and aborts, or hands the signal on). `PREVIOUS` is
                // written here once, before the handler can run (`call_once`), and only read
                // after.
                unsafe {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = handler as *const () as usize;
                    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                    libc::sigemptyset(&mut action.sa_mask);
                    let mut previous: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(signal, &action, &mut previous) == 0 {
                        PREVIOUS[i] = Some(previous);
                    }
                }
            }
        });
    }

    /// Writes `bytes` to stderr, ignoring errors (in a signal handler there is nothing else).
    fn write_stderr(bytes: &[u8]) {
        // SAFETY: `write` is async-signal-safe; the buffer is valid for its length.
        unsafe {
            libc::write(2, bytes.as_ptr().cast(), bytes.len());
        }
    }

    fn write_number(mut n: usize) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        write_stderr(&digits[at..]);
    }

    extern "C" fn handler(
        signal: libc::c_int,
        info: *mut libc::siginfo_t,
        context: *mut libc::c_void,
    ) {
        // SAFETY: the kernel passes a valid `siginfo_t` to an SA_SIGINFO handler.
        let address = unsafe { (*info).si_addr() } as usize;
        let (low, high, name, len) = GUARD.with(Cell::get);
        if low != 0 && (low..high).contains(&address) {
            write_stderr(b"\ngenpipe: green task '");
            if !name.is_null() {
                // SAFETY: the name's bytes are kept alive by the running task's body, which
                // set this pointer for the length given.
                write_stderr(unsafe { std::slice::from_raw_parts(name, len) });
            }
            write_stderr(b"' overflowed its stack of ");
            write_number(STACK_SIZE.with(Cell::get));
            write_stderr(b" bytes (Task::green_with_stack gives more)\n");
            // SAFETY: abort is async-signal-safe and does not return.
            unsafe { libc::abort() };
        }
        // Not a green task's overflow: the previous handler's, or the default action.
        let i = usize::from(signal == libc::SIGBUS);
        // SAFETY: written once before this handler was installed (see `install_handler`).
        let previous = unsafe { (*std::ptr::addr_of!(PREVIOUS))[i] };
        match previous {
            Some(previous)
                if previous.sa_sigaction != libc::SIG_DFL
                    && previous.sa_sigaction != libc::SIG_IGN =>
            {
                if previous.sa_flags & libc::SA_SIGINFO != 0 {
                    // SAFETY: the previous handler was installed as an SA_SIGINFO handler of
                    // this signature; it gets what the kernel passed.
                    let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                        unsafe { std::mem::transmute(previous.sa_sigaction) };
                    f(signal, info, context);
                } else {
                    // SAFETY: as above, a plain handler.
                    let f: extern "C" fn(libc::c_int) =
                        unsafe { std::mem::transmute(previous.sa_sigaction) };
                    f(signal);
                }
            }
            _ => {
                // SAFETY: restoring the default action; returning re-runs the faulting access,
                // which then ends the process as it would have without this handler.
                unsafe {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = libc::SIG_DFL;
                    libc::sigaction(signal, &action, std::ptr::null_mut());
                }
            }
        }
    }
}
