//! The bytes-sum job, lazily and eagerly: shared by `bytes_sum` and `memcompare`.

use std::path::Path;

use genpipe::io::{last_field, lines, parse, skip_value};
use genpipe::prelude::*;

/// The lazy job: one line at a time, from a read buffer.
pub fn lazy(path: &Path) -> genpipe::Result<u64> {
    lines(path) | last_field() | skip_value("-") | parse::<u64>() | sum()
}

/// The eager job, as `f.readlines()` would do it: every line in a `Vec<String>` first.
pub fn eager(path: &Path) -> Result<u64, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let all: Vec<String> = text.lines().map(String::from).collect();
    drop(text);
    let mut total = 0;
    for line in &all {
        match line.rsplit(' ').next() {
            Some("-") | None => {}
            Some(size) => total += size.parse::<u64>()?,
        }
    }
    Ok(total)
}
