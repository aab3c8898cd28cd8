//! Counting sinks: `group_count`, `group_count_into`, `most_common`, `top_k`.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fmt;
use std::hash::{BuildHasher, Hash};

use crate::consume::{SendError, Sink};

/// A map that counts keys: what [`group_count_into`] fills. Implemented for `HashMap<K, usize>`
/// (any hasher) and `BTreeMap<K, usize>`.
pub trait CountMap: Default {
    /// What is counted.
    type Key;
    /// Adds one to `key`'s count.
    fn bump(&mut self, key: Self::Key);
}

impl<K: Eq + Hash, H: BuildHasher + Default> CountMap for HashMap<K, usize, H> {
    type Key = K;

    #[inline]
    fn bump(&mut self, key: K) {
        *self.entry(key).or_insert(0) += 1;
    }
}

impl<K: Ord> CountMap for BTreeMap<K, usize> {
    type Key = K;

    #[inline]
    fn bump(&mut self, key: K) {
        *self.entry(key).or_insert(0) += 1;
    }
}

/// The sink of [`group_count`] and [`group_count_into`]: the counts so far.
#[derive(Clone, Debug, Default)]
pub struct GroupCount<M>(M);

impl<M: CountMap> Sink<M::Key> for GroupCount<M> {
    type Out = M;

    #[inline]
    fn send(&mut self, item: M::Key) -> Result<(), SendError<M::Key>> {
        self.0.bump(item);
        Ok(())
    }

    fn close(self) -> M {
        self.0
    }
}

crate::pipe::sink_pipe_rhs!([M: CountMap,] GroupCount<M>);

/// Counts equal items: `HashMap<item, count>` (Python's `Counter`). To count by a key, map to
/// it first: `| map(key) | group_count()`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::combinators::group_count;
///
/// let by_len = pipe(["a", "bb", "c"]) | map(str::len) | group_count();
/// assert_eq!((by_len[&1], by_len[&2]), (2, 1));
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn group_count<T: Eq + Hash>() -> GroupCount<HashMap<T, usize>> {
    GroupCount(HashMap::new())
}

/// [`group_count`] into the map type you name, e.g. a `BTreeMap` for sorted keys.
///
/// # Example
/// ```
/// use std::collections::BTreeMap;
/// use genpipe::prelude::*;
/// use genpipe::combinators::group_count_into;
///
/// let counts = pipe(["b", "a", "b"]) | group_count_into::<BTreeMap<_, _>>();
/// assert_eq!(counts.into_iter().collect::<Vec<_>>(), [("a", 1), ("b", 2)]);
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn group_count_into<M: CountMap>() -> GroupCount<M> {
    GroupCount(M::default())
}

/// The sink of [`most_common`].
pub struct MostCommon<T> {
    counts: HashMap<T, usize>,
    k: usize,
}

impl<T: fmt::Debug> fmt::Debug for MostCommon<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MostCommon")
            .field("k", &self.k)
            .finish_non_exhaustive()
    }
}

impl<T: Eq + Hash + Ord> Sink<T> for MostCommon<T> {
    type Out = Vec<(T, usize)>;

    #[inline]
    fn send(&mut self, item: T) -> Result<(), SendError<T>> {
        self.counts.bump(item);
        Ok(())
    }

    fn close(self) -> Vec<(T, usize)> {
        top_of(self.counts, self.k)
    }
}

crate::pipe::sink_pipe_rhs!([T,] MostCommon<T>);

/// The `k` most frequent of `counts`: count descending, then item ascending.
fn top_of<T: Ord>(counts: HashMap<T, usize>, k: usize) -> Vec<(T, usize)> {
    let by_rank = |a: &(T, usize), b: &(T, usize)| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0));
    let mut all: Vec<(T, usize)> = counts.into_iter().collect();
    // Only the first k need sorting: select them, then sort those.
    if k == 0 {
        return Vec::new();
    }
    if k < all.len() {
        all.select_nth_unstable_by(k - 1, by_rank);
        all.truncate(k);
    }
    all.sort_unstable_by(by_rank);
    all
}

impl<T: Eq + Hash + Ord> MostCommon<T> {
    /// The same sink, ending with every count kept ([`TopCounts`]) instead of the top `k`
    /// alone: results of several runs (shards of a tree, workers) then merge exactly, and
    /// [`TopCounts::top`] gives the top `k` of the whole.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::par::Mergeable;
    ///
    /// let a = pipe(["x", "y", "y"]) | most_common(1).keep_counts();
    /// let b = pipe(["x", "x", "z"]) | most_common(1).keep_counts();
    /// // Alone, each shard's top is wrong for the whole: y, then x.
    /// assert_eq!(a.merge(b).top(), [("x", 3)]);
    /// ```
    pub fn keep_counts(self) -> MostCommonCounts<T> {
        MostCommonCounts(self)
    }
}

/// The sink of [`MostCommon::keep_counts`].
#[derive(Debug)]
pub struct MostCommonCounts<T>(MostCommon<T>);

impl<T: Eq + Hash + Ord> Sink<T> for MostCommonCounts<T> {
    type Out = TopCounts<T>;

    #[inline]
    fn send(&mut self, item: T) -> Result<(), SendError<T>> {
        self.0.send(item)
    }

    fn close(self) -> TopCounts<T> {
        TopCounts {
            counts: self.0.counts,
            k: self.0.k,
        }
    }
}

crate::pipe::sink_pipe_rhs!([T,] MostCommonCounts<T>);

/// Every count of a [`most_common`] run, and how many of the most frequent it asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopCounts<T: Eq + Hash> {
    counts: HashMap<T, usize>,
    k: usize,
}

impl<T: Eq + Hash + Ord> TopCounts<T> {
    /// The `k` most frequent with their counts, as [`most_common`] returns them.
    pub fn top(self) -> Vec<(T, usize)> {
        top_of(self.counts, self.k)
    }

    /// Every item's count.
    pub fn counts(&self) -> &HashMap<T, usize> {
        &self.counts
    }

    /// Adds `other`'s counts to these (the larger `k` is kept).
    pub(crate) fn add(&mut self, other: TopCounts<T>) {
        for (item, n) in other.counts {
            *self.counts.entry(item).or_insert(0) += n;
        }
        self.k = self.k.max(other.k);
    }
}

/// The `k` most frequent items with their counts: count descending, then item ascending.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::combinators::most_common;
///
/// let top = pipe(["b", "a", "b", "c", "a", "b"]) | most_common(2);
/// assert_eq!(top, [("b", 3), ("a", 2)]);
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn most_common<T: Eq + Hash + Ord>(k: usize) -> MostCommon<T> {
    MostCommon {
        counts: HashMap::new(),
        k,
    }
}

/// One kept item of [`top_k`], ordered by key, then earlier arrival first.
struct Ranked<K, T> {
    key: K,
    seq: Reverse<u64>,
    item: T,
}

impl<K: Ord, T> PartialEq for Ranked<K, T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<K: Ord, T> Eq for Ranked<K, T> {}

impl<K: Ord, T> PartialOrd for Ranked<K, T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K: Ord, T> Ord for Ranked<K, T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.key, self.seq).cmp(&(&other.key, other.seq))
    }
}

/// The sink of [`top_k`].
pub struct TopK<K, F, T> {
    // A min-heap of the best k so far: its top is the one to drop next.
    kept: BinaryHeap<Reverse<Ranked<K, T>>>,
    k: usize,
    key: F,
    seen: u64,
}

impl<K, F, T> fmt::Debug for TopK<K, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TopK")
            .field("k", &self.k)
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

impl<K: Ord, F: FnMut(&T) -> K, T> Sink<T> for TopK<K, F, T> {
    type Out = Vec<T>;

    fn send(&mut self, item: T) -> Result<(), SendError<T>> {
        let ranked = Ranked {
            key: (self.key)(&item),
            seq: Reverse(self.seen),
            item,
        };
        self.seen += 1;
        if self.kept.len() < self.k {
            self.kept.push(Reverse(ranked));
        } else if let Some(mut worst) = self.kept.peek_mut()
            && ranked > worst.0
        {
            *worst = Reverse(ranked);
        }
        Ok(())
    }

    fn close(self) -> Vec<T> {
        // Ascending `Reverse` order is descending rank.
        let ranked = self.kept.into_sorted_vec();
        ranked.into_iter().map(|Reverse(r)| r.item).collect()
    }
}

crate::pipe::sink_pipe_rhs!([K, F, T,] TopK<K, F, T>);

/// The `k` items with the largest `key`, largest first; of equal keys, the earlier item first.
/// Keeps k items at a time (a heap), not the whole stream.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::combinators::top_k;
///
/// let longest = pipe(["ab", "abcd", "x", "wxyz", "abc"]) | top_k(2, |w: &&str| w.len());
/// assert_eq!(longest, ["abcd", "wxyz"]);
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn top_k<K: Ord, F: FnMut(&T) -> K, T>(k: usize, key: F) -> TopK<K, F, T> {
    TopK {
        kept: BinaryHeap::with_capacity(crate::combinators::prealloc(k)),
        k,
        key,
        seen: 0,
    }
}
