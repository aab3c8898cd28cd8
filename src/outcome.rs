//! How a pipeline ends: the one table of the traits that carry a body's return value to the
//! caller of `gen | sink`.
//!
//! | trait | implemented for | what it decides |
//! |---|---|---|
//! | [`Outcome`] | `()`, `Result<(), E>` | what `gen \| sink` returns: the sink's value, or `Result<Out, E>` |
//! | [`StageEnd`] | `()`, `Result<(), E: Into<Error>>` | a stage body's value joined with its upstream's (pulled) or its sink's (pushed) |
//! | [`IntoPipelineResult`] | `()`, `Result<(), E: Into<Error>>` | the outcomes a fallible built-in stage (`open`, `cat`, `parse`, `try_map`) can follow; after it, `genpipe::Result<()>` |
//! | [`FallibleReturn`](crate::FallibleReturn) | every `Pull` with `Return = Result<(), E>` | names `E`, for `err_into::<E2>()` (defined beside `Gen`: it is a bound on producers, and the engine stands below it) |
//!
//! This file stands below the engine (whose `Node` uses `StageEnd`) and above `error`.

use core::convert::Infallible;

use crate::error::{Error, Result};

mod sealed_outcome {
    pub trait Sealed {}
    impl Sealed for () {}
    impl<E> Sealed for Result<(), E> {}
}

/// The return types a pipeline head may have to be piped into a sink: `()` (the sink's value
/// comes back as is) and `Result<(), E>` (it comes back as `Result<Out, E>`).
///
/// Sealed. A generator returning anything else is drained with `for` and
/// [`finish`](crate::Gen::finish).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// #[generator]
/// fn checked(xs: Vec<i32>) -> Gen<i32, Result<(), String>> {
///     for x in xs {
///         if x < 0 {
///             return Err(format!("negative: {x}"));
///         }
///         yield_!(x);
///     }
///     Ok(())
/// }
///
/// assert_eq!(checked(vec![1, 2]) | sum(), Ok(3));
/// assert_eq!(checked(vec![1, -2]) | sum(), Err("negative: -2".to_string()));
/// ```
pub trait Outcome: sealed_outcome::Sealed {
    /// What can go wrong: `Infallible` for `()`.
    type Error;
    /// The sink's value wrapped as this outcome: `Out`, or `Result<Out, E>`.
    type Wrap<Out>;

    #[doc(hidden)]
    fn into_result(ret: Option<Self>) -> Result<(), Self::Error>
    where
        Self: Sized;

    #[doc(hidden)]
    fn wrap<Out>(result: Result<Out, Self::Error>) -> Self::Wrap<Out>;

    /// The outcome of a head that did not fail (fan-in of several heads).
    #[doc(hidden)]
    fn success() -> Self
    where
        Self: Sized;

    /// Whether this outcome is a failure.
    #[doc(hidden)]
    fn is_failure(&self) -> bool;
}

impl Outcome for () {
    type Error = Infallible;
    type Wrap<Out> = Out;

    #[inline(always)]
    fn into_result(_: Option<()>) -> Result<(), Infallible> {
        Ok(())
    }

    #[inline(always)]
    fn wrap<Out>(result: Result<Out, Infallible>) -> Out {
        match result {
            Ok(out) => out,
            Err(never) => match never {},
        }
    }

    fn success() {}

    fn is_failure(&self) -> bool {
        false
    }
}

impl<E> Outcome for Result<(), E> {
    type Error = E;
    type Wrap<Out> = Result<Out, E>;

    /// A head that did not get to return (a downstream stage stopped pulling) did not fail.
    #[inline(always)]
    fn into_result(ret: Option<Self>) -> Result<(), E> {
        ret.unwrap_or(Ok(()))
    }

    #[inline(always)]
    fn wrap<Out>(result: Result<Out, E>) -> Result<Out, E> {
        result
    }

    fn success() -> Self {
        Ok(())
    }

    fn is_failure(&self) -> bool {
        self.is_err()
    }
}

/// The value a stage body may end with, and how it joins its pipeline's outcome: `()` (the
/// upstream's outcome passes through) or, implemented beside `genpipe::Error`,
/// `Result<(), E>` with `E: Into<genpipe::Error>` (a fallible stage: its first error, else its
/// upstream's, as `genpipe::Result<()>`).
///
/// `R` is the upstream's outcome in pull mode; in push mode (`stage | sink`) `R` is `()` and
/// [`wrap`](StageEnd::wrap) makes the sink's value.
#[diagnostic::on_unimplemented(
    message = "a stage's body returns `()` or `Result<(), E>` with `E: Into<genpipe::Error>`, not `{Self}`",
    label = "the stage's declared return value",
    note = "a stage's outcome joins its source's; to count or summarize, end the pipeline in a sink"
)]
pub trait StageEnd<R>: Sized {
    /// The pipeline's outcome after this stage, pulled.
    type Merged;
    /// The sink's value wrapped by this stage's outcome, pushed.
    type Wrap<O>;

    /// The outcome after the stage: its body's value (`None` if it did not get to return) and
    /// its upstream's (`None` likewise).
    fn merge(body: Option<Self>, up: Option<R>) -> Option<Self::Merged>;

    /// A pushed stage's result: its body's value and its downstream sink's.
    fn wrap<O>(body: Option<Self>, out: O) -> Self::Wrap<O>;
}

impl<R> StageEnd<R> for () {
    type Merged = R;
    type Wrap<O> = O;

    #[inline(always)]
    fn merge(_: Option<()>, up: Option<R>) -> Option<R> {
        up
    }

    #[inline(always)]
    fn wrap<O>(_: Option<()>, out: O) -> O {
        out
    }
}

mod sealed_result {
    pub trait Sealed {}
    impl Sealed for () {}
    impl<E: Into<crate::error::Error>> Sealed for Result<(), E> {}
}

/// Outcomes a fallible genpipe stage (`open`, `cat`, `parse`, ...) can follow: nothing can fail
/// (`()`), or an error that converts into genpipe's ([`io::Error`](std::io::Error),
/// `Box<dyn Error + Send + Sync>`, `Infallible`, the std parse errors, [`Error`] itself). After
/// such a stage the pipeline's outcome is `genpipe::Result<()>`.
///
/// Sealed: implemented for `()` and every `Result<(), E>` with `E: Into<genpipe::Error>`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::parse;
///
/// // A user's source whose outcome is `io::Result<()>` feeds genpipe's fallible stages.
/// #[generator]
/// fn numbers(fail: bool) -> Gen<genpipe::io::Line, std::io::Result<()>> {
///     for line in genpipe::io::lines_from(&b"1\n2\n"[..]) {
///         yield_!(line);
///     }
///     if fail {
///         return Err(std::io::Error::other("disk on fire"));
///     }
///     Ok(())
/// }
///
/// assert_eq!((numbers(false) | parse::<u32>() | sum()).unwrap(), 3);
/// let err = (numbers(true) | parse::<u32>() | sum()).unwrap_err();
/// assert!(matches!(err, genpipe::Error::Io { path: None, .. }));
/// ```
pub trait IntoPipelineResult: sealed_result::Sealed {
    #[doc(hidden)]
    fn into_pipeline_result(self) -> Result<()>;
}

impl IntoPipelineResult for () {
    #[inline]
    fn into_pipeline_result(self) -> Result<()> {
        Ok(())
    }
}

impl<E: Into<Error>> IntoPipelineResult for Result<(), E> {
    #[inline]
    fn into_pipeline_result(self) -> Result<()> {
        self.map_err(Into::into)
    }
}

/// A fallible `#[generator]` stage (`-> Gen<T, genpipe::Result<()>>`, or another
/// `Result<(), E>` whose error converts): its own error, else its upstream's, both as
/// `genpipe::Error`.
impl<R: IntoPipelineResult, E: Into<Error>> StageEnd<R> for Result<(), E> {
    type Merged = Result<()>;
    type Wrap<O> = Result<O>;

    #[inline]
    fn merge(body: Option<Self>, up: Option<R>) -> Option<Result<()>> {
        match body {
            Some(Err(e)) => Some(Err(e.into())),
            _ => up.map(IntoPipelineResult::into_pipeline_result),
        }
    }

    #[inline]
    fn wrap<O>(body: Option<Self>, out: O) -> Result<O> {
        match body {
            Some(Err(e)) => Err(e.into()),
            _ => Ok(out),
        }
    }
}

/// The outcome of a fallible stage: its own first error, else its upstream's outcome.
///
/// `up` is the upstream's `take_return`, asked only when the stage itself did not fail.
pub(crate) fn stage_outcome<R: IntoPipelineResult>(
    error: Option<Error>,
    up: impl FnOnce() -> Option<R>,
) -> Option<Result<()>> {
    match error {
        Some(e) => Some(Err(e)),
        None => up().map(IntoPipelineResult::into_pipeline_result),
    }
}

/// A fallible sink's result: its first error, else what its downstream returned.
pub(crate) fn sink_outcome<T>(error: Option<Error>, out: T) -> Result<T> {
    match error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}
