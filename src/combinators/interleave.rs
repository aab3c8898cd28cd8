//! Fan-in: `chain` (one source after another) and `interleave` (round-robin).

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;

use crate::engine::Pull;
use crate::outcome::Outcome;
use crate::produce::Gen;

/// An item of [`interleave_tagged`]: which source it came from, and the item.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tagged<K, T> {
    /// The key given with the source.
    pub source: K,
    /// The item.
    pub item: T,
}

/// The round-robin behind [`interleave`] and [`interleave_tagged`].
pub struct Interleave<S: Pull, K> {
    sources: Vec<(K, Pin<Box<Gen<S>>>)>,
    next: usize,
    failed: Option<S::Return>,
}

impl<S: Pull, K> fmt::Debug for Interleave<S, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interleave")
            .field("live", &self.sources.len())
            .finish_non_exhaustive()
    }
}

impl<S: Pull, K> Unpin for Interleave<S, K> {}

/// A fan-in's outcome: the first failure, else success once every source has ended.
pub(super) fn fan_in_return<R: Outcome>(failed: &mut Option<R>, all_ended: bool) -> Option<R> {
    match failed.take() {
        Some(failed) => Some(failed),
        None if all_ended => Some(R::success()),
        None => None,
    }
}

/// What a finished source returned, as a `Pull::Return` to keep when it is a failure.
pub(super) fn failure<R: Outcome>(ret: Option<R>) -> Option<R> {
    ret.filter(Outcome::is_failure)
}

impl<S: Pull, K> crate::sealed::Pull for Interleave<S, K> {}
impl<S, K> Pull for Interleave<S, K>
where
    S: Pull,
    S::Return: Outcome,
    K: Clone,
{
    type Item = Tagged<K, S::Item>;
    type Return = S::Return;

    fn pull(self: Pin<&mut Self>) -> Option<Self::Item> {
        let this = self.get_mut();
        if this.failed.is_some() {
            return None;
        }
        while !this.sources.is_empty() {
            let i = this.next % this.sources.len();
            let (key, source) = &mut this.sources[i];
            if let Some(item) = source.as_mut().pull() {
                this.next = i + 1;
                return Some(Tagged {
                    source: key.clone(),
                    item,
                });
            }
            if let Some(ret) = failure(source.as_mut().take_return()) {
                this.failed = Some(ret);
                return None;
            }
            // An exhausted source drops out; the next one takes its turn.
            drop(this.sources.remove(i));
            this.next = i;
        }
        None
    }

    fn take_return(self: Pin<&mut Self>) -> Option<S::Return> {
        let this = self.get_mut();
        fan_in_return(&mut this.failed, this.sources.is_empty())
    }
}

/// Round-robin over several producers of one type: one item of each in turn; an exhausted
/// source drops out. The first source that fails ends the interleave with its error.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let merged = interleave([pipe(vec![1, 2, 3]), pipe(vec![10]), pipe(vec![20, 30])]) | collect::<Vec<_>>();
/// assert_eq!(merged, [1, 10, 20, 2, 30, 3]);
/// ```
pub fn interleave<S, I>(sources: I) -> Gen<impl Pull<Item = S::Item, Return = S::Return>>
where
    I: IntoIterator<Item = Gen<S>>,
    S: Pull,
    S::Return: Outcome,
{
    interleave_tagged(sources.into_iter().map(|g| ((), g))).map(|t| t.item)
}

/// [`interleave`] with each item tagged with its source's key.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let got = interleave_tagged([("apache", pipe(vec!["a1", "a2"])), ("linux", pipe(vec!["l1"]))])
///     | map(|t: Tagged<&str, &str>| format!("{}:{}", t.source, t.item))
///     | collect::<Vec<_>>();
/// assert_eq!(got, ["apache:a1", "linux:l1", "apache:a2"]);
/// ```
pub fn interleave_tagged<S, K, I>(sources: I) -> Gen<Interleave<S, K>>
where
    I: IntoIterator<Item = (K, Gen<S>)>,
    S: Pull,
    S::Return: Outcome,
    K: Clone,
{
    Gen::from_pull(Interleave {
        sources: sources.into_iter().map(|(k, g)| (k, Box::pin(g))).collect(),
        next: 0,
        failed: None,
    })
}

/// One source after another: behind [`chain`].
pub struct Chain<S: Pull> {
    sources: VecDeque<Pin<Box<Gen<S>>>>,
    failed: Option<S::Return>,
}

impl<S: Pull> fmt::Debug for Chain<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chain")
            .field("left", &self.sources.len())
            .finish_non_exhaustive()
    }
}

impl<S: Pull> Unpin for Chain<S> {}

impl<S: Pull> crate::sealed::Pull for Chain<S> {}
impl<S> Pull for Chain<S>
where
    S: Pull,
    S::Return: Outcome,
{
    type Item = S::Item;
    type Return = S::Return;

    fn pull(self: Pin<&mut Self>) -> Option<S::Item> {
        let this = self.get_mut();
        while this.failed.is_none() {
            let source = this.sources.front_mut()?;
            if let Some(item) = source.as_mut().pull() {
                return Some(item);
            }
            this.failed = failure(source.as_mut().take_return());
            this.sources.pop_front();
        }
        None
    }

    fn take_return(self: Pin<&mut Self>) -> Option<S::Return> {
        let this = self.get_mut();
        fan_in_return(&mut this.failed, this.sources.is_empty())
    }
}

/// Concatenates producers of one type: all of the first, then all of the next. The first that
/// fails ends the chain with its error. (Line sources have [`cat`](crate::io::cat) for this.)
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// assert_eq!(chain([pipe(1..3), pipe(7..9)]) | collect::<Vec<_>>(), [1, 2, 7, 8]);
/// ```
pub fn chain<S, I>(sources: I) -> Gen<Chain<S>>
where
    I: IntoIterator<Item = Gen<S>>,
    S: Pull,
    S::Return: Outcome,
{
    Gen::from_pull(Chain {
        sources: sources.into_iter().map(Box::pin).collect(),
        failed: None,
    })
}
