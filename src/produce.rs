//! `Gen`, the lazy producer: an `Iterator` over a pinned pipeline.

use core::fmt;
use core::iter::FusedIterator;
use core::pin::{Pin, pin};

use pin_project_lite::pin_project;

use crate::engine::heap::{Boxed, replace_with};
use crate::engine::{IterPull, Pull};

pin_project! {
    /// A lazy producer: a `#[generator]`, or a pipeline ending in one or more stages.
    ///
    /// In a `#[generator]` signature, `Gen<T>` and `Gen<'a, T>` are shorthand: the macro writes
    /// `Gen<impl Pull<Item = T, Return = ()>>`, a wrapper over the body's unnameable type, so auto
    /// traits such as `Send` follow the body and every call is statically dispatched. `Gen<T, R>`
    /// declares the body's return value `R`, read back with [`finish`](Gen::finish). To store a
    /// generator in a struct or return different ones from one function, erase its type once with
    /// [`boxed`](Gen::boxed) ([`BoxGen`]) or [`boxed_local`](Gen::boxed_local) ([`LocalBoxGen`]).
    ///
    /// Nothing runs until the first item is pulled.
    ///
    /// # Performance
    /// Consuming by value (`| sum()`, `| count()`, `fold`, `for_each`, `count`, `sum`, `last`,
    /// [`finish`](Gen::finish)) pins the pipeline on the stack: no allocation, and the speed of
    /// hand-written iterators (measured from a user's crate: 9 instructions per item on a 3-stage
    /// chain, hand-written 9). A `for` loop over `pin!(g)` does the same (see the `Iterator` impl
    /// for `Pin<&mut Gen<S>>`). `next()` on the `Gen` itself (a plain `for` loop, `collect`, `zip`,
    /// and `try_fold` with what std builds on it: `find`, `any`, `all`, `position`) needs a stable
    /// address across calls, so the first `next()` moves the pipeline into one heap allocation,
    /// where its state lives in memory (65 instructions per item on the same chain). Figures:
    /// `benches/README.md`.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// #[generator]
    /// fn countdown(n: u32) -> Gen<u32> {
    ///     for i in (1..=n).rev() {
    ///         yield_!(i);
    ///     }
    /// }
    ///
    /// assert_eq!(countdown(3).collect::<Vec<_>>(), [3, 2, 1]);
    /// assert_eq!(countdown(4) | sum(), 10);
    /// ```
    #[must_use = "generators are lazy and do nothing unless consumed"]
    pub struct Gen<S> {
        #[pin]
        state: State<S>,
    }
}

pin_project! {
    // The stage is structurally pinned while `Unpinned` (pinned by whoever consumes the `Gen`
    // by value); `Pinned` holds it on the heap already.
    #[project = StateProj]
    enum State<S> {
        // Not yet driven by `next()`: movable, pinned by whoever consumes it by value.
        Unpinned { #[pin] stage: S },
        // Driven by `next()` at least once: pinned in its one allocation.
        Pinned { boxed: Boxed<S> },
    }
}

/// Pulls `$stage` (a `Pin<&mut impl Pull>`) until it ends or `$each` breaks, through
/// [`Pull::pull_fresh`] when the pipeline allows it: one check before the loop, and a loop
/// without calls in it (see `Pull::pull_fresh`).
macro_rules! pull_loop {
    ($stage:ident, |$item:ident| $each:expr) => {
        if $stage.any_boxed() {
            while let Some($item) = $stage.as_mut().pull() {
                $each;
            }
        } else {
            while let Some($item) = $stage.as_mut().pull_fresh() {
                $each;
            }
        }
    };
}

#[inline(never)]
fn pull_boxed<S: Pull>(stage: Pin<&mut S>) -> Option<S::Item> {
    stage.pull()
}

#[inline(never)]
fn take_return_boxed<S: Pull>(stage: Pin<&mut S>) -> Option<S::Return> {
    stage.take_return()
}

#[cfg(feature = "io")]
#[inline(never)]
fn pull_matching_boxed<S: Pull>(
    stage: Pin<&mut S>,
    matcher: &crate::text::Matcher,
) -> Option<S::Item>
where
    S::Item: AsRef<[u8]>,
{
    stage.pull_matching(matcher)
}

#[cfg(feature = "io")]
#[inline(never)]
fn count_matching_boxed<S: Pull>(
    stage: Pin<&mut S>,
    matcher: &crate::text::Matcher,
    limit: u64,
) -> u64
where
    S::Item: AsRef<[u8]>,
{
    stage.count_matching(matcher, limit)
}

#[cfg(feature = "io")]
#[inline(never)]
fn pull_with_boxed<S: Pull, T, F>(stage: Pin<&mut S>, f: F) -> Option<T>
where
    S::Item: crate::text::AsLineRef,
    F: FnMut(crate::text::LineRef<'_>) -> Option<T>,
{
    stage.pull_with(f)
}

#[inline(never)]
fn drive_boxed<S, T>(mut boxed: Boxed<S>, f: impl FnOnce(Pin<&mut S>) -> T) -> T {
    f(boxed.as_mut())
}

/// A type-erased, `Send` generator: `Gen` over a boxed `dyn Pull`.
///
/// Made by [`Gen::boxed`]. Recursive generators declare it as their return type: the macro
/// boxes each call once (a generator's type cannot contain itself).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// struct Dir {
///     files: Vec<&'static str>,
///     subdirs: Vec<Dir>,
/// }
///
/// #[generator]
/// fn walk<'a>(dir: &'a Dir) -> BoxGen<'a, &'static str> {
///     for file in &dir.files {
///         yield_!(*file);
///     }
///     for sub in &dir.subdirs {
///         yield_from!(walk(sub));
///     }
/// }
///
/// let tree = Dir { files: vec!["a"], subdirs: vec![Dir { files: vec!["b", "c"], subdirs: vec![] }] };
/// assert_eq!(walk(&tree).collect::<Vec<_>>(), ["a", "b", "c"]);
/// ```
pub type BoxGen<'a, T, R = ()> = Gen<Pin<Box<dyn Pull<Item = T, Return = R> + Send + 'a>>>;

/// A type-erased generator that need not be `Send`. Made by [`Gen::boxed_local`], which has
/// the example.
pub type LocalBoxGen<'a, T, R = ()> = Gen<Pin<Box<dyn Pull<Item = T, Return = R> + 'a>>>;

impl<S> fmt::Debug for Gen<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Unpinned { .. } => "unpinned",
            State::Pinned { .. } => "pinned",
        };
        f.debug_struct("Gen")
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

impl<S> Gen<S> {
    /// Wraps a pinnable producer. Users get a `Gen` from `#[generator]` or [`pipe`](crate::pipe).
    #[doc(hidden)]
    pub fn from_pull(stage: S) -> Self {
        Gen {
            state: State::Unpinned { stage },
        }
    }
}

impl<S: Pull> Gen<S> {
    /// Runs the rest of the body, dropping the items it still yields, and returns its value.
    ///
    /// # Panics
    /// If the body panics now, or panicked earlier (then it has no value to return).
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// #[generator]
    /// fn numbered(words: &'static [&'static str]) -> Gen<&'static str, usize> {
    ///     for w in words {
    ///         yield_!(*w);
    ///     }
    ///     words.len()
    /// }
    ///
    /// let mut g = numbered(&["a", "b", "c"]);
    /// assert_eq!(g.next(), Some("a"));
    /// assert_eq!(g.finish(), 3);
    /// ```
    pub fn finish(self) -> S::Return {
        self.drive(finish_pinned)
    }

    /// Erases the stage type into one heap allocation: `BoxGen<'a, T, R>`, which is `Send`.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// #[generator]
    /// fn evens_to(n: u32) -> Gen<u32> {
    ///     for i in (0..=n).step_by(2) {
    ///         yield_!(i);
    ///     }
    /// }
    ///
    /// struct Holder {
    ///     numbers: BoxGen<'static, u32>,
    /// }
    /// let h = Holder { numbers: evens_to(6).boxed() };
    /// assert_eq!(h.numbers | sum(), 12);
    /// ```
    pub fn boxed<'a>(self) -> BoxGen<'a, S::Item, S::Return>
    where
        S: Send + 'a,
    {
        let boxed: Pin<Box<dyn Pull<Item = S::Item, Return = S::Return> + Send + 'a>> =
            match self.state {
                State::Unpinned { stage: s } => Box::pin(s),
                State::Pinned { boxed: b } => b.into_inner(),
            };
        Gen::from_pull(boxed)
    }

    /// Like [`boxed`](Gen::boxed), for generators that are not `Send`.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use std::rc::Rc;
    ///
    /// #[generator]
    /// fn shared(n: usize) -> Gen<Rc<usize>> {
    ///     let one = Rc::new(n);
    ///     for _ in 0..n {
    ///         yield_!(Rc::clone(&one));
    ///     }
    /// }
    ///
    /// let g: LocalBoxGen<'static, Rc<usize>> = shared(2).boxed_local();
    /// assert_eq!(g.count(), 2);
    /// ```
    pub fn boxed_local<'a>(self) -> LocalBoxGen<'a, S::Item, S::Return>
    where
        S: 'a,
    {
        let boxed: Pin<Box<dyn Pull<Item = S::Item, Return = S::Return> + 'a>> = match self.state {
            State::Unpinned { stage: s } => Box::pin(s),
            State::Pinned { boxed: b } => b.into_inner(),
        };
        Gen::from_pull(boxed)
    }

    /// Items as `Ok`, then the body's error as one last `Err`, for `let x = x?;` loops.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// #[generator]
    /// fn parsed(words: &'static [&'static str]) -> Gen<u32, Result<(), std::num::ParseIntError>> {
    ///     for w in words {
    ///         yield_!(w.parse()?);
    ///     }
    ///     Ok(())
    /// }
    ///
    /// let items: Vec<_> = parsed(&["1", "x", "3"]).try_iter().collect();
    /// assert_eq!(items.len(), 2);
    /// assert_eq!(items[0], Ok(1));
    /// assert!(items[1].is_err());
    /// ```
    pub fn try_iter<E>(self) -> TryIter<S>
    where
        S: Pull<Return = Result<(), E>>,
    {
        TryIter { inner: Some(self) }
    }

    /// Changes the stage before anything has run (builder methods of sources).
    ///
    /// # Panics
    /// If the generator was already driven by `next()`: configure sources before pulling.
    pub(crate) fn configure(mut self, f: impl FnOnce(&mut S)) -> Self {
        match &mut self.state {
            State::Unpinned { stage: s } => f(s),
            State::Pinned { .. } => panic!("genpipe: configure a source before pulling from it"),
        }
        self
    }

    /// The stage itself, out of its wrapper (an `Unpin` stage can leave its box).
    #[cfg(feature = "find")]
    pub(crate) fn into_stage(self) -> S
    where
        S: Unpin,
    {
        match self.state {
            State::Unpinned { stage: s } => s,
            State::Pinned { boxed: b } => *Pin::into_inner(b.into_inner()),
        }
    }

    /// Reads the stage's state (reports of sources, kept beside the walk).
    #[cfg_attr(not(feature = "io"), allow(dead_code))]
    pub(crate) fn inspect_state<T>(&self, f: impl FnOnce(&S) -> T) -> T {
        match &self.state {
            State::Unpinned { stage: s } => f(s),
            State::Pinned { boxed: b } => f(b.get()),
        }
    }

    /// Runs `f` on the pipeline pinned in place (on the stack unless `next()` already boxed it).
    #[inline(always)]
    pub(crate) fn drive<T>(self, f: impl FnOnce(Pin<&mut S>) -> T) -> T {
        match self.state {
            State::Unpinned { stage: s } => f(pin!(s)),
            State::Pinned { boxed } => drive_boxed(boxed, f),
        }
    }

    /// Moves the stage into its one heap allocation, for `next()`.
    ///
    /// Moving it is allowed: `&mut self` means the `Gen` is not pinned (or is `Unpin`), and the
    /// stage is pinned only through a pinned `Gen` ([`pin_project!`]).
    ///
    /// Why in place ([`replace_with`]): `State` has no placeholder variant to leave behind while
    /// moving `S` out; a third variant made every stage's per-item state check decode a niche
    /// (7 instructions instead of 2, `benches/README.md`).
    ///
    /// Why inlined although it runs once: an out-of-line call taking `&mut self` lets the `Gen`'s
    /// address escape, and then LLVM must assume that every store into the boxed pipeline may
    /// change the `Gen`'s state, and reloads it on every `next()`.
    #[inline(always)]
    fn pin_now(&mut self) {
        if let State::Unpinned { stage } = &self.state {
            let fresh = !stage.any_boxed();
            // Allocate first: the move itself then cannot fail.
            let place = Box::<S>::new_uninit();
            replace_with(&mut self.state, move |state| match state {
                State::Unpinned { stage } => State::Pinned {
                    boxed: Boxed::new(Box::into_pin(Box::write(place, stage)), fresh),
                },
                pinned => pinned,
            });
        }
    }
}

#[cold]
#[inline(never)]
fn fresh_path_misused() -> ! {
    unreachable!("genpipe: pull_fresh on a pipeline whose any_boxed() is true")
}

/// Runs a pinned stage to its end and returns the body's value.
fn finish_pinned<P: Pull + ?Sized>(mut stage: Pin<&mut P>) -> P::Return {
    while stage.as_mut().pull().is_some() {}
    match stage.take_return() {
        Some(ret) => ret,
        None => panic!("genpipe: finish() on a generator whose body panicked or already finished"),
    }
}

impl<S: Pull> crate::sealed::Pull for Gen<S> {}
impl<S: Pull> Pull for Gen<S> {
    type Item = S::Item;
    type Return = S::Return;

    #[inline(always)]
    fn pull(self: Pin<&mut Self>) -> Option<S::Item> {
        match self.project().state.project() {
            StateProj::Unpinned { stage } => stage.pull(),
            StateProj::Pinned { boxed } => pull_boxed(boxed.as_mut()),
        }
    }

    #[inline(always)]
    fn any_boxed(&self) -> bool {
        match &self.state {
            State::Unpinned { stage: s } => s.any_boxed(),
            State::Pinned { .. } => true,
        }
    }

    #[inline]
    fn size_bounds(&self) -> (usize, Option<usize>) {
        if !S::size_known() {
            return (0, None);
        }
        match &self.state {
            State::Unpinned { stage: s } => s.size_bounds(),
            State::Pinned { boxed: b } => Pull::size_bounds(b.get()),
        }
    }

    #[inline(always)]
    fn size_known() -> bool {
        S::size_known()
    }

    #[inline(always)]
    fn pull_fresh(self: Pin<&mut Self>) -> Option<S::Item> {
        match self.project().state.project() {
            StateProj::Unpinned { stage } => stage.pull_fresh(),
            // `any_boxed` said no, and a piped `Gen` cannot be boxed afterwards.
            StateProj::Pinned { .. } => fresh_path_misused(),
        }
    }

    #[cfg(feature = "io")]
    #[inline]
    fn pull_matching(self: Pin<&mut Self>, matcher: &crate::text::Matcher) -> Option<S::Item>
    where
        S::Item: AsRef<[u8]>,
    {
        match self.project().state.project() {
            StateProj::Unpinned { stage } => stage.pull_matching(matcher),
            StateProj::Pinned { boxed } => pull_matching_boxed(boxed.as_mut(), matcher),
        }
    }

    #[cfg(feature = "io")]
    #[inline]
    fn count_matching(self: Pin<&mut Self>, matcher: &crate::text::Matcher, limit: u64) -> u64
    where
        S::Item: AsRef<[u8]>,
    {
        match self.project().state.project() {
            StateProj::Unpinned { stage } => stage.count_matching(matcher, limit),
            StateProj::Pinned { boxed } => count_matching_boxed(boxed.as_mut(), matcher, limit),
        }
    }

    #[cfg(feature = "io")]
    #[inline]
    fn pull_with<T, F>(self: Pin<&mut Self>, f: F) -> Option<T>
    where
        S::Item: crate::text::AsLineRef,
        F: FnMut(crate::text::LineRef<'_>) -> Option<T>,
    {
        match self.project().state.project() {
            StateProj::Unpinned { stage } => stage.pull_with(f),
            StateProj::Pinned { boxed } => pull_with_boxed(boxed.as_mut(), f),
        }
    }

    #[inline(always)]
    fn take_return(self: Pin<&mut Self>) -> Option<S::Return> {
        match self.project().state.project() {
            StateProj::Unpinned { stage } => stage.take_return(),
            StateProj::Pinned { boxed } => take_return_boxed(boxed.as_mut()),
        }
    }
}

impl<S: Pull> Iterator for Gen<S> {
    type Item = S::Item;

    #[inline]
    fn next(&mut self) -> Option<S::Item> {
        if let State::Unpinned { .. } = self.state {
            self.pin_now();
        }
        match &mut self.state {
            // One inlined copy of the pipeline on this path, without a call in it.
            State::Pinned { boxed: b } if b.fresh() => b.as_mut().pull_fresh(),
            State::Pinned { boxed: b } => pull_boxed(b.as_mut()),
            State::Unpinned { .. } => unreachable!("genpipe: generator was not pinned"),
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        Pull::size_bounds(self)
    }

    #[inline(always)]
    fn fold<B, F>(self, init: B, mut f: F) -> B
    where
        F: FnMut(B, S::Item) -> B,
    {
        self.drive(
            // A closure is inlined only if LLVM finds it cheap; this one holds the pipeline.
            #[inline(always)]
            |mut stage| {
                let mut acc = init;
                pull_loop!(stage, |item| acc = f(acc, item));
                acc
            },
        )
    }
}

impl<S: Pull> FusedIterator for Gen<S> {}

/// A generator pinned by the caller, iterated in place: `for x in pin!(g)` runs at the speed
/// of a by-value sink, without the heap allocation `next()` on a `Gen` makes.
///
/// `Pin` is a fundamental type, so this impl is genpipe's to write; `pin!` pins on the caller's
/// stack, where LLVM can keep the whole pipeline in registers.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use std::pin::pin;
///
/// #[generator]
/// fn squares(n: u64) -> Gen<u64> {
///     for i in 1..=n {
///         yield_!(i * i);
///     }
/// }
///
/// let mut total = 0;
/// for x in pin!(squares(3)) {
///     total += x;
/// }
/// assert_eq!(total, 14);
///
/// // Pinned by reference, the generator can be read again after the loop.
/// let mut g = pin!(squares(4));
/// for x in g.as_mut() {
///     if x > 3 {
///         break;
///     }
/// }
/// assert_eq!(g.as_mut().next(), Some(9));
/// ```
impl<S: Pull> Iterator for Pin<&mut Gen<S>> {
    type Item = S::Item;

    // The general `pull`, not `pull_fresh`: asking `any_boxed` on every call was not hoisted out
    // of the loop in every build (12.5 instead of 9 instructions per item with one codegen
    // unit), and a pipeline on the stack does not escape into the boxed arm's call.
    #[inline(always)]
    fn next(&mut self) -> Option<S::Item> {
        self.as_mut().pull()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        // Asked before `&**self` is made: that reference would cover the pipeline in place.
        if !S::size_known() {
            return (0, None);
        }
        Pull::size_bounds(&**self)
    }
}

impl<S: Pull> FusedIterator for Pin<&mut Gen<S>> {}

/// Brings any iterator into a pipeline: `pipe(v.iter().copied()) | count()`.
///
/// After a std or itertools adapter, `|` is gone (it exists on genpipe's types only); `pipe`
/// or [`.into_gen()`](IntoGen::into_gen) re-enters.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let words = ["a", "bb", "ccc"];
/// let long = pipe(words.iter().map(|w| w.len())) | filter(|n: &usize| *n > 1) | count();
/// assert_eq!(long, 2);
/// ```
pub fn pipe<I: IntoIterator>(iter: I) -> Gen<IterPull<I::IntoIter>> {
    Gen::from_pull(IterPull::new(iter.into_iter()))
}

/// `.into_gen()` on anything iterable: the method form of [`pipe`].
///
/// Not named `.pipe()`: `tap::Pipe` (and similar crates) give every type a `pipe` method, and
/// two traits in scope with a method of one name make every call of it ambiguous (E0034).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let total = (1..=4).map(|x| x * 10).into_gen() | sum();
/// assert_eq!(total, 100);
/// ```
pub trait IntoGen: IntoIterator + Sized {
    /// Wraps `self` in a [`Gen`] so `|` applies.
    fn into_gen(self) -> Gen<IterPull<Self::IntoIter>> {
        pipe(self)
    }
}

impl<I: IntoIterator> IntoGen for I {}

/// Items of a fallible generator as `Ok`, then its error. Made by [`Gen::try_iter`], which has
/// the example.
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct TryIter<S> {
    inner: Option<Gen<S>>,
}

impl<S> fmt::Debug for TryIter<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter")
            .field("ended", &self.inner.is_none())
            .finish()
    }
}

impl<S, E> Iterator for TryIter<S>
where
    S: Pull<Return = Result<(), E>>,
{
    type Item = Result<S::Item, E>;

    fn next(&mut self) -> Option<Self::Item> {
        let g = self.inner.as_mut()?;
        if let Some(item) = g.next() {
            return Some(Ok(item));
        }
        let g = self.inner.take()?;
        match pin!(g).take_return() {
            Some(Err(e)) => Some(Err(e)),
            _ => None,
        }
    }
}

impl<S, E> FusedIterator for TryIter<S> where S: Pull<Return = Result<(), E>> {}

impl<S: Pull> Gen<S> {
    /// Converts the error of a fallible generator (`R = Result<(), E>`), leaving its items
    /// alone: to join pipelines whose stages expect another error type, or to add context.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// #[generator]
    /// fn digits(s: &'static str) -> Gen<u32, Result<(), char>> {
    ///     for c in s.chars() {
    ///         yield_!(c.to_digit(10).ok_or(c)?);
    ///     }
    ///     Ok(())
    /// }
    ///
    /// let described = digits("12x").map_err(|c| format!("not a digit: {c:?}"));
    /// assert_eq!(described | sum(), Err("not a digit: 'x'".to_string()));
    /// ```
    pub fn map_err<E, E2, F>(self, f: F) -> Gen<MapErr<Gen<S>, F>>
    where
        S: Pull<Return = Result<(), E>>,
        F: FnOnce(E) -> E2,
    {
        Gen::from_pull(MapErr {
            up: self,
            f: Some(f),
        })
    }

    /// Converts the error of a fallible generator with `Into`: `err_into::<genpipe::Error>()`
    /// makes a generator ending with an `io::Error` (or any error genpipe's error converts
    /// from) a head of genpipe's fallible pipelines with `genpipe::Error` as their error.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// #[generator]
    /// fn sizes(paths: Vec<&'static str>) -> Gen<u64, std::io::Result<()>> {
    ///     for p in paths {
    ///         yield_!(std::fs::metadata(p)?.len());
    ///     }
    ///     Ok(())
    /// }
    ///
    /// let total: genpipe::Result<u64> = sizes(vec!["/no/such/file"]).err_into() | sum();
    /// assert!(matches!(total, Err(genpipe::Error::Io { .. })));
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn err_into<E2>(self) -> Gen<MapErr<Gen<S>, fn(S::Error) -> E2>>
    where
        S: FallibleReturn,
        S::Error: Into<E2>,
    {
        Gen::from_pull(MapErr {
            up: self,
            f: Some(Into::into),
        })
    }
}

/// A producer whose body's value is `Result<(), Self::Error>`: what [`Gen::err_into`] converts.
pub trait FallibleReturn: Pull<Return = Result<(), Self::Error>> {
    /// The error the body may end with.
    type Error;
}

impl<S: Pull<Return = Result<(), E>>, E> FallibleReturn for S {
    type Error = E;
}

pin_project_lite::pin_project! {
    /// A producer whose error is converted by `f`. Made by [`Gen::map_err`] and
    /// [`Gen::err_into`], which have the examples.
    pub struct MapErr<U, F> {
        #[pin]
        up: U,
        f: Option<F>,
    }
}

impl<U, F> fmt::Debug for MapErr<U, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapErr")
            .field("converted", &self.f.is_none())
            .finish_non_exhaustive()
    }
}

impl<U, F> crate::sealed::Pull for MapErr<U, F> {}
impl<U, F, E, E2> Pull for MapErr<U, F>
where
    U: Pull<Return = Result<(), E>>,
    F: FnOnce(E) -> E2,
{
    type Item = U::Item;
    type Return = Result<(), E2>;

    #[inline(always)]
    fn pull(self: Pin<&mut Self>) -> Option<U::Item> {
        self.project().up.pull()
    }

    #[inline(always)]
    fn pull_fresh(self: Pin<&mut Self>) -> Option<U::Item> {
        self.project().up.pull_fresh()
    }

    #[inline(always)]
    fn any_boxed(&self) -> bool {
        self.up.any_boxed()
    }

    #[cfg(feature = "io")]
    #[inline]
    fn pull_matching(self: Pin<&mut Self>, matcher: &crate::text::Matcher) -> Option<U::Item>
    where
        U::Item: AsRef<[u8]>,
    {
        self.project().up.pull_matching(matcher)
    }

    #[cfg(feature = "io")]
    #[inline]
    fn count_matching(self: Pin<&mut Self>, matcher: &crate::text::Matcher, limit: u64) -> u64
    where
        U::Item: AsRef<[u8]>,
    {
        self.project().up.count_matching(matcher, limit)
    }

    #[cfg(feature = "io")]
    #[inline]
    fn pull_with<T, G>(self: Pin<&mut Self>, g: G) -> Option<T>
    where
        U::Item: crate::text::AsLineRef,
        G: FnMut(crate::text::LineRef<'_>) -> Option<T>,
    {
        self.project().up.pull_with(g)
    }

    // Always inlined: an out-of-line call here receives the pinned pipeline, and LLVM then
    // keeps all of it in memory through the loop before it (engine docs, "Why this is fast").
    #[inline(always)]
    fn take_return(self: Pin<&mut Self>) -> Option<Result<(), E2>> {
        let this = self.project();
        let ret = this.up.take_return()?;
        match ret {
            Ok(()) => Some(Ok(())),
            Err(e) => this.f.take().map(|f| Err(f(e))),
        }
    }
}
