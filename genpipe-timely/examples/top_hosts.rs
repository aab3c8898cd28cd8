//! A distributed `group_count` over a tree of access logs: the busiest hosts and the requests
//! per status. Every worker of every process runs the one-process pipeline over its shard of
//! the files (`find | shard | open | cat | access_log | broadcast((group_count, group_count))`),
//! all in genpipe, and sends only its two count maps to worker 0, which merges them
//! (`Mergeable`) and prints what one process prints (`--single`, plain genpipe), byte for
//! byte.
//!
//! ```text
//! cargo run --release -p genpipe-timely --example top_hosts -- --single ROOT   # plain genpipe
//! cargo run --release -p genpipe-timely --example top_hosts -- -w 2 ROOT      # 2 threads
//! # two processes on one machine (or two machines: their addresses in the hostfile)
//! printf '127.0.0.1:2101\n127.0.0.1:2102\n' > hosts
//! cargo run --release -p genpipe-timely --example top_hosts -- -n 2 -p 0 -h hosts ROOT &
//! cargo run --release -p genpipe-timely --example top_hosts -- -n 2 -p 1 -h hosts ROOT
//! ```
//!
//! Without ROOT it generates a small tree. A file that fails (a corrupt `.gz`) ends the run
//! with its error on the worker that read it, and the program exits non-zero.

use std::collections::HashMap;
use std::path::PathBuf;

use genpipe::io::{AccessRecord, access_log, cat, find, open};
use genpipe::prelude::*;
use genpipe_timely::{failures_at_worker_zero, merge_at_worker_zero, sink_source};
use timely::dataflow::operators::Inspect;

/// Requests per host and per status.
type Counts = (HashMap<String, usize>, HashMap<u16, usize>);

/// The counting both ways run: one pass over the records into both maps.
fn counts() -> impl Sink<AccessRecord, Out = Counts> {
    broadcast((
        map(|r: AccessRecord| r.host().to_string()) | group_count(),
        map(|r: AccessRecord| r.status) | group_count(),
    ))
}

/// The report both ways print: the 10 busiest hosts (most requests first, then by name), the
/// requests per status, and the total.
fn report((hosts, statuses): Counts) -> String {
    let total: usize = statuses.values().sum();
    let mut hosts: Vec<(String, usize)> = hosts.into_iter().collect();
    let mut statuses: Vec<(u16, usize)> = statuses.into_iter().collect();
    statuses.sort();
    hosts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut out = String::from("top hosts:\n");
    for (host, n) in hosts.iter().take(10) {
        out.push_str(&format!("  {n:>8} {host}\n"));
    }
    out.push_str("statuses:\n");
    for (status, n) in &statuses {
        out.push_str(&format!("  {status} {n:>8}\n"));
    }
    out.push_str(&format!("requests: {total}\n"));
    out
}

/// The timely options (`-w N`, `-n N`, `-p N`, `-h FILE`) for timely, and the rest for us.
fn split_args() -> (Vec<String>, Vec<String>) {
    let mut timely_args = vec!["top_hosts".to_string()];
    let mut ours = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if matches!(arg.as_str(), "-w" | "-n" | "-p" | "-h") {
            timely_args.push(arg);
            timely_args.extend(args.next());
        } else {
            ours.push(arg);
        }
    }
    (timely_args, ours)
}

/// A small tree of generated logs, for running without arguments.
fn demo_tree() -> std::io::Result<PathBuf> {
    let root = std::env::temp_dir().join(format!("genpipe-top-hosts-{}", std::process::id()));
    std::fs::create_dir_all(root.join("2026"))?;
    for (i, name) in ["a.log", "b.log", "2026/c.log"].iter().enumerate() {
        genpipe::synth::write_access_log_file(
            root.join(name),
            1 << 20,
            i as u64 + 1,
            genpipe::synth::AccessFormat::Common,
        )?;
    }
    Ok(root)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (timely_args, ours) = split_args();
    let single = ours.iter().any(|a| a == "--single");
    let root = match ours.iter().find(|a| !a.starts_with("--")) {
        Some(root) => PathBuf::from(root),
        None => demo_tree()?,
    };

    if single {
        let counted =
            find(&root, "*.log*").sorted() | open() | cat() | access_log() | sink(counts());
        print!("{}", report(counted?));
        return Ok(());
    }

    let guards = timely::execute_from_args(timely_args.into_iter(), move |worker| {
        let root = root.clone();
        let index = worker.index();
        let (merged, outcome) = worker.dataflow::<u64, _, _>(|scope| {
            // The same pipeline and sink, over this worker's shard of the files.
            let (partial, outcome) = sink_source(scope, "access logs", move |shard| {
                let requests = find(&root, "*.log*")
                    .sorted()
                    .shard(shard.index as u64, shard.peers as u64)
                    | open()
                    | cat()
                    | access_log();
                (requests, counts())
            });
            // What crosses to worker 0: one entry per distinct key this worker saw, in
            // timely's encoding (bincode).
            let partial = partial.inspect(move |counts: &Counts| {
                let bytes = bincode::serialized_size(counts).unwrap_or(0);
                eprintln!(
                    "worker {index}: sends {} host and {} status counts, {bytes} bytes",
                    counts.0.len(),
                    counts.1.len()
                );
            });
            (merge_at_worker_zero(partial), outcome)
        });
        while worker.step_or_park(None) {}
        // Every worker's failure, at worker 0: a shard that failed in another process must
        // stop the report here too.
        let failures = failures_at_worker_zero(worker, outcome.take().and_then(Result::err));
        (merged.take(), failures)
    })?;
    let mut failed = false;
    for result in guards.join() {
        let (merged, failures) = result?;
        for (worker, e) in &failures {
            eprintln!("worker {worker}: {e}");
            failed = true;
        }
        if let Some(counted) = merged
            && !failed
        {
            print!("{}", report(counted));
        }
    }
    if failed {
        std::process::exit(1);
    }
    Ok(())
}
