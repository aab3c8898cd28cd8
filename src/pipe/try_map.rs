//! `try_map`: a closure stage that can fail, the closure form of a `#[generator]` stage whose
//! body returns `Result<(), E>`.

use core::fmt;
use core::marker::PhantomData;
use core::pin::Pin;

use super::fallible::{Checked, FallibleOp, FallibleSink, PushStep};
use super::stage::{Stage, StageOp};
use crate::consume::Sink;
use crate::engine::Pull;
use crate::error::{Error, Result};

/// The stage of [`try_map`].
pub struct TryMapOp<F, In> {
    f: F,
    _in: PhantomData<fn(In)>,
}

impl<F, In> TryMapOp<F, In> {
    pub(crate) fn new(f: F) -> Self {
        TryMapOp {
            f,
            _in: PhantomData,
        }
    }
}

impl<F, In> fmt::Debug for TryMapOp<F, In> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TryMapOp")
    }
}

impl<F, In, O, E> crate::sealed::StageOp for TryMapOp<F, In>
where
    F: FnMut(In) -> core::result::Result<O, E>,
    E: Into<Error>,
{
}
impl<F, In, O, E> StageOp for TryMapOp<F, In>
where
    F: FnMut(In) -> core::result::Result<O, E>,
    E: Into<Error>,
{
    type In = In;
    type Out = O;
    type Pulled<U> = Checked<U, TryMapOp<F, In>>;
    type Pushed<K> = FallibleSink<TryMapOp<F, In>, K>;

    fn attach<U>(self, up: U) -> Checked<U, TryMapOp<F, In>> {
        Checked::new(up, self)
    }

    fn push_into<K>(self, down: K) -> FallibleSink<TryMapOp<F, In>, K> {
        FallibleSink::new(self, down)
    }
}

impl<F, In, O, E> PushStep<In> for TryMapOp<F, In>
where
    F: FnMut(In) -> core::result::Result<O, E>,
    E: Into<Error>,
{
    type Out = O;

    fn step<K: Sink<O>>(&mut self, item: In, down: &mut K) -> Result<()> {
        let value = (self.f)(item).map_err(Into::into)?;
        // The value was taken; if the sink below has ended, `is_done` says so next.
        let _ = down.send(value);
        Ok(())
    }
}

/// [`try_map`] attached to its upstream: the one fallible adapter, [`Checked`].
pub type TryMapped<U, F, In> = Checked<U, TryMapOp<F, In>>;

impl<F, In, O, E> FallibleOp for TryMapOp<F, In>
where
    F: FnMut(In) -> core::result::Result<O, E>,
    E: Into<Error>,
{
    type In = In;
    type Out = O;

    #[inline(always)]
    fn pull<U: Pull<Item = In>>(&mut self, up: Pin<&mut U>) -> Option<Result<O>> {
        Some((self.f)(up.pull()?).map_err(Into::into))
    }
}

/// Applies `f` to every item; the first `Err` ends the pipeline, whose sink then returns that
/// error (as [`genpipe::Error`](crate::Error); a `Box<dyn Error + Send + Sync>`, an I/O or a
/// parse error converts). The closure form of a `#[generator]` stage whose body returns
/// `Result<(), E>`: items before the error are delivered, nothing after it is pulled.
///
/// Pulled, the pipeline's outcome becomes `genpipe::Result<()>` (the upstream's error, if it
/// failed first, is kept); pushed (`try_map(f) | sink`), the sink returns
/// `genpipe::Result<Out>`.
///
/// `gen | try_map(|x| ..)` needs the closure's argument type written (`|x: &str|`); the method
/// form `gen.try_map(|x| ..)` does not.
///
/// # Errors
/// After `try_map`, the sink returns `genpipe::Result<Out>`: `Err` with the first error `f`
/// returned, or the upstream's.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let sizes = ["10", "20", "30"];
/// assert_eq!((pipe(sizes) | try_map(|s: &str| s.parse::<u64>()) | sum())?, 60);
///
/// // The first bad item ends the pipeline with its error.
/// let pulled = std::cell::Cell::new(0);
/// let bad = pipe(["1", "x", "3"]).inspect(|_| pulled.set(pulled.get() + 1))
///     .try_map(|s| s.parse::<u64>())
///     | sum();
/// assert_eq!(bad.unwrap_err().to_string(), "invalid digit found in string");
/// assert_eq!(pulled.get(), 2); // "3" was never pulled
///
/// // An error type of your own converts through `Box<dyn Error + Send + Sync>`.
/// let checked = pipe([1, -2]).try_map(|x| -> Result<i32, genpipe::BoxError> {
///     if x < 0 { Err(format!("negative: {x}").into()) } else { Ok(x) }
/// }) | collect::<Vec<_>>();
/// assert_eq!(checked.unwrap_err().to_string(), "negative: -2");
/// # Ok::<(), genpipe::Error>(())
/// ```
pub fn try_map<F, Item, O, E>(f: F) -> Stage<TryMapOp<F, Item>>
where
    F: FnMut(Item) -> core::result::Result<O, E>,
    E: Into<Error>,
{
    Stage::new(TryMapOp::new(f))
}
