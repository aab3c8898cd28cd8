//! A TSV report over a large file, with progress: bytes served per status code, and the rows
//! whose user agent is empty.
//!
//! ```text
//! cargo run --release --features logs --example tsv_report -- [PATH]
//! ```
//!
//! Columns (tab-separated, empty fields allowed): date, host, status, bytes, user agent. Without
//! PATH it writes a generated 20 000-row file to the system temp directory. On a terminal a
//! progress bar shows the bytes read (`progress()`); piped, nothing but the report.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use genpipe::io::{lines, progress};
use genpipe::prelude::*;

/// A deterministic TSV: every seventh row has no user agent, every eleventh no bytes.
fn generated(rows: u32) -> std::io::Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("genpipe-tsv-report-{rows}.tsv"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    for i in 0..rows {
        let status = [200, 200, 200, 404, 500][i as usize % 5];
        let bytes = if i % 11 == 0 {
            String::new()
        } else {
            (i % 997).to_string()
        };
        let agent = if i % 7 == 0 { "" } else { "curl/8.0" };
        writeln!(
            out,
            "2026-12-06\thost{}\t{status}\t{bytes}\t{agent}",
            i % 13
        )?;
    }
    out.flush()?;
    Ok(path)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = match std::env::args_os().nth(1) {
        Some(p) => PathBuf::from(p),
        None => generated(20_000)?,
    };

    // One pass: per status, the bytes (an empty field counts 0), and the rows without an agent.
    let mut per_status: BTreeMap<u16, u64> = BTreeMap::new();
    let mut no_agent = 0u64;
    let rows = (lines(&path) | progress()).inspect(|row: &Line| {
        let status = row.field_by(b'\t', 2).and_then(|f| f.parse::<u16>().ok());
        let bytes = row.field_by(b'\t', 3).and_then(|f| f.parse::<u64>().ok());
        if let Some(status) = status {
            *per_status.entry(status).or_default() += bytes.unwrap_or(0);
        }
        if row.field_by(b'\t', 4).is_some_and(|agent| agent.is_empty()) {
            no_agent += 1;
        }
    }) | count();
    let rows = rows?;

    println!("{rows} rows");
    for (status, bytes) in &per_status {
        println!("{status}\t{bytes} bytes");
    }
    println!("{no_agent} rows without a user agent");
    Ok(())
}
