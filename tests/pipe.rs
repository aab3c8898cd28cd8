//! Pipes: `|` between producers, stages and sinks, built-in stages and sinks, stage generators.

use std::cell::Cell;
use std::collections::BTreeSet;

use genpipe::prelude::*;
use genpipe::sinks;

#[generator]
fn numbers(n: u32) -> Gen<u32> {
    for i in 1..=n {
        yield_!(i);
    }
}

#[generator]
fn evens(input: impl Iterator<Item = u32>) -> Gen<u32> {
    for x in input {
        if x % 2 == 0 {
            yield_!(x);
        }
    }
}

#[generator]
fn pairs(mut input: impl Iterator<Item = u32>) -> Gen<(u32, u32)> {
    while let Some(a) = input.next() {
        match input.next() {
            Some(b) => yield_!((a, b)),
            None => return,
        }
    }
}

#[generator]
fn header_then_rest(
    #[upstream] lines: impl Iterator<Item = String>,
    title: &'static str,
) -> Gen<String> {
    yield_!(title.to_string());
    yield_from!(lines);
}

#[generator]
fn repeat_each(times: usize, input: impl Iterator<Item = u32>) -> Gen<u32> {
    for x in input {
        for _ in 0..times {
            yield_!(x);
        }
    }
}

#[generator(source)]
fn zip2(a: impl Iterator<Item = u32>, b: impl Iterator<Item = u32>) -> Gen<(u32, u32)> {
    for pair in a.zip(b) {
        yield_!(pair);
    }
}

#[test]
fn producer_stage_sink() {
    assert_eq!(
        numbers(10) | evens() | collect::<Vec<_>>(),
        [2, 4, 6, 8, 10]
    );
    assert_eq!(numbers(10) | evens() | sum(), 30);
    assert_eq!(numbers(5) | pairs() | collect::<Vec<_>>(), [(1, 2), (3, 4)]);
    assert_eq!(
        numbers(3) | repeat_each(2) | collect::<Vec<_>>(),
        [1, 1, 2, 2, 3, 3]
    );
    let titled = pipe(["a", "b"].map(String::from)) | header_then_rest("T") | collect::<Vec<_>>();
    assert_eq!(titled, ["T", "a", "b"]);
    assert_eq!(zip2(1..=3, 10..) | count(), 3);
}

#[test]
fn stages_apply_with_over() {
    assert_eq!(evens().over(1..=6).collect::<Vec<_>>(), [2, 4, 6]);
    assert_eq!(evens().over(vec![7u32]).next(), None);
}

#[test]
fn stage_then_stage_is_a_stage() {
    let both = evens() | repeat_each(2);
    assert_eq!(numbers(4) | both | collect::<Vec<_>>(), [2, 2, 4, 4]);
    let three = evens() | map(|x: u32| x * 10) | filter(|x: &u32| *x > 20);
    assert_eq!(three.over(1..=6).collect::<Vec<_>>(), [40, 60]);
}

#[test]
fn a_stage_piped_into_a_sink_is_a_sink() {
    let even_count = evens() | count();
    assert_eq!(numbers(9) | even_count, 4);

    let mut pushed = evens() | repeat_each(3) | collect::<Vec<_>>();
    for x in 1..=4 {
        pushed.send(x).unwrap();
    }
    assert_eq!(pushed.close(), [2, 2, 2, 4, 4, 4]);

    let mut first = take(2) | collect::<Vec<u8>>();
    first.send(1).unwrap();
    first.send(2).unwrap();
    assert!(first.is_done());
    assert_eq!(
        first.send(3).unwrap_err().into_inner(),
        3,
        "the value comes back"
    );
    assert_eq!(first.close(), [1, 2]);
}

#[test]
fn a_pushed_stage_generator_hands_back_what_it_did_not_take() {
    let mut s = pairs() | collect::<Vec<_>>();
    s.send(1).unwrap();
    s.send(2).unwrap();
    s.send(3).unwrap();
    assert_eq!(
        s.close(),
        [(1, 2)],
        "an unpaired last item is dropped by the body itself"
    );

    let mut firsts = (evens() | take(1)) | collect::<Vec<_>>();
    firsts.send(2).unwrap();
    assert!(firsts.is_done());
    assert_eq!(firsts.close(), [2]);
}

#[test]
fn built_in_stages() {
    assert_eq!(pipe(1..=4) | map(|x: i32| x * x) | sum(), 30);
    assert_eq!(
        pipe(1..=6) | filter(|x: &i32| x % 3 == 0) | collect::<Vec<_>>(),
        [3, 6]
    );
    assert_eq!(
        pipe(["1", "a", "3"]) | filter_map(|s: &str| s.parse::<u8>().ok()) | sum(),
        4
    );
    assert_eq!(pipe(1..) | take(3) | collect::<Vec<u32>>(), [1, 2, 3]);
    assert_eq!(pipe(1..=5) | skip(3) | collect::<Vec<_>>(), [4, 5]);
    assert_eq!(pipe(1..) | take_while(|x: &u32| *x < 4) | sum(), 6);
    assert_eq!(
        pipe(["a", "b"]) | enumerate() | collect::<Vec<_>>(),
        [(0, "a"), (1, "b")]
    );
    assert_eq!(
        pipe([1, 2]) | flat_map(|x: u32| vec![x; x as usize]) | collect::<Vec<_>>(),
        [1, 2, 2]
    );
    let seen = Cell::new(0);
    assert_eq!(
        pipe(1..=3) | inspect(|_: &i32| seen.set(seen.get() + 1)) | count(),
        3
    );
    assert_eq!(seen.get(), 3);
}

#[test]
fn built_in_stages_pushed() {
    let mut s = map(|x: u32| x + 1)
        | filter(|x: &u32| x.is_multiple_of(2))
        | skip(1)
        | enumerate()
        | flat_map(|(i, x): (usize, u32)| [i as u32, x])
        | collect::<Vec<_>>();
    for x in 0..6 {
        s.send(x).unwrap();
    }
    assert_eq!(s.close(), [0, 4, 1, 6]);

    let mut tw = take_while(|x: &u8| *x < 3) | count();
    tw.send(1).unwrap();
    tw.send(5).unwrap();
    assert!(tw.is_done());
    assert_eq!(tw.close(), 1);
}

#[test]
fn closure_methods_infer_argument_types() {
    let got = numbers(10).map(|x| x * 3).filter(|x| x % 2 == 0).take(2) | collect::<Vec<_>>();
    assert_eq!(got, [6, 12]);
    let via_stage = evens()
        .map(|x| x + 1)
        .filter_map(|x| (x > 3).then_some(x))
        .enumerate();
    assert_eq!(via_stage.over(1..=6).collect::<Vec<_>>(), [(0, 5), (1, 7)]);
    let flat = numbers(2)
        .flat_map(|x| 0..x)
        .skip(1)
        .take_while(|x| *x < 5)
        .inspect(|_| {});
    assert_eq!(flat | collect::<Vec<_>>(), [0, 1]);
}

#[test]
fn built_in_sinks() {
    assert_eq!(numbers(4) | count(), 4);
    assert_eq!(numbers(4) | sum(), 10);
    assert_eq!(numbers(0) | sum(), 0);
    assert_eq!((pipe([3, 1, 3]) | collect::<BTreeSet<_>>()).len(), 2);
    assert_eq!(numbers(3) | last(), Some(3));
    assert_eq!(numbers(0) | last(), None);
    assert_eq!(pipe([3, 1, 2]) | sinks::min(), Some(1));
    assert_eq!(pipe([3, 1, 2]) | sinks::max(), Some(3));
    assert_eq!(
        pipe(["b", "a"]) | fold(String::new(), |a: String, s: &str| a + s),
        "ba"
    );
    let mut out = Vec::new();
    numbers(2) | for_each(|x: u32| out.push(x));
    assert_eq!(out, [1, 2]);
}

#[test]
fn min_and_max_keep_std_tie_rules() {
    let items = [(1, 'a'), (0, 'b'), (1, 'c'), (0, 'd')];
    #[derive(Debug, PartialEq, Eq)]
    struct ByKey(u8, char);
    impl PartialOrd for ByKey {
        fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for ByKey {
        fn cmp(&self, o: &Self) -> std::cmp::Ordering {
            self.0.cmp(&o.0)
        }
    }
    let keyed = || pipe(items.map(|(k, c)| ByKey(k, c)));
    assert_eq!(
        keyed() | sinks::min(),
        Some(ByKey(0, 'b')),
        "first of the smallest"
    );
    assert_eq!(
        keyed() | sinks::max(),
        Some(ByKey(1, 'c')),
        "last of the largest"
    );
}

#[test]
fn pipe_and_into_gen_reenter_after_std_adapters() {
    let total = (1..=4).map(|x| x * 10).into_gen() | sum();
    assert_eq!(total, 100);
    let chained = numbers(2).chain(numbers(1)).into_gen() | evens() | count();
    assert_eq!(chained, 1);
}

#[test]
fn take_stops_pulling_its_upstream() {
    let pulled = Cell::new(0u32);
    let got = pipe(0..).inspect(|_| pulled.set(pulled.get() + 1)) | take(3) | count();
    assert_eq!(got, 3);
    assert_eq!(pulled.get(), 3);
}

#[generator]
fn panicking_source() -> Gen<u32> {
    panic!("pulled too early");
}

#[test]
fn building_a_pipe_pulls_nothing() {
    let pipeline = panicking_source() | evens() | map(|x: u32| x + 1);
    let _also = (evens() | count(), panicking_source().filter(|_| true));
    drop(pipeline);
}

#[generator]
fn failing_after(n: u32) -> Gen<u32, Result<(), String>> {
    for i in 0..n {
        yield_!(i);
    }
    Err(format!("failed after {n}"))
}

#[test]
fn a_fallible_head_makes_every_sink_return_a_result() {
    assert_eq!(
        failing_after(3) | count(),
        Err("failed after 3".to_string())
    );
    assert_eq!(
        failing_after(3) | evens() | sum(),
        Err("failed after 3".to_string())
    );
    assert_eq!(
        failing_after(10) | take(2) | count(),
        Ok(2),
        "stopped before the failure"
    );
}

#[test]
fn the_sink_is_closed_even_when_the_head_fails() {
    #[coro]
    fn closing(flag: std::rc::Rc<Cell<bool>>) -> Coro<u32, ()> {
        while recv!().is_some() {}
        flag.set(true);
    }
    let flag = std::rc::Rc::new(Cell::new(false));
    assert!((failing_after(2) | closing(flag.clone())).is_err());
    assert!(flag.get());
}

#[test]
fn boxed_sinks_are_sinks() {
    let boxed: BoxSink<'_, u32, usize> = Box::new(count());
    assert_eq!(numbers(3) | boxed, 3);
    let mut dynamic: Vec<BoxSink<'_, u32, u32>> = vec![Box::new(sum()), Box::new(evens() | sum())];
    for s in &mut dynamic {
        for x in 1..=4 {
            s.send(x).unwrap();
        }
    }
    let results: Vec<u32> = dynamic.into_iter().map(|s| s.close()).collect();
    assert_eq!(results, [10, 6]);
}

/// A user's sink: the first `n` items, ending (`is_done`) once it has them.
struct FirstN {
    n: usize,
    got: Vec<u32>,
}

impl Sink<u32> for FirstN {
    type Out = Vec<u32>;

    fn send(&mut self, item: u32) -> Result<(), SendError<u32>> {
        if self.got.len() == self.n {
            return Err(SendError(item));
        }
        self.got.push(item);
        Ok(())
    }

    fn is_done(&self) -> bool {
        self.got.len() == self.n
    }

    fn close(self) -> Vec<u32> {
        self.got
    }
}

fn first(n: usize) -> FirstN {
    FirstN { n, got: Vec::new() }
}

#[test]
fn a_users_sink_goes_after_a_pipe_a_stage_and_into_broadcast_and_a_box() {
    let pulled = Cell::new(0);
    let counted = numbers(100).inspect(|_| pulled.set(pulled.get() + 1));
    // Its `is_done` stops the upstream: nothing is computed past the third item.
    assert_eq!(counted | sink(first(3)), [1, 2, 3]);
    assert_eq!(pulled.get(), 3);

    let first_evens = evens() | sink(first(2));
    assert_eq!(numbers(10) | first_evens, [2, 4]);
    assert_eq!(
        numbers(10) | evens() | map(|x: u32| x * 10) | sink(first(1)),
        [20]
    );

    let (n, head) = numbers(5) | broadcast((count(), first(2)));
    assert_eq!((n, head), (5, vec![1, 2]));

    let boxed: Vec<BoxSink<'_, u32, Vec<u32>>> =
        vec![Box::new(first(1)), Box::new(evens() | sink(first(1)))];
    let heads: Vec<Vec<u32>> = boxed.into_iter().map(|s| numbers(4) | s).collect();
    assert_eq!(heads, [vec![1], vec![2]]);

    // A fallible head: the sink's value comes back in the `Result`.
    assert_eq!(
        failing_after(2) | sink(first(5)),
        Err("failed after 2".to_string())
    );
    assert_eq!(failing_after(2) | sink(first(1)), Ok(vec![0]));
}

#[test]
#[cfg_attr(miri, ignore = "10 million items")]
fn ten_million_items_through_five_stages() {
    let n = 10_000_000u64;
    let total = pipe(0..n)
        .map(|x| x + 1)
        .filter(|x| x % 3 != 0)
        .map(|x| x * 2)
        .take(n as usize)
        | enumerate()
        | count();
    assert_eq!(total as u64, n - n / 3);
}

/// A blanket `pipe` method like `tap::Pipe`'s, on every type: with the prelude in scope its
/// calls stay unambiguous (genpipe's method form is `into_gen`, not `pipe`: E0034 otherwise).
#[test]
fn a_blanket_pipe_method_from_another_crate_does_not_collide() {
    trait Pipe: Sized {
        fn pipe<R>(self, f: impl FnOnce(Self) -> R) -> R {
            f(self)
        }
    }
    impl<T> Pipe for T {}
    let doubled = vec![1, 2, 3].pipe(|v| v.into_iter().map(|x| x * 2).collect::<Vec<_>>());
    assert_eq!(doubled.into_gen() | sum(), 12);
}

#[test]
fn size_hint_is_forwarded_through_the_stages_that_know_it() {
    assert_eq!(
        (pipe(0..10) | map(|x: u32| x + 1)).size_hint(),
        (10, Some(10))
    );
    assert_eq!(
        pipe(0..10)
            .map(|x| x + 1)
            .enumerate()
            .inspect(|_| ())
            .size_hint(),
        (10, Some(10))
    );
    assert_eq!(
        (pipe(0..10) | filter(|x: &u32| *x > 3)).size_hint(),
        (0, Some(10))
    );
    assert_eq!(
        (pipe(0..10) | filter_map(|x: u32| Some(x))).size_hint(),
        (0, Some(10))
    );
    assert_eq!((pipe(0..10) | take(3)).size_hint(), (3, Some(3)));
    assert_eq!((pipe(0..2) | take(3)).size_hint(), (2, Some(2)));
    assert_eq!((pipe(0..10) | skip(3)).size_hint(), (7, Some(7)));
    assert_eq!(
        (pipe(0..10) | take_while(|x: &u32| *x < 3)).size_hint(),
        (0, Some(10))
    );
    assert_eq!(
        pipe(0..10).filter(|_| true).take(4).size_hint(),
        (0, Some(4))
    );
    // A generator body cannot know; neither can a stage after it.
    assert_eq!(numbers(5).size_hint(), (0, None));
    assert_eq!((numbers(5) | map(|x: u32| x)).size_hint(), (0, None));
    assert_eq!((pipe(0..10) | evens()).size_hint(), (0, None));

    // Still true once `next()` has moved the pipeline to the heap, and through `pin!`.
    let mut g = pipe(0..10) | map(|x: u32| x * 2);
    g.next();
    assert_eq!(g.size_hint(), (9, Some(9)));
    let mut pinned = std::pin::pin!(pipe(0..10) | map(|x: u32| x * 2));
    pinned.next();
    assert_eq!(pinned.size_hint(), (9, Some(9)));
    let mut ended = pipe(0..1) | map(|x: u32| x);
    assert_eq!((ended.next(), ended.next()), (Some(0), None));
    assert_eq!(ended.size_hint(), (0, Some(0)));

    // So `collect` allocates once, exactly (a doubling Vec would end at 1024).
    let v: Vec<u64> = (pipe(0..1000u64) | map(|x: u64| x * 3)).collect();
    assert_eq!((v.len(), v.capacity()), (1000, 1000));
}

#[test]
fn sum_adds_borrowed_items_into_an_owned_total() {
    let v = vec![1u64, 2, 3];
    assert_eq!(pipe(&v) | sum(), 6);
    assert_eq!(pipe(v.iter()) | filter(|x: &&u64| **x > 1) | sum(), 5);
    let f = [0.5f64, 0.25];
    assert_eq!(pipe(&f) | sum(), 0.75);
    assert_eq!(pipe(&Vec::<u32>::new()) | sum(), 0);
}

/// `size_hint` on a running pipeline whose generator is suspended inside `yield_from!` (its
/// future holds a pinned sub-generator): answering it must not make a reference that covers
/// that future (under Miri, a shared reborrow of it invalidated the future's own `&mut`).
#[test]
fn size_hint_of_a_suspended_generator_leaves_it_intact() {
    #[generator]
    fn outer() -> Gen<u32> {
        yield_from!(numbers(3));
        yield_!(99);
    }
    let mut heap = outer() | map(|x: u32| x + 1);
    assert_eq!(heap.next(), Some(2));
    assert_eq!(heap.size_hint(), (0, None));
    assert_eq!(heap.collect::<Vec<_>>(), [3, 4, 100]);

    let mut in_place = std::pin::pin!(outer() | map(|x: u32| x + 1));
    assert_eq!(in_place.next(), Some(2));
    assert_eq!(in_place.size_hint(), (0, None));
    assert_eq!(in_place.by_ref().collect::<Vec<_>>(), [3, 4, 100]);

    let boxed: Vec<u32> = outer().boxed().collect();
    assert_eq!(boxed, [1, 2, 3, 99]);
}

#[test]
fn try_map_ends_the_pipeline_at_the_first_error_pulled_or_pushed() {
    // Pulled: all good, then the first error, with the items before it delivered.
    use std::error::Error as _;

    #[generator]
    fn io_failing_after(n: u32) -> Gen<u32, std::io::Result<()>> {
        for i in 0..n {
            yield_!(i);
        }
        Err(std::io::Error::other(format!("failed after {n}")))
    }

    assert_eq!(
        (pipe(["1", "2"]).try_map(|s| s.parse::<u32>()) | sum()).unwrap(),
        3
    );
    let mut g = pipe(["4", "5", "x", "6"]).try_map(|s| s.parse::<u32>());
    assert_eq!((&mut g).collect::<Vec<_>>(), [4, 5]);
    let err = g.finish().unwrap_err();
    assert!(
        err.source()
            .unwrap()
            .downcast_ref::<std::num::ParseIntError>()
            .is_some()
    );

    // Nothing after the error is pulled.
    let pulled = Cell::new(0);
    let r = pipe(["1", "x", "3", "4"])
        .inspect(|_| pulled.set(pulled.get() + 1))
        .try_map(|s| s.parse::<u32>())
        | count();
    assert!(r.is_err());
    assert_eq!(pulled.get(), 2);

    // A failing head's error is kept when it comes first; the stage's own when it does.
    assert_eq!(
        (io_failing_after(2) | try_map(|x: u32| Ok::<_, std::io::Error>(x)) | count())
            .unwrap_err()
            .source()
            .unwrap()
            .to_string(),
        "failed after 2"
    );
    let r = io_failing_after(5)
        | try_map(|x: u32| -> Result<u32, genpipe::BoxError> {
            if x < 1 {
                Ok(x)
            } else {
                Err(format!("at {x}").into())
            }
        })
        | count();
    assert_eq!(r.unwrap_err().to_string(), "at 1");

    // Pushed: `try_map(f) | sink` is a sink returning `genpipe::Result<Out>`, closed either way.
    let mut totals = try_map(|s: &str| s.parse::<u32>()) | sum::<u32>();
    totals.send("7").unwrap();
    totals.send("8").unwrap();
    assert_eq!(totals.close().unwrap(), 15);
    let mut bad = try_map(|s: &str| s.parse::<u32>()) | collect::<Vec<u32>>();
    bad.send("1").unwrap();
    bad.send("no").unwrap();
    assert!(bad.is_done());
    assert_eq!(bad.send("2"), Err(SendError("2")));
    assert!(bad.close().is_err());

    // Composed with other stages, and as a broadcast branch.
    let doubled =
        map(|s: &str| s.trim()) | try_map(|s: &str| s.parse::<u32>()) | map(|x: u32| x * 2);
    assert_eq!((pipe([" 1", "2 "]) | doubled | sum()).unwrap(), 6);
    let (n, total) =
        pipe(["3", "4"]) | broadcast((count(), try_map(|s: &str| s.parse::<u32>()) | sum::<u32>()));
    assert_eq!((n, total.unwrap()), (2, 7));
}
