//! The batch source: a genpipe pipeline on the worker's own thread, at one timestamp.

use std::cell::RefCell;
use std::rc::Rc;

use genpipe::{Gen, IntoPipelineResult, Pull};
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
                    reported.set(ended.finish().into_pipeline_result());
                    capability = None;
                }
            }
        },
    );
    (stream, outcome)
}
