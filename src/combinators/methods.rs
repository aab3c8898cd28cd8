//! The method forms of the small stages and counting sinks: `gen.chunks(2)`, `gen.dedup()`,
//! `gen.most_common(3)`, ... the same as `gen | chunks(2)`, and where a closure is an argument
//! (`take_until`, `top_k`) its argument type is known, so it needs no annotation.

use std::hash::Hash;

use super::small::{ChunksOp, DedupOp, TakeUntilOp, WindowsOp, chunks, dedup, take_until, windows};
use super::tally::{GroupCount, MostCommon, TopK, group_count, most_common, top_k};
use super::unique::{UniqueOp, unique};
use crate::engine::Pull;
use crate::pipe::stage::Composed;
use crate::pipe::{PipeRhs, Stage, StageOp};
use crate::produce::Gen;

macro_rules! stage_methods {
    ($item:ty, $wrap:ident) => {
        /// Groups the items in `Vec`s of `size` (the method form of
        /// [`chunks`](crate::combinators::chunks)).
        ///
        /// # Panics
        /// If `size` is 0.
        pub fn chunks(self, size: usize) -> $wrap!(ChunksOp<$item>) {
            self.then(chunks(size).into_op())
        }

        /// Overlapping windows of `size` items (the method form of
        /// [`windows`](crate::combinators::windows)).
        ///
        /// # Panics
        /// If `size` is 0.
        pub fn windows(self, size: usize) -> $wrap!(WindowsOp<$item>)
        where
            $item: Clone,
        {
            self.then(windows(size).into_op())
        }

        /// Drops items equal to the one before (the method form of
        /// [`dedup`](crate::combinators::dedup)).
        pub fn dedup(self) -> $wrap!(DedupOp<$item>)
        where
            $item: Clone + PartialEq,
        {
            self.then(dedup().into_op())
        }

        /// Drops items seen before (the method form of [`unique`](crate::combinators::unique)).
        pub fn unique(self) -> $wrap!(UniqueOp<$item>)
        where
            $item: Clone + Eq + Hash,
        {
            self.then(unique().into_op())
        }

        /// Items up to and including the first for which `pred` is true (the method form of
        /// [`take_until`](crate::combinators::take_until)).
pub fn take_until<P>(self, pred: P) -> $wrap!(TakeUntilOp<P, $item>)
        where
            P: FnMut(&$item) -> bool,
        {
            self.then(take_until(pred).into_op())
        }
    };
}

macro_rules! stage_of {
    ($op:ty) => { Stage<Composed<A, $op>> };
}
macro_rules! gen_of {
    ($op:ty) => { Gen<<$op as StageOp>::Pulled<Gen<S>>> };
}

/// Method forms of the small stages.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let runs = pipe([1, 1, 2, 2, 2, 3, 1]).dedup().chunks(2) | collect::<Vec<_>>();
/// assert_eq!(runs, [vec![1, 2], vec![3, 1]]);
/// let stage = map(|x: u32| x % 3).unique();
/// assert_eq!(pipe(0..10u32) | stage | collect::<Vec<_>>(), [0, 1, 2]);
/// ```
impl<S: Pull> Gen<S> {
    stage_methods!(S::Item, gen_of);

    /// Counts equal items into a `HashMap` (the method form of
    /// [`group_count`](crate::combinators::group_count)).
    pub fn group_count(
        self,
    ) -> <GroupCount<std::collections::HashMap<S::Item, usize>> as PipeRhs<Gen<S>>>::Output
    where
        S::Item: Eq + Hash,
        GroupCount<std::collections::HashMap<S::Item, usize>>: PipeRhs<Gen<S>>,
    {
        self | group_count()
    }

    /// The `k` most common items and their counts (the method form of
    /// [`most_common`](crate::combinators::most_common)).
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// let top = pipe("abracadabra".chars()).most_common(2);
    /// assert_eq!(top, [('a', 5), ('b', 2)]);
    /// ```
    pub fn most_common(self, k: usize) -> <MostCommon<S::Item> as PipeRhs<Gen<S>>>::Output
    where
        S::Item: Eq + Hash + Ord,
        MostCommon<S::Item>: PipeRhs<Gen<S>>,
    {
        self | most_common(k)
    }

    /// The `k` items with the largest `key`, largest first (the method form of
    /// [`top_k`](crate::combinators::top_k); the closure needs no annotation here).
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// let longest = pipe(["ab", "abcd", "x"]).top_k(1, |w| w.len());
    /// assert_eq!(longest, ["abcd"]);
    /// ```
    pub fn top_k<K, F>(self, k: usize, key: F) -> <TopK<K, F, S::Item> as PipeRhs<Gen<S>>>::Output
    where
        K: Ord,
        F: FnMut(&S::Item) -> K,
        TopK<K, F, S::Item>: PipeRhs<Gen<S>>,
    {
        self | top_k(k, key)
    }
}

/// Method forms of the small stages on a stage: `map(f).dedup()`.
impl<A: StageOp> Stage<A> {
    stage_methods!(A::Out, stage_of);
}
