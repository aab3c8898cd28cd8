//! `Line` and `Field`: views of bytes in a shared read buffer, without a copy per line.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

/// One buffer's worth of input: the bytes and the file they came from.
#[derive(Debug)]
pub(crate) struct Chunk {
    /// Only `..len` holds input (the rest of a read buffer is capacity kept for reuse).
    pub(crate) bytes: Storage,
    pub(crate) len: usize,
    pub(crate) path: Option<Arc<Path>>,
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

    /// The 1-based number of the line in its input (for a field: of the line it came from).
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// The line's bytes, without `\n` (and without the `\r` before it, unless the source keeps it).
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.chunk.data()[self.start..self.end]
    }

    /// The file this line came from; `None` for a reader that is not a file.
    pub fn path(&self) -> Option<&Path> {
        self.chunk.path.as_deref()
    }
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

/// A borrowed line, or field of one, with where it came from: what fused stages (`last_field`,
/// `skip_value`, `parse` right after a line source) look at without making a [`Line`] handle.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct LineRef<'a> {
    bytes: &'a [u8],
    line_no: u64,
    path: Option<&'a Path>,
}

impl<'a> LineRef<'a> {
    pub(crate) fn new(bytes: &'a [u8], line_no: u64, path: Option<&'a Path>) -> Self {
        LineRef {
            bytes,
            line_no,
            path,
        }
    }

    /// The bytes, as a [`Field`].
    #[inline]
    pub fn field(&self) -> &'a Field {
        Field::new(self.bytes)
    }

    /// The 1-based line number.
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// The file, if the input was one.
    pub fn path(&self) -> Option<&'a Path> {
        self.path
    }

    /// This reference narrowed to `part`, a field of it.
    #[inline]
    pub(crate) fn narrow(self, part: &'a Field) -> LineRef<'a> {
        LineRef {
            bytes: part.as_bytes(),
            ..self
        }
    }
}

/// Items a fused stage can look at as a [`LineRef`].
#[doc(hidden)]
pub trait AsLineRef {
    /// The borrowed view.
    fn line_ref(&self) -> LineRef<'_>;
}

impl AsLineRef for Line {
    #[inline]
    fn line_ref(&self) -> LineRef<'_> {
        LineRef {
            bytes: self.as_bytes(),
            line_no: self.line_no,
            path: self.path(),
        }
    }
}

/// Python's `str.split()` whitespace: space, tab, newline, carriage return, vertical tab, form feed.
#[inline]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// A borrowed byte string: a line, or a field of one. Like bstr's `BStr`.
///
/// # Example
/// ```
/// use genpipe::io::Field;
///
/// let f = Field::new(b"  host  GET  200 ");
/// assert_eq!(f.fields().count(), 3);
/// assert_eq!(f.field(2).unwrap().parse::<u16>().unwrap(), 200);
/// assert_eq!(f.last_field().unwrap(), "200");
/// assert!(Field::new(b"-") == "-");
/// ```
#[derive(PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct Field([u8]);

impl Field {
    /// Views `bytes` as a `Field`.
    #[inline]
    pub fn new(bytes: &[u8]) -> &Field {
        // SAFETY: `Field` is a `repr(transparent)` wrapper of `[u8]`, so the pointer cast keeps
        // the layout and the metadata (length); the lifetime is carried over unchanged.
        unsafe { &*(bytes as *const [u8] as *const Field) }
    }

    /// The bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The text, if it is valid UTF-8.
    ///
    /// # Errors
    /// Where the bytes are not UTF-8.
    pub fn to_str(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.0)
    }

    /// The text, invalid UTF-8 replaced by `U+FFFD` (borrowed when it is valid).
    pub fn to_str_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// Parses the text (ASCII whitespace around it is not trimmed: split fields first).
    ///
    /// # Errors
    /// [`ParseFieldError`] when the bytes are not UTF-8 or `T` rejects them.
    pub fn parse<T: FromStr>(&self) -> Result<T, ParseFieldError<T::Err>> {
        let text = if self.0.is_ascii() {
            // SAFETY: ASCII bytes are valid UTF-8. Why not `from_utf8`: fields to parse are short
            // numbers, and its call was 15% of the bytes-sum job (callgrind, `benches/README.md`);
            // `is_ascii` on a few bytes is a handful of instructions.
            unsafe { std::str::from_utf8_unchecked(&self.0) }
        } else {
            self.to_str().map_err(ParseFieldError::Utf8)?
        };
        text.parse().map_err(ParseFieldError::Value)
    }

    /// Whether `needle` occurs in the bytes.
    pub fn contains(&self, needle: impl AsRef<[u8]>) -> bool {
        memchr::memmem::find(&self.0, needle.as_ref()).is_some()
    }

    /// Whether the bytes start with `prefix`.
    pub fn starts_with(&self, prefix: impl AsRef<[u8]>) -> bool {
        self.0.starts_with(prefix.as_ref())
    }

    /// Whether the bytes end with `suffix`.
    pub fn ends_with(&self, suffix: impl AsRef<[u8]>) -> bool {
        self.0.ends_with(suffix.as_ref())
    }

    /// The fields split on runs of whitespace (Python's `split()`), without empty ones.
    pub fn fields(&self) -> Fields<'_> {
        Fields { rest: &self.0 }
    }

    /// Field `n` (0-based) of [`fields`](Field::fields).
    pub fn field(&self, n: usize) -> Option<&Field> {
        self.fields().nth(n)
    }

    /// The last of [`fields`](Field::fields), found from the end.
    pub fn last_field(&self) -> Option<&Field> {
        let bytes = &self.0;
        let end = bytes.iter().rposition(|&b| !is_space(b))? + 1;
        let start = bytes[..end]
            .iter()
            .rposition(|&b| is_space(b))
            .map_or(0, |i| i + 1);
        Some(Field::new(&bytes[start..end]))
    }
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_str_lossy())
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_str_lossy())
    }
}

impl PartialEq<str> for Field {
    fn eq(&self, other: &str) -> bool {
        self.0 == *other.as_bytes()
    }
}

impl PartialEq<&str> for Field {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other.as_bytes()
    }
}

impl PartialEq<str> for &Field {
    fn eq(&self, other: &str) -> bool {
        self.0 == *other.as_bytes()
    }
}

/// Fields compare with text and bytes both ways: `field == "WARN"`, `"WARN" == field`,
/// `field == b"WARN"[..]`.
///
/// # Example
/// ```
/// use genpipe::io::lines_from;
///
/// let line = (lines_from(&b"12:00 WARN disk"[..]).next()).unwrap();
/// let level = line.field(1).unwrap();
/// assert!(level == "WARN" && "WARN" == level && *level == b"WARN"[..] && b"WARN"[..] == *level);
/// ```
impl PartialEq<Field> for str {
    fn eq(&self, other: &Field) -> bool {
        *self.as_bytes() == other.0
    }
}

impl PartialEq<&Field> for str {
    fn eq(&self, other: &&Field) -> bool {
        *self.as_bytes() == other.0
    }
}

impl PartialEq<[u8]> for Field {
    fn eq(&self, other: &[u8]) -> bool {
        self.0 == *other
    }
}

impl PartialEq<Field> for [u8] {
    fn eq(&self, other: &Field) -> bool {
        *self == other.0
    }
}

impl AsRef<[u8]> for Field {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// The whitespace-separated fields of a [`Field`]. Made by [`Field::fields`], which has the example.
#[derive(Clone, Debug)]
pub struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a Field;

    fn next(&mut self) -> Option<&'a Field> {
        let start = self.rest.iter().position(|&b| !is_space(b))?;
        let rest = &self.rest[start..];
        let len = rest.iter().position(|&b| is_space(b)).unwrap_or(rest.len());
        self.rest = &rest[len..];
        Some(Field::new(&rest[..len]))
    }
}

impl std::iter::FusedIterator for Fields<'_> {}

/// Why a [`Field`] did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseFieldError<E> {
    /// The bytes are not UTF-8.
    Utf8(std::str::Utf8Error),
    /// The value's own parser rejected it.
    Value(E),
}

impl<E: fmt::Display> fmt::Display for ParseFieldError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseFieldError::Utf8(_) => f.write_str("field is not UTF-8"),
            ParseFieldError::Value(e) => write!(f, "invalid value: {e}"),
        }
    }
}

/// The UTF-8 error is the source; a value's error is shown in the message (as `thiserror`'s
/// `{0}` did), not chained.
impl<E: fmt::Debug + fmt::Display> std::error::Error for ParseFieldError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ParseFieldError::Utf8(e) => Some(e),
            ParseFieldError::Value(_) => None,
        }
    }
}
