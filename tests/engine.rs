//! The engine's guarantees under misuse: a clear panic, never a write into the wrong slot.
//! These run under Miri too (`cargo +nightly miri test --test engine`).

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use genpipe::__private::{Co, source};
use genpipe::prelude::*;

fn panic_message(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    match err.downcast::<String>() {
        Ok(s) => *s,
        Err(err) => err
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

/// A future that is pending once: what a real I/O future would do.
struct PendingOnce(bool);
impl Future for PendingOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

#[test]
fn awaiting_a_foreign_future_panics_and_finishes_the_generator() {
    let mut g = source(|co: Co<u32>| async move {
        co.yield_(1).await;
        PendingOnce(false).await;
        co.yield_(2).await;
    });
    assert_eq!(g.next(), Some(1));
    let msg = panic_message(|| {
        g.next();
    });
    assert!(
        msg.contains("awaited something other than its own"),
        "{msg}"
    );
    assert_eq!(g.next(), None);
}

#[test]
fn an_outer_co_awaited_inside_an_inner_generator_panics() {
    let mut outer = source(|outer_co: Co<String>| async move {
        let inner = source(move |_inner_co: Co<u64>| async move {
            // The outer generator's yield, awaited while the inner one is being polled: it would
            // write a `String` into the inner frame's `u64` slot without the id check.
            outer_co.yield_(String::from("wrong slot")).await;
        });
        for x in inner {
            outer_co.yield_(x.to_string()).await;
        }
    });
    let msg = panic_message(|| {
        outer.next();
    });
    assert!(msg.contains("inside another generator's body"), "{msg}");
    assert_eq!(outer.next(), None);
}

#[test]
fn a_yield_polled_by_an_executor_panics() {
    let mut escaped = None;
    let mut g = source(|co: Co<u8>| {
        escaped = Some(co);
        async move {
            co.yield_(1).await;
        }
    });
    let co = escaped.take().unwrap();
    let mut fut = pin!(co.yield_(9));
    let mut cx = Context::from_waker(Waker::noop());
    let msg = panic_message(|| {
        let _ = fut.as_mut().poll(&mut cx);
    });
    assert!(msg.contains("polled outside its generator"), "{msg}");
    // The generator itself is unaffected.
    assert_eq!(g.next(), Some(1));
}

#[test]
fn resuming_after_completion_returns_none() {
    let mut g = source(|co: Co<u8>| async move {
        co.yield_(1).await;
    });
    assert_eq!(g.next(), Some(1));
    for _ in 0..3 {
        assert_eq!(g.next(), None);
    }
}

#[test]
fn a_panicking_upstream_finishes_its_downstream_too() {
    #[generator]
    fn boom() -> Gen<u32> {
        yield_!(1);
        panic!("upstream boom");
    }
    #[generator]
    fn passthrough(input: impl Iterator<Item = u32>) -> Gen<u32> {
        for x in input {
            yield_!(x);
        }
    }
    let mut g = boom() | passthrough();
    assert_eq!(g.next(), Some(1));
    assert!(
        panic_message(|| {
            g.next();
        })
        .contains("upstream boom")
    );
    assert_eq!(g.next(), None);
}

#[test]
fn a_dropped_waker_clone_is_inert() {
    // A body may clone its waker (as real futures do); the clone must not keep the frame alive.
    struct CloneWaker(Option<Waker>);
    impl Future for CloneWaker {
        type Output = ();
        fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.0 = Some(cx.waker().clone());
            cx.waker().wake_by_ref();
            Poll::Ready(())
        }
    }
    let mut g = source(|co: Co<u8>| async move {
        let mut f = CloneWaker(None);
        (&mut f).await;
        co.yield_(1).await;
        // Waking the clone after the poll that made it touches nothing.
        f.0.take().unwrap().wake();
        co.yield_(2).await;
    });
    assert_eq!(g.by_ref().collect::<Vec<_>>(), [1, 2]);
}

#[test]
fn coroutine_push_pull_and_values() {
    #[coro]
    fn echo() -> Coro<u32, u32, u32> {
        let mut last = 0;
        let mut next = recv!();
        while let Some(x) = next {
            last = x;
            next = recv!(x * 2);
        }
        last
    }
    let mut c = echo();
    assert_eq!(c.ask(1).unwrap(), Some(2));
    assert_eq!(c.ask(5).unwrap(), Some(10));
    assert_eq!(c.close(), 5);
}

#[test]
fn generators_of_heap_items_drop_everything_once() {
    let mut g = pipe(0..5).map(|i| vec![i; 3]) | map(|v: Vec<i32>| v.into_iter().sum::<i32>());
    assert_eq!(g.next(), Some(0));
    drop(g);
    #[generator]
    fn strings(n: usize) -> Gen<String> {
        let held = String::from("held across yields");
        for i in 0..n {
            yield_!(format!("{held} {i}"));
        }
    }
    let mut s = strings(3);
    assert_eq!(s.next().as_deref(), Some("held across yields 0"));
    drop(s);
    assert_eq!((strings(2) | collect::<Vec<_>>()).len(), 2);
}

/// A body hands its borrowed waker and its `Co` to a scoped thread, which polls a yield there
/// while the polling thread is inside the poll: without the thread check, that thread writes
/// the slot the driver is using (a data race from safe code; Miri: "Data race detected").
#[test]
fn a_yield_polled_on_another_thread_panics_there() {
    let mut g = source(|co: Co<String>| async move {
        let mut caught = None;
        let msg = std::future::poll_fn(|cx| {
            // Resumed after the yield below: hand on what the other thread saw.
            if let Some(msg) = caught.take() {
                return Poll::Ready(msg);
            }
            let waker = cx.waker();
            let msg = std::thread::scope(|s| {
                let other = s.spawn(move || {
                    panic_message(|| {
                        let mut cx = Context::from_waker(waker);
                        let _ =
                            pin!(co.yield_(String::from("from the other thread"))).poll(&mut cx);
                    })
                });
                // The polling thread goes on using its frame meanwhile.
                let mut cx = Context::from_waker(waker);
                let mine = pin!(co.yield_(String::from("mine"))).poll(&mut cx);
                assert!(mine.is_pending());
                other.join().expect("the other thread's panic was caught")
            });
            caught = Some(msg);
            // Suspends the body with "mine" in the frame, as `yield_!` would.
            Poll::Pending
        })
        .await;
        co.yield_(msg).await;
    });
    // The first poll left "mine" in the frame: what the polling thread wrote, nothing else.
    assert_eq!(g.next().as_deref(), Some("mine"));
    let msg = g.next().unwrap();
    assert!(msg.contains("on another thread"), "{msg}");
    assert_eq!(g.next(), None);
}

/// The same for a coroutine's input: the other thread would take a `!Send` value (an `Rc`)
/// out of the frame and drop it there while the polling thread holds clones.
#[test]
fn a_recv_polled_on_another_thread_panics_there() {
    use std::rc::Rc;
    let mut c = genpipe::__private::coro(|co: Co<(), Rc<u32>>| async move {
        let mut seen = 0;
        loop {
            let stolen = std::future::poll_fn(|cx| {
                let waker = cx.waker();
                let msg = std::thread::scope(|s| {
                    s.spawn(move || {
                        panic_message(|| {
                            let mut cx = Context::from_waker(waker);
                            let taken = pin!(co.next()).poll(&mut cx);
                            // Never reached: this would drop the `Rc` on this thread.
                            drop(taken);
                        })
                    })
                    .join()
                    .expect("the other thread's panic was caught")
                });
                Poll::Ready(msg)
            })
            .await;
            assert!(stolen.contains("on another thread"), "{stolen}");
            match co.next().await {
                Some(rc) => seen += *rc,
                None => return seen,
            }
        }
    });
    let shared = Rc::new(5);
    c.send(Rc::clone(&shared)).unwrap();
    c.send(Rc::clone(&shared)).unwrap();
    assert_eq!(c.close(), 10);
    assert_eq!(Rc::strong_count(&shared), 1);
}

/// A `#[generator]` body cannot name the binding of its own `Co` (mixed-site hygiene), so only
/// `__private` reaches it; `tests/ui/co-binding-unnameable.rs` is the compile-fail side.
#[test]
fn the_co_binding_does_not_clash_with_user_names() {
    #[generator]
    fn shadows() -> Gen<u8> {
        #[allow(unused_variables)]
        let __genpipe_co = "a user's own variable";
        yield_!(1);
        let __genpipe_item = 2;
        yield_!(__genpipe_item);
    }
    assert_eq!(shadows().collect::<Vec<_>>(), [1, 2]);
}

#[generator]
fn upto(n: u64) -> Gen<u64> {
    for i in 0..n {
        yield_!(i);
    }
}

#[generator]
fn doubled(input: impl Iterator<Item = u64>) -> Gen<u64> {
    for x in input {
        yield_!(x * 2);
    }
}

/// A `Gen` driven by `next()` is boxed; piped on afterwards, its downstream takes the boxed arm
/// (`Pull::any_boxed` is true), on every way of driving the pipeline.
#[test]
// `fold` itself is what is tested (Gen overrides it), not a sum.
#[allow(clippy::unnecessary_fold)]
fn a_generator_boxed_by_next_then_piped_goes_on_where_it_stopped() {
    let started = || {
        let mut g = upto(6);
        assert_eq!(g.next(), Some(0));
        g
    };
    // A sink (`try_run`), `fold`, `next()`, `pin!`, `.boxed()` and two levels of boxed upstreams.
    assert_eq!(started() | doubled() | sum(), 2 * (1 + 2 + 3 + 4 + 5));
    assert_eq!((started() | doubled()).fold(0, |a, x| a + x), 30);
    assert_eq!(
        (started() | doubled()).collect::<Vec<_>>(),
        [2, 4, 6, 8, 10]
    );
    let mut total = 0;
    for x in pin!(started() | doubled()) {
        total += x;
    }
    assert_eq!(total, 30);
    assert_eq!((started() | doubled()).boxed() | sum(), 30);
    let mut twice = started() | doubled();
    assert_eq!(twice.next(), Some(2));
    assert_eq!(twice | doubled() | collect::<Vec<_>>(), [8, 12, 16, 20]);
}

/// `for x in pin!(g)` leaves the generator where the loop stopped, and its return value
/// readable.
#[test]
fn a_pinned_generator_loops_in_place_and_finishes() {
    #[generator]
    fn counted(n: u64) -> Gen<u64, u64> {
        for i in 0..n {
            yield_!(i);
        }
        n
    }
    let mut g = pin!(counted(5));
    for x in g.as_mut() {
        if x == 2 {
            break;
        }
    }
    assert_eq!(g.as_mut().collect::<Vec<_>>(), [3, 4]);
    assert_eq!(g.as_mut().next(), None);
    assert_eq!(g.as_mut().take_return(), Some(5));
}

/// Push mode in one poll: a coroutine that asks twice per value, replies, and ends early hands
/// back exactly what it did not take.
#[test]
fn push_mode_takes_each_value_once_and_hands_back_the_rest() {
    #[coro]
    fn pairs() -> Coro<u32, Vec<(u32, u32)>, usize> {
        let mut out = Vec::new();
        while let Some(a) = recv!(out.len()) {
            let Some(b) = recv!(out.len()) else { break };
            out.push((a, b));
            if out.len() == 2 {
                break;
            }
        }
        out
    }
    let mut c = pairs();
    assert_eq!(c.ask(1).unwrap(), Some(0));
    assert_eq!(c.ask(2).unwrap(), Some(1));
    assert_eq!(c.ask(3).unwrap(), Some(1));
    // The body ends while taking 4: nothing is left to refuse.
    assert_eq!(c.ask(4).unwrap(), None);
    assert_eq!(c.send(5), Err(SendError(5)));
    assert_eq!(c.close(), [(1, 2), (3, 4)]);
}

/// Counts its live instances: every item made is dropped exactly once, whatever path it takes
/// through the frame (the frame's slots have no drop glue; the drivers drain them).
#[derive(Debug)]
struct Counted<'a>(&'a std::cell::Cell<i32>);
impl<'a> Counted<'a> {
    fn new(live: &'a std::cell::Cell<i32>) -> Self {
        live.set(live.get() + 1);
        Counted(live)
    }
}
impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

#[test]
fn items_in_the_frame_are_dropped_once_on_every_path() {
    let live = std::cell::Cell::new(0);
    // Yielded and consumed, yielded and left in a dropped generator, pulled through a stage.
    #[generator]
    fn counted<'a>(live: &'a std::cell::Cell<i32>, n: usize) -> Gen<'a, Counted<'a>> {
        for _ in 0..n {
            yield_!(Counted::new(live));
        }
    }
    #[generator]
    fn pass<'a>(input: impl Iterator<Item = Counted<'a>>) -> Gen<'a, Counted<'a>> {
        for c in input {
            yield_!(c);
        }
    }
    assert_eq!(counted(&live, 4) | pass() | count(), 4);
    let mut g = counted(&live, 4) | pass();
    let first = g.next();
    assert_eq!(live.get(), 1);
    drop(g);
    drop(first);
    assert_eq!(live.get(), 0);
}

/// Two yields polled side by side in one resume (possible only through `__private::Co`): a
/// clear panic, and neither item is lost or dropped twice (the first is dropped by the check,
/// the second is in the frame's slot as the poll unwinds, and the driver's fuse drops it).
#[test]
fn two_yields_in_one_poll_panic_and_drop_both_items() {
    let live = std::cell::Cell::new(0);
    let live = &live;
    let mut g = source(move |co: Co<Counted<'_>>| async move {
        let mut a = pin!(co.yield_(Counted::new(live)));
        let mut b = pin!(co.yield_(Counted::new(live)));
        std::future::poll_fn(|cx| {
            let _ = a.as_mut().poll(cx);
            b.as_mut().poll(cx)
        })
        .await;
    });
    let msg = panic_message(|| drop(g.next()));
    assert!(msg.contains("two items in one resume"), "{msg}");
    drop(g);
    assert_eq!(live.get(), 0);
}
