//! Wall time of the engine cases; the deterministic gate is `scripts/instructions.sh`.
//!
//! `cargo bench --bench engine`. Read ratios within one group of one run: the machine is noisy.

mod cases;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const N: u64 = 100_000;

fn engine(c: &mut Criterion) {
    let mut groups: Vec<&str> = cases::CASES.iter().map(|(g, _, _)| *g).collect();
    groups.dedup();
    for group_name in groups {
        let mut group = c.benchmark_group(group_name);
        group.throughput(Throughput::Elements(N));
        for (_, name, run) in cases::CASES.iter().filter(|(g, _, _)| *g == group_name) {
            // Check the result once before timing.
            assert_eq!(run(N), cases::expected(N), "{group_name}/{name}");
            group.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| run(black_box(N)))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
