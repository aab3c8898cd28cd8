//! The README's usage, exactly: the prelude glob with `#[generator]` and `#[coro]`.
use genpipe::prelude::*;

#[generator]
fn countdown(n: u32) -> Gen<u32> {
    for i in (1..=n).rev() {
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

#[coro]
fn printer(prefix: &'static str) -> Coro<u32, usize> {
    let mut n = 0;
    while let Some(x) = recv!() {
        println!("{prefix}{x}");
        n += 1;
    }
    n
}

fn main() {
    assert_eq!(countdown(10) | evens() | sum(), 30);
    assert_eq!(countdown(10) | evens() | printer("even: "), 5);
    let mut p = printer("pushed: ");
    p.send(1).unwrap();
    assert_eq!(p.close(), 1);
}
