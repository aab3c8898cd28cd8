//! The `memo` stage: a costly map with a bounded cache.

use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use super::cache::Memo;
use crate::consume::Sink;
use crate::engine::Pull;
use crate::pipe::Stage;
use crate::pipe::stages::{Flow, Op, flow};

/// The capacity of a `memo` stage unless [`capacity`](Stage::capacity) says otherwise.
const DEFAULT_CAPACITY: usize = 4096;

/// The stage of [`memo`] and [`memo_by`].
pub struct MemoOp<K, V, KeyFn, F, T> {
    cache: Memo<K, V>,
    key: KeyFn,
    f: F,
    _items: PhantomData<fn(T)>,
}

impl<K: Hash + Eq, V: Clone, KeyFn, F, T> fmt::Debug for MemoOp<K, V, KeyFn, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoOp")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl<K, V, KeyFn, F, T> MemoOp<K, V, KeyFn, F, T>
where
    K: Hash + Eq,
    V: Clone,
    KeyFn: FnMut(&T) -> K,
    F: FnMut(T) -> V,
{
    #[inline]
    fn apply(&mut self, item: T) -> V {
        let key = (self.key)(&item);
        if let Some(value) = self.cache.lookup(&key) {
            return value;
        }
        let value = (self.f)(item);
        self.cache.store(key, value.clone());
        value
    }
}

impl<K, V, KeyFn, F, T> Op for MemoOp<K, V, KeyFn, F, T>
where
    K: Hash + Eq,
    V: Clone,
    KeyFn: FnMut(&T) -> K,
    F: FnMut(T) -> V,
{
    type In = T;
    type Out = V;

    fn pull<U: Pull<Item = T> + ?Sized>(&mut self, up: Pin<&mut U>) -> Option<V> {
        let item = up.pull()?;
        Some(self.apply(item))
    }

    fn push<D: Sink<V>>(&mut self, item: T, down: &mut D) -> Flow {
        let value = self.apply(item);
        flow(down.send(value))
    }
}

impl<K: Hash + Eq, V: Clone, KeyFn, F, T> Stage<MemoOp<K, V, KeyFn, F, T>> {
    /// Keeps at most `n` results (least recently used out first); the default is 4096.
    ///
    /// # Panics
    /// If `n` is 0.
    pub fn capacity(self, n: usize) -> Self {
        let mut op = self.into_op();
        op.cache = std::mem::take(&mut op.cache).capacity(n);
        Stage::new(op)
    }

    /// Results older than `ttl` are computed again.
    pub fn ttl(self, ttl: Duration) -> Self {
        let mut op = self.into_op();
        op.cache = std::mem::take(&mut op.cache).ttl(ttl);
        Stage::new(op)
    }
}

/// Maps each item through a costly `f`, caching results by item: a repeated item is answered
/// from the cache, up to 4096 distinct items (least recently used out first; see
/// [`capacity`](Stage::capacity)). Use [`memo_by`] to key by part of the item.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::memo::memo;
///
/// let mut calls = 0;
/// let lens = pipe(["aa", "b", "aa", "aa"])
///     | memo(|s: &str| { calls += 1; s.len() })
///     | collect::<Vec<_>>();
/// assert_eq!((lens, calls), (vec![2, 1, 2, 2], 2));
/// ```
#[allow(clippy::type_complexity)]
pub fn memo<T, V, F>(f: F) -> Stage<MemoOp<T, V, fn(&T) -> T, F, T>>
where
    T: Clone + Hash + Eq,
    V: Clone,
    F: FnMut(T) -> V,
{
    memo_by(T::clone, f)
}

/// [`memo`] with the cache keyed by `key(&item)`: items with equal keys share one result.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::memo::memo_by;
///
/// // Look each host up once, whatever the rest of the record says.
/// let mut lookups = 0;
/// let regions = pipe([("10.0.0.1", 1), ("10.0.0.2", 2), ("10.0.0.1", 3)])
///     | memo_by(|r: &(&str, u32)| r.0, |r: (&str, u32)| { lookups += 1; r.0.ends_with('1') })
///     | collect::<Vec<_>>();
/// assert_eq!((regions, lookups), (vec![true, false, true], 2));
/// ```
pub fn memo_by<K, V, KeyFn, F, T>(key: KeyFn, f: F) -> Stage<MemoOp<K, V, KeyFn, F, T>>
where
    K: Hash + Eq,
    V: Clone,
    KeyFn: FnMut(&T) -> K,
    F: FnMut(T) -> V,
{
    Stage::new(MemoOp {
        cache: Memo::new().capacity(DEFAULT_CAPACITY),
        key,
        f,
        _items: PhantomData,
    })
}
