//! A pipeline in its one heap allocation (what `next()` on a `Gen` makes), and the in-place
//! replacement that moves it there: the engine's share of `Gen`'s unsafe, kept here so that
//! `produce` has none.

use core::mem::{self, ManuallyDrop};
use core::pin::Pin;
use core::ptr;

/// A pipeline in its one heap allocation, used only through functions that are never inlined.
///
/// Why: a `Gen` upstream that was driven by `next()` before being piped is rare, but its arm is
/// compiled into every pipeline built on it. Inlined, that arm is a second copy of everything
/// below it at every `|` level (each body's `poll` gets several callers, and LLVM stops inlining
/// them), and its drop glue is a call that receives the pipeline. Out of line, each arm is one
/// call with the heap address, and the pipeline being driven never escapes
/// (`benches/README.md`, "Why the engine is fast").
pub(crate) struct Boxed<S> {
    inner: ManuallyDrop<Pin<Box<S>>>,
    /// No `Gen` inside was boxed before it was piped: `next()` takes `Pull::pull_fresh`.
    fresh: bool,
}

impl<S> Boxed<S> {
    pub(crate) fn new(inner: Pin<Box<S>>, fresh: bool) -> Self {
        Boxed {
            inner: ManuallyDrop::new(inner),
            fresh,
        }
    }

    #[inline(always)]
    pub(crate) fn as_mut(&mut self) -> Pin<&mut S> {
        self.inner.as_mut()
    }

    /// No `Gen` inside was boxed before it was piped.
    #[inline(always)]
    pub(crate) fn fresh(&self) -> bool {
        self.fresh
    }

    /// The pipeline, shared (reports of sources kept beside it).
    pub(crate) fn get(&self) -> &S {
        &self.inner
    }

    pub(crate) fn into_inner(self) -> Pin<Box<S>> {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the box is taken exactly once.
        unsafe { ManuallyDrop::take(&mut this.inner) }
    }
}

impl<S> Drop for Boxed<S> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: `drop` runs once and `inner` is not used after it.
        drop_boxed(unsafe { ManuallyDrop::take(&mut self.inner) });
    }
}

#[inline(never)]
fn drop_boxed<S>(boxed: Pin<Box<S>>) {
    drop(boxed);
}

/// Replaces `*slot` with `f` of its value, moved out: a state change that moves a field out of
/// an enum without a placeholder variant to leave behind.
///
/// If `f` unwinds the process aborts: the moved-out value would otherwise be dropped twice
/// (by the unwinding `f`, and again with `*slot`).
#[inline(always)]
pub(crate) fn replace_with<T>(slot: &mut T, f: impl FnOnce(T) -> T) {
    struct AbortOnUnwind;
    impl Drop for AbortOnUnwind {
        fn drop(&mut self) {
            std::process::abort();
        }
    }
    let guard = AbortOnUnwind;
    // SAFETY: `*slot` is read once, and written back before anyone can observe it: `slot` is
    // an exclusive borrow, so no other code (no other thread) sees the moved-out state in
    // between; if `f` unwinds, the guard aborts before the old value could be dropped twice.
    unsafe {
        let old = ptr::read(slot);
        ptr::write(slot, f(old));
    }
    mem::forget(guard);
}
