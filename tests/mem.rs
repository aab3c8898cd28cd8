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
