//! `on_thread(cap, sink)`: a consumer on a thread of its own.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::consume::{SendError, Sink};
use crate::par::threaded::DEFAULT_BATCH;

/// The sink of [`on_thread`]: enqueues, in batches, for the sink running on its thread.
pub struct OnThread<T, Out> {
    tx: Option<SyncSender<Vec<T>>>,
    filling: Vec<T>,
    batch: usize,
    thread: Option<JoinHandle<Out>>,
    /// The sink's value, once its thread has been joined before `close`.
    out: Option<Out>,
    /// Set by the thread once its sink has ended.
    done: Arc<AtomicBool>,
}

impl<T, Out> fmt::Debug for OnThread<T, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnThread")
            .field("batch", &self.batch)
            .field("done", &self.done.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Runs `sink` on a thread of its own: sending to the returned sink enqueues the item (in
/// batches of [`DEFAULT_BATCH`], at most `cap` batches queued, so a fast producer waits for a
/// slow consumer), and `close()` sends what is left, joins the thread and returns the sink's
/// value. Usable wherever a sink is: after `|`, inside [`broadcast`](crate::combinators::broadcast)
/// (a slow branch of a broadcast then runs beside the others).
///
/// - A panic in the sink is raised again by the `send` that finds it gone, or by `close`.
/// - Once the sink has ended (a `take`, a `last`), `send` hands items back; the items of the
///   batches queued before it ended are dropped, as the sink did not want them.
/// - Dropping it without `close` closes the sink on its thread and joins it.
///
/// # Panics
/// `cap == 0`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::par::on_thread;
///
/// let (n, total) = pipe(1..=100u64) | broadcast((count(), on_thread(4, sum::<u64>())));
/// assert_eq!((n, total), (100, 5050));
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn on_thread<T, K>(cap: usize, sink: K) -> OnThread<T, K::Out>
where
    T: Send + 'static,
    K: Sink<T> + Send + 'static,
    K::Out: Send + 'static,
{
    on_thread_batched(cap, DEFAULT_BATCH, sink)
}

/// [`on_thread`] with up to `batch` items per batch (1: each item as it is sent).
///
/// # Panics
/// `cap == 0` or `batch == 0`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::par::on_thread_batched;
///
/// assert_eq!(pipe(0..10) | on_thread_batched(1, 1, count()), 10);
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn on_thread_batched<T, K>(cap: usize, batch: usize, sink: K) -> OnThread<T, K::Out>
where
    T: Send + 'static,
    K: Sink<T> + Send + 'static,
    K::Out: Send + 'static,
{
    assert!(
        cap > 0,
        "on_thread(0, ..): at least one batch must be able to be queued"
    );
    assert!(
        batch > 0,
        "on_thread_batched(.., 0, ..): a batch holds at least one item"
    );
    let (tx, rx) = sync_channel::<Vec<T>>(cap);
    let done = Arc::new(AtomicBool::new(false));
    let ended = Arc::clone(&done);
    let thread = std::thread::Builder::new()
        .name("genpipe-on-thread".into())
        .spawn(move || {
            let mut sink = sink;
            'batches: for items in rx {
                for item in items {
                    if sink.is_done() || sink.send(item).is_err() {
                        break 'batches;
                    }
                }
                if sink.is_done() {
                    break;
                }
            }
            ended.store(true, Ordering::Release);
            sink.close()
        })
        .expect("the OS could not start a thread for `on_thread`");
    OnThread {
        tx: Some(tx),
        filling: Vec::with_capacity(batch),
        batch,
        thread: Some(thread),
        out: None,
        done,
    }
}

impl<T, Out> OnThread<T, Out> {
    /// Joins the thread, keeping its sink's value; its panic is raised again here.
    fn join(&mut self) {
        self.tx = None;
        let Some(thread) = self.thread.take() else {
            return;
        };
        match thread.join() {
            Ok(out) => self.out = Some(out),
            Err(panic) if !std::thread::panicking() => std::panic::resume_unwind(panic),
            Err(_) => {}
        }
    }
}

impl<T, Out> Sink<T> for OnThread<T, Out> {
    type Out = Out;

    fn send(&mut self, item: T) -> Result<(), SendError<T>> {
        if self.done.load(Ordering::Acquire) {
            return Err(SendError(item));
        }
        self.filling.push(item);
        if self.filling.len() >= self.batch {
            let items = std::mem::replace(&mut self.filling, Vec::with_capacity(self.batch));
            let gone = self.tx.as_ref().is_none_or(|tx| tx.send(items).is_err());
            if gone {
                // The thread ended: its sink is done, or it panicked (raised here).
                self.join();
            }
        }
        Ok(())
    }

    fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    fn close(mut self) -> Out {
        if !self.filling.is_empty()
            && let Some(tx) = &self.tx
        {
            let _ = tx.send(std::mem::take(&mut self.filling));
        }
        self.join();
        self.out
            .take()
            .expect("a joined thread that did not panic left its sink's value")
    }
}

impl<T, Out> Drop for OnThread<T, Out> {
    fn drop(&mut self) {
        self.join();
    }
}

crate::pipe::sink_pipe_rhs!([T, Out,] OnThread<T, Out>);
