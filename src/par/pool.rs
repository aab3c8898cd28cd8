//! `par_map`, `par_filter_map`, `par_per_file`: a CPU-bound stage on rayon's pool, batches in
//! flight inside a bounded window, results in input order unless `.unordered()`.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
#[cfg(feature = "io")]
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use crate::consume::Sink;
use crate::engine::Pull;
#[cfg(feature = "io")]
use crate::error::Result;
#[cfg(feature = "io")]
use crate::io::{Line, lines};
use crate::par::batching::Batching;
use crate::pipe::Stage;
use crate::pipe::stages::{Flow, Op};

/// Items per batch of [`par_map`] and [`par_filter_map`] unless `.batch(n)` says otherwise.
pub const DEFAULT_PAR_BATCH: usize = 64;

/// How a parallel stage runs: set by the builder methods on its `Stage`.
#[derive(Clone, Copy, Debug)]
struct Config {
    /// `None`: the stage's default, and for lines a read chunk.
    batch: Option<usize>,
    /// Batches in flight at most; `None`: four per worker.
    window: Option<usize>,
    ordered: bool,
    /// A pool of its own with this many threads; `None`: rayon's global pool.
    workers: Option<usize>,
}

/// What a parallel stage runs on a worker: a batch of inputs to its outputs.
pub trait BatchJob<T, O>: Fn(Vec<T>) -> Vec<O> + Send + Sync + 'static {}

impl<J: Fn(Vec<T>) -> Vec<O> + Send + Sync + 'static, T, O> BatchJob<T, O> for J {}

/// What [`par_per_file`] yields for each file.
#[cfg(feature = "io")]
pub type FileResult<O> = (PathBuf, Result<O>);

/// The stage [`par_per_file`] returns: paths in, [`FileResult`]s out.
#[cfg(feature = "io")]
pub type PerFileStage<J, P, O> = Stage<ParOp<J, P, FileResult<O>>>;

/// A batch's result as a worker sends it back: its sequence number, its outputs or its panic.
type Done<O> = (u64, std::thread::Result<Vec<O>>);

/// The stage of [`par_map`], [`par_filter_map`] and [`par_per_file`]: `job` turns a batch of
/// inputs into its outputs on a worker.
pub struct ParOp<J, T, O> {
    job: Arc<J>,
    config: Config,
    flight: Option<Flight<O>>,
    /// Inputs not yet sent to a worker.
    filling: Vec<T>,
    /// An input pulled that starts the next batch (a line of the next read chunk).
    carry: Option<T>,
    /// Where batches end; made at the first item.
    batching: Option<Batching>,
    /// The batch size when none was asked for (and the items are not lines).
    default_batch: usize,
    /// The upstream has ended.
    drained: bool,
    _types: PhantomData<fn(T) -> O>,
}

impl<J, T, O> fmt::Debug for ParOp<J, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParOp")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<J, T, O> Clone for ParOp<J, T, O> {
    /// A clone shares the function, not the batches in flight.
    fn clone(&self) -> Self {
        ParOp {
            job: Arc::clone(&self.job),
            config: self.config,
            flight: None,
            filling: Vec::new(),
            carry: None,
            batching: None,
            default_batch: self.default_batch,
            drained: false,
            _types: PhantomData,
        }
    }
}

/// The batches sent to workers and not yet passed on.
struct Flight<O> {
    pool: Option<Arc<rayon::ThreadPool>>,
    window: usize,
    ordered: bool,
    tx: Sender<Done<O>>,
    rx: Receiver<Done<O>>,
    /// Batches sent to workers so far.
    sent: u64,
    /// Batches on workers whose result has not come back.
    outstanding: usize,
    /// Batches passed on so far (in order: the next one's sequence number).
    passed: u64,
    /// Results that came back ahead of an earlier batch.
    early: BTreeMap<u64, Vec<O>>,
    current: std::vec::IntoIter<O>,
}

impl<O: Send + 'static> Flight<O> {
    fn new(config: Config) -> Self {
        let pool = config.workers.map(|n| {
            Arc::new(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .thread_name(|i| format!("genpipe-par-{i}"))
                    .build()
                    .expect("the OS could not start the threads of a `.workers(n)` pool"),
            )
        });
        let workers = pool
            .as_ref()
            .map_or_else(rayon::current_num_threads, |p| p.current_num_threads());
        let (tx, rx) = channel();
        Flight {
            pool,
            window: config.window.unwrap_or(4 * workers).max(1),
            ordered: config.ordered,
            tx,
            rx,
            sent: 0,
            outstanding: 0,
            passed: 0,
            early: BTreeMap::new(),
            current: Vec::new().into_iter(),
        }
    }

    fn in_flight(&self) -> usize {
        (self.sent - self.passed) as usize
    }

    fn send<T: Send + 'static, J: Fn(Vec<T>) -> Vec<O> + Send + Sync + 'static>(
        &mut self,
        job: &Arc<J>,
        batch: Vec<T>,
    ) {
        let (job, tx, seq) = (Arc::clone(job), self.tx.clone(), self.sent);
        self.sent += 1;
        self.outstanding += 1;
        let work = move || {
            // Caught here and raised again in the consumer: rayon would abort the process.
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| job(batch)));
            let _ = tx.send((seq, result));
        };
        match &self.pool {
            Some(pool) => pool.spawn(work),
            None => rayon::spawn(work),
        }
    }

    /// Makes the next batch in order (any finished one if unordered) current, waiting for it
    /// when `wait`; false if there is none (yet).
    fn next_batch(&mut self, wait: bool) -> bool {
        loop {
            if let Some(outputs) = self.take_ready() {
                self.current = outputs.into_iter();
                self.passed += 1;
                return true;
            }
            if self.in_flight() == 0 {
                return false;
            }
            if self.outstanding == 0 {
                return false;
            }
            let done = if wait {
                self.wait()
            } else {
                match self.rx.try_recv() {
                    Ok(done) => done,
                    Err(_) => return false,
                }
            };
            self.outstanding -= 1;
            match done {
                (seq, Ok(outputs)) => {
                    self.early.insert(seq, outputs);
                }
                (_, Err(panic)) => std::panic::resume_unwind(panic),
            }
        }
    }

    /// Keeps the outputs of a batch computed on this thread, as the next batch in order.
    fn keep(&mut self, outputs: Vec<O>) {
        self.early.insert(self.sent, outputs);
        self.sent += 1;
    }

    fn take_ready(&mut self) -> Option<Vec<O>> {
        if self.ordered {
            self.early.remove(&self.passed)
        } else {
            self.early.pop_first().map(|(_, outputs)| outputs)
        }
    }
}

impl<O> Flight<O> {
    /// The next result from a worker, waiting for it. On a thread of a rayon pool (a `par_map`
    /// inside another's function) the wait runs the pool's pending jobs meanwhile, as rayon's
    /// own `join` does: blocked instead, every worker could be waiting for jobs that only a
    /// worker can run (measured: `par_map` inside `par_map` hung on 2 cores).
    fn wait(&self) -> Done<O> {
        if rayon::current_thread_index().is_none() {
            // `self.tx` keeps the channel open: a receive always ends with a batch.
            return self.rx.recv().expect("a sender is held");
        }
        loop {
            if let Ok(done) = self.rx.try_recv() {
                return done;
            }
            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                // Nothing to run here now: the jobs are running elsewhere, or about to be
                // queued. Look again soon (a blocking wait could miss a job only this thread
                // is free to run).
                if let Ok(done) = self.rx.recv_timeout(Duration::from_millis(1)) {
                    return done;
                }
            }
        }
    }
}

impl<O> Drop for Flight<O> {
    /// Waits for the batches still on workers, so none of the stage's work runs after it;
    /// a panic among them is raised here unless this thread is panicking already.
    fn drop(&mut self) {
        while self.outstanding > 0 {
            let (_, result) = self.wait();
            self.outstanding -= 1;
            if let Err(panic) = result
                && !std::thread::panicking()
            {
                std::panic::resume_unwind(panic);
            }
        }
    }
}

impl<J, T, O> ParOp<J, T, O>
where
    J: Fn(Vec<T>) -> Vec<O> + Send + Sync + 'static,
    T: Send + 'static,
    O: Send + 'static,
{
    fn flight(&mut self) -> &mut Flight<O> {
        let config = self.config;
        self.flight.get_or_insert_with(|| Flight::new(config))
    }

    /// Pulls inputs into `filling` until a batch is full, starts a new read chunk, or the
    /// upstream ends.
    fn fill<U: Pull<Item = T> + ?Sized>(&mut self, mut up: Pin<&mut U>) {
        loop {
            let len = self.filling.len();
            if self.batching().is_full(len) {
                return;
            }
            let item = match self.carry.take() {
                Some(item) => item,
                None => match up.as_mut().pull() {
                    Some(item) => item,
                    None => {
                        self.drained = true;
                        return;
                    }
                },
            };
            let len = self.filling.len();
            if self.batching().starts_new(&item, len) {
                self.carry = Some(item);
                return;
            }
            self.filling.push(item);
        }
    }

    fn batching(&mut self) -> &mut Batching {
        let (batch, default) = (self.config.batch, self.default_batch);
        self.batching
            .get_or_insert_with(|| Batching::new::<T>(batch, default))
    }

    fn send_filling(&mut self) {
        if self.filling.is_empty() {
            return;
        }
        // The next batch is made as large as this one: no regrowth, no waste.
        let size = self.filling.len();
        let batch = std::mem::replace(&mut self.filling, Vec::with_capacity(size));
        let job = Arc::clone(&self.job);
        self.flight().send(&job, batch);
    }

    /// Passes on every output ready now (all of them, waiting, when `wait`) to `down`.
    fn forward<K: Sink<O>>(&mut self, down: &mut K, wait: bool) -> Flow {
        let flight = self.flight();
        loop {
            for out in flight.current.by_ref() {
                if down.send(out).is_err() {
                    return Flow::Stop;
                }
            }
            if !flight.next_batch(wait) {
                return Flow::Continue;
            }
        }
    }
}

impl<J, T, O> Op for ParOp<J, T, O>
where
    J: Fn(Vec<T>) -> Vec<O> + Send + Sync + 'static,
    T: Send + 'static,
    O: Send + 'static,
{
    type In = T;
    type Out = O;

    fn pull<U: Pull<Item = T> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<O> {
        loop {
            if let Some(out) = self.flight().current.next() {
                return Some(out);
            }
            // Keep the window full: the workers compute while this thread pulls.
            while !self.drained && self.flight().in_flight() < self.flight().window {
                self.fill(up.as_mut());
                self.send_filling();
            }
            // Nothing ready: rather than sleep until it is, this thread computes a batch too
            // (up to a second window's worth), as a rayon caller helps with its own `join`.
            while !self.flight().next_batch(false) {
                let drained = self.drained;
                let flight = self.flight();
                if drained || flight.in_flight() >= 2 * flight.window {
                    if !self.flight().next_batch(true) {
                        return None;
                    }
                    break;
                }
                self.fill(up.as_mut());
                if self.filling.is_empty() {
                    continue;
                }
                let batch = std::mem::take(&mut self.filling);
                let outputs = (self.job)(batch);
                self.flight().keep(outputs);
            }
        }
    }

    fn push<K: Sink<O>>(&mut self, item: T, down: &mut K) -> Flow {
        let len = self.filling.len();
        if self.batching().starts_new(&item, len) {
            self.send_filling();
        }
        self.filling.push(item);
        let len = self.filling.len();
        if !self.batching().is_full(len) {
            return Flow::Continue;
        }
        self.send_filling();
        if self.forward(down, false) == Flow::Stop {
            return Flow::Stop;
        }
        // A full window: wait for the oldest batch rather than queue without bound.
        while self.flight().in_flight() >= self.flight().window {
            if !self.flight().next_batch(true) {
                break;
            }
            if self.forward(down, false) == Flow::Stop {
                return Flow::Stop;
            }
        }
        Flow::Continue
    }

    fn finish<K: Sink<O>>(&mut self, down: &mut K) {
        self.send_filling();
        let _ = self.forward(down, true);
    }
}

/// The builder methods of every parallel stage.
impl<J, T, O> Stage<ParOp<J, T, O>> {
    fn configure(self, f: impl FnOnce(&mut Config)) -> Self {
        let mut op = self.into_op();
        f(&mut op.config);
        Stage::new(op)
    }

    /// Up to `n` inputs per batch sent to a worker.
    ///
    /// # Panics
    /// `n == 0`.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// let squares = pipe(0..100u64) | par_map(|x: u64| x * x).batch(7) | collect::<Vec<_>>();
    /// assert_eq!(squares, (0..100u64).map(|x| x * x).collect::<Vec<_>>());
    /// ```
    pub fn batch(self, n: usize) -> Self {
        assert!(n > 0, "batch(0): a batch holds at least one item");
        self.configure(|c| c.batch = Some(n))
    }

    /// At most `n` batches on workers or waiting for an earlier one (default: four per
    /// worker), and as many again computed by the calling thread while it waits: what bounds
    /// memory, and how far ahead of the slowest batch the others may run.
    ///
    /// # Panics
    /// `n == 0`.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// assert_eq!(pipe(0..50) | par_map(|x: i32| x + 1).window(1) | sum(), 1275);
    /// ```
    pub fn window(self, n: usize) -> Self {
        assert!(n > 0, "window(0): at least one batch must be in flight");
        self.configure(|c| c.window = Some(n))
    }

    /// Passes outputs on as their batches finish, not in input order.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// let mut got = pipe(0..100) | par_map(|x: i32| x * 3).unordered() | collect::<Vec<_>>();
    /// got.sort();
    /// assert_eq!(got, (0..100).map(|x| x * 3).collect::<Vec<_>>());
    /// ```
    pub fn unordered(self) -> Self {
        self.configure(|c| c.ordered = false)
    }

    /// Runs on a pool of its own with `n` threads instead of rayon's global pool (which has one
    /// per core). The pool's threads end after the stage is dropped.
    ///
    /// # Panics
    /// `n == 0`.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// assert_eq!(pipe(1..=10) | par_map(|x: i32| x * x).workers(3) | sum(), 385);
    /// ```
    pub fn workers(self, n: usize) -> Self {
        assert!(n > 0, "workers(0): a pool needs at least one thread");
        self.configure(|c| c.workers = Some(n))
    }
}

fn par_op<J, T, O>(job: J, default_batch: usize) -> Stage<ParOp<J, T, O>> {
    Stage::new(ParOp {
        job: Arc::new(job),
        config: Config {
            batch: None,
            window: None,
            ordered: true,
            workers: None,
        },
        flight: None,
        filling: Vec::new(),
        carry: None,
        batching: None,
        default_batch,
        drained: false,
        _types: PhantomData,
    })
}

/// `f` applied to every item on rayon's pool of workers: for CPU-bound work (parsing, hashing,
/// regex captures) that one core cannot keep up with. Items go to workers in batches of
/// [`DEFAULT_PAR_BATCH`] ([`batch`](Stage::batch)), at most a [`window`](Stage::window) of
/// batches in flight while this thread pulls the next ones; outputs come in input order unless
/// [`unordered`](Stage::unordered).
///
/// - While the next batch in order is not ready, the calling thread computes a batch itself
///   rather than sleep (as a rayon caller helps with its own `join`): `n` workers keep `n + 1`
///   threads busy, so `.workers(cores - 1)` matches the cores exactly.
/// - A panic in `f` is raised again in the consumer.
/// - Dropping the stage waits for the batches still on workers (at most a window), so none of
///   its work runs after it.
/// - `f` must be `Send + Sync + 'static` (workers share it); items and outputs `Send + 'static`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let lengths = pipe(["a", "bb", "ccc"]) | par_map(|s: &str| s.len()) | collect::<Vec<_>>();
/// assert_eq!(lengths, [1, 2, 3]);
/// ```
pub fn par_map<F, T, O>(f: F) -> Stage<ParOp<impl BatchJob<T, O>, T, O>>
where
    F: Fn(T) -> O + Send + Sync + 'static,
    T: Send + 'static,
    O: Send + 'static,
{
    par_op(
        move |batch: Vec<T>| batch.into_iter().map(&f).collect::<Vec<O>>(),
        DEFAULT_PAR_BATCH,
    )
}

/// [`par_map`] keeping the `Some`s: parse or filter on workers, pass on what survives.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let even = pipe(0..10u32) | par_filter_map(|x: u32| (x % 2 == 0).then_some(x * 10));
/// assert_eq!(even | collect::<Vec<_>>(), [0, 20, 40, 60, 80]);
/// ```
pub fn par_filter_map<F, T, O>(f: F) -> Stage<ParOp<impl BatchJob<T, O>, T, O>>
where
    F: Fn(T) -> Option<O> + Send + Sync + 'static,
    T: Send + 'static,
    O: Send + 'static,
{
    par_op(
        move |batch: Vec<T>| batch.into_iter().filter_map(&f).collect::<Vec<O>>(),
        DEFAULT_PAR_BATCH,
    )
}

#[cfg(feature = "io")]
/// [`per_file`](crate::io::per_file) with the files on several workers: for each path, runs
/// `sink` (a clone of it) over the file's lines and yields `(path, result)` for every file in
/// the input order (so in sorted order after `find(..).sorted()`), zero counts and errors
/// included. One file per batch; a window of four files per worker.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::par::par_per_file;
///
/// let dir = std::env::temp_dir().join(format!("genpipe-doc-par-per-file-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("a"), "404\n200\n404\n")?;
/// std::fs::write(dir.join("b"), "200\n")?;
/// let counts = pipe([dir.join("a"), dir.join("b"), dir.join("missing")])
///     | par_per_file(grep("404") | count())
///     | collect::<Vec<_>>();
/// assert_eq!(counts[0].1.as_ref().ok(), Some(&2));
/// assert_eq!(counts[1].1.as_ref().ok(), Some(&0));
/// assert!(counts[2].1.is_err());
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn par_per_file<P, K>(sink: K) -> PerFileStage<impl BatchJob<P, FileResult<K::Out>>, P, K::Out>
where
    P: AsRef<Path> + Send + 'static,
    K: Sink<Line> + Clone + Send + Sync + 'static,
    K::Out: Send + 'static,
{
    par_per_file_with(move || sink.clone())
}

#[cfg(feature = "io")]
/// [`par_per_file`] with a factory making each file's sink (called on the workers).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::par::par_per_file_with;
///
/// let path = std::env::temp_dir().join(format!("genpipe-doc-par-with-{}", std::process::id()));
/// std::fs::write(&path, "a\nb\n")?;
/// let got = pipe([path.clone()]) | par_per_file_with(count) | collect::<Vec<_>>();
/// assert_eq!(got[0].1.as_ref().ok(), Some(&2));
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn par_per_file_with<P, F, K>(
    make: F,
) -> PerFileStage<impl BatchJob<P, FileResult<K::Out>>, P, K::Out>
where
    P: AsRef<Path> + Send + 'static,
    F: Fn() -> K + Send + Sync + 'static,
    K: Sink<Line>,
    K::Out: Send + 'static,
{
    par_op(
        move |paths: Vec<P>| {
            paths
                .into_iter()
                .map(|path| {
                    let path = path.as_ref().to_path_buf();
                    let result = lines(&path).try_run(make());
                    (path, result)
                })
                .collect::<Vec<_>>()
        },
        1,
    )
}
