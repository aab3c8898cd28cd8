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

/// The patterns as one regex: what `-o` prints and `--color` highlights.
pub(crate) fn highlighter(o: &Options) -> Result<regex::bytes::Regex, String> {
    let plain = o.fixed || o.patterns.iter().all(|p| is_plain(p));
    let mut alternatives = Vec::with_capacity(o.patterns.len());
    for p in &o.patterns {
        alternatives.push(if plain {
            fixed_pattern(p)
        } else {
            format!("(?:{})", std::str::from_utf8(p).map_err(|e| e.to_string())?)
        });
    }
    regex::bytes::RegexBuilder::new(&alternatives.join("|"))
        .case_insensitive(o.ignore_case)
        .build()
        .map_err(|e| e.to_string())
}

pub(crate) fn matcher(o: &Options) -> Result<Stage<GrepOp>, String> {
    let plain = o.fixed || o.patterns.iter().all(|p| is_plain(p));
    let mut stage = match o.patterns.as_slice() {
        // One fixed string: the buffer-wide literal search.
        [pattern] if plain => grep(pattern),
        patterns => {
            let mut alternatives = Vec::with_capacity(patterns.len());
            for p in patterns {
                alternatives.push(if plain {
                    // Bytes that are not UTF-8 are matched as themselves.
                    fixed_pattern(p)
                } else {
                    let p = std::str::from_utf8(p).map_err(|_| {
                        "a regex pattern must be valid UTF-8; give a byte string with -F"
                            .to_string()
                    })?;
                    format!("(?:{p})")
                });
            }
            try_grep_re(&alternatives.join("|")).map_err(|e| e.to_string())?
        }
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
