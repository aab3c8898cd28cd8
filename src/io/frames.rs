//! Length-prefixed binary records (feature `frames`): [`frames`] reads them from any reader (a
//! file, a socket, a pipe), [`to_frames`] writes them. Beazley's `genpickle`/`receivefrom`
//! and `genmessages`, with serde and postcard in place of pickle.
//!
//! A frame is a 4-byte little-endian length, then that many bytes: one record in postcard, a
//! compact format made for serde (varint integers, no field names). A length prefix lets a
//! reader skip, bound and resynchronize on records without parsing them, which postcard's own
//! encoding does not say.

use std::fmt;
use std::io::{BufReader, ErrorKind, Read, Write};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::written::Written;
use crate::consume::{SendError, Sink};
use crate::engine::Pull;
use crate::error::{Error, Result};
use crate::produce::Gen;

/// The largest frame [`frames`] accepts unless told otherwise: 16 MiB. A length above it is an
/// error (a corrupt or hostile stream), not a 4 GiB allocation.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 16 << 20;

/// The records of a stream of frames: [`frames`].
pub struct Frames<R, T> {
    reader: Option<BufReader<R>>,
    buf: Vec<u8>,
    /// Frames read so far.
    index: u64,
    /// Bytes read so far: where the next frame starts.
    offset: u64,
    max_frame_bytes: usize,
    outcome: Option<Result<()>>,
    _record: PhantomData<fn() -> T>,
}

impl<R, T> fmt::Debug for Frames<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frames")
            .field("index", &self.index)
            .field("offset", &self.offset)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

// Nothing is pinned: the reader is used by `&mut`.
impl<R, T> Unpin for Frames<R, T> {}

/// Reads until `buf` is full or the input ends; how many bytes it got.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

impl<R: Read, T: DeserializeOwned> Frames<R, T> {
    /// The next record, or `None` at the end (clean or not: `outcome` says).
    fn next_record(&mut self) -> Option<T> {
        let reader = self.reader.as_mut()?;
        match Self::read_frame(
            reader,
            &mut self.buf,
            self.max_frame_bytes,
            self.index + 1,
            self.offset,
        ) {
            Ok(Some((record, len))) => {
                self.index += 1;
                self.offset += 4 + len as u64;
                Some(record)
            }
            Ok(None) => self.end(Ok(())),
            Err(e) => self.end(Err(e)),
        }
    }

    #[cold]
    fn end(&mut self, outcome: Result<()>) -> Option<T> {
        self.reader = None;
        self.outcome = Some(outcome);
        None
    }

    fn read_frame(
        reader: &mut BufReader<R>,
        buf: &mut Vec<u8>,
        max: usize,
        index: u64,
        offset: u64,
    ) -> Result<Option<(T, usize)>> {
        let frame_error =
            |reason: String, source: Option<Arc<dyn std::error::Error + Send + Sync>>| {
                Error::Frame {
                    path: None,
                    index,
                    offset,
                    reason,
                    source,
                }
            };
        let mut prefix = [0u8; 4];
        let got = read_full(reader, &mut prefix)?;
        if got == 0 {
            return Ok(None);
        }
        if got < 4 {
            return Err(frame_error(
                format!("the stream ends inside a frame's length ({got} of 4 bytes)"),
                None,
            ));
        }
        let len = u32::from_le_bytes(prefix) as usize;
        if len > max {
            return Err(frame_error(
                format!("a frame of {len} bytes is over the limit of {max}"),
                None,
            ));
        }
        buf.clear();
        buf.resize(len, 0);
        let got = read_full(reader, buf)?;
        if got < len {
            return Err(frame_error(
                format!("the stream ends inside a frame ({got} of {len} bytes)"),
                None,
            ));
        }
        match postcard::take_from_bytes::<T>(buf) {
            Ok((record, [])) => Ok(Some((record, len))),
            Ok((_, rest)) => Err(frame_error(
                format!(
                    "{} bytes of the frame are left over after its record",
                    rest.len()
                ),
                None,
            )),
            Err(e) => Err(frame_error(
                "its bytes are not a record of this type".to_string(),
                Some(Arc::new(e)),
            )),
        }
    }
}

impl<R: Read, T: DeserializeOwned> crate::sealed::Pull for Frames<R, T> {}
impl<R: Read, T: DeserializeOwned> Pull for Frames<R, T> {
    type Item = T;
    type Return = Result<()>;

    #[inline]
    fn pull(self: Pin<&mut Self>) -> Option<T> {
        self.get_mut().next_record()
    }

    fn take_return(self: Pin<&mut Self>) -> Option<Result<()>> {
        self.get_mut().outcome.take()
    }
}

/// The records written as frames to `reader` (by [`to_frames`]), one at a time: a source whose
/// outcome is `Ok` at a clean end, and [`Error::Frame`] (which frame, where, and why) for a
/// stream that ends inside a frame, a length over
/// [`max_frame_bytes`](Gen::max_frame_bytes) (16 MiB unless told otherwise), or bytes that are
/// not a `T`. The records before the bad frame arrive. One buffer serves every frame.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{frames, to_frames};
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Hit {
///     host: String,
///     bytes: u64,
/// }
///
/// let mut wire = Vec::new();
/// let hits = [("a.example", 10), ("b.example", 20)];
/// let sent = pipe(hits) | map(|(h, b): (&str, u64)| Hit { host: h.into(), bytes: b }) | to_frames(&mut wire);
/// assert_eq!(sent?, 2);
///
/// let total = frames::<Hit, _>(&wire[..]) | map(|h: Hit| h.bytes) | sum();
/// assert_eq!(total?, 30);
///
/// // Cut short: the first record arrives, then the error says where the stream broke.
/// let cut = &wire[..wire.len() - 3];
/// let mut got = Vec::new();
/// let outcome = frames::<Hit, _>(cut) | for_each(|h: Hit| got.push(h.host));
/// assert_eq!(got, ["a.example"]);
/// assert_eq!(
///     outcome.unwrap_err().to_string(),
///     "<input>: frame 2 at byte 15: the stream ends inside a frame (8 of 11 bytes)"
/// );
/// # Ok::<(), genpipe::Error>(())
/// ```
pub fn frames<T: DeserializeOwned, R: Read>(reader: R) -> Gen<Frames<R, T>> {
    Gen::from_pull(Frames {
        reader: Some(BufReader::with_capacity(64 << 10, reader)),
        buf: Vec::new(),
        index: 0,
        offset: 0,
        max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
        outcome: None,
        _record: PhantomData,
    })
}

impl<R: Read, T: DeserializeOwned> Gen<Frames<R, T>> {
    /// The largest frame to accept, in bytes ([`DEFAULT_MAX_FRAME_BYTES`] unless set): a
    /// longer one ends the source with [`Error::Frame`] before anything is allocated for it.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::io::frames;
    ///
    /// // A length prefix of 4 GiB - 1, as a corrupt or hostile stream may hold.
    /// let hostile = [0xff, 0xff, 0xff, 0xff, 1, 2, 3];
    /// let err = (frames::<Vec<u8>, _>(&hostile[..]).max_frame_bytes(1 << 20) | count()).unwrap_err();
    /// assert!(err.to_string().contains("over the limit of 1048576"), "{err}");
    /// ```
    pub fn max_frame_bytes(self, bytes: usize) -> Self {
        self.configure(|f| f.max_frame_bytes = bytes)
    }
}

/// A sink that writes records as frames: [`to_frames`].
pub struct FramesSink<W: Write> {
    out: Written<W>,
    /// One frame's bytes, reused.
    buf: Vec<u8>,
}

impl<W: Write> fmt::Debug for FramesSink<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FramesSink")
            .field("out", &self.out)
            .finish_non_exhaustive()
    }
}

/// `record` as one frame, its length first, built in `buf`.
fn encode_frame<T: Serialize>(buf: &mut Vec<u8>, record: &T) -> Result<()> {
    buf.clear();
    // Room for the length, filled in once the record's size is known.
    buf.extend_from_slice(&[0; 4]);
    *buf = postcard::to_extend(record, std::mem::take(buf)).map_err(|e| Error::Other {
        source: Arc::new(e),
    })?;
    let len = buf.len() - 4;
    let prefix = u32::try_from(len).map_err(|_| {
        Error::from(std::io::Error::new(
            ErrorKind::InvalidInput,
            format!("a record of {len} bytes does not fit a frame (4 GiB at most)"),
        ))
    })?;
    buf[..4].copy_from_slice(&prefix.to_le_bytes());
    Ok(())
}

impl<T: Serialize, W: Write> Sink<T> for FramesSink<W> {
    type Out = Result<u64>;

    fn send(&mut self, record: T) -> std::result::Result<(), SendError<T>> {
        let buf = &mut self.buf;
        self.out.write(record, |out, record| {
            encode_frame(buf, record)?;
            Ok(out.write_all(buf)?)
        })
    }

    fn is_done(&self) -> bool {
        self.out.is_done()
    }

    fn close(self) -> Result<u64> {
        self.out.close()
    }
}

crate::pipe::sink_pipe_rhs!([W: Write,] FramesSink<W>);

/// A sink that writes each record as a frame into `writer` (buffered): its length, then its
/// postcard bytes. Returns how many it wrote once they are flushed; a writer that fails (a peer
/// that closed its socket, a full disk) ends it with the error, and nothing is written after.
/// [`frames`] reads them back, and has the example.
pub fn to_frames<W: Write>(writer: W) -> FramesSink<W> {
    FramesSink {
        out: Written::new(writer),
        buf: Vec::new(),
    }
}
