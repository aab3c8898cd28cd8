//! What to read: files named or found in directories, or standard input; and how to open each.

use std::io::{BufRead, BufReader, IsTerminal, Stdin};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use genpipe::io::{
    BINARY_SNIFF_BYTES, Line, Lines, StopToken, follow, lines, lines_from_auto, lines_mmap,
    starts_compressed,
};
use genpipe::prelude::*;

use crate::flags::Options;
use crate::types::TypeFilter;

/// Where lines come from: files (named, or found under directories) or standard input.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Input {
    File(PathBuf),
    /// Found in a directory walk: skipped if it is binary, as ripgrep does.
    Found(PathBuf),
    Stdin,
}

impl Input {
    pub(crate) fn path(&self) -> Option<&Path> {
        match self {
            Input::File(p) | Input::Found(p) => Some(p),
            Input::Stdin => None,
        }
    }
}

/// The files under the directory `root`, in path order, as ripgrep walks it: hidden entries
/// (names starting with `.`) and what `.gitignore` (in a git repository), `.ignore` and
/// `.git/info/exclude` leave out are skipped unless asked for; `-g` globs override both.
fn walk(o: &Options, root: &Path, errors: &mut Vec<String>) -> Vec<PathBuf> {
    let mut builder = ignore::WalkBuilder::new(root);
    // `standard_filters` sets `hidden` too: hidden comes after it.
    builder
        .follow_links(o.follow_links)
        .standard_filters(!o.no_ignore)
        .hidden(!o.hidden)
        .sort_by_file_name(|a, b| a.cmp(b));
    if !o.globs.is_empty() {
        let mut overrides = ignore::overrides::OverrideBuilder::new(root);
        for glob in &o.globs {
            if let Err(e) = overrides.add(glob) {
                errors.push(format!("--glob {glob:?}: {e}"));
                return Vec::new();
            }
        }
        match overrides.build() {
            Ok(overrides) => {
                builder.overrides(overrides);
            }
            Err(e) => {
                errors.push(format!("--glob: {e}"));
                return Vec::new();
            }
        }
    }
    let mut files = Vec::new();
    for entry in builder.build() {
        match entry {
            Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                files.push(entry.into_path());
            }
            Ok(_) => {}
            Err(e) => errors.push(e.to_string()),
        }
    }
    files
}

pub(crate) fn inputs(o: &Options, errors: &mut Vec<String>) -> Vec<Input> {
    // No PATH: standard input, unless it is a terminal (nobody is typing a log): then the
    // current directory, as ripgrep does, its files named without the leading `./`.
    let here = [PathBuf::from(".")];
    let paths: &[PathBuf] = match (o.paths.is_empty(), std::io::stdin().is_terminal()) {
        (true, false) => return vec![Input::Stdin],
        (true, true) => &here,
        (false, _) => &o.paths,
    };
    let types = match TypeFilter::new(&o.types, &o.types_not) {
        Ok(types) => types,
        Err(e) => {
            errors.push(e);
            return Vec::new();
        }
    };
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            files.push(Input::Stdin);
            continue;
        }
        if path.is_dir() {
            let implicit = o.paths.is_empty();
            let found = walk(o, path, errors)
                .into_iter()
                .filter(|p| types.as_ref().is_none_or(|t| t.keeps(p)));
            files.extend(found.map(|p| {
                let shown = match p.strip_prefix(".") {
                    Ok(relative) if implicit => relative.to_path_buf(),
                    _ => p,
                };
                Input::Found(shown)
            }));
        } else {
            // Named files are searched whatever their name, as grep does; a missing one
            // reports its error when it is read.
            files.push(Input::File(path.clone()));
        }
    }
    files
}

/// The lines of one input, as one type whatever they come from (a dynamic call per pull, paid
/// only for the lines `grep` hands on: it searches the source's buffer itself).
pub(crate) type Source = BoxGen<'static, Line, genpipe::Result<()>>;

/// Opens `input` as `o` asks; the counter holds the lines read once the source is dropped, and
/// a `--tail` source comes with its stop token.
///
/// A binary file's source keeps at most 1 MiB for a line: binary data may have no line end for
/// gigabytes.
pub(crate) fn open_input(
    o: &Options,
    input: &Input,
    binary: bool,
    stdin: Option<BufReader<Stdin>>,
) -> (Source, Arc<AtomicU64>, Option<StopToken>) {
    let max_line = if binary {
        1 << 20
    } else {
        o.max_line_bytes
            .unwrap_or(genpipe::io::DEFAULT_MAX_LINE_BYTES)
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
            let source = cut_if(
                binary,
                unsafe { lines_mmap(p) }.keep_cr().max_line_bytes(max_line),
            );
            let (source, read) = numbering(o, source).lines_read();
            (source.boxed(), read)
        }
        Input::File(p) | Input::Found(p) => {
            let source = cut_if(
                binary,
                lines(p)
                    .keep_cr()
                    .buffer_bytes(256 << 10)
                    .max_line_bytes(max_line),
            );
            let (source, read) = numbering(o, source).lines_read();
            (source.boxed(), read)
        }
        // No name to go by: compressed input is told by its first bytes.
        Input::Stdin => {
            let reader = stdin.unwrap_or_else(|| BufReader::new(std::io::stdin()));
            let source = cut_if(
                binary,
                lines_from_auto(reader).keep_cr().max_line_bytes(max_line),
            );
            let (source, read) = numbering(o, source).lines_read();
            (source.boxed(), read)
        }
    };
    if o.eager {
        return (eager(source), read, stop);
    }
    (source, read, stop)
}

/// A binary input's "lines" past the limit (runs of data without a line end) are cut and the
/// search goes on, as ripgrep searches a binary file to its end.
fn cut_if<R: std::io::Read>(binary: bool, source: Gen<Lines<R>>) -> Gen<Lines<R>> {
    if binary {
        source.truncate_long_lines()
    } else {
        source
    }
}

/// Standard input with its first block read, and where a NUL byte is in it if there is one
/// (not looked for in compressed input, whose bytes are not its lines'): a binary standard input
/// is told before its search, as a binary file is.
pub(crate) fn sniff_stdin() -> (BufReader<Stdin>, Option<u64>) {
    let mut reader = BufReader::with_capacity(BINARY_SNIFF_BYTES, std::io::stdin());
    // A read error here is met again, and reported, by the search.
    let head = reader.fill_buf().unwrap_or_default();
    let binary = if starts_compressed(head) {
        None
    } else {
        memchr::memchr(0, head).map(|i| i as u64)
    };
    (reader, binary)
}

pub(crate) fn numbering<R: std::io::Read>(o: &Options, source: Gen<Lines<R>>) -> Gen<Lines<R>> {
    if numbered(o) {
        source
    } else {
        source.unnumbered()
    }
}

/// Whether lines need their numbers: for `-n`, and for `--stats` (lines scanned). Without
/// them grep skips counting the line ends of text that does not match.
pub(crate) fn numbered(o: &Options) -> bool {
    o.line_number || o.stats || o.json || context(o)
}

/// Whether lines around the selected ones are printed (context tells groups apart by number).
pub(crate) fn context(o: &Options) -> bool {
    (o.before > 0 || o.after > 0)
        && !o.count
        && !o.count_matches
        && !o.files_with_matches
        && !o.files_without_match
}

/// The eager version of the same source: every line read into memory first (to compare memory
/// with the lazy run), then split again. A read error is kept for the end.
pub(crate) fn eager(source: Source) -> Source {
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

/// `error: cause: cause`, as command-line tools print errors.
pub(crate) fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}
