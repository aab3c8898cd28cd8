//! An echo server on one thread: Beazley's pyos echo server, on `genpipe::sched`, three ways.
//!
//! ```text
//! cargo run --release --features full --example echo_server -- [PORT [MAX_CONNECTIONS]] [--green | --threads]
//! ```
//!
//! - default: every connection a stackless `#[task]` whose reads and writes are `syscall!`s;
//! - `--green`: every connection a green task running plain blocking-looking code (a
//!   `BufReader`-free read loop through `std::io::Read`, gevent's way);
//! - `--threads`: a thread per connection (std's blocking sockets), to compare.
//!
//! Every connection reads into a buffer of 4 KiB (as the comparison servers of
//! `scripts/echo_compare.sh` do), so what a connection costs beyond it is the task's own.
//!
//! Listens on 127.0.0.1 only (port 0 by default: the OS picks one, printed on the first line).
//! With MAX_CONNECTIONS it stops after serving that many and prints how many poller calls the
//! scheduler made. `examples/echo_client.rs` drives it from another process.

use std::io::{Read, Write};

use genpipe::prelude::*;
use genpipe::sched::net::{TcpListener, TcpStream};
use genpipe::sched::{Scheduler, Spawn, Task, spawn};

/// Echoes what the client sends until it closes; returns the bytes echoed.
#[task]
fn handle(stream: TcpStream) -> Task<std::io::Result<u64>> {
    let mut buf = vec![0u8; 4 << 10];
    let mut echoed = 0u64;
    loop {
        let n = syscall!(stream.read(&mut buf))?;
        if n == 0 {
            return Ok(echoed);
        }
        syscall!(stream.write_all(&buf[..n]))?;
        echoed += n as u64;
    }
}

/// Accepts connections and spawns a task for each, `max` of them at most.
#[task]
fn server(listener: TcpListener, max: Option<u64>) -> Task<std::io::Result<u64>> {
    let mut accepted = 0;
    while max.is_none_or(|max| accepted < max) {
        let (stream, _peer) = syscall!(listener.accept())?;
        syscall!(Spawn(handle(stream)));
        accepted += 1;
    }
    Ok(accepted)
}

/// The green handler: plain code over `Read` and `Write`, which knows nothing of tasks.
fn echo_plain(mut from: impl Read, mut to: impl Write) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 4 << 10];
    let mut echoed = 0u64;
    loop {
        let n = from.read(&mut buf)?;
        if n == 0 {
            return Ok(echoed);
        }
        to.write_all(&buf[..n])?;
        echoed += n as u64;
    }
}

fn green_server(listener: TcpListener, max: Option<u64>) -> std::io::Result<u64> {
    let mut accepted = 0;
    for stream in listener.incoming() {
        let stream = stream?;
        spawn(Task::green("handle", move || echo_plain(&stream, &stream)));
        accepted += 1;
        if max.is_some_and(|max| accepted >= max) {
            break;
        }
    }
    Ok(accepted)
}

fn thread_server(listener: std::net::TcpListener, max: Option<u64>) -> std::io::Result<u64> {
    let mut accepted = 0;
    let mut handlers = Vec::new();
    for stream in listener.incoming() {
        let stream = stream?;
        handlers.push(std::thread::spawn(move || echo_plain(&stream, &stream)));
        accepted += 1;
        if max.is_some_and(|max| accepted >= max) {
            break;
        }
    }
    for handler in handlers {
        let _ = handler.join();
    }
    Ok(accepted)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (flags, args): (Vec<String>, Vec<String>) =
        std::env::args().skip(1).partition(|a| a.starts_with("--"));
    let mut args = args.into_iter();
    let port: u16 = args.next().map(|p| p.parse()).transpose()?.unwrap_or(0);
    let max: Option<u64> = args.next().map(|m| m.parse()).transpose()?;
    let mode = flags.first().map_or("--tasks", String::as_str);
    if mode == "--threads" {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        println!(
            "echo server on {} (a thread per connection)",
            listener.local_addr()?
        );
        let served = thread_server(listener, max)?;
        println!("served {served} connections");
        return Ok(());
    }
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let how = match mode {
        "--green" => "green tasks",
        "--tasks" => "stackless tasks",
        other => return Err(format!("unknown flag {other}: --green or --threads").into()),
    };
    println!("echo server on {} ({how})", listener.local_addr()?);
    let mut scheduler = Scheduler::new();
    if mode == "--green" {
        scheduler.spawn(Task::green("server", move || green_server(listener, max)));
    } else {
        scheduler.spawn(server(listener, max));
    }
    let ended = scheduler.run();
    let errors = ended
        .iter()
        .filter(|o| o.value::<std::io::Result<u64>>().is_none_or(|r| r.is_err()))
        .count();
    println!(
        "served {} connections ({errors} ended with an error), {} poller calls",
        ended.len().saturating_sub(1),
        scheduler.poll_calls()
    );
    Ok(())
}
