//! Threads at stage boundaries, measured: what a handoff through `threaded` costs per batch
//! size, what `par_map` brings to a CPU-heavy stage with 1 and 2 workers (ordered and not),
//! and where more workers than cores stops paying.
//!
//! `cargo bench --bench parallel`; the CPU-heavy log is `GENPIPE_PAR_MIB` MiB (default 16).
//! - `handoff`: `pipe(0..1M) | map | sum` (each item through `black_box`) on one thread, and with `threaded(8).batch(n)` before
//!   `map`, n = 1, 16, 256, 1024, 4096; and a line source counted, with and without `threaded`
//!   (a read chunk of lines to a batch);
//! - `cpu heavy`: per line of a generated access log, regex captures (host, method, path) and a
//!   SipHash of host and path: `map` on one thread, `par_map` with 1 and 2 workers, ordered and
//!   `unordered`, and on the global pool beside rayon's own `par_iter` over the split lines; and
//!   the machine's ceiling, the log cut in two halves on two threads;
//! - `workers`: the same `par_map` with 1, 2, 4, 8 and 32 workers on this machine's cores;
//! - `gzip overlap`: a 16 MiB log gzipped, grepped with a cheap and a costly regex, on one
//!   thread and with `threaded` between the decompressing source and the grep.

use std::hash::Hasher;
use std::hint::black_box;
use std::sync::LazyLock;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use genpipe::io::{Line, grep_re, lines_from};
use genpipe::prelude::*;
use genpipe::synth::{AccessFormat, write_access_log};

const N: u64 = 1_000_000;

fn log_bytes(mib: u64) -> Vec<u8> {
    let mut buf = Vec::new();
    write_access_log(&mut buf, mib << 20, 2010, AccessFormat::Common).expect("in memory");
    buf
}

static REQUEST: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r#"^(\S+) \S+ \S+ \[[^\]]+\] "(\S+) (\S+)"#).expect("valid")
});

thread_local! {
    // A regex used from several threads shares one pool of search caches, a lock away from
    // every thread but the first: each thread takes a clone, with a pool of its own (the
    // regex crate's advice for contention).
    static REQUEST_HERE: regex::bytes::Regex = REQUEST.clone();
}

/// The CPU-heavy stage: captures, then a hash of two of the fields.
fn heavy(line: Line) -> u64 {
    REQUEST_HERE.with(|re| hash_fields(re, line.as_bytes()))
}

/// [`heavy`] over a line's bytes (for rayon's own split).
fn heavy_bytes(line: &[u8]) -> u64 {
    REQUEST_HERE.with(|re| hash_fields(re, line))
}

fn hash_fields(re: &regex::bytes::Regex, line: &[u8]) -> u64 {
    let Some(caps) = re.captures(line) else {
        return 0;
    };
    let mut h = std::hash::DefaultHasher::new();
    h.write(&caps[1]);
    h.write(&caps[3]);
    h.finish() & 0xff
}

fn handoff(c: &mut Criterion) {
    let mut group = c.benchmark_group("handoff");
    group.throughput(Throughput::Elements(N));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(4));
    let want: u64 = (0..N).map(|x| x.wrapping_mul(3)).sum();
    group.bench_function("sequential", |b| {
        b.iter(|| {
            let got = pipe(0..N) | map(|x: u64| black_box(x).wrapping_mul(3)) | sum();
            assert_eq!(got, want);
        });
    });
    for batch in [1usize, 16, 256, 1024, 4096] {
        // One item a handoff costs microseconds: a tenth of the items keeps the run short.
        let n = if batch == 1 { N / 10 } else { N };
        let want: u64 = (0..n).map(|x| x.wrapping_mul(3)).sum();
        group.throughput(Throughput::Elements(n));
        group.bench_function(BenchmarkId::new("threaded", batch), |b| {
            b.iter(|| {
                let got = pipe(0..n)
                    | threaded(8).batch(batch)
                    | map(|x: u64| black_box(x).wrapping_mul(3))
                    | sum();
                assert_eq!(got, want);
            });
        });
    }
    group.finish();

    let log = log_bytes(16);
    let mut group = c.benchmark_group("handoff lines");
    group.throughput(Throughput::Bytes(log.len() as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(4));
    let lines = (lines_from(&log[..]) | count()).unwrap();
    group.bench_function("sequential", |b| {
        b.iter(|| assert_eq!((lines_from(&log[..]) | count()).unwrap(), lines));
    });
    let owned: &'static [u8] = Box::leak(log.clone().into_boxed_slice());
    group.bench_function("threaded", |b| {
        b.iter(|| assert_eq!((lines_from(owned) | threaded(8) | count()).unwrap(), lines));
    });
    group.finish();
}

fn cpu_heavy(c: &mut Criterion) {
    let mib = std::env::var("GENPIPE_PAR_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let log: &'static [u8] = Box::leak(log_bytes(mib).into_boxed_slice());
    let want = (lines_from(log) | map(heavy) | sum()).unwrap();
    let mut group = c.benchmark_group("cpu heavy");
    group.throughput(Throughput::Bytes(log.len() as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("sequential map", |b| {
        b.iter(|| assert_eq!((lines_from(log) | map(heavy) | sum()).unwrap(), want));
    });
    // The machine's ceiling: the log cut in two at a line end, each half on a thread of its
    // own with nothing shared (vCPUs may share a physical core).
    let mid = log.len() / 2
        + log[log.len() / 2..]
            .iter()
            .position(|&b| b == b'\n')
            .unwrap()
        + 1;
    group.bench_function("two threads, a half each (ceiling)", |b| {
        b.iter(|| {
            let (left, right) = log.split_at(mid);
            let halves = std::thread::scope(|s| {
                let l = s.spawn(|| (lines_from(left) | map(heavy) | sum()).unwrap());
                let r = (lines_from(right) | map(heavy) | sum()).unwrap();
                l.join().unwrap() + r
            });
            assert_eq!(halves, want);
        });
    });
    // rayon's own: the lines split first, then `par_iter` over them (its adaptive split),
    // on the global pool (one thread per core); the same stage, the same sum.
    group.bench_function("rayon par_iter over the split lines", |b| {
        use rayon::prelude::*;
        b.iter(|| {
            let lines: Vec<&[u8]> = log
                .strip_suffix(b"\n")
                .unwrap_or(log)
                .split(|&b| b == b'\n')
                .collect();
            assert_eq!(lines.par_iter().map(|l| heavy_bytes(l)).sum::<u64>(), want);
        });
    });
    group.bench_function("par_map, global pool", |b| {
        b.iter(|| assert_eq!((lines_from(log) | par_map(heavy) | sum()).unwrap(), want));
    });
    for (name, workers, ordered) in [
        ("par_map 1 worker", 1, true),
        ("par_map 2 workers", 2, true),
        ("par_map 2 workers unordered", 2, false),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let stage = par_map(heavy).workers(workers);
                let stage = if ordered { stage } else { stage.unordered() };
                assert_eq!((lines_from(log) | stage | sum()).unwrap(), want);
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("workers");
    group.throughput(Throughput::Bytes(log.len() as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    for workers in [1usize, 2, 4, 8, 32] {
        group.bench_function(BenchmarkId::from_parameter(workers), |b| {
            b.iter(|| {
                let got = (lines_from(log) | par_map(heavy).workers(workers) | sum()).unwrap();
                assert_eq!(got, want);
            });
        });
    }
    group.finish();
}

/// Decompression beside the search: one large `.gz` read and grepped on one thread, and with
/// `threaded` between the decompressing source and `grep` (the search then runs beside the
/// inflating).
fn gzip_overlap(c: &mut Criterion) {
    let log = log_bytes(16);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &log).unwrap();
    let gz: &'static [u8] = Box::leak(gz.finish().unwrap().into_boxed_slice());
    let source = || lines_from(flate2::read::MultiGzDecoder::new(gz));
    let want = (source() | grep_re(r"(?i)get /ply-\S*\.gz") | count()).unwrap();
    let mut group = c.benchmark_group("gzip overlap");
    group.throughput(Throughput::Bytes(log.len() as u64));
    group.sample_size(10);
    for pattern in [r"\s404\s", r"(?i)get /ply-\S*\.gz"] {
        let n = (source() | grep_re(pattern) | count()).unwrap();
        group.bench_function(BenchmarkId::new("one thread", pattern), |b| {
            b.iter(|| assert_eq!((source() | grep_re(pattern) | count()).unwrap(), n));
        });
        group.bench_function(BenchmarkId::new("threaded", pattern), |b| {
            b.iter(|| {
                let got = (source() | threaded(4) | grep_re(pattern) | count()).unwrap();
                assert_eq!(got, n);
            });
        });
    }
    assert!(want > 0);
    group.finish();
}

criterion_group!(benches, handoff, cpu_heavy, gzip_overlap);
criterion_main!(benches);
