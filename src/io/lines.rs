//! Splitting a reader into `Line`s: one buffer read at a time, memchr for the line ends.
//!
//! ```text
//! next():
//!     if the current chunk has a complete line left: return a view of it   # no copy
//!     fill():                                  # a new chunk, reusing the old one if no Line holds it
//!         chunk = carry (the last chunk's unterminated tail) + reads until it holds a '\n' or EOF
//!         cut after its last '\n'; the rest is the next carry
//!     at EOF: a non-empty carry is the last line
//! ```
//!
//! Line rules: split on `\n`; one `\r` before it is stripped (`keep_cr` keeps it), also at the
//! end of an unterminated last segment; a final `\n` adds no empty line; a line longer than the
//! buffer grows the buffer and stays whole, up to the source's `max_line_bytes`, past which the
//! source ends with an error (so input without line ends cannot make it hold unbounded memory).

use std::io::{ErrorKind, Read};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use crate::engine::Pull;
use crate::error::{Error, Result};
use crate::io::line::{Chunk, Line, Storage};
use crate::text::matcher::BufferSearch;
use crate::text::{LineRef, Matcher};

/// The default read size: large enough that a read is rare, small enough to stay in cache.
pub const DEFAULT_BUFFER_BYTES: usize = 64 * 1024;

/// The default longest line a read source accepts, 64 MiB: generous for any log, and a bound on
/// what input without line ends (a NUL-filled file, `/dev/zero`, a gzip bomb) can make a source
/// hold. Past it the source ends with [`Error::LineTooLong`].
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;

/// How a source's bytes reach us: it decides how a read error is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Plain,
    Compressed,
}

/// The line source behind [`lines`](crate::io::lines) and [`lines_from`](crate::io::lines_from).
///
/// A [`Pull`] of [`Line`]s whose return value is `genpipe::Result<()>`: the first read error ends
/// it, and the sink of its pipeline returns that error.
///
/// Why two parts: what each line needs (the chunk, the position, the count) sits here, inline
/// in the pipeline, and everything only a refill touches sits in `Refill`, behind a box. A
/// refill is an out-of-line call; given a pointer into the pipeline, it would let the whole
/// pipeline's address escape, and LLVM would keep every stage's state in memory around it
/// (measured: a pass-through `#[generator]` stage over `Line`s cost 112 instructions a line
/// with the refill taking `&mut self`; see `benches/README.md`).
pub struct Lines<R> {
    chunk: Option<Arc<Chunk>>,
    /// Next unread byte of `chunk`.
    pos: usize,
    /// Lines delivered so far.
    line_no: u64,
    keep_cr: bool,
    /// Lines carry their numbers; `false`: grep does not count the line ends it skips.
    numbered: bool,
    /// Regex grep: consecutive lines that matched, and how many lines to match one by one
    /// before searching the buffer again (see `next_match`).
    hit_streak: u32,
    per_line_budget: u32,
    refill: Box<Refill<R>>,
}

/// The cold part of a [`Lines`] source: the reader and what reading needs.
struct Refill<R> {
    reader: Option<R>,
    path: Option<Arc<Path>>,
    encoding: Encoding,
    /// The unterminated tail of the last read, to be completed by the next.
    carry: Vec<u8>,
    buffer_bytes: usize,
    /// The longest line accepted: past it the source ends with an error, or with
    /// `truncate_long` the line is cut there and its rest skipped.
    max_line_bytes: usize,
    truncate_long: bool,
    /// Dropping the rest of a truncated line: what is read up to its line end.
    skipping: bool,
    /// Bytes delivered so far (decompressed), for error reports.
    delivered: u64,
    /// Where to publish `line_no` when the source is dropped (`Gen::lines_read`).
    published: Option<Arc<std::sync::atomic::AtomicU64>>,
    outcome: Option<Result<()>>,
}

impl<R> std::fmt::Debug for Lines<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lines")
            .field("path", &self.refill.path)
            .field("delivered", &self.refill.delivered)
            .field("ended", &self.refill.reader.is_none())
            .finish_non_exhaustive()
    }
}

impl<R: Read> Lines<R> {
    pub(crate) fn new(reader: R, path: Option<Arc<Path>>, encoding: Encoding) -> Lines<R> {
        Lines::build(Some(reader), path, encoding, None)
    }

    fn build(
        reader: Option<R>,
        path: Option<Arc<Path>>,
        encoding: Encoding,
        outcome: Option<Result<()>>,
    ) -> Lines<R> {
        Lines {
            chunk: None,
            pos: 0,
            line_no: 0,
            keep_cr: false,
            numbered: true,
            hit_streak: 0,
            per_line_budget: 0,
            refill: Box::new(Refill {
                reader,
                path,
                encoding,
                carry: Vec::new(),
                buffer_bytes: DEFAULT_BUFFER_BYTES,
                max_line_bytes: DEFAULT_MAX_LINE_BYTES,
                truncate_long: false,
                skipping: false,
                delivered: 0,
                published: None,
                outcome,
            }),
        }
    }

    /// A source over one chunk that holds the whole input (a mapped file).
    #[cfg(feature = "mmap")]
    pub(crate) fn whole(chunk: Chunk) -> Lines<R> {
        let path = chunk.path.clone();
        let mut lines = Lines::failed_or_done(Ok(()));
        lines.refill.path = path;
        lines.chunk = Some(Arc::new(chunk));
        lines
    }

    /// A source that has already failed (e.g. the file could not be opened).
    pub(crate) fn failed(error: Error) -> Lines<R> {
        Lines::failed_or_done(Err(error))
    }

    /// A source with no reader and this outcome.
    fn failed_or_done(outcome: Result<()>) -> Lines<R> {
        Lines::build(None, None, Encoding::Plain, Some(outcome))
    }

    pub(crate) fn set_keep_cr(&mut self, keep: bool) {
        self.keep_cr = keep;
    }

    /// The reader, until the input has ended.
    pub(crate) fn reader(&self) -> Option<&R> {
        self.refill.reader.as_ref()
    }

    pub(crate) fn reader_mut(&mut self) -> Option<&mut R> {
        self.refill.reader.as_mut()
    }

    /// A handle that will hold the number of lines read once this source is dropped.
    pub(crate) fn publish_line_count(&mut self) -> Arc<std::sync::atomic::AtomicU64> {
        Arc::clone(self.refill.published.get_or_insert_with(Default::default))
    }

    pub(crate) fn set_buffer_bytes(&mut self, bytes: usize) {
        self.refill.buffer_bytes = bytes.max(1);
    }

    pub(crate) fn set_numbered(&mut self, numbered: bool) {
        self.numbered = numbered;
    }

    /// The input starts `offset` bytes into something larger (a part of a file): lines'
    /// offsets count from there.
    pub(crate) fn set_start_offset(&mut self, offset: u64) {
        self.refill.delivered = offset;
    }

    pub(crate) fn set_truncate_long_lines(&mut self, truncate: bool) {
        self.refill.truncate_long = truncate;
    }

    pub(crate) fn set_max_line_bytes(&mut self, bytes: usize) {
        self.refill.max_line_bytes = bytes.max(1);
    }

    /// Reads the next chunk of complete lines; `false` at the end of input or on error.
    ///
    /// The chunk moves out and back by value and the refill is reached through its box: no
    /// pointer into `self` (the pipeline) reaches the out-of-line call.
    #[inline(always)]
    fn fill(&mut self) -> bool {
        let (chunk, filled) = self.refill.fill(self.chunk.take(), self.line_no);
        // Replaced, not assigned: the old value (`None`, just taken) leaves by value, so no
        // in-place drop hands the field's address to `Arc::drop_slow` (assigned: a user stage
        // over these lines costs 2 instructions a line more).
        drop(std::mem::replace(&mut self.chunk, chunk));
        self.pos = 0;
        filled
    }

    /// The next line, or `None` at the end (then `outcome` is set).
    #[inline(always)]
    fn next_line(&mut self) -> Option<Line> {
        loop {
            if let Some(chunk) = &self.chunk {
                let bytes = chunk.data();
                if self.pos < bytes.len() {
                    let start = self.pos;
                    let (mut end, next) = match memchr::memchr(b'\n', &bytes[start..]) {
                        Some(i) => (start + i, start + i + 1),
                        // The unterminated last segment of the input.
                        None => (bytes.len(), bytes.len()),
                    };
                    self.pos = next;
                    if !self.keep_cr && end > start && bytes[end - 1] == b'\r' {
                        end -= 1;
                    }
                    self.line_no += 1;
                    let number = if self.numbered { self.line_no } else { 0 };
                    return Some(Line::new(Arc::clone(chunk), start, end, number));
                }
            }
            if !self.fill() {
                return None;
            }
        }
    }

    /// [`next_line`](Lines::next_line) as bounds in the current chunk (the grep paths make a
    /// `Line` of them, or only count them). A copy of `next_line` rather than its core: built
    /// on this, `next_line` cost 2 instructions a line more in `lines | map | fold` (user-crate
    /// probe, 251.77 -> 253.77), its hottest path.
    #[inline]
    fn next_line_bounds(&mut self) -> Option<(usize, usize)> {
        loop {
            if let Some(chunk) = &self.chunk {
                let bytes = chunk.data();
                if self.pos < bytes.len() {
                    let start = self.pos;
                    let (mut end, next) = match memchr::memchr(b'\n', &bytes[start..]) {
                        Some(i) => (start + i, start + i + 1),
                        // The unterminated last segment of the input.
                        None => (bytes.len(), bytes.len()),
                    };
                    self.pos = next;
                    if !self.keep_cr && end > start && bytes[end - 1] == b'\r' {
                        end -= 1;
                    }
                    self.line_no += 1;
                    return Some((start, end));
                }
            }
            if !self.fill() {
                return None;
            }
        }
    }

    /// The next line that `matcher` matches. A literal, or a regex in its multi-line form, is
    /// searched in the whole buffer and the line bounds are found around the hit only (skipped
    /// lines are just counted, or not at all when unnumbered); a regex's hit is confirmed on
    /// its line alone, so a match across a line end never selects a line.
    fn next_match(&mut self, matcher: &Matcher) -> Option<Line> {
        let (start, end) = self.next_match_bounds(matcher)?;
        let chunk = self.chunk.as_ref()?;
        let number = if self.numbered { self.line_no } else { 0 };
        Some(Line::new(Arc::clone(chunk), start, end, number))
    }

    /// How many of the next lines (`limit` at most) `matcher` matches: the search of
    /// [`next_match`](Lines::next_match) without a `Line` made for each (`grep | count`).
    fn count_matches(&mut self, matcher: &Matcher, limit: u64) -> u64 {
        let mut n = 0;
        while n < limit && self.next_match_bounds(matcher).is_some() {
            n += 1;
        }
        n
    }

    /// Whether the line at `start..end` of the current chunk matches.
    #[inline]
    fn matches_in_chunk(&self, matcher: &Matcher, start: usize, end: usize) -> bool {
        self.chunk
            .as_ref()
            .is_some_and(|chunk| matcher.is_match(&chunk.data()[start..end]))
    }

    /// [`next_match`](Lines::next_match) as bounds in the current chunk (`line_no` set).
    fn next_match_bounds(&mut self, matcher: &Matcher) -> Option<(usize, usize)> {
        let search = match matcher.buffer_search(self.keep_cr) {
            Some(BufferSearch::Literal(finder)) => return self.next_literal_bounds(finder),
            #[cfg_attr(not(feature = "regex"), allow(unreachable_patterns))]
            Some(search) => search,
            None => loop {
                let (start, end) = self.next_line_bounds()?;
                if self.matches_in_chunk(matcher, start, end) {
                    return Some((start, end));
                }
            },
        };
        // Where most lines match, a buffer search restarts the regex at every line and then
        // finds the line's bounds: matching line by line is cheaper there. So after a run of
        // four lines that each matched, the next 256 are matched one by one, then the buffer
        // search resumes (`-i get`, which 90% of an access log's lines match: 119M
        // instructions without this, 116M with it, 109M line by line).
        loop {
            if self.per_line_budget > 0 {
                self.per_line_budget -= 1;
                let (start, end) = self.next_line_bounds()?;
                if self.matches_in_chunk(matcher, start, end) {
                    return Some((start, end));
                }
                continue;
            }
            if let Some(chunk) = &self.chunk {
                let bytes = chunk.data();
                while self.pos < bytes.len() {
                    let pos = self.pos;
                    // An empty match right after the buffer's last line end is no line.
                    let hit = search
                        .find_at(bytes, pos)
                        .filter(|&(hit, _)| hit < bytes.len() || bytes.last() != Some(&b'\n'));
                    let Some((hit, hit_end)) = hit else {
                        if self.numbered {
                            let rest = &bytes[pos..];
                            let unterminated = u64::from(rest.last() != Some(&b'\n'));
                            self.line_no += newlines(rest) + unterminated;
                        }
                        self.pos = bytes.len();
                        break;
                    };
                    // A candidate may sit on a line end (a regex class that holds `\n`): it
                    // belongs to the line that byte ends.
                    let start =
                        memchr::memrchr(b'\n', &bytes[pos..hit]).map_or(pos, |i| pos + i + 1);
                    let (mut end, next) = match memchr::memchr(b'\n', &bytes[hit..]) {
                        Some(i) => (hit + i, hit + i + 1),
                        None => (bytes.len(), bytes.len()),
                    };
                    // Unnumbered, the skipped text is not counted: its lines say 0.
                    self.line_no = if self.numbered {
                        self.line_no + newlines(&bytes[pos..start]) + 1
                    } else {
                        0
                    };
                    self.pos = next;
                    if !self.keep_cr && end > start && bytes[end - 1] == b'\r' {
                        end -= 1;
                    }
                    if hit_end <= end || search.confirms(&bytes[start..end]) {
                        // The first line searched matched: a run of matching lines.
                        self.hit_streak = if start == pos { self.hit_streak + 1 } else { 0 };
                        if self.hit_streak >= 4 {
                            self.hit_streak = 0;
                            self.per_line_budget = 256;
                        }
                        return Some((start, end));
                    }
                }
            }
            if !self.fill() {
                return None;
            }
        }
    }

    /// `next_match` for a literal: a hit is always inside one line, so there is nothing to
    /// confirm and no run of matching lines to watch for (a separate loop: the shared one cost
    /// 15% more instructions on a literal that most lines contain).
    fn next_literal_bounds(
        &mut self,
        finder: &memchr::memmem::Finder<'_>,
    ) -> Option<(usize, usize)> {
        loop {
            if let Some(chunk) = &self.chunk {
                let bytes = chunk.data();
                let pos = self.pos;
                if pos < bytes.len() {
                    let Some(offset) = finder.find(&bytes[pos..]) else {
                        if self.numbered {
                            let rest = &bytes[pos..];
                            let unterminated = u64::from(rest.last() != Some(&b'\n'));
                            self.line_no += newlines(rest) + unterminated;
                        }
                        self.pos = bytes.len();
                        continue;
                    };
                    let hit = pos + offset;
                    let start =
                        memchr::memrchr(b'\n', &bytes[pos..hit]).map_or(pos, |i| pos + i + 1);
                    let (mut end, next) = match memchr::memchr(b'\n', &bytes[hit..]) {
                        Some(i) => (hit + i, hit + i + 1),
                        None => (bytes.len(), bytes.len()),
                    };
                    // Unnumbered, the skipped text is not counted: its lines say 0.
                    self.line_no = if self.numbered {
                        self.line_no + newlines(&bytes[pos..start]) + 1
                    } else {
                        0
                    };
                    self.pos = next;
                    // The needle holds no line-end byte, so the hit is inside the stripped line.
                    if !self.keep_cr && end > start && bytes[end - 1] == b'\r' {
                        end -= 1;
                    }
                    return Some((start, end));
                }
            }
            if !self.fill() {
                return None;
            }
        }
    }

    /// The first `Some` that `f` makes of the next lines, each lent from the buffer: no `Line`
    /// handle (no reference count) per line.
    #[inline]
    fn next_with<T>(&mut self, mut f: impl FnMut(LineRef<'_>) -> Option<T>) -> Option<T> {
        loop {
            if let Some(chunk) = &self.chunk {
                let bytes = chunk.data();
                let path = chunk.path.as_deref();
                while self.pos < bytes.len() {
                    let start = self.pos;
                    let (mut end, next) = match memchr::memchr(b'\n', &bytes[start..]) {
                        Some(i) => (start + i, start + i + 1),
                        None => (bytes.len(), bytes.len()),
                    };
                    self.pos = next;
                    self.line_no += 1;
                    if !self.keep_cr && end > start && bytes[end - 1] == b'\r' {
                        end -= 1;
                    }
                    let number = if self.numbered { self.line_no } else { 0 };
                    if let Some(t) = f(LineRef::new(&bytes[start..end], number, path)) {
                        return Some(t);
                    }
                }
            }
            if !self.fill() {
                return None;
            }
        }
    }
}

impl<R: Read> Refill<R> {
    /// The chunk after `old`, and whether there is one (`false`: the input has ended, or
    /// failed, and `outcome` says which). `line_no` is the number of lines delivered so far.
    #[inline(never)]
    fn fill(&mut self, old: Option<Arc<Chunk>>, line_no: u64) -> (Option<Arc<Chunk>>, bool) {
        let Some(reader) = self.reader.as_mut() else {
            return (None, false);
        };
        // Reuse the last chunk's allocation when no `Line` holds it any more, without zeroing it
        // again: only `..len` of a chunk is ever read.
        let mut buf = match old.map(Arc::try_unwrap) {
            Some(Ok(Chunk {
                bytes: Storage::Heap(old),
                ..
            })) => old,
            _ => Vec::new(),
        };
        let mut filled = self.carry.len();
        // The carried bytes were read before, and come first in this chunk (and the skipped
        // rest of a truncated line, which comes before them, is added as it is dropped).
        let mut offset = self.delivered - filled as u64;
        if buf.len() < filled + self.buffer_bytes {
            buf.resize(filled + self.buffer_bytes, 0);
        }
        buf[..filled].copy_from_slice(&self.carry);
        self.carry.clear();
        let len = 'read: {
            if self.truncate_long && filled > self.max_line_bytes {
                // The carried start of a line is past the limit already: cut it here.
                self.skipping = true;
                break 'read self.max_line_bytes;
            }
            loop {
                if buf.len() < filled + self.buffer_bytes {
                    buf.resize(filled + self.buffer_bytes, 0);
                }
                let read = loop {
                    match reader.read(&mut buf[filled..filled + self.buffer_bytes]) {
                        Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                        other => break other,
                    }
                };
                match read {
                    Ok(0) => {
                        self.reader = None;
                        self.outcome = Some(Ok(()));
                        // An unterminated last line is cut like any other.
                        break if self.truncate_long {
                            filled.min(self.max_line_bytes)
                        } else {
                            filled
                        };
                    }
                    Ok(mut n) => {
                        self.delivered += n as u64;
                        if self.skipping {
                            // The rest of a truncated line: dropped up to its line end (nothing
                            // is carried while skipping, so it is all at `buf[..n]`).
                            let Some(i) = memchr::memchr(b'\n', &buf[filled..filled + n]) else {
                                offset += n as u64;
                                continue;
                            };
                            self.skipping = false;
                            offset += i as u64 + 1;
                            buf.copy_within(filled + i + 1..filled + n, filled);
                            n -= i + 1;
                            if n == 0 {
                                continue;
                            }
                        }
                        let end = filled + n;
                        if let Some(i) = memchr::memrchr(b'\n', &buf[filled..end]) {
                            let cut = filled + i + 1;
                            self.carry.extend_from_slice(&buf[cut..end]);
                            break cut;
                        }
                        // No line end yet: a line longer than the buffer; keep it whole, up to the
                        // limit. Everything in `buf[..end]` is that one line (the carry holds no
                        // line end), and there is no complete line before it to deliver.
                        filled = end;
                        if filled > self.max_line_bytes && self.truncate_long {
                            // The line so far, cut at the limit, is this chunk; its rest is
                            // dropped by the reads that follow.
                            self.skipping = true;
                            break self.max_line_bytes;
                        }
                        if filled > self.max_line_bytes {
                            self.reader = None;
                            self.outcome = Some(Err(Error::LineTooLong {
                                path: self.path.as_deref().map(Path::to_path_buf),
                                line_no: line_no + 1,
                                limit: self.max_line_bytes,
                            }));
                            break 0;
                        }
                    }
                    Err(e) => {
                        // Deliver the complete lines read before the failure, then end with it.
                        self.reader = None;
                        self.outcome = Some(Err(self.error(e)));
                        break memchr::memrchr(b'\n', &buf[..filled]).map_or(0, |i| i + 1);
                    }
                }
            }
        };
        if len == 0 {
            return (None, false);
        }
        debug_assert!(offset <= self.delivered);
        let chunk = Arc::new(Chunk {
            bytes: Storage::Heap(buf),
            len,
            path: self.path.clone(),
            offset,
            runs: None,
        });
        (Some(chunk), true)
    }

    fn error(&self, source: std::io::Error) -> Error {
        let path = self.path.as_deref().map(Path::to_path_buf);
        let corrupt = matches!(
            source.kind(),
            ErrorKind::InvalidData | ErrorKind::InvalidInput | ErrorKind::UnexpectedEof
        );
        if self.encoding == Encoding::Compressed && corrupt {
            Error::Decompress {
                path,
                offset: self.delivered,
                source: source.into(),
            }
        } else {
            Error::Io {
                path,
                source: source.into(),
            }
        }
    }
}

impl<R> Drop for Lines<R> {
    fn drop(&mut self) {
        if let Some(count) = &self.refill.published {
            count.store(self.line_no, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

// Nothing of a line source is pinned in place: the reader and buffers move freely, so a
// `Gen<Lines<R>>` can be pulled through `Pin::new` (as `cat` does).
impl<R> Unpin for Lines<R> {}

impl<R: Read> crate::sealed::Pull for Lines<R> {}
impl<R: Read> Pull for Lines<R> {
    type Item = Line;
    type Return = Result<()>;

    #[inline(always)]
    fn pull(self: Pin<&mut Self>) -> Option<Line> {
        self.get_mut().next_line()
    }

    // Always inlined: an out-of-line call here receives the pinned pipeline, and LLVM then
    // keeps all of it in memory through the loop before it (engine docs, "Why this is fast").
    #[inline(always)]
    fn take_return(self: Pin<&mut Self>) -> Option<Result<()>> {
        let refill = &mut self.get_mut().refill;
        if refill.reader.is_some() {
            None
        } else {
            refill.outcome.take()
        }
    }

    #[inline]
    fn pull_matching(self: Pin<&mut Self>, matcher: &Matcher) -> Option<Line> {
        self.get_mut().next_match(matcher)
    }

    #[inline]
    fn count_matching(self: Pin<&mut Self>, matcher: &Matcher, limit: u64) -> u64 {
        self.get_mut().count_matches(matcher, limit)
    }

    #[inline]
    fn pull_with<T, F>(self: Pin<&mut Self>, f: F) -> Option<T>
    where
        F: FnMut(LineRef<'_>) -> Option<T>,
    {
        self.get_mut().next_with(f)
    }
}

/// How many `\n` bytes `bytes` holds.
fn newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}
