//! Where the batches of a parallel stage end.
//!
//! Items of a line source are cut at read-chunk boundaries: every `Line` of a chunk shares one
//! reference count, and a batch that ends mid-chunk has the producer making lines of that chunk
//! while another thread drops its others, the count's cache line bouncing between cores at
//! each (measured: twice the time of the whole sequential count). A chunk per batch keeps each
//! count on one core at a time.

#[cfg(feature = "io")]
use std::any::Any;

#[cfg(feature = "io")]
use crate::io::Line;

/// The most lines a batch holds by default: more than a 64 KiB read chunk of non-empty lines.
const LINES_PER_BATCH: usize = 1 << 16;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Batching {
    /// Items per batch at most.
    limit: usize,
    /// The read chunk of the last item batched (0: none yet).
    #[cfg_attr(not(feature = "io"), allow(dead_code))]
    last_chunk: usize,
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
        }
    }

    /// Whether `item` belongs in a new batch after the `pending` items batched: a line of
    /// another read chunk than the last one.
    #[inline(always)]
    pub(crate) fn starts_new<T: 'static>(&mut self, item: &T, pending: usize) -> bool {
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
