//! `par_grep_file`: one large file searched on every core, its selected lines (and the lines
//! around them) handed on in file order and numbered as in the whole file: what `grep` over
//! `lines(path)` gives, sooner. ripgrep searches one file on one thread (its author declined
//! more: ripgrep #1264); a log of gigabytes is often the one file there is.
//!
//! The file is cut at line ends into parts of about [`DEFAULT_PART_BYTES`], searched by
//! `par_map` workers inside a bounded window, and joined in order here. What crosses a cut is
//! settled by position: a part reads up to `before` lines ahead of its start (shown only before
//! its own first selected lines) and up to `after` lines past its end (shown only as the
//! after-context of its last ones, up to the next part's first selected line); the join shows
//! each line once (by offset) and puts the gaps between groups (by number).

use core::pin::Pin;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::pool::par_map;
use crate::consume::Sink;
use crate::engine::Pull;
use crate::error::{Error, Result};
use crate::io::{
    Chunk, ContextLine, DEFAULT_MAX_LINE_BYTES, FileReader, GrepOp, Line, Lines, Storage,
    context_lines, line_start_before, lines, lines_in_range, part_starts,
};
use crate::pipe::sinks::for_each;
use crate::pipe::stage::Stage;
use crate::produce::pipe;
use crate::produce::{BoxGen, Gen};

/// The size of the parts [`par_grep_file`] cuts a file in, unless told
/// ([`part_bytes`](Gen::part_bytes)): large enough that a part's start costs nothing beside its
/// search, small enough that the parts in flight (two per worker) hold little memory.
pub const DEFAULT_PART_BYTES: u64 = 8 << 20;

/// How a file is searched in parts, shared by the workers.
#[derive(Clone)]
struct Plan {
    path: Arc<Path>,
    grep: Stage<GrepOp>,
    before: usize,
    after: usize,
    max_selected: usize,
    keep_cr: bool,
    numbered: bool,
    max_line_bytes: usize,
    workers: usize,
    part_bytes: u64,
}

/// One part of the file: its own lines are those starting in `start..end`.
#[derive(Clone, Copy)]
struct Part {
    start: u64,
    end: u64,
    size: u64,
    /// The whole file, read as `lines(path)` reads it (compressed, or not a regular file).
    whole: bool,
}

/// What one part's search shows, and the lines it read.
struct PartFound {
    part: Part,
    /// Lines read before the part's start (for the before-context of its first lines).
    lead_lines: u64,
    /// The part's own lines read (all of them, unless `max_selected` stopped it).
    own_lines: u64,
    /// It selected `max_selected` lines: the lines to show end in its own (or its trail), and
    /// later parts, whose numbers would count from its `own_lines`, are not needed.
    reached_max: bool,
    shown: Vec<ContextLine>,
    outcome: Result<()>,
}

impl Plan {
    fn configured(&self, source: Gen<Lines<FileReader>>) -> Gen<Lines<FileReader>> {
        let mut source = source.max_line_bytes(self.max_line_bytes);
        if self.keep_cr {
            source = source.keep_cr();
        }
        // Lines shown around others need numbers: gaps are found by them.
        if !self.numbered && self.before == 0 && self.after == 0 {
            source = source.unnumbered();
        }
        source
    }

    /// The parts of the file, or one for the whole file where it cannot be cut.
    fn parts(&self) -> Vec<Part> {
        let size = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        let wanted = usize::try_from(size.div_ceil(self.part_bytes.max(1)))
            .unwrap_or(usize::MAX)
            .max(self.workers);
        match part_starts(&self.path, wanted) {
            Some((starts, size)) => {
                let ends = starts.iter().skip(1).copied().chain([size]);
                starts
                    .iter()
                    .zip(ends)
                    .map(|(&start, end)| Part {
                        start,
                        end,
                        size,
                        whole: false,
                    })
                    .collect()
            }
            None => vec![Part {
                start: 0,
                end: u64::MAX,
                size: u64::MAX,
                whole: true,
            }],
        }
    }

    fn search(&self, part: Part) -> PartFound {
        let own = if part.whole {
            self.configured(lines(&self.path))
        } else {
            self.configured(lines_in_range(&self.path, part.start, part.end))
        };
        let mut found = PartFound {
            part,
            lead_lines: 0,
            own_lines: 0,
            reached_max: false,
            shown: Vec::new(),
            outcome: Ok(()),
        };
        if self.before == 0 && self.after == 0 {
            // No context: the grep searches the read buffer, not line by line.
            let (own, read) = own.lines_read();
            let mut copied = Copied::default();
            let mut n = 0;
            found.outcome = own
                | self.grep.clone().take(self.max_selected)
                | for_each(|line: Line| {
                    n += 1;
                    copied.push(ContextLine::Selected(line));
                });
            found.own_lines = read.load(Ordering::Relaxed);
            found.reached_max = n >= self.max_selected;
            found.shown = copied.into_shown();
            return found;
        }
        let (matcher, invert) = (self.grep.op().matcher(), self.grep.op().is_inverted());
        let selects = |line: &Line| matcher.is_match(line.as_bytes()) != invert;
        let own_range = part.start..part.end;
        // The lines selected so far (the stage asks only below its limit).
        let selected = core::cell::Cell::new(0usize);
        let mut copied = Copied::default();
        let mut shown = context_lines(self.before, self.after, |line: &Line| {
            let chosen = own_range.contains(&line.offset()) && selects(line);
            selected.set(selected.get() + usize::from(chosen));
            chosen
        })
        .max_selected(self.max_selected)
            | for_each(|item: ContextLine| copied.push(item));
        if self.before > 0 && part.start > 0 {
            match line_start_before(&self.path, part.start, self.before) {
                Ok(lead_start) => {
                    let lead = self.configured(lines_in_range(&self.path, lead_start, part.start));
                    (found.lead_lines, found.outcome) = feed(lead, &mut shown, |_| true);
                }
                Err(source) => {
                    found.outcome = Err(Error::Io {
                        path: Some(self.path.to_path_buf()),
                        source: source.into(),
                    });
                }
            }
        }
        if found.outcome.is_ok() && !shown.is_done() {
            (found.own_lines, found.outcome) = feed(own, &mut shown, |_| true);
        }
        if found.outcome.is_ok() && !shown.is_done() && part.end < part.size {
            // Past the end, only the after-context of the part's last selected lines, up to
            // the next part's first selected line (which that part shows, with its own); past
            // the limit of selected lines, that line is context here.
            let trail = lines_in_range(&self.path, part.end, part.size).buffer_bytes(16 << 10);
            let mut left = self.after;
            let (_, outcome) = feed(self.configured(trail), &mut shown, |line| {
                if left == 0 || (selected.get() < self.max_selected && selects(line)) {
                    return false;
                }
                left -= 1;
                true
            });
            found.outcome = outcome;
        }
        shown.close();
        found.shown = copied.into_shown();
        found.reached_max = selected.get() >= self.max_selected;
        found
    }
}

/// A part's shown lines, copied out of the read buffers as they come: holding the lines would
/// keep every buffer of the part and make its source fault in fresh memory for each read (100x
/// the page faults; the parallel run was slower than one worker's). All go to one buffer (an
/// allocation per part, not per line: frees across threads contend for the allocator's lock),
/// whose runs of adjacent lines keep their places in the file.
#[derive(Default)]
struct Copied {
    bytes: Vec<u8>,
    /// Where each run of adjacent lines starts in `bytes` and in the file.
    runs: Vec<(usize, u64)>,
    /// The file offset just past the last line copied.
    end: u64,
    path: Option<Arc<Path>>,
    /// Each line: selected, where it is in `bytes`, its number.
    lines: Vec<(bool, usize, usize, u64)>,
}

impl Copied {
    fn push(&mut self, item: ContextLine) {
        let (selected, line) = match item {
            // The join puts gaps back by number.
            ContextLine::Gap => return,
            ContextLine::Selected(line) => (true, line),
            ContextLine::Context(line) => (false, line),
        };
        if self.runs.is_empty() || self.end != line.offset() {
            self.runs.push((self.bytes.len(), line.offset()));
            if self.path.is_none() {
                self.path = line.shared_path();
            }
        }
        let start = self.bytes.len();
        let with_ending = line.with_ending();
        self.bytes.extend_from_slice(with_ending);
        self.end = line.offset() + with_ending.len() as u64;
        self.lines
            .push((selected, start, start + line.len(), line.line_no()));
    }

    fn into_shown(self) -> Vec<ContextLine> {
        let Some(&(_, offset)) = self.runs.first() else {
            return Vec::new();
        };
        let chunk = Arc::new(Chunk {
            len: self.bytes.len(),
            bytes: Storage::Heap(self.bytes),
            path: self.path,
            offset,
            runs: Some(self.runs.into_boxed_slice()),
        });
        self.lines
            .into_iter()
            .map(|(selected, start, end, no)| {
                let line = Line::new(Arc::clone(&chunk), start, end, no);
                if selected {
                    ContextLine::Selected(line)
                } else {
                    ContextLine::Context(line)
                }
            })
            .collect()
    }
}

/// Sends the lines of `source` to `sink` while `keep` says so and the sink takes them: the
/// lines sent, and the source's outcome (`Ok` when it was left early).
fn feed(
    source: Gen<Lines<FileReader>>,
    sink: &mut impl Sink<Line>,
    mut keep: impl FnMut(&Line) -> bool,
) -> (u64, Result<()>) {
    let mut source = core::pin::pin!(source);
    let mut sent = 0;
    while let Some(line) = source.as_mut().pull() {
        if !keep(&line) {
            return (sent, Ok(()));
        }
        sent += 1;
        if sink.send(line).is_err() || sink.is_done() {
            return (sent, Ok(()));
        }
    }
    (sent, source.as_mut().take_return().unwrap_or(Ok(())))
}

/// The source [`par_grep_file`] makes: configure it before pulling from it.
pub struct GrepFile {
    plan: Plan,
    parts: Option<BoxGen<'static, PartFound>>,
    shown: std::vec::IntoIter<ContextLine>,
    /// The part being handed on: the part, its lead and own lines, the lines before it.
    part: Option<(Part, u64, u64, u64)>,
    /// The part handed on selected the most lines asked for: no later part is needed.
    last_part: bool,
    part_outcome: Result<()>,
    /// Own lines of the parts handed on so far (the next part's first line's number less one).
    lines_before: u64,
    lines_read: Option<Arc<AtomicU64>>,
    /// Lines starting before this offset were shown already.
    shown_to: u64,
    last_shown: Option<u64>,
    selected: usize,
    /// The last line's number to show, once `max_selected` lines were selected.
    last_to_show: Option<u64>,
    /// A line that waits for the gap before it to be handed on.
    waiting: Option<ContextLine>,
    outcome: Option<Result<()>>,
}

impl core::fmt::Debug for GrepFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GrepFile")
            .field("path", &self.plan.path)
            .field("workers", &self.plan.workers)
            .field("before", &self.plan.before)
            .field("after", &self.plan.after)
            .finish_non_exhaustive()
    }
}

impl GrepFile {
    /// The number in the whole file of `line`, a line of the current part.
    fn number(&self, line: &Line) -> u64 {
        let Some((part, lead, own, before)) = self.part else {
            return line.line_no();
        };
        if line.offset() < part.start {
            before - lead + line.line_no()
        } else if line.offset() < part.end {
            before + line.line_no()
        } else {
            before + own + line.line_no()
        }
    }

    fn start(&mut self) {
        let plan = Arc::new(self.plan.clone());
        let (workers, parts) = (plan.workers, plan.parts());
        self.parts = Some(
            (pipe(parts)
                | par_map(move |part: Part| plan.search(part))
                    .batch(1)
                    .workers(workers)
                    .window(2 * workers))
            .boxed(),
        );
    }

    /// Takes the next part's lines, or ends: with the part's error, or when no part is left.
    fn next_part(&mut self) -> bool {
        if let Err(e) = std::mem::replace(&mut self.part_outcome, Ok(())) {
            self.outcome = Some(Err(e));
            return false;
        }
        let next = if self.last_part {
            None
        } else {
            self.parts.as_mut().and_then(Iterator::next)
        };
        let Some(found) = next else {
            self.parts = None;
            self.outcome = Some(Ok(()));
            return false;
        };
        self.last_part = found.reached_max;
        self.part = Some((
            found.part,
            found.lead_lines,
            found.own_lines,
            self.lines_before,
        ));
        self.lines_before += found.own_lines;
        if let Some(read) = &self.lines_read {
            read.store(self.lines_before, Ordering::Relaxed);
        }
        self.shown = found.shown.into_iter();
        self.part_outcome = found.outcome;
        true
    }

    fn next_shown(&mut self) -> Option<ContextLine> {
        if let Some(waiting) = self.waiting.take() {
            return Some(waiting);
        }
        loop {
            let Some(item) = self.shown.next() else {
                if !self.next_part() {
                    return None;
                }
                continue;
            };
            let (selected, line) = match item {
                // Gaps are put back by number: the parts' own do not see across a cut.
                ContextLine::Gap => continue,
                ContextLine::Selected(line) => (true, line),
                ContextLine::Context(line) => (false, line),
            };
            if line.offset() < self.shown_to {
                continue;
            }
            let number = self.number(&line);
            if self.last_to_show.is_some_and(|last| number > last) {
                self.parts = None;
                self.outcome = Some(Ok(()));
                return None;
            }
            let line = line.with_line_no(number);
            self.shown_to = line.offset() + 1;
            let item = if selected && self.selected < self.plan.max_selected {
                self.selected += 1;
                if self.selected == self.plan.max_selected {
                    self.last_to_show = Some(number + self.plan.after as u64);
                }
                ContextLine::Selected(line)
            } else {
                ContextLine::Context(line)
            };
            let apart = self.last_shown.is_some_and(|last| number > last + 1);
            self.last_shown = Some(number);
            if apart {
                self.waiting = Some(item);
                return Some(ContextLine::Gap);
            }
            return Some(item);
        }
    }
}

impl crate::sealed::Pull for GrepFile {}

impl Pull for GrepFile {
    type Item = ContextLine;
    type Return = Result<()>;

    fn pull(self: Pin<&mut Self>) -> Option<ContextLine> {
        let this = self.get_mut();
        if this.outcome.is_some() {
            return None;
        }
        if this.parts.is_none() {
            this.start();
        }
        this.next_shown()
    }

    fn take_return(self: Pin<&mut Self>) -> Option<Result<()>> {
        self.get_mut().outcome.take()
    }
}

/// The lines `grep` selects in the file at `path`, searched on every core, in file order and
/// numbered as in the whole file, each a [`ContextLine::Selected`] (with
/// [`context`](Gen::context), the lines around them and the gaps between groups too, as
/// [`context_lines`] gives them): what `lines(path) | context_lines(..)` yields, with the
/// search on [`workers`](Gen::workers) threads of rayon's pool.
///
/// A plain file is cut at line ends into parts of [`DEFAULT_PART_BYTES`]; a compressed file
/// (which cannot be cut) or one that is not regular is searched whole, on one worker. Memory:
/// the parts in flight, two per worker, each holding the buffers of the lines it shows (a part
/// where most lines match holds about its size). The first part that fails ends the source with
/// its error, after the lines of the parts before it.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{ContextLine, grep};
/// use genpipe::par::par_grep_file;
///
/// let path = std::env::temp_dir().join(format!("genpipe-doc-pargrep-{}.log", std::process::id()));
/// let text: String = (1..=100_000).map(|i| format!("line {i}\n")).collect();
/// std::fs::write(&path, &text)?;
/// let hits = par_grep_file(&path, grep("77777")).workers(2).part_bytes(64 << 10)
///     | map(|c: ContextLine| c.line().map(|l| l.line_no()))
///     | collect::<Vec<_>>();
/// assert_eq!(hits?, [Some(77777)]);
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn par_grep_file(path: impl AsRef<Path>, grep: Stage<GrepOp>) -> Gen<GrepFile> {
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    Gen::from_pull(GrepFile {
        plan: Plan {
            path: Arc::from(path.as_ref()),
            grep,
            before: 0,
            after: 0,
            max_selected: usize::MAX,
            keep_cr: false,
            numbered: true,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            workers,
            part_bytes: DEFAULT_PART_BYTES,
        },
        parts: None,
        shown: Vec::new().into_iter(),
        part: None,
        last_part: false,
        part_outcome: Ok(()),
        lines_before: 0,
        lines_read: None,
        shown_to: 0,
        last_shown: None,
        selected: 0,
        last_to_show: None,
        waiting: None,
        outcome: None,
    })
}

impl Gen<GrepFile> {
    /// Searches on `n` workers (default: one per core; 1 searches the parts one at a time).
    pub fn workers(self, n: usize) -> Self {
        self.configure(|g| g.plan.workers = n.max(1))
    }

    /// Shows `before` lines before and `after` lines after each selected line, as grep's `-B`
    /// and `-A`, with a [`ContextLine::Gap`] between groups apart.
    pub fn context(self, before: usize, after: usize) -> Self {
        self.configure(|g| (g.plan.before, g.plan.after) = (before, after))
    }

    /// Stops after the `n`th selected line and its after-context, as `grep -m n`.
    pub fn max_selected(self, n: usize) -> Self {
        self.configure(|g| g.plan.max_selected = n)
    }

    /// Keeps the `\r` of `\r\n` line ends, as [`Gen::keep_cr`] on a line source.
    pub fn keep_cr(self) -> Self {
        self.configure(|g| g.plan.keep_cr = true)
    }

    /// Lines carry no number (0) and no gaps come between them, as [`Gen::unnumbered`] on a
    /// line source: the search skips counting the line ends between matches. Ignored with
    /// [`context`](Gen::context), whose gaps are found by number.
    pub fn unnumbered(self) -> Self {
        self.configure(|g| g.plan.numbered = false)
    }

    /// The longest line to accept, as [`Gen::max_line_bytes`] on a line source.
    pub fn max_line_bytes(self, bytes: usize) -> Self {
        self.configure(|g| g.plan.max_line_bytes = bytes)
    }

    /// Cuts the file in parts of about `bytes` (default [`DEFAULT_PART_BYTES`]; at least one
    /// part per worker).
    pub fn part_bytes(self, bytes: u64) -> Self {
        self.configure(|g| g.plan.part_bytes = bytes.max(1))
    }

    /// A counter of the file's lines read so far by the parts handed on (all of them once the
    /// source has ended; fewer when `max_selected` ended it early).
    pub fn lines_read(self) -> (Self, Arc<AtomicU64>) {
        let counter = Arc::new(AtomicU64::new(0));
        let shared = Arc::clone(&counter);
        (self.configure(|g| g.lines_read = Some(shared)), counter)
    }
}
