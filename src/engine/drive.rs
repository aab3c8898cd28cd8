//! The node: one stage of a pipeline (its upstream, its body future, its outcome) and the one
//! function that resumes it.
//!
//! ```text
//! resume_pull(node):                  # pull mode: a source, or a stage over a Pull upstream
//!     if done: return None
//!     frame = { header: { id, polling thread }, mark: Foreign, slot: None,   # on our stack
//!               ended: the upstream is none, pull: (reader of U, &node.up) }
//!     poll body once with a waker whose data is &frame
//!         # `next()` calls frame.pull in place and never suspends
//!     Ready(r)          -> done, ret = r, None
//!     Pending, Yielded  -> frame.slot
//!     Pending, other    -> done, panic: the body awaited something that is not ours
//!
//! resume_with(node, pushed):          # push mode: a coroutine, a stage used as a sink
//!     frame = { .., input: pushed, ended: the input is closed, pull: None }
//!     poll body once                  # `next()` takes frame.input, or suspends (WantsInput)
//!     Ready / Yielded / WantsInput(reply) / Foreign, as above; what was not taken goes back
//! ```

use core::future::Future;
use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop};
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll};

use super::co::Co;
use super::frame::{Frame, FrameHeader, Mark, PullFn, Step};
use super::pull::{Feed, NoInput, Pull};
use super::waker::{frame_waker, polling_thread};
use crate::outcome::StageEnd;

/// A fresh generator id. One atomic add per generator made, never per item.
fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A pipeline stage: its upstream beside its body future.
///
/// Why side by side and not the upstream inside the body: a body that owns its upstream keeps
/// a pointer to it in its state and forces every stage into memory (6-7x slower, DESIGN.md).
pub struct Node<U, F: Future, Y, In> {
    up: U,
    body: F,
    ret: Option<F::Output>,
    id: u64,
    done: bool,
    _types: PhantomData<fn(In) -> Y>,
}

impl<U: core::fmt::Debug, F: Future, Y, In> core::fmt::Debug for Node<U, F, Y, In> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Node")
            .field("id", &self.id)
            .field("done", &self.done)
            .field("up", &self.up)
            .finish_non_exhaustive()
    }
}

/// What a `#[generator]` stage's [`Stage`](crate::Stage) holds: its body future `F` (the opaque
/// part, yielding `Y` from inputs `In`), not yet attached to an upstream.
///
/// It appears in a stage's signature, `Stage<GeneratorOp<impl Future<Output = ()>, Y, In>>`,
/// so that `Send` and `Sync` of the body show through (an auto trait leaks through an opaque
/// type, not through a projection of one). Made only by the macro; a [`StageOp`](crate::StageOp).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::stages::GeneratorOp;
///
/// #[generator]
/// fn doubled(input: impl Iterator<Item = u32>) -> Gen<u32> {
///     for x in input {
///         yield_!(x * 2);
///     }
/// }
///
/// // The type can be written in a signature of one's own, e.g. a stage returned from a helper.
/// fn twice() -> Stage<GeneratorOp<impl Future<Output = ()>, u32, u32>> {
///     doubled()
/// }
/// assert_eq!(pipe([1, 2]) | twice() | collect::<Vec<_>>(), [2, 4]);
/// ```
pub struct GeneratorOp<F, Y, In> {
    body: F,
    id: u64,
    _types: PhantomData<fn(In) -> Y>,
}

impl<F, Y, In> core::fmt::Debug for GeneratorOp<F, Y, In> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GeneratorOp")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl<F: Future, Y, In> GeneratorOp<F, Y, In> {
    /// Makes the body with its own `Co`; nothing of the body runs yet.
    pub(crate) fn new<const ASYNC: bool>(make: impl FnOnce(Co<Y, In, ASYNC>) -> F) -> Self {
        let id = next_id();
        GeneratorOp {
            body: make(Co::with_id(id)),
            id,
            _types: PhantomData,
        }
    }

    /// Gives the body its upstream.
    pub(crate) fn attach<U>(self, up: U) -> Node<U, F, Y, In> {
        Node {
            up,
            body: self.body,
            ret: None,
            id: self.id,
            done: false,
            _types: PhantomData,
        }
    }
}

/// Marks the node finished if a poll unwinds, and drops what the frame holds then (the frame
/// itself has no drop glue, see [`Frame::slot`]); forgotten on the normal path, so it costs no
/// store per item (a flag set and cleared around every poll cost 4.5-11 instructions per item).
struct PanicFuse<'a, Y, In> {
    done: &'a mut bool,
    frame: *mut Frame<Y, In>,
}

impl<Y, In> Drop for PanicFuse<'_, Y, In> {
    // Always inlined: an outlined drop in the landing pad receives the fuse, and with it the
    // frame's address, which then escapes (under fat LTO the 3-stage chain went 9 -> 97.5).
    #[inline(always)]
    fn drop(&mut self) {
        *self.done = true;
        // Items without drop glue leave nothing to drop: the landing pad stays empty.
        if mem::needs_drop::<Y>() || mem::needs_drop::<In>() {
            // SAFETY: the fuse is dropped only while a poll unwinds, inside the resume that
            // made `frame`, which is still alive on its stack; the body's futures no longer run
            // (a scoped thread that held the waker was joined before the unwind left the body),
            // so nothing else uses the frame. Values are moved out and dropped by value.
            let frame = unsafe { &mut *self.frame };
            drop(frame.take_slot());
            drop(frame.take_input());
        }
    }
}

impl<U: Feed<In>, F: Future, Y, In> Node<U, F, Y, In> {
    /// A frame for one resume of the node `id` whose upstream is `up`, written on the polling
    /// thread.
    ///
    /// Why `up` is passed in: one raw pointer to the upstream serves the whole resume (the body
    /// pulls through it); taking a second one from the node would invalidate the first under
    /// Stacked Borrows.
    #[inline(always)]
    fn frame(id: u64, up: *mut U, ended: bool, pull: Option<PullFn<In>>) -> Frame<Y, In> {
        Frame {
            header: FrameHeader {
                id,
                thread: polling_thread(),
            },
            mark: Mark::Foreign,
            slot: ManuallyDrop::new(None),
            input: ManuallyDrop::new(None),
            ended,
            pull: pull.map(|pull| (pull, up.cast())),
        }
    }

    /// Pull mode: runs the body until it yields or returns, in one poll (its `next()` pulls the
    /// upstream in place and never suspends). `None` once it has returned.
    ///
    /// Why apart from [`resume_with`](Node::resume_with): a pulled stage needs none of the
    /// pushed input's moves, and a pipeline is fast only when nothing of it is left over per
    /// item (`benches/README.md`).
    ///
    /// `pull` is the upstream's reader, [`Feed::PULL`] or [`Feed::PULL_FRESH`]: a constant at
    /// each call, so LLVM inlines it into the body.
    #[inline(always)]
    pub(crate) fn resume_pull(self: Pin<&mut Self>, pull: Option<PullFn<In>>) -> Option<Y> {
        // SAFETY: nothing is moved out of `this`: `body` and `up` are only used pinned in place
        // (structural pinning), the other fields are plain data.
        let this = unsafe { self.get_unchecked_mut() };
        if this.done {
            return None;
        }
        let ended = this.up.at_end();
        let mut frame = Self::frame(this.id, &raw mut this.up, ended, pull);
        // One raw pointer serves the poll, the fuse and the reads after it (a second borrow of
        // `frame` would invalidate the first under Stacked Borrows).
        let frame = &raw mut frame;
        let fuse = PanicFuse {
            done: &mut this.done,
            frame,
        };
        // SAFETY: `body` is structurally pinned (see above).
        let body = unsafe { Pin::new_unchecked(&mut this.body) };
        let polled = poll_body(body, frame);
        // SAFETY: the poll is over; the frame is alive and used through this pointer only.
        let frame = unsafe { &mut *frame };
        match polled {
            Poll::Ready(ret) => {
                mem::forget(fuse);
                // In pull mode nothing is pushed, and a returned body yields nothing more; a
                // reply left by `recv!(reply)` has nobody to read it.
                drop(frame.take_slot());
                this.done = true;
                this.ret = Some(ret);
                None
            }
            Poll::Pending => match frame.mark {
                Mark::Yielded => {
                    mem::forget(fuse);
                    frame.take_slot()
                }
                // A pulled body never waits for input, so anything else is a foreign await.
                // The fuse marks the node done as it unwinds.
                Mark::Foreign | Mark::WantsInput => foreign_await(),
            },
        }
    }

    /// Push mode: runs the body until it yields, waits for input, or returns.
    #[inline(always)]
    pub(crate) fn resume(self: Pin<&mut Self>) -> Step<Y> {
        self.resume_with(&mut None)
    }

    /// Push mode, handing the body `pushed` as its next input: runs the body until it yields,
    /// waits for more input, or returns. What the body did not take is left in `pushed`.
    ///
    /// One poll: the frame holds the pushed value and whether the input is closed, so a body
    /// that asks for input again suspends until the next resume, and a closed input makes its
    /// `recv!()` return `None` in the same poll.
    #[inline(always)]
    pub(crate) fn resume_with(self: Pin<&mut Self>, pushed: &mut Option<In>) -> Step<Y> {
        // SAFETY: as in `resume_pull`.
        let this = unsafe { self.get_unchecked_mut() };
        if this.done {
            return Step::Done;
        }
        // Why on the stack and not in the node: LLVM keeps a stack frame in registers when the
        // whole poll inlines (measured: 14 instead of 39 instructions per item for a source).
        let ended = this.up.at_end();
        let mut frame = Self::frame(this.id, &raw mut this.up, ended, U::PULL);
        // Straight into the frame: no copy through the upstream.
        frame.input = ManuallyDrop::new(pushed.take());
        // As in `resume_pull`: one raw pointer for the poll, the fuse and the reads after it.
        let frame = &raw mut frame;
        let fuse = PanicFuse {
            done: &mut this.done,
            frame,
        };
        // SAFETY: `body` is structurally pinned (see above).
        let body = unsafe { Pin::new_unchecked(&mut this.body) };
        let polled = poll_body(body, frame);
        // SAFETY: the poll is over; the frame is alive and used through this pointer only.
        let frame = unsafe { &mut *frame };
        // What the body did not take goes back to the caller.
        *pushed = frame.take_input();
        match polled {
            Poll::Ready(ret) => {
                mem::forget(fuse);
                drop(frame.take_slot());
                this.done = true;
                this.ret = Some(ret);
                Step::Done
            }
            Poll::Pending => match frame.mark {
                Mark::Yielded => {
                    mem::forget(fuse);
                    match frame.take_slot() {
                        Some(item) => Step::Yielded(item),
                        None => unreachable!("genpipe: a yield left no item"),
                    }
                }
                Mark::WantsInput => {
                    mem::forget(fuse);
                    Step::WantsInput(frame.take_slot())
                }
                // The fuse marks the node done as it unwinds.
                Mark::Foreign => foreign_await(),
            },
        }
    }

    /// The async flavour: polls the body once, handing it `pushed` (push mode) and a waker
    /// that forwards to `outer`, the executor's. `Pending` when the body awaits a future of the
    /// executor's (that future has stored a clone of `outer`); otherwise what it did, as
    /// [`resume_with`](Node::resume_with). What the body did not take is left in `pushed`.
    ///
    /// Why apart from the sync resumes: their waker is the constant that lets LLVM fold every
    /// check, and nothing of this path may reach theirs (the chain's 9 instructions an item).
    #[cfg(feature = "async")]
    #[inline(always)]
    pub(crate) fn poll_async(
        self: Pin<&mut Self>,
        outer: &core::task::Waker,
        pushed: &mut Option<In>,
    ) -> Poll<Step<Y>> {
        use super::waker::{AsyncLink, async_frame_waker};
        // SAFETY: as in `resume_pull`.
        let this = unsafe { self.get_unchecked_mut() };
        if this.done {
            return Poll::Ready(Step::Done);
        }
        // An async body reads its input by awaiting it (a stream it owns, or what `send`
        // pushes): nothing is pulled in place.
        let ended = this.up.at_end();
        let mut frame = Self::frame(this.id, &raw mut this.up, ended, None);
        frame.input = ManuallyDrop::new(pushed.take());
        let frame = &raw mut frame;
        let fuse = PanicFuse {
            done: &mut this.done,
            frame,
        };
        let link = AsyncLink {
            frame: frame.cast(),
            outer,
        };
        // SAFETY: `link`, the frame and `outer` live on this stack (or the caller's) until
        // after the poll; the frame is used only through `frame` until the poll returns; the
        // waker is never dropped or woken by value (`ManuallyDrop`), and its clones are clones
        // of `outer`, owned by whoever made them. The header was just written by this thread.
        let waker = ManuallyDrop::new(unsafe { async_frame_waker(&raw const link) });
        // SAFETY: `body` is structurally pinned (see `resume_pull`).
        let body = unsafe { Pin::new_unchecked(&mut this.body) };
        let polled = body.poll(&mut Context::from_waker(&waker));
        // SAFETY: the poll is over; the frame is alive and used through this pointer only.
        let frame = unsafe { &mut *frame };
        *pushed = frame.take_input();
        mem::forget(fuse);
        Poll::Ready(match polled {
            Poll::Ready(ret) => {
                drop(frame.take_slot());
                this.done = true;
                this.ret = Some(ret);
                Step::Done
            }
            Poll::Pending => match (frame.mark, frame.take_slot()) {
                (Mark::Yielded, Some(item)) => Step::Yielded(item),
                (Mark::WantsInput, reply) => Step::WantsInput(reply),
                // A reply left by a `recv!(reply)` that found its input at once: handed over
                // as the sync driver does (`Resume::resume_with` keeps it), never dropped.
                (_, Some(reply)) => Step::Yielded(reply),
                // The body waits on the executor's future, which holds the executor's waker.
                (_, None) => return Poll::Pending,
            },
        })
    }

    /// Whether the body has returned or panicked.
    #[inline]
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// The body's return value, once.
    #[inline(always)]
    pub(crate) fn take_body_return(self: Pin<&mut Self>) -> Option<F::Output> {
        // SAFETY: `ret` is not structurally pinned; nothing else is touched.
        unsafe { self.get_unchecked_mut() }.ret.take()
    }

    /// The upstream, pinned in place.
    #[inline(always)]
    pub(crate) fn up_mut(self: Pin<&mut Self>) -> Pin<&mut U> {
        // SAFETY: `up` is structurally pinned: never moved out while the node is pinned.
        unsafe { self.map_unchecked_mut(|node| &mut node.up) }
    }
}

/// Polls `body` once with a waker that carries `frame`, a live frame that nothing else uses
/// until the poll returns.
#[inline(always)]
fn poll_body<F: Future, Y, In>(body: Pin<&mut F>, frame: *mut Frame<Y, In>) -> Poll<F::Output> {
    // SAFETY: `frame` points to a live frame of the caller's that outlives the poll and, until
    // the poll returns, is used only through this pointer (the caller's contract). The waker
    // is never dropped, not even while unwinding (`ManuallyDrop`: dropping it would be an
    // indirect call through the vtable with the frame's address, which makes LLVM keep the
    // whole pipeline in memory), and its clones are inert, so the pointer does not outlive the
    // poll. The header was just written by this thread, which is the one polling.
    let waker = ManuallyDrop::new(unsafe { frame_waker(frame) });
    let mut cx = Context::from_waker(&waker);
    body.poll(&mut cx)
}

#[cold]
#[inline(never)]
fn foreign_await() -> ! {
    panic!(
        "genpipe: a generator body awaited something other than its own yield_!/recv!/\
         yield_from! (bodies run without an async executor; real futures cannot be awaited there)"
    )
}

/// A source: a body with no upstream; its return value is the generator's.
impl<F: Future, Y> crate::sealed::Pull for Node<NoInput<()>, F, Y, ()> {}
impl<F: Future, Y> Pull for Node<NoInput<()>, F, Y, ()> {
    type Item = Y;
    type Return = F::Output;

    #[inline(always)]
    fn pull(self: Pin<&mut Self>) -> Option<Y> {
        self.resume_pull(None)
    }

    #[inline(always)]
    fn pull_fresh(self: Pin<&mut Self>) -> Option<Y> {
        self.resume_pull(None)
    }

    #[inline(always)]
    fn take_return(self: Pin<&mut Self>) -> Option<F::Output> {
        self.take_body_return()
    }
}

/// A stage: its upstream's return value passes through (a body returning `()`), or is merged
/// with the body's own error (a fallible stage, see [`StageEnd`]).
impl<U: Pull, F: Future, Y> crate::sealed::Pull for Node<U, F, Y, U::Item> {}
impl<U: Pull, F: Future, Y> Pull for Node<U, F, Y, U::Item>
where
    F::Output: StageEnd<U::Return>,
{
    type Item = Y;
    type Return = <F::Output as StageEnd<U::Return>>::Merged;

    #[inline(always)]
    fn pull(self: Pin<&mut Self>) -> Option<Y> {
        self.resume_pull(<U as Feed<U::Item>>::PULL)
    }

    #[inline(always)]
    fn pull_fresh(self: Pin<&mut Self>) -> Option<Y> {
        self.resume_pull(<U as Feed<U::Item>>::PULL_FRESH)
    }

    #[inline(always)]
    fn any_boxed(&self) -> bool {
        self.up.any_boxed()
    }

    #[inline(always)]
    fn take_return(mut self: Pin<&mut Self>) -> Option<Self::Return> {
        let body = self.as_mut().take_body_return();
        StageEnd::merge(body, self.up_mut().take_return())
    }
}
