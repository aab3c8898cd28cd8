//! Built-in stages: `map`, `filter`, `filter_map`, `inspect`, `take`, `skip`, `take_while`,
//! `enumerate`, `flat_map`.
//!
//! Each is one small [`Op`]: how it answers a pull and how it handles a push. [`Adapt`] and
//! [`AdaptSink`] turn any `Op` into a pulled stage and a pushed sink, so each stage is written once.

use core::fmt;
use core::marker::PhantomData;
use core::pin::Pin;

use pin_project_lite::pin_project;

use super::StageOp;
use super::stage::Stage;
use crate::consume::{SendError, Sink};
use crate::engine::Pull;

/// Whether a pushed stage can take more items.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

#[inline(always)]
pub(crate) fn flow<T>(sent: Result<(), SendError<T>>) -> Flow {
    match sent {
        Ok(()) => Flow::Continue,
        Err(_) => Flow::Stop,
    }
}

/// One built-in stage, pulled or pushed.
#[doc(hidden)]
pub trait Op {
    type In;
    type Out;
    /// The next output, pulling from `up` as needed.
    fn pull<U: Pull<Item = Self::In> + ?Sized>(&mut self, up: Pin<&mut U>) -> Option<Self::Out>;
    /// Handles one pushed item, sending outputs to `down`.
    fn push<K: Sink<Self::Out>>(&mut self, item: Self::In, down: &mut K) -> Flow;
    /// Bounds on the items left after this stage, given the upstream's (`Iterator::size_hint`).
    #[inline]
    fn size_bounds(&self, up: (usize, Option<usize>)) -> (usize, Option<usize>) {
        let _ = up;
        (0, None)
    }
    /// Whether the stage takes no more items (then a pushed item is handed back).
    fn is_exhausted(&self) -> bool {
        false
    }
    /// Sends what the stage still holds when its pushed input ends (a parallel stage's batches
    /// in flight).
    fn finish<K: Sink<Self::Out>>(&mut self, down: &mut K) {
        let _ = down;
    }
    #[cfg(feature = "io")]
    /// [`Pull::pull_with`] through this stage: field stages override it to stay fused.
    #[inline]
    fn pull_with<U, T, F>(&mut self, mut up: Pin<&mut U>, mut f: F) -> Option<T>
    where
        U: Pull<Item = Self::In>,
        Self::Out: crate::text::AsLineRef,
        F: FnMut(crate::text::LineRef<'_>) -> Option<T>,
    {
        loop {
            let out = self.pull(up.as_mut())?;
            if let Some(t) = f(crate::text::AsLineRef::line_ref(&out)) {
                return Some(t);
            }
        }
    }
}

pin_project! {
    /// A built-in stage attached to its upstream: what `gen | map(f)` holds. See [`map`].
    #[derive(Debug)]
    pub struct Adapt<U, O> {
        #[pin]
        up: U,
        op: O,
    }
}

impl<U: Pull<Item = O::In>, O: Op> crate::sealed::Pull for Adapt<U, O> {}
impl<U: Pull<Item = O::In>, O: Op> Pull for Adapt<U, O> {
    type Item = O::Out;
    type Return = U::Return;

    #[inline(always)]
    fn pull(self: Pin<&mut Self>) -> Option<O::Out> {
        let this = self.project();
        this.op.pull(this.up)
    }

    // Always inlined: an out-of-line call here receives the pinned pipeline, and LLVM then
    // keeps all of it in memory through the loop before it (engine docs, "Why this is fast").
    #[inline(always)]
    fn take_return(self: Pin<&mut Self>) -> Option<U::Return> {
        self.project().up.take_return()
    }

    #[inline]
    fn size_bounds(&self) -> (usize, Option<usize>) {
        if !U::size_known() {
            return (0, None);
        }
        self.op.size_bounds(self.up.size_bounds())
    }

    #[inline(always)]
    fn size_known() -> bool {
        U::size_known()
    }

    #[cfg(feature = "io")]
    #[inline(always)]
    fn pull_with<T, F>(self: Pin<&mut Self>, f: F) -> Option<T>
    where
        O::Out: crate::text::AsLineRef,
        F: FnMut(crate::text::LineRef<'_>) -> Option<T>,
    {
        let this = self.project();
        this.op.pull_with(this.up, f)
    }
}

/// A built-in stage feeding a sink: what `map(f) | sink` holds. See [`StageSink`](crate::StageSink).
#[derive(Clone, Debug)]
pub struct AdaptSink<O, K> {
    op: O,
    down: K,
    ended: bool,
}

impl<O: Op, K: Sink<O::Out>> Sink<O::In> for AdaptSink<O, K> {
    type Out = K::Out;

    #[inline]
    fn send(&mut self, item: O::In) -> Result<(), SendError<O::In>> {
        if self.ended || self.op.is_exhausted() {
            return Err(SendError(item));
        }
        if self.op.push(item, &mut self.down) == Flow::Stop {
            self.ended = true;
        }
        Ok(())
    }

    #[inline(always)]
    fn is_done(&self) -> bool {
        self.ended || self.op.is_exhausted() || self.down.is_done()
    }

    fn close(mut self) -> K::Out {
        if !self.ended {
            self.op.finish(&mut self.down);
        }
        self.down.close()
    }
}

impl<O: Op> crate::sealed::StageOp for O {}
impl<O: Op> StageOp for O {
    type In = O::In;
    type Out = O::Out;
    type Pulled<U> = Adapt<U, O>;
    type Pushed<K> = AdaptSink<O, K>;

    #[inline(always)]
    fn attach<U>(self, up: U) -> Adapt<U, O> {
        Adapt { up, op: self }
    }

    fn push_into<K>(self, down: K) -> AdaptSink<O, K> {
        AdaptSink {
            op: self,
            down,
            ended: false,
        }
    }
}

/// Declares an op struct holding a function, with its constructor and `Debug`.
macro_rules! fn_op {
    ($(#[$meta:meta])* $name:ident<$f:ident $(, $extra:ident)*>) => {
        $(#[$meta])*
        pub struct $name<$f, In $(, $extra)*> {
            f: $f,
            _in: PhantomData<fn(In) $(-> $extra)*>,
        }

        impl<$f, In $(, $extra)*> $name<$f, In $(, $extra)*> {
            pub(crate) fn new(f: $f) -> Self {
                $name { f, _in: PhantomData }
            }
        }

        impl<$f: Clone, In $(, $extra)*> Clone for $name<$f, In $(, $extra)*> {
            fn clone(&self) -> Self {
                $name { f: self.f.clone(), _in: PhantomData }
            }
        }

        impl<$f, In $(, $extra)*> fmt::Debug for $name<$f, In $(, $extra)*> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), " { .. }"))
            }
        }
    };
}

fn_op!(
    /// The stage of [`map`]. Also [`Gen::map`](crate::Gen::map).
    MapOp<F>
);

impl<F: FnMut(In) -> O, In, O> Op for MapOp<F, In> {
    type In = In;
    type Out = O;

    #[inline]
    fn size_bounds(&self, up: (usize, Option<usize>)) -> (usize, Option<usize>) {
        up
    }

    #[inline(always)]
    fn pull<U: Pull<Item = In> + ?Sized>(&mut self, up: Pin<&mut U>) -> Option<O> {
        up.pull().map(&mut self.f)
    }

    #[inline(always)]
    fn push<K: Sink<O>>(&mut self, item: In, down: &mut K) -> Flow {
        flow(down.send((self.f)(item)))
    }
}

/// Applies `f` to every item.
///
/// With `|`, give the closure's argument type (`map(|x: u32| ..)`) or use the method form,
/// [`Gen::map`](crate::Gen::map): see [the pipe docs](crate::PipeRhs) for why.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let lens = pipe(["a", "bcd"]) | map(str::len) | collect::<Vec<_>>();
/// assert_eq!(lens, [1, 3]);
/// ```
pub fn map<F: FnMut(Item) -> O, Item, O>(f: F) -> Stage<MapOp<F, Item>> {
    Stage::new(MapOp::new(f))
}

fn_op!(
    /// The stage of [`filter`].
    FilterOp<P>
);

impl<P: FnMut(&In) -> bool, In> Op for FilterOp<P, In> {
    type In = In;
    type Out = In;

    #[inline]
    fn size_bounds(&self, up: (usize, Option<usize>)) -> (usize, Option<usize>) {
        (0, up.1)
    }

    #[inline(always)]
    fn pull<U: Pull<Item = In> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<In> {
        loop {
            let item = up.as_mut().pull()?;
            if (self.f)(&item) {
                return Some(item);
            }
        }
    }

    #[inline(always)]
    fn push<K: Sink<In>>(&mut self, item: In, down: &mut K) -> Flow {
        if (self.f)(&item) {
            flow(down.send(item))
        } else {
            Flow::Continue
        }
    }
}

/// Keeps the items for which `pred` is true.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// assert_eq!(pipe(1..=6) | filter(|x: &i32| x % 3 == 0) | count(), 2);
/// ```
pub fn filter<P: FnMut(&Item) -> bool, Item>(pred: P) -> Stage<FilterOp<P, Item>> {
    Stage::new(FilterOp::new(pred))
}

fn_op!(
    /// The stage of [`filter_map`].
    FilterMapOp<F>
);

impl<F: FnMut(In) -> Option<O>, In, O> Op for FilterMapOp<F, In> {
    type In = In;
    type Out = O;

    #[inline]
    fn size_bounds(&self, up: (usize, Option<usize>)) -> (usize, Option<usize>) {
        (0, up.1)
    }

    #[inline(always)]
    fn pull<U: Pull<Item = In> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<O> {
        loop {
            if let Some(out) = (self.f)(up.as_mut().pull()?) {
                return Some(out);
            }
        }
    }

    #[inline(always)]
    fn push<K: Sink<O>>(&mut self, item: In, down: &mut K) -> Flow {
        match (self.f)(item) {
            Some(out) => flow(down.send(out)),
            None => Flow::Continue,
        }
    }
}

/// Maps every item and keeps the `Some`s.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let nums = pipe(["1", "x", "3"]) | filter_map(|s: &str| s.parse::<u8>().ok()) | sum();
/// assert_eq!(nums, 4);
/// ```
pub fn filter_map<F: FnMut(Item) -> Option<O>, Item, O>(f: F) -> Stage<FilterMapOp<F, Item>> {
    Stage::new(FilterMapOp::new(f))
}

fn_op!(
    /// The stage of [`inspect`].
    InspectOp<F>
);

impl<F: FnMut(&In), In> Op for InspectOp<F, In> {
    type In = In;
    type Out = In;

    #[inline]
    fn size_bounds(&self, up: (usize, Option<usize>)) -> (usize, Option<usize>) {
        up
    }

    #[inline(always)]
    fn pull<U: Pull<Item = In> + ?Sized>(&mut self, up: Pin<&mut U>) -> Option<In> {
        let item = up.pull()?;
        (self.f)(&item);
        Some(item)
    }

    #[inline(always)]
    fn push<K: Sink<In>>(&mut self, item: In, down: &mut K) -> Flow {
        (self.f)(&item);
        flow(down.send(item))
    }
}

/// Calls `f` on every item and passes it on unchanged.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let mut seen = Vec::new();
/// let total = pipe([1, 2]) | inspect(|x: &i32| seen.push(*x)) | sum();
/// assert_eq!((total, seen), (3, vec![1, 2]));
/// ```
pub fn inspect<F: FnMut(&Item), Item>(f: F) -> Stage<InspectOp<F, Item>> {
    Stage::new(InspectOp::new(f))
}

/// The stage of [`take_while`].
pub struct TakeWhileOp<P, In> {
    pred: P,
    ended: bool,
    _in: PhantomData<fn(In)>,
}

impl<P, In> TakeWhileOp<P, In> {
    pub(crate) fn new(pred: P) -> Self {
        TakeWhileOp {
            pred,
            ended: false,
            _in: PhantomData,
        }
    }
}

impl<P: Clone, In> Clone for TakeWhileOp<P, In> {
    fn clone(&self) -> Self {
        TakeWhileOp {
            pred: self.pred.clone(),
            ended: self.ended,
            _in: PhantomData,
        }
    }
}

impl<P, In> fmt::Debug for TakeWhileOp<P, In> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TakeWhileOp")
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl<P: FnMut(&In) -> bool, In> Op for TakeWhileOp<P, In> {
    type In = In;
    type Out = In;

    #[inline]
    fn size_bounds(&self, up: (usize, Option<usize>)) -> (usize, Option<usize>) {
        if self.ended { (0, Some(0)) } else { (0, up.1) }
    }

    #[inline(always)]
    fn pull<U: Pull<Item = In> + ?Sized>(&mut self, up: Pin<&mut U>) -> Option<In> {
        // Never pulls again after the first failure: the upstream may be endless.
        if self.ended {
            return None;
        }
        let item = up.pull()?;
        if (self.pred)(&item) {
            Some(item)
        } else {
            self.ended = true;
            None
        }
    }

    #[inline(always)]
    fn push<K: Sink<In>>(&mut self, item: In, down: &mut K) -> Flow {
        if (self.pred)(&item) {
            flow(down.send(item))
        } else {
            self.ended = true;
            Flow::Stop
        }
    }

    fn is_exhausted(&self) -> bool {
        self.ended
    }
}

/// Items while `pred` holds; ends at the first item that fails it (that item is dropped).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// assert_eq!(pipe(1..) | take_while(|x: &u32| *x < 4) | sum(), 6);
/// ```
pub fn take_while<P: FnMut(&Item) -> bool, Item>(pred: P) -> Stage<TakeWhileOp<P, Item>> {
    Stage::new(TakeWhileOp::new(pred))
}

/// The stage of [`flat_map`].
pub struct FlatMapOp<F, In, I: IntoIterator> {
    f: F,
    current: Option<I::IntoIter>,
    _in: PhantomData<fn(In)>,
}

impl<F, In, I: IntoIterator> FlatMapOp<F, In, I> {
    pub(crate) fn new(f: F) -> Self {
        FlatMapOp {
            f,
            current: None,
            _in: PhantomData,
        }
    }
}

impl<F, In, I: IntoIterator> fmt::Debug for FlatMapOp<F, In, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FlatMapOp { .. }")
    }
}

impl<F: FnMut(In) -> I, In, I: IntoIterator> Op for FlatMapOp<F, In, I> {
    type In = In;
    type Out = I::Item;

    #[inline]
    fn pull<U: Pull<Item = In> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<I::Item> {
        loop {
            if let Some(item) = self.current.as_mut().and_then(Iterator::next) {
                return Some(item);
            }
            self.current = Some((self.f)(up.as_mut().pull()?).into_iter());
        }
    }

    #[inline]
    fn push<K: Sink<I::Item>>(&mut self, item: In, down: &mut K) -> Flow {
        for out in (self.f)(item) {
            if down.send(out).is_err() {
                return Flow::Stop;
            }
        }
        Flow::Continue
    }
}

/// Maps every item to an iterable and yields the items of each in turn.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let chars = pipe(["ab", "c"]) | flat_map(|s: &str| s.chars().collect::<Vec<_>>()) | count();
/// assert_eq!(chars, 3);
/// ```
pub fn flat_map<F: FnMut(Item) -> I, Item, I: IntoIterator>(f: F) -> Stage<FlatMapOp<F, Item, I>> {
    Stage::new(FlatMapOp::new(f))
}

/// The stage of [`take`].
pub struct TakeOp<In> {
    left: usize,
    _in: PhantomData<fn(In)>,
}

impl<In> TakeOp<In> {
    pub(crate) fn new(n: usize) -> Self {
        TakeOp {
            left: n,
            _in: PhantomData,
        }
    }
}

impl<In> Clone for TakeOp<In> {
    fn clone(&self) -> Self {
        TakeOp {
            left: self.left,
            _in: PhantomData,
        }
    }
}

impl<In> fmt::Debug for TakeOp<In> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TakeOp").field("left", &self.left).finish()
    }
}

impl<In> Op for TakeOp<In> {
    type In = In;
    type Out = In;

    #[inline]
    fn size_bounds(&self, up: (usize, Option<usize>)) -> (usize, Option<usize>) {
        (
            up.0.min(self.left),
            Some(up.1.map_or(self.left, |n| n.min(self.left))),
        )
    }

    #[inline(always)]
    fn pull<U: Pull<Item = In> + ?Sized>(&mut self, up: Pin<&mut U>) -> Option<In> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        up.pull()
    }

    #[inline(always)]
    fn push<K: Sink<In>>(&mut self, item: In, down: &mut K) -> Flow {
        self.left -= 1;
        match flow(down.send(item)) {
            Flow::Continue if self.left > 0 => Flow::Continue,
            _ => Flow::Stop,
        }
    }

    fn is_exhausted(&self) -> bool {
        self.left == 0
    }
}

/// The first `n` items; never pulls the `n + 1`th.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// assert_eq!(pipe(1..) | take(3) | collect::<Vec<u64>>(), [1, 2, 3]);
/// ```
pub fn take<Item>(n: usize) -> Stage<TakeOp<Item>> {
    Stage::new(TakeOp::new(n))
}

/// The stage of [`skip`].
pub struct SkipOp<In> {
    left: usize,
    _in: PhantomData<fn(In)>,
}

impl<In> SkipOp<In> {
    pub(crate) fn new(n: usize) -> Self {
        SkipOp {
            left: n,
            _in: PhantomData,
        }
    }
}

impl<In> Clone for SkipOp<In> {
    fn clone(&self) -> Self {
        SkipOp {
            left: self.left,
            _in: PhantomData,
        }
    }
}

impl<In> fmt::Debug for SkipOp<In> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SkipOp").field("left", &self.left).finish()
    }
}

impl<In> Op for SkipOp<In> {
    type In = In;
    type Out = In;

    #[inline]
    fn size_bounds(&self, up: (usize, Option<usize>)) -> (usize, Option<usize>) {
        (
            up.0.saturating_sub(self.left),
            up.1.map(|n| n.saturating_sub(self.left)),
        )
    }

    #[inline(always)]
    fn pull<U: Pull<Item = In> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<In> {
        while self.left > 0 {
            self.left -= 1;
            up.as_mut().pull()?;
        }
        up.pull()
    }

    #[inline(always)]
    fn push<K: Sink<In>>(&mut self, item: In, down: &mut K) -> Flow {
        if self.left > 0 {
            self.left -= 1;
            Flow::Continue
        } else {
            flow(down.send(item))
        }
    }
}

/// Drops the first `n` items.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// assert_eq!(pipe(1..=5) | skip(3) | sum(), 9);
/// ```
pub fn skip<Item>(n: usize) -> Stage<SkipOp<Item>> {
    Stage::new(SkipOp::new(n))
}

/// The stage of [`enumerate`].
pub struct EnumerateOp<In> {
    next: usize,
    _in: PhantomData<fn(In)>,
}

impl<In> EnumerateOp<In> {
    pub(crate) fn new() -> Self {
        EnumerateOp {
            next: 0,
            _in: PhantomData,
        }
    }
}

impl<In> Clone for EnumerateOp<In> {
    fn clone(&self) -> Self {
        EnumerateOp {
            next: self.next,
            _in: PhantomData,
        }
    }
}

impl<In> fmt::Debug for EnumerateOp<In> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnumerateOp")
            .field("next", &self.next)
            .finish()
    }
}

impl<In> EnumerateOp<In> {
    #[inline(always)]
    fn number(&mut self, item: In) -> (usize, In) {
        let i = self.next;
        self.next += 1;
        (i, item)
    }
}

impl<In> Op for EnumerateOp<In> {
    type In = In;
    type Out = (usize, In);

    #[inline]
    fn size_bounds(&self, up: (usize, Option<usize>)) -> (usize, Option<usize>) {
        up
    }

    #[inline(always)]
    fn pull<U: Pull<Item = In> + ?Sized>(&mut self, up: Pin<&mut U>) -> Option<(usize, In)> {
        let item = up.pull()?;
        Some(self.number(item))
    }

    #[inline(always)]
    fn push<K: Sink<(usize, In)>>(&mut self, item: In, down: &mut K) -> Flow {
        let numbered = self.number(item);
        flow(down.send(numbered))
    }
}

/// Pairs every item with its index, from 0.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let last = pipe(["a", "b"]) | enumerate() | last();
/// assert_eq!(last, Some((1, "b")));
/// ```
pub fn enumerate<Item>() -> Stage<EnumerateOp<Item>> {
    Stage::new(EnumerateOp::new())
}
