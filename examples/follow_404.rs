//! `tail -f | grep 404`, Beazley style: follow a growing access log and print each 404 as it
//! is written.
//!
//! ```text
//! cargo run --example follow_404 -- [PATH [MAX]]
//! ```
//!
//! `follow(path) | access_log() | filter(404) | take(MAX)`: stops after MAX 404s (default 5),
//! and the followed file is closed with the pipeline. Without PATH, a writer thread appends a
//! generated log to a temporary file while it is followed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use genpipe::io::{AccessRecord, FollowReader, Lines, access_log, follow};
use genpipe::prelude::*;
use genpipe::synth::{self, AccessFormat};

/// Following starts at the file's end: lines written after `follow` returned are seen.
fn start(path: &Path) -> Gen<Lines<FollowReader>> {
    let tail = follow(path).poll_interval(Duration::from_millis(10));
    eprintln!("following {}", path.display());
    tail
}

fn print_404s(tail: Gen<Lines<FollowReader>>, max: usize) -> genpipe::Result<usize> {
    tail | access_log()
        | filter(|r: &AccessRecord| r.status == 404)
        | take(max)
        | map(|r: AccessRecord| {
            println!(
                "404 {} from {}",
                r.path().to_str_lossy(),
                r.host().to_str_lossy()
            );
        })
        | count()
}

/// Appends generated lines to `path` a few at a time until `stop` is set.
fn writer(path: PathBuf, stop: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("open demo log");
    for (i, line) in synth::access_log(404, AccessFormat::Common).enumerate() {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        writeln!(file, "{line}").expect("append to demo log");
        if i % 8 == 7 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let max = match args.get(1) {
        Some(n) => n.parse()?,
        None => 5,
    };
    match args.first() {
        Some(path) => {
            print_404s(start(Path::new(path)), max)?;
        }
        None => {
            let path =
                std::env::temp_dir().join(format!("genpipe-follow-{}.log", std::process::id()));
            std::fs::write(&path, "")?;
            let tail = start(&path);
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let writing = std::thread::spawn({
                let (path, stop) = (path.clone(), stop.clone());
                move || writer(path, stop)
            });
            let result = print_404s(tail, max);
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            writing.join().expect("writer thread");
            std::fs::remove_file(&path)?;
            result?;
        }
    }
    Ok(())
}
