//! `examples/top_hosts.rs` run as one genpipe process, as timely threads, and as two timely
//! processes on loopback (127.0.0.1, a hostfile, bounded in time), over a generated tree of
//! logs: the same report every way, empty shards included, and a corrupt file a failure every
//! way.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs the example with `args`, within a minute.
fn top_hosts(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", "top_hosts", "--"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo runs")
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
    let single = finish(top_hosts(&["--single", root]));
    assert!(
        single.status.success(),
        "{}",
        String::from_utf8_lossy(&single.stderr)
    );
    let want = report(&single);
    assert!(
        want.starts_with("top hosts:\n") && want.contains("requests: "),
        "{want}"
    );

    let threads = finish(top_hosts(&["-w", "3", root]));
    assert!(
        threads.status.success(),
        "{}",
        String::from_utf8_lossy(&threads.stderr)
    );
    assert_eq!(report(&threads), want);

    // More workers than files: some shards are empty.
    let many = finish(top_hosts(&["-w", "8", root]));
    assert!(many.status.success());
    assert_eq!(report(&many), want);

    let hosts = hostfile(dir.path());
    let (p0, p1) = two_processes(root, &hosts);
    assert!(
        p0.status.success(),
        "{}",
        String::from_utf8_lossy(&p0.stderr)
    );
    assert!(
        p1.status.success(),
        "{}",
        String::from_utf8_lossy(&p1.stderr)
    );
    assert_eq!(report(&p0), want);
    // The report is printed once, by the process of worker 0.
    assert!(!report(&p1).contains("top hosts"));
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
