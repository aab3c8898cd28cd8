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
