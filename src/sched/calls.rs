//! The system calls a task makes with `syscall!(call)`, each with the type of its reply.

use std::any::Any;
use std::fmt;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::time::Duration;

use crate::sched::task::{ErasedTask, Task};

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

/// What a task asks of the scheduler: made by [`SystemCall::into_request`].
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
    Sleep(Duration),
    ReadWait(RawFd),
    WriteWait(RawFd),
    Blocking(Box<dyn FnOnce() -> Box<dyn Any + Send> + Send>),
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
            Call::Sleep(d) => format!("Sleep({d:?})"),
            Call::ReadWait(fd) => format!("ReadWait(fd {fd})"),
            Call::WriteWait(fd) => format!("WriteWait(fd {fd})"),
            Call::Blocking(_) => "Blocking".into(),
        }
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
}

/// What a system call does next: ask the scheduler (and be resumed with its reply), or end
/// with the call's value.
#[doc(hidden)]
#[derive(Debug)]
pub enum Progress<T> {
    Ask(Request),
    Done(T),
}

/// A request a task can make with `syscall!`, and what its reply reads as.
///
/// Implemented by [`GetTid`], [`Yield`], [`Spawn`], [`Kill`], [`Wait`], [`Sleep`],
/// [`ReadWait`], [`WriteWait`], [`Blocking`], and the I/O of [`net`](crate::sched::net)
/// (`stream.read(&mut buf)`, `listener.accept()`, ...); the scheduler understands no others.
pub trait SystemCall: sealed::Sealed {
    /// What `syscall!(call)` evaluates to.
    type Reply;
    #[doc(hidden)]
    type State: CallState<Reply = Self::Reply>;
    #[doc(hidden)]
    fn start(self) -> Self::State;
}

/// A system call under way: `syscall!` steps it, first with no reply, then with each reply to
/// what it asked, until it is done. I/O calls try the operation first and ask to wait for
/// readiness only when it would block, as often as it does.
#[doc(hidden)]
pub trait CallState {
    type Reply;
    fn step(&mut self, reply: Option<Reply>) -> Progress<Self::Reply>;
}

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// A call made once: asked, then decoded from its reply.
#[doc(hidden)]
pub struct Once<T> {
    call: Option<Call>,
    decode: fn(Answer) -> T,
}

impl<T> CallState for Once<T> {
    type Reply = T;
    fn step(&mut self, reply: Option<Reply>) -> Progress<T> {
        match (reply, self.call.take()) {
            (None, Some(call)) => Progress::Ask(Request(call)),
            (Some(Reply(answer)), None) => Progress::Done((self.decode)(answer)),
            _ => unreachable!("genpipe: a system call stepped out of turn"),
        }
    }
}

impl<T> fmt::Debug for Once<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Once(..)")
    }
}

fn once<T>(call: Call, decode: fn(Answer) -> T) -> Once<T> {
    Once {
        call: Some(call),
        decode,
    }
}

fn unit(_: Answer) {}

fn checked(answer: Answer) -> Result<(), SchedError> {
    match answer {
        Answer::Checked(result) => result,
        _ => unreachable!("genpipe: a checked call answered with another reply"),
    }
}

fn tid(answer: Answer) -> Tid {
    match answer {
        Answer::Tid(tid) => tid,
        _ => unreachable!("genpipe: a call for a task id answered with another reply"),
    }
}

fn value<T: 'static>(answer: Answer) -> T {
    match answer {
        Answer::Value(value) => *value
            .downcast::<T>()
            .expect("genpipe: a Blocking call's value has the closure's type"),
        _ => unreachable!("genpipe: a Blocking call answered with another reply"),
    }
}

/// The `SystemCall` impl of a call that borrows nothing.
macro_rules! simple_call {
    ($name:ident -> $reply:ty, $decode:ident, |$this:ident| $call:expr) => {
        impl sealed::Sealed for $name {}
        impl SystemCall for $name {
            type Reply = $reply;
            type State = Once<$reply>;
            fn start(self) -> Once<$reply> {
                let $this = self;
                once($call, $decode)
            }
        }
    };
}

/// Gives way: the task goes to the back of the ready queue. Reply: `()`.
#[derive(Clone, Copy, Debug)]
pub struct Yield;

/// The calling task's id. Reply: [`Tid`].
#[derive(Clone, Copy, Debug)]
pub struct GetTid;

/// Starts a task, which runs after the tasks already ready. Reply: its [`Tid`].
#[derive(Debug)]
pub struct Spawn<R>(pub Task<R>);

/// Ends a task now: its destructors run and it never resumes. Reply: `Err` for an unknown or
/// ended task, or for the caller itself.
#[derive(Clone, Copy, Debug)]
pub struct Kill(pub Tid);

/// Resumes the caller once the task has ended (at once if it has ended already). Reply: `Err`
/// for a task never spawned, or for the caller itself.
#[derive(Clone, Copy, Debug)]
pub struct Wait(pub Tid);

/// Resumes the caller after the duration; meanwhile the others run, and with nothing ready
/// the scheduler sleeps in the poller. Reply: `()`.
#[derive(Clone, Copy, Debug)]
pub struct Sleep(pub Duration);

/// Resumes the caller once the descriptor is readable (a socket, a pipe). Reply: `()`.
#[derive(Debug)]
pub struct ReadWait<'a, F: AsFd>(pub &'a F);

/// Resumes the caller once the descriptor is writable. Reply: `()`.
#[derive(Debug)]
pub struct WriteWait<'a, F: AsFd>(pub &'a F);

/// Runs a CPU-bound or blocking closure on a thread of its own, so the loop never stalls on
/// it, and resumes the caller with its value. A panic in it is the task's panic.
pub struct Blocking<F>(pub F);

impl<F> fmt::Debug for Blocking<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Blocking(..)")
    }
}

simple_call!(Yield -> (), unit, |_this| Call::Yield);
simple_call!(GetTid -> Tid, tid, |_this| Call::GetTid);
simple_call!(Kill -> Result<(), SchedError>, checked, |this| Call::Kill(this.0));
simple_call!(Wait -> Result<(), SchedError>, checked, |this| Call::Wait(this.0));
simple_call!(Sleep -> (), unit, |this| Call::Sleep(this.0));

impl<R: 'static> sealed::Sealed for Spawn<R> {}
impl<R: 'static> SystemCall for Spawn<R> {
    type Reply = Tid;
    type State = Once<Tid>;
    fn start(self) -> Once<Tid> {
        once(Call::Spawn(self.0.erase()), tid)
    }
}

impl<F: AsFd> sealed::Sealed for ReadWait<'_, F> {}
impl<F: AsFd> SystemCall for ReadWait<'_, F> {
    type Reply = ();
    type State = Once<()>;
    fn start(self) -> Once<()> {
        once(Call::ReadWait(self.0.as_fd().as_raw_fd()), unit)
    }
}

impl<F: AsFd> sealed::Sealed for WriteWait<'_, F> {}
impl<F: AsFd> SystemCall for WriteWait<'_, F> {
    type Reply = ();
    type State = Once<()>;
    fn start(self) -> Once<()> {
        once(Call::WriteWait(self.0.as_fd().as_raw_fd()), unit)
    }
}

impl<F, T> sealed::Sealed for Blocking<F>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
}
impl<F, T> SystemCall for Blocking<F>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    type Reply = T;
    type State = Once<T>;
    fn start(self) -> Once<T> {
        let f = self.0;
        let erased: Box<dyn FnOnce() -> Box<dyn Any + Send> + Send> =
            Box::new(move || Box::new(f()) as Box<dyn Any + Send>);
        once(Call::Blocking(erased), value::<T>)
    }
}
