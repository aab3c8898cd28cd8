//! How selected lines are printed: file names, line numbers, matches, in grep's colours.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use genpipe::io::{Line, StopToken};

use crate::json::{JsonFile, Replacement};
use crate::patterns::Matches;

/// How selected lines are printed.
pub(crate) struct Printer<'a> {
    pub(crate) name: Option<&'a str>,
    pub(crate) number: bool,
    /// After the name and the number: `:` for a selected line, `-` for a context line.
    pub(crate) sep: u8,
    /// `-o`: only the matches, each on its own line.
    pub(crate) only_matching: bool,
    /// The patterns, for `-o` and colour; `None` when neither is asked for.
    pub(crate) highlight: Option<&'a regex::bytes::Regex>,
    pub(crate) color: bool,
    /// `-r`: what each match is printed as (`$1` and `$name` expanded from the groups of the
    /// regex, matched on the match's text).
    pub(crate) replace: Option<(&'a [u8], &'a regex::bytes::Regex)>,
    /// `-M`: a longer line is printed as a note that it was omitted.
    pub(crate) max_columns: Option<usize>,
    /// `--json`: each line as a message of rg's JSON Lines, for this input.
    pub(crate) json: Option<&'a JsonFile>,
}

// grep's default colours: file names magenta, line numbers green, separators cyan, matches
// bold red.

pub(crate) const NAME: &[u8] = b"\x1b[35m";

pub(crate) const NUMBER: &[u8] = b"\x1b[32m";

pub(crate) const SEPARATOR: &[u8] = b"\x1b[36m";

pub(crate) const MATCH: &[u8] = b"\x1b[1;31m";

pub(crate) const RESET: &[u8] = b"\x1b[0m";

impl Printer<'_> {
    pub(crate) fn prefix(&self, out: &mut impl Write, line_no: u64) -> std::io::Result<()> {
        let paint = |out: &mut dyn Write, code: &[u8], text: &[u8]| -> std::io::Result<()> {
            if self.color {
                out.write_all(code)?;
                out.write_all(text)?;
                out.write_all(RESET)?;
                out.write_all(SEPARATOR)?;
                out.write_all(&[self.sep])?;
                out.write_all(RESET)
            } else {
                out.write_all(text)?;
                out.write_all(&[self.sep])
            }
        };
        if let Some(name) = self.name {
            paint(out, NAME, name.as_bytes())?;
        }
        if self.number {
            paint(out, NUMBER, line_no.to_string().as_bytes())?;
        }
        Ok(())
    }

    /// Whether text of `len` bytes is too long to print (`-M`).
    fn too_long(&self, len: usize) -> bool {
        self.max_columns.is_some_and(|max| len > max)
    }

    /// A line too long to print, as ripgrep says it: with the number of its matches where they
    /// are being marked (colour, `-r`).
    fn omitted(&self, out: &mut impl Write, line: &Line) -> std::io::Result<()> {
        self.prefix(out, line.line_no())?;
        match self
            .highlight
            .filter(|_| self.color || self.replace.is_some())
        {
            _ if self.sep != b':' => out.write_all(b"[Omitted long context line]\n"),
            Some(re) => {
                let n = Matches::new(re, line.as_bytes()).count();
                writeln!(out, "[Omitted long line with {n} matches]")
            }
            None => out.write_all(b"[Omitted long matching line]\n"),
        }
    }

    /// `-r`'s replacement for the match `text`: `with`, its groups expanded from `text`.
    fn replacement(&self, text: &[u8]) -> Vec<u8> {
        let mut replaced = Vec::new();
        if let Some((with, groups)) = self.replace
            && let Some(caps) = groups.captures(text)
        {
            caps.expand(with, &mut replaced);
        }
        replaced
    }

    pub(crate) fn line(&self, out: &mut impl Write, line: &Line) -> std::io::Result<()> {
        if let Some(json) = self.json {
            let replace = |text: &[u8]| self.replacement(text);
            let replace = self.replace.map(|_| &replace as &Replacement<'_>);
            return json.line(out, line, self.sep != b':', self.highlight, replace);
        }
        let bytes = line.as_bytes();
        if let (Some(re), Some(_)) = (self.highlight, self.replace) {
            return self.replaced(out, line, re);
        }
        match self.highlight {
            // Every match, empty ones too (each an empty line), as ripgrep prints them.
            Some(re) if self.only_matching => {
                for (start, end) in Matches::new(re, bytes) {
                    self.prefix(out, line.line_no())?;
                    if self.too_long(end - start) {
                        out.write_all(b"[Omitted long matching line]\n")?;
                        continue;
                    }
                    self.paint_match(out, &bytes[start..end])?;
                    out.write_all(b"\n")?;
                }
                Ok(())
            }
            // -M counts the line end, as ripgrep does.
            _ if self.too_long(bytes.len() + 1) => self.omitted(out, line),
            Some(re) if self.color => {
                self.prefix(out, line.line_no())?;
                let mut at = 0;
                for (start, end) in Matches::new(re, bytes).filter(|(s, e)| s < e) {
                    out.write_all(&bytes[at..start])?;
                    self.paint_match(out, &bytes[start..end])?;
                    at = end;
                }
                out.write_all(&bytes[at..])?;
                out.write_all(b"\n")
            }
            _ => {
                self.prefix(out, line.line_no())?;
                out.write_all(bytes)?;
                out.write_all(b"\n")
            }
        }
    }

    /// The line with each match replaced by `with` expanded (or, with `-o`, each replacement
    /// on a line of its own), as ripgrep's `-r`.
    fn replaced(
        &self,
        out: &mut impl Write,
        line: &Line,
        re: &regex::bytes::Regex,
    ) -> std::io::Result<()> {
        let bytes = line.as_bytes();
        let expand = |start: usize, end: usize| self.replacement(&bytes[start..end]);
        if self.only_matching {
            for (start, end) in Matches::new(re, bytes) {
                let text = expand(start, end);
                self.prefix(out, line.line_no())?;
                if self.too_long(text.len()) {
                    out.write_all(b"[Omitted long matching line]\n")?;
                    continue;
                }
                self.paint_match(out, &text)?;
                out.write_all(b"\n")?;
            }
            return Ok(());
        }
        // The whole line replaced first: -M looks at what would be printed.
        let pieces: Vec<(usize, usize, Vec<u8>)> = Matches::new(re, bytes)
            .map(|(start, end)| (start, end, expand(start, end)))
            .collect();
        let len = pieces
            .iter()
            .fold(bytes.len(), |len, (s, e, text)| len - (e - s) + text.len());
        if self.too_long(len + 1) {
            return self.omitted(out, line);
        }
        self.prefix(out, line.line_no())?;
        let mut at = 0;
        for (start, end, replacement) in &pieces {
            out.write_all(&bytes[at..*start])?;
            self.paint_match(out, replacement)?;
            at = *end;
        }
        out.write_all(&bytes[at..])?;
        out.write_all(b"\n")
    }

    pub(crate) fn paint_match(&self, out: &mut impl Write, text: &[u8]) -> std::io::Result<()> {
        if self.color {
            out.write_all(MATCH)?;
            out.write_all(text)?;
            out.write_all(RESET)
        } else {
            out.write_all(text)
        }
    }
}

/// Stops `stops` as soon as standard output's reader has gone (`--tail | head -1`), and says
/// so in the flag returned. A pipe whose reader closed reports an error condition to epoll with
/// no event asked for, so the watcher thread sleeps in the poller and costs nothing meanwhile.
/// Output to a file or a terminal cannot close that way: no watcher then.
pub(crate) fn stop_when_output_closes(stops: Vec<StopToken>) -> Arc<AtomicBool> {
    use std::os::fd::AsFd;
    let closed = Arc::new(AtomicBool::new(false));
    let Ok(poller) = polling::Poller::new() else {
        return closed;
    };
    let Ok(stdout) = std::io::stdout().as_fd().try_clone_to_owned() else {
        return closed;
    };
    let stdout = std::fs::File::from(stdout);
    if !stdout
        .metadata()
        .is_ok_and(|m| std::os::unix::fs::FileTypeExt::is_fifo(&m.file_type()))
    {
        return closed;
    }
    // SAFETY: `stdout` is a duplicate of the descriptor owned by this function, moved into the
    // watcher with the poller and deleted from it before either is dropped; no other thread or
    // caller holds it, so none can close it while it is registered.
    if unsafe { poller.add(&stdout, polling::Event::none(0)) }.is_err() {
        return closed;
    }
    let flag = Arc::clone(&closed);
    std::thread::spawn(move || {
        let mut events = polling::Events::new();
        // No interest was registered: the only event is the error of a closed pipe (or of
        // the descriptor going bad), whichever the reader's exit causes.
        while events.is_empty() {
            if poller.wait(&mut events, None).is_err() {
                break;
            }
        }
        let _ = poller.delete(&stdout);
        if !events.is_empty() {
            flag.store(true, Ordering::Relaxed);
            for stop in &stops {
                stop.stop();
            }
        }
    });
    closed
}
