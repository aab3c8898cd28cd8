//! `unique`: each distinct item once, remembering all of them or only the most recent.

use std::collections::HashSet;
use std::fmt;
use std::hash::Hash;
#[cfg(feature = "memo")]
use std::num::NonZeroUsize;
use std::pin::Pin;

#[cfg(feature = "memo")]
use lru::LruCache;

use crate::consume::Sink;
use crate::engine::Pull;
use crate::pipe::Stage;
use crate::pipe::stages::{Flow, Op, flow};

/// What [`unique`] remembers.
enum Seen<T> {
    All(HashSet<T>),
    #[cfg(feature = "memo")]
    Recent(LruCache<T, ()>),
}

/// The stage of [`unique`].
pub struct UniqueOp<T> {
    seen: Seen<T>,
}

impl<T: Hash + Eq> fmt::Debug for UniqueOp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, len) = match &self.seen {
            Seen::All(set) => ("all", set.len()),
            #[cfg(feature = "memo")]
            Seen::Recent(lru) => ("recent", lru.len()),
        };
        f.debug_struct("UniqueOp")
            .field("remembers", &kind)
            .field("len", &len)
            .finish()
    }
}

impl<T: Clone + Eq + Hash> UniqueOp<T> {
    /// Whether `item` is new (and now remembered).
    #[inline]
    fn first_sight(&mut self, item: &T) -> bool {
        match &mut self.seen {
            Seen::All(set) => !set.contains(item) && set.insert(item.clone()),
            // `get` refreshes a repeat, so a steady repeat is never forgotten.
            #[cfg(feature = "memo")]
            Seen::Recent(lru) => lru.get(item).is_none() && lru.put(item.clone(), ()).is_none(),
        }
    }
}

impl<T: Clone + Eq + Hash> Op for UniqueOp<T> {
    type In = T;
    type Out = T;

    fn pull<U: Pull<Item = T> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<T> {
        loop {
            let item = up.as_mut().pull()?;
            if self.first_sight(&item) {
                return Some(item);
            }
        }
    }

    fn push<K: Sink<T>>(&mut self, item: T, down: &mut K) -> Flow {
        if self.first_sight(&item) {
            flow(down.send(item))
        } else {
            Flow::Continue
        }
    }
}

#[cfg(feature = "memo")]
impl<T: Clone + Eq + Hash> Stage<UniqueOp<T>> {
    /// Remembers only the `n` most recently seen distinct items (least recently seen forgotten
    /// first), so memory stays bounded; an item forgotten can pass again. Needs the `memo`
    /// feature (default; the `lru` crate).
    ///
    /// # Panics
    /// If `n` is 0.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::combinators::unique;
    ///
    /// // With room for 2: the repeated 1 refreshes it, so 3 pushes 2 out, and 2 then pushes 1.
    /// let got = pipe([1, 2, 1, 3, 2, 1]) | unique().bound(2) | collect::<Vec<_>>();
    /// assert_eq!(got, [1, 2, 3, 2, 1]);
    /// ```
    pub fn bound(self, n: usize) -> Self {
        let n = NonZeroUsize::new(n).expect("genpipe: unique().bound(0)");
        Stage::new(UniqueOp {
            seen: Seen::Recent(LruCache::new(n)),
        })
    }
}

/// Each distinct item once, at its first appearance, in order (itertools' `unique`). Remembers
/// every distinct item, so memory grows with their number; [`bound`](Stage::bound) caps it.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::combinators::unique;
///
/// assert_eq!(pipe([3, 1, 3, 2, 1]) | unique() | collect::<Vec<_>>(), [3, 1, 2]);
/// ```
pub fn unique<T: Clone + Eq + Hash>() -> Stage<UniqueOp<T>> {
    Stage::new(UniqueOp {
        seen: Seen::All(HashSet::new()),
    })
}
