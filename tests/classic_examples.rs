//! The ported generator-tricks programs (`examples/`) print exactly the right answers on
//! generated data; each expected output is computed here by plain string handling.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use genpipe::synth::{self, AccessFormat, write_access_log_file};

fn example(name: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["run", "--quiet", "--all-features", "--example", name, "--"])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn run_example(name: &str, args: &[&str]) -> String {
    let out = example(name).args(args).output().expect("cargo runs");
    assert!(
        out.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// A naive parse of one access-log line: host, path, status, size (`-` as 0).
struct Naive {
    host: String,
    path: String,
    status: u16,
    size: u64,
}

fn naive(line: &str) -> Naive {
    let host = line.split(' ').next().unwrap().to_string();
    let request = line.split('"').nth(1).unwrap();
    let path = request.split(' ').nth(1).unwrap().to_string();
    let mut after = line.split('"').nth(2).unwrap().split_whitespace();
    let status = after.next().unwrap().parse().unwrap();
    let size = after.next().unwrap().parse().unwrap_or(0);
    Naive {
        host,
        path,
        status,
        size,
    }
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn bytes_sum_prints_the_total_lazily_and_eagerly() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let written = write_access_log_file(&log, 300_000, 9, AccessFormat::Common).unwrap();
    let expected = format!("{}\n", written.size_total);
    let log = log.to_str().unwrap();
    assert_eq!(run_example("bytes_sum", &[log]), expected);
    assert_eq!(run_example("bytes_sum", &["--eager", log]), expected);
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn tree_bytes_totals_matching_lines_across_compressed_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    let texts: Vec<String> = (1..=3)
        .map(|seed| {
            let lines: Vec<String> = synth::access_log(seed, AccessFormat::Common)
                .take(500)
                .collect();
            lines.join("\n") + "\n"
        })
        .collect();
    std::fs::write(root.join("access-log"), &texts[0]).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(texts[1].as_bytes()).unwrap();
    std::fs::write(root.join("a/access-log.1.gz"), gz.finish().unwrap()).unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(texts[2].as_bytes()).unwrap();
    std::fs::write(root.join("a/b/access-log.2.bz2"), bz.finish().unwrap()).unwrap();
    std::fs::write(root.join("a/other.txt"), "\"GET /ply/ x\" 200 999\n").unwrap();

    let (mut n, mut bytes) = (0, 0);
    for line in texts.iter().flat_map(|t| t.lines()) {
        if line.contains("\"GET /ply/") {
            n += 1;
            bytes += line.rsplit(' ').next().unwrap().parse::<u64>().unwrap_or(0);
        }
    }
    let expected = format!(
        "a/access-log.1.gz\na/b/access-log.2.bz2\naccess-log\n3 files, {n} matching lines, {bytes} bytes\n"
    );
    let out = run_example(
        "tree_bytes",
        &[root.to_str().unwrap(), "access-log*", "\"GET /ply/"],
    );
    assert_eq!(out, expected);
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn log_queries_answers_each_question() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    write_access_log_file(&log, 400_000, 21, AccessFormat::Combined).unwrap();
    let records: Vec<Naive> = read_lines(&log).iter().map(|l| naive(l)).collect();

    let missing: BTreeSet<&str> = records
        .iter()
        .filter(|r| r.status == 404)
        .map(|r| r.path.as_str())
        .collect();
    let mut largest = &records[0];
    for r in &records {
        if r.size > largest.size {
            largest = r;
        }
    }
    let over = records.iter().filter(|r| r.size > 1_000_000).count();
    let hosts: BTreeSet<&str> = records.iter().map(|r| r.host.as_str()).collect();
    let target = "/ply/ply-2.2.tar.gz";
    let downloads = records.iter().filter(|r| r.path == target).count();

    let mut expected = format!("404 paths ({} distinct):\n", missing.len());
    for path in &missing {
        expected += &format!("  {path}\n");
    }
    expected += &format!(
        "largest transfer: {} bytes, {} to {}\n",
        largest.size, largest.path, largest.host
    );
    expected += &format!("transfers over 1 MB: {over}\n");
    expected += &format!(
        "distinct hosts: {} ({} real lookups for {} records)\n",
        hosts.len(),
        hosts.len(),
        records.len()
    );
    expected += &format!("downloads of {target}: {downloads}\n");
    assert_eq!(
        run_example("log_queries", &[log.to_str().unwrap(), target]),
        expected
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn broadcast_coros_reports_three_answers_from_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    write_access_log_file(&log, 200_000, 5, AccessFormat::Common).unwrap();
    let records: Vec<Naive> = read_lines(&log).iter().map(|l| naive(l)).collect();
    let expected = format!(
        "requests: {}\n404s: {}\nbytes: {}\n",
        records.len(),
        records.iter().filter(|r| r.status == 404).count(),
        records.iter().map(|r| r.size).sum::<u64>()
    );
    assert_eq!(
        run_example("broadcast_coros", &[log.to_str().unwrap()]),
        expected
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn interleave_logs_takes_one_line_of_each_in_turn() {
    let dir = tempfile::tempdir().unwrap();
    let files = [("one.log", 3), ("two.log", 1), ("three.log", 2)];
    let mut args = Vec::new();
    for (name, n) in files {
        let text: String = (1..=n).map(|i| format!("{name} line {i}\n")).collect();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        args.push(path.to_str().unwrap().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let expected = [
        ("one.log", 1),
        ("two.log", 1),
        ("three.log", 1),
        ("one.log", 2),
        ("three.log", 2),
        ("one.log", 3),
    ]
    .iter()
    .map(|(name, i)| format!("{name:<12} {name} line {i}\n"))
    .collect::<String>();
    assert_eq!(run_example("interleave_logs", &args), expected);
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn follow_404_prints_404s_as_a_writer_appends_them() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("growing.log");
    std::fs::write(&log, "1.1.1.1 - - [t] \"GET /old HTTP/1.1\" 404 -\n").unwrap();
    let mut child = example("follow_404")
        .args([log.to_str().unwrap(), "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Write only once the example follows the file (it starts at the end).
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    while !said.starts_with("following ") {
        said.clear();
        assert!(
            stderr.read_line(&mut said).unwrap() > 0,
            "example ended early"
        );
    }
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        for i in 0..8 {
            let status = if i % 2 == 1 { 404 } else { 200 };
            writeln!(f, "10.0.0.{i} - - [t] \"GET /p{i} HTTP/1.1\" {status} 10").unwrap();
            f.flush().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "404 /p1 from 10.0.0.1\n404 /p3 from 10.0.0.3\n404 /p5 from 10.0.0.5\n"
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn trace_pipeline_traces_keeps_the_last_and_releases_the_file() {
    // The example's demo writer appends these lines to the file it follows.
    let lines: Vec<String> = synth::access_log(5, AccessFormat::Common)
        .take(40)
        .collect();
    let mut expected = String::new();
    let mut passed = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        expected += &format!("trace: read {}\n", i + 1);
        if line.contains("\" 200 ") {
            expected += &format!("trace: passed {}\n", i + 1);
            passed.push(line);
            if passed.len() == 3 {
                break;
            }
        }
    }
    expected += &format!("closed after 3 matching lines\nlast: {}\n", passed[2]);
    expected += if cfg!(target_os = "linux") {
        "file still open: no\n"
    } else {
        "file still open: (not checked on this system)\n"
    };
    assert_eq!(run_example("trace_pipeline", &[]), expected);
}
