//! Line pipelines over a generated access log: genpipe against hand-written baselines.
//!
//! `cargo bench --bench io`. The log is generated once (seeded) under the target directory;
//! `GENPIPE_BENCH_MB` sets its size (default 64). `GENPIPE_BENCH_FILE=path` adds a real file
//! (e.g. from `../shared/data`) as a second input.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use genpipe::io::{grep, last_field, lines, lines_mmap, parse, skip_value};
use genpipe::prelude::*;
use genpipe::synth::{AccessFormat, write_access_log_file};

const NEEDLE: &str = "\" 404 ";

fn generated_log() -> PathBuf {
    let mb: u64 = std::env::var("GENPIPE_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("bench-access-{mb}mb.log"));
    if !path.exists() {
        let tmp = path.with_extension("partial");
        write_access_log_file(&tmp, mb << 20, 2008, AccessFormat::Common)
            .expect("write the bench log");
        std::fs::rename(&tmp, &path).expect("rename the bench log");
    }
    path
}

/// Hand-written reading: 64 KiB reads, each handed over as whole lines (the tail carried).
fn for_each_block(path: &Path, mut f: impl FnMut(&[u8])) {
    let mut file = std::fs::File::open(path).unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = file.read(&mut buf[filled..]).unwrap();
        if n == 0 {
            f(&buf[..filled]);
            return;
        }
        filled += n;
        if let Some(i) = memchr::memrchr(b'\n', &buf[..filled]) {
            f(&buf[..=i]);
            buf.copy_within(i + 1..filled, 0);
            filled -= i + 1;
        }
    }
}

/// Hand-written: memmem over each block, count lines with a hit.
fn count_hand(path: &Path) -> usize {
    let finder = memchr::memmem::Finder::new(NEEDLE);
    let mut n = 0;
    for_each_block(path, |data| {
        let mut pos = 0;
        while let Some(off) = finder.find(&data[pos..]) {
            n += 1;
            let hit = pos + off;
            pos = memchr::memchr(b'\n', &data[hit..]).map_or(data.len(), |i| hit + i + 1);
        }
    });
    n
}

/// `BufRead::lines()`: one `String` per line.
fn count_bufread_lines(path: &Path) -> usize {
    let f = BufReader::new(std::fs::File::open(path).unwrap());
    f.lines()
        .map_while(Result::ok)
        .filter(|l| l.contains(NEEDLE))
        .count()
}

/// Hand-written zero-copy bytes sum: last field of each line, `-` skipped.
fn sum_hand(path: &Path) -> u64 {
    let mut total = 0;
    for_each_block(path, |data| {
        for line in data.split(|&b| b == b'\n') {
            if let Some(f) = line.rsplit(|&b| b == b' ').next()
                && !f.is_empty()
                && f != b"-"
            {
                total += std::str::from_utf8(f).unwrap().parse::<u64>().unwrap();
            }
        }
    });
    total
}

fn io(c: &mut Criterion) {
    let mut inputs = vec![generated_log()];
    if let Ok(extra) = std::env::var("GENPIPE_BENCH_FILE") {
        inputs.push(PathBuf::from(extra));
    }
    for path in &inputs {
        let bytes = std::fs::metadata(path).unwrap().len();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();

        let want = count_hand(path);
        assert_eq!((lines(path) | grep(NEEDLE) | count()).unwrap(), want);
        assert_eq!(
            (lines(path).map(|l| l) | grep(NEEDLE) | count()).unwrap(),
            want
        );
        assert_eq!(count_bufread_lines(path), want);
        let mut group = c.benchmark_group(format!("count/{name}"));
        group.throughput(Throughput::Bytes(bytes));
        group.sample_size(10);
        group.bench_function("hand_memmem", |b| b.iter(|| count_hand(path)));
        group.bench_function("genpipe_fused", |b| {
            b.iter(|| (lines(path) | grep(NEEDLE) | count()).unwrap())
        });
        // SAFETY: the bench files are not modified while the benchmark runs.
        let mapped = || (unsafe { lines_mmap(path) } | grep(NEEDLE) | count()).unwrap();
        assert_eq!(mapped(), want);
        group.bench_function("genpipe_fused_mmap", |b| b.iter(mapped));
        // A stage in between: grep filters line by line (what the fused path avoids).
        group.bench_function("genpipe_per_line", |b| {
            b.iter(|| (lines(path).map(|l| l) | grep(NEEDLE) | count()).unwrap())
        });
        group.bench_function("bufread_lines", |b| b.iter(|| count_bufread_lines(path)));
        group.finish();

        if name.contains("access") {
            let want = sum_hand(path);
            let genpipe =
                || (lines(path) | last_field() | skip_value("-") | parse::<u64>() | sum()).unwrap();
            assert_eq!(genpipe(), want);
            let mut group = c.benchmark_group(format!("bytes_sum/{name}"));
            group.throughput(Throughput::Bytes(bytes));
            group.sample_size(10);
            group.bench_function("hand_zero_copy", |b| b.iter(|| sum_hand(path)));
            group.bench_function("genpipe", |b| b.iter(genpipe));
            group.finish();
        }
    }
}

criterion_group!(benches, io);
criterion_main!(benches);
