//! A tokio TCP server that streams the result of a genpipe log pipeline to each client: the
//! client sends a word, the server greps a log for it on a thread of its own
//! (`into_try_stream_threaded`) and writes the matching lines back; when the client goes, the
//! pipeline's thread stops. Then the other way round: the lines a client receives, yielded as
//! they arrive by a `#[generator] async fn` over its socket, run through genpipe stages into a
//! `#[coro]` sink.
//!
//! ```text
//! cargo run --release --features full --example tokio_log_server          # a demo, on a generated log
//! cargo run --release --features full --example tokio_log_server -- PORT LOG
//! ```
//!
//! Loopback only (127.0.0.1). The demo ends by itself.

use genpipe::io::{field, grep, lines};
use genpipe::prelude::*;
use genpipe::stream::next;
use genpipe::stream::{feed, through};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One client: a word, then the log's lines that hold it, until the client goes.
async fn serve(socket: TcpStream, log: std::path::PathBuf) -> std::io::Result<u64> {
    let (read, mut write) = socket.into_split();
    let mut word = String::new();
    BufReader::new(read).read_line(&mut word).await?;
    let word = word.trim().to_string();
    // The file is read on the pipeline's thread: this task only awaits batches of lines.
    let mut hits = (lines(&log) | grep(word)).into_try_stream_threaded(4);
    let mut sent = 0;
    while let Some(line) = next(&mut hits).await {
        let mut bytes = line.map_err(std::io::Error::other)?.to_vec();
        bytes.push(b'\n');
        if write.write_all(&bytes).await.is_err() {
            // The client went: dropping `hits` stops the pipeline's thread.
            break;
        }
        sent += 1;
    }
    Ok(sent)
}

/// Status codes counted as they arrive: a `#[coro]` sink, fed from an async stream.
#[coro]
fn count_404s() -> Coro<String, usize> {
    let mut n = 0;
    while let Some(status) = recv!() {
        n += usize::from(status == "404");
    }
    n
}

/// The lines a socket receives, as they arrive: a body that awaits the socket and yields each
/// line, a `Stream`. Its value is how many it read, or the read's error (`?` ends it).
#[generator]
async fn received(mut socket: BufReader<TcpStream>) -> AsyncGen<String, std::io::Result<usize>> {
    let (mut line, mut n) = (String::new(), 0);
    while socket.read_line(&mut line).await? > 0 {
        yield_!(line.trim_end().to_string());
        line.clear();
        n += 1;
    }
    Ok(n)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let demo = args.is_empty();
    let port: u16 = args.first().map(|p| p.parse()).transpose()?.unwrap_or(0);
    let _dir;
    let log = match args.get(1) {
        Some(path) => std::path::PathBuf::from(path),
        None => {
            _dir = tempfile_dir()?;
            let path = _dir.join("access.log");
            genpipe::synth::write_access_log_file(
                &path,
                4 << 20,
                7,
                genpipe::synth::AccessFormat::Common,
            )?;
            path
        }
    };
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    println!("log server on {addr}, serving {}", log.display());
    let server = {
        let log = log.clone();
        tokio::spawn(async move {
            let mut clients = 0u64;
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    break;
                };
                let log = log.clone();
                tokio::spawn(async move {
                    match serve(socket, log).await {
                        Ok(n) => println!("a client got {n} lines"),
                        Err(e) => println!("a client's pipeline failed: {e}"),
                    }
                });
                clients += 1;
                if demo && clients == 2 {
                    break;
                }
            }
        })
    };
    if !demo {
        server.await?;
        return Ok(());
    }
    // The demo's clients: one reads every " 404 " line; one reads three lines and goes.
    let mut all = BufReader::new(TcpStream::connect(addr).await?);
    all.get_mut().write_all(b" 404 \n").await?;
    let mut quitter = BufReader::new(TcpStream::connect(addr).await?);
    quitter.get_mut().write_all(b"GET\n").await?;
    let mut line = String::new();
    for _ in 0..3 {
        line.clear();
        quitter.read_line(&mut line).await?;
    }
    drop(quitter);
    // The lines received go on to genpipe stages (the status field) and a #[coro] sink as they
    // arrive.
    let mut got = received(all);
    let statuses = through(
        &mut got,
        map(|l: String| l.split_whitespace().nth(8).unwrap_or("").to_string()),
    );
    let counted = feed(statuses, count_404s()).await;
    let lines_404 = got.take_return().expect("the stream has ended")?;
    server.await?;
    println!("the \" 404 \" client read {lines_404} lines; {counted} of them have status 404");
    let in_file = (lines(&log) | field(8) | grep("404") | count())?;
    println!("the log holds {in_file} lines of status 404");
    Ok(())
}

/// A scratch directory for the demo's log, removed at the end.
fn tempfile_dir() -> std::io::Result<TempDir> {
    let dir = std::env::temp_dir().join(format!("genpipe-tokio-log-server-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(TempDir(dir))
}

struct TempDir(std::path::PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
