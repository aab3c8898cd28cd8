//! The scheduler: tasks on one thread, resumed first in, first out; timers, I/O readiness and
//! blocking work wake them.

use std::any::Any;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::fmt;
use std::os::fd::{BorrowedFd, RawFd};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

use crate::sched::calls::{Answer, Call, Reply, SchedError, Tid};
use crate::sched::task::{Body, ErasedTask, Resumed, Task};

/// How a task ended.
pub struct Outcome {
    tid: Tid,
    name: String,
    end: End,
    step: u64,
    resumes: u64,
}

enum End {
    Value(Box<dyn Any>),
    Panicked(String),
    Killed,
}

impl Outcome {
    /// The task's id.
    pub fn tid(&self) -> Tid {
        self.tid
    }

    /// Its name (the `#[task]` function's, or the one given).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value it ended with, if it ended (not panicked or killed) and `R` is its type.
    pub fn value<R: 'static>(&self) -> Option<&R> {
        match &self.end {
            End::Value(v) => v.downcast_ref(),
            _ => None,
        }
    }

    /// Its panic's message, if it panicked (the other tasks went on).
    pub fn panic(&self) -> Option<&str> {
        match &self.end {
            End::Panicked(message) => Some(message),
            _ => None,
        }
    }

    /// Whether another task killed it.
    pub fn was_killed(&self) -> bool {
        matches!(self.end, End::Killed)
    }

    /// The step (resume, counted from 1 over all tasks) at which it ended.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// How many times it was resumed (its start included).
    pub fn resumes(&self) -> u64 {
        self.resumes
    }
}

impl fmt::Debug for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = match &self.end {
            End::Value(_) => "ended".to_string(),
            End::Panicked(m) => format!("panicked: {m}"),
            End::Killed => "killed".to_string(),
        };
        f.debug_struct("Outcome")
            .field("tid", &self.tid)
            .field("name", &self.name)
            .field("end", &end)
            .field("step", &self.step)
            .field("resumes", &self.resumes)
            .finish()
    }
}

/// One line of a [trace](Scheduler::trace_events): at `step`, task `tid` asked for `call` (or ended).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// The step, counted from 1.
    pub step: u64,
    /// The task resumed.
    pub tid: Tid,
    /// What it asked for (`Yield`, `Spawn(name)`, ...), or `ended`, `panicked`.
    pub what: String,
}

/// The live tasks, indexed by id (ids are dense: 1, 2, 3, ...): a switch looks a task up
/// twice, and hashing the id each time cost a tenth of the switch.
#[derive(Default)]
struct Tasks {
    slots: Vec<Option<Entry>>,
    live: usize,
}

impl Tasks {
    fn slot(tid: Tid) -> usize {
        (tid.0 - 1) as usize
    }

    fn insert(&mut self, tid: Tid, entry: Entry) {
        let i = Tasks::slot(tid);
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, || None);
        }
        self.live += usize::from(self.slots[i].replace(entry).is_none());
    }

    fn get_mut(&mut self, tid: &Tid) -> Option<&mut Entry> {
        self.slots.get_mut(Tasks::slot(*tid))?.as_mut()
    }

    fn contains_key(&self, tid: &Tid) -> bool {
        matches!(self.slots.get(Tasks::slot(*tid)), Some(Some(_)))
    }

    fn remove(&mut self, tid: &Tid) -> Option<Entry> {
        let entry = self.slots.get_mut(Tasks::slot(*tid))?.take()?;
        self.live -= 1;
        Some(entry)
    }

    fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn len(&self) -> usize {
        self.live
    }

    fn keys(&self) -> impl Iterator<Item = &Tid> + '_ {
        self.slots.iter().filter_map(|e| e.as_ref().map(|e| &e.tid))
    }

    fn values(&self) -> impl Iterator<Item = &Entry> + '_ {
        self.slots.iter().flatten()
    }
}

struct Entry {
    tid: Tid,
    name: String,
    body: Box<dyn Body>,
    /// What it is resumed with next.
    reply: Option<Reply>,
    resumes: u64,
    /// Registered with the poller, waiting for this descriptor.
    io: Option<RawFd>,
}

/// Tasks multiplexed on the calling thread, first in first out: the event loop of Beazley's
/// pyos. A task runs until its next `syscall!`; the call is served at once (`GetTid`, `Spawn`,
/// `Kill`) or when its event comes (`Sleep`: a timer; `ReadWait`/`WriteWait`: the descriptor's
/// readiness, from the `polling` crate's epoll/kqueue; `Wait`: the other task's end; `Blocking`:
/// the closure's end on its thread). With nothing ready, the loop sleeps in the poller until the
/// next timer: it never spins.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::sched::{GetTid, Kill, Scheduler, Spawn, Task, Wait, Yield};
///
/// #[task]
/// fn forever() -> Task<()> {
///     loop {
///         syscall!(Yield);
///     }
/// }
///
/// #[task]
/// fn boss() -> Task<bool> {
///     let child = syscall!(Spawn(forever()));
///     syscall!(Yield);
///     syscall!(Kill(child)).unwrap();
///     // Waiting for a task that has ended returns at once.
///     syscall!(Wait(child)).is_ok() && syscall!(GetTid).0 == 1
/// }
///
/// let mut s = Scheduler::new();
/// s.spawn(boss());
/// let ended = s.run();
/// assert!(ended[0].was_killed());
/// assert_eq!(ended[1].value::<bool>(), Some(&true));
/// ```
pub struct Scheduler {
    tasks: Tasks,
    ready: VecDeque<Tid>,
    next_tid: u64,
    step: u64,
    /// (wake time, sequence, task): the earliest on top.
    timers: BinaryHeap<Reverse<(Instant, u64, Tid)>>,
    /// Who waits for whom to end.
    waiters: HashMap<Tid, Vec<Tid>>,
    poller: Option<Arc<polling::Poller>>,
    blocking_done: (Sender<BlockingDone>, Receiver<BlockingDone>),
    blocking_running: usize,
    ended: Vec<Outcome>,
    trace: Option<Vec<TraceEvent>>,
}

type BlockingDone = (Tid, std::thread::Result<Box<dyn Any + Send>>);

impl fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scheduler")
            .field("tasks", &self.tasks.len())
            .field("ready", &self.ready.len())
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

impl Default for Scheduler {
    fn default() -> Self {
        Scheduler::new()
    }
}

impl Scheduler {
    /// A scheduler with no tasks.
    pub fn new() -> Self {
        Scheduler {
            tasks: Tasks::default(),
            ready: VecDeque::new(),
            next_tid: 1,
            step: 0,
            timers: BinaryHeap::new(),
            waiters: HashMap::new(),
            poller: None,
            blocking_done: channel(),
            blocking_running: 0,
            ended: Vec::new(),
            trace: None,
        }
    }

    /// Records every step (`(step, tid, what it asked)`), read with
    /// [`Scheduler::trace_events`].
    pub fn trace(mut self, on: bool) -> Self {
        self.trace = on.then(Vec::new);
        self
    }

    /// The steps recorded so far, if [`trace`](Scheduler::trace) is on.
    pub fn trace_events(&self) -> &[TraceEvent] {
        self.trace.as_deref().unwrap_or(&[])
    }

    /// Adds a task, ready after the ones already ready; ids are 1, 2, 3, ... in spawn order.
    pub fn spawn<R: 'static>(&mut self, task: Task<R>) -> Tid {
        self.add(task.erase())
    }

    fn add(&mut self, task: ErasedTask) -> Tid {
        let tid = Tid(self.next_tid);
        self.next_tid += 1;
        self.tasks.insert(
            tid,
            Entry {
                tid,
                name: task.name,
                body: task.body,
                reply: Some(Reply(Answer::Start)),
                resumes: 0,
                io: None,
            },
        );
        self.ready.push_back(tid);
        tid
    }

    /// Runs every task to its end and returns how each ended, in the order they ended. A task
    /// that panics ends with its panic; the others go on. Tasks left waiting for something that
    /// cannot come (each other's end) are ended as killed.
    pub fn run(&mut self) -> Vec<Outcome> {
        while !self.tasks.is_empty() {
            while let Some(tid) = self.ready.pop_front() {
                self.resume(tid);
            }
            if self.tasks.is_empty() {
                break;
            }
            if !self.wait_for_events() {
                // Nothing can wake the rest: a cycle of waits.
                let stuck: Vec<Tid> = self.tasks.keys().copied().collect();
                for tid in stuck {
                    self.end(tid, End::Killed);
                }
            }
        }
        std::mem::take(&mut self.ended)
    }

    fn resume(&mut self, tid: Tid) {
        let Some(entry) = self.tasks.get_mut(&tid) else {
            return;
        };
        self.step += 1;
        entry.resumes += 1;
        let reply = entry.reply.take().unwrap_or(Reply(Answer::Unit));
        let resumed = std::panic::catch_unwind(AssertUnwindSafe(|| entry.body.resume(reply)));
        match resumed {
            Ok(Resumed::Called(call)) => {
                // Described only when traced: a `String` per switch was a quarter of it.
                if self.trace.is_some() {
                    self.note(tid, call.describe());
                }
                self.serve(tid, call);
            }
            Ok(Resumed::Ended(value)) => {
                self.note(tid, "ended".into());
                self.end(tid, End::Value(value));
            }
            Err(panic) => {
                self.note(tid, "panicked".into());
                self.end(tid, End::Panicked(panic_message(panic.as_ref())));
            }
        }
    }

    fn note(&mut self, tid: Tid, what: String) {
        if let Some(trace) = &mut self.trace {
            trace.push(TraceEvent {
                step: self.step,
                tid,
                what,
            });
        }
    }

    /// Replies to `tid`'s call now, or arranges for the event that will.
    fn serve(&mut self, tid: Tid, call: Call) {
        let now = |s: &mut Scheduler, answer: Answer| s.reply(tid, answer);
        match call {
            Call::Yield => now(self, Answer::Unit),
            Call::GetTid => now(self, Answer::Tid(tid)),
            Call::Spawn(task) => {
                let child = self.add(task);
                now(self, Answer::Tid(child));
            }
            Call::Kill(victim) => {
                let result = if victim == tid {
                    Err(SchedError::Yourself)
                } else if self.tasks.contains_key(&victim) {
                    self.end(victim, End::Killed);
                    Ok(())
                } else {
                    Err(SchedError::NoSuchTask(victim))
                };
                now(self, Answer::Checked(result));
            }
            Call::Wait(other) => {
                if other == tid {
                    now(self, Answer::Checked(Err(SchedError::Yourself)));
                } else if self.tasks.contains_key(&other) {
                    self.waiters.entry(other).or_default().push(tid);
                } else if other.0 >= 1 && other.0 < self.next_tid {
                    // Ended already.
                    now(self, Answer::Checked(Ok(())));
                } else {
                    now(self, Answer::Checked(Err(SchedError::NoSuchTask(other))));
                }
            }
            Call::Sleep(duration) => {
                let at = Instant::now() + duration;
                self.timers.push(Reverse((at, self.step, tid)));
            }
            Call::ReadWait(fd) | Call::WriteWait(fd) => {
                let event = match call {
                    Call::ReadWait(_) => polling::Event::readable(tid.0 as usize),
                    _ => polling::Event::writable(tid.0 as usize),
                };
                let poller = self.poller();
                // SAFETY: the descriptor is one the task borrowed for the call, so it stays
                // open while the task is suspended in it; the registration is deleted when the
                // event comes or the task ends (killed, or the scheduler dropped), before the
                // task and its descriptor can be dropped. Only this thread touches the poller's
                // registrations.
                let added = unsafe { poller.add(fd, event) };
                match added {
                    Ok(()) => {
                        if let Some(entry) = self.tasks.get_mut(&tid) {
                            entry.io = Some(fd);
                        }
                    }
                    // A descriptor epoll cannot watch (a regular file) is always ready.
                    Err(_) => now(self, Answer::Unit),
                }
            }
            Call::Blocking(work) => {
                let (done, poller) = (self.blocking_done.0.clone(), Arc::clone(self.poller()));
                self.blocking_running += 1;
                std::thread::Builder::new()
                    .name(format!("genpipe-blocking-{tid}"))
                    .spawn(move || {
                        let value = std::panic::catch_unwind(AssertUnwindSafe(work));
                        let _ = done.send((tid, value));
                        // Wakes the loop if it sleeps in the poller.
                        let _ = poller.notify();
                    })
                    .expect("the OS could not start a thread for `Blocking`");
            }
        }
    }

    fn poller(&mut self) -> &Arc<polling::Poller> {
        self.poller.get_or_insert_with(|| {
            Arc::new(polling::Poller::new().expect("the OS gives an epoll/kqueue instance"))
        })
    }

    fn reply(&mut self, tid: Tid, answer: Answer) {
        if let Some(entry) = self.tasks.get_mut(&tid) {
            entry.reply = Some(Reply(answer));
            self.ready.push_back(tid);
        }
    }

    fn end(&mut self, tid: Tid, end: End) {
        let Some(entry) = self.tasks.remove(&tid) else {
            return;
        };
        if let (Some(fd), Some(poller)) = (entry.io, &self.poller) {
            // SAFETY: the descriptor is still open: its task (which borrows it) is dropped below.
            let _ = poller.delete(unsafe { BorrowedFd::borrow_raw(fd) });
        }
        let Entry {
            name,
            body,
            resumes,
            ..
        } = entry;
        // A killed task's destructors run here.
        drop(body);
        self.ended.push(Outcome {
            tid,
            name,
            end,
            step: self.step,
            resumes,
        });
        for waiter in self.waiters.remove(&tid).unwrap_or_default() {
            self.reply(waiter, Answer::Checked(Ok(())));
        }
    }

    /// Sleeps until a timer is due, a descriptor is ready or a blocking call ends, and makes
    /// their tasks ready; false if nothing is pending that could ever wake a task.
    fn wait_for_events(&mut self) -> bool {
        let io_waits = self.tasks.values().any(|e| e.io.is_some());
        if self.timers.is_empty() && !io_waits && self.blocking_running == 0 {
            return false;
        }
        let timeout = self
            .timers
            .peek()
            .map(|Reverse((at, _, _))| at.saturating_duration_since(Instant::now()));
        if io_waits || self.blocking_running > 0 {
            let mut events = polling::Events::new();
            let _ = self.poller().wait(&mut events, timeout);
            let woken: Vec<Tid> = events.iter().map(|e| Tid(e.key as u64)).collect();
            for tid in woken {
                if let Some(entry) = self.tasks.get_mut(&tid)
                    && let Some(fd) = entry.io.take()
                {
                    if let Some(poller) = &self.poller {
                        // SAFETY: as in `end`: the waiting task keeps the descriptor open.
                        let _ = poller.delete(unsafe { BorrowedFd::borrow_raw(fd) });
                    }
                    self.reply(tid, Answer::Unit);
                }
            }
        } else if let Some(timeout) = timeout {
            std::thread::sleep(timeout);
        }
        while let Ok((tid, value)) = self.blocking_done.1.try_recv() {
            self.blocking_running -= 1;
            match value {
                Ok(value) => self.reply(tid, Answer::Value(value)),
                Err(panic) => {
                    self.note(tid, "panicked".into());
                    self.end(tid, End::Panicked(panic_message(panic.as_ref())));
                }
            }
        }
        let now = Instant::now();
        while let Some(Reverse((at, _, tid))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            self.reply(tid, Answer::Unit);
        }
        true
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        // Registrations go before the tasks whose descriptors they name.
        if let Some(poller) = &self.poller {
            for entry in self.tasks.values() {
                if let Some(fd) = entry.io {
                    // SAFETY: as in `end`.
                    let _ = poller.delete(unsafe { BorrowedFd::borrow_raw(fd) });
                }
            }
        }
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_else(|| "a panic with a payload that is not text".into())
}
