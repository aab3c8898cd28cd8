//! Where the batches of a parallel stage end.
//!
//! Items of a line source are cut at read-chunk boundaries: every `Line` of a chunk shares one
//! reference count, and a batch that ends mid-chunk has the producer making lines of that chunk
//! while another thread drops its others, the count's cache line bouncing between cores at
//! each (measured: twice the time of the whole sequential count). A chunk per batch keeps each
//! count on one core at a time.

use std::any::Any;

#[cfg(feature = "io")]
use crate::io::Line;

/// The most lines a batch holds by default: more than a 64 KiB read chunk of non-empty lines.
const LINES_PER_BATCH: usize = 1 << 16;

/// The most bytes of buffers (`Vec<u8>`, `String`, `Box<[u8]>`) a batch holds: a batch ends
/// before the item that would pass it (a larger item travels alone). Measured: `threaded(2)`
/// over 64 KiB buffers held ~250 MB with batches of 1024 items; with this bound, a few MiB.
pub(crate) const BATCH_BYTES: usize = 1 << 20;

/// The heap bytes `item` holds, for the item types that are buffers; 0 for the rest (lines are
/// batched a read chunk at a time instead).
#[inline(always)]
fn buffer_bytes<T: 'static>(item: &T) -> usize {
    // After monomorphization each test is a constant: free for every other item type.
    let item = item as &dyn Any;
    if let Some(v) = item.downcast_ref::<Vec<u8>>() {
        v.capacity()
    } else if let Some(s) = item.downcast_ref::<String>() {
        s.capacity()
    } else if let Some(b) = item.downcast_ref::<Box<[u8]>>() {
        b.len()
    } else {
        0
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Batching {
    /// Items per batch at most.
    limit: usize,
    /// The read chunk of the last item batched (0: none yet).
    #[cfg_attr(not(feature = "io"), allow(dead_code))]
    last_chunk: usize,
    /// Buffer bytes in the batch being filled.
    bytes: usize,
}

impl Batching {
    /// Batches of `limit` items, or of a read chunk of lines when `limit` is `None` and the
    /// items are lines (`default` items otherwise).
    #[cfg_attr(not(feature = "io"), allow(clippy::extra_unused_type_parameters))]
    pub(crate) fn new<T: 'static>(limit: Option<usize>, default: usize) -> Batching {
        #[cfg(feature = "io")]
        let lines = std::any::TypeId::of::<T>() == std::any::TypeId::of::<Line>();
        #[cfg(not(feature = "io"))]
        let lines = false;
        Batching {
            limit: limit.unwrap_or(if lines { LINES_PER_BATCH } else { default }),
            last_chunk: 0,
            bytes: 0,
        }
    }

    /// Whether `item` belongs in a new batch after the `pending` items batched: a line of
    /// another read chunk than the last one, or a buffer that would take the batch past
    /// [`BATCH_BYTES`]. Called for every item, before it is batched.
    #[inline(always)]
    pub(crate) fn starts_new<T: 'static>(&mut self, item: &T, pending: usize) -> bool {
        let bytes = buffer_bytes(item);
        if bytes > 0 {
            let batched = if pending == 0 { 0 } else { self.bytes };
            let new = pending > 0 && batched + bytes > BATCH_BYTES;
            self.bytes = if new { bytes } else { batched + bytes };
            return new;
        }
        self.lines_start_new(item, pending)
    }

    /// [`starts_new`](Batching::starts_new) for lines.
    #[inline(always)]
    fn lines_start_new<T: 'static>(&mut self, item: &T, pending: usize) -> bool {
        #[cfg(feature = "io")]
        {
            // After monomorphization this is a constant for every item type but `Line`.
            let Some(line) = (item as &dyn Any).downcast_ref::<Line>() else {
                return false;
            };
            let chunk = line.chunk_id();
            let new = chunk != self.last_chunk && pending > 0;
            self.last_chunk = chunk;
            new
        }
        #[cfg(not(feature = "io"))]
        {
            let _ = (item, pending);
            false
        }
    }

    /// Whether a batch of `len` items is full.
    #[inline(always)]
    pub(crate) fn is_full(&self, len: usize) -> bool {
        len >= self.limit
    }
}
