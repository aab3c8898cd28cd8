//! Sockets as sources and sinks, blocking, for plain threads (Beazley's `genreceive`,
//! `receivefrom`, `sendto`, `netsend`): [`connections`] accepts TCP clients, [`datagrams`]
//! receives UDP datagrams as zero-copy [`Line`]s, [`send_to`] sends items as datagrams and
//! [`write_lines`] writes them as lines to any writer (a `TcpStream`, a file). On the scheduler,
//! `genpipe::sched::net` has the non-blocking forms.
//!
//! Sources here end by themselves when the socket has a read timeout and nothing arrives for
//! that long (`set_read_timeout`), so a server loop written with them can stop.

use std::fmt;
use std::io::{ErrorKind, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::pin::Pin;
use std::sync::Arc;

use super::line::{Chunk, Storage};
use super::written::Written;
use crate::consume::{SendError, Sink};
use crate::engine::Pull;
use crate::error::{Error, Result};
use crate::io::Line;
use crate::produce::Gen;

/// Whether an error means "nothing arrived within the read timeout".
fn timed_out(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// The clients a listener accepts: [`connections`].
#[derive(Debug)]
pub struct Connections {
    listener: Option<TcpListener>,
    outcome: Option<Result<()>>,
}

impl crate::sealed::Pull for Connections {}
impl Pull for Connections {
    type Item = (TcpStream, SocketAddr);
    type Return = Result<()>;

    fn pull(self: Pin<&mut Self>) -> Option<(TcpStream, SocketAddr)> {
        let this = self.get_mut();
        let listener = this.listener.as_ref()?;
        loop {
            match listener.accept() {
                Ok(client) => return Some(client),
                // A client that went away before it was accepted, or a signal: not the
                // listener's end.
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::ConnectionAborted | ErrorKind::Interrupted
                    ) => {}
                Err(e) => {
                    this.listener = None;
                    this.outcome = Some(if timed_out(&e) { Ok(()) } else { Err(e.into()) });
                    return None;
                }
            }
        }
    }

    fn take_return(self: Pin<&mut Self>) -> Option<Result<()>> {
        self.get_mut().outcome.take()
    }
}

/// The clients `listener` accepts, with their addresses, one per pull (Beazley's
/// `receive_connections`): a source that ends when the listener fails (its error is the
/// outcome) or, for a non-blocking listener, when no client is waiting. Give each client's
/// [`lines_from`](crate::io::lines_from) to a thread of its own to serve clients at once.
///
/// # Example
/// ```
/// use std::io::Write;
/// use std::net::{TcpListener, TcpStream};
/// use genpipe::prelude::*;
/// use genpipe::io::{connections, lines_from};
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let addr = listener.local_addr()?;
/// let client = std::thread::spawn(move || {
///     let mut s = TcpStream::connect(addr).unwrap();
///     s.write_all(b"GET /a 200\nGET /b 404\n").unwrap();
/// });
/// // One client, its lines counted as they arrive.
/// let errors = connections(listener)
///     | take(1)
///     | map(|(socket, _addr): (TcpStream, std::net::SocketAddr)| {
///         (lines_from(socket) | grep(" 404") | count()).unwrap()
///     })
///     | sum::<usize>();
/// client.join().unwrap();
/// assert_eq!(errors?, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn connections(listener: TcpListener) -> Gen<Connections> {
    Gen::from_pull(Connections {
        listener: Some(listener),
        outcome: None,
    })
}

/// One UDP datagram: its bytes, as a [`Line`] (a view into a buffer shared with the datagrams
/// received with it), and who sent it.
#[derive(Clone, Debug)]
pub struct Datagram {
    /// The datagram's bytes (`Line::line_no` counts datagrams, from 1).
    pub bytes: Line,
    /// The sender.
    pub from: SocketAddr,
}

impl AsRef<[u8]> for Datagram {
    fn as_ref(&self) -> &[u8] {
        self.bytes.as_bytes()
    }
}

impl crate::io::AsLineRef for Datagram {
    fn line_ref(&self) -> crate::text::LineRef<'_> {
        self.bytes.line_ref()
    }
}

/// The largest datagram UDP carries (over IPv4, 65,507 bytes of payload).
const MAX_DATAGRAM: usize = 65_536;

/// The datagrams a socket receives: [`datagrams`].
pub struct Datagrams {
    socket: Option<UdpSocket>,
    /// Received and not yet handed out, oldest first.
    ready: std::collections::VecDeque<Datagram>,
    received: u64,
    batch_bytes: usize,
    outcome: Option<Result<()>>,
}

impl fmt::Debug for Datagrams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Datagrams")
            .field("received", &self.received)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

impl Datagrams {
    /// Waits for one datagram, then takes every one already waiting (up to a batch's bytes)
    /// without waiting: one buffer, one allocation, for the whole batch.
    fn receive_batch(&mut self) -> Result<bool> {
        let Some(socket) = self.socket.as_ref() else {
            return Ok(false);
        };
        let mut buf = vec![0u8; self.batch_bytes.max(MAX_DATAGRAM)];
        let mut spans = Vec::new();
        let mut len = 0;
        let first = loop {
            match socket.recv_from(&mut buf[..MAX_DATAGRAM]) {
                Ok(got) => break got,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if timed_out(&e) => return Ok(false),
                Err(e) => return Err(e.into()),
            }
        };
        spans.push((0, first.0, first.1));
        len += first.0;
        // The rest of what is waiting, without blocking. Switching the socket costs two calls
        // per batch, not per datagram; a batch under load holds hundreds.
        if buf.len() - len >= MAX_DATAGRAM && socket.set_nonblocking(true).is_ok() {
            while buf.len() - len >= MAX_DATAGRAM {
                match socket.recv_from(&mut buf[len..len + MAX_DATAGRAM]) {
                    Ok((n, from)) => {
                        spans.push((len, n, from));
                        len += n;
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            socket.set_nonblocking(false)?;
        }
        buf.truncate(len);
        // A lone datagram must not pin a whole batch buffer while it lives (collected, say):
        // shrinking gives the rest back (in place, for the system allocator).
        if buf.capacity() > 2 * len {
            buf.shrink_to_fit();
        }
        let chunk = Arc::new(Chunk {
            len,
            bytes: Storage::Heap(buf),
            path: None,
            offset: 0,
            runs: None,
        });
        for (start, n, from) in spans {
            self.received += 1;
            self.ready.push_back(Datagram {
                bytes: Line::new(chunk.clone(), start, start + n, self.received),
                from,
            });
        }
        Ok(true)
    }
}

impl crate::sealed::Pull for Datagrams {}
impl Pull for Datagrams {
    type Item = Datagram;
    type Return = Result<()>;

    fn pull(self: Pin<&mut Self>) -> Option<Datagram> {
        let this = self.get_mut();
        if let Some(d) = this.ready.pop_front() {
            return Some(d);
        }
        match this.receive_batch() {
            Ok(true) => this.ready.pop_front(),
            Ok(false) => {
                if this.socket.take().is_some() {
                    this.outcome = Some(Ok(()));
                }
                None
            }
            Err(e) => {
                this.socket = None;
                this.outcome = Some(Err(e));
                None
            }
        }
    }

    fn take_return(self: Pin<&mut Self>) -> Option<Result<()>> {
        self.get_mut().outcome.take()
    }
}

/// The datagrams `socket` receives (Beazley's `receivefrom`), each a zero-copy view with its
/// sender. Waits for the first of a batch, then takes every datagram already waiting into one
/// buffer (64 KiB at least), so under load one allocation serves many datagrams. Ends cleanly
/// when nothing arrives within the socket's read timeout, if it has one (otherwise it waits,
/// as `recv_from` does; end it with `take` or from the sender's side); a socket error ends it
/// with the error.
///
/// # Example
/// ```
/// use std::net::UdpSocket;
/// use std::time::Duration;
/// use genpipe::prelude::*;
/// use genpipe::io::{Datagram, datagrams, send_to};
///
/// let server = UdpSocket::bind("127.0.0.1:0")?;
/// server.set_read_timeout(Some(Duration::from_millis(200)))?;
/// let addr = server.local_addr()?;
///
/// let client = UdpSocket::bind("127.0.0.1:0")?;
/// let sent = pipe(["<34>Oct 11 22:14:15 web1 su: denied", "<13>hello"]) | send_to(client, addr);
/// assert_eq!(sent?, 2);
///
/// let got = datagrams(server) | map(|d: Datagram| d.bytes.to_string()) | collect::<Vec<_>>();
/// assert_eq!(got?, ["<34>Oct 11 22:14:15 web1 su: denied", "<13>hello"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn datagrams(socket: UdpSocket) -> Gen<Datagrams> {
    Gen::from_pull(Datagrams {
        socket: Some(socket),
        ready: std::collections::VecDeque::new(),
        received: 0,
        batch_bytes: 256 << 10,
        outcome: None,
    })
}

/// A sink that sends each item as one datagram: [`send_to`].
#[derive(Debug)]
pub struct SendTo {
    socket: UdpSocket,
    to: Option<SocketAddr>,
    sent: u64,
    error: Option<Error>,
}

impl<T: AsRef<[u8]>> Sink<T> for SendTo {
    type Out = Result<u64>;

    fn send(&mut self, item: T) -> std::result::Result<(), SendError<T>> {
        let Some(to) = self.to.filter(|_| self.error.is_none()) else {
            return Err(SendError(item));
        };
        match self.socket.send_to(item.as_ref(), to) {
            Ok(_) => {
                self.sent += 1;
                Ok(())
            }
            Err(e) => {
                self.error = Some(e.into());
                Err(SendError(item))
            }
        }
    }

    fn is_done(&self) -> bool {
        self.error.is_some()
    }

    fn close(mut self) -> Result<u64> {
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(self.sent),
        }
    }
}

crate::pipe::sink_pipe_rhs!([] SendTo);

/// A sink that sends each item as one UDP datagram from `socket` to `to` (Beazley's
/// `sendto`), and returns how many it sent. A send that fails (an item over the datagram
/// limit, no route, an address that does not resolve) ends it with the error; UDP says nothing
/// of datagrams lost on the way. [`datagrams`] has the example.
pub fn send_to(socket: UdpSocket, to: impl ToSocketAddrs) -> SendTo {
    let (to, error) = match to.to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(addr)) => (Some(addr), None),
        Ok(None) => (
            None,
            Some(Error::from(std::io::Error::new(
                ErrorKind::InvalidInput,
                "send_to: the address resolves to nothing",
            ))),
        ),
        Err(e) => (None, Some(Error::from(e))),
    };
    SendTo {
        socket,
        to,
        sent: 0,
        error,
    }
}

/// A sink that writes each item and a newline into a writer: [`write_lines`].
#[derive(Debug)]
pub struct LineWriter<W: Write>(Written<W>);

impl<T: AsRef<[u8]>, W: Write> Sink<T> for LineWriter<W> {
    type Out = Result<u64>;

    fn send(&mut self, item: T) -> std::result::Result<(), SendError<T>> {
        self.0.write(item, |out, item| {
            out.write_all(item.as_ref())?;
            Ok(out.write_all(b"\n")?)
        })
    }

    fn is_done(&self) -> bool {
        self.0.is_done()
    }

    fn close(self) -> Result<u64> {
        self.0.close()
    }
}

crate::pipe::sink_pipe_rhs!([W: Write,] LineWriter<W>);

/// A sink that writes each item, then a newline, into `writer` (buffered; Beazley's `netsend`
/// over a `TcpStream`, or a file), and returns how many lines it wrote once they are flushed. A
/// peer that closed its socket (a reset, a broken pipe) or a writer that fails ends it with the
/// error, never a panic, and nothing is written after.
///
/// # Example
/// ```
/// use std::net::{TcpListener, TcpStream};
/// use genpipe::prelude::*;
/// use genpipe::io::{lines_from, write_lines};
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let addr = listener.local_addr()?;
/// let sender = std::thread::spawn(move || {
///     let socket = TcpStream::connect(addr).unwrap();
///     pipe(["GET /a 200", "GET /b 404"]) | write_lines(socket)
/// });
/// let (socket, _) = listener.accept()?;
/// let n = lines_from(socket) | count();
/// assert_eq!(sender.join().unwrap()?, 2);
/// assert_eq!(n?, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_lines<W: Write>(writer: W) -> LineWriter<W> {
    LineWriter(Written::new(writer))
}
