//! A consumer in a child process (Beazley's `coprocess.py`, feature `frames`): the parent's
//! [`to_coprocess`] is a sink that sends records as frames down a pipe to a child process; the
//! child's [`serve_coprocess`] feeds them to a sink of its own (a `#[coro]`) and sends its result
//! back when the input ends, which the parent's `close` returns. CPU-heavy consumers get a
//! process (and a core) of their own, behind the same `|` as any sink.

use std::borrow::BorrowMut;
use std::fmt;
use std::io::{BufReader, BufWriter, Read, Write};
use std::marker::PhantomData;
use std::process::{ChildStdin, ChildStdout, Command};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::frames::{FramesSink, frames, to_frames};
use super::process::{Running, spawn_piped};
use crate::consume::{SendError, Sink};
use crate::error::{Error, Result};

/// A sink whose consumer runs in a child process: [`to_coprocess`].
pub struct Coprocess<T, Out> {
    input: Option<FramesSink<BufWriter<ChildStdin>>>,
    output: Option<ChildStdout>,
    running: Option<Running>,
    error: Option<Error>,
    _types: PhantomData<fn(T) -> Out>,
}

impl<T, Out> fmt::Debug for Coprocess<T, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Coprocess")
            .field("command", &self.running.as_ref().map(|r| &r.command))
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<T: Serialize, Out: DeserializeOwned> Sink<T> for Coprocess<T, Out> {
    type Out = Result<Out>;

    fn send(&mut self, record: T) -> std::result::Result<(), SendError<T>> {
        match self.input.as_mut().filter(|_| self.error.is_none()) {
            Some(input) => input.send(record),
            None => Err(SendError(record)),
        }
    }

    fn is_done(&self) -> bool {
        self.error.is_some() || self.input.as_ref().is_none_or(Sink::<T>::is_done)
    }

    fn close(mut self) -> Result<Out> {
        // Ending the child's input ends its consumer, which then sends its result.
        let sent = match self.input.take() {
            Some(input) => Sink::<T>::close(input).map(drop),
            None => Ok(()),
        };
        let result = match self.output.take() {
            Some(output) => {
                let mut results = frames::<Out, _>(output);
                let first = results.next();
                let end = results.finish();
                match (first, end) {
                    (Some(out), Ok(())) => Ok(out),
                    (_, Err(e)) => Err(e),
                    (None, Ok(())) => Err(Error::Frame {
                        path: None,
                        index: 1,
                        offset: 0,
                        reason: "the coprocess ended without sending its result".into(),
                        source: None,
                    }),
                }
            }
            None => Err(Error::Other {
                source: std::sync::Arc::new(std::io::Error::other("no coprocess")),
            }),
        };
        let exited = match self.running.take() {
            Some(mut running) => running.wait(),
            None => Ok(()),
        };
        // How the child ended says the most; then a spawn or send error; then the result.
        exited?;
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        sent?;
        result
    }
}

impl<T, Out> Drop for Coprocess<T, Out> {
    fn drop(&mut self) {
        self.input = None;
        if let Some(running) = self.running.as_mut() {
            running.end();
        }
    }
}

crate::pipe::sink_pipe_rhs!([T, Out,] Coprocess<T, Out>);

/// A sink that sends each record to a child process running `command`, which consumes them
/// with [`serve_coprocess`] and sends back its result: `close` (the end of `|`) returns it.
/// Records cross the pipe as [`frames`] (postcard), so the child may be any program that reads
/// frames of `T` and writes one frame of `Out`. The child's failure (a non-zero exit, a panic) is
/// [`Error::Command`] with the end of its stderr; a child that stops reading ends the sink.
///
/// # Example
/// ```no_run
/// use std::process::Command;
/// use genpipe::prelude::*;
/// use genpipe::io::to_coprocess;
///
/// // The parent: records to a child running this same program with `--child`, which counts
/// // them with `serve_coprocess` (`examples/coprocess.rs` is the whole program).
/// let exe = std::env::current_exe()?;
/// let total: u64 = (pipe(1..=100u64) | to_coprocess(Command::new(exe).arg("--child")))?;
/// assert_eq!(total, 5050);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_coprocess<T, Out>(mut command: impl BorrowMut<Command>) -> Coprocess<T, Out> {
    match spawn_piped(command.borrow_mut(), true, true) {
        Ok((running, (stdin, stdout))) => Coprocess {
            input: stdin.map(|stdin| to_frames(BufWriter::new(stdin))),
            output: stdout,
            running: Some(running),
            error: None,
            _types: PhantomData,
        },
        Err(e) => Coprocess {
            input: None,
            output: None,
            running: None,
            error: Some(e),
            _types: PhantomData,
        },
    }
}

/// The child's side of [`to_coprocess`]: feeds the records arriving as frames on standard input
/// to `consumer` (a `#[coro]`, or any sink), and when the input ends writes its result as one
/// frame to standard output. Returns an error if the input is not frames of `T` or the result
/// cannot be written (the consumer's result is not sent then; the parent sees the error).
///
/// # Example
/// ```no_run
/// use genpipe::prelude::*;
/// use genpipe::io::serve_coprocess;
///
/// #[coro]
/// fn total() -> Coro<u64, u64> {
///     let mut sum = 0;
///     while let Some(x) = recv!() {
///         sum += x;
///     }
///     sum
/// }
///
/// // In the child (`main` when started with `--child`):
/// serve_coprocess(total())?;
/// # Ok::<(), genpipe::Error>(())
/// ```
pub fn serve_coprocess<T, K>(consumer: K) -> Result<()>
where
    T: DeserializeOwned,
    K: Sink<T>,
    K::Out: Serialize,
{
    serve_coprocess_on(std::io::stdin().lock(), std::io::stdout().lock(), consumer)
}

/// [`serve_coprocess`] over any reader and writer (a socket, a test's buffers).
pub fn serve_coprocess_on<T, K, R, W>(input: R, output: W, consumer: K) -> Result<()>
where
    T: DeserializeOwned,
    K: Sink<T>,
    K::Out: Serialize,
    R: Read,
    W: Write,
{
    let mut consumer = consumer;
    let mut records = frames::<T, _>(BufReader::new(input));
    for record in &mut records {
        if consumer.is_done() {
            break;
        }
        let _ = consumer.send(record);
    }
    records.finish()?;
    let mut result = to_frames(output);
    // A frame that cannot be written makes `close` say why.
    let _ = result.send(consumer.close());
    Sink::<K::Out>::close(result).map(drop)
}
