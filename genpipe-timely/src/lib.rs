//! genpipe pipelines on [timely-dataflow](https://docs.rs/timely): one binary runs on every
//! process (`-w` threads, `-n` processes, `-p` index, `-h` hostfile, as
//! `timely::execute_from_args` reads them), each worker runs its own genpipe pipeline over its
//! shard of the input, and records are exchanged by key, after a local combiner, so the bytes
//! that cross processes grow with the distinct keys, not with the lines.
//!
//! - [`pipeline_source`]: a timely source from a genpipe pipeline made on the worker's own
//!   thread (a `Gen` need not be `Send`), handing timely at most [`BATCH`] records per
//!   activation, and dropping its capability when the pipeline ends; its outcome (a file that
//!   would not decompress) is a [`PipelineOutcome`] the caller reads after the run.
//! - [`count_by_key`]: counts per key, combined on each worker first, then exchanged as
//!   `(key, partial)` pairs and summed by the key's owner.
//! - [`gather`]: every record to worker 0, to print or compare.
//!
//! Records that cross processes must be owned and serializable (timely's `ExchangeData`): turn
//! a [`Line`](genpipe::io::Line) into the field that matters (`String`, `u16`, a parsed record
//! that derives `Serialize`) before it reaches an exchange. Timely is fail-stop: a process that
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
//!     while worker.step() {}
//!     outcome.take().expect("the pipeline ended").expect("it did not fail");
//!     counted.take_sorted()
//! })
//! .unwrap();
//! let all: Vec<(String, u64)> = guards.join().into_iter().flat_map(Result::unwrap).collect();
//! assert_eq!(all, [("be".into(), 2), ("not".into(), 1), ("or".into(), 1), ("to".into(), 2)]);
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use genpipe::{Gen, IntoPipelineResult, Pull};
use timely::ExchangeData;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::{Exchange, ParallelizationContract, Pipeline};
use timely::dataflow::operators::Capability;
use timely::dataflow::operators::Inspect;
use timely::dataflow::operators::generic::operator::{Operator, source};
use timely::dataflow::operators::vec::Map;
use timely::dataflow::{Scope, StreamVec};

pub use timely;

/// How many records a source hands timely per activation: enough to amortize the activation,
/// few enough that a worker interleaves its operators (and never holds its whole input).
pub const BATCH: usize = 1024;

/// Which part of the input a worker reads: its index among all the workers of all processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This worker's index, `0..peers`.
    pub index: usize,
    /// How many workers there are, in all processes.
    pub peers: usize,
}

/// How a [`pipeline_source`]'s pipeline ended, once the dataflow has run: `None` before.
#[derive(Clone, Debug, Default)]
pub struct PipelineOutcome(Rc<RefCell<Option<genpipe::Result<()>>>>);

impl PipelineOutcome {
    /// The pipeline's outcome, once it has ended.
    pub fn take(&self) -> Option<genpipe::Result<()>> {
        self.0.borrow_mut().take()
    }
}

/// A timely source that runs the genpipe pipeline `make` builds for this worker's [`Shard`]
/// (on the worker's thread: the pipeline need not be `Send`), at timestamp 0. Each activation
/// hands timely at most [`BATCH`] records; at the pipeline's end the source drops its
/// capability (downstream operators then see the input complete) and records the pipeline's
/// outcome in the returned [`PipelineOutcome`].
pub fn pipeline_source<'scope, S, F>(
    scope: Scope<'scope, u64>,
    name: &str,
    make: F,
) -> (StreamVec<'scope, u64, S::Item>, PipelineOutcome)
where
    S: Pull + 'static,
    S::Item: Clone + 'static,
    S::Return: IntoPipelineResult,
    F: FnOnce(Shard) -> Gen<S> + 'static,
{
    let outcome = PipelineOutcome::default();
    let reported = outcome.clone();
    let shard = Shard {
        index: scope.index(),
        peers: scope.peers(),
    };
    let stream = source::<_, CapacityContainerBuilder<Vec<S::Item>>, _, _>(
        scope,
        name,
        move |capability, info| {
            let activator = scope.activator_for(info.address);
            let mut pipeline = Some(make(shard));
            let mut capability = Some(capability);
            move |output| {
                let (Some(cap), Some(items)) = (capability.as_ref(), pipeline.as_mut()) else {
                    return;
                };
                let mut session = output.session(cap);
                let mut given = 0;
                while given < BATCH {
                    match items.next() {
                        Some(item) => {
                            session.give(item);
                            given += 1;
                        }
                        None => break,
                    }
                }
                drop(session);
                if given == BATCH {
                    activator.activate();
                } else if let Some(ended) = pipeline.take() {
                    *reported.0.borrow_mut() = Some(ended.finish().into_pipeline_result());
                    capability = None;
                }
            }
        },
    );
    (stream, outcome)
}

/// The worker that owns `key`: the same on every process (std's `DefaultHasher` has fixed keys).
fn owner<K: Hash>(key: &K) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// Counts each key, at each timestamp: every worker first counts its own records (a combiner),
/// then the `(key, partial)` pairs go to the key's owner, which sums them. So what crosses
/// workers and processes is at most one pair per distinct key per worker, however many records
/// there were. A time's counts leave once the input is complete for it.
pub fn count_by_key<'scope, K>(
    records: StreamVec<'scope, u64, K>,
) -> StreamVec<'scope, u64, (K, u64)>
where
    K: ExchangeData + Hash + Eq,
{
    count_by_key_measured(records).0
}

/// How many `(key, partial)` pairs this worker's combiner handed to the exchange: what
/// [`count_by_key`] sends between workers (some of them to itself), once the dataflow has run.
#[derive(Clone, Debug, Default)]
pub struct PairsSent(Rc<std::cell::Cell<u64>>);

impl PairsSent {
    /// The pairs sent so far.
    pub fn get(&self) -> u64 {
        self.0.get()
    }
}

/// [`count_by_key`], and how many pairs this worker exchanged.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe_timely::{count_by_key_measured, pipeline_source};
///
/// // 10,000 records of 3 keys on each of two workers: 3 pairs leave each worker, not 10,000.
/// let sent = timely::execute(timely::Config::process(2), |worker| {
///     let sent = worker.dataflow::<u64, _, _>(|scope| {
///         let (keys, _) = pipeline_source(scope, "keys", |_| pipe(0..10_000u32).map(|i| i % 3));
///         count_by_key_measured(keys).1
///     });
///     while worker.step() {}
///     sent.get()
/// })
/// .unwrap();
/// let sent: Vec<u64> = sent.join().into_iter().map(Result::unwrap).collect();
/// assert_eq!(sent, [3, 3]);
/// ```
pub fn count_by_key_measured<'scope, K>(
    records: StreamVec<'scope, u64, K>,
) -> (StreamVec<'scope, u64, (K, u64)>, PairsSent)
where
    K: ExchangeData + Hash + Eq,
{
    let sent = PairsSent::default();
    let counter = sent.clone();
    let ones = records.map(|key| (key, 1));
    let partials = sum_by_key(ones, Pipeline, "CountLocal").inspect_batch(move |_, pairs| {
        counter.0.set(counter.0.get() + pairs.len() as u64);
    });
    let counted = sum_by_key(
        partials,
        Exchange::new(|(key, _): &(K, u64)| owner(key)),
        "CountByKey",
    );
    (counted, sent)
}

/// Sums the counts of each key per timestamp, the records routed by `pact`; a time's sums leave
/// once the input is complete for it.
fn sum_by_key<'scope, K, P>(
    counts: StreamVec<'scope, u64, (K, u64)>,
    pact: P,
    name: &str,
) -> StreamVec<'scope, u64, (K, u64)>
where
    K: ExchangeData + Hash + Eq,
    P: ParallelizationContract<u64, Vec<(K, u64)>>,
{
    counts.unary_frontier(pact, name, |_, _| {
        // By time (not by capability: a key must not change while it is in a map).
        let mut pending: HashMap<u64, (Capability<u64>, HashMap<K, u64>)> = HashMap::new();
        move |(input, frontier), output| {
            input.for_each_time(|time, batches| {
                let (_, sums) = pending
                    .entry(*time.time())
                    .or_insert_with(|| (time.retain(output.output_index()), HashMap::new()));
                for batch in batches {
                    for (key, n) in batch.drain(..) {
                        *sums.entry(key).or_insert(0) += n;
                    }
                }
            });
            pending.retain(|time, (cap, sums)| {
                if frontier.less_equal(time) {
                    return true;
                }
                output.session(cap).give_iterator(sums.drain());
                false
            });
        }
    })
}

/// The records of a [`gather`], on worker 0 (empty on the others) once the dataflow has run.
#[derive(Debug)]
pub struct Gathered<D>(Rc<RefCell<Vec<D>>>);

impl<D: Ord> Gathered<D> {
    /// The records, sorted (the order of arrival depends on the workers' timing).
    pub fn take_sorted(&self) -> Vec<D> {
        let mut all = std::mem::take(&mut *self.0.borrow_mut());
        all.sort();
        all
    }
}

/// Every record to worker 0, kept there: for printing a result in one place, or comparing it
/// with a single-process run.
pub fn gather<'scope, D: ExchangeData>(records: StreamVec<'scope, u64, D>) -> Gathered<D> {
    let kept = Rc::new(RefCell::new(Vec::new()));
    let into = kept.clone();
    records.sink(
        Exchange::new(|_: &D| 0),
        "Gather",
        move |(input, _frontier)| {
            input.for_each(|_time, batch| into.borrow_mut().append(batch));
        },
    );
    Gathered(kept)
}

/// Every worker's pipeline failure, at worker 0 (empty elsewhere), after the dataflows that ran
/// the pipelines: each worker passes its own outcome, and a small dataflow brings them all to
/// worker 0, so the process that prints the result knows whether a shard failed elsewhere (a
/// pipeline error is data, not a crash, so timely's fail-stop does not see it). Call it on every
/// worker, after stepping the other dataflows to their end.
///
/// # Example
/// ```
/// let failures = timely::execute(timely::Config::process(2), |worker| {
///     let mine = (worker.index() == 1).then(|| "d1/broken.gz: not gzip".to_string());
///     genpipe_timely::failures_at_worker_zero(worker, mine)
/// })
/// .unwrap();
/// let all: Vec<Vec<(usize, String)>> = failures.join().into_iter().map(Result::unwrap).collect();
/// assert_eq!(all[0], [(1, "d1/broken.gz: not gzip".to_string())]);
/// assert!(all[1].is_empty());
/// ```
pub fn failures_at_worker_zero(
    worker: &mut timely::worker::Worker,
    failure: Option<String>,
) -> Vec<(usize, String)> {
    let index = worker.index();
    let gathered = worker.dataflow::<u64, _, _>(|scope| {
        let (failures, _) = pipeline_source(scope, "failures", move |_| {
            genpipe::pipe(failure.into_iter().map(move |f| (index, f)))
        });
        gather(failures)
    });
    while worker.step() {}
    gathered.take_sorted()
}
