//! The per-poll frame: the one place an item passes through between a body and its driver.

use core::task::Poll;

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

/// Reads the next input of a body from its erased upstream.
///
/// `Ready(None)` means the upstream has ended, `Pending` that no input is there yet (push mode).
pub(crate) type PullFn<In> = unsafe fn(*mut ()) -> Poll<Option<In>>;

/// Lives on the driver's stack for the duration of one poll; reached from the body through the
/// `Waker`'s data pointer.
///
/// `repr(C)` with `id` first: the waker check reads the id before it knows `Y` and `In`.
#[repr(C)]
pub(crate) struct Frame<Y, In> {
    pub(crate) id: u64,
    pub(crate) mark: Mark,
    pub(crate) slot: Option<Y>,
    pub(crate) up: *mut (),
    pub(crate) pull: PullFn<In>,
}

/// What one resumption of a body produced.
#[derive(Debug)]
pub(crate) enum Step<Y> {
    /// The body yielded an item.
    Yielded(Y),
    /// The body waits for input; it may have left a reply (two-way coroutines).
    WantsInput(Option<Y>),
    /// The body has returned (its value is stored in the node) or panicked earlier.
    Done,
}
