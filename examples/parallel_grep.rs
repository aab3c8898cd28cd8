//! A CPU-heavy query per file over a tree of logs, on one core and on every core: for each file,
//! the ten most requested paths among the 404s (a regex with captures on every line).
//!
//! ```text
//! cargo run --release --example parallel_grep -- [ROOT [GLOB]]
//! ```
//!
//! `find(..).sorted() | per_file(query)` against `| par_per_file(query)`: the same results in
//! the same order, the time of each printed. Defaults: 24 generated logs of 4 MiB under the temp
//! directory, `*.log`.

use std::path::PathBuf;
use std::time::Instant;

use genpipe::io::captures;
use genpipe::prelude::*;
use genpipe::synth::{AccessFormat, write_access_log_file};

/// Writes the demo tree once (kept for the next run).
fn demo_tree() -> std::io::Result<PathBuf> {
    let root = std::env::temp_dir().join("genpipe-parallel-grep");
    let done = root.join(".complete");
    if !done.exists() {
        std::fs::create_dir_all(&root)?;
        for i in 0..24 {
            write_access_log_file(
                root.join(format!("access-{i:02}.log")),
                4 << 20,
                100 + i,
                AccessFormat::Common,
            )?;
        }
        std::fs::write(&done, "")?;
    }
    Ok(root)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let root = match args.next() {
        Some(root) => PathBuf::from(root),
        None => demo_tree()?,
    };
    let glob = args.next().unwrap_or_else(|| "*.log".into());
    // The query: the path of every request answered 404, the ten most frequent.
    let query = || {
        captures(r#""[A-Z]+ (?P<path>\S+) [^"]*" 404 "#)
            | filter_map(|caps: genpipe::io::Caps| caps.get("path").map(|p| p.to_string()))
            | most_common(10)
    };
    let started = Instant::now();
    let sequential = find(&root, &glob).sorted() | per_file_with(query) | collect::<Vec<_>>();
    let one_core = started.elapsed();
    let started = Instant::now();
    let parallel = find(&root, &glob).sorted() | par_per_file_with(query) | collect::<Vec<_>>();
    let every_core = started.elapsed();

    let show = |results: &[genpipe::par::FileResult<Vec<(String, usize)>>]| -> Vec<String> {
        results
            .iter()
            .map(|(path, top)| match top {
                Ok(top) => format!("{}: {:?}", path.display(), top.first()),
                Err(e) => format!("{}: {e}", path.display()),
            })
            .collect()
    };
    let (seq, par) = (show(&sequential), show(&parallel));
    assert_eq!(seq, par, "the parallel run gave other results");
    for line in seq.iter().take(5) {
        println!("{line}");
    }
    if seq.len() > 5 {
        println!("... {} files in all", seq.len());
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let speedup = one_core.as_secs_f64() / every_core.as_secs_f64();
    println!(
        "per_file: {:.0} ms; par_per_file: {:.0} ms on {cores} cores: {speedup:.2}x, {:.2}x per core",
        one_core.as_secs_f64() * 1e3,
        every_core.as_secs_f64() * 1e3,
        speedup / cores as f64
    );
    Ok(())
}
