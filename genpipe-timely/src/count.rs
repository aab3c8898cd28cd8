//! Counting and summing by key across workers: a local combiner first, then one exchange of
//! the partials.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{Hash, Hasher};
use std::ops::AddAssign;
use std::rc::Rc;

use timely::ExchangeData;
use timely::dataflow::StreamVec;
use timely::dataflow::channels::pact::{Exchange, ParallelizationContract, Pipeline};
use timely::dataflow::operators::Capability;
use timely::dataflow::operators::Inspect;
use timely::dataflow::operators::generic::operator::Operator;
use timely::dataflow::operators::vec::Map;

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
///     while worker.step_or_park(None) {}
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
    let partials = sum_with(ones, Pipeline, "CountLocal").inspect_batch(move |_, pairs| {
        counter.0.set(counter.0.get() + pairs.len() as u64);
    });
    let counted = sum_with(
        partials,
        Exchange::new(|(key, _): &(K, u64)| owner(key)),
        "CountByKey",
    );
    (counted, sent)
}

/// Sums the values of each key, at each timestamp, on the key's owner: for partial results
/// made elsewhere (a [`sink_source`](crate::sink_source)'s `group_count`, flattened into
/// pairs), so only the pairs cross workers. A time's sums leave once the input is complete for
/// it; each key once, from the worker that owns it.
///
/// # Example
/// ```
/// use std::collections::HashMap;
/// use genpipe::prelude::*;
/// use genpipe_timely::{gather, sink_source, sum_by_key};
/// use timely::dataflow::operators::vec::Map;
///
/// let guards = timely::execute(timely::Config::process(2), |worker| {
///     let summed = worker.dataflow::<u64, _, _>(|scope| {
///         // Bytes per status, summed by genpipe on each worker first.
///         let (partials, _) = sink_source(scope, "bytes", |shard| {
///             let requests = [(200u16, 512u64), (404, 0), (200, 1024), (500, 10)];
///             let mine = requests.into_iter().skip(shard.index).step_by(shard.peers);
///             let sum = fold(HashMap::new(), |mut sums, (status, bytes)| {
///                 *sums.entry(status).or_insert(0) += bytes;
///                 sums
///             });
///             (pipe(mine), sum)
///         });
///         gather(sum_by_key(partials.flat_map(|sums| sums)))
///     });
///     while worker.step_or_park(None) {}
///     summed.take_sorted()
/// })
/// .unwrap();
/// let at_zero = guards.join().remove(0).unwrap();
/// assert_eq!(at_zero, [(200, 1536), (404, 0), (500, 10)]);
/// ```
pub fn sum_by_key<'scope, K, V>(
    pairs: StreamVec<'scope, u64, (K, V)>,
) -> StreamVec<'scope, u64, (K, V)>
where
    K: ExchangeData + Hash + Eq,
    V: ExchangeData + AddAssign,
{
    sum_with(
        pairs,
        Exchange::new(|(key, _): &(K, V)| owner(key)),
        "SumByKey",
    )
}

/// Sums the values of each key per timestamp, the records routed by `pact`; a time's sums leave
/// once the input is complete for it.
fn sum_with<'scope, K, V, P>(
    counts: StreamVec<'scope, u64, (K, V)>,
    pact: P,
    name: &str,
) -> StreamVec<'scope, u64, (K, V)>
where
    K: ExchangeData + Hash + Eq,
    V: ExchangeData + AddAssign,
    P: ParallelizationContract<u64, Vec<(K, V)>>,
{
    counts.unary_frontier(pact, name, |_, _| {
        // By time (not by capability: a key must not change while it is in a map).
        let mut pending: HashMap<u64, (Capability<u64>, HashMap<K, V>)> = HashMap::new();
        move |(input, frontier), output| {
            input.for_each_time(|time, batches| {
                let (_, sums) = pending
                    .entry(*time.time())
                    .or_insert_with(|| (time.retain(output.output_index()), HashMap::new()));
                for batch in batches {
                    for (key, n) in batch.drain(..) {
                        match sums.entry(key) {
                            Entry::Occupied(mut sum) => *sum.get_mut() += n,
                            Entry::Vacant(sum) => {
                                sum.insert(n);
                            }
                        }
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
