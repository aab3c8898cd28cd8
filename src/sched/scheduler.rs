//! The scheduler: tasks on one thread, resumed first in, first out; timers, I/O readiness and
//! blocking work wake them.

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::os::fd::RawFd;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use crate::sched::driver::{Driver, TimerKind, Woken};
use crate::sched::protocol::{
    self, Answer, Body, Call, ErasedTask, JoinError, Reply, Resumed, SchedError, Tid,
    deadline_after,
};
use crate::sched::task::Task;

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
    /// Its value went to a `Join` by this task.
    Taken(Tid),
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

    /// The value it ended with, if it ended (not panicked or killed), `R` is its type and no
    /// [`Join`](crate::sched::Join) took it.
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

    /// Whether a [`Join`](crate::sched::Join) took its value, and by which task.
    pub fn taken_by(&self) -> Option<Tid> {
        match self.end {
            End::Taken(by) => Some(by),
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
            End::Taken(by) => format!("ended (value taken by task {by})"),
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
    /// What it asked for (`Yield`, `Spawn(name)`, ...), or `ended`, `panicked`, `timed out`.
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
}

/// What a suspended task waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Waiting {
    /// Nothing: it is ready, or running.
    Not,
    /// A descriptor's readiness: a socket's (its descriptor) or a lent one (`None`).
    Io(Option<RawFd>),
    Timer,
    /// Another task's end (`Wait`, `Join`).
    Task(Tid),
    /// A wake from another task (a channel).
    Park,
    Blocking,
}

struct Entry {
    tid: Tid,
    name: String,
    body: Box<dyn Body>,
    /// What it is resumed with next.
    reply: Option<Reply>,
    resumes: u64,
    /// The number of its current wait: a timer or a blocking call of an earlier wait (one that
    /// timed out) is told apart by it.
    seq: u64,
    waiting: Waiting,
}

/// What [`Scheduler::on_end`] calls.
type OnEnd = Box<dyn FnMut(&Outcome)>;

/// Tasks multiplexed on the calling thread, first in first out: the event loop of Beazley's
/// pyos, and of gevent. A task runs until its next `syscall!` (a green task: until an
/// operation of [`sched`](crate::sched) would block, at any depth of calls); the call is served
/// at once (`GetTid`, `Spawn`, `Kill`) or when its event comes (`Sleep`: a timer;
/// `ReadWait`/`WriteWait` and sockets: readiness, from the `polling` crate's epoll/kqueue;
/// `Wait`/`Join`: the other task's end; `Blocking`: the closure's end on its thread; a channel:
/// another task's send). With nothing ready, the loop sleeps in the poller until the next
/// timer: it never spins.
///
/// Fair under load: each round resumes the tasks that were ready when it began, then polls
/// for readiness before the next; a task whose socket is always ready gives way after
/// [32 operations](crate::sched::net) in one resume, as tokio's cooperative budget makes it.
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
    // Dropped first: lent descriptors' registrations go before the tasks that hold them.
    driver: Driver,
    tasks: Tasks,
    ready: VecDeque<Tid>,
    next_tid: u64,
    step: u64,
    /// Who waits for whom to end, and whether for its value (`Join`).
    waiters: HashMap<Tid, Vec<(Tid, bool)>>,
    ended: Vec<Outcome>,
    on_end: Option<OnEnd>,
    trace: Option<Vec<TraceEvent>>,
    woken: Vec<Woken>,
    parked_woken: Vec<Tid>,
}

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
            driver: Driver::new(),
            tasks: Tasks::default(),
            ready: VecDeque::new(),
            next_tid: 1,
            step: 0,
            waiters: HashMap::new(),
            ended: Vec::new(),
            on_end: None,
            trace: None,
            woken: Vec::new(),
            parked_woken: Vec::new(),
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

    /// Calls `f` with each task's outcome at the moment the task ends (pyos's "Task 3
    /// terminated"), before any task waiting for it resumes.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::sched::{Scheduler, Task, Yield};
    /// use std::{cell::RefCell, rc::Rc};
    ///
    /// #[task]
    /// fn steps(n: u32) -> Task<u32> {
    ///     for _ in 0..n {
    ///         syscall!(Yield);
    ///     }
    ///     n
    /// }
    ///
    /// let said = Rc::new(RefCell::new(Vec::new()));
    /// let log = Rc::clone(&said);
    /// let mut s = Scheduler::new()
    ///     .on_end(move |o| log.borrow_mut().push(format!("Task {} terminated", o.tid())));
    /// s.spawn(steps(2));
    /// s.spawn(steps(1));
    /// s.run();
    /// assert_eq!(*said.borrow(), ["Task 2 terminated", "Task 1 terminated"]);
    /// ```
    pub fn on_end(mut self, f: impl FnMut(&Outcome) + 'static) -> Self {
        self.on_end = Some(Box::new(f));
        self
    }

    /// The poller calls (`epoll_wait`, `epoll_ctl`) made so far: what a wait costs, counted.
    pub fn poll_calls(&self) -> u64 {
        self.driver.poll_calls
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
                seq: 0,
                waiting: Waiting::Not,
            },
        );
        self.ready.push_back(tid);
        tid
    }

    /// Runs every task to its end and returns how each ended, in the order they ended. A task
    /// that panics ends with its panic; the others go on. Tasks left waiting for something that
    /// cannot come (each other's end, a channel no running task can send on) are ended as
    /// killed.
    pub fn run(&mut self) -> Vec<Outcome> {
        while !self.tasks.is_empty() {
            // A round: the tasks ready when it began, then what the poller has ready, so that
            // tasks that keep yielding do not keep sockets waiting.
            for _ in 0..self.ready.len() {
                let Some(tid) = self.ready.pop_front() else {
                    break;
                };
                self.resume(tid);
            }
            if self.tasks.is_empty() {
                break;
            }
            let idle = self.ready.is_empty();
            if idle && !self.driver.pending() {
                // Nothing can wake the rest: a cycle of waits, or parked for ever.
                let stuck: Vec<Tid> = self.tasks.keys().copied().collect();
                for tid in stuck {
                    self.end(tid, End::Killed);
                }
                continue;
            }
            let mut woken = std::mem::take(&mut self.woken);
            self.driver.wait(!idle, &mut woken);
            for wake in woken.drain(..) {
                self.on_wake(wake);
            }
            self.woken = woken;
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
        protocol::enter(Some(tid));
        let resumed = std::panic::catch_unwind(AssertUnwindSafe(|| entry.body.resume(reply)));
        protocol::enter(None);
        match resumed {
            Ok(Resumed::Called(call)) => {
                // Described only when traced: a `String` per switch was a quarter of it.
                if self.trace.is_some() {
                    self.note(tid, call.describe());
                }
                self.serve(tid, call, None);
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
        let mut parked = std::mem::take(&mut self.parked_woken);
        protocol::take_woken(&mut parked);
        for woken in parked.drain(..) {
            if self
                .tasks
                .get_mut(&woken)
                .is_some_and(|e| e.waiting == Waiting::Park)
            {
                self.reply(woken, Answer::Unit);
            }
        }
        self.parked_woken = parked;
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

    /// Replies to `tid`'s call now, or arranges for the event that will; with a deadline, the
    /// wait ends with `TimedOut` then.
    fn serve(&mut self, tid: Tid, call: Call, deadline: Option<Instant>) {
        let Some(entry) = self.tasks.get_mut(&tid) else {
            return;
        };
        entry.seq += 1;
        let seq = entry.seq;
        let waiting = match call {
            Call::Deadline(call, at) => {
                let at = deadline.map_or(at, |d| d.min(at));
                return self.serve(tid, *call, Some(at));
            }
            Call::Yield => return self.reply(tid, Answer::Unit),
            Call::GetTid => return self.reply(tid, Answer::Tid(tid)),
            Call::Spawn(task) => {
                let child = self.add(task);
                return self.reply(tid, Answer::Tid(child));
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
                return self.reply(tid, Answer::Checked(result));
            }
            Call::Wait(other) => {
                if other == tid {
                    return self.reply(tid, Answer::Checked(Err(SchedError::Yourself)));
                } else if !self.tasks.contains_key(&other) {
                    // Ended already, or never spawned.
                    let ended = other.0 >= 1 && other.0 < self.next_tid;
                    let result = ended.then_some(()).ok_or(SchedError::NoSuchTask(other));
                    return self.reply(tid, Answer::Checked(result));
                }
                self.waiters.entry(other).or_default().push((tid, false));
                Waiting::Task(other)
            }
            Call::Join(other) => {
                if other == tid {
                    return self.reply(tid, Answer::Joined(Err(JoinError::Yourself)));
                } else if !self.tasks.contains_key(&other) {
                    let value = self.take_value(other, tid);
                    return self.reply(tid, Answer::Joined(value));
                }
                self.waiters.entry(other).or_default().push((tid, true));
                Waiting::Task(other)
            }
            Call::Sleep(duration) => {
                self.driver
                    .add_timer(deadline_after(duration), seq, tid, TimerKind::Wake);
                Waiting::Timer
            }
            Call::Lent { fd, write } => match self.driver.wait_lent(tid, fd, write) {
                Ok(()) => Waiting::Io(None),
                // A descriptor epoll cannot watch (a regular file) is always ready.
                Err(_) => return self.reply(tid, Answer::Unit),
            },
            Call::Io { handle, write } => match self.driver.wait_io(tid, &handle, write) {
                Ok(false) => Waiting::Io(Some(handle.fd)),
                // Ready already (readiness not yet taken), or not watchable: try again.
                Ok(true) | Err(_) => return self.reply(tid, Answer::Unit),
            },
            Call::Park => Waiting::Park,
            Call::Blocking(work) => {
                self.driver.run_blocking(tid, seq, work);
                Waiting::Blocking
            }
        };
        if let Some(entry) = self.tasks.get_mut(&tid) {
            entry.waiting = waiting;
        }
        if let Some(at) = deadline {
            self.driver.add_timer(at, seq, tid, TimerKind::Expire);
        }
    }

    /// The value of the ended task `other` for `joiner`, taken out of its outcome.
    fn take_value(&mut self, other: Tid, joiner: Tid) -> Result<Box<dyn Any>, JoinError> {
        let Some(outcome) = self.ended.iter_mut().find(|o| o.tid == other) else {
            return Err(JoinError::NoSuchTask(other));
        };
        match std::mem::replace(&mut outcome.end, End::Taken(joiner)) {
            End::Value(value) => Ok(value),
            other_end => {
                let error = match &other_end {
                    End::Taken(_) => JoinError::Taken,
                    End::Panicked(message) => JoinError::Panicked(message.clone()),
                    End::Killed => JoinError::Killed,
                    End::Value(_) => unreachable!("matched above"),
                };
                outcome.end = other_end;
                Err(error)
            }
        }
    }

    fn on_wake(&mut self, wake: Woken) {
        match wake {
            Woken::Ready(tid) => {
                if let Some(entry) = self.tasks.get_mut(&tid)
                    && matches!(entry.waiting, Waiting::Io(_))
                {
                    self.reply(tid, Answer::Unit);
                }
            }
            Woken::Timer(tid, seq, kind) => {
                let Some(entry) = self.tasks.get_mut(&tid) else {
                    return;
                };
                if entry.seq != seq || entry.waiting == Waiting::Not {
                    return;
                }
                match kind {
                    TimerKind::Wake if entry.waiting == Waiting::Timer => {
                        self.reply(tid, Answer::Unit);
                    }
                    TimerKind::Wake => {}
                    TimerKind::Expire => {
                        self.note(tid, "timed out".into());
                        self.cancel_wait(tid);
                        self.reply(tid, Answer::TimedOut);
                    }
                }
            }
            Woken::Blocking(tid, seq, value) => {
                let current = self
                    .tasks
                    .get_mut(&tid)
                    .is_some_and(|e| e.seq == seq && e.waiting == Waiting::Blocking);
                // A call that timed out: its value (or its panic) goes nowhere.
                if !current {
                    return;
                }
                match value {
                    Ok(value) => self.reply(tid, Answer::Value(value)),
                    Err(panic) => {
                        self.note(tid, "panicked".into());
                        self.end(tid, End::Panicked(panic_message(panic.as_ref())));
                    }
                }
            }
        }
    }

    /// Takes `tid` out of whatever it waits in (it timed out, or ends).
    fn cancel_wait(&mut self, tid: Tid) {
        let Some(entry) = self.tasks.get_mut(&tid) else {
            return;
        };
        match std::mem::replace(&mut entry.waiting, Waiting::Not) {
            Waiting::Io(fd) => self.driver.cancel_io(tid, fd),
            Waiting::Task(other) => {
                if let Some(list) = self.waiters.get_mut(&other) {
                    list.retain(|&(waiter, _)| waiter != tid);
                }
            }
            // A timer or a blocking call of an old wait is told apart by its number; a parked
            // task woken late checks again.
            Waiting::Not | Waiting::Timer | Waiting::Park | Waiting::Blocking => {}
        }
    }

    fn reply(&mut self, tid: Tid, answer: Answer) {
        if let Some(entry) = self.tasks.get_mut(&tid) {
            entry.reply = Some(Reply(answer));
            entry.waiting = Waiting::Not;
            self.ready.push_back(tid);
        }
    }

    fn end(&mut self, tid: Tid, end: End) {
        self.cancel_wait(tid);
        let Some(entry) = self.tasks.remove(&tid) else {
            return;
        };
        let Entry {
            name,
            body,
            resumes,
            ..
        } = entry;
        // A killed task's destructors run here (a green task's stack unwinds).
        drop(body);
        let outcome = Outcome {
            tid,
            name,
            end,
            step: self.step,
            resumes,
        };
        if let Some(on_end) = &mut self.on_end {
            on_end(&outcome);
        }
        self.ended.push(outcome);
        for (waiter, join) in self.waiters.remove(&tid).unwrap_or_default() {
            if join {
                let value = self.take_value(tid, waiter);
                self.reply(waiter, Answer::Joined(value));
            } else {
                self.reply(waiter, Answer::Checked(Ok(())));
            }
        }
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        // Tasks still waiting for lent descriptors: their registrations go first (the driver's
        // drop), then the tasks.
        let live: Vec<Tid> = self.tasks.keys().copied().collect();
        for tid in live {
            self.cancel_wait(tid);
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
