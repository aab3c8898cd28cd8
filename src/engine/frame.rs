//! The per-poll frame: the one place an item passes through between a body and its driver.

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

/// Lives on the driver's stack for the duration of one poll; reached from the body through the
/// `Waker`'s data pointer.
///
/// `repr(C)` with `id` first: the waker check reads the id before it knows `Y` and `In`.
#[repr(C)]
pub(crate) struct Frame<Y, In> {
    pub(crate) id: u64,
    pub(crate) mark: Mark,
    /// What the body hands out: an item, or a coroutine's reply.
    pub(crate) slot: Option<Y>,
    /// The body's next input, put there by the driver before the poll.
    pub(crate) input: Option<In>,
    /// The input has ended: `next()` returns `None`.
    pub(crate) ended: bool,
    /// In pull mode, the upstream, erased, and the function that pulls it: `next()` pulls in
    /// place without suspending. `None` in push mode.
    pub(crate) pull: Option<(PullFn<In>, *mut ())>,
}

/// Pulls the next item from an erased upstream.
pub(crate) type PullFn<In> = unsafe fn(*mut ()) -> Option<In>;

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
