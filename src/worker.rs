//! What a thread that `genpipe::par` started asks of the pipeline code it runs: to stop when the
//! pipeline's consumer has gone, and to hand over what it has batched before it waits.
//!
//! A source that can wait a long time for its next item (`follow`) calls [`idle`] before each
//! wait and stops when it returns `Stop`: so a `follow` upstream of `threaded` delivers each line
//! as it comes (not when a batch is full) and ends within one poll once its consumer is dropped.
//! On any other thread both calls cost one thread-local read and do nothing.

// `follow` (feature `io`) is the source that calls `idle`.
#![cfg_attr(not(feature = "io"), allow(dead_code))]

use std::cell::RefCell;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What [`idle`] says to the source that is about to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Idle {
    /// Wait, and look again.
    Wait,
    /// The consumer has gone: end now.
    Stop,
}

struct Worker {
    cancelled: Arc<AtomicBool>,
    /// Sends the items batched so far; `None` while it runs (a flush never re-enters itself).
    flush: Option<Box<dyn FnMut()>>,
}

thread_local! {
    static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
}

/// Registers this thread as a worker whose consumer has gone once `cancelled` is set, and whose
/// batched items `flush` sends. Undone when the guard is dropped.
pub(crate) fn enter(cancelled: Arc<AtomicBool>, flush: Box<dyn FnMut()>) -> Registered {
    WORKER.with(|w| {
        *w.borrow_mut() = Some(Worker {
            cancelled,
            flush: Some(flush),
        });
    });
    Registered(())
}

/// Ends the registration of [`enter`] when dropped.
pub(crate) struct Registered(());

impl Drop for Registered {
    fn drop(&mut self) {
        // The flush closure may own the last sender of a channel: drop it outside the borrow.
        let worker = WORKER.with(|w| w.borrow_mut().take());
        drop(worker);
    }
}

/// Called by a source about to wait for input: sends what this thread's worker has batched, and
/// says whether to wait or to stop.
pub(crate) fn idle() -> Idle {
    let Some((cancelled, flush)) = WORKER.with(|w| {
        let mut w = w.borrow_mut();
        let worker = w.as_mut()?;
        Some((worker.cancelled.clone(), worker.flush.take()))
    }) else {
        return Idle::Wait;
    };
    if cancelled.load(Ordering::Acquire) {
        put_back(flush);
        return Idle::Stop;
    }
    let flush = flush.map(|mut f| {
        f();
        f
    });
    put_back(flush);
    if cancelled.load(Ordering::Acquire) {
        Idle::Stop
    } else {
        Idle::Wait
    }
}

fn put_back(flush: Option<Box<dyn FnMut()>>) {
    if let Some(flush) = flush {
        WORKER.with(|w| {
            if let Some(worker) = w.borrow_mut().as_mut() {
                worker.flush = Some(flush);
            }
        });
    }
}
