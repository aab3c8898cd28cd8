//! Time-driven stages for live sources: `chunks_timeout(n, dur)` and `rate_limit(n, per)`.
//!
//! Both act on time even while their source is idle, which a pulled pipeline cannot do on one
//! thread (the pull waits inside the source). So each runs its upstream on a thread of its own,
//! as [`threaded`](crate::par::threaded) does, and waits for the next item with a deadline.

use std::fmt;
use std::pin::Pin;
use std::time::{Duration, Instant};

use crate::engine::Pull;
use crate::par::threaded::{Threaded, Waited};
use crate::pipe::PipeRhs;
use crate::produce::Gen;

/// Batches in flight between the upstream's thread and the stage.
const CAP: usize = 4;

/// Items per batch from the upstream's thread: one, so each item is seen when it comes (lines
/// go a read chunk to a batch, and a `follow` hands over what it has before each wait).
const BATCH: usize = 1;

/// `now + dur`, or `None` (never) where that is past what `Instant` can hold.
fn deadline_after(now: Instant, dur: Duration) -> Option<Instant> {
    now.checked_add(dur)
}

/// The stage of [`chunks_timeout`].
#[must_use = "`chunks_timeout` does nothing until a producer is piped into it"]
#[derive(Clone, Copy, Debug)]
pub struct ChunksTimeoutStage {
    size: usize,
    timeout: Duration,
}

/// Groups items in `Vec`s of `size`, or fewer when `timeout` has passed since a chunk's first
/// item: a chunk is emitted when it is full or on time, even while the source is idle (a
/// `follow` waiting for its file to grow). Lines of a followed file arrive within one
/// [`DEFAULT_POLL`](crate::io::DEFAULT_POLL) (50 ms) of being written, and a chunk leaves within
/// a few milliseconds of its deadline (a thread waking from a timed wait).
///
/// The upstream runs on a thread of its own (so it must be `Send + 'static`, as for
/// [`threaded`](crate::par::threaded)), items crossing one at a time (a line source's a read
/// chunk at a time); dropping the stage stops and joins it. A timeout too large for `Instant`
/// means no timeout (`chunks`). The last chunk may be short; the upstream's outcome is the
/// pipeline's.
///
/// # Panics
/// `size == 0`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use std::time::Duration;
///
/// // A source that sends 3 items, then waits for more that never come until it is told to end.
/// let (tx, rx) = std::sync::mpsc::channel::<u32>();
/// for x in [1, 2, 3] {
///     tx.send(x).unwrap();
/// }
/// let mut batches = pipe(rx) | chunks_timeout(100, Duration::from_millis(20));
/// assert_eq!(batches.next(), Some(vec![1, 2, 3])); // on time, though the source is idle
/// drop(tx);
/// assert_eq!(batches.next(), None);
/// ```
pub fn chunks_timeout(size: usize, timeout: Duration) -> ChunksTimeoutStage {
    assert!(size > 0, "genpipe: chunks_timeout(0, ..)");
    ChunksTimeoutStage { size, timeout }
}

impl<S> PipeRhs<Gen<S>> for ChunksTimeoutStage
where
    S: Pull + Send + 'static,
    S::Item: Send + 'static,
    S::Return: Send + 'static,
{
    type Output = Gen<ChunksTimeout<Gen<S>>>;

    fn pipe_from(self, left: Gen<S>) -> Self::Output {
        Gen::from_pull(ChunksTimeout {
            up: Threaded::new(left, CAP, None, BATCH),
            size: self.size,
            timeout: self.timeout,
        })
    }
}

/// [`chunks_timeout`] attached to its upstream.
pub struct ChunksTimeout<U: Pull> {
    up: Threaded<U>,
    size: usize,
    timeout: Duration,
}

impl<U: Pull> fmt::Debug for ChunksTimeout<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunksTimeout")
            .field("size", &self.size)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<U: Pull> Unpin for ChunksTimeout<U> {}

impl<U: Pull> crate::sealed::Pull for ChunksTimeout<U> {}
impl<U> Pull for ChunksTimeout<U>
where
    U: Pull + Send + 'static,
    U::Item: Send + 'static,
    U::Return: Send + 'static,
{
    type Item = Vec<U::Item>;
    type Return = U::Return;

    fn pull(self: Pin<&mut Self>) -> Option<Vec<U::Item>> {
        let this = self.get_mut();
        let first = match this.up.next_before(None) {
            Waited::Message(item) => item,
            Waited::Ended => return None,
            Waited::TimedOut => unreachable!("no deadline"),
        };
        let deadline = deadline_after(Instant::now(), this.timeout);
        let mut chunk = Vec::with_capacity(this.size.min(1024));
        chunk.push(first);
        while chunk.len() < this.size {
            match this.up.next_before(deadline) {
                Waited::Message(item) => chunk.push(item),
                Waited::TimedOut | Waited::Ended => break,
            }
        }
        Some(chunk)
    }

    fn take_return(self: Pin<&mut Self>) -> Option<U::Return> {
        self.get_mut().up.take_outcome()
    }
}

/// An item of [`rate_limit`]: one that passed, or how many were dropped in a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Limited<T> {
    /// An item within the limit.
    Item(T),
    /// How many items the period that just ended dropped (never 0).
    Suppressed(u64),
}

impl<T> Limited<T> {
    /// The item, if this is one: `| filter_map(Limited::item)` keeps the items alone.
    pub fn item(self) -> Option<T> {
        match self {
            Limited::Item(item) => Some(item),
            Limited::Suppressed(_) => None,
        }
    }
}

/// The stage of [`rate_limit`].
#[must_use = "`rate_limit` does nothing until a producer is piped into it"]
#[derive(Clone, Copy, Debug)]
pub struct RateLimitStage {
    limit: u64,
    period: Duration,
}

/// Passes at most `limit` items per `period` and drops the rest, reporting how many it dropped:
/// after a period that dropped some, a [`Limited::Suppressed`]`(n)` comes on time, when the
/// period ends, even while the source is idle (so an alerting `follow` can say "41 alerts
/// suppressed" when it happens, not at the next alert).
///
/// Periods are fixed windows: the first item opens one, the `limit` first items of it pass, and
/// the next item after it ends opens the next (an item counts when the stage takes it from its
/// upstream's thread, which runs at most a few items ahead). Every item is passed or counted. A limit of 0 drops everything (and still reports
/// it); a period too large for `Instant` never ends (the first `limit` items pass, ever).
///
/// The upstream runs on a thread of its own, as for [`chunks_timeout`] (which says the bounds
/// reached); its outcome is the pipeline's.
///
/// # Panics
/// `period` is zero (every item would be a period of its own: nothing to limit).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::par::Limited;
/// use std::time::Duration;
///
/// let alerts = pipe(1..=10) | rate_limit(3, Duration::from_secs(3600)) | collect::<Vec<_>>();
/// let mut want: Vec<Limited<i32>> = (1..=3).map(Limited::Item).collect();
/// want.push(Limited::Suppressed(7)); // at the end of the input, its period cut short
/// assert_eq!(alerts, want);
/// ```
pub fn rate_limit(limit: u64, period: Duration) -> RateLimitStage {
    assert!(
        !period.is_zero(),
        "genpipe: rate_limit(.., Duration::ZERO): a period must last"
    );
    RateLimitStage { limit, period }
}

impl<S> PipeRhs<Gen<S>> for RateLimitStage
where
    S: Pull + Send + 'static,
    S::Item: Send + 'static,
    S::Return: Send + 'static,
{
    type Output = Gen<RateLimit<Gen<S>>>;

    fn pipe_from(self, left: Gen<S>) -> Self::Output {
        Gen::from_pull(RateLimit {
            up: Threaded::new(left, CAP, None, BATCH),
            limit: self.limit,
            period: self.period,
            window: None,
            dropped: 0,
            held: None,
        })
    }
}

/// The period being counted.
#[derive(Clone, Copy, Debug)]
struct Window {
    /// `None`: never (the period does not fit in an `Instant`).
    ends: Option<Instant>,
    passed: u64,
}

/// [`rate_limit`] attached to its upstream.
pub struct RateLimit<U: Pull> {
    up: Threaded<U>,
    limit: u64,
    period: Duration,
    window: Option<Window>,
    /// Dropped in the current window.
    dropped: u64,
    /// An item that came after its window ended, kept while that window's report goes first.
    held: Option<U::Item>,
}

impl<U: Pull> fmt::Debug for RateLimit<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimit")
            .field("limit", &self.limit)
            .field("period", &self.period)
            .field("dropped", &self.dropped)
            .finish_non_exhaustive()
    }
}

impl<U: Pull> Unpin for RateLimit<U> {}

impl<U> RateLimit<U>
where
    U: Pull + Send + 'static,
    U::Item: Send + 'static,
    U::Return: Send + 'static,
{
    /// Closes the window: its report, if it dropped anything.
    fn close_window(&mut self) -> Option<Limited<U::Item>> {
        self.window = None;
        let dropped = std::mem::take(&mut self.dropped);
        (dropped > 0).then_some(Limited::Suppressed(dropped))
    }

    /// Counts `item` in the window open at `now` (opening one if none is): passed or dropped.
    fn admit(&mut self, item: U::Item, now: Instant) -> Option<Limited<U::Item>> {
        let period = self.period;
        let window = self.window.get_or_insert_with(|| Window {
            ends: deadline_after(now, period),
            passed: 0,
        });
        if window.passed < self.limit {
            window.passed += 1;
            Some(Limited::Item(item))
        } else {
            self.dropped += 1;
            None
        }
    }
}

impl<U: Pull> crate::sealed::Pull for RateLimit<U> {}
impl<U> Pull for RateLimit<U>
where
    U: Pull + Send + 'static,
    U::Item: Send + 'static,
    U::Return: Send + 'static,
{
    type Item = Limited<U::Item>;
    type Return = U::Return;

    fn pull(self: Pin<&mut Self>) -> Option<Limited<U::Item>> {
        let this = self.get_mut();
        if let Some(item) = this.held.take()
            && let Some(passed) = this.admit(item, Instant::now())
        {
            return Some(passed);
        }
        loop {
            // Only a window with something to report needs waking at its end.
            let wake = match this.window {
                Some(Window { ends, .. }) if this.dropped > 0 => ends,
                _ => None,
            };
            match this.up.next_before(wake) {
                Waited::Message(item) => {
                    let now = Instant::now();
                    let window_over = this
                        .window
                        .is_some_and(|w| w.ends.is_some_and(|ends| now >= ends));
                    if window_over && let Some(report) = this.close_window() {
                        this.held = Some(item);
                        return Some(report);
                    }
                    if let Some(passed) = this.admit(item, now) {
                        return Some(passed);
                    }
                }
                Waited::TimedOut => {
                    if let Some(report) = this.close_window() {
                        return Some(report);
                    }
                }
                Waited::Ended => return this.close_window(),
            }
        }
    }

    fn take_return(self: Pin<&mut Self>) -> Option<U::Return> {
        self.get_mut().up.take_outcome()
    }
}

/// Method forms: `gen.chunks_timeout(n, dur)`, `gen.rate_limit(n, per)`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use std::time::Duration;
///
/// let batches = pipe(1..=5).chunks_timeout(2, Duration::from_secs(1)) | count();
/// assert_eq!(batches, 3);
/// let passed = pipe(1..=5).rate_limit(2, Duration::from_secs(60)).filter_map(|l| l.item()) | count();
/// assert_eq!(passed, 2);
/// ```
impl<S> Gen<S>
where
    S: Pull + Send + 'static,
    S::Item: Send + 'static,
    S::Return: Send + 'static,
{
    /// The method form of [`chunks_timeout`].
    ///
    /// # Panics
    /// `size == 0`.
    pub fn chunks_timeout(self, size: usize, timeout: Duration) -> Gen<ChunksTimeout<Gen<S>>> {
        self | chunks_timeout(size, timeout)
    }

    /// The method form of [`rate_limit`].
    ///
    /// # Panics
    /// `period` is zero.
    pub fn rate_limit(self, limit: u64, period: Duration) -> Gen<RateLimit<Gen<S>>> {
        self | rate_limit(limit, period)
    }
}
