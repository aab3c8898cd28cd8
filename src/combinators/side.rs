//! A stage that watches a pipeline without changing it: `store_last` (to trace items as they
//! pass, `inspect`).

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use crate::consume::Sink;
use crate::engine::Pull;
use crate::pipe::Stage;
use crate::pipe::stages::{Flow, Op, flow};

/// The most recent item that passed a [`store_last`] stage, readable while and after the
/// pipeline runs, from any thread.
pub struct Last<T>(Arc<Mutex<Option<T>>>);

impl<T> Clone for Last<T> {
    fn clone(&self) -> Self {
        Last(Arc::clone(&self.0))
    }
}

impl<T: fmt::Debug> fmt::Debug for Last<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Last").field(&*self.lock()).finish()
    }
}

impl<T> Last<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<T>> {
        // Only whole values are ever stored, so a poisoned lock still holds a valid one.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the last item, or `None` if none has passed yet.
    pub fn get(&self) -> Option<T>
    where
        T: Clone,
    {
        self.lock().clone()
    }

    /// Takes the last item out (later reads see `None` until the next item).
    pub fn take(&self) -> Option<T> {
        self.lock().take()
    }
}

/// The stage of [`store_last`].
pub struct StoreLastOp<T>(Last<T>);

impl<T> fmt::Debug for StoreLastOp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreLastOp")
    }
}

impl<T: Clone> StoreLastOp<T> {
    #[inline]
    fn keep(&self, item: &T) {
        *self.0.lock() = Some(item.clone());
    }
}

impl<T: Clone> Op for StoreLastOp<T> {
    type In = T;
    type Out = T;

    fn pull<U: Pull<Item = T> + ?Sized>(&mut self, up: Pin<&mut U>) -> Option<T> {
        let item = up.pull()?;
        self.keep(&item);
        Some(item)
    }

    fn push<K: Sink<T>>(&mut self, item: T, down: &mut K) -> Flow {
        self.keep(&item);
        flow(down.send(item))
    }
}

/// A pass-through stage and a side channel holding a copy of the most recent item that passed
/// it (Beazley's `store_last`): e.g. the last line a `follow` saw, read from another thread.
///
/// Costs one clone and one uncontended lock per item (`Line` clones are a reference count).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::combinators::store_last;
///
/// let (keep, last) = store_last();
/// let n = pipe(["a", "b", "c"]) | keep | count();
/// assert_eq!((n, last.get()), (3, Some("c")));
/// ```
pub fn store_last<T: Clone>() -> (Stage<StoreLastOp<T>>, Last<T>) {
    let last = Last(Arc::new(Mutex::new(None)));
    (Stage::new(StoreLastOp(last.clone())), last)
}
