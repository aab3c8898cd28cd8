//! The per-poll frame: the one place an item passes through between a body and its driver.

use core::mem::ManuallyDrop;

/// Why a body returned `Pending`, written by the yield/next/recv futures.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mark {
    /// Nothing of ours suspended the body: it awaited a foreign future.
    Foreign,
    /// The body put an item in `slot` and waits to be resumed.
    Yielded,
    /// The body waits for input (push mode); `slot` may hold a reply.
    WantsInput,
}

/// What a future checks before it touches a frame, readable whatever the frame's `Y` and `In`.
///
/// Written once by the driver before the poll and never during it, so reading it from any
/// thread races with nothing (the slots are other memory).
#[repr(C)]
pub(crate) struct FrameHeader {
    /// The generator the frame belongs to: the id its `Co` carries.
    pub(crate) id: u64,
    /// The thread polling the body (see [`polling_thread`](super::waker::polling_thread)):
    /// only that thread may read or write the slots.
    pub(crate) thread: *const u8,
}

/// Lives on the driver's stack for the duration of one poll; reached from the body through the
/// `Waker`'s data pointer.
///
/// `repr(C)` with the header first: the waker check reads it before it knows `Y` and `In`.
#[repr(C)]
pub(crate) struct Frame<Y, In> {
    pub(crate) header: FrameHeader,
    pub(crate) mark: Mark,
    /// What the body hands out: an item, or a coroutine's reply.
    ///
    /// Why `ManuallyDrop`: the frame must have no drop glue. Dropping an `Option<Y>` in place
    /// passes its address to the item's destructor (`Arc::drop_slow(&mut self)` for a `Line`),
    /// and one such call, even on a path never taken, lets the frame's address escape: LLVM
    /// then keeps the frame, and the pipeline whose pointer it holds, in memory (measured on a
    /// pass-through stage over `Line`s). Values leave the frame by value ([`Frame::take_slot`]),
    /// and the drivers drain it on every exit, unwinding included.
    pub(crate) slot: ManuallyDrop<Option<Y>>,
    /// The body's next input, put there by the driver before the poll (`ManuallyDrop`: as
    /// `slot`).
    pub(crate) input: ManuallyDrop<Option<In>>,
    /// The input has ended: `next()` returns `None`.
    pub(crate) ended: bool,
    /// In pull mode, the upstream, erased, and the function that pulls it: `next()` pulls in
    /// place without suspending. `None` in push mode and for sources.
    pub(crate) pull: Option<(PullFn<In>, *mut ())>,
}

/// For the drivers, after the poll (the futures reach the frame field by field: see
/// `Yield::poll`).
impl<Y, In> Frame<Y, In> {
    /// The slot's value, moved out; the slot is `None` after.
    #[inline(always)]
    pub(crate) fn take_slot(&mut self) -> Option<Y> {
        Option::take(&mut self.slot)
    }

    /// The input's value, moved out; the input is `None` after.
    #[inline(always)]
    pub(crate) fn take_input(&mut self) -> Option<In> {
        Option::take(&mut self.input)
    }
}

/// Pulls the next item from an erased upstream.
pub(crate) type PullFn<In> = unsafe fn(*mut ()) -> Option<In>;

/// What one resumption of a body produced (push mode; pull mode returns `Option<Y>`).
#[derive(Debug)]
pub(crate) enum Step<Y> {
    /// The body yielded an item.
    Yielded(Y),
    /// The body waits for input; it may have left a reply (two-way coroutines).
    WantsInput(Option<Y>),
    /// The body has returned (its value is stored in the node) or panicked earlier.
    Done,
}
