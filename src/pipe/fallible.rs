//! The stages that can fail (`try_map`, and io's `cat`, `parse`, `access_log`), both ways:
//! pulled, one adapter ([`Checked`]) that keeps the first error and ends the pipeline with it;
//! pushed, one sink ([`FallibleSink`]) that keeps the first error, stops taking items, and
//! returns it from `close`. A fallible stage is its op: a [`FallibleOp`] (pulled) and a
//! [`PushStep`] (pushed).

use std::fmt;
use std::pin::Pin;

use pin_project_lite::pin_project;

use crate::consume::{SendError, Sink};
use crate::engine::Pull;
use crate::error::{Error, Result};
use crate::outcome::{IntoPipelineResult, sink_outcome, stage_outcome};

/// What a fallible stage does when pulled: the pull twin of [`PushStep`]. Implemented by the
/// stages' ops; users name the stages, not this.
#[doc(hidden)]
pub trait FallibleOp {
    /// What it takes from its upstream.
    type In;
    /// What it hands out.
    type Out;

    /// The next output, pulling from `up` as needed: `None` when `up` has ended, `Some(Err)`
    /// when the stage fails (then it is not pulled again).
    fn pull<U: Pull<Item = Self::In>>(&mut self, up: Pin<&mut U>) -> Option<Result<Self::Out>>;

    /// The next output whose bytes `matcher` matches (a grep after this stage). The default
    /// filters output by output; `cat` overrides it to stay fused with each line source.
    #[cfg(feature = "io")]
    #[inline]
    fn pull_matching<U: Pull<Item = Self::In>>(
        &mut self,
        mut up: Pin<&mut U>,
        matcher: &crate::text::Matcher,
    ) -> Option<Result<Self::Out>>
    where
        Self::Out: AsRef<[u8]>,
    {
        loop {
            match self.pull(up.as_mut())? {
                Ok(out) if !matcher.is_match(out.as_ref()) => continue,
                other => return Some(other),
            }
        }
    }
}

pin_project! {
    /// A fallible stage attached to its upstream (`parse`, `cat`, `access_log`, `try_map`,
    /// pulled): it ends at its first error, and the pipeline's outcome becomes
    /// `genpipe::Result<()>`, that error or else the upstream's.
    pub struct Checked<U, P> {
        #[pin]
        up: U,
        op: P,
        // Boxed: an inline `Option<Error>` lent its niche to the discriminant of the `Gen`
        // around the stage, so every pull read the `Gen`'s state from the slot an error writes,
        // and LLVM kept the whole pipeline in memory (44.75 instructions per item; boxed, 11.25,
        // what `map` costs: `chain3/genpipe_try_map` in `scripts/instructions.sh`).
        error: Option<Box<Error>>,
    }
}

impl<U, P> Checked<U, P> {
    pub(crate) fn new(up: U, op: P) -> Self {
        Checked {
            up,
            op,
            error: None,
        }
    }
}

impl<U, P: fmt::Debug> fmt::Debug for Checked<U, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checked")
            .field("op", &self.op)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// The output, or `None` with the error kept for `take_return`.
#[inline(always)]
fn keep_error<T>(error: &mut Option<Box<Error>>, pulled: Result<T>) -> Option<T> {
    match pulled {
        Ok(out) => Some(out),
        Err(e) => {
            *error = Some(Box::new(e));
            None
        }
    }
}

impl<U, P> crate::sealed::Pull for Checked<U, P> {}
impl<U, P> Pull for Checked<U, P>
where
    U: Pull<Item = P::In>,
    U::Return: IntoPipelineResult,
    P: FallibleOp,
{
    type Item = P::Out;
    type Return = Result<()>;

    #[inline(always)]
    fn pull(self: Pin<&mut Self>) -> Option<P::Out> {
        let this = self.project();
        if this.error.is_some() {
            return None;
        }
        keep_error(this.error, this.op.pull(this.up)?)
    }

    #[cfg(feature = "io")]
    #[inline]
    fn pull_matching(self: Pin<&mut Self>, matcher: &crate::text::Matcher) -> Option<P::Out>
    where
        P::Out: AsRef<[u8]>,
    {
        let this = self.project();
        if this.error.is_some() {
            return None;
        }
        keep_error(this.error, this.op.pull_matching(this.up, matcher)?)
    }

    // Always inlined: an out-of-line call here receives the pinned pipeline, and LLVM then
    // keeps all of it in memory through the loop before it (engine docs, "Why this is fast").
    #[inline(always)]
    fn take_return(self: Pin<&mut Self>) -> Option<Result<()>> {
        let this = self.project();
        stage_outcome(this.error.take().map(|e| *e), || this.up.take_return())
    }
}

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
