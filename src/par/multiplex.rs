//! `multiplex(sources)`: each source on a thread of its own, items merged as they arrive.

use std::fmt;
use std::pin::Pin;

use crate::combinators::Tagged;
use crate::engine::Pull;
use crate::outcome::Outcome;
use crate::par::threaded::{Message, Running, spawn_producers};
use crate::produce::Gen;

/// The merge behind [`multiplex`].
pub struct Multiplex<K, S: Pull> {
    keys: Vec<K>,
    state: State<S>,
    /// Sources still running.
    live: usize,
    failed: Option<S::Return>,
}

enum State<S: Pull> {
    NotStarted {
        sources: Vec<Gen<S>>,
        batch: Option<usize>,
    },
    Running {
        running: Running<S::Item, S::Return>,
        source: usize,
        current: std::vec::IntoIter<S::Item>,
    },
    Ended,
}

impl<K, S: Pull> fmt::Debug for Multiplex<K, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Multiplex")
            .field("sources", &self.keys.len())
            .field("live", &self.live)
            .finish_non_exhaustive()
    }
}

// The sources are never pinned where they are: each moves to its thread and is pinned there.
impl<K, S: Pull> Unpin for Multiplex<K, S> {}

/// Runs each source on a thread of its own and yields their items as they arrive, each tagged
/// with its source's key ([`Tagged`], as [`interleave_tagged`](crate::combinators::interleave_tagged)
/// does round-robin on one thread). Ends when every source has ended; the first source that
/// fails ends the merge with its error (the others are stopped).
///
/// For sources that wait for input: two growing logs tailed at once with
/// [`follow`](crate::io::follow), each line delivered as it is written (a source's batch is sent
/// when full or when the source is about to wait). Items of one source keep their order; the
/// interleaving of sources is the order of arrival. Dropping the merge stops and joins every
/// source thread (a `follow` within one poll); a panic on one is raised again in the consumer.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::par::multiplex;
///
/// let mut got = multiplex([("a", pipe(vec![1, 2])), ("b", pipe(vec![10]))])
///     | map(|t: Tagged<&str, i32>| (t.source, t.item))
///     | collect::<Vec<_>>();
/// got.sort();
/// assert_eq!(got, [("a", 1), ("a", 2), ("b", 10)]);
/// ```
pub fn multiplex<K, S, I>(sources: I) -> Gen<Multiplex<K, S>>
where
    I: IntoIterator<Item = (K, Gen<S>)>,
    K: Clone,
    S: Pull + Send + 'static,
    S::Item: Send + 'static,
    S::Return: Outcome + Send + 'static,
{
    let (keys, sources): (Vec<K>, Vec<Gen<S>>) = sources.into_iter().unzip();
    Gen::from_pull(Multiplex {
        live: keys.len(),
        keys,
        state: State::NotStarted {
            sources,
            batch: None,
        },
        failed: None,
    })
}

impl<K, S> Gen<Multiplex<K, S>>
where
    K: Clone,
    S: Pull + Send + 'static,
    S::Item: Send + 'static,
    S::Return: Outcome + Send + 'static,
{
    /// Up to `n` items of a source per batch (default [`DEFAULT_BATCH`](crate::par::DEFAULT_BATCH), and for lines the lines
    /// of one read chunk).
    ///
    /// # Panics
    /// `n == 0`.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::par::multiplex;
    ///
    /// let merged = multiplex([(0, pipe(0..100)), (1, pipe(0..50))]).batch(8);
    /// assert_eq!(merged | count(), 150);
    /// ```
    pub fn batch(self, n: usize) -> Self {
        assert!(
            n > 0,
            "multiplex(..).batch(0): a batch holds at least one item"
        );
        self.configure(|m| {
            if let State::NotStarted { batch, .. } = &mut m.state {
                *batch = Some(n);
            }
        })
    }
}

impl<K, S: Pull> crate::sealed::Pull for Multiplex<K, S> {}
impl<K, S> Pull for Multiplex<K, S>
where
    K: Clone,
    S: Pull + Send + 'static,
    S::Item: Send + 'static,
    S::Return: Outcome + Send + 'static,
{
    type Item = Tagged<K, S::Item>;
    type Return = S::Return;

    fn pull(self: Pin<&mut Self>) -> Option<Self::Item> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Running {
                    running,
                    source,
                    current,
                } => {
                    if let Some(item) = current.next() {
                        return Some(Tagged {
                            source: this.keys[*source].clone(),
                            item,
                        });
                    }
                    match running.recv() {
                        Some((from, Message::Batch(items))) => {
                            *source = from;
                            *current = items.into_iter();
                        }
                        Some((_, Message::End(outcome))) => {
                            this.live -= 1;
                            if outcome.is_failure() {
                                this.failed = Some(outcome);
                                // Dropping `running` stops and joins the other sources.
                                this.state = State::Ended;
                            } else if this.live == 0 {
                                this.state = State::Ended;
                            }
                        }
                        Some((_, Message::Panicked(_))) => unreachable!("raised by recv"),
                        None => this.state = State::Ended,
                    }
                }
                State::Ended => return None,
                State::NotStarted { .. } => {
                    let State::NotStarted { sources, batch } =
                        std::mem::replace(&mut this.state, State::Ended)
                    else {
                        unreachable!()
                    };
                    if sources.is_empty() {
                        return None;
                    }
                    // Two batches in flight per source: one being filled, one being read.
                    let cap = 2 * sources.len();
                    this.state = State::Running {
                        running: spawn_producers(sources, cap, batch),
                        source: 0,
                        current: Vec::new().into_iter(),
                    };
                }
            }
        }
    }

    fn take_return(self: Pin<&mut Self>) -> Option<S::Return> {
        let this = self.get_mut();
        if let Some(failed) = this.failed.take() {
            return Some(failed);
        }
        match this.state {
            State::Ended if this.live == 0 => Some(S::Return::success()),
            _ => None,
        }
    }
}
