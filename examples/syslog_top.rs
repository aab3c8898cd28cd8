//! A UDP syslog receiver on 127.0.0.1 that prints, per time window, how many messages came, the
//! top hosts and the count per severity: `datagrams | syslog | chunks_timeout(window) | report`.
//! Datagrams are zero-copy views of batch buffers, and each record's parts are views of its
//! datagram.
//!
//! ```text
//! cargo run --release --example syslog_top                  # a demo: 3 bursts from a generator
//! cargo run --release --example syslog_top -- 5514 10       # listen on 127.0.0.1:5514, 10 s windows
//! logger -d -n 127.0.0.1 -P 5514 'hello'                    # send it one
//! ```
//!
//! It ends when nothing arrives for 3 windows (the socket's read timeout), printing what it
//! received in total.

use std::collections::HashMap;
use std::net::UdpSocket;
use std::time::Duration;

use genpipe::io::{SyslogRecord, datagrams, send_to, syslog};
use genpipe::prelude::*;

/// One window's report: messages, the 3 busiest hosts, the count per severity (most severe
/// first).
fn report(window: usize, records: &[SyslogRecord]) -> String {
    let mut hosts: HashMap<String, usize> = HashMap::new();
    let mut severities = [0usize; 8];
    for r in records {
        let host = r
            .hostname()
            .map(|h| h.to_string())
            .unwrap_or_else(|| "-".into());
        *hosts.entry(host).or_default() += 1;
        severities[usize::from(r.severity())] += 1;
    }
    let mut top: Vec<(String, usize)> = hosts.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(3);
    let top: Vec<String> = top.iter().map(|(h, n)| format!("{h} {n}")).collect();
    let names = [
        "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
    ];
    let severities: Vec<String> = severities
        .iter()
        .zip(names)
        .filter(|(n, _)| **n > 0)
        .map(|(n, name)| format!("{name} {n}"))
        .collect();
    format!(
        "window {window}: {} messages; top hosts: {}; severities: {}",
        records.len(),
        top.join(", "),
        severities.join(", ")
    )
}

/// The demo's sender: `bursts` bursts of `per_burst` messages, `gap` apart, from a bounded
/// generator (hosts and severities cycle, so each burst's counts are known).
#[generator]
fn demo_messages(bursts: usize, per_burst: usize) -> Gen<String> {
    for b in 0..bursts {
        for i in 0..per_burst {
            let host = ["web1", "web1", "web2", "db1", "web1", "web2"][i % 6];
            let severity = [6, 6, 4, 3, 6, 6, 4, 6, 6, 6][i % 10];
            yield_!(format!(
                "<{}>Dec  7 10:00:{:02} {host} app[{}]: burst {b} message {i}",
                8 + severity,
                b % 60,
                100 + b
            ));
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let demo = args.is_empty();
    let port: u16 = args.first().map(|p| p.parse()).transpose()?.unwrap_or(0);
    let window = match args.get(1) {
        Some(secs) => Duration::from_secs_f64(secs.parse()?),
        None => Duration::from_millis(300),
    };
    let socket = UdpSocket::bind(("127.0.0.1", port))?;
    socket.set_read_timeout(Some(window * 3))?;
    let addr = socket.local_addr()?;
    eprintln!("syslog on udp {addr}, windows of {window:?}");

    let sender = demo.then(|| {
        std::thread::spawn(move || -> genpipe::Result<u64> {
            let client = UdpSocket::bind("127.0.0.1:0")?;
            let per_burst = 300;
            // Paced (loopback UDP drops what overflows the receiver's buffer), a burst well
            // inside a window, and a pause of two windows between bursts.
            demo_messages(3, per_burst)
                | enumerate()
                | inspect(move |(i, _): &(usize, String)| {
                    if i % per_burst == 0 && *i > 0 {
                        std::thread::sleep(window * 2);
                    }
                    std::thread::sleep(Duration::from_micros(100));
                })
                | map(|(_, m): (usize, String)| m)
                | send_to(client, addr)
        })
    });

    let mut windows = 0;
    let mut total = 0;
    let received = datagrams(socket)
        | syslog()
        | chunks_timeout(100_000, window)
        | for_each(|records: Vec<SyslogRecord>| {
            windows += 1;
            total += records.len();
            println!("{}", report(windows, &records));
        });
    received?;
    if let Some(sender) = sender {
        let sent = sender.join().expect("the demo sender panicked")?;
        eprintln!("sent {sent}");
    }
    println!("total: {total} messages in {windows} windows");
    Ok(())
}
