//! Generator and coroutine bodies that `.await` (feature `async`): `#[generator] async fn`
//! makes an [`AsyncGen`], a [`Stream`]; `#[coro] async fn` makes an [`AsyncCoro`], whose
//! `send` is a future.
//!
//! The engine is the sync one (the body is an `async` block; `yield_!` puts the item in a frame
//! on the driver's stack and returns `Pending`), polled with a second waker whose clones and
//! wakes forward to the executor's: a body's `.await` on a socket, a timer or a channel
//! registers the executor's own waker, and the driver tells the two kinds of `Pending` apart by
//! what the frame says. No thread-local per item (async-stream's way), no `Rc`/`Mutex` airlock
//! (genawaiter's): an item costs a poll of the body and a move (`benches/README.md`, "Async").

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::Stream;
use futures_core::stream::FusedStream;

use crate::consume::SendError;
use crate::engine::{Co, GeneratorOp, NoInput, Node, PushSlot, Step};
use crate::outcome::Outcome;

/// How many items an [`AsyncGen`] yields in a row before it gives way, as
/// [`crate::stream::STREAM_BUDGET`] for a pipeline: a body that yields from memory without ever
/// awaiting anything pending would otherwise hold its executor thread for as long as it runs.
const BUDGET: u32 = crate::stream::STREAM_BUDGET;

/// An async generator's body: a source node, nothing upstream (a stage's stream is the body's).
type SourceNode<F, Y> = Node<NoInput<()>, F, Y, ()>;

/// An async coroutine's body: fed by `send`.
type PushNode<F, In, Reply> = Node<PushSlot<In>, F, Reply, In>;

/// An async generator: what `#[generator] async fn` returns. A [`Stream`] of the items its body
/// yields; the body may `.await` any future between them.
///
/// `F` is the body (an opaque future, so `Send` follows it: an `AsyncGen` whose body holds only
/// `Send` values can be `tokio::spawn`ed), `Y` the item. The body's value (`R` in
/// `AsyncGen<T, R>`) is [`take_return`](AsyncGen::take_return) after the end; a fallible body
/// (`R = Result<(), E>`, where `?` works) reads best as a `Stream` of `Result`s:
/// [`into_try_stream`](AsyncGen::into_try_stream).
///
/// Nothing runs until the first poll. The body lives in one allocation made here, so the
/// stream is `Unpin` (`StreamExt::next` works on it as it is) and an item allocates nothing.
/// It gives way every 128 items ([`crate::stream::STREAM_BUDGET`]) if its body never awaits
/// anything pending. Dropping it drops the body where it is suspended: its destructors run,
/// the rest of it does not.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// /// Pages of results, fetched one at a time, their rows yielded as they come.
/// #[generator]
/// async fn rows(pages: u32) -> AsyncGen<String> {
///     for page in 0..pages {
///         let body = fetch(page).await;
///         for row in body.lines() {
///             yield_!(row.to_string());
///         }
///     }
/// }
///
/// async fn fetch(page: u32) -> String {
///     format!("row {page}.a\nrow {page}.b") // a request, in real code
/// }
///
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// use std::future::poll_fn;
/// use std::pin::Pin;
/// use futures_core::Stream;
///
/// let mut stream = rows(2);
/// let mut got = Vec::new();
/// while let Some(row) = poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
///     got.push(row);
/// }
/// assert_eq!(got, ["row 0.a", "row 0.b", "row 1.a", "row 1.b"]);
/// # });
/// ```
#[must_use = "a stream does nothing unless polled"]
pub struct AsyncGen<F: Future, Y> {
    body: Pin<Box<SourceNode<F, Y>>>,
    budget: u32,
}

impl<F: Future, Y> fmt::Debug for AsyncGen<F, Y> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncGen")
            .field("done", &self.body.is_done())
            .finish_non_exhaustive()
    }
}

impl<F: Future, Y> AsyncGen<F, Y> {
    /// Boxes the body with its own `Co`; nothing of it runs yet.
    pub(crate) fn new(make: impl FnOnce(Co<Y, (), true>) -> F) -> Self {
        AsyncGen {
            body: Box::pin(GeneratorOp::new(make).attach(NoInput::default())),
            budget: BUDGET,
        }
    }

    /// The body's value, once, after the stream has ended (`None` before, after it was taken,
    /// or if the body panicked).
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// #[generator]
    /// async fn numbered(words: Vec<&'static str>) -> AsyncGen<String, usize> {
    ///     for (i, w) in words.iter().enumerate() {
    ///         yield_!(format!("{i}: {w}"));
    ///     }
    ///     words.len()
    /// }
    ///
    /// let mut g = numbered(vec!["a", "b"]);
    /// let items: Vec<String> = futures_executor::block_on_stream(&mut g).collect();
    /// assert_eq!(items, ["0: a", "1: b"]);
    /// assert_eq!(g.take_return(), Some(2));
    /// ```
    pub fn take_return(&mut self) -> Option<F::Output> {
        self.body.as_mut().take_body_return()
    }

    /// Whether the body has ended (returned or panicked).
    pub fn is_done(&self) -> bool {
        self.body.is_done()
    }

    /// A fallible generator as a `Stream` of `Result`s: its items as `Ok`, then its error, if
    /// it failed, as the last item (what `try_stream!` users expect).
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// #[generator]
    /// async fn parsed(fields: Vec<&'static str>) -> AsyncGen<u32, Result<(), std::num::ParseIntError>> {
    ///     for f in fields {
    ///         yield_!(f.parse::<u32>()?);
    ///     }
    ///     Ok(())
    /// }
    ///
    /// let got: Vec<_> = futures_executor::block_on_stream(parsed(vec!["1", "x", "3"]).into_try_stream()).collect();
    /// assert_eq!(got[0], Ok(1));
    /// assert!(got[1].is_err());
    /// assert_eq!(got.len(), 2);
    /// ```
    pub fn into_try_stream(self) -> AsyncTryGen<F, Y>
    where
        F::Output: Outcome,
    {
        AsyncTryGen {
            inner: self,
            failed: false,
        }
    }
}

impl<F: Future, Y> Stream for AsyncGen<F, Y> {
    type Item = Y;

    // Always inlined, with the body's poll: the caller's loop then holds the frame in
    // registers (`async/genpipe` in `scripts/instructions.sh`).
    #[inline(always)]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Y>> {
        let this = self.get_mut();
        if this.budget == 0 {
            this.budget = BUDGET;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        loop {
            match this.body.as_mut().poll_async(cx.waker(), &mut None) {
                Poll::Pending => {
                    // It waited on the executor: its budget starts again.
                    this.budget = BUDGET;
                    return Poll::Pending;
                }
                Poll::Ready(Step::Yielded(item)) => {
                    this.budget -= 1;
                    return Poll::Ready(Some(item));
                }
                Poll::Ready(Step::Done) => return Poll::Ready(None),
                // A source's input has ended from the start, so a body never waits for one;
                // the macro gives it no `recv!` anyway.
                Poll::Ready(Step::WantsInput(_)) => continue,
            }
        }
    }
}

impl<F: Future, Y> FusedStream for AsyncGen<F, Y> {
    fn is_terminated(&self) -> bool {
        self.body.is_done()
    }
}

/// A fallible [`AsyncGen`] as a `Stream` of `Result`s: [`AsyncGen::into_try_stream`].
#[must_use = "a stream does nothing unless polled"]
pub struct AsyncTryGen<F: Future, Y> {
    inner: AsyncGen<F, Y>,
    failed: bool,
}

impl<F: Future, Y> fmt::Debug for AsyncTryGen<F, Y> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncTryGen")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<F: Future, Y> Stream for AsyncTryGen<F, Y>
where
    F::Output: Outcome,
{
    type Item = Result<Y, <F::Output as Outcome>::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.failed {
            return Poll::Ready(None);
        }
        let polled = Pin::new(&mut this.inner).poll_next(cx);
        crate::stream::items_then_error(polled, || this.inner.take_return(), &mut this.failed)
    }
}

/// An async coroutine: what `#[coro] async fn` returns. [`send`](AsyncCoro::send) is a future
/// that resolves once the body has taken the value and come back to its next `recv!()`, having
/// awaited whatever it awaits in between; [`close`](AsyncCoro::close) ends the input and
/// resolves to the body's value.
///
/// Unlike a sync [`Coro`](crate::Coro), it is not run at once (that needs an executor): the
/// body starts on the first `send` or `close`. Its `Send`-ness follows the body's, and it lives
/// in one allocation made here.
///
/// # Cancellation
/// Dropping a `send` future before it resolves drops the value only if the body has not taken
/// it yet; once taken, the body keeps it and goes on from where it was suspended at the next
/// `send` or `close`: nothing the body holds is lost.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// /// Writes each line it is sent, and says how many bytes it wrote.
/// #[coro]
/// async fn writer(mut out: Vec<u8>) -> AsyncCoro<String, (usize, Vec<u8>)> {
///     let mut bytes = 0;
///     while let Some(line) = recv!() {
///         bytes += line.len() + 1;
///         out.extend_from_slice(line.as_bytes()); // an `AsyncWrite`, in real code:
///         out.push(b'\n');                         // `sock.write_all(..).await?`
///         ready_soon().await;
///     }
///     (bytes, out)
/// }
///
/// async fn ready_soon() {}
///
/// futures_executor::block_on(async {
///     let mut w = writer(Vec::new());
///     w.send("hello".to_string()).await.unwrap();
///     w.send("world".to_string()).await.unwrap();
///     let (bytes, out) = w.close().await;
///     assert_eq!(bytes, 12);
///     assert_eq!(out, b"hello\nworld\n");
/// });
/// ```
#[must_use = "a coroutine does nothing until values are sent to it"]
pub struct AsyncCoro<F: Future, In, Reply = ()> {
    body: Pin<Box<PushNode<F, In, Reply>>>,
}

impl<F: Future, In, Reply> fmt::Debug for AsyncCoro<F, In, Reply> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncCoro")
            .field("done", &self.body.is_done())
            .finish_non_exhaustive()
    }
}

impl<F: Future, In, Reply> AsyncCoro<F, In, Reply> {
    /// Boxes the body with its own `Co`; nothing of it runs yet.
    pub(crate) fn new(make: impl FnOnce(Co<Reply, In, true>) -> F) -> Self {
        AsyncCoro {
            body: Box::pin(GeneratorOp::new(make).attach(PushSlot::default())),
        }
    }

    /// Delivers `value`: resolves once the body has taken it and waits at its next `recv!()`.
    ///
    /// # Errors
    /// If the body has ended (or ends without taking the value), the value comes back in the
    /// `SendError`.
    pub async fn send(&mut self, value: In) -> Result<(), SendError<In>> {
        self.ask(value).await.map(drop)
    }

    /// Delivers `value` and resolves to the body's answer: the `reply` of its next
    /// `recv!(reply)`, or `None` if it used plain `recv!()` or ended.
    ///
    /// # Errors
    /// As [`send`](AsyncCoro::send).
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// #[coro]
    /// async fn running_total() -> AsyncCoro<u64, (), u64> {
    ///     let mut total = 0;
    ///     let mut next = recv!();
    ///     while let Some(x) = next {
    ///         total += x;
    ///         next = recv!(total);
    ///     }
    /// }
    ///
    /// futures_executor::block_on(async {
    ///     let mut t = running_total();
    ///     assert_eq!(t.ask(2).await.unwrap(), Some(2));
    ///     assert_eq!(t.ask(40).await.unwrap(), Some(42));
    /// });
    /// ```
    pub fn ask(&mut self, value: In) -> AsyncAsk<'_, F, In, Reply> {
        AsyncAsk {
            coro: self,
            value: Some(value),
            reply: None,
        }
    }

    /// Sends every item of `stream`, in order, then closes the coroutine and resolves to its
    /// value: `stream | sink` for async code. Stops taking items once the body has ended (the
    /// rest stay in the stream).
    ///
    /// # Panics
    /// As [`close`](AsyncCoro::close).
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// #[coro]
    /// async fn longest() -> AsyncCoro<String, usize> {
    ///     let mut best = 0;
    ///     while let Some(s) = recv!() {
    ///         best = best.max(s.len());
    ///     }
    ///     best
    /// }
    ///
    /// let words = pipe(["a", "abc", "ab"]).map(String::from).into_stream();
    /// assert_eq!(futures_executor::block_on(longest().send_all(words)), 3);
    /// ```
    pub async fn send_all<St>(mut self, stream: St) -> F::Output
    where
        St: Stream<Item = In>,
    {
        let mut stream = core::pin::pin!(stream);
        while !self.is_done() {
            let next = core::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await;
            let Some(item) = next else { break };
            // Not done before the send, so the body is at a `recv!()` (or has not started) and
            // takes the item; a body that returns before its first `recv!()` drops it.
            let _ = self.send(item).await;
        }
        self.close().await
    }

    /// Ends the input: the pending `recv!()` returns `None`, the body runs to its end
    /// (awaiting what it awaits), and its value is the future's.
    ///
    /// # Panics
    /// If the body panics now or panicked during an earlier `send`.
    pub async fn close(mut self) -> F::Output {
        self.body.as_mut().up_mut().get_mut().closed = true;
        core::future::poll_fn(|cx| {
            loop {
                match self.body.as_mut().poll_async(cx.waker(), &mut None) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Step::Done) => return Poll::Ready(()),
                    // A reply nobody asked for, or a `recv!()` that gets `None` now.
                    Poll::Ready(Step::Yielded(_) | Step::WantsInput(_)) => continue,
                }
            }
        })
        .await;
        match self.body.as_mut().take_body_return() {
            Some(out) => out,
            None => panic!("genpipe: close() on a coroutine whose body panicked"),
        }
    }

    /// Whether the body has ended (then `send` hands values back).
    pub fn is_done(&self) -> bool {
        self.body.is_done()
    }
}

/// The future of [`AsyncCoro::ask`] (and, without the reply, of [`AsyncCoro::send`]).
#[must_use = "a send does nothing unless awaited"]
pub struct AsyncAsk<'a, F: Future, In, Reply> {
    coro: &'a mut AsyncCoro<F, In, Reply>,
    /// The value, until the body takes it.
    value: Option<In>,
    /// A reply the body left before it waited again.
    reply: Option<Reply>,
}

impl<F: Future, In, Reply> fmt::Debug for AsyncAsk<'_, F, In, Reply> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncAsk")
            .field("taken", &self.value.is_none())
            .finish_non_exhaustive()
    }
}

// The value and the reply are moved, never pinned; the coroutine is boxed.
impl<F: Future, In, Reply> Unpin for AsyncAsk<'_, F, In, Reply> {}

impl<F: Future, In, Reply> Future for AsyncAsk<'_, F, In, Reply> {
    type Output = Result<Option<Reply>, SendError<In>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            // The value rides in the frame until the body's `recv!()` takes it; what it did not
            // take comes back into `value`.
            match this
                .coro
                .body
                .as_mut()
                .poll_async(cx.waker(), &mut this.value)
            {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Step::WantsInput(reply)) => {
                    if reply.is_some() {
                        this.reply = reply;
                    }
                    // Waiting with the value still untaken: the body was not at a `recv!()`
                    // yet (its first send); it has reached one now.
                    if this.value.is_none() {
                        return Poll::Ready(Ok(this.reply.take()));
                    }
                }
                Poll::Ready(Step::Yielded(reply)) => this.reply = Some(reply),
                Poll::Ready(Step::Done) => {
                    return Poll::Ready(match this.value.take() {
                        Some(untaken) => Err(SendError(untaken)),
                        None => Ok(this.reply.take()),
                    });
                }
            }
        }
    }
}
