//! Writes a seeded synthetic Apache access log: `make_log PATH MEGABYTES [SEED]`.
//! Used by `scripts/compare.sh`; the same generator feeds the tests and benchmarks.

use genpipe::synth::{AccessFormat, write_access_log_file};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(mb)) = (args.next(), args.next()) else {
        return Err("usage: make_log PATH MEGABYTES [SEED]".into());
    };
    let mb: u64 = mb.parse()?;
    let seed: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(2008);
    let w = write_access_log_file(&path, mb << 20, seed, AccessFormat::Common)?;
    println!(
        "{path}: {} lines, {} bytes, size total {}",
        w.lines, w.bytes, w.size_total
    );
    Ok(())
}
