//! loggrep: grep for logs, as a genpipe pipeline.
//!
//! ```text
//! cargo run --release --features cli --bin loggrep -- [OPTIONS] PATTERN [PATH...]
//! cargo run --release --features cli --bin loggrep   # demo on a generated log
//! cargo install --path . --features cli              # or from the registry: --features cli
//! ```
//!
//! PATHs are files or directories (searched recursively; `--glob` picks the file names);
//! `.gz`, `.bz2`, `.zst` and `.xz` files are read transparently; `-` or no PATH reads standard input.
//! Exit status as grep: 0 if a line matched, 1 if none did, 2 on an error.
//!
//! The modules, each importing only those above it in this list: `flags` (the command line,
//! declared once in a table that builds the parser and `--help`), `generate` (the man page and
//! shell completions, from the same table), `types` (file types),
//! `patterns` (the matcher and the highlighter), `inputs` (what to read and how to open it), `output` (printing, colour),
//! `search` (one input's search, context lines), `tail` (`--tail` of several files), and this
//! file (the run, its statistics, the demo).

mod flags;
mod generate;
mod inputs;
mod json;
mod output;
mod patterns;
mod search;
mod tail;
mod types;

use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use genpipe::prelude::*;
use genpipe::synth::{AccessFormat, write_access_log_file};

use flags::{Color, Command, Options, parse_args, usage};
use inputs::{Input, context, inputs};
use json::JsonStats;
use patterns::{highlighter, matcher, replacer};
use search::{Search, Searched, Stopped, search_input};
use tail::follow_many;

#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) files: u64,
    pub(crate) bytes: u64,
    pub(crate) lines: u64,
    pub(crate) matches: u64,
}

pub(crate) fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args.is_empty() {
        return demo();
    }
    match parse_args(args) {
        Ok(Command::Search(options)) => run(&options),
        Ok(Command::Help) => {
            println!("{}", usage());
            ExitCode::SUCCESS
        }
        Ok(Command::Generate(kind)) => {
            print!("{}", generate::generate(&kind));
            ExitCode::SUCCESS
        }
        Ok(Command::TypeList) => {
            print!("{}", types::list());
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!("loggrep {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("loggrep: {msg}");
            eprintln!("try 'loggrep --help'");
            ExitCode::from(2)
        }
    }
}

pub(crate) fn run(o: &Options) -> ExitCode {
    let started = Instant::now();
    let stage = match matcher(o) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("loggrep: {e}");
            return ExitCode::from(2);
        }
    };
    // -m 0 selects nothing: nothing is read, listed or counted (ripgrep and grep).
    if o.max_count == Some(0) && !o.list_files {
        return ExitCode::from(1);
    }
    let mut errors = Vec::new();
    let inputs = inputs(o, &mut errors);
    for e in &errors {
        eprintln!("loggrep: {e}");
    }
    if o.list_files {
        return list_files(&inputs, !errors.is_empty());
    }
    // Names when several inputs are searched, or any was found in a directory (as ripgrep).
    let prefix_names =
        o.with_filename || inputs.len() > 1 || inputs.iter().any(|i| matches!(i, Input::Found(_)));
    let color = match o.color {
        _ if o.json => false,
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal(),
    };
    // The patterns as one regex, for what needs the matches' places (`-o`, colour) or every
    // line matched one by one (context).
    let patterns = if o.only_matching
        || color
        || context(o)
        || o.count_matches
        || o.replace.is_some()
        || o.json
    {
        match highlighter(o) {
            Ok(re) => Some(re),
            Err(e) => {
                eprintln!("loggrep: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        None
    };
    // With -v no part of a selected line matches: nothing to highlight.
    let highlight = patterns
        .as_ref()
        .filter(|_| (o.only_matching || color || o.replace.is_some() || o.json) && !o.invert);
    let context_re = patterns.as_ref().filter(|_| context(o));
    // -r: the groups to expand, from the patterns without -w and -x around them.
    let replacer = match o.replace.as_ref().map(|_| replacer(o)).transpose() {
        Ok(re) => re,
        Err(e) => {
            eprintln!("loggrep: {e}");
            return ExitCode::from(2);
        }
    };
    // With -v the selected lines hold no match: --count-matches counts them, as lines.
    let count_re = patterns.as_ref().filter(|_| o.count_matches && !o.invert);
    let listing = o.files_with_matches || o.files_without_match;
    let limit = match (listing, o.max_count) {
        (true, _) => 1,
        (false, Some(m)) => usize::try_from(m).unwrap_or(usize::MAX),
        (false, None) => usize::MAX,
    };
    if o.follow && inputs.len() > 1 {
        return follow_many(o, &inputs, &stage, highlight, replacer.as_ref(), color);
    }
    let progress = progress_bar(&inputs, o);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let stopped = Cell::new(Stopped::No);
    let mut write_error: Option<std::io::Error> = None;
    let mut stats = Stats::default();
    let mut json_stats = JsonStats::default();
    let mut total = 0u64;
    let mut selected_any = false;
    // --files-without-match: whether a file was listed (a searched file without a line).
    let mut unselected_any = false;
    let mut failed = !errors.is_empty();
    let search = Search {
        stage,
        highlight: highlight.cloned(),
        context_re: context_re.cloned(),
        count_re: count_re.cloned(),
        replacer,
        color,
        prefix_names,
        limit,
        listing,
        split: 1,
    };
    // What one input's search adds to the run; false once output has stopped.
    let mut tally = |searched: Searched, out: &mut std::io::BufWriter<_>| {
        if let (Some(bar), Some(bytes)) = (&progress, searched.read_bytes) {
            bar.inc(bytes);
        }
        if searched.skipped {
            return true;
        }
        if let Some(figures) = &searched.json {
            json_stats.add(figures);
        }
        stats.files += 1;
        stats.bytes += searched.read_bytes.unwrap_or(0);
        stats.lines += searched.lines;
        if let Some(e) = searched.error {
            let _ = out.flush();
            eprintln!("loggrep: {e}");
            failed = true;
        } else {
            selected_any |= searched.selected > 0;
            unselected_any |= searched.selected == 0;
            total += searched.selected;
        }
        if searched.stopped != Stopped::No {
            stopped.set(searched.stopped);
            write_error = write_error.take().or(searched.write_error);
            return false;
        }
        true
    };
    let threads = o.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    // One input: a count or a file list of a large file is cut in parts for the workers.
    let search = Search {
        split: if inputs.len() == 1 { threads } else { 1 },
        ..search
    };
    if threads > 1 && inputs.len() > 1 && !o.follow && !inputs.contains(&Input::Stdin) {
        // Files on `threads` workers, each file's output kept in a buffer of its own and
        // printed in input order: the output of -j1, sooner (ripgrep's --sort path).
        let shared = Arc::new((o.clone(), search));
        let searches = pipe(inputs.clone())
            | par_map(move |input: Input| {
                let (o, search) = &*shared;
                let mut block: Vec<u8> = Vec::new();
                let searched = search_input(o, &input, search, &mut block, false);
                (block, searched)
            })
            .batch(1)
            .workers(threads);
        let mut printed_context = false;
        for (block, mut searched) in searches {
            // Context groups of two files are set apart, as one file's are.
            let apart: &[u8] = if printed_context && searched.printed_context {
                if color {
                    b"\x1b[36m--\x1b[0m\n"
                } else {
                    b"--\n"
                }
            } else {
                b""
            };
            printed_context |= searched.printed_context;
            if searched.stopped == Stopped::No
                && let Err(e) = out.write_all(apart).and_then(|()| out.write_all(&block))
            {
                searched.stopped = Stopped::by(&e);
                searched.write_error = Some(e);
            }
            if !tally(searched, &mut out) {
                break;
            }
        }
    } else {
        let mut printed_context = false;
        for input in &inputs {
            let searched = search_input(o, input, &search, &mut out, printed_context);
            printed_context |= searched.printed_context;
            if !tally(searched, &mut out) {
                break;
            }
        }
    }
    if o.json && stopped.get() == Stopped::No {
        let _ = out.write_all(&json_stats.summary(started.elapsed()));
    }
    if (o.count || o.count_matches) && o.total && stopped.get() == Stopped::No {
        let _ = writeln!(out, "{total}");
    }
    if let Err(e) = out.flush()
        && stopped.get() == Stopped::No
    {
        stopped.set(Stopped::by(&e));
        write_error.get_or_insert(e);
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    stats.matches = total;
    if o.stats {
        print_stats(&stats, started);
    }
    match stopped.get() {
        // The reader has what it wanted (`| head -1`): a quiet success, as ripgrep does.
        Stopped::PipeClosed => return ExitCode::SUCCESS,
        Stopped::WriteFailed => {
            let e = write_error.map(|e| e.to_string()).unwrap_or_default();
            eprintln!("loggrep: write error: {e}");
            return ExitCode::from(2);
        }
        Stopped::No => {}
    }
    // -L selects files, not lines: its status says whether it listed one.
    let selected = if o.files_without_match {
        unselected_any
    } else {
        selected_any
    };
    if failed {
        ExitCode::from(2)
    } else if selected {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `--files`: the files a search would read, one a line, and nothing searched. Exit status 0
/// if there is one, 1 if none, 2 after an error (an unreadable directory).
fn list_files(inputs: &[Input], failed: bool) -> ExitCode {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut any = false;
    for path in inputs.iter().filter_map(Input::path) {
        any = true;
        if let Err(e) = writeln!(out, "{}", path.display()) {
            return if e.kind() == std::io::ErrorKind::BrokenPipe {
                ExitCode::SUCCESS
            } else {
                eprintln!("loggrep: write error: {e}");
                ExitCode::from(2)
            };
        }
    }
    let _ = out.flush();
    match (failed, any) {
        (true, _) => ExitCode::from(2),
        (false, true) => ExitCode::SUCCESS,
        (false, false) => ExitCode::from(1),
    }
}

/// A progress bar on stderr for long runs (over 256 MiB in all), only when stderr is a terminal.
pub(crate) fn progress_bar(inputs: &[Input], o: &Options) -> Option<indicatif::ProgressBar> {
    if o.follow || !std::io::stderr().is_terminal() {
        return None;
    }
    let total: u64 = inputs
        .iter()
        .filter_map(|i| match i {
            Input::File(p) | Input::Found(p) => std::fs::metadata(p).ok().map(|m| m.len()),
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

pub(crate) fn print_stats(stats: &Stats, started: Instant) {
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
pub(crate) fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// No arguments: generate a sample access log once, count its 404s, and say what happened.
pub(crate) fn demo() -> ExitCode {
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
        println!("(try also: -n, -i, -v, -l, -m 5, a regex, --eager, a directory, or a .gz file)");
    }
    let options = Options {
        patterns: vec![b"\" 404 ".to_vec()],
        count: true,
        stats: true,
        paths: vec![path],
        ..Options::default()
    };
    run(&options)
}
