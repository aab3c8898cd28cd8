//! The command line: what loggrep is asked to do.

use std::path::PathBuf;

pub(crate) const USAGE: &str = "\
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
pub(crate) struct Options {
    pub(crate) patterns: Vec<Vec<u8>>,
    pub(crate) fixed: bool,
    pub(crate) count: bool,
    pub(crate) total: bool,
    pub(crate) ignore_case: bool,
    pub(crate) invert: bool,
    pub(crate) files_with_matches: bool,
    pub(crate) files_without_match: bool,
    pub(crate) max_count: Option<u64>,
    pub(crate) after: usize,
    pub(crate) before: usize,
    pub(crate) line_number: bool,
    pub(crate) only_matching: bool,
    pub(crate) color: Color,
    pub(crate) with_filename: bool,
    pub(crate) glob: Option<String>,
    pub(crate) hidden: bool,
    pub(crate) stats: bool,
    pub(crate) eager: bool,
    pub(crate) mmap: bool,
    pub(crate) follow: bool,
    /// -j: files searched at once (`None`: one per core).
    pub(crate) threads: Option<usize>,
    pub(crate) paths: Vec<PathBuf>,
}

/// When to colour the output.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

/// What the command line asks for: a search, or the help text.
pub(crate) enum Command {
    Search(Options),
    Help,
}

/// An argument as bytes: patterns may be any bytes (Unix), not only UTF-8.
pub(crate) fn arg_bytes(arg: std::ffi::OsString) -> Result<Vec<u8>, String> {
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

pub(crate) fn parse_args(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Result<Command, String> {
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
pub(crate) fn number(parser: &mut lexopt::Parser, flag: &str) -> Result<usize, String> {
    let value = parser.value().map_err(|e| e.to_string())?;
    value
        .to_str()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{flag} needs a number, not {value:?}"))
}
