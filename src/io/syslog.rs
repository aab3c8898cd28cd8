//! Syslog: [`syslog`] parses messages (RFC 5424, and the BSD format of RFC 3164) into
//! [`SyslogRecord`]s, views into the message's own bytes; [`syslog_frames`] splits a TCP syslog
//! stream into messages (RFC 6587: octet-counted or newline-terminated frames).
//!
//! Parsing is lenient, as a relay must be (RFC 3164 section 4.3.3): a message without a valid
//! `<PRI>` gets priority 13 (user.notice) and is all message; a BSD header that does not parse is
//! message text. So a record is never an error, and no message is lost. Framing errors (an
//! octet count that is not a number, a frame longer than the limit, a stream cut inside a frame)
//! end [`syslog_frames`] with [`Error::Frame`].

use std::fmt;
use std::io::{ErrorKind, Read};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use super::line::{Chunk, Storage};
use crate::consume::Sink;
use crate::engine::Pull;
use crate::error::{Error, Result};
use crate::io::{Field, Line};
use crate::pipe::Stage;
use crate::pipe::stages::{Flow, Op};
use crate::produce::Gen;

/// A part of the message: `start..end` in its bytes; `None` if absent (or RFC 5424's `-`).
type Span = Option<(u32, u32)>;

/// One syslog message, parsed: views into its bytes (no copy), with the priority decoded.
#[derive(Clone)]
pub struct SyslogRecord {
    line: Line,
    priority: Option<u8>,
    version: Option<u8>,
    timestamp: Span,
    hostname: Span,
    app_name: Span,
    proc_id: Span,
    msg_id: Span,
    structured_data: Span,
    message: (u32, u32),
}

/// The severities of RFC 5424, 0 to 7.
const SEVERITIES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// The facilities of RFC 5424, 0 to 23.
const FACILITIES: [&str; 24] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
    "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];

impl SyslogRecord {
    fn span(&self, span: Span) -> Option<&Field> {
        span.map(|(s, e)| Field::new(&self.line.as_bytes()[s as usize..e as usize]))
    }

    /// The whole message, as received.
    pub fn line(&self) -> &Line {
        &self.line
    }

    /// The priority, `facility * 8 + severity`; 13 (user.notice) when the message had no valid
    /// `<PRI>`, as RFC 3164 says a relay assumes.
    pub fn priority(&self) -> u8 {
        self.priority.unwrap_or(13)
    }

    /// Whether the message began with a valid `<PRI>` (0 to 191).
    pub fn has_priority(&self) -> bool {
        self.priority.is_some()
    }

    /// The severity, 0 (emerg) to 7 (debug).
    pub fn severity(&self) -> u8 {
        self.priority() % 8
    }

    /// The severity's name: `emerg`, `alert`, `crit`, `err`, `warning`, `notice`, `info`,
    /// `debug`.
    pub fn severity_name(&self) -> &'static str {
        SEVERITIES[usize::from(self.severity())]
    }

    /// The facility, 0 (kern) to 23 (local7).
    pub fn facility(&self) -> u8 {
        self.priority() / 8
    }

    /// The facility's name: `kern`, `user`, `mail`, ..., `local7`.
    pub fn facility_name(&self) -> &'static str {
        FACILITIES[usize::from(self.facility())]
    }

    /// RFC 5424's version (1), or `None` for a BSD (RFC 3164) message.
    pub fn version(&self) -> Option<u8> {
        self.version
    }

    /// The timestamp as written (`2003-10-11T22:14:15.003Z`, or BSD's `Oct 11 22:14:15`).
    pub fn timestamp(&self) -> Option<&Field> {
        self.span(self.timestamp)
    }

    /// The host that sent it.
    pub fn hostname(&self) -> Option<&Field> {
        self.span(self.hostname)
    }

    /// The program (RFC 5424's APP-NAME; BSD's TAG, `su` in `su[123]:`).
    pub fn app_name(&self) -> Option<&Field> {
        self.span(self.app_name)
    }

    /// The process id (RFC 5424's PROCID; BSD's `123` in `su[123]:`).
    pub fn proc_id(&self) -> Option<&Field> {
        self.span(self.proc_id)
    }

    /// RFC 5424's MSGID.
    pub fn msg_id(&self) -> Option<&Field> {
        self.span(self.msg_id)
    }

    /// RFC 5424's STRUCTURED-DATA, as written (`[exampleSDID@32473 iut="3"]`).
    pub fn structured_data(&self) -> Option<&Field> {
        self.span(self.structured_data)
    }

    /// The free-form message (without RFC 5424's UTF-8 byte order mark).
    pub fn message(&self) -> &Field {
        let (s, e) = self.message;
        Field::new(&self.line.as_bytes()[s as usize..e as usize])
    }
}

impl fmt::Debug for SyslogRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyslogRecord")
            .field("facility", &self.facility_name())
            .field("severity", &self.severity_name())
            .field("timestamp", &self.timestamp())
            .field("hostname", &self.hostname())
            .field("app_name", &self.app_name())
            .field("proc_id", &self.proc_id())
            .field("msg_id", &self.msg_id())
            .field("structured_data", &self.structured_data())
            .field("message", &self.message())
            .finish()
    }
}

/// A cursor over a message's bytes.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    /// The next space-free token and the span it covers (`None` for RFC 5424's `-`); the
    /// cursor moves past it and one space. `Err` if there is no token here.
    fn token(&mut self) -> std::result::Result<Span, ()> {
        let start = self.at;
        let len = self.b[start..]
            .iter()
            .position(|&c| c == b' ')
            .unwrap_or(self.b.len() - start);
        if len == 0 {
            return Err(());
        }
        self.at = start + len;
        if self.b.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
        Ok((&self.b[start..start + len] != b"-").then_some((start as u32, (start + len) as u32)))
    }
}

/// `<PRI>`: the value and the bytes it took.
fn priority(b: &[u8]) -> Option<(u8, usize)> {
    if b.first() != Some(&b'<') {
        return None;
    }
    let close = b.iter().take(5).position(|&c| c == b'>')?;
    let digits = &b[1..close];
    if digits.is_empty()
        || !digits.iter().all(u8::is_ascii_digit)
        || (digits.len() > 1 && digits[0] == b'0')
    {
        return None;
    }
    let value: u16 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    (value <= 191).then_some((value as u8, close + 1))
}

/// BSD's `Mmm dd hh:mm:ss` (the day space-padded): its length, 15, if `b` starts with one.
fn bsd_timestamp(b: &[u8]) -> bool {
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    b.len() >= 15
        && MONTHS.contains(&&b[..3])
        && b[3] == b' '
        && (b[4] == b' ' || b[4].is_ascii_digit())
        && b[5].is_ascii_digit()
        && b[6] == b' '
        && b[7..9].iter().all(u8::is_ascii_digit)
        && b[9] == b':'
        && b[10..12].iter().all(u8::is_ascii_digit)
        && b[12] == b':'
        && b[13..15].iter().all(u8::is_ascii_digit)
}

/// RFC 5424's STRUCTURED-DATA: `-`, or `[..]` elements (a `]` inside a quoted value is escaped
/// as `\]`). The end of it, or `None` if it does not parse.
fn structured_data_end(b: &[u8], start: usize) -> Option<usize> {
    if b.get(start) == Some(&b'-') {
        return Some(start + 1);
    }
    let mut at = start;
    while b.get(at) == Some(&b'[') {
        let mut in_quotes = false;
        at += 1;
        loop {
            match *b.get(at)? {
                b'\\' if in_quotes => at += 2,
                b'"' => {
                    in_quotes = !in_quotes;
                    at += 1;
                }
                b']' if !in_quotes => {
                    at += 1;
                    break;
                }
                _ => at += 1,
            }
        }
    }
    (at > start).then_some(at)
}

/// Parses one message; never fails (see the module docs).
pub(crate) fn parse(line: Line) -> SyslogRecord {
    let b = line.as_bytes();
    let end = b.len() as u32;
    let mut record = SyslogRecord {
        priority: None,
        version: None,
        timestamp: None,
        hostname: None,
        app_name: None,
        proc_id: None,
        msg_id: None,
        structured_data: None,
        message: (0, end),
        line: line.clone(),
    };
    let Some((pri, at)) = priority(b) else {
        return record;
    };
    record.priority = Some(pri);
    record.message = (at as u32, end);
    // RFC 5424: a version (1 to 999) and a space after the PRI.
    if b.get(at).is_some_and(|c| (b'1'..=b'9').contains(c)) {
        let digits = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits <= 3
            && b.get(at + digits) == Some(&b' ')
            && let Some(mut parsed) = parse_5424(&record, b, at + digits + 1)
        {
            parsed.version = std::str::from_utf8(&b[at..at + digits])
                .ok()
                .and_then(|v| v.parse().ok());
            return parsed;
        }
    }
    parse_3164(&mut record, b, at);
    record
}

fn parse_5424(record: &SyslogRecord, b: &[u8], at: usize) -> Option<SyslogRecord> {
    let mut c = Cursor { b, at };
    let timestamp = c.token().ok()?;
    let hostname = c.token().ok()?;
    let app_name = c.token().ok()?;
    let proc_id = c.token().ok()?;
    let msg_id = c.token().ok()?;
    let sd_end = structured_data_end(b, c.at)?;
    let structured_data = (&b[c.at..sd_end] != b"-").then_some((c.at as u32, sd_end as u32));
    let mut msg = sd_end;
    if b.get(msg) == Some(&b' ') {
        msg += 1;
    } else if msg != b.len() {
        return None;
    }
    if b[msg..].starts_with(b"\xEF\xBB\xBF") {
        msg += 3;
    }
    let mut parsed = record.clone();
    parsed.timestamp = timestamp;
    parsed.hostname = hostname;
    parsed.app_name = app_name;
    parsed.proc_id = proc_id;
    parsed.msg_id = msg_id;
    parsed.structured_data = structured_data;
    parsed.message = (msg as u32, b.len() as u32);
    Some(parsed)
}

fn parse_3164(record: &mut SyslogRecord, b: &[u8], at: usize) {
    let rest = &b[at..];
    if !bsd_timestamp(rest) {
        // No header a relay can read: all of it is the message.
        return;
    }
    record.timestamp = Some((at as u32, (at + 15) as u32));
    let mut c = Cursor { b, at: at + 15 };
    if b.get(c.at) != Some(&b' ') {
        record.message = (c.at as u32, b.len() as u32);
        return;
    }
    c.at += 1;
    let Ok(hostname) = c.token() else {
        record.message = (c.at as u32, b.len() as u32);
        return;
    };
    record.hostname = hostname;
    record.message = (c.at as u32, b.len() as u32);
    // TAG: up to 32 alphanumeric (and `-_./`) characters, then `[pid]` and/or `:`.
    let tag_start = c.at;
    let tag_len = b[tag_start..]
        .iter()
        .take(48)
        .take_while(|c| c.is_ascii_alphanumeric() || b"-_./".contains(c))
        .count();
    if tag_len == 0 {
        return;
    }
    let mut after = tag_start + tag_len;
    let mut proc_id = None;
    if b.get(after) == Some(&b'[') {
        let pid_len = b[after + 1..]
            .iter()
            .take_while(|c| **c != b']' && **c != b' ')
            .count();
        if b.get(after + 1 + pid_len) == Some(&b']') && pid_len > 0 {
            proc_id = Some(((after + 1) as u32, (after + 1 + pid_len) as u32));
            after += pid_len + 2;
        }
    }
    if b.get(after) != Some(&b':') {
        return;
    }
    after += 1;
    if b.get(after) == Some(&b' ') {
        after += 1;
    }
    record.app_name = Some((tag_start as u32, (tag_start + tag_len) as u32));
    record.proc_id = proc_id;
    record.message = (after as u32, b.len() as u32);
}

/// The stage of [`syslog`].
pub struct SyslogOp<In>(PhantomData<fn(In)>);

impl<In> fmt::Debug for SyslogOp<In> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SyslogOp")
    }
}

impl<In: Into<Line>> Op for SyslogOp<In> {
    type In = In;
    type Out = SyslogRecord;

    #[inline]
    fn pull<U: Pull<Item = In> + ?Sized>(&mut self, up: Pin<&mut U>) -> Option<SyslogRecord> {
        up.pull().map(|m| parse(m.into()))
    }

    #[inline]
    fn push<K: Sink<SyslogRecord>>(&mut self, item: In, down: &mut K) -> Flow {
        match down.send(parse(item.into())) {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Stop,
        }
    }
}

/// Parses each message (a [`Line`], or a [`Datagram`](crate::io::Datagram)) into a
/// [`SyslogRecord`]: RFC 5424, else RFC 3164's BSD format, else all message (never an error,
/// see the module docs). The record's parts are views into the message: no copy.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{lines_from, syslog};
///
/// let text = b"<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8
/// <165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iUT=\"3\"] An application event
/// no header at all
/// ";
/// let records = (lines_from(&text[..]) | syslog() | collect::<Vec<_>>())?;
/// let (bsd, ietf, bare) = (&records[0], &records[1], &records[2]);
/// assert_eq!((bsd.facility_name(), bsd.severity_name()), ("auth", "crit"));
/// assert_eq!(bsd.hostname().unwrap(), "mymachine");
/// assert_eq!(bsd.app_name().unwrap(), "su");
/// assert_eq!(bsd.proc_id().unwrap(), "230");
/// assert_eq!(bsd.message(), "'su root' failed for lonvick on /dev/pts/8");
/// assert_eq!(ietf.version(), Some(1));
/// assert_eq!((ietf.facility_name(), ietf.severity_name()), ("local4", "notice"));
/// assert_eq!(ietf.msg_id().unwrap(), "ID47");
/// assert_eq!(ietf.structured_data().unwrap(), "[exampleSDID@32473 iUT=\"3\"]");
/// assert_eq!(ietf.message(), "An application event");
/// assert_eq!(bare.priority(), 13);
/// assert_eq!(bare.message(), "no header at all");
/// # Ok::<(), genpipe::Error>(())
/// ```
pub fn syslog<In: Into<Line>>() -> Stage<SyslogOp<In>> {
    Stage::new(SyslogOp(PhantomData))
}

/// The largest frame [`syslog_frames`] accepts: 1 MiB (RFC 6587 asks receivers for 2 KiB at
/// least; rsyslog's default is 8 KiB).
pub const MAX_SYSLOG_FRAME: usize = 1 << 20;

/// The messages of a TCP syslog stream: [`syslog_frames`].
pub struct SyslogFrames<R> {
    reader: Option<R>,
    /// Bytes read and not yet handed out: `buf[pos..len]`.
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    /// Frames cut from `buf`, waiting to be handed out.
    ready: std::collections::VecDeque<Line>,
    frames: u64,
    /// Stream offset of `buf[0]`.
    offset: u64,
    eof: bool,
    /// A framing error found after whole frames, reported once they are out.
    pending: Option<Error>,
    outcome: Option<Result<()>>,
}

impl<R> fmt::Debug for SyslogFrames<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyslogFrames")
            .field("frames", &self.frames)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

impl<R> Unpin for SyslogFrames<R> {}

/// One frame found in `b`: the message's bounds and where the next frame starts, or `Ok(None)`
/// if `b` holds no whole frame yet (`eof`: no more bytes will come).
fn next_frame(b: &[u8], eof: bool) -> std::result::Result<Option<(usize, usize, usize)>, String> {
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 {
        // Octet counting: MSG-LEN SP SYSLOG-MSG.
        if digits == b.len() && !eof && digits <= 7 {
            return Ok(None);
        }
        if digits > 7 || b.get(digits) != Some(&b' ') {
            let shown = String::from_utf8_lossy(&b[..b.len().min(digits + 1).min(16)]).into_owned();
            return Err(format!("an octet count that is not `LEN SP` ({shown:?})"));
        }
        let len: usize = std::str::from_utf8(&b[..digits])
            .unwrap_or("0")
            .parse()
            .unwrap_or(usize::MAX);
        if len > MAX_SYSLOG_FRAME {
            return Err(format!(
                "a frame of {len} bytes is over the limit of {MAX_SYSLOG_FRAME}"
            ));
        }
        let start = digits + 1;
        if b.len() - start < len {
            return if eof {
                Err(format!(
                    "the stream ends inside a frame ({} of {len} bytes)",
                    b.len() - start
                ))
            } else {
                Ok(None)
            };
        }
        return Ok(Some((start, start + len, start + len)));
    }
    // Non-transparent framing: the message ends at a newline (a trailing `\r` dropped).
    match memchr::memchr(b'\n', b) {
        Some(nl) => {
            let end = if nl > 0 && b[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            Ok(Some((0, end, nl + 1)))
        }
        None if b.len() > MAX_SYSLOG_FRAME => {
            Err(format!("no newline within {MAX_SYSLOG_FRAME} bytes"))
        }
        None if eof && !b.is_empty() => Ok(Some((0, b.len(), b.len()))),
        None => Ok(None),
    }
}

impl<R: Read> SyslogFrames<R> {
    /// Reads more and cuts every whole frame it can; `Ok(false)` at the clean end.
    fn fill(&mut self) -> Result<bool> {
        if let Some(error) = self.pending.take() {
            return Err(error);
        }
        loop {
            // Cut what is whole in `buf[pos..len]`.
            let mut cuts = Vec::new();
            let mut at = self.pos;
            loop {
                // Empty lines between frames are not frames.
                while at < self.len && (self.buf[at] == b'\n' || self.buf[at] == b'\r') {
                    at += 1;
                }
                if at == self.len {
                    break;
                }
                match next_frame(&self.buf[at..self.len], self.eof) {
                    Ok(Some((s, e, next))) => {
                        cuts.push((at + s, at + e));
                        at += next;
                    }
                    Ok(None) => break,
                    Err(reason) => {
                        let error = Error::Frame {
                            path: None,
                            index: self.frames + cuts.len() as u64 + 1,
                            offset: self.offset + at as u64,
                            reason,
                            source: None,
                        };
                        if cuts.is_empty() {
                            return Err(error);
                        }
                        // The whole frames before it go out first; the error comes next.
                        self.pending = Some(error);
                        break;
                    }
                }
            }
            if !cuts.is_empty() {
                // The frames go out as views of this buffer; the rest starts a new one.
                let rest = self.buf[at..self.len].to_vec();
                let mut next = Vec::with_capacity(self.buf.len());
                next.extend_from_slice(&rest);
                let mut full = std::mem::replace(&mut self.buf, next);
                // The frames pin this buffer while they live: only the bytes read, not the
                // room left for more.
                full.truncate(self.len);
                if full.capacity() > 2 * self.len {
                    full.shrink_to_fit();
                }
                let chunk = Arc::new(Chunk {
                    len: self.len,
                    bytes: Storage::Heap(full),
                    path: None,
                    offset: self.offset,
                    runs: None,
                });
                for (s, e) in cuts {
                    self.frames += 1;
                    self.ready
                        .push_back(Line::new(chunk.clone(), s, e, self.frames));
                }
                self.offset += at as u64;
                self.pos = 0;
                self.len = rest.len();
                return Ok(true);
            }
            if self.eof {
                return Ok(false);
            }
            // Keep the unread bytes at the front, and read more after them.
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.len, 0);
                self.offset += self.pos as u64;
                self.len -= self.pos;
                self.pos = 0;
            }
            if self.buf.len() - self.len < 16 << 10 {
                let grown = (self.buf.len() * 2).max(64 << 10);
                self.buf.resize(grown, 0);
            }
            let Some(reader) = self.reader.as_mut() else {
                return Ok(false);
            };
            match reader.read(&mut self.buf[self.len..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.len += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    self.eof = true;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl<R: Read> crate::sealed::Pull for SyslogFrames<R> {}
impl<R: Read> Pull for SyslogFrames<R> {
    type Item = Line;
    type Return = Result<()>;

    fn pull(self: Pin<&mut Self>) -> Option<Line> {
        let this = self.get_mut();
        if let Some(line) = this.ready.pop_front() {
            return Some(line);
        }
        if this.outcome.is_some() || this.reader.is_none() {
            return None;
        }
        match this.fill() {
            Ok(true) => this.ready.pop_front(),
            Ok(false) => {
                this.reader = None;
                this.outcome = Some(Ok(()));
                None
            }
            Err(e) => {
                this.reader = None;
                this.outcome = Some(Err(e));
                None
            }
        }
    }

    fn take_return(self: Pin<&mut Self>) -> Option<Result<()>> {
        let this = self.get_mut();
        if this.ready.is_empty() {
            this.outcome.take()
        } else {
            None
        }
    }
}

/// The messages of a TCP syslog stream (RFC 6587), as zero-copy [`Line`]s: each frame is
/// either octet-counted (`LEN SP MSG`, what rsyslog and syslog-ng send with
/// `framing="octet-counted"`) or ends at a newline, decided frame by frame. A stream cut inside
/// a counted frame, a count that is not one, or a frame over [`MAX_SYSLOG_FRAME`] ends it with
/// [`Error::Frame`] (which frame, at which byte); the frames before it arrive. A read timeout on
/// the socket ends it cleanly. Follow it with [`syslog`] to parse the messages.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{SyslogRecord, syslog, syslog_frames};
///
/// // Two octet-counted frames (one holds a newline) and one newline-terminated.
/// let counted = |m: &str| format!("{} {m}", m.len());
/// let stream = counted("<13>1 - host app - - - a\nb") + &counted("<14>1 - host app - - - two") + "<13>three\n";
/// let messages = syslog_frames(stream.as_bytes())
///     | syslog()
///     | map(|r: SyslogRecord| r.message().to_string())
///     | collect::<Vec<_>>();
/// assert_eq!(messages?, ["a\nb", "two", "three"]);
///
/// let err = (syslog_frames(&b"40 <13>1 - host app - - - cut"[..]) | count()).unwrap_err();
/// assert_eq!(err.to_string(), "<input>: frame 1 at byte 0: the stream ends inside a frame (26 of 40 bytes)");
/// # Ok::<(), genpipe::Error>(())
/// ```
pub fn syslog_frames<R: Read>(reader: R) -> Gen<SyslogFrames<R>> {
    Gen::from_pull(SyslogFrames {
        reader: Some(reader),
        buf: Vec::new(),
        pos: 0,
        len: 0,
        ready: std::collections::VecDeque::new(),
        frames: 0,
        offset: 0,
        eof: false,
        pending: None,
        outcome: None,
    })
}

impl From<crate::io::Datagram> for Line {
    fn from(d: crate::io::Datagram) -> Line {
        d.bytes
    }
}
