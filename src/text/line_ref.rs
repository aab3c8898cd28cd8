//! `LineRef`: a borrowed line with where it came from, what fused stages look at.

use std::path::Path;

use crate::text::field::Field;

/// A borrowed line, or field of one, with where it came from: what fused stages (`last_field`,
/// `skip_value`, `parse` right after a line source) look at without making a [`Line`](crate::io::Line) handle.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct LineRef<'a> {
    bytes: &'a [u8],
    line_no: u64,
    path: Option<&'a Path>,
}

impl<'a> LineRef<'a> {
    #[inline]
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
