//! `Pull`, the trait every producer stage implements, and the upstreams a body can read from.

use core::marker::PhantomData;
use core::pin::Pin;
use core::task::Poll;

/// A pinned producer: the state behind a [`Gen`](crate::Gen).
///
/// `Gen<S>` is the value users hold; `S: Pull` is the stage type inside it, usually unnameable
/// (a `#[generator]` body). Every stage owns its upstream by value, so a whole pipeline is one
/// `Pull` value that its driver pins once.
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
/// let mut stage = pin!(two().into_pull());
/// assert_eq!(stage.as_mut().pull(), Some(1));
/// assert_eq!(stage.as_mut().pull(), Some(2));
/// assert_eq!(stage.as_mut().pull(), None);
/// assert_eq!(stage.as_mut().take_return(), Some("done"));
/// ```
pub trait Pull {
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
}

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
}

/// Any iterator as a `Pull` (it never needs pinning); its return value is `()`.
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

    fn take_return(self: Pin<&mut Self>) -> Option<()> {
        self.get_mut().ended.then_some(())
    }
}

/// Where a body's `next()` reads its input from, erased into the frame as `(pointer, reader)`.
///
/// # Safety
/// `read` must be called only with a pointer to a live, pinned `Self`, accessed by no one else
/// for the duration of the call.
pub unsafe trait Feed<In> {
    /// Reads the next input through an erased pointer to `Self`.
    ///
    /// # Safety
    /// See the trait.
    unsafe fn read(this: *mut ()) -> Poll<Option<In>>;
}

// SAFETY: `read` only reinterprets the pointer as the `U` it was made from and pulls it in place.
unsafe impl<U: Pull> Feed<U::Item> for U {
    #[inline(always)]
    unsafe fn read(this: *mut ()) -> Poll<Option<U::Item>> {
        // SAFETY: the caller passes a pointer to a pinned, live `U` that nobody else uses now.
        let up = unsafe { Pin::new_unchecked(&mut *this.cast::<U>()) };
        Poll::Ready(up.pull())
    }
}

/// The upstream of a source: there is none, so `next()` ends at once.
#[derive(Debug, Default)]
pub struct NoInput<In>(PhantomData<fn() -> In>);

// SAFETY: never dereferences the pointer.
unsafe impl<In> Feed<In> for NoInput<In> {
    #[inline(always)]
    unsafe fn read(_: *mut ()) -> Poll<Option<In>> {
        Poll::Ready(None)
    }
}

/// The upstream of a push-driven body (a coroutine, a stage fed by `send`): one value at a time,
/// put there by the driver; `Pending` while empty, `None` once closed.
#[derive(Debug)]
pub struct PushSlot<In> {
    pub(crate) value: Option<In>,
    pub(crate) closed: bool,
}

// The value is moved in and out, never pinned.
impl<In> Unpin for PushSlot<In> {}

impl<In> Default for PushSlot<In> {
    fn default() -> Self {
        PushSlot {
            value: None,
            closed: false,
        }
    }
}

// SAFETY: reinterprets the pointer as the `PushSlot<In>` it was made from.
unsafe impl<In> Feed<In> for PushSlot<In> {
    #[inline(always)]
    unsafe fn read(this: *mut ()) -> Poll<Option<In>> {
        // SAFETY: the caller passes a pointer to a live `PushSlot<In>` that nobody else uses now.
        let slot = unsafe { &mut *this.cast::<PushSlot<In>>() };
        match slot.value.take() {
            Some(value) => Poll::Ready(Some(value)),
            None if slot.closed => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}
