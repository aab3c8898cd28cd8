//! A source read on behalf of several readers (`tee`, `replay`): pulled in one place, its
//! outcome kept so that every reader can end with a copy.

use std::pin::Pin;

use crate::engine::Pull;
use crate::produce::Gen;

pub(crate) struct SharedSource<S: Pull> {
    /// `None` once it has ended (or while a blocking reader has it out).
    producer: Option<Pin<Box<Gen<S>>>>,
    outcome: Option<S::Return>,
    /// The source panicked while a reader pulled it: the other readers must not take the end
    /// of what they read for the end of the source.
    lost: bool,
}

impl<S: Pull> SharedSource<S> {
    pub(crate) fn new(producer: Gen<S>) -> Self {
        SharedSource {
            producer: Some(Box::pin(producer)),
            outcome: None,
            lost: false,
        }
    }

    /// The next item; at the end, keeps the outcome and drops the source.
    ///
    /// # Panics
    /// If the source panicked before, in this reader or another.
    pub(crate) fn next(&mut self) -> Option<S::Item> {
        self.check_lost();
        let producer = self.producer.as_mut()?;
        // Stays set if the pull unwinds.
        self.lost = true;
        let item = producer.as_mut().pull();
        self.lost = false;
        if item.is_none() {
            self.outcome = producer.as_mut().take_return();
            self.producer = None;
        }
        item
    }

    /// Whether there is no source here: it ended, or a blocking reader has it out.
    pub(crate) fn is_out(&self) -> bool {
        self.producer.is_none()
    }

    /// What the source returned, for one more reader at its end.
    pub(crate) fn outcome(&self) -> Option<S::Return>
    where
        S::Return: Clone,
    {
        self.outcome.clone()
    }

    /// Takes the source out, to pull it without holding a lock.
    pub(crate) fn take(&mut self) -> Option<Pin<Box<Gen<S>>>> {
        self.producer.take()
    }

    /// Puts back a source that was taken out and has not ended.
    pub(crate) fn put_back(&mut self, producer: Pin<Box<Gen<S>>>) {
        self.producer = Some(producer);
    }

    /// Records the source's end.
    pub(crate) fn end(&mut self, outcome: Option<S::Return>) {
        self.producer = None;
        self.outcome = outcome;
    }

    /// Records that the source panicked while a blocking reader had it out.
    pub(crate) fn lose(&mut self) {
        self.producer = None;
        self.lost = true;
    }

    /// Whether the source was lost to a panic.
    pub(crate) fn is_lost(&self) -> bool {
        self.lost
    }

    /// Panics if the source was lost to a panic: a reader that has read everything buffered
    /// must not end as if the source had ended.
    pub(crate) fn check_lost(&self) {
        if self.lost {
            source_lost();
        }
    }
}

/// The panic of a reader whose shared source panicked in another reader.
#[cold]
#[inline(never)]
pub(crate) fn source_lost() -> ! {
    panic!(
        "genpipe: the source these readers share panicked (in another reader); \
         the items after that point are lost"
    )
}
