//! What the macros' expansions call. Not public API: no stability promise.
//!
//! Why public at all: proc-macro output is compiled in the user's crate, so everything it names
//! must be reachable from there. `#[doc(hidden)]` keeps it out of the docs.

use core::future::Future;
use core::pin::pin;

pub use crate::engine::Co;
use crate::engine::Pull;
use crate::{Coro, Gen, Stage};

/// A source generator: `make` builds the body with the generator's own `Co`.
///
/// Pairing the `Co` and the node here is what makes an id name exactly one frame type.
#[inline]
pub fn source<Y, R, Make, F>(make: Make) -> Gen<Node<NoInput<()>, F, Y, ()>>
where
    Make: FnOnce(Co<Y, ()>) -> F,
    F: Future<Output = R>,
{
    Gen::from_pull(GeneratorOp::new(make).attach(NoInput::default()))
}

/// A stage generator waiting for its upstream; its body returns `R`, `()` or a `Result` (a
/// fallible stage), checked here so a wrong `R` is an error at the stage's definition.
#[inline]
pub fn stage<Y, In, R, Make, F>(make: Make) -> Stage<GeneratorOp<F, Y, In>>
where
    Make: FnOnce(Co<Y, In>) -> F,
    F: Future<Output = R>,
    R: crate::outcome::StageEnd<()>,
{
    Stage::new(GeneratorOp::new(make))
}

/// A coroutine, run to its first `recv!()`.
#[inline]
pub fn coro<In, Out, Reply, Make, F>(make: Make) -> Coro<Node<PushSlot<In>, F, Reply, In>>
where
    Make: FnOnce(Co<Reply, In>) -> F,
    F: Future<Output = Out>,
{
    crate::consume::new_coro(make)
}

/// Holds the operand of `yield_from!` so method resolution can pick the generator form before
/// the iterator form (autoref dispatch; a `Gen` is also an `IntoIterator`): the macro calls
/// `(&mut Probe::new(x)).delegate(co)`; `DelegateGen` matches `&mut Probe<Gen<_>>` by value,
/// `DelegateIter` only after one more `&mut` autoref.
///
/// Why `&mut` and not a `Cell` behind `&`: the probe is a temporary that lives across the
/// `.await`, and `&Cell<_>` is not `Send`, which made every delegating body `!Send`.
pub struct Probe<T>(Option<T>);

impl<T> core::fmt::Debug for Probe<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Probe { .. }")
    }
}

impl<T> Probe<T> {
    /// Wraps the operand.
    pub fn new(value: T) -> Self {
        Probe(Some(value))
    }

    fn take(&mut self) -> T {
        match self.0.take() {
            Some(value) => value,
            None => unreachable!("genpipe: yield_from! operand taken twice"),
        }
    }
}

/// `yield_from!(generator)`: yields its items and evaluates to its return value.
pub trait DelegateGen<Y, In, const ASYNC: bool> {
    /// The sub-generator's return value.
    type Ret;
    /// Runs the delegation inside the parent's body.
    fn delegate(self, co: Co<Y, In, ASYNC>) -> impl Future<Output = Self::Ret>;
}

impl<S: Pull<Item = Y>, Y, In, const ASYNC: bool> DelegateGen<Y, In, ASYNC> for &mut Probe<Gen<S>> {
    type Ret = S::Return;

    #[inline(always)]
    fn delegate(self, co: Co<Y, In, ASYNC>) -> impl Future<Output = S::Return> {
        let sub = self.take();
        #[inline(always)]
        async move {
            // Pinned inline in the parent's body: no allocation.
            let mut sub = pin!(sub);
            while let Some(item) = sub.as_mut().pull() {
                co.yield_(item).await;
            }
            match sub.take_return() {
                Some(ret) => ret,
                None => panic!("genpipe: yield_from! of a generator that had already finished"),
            }
        }
    }
}

/// `yield_from!(iterable)`: yields its items and evaluates to `()`.
pub trait DelegateIter<Y, In, const ASYNC: bool> {
    /// Runs the delegation inside the parent's body.
    fn delegate(&mut self, co: Co<Y, In, ASYNC>) -> impl Future<Output = ()>;
}

impl<I: IntoIterator<Item = Y>, Y, In, const ASYNC: bool> DelegateIter<Y, In, ASYNC>
    for &mut Probe<I>
{
    #[inline(always)]
    fn delegate(&mut self, co: Co<Y, In, ASYNC>) -> impl Future<Output = ()> {
        let iter = self.take();
        #[inline(always)]
        async move {
            for item in iter {
                co.yield_(item).await;
            }
        }
    }
}

use crate::engine::GeneratorOp;
pub use crate::engine::{Next, NoInput, Node, PushSlot, Recv, Yield};

/// A stage body's view of its upstream: the parameter name is rebound to this, so a user's
/// shadowing binding of the same name fails to compile instead of being read as the upstream.
#[derive(Debug)]
pub struct Upstream<Y, In> {
    co: Co<Y, In>,
}

impl<Y, In> Co<Y, In> {
    /// The upstream handle of a stage body.
    pub fn upstream(self) -> Upstream<Y, In> {
        Upstream { co: self }
    }
}

impl<Y, In> Upstream<Y, In> {
    /// The next upstream item (`for x in input`, `input.next()`).
    #[inline(always)]
    pub fn __genpipe_next(&self) -> crate::engine::Next<Y, In> {
        self.co.next()
    }
}

/// An async source (`#[generator] async fn`): `make` builds the body with its own `Co`.
#[cfg(feature = "async")]
#[inline]
pub fn async_source<Y, R, Make, F>(make: Make) -> crate::AsyncGen<F, Y>
where
    Make: FnOnce(Co<Y, (), true>) -> F,
    F: Future<Output = R>,
{
    crate::AsyncGen::new(make)
}

/// An async coroutine (`#[coro] async fn`); nothing of it runs until the first `send`.
#[cfg(feature = "async")]
#[inline]
pub fn async_coro<In, Out, Reply, Make, F>(make: Make) -> crate::AsyncCoro<F, In, Reply>
where
    Make: FnOnce(Co<Reply, In, true>) -> F,
    F: Future<Output = Out>,
{
    crate::AsyncCoro::new(make)
}

/// An async stage's upstream, pinned in its body: `for x in input` and `input.next()` await
/// its next item with the executor's waker (the body's waker forwards to it).
#[cfg(feature = "async")]
pub trait AsyncNext {
    /// The stream's item.
    type Item;
    /// The next item, or `None` at the stream's end.
    fn __genpipe_next(&mut self) -> NextItem<'_, Self>
    where
        Self: Sized;
}

#[cfg(feature = "async")]
impl<S: futures_core::Stream + ?Sized> AsyncNext for core::pin::Pin<&mut S> {
    type Item = S::Item;

    #[inline(always)]
    fn __genpipe_next(&mut self) -> NextItem<'_, Self> {
        NextItem(self)
    }
}

/// The future of an async stage's `input.next()`.
#[cfg(feature = "async")]
#[derive(Debug)]
pub struct NextItem<'a, P>(&'a mut P);

#[cfg(feature = "async")]
impl<S: futures_core::Stream + ?Sized> Future for NextItem<'_, core::pin::Pin<&mut S>> {
    type Output = Option<S::Item>;

    #[inline(always)]
    fn poll(
        mut self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Option<S::Item>> {
        self.0.as_mut().poll_next(cx)
    }
}

/// Opens every `async fn` generator's and coroutine's expansion: nothing with the `async`
/// feature on, one clear error without it (instead of "cannot find type `AsyncGen`").
#[cfg(feature = "async")]
#[doc(hidden)]
#[macro_export]
macro_rules! __genpipe_requires_async {
    () => {};
}

/// Opens every `async fn` generator's and coroutine's expansion: nothing with the `async`
/// feature on, one clear error without it (instead of "cannot find type `AsyncGen`").
#[cfg(not(feature = "async"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __genpipe_requires_async {
    () => {
        ::core::compile_error!(
            "an `async fn` generator or coroutine needs genpipe's `async` feature: \
             genpipe = { version = \"..\", features = [\"async\"] }"
        );
    };
}
