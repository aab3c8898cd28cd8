//! `follow`: the lines appended to a growing file, like `tail -f`.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::io::lines::{Encoding, Lines};
use crate::io::open::open_file;
use crate::produce::Gen;

/// How long `follow` sleeps between looks at an idle file.
pub const DEFAULT_POLL: Duration = Duration::from_millis(50);

/// Ends a [`follow`] from anywhere (another thread, a signal handler's flag).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::follow;
///
/// let path = std::env::temp_dir().join(format!("genpipe-doc-stop-{}", std::process::id()));
/// std::fs::write(&path, "old line\n")?;
/// let tail = follow(&path);
/// let stop = tail.stop_token();
/// stop.stop();                      // e.g. from a Ctrl-C handler
/// assert_eq!((tail | count())?, 0); // ends at its next look at the file
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct StopToken(Arc<AtomicBool>);

impl StopToken {
    /// Asks the follow to end; it does within one poll interval.
    pub fn stop(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`stop`](StopToken::stop) was called.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// How long `follow` keeps retrying a path that exists but cannot be opened before it ends
/// with the error.
pub const DEFAULT_REOPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// The reader behind [`follow`]: reads what is there, and when there is nothing, sleeps and looks
/// again.
///
/// At every look (before every read) it compares the path with the file it reads:
/// - another file at the path (a rotation by rename and create) is opened at once and queued;
///   the old one is read to its end first, through its open handle, so a file rotated away is
///   drained even if it was renamed twice meanwhile;
/// - the same file, shorter than what was read, or with other bytes where the last ones read
///   were (truncated and written again past the old offset between two looks: `copytruncate`),
///   is read again from its start;
/// - a partial last line of the old file is delivered as a line of its own before the new
///   file's first, never glued to it.
#[derive(Debug)]
pub struct FollowReader {
    path: PathBuf,
    current: Option<Tail>,
    /// Newer files found at the path, opened, read once `current` is drained.
    queued: std::collections::VecDeque<Tail>,
    /// The last byte delivered ended a line (or nothing was delivered yet).
    at_line_start: bool,
    /// A line end to deliver before anything else: the old file's partial last line ends here.
    end_partial_line: bool,
    /// Since when the path exists but cannot be opened.
    open_failing_since: Option<Instant>,
    stop: StopToken,
    poll: Duration,
    reopen_timeout: Duration,
}

/// One file being followed, by its open handle.
#[derive(Debug)]
struct Tail {
    file: File,
    id: Option<FileId>,
    /// Bytes read so far (the offset of the next read).
    pos: u64,
    /// The last bytes read, up to 16: to tell a rewritten file from a grown one.
    recent: Vec<u8>,
}

impl Tail {
    fn new(file: File, id: Option<FileId>, pos: u64) -> Tail {
        Tail {
            file,
            id,
            pos,
            recent: Vec::new(),
        }
    }

    fn note_read(&mut self, bytes: &[u8]) {
        self.pos += bytes.len() as u64;
        let keep = bytes.len().min(16);
        let old = self.recent.len().min(16 - keep);
        self.recent.drain(..self.recent.len() - old);
        self.recent.extend_from_slice(&bytes[bytes.len() - keep..]);
    }

    /// Whether the bytes before `pos` are still the ones read: `false` if the file was
    /// truncated and written again past `pos`.
    fn unchanged(&self) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            if self.recent.is_empty() {
                return true;
            }
            let mut now = vec![0u8; self.recent.len()];
            let at = self.pos - self.recent.len() as u64;
            match self.file.read_exact_at(&mut now, at) {
                Ok(()) => now == self.recent,
                Err(_) => false,
            }
        }
        #[cfg(not(unix))]
        {
            true
        }
    }

    fn restart(&mut self) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(0))?;
        self.pos = 0;
        self.recent.clear();
        Ok(())
    }
}

/// What identifies a file across renames: device and inode on Unix.
type FileId = (u64, u64);

#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> Option<FileId> {
    None
}

impl FollowReader {
    /// Compares the path with the files being read; queues a new one, restarts a truncated one.
    fn look(&mut self) -> io::Result<()> {
        let meta = match std::fs::metadata(&self.path) {
            Ok(meta) => meta,
            // Between a rotation's rename and the new file's creation: keep reading the old
            // file, and wait.
            Err(_) => return Ok(()),
        };
        let id = file_id(&meta);
        let newest = self.queued.back().or(self.current.as_ref());
        let is_new = match newest {
            None => true,
            Some(tail) => tail.id != id,
        };
        if is_new {
            match File::open(&self.path) {
                Ok(file) => {
                    self.open_failing_since = None;
                    let id = file.metadata().ok().as_ref().and_then(file_id);
                    self.queued.push_back(Tail::new(file, id, 0));
                }
                Err(e) => {
                    let since = *self.open_failing_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= self.reopen_timeout {
                        return Err(e);
                    }
                }
            }
            return Ok(());
        }
        // The same file as the newest one: truncated (shorter, or rewritten) if it is the one
        // being read.
        if self.queued.is_empty()
            && let Some(tail) = self.current.as_mut()
            && (meta.len() < tail.pos || !tail.unchanged())
        {
            tail.restart()?;
            self.end_partial_line |= !self.at_line_start;
        }
        Ok(())
    }
}

impl Read for FollowReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.stop.is_stopped() {
                return Ok(0);
            }
            if buf.is_empty() {
                return Ok(0);
            }
            if self.end_partial_line {
                self.end_partial_line = false;
                self.at_line_start = true;
                buf[0] = b'\n';
                return Ok(1);
            }
            self.look()?;
            if self.end_partial_line {
                continue;
            }
            if let Some(tail) = self.current.as_mut() {
                let n = tail.file.read(buf)?;
                if n > 0 {
                    tail.note_read(&buf[..n]);
                    self.at_line_start = buf[n - 1] == b'\n';
                    return Ok(n);
                }
            }
            // The file being read is drained: go on with the next one at the path, if any.
            if let Some(next) = self.queued.pop_front() {
                self.current = Some(next);
                self.end_partial_line |= !self.at_line_start;
                continue;
            }
            // Idle: hand over what a `threaded` producer has batched, end if its consumer has
            // gone, else sleep instead of spinning.
            if crate::worker::idle() == crate::worker::Idle::Stop {
                return Ok(0);
            }
            std::thread::sleep(self.poll);
        }
    }
}

/// The lines appended to the file at `path` from now on, in order, as they are written: the
/// lines already there are skipped. Waits without spinning when the file is idle, and follows a
/// truncated or rotated file from its start: the old file is read to its end through its open
/// handle first, and its partial last line, if any, is delivered as a line of its own (see
/// [`FollowReader`]). It never ends on its own: end it with
/// [`take`](crate::stages::take) (or any stage that stops), a [`StopToken`], or by dropping it.
///
/// # Errors
/// The pipeline's sink returns [`Error::Io`](crate::Error::Io) naming the file if it cannot be opened or read.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::follow;
/// use std::io::Write;
///
/// let path = std::env::temp_dir().join(format!("genpipe-doc-follow-{}", std::process::id()));
/// std::fs::write(&path, "before\n")?;
/// let tail = follow(&path);
/// let writer = {
///     let path = path.clone();
///     std::thread::spawn(move || {
///         let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
///         for i in 0..3 {
///             writeln!(f, "GET /{i} 404").unwrap();
///         }
///     })
/// };
/// let got = (tail | take(3) | map(|l: Line| l.to_string()) | collect::<Vec<_>>())?;
/// assert_eq!(got, ["GET /0 404", "GET /1 404", "GET /2 404"]);
/// writer.join().unwrap();
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn follow(path: impl AsRef<Path>) -> Gen<Lines<FollowReader>> {
    let path = path.as_ref();
    let mut file = match open_file(path) {
        Ok(file) => file,
        Err(e) => return Gen::from_pull(Lines::failed(e)),
    };
    let pos = file.seek(SeekFrom::End(0)).unwrap_or(0);
    let id = file.metadata().ok().as_ref().and_then(file_id);
    let reader = FollowReader {
        path: path.to_path_buf(),
        current: Some(Tail::new(file, id, pos)),
        queued: std::collections::VecDeque::new(),
        at_line_start: true,
        end_partial_line: false,
        open_failing_since: None,
        stop: StopToken::default(),
        poll: DEFAULT_POLL,
        reopen_timeout: DEFAULT_REOPEN_TIMEOUT,
    };
    // A small buffer: a followed file delivers a few lines at a time.
    let mut lines = Lines::new(reader, Some(Arc::from(path)), Encoding::Plain);
    lines.set_buffer_bytes(8 * 1024);
    Gen::from_pull(lines)
}

impl Gen<Lines<FollowReader>> {
    /// A token that ends this follow when stopped.
    pub fn stop_token(&self) -> StopToken {
        self.inspect_state(|lines| lines.reader().map(|r| r.stop.clone()).unwrap_or_default())
    }

    /// How long to sleep between looks at an idle file (default [`DEFAULT_POLL`]).
    pub fn poll_interval(self, every: Duration) -> Self {
        self.configure(|lines| {
            if let Some(r) = lines.reader_mut() {
                r.poll = every;
            }
        })
    }

    /// How long to keep retrying, once per poll interval, a path that exists but cannot be
    /// opened (a new file created without read permission) before the follow ends with that
    /// error (default [`DEFAULT_REOPEN_TIMEOUT`]). A path that does not exist is waited for
    /// without limit: between a rotation's rename and the new file's creation it is missing.
    pub fn reopen_timeout(self, limit: Duration) -> Self {
        self.configure(|lines| {
            if let Some(r) = lines.reader_mut() {
                r.reopen_timeout = limit;
            }
        })
    }
}
