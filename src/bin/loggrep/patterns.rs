//! The patterns: the matcher that selects lines, and the regex that finds the matches in them.

use genpipe::io::{GrepOp, grep, try_grep_re};
use genpipe::prelude::*;

use crate::flags::Options;

/// Whether `pattern` means the same as a regex and as a fixed string: no metacharacter in
/// its text (bytes that are not UTF-8 stand for themselves).
pub(crate) fn is_plain(pattern: &[u8]) -> bool {
    pattern
        .utf8_chunks()
        .all(|chunk| regex::escape(chunk.valid()) == chunk.valid())
}

/// The patterns as one regex, each as `-F`, `-w` and `-x` ask. `-w` is ripgrep's: a match with
/// a non-word character or a line bound on each side; for the matches themselves (`-o`,
/// colour, `--count-matches`) the match is the group `w` inside that, and [`Matches`] looks
/// for the next one right after it, not after the character that bounds it (so `get get get`
/// holds three).
fn one_regex(o: &Options, selecting: bool) -> Result<String, String> {
    let plain = o.fixed || o.patterns.iter().all(|p| is_plain(p));
    let mut alternatives = Vec::with_capacity(o.patterns.len());
    for p in &o.patterns {
        alternatives.push(if plain {
            // Bytes that are not UTF-8 are matched as themselves.
            fixed_pattern(p)
        } else {
            let p = std::str::from_utf8(p).map_err(|_| {
                "a regex pattern must be valid UTF-8; give a byte string with -F".to_string()
            })?;
            format!("(?:{p})")
        });
    }
    let any = alternatives.join("|");
    Ok(if o.whole_line {
        format!("^(?:{any})$")
    } else if o.word && selecting {
        format!(r"(?:^|\W)(?:{any})(?:\W|$)")
    } else if o.word {
        // The match itself is the group `w`: see `Matches`.
        format!(r"(?:^|\W)(?P<w>{any})(?:\W|$)")
    } else {
        any
    })
}

/// The patterns as one regex: what `-o` prints and `--color` highlights.
pub(crate) fn highlighter(o: &Options) -> Result<regex::bytes::Regex, String> {
    regex::bytes::RegexBuilder::new(&one_regex(o, false)?)
        .case_insensitive(o.ignore_case)
        .multi_line(true)
        .build()
        .map_err(|e| e.to_string())
}

/// The patterns alone, without `-w` or `-x` around them: what `-r` expands its groups from,
/// matched on each match's text (`$0` is the match itself, not the bytes that bound a word).
pub(crate) fn replacer(o: &Options) -> Result<regex::bytes::Regex, String> {
    let mut bare = o.clone();
    (bare.word, bare.whole_line) = (false, false);
    highlighter(&bare)
}

/// The stage that selects lines.
pub(crate) fn matcher(o: &Options) -> Result<Stage<GrepOp>, String> {
    let plain = o.fixed || o.patterns.iter().all(|p| is_plain(p));
    let mut stage = match o.patterns.as_slice() {
        // One fixed string: the buffer-wide literal search.
        [pattern] if plain && !o.word && !o.whole_line => grep(pattern),
        _ => try_grep_re(&one_regex(o, true)?).map_err(|e| e.to_string())?,
    };
    if o.ignore_case {
        stage = stage.try_ignore_case().map_err(|e| e.to_string())?;
    }
    if o.invert {
        stage = stage.invert();
    }
    Ok(stage)
}

/// A regex that matches exactly `literal`'s bytes.
pub(crate) fn fixed_pattern(literal: &[u8]) -> String {
    let mut pattern = String::new();
    for chunk in literal.utf8_chunks() {
        pattern.push_str(&regex::escape(chunk.valid()));
        for byte in chunk.invalid() {
            pattern.push_str(&format!("(?-u:\\x{byte:02X})"));
        }
    }
    pattern
}

/// The matches of the highlighter regex in `line`, as `(start, end)`: each match, or with `-w`
/// its group `w`, the next search starting where it ends (one byte on after an empty match).
pub(crate) struct Matches<'r, 'h> {
    re: &'r regex::bytes::Regex,
    line: &'h [u8],
    at: usize,
    word: bool,
    /// The end of the last non-empty match: an empty match there is not another one.
    last_end: Option<usize>,
}

impl<'r, 'h> Matches<'r, 'h> {
    pub(crate) fn new(re: &'r regex::bytes::Regex, line: &'h [u8]) -> Self {
        let word = re.capture_names().any(|name| name == Some("w"));
        Matches {
            re,
            line,
            at: 0,
            word,
            last_end: None,
        }
    }
}

impl Iterator for Matches<'_, '_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        if !self.word {
            return loop {
                if self.at > self.line.len() {
                    return None;
                }
                let m = self.re.find_at(self.line, self.at)?;
                self.at = if m.is_empty() { m.end() + 1 } else { m.end() };
                // As `find_iter`: no empty match right where the last match ended.
                if m.is_empty() && self.last_end == Some(m.start()) {
                    continue;
                }
                self.last_end = (!m.is_empty()).then_some(m.end());
                break Some((m.start(), m.end()));
            };
        }
        // The byte before the next match may be the non-word character that bounds it: the
        // search starts there, and a match whose group starts before `at` is skipped.
        let mut from = self.at.saturating_sub(1);
        loop {
            if self.at > self.line.len() || from > self.line.len() {
                return None;
            }
            let caps = self.re.captures_at(self.line, from)?;
            let w = caps.name("w")?;
            if w.start() < self.at {
                from = w.start() + 1;
                continue;
            }
            self.at = if w.is_empty() { w.end() + 1 } else { w.end() };
            return Some((w.start(), w.end()));
        }
    }
}
