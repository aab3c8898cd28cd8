//! `access_log()`: Apache common and combined log lines as typed records.

use std::fmt;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::consume::Sink;
use crate::engine::Pull;
use crate::error::{Error, Result};
use crate::io::{Field, Line};
use crate::pipe::fallible::{Checked, FallibleOp, FallibleSink, PushStep};
use crate::pipe::{Stage, StageOp};

/// One request of an Apache access log: the line, with its fields located.
///
/// Text fields are views into the line ([`Field`]s, no copy); `status` and `size` are parsed
/// (`size` is 0 where the log says `-`). Cloning is one reference-count increment.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{access_log, lines_from};
///
/// let log = br#"10.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "http://x/" "Mozilla/4.08""#;
/// let r = (lines_from(&log[..]) | access_log() | last())?.unwrap();
/// assert_eq!(r.host(), "10.0.0.1");
/// assert_eq!(r.user(), "frank");
/// assert_eq!(r.time(), "10/Oct/2000:13:55:36 -0700");
/// assert_eq!((r.method(), r.path(), r.protocol()), (Field::new(b"GET"), Field::new(b"/a.gif"), Field::new(b"HTTP/1.0")));
/// assert_eq!((r.status, r.size), (200, 2326));
/// assert_eq!(r.referer(), Some(Field::new(b"http://x/")));
/// assert_eq!(r.agent(), Some(Field::new(b"Mozilla/4.08")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AccessRecord {
    line: Line,
    host: Range<u32>,
    ident: Range<u32>,
    user: Range<u32>,
    time: Range<u32>,
    method: Range<u32>,
    path: Range<u32>,
    protocol: Range<u32>,
    referer: Option<Range<u32>>,
    agent: Option<Range<u32>>,
    /// The HTTP status code.
    pub status: u16,
    /// The bytes sent; `-` in the log is 0.
    pub size: u64,
}

impl AccessRecord {
    fn field(&self, r: &Range<u32>) -> &Field {
        Field::new(&self.line.as_bytes()[r.start as usize..r.end as usize])
    }

    /// The client's address or name.
    pub fn host(&self) -> &Field {
        self.field(&self.host)
    }
    /// The RFC 1413 identity (almost always `-`).
    pub fn ident(&self) -> &Field {
        self.field(&self.ident)
    }
    /// The authenticated user (`-` if none).
    pub fn user(&self) -> &Field {
        self.field(&self.user)
    }
    /// The time, without its brackets.
    pub fn time(&self) -> &Field {
        self.field(&self.time)
    }
    /// The request method (`GET`, ...).
    pub fn method(&self) -> &Field {
        self.field(&self.method)
    }
    /// The requested path (empty if the request had none).
    pub fn path(&self) -> &Field {
        self.field(&self.path)
    }
    /// The protocol (`HTTP/1.1`; empty if the request had none).
    pub fn protocol(&self) -> &Field {
        self.field(&self.protocol)
    }
    /// The referer, in combined format.
    pub fn referer(&self) -> Option<&Field> {
        self.referer.as_ref().map(|r| self.field(r))
    }
    /// The user agent, in combined format.
    pub fn agent(&self) -> Option<&Field> {
        self.agent.as_ref().map(|r| self.field(r))
    }
    /// The whole line.
    pub fn line(&self) -> &Line {
        &self.line
    }
}

impl fmt::Debug for AccessRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessRecord")
            .field("host", &self.host())
            .field("time", &self.time())
            .field("method", &self.method())
            .field("path", &self.path())
            .field("status", &self.status)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// A cursor over a line's bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn skip_spaces(&mut self) {
        while self.bytes.get(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
    }

    /// Up to the next space.
    fn token(&mut self) -> Option<Range<u32>> {
        self.skip_spaces();
        let start = self.pos;
        let len = self.bytes[start..]
            .iter()
            .position(|&b| b == b' ')
            .unwrap_or(self.bytes.len() - start);
        self.pos = start + len;
        (len > 0).then(|| start as u32..(start + len) as u32)
    }

    /// Between `open` and `close` (exclusive).
    fn delimited(&mut self, open: u8, close: u8) -> Option<Range<u32>> {
        self.skip_spaces();
        if self.bytes.get(self.pos) != Some(&open) {
            return None;
        }
        let start = self.pos + 1;
        let len = memchr::memchr(close, &self.bytes[start..])?;
        self.pos = start + len + 1;
        Some(start as u32..(start + len) as u32)
    }
}

fn digits<T: std::str::FromStr>(bytes: &[u8]) -> Option<T> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// Parses one line of common or combined format.
pub(crate) fn parse_access(line: Line) -> std::result::Result<AccessRecord, Line> {
    let parsed = (|| {
        let bytes = line.as_bytes();
        if bytes.len() > u32::MAX as usize {
            return None;
        }
        let mut c = Cursor { bytes, pos: 0 };
        let host = c.token()?;
        let ident = c.token()?;
        let user = c.token()?;
        let time = c.delimited(b'[', b']')?;
        let request = c.delimited(b'"', b'"')?;
        let status_at = c.token()?;
        let status: u16 = digits(&bytes[status_at.start as usize..status_at.end as usize])?;
        let size_at = c.token()?;
        let size_bytes = &bytes[size_at.start as usize..size_at.end as usize];
        let size = if size_bytes == b"-" {
            0
        } else {
            digits(size_bytes)?
        };
        let referer = c.delimited(b'"', b'"');
        let agent = referer.as_ref().and_then(|_| c.delimited(b'"', b'"'));
        // The request splits into method, path and protocol; a short one leaves them empty.
        let mut r = Cursor {
            bytes: &bytes[..request.end as usize],
            pos: request.start as usize,
        };
        let empty = request.end..request.end;
        let method = r.token().unwrap_or(empty.clone());
        let path = r.token().unwrap_or(empty.clone());
        let protocol = r.token().unwrap_or(empty);
        Some(AccessRecord {
            line: line.clone(),
            host,
            ident,
            user,
            time,
            method,
            path,
            protocol,
            referer,
            agent,
            status,
            size,
        })
    })();
    parsed.ok_or(line)
}

/// How many lines an [`access_log`] stage skipped; a shared handle readable after the run.
#[derive(Clone, Debug, Default)]
pub struct AccessLogReport {
    skipped: Arc<AtomicU64>,
}

impl AccessLogReport {
    /// Lines that were not in common or combined format.
    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }
}

/// The stage of [`access_log`].
#[derive(Clone, Debug)]
pub struct AccessLogOp {
    strict: bool,
    report: AccessLogReport,
}

/// Parses Apache access-log lines (common or combined format) into [`AccessRecord`]s.
///
/// A line in neither format is skipped and counted ([`report`](Stage::<AccessLogOp>::report));
/// with [`.strict()`](Stage::<AccessLogOp>::strict) it ends the pipeline with [`Error::Parse`].
///
/// # Errors
/// After `access_log`, the sink returns `genpipe::Result<Out>`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{access_log, lines_from};
///
/// let log = b"h - - [t] \"GET /a HTTP/1.1\" 404 -\nnot a record\nh - - [t] \"GET /b HTTP/1.1\" 200 7\n";
/// let records = access_log();
/// let report = records.report();
/// let missing = lines_from(&log[..]) | records.filter(|r| r.status == 404) | count();
/// assert_eq!(missing?, 1);
/// assert_eq!(report.skipped(), 1);
///
/// let strict = lines_from(&log[..]) | access_log().strict() | count();
/// assert_eq!(strict.unwrap_err().to_string(), "<input>:2: cannot parse \"not a record\"");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn access_log() -> Stage<AccessLogOp> {
    Stage::new(AccessLogOp {
        strict: false,
        report: AccessLogReport::default(),
    })
}

impl Stage<AccessLogOp> {
    /// A line that is not a record ends the pipeline with [`Error::Parse`] instead of being
    /// skipped.
    pub fn strict(self) -> Self {
        let mut op = self.into_op();
        op.strict = true;
        Stage::new(op)
    }

    /// The count of skipped lines, readable after the run.
    pub fn report(&self) -> AccessLogReport {
        self.op().report.clone()
    }
}

fn bad_line(line: &Line) -> Error {
    Error::Parse {
        path: line.path().map(Into::into),
        line_no: line.line_no(),
        text: line.to_str_lossy().into_owned(),
        // Not one value's parse: the line does not have the format's shape.
        source: None,
    }
}

impl crate::sealed::StageOp for AccessLogOp {}
impl StageOp for AccessLogOp {
    type In = Line;
    type Out = AccessRecord;
    type Pulled<U> = AccessRecords<U>;
    type Pushed<K> = AccessRecordSink<K>;

    fn attach<U>(self, up: U) -> AccessRecords<U> {
        Checked::new(up, self)
    }

    fn push_into<K>(self, down: K) -> AccessRecordSink<K> {
        FallibleSink::new(self, down)
    }
}

/// [`access_log`] attached to its upstream: the one fallible adapter, [`Checked`].
pub type AccessRecords<U> = Checked<U, AccessLogOp>;

impl FallibleOp for AccessLogOp {
    type In = Line;
    type Out = AccessRecord;

    fn pull<U: Pull<Item = Line>>(&mut self, mut up: Pin<&mut U>) -> Option<Result<AccessRecord>> {
        loop {
            match parse_access(up.as_mut().pull()?) {
                Ok(record) => return Some(Ok(record)),
                Err(line) if self.strict => return Some(Err(bad_line(&line))),
                Err(_) => {
                    self.report.skipped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

/// [`access_log`] feeding a sink: its result is `genpipe::Result<K::Out>`.
pub type AccessRecordSink<K> = FallibleSink<AccessLogOp, K>;

impl PushStep<Line> for AccessLogOp {
    type Out = AccessRecord;

    fn step<K: Sink<AccessRecord>>(&mut self, line: Line, down: &mut K) -> Result<()> {
        match parse_access(line) {
            Ok(record) => {
                let _ = down.send(record);
            }
            Err(line) if self.strict => return Err(bad_line(&line)),
            Err(_) => {
                self.report.skipped.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }
}
