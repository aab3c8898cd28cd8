//! `Matcher`: what a grep looks for, and how a line source searches a whole buffer for it.
//!
//! On the text floor, below the engine: `Pull::pull_matching` takes a `Matcher`, so the
//! engine can offer the fused buffer search without importing `io`.

use std::fmt;

use memchr::memmem;
#[cfg(feature = "regex")]
use regex::bytes::Regex;

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

/// The buffer form of a regex: its pattern in multi-line mode (`^` and `$` at `\n`) with `\n`
/// taken out of every class, so a match never crosses a line end and never needs confirming on
/// its line (ripgrep's `strip.rs`); and whether its pattern has a `$`: for lines whose `\r` is
/// stripped, `$` would have to match before `\r\n`, which only the regex crate's CRLF mode
/// does, and that mode also changes `.` (it stops matching `\r`). Such patterns are searched
/// line by line over those sources.
#[cfg(feature = "regex")]
#[derive(Clone)]
pub(crate) struct BufferRegexes {
    lf: regex_automata::meta::Regex,
    has_dollar: bool,
    /// Every match is at least a byte long: a search may stop at the first match end it
    /// meets (the end alone tells the line), without looking for where the match starts.
    half: bool,
}

/// `hir` with `\n` taken out of every class, and a literal `\n` made unmatchable: the same
/// matches within a line, none across one.
#[cfg(feature = "regex")]
fn within_lines(hir: &regex_syntax::hir::Hir) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{
        Capture, Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, Hir, HirKind,
        Repetition,
    };
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => hir.clone(),
        HirKind::Literal(literal) if literal.0.contains(&b'\n') => Hir::fail(),
        HirKind::Literal(_) => hir.clone(),
        HirKind::Class(Class::Unicode(class)) => {
            let mut class = class.clone();
            class.difference(&ClassUnicode::new([ClassUnicodeRange::new('\n', '\n')]));
            Hir::class(Class::Unicode(class))
        }
        HirKind::Class(Class::Bytes(class)) => {
            let mut class = class.clone();
            class.difference(&ClassBytes::new([ClassBytesRange::new(b'\n', b'\n')]));
            Hir::class(Class::Bytes(class))
        }
        HirKind::Repetition(rep) => Hir::repetition(Repetition {
            sub: Box::new(within_lines(&rep.sub)),
            ..rep.clone()
        }),
        HirKind::Capture(cap) => Hir::capture(Capture {
            sub: Box::new(within_lines(&cap.sub)),
            ..cap.clone()
        }),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(within_lines).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(within_lines).collect()),
    }
}

/// The regex `grep` uses to search a whole buffer for `pattern` (see [`BufferRegexes`]).
/// `None` for patterns whose meaning that would change: `\A`, `\z` and inline flag groups
/// (`(?-m)`, `(?s)`, ...).
#[cfg(feature = "regex")]
pub(crate) fn buffer_regex(pattern: &str, case_insensitive: bool) -> Option<Box<BufferRegexes>> {
    let bytes = pattern.as_bytes();
    let flag_group = bytes
        .windows(3)
        .any(|w| w[0] == b'(' && w[1] == b'?' && !matches!(w[2], b':' | b'P' | b'<'));
    if pattern.contains("\\A") || pattern.contains("\\z") || flag_group {
        return None;
    }
    // As `regex::bytes::Regex` parses it: Unicode, and bytes that are not UTF-8 allowed.
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(case_insensitive)
        .multi_line(true)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()?;
    let hir = within_lines(&hir);
    let half = hir.properties().minimum_len().is_some_and(|n| n > 0);
    let lf = regex_automata::meta::Regex::builder()
        .configure(regex_automata::meta::Config::new().utf8_empty(false))
        .build_from_hir(&hir)
        .ok()?;
    Some(Box::new(BufferRegexes {
        lf,
        has_dollar: pattern.contains('$'),
        half,
    }))
}

/// How a line source may search its whole buffer for a [`Matcher`]'s lines.
pub(crate) enum BufferSearch<'a> {
    /// A literal without line-end bytes: a hit is always inside one line.
    Literal(&'a memmem::Finder<'static>),
    /// A regex: a hit is in one line; confirmed on it only where a stripped `\r` was in it.
    #[cfg(feature = "regex")]
    Regex {
        buffer: &'a BufferRegexes,
        line: &'a Regex,
    },
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
                let input = regex_automata::Input::new(bytes).range(pos..);
                if buffer.half {
                    // The first match end met: its last byte is in the matching line (no
                    // match is empty, none crosses a line end).
                    let end = buffer.lf.search_half(&input.earliest(true))?.offset();
                    Some((end - 1, end))
                } else {
                    buffer.lf.find(input).map(|m| (m.start(), m.end()))
                }
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
                buffer: forms,
                line,
            }),
            _ => None,
        }
    }
}
