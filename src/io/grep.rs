//! `grep`: keep the lines that match a literal or a regex.
//!
//! Why fused: when `grep` follows a line source directly (`lines(p) | grep(x)`), it searches the
//! source's whole buffer with `memmem` and finds line bounds only around hits, as ripgrep does,
//! so a line that does not match costs no per-line work. It reaches the source through
//! [`Pull::pull_matching`](crate::Pull), which the source overrides; after any other stage it
//! filters line by line.

use std::pin::Pin;

use memchr::memmem;
#[cfg(feature = "regex")]
use regex::bytes::{Regex, RegexBuilder};

use crate::consume::Sink;
use crate::engine::Pull;
use crate::io::Line;
use crate::pipe::Stage;
use crate::pipe::stages::{Flow, Op};
#[cfg(feature = "regex")]
use crate::text::matcher::buffer_regex;
use crate::text::matcher::{Kind, Matcher};

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

impl GrepOp {
    /// What this stage looks for.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// Whether it keeps the lines that do not match (`invert`).
    pub fn is_inverted(&self) -> bool {
        self.invert
    }
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
