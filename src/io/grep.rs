//! `grep`: keep the lines that match a literal or a regex.
//!
//! Why fused: when `grep` follows a line source directly (`lines(p) | grep(x)`), it searches the
//! source's whole buffer with `memmem` and finds line bounds only around hits, as ripgrep does,
//! so a line that does not match costs no per-line work. It reaches the source through
//! [`Pull::pull_matching`](crate::Pull), which the source overrides; after any other stage it
//! filters line by line.

use std::fmt;
use std::pin::Pin;

use memchr::memmem;
#[cfg(feature = "regex")]
use regex::bytes::{Regex, RegexBuilder};

use crate::consume::Sink;
use crate::engine::Pull;
use crate::io::Line;
use crate::pipe::Stage;
use crate::pipe::stages::{Flow, Op};

/// What `grep` looks for. Built by [`grep`] and [`grep_re`].
#[derive(Clone)]
pub struct Matcher {
    kind: Kind,
}

// One per grep stage, searched per buffer or per line: keeping the finder inline saves an
// indirection on that path; the size does not matter for a value that exists once.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum Kind {
    Literal(memmem::Finder<'static>),
    /// `line` decides; `buffer`, the same pattern in multi-line mode, finds candidates in a
    /// whole buffer (`None` when the pattern is not safe to search that way).
    #[cfg(feature = "regex")]
    Regex {
        line: Regex,
        buffer: Option<Box<BufferRegexes>>,
    },
}

/// The buffer form of a regex (multi-line: `^` and `$` at `\n`), and whether its pattern has
/// a `$`: for lines whose `\r` is stripped, `$` would have to match before `\r\n`, which only
/// the regex crate's CRLF mode does, and that mode also changes `.` (it stops matching `\r`).
/// Such patterns are searched line by line over those sources.
#[cfg(feature = "regex")]
#[derive(Clone)]
struct BufferRegexes {
    lf: Regex,
    has_dollar: bool,
}

/// The regex `grep` uses to search a whole buffer for `pattern`: multi-line (`^` and `$` at
/// line bounds), so a match in a line is found there; every candidate is then confirmed on its
/// line alone. `None` for patterns whose meaning that would change: `\A`, `\z`
/// and inline flag groups (`(?-m)`, `(?s)`, ...).
#[cfg(feature = "regex")]
fn buffer_regex(pattern: &str, case_insensitive: bool) -> Option<Box<BufferRegexes>> {
    let bytes = pattern.as_bytes();
    let flag_group = bytes
        .windows(3)
        .any(|w| w[0] == b'(' && w[1] == b'?' && !matches!(w[2], b':' | b'P' | b'<'));
    if pattern.contains("\\A") || pattern.contains("\\z") || flag_group {
        return None;
    }
    let lf = RegexBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .multi_line(true)
        .build()
        .ok()?;
    Some(Box::new(BufferRegexes {
        lf,
        has_dollar: pattern.contains('$'),
    }))
}

/// How a line source may search its whole buffer for a [`Matcher`]'s lines.
pub(crate) enum BufferSearch<'a> {
    /// A literal without line-end bytes: a hit is always inside one line.
    Literal(&'a memmem::Finder<'static>),
    /// A regex: a hit is a candidate, confirmed on its line.
    #[cfg(feature = "regex")]
    Regex { buffer: &'a Regex, line: &'a Regex },
}

impl BufferSearch<'_> {
    /// Where the first candidate at or after `pos` starts and ends.
    #[inline]
    pub(crate) fn find_at(&self, bytes: &[u8], pos: usize) -> Option<(usize, usize)> {
        match self {
            BufferSearch::Literal(finder) => finder
                .find(&bytes[pos..])
                .map(|i| (pos + i, pos + i + finder.needle().len())),
            #[cfg(feature = "regex")]
            BufferSearch::Regex { buffer, .. } => {
                buffer.find_at(bytes, pos).map(|m| (m.start(), m.end()))
            }
        }
    }

    /// Whether `line` really matches, given a candidate that reaches past its end.
    ///
    /// Why only then: a match of the multi-line form that lies within one line is a match of
    /// the line alone (`^`, `$` and `\b` see a line end where the line's own ends are), so only
    /// a candidate that crosses a line end, or ends in a stripped `\r`, needs a second look.
    #[inline]
    #[cfg_attr(not(feature = "regex"), allow(unused_variables))]
    pub(crate) fn confirms(&self, line: &[u8]) -> bool {
        match self {
            BufferSearch::Literal(_) => true,
            #[cfg(feature = "regex")]
            BufferSearch::Regex { line: re, .. } => re.is_match(line),
        }
    }
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Literal(finder) => {
                write!(
                    f,
                    "Matcher::Literal({:?})",
                    String::from_utf8_lossy(finder.needle())
                )
            }
            #[cfg(feature = "regex")]
            Kind::Regex { line, .. } => write!(f, "Matcher::Regex({:?})", line.as_str()),
        }
    }
}

impl Matcher {
    /// Whether `haystack` (one line) matches.
    #[inline]
    pub fn is_match(&self, haystack: &[u8]) -> bool {
        match &self.kind {
            Kind::Literal(finder) => finder.find(haystack).is_some(),
            #[cfg(feature = "regex")]
            Kind::Regex { line, .. } => line.is_match(haystack),
        }
    }

    /// How to search a buffer of several lines, if the matcher can: a literal without
    /// line-end bytes, or a regex with a buffer form (see `BufferRegexes` for `$`).
    /// `None` means "search line by line".
    #[inline]
    #[cfg_attr(not(feature = "regex"), allow(unused_variables))]
    pub(crate) fn buffer_search(&self, keep_cr: bool) -> Option<BufferSearch<'_>> {
        match &self.kind {
            Kind::Literal(finder) if !finder.needle().iter().any(|&b| b == b'\n' || b == b'\r') => {
                Some(BufferSearch::Literal(finder))
            }
            #[cfg(feature = "regex")]
            Kind::Regex {
                line,
                buffer: Some(forms),
            } if keep_cr || !forms.has_dollar => Some(BufferSearch::Regex {
                buffer: &forms.lf,
                line,
            }),
            _ => None,
        }
    }
}

/// The stage of [`grep`] and [`grep_re`]; `.ignore_case()` and `.invert()` are on its [`Stage`].
#[derive(Clone, Debug)]
pub struct GrepOp {
    matcher: Matcher,
    invert: bool,
    /// The literal's bytes, for `ignore_case` (which makes a regex of them).
    #[cfg_attr(not(feature = "regex"), allow(dead_code))]
    literal: Option<Vec<u8>>,
}

impl Op for GrepOp {
    type In = Line;
    type Out = Line;

    #[inline]
    fn pull<U: Pull<Item = Line> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<Line> {
        if !self.invert {
            return up.pull_matching(&self.matcher);
        }
        loop {
            let line = up.as_mut().pull()?;
            if !self.matcher.is_match(line.as_bytes()) {
                return Some(line);
            }
        }
    }

    #[inline]
    fn push<K: Sink<Line>>(&mut self, line: Line, down: &mut K) -> Flow {
        if self.matcher.is_match(line.as_bytes()) == self.invert || down.send(line).is_ok() {
            Flow::Continue
        } else {
            Flow::Stop
        }
    }
}

/// Keeps the lines that contain `literal` (`memchr::memmem`; fused with a preceding line source).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{grep, lines_from};
///
/// let log = &b"GET /a 200\nGET /b 404\nPOST /c 404\n"[..];
/// assert_eq!((lines_from(log) | grep(" 404") | count())?, 2);
/// assert_eq!((lines_from(log) | grep("get").ignore_case() | count())?, 2);
/// assert_eq!((lines_from(log) | grep("404").invert() | count())?, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn grep(literal: impl AsRef<[u8]>) -> Stage<GrepOp> {
    let literal = literal.as_ref().to_vec();
    Stage::new(GrepOp {
        matcher: Matcher {
            kind: Kind::Literal(memmem::Finder::new(&literal).into_owned()),
        },
        invert: false,
        literal: Some(literal),
    })
}

#[cfg(feature = "regex")]
/// Something `grep_re` accepts: a pattern to compile, or a prebuilt regex.
pub trait IntoRegex {
    /// The compiled regex.
    ///
    /// # Errors
    /// When the pattern is invalid.
    fn into_regex(self) -> Result<Regex, regex::Error>;

    /// Whether the regex was built by the caller: its builder's settings are not in its
    /// pattern text, so `grep` does not compile a buffer form of it and searches line by line.
    /// `false` (the default) for a pattern given as text; an impl of your own that returns a
    /// `Regex` built with a `RegexBuilder` says `true`.
    const PREBUILT: bool = false;
}

#[cfg(feature = "regex")]
impl IntoRegex for &str {
    fn into_regex(self) -> Result<Regex, regex::Error> {
        Regex::new(self)
    }
}

#[cfg(feature = "regex")]
impl IntoRegex for &String {
    fn into_regex(self) -> Result<Regex, regex::Error> {
        Regex::new(self)
    }
}

#[cfg(feature = "regex")]
impl IntoRegex for Regex {
    fn into_regex(self) -> Result<Regex, regex::Error> {
        Ok(self)
    }

    const PREBUILT: bool = true;
}

#[cfg(feature = "regex")]
/// Keeps the lines matching the regex `pattern` (`regex::bytes`, so invalid UTF-8 is fine).
///
/// # Panics
/// If `pattern` is not a valid regex; the message names the pattern. [`try_grep_re`] returns
/// the error instead.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{grep_re, lines_from};
///
/// let log = &b"GET /ply-2.3.tar.gz 200\nGET /index.html 200\n"[..];
/// assert_eq!((lines_from(log) | grep_re(r"ply-.*\.gz") | count())?, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn grep_re(pattern: impl IntoRegex) -> Stage<GrepOp> {
    match try_grep_re(pattern) {
        Ok(stage) => stage,
        Err(e) => panic!("genpipe: grep_re: invalid regex: {e}"),
    }
}

#[cfg(feature = "regex")]
/// [`grep_re`] that returns an invalid pattern's error instead of panicking.
///
/// # Errors
/// The regex compiler's error, which quotes the pattern.
///
/// # Example
/// ```
/// use genpipe::io::try_grep_re;
///
/// assert!(try_grep_re("(unclosed").is_err());
/// assert!(try_grep_re(r"\d+").is_ok());
/// ```
pub fn try_grep_re<P: IntoRegex>(pattern: P) -> Result<Stage<GrepOp>, regex::Error> {
    let re = pattern.into_regex()?;
    let buffer = if P::PREBUILT {
        None
    } else {
        buffer_regex(re.as_str(), false)
    };
    Ok(Stage::new(GrepOp {
        matcher: Matcher {
            kind: Kind::Regex { line: re, buffer },
        },
        invert: false,
        literal: None,
    }))
}

#[cfg(feature = "regex")]
/// A regex matching exactly the bytes of `literal`: UTF-8 text escaped (so case folding
/// applies to it), any other byte as itself (`(?-u:\xHH)`), so a non-UTF-8 literal keeps its
/// bytes.
fn literal_pattern(literal: &[u8]) -> String {
    let mut pattern = String::with_capacity(literal.len());
    for chunk in literal.utf8_chunks() {
        pattern.push_str(&regex::escape(chunk.valid()));
        for byte in chunk.invalid() {
            pattern.push_str(&format!("(?-u:\\x{byte:02X})"));
        }
    }
    pattern
}

#[cfg(feature = "regex")]
impl Stage<GrepOp> {
    /// Matches regardless of case (Unicode simple case folding). A literal's bytes that are not
    /// UTF-8 are matched as they are. Needs the `regex` feature (default).
    ///
    /// # Panics
    /// If the case-folded pattern is too large for the regex engine's size limit; the message
    /// names the pattern. [`try_ignore_case`](Stage::try_ignore_case) returns the error.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::io::{grep, lines_from};
    ///
    /// let log = &b"GET /a\nget /b\n\xffGET /c\nPOST /d\n"[..];
    /// assert_eq!((lines_from(log) | grep("get").ignore_case() | count())?, 3);
    /// assert_eq!((lines_from(log) | grep(b"\xffget").ignore_case() | count())?, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ignore_case(self) -> Self {
        match self.try_ignore_case() {
            Ok(stage) => stage,
            Err(e) => panic!("genpipe: grep(..).ignore_case(): {e}"),
        }
    }

    /// [`ignore_case`](Stage::ignore_case) for patterns from outside the program: never falls
    /// back to matching case-sensitively.
    ///
    /// # Errors
    /// The regex engine's error (a case-folded pattern over its size limit).
    pub fn try_ignore_case(self) -> Result<Self, regex::Error> {
        let mut op = self.into_op();
        let pattern = match &op.matcher.kind {
            Kind::Literal(_) => literal_pattern(op.literal.as_deref().unwrap_or_default()),
            Kind::Regex { line, .. } => line.as_str().to_string(),
        };
        let line = RegexBuilder::new(&pattern).case_insensitive(true).build()?;
        let buffer = buffer_regex(&pattern, true);
        op.matcher = Matcher {
            kind: Kind::Regex { line, buffer },
        };
        Ok(Stage::new(op))
    }
}

impl Stage<GrepOp> {
    /// Keeps the lines that do *not* match (`grep -v`).
    pub fn invert(self) -> Self {
        let mut op = self.into_op();
        op.invert = !op.invert;
        Stage::new(op)
    }
}
