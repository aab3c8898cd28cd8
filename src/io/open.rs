//! Line sources: files (decompressed by suffix), any reader, standard input.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::error::Error;
pub use crate::io::codec::FileReader;
use crate::io::codec::{Codec, MAGIC_LEN};
#[cfg(feature = "mmap")]
use crate::io::line::{Chunk, Storage};
use crate::io::lines::{Encoding, Lines};
use crate::produce::Gen;

/// Opens `path`; the error names it.
pub(crate) fn open_file(path: &Path) -> Result<File, Error> {
    File::open(path).map_err(|source| Error::Io {
        path: Some(path.into()),
        source: source.into(),
    })
}

/// The lines of the file at `path`, decompressed by suffix: `.gz` (gzip, including files of
/// several members, as `cat a.gz b.gz` makes), `.bz2` (bzip2), `.zst` (zstd, with the `zstd`
/// feature) and `.xz` (xz, with the `xz` feature), anything else plain.
///
/// The file is opened here; a failure to open is not a panic: the source yields no line and
/// the pipeline's sink returns the error.
///
/// # Errors
/// The sink of the pipeline returns [`Error::Io`] naming the file if it cannot be opened or read,
/// and [`Error::Decompress`] if a compressed file is corrupt or truncated (the lines before the
/// failure are delivered first).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::lines;
///
/// let path = std::env::temp_dir().join(format!("genpipe-doc-lines-{}.log", std::process::id()));
/// std::fs::write(&path, "a\nb\r\nc")?;
/// assert_eq!((lines(&path) | count())?, 3);
/// let last = (lines(&path) | last())?.unwrap();
/// assert_eq!(last, "c");
/// assert_eq!(last.path(), Some(path.as_path()));
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn lines(path: impl AsRef<Path>) -> Gen<Lines<FileReader>> {
    let path = path.as_ref();
    match open_file(path) {
        Ok(file) => lines_of(file, path),
        Err(e) => Gen::from_pull(Lines::failed(e)),
    }
}

/// The lines of an open file, decompressed by `path`'s suffix.
fn lines_of(file: File, path: &Path) -> Gen<Lines<FileReader>> {
    let shared: Arc<Path> = Arc::from(path);
    let (reader, encoding): (FileReader, Encoding) = match Codec::from_suffix(path) {
        Some(codec) => (codec.decoder(file), Encoding::Compressed),
        None => (Box::new(file), Encoding::Plain),
    };
    Gen::from_pull(Lines::new(reader, Some(shared), encoding))
}

/// The lines of the plain file at `path` in `parts` parts of about equal size, each cut at a
/// line end: one part's lines follow the one before's, and together they are the file's lines,
/// each once. Search the parts on as many workers (`par_map`) and add the results up: one large
/// file on every core, where ripgrep searches a file on one thread.
///
/// A line's [`offset`](crate::io::Line::offset) is its offset in the file; its number counts
/// from its part's first line. A compressed file (which cannot be cut), a file that is not
/// regular, or one that cannot be opened is one part (`lines(path)`, whose error then ends it).
/// Parts that would be empty (a part smaller than a line) are left out.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{FileReader, Lines, grep, lines_split};
///
/// let path = std::env::temp_dir().join(format!("genpipe-doc-split-{}.log", std::process::id()));
/// let text: String = (0..1000).map(|i| format!("line {i}\n")).collect();
/// std::fs::write(&path, &text)?;
/// let parts = lines_split(&path, 4);
/// assert_eq!(parts.len(), 4);
/// let per_part = pipe(parts)
///     | par_map(|part: Gen<Lines<FileReader>>| (part | grep("7") | count()).unwrap())
///     | sum::<usize>();
/// assert_eq!(per_part, text.lines().filter(|l| l.contains('7')).count());
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn lines_split(path: impl AsRef<Path>, parts: usize) -> Vec<Gen<Lines<FileReader>>> {
    let path = path.as_ref();
    let Some((starts, size)) = part_starts(path, parts) else {
        return vec![lines(path)];
    };
    let shared: Arc<Path> = Arc::from(path);
    let ends = starts.iter().skip(1).copied().chain([size]);
    starts
        .iter()
        .zip(ends)
        .map(|(&start, end)| lines_in_range(&shared, start, end))
        .collect()
}

/// Where the `parts` parts of the plain regular file at `path` start (each at a line start,
/// the first at 0, none empty) and the file's size; `None` for a file that cannot be cut (a
/// compressed one, one that is not regular, one that cannot be read).
pub(crate) fn part_starts(path: &Path, parts: usize) -> Option<(Vec<u64>, u64)> {
    let size = match std::fs::metadata(path) {
        Ok(m) if m.is_file() && Codec::from_suffix(path).is_none() => m.len(),
        _ => return None,
    };
    let parts = parts.max(1) as u64;
    // Each cut moved on to the start of the line it falls in, unless it is one already.
    let mut starts = vec![0u64];
    for i in 1..parts {
        let guess = size * i / parts;
        match line_start_at_or_after(path, guess) {
            Ok(start) if start < size && start > *starts.last().unwrap_or(&0) => starts.push(start),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    Some((starts, size))
}

/// The lines of the plain file `path` from byte `start` (a line start) to `end`, their offsets
/// the file's, their numbers from 1. A failure to open or seek ends the source with its error.
pub(crate) fn lines_in_range(path: &Arc<Path>, start: u64, end: u64) -> Gen<Lines<FileReader>> {
    let part = open_file(path).and_then(|mut file| {
        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(start)).map_err(|source| {
            Error::Io {
                path: Some(path.to_path_buf()),
                source: source.into(),
            }
        })?;
        Ok(file)
    });
    match part {
        Ok(file) => {
            let reader: FileReader = Box::new(file.take(end.saturating_sub(start)));
            let mut part = Lines::new(reader, Some(Arc::clone(path)), Encoding::Plain);
            part.set_start_offset(start);
            Gen::from_pull(part)
        }
        Err(e) => Gen::from_pull(Lines::failed(e)),
    }
}

#[cfg(feature = "rayon")]
/// The start of the line `n` lines before the line that starts at `offset` in the file at
/// `path` (0 if there are fewer): where the lines shown before a part's first line begin.
pub(crate) fn line_start_before(path: &Path, offset: u64, n: usize) -> std::io::Result<u64> {
    use std::io::{Seek, SeekFrom};
    if offset == 0 || n == 0 {
        return Ok(offset);
    }
    let mut file = File::open(path)?;
    // The `\n` at `offset - 1` ends the line just before: line ends are searched before it.
    let mut end = offset - 1;
    let mut ends_left = n;
    let mut block = vec![0u8; 64 << 10];
    while end > 0 {
        let start = end.saturating_sub(block.len() as u64);
        let len = (end - start) as usize;
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut block[..len])?;
        let mut within = &block[..len];
        while let Some(i) = memchr::memrchr(b'\n', within) {
            ends_left -= 1;
            if ends_left == 0 {
                return Ok(start + i as u64 + 1);
            }
            within = &within[..i];
        }
        end = start;
    }
    Ok(0)
}

/// The offset of the first line start at or after `offset` in the file at `path` (its size if
/// no line starts there).
fn line_start_at_or_after(path: &Path, offset: u64) -> std::io::Result<u64> {
    use std::io::{Seek, SeekFrom};
    if offset == 0 {
        return Ok(0);
    }
    let mut file = File::open(path)?;
    // The byte before `offset` is a line end if a line starts at `offset`.
    let mut at = file.seek(SeekFrom::Start(offset - 1))?;
    let mut block = [0u8; 4096];
    loop {
        let n = file.read(&mut block)?;
        if n == 0 {
            return Ok(at);
        }
        if let Some(i) = memchr::memchr(b'\n', &block[..n]) {
            return Ok(at + i as u64 + 1);
        }
        at += n as u64;
    }
}

#[cfg(feature = "mmap")]
/// The lines of the file at `path` read through a memory map: no copy from the kernel's page
/// cache, which pays off for large files searched once. Compressed files (`.gz`, `.bz2`, ...) and
/// files that cannot be mapped are read as [`lines`] reads them.
///
/// ripgrep maps files by a similar rule (large, regular files; never for a directory walk of many
/// small files), and so does `loggrep --mmap`.
///
/// # Safety
/// While any `Line` of this source is alive, the file must not be truncated or modified by
/// anyone: a mapped page whose file shrank makes a read of it a `SIGBUS` crash, and a change
/// makes `Line`'s bytes change under it, which Rust's aliasing rules forbid. Use [`lines`] for
/// files that are written to (logs being appended to: use [`follow`](crate::io::follow)).
///
/// # Errors
/// As [`lines`].
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::lines_mmap;
///
/// let path = std::env::temp_dir().join(format!("genpipe-doc-mmap-{}.log", std::process::id()));
/// std::fs::write(&path, "a 404\nb 200\r\nc 404")?;
/// // SAFETY: the file is ours and nobody modifies it while its lines are alive.
/// let got = unsafe { lines_mmap(&path) } | collect::<Vec<_>>();
/// assert_eq!(got?, ["a 404", "b 200", "c 404"]);
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub unsafe fn lines_mmap(path: impl AsRef<Path>) -> Gen<Lines<FileReader>> {
    let path = path.as_ref();
    if Codec::from_suffix(path).is_some() {
        return lines(path);
    }
    let file = match open_file(path) {
        Ok(file) => file,
        Err(e) => return Gen::from_pull(Lines::failed(e)),
    };
    let len = match file.metadata() {
        Ok(meta) if meta.is_file() && meta.len() > 0 => meta.len() as usize,
        // Empty files cannot be mapped, special files should not be: read them, through the
        // handle already open (reopening a FIFO would lose what its writer wrote to this one,
        // or block for a second writer).
        _ => return lines_of(file, path),
    };
    // SAFETY: the caller guarantees that the file is neither truncated nor modified while lines
    // of it (views into the map) are alive.
    let map = match unsafe { memmap2::Mmap::map(&file) } {
        Ok(map) => map,
        Err(_) => return lines_of(file, path),
    };
    let chunk = Chunk {
        len: len.min(map.len()),
        bytes: Storage::Map(map),
        path: Some(Arc::from(path)),
        offset: 0,
        runs: None,
    };
    Gen::from_pull(Lines::whole(chunk))
}

/// The lines of any reader (a socket, a `&[u8]`, a child's stdout). Not decompressed.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::lines_from;
///
/// let n = lines_from(&b"x\ny\n"[..]) | count();
/// assert_eq!(n?, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn lines_from<R: Read>(reader: R) -> Gen<Lines<R>> {
    Gen::from_pull(Lines::new(reader, None, Encoding::Plain))
}

/// The lines of standard input.
///
/// # Example
/// ```no_run
/// use genpipe::prelude::*;
///
/// let n = (genpipe::io::stdin() | count())?;
/// println!("{n} lines");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn stdin() -> Gen<Lines<std::io::Stdin>> {
    lines_from(std::io::stdin())
}

/// The lines of `reader`, decompressed when its first bytes say gzip (`1f 8b`), bzip2 (`BZh`),
/// zstd (`28 b5 2f fd`, with the `zstd` feature) or xz (`fd 37 7a 58 5a 00`, with the `xz`
/// feature), plain otherwise: for input with no file name to go by (`loggrep x < app.log.gz`).
///
/// # Errors
/// As [`lines`]: a read or decompression error ends the source, and its pipeline's sink returns
/// it.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::lines_from_auto;
/// use std::io::Write;
///
/// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
/// gz.write_all(b"GET /a 404\nGET /b 200\n")?;
/// let packed = gz.finish()?;
/// assert_eq!((lines_from_auto(std::io::Cursor::new(packed)) | count())?, 2);
/// assert_eq!((lines_from_auto(&b"plain\ntext\n"[..]) | count())?, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn lines_from_auto<R: Read + Send + 'static>(reader: R) -> Gen<Lines<FileReader>> {
    let mut reader = reader;
    // Up to the longest magic number, however the reader cuts its reads (a pipe may give one
    // byte at a time).
    let mut head = Vec::with_capacity(MAGIC_LEN);
    while head.len() < MAGIC_LEN {
        let mut byte = [0u8; MAGIC_LEN];
        let want = MAGIC_LEN - head.len();
        match reader.read(&mut byte[..want]) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&byte[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Gen::from_pull(Lines::failed(Error::Io {
                    path: None,
                    source: source.into(),
                }));
            }
        }
    }
    let codec = Codec::from_magic(&head);
    let whole = std::io::Cursor::new(head).chain(reader);
    let (reader, encoding): (FileReader, Encoding) = match codec {
        Some(codec) => (codec.decoder(whole), Encoding::Compressed),
        None => (Box::new(whole), Encoding::Plain),
    };
    Gen::from_pull(Lines::new(reader, None, encoding))
}

impl<R: Read> Gen<Lines<R>> {
    /// Keeps the `\r` of `\r\n` line ends (by default it is stripped).
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::io::lines_from;
    ///
    /// let kept = lines_from(&b"a\r\nb\r"[..]).keep_cr() | collect::<Vec<_>>();
    /// assert_eq!(kept?, ["a\r", "b\r"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn keep_cr(self) -> Self {
        self.configure(|lines| lines.set_keep_cr(true))
    }

    /// Reads `bytes` at a time (default [`DEFAULT_BUFFER_BYTES`](crate::io::DEFAULT_BUFFER_BYTES)).
    /// A line longer than that is still delivered whole.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::io::lines_from;
    ///
    /// let long = "x".repeat(100);
    /// let got = lines_from(long.as_bytes()).buffer_bytes(8) | collect::<Vec<_>>();
    /// assert_eq!(got?[0].as_bytes().len(), 100);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn buffer_bytes(self, bytes: usize) -> Self {
        self.configure(|lines| lines.set_buffer_bytes(bytes))
    }

    /// Lines carry no line number ([`Line::line_no`](crate::io::Line::line_no) says 0), so a
    /// [`grep`](crate::io::grep) right after this source does not count the line ends of the
    /// text it skips: on a rare literal that was about a third of the search's instructions.
    /// [`lines_read`](Gen::lines_read) then counts only the lines handed on.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::io::{grep, lines_from};
    ///
    /// let log = &b"a\nb 404\nc\nd 404\n"[..];
    /// let hits = (lines_from(log).unnumbered() | grep("404") | collect::<Vec<_>>())?;
    /// assert_eq!(hits.len(), 2);
    /// assert_eq!(hits[0].line_no(), 0);
    /// assert_eq!((lines_from(log) | grep("404") | collect::<Vec<_>>())?[1].line_no(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unnumbered(self) -> Self {
        self.configure(|lines| lines.set_numbered(false))
    }

    /// The longest line to accept (default
    /// [`DEFAULT_MAX_LINE_BYTES`](crate::io::DEFAULT_MAX_LINE_BYTES), 64 MiB). A longer one ends
    /// the source with [`Error::LineTooLong`](crate::Error::LineTooLong) naming the file and
    /// line, after the lines before it: memory stays bounded on input without line ends.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::io::lines_from;
    /// use std::io::Read;
    ///
    /// // A megabyte of NULs and no line end, read with a 64 KiB limit.
    /// let zeros = std::io::repeat(0).take(1 << 20);
    /// let err = (lines_from(zeros).max_line_bytes(64 << 10) | count()).unwrap_err();
    /// assert!(matches!(err, genpipe::Error::LineTooLong { line_no: 1, .. }));
    /// ```
    pub fn max_line_bytes(self, bytes: usize) -> Self {
        self.configure(|lines| lines.set_max_line_bytes(bytes))
    }

    /// A line that has not ended within [`max_line_bytes`](Gen::max_line_bytes) is cut at that
    /// length and the rest of it skipped, instead of ending the source: for input that may hold
    /// huge "lines" (binary data, a minified file) where the lines around them matter. The cut
    /// line keeps its number and offset; memory stays at the limit. (The limit bounds the
    /// buffer: a line that ends in the read that takes it past the limit, at most one read
    /// buffer longer, comes whole.)
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::io::lines_from;
    ///
    /// let input = format!("{}\nafter\n", "x".repeat(100_000));
    /// let all = lines_from(input.as_bytes()).max_line_bytes(10).truncate_long_lines()
    ///     | map(|l: Line| (l.line_no(), l.to_string()))
    ///     | collect::<Vec<_>>();
    /// assert_eq!(all?, [(1, "x".repeat(10)), (2, "after".to_string())]);
    /// # Ok::<(), genpipe::Error>(())
    /// ```
    pub fn truncate_long_lines(self) -> Self {
        self.configure(|lines| lines.set_truncate_long_lines(true))
    }

    /// A counter that holds the number of lines this source read (lines `grep` skipped
    /// included) once the source is dropped, e.g. when its pipeline has run. Costs nothing per
    /// line.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::io::{grep, lines_from};
    ///
    /// let (source, read) = lines_from(&b"a\nb\nab\n"[..]).lines_read();
    /// assert_eq!((source | grep("b") | count())?, 2);
    /// assert_eq!(read.load(std::sync::atomic::Ordering::Relaxed), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lines_read(self) -> (Self, Arc<std::sync::atomic::AtomicU64>) {
        let mut counter = None;
        let this = self.configure(|lines| counter = Some(lines.publish_line_count()));
        (this, counter.unwrap_or_default())
    }
}
