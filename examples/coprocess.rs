//! Beazley's `coprocess.py`: a coroutine running in a child process. The parent reads a log and
//! sends each request's (status, bytes) down a pipe as frames; the child, this same program
//! started with `--child`, feeds them to a `#[coro]` that sums the bytes per status, and sends
//! the sums back when its input ends. The parent's `|` returns them.
//!
//! ```text
//! cargo run --release --features frames --example coprocess              # a generated log
//! cargo run --release --features frames --example coprocess -- access.log
//! ```

use std::collections::BTreeMap;
use std::process::Command;

use genpipe::io::{AccessRecord, access_log, lines, lines_from, serve_coprocess, to_coprocess};
use genpipe::prelude::*;

/// Bytes per status: the consumer, as it would run in one process.
#[coro]
fn bytes_per_status() -> Coro<(u16, u64), BTreeMap<u16, u64>> {
    let mut sums = BTreeMap::new();
    while let Some((status, bytes)) = recv!() {
        *sums.entry(status).or_insert(0) += bytes;
    }
    sums
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = std::env::args().nth(1);
    if arg.as_deref() == Some("--child") {
        // The child: records in on stdin, the sums out on stdout.
        serve_coprocess(bytes_per_status())?;
        return Ok(());
    }
    let child = || {
        let mut c = Command::new(std::env::current_exe().expect("the program's own path"));
        c.arg("--child");
        c
    };
    let status_bytes = map(|r: AccessRecord| (r.status, r.size)) | to_coprocess(child());
    let sums: BTreeMap<u16, u64> = match arg {
        Some(path) => ((lines(path) | access_log() | status_bytes)?)?,
        None => {
            let mut log = Vec::new();
            for i in 0..20_000u64 {
                let status = [200, 200, 304, 404, 500][i as usize % 5];
                log.extend_from_slice(
                    format!("10.0.0.{} - - [07/Dec/2026:10:00:00 +0000] \"GET /p/{i} HTTP/1.1\" {status} {}\n", i % 256, i % 997)
                        .as_bytes(),
                );
            }
            ((lines_from(&log[..]) | access_log() | status_bytes)?)?
        }
    };
    for (status, bytes) in sums {
        println!("{status}\t{bytes}");
    }
    Ok(())
}
