//! genpipe pipelines on [timely-dataflow](https://docs.rs/timely): one binary runs on every
//! process (`-w` threads, `-n` processes, `-p` index, `-h` hostfile, as
//! `timely::execute_from_args` reads them), each worker runs its own genpipe pipeline over its
//! shard of the input, and records are exchanged by key, after a local combiner, so the bytes
//! that cross processes grow with the distinct keys, not with the lines.
//!
//! - [`sink_source`]: a worker's whole share of the work done in genpipe, a pipeline into a
//!   sink (`group_count`, a `broadcast` of several), made on the worker's own thread (a `Gen`
//!   need not be `Send`) and fed at most [`BATCH`] items per activation; what enters timely is
//!   the sink's one result per worker. [`merge_at_worker_zero`] merges those results with
//!   genpipe's [`Mergeable`](genpipe::par::Mergeable), exactly as one run over all the input;
//!   [`sum_by_key`] instead spreads `(key, partial)` pairs over the workers by key.
//! - [`pipeline_source`]: a pipeline's records themselves into timely, at most [`BATCH`] per
//!   activation, for timely operators to work on; [`count_by_key`] counts them, combined on
//!   each worker first, then exchanged as `(key, partial)` pairs and summed by the key's owner.
//! - A pipeline's outcome (a file that would not decompress) is a [`PipelineOutcome`] the
//!   caller reads after the run; the source drops its capability when the pipeline ends.
//! - [`gather`]: every record to worker 0, to print or compare; [`failures_at_worker_zero`]:
//!   every worker's pipeline error there too, so a partial result is never printed.
//! - Streaming: [`windowed_source`] runs a pipeline that waits for its input (a
//!   [`follow`](genpipe::io::follow)ed log) on a thread of its own, stamps its records with
//!   epoch-aligned [`TimeWindows`] (the same window numbers on every machine), and moves its
//!   capability on at each window boundary; [`gather_by_time`] hands worker 0 each window once
//!   every worker is past it. A windowed count across machines is
//!   `gather_by_time(count_by_key(windowed_source(..)), print)`.
//!
//! Records that cross processes must be owned and serializable (timely's `ExchangeData`). A
//! [`Line`](genpipe::io::Line) is a view into a shared read buffer, so it is not one: turn it
//! into what the next step needs before an exchange, its owned bytes
//! (`line.as_bytes().to_vec()`), the field that matters (`String`, `u16`), or a parsed record
//! that derives `Serialize` and `Deserialize`; better still, aggregate first with
//! [`sink_source`], so no line crosses at all. Timely is fail-stop: a process that
//! dies ends the computation for all, and the way back is to run the failed shard again; shard
//! outputs merge exactly ([`genpipe::par::Mergeable`]).
//!
//! # Example
//! ```
//! use genpipe::prelude::*;
//! use genpipe_timely::{count_by_key, gather, pipeline_source};
//!
//! // Two workers, each counting the words of its half of the input.
//! let guards = timely::execute(timely::Config::process(2), |worker| {
//!     let (counted, outcome) = worker.dataflow::<u64, _, _>(|scope| {
//!         let (words, outcome) = pipeline_source(scope, "words", |shard| {
//!             let words = ["to", "be", "or", "not", "to", "be"];
//!             pipe(words.into_iter().skip(shard.index).step_by(shard.peers)).map(String::from)
//!         });
//!         (gather(count_by_key(words)), outcome)
//!     });
//!     while worker.step_or_park(None) {}
//!     outcome.take().expect("the pipeline ended").expect("it did not fail");
//!     counted.take_sorted()
//! })
//! .unwrap();
//! let all: Vec<(String, u64)> = guards.join().into_iter().flat_map(Result::unwrap).collect();
//! assert_eq!(all, [("be".into(), 2), ("not".into(), 1), ("or".into(), 1), ("to".into(), 2)]);
//! ```

mod count;
mod gather;
mod source;
mod window;

pub use count::{PairsSent, count_by_key, count_by_key_measured, sum_by_key};
pub use gather::{
    Gathered, Merged, failures_at_worker_zero, gather, gather_by_time, merge_at_worker_zero,
};
pub use source::{BATCH, PipelineOutcome, Shard, pipeline_source, sink_source};
pub use window::{TimeWindows, windowed_source};

pub use timely;
