//! The protocol between a task and the loop, below both: what a task asks (`Call`), what it
//! is resumed with (`Answer`), the erased body the loop resumes, a socket's registration, and
//! the context the loop sets around each resume (the running task, its I/O budget, the tasks a
//! call woke). The tasks (`task.rs`, `calls.rs`, `net.rs`, `channel.rs`, `green.rs`) and the
//! loop (`scheduler.rs`, `driver.rs`) import this; it imports neither.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A task's id: 1, 2, 3, ... in spawn order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tid(pub u64);

impl fmt::Display for Tid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a system call was refused: a reply, never a panic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchedError {
    /// No task has this id (never spawned; for `Kill`, or ended already).
    NoSuchTask(Tid),
    /// A task asked to wait for or kill itself.
    Yourself,
}

impl fmt::Display for SchedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchedError::NoSuchTask(tid) => write!(f, "no task {tid}"),
            SchedError::Yourself => f.write_str("a task cannot wait for or kill itself"),
        }
    }
}

impl std::error::Error for SchedError {}

/// Why [`Join`](crate::sched::Join) has no value for the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoinError {
    /// No task has this id, or its outcome was handed back by an earlier `run()`.
    NoSuchTask(Tid),
    /// A task asked to join itself.
    Yourself,
    /// The task panicked, with this message.
    Panicked(String),
    /// Another task killed it.
    Killed,
    /// An earlier `Join` took its value.
    Taken,
    /// Its value is not of the type asked for.
    WrongType,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::NoSuchTask(tid) => write!(f, "no task {tid}"),
            JoinError::Yourself => f.write_str("a task cannot join itself"),
            JoinError::Panicked(message) => write!(f, "the task panicked: {message}"),
            JoinError::Killed => f.write_str("the task was killed"),
            JoinError::Taken => f.write_str("another join took the task's value"),
            JoinError::WrongType => f.write_str("the task's value is of another type"),
        }
    }
}

impl std::error::Error for JoinError {}

/// A [`Timeout`](crate::sched::Timeout)'s error: the time ran out before the call was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(pub Duration);

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timed out after {:?}", self.0)
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(e: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, e)
    }
}

/// What a task asks of the scheduler: made by [`SystemCall::into_request`](crate::sched::SystemCall).
#[doc(hidden)]
pub struct Request(pub(crate) Call);

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.describe())
    }
}

pub(crate) enum Call {
    Yield,
    GetTid,
    Spawn(ErasedTask),
    Kill(Tid),
    Wait(Tid),
    Join(Tid),
    Sleep(Duration),
    /// A descriptor lent for one wait (`ReadWait`, `WriteWait`): registered for it alone.
    Lent {
        fd: RawFd,
        write: bool,
    },
    /// A socket of `net`, registered once with the poller.
    Io {
        handle: Arc<IoHandle>,
        write: bool,
    },
    /// Until another task wakes this one (a channel).
    Park,
    Blocking(Box<dyn FnOnce() -> Box<dyn Any + Send> + Send>),
    /// The call, or `Answer::TimedOut` at the instant.
    Deadline(Box<Call>, Instant),
}

impl Call {
    /// What the trace shows of it.
    pub(crate) fn describe(&self) -> String {
        match self {
            Call::Yield => "Yield".into(),
            Call::GetTid => "GetTid".into(),
            Call::Spawn(task) => format!("Spawn({})", task.name),
            Call::Kill(tid) => format!("Kill({tid})"),
            Call::Wait(tid) => format!("Wait({tid})"),
            Call::Join(tid) => format!("Join({tid})"),
            Call::Sleep(d) => format!("Sleep({d:?})"),
            Call::Lent { fd, write } => wait_name(*fd, *write),
            Call::Io { handle, write } => wait_name(handle.fd, *write),
            Call::Park => "Park".into(),
            Call::Blocking(_) => "Blocking".into(),
            Call::Deadline(call, _) => format!("Timeout({})", call.describe()),
        }
    }
}

fn wait_name(fd: RawFd, write: bool) -> String {
    if write {
        format!("WriteWait(fd {fd})")
    } else {
        format!("ReadWait(fd {fd})")
    }
}

/// What the scheduler resumes a task with.
#[doc(hidden)]
pub struct Reply(pub(crate) Answer);

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Reply(..)")
    }
}

pub(crate) enum Answer {
    Start,
    Unit,
    Tid(Tid),
    Checked(Result<(), SchedError>),
    Value(Box<dyn Any + Send>),
    Joined(Result<Box<dyn Any>, JoinError>),
    TimedOut,
}

/// What a system call does next: ask the scheduler (and be resumed with its reply), or end
/// with the call's value.
#[doc(hidden)]
#[derive(Debug)]
pub enum Progress<T> {
    Ask(Request),
    Done(T),
}

/// A system call under way: `syscall!` steps it, first with no reply, then with each reply to
/// what it asked, until it is done. I/O calls try the operation first and ask to wait for
/// readiness only when it would block, as often as it does.
#[doc(hidden)]
pub trait CallState {
    type Reply;
    fn step(&mut self, reply: Option<Reply>) -> Progress<Self::Reply>;
}

/// A task with its result type erased, as the scheduler keeps it.
pub(crate) struct ErasedTask {
    pub(crate) name: String,
    pub(crate) body: Box<dyn Body>,
}

/// What one resume of a task did.
pub(crate) enum Resumed {
    /// It made a system call and is suspended until its reply.
    Called(Call),
    /// It ended with this value.
    Ended(Box<dyn Any>),
}

/// A task's body, resumed with the reply to its last call.
pub(crate) trait Body {
    fn resume(&mut self, reply: Reply) -> Resumed;
}

/// A socket's registration with a scheduler's poller, owned by the socket (`net`): added at
/// its first wait, kept for the next ones (a wait costs no `epoll_ctl`), deleted when the
/// socket is dropped, before its descriptor is closed, as `polling`'s contract asks.
#[derive(Debug)]
pub(crate) struct IoHandle {
    pub(crate) fd: RawFd,
    /// The poller it is added to, and the registration's number there (a descriptor number
    /// reused by a later socket is told apart by it).
    pub(crate) registered: Mutex<Option<(Arc<polling::Poller>, u64)>>,
}

impl IoHandle {
    pub(crate) fn new(fd: RawFd) -> Arc<IoHandle> {
        Arc::new(IoHandle {
            fd,
            registered: Mutex::new(None),
        })
    }

    /// Deletes the registration, if any: the socket is about to close its descriptor.
    pub(crate) fn deregister(&self) {
        let registered = self
            .registered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some((poller, _)) = registered {
            // SAFETY: called by the socket that owns the descriptor, before it closes it (its
            // `Drop` calls this first), so the descriptor is open here on every thread.
            let _ = poller.delete(unsafe { BorrowedFd::borrow_raw(self.fd) });
        }
    }
}

/// `duration` from now, or the far future where adding it would overflow (`Sleep(Duration::MAX)`
/// sleeps for ever rather than panicking).
pub(crate) fn deadline_after(duration: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(duration)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// How many I/O operations a task may complete in one resume before it gives way (tokio's
/// coop budget): a task whose socket is always ready would otherwise be served again and again.
pub(crate) const IO_BUDGET: u32 = 32;

/// What the loop sets around each resume, for the calls the task makes inside it.
struct Context {
    tid: Cell<Option<Tid>>,
    budget: Cell<u32>,
    /// Tasks a call woke (a channel's send): the loop makes them ready after the resume.
    woken: RefCell<Vec<Tid>>,
}

thread_local! {
    static CONTEXT: Context = const {
        Context {
            tid: Cell::new(None),
            budget: Cell::new(IO_BUDGET),
            woken: RefCell::new(Vec::new()),
        }
    };
}

/// Marks `tid` as the running task (or none), with a full I/O budget.
pub(crate) fn enter(tid: Option<Tid>) {
    CONTEXT.with(|c| {
        c.tid.set(tid);
        c.budget.set(IO_BUDGET);
    });
}

/// The task being resumed on this thread, if a scheduler is resuming one.
pub(crate) fn current_tid() -> Option<Tid> {
    CONTEXT.with(|c| c.tid.get())
}

/// Spends one unit of the running task's I/O budget: `false` once it is spent (the call
/// gives way first). Outside a scheduler there is no budget.
pub(crate) fn spend_budget() -> bool {
    CONTEXT.with(|c| {
        if c.tid.get().is_none() {
            return true;
        }
        match c.budget.get() {
            0 => false,
            n => {
                c.budget.set(n - 1);
                true
            }
        }
    })
}

/// Asks the loop to resume `tid` if it is parked (a spurious wake is harmless: a parked call
/// checks again and parks again).
pub(crate) fn wake(tid: Tid) {
    CONTEXT.with(|c| c.woken.borrow_mut().push(tid));
}

/// The tasks woken since the last call.
pub(crate) fn take_woken(into: &mut Vec<Tid>) {
    CONTEXT.with(|c| into.append(&mut c.woken.borrow_mut()));
}
