//! `--json`: ripgrep's JSON Lines messages (`begin`, `match`, `context`, `end`, `summary`),
//! byte for byte in the shapes rg 15 prints. Written by hand: five fixed shapes, a string escape
//! and base64 are less than a serializer would bring in.

use std::cell::Cell;
use std::io::Write;
use std::time::{Duration, Instant};

use genpipe::io::Line;

use crate::patterns::Matches;

/// What `-r` prints a match's text as.
pub(crate) type Replacement<'a> = dyn Fn(&[u8]) -> Vec<u8> + 'a;

/// One input's JSON state: its path as JSON, and what its `end` message reports.
pub(crate) struct JsonFile {
    /// `{"text":...}` or `{"bytes":...}`.
    path: Vec<u8>,
    started: Instant,
    begun: Cell<bool>,
    printed: Cell<u64>,
    matches: Cell<u64>,
    /// The end of the last line the search looked at.
    searched_to: Cell<u64>,
    /// The end of the last selected line (what a search stopped by `-m` searched, for rg).
    selected_to: Cell<u64>,
}

/// What `end` and `summary` messages report.
#[derive(Clone, Copy, Default)]
pub(crate) struct JsonStats {
    pub(crate) elapsed: Duration,
    pub(crate) searches: u64,
    pub(crate) searches_with_match: u64,
    pub(crate) bytes_searched: u64,
    pub(crate) bytes_printed: u64,
    pub(crate) matched_lines: u64,
    pub(crate) matches: u64,
}

impl JsonStats {
    pub(crate) fn add(&mut self, other: &JsonStats) {
        self.elapsed += other.elapsed;
        self.searches += other.searches;
        self.searches_with_match += other.searches_with_match;
        self.bytes_searched += other.bytes_searched;
        self.bytes_printed += other.bytes_printed;
        self.matched_lines += other.matched_lines;
        self.matches += other.matches;
    }

    /// The run's last message. rg writes it from a JSON map, so its keys come sorted.
    pub(crate) fn summary(&self, elapsed_total: Duration) -> Vec<u8> {
        let mut m = b"{\"data\":{\"elapsed_total\":".to_vec();
        sorted_elapsed(&mut m, elapsed_total);
        let _ = write!(m, ",\"stats\":{{\"bytes_printed\":{},", self.bytes_printed);
        let _ = write!(m, "\"bytes_searched\":{},\"elapsed\":", self.bytes_searched);
        sorted_elapsed(&mut m, self.elapsed);
        let _ = write!(
            m,
            ",\"matched_lines\":{},\"matches\":{},\"searches\":{},\"searches_with_match\":{}}}}},\
             \"type\":\"summary\"}}",
            self.matched_lines, self.matches, self.searches, self.searches_with_match
        );
        m.push(b'\n');
        m
    }
}

/// `{"secs":..,"nanos":..,"human":".."}`, as rg's `end` message orders them.
fn elapsed(m: &mut Vec<u8>, d: Duration) {
    let _ = write!(
        m,
        "{{\"secs\":{},\"nanos\":{},\"human\":\"{:.6}s\"}}",
        d.as_secs(),
        d.subsec_nanos(),
        d.as_secs_f64()
    );
}

/// The same, its keys sorted, as rg's `summary` has them.
fn sorted_elapsed(m: &mut Vec<u8>, d: Duration) {
    let _ = write!(
        m,
        "{{\"human\":\"{:.6}s\",\"nanos\":{},\"secs\":{}}}",
        d.as_secs_f64(),
        d.subsec_nanos(),
        d.as_secs()
    );
}

impl JsonFile {
    /// The state for one input named `path` (standard input: `<stdin>`).
    pub(crate) fn new(path: Option<&std::path::Path>) -> JsonFile {
        let mut json = Vec::new();
        match path {
            Some(p) => text_or_bytes(&mut json, p.as_os_str().as_encoded_bytes()),
            None => text_or_bytes(&mut json, b"<stdin>"),
        }
        JsonFile {
            path: json,
            started: Instant::now(),
            begun: Cell::new(false),
            printed: Cell::new(0),
            matches: Cell::new(0),
            searched_to: Cell::new(0),
            selected_to: Cell::new(0),
        }
    }

    /// Notes that the search looked at `line`.
    pub(crate) fn looked_at(&self, line: &Line) {
        self.searched_to.set(end_of(line));
    }

    /// The bytes searched, as rg counts them: to the last selected line when `-m` stopped the
    /// search (`stopped_early`), else to the last line looked at.
    pub(crate) fn bytes_searched(&self, stopped_early: bool) -> u64 {
        if stopped_early {
            self.selected_to.get()
        } else {
            self.searched_to.get()
        }
    }

    /// A `match` (or `context`) message for `line`, after a `begin` message if it is the first.
    /// `matches` are the patterns (none with `-v`: a selected line holds no match); `replace`,
    /// `-r`'s replacement of each.
    pub(crate) fn line(
        &self,
        out: &mut impl Write,
        line: &Line,
        context: bool,
        matches: Option<&regex::bytes::Regex>,
        replace: Option<&Replacement<'_>>,
    ) -> std::io::Result<()> {
        let mut m = Vec::with_capacity(2 * line.len() + 160);
        if !self.begun.replace(true) {
            m.extend_from_slice(b"{\"type\":\"begin\",\"data\":{\"path\":");
            m.extend_from_slice(&self.path);
            m.extend_from_slice(b"}}\n");
        }
        let kind: &[u8] = if context { b"context" } else { b"match" };
        m.extend_from_slice(b"{\"type\":\"");
        m.extend_from_slice(kind);
        m.extend_from_slice(b"\",\"data\":{\"path\":");
        m.extend_from_slice(&self.path);
        m.extend_from_slice(b",\"lines\":");
        let bytes = line.as_bytes();
        if line.has_newline() {
            let mut text = Vec::with_capacity(bytes.len() + 1);
            text.extend_from_slice(bytes);
            text.push(b'\n');
            text_or_bytes(&mut m, &text);
        } else {
            text_or_bytes(&mut m, bytes);
        }
        let _ = write!(
            m,
            ",\"line_number\":{},\"absolute_offset\":{},\"submatches\":[",
            line.line_no(),
            line.offset()
        );
        if let Some(re) = matches.filter(|_| !context) {
            for (i, (start, end)) in Matches::new(re, bytes).enumerate() {
                if i > 0 {
                    m.push(b',');
                }
                m.extend_from_slice(b"{\"match\":");
                text_or_bytes(&mut m, &bytes[start..end]);
                if let Some(replace) = replace {
                    m.extend_from_slice(b",\"replacement\":");
                    text_or_bytes(&mut m, &replace(&bytes[start..end]));
                }
                let _ = write!(m, ",\"start\":{start},\"end\":{end}}}");
                self.matches.set(self.matches.get() + 1);
            }
        }
        m.extend_from_slice(b"]}}\n");
        if !context {
            self.selected_to.set(end_of(line));
        }
        self.printed.set(self.printed.get() + m.len() as u64);
        out.write_all(&m)
    }

    /// The input's `end` message (none if it printed nothing, as rg) and its figures for the
    /// summary: `matched_lines` selected, `bytes_searched` looked at, `binary_offset` where a
    /// NUL byte was found.
    pub(crate) fn end(
        &self,
        out: &mut impl Write,
        matched_lines: u64,
        bytes_searched: u64,
        binary_offset: Option<u64>,
    ) -> (JsonStats, std::io::Result<()>) {
        let stats = JsonStats {
            elapsed: self.started.elapsed(),
            searches: 1,
            searches_with_match: u64::from(matched_lines > 0),
            bytes_searched,
            bytes_printed: self.printed.get(),
            matched_lines,
            matches: self.matches.get(),
        };
        if !self.begun.get() {
            return (stats, Ok(()));
        }
        let mut m = b"{\"type\":\"end\",\"data\":{\"path\":".to_vec();
        m.extend_from_slice(&self.path);
        match binary_offset {
            Some(at) => {
                let _ = write!(m, ",\"binary_offset\":{at}");
            }
            None => m.extend_from_slice(b",\"binary_offset\":null"),
        }
        m.extend_from_slice(b",\"stats\":{\"elapsed\":");
        elapsed(&mut m, stats.elapsed);
        let _ = writeln!(
            m,
            ",\"searches\":1,\"searches_with_match\":{},\"bytes_searched\":{},\
             \"bytes_printed\":{},\"matched_lines\":{},\"matches\":{}}}}}}}",
            stats.searches_with_match,
            stats.bytes_searched,
            stats.bytes_printed,
            stats.matched_lines,
            stats.matches
        );
        (stats, out.write_all(&m))
    }
}

/// Where the line after `line` starts.
fn end_of(line: &Line) -> u64 {
    line.offset() + line.len() as u64 + u64::from(line.has_newline())
}

/// `{"text":"..."}` for UTF-8, else `{"bytes":"<base64>"}`, as rg writes paths and lines.
pub(crate) fn text_or_bytes(m: &mut Vec<u8>, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            m.extend_from_slice(b"{\"text\":");
            string(m, text);
            m.push(b'}');
        }
        Err(_) => {
            m.extend_from_slice(b"{\"bytes\":\"");
            base64(m, bytes);
            m.extend_from_slice(b"\"}");
        }
    }
}

/// A JSON string, escaped as serde_json escapes it (rg's writer): `"`, `\`, the short forms of
/// control characters and `\u00XX` for the others; everything else as it is.
fn string(m: &mut Vec<u8>, text: &str) {
    m.push(b'"');
    for &b in text.as_bytes() {
        match b {
            b'"' => m.extend_from_slice(b"\\\""),
            b'\\' => m.extend_from_slice(b"\\\\"),
            b'\n' => m.extend_from_slice(b"\\n"),
            b'\r' => m.extend_from_slice(b"\\r"),
            b'\t' => m.extend_from_slice(b"\\t"),
            0x08 => m.extend_from_slice(b"\\b"),
            0x0c => m.extend_from_slice(b"\\f"),
            0..0x20 => {
                let _ = write!(m, "\\u{b:04x}");
            }
            _ => m.push(b),
        }
    }
    m.push(b'"');
}

/// Standard base64 with padding (RFC 4648), as rg encodes bytes that are not UTF-8.
fn base64(m: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                m.push(DIGITS[(n >> (18 - 6 * i) & 63) as usize]);
            } else {
                m.push(b'=');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(bytes: &[u8]) -> String {
        let mut m = Vec::new();
        text_or_bytes(&mut m, bytes);
        String::from_utf8(m).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        assert_eq!(
            encoded(b"a\tb\"\\ \x01 \x7f\r\n"),
            "{\"text\":\"a\\tb\\\"\\\\ \\u0001 \x7f\\r\\n\"}"
        );
        assert_eq!(encoded(b"\x08\x0c\x1f"), r#"{"text":"\b\f\u001f"}"#);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_base64() {
        assert_eq!(encoded(b"x\xffy foo\n"), r#"{"bytes":"eP95IGZvbwo="}"#);
        assert_eq!(encoded(b"\xff"), r#"{"bytes":"/w=="}"#);
        assert_eq!(encoded(b"\xff\xfe"), r#"{"bytes":"//4="}"#);
    }
}
