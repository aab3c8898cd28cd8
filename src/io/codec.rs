//! The compressed encodings a line source understands, told by a file's suffix or by the first
//! bytes of a stream, and their decoders.

use std::io::{BufReader, Read};
use std::path::Path;

/// A reader of one of the supported encodings, boxed once per file (one dynamic call per read,
/// not per line).
pub type FileReader = Box<dyn Read + Send>;

/// A compressed encoding. Each needs its feature (`gzip` and `bzip2` are in `logs`, `zstd` and
/// `xz` in `full`); a file in one read without its feature ends its source with an error that
/// names the feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Codec {
    Gzip,
    Bzip2,
    Zstd,
    Xz,
}

/// Whether [`lines`](crate::io::lines) decompresses `path`: its suffix is `.gz`, `.bz2`, `.zst`
/// or `.xz` (whether or not the feature that reads it is on). Its size and offsets are then not
/// its lines'.
///
/// # Example
/// ```
/// use genpipe::io::is_compressed;
///
/// assert!(is_compressed("access.log.gz".as_ref()));
/// assert!(!is_compressed("access.log".as_ref()));
/// ```
pub fn is_compressed(path: &Path) -> bool {
    Codec::from_suffix(path).is_some()
}

/// Whether `head`, the first bytes of a stream, start one of the compressed encodings
/// [`lines_from_auto`](crate::io::lines_from_auto) decompresses (told by their magic numbers).
///
/// # Example
/// ```
/// use genpipe::io::starts_compressed;
///
/// assert!(starts_compressed(&[0x1f, 0x8b, 8, 0]));
/// assert!(!starts_compressed(b"GET /index.html"));
/// ```
pub fn starts_compressed(head: &[u8]) -> bool {
    Codec::from_magic(head).is_some()
}

/// How far [`binary_offset`] looks for a NUL byte: ripgrep's first block.
pub const BINARY_SNIFF_BYTES: usize = 64 << 10;

/// Where the first NUL byte of the regular file `path` is, if there is one in its first
/// [`BINARY_SNIFF_BYTES`]: ripgrep's sign of a binary file. `None` for a file that is not
/// regular (a FIFO, a pipe given as `/dev/fd/N`, a terminal) without opening it, since reading
/// one here would block or take bytes its search needs; `None` for a compressed file too (its
/// bytes are not its lines'), and for one that cannot be opened (its search reports why).
///
/// # Example
/// ```
/// use genpipe::io::binary_offset;
///
/// let dir = std::env::temp_dir().join(format!("genpipe-doc-binary-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("text.log"), "a\nb\n")?;
/// std::fs::write(dir.join("data.bin"), b"ab\0cd")?;
/// assert_eq!(binary_offset(&dir.join("text.log")), None);
/// assert_eq!(binary_offset(&dir.join("data.bin")), Some(2));
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn binary_offset(path: &Path) -> Option<u64> {
    if is_compressed(path) || !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let mut head = vec![0u8; BINARY_SNIFF_BYTES];
    let mut file = std::fs::File::open(path).ok()?;
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    memchr::memchr(0, &head[..filled]).map(|i| i as u64)
}

/// The longest magic number below (xz's).
pub(crate) const MAGIC_LEN: usize = 6;

impl Codec {
    /// The encoding `path`'s suffix names, if any.
    pub(crate) fn from_suffix(path: &Path) -> Option<Codec> {
        match path.extension()?.to_str()? {
            "gz" => Some(Codec::Gzip),
            "bz2" => Some(Codec::Bzip2),
            "zst" => Some(Codec::Zstd),
            "xz" => Some(Codec::Xz),
            _ => None,
        }
    }

    /// The encoding whose magic number `head` starts with, if any.
    pub(crate) fn from_magic(head: &[u8]) -> Option<Codec> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Codec::Gzip)
        } else if head.starts_with(b"BZh") {
            Some(Codec::Bzip2)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Codec::Zstd)
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Some(Codec::Xz)
        } else {
            None
        }
    }

    /// The decompressed bytes of `compressed`. Every encoding decodes files of several members
    /// (frames, streams) one after another, as `cat a.gz b.gz` makes and their tools read.
    pub(crate) fn decoder(self, compressed: impl Read + Send + 'static) -> FileReader {
        let buffered = BufReader::new(compressed);
        match self {
            #[cfg(feature = "gzip")]
            Codec::Gzip => Box::new(flate2::read::MultiGzDecoder::new(buffered)),
            #[cfg(feature = "bzip2")]
            Codec::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(buffered)),
            #[cfg(feature = "zstd")]
            Codec::Zstd => Box::new(zstd_frames::Frames::new(buffered)),
            #[cfg(feature = "xz")]
            Codec::Xz => Box::new(lzma_rust2::XzReader::new(buffered, true)),
            #[allow(unreachable_patterns)]
            missing => {
                drop(buffered);
                Box::new(Unsupported(missing))
            }
        }
    }
}

/// The reader of an encoding this build cannot decode: its first read fails, saying which
/// feature would.
struct Unsupported(Codec);

impl Read for Unsupported {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        let feature = match self.0 {
            Codec::Gzip => "gzip",
            Codec::Bzip2 => "bzip2",
            Codec::Zstd => "zstd",
            Codec::Xz => "xz",
        };
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            format!("{feature}-compressed input needs genpipe's `{feature}` feature"),
        ))
    }
}

#[cfg(feature = "zstd")]
mod zstd_frames {
    use std::io::{BufRead, ErrorKind, Read};

    use ruzstd::decoding::StreamingDecoder;
    use ruzstd::decoding::errors::FrameDecoderError;

    /// The frames of a zstd stream, decoded one after another: ruzstd's decoder reads one frame
    /// (`zstd -c a >> f; zstd -c b >> f` makes two).
    pub(super) struct Frames<R: BufRead> {
        state: State<R>,
    }

    enum State<R: BufRead> {
        /// Between frames: the next read starts one, or finds the end.
        Between(R),
        /// Boxed: a frame decoder is kilobytes, and one is made per frame.
        Inside(Box<StreamingDecoder<R, ruzstd::decoding::FrameDecoder>>),
        Taken,
    }

    impl<R: BufRead> Frames<R> {
        pub(super) fn new(compressed: R) -> Self {
            Frames {
                state: State::Between(compressed),
            }
        }
    }

    impl<R: BufRead> Read for Frames<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if buf.is_empty() {
                return Ok(0);
            }
            loop {
                match std::mem::replace(&mut self.state, State::Taken) {
                    State::Between(mut compressed) => {
                        if compressed.fill_buf()?.is_empty() {
                            self.state = State::Between(compressed);
                            return Ok(0);
                        }
                        match StreamingDecoder::new(compressed) {
                            Ok(frame) => self.state = State::Inside(Box::new(frame)),
                            Err(e) => return Err(corrupt(e)),
                        }
                    }
                    State::Inside(mut frame) => match frame.read(buf) {
                        Ok(0) => self.state = State::Between((*frame).into_inner()),
                        Ok(n) => {
                            self.state = State::Inside(frame);
                            return Ok(n);
                        }
                        // ruzstd reports damage as `Other`; the line source tells damage
                        // (`Error::Decompress`) from a failed read by `InvalidData`.
                        Err(e) if e.kind() == ErrorKind::Other => {
                            return Err(std::io::Error::new(ErrorKind::InvalidData, e));
                        }
                        Err(e) => return Err(e),
                    },
                    State::Taken => {
                        return Err(std::io::Error::new(
                            ErrorKind::InvalidData,
                            "zstd stream already failed",
                        ));
                    }
                }
            }
        }
    }

    fn corrupt(e: FrameDecoderError) -> std::io::Error {
        std::io::Error::new(ErrorKind::InvalidData, e)
    }
}
