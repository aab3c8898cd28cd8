//! Watching a pipeline from the side: an `inspect` stage prints each item as it passes, `store_last`
//! keeps the latest one for later, and `take(N)` closes a `follow` after N lines (its file is
//! released with the pipeline).
//!
//! ```text
//! cargo run --example trace_pipeline -- [PATH [N]]
//! ```
//!
//! Follows PATH (default: a temporary file a writer thread appends generated lines to) and
//! stops after N lines (default 3).

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use genpipe::combinators::store_last;
use genpipe::io::{follow, grep};
use genpipe::prelude::*;
use genpipe::synth::{self, AccessFormat};

/// Whether this process still has `path` open (Linux: `/proc/self/fd`); `None` elsewhere.
fn holds_open(path: &Path) -> Option<bool> {
    let fds = std::fs::read_dir("/proc/self/fd").ok()?;
    let path = path.canonicalize().ok()?;
    Some(
        fds.flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|p| p == path)),
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.get(1).map_or(Ok(3), |s| s.parse())?;
    let demo = args.is_empty();
    let path = match args.first() {
        Some(p) => p.into(),
        None => {
            let p = std::env::temp_dir().join(format!("genpipe-trace-{}.log", std::process::id()));
            std::fs::write(&p, "")?;
            p
        }
    };

    let tail = follow(&path).poll_interval(Duration::from_millis(10));
    let writer = demo.then(|| {
        let path = path.clone();
        std::thread::spawn(move || -> std::io::Result<()> {
            let mut file = std::fs::OpenOptions::new().append(true).open(&path)?;
            for line in synth::access_log(5, AccessFormat::Common).take(40) {
                writeln!(file, "{line}")?;
            }
            Ok(())
        })
    });
    let (keep, last) = store_last::<Line>();
    let seen = (tail
        | inspect(|l: &Line| println!("trace: read {}", l.line_no()))
        | grep("\" 200 ")
        | keep
        | take(n)
        | inspect(|l: &Line| println!("trace: passed {}", l.line_no()))
        | count())?;
    println!("closed after {seen} matching lines");
    if let Some(line) = last.get() {
        println!("last: {line}");
    }
    match holds_open(&path) {
        Some(open) => println!("file still open: {}", if open { "yes" } else { "no" }),
        None => println!("file still open: (not checked on this system)"),
    }
    if let Some(writer) = writer {
        writer.join().expect("writer thread")?;
        std::fs::remove_file(&path)?;
    }
    Ok(())
}
