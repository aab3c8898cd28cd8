//! Regressions, one per bug found, named after the issue in which it was found.

use genpipe::prelude::*;

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[generator]
fn inner(n: u32) -> Gen<u32, u32> {
    for i in 0..n {
        yield_!(i);
    }
    n
}

#[generator]
fn delegating(words: Vec<u32>) -> Gen<u32, u32> {
    yield_from!(words);
    yield_from!(inner(2))
}

/// Issue 2: `yield_from!` held a `&Cell` probe across the await, so every delegating body was
/// `!Send` (found by the `BoxGen` doc example).
#[test]
fn issue_2_yield_from_keeps_the_body_send() {
    let g = assert_send(delegating(vec![7, 8]));
    let mut g = std::thread::spawn(move || {
        let mut g = g;
        assert_eq!(g.next(), Some(7));
        g
    })
    .join()
    .unwrap();
    assert_eq!((&mut g).collect::<Vec<_>>(), [8, 0, 1]);
    assert_eq!(g.finish(), 2);
}
