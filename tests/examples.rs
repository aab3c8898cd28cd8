//! The examples print exactly what their docs say.

use std::process::Command;

fn run_example(name: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--all-features", "--example", name, "--"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn countdown() {
    assert_eq!(
        run_example("countdown", &["3"]),
        "Nothing has run yet: generators are lazy\nStarting to count from 3\n\
         Counting down 3\nCounting down 2\nCounting down 1\nDone!\n"
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn countdown_coroutine() {
    assert_eq!(
        run_example("countdown_coroutine", &[]),
        "T-minus 5\nT-minus 4\nT-minus 3\nT-minus 2\nT-minus 1\nKaboom!\n(launched)\n"
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn pipes() {
    let out = run_example("pipes", &[]);
    let pull =
        "pull:\n  python generators are lazy\n  a python coroutine receives values\n  2 lines\n";
    let push = "push:\n  python generators are lazy\n  a python coroutine receives values\n";
    assert!(out.starts_with(pull), "{out}");
    assert!(out.contains(push), "{out}");
    assert!(out.ends_with("  4 lines printed\n"), "{out}");
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn memcompare_prints_a_table_and_writes_a_chart() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart.svg");
    let out = run_example("memcompare", &["1", "2", chart.to_str().unwrap()]);
    let rows: Vec<&str> = out.lines().collect();
    assert!(
        rows[0].contains("eager peak") && rows[0].contains("lazy peak"),
        "{out}"
    );
    assert!(rows[1].trim_start().starts_with("1 MiB"), "{out}");
    assert!(rows[2].trim_start().starts_with("2 MiB"), "{out}");
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("eager") && svg.contains("lazy"));
}

#[test]
#[cfg(unix)]
#[cfg_attr(miri, ignore = "runs cargo")]
fn pyos_takes_turns_kills_and_waits() {
    let out = run_example("pyos", &["--trace"]);
    assert!(
        out.starts_with("I'm foo 1, turn 0\nI'm bar 2, turn 0\nI'm foo 1, turn 1\n"),
        "{out}"
    );
    assert!(out.contains("boss kills 4: Ok(())\n"), "{out}");
    assert!(out.contains("boss done waiting: Ok(())\n"), "{out}");
    assert!(
        out.contains("task 4 forever killed at step 18 after 4 resumes\n"),
        "{out}"
    );
    assert!(out.contains("step  18  task 3  Kill(4)\n"), "{out}");
}

#[test]
#[cfg(unix)]
#[cfg_attr(miri, ignore = "runs cargo")]
fn scan_tasks_finish_in_the_order_of_their_matches() {
    let out = run_example("scan_tasks", &[]);
    let names: Vec<&str> = out.lines().map(|l| &l[13..37]).collect();
    assert_eq!(
        names,
        [
            "POSTs in 5k lines       ",
            "404s in 20k lines       ",
            "GETs in 2k lines        ",
            "ply pages in 20k lines  "
        ],
        "{out}"
    );
}

#[test]
#[cfg(unix)]
#[cfg_attr(miri, ignore = "runs cargo")]
fn echo_bench_serves_both_ways() {
    // Loopback only, 4 clients of 50 messages: bounded in count and time.
    let out = run_example("echo_bench", &["4", "50"]);
    assert!(out.contains("scheduler, one thread"), "{out}");
    assert!(out.contains("a thread per connection"), "{out}");
}

/// The echo server example, as a user runs it, in its three modes (stackless tasks, green
/// tasks, a thread per connection): K loopback clients of M messages each, checked; the server
/// ends by itself after K connections and says how it went.
#[test]
#[cfg(unix)]
#[cfg_attr(miri, ignore = "runs cargo")]
fn echo_server_serves_clients_and_ends() {
    use std::io::{BufRead, BufReader, Read, Write};
    const K: usize = 8;
    const M: usize = 10;
    let built = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--all-features",
            "--example",
            "echo_server",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(built.success());
    let exe = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("debug/examples/echo_server");
    for mode in ["--tasks", "--green", "--threads"] {
        let mut server = Command::new(&exe)
            .args(["0", &K.to_string(), mode])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(server.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        let addr: std::net::SocketAddr = first
            .strip_prefix("echo server on ")
            .and_then(|a| a.split_whitespace().next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {first:?}"));
        assert!(addr.ip().is_loopback());
        let clients: Vec<_> = (0..K)
            .map(|k| {
                std::thread::spawn(move || {
                    let mut c = std::net::TcpStream::connect(addr).unwrap();
                    c.set_read_timeout(Some(std::time::Duration::from_secs(10)))
                        .unwrap();
                    for m in 0..M {
                        let msg = format!("{k}:{m};");
                        c.write_all(msg.as_bytes()).unwrap();
                        let mut back = vec![0u8; msg.len()];
                        c.read_exact(&mut back).unwrap();
                        assert_eq!(back, msg.as_bytes());
                    }
                })
            })
            .collect();
        for c in clients {
            c.join().unwrap();
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let status = loop {
            if let Some(status) = server.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                server.kill().unwrap();
                panic!("the server ({mode}) did not end after {K} connections");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(status.success(), "{mode}");
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        assert!(
            rest.starts_with(&format!("served {K} connections")),
            "{mode}: {rest}"
        );
        if mode != "--threads" {
            assert!(rest.contains("(0 ended with an error)"), "{mode}: {rest}");
        }
    }
}

#[test]
#[cfg(unix)]
#[cfg_attr(miri, ignore = "runs cargo")]
fn green_server_serves_its_demo_clients_with_overlapping_waits() {
    let out = run_example("green_server", &[]);
    assert!(out.contains(r#"quick: ["OK", "#), "{out}");
    assert!(out.contains(r#"ERR unknown command \"FLY\""#), "{out}");
    assert!(out.contains(r#"slow: ["OK", "WAITED "#), "{out}");
    assert!(out.contains(r#"slower: ["WAITED "#), "{out}");
    // The two waits (50 and 100 ms) overlapped: well under their sum plus the rest.
    let took: f64 = out
        .rsplit("all served in ")
        .next()
        .and_then(|t| t.split("ms").next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no time in {out}"));
    assert!(took < 1000.0, "{out}");
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn tsv_report_sums_bytes_per_status_and_counts_empty_agents() {
    // The same rows as the example generates, summed here without genpipe.
    let mut per_status = std::collections::BTreeMap::<u16, u64>::new();
    for i in 0..20_000u64 {
        let status = [200, 200, 200, 404, 500][i as usize % 5];
        let bytes = if i % 11 == 0 { 0 } else { i % 997 };
        *per_status.entry(status).or_default() += bytes;
    }
    let mut want = String::from("20000 rows\n");
    for (status, bytes) in per_status {
        want.push_str(&format!("{status}\t{bytes} bytes\n"));
    }
    want.push_str(&format!(
        "{} rows without a user agent\n",
        20_000u64.div_ceil(7)
    ));
    assert_eq!(run_example("tsv_report", &[]), want);
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn alerts_are_rate_limited_and_the_rest_reported() {
    let out = run_example("alerts", &["2"]);
    let alerts = out.lines().filter(|l| l.starts_with("ALERT ")).count();
    let reported: u64 = out
        .lines()
        .filter_map(|l| l.strip_prefix('(')?.split(' ').next()?.parse::<u64>().ok())
        .sum();
    // Every error is alerted or reported; at most 3 alerts a second.
    assert_eq!(alerts as u64 + reported, 20, "{out}");
    assert!((3..=6).contains(&alerts) && reported >= 14, "{out}");
    assert!(
        out.ends_with(&format!("{alerts} alerts, {reported} suppressed\n")),
        "{out}"
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn tokio_log_server_streams_greps_to_clients_and_counts_what_one_received() {
    let out = run_example("tokio_log_server", &[]);
    let number_after = |prefix: &str| -> u64 {
        out.split(prefix)
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no number after {prefix:?} in {out}"))
    };
    let read = number_after("client read ");
    let counted = number_after("lines; ");
    let in_file = number_after("the log holds ");
    // Every status-404 line holds " 404 "; a few other lines do too (a size of 404 bytes).
    assert!(in_file > 0, "{out}");
    assert_eq!(counted, in_file, "{out}");
    assert!(read >= counted, "{out}");
    // The client that left after three lines stopped its pipeline early.
    assert!(out.contains("a client got "), "{out}");
}

#[test]
#[cfg(unix)]
#[cfg_attr(miri, ignore = "runs cargo")]
fn command_grep_greps_a_commands_output_stops_early_and_reports_its_failure() {
    let out = run_example("command_grep", &[]);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.lines().all(|l| l.contains(" 404 ")), "{out}");
    // `-m 2` over a command that never ends: the pipeline stops, and the command with it.
    let out = run_example("command_grep", &["b", "-m", "2", "--", "yes", "a b c"]);
    assert_eq!(out, "a b c\na b c\n");
    // A command that fails: its status and stderr, and a failing exit.
    let failed = Command::new(env!("CARGO"))
        .args([
            "run",
            "--quiet",
            "--all-features",
            "--example",
            "command_grep",
            "--",
        ])
        .args([
            "x",
            "--",
            "sh",
            "-c",
            "echo one x; echo 'no such file' >&2; exit 4",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(!failed.status.success());
    assert_eq!(String::from_utf8_lossy(&failed.stdout), "one x\n");
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("exited with status 4: no such file"),
        "{stderr}"
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn syslog_top_counts_hosts_and_severities_per_window_over_loopback_udp() {
    let out = run_example("syslog_top", &[]);
    // 3 bursts of 300 from the bounded generator, each inside a window (a stall could split
    // one: the counts are checked across windows).
    assert!(
        out.ends_with("total: 900 messages in 3 windows\n")
            || out.contains("total: 900 messages in "),
        "{out}"
    );
    let windows: Vec<&str> = out.lines().filter(|l| l.starts_with("window ")).collect();
    assert!(windows.len() >= 3, "{out}");
    let count = |key: &str| -> usize {
        windows
            .iter()
            .filter_map(|w| w.split(key).nth(1))
            .filter_map(|rest| rest.split([',', ';']).next())
            .filter_map(|n| n.trim().parse::<usize>().ok())
            .sum()
    };
    assert_eq!(count("web1 "), 450, "{out}");
    assert_eq!(count("db1 "), 150, "{out}");
    assert_eq!(count("err "), 90, "{out}");
    assert_eq!(count("info "), 630, "{out}");
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn coprocess_sums_bytes_per_status_in_a_child_process() {
    // The same log the example generates, summed here in one process.
    let mut want = std::collections::BTreeMap::<u16, u64>::new();
    for i in 0..20_000u64 {
        *want
            .entry([200, 200, 304, 404, 500][i as usize % 5])
            .or_default() += i % 997;
    }
    let want: String = want.iter().map(|(s, b)| format!("{s}\t{b}\n")).collect();
    assert_eq!(run_example("coprocess", &[]), want);
}
