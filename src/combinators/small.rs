//! Small stages that pipelines need: `chunks`, `windows`, `dedup`, `take_until`.

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;

use super::prealloc;
use crate::consume::Sink;
use crate::engine::Pull;
use crate::pipe::Stage;
use crate::pipe::stages::{Flow, Op, flow};

/// The stage of [`chunks`].
pub struct ChunksOp<T> {
    size: usize,
    buf: Vec<T>,
}

impl<T> fmt::Debug for ChunksOp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunksOp")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl<T> Op for ChunksOp<T> {
    type In = T;
    type Out = Vec<T>;

    fn pull<U: Pull<Item = T> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<Vec<T>> {
        while self.buf.len() < self.size {
            match up.as_mut().pull() {
                Some(item) => self.buf.push(item),
                None => break,
            }
        }
        (!self.buf.is_empty())
            .then(|| std::mem::replace(&mut self.buf, Vec::with_capacity(prealloc(self.size))))
    }

    fn push<K: Sink<Vec<T>>>(&mut self, item: T, down: &mut K) -> Flow {
        self.buf.push(item);
        if self.buf.len() < self.size {
            return Flow::Continue;
        }
        flow(down.send(std::mem::replace(
            &mut self.buf,
            Vec::with_capacity(prealloc(self.size)),
        )))
    }
}

/// Groups the items in `Vec`s of `size` (the last may be shorter).
///
/// Pushed (as a sink), a last short chunk is not delivered: a sink's items end at `close`, after
/// which nothing can be sent downstream.
///
/// # Panics
/// If `size` is 0.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::combinators::chunks;
///
/// assert_eq!(pipe(1..=5) | chunks(2) | collect::<Vec<_>>(), [vec![1, 2], vec![3, 4], vec![5]]);
/// ```
pub fn chunks<T>(size: usize) -> Stage<ChunksOp<T>> {
    assert!(size > 0, "genpipe: chunks(0)");
    Stage::new(ChunksOp {
        size,
        buf: Vec::with_capacity(prealloc(size)),
    })
}

/// The stage of [`windows`].
pub struct WindowsOp<T> {
    size: usize,
    window: VecDeque<T>,
}

impl<T> fmt::Debug for WindowsOp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WindowsOp")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl<T: Clone> WindowsOp<T> {
    /// Adds `item`; the window when it is full.
    fn slide(&mut self, item: T) -> Option<Vec<T>> {
        if self.window.len() == self.size {
            self.window.pop_front();
        }
        self.window.push_back(item);
        (self.window.len() == self.size).then(|| self.window.iter().cloned().collect())
    }
}

impl<T: Clone> Op for WindowsOp<T> {
    type In = T;
    type Out = Vec<T>;

    fn pull<U: Pull<Item = T> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<Vec<T>> {
        loop {
            if let Some(window) = self.slide(up.as_mut().pull()?) {
                return Some(window);
            }
        }
    }

    fn push<K: Sink<Vec<T>>>(&mut self, item: T, down: &mut K) -> Flow {
        match self.slide(item) {
            Some(window) => flow(down.send(window)),
            None => Flow::Continue,
        }
    }
}

/// Every run of `size` consecutive items, as `Vec`s (a sliding window; none if fewer items).
///
/// # Panics
/// If `size` is 0.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::combinators::windows;
///
/// assert_eq!(pipe(1..=4) | windows(3) | collect::<Vec<_>>(), [vec![1, 2, 3], vec![2, 3, 4]]);
/// ```
pub fn windows<T: Clone>(size: usize) -> Stage<WindowsOp<T>> {
    assert!(size > 0, "genpipe: windows(0)");
    Stage::new(WindowsOp {
        size,
        window: VecDeque::with_capacity(prealloc(size)),
    })
}

/// The stage of [`dedup`].
pub struct DedupOp<T> {
    last: Option<T>,
}

impl<T: fmt::Debug> fmt::Debug for DedupOp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DedupOp").field("last", &self.last).finish()
    }
}

impl<T: Clone + PartialEq> DedupOp<T> {
    fn fresh(&mut self, item: &T) -> bool {
        if self.last.as_ref() == Some(item) {
            return false;
        }
        self.last = Some(item.clone());
        true
    }
}

impl<T: Clone + PartialEq> Op for DedupOp<T> {
    type In = T;
    type Out = T;

    fn pull<U: Pull<Item = T> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<T> {
        loop {
            let item = up.as_mut().pull()?;
            if self.fresh(&item) {
                return Some(item);
            }
        }
    }

    fn push<K: Sink<T>>(&mut self, item: T, down: &mut K) -> Flow {
        if self.fresh(&item) {
            flow(down.send(item))
        } else {
            Flow::Continue
        }
    }
}

/// Drops items equal to the one before (runs collapse to one, like `uniq`).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::combinators::dedup;
///
/// assert_eq!(pipe([1, 1, 2, 1, 1]) | dedup() | collect::<Vec<_>>(), [1, 2, 1]);
/// ```
pub fn dedup<T: Clone + PartialEq>() -> Stage<DedupOp<T>> {
    Stage::new(DedupOp { last: None })
}

/// The stage of [`take_until`].
pub struct TakeUntilOp<P, T> {
    pred: P,
    ended: bool,
    _items: PhantomData<fn(T)>,
}

impl<P, T> fmt::Debug for TakeUntilOp<P, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TakeUntilOp")
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl<P: FnMut(&T) -> bool, T> Op for TakeUntilOp<P, T> {
    type In = T;
    type Out = T;

    fn pull<U: Pull<Item = T> + ?Sized>(&mut self, up: Pin<&mut U>) -> Option<T> {
        if self.ended {
            return None;
        }
        let item = up.pull()?;
        self.ended = (self.pred)(&item);
        Some(item)
    }

    fn push<K: Sink<T>>(&mut self, item: T, down: &mut K) -> Flow {
        self.ended = (self.pred)(&item);
        match flow(down.send(item)) {
            Flow::Continue if !self.ended => Flow::Continue,
            _ => Flow::Stop,
        }
    }

    fn is_exhausted(&self) -> bool {
        self.ended
    }
}

/// Items up to and including the first for which `pred` is true (`take_while` stops before it).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::combinators::take_until;
///
/// assert_eq!(pipe(1..) | take_until(|x: &u32| *x == 3) | collect::<Vec<_>>(), [1, 2, 3]);
/// ```
pub fn take_until<P: FnMut(&T) -> bool, T>(pred: P) -> Stage<TakeUntilOp<P, T>> {
    Stage::new(TakeUntilOp {
        pred,
        ended: false,
        _items: PhantomData,
    })
}
