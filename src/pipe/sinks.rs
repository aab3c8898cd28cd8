//! Built-in sinks: `count`, `sum`, `collect`, `for_each`, `fold`, `last`, `min`, `max`.
//!
//! Each is a [`Sink`]: at the end of a pull pipeline (`gen | count()`) the pipeline is pinned on
//! the stack and driven in one loop; after a stage (`filter(..) | count()`) it takes pushed items.
//!
//! # Errors
//! Piped after a fallible head (`R = Result<(), E>`), every sink returns `Result<Out, E>`: the
//! head's error if its body returned one, else the sink's value. After an infallible head it
//! returns `Out` itself.

use core::fmt;
use core::marker::PhantomData;
use core::ops::Add;

use super::sink_pipe_rhs;
use crate::consume::{SendError, Sink};

/// Implements the boilerplate of a sink whose `close` is `self.finish()`.
macro_rules! sink_close {
    ($out:ty) => {
        fn close(self) -> $out {
            self.finish()
        }
    };
}

/// The sink of [`count`].
#[derive(Clone, Debug, Default)]
pub struct Count {
    n: usize,
}

impl Count {
    fn finish(self) -> usize {
        self.n
    }
}

impl<T> Sink<T> for Count {
    type Out = usize;

    #[inline(always)]
    fn send(&mut self, _: T) -> Result<(), SendError<T>> {
        self.n += 1;
        Ok(())
    }

    sink_close!(usize);
}
sink_pipe_rhs!([] Count);

/// Counts the items.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// assert_eq!(pipe("a b c".split(' ')) | count(), 3);
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn count() -> Count {
    Count::default()
}

/// The sink of [`sum`].
#[derive(Clone)]
pub struct Sum<T> {
    total: Option<T>,
}

impl<T: fmt::Debug> fmt::Debug for Sum<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sum").field("total", &self.total).finish()
    }
}

impl<T: Default> Sum<T> {
    fn finish(self) -> T {
        self.total.unwrap_or_default()
    }

    /// The total: [`Sink::close`], callable without naming the item type (a `Sum<T>` is a sink
    /// of `T` and of `&T`, so the trait method alone would be ambiguous).
    pub fn close(self) -> T {
        self.finish()
    }
}

impl<T: Add<Output = T> + Default> Sink<T> for Sum<T> {
    type Out = T;

    #[inline(always)]
    fn send(&mut self, item: T) -> Result<(), SendError<T>> {
        self.total = Some(match self.total.take() {
            Some(total) => total + item,
            None => item,
        });
        Ok(())
    }

    sink_close!(T);
}

/// Borrowed items (`pipe(&v) | sum()`), as std's `Sum<&T>`: each is added to the owned total.
impl<'a, T: Add<&'a T, Output = T> + Default> Sink<&'a T> for Sum<T> {
    type Out = T;

    #[inline(always)]
    fn send(&mut self, item: &'a T) -> Result<(), SendError<&'a T>> {
        self.total = Some(self.total.take().unwrap_or_default() + item);
        Ok(())
    }

    sink_close!(T);
}
sink_pipe_rhs!([T,] Sum<T>);

/// Adds the items up (`T::default()` when there are none); overflow behaves as `+` does.
/// Borrowed items add up to an owned total, as with std's `Iterator::sum`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// assert_eq!(pipe([1.5, 2.5]) | sum(), 4.0);
/// assert_eq!(pipe(Vec::<u8>::new()) | sum(), 0);
/// let sizes = vec![10u64, 20, 30];
/// assert_eq!(pipe(&sizes) | sum(), 60);
/// assert_eq!(pipe(&sizes) | filter(|s: &&u64| **s > 10) | sum(), 50);
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn sum<T: Add<Output = T> + Default>() -> Sum<T> {
    Sum { total: None }
}

/// The sink of [`collect`].
#[derive(Clone, Debug, Default)]
pub struct Collect<C> {
    into: C,
}

impl<C> Collect<C> {
    fn finish(self) -> C {
        self.into
    }
}

impl<T, C: Extend<T>> Sink<T> for Collect<C> {
    type Out = C;

    #[inline(always)]
    fn send(&mut self, item: T) -> Result<(), SendError<T>> {
        self.into.extend(Some(item));
        Ok(())
    }

    sink_close!(C);
}
sink_pipe_rhs!([C,] Collect<C>);

/// Collects the items into any `Default + Extend` collection.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use std::collections::BTreeSet;
///
/// let set = pipe([3, 1, 3]) | collect::<BTreeSet<_>>();
/// assert_eq!(set.into_iter().collect::<Vec<_>>(), [1, 3]);
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn collect<C: Default>() -> Collect<C> {
    Collect { into: C::default() }
}

/// The sink of [`for_each`].
pub struct ForEach<F, T> {
    f: F,
    _item: PhantomData<fn(T)>,
}

impl<F: Clone, T> Clone for ForEach<F, T> {
    fn clone(&self) -> Self {
        ForEach {
            f: self.f.clone(),
            _item: PhantomData,
        }
    }
}

impl<F, T> fmt::Debug for ForEach<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ForEach { .. }")
    }
}

impl<F, T> ForEach<F, T> {
    fn finish(self) {}
}

impl<F: FnMut(T), T> Sink<T> for ForEach<F, T> {
    type Out = ();

    #[inline(always)]
    fn send(&mut self, item: T) -> Result<(), SendError<T>> {
        (self.f)(item);
        Ok(())
    }

    sink_close!(());
}
sink_pipe_rhs!([F, T,] ForEach<F, T>);

/// Calls `f` on every item.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let mut out = String::new();
/// pipe(["a", "b"]) | for_each(|s: &str| out.push_str(s));
/// assert_eq!(out, "ab");
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn for_each<F: FnMut(T), T>(f: F) -> ForEach<F, T> {
    ForEach {
        f,
        _item: PhantomData,
    }
}

/// The sink of [`fold`].
pub struct Fold<B, F, T> {
    acc: Option<B>,
    f: F,
    _item: PhantomData<fn(T)>,
}

impl<B: Clone, F: Clone, T> Clone for Fold<B, F, T> {
    fn clone(&self) -> Self {
        Fold {
            acc: self.acc.clone(),
            f: self.f.clone(),
            _item: PhantomData,
        }
    }
}

impl<B: fmt::Debug, F, T> fmt::Debug for Fold<B, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fold")
            .field("acc", &self.acc)
            .finish_non_exhaustive()
    }
}

impl<B, F, T> Fold<B, F, T> {
    fn finish(self) -> B {
        match self.acc {
            Some(acc) => acc,
            None => unreachable!("genpipe: fold accumulator lost"),
        }
    }
}

impl<B, F: FnMut(B, T) -> B, T> Sink<T> for Fold<B, F, T> {
    type Out = B;

    #[inline(always)]
    fn send(&mut self, item: T) -> Result<(), SendError<T>> {
        // `None` only while `f` runs; if `f` panics the sink is gone with the unwinding anyway.
        if let Some(acc) = self.acc.take() {
            self.acc = Some((self.f)(acc, item));
        }
        Ok(())
    }

    sink_close!(B);
}
sink_pipe_rhs!([B, F, T,] Fold<B, F, T>);

/// Folds the items into `init` with `f`, as `Iterator::fold`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let joined = pipe(["a", "b"]) | fold(String::new(), |acc: String, s: &str| acc + s);
/// assert_eq!(joined, "ab");
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn fold<B, F: FnMut(B, T) -> B, T>(init: B, f: F) -> Fold<B, F, T> {
    Fold {
        acc: Some(init),
        f,
        _item: PhantomData,
    }
}

/// The sink of [`last`], [`min`] and [`max`] (which have the examples): keeps one item.
#[derive(Clone)]
pub struct Pick<T> {
    kept: Option<T>,
    keep_new: fn(&T, &T) -> bool,
}

impl<T: fmt::Debug> fmt::Debug for Pick<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pick")
            .field("kept", &self.kept)
            .finish_non_exhaustive()
    }
}

impl<T> Pick<T> {
    fn finish(self) -> Option<T> {
        self.kept
    }
}

impl<T> Sink<T> for Pick<T> {
    type Out = Option<T>;

    #[inline(always)]
    fn send(&mut self, item: T) -> Result<(), SendError<T>> {
        match &self.kept {
            Some(kept) if !(self.keep_new)(kept, &item) => {}
            _ => self.kept = Some(item),
        }
        Ok(())
    }

    sink_close!(Option<T>);
}
sink_pipe_rhs!([T,] Pick<T>);

/// The last item, or `None` if there were none.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// assert_eq!(pipe(1..=3) | last(), Some(3));
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn last<T>() -> Pick<T> {
    Pick {
        kept: None,
        keep_new: |_, _| true,
    }
}

/// The smallest item (the first of equals), or `None`. Not in the prelude, where it and
/// `std::cmp::min` would shadow each other silently: write `sinks::min()`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::sinks;
///
/// assert_eq!(pipe([3, 1, 2]) | sinks::min(), Some(1));
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn min<T: Ord>() -> Pick<T> {
    Pick {
        kept: None,
        keep_new: |kept, new| new < kept,
    }
}

/// The largest item (the last of equals, as `Iterator::max`), or `None`. Not in the prelude,
/// as [`min`]: write `sinks::max()`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::sinks;
///
/// assert_eq!(pipe([3, 1, 2]) | sinks::max(), Some(3));
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn max<T: Ord>() -> Pick<T> {
    Pick {
        kept: None,
        keep_new: |kept, new| new >= kept,
    }
}

/// A sink of the user's own, made pipeable by [`sink`]: `gen | sink(my_sink)`.
///
/// Forwards `send`, `is_done` and `close` to the wrapped sink, each inlined: it costs nothing
/// beside the sink itself.
#[derive(Clone, Debug, Default)]
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub struct UserSink<K>(pub K);

super::forwarding_sink!(UserSink);

/// Puts a sink of the user's own after `|`: any type that implements [`Sink`] (`send` and
/// `close`; `is_done` if it can end early).
///
/// Why a wrapper: `|` is one trait, [`PipeRhs`](crate::PipeRhs), implemented by both stages and
/// sinks, and a blanket impl for every `Sink` would overlap the one for [`Stage`](crate::Stage)
/// (another crate could implement `Sink` for a `Stage`). The built-in sinks need no wrapper. A
/// user sink needs none inside [`broadcast`](crate::combinators::broadcast), nor with
/// [`Gen::try_run`](crate::Gen::try_run), nor with [`Sink::send`] by hand.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// /// Keeps the longest item seen.
/// #[derive(Default)]
/// struct Longest(String);
///
/// impl<'a> Sink<&'a str> for Longest {
///     type Out = String;
///
///     fn send(&mut self, item: &'a str) -> Result<(), SendError<&'a str>> {
///         if item.len() > self.0.len() {
///             self.0 = item.to_owned();
///         }
///         Ok(())
///     }
///
///     fn close(self) -> String {
///         self.0
///     }
/// }
///
/// let words = "a genpipe pipeline of words";
/// assert_eq!(pipe(words.split(' ')) | sink(Longest::default()), "pipeline");
/// // After a stage, and beside a built-in sink in a broadcast:
/// let long = filter(|w: &&str| w.len() > 2) | sink(Longest::default());
/// assert_eq!(pipe(words.split(' ')) | long, "pipeline");
/// let (n, longest) = pipe(words.split(' ')) | broadcast((count(), Longest::default()));
/// assert_eq!((n, longest.as_str()), (5, "pipeline"));
/// ```
pub fn sink<K>(sink: K) -> UserSink<K> {
    UserSink(sink)
}
