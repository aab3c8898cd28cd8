//! Sockets whose I/O reads like blocking I/O in every kind of code: gevent's way, no callbacks,
//! no `async`.
//!
//! - In a stackless `#[task]`, each operation is a system call: `syscall!(stream.read(&mut
//!   buf))?` tries the read, and when it would block, waits for readiness in the scheduler's
//!   poller (the other tasks run meanwhile) and tries again.
//! - In a green task ([`Task::green`](crate::sched::Task::green)), the same sockets implement
//!   `std::io::Read` and `Write` (for `&TcpStream` too, so `BufReader::new(&stream)` and a
//!   writer half work at once), and [`perform`] makes any of the
//!   system calls below: an operation that would block suspends the task, at any call depth.
//! - Anywhere else (a test, a thread), the same calls block the thread as std's would.
//!
//! A socket registers with the scheduler's poller at its first wait and stays registered
//! (edge-triggered where the OS offers it): a wait costs no `epoll_ctl`, and the registration is
//! deleted when the socket is dropped, before its descriptor closes. Several tasks may wait on
//! one socket: a readiness wakes them all, and those that find nothing wait again. A task whose
//! socket is always ready gives way after 32 operations in one resume (tokio's cooperative
//! budget), so one busy client cannot starve the others.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::sync::Arc;

use crate::sched::calls::{Blocking, SystemCall, sealed};
use crate::sched::ops::perform;
use crate::sched::protocol::{Call, CallState, IoHandle, Progress, Reply, Request, spend_budget};

/// Runs `attempt` until it does not block; when it would, asks to wait for readiness. Gives
/// way first when the task has spent its I/O budget.
fn retrying<T>(
    handle: &Arc<IoHandle>,
    write: bool,
    mut attempt: impl FnMut() -> io::Result<T>,
) -> Progress<io::Result<T>> {
    if !spend_budget() {
        return Progress::Ask(Request(Call::Yield));
    }
    loop {
        match attempt() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                return Progress::Ask(Request(Call::Io {
                    handle: Arc::clone(handle),
                    write,
                }));
            }
            done => return Progress::Done(done),
        }
    }
}

/// The `SystemCall` impl of a socket operation whose state is itself.
macro_rules! io_call {
    ($name:ident, $reply:ty) => {
        impl sealed::Sealed for $name<'_> {}
        impl<'a> SystemCall for $name<'a> {
            type Reply = $reply;
            type State = $name<'a>;
            fn start(self) -> Self {
                self
            }
        }
    };
}

/// A listening TCP socket for tasks: [`accept`](TcpListener::accept) is a system call;
/// [`incoming`](TcpListener::incoming) the same as an iterator, for green tasks and threads.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::sched::net::TcpListener;
/// use genpipe::sched::{Scheduler, Task};
/// use std::io::{Read, Write};
///
/// #[task]
/// fn echo_once(listener: TcpListener) -> Task<std::io::Result<usize>> {
///     let (stream, _peer) = syscall!(listener.accept())?;
///     let mut buf = [0u8; 64];
///     let n = syscall!(stream.read(&mut buf))?;
///     syscall!(stream.write_all(&buf[..n]))?;
///     Ok(n)
/// }
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let addr = listener.local_addr()?;
/// let client = std::thread::spawn(move || -> std::io::Result<Vec<u8>> {
///     let mut c = std::net::TcpStream::connect(addr)?;
///     c.write_all(b"hello")?;
///     let mut back = vec![0u8; 5];
///     c.read_exact(&mut back)?;
///     Ok(back)
/// });
/// let mut s = Scheduler::new();
/// s.spawn(echo_once(listener));
/// let ended = s.run();
/// assert_eq!(ended[0].value::<std::io::Result<usize>>().unwrap().as_ref().ok(), Some(&5));
/// assert_eq!(client.join().unwrap()?, b"hello");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct TcpListener {
    io: Arc<IoHandle>,
    listener: std::net::TcpListener,
}

impl TcpListener {
    /// Binds and listens, non-blocking.
    ///
    /// # Errors
    /// As [`std::net::TcpListener::bind`].
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<Self> {
        TcpListener::from_std(std::net::TcpListener::bind(addr)?)
    }

    /// A std listener, made non-blocking.
    ///
    /// # Errors
    /// If it cannot be made non-blocking.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<Self> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: IoHandle::new(listener.as_raw_fd()),
            listener,
        })
    }

    /// The address it listens on (the port the OS chose for port 0).
    ///
    /// # Errors
    /// As [`std::net::TcpListener::local_addr`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The next connection, as a system call: `syscall!(listener.accept())?` in a task,
    /// `perform(listener.accept())?` in a green task or a thread.
    pub fn accept(&self) -> Accept<'_> {
        Accept(self)
    }

    /// The connections, one per `next()`, each waited for as [`accept`](TcpListener::accept)
    /// waits (a green task suspends, a thread blocks): std's `incoming`.
    pub fn incoming(&self) -> impl Iterator<Item = io::Result<TcpStream>> + '_ {
        std::iter::from_fn(move || Some(perform(self.accept()).map(|(stream, _)| stream)))
    }
}

impl Drop for TcpListener {
    fn drop(&mut self) {
        // Before the descriptor closes (the field drops after this).
        self.io.deregister();
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.listener.as_fd()
    }
}

/// The system call of [`TcpListener::accept`].
#[derive(Debug)]
pub struct Accept<'a>(&'a TcpListener);

io_call!(Accept, io::Result<(TcpStream, SocketAddr)>);

impl CallState for Accept<'_> {
    type Reply = io::Result<(TcpStream, SocketAddr)>;
    fn step(&mut self, _: Option<Reply>) -> Progress<Self::Reply> {
        let listener = &self.0.listener;
        retrying(&self.0.io, false, || {
            let (stream, peer) = listener.accept()?;
            Ok((TcpStream::from_std(stream)?, peer))
        })
    }
}

/// A connected TCP socket for tasks: reads and writes are system calls
/// (`syscall!(stream.read(&mut buf))`), and `std::io::Read`/`Write` for green tasks and
/// threads. In a green task, `stream.read(..)` and `stream.write_all(..)` name the system
/// calls: call the traits there (`Read::read`, `write!`, `read_exact`, a `BufReader`), or
/// [`recv`](TcpStream::recv) and [`send_all`](TcpStream::send_all), gevent's names.
///
/// # Example
/// ```
/// use genpipe::sched::net::{TcpListener, TcpStream};
/// use genpipe::sched::{Scheduler, Task};
/// use std::io::Read;
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let addr = listener.local_addr()?;
/// let mut s = Scheduler::new();
/// s.spawn(Task::green("server", move || -> std::io::Result<()> {
///     let stream = listener.incoming().next().unwrap()?;
///     let mut word = [0u8; 4];
///     (&stream).read_exact(&mut word)?; // std's trait: the task waits for 4 bytes
///     stream.send_all(&word.map(|b| b.to_ascii_uppercase()))
/// }));
/// s.spawn(Task::green("client", move || -> std::io::Result<Vec<u8>> {
///     let stream = TcpStream::connect(addr)?;
///     stream.send_all(b"ping")?;
///     let mut back = vec![0u8; 4];
///     let mut got = 0;
///     while got < 4 {
///         got += stream.recv(&mut back[got..])?;
///     }
///     Ok(back)
/// }));
/// let ended = s.run();
/// let client = ended.iter().find(|o| o.name() == "client").unwrap();
/// assert_eq!(client.value::<std::io::Result<Vec<u8>>>().unwrap().as_ref().unwrap(), b"PING");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct TcpStream {
    io: Arc<IoHandle>,
    stream: std::net::TcpStream,
}

impl TcpStream {
    /// A connected std stream, made non-blocking.
    ///
    /// # Errors
    /// If it cannot be made non-blocking.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<Self> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            io: IoHandle::new(stream.as_raw_fd()),
            stream,
        })
    }

    /// Connects to `addr`: in a green task the loop runs others meanwhile (the connect runs
    /// on a `Blocking` thread), elsewhere the thread blocks as std's connect does.
    ///
    /// # Errors
    /// As [`std::net::TcpStream::connect`].
    pub fn connect(addr: impl ToSocketAddrs) -> io::Result<Self> {
        let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
        perform(Connect(addrs))
    }

    /// Reads what is there (at least one byte, or 0 at the end), waiting for it if none is:
    /// `syscall!(stream.read(&mut buf))?`.
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> ReadSome<'a> {
        ReadSome { stream: self, buf }
    }

    /// Writes all of `buf`, waiting whenever the socket's buffer is full:
    /// `syscall!(stream.write_all(&buf))?`.
    pub fn write_all<'a>(&'a self, buf: &'a [u8]) -> WriteAll<'a> {
        WriteAll {
            stream: self,
            buf,
            written: 0,
        }
    }

    /// [`read`](TcpStream::read), performed: gevent's `recv` (suspends a green task, blocks a
    /// thread).
    ///
    /// # Errors
    /// As the read's.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        perform(self.read(buf))
    }

    /// [`write_all`](TcpStream::write_all), performed: gevent's `sendall`.
    ///
    /// # Errors
    /// As the write's: a peer that reset the connection is `ConnectionReset` or `BrokenPipe`.
    pub fn send_all(&self, buf: &[u8]) -> io::Result<()> {
        perform(self.write_all(buf))
    }

    /// The peer's address.
    ///
    /// # Errors
    /// As [`std::net::TcpStream::peer_addr`].
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    /// As [`std::net::TcpStream::local_addr`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    /// Shuts down the reading, writing or both halves (the peer reads the end after `Write`).
    ///
    /// # Errors
    /// As [`std::net::TcpStream::shutdown`].
    pub fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        self.stream.shutdown(how)
    }
}

impl Drop for TcpStream {
    fn drop(&mut self) {
        // Before the descriptor closes (the field drops after this).
        self.io.deregister();
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.stream.as_fd()
    }
}

impl Read for &TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        perform(TcpStream::read(self, buf))
    }
}

impl Read for TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        perform(TcpStream::read(self, buf))
    }
}

impl Write for &TcpStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        perform(WriteSome { stream: self, buf })
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for TcpStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        perform(WriteSome { stream: self, buf })
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The system call of [`TcpStream::connect`]: in a stackless task,
/// `syscall!(Connect(addrs))?`. The connect runs on a `Blocking` thread, so the loop goes on.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::sched::net::{Connect, TcpListener, TcpStream};
/// use genpipe::sched::{Scheduler, Task};
///
/// #[task]
/// fn dial(addr: std::net::SocketAddr) -> Task<std::io::Result<()>> {
///     let stream: TcpStream = syscall!(Connect(vec![addr]))?;
///     syscall!(stream.write_all(b"hi"))
/// }
///
/// #[task]
/// fn answer(listener: TcpListener) -> Task<std::io::Result<Vec<u8>>> {
///     let (stream, _) = syscall!(listener.accept())?;
///     let mut buf = [0u8; 2];
///     let n = syscall!(stream.read(&mut buf))?;
///     Ok(buf[..n].to_vec())
/// }
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let addr = listener.local_addr()?;
/// let mut s = Scheduler::new();
/// s.spawn(answer(listener));
/// s.spawn(dial(addr));
/// let ended = s.run();
/// let got = ended.iter().find(|o| o.name() == "answer").unwrap();
/// assert_eq!(got.value::<std::io::Result<Vec<u8>>>().unwrap().as_ref().unwrap(), b"hi");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Connect(pub Vec<SocketAddr>);

impl sealed::Sealed for Connect {}
impl SystemCall for Connect {
    type Reply = io::Result<TcpStream>;
    type State = ConnectState;
    fn start(self) -> ConnectState {
        let addrs = self.0;
        ConnectState(Box::new(
            Blocking(move || std::net::TcpStream::connect(&addrs[..])).start(),
        ))
    }
}

/// The state of [`Connect`].
#[doc(hidden)]
pub struct ConnectState(Box<dyn CallState<Reply = io::Result<std::net::TcpStream>>>);

impl std::fmt::Debug for ConnectState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectState(..)")
    }
}

impl CallState for ConnectState {
    type Reply = io::Result<TcpStream>;
    fn step(&mut self, reply: Option<Reply>) -> Progress<Self::Reply> {
        match self.0.step(reply) {
            Progress::Ask(request) => Progress::Ask(request),
            Progress::Done(stream) => Progress::Done(stream.and_then(TcpStream::from_std)),
        }
    }
}

/// The system call of [`TcpStream::read`].
#[derive(Debug)]
pub struct ReadSome<'a> {
    stream: &'a TcpStream,
    buf: &'a mut [u8],
}

io_call!(ReadSome, io::Result<usize>);

impl CallState for ReadSome<'_> {
    type Reply = io::Result<usize>;
    fn step(&mut self, _: Option<Reply>) -> Progress<io::Result<usize>> {
        let (mut stream, buf) = (&self.stream.stream, &mut *self.buf);
        retrying(&self.stream.io, false, || stream.read(buf))
    }
}

/// One write of what fits (`Write::write` in a green task or a thread).
#[derive(Debug)]
struct WriteSome<'a> {
    stream: &'a TcpStream,
    buf: &'a [u8],
}

io_call!(WriteSome, io::Result<usize>);

impl CallState for WriteSome<'_> {
    type Reply = io::Result<usize>;
    fn step(&mut self, _: Option<Reply>) -> Progress<io::Result<usize>> {
        let (mut stream, buf) = (&self.stream.stream, self.buf);
        retrying(&self.stream.io, true, || stream.write(buf))
    }
}

/// The system call of [`TcpStream::write_all`].
#[derive(Debug)]
pub struct WriteAll<'a> {
    stream: &'a TcpStream,
    buf: &'a [u8],
    written: usize,
}

io_call!(WriteAll, io::Result<()>);

impl CallState for WriteAll<'_> {
    type Reply = io::Result<()>;
    fn step(&mut self, _: Option<Reply>) -> Progress<io::Result<()>> {
        let mut stream = &self.stream.stream;
        let (buf, written) = (self.buf, &mut self.written);
        retrying(&self.stream.io, true, || {
            while *written < buf.len() {
                match stream.write(&buf[*written..])? {
                    0 => return Err(io::ErrorKind::WriteZero.into()),
                    n => *written += n,
                }
            }
            Ok(())
        })
    }
}

/// A UDP socket for tasks: [`send_to`](UdpSocket::send_to) and
/// [`recv_from`](UdpSocket::recv_from) are system calls (`syscall!` in a task, `perform` in a
/// green task or a thread).
///
/// # Example
/// ```
/// use genpipe::sched::net::UdpSocket;
/// use genpipe::sched::perform;
///
/// // No scheduler: the calls block the thread, as std's would.
/// let a = UdpSocket::bind("127.0.0.1:0")?;
/// let b = UdpSocket::bind("127.0.0.1:0")?;
/// perform(a.send_to(b"ping", b.local_addr()?))?;
/// let mut buf = [0u8; 16];
/// let (n, from) = perform(b.recv_from(&mut buf))?;
/// assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct UdpSocket {
    io: Arc<IoHandle>,
    socket: std::net::UdpSocket,
}

impl UdpSocket {
    /// Binds, non-blocking.
    ///
    /// # Errors
    /// As [`std::net::UdpSocket::bind`].
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<Self> {
        let socket = std::net::UdpSocket::bind(addr)?;
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: IoHandle::new(socket.as_raw_fd()),
            socket,
        })
    }

    /// The address it is bound to.
    ///
    /// # Errors
    /// As [`std::net::UdpSocket::local_addr`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Sends `buf` to `addr` as one datagram, waiting while the socket's buffer is full.
    pub fn send_to<'a>(&'a self, buf: &'a [u8], addr: SocketAddr) -> SendTo<'a> {
        SendTo {
            socket: self,
            buf,
            addr,
        }
    }

    /// Receives one datagram into `buf` (the rest of a longer one is dropped, as std's),
    /// waiting for one: its length and sender.
    pub fn recv_from<'a>(&'a self, buf: &'a mut [u8]) -> RecvFrom<'a> {
        RecvFrom { socket: self, buf }
    }
}

impl Drop for UdpSocket {
    fn drop(&mut self) {
        self.io.deregister();
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

/// The system call of [`UdpSocket::send_to`].
#[derive(Debug)]
pub struct SendTo<'a> {
    socket: &'a UdpSocket,
    buf: &'a [u8],
    addr: SocketAddr,
}

io_call!(SendTo, io::Result<usize>);

impl CallState for SendTo<'_> {
    type Reply = io::Result<usize>;
    fn step(&mut self, _: Option<Reply>) -> Progress<io::Result<usize>> {
        let (socket, buf, addr) = (&self.socket.socket, self.buf, self.addr);
        retrying(&self.socket.io, true, || socket.send_to(buf, addr))
    }
}

/// The system call of [`UdpSocket::recv_from`].
#[derive(Debug)]
pub struct RecvFrom<'a> {
    socket: &'a UdpSocket,
    buf: &'a mut [u8],
}

io_call!(RecvFrom, io::Result<(usize, SocketAddr)>);

impl CallState for RecvFrom<'_> {
    type Reply = io::Result<(usize, SocketAddr)>;
    fn step(&mut self, _: Option<Reply>) -> Progress<io::Result<(usize, SocketAddr)>> {
        let (socket, buf) = (&self.socket.socket, &mut *self.buf);
        retrying(&self.socket.io, false, || socket.recv_from(buf))
    }
}
