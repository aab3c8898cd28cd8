//! Child processes as sources and sinks: lines read, exit statuses and stderr reported, children
//! ended when the pipeline is dropped, memory flat over a long stream, and every failure a clear
//! error (a command that cannot start, exits non-zero, never writes, or stops reading).
#![cfg(unix)]

use std::process::Command;
use std::time::{Duration, Instant};

use genpipe::io::{command_lines, to_command};
use genpipe::mem::{CountingAlloc, measure};
use genpipe::prelude::*;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::system();

fn sh(script: &str) -> Command {
    let mut c = Command::new("sh");
    c.args(["-c", script]);
    c
}

#[test]
fn the_lines_a_command_writes_arrive_in_order() {
    let got: Vec<String> =
        (command_lines(sh("printf 'a 1\\nb 2\\nc 3'")) | map(|l: Line| l.to_string()) | collect())
            .unwrap();
    assert_eq!(got, ["a 1", "b 2", "c 3"]);
}

#[test]
fn grep_and_count_over_a_command_use_the_buffer_search() {
    let script = "i=0; while [ $i -lt 3000 ]; do echo \"GET /x$i $((i % 7))\"; i=$((i+1)); done";
    let by_grep = (command_lines(sh(script)) | grep(" 3") | count()).unwrap();
    let by_filter =
        (command_lines(sh(script)) | filter(|l: &Line| l.as_bytes().ends_with(b" 3")) | count())
            .unwrap();
    assert_eq!(by_grep, by_filter);
    assert!(by_grep > 400, "{by_grep}");
}

#[test]
fn a_non_zero_exit_is_the_pipelines_error_with_its_status_and_stderr() {
    let script = "echo one; echo two; echo 'warming up' >&2; echo 'zcat: x.gz: unexpected end of file' >&2; exit 3";
    let mut got = Vec::new();
    let outcome = command_lines(sh(script)) | for_each(|l: Line| got.push(l.to_string()));
    assert_eq!(got, ["one", "two"], "the lines before the failure arrive");
    let err = outcome.unwrap_err();
    match &err {
        genpipe::Error::Command {
            command,
            status,
            stderr,
        } => {
            assert!(command.starts_with("sh -c 'echo one;"), "{command}");
            assert_eq!(status.code(), Some(3));
            assert_eq!(stderr, "warming up\nzcat: x.gz: unexpected end of file");
        }
        other => panic!("not a command error: {other:?}"),
    }
    assert!(
        err.to_string()
            .ends_with("exited with status 3: zcat: x.gz: unexpected end of file"),
        "{err}"
    );
}

#[test]
fn a_command_killed_by_a_signal_says_so() {
    let err = (command_lines(sh("kill -9 $$")) | count()).unwrap_err();
    assert!(err.to_string().ends_with("was killed by signal 9"), "{err}");
}

#[test]
fn a_command_that_cannot_start_is_an_io_error_naming_it() {
    let err = (command_lines(Command::new("/no/such/program-genpipe")) | count()).unwrap_err();
    assert!(matches!(err, genpipe::Error::Io { .. }), "{err:?}");
    assert!(
        err.to_string().contains("/no/such/program-genpipe"),
        "{err}"
    );
    let err = (pipe(["x"]) | to_command(Command::new("/no/such/program-genpipe"))).unwrap_err();
    assert!(
        err.to_string().contains("/no/such/program-genpipe"),
        "{err}"
    );
}

#[test]
fn a_command_that_writes_nothing_ends_with_no_lines() {
    assert_eq!((command_lines(Command::new("true")) | count()).unwrap(), 0);
    // Lots of stderr and no stdout: read on its own thread, so the child never blocks on it.
    let noisy =
        "i=0; while [ $i -lt 20000 ]; do echo 'noise noise noise noise' >&2; i=$((i+1)); done";
    assert_eq!((command_lines(sh(noisy)) | count()).unwrap(), 0);
}

/// The pid a child's shell wrote to `pid_file` (`echo $$ > file` before `exec`), once written.
fn child_pid(pid_file: &std::path::Path) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(pid) = std::fs::read_to_string(pid_file)
            .unwrap_or_default()
            .trim()
            .parse()
        {
            return pid;
        }
        assert!(Instant::now() < deadline, "the child never started");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether process `pid` still exists (a zombie counts: it was not reaped).
fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn dropping_the_pipeline_ends_and_reaps_a_command_that_never_ends() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let script = format!("echo $$ > {}; exec yes 'a line'", pid_file.display());
    let started = Instant::now();
    let first: Vec<String> =
        (command_lines(sh(&script)) | take(3) | map(|l: Line| l.to_string()) | collect()).unwrap();
    assert_eq!(first, ["a line", "a line", "a line"]);
    let pid = child_pid(&pid_file);
    assert!(!alive(pid), "the child {pid} is still there");
    assert!(started.elapsed() < Duration::from_secs(10));

    // Dropped before any pull: the same.
    let pid_file2 = dir.path().join("pid2");
    let script = format!("echo $$ > {}; exec sleep 1000", pid_file2.display());
    let unread = command_lines(sh(&script));
    let pid = child_pid(&pid_file2);
    drop(unread);
    assert!(!alive(pid), "the child {pid} is still there");
}

#[test]
fn memory_stays_flat_over_a_long_command_output() {
    // 64 MiB of lines through a pipe (`GENPIPE_PROCESS_MB` for more); the pipeline holds a few
    // read buffers at a time, whatever the length.
    let mb: u64 = std::env::var("GENPIPE_PROCESS_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let script = format!(
        "yes '127.0.0.1 - - [06/Dec/2026:10:00:00 +0000] \"GET /index.html HTTP/1.1\" 200 1234' | head -c {}",
        mb << 20
    );
    let (n, report) = measure(|| (command_lines(sh(&script)) | count()).unwrap());
    assert!(n as u64 > (mb << 20) / 100, "{n} lines");
    assert!(
        report.peak_bytes < 4 << 20,
        "peak {} bytes for {mb} MiB",
        report.peak_bytes
    );
}

#[test]
fn to_command_writes_lines_into_a_child_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::fs::File::create(dir.path().join("sorted")).unwrap();
    let written = pipe(["pear", "apple", "fig"]) | to_command(Command::new("sort").stdout(out));
    assert_eq!(written.unwrap(), 3);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sorted")).unwrap(),
        "apple\nfig\npear\n"
    );
    // A fallible pipeline into a command: the pipeline's own error, else the command's result.
    let gz = dir.path().join("lines.gz");
    let gzip = to_command(
        Command::new("gzip")
            .arg("-c")
            .stdout(std::fs::File::create(&gz).unwrap()),
    );
    let written = command_lines(sh("seq 1 1000")) | gzip;
    assert_eq!(written.unwrap().unwrap(), 1000);
    let back = (command_lines(Command::new("gzip").arg("-dc").arg(&gz)) | count()).unwrap();
    assert_eq!(back, 1000);
}

#[test]
fn a_command_that_fails_or_stops_reading_ends_the_sink_with_an_error() {
    // Fails at once: its status and stderr, and the pipeline stops feeding it.
    let mut pulled = 0;
    let result = pipe(0..1_000_000u32)
        | inspect(|_: &u32| pulled += 1)
        | map(|i: u32| i.to_string())
        | to_command(sh("echo 'cannot write /full/disk' >&2; exit 5"));
    let err = result.unwrap_err();
    assert!(
        err.to_string()
            .ends_with("exited with status 5: cannot write /full/disk"),
        "{err}"
    );
    assert!(pulled < 1_000_000, "kept feeding a dead command");

    // Reads one line and exits 0: the rest cannot be written, a broken pipe, not a panic.
    let result = pipe(0..1_000_000u32)
        | map(|i: u32| i.to_string())
        | to_command(sh("head -n 1 > /dev/null"));
    let err = result.unwrap_err();
    let io = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    assert_eq!(io, Some(std::io::ErrorKind::BrokenPipe), "{err:?}");
}

#[test]
fn a_sink_dropped_without_close_ends_its_command() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let script = format!("echo $$ > {}; exec sleep 1000", pid_file.display());
    let mut sink = to_command(sh(&script));
    Sink::<&str>::send(&mut sink, "x").unwrap();
    let pid = child_pid(&pid_file);
    drop(sink);
    assert!(!alive(pid), "the child {pid} is still there");
}

#[test]
fn through_command_answers_line_by_line_or_at_the_end_without_deadlock() {
    use genpipe::io::through_command;
    // Far more than the 256 in flight each way, through a command that answers each line.
    let n = 100_000u32;
    let echoed = (pipe(0..n)
        | map(|i: u32| format!("line {i}"))
        | through_command(&mut Command::new("cat"))
        | count())
    .unwrap();
    assert_eq!(echoed, n as usize);
    // A command that answers only at the end of its input.
    let sorted: Vec<String> = (pipe((0..5000u32).rev())
        | map(|i: u32| format!("{i:05}"))
        | through_command(&mut Command::new("sort"))
        | map(|l: Line| l.to_string())
        | collect())
    .unwrap();
    assert_eq!(sorted.len(), 5000);
    assert_eq!(sorted[0], "00000");
    assert_eq!(sorted[4999], "04999");
    // A command that writes more than it reads.
    let doubled = (pipe(["a", "b"]) | through_command(sh("sed p")) | count()).unwrap();
    assert_eq!(doubled, 4);
}

#[test]
fn through_command_failures_come_after_the_replies() {
    use genpipe::io::through_command;
    let mut got = Vec::new();
    let outcome = pipe(0..1_000_000u32)
        | map(|i: u32| i.to_string())
        | through_command(sh("head -n 2; echo 'gave up' >&2; exit 3"))
        | for_each(|l: Line| got.push(l.to_string()));
    assert_eq!(got, ["0", "1"]);
    let err = outcome.unwrap_err();
    assert!(
        err.to_string().ends_with("exited with status 3: gave up"),
        "{err}"
    );

    let err = (pipe(["x"]) | through_command(&mut Command::new("/no/such/filter")) | count())
        .unwrap_err();
    assert!(err.to_string().contains("/no/such/filter"), "{err}");
}

#[test]
fn dropping_a_pipeline_through_a_command_ends_it() {
    use genpipe::io::through_command;
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let script = format!("echo $$ > {}; exec cat", pid_file.display());
    let started = Instant::now();
    let first = (pipe(0u64..)
        | map(|i: u64| i.to_string())
        | through_command(sh(&script))
        | take(3)
        | map(|l: Line| l.to_string())
        | collect::<Vec<_>>())
    .unwrap();
    assert_eq!(first, ["0", "1", "2"]);
    let pid = child_pid(&pid_file);
    assert!(!alive(pid), "the child {pid} is still there");
    assert!(started.elapsed() < Duration::from_secs(10));
}
