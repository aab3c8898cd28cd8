//! `#[generator]` producers: what the macro accepts and how a `Gen` behaves.

use std::cell::Cell;
use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};

use genpipe::prelude::*;

fn assert_send<T: Send>(_: &T) {}

#[generator]
fn countdown(n: u32) -> Gen<u32> {
    for i in (1..=n).rev() {
        yield_!(i);
    }
}

#[generator]
fn nothing() -> Gen<u8> {}

#[test]
fn yields_in_order_and_fuses() {
    let mut g = countdown(3);
    assert_eq!(g.next(), Some(3));
    assert_eq!(g.next(), Some(2));
    assert_eq!(g.next(), Some(1));
    assert_eq!(g.next(), None);
    assert_eq!(g.next(), None);
}

#[test]
fn empty_generator_yields_nothing() {
    assert_eq!(nothing().count(), 0);
    assert_eq!(nothing() | count(), 0);
    assert_eq!(nothing().next(), None);
}

#[generator]
fn tracked(started: &Cell<bool>) -> Gen<'_, u8> {
    started.set(true);
    yield_!(1);
}

#[test]
fn nothing_runs_before_the_first_pull() {
    let started = Cell::new(false);
    let mut g = tracked(&started);
    assert!(!started.get(), "the body ran at construction");
    assert_eq!(g.next(), Some(1));
    assert!(started.get());
}

#[generator]
fn words<'a>(text: &'a str) -> Gen<'a, &'a str> {
    for w in text.split_whitespace() {
        yield_!(w);
    }
}

#[test]
fn borrows_arguments_with_lifetimes() {
    let text = String::from("to be or not");
    assert_eq!(words(&text).collect::<Vec<_>>(), ["to", "be", "or", "not"]);
}

#[generator]
fn labelled<T>(items: Vec<T>, prefix: impl Display) -> Gen<String>
where
    T: Display + Clone + PartialEq,
{
    for item in items {
        yield_!(format!("{prefix}{item}"));
    }
}

#[test]
fn generic_impl_trait_and_where_clause() {
    let got: Vec<_> = labelled(vec![1, 2], "#").collect();
    assert_eq!(got, ["#1", "#2"]);
}

struct Inventory {
    items: Vec<(&'static str, u32)>,
}

impl Inventory {
    #[generator]
    fn in_stock(&self, min: u32) -> Gen<'_, &'static str> {
        for (name, count) in &self.items {
            if *count >= min {
                yield_!(*name);
            }
        }
    }
}

#[test]
fn methods_borrow_self() {
    let inv = Inventory {
        items: vec![("apples", 3), ("pears", 0), ("plums", 5)],
    };
    assert_eq!(inv.in_stock(1).collect::<Vec<_>>(), ["apples", "plums"]);
}

#[generator]
fn until_negative(values: Vec<i32>) -> Gen<i32> {
    for v in values {
        match v {
            v if v < 0 => return,
            0 => continue,
            v => yield_!(v),
        }
    }
}

#[test]
fn early_return_match_and_continue() {
    assert_eq!(
        until_negative(vec![1, 0, 2, -1, 3]).collect::<Vec<_>>(),
        [1, 2]
    );
}

#[generator]
fn squares_with_closure(n: u32) -> Gen<u32> {
    let square = |x: u32| x * x;
    let mut i = 0;
    while i < n {
        yield_!(square(i));
        i += 1;
    }
}

#[test]
fn closures_that_do_not_yield_are_fine() {
    assert_eq!(squares_with_closure(4).collect::<Vec<_>>(), [0, 1, 4, 9]);
}

#[generator]
fn in_other_macros(n: u32) -> Gen<String> {
    for i in 0..n {
        let line = format!("item {}", {
            yield_!(format!("raw {i}"));
            i
        });
        yield_!(line);
    }
}

#[test]
fn yield_inside_other_macros_tokens() {
    let got: Vec<_> = in_other_macros(2).collect();
    assert_eq!(got, ["raw 0", "item 0", "raw 1", "item 1"]);
}

#[generator]
fn numbered(words: Vec<&'static str>) -> Gen<&'static str, usize> {
    for w in &words {
        yield_!(*w);
    }
    words.len()
}

#[test]
fn finish_runs_the_rest_and_returns_the_value() {
    let mut g = numbered(vec!["a", "b", "c"]);
    assert_eq!(g.next(), Some("a"));
    assert_eq!(g.finish(), 3);
    assert_eq!(numbered(vec![]).finish(), 0);
}

#[generator]
fn delegating() -> Gen<&'static str, (usize, usize)> {
    let first = yield_from!(numbered(vec!["a", "b"]));
    yield_from!(["-"]);
    let second = yield_from!(numbered(vec!["c"]));
    (first, second)
}

#[test]
fn yield_from_delegates_and_evaluates_to_the_return_value() {
    let mut g = delegating();
    let items: Vec<_> = (&mut g).collect();
    assert_eq!(items, ["a", "b", "-", "c"]);
    assert_eq!(g.finish(), (2, 1));
}

fn lines_of(text: &str) -> std::io::Result<Vec<String>> {
    if text.contains('!') {
        return Err(std::io::Error::other(format!("bad text {text:?}")));
    }
    Ok(text.lines().map(String::from).collect())
}

#[generator]
fn all_lines(texts: Vec<&'static str>) -> Gen<String, std::io::Result<()>> {
    for t in texts {
        for line in lines_of(t)? {
            yield_!(line);
        }
    }
    Ok(())
}

#[test]
fn question_mark_ends_a_fallible_generator_with_its_error() {
    assert_eq!((all_lines(vec!["a\nb", "c"]) | count()).unwrap(), 3);
    let err = (all_lines(vec!["a\nb", "oops!", "c"]) | count()).unwrap_err();
    assert_eq!(err.to_string(), "bad text \"oops!\"");

    let items: Vec<_> = all_lines(vec!["a", "x!", "b"]).try_iter().collect();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_deref().unwrap(), "a");
    assert!(items[1].is_err());

    let mut g = all_lines(vec!["a", "x!"]);
    assert_eq!((&mut g).count(), 1);
    assert!(g.finish().is_err());
}

#[test]
fn try_run_always_returns_a_result() {
    let r: Result<usize, std::convert::Infallible> = countdown(3).try_run(count());
    assert_eq!(r, Ok(3));
    assert!(all_lines(vec!["!"]).try_run(count()).is_err());
}

enum Tree {
    Leaf(u32),
    Node(Vec<Tree>),
}

#[generator]
fn leaves<'a>(tree: &'a Tree) -> BoxGen<'a, u32> {
    match tree {
        Tree::Leaf(v) => yield_!(*v),
        Tree::Node(children) => {
            for child in children {
                yield_from!(leaves(child));
            }
        }
    }
}

#[test]
fn recursive_generators_use_boxgen() {
    let tree = Tree::Node(vec![
        Tree::Leaf(1),
        Tree::Node(vec![Tree::Leaf(2), Tree::Node(vec![]), Tree::Leaf(3)]),
        Tree::Leaf(4),
    ]);
    assert_eq!(leaves(&tree).collect::<Vec<_>>(), [1, 2, 3, 4]);
    let erased: BoxGen<'_, u32> = leaves(&tree);
    assert_send(&erased);
}

#[generator]
fn rc_items(n: usize) -> LocalBoxGen<'static, std::rc::Rc<usize>> {
    for i in 0..n {
        yield_!(std::rc::Rc::new(i));
    }
}

#[test]
fn local_boxed_generators_need_not_be_send() {
    assert_eq!(rc_items(3).map(|rc| *rc).sum::<usize>(), 3);
}

#[test]
fn send_bodies_make_send_generators_that_move_to_threads() {
    let g = countdown(5).map(|x| x * 2);
    assert_send(&g);
    let total = std::thread::spawn(move || g | sum()).join().unwrap();
    assert_eq!(total, 30);

    // Also after `next()` has pinned it on the heap.
    let mut g = countdown(3);
    assert_eq!(g.next(), Some(3));
    assert_eq!(
        std::thread::spawn(move || g.collect::<Vec<_>>())
            .join()
            .unwrap(),
        [2, 1]
    );
}

#[generator]
fn explodes_at(n: u32) -> Gen<u32> {
    for i in 0.. {
        if i == n {
            panic!("boom at {i}");
        }
        yield_!(i);
    }
}

#[test]
fn a_panic_propagates_and_leaves_the_generator_finished() {
    let mut g = explodes_at(2);
    assert_eq!(g.next(), Some(0));
    assert_eq!(g.next(), Some(1));
    let err = catch_unwind(AssertUnwindSafe(|| g.next())).unwrap_err();
    assert_eq!(err.downcast_ref::<String>().unwrap(), "boom at 2");
    assert_eq!(g.next(), None, "a generator is never resumed after a panic");
    assert_eq!(g.next(), None);
}

#[test]
fn finish_after_a_panic_panics_clearly() {
    let mut g = explodes_at(0);
    let _ = catch_unwind(AssertUnwindSafe(|| g.next()));
    let err = catch_unwind(AssertUnwindSafe(|| g.finish())).unwrap_err();
    assert!(err.downcast_ref::<&str>().unwrap().contains("panicked"));
}

struct DropFlag<'a>(&'a Cell<u32>);
impl Drop for DropFlag<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[generator]
fn holds_guard(drops: &Cell<u32>) -> Gen<'_, u32> {
    let _guard = DropFlag(drops);
    for i in 0..10 {
        yield_!(i);
    }
}

#[test]
fn dropping_a_suspended_generator_runs_destructors() {
    let drops = Cell::new(0);
    let mut g = holds_guard(&drops);
    assert_eq!(g.next(), Some(0));
    drop(g);
    assert_eq!(drops.get(), 1);

    // Also when it was never pinned, and when a sink stops early.
    drop(holds_guard(&drops));
    assert_eq!(drops.get(), 1, "an unstarted body holds no guard yet");
    assert_eq!(holds_guard(&drops) | take(2) | count(), 2);
    assert_eq!(drops.get(), 2);
}

#[test]
fn std_adapters_work_through_next() {
    let evens: Vec<_> = countdown(6).filter(|x| x % 2 == 0).collect();
    assert_eq!(evens, [6, 4, 2]);
    assert_eq!(countdown(4).zip(countdown(2)).count(), 2);
    assert!(countdown(4).any(|x| x == 2));
    assert_eq!(countdown(4).position(|x| x == 1), Some(3));
    assert_eq!(countdown(4).last(), Some(1));
    assert_eq!(countdown(4).sum::<u32>(), 10);
    assert_eq!(countdown(4).max(), Some(4));
}

#[test]
fn size_of_a_pipeline_is_its_parts() {
    // No hidden heap state: a pipeline is one value.
    let g = countdown(3) | map(|x: u32| x + 1);
    assert!(std::mem::size_of_val(&g) < 256);
}

/// A generator polled as a `futures_core::Stream` (feature `async`) by hand: the engine's
/// async path under Miri (the CI runs this file with it), a panic in the body, a drop mid-way.
#[cfg(feature = "async")]
#[test]
fn a_generator_polled_as_a_stream_yields_gives_way_and_drops_cleanly() {
    use futures_core::Stream;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    let mut cx = Context::from_waker(Waker::noop());
    let n = if cfg!(miri) { 300 } else { 1000 };
    let mut stream = pin!(countdown(n).into_stream());
    let (mut got, mut pending) = (Vec::new(), 0);
    loop {
        match stream.as_mut().poll_next(&mut cx) {
            Poll::Ready(Some(x)) => got.push(x),
            Poll::Ready(None) => break,
            Poll::Pending => pending += 1,
        }
    }
    assert_eq!(got, (1..=n).rev().collect::<Vec<_>>());
    assert_eq!(pending, n / genpipe::stream::STREAM_BUDGET);
    // Ended: it stays ended.
    assert_eq!(stream.as_mut().poll_next(&mut cx), Poll::Ready(None));

    // Dropped mid-way: the body's locals are dropped.
    let dropped = std::rc::Rc::new(Cell::new(false));
    {
        let mut stream =
            pin!(holds_a_flag(StreamDropFlag(std::rc::Rc::clone(&dropped))).into_stream());
        assert_eq!(stream.as_mut().poll_next(&mut cx), Poll::Ready(Some(0)));
        assert!(!dropped.get());
    }
    assert!(dropped.get());

    // A panic in the body reaches the poller; the stream is done after it.
    let mut stream = Box::pin(panics_at_two().into_stream());
    assert_eq!(stream.as_mut().poll_next(&mut cx), Poll::Ready(Some(1)));
    let polled = catch_unwind(AssertUnwindSafe(|| stream.as_mut().poll_next(&mut cx)));
    assert!(polled.is_err());
}

#[cfg(feature = "async")]
struct StreamDropFlag(std::rc::Rc<Cell<bool>>);

#[cfg(feature = "async")]
impl Drop for StreamDropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[cfg(feature = "async")]
#[generator]
fn holds_a_flag(flag: StreamDropFlag) -> Gen<u32> {
    let _flag = flag;
    for i in 0..10 {
        yield_!(i);
    }
}

#[cfg(feature = "async")]
#[generator]
fn panics_at_two() -> Gen<u8> {
    yield_!(1);
    panic!("two");
}
