//! The examples run as timely processes on loopback (127.0.0.1, a hostfile, bounded in time):
//! - `top_hosts` as one genpipe process, as timely threads, and as two processes, over a
//!   generated tree of logs: the same report every way, empty shards included, and a corrupt
//!   file a failure every way;
//! - `window_counts` as two processes following two growing logs: each burst of requests
//!   counted once, in windows that keep the bursts apart, and a file that cannot be followed a
//!   failure.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Starts `example` with `args` (its output piped; [`finish`] bounds its time).
fn example(example: &str, args: &[&str]) -> Child {
    Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", example, "--"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo runs")
}

fn top_hosts(args: &[&str]) -> Child {
    example("top_hosts", args)
}

fn finish(child: std::process::Child) -> Output {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut child = child;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the example did not end within its time");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// The report, without the lines timely prints while its processes connect.
fn report(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("awaiting connections") && !l.contains("error connecting"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The report of a run that must have succeeded (its stderr shown if not).
fn succeeded(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    report(out)
}

fn tree(root: &Path, files: usize) {
    for i in 0..files {
        let dir = root.join(format!("d{}", i % 2));
        std::fs::create_dir_all(&dir).unwrap();
        genpipe::synth::write_access_log_file(
            dir.join(format!("{i}.log")),
            200 << 10,
            i as u64 + 11,
            genpipe::synth::AccessFormat::Common,
        )
        .unwrap();
    }
}

/// Two loopback addresses for a two-process run, in a hostfile.
fn hostfile(dir: &Path) -> String {
    let ports: Vec<u16> = (0..2)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let path = dir.join("hosts");
    std::fs::write(
        &path,
        format!("127.0.0.1:{}\n127.0.0.1:{}\n", ports[0], ports[1]),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

fn two_processes(root: &str, hosts: &str) -> (Output, Output) {
    let p1 = top_hosts(&["-n", "2", "-p", "1", "-h", hosts, root]);
    let p0 = top_hosts(&["-n", "2", "-p", "0", "-h", hosts, root]);
    (finish(p0), finish(p1))
}

#[test]
fn threads_and_processes_print_what_one_process_prints() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("logs");
    tree(&root, 5);
    let root = root.to_str().unwrap();
    let want = succeeded(&finish(top_hosts(&["--single", root])));
    assert!(
        want.starts_with("top hosts:\n") && want.contains("requests: "),
        "{want}"
    );

    let threads = finish(top_hosts(&["-w", "3", root]));
    assert_eq!(succeeded(&threads), want);

    // More workers than files: some shards are empty.
    let many = finish(top_hosts(&["-w", "8", root]));
    assert_eq!(succeeded(&many), want);

    let hosts = hostfile(dir.path());
    let (p0, p1) = two_processes(root, &hosts);
    assert_eq!(succeeded(&p0), want);
    // The report is printed once, by the process of worker 0.
    assert!(!succeeded(&p1).contains("top hosts"));
}

#[test]
fn two_processes_with_an_empty_shard_print_what_one_process_prints() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("logs");
    // One file, two workers: process 1's shard is empty.
    tree(&root, 1);
    let root = root.to_str().unwrap();
    let want = succeeded(&finish(top_hosts(&["--single", root])));
    let hosts = hostfile(dir.path());
    let (p0, p1) = two_processes(root, &hosts);
    assert_eq!(succeeded(&p0), want);
    succeeded(&p1);
    // The empty shard sent empty maps.
    let stderr = String::from_utf8_lossy(&p1.stderr);
    assert!(
        stderr.contains("worker 1: sends 0 host and 0 status counts"),
        "{stderr}"
    );
}

#[test]
fn a_file_that_fails_to_decompress_fails_every_way() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("logs");
    tree(&root, 3);
    std::fs::write(
        root.join("d0/broken.log.gz"),
        b"\x1f\x8b\x08\x00 not really gzip",
    )
    .unwrap();
    let root = root.to_str().unwrap();
    let single = finish(top_hosts(&["--single", root]));
    assert!(!single.status.success());
    assert!(String::from_utf8_lossy(&single.stderr).contains("broken.log.gz"));

    let threads = finish(top_hosts(&["-w", "2", root]));
    assert!(!threads.status.success());
    let stderr = String::from_utf8_lossy(&threads.stderr);
    assert!(stderr.contains("broken.log.gz"), "{stderr}");
    assert!(!report(&threads).contains("top hosts"));

    let hosts = hostfile(dir.path());
    let (p0, p1) = two_processes(root, &hosts);
    // The worker that read it fails; its process exits non-zero.
    assert!(!p0.status.success() || !p1.status.success());
    let stderr = format!(
        "{}{}",
        String::from_utf8_lossy(&p0.stderr),
        String::from_utf8_lossy(&p1.stderr)
    );
    assert!(stderr.contains("broken.log.gz"), "{stderr}");
}

/// A `window_counts` process whose stderr is read as it comes: `ready` gets a message when it
/// says it follows its files.
struct Follower {
    child: Child,
    stderr: std::thread::JoinHandle<String>,
}

fn window_counts(args: &[&str], ready: mpsc::Sender<()>) -> Follower {
    let mut child = example("window_counts", args);
    let stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.unwrap();
            if line.contains(": following ") {
                let _ = ready.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    Follower { child, stderr }
}

impl Follower {
    /// Its exit, stdout and stderr, once it has ended by itself (within two minutes).
    fn finish(self) -> (Output, String) {
        let out = finish(self.child);
        (out, self.stderr.join().unwrap())
    }
}

/// Two processes of `window_counts` with `args`, once both follow their files.
fn two_followers(dir: &Path, args: &[&str]) -> (Follower, Follower) {
    let hosts = hostfile(dir);
    let (ready, both_ready) = mpsc::channel();
    let with = |index: &'static str| -> Vec<&str> {
        let mut all = vec!["-n", "2", "-p", index, "-h", &hosts];
        all.extend_from_slice(args);
        all
    };
    let p1 = window_counts(&with("1"), ready.clone());
    let p0 = window_counts(&with("0"), ready);
    for _ in 0..2 {
        both_ready
            .recv_timeout(Duration::from_secs(120))
            .expect("both processes follow their files");
    }
    (p0, p1)
}

/// Appends `n` requests answered with `status` to `path`, in one write.
fn append_requests(path: &Path, status: u16, n: usize) {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "10.0.0.{i} - - [07/Dec/2026:06:20:01 +0000] \"GET /{i} HTTP/1.1\" {status} 512\n"
        ));
    }
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

/// The `status:count` pairs of a report line.
fn counts_of(line: &str) -> Vec<(u16, u64)> {
    line.split_whitespace()
        .filter_map(|word| word.split_once(':'))
        .filter_map(|(status, n)| Some((status.parse().ok()?, n.parse().ok()?)))
        .collect()
}

#[test]
fn two_processes_count_followed_logs_per_window() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    std::fs::write(&a, "").unwrap();
    std::fs::write(&b, "").unwrap();
    let (a_arg, b_arg) = (a.to_str().unwrap(), b.to_str().unwrap());
    // Each process follows one file (worker 0 a.log, worker 1 b.log) for four seconds.
    let (p0, p1) = two_followers(
        dir.path(),
        &["--window-ms", "300", "--for", "4", a_arg, b_arg],
    );
    // A burst of 404s in both files, a pause of over three windows, a burst of 200s.
    append_requests(&a, 404, 6);
    append_requests(&b, 404, 4);
    std::thread::sleep(Duration::from_millis(1000));
    append_requests(&a, 200, 5);
    append_requests(&b, 200, 5);

    let ((out0, err0), (out1, err1)) = (p0.finish(), p1.finish());
    assert!(out0.status.success(), "{err0}");
    assert!(out1.status.success(), "{err1}");
    let windows: Vec<String> = report(&out0)
        .lines()
        .filter(|l| l.contains(" UTC "))
        .map(String::from)
        .collect();
    // Every request counted once, across the two processes.
    let total = |status: u16| -> u64 {
        windows
            .iter()
            .flat_map(|w| counts_of(w))
            .filter(|(s, _)| *s == status)
            .map(|(_, n)| n)
            .sum()
    };
    assert_eq!((total(404), total(200)), (10, 10), "{windows:#?}");
    assert!(
        windows
            .iter()
            .flat_map(|w| counts_of(w))
            .all(|(s, _)| s == 404 || s == 200)
    );
    // The windows keep the bursts apart: every 404 window comes before every 200 window.
    let last_404 = windows.iter().rposition(|w| w.contains(" 404:")).unwrap();
    let first_200 = windows.iter().position(|w| w.contains(" 200:")).unwrap();
    assert!(last_404 < first_200, "{windows:#?}");
    // One report, from the process of worker 0.
    assert!(!report(&out1).contains(" UTC "));
}

#[test]
fn a_file_that_cannot_be_followed_fails_the_windowed_run() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.log");
    std::fs::write(&a, "").unwrap();
    let missing = dir.path().join("no-such.log");
    // Worker 1 (process 1) owns the missing file; worker 0 follows a.log for a second.
    let (p0, p1) = two_followers(
        dir.path(),
        &["--for", "1", a.to_str().unwrap(), missing.to_str().unwrap()],
    );
    let ((out0, err0), (_, _)) = (p0.finish(), p1.finish());
    // Worker 0's process prints every worker's failure and exits non-zero.
    assert!(!out0.status.success());
    assert!(err0.contains("worker 1: cannot read "), "{err0}");
    assert!(err0.contains("no-such.log: No such file"), "{err0}");
}

#[test]
fn window_counts_rejects_bad_options_with_a_message() {
    for (args, says) in [
        (&["--window-ms", "0"][..], "a window is at least 1 ms"),
        (&["--for", "soon"][..], "--for: "),
        (&["--window-ms"][..], "--window-ms needs milliseconds"),
        (&["--bogus"][..], "unknown option --bogus"),
    ] {
        let out = finish(example("window_counts", args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}
