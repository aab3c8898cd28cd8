//! Beazley's access-log queries: parse each line into a typed record, then ask questions of the
//! record stream, all in one pass (a broadcast to one sink per question).
//!
//! ```text
//! cargo run --release --example log_queries -- [PATH [DOWNLOAD_PATH]]
//! ```
//!
//! Questions: the distinct paths that got a 404 (sorted), the largest transfer, how many
//! transfers were over 1 MB, how many distinct hosts (through a memoized per-host lookup: it
//! prints how many real lookups ran), and how many times one file was downloaded (default
//! `/ply/ply-2.3.tar.gz`). Without PATH it uses a generated combined-format log.

use std::collections::BTreeSet;
use std::path::PathBuf;

use genpipe::combinators::top_k;
use genpipe::io::{AccessRecord, access_log, lines};
use genpipe::prelude::*;
use genpipe::synth::AccessFormat;

#[path = "common/demo.rs"]
mod demo;

/// Stands in for a costly reverse-DNS lookup: memoized, so each host is looked up once.
#[memoize(capacity = 10_000)]
fn resolve(host: &str) -> String {
    let reversed: Vec<&str> = host.rsplit('.').collect();
    format!("{}.in-addr.arpa", reversed.join("."))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = match args.first() {
        Some(p) => PathBuf::from(p),
        None => demo::access_log("queries.log", 1 << 20, 7, AccessFormat::Combined)?,
    };
    let download = args.get(1).map_or("/ply/ply-2.3.tar.gz", String::as_str);

    let records = lines(&path) | access_log();
    let (missing, largest, over_1mb, hosts, downloads) = (records
        | broadcast((
            filter(|r: &AccessRecord| r.status == 404)
                | map(|r: AccessRecord| r.path().to_str_lossy().into_owned())
                | collect::<BTreeSet<String>>(),
            top_k(1, |r: &AccessRecord| r.size),
            filter(|r: &AccessRecord| r.size > 1_000_000) | count(),
            map(|r: AccessRecord| resolve(&r.host().to_str_lossy()))
                | collect::<BTreeSet<String>>(),
            filter(|r: &AccessRecord| r.path() == download) | count(),
        )))?;

    println!("404 paths ({} distinct):", missing.len());
    for path in &missing {
        println!("  {path}");
    }
    if let Some(r) = largest.first() {
        println!(
            "largest transfer: {} bytes, {} to {}",
            r.size,
            r.path().to_str_lossy(),
            r.host().to_str_lossy()
        );
    }
    println!("transfers over 1 MB: {over_1mb}");
    let lookups = resolve::stats();
    println!(
        "distinct hosts: {} ({} real lookups for {} records)",
        hosts.len(),
        lookups.misses,
        lookups.lookups
    );
    println!("downloads of {download}: {downloads}");
    Ok(())
}
