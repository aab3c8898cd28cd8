//! `Pull`, the trait every producer stage implements, and the upstreams a body can read from.

use core::marker::PhantomData;
use core::pin::Pin;

/// A pinned producer: the state behind a [`Gen`](crate::Gen).
///
/// `Gen<S>` is the value users hold; `S: Pull` is the stage type inside it, usually unnameable
/// (a `#[generator]` body). Every stage owns its upstream by value, so a whole pipeline is one
/// `Pull` value that its driver pins once.
///
/// Sealed: use it in bounds (`Gen<impl Pull<Item = T>>`), not in impls. A producer of your own
/// is an `Iterator` piped in ([`pipe(iter)`](crate::pipe)) or a `#[generator]`; the hidden
/// fast paths below are the crate's to change.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use std::pin::pin;
///
/// #[generator]
/// fn two() -> Gen<u8, &'static str> {
///     yield_!(1);
///     yield_!(2);
///     "done"
/// }
///
/// let mut stage = pin!(two());
/// assert_eq!(stage.as_mut().pull(), Some(1));
/// assert_eq!(stage.as_mut().pull(), Some(2));
/// assert_eq!(stage.as_mut().pull(), None);
/// assert_eq!(stage.as_mut().take_return(), Some("done"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pipeline (`genpipe::Pull`): `Gen<{Self}>` is not a generator's type",
    label = "`Gen<T>` names a generator's item type only in a `#[generator]` signature",
    note = "to store a generator (a struct field, a variable of a named type), box it: `BoxGen<'a, T>`, made by `gen.boxed()`",
    note = "to return one from a plain fn: `Gen<impl Pull<Item = T, Return = ()>>`"
)]
pub trait Pull: crate::sealed::Pull {
    /// What the producer yields.
    type Item;
    /// What its body returns when it ends (`()` for most; `Result<(), E>` for fallible ones).
    type Return;

    /// Runs the producer to its next item; `None` once it has ended (then forever).
    fn pull(self: Pin<&mut Self>) -> Option<Self::Item>;

    /// The body's return value, once, after `pull` returned `None` because the body returned.
    ///
    /// `None` if the body has not returned (still running, stopped early by a downstream
    /// stage, or ended by a panic) or the value was already taken.
    fn take_return(self: Pin<&mut Self>) -> Option<Self::Return>;

    /// Whether a [`Gen`](crate::Gen) in this pipeline was moved to the heap by `next()` before
    /// it was piped on; then only [`pull`](Pull::pull) may be used, else
    /// [`pull_fresh`](Pull::pull_fresh) too. Only `next()` on a `Gen` itself boxes it, and a
    /// piped `Gen` is owned by its downstream stage, so the answer never changes once a
    /// pipeline is built.
    #[doc(hidden)]
    #[inline(always)]
    fn any_boxed(&self) -> bool {
        false
    }

    /// `pull` for a pipeline whose [`any_boxed`](Pull::any_boxed) is false: the drivers ask once
    /// and then pull this way.
    ///
    /// Why: a `Gen` pulled as an upstream has two arms, on the stack and boxed; the boxed arm is
    /// an out-of-line call, and a call on a path never taken still makes LLVM keep every store
    /// of a pipeline in memory around it (measured on the heap `for` path, 85 against 72
    /// instructions per item; `.boxed()`, 81.5 against 56.5). On this path the boxed arm is a
    /// panic that cannot happen.
    #[doc(hidden)]
    #[inline(always)]
    fn pull_fresh(self: Pin<&mut Self>) -> Option<Self::Item> {
        self.pull()
    }

    /// Bounds on the number of items left, as `Iterator::size_hint` (which `Gen` answers with
    /// it, so `collect` preallocates). A source of known length says so; stages that keep or
    /// bound the count forward it; a generator body does not know.
    ///
    /// Called only when [`size_known`](Pull::size_known) says so: a `&` to a pipeline with a
    /// generator body inside would cover the body's future, whose state may hold a `&mut` into
    /// itself while suspended (a pinned sub-generator), and a shared reborrow of those bytes
    /// invalidates it (Stacked Borrows; Miri found it).
    #[doc(hidden)]
    #[inline]
    fn size_bounds(&self) -> (usize, Option<usize>) {
        (0, None)
    }

    /// Whether this pipeline is made only of parts that answer [`size_bounds`](Pull::size_bounds)
    /// and hold no generator body (iterators piped in, built-in stages): a constant per type.
    #[doc(hidden)]
    #[inline(always)]
    fn size_known() -> bool
    where
        Self: Sized,
    {
        false
    }

    #[cfg(feature = "io")]
    /// The next item whose bytes `matcher` matches (grep). Sources that hold their lines in a
    /// buffer override it to search the whole buffer and find line bounds only around hits;
    /// wrappers forward it; everything else filters item by item.
    #[doc(hidden)]
    #[inline]
    fn pull_matching(self: Pin<&mut Self>, matcher: &crate::text::Matcher) -> Option<Self::Item>
    where
        Self::Item: AsRef<[u8]>,
    {
        let mut this = self;
        loop {
            let item = this.as_mut().pull()?;
            if matcher.is_match(item.as_ref()) {
                return Some(item);
            }
        }
    }

    #[cfg(feature = "io")]
    /// How many of the next items (`limit` at most) `matcher` matches, pulling until then or
    /// the end (grep's count). Line sources override it to count in their buffer without
    /// making a `Line` handle per match; wrappers forward it.
    #[doc(hidden)]
    #[inline]
    fn count_matching(self: Pin<&mut Self>, matcher: &crate::text::Matcher, limit: u64) -> u64
    where
        Self::Item: AsRef<[u8]>,
    {
        let mut this = self;
        let mut n = 0;
        while n < limit && this.as_mut().pull_matching(matcher).is_some() {
            n += 1;
        }
        n
    }

    #[cfg(feature = "io")]
    /// The first `Some` that `f` makes of the next items, each seen borrowed (fused field and
    /// parse stages). Line sources override it to hand `f` their buffer's lines without making
    /// a `Line` handle for each; field stages forward it.
    #[doc(hidden)]
    #[inline]
    fn pull_with<T, F>(self: Pin<&mut Self>, mut f: F) -> Option<T>
    where
        Self: Sized,
        Self::Item: crate::text::AsLineRef,
        F: FnMut(crate::text::LineRef<'_>) -> Option<T>,
    {
        let mut this = self;
        loop {
            let item = this.as_mut().pull()?;
            if let Some(t) = f(crate::text::AsLineRef::line_ref(&item)) {
                return Some(t);
            }
        }
    }
}

impl<P: Pull + ?Sized> crate::sealed::Pull for Pin<Box<P>> {}
impl<P: Pull + ?Sized> Pull for Pin<Box<P>> {
    type Item = P::Item;
    type Return = P::Return;

    #[inline]
    fn pull(self: Pin<&mut Self>) -> Option<P::Item> {
        self.get_mut().as_mut().pull()
    }

    fn take_return(self: Pin<&mut Self>) -> Option<P::Return> {
        self.get_mut().as_mut().take_return()
    }

    #[inline]
    fn any_boxed(&self) -> bool {
        (**self).any_boxed()
    }

    #[inline]
    fn pull_fresh(self: Pin<&mut Self>) -> Option<P::Item> {
        self.get_mut().as_mut().pull_fresh()
    }

    #[cfg(feature = "io")]
    #[inline]
    fn pull_matching(self: Pin<&mut Self>, matcher: &crate::text::Matcher) -> Option<P::Item>
    where
        P::Item: AsRef<[u8]>,
    {
        self.get_mut().as_mut().pull_matching(matcher)
    }

    #[cfg(feature = "io")]
    #[inline]
    fn count_matching(self: Pin<&mut Self>, matcher: &crate::text::Matcher, limit: u64) -> u64
    where
        P::Item: AsRef<[u8]>,
    {
        self.get_mut().as_mut().count_matching(matcher, limit)
    }
}

/// Any iterator as a `Pull` (it never needs pinning); its return value is `()`. Made by
/// [`pipe`](crate::pipe) and [`Stage::over`](crate::Stage::over).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let g: Gen<genpipe::IterPull<std::ops::Range<u8>>> = pipe(0..3);
/// assert_eq!(g.collect::<Vec<_>>(), [0, 1, 2]);
/// ```
#[derive(Clone, Debug)]
pub struct IterPull<I> {
    iter: I,
    ended: bool,
}

impl<I> IterPull<I> {
    pub(crate) fn new(iter: I) -> Self {
        IterPull { iter, ended: false }
    }
}

// An iterator is used by `&mut`, never pinned.
impl<I> Unpin for IterPull<I> {}

impl<I: Iterator> crate::sealed::Pull for IterPull<I> {}
impl<I: Iterator> Pull for IterPull<I> {
    type Item = I::Item;
    type Return = ();

    #[inline]
    fn pull(self: Pin<&mut Self>) -> Option<I::Item> {
        let this = self.get_mut();
        if this.ended {
            return None;
        }
        let item = this.iter.next();
        this.ended |= item.is_none();
        item
    }

    // Always inlined: an out-of-line call here receives the pinned pipeline, and LLVM then
    // keeps all of it in memory through the loop before it (engine docs, "Why this is fast").
    #[inline(always)]
    fn take_return(self: Pin<&mut Self>) -> Option<()> {
        self.get_mut().ended.then_some(())
    }

    #[inline]
    fn size_bounds(&self) -> (usize, Option<usize>) {
        if self.ended {
            (0, Some(0))
        } else {
            self.iter.size_hint()
        }
    }

    #[inline(always)]
    fn size_known() -> bool {
        true
    }
}

/// Where a body's `next()` gets its input: an upstream `Pull`, nothing (a source), or values
/// pushed by `send` (a coroutine, a stage used as a sink).
///
/// Two ways in, measured on the 3-stage chain (`scripts/instructions.sh`): a pulled upstream is
/// read by the body itself, in the same poll, through [`Feed::PULL`] (the erased pointer and
/// function the frame carries; LLVM sees the constant function and inlines it); a pushed value
/// is put in the frame by the driver before it polls. Feeding pulled items the same way cost a
/// second poll per item per stage (156 instead of 108 instructions per item, before the engine
/// reached 10.75).
pub trait Feed<In> {
    /// How a body pulls this upstream in place, if it can (pull mode).
    #[doc(hidden)]
    const PULL: Option<unsafe fn(*mut ()) -> Option<In>> = None;

    /// The same through [`Pull::pull_fresh`].
    #[doc(hidden)]
    const PULL_FRESH: Option<unsafe fn(*mut ()) -> Option<In>> = None;

    /// [`Pull::any_boxed`] of a pulled upstream; `false` for the others.
    #[doc(hidden)]
    #[inline(always)]
    fn any_boxed(&self) -> bool {
        false
    }

    /// The input has ended: `next()` returns `None` once the frame holds no value (a source
    /// has no upstream; a coroutine has been closed).
    fn at_end(&self) -> bool;
}

impl<U: Pull> Feed<U::Item> for U {
    const PULL: Option<unsafe fn(*mut ()) -> Option<U::Item>> = Some(pull_erased::<U, false>);
    const PULL_FRESH: Option<unsafe fn(*mut ()) -> Option<U::Item>> = Some(pull_erased::<U, true>);

    #[inline(always)]
    fn any_boxed(&self) -> bool {
        Pull::any_boxed(self)
    }

    /// A pulled upstream says it has ended by returning `None` from `pull`.
    #[inline(always)]
    fn at_end(&self) -> bool {
        false
    }
}

/// # Safety
/// `up` must point to a live, pinned `U` that nothing else uses during the call.
#[inline(always)]
unsafe fn pull_erased<U: Pull, const FRESH: bool>(up: *mut ()) -> Option<U::Item> {
    // SAFETY: the caller's contract.
    let up = unsafe { Pin::new_unchecked(&mut *up.cast::<U>()) };
    if FRESH { up.pull_fresh() } else { up.pull() }
}

/// The upstream of a source: there is none, so `next()` ends at once.
#[derive(Debug, Default)]
pub struct NoInput<In>(PhantomData<fn() -> In>);

impl<In> Feed<In> for NoInput<In> {
    #[inline(always)]
    fn at_end(&self) -> bool {
        true
    }
}

/// The upstream of a push-driven body (a coroutine, a stage fed by `send`): the value itself
/// goes straight into the frame of the resume that delivers it, so all that is kept here is
/// whether the input has been closed.
#[derive(Debug)]
pub struct PushSlot<In> {
    pub(crate) closed: bool,
    _input: PhantomData<fn(In)>,
}

impl<In> Default for PushSlot<In> {
    fn default() -> Self {
        PushSlot {
            closed: false,
            _input: PhantomData,
        }
    }
}

impl<In> Feed<In> for PushSlot<In> {
    #[inline(always)]
    fn at_end(&self) -> bool {
        self.closed
    }
}
