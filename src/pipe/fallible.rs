//! The pushed form of the stages that can fail (`try_map`, and io's `cat`, `parse`,
//! `access_log`): one sink type that keeps the first error, stops taking items, and returns the
//! error from `close`.

use std::fmt;

use crate::consume::{SendError, Sink};
use crate::error::{Error, Result};
use crate::outcome::sink_outcome;

/// What a fallible stage does with one pushed item. Implemented by the stages' ops; users name
/// the sinks (`stage | sink` is a [`FallibleSink`]), not this.
#[doc(hidden)]
pub trait PushStep<In> {
    /// What it sends down.
    type Out;
    /// Handles `item`, sending what it makes to `down`; an error ends the pipeline.
    fn step<K: Sink<Self::Out>>(&mut self, item: In, down: &mut K) -> Result<()>;
}

/// A fallible stage feeding a sink: its result is `genpipe::Result<K::Out>`, the first
/// error or the sink's value (the sink is closed either way).
pub struct FallibleSink<P, K> {
    step: P,
    down: K,
    error: Option<Error>,
}

impl<P, K> FallibleSink<P, K> {
    pub(crate) fn new(step: P, down: K) -> Self {
        FallibleSink {
            step,
            down,
            error: None,
        }
    }
}

impl<P, K: fmt::Debug> fmt::Debug for FallibleSink<P, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FallibleSink")
            .field("down", &self.down)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<In, P: PushStep<In>, K: Sink<P::Out>> Sink<In> for FallibleSink<P, K> {
    type Out = Result<K::Out>;

    fn send(&mut self, item: In) -> std::result::Result<(), SendError<In>> {
        if self.is_done() {
            return Err(SendError(item));
        }
        if let Err(e) = self.step.step(item, &mut self.down) {
            self.error = Some(e);
        }
        Ok(())
    }

    fn is_done(&self) -> bool {
        self.error.is_some() || self.down.is_done()
    }

    fn close(self) -> Result<K::Out> {
        let out = self.down.close();
        sink_outcome(self.error, out)
    }
}
