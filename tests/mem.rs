//! Eager vs lazy memory: the lazy pipeline's peak heap does not grow with the input; the eager
//! version's does.

use genpipe::io::{last_field, lines, parse, skip_value};
use genpipe::mem::{CountingAlloc, is_installed, measure};
use genpipe::prelude::*;
use genpipe::synth::{AccessFormat, write_access_log_file};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::system();

fn lazy(path: &std::path::Path) -> u64 {
    (lines(path) | last_field() | skip_value("-") | parse::<u64>() | sum()).unwrap()
}

fn eager(path: &std::path::Path) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    let all: Vec<String> = text.lines().map(String::from).collect();
    drop(text);
    all.iter()
        .filter_map(|l| l.rsplit(' ').next())
        .filter(|f| *f != "-")
        .map(|f| f.parse::<u64>().unwrap())
        .sum()
}

#[test]
#[cfg_attr(miri, ignore = "megabytes of I/O")]
fn lazy_peak_is_flat_eager_peak_grows() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.log");
    let large = dir.path().join("large.log");
    let w_small = write_access_log_file(&small, 1 << 20, 1, AccessFormat::Common).unwrap();
    let w_large = write_access_log_file(&large, 16 << 20, 1, AccessFormat::Common).unwrap();

    let (total, lazy_small) = measure(|| lazy(&small));
    assert_eq!(total, w_small.size_total);
    let (total, lazy_large) = measure(|| lazy(&large));
    assert_eq!(total, w_large.size_total);
    let (total, eager_small) = measure(|| eager(&small));
    assert_eq!(total, w_small.size_total);
    let (total, eager_large) = measure(|| eager(&large));
    assert_eq!(total, w_large.size_total);

    assert!(is_installed());
    // Lazy: one read buffer (64 KiB) and a little more, whatever the size.
    assert!(lazy_small.peak_bytes < 256 << 10, "{lazy_small:?}");
    assert!(lazy_large.peak_bytes < 256 << 10, "{lazy_large:?}");
    assert!(
        lazy_large.peak_bytes <= lazy_small.peak_bytes + (16 << 10),
        "{lazy_small:?} vs {lazy_large:?}"
    );
    // Eager: at least the input, so 16 times the input is at least 16 times the memory, roughly.
    assert!(eager_small.peak_bytes > 1 << 20, "{eager_small:?}");
    assert!(
        eager_large.peak_bytes > 12 * eager_small.peak_bytes,
        "{eager_small:?} vs {eager_large:?}"
    );
    // Allocations: the lazy run allocates once per 64 KiB buffer (its shared handle), not per line.
    let buffers = (16u64 << 20) / (64 << 10);
    assert!(lazy_large.allocations <= buffers + 16, "{lazy_large:?}");
    assert!(eager_large.allocations > w_large.lines, "{eager_large:?}");
}

/// Two consumers of one source: a `tee` with a bounded window keeps memory flat, a `Vec` of
/// the whole output grows with it; `replay` keeps everything by design (documented).
#[test]
#[cfg_attr(miri, ignore = "a million items")]
fn tee_peak_stays_within_its_window_replay_and_vec_grow() {
    use genpipe::combinators::tee;
    use genpipe::memo::replay;

    fn in_step(n: u64) -> u64 {
        let mut readers = pipe(0..n) | tee(2).bound(64);
        let mut b = readers.pop().unwrap();
        let mut a = readers.pop().unwrap();
        let mut total = 0;
        while let Some(Ok(x)) = a.next() {
            total += x + b.next().unwrap().unwrap();
        }
        total
    }
    let (small, small_mem) = measure(|| in_step(10_000));
    let (large, large_mem) = measure(|| in_step(1_000_000));
    assert_eq!(
        (small, large),
        (2 * (10_000 * 9_999 / 2), 2 * (1_000_000 * 999_999 / 2))
    );
    assert!(small_mem.peak_bytes < 4096, "{small_mem:?}");
    assert_eq!(
        large_mem.peak_bytes, small_mem.peak_bytes,
        "tee grew with its input"
    );

    let (_, vec_mem) = measure(|| {
        let all: Vec<u64> = pipe(0..1_000_000u64) | collect();
        all.iter().sum::<u64>() + all.iter().sum::<u64>()
    });
    let (_, replay_mem) = measure(|| {
        let r = pipe(0..1_000_000u64) | replay();
        r.iter().sum::<u64>() + r.iter().sum::<u64>()
    });
    assert!(vec_mem.peak_bytes >= 8_000_000, "{vec_mem:?}");
    assert!(replay_mem.peak_bytes >= 8_000_000, "{replay_mem:?}");
}

/// Input without line ends (a NUL-filled file, `/dev/zero`, a gzip bomb) holds at most the
/// line limit, then ends with an error naming the file: before, memory grew with the input
/// (2.1 GB for a 9 MB gzip bomb, then an abort).
#[test]
#[cfg_attr(miri, ignore = "megabytes of I/O")]
fn input_without_line_ends_is_bounded_by_the_line_limit() {
    use std::io::{Read, Write};
    const LIMIT: usize = 1 << 20;

    // An endless reader: without the bound this test would never finish.
    let (got, report) =
        measure(|| genpipe::io::lines_from(std::io::repeat(0)).max_line_bytes(LIMIT) | count());
    assert!(matches!(
        got,
        Err(genpipe::Error::LineTooLong {
            line_no: 1,
            limit: LIMIT,
            ..
        })
    ));
    assert!(
        report.peak_bytes < 4 * LIMIT as u64,
        "peak {} bytes",
        report.peak_bytes
    );

    // A gzip bomb: 64 MiB of NULs behind a few kilobytes, after two good lines.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.log.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(b"first\nsecond\n").unwrap();
    let block = vec![0u8; 1 << 20];
    for _ in 0..64 {
        gz.write_all(&block).unwrap();
    }
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 1 << 20);
    let (got, report) =
        measure(|| genpipe::io::lines(&path).max_line_bytes(LIMIT) | collect::<Vec<_>>());
    let err = got.unwrap_err();
    assert!(err.to_string().contains("bomb.log.gz:3"), "{err}");
    assert!(
        report.peak_bytes < 4 * LIMIT as u64,
        "peak {} bytes",
        report.peak_bytes
    );
    // The lines before the long one were delivered.
    let mut lines = genpipe::io::lines(&path).max_line_bytes(LIMIT);
    assert_eq!(lines.next().unwrap().as_bytes(), b"first");
    assert_eq!(lines.next().unwrap().as_bytes(), b"second");
    assert!(lines.next().is_none());
    assert!(lines.finish().is_err());

    // The default limit applies without asking: a NUL file longer than it fails, and a line
    // under it is whole.
    let (got, _) = measure(|| {
        genpipe::io::lines_from(
            std::io::repeat(0).take(genpipe::io::DEFAULT_MAX_LINE_BYTES as u64 + 1),
        ) | count()
    });
    assert!(matches!(got, Err(genpipe::Error::LineTooLong { .. })));
    let long = vec![b'x'; 3 * genpipe::io::DEFAULT_BUFFER_BYTES];
    assert_eq!(
        (genpipe::io::lines_from(&long[..]) | collect::<Vec<_>>()).unwrap()[0]
            .as_bytes()
            .len(),
        long.len()
    );
}
