//! The load of `scripts/echo_compare.sh`: CLIENTS connections to an echo server at ADDR, each
//! sending MESSAGES 64-byte messages and waiting for each echo, from a process of its own (so
//! that any server, genpipe's or tokio's or gevent's, meets the same client).
//!
//! ```text
//! cargo run --release --example echo_client -- ADDR CLIENTS MESSAGES [SERVER_PID]
//! cargo run --release --example echo_client -- ADDR CONNECTIONS --idle SERVER_PID
//! ```
//!
//! Prints one line of `key=value`: round trips a second, p50, p99 and p99.9 latency of a round
//! trip (µs), the slowest client's time over the fastest's, and with SERVER_PID the server's
//! resident memory per connection (KiB, all connections open at once). `--idle` opens the
//! connections one after another, one round trip each, then measures the server's memory with
//! all of them open and idle. Loopback only; every read times out after 20 s.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// The resident memory of process `pid`, in KiB (Linux).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let c = TcpStream::connect(addr)?;
    c.set_read_timeout(Some(Duration::from_secs(20)))?;
    c.set_nodelay(true)?;
    Ok(c)
}

fn round_trip(c: &mut TcpStream) -> std::io::Result<Duration> {
    let msg = [b'x'; 64];
    let mut back = [0u8; 64];
    let t = Instant::now();
    c.write_all(&msg)?;
    c.read_exact(&mut back)?;
    if back != msg {
        return Err(std::io::Error::other("the echo differs from the message"));
    }
    Ok(t.elapsed())
}

fn idle(addr: SocketAddr, n: usize, pid: u32) -> Result<(), Box<dyn std::error::Error>> {
    let before = rss_kib(pid).ok_or("no such server process")?;
    let mut open = Vec::with_capacity(n);
    for _ in 0..n {
        let mut c = connect(addr)?;
        round_trip(&mut c)?;
        open.push(c);
    }
    std::thread::sleep(Duration::from_millis(200));
    let after = rss_kib(pid).ok_or("the server is gone")?;
    println!(
        "connections={n} rss_before_kib={before} rss_after_kib={after} rss_per_conn_kib={:.2}",
        after.saturating_sub(before) as f64 / n as f64
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr: SocketAddr = args.first().ok_or("ADDR missing")?.parse()?;
    let clients: usize = args.get(1).ok_or("CLIENTS missing")?.parse()?;
    if args.get(2).map(String::as_str) == Some("--idle") {
        let pid: u32 = args.get(3).ok_or("SERVER_PID missing")?.parse()?;
        return idle(addr, clients, pid);
    }
    let messages: usize = args.get(2).ok_or("MESSAGES missing")?.parse()?;
    let pid: Option<u32> = args.get(3).map(|p| p.parse()).transpose()?;
    let before = pid.and_then(rss_kib);
    // Every client connects, then all start together.
    let ready = Arc::new(Barrier::new(clients + 1));
    let go = Arc::new(Barrier::new(clients + 1));
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (ready, go) = (Arc::clone(&ready), Arc::clone(&go));
            std::thread::spawn(move || -> std::io::Result<(Vec<Duration>, Instant)> {
                let c = connect(addr);
                ready.wait();
                go.wait();
                let mut c = c?;
                let mut times = Vec::with_capacity(messages);
                for _ in 0..messages {
                    times.push(round_trip(&mut c)?);
                }
                Ok((times, Instant::now()))
            })
        })
        .collect();
    ready.wait();
    let connected = pid.and_then(rss_kib);
    let started = Instant::now();
    go.wait();
    let mut times = Vec::with_capacity(clients * messages);
    let mut finished = Vec::with_capacity(clients);
    for handle in handles {
        let (t, at) = handle.join().map_err(|_| "a client panicked")??;
        times.extend(t);
        finished.push(at.duration_since(started));
    }
    let took = finished.iter().max().copied().unwrap_or_default();
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    let (fastest, slowest) = (
        finished.iter().min().copied().unwrap_or_default(),
        finished.iter().max().copied().unwrap_or_default(),
    );
    let per_conn = match (before, connected) {
        (Some(b), Some(c)) => format!(
            " rss_per_conn_kib={:.1}",
            c.saturating_sub(b) as f64 / clients as f64
        ),
        _ => String::new(),
    };
    println!(
        "round_trips_per_s={:.0} p50_us={:.1} p99_us={:.1} p999_us={:.1} slowest_over_fastest={:.2}{per_conn}",
        times.len() as f64 / took.as_secs_f64(),
        at(0.5),
        at(0.99),
        at(0.999),
        slowest.as_secs_f64() / fastest.as_secs_f64().max(1e-9),
    );
    Ok(())
}
