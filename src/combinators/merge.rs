//! Sorted fan-in: `merge_by` and `merge_by_key`.

use std::fmt;
use std::pin::Pin;

use super::interleave::{failure, fan_in_return};
use crate::engine::Pull;
use crate::outcome::Outcome;
use crate::produce::Gen;

/// The sorted merge behind [`merge_by`] and [`merge_by_key`].
pub struct Merge<S: Pull, F> {
    sources: Vec<Pin<Box<Gen<S>>>>,
    // Each source's next item; `None` once it has ended. Filled on the first pull.
    heads: Vec<Option<S::Item>>,
    started: bool,
    first: F,
    failed: Option<S::Return>,
}

impl<S: Pull, F> fmt::Debug for Merge<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Merge")
            .field("sources", &self.sources.len())
            .field("live", &self.heads.iter().filter(|h| h.is_some()).count())
            .finish_non_exhaustive()
    }
}

impl<S: Pull, F> Unpin for Merge<S, F> {}

impl<S, F> Merge<S, F>
where
    S: Pull,
    S::Return: Outcome,
{
    /// Source `i`'s next item; notes its failure when it has ended with one.
    fn refill(&mut self, i: usize) -> Option<S::Item> {
        let source = self.sources[i].as_mut();
        let next = source.pull();
        if next.is_none() && self.failed.is_none() {
            self.failed = failure(self.sources[i].as_mut().take_return());
        }
        next
    }
}

impl<S: Pull, F> crate::sealed::Pull for Merge<S, F> {}
impl<S, F> Pull for Merge<S, F>
where
    S: Pull,
    S::Return: Outcome,
    F: FnMut(&S::Item, &S::Item) -> bool,
{
    type Item = S::Item;
    type Return = S::Return;

    fn pull(self: Pin<&mut Self>) -> Option<S::Item> {
        let this = self.get_mut();
        if !this.started {
            this.started = true;
            this.heads = (0..this.sources.len()).map(|i| this.refill(i)).collect();
        }
        if this.failed.is_some() {
            return None;
        }
        // A linear scan: for the handful of sources a merge of logs has, cheaper than a heap.
        // Ties go to the earlier source, so the merge is stable.
        let mut best: Option<(usize, &S::Item)> = None;
        for (i, head) in this.heads.iter().enumerate() {
            if let Some(item) = head
                && best.is_none_or(|(_, b)| !(this.first)(b, item))
            {
                best = Some((i, item));
            }
        }
        let i = best?.0;
        let item = this.heads[i].take();
        this.heads[i] = this.refill(i);
        item
    }

    fn take_return(self: Pin<&mut Self>) -> Option<S::Return> {
        let this = self.get_mut();
        let all_ended = this.started && this.heads.iter().all(Option::is_none);
        fan_in_return(&mut this.failed, all_ended)
    }
}

/// Merges producers that are each sorted into one sorted stream; `first(a, b)` says whether `a`
/// goes before `b` (write `a <= b` for ascending: std's `merge_by` convention). Items of equal
/// rank keep the order of their sources. Holds one item per source; O(number of sources) per
/// item.
///
/// The first source that fails ends the merge with its error (the items before it are
/// delivered).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::combinators::merge_by;
///
/// let merged = merge_by([pipe(vec![1, 4, 9]), pipe(vec![2, 3, 10])], |a: &i32, b: &i32| a <= b);
/// assert_eq!(merged | collect::<Vec<_>>(), [1, 2, 3, 4, 9, 10]);
/// ```
pub fn merge_by<S, I, F>(sources: I, first: F) -> Gen<Merge<S, F>>
where
    I: IntoIterator<Item = Gen<S>>,
    S: Pull,
    S::Return: Outcome,
    F: FnMut(&S::Item, &S::Item) -> bool,
{
    Gen::from_pull(Merge {
        sources: sources.into_iter().map(Box::pin).collect(),
        heads: Vec::new(),
        started: false,
        first,
        failed: None,
    })
}

/// [`merge_by`] ordered by a key, ascending: e.g. log records by timestamp.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::combinators::merge_by_key;
///
/// let a = pipe(vec![(1, "a1"), (5, "a5")]);
/// let b = pipe(vec![(2, "b2"), (5, "b5")]);
/// let merged = merge_by_key([a, b], |&(t, _): &(u32, &str)| t) | map(|(_, s)| s) | collect::<Vec<_>>();
/// assert_eq!(merged, ["a1", "b2", "a5", "b5"]);
/// ```
#[allow(clippy::type_complexity)] // one `impl FnMut` for the comparison; naming it adds nothing
pub fn merge_by_key<S, I, K, F>(
    sources: I,
    mut key: F,
) -> Gen<Merge<S, impl FnMut(&S::Item, &S::Item) -> bool>>
where
    I: IntoIterator<Item = Gen<S>>,
    S: Pull,
    S::Return: Outcome,
    K: Ord,
    F: FnMut(&S::Item) -> K,
{
    merge_by(sources, move |a, b| key(a) <= key(b))
}
