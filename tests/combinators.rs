//! Fan-out and fan-in: broadcast, chain, interleave.

mod common;

use std::cell::Cell;

use genpipe::prelude::*;
use proptest::prelude::*;

use common::fails_after;

fn config() -> ProptestConfig {
    common::proptest_config(128)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn broadcast_equals_each_consumer_alone(xs in proptest::collection::vec(0u32..100, 0..60), k in 1usize..4) {
        let (n, evens, total, firsts) = pipe(xs.clone())
            | broadcast((count(), filter(|x: &u32| x.is_multiple_of(2)) | count(), sum::<u32>(), take(k) | collect::<Vec<_>>()));
        prop_assert_eq!(n, xs.len());
        prop_assert_eq!(evens, xs.iter().filter(|x| x.is_multiple_of(2)).count());
        prop_assert_eq!(total, xs.iter().sum::<u32>());
        prop_assert_eq!(firsts, xs.iter().copied().take(k).collect::<Vec<_>>());
    }

    #[test]
    fn interleave_keeps_each_sources_order_and_count(a in proptest::collection::vec(0u8..10, 0..20), b in proptest::collection::vec(0u8..10, 0..20), c in proptest::collection::vec(0u8..10, 0..20)) {
        let tagged = interleave_tagged([(0, pipe(a.clone())), (1, pipe(b.clone())), (2, pipe(c.clone()))]) | collect::<Vec<_>>();
        prop_assert_eq!(tagged.len(), a.len() + b.len() + c.len());
        for (k, src) in [(0, &a), (1, &b), (2, &c)] {
            let mine: Vec<u8> = tagged.iter().filter(|t| t.source == k).map(|t| t.item).collect();
            prop_assert_eq!(&mine, src);
        }
        let plain = interleave([pipe(a.clone()), pipe(b.clone()), pipe(c.clone())]) | collect::<Vec<_>>();
        prop_assert_eq!(plain, tagged.into_iter().map(|t| t.item).collect::<Vec<_>>());
        let chained = chain([pipe(a.clone()), pipe(b.clone()), pipe(c.clone())]) | collect::<Vec<_>>();
        prop_assert_eq!(chained, [a, b, c].concat());
    }
}

/// Counts its clones, to check that the last live target gets the original.
#[derive(Debug)]
struct Counted<'a>(&'a Cell<u32>);
impl Clone for Counted<'_> {
    fn clone(&self) -> Self {
        self.0.set(self.0.get() + 1);
        Counted(self.0)
    }
}

#[test]
fn the_last_live_target_gets_the_original_and_ended_targets_drop_out() {
    let clones = Cell::new(0);
    let items = || (0..5).map(|_| Counted(&clones));
    let (a, b, c) = pipe(items()) | broadcast((count(), count(), count()));
    assert_eq!((a, b, c), (5, 5, 5));
    assert_eq!(clones.get(), 10, "two clones per item for three targets");

    clones.set(0);
    let (firsts, all) = pipe(items()) | broadcast((count(), take(2) | count()));
    assert_eq!((firsts, all), (5, 2));
    assert_eq!(
        clones.get(),
        2,
        "once the last target ended, the first gets the originals"
    );

    let dynamic: Vec<BoxSink<'_, u32, u32>> =
        vec![Box::new(sum()), Box::new(filter(|x: &u32| *x > 2) | sum())];
    assert_eq!(pipe(1..=4) | broadcast(dynamic), [10, 7]);
}

#[test]
fn a_broadcast_ends_when_every_target_has() {
    let pulled = Cell::new(0);
    let (a, b) = pipe(0..).inspect(|_| pulled.set(pulled.get() + 1))
        | broadcast((take(3) | count(), take(1) | count()));
    assert_eq!((a, b), (3, 1));
    assert_eq!(pulled.get(), 3);
}

#[generator]
fn fine(n: u32) -> Gen<u32, Result<(), String>> {
    for i in 100..100 + n {
        yield_!(i);
    }
    Ok(())
}

#[test]
fn the_first_failing_source_ends_fan_in_with_its_error() {
    // Sources of different generators are erased to one type with `.boxed()`.
    let err = (interleave([fine(5).boxed(), fails_after(1).boxed(), fine(5).boxed()]) | count())
        .unwrap_err();
    assert_eq!(err, "source failed after 1");
    let err =
        (chain([fine(2).boxed(), fails_after(2).boxed(), fine(2).boxed()]) | count()).unwrap_err();
    assert_eq!(err, "source failed after 2");
    assert_eq!((chain([fine(2), fine(3)]) | count()).unwrap(), 5);

    // A failing source in front of a broadcast: the targets are closed, the error returned.
    let err = (fails_after(3) | broadcast((count(), sum::<u32>()))).unwrap_err();
    assert_eq!(err, "source failed after 3");
}

mod small {
    use genpipe::combinators::{chunks, dedup, group_count, most_common, take_until, windows};
    use genpipe::prelude::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(super::config())]

        #[test]
        fn chunks_windows_and_dedup_match_std(xs in proptest::collection::vec(0u8..4, 0..40), n in 1usize..5) {
            let got = pipe(xs.clone()) | chunks(n) | collect::<Vec<_>>();
            prop_assert_eq!(got, xs.chunks(n).map(<[u8]>::to_vec).collect::<Vec<_>>());
            let got = pipe(xs.clone()) | windows(n) | collect::<Vec<_>>();
            prop_assert_eq!(got, xs.windows(n).map(<[u8]>::to_vec).collect::<Vec<_>>());
            let mut want = xs.clone();
            want.dedup();
            prop_assert_eq!(pipe(xs.clone()) | dedup() | collect::<Vec<_>>(), want.clone());
            // Pushed, the same (full chunks only: a sink cannot send after close).
            let mut sink = dedup() | collect::<Vec<_>>();
            for x in &xs {
                sink.send(*x).unwrap();
            }
            prop_assert_eq!(sink.close(), want);
        }

        #[test]
        fn group_count_and_most_common_match_a_naive_count(xs in proptest::collection::vec(0u8..6, 0..60), k in 0usize..8) {
            let counts = pipe(xs.clone()) | group_count();
            for (key, n) in &counts {
                prop_assert_eq!(*n, xs.iter().filter(|x| *x == key).count());
            }
            let mut naive: Vec<(u8, usize)> = counts.into_iter().collect();
            naive.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            naive.truncate(k);
            prop_assert_eq!(pipe(xs) | most_common(k), naive);
        }
    }

    #[test]
    fn take_until_includes_the_stopping_item_and_stops_pulling() {
        let pulled = std::cell::Cell::new(0);
        let got = pipe(1..).inspect(|_| pulled.set(pulled.get() + 1))
            | take_until(|x: &u32| x.is_multiple_of(4))
            | collect::<Vec<_>>();
        assert_eq!(got, [1, 2, 3, 4]);
        assert_eq!(pulled.get(), 4);
        let mut sink = take_until(|x: &u32| *x == 2) | count();
        sink.send(1).unwrap();
        sink.send(2).unwrap();
        assert!(sink.is_done());
        assert_eq!(sink.send(3).unwrap_err().into_inner(), 3);
        assert_eq!(sink.close(), 2);
    }
}

/// A size is the most a stage may hold, not what it reserves: huge sizes do not abort.
#[test]
fn huge_sizes_reserve_nothing_up_front() {
    use genpipe::combinators::{chunks, top_k, windows};
    assert_eq!(
        pipe(1..=3) | chunks(usize::MAX) | collect::<Vec<_>>(),
        [vec![1, 2, 3]]
    );
    assert_eq!((pipe(1..=3) | windows::<i32>(usize::MAX) | count()), 0);
    assert_eq!(pipe([3, 1, 2]) | top_k(usize::MAX, |x: &i32| *x), [3, 2, 1]);
    let mut pushed = chunks(usize::MAX) | collect::<Vec<Vec<u8>>>();
    pushed.send(1).unwrap();
    assert_eq!(pushed.close(), Vec::<Vec<u8>>::new());
}

#[test]
fn method_forms_equal_the_pipe_forms() {
    use genpipe::combinators::{chunks, dedup, most_common, take_until, top_k, unique, windows};
    let data = [3, 1, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
    let src = || pipe(data);
    assert_eq!(
        src().chunks(5) | collect::<Vec<_>>(),
        src() | chunks(5) | collect::<Vec<_>>()
    );
    assert_eq!(src().windows(3) | count(), src() | windows(3) | count());
    assert_eq!(
        src().dedup() | collect::<Vec<_>>(),
        src() | dedup() | collect::<Vec<_>>()
    );
    assert_eq!(
        src().unique() | collect::<Vec<_>>(),
        src() | unique() | collect::<Vec<_>>()
    );
    assert_eq!(
        src().take_until(|x| *x == 9) | collect::<Vec<_>>(),
        src() | take_until(|x: &i32| *x == 9) | collect::<Vec<_>>()
    );
    assert_eq!(
        src().group_count(),
        src() | genpipe::combinators::group_count()
    );
    assert_eq!(src().most_common(2), src() | most_common(2));
    assert_eq!(src().top_k(3, |x| -x), src() | top_k(3, |x: &i32| -x));
    // On a stage, pulled and pushed.
    let stage = || map(|x: i32| x % 4).dedup().chunks(2);
    let pulled = src() | stage() | collect::<Vec<_>>();
    assert_eq!(
        pulled,
        src().map(|x| x % 4) | dedup() | chunks(2) | collect::<Vec<_>>()
    );
    let mut pushed = stage() | collect::<Vec<_>>();
    for x in data {
        pushed.send(x).unwrap();
    }
    // Pushed, a last short chunk is not delivered (see `chunks`).
    assert_eq!(
        pushed.close(),
        pulled[..pulled.len() - usize::from(pulled.last().unwrap().len() < 2)]
    );
}
