//! The engine benchmark cases, shared by `engine.rs` (criterion, wall time) and
//! `instructions.rs` (cachegrind, instructions per item).
//!
//! Every case computes the same thing over `0..n`: `sum(x * 3 for x in 0..n if (x * 3) % 2 == 0)`
//! (the 3-stage chain: source -> map -> filter -> sum), with each item passed through
//! `black_box` at the source so nothing is folded away.
#![allow(dead_code)]

use std::hint::black_box;

use genawaiter::{rc, sync};
use genpipe::prelude::*;

pub fn expected(n: u64) -> u64 {
    (0..n).map(|x| x * 3).filter(|x| x % 2 == 0).sum()
}

// ---- hand-written Iterator structs: the baseline ----

pub struct Source {
    next: u64,
    end: u64,
}
impl Iterator for Source {
    type Item = u64;
    #[inline]
    fn next(&mut self) -> Option<u64> {
        if self.next == self.end {
            return None;
        }
        let x = self.next;
        self.next += 1;
        Some(black_box(x))
    }
}
pub struct Triple<I>(I);
impl<I: Iterator<Item = u64>> Iterator for Triple<I> {
    type Item = u64;
    #[inline]
    fn next(&mut self) -> Option<u64> {
        self.0.next().map(|x| x * 3)
    }
}
pub struct Even<I>(I);
impl<I: Iterator<Item = u64>> Iterator for Even<I> {
    type Item = u64;
    #[inline]
    fn next(&mut self) -> Option<u64> {
        loop {
            let x = self.0.next()?;
            if x % 2 == 0 {
                return Some(x);
            }
        }
    }
}
/// Keeps the last 4 items in a `Vec` across items: state that must live in memory.
pub struct Windowed<I> {
    up: I,
    recent: Vec<u64>,
}
impl<I: Iterator<Item = u64>> Iterator for Windowed<I> {
    type Item = u64;
    #[inline]
    fn next(&mut self) -> Option<u64> {
        let x = self.up.next()?;
        if self.recent.len() == 4 {
            self.recent.remove(0);
        }
        self.recent.push(x);
        Some(x)
    }
}

pub fn hand(n: u64) -> u64 {
    let mut total = 0;
    for x in Even(Triple(Source { next: 0, end: n })) {
        total += x;
    }
    total
}

pub fn hand_vec(n: u64) -> u64 {
    Even(Windowed {
        up: Triple(Source { next: 0, end: n }),
        recent: Vec::with_capacity(4),
    })
    .sum()
}

// ---- genpipe generators ----

#[generator]
pub fn source(n: u64) -> Gen<u64> {
    for x in 0..n {
        yield_!(black_box(x));
    }
}

#[generator]
pub fn triple(input: impl Iterator<Item = u64>) -> Gen<u64> {
    for x in input {
        yield_!(x * 3);
    }
}

#[generator]
pub fn even(input: impl Iterator<Item = u64>) -> Gen<u64> {
    for x in input {
        if x % 2 == 0 {
            yield_!(x);
        }
    }
}

#[generator]
pub fn windowed(input: impl Iterator<Item = u64>) -> Gen<u64> {
    let mut recent = Vec::with_capacity(4);
    for x in input {
        if recent.len() == 4 {
            recent.remove(0);
        }
        recent.push(x);
        yield_!(x);
    }
}

pub fn genpipe_chain(n: u64) -> u64 {
    source(n) | triple() | even() | sum()
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

// The same three generators again, as distinct functions: a pipeline type used from two call
// sites is no longer inlined into both (LLVM's cost model), which would measure that instead.
#[generator]
pub fn source_s(n: u64) -> Gen<u64> {
    for x in 0..n {
        yield_!(black_box(x));
    }
}

#[generator]
pub fn triple_s(input: impl Iterator<Item = u64>) -> Gen<u64> {
    for x in input {
        yield_!(x * 3);
    }
}

#[generator]
pub fn even_s(input: impl Iterator<Item = u64>) -> Gen<u64> {
    for x in input {
        if x % 2 == 0 {
            yield_!(x);
        }
    }
}

/// The chain checked `Send` at compile time: being `Send` costs nothing per item
/// (genawaiter's `Send` flavour takes a mutex per item). `tests/produce.rs` moves one to
/// another thread.
pub fn genpipe_send(n: u64) -> u64 {
    assert_send(source_s(n) | triple_s() | even_s()) | sum()
}

/// A sink of the user's own after `|` (`sink(..)`): what the built-in `sum()` costs.
#[derive(Default)]
pub struct UserTotal(u64);

impl Sink<u64> for UserTotal {
    type Out = u64;

    #[inline]
    fn send(&mut self, x: u64) -> Result<(), SendError<u64>> {
        self.0 += x;
        Ok(())
    }

    fn close(self) -> u64 {
        self.0
    }
}

pub fn genpipe_user_sink(n: u64) -> u64 {
    source_s(n) | triple_s() | even_s() | sink(UserTotal::default())
}

pub fn genpipe_builtin(n: u64) -> u64 {
    source(n).map(|x| x * 3).filter(|x| x % 2 == 0) | sum()
}

/// The built-in chain with the map fallible (`try_map`): what checking each item costs.
pub fn genpipe_try_map(n: u64) -> u64 {
    let total = source(n)
        .try_map(|x| Ok::<u64, std::num::ParseIntError>(x * 3))
        .filter(|x| x % 2 == 0)
        | sum();
    total.expect("nothing fails")
}

pub fn genpipe_vec(n: u64) -> u64 {
    source(n) | triple() | windowed() | even() | sum()
}

pub fn genpipe_boxed(n: u64) -> u64 {
    (source(n) | triple() | even()).boxed() | sum()
}

pub fn genpipe_for(n: u64) -> u64 {
    let mut total = 0;
    for x in source(n) | triple() | even() {
        total += x;
    }
    total
}

/// The `for` loop over the chain pinned on the caller's stack: no allocation, the by-value
/// speed.
pub fn genpipe_for_pinned(n: u64) -> u64 {
    let mut total = 0;
    for x in std::pin::pin!(source(n) | triple() | even()) {
        total += x;
    }
    total
}

// ---- genawaiter ----

pub fn genawaiter_rc(n: u64) -> u64 {
    let src = rc::Gen::new(|co| async move {
        for x in 0..n {
            co.yield_(black_box(x)).await;
        }
    });
    let tri = rc::Gen::new(|co| async move {
        for x in src {
            co.yield_(x * 3).await;
        }
    });
    let evn = rc::Gen::new(|co| async move {
        for x in tri {
            if x % 2 == 0 {
                co.yield_(x).await;
            }
        }
    });
    evn.into_iter().sum()
}

pub fn genawaiter_sync(n: u64) -> u64 {
    let src = sync::Gen::new(|co| async move {
        for x in 0..n {
            co.yield_(black_box(x)).await;
        }
    });
    let tri = sync::Gen::new(|co| async move {
        for x in src {
            co.yield_(x * 3).await;
        }
    });
    let evn = sync::Gen::new(|co| async move {
        for x in tri {
            if x % 2 == 0 {
                co.yield_(x).await;
            }
        }
    });
    evn.into_iter().sum()
}

// ---- push consumers: send n values, sum the even triples ----

pub fn push_closure(n: u64) -> u64 {
    let mut total = 0;
    let mut consume = |x: u64| {
        let t = x * 3;
        if t.is_multiple_of(2) {
            total += t;
        }
    };
    for x in 0..n {
        consume(black_box(x));
    }
    total
}

#[coro]
pub fn summer() -> Coro<u64, u64> {
    let mut total = 0;
    while let Some(x) = recv!() {
        let t = x * 3;
        if t % 2 == 0 {
            total += t;
        }
    }
    total
}

pub fn push_genpipe(n: u64) -> u64 {
    let mut c = summer();
    for x in 0..n {
        c.send(black_box(x)).unwrap();
    }
    c.close()
}

pub fn push_genawaiter_rc(n: u64) -> u64 {
    let mut g = rc::Gen::new(|co: rc::Co<(), u64>| async move {
        let mut total = 0;
        loop {
            let x = co.yield_(()).await;
            if x == u64::MAX {
                return total;
            }
            let t = x * 3;
            if t % 2 == 0 {
                total += t;
            }
        }
    });
    g.resume_with(0); // prime: run to the first yield (Python's next(g))
    for x in 0..n {
        g.resume_with(black_box(x));
    }
    match g.resume_with(u64::MAX) {
        genawaiter::GeneratorState::Complete(total) => total,
        genawaiter::GeneratorState::Yielded(()) => unreachable!(),
    }
}

/// One case: (group, name, function of the item count).
pub type Case = (&'static str, &'static str, fn(u64) -> u64);

// ---- combinators: what fan-out and memoization add per item ----

fn hand_source(n: u64) -> Source {
    Source { next: 0, end: n }
}

/// The in-group baseline: the hand-written source through built-in stages.
pub fn combinators_builtin(n: u64) -> u64 {
    pipe(hand_source(n)) | map(|x: u64| x * 3) | filter(|x: &u64| x.is_multiple_of(2)) | sum()
}

/// The same job as one branch of a two-target broadcast (the other counts).
pub fn broadcast2(n: u64) -> u64 {
    let (total, count) = pipe(hand_source(n))
        | broadcast((
            map(|x: u64| x * 3) | filter(|x: &u64| x.is_multiple_of(2)) | sum(),
            count(),
        ));
    assert_eq!(count as u64, n);
    total
}

/// Two `tee` readers read in step; one does the job.
pub fn tee2(n: u64) -> u64 {
    let mut readers = pipe(hand_source(n)) | genpipe::combinators::tee(2).bound(16);
    let mut other = readers.pop().unwrap();
    let mut first = readers.pop().unwrap();
    let mut total = 0;
    while let Some(Ok(x)) = first.next() {
        black_box(other.next());
        if (x * 3).is_multiple_of(2) {
            total += x * 3;
        }
    }
    total
}

#[memoize]
fn keeps(parity: u64) -> bool {
    parity == 0
}

/// A `#[memoize]`d predicate that always hits after the first two calls.
pub fn memoize_hit(n: u64) -> u64 {
    pipe(hand_source(n)) | filter(|x: &u64| keeps(x % 2)) | map(|x: u64| x * 3) | sum()
}

/// Every case.
pub const CASES: &[Case] = &[
    ("chain3", "hand", hand),
    ("chain3", "genpipe", genpipe_chain),
    ("chain3", "genpipe_send", genpipe_send),
    ("chain3", "genpipe_builtin", genpipe_builtin),
    ("chain3", "genpipe_user_sink", genpipe_user_sink),
    ("chain3", "genpipe_try_map", genpipe_try_map),
    ("chain3", "genawaiter_rc", genawaiter_rc),
    ("chain3", "genawaiter_sync", genawaiter_sync),
    ("chain3_memory", "hand_vec", hand_vec),
    ("chain3_memory", "genpipe_vec", genpipe_vec),
    ("chain3_memory", "genpipe_boxed", genpipe_boxed),
    ("chain3_memory", "genpipe_for", genpipe_for),
    ("chain3_memory", "genpipe_for_pinned", genpipe_for_pinned),
    ("push", "closure", push_closure),
    ("push", "genpipe", push_genpipe),
    ("push", "genawaiter_rc", push_genawaiter_rc),
    ("combinators", "builtin", combinators_builtin),
    ("combinators", "broadcast2", broadcast2),
    ("combinators", "tee2", tee2),
    ("combinators", "memoize_hit", memoize_hit),
];
