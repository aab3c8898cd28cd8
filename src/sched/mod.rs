//! Coroutines multiplexed on one thread: a cooperative FIFO scheduler with system calls, the
//! event loop of Beazley's "A Curious Course on Coroutines and Concurrency" (pyos), on genpipe's
//! own engine.
//!
//! A task is a `#[task] fn` that suspends with `syscall!(call)`, which evaluates to the call's
//! reply: `let me = syscall!(GetTid);`, `let child = syscall!(Spawn(worker(3)));`,
//! `syscall!(Yield)` to give way. Any `Gen` is a task too ([`Task::from_gen`]): each item it
//! yields is a yield point. [`Scheduler::run`] resumes ready tasks first in, first out, one
//! resume a step, and sleeps in the poller (epoll/kqueue, from the `polling` crate) when none is
//! ready: I/O that would block becomes "wait until ready" ([`ReadWait`], [`WriteWait`]), a
//! timer ([`Sleep`]) or a closure on a thread of its own ([`Blocking`], for CPU-bound or
//! blocking work that would stall every task). No callbacks, no `async` in the tasks.
//!
//! Green tasks (feature `stackful`, [`Task::green`]) are gevent's greenlets on the same loop: a
//! plain closure on a stack of its own, whose code at any call depth waits on the loop when an
//! operation of this module would block (a [`net`] socket's `Read`/`Write`, [`sleep`],
//! [`yield_now`], a [`channel`]'s `recv_blocking`, [`join`], [`perform`] of any system call).
//! The same operations block the thread as std's do outside any scheduler, so one function
//! works in a test, in a thread and in a green task.
//!
//! The runtime basics: [`Timeout`] around any call, [`Join`] for a task's typed value,
//! [`Kill`] that wakes a task blocked in I/O and deregisters it, bounded [`channel`]s with
//! close, [`net::UdpSocket`], [`net::TcpStream::connect`], [`Scheduler::on_end`] when a task
//! ends, and a `#[task]` called inside another as a system call (`syscall!(helper(..))`,
//! Beazley's trampolining). Under load the loop is fair: rounds of the ready tasks with a poll
//! between, and a budget of 32 I/O operations a resume.
//!
//! Why one thread: a switch between tasks is a function return and a call (nanoseconds), where a
//! switch between threads goes through the kernel (microseconds; `benches/switch.rs`).
//!
//! # Example
//! ```
//! use genpipe::prelude::*;
//! use genpipe::sched::{Blocking, Scheduler, Sleep, Task, Yield};
//! use std::time::Duration;
//!
//! #[task]
//! fn ticker(name: &'static str, n: u32) -> Task<Vec<String>> {
//!     let mut said = Vec::new();
//!     for i in 0..n {
//!         said.push(format!("{name} {i}"));
//!         syscall!(Yield);
//!     }
//!     said
//! }
//!
//! #[task]
//! fn crunch() -> Task<u64> {
//!     syscall!(Sleep(Duration::from_millis(1)));
//!     // Off the loop: the tickers go on meanwhile.
//!     syscall!(Blocking(|| (1..=1000u64).sum::<u64>()))
//! }
//!
//! let mut s = Scheduler::new().trace(true);
//! s.spawn(ticker("a", 2));
//! s.spawn(ticker("b", 1));
//! s.spawn(crunch());
//! let ended = s.run();
//! let names: Vec<&str> = ended.iter().map(|o| o.name()).collect();
//! assert_eq!(names, ["ticker", "ticker", "crunch"]);
//! assert_eq!(ended[2].value::<u64>(), Some(&500_500));
//! assert_eq!(s.trace_events()[0].what, "Yield");
//! ```

// Each file imports only what stands above it in this list: the protocol at the bottom, the
// loop at the top.
mod calls;
pub mod channel;
mod driver;
#[cfg(feature = "stackful")]
pub(crate) mod green;
pub mod net;
mod ops;
mod protocol;
mod scheduler;
mod task;

pub use calls::{
    Blocking, GetTid, Inline, Join, Kill, Once, ReadWait, Sleep, Spawn, SystemCall, Timeout,
    TimeoutState, Wait, WriteWait, Yield,
};
#[cfg(feature = "stackful")]
pub use green::DEFAULT_GREEN_STACK;
pub use ops::{join, perform, sleep, spawn, yield_now};
pub use protocol::{CallState, Elapsed, JoinError, Progress, Reply, Request, SchedError, Tid};
pub use scheduler::{Outcome, Scheduler, TraceEvent};
pub use task::Task;

pub use crate::syscall;
pub use genpipe_macros::task;
