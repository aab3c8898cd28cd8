//! The streaming source: a genpipe pipeline that may wait for its input (`follow`), on a thread
//! of its own, its records stamped with the time window they were handed over in.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use genpipe::{Gen, IntoPipelineResult, Pull};
use timely::container::CapacityContainerBuilder;
use timely::dataflow::operators::generic::operator::source;
use timely::dataflow::{Scope, StreamVec};
use timely::scheduling::SyncActivator;

use crate::source::{BATCH, PipelineOutcome, Shard};

/// Time cut into windows of one width, counted from the Unix epoch: window `w` is
/// `[w * width, (w + 1) * width)` since 1970. Every process computes the same numbers from its
/// own clock, so window `w` means the same seconds on every machine (as far as their clocks
/// agree: keep them in sync with NTP).
///
/// The clock is read once, at [`new`](TimeWindows::new), and advanced by [`Instant`] after, so
/// the windows of one process never go back when the system clock is stepped.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use genpipe_timely::TimeWindows;
///
/// let seconds = TimeWindows::new(Duration::from_secs(1));
/// let now = seconds.current();
/// let start = seconds.start_of(now);
/// assert!(start <= std::time::SystemTime::now());
/// assert!(seconds.until_next() <= Duration::from_secs(1));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct TimeWindows {
    width_ms: u64,
    /// Milliseconds since the epoch at `anchor`.
    anchor_ms: u64,
    anchor: Instant,
}

impl TimeWindows {
    /// Windows `width` wide, whole milliseconds (a finer part is dropped).
    ///
    /// # Panics
    /// `width` under one millisecond.
    pub fn new(width: Duration) -> TimeWindows {
        let width_ms = u64::try_from(width.as_millis()).unwrap_or(u64::MAX);
        assert!(
            width_ms > 0,
            "TimeWindows::new({width:?}): a window is at least one millisecond wide"
        );
        let anchor = Instant::now();
        let anchor_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        TimeWindows {
            width_ms,
            anchor_ms,
            anchor,
        }
    }

    /// The windows' width.
    pub fn width(&self) -> Duration {
        Duration::from_millis(self.width_ms)
    }

    fn now_ms(&self) -> u64 {
        let elapsed = u64::try_from(self.anchor.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.anchor_ms.saturating_add(elapsed)
    }

    /// The window it is now: the timestamp a record produced now gets.
    pub fn current(&self) -> u64 {
        self.now_ms() / self.width_ms
    }

    /// When `window` begins, on the system clock.
    pub fn start_of(&self, window: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(window.saturating_mul(self.width_ms))
    }

    /// How long until the next window begins.
    pub fn until_next(&self) -> Duration {
        Duration::from_millis(self.width_ms - self.now_ms() % self.width_ms)
    }
}

/// How the pipeline's thread ended.
enum Ended {
    Finished(genpipe::Result<()>),
    Panicked(Box<dyn Any + Send>),
}

/// What the pipeline's thread hands the source: at most [`BATCH`] stamped records, then how it
/// ended.
struct Handed<T> {
    items: Vec<(u64, T)>,
    /// The window a record handed over now is stamped with: the source's, set each time it
    /// takes the records (so the pipeline reads no clock per record).
    window: u64,
    ended: Option<Ended>,
    /// The source has gone (its dataflow was dropped): the pipeline stops at its next record.
    closed: bool,
    /// The pipeline waits for room: the source wakes it after taking the records.
    waiting: bool,
}

struct Handoff<T> {
    state: Mutex<Handed<T>>,
    /// Signalled when the source takes the records (there is room again) or goes.
    room: Condvar,
}

impl<T> Handoff<T> {
    fn new(window: u64) -> Handoff<T> {
        Handoff {
            state: Mutex::new(Handed {
                items: Vec::with_capacity(BATCH),
                window,
                ended: None,
                closed: false,
                waiting: false,
            }),
            room: Condvar::new(),
        }
    }

    /// A poisoned lock means a panic between two plain field updates: the state is whole.
    fn lock(&self) -> MutexGuard<'_, Handed<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands over one record, stamped with the source's current window while the lock is held
    /// (so a window the source has closed, under the same lock, gets no more records). Waits
    /// while [`BATCH`] records are waiting. `false` once the source has gone.
    fn push(&self, item: T, wake: &SyncActivator) -> bool {
        let mut state = self.lock();
        while state.items.len() >= BATCH && !state.closed {
            state.waiting = true;
            state = self
                .room
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if state.closed {
            return false;
        }
        let first = state.items.is_empty();
        let window = state.window;
        state.items.push((window, item));
        drop(state);
        // One wake per batch: the source takes every record waiting when it runs.
        !first || wake.activate().is_ok()
    }

    fn end(&self, ended: Ended, wake: &SyncActivator) {
        self.lock().ended = Some(ended);
        let _ = wake.activate();
    }

    /// The records waiting (swapped for `spare`, an empty vector with room), the window it is
    /// now, which records handed over from now on are stamped with, and the end, if the
    /// pipeline has ended.
    fn take(
        &self,
        windows: &TimeWindows,
        spare: Vec<(u64, T)>,
    ) -> (Vec<(u64, T)>, u64, Option<Ended>) {
        let now = windows.current();
        let mut state = self.lock();
        let items = std::mem::replace(&mut state.items, spare);
        state.window = state.window.max(now);
        let ended = state.ended.take();
        let waiting = std::mem::take(&mut state.waiting);
        drop(state);
        if waiting {
            self.room.notify_one();
        }
        (items, now, ended)
    }
}

/// Closes the handoff when the source's operator is dropped, so a pipeline blocked on a full
/// handoff (or at its next record) ends instead of living on.
struct CloseOnDrop<T>(Arc<Handoff<T>>);

impl<T> Drop for CloseOnDrop<T> {
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0.room.notify_all();
    }
}

/// The pipeline's thread: builds the pipeline (so it need not be `Send`), hands over its
/// records, then how it ended: its outcome, or its panic.
fn run_pipeline<S, F>(make: F, shard: Shard, handoff: &Handoff<S::Item>, wake: &SyncActivator)
where
    S: Pull,
    S::Return: IntoPipelineResult,
    F: FnOnce(Shard) -> Gen<S>,
{
    let ran = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let mut pipeline = make(shard);
        for item in pipeline.by_ref() {
            if !handoff.push(item, wake) {
                return None;
            }
        }
        Some(pipeline.finish().into_pipeline_result())
    }));
    match ran {
        Ok(Some(outcome)) => handoff.end(Ended::Finished(outcome), wake),
        Ok(None) => {}
        Err(panic) => handoff.end(Ended::Panicked(panic), wake),
    }
}

/// A timely source that runs the genpipe pipeline `make` builds for this worker's [`Shard`] on
/// a thread of its own, and stamps each record with the [`TimeWindows`] window it was handed
/// over in: the timestamps are window numbers, the same on every process.
///
/// It is the source for a pipeline that waits for its input, a
/// [`follow`](genpipe::io::follow)ed log or a socket: the worker never blocks on it, so its
/// other operators run, and at each window boundary the source downgrades its capability to
/// the new window (a timer activation wakes it, records or not), so downstream operators (a
/// [`count_by_key`](crate::count_by_key), a [`gather_by_time`](crate::gather_by_time)) see each
/// window complete on every worker and emit it. Drive the worker with `step_or_park`; it parks
/// until a record or a boundary comes.
///
/// - `make` runs on the pipeline's thread, so the pipeline need not be `Send`; its records
///   cross to the worker, so they must be.
/// - At most [`BATCH`] records wait for the worker; the pipeline waits while they do (nothing
///   is dropped, memory stays bounded if the dataflow falls behind).
/// - A record's window is the source's when the pipeline hands it over: the source moves to
///   the next window when its timer wakes it at the boundary (a millisecond or two late, more
///   if the worker is busy), and no record reaches a window after the source has left it. The
///   pipeline reads no clock per record: a handover costs a lock, about 30 ns a record against
///   18 for [`pipeline_source`](crate::pipeline_source) (`benches/sources.rs`).
/// - When the pipeline ends, its outcome goes to the returned [`PipelineOutcome`] and the
///   source drops its capability; a panic on its thread is raised again on the worker (timely
///   is fail-stop: the computation ends).
/// - Dropping the dataflow stops the pipeline at its next record; a `follow` that sees no new
///   line stops at its [`StopToken`](genpipe::io::StopToken), so give it one.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use genpipe::prelude::*;
/// use genpipe_timely::{TimeWindows, count_by_key, gather_by_time, windowed_source};
///
/// // A pipeline that produces a burst, waits three windows, and produces another.
/// #[generator]
/// fn bursts() -> Gen<String> {
///     for _ in 0..3 {
///         yield_!("early".to_string());
///     }
///     std::thread::sleep(Duration::from_millis(300));
///     yield_!("late".to_string());
/// }
///
/// let windows = TimeWindows::new(Duration::from_millis(100));
/// let guards = timely::execute(timely::Config::process(2), move |worker| {
///     let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
///     let into = seen.clone();
///     worker.dataflow::<u64, _, _>(|scope| {
///         let (words, _) = windowed_source(scope, "bursts", windows, |_shard| bursts());
///         // On worker 0, each window's counts once every worker is past it.
///         gather_by_time(count_by_key(words), move |window, counts| {
///             into.borrow_mut().push((window, counts))
///         });
///     });
///     while worker.step_or_park(None) {}
///     seen.take()
/// })
/// .unwrap();
/// let windows: Vec<(u64, Vec<(String, u64)>)> = guards.join().remove(0).unwrap();
/// let total = |word| -> u64 {
///     windows.iter().flat_map(|(_, c)| c).filter(|(w, _)| *w == word).map(|(_, n)| n).sum()
/// };
/// assert_eq!((total("early"), total("late")), (6, 2));
/// // The late records are in a later window than every early one.
/// let last_early = windows.iter().filter(|(_, c)| c.iter().any(|(w, _)| *w == "early")).last();
/// let first_late = windows.iter().find(|(_, c)| c.iter().any(|(w, _)| *w == "late"));
/// assert!(last_early.unwrap().0 < first_late.unwrap().0);
/// ```
pub fn windowed_source<'scope, S, F>(
    scope: Scope<'scope, u64>,
    name: &str,
    windows: TimeWindows,
    make: F,
) -> (StreamVec<'scope, u64, S::Item>, PipelineOutcome)
where
    S: Pull + 'static,
    S::Item: Clone + Send + 'static,
    S::Return: IntoPipelineResult,
    F: FnOnce(Shard) -> Gen<S> + Send + 'static,
{
    let outcome = PipelineOutcome::default();
    let reported = outcome.clone();
    let shard = Shard::of(scope);
    let thread_name = format!("genpipe-timely {name} {}", shard.index);
    let stream = source::<_, CapacityContainerBuilder<Vec<S::Item>>, _, _>(
        scope,
        name,
        move |capability, info| {
            let activator = scope.activator_for(info.address.clone());
            let wake = scope.worker().sync_activator_for(info.address.to_vec());
            let handoff = Arc::new(Handoff::new(windows.current()));
            let theirs = Arc::clone(&handoff);
            let spawned = std::thread::Builder::new()
                .name(thread_name)
                .spawn(move || run_pipeline(make, shard, &theirs, &wake));
            let mut capability = match spawned {
                Ok(_detached) => Some(capability),
                Err(e) => {
                    reported.set(Err(e.into()));
                    None
                }
            };
            let handoff = CloseOnDrop(handoff);
            // The vector the next records go to, once these are given: no regrowth per batch.
            let mut spare = Vec::with_capacity(BATCH);
            // When the pending timer activation fires: one per boundary, not one per run.
            let mut timer_due: Option<Instant> = None;
            move |output| {
                let Some(cap) = capability.as_mut() else {
                    return;
                };
                let (mut items, now, ended) = handoff.0.take(&windows, std::mem::take(&mut spare));
                // Records come in stamp order, each stamp at or past the capability's time.
                let mut drained = items.drain(..).peekable();
                while let Some((window, item)) = drained.next() {
                    let at = cap.delayed(&window.max(*cap.time()));
                    let mut session = output.session(&at);
                    session.give(item);
                    while let Some((_, item)) = drained.next_if(|(w, _)| *w == window) {
                        session.give(item);
                    }
                }
                drop(drained);
                spare = items;
                match ended {
                    Some(Ended::Finished(ended)) => {
                        reported.set(ended);
                        capability = None;
                    }
                    Some(Ended::Panicked(panic)) => std::panic::resume_unwind(panic),
                    None => {
                        if now > *cap.time() {
                            cap.downgrade(&now);
                        }
                        let at = Instant::now();
                        if timer_due.is_none_or(|due| due <= at) {
                            let wait = windows.until_next();
                            timer_due = Some(at + wait);
                            activator.activate_after(wait);
                        }
                    }
                }
            }
        },
    );
    (stream, outcome)
}
