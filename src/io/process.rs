//! Child processes as sources and sinks: [`command_lines`] reads the lines a command writes
//! (`journalctl -f`, `kubectl logs -f`, `zcat big.gz`), [`to_command`] writes lines into one
//! (`| gzip > out.gz`). A command that fails ends the pipeline with [`Error::Command`]: its exit
//! status and the tail of what it wrote to standard error.
//!
//! Why the standard error is read on a thread of its own: a child that fills its stderr pipe
//! (64 KiB on Linux) blocks until someone reads it, and the pipeline is busy reading stdout.

use std::borrow::BorrowMut;
use std::fmt;
use std::io::{BufWriter, Read, Write};
use std::pin::Pin;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::thread::JoinHandle;

use super::lines::{Encoding, Lines};
use crate::consume::{SendError, Sink};
use crate::engine::Pull;
use crate::error::{Error, Result};
use crate::io::Line;
use crate::produce::Gen;
use crate::text::Matcher;

/// How much of a failed command's standard error [`Error::Command`] keeps: its last 4 KiB.
pub const STDERR_TAIL_BYTES: usize = 4096;

/// A command as people write it: the program and its arguments, quoted where needed.
pub(crate) fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        let arg = arg.to_string_lossy();
        text.push(' ');
        if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || c == '\'') {
            text.push('\'');
            text.push_str(&arg.replace('\'', r"'\''"));
            text.push('\'');
        } else {
            text.push_str(&arg);
        }
    }
    text
}

/// The last [`STDERR_TAIL_BYTES`] a child writes to its standard error, read on a thread of
/// its own until the child closes it.
pub(crate) fn read_stderr_tail(mut stderr: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut tail = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match stderr.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    tail.extend_from_slice(&buf[..n]);
                    if tail.len() > 2 * STDERR_TAIL_BYTES {
                        tail.drain(..tail.len() - STDERR_TAIL_BYTES);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        if tail.len() > STDERR_TAIL_BYTES {
            tail.drain(..tail.len() - STDERR_TAIL_BYTES);
        }
        tail
    })
}

/// A spawned child with its standard error collected: the part both directions share.
pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) stderr: Option<JoinHandle<Vec<u8>>>,
    pub(crate) command: Arc<str>,
}

impl Running {
    /// Waits for the child and says how it ended: `Ok` on success, else [`Error::Command`].
    pub(crate) fn wait(&mut self) -> Result<()> {
        let status = self.child.wait();
        let stderr = self
            .stderr
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        match status {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(Error::Command {
                command: self.command.to_string(),
                status,
                stderr: String::from_utf8_lossy(&stderr).trim_end().to_string(),
            }),
            Err(source) => Err(Error::Io {
                path: None,
                source: Arc::new(source),
            }),
        }
    }

    /// Ends a child nobody reads any more (the pipeline was dropped): killed and reaped, so
    /// no zombie is left and no thread waits on its pipes.
    pub(crate) fn end(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        if let Some(t) = self.stderr.take() {
            let _ = t.join();
        }
    }
}

/// Why a command could not start, as a pipeline error naming it.
pub(crate) fn spawn_error(command: &str, source: std::io::Error) -> Error {
    Error::Io {
        path: Some(format!("command `{command}`").into()),
        source: Arc::new(source),
    }
}

/// The lines of a child process's standard output: [`command_lines`].
pub struct CommandLines {
    lines: Option<Lines<ChildStdout>>,
    running: Option<Running>,
    outcome: Option<Result<()>>,
}

impl fmt::Debug for CommandLines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandLines")
            .field("command", &self.running.as_ref().map(|r| &r.command))
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

impl CommandLines {
    /// After the last line: the read's error, else how the child ended.
    #[cold]
    fn finish(&mut self) {
        let read = self
            .lines
            .take()
            .and_then(|mut l| Pin::new(&mut l).take_return());
        let exited = match self.running.as_mut() {
            Some(running) => running.wait(),
            None => Ok(()),
        };
        self.running = None;
        self.outcome = Some(match (read, exited) {
            // The child's own failure says more than a read that failed because of it.
            (_, Err(e)) => Err(e),
            (Some(Err(e)), Ok(())) => Err(e),
            _ => Ok(()),
        });
    }
}

impl Drop for CommandLines {
    fn drop(&mut self) {
        if let Some(running) = self.running.as_mut() {
            // Its stdout first: a child blocked writing to a full pipe gets EPIPE at once.
            self.lines = None;
            running.end();
        }
    }
}

impl crate::sealed::Pull for CommandLines {}
impl Pull for CommandLines {
    type Item = Line;
    type Return = Result<()>;

    #[inline]
    fn pull(self: Pin<&mut Self>) -> Option<Line> {
        let this = self.get_mut();
        let line = this.lines.as_mut().and_then(|l| Pin::new(l).pull());
        if line.is_none() && this.outcome.is_none() {
            this.finish();
        }
        line
    }

    fn take_return(self: Pin<&mut Self>) -> Option<Result<()>> {
        self.get_mut().outcome.take()
    }

    #[inline]
    fn pull_matching(self: Pin<&mut Self>, matcher: &Matcher) -> Option<Line> {
        let this = self.get_mut();
        let line = this
            .lines
            .as_mut()
            .and_then(|l| Pin::new(l).pull_matching(matcher));
        if line.is_none() && this.outcome.is_none() {
            this.finish();
        }
        line
    }

    #[inline]
    fn count_matching(self: Pin<&mut Self>, matcher: &Matcher, limit: u64) -> u64 {
        let this = self.get_mut();
        let n = match this.lines.as_mut() {
            Some(l) => Pin::new(l).count_matching(matcher, limit),
            None => 0,
        };
        if n < limit && this.outcome.is_none() {
            this.finish();
        }
        n
    }
}

/// The lines a command writes to its standard output, as zero-copy [`Line`]s read in large
/// buffers, as [`lines`](crate::io::lines) reads a file. The pipeline's outcome is how the
/// command ended: `Ok` if it exited with status 0, else [`Error::Command`] with its exit status
/// and the last [`STDERR_TAIL_BYTES`] of its standard error (which is captured, not shown); a
/// command that cannot start is an [`Error::Io`] naming it.
///
/// The child starts here, as Python's `subprocess.Popen` does, with its standard output and
/// error piped (other settings of `command`, such as its stdin, directory and environment, are
/// kept). Dropping the pipeline before the end kills the child and reaps it: a `take(10)` over
/// `tail -f` ends it. A child that neither writes nor exits blocks the pull, as a read of a
/// pipe does.
///
/// # Example
/// ```
/// # #[cfg(unix)] {
/// use std::process::Command;
/// use genpipe::prelude::*;
/// use genpipe::io::command_lines;
///
/// let n = command_lines(Command::new("printf").arg("GET /a 200\nGET /b 404\n"))
///     | grep("404")
///     | count();
/// assert_eq!(n?, 1);
///
/// // A command that fails: its status and stderr are the pipeline's error.
/// let err = (command_lines(Command::new("sh").args(["-c", "echo no such file >&2; exit 2"]))
///     | count())
/// .unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "`sh -c 'echo no such file >&2; exit 2'` exited with status 2: no such file"
/// );
/// # }
/// # Ok::<(), genpipe::Error>(())
/// ```
pub fn command_lines(mut command: impl BorrowMut<Command>) -> Gen<CommandLines> {
    let command = command.borrow_mut();
    let described: Arc<str> = describe(command).into();
    let spawned = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let source = match spawned {
        Ok(mut child) => {
            let stdout = child.stdout.take();
            let stderr = child.stderr.take().map(read_stderr_tail);
            CommandLines {
                lines: stdout.map(|out| Lines::new(out, None, Encoding::Plain)),
                running: Some(Running {
                    child,
                    stderr,
                    command: described,
                }),
                outcome: None,
            }
        }
        Err(e) => CommandLines {
            lines: None,
            running: None,
            outcome: Some(Err(spawn_error(&described, e))),
        },
    };
    Gen::from_pull(source)
}

/// A sink that writes each item as a line into a child's standard input: [`to_command`].
pub struct CommandSink {
    stdin: Option<BufWriter<ChildStdin>>,
    running: Option<Running>,
    written: u64,
    error: Option<Error>,
}

impl fmt::Debug for CommandSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandSink")
            .field("command", &self.running.as_ref().map(|r| &r.command))
            .field("written", &self.written)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<T: AsRef<[u8]>> Sink<T> for CommandSink {
    type Out = Result<u64>;

    fn send(&mut self, item: T) -> std::result::Result<(), SendError<T>> {
        let Some(stdin) = self.stdin.as_mut().filter(|_| self.error.is_none()) else {
            return Err(SendError(item));
        };
        let written = stdin
            .write_all(item.as_ref())
            .and_then(|()| stdin.write_all(b"\n"));
        match written {
            Ok(()) => {
                self.written += 1;
                Ok(())
            }
            Err(source) => {
                // The child stopped reading (it exited, or closed its stdin): the line is not
                // taken, and `close` says why, from the child's status if it failed.
                self.error = Some(Error::Io {
                    path: None,
                    source: Arc::new(source),
                });
                Err(SendError(item))
            }
        }
    }

    fn is_done(&self) -> bool {
        self.error.is_some() || self.stdin.is_none()
    }

    fn close(mut self) -> Result<u64> {
        let flushed = match self.stdin.take() {
            // Dropping the writer closes the child's stdin: it sees the end of its input.
            Some(mut stdin) => stdin.flush().map_err(Error::from),
            None => Ok(()),
        };
        let exited = match self.running.take() {
            Some(mut running) => running.wait(),
            None => Ok(()),
        };
        match (self.error.take(), exited, flushed) {
            // How the child ended says more than the broken pipe it caused.
            (_, Err(e), _) => Err(e),
            (Some(e), Ok(()), _) | (None, Ok(()), Err(e)) => Err(e),
            (None, Ok(()), Ok(())) => Ok(self.written),
        }
    }
}

impl Drop for CommandSink {
    fn drop(&mut self) {
        // Dropped without `close` (a pipeline that unwound, a sink never used): the child's
        // input ends, and the child is ended and reaped rather than waited for, which could
        // be forever.
        self.stdin = None;
        if let Some(running) = self.running.as_mut() {
            running.end();
        }
    }
}

/// A sink that writes each item, and a newline, into a command's standard input (`| gzip >
/// out.gz`, `| sort -u`, `| mail`), and returns how many lines it wrote once the command has
/// read them all and exited with status 0. A command that fails, or stops reading early, makes
/// it [`Error::Command`] (its status and the tail of its standard error, which is captured), and
/// the pipeline stops feeding it: nothing is written after a failure. A command that cannot
/// start is an [`Error::Io`] naming it.
///
/// The child starts here; its standard output is as `command` says (inherited by default: set
/// `.stdout(file)` to write a file).
///
/// # Example
/// ```
/// # #[cfg(unix)] {
/// use std::process::Command;
/// use genpipe::prelude::*;
/// use genpipe::io::to_command;
///
/// let dir = std::env::temp_dir().join(format!("genpipe-doc-to-command-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let out = std::fs::File::create(dir.join("sorted.txt")).unwrap();
/// let written = pipe(["b", "a", "c"]) | to_command(Command::new("sort").stdout(out));
/// assert_eq!(written?, 3);
/// assert_eq!(std::fs::read_to_string(dir.join("sorted.txt")).unwrap(), "a\nb\nc\n");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # }
/// # Ok::<(), genpipe::Error>(())
/// ```
pub fn to_command(mut command: impl BorrowMut<Command>) -> CommandSink {
    let command = command.borrow_mut();
    let described: Arc<str> = describe(command).into();
    match command.stdin(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(mut child) => {
            let stdin = child.stdin.take().map(BufWriter::new);
            let stderr = child.stderr.take().map(read_stderr_tail);
            CommandSink {
                stdin,
                running: Some(Running {
                    child,
                    stderr,
                    command: described,
                }),
                written: 0,
                error: None,
            }
        }
        Err(e) => CommandSink {
            stdin: None,
            running: None,
            written: 0,
            error: Some(spawn_error(&described, e)),
        },
    }
}

crate::pipe::sink_pipe_rhs!([] CommandSink);
