//! The command line: what loggrep is asked to do. Every flag is declared once, in [`FLAGS`]:
//! its names, the value it takes and its help line. The parser looks flags up there and
//! `--help` is printed from it, so the two cannot disagree (ripgrep's `flags/defs.rs`, at
//! loggrep's size).

use std::ffi::OsString;
use std::path::PathBuf;

/// One flag of the command line.
pub(crate) struct Flag {
    pub(crate) short: Option<char>,
    pub(crate) long: &'static str,
    /// The name of the value it takes (`NUM`), if it takes one.
    pub(crate) value: Option<&'static str>,
    pub(crate) help: &'static str,
}

const fn flag(
    short: Option<char>,
    long: &'static str,
    value: Option<&'static str>,
    help: &'static str,
) -> Flag {
    Flag {
        short,
        long,
        value,
        help,
    }
}

/// Every flag, in the order `--help` shows them.
pub(crate) const FLAGS: &[Flag] = &[
    flag(
        Some('e'),
        "regexp",
        Some("PATTERN"),
        "a pattern (repeatable: lines matching any of them)",
    ),
    flag(
        Some('F'),
        "fixed-strings",
        None,
        "the patterns are fixed strings, not regexes",
    ),
    flag(Some('i'), "ignore-case", None, "match regardless of case"),
    flag(
        Some('S'),
        "smart-case",
        None,
        "ignore case unless a pattern has an uppercase letter",
    ),
    flag(
        Some('s'),
        "case-sensitive",
        None,
        "match case (the default; undoes an earlier -i or -S)",
    ),
    flag(
        Some('w'),
        "word-regexp",
        None,
        "only matches that are whole words (\\b around each pattern)",
    ),
    flag(
        Some('x'),
        "line-regexp",
        None,
        "only matches that are whole lines",
    ),
    flag(
        Some('v'),
        "invert-match",
        None,
        "select the lines that do not match",
    ),
    flag(
        Some('c'),
        "count",
        None,
        "print the number of selected lines (per file when several)",
    ),
    flag(
        None,
        "count-matches",
        None,
        "print the number of matches (per file when several)",
    ),
    flag(
        None,
        "total",
        None,
        "with -c or --count-matches: one total for all files",
    ),
    flag(
        Some('l'),
        "files-with-matches",
        None,
        "print only the names of files with a selected line",
    ),
    flag(
        None,
        "files-without-match",
        None,
        "print only the names of files without one",
    ),
    flag(
        Some('m'),
        "max-count",
        Some("NUM"),
        "stop reading a file after NUM selected lines",
    ),
    flag(
        Some('A'),
        "after-context",
        Some("NUM"),
        "print NUM lines after each selected line",
    ),
    flag(
        Some('B'),
        "before-context",
        Some("NUM"),
        "print NUM lines before each selected line",
    ),
    flag(
        Some('C'),
        "context",
        Some("NUM"),
        "both; groups that are not adjacent are separated by --",
    ),
    flag(
        None,
        "json",
        None,
        "print ripgrep's JSON Lines instead of lines (begin, match, context, end and summary \
         messages); of it, -c, --count-matches, -l and --files-without-match the last given wins",
    ),
    flag(
        Some('n'),
        "line-number",
        None,
        "prefix each line with its line number",
    ),
    flag(
        Some('o'),
        "only-matching",
        None,
        "print only the matched parts, each on a line of its own",
    ),
    flag(
        Some('r'),
        "replace",
        Some("TEXT"),
        "print TEXT in place of each match ($1, $name: the pattern's groups; $0 the match)",
    ),
    flag(
        Some('M'),
        "max-columns",
        Some("NUM"),
        "print a line longer than NUM bytes as [Omitted long matching line]",
    ),
    flag(
        None,
        "sort",
        Some("HOW"),
        "path (files in path order) or none: loggrep prints files in path order either way",
    ),
    flag(
        None,
        "color",
        Some("WHEN"),
        "highlight matches, file names and line numbers: auto (on a terminal, the default), always or never",
    ),
    flag(
        Some('H'),
        "with-filename",
        None,
        "prefix each line with its file name (default with several files)",
    ),
    flag(
        Some('g'),
        "glob",
        Some("GLOB"),
        "in directories, only files matching GLOB, or with !GLOB not (repeatable; gitignore syntax, as ripgrep's)",
    ),
    flag(
        Some('t'),
        "type",
        Some("TYPE"),
        "in directories, only files of TYPE (repeatable; --type-list lists the types)",
    ),
    flag(
        Some('T'),
        "type-not",
        Some("TYPE"),
        "in directories, no files of TYPE (repeatable)",
    ),
    flag(
        None,
        "type-list",
        None,
        "print the file types and their globs",
    ),
    flag(
        None,
        "no-ignore",
        None,
        "in directories, search files that .gitignore and .ignore files leave out",
    ),
    flag(
        None,
        "hidden",
        None,
        "in directories, search hidden files and directories too",
    ),
    flag(
        Some('L'),
        "follow",
        None,
        "in directories, follow symbolic links (as ripgrep's -L)",
    ),
    flag(
        None,
        "files",
        None,
        "print the files that would be searched, and search nothing",
    ),
    flag(
        Some('z'),
        "search-zip",
        None,
        "accepted for ripgrep's sake: compressed files are always read (by suffix or by their first bytes)",
    ),
    flag(
        Some('j'),
        "threads",
        Some("N"),
        "files searched at once (default: one per core; -j1 one at a time); the output is the same, each file's block in input order",
    ),
    flag(
        None,
        "mmap",
        None,
        "read files through a memory map (they must not change while searched)",
    ),
    flag(
        None,
        "max-line-bytes",
        Some("SIZE"),
        "the longest line searched (default 64M; K, M and G suffixes): a longer one ends its \
         file's search with an error; a line holds about its size in memory while it is read",
    ),
    flag(
        None,
        "tail",
        None,
        "keep reading the files as they grow (tail -f): several files are followed at once, each line prefixed with its file name; Ctrl-C to stop",
    ),
    flag(
        None,
        "stats",
        None,
        "print files, bytes, matches, time, throughput and peak memory to stderr",
    ),
    flag(
        None,
        "eager",
        None,
        "read every line into memory first (to compare memory with the lazy run)",
    ),
    flag(
        None,
        "generate",
        Some("KIND"),
        "print a man page (man) or a shell completion (complete-bash, complete-fish), made from this list of flags",
    ),
    flag(Some('V'), "version", None, "print the version"),
    flag(Some('h'), "help", None, "print this help"),
];

/// What `--generate` can make (module `generate` makes them).
pub(crate) const GENERATE_KINDS: &[&str] = &["man", "complete-bash", "complete-fish"];

pub(crate) const USAGE_HEAD: &str = "\
usage: loggrep [OPTIONS] PATTERN [PATH...]
       loggrep [OPTIONS] -e PATTERN... [PATH...]
PATTERN is a regular expression (Rust's regex syntax, on bytes), as ripgrep's is; with -F it is
a fixed string. A pattern with no regex metacharacters is searched as a fixed string either way.";

pub(crate) const USAGE_TAIL: &str = "\
PATHs are files or directories (searched recursively, hidden entries skipped); .gz, .bz2,
.zst and .xz files are read transparently; - reads standard input (compressed or not), and so
does no PATH when standard input is not a terminal (with a terminal: the current directory).
Binary files (a NUL byte in the first 64 KiB) found in directories are skipped; named ones
print 'binary file matches' instead of their lines. Lines are printed byte for byte (a CRLF line
keeps its CR). Exit status: 0 if a line was selected, 1 if none was, 2 on an error (a missing
file, a bad pattern, a write error); a closed output pipe ends the run with 0.
With no arguments at all: a demo on a generated access log.";

/// `--help`: the head, a line per flag of [`FLAGS`] (its help wrapped at 96 columns), the tail.
pub(crate) fn usage() -> String {
    const WIDTH: usize = 96;
    const INDENT: usize = 27;
    let mut text = format!("{USAGE_HEAD}\n");
    for f in FLAGS {
        let short = f.short.map_or("    ".to_string(), |c| format!("-{c}, "));
        let value = f.value.map_or(String::new(), |v| format!(" {v}"));
        let mut line = format!("  {short}--{}{value}", f.long);
        if line.len() + 1 > INDENT {
            text.push_str(&line);
            text.push('\n');
            line = String::new();
        }
        for word in f.help.split(' ') {
            let start = if line.is_empty() { INDENT } else { line.len() };
            if line.len() > INDENT && start + 1 + word.len() > WIDTH {
                text.push_str(line.trim_end());
                text.push('\n');
                line = String::new();
            }
            if line.len() < INDENT {
                line = format!("{line:INDENT$}");
            } else {
                line.push(' ');
            }
            line.push_str(word);
        }
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str(USAGE_TAIL);
    text
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Options {
    pub(crate) patterns: Vec<Vec<u8>>,
    pub(crate) fixed: bool,
    pub(crate) count: bool,
    pub(crate) count_matches: bool,
    pub(crate) total: bool,
    pub(crate) ignore_case: bool,
    pub(crate) smart_case: bool,
    pub(crate) word: bool,
    pub(crate) whole_line: bool,
    pub(crate) invert: bool,
    pub(crate) files_with_matches: bool,
    pub(crate) files_without_match: bool,
    pub(crate) max_count: Option<u64>,
    pub(crate) after: usize,
    pub(crate) before: usize,
    pub(crate) line_number: bool,
    /// --json: rg's JSON Lines messages instead of lines.
    pub(crate) json: bool,
    pub(crate) only_matching: bool,
    pub(crate) color: Color,
    pub(crate) with_filename: bool,
    /// -g: globs a walk's files must match (`!glob`: must not), as ripgrep's.
    pub(crate) globs: Vec<String>,
    /// --no-ignore: `.gitignore` and `.ignore` files are not read.
    pub(crate) no_ignore: bool,
    pub(crate) hidden: bool,
    /// -L: follow symbolic links in directory walks.
    pub(crate) follow_links: bool,
    /// -t and -T: the file types a directory walk keeps and leaves out.
    pub(crate) types: Vec<String>,
    pub(crate) types_not: Vec<String>,
    /// --files: list what would be searched.
    pub(crate) list_files: bool,
    pub(crate) stats: bool,
    pub(crate) eager: bool,
    pub(crate) mmap: bool,
    /// --tail: follow growing files.
    pub(crate) follow: bool,
    /// -r: what each match is printed as.
    pub(crate) replace: Option<Vec<u8>>,
    /// -M: lines longer than this are omitted from the output.
    pub(crate) max_columns: Option<usize>,
    /// --max-line-bytes (`None`: genpipe's default, 64 MiB).
    pub(crate) max_line_bytes: Option<usize>,
    /// -j: files searched at once (`None`: one per core).
    pub(crate) threads: Option<usize>,
    pub(crate) paths: Vec<PathBuf>,
}

impl Options {
    /// Sets one of the output modes (`-c`, `--count-matches`, `-l`, `--files-without-match`,
    /// `--json`), clearing the others: the last given wins, as in ripgrep.
    fn set_mode(&mut self, set: impl FnOnce(&mut Options)) {
        self.count = false;
        self.count_matches = false;
        self.files_with_matches = false;
        self.files_without_match = false;
        self.json = false;
        set(self);
    }
}

/// When to colour the output.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

/// What the command line asks for: a search, the help text or the version.
pub(crate) enum Command {
    Search(Box<Options>),
    Help,
    Version,
    /// `--generate KIND`.
    Generate(String),
    /// `--type-list`.
    TypeList,
}

/// An argument as bytes: patterns may be any bytes (Unix), not only UTF-8.
pub(crate) fn arg_bytes(arg: OsString) -> Result<Vec<u8>, String> {
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

/// The number a flag's value says.
fn number(flag: &str, value: &OsString) -> Result<usize, String> {
    value
        .to_str()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("--{flag} needs a number, not {value:?}"))
}

/// A size in bytes, with an optional K, M or G suffix (powers of 1024).
fn size(flag: &str, value: &OsString) -> Result<usize, String> {
    let bad = || format!("--{flag} needs a size such as 300M or 2G, not {value:?}");
    let text = value.to_str().ok_or_else(bad)?;
    let (digits, shift) = match text.char_indices().last() {
        Some((i, 'K' | 'k')) => (&text[..i], 10),
        Some((i, 'M' | 'm')) => (&text[..i], 20),
        Some((i, 'G' | 'g')) => (&text[..i], 30),
        _ => (text, 0),
    };
    let n: usize = digits.parse().map_err(|_| bad())?;
    n.checked_mul(1 << shift).filter(|&n| n > 0).ok_or_else(bad)
}

/// What flag `long` (a name of [`FLAGS`]) with `value` does to `o`; `Ok(Some(..))` when it asks
/// for something else than a search.
fn apply(o: &mut Options, long: &str, value: Option<OsString>) -> Result<Option<Command>, String> {
    let value = value.unwrap_or_default();
    match long {
        "regexp" => o.patterns.push(arg_bytes(value)?),
        "fixed-strings" => o.fixed = true,
        // -i, -S and -s: the last wins, as in ripgrep.
        "ignore-case" => (o.ignore_case, o.smart_case) = (true, false),
        "smart-case" => (o.ignore_case, o.smart_case) = (false, true),
        "case-sensitive" => (o.ignore_case, o.smart_case) = (false, false),
        // -w and -x: the last wins, as in ripgrep.
        "word-regexp" => (o.word, o.whole_line) = (true, false),
        "line-regexp" => (o.word, o.whole_line) = (false, true),
        "invert-match" => o.invert = true,
        // What is printed per file: the last of these flags wins, as in ripgrep.
        "count" => o.set_mode(|o| o.count = true),
        "count-matches" => o.set_mode(|o| o.count_matches = true),
        "files-with-matches" => o.set_mode(|o| o.files_with_matches = true),
        "files-without-match" => o.set_mode(|o| o.files_without_match = true),
        "total" => o.total = true,
        "max-count" => {
            o.max_count = Some(
                value
                    .to_str()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| format!("-m needs a number, not {value:?}"))?,
            );
        }
        "after-context" => o.after = number(long, &value)?,
        "before-context" => o.before = number(long, &value)?,
        "context" => {
            let n = number(long, &value)?;
            (o.after, o.before) = (n, n);
        }
        "line-number" => o.line_number = true,
        "json" => o.set_mode(|o| o.json = true),
        "replace" => o.replace = Some(arg_bytes(value)?),
        // 0, as in ripgrep: no limit.
        "max-columns" => o.max_columns = Some(number(long, &value)?).filter(|&n| n > 0),
        "sort" => match value.to_str() {
            Some("path" | "none") => {}
            _ => return Err(format!("--sort takes path or none, not {value:?}")),
        },
        "only-matching" => o.only_matching = true,
        "color" => {
            o.color = match value.to_str() {
                Some("auto") => Color::Auto,
                Some("always") => Color::Always,
                Some("never") => Color::Never,
                _ => {
                    return Err(format!(
                        "--color takes auto, always or never, not {value:?}"
                    ));
                }
            };
        }
        "with-filename" => o.with_filename = true,
        "glob" => o.globs.push(
            value
                .into_string()
                .map_err(|g| format!("--glob {g:?} is not valid Unicode"))?,
        ),
        "no-ignore" => o.no_ignore = true,
        "hidden" => o.hidden = true,
        "type" => o.types.push(value.to_string_lossy().into_owned()),
        "type-not" => o.types_not.push(value.to_string_lossy().into_owned()),
        "type-list" => return Ok(Some(Command::TypeList)),
        "follow" => o.follow_links = true,
        "files" => o.list_files = true,
        "search-zip" => {}
        // 0, as in ripgrep: one per core.
        "threads" => o.threads = Some(number(long, &value)?).filter(|&n| n > 0),
        "mmap" => o.mmap = true,
        "max-line-bytes" => o.max_line_bytes = Some(size(long, &value)?),
        "tail" => o.follow = true,
        "stats" => o.stats = true,
        "eager" => o.eager = true,
        "version" => return Ok(Some(Command::Version)),
        "generate" => {
            return match value.to_str() {
                Some(kind) if GENERATE_KINDS.contains(&kind) => {
                    Ok(Some(Command::Generate(kind.into())))
                }
                _ => Err(format!(
                    "--generate takes {}, not {value:?}",
                    GENERATE_KINDS.join(", ")
                )),
            };
        }
        "help" => return Ok(Some(Command::Help)),
        _ => unreachable!("--{long} is in FLAGS but not here"),
    }
    Ok(None)
}

pub(crate) fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    use lexopt::prelude::*;
    let mut o = Options::default();
    let mut positional: Vec<OsString> = Vec::new();
    let mut parser = lexopt::Parser::from_args(args);
    let bad = |e: lexopt::Error| e.to_string();
    while let Some(arg) = parser.next().map_err(bad)? {
        let found = match &arg {
            Short(c) => FLAGS.iter().find(|f| f.short == Some(*c)),
            // `--colour` and `--follow-links` are spelled both ways elsewhere.
            Long("colour") => FLAGS.iter().find(|f| f.long == "color"),
            Long(name) => FLAGS.iter().find(|f| f.long == *name),
            Value(v) => {
                positional.push(v.clone());
                continue;
            }
        };
        let Some(flag) = found else {
            return Err(arg.unexpected().to_string());
        };
        let value = match flag.value {
            Some(_) => Some(parser.value().map_err(bad)?),
            None => None,
        };
        if let Some(command) = apply(&mut o, flag.long, value)? {
            return Ok(command);
        }
    }
    let mut positional = positional.into_iter();
    if o.patterns.is_empty() && !o.list_files {
        let pattern = positional.next().ok_or("missing PATTERN")?;
        o.patterns.push(arg_bytes(pattern)?);
    }
    o.paths = positional.map(PathBuf::from).collect();
    if o.patterns.iter().any(|p| p.contains(&b'\n')) {
        return Err(
            "a pattern contains a line end, which no line does; give each pattern with -e".into(),
        );
    }
    if o.follow && (o.count || o.count_matches || o.files_with_matches || o.files_without_match) {
        return Err(
            "--tail prints lines as they come; it cannot be combined with -c, --count-matches, \
             -l or --files-without-match"
                .into(),
        );
    }
    // `-c -o` counts the matches, as ripgrep does (with -v there are none: the lines).
    if o.count && o.only_matching && !o.invert {
        o.set_mode(|o| o.count_matches = true);
    }
    if o.smart_case {
        o.ignore_case = o.patterns.iter().all(|p| !has_uppercase_literal(p));
    }
    Ok(Command::Search(Box::new(o)))
}

/// Whether `pattern` has an uppercase letter of its own, not one of an escape (`\S`, `\W`,
/// `\P{..}`): ripgrep's rule for `--smart-case`.
fn has_uppercase_literal(pattern: &[u8]) -> bool {
    let text = String::from_utf8_lossy(pattern);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c.is_uppercase() {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(OsString::from))
    }

    #[test]
    fn every_flag_in_the_table_is_understood() {
        for f in FLAGS {
            let mut o = Options::default();
            let value = f.value.map(|_| {
                OsString::from(match f.long {
                    "color" => "never",
                    "sort" => "path",
                    "generate" => "man",
                    "type" | "type-not" => "log",
                    _ => "1",
                })
            });
            // `apply` panics on a name it does not handle.
            assert!(apply(&mut o, f.long, value).is_ok(), "--{}", f.long);
        }
        let shorts: Vec<char> = FLAGS.iter().filter_map(|f| f.short).collect();
        let mut unique = shorts.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(shorts.len(), unique.len(), "a short flag used twice");
    }

    #[test]
    fn help_lists_every_flag_within_96_columns() {
        let help = usage();
        for f in FLAGS {
            assert!(help.contains(&format!("--{}", f.long)), "--{}", f.long);
        }
        assert!(help.lines().all(|l| l.len() <= 96), "{help}");
    }

    #[test]
    fn smart_case_ignores_case_unless_a_pattern_has_an_uppercase_letter() {
        let ignores = |args: &[&str]| match parse(args) {
            Ok(Command::Search(o)) => o.ignore_case,
            _ => panic!("{args:?}"),
        };
        assert!(ignores(&["-S", "error"]));
        assert!(!ignores(&["-S", "Error"]));
        assert!(ignores(&["-S", r"\S+\W"]), "escapes are not letters");
        assert!(!ignores(&["-S", "-e", "a", "-e", "B"]));
        assert!(ignores(&["-S", "-i", "Error"]), "the last wins");
        assert!(!ignores(&["-i", "-S", "Error"]), "the last wins");
        assert!(!ignores(&["-i", "-s", "error"]), "the last wins");
    }

    #[test]
    fn the_last_per_file_mode_wins() {
        let mode = |args: &[&str]| match parse(args) {
            Ok(Command::Search(o)) => (
                o.count,
                o.count_matches,
                o.files_with_matches,
                o.files_without_match,
            ),
            _ => panic!("{args:?}"),
        };
        assert_eq!(mode(&["-c", "-l", "p"]), (false, false, true, false));
        assert_eq!(mode(&["-l", "-c", "p"]), (true, false, false, false));
        assert_eq!(
            mode(&["-c", "--count-matches", "p"]),
            (false, true, false, false)
        );
        assert_eq!(
            mode(&["-l", "--files-without-match", "p"]),
            (false, false, false, true)
        );
        assert_eq!(mode(&["-c", "-o", "p"]), (false, true, false, false));
        assert_eq!(mode(&["-c", "-o", "-v", "p"]), (true, false, false, false));
    }

    #[test]
    fn sizes_take_suffixes() {
        let one = |v: &str| size("max-line-bytes", &OsString::from(v));
        assert_eq!(one("300"), Ok(300));
        assert_eq!(one("4K"), Ok(4096));
        assert_eq!(one("300M"), Ok(300 << 20));
        assert_eq!(one("1g"), Ok(1 << 30));
    }

    #[test]
    fn bad_values_say_what_is_wrong() {
        let err = |args: &[&str]| parse(args).err().unwrap_or_default();
        assert!(err(&["-A", "x", "p"]).contains("needs a number"));
        assert!(err(&["-m", "-1", "p"]).contains("needs a number"));
        assert!(err(&["--color", "pink", "p"]).contains("auto, always or never"));
        assert!(err(&["--nope", "p"]).contains("--nope"));
        assert!(err(&["--max-line-bytes", "0", "p"]).contains("a size"));
        assert!(err(&["--sort", "modified", "p"]).contains("path or none"));
        assert!(err(&["-M", "x", "p"]).contains("needs a number"));
        assert!(err(&["--max-line-bytes", "12X", "p"]).contains("a size"));
        assert!(err(&["--max-line-bytes", "99999999999G", "p"]).contains("a size"));
        assert!(err(&["--tail", "-c", "p"]).contains("--tail"));
        assert_eq!(err(&[]), "missing PATTERN");
    }
}
