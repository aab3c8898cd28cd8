//! `genpipe::par`: every parallel stage gives what the sequential pipeline gives (nothing lost,
//! duplicated or reordered where order is promised), errors and panics cross threads, and
//! dropping the consumer stops the threads.

mod common;

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{fails_after, proptest_config as config};
use genpipe::par::{multiplex, on_thread, on_thread_batched, par_per_file};
use genpipe::prelude::*;
use proptest::prelude::*;

/// Sets its flag when dropped.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Yields `0..n` (forever if `None`), setting `dropped` when dropped, started or not: a test
/// sees that the producer's thread has let go of it.
#[generator]
fn counting(n: Option<u64>, dropped: SetOnDrop) -> Gen<u64> {
    let _guard = dropped;
    let mut i = 0;
    while n.is_none_or(|n| i < n) {
        yield_!(i);
        i += 1;
    }
}

#[generator]
fn panics_after(n: u32) -> Gen<u32> {
    for i in 0..n {
        yield_!(i);
    }
    panic!("producer panicked after {n}");
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Items per case: fewer under Miri, which runs each handoff a thousand times slower (CI runs
/// these under Tree Borrows for the races of the handoffs, not for the sizes).
const MAX_ITEMS: u32 = if cfg!(miri) { 200 } else { 3000 };

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn threaded_equals_the_sequential_pipeline(n in 0..MAX_ITEMS, cap in 1usize..4, batch in 1usize..300) {
        let got = pipe(0..n) | threaded(cap).batch(batch) | map(|x: u32| x * 3) | collect::<Vec<_>>();
        prop_assert_eq!(got, (0..n).map(|x| x * 3).collect::<Vec<_>>());
    }

    #[test]
    fn par_map_equals_the_sequential_pipeline(
        n in 0..u64::from(MAX_ITEMS),
        batch in 1usize..100,
        window in 1usize..8,
        workers in 1usize..4,
        ordered: bool,
    ) {
        let stage = par_map(|x: u64| x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 7)
            .batch(batch)
            .window(window)
            .workers(workers);
        let stage = if ordered { stage } else { stage.unordered() };
        let mut got = pipe(0..n) | stage | collect::<Vec<_>>();
        let mut want: Vec<u64> = (0..n).map(|x| x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 7).collect();
        if !ordered {
            got.sort_unstable();
            want.sort_unstable();
        }
        prop_assert_eq!(got, want);
    }

    #[test]
    fn pushed_par_filter_map_equals_the_sequential_one(n in 0..MAX_ITEMS, batch in 1usize..50, window in 1usize..6) {
        // `stage | sink` is a sink: items are pushed, and close() waits for the last batches.
        let keep = |x: u32| x.is_multiple_of(3).then_some(x / 3);
        let sink = par_filter_map(keep).batch(batch).window(window) | collect::<Vec<_>>();
        let (got, n_seen) = pipe(0..n) | broadcast((sink, count()));
        prop_assert_eq!(n_seen, n as usize);
        prop_assert_eq!(got, (0..n).filter_map(keep).collect::<Vec<_>>());
    }

    #[test]
    fn multiplex_loses_and_reorders_nothing_within_a_source(
        sizes in proptest::collection::vec(0..MAX_ITEMS / 6, 0..5),
        batch in 1usize..64,
    ) {
        let sources = sizes.iter().enumerate().map(|(k, &n)| (k, pipe(0..n)));
        let got = multiplex(sources).batch(batch) | collect::<Vec<_>>();
        for (k, &n) in sizes.iter().enumerate() {
            let mine: Vec<u32> = got.iter().filter(|t| t.source == k).map(|t| t.item).collect();
            prop_assert_eq!(mine, (0..n).collect::<Vec<_>>());
        }
        prop_assert_eq!(got.len(), sizes.iter().map(|&n| n as usize).sum::<usize>());
    }

    #[test]
    fn on_thread_sees_every_item(n in 0..MAX_ITEMS, cap in 1usize..4, batch in 1usize..300) {
        let got = pipe(0..n) | on_thread_batched(cap, batch, collect::<Vec<_>>());
        prop_assert_eq!(got, (0..n).collect::<Vec<_>>());
    }
}

#[test]
fn the_upstreams_error_crosses_the_thread() {
    let got = fails_after(5) | threaded(2).batch(2) | collect::<Vec<_>>();
    assert_eq!(got, Err("source failed after 5".to_string()));
    let mut seen = Vec::new();
    let got = fails_after(7)
        | threaded(1)
        | par_map(|x: u32| x + 1).batch(3)
        | for_each(|x| seen.push(x));
    assert_eq!(got, Err("source failed after 7".to_string()));
    assert_eq!(
        seen,
        (1..=7).collect::<Vec<_>>(),
        "the items before the error all arrive"
    );
}

#[test]
fn a_panic_on_the_producer_thread_is_raised_in_the_consumer() {
    let caught = catch_unwind(|| panics_after(10) | threaded(2).batch(3) | count()).unwrap_err();
    assert!(panic_message(caught).contains("producer panicked after 10"));
    let sources = [(0, pipe(0..u32::MAX).boxed()), (1, panics_after(3).boxed())];
    let caught = catch_unwind(AssertUnwindSafe(|| multiplex(sources) | count())).unwrap_err();
    assert!(panic_message(caught).contains("producer panicked after 3"));
}

#[test]
fn a_panic_on_a_worker_is_raised_in_the_consumer() {
    let f = |x: u32| {
        assert!(x != 500, "worker panicked at 500");
        x
    };
    for ordered in [true, false] {
        let stage = par_map(f).batch(10);
        let stage = if ordered { stage } else { stage.unordered() };
        let caught =
            catch_unwind(AssertUnwindSafe(|| pipe(0..10_000) | stage | count())).unwrap_err();
        assert!(panic_message(caught).contains("worker panicked at 500"));
    }
    let sink = on_thread(2, for_each(|x: u32| assert!(x < 100, "sink panicked")));
    let caught = catch_unwind(AssertUnwindSafe(|| pipe(0..10_000) | sink)).unwrap_err();
    assert!(panic_message(caught).contains("sink panicked"));
}

#[test]
fn a_satisfied_take_stops_the_threads_upstream() {
    let dropped = Arc::new(AtomicBool::new(false));
    let first =
        counting(None, SetOnDrop(dropped.clone())) | threaded(2) | take(10) | collect::<Vec<_>>();
    assert_eq!(first, (0..10).collect::<Vec<_>>());
    // The pipeline has returned: the producer thread was joined, so its upstream is gone.
    assert!(dropped.load(Ordering::SeqCst));

    let dropped = Arc::new(AtomicBool::new(false));
    let computed = Arc::new(AtomicUsize::new(0));
    let c = computed.clone();
    let first = counting(None, SetOnDrop(dropped.clone()))
        | par_map(move |x: u64| {
            c.fetch_add(1, Ordering::SeqCst);
            x * 2
        })
        .batch(16)
        .window(4)
        | take(5)
        | collect::<Vec<_>>();
    assert_eq!(first, [0, 2, 4, 6, 8]);
    assert!(dropped.load(Ordering::SeqCst));
    // At most two windows of batches were computed (one on workers, one on this thread while
    // it waited), and none is still running.
    let done = computed.load(Ordering::SeqCst);
    assert!(done <= 16 * 2 * 4, "{done}");
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(computed.load(Ordering::SeqCst), done);

    let (a, b) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let sources = [
        (0, counting(None, SetOnDrop(a.clone()))),
        (1, counting(None, SetOnDrop(b.clone()))),
    ];
    assert_eq!(multiplex(sources) | take(1000) | count(), 1000);
    assert!(a.load(Ordering::SeqCst), "a");
    assert!(b.load(Ordering::SeqCst), "b");
}

#[test]
fn a_dropped_iterator_stops_the_producer() {
    let dropped = Arc::new(AtomicBool::new(false));
    let mut g = counting(None, SetOnDrop(dropped.clone())) | threaded(1).batch(4);
    assert_eq!(g.next(), Some(0));
    assert_eq!(g.next(), Some(1));
    drop(g);
    assert!(dropped.load(Ordering::SeqCst));
}

/// A follow behind `threaded` or in `multiplex`: each line arrives as it is written (though the
/// batch is not full), and a satisfied `take` ends the follow within a poll.
#[test]
#[cfg_attr(miri, ignore = "sleeps and files")]
fn followed_logs_cross_threads_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    std::fs::write(&a, "").unwrap();
    std::fs::write(&b, "").unwrap();
    let append = |path: &std::path::Path, text: &str| {
        let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        f.write_all(text.as_bytes()).unwrap();
    };
    let poll = Duration::from_millis(10);
    let tails = [
        ("a", follow(&a).poll_interval(poll)),
        ("b", follow(&b).poll_interval(poll)),
    ];
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        multiplex(tails)
            | take(2)
            | for_each(|t: Tagged<&str, Line>| tx.send(format!("{}:{}", t.source, t.item)).unwrap())
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = Vec::new();
    // A follow starts at the end of its file: keep appending until both lines arrive.
    while got.len() < 2 {
        assert!(Instant::now() < deadline, "lines never arrived: {got:?}");
        if !got.iter().any(|l: &String| l.starts_with('a')) {
            append(&a, "one\n");
        }
        if !got.iter().any(|l: &String| l.starts_with('b')) {
            append(&b, "two\n");
        }
        while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            got.push(line);
        }
    }
    got.sort();
    assert_eq!(got, ["a:one", "b:two"]);
    let started = Instant::now();
    let result = reader.join().unwrap();
    assert!(result.is_ok(), "{result:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the follows were not stopped"
    );

    // The same through `threaded`, its batch of 256 far from full.
    let (tx, rx) = std::sync::mpsc::channel();
    let tail = follow(&a).poll_interval(poll);
    let reader = std::thread::spawn(move || {
        tail | threaded(2) | take(1) | for_each(|l: Line| tx.send(l.to_string()).unwrap())
    });
    let line = loop {
        assert!(Instant::now() < deadline, "no line through threaded");
        append(&a, "three\n");
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            break line;
        }
    };
    assert_eq!(line, "three");
    assert!(reader.join().unwrap().is_ok());
}

#[test]
fn the_first_failing_source_ends_a_multiplex() {
    let sources = [
        (0, fails_after(3).boxed()),
        (1, fails_after(1_000_000).boxed()),
    ];
    let got = multiplex(sources) | count();
    assert!(got.is_err());
    let sources = vec![(0, pipe(0..10)), (1, pipe(10..20))];
    assert_eq!(
        multiplex(sources) | map(|t: Tagged<i32, i32>| t.item) | sum(),
        190
    );
    let none: Vec<(u8, Gen<genpipe::IterPull<std::ops::Range<u32>>>)> = Vec::new();
    assert_eq!(multiplex(none) | count(), 0);
}

#[test]
fn on_thread_in_a_broadcast_and_after_a_stage() {
    let (n, evens, last) = pipe(0..1000u32)
        | broadcast((
            count(),
            on_thread(2, filter(|x: &u32| x.is_multiple_of(2)) | count()),
            on_thread(2, last()),
        ));
    assert_eq!((n, evens, last), (1000, 500, Some(999)));
    // A sink on the thread that ends early: the producer is told to stop.
    let mut sent = 0;
    let first = pipe(0..u32::MAX)
        | inspect(|_: &u32| sent += 1)
        | on_thread_batched(1, 8, take(3) | collect::<Vec<_>>());
    assert_eq!(first, [0, 1, 2]);
    assert!(sent < 1000, "{sent} items sent after the sink had ended");
}

/// `par_per_file` yields what `per_file` yields, in the same order, errors included.
#[test]
#[cfg_attr(miri, ignore = "files")]
fn par_per_file_equals_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for i in 0..40 {
        let path = dir.path().join(format!("f{i:02}.log"));
        let text: String = (0..i * 13)
            .map(|j| format!("line {j} {}\n", if j % 3 == 0 { "404" } else { "200" }))
            .collect();
        std::fs::write(&path, text).unwrap();
        paths.push(path);
        if i % 10 == 0 {
            paths.push(dir.path().join(format!("missing{i}")));
        }
    }
    let show = |got: Vec<(std::path::PathBuf, genpipe::Result<usize>)>| -> Vec<String> {
        got.into_iter()
            .map(|(p, r)| format!("{} {:?}", p.display(), r.map_err(|e| e.to_string())))
            .collect()
    };
    let sequential =
        show(pipe(paths.clone()) | per_file(grep("404") | count()) | collect::<Vec<_>>());
    let parallel =
        show(pipe(paths.clone()) | par_per_file(grep("404") | count()) | collect::<Vec<_>>());
    assert_eq!(parallel, sequential);
    let found = find(dir.path(), "*.log").sorted() | par_per_file(count()) | collect::<Vec<_>>();
    let names: Vec<_> = found
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(found.len(), 40);
}

/// Sharding a tree n ways and merging the shards' results equals one run over the tree:
/// counts, sums, group counts, exact most-common, collected lists, a broadcast's tuple.
#[test]
#[cfg_attr(miri, ignore = "files")]
fn shards_merged_equal_one_run() {
    use genpipe::io::{field, find, lines};
    use genpipe::par::Mergeable;
    let dir = tempfile::tempdir().unwrap();
    for i in 0..30 {
        let sub = dir.path().join(format!("d{}", i % 4));
        std::fs::create_dir_all(&sub).unwrap();
        let text: String = (0..(i * 7) % 23)
            .map(|j| format!("host{} {}\n", (i + j) % 5, j * i))
            .collect();
        std::fs::write(sub.join(format!("f{i}.log")), text).unwrap();
    }
    type Outcome = (
        usize,
        u64,
        std::collections::HashMap<String, usize>,
        genpipe::combinators::TopCounts<String>,
        Vec<u64>,
    );
    let run = |walk: Gen<genpipe::io::Find>| -> Outcome {
        let per_file = walk.sorted().map(lines) | cat();
        let (n, total, hosts, top, mut all) = (per_file
            | broadcast((
                count(),
                field(1) | parse::<u64>() | sum(),
                field(0) | map(|f: Line| f.to_string()) | group_count(),
                field(0) | map(|f: Line| f.to_string()) | most_common(2).keep_counts(),
                field(1) | parse::<u64>() | collect::<Vec<_>>(),
            )))
        .unwrap();
        all.as_mut().unwrap().sort_unstable();
        (n, total.unwrap(), hosts, top, all.unwrap())
    };
    let whole = run(find(dir.path(), "*.log"));
    assert!(whole.0 > 100, "{}", whole.0);
    for n in [1u64, 2, 3, 7] {
        let mut merged = (0..n)
            .map(|i| run(find(dir.path(), "*.log").shard(i, n)))
            .reduce(Mergeable::merge)
            .unwrap();
        merged.4.sort_unstable();
        assert_eq!(merged, whole, "{n} shards");
        assert_eq!(merged.3.clone().top(), whole.3.clone().top());
        // Each file in exactly one shard.
        let files: usize = (0..n)
            .map(|i| find(dir.path(), "*.log").shard(i, n) | count())
            .sum();
        assert_eq!(files, 30);
    }
    // Errors merge too: the first one wins.
    let a: Result<usize, &str> = Ok(2);
    assert_eq!(a.merge(Err("bad")), Err("bad"));
}

/// Fails the test if `body` has not returned within 60 s.
fn within_60s<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
    common::within(Duration::from_secs(60), body)
}

#[test]
#[cfg_attr(miri, ignore = "threads")]
fn par_map_inside_par_map_finishes() {
    // Hung on 2 cores: every worker waited for inner batches only a worker could run.
    let want = (0..64u64).sum::<u64>() * (0..200u64).sum::<u64>();
    let nested = within_60s(|| {
        pipe(0..64u64)
            | par_map(|x: u64| {
                pipe(0..200u64) | par_map(move |y: u64| x * y).batch(4) | sum::<u64>()
            })
            .batch(1)
            | sum::<u64>()
    });
    assert_eq!(nested, want);
    // Unordered outside, a pool of its own inside, three levels.
    let deep = within_60s(|| {
        pipe(0..8u64)
            | par_map(|x: u64| {
                pipe(0..8u64)
                    | par_map(move |y: u64| {
                        pipe(0..8u64) | par_map(move |z: u64| x + y + z).batch(1) | sum::<u64>()
                    })
                    .batch(1)
                    .workers(2)
                    | sum::<u64>()
            })
            .batch(1)
            .unordered()
            | sum::<u64>()
    });
    assert_eq!(deep, 3 * 64 * (0..8u64).sum::<u64>());
}

#[test]
#[cfg_attr(miri, ignore = "threads and sleeps")]
fn threaded_bounds_buffers_in_bytes_not_items() {
    // Buffers made and not yet consumed are what `threaded` holds in memory: count them.
    const BUF: usize = 64 << 10;
    let made = Arc::new(AtomicUsize::new(0));
    let most_ahead = Arc::new(AtomicUsize::new(0));
    let source = {
        let made = Arc::clone(&made);
        pipe((0..3000).map(move |i| {
            made.fetch_add(1, Ordering::SeqCst);
            vec![i as u8; BUF]
        }))
    };
    let consumed = AtomicUsize::new(0);
    let total = source
        | threaded(2)
        | map(|b: Vec<u8>| {
            let ahead = made.load(Ordering::SeqCst) - consumed.fetch_add(1, Ordering::SeqCst);
            most_ahead.fetch_max(ahead, Ordering::SeqCst);
            std::thread::sleep(Duration::from_micros(20)); // a slow consumer
            b.len()
        })
        | sum::<usize>();
    assert_eq!(total, 3000 * BUF);
    // Before: batches of 1024 buffers, two in flight and one filling (~3000 ahead, ~200 MB).
    // Now a batch ends at 1 MiB (16 buffers): 2 in flight, 1 filling, 1 being read.
    let ahead = most_ahead.load(Ordering::SeqCst);
    assert!(
        ahead <= 5 * 16,
        "{ahead} buffers of 64 KiB were held at once"
    );
}

/// A line of a generated log, as `(kind, number, offset, newline, text)`: `S` selected, `C`
/// context, `-` a gap.
fn described(item: genpipe::io::ContextLine) -> (char, u64, u64, bool, String) {
    use genpipe::io::ContextLine::*;
    let line = |kind, l: Line| {
        (
            kind,
            l.line_no(),
            l.offset(),
            l.has_newline(),
            l.to_string(),
        )
    };
    match item {
        Selected(l) => line('S', l),
        Context(l) => line('C', l),
        Gap => ('-', 0, 0, false, String::new()),
    }
}

proptest! {
    #![proptest_config(config(64))]

    // One file in parts as small as a few lines, on 1 to 4 workers: the lines, their numbers,
    // the context and the gaps are what one sequential pass gives, and so is the stop of -m.
    #[test]
    #[cfg_attr(miri, ignore = "reads files")]
    fn par_grep_file_gives_what_one_pass_gives(
        words in proptest::collection::vec(
            proptest::collection::vec(prop_oneof![Just("foo"), Just("bar"), Just("x"), Just("")], 0..4),
            0..60,
        ),
        crlf in any::<bool>(),
        last_newline in any::<bool>(),
        part_bytes in 1u64..120,
        workers in 1usize..5,
        before in 0usize..4,
        after in 0usize..4,
        max in proptest::option::of(0usize..6),
        invert in any::<bool>(),
    ) {
        let mut text = words.iter().map(|w| w.join(" ")).collect::<Vec<_>>().join(if crlf { "\r\n" } else { "\n" });
        if last_newline && !text.is_empty() {
            text.push('\n');
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.log");
        std::fs::write(&path, &text).unwrap();
        let max = max.unwrap_or(usize::MAX);
        let selects = move |l: &Line| l.contains("foo") != invert;
        let one_pass = (genpipe::io::lines(&path).keep_cr()
            | genpipe::io::context_lines(before, after, selects).max_selected(max)
            | map(described)
            | collect::<Vec<_>>()).unwrap();
        let grep = if invert { genpipe::io::grep("foo").invert() } else { genpipe::io::grep("foo") };
        let (parts, read) = genpipe::par::par_grep_file(&path, grep)
            .workers(workers)
            .part_bytes(part_bytes)
            .context(before, after)
            .max_selected(max)
            .keep_cr()
            .lines_read();
        let in_parts = (parts | map(described) | collect::<Vec<_>>()).unwrap();
        prop_assert_eq!(&in_parts, &one_pass);
        if max == usize::MAX {
            prop_assert_eq!(read.load(Ordering::Relaxed), text.lines().count() as u64);
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "reads files")]
fn par_grep_file_reports_a_missing_file_and_reads_a_compressed_one_whole() {
    let err = (genpipe::par::par_grep_file("/nonexistent/genpipe/big.log", genpipe::io::grep("x"))
        | count())
    .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/genpipe/big.log"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("big.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 1..=1000 {
        writeln!(enc, "line {i}").unwrap();
    }
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let numbers = genpipe::par::par_grep_file(&gz, genpipe::io::grep("99"))
        .part_bytes(100)
        .context(1, 0)
        | filter_map(|c: genpipe::io::ContextLine| c.line().map(|l| l.line_no()))
        | collect::<Vec<_>>();
    assert_eq!(numbers.unwrap()[..4], [98, 99, 198, 199]);
}
