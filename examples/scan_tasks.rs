//! Several log scans as tasks on one thread: each scan is a plain `#[generator]` that yields
//! after every match, so the scheduler interleaves them fairly (a scan with many matches does
//! not hold the thread), and each returns its count. Prints which finished when.
//!
//! ```text
//! cargo run --example scan_tasks
//! ```

use genpipe::prelude::*;
use genpipe::sched::{Scheduler, Task};
use genpipe::synth::{AccessFormat, access_log};

/// Counts the lines of `log` that contain `pattern`, giving way after each match.
#[generator]
fn scan(log: Vec<String>, pattern: &'static str) -> Gen<(), usize> {
    let mut found = 0;
    for line in &log {
        if line.contains(pattern) {
            found += 1;
            yield_!(());
        }
    }
    found
}

fn main() {
    let log = |seed, n| access_log(seed, AccessFormat::Common) | take(n) | collect::<Vec<_>>();
    let mut scheduler = Scheduler::new();
    for (name, pattern, lines) in [
        ("404s in 20k lines", "\" 404 ", 20_000),
        ("POSTs in 5k lines", "\"POST ", 5_000),
        ("GETs in 2k lines", "\"GET ", 2_000),
        ("ply pages in 20k lines", "/ply/", 20_000),
    ] {
        scheduler.spawn(Task::from_gen(
            name,
            scan(log(lines as u64, lines), pattern),
        ));
    }
    for o in scheduler.run() {
        println!(
            "step {:>6}: {:<24} found {:>5} ({} resumes)",
            o.step(),
            o.name(),
            o.value::<usize>().copied().unwrap_or(0),
            o.resumes()
        );
    }
}
