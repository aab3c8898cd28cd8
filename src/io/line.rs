//! `Line`: a view of bytes in a shared read buffer, without a copy per line.

use std::fmt;
use std::ops::Deref;
use std::path::Path;

pub use crate::text::field::{Field, Fields, FieldsBy, ParseFieldError};
pub use crate::text::line_ref::{AsLineRef, LineRef};
use std::sync::Arc;

/// One buffer's worth of input: the bytes and the file they came from.
#[derive(Debug)]
pub(crate) struct Chunk {
    /// Only `..len` holds input (the rest of a read buffer is capacity kept for reuse).
    pub(crate) bytes: Storage,
    pub(crate) len: usize,
    pub(crate) path: Option<Arc<Path>>,
    /// Where `bytes[0]` is in the input: the bytes the source read before it.
    pub(crate) offset: u64,
    /// For lines copied from places apart in the input (`par_grep_file`'s parts): where each
    /// run of adjacent lines starts in `bytes` and in the input, in order (the first at 0).
    /// `None`: the bytes are one run, at `offset`.
    pub(crate) runs: Option<Box<[(usize, u64)]>>,
}

/// Where a chunk's bytes live.
#[derive(Debug)]
pub(crate) enum Storage {
    /// A read buffer.
    Heap(Vec<u8>),
    /// A whole file, mapped (`lines_mmap`).
    #[cfg(feature = "mmap")]
    Map(memmap2::Mmap),
}

impl Chunk {
    /// The input bytes.
    #[inline]
    pub(crate) fn data(&self) -> &[u8] {
        match &self.bytes {
            Storage::Heap(v) => &v[..self.len],
            #[cfg(feature = "mmap")]
            Storage::Map(m) => &m[..self.len],
        }
    }
}

/// One line of input, without its line terminator: a view into a shared read buffer.
///
/// Cloning is an atomic reference-count increment, never a copy; holding a `Line` keeps its
/// buffer (up to the source's buffer size) alive. `Line` is `Send + Sync + 'static`, so it can
/// be collected, sent to another thread, or outlive its source.
///
/// A `Line` derefs to [`Field`] (a byte string), which has the text methods: [`Field::to_str`],
/// [`Field::parse`], [`Field::contains`], fields split on whitespace, ...
///
/// # Example
/// ```
/// use genpipe::io::{Line, lines_from};
///
/// let text = "10.0.0.1 - - \"GET /a\" 200 512\r\nbad line\n";
/// let all: Vec<Line> = lines_from(text.as_bytes()).try_iter().collect::<Result<_, _>>()?;
/// assert_eq!(all.len(), 2);
/// assert_eq!(all[0].last_field().unwrap().parse::<u64>()?, 512);
/// assert_eq!(all[0].field(0).unwrap(), "10.0.0.1");
/// assert_eq!(all[1].to_string(), "bad line");
/// assert_eq!(all[1].path(), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Line {
    chunk: Arc<Chunk>,
    start: usize,
    end: usize,
    line_no: u64,
}

impl Line {
    pub(crate) fn new(chunk: Arc<Chunk>, start: usize, end: usize, line_no: u64) -> Line {
        debug_assert!(start <= end && end <= chunk.len);
        Line {
            chunk,
            start,
            end,
            line_no,
        }
    }

    /// This line narrowed to `len` bytes at `offset` within it: the handle moves, no reference
    /// count changes (a field stage makes no new handle per line).
    /// Which read chunk this line lies in (its address): lines of one chunk share a counter,
    /// which threads should not share while they make and drop them.
    pub(crate) fn chunk_id(&self) -> usize {
        Arc::as_ptr(&self.chunk) as usize
    }

    pub(crate) fn narrow_to(mut self, offset: usize, len: usize) -> Line {
        debug_assert!(offset + len <= self.end - self.start);
        self.start += offset;
        self.end = self.start + len;
        self
    }

    /// This line with the number `line_no`: a part's line numbered as in the whole file.
    #[cfg(feature = "rayon")]
    pub(crate) fn with_line_no(mut self, line_no: u64) -> Line {
        self.line_no = line_no;
        self
    }

    /// The 1-based number of the line in its input (for a field: of the line it came from).
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// The line's bytes, without `\n` (and without the `\r` before it, unless the source keeps it).
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.chunk.data()[self.start..self.end]
    }

    /// Where this line starts in its input, in bytes from the input's first: a position to
    /// seek to, or how far a job has read. For a compressed file, in the decompressed bytes;
    /// for a followed file, in all the bytes it read, across rotations; for a field (`field(n)`),
    /// where the field starts.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// let starts = lines_from(&b"ab\r\n\ncd\n"[..]).map(|l| l.offset()) | collect::<Vec<_>>();
    /// assert_eq!(starts?, [0, 4, 5]);
    /// # Ok::<(), genpipe::Error>(())
    /// ```
    #[inline]
    pub fn offset(&self) -> u64 {
        match &self.chunk.runs {
            None => self.chunk.offset + self.start as u64,
            Some(runs) => offset_in_runs(runs, self.start),
        }
    }

    /// Whether a `\n` ended this line in its input: the last line of an input may end without
    /// one, which a printer that reproduces the input byte for byte (ripgrep's `--json` does)
    /// needs to know. A `\r` stripped before the `\n` counts as part of the ending.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// let ends = lines_from(&b"ab\r\ncd"[..]).map(|l| l.has_newline()) | collect::<Vec<_>>();
    /// assert_eq!(ends?, [true, false]);
    /// # Ok::<(), genpipe::Error>(())
    /// ```
    pub fn has_newline(&self) -> bool {
        self.ending_len() > 0
    }

    /// The bytes of the line ending after this line in its input: 0, 1 (`\n`) or 2 (`\r\n`
    /// whose `\r` was stripped).
    pub(crate) fn ending_len(&self) -> usize {
        match self.chunk.data().get(self.end..) {
            Some([b'\n', ..]) => 1,
            Some([b'\r', b'\n', ..]) => 2,
            _ => 0,
        }
    }

    /// The file this line came from, shared.
    #[cfg(feature = "rayon")]
    pub(crate) fn shared_path(&self) -> Option<Arc<Path>> {
        self.chunk.path.clone()
    }

    /// The line's bytes with its line ending.
    #[cfg(feature = "rayon")]
    pub(crate) fn with_ending(&self) -> &[u8] {
        &self.chunk.data()[self.start..self.end + self.ending_len()]
    }

    /// The file this line came from; `None` for a reader that is not a file.
    pub fn path(&self) -> Option<&Path> {
        self.chunk.path.as_deref()
    }
}

/// Where the byte at `at` of a chunk of copied runs (`Chunk::runs`) is in the input. Out of
/// line: only lines copied by `par_grep_file` take this path.
#[cold]
#[inline(never)]
fn offset_in_runs(runs: &[(usize, u64)], at: usize) -> u64 {
    let i = runs.partition_point(|&(start, _)| start <= at);
    let (start, offset) = runs[i.saturating_sub(1)];
    offset + (at - start) as u64
}

impl Deref for Line {
    type Target = Field;

    #[inline]
    fn deref(&self) -> &Field {
        Field::new(self.as_bytes())
    }
}

impl fmt::Debug for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Shows the text, invalid UTF-8 replaced by `U+FFFD`.
impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl PartialEq for Line {
    fn eq(&self, other: &Line) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Line {}

/// By bytes, as `Eq`: a `Line` can be a key (`field(0) | most_common(5)`, `group_count()`).
///
/// A `Line` kept as a key keeps the whole read chunk it views alive (64 KiB by default): for
/// many distinct keys held long, key by an owned copy (`map(|f: Line| f.to_string())`).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{field, lines_from};
///
/// let log = &b"GET /a\nPOST /b\nGET /c\n"[..];
/// let top = (lines_from(log) | field(0) | most_common(1))?;
/// assert_eq!(top[0].0, "GET");
/// assert_eq!(top[0].1, 2);
/// # Ok::<(), genpipe::Error>(())
/// ```
impl std::hash::Hash for Line {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

/// By bytes, as `Eq`.
impl PartialOrd for Line {
    fn partial_cmp(&self, other: &Line) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// By bytes, as `Eq`.
impl Ord for Line {
    fn cmp(&self, other: &Line) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl PartialEq<str> for Line {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Line {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl AsRef<[u8]> for Line {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsLineRef for Line {
    #[inline]
    fn line_ref(&self) -> LineRef<'_> {
        LineRef::new(self.as_bytes(), self.line_no, self.path())
    }
}
