//! Allocation counts: a pipeline consumed by value allocates nothing, a generator driven by
//! `next()` or a coroutine driven by `send` allocates once, whatever the number of items.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use genpipe::prelude::*;

/// Counts this thread's allocations (per thread, so parallel tests do not disturb each other).
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static LIVE_BYTES: Cell<i64> = const { Cell::new(0) };
}

// SAFETY: forwards to `System`, only adding thread-local counters (const-initialised, so
// touching them never allocates).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        LIVE_BYTES.with(|b| b.set(b.get() + layout.size() as i64));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.with(|b| b.set(b.get() - layout.size() as i64));
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f`.
fn allocations<T>(f: impl FnOnce() -> T) -> (u64, T) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    (ALLOCATIONS.with(Cell::get) - before, out)
}

#[generator]
fn upto(n: u64) -> Gen<u64> {
    for i in 0..n {
        yield_!(i);
    }
}

#[generator]
fn not_div3(input: impl Iterator<Item = u64>) -> Gen<u64> {
    for x in input {
        if x % 3 != 0 {
            yield_!(x);
        }
    }
}

#[generator]
fn doubled(input: impl Iterator<Item = u64>) -> Gen<u64> {
    for x in input {
        yield_!(x * 2);
    }
}

#[coro]
fn summer() -> Coro<u64, u64> {
    let mut total = 0;
    while let Some(x) = recv!() {
        total += x;
    }
    total
}

fn expected(n: u64) -> u64 {
    (0..n).filter(|x| x % 3 != 0).map(|x| x * 2 + 1).sum()
}

#[test]
#[cfg_attr(miri, ignore = "10 million items")]
fn ten_million_items_through_five_stages_allocate_nothing_per_item() {
    let n = 10_000_000;
    let live_before = LIVE_BYTES.with(Cell::get);
    let (allocs, total) = allocations(|| {
        upto(n) | not_div3() | doubled() | map(|x: u64| x + 1) | filter(|_: &u64| true) | sum()
    });
    assert_eq!(total, expected(n));
    assert_eq!(allocs, 0, "a pipeline consumed by value allocates nothing");
    assert_eq!(LIVE_BYTES.with(Cell::get), live_before);

    // Driven by `next()`: one allocation, for 10 or 10 million items.
    for n in [10, n] {
        let (allocs, total) = allocations(|| {
            let mut total = 0;
            for x in upto(n) | not_div3() | doubled() | map(|x: u64| x + 1) | filter(|_: &u64| true)
            {
                total += x;
            }
            total
        });
        assert_eq!(total, expected(n));
        assert_eq!(allocs, 1, "next() pins the pipeline once (n = {n})");
    }

    // A coroutine: one allocation, made by its constructor.
    let (allocs, total) = allocations(|| {
        let mut c = summer();
        for x in 0..n {
            c.send(x).unwrap();
        }
        c.close()
    });
    assert_eq!(total, (0..n).sum::<u64>());
    assert_eq!(allocs, 1);

    // Pushed through stage generators into a coroutine: the pushed stages each pin once.
    let (allocs, total) = allocations(|| pipe(0..n) | (not_div3() | doubled() | summer()));
    assert_eq!(
        total,
        (0..n).filter(|x| x % 3 != 0).map(|x| x * 2).sum::<u64>()
    );
    assert_eq!(allocs, 3);
}
