//! One input's search: its selected lines (with context) and its summary written out.

use std::cell::Cell;
use std::io::Write;
use std::sync::atomic::Ordering;

use genpipe::Pull;
use genpipe::io::DEFAULT_MAX_LINE_BYTES;
use genpipe::io::{ContextLine, FileReader, GrepOp, Line, Lines, binary_offset, context_lines};
use genpipe::par::par_grep_file;
use genpipe::prelude::*;

use crate::flags::Options;
use crate::inputs::{Input, Source, open_input, sniff_stdin, with_causes};
use crate::json::{JsonFile, JsonStats};
use crate::output::{Printer, stop_when_output_closes};
use crate::patterns::Matches;

/// Why output stopped: the reader went away (a closed pipe), or writing failed.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Stopped {
    #[default]
    No,
    PipeClosed,
    WriteFailed,
}

impl Stopped {
    /// Why a write failed: the reader left, or something else.
    pub(crate) fn by(e: &std::io::Error) -> Stopped {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Stopped::PipeClosed
        } else {
            Stopped::WriteFailed
        }
    }
}

/// What every input's search shares, read-only: parallel searches share one.
pub(crate) struct Search {
    pub(crate) stage: Stage<GrepOp>,
    /// The patterns, for `-o` and colour.
    pub(crate) highlight: Option<regex::bytes::Regex>,
    /// The patterns, for context lines.
    pub(crate) context_re: Option<regex::bytes::Regex>,
    /// The patterns, for `--count-matches`.
    pub(crate) count_re: Option<regex::bytes::Regex>,
    /// The patterns without `-w` and `-x`, for `-r`'s groups.
    pub(crate) replacer: Option<regex::bytes::Regex>,
    pub(crate) color: bool,
    pub(crate) prefix_names: bool,
    /// Selected lines per input at most (-m; 1 for -l and -L).
    pub(crate) limit: usize,
    pub(crate) listing: bool,
    /// Workers to search one large file on, cut in parts (1: none; the inputs are then searched
    /// on the workers instead, one each).
    pub(crate) split: usize,
}

/// The smallest file a count or a file list cuts in parts for its workers: below it a part
/// costs more to start than it saves.
const SPLIT_MIN_BYTES: u64 = 16 << 20;

/// A count (or a file list) of what `matcher` selects in the large plain file `path`, its parts
/// on `workers` workers: each counts its part (up to `limit`), the counts are added up. The
/// lines read, and the first part's error if one failed. `None` where the file is not worth
/// cutting.
fn count_in_parts(
    o: &Options,
    path: &std::path::Path,
    matcher: &genpipe::io::Matcher,
    workers: usize,
    limit: u64,
) -> Option<(u64, u64, genpipe::Result<()>)> {
    let size = std::fs::metadata(path).ok()?.len();
    if workers < 2 || size < SPLIT_MIN_BYTES || o.mmap || o.eager {
        return None;
    }
    let parts = genpipe::io::lines_split(path, workers);
    if parts.len() < 2 {
        return None;
    }
    let (matcher, numbered) = (matcher.clone(), crate::inputs::numbered(o));
    let counted = pipe(parts)
        | par_map(move |part: Gen<Lines<FileReader>>| {
            let part = if numbered { part } else { part.unnumbered() };
            let (part, read) = part.lines_read();
            // The part is dropped at the end of the block: then `read` holds its lines.
            let (n, outcome) = {
                let mut part = std::pin::pin!(part);
                let n = part.as_mut().count_matching(&matcher, limit);
                (n, part.as_mut().take_return().unwrap_or(Ok(())))
            };
            (n, read.load(Ordering::Relaxed), outcome)
        })
        .batch(1)
        .workers(workers);
    let (mut n, mut lines, mut outcome) = (0u64, 0u64, Ok(()));
    for (count, read, part_outcome) in counted {
        n += count;
        lines += read;
        if outcome.is_ok() {
            outcome = part_outcome;
        }
    }
    Some((n.min(limit), lines, outcome))
}

/// One input's search: its output went to the writer it was given; this is the rest.
#[derive(Default)]
pub(crate) struct Searched {
    /// A binary file found in a walk: not searched, not counted.
    pub(crate) skipped: bool,
    /// The file's size, when it is a file.
    pub(crate) read_bytes: Option<u64>,
    pub(crate) selected: u64,
    pub(crate) lines: u64,
    /// The error that ended the input, with its causes (it has no count line).
    pub(crate) error: Option<String>,
    pub(crate) stopped: Stopped,
    pub(crate) write_error: Option<std::io::Error>,
    /// It printed a group of context lines (the next input's first is set apart by `--`).
    pub(crate) printed_context: bool,
    /// `--json`: what its `end` message reported.
    pub(crate) json: Option<JsonStats>,
}

/// Searches `input`, writing its lines and its summary (count, name, binary notice) to `out`.
///
/// With context lines, `separate` puts `--` before the input's first group (an earlier input
/// printed one).
pub(crate) fn search_input(
    o: &Options,
    input: &Input,
    search: &Search,
    out: &mut impl Write,
    separate: bool,
) -> Searched {
    let Search {
        stage,
        highlight,
        context_re,
        count_re,
        replacer,
        color,
        prefix_names,
        limit,
        listing,
        split,
    } = search;
    let (color, prefix_names, limit, listing) = (*color, *prefix_names, *limit, *listing);
    let highlight = highlight.as_ref();
    let context_re = context_re.as_ref();
    let stopped = Cell::new(Stopped::No);
    let mut write_error: Option<std::io::Error> = None;
    let mut searched = Searched {
        read_bytes: input
            .path()
            .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)),
        ..Searched::default()
    };
    let name = match input.path() {
        Some(p) => p.display().to_string(),
        None => "(standard input)".to_string(),
    };
    // Binary files (a NUL in the first block), as ripgrep treats them: skipped when found
    // in a walk; searched when named, with one "binary file matches" line instead of lines.
    let (stdin, binary) = match input {
        Input::Stdin => {
            let (reader, binary) = sniff_stdin();
            (Some(reader), binary)
        }
        _ => (
            None,
            input.path().filter(|_| !o.follow).and_then(binary_offset),
        ),
    };
    if binary.is_some() && matches!(input, Input::Found(_)) {
        searched.skipped = true;
        return searched;
    }
    let counting = o.count || o.count_matches;
    // --json prints lines, a named binary file's too (as rg), with its own messages around
    // them (it excludes the per-file modes, as one output mode of them).
    let json = o.json.then(|| JsonFile::new(input.path()));
    // A named binary file prints one notice instead of its lines.
    let notice_only = binary.is_some() && json.is_none();
    let printer = Printer {
        name: prefix_names.then_some(name.as_str()),
        number: o.line_number,
        sep: b':',
        // `-o -v`: no part of a selected line matched: the whole line (ripgrep).
        only_matching: o.only_matching && !o.invert,
        highlight,
        color,
        replace: o.replace.as_deref().zip(replacer.as_ref()),
        max_columns: o.max_columns,
        json: json.as_ref(),
    };
    let mut n = 0u64;
    // --count-matches: the matches in the selected lines (without a regex, with -v: the lines).
    let mut matches = 0u64;
    let mut print = |line: Line| {
        n += 1;
        matches += count_re
            .as_ref()
            .map_or(1, |re| Matches::new(re, line.as_bytes()).count() as u64);
        if counting || listing || notice_only {
            return;
        }
        let mut written = printer.line(out, &line);
        if o.follow && written.is_ok() {
            // Each line as it is written, as `tail -f | grep --line-buffered` does.
            written = out.flush();
        }
        if let Err(e) = written {
            stopped.set(Stopped::by(&e));
            write_error.get_or_insert(e);
        }
    };
    let (source, read, stop) = open_input(o, input, binary.is_some(), stdin);
    // An idle follow writes nothing, so it would learn of a closed pipe only at its next
    // line: the watcher ends it as soon as the reader goes.
    let output_closed = stop.map(|stop| stop_when_output_closes(vec![stop]));
    // A binary file needs only to know whether a line matches (unless counting): its
    // search stops at the first match, or at a "line" over 1 MiB.
    let limit = if notice_only && !counting { 1 } else { limit };
    // `take` for -m, -l, -L and binary files; `take_while` ends the pipeline (and the
    // reading) at once when output has stopped.
    let selected = stage
        .clone()
        .take(limit)
        .take_while(|_| stopped.get() == Stopped::No);
    // A count or a file list of what a plain search selects: no line is printed or looked at.
    let mut split_lines = None;
    let count_only = ((counting && !o.count_matches) || listing)
        && binary.is_none()
        && !stage.op().is_inverted()
        && context_re.is_none();
    // A large file's lines printed: its parts searched on the workers, printed in order.
    let print_in_parts = input
        .path()
        .filter(|_| {
            matches!(input, Input::File(_))
                && *split > 1
                && !counting
                && !listing
                && binary.is_none()
                && json.is_none()
                && !o.follow
                && !o.mmap
                && !o.eager
        })
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() >= SPLIT_MIN_BYTES))
        .filter(|p| !genpipe::io::is_compressed(p));
    let outcome = if let Some(path) = print_in_parts {
        let (before, after) = if context_re.is_some() {
            (o.before, o.after)
        } else {
            (0, 0)
        };
        let mut parts = par_grep_file(path, stage.clone())
            .workers(*split)
            .context(before, after)
            .max_selected(limit)
            .keep_cr()
            .max_line_bytes(o.max_line_bytes.unwrap_or(DEFAULT_MAX_LINE_BYTES));
        if !crate::inputs::numbered(o) {
            parts = parts.unnumbered();
        }
        let (parts, read) = parts.lines_read();
        let how = ContextPrint {
            printer: &printer,
            re: context_re,
            invert: o.invert,
            limit,
            separators: context_re.is_some(),
            separate_first: separate,
        };
        let (outcome, selected, printed) =
            print_shown(parts, &how, out, &stopped, &mut write_error);
        n = selected;
        searched.printed_context = printed;
        split_lines = Some(read.load(Ordering::Relaxed));
        outcome
    } else if let (false, Some(re)) = (notice_only, context_re) {
        let (outcome, selected, printed) = with_context(
            o,
            source,
            stage.op(),
            re,
            &printer,
            out,
            &stopped,
            limit,
            &mut write_error,
            separate,
        );
        n = selected;
        searched.printed_context = printed;
        outcome
    } else if let Some((counted, lines, outcome)) = input
        .path()
        .filter(|_| count_only && matches!(input, Input::File(_)))
        .and_then(|p| count_in_parts(o, p, stage.op().matcher(), *split, limit as u64))
    {
        // One large file on every core (ripgrep searches a file on one thread).
        n = counted;
        split_lines = Some(lines);
        outcome
    } else if count_only {
        // Counted in the source's buffer, without a `Line` made per match (the atomic
        // reference-count updates of those were most of `-c -i get`'s time over ripgrep's).
        let mut source = std::pin::pin!(source);
        n = source
            .as_mut()
            .count_matching(stage.op().matcher(), limit as u64);
        source.as_mut().take_return().unwrap_or(Ok(()))
    } else if let Some(json) = &json {
        source.inspect(|line| json.looked_at(line)) | selected | for_each(&mut print)
    } else {
        source | selected | for_each(&mut print)
    };
    if output_closed.is_some_and(|closed| closed.load(Ordering::Relaxed)) {
        stopped.set(Stopped::PipeClosed);
    }
    searched.lines = split_lines.unwrap_or_else(|| read.load(Ordering::Relaxed));
    searched.stopped = stopped.get();
    searched.write_error = write_error;
    if let Err(e) = outcome {
        // A file that could not be read has no count to print.
        searched.error = Some(with_causes(&e));
        return searched;
    }
    let n = if o.count_matches { matches } else { n };
    searched.selected = n;
    if let Some(json) = &json {
        let (stats, written) = json.end(out, n, json.bytes_searched(n >= limit as u64), binary);
        searched.json = Some(stats);
        if let Err(e) = written
            && searched.stopped == Stopped::No
        {
            searched.stopped = Stopped::by(&e);
            searched.write_error = Some(e);
        }
        return searched;
    }
    let listed = match (o.files_with_matches, o.files_without_match) {
        (true, _) => n > 0,
        (_, true) => n == 0,
        _ => false,
    };
    let summary = if listed {
        writeln!(out, "{name}")
    } else if let (Some(offset), true, false) = (binary, n > 0, counting || listing) {
        // Named only where lines would be (as ripgrep).
        let named = if prefix_names {
            format!("{name}: ")
        } else {
            String::new()
        };
        writeln!(
            out,
            "{named}binary file matches (found \"\\0\" byte around offset {offset})"
        )
    } else if counting && !o.total && !listing && n > 0 {
        // A file without a selected line gets no count line, as in ripgrep (grep prints 0).
        if prefix_names {
            writeln!(out, "{name}:{n}")
        } else {
            writeln!(out, "{n}")
        }
    } else {
        Ok(())
    };
    if let Err(e) = summary
        && searched.stopped == Stopped::No
    {
        searched.stopped = Stopped::by(&e);
        searched.write_error = Some(e);
    }
    searched
}

/// How the lines of a search with context are printed.
pub(crate) struct ContextPrint<'a, 'p> {
    pub(crate) printer: &'a Printer<'p>,
    /// The patterns, to tell a line past -m in an after-context that matches (printed as a
    /// match, as ripgrep does, though not counted).
    pub(crate) re: Option<&'a regex::bytes::Regex>,
    pub(crate) invert: bool,
    /// Selected lines at most (-m).
    pub(crate) limit: usize,
    /// `--` between groups apart (none without context lines, none in JSON).
    pub(crate) separators: bool,
    /// A group before the first: `--` before it too (an earlier input printed one).
    pub(crate) separate_first: bool,
}

/// Prints `items` (selected lines, lines around them, gaps) as grep prints them. Returns the
/// source's outcome, the number of selected lines and whether a group was printed.
pub(crate) fn print_shown<S>(
    items: Gen<S>,
    how: &ContextPrint<'_, '_>,
    out: &mut impl Write,
    stopped: &Cell<Stopped>,
    write_error: &mut Option<std::io::Error>,
) -> (genpipe::Result<()>, u64, bool)
where
    S: Pull<Item = ContextLine, Return = genpipe::Result<()>>,
{
    let printer = how.printer;
    // Context lines are printed whole, with -o too (ripgrep).
    let context = Printer {
        sep: b'-',
        only_matching: false,
        ..*printer
    };
    let mut selected = 0usize;
    let mut shown_any = false;
    let mut note = |result: std::io::Result<()>| {
        if let Err(e) = result {
            stopped.set(Stopped::by(&e));
            write_error.get_or_insert(e);
        }
    };
    let separator: &[u8] = match (how.separators, printer.color) {
        (false, _) => b"",
        (true, true) => b"\x1b[36m--\x1b[0m\n",
        (true, false) => b"--\n",
    };
    let matches = |line: &Line| {
        how.re
            .is_some_and(|re| re.is_match(line.as_bytes()) != how.invert)
    };
    let mut show = |item: &ContextLine| {
        // A file's first group is set apart from the last file's (ripgrep).
        if !shown_any && how.separate_first {
            note(out.write_all(separator));
        }
        shown_any = true;
        match item {
            ContextLine::Gap => note(out.write_all(separator)),
            ContextLine::Selected(line) => {
                selected += 1;
                note(printer.line(out, line));
            }
            ContextLine::Context(line) if selected >= how.limit && matches(line) => {
                note(printer.line(out, line));
            }
            ContextLine::Context(line) => note(context.line(out, line)),
        }
        stopped.get() == Stopped::No
    };
    let outcome = items | take_while(|item: &ContextLine| show(item)) | for_each(drop);
    (outcome, selected as u64, shown_any && how.separators)
}

/// The lines of `source` that `grep` selects with `o.before` lines before and `o.after` after
/// each, groups that are not adjacent separated by `--`, as grep prints them; at most `limit`
/// selected lines (`re`: the patterns, for a match past the limit).
/// Returns the source's outcome, the number of selected lines and whether a group was printed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn with_context(
    o: &Options,
    source: Source,
    grep: &GrepOp,
    re: &regex::bytes::Regex,
    printer: &Printer<'_>,
    out: &mut impl Write,
    stopped: &Cell<Stopped>,
    limit: usize,
    write_error: &mut Option<std::io::Error>,
    separate_first: bool,
) -> (genpipe::Result<()>, u64, bool) {
    // The stage's own test: for a literal a prebuilt substring search, cheaper per line than a
    // regex's (a context search asks every line).
    let (matcher, invert) = (grep.matcher(), grep.is_inverted());
    let selects = |line: &Line| matcher.is_match(line.as_bytes()) != invert;
    let items = source.inspect(|line| {
        if let Some(json) = printer.json {
            json.looked_at(line);
        }
    }) | context_lines(o.before, o.after, selects).max_selected(limit);
    let how = ContextPrint {
        printer,
        re: Some(re),
        invert: o.invert,
        limit,
        // JSON messages have no separators.
        separators: printer.json.is_none(),
        separate_first,
    };
    print_shown(items, &how, out, stopped, write_error)
}
