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

use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use genpipe::io::{
    GrepOp, Line, Lines, StopToken, follow, grep, lines, lines_from_auto, lines_mmap, try_find,
    try_grep_re,
};
use genpipe::prelude::*;
use genpipe::synth::{AccessFormat, write_access_log_file};

const USAGE: &str = "\
usage: loggrep [OPTIONS] PATTERN [PATH...]
       loggrep [OPTIONS] -e PATTERN... [PATH...]
PATTERN is a regular expression (Rust's regex syntax, on bytes), as ripgrep's is; with -F it is
a fixed string. A pattern with no regex metacharacters is searched as a fixed string either way.
  -e, --regexp PATTERN     a pattern (repeatable: lines matching any of them)
  -F, --fixed-strings      the patterns are fixed strings, not regexes
  -i, --ignore-case        match regardless of case
  -v, --invert-match       select the lines that do not match
  -c, --count              print the number of selected lines (per file when several)
      --total              with -c: one total for all files
  -l, --files-with-matches print only the names of files with a selected line
  -L, --files-without-match print only the names of files without one
  -m, --max-count NUM      stop reading a file after NUM selected lines
  -A, --after-context NUM  print NUM lines after each selected line
  -B, --before-context NUM print NUM lines before each selected line
  -C, --context NUM        both; groups that are not adjacent are separated by --
  -n, --line-number        prefix each line with its line number
  -o, --only-matching      print only the matched parts, each on a line of its own
      --color WHEN         highlight matches, file names and line numbers: auto (on a
                           terminal, the default), always or never
  -H, --with-filename      prefix each line with its file name (default with several files)
      --glob GLOB          in directories, only files whose name matches GLOB (default *)
      --hidden             in directories, search hidden files and directories too
      --stats              print files, bytes, matches, time, throughput and peak memory to stderr
      --eager              read every line into memory first (to compare memory with the lazy run)
  -j, --threads N          files searched at once (default: one per core; -j1 one at a time);
                           the output is the same, each file's block in input order
      --mmap               read files through a memory map (they must not change while searched)
      --follow             keep reading the files as they grow (tail -f): several files are
                           followed at once, each line prefixed with its file name; Ctrl-C to
                           stop
  -h, --help               print this help
PATHs are files or directories (searched recursively, hidden entries skipped); .gz, .bz2,
.zst and .xz files are read transparently; - or no PATH reads standard input (compressed or
not). Binary files (a NUL byte in the first 64 KiB) found in directories are skipped; named
ones print 'binary file matches' instead of their lines. Lines are printed byte for byte (a CRLF line keeps its CR). Exit status: 0 if a line was selected, 1 if none was, 2 on an
error (a missing file, a bad pattern, a write error); a closed output pipe ends the run with 0.
With no arguments at all: a demo on a generated access log.";

#[derive(Clone, Debug, Default)]
struct Options {
    patterns: Vec<Vec<u8>>,
    fixed: bool,
    count: bool,
    total: bool,
    ignore_case: bool,
    invert: bool,
    files_with_matches: bool,
    files_without_match: bool,
    max_count: Option<u64>,
    after: usize,
    before: usize,
    line_number: bool,
    only_matching: bool,
    color: Color,
    with_filename: bool,
    glob: Option<String>,
    hidden: bool,
    stats: bool,
    eager: bool,
    mmap: bool,
    follow: bool,
    /// -j: files searched at once (`None`: one per core).
    threads: Option<usize>,
    paths: Vec<PathBuf>,
}

/// When to colour the output.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

/// What the command line asks for: a search, or the help text.
enum Command {
    Search(Options),
    Help,
}

/// An argument as bytes: patterns may be any bytes (Unix), not only UTF-8.
fn arg_bytes(arg: std::ffi::OsString) -> Result<Vec<u8>, String> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Ok(arg.into_vec())
    }
    #[cfg(not(unix))]
    {
        arg.into_string()
            .map(String::into_bytes)
            .map_err(|a| format!("the argument {a:?} is not valid Unicode"))
    }
}

fn parse_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Command, String> {
    use lexopt::prelude::*;
    let mut o = Options::default();
    let mut positional: Vec<std::ffi::OsString> = Vec::new();
    let mut parser = lexopt::Parser::from_args(args);
    let bad = |e: lexopt::Error| e.to_string();
    while let Some(arg) = parser.next().map_err(bad)? {
        match arg {
            Short('e') | Long("regexp") => {
                o.patterns.push(arg_bytes(parser.value().map_err(bad)?)?)
            }
            Short('F') | Long("fixed-strings") => o.fixed = true,
            Short('c') | Long("count") => o.count = true,
            Long("total") => o.total = true,
            Short('i') | Long("ignore-case") => o.ignore_case = true,
            Short('v') | Long("invert-match") => o.invert = true,
            Short('l') | Long("files-with-matches") => o.files_with_matches = true,
            Short('L') | Long("files-without-match") => o.files_without_match = true,
            Short('m') | Long("max-count") => {
                let n = parser.value().map_err(bad)?;
                o.max_count = Some(
                    n.parse()
                        .map_err(|_| format!("-m needs a number, not {n:?}"))?,
                );
            }
            Short('A') | Long("after-context") => o.after = number(&mut parser, "-A")?,
            Short('B') | Long("before-context") => o.before = number(&mut parser, "-B")?,
            Short('C') | Long("context") => {
                let n = number(&mut parser, "-C")?;
                (o.after, o.before) = (n, n);
            }
            Short('n') | Long("line-number") => o.line_number = true,
            Short('o') | Long("only-matching") => o.only_matching = true,
            Long("color") | Long("colour") => {
                let when = parser.value().map_err(bad)?;
                o.color = match when.to_str() {
                    Some("auto") => Color::Auto,
                    Some("always") => Color::Always,
                    Some("never") => Color::Never,
                    _ => return Err(format!("--color takes auto, always or never, not {when:?}")),
                };
            }
            Short('H') | Long("with-filename") => o.with_filename = true,
            Long("glob") => {
                let glob = parser.value().map_err(bad)?;
                o.glob = Some(
                    glob.into_string()
                        .map_err(|g| format!("--glob {g:?} is not valid Unicode"))?,
                );
            }
            Long("hidden") => o.hidden = true,
            Long("stats") => o.stats = true,
            Long("eager") => o.eager = true,
            Long("mmap") => o.mmap = true,
            Long("follow") => o.follow = true,
            Short('j') | Long("threads") => {
                // 0, as in ripgrep: one per core.
                o.threads = Some(number(&mut parser, "-j")?).filter(|&n| n > 0);
            }
            Short('h') | Long("help") => return Ok(Command::Help),
            Value(v) => positional.push(v),
            _ => return Err(arg.unexpected().to_string()),
        }
    }
    let mut positional = positional.into_iter();
    if o.patterns.is_empty() {
        let pattern = positional.next().ok_or("missing PATTERN")?;
        o.patterns.push(arg_bytes(pattern)?);
    }
    o.paths = positional.map(PathBuf::from).collect();
    if o.patterns.iter().any(|p| p.contains(&b'\n')) {
        return Err(
            "a pattern contains a line end, which no line does; give each pattern with -e".into(),
        );
    }
    if o.follow && (o.count || o.files_with_matches || o.files_without_match) {
        return Err(
            "--follow prints lines as they come; it cannot be combined with -c, -l or -L".into(),
        );
    }
    if o.files_with_matches && o.files_without_match {
        return Err("-l and -L cannot be combined".into());
    }
    Ok(Command::Search(o))
}

/// The number an option takes.
fn number(parser: &mut lexopt::Parser, flag: &str) -> Result<usize, String> {
    let value = parser.value().map_err(|e| e.to_string())?;
    value
        .to_str()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{flag} needs a number, not {value:?}"))
}

/// Whether `pattern` means the same as a regex and as a fixed string: no metacharacter in
/// its text (bytes that are not UTF-8 stand for themselves).
fn is_plain(pattern: &[u8]) -> bool {
    pattern
        .utf8_chunks()
        .all(|chunk| regex::escape(chunk.valid()) == chunk.valid())
}

/// The patterns as one regex: what `-o` prints and `--color` highlights.
fn highlighter(o: &Options) -> Result<regex::bytes::Regex, String> {
    let plain = o.fixed || o.patterns.iter().all(|p| is_plain(p));
    let mut alternatives = Vec::with_capacity(o.patterns.len());
    for p in &o.patterns {
        alternatives.push(if plain {
            fixed_pattern(p)
        } else {
            format!("(?:{})", std::str::from_utf8(p).map_err(|e| e.to_string())?)
        });
    }
    regex::bytes::RegexBuilder::new(&alternatives.join("|"))
        .case_insensitive(o.ignore_case)
        .build()
        .map_err(|e| e.to_string())
}

fn matcher(o: &Options) -> Result<Stage<GrepOp>, String> {
    let plain = o.fixed || o.patterns.iter().all(|p| is_plain(p));
    let mut stage = match o.patterns.as_slice() {
        // One fixed string: the buffer-wide literal search.
        [pattern] if plain => grep(pattern),
        patterns => {
            let mut alternatives = Vec::with_capacity(patterns.len());
            for p in patterns {
                alternatives.push(if plain {
                    // Bytes that are not UTF-8 are matched as themselves.
                    fixed_pattern(p)
                } else {
                    let p = std::str::from_utf8(p).map_err(|_| {
                        "a regex pattern must be valid UTF-8; give a byte string with -F"
                            .to_string()
                    })?;
                    format!("(?:{p})")
                });
            }
            try_grep_re(&alternatives.join("|")).map_err(|e| e.to_string())?
        }
    };
    if o.ignore_case {
        stage = stage.try_ignore_case().map_err(|e| e.to_string())?;
    }
    if o.invert {
        stage = stage.invert();
    }
    Ok(stage)
}

/// A regex that matches exactly `literal`'s bytes.
fn fixed_pattern(literal: &[u8]) -> String {
    let mut pattern = String::new();
    for chunk in literal.utf8_chunks() {
        pattern.push_str(&regex::escape(chunk.valid()));
        for byte in chunk.invalid() {
            pattern.push_str(&format!("(?-u:\\x{byte:02X})"));
        }
    }
    pattern
}

/// Where lines come from: files (named, or found under directories) or standard input.
#[derive(Clone, PartialEq, Eq)]
enum Input {
    File(PathBuf),
    /// Found in a directory walk: skipped if it is binary, as ripgrep does.
    Found(PathBuf),
    Stdin,
}

impl Input {
    fn path(&self) -> Option<&Path> {
        match self {
            Input::File(p) | Input::Found(p) => Some(p),
            Input::Stdin => None,
        }
    }
}

/// Where a NUL byte is in the first block of the plain file `path`, if there is one:
/// ripgrep's sign of a binary file (compressed files are not checked).
fn binary_offset(path: &Path) -> Option<u64> {
    if matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("gz" | "bz2" | "zst" | "xz")
    ) {
        return None;
    }
    let mut head = vec![0u8; 64 << 10];
    let mut file = std::fs::File::open(path).ok()?;
    let mut filled = 0;
    while filled < head.len() {
        match std::io::Read::read(&mut file, &mut head[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    memchr::memchr(0, &head[..filled]).map(|i| i as u64)
}

fn inputs(o: &Options, errors: &mut Vec<String>) -> Vec<Input> {
    let glob = o.glob.as_deref().unwrap_or("*");
    if o.paths.is_empty() {
        return vec![Input::Stdin];
    }
    let mut files = Vec::new();
    for path in &o.paths {
        if path.as_os_str() == "-" {
            files.push(Input::Stdin);
            continue;
        }
        if path.is_dir() {
            let walk = match try_find(path, glob) {
                Ok(walk) => walk.sorted(),
                Err(e) => {
                    errors.push(format!("--glob {glob:?}: {e}"));
                    continue;
                }
            };
            let walk = if o.hidden { walk } else { walk.skip_hidden() };
            let report = walk.report();
            files.extend((walk | collect::<Vec<_>>()).into_iter().map(Input::Found));
            errors.extend(report.errors().into_iter().map(|e| e.to_string()));
        } else {
            // Named files are searched whatever their name, as grep does; a missing one
            // reports its error when it is read.
            files.push(Input::File(path.clone()));
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
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args.is_empty() {
        return demo();
    }
    match parse_args(args) {
        Ok(Command::Search(options)) => run(&options),
        Ok(Command::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("loggrep: {msg}");
            eprintln!("try 'loggrep --help'");
            ExitCode::from(2)
        }
    }
}

/// The lines of one input, as one type whatever they come from (a dynamic call per pull, paid
/// only for the lines `grep` hands on: it searches the source's buffer itself).
type Source = BoxGen<'static, Line, genpipe::Result<()>>;

/// Opens `input` as `o` asks; the counter holds the lines read once the source is dropped, and
/// a `--follow` source comes with its stop token.
///
/// A binary file's source keeps at most 1 MiB for a line: binary data may have no line end for
/// gigabytes.
fn open_input(
    o: &Options,
    input: &Input,
    binary: bool,
) -> (Source, Arc<AtomicU64>, Option<StopToken>) {
    let max_line = if binary {
        1 << 20
    } else {
        genpipe::io::DEFAULT_MAX_LINE_BYTES
    };
    let mut stop = None;
    let (source, read) = match input {
        Input::File(p) | Input::Found(p) if o.follow => {
            let tail = numbering(o, follow(p).keep_cr());
            stop = Some(tail.stop_token());
            let (source, read) = tail.lines_read();
            (source.boxed(), read)
        }
        // SAFETY: the user asked for a memory map with --mmap, whose help says the files must
        // not change while searched (ripgrep's --mmap has the same contract).
        Input::File(p) | Input::Found(p) if o.mmap => {
            let source = unsafe { lines_mmap(p) }.keep_cr().max_line_bytes(max_line);
            let (source, read) = numbering(o, source).lines_read();
            (source.boxed(), read)
        }
        Input::File(p) | Input::Found(p) => {
            let source = lines(p).keep_cr().max_line_bytes(max_line);
            let (source, read) = numbering(o, source).lines_read();
            (source.boxed(), read)
        }
        // No name to go by: compressed input is told by its first bytes.
        Input::Stdin => {
            let source = lines_from_auto(std::io::stdin()).keep_cr();
            let (source, read) = numbering(o, source).lines_read();
            (source.boxed(), read)
        }
    };
    if o.eager {
        return (eager(source), read, stop);
    }
    (source, read, stop)
}

fn numbering<R: std::io::Read>(o: &Options, source: Gen<Lines<R>>) -> Gen<Lines<R>> {
    if numbered(o) {
        source
    } else {
        source.unnumbered()
    }
}

/// Whether lines need their numbers: for `-n`, and for `--stats` (lines scanned). Without
/// them grep skips counting the line ends of text that does not match.
fn numbered(o: &Options) -> bool {
    o.line_number || o.stats || context(o)
}

/// Whether lines around the selected ones are printed (context tells groups apart by number).
fn context(o: &Options) -> bool {
    (o.before > 0 || o.after > 0) && !o.count && !o.files_with_matches && !o.files_without_match
}

/// The eager version of the same source: every line read into memory first (to compare memory
/// with the lazy run), then split again. A read error is kept for the end.
fn eager(source: Source) -> Source {
    let mut all = Vec::new();
    let mut source = source;
    for line in &mut source {
        all.extend_from_slice(line.as_bytes());
        all.push(b'\n');
    }
    let outcome = source.finish();
    let again = genpipe::io::lines_from(std::io::Cursor::new(all)).keep_cr();
    match outcome {
        Ok(()) => again.boxed(),
        Err(e) => again.map_err(move |_| e.clone()).boxed(),
    }
}

/// Why output stopped: the reader went away (a closed pipe), or writing failed.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Stopped {
    #[default]
    No,
    PipeClosed,
    WriteFailed,
}

impl Stopped {
    /// Why a write failed: the reader left, or something else.
    fn by(e: &std::io::Error) -> Stopped {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Stopped::PipeClosed
        } else {
            Stopped::WriteFailed
        }
    }
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
    let color = match o.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal(),
    };
    // The patterns as one regex, for what needs the matches' places (`-o`, colour) or every
    // line matched one by one (context).
    let patterns = if o.only_matching || color || context(o) {
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
        .filter(|_| (o.only_matching || color) && !o.invert);
    let context_re = patterns.as_ref().filter(|_| context(o));
    let listing = o.files_with_matches || o.files_without_match;
    let limit = match (listing, o.max_count) {
        (true, _) => 1,
        (false, Some(m)) => usize::try_from(m).unwrap_or(usize::MAX),
        (false, None) => usize::MAX,
    };
    if o.follow && inputs.len() > 1 {
        return follow_many(o, &inputs, &stage, highlight, color);
    }
    let progress = progress_bar(&inputs, o);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let stopped = Cell::new(Stopped::No);
    let mut write_error: Option<std::io::Error> = None;
    let mut stats = Stats::default();
    let mut total = 0u64;
    let mut selected_any = false;
    let mut failed = !errors.is_empty();
    let search = Search {
        stage,
        highlight: highlight.cloned(),
        context_re: context_re.cloned(),
        color,
        prefix_names,
        limit,
        listing,
    };
    // What one input's search adds to the run; false once output has stopped.
    let mut tally = |searched: Searched, out: &mut std::io::BufWriter<_>| {
        if let (Some(bar), Some(bytes)) = (&progress, searched.read_bytes) {
            bar.inc(bytes);
        }
        if searched.skipped {
            return true;
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
    if threads > 1 && inputs.len() > 1 && !o.follow && !inputs.contains(&Input::Stdin) {
        // Files on `threads` workers, each file's output kept in a buffer of its own and
        // printed in input order: the output of -j1, sooner (ripgrep's --sort path).
        let shared = Arc::new((o.clone(), search));
        let searches = pipe(inputs.clone())
            | par_map(move |input: Input| {
                let (o, search) = &*shared;
                let mut block: Vec<u8> = Vec::new();
                let searched = search_input(o, &input, search, &mut block);
                (block, searched)
            })
            .batch(1)
            .workers(threads);
        for (block, mut searched) in searches {
            if searched.stopped == Stopped::No
                && let Err(e) = out.write_all(&block)
            {
                searched.stopped = Stopped::by(&e);
                searched.write_error = Some(e);
            }
            if !tally(searched, &mut out) {
                break;
            }
        }
    } else {
        for input in &inputs {
            let searched = search_input(o, input, &search, &mut out);
            if !tally(searched, &mut out) {
                break;
            }
        }
    }
    if o.count && o.total && stopped.get() == Stopped::No {
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
        inputs.len() > usize::from(selected_any) && !failed
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

/// What every input's search shares, read-only: parallel searches share one.
struct Search {
    stage: Stage<GrepOp>,
    /// The patterns, for `-o` and colour.
    highlight: Option<regex::bytes::Regex>,
    /// The patterns, for context lines.
    context_re: Option<regex::bytes::Regex>,
    color: bool,
    prefix_names: bool,
    /// Selected lines per input at most (-m; 1 for -l and -L).
    limit: usize,
    listing: bool,
}

/// One input's search: its output went to the writer it was given; this is the rest.
#[derive(Default)]
struct Searched {
    /// A binary file found in a walk: not searched, not counted.
    skipped: bool,
    /// The file's size, when it is a file.
    read_bytes: Option<u64>,
    selected: u64,
    lines: u64,
    /// The error that ended the input, with its causes (it has no count line).
    error: Option<String>,
    stopped: Stopped,
    write_error: Option<std::io::Error>,
}

/// Searches `input`, writing its lines and its summary (count, name, binary notice) to `out`.
fn search_input(o: &Options, input: &Input, search: &Search, out: &mut impl Write) -> Searched {
    let Search {
        stage,
        highlight,
        context_re,
        color,
        prefix_names,
        limit,
        listing,
    } = search;
    let (color, prefix_names, limit, listing) = (*color, *prefix_names, *limit, *listing);
    let highlight = highlight.as_ref();
    let context_re = context_re.as_ref();
    let stopped = Cell::new(Stopped::No);
    let mut write_error: Option<std::io::Error> = None;
    let mut searched = Searched {
        read_bytes: input
            .path()
            .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)),
        ..Searched::default()
    };
    let name = match input.path() {
        Some(p) => p.display().to_string(),
        None => "(standard input)".to_string(),
    };
    // Binary files (a NUL in the first block), as ripgrep treats them: skipped when found
    // in a walk; searched when named, with one "binary file matches" line instead of lines.
    let binary = input.path().filter(|_| !o.follow).and_then(binary_offset);
    if binary.is_some() && matches!(input, Input::Found(_)) {
        searched.skipped = true;
        return searched;
    }
    let printer = Printer {
        name: prefix_names.then_some(name.as_str()),
        number: o.line_number,
        sep: b':',
        only_matching: o.only_matching,
        highlight,
        color,
    };
    let mut n = 0u64;
    let mut print = |line: Line| {
        n += 1;
        // With -v no part of a line matched: `-o -v` prints nothing, as grep does.
        if o.count || listing || binary.is_some() || (o.only_matching && o.invert) {
            return;
        }
        let mut written = printer.line(out, &line);
        if o.follow && written.is_ok() {
            // Each line as it is written, as `tail -f | grep --line-buffered` does.
            written = out.flush();
        }
        if let Err(e) = written {
            stopped.set(Stopped::by(&e));
            write_error.get_or_insert(e);
        }
    };
    let (source, read, stop) = open_input(o, input, binary.is_some());
    // An idle follow writes nothing, so it would learn of a closed pipe only at its next
    // line: the watcher ends it as soon as the reader goes.
    let output_closed = stop.map(|stop| stop_when_output_closes(vec![stop]));
    // A binary file needs only to know whether a line matches (unless counting): its
    // search stops at the first match, or at a "line" over 1 MiB.
    let limit = if binary.is_some() && !o.count {
        1
    } else {
        limit
    };
    // `take` for -m, -l, -L and binary files; `take_while` ends the pipeline (and the
    // reading) at once when output has stopped.
    let selected = stage
        .clone()
        .take(limit)
        .take_while(|_| stopped.get() == Stopped::No);
    let mut outcome = if let (None, Some(re)) = (binary, context_re) {
        let (outcome, selected) = with_context(
            o,
            source,
            re,
            &printer,
            out,
            &stopped,
            limit,
            &mut write_error,
        );
        n = selected;
        outcome
    } else {
        source | selected | for_each(&mut print)
    };
    if output_closed.is_some_and(|closed| closed.load(Ordering::Relaxed)) {
        stopped.set(Stopped::PipeClosed);
    }
    if binary.is_some()
        && let Err(genpipe::Error::LineTooLong { .. }) = outcome
    {
        // Binary data without line ends: not an error, the search just ends there.
        outcome = Ok(());
    }
    searched.lines = read.load(Ordering::Relaxed);
    searched.stopped = stopped.get();
    searched.write_error = write_error;
    if let Err(e) = outcome {
        // A file that could not be read has no count to print.
        searched.error = Some(with_causes(&e));
        return searched;
    }
    searched.selected = n;
    let listed = match (o.files_with_matches, o.files_without_match) {
        (true, _) => n > 0,
        (_, true) => n == 0,
        _ => false,
    };
    let summary = if listed {
        writeln!(out, "{name}")
    } else if let (Some(offset), true, false) = (binary, n > 0, o.count || listing) {
        writeln!(
            out,
            "{name}: binary file matches (found \"\\0\" byte around offset {offset})"
        )
    } else if o.count && !o.total && !listing {
        if prefix_names {
            writeln!(out, "{name}:{n}")
        } else {
            writeln!(out, "{n}")
        }
    } else {
        Ok(())
    };
    if let Err(e) = summary
        && searched.stopped == Stopped::No
    {
        searched.stopped = Stopped::by(&e);
        searched.write_error = Some(e);
    }
    searched
}

/// A progress bar on stderr for long runs (over 256 MiB in all), only when stderr is a terminal.
fn progress_bar(inputs: &[Input], o: &Options) -> Option<indicatif::ProgressBar> {
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

/// Stops `stops` as soon as standard output's reader has gone (`--follow | head -1`), and says
/// so in the flag returned. A pipe whose reader closed reports an error condition to epoll with
/// no event asked for, so the watcher thread sleeps in the poller and costs nothing meanwhile.
/// Output to a file or a terminal cannot close that way: no watcher then.
fn stop_when_output_closes(stops: Vec<StopToken>) -> Arc<AtomicBool> {
    use std::os::fd::AsFd;
    let closed = Arc::new(AtomicBool::new(false));
    let Ok(poller) = polling::Poller::new() else {
        return closed;
    };
    let Ok(stdout) = std::io::stdout().as_fd().try_clone_to_owned() else {
        return closed;
    };
    let stdout = std::fs::File::from(stdout);
    if !stdout
        .metadata()
        .is_ok_and(|m| std::os::unix::fs::FileTypeExt::is_fifo(&m.file_type()))
    {
        return closed;
    }
    // SAFETY: `stdout` is a duplicate of the descriptor owned by this function, moved into the
    // watcher with the poller and deleted from it before either is dropped; no other thread or
    // caller holds it, so none can close it while it is registered.
    if unsafe { poller.add(&stdout, polling::Event::none(0)) }.is_err() {
        return closed;
    }
    let flag = Arc::clone(&closed);
    std::thread::spawn(move || {
        let mut events = polling::Events::new();
        // No interest was registered: the only event is the error of a closed pipe (or of
        // the descriptor going bad), whichever the reader's exit causes.
        while events.is_empty() {
            if poller.wait(&mut events, None).is_err() {
                break;
            }
        }
        let _ = poller.delete(&stdout);
        if !events.is_empty() {
            flag.store(true, Ordering::Relaxed);
            for stop in &stops {
                stop.stop();
            }
        }
    });
    closed
}

/// What a follower thread of [`follow_many`] sends: a selected line of file `.0`, or the error
/// that ended its follow.
enum Followed {
    Line(usize, Line),
    Failed(genpipe::Error),
}

/// `--follow` with several files, as `tail -f` does: each file followed on its own thread, the
/// selected lines printed as they come, each prefixed with its file's name. Runs until every
/// follow has ended (a missing file ends at once) or the output stops (a closed pipe ends all of
/// them within one poll).
fn follow_many(
    o: &Options,
    inputs: &[Input],
    stage: &Stage<GrepOp>,
    highlight: Option<&regex::bytes::Regex>,
    color: bool,
) -> ExitCode {
    let Some(paths) = inputs.iter().map(Input::path).collect::<Option<Vec<_>>>() else {
        eprintln!("loggrep: --follow with several inputs follows files, not standard input");
        return ExitCode::from(2);
    };
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let limit = o
        .max_count
        .map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(usize::MAX));
    let tails: Vec<_> = paths
        .iter()
        .map(|p| numbering(o, follow(p).keep_cr()))
        .collect();
    let stops: Vec<_> = tails.iter().map(|t| t.stop_token()).collect();
    let output_closed = stop_when_output_closes(stops.clone());
    let (tx, rx) = std::sync::mpsc::sync_channel::<Followed>(1024);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut stopped = Stopped::No;
    let mut write_error = None;
    let (mut selected, mut failed) = (false, false);
    std::thread::scope(|scope| {
        for (i, tail) in tails.into_iter().enumerate() {
            let tx = tx.clone();
            let stage = stage.clone().take(limit);
            scope.spawn(move || {
                let sent = tail
                    | stage
                    | for_each(|line| {
                        // The receiver is gone only once the output has stopped, and then every
                        // follow is being stopped too.
                        let _ = tx.send(Followed::Line(i, line));
                    });
                if let Err(e) = sent {
                    let _ = tx.send(Followed::Failed(e));
                }
            });
        }
        drop(tx);
        for message in &rx {
            match message {
                Followed::Line(i, line) => {
                    selected = true;
                    let printer = Printer {
                        name: Some(&names[i]),
                        number: o.line_number,
                        sep: b':',
                        only_matching: o.only_matching,
                        highlight,
                        color,
                    };
                    if let Err(e) = printer.line(&mut out, &line).and_then(|()| out.flush()) {
                        stopped = Stopped::by(&e);
                        write_error = Some(e);
                        break;
                    }
                }
                Followed::Failed(e) => {
                    eprintln!("loggrep: {}", with_causes(&e));
                    failed = true;
                }
            }
        }
        // Ends the followers still running (within one poll); the scope joins them.
        for stop in &stops {
            stop.stop();
        }
        drop(rx);
    });
    if output_closed.load(Ordering::Relaxed) {
        stopped = Stopped::PipeClosed;
    }
    match stopped {
        Stopped::PipeClosed => ExitCode::SUCCESS,
        Stopped::WriteFailed => {
            let e = write_error.map(|e| e.to_string()).unwrap_or_default();
            eprintln!("loggrep: write error: {e}");
            ExitCode::from(2)
        }
        Stopped::No if failed => ExitCode::from(2),
        Stopped::No if selected => ExitCode::SUCCESS,
        Stopped::No => ExitCode::from(1),
    }
}

/// The selected lines of `source` with `o.before` lines before and `o.after` after each, groups
/// that are not adjacent separated by `--`, as grep prints them; at most `limit` selected lines.
/// Returns the source's outcome and the number of selected lines.
#[allow(clippy::too_many_arguments)]
fn with_context(
    o: &Options,
    source: Source,
    re: &regex::bytes::Regex,
    printer: &Printer<'_>,
    out: &mut impl Write,
    stopped: &Cell<Stopped>,
    limit: usize,
    write_error: &mut Option<std::io::Error>,
) -> (genpipe::Result<()>, u64) {
    let context = Printer {
        sep: b'-',
        ..*printer
    };
    let mut before: std::collections::VecDeque<Line> = std::collections::VecDeque::new();
    let mut after_left = 0usize;
    let mut selected = 0usize;
    let mut last_printed: Option<u64> = None;
    let mut note = |result: std::io::Result<()>| {
        if let Err(e) = result {
            stopped.set(Stopped::by(&e));
            write_error.get_or_insert(e);
        }
    };
    let mut each = |line: Line| {
        if selected >= limit && after_left == 0 {
            return false;
        }
        let no = line.line_no();
        if re.is_match(line.as_bytes()) != o.invert && selected < limit {
            let first = before.front().map_or(no, Line::line_no);
            if last_printed.is_some_and(|last| first > last + 1) {
                let sep: &[u8] = if printer.color {
                    b"\x1b[36m--\x1b[0m\n"
                } else {
                    b"--\n"
                };
                note(out.write_all(sep));
            }
            for l in before.drain(..) {
                note(context.line(out, &l));
            }
            note(printer.line(out, &line));
            selected += 1;
            after_left = o.after;
            last_printed = Some(no);
        } else if after_left > 0 {
            note(context.line(out, &line));
            after_left -= 1;
            last_printed = Some(no);
        } else if o.before > 0 {
            if before.len() == o.before {
                before.pop_front();
            }
            before.push_back(line);
        }
        stopped.get() == Stopped::No
    };
    let outcome = source.take_while(|line| each(line.clone())) | for_each(drop);
    (outcome, selected as u64)
}

/// How selected lines are printed.
struct Printer<'a> {
    name: Option<&'a str>,
    number: bool,
    /// After the name and the number: `:` for a selected line, `-` for a context line.
    sep: u8,
    /// `-o`: only the matches, each on its own line.
    only_matching: bool,
    /// The patterns, for `-o` and colour; `None` when neither is asked for.
    highlight: Option<&'a regex::bytes::Regex>,
    color: bool,
}

// grep's default colours: file names magenta, line numbers green, separators cyan, matches
// bold red.
const NAME: &[u8] = b"\x1b[35m";
const NUMBER: &[u8] = b"\x1b[32m";
const SEPARATOR: &[u8] = b"\x1b[36m";
const MATCH: &[u8] = b"\x1b[1;31m";
const RESET: &[u8] = b"\x1b[0m";

impl Printer<'_> {
    fn prefix(&self, out: &mut impl Write, line_no: u64) -> std::io::Result<()> {
        let paint = |out: &mut dyn Write, code: &[u8], text: &[u8]| -> std::io::Result<()> {
            if self.color {
                out.write_all(code)?;
                out.write_all(text)?;
                out.write_all(RESET)?;
                out.write_all(SEPARATOR)?;
                out.write_all(&[self.sep])?;
                out.write_all(RESET)
            } else {
                out.write_all(text)?;
                out.write_all(&[self.sep])
            }
        };
        if let Some(name) = self.name {
            paint(out, NAME, name.as_bytes())?;
        }
        if self.number {
            paint(out, NUMBER, line_no.to_string().as_bytes())?;
        }
        Ok(())
    }

    fn line(&self, out: &mut impl Write, line: &Line) -> std::io::Result<()> {
        let bytes = line.as_bytes();
        match self.highlight {
            Some(re) if self.only_matching => {
                for m in re.find_iter(bytes).filter(|m| !m.is_empty()) {
                    self.prefix(out, line.line_no())?;
                    self.paint_match(out, m.as_bytes())?;
                    out.write_all(b"\n")?;
                }
                Ok(())
            }
            Some(re) if self.color => {
                self.prefix(out, line.line_no())?;
                let mut at = 0;
                for m in re.find_iter(bytes).filter(|m| !m.is_empty()) {
                    out.write_all(&bytes[at..m.start()])?;
                    self.paint_match(out, m.as_bytes())?;
                    at = m.end();
                }
                out.write_all(&bytes[at..])?;
                out.write_all(b"\n")
            }
            _ => {
                self.prefix(out, line.line_no())?;
                out.write_all(bytes)?;
                out.write_all(b"\n")
            }
        }
    }

    fn paint_match(&self, out: &mut impl Write, text: &[u8]) -> std::io::Result<()> {
        if self.color {
            out.write_all(MATCH)?;
            out.write_all(text)?;
            out.write_all(RESET)
        } else {
            out.write_all(text)
        }
    }
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
