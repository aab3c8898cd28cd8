//! A log tail that alerts and rate-limits: `follow(log) | grep("ERROR") | rate_limit(3, 1 s)`.
//! Bursts of errors give three alerts each and, when the second is over, one line saying how
//! many were suppressed, even though the log is quiet by then.
//!
//! ```text
//! cargo run --release --example alerts -- [BURSTS]
//! ```
//!
//! A writer thread appends BURSTS (default 3) bursts of 10 errors among ordinary lines to a log
//! under the system temp directory, two seconds apart, then stops the follow.

use std::io::Write;
use std::time::Duration;

use genpipe::io::{follow, grep};
use genpipe::par::Limited;
use genpipe::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bursts: u32 = std::env::args().nth(1).map_or(Ok(3), |n| n.parse())?;
    let path = std::env::temp_dir().join(format!("genpipe-alerts-{}.log", std::process::id()));
    std::fs::write(&path, "")?;

    let tail = follow(&path).poll_interval(Duration::from_millis(10));
    let stop = tail.stop_token();
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || -> std::io::Result<()> {
            let mut log = std::fs::OpenOptions::new().append(true).open(&path)?;
            for burst in 0..bursts {
                let mut text = String::new();
                for i in 0..10 {
                    text.push_str(&format!("12:00:0{burst} INFO request {i}\n"));
                    text.push_str(&format!("12:00:0{burst} ERROR disk {burst}.{i} failed\n"));
                }
                log.write_all(text.as_bytes())?;
                std::thread::sleep(Duration::from_secs(2));
            }
            stop.stop();
            Ok(())
        })
    };

    let (mut alerts, mut suppressed) = (0u64, 0u64);
    let outcome = tail
        | grep("ERROR")
        | rate_limit(3, Duration::from_secs(1))
        | for_each(|event: Limited<Line>| match event {
            Limited::Item(line) => {
                alerts += 1;
                println!("ALERT {line}");
            }
            Limited::Suppressed(n) => {
                suppressed += n;
                println!("({n} alerts suppressed)");
            }
        });
    writer.join().expect("the writer thread")?;
    outcome?;
    std::fs::remove_file(&path)?;
    println!("{alerts} alerts, {suppressed} suppressed");
    Ok(())
}
