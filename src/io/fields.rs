//! Stages over lines: fields (`last_field`, `field`), placeholders (`skip_value`), parsing
//! (`parse`, strict; `try_parse`, per item).

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::str::FromStr;

use crate::consume::Sink;
use crate::engine::Pull;
use crate::error::{BoxError, Error, Result};
use crate::io::{AsLineRef, Field, Line, LineRef, ParseFieldError};
use crate::pipe::fallible::{Checked, FallibleOp, FallibleSink, PushStep};
use crate::pipe::stages::{Flow, Op};
use crate::pipe::{Stage, StageOp};

/// The stage of [`last_field`], [`field`] and [`field_by`]: which field of each line to keep.
#[derive(Clone, Copy, Debug)]
pub struct FieldOp {
    /// `None`: the last.
    index: Option<usize>,
    /// `None`: fields are split on runs of whitespace; `Some(b)`: at every `b`.
    sep: Option<u8>,
}

impl FieldOp {
    #[inline]
    fn field_of<'a>(&self, line: &'a Field) -> Option<&'a Field> {
        match (self.index, self.sep) {
            (None, _) => line.last_field(),
            (Some(n), None) => line.field(n),
            (Some(n), Some(sep)) => line.field_by(sep, n),
        }
    }

    #[inline]
    fn pick(&self, line: Line) -> Option<Line> {
        let field = self.field_of(&line)?;
        // Offsets only: the borrow of `line` ends before the handle moves.
        let (start, len) = (field.as_bytes().as_ptr() as usize, field.as_bytes().len());
        let range = (start - line.as_bytes().as_ptr() as usize, len);
        Some(line.narrow_to(range.0, range.1))
    }
}

impl Op for FieldOp {
    type In = Line;
    type Out = Line;

    #[inline]
    fn pull<U: Pull<Item = Line> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<Line> {
        loop {
            if let Some(field) = self.pick(up.as_mut().pull()?) {
                return Some(field);
            }
        }
    }

    #[inline]
    fn pull_with<U, T, F>(&mut self, up: Pin<&mut U>, mut f: F) -> Option<T>
    where
        U: Pull<Item = Line>,
        F: FnMut(LineRef<'_>) -> Option<T>,
    {
        up.pull_with(|line| f(line.narrow(self.field_of(line.field())?)))
    }

    #[inline]
    fn push<K: Sink<Line>>(&mut self, line: Line, down: &mut K) -> Flow {
        match self.pick(line).map(|field| down.send(field)) {
            Some(Err(_)) => Flow::Stop,
            _ => Flow::Continue,
        }
    }
}

/// The last whitespace-separated field of each line, as a [`Line`] view (no copy). Lines without
/// a field (blank ones) are skipped.
///
/// Beazley's bytes sum: `lines(p) | last_field() | skip_value("-") | parse::<u64>() | sum()`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{last_field, lines_from};
///
/// let sizes = lines_from(&b"a b 10\n\nc d -\n"[..]) | last_field() | map(|f: Line| f.to_string()) | collect::<Vec<_>>();
/// assert_eq!(sizes?, ["10", "-"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn last_field() -> Stage<FieldOp> {
    Stage::new(FieldOp {
        index: None,
        sep: None,
    })
}

/// Field `n` (0-based) of each line, as a [`Line`] view. Lines with fewer fields are skipped.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{field, lines_from};
///
/// let hosts = lines_from(&b"h1 GET /\nh2 POST /x\nlonely\n"[..]) | field(1) | count();
/// assert_eq!(hosts?, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn field(n: usize) -> Stage<FieldOp> {
    Stage::new(FieldOp {
        index: Some(n),
        sep: None,
    })
}

/// Field `n` (0-based) of each line split at every `sep` byte, empty fields kept (a TSV or CSV
/// column without quoting; [`Field::fields_by`]), as a [`Line`] view. Lines with `n` or fewer
/// separators are skipped; an empty field is an empty `Line`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{field_by, lines_from};
///
/// let tsv = &b"alice\t\t3\nbob\tadmin\t5\nshort\n"[..];
/// let roles = lines_from(tsv) | field_by(b'\t', 1) | map(|f: Line| f.to_string()) | collect::<Vec<_>>();
/// assert_eq!(roles?, ["", "admin"]);
/// let total = lines_from(tsv) | field_by(b'\t', 2) | parse::<u64>() | sum();
/// assert_eq!(total?, 8);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn field_by(sep: u8, n: usize) -> Stage<FieldOp> {
    Stage::new(FieldOp {
        index: Some(n),
        sep: Some(sep),
    })
}

/// The stage of [`skip_value`].
#[derive(Clone, Debug)]
pub struct SkipValueOp {
    value: Vec<u8>,
}

impl Op for SkipValueOp {
    type In = Line;
    type Out = Line;

    #[inline]
    fn pull<U: Pull<Item = Line> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<Line> {
        loop {
            let line = up.as_mut().pull()?;
            if line.as_bytes() != self.value.as_slice() {
                return Some(line);
            }
        }
    }

    #[inline]
    fn pull_with<U, T, F>(&mut self, up: Pin<&mut U>, mut f: F) -> Option<T>
    where
        U: Pull<Item = Line>,
        F: FnMut(LineRef<'_>) -> Option<T>,
    {
        let value = self.value.as_slice();
        up.pull_with(|line| {
            if line.field().as_bytes() == value {
                None
            } else {
                f(line)
            }
        })
    }

    #[inline]
    fn push<K: Sink<Line>>(&mut self, line: Line, down: &mut K) -> Flow {
        if line.as_bytes() == self.value.as_slice() || down.send(line).is_ok() {
            Flow::Continue
        } else {
            Flow::Stop
        }
    }
}

/// Drops the items equal to `value` (a placeholder such as Apache's `-` for "no bytes").
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{last_field, lines_from, skip_value};
///
/// let n = lines_from(&b"x 1\ny -\nz 3\n"[..]) | last_field() | skip_value("-") | count();
/// assert_eq!(n?, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn skip_value(value: impl AsRef<[u8]>) -> Stage<SkipValueOp> {
    Stage::new(SkipValueOp {
        value: value.as_ref().to_vec(),
    })
}

fn parse_error<E: Into<BoxError>>(line: LineRef<'_>, err: ParseFieldError<E>) -> Error {
    let source: std::sync::Arc<dyn std::error::Error + Send + Sync> = match err {
        ParseFieldError::Utf8(e) => std::sync::Arc::new(e),
        ParseFieldError::Value(e) => std::sync::Arc::from(e.into()),
    };
    Error::Parse {
        path: line.path().map(Into::into),
        line_no: line.line_no(),
        text: line.field().to_str_lossy().into_owned(),
        source: Some(source),
    }
}

/// The stage of [`try_parse`].
pub struct TryParseOp<T>(PhantomData<fn() -> T>);

impl<T> fmt::Debug for TryParseOp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TryParseOp")
    }
}

impl<T: FromStr<Err: Into<BoxError>>> Op for TryParseOp<T> {
    type In = Line;
    type Out = Result<T>;

    #[inline]
    fn pull<U: Pull<Item = Line> + ?Sized>(&mut self, up: Pin<&mut U>) -> Option<Result<T>> {
        let line = up.pull()?;
        Some(line.parse().map_err(|e| parse_error(line.line_ref(), e)))
    }

    #[inline]
    fn push<K: Sink<Result<T>>>(&mut self, line: Line, down: &mut K) -> Flow {
        match down.send(line.parse().map_err(|e| parse_error(line.line_ref(), e))) {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Stop,
        }
    }
}

/// Parses every item, yielding `Result` items: a bad one does not end the pipeline.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{lines_from, try_parse};
///
/// let got = lines_from(&b"1\nx\n3\n"[..]) | try_parse::<u32>() | collect::<Vec<_>>();
/// let got = got?;
/// assert_eq!(got.iter().filter(|r| r.is_ok()).count(), 2);
/// assert_eq!(got[1].as_ref().unwrap_err().to_string(), "<input>:2: cannot parse \"x\"");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn try_parse<T: FromStr<Err: Into<BoxError>>>() -> Stage<TryParseOp<T>> {
    Stage::new(TryParseOp(PhantomData))
}

/// The stage of [`parse`].
pub struct ParseOp<T>(PhantomData<fn() -> T>);

impl<T> fmt::Debug for ParseOp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ParseOp")
    }
}

impl<T: FromStr<Err: Into<BoxError>>> crate::sealed::StageOp for ParseOp<T> {}
impl<T: FromStr<Err: Into<BoxError>>> StageOp for ParseOp<T> {
    type In = Line;
    type Out = T;
    type Pulled<U> = Parsed<U, T>;
    type Pushed<K> = ParseSink<K, T>;

    fn attach<U>(self, up: U) -> Parsed<U, T> {
        Checked::new(up, self)
    }

    fn push_into<K>(self, down: K) -> ParseSink<K, T> {
        FallibleSink::new(self, down)
    }
}

/// Parses every item; the first that does not parse ends the pipeline, whose sink then returns
/// [`Error::Parse`] with the file, line number and text.
///
/// # Errors
/// After `parse`, the sink returns `genpipe::Result<Out>`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{last_field, lines_from, parse, skip_value};
///
/// let log = b"h - - [t] \"GET /\" 200 512\nh - - [t] \"GET /\" 304 -\nh - - [t] \"GET /\" 200 100\n";
/// let total = lines_from(&log[..]) | last_field() | skip_value("-") | parse::<u64>() | sum();
/// assert_eq!(total?, 612);
///
/// let err = (lines_from(&b"1\n2\nthree\n4\n"[..]) | parse::<u64>() | sum()).unwrap_err();
/// assert_eq!(err.to_string(), "<input>:3: cannot parse \"three\"");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse<T: FromStr<Err: Into<BoxError>>>() -> Stage<ParseOp<T>> {
    Stage::new(ParseOp(PhantomData))
}

/// [`parse`] attached to its upstream: the one fallible adapter, [`Checked`].
pub type Parsed<U, T> = Checked<U, ParseOp<T>>;

impl<T: FromStr<Err: Into<BoxError>>> FallibleOp for ParseOp<T> {
    type In = Line;
    type Out = T;

    #[inline]
    fn pull<U: Pull<Item = Line>>(&mut self, up: Pin<&mut U>) -> Option<Result<T>> {
        // Fused with a line source: each line is parsed where it lies in the read buffer.
        up.pull_with(|line| Some(line.field().parse::<T>().map_err(|e| parse_error(line, e))))
    }
}

/// [`parse`] feeding a sink: its result is `genpipe::Result<K::Out>`.
pub type ParseSink<K, T> = FallibleSink<ParseOp<T>, K>;

impl<T: FromStr<Err: Into<BoxError>>> PushStep<Line> for ParseOp<T> {
    type Out = T;

    fn step<K: Sink<T>>(&mut self, line: Line, down: &mut K) -> Result<()> {
        let value = line.parse().map_err(|e| parse_error(line.line_ref(), e))?;
        // The value was taken; if the sink below has ended, `is_done` says so next.
        let _ = down.send(value);
        Ok(())
    }
}
