//! Beazley's log-tree pipeline: find the logs under a directory (plain, `.gz`, `.bz2`), open
//! each, concatenate their lines, keep those matching a regex, and total their bytes column.
//!
//! ```text
//! cargo run --release --example tree_bytes -- [ROOT [GLOB [REGEX]]]
//! ```
//!
//! `find | open | cat | grep_re | last_field | skip_value("-") | parse::<u64>()`, then one pass
//! into two sinks (a count and a sum). Defaults: a generated tree under the temp directory,
//! `access-log*`, and `"GET /ply/`.

use std::io::Write;
use std::path::{Path, PathBuf};

use genpipe::io::{cat, find, grep_re, last_field, open, parse, skip_value};
use genpipe::prelude::*;
use genpipe::synth::{AccessFormat, write_access_log};

/// www/access-log, www/2008/access-log.1.gz, www/old/access-log.2.bz2, and a file that is not
/// a log.
fn demo_tree() -> std::io::Result<PathBuf> {
    let root = std::env::temp_dir().join(format!("genpipe-tree-bytes-{}", std::process::id()));
    for dir in ["www/2008", "www/old"] {
        std::fs::create_dir_all(root.join(dir))?;
    }
    let log = |seed| -> std::io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        write_access_log(&mut buf, 200_000, seed, AccessFormat::Common)?;
        Ok(buf)
    };
    std::fs::write(root.join("www/access-log"), log(1)?)?;
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(root.join("www/2008/access-log.1.gz"))?,
        flate2::Compression::fast(),
    );
    gz.write_all(&log(2)?)?;
    gz.finish()?;
    let mut bz = bzip2::write::BzEncoder::new(
        std::fs::File::create(root.join("www/old/access-log.2.bz2"))?,
        bzip2::Compression::fast(),
    );
    bz.write_all(&log(3)?)?;
    bz.finish()?;
    std::fs::write(root.join("www/notes.txt"), "GET /ply/ 1000000\n")?;
    Ok(root)
}

fn run(root: &Path, glob: &str, pattern: &str) -> Result<(), Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    let logs = find(root, glob).sorted();
    let report = logs.report();
    let lines = logs | inspect(|p: &PathBuf| files.push(p.clone())) | open() | cat();
    let (matching, bytes) = (lines
        | grep_re(pattern)
        | broadcast((
            count(),
            last_field() | skip_value("-") | parse::<u64>() | sum(),
        )))?;
    for file in &files {
        println!("{}", file.strip_prefix(root).unwrap_or(file).display());
    }
    println!(
        "{} files, {matching} matching lines, {} bytes",
        files.len(),
        bytes?
    );
    for error in report.errors() {
        eprintln!("tree_bytes: {error}");
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let glob = args.get(1).map_or("access-log*", String::as_str);
    let pattern = args.get(2).map_or("\"GET /ply/", String::as_str);
    match args.first() {
        Some(root) => run(Path::new(root), glob, pattern),
        None => {
            let root = demo_tree()?;
            let result = run(&root, glob, pattern);
            std::fs::remove_dir_all(&root)?;
            result
        }
    }
}
