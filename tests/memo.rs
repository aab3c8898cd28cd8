//! `#[memoize]`, the `memo` stage and `replay()`.

mod common;

use std::cell::Cell;
use std::time::Duration;

use genpipe::memo::{Memo, MemoStats, memo, memo_by, replay};
use genpipe::prelude::*;
use proptest::prelude::*;

use common::fails_after;

thread_local! {
    static HOST_LOOKUPS: Cell<u32> = const { Cell::new(0) };
}

/// Stands in for a costly lookup; counts its real calls.
#[memoize]
fn host_key(host: &str) -> String {
    HOST_LOOKUPS.with(|n| n.set(n.get() + 1));
    host.split('.').next().unwrap_or(host).to_uppercase()
}

#[memoize(capacity = 2)]
fn square(x: u64) -> u64 {
    x * x
}

#[memoize(shared)]
fn shared_len(s: &str) -> usize {
    s.len()
}

#[memoize]
fn joined(a: &str, b: &[u8], n: u32) -> String {
    format!("{a}-{}-{n}", b.len())
}

#[memoize(ttl = Duration::from_millis(1))]
fn stamped(x: u8) -> u8 {
    x
}

#[memoize]
fn fib(n: u64) -> u64 {
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}

#[memoize]
fn answer() -> u32 {
    42
}

#[memoize(shared)]
fn fragile(x: u32) -> u32 {
    assert!(x != 13, "unlucky");
    x
}

#[test]
fn a_costly_lookup_runs_once_per_key() {
    host_key::clear();
    let before = HOST_LOOKUPS.with(Cell::get);
    for host in ["web1.example", "db.example", "web1.example", "web1.example"] {
        host_key(host);
    }
    assert_eq!(HOST_LOOKUPS.with(Cell::get) - before, 2);
    let stats = host_key::stats();
    assert_eq!(
        (
            stats.lookups,
            stats.hits,
            stats.misses,
            stats.len,
            stats.evictions
        ),
        (4, 2, 2, 2, 0)
    );
    assert_eq!(host_key("db.example"), "DB");
    host_key::clear();
    assert_eq!(host_key::stats(), MemoStats::default());
}

#[test]
fn per_thread_caches_count_per_thread() {
    host_key::clear();
    host_key("here.example");
    let there = std::thread::spawn(|| {
        host_key("here.example");
        host_key::stats()
    })
    .join()
    .unwrap();
    // The other thread had its own, empty cache.
    assert_eq!((there.misses, there.hits), (1, 0));
    assert_eq!(host_key::stats().misses, 1);
}

#[test]
fn a_shared_cache_serves_every_thread() {
    shared_len::clear();
    shared_len("abc");
    std::thread::spawn(|| assert_eq!(shared_len("abc"), 3))
        .join()
        .unwrap();
    let stats = shared_len::stats();
    assert_eq!((stats.misses, stats.hits), (1, 1));
}

#[test]
fn capacity_evicts_exactly_the_least_recently_used() {
    square::clear();
    square(1);
    square(2);
    square(1); // 1 is now the most recent
    square(3); // evicts 2
    square(1); // still cached
    square(2); // computed again, evicts 3
    let stats = square::stats();
    assert_eq!(
        (stats.hits, stats.misses, stats.evictions, stats.len),
        (2, 4, 2, 2)
    );
}

#[test]
fn several_arguments_key_the_cache_together() {
    joined::clear();
    assert_eq!(joined("a", b"xy", 1), "a-2-1");
    assert_eq!(joined("a", b"xy", 2), "a-2-2");
    assert_eq!(joined("a", b"xy", 1), "a-2-1");
    assert_eq!(joined::stats().misses, 2);
}

#[test]
fn expired_entries_are_computed_again() {
    stamped::clear();
    stamped(1);
    std::thread::sleep(Duration::from_millis(5));
    stamped(1);
    let stats = stamped::stats();
    assert_eq!((stats.hits, stats.misses, stats.evictions), (0, 2, 1));
}

#[test]
fn a_memoized_function_may_call_itself() {
    fib::clear();
    assert_eq!(fib(80), 23_416_728_348_467_685);
    assert_eq!(fib::stats().misses, 81);
    assert_eq!(answer(), 42);
    assert_eq!(answer(), 42);
    assert_eq!(answer::stats().hits, 1);
}

#[test]
fn a_panicking_body_caches_nothing_and_poisons_nothing() {
    fragile::clear();
    assert!(std::panic::catch_unwind(|| fragile(13)).is_err());
    assert_eq!(fragile(1), 1);
    let stats = fragile::stats();
    assert_eq!((stats.lookups, stats.misses, stats.len), (2, 1, 1));
}

fn plain_key(host: &str) -> String {
    host.split('.').next().unwrap_or(host).to_uppercase()
}

proptest! {
    #[test]
    fn a_memoized_function_equals_the_plain_one(hosts in proptest::collection::vec("[a-c]{1,2}\\.[xy]", 0..40)) {
        for host in &hosts {
            prop_assert_eq!(host_key(host), plain_key(host));
        }
    }

    #[test]
    fn the_memo_stage_equals_a_plain_map(xs in proptest::collection::vec(0u16..20, 0..60), cap in 1usize..6) {
        let memoized = pipe(xs.clone()) | memo(|x: u16| u32::from(x) * 7).capacity(cap) | collect::<Vec<_>>();
        prop_assert_eq!(memoized, xs.iter().map(|&x| u32::from(x) * 7).collect::<Vec<_>>());
    }

    #[test]
    fn replay_equals_the_source(xs in proptest::collection::vec(any::<i32>(), 0..60), first in 0usize..70) {
        let r = pipe(xs.clone()) | replay();
        // A partial pass, then full passes: each sees the whole source.
        let partial: Vec<i32> = r.iter().take(first).collect();
        prop_assert_eq!(&partial[..], &xs[..first.min(xs.len())]);
        prop_assert_eq!(r.iter().collect::<Vec<_>>(), xs.clone());
        prop_assert_eq!(r.iter().collect::<Vec<_>>(), xs);
    }
}

#[test]
fn the_memo_stage_runs_its_function_once_per_key_within_capacity() {
    let calls = Cell::new(0);
    let out = pipe([1, 2, 1, 3, 1, 2])
        | memo(|x: i32| {
            calls.set(calls.get() + 1);
            x * 10
        })
        .capacity(2)
        | collect::<Vec<_>>();
    assert_eq!(out, [10, 20, 10, 30, 10, 20]);
    // 1, 2, 3 (evicts 2), then 2 again.
    assert_eq!(calls.get(), 4);

    // Pushed, as a sink.
    let mut sink = memo_by(|s: &&str| s.len(), |s: &str| s.to_uppercase()) | collect::<Vec<_>>();
    for s in ["ab", "cd", "e"] {
        sink.send(s).unwrap();
    }
    assert_eq!(sink.close(), ["AB", "AB", "E"]);
}

#[test]
fn replay_computes_once_and_passes_interleave() {
    let runs = Cell::new(0);
    let r = pipe(0..5).inspect(|_| runs.set(runs.get() + 1)) | replay();
    let mut a = r.iter();
    let mut b = r.iter();
    assert_eq!(
        (a.next(), b.next(), b.next(), a.next()),
        (Some(0), Some(0), Some(1), Some(1))
    );
    assert_eq!(runs.get(), 2);
    assert_eq!(a.sum::<i32>() + b.sum::<i32>(), 2 * (2 + 3 + 4));
    assert_eq!((runs.get(), r.recorded()), (5, 5));
    assert_eq!((&r).into_iter().count(), 5);
}

#[test]
fn every_replay_pass_ends_with_the_sources_error() {
    let r = fails_after(2) | replay();
    assert_eq!(r.iter() | count(), Err("source failed after 2".to_string()));
    assert_eq!(
        r.iter() | sum::<u32>(),
        Err("source failed after 2".to_string())
    );
}

#[test]
fn a_memo_table_on_its_own() {
    let mut table: Memo<String, usize> = Memo::new().capacity(1);
    assert_eq!(table.get_or_compute("a".into(), |k| k.len()), 1);
    assert_eq!(table.lookup("a"), Some(1));
    table.store("bb".into(), 2);
    assert_eq!(table.lookup("a"), None);
    assert_eq!(table.stats().evictions, 1);
    assert!(std::panic::catch_unwind(|| Memo::<u8, u8>::new().capacity(0)).is_err());
}

#[memoize(shared, capacity = 16)]
fn shared_square(x: u64) -> u64 {
    x * x
}

#[test]
fn a_shared_cache_stays_consistent_under_many_threads() {
    shared_square::clear();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..500u64 {
                    let x = (i * 7 + t) % 40;
                    assert_eq!(shared_square(x), x * x);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let stats = shared_square::stats();
    assert_eq!(stats.lookups, 2000);
    assert_eq!(stats.hits + stats.misses, stats.lookups);
    assert!(stats.len <= 16);
    // Each entry stored beyond the capacity evicted one (two threads may store one key twice).
    assert!(stats.evictions + stats.len as u64 <= stats.misses);
}

// Written out on purpose: the macro copies the lifetime to the body it keeps.
#[allow(clippy::needless_lifetimes)]
#[memoize]
fn first_word<'a>(text: &'a str) -> String {
    text.split_whitespace().next().unwrap_or("").to_string()
}

#[test]
fn explicit_lifetimes_are_fine() {
    first_word::clear();
    let owned = String::from("hello world");
    assert_eq!(first_word(&owned), "hello");
    drop(owned);
    // The key was stored owned: the borrowed text can be gone.
    assert_eq!(first_word("hello world"), "hello");
    assert_eq!(first_word::stats().hits, 1);
}

/// A time-to-live without a capacity still bounds the table: a store drops what expired.
#[test]
fn expired_entries_are_purged_without_a_capacity() {
    let mut memo = genpipe::memo::Memo::<u32, u32>::new().ttl(Duration::from_millis(20));
    for k in 0..1000 {
        memo.store(k, k);
    }
    assert_eq!(memo.stats().len, 1000);
    std::thread::sleep(Duration::from_millis(30));
    memo.store(5000, 1);
    let stats = memo.stats();
    assert_eq!(stats.len, 1, "only the fresh entry is left");
    assert_eq!(stats.evictions, 1000);
    assert_eq!(memo.lookup(&5000), Some(1));
}
