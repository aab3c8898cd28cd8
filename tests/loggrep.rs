//! The `loggrep` command (`src/bin/loggrep.rs`) on generated logs: its output and exit codes, checked against a naive
//! grep written here.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use genpipe::synth::{AccessFormat, write_access_log_file};

fn loggrep(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(loggrep_exe())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("loggrep starts");
    if let Some(input) = stdin {
        // A run that ends without reading its input (a usage error, a bad pattern) may be gone
        // before the input is written: its exit status and output are what the test checks.
        match child.stdin.take().unwrap().write_all(input) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            written => written.unwrap(),
        }
    }
    child.wait_with_output().unwrap()
}

/// `loggrep --follow 404 log`, its output piped to the test.
fn follow_404(log: &std::path::Path) -> std::process::Child {
    Command::new(loggrep_exe())
        .args(["--tail", "404", log.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Cargo builds the binary for the integration tests (the `cli` feature is on in them).
fn loggrep_exe() -> &'static str {
    env!("CARGO_BIN_EXE_loggrep")
}

/// The peak memory `--stats` reported, in MiB; `None` where loggrep could not know it (it reads
/// it from /proc, on Linux) or the run printed no statistics.
fn peak_mib(o: &Output) -> Option<f64> {
    let stats = String::from_utf8_lossy(&o.stderr);
    let (_, after) = stats.rsplit_once("peak memory ")?;
    after.split_whitespace().next()?.parse().ok()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn naive(path: &std::path::Path, needle: &str) -> Vec<(usize, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect()
}

#[test]
#[cfg_attr(miri, ignore = "runs the loggrep process")]
fn greps_like_grep() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("access-log");
    let b = dir.path().join("other-log");
    write_access_log_file(&a, 100_000, 1, AccessFormat::Common).unwrap();
    write_access_log_file(&b, 50_000, 2, AccessFormat::Combined).unwrap();
    let (a_s, b_s) = (a.to_str().unwrap(), b.to_str().unwrap());
    let want_a = naive(&a, "\" 404 ");
    let want_b = naive(&b, "\" 404 ");
    assert!(!want_a.is_empty());

    // Lines, one file: no prefix.
    let o = loggrep(&["\" 404 ", a_s], None);
    assert_eq!(o.status.code(), Some(0));
    let lines: Vec<String> = want_a.iter().map(|(_, l)| format!("{l}\n")).collect();
    assert_eq!(stdout(&o), lines.concat());

    // -n -H
    let o = loggrep(&["-n", "-H", "\" 404 ", a_s], None);
    let lines: Vec<String> = want_a
        .iter()
        .map(|(n, l)| format!("{a_s}:{n}:{l}\n"))
        .collect();
    assert_eq!(stdout(&o), lines.concat());

    // -c over two files: path:count; --total: one number.
    let o = loggrep(&["-c", "\" 404 ", a_s, b_s], None);
    assert_eq!(
        stdout(&o),
        format!("{a_s}:{}\n{b_s}:{}\n", want_a.len(), want_b.len())
    );
    let o = loggrep(&["-c", "--total", "\" 404 ", a_s, b_s], None);
    assert_eq!(stdout(&o), format!("{}\n", want_a.len() + want_b.len()));

    // A directory, with --glob.
    let o = loggrep(
        &[
            "-c",
            "--glob",
            "access-*",
            "\" 404 ",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    // A file found in a directory is named, even alone (as ripgrep does).
    assert_eq!(stdout(&o), format!("{a_s}:{}\n", want_a.len()));

    // No match: exit 1. A missing file: exit 2, the error on stderr naming it.
    let o = loggrep(&["no such text anywhere", a_s], None);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(1), ""));
    let o = loggrep(&["x", "/no/such/file"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/no/such/file"));

    // Standard input, -i, -v, -e.
    let o = loggrep(&["-c", "-i", "get"], Some(b"GET a\nget b\nPOST c\n"));
    assert_eq!(stdout(&o), "2\n");
    let o = loggrep(&["-v", "GET"], Some(b"GET a\nPOST c\n"));
    assert_eq!(stdout(&o), "POST c\n");
    let o = loggrep(&["-c", "-e", "^P.*c$", "-"], Some(b"GET a\nPOST c\n"));
    assert_eq!(stdout(&o), "1\n");

    // --eager finds the same lines; --stats reports on stderr.
    let o = loggrep(&["--eager", "--stats", "-c", "\" 404 ", a_s], None);
    assert_eq!(stdout(&o), format!("{}\n", want_a.len()));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        err.contains("1 files") && err.contains("matching lines") && err.contains("peak memory"),
        "{err}"
    );
    let scanned = std::fs::read_to_string(&a).unwrap().lines().count();
    assert!(err.contains(&format!("{scanned} lines scanned")), "{err}");

    // A bad regex or flag: exit 2 with a message.
    let o = loggrep(&["-e", "(", a_s], None);
    assert_eq!(o.status.code(), Some(2));
    let o = loggrep(&["--frobnicate", "x"], None);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(miri, ignore = "runs the loggrep process")]
fn follow_prints_matching_lines_as_they_are_written() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("growing.log");
    std::fs::write(&log, "old 404 line\n").unwrap();
    let mut child = follow_404(&log);
    // Lines arrive on a channel, so a loggrep that never prints fails the test instead of
    // hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    let out = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in out.lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let next = || rx.recv_timeout(std::time::Duration::from_secs(20));
    // Wait until loggrep holds the file open (it starts at the end, so earlier appends would
    // be skipped): a fixed sleep would race on a slow machine.
    let fds = format!("/proc/{}/fd", child.id());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !std::fs::read_dir(&fds)
        .map(|d| {
            d.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .any(|t| t == log)
        })
        .unwrap_or(false)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "loggrep never opened the file"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    writeln!(f, "new 200 line\nnew 404 line").unwrap();
    let first = next();
    writeln!(f, "second 404").unwrap();
    let second = next();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(first.as_deref(), Ok("new 404 line"));
    assert_eq!(second.as_deref(), Ok("second 404"));
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// grep's and ripgrep's command line: combined short flags, `--flag=value`, `--`, repeatable
/// `-e`, regexes by default and `-F` for fixed strings, `-h` exits 0, unknown flags exit 2.
#[test]
#[cfg_attr(miri, ignore = "runs the loggrep process")]
fn the_command_line_reads_like_grep() {
    let input = b"GET a\nget b\nPOST c\n-x\n";
    let o = loggrep(&["-ci", "get"], Some(input));
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(0), "2\n"));
    let o = loggrep(&["-e", "GET", "-e", "POST"], Some(input));
    assert_eq!(stdout(&o), "GET a\nPOST c\n");
    // A regex by default, a fixed string with -F.
    let o = loggrep(&["-c", "G.T"], Some(input));
    assert_eq!(stdout(&o), "1\n");
    // No match: no count line (ripgrep's way; grep prints 0), exit 1.
    let o = loggrep(&["-cF", "G.T"], Some(input));
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(1), ""));
    // `--` ends the options: a pattern may start with `-`.
    let o = loggrep(&["--", "-x"], Some(input));
    assert_eq!(stdout(&o), "-x\n");
    let o = loggrep(&["-h"], None);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("usage: loggrep"));
    let o = loggrep(&["--no-such-flag", "x"], Some(input));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--no-such-flag"), "{}", stderr(&o));
    // A pattern with a line end never matches a line: an error, not a silent 0.
    let o = loggrep(&["a\nb"], Some(input));
    assert_eq!(o.status.code(), Some(2));
    // A bad regex names the problem.
    let o = loggrep(&["(unclosed"], Some(input));
    assert_eq!(o.status.code(), Some(2));
}

/// `-l`, `-L`, `-m`, `--glob=`, hidden entries, and a missing file among others.
#[test]
#[cfg_attr(miri, ignore = "runs the loggrep process")]
fn files_limits_and_walks() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    std::fs::write(&a, "hit 1\nhit 2\nhit 3\n").unwrap();
    std::fs::write(&b, "miss\n").unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".git/hidden.log"), "hit hidden\n").unwrap();
    let (a_s, b_s) = (a.to_str().unwrap(), b.to_str().unwrap());

    let o = loggrep(&["-l", "hit", a_s, b_s], None);
    assert_eq!(stdout(&o), format!("{a_s}\n"));
    let o = loggrep(&["--files-without-match", "hit", a_s, b_s], None);
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), format!("{b_s}\n")));
    let o = loggrep(&["-m", "2", "hit", a_s], None);
    assert_eq!(stdout(&o), "hit 1\nhit 2\n");
    let o = loggrep(&["-c", "-m2", "hit", a_s], None);
    assert_eq!(stdout(&o), "2\n");

    // Directories: hidden entries are skipped unless --hidden; `--glob=GLOB` works.
    let d = dir.path().to_str().unwrap();
    let o = loggrep(&["-c", "--total", "hit", d], None);
    assert_eq!(stdout(&o), "3\n");
    let o = loggrep(&["-c", "--total", "--hidden", "hit", d], None);
    assert_eq!(stdout(&o), "4\n");
    let o = loggrep(&["-c", "--total", "--glob=b*", "hit", d], None);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(1), "0\n"));

    // A missing file: its error, no `:0` line for it, exit 2; the other file is still searched.
    let missing = dir.path().join("missing.log");
    let o = loggrep(&["-c", "hit", a_s, missing.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), format!("{a_s}:3\n"));
    assert!(stderr(&o).contains("missing.log"), "{}", stderr(&o));
}

/// Output is byte-exact; a closed pipe ends the run at once with 0; a failing writer with 2.
#[test]
#[cfg_attr(miri, ignore = "runs the loggrep process")]
fn output_is_exact_and_a_closed_pipe_ends_the_run() {
    let o = loggrep(&["b"], Some(b"a\r\nb\r\nc\n"));
    assert_eq!(o.stdout, b"b\r\n", "a CRLF line keeps its CR");

    // 64 MiB of matching lines into a reader that takes one line and leaves: loggrep stops
    // reading at once (before, it read everything) and says nothing.
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
    for _ in 0..(4 << 20) {
        f.write_all(b"GET /index.html\n").unwrap();
    }
    drop(f);
    let exe = loggrep_exe();
    let mut child = Command::new(exe)
        .args(["--stats", "GET", big.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(&first, b"GET /index.html\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // --stats says how much was scanned: far from all 4M lines.
    let stats = stderr(&out);
    let scanned: u64 = stats
        .split(" lines scanned")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no line count in {stats:?}"));
    assert!(
        scanned < 1 << 20,
        "scanned {scanned} lines after the pipe closed"
    );

    if std::path::Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(exe)
            .args(["GET", big.to_str().unwrap()])
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("write error"), "{}", stderr(&out));
    }
}

/// Patterns and file names that are not UTF-8 work (no panic).
#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "runs the loggrep process")]
fn non_utf8_arguments_work() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.log");
    let path = dir.path().join(name);
    std::fs::write(&path, b"x\xffy\nplain\n").unwrap();
    let o = Command::new(loggrep_exe())
        .arg(std::ffi::OsStr::from_bytes(b"\xff"))
        .arg(&path)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(o.stdout, b"x\xffy\n");
}

/// Compressed standard input is told by its magic bytes: no `zcat` needed. gzip, bzip2, zstd, xz.
#[test]
#[cfg_attr(miri, ignore = "runs the loggrep process")]
fn compressed_standard_input_is_detected() {
    let text = b"GET /a 404\nGET /b 200\nGET /c 404\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text).unwrap();
    let o = loggrep(&["-c", "404"], Some(&gz.finish().unwrap()));
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(0), "2\n"));
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(text).unwrap();
    let o = loggrep(&["-c", "404"], Some(&bz.finish().unwrap()));
    assert_eq!(stdout(&o), "2\n");
    let zst =
        ruzstd::encoding::compress_to_vec(&text[..], ruzstd::encoding::CompressionLevel::Fastest);
    let o = loggrep(&["-c", "404"], Some(&zst));
    assert_eq!(stdout(&o), "2\n");
    let mut xz =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1)).unwrap();
    xz.write_all(text).unwrap();
    let xz = xz.finish().unwrap();
    let o = loggrep(&["-c", "404"], Some(&xz));
    assert_eq!(stdout(&o), "2\n");
    // Named .zst and .xz files, by suffix; not taken for binary files for their NULs.
    let dir = tempfile::tempdir().unwrap();
    let (z, x) = (dir.path().join("a.log.zst"), dir.path().join("b.log.xz"));
    std::fs::write(&z, &zst).unwrap();
    std::fs::write(&x, &xz).unwrap();
    let o = loggrep(
        &["-c", "404", z.to_str().unwrap(), x.to_str().unwrap()],
        None,
    );
    let counts = format!("{}:2\n{}:2\n", z.display(), x.display());
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), counts));
    let o = loggrep(&["-c", "404"], Some(text));
    assert_eq!(stdout(&o), "2\n");
}

/// Binary files (a NUL in the first block), as ripgrep treats them: named ones say "binary file
/// matches" instead of printing lines; found ones are skipped; NUL-only input holds a few MiB.
#[test]
#[cfg_attr(miri, ignore = "runs the loggrep process")]
fn binary_files_are_reported_or_skipped_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("b.log");
    std::fs::write(&bin, b"abc\0def\nabc\n").unwrap();
    std::fs::write(dir.path().join("t.log"), b"abc\n").unwrap();
    let zeros = dir.path().join("zeros.log");
    std::fs::write(&zeros, vec![0u8; 24 << 20]).unwrap();
    let b_s = bin.to_str().unwrap();

    let o = loggrep(&["abc", b_s], None);
    assert_eq!(o.status.code(), Some(0));
    // One named file: the notice alone, as ripgrep prints it; with -H, named.
    assert_eq!(
        stdout(&o),
        "binary file matches (found \"\\0\" byte around offset 3)\n"
    );
    let o = loggrep(&["-H", "abc", b_s], None);
    assert_eq!(
        stdout(&o),
        format!("{b_s}: binary file matches (found \"\\0\" byte around offset 3)\n")
    );
    let o = loggrep(&["-c", "abc", b_s], None);
    assert_eq!(stdout(&o), "2\n");
    let o = loggrep(&["abc", dir.path().to_str().unwrap()], None);
    assert_eq!(
        stdout(&o),
        format!("{}:abc\n", dir.path().join("t.log").display())
    );

    // 24 MiB of NULs and no line end: no match, no error, and a few MiB of memory.
    let o = loggrep(&["--stats", "xyz", zeros.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // The peak comes from /proc (Linux); elsewhere loggrep says "unknown".
    if cfg!(target_os = "linux") {
        let peak = peak_mib(&o).unwrap_or_else(|| panic!("no peak in {}", stderr(&o)));
        assert!(peak > 0.0 && peak < 16.0, "peak {peak} MiB: {}", stderr(&o));
    }
}

/// `--eager` reads the same lines as the lazy run: a final empty line is kept.
#[test]
#[cfg_attr(miri, ignore = "runs the loggrep process")]
fn eager_keeps_a_final_empty_line() {
    let o = loggrep(&["--eager", "-c", "-v", "zzz"], Some(b"a\n\n"));
    assert_eq!(stdout(&o), "2\n");
    let o = loggrep(&["-c", "-v", "zzz"], Some(b"a\n\n"));
    assert_eq!(stdout(&o), "2\n");
}

/// `-o` prints each match on its own line; `--color` highlights as grep does, only when asked
/// (or on a terminal); a wrong `--color` value is an error.
#[test]
#[cfg_attr(miri, ignore = "runs the loggrep process")]
fn only_matching_and_color() {
    let input = b"GET /a 404 x 404\nPOST /b 200\n";
    let o = loggrep(&["-o", "404"], Some(input));
    assert_eq!(stdout(&o), "404\n404\n");
    let o = loggrep(&["-on", "GET|POST"], Some(input));
    assert_eq!(stdout(&o), "1:GET\n2:POST\n");
    let o = loggrep(&["-oi", "get"], Some(input));
    assert_eq!(stdout(&o), "GET\n");
    // -o -v: the selected lines hold no match, so they are printed whole (ripgrep).
    let o = loggrep(&["-o", "-v", "404"], Some(input));
    assert_eq!(
        (o.status.code(), stdout(&o).as_str()),
        (Some(0), "POST /b 200\n")
    );
    let o = loggrep(&["--color=always", "-n", "404"], Some(input));
    assert_eq!(
        stdout(&o),
        "\x1b[32m1\x1b[0m\x1b[36m:\x1b[0mGET /a \x1b[1;31m404\x1b[0m x \x1b[1;31m404\x1b[0m\n"
    );
    // Not a terminal: auto means no colour.
    let o = loggrep(&["404"], Some(input));
    assert_eq!(stdout(&o), "GET /a 404 x 404\n");
    let o = loggrep(&["--color", "sometimes", "404"], Some(input));
    assert_eq!(o.status.code(), Some(2));
}

/// `-A`, `-B`, `-C` print the lines around each selected line as grep does: `-` after the
/// number on context lines, `--` between groups that are not adjacent, `-m` counting only
/// selected lines.
#[test]
#[cfg_attr(miri, ignore = "runs the loggrep process")]
fn context_lines_like_grep() {
    let input: String = (1..=20).map(|i| format!("line {i}\n")).collect();
    let o = loggrep(&["-C1", "line (5|6|12)$"], Some(input.as_bytes()));
    assert_eq!(
        stdout(&o),
        "line 4\nline 5\nline 6\nline 7\n--\nline 11\nline 12\nline 13\n"
    );
    let o = loggrep(&["-n", "-A", "2", "line 1$"], Some(input.as_bytes()));
    assert_eq!(stdout(&o), "1:line 1\n2-line 2\n3-line 3\n");
    let o = loggrep(&["-B2", "-m1", "line 1[05]$"], Some(input.as_bytes()));
    assert_eq!(stdout(&o), "line 8\nline 9\nline 10\n");
    // Context with -v selects the lines that do not match.
    let o = loggrep(
        &["-v", "-A1", "line ([2-9]|1[0-9]|20)$"],
        Some(input.as_bytes()),
    );
    assert_eq!(stdout(&o), "line 1\nline 2\n");
    let o = loggrep(&["-A", "x", "y"], Some(input.as_bytes()));
    assert_eq!(o.status.code(), Some(2));
}

/// `--follow` with several files follows all of them at once, each line tagged with its file,
/// and ends with 0 once its reader has gone.
#[test]
#[cfg_attr(miri, ignore = "runs the loggrep process")]
fn follow_several_files_at_once() {
    use std::io::{BufRead, BufReader};
    let exe = loggrep_exe();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    std::fs::write(&a, "").unwrap();
    std::fs::write(&b, "").unwrap();
    let mut child = Command::new(exe)
        .args(["--tail", "404", a.to_str().unwrap(), b.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let out = BufReader::new(child.stdout.take().unwrap());
    let reader = std::thread::spawn(move || {
        let (mut from_a, mut from_b) = (false, false);
        for line in out.lines() {
            let line = line.unwrap();
            from_a |= line.ends_with("a.log:a 404");
            from_b |= line.ends_with("b.log:b 404");
            let _ = tx.send(line);
            if from_a && from_b {
                break;
            }
        }
        // The reader leaves once it has a line of each file, as `| head` would.
    });
    let append = |path: &std::path::Path, text: &str| {
        let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        f.write_all(text.as_bytes()).unwrap();
    };
    // Keep appending until both lines arrive: loggrep starts at each file's end, so lines
    // written before it opened the files are (rightly) not seen.
    let mut got: Vec<String> = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let seen = |got: &[String], tail: &str| got.iter().any(|l| l.ends_with(tail));
    while !(seen(&got, "a.log:a 404") && seen(&got, "b.log:b 404"))
        && std::time::Instant::now() < deadline
    {
        if !seen(&got, "a.log:a 404") {
            append(&a, "a 404\n");
        }
        if !seen(&got, "b.log:b 404") {
            append(&b, "b 404\nb 200\n");
        }
        while let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(300)) {
            got.push(line);
        }
    }
    reader.join().unwrap();
    assert!(
        seen(&got, "a.log:a 404") && seen(&got, "b.log:b 404"),
        "{got:?}"
    );
    assert!(!got.iter().any(|l| l.contains("200")), "{got:?}");
    // The reader has gone: loggrep ends with 0 without another line to write.
    assert_eq!(exit_within_20s(&mut child).code(), Some(0));
}

/// Waits for `child` to end on its own; a child still running after 20 s fails the test.
fn exit_within_20s(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("loggrep did not end once its reader had gone");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `loggrep --follow x log | head -1` ends when head does, though the follow is idle then: no
/// line comes to find the pipe closed.
#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(miri, ignore = "runs the loggrep process")]
fn an_idle_follow_ends_when_its_reader_goes() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("growing.log");
    std::fs::write(&log, "").unwrap();
    let mut child = follow_404(&log);
    let (tx, rx) = std::sync::mpsc::channel();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        let _ = tx.send(first);
        // `out` is dropped here: the pipe's only reader has gone, as `head -1` leaves.
    });
    // Loggrep starts at the end of the file: append until the first line arrives.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let first = loop {
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        writeln!(f, "one 404").unwrap();
        if let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(300)) {
            break line;
        }
        assert!(std::time::Instant::now() < deadline, "no line came");
    };
    reader.join().unwrap();
    assert_eq!(first, "one 404\n");
    assert_eq!(exit_within_20s(&mut child).code(), Some(0));
}

/// `-j4` prints exactly what `-j1` prints (each file's block in input order), for counts,
/// lines, listings and errors, and exits with the same status.
#[test]
#[cfg_attr(miri, ignore = "runs the loggrep process")]
fn parallel_search_prints_what_the_sequential_one_prints() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..24 {
        let text: String = (0..i * 37)
            .map(|j| {
                format!(
                    "{i} line {j} {}\n",
                    if j % 5 == 0 { "GET 404" } else { "GET 200" }
                )
            })
            .collect();
        let path = dir.path().join(format!("f{i:02}.log"));
        if i % 4 == 0 {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(text.as_bytes()).unwrap();
            std::fs::write(path.with_extension("log.gz"), gz.finish().unwrap()).unwrap();
        } else {
            std::fs::write(&path, text).unwrap();
        }
    }
    std::fs::write(dir.path().join("binary.log"), b"404\0\0\n").unwrap();
    let root = dir.path().to_str().unwrap();
    let missing = dir.path().join("missing.log");
    let missing = missing.to_str().unwrap();
    for args in [
        vec!["-c", "404", root],
        vec!["-n", "404", root],
        vec!["-l", "404", root],
        vec!["--files-without-match", "f0 line", root],
        vec!["-m", "2", "-C", "1", "404", root, missing],
        vec!["-c", "404", missing, root],
    ] {
        let run = |j: &str| {
            let mut all = vec![j];
            all.extend(&args);
            loggrep(&all, None)
        };
        let (one, four) = (run("-j1"), run("-j4"));
        assert_eq!(stdout(&one), stdout(&four), "{args:?}");
        assert_eq!(stderr(&one), stderr(&four), "{args:?}");
        assert_eq!(one.status.code(), four.status.code(), "{args:?}");
        assert!(
            !stdout(&one).is_empty() || args[0] == "--files-without-match",
            "{args:?}"
        );
    }
}

#[test]
#[cfg_attr(miri, ignore = "runs a process")]
fn ripgrep_flags_words_lines_smart_case_counts_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    std::fs::write(&log, "get foo GET\nforget it\nGET x\nget get get\n").unwrap();
    let log_s = log.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.push(log_s);
        stdout(&loggrep(&all, None))
    };
    // -w: whole words only ("forget" does not match); -x: whole lines only.
    assert_eq!(run(&["-w", "get"]), "get foo GET\nget get get\n");
    assert_eq!(run(&["-x", "GET x"]), "GET x\n");
    assert_eq!(run(&["-x", "GET"]), "");
    // -S: case-insensitive unless a pattern has an uppercase letter.
    assert_eq!(run(&["-c", "-S", "get"]), "4\n");
    assert_eq!(run(&["-c", "-S", "GET"]), "2\n");
    // --count-matches counts matches, not lines; with --total one figure.
    assert_eq!(run(&["--count-matches", "get"]), "5\n");
    // Of -c and --count-matches, the last wins (ripgrep).
    assert_eq!(run(&["-c", "--count-matches", "-w", "get"]), "4\n");
    assert_eq!(run(&["--count-matches", "-c", "-w", "get"]), "2\n");
    // -z is accepted (compressed files are always read); -V prints the version.
    assert_eq!(run(&["-z", "-c", "GET"]), "2\n");
    let version = stdout(&loggrep(&["-V"], None));
    assert_eq!(version, format!("loggrep {}\n", env!("CARGO_PKG_VERSION")));
    // --files lists what would be searched; -g is --glob.
    std::fs::write(dir.path().join("b.txt"), "x\n").unwrap();
    let root = dir.path().to_str().unwrap();
    let files = loggrep(&["--files", "-g", "*.log", root], None);
    assert_eq!(stdout(&files), format!("{log_s}\n"));
    assert_eq!(files.status.code(), Some(0));
    let none = loggrep(&["--files", "-g", "*.none", root], None);
    assert_eq!((stdout(&none).as_str(), none.status.code()), ("", Some(1)));
}

#[test]
#[cfg(unix)]
#[cfg_attr(miri, ignore = "runs a process")]
fn dash_l_follows_links_as_ripgrep_does() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    std::fs::write(dir.path().join("real/app.log"), "hit\n").unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("other.log"), "hit\n").unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked")).unwrap();
    let root = dir.path().to_str().unwrap();
    assert_eq!(
        stdout(&loggrep(&["-c", "--total", "hit", root], None)),
        "1\n"
    );
    assert_eq!(
        stdout(&loggrep(&["-L", "-c", "--total", "hit", root], None)),
        "2\n"
    );
    assert_eq!(
        stdout(&loggrep(&["--follow", "-c", "--total", "hit", root], None)),
        "2\n"
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs a process")]
fn every_flag_of_the_help_is_in_the_readme() {
    let help = stdout(&loggrep(&["--help"], None));
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut missing = Vec::new();
    for word in help.split(|c: char| c.is_whitespace() || c == ',') {
        let flag = word.trim_end_matches(|c: char| !c.is_alphanumeric());
        if flag.starts_with("--") && flag.len() > 2 && !readme.contains(&format!("`{flag}")) {
            missing.push(flag.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "flags of --help missing from the README: {missing:?}"
    );
}

#[test]
#[cfg(unix)]
#[cfg_attr(miri, ignore = "runs processes")]
fn a_fifo_is_searched_whole_and_does_not_block() {
    // The binary sniff opened the path, read 64 KiB and reopened it: a FIFO lost those bytes
    // (`loggrep -c foo <(seq ...)` counted 192595 of 200000) or blocked for a second writer.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("lines.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut w = std::io::BufWriter::new(
                std::fs::OpenOptions::new().write(true).open(&fifo).unwrap(),
            );
            for i in 0..200_000 {
                writeln!(w, "{i} foo").unwrap();
            }
        })
    };
    let mut child = Command::new(loggrep_exe())
        .args(["-c", "foo", fifo.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let status = exit_within_20s(&mut child);
    writer.join().unwrap();
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    assert_eq!((status.code(), out.as_str()), (Some(0), "200000\n"));
}

#[test]
#[cfg_attr(miri, ignore = "runs a process")]
fn max_count_zero_selects_nothing_and_lists_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    std::fs::write(&log, "hit\n").unwrap();
    let log_s = log.to_str().unwrap();
    for args in [
        vec!["-m", "0", "-l", "hit", log_s],
        vec!["-m", "0", "-c", "hit", log_s],
        vec!["-m", "0", "hit", log_s],
    ] {
        let o = loggrep(&args, None);
        assert_eq!(
            (o.status.code(), stdout(&o).as_str()),
            (Some(1), ""),
            "{args:?}"
        );
    }
}

#[test]
#[cfg_attr(miri, ignore = "runs a process")]
fn binary_standard_input_is_told_and_bounded() {
    // NUL-only standard input held 64+ MiB (one "line" up to the line limit): now it is told
    // binary from its first block, as a named file is, and a "line" stops at 1 MiB.
    let zeros = vec![0u8; 32 << 20];
    let o = loggrep(&["--stats", "-c", "foo"], Some(&zeros));
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(1), ""));
    if cfg!(target_os = "linux") {
        let peak = peak_mib(&o).unwrap_or_else(|| panic!("no peak in {}", stderr(&o)));
        assert!(peak <= 16.0, "peak {peak} MiB");
    }
    // A match in binary input: the notice, not the bytes.
    let mut input = b"a foo\0b\n".to_vec();
    input.extend_from_slice(&[0u8; 1000]);
    let o = loggrep(&["foo"], Some(&input));
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("binary file matches"), "{}", stdout(&o));
    // Compressed standard input is not binary: its bytes are not its lines'.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"a foo\nb\n").unwrap();
    let o = loggrep(&["foo"], Some(&gz.finish().unwrap()));
    assert_eq!(stdout(&o), "a foo\n");
}

#[test]
#[cfg_attr(miri, ignore = "runs a process")]
fn a_long_line_is_searched_up_to_the_limit_asked() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("long.log");
    let mut text = "x".repeat(3 << 20);
    text.push_str(" needle\nshort needle\n");
    std::fs::write(&log, &text).unwrap();
    let log_s = log.to_str().unwrap();
    // Under the default limit (64 MiB) and under one asked for: both lines.
    assert_eq!(stdout(&loggrep(&["-c", "needle", log_s], None)), "2\n");
    assert_eq!(
        stdout(&loggrep(
            &["-c", "--max-line-bytes", "4M", "needle", log_s],
            None
        )),
        "2\n"
    );
    // Over it: an error that names the limit, exit 2.
    let o = loggrep(&["-c", "--max-line-bytes", "1M", "needle", log_s], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("1048576"), "{}", stderr(&o));
}

#[test]
#[cfg_attr(miri, ignore = "runs a process")]
fn a_binary_file_is_searched_past_its_long_runs() {
    // A match after a 2 MiB run without a line end: the search ended at the 1 MiB "line" with
    // no message and exit 1; ripgrep says "binary file matches". A "line" past 1 MiB is now
    // cut and the search goes on.
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("data.bin");
    let mut bytes = vec![0u8; 2 << 20];
    bytes.extend_from_slice(b"\nfoo here\n");
    std::fs::write(&bin, &bytes).unwrap();
    let bin_s = bin.to_str().unwrap();
    let o = loggrep(&["foo", bin_s], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "binary file matches (found \"\\0\" byte around offset 0)\n"
    );
    assert_eq!(stdout(&loggrep(&["-c", "foo", bin_s], None)), "1\n");
    // A sparse file of NULs: one "line", which does not match: `-v -c` counts it (it was 0).
    let sparse = dir.path().join("sparse.bin");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(200 << 20)
        .unwrap();
    let o = loggrep(&["-v", "-c", "foo", sparse.to_str().unwrap()], None);
    assert_eq!(
        (o.status.code(), stdout(&o).as_str()),
        (Some(0), "1\n"),
        "{}",
        stderr(&o)
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs processes on a 20 MiB file")]
fn one_large_file_cut_in_parts_gives_what_one_worker_gives() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("big.log");
    write_access_log_file(&log, 20 << 20, 7, AccessFormat::Common).unwrap();
    let log_s = log.to_str().unwrap();
    for args in [
        vec!["-c", " 404 "],
        vec!["-c", "-i", "get /ply-\\S*\\.gz"],
        vec!["-c", "-m", "1000", " 200 "],
        vec!["-l", " 404 "],
        vec!["--files-without-match", "zzz-absent"],
        vec!["-c", "zzz-absent"],
        vec!["--stats", "-c", " 404 "],
        // Lines printed: the parts' lines joined in order, numbered as in the file.
        vec!["-n", " 404 "],
        vec![" 404 "],
        vec!["-n", "-C", "2", "ply-[0-9]+\\.gz"],
        vec!["-n", "-B", "3", "-m", "50", " 500 "],
        vec!["-n", "-A", "2", "-m", "7", " 404 "],
        vec!["-v", "-n", "-m", "30000", " 200 "],
        vec!["-o", "-n", "-i", "get /ply-\\S*"],
        vec!["--color", "always", "-n", "-C", "1", " 404 "],
        vec!["-m", "3", "-n", "zzz-absent"],
    ] {
        let run = |jobs: &str| {
            let mut all = vec![jobs];
            all.extend(&args);
            all.push(log_s);
            let o = loggrep(&all, None);
            (o.status.code(), stdout(&o), stderr(&o).contains("2 files"))
        };
        let (one, four) = (run("-j1"), run("-j4"));
        assert_eq!(one.0, four.0, "{args:?}");
        assert_eq!(one.1, four.1, "{args:?}");
        if args[0] == "--stats" {
            let lines = |jobs: &str| {
                let o = loggrep(&[jobs, "--stats", "-c", " 404 ", log_s], None);
                stderr(&o)
                    .split(" lines scanned")
                    .next()
                    .unwrap()
                    .rsplit(' ')
                    .next()
                    .unwrap()
                    .to_string()
            };
            assert_eq!(lines("-j1"), lines("-j4"), "every part's lines are counted");
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "runs processes")]
fn generated_man_page_and_completions_list_every_flag() {
    let help = stdout(&loggrep(&["--help"], None));
    let flags: Vec<&str> = help
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.trim_end_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .collect();
    assert!(flags.len() > 30, "{help}");
    let man = stdout(&loggrep(&["--generate", "man"], None));
    let bash = stdout(&loggrep(&["--generate", "complete-bash"], None));
    let fish = stdout(&loggrep(&["--generate", "complete-fish"], None));
    for flag in &flags {
        let long = flag.trim_start_matches('-');
        assert!(
            man.contains(&format!("\\-\\-{}", long.replace('-', "\\-"))),
            "man lacks {flag}"
        );
        assert!(bash.contains(flag), "bash completion lacks {flag}");
        assert!(
            fish.contains(&format!("-l {long}")),
            "fish completion lacks {flag}"
        );
    }
    assert!(man.starts_with(".TH LOGGREP 1"));
    // The bash completion is valid bash.
    let mut check = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    check
        .stdin
        .take()
        .unwrap()
        .write_all(bash.as_bytes())
        .unwrap();
    assert!(check.wait().unwrap().success(), "{bash}");
    let bad = loggrep(&["--generate", "zsh"], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("complete-bash"));
}

#[test]
#[cfg_attr(miri, ignore = "runs processes")]
fn file_types_pick_the_files_of_a_walk() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.log", "b.txt", "c.rs", "d.md"] {
        std::fs::write(dir.path().join(name), "hit\n").unwrap();
    }
    let root = dir.path().to_str().unwrap();
    let names = |args: &[&str]| {
        let mut all = vec!["-l"];
        all.extend(args);
        all.extend(["hit", root]);
        let mut listed: Vec<String> = stdout(&loggrep(&all, None))
            .lines()
            .map(|l| l.rsplit('/').next().unwrap().to_string())
            .collect();
        listed.sort();
        listed
    };
    assert_eq!(names(&["-t", "log"]), ["a.log"]);
    assert_eq!(names(&["-t", "log", "-t", "md"]), ["a.log", "d.md"]);
    assert_eq!(names(&["-T", "log", "-T", "txt"]), ["c.rs", "d.md"]);
    // A file named on the command line is searched whatever its type (as ripgrep).
    let named = dir.path().join("c.rs");
    assert_eq!(
        stdout(&loggrep(
            &["-c", "-t", "log", "hit", named.to_str().unwrap()],
            None
        )),
        "1\n"
    );
    let bad = loggrep(&["-t", "nope", "hit", root], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--type-list"));
    let list = stdout(&loggrep(&["--type-list"], None));
    assert!(
        list.contains("log: *.log\n") && list.contains("rust: *.rs\n"),
        "{list}"
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs processes")]
fn walks_read_ignore_files_as_ripgrep_does() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    std::fs::write(root.join(".gitignore"), "skipped.log\nbuild/\n").unwrap();
    std::fs::write(root.join(".ignore"), "also.log\n").unwrap();
    std::fs::create_dir(root.join("build")).unwrap();
    for name in [
        "kept.log",
        "skipped.log",
        "also.log",
        "build/out.log",
        "other.txt",
    ] {
        std::fs::write(root.join(name), "hit\n").unwrap();
    }
    let root_s = root.to_str().unwrap();
    let listed = |args: &[&str]| {
        let mut all = vec!["-l"];
        all.extend(args);
        all.extend(["hit", root_s]);
        let mut names: Vec<String> = stdout(&loggrep(&all, None))
            .lines()
            .map(|l| {
                l.strip_prefix(root_s)
                    .unwrap()
                    .trim_start_matches('/')
                    .to_string()
            })
            .collect();
        names.sort();
        names
    };
    assert_eq!(listed(&[]), ["kept.log", "other.txt"]);
    assert_eq!(
        listed(&["--no-ignore"]),
        [
            "also.log",
            "build/out.log",
            "kept.log",
            "other.txt",
            "skipped.log"
        ]
    );
    // -g includes, !glob excludes; both override the ignore files for files, as in ripgrep
    // (an ignored directory is still not entered).
    assert_eq!(
        listed(&["-g", "*.log"]),
        ["also.log", "kept.log", "skipped.log"]
    );
    assert_eq!(listed(&["-g", "!*.txt"]), ["kept.log"]);
    if let Some(rg) = ["rg"]
        .into_iter()
        .find(|rg| Command::new(rg).arg("--version").output().is_ok())
    {
        for args in [
            vec![],
            vec!["--no-ignore"],
            vec!["-g", "*.log"],
            vec!["-g", "!*.txt"],
        ] {
            let mut all = vec!["-l", "--sort", "path"];
            all.extend(&args);
            all.extend(["hit", root_s]);
            let theirs = Command::new(rg).args(&all).output().unwrap();
            let mut theirs: Vec<String> = String::from_utf8_lossy(&theirs.stdout)
                .lines()
                .map(|l| {
                    l.strip_prefix(root_s)
                        .unwrap()
                        .trim_start_matches('/')
                        .to_string()
                })
                .collect();
            theirs.sort();
            assert_eq!(listed(&args), theirs, "{args:?}");
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "runs processes")]
fn json_lines_are_ripgreps_messages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.log");
    // A line that is not UTF-8, a control character, a last line without its newline.
    std::fs::write(&path, b"a foo\n\xff foo\nskip\n\x01 \"foo\"").unwrap();
    let o = loggrep(&["--json", "foo", path.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    let name = path.to_str().unwrap();
    assert_eq!(lines.len(), 6, "{out}");
    assert_eq!(
        lines[0],
        format!(r#"{{"type":"begin","data":{{"path":{{"text":"{name}"}}}}}}"#)
    );
    assert!(lines[1].contains(r#""lines":{"text":"a foo\n"},"line_number":1,"absolute_offset":0,"submatches":[{"match":{"text":"foo"},"start":2,"end":5}]"#), "{}", lines[1]);
    // Bytes that are not UTF-8 as base64, as rg prints them.
    assert!(
        lines[2].contains(r#""lines":{"bytes":"/yBmb28K"},"line_number":2,"absolute_offset":6"#),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].contains(r#""lines":{"text":"\u0001 \"foo\""},"line_number":4"#),
        "{}",
        lines[3]
    );
    assert!(lines[4].starts_with(r#"{"type":"end","#), "{}", lines[4]);
    assert!(lines[4].contains(r#""bytes_searched":24,"#), "{}", lines[4]);
    assert!(
        lines[4].contains(r#""matched_lines":3,"matches":3}}}"#),
        "{}",
        lines[4]
    );
    assert!(
        lines[5].starts_with(r#"{"data":{"elapsed_total":{"human":""#),
        "{}",
        lines[5]
    );
    assert!(lines[5].ends_with(r#""searches":1,"searches_with_match":1}},"type":"summary"}"#));

    // Standard input is `<stdin>`; nothing found: no begin or end, only the summary.
    let o = loggrep(&["--json", "foo"], Some(b"foo\n"));
    assert!(stdout(&o).starts_with(r#"{"type":"begin","data":{"path":{"text":"<stdin>"}}}"#));
    let o = loggrep(&["--json", "zzz"], Some(b"foo\n"));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o).lines().count(), 1);
    assert!(
        stdout(&o).contains(r#""bytes_searched":4,"#),
        "{}",
        stdout(&o)
    );

    // A named binary file: its lines, and where its NUL is.
    let bin = dir.path().join("b.dat");
    std::fs::write(&bin, b"a\0b foo\n").unwrap();
    let o = loggrep(&["--json", "foo", bin.to_str().unwrap()], None);
    assert!(
        stdout(&o).contains(r#""lines":{"text":"a\u0000b foo\n"}"#),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains(r#""binary_offset":1,"#),
        "{}",
        stdout(&o)
    );

    // The last of --json, -c, -l wins.
    let o = loggrep(&["--json", "-c", "foo", path.to_str().unwrap()], None);
    assert_eq!(stdout(&o), "3\n");
    let o = loggrep(&["-c", "--json", "foo", path.to_str().unwrap()], None);
    assert!(stdout(&o).starts_with(r#"{"type":"begin""#));
}
