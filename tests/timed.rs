//! Time-driven stages (`chunks_timeout`, `rate_limit`) and dropping a pipeline whose threaded
//! source is blocked. Each test that could hang runs under a watchdog that fails it instead.
//! Time bounds are generous (seconds where the stages take milliseconds): they assert that
//! something happens while the source is idle, not how fast.

use std::sync::mpsc::{Sender, channel};
use std::time::{Duration, Instant};

use genpipe::par::Limited;
use genpipe::prelude::*;

mod common;

/// Fails the test if `body` has not returned within 20 s (it takes milliseconds).
fn within_20s<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
    common::within(Duration::from_secs(20), body)
}

/// A source that yields what is sent on the returned sender and ends when it is dropped.
fn live<T: Send + 'static>() -> (Sender<T>, Gen<impl Pull<Item = T, Return = ()> + Send>) {
    let (tx, rx) = channel();
    (tx, pipe(rx))
}

const HOUR: Duration = Duration::from_secs(3600);

#[test]
#[cfg_attr(miri, ignore = "threads and timed waits")]
fn a_chunk_leaves_on_time_while_the_source_is_idle() {
    within_20s(|| {
        let (tx, source) = live::<u32>();
        for x in 1..=3 {
            tx.send(x).unwrap();
        }
        let mut chunks = source | chunks_timeout(100, Duration::from_millis(30));
        let started = Instant::now();
        assert_eq!(chunks.next(), Some(vec![1, 2, 3]));
        assert!(started.elapsed() >= Duration::from_millis(30));
        // Full chunks leave at once; the source still open.
        for x in 4..=203 {
            tx.send(x).unwrap();
        }
        assert_eq!(chunks.next().unwrap().len(), 100);
        assert_eq!(chunks.next().unwrap().len(), 100);
        drop(tx);
        assert_eq!(chunks.next(), None);
    });
}

#[test]
#[cfg_attr(miri, ignore = "threads")]
fn chunks_timeout_without_a_timeout_is_chunks_and_keeps_the_outcome() {
    let all = pipe(1..=7) | chunks_timeout(3, Duration::MAX) | collect::<Vec<_>>();
    assert_eq!(all, [vec![1, 2, 3], vec![4, 5, 6], vec![7]]);
    assert_eq!(pipe(0..0) | chunks_timeout(3, HOUR) | count(), 0);

    #[generator]
    fn failing() -> Gen<u8, std::io::Result<()>> {
        yield_!(1);
        yield_!(2);
        Err(std::io::Error::other("disk"))
    }
    let (chunks, outcome) = {
        let mut seen = Vec::new();
        let outcome = failing() | chunks_timeout(10, HOUR) | for_each(|c: Vec<u8>| seen.push(c));
        (seen, outcome)
    };
    assert_eq!(chunks, [vec![1, 2]], "nothing lost before the error");
    assert_eq!(outcome.unwrap_err().to_string(), "disk");
}

#[test]
#[should_panic(expected = "chunks_timeout(0")]
fn chunks_timeout_of_zero_items_panics() {
    let _ = chunks_timeout(0, HOUR);
}

#[test]
#[cfg_attr(miri, ignore = "threads")]
fn rate_limit_passes_the_first_of_a_period_and_counts_the_rest() {
    let got = pipe(1..=10) | rate_limit(3, HOUR) | collect::<Vec<_>>();
    assert_eq!(
        got,
        [
            Limited::Item(1),
            Limited::Item(2),
            Limited::Item(3),
            Limited::Suppressed(7)
        ]
    );
    // A limit of 0 drops everything and says so; a huge one passes everything, no report.
    assert_eq!(
        pipe(1..=5) | rate_limit(0, HOUR) | collect::<Vec<_>>(),
        [Limited::Suppressed(5)]
    );
    assert_eq!(pipe(1..=5) | rate_limit(u64::MAX, HOUR) | count(), 5);
    // A period too long for `Instant` never ends.
    assert_eq!(
        pipe(1..=4) | rate_limit(1, Duration::MAX) | collect::<Vec<_>>(),
        [Limited::Item(1), Limited::Suppressed(3)]
    );
    // Nothing in, nothing out; `item` keeps the items alone.
    assert_eq!(pipe(0..0) | rate_limit(1, HOUR) | count(), 0);
    let items = pipe(1..=5) | rate_limit(2, HOUR) | filter_map(Limited::item) | collect::<Vec<_>>();
    assert_eq!(items, [1, 2]);
}

#[test]
#[should_panic(expected = "a period must last")]
fn rate_limit_of_a_zero_period_panics() {
    let _ = rate_limit(1, Duration::ZERO);
}

#[test]
#[cfg_attr(miri, ignore = "threads and timed waits")]
fn the_report_comes_when_the_period_ends_while_the_source_is_idle() {
    within_20s(|| {
        let (tx, source) = live::<u32>();
        for x in 1..=5 {
            tx.send(x).unwrap();
        }
        let period = Duration::from_millis(50);
        let mut limited = source | rate_limit(2, period);
        assert_eq!(limited.next(), Some(Limited::Item(1)));
        assert_eq!(limited.next(), Some(Limited::Item(2)));
        // The source is idle (its sender open): the report comes at the end of the period.
        assert_eq!(limited.next(), Some(Limited::Suppressed(3)));
        // The next item opens a new period.
        tx.send(6).unwrap();
        assert_eq!(limited.next(), Some(Limited::Item(6)));
        drop(tx);
        assert_eq!(limited.next(), None);
    });
}

#[test]
#[cfg_attr(miri, ignore = "threads and timed waits")]
fn over_a_fast_source_every_item_passes_or_is_counted() {
    // An endless source: periods end while items keep coming, so the item that finds its
    // period over waits for that period's report. Every item is either passed or counted.
    let got = within_20s(|| {
        (pipe(0u64..) | rate_limit(1, Duration::from_millis(5))).take(6) | collect::<Vec<_>>()
    });
    let mut next = 0;
    for (i, event) in got.iter().enumerate() {
        match (i % 2, event) {
            (0, Limited::Item(x)) => {
                assert_eq!(*x, next, "{got:?}");
                next += 1;
            }
            (1, Limited::Suppressed(n)) => next += n,
            _ => panic!("items and reports alternate: {got:?}"),
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "threads and files")]
fn a_followed_log_is_chunked_on_time() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.log");
    std::fs::write(&path, "").unwrap();
    within_20s(move || {
        let tail = genpipe::io::follow(&path).poll_interval(Duration::from_millis(5));
        let stop = tail.stop_token();
        let mut chunks = tail | chunks_timeout(1000, Duration::from_millis(50));
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"a\nb\nc\n").unwrap();
        let mut seen = Vec::new();
        while seen.len() < 3 {
            let chunk = chunks.next().expect("the follow ended early");
            seen.extend(chunk.iter().map(|l: &Line| l.to_string()));
        }
        assert_eq!(seen, ["a", "b", "c"]);
        stop.stop();
        assert_eq!(chunks.next(), None);
    });
}

#[test]
#[cfg_attr(miri, ignore = "threads and timed waits")]
fn dropping_a_pipeline_whose_threaded_source_is_blocked_does_not_hang() {
    let (tx, source) = live::<u32>();
    tx.send(1).unwrap();
    // The source then waits forever (the sender stays open): before, the drop joined its thread
    // and never returned. (`batch(1)`: a source that waits without saying so, as a channel
    // does, would otherwise keep its item in a batch that never fills.)
    let taken = within_20s(move || (source | threaded(1).batch(1)).take(1) | collect::<Vec<_>>());
    assert_eq!(taken, [1]);
    let limited = within_20s(|| {
        let (tx, source) = live::<u32>();
        tx.send(1).unwrap();
        let first = (source | rate_limit(5, HOUR)).take(1) | collect::<Vec<_>>();
        drop(tx);
        first
    });
    assert_eq!(limited, [Limited::Item(1)]);
    drop(tx);
}
