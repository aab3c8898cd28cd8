//! Fan-out and fan-in: one stream to several consumers ([`broadcast`]), several producers into
//! one ([`chain`], [`interleave`], [`interleave_tagged`]); and small stages and sinks
//! ([`chunks`], [`windows`], [`dedup`], [`take_until`], [`group_count`], [`most_common`]).

mod broadcast;
mod interleave;
mod small;

pub use broadcast::{Broadcast, broadcast};
pub use interleave::{Chain, Interleave, Tagged, chain, interleave, interleave_tagged};
pub use small::{
    ChunksOp, DedupOp, GroupCount, MostCommon, TakeUntilOp, WindowsOp, chunks, dedup, group_count,
    most_common, take_until, windows,
};
