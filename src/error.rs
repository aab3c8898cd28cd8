//! `genpipe::Error`: what the sink of a fallible pipeline returns.
//!
//! Why one pipeline-level error: one pipeline mixes stages from several modules (a file source,
//! a decompressor, a parser), and the sink's type must not depend on which of them failed.
//! Failures of single operations stay beside them ([`SendError`](crate::SendError)).

use std::path::PathBuf;
use std::sync::Arc;

/// A failure in a pipeline: reading a file, decompressing it, or parsing a field.
///
/// Every variant names the file it came from (`None` for a reader that is not a file).
///
/// `Clone`, so every reader of a [`tee`](crate::combinators::tee) or
/// [`replay`](crate::memo::replay) ends with its source's error: the operating system's error
/// is shared behind an `Arc`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let err = (genpipe::io::lines("/no/such/file.log") | count()).unwrap_err();
/// assert!(err.to_string().contains("/no/such/file.log"));
/// assert!(matches!(err, genpipe::Error::Io { .. }));
/// ```
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Opening or reading failed.
    #[error("cannot read {}", display_path(path))]
    Io {
        /// The file, if the input was one.
        path: Option<PathBuf>,
        /// What the operating system said.
        #[source]
        source: Arc<std::io::Error>,
    },
    /// A compressed file is corrupt or truncated; the lines before `offset` were delivered.
    #[error(
        "cannot decompress {} after {offset} bytes of output",
        display_path(path)
    )]
    Decompress {
        /// The file, if the input was one.
        path: Option<PathBuf>,
        /// Decompressed bytes delivered before the failure.
        offset: u64,
        /// What the decompressor said.
        #[source]
        source: Arc<std::io::Error>,
    },
    /// A field did not parse.
    #[error("{}:{line_no}: cannot parse {text:?}", display_path(path))]
    Parse {
        /// The file, if the input was one.
        path: Option<PathBuf>,
        /// 1-based line number.
        line_no: u64,
        /// The text that did not parse.
        text: String,
    },
}

fn display_path(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => p.display().to_string(),
        None => "<input>".to_string(),
    }
}

/// `Result` with [`Error`] as the default error: what fallible genpipe sources end with.
pub type Result<T, E = Error> = std::result::Result<T, E>;

mod sealed {
    pub trait Sealed {}
    impl Sealed for () {}
    impl Sealed for Result<(), super::Error> {}
    impl Sealed for Result<(), std::convert::Infallible> {}
}

/// Outcomes a fallible genpipe stage (`parse`) can follow: nothing can fail (`()`), or genpipe's
/// own error. After such a stage the pipeline's outcome is `genpipe::Result<()>`.
///
/// Sealed. A generator with another error type converts it first (`Gen<T, Result<(), E>>` with
/// `E: Into<genpipe::Error>` is on the list of things to come).
pub trait IntoPipelineResult: sealed::Sealed {
    #[doc(hidden)]
    fn into_pipeline_result(self) -> Result<()>;
}

impl IntoPipelineResult for () {
    fn into_pipeline_result(self) -> Result<()> {
        Ok(())
    }
}

impl IntoPipelineResult for Result<()> {
    fn into_pipeline_result(self) -> Result<()> {
        self
    }
}

impl IntoPipelineResult for Result<(), std::convert::Infallible> {
    fn into_pipeline_result(self) -> Result<()> {
        match self {
            Ok(()) => Ok(()),
            Err(never) => match never {},
        }
    }
}

/// The outcome of a fallible stage: its own first error, else its upstream's outcome.
pub(crate) fn stage_outcome<U>(
    error: &mut Option<Error>,
    up: std::pin::Pin<&mut U>,
) -> Option<Result<()>>
where
    U: crate::engine::Pull,
    U::Return: IntoPipelineResult,
{
    match error.take() {
        Some(e) => Some(Err(e)),
        None => up
            .take_return()
            .map(IntoPipelineResult::into_pipeline_result),
    }
}

/// A fallible sink's result: its first error, else what its downstream returned.
pub(crate) fn sink_outcome<T>(error: Option<Error>, out: T) -> Result<T> {
    match error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}
