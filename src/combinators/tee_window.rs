//! The buffer `tee`'s readers share, local (`tee`) or blocking (`tee(..).blocking()`): below
//! both, so neither file imports the other.

use std::collections::VecDeque;

use super::SharedSource;
use crate::engine::Pull;
use crate::produce::Gen;

/// One buffered item and how many live readers have yet to read it.
struct Slot<T> {
    item: T,
    unread: u32,
}

/// The buffer shared by the readers, local or blocking. Each reader keeps its own position.
///
/// Readers read in order, so the first item every live reader has read is the front one: an
/// item is dropped the moment its `unread` count reaches 0, with no scan over the readers.
pub(super) struct Window<S: Pull> {
    /// Out while a blocking reader pulls it (then `busy`).
    pub(super) source: SharedSource<S>,
    pub(super) busy: bool,
    items: VecDeque<Slot<S::Item>>,
    /// The index of `items[0]` in the source's output.
    start: u64,
    /// Readers not yet dropped or ended lagging.
    live: u32,
    pub(super) bound: usize,
}

impl<S: Pull> Window<S> {
    pub(super) fn new(source: Gen<S>, readers: usize, bound: usize) -> Self {
        assert!(bound > 0, "genpipe: tee buffer bound 0");
        Window {
            source: SharedSource::new(source),
            busy: false,
            items: VecDeque::with_capacity(bound.min(1024)),
            start: 0,
            live: u32::try_from(readers).expect("genpipe: tee readers fit in u32"),
            bound,
        }
    }

    pub(super) fn start(&self) -> u64 {
        self.start
    }

    pub(super) fn end(&self) -> u64 {
        self.start + self.items.len() as u64
    }

    pub(super) fn is_full(&self) -> bool {
        self.items.len() >= self.bound
    }

    /// The source's outcome for a reader at `pos`, if the source has ended and `pos` is its end.
    pub(super) fn outcome_at(&self, pos: u64) -> Option<S::Return>
    where
        S::Return: Clone,
    {
        let ended = self.source.is_out() && !self.busy && pos == self.end();
        if ended { self.source.outcome() } else { None }
    }

    /// The leader's new item (at [`end`](Self::end)): the leader gets a clone and the window
    /// the original, unless no one else will read it.
    pub(super) fn lead(&mut self, item: S::Item) -> S::Item
    where
        S::Item: Clone,
    {
        if self.live == 1 {
            // Alone: every earlier item was read (the window is empty); nothing to keep.
            self.start += 1;
            return item;
        }
        let mine = item.clone();
        self.items.push_back(Slot {
            item,
            unread: self.live - 1,
        });
        mine
    }

    /// Drops the oldest item to make room; the readers that had not read it will lag.
    pub(super) fn evict_front(&mut self) {
        if self.items.pop_front().is_some() {
            self.start += 1;
        }
    }

    /// The buffered item at `pos` (`start <= pos < end`): the original if this reader was the
    /// last to need it.
    pub(super) fn take(&mut self, pos: u64) -> S::Item
    where
        S::Item: Clone,
    {
        let slot = &mut self.items[(pos - self.start) as usize];
        slot.unread -= 1;
        if slot.unread > 0 {
            return slot.item.clone();
        }
        self.start += 1;
        self.items
            .pop_front()
            .expect("genpipe: tee window front")
            .item
    }

    /// A reader at `pos` leaves (dropped, or lagged): the items it had yet to read need one
    /// reader less.
    pub(super) fn leave(&mut self, pos: u64) {
        self.live -= 1;
        let from = pos.saturating_sub(self.start) as usize;
        for slot in self.items.range_mut(from..) {
            slot.unread -= 1;
        }
        while self.items.front().is_some_and(|s| s.unread == 0) {
            self.evict_front();
        }
    }
}
