//! An echo server on one thread: Beazley's pyos echo server, on `genpipe::sched`. Every
//! connection is a task; reads and writes look blocking, and the scheduler runs whichever task
//! has a ready socket.
//!
//! ```text
//! cargo run --release --example echo_server -- [PORT [MAX_CONNECTIONS]]
//! ```
//!
//! Listens on 127.0.0.1 only (port 0 by default: the OS picks one, printed). With
//! MAX_CONNECTIONS it stops after serving that many and prints what each task did.

use genpipe::prelude::*;
use genpipe::sched::net::{TcpListener, TcpStream};
use genpipe::sched::{Scheduler, Spawn, Task};

/// Echoes what the client sends until it closes; returns the bytes echoed.
#[task]
fn handle(stream: TcpStream) -> Task<std::io::Result<u64>> {
    let mut buf = vec![0u8; 16 << 10];
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().map(|p| p.parse()).transpose()?.unwrap_or(0);
    let max: Option<u64> = args.next().map(|m| m.parse()).transpose()?;
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    println!("echo server on {}", listener.local_addr()?);
    let mut scheduler = Scheduler::new();
    scheduler.spawn(server(listener, max));
    for outcome in scheduler.run() {
        let what = match outcome.value::<std::io::Result<u64>>() {
            Some(Ok(n)) => format!("{n}"),
            Some(Err(e)) => format!("error: {e}"),
            None => outcome.panic().unwrap_or("killed").to_string(),
        };
        println!("task {} {}: {what}", outcome.tid(), outcome.name());
    }
    Ok(())
}
