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
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Error {
    /// Opening or reading failed.
    Io {
        /// The file, if the input was one.
        path: Option<PathBuf>,
        /// What the operating system said.
        source: Arc<std::io::Error>,
    },
    /// A compressed file is corrupt or truncated; the lines before `offset` were delivered.
    Decompress {
        /// The file, if the input was one.
        path: Option<PathBuf>,
        /// Decompressed bytes delivered before the failure.
        offset: u64,
        /// What the decompressor said.
        source: Arc<std::io::Error>,
    },
    /// A field did not parse.
    Parse {
        /// The file, if the input was one.
        path: Option<PathBuf>,
        /// 1-based line number.
        line_no: u64,
        /// The text that did not parse.
        text: String,
        /// What the value's parser said (`ParseIntError`, ...), or the UTF-8 error.
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    },
    /// A line is longer than its source's limit (`max_line_bytes`, default
    /// [`DEFAULT_MAX_LINE_BYTES`](crate::io::DEFAULT_MAX_LINE_BYTES)): input without line ends,
    /// such as a NUL-filled file or a decompression bomb. The lines before it were delivered.
    LineTooLong {
        /// The file, if the input was one.
        path: Option<PathBuf>,
        /// 1-based number of the line that was too long.
        line_no: u64,
        /// The limit, in bytes.
        limit: usize,
    },
    /// A stream of length-prefixed records ([`frames`](crate::io::frames)) is broken: it ends
    /// inside a frame, a frame is longer than the limit, or its bytes are not a record of the
    /// type asked for. The records before it were delivered.
    Frame {
        /// The file, if the input was one.
        path: Option<PathBuf>,
        /// 1-based number of the bad frame.
        index: u64,
        /// Where the bad frame starts, in bytes from the start of the stream.
        offset: u64,
        /// What is wrong with it.
        reason: String,
        /// The decoder's error, for bytes that are not a record.
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    },
    /// An XML document ([`xml_events`](crate::io::xml_events)) is malformed: a tag that does not
    /// match, an unclosed element, a bad attribute or entity. The events before it were
    /// delivered.
    Xml {
        /// The file, if the input was one.
        path: Option<PathBuf>,
        /// Where the parser found the problem, in bytes from the start of the document.
        offset: u64,
        /// The parser's error.
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
    /// A child process of the pipeline ([`command_lines`](crate::io::command_lines),
    /// [`to_command`](crate::io::to_command)) exited with a status other than 0, or was killed.
    Command {
        /// The command, as a shell would show it.
        command: String,
        /// How it ended.
        status: std::process::ExitStatus,
        /// The end of what it wrote to its standard error (at most
        /// [`STDERR_TAIL_BYTES`](crate::io::STDERR_TAIL_BYTES)), trailing whitespace removed.
        stderr: String,
    },
    /// An error of the user's own code in the pipeline (a fallible generator's
    /// `Box<dyn Error>`, a parse error converted with `?`), kept as the source.
    Other {
        /// The error itself.
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
}

/// An I/O error of a pipeline's own code, with no file to name: `?` on an `io::Result` inside a
/// generator whose outcome is `genpipe::Result<()>`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// #[generator]
/// fn numbers(text: &'static str) -> Gen<u64, genpipe::Result<()>> {
///     use std::io::BufRead;
///     for line in std::io::Cursor::new(text).lines() {
///         yield_!(line?.len() as u64);
///     }
///     Ok(())
/// }
///
/// assert_eq!((numbers("a\nbb\n") | sum()).unwrap(), 3);
/// ```
impl From<std::io::Error> for Error {
    fn from(source: std::io::Error) -> Self {
        Error::Io {
            path: None,
            source: Arc::new(source),
        }
    }
}

/// Errors that cannot happen convert into any pipeline error, so a generator whose outcome is
/// `Result<(), Infallible>` joins fallible pipelines.
impl From<std::convert::Infallible> for Error {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

/// A user's boxed error (`Result<(), Box<dyn Error + Send + Sync>>` bodies), as [`Error::Other`].
impl From<Box<dyn std::error::Error + Send + Sync>> for Error {
    fn from(source: Box<dyn std::error::Error + Send + Sync>) -> Self {
        Error::Other {
            source: Arc::from(source),
        }
    }
}

macro_rules! other_from {
    ($($ty:ty),*) => {$(
        /// A parse error of the user's own code, as [`Error::Other`] (no file or line to name).
        impl From<$ty> for Error {
            fn from(source: $ty) -> Self {
                Error::Other { source: Arc::new(source) }
            }
        }
    )*};
}
other_from!(
    std::num::ParseIntError,
    std::num::ParseFloatError,
    std::str::Utf8Error,
    std::string::FromUtf8Error,
    std::net::AddrParseError
);

/// An error of any kind, boxed: what a value's parser may return for [`parse`](crate::io::parse)
/// to keep it as [`Error::Parse`]'s source (every `std::error::Error + Send + Sync` type,
/// `String` and `&str` convert into it).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Io { path, .. } => write!(f, "cannot read {}", display_path(path)),
            Error::Decompress { path, offset, .. } => write!(
                f,
                "cannot decompress {} after {offset} bytes of output",
                display_path(path)
            ),
            Error::Parse {
                path,
                line_no,
                text,
                ..
            } => write!(f, "{}:{line_no}: cannot parse {text:?}", display_path(path)),
            Error::LineTooLong {
                path,
                line_no,
                limit,
            } => write!(
                f,
                "{}:{line_no}: line longer than {limit} bytes (input without line ends?)",
                display_path(path)
            ),
            Error::Frame {
                path,
                index,
                offset,
                reason,
                ..
            } => write!(
                f,
                "{}: frame {index} at byte {offset}: {reason}",
                display_path(path)
            ),
            Error::Xml {
                path,
                offset,
                source,
            } => write!(f, "{}: byte {offset}: {source}", display_path(path)),
            Error::Command {
                command,
                status,
                stderr,
            } => {
                write!(f, "`{command}` {}", describe_status(status))?;
                match stderr.lines().rev().find(|l| !l.trim().is_empty()) {
                    Some(last) => write!(f, ": {}", last.trim()),
                    None => Ok(()),
                }
            }
            Error::Other { source } => source.fmt(f),
        }
    }
}

/// The source is the error itself, not the `Arc` it is shared in, so `downcast_ref` on it finds
/// the `io::Error` or the parser's error.
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::Decompress { source, .. } => Some(&**source),
            Error::Parse { source, .. } | Error::Frame { source, .. } => {
                source.as_deref().map(|e| e as _)
            }
            Error::Other { source } | Error::Xml { source, .. } => Some(&**source),
            Error::LineTooLong { .. } | Error::Command { .. } => None,
        }
    }
}

/// How a command ended, in [`Error::Command`]'s message: `exited with status 2`, or `was
/// killed by signal 9`.
fn describe_status(status: &std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("was killed by signal {signal}");
        }
    }
    format!("ended with {status}")
}

fn display_path(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => p.display().to_string(),
        None => "<input>".to_string(),
    }
}

/// `Result` with [`Error`] as the default error: what fallible genpipe sources end with.
pub type Result<T, E = Error> = std::result::Result<T, E>;
