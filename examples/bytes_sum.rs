//! Beazley's first generator program: the total of the bytes column of an access log.
//!
//! ```text
//! cargo run --release --example bytes_sum -- [--eager] [--stats] [PATH]
//! ```
//!
//! Lazily: `lines(p) | last_field() | skip_value("-") | parse::<u64>() | sum()`. With `--eager`,
//! every line is read into memory first, as `f.readlines()` would. Without PATH it uses a
//! generated log (under the system temp directory, made once).

use std::path::PathBuf;

use genpipe::synth::AccessFormat;

#[path = "common/bytes_total.rs"]
mod bytes_total;
#[path = "common/demo.rs"]
mod demo;

use bytes_total::{eager, lazy};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut eager_mode = false;
    let mut stats = false;
    let mut path = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--eager" => eager_mode = true,
            "--stats" => stats = true,
            _ => path = Some(PathBuf::from(arg)),
        }
    }
    let path = match path {
        Some(p) => p,
        None => demo::access_log("bytes-sum.log", 32 << 20, 2008, AccessFormat::Common)?,
    };
    let total = if eager_mode {
        eager(&path)?
    } else {
        lazy(&path)?
    };
    println!("{total}");
    if stats {
        let rss = genpipe::mem::peak_rss_bytes().map_or("unknown".into(), |b| {
            format!("{:.1} MiB", b as f64 / (1 << 20) as f64)
        });
        eprintln!(
            "bytes_sum: {} mode, peak RSS {rss}",
            if eager_mode { "eager" } else { "lazy" }
        );
    }
    Ok(())
}
