//! The checked waker: how a body finds its frame, and why it cannot find the wrong one.
//!
//! The driver builds a `Waker` whose data pointer is its stack frame and whose vtable is
//! [`FRAME_VTABLE`], a private static. A yield/next/recv future accepts the pointer only if
//! 1. the vtable is that static (the waker came from our driver, not from an executor),
//! 2. the frame was made by the thread now running the future (a body can hand its `&Waker`,
//!    which is `Sync`, and its `Co`, which is `Send`, to a scoped thread: that thread must not
//!    touch the slots the polling thread is using), and
//! 3. the frame's id equals the id the future carries (the frame belongs to the same generator,
//!    hence has the same `Y` and `In`).
//!
//! Clones are inert: they point to nothing, so a frame pointer never outlives the poll that
//! made it.
//!
//! The async flavour (`#[generator] async fn`, feature `async`) polls its body with a second
//! vtable, [`ASYNC_FRAME_VTABLE`], whose data pointer is an [`AsyncLink`]: the frame and the
//! executor's waker. Its clones and wakes forward to the executor's waker, so a leaf future
//! that stores `cx.waker().clone()` stores the executor's own waker and nothing of ours: no
//! thread-local, no shared slot, and a frame pointer still never outlives its poll.

use core::ptr;
use core::task::{Context, RawWaker, RawWakerVTable, Waker};

use super::frame::{Frame, FrameHeader};

static FRAME_VTABLE: RawWakerVTable = RawWakerVTable::new(clone_inert, noop, noop, noop);
static INERT_VTABLE: RawWakerVTable = RawWakerVTable::new(clone_inert, noop, noop, noop);

fn clone_inert(_: *const ()) -> RawWaker {
    RawWaker::new(ptr::null(), &INERT_VTABLE)
}

fn noop(_: *const ()) {}

/// What the async flavour's waker points to: on the driver's stack, for one poll.
///
/// Written before the poll and only read during it (from any thread the body hands its
/// `&Waker` to), so reading it races with nothing.
#[cfg(feature = "async")]
pub(crate) struct AsyncLink {
    /// The frame of the body being polled (a `Frame<Y, In>`, erased).
    pub(crate) frame: *mut (),
    /// The executor's waker, borrowed for the poll.
    pub(crate) outer: *const core::task::Waker,
}

#[cfg(feature = "async")]
static ASYNC_FRAME_VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_outer, wake_outer, wake_outer, noop);

/// A clone of the executor's waker: what a leaf future stores is the executor's, never ours.
#[cfg(feature = "async")]
fn clone_outer(link: *const ()) -> RawWaker {
    // SAFETY: a waker with this vtable is only ever borrowed (the driver never hands out an
    // owned one, and clones are the executor's), so this runs during the poll that made
    // `link`, which is alive on the driver's stack; `outer` is a `&Waker` the driver holds for
    // the poll. `Waker` is `Sync`, so cloning it from a thread the body lent `&Waker` to is
    // fine.
    let outer = unsafe { (*(*link.cast::<AsyncLink>()).outer).clone() };
    let raw = RawWaker::new(outer.data(), outer.vtable());
    // The clone's ownership passes to the `RawWaker` the caller wraps.
    core::mem::forget(outer);
    raw
}

/// `wake_by_ref` on the borrowed waker (a leaf future that is ready again at once, e.g. a
/// `yield_now`): the executor's waker is woken. (`wake` by value needs an owned waker with this
/// vtable, which safe code never has; it forwards the same way.)
#[cfg(feature = "async")]
fn wake_outer(link: *const ()) {
    // SAFETY: as in `clone_outer`.
    unsafe { (*(*link.cast::<AsyncLink>()).outer).wake_by_ref() }
}

/// A waker that carries `link` (a frame and the executor's waker) to an async body.
///
/// # Safety
/// As for [`frame_waker`], with `link` and the frame and waker it points to all valid for as
/// long as the waker or a `Context` built from it is in use; the waker must never be dropped or
/// woken by value (keep it in a `ManuallyDrop`).
#[cfg(feature = "async")]
#[inline(always)]
pub(crate) unsafe fn async_frame_waker(link: *const AsyncLink) -> Waker {
    // SAFETY: the vtable's functions read `link` only while it is valid (the caller's
    // contract), and clones are the executor's own wakers, independent of `link`.
    unsafe { Waker::new(link.cast(), &ASYNC_FRAME_VTABLE) }
}

std::thread_local! {
    /// One byte per thread; its address names the thread.
    static THREAD_MARK: u8 = const { 0 };
}

/// A token of the current thread: the address of its own thread-local byte.
///
/// Why an address and not `thread::current().id()`: two threads alive at once have their
/// thread-locals at different addresses, and the polling thread is alive for the whole poll, so
/// an equal address proves the same thread; and reading it is one `fs`-relative address
/// computation that LLVM treats as a constant within a function. The driver writes it into the
/// frame and the future compares it in the same inlined poll, so on the normal path the check
/// folds away (measured: no instruction per item, `scripts/instructions.sh`).
#[inline(always)]
pub(crate) fn polling_thread() -> *const u8 {
    THREAD_MARK.with(ptr::from_ref)
}

/// A waker that carries `frame` to the body being polled.
///
/// # Safety
/// `frame` must stay valid, and be accessed only through this pointer, for as long as the waker
/// or a `Context` built from it is in use, and its header must have been written by the thread
/// that polls with it.
#[inline(always)]
pub(crate) unsafe fn frame_waker<Y, In>(frame: *mut Frame<Y, In>) -> Waker {
    // SAFETY: the vtable's functions ignore the data pointer and never dereference it; clones
    // point to no frame at all, so the contract of `RawWaker` holds for any pointer.
    unsafe { Waker::new(frame.cast_const().cast(), &FRAME_VTABLE) }
}

/// The frame of the generator with id `id`, or a panic explaining the misuse.
///
/// The returned pointer is valid for the current poll only, on the current thread only.
#[inline(always)]
pub(crate) fn frame_of<Y, In, const ASYNC: bool>(cx: &Context<'_>, id: u64) -> *mut Frame<Y, In> {
    let waker = cx.waker();
    let data = if ASYNC {
        async_frame(waker)
    } else {
        if !ptr::eq(waker.vtable(), &FRAME_VTABLE) {
            foreign_executor();
        }
        waker.data()
    };
    let header = data.cast::<FrameHeader>();
    // SAFETY: the vtable is ours, so `data` is the live frame of a driver that is polling right
    // now (`frame_waker`'s and `async_frame_waker`'s contracts): on this thread, or on another
    // one blocked inside the poll that handed us its waker. `Frame` is `repr(C)` with the
    // header first, so the header is readable whatever `Y` and `In` the frame really has, and
    // the driver wrote it before the poll and does not write it during the poll, so reading it
    // from any thread races with nothing.
    let (thread, frame_id) = unsafe { ((*header).thread, (*header).id) };
    if !ptr::eq(thread, polling_thread()) {
        other_thread();
    }
    if frame_id != id {
        wrong_generator();
    }
    // Same thread, same generator: the frame really is a `Frame<Y, In>`, and nothing else uses
    // it while this thread runs the body.
    data.cast_mut().cast::<Frame<Y, In>>()
}

/// The frame an async body's waker links to, or a panic: the waker is not the async driver's
/// (an executor's own, or a plain body's).
#[inline(always)]
fn async_frame(waker: &Waker) -> *const () {
    #[cfg(feature = "async")]
    if ptr::eq(waker.vtable(), &ASYNC_FRAME_VTABLE) {
        // SAFETY: the vtable is the async driver's, so `data` is the `AsyncLink` of a poll in
        // progress (`async_frame_waker`'s contract), written before the poll.
        return unsafe { (*waker.data().cast::<AsyncLink>()).frame.cast_const() };
    }
    let _ = waker;
    foreign_executor()
}

#[cold]
#[inline(never)]
fn foreign_executor() -> ! {
    panic!(
        "genpipe: a yield_!/recv! future was polled outside its generator \
         (by an async executor, or after being moved out of the body)"
    )
}

#[cold]
#[inline(never)]
fn other_thread() -> ! {
    panic!(
        "genpipe: a yield_!/recv! future was polled on another thread than the one running its \
         generator; a body's yields and receives must run on the thread that drives it"
    )
}

#[cold]
#[inline(never)]
fn wrong_generator() -> ! {
    panic!(
        "genpipe: a yield_!/recv! of one generator was awaited inside another generator's body; \
         each body may only use its own yield_!/recv!"
    )
}
