//! Consumers: the `Sink` trait, send-driven coroutines (`Coro`), and `SendError`.

use core::fmt;
use core::future::Future;
use core::pin::Pin;

use crate::engine::{GeneratorOp, Node, PushSlot, Step};

/// Something items are pushed into: a coroutine, a built-in sink (`count()`, `sum()`, ...), or a
/// stage piped into a sink (`filter(..) | count()`).
///
/// `send` delivers one item; `close` ends the input and returns the result.
///
/// # Implementing it
/// A sink of your own implements `send` and `close`, and `is_done` if it can end before its
/// input does (a pipeline then stops pulling). Put it after `|` as
/// [`sink(my_sink)`](crate::sinks::sink); it goes into [`broadcast`](crate::combinators::broadcast),
/// a [`BoxSink`] and [`Gen::try_run`](crate::Gen::try_run) as it is. There is nothing hidden
/// to implement.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let mut total = sum::<u32>();
/// total.send(3).unwrap();
/// total.send(4).unwrap();
/// assert_eq!(total.close(), 7);
/// ```
pub trait Sink<T> {
    /// What `close` returns.
    type Out;

    /// Delivers one item.
    ///
    /// # Errors
    /// `Err(SendError(item))` hands the item back when the sink has ended and did not take it
    /// (its body returned, or a downstream sink ended). Nothing is dropped silently.
    fn send(&mut self, item: T) -> Result<(), SendError<T>>;

    /// Whether the sink takes no more items. A pipeline checks it before pulling the next item,
    /// so a sink that has ended does not make its upstream compute one item too many.
    fn is_done(&self) -> bool {
        false
    }

    /// Ends the input and returns the result.
    fn close(self) -> Self::Out
    where
        Self: Sized;
}

/// The object-safe face of [`Sink`], behind [`BoxSink`]: `close` takes `self` by value, which a
/// `dyn Sink` cannot, so a box closes through `close_boxed`.
///
/// Implemented for every `Sink`; there is nothing to implement. Sealed.
pub trait DynSink<T>: Sink<T> + dyn_sink::Sealed<T> {
    /// `close` for a boxed sink.
    fn close_boxed(self: Box<Self>) -> Self::Out;
}

mod dyn_sink {
    pub trait Sealed<T> {}
    impl<T, K: super::Sink<T>> Sealed<T> for K {}
}

impl<T, K: Sink<T>> DynSink<T> for K {
    #[inline]
    fn close_boxed(self: Box<Self>) -> K::Out {
        (*self).close()
    }
}

/// A type-erased sink, for a dynamic set of consumers.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let sinks: Vec<BoxSink<'_, u32, u32>> = vec![Box::new(sum()), Box::new(filter(|x: &u32| *x > 1) | sum())];
/// let totals: Vec<u32> = sinks.into_iter().map(|s| pipe([1, 2, 3]) | s).collect();
/// assert_eq!(totals, [6, 5]);
/// ```
pub type BoxSink<'a, T, Out> = Box<dyn DynSink<T, Out = Out> + 'a>;

impl<T, Out> Sink<T> for BoxSink<'_, T, Out> {
    type Out = Out;

    fn send(&mut self, item: T) -> Result<(), SendError<T>> {
        (**self).send(item)
    }

    fn is_done(&self) -> bool {
        (**self).is_done()
    }

    fn close(self) -> Out {
        self.close_boxed()
    }
}

/// A value a consumer could not take, handed back to the caller.
///
/// `Debug` for every `T` (it does not print the value), `Display` and `Error` when `T: Debug`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// #[coro]
/// fn first_only() -> Coro<u8, Option<u8>> {
///     recv!()
/// }
///
/// let mut c = first_only();
/// assert!(c.send(1).is_ok());
/// assert_eq!(c.send(2), Err(SendError(2)));
/// assert_eq!(c.close(), Some(1));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The value that was not delivered.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError { .. }")
    }
}

impl<T: fmt::Debug> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "consumer has ended; value {:?} was not delivered",
            self.0
        )
    }
}

impl<T: fmt::Debug> std::error::Error for SendError<T> {}

/// The pinned body behind a [`Coro`]: what `send`, `ask` and `close` drive.
///
/// Users name it only through the `Coro<In, Out, Reply>` shorthand of `#[coro]` or [`BoxCoro`],
/// and in bounds. Sealed: a coroutine is a `#[coro]` function; a consumer of one's own is a
/// [`Sink`] impl.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::Resume;
///
/// #[coro]
/// fn longest() -> Coro<String, usize> {
///     let mut best = 0;
///     while let Some(s) = recv!() {
///         best = best.max(s.len());
///     }
///     best
/// }
///
/// // Generic over any coroutine taking `String`s.
/// fn feed<P: Resume<In = String> + ?Sized>(c: &mut Coro<P>, words: &[&str]) {
///     for w in words {
///         c.send(w.to_string()).unwrap();
///     }
/// }
/// let mut c = longest();
/// feed(&mut c, &["a", "abc", "ab"]);
/// assert_eq!(c.close(), 3);
/// ```
pub trait Resume: crate::sealed::Resume {
    /// What `send` takes.
    type In;
    /// What `close` returns: the body's value.
    type Out;
    /// What `recv!(reply)` answers to `ask`.
    type Reply;

    /// Delivers `value` and runs the body until it waits for the next one.
    ///
    /// # Errors
    /// Hands `value` back if the body had already ended or ended without taking it.
    fn resume_with(
        self: Pin<&mut Self>,
        value: Self::In,
    ) -> Result<Option<Self::Reply>, SendError<Self::In>>;

    /// Makes the pending `recv!()` return `None` and runs the body to its end.
    ///
    /// `None` if the body's value was already taken or it panicked.
    fn finish(self: Pin<&mut Self>) -> Option<Self::Out>;

    /// Whether the body has ended.
    fn is_done(&self) -> bool;
}

impl<F: Future, Reply, In> crate::sealed::Resume for Node<PushSlot<In>, F, Reply, In> {}
impl<F: Future, Reply, In> Resume for Node<PushSlot<In>, F, Reply, In> {
    type In = In;
    type Out = F::Output;
    type Reply = Reply;

    // Always inlined: `send` is the coroutine's hot path (measured under fat LTO: 19 instead of
    // 9 instructions per item when LLVM declined the hint).
    #[inline(always)]
    fn resume_with(mut self: Pin<&mut Self>, value: In) -> Result<Option<Reply>, SendError<In>> {
        let mut pending = Some(value);
        let mut reply = None;
        loop {
            match self.as_mut().resume_with(&mut pending) {
                Step::WantsInput(r) => return Ok(r.or(reply)),
                // A coroutine body does not yield; a reply left without waiting is kept.
                Step::Yielded(r) => reply = Some(r),
                Step::Done => {
                    return match pending {
                        Some(untaken) => Err(SendError(untaken)),
                        None => Ok(reply),
                    };
                }
            }
        }
    }

    #[inline(always)]
    fn finish(mut self: Pin<&mut Self>) -> Option<F::Output> {
        self.as_mut().up_mut().get_mut().closed = true;
        while !matches!(self.as_mut().resume(), Step::Done) {}
        self.take_body_return()
    }

    fn is_done(&self) -> bool {
        Node::is_done(self)
    }
}

/// A send-driven coroutine: `send` pushes a value in, `close` ends it and returns its result.
///
/// Made by `#[coro]`. It is ready as soon as it is made: the body has already run up to its
/// first `recv!()` (no priming). In a `#[coro]` signature, `Coro<In, Out, Reply = ()>` is
/// shorthand for `Coro<impl Resume<In = In, Out = Out, Reply = Reply>>`, so `Send` follows the
/// body and `send` is statically dispatched; [`boxed`](Coro::boxed) erases it to [`BoxCoro`].
///
/// Dropping a coroutine without `close` drops its body: destructors run, the rest of the body
/// does not.
///
/// # Performance
/// The body lives in the one allocation its constructor made; `send` allocates nothing.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// #[coro]
/// fn summer() -> Coro<u64, u64> {
///     let mut total = 0;
///     while let Some(x) = recv!() {
///         total += x;
///     }
///     total
/// }
///
/// let mut s = summer();
/// s.send(2).unwrap();
/// s.send(40).unwrap();
/// assert_eq!(s.close(), 42);
/// ```
#[must_use = "a coroutine does nothing until values are sent to it"]
pub struct Coro<P: ?Sized> {
    body: Pin<Box<P>>,
}

/// A type-erased, `Send` coroutine. Made by [`Coro::boxed`], which has the example; a
/// `#[coro]` may also declare it as its return type.
pub type BoxCoro<'a, In, Out, Reply = ()> =
    Coro<dyn Resume<In = In, Out = Out, Reply = Reply> + Send + 'a>;

/// A type-erased coroutine that need not be `Send`. Made by [`Coro::boxed_local`], which has
/// the example.
pub type LocalBoxCoro<'a, In, Out, Reply = ()> =
    Coro<dyn Resume<In = In, Out = Out, Reply = Reply> + 'a>;

impl<P: ?Sized> fmt::Debug for Coro<P>
where
    P: Resume,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Coro")
            .field("done", &self.body.is_done())
            .finish()
    }
}

impl<P: Resume + ?Sized> Coro<P> {
    /// Delivers one value; the body runs until it waits for the next one.
    ///
    /// # Errors
    /// After the body has ended, the value comes back in the `SendError`.
    #[inline(always)]
    pub fn send(&mut self, value: P::In) -> Result<(), SendError<P::In>> {
        self.body.as_mut().resume_with(value).map(drop)
    }

    /// Delivers one value and returns the body's answer: the `reply` of its next
    /// `recv!(reply)`, or `None` if it ended (or used plain `recv!()`).
    ///
    /// # Errors
    /// After the body has ended, the value comes back in the `SendError`.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// #[coro]
    /// fn averager() -> Coro<f64, (), f64> {
    ///     let (mut total, mut n) = (0.0, 0.0);
    ///     let mut next = recv!();
    ///     while let Some(x) = next {
    ///         total += x;
    ///         n += 1.0;
    ///         next = recv!(total / n);
    ///     }
    /// }
    ///
    /// let mut avg = averager();
    /// assert_eq!(avg.ask(10.0).unwrap(), Some(10.0));
    /// assert_eq!(avg.ask(20.0).unwrap(), Some(15.0));
    /// ```
    #[inline(always)]
    pub fn ask(&mut self, value: P::In) -> Result<Option<P::Reply>, SendError<P::In>> {
        self.body.as_mut().resume_with(value)
    }

    /// Ends the input: the pending `recv!()` returns `None`, the body runs to its end, and its
    /// value is returned. Consumes the coroutine, so it cannot be closed twice.
    ///
    /// # Panics
    /// If the body panics now or panicked during an earlier `send`.
    // Always inlined, with `Resume::finish`: then the caller sees the coroutine's whole life
    // (made, fed, closed, freed), and LLVM keeps its state in registers, or removes the
    // allocation altogether, in every profile (`push/coro` in `scripts/instructions.sh`: 9,
    // as a closure; outlined, 11.5-13 in a larger binary and 19 under fat LTO).
    #[inline(always)]
    pub fn close(mut self) -> P::Out {
        match self.body.as_mut().finish() {
            Some(out) => out,
            None => panic!("genpipe: close() on a coroutine whose body panicked"),
        }
    }

    /// Whether the body has ended (then `send` hands values back).
    pub fn is_done(&self) -> bool {
        self.body.is_done()
    }
}

/// Sends every item, in order: `coro.extend(items)` is a `send` loop.
///
/// Stops pulling `items` as soon as the body has ended, so nothing is taken from the iterator
/// that the coroutine cannot receive (`Extend` cannot hand values back; a loop of `send` can).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// #[coro]
/// fn first_two() -> Coro<u32, Vec<u32>> {
///     let mut got = Vec::new();
///     while got.len() < 2 {
///         match recv!() {
///             Some(x) => got.push(x),
///             None => break,
///         }
///     }
///     got
/// }
///
/// let mut c = first_two();
/// let mut items = [1, 2, 3, 4].into_iter();
/// c.extend(&mut items);
/// assert_eq!(c.close(), [1, 2]);
/// assert_eq!(items.next(), Some(3)); // not taken
/// ```
impl<P: Resume + ?Sized> Extend<P::In> for Coro<P> {
    fn extend<I: IntoIterator<Item = P::In>>(&mut self, items: I) {
        let mut items = items.into_iter();
        while !self.is_done() {
            let Some(item) = items.next() else { break };
            // Not done before the send, so the body takes the value.
            let _ = self.send(item);
        }
    }
}

impl<P: Resume> Coro<P> {
    /// Erases the body type: `BoxCoro<'a, In, Out, Reply>`, `Send`. No new allocation.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// #[coro]
    /// fn counter() -> Coro<u8, usize> {
    ///     let mut n = 0;
    ///     while recv!().is_some() {
    ///         n += 1;
    ///     }
    ///     n
    /// }
    ///
    /// let mut sinks: Vec<BoxCoro<'static, u8, usize>> = vec![counter().boxed(), counter().boxed()];
    /// sinks[0].send(1).unwrap();
    /// assert_eq!(sinks.pop().unwrap().close(), 0);
    /// ```
    pub fn boxed<'a>(self) -> BoxCoro<'a, P::In, P::Out, P::Reply>
    where
        P: Send + 'a,
    {
        Coro { body: self.body }
    }

    /// Like [`boxed`](Coro::boxed), for coroutines that are not `Send`.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// #[coro]
    /// fn last() -> Coro<std::rc::Rc<u8>, Option<std::rc::Rc<u8>>> {
    ///     let mut last = None;
    ///     while let Some(x) = recv!() {
    ///         last = Some(x);
    ///     }
    ///     last
    /// }
    ///
    /// let mut c: LocalBoxCoro<'static, _, _> = last().boxed_local();
    /// c.send(std::rc::Rc::new(7)).unwrap();
    /// assert_eq!(*c.close().unwrap(), 7);
    /// ```
    pub fn boxed_local<'a>(self) -> LocalBoxCoro<'a, P::In, P::Out, P::Reply>
    where
        P: 'a,
    {
        Coro { body: self.body }
    }
}

impl<P: Resume + ?Sized> Sink<P::In> for Coro<P> {
    type Out = P::Out;

    #[inline(always)]
    fn send(&mut self, item: P::In) -> Result<(), SendError<P::In>> {
        Coro::send(self, item)
    }

    fn is_done(&self) -> bool {
        Coro::is_done(self)
    }

    fn close(self) -> P::Out {
        Coro::close(self)
    }
}

/// Builds a coroutine from its body and runs it to its first `recv!()`.
///
/// Always inlined: the caller then sees the coroutine's allocation being made, knows nothing
/// else points into it, and keeps its state in registers across `send`s (9 instructions per
/// pushed item). Left to LLVM, the call was outlined in a larger binary, and the state was
/// loaded and stored around every `send` (31, `push/coro` in `scripts/instructions.sh`).
#[inline(always)]
pub(crate) fn new_coro<F, Reply, In>(
    make: impl FnOnce(crate::engine::Co<Reply, In>) -> F,
) -> Coro<Node<PushSlot<In>, F, Reply, In>>
where
    F: Future,
{
    let mut body = Box::pin(GeneratorOp::new(make).attach(PushSlot::default()));
    // Priming: run the code before the first `recv!()`. A reply left there answers nothing.
    while let Step::Yielded(_) = body.as_mut().resume() {}
    Coro { body }
}
