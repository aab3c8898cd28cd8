//! Readiness events of file descriptors as a generator (Beazley's `genevents`, feature `sched`,
//! unix): [`readiness`] waits, with the operating system's poller (epoll, kqueue), until some of
//! the sockets or pipes it watches can be read or written, and yields which. A loop over it is a
//! small event loop; `genpipe::sched` is the full one.

use std::fmt;
use std::os::fd::AsFd;
use std::pin::Pin;
use std::time::Duration;

use polling::{Event, Events, Poller};

use crate::engine::Pull;
use crate::error::Result;
use crate::produce::Gen;

/// What to wait for on a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interest {
    /// It can be read (data, a client to accept, the peer's end).
    Read,
    /// It can be written.
    Write,
    /// Either.
    Both,
}

/// One source is ready: its index in the slice given to [`readiness`], and for what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadyEvent {
    /// The source's index.
    pub key: usize,
    /// It can be read.
    pub readable: bool,
    /// It can be written.
    pub writable: bool,
}

/// The readiness events of some sources: [`readiness`].
pub struct Readiness<'a, S: AsFd> {
    sources: &'a [S],
    interest: Interest,
    poller: Option<Poller>,
    events: Events,
    ready: std::collections::VecDeque<ReadyEvent>,
    idle: Option<Duration>,
    outcome: Option<Result<()>>,
}

impl<S: AsFd> fmt::Debug for Readiness<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Readiness")
            .field("sources", &self.sources.len())
            .field("interest", &self.interest)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

impl<S: AsFd> Unpin for Readiness<'_, S> {}

fn event(key: usize, interest: Interest) -> Event {
    match interest {
        Interest::Read => Event::readable(key),
        Interest::Write => Event::writable(key),
        Interest::Both => Event::all(key),
    }
}

impl<'a, S: AsFd> Readiness<'a, S> {
    fn start(sources: &'a [S], interest: Interest) -> std::io::Result<Poller> {
        let poller = Poller::new()?;
        for (key, source) in sources.iter().enumerate() {
            // SAFETY: `polling` asks that a source be deleted from the poller before it is
            // closed. The sources are borrowed for `'a`, which outlives this `Readiness`, and
            // `Drop` deletes each of them before the borrow ends. If the `Readiness` is leaked
            // instead, its poller is leaked with it: nothing ever waits on it again, so a
            // closed and reused descriptor can never be reported through it. No other thread
            // sees the poller (it is owned here, and `Readiness` hands out no reference to it).
            if let Err(e) = unsafe { poller.add(&source.as_fd(), event(key, interest)) } {
                for earlier in &sources[..key] {
                    let _ = poller.delete(earlier.as_fd());
                }
                return Err(e);
            }
        }
        Ok(poller)
    }

    /// Waits for the next events; `Ok(false)` when the idle timeout passed with none.
    fn wait(&mut self) -> std::io::Result<bool> {
        let Some(poller) = self.poller.as_ref() else {
            return Ok(false);
        };
        loop {
            self.events.clear();
            match poller.wait(&mut self.events, self.idle) {
                Ok(0) if self.idle.is_some() => return Ok(false),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            for ev in self.events.iter() {
                self.ready.push_back(ReadyEvent {
                    key: ev.key,
                    readable: ev.readable,
                    writable: ev.writable,
                });
                // Oneshot: the source is watched again from the next pull on, so an event is
                // reported once per wait, as `select` does.
                if let Some(source) = self.sources.get(ev.key) {
                    poller.modify(source.as_fd(), event(ev.key, self.interest))?;
                }
            }
            if !self.ready.is_empty() {
                return Ok(true);
            }
        }
    }
}

impl<S: AsFd> Drop for Readiness<'_, S> {
    fn drop(&mut self) {
        if let Some(poller) = self.poller.take() {
            for source in self.sources {
                let _ = poller.delete(source.as_fd());
            }
        }
    }
}

impl<S: AsFd> crate::sealed::Pull for Readiness<'_, S> {}
impl<S: AsFd> Pull for Readiness<'_, S> {
    type Item = ReadyEvent;
    type Return = Result<()>;

    fn pull(self: Pin<&mut Self>) -> Option<ReadyEvent> {
        let this = self.get_mut();
        if let Some(ev) = this.ready.pop_front() {
            return Some(ev);
        }
        if this.outcome.is_some() {
            return None;
        }
        match this.wait() {
            Ok(true) => this.ready.pop_front(),
            Ok(false) => {
                this.outcome = Some(Ok(()));
                None
            }
            Err(e) => {
                this.outcome = Some(Err(e.into()));
                None
            }
        }
    }

    fn take_return(self: Pin<&mut Self>) -> Option<Result<()>> {
        self.get_mut().outcome.take()
    }
}

/// Waits until some of `sources` (sockets, pipes, anything with a file descriptor) can be read or
/// written, as `interest` says, and yields a [`ReadyEvent`] for each: which source (its index)
/// and for what. The sources stay the caller's, borrowed: read from them in the loop (`Read` is
/// implemented for `&TcpStream`). Never ends by itself unless given an idle timeout
/// ([`idle_timeout`](Gen::idle_timeout)); a poller error ends it with the error.
///
/// # Example
/// ```
/// use std::io::{Read, Write};
/// use std::net::{TcpListener, TcpStream};
/// use std::time::Duration;
/// use genpipe::prelude::*;
/// use genpipe::io::{Interest, ReadyEvent, readiness};
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let mut a = TcpStream::connect(listener.local_addr()?)?;
/// let mut b = TcpStream::connect(listener.local_addr()?)?;
/// let servers = [listener.accept()?.0, listener.accept()?.0];
/// a.write_all(b"from a")?;
/// b.write_all(b"from b")?;
///
/// let mut got = Vec::new();
/// let events = readiness(&servers, Interest::Read).idle_timeout(Duration::from_millis(200));
/// let outcome = events
///     | take(2)
///     | for_each(|ev: ReadyEvent| {
///         let mut text = [0u8; 6];
///         (&servers[ev.key]).read_exact(&mut text).unwrap();
///         got.push((ev.key, String::from_utf8_lossy(&text).into_owned()));
///     });
/// outcome?;
/// got.sort();
/// assert_eq!(got, [(0, "from a".to_string()), (1, "from b".to_string())]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn readiness<S: AsFd>(sources: &[S], interest: Interest) -> Gen<Readiness<'_, S>> {
    let (poller, outcome) = match Readiness::start(sources, interest) {
        Ok(poller) => (Some(poller), None),
        Err(e) => (None, Some(Err(e.into()))),
    };
    Gen::from_pull(Readiness {
        sources,
        interest,
        poller,
        events: Events::new(),
        ready: std::collections::VecDeque::new(),
        idle: None,
        outcome,
    })
}

impl<S: AsFd> Gen<Readiness<'_, S>> {
    /// Ends the source cleanly when nothing is ready for `idle`.
    pub fn idle_timeout(self, idle: Duration) -> Self {
        self.configure(|r| r.idle = Some(idle))
    }
}
