//! Sockets whose I/O reads like blocking I/O inside a task: `syscall!(stream.read(&mut buf))?`
//! tries the read, and when it would block, waits for readiness in the scheduler's poller (the
//! other tasks run meanwhile) and tries again. gevent's way: no callbacks, no `async`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use crate::sched::calls::{Call, CallState, Progress, Reply, Request, SystemCall, sealed};

/// A listening TCP socket for tasks: [`accept`](TcpListener::accept) is a system call.
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
pub struct TcpListener(std::net::TcpListener);

impl TcpListener {
    /// Binds and listens, non-blocking.
    ///
    /// # Errors
    /// As [`std::net::TcpListener::bind`].
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<Self> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        Ok(TcpListener(listener))
    }

    /// The address it listens on (the port the OS chose for port 0).
    ///
    /// # Errors
    /// As [`std::net::TcpListener::local_addr`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }

    /// The next connection, as a system call: `syscall!(listener.accept())?`.
    pub fn accept(&self) -> Accept<'_> {
        Accept(self)
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

/// A connected TCP socket for tasks: reads and writes are system calls.
#[derive(Debug)]
pub struct TcpStream(std::net::TcpStream);

impl TcpStream {
    /// A connected std stream, made non-blocking.
    ///
    /// # Errors
    /// If it cannot be made non-blocking.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<Self> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream(stream))
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

    /// The peer's address.
    ///
    /// # Errors
    /// As [`std::net::TcpStream::peer_addr`].
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

/// Runs `attempt` until it does not block; when it would, asks to wait for `wait`.
fn retrying<T>(
    mut attempt: impl FnMut() -> io::Result<T>,
    wait: impl FnOnce() -> Call,
) -> Progress<io::Result<T>> {
    loop {
        match attempt() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                return Progress::Ask(Request(wait()));
            }
            done => return Progress::Done(done),
        }
    }
}

/// The system call of [`TcpListener::accept`].
#[derive(Debug)]
pub struct Accept<'a>(&'a TcpListener);

impl sealed::Sealed for Accept<'_> {}
impl<'a> SystemCall for Accept<'a> {
    type Reply = io::Result<(TcpStream, SocketAddr)>;
    type State = Accept<'a>;
    fn start(self) -> Self {
        self
    }
}

impl CallState for Accept<'_> {
    type Reply = io::Result<(TcpStream, SocketAddr)>;
    fn step(&mut self, _: Option<Reply>) -> Progress<Self::Reply> {
        let listener = &self.0.0;
        retrying(
            || {
                let (stream, peer) = listener.accept()?;
                Ok((TcpStream::from_std(stream)?, peer))
            },
            || Call::ReadWait(listener.as_raw_fd()),
        )
    }
}

/// The system call of [`TcpStream::read`].
#[derive(Debug)]
pub struct ReadSome<'a> {
    stream: &'a TcpStream,
    buf: &'a mut [u8],
}

impl sealed::Sealed for ReadSome<'_> {}
impl<'a> SystemCall for ReadSome<'a> {
    type Reply = io::Result<usize>;
    type State = ReadSome<'a>;
    fn start(self) -> Self {
        self
    }
}

impl CallState for ReadSome<'_> {
    type Reply = io::Result<usize>;
    fn step(&mut self, _: Option<Reply>) -> Progress<io::Result<usize>> {
        let (mut stream, buf) = (&self.stream.0, &mut *self.buf);
        let fd = stream.as_raw_fd();
        retrying(|| stream.read(buf), || Call::ReadWait(fd))
    }
}

/// The system call of [`TcpStream::write_all`].
#[derive(Debug)]
pub struct WriteAll<'a> {
    stream: &'a TcpStream,
    buf: &'a [u8],
    written: usize,
}

impl sealed::Sealed for WriteAll<'_> {}
impl<'a> SystemCall for WriteAll<'a> {
    type Reply = io::Result<()>;
    type State = WriteAll<'a>;
    fn start(self) -> Self {
        self
    }
}

impl CallState for WriteAll<'_> {
    type Reply = io::Result<()>;
    fn step(&mut self, _: Option<Reply>) -> Progress<io::Result<()>> {
        let mut stream = &self.stream.0;
        let fd = stream.as_raw_fd();
        let (buf, written) = (self.buf, &mut self.written);
        retrying(
            || {
                while *written < buf.len() {
                    match stream.write(&buf[*written..])? {
                        0 => return Err(io::ErrorKind::WriteZero.into()),
                        n => *written += n,
                    }
                }
                Ok(())
            },
            || Call::WriteWait(fd),
        )
    }
}
