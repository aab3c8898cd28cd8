//! `follow`: appended lines in order, truncation, rotation, stopping, releasing the file.

use std::io::Write;
use std::time::Duration;

use genpipe::io::{follow, grep};
use genpipe::prelude::*;

fn append(path: &std::path::Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// Stops `tail` after 20 s, so a follow that lost a line makes its test fail instead of hang.
fn deadline(tail: &Gen<genpipe::io::Lines<genpipe::io::FollowReader>>) {
    let stop = tail.stop_token();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(20));
        stop.stop();
    });
}

fn texts(g: Gen<impl Pull<Item = Line, Return = genpipe::Result<()>>>) -> Vec<String> {
    (g.map(|l| l.to_string()) | collect::<Vec<_>>()).unwrap()
}

#[test]
#[cfg_attr(miri, ignore = "threads and sleeps")]
fn appended_lines_in_order_after_truncation_and_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(&path, "old 1\nold 2\n").unwrap();
    let tail = follow(&path).poll_interval(Duration::from_millis(5));
    deadline(&tail);

    let writer = {
        let path = path.clone();
        std::thread::spawn(move || {
            let pause = || std::thread::sleep(Duration::from_millis(60));
            append(&path, "a 404\nb 200\n");
            pause();
            append(&path, "c 404 partial");
            pause();
            append(&path, " done\n");
            pause();
            // Truncation: the file starts over.
            std::fs::write(&path, "d 404\n").unwrap();
            pause();
            // Rotation: the file is renamed away and a new one takes its name.
            std::fs::rename(&path, path.with_extension("1")).unwrap();
            pause();
            append(&path, "e 404\n");
        })
    };
    let got = texts(tail | grep("404") | take(4));
    writer.join().unwrap();
    assert_eq!(got, ["a 404", "c 404 partial done", "d 404", "e 404"]);
}

#[test]
#[cfg_attr(miri, ignore = "threads and sleeps")]
fn a_stop_token_ends_it_and_dropping_it_releases_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quiet.log");
    std::fs::write(&path, "").unwrap();
    let tail = follow(&path).poll_interval(Duration::from_millis(5));
    let stop = tail.stop_token();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        stop.stop();
    });
    let started = std::time::Instant::now();
    assert_eq!((tail | count()).unwrap(), 0);
    assert!(started.elapsed() < Duration::from_secs(5));
    stopper.join().unwrap();

    // After `take(n)` ends the pipeline the follow is dropped: its file is closed.
    #[cfg(target_os = "linux")]
    {
        // Whether this process holds `path` open (other tests' files do not count).
        let holds = |path: &std::path::Path| {
            std::fs::read_dir("/proc/self/fd")
                .unwrap()
                .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .any(|target| target == path)
        };
        let tail = follow(&path).poll_interval(Duration::from_millis(5));
        assert!(holds(&path));
        append(&path, "x\n");
        assert_eq!(texts(tail | take(1)), ["x"]);
        assert!(!holds(&path), "the followed file is released");
    }
}

#[test]
fn a_missing_file_is_an_error() {
    let err = (follow("/no/such/growing.log") | count()).unwrap_err();
    assert!(err.to_string().contains("/no/such/growing.log"));
}

/// A partial last line of a rotated file is a line of its own, never glued to the new file's
/// first line.
#[test]
#[cfg_attr(miri, ignore = "threads and sleeps")]
fn a_partial_last_line_is_not_glued_to_the_next_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(&path, "").unwrap();
    let tail = follow(&path).poll_interval(Duration::from_millis(5));
    deadline(&tail);
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            append(&path, "whole\nunfinished");
            std::thread::sleep(Duration::from_millis(60));
            std::fs::rename(&path, path.with_extension("1")).unwrap();
            append(&path, "next file\n");
        })
    };
    let got = texts(tail | take(3));
    writer.join().unwrap();
    assert_eq!(got, ["whole", "unfinished", "next file"]);
}

/// `copytruncate` between two looks: the file is emptied and written again past the offset the
/// follower had read to. The old offset would land in the middle of the new text; the follower
/// must see the change (the bytes before its offset differ) and read from the start.
#[test]
#[cfg_attr(miri, ignore = "threads and sleeps")]
fn a_file_truncated_and_regrown_past_the_offset_is_read_from_its_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(&path, "").unwrap();
    // A long poll: the truncation and the regrowth both happen between two looks.
    let tail = follow(&path).poll_interval(Duration::from_millis(300));
    deadline(&tail);
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            append(&path, "first 1\nfirst 2\n");
            std::thread::sleep(Duration::from_millis(700));
            let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            f.set_len(0).unwrap();
            drop(f);
            append(&path, "second 1 is longer than what was there\nsecond 2\n");
        })
    };
    let got = texts(tail | take(4));
    writer.join().unwrap();
    assert_eq!(
        got,
        [
            "first 1",
            "first 2",
            "second 1 is longer than what was there",
            "second 2"
        ]
    );
}

/// Rotated twice while the follower is still reading the first file: the middle file, seen at
/// the path once, is read to its end through its handle although it was renamed again.
#[test]
#[cfg_attr(miri, ignore = "threads and sleeps")]
fn a_file_rotated_twice_before_the_follower_drains_it_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(&path, "").unwrap();
    let tail = follow(&path).poll_interval(Duration::from_millis(5));
    deadline(&tail);
    let pad = "x".repeat(90);
    let writer = {
        let (path, pad) = (path.clone(), pad.clone());
        std::thread::spawn(move || {
            let lines: String = (0..2000).map(|i| format!("a {i:04} {pad}\n")).collect();
            append(&path, &lines);
            std::thread::sleep(Duration::from_millis(300));
            std::fs::rename(&path, path.with_extension("1")).unwrap();
            append(&path, "b 0\nb 1\n");
            std::thread::sleep(Duration::from_millis(500));
            std::fs::rename(&path, path.with_extension("2")).unwrap();
            append(&path, "c 0\n");
        })
    };
    // A slow reader: 2000 lines take about two seconds, so both rotations happen meanwhile.
    let got = texts(tail.inspect(|_| std::thread::sleep(Duration::from_millis(1))) | take(2003));
    writer.join().unwrap();
    let want: Vec<String> = (0..2000)
        .map(|i| format!("a {i:04} {pad}"))
        .chain(["b 0", "b 1", "c 0"].map(String::from))
        .collect();
    assert_eq!(got.len(), want.len());
    assert!(got == want, "lines lost or out of order");
}

/// A path that exists but cannot be read is retried once per poll, then the follow ends with
/// the error (not a busy loop, not a silent wait forever).
#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "threads and sleeps")]
fn a_path_that_cannot_be_reopened_ends_with_an_error_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(&path, "").unwrap();
    let tail = follow(&path)
        .poll_interval(Duration::from_millis(10))
        .reopen_timeout(Duration::from_millis(200));
    // Replace the file by a directory: the path exists, and its lines cannot be read.
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let started = std::time::Instant::now();
    let got = tail | count();
    let waited = started.elapsed();
    assert!(got.is_err(), "{got:?}");
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
}

/// The load test: a writer appends lines with rotations of every kind; every line the rotation
/// scheme lets the follower see is seen exactly once, in order, and none is corrupt.
#[test]
#[cfg_attr(miri, ignore = "threads and sleeps")]
fn a_writer_with_every_kind_of_rotation_loses_and_corrupts_nothing_it_need_not() {
    const LINES: u64 = 120_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(&path, "").unwrap();
    let tail = follow(&path).poll_interval(Duration::from_millis(2));
    let stop = tail.stop_token();
    // At these line numbers: rename and create (twice), copytruncate (twice), truncate (twice).
    let rotations = [
        (20_000, "rename"),
        (30_000, "rename"),
        (45_000, "copytruncate"),
        (60_000, "copytruncate"),
        (80_000, "truncate"),
        (100_000, "truncate"),
    ];
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || {
            let reopen = |p: &std::path::Path| {
                std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(p)
                    .unwrap()
            };
            let empty = |p: &std::path::Path| {
                let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
                f.set_len(0).unwrap();
            };
            let mut f = reopen(&path);
            for i in 0..LINES {
                if let Some(k) = rotations.iter().position(|(at, _)| *at == i) {
                    drop(f);
                    let old = path.with_extension(format!("{k}"));
                    match rotations[k].1 {
                        "rename" => std::fs::rename(&path, &old).unwrap(),
                        "copytruncate" => {
                            std::fs::copy(&path, &old).unwrap();
                            empty(&path);
                        }
                        _ => empty(&path),
                    }
                    f = reopen(&path);
                }
                writeln!(f, "seq {i}").unwrap();
                if i % 5000 == 0 {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        })
    };
    // Stops a follow that would otherwise wait forever for a lost last line.
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        stop.stop();
    });
    let last_line = format!("seq {}", LINES - 1);
    let got = texts(tail.take_while(move |l| l.as_bytes() != last_line.as_bytes()));
    writer.join().unwrap();
    drop(watchdog);
    let mut last: Option<u64> = None;
    let mut fragments = 0;
    let mut seen = std::collections::BTreeSet::new();
    for line in &got {
        match line
            .strip_prefix("seq ")
            .and_then(|n| n.parse::<u64>().ok())
        {
            Some(n) if last.is_none_or(|l| n > l) && !line.is_empty() => {
                last = Some(n);
                seen.insert(n);
            }
            // A line that was being read when its file was truncated: delivered as far as it
            // had been read, as its own line (documented), and only there.
            _ if format!("seq {}", last.map_or(0, |l| l + 1)).starts_with(line.as_str()) => {
                fragments += 1
            }
            _ => panic!("corrupt or out-of-order line {line:?} after {last:?}"),
        }
    }
    assert!(fragments <= 4, "{fragments} fragments for 4 truncations");
    // Nothing is lost at a rename rotation, nor after a truncation point; lines written just
    // before a truncation that the follower had not read yet go with it (the scheme's loss).
    let truncations: Vec<u64> = rotations
        .iter()
        .filter(|(_, kind)| *kind != "rename")
        .map(|(at, _)| *at)
        .collect();
    for n in 0..LINES - 1 {
        let lossy = truncations.iter().any(|&t| n < t && t - n <= 5_000);
        assert!(seen.contains(&n) || lossy, "line {n} lost");
    }
    eprintln!(
        "seen {} of {LINES} lines, {fragments} fragments",
        seen.len()
    );
}
