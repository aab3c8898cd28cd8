//! The checked waker: how a body finds its frame, and why it cannot find the wrong one.
//!
//! The driver builds a `Waker` whose data pointer is its stack frame and whose vtable is
//! [`FRAME_VTABLE`], a private static. A yield/next/recv future accepts the pointer only if the
//! vtable is that static (so the waker came from our driver, not from an executor) and the frame's
//! id equals the id the future carries (so the frame belongs to the same generator, hence has the
//! same `Y` and `In`). Clones are inert: they point to nothing, so a frame pointer never outlives
//! the poll that made it.

use core::ptr;
use core::task::{Context, RawWaker, RawWakerVTable, Waker};

use super::frame::Frame;

static FRAME_VTABLE: RawWakerVTable = RawWakerVTable::new(clone_inert, noop, noop, noop);
static INERT_VTABLE: RawWakerVTable = RawWakerVTable::new(clone_inert, noop, noop, noop);

fn clone_inert(_: *const ()) -> RawWaker {
    RawWaker::new(ptr::null(), &INERT_VTABLE)
}

fn noop(_: *const ()) {}

/// A waker that carries `frame` to the body being polled.
///
/// # Safety
/// `frame` must stay valid, and be accessed only through this pointer, for as long as the waker
/// or a `Context` built from it is in use.
pub(crate) unsafe fn frame_waker<Y, In>(frame: *mut Frame<Y, In>) -> Waker {
    // SAFETY: the vtable's functions ignore the data pointer and never dereference it; clones
    // point to no frame at all, so the contract of `RawWaker` holds for any pointer.
    unsafe { Waker::new(frame.cast_const().cast(), &FRAME_VTABLE) }
}

/// The frame of the generator with id `id`, or a panic explaining the misuse.
///
/// The returned pointer is valid for the current poll only.
#[inline(always)]
pub(crate) fn frame_of<Y, In>(cx: &Context<'_>, id: u64) -> *mut Frame<Y, In> {
    let waker = cx.waker();
    if !ptr::eq(waker.vtable(), &FRAME_VTABLE) {
        foreign_executor();
    }
    let frame = waker.data().cast_mut().cast::<Frame<Y, In>>();
    // SAFETY: the vtable is ours, so `data` is the live frame of the driver polling right now
    // (`frame_waker`'s contract). `Frame` is `repr(C)` with the `u64` id first, so reading the id
    // is valid whatever `Y` and `In` that frame really has.
    let frame_id = unsafe { frame.cast::<u64>().read() };
    if frame_id != id {
        wrong_generator();
    }
    // Same id, same generator: the frame really is a `Frame<Y, In>`.
    frame
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
fn wrong_generator() -> ! {
    panic!(
        "genpipe: a yield_!/recv! of one generator was awaited inside another generator's body; \
         each body may only use its own yield_!/recv!"
    )
}
