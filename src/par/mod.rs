//! Parallel pipelines: threads only at stage boundaries, and batched.
//!
//! A thread handoff costs microseconds when the receiver sleeps and a coroutine switch a few
//! nanoseconds (`benches/switch.rs`), so nothing here moves items one by one: they cross in
//! batches, and a stage goes to another thread only where the work on each side is worth it.
//!
//! - [`threaded`]: the upstream on its own thread (I/O and decompression beside the parsing).
//! - [`par_map`], [`par_filter_map`]: a CPU-bound stage on rayon's pool (feature `rayon`, on by
//!   default), order kept inside a bounded window unless `.unordered()`.
//! - [`par_per_file`]: `per_file` with the files on several workers, results in input order.
//! - [`par_grep_file`]: one large file's search on every core, its lines (with context) in
//!   file order and numbered as in the file.
//! - [`multiplex`]: several sources on threads of their own, merged as their items arrive.
//! - [`on_thread`]: a consumer on a thread of its own (a slow branch of a `broadcast`).
//! - [`chunks_timeout`], [`rate_limit`]: stages that act on time for live sources (a chunk when
//!   full or on time, a limit per period that reports what it dropped), their upstream on a
//!   thread of its own so they act while the source is idle.
//! - [`Mergeable`] with [`find(..).shard(i, n)`](crate::io::Find): one job split over workers or
//!   machines and its results merged exactly, the unit a distributed engine schedules.
//!
//! Every stage here keeps the same promises: the upstream's outcome (its error) crosses last, a
//! panic on any thread it started is raised again in the consumer, and dropping the consumer
//! stops and joins the threads it started (a `follow` upstream within one poll; one blocked in
//! a call that never returns is left after half a second to end on its own, so a drop never
//! hangs).

mod batching;
#[cfg(all(feature = "rayon", feature = "io"))]
mod grep_file;
mod mergeable;
mod multiplex;
mod on_thread;
#[cfg(feature = "rayon")]
mod pool;
pub(crate) mod threaded;
mod timed;

#[cfg(all(feature = "rayon", feature = "io"))]
pub use grep_file::{DEFAULT_PART_BYTES, GrepFile, par_grep_file};
pub use mergeable::Mergeable;
pub use multiplex::{Multiplex, multiplex};
pub use on_thread::{OnThread, on_thread, on_thread_batched};
#[cfg(feature = "rayon")]
pub use pool::{BatchJob, DEFAULT_PAR_BATCH, ParOp, par_filter_map, par_map};
#[cfg(all(feature = "rayon", feature = "io"))]
pub use pool::{FileResult, PerFileStage, par_per_file, par_per_file_with};
pub use threaded::{DEFAULT_BATCH, Threaded, ThreadedStage, threaded};
pub use timed::{
    ChunksTimeout, ChunksTimeoutStage, Limited, RateLimit, RateLimitStage, chunks_timeout,
    rate_limit,
};
