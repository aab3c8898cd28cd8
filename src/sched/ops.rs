//! The system calls as plain functions, for green tasks and for code that runs outside any
//! scheduler alike: [`perform`] any call, [`sleep`], [`yield_now`], [`spawn`], [`join`].
//! In a green task they suspend it and the loop runs others meanwhile; anywhere else they
//! block the calling thread as the std call would (a `sleep` sleeps, a socket read waits for
//! data), so a function written with them works in a test, in a thread and in a green task.
//! In a stackless `#[task]`, use `syscall!`: these would block the whole loop there.

use std::os::fd::{BorrowedFd, RawFd};
use std::time::{Duration, Instant};

use crate::sched::calls::{Join, Sleep, Spawn, SystemCall, Yield};
use crate::sched::protocol::{Answer, Call, CallState, JoinError, Progress, Reply, Request, Tid};
use crate::sched::task::Task;

/// Makes the system call `call` and returns its reply: through the loop in a green task,
/// served on the spot elsewhere (a wait for readiness polls the descriptor, a sleep sleeps, a
/// `Blocking` closure runs here). Outside a scheduler there are no other tasks: `GetTid` is
/// `Tid(0)`, `Wait`, `Join` and `Kill` find no task.
///
/// # Panics
/// `Spawn` outside a scheduler (there is no loop to run the task on).
///
/// # Example
/// ```
/// use genpipe::sched::{GetTid, Tid, perform};
///
/// // No scheduler here: the call is served on the spot.
/// assert_eq!(perform(GetTid), Tid(0));
/// ```
pub fn perform<C: SystemCall>(call: C) -> C::Reply {
    let mut state = call.start();
    let mut reply = None;
    loop {
        match state.step(reply.take()) {
            Progress::Done(value) => return value,
            Progress::Ask(request) => reply = Some(ask(request)),
        }
    }
}

/// The loop's reply to `request` in a green task, else the reply served here.
fn ask(request: Request) -> Reply {
    #[cfg(feature = "stackful")]
    let request = match crate::sched::green::suspend(request) {
        Ok(reply) => return reply,
        Err(request) => request,
    };
    Reply(serve_here(request.0, None))
}

/// Serves `call` on this thread, as the blocking std operation would.
fn serve_here(call: Call, deadline: Option<Instant>) -> Answer {
    let left = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
    match call {
        Call::Deadline(call, at) => {
            let at = deadline.map_or(at, |d| d.min(at));
            serve_here(*call, Some(at))
        }
        Call::Yield | Call::Park => {
            std::thread::yield_now();
            Answer::Unit
        }
        Call::GetTid => Answer::Tid(Tid(0)),
        Call::Spawn(task) => panic!(
            "genpipe: spawning task '{}' needs a running scheduler (Scheduler::spawn, or a \
             green task's spawn)",
            task.name
        ),
        Call::Kill(tid) | Call::Wait(tid) => {
            Answer::Checked(Err(crate::sched::protocol::SchedError::NoSuchTask(tid)))
        }
        Call::Join(tid) => Answer::Joined(Err(JoinError::NoSuchTask(tid))),
        Call::Sleep(d) => {
            let d = left().map_or(d, |left| left.min(d));
            std::thread::sleep(d);
            if deadline.is_some_and(|at| Instant::now() >= at) {
                return Answer::TimedOut;
            }
            Answer::Unit
        }
        Call::Lent { fd, write } => wait_ready(fd, write, left()),
        Call::Io { handle, write } => wait_ready(handle.fd, write, left()),
        Call::Blocking(work) => Answer::Value(work()),
    }
}

/// Waits on this thread until `fd` is ready (or the time left runs out).
fn wait_ready(fd: RawFd, write: bool, left: Option<Duration>) -> Answer {
    thread_local! {
        static POLLER: Option<polling::Poller> = polling::Poller::new().ok();
    }
    POLLER.with(|poller| {
        let Some(poller) = poller else {
            // No poller: try again (the operation will tell).
            std::thread::yield_now();
            return Answer::Unit;
        };
        let event = if write {
            polling::Event::writable(0)
        } else {
            polling::Event::readable(0)
        };
        // SAFETY: the descriptor is borrowed by the operation that waits here, on this thread,
        // for the whole wait; it is deleted from this thread's poller before returning.
        if unsafe { poller.add(fd, event) }.is_err() {
            // Not watchable (a regular file): always ready.
            return Answer::Unit;
        }
        let mut events = polling::Events::new();
        let _ = poller.wait(&mut events, left);
        // SAFETY: as above; still open.
        let _ = poller.delete(unsafe { BorrowedFd::borrow_raw(fd) });
        if events.is_empty() && left.is_some() {
            Answer::TimedOut
        } else {
            Answer::Unit
        }
    })
}

/// Sleeps for `duration`: in a green task the others run meanwhile; elsewhere the thread
/// sleeps. `Duration::MAX` sleeps for ever rather than overflowing.
///
/// # Example
/// ```
/// use std::time::{Duration, Instant};
///
/// let started = Instant::now();
/// genpipe::sched::sleep(Duration::from_millis(5));
/// assert!(started.elapsed() >= Duration::from_millis(5));
/// ```
pub fn sleep(duration: Duration) {
    perform(Sleep(duration));
}

/// Gives way: a green task goes to the back of the ready queue; elsewhere the thread yields.
///
/// # Example
/// ```
/// genpipe::sched::yield_now();
/// ```
pub fn yield_now() {
    perform(Yield);
}

/// Starts `task` on the running scheduler, from a green task. Returns its id.
///
/// # Panics
/// Outside a scheduler's green task (there is no loop to run it on).
///
/// # Example
/// ```
/// use genpipe::sched::{Scheduler, Task, join, spawn};
///
/// let mut s = Scheduler::new();
/// s.spawn(Task::green("parent", || {
///     let child = spawn(Task::green("child", || 6 * 7));
///     join::<i32>(child).unwrap()
/// }));
/// let ended = s.run();
/// assert_eq!(ended[1].value::<i32>(), Some(&42));
/// ```
pub fn spawn<R: 'static>(task: Task<R>) -> Tid {
    perform(Spawn(task))
}

/// Waits for the task `tid` to end and takes its value (see [`Join`]).
///
/// # Example
/// ```
/// use genpipe::sched::{JoinError, Scheduler, Task, join, sleep, spawn};
/// use std::time::Duration;
///
/// let mut s = Scheduler::new();
/// s.spawn(Task::green("parent", || {
///     let slow = spawn(Task::green("slow", || {
///         sleep(Duration::from_millis(5));
///         "done"
///     }));
///     let failing = spawn(Task::green("failing", || -> u8 { panic!("no") }));
///     (join::<&str>(slow), join::<u8>(failing))
/// }));
/// let ended = s.run();
/// let parent = ended.iter().find(|o| o.name() == "parent").unwrap();
/// let (slow, failing) = parent.value::<(Result<&str, JoinError>, Result<u8, JoinError>)>().unwrap();
/// assert_eq!(*slow, Ok("done"));
/// assert_eq!(*failing, Err(JoinError::Panicked("no".into())));
/// ```
///
/// # Errors
/// As [`Join`]: the task panicked, was killed, does not exist, or its value was taken or is
/// not an `R`.
pub fn join<R: 'static>(tid: Tid) -> Result<R, JoinError> {
    perform(Join::<R>::new(tid))
}
