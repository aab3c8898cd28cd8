//! `sink_source` and `merge_at_worker_zero` in one process: a sharded run merges to what one run
//! gives, a failed shard gives no partial result, a sink that ends early ends its pipeline, and
//! empty shards merge as nothing.

use std::cell::Cell;
use std::rc::Rc;

use genpipe::prelude::*;
use genpipe_timely::{merge_at_worker_zero, sink_source};

/// Runs `workers` workers, each feeding its shard of `0..n` into `make_sink`'s sink; returns
/// worker 0's merge and every worker's outcome (as text).
fn run<K, F>(workers: usize, n: u64, make_sink: F) -> (Option<K::Out>, Vec<Option<String>>)
where
    K: Sink<u64> + 'static,
    K::Out: timely::ExchangeData + genpipe::par::Mergeable + Clone,
    F: Fn() -> K + Send + Sync + 'static,
{
    let guards = timely::execute(timely::Config::process(workers), move |worker| {
        let sink = make_sink();
        let (merged, outcome) = worker.dataflow::<u64, _, _>(|scope| {
            let (partial, outcome) = sink_source(scope, "numbers", move |shard| {
                let mine = (0..n).filter(move |i| shard.owns(*i as usize));
                (pipe(mine), sink)
            });
            (merge_at_worker_zero(partial), outcome)
        });
        while worker.step_or_park(None) {}
        let outcome = outcome.take().expect("the pipeline ended");
        (merged.take(), outcome.err().map(|e| e.to_string()))
    })
    .unwrap();
    let mut merged = None;
    let mut outcomes = Vec::new();
    for (i, result) in guards.join().into_iter().enumerate() {
        let (m, outcome) = result.unwrap();
        if i == 0 {
            merged = m;
        } else {
            assert!(m.is_none(), "only worker 0 merges");
        }
        outcomes.push(outcome);
    }
    (merged, outcomes)
}

#[test]
fn a_sharded_run_merges_to_what_one_run_gives() {
    let one_run =
        pipe(0..10_000u64) | broadcast((count(), sum::<u64>(), map(|i| i % 10) | group_count()));
    let (merged, outcomes) = run(3, 10_000, || {
        broadcast((count(), sum::<u64>(), map(|i: u64| i % 10) | group_count()))
    });
    assert_eq!(merged, Some(one_run));
    assert_eq!(outcomes, [None, None, None]);
}

#[test]
fn partials_merge_in_worker_order() {
    // A collected Vec appends in the order merged: worker 0's, then 1's, then 2's, every run.
    let (merged, _) = run(3, 9, collect::<Vec<u64>>);
    assert_eq!(merged, Some(vec![0, 3, 6, 1, 4, 7, 2, 5, 8]));
}

#[test]
fn more_workers_than_records_merge_the_empty_shards_as_nothing() {
    let (merged, _) = run(4, 2, count);
    assert_eq!(merged, Some(2));
    let (merged, _) = run(2, 0, count);
    assert_eq!(merged, Some(0));
}

#[test]
fn a_failed_shard_gives_no_partial_result_and_reports_its_error() {
    #[generator]
    fn fails_on_worker_one(index: usize) -> Gen<u32, std::io::Result<()>> {
        yield_!(1);
        if index == 1 {
            return Err(std::io::Error::other("shard 1 is unreadable"));
        }
        yield_!(2);
        Ok(())
    }
    let guards = timely::execute(timely::Config::process(2), |worker| {
        let (merged, outcome) = worker.dataflow::<u64, _, _>(|scope| {
            let (partial, outcome) = sink_source(scope, "failing", |shard| {
                (fails_on_worker_one(shard.index), count())
            });
            (merge_at_worker_zero(partial), outcome)
        });
        while worker.step_or_park(None) {}
        let failed = outcome.take().unwrap().err().map(|e| e.to_string());
        (merged.take(), failed)
    })
    .unwrap();
    let results: Vec<_> = guards.join().into_iter().map(Result::unwrap).collect();
    // Worker 0's 2 records; worker 1's partial count (1) is not merged as if it were whole.
    assert_eq!(results[0], (Some(2), None));
    let (_, failed) = &results[1];
    assert!(failed.as_deref().unwrap().contains("<input>"), "{failed:?}");
}

#[test]
fn a_sink_that_ends_early_ends_its_pipeline_there() {
    let guards = timely::execute(timely::Config::thread(), |worker| {
        let pulled = Rc::new(Cell::new(0u64));
        let seen = Rc::clone(&pulled);
        let (merged, outcome) = worker.dataflow::<u64, _, _>(|scope| {
            // An endless pipeline into a sink that wants five items.
            let (partial, outcome) = sink_source(scope, "endless", move |_| {
                let counted = pipe(0u64..).inspect(move |_| seen.set(seen.get() + 1));
                (counted, take(5) | collect::<Vec<_>>())
            });
            (merge_at_worker_zero(partial), outcome)
        });
        while worker.step_or_park(None) {}
        (merged.take(), outcome.take().unwrap().is_ok(), pulled.get())
    })
    .unwrap();
    let (merged, ok, pulled) = guards.join().remove(0).unwrap();
    assert_eq!(merged, Some(vec![0, 1, 2, 3, 4]));
    assert!(ok);
    assert!(pulled <= 6, "pulled {pulled} items for a sink that took 5");
}
