//! `Matcher`: what a grep looks for, and how a line source searches a whole buffer for it.
//!
//! On the text floor, below the engine: `Pull::pull_matching` takes a `Matcher`, so the
//! engine can offer the fused buffer search without importing `io`.

use std::fmt;

use memchr::memmem;
#[cfg(feature = "regex")]
use regex::bytes::{Regex, RegexBuilder};

/// What `grep` looks for. Built by [`grep`](crate::io::grep) and
/// [`grep_re`](crate::io::grep_re).
#[derive(Clone)]
pub struct Matcher {
    pub(crate) kind: Kind,
}

// One per grep stage, searched per buffer or per line: keeping the finder inline saves an
// indirection on that path; the size does not matter for a value that exists once.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub(crate) enum Kind {
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
pub(crate) struct BufferRegexes {
    lf: Regex,
    has_dollar: bool,
}

/// The regex `grep` uses to search a whole buffer for `pattern`: multi-line (`^` and `$` at
/// line bounds), so a match in a line is found there; every candidate is then confirmed on its
/// line alone. `None` for patterns whose meaning that would change: `\A`, `\z`
/// and inline flag groups (`(?-m)`, `(?s)`, ...).
#[cfg(feature = "regex")]
pub(crate) fn buffer_regex(pattern: &str, case_insensitive: bool) -> Option<Box<BufferRegexes>> {
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
