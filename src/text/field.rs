//! `Field`: a borrowed byte string (a line, or a field of one) and its whitespace fields.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

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

    /// The fields split at every `sep` byte, empty ones kept: Python's `split(",")`, a TSV or
    /// CSV row without quoting. `a,,b` has three fields (the second empty), `a,` two, and an
    /// empty line one empty field, as `str::split` gives. No copy: each field views the line.
    ///
    /// # Example
    /// ```
    /// use genpipe::io::Field;
    ///
    /// let row = Field::new(b"2026-12-06\t\tGET\t200");
    /// let cells: Vec<&Field> = row.fields_by(b'\t').collect();
    /// assert_eq!(cells, ["2026-12-06", "", "GET", "200"]);
    /// assert_eq!(row.fields_by(b'\t').next_back().unwrap(), "200");
    /// assert_eq!(Field::new(b"").fields_by(b',').count(), 1);
    /// ```
    pub fn fields_by(&self, sep: u8) -> FieldsBy<'_> {
        FieldsBy {
            rest: Some(&self.0),
            sep,
        }
    }

    /// Field `n` (0-based) of [`fields_by`](Field::fields_by): `None` when the line has `n` or
    /// fewer separators. An empty field is `Some` of an empty `Field`.
    ///
    /// # Example
    /// ```
    /// use genpipe::io::Field;
    ///
    /// let row = Field::new(b"alice,,42");
    /// assert_eq!(row.field_by(b',', 2).unwrap().parse::<u32>()?, 42);
    /// assert!(row.field_by(b',', 1).unwrap().is_empty());
    /// assert_eq!(row.field_by(b',', 3), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn field_by(&self, sep: u8, n: usize) -> Option<&Field> {
        self.fields_by(sep).nth(n)
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

/// A `Field` is its bytes: `len()`, indexing, slicing, `iter()`, `to_vec()` and the rest of
/// `[u8]`'s methods apply (the text methods of `Field` itself come first: `contains` takes
/// a byte string, not one byte).
///
/// # Example
/// ```
/// use genpipe::io::Field;
///
/// let f = Field::new(b"GET /index.html");
/// assert_eq!(f.len(), 15);
/// assert_eq!(f[0], b'G');
/// assert_eq!(&f[4..], b"/index.html");
/// assert_eq!(f.to_vec(), b"GET /index.html".to_vec());
/// assert!(f.contains("index"));
/// ```
impl std::ops::Deref for Field {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
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

/// The fields of a [`Field`] split at one byte, empty ones kept. Made by [`Field::fields_by`],
/// which has the example.
#[derive(Clone, Debug)]
pub struct FieldsBy<'a> {
    /// `None` once the last field was returned (a line always has at least one field).
    rest: Option<&'a [u8]>,
    sep: u8,
}

impl<'a> Iterator for FieldsBy<'a> {
    type Item = &'a Field;

    #[inline]
    fn next(&mut self) -> Option<&'a Field> {
        let rest = self.rest?;
        match memchr::memchr(self.sep, rest) {
            Some(i) => {
                self.rest = Some(&rest[i + 1..]);
                Some(Field::new(&rest[..i]))
            }
            None => {
                self.rest = None;
                Some(Field::new(rest))
            }
        }
    }
}

impl<'a> DoubleEndedIterator for FieldsBy<'a> {
    #[inline]
    fn next_back(&mut self) -> Option<&'a Field> {
        let rest = self.rest?;
        match memchr::memrchr(self.sep, rest) {
            Some(i) => {
                self.rest = Some(&rest[..i]);
                Some(Field::new(&rest[i + 1..]))
            }
            None => {
                self.rest = None;
                Some(Field::new(rest))
            }
        }
    }
}

impl std::iter::FusedIterator for FieldsBy<'_> {}

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
