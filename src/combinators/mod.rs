//! Fan-out and fan-in: one stream to several consumers ([`broadcast`], [`tee`]), several
//! producers into one ([`chain`], [`interleave`], [`interleave_tagged`], [`merge_by`],
//! [`merge_by_key`]); small stages ([`store_last`], [`chunks`], [`windows`], [`dedup`],
//! [`unique`], [`take_until`]) and counting sinks ([`group_count`], [`group_count_into`],
//! [`most_common`], [`top_k`]).
//!
//! Memoization ([`memo`](crate::memo::memo), [`replay`](crate::memo::replay), `#[memoize]`) is
//! in [`memo`](crate::memo).

mod broadcast;
mod interleave;
mod merge;
mod methods;
mod shared_source;
mod side;
mod small;
mod tally;
mod tee;
mod tee_sync;
mod tee_window;
mod unique;

pub use broadcast::{Broadcast, broadcast};
pub use interleave::{Chain, Interleave, Tagged, chain, interleave, interleave_tagged};
pub use merge::{Merge, merge_by, merge_by_key};
pub use side::{Last, StoreLastOp, store_last};
pub use small::{ChunksOp, DedupOp, TakeUntilOp, WindowsOp, chunks, dedup, take_until, windows};
pub use tally::{
    CountMap, GroupCount, MostCommon, MostCommonCounts, TopCounts, TopK, group_count,
    group_count_into, most_common, top_k,
};
pub use tee::{Tee, TeeBlocking, TeeLagged, TeeReader, tee};
pub use tee_sync::BlockingReader;
pub use unique::{UniqueOp, unique};

pub(crate) use shared_source::SharedSource;

/// How many slots to reserve for a buffer that may grow to `n` items: `n`, up to 1024. A size
/// is the most a stage may hold, not what it will (`chunks(usize::MAX)` over three items, or
/// `top_k(k)` with a `k` from the command line), and reserving it up front aborted.
pub(crate) fn prealloc(n: usize) -> usize {
    n.min(1024)
}
