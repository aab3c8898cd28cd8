//! Generator and coroutine bodies that `.await` (`#[generator] async fn`, `#[coro] async fn`):
//! they run on a real executor (tokio) and a hand-rolled one, wake through the executor's
//! waker, stop where they are when dropped, carry errors and panics to the poller, and refuse
//! the misuses async-stream's issues #106 and #107 found in its design.
//!
//! CI runs the tests that need no tokio runtime under Miri (Stacked and Tree Borrows): the
//! forwarding waker, the frame, wakes from another thread, drops and panics mid-body.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use futures_core::Stream;
use futures_core::stream::FusedStream;
use genpipe::prelude::*;
use genpipe::stream::next;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Bounded: a test that would hang fails instead.
fn within<T>(rt: &tokio::runtime::Runtime, f: impl Future<Output = T>) -> T {
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(20), f)
            .await
            .expect("timed out")
    })
}

#[generator]
async fn ticks(n: u32, every: Duration) -> AsyncGen<u32, &'static str> {
    for i in 0..n {
        tokio::time::sleep(every).await;
        yield_!(i);
    }
    "done"
}

#[test]
#[cfg_attr(miri, ignore)] // tokio's runtime (epoll, timers) is not what Miri checks here
fn a_body_that_sleeps_yields_in_order_and_returns_its_value() {
    let rt = runtime();
    let mut g = ticks(5, Duration::from_millis(2));
    let got = within(&rt, async {
        let mut got = Vec::new();
        while let Some(x) = next(&mut g).await {
            got.push(x);
        }
        got
    });
    assert_eq!(got, [0, 1, 2, 3, 4]);
    assert!(g.is_terminated());
    assert_eq!(g.take_return(), Some("done"));
    assert_eq!(g.take_return(), None);
}

#[test]
#[cfg_attr(miri, ignore)] // tokio's runtime (epoll, timers) is not what Miri checks here
fn an_async_generator_is_send_and_runs_in_a_spawned_task() {
    let rt = runtime();
    let got = within(&rt, async {
        tokio::spawn(async {
            let mut g = ticks(3, Duration::from_millis(1));
            let mut got = Vec::new();
            while let Some(x) = next(&mut g).await {
                got.push(x);
            }
            got
        })
        .await
        .unwrap()
    });
    assert_eq!(got, [0, 1, 2]);
}

/// Items from a tokio channel: the body awaits `recv`, which stores the executor's waker (the
/// body's forwards its clones), so a send from another task wakes it.
#[generator]
async fn from_channel(mut rx: tokio::sync::mpsc::Receiver<u32>) -> AsyncGen<u32> {
    while let Some(x) = rx.recv().await {
        if x % 2 == 0 {
            yield_!(x * 10);
        }
    }
}

#[test]
#[cfg_attr(miri, ignore)] // tokio's runtime (epoll, timers) is not what Miri checks here
fn a_leaf_future_stores_the_executors_waker_and_is_woken_by_another_task() {
    let rt = runtime();
    let got = within(&rt, async {
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let producer = tokio::spawn(async move {
            for i in 0..20 {
                tokio::time::sleep(Duration::from_micros(200)).await;
                tx.send(i).await.unwrap();
            }
        });
        let mut g = from_channel(rx);
        let mut got = Vec::new();
        while let Some(x) = next(&mut g).await {
            got.push(x);
        }
        producer.await.unwrap();
        got
    });
    assert_eq!(
        got,
        (0..20)
            .filter(|x| x % 2 == 0)
            .map(|x| x * 10)
            .collect::<Vec<_>>()
    );
}

/// An async stage: its upstream is a `Stream` parameter it keeps.
#[generator]
async fn pairs(input: impl Stream<Item = u32>) -> AsyncGen<(u32, u32)> {
    let mut held = None;
    for x in input {
        match held.take() {
            None => held = Some(x),
            Some(a) => {
                tokio::task::yield_now().await;
                yield_!((a, x));
            }
        }
    }
}

#[generator]
async fn sums(input: impl Stream<Item = (u32, u32)>) -> AsyncGen<u32> {
    while let Some((a, b)) = input.next() {
        yield_!(a + b);
    }
}

#[test]
#[cfg_attr(miri, ignore)] // tokio's runtime (epoll, timers) is not what Miri checks here
fn async_stages_chain_over_a_sync_pipeline_stream() {
    let rt = runtime();
    let got = within(&rt, async {
        let source = pipe(1..=7u32).into_stream();
        let mut s = sums(pairs(source));
        let mut got = Vec::new();
        while let Some(x) = next(&mut s).await {
            got.push(x);
        }
        got
    });
    assert_eq!(got, [3, 7, 11]);
}

#[generator]
async fn relay(input: impl Stream<Item = u32>) -> AsyncGen<u32> {
    yield_from!(input);
}

#[test]
fn yield_from_the_upstream_hands_every_item_on() {
    let got: Vec<u32> =
        futures_executor::block_on_stream(relay(relay(pipe(0..300u32).into_stream()))).collect();
    assert_eq!(got, (0..300).collect::<Vec<_>>());
}

#[generator]
async fn parsed(fields: Vec<&'static str>) -> AsyncGen<u32, Result<(), std::num::ParseIntError>> {
    for f in fields {
        tokio::task::yield_now().await;
        yield_!(f.parse::<u32>()?);
    }
    Ok(())
}

#[test]
#[cfg_attr(miri, ignore)] // tokio's runtime (epoll, timers) is not what Miri checks here
fn question_mark_ends_the_body_and_the_error_is_the_last_item() {
    let rt = runtime();
    let got = within(&rt, async {
        let mut s = parsed(vec!["1", "2", "x", "4"]).into_try_stream();
        let mut got = Vec::new();
        while let Some(r) = next(&mut s).await {
            got.push(r.map_err(|e| e.to_string()));
        }
        got
    });
    assert_eq!(
        got,
        [
            Ok(1),
            Ok(2),
            Err("invalid digit found in string".to_string())
        ]
    );
    let ok: Vec<_> = futures_executor::block_on_stream(parsed(vec!["5"]).into_try_stream())
        .map(Result::unwrap)
        .collect();
    assert_eq!(ok, [5]);
}

/// Counts its drops: the body's locals must be dropped where the body is suspended.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[generator]
async fn forever(drops: Arc<AtomicUsize>, started: Arc<AtomicBool>) -> AsyncGen<u64> {
    let _guard = DropCount(drops);
    started.store(true, Ordering::SeqCst);
    let mut i = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(1)).await;
        yield_!(i);
        i += 1;
    }
}

#[test]
#[cfg_attr(miri, ignore)] // tokio's runtime (epoll, timers) is not what Miri checks here
fn dropping_the_stream_mid_way_drops_the_body_where_it_waits() {
    let rt = runtime();
    let drops = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(AtomicBool::new(false));
    within(&rt, async {
        let mut g = forever(drops.clone(), started.clone());
        assert_eq!(next(&mut g).await, Some(0));
        assert_eq!(next(&mut g).await, Some(1));
        // Suspended in `sleep`, its timer registered with the runtime.
        let cancelled = tokio::time::timeout(Duration::from_micros(10), next(&mut g)).await;
        drop(cancelled);
        drop(g);
    });
    assert!(started.load(Ordering::SeqCst));
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    // Never polled: nothing ran (no guard made), and dropping it drops what it captured.
    let unpolled = forever(drops.clone(), started.clone());
    assert_eq!(Arc::strong_count(&drops), 2);
    drop(unpolled);
    assert_eq!(Arc::strong_count(&drops), 1);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[generator]
async fn panics_after(n: u32) -> AsyncGen<u32> {
    for i in 0..n {
        tokio::task::yield_now().await;
        yield_!(i);
    }
    panic!("body failed after {n}");
}

#[test]
#[cfg_attr(miri, ignore)] // tokio's runtime (epoll, timers) is not what Miri checks here
fn a_panic_in_the_body_reaches_the_poller_and_the_stream_ends() {
    let rt = runtime();
    let joined = within(&rt, async {
        tokio::spawn(async {
            let mut g = panics_after(2);
            while next(&mut g).await.is_some() {}
        })
        .await
    });
    let panic = joined.unwrap_err().into_panic();
    assert_eq!(
        panic.downcast_ref::<String>().unwrap(),
        "body failed after 2"
    );

    // Caught in place: the stream is over, not resumed broken.
    let mut g = panics_after(1);
    let mut polled = Vec::new();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for x in futures_executor::block_on_stream(&mut g) {
            polled.push(x);
        }
    }));
    assert!(caught.is_err());
    assert_eq!(polled, [0]);
    assert!(g.is_done());
    assert_eq!(futures_executor::block_on_stream(&mut g).next(), None);
}

/// A waker that counts its wakes.
struct Counting(AtomicUsize);

impl Wake for Counting {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Ready on its second poll; on its first it stores a clone of the waker, and wakes it by
/// reference too (as a `yield_now` does).
#[derive(Default)]
struct StoresWaker {
    stored: Arc<std::sync::Mutex<Option<Waker>>>,
    polled: bool,
}

impl Future for StoresWaker {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.polled {
            return Poll::Ready(());
        }
        self.polled = true;
        *self.stored.lock().unwrap() = Some(cx.waker().clone());
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[generator]
async fn awaits_stored(stored: Arc<std::sync::Mutex<Option<Waker>>>) -> AsyncGen<u8> {
    yield_!(1);
    StoresWaker {
        stored,
        polled: false,
    }
    .await;
    yield_!(2);
}

#[test]
fn clones_and_wakes_of_the_body_waker_are_the_executors() {
    let counting = Arc::new(Counting(AtomicUsize::new(0)));
    let waker = Waker::from(counting.clone());
    let mut cx = Context::from_waker(&waker);
    let stored = Arc::new(std::sync::Mutex::new(None));
    let mut g = awaits_stored(stored.clone());
    assert_eq!(Pin::new(&mut g).poll_next(&mut cx), Poll::Ready(Some(1)));
    assert_eq!(Pin::new(&mut g).poll_next(&mut cx), Poll::Pending);
    // The body's `wake_by_ref` reached the executor's waker.
    assert_eq!(counting.0.load(Ordering::SeqCst), 1);
    let kept = stored.lock().unwrap().take().unwrap();
    // What the leaf future kept is the executor's own waker, usable after the poll.
    // (Its data, not `will_wake`: a vtable made from a `const` may have more than one address,
    // and has under Miri.)
    assert_eq!(kept.data(), waker.data());
    kept.wake();
    assert_eq!(counting.0.load(Ordering::SeqCst), 2);
    assert_eq!(Pin::new(&mut g).poll_next(&mut cx), Poll::Ready(Some(2)));
    assert_eq!(Pin::new(&mut g).poll_next(&mut cx), Poll::Ready(None));
}

#[generator]
async fn from_memory(n: u32) -> AsyncGen<u32> {
    for i in 0..n {
        yield_!(i);
    }
}

#[test]
fn a_body_that_never_waits_gives_way_every_stream_budget_items() {
    let counting = Arc::new(Counting(AtomicUsize::new(0)));
    let waker = Waker::from(counting.clone());
    let mut cx = Context::from_waker(&waker);
    let budget = genpipe::stream::STREAM_BUDGET;
    let mut g = from_memory(budget * 2 + 5);
    let (mut items, mut pendings) = (0, 0);
    loop {
        match Pin::new(&mut g).poll_next(&mut cx) {
            Poll::Ready(Some(_)) => items += 1,
            Poll::Ready(None) => break,
            Poll::Pending => {
                pendings += 1;
                assert_eq!(items % budget, 0, "gave way after {items} items");
            }
        }
    }
    assert_eq!(items, budget * 2 + 5);
    assert_eq!(pendings, 2);
    // Each `Pending` woke the task first, so an executor polls it again.
    assert_eq!(counting.0.load(Ordering::SeqCst), 2);
}

// ---- #[coro] async fn ----

#[coro]
async fn slow_sum(delay: Duration) -> AsyncCoro<u32, (u64, usize)> {
    let (mut total, mut n) = (0, 0);
    while let Some(x) = recv!() {
        tokio::time::sleep(delay).await;
        total += u64::from(x);
        n += 1;
    }
    tokio::time::sleep(delay).await;
    (total, n)
}

#[test]
#[cfg_attr(miri, ignore)] // tokio's runtime (epoll, timers) is not what Miri checks here
fn an_async_coro_takes_each_send_after_its_awaits_and_close_returns_its_value() {
    let rt = runtime();
    let out = within(&rt, async {
        let mut c = slow_sum(Duration::from_millis(1));
        for x in 1..=10 {
            c.send(x).await.unwrap();
        }
        c.close().await
    });
    assert_eq!(out, (55, 10));
}

#[coro]
async fn first_two() -> AsyncCoro<u32, Vec<u32>> {
    let mut got = Vec::new();
    while got.len() < 2 {
        match recv!() {
            Some(x) => {
                tokio::task::yield_now().await;
                got.push(x);
            }
            None => break,
        }
    }
    got
}

#[test]
#[cfg_attr(miri, ignore)] // tokio's runtime (epoll, timers) is not what Miri checks here
fn a_send_after_the_body_ended_hands_the_value_back() {
    let rt = runtime();
    within(&rt, async {
        let mut c = first_two();
        c.send(1).await.unwrap();
        c.send(2).await.unwrap();
        assert!(c.is_done());
        let err = c.send(3).await.unwrap_err();
        assert_eq!(err.into_inner(), 3);
        assert_eq!(c.close().await, [1, 2]);
    });
}

#[test]
#[cfg_attr(miri, ignore)] // tokio's runtime (epoll, timers) is not what Miri checks here
fn send_all_feeds_a_stream_and_stops_at_the_bodys_end() {
    let rt = runtime();
    within(&rt, async {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            for i in 1..=100u32 {
                if tx.send(i).await.is_err() {
                    break;
                }
            }
        });
        let stream = from_channel(rx); // evens, times ten
        let (total, n) = slow_sum(Duration::from_micros(50)).send_all(stream).await;
        assert_eq!(n, 50);
        assert_eq!(
            total,
            (1..=100)
                .filter(|x| x % 2 == 0)
                .map(|x| x * 10)
                .sum::<u64>()
        );

        let rest = pipe(10..20u32).into_stream();
        assert_eq!(first_two().send_all(rest).await, [10, 11]);
    });
}

#[coro]
async fn averager() -> AsyncCoro<f64, (), f64> {
    let (mut total, mut n) = (0.0, 0.0);
    let mut next = recv!();
    while let Some(x) = next {
        tokio::task::yield_now().await;
        total += x;
        n += 1.0;
        next = recv!(total / n);
    }
}

#[test]
#[cfg_attr(miri, ignore)] // tokio's runtime (epoll, timers) is not what Miri checks here
fn ask_returns_the_reply_of_the_next_recv() {
    let rt = runtime();
    within(&rt, async {
        let mut avg = averager();
        assert_eq!(avg.ask(10.0).await.unwrap(), Some(10.0));
        assert_eq!(avg.ask(20.0).await.unwrap(), Some(15.0));
        avg.close().await;
    });
}

#[test]
#[cfg_attr(miri, ignore)] // tokio's runtime (epoll, timers) is not what Miri checks here
fn a_send_cancelled_after_the_body_took_its_value_loses_nothing() {
    let rt = runtime();
    let out = within(&rt, async {
        let mut c = slow_sum(Duration::from_millis(20));
        c.send(1).await.unwrap();
        // The body takes 2, then sleeps 20 ms: the send is cancelled while it sleeps.
        let cancelled = tokio::time::timeout(Duration::from_millis(1), c.send(2)).await;
        assert!(cancelled.is_err());
        // The next send resumes the body from its sleep; 2 was counted.
        c.send(3).await.unwrap();
        c.close().await
    });
    assert_eq!(out, (6, 3));
}

#[coro]
async fn fails_on_zero() -> AsyncCoro<u32, Result<u32, String>> {
    let mut last = 0;
    while let Some(x) = recv!() {
        tokio::task::yield_now().await;
        if x == 0 {
            return Err("zero".to_string());
        }
        last = x;
    }
    Ok(last)
}

#[test]
#[cfg_attr(miri, ignore)] // tokio's runtime (epoll, timers) is not what Miri checks here
fn a_fallible_coro_returns_its_error_from_close() {
    let rt = runtime();
    within(&rt, async {
        let mut c = fails_on_zero();
        c.send(4).await.unwrap();
        c.send(0).await.unwrap();
        assert!(c.is_done());
        assert_eq!(c.close().await, Err("zero".to_string()));
    });
}

/// `?` in an async coroutine: a write that fails ends the body with the error.
#[coro]
async fn writes_lines(
    mut out: tokio::io::DuplexStream,
) -> AsyncCoro<String, std::io::Result<usize>> {
    use tokio::io::AsyncWriteExt;
    let mut n = 0;
    while let Some(line) = recv!() {
        out.write_all(line.as_bytes()).await?;
        out.write_all(b"\n").await?;
        n += 1;
    }
    out.shutdown().await?;
    Ok(n)
}

#[test]
#[cfg_attr(miri, ignore)] // tokio's runtime (epoll, timers) is not what Miri checks here
fn question_mark_in_an_async_coro_ends_it_with_the_error() {
    use tokio::io::AsyncReadExt;
    let rt = runtime();
    within(&rt, async {
        let (near, mut far) = tokio::io::duplex(64);
        let mut w = writes_lines(near);
        w.send("one".to_string()).await.unwrap();
        w.send("two".to_string()).await.unwrap();
        let reader = tokio::spawn(async move {
            let mut got = String::new();
            far.read_to_string(&mut got).await.map(|_| got)
        });
        assert_eq!(w.close().await.unwrap(), 2);
        assert_eq!(reader.await.unwrap().unwrap(), "one\ntwo\n");

        // The reader goes: the next write fails, and `?` ends the body with its error.
        let (near, far) = tokio::io::duplex(8);
        drop(far);
        let mut w = writes_lines(near);
        w.send("lost".to_string()).await.unwrap();
        assert!(w.is_done());
        let err = w.close().await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    });
}

#[coro]
async fn panics_on(bad: u32) -> AsyncCoro<u32, ()> {
    while let Some(x) = recv!() {
        tokio::task::yield_now().await;
        assert_ne!(x, bad, "got the bad value");
    }
}

#[test]
fn a_panic_in_an_async_coro_reaches_the_sender_and_close_panics_after() {
    let mut c = panics_on(2);
    futures_executor::block_on(c.send(1)).unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        futures_executor::block_on(c.send(2))
    }));
    assert!(caught.is_err());
    assert!(c.is_done());
    assert_eq!(
        futures_executor::block_on(c.send(3))
            .unwrap_err()
            .into_inner(),
        3
    );
    let closed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        futures_executor::block_on(c.close())
    }));
    assert!(closed.is_err());
}

// ---- misuse (async-stream #106: a yield future awaited in the wrong body) ----

/// A macro that wraps its argument in an `async` block: async-stream's #106 smuggled a `yield`
/// out of its body this way. genpipe rewrites `yield_!` inside other macros' tokens too, and
/// the future it makes carries its generator's id (an `async` block that borrows the body's
/// handle cannot leave the body: `tests/ui/async-yield-borrowing-block.rs`; this one moves a
/// copy of it out): awaited in another generator's body, it
/// panics instead of writing a `usize` where a `Box` is expected.
macro_rules! asynk {
    ($e:expr) => {
        async move { $e }
    };
}

/// A future of `()`, boxed.
type Smuggled = Pin<Box<dyn Future<Output = ()> + Send>>;

#[generator]
async fn inner_boxes(smuggled: Smuggled) -> AsyncGen<Box<u32>> {
    yield_!(Box::new(12345));
    smuggled.await;
}

#[generator]
async fn outer_smuggles() -> AsyncGen<usize> {
    let yield_42 = asynk!(yield_!(42_usize));
    let mut inner = inner_boxes(Box::pin(yield_42));
    while let Some(b) = next(&mut inner).await {
        yield_!(*b as usize);
    }
}

#[test]
fn a_yield_smuggled_into_another_body_panics_instead_of_confusing_types() {
    let mut outer = outer_smuggles();
    let mut got = Vec::new();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for x in futures_executor::block_on_stream(&mut outer) {
            got.push(x);
        }
    }));
    let panic = caught.unwrap_err();
    let message = panic.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("another generator's body"), "{message}");
    assert_eq!(got, [12345]);
}

/// A yield future awaited by the executor directly (outside any body) panics too.
#[generator]
async fn leaks_its_yield(out: Arc<std::sync::Mutex<Option<Smuggled>>>) -> AsyncGen<u8> {
    *out.lock().unwrap() = Some(Box::pin(asynk!(yield_!(7))));
}

#[test]
fn a_yield_future_polled_by_the_executor_panics() {
    let slot = Arc::new(std::sync::Mutex::new(None));
    let mut g = leaks_its_yield(slot.clone());
    assert_eq!(futures_executor::block_on_stream(&mut g).next(), None);
    let leaked = slot.lock().unwrap().take().unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        futures_executor::block_on(leaked)
    }));
    let panic = caught.unwrap_err();
    let message = panic.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("outside its generator"), "{message}");
}

/// Hands the waker it is polled with to a scoped thread, which clones it and wakes it (both
/// ways) while the body is suspended in this poll; ready on the next poll.
struct WakesFromAnotherThread {
    polled: bool,
}

impl Future for WakesFromAnotherThread {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.polled {
            return Poll::Ready(());
        }
        self.polled = true;
        let waker = cx.waker();
        std::thread::scope(|s| {
            s.spawn(|| {
                // A clone kept past a wake, as a leaf future's registration is.
                let kept = waker.clone();
                waker.wake_by_ref();
                kept.wake();
            });
        });
        Poll::Pending
    }
}

#[generator]
async fn wakes_across_threads(n: u8) -> AsyncGen<u8> {
    for i in 0..n {
        WakesFromAnotherThread { polled: false }.await;
        yield_!(i);
    }
}

#[test]
fn the_body_waker_can_be_cloned_and_woken_from_a_scoped_thread() {
    let counting = Arc::new(Counting(AtomicUsize::new(0)));
    let waker = Waker::from(counting.clone());
    let mut cx = Context::from_waker(&waker);
    let mut g = wakes_across_threads(3);
    let mut got = Vec::new();
    loop {
        match Pin::new(&mut g).poll_next(&mut cx) {
            Poll::Ready(Some(x)) => got.push(x),
            Poll::Ready(None) => break,
            Poll::Pending => {}
        }
    }
    assert_eq!(got, [0, 1, 2]);
    assert_eq!(counting.0.load(Ordering::SeqCst), 6);
    assert_eq!(Arc::strong_count(&counting), 2);
}

/// Polls a future it is given on a scoped thread, with the waker of the poll it runs in.
struct PollElsewhere<F>(Pin<Box<F>>);

impl<F: Future + Send> Future for PollElsewhere<F>
where
    F::Output: Send,
{
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let fut = self.0.as_mut();
        let waker = cx.waker();
        std::thread::scope(|s| {
            s.spawn(|| fut.poll(&mut Context::from_waker(waker)))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }
}

#[generator]
async fn yields_from_another_thread() -> AsyncGen<String> {
    yield_!("here".to_string());
    PollElsewhere(Box::pin(asynk!(yield_!("there".to_string())))).await;
}

#[test]
fn a_yield_polled_on_another_thread_panics_there_and_reaches_the_poller() {
    let mut g = yields_from_another_thread();
    let mut got = Vec::new();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for x in futures_executor::block_on_stream(&mut g) {
            got.push(x);
        }
    }));
    assert!(caught.is_err());
    assert_eq!(got, ["here"]);
    assert!(g.is_done());
}
