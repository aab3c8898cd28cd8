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
fn describe(command: &Command) -> String {
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
fn read_stderr_tail(mut stderr: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
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
fn spawn_error(command: &str, source: std::io::Error) -> Error {
    Error::Io {
        path: Some(format!("command `{command}`").into()),
        source: Arc::new(source),
    }
}

/// A child's standard input and output, taken from it.
pub(crate) type ChildPipes = (Option<ChildStdin>, Option<ChildStdout>);

/// Starts `command` with its standard error collected, and its standard input and output piped
/// as asked (the others stay as `command` says).
pub(crate) fn spawn_piped(
    command: &mut Command,
    stdin: bool,
    stdout: bool,
) -> Result<(Running, ChildPipes)> {
    let described = describe(command);
    if stdin {
        command.stdin(Stdio::piped());
    }
    if stdout {
        command.stdout(Stdio::piped());
    }
    let mut child = command
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| spawn_error(&described, e))?;
    let pipes = (child.stdin.take(), child.stdout.take());
    let stderr = child.stderr.take().map(read_stderr_tail);
    let running = Running {
        child,
        stderr,
        command: described.into(),
    };
    Ok((running, pipes))
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
    let source = match spawn_piped(command.borrow_mut(), false, true) {
        Ok((running, (_, stdout))) => CommandLines {
            lines: stdout.map(|out| Lines::new(out, None, Encoding::Plain)),
            running: Some(running),
            outcome: None,
        },
        Err(e) => CommandLines {
            lines: None,
            running: None,
            outcome: Some(Err(e)),
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
    match spawn_piped(command.borrow_mut(), true, false) {
        Ok((running, (stdin, _))) => CommandSink {
            stdin: stdin.map(BufWriter::new),
            running: Some(running),
            written: 0,
            error: None,
        },
        Err(e) => CommandSink {
            stdin: None,
            running: None,
            written: 0,
            error: Some(e),
        },
    }
}

crate::pipe::sink_pipe_rhs!([] CommandSink);

/// How many items and reply lines [`through_command`] keeps in flight each way.
const THROUGH_CAPACITY: usize = 256;

/// A child of [`through_command`] and its two pipe threads: ended and joined when dropped
/// (the pipeline was dropped mid-way), waited for at the end.
struct Through {
    running: Option<Running>,
    threads: Vec<JoinHandle<()>>,
}

impl Through {
    fn finish(&mut self) -> Result<()> {
        let exited = match self.running.take() {
            Some(mut running) => running.wait(),
            None => Ok(()),
        };
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        exited
    }
}

impl Drop for Through {
    fn drop(&mut self) {
        if let Some(running) = self.running.as_mut() {
            // Its pipes close with it: both threads see the end and return.
            running.end();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A stage that runs its items through a command: each item is written as a line to the
/// command's standard input, and the lines the command writes to its standard output are the
/// stage's items (`| sed 's/x/y/'`, `| jq -c .field`, `| sort`, a filter of one's own). The
/// command may answer each line at once or only at the end of its input (`sort`); either way
/// nothing deadlocks: its input and output are served by a thread each, and at most 256 items
/// and 256 reply lines are in flight. The stage's outcome is the upstream's, else the
/// command's: a non-zero exit is [`Error::Command`] with its stderr tail, after the replies it
/// wrote. Dropping the pipeline ends the command.
///
/// # Example
/// ```
/// # #[cfg(unix)] {
/// use std::process::Command;
/// use genpipe::prelude::*;
/// use genpipe::io::{Line, through_command};
///
/// let upper = pipe(["get /a", "get /b"])
///     | through_command(Command::new("tr").args(["a-z", "A-Z"]))
///     | map(|l: Line| l.to_string())
///     | collect::<Vec<_>>();
/// assert_eq!(upper?, ["GET /A", "GET /B"]);
///
/// let sorted = pipe(["pear", "apple", "fig"]) | through_command(&mut Command::new("sort")) | count();
/// assert_eq!(sorted?, 3);
/// # }
/// # Ok::<(), genpipe::Error>(())
/// ```
pub fn through_command<T: AsRef<[u8]> + Send + 'static>(
    mut command: impl BorrowMut<Command>,
) -> crate::Stage<crate::stages::GeneratorOp<impl Future<Output = Result<()>> + Send, Line, T>> {
    let spawned = spawn_piped(command.borrow_mut(), true, true).map(|(running, pipes)| {
        let through = Through {
            running: Some(running),
            threads: Vec::new(),
        };
        (through, pipes)
    });
    through_child(spawned)
}

/// The body of [`through_command`], over the child it started.
#[crate::generator]
fn through_child<T: AsRef<[u8]> + Send + 'static>(
    spawned: Result<(Through, ChildPipes)>,
    input: impl Iterator<Item = T>,
) -> Gen<Line, Result<()>> {
    use std::sync::mpsc::{RecvTimeoutError, TryRecvError, TrySendError, sync_channel};

    let (mut through, (stdin, stdout)) = spawned?;
    let (to_child, for_child) = sync_channel::<T>(THROUGH_CAPACITY);
    let (from_child_tx, from_child) = sync_channel::<Line>(THROUGH_CAPACITY);
    if let Some(stdin) = stdin {
        through.threads.push(std::thread::spawn(move || {
            let mut out = BufWriter::new(stdin);
            loop {
                // Flushed whenever no item waits: the command sees each burst at once.
                let item = match for_child.try_recv() {
                    Ok(item) => item,
                    Err(TryRecvError::Empty) => {
                        if out.flush().is_err() {
                            return;
                        }
                        match for_child.recv() {
                            Ok(item) => item,
                            Err(_) => break,
                        }
                    }
                    Err(TryRecvError::Disconnected) => break,
                };
                let line = out
                    .write_all(item.as_ref())
                    .and_then(|()| out.write_all(b"\n"));
                if line.is_err() {
                    // The command stopped reading: its status says why.
                    return;
                }
            }
            // Dropping `out` closes the command's stdin: the end of its input.
            let _ = out.flush();
        }));
    }
    if let Some(stdout) = stdout {
        through.threads.push(std::thread::spawn(move || {
            let mut lines = Gen::from_pull(Lines::new(stdout, None, Encoding::Plain));
            for line in &mut lines {
                if from_child_tx.send(line).is_err() {
                    return;
                }
            }
        }));
    }
    // Feed the command while it has no reply ready; take its replies as they come.
    let mut to_child = Some(to_child);
    let mut waiting: Option<T> = None;
    loop {
        match from_child.try_recv() {
            Ok(line) => {
                yield_!(line);
                continue;
            }
            Err(TryRecvError::Disconnected) => break,
            Err(TryRecvError::Empty) => {}
        }
        let Some(sender) = to_child.as_ref() else {
            // All fed: wait for the rest of the replies.
            match from_child.recv() {
                Ok(line) => yield_!(line),
                Err(_) => break,
            }
            continue;
        };
        let item = match waiting.take() {
            Some(item) => Some(item),
            None => input.next(),
        };
        let Some(item) = item else {
            to_child = None;
            continue;
        };
        match sender.try_send(item) {
            Ok(()) => {}
            Err(TrySendError::Full(item)) => {
                // The command has 256 items unread and no reply yet: wait a little for one.
                waiting = Some(item);
                match from_child.recv_timeout(std::time::Duration::from_millis(1)) {
                    Ok(line) => yield_!(line),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            // The command stopped reading; what it wrote still comes.
            Err(TrySendError::Disconnected(_)) => to_child = None,
        }
    }
    // The writer thread may be waiting for items (the command exited before reading them
    // all): the end of its channel lets it return, so it can be joined.
    drop(to_child);
    through.finish()
}
