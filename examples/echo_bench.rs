//! An echo server two ways, measured: every connection a task on one scheduler thread, and a
//! thread per connection. Loopback only, bounded in count and time.
//!
//! ```text
//! cargo run --release --example echo_bench -- [CLIENTS [MESSAGES]]
//! ```
//!
//! CLIENTS client threads (default 100) each send MESSAGES (default 200) 64-byte messages and
//! wait for each echo. Prints round trips per second, p50 and p99 latency of a round trip, and
//! the process's resident memory growth while serving (the client threads, the same in both runs,
//! included).

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use genpipe::prelude::*;
use genpipe::sched::net::{TcpListener, TcpStream};
use genpipe::sched::{Scheduler, Spawn, Task};

#[task]
fn echo(stream: TcpStream) -> Task<std::io::Result<()>> {
    let mut buf = [0u8; 4096];
    loop {
        let n = syscall!(stream.read(&mut buf))?;
        if n == 0 {
            return Ok(());
        }
        syscall!(stream.write_all(&buf[..n]))?;
    }
}

#[task]
fn accept_all(listener: TcpListener, clients: usize) -> Task<std::io::Result<()>> {
    for _ in 0..clients {
        let (stream, _) = syscall!(listener.accept())?;
        syscall!(Spawn(echo(stream)));
    }
    Ok(())
}

/// Resident bytes of this process now.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(0)
        * 4096
}

/// Runs the clients against `addr`; returns every round trip's latency.
fn clients(addr: SocketAddr, clients: usize, messages: usize) -> Vec<Duration> {
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            std::thread::spawn(move || {
                let mut c = std::net::TcpStream::connect(addr).expect("loopback connects");
                c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                c.set_nodelay(true).unwrap();
                let msg = [b'x'; 64];
                let mut back = [0u8; 64];
                let mut times = Vec::with_capacity(messages);
                for _ in 0..messages {
                    let t = Instant::now();
                    c.write_all(&msg).unwrap();
                    c.read_exact(&mut back).unwrap();
                    times.push(t.elapsed());
                }
                times
            })
        })
        .collect();
    handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect()
}

fn report(name: &str, mut times: Vec<Duration>, took: Duration, grew: u64) {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "{name:<28} {:>9.0} round trips/s  p50 {:>7.1?}  p99 {:>7.1?}  RSS +{:.1} MiB",
        times.len() as f64 / took.as_secs_f64(),
        at(0.5),
        at(0.99),
        grew as f64 / (1 << 20) as f64
    );
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let m: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);

    // One thread, every connection a task.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let before = rss();
    let server = std::thread::spawn(move || {
        let mut s = Scheduler::new();
        s.spawn(accept_all(listener, n));
        let ended = s.run();
        let peak = rss();
        (ended.len(), peak)
    });
    let started = Instant::now();
    let times = clients(addr, n, m);
    let took = started.elapsed();
    let (tasks, peak) = server.join().unwrap();
    assert_eq!(tasks, n + 1);
    report(
        "scheduler, one thread",
        times,
        took,
        peak.saturating_sub(before),
    );

    // A thread per connection.
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let before = rss();
    let server = std::thread::spawn(move || {
        let mut handlers = Vec::new();
        for _ in 0..n {
            let (mut stream, _) = listener.accept().unwrap();
            handlers.push(std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(k) => stream.write_all(&buf[..k]).unwrap(),
                    }
                }
            }));
        }
        let peak = rss();
        for h in handlers {
            h.join().unwrap();
        }
        peak
    });
    let started = Instant::now();
    let times = clients(addr, n, m);
    let took = started.elapsed();
    let peak = server.join().unwrap();
    report(
        "a thread per connection",
        times,
        took,
        peak.saturating_sub(before),
    );
    Ok(())
}
