//! The `Send` form of `tee`: readers on different threads, a leader that waits.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use super::tee_window::Window;
use crate::engine::Pull;
use crate::produce::Gen;

struct Shared<S: Pull> {
    window: Mutex<Window<S>>,
    /// Signalled when the window changes: an item in, an item out, the source ended.
    changed: Condvar,
}

impl<S: Pull> Shared<S> {
    fn lock(&self) -> MutexGuard<'_, Window<S>> {
        // The window is only changed whole under the lock; a reader that panicked in its own
        // code left it consistent.
        self.window.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, Window<S>>) -> MutexGuard<'a, Window<S>> {
        self.changed
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// One reader of [`tee(n).blocking()`](super::Tee::blocking): `Send`, yields plain items.
pub struct BlockingReader<S: Pull> {
    shared: Arc<Shared<S>>,
    /// The index of this reader's next item.
    pos: u64,
}

impl<S: Pull> fmt::Debug for BlockingReader<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingReader")
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl<S: Pull> Unpin for BlockingReader<S> {}

/// Wakes the other readers if the source panicked while this one pulled it, so none waits for
/// a pull that never ends.
struct PullGuard<'a, S: Pull>(&'a Shared<S>);

impl<S: Pull> Drop for PullGuard<'_, S> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // The source is lost with the panic: the others panic too once they have read
            // what was buffered, rather than end as if the source had ended.
            let mut w = self.0.lock();
            w.busy = false;
            w.source.lose();
            drop(w);
            self.0.changed.notify_all();
        }
    }
}

impl<S: Pull> crate::sealed::Pull for BlockingReader<S> {}
impl<S> Pull for BlockingReader<S>
where
    S: Pull,
    S::Item: Clone,
    S::Return: Clone,
{
    type Item = S::Item;
    type Return = S::Return;

    fn pull(self: Pin<&mut Self>) -> Option<S::Item> {
        let this = self.get_mut();
        let shared = &*this.shared;
        let pos = this.pos;
        let mut w = shared.lock();
        loop {
            if pos < w.end() {
                let item = w.take(pos);
                drop(w);
                shared.changed.notify_all();
                this.pos += 1;
                return Some(item);
            }
            if w.busy {
                w = shared.wait(w);
                continue;
            }
            if w.source.is_out() {
                // Ended, or lost to a panic in another reader: then this one panics too, once
                // the lock is released.
                let lost = w.source.is_lost();
                drop(w);
                if lost {
                    super::shared_source::source_lost();
                }
                return None;
            }
            let mut source = w.source.take()?;
            if w.is_full() {
                // The slowest reader is `bound` behind: wait for it (back-pressure).
                w.source.put_back(source);
                w = shared.wait(w);
                continue;
            }
            // Pull without the lock, so the other readers go on with buffered items meanwhile.
            w.busy = true;
            drop(w);
            let guard = PullGuard(shared);
            let next = source.as_mut().pull();
            let ret = match next {
                Some(_) => None,
                None => source.as_mut().take_return(),
            };
            drop(guard);
            w = shared.lock();
            w.busy = false;
            let Some(item) = next else {
                w.source.end(ret);
                drop(w);
                shared.changed.notify_all();
                return None;
            };
            w.source.put_back(source);
            let mine = w.lead(item);
            drop(w);
            shared.changed.notify_all();
            this.pos += 1;
            return Some(mine);
        }
    }

    fn take_return(self: Pin<&mut Self>) -> Option<S::Return> {
        self.shared.lock().outcome_at(self.pos)
    }
}

impl<S: Pull> Drop for BlockingReader<S> {
    fn drop(&mut self) {
        self.shared.lock().leave(self.pos);
        self.shared.changed.notify_all();
    }
}

pub(super) fn blocking_readers<S: Pull>(
    window: Window<S>,
    readers: usize,
) -> Vec<Gen<BlockingReader<S>>> {
    let shared = Arc::new(Shared {
        window: Mutex::new(window),
        changed: Condvar::new(),
    });
    (0..readers)
        .map(|_| {
            Gen::from_pull(BlockingReader {
                shared: Arc::clone(&shared),
                pos: 0,
            })
        })
        .collect()
}
