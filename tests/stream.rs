//! `genpipe::stream` on tokio: a pipeline as a `Stream` shares its executor thread, a blocking
//! pipeline runs on its own thread and stops when its stream is dropped (mid-stream, or by a
//! cancelled future), errors arrive as the last item, a panic reaches the task that polls, and
//! async sources feed genpipe stages and sinks. Every test bounded in time.

use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;
use genpipe::prelude::*;
use genpipe::stream::next;
use genpipe::stream::{feed, from_stream, through};

/// A tokio receiver as a `Stream` (what tokio-stream's wrapper does).
struct Channel<T>(tokio::sync::mpsc::Receiver<T>);

impl<T> Stream for Channel<T> {
    type Item = T;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().0.poll_recv(cx)
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_long_cpu_pipeline_as_a_stream_shares_its_executor_thread() {
    let rt = runtime();
    let other_ran = Arc::new(AtomicUsize::new(0));
    let seen_while_streaming = rt.block_on(async {
        let counter = Arc::clone(&other_ran);
        let ticker = tokio::spawn(async move {
            loop {
                counter.fetch_add(1, Ordering::Relaxed);
                tokio::task::yield_now().await;
            }
        });
        let mut stream = Box::pin((pipe(0u64..100_000) | map(|x: u64| x * 2)).into_stream());
        let mut sum = 0u64;
        let mut seen = 0;
        while let Some(x) = next(&mut stream).await {
            sum += x;
            if x == 2 * 50_000 {
                seen = other_ran.load(Ordering::Relaxed);
            }
        }
        ticker.abort();
        assert_eq!(sum, (0..100_000u64).map(|x| x * 2).sum::<u64>());
        seen
    });
    // On one thread, the ticker ran only because the stream gave way (every 128 items).
    assert!(seen_while_streaming > 100, "{seen_while_streaming}");
}

/// Sets its flag when dropped: the producer thread dropped its pipeline.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[generator]
fn endless(flag: SetOnDrop) -> Gen<u64> {
    let _flag = flag;
    let mut i = 0;
    loop {
        yield_!(i);
        i += 1;
    }
}

#[test]
fn dropping_a_threaded_stream_mid_way_stops_and_joins_its_producer() {
    let rt = runtime();
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = SetOnDrop(Arc::clone(&dropped));
    let took = rt.block_on(async move {
        let mut stream = endless(flag).into_stream_threaded(1);
        for want in 0..5 {
            assert_eq!(next(&mut stream).await, Some(want));
        }
        let started = Instant::now();
        drop(stream);
        started.elapsed()
    });
    assert!(
        dropped.load(Ordering::SeqCst),
        "the producer's pipeline was dropped"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn a_cancelled_future_drops_a_followed_log_stream_within_a_poll() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.log");
    std::fs::write(&path, "before 404\n").unwrap();
    let rt = runtime();
    let (got, dropped_in) = rt.block_on(async {
        let stream =
            (genpipe::io::follow(&path) | genpipe::io::grep("404")).into_stream_threaded(2);
        let mut stream = Box::pin(stream);
        // `follow` starts at the end: nothing yet (this first poll starts its thread).
        let nothing = tokio::time::timeout(Duration::from_millis(100), next(&mut stream)).await;
        assert!(nothing.is_err());
        let mut log = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        writeln!(log, "new 200").unwrap();
        writeln!(log, "new 404").unwrap();
        let first = tokio::time::timeout(Duration::from_secs(5), next(&mut stream))
            .await
            .expect("the appended line arrives")
            .map(|l| l.to_string());
        // Nothing more comes: the wait is cancelled by a timeout, which drops the stream.
        let waited = tokio::time::timeout(Duration::from_millis(100), next(&mut stream)).await;
        assert!(waited.is_err(), "no other line was written");
        let started = Instant::now();
        drop(stream);
        (first, started.elapsed())
    });
    assert_eq!(got.as_deref(), Some("new 404"));
    // `follow` looks every 50 ms: the producer sees the stop within one poll.
    assert!(dropped_in < Duration::from_millis(600), "{dropped_in:?}");
}

#[test]
fn a_failing_pipeline_ends_its_try_stream_with_the_error() {
    let rt = runtime();
    let items = rt.block_on(async {
        let mut stream =
            genpipe::io::lines("/nonexistent/genpipe/stream.log").into_try_stream_threaded(2);
        let mut items = Vec::new();
        while let Some(item) = next(&mut stream).await {
            items.push(item.map(|l| l.to_string()).map_err(|e| e.to_string()));
        }
        items
    });
    assert_eq!(items.len(), 1);
    let error = items[0].as_ref().unwrap_err();
    assert!(error.contains("/nonexistent/genpipe/stream.log"), "{error}");

    // In memory too: the items, then the error.
    #[generator]
    fn two_then_fail() -> Gen<u8, Result<(), String>> {
        yield_!(1);
        yield_!(2);
        Err("broken".to_string())
    }
    let got = rt.block_on(async {
        let mut stream = Box::pin(two_then_fail().into_try_stream());
        let mut got = Vec::new();
        while let Some(item) = next(&mut stream).await {
            got.push(item);
        }
        got
    });
    assert_eq!(got, [Ok(1), Ok(2), Err("broken".to_string())]);
}

#[generator]
fn panics_after(n: u32) -> Gen<u32> {
    for i in 0..n {
        yield_!(i);
    }
    panic!("the producer broke");
}

#[test]
fn a_panic_on_the_producer_thread_reaches_the_polling_task() {
    let rt = runtime();
    let joined = rt.block_on(async {
        tokio::spawn(async {
            let mut stream = panics_after(3).into_stream_threaded(1);
            let mut got = Vec::new();
            while let Some(x) = next(&mut stream).await {
                got.push(x);
            }
            got
        })
        .await
    });
    let panic = joined.unwrap_err().into_panic();
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    assert_eq!(message, "the producer broke");
}

#[coro]
fn longest() -> Coro<String, usize> {
    let mut longest = 0;
    while let Some(word) = recv!() {
        longest = longest.max(word.len());
    }
    longest
}

#[test]
fn async_sources_feed_genpipe_stages_and_a_coro_sink() {
    let rt = runtime();
    let (sum, longest) = rt.block_on(async {
        let (tx, rx) = tokio::sync::mpsc::channel::<u32>(4);
        tokio::spawn(async move {
            for i in 1..=100 {
                tx.send(i).await.unwrap();
            }
        });
        // Stages on the async items, then a built-in sink.
        let evens = through(
            Channel(rx),
            filter(|x: &u32| x.is_multiple_of(2)) | map(|x: u32| u64::from(x)),
        );
        let sum = feed(evens, sum::<u64>()).await;

        let (tx, rx) = tokio::sync::mpsc::channel::<String>(1);
        tokio::spawn(async move {
            for word in ["a", "genpipe", "tokio"] {
                tx.send(word.to_string()).await.unwrap();
            }
        });
        let longest = feed(Channel(rx), longest()).await;
        (sum, longest)
    });
    assert_eq!(sum, (1..=100u64).filter(|x| x % 2 == 0).sum::<u64>());
    assert_eq!(longest, 7);
}

#[test]
fn a_stage_that_stops_ends_the_stream_without_polling_the_source_again() {
    let rt = runtime();
    let polled = Arc::new(AtomicUsize::new(0));
    let got = rt.block_on({
        let polled = Arc::clone(&polled);
        async move {
            let counted = pipe(0u32..).map(move |x| {
                polled.fetch_add(1, Ordering::Relaxed);
                x
            });
            let mut stream = Box::pin(through(counted.into_stream(), take(3)));
            let mut got = Vec::new();
            while let Some(x) = next(&mut stream).await {
                got.push(x);
            }
            got
        }
    });
    assert_eq!(got, [0, 1, 2]);
    assert_eq!(polled.load(Ordering::Relaxed), 3);
}

#[test]
fn a_stream_as_a_blocking_source_on_a_thread_of_its_own() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let total = rt.block_on(async {
        let (tx, rx) = tokio::sync::mpsc::channel::<u64>(2);
        tokio::spawn(async move {
            for i in 1..=50 {
                tx.send(i).await.unwrap();
                tokio::time::sleep(Duration::from_micros(100)).await;
            }
        });
        // A blocking genpipe pipeline over the async channel, where blocking is allowed.
        tokio::task::spawn_blocking(move || from_stream(Channel(rx)) | map(|x: u64| x * x) | sum())
            .await
            .unwrap()
    });
    assert_eq!(total, (1..=50u64).map(|x| x * x).sum::<u64>());
}

#[test]
fn a_log_streamed_to_a_tcp_client_stops_when_it_disconnects() {
    // The shape of examples/tokio_log_server.rs: a grep of a large log on its own thread, its
    // lines written to a client; the client goes after one line, and the producer stops long
    // before the end of the log.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("access.log");
    genpipe::synth::write_access_log_file(&path, 16 << 20, 3, genpipe::synth::AccessFormat::Common)
        .unwrap();
    let rt = runtime();
    let (sent, stopped_in) = rt.block_on(async {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let path = path.clone();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut lines = (genpipe::io::lines(&path) | genpipe::io::grep(" 200 "))
                .into_try_stream_threaded(2);
            let mut sent = 0u64;
            while let Some(line) = next(&mut lines).await {
                let mut bytes = line.unwrap().to_vec();
                bytes.push(b'\n');
                if socket.write_all(&bytes).await.is_err() {
                    break;
                }
                sent += 1;
            }
            let started = Instant::now();
            drop(lines);
            (sent, started.elapsed())
        });
        let client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut reader = tokio::io::BufReader::new(client);
        let mut first = String::new();
        reader.read_line(&mut first).await.unwrap();
        assert!(first.contains(" 200 "), "{first}");
        drop(reader);
        tokio::time::timeout(Duration::from_secs(20), server)
            .await
            .expect("the server noticed the client was gone")
            .unwrap()
    });
    let total = (genpipe::io::lines(&path) | genpipe::io::grep(" 200 ") | count()).unwrap() as u64;
    assert!(
        sent < total,
        "{sent} of {total}: the pipeline stopped early"
    );
    assert!(stopped_in < Duration::from_millis(600), "{stopped_in:?}");
}
