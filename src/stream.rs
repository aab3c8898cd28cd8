//! genpipe meets async Rust (feature `async`): a pipeline as a [`futures_core::Stream`], a
//! `Stream` as a pipeline's source, and a sink fed from a `Stream`.
//!
//! Which bridge when:
//!
//! | you have | in async code, use | it runs |
//! |---|---|---|
//! | a pipeline of CPU work or in-memory data | [`Gen::into_stream`] | inside `poll_next`, giving way every [`STREAM_BUDGET`] items |
//! | a pipeline that blocks (files, `follow`, decompression, a pipe) | [`Gen::into_stream_threaded`] | on a thread of its own; the executor never blocks |
//! | a fallible pipeline (`Gen<T, Result<(), E>>`) | [`Gen::into_try_stream`] (or `_threaded`) | as above, its error the last item |
//! | a `Stream`, and genpipe stages to run on it | [`through`] | each item pushed through the stage in `poll_next` |
//! | a `Stream` and a `Sink` or `#[coro]` | [`feed`] | an `async` fn: `feed(stream, sink).await` is the sink's result |
//! | a `Stream`, on a thread that may block | [`from_stream`] | a plain `Gen`: each pull waits (parks the thread) |
//! | a producer that awaits (a socket, a paged API, a timer) | `#[generator] async fn .. -> AsyncGen<T>` ([`AsyncGen`](crate::AsyncGen)) | in `poll_next`; `.await`s and `yield_!`s mix freely |
//! | a stage that awaits per item | `#[generator] async fn f(.., input: impl Stream<Item = T>) -> AsyncGen<U>` | called on its upstream: `f(stream)` |
//! | a consumer that awaits (writes to a socket) | `#[coro] async fn .. -> AsyncCoro<In, Out>` ([`AsyncCoro`](crate::AsyncCoro)) | `send(x).await`, `close().await`, `send_all(stream).await` |
//!
//! tokio is not a dependency: the bridges speak `futures-core`'s `Stream` and std's `Waker`,
//! which every executor uses.
//!
//! Await a stream's items with [`next`] (or `futures`' `StreamExt::next`): a
//! `std::future::poll_fn` closure around `poll_next`, awaited in a `tokio::spawn`ed task, makes
//! rustc fail to prove the task `Send` ("higher-ranked lifetime error"), a compiler limitation
//! that a future struct such as [`NextItem`] avoids.

use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures_core::Stream;
use pin_project_lite::pin_project;

use crate::consume::Sink;
use crate::engine::Pull;
use crate::outcome::Outcome;
use crate::pipe::stage::{Stage, StageOp};
use crate::produce::Gen;

/// How many items [`Gen::into_stream`] yields in a row before it gives way (returns `Pending`
/// after waking itself), so a long CPU-only pipeline never holds an executor thread. A yield
/// costs an executor round trip, about 80 ns on tokio's `current_thread` runtime: 1 ns an item
/// at 128, 2.4 ns at tokio-stream's 32, on items that cost 3.6 ns to stream
/// (`cargo run --release --features full --example stream_budget`; `benches/README.md`,
/// "Async"). tokio's own cooperative budget per task is 128 too.
pub const STREAM_BUDGET: u32 = 128;

pin_project! {
    /// A pipeline as a [`Stream`]: [`Gen::into_stream`].
    pub struct GenStream<S: Pull> {
        #[pin]
        pipeline: Gen<S>,
        budget: u32,
        ended: bool,
        ret: Option<S::Return>,
    }
}

impl<S: Pull> core::fmt::Debug for GenStream<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GenStream")
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl<S: Pull> GenStream<S> {
    /// The pipeline's return value, once the stream has ended.
    pub fn into_return(self) -> Option<S::Return> {
        self.ret
    }
}

impl<S: Pull> Stream for GenStream<S> {
    type Item = S::Item;

    // Always inlined, as `Iterator::next` of a pinned `Gen` is: the pipeline then stays in
    // registers across the caller's polling loop (engine docs, "Why this is fast").
    #[inline(always)]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        if *this.ended {
            return Poll::Ready(None);
        }
        if *this.budget == 0 {
            *this.budget = STREAM_BUDGET;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        *this.budget -= 1;
        let mut pipeline = this.pipeline;
        match pipeline.as_mut().pull() {
            Some(item) => Poll::Ready(Some(item)),
            None => {
                *this.ended = true;
                *this.ret = pipeline.take_return();
                Poll::Ready(None)
            }
        }
    }
}

pin_project! {
    /// A fallible pipeline as a `Stream` of `Result`s: [`Gen::into_try_stream`].
    pub struct GenTryStream<S: Pull> {
        #[pin]
        inner: GenStream<S>,
        failed: bool,
    }
}

impl<S: Pull> core::fmt::Debug for GenTryStream<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GenTryStream").finish_non_exhaustive()
    }
}

/// What a fallible pipeline's stream yields: its items, and its error.
type Fallible<S> = Result<<S as Pull>::Item, <<S as Pull>::Return as Outcome>::Error>;

/// A try-stream's next item from its stream's: items as `Ok`, then at the end the pipeline's
/// error (taken from `ret`), if it failed, as the last item.
pub(crate) fn items_then_error<T, R: Outcome>(
    polled: Poll<Option<T>>,
    ret: impl FnOnce() -> Option<R>,
    failed: &mut bool,
) -> Poll<Option<Result<T, R::Error>>> {
    match polled {
        Poll::Pending => Poll::Pending,
        Poll::Ready(Some(item)) => Poll::Ready(Some(Ok(item))),
        Poll::Ready(None) => match Outcome::into_result(ret()) {
            Err(e) => {
                *failed = true;
                Poll::Ready(Some(Err(e)))
            }
            Ok(()) => Poll::Ready(None),
        },
    }
}

impl<S> Stream for GenTryStream<S>
where
    S: Pull,
    S::Return: Outcome,
{
    type Item = Fallible<S>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Fallible<S>>> {
        let this = self.project();
        if *this.failed {
            return Poll::Ready(None);
        }
        let mut inner = this.inner;
        let polled = inner.as_mut().poll_next(cx);
        items_then_error(polled, || inner.project().ret.take(), this.failed)
    }
}

impl<S: Pull> Gen<S> {
    /// This pipeline as a [`Stream`], run inside `poll_next`: for CPU work and in-memory data.
    /// It gives way every [`STREAM_BUDGET`] items (returns `Pending` after waking itself), so
    /// a long pipeline shares its executor thread. A pipeline that blocks (reads files,
    /// follows a log) would block the executor: use
    /// [`into_stream_threaded`](Gen::into_stream_threaded) for those. The pipeline's return
    /// value is [`GenStream::into_return`] after the end.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use futures_core::Stream;
    /// use std::pin::pin;
    /// use std::task::{Context, Poll, Waker};
    ///
    /// #[generator]
    /// fn squares(n: u64) -> Gen<u64> {
    ///     for i in 1..=n {
    ///         yield_!(i * i);
    ///     }
    /// }
    ///
    /// // Any executor polls it; here, by hand.
    /// let mut stream = pin!((squares(300) | filter(|x: &u64| x % 2 == 1)).into_stream());
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let (mut sum, mut gave_way) = (0, 0);
    /// loop {
    ///     match stream.as_mut().poll_next(&mut cx) {
    ///         Poll::Ready(Some(x)) => sum += x,
    ///         Poll::Ready(None) => break,
    ///         Poll::Pending => gave_way += 1,
    ///     }
    /// }
    /// assert_eq!(sum, (1..=300u64).filter(|i| i % 2 == 1).map(|i| i * i).sum::<u64>());
    /// assert_eq!(gave_way, 1); // 150 items: once, after the first 128
    /// ```
    pub fn into_stream(self) -> GenStream<S> {
        GenStream {
            pipeline: self,
            budget: STREAM_BUDGET,
            ended: false,
            ret: None,
        }
    }

    /// A fallible pipeline (`Gen<T, Result<(), E>>`, as the `io` sources are) as a `Stream` of
    /// `Result<T, E>`: its items as `Ok`, then its error, if it failed, as the last item.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use futures_core::Stream;
    /// use std::pin::pin;
    /// use std::task::{Context, Poll, Waker};
    ///
    /// #[generator]
    /// fn parsed(words: Vec<&'static str>) -> Gen<u32, Result<(), std::num::ParseIntError>> {
    ///     for w in words {
    ///         yield_!(w.parse::<u32>()?);
    ///     }
    ///     Ok(())
    /// }
    ///
    /// let mut stream = pin!(parsed(vec!["1", "2", "x", "4"]).into_try_stream());
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let mut got = Vec::new();
    /// while let Poll::Ready(Some(item)) = stream.as_mut().poll_next(&mut cx) {
    ///     got.push(item.map_err(|e| e.to_string()));
    /// }
    /// assert_eq!(got, [Ok(1), Ok(2), Err("invalid digit found in string".into())]);
    /// ```
    pub fn into_try_stream(self) -> GenTryStream<S> {
        GenTryStream {
            inner: self.into_stream(),
            failed: false,
        }
    }
}

/// The waker of a task polling a [`ThreadedStream`], which its producer thread wakes.
#[derive(Default)]
struct WakerSlot {
    waker: Mutex<Option<Waker>>,
}

impl WakerSlot {
    fn register(&self, waker: &Waker) {
        let mut slot = self
            .waker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*slot {
            Some(current) if current.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    fn wake(&self) {
        let waker = self
            .waker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

mod threaded {
    use super::*;
    use crate::par::threaded::{DEFAULT_BATCH, Threaded, Waited};

    /// A pipeline on a thread of its own as a `Stream`: [`Gen::into_stream_threaded`].
    pub struct ThreadedStream<S: Pull> {
        threaded: Threaded<Gen<S>>,
        slot: Arc<WakerSlot>,
        ret: Option<S::Return>,
    }

    impl<S: Pull> core::fmt::Debug for ThreadedStream<S> {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("ThreadedStream").finish_non_exhaustive()
        }
    }

    // The pipeline is pinned on its thread, never here.
    impl<S: Pull> Unpin for ThreadedStream<S> {}

    impl<S> ThreadedStream<S>
    where
        S: Pull + Send + 'static,
        S::Item: Send + 'static,
        S::Return: Send + 'static,
    {
        /// The pipeline's return value, once the stream has ended.
        pub fn into_return(self) -> Option<S::Return> {
            self.ret
        }

        fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
            // Registered before looking, so a batch sent in between wakes this task.
            self.slot.register(cx.waker());
            match self.threaded.poll_next() {
                Waited::Message(item) => Poll::Ready(Some(item)),
                Waited::TimedOut => Poll::Pending,
                Waited::Ended => {
                    self.ret = self.threaded.take_outcome();
                    Poll::Ready(None)
                }
            }
        }
    }

    impl<S> Stream for ThreadedStream<S>
    where
        S: Pull + Send + 'static,
        S::Item: Send + 'static,
        S::Return: Send + 'static,
    {
        type Item = S::Item;

        fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
            self.get_mut().poll_item(cx)
        }
    }

    /// A fallible pipeline on a thread of its own as a `Stream` of `Result`s:
    /// [`Gen::into_try_stream_threaded`].
    pub struct ThreadedTryStream<S: Pull> {
        inner: ThreadedStream<S>,
        failed: bool,
    }

    impl<S: Pull> core::fmt::Debug for ThreadedTryStream<S> {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("ThreadedTryStream").finish_non_exhaustive()
        }
    }

    impl<S: Pull> Unpin for ThreadedTryStream<S> {}

    impl<S> Stream for ThreadedTryStream<S>
    where
        S: Pull + Send + 'static,
        S::Item: Send + 'static,
        S::Return: Outcome + Send + 'static,
    {
        type Item = Fallible<S>;

        fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Fallible<S>>> {
            let this = self.get_mut();
            if this.failed {
                return Poll::Ready(None);
            }
            let polled = this.inner.poll_item(cx);
            items_then_error(polled, || this.inner.ret.take(), &mut this.failed)
        }
    }

    impl<S> Gen<S>
    where
        S: Pull + Send + 'static,
        S::Item: Send + 'static,
        S::Return: Send + 'static,
    {
        /// This pipeline on a thread of its own, as a [`Stream`]: for pipelines that block
        /// (file reads, `follow`, decompression, `lines` over a pipe), so the executor never
        /// does. Items cross in batches (as [`threaded`](crate::par::threaded)'s, a read chunk
        /// of lines at a time, sent early when a `follow` waits for input), at most `cap`
        /// batches in flight. The thread starts at the first poll. Dropping the stream stops
        /// the producer (a `follow` within one poll) and joins it; a panic there is raised
        /// again in the task that polls.
        ///
        /// # Example
        /// ```
        /// use genpipe::io::{grep, lines};
        /// use futures_core::Stream;
        /// use std::pin::pin;
        /// use std::task::{Context, Poll, Wake, Waker};
        /// use std::sync::Arc;
        ///
        /// let path = std::env::temp_dir().join(format!("genpipe-doc-stream-{}.log", std::process::id()));
        /// std::fs::write(&path, "a 404\nb 200\nc 404\n")?;
        /// // Reading the file happens on the pipeline's thread; this task only polls.
        /// let mut stream = pin!((lines(&path) | grep("404")).into_try_stream_threaded(4));
        ///
        /// // A waker that unparks this thread (an executor's would wake its task).
        /// struct Unpark(std::thread::Thread);
        /// impl Wake for Unpark {
        ///     fn wake(self: Arc<Self>) { self.0.unpark() }
        /// }
        /// let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        /// let mut cx = Context::from_waker(&waker);
        /// let mut hits = Vec::new();
        /// loop {
        ///     match stream.as_mut().poll_next(&mut cx) {
        ///         Poll::Ready(Some(line)) => hits.push(line?.to_string()),
        ///         Poll::Ready(None) => break,
        ///         Poll::Pending => std::thread::park(),
        ///     }
        /// }
        /// assert_eq!(hits, ["a 404", "c 404"]);
        /// std::fs::remove_file(&path)?;
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        ///
        /// # Panics
        /// `cap == 0`.
        pub fn into_stream_threaded(self, cap: usize) -> ThreadedStream<S> {
            assert!(
                cap > 0,
                "into_stream_threaded(0): at least one batch must fit"
            );
            let slot = Arc::new(WakerSlot::default());
            let waker = Arc::clone(&slot);
            ThreadedStream {
                threaded: Threaded::new(self, cap, None, DEFAULT_BATCH)
                    .notifying(Arc::new(move || waker.wake())),
                slot,
                ret: None,
            }
        }

        /// [`into_stream_threaded`](Gen::into_stream_threaded) for a fallible pipeline: a
        /// `Stream` of `Result<T, E>`, the error (if it failed) its last item.
        pub fn into_try_stream_threaded(self, cap: usize) -> ThreadedTryStream<S> {
            ThreadedTryStream {
                inner: self.into_stream_threaded(cap),
                failed: false,
            }
        }
    }
}

pub use threaded::{ThreadedStream, ThreadedTryStream};

/// What a pushed stage hands on, queued for the stream that reads it (shared with the stage's
/// sink, which owns its end: an uncontended lock per item, and `Send`).
type Queue<T> = Arc<Mutex<VecDeque<T>>>;

/// The sink at the end of a stage run by [`through`]: queues what the stage sends.
#[doc(hidden)]
pub struct Queued<T>(Queue<T>);

impl<T> core::fmt::Debug for Queued<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Queued(..)")
    }
}

impl<T> Sink<T> for Queued<T> {
    type Out = ();

    fn send(&mut self, item: T) -> Result<(), crate::consume::SendError<T>> {
        lock(&self.0).push_back(item);
        Ok(())
    }

    fn close(self) {}
}

fn lock<T>(queue: &Queue<T>) -> std::sync::MutexGuard<'_, VecDeque<T>> {
    queue
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pin_project! {
    /// A stage run on a `Stream`'s items: [`through`].
    pub struct Through<St, P, T> {
        #[pin]
        stream: St,
        pushed: Option<P>,
        ready: Queue<T>,
    }
}

impl<St, P, T> core::fmt::Debug for Through<St, P, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Through")
            .field("ended", &self.pushed.is_none())
            .finish_non_exhaustive()
    }
}

impl<St, P, T> Stream for Through<St, P, T>
where
    St: Stream,
    P: Sink<St::Item>,
{
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut this = self.project();
        loop {
            if let Some(out) = lock(this.ready).pop_front() {
                return Poll::Ready(Some(out));
            }
            let Some(pushed) = this.pushed.as_mut() else {
                return Poll::Ready(None);
            };
            if pushed.is_done() {
                // A stage that stopped (`take`): its rest comes out as it closes.
                if let Some(pushed) = this.pushed.take() {
                    pushed.close();
                }
                continue;
            }
            match this.stream.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(item)) => {
                    let _ = pushed.send(item);
                }
                Poll::Ready(None) => {
                    if let Some(pushed) = this.pushed.take() {
                        pushed.close();
                    }
                }
            }
        }
    }
}

/// Runs a genpipe stage (`map`, `filter`, `grep`, `field(n)`, `take`, `dedup`, `chunks`, a
/// `#[coro]`-free composition of them with `|`, ...) on each item of an async `Stream`, as a
/// `Stream`: each item is pushed through the stage inside `poll_next`, nothing blocks. A stage
/// that stops (`take`, `take_while`) ends the stream without polling the source again.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::stream::through;
/// use futures_core::Stream;
/// use std::pin::pin;
/// use std::task::{Context, Poll, Waker};
///
/// // Any Stream: here a pipeline made one, standing for a socket or a channel.
/// let source = pipe(1..=10).into_stream();
/// let stage = filter(|x: &u32| x % 2 == 0) | map(|x: u32| x * 10) | take(3);
/// let mut evens = pin!(through(source, stage));
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut got = Vec::new();
/// while let Poll::Ready(Some(x)) = evens.as_mut().poll_next(&mut cx) {
///     got.push(x);
/// }
/// assert_eq!(got, [20, 40, 60]);
/// ```
pub fn through<St, A>(stream: St, stage: Stage<A>) -> Through<St, A::Pushed<Queued<A::Out>>, A::Out>
where
    St: Stream<Item = A::In>,
    A: StageOp,
    A::Pushed<Queued<A::Out>>: Sink<A::In>,
{
    let ready: Queue<A::Out> = Arc::default();
    Through {
        stream,
        pushed: Some(stage.into_op().push_into(Queued(Arc::clone(&ready)))),
        ready,
    }
}

/// Feeds every item of `stream` to `sink` (a built-in sink such as `count()` or `collect()`,
/// a `#[coro]`, a stage piped into a sink), then closes it and returns its result: the async
/// form of `gen | sink`. Stops early when the sink is done (a `take` inside it, a coroutine
/// that returned).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::stream::feed;
/// use std::pin::pin;
/// use std::task::{Context, Poll, Waker};
///
/// #[coro]
/// fn total() -> Coro<u64, u64> {
///     let mut sum = 0;
///     while let Some(x) = recv!() {
///         sum += x;
///     }
///     sum
/// }
///
/// let stream = pipe(1..=100u64).into_stream();
/// let mut fed = pin!(feed(stream, total()));
/// let mut cx = Context::from_waker(Waker::noop());
/// let sum = loop {
///     if let Poll::Ready(sum) = fed.as_mut().poll(&mut cx) {
///         break sum;
///     }
/// };
/// assert_eq!(sum, 5050);
/// ```
pub async fn feed<St, K>(stream: St, mut sink: K) -> K::Out
where
    St: Stream,
    K: Sink<St::Item>,
{
    let mut stream = core::pin::pin!(stream);
    while !sink.is_done() {
        let next = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await;
        match next {
            Some(item) => {
                if sink.send(item).is_err() {
                    break;
                }
            }
            None => break,
        }
    }
    sink.close()
}

/// A waker that unparks the thread that made it.
struct Unpark(std::thread::Thread);

impl std::task::Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

pin_project! {
    /// A `Stream` as a plain generator: [`from_stream`].
    pub struct StreamSource<St> {
        #[pin]
        stream: St,
        waker: Option<Waker>,
        ended: bool,
    }
}

impl<St> core::fmt::Debug for StreamSource<St> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamSource")
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl<St: Stream> crate::sealed::Pull for StreamSource<St> {}
impl<St: Stream> Pull for StreamSource<St> {
    type Item = St::Item;
    type Return = ();

    fn pull(self: Pin<&mut Self>) -> Option<St::Item> {
        let mut this = self.project();
        if *this.ended {
            return None;
        }
        let waker = this
            .waker
            .get_or_insert_with(|| Waker::from(Arc::new(Unpark(std::thread::current()))))
            .clone();
        let mut cx = Context::from_waker(&waker);
        loop {
            match this.stream.as_mut().poll_next(&mut cx) {
                Poll::Ready(Some(item)) => return Some(item),
                Poll::Ready(None) => {
                    *this.ended = true;
                    return None;
                }
                // Woken by the stream's producer: a spurious unpark just polls again.
                Poll::Pending => std::thread::park(),
            }
        }
    }

    fn take_return(self: Pin<&mut Self>) -> Option<()> {
        self.ended.then_some(())
    }
}

/// Any `Stream` as a plain genpipe source, on a thread that may block: each pull polls the
/// stream and, while it is pending, parks the thread until the stream's waker unparks it. Use
/// it on a thread of your own (or tokio's `spawn_blocking`), with a stream whose producer runs
/// elsewhere (a tokio task sending on a channel, a socket the runtime drives): inside a tokio
/// worker thread it would block that worker, and a stream that needs that worker to make
/// progress would never wake it. In async code, run stages on the stream with [`through`]
/// instead.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::stream::from_stream;
///
/// // A stream from another thread's work: a pipeline made one, on its thread.
/// let stream = pipe(1..=5u32).into_stream_threaded(2);
/// let total = from_stream(stream) | map(|x: u32| x * 2) | sum();
/// assert_eq!(total, 30);
/// ```
pub fn from_stream<St: Stream>(stream: St) -> Gen<StreamSource<St>> {
    Gen::from_pull(StreamSource {
        stream,
        waker: None,
        ended: false,
    })
}

/// The next item of a stream, as a future: what `futures`' `StreamExt::next` does, without a
/// dependency for it. A struct, not a `poll_fn` closure, so a `tokio::spawn`ed task that awaits
/// it is `Send` when the stream is.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::stream::next;
///
/// futures_executor::block_on(async {
///     let mut s = pipe(1..=3u32).into_stream();
///     let mut total = 0;
///     while let Some(x) = next(&mut s).await {
///         total += x;
///     }
///     assert_eq!(total, 6);
/// });
/// ```
pub fn next<St: Stream + Unpin + ?Sized>(stream: &mut St) -> NextItem<'_, St> {
    NextItem(stream)
}

/// The future of [`next`].
#[derive(Debug)]
#[must_use = "a future does nothing unless awaited"]
pub struct NextItem<'a, St: ?Sized>(&'a mut St);

impl<St: Stream + Unpin + ?Sized> core::future::Future for NextItem<'_, St> {
    type Output = Option<St::Item>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<St::Item>> {
        Pin::new(&mut *self.0).poll_next(cx)
    }
}
