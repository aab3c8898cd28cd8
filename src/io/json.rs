//! JSON Lines (feature `json`): [`json_lines`] turns lines into records, strictly;
//! [`try_json_lines`] record by record; [`to_json_lines`] writes records, one per line.
//!
//! Each line is parsed where it lies in the read buffer (no copy of the line), with serde_json.

use std::fmt;
use std::io::Write;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::written::Written;
use crate::consume::{SendError, Sink};
use crate::engine::Pull;
use crate::error::{Error, Result};
use crate::io::{AsLineRef, Line, LineRef};
use crate::pipe::fallible::{Checked, FallibleOp, FallibleSink, PushStep};
use crate::pipe::stages::{Flow, Op};
use crate::pipe::{Stage, StageOp};

/// How much of a bad line [`Error::Parse`] quotes: its first 200 bytes.
const QUOTED_BYTES: usize = 200;

/// `None` for a blank line (skipped, as jq and most JSON Lines readers do), else the record or
/// the error naming the line.
#[inline]
fn record<T: DeserializeOwned>(line: LineRef<'_>) -> Option<Result<T>> {
    let bytes = line.field().as_bytes();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(serde_json::from_slice(bytes).map_err(|e| json_error(line, e)))
}

#[cold]
fn json_error(line: LineRef<'_>, source: serde_json::Error) -> Error {
    let bytes = line.field().as_bytes();
    let quoted = &bytes[..bytes.len().min(QUOTED_BYTES)];
    Error::Parse {
        path: line.path().map(Into::into),
        line_no: line.line_no(),
        text: String::from_utf8_lossy(quoted).into_owned(),
        source: Some(Arc::new(source)),
    }
}

/// The stage of [`json_lines`].
pub struct JsonLinesOp<T>(PhantomData<fn() -> T>);

impl<T> fmt::Debug for JsonLinesOp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JsonLinesOp")
    }
}

impl<T: DeserializeOwned> crate::sealed::StageOp for JsonLinesOp<T> {}
impl<T: DeserializeOwned> StageOp for JsonLinesOp<T> {
    type In = Line;
    type Out = T;
    type Pulled<U> = Checked<U, JsonLinesOp<T>>;
    type Pushed<K> = FallibleSink<JsonLinesOp<T>, K>;

    fn attach<U>(self, up: U) -> Self::Pulled<U> {
        Checked::new(up, self)
    }

    fn push_into<K>(self, down: K) -> Self::Pushed<K> {
        FallibleSink::new(self, down)
    }
}

impl<T: DeserializeOwned> FallibleOp for JsonLinesOp<T> {
    type In = Line;
    type Out = T;

    #[inline]
    fn pull<U: Pull<Item = Line>>(&mut self, up: Pin<&mut U>) -> Option<Result<T>> {
        // Fused with a line source: each line is parsed where it lies in the read buffer.
        up.pull_with(record::<T>)
    }
}

impl<T: DeserializeOwned> PushStep<Line> for JsonLinesOp<T> {
    type Out = T;

    fn step<K: Sink<T>>(&mut self, line: Line, down: &mut K) -> Result<()> {
        if let Some(value) = record::<T>(line.line_ref()) {
            // The value was taken; if the sink below has ended, `is_done` says so next.
            let _ = down.send(value?);
        }
        Ok(())
    }
}

/// Parses each line as one JSON record (JSON Lines, NDJSON) into a `T: Deserialize`; blank lines
/// are skipped. The first line that is not a `T` ends the pipeline, whose sink then returns
/// [`Error::Parse`] with the file, the line number, the start of the line, and serde_json's
/// error (its column) as the source. For records that may be bad one by one, use
/// [`try_json_lines`].
///
/// # Errors
/// After `json_lines`, the sink returns `genpipe::Result<Out>`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{json_lines, lines_from};
///
/// #[derive(serde::Deserialize)]
/// struct Request {
///     path: String,
///     status: u16,
/// }
///
/// let log = br#"{"path": "/a", "status": 200}
/// {"path": "/b", "status": 404}
///
/// {"path": "/c", "status": 404, "ms": 12}
/// "#;
/// let missing = lines_from(&log[..])
///     | json_lines::<Request>()
///     | filter(|r: &Request| r.status == 404)
///     | map(|r: Request| r.path)
///     | collect::<Vec<_>>();
/// assert_eq!(missing?, ["/b", "/c"]);
///
/// let err = (lines_from(&b"{\"path\": \"/a\", \"status\": 200}\n{\"path\": 7}\n"[..])
///     | json_lines::<Request>()
///     | count())
/// .unwrap_err();
/// assert_eq!(err.to_string(), "<input>:2: cannot parse \"{\\\"path\\\": 7}\"");
/// # Ok::<(), genpipe::Error>(())
/// ```
pub fn json_lines<T: DeserializeOwned>() -> Stage<JsonLinesOp<T>> {
    Stage::new(JsonLinesOp(PhantomData))
}

/// The stage of [`try_json_lines`].
pub struct TryJsonLinesOp<T>(PhantomData<fn() -> T>);

impl<T> fmt::Debug for TryJsonLinesOp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TryJsonLinesOp")
    }
}

impl<T: DeserializeOwned> Op for TryJsonLinesOp<T> {
    type In = Line;
    type Out = Result<T>;

    #[inline]
    fn pull<U: Pull<Item = Line> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<Result<T>> {
        loop {
            let line = up.as_mut().pull()?;
            if let Some(record) = record(line.line_ref()) {
                return Some(record);
            }
        }
    }

    #[inline]
    fn push<K: Sink<Result<T>>>(&mut self, line: Line, down: &mut K) -> Flow {
        match record(line.line_ref()) {
            None => Flow::Continue,
            Some(record) => match down.send(record) {
                Ok(()) => Flow::Continue,
                Err(_) => Flow::Stop,
            },
        }
    }
}

/// Parses each line as a JSON record, yielding `Result`s: a bad line is an `Err` naming it, and
/// the records after it still arrive (skip them with `filter_map(Result::ok)`, or count them).
/// Blank lines are skipped.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{lines_from, try_json_lines};
///
/// let got = lines_from(&b"[1, 2]\nnot json\n[3]\n"[..])
///     | try_json_lines::<Vec<u32>>()
///     | collect::<Vec<_>>();
/// let got = got?;
/// assert_eq!(got.len(), 3);
/// assert_eq!(got[1].as_ref().unwrap_err().to_string(), "<input>:2: cannot parse \"not json\"");
/// let sum: u32 = got.into_iter().filter_map(Result::ok).flatten().sum();
/// assert_eq!(sum, 6);
/// # Ok::<(), genpipe::Error>(())
/// ```
pub fn try_json_lines<T: DeserializeOwned>() -> Stage<TryJsonLinesOp<T>> {
    Stage::new(TryJsonLinesOp(PhantomData))
}

/// A sink that writes records as JSON Lines: [`to_json_lines`].
#[derive(Debug)]
pub struct JsonLinesSink<W: Write>(Written<W>);

impl<T: Serialize, W: Write> Sink<T> for JsonLinesSink<W> {
    type Out = Result<u64>;

    fn send(&mut self, record: T) -> std::result::Result<(), SendError<T>> {
        self.0.write(record, |out, record| {
            // A record serde cannot write (a map with non-string keys) is the user's error;
            // a writer that failed is an I/O error.
            serde_json::to_writer(&mut *out, record).map_err(|e| match e.io_error_kind() {
                Some(_) => Error::from(std::io::Error::from(e)),
                None => Error::Other {
                    source: Arc::new(e),
                },
            })?;
            Ok(out.write_all(b"\n")?)
        })
    }

    fn is_done(&self) -> bool {
        self.0.is_done()
    }

    fn close(self) -> Result<u64> {
        self.0.close()
    }
}

crate::pipe::sink_pipe_rhs!([W: Write,] JsonLinesSink<W>);

/// A sink that writes each record as one line of JSON into `writer` (buffered), and returns
/// how many it wrote once they are flushed. A record serde cannot write, or a writer that fails
/// (a closed socket, a full disk), ends it with the error; nothing is written after that.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{json_lines, lines_from, to_json_lines};
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Hit {
///     host: String,
///     bytes: u64,
/// }
///
/// let mut out = Vec::new();
/// let hits = [("a.example", 10), ("b.example", 20)];
/// let n = pipe(hits) | map(|(h, b): (&str, u64)| Hit { host: h.into(), bytes: b }) | to_json_lines(&mut out);
/// assert_eq!(n?, 2);
/// assert_eq!(out, b"{\"host\":\"a.example\",\"bytes\":10}\n{\"host\":\"b.example\",\"bytes\":20}\n");
///
/// // And back.
/// let back = lines_from(&out[..]) | json_lines::<Hit>() | collect::<Vec<_>>();
/// assert_eq!(back?[1], Hit { host: "b.example".into(), bytes: 20 });
/// # Ok::<(), genpipe::Error>(())
/// ```
pub fn to_json_lines<W: Write>(writer: W) -> JsonLinesSink<W> {
    JsonLinesSink(Written::new(writer))
}
