//! The cache behind `#[memoize]` and `memo`: LRU order, optional capacity and time-to-live,
//! and counters a test can check.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::fmt;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::thread::LocalKey;
use std::time::{Duration, Instant};

use lru::LruCache;

/// What a cache has done since it was made or last cleared.
///
/// `lookups = hits + misses` unless the function panicked (a lookup that found nothing, then no
/// value to store). Per-thread caches (the default of `#[memoize]`) count per thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoStats {
    /// Calls that looked in the cache.
    pub lookups: u64,
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Times the function itself ran (and its value was stored).
    pub misses: u64,
    /// Entries held now.
    pub len: usize,
    /// Entries dropped to make room (capacity) or because they expired (time-to-live).
    pub evictions: u64,
}

/// One stored value and when it was stored (only kept with a time-to-live).
#[derive(Clone)]
struct Stored<V> {
    value: V,
    at: Option<Instant>,
}

/// A memo table: keys to values, least recently used first out.
///
/// `#[memoize]` makes one per function (per thread by default); the [`memo`](super::memo) stage
/// holds one. Usable on its own, too.
///
/// # Example
/// ```
/// use genpipe::memo::Memo;
///
/// let mut squares = Memo::new().capacity(2);
/// for x in [3u64, 3, 4, 5, 3] {
///     match squares.lookup(&x) {
///         Some(_) => {}
///         None => squares.store(x, x * x),
///     }
/// }
/// let stats = squares.stats();
/// // 3 was evicted by 5 (capacity 2), so the last 3 ran the function again.
/// assert_eq!((stats.hits, stats.misses, stats.evictions, stats.len), (1, 4, 2, 2));
/// ```
pub struct Memo<K, V> {
    entries: LruCache<K, Stored<V>>,
    ttl: Option<Duration>,
    stats: MemoStats,
}

impl<K: Hash + Eq, V: Clone> fmt::Debug for Memo<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Memo")
            .field("capacity", &self.entries.cap())
            .field("ttl", &self.ttl)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl<K: Hash + Eq, V: Clone> Default for Memo<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Hash + Eq, V: Clone> Memo<K, V> {
    /// An empty, unbounded table with no time-to-live.
    pub fn new() -> Self {
        Memo {
            entries: LruCache::unbounded(),
            ttl: None,
            stats: MemoStats::default(),
        }
    }

    /// Holds at most `capacity` entries: storing one more evicts the least recently used.
    ///
    /// # Panics
    /// If `capacity` is 0 (a cache that holds nothing is a bug, not a setting).
    #[must_use]
    pub fn capacity(mut self, capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).expect("genpipe: memo capacity 0");
        self.entries.resize(capacity);
        self
    }

    /// Entries older than `ttl` are not answered: the next lookup drops them (an eviction) and
    /// misses. Without a capacity the table stays bounded too: every store first drops expired
    /// entries from the least recently used end, so what remains was stored within the last two
    /// `ttl`s (an entry used shortly before it expired may outlive it by one more `ttl`).
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// The value stored for `key`, if any and fresh; counts a lookup (and a hit).
    ///
    /// Takes the borrowed form of the key (`&str` for `String` keys), so a hit costs no
    /// allocation.
    pub fn lookup<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.stats.lookups += 1;
        let stored = self.entries.get(key)?;
        if let (Some(ttl), Some(at)) = (self.ttl, stored.at)
            && at.elapsed() >= ttl
        {
            self.entries.pop(key);
            self.stats.evictions += 1;
            return None;
        }
        self.stats.hits += 1;
        Some(stored.value.clone())
    }

    /// Stores the value the function computed for `key`; counts a miss.
    pub fn store(&mut self, key: K, value: V) {
        self.stats.misses += 1;
        let at = self.ttl.map(|_| Instant::now());
        if let Some(ttl) = self.ttl {
            self.purge_expired(ttl);
        }
        // `push` hands back the entry it displaced: an evicted one, or (when another thread
        // computed the same key meanwhile) the old value of this key, which is no eviction.
        if let Some((old_key, _)) = self.entries.push(key, Stored { value, at })
            && !self.entries.contains(&old_key)
        {
            self.stats.evictions += 1;
        }
    }

    /// Drops expired entries from the least recently used end, up to the first fresh one.
    fn purge_expired(&mut self, ttl: Duration) {
        while let Some((_, stored)) = self.entries.peek_lru() {
            match stored.at {
                Some(at) if at.elapsed() >= ttl => {
                    self.entries.pop_lru();
                    self.stats.evictions += 1;
                }
                _ => break,
            }
        }
    }

    /// `lookup`, or else compute with `f`, `store` and return the value.
    pub fn get_or_compute(&mut self, key: K, f: impl FnOnce(&K) -> V) -> V {
        if let Some(value) = self.lookup(&key) {
            return value;
        }
        let value = f(&key);
        self.store(key, value.clone());
        value
    }

    /// The counters, and the number of entries held now.
    pub fn stats(&self) -> MemoStats {
        MemoStats {
            len: self.entries.len(),
            ..self.stats
        }
    }

    /// Drops every entry and zeroes the counters.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.stats = MemoStats::default();
    }
}

/// Where `#[memoize]` keeps a function's table: a thread-local (the default) or a shared static.
#[doc(hidden)]
pub trait MemoSlot<K, V> {
    fn with_memo<R>(&'static self, f: impl FnOnce(&mut Memo<K, V>) -> R) -> R;
}

impl<K, V> MemoSlot<K, V> for LocalKey<RefCell<Memo<K, V>>> {
    #[inline]
    fn with_memo<R>(&'static self, f: impl FnOnce(&mut Memo<K, V>) -> R) -> R {
        self.with_borrow_mut(f)
    }
}

impl<K, V> MemoSlot<K, V> for LazyLock<Mutex<Memo<K, V>>> {
    #[inline]
    fn with_memo<R>(&'static self, f: impl FnOnce(&mut Memo<K, V>) -> R) -> R {
        // The lock is never held while the function runs, so a panic in it poisons nothing;
        // a poisoned lock still holds a consistent table.
        f(&mut self.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
