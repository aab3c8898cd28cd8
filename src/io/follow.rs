//! `follow`: the lines appended to a growing file, like `tail -f`.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

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

/// The reader behind [`follow`]: reads what is there, and when there is nothing, sleeps and looks
/// again, reopening the path if the file was truncated or replaced (log rotation).
#[derive(Debug)]
pub struct FollowReader {
    path: PathBuf,
    file: Option<File>,
    pos: u64,
    id: Option<FileId>,
    stop: StopToken,
    poll: Duration,
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
    fn reopen(&mut self) {
        if let Ok(file) = File::open(&self.path) {
            self.id = file.metadata().ok().as_ref().and_then(file_id);
            self.file = Some(file);
            self.pos = 0;
        }
    }

    /// Whether the path now names another file, or the file shrank below what we read.
    fn replaced_or_truncated(&self) -> bool {
        match std::fs::metadata(&self.path) {
            Ok(meta) => file_id(&meta) != self.id || meta.len() < self.pos,
            // Between a rotation's rename and the new file's creation: wait.
            Err(_) => false,
        }
    }
}

impl Read for FollowReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.stop.is_stopped() {
                return Ok(0);
            }
            if let Some(file) = self.file.as_mut() {
                let n = file.read(buf)?;
                if n > 0 {
                    self.pos += n as u64;
                    return Ok(n);
                }
            }
            if self.file.is_none() || self.replaced_or_truncated() {
                self.reopen();
                continue;
            }
            // Idle: sleep instead of spinning.
            std::thread::sleep(self.poll);
        }
    }
}

/// The lines appended to the file at `path` from now on, in order, as they are written: the
/// lines already there are skipped. Waits without spinning when the file is idle, and follows a
/// truncated or rotated file from its start. It never ends on its own: end it with
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
        file: Some(file),
        pos,
        id,
        stop: StopToken::default(),
        poll: DEFAULT_POLL,
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
}
