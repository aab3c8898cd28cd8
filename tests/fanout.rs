//! tee (local and blocking), sorted merges, and the small stages and sinks of issue 4.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use genpipe::combinators::{
    group_count_into, merge_by, merge_by_key, store_last, tee, top_k, unique,
};
use genpipe::prelude::*;
use proptest::prelude::*;

use common::fails_after;

fn config() -> ProptestConfig {
    common::proptest_config(128)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn tee_readers_each_equal_the_source(xs in proptest::collection::vec(any::<u16>(), 0..80), n in 1usize..4) {
        // Read in lock step: no reader falls behind, so none lags, whatever the bound.
        let mut readers = pipe(xs.clone()) | tee(n).bound(1);
        let mut got = vec![Vec::new(); n];
        'outer: loop {
            for (reader, out) in readers.iter_mut().zip(&mut got) {
                match reader.next() {
                    Some(item) => out.push(item.unwrap()),
                    None => break 'outer,
                }
            }
        }
        for out in got {
            prop_assert_eq!(&out, &xs);
        }
    }

    #[test]
    fn tee_halves_read_one_after_the_other_equal_the_source(xs in proptest::collection::vec(any::<u8>(), 0..80)) {
        let mut halves = pipe(xs.clone()) | tee(2).bound(xs.len().max(1));
        let second = halves.pop().unwrap();
        let first = halves.pop().unwrap();
        prop_assert_eq!(first.map(Result::unwrap).collect::<Vec<_>>(), xs.clone());
        prop_assert_eq!(second.map(Result::unwrap).collect::<Vec<_>>(), xs);
    }

    #[test]
    fn blocking_tee_readers_on_threads_each_equal_the_source(xs in proptest::collection::vec(any::<u32>(), 0..200), bound in 1usize..8) {
        let readers = pipe(xs.clone()) | tee(3).bound(bound).blocking();
        let handles: Vec<_> = readers
            .into_iter()
            .map(|r| std::thread::spawn(move || r.collect::<Vec<_>>()))
            .collect();
        for h in handles {
            prop_assert_eq!(&h.join().unwrap(), &xs);
        }
    }

    #[test]
    fn merge_by_key_equals_sorting_the_concatenation(mut a in proptest::collection::vec(0u8..50, 0..30), mut b in proptest::collection::vec(0u8..50, 0..30), mut c in proptest::collection::vec(0u8..50, 0..30)) {
        a.sort();
        b.sort();
        c.sort();
        let tag = |v: &Vec<u8>, s: usize| v.iter().map(|&x| (x, s)).collect::<Vec<_>>();
        let merged = merge_by_key([pipe(tag(&a, 0)), pipe(tag(&b, 1)), pipe(tag(&c, 2))], |&(x, _): &(u8, usize)| x)
            | collect::<Vec<_>>();
        let mut expected = [tag(&a, 0), tag(&b, 1), tag(&c, 2)].concat();
        // A stable sort by value: equal values keep source order, as the merge promises.
        expected.sort_by_key(|&(x, _)| x);
        prop_assert_eq!(merged, expected);
    }

    #[test]
    fn unique_matches_a_naive_first_sight_filter(xs in proptest::collection::vec(0u8..10, 0..60)) {
        let mut seen = Vec::new();
        let naive: Vec<u8> = xs.iter().copied().filter(|x| if seen.contains(x) { false } else { seen.push(*x); true }).collect();
        prop_assert_eq!(pipe(xs) | unique() | collect::<Vec<_>>(), naive);
    }

    #[test]
    fn bounded_unique_matches_a_naive_recent_window(xs in proptest::collection::vec(0u8..8, 0..60), n in 1usize..5) {
        // Naive model: the n most recently seen distinct items, most recent last.
        let mut recent: Vec<u8> = Vec::new();
        let mut naive = Vec::new();
        for x in &xs {
            if let Some(i) = recent.iter().position(|r| r == x) {
                recent.remove(i);
            } else {
                naive.push(*x);
                if recent.len() == n {
                    recent.remove(0);
                }
            }
            recent.push(*x);
        }
        prop_assert_eq!(pipe(xs) | unique().bound(n) | collect::<Vec<_>>(), naive);
    }

    #[test]
    fn top_k_matches_a_stable_sort(xs in proptest::collection::vec((0u8..10, any::<u16>()), 0..60), k in 0usize..8) {
        let mut sorted = xs.clone();
        sorted.sort_by_key(|x| std::cmp::Reverse(x.0)); // stable: equal keys keep arrival order
        sorted.truncate(k);
        prop_assert_eq!(pipe(xs) | top_k(k, |&(key, _): &(u8, u16)| key), sorted);
    }
}

#[test]
fn a_tee_reader_that_falls_behind_gets_one_error_and_ends_while_the_others_go_on() {
    let mut readers = pipe(0..10u32) | tee(3).bound(3);
    let mut lagger = readers.pop().unwrap();
    assert_eq!(lagger.next(), Some(Ok(0)));
    let mut mid = readers.pop().unwrap();
    let leader = readers.pop().unwrap();
    assert_eq!(mid.next(), Some(Ok(0)));
    assert_eq!(
        leader.map(Result::unwrap).collect::<Vec<_>>(),
        (0..10).collect::<Vec<_>>()
    );
    // The window kept the last 3 items: 7, 8, 9. `mid` (at 1) and `lagger` (at 1) lost theirs.
    assert_eq!(mid.next().map(|r| r.map_err(|e| e.bound)), Some(Err(3)));
    assert_eq!(mid.next(), None);
    assert_eq!(lagger.next().map(|r| r.map_err(|e| e.bound)), Some(Err(3)));
    assert_eq!(lagger.next(), None);
}

#[test]
fn a_tee_within_its_bound_keeps_no_more_than_the_bound() {
    // Two readers never more than 2 apart with bound 2: neither lags.
    let mut readers = pipe(0..100u32) | tee(2).bound(2);
    let mut b = readers.pop().unwrap();
    let mut a = readers.pop().unwrap();
    a.next();
    a.next();
    for x in 0..98 {
        assert_eq!(b.next(), Some(Ok(x)));
        assert_eq!(a.next(), Some(Ok(x + 2)));
    }
    assert_eq!(a.next(), None);
    assert_eq!(b.by_ref().map(Result::unwrap).collect::<Vec<_>>(), [98, 99]);
    // One step further than the bound, and the reader behind has lost an item.
    let mut readers = pipe(0..10u32) | tee(2).bound(2);
    let mut b = readers.pop().unwrap();
    let a = readers.pop().unwrap();
    assert_eq!(a.take(3).count(), 3);
    assert_eq!(b.next().map(|r| r.map_err(|e| e.bound)), Some(Err(2)));
}

#[test]
fn every_tee_reader_ends_with_the_sources_error() {
    let readers = fails_after(3) | tee(2);
    for reader in readers {
        let got = reader | map(Result::unwrap) | collect::<Vec<_>>();
        assert_eq!(got, Err("source failed after 3".to_string()));
    }
    for reader in fails_after(2) | tee(2).blocking() {
        assert_eq!(reader | count(), Err("source failed after 2".to_string()));
    }
}

#[test]
fn dropping_a_tee_reader_frees_the_others() {
    let mut readers = pipe(0..1000u32) | tee(2).bound(4).blocking();
    drop(readers.pop());
    // Alone now: the leader never waits for the dropped reader.
    assert_eq!(readers.pop().unwrap() | count(), 1000);
}

#[test]
fn a_blocking_tee_leader_waits_for_the_slowest_reader() {
    let pulled = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&pulled);
    let source = pipe(0..50u32).inspect(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let mut readers = source | tee(2).bound(5).blocking();
    let slow = readers.pop().unwrap();
    let fast = readers.pop().unwrap();
    let fast = std::thread::spawn(move || fast | count());
    // The fast reader stops 5 ahead of `slow`, which has read nothing.
    while pulled.load(Ordering::SeqCst) < 5 {
        std::thread::yield_now();
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(pulled.load(Ordering::SeqCst), 5);
    assert_eq!(slow | count(), 50);
    assert_eq!(fast.join().unwrap(), 50);
}

#[test]
fn tee_of_zero_readers_and_a_zero_bound() {
    assert!((pipe(0..3) | tee(0)).is_empty());
    let bound_zero = std::panic::catch_unwind(|| tee(2).bound(0));
    assert!(bound_zero.is_err());
}

#[test]
fn the_first_failing_source_ends_a_merge_with_its_error() {
    let merged = merge_by([fails_after(2), fails_after(5)], |a: &u32, b: &u32| a <= b);
    let mut seen = Vec::new();
    let result = merged | for_each(|x: u32| seen.push(x));
    assert_eq!(result, Err("source failed after 2".to_string()));
    // The first source failed when its third item was asked for: after 0, 0, 1.
    assert_eq!(seen, [0, 0, 1]);
}

#[test]
fn merge_by_takes_any_order_and_merges_empty_sources() {
    let desc = merge_by(
        [pipe(vec![9, 5, 1]), pipe(vec![]), pipe(vec![8, 2])],
        |a: &i32, b: &i32| a >= b,
    );
    assert_eq!(desc | collect::<Vec<_>>(), [9, 8, 5, 2, 1]);
    let none = std::iter::empty::<Gen<_>>();
    assert_eq!(
        merge_by(none.chain([pipe(vec![])]).skip(1), |a: &u8, b: &u8| a <= b) | count(),
        0
    );
}

#[test]
fn tap_and_store_last_watch_without_changing_the_stream() {
    let mut traced = Vec::new();
    let (keep, last) = store_last();
    let total = pipe(1..=4u32) | inspect(|x: &u32| traced.push(*x)) | keep | sum();
    assert_eq!((total, traced, last.get()), (10, vec![1, 2, 3, 4], Some(4)));
    assert_eq!(last.take(), Some(4));
    assert_eq!(last.get(), None);

    // Pushed, too: the stage piped into a sink is a sink.
    let (keep, last) = store_last::<&str>();
    let mut sink = keep | count();
    sink.send("a").unwrap();
    sink.send("b").unwrap();
    assert_eq!((sink.close(), last.get()), (2, Some("b")));
}

#[test]
fn group_count_into_a_btree_map_is_sorted() {
    let counts = pipe(["b", "c", "a", "b"]) | group_count_into::<BTreeMap<_, _>>();
    assert_eq!(
        counts.into_iter().collect::<Vec<_>>(),
        [("a", 1), ("b", 2), ("c", 1)]
    );
}

fn panic_text(err: &Box<dyn std::any::Any + Send>) -> String {
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn a_blocking_tee_whose_source_panics_makes_every_reader_panic_instead_of_hanging() {
    let source = pipe(0..100u32).inspect(|&x| assert!(x != 50, "source broke at 50"));
    let readers = source | tee(3).bound(8).blocking();
    let handles: Vec<_> = readers
        .into_iter()
        .map(|r| {
            std::thread::spawn(move || {
                let mut seen = 0;
                let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    for _ in r {
                        seen += 1;
                    }
                }));
                (seen, caught)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    // The reader that pulled item 50 panicked with the source; the others read every item
    // before it (none lost, none hanging) and then panicked too instead of ending as if the
    // source had ended.
    let mut messages: Vec<String> = Vec::new();
    for (seen, caught) in &results {
        assert_eq!(*seen, 50);
        messages.push(panic_text(
            caught.as_ref().expect_err("every reader panics"),
        ));
    }
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.contains("source broke at 50"))
            .count(),
        1
    );
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.contains("panicked (in another reader)"))
            .count(),
        2
    );
}

#[test]
fn a_local_tee_or_replay_whose_source_panicked_does_not_end_quietly() {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    let source = pipe(0..10u32).inspect(|&x| assert!(x != 5, "source broke at 5"));
    let mut readers = source | tee(2);
    let mut second = readers.pop().unwrap();
    let mut first = readers.pop().unwrap();
    let got: Vec<_> = (&mut first).take(5).map(Result::unwrap).collect();
    assert_eq!(got, [0, 1, 2, 3, 4]);
    assert!(catch_unwind(AssertUnwindSafe(|| first.next())).is_err());
    // The other reader gets what was buffered, then panics instead of ending with `None`.
    let got: Vec<_> = (&mut second).take(5).map(Result::unwrap).collect();
    assert_eq!(got, [0, 1, 2, 3, 4]);
    let err = catch_unwind(AssertUnwindSafe(|| second.next())).unwrap_err();
    assert!(
        panic_text(&err).contains("in another reader"),
        "{}",
        panic_text(&err)
    );

    let replayed = pipe(0..10u32).inspect(|&x| assert!(x != 5, "source broke at 5")) | replay();
    assert!(catch_unwind(AssertUnwindSafe(|| replayed.iter().count())).is_err());
    let err = catch_unwind(AssertUnwindSafe(|| replayed.iter().count())).unwrap_err();
    assert!(
        panic_text(&err).contains("in another reader"),
        "{}",
        panic_text(&err)
    );
}
