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

/// The patterns as one regex, each as `-F`, `-w` and `-x` ask.
fn one_regex(o: &Options) -> Result<String, String> {
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
    } else if o.word {
        format!(r"\b(?:{any})\b")
    } else {
        any
    })
}

/// The patterns as one regex: what `-o` prints and `--color` highlights.
pub(crate) fn highlighter(o: &Options) -> Result<regex::bytes::Regex, String> {
    regex::bytes::RegexBuilder::new(&one_regex(o)?)
        .case_insensitive(o.ignore_case)
        .multi_line(true)
        .build()
        .map_err(|e| e.to_string())
}

/// The stage that selects lines.
pub(crate) fn matcher(o: &Options) -> Result<Stage<GrepOp>, String> {
    let plain = o.fixed || o.patterns.iter().all(|p| is_plain(p));
    let mut stage = match o.patterns.as_slice() {
        // One fixed string: the buffer-wide literal search.
        [pattern] if plain && !o.word && !o.whole_line => grep(pattern),
        _ => try_grep_re(&one_regex(o)?).map_err(|e| e.to_string())?,
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
