//! `tee(n)`: n lazy readers of one source through one bounded buffer.
//!
//! The readers share the source and a window of its recent items. The reader furthest ahead
//! (the leader) pulls the source; an item leaves the window once every reader has passed it,
//! and the last reader to pass it gets the original, the others clones.
//!
//! The window never grows past its bound. Local readers ([`tee`]) handle a reader that falls
//! further behind by ending it with [`TeeLagged`]; `Send` readers ([`Tee::blocking`]) make the
//! leader wait instead.

use std::cell::RefCell;
use std::fmt;
use std::pin::Pin;
use std::rc::Rc;

use super::tee_sync::{BlockingReader, blocking_readers};
use super::tee_window::Window;
use crate::engine::Pull;
use crate::outcome::Outcome;
use crate::pipe::PipeRhs;
use crate::produce::Gen;

/// What a local tee reader yields once it fell more than the buffer's bound behind: the items
/// it missed are gone, so it ends (one `Err`, then nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TeeLagged {
    /// The buffer's bound.
    pub bound: usize,
}

impl core::fmt::Display for TeeLagged {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "tee reader fell more than {} items behind the leader",
            self.bound
        )
    }
}

impl std::error::Error for TeeLagged {}

/// `tee(n)`'s settings; `source | tee(n)` makes the readers. See [`tee`].
#[derive(Clone, Copy, Debug)]
pub struct Tee {
    readers: usize,
    bound: usize,
}

impl Tee {
    /// How many items the buffer holds at most (default 1024): how far the slowest reader may
    /// fall behind the leader.
    ///
    /// # Panics
    /// If `bound` is 0.
    #[must_use]
    pub fn bound(self, bound: usize) -> Self {
        assert!(bound > 0, "genpipe: tee(..).bound(0)");
        Tee { bound, ..self }
    }

    /// The `Send` form, for readers on different threads: a leader that is `bound` items ahead
    /// of the slowest reader waits for it (back-pressure), so no reader misses an item and the
    /// readers yield plain items.
    ///
    /// Every reader must be read to its end or dropped: one left unread stalls the others once
    /// they are `bound` ahead (so is one read on the same thread as a reader far ahead of it).
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::combinators::tee;
    ///
    /// let [evens, all]: [_; 2] = (pipe(0..10_000u64) | tee(2).bound(64).blocking()).try_into().unwrap();
    /// let evens = std::thread::spawn(move || evens.filter(|x| x % 2 == 0).count());
    /// let sum: u64 = all.sum();
    /// assert_eq!((evens.join().unwrap(), sum), (5_000, 49_995_000));
    /// ```
    pub fn blocking(self) -> TeeBlocking {
        TeeBlocking(self)
    }
}

/// `tee(n).blocking()`'s settings. See [`Tee::blocking`].
#[derive(Clone, Copy, Debug)]
pub struct TeeBlocking(Tee);

/// `n` lazy readers over one source, each seeing every item, through one bounded buffer (1024
/// items unless [`bound`](Tee::bound) says otherwise); unlike itertools' `tee`, `n` is any
/// number.
///
/// `source | tee(n)` gives a `Vec` of `n` readers yielding `Result<T, TeeLagged>`: a reader that
/// falls more than the bound behind gets one `Err(TeeLagged)` and ends, so memory never grows
/// past the bound and nothing blocks. Each reader ends with the source's outcome (its error, if
/// it failed). For readers on other threads, see [`Tee::blocking`].
///
/// # Panics
/// If the source panics, the reader that pulled it panics with it, and every other reader
/// panics once it has read what was buffered, in both forms: a reader never ends as if the
/// source had ended when items were lost.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::combinators::tee;
///
/// let mut readers = pipe(1..=5) | tee(2).bound(2);
/// let mut slow = readers.pop().unwrap();
/// let fast = readers.pop().unwrap();
/// assert_eq!(fast.map(Result::unwrap).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
/// // `slow` was 5 behind with room for 2: it lost items, so it says so and ends.
/// let lagged = slow.next().unwrap().unwrap_err();
/// assert_eq!(lagged.bound, 2);
/// assert_eq!(slow.next(), None);
/// ```
pub fn tee(n: usize) -> Tee {
    Tee {
        readers: n,
        bound: 1024,
    }
}

/// One local reader of a [`tee`].
pub struct TeeReader<S: Pull> {
    window: Rc<RefCell<Window<S>>>,
    /// The index of this reader's next item; `None` once it ended lagging.
    pos: Option<u64>,
}

impl<S: Pull> fmt::Debug for TeeReader<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeeReader")
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl<S: Pull> Unpin for TeeReader<S> {}

impl<S: Pull> crate::sealed::Pull for TeeReader<S> {}
impl<S> Pull for TeeReader<S>
where
    S: Pull,
    S::Item: Clone,
    S::Return: Outcome + Clone,
{
    type Item = Result<S::Item, TeeLagged>;
    type Return = S::Return;

    fn pull(self: Pin<&mut Self>) -> Option<Self::Item> {
        let this = self.get_mut();
        let pos = this.pos?;
        let mut w = this.window.borrow_mut();
        if pos < w.start() {
            // The items this reader needed were dropped for the leader.
            w.leave(pos);
            this.pos = None;
            return Some(Err(TeeLagged { bound: w.bound }));
        }
        let item = if pos == w.end() {
            let next = w.source.next()?;
            if w.is_full() {
                w.evict_front();
            }
            w.lead(next)
        } else {
            w.take(pos)
        };
        this.pos = Some(pos + 1);
        Some(Ok(item))
    }

    fn take_return(self: Pin<&mut Self>) -> Option<S::Return> {
        let Some(pos) = self.pos else {
            // It ended lagging: its `Err` item said what went wrong.
            return Some(S::Return::success());
        };
        self.window.borrow().outcome_at(pos)
    }
}

impl<S: Pull> Drop for TeeReader<S> {
    fn drop(&mut self) {
        if let (Some(pos), Ok(mut w)) = (self.pos, self.window.try_borrow_mut()) {
            w.leave(pos);
        }
    }
}

impl<S> PipeRhs<Gen<S>> for Tee
where
    S: Pull,
    S::Item: Clone,
    S::Return: Outcome + Clone,
{
    type Output = Vec<Gen<TeeReader<S>>>;

    fn pipe_from(self, source: Gen<S>) -> Self::Output {
        let window = Rc::new(RefCell::new(Window::new(source, self.readers, self.bound)));
        (0..self.readers)
            .map(|_| {
                Gen::from_pull(TeeReader {
                    window: Rc::clone(&window),
                    pos: Some(0),
                })
            })
            .collect()
    }
}

impl<S> PipeRhs<Gen<S>> for TeeBlocking
where
    S: Pull + Send,
    S::Item: Clone + Send,
    S::Return: Outcome + Clone + Send,
{
    type Output = Vec<Gen<BlockingReader<S>>>;

    fn pipe_from(self, source: Gen<S>) -> Self::Output {
        blocking_readers(
            Window::new(source, self.0.readers, self.0.bound),
            self.0.readers,
        )
    }
}
