//! Bringing records to worker 0: to print a result in one place.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use genpipe::par::Mergeable;
use timely::ExchangeData;
use timely::dataflow::StreamVec;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::operator::Operator;
use timely::dataflow::operators::vec::Map;

use crate::source::pipeline_source;

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

/// Every record to worker 0, where `complete` gets each timestamp's records, sorted, once that
/// time is complete on every worker (no worker can produce more at it), in time order: for a
/// [`windowed_source`](crate::windowed_source), each window's result as soon as the last worker
/// has passed it. A time with no records is skipped. Call it on every worker; `complete` runs
/// on worker 0's thread only.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe_timely::{gather_by_time, pipeline_source};
/// use timely::dataflow::operators::vec::Delay;
///
/// let guards = timely::execute(timely::Config::process(2), |worker| {
///     let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
///     let into = seen.clone();
///     worker.dataflow::<u64, _, _>(|scope| {
///         let (numbers, _) = pipeline_source(scope, "numbers", |shard| {
///             pipe((0..6u64).filter(move |n| *n as usize % shard.peers == shard.index))
///         });
///         // Each number at time n / 2 (a windowed source stamps its records by window).
///         let numbers = numbers.delay(|n, _| n / 2);
///         gather_by_time(numbers, move |time, records| into.borrow_mut().push((time, records)));
///     });
///     while worker.step_or_park(None) {}
///     seen.take()
/// })
/// .unwrap();
/// let per_worker: Vec<Vec<(u64, Vec<u64>)>> = guards.join().into_iter().map(Result::unwrap).collect();
/// assert_eq!(per_worker[0], [(0, vec![0, 1]), (1, vec![2, 3]), (2, vec![4, 5])]);
/// assert!(per_worker[1].is_empty());
/// ```
pub fn gather_by_time<'scope, D, F>(records: StreamVec<'scope, u64, D>, mut complete: F)
where
    D: ExchangeData + Ord,
    F: FnMut(u64, Vec<D>) + 'static,
{
    let mut pending: BTreeMap<u64, Vec<D>> = BTreeMap::new();
    records.sink(
        Exchange::new(|_: &D| 0),
        "GatherByTime",
        move |(input, frontier)| {
            input.for_each_time(|time, batches| {
                let kept = pending.entry(*time.time()).or_default();
                for batch in batches {
                    kept.append(batch);
                }
            });
            while let Some(first) = pending.first_entry() {
                if frontier.less_equal(first.key()) {
                    break;
                }
                let (time, mut records) = first.remove_entry();
                records.sort();
                complete(time, records);
            }
        },
    );
}

/// The per-worker results of a [`merge_at_worker_zero`], merged, on worker 0.
#[derive(Debug)]
pub struct Merged<M>(Gathered<(usize, M)>);

impl<M: Mergeable> Merged<M> {
    /// On worker 0, once the dataflow has run: every worker's result merged in worker order
    /// (so even a `collect`ed `Vec` comes out the same every run), or `None` if no worker gave
    /// one. `None` on the other workers.
    pub fn take(&self) -> Option<M> {
        let mut all = std::mem::take(&mut *self.0.0.borrow_mut());
        all.sort_by_key(|(worker, _)| *worker);
        all.into_iter().map(|(_, m)| m).reduce(Mergeable::merge)
    }
}

/// Every worker's result (a [`sink_source`](crate::sink_source)'s) to worker 0, merged there
/// with genpipe's [`Mergeable`] (counts add, `group_count` maps add per key, a `broadcast`'s
/// tuple merges element-wise): the distributed run gives what one run over all the input
/// gives. What crosses is one result per worker, its size the distinct keys it holds.
pub fn merge_at_worker_zero<'scope, M>(results: StreamVec<'scope, u64, M>) -> Merged<M>
where
    M: ExchangeData + Mergeable,
{
    let worker = results.scope().index();
    Merged(gather(results.map(move |m| (worker, m))))
}

/// Every worker's pipeline failure, at worker 0 (empty elsewhere), after the dataflows that ran
/// the pipelines: each worker passes its own (a [`PipelineOutcome`](crate::PipelineOutcome)'s
/// error), and a small dataflow brings them all to worker 0, each as its message and its
/// sources' (`cannot read a.log: No such file or directory`), so the process that prints the
/// result knows whether a shard failed elsewhere (a pipeline error is data, not a crash, so
/// timely's fail-stop does not see it). Call it on every worker, after stepping the other
/// dataflows to their end.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let failures = timely::execute(timely::Config::process(2), |worker| {
///     // Worker 1's pipeline fails.
///     let path = format!("/no/such/dir/{}.log", worker.index());
///     let mine = (worker.index() == 1).then(|| (genpipe::io::lines(path) | count()).unwrap_err());
///     genpipe_timely::failures_at_worker_zero(worker, mine)
/// })
/// .unwrap();
/// let all: Vec<Vec<(usize, String)>> = failures.join().into_iter().map(Result::unwrap).collect();
/// assert_eq!(all[0].len(), 1);
/// let (worker, message) = &all[0][0];
/// assert_eq!(*worker, 1);
/// assert!(message.starts_with("cannot read /no/such/dir/1.log: "), "{message}");
/// assert!(all[1].is_empty());
/// ```
pub fn failures_at_worker_zero(
    worker: &mut timely::worker::Worker,
    failure: Option<genpipe::Error>,
) -> Vec<(usize, String)> {
    let index = worker.index();
    let failure = failure.map(|e| with_sources(&e));
    let gathered = worker.dataflow::<u64, _, _>(|scope| {
        let (failures, _) = pipeline_source(scope, "failures", move |_| {
            genpipe::pipe(failure.into_iter().map(move |f| (index, f)))
        });
        gather(failures)
    });
    while worker.step_or_park(None) {}
    gathered.take_sorted()
}

/// An error's message, then each of its sources', joined by `: `.
fn with_sources(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}
