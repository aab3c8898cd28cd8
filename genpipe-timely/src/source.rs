//! The batch source: a genpipe pipeline on the worker's own thread, at one timestamp.

use std::cell::RefCell;
use std::rc::Rc;

use genpipe::{Gen, IntoPipelineResult, Pull, Sink};
use timely::container::CapacityContainerBuilder;
use timely::dataflow::operators::generic::operator::source;
use timely::dataflow::{Scope, StreamVec};

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

impl Shard {
    /// This worker's shard.
    pub(crate) fn of(scope: Scope<'_, u64>) -> Shard {
        Shard {
            index: scope.index(),
            peers: scope.peers(),
        }
    }

    /// Whether the `i`th of a list of inputs (files, sockets) is this worker's: every
    /// `peers`th one, from `index`, so each input is read by exactly one worker.
    ///
    /// # Example
    /// ```
    /// let second_of_three = genpipe_timely::Shard { index: 1, peers: 3 };
    /// let mine: Vec<usize> = (0..8).filter(|&i| second_of_three.owns(i)).collect();
    /// assert_eq!(mine, [1, 4, 7]);
    /// ```
    pub fn owns(&self, i: usize) -> bool {
        i % self.peers == self.index
    }
}

/// How a [`pipeline_source`]'s pipeline ended, once the dataflow has run: `None` before.
#[derive(Clone, Debug, Default)]
pub struct PipelineOutcome(Rc<RefCell<Option<genpipe::Result<()>>>>);

impl PipelineOutcome {
    /// The pipeline's outcome, once it has ended.
    pub fn take(&self) -> Option<genpipe::Result<()>> {
        self.0.borrow_mut().take()
    }

    pub(crate) fn set(&self, ended: genpipe::Result<()>) {
        *self.0.borrow_mut() = Some(ended);
    }
}

/// How one activation's slice of a pipeline ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slice {
    /// [`BATCH`] items were taken: there may be more.
    Full,
    /// The pipeline has ended.
    Exhausted,
    /// The taker wants no more.
    Stopped,
}

/// Hands at most [`BATCH`] of the pipeline's items to `take`, which says whether it wants
/// another.
// The per-record loop of both sources: outlined, it cost `pipeline_source` up to 10%.
#[inline(always)]
fn pull_slice<S: Pull>(pipeline: &mut Gen<S>, mut take: impl FnMut(S::Item) -> bool) -> Slice {
    for _ in 0..BATCH {
        let Some(item) = pipeline.next() else {
            return Slice::Exhausted;
        };
        if !take(item) {
            return Slice::Stopped;
        }
    }
    Slice::Full
}

/// A timely source that runs the genpipe pipeline `make` builds for this worker's [`Shard`]
/// (on the worker's thread: the pipeline need not be `Send`), at timestamp 0. Each activation
/// hands timely at most [`BATCH`] records; at the pipeline's end the source drops its
/// capability (downstream operators then see the input complete) and records the pipeline's
/// outcome in the returned [`PipelineOutcome`].
///
/// The pipeline runs within the worker's activations, so a pipeline that waits for input (a
/// `follow`, a socket) would stall the worker: give that one to
/// [`windowed_source`](crate::windowed_source), which runs it on a thread of its own.
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
    let shard = Shard::of(scope);
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
                let slice = pull_slice(items, |item| {
                    session.give(item);
                    true
                });
                drop(session);
                if slice == Slice::Full {
                    activator.activate();
                } else if let Some(ended) = pipeline.take() {
                    reported.set(ended.finish().into_pipeline_result());
                    capability = None;
                }
            }
        },
    );
    (stream, outcome)
}

/// A timely source whose one record is the result of a genpipe sink fed by a genpipe pipeline,
/// both made by `make` for this worker's [`Shard`] on the worker's thread: the worker's whole
/// share of the work done in genpipe (a `group_count`, a `broadcast` of several sinks), so what
/// enters timely is one partial result per worker, not one record per line. Merge the
/// partials with [`merge_at_worker_zero`](crate::merge_at_worker_zero) (anything
/// [`Mergeable`](genpipe::par::Mergeable)), or flatten them into `(key, value)` pairs for
/// [`sum_by_key`](crate::sum_by_key).
///
/// Each activation feeds the sink at most [`BATCH`] items, so the worker stays responsive. At
/// the pipeline's end its outcome goes to the returned [`PipelineOutcome`]; the sink's result
/// is given (at timestamp 0) only if the pipeline succeeded, as `gen | sink` returns it only
/// then. A sink that ends early (it takes no more) ends the pipeline there, successfully.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe_timely::{merge_at_worker_zero, sink_source};
///
/// // Each of two workers counts its half of the words with genpipe's own `group_count`.
/// let guards = timely::execute(timely::Config::process(2), |worker| {
///     let merged = worker.dataflow::<u64, _, _>(|scope| {
///         let (counts, _) = sink_source(scope, "words", |shard| {
///             let words = ["to", "be", "or", "not", "to", "be"];
///             let mine = words.into_iter().skip(shard.index).step_by(shard.peers);
///             (pipe(mine).map(String::from), group_count())
///         });
///         merge_at_worker_zero(counts)
///     });
///     while worker.step_or_park(None) {}
///     merged.take()
/// })
/// .unwrap();
/// let at_zero = guards.join().remove(0).unwrap().expect("worker 0 merges");
/// assert_eq!((at_zero["to"], at_zero["be"], at_zero["or"]), (2, 2, 1));
/// ```
pub fn sink_source<'scope, S, K, F>(
    scope: Scope<'scope, u64>,
    name: &str,
    make: F,
) -> (StreamVec<'scope, u64, K::Out>, PipelineOutcome)
where
    S: Pull + 'static,
    S::Return: IntoPipelineResult,
    K: Sink<S::Item> + 'static,
    K::Out: Clone + 'static,
    F: FnOnce(Shard) -> (Gen<S>, K) + 'static,
{
    let outcome = PipelineOutcome::default();
    let reported = outcome.clone();
    let shard = Shard::of(scope);
    let stream = source::<_, CapacityContainerBuilder<Vec<K::Out>>, _, _>(
        scope,
        name,
        move |capability, info| {
            let activator = scope.activator_for(info.address);
            let mut running = Some(make(shard));
            let mut capability = Some(capability);
            move |output| {
                let (Some(cap), Some((pipeline, sink))) = (capability.as_ref(), running.as_mut())
                else {
                    return;
                };
                let slice = if sink.is_done() {
                    Slice::Stopped
                } else {
                    pull_slice(pipeline, |item| {
                        // A sink that ends on this item hands it back; it took what it needed.
                        let _ = sink.send(item);
                        !sink.is_done()
                    })
                };
                if slice == Slice::Full {
                    activator.activate();
                    return;
                }
                let Some((pipeline, sink)) = running.take() else {
                    return;
                };
                let ended = if slice == Slice::Exhausted {
                    pipeline.finish().into_pipeline_result()
                } else {
                    Ok(()) // the sink ended first: the rest of the input is not read
                };
                if ended.is_ok() {
                    output.session(cap).give(sink.close());
                }
                reported.set(ended);
                capability = None;
            }
        },
    );
    (stream, outcome)
}
