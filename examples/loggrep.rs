//! loggrep: grep for logs, as a genpipe pipeline.
//!
//! ```text
//! cargo run --release --example loggrep -- [OPTIONS] PATTERN [PATH...]
//! cargo run --release --example loggrep            # demo on a generated log
//! ```
//!
//! PATHs are files or directories (searched recursively; `--glob` picks the file names);
//! `.gz` and `.bz2` files are read transparently; `-` or no PATH reads standard input.
//! Exit status as grep: 0 if a line matched, 1 if none did, 2 on an error.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use genpipe::io::{GrepOp, Line, find, follow, grep, lines, lines_mmap, stdin, try_grep_re};
use genpipe::prelude::*;
use genpipe::synth::{AccessFormat, write_access_log_file};

const USAGE: &str = "\
usage: loggrep [OPTIONS] PATTERN [PATH...]
  -c, --count           print the number of matching lines (per file when several)
      --total           with -c: one total for all files
  -i, --ignore-case     match regardless of case
  -v, --invert-match    select the lines that do not match
  -e, --regexp REGEX    PATTERN is a regular expression
  -n, --line-number     prefix each line with its line number
  -H, --with-filename   prefix each line with its file name (default with several files)
      --glob GLOB       in directories, only files whose name matches GLOB (default *)
      --stats           print files, bytes, matches, time, throughput and peak memory to stderr
      --eager           read every line into memory first (to compare memory with the lazy run)
      --mmap            read files through a memory map (they must not change while searched)
      --follow          keep reading a file as it grows (tail -f); Ctrl-C to stop
With no arguments at all: a demo on a generated access log.";

#[derive(Debug, Default)]
struct Options {
    pattern: Option<String>,
    regex: bool,
    count: bool,
    total: bool,
    ignore_case: bool,
    invert: bool,
    line_number: bool,
    with_filename: bool,
    glob: Option<String>,
    stats: bool,
    eager: bool,
    mmap: bool,
    follow: bool,
    paths: Vec<String>,
}

fn parse_args(args: Vec<String>) -> Result<Options, String> {
    let mut o = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-c" | "--count" => o.count = true,
            "--total" => o.total = true,
            "-i" | "--ignore-case" => o.ignore_case = true,
            "-v" | "--invert-match" => o.invert = true,
            "-n" | "--line-number" => o.line_number = true,
            "-H" | "--with-filename" => o.with_filename = true,
            "--stats" => o.stats = true,
            "--eager" => o.eager = true,
            "--mmap" => o.mmap = true,
            "--follow" => o.follow = true,
            "-e" | "--regexp" => {
                o.pattern = Some(args.next().ok_or("-e needs a REGEX")?);
                o.regex = true;
            }
            "--glob" => o.glob = Some(args.next().ok_or("--glob needs a GLOB")?),
            "-h" | "--help" => return Err(String::new()),
            "-" => o.paths.push(arg),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            _ if o.pattern.is_none() => o.pattern = Some(arg),
            _ => o.paths.push(arg),
        }
    }
    if o.pattern.is_none() {
        return Err("missing PATTERN".into());
    }
    Ok(o)
}

fn matcher(o: &Options) -> Result<Stage<GrepOp>, String> {
    let pattern = o.pattern.as_deref().unwrap_or_default();
    let mut stage = if o.regex {
        try_grep_re(pattern).map_err(|e| e.to_string())?
    } else {
        grep(pattern)
    };
    if o.ignore_case {
        stage = stage.try_ignore_case().map_err(|e| e.to_string())?;
    }
    if o.invert {
        stage = stage.invert();
    }
    Ok(stage)
}

/// Where lines come from: files (found under directories) or standard input.
enum Input {
    File(PathBuf),
    Stdin,
}

fn inputs(o: &Options, errors: &mut Vec<String>) -> Vec<Input> {
    if o.paths.is_empty() || o.paths.iter().all(|p| p == "-") {
        return vec![Input::Stdin];
    }
    let glob = o.glob.as_deref().unwrap_or("*");
    let mut files = Vec::new();
    for p in &o.paths {
        if p == "-" {
            files.push(Input::Stdin);
            continue;
        }
        let path = Path::new(p);
        if path.is_dir() {
            let walk = find(path, glob).sorted();
            let report = walk.report();
            files.extend((walk | collect::<Vec<_>>()).into_iter().map(Input::File));
            errors.extend(report.errors());
        } else {
            // Named files are searched whatever their name, as grep does; a missing one
            // reports its error when it is read.
            files.push(Input::File(path.to_path_buf()));
        }
    }
    files
}

#[derive(Default)]
struct Stats {
    files: u64,
    bytes: u64,
    lines: u64,
    matches: u64,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        return demo();
    }
    let options = match parse_args(args) {
        Ok(o) => o,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("loggrep: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    run(&options)
}

fn run(o: &Options) -> ExitCode {
    let started = Instant::now();
    let stage = match matcher(o) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("loggrep: {e}");
            return ExitCode::from(2);
        }
    };
    let mut errors = Vec::new();
    let inputs = inputs(o, &mut errors);
    for e in &errors {
        eprintln!("loggrep: {e}");
    }
    let prefix_names = o.with_filename || inputs.len() > 1;
    let progress = progress_bar(&inputs, o);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut stats = Stats::default();
    let mut total = 0u64;
    let mut failed = !errors.is_empty();

    for input in &inputs {
        let name = match input {
            Input::File(p) => p.display().to_string(),
            Input::Stdin => "(standard input)".to_string(),
        };
        stats.files += 1;
        if let Input::File(p) = input {
            stats.bytes += std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        }
        let mut n = 0u64;
        let mut print = |line: Line| {
            n += 1;
            if o.count {
                return;
            }
            // Output errors (a closed pipe) end the run quietly, as grep does.
            let _ = write_line(
                &mut out,
                prefix_names.then_some(name.as_str()),
                o.line_number,
                &line,
            );
            if o.follow {
                // Each line as it is written, as `tail -f | grep --line-buffered` does.
                let _ = out.flush();
            }
        };
        let source = match input {
            Input::File(_) if o.follow => None,
            // SAFETY: the user asked for a memory map with --mmap, whose help says the files
            // must not change while searched (ripgrep's --mmap has the same contract).
            Input::File(p) if o.mmap => Some(unsafe { lines_mmap(p) }),
            Input::File(p) => Some(lines(p)),
            Input::Stdin => None,
        };
        let (outcome, read) = match (input, source) {
            (Input::File(p), None) => {
                let (source, read) = follow(p).lines_read();
                (source | stage.clone() | for_each(&mut print), read)
            }
            (_, Some(source)) => {
                let (source, read) = source.lines_read();
                let outcome = if o.eager {
                    eager(source, stage.clone(), &mut print)
                } else {
                    source | stage.clone() | for_each(&mut print)
                };
                (outcome, read)
            }
            (Input::Stdin, None) => {
                let (source, read) = stdin().lines_read();
                let outcome = if o.eager {
                    eager(source, stage.clone(), &mut print)
                } else {
                    source | stage.clone() | for_each(&mut print)
                };
                (outcome, read)
            }
        };
        stats.lines += read.load(std::sync::atomic::Ordering::Relaxed);
        if let (Some(bar), Input::File(p)) = (&progress, input) {
            bar.inc(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0));
        }
        if let Err(e) = outcome {
            let _ = out.flush();
            eprintln!("loggrep: {}", with_causes(&e));
            failed = true;
        }
        if o.count && !o.total {
            let _ = if prefix_names {
                writeln!(out, "{name}:{n}")
            } else {
                writeln!(out, "{n}")
            };
        }
        total += n;
    }
    if o.count && o.total {
        let _ = writeln!(out, "{total}");
    }
    let _ = out.flush();
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    stats.matches = total;
    if o.stats {
        print_stats(&stats, started);
    }
    if failed {
        ExitCode::from(2)
    } else if total > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// A progress bar on stderr for long runs (over 256 MiB in all), only when stderr is a terminal.
fn progress_bar(inputs: &[Input], o: &Options) -> Option<indicatif::ProgressBar> {
    if o.follow || !std::io::stderr().is_terminal() {
        return None;
    }
    let total: u64 = inputs
        .iter()
        .filter_map(|i| match i {
            Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Stdin => None,
        })
        .sum();
    if total < 256 << 20 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// The eager version of the same job: every line in memory first, then grep over the `Vec`.
fn eager<S>(
    source: Gen<S>,
    stage: Stage<GrepOp>,
    print: &mut impl FnMut(Line),
) -> genpipe::Result<()>
where
    S: Pull<Item = Line, Return = genpipe::Result<()>>,
{
    let all: Vec<Vec<u8>> = (source.map(|l| l.as_bytes().to_vec()) | collect::<Vec<_>>())?;
    let owned = all.join(&b'\n');
    let again = genpipe::io::lines_from(&owned[..]);
    again | stage | for_each(print)
}

/// `error: cause: cause`, as command-line tools print errors.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

fn write_line(
    out: &mut impl Write,
    name: Option<&str>,
    number: bool,
    line: &Line,
) -> std::io::Result<()> {
    if let Some(name) = name {
        write!(out, "{name}:")?;
    }
    if number {
        write!(out, "{}:", line.line_no())?;
    }
    out.write_all(line.as_bytes())?;
    out.write_all(b"\n")
}

fn print_stats(stats: &Stats, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    let mib = stats.bytes as f64 / (1024.0 * 1024.0);
    eprintln!(
        "loggrep: {} files, {:.1} MiB, {} lines scanned, {} matching lines, {:.3} s, {:.0} MiB/s, peak memory {}",
        stats.files,
        mib,
        stats.lines,
        stats.matches,
        secs,
        if secs > 0.0 { mib / secs } else { 0.0 },
        peak_rss().map_or("unknown".to_string(), |kib| format!(
            "{:.1} MiB",
            kib as f64 / 1024.0
        )),
    );
}

/// The process's peak resident set size in KiB, where the OS says it (Linux: `VmHWM`).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// No arguments: generate a sample access log once, count its 404s, and say what happened.
fn demo() -> ExitCode {
    let dir = std::env::temp_dir().join("genpipe-loggrep-demo");
    let path = dir.join("access-log");
    if !path.exists() {
        let made = std::fs::create_dir_all(&dir)
            .and_then(|()| write_access_log_file(&path, 32 << 20, 2008, AccessFormat::Combined));
        match made {
            Ok(w) => println!(
                "generated {} ({} lines, {} bytes)",
                path.display(),
                w.lines,
                w.bytes
            ),
            Err(e) => {
                eprintln!("loggrep: cannot write the demo log {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    let shown = format!("loggrep --stats -c '\" 404 ' {}", path.display());
    println!("running: {shown}");
    if std::io::stderr().is_terminal() {
        println!("(try also: -n, -i, -v, -e REGEX, --eager, a directory, or a .gz file)");
    }
    let options = Options {
        pattern: Some("\" 404 ".into()),
        count: true,
        stats: true,
        paths: vec![path.display().to_string()],
        ..Options::default()
    };
    run(&options)
}
