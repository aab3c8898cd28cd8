//! Requests per status in each time window, over access logs that are still being written,
//! across processes: every worker follows its share of the files (`follow`, like `tail -f`),
//! counts each window on its own, and exchanges only (status, count) pairs; worker 0 prints a
//! window as soon as every worker is past it.
//!
//! ```text
//! cargo run --release -p genpipe-timely --example window_counts -- --for 5          # a demo
//! cargo run --release -p genpipe-timely --example window_counts -- -w 2 a.log b.log
//! # two processes (or two machines: their addresses in the hostfile), each following its
//! # share of the files, one report
//! printf '127.0.0.1:2101\n127.0.0.1:2102\n' > hosts
//! cargo run --release -p genpipe-timely --example window_counts -- -n 2 -p 0 -h hosts a.log b.log &
//! cargo run --release -p genpipe-timely --example window_counts -- -n 2 -p 1 -h hosts a.log b.log
//! ```
//!
//! Options: `--window-ms N` (default 1000), `--for SECONDS` (stop following then; without it,
//! run until killed), `--show-lag` (after each window, how long after its end it was printed). Without files it writes two demo logs itself. A window prints as
//! `06:20:01.000 UTC  15 requests  200:12 404:3`. A file that cannot be followed ends its
//! worker's pipeline with the error; the run then exits non-zero.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use genpipe::io::{AccessRecord, Line, StopToken, access_log, follow};
use genpipe::par::multiplex;
use genpipe::prelude::*;
use genpipe_timely::{
    TimeWindows, count_by_key, failures_at_worker_zero, gather_by_time, windowed_source,
};

struct Options {
    window: Duration,
    run_for: Option<Duration>,
    show_lag: bool,
    files: Vec<PathBuf>,
}

/// The timely options (`-w N`, `-n N`, `-p N`, `-h FILE`) for timely, and ours.
fn parse_args() -> Result<(Vec<String>, Options), String> {
    let mut timely_args = vec!["window_counts".to_string()];
    let mut options = Options {
        window: Duration::from_secs(1),
        run_for: None,
        show_lag: false,
        files: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |what: &str| args.next().ok_or(format!("{arg} needs {what}"));
        match arg.as_str() {
            "-w" | "-n" | "-p" | "-h" => {
                let v = value("a value")?;
                timely_args.extend([arg, v]);
            }
            "--window-ms" => {
                let ms: u64 = value("milliseconds")?
                    .parse()
                    .map_err(|e| format!("--window-ms: {e}"))?;
                if ms == 0 {
                    return Err("--window-ms: a window is at least 1 ms".into());
                }
                options.window = Duration::from_millis(ms);
            }
            "--for" => {
                let secs: f64 = value("seconds")?
                    .parse()
                    .map_err(|e| format!("--for: {e}"))?;
                options.run_for =
                    Some(Duration::try_from_secs_f64(secs).map_err(|e| format!("--for: {e}"))?);
            }
            "--show-lag" => options.show_lag = true,
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}")),
            _ => options.files.push(PathBuf::from(arg)),
        }
    }
    Ok((timely_args, options))
}

/// One report line: the window's start (UTC time of day), its total, and each status's count.
fn report(windows: &TimeWindows, window: u64, counts: &[(u16, u64)]) -> String {
    let ms = windows
        .start_of(window)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let (secs, ms) = (ms / 1000, ms % 1000);
    let (h, m, s) = (secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    let mut line = format!("{h:02}:{m:02}:{s:02}.{ms:03} UTC  {total} requests ");
    for (status, n) in counts {
        line.push_str(&format!(" {status}:{n}"));
    }
    line
}

/// Two logs a thread appends a few synthetic requests to, ten times a second, for `run_for`.
fn demo_logs(run_for: Duration) -> std::io::Result<Vec<PathBuf>> {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("genpipe-window-counts-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let paths = vec![dir.join("a.log"), dir.join("b.log")];
    let mut files = Vec::new();
    for path in &paths {
        files.push(std::fs::File::create(path)?);
    }
    std::thread::spawn(move || {
        let mut requests = genpipe::synth::access_log(7, genpipe::synth::AccessFormat::Common);
        // Past the followers' start: they read what is appended after they open a file.
        std::thread::sleep(Duration::from_millis(300));
        let started = SystemTime::now();
        while started.elapsed().unwrap_or_default() < run_for {
            for (i, file) in files.iter_mut().enumerate() {
                for line in requests.by_ref().take(3 + i) {
                    let _ = writeln!(file, "{line}");
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    Ok(paths)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (timely_args, mut options) = parse_args().map_err(|e| {
        eprintln!("window_counts: {e}");
        std::process::exit(2);
    })?;
    if options.files.is_empty() {
        let run_for = *options.run_for.get_or_insert(Duration::from_secs(5));
        options.files = demo_logs(run_for)?;
    }
    let Options {
        window,
        run_for,
        show_lag,
        files,
    } = options;
    let windows = TimeWindows::new(window);

    let guards = timely::execute_from_args(timely_args.into_iter(), move |worker| {
        let files = files.clone();
        let outcome = worker.dataflow::<u64, _, _>(|scope| {
            let (statuses, outcome) = windowed_source(scope, "statuses", windows, move |shard| {
                // This worker's share of the files, each followed from its current end.
                let mine: Vec<(usize, _)> = files
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| shard.owns(*i))
                    .map(|(i, path)| (i, follow(path)))
                    .collect();
                let stops: Vec<StopToken> = mine.iter().map(|(_, f)| f.stop_token()).collect();
                if let Some(run_for) = run_for {
                    std::thread::spawn(move || {
                        std::thread::sleep(run_for);
                        stops.iter().for_each(StopToken::stop);
                    });
                }
                eprintln!("worker {}: following {} files", shard.index, mine.len());
                multiplex(mine)
                    | map(|tagged: Tagged<usize, Line>| tagged.item)
                    | access_log()
                    | map(|r: AccessRecord| r.status)
            });
            gather_by_time(count_by_key(statuses), move |window, counts| {
                let mut line = report(&windows, window, &counts);
                if show_lag {
                    let end = windows.start_of(window) + windows.width();
                    let lag = SystemTime::now().duration_since(end).unwrap_or_default();
                    line.push_str(&format!("  (+{:.1} ms)", lag.as_secs_f64() * 1e3));
                }
                println!("{line}");
            });
            outcome
        });
        while worker.step_or_park(None) {}
        let mine = outcome.take().and_then(Result::err);
        failures_at_worker_zero(worker, mine)
    })?;
    let mut failed = false;
    for result in guards.join() {
        for (worker, e) in result? {
            eprintln!("worker {worker}: {e}");
            failed = true;
        }
    }
    if failed {
        std::process::exit(1);
    }
    Ok(())
}
