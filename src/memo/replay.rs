//! `replay()`: a producer's output, computed once, iterable again and again.

use std::cell::RefCell;
use std::fmt;
use std::pin::Pin;
use std::rc::Rc;

use crate::combinators::SharedSource;
use crate::engine::Pull;
use crate::pipe::PipeRhs;
use crate::produce::Gen;

struct Recording<S: Pull> {
    source: SharedSource<S>,
    items: Vec<S::Item>,
}

/// A producer's output recorded as it is first read. Made by `source | replay()`.
///
/// Cheap to clone (the recording is shared). Not `Send`: the recording is shared by `Rc`.
pub struct Replay<S: Pull> {
    recording: Rc<RefCell<Recording<S>>>,
}

impl<S: Pull> Clone for Replay<S> {
    fn clone(&self) -> Self {
        Replay {
            recording: Rc::clone(&self.recording),
        }
    }
}

impl<S: Pull> fmt::Debug for Replay<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.recording.borrow();
        f.debug_struct("Replay")
            .field("recorded", &r.items.len())
            .field("complete", &r.source.is_out())
            .finish()
    }
}

impl<S> Replay<S>
where
    S: Pull,
    S::Item: Clone,
    S::Return: Clone,
{
    /// A new pass from the first item: recorded items are cloned, the rest pulled from the
    /// source (and recorded) as this pass reaches them.
    pub fn iter(&self) -> Gen<ReplayIter<S>> {
        Gen::from_pull(ReplayIter {
            recording: Rc::clone(&self.recording),
            pos: 0,
        })
    }

    /// How many items have been recorded so far.
    pub fn recorded(&self) -> usize {
        self.recording.borrow().items.len()
    }
}

impl<S> IntoIterator for &Replay<S>
where
    S: Pull,
    S::Item: Clone,
    S::Return: Clone,
{
    type Item = S::Item;
    type IntoIter = Gen<ReplayIter<S>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// One pass over a [`Replay`].
pub struct ReplayIter<S: Pull> {
    recording: Rc<RefCell<Recording<S>>>,
    pos: usize,
}

impl<S: Pull> fmt::Debug for ReplayIter<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayIter")
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl<S: Pull> Unpin for ReplayIter<S> {}

impl<S: Pull> crate::sealed::Pull for ReplayIter<S> {}
impl<S> Pull for ReplayIter<S>
where
    S: Pull,
    S::Item: Clone,
    S::Return: Clone,
{
    type Item = S::Item;
    type Return = S::Return;

    fn pull(self: Pin<&mut Self>) -> Option<S::Item> {
        let this = self.get_mut();
        let mut r = this.recording.borrow_mut();
        if this.pos == r.items.len() {
            let item = r.source.next()?;
            r.items.push(item);
        }
        this.pos += 1;
        Some(r.items[this.pos - 1].clone())
    }

    fn take_return(self: Pin<&mut Self>) -> Option<S::Return> {
        let r = self.recording.borrow();
        if self.pos == r.items.len() && r.source.is_out() {
            r.source.outcome()
        } else {
            None
        }
    }
}

/// `replay()`'s marker: `source | replay()` is a [`Replay`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Replaying;

/// Makes a producer's output iterable again without recomputing it: `source | replay()` gives
/// a [`Replay`] whose [`iter`](Replay::iter) passes each see every item. The source runs at most
/// once, lazily, as far as the furthest pass has read; each pass ends with the source's outcome
/// (its error, if it failed).
///
/// Memory: every item read so far is kept until the last clone of the `Replay` and its passes
/// are dropped (Python's `list(gen)`, filled on demand). For one pass plus a bounded look-back,
/// [`tee`](crate::combinators::tee) keeps a bounded window instead.
///
/// # Panics
/// If the source panics, the pass that pulled it panics with it, and every pass after that
/// panics when it reaches the point where the source was lost, rather than end there as if the
/// source had ended.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::memo::replay;
///
/// let mut runs = 0;
/// let squares = pipe(1..=4).inspect(|_| runs += 1).map(|x: u64| x * x) | replay();
/// assert_eq!(squares.iter() | sum(), 30);
/// assert_eq!(squares.iter().max(), Some(16));
/// drop(squares);
/// assert_eq!(runs, 4); // computed once, read twice
/// ```
pub fn replay() -> Replaying {
    Replaying
}

impl<S: Pull> PipeRhs<Gen<S>> for Replaying {
    type Output = Replay<S>;

    fn pipe_from(self, source: Gen<S>) -> Replay<S> {
        Replay {
            recording: Rc::new(RefCell::new(Recording {
                source: SharedSource::new(source),
                items: Vec::new(),
            })),
        }
    }
}
