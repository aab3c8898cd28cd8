//! Fan-out and memoization against the plain ways of doing the same job.
//!
//! `cargo bench --bench combinators`:
//! - `broadcast`: three answers (line count, 404 count, bytes total) from one pass over an
//!   in-memory log with `broadcast`, against three separate passes; `broadcast_gz`: the same
//!   over a gzip-compressed log, where each pass pays for decompression;
//! - `memo`: a costly per-host lookup over skewed hosts (a few hosts most of the time, as in
//!   real logs): plain `map`, the `memo` stage, and a `#[memoize]` function;
//! - `tee`: two consumers of one source, read in step through `tee(2)` (a bounded window),
//!   against collecting the source into a `Vec` and reading it twice.

use std::io::Read;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use genpipe::combinators::tee;
use genpipe::io::{grep, last_field, lines_from, parse, skip_value};
use genpipe::memo::memo;
use genpipe::prelude::*;
use genpipe::synth::{AccessFormat, write_access_log};

fn log_bytes() -> Vec<u8> {
    let mut buf = Vec::new();
    write_access_log(&mut buf, 8 << 20, 2008, AccessFormat::Common).expect("in memory");
    buf
}

/// Line count, 404 count and bytes total, in one pass.
fn one_pass(log: impl Read) -> (usize, usize, u64) {
    let (n, missing, bytes) = (lines_from(log)
        | broadcast((
            count(),
            grep("\" 404 ") | count(),
            last_field() | skip_value("-") | parse::<u64>() | sum(),
        )))
    .unwrap();
    (n, missing, bytes.unwrap())
}

/// The same three answers, one pass each over a fresh reader.
fn three_passes<R: Read>(log: impl Fn() -> R) -> (usize, usize, u64) {
    let n = (lines_from(log()) | count()).unwrap();
    let missing = (lines_from(log()) | grep("\" 404 ") | count()).unwrap();
    let bytes =
        (lines_from(log()) | last_field() | skip_value("-") | parse::<u64>() | sum()).unwrap();
    (n, missing, bytes)
}

fn broadcast_vs_passes(c: &mut Criterion) {
    let log = log_bytes();
    let log = &log[..];
    let mut group = c.benchmark_group("broadcast");
    group.throughput(Throughput::Bytes(log.len() as u64));
    group.bench_function("one pass, broadcast to 3", |b| b.iter(|| one_pass(log)));
    group.bench_function("three passes", |b| b.iter(|| three_passes(|| log)));
    group.finish();

    // When reading is the cost (here: gzip), one pass reads once; three passes read three times.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, log).unwrap();
    let gz = gz.finish().unwrap();
    let gz = &gz[..];
    let unzip = || flate2::read::MultiGzDecoder::new(gz);
    let mut group = c.benchmark_group("broadcast_gz");
    group.throughput(Throughput::Bytes(log.len() as u64));
    group.bench_function("one pass, broadcast to 3", |b| b.iter(|| one_pass(unzip())));
    group.bench_function("three passes", |b| b.iter(|| three_passes(unzip)));
    group.finish();
}

/// Stands in for a reverse-DNS or database lookup: ~1 µs of hashing.
fn costly(host: u32) -> u64 {
    let mut h = u64::from(host) | 1;
    for _ in 0..400 {
        h ^= h << 13;
        h ^= h >> 7;
        h ^= h << 17;
    }
    h
}

#[memoize(capacity = 256)]
fn costly_memoized(host: u32) -> u64 {
    costly(host)
}

/// Hosts drawn the way real logs look: 1000 hosts, the low numbers far more often (the least
/// of three SplitMix64 draws, seeded: the same hosts every run).
fn skewed_hosts(n: usize) -> Vec<u32> {
    let mut state = 7u64;
    let mut below_1000 = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % 1000) as u32
    };
    (0..n)
        .map(|_| (0..3).map(|_| below_1000()).min().unwrap())
        .collect()
}

fn memo_vs_plain(c: &mut Criterion) {
    let hosts = skewed_hosts(20_000);
    let mut group = c.benchmark_group("memo");
    group.throughput(Throughput::Elements(hosts.len() as u64));
    group.bench_function("plain map", |b| {
        b.iter(|| pipe(hosts.iter().copied()) | map(costly) | sum::<u64>())
    });
    group.bench_function("memo stage (capacity 256)", |b| {
        b.iter(|| pipe(hosts.iter().copied()) | memo(costly).capacity(256) | sum::<u64>())
    });
    group.bench_function("#[memoize] (capacity 256)", |b| {
        b.iter(|| {
            costly_memoized::clear();
            pipe(hosts.iter().copied()) | map(costly_memoized) | sum::<u64>()
        })
    });
    group.finish();
}

fn tee_vs_vec(c: &mut Criterion) {
    const N: u64 = 1 << 20;
    let mut group = c.benchmark_group("tee");
    group.throughput(Throughput::Elements(N));
    group.bench_function("tee(2), read in step", |b| {
        b.iter(|| {
            let mut readers = pipe(0..N) | tee(2).bound(64);
            let mut odd = readers.pop().unwrap();
            let mut all = readers.pop().unwrap();
            let (mut odds, mut total) = (0u64, 0u64);
            while let Some(Ok(x)) = all.next() {
                total += x;
                odds += odd.next().unwrap().unwrap() & 1;
            }
            (odds, total)
        })
    });
    group.bench_function("collect into a Vec, read twice", |b| {
        b.iter(|| {
            let all: Vec<u64> = pipe(0..N) | collect();
            let total: u64 = all.iter().sum();
            let odds: u64 = all.iter().map(|x| x & 1).sum();
            (odds, total)
        })
    });
    group.finish();
}

criterion_group!(benches, broadcast_vs_passes, memo_vs_plain, tee_vs_vec);
criterion_main!(benches);
