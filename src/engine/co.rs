//! `Co`, the handle a body uses to yield and receive, and the three futures it makes.
//!
//! Why the futures carry a copied `u64` id and not a `&Co`: a reference held across an `.await`
//! is stored in the body's state and read back on every item; the id is a constant LLVM folds
//! into the check (measured: 5 instead of 24-27 instructions per item for a push consumer).

use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::frame::Mark;
use super::waker::frame_of;

/// The handle through which a generator or coroutine body talks to its driver.
///
/// `Y` is what the body hands out (items, or a coroutine's replies), `In` what it takes in (a
/// stage's upstream items, a coroutine's sent values). The macros create it; users write
/// `yield_!`, `recv!` and `yield_from!`, which expand to its methods.
///
/// A `Co` can only be made together with the generator it belongs to (see
/// `genpipe::__private::source`), so its id names exactly one frame type.
///
/// `ASYNC` marks the handle of an async body (`#[generator] async fn`), polled by an executor
/// through the forwarding waker; its futures look for that waker only, and a plain body's for
/// the plain one. Why a type-level flag and not one check that accepts both: the plain futures
/// must end in "this frame, or a panic", or LLVM cannot keep a coroutine's frame in registers
/// (a `#[coro]`'s `send` went from 9 to 12 instructions an item with one check for both).
pub struct Co<Y, In = (), const ASYNC: bool = false> {
    id: u64,
    _types: PhantomData<fn(Y) -> In>,
}

impl<Y, In, const ASYNC: bool> Clone for Co<Y, In, ASYNC> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<Y, In, const ASYNC: bool> Copy for Co<Y, In, ASYNC> {}

impl<Y, In, const ASYNC: bool> core::fmt::Debug for Co<Y, In, ASYNC> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Co").field("id", &self.id).finish()
    }
}

impl<Y, In, const ASYNC: bool> Co<Y, In, ASYNC> {
    /// Only the engine makes a `Co`, paired with a node of the same `Y` and `In`.
    pub(crate) fn with_id(id: u64) -> Self {
        Co {
            id,
            _types: PhantomData,
        }
    }

    /// Hands `item` to the driver and suspends until the next pull (`yield_!(item)`).
    #[inline(always)]
    pub fn yield_(self, item: Y) -> Yield<Y, In, ASYNC> {
        Yield {
            id: self.id,
            item: Some(item),
            _types: PhantomData,
        }
    }

    /// The next input: the upstream's next item, or the next sent value; `None` once the
    /// upstream has ended or the coroutine is closed (`recv!()`, `for x in input`).
    #[inline(always)]
    pub fn next(self) -> Next<Y, In, ASYNC> {
        Next {
            id: self.id,
            _types: PhantomData,
        }
    }

    /// Answers the previous input with `reply`, then waits for the next input (`recv!(reply)`).
    #[inline(always)]
    pub fn recv(self, reply: Y) -> Recv<Y, In, ASYNC> {
        Recv {
            id: self.id,
            reply: Some(reply),
            _types: PhantomData,
        }
    }
}

/// The future of `yield_!`: `Pending` once with the item in the frame, then `Ready`.
#[must_use = "a yield does nothing unless awaited"]
#[derive(Debug)]
pub struct Yield<Y, In, const ASYNC: bool = false> {
    id: u64,
    item: Option<Y>,
    _types: PhantomData<fn(Y) -> In>,
}

// The item is moved out, never pinned in place.
impl<Y, In, const ASYNC: bool> Unpin for Yield<Y, In, ASYNC> {}

impl<Y, In, const ASYNC: bool> Future for Yield<Y, In, ASYNC> {
    type Output = ();

    #[inline(always)]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.item.take() {
            None => Poll::Ready(()),
            Some(item) => {
                let frame = frame_of::<Y, In, ASYNC>(cx, self.id);
                // SAFETY: `frame_of` returned the live frame of this generator's own driver, of
                // exactly this type; nothing else touches it while the body is being polled.
                // Field by field, never `&mut *frame`: a reference to the whole frame would cover
                // its header, which a future polled on another thread may be reading right now
                // before it panics (a data race under Miri).
                let earlier = unsafe {
                    (*frame).mark = Mark::Yielded;
                    (*(*frame).slot).replace(item)
                };
                // Two yields in one poll (a body joining its own yield futures): the first item
                // is dropped here, never lost silently in the frame.
                if earlier.is_some() {
                    two_items_in_one_poll(earlier);
                }
                Poll::Pending
            }
        }
    }
}

/// Takes the next input from the frame, or records that the body waits for one.
#[inline(always)]
fn poll_input<Y, In, const ASYNC: bool>(
    cx: &Context<'_>,
    id: u64,
    reply: Option<Y>,
) -> Poll<Option<In>> {
    let frame = frame_of::<Y, In, ASYNC>(cx, id);
    // SAFETY: as in `Yield::poll`.
    unsafe {
        // Field by field: as in `Yield::poll`.
        if reply.is_some() {
            let earlier = core::mem::replace(&mut *(*frame).slot, reply);
            if earlier.is_some() {
                two_items_in_one_poll(earlier);
            }
        }
        match Option::take(&mut *(*frame).input) {
            Some(input) => Poll::Ready(Some(input)),
            None if (*frame).ended => Poll::Ready(None),
            None => match (*frame).pull {
                // Pull mode: pull in place. The driver wrote `pull` for `up`'s real type, and
                // the upstream is a field of the node being polled, disjoint from the body.
                Some((pull, up)) => Poll::Ready(pull(up)),
                None => {
                    (*frame).mark = Mark::WantsInput;
                    Poll::Pending
                }
            },
        }
    }
}

#[cold]
#[inline(never)]
fn two_items_in_one_poll<Y>(earlier: Option<Y>) -> ! {
    drop(earlier);
    panic!(
        "genpipe: a body handed out two items in one resume (its yield_!/recv! futures were \
         polled side by side, not awaited one after the other)"
    )
}

/// The future of `recv!()` and of a stage's `input.next()`.
#[must_use = "a recv does nothing unless awaited"]
#[derive(Debug)]
pub struct Next<Y, In, const ASYNC: bool = false> {
    id: u64,
    _types: PhantomData<fn(Y) -> In>,
}

impl<Y, In, const ASYNC: bool> Unpin for Next<Y, In, ASYNC> {}

impl<Y, In, const ASYNC: bool> Future for Next<Y, In, ASYNC> {
    type Output = Option<In>;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<In>> {
        poll_input::<Y, In, ASYNC>(cx, self.id, None)
    }
}

/// The future of `recv!(reply)`: leaves `reply` for the driver, then waits for input.
#[must_use = "a recv does nothing unless awaited"]
#[derive(Debug)]
pub struct Recv<Y, In, const ASYNC: bool = false> {
    id: u64,
    reply: Option<Y>,
    _types: PhantomData<fn(Y) -> In>,
}

impl<Y, In, const ASYNC: bool> Unpin for Recv<Y, In, ASYNC> {}

impl<Y, In, const ASYNC: bool> Future for Recv<Y, In, ASYNC> {
    type Output = Option<In>;

    #[inline(always)]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<In>> {
        let reply = self.reply.take();
        poll_input::<Y, In, ASYNC>(cx, self.id, reply)
    }
}
