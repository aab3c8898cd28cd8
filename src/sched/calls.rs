//! The system calls a task makes with `syscall!(call)`, each with the type of its reply.

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};

use crate::sched::protocol::{
    Answer, Body, Call, JoinError, Reply, Request, Resumed, SchedError, Tid,
};
use crate::sched::task::Task;

use crate::sched::protocol::{CallState, Elapsed, Progress};

/// A request a task can make with `syscall!`, and what its reply reads as.
///
/// Implemented by [`GetTid`], [`Yield`], [`Spawn`], [`Kill`], [`Wait`], [`Join`], [`Sleep`],
/// [`ReadWait`], [`WriteWait`], [`Blocking`], [`Timeout`] around any of them, a [`Task`] (run
/// inline: `syscall!(helper(..))` runs a `#[task] fn helper` as a function call whose own
/// calls suspend the caller), the I/O of [`net`](crate::sched::net) (`stream.read(&mut buf)`,
/// `listener.accept()`, ...) and the channel operations of [`channel`](crate::sched::channel);
/// the scheduler understands no others.
pub trait SystemCall: sealed::Sealed {
    /// What `syscall!(call)` evaluates to.
    type Reply;
    #[doc(hidden)]
    type State: CallState<Reply = Self::Reply>;
    #[doc(hidden)]
    fn start(self) -> Self::State;
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
        once(
            Call::Lent {
                fd: self.0.as_fd().as_raw_fd(),
                write: false,
            },
            unit,
        )
    }
}

impl<F: AsFd> sealed::Sealed for WriteWait<'_, F> {}
impl<F: AsFd> SystemCall for WriteWait<'_, F> {
    type Reply = ();
    type State = Once<()>;
    fn start(self) -> Once<()> {
        once(
            Call::Lent {
                fd: self.0.as_fd().as_raw_fd(),
                write: true,
            },
            unit,
        )
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

/// Resumes the caller once the task has ended, with the value it ended with (taken out of its
/// [`Outcome`](crate::sched::Outcome), which then holds none). Reply:
/// `Result<R, JoinError>`: an error for a task that panicked, was killed, was never spawned,
/// whose value another `Join` took, or whose value is not an `R`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::sched::{Join, JoinError, Scheduler, Spawn, Task};
///
/// #[task]
/// fn square(x: u64) -> Task<u64> {
///     x * x
/// }
///
/// #[task]
/// fn parent() -> Task<(u64, bool)> {
///     let child = syscall!(Spawn(square(7)));
///     let value = syscall!(Join::<u64>::new(child)).unwrap();
///     // Its value went to the first join.
///     (value, syscall!(Join::<u64>::new(child)) == Err(JoinError::Taken))
/// }
///
/// let mut s = Scheduler::new();
/// s.spawn(parent());
/// assert_eq!(s.run()[1].value::<(u64, bool)>(), Some(&(49, true)));
/// ```
pub struct Join<R> {
    tid: Tid,
    _value: PhantomData<fn() -> R>,
}

impl<R> Join<R> {
    /// Joins the task `tid`, whose value is an `R`.
    pub fn new(tid: Tid) -> Self {
        Join {
            tid,
            _value: PhantomData,
        }
    }
}

impl<R> fmt::Debug for Join<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Join({})", self.tid)
    }
}

fn joined<R: 'static>(answer: Answer) -> Result<R, JoinError> {
    match answer {
        Answer::Joined(Ok(value)) => value
            .downcast::<R>()
            .map(|v| *v)
            .map_err(|_| JoinError::WrongType),
        Answer::Joined(Err(e)) => Err(e),
        _ => unreachable!("genpipe: a Join answered with another reply"),
    }
}

impl<R: 'static> sealed::Sealed for Join<R> {}
impl<R: 'static> SystemCall for Join<R> {
    type Reply = Result<R, JoinError>;
    type State = Once<Result<R, JoinError>>;
    fn start(self) -> Self::State {
        once(Call::Join(self.tid), joined::<R>)
    }
}

/// Any system call with a time limit: its reply, or `Err(Elapsed)` if `duration` passes
/// first. The wait it was in is cancelled then: the task is no longer registered for the
/// socket, the timer or the other task's end (a `Blocking` closure runs on to its end on its
/// thread; its value is dropped). Reply: `Result<C::Reply, Elapsed>`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::sched::net::TcpListener;
/// use genpipe::sched::{Scheduler, Task, Timeout};
/// use std::time::Duration;
///
/// #[task]
/// fn accept_or_give_up(listener: TcpListener) -> Task<bool> {
///     // Nobody connects: the accept times out.
///     syscall!(Timeout(listener.accept(), Duration::from_millis(20))).is_err()
/// }
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let mut s = Scheduler::new();
/// s.spawn(accept_or_give_up(listener));
/// assert_eq!(s.run()[0].value::<bool>(), Some(&true));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Timeout<C>(pub C, pub Duration);

/// The state of [`Timeout`]: the call's, and its deadline (set when it starts).
#[doc(hidden)]
pub struct TimeoutState<S> {
    inner: S,
    duration: Duration,
    deadline: Option<Instant>,
}

impl<S> fmt::Debug for TimeoutState<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeoutState")
            .field("duration", &self.duration)
            .finish_non_exhaustive()
    }
}

impl<C: SystemCall> sealed::Sealed for Timeout<C> {}
impl<C: SystemCall> SystemCall for Timeout<C> {
    type Reply = Result<C::Reply, Elapsed>;
    type State = TimeoutState<C::State>;
    fn start(self) -> Self::State {
        TimeoutState {
            inner: self.0.start(),
            duration: self.1,
            deadline: None,
        }
    }
}

impl<S: CallState> CallState for TimeoutState<S> {
    type Reply = Result<S::Reply, Elapsed>;
    fn step(&mut self, reply: Option<Reply>) -> Progress<Self::Reply> {
        if let Some(Reply(Answer::TimedOut)) = reply {
            return Progress::Done(Err(Elapsed(self.duration)));
        }
        let deadline = *self
            .deadline
            .get_or_insert_with(|| crate::sched::protocol::deadline_after(self.duration));
        match self.inner.step(reply) {
            Progress::Done(value) => Progress::Done(Ok(value)),
            Progress::Ask(Request(call)) => {
                Progress::Ask(Request(Call::Deadline(Box::new(call), deadline)))
            }
        }
    }
}

/// A sub-task run inline, as a function call: the state of `syscall!(helper(..))`.
#[doc(hidden)]
pub struct Inline<R> {
    body: Option<Box<dyn Body>>,
    _value: PhantomData<fn() -> R>,
}

impl<R> fmt::Debug for Inline<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Inline(..)")
    }
}

/// A task is a system call too: `syscall!(helper(args))` runs the `#[task] fn helper` inside
/// the calling task (Beazley's trampolining, pyos8): each call the helper makes suspends the
/// caller, and the helper's value is the reply. Helpers like `accept_and_read` factor out of a
/// task this way. A panic in the helper is the caller's.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::sched::{GetTid, Scheduler, Task, Yield};
///
/// #[task]
/// fn helper(n: u32) -> Task<u32> {
///     syscall!(Yield);
///     n + syscall!(GetTid).0 as u32
/// }
///
/// #[task]
/// fn main_task() -> Task<u32> {
///     syscall!(helper(10)) + syscall!(helper(20))
/// }
///
/// let mut s = Scheduler::new();
/// s.spawn(main_task());
/// // The helper runs as task 1: its GetTid is its caller's.
/// assert_eq!(s.run()[0].value::<u32>(), Some(&32));
/// ```
impl<R: 'static> sealed::Sealed for Task<R> {}
impl<R: 'static> SystemCall for Task<R> {
    type Reply = R;
    type State = Inline<R>;
    fn start(self) -> Inline<R> {
        Inline {
            body: Some(self.erase().body),
            _value: PhantomData,
        }
    }
}

impl<R: 'static> CallState for Inline<R> {
    type Reply = R;
    fn step(&mut self, reply: Option<Reply>) -> Progress<R> {
        let body = self
            .body
            .as_mut()
            .expect("genpipe: an inline task stepped after its end");
        match body.resume(reply.unwrap_or(Reply(Answer::Start))) {
            Resumed::Called(call) => Progress::Ask(Request(call)),
            Resumed::Ended(value) => {
                self.body = None;
                Progress::Done(
                    *value
                        .downcast::<R>()
                        .expect("genpipe: a task's value has its declared type"),
                )
            }
        }
    }
}
