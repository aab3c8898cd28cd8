//! What a record costs through each source, into `count_by_key` on one timely worker: the
//! batch source (the pipeline on the worker's thread) against the windowed one (the pipeline
//! on its own thread, each record stamped and handed over under a lock).
//!
//! `cargo bench -p genpipe-timely --bench sources`

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use genpipe::prelude::*;
use genpipe_timely::{TimeWindows, count_by_key, pipeline_source, windowed_source};
use timely::dataflow::operators::Inspect;

const RECORDS: u64 = 200_000;

fn keys(shard: genpipe_timely::Shard) -> Gen<impl Pull<Item = u64, Return = ()>> {
    let _ = shard;
    pipe(0..RECORDS).map(|i| i % 64)
}

/// Runs one worker over `RECORDS` records, `windowed` or not; the number of counts out.
fn run(windowed: bool) -> u64 {
    let guards = timely::execute(timely::Config::thread(), move |worker| {
        let out = std::rc::Rc::new(std::cell::Cell::new(0u64));
        let seen = out.clone();
        worker.dataflow::<u64, _, _>(|scope| {
            let records = if windowed {
                let windows = TimeWindows::new(Duration::from_secs(3600));
                windowed_source(scope, "keys", windows, keys).0
            } else {
                pipeline_source(scope, "keys", keys).0
            };
            count_by_key(records).inspect(move |(_, n)| seen.set(seen.get() + n));
        });
        while worker.step_or_park(None) {}
        out.get()
    })
    .unwrap();
    guards.join().remove(0).unwrap()
}

fn sources(c: &mut Criterion) {
    let mut group = c.benchmark_group("source into count_by_key");
    group.throughput(Throughput::Elements(RECORDS));
    group.sample_size(20);
    group.bench_function("pipeline_source", |b| {
        b.iter(|| assert_eq!(run(false), RECORDS))
    });
    group.bench_function("windowed_source", |b| {
        b.iter(|| assert_eq!(run(true), RECORDS))
    });
    group.finish();
}

criterion_group!(benches, sources);
criterion_main!(benches);
