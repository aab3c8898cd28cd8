//! The node: one stage of a pipeline (its upstream, its body future, its outcome) and the one
//! function that resumes it.
//!
//! ```text
//! resume(node):                       # node is pinned, so are `up` and `body` inside it
//!     if done: return Done
//!     frame = { id, mark: Foreign, slot: None, input: None,       # on our stack
//!               pull: (reader of U, &node.up) if U can be pulled }
//!     if the body waits for input: frame.input = feed(up)          # push mode only
//!         (nothing sent yet: return WantsInput)
//!     loop:
//!         poll body with a waker whose data is &frame   # the body's futures find the frame
//!             # pull mode: `next()` calls frame.pull in place and never suspends
//!         Ready(r)          -> done, ret = r, Done
//!         Pending, Yielded  -> Yielded(frame.slot)
//!         Pending, Wants    -> frame.input = feed(up), poll again  # push mode
//!                              (nothing to feed: WantsInput(frame.slot))
//!         Pending, Foreign  -> done, panic: the body awaited something that is not ours
//! ```

use core::future::Future;
use core::marker::PhantomData;
use core::mem;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll};

use super::co::Co;
use super::frame::{Frame, Mark, Step};
use super::pull::{Fed, Feed, NoInput, Pull};
use super::waker::frame_waker;

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
    /// The body is suspended in `next()`/`recv!()`: feed it before polling.
    waiting: bool,
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

/// A body future not yet attached to its upstream (a stage built before `|` gives it one).
pub struct Detached<F, Y, In> {
    body: F,
    id: u64,
    _types: PhantomData<fn(In) -> Y>,
}

impl<F, Y, In> core::fmt::Debug for Detached<F, Y, In> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Detached")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl<F: Future, Y, In> Detached<F, Y, In> {
    /// Makes the body with its own `Co`; nothing of the body runs yet.
    pub(crate) fn new(make: impl FnOnce(Co<Y, In>) -> F) -> Self {
        let id = next_id();
        Detached {
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
            waiting: false,
            _types: PhantomData,
        }
    }
}

/// Marks the node finished if a poll unwinds; forgotten on the normal path, so it costs no
/// store per item (a flag set and cleared around every poll cost 4.5-11 instructions per item).
struct PanicFuse<'a>(&'a mut bool);

impl Drop for PanicFuse<'_> {
    fn drop(&mut self) {
        *self.0 = true;
    }
}

impl<U: Feed<In>, F: Future, Y, In> Node<U, F, Y, In> {
    /// Runs the body until it yields, waits for input it cannot get, or returns.
    #[inline(always)]
    pub(crate) fn resume(self: Pin<&mut Self>) -> Step<Y> {
        self.resume_with(&mut None)
    }

    /// Like `resume`, handing the body `pushed` as its next input (push mode). What the body
    /// did not take is left in `pushed`.
    #[inline(always)]
    pub(crate) fn resume_with(self: Pin<&mut Self>, pushed: &mut Option<In>) -> Step<Y> {
        // SAFETY: nothing is moved out of `this`: `body` and `up` are only used pinned in place
        // (structural pinning), the other fields are plain data.
        let this = unsafe { self.get_unchecked_mut() };
        if this.done {
            return Step::Done;
        }
        // Why on the stack and not in the node: LLVM keeps a stack frame in registers when the
        // whole poll inlines (measured: 14 instead of 39 instructions per item for a source).
        // One pointer to the upstream for the whole resume: the body pulls through it in pull
        // mode, the driver feeds through it in push mode.
        let up: *mut U = &raw mut this.up;
        let mut frame = Frame::<Y, In> {
            id: this.id,
            mark: Mark::Foreign,
            slot: None,
            input: None,
            ended: false,
            pull: U::PULL.map(|pull| (pull, up.cast())),
        };
        if pushed.is_some() {
            // Straight into the frame: no copy through the upstream.
            frame.input = pushed.take();
        } else if this.waiting && !feed(up, &mut frame) {
            return Step::WantsInput(None);
        }
        let fuse = PanicFuse(&mut this.done);
        loop {
            frame.mark = Mark::Foreign;
            let frame_ptr = &raw mut frame;
            // SAFETY: `frame` outlives the poll and is used only through `frame_ptr` until the
            // poll returns; the waker is never dropped through its vtable (forgotten below) and
            // its clones are inert, so the pointer does not outlive the poll.
            let waker = unsafe { frame_waker(frame_ptr) };
            let mut cx = Context::from_waker(&waker);
            // SAFETY: `body` is structurally pinned (see above).
            let body = unsafe { Pin::new_unchecked(&mut this.body) };
            let polled = body.poll(&mut cx);
            // The vtable's drop does nothing: skip the indirect call.
            mem::forget(waker);
            match polled {
                Poll::Ready(ret) => {
                    mem::forget(fuse);
                    this.done = true;
                    this.ret = Some(ret);
                    *pushed = frame.input.take();
                    return Step::Done;
                }
                Poll::Pending => match frame.mark {
                    Mark::Yielded => {
                        mem::forget(fuse);
                        this.waiting = false;
                        *pushed = frame.input.take();
                        return match frame.slot.take() {
                            Some(item) => Step::Yielded(item),
                            None => unreachable!("genpipe: a yield left no item"),
                        };
                    }
                    Mark::WantsInput => {
                        this.waiting = true;
                        if !feed(up, &mut frame) {
                            mem::forget(fuse);
                            return Step::WantsInput(frame.slot.take());
                        }
                    }
                    // The fuse marks the node done as it unwinds.
                    Mark::Foreign => foreign_await(),
                },
            }
        }
    }

    /// Whether the body has returned or panicked.
    #[inline]
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// The body's return value, once.
    pub(crate) fn take_body_return(self: Pin<&mut Self>) -> Option<F::Output> {
        // SAFETY: `ret` is not structurally pinned; nothing else is touched.
        unsafe { self.get_unchecked_mut() }.ret.take()
    }

    /// The upstream, pinned in place.
    pub(crate) fn up_mut(self: Pin<&mut Self>) -> Pin<&mut U> {
        // SAFETY: `up` is structurally pinned: never moved out while the node is pinned.
        unsafe { self.map_unchecked_mut(|node| &mut node.up) }
    }
}

/// Puts the upstream's next input in the frame; `false` if there is none yet (push mode).
#[inline(always)]
fn feed<U: Feed<In>, Y, In>(up: *mut U, frame: &mut Frame<Y, In>) -> bool {
    // SAFETY: `up` points to the `up` field of a pinned node (structurally pinned: never moved
    // out), and nothing else uses it while the body is not being polled.
    match unsafe { Pin::new_unchecked(&mut *up) }.feed() {
        Fed::Item(input) => frame.input = Some(input),
        Fed::Ended => frame.ended = true,
        Fed::Empty => return false,
    }
    true
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
impl<F: Future, Y> Pull for Node<NoInput<()>, F, Y, ()> {
    type Item = Y;
    type Return = F::Output;

    #[inline(always)]
    fn pull(self: Pin<&mut Self>) -> Option<Y> {
        match self.resume() {
            Step::Yielded(item) => Some(item),
            Step::WantsInput(_) | Step::Done => None,
        }
    }

    fn take_return(self: Pin<&mut Self>) -> Option<F::Output> {
        self.take_body_return()
    }
}

/// A stage: its upstream's return value passes through (a stage body returns `()`).
impl<U: Pull, F: Future<Output = ()>, Y> Pull for Node<U, F, Y, U::Item> {
    type Item = Y;
    type Return = U::Return;

    #[inline(always)]
    fn pull(self: Pin<&mut Self>) -> Option<Y> {
        match self.resume() {
            Step::Yielded(item) => Some(item),
            Step::WantsInput(_) | Step::Done => None,
        }
    }

    fn take_return(self: Pin<&mut Self>) -> Option<U::Return> {
        self.up_mut().take_return()
    }
}
