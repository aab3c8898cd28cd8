//! What the writing sinks share ([`write_lines`](crate::io::write_lines),
//! [`to_json_lines`](crate::io::to_json_lines), [`to_frames`](crate::io::to_frames)): a
//! buffered writer, how many records went in, and the first error, after which nothing more is
//! written (a reader would otherwise see records after a gap) and `close` returns it.

use std::fmt;
use std::io::{BufWriter, Write};

use crate::consume::SendError;
use crate::error::{Error, Result};

pub(crate) struct Written<W: Write> {
    out: BufWriter<W>,
    count: u64,
    error: Option<Error>,
}

impl<W: Write> fmt::Debug for Written<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Written")
            .field("count", &self.count)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<W: Write> Written<W> {
    pub(crate) fn new(writer: W) -> Self {
        Written {
            out: BufWriter::new(writer),
            count: 0,
            error: None,
        }
    }

    /// Writes one record with `encode`; after an error (this one or an earlier one) the record
    /// is handed back.
    pub(crate) fn write<T>(
        &mut self,
        record: T,
        encode: impl FnOnce(&mut BufWriter<W>, &T) -> Result<()>,
    ) -> std::result::Result<(), SendError<T>> {
        if self.error.is_some() {
            return Err(SendError(record));
        }
        match encode(&mut self.out, &record) {
            Ok(()) => {
                self.count += 1;
                Ok(())
            }
            Err(e) => {
                self.error = Some(e);
                Err(SendError(record))
            }
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.error.is_some()
    }

    /// The first error, or how many records were written once they are flushed.
    pub(crate) fn close(mut self) -> Result<u64> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.count)
    }
}
