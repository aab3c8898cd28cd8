//! A gevent-style server: every connection a green task running plain, blocking-looking code
//! several calls deep (a line protocol of a tiny key-value store), with no `async` and no
//! `syscall!` in it. The same handler runs unchanged on a thread, which the demo shows too.
//!
//! ```text
//! cargo run --release --features full --example green_server              # a demo: its own clients
//! cargo run --release --features full --example green_server -- PORT      # serve 127.0.0.1:PORT
//! ```
//!
//! Protocol, one command a line: `SET key value`, `GET key`, `WAIT ms` (the task sleeps, the
//! others go on), `QUIT`. Listens on 127.0.0.1 only.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use genpipe::sched::net::{TcpListener, TcpStream};
use genpipe::sched::{Scheduler, Task, sleep, spawn};

type Store = Rc<RefCell<HashMap<String, String>>>;

/// The handler: reads lines, answers each. Knows nothing of tasks: `BufReader` and `writeln!`
/// over the socket, as on a thread.
fn serve_client(stream: &TcpStream, store: &Store) -> std::io::Result<usize> {
    let mut reader = BufReader::new(stream);
    let mut out = stream;
    let mut line = String::new();
    let mut commands = 0;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(commands);
        }
        commands += 1;
        match answer(line.trim_end(), store) {
            Some(reply) => writeln!(out, "{reply}")?,
            None => return Ok(commands),
        }
    }
}

/// One command's reply; `None` for QUIT.
fn answer(command: &str, store: &Store) -> Option<String> {
    let mut words = command.splitn(3, ' ');
    Some(match (words.next(), words.next(), words.next()) {
        (Some("SET"), Some(key), Some(value)) => {
            store.borrow_mut().insert(key.into(), value.into());
            "OK".into()
        }
        (Some("GET"), Some(key), None) => store.borrow().get(key).cloned().unwrap_or_default(),
        (Some("WAIT"), Some(ms), None) => wait(ms),
        (Some("QUIT"), None, None) => return None,
        _ => format!("ERR unknown command {command:?}"),
    })
}

/// Three calls down: the task sleeps here and the loop serves the others.
fn wait(ms: &str) -> String {
    match ms.parse() {
        Ok(ms) => {
            let started = Instant::now();
            sleep(Duration::from_millis(ms));
            format!("WAITED {}ms", started.elapsed().as_millis())
        }
        Err(_) => format!("ERR not a number of milliseconds: {ms:?}"),
    }
}

fn serve(listener: TcpListener, store: Store, max: Option<usize>) -> std::io::Result<usize> {
    let mut served = 0;
    for stream in listener.incoming() {
        let stream = stream?;
        let store = Rc::clone(&store);
        spawn(Task::green("client", move || serve_client(&stream, &store)));
        served += 1;
        if max.is_some_and(|max| served >= max) {
            break;
        }
    }
    Ok(served)
}

/// A demo client: sends `commands`, returns the replies.
fn client(addr: std::net::SocketAddr, commands: &[&str]) -> std::io::Result<Vec<String>> {
    let stream = TcpStream::connect(addr)?;
    let mut reader = BufReader::new(&stream);
    let mut replies = Vec::new();
    for command in commands {
        stream.send_all(format!("{command}\n").as_bytes())?;
        let mut reply = String::new();
        reader.read_line(&mut reply)?;
        replies.push(reply.trim_end().to_string());
    }
    stream.send_all(b"QUIT\n")?;
    Ok(replies)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: Option<u16> = std::env::args().nth(1).map(|p| p.parse()).transpose()?;
    let listener = TcpListener::bind(("127.0.0.1", port.unwrap_or(0)))?;
    let addr = listener.local_addr()?;
    println!("green server on {addr}");
    let store: Store = Rc::default();
    let mut scheduler = Scheduler::new();
    let max = if port.is_some() { None } else { Some(3) };
    scheduler.spawn(Task::green("server", move || serve(listener, store, max)));
    if port.is_none() {
        // The demo: two slow clients and a quick one at once, on the same thread.
        for (name, commands) in [
            ("slow", vec!["SET a 1", "WAIT 50", "GET b"]),
            ("slower", vec!["WAIT 100", "GET a"]),
            ("quick", vec!["SET b 2", "GET a", "GET nothing", "FLY"]),
        ] {
            scheduler.spawn(Task::green(name, move || client(addr, &commands)));
        }
    }
    let started = Instant::now();
    for outcome in scheduler.run() {
        match outcome.value::<std::io::Result<Vec<String>>>() {
            Some(Ok(replies)) => println!("{}: {replies:?}", outcome.name()),
            Some(Err(e)) => println!("{}: error {e}", outcome.name()),
            None => {}
        }
    }
    println!(
        "all served in {:?} (the waits overlapped)",
        started.elapsed()
    );
    Ok(())
}
