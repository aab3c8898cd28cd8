//! `threaded(cap)`: everything upstream runs on a thread of its own, its items crossing a bounded
//! channel in batches.

use std::cell::RefCell;
use std::fmt;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::engine::Pull;
use crate::par::batching::Batching;
use crate::pipe::PipeRhs;
use crate::produce::Gen;
use crate::worker;

/// Items per batch unless `.batch(n)` says otherwise (lines go a read chunk to a batch).
///
/// Measured (`benches/parallel.rs`, `handoff`): a handoff costs ~5-10 µs whatever its size
/// (the receiver sleeps and is woken), so per item it costs 10.7 µs at batch 1, 660 ns at 16,
/// 20 ns at 256, 4.7 ns at 1024 and 3.3 ns at 4096, where moving the item is what is left.
/// 1024 is the smallest batch at which that cost is under 5% of a stage worth putting on a
/// thread of its own (parsing a log line: 100 ns and more), at 1024 items of memory.
pub const DEFAULT_BATCH: usize = 1024;

/// What crosses from a producer thread: a batch of items, or the end with the upstream's outcome.
pub(crate) enum Message<T, R> {
    Batch(Vec<T>),
    End(R),
    /// The producer panicked: raised again in the consumer at once, though other producers
    /// of the same channel go on.
    Panicked(Box<dyn std::any::Any + Send>),
}

/// A message and the index of the source that sent it.
pub(crate) type FromSource<T, R> = (usize, Message<T, R>);

/// The stage of [`threaded`]: `gen | threaded(cap)` moves `gen` to its own thread.
#[must_use = "`threaded` does nothing until a producer is piped into it"]
#[derive(Clone, Copy, Debug)]
pub struct ThreadedStage {
    cap: usize,
    /// `None`: [`DEFAULT_BATCH`] items, or a read chunk of lines.
    batch: Option<usize>,
}

/// Runs everything left of it on its own OS thread: the items cross a channel in batches (a
/// `Vec` of up to [`batch`](ThreadedStage::batch) items; the lines of a line source travel a
/// read chunk to a batch), at most `cap` batches in flight, so a
/// fast producer waits for a slow consumer (back-pressure) and memory stays bounded. The
/// upstream's outcome crosses last: a pipeline's `Result` is the same as without `threaded`.
///
/// Use it between I/O-bound and CPU-bound work (reading and decompressing on one thread,
/// parsing on another). It pays where each side costs well over the handoff: a batch costs
/// one channel operation, a few hundred nanoseconds, shared by its items.
///
/// - The thread starts at the first pull; a pipeline built and never run starts none.
/// - A panic on the producer thread is raised again in the consumer.
/// - Dropping the consumer (a satisfied `take`, a dropped `Gen`) stops the producer at its next
///   item, a `follow` within one poll, and joins it. A producer still blocked after half a
///   second (its upstream waits in a call that never returns: a socket that never sends) is
///   left to end on its own at its next item: dropping a pipeline never hangs.
/// - A partial batch is sent when the upstream is about to wait for input (a `follow` at the end
///   of its file), so lines of a followed log arrive as they are written.
/// - Memory: at most `cap` batches in flight, one filling and one being read. A batch of lines
///   is a read chunk (64 KiB by default); a batch of buffers (`Vec<u8>`, `String`,
///   `Box<[u8]>`) ends at 1 MiB, so `threaded(2)` over 64 KiB buffers holds a few MiB. Other
///   items count by number: `cap` x [`batch`](ThreadedStage::batch) items (1024 by default),
///   so give large items of other types a smaller `.batch(n)`.
///
/// # Panics
/// `cap == 0`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// // The upstream on a thread of its own, `map` and `sum` here.
/// let total = pipe(1..=1000u64) | threaded(4) | map(|x: u64| x * 2) | sum();
/// assert_eq!(total, 1001 * 1000);
///
/// // The upstream's error is the pipeline's, as without `threaded`.
/// #[generator]
/// fn failing() -> Gen<u8, std::io::Result<()>> {
///     yield_!(1);
///     Err(std::io::Error::other("disk"))
/// }
/// assert!((failing() | threaded(2) | count()).is_err());
/// ```
pub fn threaded(cap: usize) -> ThreadedStage {
    assert!(
        cap > 0,
        "threaded(0): at least one batch must be able to be in flight"
    );
    ThreadedStage { cap, batch: None }
}

impl ThreadedStage {
    /// Up to `n` items per batch (default [`DEFAULT_BATCH`], and for lines the lines of one read
    /// chunk). 1 sends each item alone (lowest latency, highest cost per item).
    ///
    /// # Panics
    /// `n == 0`.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// assert_eq!(pipe(0..10) | threaded(1).batch(1) | count(), 10);
    /// ```
    pub fn batch(self, n: usize) -> Self {
        assert!(
            n > 0,
            "threaded(..).batch(0): a batch holds at least one item"
        );
        ThreadedStage {
            batch: Some(n),
            ..self
        }
    }
}

impl<S> PipeRhs<Gen<S>> for ThreadedStage
where
    S: Pull + Send + 'static,
    S::Item: Send + 'static,
    S::Return: Send + 'static,
{
    type Output = Gen<Threaded<Gen<S>>>;

    fn pipe_from(self, left: Gen<S>) -> Self::Output {
        Gen::from_pull(Threaded::new(left, self.cap, self.batch, DEFAULT_BATCH))
    }
}

/// [`threaded`] attached to its upstream.
pub struct Threaded<U: Pull> {
    state: State<U>,
    /// Given to the producer at its start (`into_stream_threaded`'s waker).
    notify: Option<Notify>,
}

enum State<U: Pull> {
    NotStarted {
        up: U,
        cap: usize,
        batch: Option<usize>,
        default_batch: usize,
    },
    Running {
        running: Running<U::Item, U::Return>,
        current: std::vec::IntoIter<U::Item>,
    },
    Ended(Option<U::Return>),
}

impl<U: Pull> fmt::Debug for Threaded<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::NotStarted { .. } => "not started",
            State::Running { .. } => "running",
            State::Ended(_) => "ended",
        };
        f.debug_struct("Threaded").field("state", &state).finish()
    }
}

// The upstream is never pinned where it is: it moves to its thread and is pinned there.
impl<U: Pull> Unpin for Threaded<U> {}

/// How long dropping a running pipeline waits for its producer threads to end before it leaves
/// the ones still blocked to end on their own: long enough for a `follow` (which looks every
/// [`DEFAULT_POLL`](crate::io::DEFAULT_POLL), 50 ms) and for any producer between two items.
pub(crate) const JOIN_GRACE: Duration = Duration::from_millis(500);

/// What a wait with a deadline brought.
pub(crate) enum Waited<M> {
    Message(M),
    /// The deadline passed first.
    TimedOut,
    /// Every producer has ended and everything they sent was received.
    Ended,
}

/// Called after each message a producer sends and when a producer thread returns: wakes a
/// consumer that does not block in `recv` (an async one, `into_stream_threaded`).
pub(crate) type Notify = Arc<dyn Fn() + Send + Sync>;

/// The consumer's side of one or more producer threads: messages tagged with their source.
pub(crate) struct Running<T, R> {
    rx: Option<Receiver<FromSource<T, R>>>,
    threads: Vec<JoinHandle<()>>,
    cancelled: Arc<AtomicBool>,
    /// Disconnected once every producer thread has returned (each holds a sender, never used).
    done: Option<Receiver<()>>,
}

impl<T, R> Running<T, R> {
    /// The next message and its source, or `None` once every thread has ended. A panic on one
    /// of the threads is raised again here.
    pub(crate) fn recv(&mut self) -> Option<FromSource<T, R>> {
        match self.recv_before(None) {
            Waited::Message(message) => Some(message),
            Waited::Ended => None,
            Waited::TimedOut => unreachable!("no deadline"),
        }
    }

    /// [`recv`](Running::recv), waiting until `deadline` at most (`None`: as long as it takes).
    pub(crate) fn recv_before(&mut self, deadline: Option<Instant>) -> Waited<FromSource<T, R>> {
        let Some(rx) = self.rx.as_ref() else {
            return Waited::Ended;
        };
        let received = match deadline {
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(at) => {
                let left = at.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    rx.try_recv().map_err(|e| match e {
                        std::sync::mpsc::TryRecvError::Empty => RecvTimeoutError::Timeout,
                        std::sync::mpsc::TryRecvError::Disconnected => {
                            RecvTimeoutError::Disconnected
                        }
                    })
                } else {
                    rx.recv_timeout(left)
                }
            }
        };
        match received {
            Ok((_, Message::Panicked(panic))) => {
                // The other producers are stopped first; their panics, if any, come second.
                self.stop_and_wait();
                self.threads.clear();
                std::panic::resume_unwind(panic)
            }
            Ok(message) => Waited::Message(message),
            Err(RecvTimeoutError::Timeout) => Waited::TimedOut,
            Err(RecvTimeoutError::Disconnected) => {
                self.join();
                Waited::Ended
            }
        }
    }

    /// Asks the threads to stop and waits up to [`JOIN_GRACE`] for all of them to return.
    /// Whether they all did.
    fn stop_and_wait(&mut self) -> bool {
        self.cancelled.store(true, Ordering::Release);
        // Dropping the receiver first frees a producer blocked on a full channel.
        self.rx = None;
        let Some(done) = self.done.take() else {
            return true;
        };
        matches!(
            done.recv_timeout(JOIN_GRACE),
            Err(RecvTimeoutError::Disconnected)
        )
    }

    /// Stops the threads (each at its next item or wait) and joins them; a panic there is
    /// raised again here unless this thread is panicking already.
    ///
    /// A thread still blocked after [`JOIN_GRACE`] (its upstream waits in a call that does not
    /// return: a read from a socket that never sends, a `recv` on a channel nobody closes) is
    /// not joined but left to end on its own: it stops at its next item, which it drops. A
    /// dropped pipeline never hangs on its producers.
    pub(crate) fn join(&mut self) {
        let all_returned = self.stop_and_wait();
        let mut first_panic = None;
        for thread in self.threads.drain(..) {
            if !(all_returned || thread.is_finished()) {
                continue; // detached: see above
            }
            if let Err(panic) = thread.join() {
                first_panic.get_or_insert(panic);
            }
        }
        if let Some(panic) = first_panic
            && !std::thread::panicking()
        {
            std::panic::resume_unwind(panic);
        }
    }
}

impl<T, R> Drop for Running<T, R> {
    fn drop(&mut self) {
        self.join();
    }
}

/// Starts each of `ups` on a thread of its own, sending batches (`batch` items at most, or
/// [`Batching`]'s default) tagged with the source's index on one channel of `cap` batches.
pub(crate) fn spawn_producers<U>(
    ups: Vec<U>,
    cap: usize,
    batch: Option<usize>,
) -> Running<U::Item, U::Return>
where
    U: Pull + Send + 'static,
    U::Item: Send + 'static,
    U::Return: Send + 'static,
{
    spawn_producers_batched(ups, cap, batch, DEFAULT_BATCH, None)
}

/// [`spawn_producers`] with another batch size than [`DEFAULT_BATCH`] for items that are not
/// lines.
pub(crate) fn spawn_producers_batched<U>(
    ups: Vec<U>,
    cap: usize,
    batch: Option<usize>,
    default_batch: usize,
    notify: Option<Notify>,
) -> Running<U::Item, U::Return>
where
    U: Pull + Send + 'static,
    U::Item: Send + 'static,
    U::Return: Send + 'static,
{
    let (tx, rx) = sync_channel(cap);
    let (done_tx, done) = channel::<()>();
    let cancelled = Arc::new(AtomicBool::new(false));
    let mut running = Running {
        rx: Some(rx),
        threads: Vec::with_capacity(ups.len()),
        cancelled,
        done: Some(done),
    };
    let batching = Batching::new::<U::Item>(batch, default_batch);
    for (index, up) in ups.into_iter().enumerate() {
        let (tx, stop) = (tx.clone(), Arc::clone(&running.cancelled));
        let done: Sender<()> = done_tx.clone();
        let notify = notify.clone();
        let thread = std::thread::Builder::new()
            .name(format!("genpipe-producer-{index}"))
            .spawn(move || {
                // Dropped when this thread returns, however it does: `join` waits for that,
                // and a consumer that polls is woken to see the channel end.
                let _done = Returned(done, notify.clone());
                let tx = Notifying(tx, notify);
                let produced = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    produce(up, index, &tx, &stop, batching);
                }));
                if let Err(panic) = produced {
                    let _ = tx.send((index, Message::Panicked(panic)));
                }
            })
            // Dropping `running` stops and joins the threads already started.
            .expect("the OS could not start a producer thread");
        running.threads.push(thread);
    }
    running
}

/// A producer thread's end: drops the `done` sender, then wakes a polling consumer.
struct Returned(Sender<()>, Option<Notify>);

impl Drop for Returned {
    fn drop(&mut self) {
        // The sender goes first (`Running::join` sees the thread as returned), the wake after.
        drop(std::mem::replace(&mut self.0, channel().0));
        if let Some(notify) = &self.1 {
            notify();
        }
    }
}

/// A producer's sender, waking a polling consumer after each message.
struct Notifying<M>(SyncSender<M>, Option<Notify>);

impl<M> Clone for Notifying<M> {
    fn clone(&self) -> Self {
        Notifying(self.0.clone(), self.1.clone())
    }
}

impl<M> Notifying<M> {
    fn send(&self, message: M) -> Result<(), std::sync::mpsc::SendError<M>> {
        let sent = self.0.send(message);
        if let Some(notify) = &self.1 {
            notify();
        }
        sent
    }
}

/// A producer thread's loop: pull, batch, send; the outcome last. Ends early, dropping the
/// upstream, once the consumer has gone.
fn produce<U>(
    up: U,
    index: usize,
    tx: &Notifying<FromSource<U::Item, U::Return>>,
    stop: &Arc<AtomicBool>,
    mut batching: Batching,
) where
    U: Pull,
    U::Item: Send + 'static,
    U::Return: Send + 'static,
{
    let pending: Rc<RefCell<Vec<U::Item>>> = Rc::new(RefCell::new(Vec::new()));
    let flush = {
        let (pending, tx, stop) = (Rc::clone(&pending), tx.clone(), Arc::clone(stop));
        Box::new(move || {
            let items = std::mem::take(&mut *pending.borrow_mut());
            if !items.is_empty() && tx.send((index, Message::Batch(items))).is_err() {
                stop.store(true, Ordering::Release);
            }
        })
    };
    let _registered = worker::enter(Arc::clone(stop), flush);
    // The next batch is made as large as the last one was: no regrowth, no waste.
    let send = |pending: &RefCell<Vec<U::Item>>| {
        let size = pending.borrow().len();
        let items = std::mem::replace(&mut *pending.borrow_mut(), Vec::with_capacity(size));
        tx.send((index, Message::Batch(items))).is_ok()
    };
    let mut up = pin!(up);
    loop {
        if stop.load(Ordering::Acquire) {
            return;
        }
        let Some(item) = up.as_mut().pull() else {
            break;
        };
        let len = pending.borrow().len();
        if batching.starts_new(&item, len) && !send(&pending) {
            return;
        }
        let full = {
            let mut pending = pending.borrow_mut();
            pending.push(item);
            batching.is_full(pending.len())
        };
        if full && !send(&pending) {
            return;
        }
    }
    let items = std::mem::take(&mut *pending.borrow_mut());
    if !items.is_empty() && tx.send((index, Message::Batch(items))).is_err() {
        return;
    }
    if let Some(outcome) = up.take_return() {
        let _ = tx.send((index, Message::End(outcome)));
    }
}

impl<U> Threaded<U>
where
    U: Pull + Send + 'static,
    U::Item: Send + 'static,
    U::Return: Send + 'static,
{
    /// `upstream` on a thread of its own, started at the first pull, sending batches of `batch`
    /// items at most (`None`: a read chunk of lines, or `default_batch` items).
    pub(crate) fn new(upstream: U, cap: usize, batch: Option<usize>, default_batch: usize) -> Self {
        Threaded {
            state: State::NotStarted {
                up: upstream,
                cap,
                batch,
                default_batch,
            },
            notify: None,
        }
    }

    /// The same, with `notify` called after each message the producer sends (and when it
    /// ends), for a consumer that polls with [`poll_next`](Threaded::poll_next).
    #[cfg(feature = "async")]
    pub(crate) fn notifying(mut self, notify: Notify) -> Self {
        self.notify = Some(notify);
        self
    }

    /// The next item if one has come, or `Waited::TimedOut` if none has yet (the producer's
    /// `notify` says when to ask again), or `Waited::Ended`. Starts the producer if need be.
    #[cfg(feature = "async")]
    pub(crate) fn poll_next(&mut self) -> Waited<U::Item> {
        self.next_before(Some(Instant::now()))
    }

    /// The next item, waiting until `deadline` at most (`None`: as long as it takes).
    pub(crate) fn next_before(&mut self, deadline: Option<Instant>) -> Waited<U::Item> {
        loop {
            match &mut self.state {
                State::Running { running, current } => {
                    if let Some(item) = current.next() {
                        return Waited::Message(item);
                    }
                    match running.recv_before(deadline) {
                        Waited::Message((_, Message::Batch(items))) => *current = items.into_iter(),
                        Waited::Message((_, Message::End(outcome))) => {
                            self.state = State::Ended(Some(outcome));
                        }
                        Waited::Message((_, Message::Panicked(_))) => {
                            unreachable!("raised by recv")
                        }
                        Waited::TimedOut => return Waited::TimedOut,
                        Waited::Ended => self.state = State::Ended(None),
                    }
                }
                State::Ended(_) => return Waited::Ended,
                State::NotStarted { .. } => {
                    let State::NotStarted {
                        up,
                        cap,
                        batch,
                        default_batch,
                    } = std::mem::replace(&mut self.state, State::Ended(None))
                    else {
                        unreachable!()
                    };
                    self.state = State::Running {
                        running: spawn_producers_batched(
                            vec![up],
                            cap,
                            batch,
                            default_batch,
                            self.notify.take(),
                        ),
                        current: Vec::new().into_iter(),
                    };
                }
            }
        }
    }

    /// The upstream's outcome, once it has ended.
    pub(crate) fn take_outcome(&mut self) -> Option<U::Return> {
        match &mut self.state {
            State::Ended(outcome) => outcome.take(),
            _ => None,
        }
    }
}

impl<U: Pull> crate::sealed::Pull for Threaded<U> {}
impl<U> Pull for Threaded<U>
where
    U: Pull + Send + 'static,
    U::Item: Send + 'static,
    U::Return: Send + 'static,
{
    type Item = U::Item;
    type Return = U::Return;

    #[inline]
    fn pull(self: Pin<&mut Self>) -> Option<U::Item> {
        match self.get_mut().next_before(None) {
            Waited::Message(item) => Some(item),
            Waited::Ended => None,
            Waited::TimedOut => unreachable!("no deadline"),
        }
    }

    fn take_return(self: Pin<&mut Self>) -> Option<U::Return> {
        self.get_mut().take_outcome()
    }
}
