//! The driver under the run loop: the poller and what is registered with it, the timers, and
//! the threads of `Blocking` calls. It knows tasks by id only; the loop (`scheduler.rs`) decides
//! what a wake means. All its `unsafe` is here.

use std::any::Any;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use polling::{Event, PollMode, Poller};

use crate::sched::protocol::{IoHandle, Tid};

/// Event keys of lent descriptors have this bit set (the rest is the task's id); a socket's key
/// is its descriptor.
const LENT: usize = 1 << (usize::BITS - 2);

/// A socket registered here: the tasks waiting on it, per direction, and the readiness seen
/// that no task took yet (edge-triggered: an edge is reported once).
struct Source {
    registration: u64,
    readers: Vec<Tid>,
    writers: Vec<Tid>,
    readable: bool,
    writable: bool,
    /// Oneshot mode (no edge-triggering here): which directions are armed.
    armed: (bool, bool),
}

/// What a timer does when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TimerKind {
    /// A `Sleep` ends.
    Wake,
    /// A `Timeout` runs out.
    Expire,
}

/// A task woken by the driver: `seq` is the wait it was woken for (a timer's, a blocking
/// call's), `None` for readiness (any wait on the descriptor).
pub(crate) enum Woken {
    Ready(Tid),
    Timer(Tid, u64, TimerKind),
    Blocking(Tid, u64, std::thread::Result<Box<dyn Any + Send>>),
}

type BlockingDone = (Tid, u64, std::thread::Result<Box<dyn Any + Send>>);

pub(crate) struct Driver {
    poller: Option<Arc<Poller>>,
    edge: bool,
    next_registration: u64,
    sources: HashMap<RawFd, Source>,
    /// Descriptors lent for one wait, by task.
    lent: HashMap<Tid, RawFd>,
    timers: BinaryHeap<Reverse<(Instant, u64, Tid, TimerKind)>>,
    blocking_done: (Sender<BlockingDone>, Receiver<BlockingDone>),
    blocking_running: usize,
    events: polling::Events,
    /// `epoll_wait` and `epoll_ctl` calls made, for the figures of `benches/README.md`.
    pub(crate) poll_calls: u64,
}

impl Driver {
    pub(crate) fn new() -> Driver {
        Driver {
            poller: None,
            edge: false,
            next_registration: 0,
            sources: HashMap::new(),
            lent: HashMap::new(),
            timers: BinaryHeap::new(),
            blocking_done: channel(),
            blocking_running: 0,
            events: polling::Events::new(),
            poll_calls: 0,
        }
    }

    fn poller(&mut self) -> &Arc<Poller> {
        if self.poller.is_none() {
            let poller = Poller::new().expect("the OS gives an epoll/kqueue instance");
            self.edge = poller.supports_edge();
            self.poller = Some(Arc::new(poller));
        }
        self.poller.as_ref().expect("made above")
    }

    /// `tid` waits until the socket of `handle` is readable (or writable). `Ok(true)`: it is
    /// ready already (readiness seen before, not yet taken): retry now. An error: the
    /// descriptor cannot be watched (a regular file, always ready).
    pub(crate) fn wait_io(&mut self, tid: Tid, handle: &IoHandle, write: bool) -> io::Result<bool> {
        let poller = Arc::clone(self.poller());
        let fd = handle.fd;
        let mut registered = handle
            .registered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let current = match &*registered {
            Some((p, registration)) if Arc::ptr_eq(p, &poller) => self
                .sources
                .get(&fd)
                .is_some_and(|s| s.registration == *registration),
            _ => false,
        };
        if !current {
            if let Some((old, _)) = registered.take() {
                // Registered with another scheduler's poller: moved here.
                // SAFETY: `handle` belongs to a socket that is open (the waiting task borrows
                // it) and deletes this registration itself before closing.
                let _ = old.delete(unsafe { BorrowedFd::borrow_raw(fd) });
            }
            self.next_registration += 1;
            let registration = self.next_registration;
            let (interest, mode) = if self.edge {
                (Event::all(fd as usize), PollMode::Edge)
            } else if write {
                (Event::writable(fd as usize), PollMode::Oneshot)
            } else {
                (Event::readable(fd as usize), PollMode::Oneshot)
            };
            // SAFETY: as above: the socket deletes the registration (`IoHandle::deregister`,
            // from its `Drop`) before its descriptor closes, on whatever thread drops it.
            unsafe { poller.add_with_mode(fd, interest, mode) }?;
            self.poll_calls += 1;
            *registered = Some((Arc::clone(&poller), registration));
            self.sources.insert(
                fd,
                Source {
                    registration,
                    readers: Vec::new(),
                    writers: Vec::new(),
                    readable: false,
                    writable: false,
                    armed: (!write && !self.edge, write && !self.edge),
                },
            );
        }
        drop(registered);
        let edge = self.edge;
        let source = self.sources.get_mut(&fd).expect("registered above");
        let ready = if write {
            &mut source.writable
        } else {
            &mut source.readable
        };
        if std::mem::take(ready) {
            return Ok(true);
        }
        if write {
            source.writers.push(tid);
        } else {
            source.readers.push(tid);
        }
        if !edge {
            let want = (!source.readers.is_empty(), !source.writers.is_empty());
            if want != source.armed {
                let mut interest = Event::none(fd as usize);
                (interest.readable, interest.writable) = want;
                // SAFETY: the descriptor is registered and open (see above).
                let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
                poller.modify_with_mode(borrowed, interest, PollMode::Oneshot)?;
                self.poll_calls += 1;
                source.armed = want;
            }
        }
        Ok(false)
    }

    /// `tid` waits for a descriptor it lent for this one wait (`ReadWait`/`WriteWait`). An
    /// error: it cannot be watched (always ready).
    pub(crate) fn wait_lent(&mut self, tid: Tid, fd: RawFd, write: bool) -> io::Result<()> {
        let key = LENT | tid.0 as usize;
        let event = if write {
            Event::writable(key)
        } else {
            Event::readable(key)
        };
        let poller = Arc::clone(self.poller());
        // SAFETY: the descriptor is one the task borrowed for the call, so it stays open while
        // the task is suspended in it; the registration is deleted when the event comes or
        // the wait is cancelled (a timeout, the task killed, the scheduler dropped), before
        // the task and its descriptor can be dropped. Only this thread touches it.
        unsafe { poller.add(fd, event) }?;
        self.poll_calls += 1;
        self.lent.insert(tid, fd);
        Ok(())
    }

    /// Forgets `tid`'s wait for readiness (it timed out or ended).
    pub(crate) fn cancel_io(&mut self, tid: Tid, fd: Option<RawFd>) {
        if let Some(fd) = self.lent.remove(&tid) {
            self.delete_lent(fd);
        }
        if let Some(source) = fd.and_then(|fd| self.sources.get_mut(&fd)) {
            source.readers.retain(|&t| t != tid);
            source.writers.retain(|&t| t != tid);
        }
    }

    fn delete_lent(&mut self, fd: RawFd) {
        if let Some(poller) = &self.poller {
            // SAFETY: as in `wait_lent`: the waiting task still holds the descriptor open.
            let _ = poller.delete(unsafe { BorrowedFd::borrow_raw(fd) });
            self.poll_calls += 1;
        }
    }

    pub(crate) fn add_timer(&mut self, at: Instant, seq: u64, tid: Tid, kind: TimerKind) {
        self.timers.push(Reverse((at, seq, tid, kind)));
    }

    /// Runs `work` on a thread of its own; its value comes back as `Woken::Blocking`.
    pub(crate) fn run_blocking(
        &mut self,
        tid: Tid,
        seq: u64,
        work: Box<dyn FnOnce() -> Box<dyn Any + Send> + Send>,
    ) {
        let (done, poller) = (self.blocking_done.0.clone(), Arc::clone(self.poller()));
        self.blocking_running += 1;
        std::thread::Builder::new()
            .name(format!("genpipe-blocking-{tid}"))
            .spawn(move || {
                let value = std::panic::catch_unwind(AssertUnwindSafe(work));
                let _ = done.send((tid, seq, value));
                // Wakes the loop if it sleeps in the poller.
                let _ = poller.notify();
            })
            .expect("the OS could not start a thread for `Blocking`");
    }

    /// Whether anything pending could ever wake a task.
    pub(crate) fn pending(&self) -> bool {
        !self.timers.is_empty()
            || self.blocking_running > 0
            || !self.lent.is_empty()
            || self
                .sources
                .values()
                .any(|s| !s.readers.is_empty() || !s.writers.is_empty())
    }

    /// Sleeps until a timer is due, a descriptor is ready or a blocking call ends (not at all
    /// with `poll_only`: only what is ready now), and reports whom that wakes.
    pub(crate) fn wait(&mut self, poll_only: bool, woken: &mut Vec<Woken>) {
        let io_waits = !self.lent.is_empty() || !self.sources.is_empty();
        let timeout = if poll_only {
            Some(Duration::ZERO)
        } else {
            self.timers
                .peek()
                .map(|Reverse((at, ..))| at.saturating_duration_since(Instant::now()))
        };
        if io_waits || self.blocking_running > 0 {
            let poller = Arc::clone(self.poller());
            self.events.clear();
            let _ = poller.wait(&mut self.events, timeout);
            self.poll_calls += 1;
            let keys: Vec<(usize, bool, bool)> = self
                .events
                .iter()
                .map(|e| (e.key, e.readable, e.writable))
                .collect();
            for (key, readable, writable) in keys {
                if key & LENT != 0 {
                    let tid = Tid((key & !LENT) as u64);
                    if let Some(fd) = self.lent.remove(&tid) {
                        self.delete_lent(fd);
                        woken.push(Woken::Ready(tid));
                    }
                    continue;
                }
                let Some(source) = self.sources.get_mut(&(key as RawFd)) else {
                    continue;
                };
                if readable {
                    source.readable = source.readers.is_empty();
                    woken.extend(source.readers.drain(..).map(Woken::Ready));
                    source.armed.0 = false;
                }
                if writable {
                    source.writable = source.writers.is_empty();
                    woken.extend(source.writers.drain(..).map(Woken::Ready));
                    source.armed.1 = false;
                }
                if !self.edge && (!source.readers.is_empty() || !source.writers.is_empty()) {
                    // Oneshot: the other direction's waiters need it armed again.
                    let want = (!source.readers.is_empty(), !source.writers.is_empty());
                    let mut interest = Event::none(key);
                    (interest.readable, interest.writable) = want;
                    // SAFETY: registered and open: its socket deletes it before closing.
                    let borrowed = unsafe { BorrowedFd::borrow_raw(key as RawFd) };
                    let _ = poller.modify_with_mode(borrowed, interest, PollMode::Oneshot);
                    self.poll_calls += 1;
                    source.armed = want;
                }
            }
        } else if let Some(timeout) = timeout.filter(|t| !t.is_zero()) {
            std::thread::sleep(timeout);
        }
        while let Ok((tid, seq, value)) = self.blocking_done.1.try_recv() {
            self.blocking_running -= 1;
            woken.push(Woken::Blocking(tid, seq, value));
        }
        let now = Instant::now();
        while let Some(Reverse((at, seq, tid, kind))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            woken.push(Woken::Timer(tid, seq, kind));
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Lent descriptors' registrations go before the tasks that hold them (the loop drops
        // its tasks after its driver). Sockets delete their own.
        let lent: Vec<RawFd> = self.lent.drain().map(|(_, fd)| fd).collect();
        for fd in lent {
            self.delete_lent(fd);
        }
    }
}
