//! `windowed_source` in one process: each window emitted while the pipeline still runs, nothing
//! lost under a fast pipeline, its error and its panic reaching the caller, and a dropped
//! dataflow stopping the pipeline's thread.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use genpipe::prelude::*;
use genpipe_timely::{BATCH, TimeWindows, count_by_key, gather_by_time, windowed_source};
use timely::dataflow::operators::Inspect;

fn windows(ms: u64) -> TimeWindows {
    TimeWindows::new(Duration::from_millis(ms))
}

#[test]
fn a_window_is_emitted_while_the_pipeline_still_runs() {
    let ended = Arc::new(AtomicBool::new(false));
    let ended_in_pipeline = Arc::clone(&ended);
    let guards = timely::execute(timely::Config::process(2), move |worker| {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let into = Rc::clone(&seen);
        let ended_in_pipeline = Arc::clone(&ended_in_pipeline);
        let ended = Arc::clone(&ended);
        worker.dataflow::<u64, _, _>(|scope| {
            let (records, _) = windowed_source(scope, "slow", windows(100), move |shard| {
                first_then_second(shard.index == 1, ended_in_pipeline)
            });
            gather_by_time(count_by_key(records), move |window, counts| {
                into.borrow_mut()
                    .push((window, counts, ended.load(Ordering::SeqCst)));
            });
        });
        while worker.step_or_park(None) {}
        seen.take()
    })
    .unwrap();
    let at_zero = guards.join().remove(0).unwrap();
    assert_eq!(at_zero.len(), 2, "{at_zero:?}");
    let (first_window, first, pipeline_had_ended) = &at_zero[0];
    assert_eq!(first, &[("first".to_string(), 1)]);
    // Reported within a window of its end, not at the end of the input.
    assert!(!pipeline_had_ended, "the first window waited for the end");
    let (second_window, second, _) = &at_zero[1];
    assert_eq!(second, &[("second".to_string(), 1)]);
    assert!(second_window >= &(first_window + 3), "{at_zero:?}");
}

/// On the worker that owns it: a record, a pause of four windows, a record, and `ended` set.
#[generator]
fn first_then_second(mine: bool, ended: Arc<AtomicBool>) -> Gen<String> {
    if mine {
        yield_!("first".to_string());
        std::thread::sleep(Duration::from_millis(400));
        yield_!("second".to_string());
        ended.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_fast_pipeline_loses_nothing_and_hands_over_bounded_batches() {
    let guards = timely::execute(timely::Config::process(2), |worker| {
        let largest = Rc::new(AtomicUsize::new(0));
        let largest_seen = Rc::clone(&largest);
        let counted = Rc::new(RefCell::new(Vec::new()));
        let into = Rc::clone(&counted);
        worker.dataflow::<u64, _, _>(|scope| {
            let (records, _) = windowed_source(scope, "fast", windows(50), |shard| {
                pipe(0..100_000u64).map(move |i| (i + shard.index as u64) % 7)
            });
            let records = records.inspect_batch(move |_, batch| {
                largest_seen.fetch_max(batch.len(), Ordering::Relaxed);
            });
            gather_by_time(count_by_key(records), move |_, counts| {
                into.borrow_mut().extend(counts)
            });
        });
        while worker.step_or_park(None) {}
        (largest.load(Ordering::Relaxed), counted.take())
    })
    .unwrap();
    let mut totals = [0u64; 7];
    for result in guards.join() {
        let (largest, counted) = result.unwrap();
        assert!(largest <= BATCH, "a batch of {largest}");
        for (key, n) in counted {
            totals[key as usize] += n;
        }
    }
    assert_eq!(totals.iter().sum::<u64>(), 200_000);
    let mut want = [0u64; 7];
    for shard in 0..2u64 {
        for i in 0..100_000u64 {
            want[((i + shard) % 7) as usize] += 1;
        }
    }
    assert_eq!(totals, want);
}

#[test]
fn the_pipeline_error_reaches_the_caller_after_its_records() {
    #[generator]
    fn fails_after_two() -> Gen<u32, std::io::Result<()>> {
        yield_!(1);
        yield_!(2);
        Err(std::io::Error::other("the disk went away"))
    }
    let guards = timely::execute(timely::Config::thread(), |worker| {
        let counted = Rc::new(RefCell::new(Vec::new()));
        let into = Rc::clone(&counted);
        let outcome = worker.dataflow::<u64, _, _>(|scope| {
            let (records, outcome) =
                windowed_source(scope, "failing", windows(1000), |_| fails_after_two());
            gather_by_time(records, move |_, records| into.borrow_mut().extend(records));
            outcome
        });
        while worker.step_or_park(None) {}
        let outcome = outcome.take().map(|ended| {
            // The io error is the source of genpipe's "cannot read <input>".
            ended.map_err(|e| std::error::Error::source(&e).map(ToString::to_string))
        });
        (outcome, counted.take())
    })
    .unwrap();
    let (outcome, counted) = guards.join().remove(0).unwrap();
    assert_eq!(counted, [1, 2]);
    let error = outcome.expect("the pipeline ended").unwrap_err();
    assert_eq!(error.as_deref(), Some("the disk went away"));
}

#[test]
fn a_panic_in_the_pipeline_is_raised_on_the_worker() {
    let guards = timely::execute(timely::Config::thread(), |worker| {
        worker.dataflow::<u64, _, _>(|scope| {
            let (records, _) = windowed_source(scope, "panicking", windows(1000), |_| {
                pipe(0..3u32).map(|i| {
                    if i == 2 {
                        panic!("record two is bad")
                    } else {
                        i
                    }
                })
            });
            gather_by_time(records, |_, _| {});
        });
        while worker.step_or_park(None) {}
    })
    .unwrap();
    // Timely's join gives the payload as `Any { .. }`; the message went to stderr, from the
    // pipeline's thread, where it panicked.
    assert!(guards.join().remove(0).is_err(), "the worker panicked");
}

/// Ends the pipeline's thread when the pipeline is dropped: it sets its flag.
struct DroppedFlag(Arc<AtomicBool>);

impl Drop for DroppedFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn dropping_the_dataflow_stops_an_endless_pipeline() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&dropped);
    let guards = timely::execute(timely::Config::thread(), move |worker| {
        let flag = Arc::clone(&flag);
        let index = worker.next_dataflow_index();
        worker.dataflow::<u64, _, _>(|scope| {
            let (records, _) = windowed_source(scope, "endless", windows(1000), move |_| {
                let guard = DroppedFlag(flag);
                pipe(0u64..).map(move |i| {
                    let _keep = &guard;
                    i
                })
            });
            gather_by_time(records, |_, _| {});
        });
        for _ in 0..20 {
            worker.step();
        }
        worker.drop_dataflow(index);
    })
    .unwrap();
    guards.join().remove(0).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !dropped.load(Ordering::SeqCst) {
        assert!(Instant::now() < deadline, "the pipeline thread lives on");
        std::thread::sleep(Duration::from_millis(10));
    }
}
